/*
** validate.c — the operand and control stacks of the spec's validation
** algorithm (Appendix "Validation Algorithm"), with the operand entries
** extended by where their value lives, for the compiler.
**
** In unreachable code the operand stack is polymorphic: popping below the
** current frame's height yields PLW_UNKNOWN, which matches any type.
*/
#include <stdarg.h>
#include <stdio.h>

#include "wasm_int.h"

pl_status plw_v_invalid(plw_cc *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return plw_errf(c->err, PL_E_INVALID_ARG, c->m, c->func, c->op_off, "%s", msg);
}

pl_status plw_v_malformed(plw_cc *c, const char *why)
{
    return plw_errf(c->err, PL_E_SYNTAX, c->m, c->func, plw_rd_off(&c->r), "%s", why);
}

static pl_status grow(plw_cc *c, void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return PL_OK;
    uint32_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = plu_realloc(*arr, (size_t)n * size);
    if (!p)
        return plu_err_nomem(c->err);
    *arr = p;
    *cap = n;
    return PL_OK;
}

pl_status plw_v_push_slow(plw_cc *c, uint8_t type, plw_vkind kind, uint32_t slot, uint64_t k)
{
    if (c->n_vals == c->cap_vals &&
        grow(c, (void **)&c->vals, &c->cap_vals, c->n_vals + 1, sizeof *c->vals) != PL_OK)
        return PL_E_NOMEM;
    plw_val *v = &c->vals[c->n_vals++];
    v->type = type;
    v->kind = (uint8_t)kind;
    v->slot = kind == PLW_V_LOCAL ? slot : plw_slot_of_depth(c, c->n_vals - 1);
    v->k = k;
    if (kind == PLW_V_LOCAL)
        c->n_local_refs++;
    if (c->n_vals > c->max_vals)
        c->max_vals = c->n_vals;
    return PL_OK;
}

static const char *type_name(uint8_t t) { return t == PLW_UNKNOWN ? "any" : plw_type_name(t); }

pl_status plw_v_pop_any(plw_cc *c, plw_val *out)
{
    plw_ctrl *f = plw_v_top(c);
    if (c->n_vals == f->height) {
        if (f->unreachable) {
            *out = (plw_val){ .type = PLW_UNKNOWN, .kind = PLW_V_TEMP,
                              .slot = plw_slot_of_depth(c, c->n_vals) };
            return PL_OK;
        }
        return plw_v_invalid(c, "type mismatch: a value is missing on the stack");
    }
    *out = c->vals[--c->n_vals];
    if (out->kind == PLW_V_LOCAL)
        c->n_local_refs--;
    return PL_OK;
}

pl_status plw_v_pop_slow(plw_cc *c, uint8_t expect, plw_val *out)
{
    plw_ctrl *f = plw_v_top(c);
    if (c->n_vals == f->height && !f->unreachable)
        return plw_v_invalid(c, "type mismatch: expected %s, but the stack is empty",
                             type_name(expect));
    pl_status st = plw_v_pop_any(c, out);
    if (st != PL_OK)
        return st;
    if (out->type != expect && out->type != PLW_UNKNOWN && expect != PLW_UNKNOWN)
        return plw_v_invalid(c, "type mismatch: expected %s, got %s", type_name(expect),
                             type_name(out->type));
    return PL_OK;
}

pl_status plw_v_push_ctrl(plw_cc *c, plw_ctrl_kind kind, const plw_ftype *bt)
{
    if (c->n_ctrls == c->cap_ctrls &&
        grow(c, (void **)&c->ctrls, &c->cap_ctrls, c->n_ctrls + 1, sizeof *c->ctrls) != PL_OK)
        return PL_E_NOMEM;
    bool dead = c->n_ctrls > 0 && c->ctrls[c->n_ctrls - 1].dead;
    plw_ctrl *f = &c->ctrls[c->n_ctrls++];
    *f = (plw_ctrl){ .kind = (uint8_t)kind, .dead = dead, .n_params = bt->n_params, .params = bt->params,
                     .n_results = bt->n_results, .results = bt->results,
                     .height = c->n_vals - bt->n_params, .fixups = -1, .else_fixup = -1,
                     .point = PLW_NO_POINT, .else_point = PLW_NO_POINT };
    return PL_OK;
}

/* The end of a frame: its results on top, nothing more above its height. */
pl_status plw_v_pop_ctrl_check(plw_cc *c)
{
    plw_ctrl *f = plw_v_top(c);
    uint32_t n = f->n_results;
    if (!f->unreachable && c->n_vals - f->height < n)
        return plw_v_invalid(c, "type mismatch: the block needs %u result(s), the stack has %u",
                             n, c->n_vals - f->height);
    uint32_t have = c->n_vals - f->height;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t from_top = n - 1 - i;
        if (from_top >= have) /* unreachable: missing values are unknown */
            continue;
        uint8_t t = c->vals[c->n_vals - 1 - from_top].type;
        if (t != f->results[i] && t != PLW_UNKNOWN)
            return plw_v_invalid(c, "type mismatch: result %u must be %s, got %s", i,
                                 type_name(f->results[i]), type_name(t));
    }
    if (have > n)
        return plw_v_invalid(c, "type mismatch: %u value(s) left on the stack at the end of "
                                "a block that returns %u", have, n);
    return PL_OK;
}

void plw_v_unreachable(plw_cc *c)
{
    plw_ctrl *f = plw_v_top(c);
    while (c->n_vals > f->height) {
        if (c->vals[c->n_vals - 1].kind == PLW_V_LOCAL)
            c->n_local_refs--;
        c->n_vals--;
    }
    f->unreachable = true;
    f->dead = true;
    c->last.valid = false;
}

uint32_t plw_v_label_arity(const plw_ctrl *f)
{
    return f->kind == PLW_C_LOOP ? f->n_params : f->n_results;
}

const uint8_t *plw_v_label_types(const plw_ctrl *f)
{
    return f->kind == PLW_C_LOOP ? f->params : f->results;
}

/*
** The label's types must be on top of the stack (they stay there). In
** unreachable code the spec pops them and pushes the label's types back
** (br_if), so missing or unknown values become typed ones; done here too
** when `retype`.
*/
pl_status plw_v_check_label_vals(plw_cc *c, const plw_ctrl *f, bool retype)
{
    uint32_t n = plw_v_label_arity(f);
    const uint8_t *types = plw_v_label_types(f);
    plw_ctrl *top = plw_v_top(c);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = types[n - 1 - i];
        if (c->n_vals < top->height + i + 1) {
            if (top->unreachable)
                continue;
            return plw_v_invalid(c, "type mismatch: the branch needs %u value(s)", n);
        }
        uint8_t t = c->vals[c->n_vals - 1 - i].type;
        if (t != want && t != PLW_UNKNOWN)
            return plw_v_invalid(c, "type mismatch: branch value %u must be %s, got %s",
                                 n - 1 - i, type_name(want), type_name(t));
    }
    if (retype && top->unreachable) {
        for (uint32_t i = 0; i < n; i++) {
            plw_val v;
            if (plw_v_pop_any(c, &v) != PL_OK)
                return PL_E_INVALID_ARG;
        }
        for (uint32_t i = 0; i < n; i++)
            if (plw_v_push_temp(c, types[i]) != PL_OK)
                return PL_E_NOMEM;
    }
    return PL_OK;
}
