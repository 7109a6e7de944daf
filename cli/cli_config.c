/*
** cli_config.c — `plinth config check|show` and `plinth manifest check|show`.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Parsed arguments shared by check and show: [FILE] [--json]. */
typedef struct file_args {
    const char *file;
    bool json;
} file_args;

/* The first problem is reported after the loop, once --json is known. */
static int parse_file_args(const char *cmd, int argc, char **argv, bool need_file,
                           file_args *a)
{
    char problem[256] = "";
    a->file = NULL;
    a->json = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--json") == 0)
            a->json = true;
        else if (problem[0])
            continue; /* only the first problem is reported */
        else if (arg[0] == '-' && arg[1])
            snprintf(problem, sizeof problem, "unknown option '%s'", arg);
        else if (a->file)
            snprintf(problem, sizeof problem, "more than one file given");
        else
            a->file = arg;
    }
    cli_set_json_errors(a->json);
    if (!problem[0] && need_file && !a->file)
        snprintf(problem, sizeof problem, "FILE is required");
    return problem[0] ? cli_usage_error("%s: %s", cmd, problem) : CLI_OK;
}

/* Load, then print either the summary or the JSON model. */
static int config_run(int argc, char **argv, bool show)
{
    file_args a;
    const char *cmd = show ? "config show" : "config check";
    int rc = parse_file_args(cmd, argc, argv, false, &a);
    if (rc != CLI_OK)
        return rc;
    char err[2048];
    pl_config *cfg = NULL;
    pl_status st = pl_config_load(a.file, &cfg, err, sizeof err);
    if (st != PL_OK)
        return cli_fail(st, err);
    char *text = NULL;
    st = (show || a.json) ? pl_config_to_json(cfg, &text) : pl_config_summary(cfg, &text);
    pl_config_free(cfg);
    if (st != PL_OK)
        return cli_fail(st, NULL);
    cli_print_owned(stdout, text);
    return CLI_OK;
}

static int config_check(int argc, char **argv) { return config_run(argc, argv, false); }
static int config_show(int argc, char **argv) { return config_run(argc, argv, true); }

int cli_config(int argc, char **argv)
{
    static const cli_command cmds[] = {
        {"check", config_check, "[FILE] [--json]", "validate and summarise"},
        {"show", config_show, "[FILE] [--json]", "print the normalised model as JSON"},
        {NULL, NULL, NULL, NULL},
    };
    return cli_dispatch("config", cmds, argc, argv);
}

static int manifest_run(int argc, char **argv, bool show)
{
    file_args a;
    const char *cmd = show ? "manifest show" : "manifest check";
    int rc = parse_file_args(cmd, argc, argv, true, &a);
    if (rc != CLI_OK)
        return rc;
    char err[2048];
    pl_manifest *m = NULL;
    pl_status st = pl_manifest_load(a.file, &m, err, sizeof err);
    if (st != PL_OK)
        return cli_fail(st, err);
    char *text = NULL;
    st = (show || a.json) ? pl_manifest_to_json(m, &text) : pl_manifest_summary(m, &text);
    pl_manifest_free(m);
    if (st != PL_OK)
        return cli_fail(st, NULL);
    cli_print_owned(stdout, text);
    return CLI_OK;
}

static int manifest_check(int argc, char **argv) { return manifest_run(argc, argv, false); }
static int manifest_show(int argc, char **argv) { return manifest_run(argc, argv, true); }

int cli_manifest(int argc, char **argv)
{
    static const cli_command cmds[] = {
        {"check", manifest_check, "FILE [--json]", "validate and summarise"},
        {"show", manifest_show, "FILE [--json]", "print the normalised manifest as JSON"},
        {NULL, NULL, NULL, NULL},
    };
    return cli_dispatch("manifest", cmds, argc, argv);
}
