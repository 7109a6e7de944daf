/*
** cli_schema.c — `plinth schema validate SCHEMA DATA`: plugin authors check
** their config_schema and sample configurations with it.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int schema_validate(int argc, char **argv)
{
    if (argc != 3)
        return cli_usage_error("schema validate: expected SCHEMA and DATA files");
    char err[2048];
    char *report = NULL;
    pl_status st = pl_schema_validate(argv[1], argv[2], &report, err, sizeof err);
    if (st == PL_OK) {
        pl_free(report);
        printf("%s: valid\n", argv[2]);
        return CLI_OK;
    }
    if (st == PL_E_SCHEMA) {
        fprintf(stderr, "%s: invalid against %s\n", argv[2], argv[1]);
        cli_print_owned(stderr, report);
        return CLI_FAILED;
    }
    pl_free(report);
    return cli_fail(st, err);
}

int cli_schema(int argc, char **argv)
{
    static const cli_command cmds[] = {
        {"validate", schema_validate, "SCHEMA DATA", "validate DATA against SCHEMA"},
        {NULL, NULL, NULL, NULL},
    };
    return cli_dispatch("schema", cmds, argc, argv);
}
