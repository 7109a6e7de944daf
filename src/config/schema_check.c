/*
** schema_check.c — the compile side of the keywords: each function checks
** a keyword's value (the "invalid schema" errors) and compiles what the
** evaluator needs: subschemas, regular expressions, reference URIs.
*/
#include <stdio.h>
#include <string.h>

#include "config/schema_int.h"

static const char *const type_names[] = {
    "null", "boolean", "object", "array", "number", "string", "integer", NULL,
};

static pl_status nomem(sch_cctx *c) { return plu_err_nomem(c->err); }

static plc_schema **alloc_subs(sch_cctx *c, size_t n)
{
    return n ? plu_arena_alloc(&c->reg->arena, n * sizeof(plc_schema *)) : NULL;
}

static const char *kind_article(const plc_node *v)
{
    const char *t = sch_type_name(v);
    return strcmp(t, "integer") == 0 || strcmp(t, "array") == 0 || strcmp(t, "object") == 0
               ? "an" : "a";
}

/* "'minLength' must be X, not a string" */
static pl_status wrong(sch_cctx *c, const sch_kw *kw, const plc_node *at, const char *what)
{
    return sch_bad(c, at, "'%s' must be %s, not %s %s", kw->def->name, what,
                   kind_article(at), sch_type_name(at));
}

pl_status sch_c_any(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)c, (void)s, (void)kw;
    return PL_OK;
}

pl_status sch_c_schema(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (kw->value->kind != PLC_TABLE && kw->value->kind != PLC_BOOL)
        return wrong(c, kw, kw->value, "a schema (an object or a boolean)");
    return sch_compile_sub(c, kw->value, kw->def->name, NULL, 0, &kw->sub);
}

static pl_status compile_list(sch_cctx *c, sch_kw *kw)
{
    const plc_node *v = kw->value;
    kw->nsubs = v->u.a.len;
    kw->subs = alloc_subs(c, kw->nsubs);
    if (kw->nsubs && !kw->subs)
        return nomem(c);
    for (size_t k = 0; k < kw->nsubs; k++) {
        char idx[24];
        int len = snprintf(idx, sizeof idx, "%zu", k);
        pl_status st = sch_compile_sub(c, v->u.a.items[k], kw->def->name, idx,
                                       (size_t)len, &kw->subs[k]);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

pl_status sch_c_schema_list(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (kw->value->kind != PLC_ARRAY)
        return wrong(c, kw, kw->value, "an array of schemas");
    if (kw->value->u.a.len == 0)
        return sch_bad(c, kw->value, "'%s' must not be empty", kw->def->name);
    return compile_list(c, kw);
}

pl_status sch_c_items7(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    if (kw->value->kind == PLC_ARRAY)
        return compile_list(c, kw);
    if (kw->value->kind != PLC_TABLE && kw->value->kind != PLC_BOOL)
        return wrong(c, kw, kw->value, "a schema or an array of schemas");
    return sch_c_schema(c, s, kw);
}

/* Compile member k of a table value (a schema), or leave it NULL when
** `strings_too` and it is an array of strings (draft 7 dependencies). */
static pl_status map_member(sch_cctx *c, sch_kw *kw, size_t k, bool strings_too)
{
    const plc_member *m = &kw->value->u.t.items[k];
    const plc_node *v = m->value;
    if (strings_too && v->kind == PLC_ARRAY) {
        for (size_t j = 0; j < v->u.a.len; j++)
            if (v->u.a.items[j]->kind != PLC_STRING)
                return wrong(c, kw, v->u.a.items[j], "made of schemas or arrays of strings");
        return PL_OK;
    }
    if (v->kind != PLC_TABLE && v->kind != PLC_BOOL)
        return sch_bad(c, v, "'%s' member '%s' must be a schema, not %s %s",
                       kw->def->name, m->key, kind_article(v), sch_type_name(v));
    return sch_compile_sub(c, v, kw->def->name, m->key, m->key_len, &kw->subs[k]);
}

static pl_status compile_map(sch_cctx *c, sch_kw *kw, bool strings_too)
{
    if (kw->value->kind != PLC_TABLE)
        return wrong(c, kw, kw->value, "an object");
    kw->nsubs = kw->value->u.t.len;
    kw->subs = alloc_subs(c, kw->nsubs);
    if (kw->nsubs && !kw->subs)
        return nomem(c);
    for (size_t k = 0; k < kw->nsubs; k++) {
        pl_status st = map_member(c, kw, k, strings_too);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

pl_status sch_c_schema_map(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return compile_map(c, kw, false);
}

pl_status sch_c_dependencies(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return compile_map(c, kw, true);
}

static pl_status string_array(sch_cctx *c, const sch_kw *kw, const plc_node *v)
{
    if (v->kind != PLC_ARRAY)
        return wrong(c, kw, v, "an array of strings");
    for (size_t k = 0; k < v->u.a.len; k++)
        if (v->u.a.items[k]->kind != PLC_STRING)
            return wrong(c, kw, v->u.a.items[k], "an array of strings");
    return PL_OK;
}

pl_status sch_c_string_list(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return string_array(c, kw, kw->value);
}

pl_status sch_c_dep_required(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (kw->value->kind != PLC_TABLE)
        return wrong(c, kw, kw->value, "an object");
    for (size_t k = 0; k < kw->value->u.t.len; k++) {
        pl_status st = string_array(c, kw, kw->value->u.t.items[k].value);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

pl_status sch_c_count(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    size_t n;
    if (!sch_get_count(kw->value, &n))
        return wrong(c, kw, kw->value, "a non-negative integer");
    return PL_OK;
}

pl_status sch_c_number(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return sch_is_number(kw->value) ? PL_OK : wrong(c, kw, kw->value, "a number");
}

pl_status sch_c_multiple_of(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (!sch_is_number(kw->value) || !(sch_num(kw->value) > 0))
        return sch_bad(c, kw->value, "'multipleOf' must be a number greater than 0");
    return PL_OK;
}

pl_status sch_c_string(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return kw->value->kind == PLC_STRING ? PL_OK : wrong(c, kw, kw->value, "a string");
}

pl_status sch_c_bool(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return kw->value->kind == PLC_BOOL ? PL_OK : wrong(c, kw, kw->value, "a boolean");
}

pl_status sch_c_enum(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    return kw->value->kind == PLC_ARRAY ? PL_OK : wrong(c, kw, kw->value, "an array");
}

static pl_status type_name(sch_cctx *c, const sch_kw *kw, const plc_node *v)
{
    if (v->kind != PLC_STRING)
        return wrong(c, kw, v, "a type name or an array of type names");
    for (size_t k = 0; type_names[k]; k++)
        if (strcmp(v->u.s.ptr, type_names[k]) == 0)
            return PL_OK;
    const char *near = plu_suggest(v->u.s.ptr, type_names);
    if (near)
        return sch_bad(c, v, "unknown type '%s' (did you mean '%s'?)", v->u.s.ptr, near);
    return sch_bad(c, v, "unknown type '%s' (expected null, boolean, object, array, "
                         "number, string or integer)", v->u.s.ptr);
}

pl_status sch_c_type(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (kw->value->kind != PLC_ARRAY)
        return type_name(c, kw, kw->value);
    for (size_t k = 0; k < kw->value->u.a.len; k++) {
        pl_status st = type_name(c, kw, kw->value->u.a.items[k]);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* Compile one pattern, owned by the registry. */
static pl_status regex(sch_cctx *c, const plc_node *at, const char *pat, size_t len,
                       sch_regex **out)
{
    char msg[256];
    pl_status st = sch_regex_compile(pat, len, out, msg, sizeof msg);
    if (st == PL_E_NOMEM)
        return nomem(c);
    if (st != PL_OK)
        return sch_bad(c, at, "invalid regular expression \"%.*s\": %s",
                       (int)(len > 200 ? 200 : len), pat, msg);
    if (sch_reg_keep_regex(c->reg, *out) != 0) {
        sch_regex_free(*out);
        return nomem(c);
    }
    return PL_OK;
}

pl_status sch_c_pattern(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    (void)s;
    if (kw->value->kind != PLC_STRING)
        return wrong(c, kw, kw->value, "a string");
    kw->regexes = plu_arena_alloc(&c->reg->arena, sizeof *kw->regexes);
    if (!kw->regexes)
        return nomem(c);
    return regex(c, kw->value, kw->value->u.s.ptr, kw->value->u.s.len, &kw->regexes[0]);
}

pl_status sch_c_pattern_props(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    pl_status st = sch_c_schema_map(c, s, kw);
    if (st != PL_OK || kw->nsubs == 0)
        return st;
    kw->regexes = plu_arena_alloc(&c->reg->arena, kw->nsubs * sizeof *kw->regexes);
    if (!kw->regexes)
        return nomem(c);
    for (size_t k = 0; k < kw->nsubs && st == PL_OK; k++) {
        const plc_member *m = &kw->value->u.t.items[k];
        st = regex(c, m->value, m->key, m->key_len, &kw->regexes[k]);
    }
    return st;
}

/* "$ref" / "$dynamicRef": the reference resolved against the base URI now;
** its target is looked up when evaluation first needs it. */
pl_status sch_c_ref(sch_cctx *c, plc_schema *s, sch_kw *kw)
{
    if (kw->value->kind != PLC_STRING)
        return wrong(c, kw, kw->value, "a string");
    plu_buf abs;
    plu_buf_init(&abs);
    if (sch_uri_resolve(s->res->uri, kw->value->u.s.ptr, &abs) == 0)
        kw->ref = plu_arena_strndup(&c->reg->arena, abs.data, abs.len);
    plu_buf_free(&abs);
    if (!kw->ref)
        return nomem(c);
    const char *frag = strchr(kw->ref, '#');
    if (frag && frag[1] != '\0' && frag[1] != '/')
        kw->anchor = frag + 1;
    return PL_OK;
}
