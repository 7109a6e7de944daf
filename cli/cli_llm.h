/*
** cli_llm.h — shared by the provider commands (cli_llm.c, cli_chat.c).
*/
#ifndef PLINTH_CLI_LLM_H
#define PLINTH_CLI_LLM_H

#include "cli.h"

/* Options of plugins, models, chat, complete and embed. */
typedef struct llm_args {
    const char *config;
    const char *provider;
    const char *model, *system, *temperature, *max_tokens;
    const char *tools[16];
    int n_tools;
    const char *options[16]; /* --option KEY=VALUE: provider config for this call */
    int n_options;
    const char *texts[64]; /* the prompt (chat, complete) or texts (embed) */
    int n_texts;
    bool stream, json;
} llm_args;

int cli_llm_args(const char *cmd, int argc, char **argv, bool need_provider, llm_args *a);

/* One provider call: open the host, run fn with Ctrl-C wired to cancel it,
** print the error and return the exit code. */
typedef pl_status (*cli_call_fn)(pl_host *h, const llm_args *a, const char *req, pl_call *c,
                                 char **out);
int cli_llm_run(const llm_args *a, const char *req, cli_call_fn fn, char **out);

#endif
