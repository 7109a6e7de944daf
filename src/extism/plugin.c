/*
** plugin.c — ple_plugin: an instance of the host's module with its Extism
** memory, vars and WASI state, and the runtime initialisation.
**
** Initialisation runs once per instance, right after instantiation, in
** the Rust host's order (extism/extism runtime/src/plugin.rs): a GHC
** module (hs_init exported) gets _initialize and then hs_init(0, 0);
** otherwise __wasm_call_ctors runs if exported, else _initialize. Only one
** of the last two: a wasi-libc reactor's _initialize runs the constructors
** itself, so calling both would run them twice.
*/
#include <string.h>

#include "extism/extism_int.h"

/* Call an initialisation export with zero arguments (hs_init(0, 0)). */
static pl_status run_init(ple_plugin *p, const char *name, pl_err *err)
{
    const plw_func *f = plw_instance_func(p->inst, name);
    if (!f)
        return PL_OK;
    const ple_host *h = p->host;
    plw_call_opts co = { .fuel = h->o.limits.start_fuel,
                         .timeout_ns = h->o.limits.start_timeout_ns,
                         .cancel = &p->cancel };
    plw_cell args[2] = { 0, 0 }, res[1];
    p->fail = PL_OK;
    atomic_store(&p->cancel, 0);
    p->in_call = true;
    pl_status st = plw_call(p->inst, f, args, res, &co, NULL, err);
    p->in_call = false;
    if (st == PL_OK)
        return PL_OK;
    if (p->fail != PL_OK)
        st = plu_errf(err, p->fail, NULL, "%s", p->fail_msg);
    plu_err_prefix(err, "%s", name);
    return st;
}

static pl_status initialise(ple_plugin *p, pl_err *err)
{
    const ple_host *h = p->host;
    pl_status st = PL_OK;
    ple_mem_reset(&p->mem);
    if (h->has_hs_init) {
        if (h->has_initialize)
            st = run_init(p, "_initialize", err);
        if (st == PL_OK)
            st = run_init(p, "hs_init", err);
    } else if (h->has_ctors) {
        st = run_init(p, "__wasm_call_ctors", err);
    } else if (h->has_initialize) {
        st = run_init(p, "_initialize", err);
    }
    ple_mem_reset(&p->mem);
    return st;
}

void ple_instance_drop(ple_plugin *p)
{
    plw_instance_free(p->inst);
    p->inst = NULL;
    if (p->wasi)
        p->host->o.wasi->state_free(p->wasi);
    p->wasi = NULL;
    plu_free(p->last_name);
    p->last_name = NULL;
    p->last_fn = NULL;
    p->renew_next = false;
}

pl_status ple_instance_make(ple_plugin *p, pl_err *err)
{
    const ple_host *h = p->host;
    if (h->o.wasi && !(p->wasi = h->o.wasi->state_new(h->o.wasi->config, err)))
        return err && err->status != PL_OK ? err->status : plu_err_nomem(err);
    pl_status st = plw_instantiate_data(h->mod, h->linker, &h->o.limits, p, &p->inst, err);
    if (st == PL_OK)
        st = initialise(p, err);
    if (st != PL_OK)
        ple_instance_drop(p);
    return st;
}

pl_status ple_plugin_new(ple_host *h, ple_plugin **out, pl_err *err)
{
    if (!h || h->magic != PLE_HOST_MAGIC || !out)
        return plu_errf(err, PL_E_MISUSE, NULL, "ple_plugin_new: not a host");
    *out = NULL;
    ple_plugin *p = plu_calloc(1, sizeof *p);
    if (!p)
        return plu_err_nomem(err);
    p->magic = PLE_PLUGIN_MAGIC;
    p->host = h;
    ple_mem_init(&p->mem, h->mem_limit);
    atomic_init(&p->cancel, 0);
    p->watch = &p->cancel;
    pl_status st = ple_instance_make(p, err);
    if (st != PL_OK) {
        ple_plugin_free(p);
        return st;
    }
    *out = p;
    return PL_OK;
}

void ple_plugin_free(ple_plugin *p)
{
    if (!p || p->magic != PLE_PLUGIN_MAGIC)
        return;
    ple_instance_drop(p);
    ple_mem_free(&p->mem);
    ple_vars_free(p);
    plu_free(p->http_headers);
    p->magic = 0;
    plu_free(p);
}

pl_status ple_plugin_renew(ple_plugin *p, pl_err *err)
{
    if (!p || p->magic != PLE_PLUGIN_MAGIC)
        return plu_errf(err, PL_E_MISUSE, NULL, "ple_plugin_renew: not a plugin");
    if (p->in_call)
        return plu_errf(err, PL_E_MISUSE, NULL, "ple_plugin_renew: the plugin is in a call");
    ple_instance_drop(p);
    ple_mem_reset(&p->mem);
    return ple_instance_make(p, err);
}

bool ple_plugin_dead(const ple_plugin *p)
{
    return !p || !p->inst || (plw_instance_dead(p->inst) && !p->renew_next);
}

/* Only the flag: the instance may be replaced (renewed) meanwhile by the
** calling thread, so it is not touched from here. */
void ple_plugin_interrupt(ple_plugin *p)
{
    if (p)
        atomic_store(&p->cancel, 1);
}

void ple_plugin_set_user(ple_plugin *p, void *user) { p->user = user; }
void *ple_plugin_user(const ple_plugin *p) { return p->user; }
plw_instance *ple_plugin_instance(ple_plugin *p) { return p->inst; }
void *ple_plugin_wasi(ple_plugin *p) { return p->wasi; }
void *ple_call_context(const ple_plugin *p) { return p ? p->ctx : NULL; }

ple_plugin *ple_from(plw_host_ctx *cx)
{
    ple_plugin *p = cx ? ple_cx(cx) : NULL;
    return p && p->magic == PLE_PLUGIN_MAGIC ? p : NULL;
}
