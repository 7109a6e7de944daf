/*
** schema_kw_object.c — object keywords: properties, patternProperties,
** additionalProperties, unevaluatedProperties, propertyNames, required,
** minProperties, maxProperties. Members that a keyword evaluates
** successfully are marked in `ann` (by member index) for unevaluated*.
*/
#include <string.h>

#include "config/schema_int.h"

static bool is_object(const plc_node *inst) { return inst->kind == PLC_TABLE; }

/* The key among a table's members closest to `key`, for did-you-mean. */
static const char *nearest_key(sch_ectx *e, const plc_node *table, const char *key)
{
    const char *small[33], **cands = small;
    size_t n = table->u.t.len;
    if (n >= sizeof small / sizeof small[0] && !(cands = plu_malloc((n + 1) * sizeof *cands))) {
        sch_fatal_st(e, plu_err_nomem(e->err));
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        cands[k] = table->u.t.items[k].key;
    cands[n] = NULL;
    const char *near = plu_suggest(key, cands);
    if (cands != small)
        plu_free(cands);
    return near;
}

/* A member no keyword allows ("additionalProperties": false and the like). */
static void unknown_property(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                             const plc_member *m)
{
    if (!e->errs)
        return;
    const sch_kw *props = sch_kw_find(s, "properties");
    const char *near = props ? nearest_key(e, props->value, m->key) : NULL;
    if (near)
        sch_fail_member(e, s, kw, m, "unknown property '%s' (did you mean '%s'?)", m->key, near);
    else
        sch_fail_member(e, s, kw, m, "unknown property '%s'", m->key);
}

/* Apply the schema of additionalProperties / unevaluatedProperties. */
static bool extra_member(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                         const plc_member *m)
{
    if (kw->sub->flags & SCH_F_FALSE) {
        unknown_property(e, s, kw, m);
        return false;
    }
    return sch_eval_member(e, kw->sub, m);
}

bool sch_e_properties(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                      const plc_node *inst, sch_ann *ann)
{
    (void)s;
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t j = 0; j < inst->u.t.len; j++) {
        const plc_member *m = &inst->u.t.items[j];
        const plc_member *p = plc_table_find(kw->value, m->key, m->key_len);
        if (!p)
            continue;
        if (sch_eval_member(e, kw->subs[p - kw->value->u.t.items], m)) {
            sch_ann_set(ann, j);
            continue;
        }
        ok = false;
        if (!sch_go_on(e))
            break;
    }
    return ok;
}

/* Does pattern k of a patternProperties keyword match the key? -1: fatal. */
static int key_matches(sch_ectx *e, const sch_kw *pats, size_t k, const plc_member *m)
{
    const plc_member *pm = &pats->value->u.t.items[k];
    return sch_match(e, pats->regexes[k], pm->value, m->key, m->key_len);
}

bool sch_e_pattern_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                         const plc_node *inst, sch_ann *ann)
{
    (void)s;
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t j = 0; j < inst->u.t.len && (ok || sch_go_on(e)); j++) {
        const plc_member *m = &inst->u.t.items[j];
        for (size_t k = 0; k < kw->nsubs && (ok || sch_go_on(e)); k++) {
            int r = key_matches(e, kw, k, m);
            if (r < 0)
                return false;
            if (r && sch_eval_member(e, kw->subs[k], m))
                sch_ann_set(ann, j);
            else if (r)
                ok = false;
        }
    }
    return ok;
}

/* Is the member covered by properties / patternProperties? -1: fatal. */
static int covered(sch_ectx *e, const plc_schema *s, const plc_member *m)
{
    const sch_kw *props = sch_kw_find(s, "properties");
    if (props && plc_table_find(props->value, m->key, m->key_len))
        return 1;
    const sch_kw *pats = sch_kw_find(s, "patternProperties");
    for (size_t k = 0; pats && k < pats->nsubs; k++) {
        int r = key_matches(e, pats, k, m);
        if (r != 0)
            return r;
    }
    return 0;
}

bool sch_e_additional_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                            const plc_node *inst, sch_ann *ann)
{
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t j = 0; j < inst->u.t.len && (ok || sch_go_on(e)); j++) {
        const plc_member *m = &inst->u.t.items[j];
        int r = covered(e, s, m);
        if (r < 0)
            return false;
        if (r)
            continue;
        if (extra_member(e, s, kw, m))
            sch_ann_set(ann, j);
        else
            ok = false;
    }
    return ok;
}

bool sch_e_unevaluated_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                             const plc_node *inst, sch_ann *ann)
{
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t j = 0; j < inst->u.t.len && (ok || sch_go_on(e)); j++) {
        if (sch_ann_get(ann, j))
            continue;
        if (extra_member(e, s, kw, &inst->u.t.items[j]))
            sch_ann_set(ann, j);
        else
            ok = false;
    }
    return ok && e->status == PL_OK;
}

/* One property name against the propertyNames schema. */
static bool check_name(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_member *m)
{
    plc_node key;
    memset(&key, 0, sizeof key);
    key.kind = PLC_STRING;
    key.loc = m->key_loc;
    key.u.s.ptr = m->key;
    key.u.s.len = m->key_len;
    bool ok = sch_eval_quiet(e, kw->sub, &key, NULL);
    if (ok || e->status != PL_OK || !e->errs)
        return ok;
    char *why = sch_first_reason(e, kw->sub, &key);
    if (why)
        sch_fail_member(e, s, kw, m, "invalid property name '%s': %s", m->key, why);
    else
        sch_fail_member(e, s, kw, m, "invalid property name '%s'", m->key);
    plu_free(why);
    return false;
}

bool sch_e_property_names(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                          const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t j = 0; j < inst->u.t.len && (ok || sch_go_on(e)); j++)
        if (!check_name(e, s, kw, &inst->u.t.items[j]))
            ok = false;
    return ok && e->status == PL_OK;
}

bool sch_e_required(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                    sch_ann *ann)
{
    (void)ann;
    if (!is_object(inst))
        return true;
    bool ok = true;
    for (size_t k = 0; k < kw->value->u.a.len && (ok || sch_go_on(e)); k++) {
        const plc_node *name = kw->value->u.a.items[k];
        if (plc_table_find(inst, name->u.s.ptr, name->u.s.len))
            continue;
        sch_fail(e, s, kw, inst, "missing required property '%s'", name->u.s.ptr);
        ok = false;
    }
    return ok;
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

bool sch_e_min_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                     sch_ann *ann)
{
    (void)ann;
    size_t min;
    if (!is_object(inst) || !sch_get_count(kw->value, &min) || inst->u.t.len >= min)
        return true;
    sch_fail(e, s, kw, inst, "object has %zu %s, expected at least %zu", inst->u.t.len,
             plural(inst->u.t.len, "property", "properties"), min);
    return false;
}

bool sch_e_max_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                     sch_ann *ann)
{
    (void)ann;
    size_t max;
    if (!is_object(inst) || !sch_get_count(kw->value, &max) || inst->u.t.len <= max)
        return true;
    sch_fail(e, s, kw, inst, "object has %zu %s, expected at most %zu", inst->u.t.len,
             plural(inst->u.t.len, "property", "properties"), max);
    return false;
}
