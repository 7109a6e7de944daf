/*
** cli_grants.c — permission requests at the terminal and `plinth grants`.
**
** Every command that opens a host does it through cli_open_host: in an
** interactive terminal (stdin and stderr are ttys, neither
** --non-interactive nor PLINTH_NONINTERACTIVE) an undecided request is
** asked on /dev/tty,
**   plugin 'calc' (wasm, /opt/calc.wasm) asks for network access to
**   api.example.com. Allow? [y/N]
** then "Remember this answer? [y/N]"; anything but y/yes, an empty line
** and end of input all mean No (after end of input nothing more is asked).
** Otherwise the request is denied at once, without blocking.
**
** `plinth grants list|allow|deny|revoke` edit the grants file through the
** public pl_grants_* functions.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

static bool forced_noninteractive;

void cli_set_noninteractive(bool on) { forced_noninteractive = on; }

static bool interactive(void)
{
    const char *v = getenv("PLINTH_NONINTERACTIVE");
    if (forced_noninteractive || (v && *v && strcmp(v, "0") != 0))
        return false;
    return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* ---- the prompt ---------------------------------------------------------------------- */

/* How each capability is asked for; the item, when there is one, follows. */
static const struct {
    const char *cap, *asks;
} questions[] = {
    {"log", "to write to plinth's log"},
    {"llm", "to chat with your LLM providers through plinth"},
    {"retrieval", "to search plinth's retrieval service"},
    {"plan", "to call plinth's planner"},
    {"network", "for network access to "},
    {"fs_read", "to read "},
    {"fs_write", "to write to "},
    {"environment", "to read the environment variable "},
};

/* Text from a plugin, shown without its control characters (a manifest
** must not be able to drive the terminal). */
static void put_shown(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : "?"); *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* Once the terminal said end of input, nothing more is asked: every
** further request is denied at once. */
static bool tty_ended;

/* Read one line from fd; true for y / yes (any case). An empty line is
** No; so are end of input and an error, which also end the asking. */
static bool read_yes(int fd)
{
    char line[64];
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            tty_ended = true;
        if (k <= 0 || c == '\n')
            break;
        if (n < sizeof line - 1)
            line[n++] = c;
    }
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\r' || line[n - 1] == '\t'))
        n--;
    line[n] = '\0';
    const char *s = line + strspn(line, " \t");
    return !tty_ended && (strcasecmp(s, "y") == 0 || strcasecmp(s, "yes") == 0);
}

static bool ask(int fd, FILE *out, const char *question)
{
    fputs(question, out);
    fflush(out);
    bool yes = read_yes(fd);
    if (tty_ended)
        fputc('\n', out); /* the prompt's line is left open otherwise */
    return yes;
}

static pl_grant_answer on_grant(void *user, const pl_grant_request *r)
{
    (void)user;
    if (tty_ended)
        return PL_GRANT_DENY_ONCE;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    FILE *out = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
    if (!out) {
        if (fd >= 0)
            close(fd);
        return PL_GRANT_DENY_ONCE;
    }
    static const char *const backends[] = {"?", "native", "wasm", "process"};
    fputs("plugin '", out);
    put_shown(out, r->plugin);
    fprintf(out, "' (%s, ", (unsigned)r->backend < 4 ? backends[r->backend] : "?");
    put_shown(out, r->location);
    fputs(") asks ", out);
    size_t i = 0;
    while (i < sizeof questions / sizeof *questions && strcmp(questions[i].cap, r->capability))
        i++;
    if (i < sizeof questions / sizeof *questions) {
        fputs(questions[i].asks, out);
    } else {
        fputs("for ", out);
        put_shown(out, r->capability);
        fputs(r->item ? " " : "", out);
    }
    if (r->item)
        put_shown(out, r->item);
    bool allow = ask(fd, out, ". Allow? [y/N] ");
    bool always = !tty_ended && ask(fd, out, "Remember this answer? [y/N] ");
    fclose(out);
    close(fd);
    if (always)
        return allow ? PL_GRANT_ALLOW_ALWAYS : PL_GRANT_DENY_ALWAYS;
    return allow ? PL_GRANT_ALLOW_ONCE : PL_GRANT_DENY_ONCE;
}

int cli_open_host(const char *config, pl_host **h)
{
    char err[2048];
    pl_host_opts o = PL_HOST_OPTS_INIT;
    if (interactive())
        o.on_grant = on_grant;
    pl_status st = pl_host_open_ex(config, &o, h, err, sizeof err);
    return st == PL_OK ? CLI_OK : cli_fail(st, err);
}

/* ---- plinth grants ------------------------------------------------------------------- */

typedef struct grants_args {
    const char *config;
    const char *words[2]; /* PLUGIN, PERMISSION */
    int n_words;
    bool json;
} grants_args;

static int parse(const char *cmd, int argc, char **argv, int min, int max, grants_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--json") == 0 && max == 0)
            a->json = true;
        else if (strcmp(s, "--config") == 0 && i + 1 < argc)
            a->config = argv[++i];
        else if (strcmp(s, "--config") == 0)
            return cli_usage_error("grants %s: --config needs a FILE", cmd);
        else if (s[0] == '-' && s[1])
            return cli_usage_error("grants %s: unknown option '%s'", cmd, s);
        else if (a->n_words < max)
            a->words[a->n_words++] = s;
        else
            return cli_usage_error("grants %s: unexpected argument '%s'", cmd, s);
    }
    cli_set_json_errors(a->json);
    if (a->n_words < min)
        return cli_usage_error("grants %s: expected PLUGIN %s", cmd,
                               min == 2 ? "CAPABILITY[=ITEM]" : "[CAPABILITY[=ITEM]]");
    return CLI_OK;
}

static int grants_list(int argc, char **argv)
{
    grants_args a = {0};
    int code = parse("list", argc, argv, 0, 0, &a);
    if (code != CLI_OK)
        return code;
    char err[2048], *out = NULL;
    pl_status st = pl_grants_list(a.config, a.json ? PL_GRANTS_JSON : 0, &out, err, sizeof err);
    if (st != PL_OK)
        return cli_fail(st, err);
    cli_print_owned(stdout, out);
    return CLI_OK;
}

/* allow (1), deny (0) or revoke (-1), then say what happened where. */
static int grants_change(const char *cmd, int op, int argc, char **argv)
{
    grants_args a = {0};
    int code = parse(cmd, argc, argv, op < 0 ? 1 : 2, 2, &a);
    if (code != CLI_OK)
        return code;
    const char *perm = a.n_words > 1 ? a.words[1] : NULL;
    char err[2048], *path = NULL;
    pl_status st = op < 0 ? pl_grants_revoke(a.config, a.words[0], perm, err, sizeof err)
                          : pl_grants_set(a.config, a.words[0], perm, op, err, sizeof err);
    if (st == PL_OK)
        st = pl_grants_path(a.config, &path, err, sizeof err);
    if (st != PL_OK) { /* nothing there to revoke: like a name that is not there */
        int failed = cli_fail(st, err);
        return st == PL_E_NOT_FOUND && op < 0 ? CLI_NOT_FOUND : failed;
    }
    static const char *const done[] = {"forgotten", "denied", "allowed"};
    printf("plugin '%s': %s %s (%s)\n", a.words[0], perm ? perm : "every answer", done[op + 1],
           path);
    pl_free(path);
    return CLI_OK;
}

static int grants_allow(int argc, char **argv) { return grants_change("allow", 1, argc, argv); }
static int grants_deny(int argc, char **argv) { return grants_change("deny", 0, argc, argv); }
static int grants_revoke(int argc, char **argv) { return grants_change("revoke", -1, argc, argv); }

int cli_grants(int argc, char **argv)
{
    static const cli_command cmds[] = {
        {"list", grants_list, "[--config FILE] [--json]", "the remembered answers"},
        {"allow", grants_allow, "PLUGIN CAPABILITY[=ITEM] [--config FILE]",
         "allow a request for good"},
        {"deny", grants_deny, "PLUGIN CAPABILITY[=ITEM] [--config FILE]",
         "deny a request for good"},
        {"revoke", grants_revoke, "PLUGIN [CAPABILITY[=ITEM]] [--config FILE]",
         "forget answers"},
        {NULL, NULL, NULL, NULL},
    };
    return cli_dispatch("grants", cmds, argc, argv);
}
