/*
** compile_ctl.c — structured control: block, loop, if/else, end, br,
** br_if, br_table, return, unreachable.
**
** Values that cross a label live in the canonical slots of the label's
** stack depths: a block's results at its height, a loop's parameters at
** its height. Branches copy the values there; falling into a label
** materialises them there. Each branch also carries its fuel charge
** (compile.c explains the chains).
*/
#include "wasm_int.h"

#define TRY(x)                     \
    do {                           \
        pl_status st_ = (x);       \
        if (st_ != PL_OK)          \
            return st_;            \
    } while (0)

static const uint8_t one_type[] = { PLW_I32, PLW_I64, PLW_F32, PLW_F64, PLW_FUNCREF,
                                    PLW_EXTERNREF };

static pl_status read_blocktype(plw_cc *c, plw_ftype *bt)
{
    memset(bt, 0, sizeof *bt);
    if (c->r.p >= c->r.end)
        return plw_v_malformed(c, "unexpected end");
    uint8_t b = *c->r.p;
    if (b == 0x40) {
        c->r.p++;
        return PL_OK;
    }
    for (size_t i = 0; i < sizeof one_type; i++)
        if (b == one_type[i]) {
            c->r.p++;
            bt->n_results = 1;
            bt->results = &one_type[i];
            return PL_OK;
        }
    int64_t x = plw_rd_s33(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (x < 0)
        return b == 0x7b ? plw_errf(c->err, PL_E_UNSUPPORTED, c->m, c->func, c->op_off,
                                    "SIMD (v128) is not supported")
                         : plw_v_malformed(c, "malformed value type");
    if (x >= c->m->n_types)
        return plw_v_invalid(c, "unknown type %lld", (long long)x);
    *bt = c->m->types[x];
    return PL_OK;
}

/* ---- conditions ------------------------------------------------------------------- */

/* A branch operation and its operands, possibly taken from a compare that
** was the last instruction (which is then removed). */
typedef struct cond {
    uint16_t op;
    int n;           /* operand words before the target */
    uint32_t a, b;
} cond;

typedef struct fusion {
    uint16_t cmp, if_true, if_false;
} fusion;

static const fusion fusions[] = {
#define F3(x, t, f) { PLW_IR_##x, PLW_IR_##t, PLW_IR_##f }
    F3(eq32, br_eq, br_ne),     F3(ne32, br_ne, br_eq),     F3(lts32, br_lts, br_ges),
    F3(ltu32, br_ltu, br_geu),  F3(gts32, br_gts, br_les),  F3(gtu32, br_gtu, br_leu),
    F3(les32, br_les, br_gts),  F3(leu32, br_leu, br_gtu),  F3(ges32, br_ges, br_lts),
    F3(geu32, br_geu, br_ltu),
    F3(eq32i, br_eqi, br_nei),  F3(ne32i, br_nei, br_eqi),  F3(lts32i, br_ltsi, br_gesi),
    F3(ltu32i, br_ltui, br_geui), F3(gts32i, br_gtsi, br_lesi), F3(gtu32i, br_gtui, br_leui),
    F3(les32i, br_lesi, br_gtsi), F3(leu32i, br_leui, br_gtui), F3(ges32i, br_gesi, br_ltsi),
    F3(geu32i, br_geui, br_ltui),
    F3(eq64, br64_eq, br64_ne), F3(ne64, br64_ne, br64_eq), F3(lts64, br64_lts, br64_ges),
    F3(ltu64, br64_ltu, br64_geu), F3(gts64, br64_gts, br64_les), F3(gtu64, br64_gtu, br64_leu),
    F3(les64, br64_les, br64_gts), F3(leu64, br64_leu, br64_gtu), F3(ges64, br64_ges, br64_lts),
    F3(geu64, br64_geu, br64_ltu),
    F3(eqz32, br_z, br_nz),     F3(eqz64, br_z64, br_nz64),
#undef F3
};

/* The branch taken when v is non-zero (when_true) or zero. */
static cond make_cond(plw_cc *c, plw_val *v, bool when_true)
{
    const plw_last *l = &c->last;
    if (v->kind == PLW_V_TEMP && l->valid && l->dst == v->slot &&
        l->ins + 1u + plw_ir_words[l->op] == c->n_ir) {
        for (size_t i = 0; i < sizeof fusions / sizeof *fusions; i++) {
            if (fusions[i].cmp != l->op)
                continue;
            cond k = { .op = when_true ? fusions[i].if_true : fusions[i].if_false,
                       .a = c->ir[l->ins + 2] };
            k.n = plw_ir_words[l->op] - 1; /* the compare's operands */
            if (k.n == 2)
                k.b = c->ir[l->ins + 3];
            c->n_ir = l->ins; /* the compare is folded into the branch */
            c->last.valid = false;
            return k;
        }
    }
    uint32_t s = plw_operand_slot(c, v, c->n_vals);
    return (cond){ .op = when_true ? PLW_IR_br_nz : PLW_IR_br_z, .n = 1, .a = s };
}

/* Emit the branch; *tw receives the target word, followed by the taken and
** the fall-through fuel words. */
static uint32_t emit_cond(plw_cc *c, const cond *k, uint32_t *tw)
{
    uint32_t ins = k->n == 2 ? plw_emit(c, k->op, 5, k->a, k->b, 0u, 0u, 0u)
                             : plw_emit(c, k->op, 4, k->a, 0u, 0u, 0u);
    *tw = ins + 1u + (uint32_t)k->n;
    plw_map_here(c, ins);
    return ins;
}

/* The code after a conditional branch starts a chain of its own. */
static void fall_into_new_chain(plw_cc *c, uint32_t fall_word)
{
    uint32_t after = plw_new_point(c);
    plw_fuel_fix(c, fall_word, after);
    plw_end_chain(c);
    plw_point_here(c, after);
}

/* ---- blocks ---------------------------------------------------------------------- */

/* Locals may change inside the block and values cross its labels in fixed
** slots: place every local reference and the params before entering. */
static pl_status enter_block(plw_cc *c, plw_ctrl_kind kind, const plw_ftype *bt)
{
    if (!plw_dead(c)) {
        plw_materialize_locals(c);
        plw_ctrl *top = plw_v_top(c);
        for (uint32_t i = 0; c->n_vals >= bt->n_params && i < bt->n_params; i++) {
            uint32_t idx = c->n_vals - bt->n_params + i;
            if (idx >= top->height)
                plw_materialize(c, idx);
        }
    }
    plw_val v;
    for (uint32_t i = bt->n_params; i-- > 0;)
        TRY(plw_v_pop(c, bt->params[i], &v));
    for (uint32_t i = 0; i < bt->n_params; i++)
        TRY(plw_v_push_temp(c, bt->params[i]));
    TRY(plw_v_push_ctrl(c, kind, bt));
    plw_v_top(c)->point = plw_new_point(c);
    c->last.valid = false;
    return PL_OK;
}

static pl_status op_block(plw_cc *c, uint8_t op)
{
    plw_ftype bt;
    TRY(read_blocktype(c, &bt));
    return enter_block(c, PLW_C_BLOCK, &bt);
}

static pl_status op_loop(plw_cc *c, uint8_t op)
{
    plw_ftype bt;
    TRY(read_blocktype(c, &bt));
    TRY(enter_block(c, PLW_C_LOOP, &bt));
    plw_ctrl *f = plw_v_top(c);
    f->label_pos = (uint32_t)c->n_ir;
    plw_label_here(c);
    if (!plw_dead(c))
        plw_point_here(c, f->point);
    return PL_OK;
}

static pl_status op_if(plw_cc *c, uint8_t op)
{
    plw_ftype bt;
    TRY(read_blocktype(c, &bt));
    plw_val v;
    TRY(plw_v_pop(c, PLW_I32, &v));
    bool live = !plw_dead(c);
    cond k = { 0 };
    if (live)
        k = make_cond(c, &v, false); /* to the else arm when zero */
    TRY(enter_block(c, PLW_C_IF, &bt));
    plw_ctrl *f = plw_v_top(c);
    f->else_point = plw_new_point(c);
    if (!live)
        return PL_OK;
    uint32_t tw;
    uint32_t ins = emit_cond(c, &k, &tw);
    plw_fuel_fix(c, tw + 1, f->else_point);
    /* Patched at `else` or `end`: a fixup of its own, off the frame's list. */
    f->else_fixup = plw_fixup_new(c, tw, ins, -1);
    fall_into_new_chain(c, tw + 2);
    return PL_OK;
}

/* Drop the frame's operands and push its results (in their slots). */
static pl_status leave_values(plw_cc *c, const plw_ctrl *f, uint32_t n, const uint8_t *types)
{
    plw_val v;
    while (c->n_vals > f->height)
        TRY(plw_v_pop_any(c, &v));
    for (uint32_t i = 0; i < n; i++)
        TRY(plw_v_push_temp(c, types[i]));
    return PL_OK;
}

static void materialize_results(plw_cc *c, const plw_ctrl *f)
{
    if (plw_dead(c))
        return;
    for (uint32_t j = 0; j < f->n_results; j++)
        plw_materialize(c, f->height + j);
}

static void patch_one(plw_cc *c, int32_t fx)
{
    plw_label_here(c);
    if (fx >= 0 && !c->oom)
        c->ir[c->fix[fx].at] = (uint32_t)c->n_ir - c->fix[fx].ins;
}

static pl_status op_else(plw_cc *c, uint8_t op)
{
    plw_ctrl *f = plw_v_top(c);
    if (f->kind != PLW_C_IF)
        return plw_v_invalid(c, "else without a matching if");
    TRY(plw_v_pop_ctrl_check(c));
    if (!f->dead) {
        materialize_results(c, f);
        uint32_t ins = plw_emit(c, PLW_IR_br, 2, 0u, 0u);
        plw_branch_to(c, ins, ins + 1, ins + 2, f);
        plw_map_here(c, ins);
        plw_end_chain(c);
    }
    patch_one(c, f->else_fixup);
    f->else_fixup = -1;
    TRY(leave_values(c, f, f->n_params, f->params));
    f->kind = PLW_C_ELSE;
    f->unreachable = false;
    f->dead = c->n_ctrls > 1 && c->ctrls[c->n_ctrls - 2].dead;
    if (!f->dead)
        plw_point_here(c, f->else_point);
    c->last.valid = false;
    return PL_OK;
}

static bool same_types(uint32_t n, const uint8_t *a, uint32_t m, const uint8_t *b)
{
    return n == m && (n == 0 || memcmp(a, b, n) == 0);
}

static pl_status op_end(plw_cc *c, uint8_t op)
{
    plw_ctrl *f = plw_v_top(c);
    TRY(plw_v_pop_ctrl_check(c));
    if (f->kind == PLW_C_IF &&
        !same_types(f->n_params, f->params, f->n_results, f->results))
        return plw_v_invalid(c, "type mismatch: if without else must return its params");
    bool parent_dead = c->n_ctrls > 1 && c->ctrls[c->n_ctrls - 2].dead;
    if (f->kind != PLW_C_FUNC)
        materialize_results(c, f);
    if (f->kind == PLW_C_FUNC) {
        if (!f->dead) {
            c->cc++;
            plw_emit_return(c);
        }
        c->n_ctrls--;
        return PL_OK;
    }
    if (f->kind != PLW_C_LOOP && !parent_dead) { /* the label is here */
        f->dead = false;
        plw_point_here(c, f->point);
        if (f->kind == PLW_C_IF) {
            plw_point_here(c, f->else_point);
            patch_one(c, f->else_fixup);
        }
        plw_patch_fixups(c, f->fixups);
    }
    if (!parent_dead)
        c->cc++;
    plw_ctrl done = *f;
    TRY(leave_values(c, &done, 0, NULL));
    c->n_ctrls--;
    for (uint32_t i = 0; i < done.n_results; i++)
        TRY(plw_v_push_temp(c, done.results[i]));
    c->last.valid = false;
    return PL_OK;
}

/* ---- branches --------------------------------------------------------------------- */

static pl_status read_label(plw_cc *c, plw_ctrl **f)
{
    uint32_t l = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (l >= c->n_ctrls)
        return plw_v_invalid(c, "unknown label %u", l);
    *f = &c->ctrls[c->n_ctrls - 1 - l];
    return PL_OK;
}

/* An unconditional branch to f's label with its values on the stack. */
static void jump_to(plw_cc *c, plw_ctrl *f)
{
    if (f->kind == PLW_C_FUNC) {
        plw_emit_return(c);
        return;
    }
    plw_copy_label_vals(c, f);
    uint32_t ins = plw_emit(c, PLW_IR_br, 2, 0u, 0u);
    plw_branch_to(c, ins, ins + 1, ins + 2, f);
    plw_map_here(c, ins);
}

static pl_status op_br(plw_cc *c, uint8_t op)
{
    plw_ctrl *f = NULL;
    TRY(read_label(c, &f));
    TRY(plw_v_check_label_vals(c, f, false));
    if (!plw_dead(c)) {
        jump_to(c, f);
        plw_end_chain(c);
    }
    plw_v_unreachable(c);
    return PL_OK;
}

static pl_status op_br_if(plw_cc *c, uint8_t op)
{
    plw_ctrl *f = NULL;
    TRY(read_label(c, &f));
    plw_val v;
    TRY(plw_v_pop(c, PLW_I32, &v));
    TRY(plw_v_check_label_vals(c, f, true));
    if (plw_dead(c))
        return PL_OK;
    uint32_t tw;
    if (f->kind != PLW_C_FUNC && plw_label_vals_in_place(c, f)) {
        cond k = make_cond(c, &v, true);
        uint32_t ins = emit_cond(c, &k, &tw);
        plw_branch_to(c, ins, tw, tw + 1, f);
        fall_into_new_chain(c, tw + 2);
        c->last.valid = false;
        return PL_OK;
    }
    /* Values to copy, or a return: branch around that when false. The
    ** skip lands where the fall-through chain starts; the path through
    ** the copies charges nothing until its own branch. */
    cond k = make_cond(c, &v, false);
    uint32_t skip = emit_cond(c, &k, &tw);
    if (f->kind == PLW_C_FUNC) {
        plw_emit_return(c);
    } else {
        plw_copy_label_vals(c, f);
        uint32_t ins = plw_emit(c, PLW_IR_br, 2, 0u, 0u);
        plw_branch_to(c, ins, ins + 1, ins + 2, f);
        plw_map_here(c, ins);
    }
    plw_label_here(c);
    if (!c->oom)
        c->ir[tw] = (uint32_t)c->n_ir - skip; /* the fall-through word stays 0 */
    fall_into_new_chain(c, tw + 1);
    c->last.valid = false;
    return PL_OK;
}

static pl_status op_br_table(plw_cc *c, uint8_t op)
{
    uint32_t n = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if ((size_t)(c->r.end - c->r.p) < (size_t)n + 1)
        return plw_v_malformed(c, "unexpected end of section or function");
    plw_val idx;
    TRY(plw_v_pop(c, PLW_I32, &idx));
    const uint8_t *labels = c->r.p;
    /* The default label comes last and sets the arity every label must have. */
    plw_ctrl *f = NULL;
    for (uint32_t i = 0; i <= n; i++)
        TRY(read_label(c, &f));
    uint32_t arity = plw_v_label_arity(f);
    c->r.p = labels;
    for (uint32_t i = 0; i <= n; i++) {
        TRY(read_label(c, &f));
        if (plw_v_label_arity(f) != arity)
            return plw_v_invalid(c, "type mismatch: br_table targets differ in arity");
        TRY(plw_v_check_label_vals(c, f, false));
    }
    const uint8_t *after = c->r.p;
    if (!plw_dead(c)) {
        uint32_t is = plw_operand_slot(c, &idx, c->n_vals);
        uint32_t ins = plw_emit(c, PLW_IR_br_table, 2, is, n);
        plw_map_here(c, ins);
        for (uint32_t i = 0; i <= n; i++) {
            plw_emit_word(c, 0);
            plw_emit_word(c, 0);
        }
        c->r.p = labels;
        /* Targets that need values copied (or a return) get a stub after
        ** the table; one stub per distinct label. */
        uint32_t *stub = plu_calloc(c->n_ctrls, sizeof *stub);
        if (!stub)
            return plu_err_nomem(c->err);
        for (uint32_t i = 0; i <= n; i++) {
            read_label(c, &f);
            uint32_t tw = ins + 3 + 2 * i;
            if (f->kind != PLW_C_FUNC && plw_label_vals_in_place(c, f)) {
                plw_branch_to(c, ins, tw, tw + 1, f);
                continue;
            }
            uint32_t depth = (uint32_t)(f - c->ctrls);
            if (!stub[depth]) {
                plw_label_here(c);
                stub[depth] = (uint32_t)c->n_ir;
                jump_to(c, f);
            }
            if (!c->oom)
                c->ir[tw] = stub[depth] - ins;
        }
        plu_free(stub);
        plw_end_chain(c);
    }
    c->r.p = after;
    plw_v_unreachable(c);
    return PL_OK;
}

static pl_status op_return(plw_cc *c, uint8_t op)
{
    TRY(plw_v_check_label_vals(c, &c->ctrls[0], false));
    if (!plw_dead(c)) {
        plw_emit_return(c);
        plw_end_chain(c);
    }
    plw_v_unreachable(c);
    return PL_OK;
}

static pl_status op_unreachable(plw_cc *c, uint8_t op)
{
    if (!plw_dead(c)) {
        plw_map_here(c, plw_emit(c, PLW_IR_unreachable, 0));
        plw_end_chain(c);
    }
    plw_v_unreachable(c);
    return PL_OK;
}

static const plw_op_fn control_ops[16] = {
    [0x00] = op_unreachable, [0x02] = op_block, [0x03] = op_loop, [0x04] = op_if,
    [0x05] = op_else, [0x0b] = op_end, [0x0c] = op_br, [0x0d] = op_br_if,
    [0x0e] = op_br_table, [0x0f] = op_return,
};

pl_status plw_op_control(plw_cc *c, uint8_t op)
{
    return control_ops[op & 15](c, op);
}
