/*
** test_wasm_call.c — pl_wasm_call, the public API behind `plinth call`:
** output bytes and return codes, configuration, the statuses and messages
** of every kind of failure, options (struct_size, defaults, limits), logs
** and WASI output on stderr, preopens, HTTP against the local upstream,
** and allocation failures at every point.
**
** The plugins are the C files of tests/data/call/, built by clang-19 into
** PL_CALL_PLUGINS (tests/data/call/plugins.cmake).
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plinth/plinth.h"
#include "upstream.h"
#include "util/util.h"

static const char *plugin(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s.wasm", PL_CALL_PLUGINS, name);
    return p;
}

typedef struct result {
    pl_status st;
    char *out;       /* pl_free'd by done() */
    size_t len;
    int32_t rc;
    char err[1024];
} result;

static result call(const char *name, const char *func, const char *input,
                   const pl_wasm_call_opts *o)
{
    result r;
    memset(&r, 0, sizeof r);
    r.rc = 12345;
    void *out = (void *)&r; /* must be overwritten */
    r.st = pl_wasm_call(plugin(name), func, input, input ? strlen(input) : 0, o, &out, &r.len,
                        &r.rc, r.err, sizeof r.err);
    r.out = out;
    if (r.st != PL_OK) {
        cr_assert_null(r.out, "%s: output handed out on failure", func);
        cr_assert_eq(r.len, 0u);
    } else {
        cr_assert_not_null(r.out);
        cr_assert_str_eq(r.err, "");
        cr_assert_eq(r.out[r.len], '\0', "output not NUL-terminated");
    }
    return r;
}

static void done(result *r) { pl_free(r->out); }

/* A successful call whose output is exactly want. */
static void expect_out(const char *name, const char *func, const char *input,
                       const pl_wasm_call_opts *o, const char *want)
{
    result r = call(name, func, input, o);
    cr_assert_eq(r.st, PL_OK, "%s: status %d: %s", func, r.st, r.err);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.len, strlen(want), "%s: %zu bytes, want %zu", func, r.len, strlen(want));
    cr_assert_str_eq(r.out, want);
    done(&r);
}

/* A failed call: status and exact message. */
static void expect_fail(const char *name, const char *func, const char *input,
                        const pl_wasm_call_opts *o, pl_status st, int32_t rc, const char *msg)
{
    result r = call(name, func, input, o);
    cr_assert_eq(r.st, st, "%s: status %d, want %d: %s", func, r.st, st, r.err);
    cr_assert_eq(r.rc, rc, "%s: rc %d, want %d", func, r.rc, rc);
    if (msg)
        cr_assert_str_eq(r.err, msg);
    done(&r);
}

/* ---- calls that work ------------------------------------------------------------------ */

Test(wasm_call, count_vowels)
{
    expect_out("count_vowels", "count_vowels", "Hello, World!", NULL, "{\"count\": 3}");
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    expect_out("count_vowels", "count_vowels", "", &o, "{\"count\": 0}");
}

Test(wasm_call, output_bytes_exactly)
{
    static const char bytes[] = {'a', 0, '\n', (char)0xff, 'z'};
    void *out = NULL;
    size_t len = 0;
    int32_t rc = -5;
    char err[256];
    pl_status st = pl_wasm_call(plugin("basics"), "echo", bytes, sizeof bytes, NULL, &out, &len,
                                &rc, err, sizeof err);
    cr_assert_eq(st, PL_OK, "%s", err);
    cr_assert_eq(len, sizeof bytes);
    cr_assert_eq(memcmp(out, bytes, sizeof bytes), 0);
    cr_assert_eq(rc, 0);
    pl_free(out);
    /* an empty output is "" with length 0; out, len and rc may all be NULL */
    expect_out("basics", "nothing", NULL, NULL, "");
    cr_assert_eq(pl_wasm_call(plugin("basics"), "echo", "x", 1, NULL, NULL, NULL, NULL, NULL, 0),
                 PL_OK);
}

Test(wasm_call, config_entries)
{
    const char *cfg[] = {"name=World", "k=first", "k=last", "eq=a=b", "empty="};
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.config = cfg;
    o.n_config = 5;
    expect_out("basics", "greet", NULL, &o, "Hello, World!");
    expect_out("basics", "config", "k", &o, "last");
    expect_out("basics", "config", "eq", &o, "a=b");
    /* an empty value comes back as no value, as in the Rust host */
    expect_fail("basics", "config", "empty", &o, PL_E_PLUGIN, 1,
                "basics.wasm: config: no such config key");
    expect_fail("basics", "config", "name", NULL, PL_E_PLUGIN, 1,
                "basics.wasm: config: no such config key");
    const char *bad[] = {"novalue"};
    o.config = bad;
    o.n_config = 1;
    expect_fail("basics", "greet", NULL, &o, PL_E_INVALID_ARG, 0,
                "pl_wasm_call: config entry 'novalue' is not KEY=VALUE");
    const char *nokey[] = {"=v"};
    o.config = nokey;
    expect_fail("basics", "greet", NULL, &o, PL_E_INVALID_ARG, 0, NULL);
}

/* ---- failures: status, return code, message ---------------------------------------------- */

Test(wasm_call, plugin_reported_failures)
{
    expect_fail("basics", "fail", NULL, NULL, PL_E_PLUGIN, 0,
                "basics.wasm: fail: something went wrong");
    expect_fail("basics", "fail_rc", NULL, NULL, PL_E_PLUGIN, 3,
                "basics.wasm: fail_rc: returned non-zero exit code: 3");
}

Test(wasm_call, traps_and_limits)
{
    result r = call("basics", "crash", NULL, NULL);
    cr_assert_eq(r.st, PL_E_TRAP, "%s", r.err);
    cr_assert_eq(r.rc, 134);
    cr_assert(strncmp(r.err, "basics.wasm: crash: trap: unreachable (basics.wasm: func ", 57) == 0,
              "%s", r.err);
    done(&r);

    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.fuel = 1000;
    r = call("basics", "spin", NULL, &o);
    cr_assert_eq(r.st, PL_E_LIMIT, "%s", r.err);
    cr_assert_eq(r.rc, 134);
    cr_assert(strstr(r.err, "basics.wasm: spin: ") == r.err, "%s", r.err);
    cr_assert(strstr(r.err, "fuel exhausted (budget 1000 units)"), "%s", r.err);
    done(&r);

    /* the default budget stops it too */
    r = call("basics", "spin", NULL, NULL);
    cr_assert_eq(r.st, PL_E_LIMIT, "%s", r.err);
    cr_assert(strstr(r.err, "fuel exhausted (budget 10000000 units)"), "%s", r.err);
    done(&r);

    /* a memory cap below the plugin's initial memory */
    o.fuel = 0;
    o.mem_bytes = 65536;
    r = call("count_vowels", "count_vowels", "aaa", &o);
    cr_assert_eq(r.st, PL_E_LIMIT, "%s", r.err);
    cr_assert(strstr(r.err, "exceeds the memory limit of 65536 bytes"), "%s", r.err);
    done(&r);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* An endless loop without a fuel limit ends at its deadline, within 10%. */
Test(wasm_call, timeout_stops_an_endless_loop)
{
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.fuel = UINT64_MAX;
    o.timeout_ms = 1000;
    double t0 = now_ms();
    result r = call("basics", "spin", NULL, &o);
    double took = now_ms() - t0;
    cr_assert_eq(r.st, PL_E_LIMIT, "%s", r.err);
    cr_assert_eq(r.rc, 134);
    cr_assert(strstr(r.err, "1000 ms"), "%s", r.err);
    cr_assert(took >= 1000 && took <= 1100, "took %.1f ms", took);
    done(&r);
}

Test(wasm_call, missing_and_unusable_exports)
{
    expect_fail("count_vowels", "count_vowel", NULL, NULL, PL_E_NOT_FOUND, 0,
                "count_vowels.wasm: no exported function 'count_vowel' (did you mean "
                "'count_vowels'?)");
    expect_fail("count_vowels", "zzz", NULL, NULL, PL_E_NOT_FOUND, 0,
                "count_vowels.wasm: no exported function 'zzz' (its functions: count_vowels)");
    expect_fail("count_vowels", "memory", NULL, NULL, PL_E_NOT_FOUND, 0,
                "count_vowels.wasm: export 'memory' is a memory, not a function");
    expect_fail("basics", "add_one", NULL, NULL, PL_E_INVALID_ARG, 0,
                "basics.wasm: add_one: is not an Extism function (it must take no parameters "
                "and return an i32 or nothing)");
}

Test(wasm_call, imports_plinth_does_not_offer)
{
    expect_fail("newer_pdk", "run", NULL, NULL, PL_E_UNSUPPORTED, 0,
                "newer_pdk.wasm: imports unknown function extism:host/env.frobnicate: this host "
                "may be older than the plugin's PDK");
    result r = call("wasi_files", "hello", NULL, NULL);
    cr_assert_eq(r.st, PL_E_NOT_FOUND, "%s", r.err);
    cr_assert(strstr(r.err, "wasi_files.wasm: imports wasi_snapshot_preview1.") == r.err, "%s",
              r.err);
    cr_assert(strstr(r.err, "WASI is not enabled"), "%s", r.err);
    done(&r);
}

Test(wasm_call, files_and_arguments)
{
    result r = call("nothing_here", "f", NULL, NULL);
    cr_assert(r.st == PL_E_NOT_FOUND || r.st == PL_E_IO, "status %d", r.st);
    cr_assert(strstr(r.err, "nothing_here.wasm"), "%s", r.err);
    done(&r);
    char err[256];
    cr_assert_eq(pl_wasm_call(NULL, "f", NULL, 0, NULL, NULL, NULL, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_call(plugin("basics"), NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0),
                 PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_call(plugin("basics"), "echo", NULL, 3, NULL, NULL, NULL, NULL, err,
                              sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert(strstr(err, "input when len > 0"), "%s", err);
}

/* ---- options ------------------------------------------------------------------------------ */

Test(wasm_call, struct_size)
{
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    cr_assert_eq(o.struct_size, sizeof o);
    cr_assert_eq(o.log_level, -1);
    o.struct_size = 0;
    expect_fail("basics", "echo", "x", &o, PL_E_INVALID_ARG, 0, NULL);
    o.struct_size = sizeof o + 8;
    result r = call("basics", "echo", "x", &o);
    cr_assert_eq(r.st, PL_E_INVALID_ARG);
    cr_assert(strstr(r.err, "struct_size"), "%s", r.err);
    done(&r);
    /* an older, shorter struct: config is read, everything after it takes
    ** its default (a log_level of 0 = trace would otherwise print) */
    const char *cfg[] = {"name=Old"};
    pl_wasm_call_opts old;
    memset(&old, 0, sizeof old);
    old.struct_size = (uint32_t)(offsetof(pl_wasm_call_opts, n_config) + sizeof(size_t));
    old.config = cfg;
    old.n_config = 1;
    old.fuel = 5; /* beyond struct_size: not read */
    expect_out("basics", "greet", NULL, &old, "Hello, Old!");
    o = (pl_wasm_call_opts)PL_WASM_CALL_OPTS_INIT;
    o.log_level = 5;
    expect_fail("basics", "echo", "x", &o, PL_E_INVALID_ARG, 0, NULL);
    o.log_level = -1;
    o.n_allowed_hosts = 1; /* a count without its list */
    expect_fail("basics", "echo", "x", &o, PL_E_INVALID_ARG, 0, NULL);
}

/* What fn writes on stderr while it runs. */
static void capture_stderr(void (*fn)(void *), void *arg, char *buf, size_t len)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, len - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
}

typedef struct logged_call {
    const char *name, *func;
    pl_wasm_call_opts o;
    result r;
} logged_call;

static void run_logged(void *arg)
{
    logged_call *c = arg;
    c->r = call(c->name, c->func, NULL, &c->o);
}

Test(wasm_call, logs_go_to_stderr_at_the_level)
{
    char text[2048];
    logged_call c = {"basics", "logs", PL_WASM_CALL_OPTS_INIT, {0}};
    c.o.log_level = 3; /* warn */
    capture_stderr(run_logged, &c, text, sizeof text);
    cr_assert_eq(c.r.st, PL_OK, "%s", c.r.err);
    cr_assert_str_eq(c.r.out, "logged");
    cr_assert_str_eq(text, "[basics.wasm] warn: warn message\n"
                           "[basics.wasm] error: error message\n");
    done(&c.r);
    c.o.log_level = 0;
    capture_stderr(run_logged, &c, text, sizeof text);
    cr_assert_str_eq(text, "[basics.wasm] debug: debug message\n"
                           "[basics.wasm] info: info message\n"
                           "[basics.wasm] warn: warn message\n"
                           "[basics.wasm] error: error message\n");
    done(&c.r);
    c.o.log_level = -1;
    capture_stderr(run_logged, &c, text, sizeof text);
    cr_assert_str_eq(text, "");
    done(&c.r);
}

Test(wasm_call, wasi_output_as_lines_only_with_a_level)
{
    char text[2048];
    logged_call c = {"wasi_files", "hello", PL_WASM_CALL_OPTS_INIT, {0}};
    c.o.wasi = 1;
    capture_stderr(run_logged, &c, text, sizeof text);
    cr_assert_eq(c.r.st, PL_OK, "%s", c.r.err);
    cr_assert_str_eq(c.r.out, "said hello");
    cr_assert_str_eq(text, "", "WASI output without a log level: %s", text);
    done(&c.r);
    c.o.log_level = 4; /* any level: stdout and stderr are the plugin's own */
    capture_stderr(run_logged, &c, text, sizeof text);
    cr_assert_str_eq(text, "[wasi_files.wasm] stdout: hello from stdout\n"
                           "[wasi_files.wasm] stderr: and from stderr\n");
    done(&c.r);
}

/* ---- preopens ----------------------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/plinth-call-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("file data\n", f);
    fclose(f);
}

static void remove_dir(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/b.txt", dir);
    unlink(path);
    rmdir(dir);
}

Test(wasm_call, allowed_paths, .init = make_dir, .fini = remove_dir)
{
    char spec[128], ro[128], same[128], in[256];
    snprintf(spec, sizeof spec, "%s:/data", dir);
    snprintf(ro, sizeof ro, "ro:%s:/data", dir);
    snprintf(same, sizeof same, "%s", dir);
    const char *paths[1] = {spec};
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.allowed_paths = paths;
    o.n_allowed_paths = 1; /* WASI implied */
    expect_out("wasi_files", "cat", "/data/a.txt", &o, "file data\n");
    expect_out("wasi_files", "write", "/data/b.txt\nnew text", &o, "wrote 8 bytes");
    expect_fail("wasi_files", "cat", "/data/../../etc/passwd", &o, PL_E_PLUGIN, 1,
                "wasi_files.wasm: cat: cannot open /data/../../etc/passwd: Capabilities "
                "insufficient");
    /* the guest path defaults to the host's */
    paths[0] = same;
    snprintf(in, sizeof in, "%s/b.txt", dir);
    expect_out("wasi_files", "cat", in, &o, "new text");
    /* read-only: reads work, changes are refused */
    paths[0] = ro;
    expect_out("wasi_files", "cat", "/data/b.txt", &o, "new text");
    expect_fail("wasi_files", "write", "/data/c.txt\nx", &o, PL_E_PLUGIN, 1,
                "wasi_files.wasm: write: cannot create /data/c.txt: Capabilities insufficient");
    expect_fail("wasi_files", "write", "/data/a.txt\nx", &o, PL_E_PLUGIN, 1, NULL);
    expect_out("wasi_files", "cat", "/data/a.txt", &o, "file data\n");
    /* specs without a directory; a directory that is not there */
    const char *bad[] = {"", "ro:", ":/data", "/tmp:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        paths[0] = bad[i];
        expect_fail("wasi_files", "cat", "x", &o, PL_E_INVALID_ARG, 0, NULL);
    }
    paths[0] = "/nonexistent/plinth-dir:/data";
    result r = call("wasi_files", "cat", "/data/a.txt", &o);
    cr_assert(r.st == PL_E_NOT_FOUND || r.st == PL_E_IO, "status %d: %s", r.st, r.err);
    cr_assert(strstr(r.err, "/nonexistent/plinth-dir"), "%s", r.err);
    done(&r);
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static upstream *U;

static void start_upstream(void)
{
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U);
}

static void stop_upstream(void) { upstream_stop(U); }

static const char *models_request(void)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "{\"url\": \"%s/v1/models\", \"headers\": {\"Authorization\": \"Bearer t\"}}",
             upstream_url(U));
    return buf;
}

Test(wasm_call, http_allowed_and_denied, .init = start_upstream, .fini = stop_upstream)
{
    const char *hosts[] = {"example.com", "127.0.0.1"};
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.allowed_hosts = hosts;
    o.n_allowed_hosts = 2;
    result r = call("basics", "http", models_request(), &o);
    cr_assert_eq(r.st, PL_OK, "%s", r.err);
    cr_assert(strncmp(r.out, "200\n{", 5) == 0, "%s", r.out);
    cr_assert(strstr(r.out, "\"fake-model\""), "%s", r.out);
    done(&r);
    cr_assert_eq(upstream_request_count(U), 1u);

    /* no allowed host: refused, nothing sent */
    expect_fail("basics", "http", models_request(), NULL, PL_E_DENIED, -1,
                "basics.wasm: http: HTTP request is not allowed: host '127.0.0.1' is not in "
                "the allow-list (empty)");
    o.n_allowed_hosts = 1; /* example.com only */
    r = call("basics", "http", models_request(), &o);
    cr_assert_eq(r.st, PL_E_DENIED, "%s", r.err);
    cr_assert(strstr(r.err, "(example.com)"), "%s", r.err);
    done(&r);
    cr_assert_eq(upstream_request_count(U), 1u, "a denied request reached the server");
}

/* ---- allocation failures ------------------------------------------------------------------ */

/* Every allocation of a whole call fails in turn (module, host, WASI,
** instance, call, output): each run ends without a crash, a leak
** (LeakSanitizer) or an output handed out with an error. */
Test(wasm_call, out_of_memory, .init = make_dir, .fini = remove_dir)
{
#ifndef PL_TESTING
    cr_skip_test("fault injection needs a PL_TESTING build");
#else
    char spec[128];
    snprintf(spec, sizeof spec, "ro:%s:/data", dir);
    const char *paths[] = {spec};
    const char *cfg[] = {"name=x", "k=v"};
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.allowed_paths = paths;
    o.n_allowed_paths = 1;
    o.config = cfg;
    o.n_config = 2;
    bool done_ok = false;
    long n = 0;
    for (; !done_ok && n < 20000; n++) {
        void *out = NULL;
        size_t len = 0;
        char err[512];
        plu_fail_alloc_after(n);
        pl_status st = pl_wasm_call(plugin("wasi_files"), "cat", "/data/a.txt", 11, &o, &out,
                                    &len, NULL, err, sizeof err);
        bool failed = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        cr_assert(st == PL_OK || failed, "n=%ld: status %d without an injected failure: %s", n,
                  (int)st, err);
        if (st != PL_OK)
            cr_assert_null(out, "n=%ld: output with status %d", n, (int)st);
        done_ok = st == PL_OK && !failed;
        if (done_ok)
            cr_assert_str_eq(out, "file data\n");
        pl_free(out);
    }
    cr_assert(done_ok, "no clean run after %ld allocation failures", n);
    cr_assert_gt(n, 50, "only %ld allocations: is fault injection on?", n);
#endif
}
