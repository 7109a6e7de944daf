/*
** decode.c — the binary format: one decode_<section>() per section, the
** section order, and the checks that tie sections together (function and
** code counts, the data count). Function bodies are only framed here;
** compile.c validates and compiles them once every section is read.
**
** Everything decoded lives in the module's arena. Counts read from the
** binary are checked against the bytes left before anything is sized by
** them, so a hostile count cannot make us allocate gigabytes.
*/
#include <stdarg.h>
#include <stdio.h>

#include "wasm_int.h"

/* Section ids in the order they must appear (custom sections aside). */
enum { SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEM, SEC_GLOBAL,
       SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA, SEC_DATACOUNT };

static int section_rank(uint8_t id)
{
    static const int rank[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };
    return id <= SEC_DATACOUNT ? rank[id] : -1;
}

/* Decoding state: the module and the bodies framed so far. */
typedef struct dec {
    plw_module *m;
    plw_rd r;
    pl_err *err;
    uint32_t n_declared_funcs;  /* from the function section */
    bool have_code;
} dec;

pl_status plw_errf(pl_err *err, pl_status st, const plw_module *m, int64_t func, int64_t off,
                   const char *fmt, ...)
{
    char msg[PL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *name = m && m->name ? m->name : "module";
    if (func >= 0 && off >= 0)
        return plu_errf(err, st, NULL, "%s: func %lld @0x%llx: %s", name, (long long)func,
                        (unsigned long long)off, msg);
    if (off >= 0)
        return plu_errf(err, st, NULL, "%s: @0x%llx: %s", name, (unsigned long long)off, msg);
    return plu_errf(err, st, NULL, "%s: %s", name, msg);
}

/* A malformed-binary error at the reader's position. */
static pl_status malformed(dec *d, const char *why)
{
    return plw_errf(d->err, PL_E_SYNTAX, d->m, -1, plw_rd_off(&d->r), "%s", why);
}

static pl_status invalid(dec *d, const char *fmt, ...) PLU_PRINTF(2, 3);
static pl_status invalid(dec *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return plw_errf(d->err, PL_E_INVALID_ARG, d->m, -1, plw_rd_off(&d->r), "%s", msg);
}

#define TRY(x)                      \
    do {                            \
        pl_status st_ = (x);        \
        if (st_ != PL_OK)           \
            return st_;             \
    } while (0)
#define CHECK_RD(d)                                   \
    do {                                              \
        if ((d)->r.fail)                              \
            return malformed((d), (d)->r.fail);       \
    } while (0)

static void *alloc_n(dec *d, size_t n, size_t size)
{
    if (n && size > SIZE_MAX / n)
        return NULL;
    return plu_arena_alloc(&d->m->arena, n && size ? n * size : 1);
}

/* A vector count: each item takes at least min_bytes, so a count larger
** than what is left cannot be true. */
static pl_status read_count(dec *d, uint32_t min_bytes, uint32_t *n)
{
    *n = plw_rd_u32(&d->r);
    CHECK_RD(d);
    if ((uint64_t)*n * min_bytes > (uint64_t)(d->r.end - d->r.p)) {
        d->r.p = d->r.end;
        return malformed(d, "unexpected end of section or function");
    }
    return PL_OK;
}

static pl_status read_name(dec *d, char **out, uint32_t *len)
{
    uint32_t n = 0;
    const uint8_t *s = plw_rd_name(&d->r, &n);
    CHECK_RD(d);
    *out = plu_arena_strndup(&d->m->arena, (const char *)s, n);
    if (!*out)
        return plu_err_nomem(d->err);
    if (len)
        *len = n;
    return PL_OK;
}

static bool is_num_type(uint8_t t)
{
    return t == PLW_I32 || t == PLW_I64 || t == PLW_F32 || t == PLW_F64;
}

static bool is_ref_type(uint8_t t) { return t == PLW_FUNCREF || t == PLW_EXTERNREF; }

static pl_status read_valtype(dec *d, uint8_t *t)
{
    *t = plw_rd_byte(&d->r);
    CHECK_RD(d);
    if (*t == 0x7b)
        return plw_errf(d->err, PL_E_UNSUPPORTED, d->m, -1, plw_rd_off(&d->r) - 1,
                        "SIMD (v128) is not supported");
    if (!is_num_type(*t) && !is_ref_type(*t))
        return malformed(d, "malformed value type");
    return PL_OK;
}

static pl_status read_reftype(dec *d, uint8_t *t)
{
    *t = plw_rd_byte(&d->r);
    CHECK_RD(d);
    if (!is_ref_type(*t))
        return malformed(d, "malformed reference type");
    return PL_OK;
}

static pl_status read_limits(dec *d, plw_limits_desc *lim, uint64_t bound, const char *what)
{
    uint8_t flag = plw_rd_byte(&d->r);
    CHECK_RD(d);
    if (flag > 1)
        return malformed(d, flag == 2 || flag == 3 ? "shared memories are not supported"
                                                   : "integer too large");
    lim->min = plw_rd_u32(&d->r);
    lim->has_max = flag == 1;
    if (lim->has_max)
        lim->max = plw_rd_u32(&d->r);
    CHECK_RD(d);
    if (lim->min > bound)
        return invalid(d, "%s size must be at most %llu", what, (unsigned long long)bound);
    if (lim->has_max && lim->max > bound)
        return invalid(d, "%s size must be at most %llu", what, (unsigned long long)bound);
    if (lim->has_max && lim->max < lim->min)
        return invalid(d, "size minimum must not be greater than maximum");
    return PL_OK;
}

static pl_status read_table_type(dec *d, plw_table_type *t)
{
    TRY(read_reftype(d, &t->elem));
    return read_limits(d, &t->lim, UINT32_MAX, "table");
}

static pl_status read_global_type(dec *d, plw_global_type *g)
{
    TRY(read_valtype(d, &g->type));
    uint8_t mut = plw_rd_byte(&d->r);
    CHECK_RD(d);
    if (mut > 1)
        return malformed(d, "malformed mutability");
    g->mut = mut == 1;
    return PL_OK;
}

/* ---- constant expressions ------------------------------------------------- */

static uint8_t global_type_of(const plw_module *m, uint32_t i) { return m->globals[i].type; }

/*
** A constant expression of type `want` (0 = any reference type is checked
** by the caller). Wasm 2.0 allows one of t.const, ref.null, ref.func and
** global.get of an imported immutable global, then `end`.
*/
static pl_status read_cexpr(dec *d, plw_cexpr *e, uint8_t want, uint32_t n_globals_visible)
{
    plw_module *m = d->m;
    uint8_t op = plw_rd_byte(&d->r);
    uint8_t got = 0;
    switch (op) {
    case 0x41: e->kind = PLW_CE_CONST; e->value = (uint32_t)plw_rd_s32(&d->r); got = PLW_I32; break;
    case 0x42: e->kind = PLW_CE_CONST; e->value = (uint64_t)plw_rd_s64(&d->r); got = PLW_I64; break;
    case 0x43: {
        const uint8_t *b = plw_rd_bytes(&d->r, 4);
        e->kind = PLW_CE_CONST;
        e->value = b ? plw_rd32(b) : 0;
        got = PLW_F32;
        break;
    }
    case 0x44: {
        const uint8_t *b = plw_rd_bytes(&d->r, 8);
        e->kind = PLW_CE_CONST;
        e->value = b ? plw_rd64(b) : 0;
        got = PLW_F64;
        break;
    }
    case 0xd0:
        e->kind = PLW_CE_REF_NULL;
        TRY(read_reftype(d, &got));
        break;
    case 0xd2:
        e->kind = PLW_CE_REF_FUNC;
        e->index = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (e->index >= m->n_funcs)
            return invalid(d, "unknown function %u", e->index);
        m->declared_refs[e->index] = 1;
        got = PLW_FUNCREF;
        break;
    case 0x23:
        e->kind = PLW_CE_GLOBAL;
        e->index = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (e->index >= n_globals_visible)
            return invalid(d, "unknown global %u", e->index);
        if (m->globals[e->index].mut)
            return invalid(d, "constant expression required");
        got = global_type_of(m, e->index);
        break;
    case 0x0b:
        CHECK_RD(d);
        return invalid(d, "type mismatch: constant expression is empty");
    default:
        CHECK_RD(d);
        return invalid(d, "constant expression required");
    }
    CHECK_RD(d);
    uint8_t end = plw_rd_byte(&d->r);
    CHECK_RD(d);
    if (end != 0x0b) {
        /* A second instruction: either not constant or one value too many. */
        return invalid(d, end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 ||
                                  end == 0xd0 || end == 0xd2 || end == 0x23
                              ? "type mismatch: constant expression leaves extra values"
                              : "constant expression required");
    }
    if (want && got != want)
        return invalid(d, "type mismatch: expected %s, got %s", plw_type_name(want),
                       plw_type_name(got));
    return PL_OK;
}

/* ---- sections ------------------------------------------------------------- */

static pl_status decode_types(dec *d)
{
    plw_module *m = d->m;
    TRY(read_count(d, 3, &m->n_types));
    m->types = alloc_n(d, m->n_types, sizeof *m->types);
    if (!m->types)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < m->n_types; i++) {
        plw_ftype *t = &m->types[i];
        uint8_t form = plw_rd_byte(&d->r);
        CHECK_RD(d);
        if (form != 0x60)
            return malformed(d, "integer representation too long");
        uint8_t *lists[2];
        uint32_t counts[2];
        for (int k = 0; k < 2; k++) {
            TRY(read_count(d, 1, &counts[k]));
            lists[k] = alloc_n(d, counts[k], 1);
            if (!lists[k])
                return plu_err_nomem(d->err);
            for (uint32_t j = 0; j < counts[k]; j++)
                TRY(read_valtype(d, &lists[k][j]));
        }
        t->n_params = counts[0], t->params = lists[0];
        t->n_results = counts[1], t->results = lists[1];
        t->canon = i;
        for (uint32_t j = 0; j < i; j++)
            if (m->types[j].canon == j && plw_ftype_equal(&m->types[j], t)) {
                t->canon = j;
                break;
            }
    }
    return PL_OK;
}

/* Grow one of the index spaces by one entry (imports come before
** definitions, so the space is sized again when definitions arrive). */
static pl_status decode_import_desc(dec *d, plw_import *im, uint32_t *cap_funcs)
{
    plw_module *m = d->m;
    uint8_t kind = plw_rd_byte(&d->r);
    CHECK_RD(d);
    switch (kind) {
    case PLW_EXTERN_FUNC: {
        uint32_t ti = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (ti >= m->n_types)
            return invalid(d, "unknown type %u", ti);
        if (m->n_funcs == *cap_funcs)
            return plu_err_nomem(d->err); /* cannot happen: sized by the import count */
        m->funcs[m->n_funcs].type = ti;
        im->index = m->n_funcs++;
        m->n_func_imports++;
        break;
    }
    case PLW_EXTERN_TABLE:
        TRY(read_table_type(d, &m->tables[m->n_tables]));
        im->index = m->n_tables++;
        m->n_table_imports++;
        break;
    case PLW_EXTERN_MEMORY:
        TRY(read_limits(d, &m->mems[m->n_mems], PLW_MAX_PAGES, "memory"));
        im->index = m->n_mems++;
        m->n_mem_imports++;
        break;
    case PLW_EXTERN_GLOBAL:
        TRY(read_global_type(d, &m->globals[m->n_globals]));
        im->index = m->n_globals++;
        m->n_global_imports++;
        break;
    default:
        return malformed(d, "malformed import kind");
    }
    im->kind = (plw_extern_kind)kind;
    return PL_OK;
}

static pl_status decode_imports(dec *d)
{
    plw_module *m = d->m;
    TRY(read_count(d, 4, &m->n_imports));
    uint32_t n = m->n_imports;
    m->imports = alloc_n(d, n, sizeof *m->imports);
    /* Every index space can hold all the imports for now. */
    m->funcs = alloc_n(d, n, sizeof *m->funcs);
    m->tables = alloc_n(d, n, sizeof *m->tables);
    m->mems = alloc_n(d, n, sizeof *m->mems);
    m->globals = alloc_n(d, n, sizeof *m->globals);
    if (!m->imports || !m->funcs || !m->tables || !m->mems || !m->globals)
        return plu_err_nomem(d->err);
    uint32_t cap = n;
    for (uint32_t i = 0; i < n; i++) {
        plw_import *im = &m->imports[i];
        TRY(read_name(d, &im->module, &im->module_len));
        TRY(read_name(d, &im->name, &im->name_len));
        TRY(decode_import_desc(d, im, &cap));
    }
    if (m->n_mems > 1)
        return invalid(d, "multiple memories");
    return PL_OK;
}

/* Make room for `more` entries after the imported ones in an index space. */
static void *grow_space(dec *d, void *old, uint32_t have, uint32_t more, size_t size)
{
    void *p = alloc_n(d, (size_t)have + more, size);
    if (p && have)
        memcpy(p, old, (size_t)have * size);
    return p;
}

static pl_status decode_funcs(dec *d)
{
    plw_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, 1, &n));
    if ((uint64_t)m->n_funcs + n > PLW_MAX_FUNCS)
        return invalid(d, "too many functions");
    plw_func_decl *f = grow_space(d, m->funcs, m->n_funcs, n, sizeof *f);
    if (!f)
        return plu_err_nomem(d->err);
    m->funcs = f;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ti = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (ti >= m->n_types)
            return invalid(d, "unknown type %u", ti);
        m->funcs[m->n_funcs++].type = ti;
    }
    d->n_declared_funcs = n;
    return PL_OK;
}

static pl_status decode_tables(dec *d)
{
    plw_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, 3, &n));
    plw_table_type *t = grow_space(d, m->tables, m->n_tables, n, sizeof *t);
    if (!t)
        return plu_err_nomem(d->err);
    m->tables = t;
    for (uint32_t i = 0; i < n; i++)
        TRY(read_table_type(d, &m->tables[m->n_tables++]));
    return PL_OK;
}

static pl_status decode_mems(dec *d)
{
    plw_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, 2, &n));
    plw_limits_desc *l = grow_space(d, m->mems, m->n_mems, n, sizeof *l);
    if (!l)
        return plu_err_nomem(d->err);
    m->mems = l;
    for (uint32_t i = 0; i < n; i++)
        TRY(read_limits(d, &m->mems[m->n_mems++], PLW_MAX_PAGES, "memory"));
    if (m->n_mems > 1)
        return invalid(d, "multiple memories");
    return PL_OK;
}

static pl_status decode_globals(dec *d)
{
    plw_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, 3, &n)); /* type, mutability, end: at least 3 bytes */
    plw_global_type *g = grow_space(d, m->globals, m->n_globals, n, sizeof *g);
    if (!g)
        return plu_err_nomem(d->err);
    m->globals = g;
    for (uint32_t i = 0; i < n; i++) {
        plw_global_type *gt = &m->globals[m->n_globals];
        TRY(read_global_type(d, gt));
        /* Initialisers see only the imported globals. */
        TRY(read_cexpr(d, &gt->init, gt->type, m->n_global_imports));
        m->n_globals++;
    }
    return PL_OK;
}

static uint32_t space_size(const plw_module *m, plw_extern_kind k)
{
    switch (k) {
    case PLW_EXTERN_FUNC: return m->n_funcs;
    case PLW_EXTERN_TABLE: return m->n_tables;
    case PLW_EXTERN_MEMORY: return m->n_mems;
    default: return m->n_globals;
    }
}

static pl_status decode_exports(dec *d)
{
    static const char *const kinds[] = { "function", "table", "memory", "global" };
    plw_module *m = d->m;
    TRY(read_count(d, 3, &m->n_exports));
    m->exports = alloc_n(d, m->n_exports, sizeof *m->exports);
    if (!m->exports)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < m->n_exports; i++) {
        plw_export *e = &m->exports[i];
        TRY(read_name(d, &e->name, &e->name_len));
        uint8_t kind = plw_rd_byte(&d->r);
        e->index = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (kind > PLW_EXTERN_GLOBAL)
            return malformed(d, "malformed export kind");
        e->kind = (plw_extern_kind)kind;
        if (e->index >= space_size(m, e->kind))
            return invalid(d, "unknown %s %u", kinds[kind], e->index);
        if (e->kind == PLW_EXTERN_FUNC)
            m->declared_refs[e->index] = 1;
        for (uint32_t j = 0; j < i; j++)
            if (m->exports[j].name_len == e->name_len &&
                memcmp(m->exports[j].name, e->name, e->name_len) == 0)
                return invalid(d, "duplicate export name");
    }
    return PL_OK;
}

static pl_status decode_start(dec *d)
{
    plw_module *m = d->m;
    uint32_t f = plw_rd_u32(&d->r);
    CHECK_RD(d);
    if (f >= m->n_funcs)
        return invalid(d, "unknown function %u", f);
    const plw_ftype *t = &m->types[m->funcs[f].type];
    if (t->n_params || t->n_results)
        return invalid(d, "start function must have type [] -> []");
    m->start = f;
    return PL_OK;
}

/* The element list of a segment: function indices or expressions. */
static pl_status decode_elem_items(dec *d, plw_elem *e, bool exprs)
{
    plw_module *m = d->m;
    TRY(read_count(d, 1, &e->n));
    e->items = alloc_n(d, e->n, sizeof *e->items);
    if (!e->items)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < e->n; i++) {
        plw_cexpr *x = &e->items[i];
        if (exprs) {
            TRY(read_cexpr(d, x, e->type, m->n_global_imports));
            continue;
        }
        x->kind = PLW_CE_REF_FUNC;
        x->index = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (x->index >= m->n_funcs)
            return invalid(d, "unknown function %u", x->index);
        m->declared_refs[x->index] = 1;
    }
    return PL_OK;
}

static pl_status decode_elem(dec *d, plw_elem *e)
{
    plw_module *m = d->m;
    uint32_t flags = plw_rd_u32(&d->r);
    CHECK_RD(d);
    if (flags > 7)
        return malformed(d, "malformed elements segment kind");
    bool passive_or_decl = flags & 1, explicit_table = flags & 2, exprs = flags & 4;
    e->mode = !passive_or_decl ? PLW_SEG_ACTIVE
              : explicit_table ? PLW_SEG_DECLARATIVE : PLW_SEG_PASSIVE;
    e->type = PLW_FUNCREF;
    if (e->mode == PLW_SEG_ACTIVE) {
        if (explicit_table) {
            e->table = plw_rd_u32(&d->r);
            CHECK_RD(d);
        }
        if (e->table >= m->n_tables)
            return invalid(d, "unknown table %u", e->table);
        TRY(read_cexpr(d, &e->offset, PLW_I32, m->n_global_imports));
    }
    if (flags & 3) { /* an element kind or reference type follows */
        if (exprs) {
            TRY(read_reftype(d, &e->type));
        } else {
            uint8_t kind = plw_rd_byte(&d->r);
            CHECK_RD(d);
            if (kind != 0x00)
                return malformed(d, "malformed element kind");
        }
    }
    TRY(decode_elem_items(d, e, exprs));
    if (e->mode == PLW_SEG_ACTIVE && m->tables[e->table].elem != e->type)
        return invalid(d, "type mismatch: %s segment for a %s table", plw_type_name(e->type),
                       plw_type_name(m->tables[e->table].elem));
    return PL_OK;
}

static pl_status decode_elems(dec *d)
{
    plw_module *m = d->m;
    TRY(read_count(d, 1, &m->n_elems));
    m->elems = alloc_n(d, m->n_elems, sizeof *m->elems);
    if (!m->elems)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < m->n_elems; i++)
        TRY(decode_elem(d, &m->elems[i]));
    return PL_OK;
}

static pl_status decode_datacount(dec *d)
{
    uint32_t n = plw_rd_u32(&d->r);
    CHECK_RD(d);
    d->m->data_count = n;
    return PL_OK;
}

/* Frame every body (size, then the bytes); compile.c reads them later. */
static pl_status decode_code(dec *d)
{
    plw_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, 1, &n));
    if (n != d->n_declared_funcs)
        return malformed(d, "function and code section have inconsistent lengths");
    m->codes = alloc_n(d, n, sizeof *m->codes);
    if (!m->codes)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if ((size_t)(d->r.end - d->r.p) < size) {
            d->r.p = d->r.end;
            return malformed(d, "unexpected end of section or function");
        }
        plw_code *c = &m->codes[i];
        c->body_off = (uint32_t)(d->r.p - d->r.base);
        c->n_words = size; /* the body's byte length until compiled */
        m->funcs[m->n_func_imports + i].code = c;
        d->r.p += size;
    }
    d->have_code = true;
    return PL_OK;
}

static pl_status decode_datas(dec *d)
{
    plw_module *m = d->m;
    TRY(read_count(d, 1, &m->n_datas));
    if (m->data_count >= 0 && m->n_datas != (uint64_t)m->data_count)
        return malformed(d, "data count and data section have inconsistent lengths");
    m->datas = alloc_n(d, m->n_datas, sizeof *m->datas);
    if (!m->datas)
        return plu_err_nomem(d->err);
    for (uint32_t i = 0; i < m->n_datas; i++) {
        plw_data *s = &m->datas[i];
        uint32_t flags = plw_rd_u32(&d->r);
        CHECK_RD(d);
        if (flags > 2)
            return malformed(d, "malformed data segment kind");
        s->mode = flags == 1 ? PLW_SEG_PASSIVE : PLW_SEG_ACTIVE;
        if (flags == 2) {
            s->mem = plw_rd_u32(&d->r);
            CHECK_RD(d);
        }
        if (s->mode == PLW_SEG_ACTIVE) {
            if (s->mem >= m->n_mems)
                return invalid(d, "unknown memory %u", s->mem);
            TRY(read_cexpr(d, &s->offset, PLW_I32, m->n_global_imports));
        }
        s->len = plw_rd_u32(&d->r);
        s->bytes = plw_rd_bytes(&d->r, s->len);
        CHECK_RD(d);
    }
    return PL_OK;
}

static pl_status decode_custom(dec *d)
{
    plw_module *m = d->m;
    char *name;
    TRY(read_name(d, &name, NULL));
    plw_custom *c = grow_space(d, m->customs, m->n_customs, 1, sizeof *c);
    if (!c)
        return plu_err_nomem(d->err);
    m->customs = c;
    c[m->n_customs].name = name;
    c[m->n_customs].data = d->r.p;
    c[m->n_customs].len = (size_t)(d->r.end - d->r.p);
    m->n_customs++;
    d->r.p = d->r.end;
    return PL_OK;
}

typedef pl_status (*section_fn)(dec *d);

static const section_fn section_decoders[] = {
    [SEC_CUSTOM] = decode_custom, [SEC_TYPE] = decode_types,   [SEC_IMPORT] = decode_imports,
    [SEC_FUNC] = decode_funcs,    [SEC_TABLE] = decode_tables, [SEC_MEM] = decode_mems,
    [SEC_GLOBAL] = decode_globals, [SEC_EXPORT] = decode_exports, [SEC_START] = decode_start,
    [SEC_ELEM] = decode_elems,    [SEC_CODE] = decode_code,   [SEC_DATA] = decode_datas,
    [SEC_DATACOUNT] = decode_datacount,
};

/* Sections that refer to functions need the declared-refs table sized for
** the whole function space, which is known once the function section is
** read (or skipped). */
static pl_status ensure_declared_refs(dec *d)
{
    plw_module *m = d->m;
    if (!m->declared_refs) {
        m->declared_refs = alloc_n(d, m->n_funcs, 1);
        if (!m->declared_refs)
            return plu_err_nomem(d->err);
    }
    return PL_OK;
}

static pl_status decode_section(dec *d, uint8_t id, const uint8_t *end)
{
    plw_rd outer = d->r;
    d->r.end = end;
    if (id >= SEC_GLOBAL && id != SEC_DATACOUNT)
        TRY(ensure_declared_refs(d));
    TRY(section_decoders[id](d));
    if (d->r.p != end)
        return malformed(d, "section size mismatch");
    outer.p = end;
    d->r = outer;
    return PL_OK;
}

static pl_status decode_header(dec *d)
{
    const uint8_t *magic = plw_rd_bytes(&d->r, 4);
    if (!magic || memcmp(magic, "\0asm", 4) != 0)
        return malformed(d, "magic header not detected");
    const uint8_t *version = plw_rd_bytes(&d->r, 4);
    if (!version || plw_rd32(version) != 1)
        return malformed(d, "unknown binary version");
    return PL_OK;
}

pl_status plw_decode(plw_module *m, pl_err *err)
{
    dec d = { .m = m, .err = err };
    d.r = (plw_rd){ .p = m->bytes, .end = m->bytes + m->len, .base = m->bytes };
    m->start = -1;
    m->data_count = -1;
    TRY(decode_header(&d));
    int last_rank = 0;
    while (d.r.p < d.r.end) {
        uint8_t id = plw_rd_byte(&d.r);
        uint32_t size = plw_rd_u32(&d.r);
        CHECK_RD(&d);
        if (id > SEC_DATACOUNT)
            return malformed(&d, "malformed section id");
        if ((size_t)(d.r.end - d.r.p) < size)
            return malformed(&d, "section size mismatch: unexpected end");
        if (id != SEC_CUSTOM) {
            if (section_rank(id) <= last_rank)
                return malformed(&d, "unexpected content after last section");
            last_rank = section_rank(id);
        }
        TRY(decode_section(&d, id, d.r.p + size));
    }
    TRY(ensure_declared_refs(&d));
    if (!d.have_code && d.n_declared_funcs)
        return malformed(&d, "function and code section have inconsistent lengths");
    if (m->data_count >= 0 && m->n_datas != (uint64_t)m->data_count)
        return malformed(&d, "data count and data section have inconsistent lengths");
    return PL_OK;
}
