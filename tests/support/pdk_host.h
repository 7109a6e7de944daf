/*
** pdk_host.h — run the example Wasm plugins (<build>/plugins/wasm/NAME.wasm)
** through plinth's Extism host (src/extism/extism.h) in tests (prefix tw_).
** Header-only, because only test programs built with the host use it
** (PL_HAVE_EXTISM, set by plugins/wasm/CMakeLists.txt when the host is in
** the build); pl_support, which the benches link too, stays without it.
**
** What a plugin gets: the config pairs given to tw_open, the host
** function extism:host/user.qmt_yield_chunk (its chunks are collected in
** tw.chunks), and in place of a WASI implementation three
** wasi_snapshot_preview1 functions that make runs deterministic:
** clock_time_get answers TW_CLOCK_NS, poll_oneoff returns at once (a
** sleep takes no time), fd_write swallows output. Nothing else is linked:
** a plugin that imports more fails to load, which the tests want to know.
*/
#ifndef PL_TESTS_PDK_HOST_H
#define PL_TESTS_PDK_HOST_H

#ifdef PL_HAVE_EXTISM

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extism/extism.h"

/* 2024-02-29T13:05:07.250Z, what "now" is for the plugins. */
#define TW_CLOCK_NS 1709211907250000000ull

typedef struct tw {
    char name[64];
    uint8_t *bytes;
    plw_module *m;
    ple_host *h;
    ple_plugin *p;
    char **chunks; /* qmt_yield_chunk arguments, NUL-terminated */
    size_t n_chunks;
} tw;

static inline int tw_clock(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    uint64_t *out = plw_memory_at(plw_host_instance(cx), (uint32_t)s[2], 8);
    if (!out)
        return plw_host_trap(cx, "clock_time_get: bad pointer");
    uint64_t t = TW_CLOCK_NS;
    memcpy(out, &t, 8);
    s[0] = 0;
    return 0;
}

static inline int tw_poll(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    uint32_t *nevents = plw_memory_at(plw_host_instance(cx), (uint32_t)s[3], 4);
    if (nevents)
        *nevents = 0;
    s[0] = 0;
    return 0;
}

static inline int tw_fd_write(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)cx, (void)u;
    s[0] = 8; /* EBADF: nobody listens */
    return 0;
}

static inline int tw_yield(plw_host_ctx *cx, plw_cell *s, void *u)
{
    tw *t = u;
    ple_plugin *p = ple_from(cx);
    uint64_t h = s[0];
    size_t n = (size_t)ple_len(p, h);
    const char *data = ple_ptr(p, h);
    char *copy = malloc(n + 1);
    cr_assert_not_null(copy);
    memcpy(copy, data ? data : "", n);
    copy[n] = '\0';
    t->chunks = realloc(t->chunks, (t->n_chunks + 1) * sizeof *t->chunks);
    cr_assert_not_null(t->chunks);
    t->chunks[t->n_chunks++] = copy;
    return 0;
}

/* Load plugins/wasm/<name>.wasm and make one instance; config: n pairs. */
static inline void tw_open(tw *t, const char *name, const ple_kv *config, size_t n)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s.wasm", name);
    char path[1024];
    snprintf(path, sizeof path, "%s/wasm/%s", PL_PLUGIN_DIR, t->name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s (is the plugin built?)", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    t->bytes = malloc((size_t)len);
    cr_assert_eq(fread(t->bytes, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    pl_err e;
    plu_err_clear(&e);
    cr_assert_eq(plw_module_load(t->bytes, (size_t)len, t->name, &t->m, &e), PL_OK, "%s", e.msg);
    ple_options o;
    ple_options_init(&o);
    o.config = config;
    o.n_config = n;
    const ple_host_fn fns[] = {
        {NULL, "qmt_yield_chunk", "(I)", tw_yield, t},
        {"wasi_snapshot_preview1", "clock_time_get", "(iIi)i", tw_clock, NULL},
        {"wasi_snapshot_preview1", "poll_oneoff", "(iiii)i", tw_poll, NULL},
        {"wasi_snapshot_preview1", "fd_write", "(iiii)i", tw_fd_write, NULL},
    };
    o.host_fns = fns;
    o.n_host_fns = sizeof fns / sizeof fns[0];
    cr_assert_eq(ple_host_new(t->m, &o, &t->h, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(ple_plugin_new(t->h, &t->p, &e), PL_OK, "%s", e.msg);
}

static inline void tw_drop_chunks(tw *t)
{
    for (size_t i = 0; i < t->n_chunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    t->chunks = NULL;
    t->n_chunks = 0;
}

static inline void tw_close(tw *t)
{
    ple_plugin_free(t->p);
    ple_host_free(t->h);
    plw_module_free(t->m);
    free(t->bytes);
    tw_drop_chunks(t);
    memset(t, 0, sizeof *t);
}

/*
** tw_call — call export fn with the text in. Returns the status; *out
** gets the output (NUL-terminated, malloc; "" when there is none), *err
** the error text when the call failed (else NULL). Either may be NULL.
*/
static inline pl_status tw_call_n(tw *t, const char *fn, const char *in, size_t len, char **out,
                                  char **err)
{
    ple_result r;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = ple_call(t->p, fn, in, len, NULL, &r, &e);
    if (out) {
        *out = malloc(r.output_len + 1);
        memcpy(*out, r.output ? (const char *)r.output : "", r.output_len);
        (*out)[r.output_len] = '\0';
    }
    if (err) {
        *err = NULL;
        if (st != PL_OK) {
            const char *msg = r.error ? r.error : e.msg;
            size_t n = r.error ? r.error_len : strlen(e.msg);
            *err = malloc(n + 1);
            memcpy(*err, msg, n);
            (*err)[n] = '\0';
        }
    }
    return st;
}

static inline pl_status tw_call(tw *t, const char *fn, const char *in, char **out, char **err)
{
    return tw_call_n(t, fn, in, in ? strlen(in) : 0, out, err);
}

/* The output of a call that must succeed (free it). */
static inline char *tw_ok(tw *t, const char *fn, const char *in)
{
    char *out, *err;
    pl_status st = tw_call(t, fn, in, &out, &err);
    cr_assert_eq(st, PL_OK, "%s %s(%.200s): %s", t->name, fn, in ? in : "", err ? err : "?");
    free(err);
    return out;
}

/* The error text of a call that must fail with rc 1 (free it). */
static inline char *tw_fails(tw *t, const char *fn, const char *in)
{
    char *out, *err;
    pl_status st = tw_call(t, fn, in, &out, &err);
    cr_assert_eq(st, PL_E_PLUGIN, "%s %s(%.200s) gave %d: %s", t->name, fn, in ? in : "", st, out);
    free(out);
    return err;
}

#endif /* PL_HAVE_EXTISM */
#endif
