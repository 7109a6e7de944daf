/*
** cli.c — helpers shared by the subcommands: dispatch, exit codes, errors.
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

int cli_fail(pl_status st, const char *msg)
{
    fprintf(stderr, "plinth: %s\n", msg && *msg ? msg : pl_status_str(st));
    return cli_exit_code(st);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("plinth: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(run 'plinth --help' for usage)\n", stderr);
    va_end(ap);
    return CLI_USAGE;
}

void cli_json_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
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
