/*
** test_cli_call.c — `plinth call FILE.wasm FUNCTION [options]`, run as a
** child process: the output bytes on stdout exactly (no line end added),
** the input from --input, --input-file and stdin, configuration, HTTP
** against the local upstream (allowed, denied, no --allow-host), WASI
** files under --allow-path (read-only refused writes), logs on stderr,
** and one exit code per kind of failure (docs/cli.md).
**
** The plugins are the C files of tests/data/call/, built by clang-19 into
** PL_CALL_PLUGINS (tests/data/call/plugins.cmake).
*/
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "upstream.h"

#define PLINTH PL_BINARY_DIR "/cli/plinth"

static const char *plugin(const char *name)
{
    static char path[8][1024];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s.wasm", PL_CALL_PLUGINS, name);
    return p;
}

typedef struct cli_run {
    int code;           /* exit status, or 128 + signal */
    char out[65536];    /* stdout, NUL-terminated after out_len bytes */
    size_t out_len;
    char err[8192];
    double ms;          /* wall time of the whole command */
} cli_run;

/* Keep at most len - 1 bytes of a child's output, NUL-terminated. */
static size_t keep(char *buf, size_t len, const char *data, size_t n)
{
    if (n > len - 1)
        n = len - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    return n;
}

/* Run plinth with argv (NULL-terminated, argv[0] excluded) and stdin_len
** bytes of stdin (NULL: /dev/null). */
static void run_argv(cli_run *r, const char *stdin_data, size_t stdin_len,
                     const char *const *args)
{
    const char *argv[64] = {PLINTH};
    size_t n = 1;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    child_run c;
    int rc = child_run_argv(&c, argv, stdin_data, stdin_len);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    r->code = c.code;
    r->ms = c.ms;
    r->out_len = keep(r->out, sizeof r->out, c.out, c.out_len);
    keep(r->err, sizeof r->err, c.err, c.err_len);
    child_free(&c);
}

/* `plinth ARGS...` (NULL-terminated) with stdin from /dev/null. */
#define PLINTH_RUN(r, ...)                                                 \
    do {                                                                   \
        const char *args_[] = {__VA_ARGS__, NULL};                         \
        run_argv((r), NULL, 0, args_);                                     \
    } while (0)

/* The same with these bytes on stdin. */
#define PLINTH_STDIN(r, data, len, ...)                                    \
    do {                                                                   \
        const char *args_[] = {__VA_ARGS__, NULL};                         \
        run_argv((r), (data), (len), args_);                               \
    } while (0)

static cli_run R; /* big: one per test process (Criterion forks per test) */

static void expect_ok(const cli_run *r, const char *out)
{
    cr_assert_eq(r->code, 0, "exit %d: %s", r->code, r->err);
    cr_assert_eq(r->out_len, strlen(out), "stdout '%s', want '%s'", r->out, out);
    cr_assert_str_eq(r->out, out);
    cr_assert_str_eq(r->err, "");
}

static void expect_fail(const cli_run *r, int code, const char *err)
{
    cr_assert_eq(r->code, code, "exit %d, want %d: %s", r->code, code, r->err);
    cr_assert_eq(r->out_len, 0u, "stdout on failure: %s", r->out);
    if (err)
        cr_assert_str_eq(r->err, err);
}

/* ---- output and input --------------------------------------------------------------------- */

Test(cli_call, count_vowels_prints_the_output_bytes_only)
{
    PLINTH_RUN(&R, "call", plugin("count_vowels"), "count_vowels", "--input", "Hello, World!");
    expect_ok(&R, "{\"count\": 3}");
    /* options before the file, and --input=TEXT, -i TEXT */
    PLINTH_RUN(&R, "call", "--input=aeiou", plugin("count_vowels"), "count_vowels");
    expect_ok(&R, "{\"count\": 5}");
    PLINTH_RUN(&R, "call", plugin("count_vowels"), "count_vowels", "-i", "xyz");
    expect_ok(&R, "{\"count\": 0}");
    /* no input: empty */
    PLINTH_RUN(&R, "call", plugin("count_vowels"), "count_vowels");
    expect_ok(&R, "{\"count\": 0}");
}

Test(cli_call, output_is_not_changed)
{
    /* a line end only when the plugin wrote one */
    PLINTH_RUN(&R, "call", plugin("basics"), "echo", "--input", "two\nlines\n");
    expect_ok(&R, "two\nlines\n");
    PLINTH_RUN(&R, "call", plugin("basics"), "nothing");
    expect_ok(&R, "");
    /* binary bytes from stdin ("-" and --stdin) come back unchanged */
    static const char bytes[] = {'a', 0, '\r', '\n', (char)0xfe, 0, 'z'};
    PLINTH_STDIN(&R, bytes, sizeof bytes, "call", plugin("basics"), "echo", "-");
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert_eq(R.out_len, sizeof bytes);
    cr_assert_eq(memcmp(R.out, bytes, sizeof bytes), 0);
    PLINTH_STDIN(&R, "from stdin", 10, "call", "--stdin", plugin("basics"), "echo");
    expect_ok(&R, "from stdin");
}

Test(cli_call, input_file)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/plinth-call-in-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("file input\n", f);
    fclose(f);
    PLINTH_RUN(&R, "call", plugin("basics"), "echo", "--input-file", path);
    expect_ok(&R, "file input\n");
    unlink(path);
    PLINTH_RUN(&R, "call", plugin("basics"), "echo", "--input-file", path);
    char want[256];
    snprintf(want, sizeof want,
             "plinth: call: cannot read the input from %s: No such file or directory\n", path);
    expect_fail(&R, 4, want);
}

Test(cli_call, config)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "greet", "--config", "name=World");
    expect_ok(&R, "Hello, World!");
    /* the last value of a key wins; a value may hold '=' */
    PLINTH_RUN(&R, "call", plugin("basics"), "config", "--input", "k", "--config", "k=one",
               "--config=k=two=2");
    expect_ok(&R, "two=2");
    PLINTH_RUN(&R, "call", plugin("basics"), "config", "--input", "missing");
    expect_fail(&R, 19, "plinth: basics.wasm: config: no such config key\n");
}

/* ---- failures and their exit codes ------------------------------------------------------- */

Test(cli_call, plugin_failures_exit_19)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "fail");
    expect_fail(&R, 19, "plinth: basics.wasm: fail: something went wrong\n");
    PLINTH_RUN(&R, "call", plugin("basics"), "fail_rc");
    expect_fail(&R, 19, "plinth: basics.wasm: fail_rc: returned non-zero exit code: 3\n");
}

Test(cli_call, trap_exits_17)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "crash");
    expect_fail(&R, 17, NULL);
    cr_assert(strncmp(R.err, "plinth: basics.wasm: crash: trap: unreachable (basics.wasm: func ",
                      65) == 0, "%s", R.err);
}

Test(cli_call, fuel_exhaustion_exits_18)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "spin", "--fuel", "5000");
    expect_fail(&R, 18, NULL);
    cr_assert(strncmp(R.err, "plinth: basics.wasm: spin: ", 27) == 0, "%s", R.err);
    cr_assert(strstr(R.err, "fuel exhausted (budget 5000 units)"), "%s", R.err);
}

Test(cli_call, timeout_stops_an_endless_loop)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "spin", "--fuel", "18446744073709551615",
               "--timeout", "400");
    expect_fail(&R, 18, NULL);
    cr_assert(strstr(R.err, "plinth: basics.wasm: spin: ") == R.err, "%s", R.err);
    cr_assert(strstr(R.err, "400 ms"), "%s", R.err);
    /* the whole command: start, load, 400 ms of loop, exit */
    cr_assert(R.ms >= 400 && R.ms < 1000, "took %.0f ms", R.ms);
}

Test(cli_call, memory_cap_exits_18)
{
    PLINTH_RUN(&R, "call", plugin("count_vowels"), "count_vowels", "--mem", "65536");
    expect_fail(&R, 18, NULL);
    cr_assert(strstr(R.err, "exceeds the memory limit of 65536 bytes"), "%s", R.err);
}

Test(cli_call, no_such_function_or_import_exits_5)
{
    PLINTH_RUN(&R, "call", plugin("count_vowels"), "count_vowel");
    expect_fail(&R, 5, "plinth: count_vowels.wasm: no exported function 'count_vowel' (did you "
                       "mean 'count_vowels'?)\n");
    PLINTH_RUN(&R, "call", plugin("basics"), "add_one");
    expect_fail(&R, 5, "plinth: basics.wasm: add_one: is not an Extism function (it must take no "
                       "parameters and return an i32 or nothing)\n");
    PLINTH_RUN(&R, "call", plugin("newer_pdk"), "run");
    expect_fail(&R, 5, "plinth: newer_pdk.wasm: imports unknown function "
                       "extism:host/env.frobnicate: this host may be older than the plugin's "
                       "PDK\n");
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "hello");
    expect_fail(&R, 5, NULL);
    cr_assert(strstr(R.err, "but WASI is not enabled"), "%s", R.err);
    cr_assert(strstr(R.err, "--wasi"), "%s", R.err);
}

Test(cli_call, files_that_are_not_plugins)
{
    PLINTH_RUN(&R, "call", "/nonexistent/x.wasm", "f");
    expect_fail(&R, 4, NULL);
    cr_assert(strstr(R.err, "/nonexistent/x.wasm"), "%s", R.err);
    char path[64];
    snprintf(path, sizeof path, "/tmp/plinth-call-junk-%d.wasm", (int)getpid());
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("not wasm", f);
    fclose(f);
    PLINTH_RUN(&R, "call", path, "f");
    unlink(path);
    expect_fail(&R, 1, NULL);
    cr_assert(strstr(R.err, "magic header"), "%s", R.err);
}

/* Not a path: the name of a plugin in the host configuration (an empty
** one here), where the file options have no place. */
Test(cli_call, a_name_is_a_configured_plugin)
{
    char config[64];
    snprintf(config, sizeof config, "/tmp/plinth-call-%d.toml", (int)getpid());
    FILE *f = fopen(config, "w");
    cr_assert_not_null(f);
    fclose(f);
    PLINTH_RUN(&R, "call", "count_vowels", "count_vowels", "--config", config, "--input", "x");
    expect_fail(&R, 5, "plinth: no plugin named 'count_vowels' in the configuration\n");
    PLINTH_RUN(&R, "call", "count_vowels", "count_vowels", "--config", config, "--allow-host",
               "example.com");
    unlink(config);
    expect_fail(&R, 2, NULL);
    cr_assert(strstr(R.err, "a configured plugin gets its config, grants and limits from the "
                            "host configuration"), "%s", R.err);
    cr_assert(strstr(R.err, "--allow-host, --allow-path"), "%s", R.err);
}

Test(cli_call, usage_errors_exit_2)
{
    static const char *const cases[][6] = {
        {"call", NULL},
        {"call", "x.wasm", NULL},
        {"call", "x.wasm", "f", "extra", NULL},
        {"call", "x.wasm", "f", "--bogus", NULL},
        {"call", "x.wasm", "f", "--input", NULL},
        {"call", "x.wasm", "f", "--fuel", "lots", NULL},
        {"call", "x.wasm", "f", "--timeout", "4294967296", NULL},
        {"call", "x.wasm", "f", "--log-level", "loud", NULL},
        {"call", "x.wasm", "f", "--wasi=yes", NULL},
        {"call", "x.wasm", "f", "--config", "=v", NULL},
        {"call", "x.wasm", "f", "--allow-host", "", NULL},
        {"call", "x.wasm", "f", "--allow-path", "ro:", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_argv(&R, NULL, 0, cases[i]);
        cr_assert_eq(R.code, 2, "case %zu: exit %d: %s", i, R.code, R.err);
        cr_assert(strncmp(R.err, "plinth: call: ", 14) == 0, "case %zu: %s", i, R.err);
    }
    PLINTH_RUN(&R, "call", plugin("basics"), "echo", "--input", "a", "-");
    expect_fail(&R, 2, "plinth: call: give the input once: --input TEXT, --input-file F or -\n"
                       "(run 'plinth --help' for usage)\n");
    /* a host configuration file is for configured plugins */
    PLINTH_RUN(&R, "call", plugin("basics"), "echo", "--config", "plinth.toml");
    expect_fail(&R, 2, NULL);
    cr_assert(strstr(R.err, "--config KEY=VALUE"), "%s", R.err);
}

Test(cli_call, logs_on_stderr)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "logs", "--log-level", "warn");
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert_str_eq(R.out, "logged");
    cr_assert_str_eq(R.err, "[basics.wasm] warn: warn message\n"
                            "[basics.wasm] error: error message\n");
    PLINTH_RUN(&R, "call", plugin("basics"), "logs", "--log-level", "debug");
    cr_assert_str_eq(R.err, "[basics.wasm] debug: debug message\n"
                            "[basics.wasm] info: info message\n"
                            "[basics.wasm] warn: warn message\n"
                            "[basics.wasm] error: error message\n");
    /* off by default, as with extism call */
    PLINTH_RUN(&R, "call", plugin("basics"), "logs");
    expect_ok(&R, "logged");
    PLINTH_RUN(&R, "call", plugin("basics"), "logs", "--log-level", "off");
    expect_ok(&R, "logged");
}

/* ---- WASI and files ----------------------------------------------------------------------- */

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
    static const char *const names[] = {"a.txt", "b.txt", "c.txt"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

TestSuite(cli_call_wasi, .init = make_dir, .fini = remove_dir);

Test(cli_call_wasi, reads_a_file_from_a_preopen)
{
    char spec[128];
    snprintf(spec, sizeof spec, "%s:/data", dir);
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "cat", "--allow-path", spec, "--input",
               "/data/a.txt");
    expect_ok(&R, "file data\n");
    /* a path that climbs out is the plugin's failure */
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "cat", "--allow-path", spec, "--input",
               "/data/../../etc/passwd");
    expect_fail(&R, 19, "plinth: wasi_files.wasm: cat: cannot open /data/../../etc/passwd: "
                        "Capabilities insufficient\n");
    /* the guest path defaults to the host path */
    char in[128];
    snprintf(in, sizeof in, "%s/a.txt", dir);
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "cat", "--allow-path", dir, "--input", in);
    expect_ok(&R, "file data\n");
}

Test(cli_call_wasi, writes_only_without_ro)
{
    char rw[128], ro[128];
    snprintf(rw, sizeof rw, "%s:/data", dir);
    snprintf(ro, sizeof ro, "ro:%s:/data", dir);
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "write", "--allow-path", rw, "--input",
               "/data/b.txt\nwritten");
    expect_ok(&R, "wrote 7 bytes");
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "write", "--allow-path", ro, "--input",
               "/data/c.txt\nrefused");
    expect_fail(&R, 19, "plinth: wasi_files.wasm: write: cannot create /data/c.txt: "
                        "Capabilities insufficient\n");
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "write", "--allow-path", ro, "--input",
               "/data/a.txt\noverwritten");
    expect_fail(&R, 19, NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/c.txt", dir);
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0, "a read-only preopen let a file be created");
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "cat", "--allow-path", ro, "--input",
               "/data/a.txt");
    expect_ok(&R, "file data\n");
}

Test(cli_call_wasi, missing_directory_exits_4)
{
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "cat", "--allow-path",
               "ro:/nonexistent/plinth:/data", "--input", "/data/a.txt");
    expect_fail(&R, 4, "plinth: call: --allow-path 'ro:/nonexistent/plinth:/data': "
                       "/nonexistent/plinth: No such file or directory\n");
}

Test(cli_call_wasi, stdout_and_stderr_with_a_log_level)
{
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "hello", "--wasi");
    expect_ok(&R, "said hello");
    PLINTH_RUN(&R, "call", plugin("wasi_files"), "hello", "--wasi", "--log-level", "info");
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert_str_eq(R.out, "said hello");
    cr_assert_str_eq(R.err, "[wasi_files.wasm] stdout: hello from stdout\n"
                            "[wasi_files.wasm] stderr: and from stderr\n");
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static upstream *U;
static char request[512];

static void start_upstream(void)
{
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U);
    snprintf(request, sizeof request,
             "{\"url\": \"%s/v1/models\", \"headers\": {\"Authorization\": \"Bearer t\"}}",
             upstream_url(U));
}

static void stop_upstream(void) { upstream_stop(U); }

TestSuite(cli_call_http, .init = start_upstream, .fini = stop_upstream);

Test(cli_call_http, allowed_host)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "http", "--input", request, "--allow-host",
               "127.0.0.1");
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert(strncmp(R.out, "200\n{", 5) == 0, "%s", R.out);
    cr_assert(strstr(R.out, "\"fake-model\""), "%s", R.out);
    cr_assert_str_eq(R.err, "");
    cr_assert_eq(upstream_request_count(U), 1u);
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "GET");
    cr_assert_str_eq(rq.path, "/v1/models");
    upstream_request_free(&rq);
    /* a glob with the port */
    char glob[64];
    snprintf(glob, sizeof glob, "127.0.0.*:%d", upstream_port(U));
    PLINTH_RUN(&R, "call", plugin("basics"), "http", "--input", request, "--allow-host", glob);
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert_eq(upstream_request_count(U), 2u);
}

Test(cli_call_http, host_not_allowed_exits_13)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "http", "--input", request, "--allow-host",
               "api.example.com");
    expect_fail(&R, 13, "plinth: basics.wasm: http: HTTP request is not allowed: host "
                        "'127.0.0.1' is not in the allow-list (api.example.com)\n");
    cr_assert_eq(upstream_request_count(U), 0u, "a denied request was sent");
}

Test(cli_call_http, no_allowed_host_denies_everything)
{
    PLINTH_RUN(&R, "call", plugin("basics"), "http", "--input", request);
    expect_fail(&R, 13, "plinth: basics.wasm: http: HTTP request is not allowed: host "
                        "'127.0.0.1' is not in the allow-list (empty)\n"
                        "(no host is allowed unless given: --allow-host GLOB)\n");
    cr_assert_eq(upstream_request_count(U), 0u, "a denied request was sent");
}

Test(cli_call_http, connection_refused_exits_11)
{
    /* the upstream's port, once it has stopped: nothing listens there */
    char req[512];
    snprintf(req, sizeof req, "{\"url\": \"http://127.0.0.1:%d/x\"}", upstream_port(U));
    upstream_stop(U);
    U = NULL;
    PLINTH_RUN(&R, "call", plugin("basics"), "http", "--input", req, "--allow-host",
               "127.0.0.1");
    expect_fail(&R, 11, NULL);
    cr_assert(strstr(R.err, "connection refused") || strstr(R.err, "onnect"), "%s", R.err);
}

Test(cli_call, help_lists_the_command)
{
    PLINTH_RUN(&R, "--help");
    cr_assert_eq(R.code, 0);
    cr_assert(strstr(R.out, "call FILE.wasm FUNCTION"), "%s", R.out);
    cr_assert(strstr(R.out, "19 the plugin reported a failure"), "%s", R.out);
}
