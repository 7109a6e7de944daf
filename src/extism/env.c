/*
** env.c — `extism:host/env`: Extism memory and input/output imports, the
** error, config and log functions, and the table of every import.
**
** load_*, store_* and input_load_* run for every 8 bytes a plugin moves,
** so they are kept to a bounds check and a memcpy. Out-of-range loads
** return 0 and out-of-range stores are dropped, as with the reference
** kernel's bounds checking: the range is the part of the arena in use in
** this call, not the one block (the kernel checks against its memory size).
** Every function tolerates a NULL plugin (the instance's start function
** calling imports before ple_plugin_new could attach itself) by trapping.
*/
#include <stdio.h>
#include <string.h>

#include "extism/extism_int.h"

#define NO_PLUGIN "Extism functions cannot run in the module's start function"

int ple_fail(plw_host_ctx *cx, ple_plugin *p, pl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->fail_msg, sizeof p->fail_msg, fmt, ap);
    va_end(ap);
    p->fail = st;
    return plw_host_trap(cx, "%s", p->fail_msg);
}

/* ---- memory ------------------------------------------------------------------------ */

static int x_alloc(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    ple_mem_release_pending(&p->mem);
    s[0] = ple_mem_alloc(&p->mem, s[0]);
    return 0;
}

static int x_free(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    ple_mem_free_now(&p->mem, s[0]);
    return 0;
}

/* length and length_unsafe: the table makes the checked one O(1), so the
** unchecked one need not trust its argument. */

/* The hot imports are light host functions (plw_linker_fast): no context,
** no trap. Out-of-range reads give 0 and out-of-range writes are dropped,
** as the reference kernel's bounds checking does; before the instance has
** its plugin (its start function) they do nothing. */
static plw_cell x_load_u8(void *data, const plw_cell *s)
{
    const ple_plugin *p = data;
    uint64_t a = s[0];
    return p && a >= PLE_H_MIN && a < p->mem.top ? p->mem.base[a] : 0;
}

static plw_cell x_load_u64(void *data, const plw_cell *s)
{
    const ple_plugin *p = data;
    uint64_t a = s[0], v = 0;
    if (p && a >= PLE_H_MIN && a <= p->mem.top - 8) /* top >= PLE_H_MIN = 8 */
        memcpy(&v, p->mem.base + a, 8);
    return v;
}

static plw_cell x_store_u8(void *data, const plw_cell *s)
{
    ple_plugin *p = data;
    uint64_t a = s[0];
    if (p && a >= PLE_H_MIN && a < p->mem.top)
        p->mem.base[a] = (uint8_t)s[1];
    return 0;
}

static plw_cell x_store_u64(void *data, const plw_cell *s)
{
    ple_plugin *p = data;
    uint64_t a = s[0], v = s[1];
    if (p && a >= PLE_H_MIN && a <= p->mem.top - 8)
        memcpy(p->mem.base + a, &v, 8);
    return 0;
}

/* The length of a live block, 0 for anything else (as the kernel says). */
static plw_cell x_length(void *data, const plw_cell *s)
{
    ple_plugin *p = data;
    const ple_block *b = p ? ple_mem_block(&p->mem, s[0]) : NULL;
    return b ? b->used : 0;
}

/* ---- input and output ----------------------------------------------------------------- */

static plw_cell x_input_length(void *data, const plw_cell *s)
{
    (void)s;
    const ple_plugin *p = data;
    return p ? p->mem.input_len : 0;
}

static plw_cell x_input_offset(void *data, const plw_cell *s)
{
    (void)s;
    const ple_plugin *p = data;
    return p ? p->mem.input : 0;
}

static plw_cell x_input_load_u8(void *data, const plw_cell *s)
{
    const ple_plugin *p = data;
    uint64_t off = s[0];
    return p && off < p->mem.input_len ? p->mem.base[p->mem.input + off] : 0;
}

static plw_cell x_input_load_u64(void *data, const plw_cell *s)
{
    const ple_plugin *p = data;
    uint64_t off = s[0], v = 0;
    if (p && off < p->mem.input_len && p->mem.input_len - off >= 8)
        memcpy(&v, p->mem.base + p->mem.input + off, 8);
    return v;
}

/* The output is exactly [addr, addr + len) (the Rust and Go hosts), which
** may lie inside a block (the C PDK's output_set_from_handle). A range
** outside the memory in use is ignored, as the kernel does. */
static int x_output_set(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    uint64_t a = s[0], n = s[1];
    if (n == 0) {
        p->mem.output = p->mem.output_len = 0;
    } else if (a >= PLE_H_MIN && a < p->mem.top && n <= p->mem.top - a) {
        p->mem.output = a;
        p->mem.output_len = n;
    }
    return 0;
}

/* Any in-range address is recorded (the kernel); whether it counts as an
** error is decided after the call: a live, non-empty block (the Rust host
** reads it with `length`). */
static int x_error_set(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    uint64_t h = s[0];
    if (h == 0 || (h >= PLE_H_MIN && h < p->mem.top))
        p->mem.error = h;
    return 0;
}

static int x_error_get(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    const ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    s[0] = p->mem.error;
    return 0;
}

int ple_set_error(ple_plugin *p, const char *msg, size_t len)
{
    if (!p)
        return -1;
    uint64_t h = len ? ple_alloc_bytes(p, msg, len) : 0;
    if (len && !h)
        return -1;
    p->mem.error = h;
    return 0;
}

/* ---- config ------------------------------------------------------------------------ */

static const ple_conf *find_conf(const ple_host *h, const uint8_t *k, size_t n)
{
    for (size_t i = 0; i < h->n_conf; i++)
        if (h->conf[i].klen == n && memcmp(h->conf[i].key, k, n) == 0)
            return &h->conf[i];
    return NULL;
}

const char *ple_config(const ple_plugin *p, const char *key)
{
    if (!p || !key)
        return NULL;
    const ple_conf *c = find_conf(p->host, (const uint8_t *)key, strlen(key));
    return c ? c->value : NULL;
}

/* A value comes back in a new block (0 when absent or empty, as in the
** Rust host); the key block is consumed. */
static int x_config_get(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    const uint8_t *k;
    size_t n;
    if (!ple_block_bytes(p, s[0], &k, &n))
        return ple_fail(cx, p, PL_E_INVALID_ARG,
                        "invalid handle offset for config key: %llu", (unsigned long long)s[0]);
    const ple_conf *c = find_conf(p->host, k, n);
    uint64_t key = s[0];
    s[0] = c ? ple_alloc_bytes(p, c->value, c->vlen) : 0;
    if (c && c->vlen && !s[0])
        return ple_fail(cx, p, PL_E_LIMIT, "config_get: out of Extism memory");
    ple_mem_free_later(&p->mem, key);
    return 0;
}

/* ---- logging ------------------------------------------------------------------------- */

static int log_at(plw_host_ctx *cx, plw_cell *s, int level)
{
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    const ple_options *o = &p->host->o;
    const uint8_t *t;
    size_t n;
    if (!ple_block_bytes(p, s[0], &t, &n))
        return ple_fail(cx, p, PL_E_INVALID_ARG,
                        "invalid handle offset for log message: %llu", (unsigned long long)s[0]);
    if (o->log && level >= o->log_level)
        o->log(o->log_user, level, (const char *)t, n);
    ple_mem_free_later(&p->mem, s[0]);
    return 0;
}

static int x_log_trace(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    return log_at(cx, s, PLE_LOG_TRACE);
}
static int x_log_debug(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    return log_at(cx, s, PLE_LOG_DEBUG);
}
static int x_log_info(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    return log_at(cx, s, PLE_LOG_INFO);
}
static int x_log_warn(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    return log_at(cx, s, PLE_LOG_WARN);
}
static int x_log_error(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    return log_at(cx, s, PLE_LOG_ERROR);
}

/* Off (no callback, or a level past error) reads as INT32_MAX, as in the
** Rust host, so PDKs skip building messages nobody reads. */
static int x_get_log_level(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    const ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    const ple_options *o = &p->host->o;
    int lv = o->log_level < 0 ? 0 : o->log_level;
    s[0] = (uint32_t)(o->log && lv < PLE_LOG_OFF ? lv : INT32_MAX);
    return 0;
}

/* ---- the table ---------------------------------------------------------------------- */

static const ple_import imports[] = {
    { "alloc", "(I)I", x_alloc, NULL },
    { "config_get", "(I)I", x_config_get, NULL },
    { "error_get", "()I", x_error_get, NULL },
    { "error_set", "(I)", x_error_set, NULL },
    { "free", "(I)", x_free, NULL },
    { "get_log_level", "()i", x_get_log_level, NULL },
    { "http_headers", "()I", ple_http_headers, NULL },
    { "http_request", "(II)I", ple_http_request, NULL },
    { "http_status_code", "()i", ple_http_status_code, NULL },
    { "input_length", "()I", NULL, x_input_length },
    { "input_load_u64", "(I)I", NULL, x_input_load_u64 },
    { "input_load_u8", "(I)i", NULL, x_input_load_u8 },
    { "input_offset", "()I", NULL, x_input_offset },
    { "length", "(I)I", NULL, x_length },
    { "length_unsafe", "(I)I", NULL, x_length },
    { "load_u64", "(I)I", NULL, x_load_u64 },
    { "load_u8", "(I)i", NULL, x_load_u8 },
    { "log_debug", "(I)", x_log_debug, NULL },
    { "log_error", "(I)", x_log_error, NULL },
    { "log_info", "(I)", x_log_info, NULL },
    { "log_trace", "(I)", x_log_trace, NULL },
    { "log_warn", "(I)", x_log_warn, NULL },
    { "output_set", "(II)", x_output_set, NULL },
    { "store_u64", "(II)", NULL, x_store_u64 },
    { "store_u8", "(Ii)", NULL, x_store_u8 },
    { "var_get", "(I)I", ple_var_get, NULL },
    { "var_set", "(II)", ple_var_set, NULL },
};

const ple_import *ple_import_find(const char *name)
{
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++)
        if (strcmp(imports[i].name, name) == 0)
            return &imports[i];
    return NULL;
}
