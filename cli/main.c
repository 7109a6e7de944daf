/*
** main.c — the plinth command: option parsing at the top level and the
** table of subcommands.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const cli_command commands[] = {
    {"config", cli_config, "check|show [FILE] [--json]",
     "validate or show a host configuration (TOML, JSON or YAML)"},
    {"manifest", cli_manifest, "check|show FILE [--json]",
     "validate or show a plugin manifest (plugin.toml, plugin.yaml)"},
    {"schema", cli_schema, "validate SCHEMA DATA",
     "check data (JSON, YAML or TOML) against a JSON Schema"},
    {"plugins", cli_plugins, "[--config FILE] [--json]",
     "load the configuration and list its plugins with their state"},
    {"models", cli_models, "NAME [--json]", "list a provider's models"},
    {"chat", cli_chat, "NAME [options] PROMPT",
     "chat with a provider (--model --system --stream --tool FILE.json --option K=V --json)"},
    {"complete", cli_complete, "NAME [options] PROMPT", "complete a prompt"},
    {"embed", cli_embed, "NAME [options] TEXT...", "embed texts (--model --option K=V --json)"},
    {"wasm", cli_wasm, "validate|run FILE [options]",
     "check a WebAssembly module, or call an export (--invoke --fuel --mem --timeout)"},
    {"call", cli_call, "FILE.wasm|NAME FUNCTION [options]",
     "call an Extism plugin's function (--input --config K=V --allow-host --wasi ...)"},
    {"tools", cli_tools, "PLUGIN [--config FILE]", "list the tools a tool plugin offers"},
    {"tool", cli_tool, "PLUGIN TOOL [ARGS_JSON]", "call one tool (arguments checked first)"},
    {"invoke", cli_invoke, "PLUGIN METHOD [PARAMS_JSON]",
     "call a method of a tool, prompt or context plugin (prompts/get, context/get, ...)"},
    {"grants", cli_grants, "list|allow|deny|revoke ...",
     "remembered answers to plugins' permission requests (the grants file)"},
    {"version", cmd_version, "", "print plinth's version"},
    {"help", cmd_help, "", "show this help"},
    {NULL, NULL, NULL, NULL},
};

static void print_help(FILE *f)
{
    fprintf(f, "plinth %s — a plugin host for LLM applications\n\n", pl_version());
    fprintf(f, "usage: plinth [--non-interactive] COMMAND [ARGS...]\n\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++) {
        char left[64];
        snprintf(left, sizeof left, "%s %s", c->name, c->usage);
        fprintf(f, "  %-34s %s\n", left, c->summary);
    }
    fprintf(f,
            "\noptions:\n"
            "  --version                                print the version and exit\n"
            "  --help                                   show this help\n"
            "  --non-interactive                        never ask for permissions: deny\n"
            "                                           (also PLINTH_NONINTERACTIVE=1)\n"
            "\nconfiguration lookup when FILE is omitted: $PLINTH_CONFIG, ./plinth.toml,\n"
            "./plugins.toml, ./providers.toml, $XDG_CONFIG_HOME/plinth/plinth.{toml,json,yaml,yml}\n"
            "\nplugins, models, chat, complete and embed take --config FILE (else the lookup above)\n"
            "\nwasm validate FILE     decode, validate and compile a WebAssembly module\n"
            "wasm run FILE --invoke NAME [ARGS...] [--fuel N] [--mem BYTES] [--timeout MS]\n"
            "                       call an export in the sandbox: prints its results (i32:42),\n"
            "                       then the fuel used; limits default to 10000000 units,\n"
            "                       268435456 bytes and 5000 ms\n"
            "\ncall FILE.wasm FUNCTION [--input TEXT | --input-file F | -] [--config KEY=VALUE]...\n"
            "     [--allow-host GLOB]... [--allow-path [ro:]HOST_DIR[:GUEST_DIR]]... [--wasi]\n"
            "     [--fuel N] [--mem BYTES] [--timeout MS] [--log-level trace|debug|info|warn|error|off]\n"
            "                       call a function the Extism way: its output bytes on stdout as\n"
            "                       they are, its error on stderr; no HTTP host, file or WASI\n"
            "                       unless given; logs (and WASI output) on stderr with --log-level\n"
            "\npermissions: a request of a plugin's manifest that the configuration does not\n"
            "grant is decided by the grants file, else asked in a terminal ('Allow? [y/N]',\n"
            "then 'Remember this answer? [y/N]'), else denied. grants list [--json],\n"
            "grants allow|deny PLUGIN CAPABILITY[=ITEM], grants revoke PLUGIN [CAPABILITY[=ITEM]]\n"
            "(log llm retrieval plan network=HOST fs_read=PATH fs_write=PATH environment=NAME)\n"
            "\nexit codes: 0 ok, 1 check failed (for example invalid data), 2 usage error,\n"
            "3 configuration or manifest error, 4 file missing or unreadable, 5 no such plugin,\n"
            "6 plugin failed, 7 authentication refused, 8 rate limited, 9 request refused,\n"
            "10 other provider error, 11 network error, 12 timed out, 13 host not allowed,\n"
            "14 unreadable reply, 15 context window exceeded, 16 operation not supported,\n"
            "17 the Wasm code trapped, 18 a fuel, memory or time limit was reached,\n"
            "19 the plugin reported a failure (plinth call), 130 interrupted, 70 internal error\n");
}

static int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("plinth %s\n", pl_version());
    return CLI_OK;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    print_help(stdout);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--non-interactive") == 0) {
        cli_set_noninteractive(true);
        argv[1] = argv[0];
        argc--, argv++;
    }
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc - 1, argv + 1);
    return cli_dispatch(NULL, commands, argc, argv);
}
