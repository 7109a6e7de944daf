/*
** test_cli_grants.c — the permission prompt of the plinth command and
** `plinth grants`, run as child processes:
**   - in a pseudo-terminal (openpty), an undecided request is asked on the
**     terminal: y then n allows it once (nothing written), n then y denies
**     it for good (the next run asks nothing), end of input denies without
**     asking to remember, y then y remembers in $XDG_CONFIG_HOME's grants
**     file when the configuration names none;
**   - PLINTH_NONINTERACTIVE=1 and --non-interactive never ask, even in a
**     terminal; neither does a command whose stdin is not a terminal: it
**     denies at once and says so in the log;
**   - plinth grants allow / deny / revoke / list (--json), found through
**     --config's [paths] grants_file; an unknown capability is a usage
**     error with a did-you-mean.
** The plugin is a copy of tests/data/wasm_plugins/wp_services.wasm with a
** manifest asking for the log service, which the configuration does not
** grant; `plinth call svc call_log` then answers "logged" or fails naming
** the capability.
*/
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "child.h"
#include "wasm_plugins.h"

#define PLINTH PL_BINARY_DIR "/cli/plinth"

extern char **environ; /* the pty's child gets the test's environment */

TestSuite(cli_grants, .fini = wp_cleanup, .timeout = 60);

typedef struct run {
    int code;
    char out[32768]; /* the terminal's whole output (pty), or stdout */
    char err[16384]; /* stderr (no pty) */
    int prompts;     /* "[y/N] " seen */
    double ms;
} run;

static run R;

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static int wait_code(pid_t pid)
{
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* plinth ARGS in a new pseudo-terminal, typing answers[i] at the i-th
** "[y/N] " prompt (NULL-terminated). The child is spawned (Criterion's
** workers must not fork) in a session of its own whose controlling
** terminal is the pty's slave, opened by name after setsid, so /dev/tty
** is the pty. */
static void run_pty(run *r, const char *const *answers, const char *const *args)
{
    const char *argv[32] = {PLINTH};
    for (size_t i = 0; args[i] && i < 30; i++)
        argv[i + 1] = args[i];
    memset(r, 0, sizeof *r);
    int master, slave;
    char name[256];
    cr_assert_eq(openpty(&master, &slave, name, NULL, NULL), 0, "openpty: %s", strerror(errno));
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, name, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, 0, 1);
    posix_spawn_file_actions_adddup2(&fa, 0, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, PLINTH, &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(slave); /* the child's end only: reads see EIO once it is gone */
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    size_t len = 0, sent = 0;
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        int k = poll(&p, 1, 20000);
        cr_assert_gt(k, 0, "no output for 20 s; so far: %s", r->out);
        ssize_t n = read(master, r->out + len, sizeof r->out - 1 - len);
        if (n <= 0) /* EIO: the child is gone */
            break;
        len += (size_t)n;
        r->out[len] = '\0';
        r->prompts = count(r->out, "[y/N] ");
        while (answers && answers[sent] && (size_t)r->prompts > sent) {
            cr_assert_eq(write(master, answers[sent], strlen(answers[sent])),
                         (ssize_t)strlen(answers[sent]));
            sent++;
        }
    }
    close(master);
    r->code = wait_code(pid);
}

#define PTY(r, answers, ...)                                              \
    do {                                                                  \
        const char *args_[] = {__VA_ARGS__, NULL};                        \
        run_pty((r), (answers), args_);                                   \
    } while (0)

/* plinth ARGS with stdin from /dev/null (tests/support/child.h). */
static void run_plain(run *r, const char *const *args)
{
    const char *argv[32] = {PLINTH};
    for (size_t i = 0; args[i] && i < 30; i++)
        argv[i + 1] = args[i];
    memset(r, 0, sizeof *r);
    child_run c;
    int rc = child_run_argv(&c, argv, NULL, 0);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    r->code = c.code;
    r->ms = c.ms;
    snprintf(r->out, sizeof r->out, "%s", c.out);
    snprintf(r->err, sizeof r->err, "%s", c.err);
    child_free(&c);
    r->prompts = count(r->err, "[y/N]") + count(r->out, "[y/N]");
}

#define PLAIN(r, ...)                                                     \
    do {                                                                  \
        const char *args_[] = {__VA_ARGS__, NULL};                        \
        run_plain((r), args_);                                            \
    } while (0)

/* The plugin and its configuration (grants_file: a [paths] line or "");
** the configuration's path in cfg. XDG_CONFIG_HOME is the test's folder. */
static void setup(const char *paths, char *cfg, size_t n)
{
    char plugin[512], toml[2048];
    wp_copy(WP_PLUGIN("wp_services"), "svc.wasm", plugin, sizeof plugin);
    wp_write("svc.toml",
             "[plugin]\nid = \"dev.plinth.test.svc\"\nversion = \"0.0.1\"\nkind = \"tool\"\n"
             "capabilities = [\"log\"]\n",
             NULL, 0);
    snprintf(toml, sizeof toml,
             "[trust]\npolicy = \"off\"\n%s\n[[plugins]]\nname = \"svc\"\nkind = \"tool\"\n"
             "path = \"svc.wasm\"\ncapabilities = []\n",
             paths);
    wp_write("plinth.toml", toml, cfg, n);
    setenv("XDG_CONFIG_HOME", wp_tmp(), 1);
    unsetenv("PLINTH_NONINTERACTIVE");
    unsetenv("PLINTH_CONFIG");
    setenv("PLINTH_LOG", "warn", 1);
}

#define OWN_GRANTS "[paths]\ngrants_file = \"state/grants.toml\""

static bool exists(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", wp_tmp(), rel);
    return access(path, F_OK) == 0;
}

static char *slurp(const char *rel)
{
    static char text[8192];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", wp_tmp(), rel);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s is missing", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

#define CALL_LOG(cfg) "call", "svc", "call_log", "--input", "{\"message\":\"hi\"}", "--config", cfg

static void expect_denied_output(const run *r, const char *text)
{
    cr_assert_neq(r->code, 0, "the call should have failed: %s", text);
    cr_assert(strstr(text, "log: capability 'log' was not granted to plugin 'svc'"), "%s", text);
}

/* ---- the prompt ------------------------------------------------------------------------ */

/* `plinth call` in a terminal, typing answers: it asked `prompts` times,
** the call worked or was denied, and the grants file was written or not. */
static void expect_asked(const char *cfg, const char *const *answers, int prompts, bool works,
                         bool written)
{
    PTY(&R, answers, CALL_LOG(cfg));
    cr_assert_eq(R.prompts, prompts, "%s", R.out);
    if (works) {
        cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.out);
        cr_assert(strstr(R.out, "logged"), "%s", R.out);
    } else {
        expect_denied_output(&R, R.out);
    }
    cr_assert_eq(exists("state/grants.toml"), written, "%s", R.out);
}

Test(cli_grants, yes_then_no_allows_once)
{
    char cfg[512], want[1024];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    const char *answers[] = {"y\n", "n\n", NULL};
    expect_asked(cfg, answers, 2, true, false);
    snprintf(want, sizeof want,
             "plugin 'svc' (wasm, %s/svc.wasm) asks to write to plinth's log. Allow? [y/N] y\r\n"
             "Remember this answer? [y/N] n\r\n",
             wp_tmp());
    cr_assert(strstr(R.out, want), "%s", R.out);
}

Test(cli_grants, no_then_yes_denies_for_good)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    const char *answers[] = {"n\n", "y\n", NULL};
    expect_asked(cfg, answers, 2, false, true);
    cr_assert(strstr(slurp("state/grants.toml"), "deny = [\"log\"]"), "%s",
              slurp("state/grants.toml"));
    /* The next run in a terminal asks nothing. */
    expect_asked(cfg, NULL, 0, false, true);
}

Test(cli_grants, an_empty_answer_is_no)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    const char *answers[] = {"\n", "\n", NULL};
    expect_asked(cfg, answers, 2, false, false);
}

Test(cli_grants, end_of_input_is_no_and_asks_nothing_more)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    const char *answers[] = {"\x04", NULL}; /* ^D: end of input on a terminal */
    expect_asked(cfg, answers, 1, false, false);
    cr_assert_null(strstr(R.out, "Remember this answer?"), "%s", R.out);
}

Test(cli_grants, yes_then_yes_remembers_in_the_default_file)
{
    char cfg[512];
    setup("", cfg, sizeof cfg);
    const char *answers[] = {"yes\n", "Y\n", NULL};
    PTY(&R, answers, CALL_LOG(cfg));
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.out);
    const char *text = slurp("plinth/grants.toml"); /* $XDG_CONFIG_HOME/plinth/grants.toml */
    cr_assert(strstr(text, "name = \"svc\"") && strstr(text, "allow = [\"log\"]"), "%s", text);
    /* Remembered: a run that is not interactive gets it too. */
    PLAIN(&R, CALL_LOG(cfg));
    cr_assert_eq(R.code, 0, "exit %d: %s", R.code, R.err);
    cr_assert_str_eq(R.out, "logged");
}

/* ---- never asking ------------------------------------------------------------------------ */

Test(cli_grants, a_stdin_that_is_not_a_terminal_never_asks)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    PLAIN(&R, CALL_LOG(cfg));
    cr_assert_eq(R.prompts, 0, "%s%s", R.out, R.err);
    expect_denied_output(&R, R.err);
    cr_assert(strstr(R.err, "the manifest asks for 'log', which the configuration does not "
                            "grant"),
              "%s", R.err);
    cr_assert_lt(R.ms, 10000, "it should not wait for an answer (%.0f ms)", R.ms);
    cr_assert_not(exists("state/grants.toml"));
}

Test(cli_grants, non_interactive_in_a_terminal_never_asks)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    PTY(&R, NULL, "--non-interactive", CALL_LOG(cfg));
    cr_assert_eq(R.prompts, 0, "%s", R.out);
    expect_denied_output(&R, R.out);
    setenv("PLINTH_NONINTERACTIVE", "1", 1);
    PTY(&R, NULL, CALL_LOG(cfg));
    cr_assert_eq(R.prompts, 0, "%s", R.out);
    expect_denied_output(&R, R.out);
}

/* ---- plinth grants ------------------------------------------------------------------------ */

Test(cli_grants, allow_deny_revoke_and_list)
{
    char cfg[512], want[1024];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    PLAIN(&R, "grants", "allow", "svc", "log", "--config", cfg);
    snprintf(want, sizeof want, "plugin 'svc': log allowed (%s/state/grants.toml)\n", wp_tmp());
    cr_assert_eq(R.code, 0, "%s", R.err);
    cr_assert_str_eq(R.out, want);
    /* The host uses it. */
    PLAIN(&R, CALL_LOG(cfg));
    cr_assert_eq(R.code, 0, "%s", R.err);

    PLAIN(&R, "grants", "deny", "svc", "filesystem.write=/etc/", "--config", cfg);
    cr_assert_eq(R.code, 0, "%s", R.err);
    PLAIN(&R, "grants", "list", "--config", cfg);
    snprintf(want, sizeof want,
             "%s/state/grants.toml\nsvc (any artefact)\n  allow log\n  deny  fs_write=/etc\n",
             wp_tmp());
    cr_assert_str_eq(R.out, want);
    PLAIN(&R, "grants", "list", "--json", "--config", cfg);
    snprintf(want, sizeof want,
             "{\n  \"file\": \"%s/state/grants.toml\",\n  \"plugins\": [\n    {\n"
             "      \"name\": \"svc\",\n      \"sha256\": null,\n      \"location\": null,\n"
             "      \"allow\": [\n        \"log\"\n      ],\n      \"deny\": [\n"
             "        \"fs_write=/etc\"\n      ]\n    }\n  ]\n}\n",
             wp_tmp());
    cr_assert_str_eq(R.out, want);

    /* deny moves the answer; revoke forgets it. */
    PLAIN(&R, "grants", "deny", "svc", "log", "--config", cfg);
    PLAIN(&R, CALL_LOG(cfg));
    expect_denied_output(&R, R.err);
    PLAIN(&R, "grants", "revoke", "svc", "log", "--config", cfg);
    cr_assert_eq(R.code, 0, "%s", R.err);
    PLAIN(&R, "grants", "revoke", "svc", "log", "--config", cfg);
    cr_assert_eq(R.code, 5, "%s", R.err);
    snprintf(want, sizeof want,
             "plinth: %s/state/grants.toml: nothing is remembered for plugin 'svc' about log\n",
             wp_tmp());
    cr_assert_str_eq(R.err, want);
    PLAIN(&R, "grants", "revoke", "svc", "--config", cfg);
    cr_assert_eq(R.code, 0, "%s", R.err);
    PLAIN(&R, "grants", "list", "--config", cfg);
    cr_assert(strstr(R.out, "no remembered answers"), "%s", R.out);
}

Test(cli_grants, bad_arguments_are_usage_errors)
{
    char cfg[512];
    setup(OWN_GRANTS, cfg, sizeof cfg);
    PLAIN(&R, "grants", "allow", "svc", "netwrok=api.example.com", "--config", cfg);
    cr_assert_eq(R.code, 2);
    cr_assert_str_eq(R.err, "plinth: unknown capability 'netwrok' (did you mean 'network'?)\n");
    PLAIN(&R, "grants", "allow", "svc", "network", "--config", cfg);
    cr_assert_eq(R.code, 2);
    cr_assert_str_eq(R.err, "plinth: 'network' needs an item: network=HOST (a host pattern "
                            "such as api.example.com)\n");
    PLAIN(&R, "grants", "deny", "my plugin", "llm", "--config", cfg);
    cr_assert_eq(R.code, 2);
    PLAIN(&R, "grants", "allow", "svc", "--config", cfg);
    cr_assert_eq(R.code, 2);
    cr_assert(strstr(R.err, "grants allow: expected PLUGIN CAPABILITY[=ITEM]"), "%s", R.err);
    PLAIN(&R, "grants", "grant", "svc", "llm");
    cr_assert_eq(R.code, 2);
    cr_assert(strstr(R.err, "unknown command 'grants grant'"), "%s", R.err);
    cr_assert_not(exists("state/grants.toml"), "a refused command wrote the file");
    PLAIN(&R, "--help");
    cr_assert(strstr(R.out, "grants allow|deny PLUGIN CAPABILITY[=ITEM]"), "%s", R.out);
    cr_assert(strstr(R.out, "--non-interactive"), "%s", R.out);
}
