/*
** fuzz_wasm_run.c — libFuzzer target for the Wasm engine's execution.
**
** Inputs that load (plw_module_load) are instantiated with small limits
** (1 MiB of memory, a small stack and call depth, a fuel budget and a
** deadline for the start function) through a linker that offers nothing,
** so any import fails to link cleanly. Then every exported function whose
** parameters are all numbers is called twice, with zero arguments and with
** arguments derived from the input, under a small fuel budget and a short
** deadline. After a trap the instance must refuse calls (PL_E_MISUSE); it
** is then replaced by a fresh one, or revived (plw_instance_revive). The
** engine's contract is checked at each step (statuses, trap kinds, clean
** 32-bit results, the memory cap, fuel used within 1% of the budget); a
** breach aborts so the fuzzer reports it, as does a crash, a leak or a
** hang. Seeds: tests/fuzz/corpus/wasm_run/.
**
**   build/tests/fuzz/fuzz_wasm_run -max_total_time=600 tests/fuzz/corpus/wasm_run
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUEL 100000u
#define MEM_CAP (1u << 20)
#define MAX_CALLS 64          /* calls per input, so one input stays quick */
#define MAX_INSTANCES 16      /* fresh instances per input after traps */

static const plw_instance_limits limits = {
    .mem_bytes = MEM_CAP,
    .max_call_depth = 200,
    .stack_bytes = 64u * 1024u,
    .table_elems = 10000,
    .start_fuel = FUEL,
    .start_timeout_ns = 50u * 1000000u,
};
static const plw_call_opts call_opts = {.fuel = FUEL, .timeout_ns = 50u * 1000000u};

typedef struct run {
    plw_module *m;
    plw_linker *linker;
    plw_instance *inst;
    int calls, instances, traps;
    uint64_t seed; /* from the input bytes, for derived arguments */
    const uint8_t *data;
    size_t size;
} run;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* An argument of type t from the random h: mostly small numbers (which
** land inside memories and tables), sometimes negative, sometimes any bits
** (NaNs and infinities included for floats). */
static plw_cell derive(plw_type t, uint64_t h)
{
    static const uint64_t masks[4] = {0xf, 0xff, 0xffff, 0xfffff};
    int64_t small = (int64_t)((h >> 8) & masks[(h >> 2) & 3]);
    switch (h & 3) {
    case 0: break;
    case 1: small = -small; break;
    default: return t == PLW_I32 || t == PLW_F32 ? (uint32_t)(h >> 16) : h;
    }
    if (t == PLW_F32) {
        float f = (float)small;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        return bits;
    }
    if (t == PLW_F64) {
        double d = (double)small;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return bits;
    }
    return t == PLW_I32 ? (uint32_t)small : (uint64_t)small;
}

/* A fresh instance in r->inst, or NULL when instantiation failed cleanly. */
static void instantiate(run *r)
{
    plw_instance_free(r->inst);
    r->inst = NULL;
    if (r->instances++ >= MAX_INSTANCES)
        return;
    pl_err err;
    plu_err_clear(&err);
    plw_instance *inst = NULL;
    pl_status st = plw_instantiate(r->m, r->linker, &limits, &inst, &err);
    if (st == PL_OK) {
        if (!inst || plw_instance_dead(inst))
            abort();
        r->inst = inst;
        return;
    }
    /* Only a trap (segments, start function) hands back a dead instance. */
    bool known = st == PL_E_NOT_FOUND || st == PL_E_INVALID_ARG || st == PL_E_LIMIT ||
                 st == PL_E_TRAP || st == PL_E_NOMEM;
    if (!known || (inst && !plw_instance_dead(inst)) || (st == PL_E_TRAP && !inst))
        abort();
    plw_instance_free(inst);
}

static bool numeric(plw_type t)
{
    return t == PLW_I32 || t == PLW_I64 || t == PLW_F32 || t == PLW_F64;
}

static bool limit_trap(plw_trap_kind k)
{
    return k == PLW_TRAP_FUEL || k == PLW_TRAP_TIMEOUT || k == PLW_TRAP_INTERRUPTED;
}

/* The contract of one call's outcome. */
static void check_call(run *r, pl_status st, const plw_call_info *info)
{
    if (st == PL_OK) {
        if (info->trap != PLW_TRAP_NONE || plw_instance_dead(r->inst))
            abort();
    } else if (st == PL_E_TRAP || st == PL_E_LIMIT) {
        if (info->trap == PLW_TRAP_NONE || info->trap >= PLW_TRAP__COUNT ||
            limit_trap(info->trap) != (st == PL_E_LIMIT) || !plw_instance_dead(r->inst))
            abort();
    } else {
        abort();
    }
    if (info->fuel_used > FUEL + FUEL / 100 || plw_memory_size(r->inst) > MEM_CAP)
        abort();
}

static bool same_type(plw_functype a, const plw_functype *b)
{
    return a.n_params == b->n_params && a.n_results == b->n_results &&
           (!a.n_params || memcmp(a.params, b->params, a.n_params) == 0) &&
           (!a.n_results || memcmp(a.results, b->results, a.n_results) == 0);
}

/* Call export `name` of type ft with args, then check what came back. */
static void call_one(run *r, const char *name, size_t name_len, const plw_functype *ft,
                     const plw_cell *args, plw_cell *results)
{
    if (!r->inst || r->calls++ >= MAX_CALLS)
        return;
    /* The module lists it as a function export of type ft, so it is there
    ** with that type (by its full name: names may hold NUL bytes). */
    const plw_func *f = plw_instance_func_n(r->inst, name, name_len);
    if (!f || !same_type(plw_func_type(f), ft))
        abort();
    pl_err err;
    plu_err_clear(&err);
    plw_call_info info;
    memset(&info, 0xa5, sizeof info);
    pl_status st = plw_call(r->inst, f, args, results, &call_opts, &info, &err);
    check_call(r, st, &info);
    if (st == PL_OK) {
        /* wasm.h: a 32-bit result has the upper half of its cell zero. */
        for (uint32_t i = 0; i < ft->n_results; i++)
            if ((ft->results[i] == PLW_I32 || ft->results[i] == PLW_F32) && results[i] >> 32)
                abort();
        return;
    }
    /* A dead instance refuses the next call. Then it is replaced, or every
    ** other time revived as the spec suite does, which runs code again on
    ** whatever state the trap left behind (the engine must cope). */
    if (plw_call(r->inst, f, args, results, &call_opts, NULL, &err) != PL_E_MISUSE)
        abort();
    if (++r->traps % 2 == 0 && r->calls < MAX_CALLS) {
        plw_instance_revive(r->inst);
        if (plw_instance_dead(r->inst))
            abort();
        return;
    }
    instantiate(r);
}

static void call_export(run *r, size_t index)
{
    plw_extern_info x;
    if (!plw_module_export(r->m, index, &x) || x.kind != PLW_EXTERN_FUNC)
        return;
    for (uint32_t i = 0; i < x.func.n_params; i++)
        if (!numeric((plw_type)x.func.params[i]))
            return;
    uint32_t n_cells = x.func.n_params > x.func.n_results ? x.func.n_params : x.func.n_results;
    plw_cell *args = calloc(n_cells + 1u, sizeof *args);
    plw_cell *results = calloc(n_cells + 1u, sizeof *results);
    if (!args || !results)
        abort();
    call_one(r, x.name, x.name_len, &x.func, args, results);
    for (uint32_t i = 0; i < x.func.n_params; i++)
        args[i] = derive((plw_type)x.func.params[i], mix(r->seed + index * 31u + i));
    call_one(r, x.name, x.name_len, &x.func, args, results);
    free(args);
    free(results);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run r = {.data = data, .size = size};
    pl_err err;
    plu_err_clear(&err);
    if (plw_module_load(data, size, "fuzz.wasm", &r.m, &err) != PL_OK)
        return 0;
    for (size_t i = 0; i < size; i++)
        r.seed = r.seed * 131u + data[i];
    if (plw_linker_new(&r.linker) != PL_OK)
        abort();
    instantiate(&r);
    size_t n = plw_module_export_count(r.m);
    for (size_t i = 0; i < n && r.inst; i++)
        call_export(&r, i);
    plw_instance_free(r.inst);
    plw_linker_free(r.linker);
    plw_module_free(r.m);
    return 0;
}
