/*
** instance.c — instantiation in the spec's order: resolve imports, make
** functions, tables, memories and globals, evaluate element segments,
** apply the active segments (elements, then data), run the start
** function. Also the instance's exports, globals and memory for the host.
*/
#include "wasm_int.h"

bool plw_ftype_equal(const plw_ftype *a, const plw_ftype *b)
{
    return a->n_params == b->n_params && a->n_results == b->n_results &&
           (a->n_params == 0 || memcmp(a->params, b->params, a->n_params) == 0) &&
           (a->n_results == 0 || memcmp(a->results, b->results, a->n_results) == 0);
}

plw_cell plw_cexpr_eval(const plw_instance *inst, const plw_cexpr *e)
{
    switch (e->kind) {
    case PLW_CE_CONST: return e->value;
    case PLW_CE_GLOBAL: return inst->globals[e->index]->value;
    case PLW_CE_REF_FUNC: return (plw_cell)(uintptr_t)&inst->funcs[e->index];
    default: return 0;
    }
}

const plw_cell *plw_elem_refs(const plw_instance *inst, uint32_t seg, uint32_t *n)
{
    *n = inst->dropped_elem[seg] ? 0 : inst->mod->elems[seg].n;
    return inst->elem_refs[seg];
}

static void defaults(plw_instance_limits *l)
{
    if (!l->mem_bytes)
        l->mem_bytes = PLW_DEFAULT_MEM_BYTES;
    if (!l->max_call_depth)
        l->max_call_depth = PLW_DEFAULT_CALL_DEPTH;
    if (!l->stack_bytes)
        l->stack_bytes = PLW_DEFAULT_STACK_BYTES;
    if (!l->table_elems)
        l->table_elems = PLW_DEFAULT_TABLE_ELEMS;
}

/* ---- imports ---------------------------------------------------------------------------- */

static bool limits_match(uint64_t size, const plw_limits_desc *have, const plw_limits_desc *want)
{
    if (size < want->min)
        return false;
    if (!want->has_max)
        return true;
    return have->has_max && have->max <= want->max;
}

static pl_status incompatible(plw_instance *inst, const plw_import *im, const char *why,
                              pl_err *err)
{
    return plw_errf(err, PL_E_INVALID_ARG, inst->mod, -1, -1,
                    "incompatible import type for %s.%s: %s", im->module, im->name, why);
}

static pl_status add_dep(plw_instance *inst, plw_instance *p, pl_err *err)
{
    for (uint32_t i = 0; i < inst->n_deps; i++)
        if (inst->deps[i] == p)
            return PL_OK;
    plw_instance **d = plu_realloc(inst->deps, (inst->n_deps + 1) * sizeof *d);
    if (!d)
        return plu_err_nomem(err);
    inst->deps = d;
    d[inst->n_deps++] = p;
    atomic_fetch_add(&p->refs, 1);
    return PL_OK;
}

static pl_status import_from_instance(plw_instance *inst, const plw_import *im,
                                      plw_instance *p, uint32_t idx, pl_err *err)
{
    const plw_module *m = inst->mod;
    switch (im->kind) {
    case PLW_EXTERN_FUNC: {
        const plw_func *f = &p->funcs[idx];
        if (!plw_ftype_equal(f->type, &m->types[m->funcs[im->index].type]))
            return incompatible(inst, im, "function types differ", err);
        inst->funcs[im->index] = *f;
        break;
    }
    case PLW_EXTERN_TABLE: {
        plw_table *t = p->tables[idx];
        const plw_table_type *want = &m->tables[im->index];
        if (t->type != want->elem || !limits_match(t->size, &t->decl, &want->lim))
            return incompatible(inst, im, "table types differ", err);
        inst->tables[im->index] = t;
        break;
    }
    case PLW_EXTERN_MEMORY: {
        plw_memory *mem = p->mem;
        if (!limits_match(mem->size / PLW_PAGE, &mem->decl, &m->mems[im->index]))
            return incompatible(inst, im, "memory limits differ", err);
        inst->mem = mem;
        break;
    }
    case PLW_EXTERN_GLOBAL: {
        plw_global *g = p->globals[idx];
        const plw_global_type *want = &m->globals[im->index];
        if (g->type != want->type || g->mut != want->mut)
            return incompatible(inst, im, "global types differ", err);
        inst->globals[im->index] = g;
        break;
    }
    }
    return add_dep(inst, p, err);
}

static pl_status resolve_imports(plw_instance *inst, const plw_linker *l, pl_err *err)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const plw_import *im = &m->imports[i];
        const plw_link *k = plw_linker_find(l, im);
        if (!k)
            return plw_errf(err, PL_E_NOT_FOUND, m, -1, -1, "unknown import %s.%s", im->module,
                            im->name);
        if (plw_link_kind(k) != im->kind)
            return incompatible(inst, im, "another kind of definition", err);
        uint32_t idx;
        plw_instance *p = plw_link_instance(k, &idx);
        pl_status st;
        if (p) {
            st = import_from_instance(inst, im, p, idx, err);
        } else {
            plw_host_fn fn;
            void *user;
            plw_fast_fn fast;
            const plw_ftype *t = plw_link_host(k, &fn, &user, &fast);
            const plw_ftype *want = &m->types[m->types[m->funcs[im->index].type].canon];
            if (!plw_ftype_equal(t, want))
                return incompatible(inst, im, "the host function's signature differs", err);
            inst->funcs[im->index] = (plw_func){ .inst = inst, .type = want, .host = fn,
                                                 .user = user, .fast = fast, .index = im->index };
            st = PL_OK;
        }
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* ---- definitions -------------------------------------------------------------------------- */

static pl_status make_tables(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = m->n_table_imports; i < m->n_tables; i++) {
        const plw_table_type *tt = &m->tables[i];
        uint32_t cap = inst->lim.table_elems;
        if (tt->lim.min > cap)
            return plw_errf(err, PL_E_LIMIT, m, -1, -1,
                            "table %u: %u elements exceed the limit of %u", i, tt->lim.min, cap);
        plw_table *t = plu_calloc(1, sizeof *t);
        if (!t)
            return plu_err_nomem(err);
        inst->tables[i] = t;
        t->type = tt->elem;
        t->decl = tt->lim;
        t->max = tt->lim.has_max && tt->lim.max < cap ? tt->lim.max : cap;
        t->size = tt->lim.min;
        t->elems = plu_calloc(t->size ? t->size : 1, sizeof *t->elems);
        if (!t->elems)
            return plu_err_nomem(err);
    }
    return PL_OK;
}

static pl_status make_memory(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    if (m->n_mems == 0 || m->n_mem_imports)
        return PL_OK;
    const plw_limits_desc *l = &m->mems[0];
    pl_status st = plw_memory_new(l->min, l->has_max ? l->max : PLW_MAX_PAGES,
                                  inst->lim.mem_bytes, &inst->mem, err);
    if (st != PL_OK) {
        plu_err_prefix(err, "%s", m->name);
        return st;
    }
    inst->mem->decl = *l;
    return PL_OK;
}

static pl_status make_globals(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = m->n_global_imports; i < m->n_globals; i++) {
        plw_global *g = plu_calloc(1, sizeof *g);
        if (!g)
            return plu_err_nomem(err);
        inst->globals[i] = g;
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        g->value = plw_cexpr_eval(inst, &m->globals[i].init);
    }
    return PL_OK;
}

static pl_status eval_elems(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const plw_elem *e = &m->elems[i];
        plw_cell *refs = plu_malloc((e->n ? e->n : 1) * sizeof *refs);
        if (!refs)
            return plu_err_nomem(err);
        inst->elem_refs[i] = refs;
        for (uint32_t k = 0; k < e->n; k++)
            refs[k] = plw_cexpr_eval(inst, &e->items[k]);
        if (e->mode == PLW_SEG_DECLARATIVE)
            inst->dropped_elem[i] = 1;
    }
    return PL_OK;
}

static pl_status seg_trap(plw_instance *inst, const char *what, uint32_t i, pl_err *err)
{
    return plw_errf(err, PL_E_TRAP, inst->mod, -1, -1, "trap: %s (%s segment %u)",
                    what[0] == 'e' ? "out of bounds table access" : "out of bounds memory access",
                    what, i);
}

/* Active segments in order; a segment out of bounds traps, and what the
** earlier ones wrote stays written (Wasm 2.0). */
static pl_status apply_segments(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const plw_elem *e = &m->elems[i];
        if (e->mode != PLW_SEG_ACTIVE)
            continue;
        plw_table *t = inst->tables[e->table];
        uint64_t off = (uint32_t)plw_cexpr_eval(inst, &e->offset);
        if (off + e->n > t->size)
            return seg_trap(inst, "elem", i, err);
        if (e->n)
            memcpy(t->elems + off, inst->elem_refs[i], e->n * sizeof *t->elems);
        inst->dropped_elem[i] = 1;
    }
    for (uint32_t i = 0; i < m->n_datas; i++) {
        const plw_data *d = &m->datas[i];
        if (d->mode != PLW_SEG_ACTIVE)
            continue;
        uint64_t off = (uint32_t)plw_cexpr_eval(inst, &d->offset);
        if (off + d->len > inst->mem->size)
            return seg_trap(inst, "data", i, err);
        if (d->len)
            memcpy(inst->mem->base + off, d->bytes, d->len);
        inst->dropped_data[i] = 1;
    }
    return PL_OK;
}

static pl_status alloc_spaces(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    inst->funcs = plu_calloc(m->n_funcs ? m->n_funcs : 1, sizeof *inst->funcs);
    inst->tables = plu_calloc(m->n_tables ? m->n_tables : 1, sizeof *inst->tables);
    inst->globals = plu_calloc(m->n_globals ? m->n_globals : 1, sizeof *inst->globals);
    inst->dropped_data = plu_calloc(m->n_datas ? m->n_datas : 1, 1);
    inst->dropped_elem = plu_calloc(m->n_elems ? m->n_elems : 1, 1);
    inst->elem_refs = plu_calloc(m->n_elems ? m->n_elems : 1, sizeof *inst->elem_refs);
    if (!inst->funcs || !inst->tables || !inst->globals || !inst->dropped_data ||
        !inst->dropped_elem || !inst->elem_refs)
        return plu_err_nomem(err);
    for (uint32_t i = m->n_func_imports; i < m->n_funcs; i++)
        inst->funcs[i] = (plw_func){ .inst = inst,
                                     .type = &m->types[m->types[m->funcs[i].type].canon],
                                     .code = m->funcs[i].code, .index = i };
    return PL_OK;
}

static void destroy(plw_instance *inst)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = m->n_table_imports; inst->tables && i < m->n_tables; i++)
        if (inst->tables[i]) {
            plu_free(inst->tables[i]->elems);
            plu_free(inst->tables[i]);
        }
    for (uint32_t i = m->n_global_imports; inst->globals && i < m->n_globals; i++)
        plu_free(inst->globals[i]);
    for (uint32_t i = 0; inst->elem_refs && i < m->n_elems; i++)
        plu_free(inst->elem_refs[i]);
    if (!m->n_mem_imports)
        plw_memory_release(inst->mem);
    for (uint32_t i = 0; i < inst->n_deps; i++)
        plw_instance_free(inst->deps[i]);
    plu_free(inst->deps);
    plu_free(inst->funcs);
    plu_free(inst->tables);
    plu_free(inst->globals);
    plu_free(inst->dropped_data);
    plu_free(inst->dropped_elem);
    plu_free(inst->elem_refs);
    plu_free(inst->ex.stack);
    plu_free(inst->ex.frames);
    plw_module_release(inst->mod);
    plu_free(inst);
}

void plw_instance_free(plw_instance *inst)
{
    if (inst && atomic_fetch_sub(&inst->refs, 1) == 1)
        destroy(inst);
}

static pl_status run_start(plw_instance *inst, pl_err *err)
{
    const plw_module *m = inst->mod;
    if (m->start < 0)
        return PL_OK;
    plw_call_opts opts = { .fuel = inst->lim.start_fuel, .timeout_ns = inst->lim.start_timeout_ns };
    pl_status st = plw_call(inst, &inst->funcs[m->start], NULL, NULL, &opts, NULL, err);
    if (st != PL_OK)
        plu_err_prefix(err, "start function");
    return st;
}

pl_status plw_instantiate(plw_module *m, const plw_linker *l, const plw_instance_limits *lim,
                          plw_instance **out, pl_err *err)
{
    return plw_instantiate_data(m, l, lim, NULL, out, err);
}

pl_status plw_instantiate_data(plw_module *m, const plw_linker *l,
                               const plw_instance_limits *lim, void *data, plw_instance **out,
                               pl_err *err)
{
    *out = NULL;
    plw_instance *inst = plu_calloc(1, sizeof *inst);
    if (!inst)
        return plu_err_nomem(err);
    atomic_init(&inst->refs, 1);
    atomic_fetch_add(&m->refs, 1);
    inst->mod = m;
    inst->data = data;
    if (lim)
        inst->lim = *lim;
    defaults(&inst->lim);
    pl_status st = alloc_spaces(inst, err);
    if (st == PL_OK)
        st = resolve_imports(inst, l, err);
    if (st == PL_OK)
        st = make_tables(inst, err);
    if (st == PL_OK)
        st = make_memory(inst, err);
    if (st == PL_OK)
        st = make_globals(inst, err);
    if (st == PL_OK)
        st = eval_elems(inst, err);
    if (st != PL_OK) {
        destroy(inst);
        return st;
    }
    /* From here on the instance may have written into imported tables and
    ** memories: on a trap it is handed back, dead, so that what it wrote
    ** (functions in shared tables included) stays valid while it lives. */
    st = apply_segments(inst, err);
    if (st == PL_OK)
        st = run_start(inst, err);
    if (st != PL_OK)
        inst->dead = true;
    *out = inst;
    return st;
}

/* ---- what the host sees ---------------------------------------------------------------- */

const plw_module *plw_instance_module(const plw_instance *inst) { return inst->mod; }
bool plw_instance_dead(const plw_instance *inst) { return inst->dead; }
void plw_instance_set_data(plw_instance *inst, void *data) { inst->data = data; }
void *plw_instance_data(const plw_instance *inst) { return inst->data; }

static const plw_export *find_export_n(const plw_instance *inst, const char *name, size_t n,
                                       plw_extern_kind kind)
{
    const plw_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const plw_export *e = &m->exports[i];
        if (e->kind == kind && e->name_len == n && memcmp(e->name, name, n) == 0)
            return e;
    }
    return NULL;
}

static const plw_export *find_export(const plw_instance *inst, const char *name,
                                     plw_extern_kind kind)
{
    return find_export_n(inst, name, strlen(name), kind);
}

const plw_func *plw_instance_func_n(plw_instance *inst, const char *name, size_t len)
{
    const plw_export *e = find_export_n(inst, name, len, PLW_EXTERN_FUNC);
    return e ? &inst->funcs[e->index] : NULL;
}

const plw_func *plw_instance_func(plw_instance *inst, const char *name)
{
    return plw_instance_func_n(inst, name, strlen(name));
}

void plw_instance_revive(plw_instance *inst) { inst->dead = false; }

plw_functype plw_func_type(const plw_func *f)
{
    const plw_ftype *t = f->type;
    return (plw_functype){ t->n_params, t->n_results, t->params, t->results };
}

bool plw_instance_global(plw_instance *inst, const char *name, plw_type *type, plw_cell *value)
{
    const plw_export *e = find_export(inst, name, PLW_EXTERN_GLOBAL);
    if (!e)
        return false;
    const plw_global *g = inst->globals[e->index];
    *type = (plw_type)g->type;
    *value = g->type == PLW_I32 || g->type == PLW_F32 ? (uint32_t)g->value : g->value;
    return true;
}

uint8_t *plw_memory_base(plw_instance *inst) { return inst->mem ? inst->mem->base : NULL; }
uint64_t plw_memory_size(const plw_instance *inst) { return inst->mem ? inst->mem->size : 0; }

void *plw_memory_at(plw_instance *inst, uint64_t off, uint64_t len)
{
    if (!inst->mem || off > inst->mem->size || len > inst->mem->size - off)
        return NULL;
    return inst->mem->base + off;
}

int64_t plw_memory_grow(plw_instance *inst, uint32_t pages)
{
    return inst->mem ? plw_memory_grow_by(inst->mem, pages) : -1;
}

void plw_instance_interrupt(plw_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, 1, memory_order_relaxed);
}
