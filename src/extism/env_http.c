/*
** env_http.c — `http_request`, `http_status_code`, `http_headers` through
** plinth's HTTP client (net/http.h), synchronously, as the Rust and Go hosts
** do.
**
** The request is the JSON {"url", "method", "headers"} (the JS SDK's
** "header" alias accepted); the body is the second handle, sent whatever
** the method. The host's allow-list is checked first and is deny-by-default:
** an empty list allows nothing. A denied request, a transport failure, a
** timeout or a body over the cap fails the call; a non-2xx status does not.
** No retries (Extism makes one request), the call's time left is the HTTP
** timeout, and the call's cancel flag (or ple_plugin_interrupt) cancels it.
*/
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "extism/extism_int.h"

#define NO_PLUGIN "Extism functions cannot run in the module's start function"

typedef struct http_req {
    json_t *doc;
    const char *url;
    pln_request req;
} http_req;

/* Parse the request JSON into r (its url, method and headers). */
static int parse_request(plw_host_ctx *cx, ple_plugin *p, const uint8_t *j, size_t n,
                         http_req *r)
{
    json_error_t je;
    r->doc = json_loadb((const char *)j, n, 0, &je);
    if (!json_is_object(r->doc))
        return ple_fail(cx, p, PL_E_INVALID_ARG, "http_request: the request is not a JSON "
                        "object: %s", r->doc ? "wrong type" : je.text);
    r->url = json_string_value(json_object_get(r->doc, "url"));
    if (!r->url)
        return ple_fail(cx, p, PL_E_INVALID_ARG, "http_request: the request has no \"url\"");
    const char *m = json_string_value(json_object_get(r->doc, "method"));
    char method[32];
    size_t mn = m ? strlen(m) : 0;
    if (!m || !mn) {
        m = "GET";
        mn = 3;
    }
    if (mn >= sizeof method)
        return ple_fail(cx, p, PL_E_INVALID_ARG, "http_request: method too long");
    for (size_t i = 0; i <= mn; i++)
        method[i] = (char)toupper((unsigned char)m[i]);
    if (pln_request_set_method(&r->req, method) != 0 || pln_request_set_url(&r->req, r->url) != 0)
        return ple_fail(cx, p, PL_E_INVALID_ARG, "http_request: invalid method or URL");
    json_t *hs = json_object_get(r->doc, "headers");
    if (!hs)
        hs = json_object_get(r->doc, "header");
    const char *k;
    json_t *v;
    json_object_foreach(hs, k, v) {
        if (!json_is_string(v) || pln_request_add_header(&r->req, k, json_string_value(v)) != 0)
            return ple_fail(cx, p, PL_E_INVALID_ARG, "http_request: invalid header '%s'", k);
    }
    return 0;
}

/* The response headers as one JSON object; repeated names joined with ","
** (as the Go host does). NULL on out of memory. */
static char *headers_json(const pln_response *res)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < res->n_headers; i++) {
        const char *name = res->headers[i].name, *val = res->headers[i].value;
        const char *prev = json_string_value(json_object_get(o, name));
        json_t *s;
        if (prev) {
            plu_buf b;
            plu_buf_init(&b);
            int rc = plu_buf_printf(&b, "%s,%s", prev, val);
            s = rc == 0 ? json_stringn(b.data, b.len) : NULL;
            plu_buf_free(&b);
        } else {
            s = json_string(val);
        }
        if (!s || json_object_set_new(o, name, s) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

/* The HTTP timeout: what is left of the call, in ms (0 = none). */
static int timeout_ms(plw_host_ctx *cx, uint32_t *ms)
{
    uint64_t ns = plw_host_time_left(cx);
    if (ns == UINT64_MAX) {
        *ms = 0;
        return 0;
    }
    if (ns == 0)
        return -1;
    uint64_t v = (ns + 999999u) / 1000000u;
    *ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return 0;
}

/* Record the response and hand its body to the plugin. */
static int take_response(plw_host_ctx *cx, ple_plugin *p, pln_response *res, uint64_t *out)
{
    const ple_options *o = &p->host->o;
    p->http_status = res->status;
    if (res->body.len > o->max_http_response_bytes)
        return ple_fail(cx, p, PL_E_LIMIT,
                        "HTTP response exceeds the configured maximum number of bytes: %zu",
                        o->max_http_response_bytes);
    if (o->http_response_headers && !(p->http_headers = headers_json(res)))
        return ple_fail(cx, p, PL_E_NOMEM, "http_request: out of memory");
    *out = res->body.len ? ple_alloc_bytes(p, res->body.data, res->body.len) : 0;
    if (res->body.len && !*out)
        return ple_fail(cx, p, PL_E_LIMIT,
                        "HTTP response of %zu bytes does not fit in Extism memory", res->body.len);
    return 0;
}

/* Send r (body attached) and read the response into the plugin. */
static int send_request(plw_host_ctx *cx, ple_plugin *p, http_req *r, uint64_t *out)
{
    const ple_options *o = &p->host->o;
    char why[600];
    if (!pln_url_allowed(r->url, o->allowed_hosts, o->n_allowed_hosts, why, sizeof why))
        return ple_fail(cx, p, PL_E_DENIED, "HTTP request is not allowed: %s", why);
    if (!o->http)
        return ple_fail(cx, p, PL_E_DENIED, "HTTP is disabled by this host");
    pln_policy pol = { .allowed_hosts = o->allowed_hosts, .n_allowed = o->n_allowed_hosts };
    size_t max = o->max_http_response_bytes;
    pol.max_body_bytes = max < SIZE_MAX ? max + 1 : max; /* over the cap by one: refused */
    if (timeout_ms(cx, &pol.total_timeout_ms) != 0)
        return ple_fail(cx, p, PL_E_TIMEOUT, "timeout");
    pln_response res;
    pln_response_init(&res);
    pl_err e;
    plu_err_clear(&e);
    pl_status st = pln_send(o->http, &r->req, &pol, p->watch, &res, &e);
    int rc = 0;
    if (st == PL_E_LIMIT)
        rc = ple_fail(cx, p, st, "HTTP response exceeds the configured maximum number of "
                      "bytes: %zu", max);
    else if (st != PL_OK)
        rc = ple_fail(cx, p, st, "%s", e.msg);
    else
        rc = take_response(cx, p, &res, out);
    pln_response_free(&res);
    return rc;
}

int ple_http_request(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    p->http_status = 0;
    plu_free(p->http_headers);
    p->http_headers = NULL;
    const uint8_t *j, *body;
    size_t jn, bn;
    if (!ple_block_bytes(p, s[0], &j, &jn) || s[0] == 0)
        return ple_fail(cx, p, PL_E_INVALID_ARG, "invalid handle offset for http request: %llu",
                        (unsigned long long)s[0]);
    if (!ple_block_bytes(p, s[1], &body, &bn))
        return ple_fail(cx, p, PL_E_INVALID_ARG,
                        "invalid handle offset for http request body: %llu",
                        (unsigned long long)s[1]);
    http_req r = { 0 };
    pln_request_init(&r.req);
    uint64_t out = 0;
    int rc = parse_request(cx, p, j, jn, &r);
    if (rc == 0 && bn && pln_request_append_body(&r.req, body, bn) != 0)
        rc = ple_fail(cx, p, PL_E_NOMEM, "http_request: out of memory");
    if (rc == 0)
        rc = send_request(cx, p, &r, &out);
    pln_request_free(&r.req);
    json_decref(r.doc);
    if (rc != 0)
        return rc;
    ple_mem_free_later(&p->mem, s[0]);
    ple_mem_free_later(&p->mem, s[1]);
    s[0] = out;
    return 0;
}

int ple_http_status_code(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    const ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    s[0] = (uint32_t)p->http_status;
    return 0;
}

/* 0 unless the host enabled header capture and a response arrived. */
int ple_http_headers(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    const char *hj = p->http_headers;
    s[0] = hj ? ple_alloc_bytes(p, hj, strlen(hj)) : 0;
    return 0;
}
