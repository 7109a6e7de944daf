/*
** cli_llm.h — shared by the provider commands (cli_llm.c, cli_chat.c).
*/
#ifndef PLINTH_CLI_LLM_H
#define PLINTH_CLI_LLM_H

#include <stdint.h>

#include "cli.h"

/* Options of plugins, models, chat, complete and embed. */
typedef struct llm_args {
    const char *config;
    const char *provider;
    const char *model, *system;
    double temperature;     /* --temperature: finite, >= 0 */
    uint32_t max_tokens;    /* --max-tokens: 1 or more */
    bool has_temperature, has_max_tokens;
    const char *tools[16];
    int n_tools;
    const char *options[16]; /* --option KEY=VALUE: provider config for this call */
    int n_options;
    const char *texts[64]; /* the prompt (chat, complete) or texts (embed) */
    int n_texts;
    bool stream, json;
} llm_args;

/* Read the options into a. A bad command line (unknown option, missing or
** malformed value) is a usage error, reported once every option was read
** so that --json applies to it too; the exit code is returned. */
int cli_llm_args(const char *cmd, int argc, char **argv, bool need_provider, llm_args *a);

/* One provider call: open the host, run fn with Ctrl-C wired to cancel it,
** print the error and return the exit code. */
typedef pl_status (*cli_call_fn)(pl_host *h, const llm_args *a, const char *req, pl_call *c,
                                 char **out);
int cli_llm_run(const llm_args *a, const char *req, cli_call_fn fn, char **out);

#endif
