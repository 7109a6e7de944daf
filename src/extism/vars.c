/*
** vars.c — `var_get` / `var_set`: a byte map per plugin instance, kept in
** host memory so that it outlives Extism memory's reset between calls. Not
** shared between instances (Extism keeps them isolated on purpose).
**
** A few entries are the norm, so a linear array is the whole data
** structure. The size cap counts key + value + PLE_VAR_OVERHEAD per entry,
** as the Rust host does, over the map as it would be after the set.
*/
#include <string.h>

#include "extism/extism_int.h"

#define NO_PLUGIN "Extism functions cannot run in the module's start function"

static ple_var *find_var(ple_plugin *p, const uint8_t *k, size_t n)
{
    for (size_t i = 0; i < p->n_vars; i++)
        if (p->vars[i].klen == n && memcmp(p->vars[i].key, k, n) == 0)
            return &p->vars[i];
    return NULL;
}

static size_t entry_bytes(size_t klen, size_t vlen) { return klen + vlen + PLE_VAR_OVERHEAD; }

static void remove_var(ple_plugin *p, ple_var *v)
{
    p->var_bytes -= entry_bytes(v->klen, v->vlen);
    plu_free(v->key);
    plu_free(v->val);
    *v = p->vars[--p->n_vars];
}

void ple_vars_free(ple_plugin *p)
{
    while (p->n_vars)
        remove_var(p, &p->vars[0]);
    plu_free(p->vars);
    p->vars = NULL;
    p->cap_vars = 0;
}

/* Store a copy of val under key; -1 on out of memory (nothing changed). */
static int put_var(ple_plugin *p, ple_var *old, const uint8_t *k, size_t kn, const uint8_t *val,
                   size_t vn)
{
    uint8_t *copy = plu_malloc(vn ? vn : 1);
    if (!copy)
        return -1;
    memcpy(copy, val, vn);
    if (old) {
        p->var_bytes = p->var_bytes - old->vlen + vn;
        plu_free(old->val);
        old->val = copy;
        old->vlen = vn;
        return 0;
    }
    if (p->n_vars == p->cap_vars) {
        size_t cap = p->cap_vars ? p->cap_vars * 2 : 8;
        ple_var *nv = plu_realloc(p->vars, cap * sizeof *nv);
        if (!nv)
            goto nomem;
        p->vars = nv;
        p->cap_vars = cap;
    }
    char *key = plu_strndup((const char *)k, kn);
    if (!key)
        goto nomem;
    p->vars[p->n_vars++] = (ple_var){ key, kn, copy, vn };
    p->var_bytes += entry_bytes(kn, vn);
    return 0;
nomem:
    plu_free(copy);
    return -1;
}

/* The value in a new block (0 when absent or empty); the key is consumed. */
int ple_var_get(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    const uint8_t *k;
    size_t n;
    if (!ple_block_bytes(p, s[0], &k, &n))
        return ple_fail(cx, p, PL_E_INVALID_ARG, "invalid handle offset for var key: %llu",
                        (unsigned long long)s[0]);
    const ple_var *v = find_var(p, k, n);
    uint64_t key = s[0];
    s[0] = v ? ple_alloc_bytes(p, v->val, v->vlen) : 0;
    if (v && v->vlen && !s[0])
        return ple_fail(cx, p, PL_E_LIMIT, "var_get: out of Extism memory");
    ple_mem_free_later(&p->mem, key);
    return 0;
}

/* value 0 deletes the key; both blocks are consumed. */
int ple_var_set(plw_host_ctx *cx, plw_cell *s, void *u)
{
    (void)u;
    ple_plugin *p = ple_cx(cx);
    if (!p)
        return plw_host_trap(cx, NO_PLUGIN);
    size_t max = p->host->o.max_var_bytes;
    if (max == 0)
        return ple_fail(cx, p, PL_E_DENIED, "Vars are disabled by this host");
    const uint8_t *k, *val;
    size_t kn, vn;
    if (!ple_block_bytes(p, s[0], &k, &kn))
        return ple_fail(cx, p, PL_E_INVALID_ARG, "invalid handle offset for var key: %llu",
                        (unsigned long long)s[0]);
    ple_var *old = find_var(p, k, kn);
    if (s[1] == 0) {
        if (old)
            remove_var(p, old);
    } else {
        if (!ple_block_bytes(p, s[1], &val, &vn))
            return ple_fail(cx, p, PL_E_INVALID_ARG, "invalid handle offset for var value: %llu",
                            (unsigned long long)s[1]);
        size_t after = p->var_bytes - (old ? entry_bytes(old->klen, old->vlen) : 0) +
                       entry_bytes(kn, vn);
        if (after > max)
            return ple_fail(cx, p, PL_E_LIMIT, "Variable store is full (%zu of %zu bytes)",
                            after, max);
        if (put_var(p, old, k, kn, val, vn) != 0)
            return ple_fail(cx, p, PL_E_NOMEM, "var_set: out of memory");
    }
    ple_mem_free_later(&p->mem, s[0]);
    ple_mem_free_later(&p->mem, s[1]);
    return 0;
}
