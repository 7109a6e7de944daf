/*
** schema_compile.c — from schema nodes to plc_schema: identifiers ($id,
** $anchor, $dynamicAnchor, draft 7 "#name" ids), the dialect of each
** resource ($schema), and the keyword table that says, for each keyword,
** in which drafts and vocabulary it exists, how its value is checked and
** compiled, and which function evaluates it.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema_int.h"

/* ---- the keyword table ------------------------------------------------------ */

enum { D7 = SCH_D7, D20 = SCH_D2020, DA = SCH_DALL };
enum {
    CORE = SCH_V_CORE, APPL = SCH_V_APPLICATOR, UNEV = SCH_V_UNEVALUATED,
    VALID = SCH_V_VALIDATION, FMT = SCH_V_FORMAT_ANN, CONT = SCH_V_CONTENT
};

static const sch_kwdef keywords[] = {
    /* core */
    {"$ref", DA, CORE, 0, sch_c_ref, sch_e_ref},
    {"$dynamicRef", D20, CORE, 0, sch_c_ref, sch_e_dynamic_ref},
    {"$defs", DA, CORE, 0, sch_c_schema_map, NULL},
    {"definitions", DA, CORE, 0, sch_c_schema_map, NULL},
    /* applicators */
    {"allOf", DA, APPL, 0, sch_c_schema_list, sch_e_all_of},
    {"anyOf", DA, APPL, 0, sch_c_schema_list, sch_e_any_of},
    {"oneOf", DA, APPL, 0, sch_c_schema_list, sch_e_one_of},
    {"not", DA, APPL, 0, sch_c_schema, sch_e_not},
    {"if", DA, APPL, 0, sch_c_schema, sch_e_if},
    {"then", DA, APPL, 0, sch_c_schema, NULL},
    {"else", DA, APPL, 0, sch_c_schema, NULL},
    {"dependentSchemas", D20, APPL, 0, sch_c_schema_map, sch_e_dep_schemas},
    {"dependencies", DA, APPL, 0, sch_c_dependencies, sch_e_dependencies}, /* 2020-12: compatibility */
    {"properties", DA, APPL, 0, sch_c_schema_map, sch_e_properties},
    {"patternProperties", DA, APPL, 0, sch_c_pattern_props, sch_e_pattern_props},
    {"additionalProperties", DA, APPL, 0, sch_c_schema, sch_e_additional_props},
    {"propertyNames", DA, APPL, 0, sch_c_schema, sch_e_property_names},
    {"prefixItems", D20, APPL, 0, sch_c_schema_list, sch_e_prefix_items},
    {"items", D20, APPL, 0, sch_c_schema, sch_e_items},
    {"items", D7, APPL, 0, sch_c_items7, sch_e_items},
    {"additionalItems", D7, APPL, 0, sch_c_schema, sch_e_additional_items},
    {"contains", DA, APPL, 0, sch_c_schema, sch_e_contains},
    /* unevaluated: after every sibling */
    {"unevaluatedProperties", D20, UNEV, 1, sch_c_schema, sch_e_unevaluated_props},
    {"unevaluatedItems", D20, UNEV, 1, sch_c_schema, sch_e_unevaluated_items},
    /* validation */
    {"type", DA, VALID, 0, sch_c_type, sch_e_type},
    {"enum", DA, VALID, 0, sch_c_enum, sch_e_enum},
    {"const", DA, VALID, 0, sch_c_any, sch_e_const},
    {"multipleOf", DA, VALID, 0, sch_c_multiple_of, sch_e_multiple_of},
    {"minimum", DA, VALID, 0, sch_c_number, sch_e_minimum},
    {"maximum", DA, VALID, 0, sch_c_number, sch_e_maximum},
    {"exclusiveMinimum", DA, VALID, 0, sch_c_number, sch_e_excl_minimum},
    {"exclusiveMaximum", DA, VALID, 0, sch_c_number, sch_e_excl_maximum},
    {"minLength", DA, VALID, 0, sch_c_count, sch_e_min_length},
    {"maxLength", DA, VALID, 0, sch_c_count, sch_e_max_length},
    {"pattern", DA, VALID, 0, sch_c_pattern, sch_e_pattern},
    {"minItems", DA, VALID, 0, sch_c_count, sch_e_min_items},
    {"maxItems", DA, VALID, 0, sch_c_count, sch_e_max_items},
    {"uniqueItems", DA, VALID, 0, sch_c_bool, sch_e_unique_items},
    {"minContains", D20, VALID, 0, sch_c_count, NULL},
    {"maxContains", D20, VALID, 0, sch_c_count, NULL},
    {"minProperties", DA, VALID, 0, sch_c_count, sch_e_min_props},
    {"maxProperties", DA, VALID, 0, sch_c_count, sch_e_max_props},
    {"required", DA, VALID, 0, sch_c_string_list, sch_e_required},
    {"dependentRequired", D20, VALID, 0, sch_c_dep_required, sch_e_dep_required},
    /* annotations that hold schemas or need a type check */
    {"format", DA, FMT, 0, sch_c_string, NULL},
    {"contentSchema", D20, CONT, 0, sch_c_schema, NULL},
};

const sch_kwdef *sch_kwdef_find(const char *name, size_t len, unsigned draft)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        const sch_kwdef *d = &keywords[k];
        /* Keys may hold NUL bytes ("pattern\u0000"): compare lengths first. */
        if ((d->drafts & draft) && strlen(d->name) == len && memcmp(d->name, name, len) == 0)
            return d;
    }
    return NULL;
}

const sch_kw *sch_kw_find(const plc_schema *s, const char *name)
{
    for (size_t k = 0; k < s->nkw; k++)
        if (strcmp(s->kw[k].def->name, name) == 0)
            return &s->kw[k];
    return NULL;
}

/* ---- errors ------------------------------------------------------------------- */

pl_status sch_bad(sch_cctx *c, const plc_node *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return plu_errf(c->err, PL_E_CONFIG, &at->loc, "invalid schema at #%s: %s",
                    c->ptr, msg);
}

static pl_status nomem(sch_cctx *c) { return plu_err_nomem(c->err); }

/* ---- pointers ------------------------------------------------------------------ */

/* c->ptr + "/tok1" [+ "/tok2"] as an arena string. */
static const char *child_ptr(sch_cctx *c, const char *tok1, const char *tok2,
                             size_t tok2_len)
{
    plu_buf b;
    plu_buf_init(&b);
    const char *out = NULL;
    if (plu_buf_puts(&b, c->ptr) == 0 && sch_ptr_push(&b, tok1, strlen(tok1)) == 0 &&
        (!tok2 || sch_ptr_push(&b, tok2, tok2_len) == 0))
        out = plu_arena_strndup(&c->reg->arena, b.data, b.len);
    plu_buf_free(&b);
    return out;
}

static const char *arena_str(plc_schema_reg *reg, const char *s, size_t n)
{
    return plu_arena_strndup(&reg->arena, s, n);
}

/* ---- identifiers ------------------------------------------------------------------- */

/* An anchor name: ^[A-Za-z_][-A-Za-z0-9._:]*$ (':' for draft 7 ids). */
static bool anchor_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t k = 1; k < n; k++) {
        bool ok = isalnum((unsigned char)s[k]) || (s[k] != '\0' && strchr("-_.:", s[k]));
        if (!ok)
            return false;
    }
    return true;
}

/* A new resource at uri[0..len) read with dialect d. */
static sch_res *new_res(sch_cctx *c, const char *uri, size_t len, const sch_dialect *d)
{
    sch_res *r = plu_arena_alloc(&c->reg->arena, sizeof *r);
    if (!r)
        return NULL;
    r->uri = arena_str(c->reg, uri, len);
    if (!r->uri)
        return NULL;
    r->draft = d->draft;
    r->vocab = d->vocab;
    return r;
}

/* The dialect "$schema" names, when the node has one; d is kept else. */
static pl_status read_dialect(sch_cctx *c, const plc_node *node, sch_dialect *d)
{
    const plc_node *v = plc_get(node, "$schema");
    if (!v)
        return PL_OK;
    if (v->kind != PLC_STRING)
        return sch_bad(c, v, "'$schema' must be a string");
    return sch_reg_dialect(c->reg, v->u.s.ptr, &v->loc, 0, d, c->err);
}

/* Register a plain-name fragment as an anchor of res. */
static pl_status add_anchor(sch_cctx *c, sch_res *res, const plc_node *at,
                            const char *name, size_t n, bool dynamic, plc_schema *s)
{
    if (!anchor_name(name, n)) {
        if (res->draft == SCH_D7)
            return PL_OK; /* not a plain name: draft 7 ids like "#/x" mean nothing */
        return sch_bad(c, at, "'%.*s' is not a valid anchor name", (int)n, name);
    }
    const char *nm = arena_str(c->reg, name, n);
    if (!nm)
        return nomem(c);
    if (dynamic)
        s->dyn_anchor = nm;
    return sch_reg_add_anchor(c->reg, res->uri, nm, dynamic, s, c->err);
}

/* The resource an "$id" starts, read with dialect d; the id is resolved
** against the enclosing base, a fragment in it (draft 7) is an anchor. */
static pl_status open_res(sch_cctx *c, plc_schema *s, const plc_node *id,
                          const sch_dialect *d, sch_res **out)
{
    plu_buf abs;
    plu_buf_init(&abs);
    pl_status st = PL_OK;
    if (sch_uri_resolve(c->res->uri, id->u.s.ptr, &abs) != 0)
        st = nomem(c);
    size_t blen = st == PL_OK ? sch_uri_base_len(abs.data) : 0;
    sch_res *r = st == PL_OK ? new_res(c, abs.data, blen, d) : NULL;
    if (st == PL_OK && !r)
        st = nomem(c);
    if (st == PL_OK && abs.data[blen] == '#' && abs.data[blen + 1] != '\0')
        st = add_anchor(c, r, id, abs.data + blen + 1, abs.len - blen - 1, false, s);
    plu_buf_free(&abs);
    *out = r;
    return st;
}

/* The value of "$id" when this node has a usable one, else NULL. */
static const plc_node *id_of(sch_cctx *c, const plc_node *node, unsigned draft,
                             pl_status *st)
{
    const plc_node *id = plc_get(node, "$id");
    *st = PL_OK;
    if (!id || (draft == SCH_D7 && plc_get(node, "$ref")))
        return NULL; /* draft 7: "$ref" makes its siblings, $id too, ignored */
    if (id->kind != PLC_STRING) {
        *st = sch_bad(c, id, "'$id' must be a string");
        return NULL;
    }
    const char *hash = strchr(id->u.s.ptr, '#');
    if (draft == SCH_D2020 && hash && hash[1] != '\0') {
        *st = sch_bad(c, id, "'$id' must not have a fragment; use '$anchor'");
        return NULL;
    }
    return id;
}

/* Find the resource s belongs to. The root of a document, and a node with
** its own "$id", start one, read with the dialect their "$schema" names;
** a draft 7 "$id": "#name" only names a location in the enclosing one. */
static pl_status identify_res(sch_cctx *c, plc_schema *s)
{
    sch_res *res = c->res;
    bool root = res->root == NULL;
    sch_dialect d = {res->draft, res->vocab};
    pl_status st = PL_OK;
    if (root || plc_get(s->node, "$id"))
        st = read_dialect(c, s->node, &d);
    const plc_node *id = st == PL_OK ? id_of(c, s->node, d.draft, &st) : NULL;
    if (st != PL_OK)
        return st;
    if (root) {
        res->draft = d.draft;
        res->vocab = d.vocab;
        res->root = s;
        st = sch_reg_add_id(c->reg, res->uri, s, c->err);
    }
    if (st != PL_OK || !id)
        return st;
    if (d.draft == SCH_D7 && id->u.s.ptr[0] == '#')
        return add_anchor(c, res, id, id->u.s.ptr + 1, id->u.s.len - 1, false, s);
    st = open_res(c, s, id, &d, &res);
    if (st != PL_OK)
        return st;
    res->root = s;
    s->res = res;
    return sch_reg_add_id(c->reg, res->uri, s, c->err);
}

/* "$anchor" and "$dynamicAnchor" (2020-12). */
static pl_status identify_anchors(sch_cctx *c, plc_schema *s)
{
    static const char *const keys[] = {"$anchor", "$dynamicAnchor"};
    if (s->res->draft != SCH_D2020)
        return PL_OK;
    for (int k = 0; k < 2; k++) {
        const plc_node *v = plc_get(s->node, keys[k]);
        if (!v)
            continue;
        if (v->kind != PLC_STRING)
            return sch_bad(c, v, "'%s' must be a string", keys[k]);
        pl_status st = add_anchor(c, s->res, v, v->u.s.ptr, v->u.s.len, k == 1, s);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* ---- keywords ------------------------------------------------------------------------- */

static int by_phase(const void *a, const void *b)
{
    const sch_kw *x = a, *y = b;
    if (x->def->phase != y->def->phase)
        return x->def->phase < y->def->phase ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value; /* keep file order */
}

/* Move the collected keywords into the arena, phase 0 first. */
static pl_status settle_keywords(sch_cctx *c, plc_schema *s, sch_kw *kws, size_t n)
{
    s->kw = n ? plu_arena_alloc(&c->reg->arena, n * sizeof *kws) : NULL;
    if (n && !s->kw)
        return nomem(c);
    if (n)
        memcpy(s->kw, kws, n * sizeof *kws);
    s->nkw = n;
    for (size_t k = 0; k < n; k++) {
        if (s->kw[k].def->phase)
            s->flags |= SCH_F_UNEVAL;
        if (s->kw[k].def->compile == sch_c_ref && sch_reg_keep_ref(c->reg, s, k) != 0)
            return nomem(c);
    }
    if (s->res->draft == SCH_D7 && sch_kw_find(s, "$ref"))
        s->flags |= SCH_F_REF_ONLY;
    return PL_OK;
}

static pl_status compile_keywords(sch_cctx *c, plc_schema *s)
{
    const plc_node *node = s->node;
    sch_kw *kws = NULL;
    size_t n = 0, cap = 0;
    pl_status st = PL_OK;
    for (size_t k = 0; k < node->u.t.len && st == PL_OK; k++) {
        const plc_member *m = &node->u.t.items[k];
        const sch_kwdef *def = sch_kwdef_find(m->key, m->key_len, s->res->draft);
        if (!def || !(def->vocab & s->res->vocab))
            continue;
        sch_kw kw = {.def = def, .value = m->value};
        if (def->compile)
            st = def->compile(c, s, &kw);
        if (st == PL_OK && sch_vec_push(&kws, &n, &cap, sizeof kw, &kw) != 0)
            st = nomem(c);
    }
    if (st == PL_OK && n > 1)
        qsort(kws, n, sizeof *kws, by_phase);
    if (st == PL_OK)
        st = settle_keywords(c, s, kws, n);
    plu_free(kws);
    return st;
}

static pl_status compile_node(sch_cctx *c, const plc_node *node, plc_schema **out)
{
    if (c->depth > SCH_MAX_COMPILE_DEPTH)
        return plu_errf(c->err, PL_E_LIMIT, &node->loc,
                        "schema nests deeper than %d levels", SCH_MAX_COMPILE_DEPTH);
    plc_schema *s = plu_arena_alloc(&c->reg->arena, sizeof *s);
    if (!s)
        return nomem(c);
    *s = (plc_schema){.node = node, .res = c->res, .ptr = c->ptr};
    if (sch_map_put(&c->reg->nodes, &c->reg->arena, &node, sizeof node, s) < 0)
        return nomem(c);
    *out = s;
    if (node->kind == PLC_BOOL) {
        s->flags = node->u.b ? SCH_F_TRUE : SCH_F_FALSE;
        if (!c->res->root)
            c->res->root = s;
        return PL_OK;
    }
    if (node->kind != PLC_TABLE)
        return sch_bad(c, node, "a schema must be an object or a boolean, not %s",
                       sch_type_name(node));
    pl_status st = identify_res(c, s);
    if (st == PL_OK)
        st = identify_anchors(c, s);
    sch_cctx inner = {c->reg, c->err, s->res, s->ptr, c->depth + 1};
    return st != PL_OK ? st : compile_keywords(&inner, s);
}

pl_status sch_compile_at(plc_schema_reg *reg, const plc_node *node, sch_res *res,
                         const char *ptr, plc_schema **out, pl_err *err)
{
    plc_schema *known = sch_map_get(&reg->nodes, &node, sizeof node);
    if (known) {
        *out = known;
        return PL_OK;
    }
    const char *copy = plu_arena_strndup(&reg->arena, ptr, strlen(ptr));
    if (!copy)
        return plu_err_nomem(err);
    sch_cctx c = {reg, err, res, copy, 0};
    return compile_node(&c, node, out);
}

pl_status sch_compile_sub(sch_cctx *c, const plc_node *node, const char *tok1,
                          const char *tok2, size_t tok2_len, plc_schema **out)
{
    plc_schema *known = sch_map_get(&c->reg->nodes, &node, sizeof node);
    if (known) {
        *out = known;
        return PL_OK;
    }
    const char *ptr = child_ptr(c, tok1, tok2, tok2_len);
    if (!ptr)
        return nomem(c);
    sch_cctx sub = {c->reg, c->err, c->res, ptr, c->depth + 1};
    return compile_node(&sub, node, out);
}

pl_status sch_compile_root(plc_schema_reg *reg, const plc_node *node, const char *uri,
                           unsigned draft, plc_schema **out, pl_err *err)
{
    sch_res *res = plu_arena_alloc(&reg->arena, sizeof *res);
    if (!res)
        return plu_err_nomem(err);
    res->uri = arena_str(reg, uri, sch_uri_base_len(uri));
    if (!res->uri)
        return plu_err_nomem(err);
    res->draft = (uint8_t)draft;
    res->vocab = draft == SCH_D7 ? 0xFFFF : SCH_V_DEFAULT;
    pl_status st = sch_compile_at(reg, node, res, "", out, err);
    if (st == PL_OK && (*out)->flags & (SCH_F_TRUE | SCH_F_FALSE))
        st = sch_reg_add_id(reg, res->uri, *out, err);
    return st;
}

plc_schema_draft plc_schema_draft_of(const plc_schema *schema)
{
    return schema->res->draft == SCH_D7 ? PLC_SCHEMA_DRAFT7 : PLC_SCHEMA_DRAFT2020;
}
