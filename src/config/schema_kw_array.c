/*
** schema_kw_array.c — array keywords: items (draft 7's schema-or-array
** form, 2020-12's "the rest after prefixItems"), prefixItems,
** additionalItems, unevaluatedItems, contains with minContains and
** maxContains, minItems, maxItems, uniqueItems. Items a keyword evaluates
** successfully are marked in `ann` (by index) for unevaluatedItems.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema_int.h"

static bool is_array(const plc_node *inst) { return inst->kind == PLC_ARRAY; }

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Items 0..n-1 against subs[0..n-1] (prefixItems, draft 7 tuple items). */
static bool tuple(sch_ectx *e, plc_schema *const *subs, size_t nsubs, const plc_node *inst,
                  sch_ann *ann)
{
    bool ok = true;
    size_t n = min_size(nsubs, inst->u.a.len);
    for (size_t i = 0; i < n && (ok || sch_go_on(e)); i++) {
        if (sch_eval_item(e, subs[i], inst, i))
            sch_ann_set(ann, i);
        else
            ok = false;
    }
    return ok;
}

/* Items from `start` on against sub; a false schema means "no more items". */
static bool rest(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_schema *sub,
                 const plc_node *inst, size_t start, sch_ann *ann)
{
    size_t len = inst->u.a.len;
    if (start < len && (sub->flags & SCH_F_FALSE)) {
        if (start == 0)
            sch_fail_item(e, s, kw, inst, 0, "no items are allowed here");
        else
            sch_fail_item(e, s, kw, inst, start, "array has %zu items, at most %zu allowed",
                          len, start);
        return false;
    }
    bool ok = true;
    for (size_t i = start; i < len && (ok || sch_go_on(e)); i++) {
        if (sch_eval_item(e, sub, inst, i))
            sch_ann_set(ann, i);
        else
            ok = false;
    }
    return ok;
}

bool sch_e_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                 sch_ann *ann)
{
    if (!is_array(inst))
        return true;
    if (kw->value->kind == PLC_ARRAY)
        return tuple(e, kw->subs, kw->nsubs, inst, ann);
    const sch_kw *prefix = s->res->draft == SCH_D2020 ? sch_kw_find(s, "prefixItems") : NULL;
    return rest(e, s, kw, kw->sub, inst, prefix ? prefix->nsubs : 0, ann);
}

bool sch_e_prefix_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    (void)s;
    return !is_array(inst) || tuple(e, kw->subs, kw->nsubs, inst, ann);
}

bool sch_e_additional_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                            const plc_node *inst, sch_ann *ann)
{
    const sch_kw *items = sch_kw_find(s, "items");
    if (!is_array(inst) || !items || items->value->kind != PLC_ARRAY)
        return true;
    return rest(e, s, kw, kw->sub, inst, items->nsubs, ann);
}

bool sch_e_unevaluated_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                             const plc_node *inst, sch_ann *ann)
{
    if (!is_array(inst))
        return true;
    bool ok = true;
    for (size_t i = 0; i < inst->u.a.len && (ok || sch_go_on(e)); i++) {
        if (sch_ann_get(ann, i))
            continue;
        if (kw->sub->flags & SCH_F_FALSE) {
            sch_fail_item(e, s, kw, inst, i, "unexpected item (no schema allows an item here)");
            ok = false;
        } else if (sch_eval_item(e, kw->sub, inst, i)) {
            sch_ann_set(ann, i);
        } else {
            ok = false;
        }
    }
    return ok;
}

/* ---- contains -------------------------------------------------------------------- */

static size_t count_of(const plc_schema *s, const char *name, size_t dflt)
{
    const sch_kw *kw = sch_kw_find(s, name);
    size_t v;
    return kw && sch_get_count(kw->value, &v) ? v : dflt;
}

static bool item_quiet(sch_ectx *e, const plc_schema *sub, const plc_node *inst, size_t i)
{
    plc_schema_errors *saved = e->errs;
    e->errs = NULL;
    bool ok = sch_eval_item(e, sub, inst, i);
    e->errs = saved;
    return ok;
}

static bool contains_fails(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                           const plc_node *inst, size_t count, size_t min, size_t max)
{
    if (count > max)
        sch_fail(e, s, kw, inst, "%zu items match 'contains', expected at most %zu",
                 count, max);
    else if (count == 0)
        sch_fail(e, s, kw, inst, "no item matches the schema in 'contains'");
    else
        sch_fail(e, s, kw, inst, "only %zu %s 'contains', expected at least %zu", count,
                 count == 1 ? "item matches" : "items match", min);
    return false;
}

bool sch_e_contains(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                    sch_ann *ann)
{
    if (!is_array(inst))
        return true;
    size_t min = count_of(s, "minContains", 1), max = count_of(s, "maxContains", SIZE_MAX);
    size_t count = 0;
    for (size_t i = 0; i < inst->u.a.len; i++) {
        if (item_quiet(e, kw->sub, inst, i)) {
            count++;
            sch_ann_set(ann, i);
        }
        if (e->status != PL_OK)
            return false;
        if (!ann && (count > max || (count >= min && max == SIZE_MAX)))
            break; /* the outcome is known */
    }
    return (count >= min && count <= max) || contains_fails(e, s, kw, inst, count, min, max);
}

/* ---- sizes ----------------------------------------------------------------------- */

static const char *items_word(size_t n) { return n == 1 ? "item" : "items"; }

bool sch_e_min_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                     sch_ann *ann)
{
    (void)ann;
    size_t min;
    if (!is_array(inst) || !sch_get_count(kw->value, &min) || inst->u.a.len >= min)
        return true;
    sch_fail(e, s, kw, inst, "array has %zu %s, expected at least %zu", inst->u.a.len,
             items_word(inst->u.a.len), min);
    return false;
}

bool sch_e_max_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                     sch_ann *ann)
{
    (void)ann;
    size_t max;
    if (!is_array(inst) || !sch_get_count(kw->value, &max) || inst->u.a.len <= max)
        return true;
    sch_fail(e, s, kw, inst, "array has %zu %s, expected at most %zu", inst->u.a.len,
             items_word(inst->u.a.len), max);
    return false;
}

/* ---- uniqueItems: hash, sort, compare neighbours ------------------------------------ */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)p[k]) * 0x100000001b3ull;
    return h;
}

/* A hash that agrees with plc_equal: 1 and 1.0 alike, members in any order.
** Below `depth` levels everything hashes alike (plc_equal decides). */
static uint64_t hash_value(const plc_node *n, unsigned depth)
{
    if (depth == 0)
        return 0;
    if (sch_is_number(n)) {
        double d = sch_num(n);
        uint64_t bits;
        d = d == 0 ? 0 : d; /* -0.0 == 0.0 */
        memcpy(&bits, &d, sizeof bits);
        return mix(3, bits);
    }
    if (sch_is_text(n))
        return mix(4, hash_bytes(n->u.s.ptr, n->u.s.len));
    uint64_t h = mix(5, n->kind);
    if (n->kind == PLC_BOOL)
        return mix(h, n->u.b);
    for (size_t k = 0; n->kind == PLC_ARRAY && k < n->u.a.len; k++)
        h = mix(h, hash_value(n->u.a.items[k], depth - 1));
    for (size_t k = 0; n->kind == PLC_TABLE && k < n->u.t.len; k++) {
        const plc_member *m = &n->u.t.items[k];
        h += mix(hash_bytes(m->key, m->key_len), hash_value(m->value, depth - 1)); /* order-free */
    }
    return h;
}

typedef struct hashed {
    uint64_t h;
    size_t i;
} hashed;

static int by_hash(const void *a, const void *b)
{
    const hashed *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Indexes of the first two equal items (by the later one), or false. */
static bool find_duplicate(const plc_node *arr, const hashed *v, size_t n, size_t *a, size_t *b)
{
    bool found = false;
    for (size_t k = 0; k < n; k++) {
        for (size_t j = k + 1; j < n && v[j].h == v[k].h; j++) {
            if ((found && v[j].i >= *b) || !plc_equal(arr->u.a.items[v[k].i], arr->u.a.items[v[j].i]))
                continue;
            *a = v[k].i, *b = v[j].i, found = true;
        }
    }
    return found;
}

bool sch_e_unique_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    size_t n = is_array(inst) ? inst->u.a.len : 0;
    if (n < 2 || !kw->value->u.b)
        return true;
    hashed *v = plu_malloc(n * sizeof *v);
    if (!v)
        return sch_fatal_st(e, plu_err_nomem(e->err));
    for (size_t k = 0; k < n; k++)
        v[k] = (hashed){hash_value(inst->u.a.items[k], 32), k};
    qsort(v, n, sizeof *v, by_hash);
    size_t a = 0, b = 0;
    bool dup = find_duplicate(inst, v, n, &a, &b);
    plu_free(v);
    if (dup)
        sch_fail(e, s, kw, inst, "items %zu and %zu are equal, but items must be unique", a, b);
    return !dup;
}
