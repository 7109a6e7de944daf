/*
** imports.h — the `extism:host/env` imports, declared for the test plugins
** from shared/docs/extism-abi.md §3 (handles, offsets and lengths are i64;
** bytes travel as i32). Written for these tests; not the Extism C PDK.
*/
#ifndef PL_TEST_EXTISM_IMPORTS_H
#define PL_TEST_EXTISM_IMPORTS_H

#include <stdint.h>

typedef uint64_t xh; /* an Extism memory handle; 0 = none */

#define XIMPORT(n) __attribute__((import_module("extism:host/env"), import_name(#n)))
#define XEXPORT(n) __attribute__((export_name(#n)))

XIMPORT(alloc) xh x_alloc(uint64_t n);
XIMPORT(free) void x_free(xh h);
XIMPORT(length) uint64_t x_length(xh h);
XIMPORT(length_unsafe) uint64_t x_length_unsafe(xh h);
XIMPORT(load_u8) uint8_t x_load_u8(uint64_t addr);
XIMPORT(load_u64) uint64_t x_load_u64(uint64_t addr);
XIMPORT(store_u8) void x_store_u8(uint64_t addr, uint8_t v);
XIMPORT(store_u64) void x_store_u64(uint64_t addr, uint64_t v);
XIMPORT(input_length) uint64_t x_input_length(void);
XIMPORT(input_load_u8) uint8_t x_input_load_u8(uint64_t off);
XIMPORT(input_load_u64) uint64_t x_input_load_u64(uint64_t off);
XIMPORT(input_offset) xh x_input_offset(void);
XIMPORT(output_set) void x_output_set(uint64_t addr, uint64_t len);
XIMPORT(error_set) void x_error_set(xh h);
XIMPORT(error_get) xh x_error_get(void);
XIMPORT(config_get) xh x_config_get(xh key);
XIMPORT(var_get) xh x_var_get(xh key);
XIMPORT(var_set) void x_var_set(xh key, xh value);
XIMPORT(http_request) xh x_http_request(xh req, xh body);
XIMPORT(http_status_code) int32_t x_http_status_code(void);
XIMPORT(http_headers) xh x_http_headers(void);
XIMPORT(log_trace) void x_log_trace(xh msg);
XIMPORT(log_debug) void x_log_debug(xh msg);
XIMPORT(log_info) void x_log_info(xh msg);
XIMPORT(log_warn) void x_log_warn(xh msg);
XIMPORT(log_error) void x_log_error(xh msg);
XIMPORT(get_log_level) int32_t x_get_log_level(void);

/* Bytes in and out the way the PDKs move them: 8 per call, then the tail
** one at a time. */
static inline xh x_store(const void *src, uint64_t n)
{
    const uint8_t *s = (const uint8_t *)src;
    xh h = x_alloc(n);
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        __builtin_memcpy(&v, s + i, 8);
        x_store_u64(h + i, v);
    }
    for (; i < n; i++)
        x_store_u8(h + i, s[i]);
    return h;
}

static inline void x_load(xh h, void *dst, uint64_t n)
{
    uint8_t *d = (uint8_t *)dst;
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = x_load_u64(h + i);
        __builtin_memcpy(d + i, &v, 8);
    }
    for (; i < n; i++)
        d[i] = x_load_u8(h + i);
}

static inline uint64_t x_input(void *dst, uint64_t cap)
{
    uint8_t *d = (uint8_t *)dst;
    uint64_t n = x_input_length(), i = 0;
    if (n > cap)
        n = cap;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = x_input_load_u64(i);
        __builtin_memcpy(d + i, &v, 8);
    }
    for (; i < n; i++)
        d[i] = x_input_load_u8(i);
    return n;
}

static inline uint64_t x_strlen(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline void x_output(const void *p, uint64_t n) { x_output_set(x_store(p, n), n); }
static inline void x_output_str(const char *s) { x_output(s, x_strlen(s)); }
static inline xh x_str(const char *s) { return x_store(s, x_strlen(s)); }

#endif
