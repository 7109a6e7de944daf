/*
** cli.h — shared pieces of the plinth command. The command uses only the
** public header, like any application that embeds libplinth.
*/
#ifndef PLINTH_CLI_H
#define PLINTH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "plinth/plinth.h"

/* Exit codes: documented in `plinth --help` and docs/cli.md. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,   /* a check failed: invalid data, refused plugin, ... */
    CLI_USAGE = 2,    /* bad command line */
    CLI_CONFIG = 3,   /* configuration or manifest is malformed or wrong */
    CLI_IO = 4,       /* a file is missing or unreadable */
    CLI_NOT_FOUND = 5,   /* no plugin or provider by that name */
    CLI_PLUGIN = 6,      /* the plugin failed to load, or failed / broke its contract */
    CLI_AUTH = 7,        /* the provider refused the credentials */
    CLI_RATE_LIMITED = 8,/* the provider asked to slow down */
    CLI_REQUEST = 9,     /* the provider (or plinth) refused the request as invalid */
    CLI_PROVIDER = 10,   /* another provider error (5xx, quota, ...) */
    CLI_NETWORK = 11,    /* DNS, connect, TLS, a cut connection */
    CLI_TIMEOUT = 12,    /* the call's deadline passed */
    CLI_DENIED = 13,     /* a request to a host outside the allow-list */
    CLI_RESPONSE = 14,   /* the provider's reply could not be read */
    CLI_CONTEXT = 15,    /* the input is too long for the model's context window */
    CLI_UNSUPPORTED = 16,/* the provider does not implement this operation */
    CLI_TRAP = 17,       /* sandboxed code trapped (PL_E_TRAP) */
    CLI_LIMIT = 18,      /* a fuel, memory, time or size limit was reached (PL_E_LIMIT) */
    CLI_PLUGIN_FAILED = 19, /* plinth call: the plugin reported a failure (error, non-zero rc) */
    CLI_CANCELLED = 130, /* interrupted (Ctrl-C) */
    CLI_INTERNAL = 70 /* out of memory or a bug */
};

/* A subcommand: argv[0] is the subcommand's own name. */
typedef int (*cli_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    cli_fn run;
    const char *usage;   /* arguments, shown in help */
    const char *summary; /* one line, shown in help */
} cli_command;

/* Dispatch argv[1] among `cmds` (NULL-name terminated); `group` names the
** parent command in messages ("config"). */
int cli_dispatch(const char *group, const cli_command *cmds, int argc, char **argv);

/* The exit code for a status (a table: see cli.c). */
int cli_exit_code(pl_status st);

/* With on, every failure below is also printed on stdout as one line
** {"error": {"status", "kind", "message", "exit_code", "http_status",
** "retry_after_ms", "attempts", "provider_code"}} (docs/cli.md), for
** scripts. The commands that take --json set it once their options are
** read; it stays off for the others. */
void cli_set_json_errors(bool on);

/* Print "plinth: <msg>" on stderr; returns the exit code for st. */
int cli_fail(pl_status st, const char *msg);

/* A failed provider call: its message (else fallback), the retry hint of
** a rate limit, and the exit code of its error kind. */
int cli_fail_call(pl_status st, const pl_call *call, const char *fallback);

/* Usage error: prints the message and a hint; returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write s as a JSON string literal (quotes and escapes included; bytes
** that are not UTF-8 become U+FFFD). */
void cli_json_quote(FILE *f, const char *s);

/* Write a string that plinth returned, then release it. */
void cli_print_owned(FILE *f, char *s);

/* The exit code for a failed provider call: one per error kind (the table
** in cli.c and docs/cli.md), so scripts can tell a bad key from a slow
** network. */
int cli_call_exit_code(pl_status st, const pl_call *call);

/* Open a host on config (NULL: the default lookup). In an interactive
** terminal undecided permission requests are asked on /dev/tty (see
** cli_grants.c); else they are denied. Returns CLI_OK, or the exit code
** after printing the error. */
int cli_open_host(const char *config, pl_host **h);
/* --non-interactive: never ask, whatever the terminal. */
void cli_set_noninteractive(bool on);

int cli_config(int argc, char **argv);
int cli_plugins(int argc, char **argv);
int cli_models(int argc, char **argv);
int cli_chat(int argc, char **argv);
int cli_complete(int argc, char **argv);
int cli_embed(int argc, char **argv);
int cli_manifest(int argc, char **argv);
int cli_schema(int argc, char **argv);
int cli_wasm(int argc, char **argv);
int cli_call(int argc, char **argv);
int cli_tools(int argc, char **argv);
int cli_tool(int argc, char **argv);
int cli_invoke(int argc, char **argv);
int cli_grants(int argc, char **argv);

#endif
