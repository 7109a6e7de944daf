/*
** test_wasm_cli.c — the engine through the public API (pl_wasm_validate,
** pl_wasm_describe, pl_wasm_run: arguments and results as text, limits,
** options) and through the command (`plinth wasm validate|run`: output and
** exit codes).
**
** Fixtures are the .wat files in tests/data/wasm/, converted at build time into
** PL_WASM_FIXTURES (tests/data/wasm/fixtures.cmake).
*/
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plinth/plinth.h"

#define PLINTH PL_BINARY_DIR "/cli/plinth"

extern char **environ;

static const char *fixture(const char *name)
{
    static char path[8][1024];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s.wasm", PL_WASM_FIXTURES, name);
    return p;
}

/* ---- pl_wasm_validate and pl_wasm_describe -------------------------------------- */

Test(wasm_api, validate_accepts_valid_modules)
{
    static const char *names[] = {"traps", "host", "fuel", "mem", "args", "xa", "xb"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char err[512] = "x";
        cr_assert_eq(pl_wasm_validate(fixture(names[i]), err, sizeof err), PL_OK, "%s: %s",
                     names[i], err);
        cr_assert_str_eq(err, "");
    }
}

Test(wasm_api, validate_names_module_function_and_offset)
{
    char err[512];
    pl_status st = pl_wasm_validate(fixture("invalid_type"), err, sizeof err);
    cr_assert_eq(st, PL_E_INVALID_ARG, "status %d: %s", st, err);
    cr_assert(strncmp(err, "invalid_type.wasm: func 0 @0x", 29) == 0, "%s", err);
    cr_assert(strstr(err, "type mismatch"), "%s", err);
    cr_assert(strstr(err, "i32") && strstr(err, "f64"), "%s", err);
}

static const char *write_temp(const char *name, const void *bytes, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/plinth-wasm-api-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    return path;
}

Test(wasm_api, validate_malformed_and_missing_files)
{
    static const unsigned char junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x05, 0x01};
    const char *path = write_temp("junk.wasm", junk, sizeof junk);
    char err[512], prefix[128];
    pl_status st = pl_wasm_validate(path, err, sizeof err);
    unlink(path);
    cr_assert_eq(st, PL_E_SYNTAX, "status %d: %s", st, err);
    snprintf(prefix, sizeof prefix, "plinth-wasm-api-%d-junk.wasm: ", (int)getpid());
    cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "not named by its base name: %s", err);

    st = pl_wasm_validate("/nonexistent/nothing.wasm", err, sizeof err);
    cr_assert(st == PL_E_NOT_FOUND || st == PL_E_IO, "status %d", st);
    cr_assert(strstr(err, "/nonexistent/nothing.wasm"), "%s", err);
    cr_assert_eq(pl_wasm_validate(NULL, err, sizeof err), PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_validate(NULL, NULL, 0), PL_E_INVALID_ARG);
}

Test(wasm_api, describe_counts)
{
    char err[512];
    pl_wasm_counts n = PL_WASM_COUNTS_INIT;
    cr_assert_eq(pl_wasm_describe(fixture("traps"), &n, err, sizeof err), PL_OK, "%s", err);
    cr_assert_eq(n.functions, 13u);
    cr_assert_eq(n.imports, 0u);
    cr_assert_eq(n.exports, 11u);
    cr_assert_eq(pl_wasm_describe(fixture("xb"), &n, err, sizeof err), PL_OK, "%s", err);
    cr_assert_eq(n.functions, 1u);
    cr_assert_eq(n.imports, 2u);
    cr_assert_eq(n.exports, 0u);
    /* an older, shorter struct: only what fits is written */
    pl_wasm_counts old = {.struct_size = 8, .functions = 99, .imports = 77, .exports = 55};
    cr_assert_eq(pl_wasm_describe(fixture("host"), &old, err, sizeof err), PL_OK, "%s", err);
    cr_assert_eq(old.functions, 2u);
    cr_assert_eq(old.imports, 77u);
    cr_assert_eq(old.exports, 55u);
    pl_wasm_counts bad = {.struct_size = 0};
    cr_assert_eq(pl_wasm_describe(fixture("host"), &bad, err, sizeof err), PL_E_INVALID_ARG);
    cr_assert(strstr(err, "struct_size"), "%s", err);
    bad.struct_size = sizeof bad + 8;
    cr_assert_eq(pl_wasm_describe(fixture("host"), &bad, err, sizeof err), PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_describe(fixture("invalid_type"), &n, err, sizeof err),
                 PL_E_INVALID_ARG);
}

/* ---- pl_wasm_run: values as text ------------------------------------------------- */

/* Run func with args; returns the status, *out the output ("" on failure). */
static pl_status run(const char *mod, const char *func, const char *const *args, size_t n,
                     const pl_wasm_run_opts *o, char *out, size_t outlen, uint64_t *fuel,
                     char *err, size_t errlen)
{
    char *text = (char *)"sentinel";
    uint64_t used = 12345;
    pl_status st = pl_wasm_run(fixture(mod), func, args, n, o, &text, &used, err, errlen);
    if (st == PL_OK) {
        cr_assert_not_null(text);
        snprintf(out, outlen, "%s", text);
        pl_free(text);
    } else {
        cr_assert_null(text, "*out is set after a failure");
        snprintf(out, outlen, "%s", "");
    }
    if (fuel)
        *fuel = used;
    return st;
}

/* One argument through an identity export, and the line it prints. */
static void expect_value(const char *func, const char *arg, const char *want)
{
    char out[256], err[512];
    const char *args[1] = {arg};
    pl_status st = run("args", func, args, 1, NULL, out, sizeof out, NULL, err, sizeof err);
    cr_assert_eq(st, PL_OK, "%s(%s): %s", func, arg, err);
    char line[256];
    snprintf(line, sizeof line, "%s\n", want);
    cr_assert_str_eq(out, line, "%s(%s)", func, arg);
}

static void expect_bad_arg(const char *func, const char *arg, const char *type)
{
    char out[256], err[512], want[256];
    const char *args[1] = {arg};
    pl_status st = run("args", func, args, 1, NULL, out, sizeof out, NULL, err, sizeof err);
    cr_assert_eq(st, PL_E_INVALID_ARG, "%s(%s) was accepted: %s", func, arg, out);
    snprintf(want, sizeof want, "args.wasm: '%s' param 0 (%s): cannot read '%s' as %s: ", func,
             type, arg, type);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s(%s): %s", func, arg, err);
}

Test(wasm_api, run_integers)
{
    expect_value("id_i32", "42", "i32:42");
    expect_value("id_i32", "-1", "i32:-1");
    expect_value("id_i32", "4294967295", "i32:-1");
    expect_value("id_i32", "-2147483648", "i32:-2147483648");
    expect_value("id_i32", "0xff", "i32:255");
    expect_value("id_i32", "0XFFFFFFFF", "i32:-1");
    expect_value("id_i32", "-0x10", "i32:-16");
    expect_value("id_i32", "+7", "i32:7");
    expect_value("id_i32", "i32:5", "i32:5");
    expect_value("id_i64", "18446744073709551615", "i64:-1");
    expect_value("id_i64", "-9223372036854775808", "i64:-9223372036854775808");
    expect_value("id_i64", "0x8000000000000000", "i64:-9223372036854775808");
    expect_value("id_i64", "9007199254740993", "i64:9007199254740993");
    expect_bad_arg("id_i32", "4294967296", "i32");
    expect_bad_arg("id_i32", "-2147483649", "i32");
    expect_bad_arg("id_i32", "12x", "i32");
    expect_bad_arg("id_i32", "", "i32");
    expect_bad_arg("id_i32", "0x", "i32");
    expect_bad_arg("id_i32", " 1", "i32");
    expect_bad_arg("id_i32", "1.5", "i32");
    expect_bad_arg("id_i32", "i64:1", "i32");
    expect_bad_arg("id_i64", "18446744073709551616", "i64");
    expect_bad_arg("id_i64", "-9223372036854775809", "i64");
}

Test(wasm_api, run_floats)
{
    expect_value("id_f64", "1.5", "f64:1.5");
    expect_value("id_f64", "0.1", "f64:0.1");
    expect_value("id_f64", "-0", "f64:-0");
    expect_value("id_f64", "-0x1.8p3", "f64:-12");
    expect_value("id_f64", "1e300", "f64:1e+300");
    expect_value("id_f64", "2.2250738585072014e-308", "f64:2.2250738585072014e-308");
    expect_value("id_f64", "4.9e-324", "f64:5e-324");
    expect_value("id_f64", "inf", "f64:inf");
    expect_value("id_f64", "-inf", "f64:-inf");
    expect_value("id_f64", "nan", "f64:nan");
    expect_value("id_f64", "-nan", "f64:-nan");
    expect_value("id_f64", "nan:0x1", "f64:nan:0x1");
    expect_value("id_f64", "nan:0xfffffffffffff", "f64:nan:0xfffffffffffff");
    expect_value("id_f64", "f64:1.5", "f64:1.5");
    expect_value("id_f32", "0.1", "f32:0.1");
    expect_value("id_f32", "16777217", "f32:16777216");
    expect_value("id_f32", "0x1p-149", "f32:1e-45");
    expect_value("id_f32", "3.4028235e38", "f32:3.4028235e+38");
    expect_value("id_f32", "1e39", "f32:inf");
    expect_value("id_f32", "-nan:0x200000", "f32:-nan:0x200000");
    expect_value("id_f32", "nan:0x7fffff", "f32:nan:0x7fffff");
    /* decimal text rounds once, to f32 (not through f64) */
    expect_value("id_f32", "1.00000005960464477539062500000001", "f32:1.0000001");
    expect_bad_arg("id_f32", "nan:0x800000", "f32");
    expect_bad_arg("id_f32", "nan:0", "f32");
    expect_bad_arg("id_f64", "nan:0x0", "f64");
    expect_bad_arg("id_f64", "nan(123)", "f64");
    expect_bad_arg("id_f64", "1.5x", "f64");
    expect_bad_arg("id_f64", "", "f64");
    expect_bad_arg("id_f64", "abc", "f64");
    expect_bad_arg("id_f64", "f32:1", "f64");
}

/* Every result reads back as an argument to the same bits. */
Test(wasm_api, run_float_results_round_trip)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 300; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int f32 = i % 2;
        char hex[64], out1[256], out2[256], err[512];
        if (f32) {
            uint32_t u = (uint32_t)x;
            float f;
            memcpy(&f, &u, sizeof f);
            if (isnan(f))
                snprintf(hex, sizeof hex, "%snan:0x%x", u >> 31 ? "-" : "", u & 0x7fffffu);
            else
                snprintf(hex, sizeof hex, "%a", (double)f);
        } else {
            double d;
            memcpy(&d, &x, sizeof d);
            if (isnan(d))
                snprintf(hex, sizeof hex, "%snan:0x%llx", x >> 63 ? "-" : "",
                         (unsigned long long)(x & 0xfffffffffffffull));
            else
                snprintf(hex, sizeof hex, "%a", d);
        }
        const char *func = f32 ? "id_f32" : "id_f64";
        const char *a1[1] = {hex};
        cr_assert_eq(run("args", func, a1, 1, NULL, out1, sizeof out1, NULL, err, sizeof err),
                     PL_OK, "%s(%s): %s", func, hex, err);
        out1[strcspn(out1, "\n")] = '\0';
        const char *a2[1] = {out1};
        cr_assert_eq(run("args", func, a2, 1, NULL, out2, sizeof out2, NULL, err, sizeof err),
                     PL_OK, "%s(%s): %s", func, out1, err);
        out2[strcspn(out2, "\n")] = '\0';
        cr_assert_str_eq(out2, out1, "%s: %s printed %s, which reads back as %s", func, hex,
                         out1, out2);
    }
}

Test(wasm_api, run_results_multi_value_none_and_refs)
{
    char out[256], err[512];
    const char *two[2] = {"2.5", "-3"};
    cr_assert_eq(run("args", "swap", two, 2, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_OK, "%s", err);
    cr_assert_str_eq(out, "i64:-3\nf64:2.5\n");
    uint64_t fuel = 99;
    cr_assert_eq(run("args", "nothing", NULL, 0, NULL, out, sizeof out, &fuel, err, sizeof err),
                 PL_OK, "%s", err);
    cr_assert_str_eq(out, "");
    cr_assert_eq(fuel, 1u, "an empty function (its end) used %llu units",
                 (unsigned long long)fuel);
    const char *nulls[2] = {"null", "externref:null"};
    cr_assert_eq(run("args", "refs", nulls, 2, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_OK, "%s", err);
    cr_assert_str_eq(out, "i32:2\n");
    cr_assert_eq(run("args", "null_func", NULL, 0, NULL, out, sizeof out, NULL, err,
                     sizeof err),
                 PL_OK, "%s", err);
    cr_assert_str_eq(out, "funcref:null\n");
    const char *notnull[2] = {"null", "7"};
    cr_assert_eq(run("args", "refs", notnull, 2, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert(strstr(err, "param 1 (externref)"), "%s", err);
    /* results may be NULL: only the status and the fuel are wanted */
    const char *one[1] = {"1"};
    cr_assert_eq(pl_wasm_run(fixture("args"), "id_i32", one, 1, NULL, NULL, NULL, NULL, 0),
                 PL_OK);
}

Test(wasm_api, run_wrong_argument_count)
{
    char out[256], err[512];
    const char *args[2] = {"1", "2"};
    cr_assert_eq(run("args", "id_i32", args, 2, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_str_eq(err, "args.wasm: 'id_i32' takes 1 argument (i32), got 2");
    cr_assert_eq(run("args", "swap", args, 1, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_str_eq(err, "args.wasm: 'swap' takes 2 arguments (f64, i64), got 1");
    cr_assert_eq(run("args", "nothing", args, 1, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_str_eq(err, "args.wasm: 'nothing' takes 0 arguments (), got 1");
}

Test(wasm_api, run_missing_export_and_imports)
{
    char out[256], err[512];
    const char *one[1] = {"1"};
    cr_assert_eq(run("args", "id_i3", one, 1, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_NOT_FOUND);
    cr_assert_str_eq(err, "args.wasm: no exported function 'id_i3' (did you mean 'id_i32'?)");
    cr_assert_eq(run("args", "g", NULL, 0, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_NOT_FOUND);
    cr_assert_str_eq(err, "args.wasm: export 'g' is a global, not a function");
    cr_assert_eq(run("args", "zzzzzzzz", NULL, 0, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_NOT_FOUND);
    cr_assert(strstr(err, "(its functions: id_i32, id_i64, "), "%s", err);
    /* no imports are offered */
    cr_assert_eq(run("host", "ok", NULL, 0, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_NOT_FOUND);
    cr_assert(strstr(err, "host.wasm") && strstr(err, "unknown import env.fail"), "%s", err);
    cr_assert_eq(run("nothing-here", "f", NULL, 0, NULL, out, sizeof out, NULL, err,
                     sizeof err),
                 PL_E_NOT_FOUND);
    cr_assert_eq(pl_wasm_run(NULL, "f", NULL, 0, NULL, NULL, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_run(fixture("args"), NULL, NULL, 0, NULL, NULL, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert_eq(pl_wasm_run(fixture("args"), "id_i32", NULL, 1, NULL, NULL, NULL, err,
                             sizeof err),
                 PL_E_INVALID_ARG);
}

/* ---- pl_wasm_run: traps and limits ------------------------------------------------ */

Test(wasm_api, run_trap_reports_kind_location_and_fuel)
{
    char out[256], err[512];
    uint64_t fuel;
    const char *zero[1] = {"0"};
    pl_status st = run("traps", "div_zero", zero, 1, NULL, out, sizeof out, &fuel, err,
                       sizeof err);
    cr_assert_eq(st, PL_E_TRAP, "status %d: %s", st, err);
    static const char want[] = "trap: integer divide by zero (traps.wasm: func 4 @0x";
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_assert(fuel > 0 && fuel < 10, "fuel_used %llu", (unsigned long long)fuel);
    const char *two[1] = {"2"};
    cr_assert_eq(run("traps", "div_zero", two, 1, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_OK, "%s", err);
    cr_assert_str_eq(out, "i32:0\n");
}

Test(wasm_api, run_limits_and_their_defaults)
{
    char out[256], err[512];
    uint64_t fuel;
    pl_wasm_run_opts o = PL_WASM_RUN_OPTS_INIT;
    o.fuel = 1000;
    cr_assert_eq(run("traps", "spin", NULL, 0, &o, out, sizeof out, &fuel, err, sizeof err),
                 PL_E_LIMIT);
    static const char want[] = "trap: fuel exhausted (budget 1000 units) (traps.wasm: func 12 @0x";
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_assert_eq(fuel, 1000u);
    /* the default budget: 10,000,000 units */
    cr_assert_eq(run("traps", "spin", NULL, 0, NULL, out, sizeof out, &fuel, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "fuel exhausted (budget 10000000 units)"), "%s", err);
    cr_assert_eq(fuel, 10000000u);
    /* no fuel limit: the time limit stops it */
    pl_wasm_run_opts t = PL_WASM_RUN_OPTS_INIT;
    t.fuel = UINT64_MAX;
    t.timeout_ms = 30;
    cr_assert_eq(run("traps", "spin", NULL, 0, &t, out, sizeof out, &fuel, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "trap: timeout: the call ran past its 30 ms deadline"), "%s", err);
    cr_assert_gt(fuel, 0u);
    /* memory: the default cap is 256 MiB */
    cr_assert_eq(run("hugemem", "ok", NULL, 0, NULL, out, sizeof out, NULL, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "hugemem.wasm") &&
                  strstr(err, "exceeds the memory limit of 268435456 bytes"),
              "%s", err);
    pl_wasm_run_opts m = PL_WASM_RUN_OPTS_INIT;
    m.mem_bytes = 1048576;
    const char *ab[2] = {"2", "3"};
    cr_assert_eq(run("bigmem", "ok", ab, 2, &m, out, sizeof out, NULL, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "exceeds the memory limit of 1048576 bytes"), "%s", err);
    m.mem_bytes = 2097152;
    cr_assert_eq(run("bigmem", "ok", ab, 2, &m, out, sizeof out, NULL, err, sizeof err), PL_OK,
                 "%s", err);
    cr_assert_str_eq(out, "i32:5\n");
}

Test(wasm_api, run_start_function_runs_under_the_limits)
{
    char out[256], err[512];
    pl_wasm_run_opts o = PL_WASM_RUN_OPTS_INIT;
    o.fuel = 5000;
    const char *ab[2] = {"2", "3"};
    cr_assert_eq(run("start_spin", "ok", ab, 2, &o, out, sizeof out, NULL, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "start function: trap: fuel exhausted (budget 5000 units)"), "%s",
              err);
}

Test(wasm_api, run_opts_struct_size)
{
    char out[256], err[512];
    uint64_t fuel;
    pl_wasm_run_opts o = PL_WASM_RUN_OPTS_INIT;
    o.struct_size = 0;
    cr_assert_eq(run("traps", "spin", NULL, 0, &o, out, sizeof out, &fuel, err, sizeof err),
                 PL_E_INVALID_ARG);
    cr_assert(strstr(err, "struct_size is 0"), "%s", err);
    cr_assert_eq(fuel, 0u, "fuel_used is set (0) when the call never ran");
    o.struct_size = sizeof o + 8;
    cr_assert_eq(run("traps", "spin", NULL, 0, &o, out, sizeof out, NULL, err, sizeof err),
                 PL_E_INVALID_ARG);
    /* an older caller that knew only struct_size and fuel: the rest default */
    pl_wasm_run_opts old = {.struct_size = 16, .fuel = 777, .mem_bytes = 1, .timeout_ms = 1};
    cr_assert_eq(run("traps", "spin", NULL, 0, &old, out, sizeof out, &fuel, err, sizeof err),
                 PL_E_LIMIT);
    cr_assert(strstr(err, "fuel exhausted (budget 777 units)"), "%s", err);
    cr_assert_eq(fuel, 777u);
}

/* ---- the command -------------------------------------------------------------------- */

typedef struct cli_run {
    int code; /* exit status, or 128 + signal */
    char out[16384], err[4096]; /* room for the whole of plinth --help */
} cli_run;

static void read_back(FILE *f, char *buf, size_t len)
{
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run `plinth ARGS...` (NULL-terminated). */
static cli_run plinth(const char *first, ...)
{
    const char *argv[32] = {PLINTH};
    size_t n = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    cr_assert(out && err);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
    pid_t pid;
    int rc = posix_spawn(&pid, PLINTH, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cli_run r;
    r.code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    read_back(out, r.out, sizeof r.out);
    read_back(err, r.err, sizeof r.err);
    return r;
}

Test(wasm_cli, validate)
{
    const char *f = fixture("traps");
    cli_run r = plinth("wasm", "validate", f, NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    char want[1200];
    snprintf(want, sizeof want, "%s: valid (13 functions, 0 imports, 11 exports)\n", f);
    cr_assert_str_eq(r.out, want);
    f = fixture("host");
    r = plinth("wasm", "validate", f, NULL);
    snprintf(want, sizeof want, "%s: valid (2 functions, 1 import, 2 exports)\n", f);
    cr_assert_str_eq(r.out, want);

    r = plinth("wasm", "validate", fixture("invalid_type"), NULL);
    cr_assert_eq(r.code, 1, "exit %d: %s", r.code, r.err);
    cr_assert(strncmp(r.err, "plinth: invalid_type.wasm: func 0 @0x", 37) == 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    r = plinth("wasm", "validate", "/nonexistent/x.wasm", NULL);
    cr_assert_eq(r.code, 4, "exit %d: %s", r.code, r.err);
    r = plinth("wasm", "validate", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    r = plinth("wasm", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    r = plinth("wasm", "frobnicate", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
}

Test(wasm_cli, run_prints_results_then_fuel)
{
    cli_run r = plinth("wasm", "run", fixture("traps"), "--invoke", "ok", "2", "3", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "i32:5\nfuel used: 4 units\n");
    /* options anywhere after the command; negative numbers are arguments */
    r = plinth("wasm", "run", "--fuel", "100", fixture("args"), "--invoke", "swap", "-inf",
               "-0x10", "--timeout", "1000", "--mem", "65536", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "i64:-16\nf64:-inf\nfuel used: 3 units\n");
    /* after "--" everything is an argument */
    r = plinth("wasm", "run", fixture("args"), "--invoke", "id_i32", "--", "--fuel", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "cannot read '--fuel' as i32"), "%s", r.err);
    /* no fuel limit: the time limit stops an infinite loop */
    r = plinth("wasm", "run", fixture("traps"), "--invoke", "spin", "--fuel",
               "18446744073709551615", "--timeout", "50", NULL);
    cr_assert_eq(r.code, 18, "exit %d: %s", r.code, r.err);
    cr_assert(strncmp(r.err, "plinth: trap: timeout: the call ran past its 50 ms deadline (", 61) ==
                  0, "%s", r.err);
}

Test(wasm_cli, run_exit_codes)
{
    static const struct {
        const char *name, *func, *arg, *opt, *val;
        int code;
        const char *err; /* the start of stderr */
    } cases[] = {
        {"traps", "div_zero", "0", NULL, NULL, 17,
         "plinth: trap: integer divide by zero (traps.wasm: func 4 @0x"},
        {"traps", "unreachable", NULL, NULL, NULL, 17,
         "plinth: trap: unreachable (traps.wasm: func 3 @0x"},
        {"traps", "spin", NULL, "--fuel", "1000", 18,
         "plinth: trap: fuel exhausted (budget 1000 units) (traps.wasm: func 12 @0x"},
        {"traps", "spin", NULL, "--timeout", "50", 18, "plinth: trap: "},
        {"bigmem", "ok", NULL, "--mem", "1048576", 18, "plinth: bigmem.wasm: memory: "},
        {"args", "id_i32", "x", NULL, NULL, 2, "plinth: args.wasm: 'id_i32' param 0 (i32): "},
        {"args", "id_i32", NULL, NULL, NULL, 2, "plinth: args.wasm: 'id_i32' takes 1 argument"},
        {"args", "nope", NULL, NULL, NULL, 5, "plinth: args.wasm: no exported function 'nope'"},
        {"host", "ok", NULL, NULL, NULL, 5, "plinth: host.wasm: unknown import env.fail"},
        {"invalid_type", "f", NULL, NULL, NULL, 1, "plinth: invalid_type.wasm: func 0 @0x"},
        {"missing", "f", NULL, NULL, NULL, 4, "plinth: "},
        {"traps", "spin", NULL, "--fuel", "lots", 2, "plinth: wasm run: --fuel 'lots': "},
        {"traps", "spin", NULL, "--timeout", "4294967296", 2, "plinth: wasm run: --timeout"},
        {"traps", "spin", NULL, "--bogus", "1", 2, "plinth: wasm run: unknown option '--bogus'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f = fixture(cases[i].name);
        cli_run r = cases[i].opt
                        ? plinth("wasm", "run", f, "--invoke", cases[i].func, cases[i].opt,
                                 cases[i].val, cases[i].arg, NULL)
                        : plinth("wasm", "run", f, "--invoke", cases[i].func, cases[i].arg,
                                 NULL);
        cr_expect_eq(r.code, cases[i].code, "%s %s: exit %d, want %d: %s", cases[i].name,
                     cases[i].func, r.code, cases[i].code, r.err);
        cr_expect(strncmp(r.err, cases[i].err, strlen(cases[i].err)) == 0,
                  "%s %s: stderr '%s', want '%s...'", cases[i].name, cases[i].func, r.err,
                  cases[i].err);
        if (cases[i].code == 17 || cases[i].code == 18)
            cr_expect(strstr(r.err, "\nfuel used: "), "no fuel after a trap: %s", r.err);
    }
    cli_run r = plinth("wasm", "run", fixture("traps"), NULL);
    cr_assert_eq(r.code, 2, "no --invoke: exit %d", r.code);
    r = plinth("wasm", "run", "--invoke", "ok", NULL);
    cr_assert_eq(r.code, 2, "no FILE: exit %d", r.code);
    r = plinth("wasm", "run", fixture("traps"), "--invoke", NULL);
    cr_assert_eq(r.code, 2, "--invoke without NAME: exit %d", r.code);
}

Test(wasm_cli, help_lists_the_wasm_commands)
{
    cli_run r = plinth("--help", NULL);
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out, "wasm validate FILE"), "%s", r.out);
    cr_assert(strstr(r.out, "wasm run FILE --invoke NAME"), "%s", r.out);
    cr_assert(strstr(r.out, "17 the Wasm code trapped"), "%s", r.out);
    cr_assert(strstr(r.out, "18 a fuel, memory or time limit"), "%s", r.out);
}
