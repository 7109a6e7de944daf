/*
** openai_misc.c — the smaller endpoints (GET /models, POST /completions,
** POST /embeddings) and the reading of error replies.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai_int.h"

/* ---- errors -------------------------------------------------------------- */

static bool str_is(const char *s, const char *want) { return s && strcmp(s, want) == 0; }

/* The kind of an OpenAI error. status is 0 inside a stream, where only the
** error's type and code tell. */
static uint32_t error_kind(int status, const char *type, const char *code, const char *message)
{
    /* vLLM and llama.cpp say it only in words. */
    if (str_is(code, "context_length_exceeded") ||
        (message && strstr(message, "maximum context length")))
        return PL_PLUGIN_ERR_CONTEXT_WINDOW;
    if (status == 401 || status == 403 || str_is(code, "invalid_api_key") ||
        str_is(type, "authentication_error"))
        return PL_PLUGIN_ERR_AUTH;
    /* An exhausted quota is a 429 too, but waiting does not help. */
    if (str_is(code, "insufficient_quota"))
        return PL_PLUGIN_ERR_PROVIDER;
    if (status == 429 || str_is(code, "rate_limit_exceeded"))
        return PL_PLUGIN_ERR_RATE_LIMITED;
    if (status == 400 || status == 404 || status == 422 ||
        (status == 0 && str_is(type, "invalid_request_error")))
        return PL_PLUGIN_ERR_INVALID_REQUEST;
    return PL_PLUGIN_ERR_PROVIDER;
}

int oai_report_error(const pl_host_api *host, pl_plugin_sink *sink, int status,
                     const json_t *error, long retry_after_ms, const char *fallback)
{
    const char *message = json_string_value(json_object_get(error, "message"));
    const char *type = json_string_value(json_object_get(error, "type"));
    const json_t *cv = json_object_get(error, "code");
    char numbuf[32];
    const char *code = json_string_value(cv);
    if (json_is_integer(cv)) { /* some gateways use numbers */
        snprintf(numbuf, sizeof numbuf, "%lld", (long long)json_integer_value(cv));
        code = numbuf;
    }
    if (!message && json_is_string(error))
        message = json_string_value(error);
    if (!message || !*message)
        message = fallback;
    host->error(sink, error_kind(status, type, code, message), message);
    host->error_detail(sink, status, code, retry_after_ms);
    return -1;
}

static const char *header(const pl_plugin_http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (resp->header_names[i] && strcmp(resp->header_names[i], name) == 0)
            return resp->header_values[i];
    return NULL;
}

/* A non-negative decimal number of `unit` milliseconds, or -1. */
static long parse_delay(const char *s, double unit)
{
    if (!s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end || !(v >= 0) || v * unit > 86400000.0)
        return -1;
    return (long)(v * unit + 0.5);
}

/* retry-after-ms (OpenAI's own) wins over retry-after; the HTTP-date form
** of retry-after is not read, since that needs the wall clock and OpenAI
** sends seconds. */
static long retry_after(const pl_plugin_http_response *resp)
{
    long ms = parse_delay(header(resp, "retry-after-ms"), 1.0);
    return ms >= 0 ? ms : parse_delay(header(resp, "retry-after"), 1000.0);
}

int oai_classify_error(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *err)
{
    const oai *o = instance;
    long retry = retry_after(resp);
    json_t *root = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
    const json_t *e = json_object_get(root, "error");
    char fallback[256];
    if (resp->body && resp->body_len && !e) /* a proxy's HTML or text page */
        snprintf(fallback, sizeof fallback, "HTTP %d: %.200s", resp->status, resp->body);
    else
        snprintf(fallback, sizeof fallback, "HTTP %d", resp->status);
    int rc = oai_report_error(o->host, err, resp->status, e, retry, fallback);
    json_decref(root);
    return rc;
}

/* ---- models -------------------------------------------------------------- */

int oai_list_models_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                            pl_plugin_sink *err)
{
    const oai *o = instance;
    oai_req r;
    if (oai_req_open(o, req_json, false, &r, err) != 0)
        return -1;
    int rc = oai_send(o, r.eff, "GET", "/models", NULL, req, err);
    oai_req_close(&r);
    return rc;
}

int oai_parse_list_models(void *instance, const pl_plugin_http_response *resp,
                          pl_plugin_sink *out)
{
    const oai *o = instance;
    json_t *root = oai_parse_body(o, resp, "models", out);
    if (!root)
        return -1;
    const json_t *data = json_object_get(root, "data");
    json_t *ids = json_is_array(data) ? json_array() : NULL;
    int rc = 0;
    for (size_t i = 0; ids && rc == 0 && i < json_array_size(data); i++) {
        const json_t *id = json_object_get(json_array_get(data, i), "id");
        if (json_is_string(id))
            rc = json_array_append(ids, (json_t *)id);
    }
    if (!json_is_array(data))
        rc = oai_fail(o->host, out, PL_PLUGIN_ERR_RESPONSE,
                      "models response has no \"data\" array");
    else if (!ids || rc != 0)
        rc = oai_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else
        rc = oai_write_json(o->host, out, ids, 0);
    json_decref(ids);
    json_decref(root);
    return rc;
}

/* ---- completions --------------------------------------------------------- */

/* A request value, else the config's, else nothing. */
static int set_either(json_t *body, const char *key, const json_t *req, const json_t *eff)
{
    json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v))
        v = json_object_get(eff, key);
    return v && !json_is_null(v) ? json_object_set(body, key, v) : 0;
}

int oai_complete_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                         pl_plugin_sink *err)
{
    const oai *o = instance;
    oai_req r;
    if (oai_req_open(o, req_json, true, &r, err) != 0)
        return -1;
    const json_t *cr = json_object_get(r.root, "req");
    const char *prompt = json_string_value(json_object_get(cr, "prompt"));
    if (!prompt) {
        oai_req_close(&r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "the completion request has no \"req\".\"prompt\" string");
    }
    json_t *body = json_pack("{s:s,s:s}", "model", oai_cfg_str(r.eff, "model"), "prompt", prompt);
    const char *suffix = json_string_value(json_object_get(cr, "suffix"));
    int rc = body ? 0 : -1;
    if (rc == 0 && suffix)
        rc = json_object_set_new(body, "suffix", json_string(suffix));
    rc |= body ? set_either(body, "max_tokens", cr, r.eff) : 0;
    rc |= body ? set_either(body, "temperature", cr, r.eff) : 0;
    if (rc != 0)
        rc = oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else
        rc = oai_send(o, r.eff, "POST", "/completions", body, req, err);
    json_decref(body);
    oai_req_close(&r);
    return rc;
}

int oai_parse_complete(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out)
{
    const oai *o = instance;
    json_t *root = oai_parse_body(o, resp, "completion", out);
    if (!root)
        return -1;
    const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    const json_t *text = json_object_get(choice, "text");
    int rc;
    if (!json_is_string(text)) {
        rc = oai_fail(o->host, out, PL_PLUGIN_ERR_RESPONSE,
                      "completion response has no choices[0].text");
    } else {
        json_t *wire = json_pack("{s:O}", "text", text);
        rc = wire ? oai_write_json(o->host, out, wire, 0)
                  : oai_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
        json_decref(wire);
    }
    json_decref(root);
    return rc;
}

/* ---- embeddings ---------------------------------------------------------- */

int oai_embed_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                      pl_plugin_sink *err)
{
    const oai *o = instance;
    oai_req r;
    if (oai_req_open(o, req_json, true, &r, err) != 0)
        return -1;
    json_t *inputs = json_object_get(r.root, "inputs");
    bool ok = json_is_array(inputs);
    for (size_t i = 0; ok && i < json_array_size(inputs); i++)
        ok = json_is_string(json_array_get(inputs, i));
    if (!ok) {
        oai_req_close(&r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "the embedding request needs an \"inputs\" array of strings");
    }
    const char *fmt = oai_cfg_str(r.eff, "embedding_encoding_format");
    json_t *body = json_pack("{s:s,s:O,s:s}", "model", oai_cfg_str(r.eff, "model"), "input",
                             inputs, "encoding_format", fmt ? fmt : "float");
    json_t *dims = json_object_get(r.eff, "embedding_dimensions");
    int rc = body ? 0 : -1;
    if (rc == 0 && json_is_integer(dims))
        rc = json_object_set(body, "dimensions", dims);
    if (rc != 0)
        rc = oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else
        rc = oai_send(o, r.eff, "POST", "/embeddings", body, req, err);
    json_decref(body);
    oai_req_close(&r);
    return rc;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 of little-endian float32s (what the SDK asks for) to an array of
** reals. NULL when the text is not that. */
static json_t *b64_floats(const char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '=')
        n--;
    unsigned char *bytes = malloc(n * 3 / 4 + 3);
    json_t *arr = bytes ? json_array() : NULL;
    size_t len = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; arr && i < n; i++) {
        int v = b64_value(s[i]);
        if (v < 0) {
            json_decref(arr);
            arr = NULL;
            break;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[len++] = (unsigned char)(acc >> bits);
        }
    }
    for (size_t i = 0; arr && len % 4 == 0 && i + 4 <= len; i += 4) {
        uint32_t u = (uint32_t)bytes[i] | (uint32_t)bytes[i + 1] << 8 |
                     (uint32_t)bytes[i + 2] << 16 | (uint32_t)bytes[i + 3] << 24;
        float f;
        memcpy(&f, &u, sizeof f);
        if (json_array_append_new(arr, json_real(f)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr && len % 4 != 0) {
        json_decref(arr);
        arr = NULL;
    }
    free(bytes);
    return arr;
}

/* One embedding (an array of numbers, or base64) as f32 values. */
static json_t *embedding_vector(const json_t *e)
{
    if (json_is_string(e))
        return b64_floats(json_string_value(e));
    if (!json_is_array(e))
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < json_array_size(e); i++) {
        const json_t *x = json_array_get(e, i);
        if (!json_is_number(x) ||
            json_array_append_new(arr, json_real((float)json_number_value(x))) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* data[] in "index" order (the API does not promise list order). */
static json_t *embeddings_in_order(const json_t *data)
{
    size_t n = json_array_size(data);
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++)
        if (json_array_append_new(out, json_null()) != 0) {
            json_decref(out);
            out = NULL;
        }
    for (size_t i = 0; out && i < n; i++) {
        const json_t *item = json_array_get(data, i);
        const json_t *ix = json_object_get(item, "index");
        size_t at = json_is_integer(ix) ? (size_t)json_integer_value(ix) : i;
        json_t *vec = embedding_vector(json_object_get(item, "embedding"));
        if (!vec || at >= n || !json_is_null(json_array_get(out, at))) {
            json_decref(vec);
            json_decref(out);
            return NULL;
        }
        if (json_array_set_new(out, at, vec) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int oai_parse_embed(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out)
{
    const oai *o = instance;
    json_t *root = oai_parse_body(o, resp, "embedding", out);
    if (!root)
        return -1;
    const json_t *data = json_object_get(root, "data");
    json_t *vecs = json_is_array(data) ? embeddings_in_order(data) : NULL;
    int rc;
    if (!vecs)
        rc = oai_fail(o->host, out, PL_PLUGIN_ERR_RESPONSE,
                      "embedding response needs \"data\": [{\"index\", \"embedding\"}] "
                      "with one distinct index per input and numbers or base64 float32");
    else /* nine digits round-trip a float32 */
        rc = oai_write_json(o->host, out, vecs, JSON_REAL_PRECISION(9));
    json_decref(vecs);
    json_decref(root);
    return rc;
}
