/*
** plinth_pdk.h — plinth's kit for WebAssembly plugins written in C.
**
** A plugin built with it runs on any host that implements the Extism
** plugin ABI (plinth, and Extism's own hosts): it imports Extism's
** functions from `extism:host/env`, its exports take no parameters and
** return an i32 (0 success, 1 a structured error), and its data travel
** as Extism memory blocks named by 64-bit handles. The ABI is described
** in shared/docs/extism-abi.md; these declarations follow it and are
** plinth's own.
**
** Build (Debian 12: clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32):
**
**   clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -s \
**       -Wl,-z,stack-size=1048576 -I sdk -o hello.wasm hello.c
**   clang-19 --target=wasm32-wasi -nostdlib -Wl,--no-entry -DPDK_NO_LIBC \
**       -O2 -s -I sdk -o tiny.wasm tiny.c          (no libc at all)
**
** The first is a WASI reactor (exports _initialize, which hosts call
** once). The kit itself never uses stdio, so neither form imports WASI
** unless the plugin calls WASI functions (clock_gettime, printf, ...).
**
** A plugin:
**
**   #include "plinth_pdk.h"
**
**   PL_EXPORT(greet)
**   {
**       size_t n;
**       char *name = pdk_input(&n);
**       if (!name)
**           return pdk_error("out of memory");
**       pdk_buf out = PDK_BUF_INIT;
**       pdk_buf_fmt(&out, "Hello, %s!", name);
**       pdk_free(name);
**       return pdk_output_buf(&out);
**   }
**
** What is here (each declaration is documented where it stands):
**   imports         pdk_env_* — every plugin-visible `extism:host/env` name
**   memory          pdk_load, pdk_store, pdk_alloc_bytes, pdk_block_read
**   input / output  pdk_input, pdk_output, pdk_output_str, pdk_output_buf
**   errors          pdk_error, pdk_errorf (plain text), pdk_fail /
**                   pdk_fail_llm (QueryMT's {"payload": LLMErrorPayload})
**   config, vars    pdk_config, pdk_var_get, pdk_var_set, pdk_var_del
**   HTTP            pdk_http_request (Extism's http_request)
**   logging         pdk_log, pdk_logf, pdk_log_enabled
**   exports         PL_EXPORT(name), PL_EXPORT_AS(cname, "name")
**   providers       pdk_request_read (the input as a JSON tree),
**                   PDK_PROVIDER_INFO (the name/api_key_name/base_url/
**                   config_schema/init_logging exports), and everything of
**                   plinth_pdk_wire.h and plinth_pdk_json.h
**
** Threads: Wasm plugins are single-threaded; the host never calls an
** instance re-entrantly.
*/
#ifndef PLINTH_PDK_H
#define PLINTH_PDK_H

#ifndef __wasm__
#  error "plinth_pdk.h is for wasm32 targets; native code (tests) includes plinth_pdk_wire.h"
#endif

#include "plinth_pdk_json.h"
#include "plinth_pdk_wire.h"

/* ======================================================================
** The imports (shared/docs/extism-abi.md §3). Handles, offsets and
** lengths are i64; bytes travel as i32. wasm-ld keeps only the imports a
** plugin calls, so declaring them all costs nothing.
** ====================================================================== */

#define PDK__ENV(n) __attribute__((import_module("extism:host/env"), import_name(#n)))

/* Memory and I/O (§3.1). */
PDK__ENV(alloc) uint64_t pdk_env_alloc(uint64_t n);            /* 0: n == 0 or no memory */
PDK__ENV(free) void pdk_env_free(uint64_t h);                  /* 0 / unknown: ignored */
PDK__ENV(length) uint64_t pdk_env_length(uint64_t h);          /* 0: not a block start */
PDK__ENV(length_unsafe) uint64_t pdk_env_length_unsafe(uint64_t h);
PDK__ENV(load_u8) uint8_t pdk_env_load_u8(uint64_t addr);      /* addr = handle + offset */
PDK__ENV(load_u64) uint64_t pdk_env_load_u64(uint64_t addr);   /* little-endian */
PDK__ENV(store_u8) void pdk_env_store_u8(uint64_t addr, uint8_t v);
PDK__ENV(store_u64) void pdk_env_store_u64(uint64_t addr, uint64_t v);
PDK__ENV(input_length) uint64_t pdk_env_input_length(void);
PDK__ENV(input_load_u8) uint8_t pdk_env_input_load_u8(uint64_t off);   /* relative to the input */
PDK__ENV(input_load_u64) uint64_t pdk_env_input_load_u64(uint64_t off); /* 0 past the end */
PDK__ENV(input_offset) uint64_t pdk_env_input_offset(void);    /* the input's handle */
PDK__ENV(output_set) void pdk_env_output_set(uint64_t addr, uint64_t len); /* ownership passes */
PDK__ENV(error_set) void pdk_env_error_set(uint64_t h);        /* a non-empty block; 0 clears */
PDK__ENV(error_get) uint64_t pdk_env_error_get(void);

/* Config and vars (§3.2): the key block is consumed by the host. */
PDK__ENV(config_get) uint64_t pdk_env_config_get(uint64_t key); /* 0: absent */
PDK__ENV(var_get) uint64_t pdk_env_var_get(uint64_t key);       /* 0: absent (or empty) */
PDK__ENV(var_set) void pdk_env_var_set(uint64_t key, uint64_t value); /* value 0 deletes */

/* HTTP (§3.3): req is {"url","method","headers"}; both blocks consumed. */
PDK__ENV(http_request) uint64_t pdk_env_http_request(uint64_t req, uint64_t body);
PDK__ENV(http_status_code) int32_t pdk_env_http_status_code(void);
PDK__ENV(http_headers) uint64_t pdk_env_http_headers(void);    /* 0: not captured */

/* Logging (§3.4): the message block is consumed, shown or not. */
PDK__ENV(log_trace) void pdk_env_log_trace(uint64_t msg);
PDK__ENV(log_debug) void pdk_env_log_debug(uint64_t msg);
PDK__ENV(log_info) void pdk_env_log_info(uint64_t msg);
PDK__ENV(log_warn) void pdk_env_log_warn(uint64_t msg);
PDK__ENV(log_error) void pdk_env_log_error(uint64_t msg);
PDK__ENV(get_log_level) int32_t pdk_env_get_log_level(void);   /* 0 trace .. 4 error; more: off */

/* ======================================================================
** Moving bytes: 8 per call, then single bytes for the tail, as every PDK
** does (the u64 imports are the host's hot path).
** ====================================================================== */

/* Copy n bytes from Extism memory at addr (a handle plus an offset). From
** 8 bytes on, the tail is one u64 that overlaps the last full one: a
** host call saved per byte. */
PDK_INLINE void pdk_load(uint64_t addr, void *dst, size_t n)
{
    unsigned char *d = dst;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = pdk_env_load_u64(addr + i);
        memcpy(d + i, &v, 8);
    }
    if (i < n && n >= 8) {
        uint64_t v = pdk_env_load_u64(addr + n - 8);
        memcpy(d + n - 8, &v, 8);
        return;
    }
    for (; i < n; i++)
        d[i] = pdk_env_load_u8(addr + i);
}

/* Copy n bytes into Extism memory at addr (the same overlapping tail). */
PDK_INLINE void pdk_store(uint64_t addr, const void *src, size_t n)
{
    const unsigned char *s = src;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        pdk_env_store_u64(addr + i, v);
    }
    if (i < n && n >= 8) {
        uint64_t v;
        memcpy(&v, s + n - 8, 8);
        pdk_env_store_u64(addr + n - 8, v);
        return;
    }
    for (; i < n; i++)
        pdk_env_store_u8(addr + i, s[i]);
}

/* A new block holding p[0..n): its handle, or 0 when n is 0 or the host
** is out of memory. */
PDK_INLINE uint64_t pdk_alloc_bytes(const void *p, size_t n)
{
    uint64_t h = n ? pdk_env_alloc(n) : 0;
    if (h)
        pdk_store(h, p, n);
    return h;
}

/* A copy of block h (NUL-terminated; pdk_free it) with its length in
** *len (len may be NULL). h == 0 gives NULL; so does out of memory. */
PDK_INLINE char *pdk_block_read(uint64_t h, size_t *len)
{
    if (!h)
        return NULL;
    uint64_t n = pdk_env_length(h);
    char *p = n < SIZE_MAX ? pdk_malloc((size_t)n + 1) : NULL;
    if (p) {
        pdk_load(h, p, (size_t)n);
        p[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return p;
}

/* ======================================================================
** Input, output, errors
** ====================================================================== */

/* The whole input of the call, NUL-terminated (pdk_free it), its length
** in *len (may be NULL). NULL on out of memory. */
PDK_INLINE char *pdk_input(size_t *len)
{
    uint64_t n = pdk_env_input_length();
    char *p = n < SIZE_MAX ? pdk_malloc((size_t)n + 1) : NULL;
    if (!p)
        return NULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = pdk_env_input_load_u64(i);
        memcpy(p + i, &v, 8);
    }
    if (i < n && n >= 8) { /* the tail: one overlapping u64 */
        uint64_t v = pdk_env_input_load_u64(n - 8);
        memcpy(p + n - 8, &v, 8);
        i = (size_t)n;
    }
    for (; i < n; i++)
        p[i] = (char)pdk_env_input_load_u8(i);
    p[n] = '\0';
    if (len)
        *len = (size_t)n;
    return p;
}

/* Set the call's error message; returns 1, for `return pdk_error(...)`.
** (An empty message would read as "no error" on Extism's Rust host.) */
PDK_INLINE int32_t pdk_error_n(const char *msg, size_t n)
{
    if (!n) {
        msg = "error";
        n = 5;
    }
    pdk_env_error_set(pdk_alloc_bytes(msg, n));
    return 1;
}

PDK_INLINE int32_t pdk_error(const char *msg) { return pdk_error_n(msg, msg ? strlen(msg) : 0); }

/* The call's error so far (a copy, pdk_free it; its length in *len), and
** clear it: for a stream parser that hands out the chunks it made before
** something failed and reports the failure on its next call. NULL when
** there is none. */
PDK_INLINE char *pdk_error_take(size_t *len)
{
    char *msg = pdk_block_read(pdk_env_error_get(), len);
    pdk_env_error_set(0);
    return msg;
}

/* pdk_error with a message made by pdk_buf_fmt. */
PDK_INLINE int32_t pdk_errorf(const char *fmt, ...)
{
    pdk_buf b = PDK_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(&b, fmt, ap);
    va_end(ap);
    int32_t rc = b.oom ? pdk_error("out of memory") : pdk_error_n(b.p, b.len);
    pdk_buf_free(&b);
    return rc;
}

/* Set the call's output to p[0..n); 0, or an error (1) on out of memory. */
PDK_INLINE int32_t pdk_output(const void *p, size_t n)
{
    uint64_t h = pdk_alloc_bytes(p, n);
    if (n && !h)
        return pdk_error("out of memory");
    pdk_env_output_set(h, n);
    return 0;
}

PDK_INLINE int32_t pdk_output_str(const char *s) { return pdk_output(s, s ? strlen(s) : 0); }

/* Output a buffer's content and free it; an error if it ran out of
** memory on the way. */
PDK_INLINE int32_t pdk_output_buf(pdk_buf *b)
{
    int32_t rc = b->oom ? pdk_error("out of memory") : pdk_output(b->p, b->len);
    pdk_buf_free(b);
    return rc;
}

/* Fail with QueryMT's structured error: the error text is
** {"payload": LLMErrorPayload} and the return value 1 ("structured"). */
PDK_INLINE int32_t pdk_fail_llm(const pdk_llm_error *e)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_llm_error_write(&b, e);
    int32_t rc = b.oom ? pdk_error("out of memory") : pdk_error_n(b.p, b.len);
    pdk_buf_free(&b);
    return rc;
}

/* pdk_fail_llm with only a type (PDK_ERR_*) and a formatted message. */
PDK_INLINE int32_t pdk_fail(const char *type, const char *fmt, ...)
{
    pdk_buf msg = PDK_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(&msg, fmt, ap);
    va_end(ap);
    pdk_llm_error e = PDK_LLM_ERROR_INIT;
    e.type = type;
    e.message = msg.oom ? "out of memory" : msg.p;
    int32_t rc = pdk_fail_llm(&e);
    pdk_buf_free(&msg);
    return rc;
}

/* ======================================================================
** Config and vars
** ====================================================================== */

/* The host configuration value of key (pdk_free it), or NULL when it is
** absent (or on out of memory). */
PDK_INLINE char *pdk_config(const char *key)
{
    size_t kn = key ? strlen(key) : 0;
    uint64_t k = pdk_alloc_bytes(key, kn);
    if (!k)
        return NULL;
    uint64_t v = pdk_env_config_get(k);
    char *s = pdk_block_read(v, NULL);
    pdk_env_free(v);
    return s;
}

/* The var named key (NUL-terminated copy; pdk_free it) and its length,
** or NULL when it is not set. Vars live in the host, per instance, and
** survive between calls; an empty value reads as absent. */
PDK_INLINE char *pdk_var_get(const char *key, size_t *len)
{
    uint64_t k = pdk_alloc_bytes(key, key ? strlen(key) : 0);
    if (!k)
        return NULL;
    uint64_t v = pdk_env_var_get(k);
    char *s = pdk_block_read(v, len);
    pdk_env_free(v);
    return s;
}

/* Set var key to value[0..n); n == 0 deletes it (Extism's rule). The
** host may fail the call when its var store is full. */
PDK_INLINE void pdk_var_set(const char *key, const void *value, size_t n)
{
    uint64_t k = pdk_alloc_bytes(key, key ? strlen(key) : 0);
    if (k)
        pdk_env_var_set(k, pdk_alloc_bytes(value, n));
}

PDK_INLINE void pdk_var_del(const char *key) { pdk_var_set(key, NULL, 0); }

/* ======================================================================
** HTTP through Extism's http_request (a plugin that does its own I/O;
** sans-IO providers build requests instead, pdk_http_req_write). The
** host checks the URL against its allow-list and fails the whole call
** when it is not allowed.
** ====================================================================== */

typedef struct pdk_http {
    int status;
    char *body;         /* NUL-terminated; pdk_free (via pdk_http_free) */
    size_t body_len;
    char *headers_json; /* {"name":"value"} or NULL when the host keeps none */
} pdk_http;

/* Send a request; false only on out of memory (a transport failure ends
** the call on the host side). headers: name/value pairs (NULL values
** skipped). */
PDK_INLINE bool pdk_http_request(const char *method, const char *url, const pdk_header *headers,
                                 size_t n_headers, const void *body, size_t body_len,
                                 pdk_http *out)
{
    memset(out, 0, sizeof *out);
    pdk_buf req = PDK_BUF_INIT;
    pdk_jw_obj(&req);
    pdk_jw_kstr(&req, "url", url);
    pdk_jw_kstr(&req, "method", method ? method : "GET");
    pdk_jw_key(&req, "headers");
    pdk_jw_obj(&req);
    for (size_t i = 0; i < n_headers; i++)
        if (headers[i].name && headers[i].value)
            pdk_jw_kstr(&req, headers[i].name, headers[i].value);
    pdk_jw_obj_end(&req);
    pdk_jw_obj_end(&req);
    uint64_t rh = req.oom ? 0 : pdk_alloc_bytes(req.p, req.len);
    pdk_buf_free(&req);
    if (!rh)
        return false;
    uint64_t resp = pdk_env_http_request(rh, pdk_alloc_bytes(body, body ? body_len : 0));
    out->status = pdk_env_http_status_code();
    out->body = resp ? pdk_block_read(resp, &out->body_len) : pdk_strndup("", 0);
    uint64_t hh = pdk_env_http_headers();
    out->headers_json = pdk_block_read(hh, NULL);
    pdk_env_free(resp);
    pdk_env_free(hh);
    return out->body != NULL;
}

PDK_INLINE void pdk_http_free(pdk_http *r)
{
    pdk_free(r->body);
    pdk_free(r->headers_json);
    memset(r, 0, sizeof *r);
}

/* ======================================================================
** Logging: messages below the host's level are not even built.
** ====================================================================== */

enum { PDK_LOG_TRACE = 0, PDK_LOG_DEBUG, PDK_LOG_INFO, PDK_LOG_WARN, PDK_LOG_ERROR };

PDK_INLINE bool pdk_log_enabled(int level) { return level >= pdk_env_get_log_level(); }

PDK_INLINE void pdk__log_block(int level, uint64_t h)
{
    switch (level) {
    case PDK_LOG_TRACE: pdk_env_log_trace(h); break;
    case PDK_LOG_DEBUG: pdk_env_log_debug(h); break;
    case PDK_LOG_INFO: pdk_env_log_info(h); break;
    case PDK_LOG_WARN: pdk_env_log_warn(h); break;
    default: pdk_env_log_error(h); break;
    }
}

PDK_INLINE void pdk_log(int level, const char *msg)
{
    if (msg && *msg && pdk_log_enabled(level))
        pdk__log_block(level, pdk_alloc_bytes(msg, strlen(msg)));
}

PDK_INLINE void pdk_logf(int level, const char *fmt, ...)
{
    if (!pdk_log_enabled(level))
        return;
    pdk_buf b = PDK_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(&b, fmt, ap);
    va_end(ap);
    if (!b.oom && b.len)
        pdk__log_block(level, pdk_alloc_bytes(b.p, b.len));
    pdk_buf_free(&b);
}

/* ======================================================================
** Exports
** ====================================================================== */

/* Work done when any PL_EXPORT function starts: without libc, the kit's
** heap is emptied (each call starts with all of it). */
PDK_INLINE void pdk__call_begin(void)
{
#ifdef PDK_NO_LIBC
    pdk__heap_reset();
#endif
}

/*
** PL_EXPORT(name) { body } — define the export `name`: a function of no
** parameters returning int32_t, exported under that name; the body
** returns 0 on success or the result of pdk_error / pdk_fail (1). The C
** function is called pdk_export_<name>, so export names never clash with
** the plugin's own identifiers or libc's (free, close, ...).
** PL_EXPORT_AS(id, "export-name") is for names that are not C identifiers.
*/
#define PL_EXPORT_AS(id, ename)                                      \
    static int32_t pdk__body_##id(void);                             \
    int32_t pdk_export_##id(void) __attribute__((export_name(ename))); \
    int32_t pdk_export_##id(void)                                    \
    {                                                                \
        pdk__call_begin();                                           \
        return pdk__body_##id();                                     \
    }                                                                \
    static int32_t pdk__body_##id(void)

#define PL_EXPORT(name) PL_EXPORT_AS(name, #name)

/* ======================================================================
** Providers: reading the request, the informational exports.
** ====================================================================== */

/* The call's input parsed as JSON. */
typedef struct pdk_request {
    pdk_arena arena;     /* the tree's memory */
    const pdk_jv *root;  /* the document (any type) */
} pdk_request;

/* Read and parse the input into r; false with *e filled (msg "out of
** memory" when that was the trouble). Free r either way. */
PDK_INLINE bool pdk_request_parse(pdk_request *r, pdk_json_error *e)
{
    r->arena = (pdk_arena)PDK_ARENA_INIT;
    r->root = NULL;
    size_t n;
    char *text = pdk_input(&n);
    if (!text) {
        memset(e, 0, sizeof *e);
        e->msg = "out of memory";
        return false;
    }
    r->root = pdk_json_parse(&r->arena, text, n, e);
    pdk_free(text);
    return r->root != NULL;
}

/*
** pdk_request_read — read and parse the input. On failure the call's
** error is already set as an invalid_request payload naming the line and
** column, and the function returns 1 for the export to return; 0 on
** success. Free with pdk_request_free either way.
*/
PDK_INLINE int32_t pdk_request_read(pdk_request *r)
{
    pdk_json_error e;
    if (pdk_request_parse(r, &e))
        return 0;
    if (!e.line)
        return pdk_fail(PDK_ERR_PLUGIN, "%s", e.msg);
    return pdk_fail(PDK_ERR_INVALID_REQUEST, "the input is not valid JSON at line %u column %u: %s",
                    e.line, e.col, e.msg);
}

PDK_INLINE void pdk_request_free(pdk_request *r)
{
    pdk_arena_free(&r->arena);
    r->root = NULL;
}

/* A provider export's input: the parsed document and its config. */
typedef struct pdk_prov {
    pdk_request in;
    const pdk_jv *cfg; /* an object, or NULL when the input has none */
} pdk_prov;

/*
** pdk_prov_open — read the input of a provider export and check its
** config against keys (pdk_cfg_check). cfg_is_root: the input is the
** config itself (from_config, supports_streaming, chat_stream_parser_
** start); otherwise it is the input's "cfg" member (chat_request and the
** rest). need_model: "model" must be a non-empty string. Returns 0, or 1
** with the error set (invalid_request); pdk_prov_close either way.
*/
PDK_INLINE int32_t pdk_prov_open(pdk_prov *p, const pdk_cfg_key *keys, size_t n_keys,
                                 bool cfg_is_root, bool need_model)
{
    p->cfg = NULL;
    if (pdk_request_read(&p->in) != 0)
        return 1;
    if (!pdk_jv_is_object(p->in.root))
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "request must be a JSON object");
    const pdk_jv *cfg = cfg_is_root ? p->in.root : pdk_jv_get(p->in.root, "cfg");
    pdk_buf why = PDK_BUF_INIT;
    const char *problem = pdk_cfg_check(cfg, keys, n_keys, &why);
    int32_t rc = 0;
    if (problem)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "%s", problem);
    else if (need_model && pdk_jv_strlen(pdk_jv_get(cfg, "model")) == 0)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "the request names no model");
    pdk_buf_free(&why);
    p->cfg = pdk_jv_is_object(cfg) ? cfg : NULL;
    return rc;
}

PDK_INLINE void pdk_prov_close(pdk_prov *p) { pdk_request_free(&p->in); }

/* A string of the config, or NULL. */
PDK_INLINE const char *pdk_prov_str(const pdk_prov *p, const char *key)
{
    return pdk_jv_str(pdk_jv_get(p->cfg, key));
}

/* The API key: the config's "api_key" (QueryMT's hosts put the resolved
** key there), else the host config entry named env_name (plinth gives a
** plugin the one variable its api_key_name names). Borrowed or pdk_free'd
** through *owned; NULL when there is none. */
PDK_INLINE const char *pdk_prov_api_key(const pdk_prov *p, const char *env_name, char **owned)
{
    const char *k = pdk_prov_str(p, "api_key");
    *owned = NULL;
    if (k && *k)
        return k;
    *owned = env_name && *env_name ? pdk_config(env_name) : NULL;
    return *owned && **owned ? *owned : NULL;
}

/* Output a SerializableHttpRequest for method url with headers and the
** body's content (body NULL: none); frees body. */
PDK_INLINE int32_t pdk_prov_send(const char *method, const char *url, const pdk_header *h,
                                 size_t nh, pdk_buf *body)
{
    if (body && body->oom) {
        pdk_buf_free(body);
        return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    }
    pdk_buf out = PDK_BUF_INIT;
    pdk_http_req_write(&out, method, url, h, nh, body ? body->p : NULL, body ? body->len : 0);
    if (body)
        pdk_buf_free(body);
    if (out.oom) {
        pdk_buf_free(&out);
        return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    }
    return pdk_output_buf(&out);
}

/* The "resp" of a parse_* input: 0 with *r filled, or 1 with the error
** set (response_format_error). */
PDK_INLINE int32_t pdk_prov_resp(pdk_prov *p, pdk_http_resp *r)
{
    const char *why = pdk_http_resp_read(&p->in.arena, pdk_jv_get(p->in.root, "resp"), r);
    if (!why)
        return 0;
    pdk_llm_error e = PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_INVALID_REQUEST;
    e.message = why;
    return pdk_fail_llm(&e);
}

/* A response_format_error: msg, with (the start of) the body as raw_response. */
PDK_INLINE int32_t pdk_prov_bad_response(const pdk_http_resp *r, const char *fmt, ...)
{
    pdk_buf msg = PDK_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(&msg, fmt, ap);
    va_end(ap);
    pdk_llm_error e = PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_RESPONSE_FORMAT;
    e.message = msg.oom ? "out of memory" : msg.p;
    char *raw = pdk_strndup(r->body ? r->body : "", r->body_len > 4096 ? 4096 : r->body_len);
    e.raw_response = raw ? raw : "";
    int32_t rc = pdk_fail_llm(&e);
    pdk_free(raw);
    pdk_buf_free(&msg);
    return rc;
}

/* Output the payload of a classified error as the export's result (what
** classify_chat_error returns): {"payload": LLMErrorPayload}. */
PDK_INLINE int32_t pdk_prov_output_error(const pdk_llm_error *e)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_llm_error_write(&b, e);
    return pdk_output_buf(&b);
}

/* For stream parsers: a failure after some chunks of the same call is held
** back, so the call still hands out those chunks (a native host would
** have delivered them) and the next call of the parser reports it. */
typedef struct pdk_deferred {
    char *msg;
    size_t len;
} pdk_deferred;

/* After a parse call: when it failed (*rc != 0) but chunks (the array in
** b, beyond its "[") were made, keep the error for later and succeed. */
PDK_INLINE void pdk_defer(pdk_deferred *d, int32_t *rc, const pdk_buf *b)
{
    if (*rc == 0 || b->len <= 1 || d->msg)
        return;
    d->msg = pdk_error_take(&d->len);
    if (d->msg)
        *rc = 0;
}

/* Whether an error is held back; pdk_deferred_raise sets it (returns 1). */
PDK_INLINE bool pdk_deferred_pending(const pdk_deferred *d) { return d->msg != NULL; }

PDK_INLINE int32_t pdk_deferred_raise(pdk_deferred *d)
{
    int32_t rc = pdk_error_n(d->msg, d->len);
    pdk_free(d->msg);
    d->msg = NULL;
    return rc;
}

/* ---- QueryMT's host functions (extism:host/user) for the older export
** set, where the plugin does its own I/O: each takes one Extism handle
** (consumed) and returns one or nothing (provider-contract.md §1.4). A
** plugin imports only the ones it calls; plinth provides all six. */

#define PDK__QMT(n) __attribute__((import_module("extism:host/user"), import_name(#n)))

/* SerializableHttpRequest → SerializableHttpResponse (403 when the host
** is not allowed, 500 on a transport failure, 499 when cancelled). */
PDK__QMT(qmt_http_request) uint64_t pdk_qmt_http_request(uint64_t req);
/* request → {"status":"ok","stream_id":n} | {"status":"cancelled"} |
** {"status":"error","plugin_error":"<json>","error_code":1} */
PDK__QMT(qmt_http_stream_open) uint64_t pdk_qmt_http_stream_open(uint64_t req);
/* stream id (JSON number) → the next body bytes; 0 / empty at the end */
PDK__QMT(qmt_http_stream_next) uint64_t pdk_qmt_http_stream_next(uint64_t id);
PDK__QMT(qmt_http_stream_close) void pdk_qmt_http_stream_close(uint64_t id);
/* one ExtismChatChunk → the caller of chat_stream */
PDK__QMT(qmt_yield_chunk) void pdk_qmt_yield_chunk(uint64_t chunk);
/* {"level": 1 error .. 5 trace, "target", "message"} → the host's log */
PDK__QMT(qmt_log) void pdk_qmt_log(uint64_t record);

/* Push the ExtismChatChunk JSON in b[0..len) to the host (chat_stream)
** and empty b for the next one. False on out of memory. */
PDK_INLINE bool pdk_yield(pdk_buf *b)
{
    if (b->oom)
        return false;
    uint64_t h = pdk_alloc_bytes(b->p, b->len);
    if (b->len && !h)
        return false;
    pdk_qmt_yield_chunk(h);
    pdk_buf_clear(b);
    return true;
}

/*
** PDK_PROVIDER_INFO(name, api_key_env, base_url, schema) — the exports of
** both QueryMT export sets that only describe the provider: `name`,
** `api_key_name` ("" for none), `base_url`, `config_schema` (JSON Schema
** text) and `init_logging` (the host's log level, 0-5; the kit logs
** through Extism's log functions, whose level the host already applies).
*/
#define PDK_PROVIDER_INFO(NAME, KEY_ENV, BASE_URL, SCHEMA)               \
    PL_EXPORT(name) { return pdk_output_str(NAME); }                     \
    PL_EXPORT(api_key_name) { return pdk_output_str(KEY_ENV); }          \
    PL_EXPORT(base_url) { return pdk_output_str(BASE_URL); }             \
    PL_EXPORT(config_schema) { return pdk_output_str(SCHEMA); }          \
    PL_EXPORT(init_logging) { return 0; }

/* ======================================================================
** Tools: plinth's tool ABI for Wasm (docs/plugin-authors.md, "Tool
** plugins in Wasm"). Two exports:
**   plinth_describe  → {"id","name","version","description","kind":"tool",
**                       "tools":[{"name","description","inputSchema"}]}
**   plinth_invoke    {"method":"tools/list"|"tools/call","params":{...}}
**                    → the JSON-RPC result: {"tools":[...]} or
**                      {"content":[{"type":"text","text"}],"isError":bool}
** Protocol errors (unknown method or tool, bad params) set the error to
** a JSON-RPC error object {"code","message"} and return 1. Describe the
** tools in a table and let PDK_TOOL_PLUGIN write both exports.
** ====================================================================== */

/* What a tool's call reports. */
typedef enum pdk_tool_rc {
    PDK_TOOL_OK = 0,       /* out holds the result text */
    PDK_TOOL_FAILED = 1,   /* out holds why: a result with isError true, for the model */
    PDK_TOOL_BAD_ARGS = 2  /* out holds why: a -32602 protocol error, for the host */
} pdk_tool_rc;

typedef struct pdk_tool {
    const char *name;
    const char *description;
    const char *input_schema;  /* JSON Schema text (an object schema) */
    pdk_tool_rc (*call)(const pdk_jv *arguments, pdk_buf *out);
} pdk_tool;

typedef struct pdk_tool_plugin {
    const char *id, *name, *version, *description;
    const pdk_tool *tools;
    size_t n_tools;
} pdk_tool_plugin;

#define PDK_RPC_METHOD_NOT_FOUND (-32601)
#define PDK_RPC_INVALID_PARAMS (-32602)

/* Fail the call with a JSON-RPC error object as the error text. */
PDK_INLINE int32_t pdk_rpc_error(int code, const char *fmt, ...)
{
    pdk_buf msg = PDK_BUF_INIT, b = PDK_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(&msg, fmt, ap);
    va_end(ap);
    pdk_jw_obj(&b);
    pdk_jw_kint(&b, "code", code);
    pdk_jw_kstr(&b, "message", msg.oom ? "out of memory" : msg.p ? msg.p : "");
    pdk_jw_obj_end(&b);
    int32_t rc = b.oom ? pdk_error("out of memory") : pdk_error_n(b.p, b.len);
    pdk_buf_free(&msg);
    pdk_buf_free(&b);
    return rc;
}

PDK_INLINE void pdk__tools_write(pdk_buf *b, const pdk_tool_plugin *p)
{
    pdk_jw_key(b, "tools");
    pdk_jw_arr(b);
    for (size_t i = 0; i < p->n_tools; i++) {
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "name", p->tools[i].name);
        pdk_jw_kstr(b, "description", p->tools[i].description);
        pdk_jw_key(b, "inputSchema");
        pdk_jw_raw(b, p->tools[i].input_schema, strlen(p->tools[i].input_schema));
        pdk_jw_obj_end(b);
    }
    pdk_jw_arr_end(b);
}

/* The output of plinth_describe. */
PDK_INLINE int32_t pdk_tool_describe(const pdk_tool_plugin *p)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_jw_obj(&b);
    pdk_jw_kstr(&b, "id", p->id);
    pdk_jw_kstr(&b, "name", p->name);
    pdk_jw_kstr(&b, "version", p->version);
    pdk_jw_kstr(&b, "description", p->description);
    pdk_jw_kstr(&b, "kind", "tool");
    pdk__tools_write(&b, p);
    pdk_jw_obj_end(&b);
    return pdk_output_buf(&b);
}

/* tools/call: find the tool, run it, wrap its text as MCP content. */
PDK_INLINE int32_t pdk__tool_call(const pdk_tool_plugin *p, const pdk_jv *params)
{
    const pdk_jv *name = pdk_jv_get(params, "name"), *args = pdk_jv_get(params, "arguments");
    if (!pdk_jv_is_string(name))
        return pdk_rpc_error(PDK_RPC_INVALID_PARAMS, "tools/call needs params.name (a string)");
    if (!pdk_jv_is_nothing(args) && !pdk_jv_is_object(args))
        return pdk_rpc_error(PDK_RPC_INVALID_PARAMS, "params.arguments must be an object");
    const pdk_tool *t = NULL;
    for (size_t i = 0; i < p->n_tools && !t; i++)
        if (pdk_jv_streq(name, p->tools[i].name))
            t = &p->tools[i];
    if (!t)
        return pdk_rpc_error(PDK_RPC_INVALID_PARAMS, "Unknown tool: %s", pdk_jv_str(name));
    pdk_buf text = PDK_BUF_INIT, b = PDK_BUF_INIT;
    pdk_tool_rc rc = t->call(args, &text);
    if (text.oom) {
        pdk_buf_free(&text);
        return pdk_error("out of memory");
    }
    if (rc == PDK_TOOL_BAD_ARGS) {
        int32_t r = pdk_rpc_error(PDK_RPC_INVALID_PARAMS, "%s: %s", t->name, text.p ? text.p : "");
        pdk_buf_free(&text);
        return r;
    }
    pdk_jw_obj(&b);
    pdk_jw_key(&b, "content");
    pdk_jw_arr(&b);
    pdk_jw_obj(&b);
    pdk_jw_kstr(&b, "type", "text");
    pdk_jw_kstrn(&b, "text", text.p ? text.p : "", text.len);
    pdk_jw_obj_end(&b);
    pdk_jw_arr_end(&b);
    pdk_jw_kbool(&b, "isError", rc != PDK_TOOL_OK);
    pdk_jw_obj_end(&b);
    pdk_buf_free(&text);
    return pdk_output_buf(&b);
}

/* The body of plinth_invoke. */
PDK_INLINE int32_t pdk_tool_invoke(const pdk_tool_plugin *p)
{
    pdk_request r;
    pdk_json_error e;
    if (!pdk_request_parse(&r, &e)) {
        pdk_request_free(&r);
        return pdk_rpc_error(-32700, "the request is not valid JSON at line %u column %u: %s",
                             e.line, e.col, e.msg);
    }
    const pdk_jv *method = pdk_jv_get(r.root, "method"), *params = pdk_jv_get(r.root, "params");
    int32_t rc;
    if (!pdk_jv_is_nothing(params) && !pdk_jv_is_object(params)) {
        rc = pdk_rpc_error(PDK_RPC_INVALID_PARAMS, "params must be an object");
    } else if (pdk_jv_streq(method, "tools/list")) {
        pdk_buf b = PDK_BUF_INIT;
        pdk_jw_obj(&b);
        pdk__tools_write(&b, p);
        pdk_jw_obj_end(&b);
        rc = pdk_output_buf(&b);
    } else if (pdk_jv_streq(method, "tools/call")) {
        rc = pdk__tool_call(p, params);
    } else if (pdk_jv_streq(method, "ping")) {
        rc = pdk_output_str("{}");
    } else {
        rc = pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "Method not found: %s",
                           pdk_jv_str_or(method, "(no method)"));
    }
    pdk_request_free(&r);
    return rc;
}

/* Both exports of a tool plugin described by the pdk_tool_plugin desc. */
#define PDK_TOOL_PLUGIN(desc)                                          \
    PL_EXPORT(plinth_describe) { return pdk_tool_describe(&(desc)); }  \
    PL_EXPORT(plinth_invoke) { return pdk_tool_invoke(&(desc)); }

#endif /* PLINTH_PDK_H */
