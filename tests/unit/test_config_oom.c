/*
** test_config_oom.c — the configuration loader under allocation failure.
** For N = 0, 1, 2, ... the Nth allocation and every one after it fails;
** each such run must end in PL_E_NOMEM with nothing returned, and
** LeakSanitizer (in the sanitizer build) checks that nothing leaked. The
** loop stops at the first N whose run needs no failed allocation, which
** must then succeed. Needs a PL_TESTING build (fault injection).
*/
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/model.h"

#define GOOD PL_TEST_DATA "/config/good/"

enum { MAX_RUNS = 200000 };

#ifdef PL_TESTING

typedef pl_status (*load_fn)(const char *path, void **out, pl_err *err);
typedef void (*free_fn)(void *obj);

static pl_status load_config(const char *path, void **out, pl_err *err)
{
    return plc_config_load(path, (plc_config **)out, err);
}

static pl_status load_manifest(const char *path, void **out, pl_err *err)
{
    return plc_manifest_load(path, (plc_manifest **)out, err);
}

static void free_config(void *c) { plc_config_free(c); }
static void free_manifest(void *m) { plc_manifest_free(m); }

/* Loop one loader over every failure point; `final` is the status the run
** without injected failures must give (PL_OK, or a bad file's error). */
static long oom_loop(const char *path, load_fn load, free_fn release, pl_status final)
{
    for (long n = 0; n < MAX_RUNS; n++) {
        pl_err e;
        plu_err_clear(&e);
        void *obj = NULL;
        plu_fail_alloc_after(n);
        pl_status st = load(path, &obj, &e);
        bool injected = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (!injected) {
            cr_assert_eq(st, final, "%s without failures: status %d: %s", path, st, e.msg);
            release(obj);
            return n;
        }
        cr_assert_eq(st, PL_E_NOMEM, "%s, allocation %ld failed: status %d (%s): %s", path, n,
                     st, pl_status_str(st), e.msg);
        cr_assert_null(obj, "%s, allocation %ld failed: a result was returned", path, n);
    }
    cr_assert_fail("%s: no successful run after %d allocations", path, MAX_RUNS);
    return -1;
}

static void fixed_env(void)
{
    setenv("HOME", "/home/tester", 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
}

Test(config_oom, full_toml)
{
    fixed_env();
    cr_assert_gt(oom_loop(GOOD "full.toml", load_config, free_config, PL_OK), 0);
}

Test(config_oom, full_json)
{
    fixed_env();
    cr_assert_gt(oom_loop(GOOD "full.json", load_config, free_config, PL_OK), 0);
}

Test(config_oom, full_yaml)
{
    fixed_env();
    cr_assert_gt(oom_loop(GOOD "full.yaml", load_config, free_config, PL_OK), 0);
}

Test(config_oom, querymt_providers_toml)
{
    fixed_env();
    oom_loop(GOOD "providers.toml", load_config, free_config, PL_OK);
}

Test(config_oom, manifests)
{
    oom_loop(GOOD "plugin.toml", load_manifest, free_manifest, PL_OK);
    oom_loop(GOOD "plugin.yaml", load_manifest, free_manifest, PL_OK);
}

/* Error paths allocate too (messages never do). */
Test(config_oom, bad_files)
{
    fixed_env();
    oom_loop(PL_TEST_DATA "/config/duplicate_provider.toml", load_config, free_config,
             PL_E_CONFIG);
    oom_loop(PL_TEST_DATA "/config/unknown_key_limits.toml", load_config, free_config,
             PL_E_CONFIG);
    oom_loop(PL_TEST_DATA "/config/manifest/bad_range.toml", load_manifest, free_manifest,
             PL_E_CONFIG);
}

/* Serialising: every failure is -1 and leaves the buffer as it was. */
Test(config_oom, output)
{
    fixed_env();
    pl_err e;
    plc_config *c;
    cr_assert_eq(plc_config_load(GOOD "full.toml", &c, &e), PL_OK, "%s", e.msg);
    for (int which = 0; which < 2; which++) {
        for (long n = 0; n < MAX_RUNS; n++) {
            plu_buf b;
            plu_buf_init(&b);
            plu_fail_alloc_after(n);
            int rc = which ? plc_config_summary(c, &b) : plc_config_to_json(c, 2, &b);
            bool injected = plu_alloc_failed();
            plu_fail_alloc_after(-1);
            plu_buf_free(&b);
            if (!injected) {
                cr_assert_eq(rc, 0);
                break;
            }
            cr_assert_eq(rc, -1, "allocation %ld failed but output reported success", n);
        }
    }
    plc_config_free(c);
}

/* The public entry point, which also finds the file and wraps the model. */
Test(config_oom, public_api)
{
    fixed_env();
    for (long n = 0; n < MAX_RUNS; n++) {
        char err[256];
        pl_config *cfg = NULL;
        plu_fail_alloc_after(n);
        pl_status st = pl_config_load(GOOD "full.toml", &cfg, err, sizeof err);
        bool injected = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (!injected) {
            cr_assert_eq(st, PL_OK, "%s", err);
            pl_config_free(cfg);
            return;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %ld: %s", n, err);
        cr_assert_str_eq(err, "out of memory");
        cr_assert_null(cfg);
    }
}

#else

Test(config_oom, needs_pl_testing)
{
    cr_skip_test("built without PL_TESTING: no fault injection, nothing to test "
                 "(configure with -DPL_TESTING=ON)");
}

#endif
