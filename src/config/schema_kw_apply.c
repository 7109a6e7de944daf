/*
** schema_kw_apply.c — keywords that apply subschemas to the instance at
** the same location: $ref, $dynamicRef, allOf, anyOf, oneOf, not,
** if/then/else, dependentSchemas and draft 7's dependencies.
**
** Annotations (for unevaluated*) flow up from every subschema that passes:
** `ann` is filled directly where a failing subschema fails the whole
** keyword anyway (allOf, $ref, then/else, dependentSchemas), through a
** temporary set that is merged only on success elsewhere (anyOf, oneOf,
** if), and not at all through `not`.
*/
#include <string.h>

#include "config/schema_int.h"

/* ---- references --------------------------------------------------------------- */

static const plc_schema *target_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw)
{
    plc_schema *t;
    if (sch_resolve_ref(e->reg, s, kw, &t, e->err) != PL_OK) {
        sch_fatal_st(e, e->err ? e->err->status : PL_E_CONFIG);
        return NULL;
    }
    return t;
}

bool sch_e_ref(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
               sch_ann *ann)
{
    const plc_schema *t = target_of(e, s, kw);
    return t && sch_eval_ref(e, kw, t, inst, ann);
}

/* When the static target is itself a "$dynamicAnchor" of the name in the
** reference's fragment, the outermost resource in the dynamic scope with a
** dynamic anchor of that name wins. */
static const plc_schema *dynamic_target(sch_ectx *e, const sch_kw *kw, const plc_schema *t)
{
    if (!kw->anchor || !t->dyn_anchor || strcmp(t->dyn_anchor, kw->anchor) != 0)
        return t;
    const plc_schema *found = t;
    for (const sch_scope *sc = e->scope; sc; sc = sc->up) {
        const plc_schema *d = sch_reg_dynamic(e->reg, sc->res, kw->anchor);
        if (d)
            found = d; /* keep going: the outermost one counts */
    }
    return found;
}

bool sch_e_dynamic_ref(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                       const plc_node *inst, sch_ann *ann)
{
    const plc_schema *t = target_of(e, s, kw);
    return t && sch_eval_ref(e, kw, dynamic_target(e, kw, t), inst, ann);
}

/* ---- combinators ---------------------------------------------------------------- */

bool sch_e_all_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                  sch_ann *ann)
{
    (void)s;
    bool ok = true;
    for (size_t k = 0; k < kw->nsubs; k++) {
        if (!sch_eval(e, kw->subs[k], inst, ann)) {
            ok = false;
            if (!sch_go_on(e))
                break;
        }
    }
    return ok;
}

/* Evaluate an alternative quietly. With ann, its annotations go to *keep
** (initialised here; the caller frees it) when it passes. */
static bool alternative(sch_ectx *e, const plc_schema *sub, const plc_node *inst,
                        const sch_ann *ann, sch_ann *keep)
{
    if (!ann)
        return sch_eval_quiet(e, sub, inst, NULL);
    if (sch_ann_init(keep, ann->n) != 0)
        return sch_fatal_st(e, plu_err_nomem(e->err));
    return sch_eval_quiet(e, sub, inst, keep);
}

/* How many errors alternative `sub` gives (at most 100), no explanations
** of nested alternatives. */
static size_t error_count(sch_ectx *e, const plc_schema *sub, const plc_node *inst)
{
    plc_schema_errors tmp = {.max = 100};
    plc_schema_errors *saved = e->errs;
    e->errs = &tmp;
    e->no_explain++;
    sch_eval(e, sub, inst, NULL);
    e->no_explain--;
    e->errs = saved;
    size_t n = tmp.len ? tmp.len : 100;
    plc_schema_errors_free(&tmp);
    return n;
}

/* No alternative of anyOf/oneOf matched: say so, then show the errors of
** the alternative that came closest (fewest errors). */
static void explain_none(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                         const plc_node *inst)
{
    if (!e->errs)
        return;
    size_t best = 0, best_n = SIZE_MAX;
    for (size_t k = 0; k < kw->nsubs && !e->no_explain && kw->nsubs > 1; k++) {
        size_t n = error_count(e, kw->subs[k], inst);
        if (n < best_n)
            best = k, best_n = n;
    }
    if (e->no_explain || kw->nsubs == 1 || best_n == SIZE_MAX) {
        sch_fail(e, s, kw, inst, "value does not match any alternative of %s", kw->def->name);
        if (kw->nsubs == 1 && !e->no_explain)
            sch_eval(e, kw->subs[0], inst, NULL);
        return;
    }
    sch_fail(e, s, kw, inst, "value does not match any of the %zu alternatives of %s; "
             "the closest, #%zu, fails with:", kw->nsubs, kw->def->name, best + 1);
    sch_eval(e, kw->subs[best], inst, NULL);
}

bool sch_e_any_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                  sch_ann *ann)
{
    bool any = false;
    for (size_t k = 0; k < kw->nsubs && e->status == PL_OK; k++) {
        sch_ann keep;
        bool ok = alternative(e, kw->subs[k], inst, ann, &keep);
        if (ok)
            sch_ann_merge(ann, &keep);
        if (ann)
            sch_ann_free(&keep);
        any = any || ok;
        if (any && !ann)
            break; /* nobody needs the other alternatives' annotations */
    }
    if (e->status != PL_OK)
        return false;
    if (!any)
        explain_none(e, s, kw, inst);
    return any;
}

/* Take over src's set (its inline words included). */
static void ann_move(sch_ann *dst, sch_ann *src)
{
    *dst = *src;
    if (src->bits == src->local)
        dst->bits = dst->local;
    src->bits = NULL;
}

bool sch_e_one_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                  sch_ann *ann)
{
    size_t first = SIZE_MAX, second = SIZE_MAX;
    sch_ann kept = {0}, tmp = {0};
    for (size_t k = 0; k < kw->nsubs && second == SIZE_MAX && e->status == PL_OK; k++) {
        bool ok = alternative(e, kw->subs[k], inst, ann, &tmp);
        if (ok && first == SIZE_MAX) {
            first = k;
            ann_move(&kept, &tmp);
            continue;
        }
        if (ok)
            second = k;
        if (ann)
            sch_ann_free(&tmp);
    }
    bool valid = e->status == PL_OK && first != SIZE_MAX && second == SIZE_MAX;
    if (valid)
        sch_ann_merge(ann, &kept);
    if (ann && first != SIZE_MAX)
        sch_ann_free(&kept);
    if (e->status != PL_OK || valid)
        return valid;
    if (first == SIZE_MAX)
        explain_none(e, s, kw, inst);
    else
        sch_fail(e, s, kw, inst, "value matches both alternative #%zu and #%zu of oneOf, "
                 "but must match exactly one", first + 1, second + 1);
    return false;
}

bool sch_e_not(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
               sch_ann *ann)
{
    (void)ann;
    bool matched = sch_eval_quiet(e, kw->sub, inst, NULL);
    if (e->status != PL_OK)
        return false;
    if (matched)
        sch_fail(e, s, kw, inst, "value must not match the schema in 'not'");
    return !matched;
}

bool sch_e_if(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
              sch_ann *ann)
{
    sch_ann keep;
    bool cond = alternative(e, kw->sub, inst, ann, &keep);
    if (cond)
        sch_ann_merge(ann, &keep);
    if (ann)
        sch_ann_free(&keep);
    if (e->status != PL_OK)
        return false;
    const sch_kw *branch = sch_kw_find(s, cond ? "then" : "else");
    return !branch || sch_eval(e, branch->sub, inst, ann);
}

/* ---- dependencies ------------------------------------------------------------------ */

bool sch_e_dep_schemas(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                       const plc_node *inst, sch_ann *ann)
{
    (void)s;
    if (inst->kind != PLC_TABLE)
        return true;
    bool ok = true;
    for (size_t k = 0; k < kw->nsubs; k++) {
        const plc_member *m = &kw->value->u.t.items[k];
        if (!plc_table_find(inst, m->key, m->key_len) || sch_eval(e, kw->subs[k], inst, ann))
            continue;
        ok = false;
        if (!sch_go_on(e))
            break;
    }
    return ok;
}

/* A list of property names that must be there when `m`'s key is. */
static bool required_with(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                          const plc_node *inst, const plc_member *m)
{
    bool ok = true;
    const plc_node *names = m->value;
    for (size_t j = 0; j < names->u.a.len; j++) {
        const plc_node *n = names->u.a.items[j];
        if (plc_table_find(inst, n->u.s.ptr, n->u.s.len))
            continue;
        sch_fail(e, s, kw, inst, "property '%s' requires property '%s'", m->key, n->u.s.ptr);
        ok = false;
        if (!sch_go_on(e))
            break;
    }
    return ok;
}

bool sch_e_dep_required(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    if (inst->kind != PLC_TABLE)
        return true;
    bool ok = true;
    for (size_t k = 0; k < kw->value->u.t.len && (ok || sch_go_on(e)); k++) {
        const plc_member *m = &kw->value->u.t.items[k];
        if (plc_table_find(inst, m->key, m->key_len) && !required_with(e, s, kw, inst, m))
            ok = false;
    }
    return ok;
}

bool sch_e_dependencies(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    if (inst->kind != PLC_TABLE)
        return true;
    bool ok = true;
    for (size_t k = 0; k < kw->value->u.t.len && (ok || sch_go_on(e)); k++) {
        const plc_member *m = &kw->value->u.t.items[k];
        if (!plc_table_find(inst, m->key, m->key_len))
            continue;
        bool v = kw->subs[k] ? sch_eval(e, kw->subs[k], inst, ann)
                             : required_with(e, s, kw, inst, m);
        ok = ok && v;
    }
    return ok;
}
