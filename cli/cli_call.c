/*
** cli_call.c — `plinth call FILE.wasm FUNCTION [options]`: call one function
** of an Extism plugin, the way `extism call` does, through pl_wasm_call.
**
** Output: the plugin's output bytes on stdout exactly as it set them — no
** line end is added (`extism call` adds none either), so binary output
** pipes through unchanged. A failure prints "plinth: <message>" on stderr,
** nothing on stdout, and exits with its own code: 19 when the plugin
** itself reported the failure (an error it set, or a non-zero return
** code), 17 for a trap, 18 for a fuel, time or memory limit, 13 for an
** HTTP request to a host that was not allowed (docs/cli.md has the table).
**
** The target is a file when it looks like one (a '/' or a ".wasm" ending);
** anything else is the name of a configured plugin, whose call goes
** through call_named() below.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct call_args {
    const char *target;      /* FILE.wasm, or a configured plugin's name */
    const char *func;
    const char *input;       /* --input TEXT */
    const char *input_file;  /* --input-file F */
    bool input_stdin;        /* - (or --stdin, as extism call spells it) */
    int n_inputs;            /* how many of the three were given */
    const char *host_config; /* --config FILE (no '='): a configured plugin's host */
    const char **config;     /* --config KEY=VALUE, in order */
    size_t n_config;
    const char **hosts;      /* --allow-host GLOB */
    size_t n_hosts;
    const char **paths;      /* --allow-path [ro:]HOST_DIR[:GUEST_DIR] */
    size_t n_paths;
    pl_wasm_call_opts opts;
} call_args;

/* ---- option values ------------------------------------------------------------ */

/* Each stores one option's value in a; false after reporting a usage
** error (*code is then the exit code). */
typedef bool (*set_fn)(call_args *a, const char *opt, const char *v, int *code);

static bool set_input(call_args *a, const char *opt, const char *v, int *code)
{
    (void)opt, (void)code;
    a->input = v;
    a->n_inputs++;
    return true;
}

static bool set_input_file(call_args *a, const char *opt, const char *v, int *code)
{
    (void)opt, (void)code;
    a->input_file = v;
    a->n_inputs++;
    return true;
}

static bool set_stdin(call_args *a, const char *opt, const char *v, int *code)
{
    (void)opt, (void)v, (void)code;
    a->input_stdin = true;
    a->n_inputs++;
    return true;
}

static bool set_wasi(call_args *a, const char *opt, const char *v, int *code)
{
    (void)opt, (void)v, (void)code;
    a->opts.wasi = 1;
    return true;
}

/* KEY=VALUE is the plugin's configuration; a value without '=' names the
** host configuration a configured plugin is found in. */
static bool set_config(call_args *a, const char *opt, const char *v, int *code)
{
    if (strchr(v, '=')) {
        if (v[0] == '=') {
            *code = cli_usage_error("call: %s '%s': the key is empty (expected KEY=VALUE)", opt,
                                    v);
            return false;
        }
        a->config[a->n_config++] = v;
        return true;
    }
    if (a->host_config) {
        *code = cli_usage_error("call: %s '%s': expected KEY=VALUE (a configuration file "
                                "was already given: '%s')", opt, v, a->host_config);
        return false;
    }
    a->host_config = v;
    return true;
}

static bool set_host(call_args *a, const char *opt, const char *v, int *code)
{
    if (!*v) {
        *code = cli_usage_error("call: %s: expected a host or a glob (api.example.com, "
                                "*.example.com, 127.0.0.1:8080)", opt);
        return false;
    }
    a->hosts[a->n_hosts++] = v;
    return true;
}

/* The directory must exist now: a missing one is a missing file (exit 4),
** said before the plugin runs. */
static bool set_path(call_args *a, const char *opt, const char *v, int *code)
{
    const char *p = strncmp(v, "ro:", 3) == 0 ? v + 3 : v;
    size_t n = strcspn(p, ":");
    if (n == 0 || (p[n] == ':' && !p[n + 1])) {
        *code = cli_usage_error("call: %s '%s': expected [ro:]HOST_DIR[:GUEST_DIR]", opt, v);
        return false;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)n, p);
    struct stat sb;
    bool found = stat(dir, &sb) == 0;
    if (!found || !S_ISDIR(sb.st_mode)) {
        char msg[4300];
        snprintf(msg, sizeof msg, "call: %s '%s': %s: %s", opt, v, dir,
                 found ? "not a directory" : strerror(errno));
        *code = cli_fail(PL_E_IO, msg);
        return false;
    }
    a->paths[a->n_paths++] = v;
    return true;
}

/* A whole decimal number up to max. */
static bool read_count(const char *opt, const char *v, unsigned long long max,
                       unsigned long long *out, int *code)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end || errno || n > max) {
        *code = cli_usage_error("call: %s '%s': expected a whole number up to %llu", opt, v, max);
        return false;
    }
    *out = n;
    return true;
}

static bool set_fuel(call_args *a, const char *opt, const char *v, int *code)
{
    unsigned long long n;
    if (!read_count(opt, v, UINT64_MAX, &n, code))
        return false;
    a->opts.fuel = n;
    return true;
}

static bool set_mem(call_args *a, const char *opt, const char *v, int *code)
{
    unsigned long long n;
    if (!read_count(opt, v, UINT64_MAX, &n, code))
        return false;
    a->opts.mem_bytes = n;
    return true;
}

static bool set_timeout(call_args *a, const char *opt, const char *v, int *code)
{
    unsigned long long n;
    if (!read_count(opt, v, UINT32_MAX, &n, code))
        return false;
    a->opts.timeout_ms = (uint32_t)n;
    return true;
}

static bool set_log_level(call_args *a, const char *opt, const char *v, int *code)
{
    static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
    for (int i = 0; i < 5; i++)
        if (strcmp(v, names[i]) == 0) {
            a->opts.log_level = i;
            return true;
        }
    if (strcmp(v, "off") == 0) {
        a->opts.log_level = -1;
        return true;
    }
    *code = cli_usage_error("call: %s '%s': expected trace, debug, info, warn, error or off",
                            opt, v);
    return false;
}

static const struct {
    const char *name;
    bool has_value;
    set_fn set;
} options[] = {
    {"--input", true, set_input},
    {"-i", true, set_input},
    {"--input-file", true, set_input_file},
    {"--stdin", false, set_stdin},
    {"--config", true, set_config},
    {"--allow-host", true, set_host},
    {"--allow-path", true, set_path},
    {"--wasi", false, set_wasi},
    {"--fuel", true, set_fuel},
    {"--mem", true, set_mem},
    {"--timeout", true, set_timeout},
    {"--log-level", true, set_log_level},
};

/* ---- the command line ------------------------------------------------------------- */

/* One option at argv[*i] ("--name VALUE" or "--name=VALUE"); false after
** a usage error. */
static bool take_option(call_args *a, int argc, char **argv, int *i, int *code)
{
    const char *arg = argv[*i];
    size_t n = strcspn(arg, "=");
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
        const char *name = options[k].name;
        if (strlen(name) != n || strncmp(arg, name, n) != 0)
            continue;
        if (!options[k].has_value) {
            if (arg[n] == '=') {
                *code = cli_usage_error("call: %s takes no value", name);
                return false;
            }
            return options[k].set(a, name, NULL, code);
        }
        if (arg[n] == '=')
            return options[k].set(a, name, arg + n + 1, code);
        if (*i + 1 >= argc) {
            *code = cli_usage_error("call: %s needs a value", name);
            return false;
        }
        return options[k].set(a, name, argv[++*i], code);
    }
    *code = cli_usage_error("call: unknown option '%.*s'", (int)n, arg);
    return false;
}

/* TARGET and FUNCTION in that order, options anywhere; "-" is the stdin
** input; "--" ends the options (a function named "-x" comes after it). */
static int parse_args(int argc, char **argv, call_args *a)
{
    bool options_done = false;
    int code = CLI_OK;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!options_done && strcmp(s, "--") == 0)
            options_done = true;
        else if (!options_done && strcmp(s, "-") == 0)
            set_stdin(a, s, NULL, &code);
        else if (!options_done && s[0] == '-') {
            if (!take_option(a, argc, argv, &i, &code))
                return code;
        } else if (!a->target)
            a->target = s;
        else if (!a->func)
            a->func = s;
        else
            return cli_usage_error("call: unexpected argument '%s' (the input goes in "
                                   "--input TEXT, --input-file F or on stdin with -)", s);
    }
    if (!a->target || !a->func)
        return cli_usage_error("call: expected FILE.wasm FUNCTION");
    if (a->n_inputs > 1)
        return cli_usage_error("call: give the input once: --input TEXT, --input-file F or -");
    a->opts.config = a->config;
    a->opts.n_config = a->n_config;
    a->opts.allowed_hosts = a->hosts;
    a->opts.n_allowed_hosts = a->n_hosts;
    a->opts.allowed_paths = a->paths;
    a->opts.n_allowed_paths = a->n_paths;
    return CLI_OK;
}

/* ---- input and output ----------------------------------------------------------------- */

/* The whole of f into *out (malloc'd; NULL and 0 for nothing). */
static bool read_all(FILE *f, char **out, size_t *len)
{
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return false;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* The input bytes: --input's text, --input-file's bytes, stdin's, or none.
** *owned is what to free. */
static int read_input(const call_args *a, const char **in, size_t *len, char **owned)
{
    *owned = NULL;
    *in = a->input ? a->input : "";
    *len = a->input ? strlen(a->input) : 0;
    if (!a->input_file && !a->input_stdin)
        return CLI_OK;
    FILE *f = a->input_stdin ? stdin : fopen(a->input_file, "rb");
    const char *what = a->input_stdin ? "stdin" : a->input_file;
    bool ok = f && read_all(f, owned, len);
    int e = errno;
    if (f && f != stdin)
        fclose(f);
    if (!ok) {
        char msg[4200];
        snprintf(msg, sizeof msg, "call: cannot read the input from %s: %s", what, strerror(e));
        return cli_fail(PL_E_IO, msg);
    }
    *in = *owned ? *owned : "";
    return CLI_OK;
}

/* The output exactly as the plugin set it, then the exit code of writing it. */
static int write_output(const void *out, size_t len)
{
    if ((len && fwrite(out, 1, len, stdout) != len) || fflush(stdout) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "call: cannot write the output: %s", strerror(errno));
        return cli_fail(PL_E_IO, msg);
    }
    return CLI_OK;
}

/* ---- exit codes ---------------------------------------------------------------------------- */

/* Failures of a call that has its module: the plugin's own failure has its
** own code; a missing export or import is "no such name"; HTTP failures
** have the codes of the provider commands. Others: the shared table. */
static int call_exit_code(pl_status st)
{
    static const struct {
        pl_status st;
        int code;
    } codes[] = {
        {PL_E_PLUGIN, CLI_PLUGIN_FAILED},
        {PL_E_NOT_FOUND, CLI_NOT_FOUND},
        {PL_E_UNSUPPORTED, CLI_NOT_FOUND},   /* an Extism import this plinth does not know */
        {PL_E_INVALID_ARG, CLI_NOT_FOUND},   /* the export is not an Extism function */
        {PL_E_DENIED, CLI_DENIED},
        {PL_E_NETWORK, CLI_NETWORK},
        {PL_E_TIMEOUT, CLI_TIMEOUT},
        {PL_E_CANCELLED, CLI_CANCELLED},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].st == st)
            return codes[i].code;
    return cli_exit_code(st);
}

/* The exit code of a failed pl_wasm_call. Some statuses come both from
** the module (malformed, missing) and from the call (no such export, fuel);
** only when they do, the module is checked again to tell which, so a
** successful call loads its module once. */
static int file_exit_code(const char *file, pl_status st)
{
    switch (st) {
    case PL_E_SYNTAX:
    case PL_E_INVALID_ARG:
    case PL_E_UNSUPPORTED:
    case PL_E_LIMIT:
    case PL_E_IO:
    case PL_E_NOT_FOUND: break;
    default: return call_exit_code(st);
    }
    char err[64];
    pl_status load = pl_wasm_validate(file, err, sizeof err);
    if (load == PL_OK)
        return call_exit_code(st);
    if (load == PL_E_IO || load == PL_E_NOT_FOUND || load == PL_E_NOMEM)
        return cli_exit_code(load);
    return CLI_FAILED; /* the module does not load: a failed check, as `wasm validate` */
}

/* ---- the two targets ------------------------------------------------------------------- */

/* A file is named by a path; anything else is a configured plugin's name. */
static bool is_file(const char *target)
{
    size_t n = strlen(target);
    return strchr(target, '/') || (n > 5 && strcasecmp(target + n - 5, ".wasm") == 0);
}

static int call_file(const call_args *a)
{
    if (a->host_config)
        return cli_usage_error("call: --config '%s' names a host configuration, which only a "
                               "configured plugin uses; a .wasm file takes --config KEY=VALUE",
                               a->host_config);
    const char *in;
    size_t len;
    char *owned;
    int code = read_input(a, &in, &len, &owned);
    if (code != CLI_OK)
        return code;
    char err[2048];
    void *out = NULL;
    size_t out_len = 0;
    int32_t rc = 0;
    pl_status st = pl_wasm_call(a->target, a->func, in, len, &a->opts, &out, &out_len, &rc, err,
                                sizeof err);
    free(owned);
    if (st != PL_OK) {
        fprintf(stderr, "plinth: %s\n", err[0] ? err : pl_status_str(st));
        if (st == PL_E_DENIED && !a->n_hosts)
            fputs("(no host is allowed unless given: --allow-host GLOB)\n", stderr);
        return file_exit_code(a->target, st);
    }
    code = write_output(out, out_len);
    pl_free(out);
    return code;
}

/* A configured plugin, by name: the host's limits, grants and pool apply,
** so --config here names the host configuration (else the usual lookup)
** and the per-call options of a file (--allow-host, ...) are refused. */
static int call_named(const call_args *a)
{
    const pl_wasm_call_opts none = PL_WASM_CALL_OPTS_INIT;
    if (a->n_config || a->n_hosts || a->n_paths || a->opts.wasi != none.wasi ||
        a->opts.fuel != none.fuel || a->opts.mem_bytes != none.mem_bytes ||
        a->opts.timeout_ms != none.timeout_ms || a->opts.log_level != none.log_level)
        return cli_usage_error("call: a configured plugin gets its config, grants and limits "
                               "from the host configuration; --config KEY=VALUE, --allow-host, "
                               "--allow-path, --wasi, --fuel, --mem, --timeout and "
                               "--log-level are for .wasm files");
    const char *in;
    size_t len;
    char *owned;
    int code = read_input(a, &in, &len, &owned);
    if (code != CLI_OK)
        return code;
    pl_host *h = NULL;
    if ((code = cli_open_host(a->host_config, &h)) != CLI_OK) {
        free(owned);
        return code;
    }
    pl_call *call = NULL;
    void *out = NULL;
    size_t out_len = 0;
    pl_status st = pl_call_new(&call);
    if (st == PL_OK)
        st = pl_plugin_call(h, a->target, a->func, in, len, call, &out, &out_len);
    free(owned);
    if (st == PL_OK) {
        code = write_output(out, out_len);
    } else {
        const char *msg = call ? pl_call_error_message(call) : NULL;
        fprintf(stderr, "plinth: %s\n", msg && *msg ? msg : pl_host_last_error(h));
        code = call_exit_code(st);
    }
    pl_free(out);
    pl_call_free(call);
    pl_host_close(h);
    return code;
}

int cli_call(int argc, char **argv)
{
    call_args a = {.opts = PL_WASM_CALL_OPTS_INIT};
    size_t cap = (size_t)argc;
    a.config = calloc(cap, sizeof *a.config);
    a.hosts = calloc(cap, sizeof *a.hosts);
    a.paths = calloc(cap, sizeof *a.paths);
    int code = a.config && a.hosts && a.paths ? parse_args(argc, argv, &a)
                                              : cli_fail(PL_E_NOMEM, NULL);
    if (code == CLI_OK)
        code = is_file(a.target) ? call_file(&a) : call_named(&a);
    free(a.config);
    free(a.hosts);
    free(a.paths);
    return code;
}
