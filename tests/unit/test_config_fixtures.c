/*
** test_config_fixtures.c — the bad-input suite: every NAME.toml / .json /
** .yaml / .yml in tests/data/config/ (host configurations) and in
** tests/data/config/manifest/ (plugin manifests) must fail to load with
** exactly the one-line message in NAME.<ext>.expect. Files are loaded with
** paths relative to tests/data/config, so messages start "NAME.toml:3:1: "
** or "manifest/NAME.yaml:2:5: ". Adding a case is adding two files.
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/model.h"

enum { MAX_CASES = 1024 };

typedef struct suite_result {
    int passed, failed;
} suite_result;

static bool has_input_ext(const char *name)
{
    static const char *const exts[] = {".toml", ".json", ".yaml", ".yml"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(dot, exts[i]) == 0)
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The input files of one folder ("." or "manifest"), sorted, as paths
** relative to tests/data/config. Returns how many were stored. */
static size_t list_inputs(const char *dir, char **out, size_t max)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        char path[512];
        struct stat sb;
        snprintf(path, sizeof path, "%s%s%s", strcmp(dir, ".") ? dir : "",
                 strcmp(dir, ".") ? "/" : "", e->d_name);
        if (e->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
            !has_input_ext(e->d_name))
            continue;
        out[n++] = strdup(path);
    }
    closedir(d);
    qsort(out, n, sizeof *out, cmp_str);
    return n;
}

/* First line of NAME.expect, without its line end; NULL when missing. */
static char *read_expect(const char *input)
{
    char path[600], line[4096];
    snprintf(path, sizeof path, "%s.expect", input);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line);
}

static pl_status load(const char *path, pl_err *e)
{
    pl_status st;
    if (strncmp(path, "manifest/", 9) == 0) {
        plc_manifest *m = NULL;
        st = plc_manifest_load(path, &m, e);
        plc_manifest_free(m);
    } else {
        plc_config *c = NULL;
        st = plc_config_load(path, &c, e);
        plc_config_free(c);
    }
    return st;
}

static void run_case(const char *input, suite_result *r)
{
    char *want = read_expect(input);
    pl_err e;
    plu_err_clear(&e);
    pl_status st = load(input, &e);
    if (!want) {
        printf("FAIL %s: no %s.expect next to it\n", input, input);
        r->failed++;
    } else if (st == PL_OK) {
        printf("FAIL %s: loaded without error\n  expected: %s\n", input, want);
        r->failed++;
    } else if (strcmp(e.msg, want) != 0) {
        printf("FAIL %s\n  expected: %s\n  actual:   %s\n", input, want, e.msg);
        r->failed++;
    } else {
        r->passed++;
    }
    free(want);
}

Test(config_fixtures, bad_inputs_fail_with_expected_message)
{
    cr_assert_eq(chdir(PL_TEST_DATA "/config"), 0);
    char *inputs[MAX_CASES];
    size_t n = list_inputs(".", inputs, MAX_CASES);
    n += list_inputs("manifest", inputs + n, MAX_CASES - n);
    suite_result r = {0, 0};
    for (size_t i = 0; i < n; i++) {
        run_case(inputs[i], &r);
        free(inputs[i]);
    }
    printf("config fixtures: %d passed, %d failed\n", r.passed, r.failed);
    fflush(stdout);
    cr_assert_geq(n, 40, "only %zu fixtures found", n);
    cr_assert_eq(r.failed, 0, "config fixtures: %d passed, %d failed", r.passed, r.failed);
}

/* An .expect without its input is a case that silently stopped running. */
Test(config_fixtures, every_expect_has_an_input)
{
    static const char *const dirs[] = {PL_TEST_DATA "/config", PL_TEST_DATA "/config/manifest"};
    for (size_t k = 0; k < 2; k++) {
        DIR *d = opendir(dirs[k]);
        cr_assert_not_null(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len < 8 || strcmp(e->d_name + len - 7, ".expect") != 0)
                continue;
            char input[600];
            struct stat sb;
            snprintf(input, sizeof input, "%s/%.*s", dirs[k], (int)(len - 7), e->d_name);
            cr_expect_eq(stat(input, &sb), 0, "%s has no input file", e->d_name);
        }
        closedir(d);
    }
}
