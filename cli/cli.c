/*
** cli.c — helpers shared by the subcommands: dispatch, exit codes, errors
** (on stderr, and with --json also as a JSON object on stdout).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* pl_status → exit code. Statuses not listed mean "the check failed". */
static const struct {
    pl_status st;
    int code;
} exit_codes[] = {
    {PL_OK, CLI_OK},
    {PL_E_INVALID_ARG, CLI_USAGE},
    {PL_E_SYNTAX, CLI_CONFIG},
    {PL_E_CONFIG, CLI_CONFIG},
    {PL_E_UNSUPPORTED, CLI_CONFIG},
    {PL_E_IO, CLI_IO},
    {PL_E_NOT_FOUND, CLI_IO},
    {PL_E_NOMEM, CLI_INTERNAL},
    {PL_E_INTERNAL, CLI_INTERNAL},
    {PL_E_MISUSE, CLI_INTERNAL},
    {PL_E_TRAP, CLI_TRAP},
    {PL_E_LIMIT, CLI_LIMIT},
};

int cli_exit_code(pl_status st)
{
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        if (exit_codes[i].st == st)
            return exit_codes[i].code;
    return CLI_FAILED;
}

/* A provider call's error kind → exit code: every kind has its own, so
** scripts can tell a bad key from a slow network. Configuration and plugin
** faults share the codes of the same failures at load time. */
static const struct {
    pl_error_kind kind;
    int code;
} kind_codes[] = {
    {PL_ERROR_AUTH, CLI_AUTH},
    {PL_ERROR_RATE_LIMITED, CLI_RATE_LIMITED},
    {PL_ERROR_CONTEXT_WINDOW, CLI_CONTEXT},
    {PL_ERROR_INVALID_REQUEST, CLI_REQUEST},
    {PL_ERROR_PROVIDER, CLI_PROVIDER},
    {PL_ERROR_RESPONSE, CLI_RESPONSE},
    {PL_ERROR_TRANSPORT, CLI_NETWORK},
    {PL_ERROR_TIMEOUT, CLI_TIMEOUT},
    {PL_ERROR_CANCELLED, CLI_CANCELLED},
    {PL_ERROR_PLUGIN, CLI_PLUGIN},
    {PL_ERROR_DENIED, CLI_DENIED},
    {PL_ERROR_UNSUPPORTED, CLI_UNSUPPORTED},
    {PL_ERROR_CONFIG, CLI_CONFIG},
};

int cli_call_exit_code(pl_status st, const pl_call *call)
{
    pl_error_kind k = pl_call_error_kind(call);
    for (size_t i = 0; i < sizeof kind_codes / sizeof kind_codes[0]; i++)
        if (kind_codes[i].kind == k)
            return kind_codes[i].code;
    if (st == PL_E_NOT_FOUND)
        return CLI_NOT_FOUND;
    if (st == PL_E_INVALID_ARG)
        return CLI_USAGE;
    return cli_exit_code(st);
}

/* ---- failures, for people (stderr) and scripts (--json: stdout) ---------- */

/* Set once per run by the commands that take --json; every failure goes
** through report() below, so one switch covers every path. */
static bool json_errors;

void cli_set_json_errors(bool on) { json_errors = on; }

/* The statuses by their C names, as plinth.h and docs/providers.md write
** them: stable words for scripts, unlike pl_status_str's prose. */
static const char *const status_names[] = {
    [PL_OK] = "PL_OK",
    [PL_E_NOMEM] = "PL_E_NOMEM",
    [PL_E_INVALID_ARG] = "PL_E_INVALID_ARG",
    [PL_E_MISUSE] = "PL_E_MISUSE",
    [PL_E_IO] = "PL_E_IO",
    [PL_E_NOT_FOUND] = "PL_E_NOT_FOUND",
    [PL_E_SYNTAX] = "PL_E_SYNTAX",
    [PL_E_CONFIG] = "PL_E_CONFIG",
    [PL_E_SCHEMA] = "PL_E_SCHEMA",
    [PL_E_UNSUPPORTED] = "PL_E_UNSUPPORTED",
    [PL_E_ABI] = "PL_E_ABI",
    [PL_E_PLUGIN] = "PL_E_PLUGIN",
    [PL_E_TRAP] = "PL_E_TRAP",
    [PL_E_LIMIT] = "PL_E_LIMIT",
    [PL_E_DENIED] = "PL_E_DENIED",
    [PL_E_SIGNATURE] = "PL_E_SIGNATURE",
    [PL_E_NETWORK] = "PL_E_NETWORK",
    [PL_E_TIMEOUT] = "PL_E_TIMEOUT",
    [PL_E_CANCELLED] = "PL_E_CANCELLED",
    [PL_E_INTERNAL] = "PL_E_INTERNAL",
    [PL_E_PROVIDER] = "PL_E_PROVIDER",
};

static const char *status_name(pl_status st)
{
    size_t i = (size_t)st;
    if (i < sizeof status_names / sizeof status_names[0] && status_names[i])
        return status_names[i];
    return "PL_E_UNKNOWN";
}

static void json_number_or_null(const char *key, long v, bool present)
{
    if (present)
        printf(",\"%s\":%ld", key, v);
    else
        printf(",\"%s\":null", key);
}

/* {"error": {...}} on one line of stdout; call is NULL when the failure
** came before (or outside) a provider call, whose members are then null. */
static void print_json_error(pl_status st, const pl_call *call, const char *msg, int code)
{
    pl_error_kind kind = call ? pl_call_error_kind(call) : PL_ERROR_NONE;
    int http = call ? pl_call_http_status(call) : 0;
    long wait = call ? pl_call_retry_after_ms(call) : -1;
    const char *pcode = call ? pl_call_provider_code(call) : NULL;
    printf("{\"error\":{\"status\":\"%s\",\"kind\":", status_name(st));
    if (kind != PL_ERROR_NONE)
        cli_json_quote(stdout, pl_error_kind_str(kind));
    else
        fputs("null", stdout);
    fputs(",\"message\":", stdout);
    cli_json_quote(stdout, msg);
    printf(",\"exit_code\":%d", code);
    json_number_or_null("http_status", http, http > 0);
    json_number_or_null("retry_after_ms", wait, wait >= 0);
    json_number_or_null("attempts", call ? (long)pl_call_attempts(call) : 0, call != NULL);
    fputs(",\"provider_code\":", stdout);
    if (pcode)
        cli_json_quote(stdout, pcode);
    else
        fputs("null", stdout);
    fputs("}}\n", stdout);
    fflush(stdout);
}

static int report(pl_status st, const pl_call *call, const char *msg, int code)
{
    fprintf(stderr, "plinth: %s\n", msg);
    if (json_errors)
        print_json_error(st, call, msg, code);
    return code;
}

int cli_fail(pl_status st, const char *msg)
{
    return report(st, NULL, msg && *msg ? msg : pl_status_str(st), cli_exit_code(st));
}

int cli_fail_call(pl_status st, const pl_call *call, const char *fallback)
{
    const char *msg = pl_call_error_message(call);
    if (!msg || !*msg)
        msg = fallback && *fallback ? fallback : pl_status_str(st);
    long wait = pl_call_retry_after_ms(call);
    int code = report(st, call, msg, cli_call_exit_code(st, call));
    if (pl_call_error_kind(call) == PL_ERROR_RATE_LIMITED && wait >= 0)
        fprintf(stderr, "plinth: the provider asks to retry after %ld ms\n", wait);
    return code;
}

int cli_usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(PL_E_INVALID_ARG, NULL, msg, CLI_USAGE);
    fputs("(run 'plinth --help' for usage)\n", stderr);
    return CLI_USAGE;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0: no overlong forms,
** no surrogates, nothing past U+10FFFF. */
static size_t utf8_len(const unsigned char *s)
{
    static const struct {
        unsigned char lead_lo, lead_hi, len, next_lo, next_hi;
    } forms[] = {
        {0xc2, 0xdf, 2, 0x80, 0xbf}, {0xe0, 0xe0, 3, 0xa0, 0xbf}, {0xe1, 0xec, 3, 0x80, 0xbf},
        {0xed, 0xed, 3, 0x80, 0x9f}, {0xee, 0xef, 3, 0x80, 0xbf}, {0xf0, 0xf0, 4, 0x90, 0xbf},
        {0xf1, 0xf3, 4, 0x80, 0xbf}, {0xf4, 0xf4, 4, 0x80, 0x8f},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (s[0] < forms[i].lead_lo || s[0] > forms[i].lead_hi)
            continue;
        if (s[1] < forms[i].next_lo || s[1] > forms[i].next_hi)
            return 0;
        for (size_t k = 2; k < forms[i].len; k++)
            if (s[k] < 0x80 || s[k] > 0xbf)
                return 0;
        return forms[i].len;
    }
    return 0;
}

/* Messages carry text from anywhere (a provider's body cut at some byte
** count, a file name): bytes that are not UTF-8 become U+FFFD, so the
** output is always JSON a strict reader accepts. */
void cli_json_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t n = *p < 0x80 ? 1 : utf8_len(p);
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else if (n == 0)
            fputs("\\ufffd", f);
        else {
            fwrite(p, 1, n, f);
            p += n - 1;
        }
    }
    fputc('"', f);
}

void cli_print_owned(FILE *f, char *s)
{
    if (s) {
        fputs(s, f);
        if (*s && s[strlen(s) - 1] != '\n')
            fputc('\n', f);
    }
    pl_free(s);
}

int cli_dispatch(const char *group, const cli_command *cmds, int argc, char **argv)
{
    const char *prefix = group ? group : "";
    const char *space = group ? " " : "";
    if (argc < 2) {
        fprintf(stderr, "usage: plinth %s%s<", prefix, space);
        for (const cli_command *c = cmds; c->name; c++)
            fprintf(stderr, "%s%s", c->name, c[1].name ? "|" : ">\n");
        return CLI_USAGE;
    }
    for (const cli_command *c = cmds; c->name; c++)
        if (strcmp(argv[1], c->name) == 0)
            return c->run(argc - 1, argv + 1);
    return cli_usage_error("unknown command '%s%s%s'", prefix, space, argv[1]);
}
