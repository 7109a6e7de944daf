/*
** guest.h — the few `extism:host/env` imports the `plinth call` test
** plugins use, declared from shared/docs/extism-abi.md §3 (handles, offsets
** and lengths are i64, bytes travel as i32), with byte copies done the way
** the PDKs do them: 8 bytes per import call, then the tail byte by byte.
** Written for these tests; not Extism's C PDK.
*/
#ifndef PL_TEST_CALL_GUEST_H
#define PL_TEST_CALL_GUEST_H

#include <stdint.h>

#define ENV(n) __attribute__((import_module("extism:host/env"), import_name(#n)))
#define EXPORT(n) __attribute__((export_name(#n)))

ENV(alloc) uint64_t env_alloc(uint64_t n);
ENV(length) uint64_t env_length(uint64_t h);
ENV(load_u8) uint32_t env_load_u8(uint64_t addr);
ENV(load_u64) uint64_t env_load_u64(uint64_t addr);
ENV(store_u8) void env_store_u8(uint64_t addr, uint32_t v);
ENV(store_u64) void env_store_u64(uint64_t addr, uint64_t v);
ENV(input_length) uint64_t env_input_length(void);
ENV(input_load_u8) uint32_t env_input_load_u8(uint64_t off);
ENV(input_load_u64) uint64_t env_input_load_u64(uint64_t off);
ENV(output_set) void env_output_set(uint64_t addr, uint64_t len);
ENV(error_set) void env_error_set(uint64_t h);
ENV(config_get) uint64_t env_config_get(uint64_t key);
ENV(http_request) uint64_t env_http_request(uint64_t req, uint64_t body);
ENV(http_status_code) int32_t env_http_status_code(void);
ENV(log_info) void env_log_info(uint64_t msg);
ENV(log_warn) void env_log_warn(uint64_t msg);
ENV(log_debug) void env_log_debug(uint64_t msg);
ENV(log_error) void env_log_error(uint64_t msg);

static inline uint64_t g_strlen(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* A new block holding n bytes of src. */
static inline uint64_t g_block(const void *src, uint64_t n)
{
    const uint8_t *s = (const uint8_t *)src;
    uint64_t h = env_alloc(n), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        __builtin_memcpy(&v, s + i, 8);
        env_store_u64(h + i, v);
    }
    for (; i < n; i++)
        env_store_u8(h + i, s[i]);
    return h;
}

/* n bytes of block h into dst. */
static inline void g_read(uint64_t h, void *dst, uint64_t n)
{
    uint8_t *d = (uint8_t *)dst;
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = env_load_u64(h + i);
        __builtin_memcpy(d + i, &v, 8);
    }
    for (; i < n; i++)
        d[i] = (uint8_t)env_load_u8(h + i);
}

/* The input, at most cap bytes of it, into dst; its length. */
static inline uint64_t g_input(void *dst, uint64_t cap)
{
    uint8_t *d = (uint8_t *)dst;
    uint64_t n = env_input_length(), i = 0;
    if (n > cap)
        n = cap;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = env_input_load_u64(i);
        __builtin_memcpy(d + i, &v, 8);
    }
    for (; i < n; i++)
        d[i] = (uint8_t)env_input_load_u8(i);
    return n;
}

static inline uint64_t g_str(const char *s) { return g_block(s, g_strlen(s)); }
static inline void g_output(const void *p, uint64_t n) { env_output_set(g_block(p, n), n); }
static inline void g_output_str(const char *s) { g_output(s, g_strlen(s)); }
static inline void g_error(const char *s) { env_error_set(g_str(s)); }

#endif
