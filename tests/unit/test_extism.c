/*
** test_extism.c — the Extism ABI (src/extism): every `extism:host/env`
** import, the pre-1.0 `env` names, user host functions, runtime
** initialisation, the call convention, limits, and the WASI seam.
**
** Plugins are the C and .wat files of tests/data/extism, built
** into PL_EXTISM_PLUGINS (tests/data/extism/plugins.cmake). HTTP goes to
** the local upstream (tests/support/upstream.h).
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extism/extism.h"
#include "extism/extism_int.h"
#include "upstream.h"
#include "wasm/wasi/wasi.h"

#ifndef PL_EXTISM_PLUGINS
#  define PL_EXTISM_PLUGINS ""
#  define NO_PLUGINS 1
#endif

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct fx {
    uint8_t *bytes;
    plw_module *m;
    ple_host *h;
    ple_plugin *p;
} fx;

static plw_module *load_module(const char *name, uint8_t **bytes)
{
#ifdef NO_PLUGINS
    cr_skip_test("the Extism test plugins were not built (clang-19, wat2wasm)");
#endif
    char path[1024], mname[128];
    snprintf(path, sizeof path, "%s/%s.wasm", PL_EXTISM_PLUGINS, name);
    snprintf(mname, sizeof mname, "%s.wasm", name);
    pl_err e;
    plu_err_clear(&e);
    char *b = NULL;
    size_t len = 0;
    cr_assert_eq(plu_read_file(path, &b, &len, &e), PL_OK, "%s", e.msg);
    plw_module *m = NULL;
    cr_assert_eq(plw_module_load((uint8_t *)b, len, mname, &m, &e), PL_OK, "%s", e.msg);
    *bytes = (uint8_t *)b;
    return m;
}

static fx open_host(const char *name, const ple_options *o)
{
    fx f = { 0 };
    f.m = load_module(name, &f.bytes);
    pl_err e;
    plu_err_clear(&e);
    ple_options def;
    ple_options_init(&def);
    cr_assert_eq(ple_host_new(f.m, o ? o : &def, &f.h, &e), PL_OK, "%s", e.msg);
    return f;
}

static fx open_plugin(const char *name, const ple_options *o)
{
    fx f = open_host(name, o);
    pl_err e;
    plu_err_clear(&e);
    cr_assert_eq(ple_plugin_new(f.h, &f.p, &e), PL_OK, "%s", e.msg);
    return f;
}

static void close_fx(fx *f)
{
    ple_plugin_free(f->p);
    ple_host_free(f->h);
    plw_module_free(f->m);
    plu_free(f->bytes);
}

/* Call that must succeed; the output as a NUL-terminated copy in out. */
static void call_ok(ple_plugin *p, const char *func, const char *in, char *out, size_t outlen)
{
    ple_result r;
    pl_err e;
    pl_status st = ple_call(p, func, in, in ? strlen(in) : 0, NULL, &r, &e);
    cr_assert_eq(st, PL_OK, "%s: %s (status %d)", func, e.msg, (int)st);
    cr_assert_eq(r.rc, 0);
    cr_assert_null(r.error);
    cr_assert_lt(r.output_len, outlen, "%s: output too long", func);
    memcpy(out, r.output ? (const char *)r.output : "", r.output_len);
    out[r.output_len] = '\0';
}

static void expect_output(ple_plugin *p, const char *func, const char *in, const char *want)
{
    char out[4096];
    call_ok(p, func, in, out, sizeof out);
    cr_assert_str_eq(out, want, "%s(%s)", func, in ? in : "");
}

static uint64_t output_u64(const ple_result *r)
{
    uint64_t v = 0;
    cr_assert_eq(r->output_len, 8);
    memcpy(&v, r->output, 8);
    return v;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return true;
    return false;
}

static ple_options user_options(void);

/* ---- input, output, the call convention --------------------------------------------- */

Test(extism, count_vowels)
{
    fx f = open_plugin("kitchen", NULL);
    expect_output(f.p, "count_vowels", "Hello, World!", "{\"count\": 3}");
    expect_output(f.p, "count_vowels", "", "{\"count\": 0}");
    expect_output(f.p, "count_vowels", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "{\"count\": 30}");
    close_fx(&f);
    ple_options o = user_options();
    fx g = open_plugin("nolibc", &o);
    expect_output(g.p, "count_vowels", "Hello, World!", "{\"count\": 3}");
    close_fx(&g);
}

Test(extism, many_calls_recycle_handles)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    int bad = 0; /* counted, not asserted per call: --full-stats records every assertion */
    for (int i = 0; i < 20000; i++)
        bad += ple_call(f.p, "count_vowels", "Hello, World!", 13, NULL, &r, NULL) != PL_OK ||
               r.output_len != 12;
    cr_assert_eq(bad, 0);
    cr_assert_lt(f.p->mem.size, 64 * 1024, "Extism memory grew: %" PRIu64, f.p->mem.size);
    close_fx(&f);
}

Test(extism, echo_through_input_offset)
{
    fx f = open_plugin("kitchen", NULL);
    size_t n = 60000;
    char *in = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)('a' + i % 26);
    in[n] = '\0';
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "echo_offset", in, n, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(r.output_len, n);
    cr_assert_eq(memcmp(r.output, in, n), 0);
    expect_output(f.p, "echo_offset", "", "");
    expect_output(f.p, "echo_offset", "xyz", "xyz");
    free(in);
    close_fx(&f);
}

Test(extism, input_loads_past_the_end_are_zero)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    cr_assert_eq(ple_call(f.p, "probe_input", "0123456789ab", 12, NULL, &r, NULL), PL_OK);
    uint64_t v[5];
    cr_assert_eq(r.output_len, sizeof v);
    memcpy(v, r.output, sizeof v);
    uint64_t last8;
    memcpy(&last8, "456789ab", 8);
    cr_assert_eq(v[0], 0);
    cr_assert_eq(v[1], 0);
    cr_assert_eq(v[2], 0);
    cr_assert_eq(v[3], last8);
    cr_assert_eq(v[4], 0);
    cr_assert_eq(ple_call(f.p, "probe_input", "abc", 3, NULL, &r, NULL), PL_OK);
    memcpy(v, r.output, sizeof v);
    cr_assert_eq(v[0] | v[1] | v[2] | v[3] | v[4], 0, "a 3-byte input has no full u64");
    close_fx(&f);
}

Test(extism, error_set_with_rc_0_still_fails)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "fail_rc0", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.error_len, strlen("boom with rc 0"));
    cr_assert_eq(memcmp(r.error, "boom with rc 0", r.error_len), 0);
    cr_assert_str_eq(e.msg, "boom with rc 0");
    cr_assert_eq(r.output_len, 7, "the output is still reported");
    cr_assert_not(r.dead);
    expect_output(f.p, "count_vowels", "ae", "{\"count\": 2}");
    close_fx(&f);
}

Test(extism, error_set_with_rc_1_and_plain_rc)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "fail_rc1", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 1);
    cr_assert_str_eq(e.msg, "bad input");
    cr_assert_eq(ple_call(f.p, "rc_only", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 3);
    cr_assert_str_eq(e.msg, "'rc_only' returned non-zero exit code: 3");
    cr_assert_eq(r.error_len, strlen(e.msg));
    /* error_set on an address that is not a block start is no error */
    cr_assert_eq(ple_call(f.p, "error_inside", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    /* an export without a result */
    expect_output(f.p, "nothing", NULL, "v");
    close_fx(&f);
}

Test(extism, exports_that_are_not_extism_functions)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "no_such", NULL, 0, NULL, &r, &e), PL_E_NOT_FOUND);
    cr_assert(strstr(e.msg, "function not found: 'no_such'"), "%s", e.msg);
    cr_assert_eq(ple_call(f.p, "with_param", NULL, 0, NULL, &r, &e), PL_E_INVALID_ARG);
    cr_assert(strstr(e.msg, "not an Extism function"), "%s", e.msg);
    cr_assert_eq(ple_call(f.p, "memory", NULL, 0, NULL, &r, &e), PL_E_NOT_FOUND);
    expect_output(f.p, "nothing", NULL, "v");
    close_fx(&f);
}

Test(extism, output_inside_a_block)
{
    fx f = open_plugin("kitchen", NULL);
    expect_output(f.p, "output_inside", NULL, "cde");
    close_fx(&f);
}

Test(extism, globals_persist_across_calls)
{
    fx f = open_plugin("kitchen", NULL);
    expect_output(f.p, "globals", NULL, "1");
    expect_output(f.p, "globals", NULL, "2");
    expect_output(f.p, "globals", NULL, "3");
    ple_plugin *q;
    cr_assert_eq(ple_plugin_new(f.h, &q, NULL), PL_OK);
    expect_output(q, "globals", NULL, "1");
    ple_plugin_free(q);
    close_fx(&f);
}

/* ---- Extism memory --------------------------------------------------------------------- */

Test(extism, handle_edge_cases)
{
    fx f = open_plugin("kitchen", NULL);
    expect_output(f.p, "handles", NULL, "ok");
    expect_output(f.p, "handles", "with an input block first", "ok");
    close_fx(&f);
}

Test(extism, handles_are_reused_after_reset)
{
    fx f = open_plugin("kitchen", NULL);
    char a[64], b[64];
    call_ok(f.p, "first_handle", "x", a, sizeof a);
    for (int i = 0; i < 5; i++) {
        call_ok(f.p, "first_handle", "x", b, sizeof b);
        cr_assert_str_eq(a, b, "the first handle of a call changed");
    }
    cr_assert_neq(strtoull(a, NULL, 10), 0);
    close_fx(&f);
}

Test(extism, memory_cap_applies_to_extism_memory)
{
    ple_options o;
    ple_options_init(&o);
    o.limits.mem_bytes = 1u << 20;
    fx f = open_plugin("kitchen", &o);
    uint64_t n = 512 * 1024;
    ple_result r;
    cr_assert_eq(ple_call(f.p, "alloc_n", &n, 8, NULL, &r, NULL), PL_OK);
    cr_assert_eq(r.output_len, 6);
    cr_assert_eq(memcmp(r.output, "524288", 6), 0);
    n = 2u << 20;
    cr_assert_eq(ple_call(f.p, "alloc_n", &n, 8, NULL, &r, NULL), PL_OK);
    cr_assert_eq(r.output_len, 1);
    cr_assert_eq(r.output[0], '0', "an allocation over the cap returns 0");
    char *big = calloc(1, 2u << 20);
    pl_err e;
    cr_assert_eq(ple_call(f.p, "count_vowels", big, 2u << 20, NULL, &r, &e), PL_E_LIMIT);
    cr_assert(strstr(e.msg, "does not fit in Extism memory"), "%s", e.msg);
    free(big);
    expect_output(f.p, "count_vowels", "a", "{\"count\": 1}");
    close_fx(&f);
}

Test(extism, a_large_call_gives_its_memory_back)
{
    fx f = open_plugin("kitchen", NULL);
    size_t n = 8u << 20;
    char *big = calloc(1, n);
    ple_result r;
    cr_assert_eq(ple_call(f.p, "count_vowels", big, n, NULL, &r, NULL), PL_OK);
    cr_assert_geq(f.p->mem.size, n);
    free(big);
    expect_output(f.p, "count_vowels", "a", "{\"count\": 1}");
    expect_output(f.p, "count_vowels", "a", "{\"count\": 1}");
    cr_assert_lt(f.p->mem.size, 1u << 20, "still %" PRIu64 " bytes", f.p->mem.size);
    close_fx(&f);
}

/* ---- config and vars --------------------------------------------------------------------- */

Test(extism, config_get)
{
    ple_kv cfg[] = { { "greeting", "hello" }, { "empty", "" }, { "k2", "v2" } };
    ple_options o;
    ple_options_init(&o);
    o.config = cfg;
    o.n_config = 3;
    fx f = open_plugin("kitchen", &o);
    expect_output(f.p, "config", "greeting", "hello");
    expect_output(f.p, "config", "k2", "v2");
    expect_output(f.p, "config", "missing", "<absent>");
    expect_output(f.p, "config", "empty", "<absent>"); /* empty = 0 handle, as in Rust */
    cr_assert_str_eq(ple_config(f.p, "greeting"), "hello");
    cr_assert_null(ple_config(f.p, "nope"));
    close_fx(&f);
}

Test(extism, vars_persist_per_instance)
{
    fx f = open_plugin("kitchen", NULL);
    expect_output(f.p, "counter", NULL, "1");
    expect_output(f.p, "counter", NULL, "2");
    expect_output(f.p, "counter", NULL, "3");
    ple_plugin *q;
    cr_assert_eq(ple_plugin_new(f.h, &q, NULL), PL_OK);
    expect_output(q, "counter", NULL, "1"); /* not shared between instances */
    ple_plugin_free(q);
    expect_output(f.p, "var", "color=blue", "set");
    expect_output(f.p, "var", "color", "blue");
    expect_output(f.p, "var", "color=", "set"); /* value 0 deletes */
    expect_output(f.p, "var", "color", "<absent>");
    expect_output(f.p, "counter", NULL, "4");
    close_fx(&f);
}

Test(extism, var_byte_cap)
{
    ple_options o;
    ple_options_init(&o);
    o.max_var_bytes = 100; /* one entry: key + value + 48 */
    fx f = open_plugin("kitchen", &o);
    expect_output(f.p, "var", "k=0123456789", "set");       /* 1 + 10 + 48 = 59 */
    expect_output(f.p, "var", "k=01234567890123456789", "set"); /* replaced: 69 */
    ple_result r;
    pl_err e;
    const char *in = "j=0123456789"; /* 69 + 59 > 100 */
    cr_assert_eq(ple_call(f.p, "var", in, strlen(in), NULL, &r, &e), PL_E_LIMIT);
    cr_assert(strstr(e.msg, "Variable store is full"), "%s", e.msg);
    cr_assert(r.dead);
    cr_assert_eq(ple_plugin_renew(f.p, &e), PL_OK, "%s", e.msg);
    expect_output(f.p, "var", "k", "01234567890123456789"); /* kept across renew */
    expect_output(f.p, "var", "j", "<absent>");
    close_fx(&f);
}

Test(extism, vars_disabled)
{
    ple_options o;
    ple_options_init(&o);
    o.max_var_bytes = 0;
    fx f = open_plugin("kitchen", &o);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "counter", NULL, 0, NULL, &r, &e), PL_E_DENIED);
    cr_assert_str_eq(e.msg, "Vars are disabled by this host");
    cr_assert_eq(r.error_len, strlen(e.msg));
    close_fx(&f);
}

/* ---- logging ---------------------------------------------------------------------------- */

static char log_seen[512];

static void log_cb(void *user, int level, const char *text, size_t len)
{
    cr_assert_eq(user, (void *)log_seen);
    size_t k = strlen(log_seen);
    snprintf(log_seen + k, sizeof log_seen - k, "%d:%.*s;", level, (int)len, text);
}

static void run_logs(int level, bool with_cb, const char *want_level, const char *want_log)
{
    ple_options o;
    ple_options_init(&o);
    o.log_level = level;
    o.log = with_cb ? log_cb : NULL;
    o.log_user = log_seen;
    log_seen[0] = '\0';
    fx f = open_plugin("kitchen", &o);
    expect_output(f.p, "logs", NULL, want_level);
    cr_assert_str_eq(log_seen, want_log);
    close_fx(&f);
}

Test(extism, log_levels)
{
    run_logs(PLE_LOG_INFO, true, "2", "2:i-msg;3:w-msg;4:e-msg;");
    run_logs(PLE_LOG_TRACE, true, "0", "0:t-msg;1:d-msg;2:i-msg;3:w-msg;4:e-msg;");
    run_logs(PLE_LOG_ERROR, true, "4", "4:e-msg;");
    run_logs(PLE_LOG_OFF, true, "2147483647", "");
    run_logs(PLE_LOG_TRACE, false, "2147483647", "");
}

/* ---- HTTP ------------------------------------------------------------------------------ */

static upstream *U;

static void start_upstream(void)
{
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U);
}

static void stop_upstream(void)
{
    upstream_stop(U);
    U = NULL;
}

typedef struct http_fx {
    fx f;
    pln_client *c;
} http_fx;

static http_fx open_http(const char *const *hosts, size_t n, bool headers, size_t max_body)
{
    pl_err e;
    http_fx h;
    h.c = pln_client_new(&e);
    cr_assert_not_null(h.c, "%s", e.msg);
    ple_options o;
    ple_options_init(&o);
    o.http = h.c;
    o.allowed_hosts = hosts;
    o.n_allowed_hosts = n;
    o.http_response_headers = headers;
    if (max_body)
        o.max_http_response_bytes = max_body;
    h.f = open_plugin("kitchen", &o);
    return h;
}

static void close_http(http_fx *h)
{
    close_fx(&h->f);
    pln_client_free(h->c);
}

static const char *req_json(const char *method, const char *path)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "{\"url\": \"%s%s\", \"method\": \"%s\", \"headers\": {\"Authorization\": "
             "\"Bearer sk-test\", \"X-Plugin\": \"kitchen\"}}",
             upstream_url(U), path, method);
    return buf;
}

static const char *const LOCALHOST[] = { "127.0.0.1" };

Test(extism, http_get_allowed, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, false, 0);
    char out[4096];
    call_ok(h.f.p, "http_get", req_json("get", "/v1/models"), out, sizeof out);
    cr_assert(strncmp(out, "200 ", 4) == 0, "%s", out);
    cr_assert(strstr(out, "fake-model"), "%s", out);
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "GET");
    cr_assert_str_eq(upstream_request_header(&rq, "x-plugin"), "kitchen");
    upstream_request_free(&rq);
    close_http(&h);
}

Test(extism, http_post_body_and_status, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, false, 0);
    upstream_fail_next(U, 404, 1, NULL, "not here");
    expect_output(h.f.p, "http_post", req_json("POST", "/anything"), "404 not here");
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "POST");
    cr_assert_str_eq(rq.body, "posted body");
    upstream_request_free(&rq);
    close_http(&h);
}

Test(extism, http_headers_on_and_off, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, true, 0);
    char out[4096];
    call_ok(h.f.p, "http_hdrs", req_json("GET", "/v1/models"), out, sizeof out);
    json_error_t je;
    json_t *o = json_loads(out, 0, &je);
    cr_assert(json_is_object(o), "%s", out);
    cr_assert(strstr(json_string_value(json_object_get(o, "content-type")), "json"), "%s", out);
    json_decref(o);
    close_http(&h);
    http_fx g = open_http(LOCALHOST, 1, false, 0);
    expect_output(g.f.p, "http_hdrs", req_json("GET", "/v1/models"), "<none>");
    close_http(&g);
}

static void expect_denied(http_fx *h, const char *needle)
{
    ple_result r;
    pl_err e;
    const char *rq = req_json("GET", "/v1/models");
    cr_assert_eq(ple_call(h->f.p, "http_get", rq, strlen(rq), NULL, &r, &e), PL_E_DENIED,
                 "%s", e.msg);
    cr_assert(strstr(e.msg, needle), "%s", e.msg);
    cr_assert(r.dead);
    cr_assert(contains(r.error, r.error_len, needle));
    cr_assert_eq(upstream_request_count(U), 0, "a denied request went out");
}

Test(extism, http_denied, .init = start_upstream, .fini = stop_upstream)
{
    static const char *const other[] = { "*.example.com", "api.openai.com" };
    http_fx h = open_http(other, 2, false, 0);
    expect_denied(&h, "host '127.0.0.1' is not in the allow-list");
    close_http(&h);
}

Test(extism, http_empty_allow_list_denies, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(NULL, 0, false, 0);
    expect_denied(&h, "127.0.0.1");
    close_http(&h);
}

Test(extism, http_disabled_without_client, .init = start_upstream, .fini = stop_upstream)
{
    ple_options o;
    ple_options_init(&o);
    o.allowed_hosts = LOCALHOST;
    o.n_allowed_hosts = 1;
    http_fx h = { open_plugin("kitchen", &o), NULL };
    expect_denied(&h, "HTTP is disabled by this host");
    close_fx(&h.f);
}

Test(extism, http_response_cap, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, false, 10);
    ple_result r;
    pl_err e;
    upstream_fail_next(U, 200, 1, NULL, "0123456789a");
    const char *rq = req_json("GET", "/x");
    cr_assert_eq(ple_call(h.f.p, "http_get", rq, strlen(rq), NULL, &r, &e), PL_E_LIMIT);
    cr_assert(strstr(e.msg, "exceeds the configured maximum number of bytes: 10"), "%s", e.msg);
    cr_assert_eq(ple_plugin_renew(h.f.p, NULL), PL_OK);
    upstream_fail_next(U, 200, 1, NULL, "0123456789");
    expect_output(h.f.p, "http_get", rq, "200 0123456789");
    close_http(&h);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

Test(extism, http_bounded_by_the_call_timeout, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, false, 0);
    upstream_set_delay_ms(U, 3000);
    ple_call_opts co = { .timeout_ns = 200u * 1000000u };
    ple_result r;
    pl_err e;
    const char *rq = req_json("GET", "/v1/models");
    uint64_t t0 = now_ms();
    pl_status st = ple_call(h.f.p, "http_get", rq, strlen(rq), &co, &r, &e);
    uint64_t dt = now_ms() - t0;
    cr_assert(st == PL_E_TIMEOUT || st == PL_E_LIMIT, "%d %s", (int)st, e.msg);
    cr_assert_lt(dt, 1500, "took %" PRIu64 " ms", dt);
    upstream_set_delay_ms(U, 0);
    close_http(&h);
}

/* ---- user host functions -------------------------------------------------------------- */

static pl_status reenter_status;

static int h_reverse(plw_host_ctx *cx, plw_cell *s, void *user)
{
    cr_assert_eq(user, (void *)&reenter_status);
    ple_plugin *p = ple_from(cx);
    cr_assert_not_null(p);
    uint64_t n = ple_len(p, s[0]);
    char tmp[4096];
    cr_assert_leq(n, sizeof tmp);
    memcpy(tmp, ple_ptr(p, s[0]), n);
    ple_free(p, s[0]); /* the plugin frees it too, afterwards */
    uint64_t out = ple_alloc(p, n);
    char *dst = ple_ptr(p, out);
    for (uint64_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    s[0] = out;
    return 0;
}

static int h_fail_soft(plw_host_ctx *cx, plw_cell *s, void *user)
{
    ple_plugin *p = ple_from(cx);
    cr_assert_eq(ple_set_error(p, "soft failure", 12), 0);
    return 0;
}

static int h_fail_hard(plw_host_ctx *cx, plw_cell *s, void *user)
{
    return plw_host_trap(cx, "the host said no");
}

static int h_context(plw_host_ctx *cx, plw_cell *s, void *user)
{
    ple_plugin *p = ple_from(cx);
    ple_result r;
    reenter_status = ple_call(p, "count_vowels", "a", 1, NULL, &r, NULL);
    s[0] = (uint64_t)(uintptr_t)ple_call_context(p);
    return 0;
}

static int h_mult(plw_host_ctx *cx, plw_cell *s, void *user)
{
    s[0] = (uint64_t)((int64_t)s[0] * (int64_t)s[1]);
    return 0;
}

static const ple_host_fn USER_FNS[] = {
    { NULL, "reverse", "(I)I", h_reverse, &reenter_status },
    { NULL, "fail_soft", "()", h_fail_soft, NULL },
    { "extism:host/user", "fail_hard", "()", h_fail_hard, NULL },
    { NULL, "context", "()I", h_context, NULL },
    { "host", "mult", "(II)I", h_mult, NULL },
};

static ple_options user_options(void)
{
    ple_options o;
    ple_options_init(&o);
    o.host_fns = USER_FNS;
    o.n_host_fns = sizeof USER_FNS / sizeof USER_FNS[0];
    return o;
}

Test(extism, user_host_functions)
{
    ple_options o = user_options();
    fx f = open_plugin("nolibc", &o);
    expect_output(f.p, "reverse", "Hello, World!", "!dlroW ,olleH");
    expect_output(f.p, "reverse", "ab", "ba");
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "mult", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 42, "host.mult(6, 7) is the return code");
    int token = 0;
    ple_call_opts co = { .context = &token };
    cr_assert_eq(ple_call(f.p, "ctx", NULL, 0, &co, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), (uint64_t)(uintptr_t)&token);
    cr_assert_eq(reenter_status, PL_E_MISUSE, "re-entrant calls are refused");
    cr_assert_eq(ple_call(f.p, "soft", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_str_eq(e.msg, "soft failure");
    cr_assert_not(r.dead);
    cr_assert_eq(ple_call(f.p, "hard", NULL, 0, NULL, &r, &e), PL_E_TRAP);
    cr_assert(strstr(e.msg, "the host said no"), "%s", e.msg);
    cr_assert(r.dead);
    cr_assert_eq(r.rc, PLE_RC_FAILED);
    close_fx(&f);
}

Test(extism, user_host_functions_on_the_embedders_linker)
{
    plw_linker *l;
    cr_assert_eq(plw_linker_new(&l), PL_OK);
    cr_assert_eq(plw_linker_func(l, "extism:host/user", "reverse", "(I)I", h_reverse,
                                 &reenter_status), PL_OK);
    cr_assert_eq(plw_linker_func(l, "extism:host/user", "fail_soft", "()", h_fail_soft, NULL),
                 PL_OK);
    cr_assert_eq(plw_linker_func(l, "extism:host/user", "fail_hard", "()", h_fail_hard, NULL),
                 PL_OK);
    cr_assert_eq(plw_linker_func(l, "extism:host/user", "context", "()I", h_context, NULL),
                 PL_OK);
    cr_assert_eq(plw_linker_func(l, "host", "mult", "(II)I", h_mult, NULL), PL_OK);
    ple_options o;
    ple_options_init(&o);
    o.linker = l;
    fx f = open_plugin("nolibc", &o);
    expect_output(f.p, "reverse", "abc", "cba");
    close_fx(&f);
    plw_linker_free(l);
}

Test(extism, missing_user_function_fails_instantiation)
{
    fx f = open_host("nolibc", NULL);
    ple_plugin *p = NULL;
    pl_err e;
    cr_assert_eq(ple_plugin_new(f.h, &p, &e), PL_E_NOT_FOUND);
    cr_assert(strstr(e.msg, "extism:host/user.reverse"), "%s", e.msg);
    cr_assert_null(p);
    close_fx(&f);
}

/* ---- the pre-1.0 names ----------------------------------------------------------------- */

static int h_twice(plw_host_ctx *cx, plw_cell *s, void *user)
{
    s[0] *= 2;
    return 0;
}

Test(extism, pre_1_0_env_names)
{
    ple_kv cfg[] = { { "name", "plinth" } };
    ple_host_fn fns[] = { { "env", "twice", "(I)I", h_twice, NULL } };
    ple_options o;
    ple_options_init(&o);
    o.config = cfg;
    o.n_config = 1;
    o.host_fns = fns;
    o.n_host_fns = 1;
    o.log = log_cb;
    o.log_user = log_seen;
    log_seen[0] = '\0';
    fx f = open_plugin("env_old", &o);
    expect_output(f.p, "echo", "old style", "old style");
    expect_output(f.p, "conf", "name", "plinth");
    expect_output(f.p, "logit", "from env", "");
    cr_assert_str_eq(log_seen, "2:from env;");
    ple_result r;
    cr_assert_eq(ple_call(f.p, "twice", NULL, 0, NULL, &r, NULL), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 42);
    close_fx(&f);
}

/* ---- imports the host refuses --------------------------------------------------------- */

static void expect_refused(const char *name, const char *needle)
{
    uint8_t *bytes;
    plw_module *m = load_module(name, &bytes);
    ple_options o;
    ple_options_init(&o);
    ple_host *h = NULL;
    pl_err e;
    cr_assert_eq(ple_host_new(m, &o, &h, &e), PL_E_UNSUPPORTED, "%s", name);
    cr_assert(strstr(e.msg, needle), "%s: %s", name, e.msg);
    cr_assert_null(h);
    plw_module_free(m);
    plu_free(bytes);
}

Test(extism, unknown_imports_are_refused)
{
    expect_refused("unknown_import", "unknown function extism:host/env.frobnicate");
    expect_refused("old_unknown", "unknown function env.extism_frobnicate");
    expect_refused("bad_sig", "extism:host/env.alloc with type (i)i, not (I)I");
    expect_refused("kernel_memory", "extism:host/env.memory");
}

/* Extism functions work from the module's start function: the plugin and
** its memory exist before the instance runs anything. */
Test(extism, start_function_can_call_imports)
{
    fx f = open_host("start_fn", NULL);
    ple_plugin *p = NULL;
    pl_err e;
    cr_assert_eq(ple_plugin_new(f.h, &p, &e), PL_OK, "%s", e.msg);
    ple_result r;
    cr_assert_eq(ple_call(p, "f", "abc", 3, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 24u, "alloc and length worked at start, the input was empty");
    ple_plugin_free(p);
    close_fx(&f);
}

/* ---- initialisation --------------------------------------------------------------------- */

static uint64_t init_order(const char *name)
{
    fx f = open_plugin(name, NULL);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "order", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    uint64_t v = output_u64(&r);
    cr_assert_eq(ple_call(f.p, "order", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), v, "initialisation ran again");
    cr_assert_eq(ple_plugin_renew(f.p, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(ple_call(f.p, "order", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), v, "a renewed instance is initialised once");
    close_fx(&f);
    return v;
}

Test(extism, init_order)
{
    cr_assert_eq(init_order("init_hs"), 13, "hs_init: _initialize, then hs_init");
    cr_assert_eq(init_order("init_ctors"), 2, "__wasm_call_ctors only");
    cr_assert_eq(init_order("init_reactor"), 1, "_initialize");
}

/* ---- traps and limits ------------------------------------------------------------------ */

Test(extism, trap_reports_a_dead_instance)
{
    fx f = open_plugin("kitchen", NULL);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "trap", NULL, 0, NULL, &r, &e), PL_E_TRAP);
    cr_assert(r.dead);
    cr_assert(ple_plugin_dead(f.p));
    cr_assert_eq(r.trap, PLW_TRAP_UNREACHABLE);
    cr_assert_eq(r.rc, PLE_RC_TRAP);
    cr_assert(strstr(e.msg, "unreachable"), "%s", e.msg);
    cr_assert(contains(r.error, r.error_len, "unreachable"));
    cr_assert_eq(ple_call(f.p, "count_vowels", "a", 1, NULL, &r, &e), PL_E_MISUSE);
    cr_assert(strstr(e.msg, "unusable after a trap"), "%s", e.msg);
    cr_assert_eq(ple_plugin_renew(f.p, &e), PL_OK, "%s", e.msg);
    cr_assert_not(ple_plugin_dead(f.p));
    expect_output(f.p, "count_vowels", "a", "{\"count\": 1}");
    cr_assert_eq(ple_call(f.p, "trap_after_error", NULL, 0, NULL, &r, &e), PL_E_TRAP);
    cr_assert_str_eq(e.msg, "set before the trap");
    cr_assert_eq(r.rc, PLE_RC_FAILED);
    close_fx(&f);
}

Test(extism, fuel_limit)
{
    fx f = open_plugin("kitchen", NULL);
    ple_call_opts co = { .fuel = 100000 };
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "spin", NULL, 0, &co, &r, &e), PL_E_LIMIT);
    cr_assert_eq(r.trap, PLW_TRAP_FUEL);
    cr_assert(r.dead);
    cr_assert_eq(r.fuel_used, 100000);
    cr_assert(strstr(e.msg, "fuel exhausted"), "%s", e.msg);
    cr_assert_eq(ple_plugin_renew(f.p, NULL), PL_OK);
    co.fuel = 1000000;
    cr_assert_eq(ple_call(f.p, "count_vowels", "aei", 3, &co, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_gt(r.fuel_used, 0);
    cr_assert_lt(r.fuel_used, 100000);
    close_fx(&f);
}

Test(extism, timeout_limit)
{
    fx f = open_plugin("kitchen", NULL);
    ple_call_opts co = { .timeout_ns = 50u * 1000000u };
    ple_result r;
    pl_err e;
    uint64_t t0 = now_ms();
    cr_assert_eq(ple_call(f.p, "spin", NULL, 0, &co, &r, &e), PL_E_LIMIT);
    uint64_t dt = now_ms() - t0;
    cr_assert_eq(r.trap, PLW_TRAP_TIMEOUT);
    cr_assert(r.dead);
    cr_assert_geq(dt, 45);
    cr_assert_lt(dt, 500, "took %" PRIu64 " ms", dt);
    close_fx(&f);
}

static void *interrupt_later(void *arg)
{
    struct timespec ts = { 0, 50 * 1000000 };
    nanosleep(&ts, NULL);
    ple_plugin_interrupt(arg);
    return NULL;
}

Test(extism, interrupt_from_another_thread)
{
    fx f = open_plugin("kitchen", NULL);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, interrupt_later, f.p), 0);
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "spin", NULL, 0, NULL, &r, &e), PL_E_LIMIT);
    pthread_join(t, NULL);
    cr_assert_eq(r.trap, PLW_TRAP_INTERRUPTED);
    cr_assert(r.dead);
    cr_assert_eq(ple_plugin_renew(f.p, &e), PL_OK, "%s", e.msg);
    expect_output(f.p, "count_vowels", "e", "{\"count\": 1}");
    close_fx(&f);
}

static void *cancel_later(void *arg)
{
    struct timespec ts = { 0, 50 * 1000000 };
    nanosleep(&ts, NULL);
    atomic_store((pln_cancel *)arg, 1);
    return NULL;
}

Test(extism, callers_cancel_flag)
{
    fx f = open_plugin("kitchen", NULL);
    pln_cancel flag;
    atomic_init(&flag, 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_later, &flag), 0);
    ple_call_opts co = { .cancel = &flag };
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "spin", NULL, 0, &co, &r, &e), PL_E_LIMIT);
    pthread_join(t, NULL);
    cr_assert_eq(r.trap, PLW_TRAP_INTERRUPTED);
    close_fx(&f);
}

Test(extism, interrupt_cancels_http, .init = start_upstream, .fini = stop_upstream)
{
    http_fx h = open_http(LOCALHOST, 1, false, 0);
    upstream_set_delay_ms(U, 3000);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, interrupt_later, h.f.p), 0);
    ple_result r;
    pl_err e;
    const char *rq = req_json("GET", "/v1/models");
    uint64_t t0 = now_ms();
    pl_status st = ple_call(h.f.p, "http_get", rq, strlen(rq), NULL, &r, &e);
    uint64_t dt = now_ms() - t0;
    pthread_join(t, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%d %s", (int)st, e.msg);
    cr_assert_lt(dt, 1500, "took %" PRIu64 " ms", dt);
    upstream_set_delay_ms(U, 0);
    close_http(&h);
}

/* ---- WASI through the hooks ------------------------------------------------------------- */

typedef struct fake_wasi {
    int exits;
} fake_wasi;

static int wasi_alive;
static ple_wasi_get_fn wasi_get;

static void *fake_new(const void *config, pl_err *err)
{
    cr_assert_str_eq(config, "cfg");
    wasi_alive++;
    return calloc(1, sizeof(fake_wasi));
}

static void fake_free(void *state)
{
    wasi_alive--;
    free(state);
}

static int fake_proc_exit(plw_host_ctx *cx, plw_cell *s, void *user)
{
    fake_wasi *w = wasi_get(plw_host_instance(cx));
    cr_assert_not_null(w);
    w->exits++;
    return plw_host_exit(cx, (int32_t)s[0]);
}

static pl_status fake_link(plw_linker *l, ple_wasi_get_fn get, pl_err *err)
{
    wasi_get = get;
    return plw_linker_func(l, "wasi_snapshot_preview1", "proc_exit", "(i)", fake_proc_exit,
                           NULL);
}

static const ple_wasi FAKE_WASI = { "cfg", fake_new, fake_free, fake_link };

Test(extism, wasi_proc_exit)
{
    ple_options o;
    ple_options_init(&o);
    o.wasi = &FAKE_WASI;
    fx f = open_plugin("wasi_exit", &o);
    cr_assert_eq(wasi_alive, 1);
    cr_assert_not_null(ple_plugin_wasi(f.p));
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "bump", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 1001);
    cr_assert_eq(ple_call(f.p, "exit0", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 42);
    cr_assert_eq(r.trap, PLW_TRAP_EXIT);
    cr_assert_not(r.dead);
    cr_assert_not(ple_plugin_dead(f.p));
    /* the next call runs on a fresh instance: the global restarts, the var is kept */
    cr_assert_eq(ple_call(f.p, "bump", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 1002);
    cr_assert_eq(ple_call(f.p, "exit3", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 3);
    cr_assert(strstr(e.msg, "exited with non-zero exit code: 3"), "%s", e.msg);
    cr_assert_eq(ple_call(f.p, "_start", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 7);
    cr_assert_eq(ple_call(f.p, "bump", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(output_u64(&r), 1003, "renewed after _start, vars kept");
    cr_assert_eq(wasi_alive, 1);
    close_fx(&f);
    cr_assert_eq(wasi_alive, 0);
}

Test(extism, wasi_imports_need_wasi)
{
    fx f = open_host("wasi_exit", NULL);
    ple_plugin *p = NULL;
    pl_err e;
    cr_assert_eq(ple_plugin_new(f.h, &p, &e), PL_E_NOT_FOUND);
    cr_assert(strstr(e.msg, "wasi_snapshot_preview1.proc_exit"), "%s", e.msg);
    close_fx(&f);
}

/* ---- plinth's WASI ------------------------------------------------------------------------ */

static char wasi_out[256];

static void wasi_output(void *user, int fd, const char *data, size_t len)
{
    size_t k = strlen(wasi_out);
    snprintf(wasi_out + k, sizeof wasi_out - k, "%d:%.*s", fd, (int)len, data);
}

Test(extism, plinth_wasi)
{
    static const char *const env[] = { "GREETING=hi there" };
    plwasi_config wc = { .env = env, .n_env = 1, .output = wasi_output };
    ple_wasi w;
    ple_wasi_plinth(&w, &wc);
    ple_options o;
    ple_options_init(&o);
    o.wasi = &w;
    wasi_out[0] = '\0';
    fx f = open_plugin("wasi_libc", &o);
    cr_assert_not_null(ple_plugin_wasi(f.p));
    expect_output(f.p, "hello", NULL, "said hello"); /* _initialize ran the constructor */
    cr_assert_str_eq(wasi_out, "1:hello from wasi (ctor 1)\n2:to stderr\n");
    expect_output(f.p, "env", NULL, "hi there");
    ple_result r;
    pl_err e;
    cr_assert_eq(ple_call(f.p, "quit", NULL, 0, NULL, &r, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(r.output_len, 3);
    cr_assert_eq(memcmp(r.output, "bye", 3), 0);
    cr_assert_eq(ple_call(f.p, "quit3", NULL, 0, NULL, &r, &e), PL_E_PLUGIN);
    cr_assert_eq(r.rc, 3);
    expect_output(f.p, "env", NULL, "hi there");
    close_fx(&f);
}

/* ---- out of memory ---------------------------------------------------------------------- */

/* Every allocation of host creation, plugin creation and a call fails in
** turn: each must end in an error, never a crash or a leak. */
Test(extism, out_of_memory)
{
#ifndef PL_TESTING
    cr_skip_test("fault injection needs a PL_TESTING build");
#endif
    uint8_t *bytes;
    plw_module *m = load_module("kitchen", &bytes);
    ple_kv cfg[] = { { "k", "v" } };
    ple_options o;
    ple_options_init(&o);
    o.config = cfg;
    o.n_config = 1;
    bool done = false;
    for (long n = 0; !done && n < 10000; n++) {
        plu_fail_alloc_after(n);
        ple_host *h = NULL;
        ple_plugin *p = NULL;
        ple_result r;
        pl_status st = ple_host_new(m, &o, &h, NULL);
        if (st == PL_OK)
            st = ple_plugin_new(h, &p, NULL);
        if (st == PL_OK)
            st = ple_call(p, "counter", "abc", 3, NULL, &r, NULL);
        bool failed = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        cr_assert(st == PL_OK || failed, "n=%ld: status %d without an injected failure", n,
                  (int)st);
        done = st == PL_OK && !failed;
        ple_plugin_free(p);
        ple_host_free(h);
    }
    cr_assert(done);
    plw_module_free(m);
    plu_free(bytes);
}
