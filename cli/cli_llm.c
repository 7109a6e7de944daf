/*
** cli_llm.c — `plinth plugins`, `models`, `chat`, `complete`, `embed`:
** open a host on the configuration and call a provider through the public
** API, as any application would.
**
** Ctrl-C cancels the running call (pl_call_cancel is a single atomic
** store, safe in a signal handler); the command then exits 130.
*/
#include <signal.h>
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

/* An option that takes a value: --name VALUE or --name=VALUE. */
static const char *opt_value(const char *name, int argc, char **argv, int *i)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

int cli_llm_args(const char *cmd, int argc, char **argv, bool need_provider, llm_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = opt_value("--config", argc, argv, &i)))
            a->config = v;
        else if ((v = opt_value("--model", argc, argv, &i)))
            a->model = v;
        else if ((v = opt_value("--system", argc, argv, &i)))
            a->system = v;
        else if ((v = opt_value("--temperature", argc, argv, &i)))
            a->temperature = v;
        else if ((v = opt_value("--max-tokens", argc, argv, &i)))
            a->max_tokens = v;
        else if ((v = opt_value("--tool", argc, argv, &i))) {
            if (a->n_tools == 16)
                return cli_usage_error("%s: at most 16 --tool files", cmd);
            a->tools[a->n_tools++] = v;
        } else if ((v = opt_value("--option", argc, argv, &i))) {
            if (a->n_options == 16)
                return cli_usage_error("%s: at most 16 --option values", cmd);
            a->options[a->n_options++] = v;
        } else if (strcmp(argv[i], "--stream") == 0)
            a->stream = true;
        else if (strcmp(argv[i], "--json") == 0)
            a->json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("%s: unknown option '%s' (or a missing value)", cmd, argv[i]);
        else if (need_provider && !a->provider)
            a->provider = argv[i];
        else if (a->n_texts < 64)
            a->texts[a->n_texts++] = argv[i];
        else
            return cli_usage_error("%s: too many arguments", cmd);
    }
    if (need_provider && !a->provider)
        return cli_usage_error("%s: the provider NAME is required", cmd);
    return CLI_OK;
}

static int open_host(const llm_args *a, pl_host **h)
{
    char err[2048];
    pl_status st = pl_host_open(a->config, h, err, sizeof err);
    return st == PL_OK ? CLI_OK : cli_fail(st, err);
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
    if (rc != CLI_OK || (rc = open_host(&a, &h)) != CLI_OK)
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
    int rc = open_host(a, &h);
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
    if (st != PL_OK) {
        const char *msg = pl_call_error_message(c);
        fprintf(stderr, "plinth: %s\n", msg && *msg ? msg : pl_host_last_error(h));
        long wait = pl_call_retry_after_ms(c);
        if (pl_call_error_kind(c) == PL_ERROR_RATE_LIMITED && wait >= 0)
            fprintf(stderr, "plinth: the provider asks to retry after %ld ms\n", wait);
        rc = cli_call_exit_code(st, c);
    }
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
