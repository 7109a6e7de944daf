/*
** wasm_provider.c — QueryMT's Wasm provider exports behind a plinth
** vtable, so that provider.c and stream.c drive a Wasm provider exactly
** like a native one: the same wire format, the same host HTTP path with
** its allow-list check, retries and streaming.
**
** Both export sets are served (provider-contract.md §1.4): the
** HTTP-adapter set (chat_request / parse_chat_response / the stream
** parser / ...; the host sends the requests) and the older set (chat,
** chat_stream pushing chunks with qmt_yield_chunk, embed, complete,
** list_models; the VM does HTTP through qmt_http_request).
**
** A provider call holds one pooled instance from its first export call to
** its last (a stream parser lives in that instance's memory).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm_backend.h"

/* ---- small helpers ----------------------------------------------------------------------- */

static int fail(plh_wcall *c, pl_plugin_sink *s, uint32_t kind, const char *fmt, ...)
    PLU_PRINTF(4, 5);
static int fail(plh_wcall *c, pl_plugin_sink *s, uint32_t kind, const char *fmt, ...)
{
    char msg[PL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return c->w->p->api.pub.error(s, kind, msg);
}

/* Run an export of the call's instance; -1 with the sink set on failure. */
static int run(plh_wcall *c, const char *fn, const char *in, size_t len, const uint8_t **out,
               size_t *out_len, pl_plugin_sink *s)
{
    return plh_wasm_run(c->w, c->slot, fn, in, len, c->cancel, c, out, out_len, s) == PL_OK
               ? 0
               : -1;
}

static int write_out(plh_wcall *c, const uint8_t *out, size_t len, pl_plugin_sink *s)
{
    return c->w->p->api.pub.write(s, out, len) == 0
               ? 0
               : fail(c, s, PL_PLUGIN_ERR_PLUGIN, "the plugin's output is too large");
}

/* Append the bytes as a JSON array of numbers (http-serde-ext's Vec<u8>). */
static int put_byte_array(plu_buf *b, const void *data, size_t len)
{
    if (plu_buf_reserve(b, len * 4 + 2))
        return -1;
    const uint8_t *p = data;
    char *w = b->data + b->len;
    *w++ = '[';
    for (size_t i = 0; i < len; i++) {
        unsigned v = p[i];
        if (v >= 100)
            *w++ = (char)('0' + v / 100);
        if (v >= 10)
            *w++ = (char)('0' + v / 10 % 10);
        *w++ = (char)('0' + v % 10);
        if (i + 1 < len)
            *w++ = ',';
    }
    *w++ = ']';
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    return 0;
}

static int put_json_string(plu_buf *b, const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    int rc = t ? plu_buf_puts(b, t) : -1;
    plu_free(t);
    return rc;
}

/* {"cfg": CFG, "resp": {"head": {...}, "body": [...]}} */
char *plh_wasm_response_json(const char *cfg, const pl_plugin_http_response *r)
{
    plu_buf b;
    plu_buf_init(&b);
    int rc = cfg ? plu_buf_printf(&b, "{\"cfg\":%s,", cfg) : plu_buf_puts(&b, "{");
    rc |= plu_buf_printf(&b, "\"resp\":{\"head\":{\"status\":%d,\"headers\":{", r->status);
    for (size_t i = 0; i < r->n_headers && !rc; i++) {
        if (i)
            rc |= plu_buf_putc(&b, ',');
        rc |= put_json_string(&b, r->header_names[i]);
        rc |= plu_buf_putc(&b, ':');
        rc |= put_json_string(&b, r->header_values[i]);
    }
    rc |= plu_buf_puts(&b, "},\"version\":\"HTTP/1.1\"},\"body\":");
    rc |= put_byte_array(&b, r->body, r->body_len);
    rc |= plu_buf_puts(&b, "}}");
    if (rc) {
        plu_buf_free(&b);
        return NULL;
    }
    return plu_buf_take(&b);
}

/* A body given as an array of byte numbers (or, leniently, a string). */
static int body_from_json(const json_t *body, pln_request *req)
{
    if (!body || json_is_null(body))
        return 0;
    if (json_is_string(body))
        return pln_request_append_body(req, json_string_value(body), json_string_length(body));
    if (!json_is_array(body))
        return -1;
    size_t n = json_array_size(body);
    uint8_t *bytes = plu_malloc(n ? n : 1);
    if (!bytes)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(body, i);
        json_int_t x = json_integer_value(v);
        if (!json_is_integer(v) || x < 0 || x > 255) {
            plu_free(bytes);
            return -1;
        }
        bytes[i] = (uint8_t)x;
    }
    int rc = pln_request_append_body(req, bytes, n);
    plu_free(bytes);
    return rc;
}

static int headers_from_json(const json_t *h, pln_request *req)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)h, name, v) {
        if (json_is_string(v)) {
            if (pln_request_add_header(req, name, json_string_value(v)))
                return -1;
            continue;
        }
        for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i)) ||
                pln_request_add_header(req, name, json_string_value(json_array_get(v, i))))
                return -1;
        if (!json_is_array(v))
            return -1;
    }
    return 0;
}

/* The body from the document, or the bytes the scanner decoded from it
** (its place in the document then holds []). */
static int add_body(const json_t *req, const plu_buf *decoded, pln_request *out)
{
    return decoded ? pln_request_append_body(out, decoded->data, decoded->len)
                   : body_from_json(json_object_get(req, "body"), out);
}

/* SerializableHttpRequest {"req": {"head": {"method","uri","headers"},
** "body": [...]}} (root NULL: not JSON) into a request. NULL, or why it
** is not one. */
static const char *request_from_root(json_t *root, const plu_buf *decoded, pln_request *out)
{
    json_t *req = json_object_get(root, "req") ? json_object_get(root, "req") : root;
    json_t *head = json_object_get(req, "head");
    const char *method = json_string_value(json_object_get(head, "method"));
    const char *uri = json_string_value(json_object_get(head, "uri"));
    json_t *headers = json_object_get(head, "headers");
    if (!root)
        return "the HTTP request is not JSON";
    if (!uri)
        return "the HTTP request has no req.head.uri";
    if (pln_request_set_method(out, method ? method : "GET") || pln_request_set_url(out, uri) ||
        (json_is_object(headers) && headers_from_json(headers, out)) ||
        add_body(req, decoded, out))
        return "the HTTP request is invalid (method, URL, a header or the body)";
    return NULL;
}

const char *plh_wasm_request_from_jansson(const char *json, size_t len, pln_request *out)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    const char *why = request_from_root(root, NULL, out);
    json_decref(root);
    return why;
}

/* The body array, the bulk of the document, is decoded by wasm_body.c;
** jansson reads the rest (the array's text replaced by [], which keeps
** the document valid exactly when it was). */
const char *plh_wasm_request_from_json(const char *json, size_t len, pln_request *out)
{
    plh_body_span sp;
    if (!plh_wasm_body_scan(json, len, &sp))
        return plh_wasm_request_from_jansson(json, len, out);
    plu_buf rest;
    plu_buf_init(&rest);
    int rc = plu_buf_append(&rest, json, sp.start);
    rc |= plu_buf_puts(&rest, "[]");
    rc |= plu_buf_append(&rest, json + sp.end, len - sp.end);
    json_t *root = rc ? NULL : json_loadb(rest.data, rest.len, 0, NULL);
    const char *why = request_from_root(root, &sp.bytes, out);
    json_decref(root);
    plu_buf_free(&rest);
    plu_buf_free(&sp.bytes);
    return why;
}

static int request_from(plh_wcall *c, const uint8_t *out, size_t len, pl_plugin_http_out *o,
                        pl_plugin_sink *s)
{
    const char *why = plh_wasm_request_from_json((const char *)out, len, &o->req);
    return why ? fail(c, s, PL_PLUGIN_ERR_PLUGIN, "%s", why) : 0;
}

/* ---- errors ------------------------------------------------------------------------------- */

static const struct {
    const char *type;
    uint32_t kind;
} error_types[] = {
    { "auth_error", PL_PLUGIN_ERR_AUTH },
    { "rate_limited", PL_PLUGIN_ERR_RATE_LIMITED },
    { "invalid_request", PL_PLUGIN_ERR_INVALID_REQUEST },
    { "response_format_error", PL_PLUGIN_ERR_RESPONSE },
    { "json_error", PL_PLUGIN_ERR_RESPONSE },
    { "transport", PL_PLUGIN_ERR_TRANSPORT },
    { "http_error", PL_PLUGIN_ERR_TRANSPORT },
    { "io_error", PL_PLUGIN_ERR_TRANSPORT },
    { "remote_stream_disconnected", PL_PLUGIN_ERR_TRANSPORT },
    { "remote_stream_reconnected", PL_PLUGIN_ERR_TRANSPORT },
    { "cancelled", PL_PLUGIN_ERR_CANCELLED },
    { "not_implemented", PL_PLUGIN_ERR_UNSUPPORTED },
    { "invalid_url", PL_PLUGIN_ERR_CONFIG },
    { "tool_config_error", PL_PLUGIN_ERR_CONFIG },
    { "provider_error", PL_PLUGIN_ERR_PROVIDER },
    { "http_status", PL_PLUGIN_ERR_PROVIDER },
};

/* provider_error's "kind". */
static const struct {
    const char *name;
    uint32_t kind;
} provider_kinds[] = {
    { "rate_limited", PL_PLUGIN_ERR_RATE_LIMITED },
    { "server_overloaded", PL_PLUGIN_ERR_PROVIDER },
    { "quota_exceeded", PL_PLUGIN_ERR_PROVIDER },
    { "context_window_exceeded", PL_PLUGIN_ERR_CONTEXT_WINDOW },
    { "authentication", PL_PLUGIN_ERR_AUTH },
    { "invalid_request", PL_PLUGIN_ERR_INVALID_REQUEST },
    { "unsupported_operation", PL_PLUGIN_ERR_UNSUPPORTED },
};

static uint32_t kind_of_type(const char *type)
{
    for (size_t i = 0; type && i < sizeof error_types / sizeof *error_types; i++)
        if (strcmp(type, error_types[i].type) == 0)
            return error_types[i].kind;
    return PL_PLUGIN_ERR_PLUGIN;
}

static uint32_t kind_of_status(int status, uint32_t fallback)
{
    if (status == 401 || status == 403)
        return PL_PLUGIN_ERR_AUTH;
    if (status == 429)
        return PL_PLUGIN_ERR_RATE_LIMITED;
    if (status >= 400 && status < 500)
        return PL_PLUGIN_ERR_INVALID_REQUEST;
    return fallback;
}

static uint32_t payload_kind(const json_t *pl, const char *type, int status)
{
    uint32_t kind = kind_of_type(type);
    const char *pk = json_string_value(json_object_get(pl, "kind"));
    for (size_t i = 0; pk && i < sizeof provider_kinds / sizeof *provider_kinds; i++)
        if (strcmp(pk, provider_kinds[i].name) == 0)
            return provider_kinds[i].kind;
    if (type && strcmp(type, "http_status") == 0)
        return kind_of_status(status, PL_PLUGIN_ERR_PROVIDER);
    return kind;
}

void plh_wasm_error_into(plh_wasm *w, const char *text, size_t len, pl_plugin_sink *s)
{
    const pl_host_api *api = &w->p->api.pub;
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *pl = json_object_get(root, "payload") ? json_object_get(root, "payload") : root;
    const char *type = json_string_value(json_object_get(pl, "type"));
    if (!type) { /* not a typed payload: the plugin's own words */
        char msg[PL_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%.*s", (int)(len < sizeof msg - 1 ? len : sizeof msg - 1),
                 text);
        api->error(s, PL_PLUGIN_ERR_PLUGIN, msg);
        json_decref(root);
        return;
    }
    int status = (int)json_integer_value(json_object_get(pl, "status_code"));
    const char *msg = json_string_value(json_object_get(pl, "message"));
    api->error(s, payload_kind(pl, type, status), msg && *msg ? msg : type);
    json_t *ra = json_object_get(pl, "retry_after_secs");
    long retry = json_is_number(ra) ? (long)(json_number_value(ra) * 1000.0) : -1;
    api->error_detail(s, status, json_string_value(json_object_get(pl, "code")), retry);
    json_decref(root);
}

/* ---- the HTTP-adapter set ------------------------------------------------------------------ */

static bool wants_stream(const plh_wcall *c)
{
    return json_is_true(json_object_get(json_object_get(c->wire, "cfg"), "stream"));
}

/* chat_request / list_models_request / ...: the plugin builds, plinth sends. */
static int build_with(plh_wcall *c, const char *fn, const char *in, pl_plugin_http_out *o,
                      pl_plugin_sink *s)
{
    const uint8_t *out;
    size_t n;
    if (run(c, fn, in, strlen(in), &out, &n, s))
        return -1;
    return request_from(c, out, n, o, s);
}

static int wp_chat_request(void *ci, const char *wire, pl_plugin_http_out *o, pl_plugin_sink *s)
{
    plh_wcall *c = ci;
    bool stream = wants_stream(c) && (c->w->qx & PLH_QX_CHAT_STREAM_REQUEST);
    return build_with(c, stream ? "chat_stream_request" : "chat_request", wire, o, s);
}

static int wp_models_request(void *ci, const char *wire, pl_plugin_http_out *o,
                             pl_plugin_sink *s)
{
    return build_with(ci, "list_models_request", wire, o, s);
}

static int wp_embed_request(void *ci, const char *wire, pl_plugin_http_out *o, pl_plugin_sink *s)
{
    return build_with(ci, "embed_request", wire, o, s);
}

static int wp_complete_request(void *ci, const char *wire, pl_plugin_http_out *o,
                               pl_plugin_sink *s)
{
    return build_with(ci, "complete_request", wire, o, s);
}

/* parse_*_response: {"cfg", "resp"} in, the wire response out. */
static int parse_with(plh_wcall *c, const char *fn, bool with_cfg,
                      const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    char *in = plh_wasm_response_json(with_cfg ? c->cfg : NULL, r);
    if (!in)
        return fail(c, s, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    const uint8_t *out;
    size_t n;
    int rc = run(c, fn, in, strlen(in), &out, &n, s);
    plu_free(in);
    /* An error object read from a 2xx body carries that status; a body
    ** that could not be read at all is the reply's failure, not HTTP's. */
    if (rc && s->http_status == 0 && s->kind != PL_PLUGIN_ERR_RESPONSE)
        s->http_status = r->status;
    return rc ? rc : write_out(c, out, n, s);
}

static int wp_parse_chat(void *ci, const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    return parse_with(ci, "parse_chat_response", true, r, s);
}

static int wp_parse_models(void *ci, const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    return parse_with(ci, "parse_list_models_response", false, r, s);
}

static int wp_parse_embed(void *ci, const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    return parse_with(ci, "parse_embed_response", true, r, s);
}

static int wp_parse_complete(void *ci, const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    return parse_with(ci, "parse_complete_response", true, r, s);
}

/* classify_chat_error: the plugin's LLMErrorPayload for a non-2xx answer. */
static int wp_classify(void *ci, const pl_plugin_http_response *r, pl_plugin_sink *s)
{
    plh_wcall *c = ci;
    char *in = plh_wasm_response_json(c->cfg, r);
    if (!in)
        return fail(c, s, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    const uint8_t *out;
    size_t n;
    pl_plugin_sink tmp;
    plh_sink_init(&tmp, 0, c->cancel);
    if (plh_wasm_run(c->w, c->slot, "classify_chat_error", in, strlen(in), c->cancel, c, &out,
                     &n, &tmp) == PL_OK)
        plh_wasm_error_into(c->w, (const char *)out, n, s);
    /* A classifier that itself fails leaves the host's own classification. */
    plh_sink_free(&tmp);
    plu_free(in);
    return -1;
}

/* ---- the stream parser ------------------------------------------------------------------ */

typedef struct wparser {
    plh_wcall *c;
    char id[32];  /* the parser id as JSON text */
} wparser;

/* [ExtismChatChunk {"chunk": StreamChunk, "usage": Usage|null}, ...] to
** the caller, chunk by chunk. */
static int emit_chunks(plh_wcall *c, const uint8_t *out, size_t n, pl_plugin_sink *s)
{
    const pl_host_api *api = &c->w->p->api.pub;
    json_t *arr = json_loadb((const char *)out, n, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return fail(c, s, PL_PLUGIN_ERR_PLUGIN, "the stream parser's output is not a list");
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
        json_t *item = json_array_get(arr, i);
        json_t *chunk = json_object_get(item, "chunk") ? json_object_get(item, "chunk") : item;
        char *t = json_dumps(chunk, JSON_COMPACT);
        rc = t ? api->emit(s, t, strlen(t)) : -1;
        plu_free(t);
        json_t *usage = json_object_get(item, "usage");
        if (!rc && json_is_object(usage) && !json_object_get(chunk, "usage")) {
            json_t *u = json_pack("{sO}", "usage", usage);
            char *ut = u ? json_dumps(u, JSON_COMPACT) : NULL;
            rc = ut ? api->emit(s, ut, strlen(ut)) : -1;
            plu_free(ut);
            json_decref(u);
        }
    }
    json_decref(arr);
    return rc;
}

static int wp_stream_start(void *ci, const char *wire, void **parser, pl_plugin_sink *s)
{
    plh_wcall *c = ci;
    const uint8_t *out;
    size_t n;
    if (run(c, "chat_stream_parser_start", c->cfg, strlen(c->cfg), &out, &n, s))
        return -1;
    json_t *id = json_loadb((const char *)out, n, JSON_DECODE_ANY, NULL);
    wparser *p = json_is_integer(id) ? plu_calloc(1, sizeof *p) : NULL;
    if (p) {
        p->c = c;
        snprintf(p->id, sizeof p->id, "%lld", (long long)json_integer_value(id));
    }
    json_decref(id);
    if (!p)
        return fail(c, s, PL_PLUGIN_ERR_PLUGIN, "chat_stream_parser_start: no parser id");
    *parser = p;
    return 0;
}

static int wp_stream_event(void *parser, const char *data, size_t len, pl_plugin_sink *s)
{
    wparser *p = parser;
    plu_buf b;
    plu_buf_init(&b);
    int rc = plu_buf_printf(&b, "{\"parser_id\":%s,\"chunk\":", p->id);
    rc |= put_byte_array(&b, data, len);
    rc |= plu_buf_putc(&b, '}');
    const uint8_t *out;
    size_t n;
    if (rc)
        rc = fail(p->c, s, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else if (!(rc = run(p->c, "chat_stream_parser_parse", b.data, b.len, &out, &n, s)))
        rc = emit_chunks(p->c, out, n, s);
    plu_buf_free(&b);
    return rc;
}

static int wp_stream_finish(void *parser, pl_plugin_sink *s)
{
    wparser *p = parser;
    const uint8_t *out;
    size_t n;
    if (run(p->c, "chat_stream_parser_finish", p->id, strlen(p->id), &out, &n, s))
        return -1;
    return emit_chunks(p->c, out, n, s);
}

static void wp_stream_close(void *parser)
{
    wparser *p = parser;
    const uint8_t *out;
    size_t n;
    plh_wasm_run(p->c->w, p->c->slot, "chat_stream_parser_close", p->id, strlen(p->id),
                 NULL, p->c, &out, &n, NULL);
    plu_free(p);
}

/* ---- the older set: the VM does the work ------------------------------------------------ */

/* A whole reply as stream chunks (text, tool calls, usage, done). */
static int replay(plh_wcall *c, const uint8_t *out, size_t n, pl_plugin_sink *s)
{
    const pl_host_api *api = &c->w->p->api.pub;
    json_t *r = json_loadb((const char *)out, n, 0, NULL);
    if (!json_is_object(r)) {
        json_decref(r);
        return fail(c, s, PL_PLUGIN_ERR_PLUGIN, "chat: the reply is not a JSON object");
    }
    json_t *parts = json_array();
    if (json_is_string(json_object_get(r, "thinking")))
        json_array_append_new(parts, json_pack("{sO}", "thinking", json_object_get(r, "thinking")));
    if (json_is_string(json_object_get(r, "text")))
        json_array_append_new(parts, json_pack("{sO}", "text", json_object_get(r, "text")));
    json_t *calls = json_object_get(r, "tool_calls");
    for (size_t i = 0; i < json_array_size(calls); i++)
        json_array_append_new(parts, json_pack("{s{sIsO}}", "tool_use_complete", "index",
                                               (json_int_t)i, "tool_call",
                                               json_array_get(calls, i)));
    if (json_is_object(json_object_get(r, "usage")))
        json_array_append_new(parts, json_pack("{sO}", "usage", json_object_get(r, "usage")));
    json_t *fr = json_object_get(r, "finish_reason");
    json_array_append_new(parts, json_pack("{s{so}}", "done", "finish_reason",
                                           json_is_string(fr) ? json_incref(fr)
                                                              : json_string("Stop")));
    int rc = 0;
    for (size_t i = 0; !rc && i < json_array_size(parts); i++) {
        char *t = json_dumps(json_array_get(parts, i), JSON_COMPACT);
        rc = t ? api->emit(s, t, strlen(t)) : -1;
        plu_free(t);
    }
    json_decref(parts);
    json_decref(r);
    return rc;
}

static int direct(plh_wcall *c, const char *fn, const char *in, pl_plugin_sink *s)
{
    const uint8_t *out;
    size_t n;
    if (run(c, fn, in, strlen(in), &out, &n, s))
        return -1;
    return write_out(c, out, n, s);
}

static int wp_chat(void *ci, const char *wire, pl_plugin_sink *s)
{
    plh_wcall *c = ci;
    if (!wants_stream(c))
        return direct(c, "chat", wire, s);
    if (!(c->w->qx & PLH_QX_CHAT_STREAM)) { /* stream a whole reply */
        const uint8_t *out;
        size_t n;
        if (run(c, "chat", wire, strlen(wire), &out, &n, s))
            return -1;
        return replay(c, out, n, s);
    }
    c->chunks = s; /* qmt_yield_chunk writes here */
    const uint8_t *out;
    size_t n;
    int rc = run(c, "chat_stream", wire, strlen(wire), &out, &n, s);
    c->chunks = NULL;
    return rc;
}

static int wp_list_models(void *ci, const char *wire, pl_plugin_sink *s)
{
    plh_wcall *c = ci;
    if (c->w->qx & PLH_QX_MODELS)
        return direct(c, "list_models", c->cfg, s);
    const uint8_t *out;
    size_t n;
    if (run(c, "list_models_static", wire, strlen(wire), &out, &n, s))
        return -1;
    if (n == 4 && memcmp(out, "null", 4) == 0)
        return fail(c, s, PL_PLUGIN_ERR_UNSUPPORTED, "the provider has no static model list");
    return write_out(c, out, n, s);
}

static int wp_embed(void *ci, const char *wire, pl_plugin_sink *s)
{
    return direct(ci, "embed", wire, s);
}

static int wp_complete(void *ci, const char *wire, pl_plugin_sink *s)
{
    return direct(ci, "complete", wire, s);
}

/* ---- per call ------------------------------------------------------------------------------- */

void *plh_wasm_call_open(plh_plugin *p, const char *wire, const pln_cancel *cancel,
                         pl_plugin_sink *err)
{
    plh_wasm *w = p->backend;
    plh_wcall *c = plu_calloc(1, sizeof *c);
    pl_err e;
    plu_err_clear(&e);
    if (c) {
        c->w = w;
        c->cancel = cancel;
        c->wire = json_loads(wire, 0, NULL);
        json_t *cfg = json_object_get(c->wire, "cfg");
        c->cfg = json_dumps(cfg ? cfg : json_object(), JSON_COMPACT);
    }
    if (!c || !c->wire || !c->cfg) {
        p->api.pub.error(err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
        plh_wasm_call_close(p, c);
        return NULL;
    }
    c->slot = plh_wasm_acquire(w, &e);
    if (!c->slot) {
        p->api.pub.error(err, PL_PLUGIN_ERR_PLUGIN, e.msg);
        plh_wasm_call_close(p, c);
        return NULL;
    }
    return c;
}

void plh_wasm_call_close(plh_plugin *p, void *call_instance)
{
    plh_wcall *c = call_instance;
    if (!c)
        return;
    plh_wasm_close_streams(c);
    if (c->slot)
        plh_wasm_release(c->w, c->slot);
    json_decref(c->wire);
    plu_free(c->cfg);
    plu_free(c);
}

/* ---- set-up: metadata, the vtable, from_config ------------------------------------------- */

static const struct {
    const char *name;
    unsigned bit;
} export_bits[] = {
    { "chat_request", PLH_QX_CHAT_REQUEST },
    { "chat_stream_request", PLH_QX_CHAT_STREAM_REQUEST },
    { "parse_chat_response", PLH_QX_PARSE_CHAT },
    { "classify_chat_error", PLH_QX_CLASSIFY },
    { "list_models_static", PLH_QX_MODELS_STATIC },
    { "chat", PLH_QX_CHAT },
    { "chat_stream", PLH_QX_CHAT_STREAM },
    { "list_models", PLH_QX_MODELS },
    { "embed", PLH_QX_EMBED },
    { "complete", PLH_QX_COMPLETE },
};

static unsigned read_exports(const plh_wasm *w)
{
    unsigned qx = 0;
    for (size_t i = 0; i < sizeof export_bits / sizeof *export_bits; i++)
        if (plh_wasm_has(w, export_bits[i].name))
            qx |= export_bits[i].bit;
    if (plh_wasm_has(w, "chat_stream_parser_start") && plh_wasm_has(w, "chat_stream_parser_parse") &&
        plh_wasm_has(w, "chat_stream_parser_finish") && plh_wasm_has(w, "chat_stream_parser_close"))
        qx |= PLH_QX_PARSER;
    if (plh_wasm_has(w, "list_models_request") && plh_wasm_has(w, "parse_list_models_response"))
        qx |= PLH_QX_MODELS_REQUEST;
    if (plh_wasm_has(w, "embed_request") && plh_wasm_has(w, "parse_embed_response"))
        qx |= PLH_QX_EMBED_REQUEST;
    if (plh_wasm_has(w, "complete_request") && plh_wasm_has(w, "parse_complete_response"))
        qx |= PLH_QX_COMPLETE_REQUEST;
    return qx;
}

/* A metadata export's raw string (NULL when absent or empty). */
static pl_status meta(plh_wasm *w, plh_slot *s, const char *fn, char **out, pl_err *err)
{
    *out = NULL;
    if (!plh_wasm_has(w, fn))
        return PL_OK;
    const uint8_t *bytes;
    size_t n;
    pl_plugin_sink sink;
    plh_sink_init(&sink, 0, NULL);
    pl_status st = plh_wasm_run(w, s, fn, "", 0, NULL, NULL, &bytes, &n, &sink);
    if (st != PL_OK)
        st = plu_errf(err, st, NULL, "%s", sink.message ? sink.message : fn);
    else if (n && !(*out = plu_strndup((const char *)bytes, n)))
        st = plu_err_nomem(err);
    plh_sink_free(&sink);
    return st;
}

static void fill_vtable(plh_wasm *w)
{
    unsigned q = w->qx;
    bool sans = (q & PLH_QX_CHAT_REQUEST) && (q & PLH_QX_PARSE_CHAT);
    w->vt = (pl_plugin_vtable){
        PL_PLUGIN_HEADER(w->name ? w->name : w->p->info.name, w->version ? w->version : "0.0.0"),
        .kind = PL_PLUGIN_KIND_PROVIDER,
        .wire_version = PL_PLUGIN_WIRE_VERSION,
        .api_key_name = w->api_key_name,
        .config_schema = w->config_schema,
        .default_base_url = w->base_url,
        .stream_framing = PL_PLUGIN_FRAMING_RAW,
        .chat_request = sans ? wp_chat_request : NULL,
        .parse_chat = sans ? wp_parse_chat : NULL,
        .classify_error = sans && (q & PLH_QX_CLASSIFY) ? wp_classify : NULL,
        .stream_start = sans && (q & PLH_QX_PARSER) ? wp_stream_start : NULL,
        .stream_event = sans && (q & PLH_QX_PARSER) ? wp_stream_event : NULL,
        .stream_finish = sans && (q & PLH_QX_PARSER) ? wp_stream_finish : NULL,
        .stream_close = sans && (q & PLH_QX_PARSER) ? wp_stream_close : NULL,
        .list_models_request = q & PLH_QX_MODELS_REQUEST ? wp_models_request : NULL,
        .parse_list_models = q & PLH_QX_MODELS_REQUEST ? wp_parse_models : NULL,
        .embed_request = q & PLH_QX_EMBED_REQUEST ? wp_embed_request : NULL,
        .parse_embed = q & PLH_QX_EMBED_REQUEST ? wp_parse_embed : NULL,
        .complete_request = q & PLH_QX_COMPLETE_REQUEST ? wp_complete_request : NULL,
        .parse_complete = q & PLH_QX_COMPLETE_REQUEST ? wp_parse_complete : NULL,
        .chat = q & PLH_QX_CHAT ? wp_chat : NULL,
        .list_models = q & (PLH_QX_MODELS | PLH_QX_MODELS_STATIC) ? wp_list_models : NULL,
        .embed = q & PLH_QX_EMBED ? wp_embed : NULL,
        .complete = q & PLH_QX_COMPLETE ? wp_complete : NULL,
    };
}

/* init_logging gets the host's level (QueryMT's numbering, 0 = off). */
static pl_status init_logging(plh_wasm *w, plh_slot *s, pl_err *err)
{
    if (!plh_wasm_has(w, "init_logging"))
        return PL_OK;
    char level[4];
    snprintf(level, sizeof level, "%d", w->caps & PLC_CAP_LOG ? w->p->host->log_level : 0);
    const uint8_t *out;
    size_t n;
    pl_plugin_sink sink;
    plh_sink_init(&sink, 0, NULL);
    pl_status st = plh_wasm_run(w, s, "init_logging", level, strlen(level), NULL, NULL, &out, &n,
                                &sink);
    if (st != PL_OK)
        st = plu_errf(err, st, NULL, "%s", sink.message ? sink.message : "init_logging failed");
    plh_sink_free(&sink);
    return st;
}

pl_status plh_wasm_provider_setup(plh_wasm *w, pl_err *err)
{
    w->qx = read_exports(w);
    bool sans = (w->qx & PLH_QX_CHAT_REQUEST) && (w->qx & PLH_QX_PARSE_CHAT);
    if (!sans && !(w->qx & PLH_QX_CHAT))
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s is not a provider: it exports neither chat_request + "
                        "parse_chat_response nor chat",
                        w->p->info.location);
    plh_slot *s = plh_wasm_acquire(w, err);
    if (!s)
        return PL_E_PLUGIN;
    pl_status st = meta(w, s, "name", &w->name, err);
    if (st == PL_OK)
        st = meta(w, s, "api_key_name", &w->api_key_name, err);
    if (st == PL_OK)
        st = meta(w, s, "config_schema", &w->config_schema, err);
    if (st == PL_OK)
        st = meta(w, s, "base_url", &w->base_url, err);
    if (st == PL_OK)
        st = init_logging(w, s, err);
    plh_wasm_release(w, s);
    if (st != PL_OK)
        return st;
    fill_vtable(w);
    w->p->vt = &w->vt;
    w->p->info.id = w->name;
    return PL_OK;
}

pl_status plh_wasm_from_config(plh_wasm *w, pl_err *err)
{
    if (!plh_wasm_has(w, "from_config"))
        return PL_OK;
    char *cfg = json_dumps(w->p->config ? w->p->config : json_object(), JSON_COMPACT);
    plh_slot *s = cfg ? plh_wasm_acquire(w, err) : NULL;
    if (!s) {
        plu_free(cfg);
        return cfg ? PL_E_PLUGIN : plu_err_nomem(err);
    }
    const uint8_t *out;
    size_t n;
    pl_plugin_sink sink;
    plh_sink_init(&sink, 0, NULL);
    pl_status st = plh_wasm_run(w, s, "from_config", cfg, strlen(cfg), NULL, NULL, &out, &n,
                                &sink);
    if (st != PL_OK)
        st = plu_errf(err, PL_E_CONFIG, NULL, "from_config refused the configuration: %s",
                      sink.message ? sink.message : "no reason given");
    plh_sink_free(&sink);
    plh_wasm_release(w, s);
    plu_free(cfg);
    return st;
}
