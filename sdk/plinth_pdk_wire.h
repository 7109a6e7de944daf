/*
** plinth_pdk_wire.h — helpers for plinth's provider contract (the wire
** format v1, which is QueryMT's; shared/docs/provider-contract.md §1.4),
** portable like plinth_pdk_json.h, on which it builds:
**
**   base64                 pdk_base64_put, pdk_base64_decode
**   SerializableHttpRequest  pdk_http_req_write: {"req":{"head":{"method",
**                          "uri","headers","version"},"body":[bytes]}}
**   SerializableHttpResponse pdk_http_resp_read (+ pdk_http_resp_header)
**   LLMErrorPayload        pdk_llm_error_write: {"payload":{"type",...}}
**   Usage, ToolCall        pdk_usage_write, pdk_tool_call_write
**   ExtismChatChunk        pdk_chunk_*: {"chunk":StreamChunk,"usage":...}
**   stream framing         pdk_sse (Server-Sent Events), pdk_lines (NDJSON)
**   parser ids             pdk_handle_put / _get / _take
**   Retry-After            pdk_retry_after_ms
*/
#ifndef PLINTH_PDK_WIRE_H
#define PLINTH_PDK_WIRE_H

#include "plinth_pdk_json.h"

/* ---- base64 (standard alphabet, padded) -------------------------------- */

/* Append the base64 of p[0..n) to b (no quotes). */
PDK_INLINE void pdk_base64_put(pdk_buf *b, const void *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = p;
    if (!pdk_buf_reserve(b, (n + 2) / 3 * 4))
        return;
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)u[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)u[i + 1] << 8;
        if (i + 2 < n)
            v |= u[i + 2];
        *o++ = tab[(v >> 18) & 63];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

PDK_INLINE int pdk__b64v(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/* Decode s[0..n) (standard or URL-safe alphabet, padding optional) into
** out, which has room for n * 3 / 4 + 3 bytes. The decoded length, or -1
** when s is not base64. */
PDK_INLINE long pdk_base64_decode(const char *s, size_t n, unsigned char *out)
{
    while (n && s[n - 1] == '=')
        n--;
    uint32_t acc = 0;
    unsigned bits = 0;
    long len = 0;
    for (size_t i = 0; i < n; i++) {
        int v = pdk__b64v(s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (unsigned char)(acc >> bits);
        }
    }
    return n % 4 == 1 ? -1 : len;
}

/* ---- HTTP across the boundary (http-serde-ext's shapes) ---------------- */

typedef struct pdk_header {
    const char *name;  /* lower-case, as HTTP/2 wants and http's HeaderMap keeps */
    const char *value;
} pdk_header;

/* A SerializableHttpRequest: {"req":{"head":{"method","uri","headers":
** {name: value},"version":"HTTP/1.1"},"body":[bytes]}}. Headers whose value
** is NULL are skipped, so optional ones can sit in the table. */
PDK_INLINE void pdk_http_req_write(pdk_buf *b, const char *method, const char *uri,
                                   const pdk_header *h, size_t nh, const void *body,
                                   size_t body_len)
{
    pdk_jw_obj(b);
    pdk_jw_key(b, "req");
    pdk_jw_obj(b);
    pdk_jw_key(b, "head");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "method", method);
    pdk_jw_kstr(b, "uri", uri);
    pdk_jw_key(b, "headers");
    pdk_jw_obj(b);
    for (size_t i = 0; i < nh; i++)
        if (h[i].name && h[i].value)
            pdk_jw_kstr(b, h[i].name, h[i].value);
    pdk_jw_obj_end(b);
    pdk_jw_kstr(b, "version", "HTTP/1.1");
    pdk_jw_obj_end(b);
    pdk_jw_key(b, "body");
    pdk_jw_bytes(b, body, body ? body_len : 0);
    pdk_jw_obj_end(b);
    pdk_jw_obj_end(b);
}

/* A response as a plugin sees it. body is NUL-terminated (arena memory). */
typedef struct pdk_http_resp {
    int status;
    const pdk_jv *headers; /* object: name -> string or [strings]; may be NULL */
    const char *body;
    size_t body_len;
} pdk_http_resp;

/* Bytes sent as JSON: an array of numbers 0-255 (serde's Vec<u8>), or a
** string taken as it is. *p is NUL-terminated (arena memory, or the
** string itself); null and absent give "". NULL, or what is wrong. */
PDK_INLINE const char *pdk_bytes_read(pdk_arena *a, const pdk_jv *v, const char **p, size_t *n)
{
    *p = "";
    *n = 0;
    if (pdk_jv_is_nothing(v))
        return NULL;
    if (pdk_jv_is_string(v)) {
        *p = v->u.s;
        *n = v->n;
        return NULL;
    }
    if (!pdk_jv_is_array(v))
        return "bytes must be an array of numbers";
    char *o = pdk_arena_alloc(a, (size_t)v->n + 1);
    if (!o)
        return "out of memory";
    for (uint32_t i = 0; i < v->n; i++) {
        int64_t x;
        if (!pdk_jv_int(&v->u.items[i], &x) || x < 0 || x > 255)
            return "bytes must be numbers from 0 to 255";
        o[i] = (char)x;
    }
    o[v->n] = '\0';
    *p = o;
    *n = v->n;
    return NULL;
}

/*
** pdk_http_resp_read — read the response a host handed in: v is the value
** under the request's "resp" key. QueryMT nests it once more
** ({"resp":{"resp":{"head","body"}}}: the ExtismChatParseRequest field
** holds a SerializableHttpResponse), and both forms are accepted.
** Returns NULL, or a static message naming what is wrong.
*/
PDK_INLINE const char *pdk_http_resp_read(pdk_arena *a, const pdk_jv *v, pdk_http_resp *out)
{
    memset(out, 0, sizeof *out);
    out->body = "";
    if (pdk_jv_is_object(pdk_jv_get(v, "resp")))
        v = pdk_jv_get(v, "resp");
    const pdk_jv *head = pdk_jv_get(v, "head");
    int64_t st;
    if (!pdk_jv_is_object(head))
        return "the response has no \"head\" object";
    if (!pdk_jv_int(pdk_jv_get(head, "status"), &st) || st < 0 || st > 999)
        return "the response has no valid \"head\".\"status\"";
    out->status = (int)st;
    out->headers = pdk_jv_is_object(pdk_jv_get(head, "headers")) ? pdk_jv_get(head, "headers")
                                                                  : NULL;
    const char *why = pdk_bytes_read(a, pdk_jv_get(v, "body"), &out->body, &out->body_len);
    return why ? "the response's \"body\" is not an array of bytes" : NULL;
}

/* A response header (case-insensitive name; the first value of a list),
** or NULL. */
PDK_INLINE const char *pdk_http_resp_header(const pdk_http_resp *r, const char *name)
{
    for (size_t i = 0; i < pdk_jv_len(r->headers); i++) {
        const pdk_jmember *m = pdk_jv_member(r->headers, i);
        if (!pdk_ieqn(m->key, m->klen, name))
            continue;
        if (pdk_jv_is_array(&m->val))
            return pdk_jv_str(pdk_jv_at(&m->val, 0));
        return pdk_jv_str(&m->val);
    }
    return NULL;
}

/* A non-negative decimal number of `unit` milliseconds in s, or -1. */
PDK_INLINE long pdk__delay_ms(const char *s, long unit)
{
    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    long whole = 0, frac = 0, scale = 1;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((whole = whole * 10 + (*p - '0')) > 86400000L)
            return -1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (scale < 1000000) {
                frac = frac * 10 + (*p - '0');
                scale *= 10;
            }
    while (*p == ' ')
        p++;
    if (p == s || *p || whole * unit > 86400000L)
        return -1;
    return whole * unit + (frac * unit + scale / 2) / scale;
}

/* How long the server asks to wait, in milliseconds, or -1: OpenAI's
** retry-after-ms wins over Retry-After (seconds; the HTTP-date form is not
** read, since that needs a clock and providers send seconds). */
PDK_INLINE long pdk_retry_after_ms(const pdk_http_resp *r)
{
    long ms = pdk__delay_ms(pdk_http_resp_header(r, "retry-after-ms"), 1);
    return ms >= 0 ? ms : pdk__delay_ms(pdk_http_resp_header(r, "retry-after"), 1000);
}

/* ---- LLMErrorPayload ----------------------------------------------------- */

/* Error payload types (the "type" tag). */
#define PDK_ERR_GENERIC "generic_error"
#define PDK_ERR_PROVIDER "provider_error"     /* message, kind?, code?, error_type?, request_id?, retry_after_secs? */
#define PDK_ERR_AUTH "auth_error"
#define PDK_ERR_TOOL_CONFIG "tool_config_error"
#define PDK_ERR_PLUGIN "plugin_error"
#define PDK_ERR_INVALID_REQUEST "invalid_request"
#define PDK_ERR_RESPONSE_FORMAT "response_format_error" /* message, raw_response */
#define PDK_ERR_RATE_LIMITED "rate_limited"   /* message, retry_after_secs */
#define PDK_ERR_HTTP_STATUS "http_status"     /* status_code, message, retry_after_secs */
#define PDK_ERR_HTTP "http_error"
#define PDK_ERR_TRANSPORT "transport"         /* kind, message */
#define PDK_ERR_CANCELLED "cancelled"
#define PDK_ERR_NOT_IMPLEMENTED "not_implemented"
#define PDK_ERR_JSON "json_error"
#define PDK_ERR_INVALID_URL "invalid_url"

/* provider_error kinds. */
#define PDK_KIND_OVERLOADED "server_overloaded"
#define PDK_KIND_RATE_LIMITED "rate_limited"
#define PDK_KIND_QUOTA "quota_exceeded"
#define PDK_KIND_CONTEXT_WINDOW "context_window_exceeded"
#define PDK_KIND_AUTH "authentication"
#define PDK_KIND_INVALID_REQUEST "invalid_request"
#define PDK_KIND_UNSUPPORTED "unsupported_operation"
#define PDK_KIND_TRANSIENT "unknown_transient"
#define PDK_KIND_PERMANENT "unknown_permanent"

/* One error. Fields that do not apply are NULL / -1 / 0 and are left out
** (retry_after_secs is written as null where the type requires it). */
typedef struct pdk_llm_error {
    const char *type;         /* PDK_ERR_* */
    const char *message;
    const char *kind;         /* provider_error: PDK_KIND_*; transport: its kind */
    const char *code;         /* provider_error: the provider's code */
    const char *error_type;   /* provider_error: the provider's error type */
    const char *request_id;   /* provider_error */
    const char *raw_response; /* response_format_error */
    int64_t retry_after_secs; /* -1: unknown */
    int status_code;          /* http_status */
} pdk_llm_error;

#define PDK_LLM_ERROR_INIT {NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0}

PDK_INLINE void pdk__kstr_opt(pdk_buf *b, const char *k, const char *v)
{
    if (v)
        pdk_jw_kstr(b, k, v);
}

/* {"payload":{"type":...,...}}: the error text QueryMT's hosts decode
** when an export returns 1. */
PDK_INLINE void pdk_llm_error_write(pdk_buf *b, const pdk_llm_error *e)
{
    const char *t = e->type ? e->type : PDK_ERR_GENERIC;
    bool retry = pdk_streq(t, PDK_ERR_RATE_LIMITED) || pdk_streq(t, PDK_ERR_HTTP_STATUS);
    pdk_jw_obj(b);
    pdk_jw_key(b, "payload");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "type", t);
    if (pdk_streq(t, PDK_ERR_HTTP_STATUS))
        pdk_jw_kint(b, "status_code", e->status_code);
    if (!pdk_streq(t, PDK_ERR_CANCELLED))
        pdk_jw_kstr(b, "message", e->message ? e->message : "");
    if (pdk_streq(t, PDK_ERR_PROVIDER) || pdk_streq(t, PDK_ERR_TRANSPORT))
        pdk__kstr_opt(b, "kind", e->kind);
    if (pdk_streq(t, PDK_ERR_PROVIDER)) {
        pdk__kstr_opt(b, "code", e->code);
        pdk__kstr_opt(b, "error_type", e->error_type);
        pdk__kstr_opt(b, "request_id", e->request_id);
        if (e->retry_after_secs >= 0)
            pdk_jw_kint(b, "retry_after_secs", e->retry_after_secs);
    }
    if (pdk_streq(t, PDK_ERR_RESPONSE_FORMAT))
        pdk_jw_kstr(b, "raw_response", e->raw_response ? e->raw_response : "");
    if (retry) {
        pdk_jw_key(b, "retry_after_secs");
        if (e->retry_after_secs >= 0)
            pdk_jw_int(b, e->retry_after_secs);
        else
            pdk_jw_null(b);
    }
    pdk_jw_obj_end(b);
    pdk_jw_obj_end(b);
}

/* ---- Usage, ToolCall, FinishReason --------------------------------------- */

typedef struct pdk_usage {
    uint32_t input_tokens, output_tokens, reasoning_tokens, cache_read, cache_write;
} pdk_usage;

PDK_INLINE void pdk_usage_write(pdk_buf *b, const pdk_usage *u)
{
    pdk_jw_obj(b);
    pdk_jw_kint(b, "input_tokens", u->input_tokens);
    pdk_jw_kint(b, "output_tokens", u->output_tokens);
    pdk_jw_kint(b, "reasoning_tokens", u->reasoning_tokens);
    pdk_jw_kint(b, "cache_read", u->cache_read);
    pdk_jw_kint(b, "cache_write", u->cache_write);
    pdk_jw_obj_end(b);
}

/* A count from a provider's usage object (0 when absent or not a count). */
PDK_INLINE uint32_t pdk_count(const pdk_jv *v)
{
    return (uint32_t)pdk_jv_int_or(v, 0, UINT32_MAX, 0);
}

/* {"id","type":"function","function":{"name","arguments"}}; arguments is
** JSON text, "{}" when empty (callers parse it). */
PDK_INLINE void pdk_tool_call_write(pdk_buf *b, const char *id, const char *name,
                                    const char *args, size_t args_len)
{
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "id", id ? id : "");
    pdk_jw_kstr(b, "type", "function");
    pdk_jw_key(b, "function");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "name", name ? name : "");
    if (args && args_len)
        pdk_jw_kstrn(b, "arguments", args, args_len);
    else
        pdk_jw_kstr(b, "arguments", "{}");
    pdk_jw_obj_end(b);
    pdk_jw_obj_end(b);
}

/* FinishReason values. */
#define PDK_FINISH_STOP "Stop"
#define PDK_FINISH_LENGTH "Length"
#define PDK_FINISH_CONTENT_FILTER "ContentFilter"
#define PDK_FINISH_TOOL_CALLS "ToolCalls"
#define PDK_FINISH_ERROR "Error"
#define PDK_FINISH_OTHER "Other"
#define PDK_FINISH_UNKNOWN "Unknown"

/* ---- ExtismChatChunk: {"chunk": StreamChunk, "usage": Usage | null} ------
** Each call appends one chunk (with a comma when it follows another), so
** a stream parser writes pdk_jw_arr, the chunks, pdk_jw_arr_end. */

PDK_INLINE void pdk__chunk_open(pdk_buf *b, const char *tag)
{
    pdk_jw_obj(b);
    pdk_jw_key(b, "chunk");
    pdk_jw_obj(b);
    pdk_jw_key(b, tag);
}

PDK_INLINE void pdk__chunk_close(pdk_buf *b)
{
    pdk_jw_obj_end(b);
    pdk_jw_knull(b, "usage");
    pdk_jw_obj_end(b);
}

PDK_INLINE void pdk_chunk_text(pdk_buf *b, const char *s, size_t n)
{
    pdk__chunk_open(b, "text");
    pdk_jw_strn(b, s, n);
    pdk__chunk_close(b);
}

PDK_INLINE void pdk_chunk_thinking(pdk_buf *b, const char *s, size_t n)
{
    pdk__chunk_open(b, "thinking");
    pdk_jw_strn(b, s, n);
    pdk__chunk_close(b);
}

PDK_INLINE void pdk_chunk_thinking_signature(pdk_buf *b, const char *s, size_t n)
{
    pdk__chunk_open(b, "thinking_signature");
    pdk_jw_strn(b, s, n);
    pdk__chunk_close(b);
}

PDK_INLINE void pdk_chunk_tool_start(pdk_buf *b, int64_t index, const char *id, const char *name)
{
    pdk__chunk_open(b, "tool_use_start");
    pdk_jw_obj(b);
    pdk_jw_kint(b, "index", index);
    pdk_jw_kstr(b, "id", id ? id : "");
    pdk_jw_kstr(b, "name", name ? name : "");
    pdk_jw_obj_end(b);
    pdk__chunk_close(b);
}

PDK_INLINE void pdk_chunk_tool_delta(pdk_buf *b, int64_t index, const char *json, size_t n)
{
    pdk__chunk_open(b, "tool_use_input_delta");
    pdk_jw_obj(b);
    pdk_jw_kint(b, "index", index);
    pdk_jw_kstrn(b, "partial_json", json, n);
    pdk_jw_obj_end(b);
    pdk__chunk_close(b);
}

PDK_INLINE void pdk_chunk_tool_complete(pdk_buf *b, int64_t index, const char *id,
                                        const char *name, const char *args, size_t args_len)
{
    pdk__chunk_open(b, "tool_use_complete");
    pdk_jw_obj(b);
    pdk_jw_kint(b, "index", index);
    pdk_jw_key(b, "tool_call");
    pdk_tool_call_write(b, id, name, args, args_len);
    pdk_jw_obj_end(b);
    pdk__chunk_close(b);
}

/* The usage chunk carries its usage twice: in the chunk and beside it. */
PDK_INLINE void pdk_chunk_usage(pdk_buf *b, const pdk_usage *u)
{
    pdk__chunk_open(b, "usage");
    pdk_usage_write(b, u);
    pdk_jw_obj_end(b);
    pdk_jw_key(b, "usage");
    pdk_usage_write(b, u);
    pdk_jw_obj_end(b);
}

PDK_INLINE void pdk_chunk_done(pdk_buf *b, const char *finish_reason)
{
    pdk__chunk_open(b, "done");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "finish_reason", finish_reason ? finish_reason : PDK_FINISH_UNKNOWN);
    pdk_jw_obj_end(b);
    pdk__chunk_close(b);
}

/* ---- Server-Sent Events framing ------------------------------------------
** Feed the body's bytes in any pieces; each complete event (a blank line
** after at least one "data:" line) reaches the callback with its "event:"
** name ("" when none) and its data lines joined by '\n'. Lines may end in
** LF, CRLF or CR, also split across pieces; ":" comments and "id:" /
** "retry:" are ignored. The callback's non-zero result stops the feed and
** is returned. */

typedef int (*pdk_sse_fn)(void *user, const char *event, const char *data, size_t len);

typedef struct pdk_sse {
    pdk_buf line, data, event;
    bool has_data, after_cr;
} pdk_sse;

#define PDK_SSE_INIT {PDK_BUF_INIT, PDK_BUF_INIT, PDK_BUF_INIT, false, false}

PDK_INLINE void pdk_sse_free(pdk_sse *s)
{
    pdk_buf_free(&s->line);
    pdk_buf_free(&s->data);
    pdk_buf_free(&s->event);
}

/* The value of "field: value" when line starts with field (one space
** after the colon dropped; a bare "field" has an empty value), else NULL. */
PDK_INLINE const char *pdk__sse_field(const char *line, size_t n, const char *field, size_t *vn)
{
    size_t f = strlen(field);
    if (n < f || memcmp(line, field, f) != 0 || (n > f && line[f] != ':'))
        return NULL;
    const char *v = n == f ? line + n : line + f + 1;
    *vn = n == f ? 0 : n - f - 1;
    if (*vn && *v == ' ') {
        v++;
        (*vn)--;
    }
    return v;
}

PDK_INLINE int pdk__sse_line(pdk_sse *s, pdk_sse_fn fn, void *user)
{
    const char *l = s->line.p ? s->line.p : "";
    size_t n = s->line.len, vn = 0;
    const char *v;
    int rc = 0;
    if (n == 0) {
        if (s->has_data)
            rc = fn(user, s->event.p ? s->event.p : "", s->data.p ? s->data.p : "", s->data.len);
        pdk_buf_clear(&s->data);
        pdk_buf_clear(&s->event);
        s->has_data = false;
    } else if ((v = pdk__sse_field(l, n, "data", &vn)) != NULL) {
        if (s->has_data)
            pdk_buf_putc(&s->data, '\n');
        pdk_buf_put(&s->data, v, vn);
        s->has_data = true;
    } else if ((v = pdk__sse_field(l, n, "event", &vn)) != NULL) {
        pdk_buf_clear(&s->event);
        pdk_buf_put(&s->event, v, vn);
    }
    pdk_buf_clear(&s->line);
    return rc;
}

/* Returns 0, the callback's non-zero result, or -1 on out of memory. */
PDK_INLINE int pdk_sse_feed(pdk_sse *s, const char *p, size_t n, pdk_sse_fn fn, void *user)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n' && s->after_cr) {
            s->after_cr = false;
            continue;
        }
        s->after_cr = c == '\r';
        if (c == '\n' || c == '\r') {
            int rc = pdk__sse_line(s, fn, user);
            if (rc)
                return rc;
            continue;
        }
        size_t j = i;
        while (j < n && p[j] != '\n' && p[j] != '\r')
            j++;
        pdk_buf_put(&s->line, p + i, j - i);
        i = j - 1;
    }
    return s->line.oom || s->data.oom || s->event.oom ? -1 : 0;
}

/* The end of the body. The SSE rules drop an event that no blank line
** closed; plinth delivers it when its last line was complete (some
** servers end with a single "\n") and drops a line cut in the middle. */
PDK_INLINE int pdk_sse_finish(pdk_sse *s, pdk_sse_fn fn, void *user)
{
    pdk_buf_clear(&s->line);
    return pdk__sse_line(s, fn, user);
}

/* ---- newline-delimited JSON framing ----------------------------------------
** Each non-blank line (LF or CRLF) reaches the callback once complete. */

typedef int (*pdk_line_fn)(void *user, const char *line, size_t len);

typedef struct pdk_lines {
    pdk_buf line;
} pdk_lines;

#define PDK_LINES_INIT {PDK_BUF_INIT}

PDK_INLINE void pdk_lines_free(pdk_lines *l) { pdk_buf_free(&l->line); }

PDK_INLINE int pdk__lines_emit(pdk_lines *l, pdk_line_fn fn, void *user)
{
    size_t n = l->line.len;
    while (n && (l->line.p[n - 1] == '\r' || l->line.p[n - 1] == ' ' || l->line.p[n - 1] == '\t'))
        n--;
    size_t i = 0;
    while (i < n && (l->line.p[i] == ' ' || l->line.p[i] == '\t'))
        i++;
    int rc = i < n ? fn(user, l->line.p + i, n - i) : 0;
    pdk_buf_clear(&l->line);
    return rc;
}

PDK_INLINE int pdk_lines_feed(pdk_lines *l, const char *p, size_t n, pdk_line_fn fn, void *user)
{
    while (n) {
        size_t k = 0;
        while (k < n && p[k] != '\n')
            k++;
        bool nl = k < n;
        pdk_buf_put(&l->line, p, k);
        if (l->line.oom)
            return -1;
        if (!nl)
            break;
        int rc = pdk__lines_emit(l, fn, user);
        if (rc)
            return rc;
        p += k + 1;
        n -= k + 1;
    }
    return 0;
}

/* The last line, when the body does not end in a newline. */
PDK_INLINE int pdk_lines_finish(pdk_lines *l, pdk_line_fn fn, void *user)
{
    return l->line.len ? pdk__lines_emit(l, fn, user) : 0;
}

/* ---- reading the wire format's requests ---------------------------------- */

/* base + path without doubling the slash when base ends in one. */
PDK_INLINE void pdk_url_join(pdk_buf *b, const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    pdk_buf_put(b, base, n);
    pdk_buf_puts(b, path);
}

/* The text of a Content array (its "text" parts joined by sep), or of a
** bare string. */
PDK_INLINE void pdk_wire_text(pdk_buf *b, const pdk_jv *content, const char *sep)
{
    if (pdk_jv_is_string(content)) {
        pdk_buf_put(b, content->u.s, content->n);
        return;
    }
    bool first = true;
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *t = pdk_jv_get(c, "text");
        if (!pdk_jv_streq(pdk_jv_get(c, "type"), "text") || !pdk_jv_is_string(t))
            continue;
        if (!first)
            pdk_buf_puts(b, sep);
        pdk_buf_put(b, t->u.s, t->n);
        first = false;
    }
}

/* The system prompt of a config: a string, or strings joined by blank
** lines (QueryMT keeps it as a list). Nothing for anything else. */
PDK_INLINE void pdk_wire_system(pdk_buf *b, const pdk_jv *system)
{
    if (pdk_jv_is_string(system)) {
        pdk_buf_put(b, system->u.s, system->n);
        return;
    }
    for (size_t i = 0; i < pdk_jv_len(system); i++) {
        if (i)
            pdk_buf_puts(b, "\n\n");
        const pdk_jv *s = pdk_jv_at(system, i);
        pdk_buf_put(b, pdk_jv_str_or(s, ""), pdk_jv_strlen(s));
    }
}

/* What a config key must hold, for pdk_cfg_check. */
typedef enum pdk_cfg_type {
    PDK_CFG_STRING,
    PDK_CFG_NUMBER,    /* within [lo, hi] */
    PDK_CFG_COUNT,     /* an integer >= 1 */
    PDK_CFG_INT,      /* an integer within [lo, hi] */
    PDK_CFG_BOOL,
    PDK_CFG_STRINGS,   /* a string or an array of strings (system prompts) */
    PDK_CFG_CHOICE,    /* a string or an object (tool_choice) */
    PDK_CFG_ANY
} pdk_cfg_type;

typedef struct pdk_cfg_key {
    const char *key;
    pdk_cfg_type type;
    double lo, hi;
} pdk_cfg_key;

/* What is wrong with v for key k (written into why after the key's
** name), or false when nothing is. */
PDK_INLINE bool pdk__cfg_problem(const pdk_cfg_key *k, const pdk_jv *v, pdk_buf *why)
{
    int64_t i;
    const char *p = NULL;
    switch (k->type) {
    case PDK_CFG_STRING: p = pdk_jv_is_string(v) ? NULL : "must be a string"; break;
    case PDK_CFG_NUMBER:
        p = !pdk_jv_is_number(v) ? "must be a number"
            : pdk_jv_num(v, 0) < k->lo || pdk_jv_num(v, 0) > k->hi ? "is out of range" : NULL;
        break;
    case PDK_CFG_COUNT: p = pdk_jv_int(v, &i) && i >= 1 ? NULL : "must be an integer >= 1"; break;
    case PDK_CFG_INT:
        if (pdk_jv_int(v, &i) && (double)i >= k->lo && (double)i <= k->hi)
            return false;
        pdk_buf_fmt(why, "must be an integer from %lld to %lld", (long long)k->lo,
                    (long long)k->hi);
        return true;
    case PDK_CFG_BOOL: p = pdk_jv_is_bool(v) ? NULL : "must be true or false"; break;
    case PDK_CFG_STRINGS:
        if (!pdk_jv_is_string(v) && !pdk_jv_is_array(v))
            p = "must be a string or an array of strings";
        for (size_t j = 0; !p && pdk_jv_is_array(v) && j < pdk_jv_len(v); j++)
            if (!pdk_jv_is_string(pdk_jv_at(v, j)))
                p = "must hold only strings";
        break;
    case PDK_CFG_CHOICE:
        p = pdk_jv_is_string(v) || pdk_jv_is_object(v) ? NULL : "must be a string or an object";
        break;
    case PDK_CFG_ANY: break;
    }
    pdk_buf_puts(why, p);
    return p != NULL;
}

/* Check the keys a plugin reads (null values count as absent). NULL when
** all are fine, else the first problem ("config 'top_p' is out of
** range") written into why. A config that is not an object (and not
** absent) is a problem too. */
PDK_INLINE const char *pdk_cfg_check(const pdk_jv *cfg, const pdk_cfg_key *keys, size_t n,
                                     pdk_buf *why)
{
    if (!pdk_jv_is_nothing(cfg) && !pdk_jv_is_object(cfg)) {
        pdk_buf_puts(why, "the config must be an object");
        return why->oom ? "out of memory" : why->p;
    }
    for (size_t i = 0; i < n; i++) {
        const pdk_jv *v = pdk_jv_get(cfg, keys[i].key);
        if (pdk_jv_is_nothing(v))
            continue;
        pdk_buf_fmt(why, "config '%s' ", keys[i].key);
        if (pdk__cfg_problem(&keys[i], v, why))
            return why->oom ? "out of memory" : why->p;
        pdk_buf_clear(why);
    }
    return NULL;
}

/* ---- ids for objects that live across calls (stream parsers) -------------
** The instance's own memory persists between calls (Extism resets only
** its own memory), so a parser made in chat_stream_parser_start can be
** found again by its id. Ids start at 1 and are never reused. Weak
** globals: one table for every translation unit. */

PDK_WEAK void **pdk__handles;
PDK_WEAK size_t pdk__n_handles;
PDK_WEAK int64_t pdk__handle_base = 1; /* id of slot 0 */

/* A new id for p, or 0 on out of memory. */
PDK_INLINE int64_t pdk_handle_put(void *p)
{
    /* Drop the empty slots at the front so the table stays small. */
    size_t drop = 0;
    while (drop < pdk__n_handles && !pdk__handles[drop])
        drop++;
    if (drop) {
        memmove(pdk__handles, pdk__handles + drop, (pdk__n_handles - drop) * sizeof(void *));
        pdk__n_handles -= drop;
        pdk__handle_base += (int64_t)drop;
    }
    void **t = pdk_realloc(pdk__handles, (pdk__n_handles + 1) * sizeof(void *));
    if (!t)
        return 0;
    pdk__handles = t;
    t[pdk__n_handles] = p;
    return pdk__handle_base + (int64_t)pdk__n_handles++;
}

PDK_INLINE void *pdk_handle_get(int64_t id)
{
    int64_t i = id - pdk__handle_base;
    return i >= 0 && (uint64_t)i < pdk__n_handles ? pdk__handles[i] : NULL;
}

/* The object of id, removed from the table (NULL when unknown). */
PDK_INLINE void *pdk_handle_take(int64_t id)
{
    void *p = pdk_handle_get(id);
    if (p)
        pdk__handles[id - pdk__handle_base] = NULL;
    return p;
}

#endif /* PLINTH_PDK_WIRE_H */
