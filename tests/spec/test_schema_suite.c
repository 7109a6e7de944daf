/*
** test_schema_suite.c — the JSON-Schema-Test-Suite (shared/json-schema-test-
** suite) against plinth's validator: every file of tests/draft7 and
** tests/draft2020-12 must pass; the optional/ folders only report a pass rate.
**
** Each case gets a fresh registry; remote references to
** http://localhost:1234/ are served from the suite's remotes/ folder. Every
** test is validated twice, in the fast mode and collecting errors, and the
** two verdicts must agree (an invalid verdict must come with messages).
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/doc.h"
#include "config/schema.h"

#define SUITE PL_SHARED_DIR "/json-schema-test-suite"
#define REMOTE "http://localhost:1234/"

typedef struct tally {
    size_t passed, failed;
} tally;

static pl_status remote_loader(void *ctx, const char *uri, plc_doc **out, pl_err *err)
{
    (void)ctx;
    if (strncmp(uri, REMOTE, strlen(REMOTE)) != 0)
        return PL_E_NOT_FOUND;
    char path[1024];
    snprintf(path, sizeof path, "%s/remotes/%s", SUITE, uri + strlen(REMOTE));
    return plc_parse_file(path, out, err);
}

/* The verdict of one test: 1 valid, 0 invalid, -1 error (message in why). */
static int verdict(plc_schema_reg *reg, const plc_schema *s, const plc_node *data,
                   char *why, size_t whylen)
{
    pl_err err;
    plu_err_clear(&err);
    pl_status fast = plc_schema_validate(reg, s, data, NULL, &err);
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    pl_status full = fast == PL_OK || fast == PL_E_SCHEMA
                         ? plc_schema_validate(reg, s, data, &errs, &err) : fast;
    size_t nerrs = errs.len;
    plc_schema_errors_free(&errs);
    if (fast != PL_OK && fast != PL_E_SCHEMA) {
        snprintf(why, whylen, "error: %s", err.msg);
        return -1;
    }
    if (full != fast || (full == PL_E_SCHEMA && nerrs == 0)) {
        snprintf(why, whylen, "fast and collecting modes disagree (%d vs %d, %zu errors)",
                 (int)fast, (int)full, nerrs);
        return -1;
    }
    return fast == PL_OK;
}

static void run_tests(const char *file, const plc_node *cs, plc_schema_reg *reg,
                      const plc_schema *s, const char *compile_err, tally *t, bool verbose)
{
    const plc_node *tests = plc_get(cs, "tests");
    const plc_node *desc = plc_get(cs, "description");
    for (size_t k = 0; tests && k < tests->u.a.len; k++) {
        const plc_node *test = tests->u.a.items[k];
        const plc_node *valid = plc_get(test, "valid");
        char why[1200] = "";
        int got = s ? verdict(reg, s, plc_get(test, "data"), why, sizeof why) : -1;
        if (!s)
            snprintf(why, sizeof why, "schema error: %s", compile_err);
        if (got == (valid->u.b ? 1 : 0)) {
            t->passed++;
            continue;
        }
        t->failed++;
        if (verbose)
            printf("  FAIL %s: %s / %s: expected %s; %s\n", file, desc->u.s.ptr,
                   plc_get(test, "description")->u.s.ptr, valid->u.b ? "valid" : "invalid",
                   got == 1 ? "got valid" : got == 0 ? "got invalid" : why);
    }
}

static void run_case(const char *file, const plc_node *cs, plc_schema_draft draft, tally *t,
                     bool verbose)
{
    plc_schema_reg *reg = plc_schema_reg_new();
    cr_assert_not_null(reg);
    plc_schema_reg_set_default_draft(reg, draft);
    plc_schema_reg_set_loader(reg, remote_loader, NULL);
    pl_err err;
    plu_err_clear(&err);
    const plc_schema *s = NULL;
    if (plc_schema_compile(reg, plc_get(cs, "schema"), "", &s, &err) != PL_OK)
        s = NULL;
    run_tests(file, cs, reg, s, err.msg, t, verbose);
    plc_schema_reg_free(reg);
}

/* The number of tests in a suite file plinth's reader rejects (bignums):
** counted with jansson, which can read big integers as reals. */
static size_t count_tests(const char *path)
{
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, NULL);
    size_t n = 0, k;
    json_t *cs;
    json_array_foreach(root, k, cs)
        n += json_array_size(json_object_get(cs, "tests"));
    json_decref(root);
    return n;
}

static void run_file(const char *dir, const char *name, plc_schema_draft draft, tally *t,
                     bool verbose)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    if (plc_parse_file(path, &doc, &err) != PL_OK) {
        size_t n = count_tests(path);
        printf("  %s: all %zu tests fail: plinth cannot read the file: %s\n", name, n, err.msg);
        t->failed += n;
        return;
    }
    tally mine = {0, 0};
    for (size_t k = 0; k < doc->root->u.a.len; k++)
        run_case(name, doc->root->u.a.items[k], draft, &mine, verbose);
    if (mine.failed)
        printf("  %s: %zu passed, %zu failed\n", name, mine.passed, mine.failed);
    t->passed += mine.passed;
    t->failed += mine.failed;
    plc_doc_free(doc);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of a folder, sorted. */
static size_t list_json(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *out = names;
    return n;
}

static void run_dir(const char *dir, plc_schema_draft draft, tally *t, bool verbose)
{
    char **names;
    size_t n = list_json(dir, &names);
    for (size_t k = 0; k < n; k++) {
        run_file(dir, names[k], draft, t, verbose);
        free(names[k]);
    }
    free(names);
}

static void required(const char *draft_dir, plc_schema_draft draft)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/%s", SUITE, draft_dir);
    tally t = {0, 0};
    printf("json-schema-test-suite %s (required):\n", draft_dir);
    run_dir(dir, draft, &t, true);
    printf("json-schema-test-suite %s: %zu passed, %zu failed\n", draft_dir, t.passed, t.failed);
    fflush(stdout);
    cr_expect_gt(t.passed, 0);
    cr_assert_eq(t.failed, 0, "%zu required tests of %s failed", t.failed, draft_dir);
}

Test(schema_suite, draft7, .timeout = 300)
{
    required("draft7", PLC_SCHEMA_DRAFT7);
}

Test(schema_suite, draft2020_12, .timeout = 300)
{
    required("draft2020-12", PLC_SCHEMA_DRAFT2020);
}

static void optional(const char *draft_dir, plc_schema_draft draft, bool verbose)
{
    char dir[512];
    tally t = {0, 0}, f = {0, 0};
    snprintf(dir, sizeof dir, "%s/tests/%s/optional", SUITE, draft_dir);
    run_dir(dir, draft, &t, verbose);
    snprintf(dir, sizeof dir, "%s/tests/%s/optional/format", SUITE, draft_dir);
    run_dir(dir, draft, &f, verbose);
    printf("json-schema-test-suite %s optional: %zu/%zu passed (%.1f%%); "
           "optional/format (format is an annotation in plinth): %zu/%zu passed (%.1f%%)\n",
           draft_dir, t.passed, t.passed + t.failed,
           100.0 * (double)t.passed / (double)(t.passed + t.failed ? t.passed + t.failed : 1),
           f.passed, f.passed + f.failed,
           100.0 * (double)f.passed / (double)(f.passed + f.failed ? f.passed + f.failed : 1));
    fflush(stdout);
}

/* Never fails: prints the optional pass rates (PL_SCHEMA_SUITE_VERBOSE=1
** lists each optional failure). */
Test(schema_suite, optional_report, .timeout = 300)
{
    bool verbose = getenv("PL_SCHEMA_SUITE_VERBOSE") != NULL;
    optional("draft7", PLC_SCHEMA_DRAFT7, verbose);
    optional("draft2020-12", PLC_SCHEMA_DRAFT2020, verbose);
}
