/*
** compile.c — validate and compile every function body, in one pass each.
**
** The spec's validation algorithm (validate.c) walks the body; each
** opcode's handler (compile_ops.c) checks types and emits IR (ir.def) for
** the dispatch loop in exec.c. This file holds the driver and what the
** handlers share: emission, operand placement and the fuel bookkeeping.
**
** Fuel. One unit is charged per Wasm instruction executed, without a
** counter per instruction: code is cut into chains, each running from a
** branch target (or the instruction after a branch) to the next branch
** (br, br_if, br_table, if, else, return, unreachable, the function's
** end); labels reached by falling through do not cut a chain. rest(p) is
** the number of instructions from point p to the end of its chain.
** Entering a chain charges its rest: a call charges the callee's entry
** rest, a taken branch the rest of its target, a conditional branch that
** falls through the rest of the code after it. Every charge is one
** subtraction and one comparison folded into the branch or call, so the
** count is exact on every path and never runs ahead of the instructions
** that will execute; a trap leaves at most the rest of its chain charged.
*/
#include <stdarg.h>

#include "wasm_int.h"

const uint8_t plw_ir_words[PLW_IR__COUNT] = {
#define IR(name, words) [PLW_IR_##name] = words,
#include "ir.def"
#undef IR
};

static bool reserve(plw_cc *c, void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need)
        n *= 2;
    void *p = plu_realloc(*arr, n * size);
    if (!p) {
        c->oom = true;
        return false;
    }
    *arr = p;
    *cap = n;
    return true;
}

static bool reserve32(plw_cc *c, void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    size_t cap2 = *cap;
    bool ok = reserve(c, arr, &cap2, need, size);
    *cap = (uint32_t)cap2;
    return ok;
}

void plw_emit_word(plw_cc *c, uint32_t w)
{
    if (c->oom || !reserve(c, (void **)&c->ir, &c->cap_ir, c->n_ir + 1, sizeof *c->ir))
        return;
    c->ir[c->n_ir++] = w;
}

uint32_t plw_emit_slow(plw_cc *c, uint16_t op, int n, const uint32_t *w)
{
    uint32_t at = (uint32_t)c->n_ir;
    if (plw_dead(c) || c->oom ||
        !reserve(c, (void **)&c->ir, &c->cap_ir, c->n_ir + 1 + (size_t)n, sizeof *c->ir))
        return at;
    c->ir[c->n_ir++] = (uint32_t)c->h[op];
    for (int i = 0; i < n; i++)
        c->ir[c->n_ir++] = w[1 + i];
    return at;
}

/* A move; two moves in a row (no label between) become one copy2. */
void plw_emit_copy(plw_cc *c, uint32_t dst, uint32_t src)
{
    if (dst == src || plw_dead(c) || c->oom)
        return;
    if (c->copy_at != UINT32_MAX && c->copy_at + 3 == c->n_ir && c->barrier <= c->copy_at) {
        c->ir[c->copy_at] = (uint32_t)c->h[PLW_IR_copy2];
        plw_emit_word(c, dst);
        plw_emit_word(c, src);
        c->copy_at = UINT32_MAX;
        c->last.valid = false;
        return;
    }
    c->copy_at = plw_emit(c, PLW_IR_copy, 2, dst, src);
}

void plw_label_here(plw_cc *c)
{
    c->barrier = (uint32_t)c->n_ir;
    c->last.valid = false;
}

void plw_map_here(plw_cc *c, uint32_t ins)
{
    if (plw_dead(c) || c->oom)
        return;
    if (c->n_map == c->cap_map) {
        size_t n = c->cap_map ? c->cap_map * 2 : 1024;
        uint32_t *a = plu_realloc(c->map_ir, n * sizeof *a);
        if (a)
            c->map_ir = a;
        uint32_t *b = a ? plu_realloc(c->map_wasm, n * sizeof *b) : NULL;
        if (!b) {
            c->oom = true;
            return;
        }
        c->map_wasm = b;
        c->cap_map = n;
    }
    c->map_ir[c->n_map] = ins;
    c->map_wasm[c->n_map] = c->op_off;
    c->n_map++;
}

void plw_set_last(plw_cc *c, uint32_t ins, uint16_t op, uint32_t dst_word)
{
    if (plw_dead(c) || c->oom)
        return;
    c->last = (plw_last){ .valid = true, .ins = ins, .op = op, .dst_at = ins + dst_word,
                          .dst = c->ir[ins + dst_word] };
}

/* ---- operands --------------------------------------------------------------- */

static void emit_const(plw_cc *c, uint32_t dst, uint8_t type, uint64_t k)
{
    if (k <= UINT32_MAX)
        plw_emit(c, PLW_IR_const32, 2, dst, (uint32_t)k);
    else
        plw_emit(c, PLW_IR_const64, 3, dst, (uint32_t)k, (uint32_t)(k >> 32));
    (void)type;
}

void plw_materialize(plw_cc *c, uint32_t i)
{
    plw_val *v = &c->vals[i];
    if (v->kind == PLW_V_TEMP)
        return;
    uint32_t dst = plw_slot_of_depth(c, i);
    if (v->kind == PLW_V_LOCAL) {
        plw_emit_copy(c, dst, v->slot);
        c->n_local_refs--;
    } else {
        emit_const(c, dst, v->type, v->k);
    }
    v->kind = PLW_V_TEMP;
    v->slot = dst;
}

void plw_materialize_locals(plw_cc *c)
{
    for (uint32_t i = 0; c->n_local_refs && i < c->n_vals; i++)
        if (c->vals[i].kind == PLW_V_LOCAL)
            plw_materialize(c, i);
}

void plw_materialize_local(plw_cc *c, uint32_t slot)
{
    for (uint32_t i = 0; c->n_local_refs && i < c->n_vals; i++)
        if (c->vals[i].kind == PLW_V_LOCAL && c->vals[i].slot == slot)
            plw_materialize(c, i);
}

/*
** A slot holding v's value, for an instruction that needs its operand in a
** slot: temps and locals are already there; a constant is written to the
** canonical slot of `depth` (where v sat on the stack).
*/
uint32_t plw_operand_slot(plw_cc *c, plw_val *v, uint32_t depth)
{
    if (v->kind != PLW_V_CONST)
        return v->slot;
    uint32_t dst = plw_slot_of_depth(c, depth);
    emit_const(c, dst, v->type, v->k);
    return dst;
}

/* ---- fuel points and chains ----------------------------------------------- */

uint32_t plw_new_point(plw_cc *c)
{
    if (!reserve32(c, (void **)&c->points, &c->cap_points, c->n_points + 1, sizeof *c->points))
        return 0;
    c->points[c->n_points] = (plw_point){ .chain = UINT32_MAX, .pos = 0 };
    return c->n_points++;
}

void plw_point_here(plw_cc *c, uint32_t p)
{
    if (!c->oom)
        c->points[p] = (plw_point){ .chain = c->chain, .pos = c->cc };
}

void plw_start_chain(plw_cc *c)
{
    if (!reserve32(c, (void **)&c->chain_end, &c->cap_chains, c->n_chains + 1,
                   sizeof *c->chain_end))
        return;
    c->chain = c->n_chains++;
    c->chain_end[c->chain] = 0;
    c->cc = 0;
}

void plw_end_chain(plw_cc *c)
{
    if (c->oom)
        return;
    c->chain_end[c->chain] = c->cc;
    plw_start_chain(c);
}

void plw_fuel_fix(plw_cc *c, uint32_t at, uint32_t point)
{
    if (plw_dead(c) ||
        !reserve32(c, (void **)&c->fuel, &c->cap_fuel, c->n_fuel + 1, sizeof *c->fuel))
        return;
    c->fuel[c->n_fuel++] = (plw_fuelfix){ .at = at, .point = point };
}

static int64_t rest_of(const plw_cc *c, uint32_t p)
{
    const plw_point *pt = &c->points[p];
    if (pt->chain == UINT32_MAX)
        return 0; /* a label no path reaches */
    return (int64_t)c->chain_end[pt->chain] - pt->pos;
}

static void resolve_fuel(plw_cc *c)
{
    for (uint32_t i = 0; i < c->n_fuel; i++) {
        const plw_fuelfix *f = &c->fuel[i];
        c->ir[f->at] = (uint32_t)rest_of(c, f->point);
    }
}

/* ---- branches ------------------------------------------------------------------ */

void plw_branch_to(plw_cc *c, uint32_t ins, uint32_t target_word, uint32_t fuel_word,
                   plw_ctrl *f)
{
    if (plw_dead(c) || c->oom)
        return;
    plw_fuel_fix(c, fuel_word, f->point);
    if (f->kind == PLW_C_LOOP) {
        c->ir[target_word] = (uint32_t)((int64_t)f->label_pos - ins);
        return;
    }
    f->fixups = plw_fixup_new(c, target_word, ins, f->fixups);
}

int32_t plw_fixup_new(plw_cc *c, uint32_t at, uint32_t ins, int32_t next)
{
    if (!reserve32(c, (void **)&c->fix, &c->cap_fix, c->n_fix + 1, sizeof *c->fix))
        return next;
    c->fix[c->n_fix] = (plw_fixup){ .at = at, .ins = ins, .next = next };
    return (int32_t)c->n_fix++;
}

/* Resolve the forward branches of a frame to the current position. */
void plw_patch_fixups(plw_cc *c, int32_t head)
{
    uint32_t here = (uint32_t)c->n_ir;
    plw_label_here(c);
    for (int32_t i = head; i >= 0 && !c->oom; i = c->fix[i].next)
        c->ir[c->fix[i].at] = here - c->fix[i].ins;
}

bool plw_label_vals_in_place(plw_cc *c, const plw_ctrl *f)
{
    uint32_t n = plw_v_label_arity(f);
    for (uint32_t j = 0; j < n; j++) {
        const plw_val *v = &c->vals[c->n_vals - n + j];
        if (v->kind != PLW_V_TEMP || v->slot != plw_slot_of_depth(c, f->height + j))
            return false;
    }
    return true;
}

/* Sources sit at depths >= the destinations, so copying in increasing
** order never overwrites a value still to be copied. */
void plw_copy_label_vals(plw_cc *c, const plw_ctrl *f)
{
    uint32_t n = plw_v_label_arity(f);
    for (uint32_t j = 0; j < n; j++) {
        plw_val *v = &c->vals[c->n_vals - n + j];
        uint32_t dst = plw_slot_of_depth(c, f->height + j);
        if (v->kind == PLW_V_CONST)
            emit_const(c, dst, v->type, v->k);
        else if (v->slot != dst)
            plw_emit_copy(c, dst, v->slot);
    }
}

/* Results go to slots 0..n-1, which may hold locals that are themselves
** results: with more than one result, every result is first placed in
** its temp (temps lie above all locals), then moved down in order. */
void plw_emit_return(plw_cc *c)
{
    if (plw_dead(c))
        return;
    uint32_t n = c->type->n_results;
    if (n == 0) {
        plw_emit(c, PLW_IR_ret, 0);
        return;
    }
    if (n == 1) {
        plw_val *v = &c->vals[c->n_vals - 1];
        if (v->kind == PLW_V_CONST) {
            emit_const(c, 0, v->type, v->k);
            plw_emit(c, PLW_IR_ret, 0);
        } else if (v->slot == 0) {
            plw_emit(c, PLW_IR_ret, 0);
        } else {
            plw_emit(c, PLW_IR_ret1, 1, v->slot);
        }
        return;
    }
    /* Place every result in its temp first without changing the operand
    ** stack: a conditional return (br_if, br_table) leaves other paths
    ** that still see the values where they were. */
    for (uint32_t j = 0; j < n; j++) {
        const plw_val *v = &c->vals[c->n_vals - n + j];
        uint32_t temp = plw_slot_of_depth(c, c->n_vals - n + j);
        if (v->kind == PLW_V_CONST)
            emit_const(c, temp, v->type, v->k);
        else if (v->kind == PLW_V_LOCAL)
            plw_emit_copy(c, temp, v->slot);
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t temp = plw_slot_of_depth(c, c->n_vals - n + j);
        if (temp != j * 8u)
            plw_emit_copy(c, j * 8u, temp);
    }
    plw_emit(c, PLW_IR_ret, 0);
}

/* ---- one function ---------------------------------------------------------------- */

static pl_status read_locals(plw_cc *c)
{
    const plw_ftype *t = c->type;
    uint32_t groups = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    uint64_t total = t->n_params;
    const uint8_t *save = c->r.p;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n = plw_rd_u32(&c->r);
        uint8_t type = plw_rd_byte(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        total += n;
        if (total > PLW_MAX_LOCALS)
            return plw_v_malformed(c, "too many locals");
        if (type != PLW_I32 && type != PLW_I64 && type != PLW_F32 && type != PLW_F64 &&
            type != PLW_FUNCREF && type != PLW_EXTERNREF)
            return plw_v_malformed(c, type == 0x7b ? "SIMD (v128) is not supported"
                                                    : "malformed value type");
    }
    uint8_t *types = plu_malloc(total ? total : 1);
    if (!types)
        return plu_err_nomem(c->err);
    memcpy(types, t->params, t->n_params);
    c->r.p = save;
    uint32_t k = t->n_params;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n = plw_rd_u32(&c->r);
        uint8_t type = plw_rd_byte(&c->r);
        memset(types + k, type, n);
        k += n;
    }
    plu_free(c->locals);
    c->locals = types;
    c->n_locals = (uint32_t)total;
    return PL_OK;
}

static void reset_function(plw_cc *c)
{
    c->n_vals = c->n_ctrls = c->n_local_refs = c->max_vals = 0;
    c->n_fix = c->n_points = c->n_chains = c->n_fuel = 0;
    c->last.valid = false;
    c->copy_at = UINT32_MAX;
    c->barrier = (uint32_t)c->n_ir;
}

static pl_status finish_function(plw_cc *c, plw_code *code, uint32_t entry_point, size_t start)
{
    if (c->r.p != c->r.end)
        return plw_v_malformed(c, "section size mismatch: bytes after the function's end");
    plw_end_chain(c);
    if (c->oom)
        return plu_err_nomem(c->err);
    resolve_fuel(c);
    code->start = (uint32_t)start;
    code->n_words = (uint32_t)(c->n_ir - start);
    code->n_params = c->type->n_params;
    code->n_locals = c->n_locals - c->type->n_params;
    code->n_results = c->type->n_results;
    code->frame_slots = c->n_locals + c->max_vals + 1;
    code->entry_fuel = (uint32_t)rest_of(c, entry_point);
    return PL_OK;
}

static pl_status compile_function(plw_cc *c, uint32_t fi)
{
    plw_module *m = c->m;
    plw_code *code = m->funcs[fi].code;
    c->func = fi;
    c->type = &m->types[m->funcs[fi].type];
    c->r = (plw_rd){ .p = m->bytes + code->body_off, .end = m->bytes + code->body_off +
                                                            code->n_words, .base = m->bytes };
    c->op_off = code->body_off;
    reset_function(c);
    pl_status st = read_locals(c);
    if (st != PL_OK)
        return st;
    size_t start = c->n_ir;
    code->map_start = (uint32_t)c->n_map;
    plw_ftype body = { .n_results = c->type->n_results, .results = c->type->results };
    if ((st = plw_v_push_ctrl(c, PLW_C_FUNC, &body)) != PL_OK)
        return st;
    plw_start_chain(c);
    uint32_t entry = plw_new_point(c);
    plw_point_here(c, entry);
    c->ctrls[0].point = plw_new_point(c); /* branches to it are returns */
    while (c->n_ctrls) {
        if (c->r.p >= c->r.end)
            return plw_v_malformed(c, "unexpected end of section or function");
        c->op_off = (uint32_t)(c->r.p - m->bytes);
        uint8_t op = *c->r.p++;
        if (op != 0x0b && !plw_dead(c))
            c->cc++;
        plw_op_fn fn = plw_ops[op];
        if (!fn)
            return plw_errf(c->err, PL_E_SYNTAX, m, fi, c->op_off, "illegal opcode 0x%02x", op);
        if ((st = fn(c, op)) != PL_OK)
            return st;
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        if (c->oom)
            return plu_err_nomem(c->err);
    }
    st = finish_function(c, code, entry, start);
    code->map_len = (uint32_t)(c->n_map - code->map_start);
    return st;
}

static void free_scratch(plw_cc *c)
{
    plu_free(c->vals);
    plu_free(c->ctrls);
    plu_free(c->fix);
    plu_free(c->points);
    plu_free(c->chain_end);
    plu_free(c->fuel);
    plu_free(c->locals);
    plu_free(c->ir);
    plu_free(c->map_ir);
    plu_free(c->map_wasm);
}

pl_status plw_compile_module(plw_module *m, pl_err *err)
{
    plw_cc c = { .m = m, .err = err, .h = plw_exec_handlers() };
    pl_status st = PL_OK;
    /* Code takes about 0.6 words per byte of body: size the buffer once. */
    size_t body_bytes = 0;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        body_bytes += m->codes[i].n_words;
    reserve(&c, (void **)&c.ir, &c.cap_ir, body_bytes - body_bytes / 4 + 64, sizeof *c.ir);
    for (uint32_t i = m->n_func_imports; i < m->n_funcs && st == PL_OK; i++)
        st = compile_function(&c, i);
    if (st == PL_OK && c.n_ir == 0)
        plw_emit_word(&c, 0); /* keep ir non-NULL */
    if (st == PL_OK && c.oom)
        st = plu_err_nomem(err);
    if (st == PL_OK) {
        m->ir = c.ir, m->n_ir = c.n_ir;
        m->map_ir = c.map_ir, m->map_wasm = c.map_wasm, m->n_map = c.n_map;
        c.ir = NULL, c.map_ir = NULL, c.map_wasm = NULL;
    }
    free_scratch(&c);
    return st;
}
