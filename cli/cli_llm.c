/*
** cli_llm.c — `plinth plugins`, `models`, `chat`, `complete`, `embed`:
** open a host on the configuration and call a provider through the public
** API, as any application would.
**
** Ctrl-C cancels the running call (pl_call_cancel is a single atomic
** store, safe in a signal handler); the command then exits 130.
*/
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_llm.h"

static pl_call *volatile running_call;

static void on_sigint(int sig)
{
    (void)sig;
    pl_call *c = running_call;
    if (c)
        pl_call_cancel(c);
}

/* The first problem with the command line, kept until --json is known. */
typedef struct bad_args {
    char msg[512];
} bad_args;

static void bad(bad_args *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(bad_args *b, const char *fmt, ...)
{
    if (b->msg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
}

/* ---- option values ------------------------------------------------------- */

/* Each stores one value in a, or returns false with why completing
** "--name: ...". Numbers are read whole: "0.7x", "", "nan" or "-1" are
** errors, never a silent 0. */
typedef bool (*value_fn)(llm_args *a, const char *v, char *why, size_t n);

/* Negative temperatures mean nothing to any provider; the upper bound is
** the provider's own (2 for OpenAI) and it says so itself. */
static bool set_temperature(llm_args *a, const char *v, char *why, size_t n)
{
    char *end = NULL;
    errno = 0;
    double t = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(t) || t < 0) {
        snprintf(why, n, "expected a number of 0 or more (such as 0.7), got '%s'", v);
        return false;
    }
    a->temperature = t;
    a->has_temperature = true;
    return true;
}

static bool set_max_tokens(llm_args *a, const char *v, char *why, size_t n)
{
    char *end = NULL;
    errno = 0;
    /* Digits only: strtoull would take "-1" as a huge number and " 5" too. */
    unsigned long long t = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
    if (!end || *end || errno == ERANGE || t < 1 || t > UINT32_MAX) {
        snprintf(why, n, "expected a whole number from 1 to %u, got '%s'", UINT32_MAX, v);
        return false;
    }
    a->max_tokens = (uint32_t)t;
    a->has_max_tokens = true;
    return true;
}

static bool add_tool(llm_args *a, const char *v, char *why, size_t n)
{
    if (a->n_tools == 16) {
        snprintf(why, n, "at most 16 tool files");
        return false;
    }
    a->tools[a->n_tools++] = v;
    return true;
}

static bool add_option(llm_args *a, const char *v, char *why, size_t n)
{
    if (a->n_options == 16) {
        snprintf(why, n, "at most 16 values");
        return false;
    }
    a->options[a->n_options++] = v;
    return true;
}

/* Options that take a value: a string kept as given (at `text`), or one
** read by `set`. */
static const struct value_opt {
    const char *name;
    size_t text;
    value_fn set;
} value_opts[] = {
    {"--config", offsetof(llm_args, config), NULL},
    {"--model", offsetof(llm_args, model), NULL},
    {"--system", offsetof(llm_args, system), NULL},
    {"--temperature", 0, set_temperature},
    {"--max-tokens", 0, set_max_tokens},
    {"--tool", 0, add_tool},
    {"--option", 0, add_option},
};

/* argv[*i] as one of value_opts: --name VALUE or --name=VALUE. False when
** it is none of them. */
static bool value_option(const char *cmd, int argc, char **argv, int *i, llm_args *a,
                         bad_args *b)
{
    for (size_t k = 0; k < sizeof value_opts / sizeof value_opts[0]; k++) {
        const char *name = value_opts[k].name, *arg = argv[*i];
        size_t len = strlen(name);
        if (strncmp(arg, name, len) != 0 || (arg[len] != '=' && arg[len] != '\0'))
            continue;
        if (arg[len] == '\0' && *i + 1 >= argc) {
            bad(b, "%s: %s needs a value", cmd, name);
            return true;
        }
        const char *v = arg[len] == '=' ? arg + len + 1 : argv[++*i];
        char why[300];
        if (!value_opts[k].set)
            memcpy((char *)a + value_opts[k].text, &v, sizeof v);
        else if (!value_opts[k].set(a, v, why, sizeof why))
            bad(b, "%s: %s: %s", cmd, name, why);
        return true;
    }
    return false;
}

static void one_arg(const char *cmd, int argc, char **argv, int *i, bool need_provider,
                    llm_args *a, bad_args *b)
{
    const char *arg = argv[*i];
    if (value_option(cmd, argc, argv, i, a, b))
        return;
    if (strcmp(arg, "--stream") == 0)
        a->stream = true;
    else if (strcmp(arg, "--json") == 0)
        a->json = true;
    else if (arg[0] == '-' && arg[1])
        bad(b, "%s: unknown option '%s'", cmd, arg);
    else if (need_provider && !a->provider)
        a->provider = arg;
    else if (a->n_texts < 64)
        a->texts[a->n_texts++] = arg;
    else
        bad(b, "%s: too many arguments", cmd);
}

int cli_llm_args(const char *cmd, int argc, char **argv, bool need_provider, llm_args *a)
{
    bad_args b = {""};
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++)
        one_arg(cmd, argc, argv, &i, need_provider, a, &b);
    cli_set_json_errors(a->json);
    if (need_provider && !a->provider)
        bad(&b, "%s: the provider NAME is required", cmd);
    return b.msg[0] ? cli_usage_error("%s", b.msg) : CLI_OK;
}

/* ---- plugins ----------------------------------------------------------------- */

static const char *kind_name(pl_plugin_kind k)
{
    static const char *const names[] = {"?", "provider", "tool", "prompt", "context"};
    return (unsigned)k < 5 ? names[k] : "?";
}

static const char *backend_name(pl_backend b)
{
    static const char *const names[] = {"?", "native", "wasm", "process"};
    return (unsigned)b < 4 ? names[b] : "?";
}

static const char *state_name(pl_plugin_state s)
{
    static const char *const names[] = {"?", "ready", "failed", "disabled"};
    return (unsigned)s < 4 ? names[s] : "?";
}

/* "key": "value" or "key": null. */
static void json_member(const char *key, const char *value, bool more)
{
    printf("\"%s\": ", key);
    if (value)
        cli_json_quote(stdout, value);
    else
        fputs("null", stdout);
    fputs(more ? ", " : "", stdout);
}

static void print_plugin_json(const pl_plugin_info *pi, bool last)
{
    /* Every string is quoted: versions and errors come from plugins and
    ** may hold anything. */
    fputs("  {", stdout);
    json_member("name", pi->name, true);
    json_member("kind", kind_name(pi->kind), true);
    json_member("backend", backend_name(pi->backend), true);
    json_member("version", pi->version, true);
    json_member("state", state_name(pi->state), true);
    json_member("error", pi->error, false);
    printf("}%s\n", last ? "" : ",");
}

int cli_plugins(int argc, char **argv)
{
    llm_args a;
    int rc = cli_llm_args("plugins", argc, argv, false, &a);
    pl_host *h = NULL;
    if (rc != CLI_OK || (rc = cli_open_host(a.config, &h)) != CLI_OK)
        return rc;
    size_t n = pl_host_plugin_count(h);
    bool any_failed = false;
    if (a.json)
        puts("[");
    else if (n == 0)
        puts("no plugins configured");
    else
        printf("%-16s %-9s %-8s %-10s %-9s %s\n", "NAME", "KIND", "BACKEND", "VERSION", "STATE",
               "ERROR");
    for (size_t i = 0; i < n; i++) {
        pl_plugin_info pi;
        if (pl_host_plugin_info(h, i, &pi) != PL_OK)
            continue;
        any_failed |= pi.state == PL_PLUGIN_FAILED;
        if (a.json)
            print_plugin_json(&pi, i + 1 == n);
        else
            printf("%-16s %-9s %-8s %-10s %-9s %s\n", pi.name, kind_name(pi.kind),
                   backend_name(pi.backend), pi.version ? pi.version : "-", state_name(pi.state),
                   pi.error ? pi.error : "");
    }
    if (a.json)
        puts("]");
    pl_host_close(h);
    return any_failed ? CLI_PLUGIN : CLI_OK;
}

/* ---- provider calls ----------------------------------------------------------- */

int cli_llm_run(const llm_args *a, const char *req, cli_call_fn fn, char **out)
{
    pl_host *h = NULL;
    int rc = cli_open_host(a->config, &h);
    if (rc != CLI_OK)
        return rc;
    pl_call *c = NULL;
    if (pl_call_new(&c) != PL_OK) {
        pl_host_close(h);
        return cli_fail(PL_E_NOMEM, NULL);
    }
    running_call = c;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old);
    pl_status st = fn(h, a, req, c, out);
    sigaction(SIGINT, &old, NULL);
    running_call = NULL;
    if (st != PL_OK)
        rc = cli_fail_call(st, c, pl_host_last_error(h));
    pl_call_free(c);
    pl_host_close(h);
    return rc;
}

static pl_status do_models(pl_host *h, const llm_args *a, const char *req, pl_call *c,
                           char **out)
{
    (void)req;
    return pl_list_models(h, a->provider, c, out);
}

/* Print a JSON array of strings one per line (no JSON parser in the CLI:
** the library already normalised it to compact JSON). */
static void print_string_list(const char *json)
{
    bool in = false, esc = false;
    for (const char *p = json; *p; p++) {
        if (!in) {
            in = *p == '"';
            continue;
        }
        if (esc) {
            putchar(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
            esc = false;
        } else if (*p == '\\') {
            esc = true;
        } else if (*p == '"') {
            putchar('\n');
            in = false;
        } else {
            putchar(*p);
        }
    }
}

int cli_models(int argc, char **argv)
{
    llm_args a;
    int rc = cli_llm_args("models", argc, argv, true, &a);
    if (rc != CLI_OK)
        return rc;
    if (a.n_texts)
        return cli_usage_error("models: unexpected argument '%s'", a.texts[0]);
    if (a.n_options)
        return cli_usage_error("models: --option is for chat, complete and embed");
    char *out = NULL;
    rc = cli_llm_run(&a, NULL, do_models, &out);
    if (rc == CLI_OK) {
        if (a.json)
            cli_print_owned(stdout, out);
        else {
            print_string_list(out);
            pl_free(out);
        }
    }
    return rc;
}
