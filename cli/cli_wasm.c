/*
** cli_wasm.c — `plinth wasm validate FILE` and `plinth wasm run FILE
** --invoke NAME [ARGS...] [--fuel N] [--mem BYTES] [--timeout MS]`: check a
** module, or call one export in plinth's sandbox and print its results and
** the fuel it used.
**
** Exit codes: a module that does not load is a failed check (1, or 4 when
** the file cannot be read); a bad argument is a usage error (2); a missing
** export or an import (none is offered) is 5; a trap is 17; fuel, time and
** memory limits are 18 (cli_exit_code).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A module that does not load: 1 (the check failed), except when the file
** itself cannot be read or memory ran out. */
static int load_exit_code(pl_status st)
{
    switch (st) {
    case PL_E_IO:
    case PL_E_NOT_FOUND:
    case PL_E_NOMEM:
    case PL_E_INTERNAL: return cli_exit_code(st);
    default: return CLI_FAILED;
    }
}

/* Load FILE and print its counts; *rc is the exit code. */
static bool describe(const char *file, bool quiet, int *rc)
{
    char err[2048];
    pl_wasm_counts n = PL_WASM_COUNTS_INIT;
    pl_status st = pl_wasm_describe(file, &n, err, sizeof err);
    if (st != PL_OK) {
        fprintf(stderr, "plinth: %s\n", err[0] ? err : pl_status_str(st));
        *rc = load_exit_code(st);
        return false;
    }
    if (!quiet)
        printf("%s: valid (%u function%s, %u import%s, %u export%s)\n", file,
               (unsigned)n.functions, n.functions == 1 ? "" : "s", (unsigned)n.imports,
               n.imports == 1 ? "" : "s", (unsigned)n.exports, n.exports == 1 ? "" : "s");
    *rc = CLI_OK;
    return true;
}

static int wasm_validate(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error("wasm validate: expected one FILE");
    int rc;
    describe(argv[1], false, &rc);
    return rc;
}

/* ---- run -------------------------------------------------------------------- */

typedef struct run_args {
    const char *file, *func;
    const char **args; /* the export's arguments, in order */
    size_t nargs;
    pl_wasm_run_opts opts;
} run_args;

/* A decimal count for --fuel, --mem or --timeout, at most max. */
static bool read_count(const char *opt, const char *s, unsigned long long max,
                       unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v > max) {
        cli_usage_error("wasm run: %s '%s': expected a whole number up to %llu", opt, s, max);
        return false;
    }
    *out = v;
    return true;
}

/* One option with its value at argv[*i + 1]; false after a usage error. */
static bool run_option(run_args *a, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    if (*i + 1 >= argc) {
        cli_usage_error("wasm run: %s needs a value", opt);
        return false;
    }
    const char *v = argv[++*i];
    unsigned long long n;
    if (strcmp(opt, "--invoke") == 0) {
        a->func = v;
        return true;
    }
    if (strcmp(opt, "--fuel") == 0 && read_count(opt, v, UINT64_MAX, &n))
        a->opts.fuel = n;
    else if (strcmp(opt, "--mem") == 0 && read_count(opt, v, UINT64_MAX, &n))
        a->opts.mem_bytes = n;
    else if (strcmp(opt, "--timeout") == 0 && read_count(opt, v, UINT32_MAX, &n))
        a->opts.timeout_ms = (uint32_t)n;
    else
        return false;
    return true;
}

static bool is_option(const char *s)
{
    return strcmp(s, "--invoke") == 0 || strcmp(s, "--fuel") == 0 || strcmp(s, "--mem") == 0 ||
           strcmp(s, "--timeout") == 0;
}

/* FILE first; arguments may start with '-' ("-1", "-inf"): only the known
** options and other "--words" are taken as options; "--" ends them. */
static int parse_run_args(int argc, char **argv, run_args *a)
{
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (options && strcmp(s, "--") == 0) {
            options = false;
        } else if (options && is_option(s)) {
            if (!run_option(a, argc, argv, &i))
                return CLI_USAGE;
        } else if (options && s[0] == '-' && s[1] == '-') {
            return cli_usage_error("wasm run: unknown option '%s'", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            a->args[a->nargs++] = s;
        }
    }
    if (!a->file)
        return cli_usage_error("wasm run: FILE is required");
    if (!a->func)
        return cli_usage_error("wasm run: --invoke NAME is required");
    return CLI_OK;
}

/* The exit code of a failed run: a bad argument is a usage error, a
** missing export or import is "no such name", a trap or a limit has its
** own code. */
static int run_exit_code(pl_status st)
{
    switch (st) {
    case PL_E_INVALID_ARG: return CLI_USAGE;
    case PL_E_NOT_FOUND: return CLI_NOT_FOUND;
    default: return cli_exit_code(st);
    }
}

static int run_call(const run_args *a)
{
    char err[2048];
    char *out = NULL;
    uint64_t fuel = 0;
    pl_status st = pl_wasm_run(a->file, a->func, a->args, a->nargs, &a->opts, &out, &fuel, err,
                               sizeof err);
    if (st == PL_OK) {
        fputs(out, stdout);
        printf("fuel used: %llu units\n", (unsigned long long)fuel);
        pl_free(out);
        return CLI_OK;
    }
    fprintf(stderr, "plinth: %s\n", err[0] ? err : pl_status_str(st));
    if (st == PL_E_TRAP || st == PL_E_LIMIT)
        fprintf(stderr, "fuel used: %llu units\n", (unsigned long long)fuel);
    return run_exit_code(st);
}

static int wasm_run(int argc, char **argv)
{
    run_args a = {.opts = PL_WASM_RUN_OPTS_INIT};
    a.args = calloc((size_t)argc, sizeof *a.args);
    if (!a.args)
        return cli_fail(PL_E_NOMEM, NULL);
    int rc = parse_run_args(argc, argv, &a);
    /* Load errors first, with the exit codes of `wasm validate`; then any
    ** PL_E_INVALID_ARG from the run is about the arguments. */
    if (rc == CLI_OK && describe(a.file, true, &rc))
        rc = run_call(&a);
    free(a.args);
    return rc;
}

int cli_wasm(int argc, char **argv)
{
    static const cli_command cmds[] = {
        {"validate", wasm_validate, "FILE", "decode, validate and compile a module"},
        {"run", wasm_run, "FILE --invoke NAME [ARGS...] [--fuel N] [--mem BYTES] [--timeout MS]",
         "call an export in the sandbox"},
        {NULL, NULL, NULL, NULL},
    };
    return cli_dispatch("wasm", cmds, argc, argv);
}
