/*
** linker.c — what imports resolve to: host functions registered by module
** and name with a signature, and the exports of other instances (the
** spec's "register"). Resolution happens once, at instantiation.
*/
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "wasm_int.h"

struct plw_link {
    char *module, *name;
    uint32_t module_len, name_len;
    plw_extern_kind kind;
    plw_ftype type;          /* host functions */
    plw_host_fn fn;
    void *user;
    plw_fast_fn fast;        /* a light host function */
    plw_instance *inst;      /* an instance's export */
    uint32_t index;
};

/* Links are found through a hash of module and name (open addressing,
** at most half full), so instantiating a module with many imports does not
** compare every import with every definition. */
struct plw_linker {
    plu_arena arena;
    plw_link *links;
    uint32_t n, cap;
    uint32_t *index;   /* link number + 1, 0 = empty */
    uint32_t n_index;  /* a power of two */
};

static uint32_t hash_name(const char *module, size_t ml, const char *name, size_t nl)
{
    uint32_t h = 2166136261u; /* FNV-1a over module, a separator, name */
    for (size_t i = 0; i < ml; i++)
        h = (h ^ (uint8_t)module[i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (size_t i = 0; i < nl; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static bool same(const plw_link *k, const char *module, size_t ml, const char *name, size_t nl)
{
    return k->module_len == ml && k->name_len == nl && memcmp(k->module, module, ml) == 0 &&
           memcmp(k->name, name, nl) == 0;
}

/* Put link i in the index; a later definition of a name replaces the earlier. */
static void index_put(plw_linker *l, uint32_t i)
{
    const plw_link *k = &l->links[i];
    uint32_t mask = l->n_index - 1;
    for (uint32_t at = hash_name(k->module, k->module_len, k->name, k->name_len) & mask;;
         at = (at + 1) & mask) {
        uint32_t e = l->index[at];
        if (!e || same(&l->links[e - 1], k->module, k->module_len, k->name, k->name_len)) {
            l->index[at] = i + 1;
            return;
        }
    }
}

static bool index_grow(plw_linker *l)
{
    uint32_t n = l->n_index ? l->n_index * 2 : 64;
    uint32_t *ix = plu_calloc(n, sizeof *ix);
    if (!ix)
        return false;
    plu_free(l->index);
    l->index = ix;
    l->n_index = n;
    for (uint32_t i = 0; i < l->n; i++)
        index_put(l, i);
    return true;
}

pl_status plw_linker_new(plw_linker **out)
{
    plw_linker *l = plu_calloc(1, sizeof *l);
    if (!l)
        return PL_E_NOMEM;
    plu_arena_init(&l->arena);
    *out = l;
    return PL_OK;
}

void plw_linker_free(plw_linker *l)
{
    if (!l)
        return;
    plu_free(l->links);
    plu_free(l->index);
    plu_arena_free(&l->arena);
    plu_free(l);
}

void *plw_linker_alloc(plw_linker *l, size_t n) { return plu_arena_alloc(&l->arena, n); }

static plw_link *add_link(plw_linker *l, const char *module, const char *name)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        plw_link *p = plu_realloc(l->links, cap * sizeof *p);
        if (!p)
            return NULL;
        l->links = p;
        l->cap = cap;
    }
    plw_link *k = &l->links[l->n];
    memset(k, 0, sizeof *k);
    k->module_len = (uint32_t)strlen(module);
    k->name_len = (uint32_t)strlen(name);
    k->module = plu_arena_strndup(&l->arena, module, k->module_len);
    k->name = plu_arena_strndup(&l->arena, name, k->name_len);
    if (!k->module || !k->name)
        return NULL;
    if ((l->n + 1) * 2 > l->n_index && !index_grow(l))
        return NULL;
    l->n++;
    index_put(l, l->n - 1);
    return k;
}

static int type_letter(char ch)
{
    switch (ch) {
    case 'i': return PLW_I32;
    case 'I': return PLW_I64;
    case 'f': return PLW_F32;
    case 'F': return PLW_F64;
    case 'r': return PLW_FUNCREF;
    case 'e': return PLW_EXTERNREF;
    default: return -1;
    }
}

/* "(ii)I" -> params i32 i32, results i64. */
static pl_status parse_sig(plu_arena *a, const char *sig, plw_ftype *t)
{
    const char *close = sig[0] == '(' ? strchr(sig, ')') : NULL;
    if (!close)
        return PL_E_INVALID_ARG;
    size_t np = (size_t)(close - sig - 1), nr = strlen(close + 1);
    uint8_t *types = plu_arena_alloc(a, np + nr + 1);
    if (!types)
        return PL_E_NOMEM;
    for (size_t i = 0; i < np + nr; i++) {
        int t8 = type_letter(i < np ? sig[1 + i] : close[1 + i - np]);
        if (t8 < 0)
            return PL_E_INVALID_ARG;
        types[i] = (uint8_t)t8;
    }
    *t = (plw_ftype){ .n_params = (uint32_t)np, .n_results = (uint32_t)nr, .params = types,
                      .results = types + np };
    return PL_OK;
}

pl_status plw_linker_func(plw_linker *l, const char *module, const char *name,
                          const char *sig, plw_host_fn fn, void *user)
{
    if (!l || !module || !name || !sig || !fn)
        return PL_E_INVALID_ARG;
    plw_ftype t;
    pl_status st = parse_sig(&l->arena, sig, &t);
    if (st != PL_OK)
        return st;
    plw_link *k = add_link(l, module, name);
    if (!k)
        return PL_E_NOMEM;
    k->kind = PLW_EXTERN_FUNC;
    k->type = t;
    k->fn = fn;
    k->user = user;
    return PL_OK;
}

/* How a light function is called when the engine goes the general way
** (plw_call, a call through a table, a call from another instance). */
static int fast_trampoline(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    (void)user;
    slots[0] = cx->fn->fast(cx->data, slots);
    return 0;
}

pl_status plw_linker_fast(plw_linker *l, const char *module, const char *name,
                          const char *sig, plw_fast_fn fn)
{
    if (!fn)
        return PL_E_INVALID_ARG;
    if (!l || !sig)
        return PL_E_INVALID_ARG;
    /* The result goes to the first argument cell: there must be one, and
    ** at most one result. */
    plw_ftype t;
    pl_status st = parse_sig(&l->arena, sig, &t);
    if (st != PL_OK)
        return st;
    if (t.n_results > 1 || t.n_params + t.n_results == 0)
        return PL_E_INVALID_ARG;
    st = plw_linker_func(l, module, name, sig, fast_trampoline, NULL);
    if (st == PL_OK)
        l->links[l->n - 1].fast = fn;
    return st;
}

pl_status plw_linker_instance(plw_linker *l, const char *module, plw_instance *inst)
{
    if (!l || !module || !inst)
        return PL_E_INVALID_ARG;
    const plw_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        plw_link *k = add_link(l, module, m->exports[i].name);
        if (!k)
            return PL_E_NOMEM;
        k->kind = m->exports[i].kind;
        k->inst = inst;
        k->index = m->exports[i].index;
    }
    return PL_OK;
}

/* The newest definition of module.name (names compared byte for byte). */
const plw_link *plw_linker_find(const plw_linker *l, const plw_import *im)
{
    if (!l || !l->n_index)
        return NULL;
    uint32_t mask = l->n_index - 1;
    for (uint32_t at = hash_name(im->module, im->module_len, im->name, im->name_len) & mask;;
         at = (at + 1) & mask) {
        uint32_t e = l->index[at];
        if (!e)
            return NULL;
        const plw_link *k = &l->links[e - 1];
        if (same(k, im->module, im->module_len, im->name, im->name_len))
            return k;
    }
}

/* Accessors for instance.c, which keeps plw_link opaque. */
plw_extern_kind plw_link_kind(const plw_link *k) { return k->kind; }
plw_instance *plw_link_instance(const plw_link *k, uint32_t *index)
{
    *index = k->index;
    return k->inst;
}
const plw_ftype *plw_link_host(const plw_link *k, plw_host_fn *fn, void **user,
                              plw_fast_fn *fast)
{
    *fn = k->fn;
    *user = k->user;
    *fast = k->fast;
    return &k->type;
}

/* ---- inside host functions ---------------------------------------------------------- */

plw_instance *plw_host_instance(plw_host_ctx *cx) { return cx->inst; }

int plw_host_trap(plw_host_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->ex->host_msg, sizeof cx->ex->host_msg, fmt, ap);
    va_end(ap);
    return -1;
}

int plw_host_exit(plw_host_ctx *cx, int32_t code)
{
    cx->ex->exit_code = code;
    cx->exited = true;
    return -1;
}

uint64_t plw_host_time_left(plw_host_ctx *cx)
{
    plw_exec *ex = cx->ex;
    if (!ex->timeout_ns)
        return UINT64_MAX;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (!ex->deadline_ns)
        ex->deadline_ns = plw_deadline_after(now, ex->timeout_ns);
    return ex->deadline_ns > now ? ex->deadline_ns - now : 0;
}

void plw_host_interrupt(plw_host_ctx *cx)
{
    if (cx->ex->interrupt)
        atomic_store_explicit(cx->ex->interrupt, 1, memory_order_relaxed);
}

bool plw_host_interrupted(plw_host_ctx *cx)
{
    const plw_exec *ex = cx->ex;
    return (ex->interrupt && atomic_load_explicit(ex->interrupt, memory_order_relaxed)) ||
           (ex->cancel && atomic_load_explicit(ex->cancel, memory_order_relaxed));
}

int plw_host_end(plw_host_ctx *cx, plw_trap_kind why)
{
    cx->ended = why == PLW_TRAP_TIMEOUT ? PLW_TRAP_TIMEOUT : PLW_TRAP_INTERRUPTED;
    return -1;
}
