/*
** wasm_plugins.h — what the Wasm host tests (test_wasm_plugins_*.c) share:
** a temporary folder per test holding the configuration (and whatever
** else a test puts there: manifests, copies of plugins, files for WASI),
** opening a host on it, and calling plugins with text in and text out.
**
** Each Criterion case runs in its own process, so one folder per process
** is enough; wp_cleanup (the suites' .fini) removes it with everything in
** it. Everything here goes through the public API only.
*/
#ifndef PL_TEST_WASM_PLUGINS_H
#define PL_TEST_WASM_PLUGINS_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plinth/plinth.h"

#define WP_EXAMPLE(name) PL_PLUGIN_DIR "/wasm/" name ".wasm"
#define WP_NATIVE(name) PL_PLUGIN_DIR "/native/" name ".so"
#define WP_PLUGIN(name) PL_WP_PLUGINS "/" name ".wasm"

static char wp_dir[64];

/* The test's folder (made on first use). */
static inline const char *wp_tmp(void)
{
    if (!wp_dir[0]) {
        snprintf(wp_dir, sizeof wp_dir, "/tmp/plinth-wp-XXXXXX");
        cr_assert_not_null(mkdtemp(wp_dir), "mkdtemp");
    }
    return wp_dir;
}

static inline int wp_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void wp_cleanup(void)
{
    if (wp_dir[0])
        nftw(wp_dir, wp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    wp_dir[0] = '\0';
}

/* Write a file under the test's folder (path relative to it); the full
** path in out (may be NULL). */
static inline void wp_write(const char *rel, const char *text, char *out, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", wp_tmp(), rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    if (out)
        snprintf(out, n, "%s", path);
}

/* Copy file src to the test's folder as rel; the full path in out. */
static inline void wp_copy(const char *src, const char *rel, char *out, size_t n)
{
    FILE *in = fopen(src, "rb");
    cr_assert_not_null(in, "%s (is the test plugin built?)", src);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", wp_tmp(), rel);
    FILE *o = fopen(path, "wb");
    cr_assert_not_null(o, "%s", path);
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, k, o), k);
    fclose(in);
    fclose(o);
    if (out)
        snprintf(out, n, "%s", path);
}

/* Open a host on a configuration made from fmt (TOML); err receives the
** message when it fails. */
static inline pl_status wp_try_open(pl_host **h, char *err, size_t errlen, const char *fmt,
                                    va_list ap) __attribute__((format(printf, 4, 0)));
static inline pl_status wp_try_open(pl_host **h, char *err, size_t errlen, const char *fmt,
                                    va_list ap)
{
    char *toml = NULL;
    cr_assert_geq(vasprintf(&toml, fmt, ap), 0);
    char path[512];
    wp_write("plinth.toml", toml, path, sizeof path);
    free(toml);
    *h = NULL;
    /* Remembered permission answers ($XDG_CONFIG_HOME/plinth/grants.toml by
    ** default) come from the test's folder, never from the real home. */
    setenv("XDG_CONFIG_HOME", wp_tmp(), 1);
    return pl_host_open(path, h, err, errlen);
}

static inline pl_host *wp_open(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline pl_host *wp_open(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char err[2048];
    pl_host *h;
    pl_status st = wp_try_open(&h, err, sizeof err, fmt, ap);
    va_end(ap);
    cr_assert_eq(st, PL_OK, "pl_host_open: %s", err);
    return h;
}

/* The plugin's state after loading (its error message in *error). */
static inline pl_plugin_state wp_state(pl_host *h, const char *name, const char **error)
{
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, name, &pi), PL_OK, "no plugin '%s'", name);
    if (error)
        *error = pi.error ? pi.error : "";
    return pi.state;
}

static inline void wp_ready(pl_host *h, const char *name)
{
    const char *e;
    cr_assert_eq(wp_state(h, name, &e), PL_PLUGIN_READY, "plugin '%s' is not ready: %s", name, e);
}

static inline pl_call *wp_call_new(void)
{
    pl_call *c = NULL;
    cr_assert_eq(pl_call_new(&c), PL_OK);
    return c;
}

/* pl_plugin_call with text in; *out the output text (pl_free), NULL on
** failure. */
static inline pl_status wp_pcall(pl_host *h, const char *plugin, const char *fn, const char *in,
                                 pl_call *c, char **out)
{
    void *o = NULL;
    size_t n = 0;
    pl_status st = pl_plugin_call(h, plugin, fn, in, in ? strlen(in) : 0, c, &o, &n);
    *out = o;
    if (st == PL_OK)
        cr_assert_eq(strlen(o), n, "%s.%s: the output has a NUL in it", plugin, fn);
    return st;
}

/* A call that must succeed with exactly `want` as its output. */
static inline void wp_expect_output(pl_host *h, const char *plugin, const char *fn,
                                    const char *in, const char *want)
{
    pl_call *c = wp_call_new();
    char *out;
    pl_status st = wp_pcall(h, plugin, fn, in, c, &out);
    cr_assert_eq(st, PL_OK, "%s.%s: %s: %s", plugin, fn, pl_status_str(st),
                 pl_call_error_message(c));
    cr_assert_str_eq(out, want, "%s.%s: got %s", plugin, fn, out);
    pl_free(out);
    pl_call_free(c);
}

static inline json_t *wp_json(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text ? text : "", JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, text ? text : "(null)");
    return v;
}

/* A stream as it arrived: every chunk's wire JSON, in order. */
typedef struct wp_stream {
    json_t *chunks;
    int done;
} wp_stream;

static inline int wp_on_chunk(void *user, const pl_chunk *c)
{
    wp_stream *s = user;
    cr_assert_eq(s->done, 0, "a chunk after DONE");
    cr_assert_not_null(c->json);
    if (!s->chunks)
        s->chunks = json_array();
    json_array_append_new(s->chunks, wp_json(c->json));
    s->done += c->kind == PL_CHUNK_DONE;
    return 0;
}

/* The text chunks of a stream joined, into out. */
static inline void wp_stream_text(const wp_stream *s, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(s->chunks); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(s->chunks, i), "text"));
        if (t)
            len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s", t);
    }
    cr_assert_lt(len, n, "more streamed text than the test expects");
}

/* Whether s contains every one of the NULL-terminated needles. */
static inline bool wp_has_all(const char *s, ...)
{
    va_list ap;
    va_start(ap, s);
    bool all = s != NULL;
    for (const char *n; all && (n = va_arg(ap, const char *));)
        all = strstr(s, n) != NULL;
    va_end(ap);
    return all;
}

#endif
