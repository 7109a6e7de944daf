/*
** module.c — loading a module (decode, validate, compile) and asking it
** what it imports and exports. A module is immutable once loaded and
** reference-counted: every instance holds a reference.
*/
#include "wasm_int.h"

const char *plw_type_name(plw_type t)
{
    switch (t) {
    case PLW_I32: return "i32";
    case PLW_I64: return "i64";
    case PLW_F32: return "f32";
    case PLW_F64: return "f64";
    case PLW_FUNCREF: return "funcref";
    case PLW_EXTERNREF: return "externref";
    default: return "?";
    }
}

pl_status plw_module_load(const uint8_t *bytes, size_t len, const char *name,
                          plw_module **out, pl_err *err)
{
    *out = NULL;
    if (!bytes && len)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "no module bytes");
    if (len > UINT32_MAX)
        return plu_errf(err, PL_E_LIMIT, NULL, "%s: module larger than 4 GiB",
                        name ? name : "module");
    plw_module *m = plu_calloc(1, sizeof *m);
    if (!m)
        return plu_err_nomem(err);
    atomic_init(&m->refs, 1);
    plu_arena_init(&m->arena);
    m->name = plu_strdup(name ? name : "module");
    m->bytes = plu_malloc(len ? len : 1);
    if (!m->name || !m->bytes) {
        plw_module_release(m);
        return plu_err_nomem(err);
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    pl_status st = plw_decode(m, err);
    if (st == PL_OK)
        st = plw_compile_module(m, err);
    if (st != PL_OK) {
        plw_module_release(m);
        return st;
    }
    *out = m;
    return PL_OK;
}

void plw_module_release(plw_module *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    for (uint32_t i = 0; m->codes && i < m->n_funcs - m->n_func_imports; i++)
        plu_free(m->codes[i].local_types);
    plu_free(m->ir);
    plu_free(m->map_ir);
    plu_free(m->map_wasm);
    plu_free(m->bytes);
    plu_free(m->name);
    plu_arena_free(&m->arena);
    plu_free(m);
}

void plw_module_free(plw_module *m) { plw_module_release(m); }

const char *plw_module_name(const plw_module *m) { return m->name; }
size_t plw_module_import_count(const plw_module *m) { return m->n_imports; }
size_t plw_module_export_count(const plw_module *m) { return m->n_exports; }

static void describe(const plw_module *m, plw_extern_kind kind, uint32_t idx,
                     plw_extern_info *out)
{
    out->kind = kind;
    switch (kind) {
    case PLW_EXTERN_FUNC: {
        const plw_ftype *t = &m->types[m->funcs[idx].type];
        out->func = (plw_functype){ t->n_params, t->n_results, t->params, t->results };
        break;
    }
    case PLW_EXTERN_TABLE:
        out->elem_type = (plw_type)m->tables[idx].elem;
        out->limits = m->tables[idx].lim;
        break;
    case PLW_EXTERN_MEMORY:
        out->limits = m->mems[idx];
        break;
    case PLW_EXTERN_GLOBAL:
        out->elem_type = (plw_type)m->globals[idx].type;
        out->mutable_global = m->globals[idx].mut;
        break;
    }
}

bool plw_module_import(const plw_module *m, size_t i, plw_extern_info *out)
{
    if (i >= m->n_imports)
        return false;
    memset(out, 0, sizeof *out);
    const plw_import *im = &m->imports[i];
    out->module = im->module;
    out->name = im->name;
    out->module_len = im->module_len;
    out->name_len = im->name_len;
    describe(m, im->kind, im->index, out);
    return true;
}

bool plw_module_export(const plw_module *m, size_t i, plw_extern_info *out)
{
    if (i >= m->n_exports)
        return false;
    memset(out, 0, sizeof *out);
    out->name = m->exports[i].name;
    out->name_len = m->exports[i].name_len;
    describe(m, m->exports[i].kind, m->exports[i].index, out);
    return true;
}

const uint8_t *plw_module_custom(const plw_module *m, const char *name, size_t *len)
{
    for (uint32_t i = 0; i < m->n_customs; i++)
        if (strcmp(m->customs[i].name, name) == 0) {
            *len = m->customs[i].len;
            return m->customs[i].data;
        }
    return NULL;
}
