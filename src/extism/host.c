/*
** host.c — ple_host: the options copied, the module's Extism imports
** checked, and the linker built, once per module.
**
** Only the Extism functions the module actually imports are put on the
** linker: instantiation resolves each import by searching the linker, so
** a short linker keeps plugin creation cheap.
*/
#include <stdio.h>
#include <string.h>

#include "extism/extism_int.h"

#define ENV_MODULE "extism:host/env"
#define USER_MODULE "extism:host/user"
#define OLD_MODULE "env"
#define OLD_PREFIX "extism_"

#define DEFAULT_MAX_HTTP (50u * 1024u * 1024u)
#define DEFAULT_MAX_VARS (1024u * 1024u)

void ple_options_init(ple_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_http_response_bytes = DEFAULT_MAX_HTTP;
    o->max_var_bytes = DEFAULT_MAX_VARS;
    o->log_level = PLE_LOG_INFO;
}

/* ---- copying the options ------------------------------------------------------------ */

static char *dup_str(ple_host *h, const char *s)
{
    return s ? plu_arena_strndup(&h->arena, s, strlen(s)) : NULL;
}

static pl_status copy_config(ple_host *h, const ple_options *o)
{
    h->conf = plu_arena_alloc(&h->arena, (o->n_config ? o->n_config : 1) * sizeof *h->conf);
    if (!h->conf)
        return PL_E_NOMEM;
    for (size_t i = 0; i < o->n_config; i++) {
        const ple_kv *kv = &o->config[i];
        if (!kv->key || !kv->value)
            return PL_E_INVALID_ARG;
        ple_conf *c = &h->conf[h->n_conf++];
        c->key = dup_str(h, kv->key);
        c->value = dup_str(h, kv->value);
        if (!c->key || !c->value)
            return PL_E_NOMEM;
        c->klen = strlen(c->key);
        c->vlen = strlen(c->value);
    }
    return PL_OK;
}

static pl_status copy_hosts(ple_host *h, const ple_options *o)
{
    char **hosts = plu_arena_alloc(&h->arena, (o->n_allowed_hosts + 1) * sizeof *hosts);
    if (!hosts)
        return PL_E_NOMEM;
    for (size_t i = 0; i < o->n_allowed_hosts; i++)
        if (!o->allowed_hosts[i] || !(hosts[i] = dup_str(h, o->allowed_hosts[i])))
            return o->allowed_hosts[i] ? PL_E_NOMEM : PL_E_INVALID_ARG;
    h->o.allowed_hosts = (const char *const *)hosts;
    return PL_OK;
}

static pl_status copy_fns(ple_host *h, const ple_options *o)
{
    ple_host_fn *fns = plu_arena_alloc(&h->arena, (o->n_host_fns + 1) * sizeof *fns);
    if (!fns)
        return PL_E_NOMEM;
    for (size_t i = 0; i < o->n_host_fns; i++) {
        const ple_host_fn *f = &o->host_fns[i];
        if (!f->name || !f->sig || !f->fn)
            return PL_E_INVALID_ARG;
        fns[i] = *f;
        fns[i].module = dup_str(h, f->module ? f->module : USER_MODULE);
        fns[i].name = dup_str(h, f->name);
        fns[i].sig = dup_str(h, f->sig);
        if (!fns[i].module || !fns[i].name || !fns[i].sig)
            return PL_E_NOMEM;
    }
    h->o.host_fns = fns;
    return PL_OK;
}

static pl_status copy_options(ple_host *h, const ple_options *o, pl_err *err)
{
    h->o = *o;
    h->o.config = NULL;
    h->o.n_config = 0;
    pl_status st = copy_config(h, o);
    if (st == PL_OK)
        st = copy_hosts(h, o);
    if (st == PL_OK)
        st = copy_fns(h, o);
    if (st == PL_E_NOMEM)
        return plu_err_nomem(err);
    if (st != PL_OK)
        return plu_errf(err, st, NULL, "extism: a NULL string in the options");
    h->mem_limit = o->limits.mem_bytes ? o->limits.mem_bytes : PLW_DEFAULT_MEM_BYTES;
    return PL_OK;
}

/* ---- checking the imports --------------------------------------------------------- */

static char letter(uint8_t t)
{
    switch (t) {
    case PLW_I32: return 'i';
    case PLW_I64: return 'I';
    case PLW_F32: return 'f';
    case PLW_F64: return 'F';
    case PLW_FUNCREF: return 'r';
    case PLW_EXTERNREF: return 'e';
    default: return '?';
    }
}

/* A functype as a plw signature ("(I)I"). */
static void sig_of(const plw_functype *t, char *out, size_t n)
{
    size_t k = 0;
    out[k++] = '(';
    for (uint32_t i = 0; i < t->n_params && k + 3 < n; i++)
        out[k++] = letter(t->params[i]);
    out[k++] = ')';
    for (uint32_t i = 0; i < t->n_results && k + 1 < n; i++)
        out[k++] = letter(t->results[i]);
    out[k] = '\0';
}

static bool is_user_fn(const ple_host *h, const char *module, const char *name)
{
    for (size_t i = 0; i < h->o.n_host_fns; i++)
        if (!strcmp(h->o.host_fns[i].module, module) && !strcmp(h->o.host_fns[i].name, name))
            return true;
    return false;
}

/* Was import i's module.name already seen at an earlier index? */
static bool seen_before(const plw_module *m, size_t i, const plw_extern_info *x)
{
    plw_extern_info y;
    for (size_t j = 0; j < i; j++)
        if (plw_module_import(m, j, &y) && !strcmp(y.module, x->module) &&
            !strcmp(y.name, x->name))
            return true;
    return false;
}

/* Check one Extism import (short name `name`) and put it on the linker. */
static pl_status link_import(ple_host *h, const plw_extern_info *x, const char *name,
                             bool dup, pl_err *err)
{
    const char *mn = plw_module_name(h->mod);
    const ple_import *imp = ple_import_find(name);
    if (!imp && is_user_fn(h, x->module, x->name))
        return PL_OK;
    if (!imp)
        return plu_errf(err, PL_E_UNSUPPORTED, NULL,
                        "%s: imports unknown function %s.%s: this host may be older than the "
                        "plugin's PDK", mn, x->module, x->name);
    if (x->kind != PLW_EXTERN_FUNC)
        return plu_errf(err, PL_E_UNSUPPORTED, NULL, "%s: imports %s.%s as a non-function: "
                        "plugins can only import functions of the Extism kernel",
                        mn, x->module, x->name);
    char sig[64];
    sig_of(&x->func, sig, sizeof sig);
    if (strcmp(sig, imp->sig) != 0)
        return plu_errf(err, PL_E_UNSUPPORTED, NULL, "%s: imports %s.%s with type %s, not %s",
                        mn, x->module, x->name, sig, imp->sig);
    if (dup)
        return PL_OK;
    pl_status st = imp->fast
                       ? plw_linker_fast(h->linker, x->module, x->name, imp->sig, imp->fast)
                       : plw_linker_func(h->linker, x->module, x->name, imp->sig, imp->fn, NULL);
    return st == PL_OK ? PL_OK : plu_errf(err, st, NULL, "extism: cannot link %s", x->name);
}

static pl_status link_extism(ple_host *h, pl_err *err)
{
    size_t n = plw_module_import_count(h->mod);
    for (size_t i = 0; i < n; i++) {
        plw_extern_info x;
        if (!plw_module_import(h->mod, i, &x))
            continue;
        const char *name = NULL;
        if (!strcmp(x.module, ENV_MODULE))
            name = x.name;
        else if (!strcmp(x.module, OLD_MODULE) && !strncmp(x.name, OLD_PREFIX, 7))
            name = x.name + 7;
        if (!name)
            continue;
        pl_status st = link_import(h, &x, name, seen_before(h->mod, i, &x), err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

static void *wasi_state_of(plw_instance *inst)
{
    const ple_plugin *p = plw_instance_data(inst);
    return p ? p->wasi : NULL;
}

/* WASI and user functions first, then the Extism ones: the linker finds
** the newest definition first, and Extism imports are the most numerous. */
static pl_status build_linker(ple_host *h, pl_err *err)
{
    if (h->o.linker) {
        h->linker = h->o.linker;
    } else {
        if (plw_linker_new(&h->linker) != PL_OK)
            return plu_err_nomem(err);
        h->own_linker = true;
    }
    if (h->o.wasi) {
        pl_status st = h->o.wasi->link(h->linker, wasi_state_of, err);
        if (st != PL_OK)
            return st;
    }
    for (size_t i = 0; i < h->o.n_host_fns; i++) {
        const ple_host_fn *f = &h->o.host_fns[i];
        pl_status st = plw_linker_func(h->linker, f->module, f->name, f->sig, f->fn, f->user);
        if (st != PL_OK)
            return plu_errf(err, st, NULL, "extism: host function %s.%s: %s", f->module,
                            f->name, st == PL_E_NOMEM ? "out of memory" : "bad signature");
    }
    return link_extism(h, err);
}

/* Which runtime initialisation functions the module exports. */
static void detect_init(ple_host *h)
{
    size_t n = plw_module_export_count(h->mod);
    for (size_t i = 0; i < n; i++) {
        plw_extern_info x;
        if (!plw_module_export(h->mod, i, &x) || x.kind != PLW_EXTERN_FUNC)
            continue;
        bool unit = x.func.n_params == 0 && x.func.n_results == 0;
        if (!strcmp(x.name, "hs_init") && x.func.n_results == 0 && x.func.n_params <= 2)
            h->has_hs_init = true;
        else if (!strcmp(x.name, "__wasm_call_ctors") && unit)
            h->has_ctors = true;
        else if (!strcmp(x.name, "_initialize") && unit)
            h->has_initialize = true;
    }
}

pl_status ple_host_new(plw_module *m, const ple_options *o, ple_host **out, pl_err *err)
{
    if (!m || !o || !out)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "ple_host_new: NULL argument");
    *out = NULL;
    if (o->wasi && (!o->wasi->state_new || !o->wasi->state_free || !o->wasi->link))
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "ple_host_new: incomplete WASI hooks");
    ple_host *h = plu_calloc(1, sizeof *h);
    if (!h)
        return plu_err_nomem(err);
    h->magic = PLE_HOST_MAGIC;
    h->mod = m;
    plu_arena_init(&h->arena);
    pl_status st = copy_options(h, o, err);
    if (st == PL_OK)
        st = build_linker(h, err);
    if (st != PL_OK) {
        ple_host_free(h);
        return st;
    }
    detect_init(h);
    *out = h;
    return PL_OK;
}

void ple_host_free(ple_host *h)
{
    if (!h || h->magic != PLE_HOST_MAGIC)
        return;
    if (h->own_linker)
        plw_linker_free(h->linker);
    plu_arena_free(&h->arena);
    h->magic = 0;
    plu_free(h);
}
