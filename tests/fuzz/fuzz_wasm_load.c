/*
** fuzz_wasm_load.c — libFuzzer target for the Wasm engine's loader:
** decode + validate + compile (plw_module_load) of arbitrary bytes.
**
** It must never crash, leak or hang. A module that loads has its imports,
** exports and a custom section listed (which walks the decoded tables) and
** is freed; a rejected one must come back with no module, a loader status
** and a message naming the module ("fuzz.wasm: ..."). Anything else
** aborts, so the fuzzer reports it. Seeds: tests/fuzz/corpus/wasm_load/
** (tests/fuzz/README.md says how they were made).
**
**   build/tests/fuzz/fuzz_wasm_load -max_total_time=600 tests/fuzz/corpus/wasm_load
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_extern(const plw_extern_info *x, bool import)
{
    if (!x->name || (import && !x->module) || x->kind > PLW_EXTERN_GLOBAL)
        abort();
    if (x->kind == PLW_EXTERN_FUNC && ((x->func.n_params && !x->func.params) ||
                                       (x->func.n_results && !x->func.results)))
        abort();
    /* Touch every byte the listing hands out, so ASan sees a bad pointer. */
    volatile size_t sum = strlen(x->name) + (x->module ? strlen(x->module) : 0);
    for (uint32_t i = 0; x->kind == PLW_EXTERN_FUNC && i < x->func.n_params; i++)
        sum += x->func.params[i];
    for (uint32_t i = 0; x->kind == PLW_EXTERN_FUNC && i < x->func.n_results; i++)
        sum += x->func.results[i];
    (void)sum;
}

static void walk_module(const plw_module *m)
{
    plw_extern_info x;
    size_t n_imports = plw_module_import_count(m), n_exports = plw_module_export_count(m);
    for (size_t i = 0; i < n_imports; i++) {
        if (!plw_module_import(m, i, &x))
            abort();
        check_extern(&x, true);
    }
    for (size_t i = 0; i < n_exports; i++) {
        if (!plw_module_export(m, i, &x))
            abort();
        check_extern(&x, false);
    }
    if (plw_module_import(m, n_imports, &x) || plw_module_export(m, n_exports, &x))
        abort();
    size_t len = 0;
    const uint8_t *custom = plw_module_custom(m, "name", &len);
    if (custom && len) {
        volatile uint8_t last = custom[len - 1];
        (void)last;
    }
    if (strcmp(plw_module_name(m), "fuzz.wasm") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    plw_module *m = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plw_module_load(data, size, "fuzz.wasm", &m, &err);
    if (st == PL_OK) {
        if (!m)
            abort();
        walk_module(m);
        plw_module_free(m);
        return 0;
    }
    /* Rejected: one of the loader's statuses, a message naming the module,
    ** and nothing to free. */
    bool known = st == PL_E_SYNTAX || st == PL_E_UNSUPPORTED || st == PL_E_INVALID_ARG ||
                 st == PL_E_NOMEM;
    if (m || !known || (st != PL_E_NOMEM && strncmp(err.msg, "fuzz.wasm", 9) != 0))
        abort();
    return 0;
}
