/*
** test_wasm_plugins_grants.c — permission requests the configuration does
** not grant, through pl_host_open_ex and the public API: a copy of the
** service plugin (tests/data/wasm_plugins/wp_services.c) with a manifest
** beside it asks for the log service (and, in some tests, a network host
** or a path), and the configuration grants none of it:
**   - without a callback the request is denied and the call fails naming
**     the capability; nothing is written;
**   - allow-once works for that host only, and writes nothing;
**   - allow-always and deny-always are written to the grants file (0600)
**     and decide the next hosts, with or without a callback, unasked;
**   - the grants file decides before the callback is asked;
**   - an answer remembered for one artefact is not reused by another file
**     under the same name;
**   - items: a network host is asked as written and, allowed, reaches the
**     upstream (denied, nothing is sent); a relative path is asked as an
**     absolute one; what the configuration covers is never asked;
**   - a broken grants file fails the plugin with its file:line:col.
*/
#include <sys/stat.h>

#include "upstream.h"
#include "wasm_plugins.h"

static upstream *U;

static void stop(void)
{
    upstream_stop(U);
    U = NULL;
    wp_cleanup();
}

TestSuite(wasm_plugins_grants, .fini = stop, .timeout = 60);

/* What the callback saw, and what it answers. */
typedef struct asked {
    pl_grant_answer answer;
    int n;
    uint32_t struct_size;
    pl_backend backend;
    char plugin[64], location[512], plugin_id[128], sha256[80], capability[32], item[512];
} asked;

static pl_grant_answer on_grant(void *user, const pl_grant_request *r)
{
    asked *a = user;
    a->n++;
    a->struct_size = r->struct_size;
    a->backend = r->backend;
    snprintf(a->plugin, sizeof a->plugin, "%s", r->plugin);
    snprintf(a->location, sizeof a->location, "%s", r->location);
    snprintf(a->plugin_id, sizeof a->plugin_id, "%s", r->plugin_id ? r->plugin_id : "(null)");
    snprintf(a->sha256, sizeof a->sha256, "%s", r->sha256 ? r->sha256 : "(null)");
    snprintf(a->capability, sizeof a->capability, "%s", r->capability);
    snprintf(a->item, sizeof a->item, "%s", r->item ? r->item : "(null)");
    return a->answer;
}

/* The plugin "svc.wasm" with a manifest asking for log (and details). */
static void make_plugin(const char *details, char *path, size_t n)
{
    wp_copy(WP_PLUGIN("wp_services"), "svc.wasm", path, n);
    char toml[1024];
    snprintf(toml, sizeof toml,
             "[plugin]\nid = \"dev.plinth.test.svc\"\nversion = \"0.0.1\"\nkind = \"tool\"\n"
             "capabilities = [\"log\"]\n%s\n",
             details ? details : "");
    wp_write("svc.toml", toml, NULL, 0);
}

/* A host on plugin path with the configuration's grant lines, asking a
** (NULL: pl_host_open, no callback). The grants file is the test
** folder's state/grants.toml. */
static pl_host *open_svc(const char *path, const char *grant, asked *a)
{
    char cfg[512], toml[2048], err[2048];
    snprintf(toml, sizeof toml,
             "[trust]\npolicy = \"off\"\n[paths]\ngrants_file = \"state/grants.toml\"\n"
             "[[plugins]]\nname = \"svc\"\nkind = \"tool\"\npath = \"%s\"\n%s\n",
             path, grant ? grant : "capabilities = []");
    wp_write("plinth.toml", toml, cfg, sizeof cfg);
    setenv("XDG_CONFIG_HOME", wp_tmp(), 1);
    pl_host_opts o = PL_HOST_OPTS_INIT;
    o.on_grant = a ? on_grant : NULL;
    o.grant_user = a;
    pl_host *h = NULL;
    pl_status st = a ? pl_host_open_ex(cfg, &o, &h, err, sizeof err)
                     : pl_host_open(cfg, &h, err, sizeof err);
    cr_assert_eq(st, PL_OK, "%s", err);
    return h;
}

static const char *grants_path(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/state/grants.toml", wp_tmp());
    return path;
}

static char *grants_text(void)
{
    FILE *f = fopen(grants_path(), "r");
    if (!f)
        return NULL;
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void expect_log_works(pl_host *h)
{
    wp_ready(h, "svc");
    wp_expect_output(h, "svc", "call_log", "{\"message\":\"hello\"}", "logged");
}

static void expect_log_denied(pl_host *h)
{
    wp_ready(h, "svc");
    pl_call *c = wp_call_new();
    char *out = NULL;
    pl_status st = wp_pcall(h, "svc", "call_log", "{\"message\":\"hello\"}", c, &out);
    cr_assert(st == PL_E_TRAP || st == PL_E_DENIED, "%s: %s", pl_status_str(st),
              pl_call_error_message(c));
    cr_assert(strstr(pl_call_error_message(c), "log: capability 'log' was not granted to "
                                               "plugin 'svc'"),
              "%s", pl_call_error_message(c));
    pl_free(out);
    pl_call_free(c);
}

/* One host on path asking a (NULL: no callback); log works or is denied. */
static void one_host(const char *path, asked *a, bool works)
{
    pl_host *h = open_svc(path, NULL, a);
    if (works)
        expect_log_works(h);
    else
        expect_log_denied(h);
    pl_host_close(h);
}

/* A fresh plugin (its path in path) and a first host answering `answer`:
** asked once; log works or is denied. What the callback saw comes back. */
static asked first_answer(pl_grant_answer answer, bool works, char *path, size_t n)
{
    make_plugin(NULL, path, n);
    asked a = {.answer = answer};
    one_host(path, &a, works);
    cr_assert_eq(a.n, 1, "asked %d times", a.n);
    return a;
}

/* ---- answers ----------------------------------------------------------------------------- */

Test(wasm_plugins_grants, no_callback_means_denied)
{
    char path[512];
    make_plugin(NULL, path, sizeof path);
    one_host(path, NULL, false);
    cr_assert_null(grants_text(), "nothing is written without an answer");
}

Test(wasm_plugins_grants, allow_once_works_and_writes_nothing)
{
    char path[512];
    asked a = first_answer(PL_GRANT_ALLOW_ONCE, true, path, sizeof path);
    cr_assert_eq(a.struct_size, sizeof(pl_grant_request));
    cr_assert_str_eq(a.plugin, "svc");
    cr_assert_eq(a.backend, PL_BACKEND_WASM);
    cr_assert_str_eq(a.location, path);
    cr_assert_str_eq(a.plugin_id, "dev.plinth.test.svc");
    cr_assert_eq(strlen(a.sha256), 64, "%s", a.sha256);
    cr_assert_eq(strspn(a.sha256, "0123456789abcdef"), 64, "%s", a.sha256);
    cr_assert_str_eq(a.capability, "log");
    cr_assert_str_eq(a.item, "(null)");
    cr_assert_null(grants_text(), "an answer for once is not written");
    /* The next host does not have it. */
    one_host(path, NULL, false);
}

Test(wasm_plugins_grants, allow_always_is_remembered)
{
    char path[512];
    asked a = first_answer(PL_GRANT_ALLOW_ALWAYS, true, path, sizeof path);
    const char *text = grants_text();
    cr_assert_not_null(text, "the answer was not written to %s", grants_path());
    char entry[1024];
    snprintf(entry, sizeof entry,
             "[[plugins]]\nname = \"svc\"\nsha256 = \"%s\"\nlocation = \"%s\"\n"
             "allow = [\"log\"]\n",
             a.sha256, path);
    cr_assert(strstr(text, entry), "%s", text);
    struct stat sb;
    cr_assert_eq(stat(grants_path(), &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600, "mode %o", sb.st_mode & 0777);

    /* A second host without a callback gets it; one with a callback is not asked. */
    one_host(path, NULL, true);
    asked again = {.answer = PL_GRANT_DENY_ONCE};
    one_host(path, &again, true);
    cr_assert_eq(again.n, 0, "a remembered answer was asked again");
}

Test(wasm_plugins_grants, deny_always_is_remembered)
{
    char path[512];
    (void)first_answer(PL_GRANT_DENY_ALWAYS, false, path, sizeof path);
    const char *text = grants_text();
    cr_assert(text && strstr(text, "deny = [\"log\"]\n"), "%s", text ? text : "(no file)");
    asked again = {.answer = PL_GRANT_ALLOW_ONCE};
    one_host(path, &again, false);
    cr_assert_eq(again.n, 0, "a remembered deny was asked again");
}

Test(wasm_plugins_grants, the_grants_file_decides_before_the_callback)
{
    char path[512];
    make_plugin("[capabilities]\nenvironment = [\"HOME\", \"USER\"]", path, sizeof path);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/state", wp_tmp());
    cr_assert_eq(mkdir(dir, 0700), 0);
    wp_write("state/grants.toml",
             "[[plugins]]\nname = \"svc\"\nallow = [\"log\", \"environment=HOME\"]\n"
             "deny = [\"environment=USER\"]\n",
             NULL, 0);
    asked a = {.answer = PL_GRANT_DENY_ONCE};
    one_host(path, &a, true);
    cr_assert_eq(a.n, 0, "asked for %s %s although the grants file decides", a.capability,
                 a.item);
}

Test(wasm_plugins_grants, an_answer_for_another_artefact_is_not_reused)
{
    char path[512];
    asked a = first_answer(PL_GRANT_ALLOW_ALWAYS, true, path, sizeof path);
    char first[80];
    snprintf(first, sizeof first, "%s", a.sha256);

    /* Another file under the same name and path: the module with a custom
    ** section appended (still valid, and it still works), so other bytes. */
    FILE *f = fopen(path, "ab");
    cr_assert_not_null(f);
    static const unsigned char custom[] = {0x00, 0x05, 0x04, 'n', 'o', 't', 'e'};
    cr_assert_eq(fwrite(custom, 1, sizeof custom, f), sizeof custom);
    fclose(f);
    one_host(path, NULL, false);

    asked b = {.answer = PL_GRANT_ALLOW_ALWAYS};
    one_host(path, &b, true);
    cr_assert_eq(b.n, 1, "the other artefact's answer was reused");
    cr_assert_str_neq(b.sha256, first);
    /* Both answers are kept, each for its artefact. */
    const char *text = grants_text();
    cr_assert(text && strstr(text, first) && strstr(text, b.sha256), "%s", text);
}

Test(wasm_plugins_grants, an_answer_outside_the_enum_denies)
{
    char path[512];
    (void)first_answer((pl_grant_answer)7, false, path, sizeof path);
    cr_assert_null(grants_text());
}

/* ---- items --------------------------------------------------------------------------------- */

Test(wasm_plugins_grants, a_network_host_is_asked_and_given)
{
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U);
    char path[512], details[128], url[160];
    snprintf(details, sizeof details, "[capabilities]\nnetwork = [\"127.0.0.1:%d\"]",
             upstream_port(U));
    make_plugin(details, path, sizeof path);
    snprintf(url, sizeof url, "%s/health", upstream_url(U));

    /* Not granted, no callback: nothing is sent. */
    pl_host *h = open_svc(path, "capabilities = [\"log\"]", NULL);
    char *out = NULL;
    pl_call *c = wp_call_new();
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, c, &out), PL_E_DENIED, "%s",
                 pl_call_error_message(c));
    pl_call_free(c);
    pl_host_close(h);
    cr_assert_eq(upstream_connection_count(U), 0, "a denied host was contacted");

    /* Asked as the manifest wrote it (log is granted: not asked); allowed. */
    asked a = {.answer = PL_GRANT_ALLOW_ONCE};
    h = open_svc(path, "capabilities = [\"log\"]", &a);
    cr_assert_eq(a.n, 1);
    cr_assert_str_eq(a.capability, "network");
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", upstream_port(U));
    cr_assert_str_eq(a.item, want);
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    cr_assert(strncmp(out, "404 ", 4) == 0, "%s", out);
    pl_free(out);
    pl_host_close(h);
    cr_assert_eq(upstream_request_count(U), 1);

    /* A configuration glob that covers the host: never asked. */
    asked none = {.answer = PL_GRANT_DENY_ONCE};
    h = open_svc(path, "capabilities = [\"log\"]\n[plugins.permissions]\n"
                       "network = [\"127.0.0.1:*\"]",
                 &none);
    cr_assert_eq(none.n, 0, "asked for %s %s", none.capability, none.item);
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    pl_free(out);
    pl_host_close(h);
}

Test(wasm_plugins_grants, a_relative_path_is_asked_as_an_absolute_one)
{
    char path[512], want[600];
    make_plugin("[capabilities.filesystem]\nread = [\"data/\"]", path, sizeof path);
    asked a = {.answer = PL_GRANT_DENY_ONCE};
    pl_host *h = open_svc(path, "capabilities = [\"log\"]", &a);
    pl_host_close(h);
    cr_assert_eq(a.n, 1);
    cr_assert_str_eq(a.capability, "fs_read");
    snprintf(want, sizeof want, "%s/data", wp_tmp());
    cr_assert_str_eq(a.item, want);
}

/* ---- the file itself ----------------------------------------------------------------------- */

Test(wasm_plugins_grants, a_broken_grants_file_fails_the_plugin)
{
    char path[512], dir[512];
    make_plugin(NULL, path, sizeof path);
    snprintf(dir, sizeof dir, "%s/state", wp_tmp());
    cr_assert_eq(mkdir(dir, 0700), 0);
    wp_write("state/grants.toml", "[[plugins]]\nname = \"svc\"\nalow = [\"log\"]\n", NULL, 0);
    asked a = {.answer = PL_GRANT_ALLOW_ALWAYS};
    pl_host *h = open_svc(path, NULL, &a);
    const char *e;
    cr_assert_eq(wp_state(h, "svc", &e), PL_PLUGIN_FAILED);
    char want[1024];
    snprintf(want, sizeof want,
             "plugin 'svc' (wasm): %s:3:1: unknown key 'alow' in [[plugins]] (did you mean "
             "'allow'?)",
             grants_path());
    cr_assert_str_eq(e, want);
    pl_host_close(h);
    cr_assert_eq(a.n, 0);
    cr_assert(strstr(grants_text(), "alow"), "the broken file was overwritten");
    /* When the configuration grants everything asked, the file is not read. */
    h = open_svc(path, "capabilities = [\"log\"]", &a);
    expect_log_works(h);
    pl_host_close(h);
}

Test(wasm_plugins_grants, options_must_say_their_size)
{
    pl_host_opts o = PL_HOST_OPTS_INIT;
    o.struct_size = 0;
    pl_host *h = (pl_host *)1;
    char err[256];
    cr_assert_eq(pl_host_open_ex(NULL, &o, &h, err, sizeof err), PL_E_INVALID_ARG);
    cr_assert_null(h);
    cr_assert(strstr(err, "struct_size"), "%s", err);
    o.struct_size = sizeof o + 8;
    cr_assert_eq(pl_host_open_ex(NULL, &o, &h, err, sizeof err), PL_E_INVALID_ARG);
}
