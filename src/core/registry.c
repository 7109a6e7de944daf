/*
** registry.c — the host's plugins: load every configured one at open,
** find them by name, describe them, shut them down in reverse order.
**
** A plugin that fails to load is kept in the list with its status and
** message (`plinth plugins` shows it); the host and the other plugins go
** on. Only running out of memory fails pl_host_open itself.
*/
#include <stdio.h>
#include <string.h>

#include "core.h"

static const char *const backend_names[] = {
    [PL_BACKEND_NATIVE] = "native", [PL_BACKEND_WASM] = "wasm", [PL_BACKEND_PROCESS] = "process"};

const char *plh_backend_name(pl_backend b)
{
    return b >= PL_BACKEND_NATIVE && b <= PL_BACKEND_PROCESS ? backend_names[b] : "unknown";
}

static const struct {
    plc_plugin_kind conf;
    pl_plugin_kind kind;
} kinds[] = {
    {PLC_KIND_PROVIDER, PL_KIND_PROVIDER},
    {PLC_KIND_TOOL, PL_KIND_TOOL},
    {PLC_KIND_PROMPT, PL_KIND_PROMPT},
    {PLC_KIND_CONTEXT, PL_KIND_CONTEXT},
};

static pl_plugin_kind kind_of(plc_plugin_kind k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].conf == k)
            return kinds[i].kind;
    return PL_KIND_TOOL;
}

static pl_backend backend_of(const plc_plugin *c)
{
    switch (c->artifact) {
    case PLC_ARTIFACT_NATIVE: return PL_BACKEND_NATIVE;
    case PLC_ARTIFACT_PROCESS: return PL_BACKEND_PROCESS;
    default: return PL_BACKEND_WASM;
    }
}

/* Record why a plugin did not load. The message starts with the plugin's
** name and backend: "plugin 'x' (native): ...". */
static void set_failed(plh_plugin *p, pl_status st, const char *msg)
{
    char buf[PL_ERR_MSG_MAX + 64];
    snprintf(buf, sizeof buf, "%s '%s' (%s): %s",
             p->info.kind == PL_KIND_PROVIDER ? "provider" : "plugin", p->info.name,
             plh_backend_name(p->info.backend), msg);
    plu_free(p->error);
    p->error = plu_strdup(buf);
    p->info.error = p->error ? p->error : "out of memory";
    p->info.state = PL_PLUGIN_FAILED;
    p->info.status = st;
}

/* The process backend arrives with a later release of plinth; until then
** such an entry fails to load with a message that says so. */
static pl_status load_one(plh_plugin *p, pl_err *err)
{
    const plc_plugin *c = p->conf;
    if (c->source == PLC_SOURCE_URL || c->source == PLC_SOURCE_OCI)
        return plu_errf(err, PL_E_UNSUPPORTED, &c->loc,
                        "downloading plugins (%s) is not supported by this plinth yet; "
                        "use a local path",
                        c->path);
    if (p->info.backend == PL_BACKEND_WASM)
        return plh_wasm_load(p, err);
    if (p->info.backend != PL_BACKEND_NATIVE)
        return plu_errf(err, PL_E_UNSUPPORTED, &c->loc,
                        "the %s backend is not supported by this plinth yet",
                        plh_backend_name(p->info.backend));
    return plh_native_load(p, err);
}

static void init_record(pl_host *h, plh_plugin *p, const plc_plugin *c)
{
    p->host = h;
    p->conf = c;
    p->info.name = c->name;
    p->info.kind = kind_of(c->kind);
    p->info.backend = backend_of(c);
    p->info.location = c->command ? c->command : c->location;
    p->info.state = c->enabled ? PL_PLUGIN_FAILED : PL_PLUGIN_DISABLED;
    p->info.status = PL_OK;
    plh_api_init(p);
}

pl_status plh_registry_load(pl_host *h)
{
    const plc_config *cfg = h->cfg;
    size_t n = cfg->n_providers + cfg->n_plugins;
    h->plugins = n ? plu_calloc(n, sizeof *h->plugins) : NULL;
    if (n && !h->plugins)
        return plh_fail(h, PL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const plc_plugin *c =
            i < cfg->n_providers ? &cfg->providers[i] : &cfg->plugins[i - cfg->n_providers];
        plh_plugin *p = &h->plugins[i];
        init_record(h, p, c);
        h->n_plugins = i + 1;
        if (!c->enabled)
            continue;
        pl_err e;
        plu_err_clear(&e);
        pl_status st = load_one(p, &e);
        if (st == PL_E_NOMEM)
            return plh_fail(h, st, "out of memory loading plugin '%s'", c->name);
        if (st != PL_OK) {
            set_failed(p, st, e.msg);
            /* The host speaks, and the message already names the plugin. */
            plh_log(h, NULL, PL_PLUGIN_LOG_WARN, p->info.error);
            continue;
        }
        p->info.state = PL_PLUGIN_READY;
    }
    return PL_OK;
}

/* Shut plugins down in reverse order of loading. */
void plh_registry_unload(pl_host *h)
{
    for (size_t i = h->n_plugins; i-- > 0;) {
        plh_plugin *p = &h->plugins[i];
        plh_native_unload(p);
        if (p->backend_free)
            p->backend_free(p);
        json_decref(p->config);
        for (size_t k = 0; k < p->n_allowed; k++)
            plu_free(p->allowed[k]);
        plu_free(p->allowed);
        plu_free(p->error);
    }
    plu_free(h->plugins);
    h->plugins = NULL;
    h->n_plugins = 0;
}

plh_plugin *plh_find(pl_host *h, const char *name)
{
    for (size_t i = 0; name && i < h->n_plugins; i++)
        if (strcmp(h->plugins[i].info.name, name) == 0)
            return &h->plugins[i];
    return NULL;
}

PL_API size_t pl_host_plugin_count(const pl_host *host)
{
    return plh_host_ok(host) ? host->n_plugins : 0;
}

PL_API pl_status pl_host_plugin_info(const pl_host *host, size_t i, pl_plugin_info *out)
{
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!out)
        return PL_E_INVALID_ARG;
    if (i >= host->n_plugins)
        return PL_E_NOT_FOUND;
    *out = host->plugins[i].info;
    return PL_OK;
}

/* "no plugin named 'opnai' (did you mean 'openai'?)" */
pl_status plh_not_found(pl_host *h, const char *what, const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < h->n_plugins && n < 63; i++)
        names[n++] = h->plugins[i].info.name;
    names[n] = NULL;
    const char *near = name ? plu_suggest(name, names) : NULL;
    if (near)
        return plh_fail(h, PL_E_NOT_FOUND, "no %s named '%s' (did you mean '%s'?)", what, name,
                        near);
    return plh_fail(h, PL_E_NOT_FOUND, "no %s named '%s' in the configuration", what,
                    name ? name : "(null)");
}

PL_API pl_status pl_host_plugin_find(pl_host *host, const char *name, pl_plugin_info *out)
{
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!name || !out)
        return plh_fail(host, PL_E_INVALID_ARG, "pl_host_plugin_find: name and out are required");
    plh_plugin *p = plh_find(host, name);
    if (!p)
        return plh_not_found(host, "plugin", name);
    *out = p->info;
    return PL_OK;
}
