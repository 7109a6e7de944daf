/*
** cli_tools.c — `plinth tools PLUGIN` (what a tool plugin offers),
** `plinth tool PLUGIN TOOL [ARGS_JSON]` (call one tool, arguments checked
** against its inputSchema) and `plinth invoke PLUGIN METHOD [PARAMS_JSON]`
** (any method of a tool, prompt or context plugin: prompts/get,
** context/get, ...). All take --config FILE and --json.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct tool_args {
    const char *config;
    const char *words[3]; /* PLUGIN, TOOL or METHOD, JSON */
    int n_words;
    bool json;
} tool_args;

static int parse(const char *cmd, int argc, char **argv, int min, int max, tool_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--config") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("%s: --config needs a FILE", cmd);
            a->config = argv[++i];
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("%s: unknown option '%s'", cmd, s);
        } else if (a->n_words < max) {
            a->words[a->n_words++] = s;
        } else {
            return cli_usage_error("%s: unexpected argument '%s'", cmd, s);
        }
    }
    cli_set_json_errors(a->json);
    if (a->n_words < min)
        return cli_usage_error("%s: expected %s", cmd,
                               min == 1 ? "PLUGIN" : strcmp(cmd, "tool") == 0
                                                         ? "PLUGIN TOOL [ARGS_JSON]"
                                                         : "PLUGIN METHOD [PARAMS_JSON]");
    return CLI_OK;
}

/* A tool's result (compact JSON, MCP's shape): on stdout, or on stderr
** with exit code 19 when the tool marked it isError. */
static int print_result(const char *json)
{
    bool failed = strstr(json, "\"isError\":true") != NULL;
    fprintf(failed ? stderr : stdout, "%s\n", json);
    return failed ? CLI_PLUGIN_FAILED : CLI_OK;
}

int cli_tools(int argc, char **argv)
{
    tool_args a = {0};
    int code = parse("tools", argc, argv, 1, 1, &a);
    pl_host *h = NULL;
    if (code != CLI_OK || (code = cli_open_host(a.config, &h)) != CLI_OK)
        return code;
    char *out = NULL;
    pl_status st = pl_tool_list(h, a.words[0], &out);
    if (st != PL_OK)
        code = cli_fail(st, pl_host_last_error(h));
    else
        printf("%s\n", out);
    pl_free(out);
    pl_host_close(h);
    return code;
}

int cli_tool(int argc, char **argv)
{
    tool_args a = {0};
    int code = parse("tool", argc, argv, 2, 3, &a);
    pl_host *h = NULL;
    if (code != CLI_OK || (code = cli_open_host(a.config, &h)) != CLI_OK)
        return code;
    pl_call *call = NULL;
    pl_call_new(&call);
    char *out = NULL;
    pl_status st = pl_tool_call(h, a.words[0], a.words[1], a.n_words > 2 ? a.words[2] : NULL, call,
                                &out);
    if (st != PL_OK)
        code = cli_fail_call(st, call, pl_host_last_error(h));
    else
        code = print_result(out);
    pl_free(out);
    pl_call_free(call);
    pl_host_close(h);
    return code;
}

int cli_invoke(int argc, char **argv)
{
    tool_args a = {0};
    int code = parse("invoke", argc, argv, 2, 3, &a);
    pl_host *h = NULL;
    if (code != CLI_OK || (code = cli_open_host(a.config, &h)) != CLI_OK)
        return code;
    pl_call *call = NULL;
    pl_call_new(&call);
    char *out = NULL;
    pl_status st = pl_plugin_invoke(h, a.words[0], a.words[1], a.n_words > 2 ? a.words[2] : NULL,
                                    call, &out);
    if (st != PL_OK)
        code = cli_fail_call(st, call, pl_host_last_error(h));
    else
        printf("%s\n", out);
    pl_free(out);
    pl_call_free(call);
    pl_host_close(h);
    return code;
}
