/*
** call.c — calling into an instance: arm the limits, run, report the
** fuel used and, after a trap, what stopped the call and where.
**
** A host function may call back into the instance that called it; the
** nested call runs on the same stacks, above the host function's cells,
** and shares the outer call's fuel and deadline.
*/
#include <inttypes.h>
#include <stdio.h>

#include "wasm_int.h"

#define UNLIMITED_FUEL (INT64_MAX / 4)

static const char *const trap_names[PLW_TRAP__COUNT] = {
    [PLW_TRAP_NONE] = "no trap",
    [PLW_TRAP_UNREACHABLE] = "unreachable",
    [PLW_TRAP_DIV_ZERO] = "integer divide by zero",
    [PLW_TRAP_INT_OVERFLOW] = "integer overflow",
    [PLW_TRAP_INVALID_CONV] = "invalid conversion to integer",
    [PLW_TRAP_OOB_MEMORY] = "out of bounds memory access",
    [PLW_TRAP_OOB_TABLE] = "out of bounds table access",
    [PLW_TRAP_UNDEF_ELEM] = "undefined element",
    [PLW_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
    [PLW_TRAP_UNINIT_ELEM] = "uninitialized element",
    [PLW_TRAP_NULL_REF] = "null reference",
    [PLW_TRAP_STACK] = "call stack exhausted",
    [PLW_TRAP_FUEL] = "fuel exhausted",
    [PLW_TRAP_TIMEOUT] = "timeout",
    [PLW_TRAP_INTERRUPTED] = "interrupted",
    [PLW_TRAP_HOST] = "host error",
    [PLW_TRAP_EXIT] = "exit",
};

const char *plw_trap_str(plw_trap_kind k)
{
    return (unsigned)k < PLW_TRAP__COUNT ? trap_names[k] : "unknown trap";
}

static pl_status ensure_stacks(plw_instance *inst, pl_err *err)
{
    plw_exec *ex = &inst->ex;
    if (ex->stack)
        return PL_OK;
    size_t cells = inst->lim.stack_bytes / sizeof(plw_cell);
    size_t frames = inst->lim.max_call_depth; /* one per active function */
    ex->stack = plu_malloc(cells * sizeof(plw_cell));
    ex->frames = plu_malloc(frames * sizeof(plw_frame));
    if (!ex->stack || !ex->frames) {
        plu_free(ex->stack);
        plu_free(ex->frames);
        ex->stack = NULL;
        ex->frames = NULL;
        return plu_err_nomem(err);
    }
    ex->stack_end = ex->stack + cells;
    ex->frames_end = ex->frames + frames;
    ex->fsp = ex->frames;
    ex->interrupt = &inst->interrupt;
    return PL_OK;
}

/* The function and binary offset of a trapping instruction. */
static void locate(const plw_module *m, const uint32_t *ip, int64_t *func, int64_t *off)
{
    *func = -1;
    *off = -1;
    if (!m || !ip || ip < m->ir || ip >= m->ir + m->n_ir)
        return;
    uint32_t pos = (uint32_t)(ip - m->ir);
    uint32_t n = m->n_funcs - m->n_func_imports, lo = 0, hi = n;
    while (hi - lo > 1) { /* the last function starting at or before pos */
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->codes[mid].start <= pos)
            lo = mid;
        else
            hi = mid;
    }
    if (n == 0)
        return;
    const plw_code *c = &m->codes[lo];
    *func = (int64_t)m->n_func_imports + lo;
    *off = c->body_off;
    uint32_t a = c->map_start, b = c->map_start + c->map_len;
    while (a < b) { /* the last mapped instruction at or before pos */
        uint32_t mid = a + (b - a) / 2;
        if (m->map_ir[mid] <= pos)
            a = mid + 1;
        else
            b = mid;
    }
    if (a > c->map_start)
        *off = m->map_wasm[a - 1];
}

static pl_status trap_error(plw_instance *inst, plw_trap_kind t, uint64_t budget,
                            pl_err *err, plw_call_info *info)
{
    plw_exec *ex = &inst->ex;
    int64_t func, off;
    const plw_module *m = ex->trap_mod ? ex->trap_mod : inst->mod;
    locate(ex->trap_mod, ex->trap_ip, &func, &off);
    if (info) {
        info->trap_func = func < 0 ? UINT32_MAX : (uint32_t)func;
        info->trap_offset = off < 0 ? 0 : (uint32_t)off;
    }
    char what[400];
    if (t == PLW_TRAP_EXIT)
        snprintf(what, sizeof what, "exit with code %d", (int)ex->exit_code);
    else if (t == PLW_TRAP_HOST)
        snprintf(what, sizeof what, "host error: %s", ex->host_msg[0] ? ex->host_msg : "failed");
    else if (t == PLW_TRAP_FUEL)
        snprintf(what, sizeof what, "fuel exhausted (budget %" PRIu64 " units)", budget);
    else if (t == PLW_TRAP_TIMEOUT)
        snprintf(what, sizeof what, "timeout: the call ran past its %" PRIu64 " ms deadline",
                 ex->timeout_ns / 1000000u);
    else
        snprintf(what, sizeof what, "%s", plw_trap_str(t));
    pl_status st = t == PLW_TRAP_FUEL || t == PLW_TRAP_TIMEOUT || t == PLW_TRAP_INTERRUPTED
                       ? PL_E_LIMIT
                       : PL_E_TRAP;
    if (func >= 0)
        return plu_errf(err, st, NULL, "trap: %s (%s: func %lld @0x%llx)", what, m->name,
                        (long long)func, (unsigned long long)off);
    return plu_errf(err, st, NULL, "trap: %s (%s)", what, m->name);
}

static bool owns(const plw_instance *inst, const plw_func *f)
{
    return f >= inst->funcs && f < inst->funcs + inst->mod->n_funcs;
}

pl_status plw_call(plw_instance *inst, const plw_func *f, const plw_cell *args,
                   plw_cell *results, const plw_call_opts *opts, plw_call_info *info,
                   pl_err *err)
{
    if (info) /* every early return leaves it saying "nothing ran" */
        *info = (plw_call_info){ .trap = PLW_TRAP_NONE, .trap_func = UINT32_MAX };
    if (!inst || !f || !owns(inst, f))
        return plu_errf(err, PL_E_MISUSE, NULL, "plw_call: the function is not the instance's");
    if (inst->dead)
        return plu_errf(err, PL_E_MISUSE, NULL, "%s: instance is unusable after a trap",
                        inst->mod->name);
    if (PLW_UNLIKELY(!inst->ex.stack) && ensure_stacks(inst, err) != PL_OK)
        return PL_E_NOMEM;
    plw_exec *ex = &inst->ex;
    bool nested = ex->active;
    plw_cell *fp = nested ? ex->top : ex->stack;
    const plw_ftype *t = f->type;
    uint32_t width = t->n_params > t->n_results ? t->n_params : t->n_results;
    if (!fp)
        return plu_errf(err, PL_E_MISUSE, NULL,
                        "%s: a nested call must come from a host function", inst->mod->name);
    if (fp + width > ex->stack_end) {
        if (info)
            *info = (plw_call_info){ .trap = PLW_TRAP_STACK, .trap_func = UINT32_MAX };
        return plu_errf(err, PL_E_TRAP, NULL,
                        "trap: call stack exhausted (%s: %u bytes of operand space cannot "
                        "hold the call's %u values)",
                        inst->mod->name, inst->lim.stack_bytes, width);
    }
    for (uint32_t i = 0; i < t->n_params; i++)
        fp[i] = args[i];
    uint64_t budget = opts && opts->fuel ? opts->fuel : 0;
    if (!nested) {
        ex->fuel = budget && budget < UNLIMITED_FUEL ? (int64_t)budget : UNLIMITED_FUEL;
        ex->timeout_ns = opts ? opts->timeout_ns : 0;
        ex->cancel = opts ? opts->cancel : NULL;
        ex->deadline_ns = 0;
        plw_exec_arm(ex);
        atomic_store_explicit(&inst->interrupt, 0, memory_order_relaxed);
        ex->trap_ip = NULL;
        ex->trap_mod = NULL;
        ex->host_msg[0] = '\0';
        ex->fsp = ex->frames;
        ex->native_base = __builtin_frame_address(0);
        ex->active = true;
    }
    int64_t fuel0 = ex->fuel;
    plw_trap_kind trap = plw_exec_call(ex, f, fp);
    if (!nested)
        ex->active = false;
    if (info) {
        int64_t used = fuel0 - ex->fuel;
        info->fuel_used = used < 0 ? 0 : budget && (uint64_t)used > budget ? budget
                                                                           : (uint64_t)used;
        info->trap = trap;
        info->exit_code = trap == PLW_TRAP_EXIT ? ex->exit_code : 0;
    }
    if (trap) {
        inst->dead = true;
        return trap_error(inst, trap, budget, err, info);
    }
    /* 32-bit results leave the upper half clean, as wasm.h promises
    ** (inside Wasm it may hold what i32.wrap_i64 left there). */
    for (uint32_t i = 0; i < t->n_results; i++)
        results[i] = t->results[i] == PLW_I32 || t->results[i] == PLW_F32 ? (uint32_t)fp[i]
                                                                           : fp[i];
    return PL_OK;
}
