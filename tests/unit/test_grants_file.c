/*
** test_grants_file.c — the grants file ([paths] grants_file): reading it
** (permissions in canonical form, "~" expanded, pins lowercased), what it
** decides (deny wins, pinned answers hold for their artefact only),
** editing it, writing it back (a round trip keeps every entry and any
** string), the atomic locked update (folder made, mode 0600, other
** plugins' entries kept, a broken file left alone, concurrent writers lose
** nothing, running out of memory anywhere leaves it as it was), and the bad files of tests/data/grants/ with their exact
** messages (NAME.toml next to NAME.toml.expect: adding a case is adding two
** files).
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/model.h"

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static char dir[64];

static const char *tmp(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/plinth-grants-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
    }
    return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    dir[0] = '\0';
}

static void setup(void) { setenv("HOME", "/home/tester", 1); }

TestSuite(grants_file, .init = setup, .fini = cleanup, .timeout = 30);

static plc_grants_file *parse(const char *text)
{
    pl_err e;
    plu_err_clear(&e);
    plc_grants_file *f = NULL;
    cr_assert_eq(plc_grants_file_parse(text, strlen(text), "grants.toml", &f, &e), PL_OK, "%s",
                 e.msg);
    return f;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    pl_err e;
    cr_assert_eq(plu_read_file(path, &text, &len, &e), PL_OK, "%s", e.msg);
    return text;
}

static char *toml_of(const plc_grants_file *f)
{
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_grants_file_to_toml(f, &b), 0);
    return plu_buf_take(&b);
}

static void expect_list(const plc_strlist *l, const char *const *want, size_t n)
{
    cr_assert_eq(l->len, n, "%zu items, want %zu", l->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(l->items[i], want[i]);
}

/* ---- reading ---------------------------------------------------------------------------- */

Test(grants_file, a_missing_file_reads_as_no_answers)
{
    char path[128];
    snprintf(path, sizeof path, "%s/none/grants.toml", tmp());
    pl_err e;
    plc_grants_file *f = NULL;
    cr_assert_eq(plc_grants_file_load(path, &f, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(f->n_entries, 0);
    cr_assert_str_eq(f->path, path);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "llm"), PLC_UNDECIDED);
    plc_grants_file_free(f);
    cr_assert_neq(access(path, F_OK), 0, "reading must not create the file");
}

Test(grants_file, permissions_are_read_in_canonical_form)
{
    plc_grants_file *f = parse("# remembered\n"
                               "[[plugins]]\n"
                               "name = \"calc\"\n"
                               "sha256 = \"sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822"
                               "CD15D6C15B0F00A08\"\n"
                               "location = \"/opt/calc.wasm\"\n"
                               "allow = [\"llm\", \"filesystem.read=~/notes/\", "
                               "\"network=*.example.com\", \"environment=HOME\"]\n"
                               "deny = [\"filesystem.write=/\", \"fs_write=/etc//\"]\n"
                               "[[plugins]]\n"
                               "name = \"weather\"\n");
    cr_assert_eq(f->n_entries, 2);
    const plc_grant_entry *e = &f->entries[0];
    cr_assert_str_eq(e->name, "calc");
    cr_assert_str_eq(e->sha256, SHA_A);
    cr_assert_str_eq(e->location, "/opt/calc.wasm");
    const char *allow[] = {"llm", "fs_read=/home/tester/notes", "network=*.example.com",
                           "environment=HOME"};
    const char *deny[] = {"fs_write=/", "fs_write=/etc"};
    expect_list(&e->allow, allow, 4);
    expect_list(&e->deny, deny, 2);
    cr_assert_eq(e->loc.line, 2);
    cr_assert_str_eq(f->entries[1].name, "weather");
    cr_assert_null(f->entries[1].sha256);
    cr_assert_eq(f->entries[1].allow.len + f->entries[1].deny.len, 0);
    plc_grants_file_free(f);
}

Test(grants_file, canonical_permissions_from_people)
{
    static const struct {
        const char *in, *out;
        unsigned cap;
    } ok[] = {
        {"llm", "llm", PLC_CAP_LLM},
        {"log", "log", PLC_CAP_LOG},
        {"network=api.example.com:443", "network=api.example.com:443", PLC_CAP_NETWORK},
        {"filesystem.read=/data/", "fs_read=/data", PLC_CAP_FS_READ},
        {"fs_write=~", "fs_write=/home/tester", PLC_CAP_FS_WRITE},
        {"environment=DATABASE_URL", "environment=DATABASE_URL", PLC_CAP_ENVIRONMENT},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        plu_buf b;
        plu_buf_init(&b);
        unsigned cap = 0;
        char why[256];
        cr_assert_eq(plc_perm_canon(ok[i].in, &b, &cap, why, sizeof why), PL_OK, "%s: %s",
                     ok[i].in, why);
        cr_assert_str_eq(b.data, ok[i].out);
        cr_assert_eq(cap, ok[i].cap, "%s", ok[i].in);
        plu_buf_free(&b);
    }
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"retreival", "unknown capability 'retreival' (did you mean 'retrieval'?)"},
        {"filesystem", "unknown capability 'filesystem' (expected log, llm, retrieval, plan, "
                       "network, fs_read, fs_write or environment)"},
        {"plan=x", "'plan' is a host service and takes no item (write 'plan')"},
        {"fs_read=", "'fs_read' needs an item: fs_read=PATH (an absolute path)"},
        {"environment=1X", "'environment=1X' must name an environment variable like "
                           "DATABASE_URL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        plu_buf b;
        plu_buf_init(&b);
        char why[256];
        cr_assert_eq(plc_perm_canon(bad[i].in, &b, NULL, why, sizeof why), PL_E_INVALID_ARG,
                     "%s", bad[i].in);
        cr_assert_str_eq(why, bad[i].why);
        cr_assert_eq(b.len, 0, "%s: nothing is written on failure", bad[i].in);
        plu_buf_free(&b);
    }
}

/* ---- deciding ---------------------------------------------------------------------------- */

Test(grants_file, deny_wins_and_pins_hold_for_their_artefact)
{
    plc_grants_file *f = parse("[[plugins]]\nname = \"calc\"\nallow = [\"llm\", \"plan\"]\n"
                               "[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_A "\"\n"
                               "allow = [\"network=a.example.com\"]\ndeny = [\"plan\"]\n"
                               "[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_B "\"\n"
                               "allow = [\"retrieval\"]\n");
    /* Unpinned answers hold for every artefact of the name. */
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_B, "llm"), PLC_ALLOWED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", NULL, "llm"), PLC_ALLOWED);
    /* A deny for artefact A wins over the unpinned allow, for A only. */
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "plan"), PLC_DENIED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_B, "plan"), PLC_ALLOWED);
    /* A pinned allow is not reused by another artefact, nor by an unknown one. */
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "network=a.example.com"), PLC_ALLOWED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_B, "network=a.example.com"),
                 PLC_UNDECIDED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", NULL, "retrieval"), PLC_UNDECIDED);
    /* Another plugin, another answer: nothing. */
    cr_assert_eq(plc_grants_file_decide(f, "calc2", SHA_A, "llm"), PLC_UNDECIDED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "log"), PLC_UNDECIDED);
    cr_assert_eq(plc_grants_file_decide(NULL, "calc", SHA_A, "log"), PLC_UNDECIDED);
    plc_grants_file_free(f);
}

/* ---- editing ------------------------------------------------------------------------------ */

Test(grants_file, set_moves_an_answer_and_revoke_forgets_it)
{
    plc_grants_file *f = parse("[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_A "\"\n"
                               "deny = [\"llm\", \"plan\"]\n"
                               "[[plugins]]\nname = \"other\"\nallow = [\"llm\"]\n");
    pl_err e;
    /* An operator's allow (any artefact) takes the pinned deny away too. */
    cr_assert_eq(plc_grants_file_set(f, "calc", NULL, NULL, "llm", true, &e), PL_OK);
    cr_assert_eq(f->n_entries, 3);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "llm"), PLC_ALLOWED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "plan"), PLC_DENIED);
    /* An answer for artefact B leaves A's entry alone. */
    cr_assert_eq(plc_grants_file_set(f, "calc", SHA_B, "/b.wasm", "plan", true, &e), PL_OK);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "plan"), PLC_DENIED);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_B, "plan"), PLC_ALLOWED);
    cr_assert_str_eq(f->entries[3].location, "/b.wasm");
    /* Setting twice adds nothing. */
    cr_assert_eq(plc_grants_file_set(f, "calc", SHA_B, NULL, "plan", true, &e), PL_OK);
    cr_assert_eq(f->entries[3].allow.len, 1);

    cr_assert_eq(plc_grants_file_revoke(f, "calc", "plan"), 2);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "plan"), PLC_UNDECIDED);
    cr_assert_eq(f->n_entries, 2, "B's entry went with its last answer; A still has none? %zu",
                 f->n_entries);
    cr_assert_eq(plc_grants_file_revoke(f, "calc", "plan"), 0);
    cr_assert_eq(plc_grants_file_revoke(f, "calc", NULL), 1);
    cr_assert_eq(f->n_entries, 1);
    cr_assert_str_eq(f->entries[0].name, "other");
    plc_grants_file_free(f);
}

/* ---- writing ------------------------------------------------------------------------------- */

Test(grants_file, what_is_written_reads_back_the_same)
{
    plc_grants_file *f = parse("[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_A "\"\n"
                               "location = \"/odd \\\"dir\\\"\\\\x\\t\\u0001\\u00e9/calc.wasm\"\n"
                               "allow = [\"fs_read=/tmp/q\\\"uote\", \"llm\"]\n"
                               "deny = [\"network=[::1]:8080\"]\n"
                               "[[plugins]]\nname = \"empty\"\n");
    char *text = toml_of(f);
    cr_assert(strncmp(text, "# plinth grants file", 20) == 0, "%s", text);
    cr_assert(strstr(text, "comments other than this header are not"), "%s", text);
    plc_grants_file *g = parse(text);
    cr_assert_eq(g->n_entries, f->n_entries);
    for (size_t i = 0; i < f->n_entries; i++) {
        const plc_grant_entry *a = &f->entries[i], *b = &g->entries[i];
        cr_assert_str_eq(a->name, b->name);
        cr_assert((!a->sha256 && !b->sha256) || !strcmp(a->sha256, b->sha256));
        cr_assert((!a->location && !b->location) || !strcmp(a->location, b->location));
        expect_list(&b->allow, a->allow.items, a->allow.len);
        expect_list(&b->deny, a->deny.items, a->deny.len);
    }
    cr_assert_str_eq(g->entries[0].location, "/odd \"dir\"\\x\t\x01\xc3\xa9/calc.wasm");
    /* The writer's text is stable. */
    char *again = toml_of(g);
    cr_assert_str_eq(again, text);
    plu_free(text);
    plu_free(again);
    plc_grants_file_free(f);
    plc_grants_file_free(g);
}

Test(grants_file, json_and_summary)
{
    plc_grants_file *f = parse("[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_A "\"\n"
                               "location = \"/opt/calc.wasm\"\nallow = [\"llm\"]\n"
                               "deny = [\"plan\"]\n"
                               "[[plugins]]\nname = \"w\"\nallow = [\"network=x.org\"]\n");
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_grants_file_to_json(f, 0, &b), 0);
    cr_assert_str_eq(b.data, "{\"file\":\"grants.toml\",\"plugins\":[{\"name\":\"calc\","
                             "\"sha256\":\"" SHA_A "\",\"location\":\"/opt/calc.wasm\","
                             "\"allow\":[\"llm\"],\"deny\":[\"plan\"]},{\"name\":\"w\","
                             "\"sha256\":null,\"location\":null,\"allow\":[\"network=x.org\"],"
                             "\"deny\":[]}]}");
    b.len = 0;
    cr_assert_eq(plc_grants_file_summary(f, &b), 0);
    cr_assert_str_eq(b.data, "grants.toml\n"
                             "calc (sha256 9f86d081884c...) /opt/calc.wasm\n"
                             "  allow llm\n"
                             "  deny  plan\n"
                             "w (any artefact)\n"
                             "  allow network=x.org\n");
    plu_buf_free(&b);
    plc_grants_file_free(f);
}

/* ---- the locked, atomic update --------------------------------------------------------- */

typedef struct change {
    const char *name, *sha256, *perm;
    bool allow;
} change;

static pl_status apply(plc_grants_file *f, void *user, pl_err *err)
{
    const change *c = user;
    return plc_grants_file_set(f, c->name, c->sha256, "/x.wasm", c->perm, c->allow, err);
}

static pl_status refuse_edit(plc_grants_file *f, void *user, pl_err *err)
{
    (void)f, (void)user;
    return plu_errf(err, PL_E_NOT_FOUND, NULL, "nothing to do");
}

static pl_status update(const char *path, const change *c)
{
    pl_err e;
    plu_err_clear(&e);
    return plc_grants_file_update(path, apply, (void *)c, &e);
}

Test(grants_file, update_makes_the_folder_and_a_private_file)
{
    char path[160], folder[128];
    snprintf(folder, sizeof folder, "%s/a/b", tmp());
    snprintf(path, sizeof path, "%s/grants.toml", folder);
    umask(022);
    change c = {"calc", SHA_A, "llm", true};
    cr_assert_eq(update(path, &c), PL_OK);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600, "mode %o", sb.st_mode & 0777);
    cr_assert_eq(stat(folder, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0700, "folder mode %o", sb.st_mode & 0777);
    /* No temporary file is left beside it. */
    DIR *d = opendir(folder);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(n, 1);
    pl_err e;
    plc_grants_file *f = NULL;
    cr_assert_eq(plc_grants_file_load(path, &f, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(plc_grants_file_decide(f, "calc", SHA_A, "llm"), PLC_ALLOWED);
    plc_grants_file_free(f);
}

Test(grants_file, a_rewrite_keeps_other_plugins_entries)
{
    char path[128];
    snprintf(path, sizeof path, "%s/grants.toml", tmp());
    write_text(path, "# my own notes\n"
                     "[[plugins]]\nname = \"weather\"\nallow = [\"network=api.weather.gov\"]\n"
                     "[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_B "\"\ndeny = [\"llm\"]\n"
                     "[[plugins]]\nname = \"notes\"\nallow = [\"fs_read=/srv/notes\"]\n"
                     "deny = [\"fs_write=/srv/notes\"]\n");
    chmod(path, 0644);
    change c = {"calc", SHA_A, "llm", false};
    cr_assert_eq(update(path, &c), PL_OK);
    char *text = read_text(path);
    const char *body = strstr(text, "\n\n[[plugins]]");
    cr_assert_not_null(body, "%s", text);
    cr_assert_str_eq(body + 2,
                     "[[plugins]]\nname = \"weather\"\nallow = [\"network=api.weather.gov\"]\n\n"
                     "[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_B "\"\ndeny = [\"llm\"]\n\n"
                     "[[plugins]]\nname = \"notes\"\nallow = [\"fs_read=/srv/notes\"]\n"
                     "deny = [\"fs_write=/srv/notes\"]\n\n"
                     "[[plugins]]\nname = \"calc\"\nsha256 = \"" SHA_A "\"\n"
                     "location = \"/x.wasm\"\ndeny = [\"llm\"]\n");
    cr_assert_null(strstr(text, "my own notes"), "comments are not kept (the header says so)");
    plu_free(text);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600, "a rewrite makes the file private: %o",
                 sb.st_mode & 0777);
}

Test(grants_file, a_broken_file_is_never_overwritten)
{
    char path[128];
    snprintf(path, sizeof path, "%s/grants.toml", tmp());
    const char *broken = "[[plugins]]\nname = \"calc\"\nalow = [\"llm\"]\n";
    write_text(path, broken);
    pl_err e;
    plu_err_clear(&e);
    change c = {"calc", SHA_A, "llm", true};
    cr_assert_eq(plc_grants_file_update(path, apply, &c, &e), PL_E_CONFIG);
    char want[256];
    snprintf(want, sizeof want, "%s:3:1: unknown key 'alow' in [[plugins]] (did you mean "
                                "'allow'?)", path);
    cr_assert_str_eq(e.msg, want);
    char *text = read_text(path);
    cr_assert_str_eq(text, broken);
    plu_free(text);
    /* An edit that fails writes nothing either. */
    write_text(path, "[[plugins]]\nname = \"calc\"\n");
    cr_assert_eq(plc_grants_file_update(path, refuse_edit, NULL, &e), PL_E_NOT_FOUND);
    text = read_text(path);
    cr_assert_str_eq(text, "[[plugins]]\nname = \"calc\"\n");
    plu_free(text);
}

Test(grants_file, a_symlinked_file_stays_a_link)
{
    char path[128], real[128];
    snprintf(real, sizeof real, "%s/dotfiles.toml", tmp());
    snprintf(path, sizeof path, "%s/grants.toml", tmp());
    write_text(real, "");
    cr_assert_eq(symlink(real, path), 0);
    change c = {"calc", NULL, "plan", true};
    cr_assert_eq(update(path, &c), PL_OK);
    struct stat sb;
    cr_assert_eq(lstat(path, &sb), 0);
    cr_assert(S_ISLNK(sb.st_mode));
    char *text = read_text(real);
    cr_assert(strstr(text, "allow = [\"plan\"]"), "%s", text);
    plu_free(text);
}

/* Each writer opens the file on its own, so the flock on the folder keeps
** them apart as it keeps processes apart. */
typedef struct writer {
    const char *path;
    int id;
    pl_status st;
} writer;

enum { WRITERS = 8, EACH = 5 };

static void *write_some(void *arg)
{
    writer *w = arg;
    w->st = PL_OK;
    for (int k = 0; k < EACH && w->st == PL_OK; k++) {
        char name[32];
        snprintf(name, sizeof name, "p%d-%d", w->id, k);
        change c = {name, NULL, "llm", true};
        w->st = update(w->path, &c);
    }
    return NULL;
}

Test(grants_file, concurrent_writers_lose_nothing)
{
    char path[128];
    snprintf(path, sizeof path, "%s/grants.toml", tmp());
    pthread_t t[WRITERS];
    writer w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){path, i, PL_OK};
        cr_assert_eq(pthread_create(&t[i], NULL, write_some, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].st, PL_OK, "writer %d failed", i);
    }
    pl_err e;
    plc_grants_file *f = NULL;
    cr_assert_eq(plc_grants_file_load(path, &f, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(f->n_entries, WRITERS * EACH);
    plc_grants_file_free(f);
}

#ifdef PL_TESTING
/* Every allocation of an update failing in turn: each run ends in
** PL_E_NOMEM with the file as it was (LeakSanitizer checks the rest). */
Test(grants_file, out_of_memory_anywhere_leaves_the_file_alone)
{
    char path[128];
    snprintf(path, sizeof path, "%s/grants.toml", tmp());
    const char *before = "[[plugins]]\nname = \"weather\"\nallow = [\"network=api.weather.gov\"]\n";
    write_text(path, before);
    change c = {"calc", SHA_A, "fs_read=/srv", true};
    long n = 0;
    for (;; n++) {
        pl_err e;
        plu_err_clear(&e);
        plu_fail_alloc_after(n);
        pl_status st = plc_grants_file_update(path, apply, &c, &e);
        bool injected = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (!injected) {
            cr_assert_eq(st, PL_OK, "%s", e.msg);
            break;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %ld: %d %s", n, st, e.msg);
        char *text = read_text(path);
        cr_assert_str_eq(text, before, "allocation %ld changed the file", n);
        plu_free(text);
    }
    cr_assert_gt(n, 5, "too few allocations to be a real loop");
    char *text = read_text(path);
    cr_assert(strstr(text, "fs_read=/srv") && strstr(text, "api.weather.gov"), "%s", text);
    plu_free(text);
}
#endif

/* ---- bad files ------------------------------------------------------------------------------ */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(grants_file, bad_files_say_exactly_what_is_wrong)
{
    cr_assert_eq(chdir(PL_TEST_DATA "/grants"), 0);
    DIR *d = opendir(".");
    cr_assert_not_null(d);
    char *names[64];
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d)) && n < 64;) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".toml") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    cr_assert_geq(n, 15, "the fixtures are missing");
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char expect_path[300], want[1024] = "";
        snprintf(expect_path, sizeof expect_path, "%s.expect", names[i]);
        FILE *x = fopen(expect_path, "r");
        if (!x || !fgets(want, sizeof want, x)) {
            cr_log_error("%s: no .expect file", names[i]);
            failed++;
        }
        if (x)
            fclose(x);
        want[strcspn(want, "\n")] = '\0';
        pl_err e;
        plu_err_clear(&e);
        plc_grants_file *f = NULL;
        pl_status st = plc_grants_file_load(names[i], &f, &e);
        pl_status want_st = strcmp(names[i], "syntax.toml") == 0 ? PL_E_SYNTAX : PL_E_CONFIG;
        if (st != want_st || strcmp(e.msg, want) != 0) {
            cr_log_error("%s: status %d, message\n  got:  %s\n  want: %s", names[i], st, e.msg,
                         want);
            failed++;
        }
        cr_assert_null(f);
        free(names[i]);
    }
    cr_assert_eq(failed, 0, "%d bad file(s) did not fail as expected", failed);
}
