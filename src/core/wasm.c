/*
** wasm.c — the Wasm backend: load a module, work out what it may do
** (manifest request met by the configuration's grant), build its Extism
** host (WASI, HTTP, logging, the host functions), keep a pool of
** instances, and run exports under the plugin's limits.
**
** Order at load: trust, the bytes (and their sha256 pin), the module, the
** grants (grants.c: manifest, configuration, grants file, the host's
** on_grant), then per kind: a provider's metadata is read from its exports on
** a first host without network, its configuration checked and its
** allow-list built, and only then is the real host made with that
** allow-list; a tool, prompt or context plugin describes itself.
*/
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "config/semver.h"
#include "sig/sig.h"
#include "wasm_backend.h"

/* ---- trust and bytes ---------------------------------------------------------------- */

/* Signatures are not checked yet: under policy "require" an unsigned
** module runs only when the operator trusted it by name. */
static pl_status check_trust(const plh_plugin *p, pl_err *err)
{
    const plc_trust *t = &p->host->cfg->trust;
    for (size_t i = 0; i < t->allow_unsigned.len; i++)
        if (strcmp(t->allow_unsigned.items[i], p->info.name) == 0)
            return PL_OK;
    if (t->policy == PLC_POLICY_OFF)
        return PL_OK;
    if (t->policy == PLC_POLICY_WARN) {
        plh_log(p->host, NULL, PL_PLUGIN_LOG_WARN, "loading an unsigned Wasm plugin");
        return PL_OK;
    }
    return plu_errf(err, PL_E_SIGNATURE, NULL,
                    "%s has no trusted signature; add \"%s\" to [trust] allow_unsigned to run "
                    "it in the sandbox anyway",
                    p->info.location, p->info.name);
}

/* The module, and the sha256 of its bytes in hex (the pin is checked with
** it; remembered permission answers are keyed by it). */
static pl_status read_module(plh_plugin *p, plw_module **out, char hex[65], pl_err *err)
{
    char *bytes = NULL;
    size_t len = 0;
    pl_status st = plu_read_file(p->info.location, &bytes, &len, err);
    if (st != PL_OK)
        return st;
    const char *pin = p->conf->sha256;
    if (pls_sha256_hex(bytes, len, hex) != 0) {
        plu_free(bytes);
        return plu_errf(err, PL_E_INTERNAL, NULL, "%s: sha256 failed", p->info.location);
    }
    if (pin && strcmp(hex, pin) != 0) {
        plu_free(bytes);
        return plu_errf(err, PL_E_SIGNATURE, NULL, "%s: sha256 %s does not match the pin %s",
                        p->info.location, hex, pin);
    }
    char *copy = plu_strdup(p->info.location);
    st = copy ? plw_module_load((const uint8_t *)bytes, len, basename(copy), out, err)
              : plu_err_nomem(err);
    plu_free(copy);
    plu_free(bytes);
    return st;
}

/* ---- grants ---------------------------------------------------------------------------- */

/* The plugin's manifest, when one sits beside it: NAME.toml next to
** NAME.wasm, or plugin.toml / plugin.yaml in its folder. */
static plc_manifest *find_manifest(const plh_plugin *p)
{
    const char *loc = p->info.location;
    size_t n = strlen(loc);
    char path[4096];
    if (n > 5 && n < sizeof path && strcmp(loc + n - 5, ".wasm") == 0) {
        snprintf(path, sizeof path, "%.*s.toml", (int)(n - 5), loc);
        plc_manifest *m = NULL;
        if (plc_manifest_load(path, &m, NULL) == PL_OK)
            return m;
    }
    static const char *const names[] = { "plugin.toml", "plugin.yaml", "plugin.yml" };
    char *copy = plu_strdup(loc);
    const char *dir = copy ? dirname(copy) : ".";
    plc_manifest *found = NULL;
    for (size_t i = 0; !found && i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (plc_manifest_load(path, &found, NULL) != PL_OK)
            found = NULL;
    }
    plu_free(copy);
    return found;
}

static char **copy_list(const plc_strlist *l, size_t *n)
{
    *n = 0;
    char **out = plu_calloc(l->len ? l->len : 1, sizeof *out);
    for (size_t i = 0; out && i < l->len; i++) {
        out[i] = plu_strdup(l->items[i]);
        if (!out[i]) {
            for (size_t k = 0; k < i; k++)
                plu_free(out[k]);
            plu_free(out);
            return NULL;
        }
        (*n)++;
    }
    return out;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        plu_free(l[i]);
    plu_free(l);
}

/* ---- WASI and logging ---------------------------------------------------------------- */

static void on_output(void *user, int fd, const char *data, size_t len)
{
    plh_wasm *w = user;
    char msg[1024];
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    snprintf(msg, sizeof msg, "%s %.*s", fd == 2 ? "stderr:" : "stdout:",
             (int)(len < 1000 ? len : 1000), data);
    plh_log(w->p->host, w->p->info.name, fd == 2 ? PL_PLUGIN_LOG_WARN : PL_PLUGIN_LOG_INFO, msg);
}

static void on_log(void *user, int level, const char *text, size_t len)
{
    plh_wasm *w = user;
    /* Extism's levels (0 trace .. 4 error) to the host's (5 trace .. 1 error). */
    int host_level = level >= PLE_LOG_ERROR ? PL_PLUGIN_LOG_ERROR : 5 - level;
    char msg[2048];
    snprintf(msg, sizeof msg, "%.*s", (int)(len < 2000 ? len : 2000), text);
    plh_log(w->p->host, w->p->info.name, host_level, msg);
}

/* Granted variables only, read from the host's environment now. */
static pl_status wasi_env(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    w->wasi_env = plu_calloc(g->environment.len ? g->environment.len : 1, sizeof *w->wasi_env);
    if (!w->wasi_env)
        return plu_err_nomem(err);
    size_t n = 0;
    for (size_t i = 0; i < g->environment.len; i++) {
        const char *v = getenv(g->environment.items[i]);
        if (!v)
            continue;
        size_t len = strlen(g->environment.items[i]) + strlen(v) + 2;
        if (!(w->wasi_env[n] = plu_malloc(len)))
            return plu_err_nomem(err);
        snprintf(w->wasi_env[n++], len, "%s=%s", g->environment.items[i], v);
    }
    w->wasi.env = (const char *const *)w->wasi_env;
    w->wasi.n_env = n;
    return PL_OK;
}

/* Read grants become read-only preopens, write grants read-write ones; a
** folder is reached inside the sandbox at the same path (a copy of it:
** the grants may come from an arena that goes once the plugin loaded). */
static pl_status wasi_preopens(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    size_t n = g->fs_read.len + g->fs_write.len;
    w->preopens = plu_calloc(n ? n : 1, sizeof *w->preopens);
    if (!w->preopens)
        return plu_err_nomem(err);
    w->wasi.preopens = w->preopens;
    for (size_t i = 0; i < n; i++) {
        bool ro = i < g->fs_read.len;
        char *path = plu_strdup(ro ? g->fs_read.items[i] : g->fs_write.items[i - g->fs_read.len]);
        if (!path)
            return plu_err_nomem(err);
        w->preopens[i] = (plwasi_preopen){ .host_path = path, .guest_path = path,
                                           .read_only = ro };
        w->wasi.n_preopens = i + 1;
    }
    return PL_OK;
}

static pl_status wasi_setup(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    w->wasi_args[0] = w->p->info.name;
    w->wasi.args = w->wasi_args;
    w->wasi.n_args = 1;
    if (w->caps & PLC_CAP_LOG) {
        w->wasi.output = on_output;
        w->wasi.output_user = w;
    }
    pl_status st = wasi_env(w, g, err);
    if (st == PL_OK)
        st = wasi_preopens(w, g, err);
    if (st == PL_OK)
        ple_wasi_plinth(&w->wasi_hooks, &w->wasi);
    return st;
}

/* ---- the Extism host ------------------------------------------------------------------ */

/* The plugin's `config` table as Extism config entries: strings as they
** are, anything else as JSON text. */
static pl_status config_entries(const plh_plugin *p, json_t **obj, ple_kv **kv, size_t *n,
                                pl_err *err)
{
    *obj = NULL;
    *kv = NULL;
    *n = 0;
    if (p->config) {
        *obj = json_deep_copy(p->config); /* its values become strings below */
    } else if (p->conf->config) {
        plu_buf b;
        plu_buf_init(&b);
        if (plc_to_json(p->conf->config, 0, &b) == 0)
            *obj = json_loadb(b.data, b.len, 0, NULL);
        plu_buf_free(&b);
    }
    if (!*obj)
        return p->conf->config || p->config ? plu_err_nomem(err) : PL_OK;
    *kv = plu_calloc(json_object_size(*obj) + 1, sizeof **kv);
    if (!*kv)
        return plu_err_nomem(err);
    const char *key;
    json_t *v;
    json_object_foreach(*obj, key, v) {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!json_is_string(v) && (!text || json_object_set_new(*obj, key, json_string(text))))
            return plu_free(text), plu_err_nomem(err);
        plu_free(text);
    }
    json_object_foreach(*obj, key, v) {
        (*kv)[*n] = (ple_kv){ .key = key, .value = json_string_value(v) };
        (*n)++;
    }
    return PL_OK;
}

static pl_status make_host(plh_wasm *w, bool with_network, pl_err *err)
{
    plh_plugin *p = w->p;
    const plc_limits *l = &p->conf->limits;
    ple_options o;
    ple_options_init(&o);
    json_t *obj;
    ple_kv *kv;
    size_t n_kv;
    pl_status st = config_entries(p, &obj, &kv, &n_kv, err);
    if (st != PL_OK) {
        json_decref(obj);
        plu_free(kv);
        return st;
    }
    o.config = kv;
    o.n_config = n_kv;
    if (with_network && w->n_network) {
        o.http = plh_http(p->host, err);
        if (!o.http) {
            json_decref(obj);
            plu_free(kv);
            return PL_E_NETWORK;
        }
        o.allowed_hosts = (const char *const *)w->network;
        o.n_allowed_hosts = w->n_network;
    }
    o.max_http_response_bytes = (size_t)l->max_output_bytes;
    if (w->caps & PLC_CAP_LOG) {
        o.log = on_log;
        o.log_user = w;
        o.log_level = PLE_LOG_TRACE;
    }
    o.limits = (plw_instance_limits){ .mem_bytes = l->mem_bytes,
                                      .max_call_depth = l->max_call_depth,
                                      .start_fuel = l->fuel_units,
                                      .start_timeout_ns = (uint64_t)l->wall_timeout_ms * 1000000u };
    o.wasi = &w->wasi_hooks;
    o.host_fns = plh_wasm_host_fns;
    o.n_host_fns = plh_wasm_n_host_fns;
    st = ple_host_new(w->mod, &o, &w->eh, err);
    json_decref(obj);
    plu_free(kv);
    return st;
}

/* ---- the pool --------------------------------------------------------------------------- */

static void free_slots(plh_wasm *w)
{
    for (uint32_t i = 0; w->slots && i < w->n_slots; i++)
        ple_plugin_free(w->slots[i].pl);
    plu_free(w->slots);
    w->slots = NULL;
    w->n_slots = 0;
}

static pl_status make_pool(plh_wasm *w, pl_err *err)
{
    uint32_t n = w->p->conf->limits.instances ? w->p->conf->limits.instances : 1;
    w->slots = plu_calloc(n, sizeof *w->slots);
    if (!w->slots)
        return plu_err_nomem(err);
    w->n_slots = n;
    return PL_OK;
}

/* A taken slot with an instance in it (made now if it had none). One that
** trapped is renewed: a fresh instance with the same vars, as the Extism
** hosts keep a plugin's vars across a trap; if that fails, a new one. */
static plh_slot *fill(plh_wasm *w, plh_slot *s, pl_err *err)
{
    if (s->pl && ple_plugin_dead(s->pl) && ple_plugin_renew(s->pl, err) != PL_OK) {
        ple_plugin_free(s->pl);
        s->pl = NULL;
    }
    if (s->pl)
        return s;
    pl_status st = ple_plugin_new(w->eh, &s->pl, err);
    if (st == PL_OK) {
        ple_plugin_set_user(s->pl, w);
        return s;
    }
    s->pl = NULL;
    atomic_store(&s->busy, 0);
    return NULL;
}

plh_slot *plh_wasm_acquire(plh_wasm *w, pl_err *err)
{
    for (;;) {
        for (uint32_t i = 0; i < w->n_slots; i++) {
            int free_ = 0;
            if (atomic_compare_exchange_strong(&w->slots[i].busy, &free_, 1))
                return fill(w, &w->slots[i], err);
        }
        /* Every instance is in a call: wait for one to come back. */
        pthread_mutex_lock(&w->lock);
        atomic_fetch_add(&w->waiters, 1);
        bool any = false;
        for (uint32_t i = 0; i < w->n_slots && !any; i++)
            any = atomic_load(&w->slots[i].busy) == 0;
        if (!any)
            pthread_cond_wait(&w->freed, &w->lock);
        atomic_fetch_sub(&w->waiters, 1);
        pthread_mutex_unlock(&w->lock);
    }
}

void plh_wasm_release(plh_wasm *w, plh_slot *s)
{
    atomic_store(&s->busy, 0); /* a trapped instance is renewed by the next fill */
    if (atomic_load(&w->waiters)) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_signal(&w->freed);
        pthread_mutex_unlock(&w->lock);
    }
}

bool plh_wasm_has(const plh_wasm *w, const char *name)
{
    for (size_t i = 0; i < plw_module_export_count(w->mod); i++) {
        plw_extern_info e;
        if (plw_module_export(w->mod, i, &e) && e.kind == PLW_EXTERN_FUNC &&
            strcmp(e.name, name) == 0)
            return true;
    }
    return false;
}

/* ---- running an export ------------------------------------------------------------------ */

static uint32_t kind_of_status(pl_status st, const pln_cancel *cancel)
{
    if (cancel && atomic_load(cancel))
        return PL_PLUGIN_ERR_CANCELLED;
    switch (st) {
    case PL_E_DENIED: return PL_PLUGIN_ERR_DENIED;
    case PL_E_TIMEOUT: return PL_PLUGIN_ERR_TIMEOUT;
    case PL_E_NETWORK: return PL_PLUGIN_ERR_TRANSPORT;
    case PL_E_CANCELLED: return PL_PLUGIN_ERR_CANCELLED;
    case PL_E_NOT_FOUND:
    case PL_E_INVALID_ARG: return PL_PLUGIN_ERR_UNSUPPORTED;
    default: return PL_PLUGIN_ERR_PLUGIN;
    }
}

pl_status plh_wasm_run(plh_wasm *w, plh_slot *s, const char *fn, const void *in, size_t len,
                       const pln_cancel *cancel, void *context, const uint8_t **out,
                       size_t *out_len, pl_plugin_sink *sink)
{
    const plc_limits *l = &w->p->conf->limits;
    ple_call_opts o = { .fuel = l->fuel_units,
                        .timeout_ns = (uint64_t)l->wall_timeout_ms * 1000000u,
                        .context = context, .cancel = cancel };
    ple_result r;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = ple_call(s->pl, fn, in, len, &o, &r, &e);
    if (st == PL_OK) {
        /* A plugin that set no output has none (NULL): callers get an empty
        ** buffer, which they may copy from with memcpy(..., 0). */
        *out = r.output ? r.output : (const uint8_t *)"";
        *out_len = r.output_len;
        return PL_OK;
    }
    if (sink && cancel && atomic_load(cancel)) {
        w->p->api.pub.error(sink, PL_PLUGIN_ERR_CANCELLED, "cancelled");
    } else if (sink) {
        if (st == PL_E_PLUGIN && r.error && !r.trap) {
            plh_wasm_error_into(w, r.error, r.error_len, sink);
        } else {
            char msg[PL_ERR_MSG_MAX + 128];
            snprintf(msg, sizeof msg, "%.100s: %s", fn, e.msg);
            w->p->api.pub.error(sink, kind_of_status(st, cancel), msg);
            if (st == PL_E_LIMIT && r.trap == PLW_TRAP_TIMEOUT)
                sink->kind = PL_PLUGIN_ERR_TIMEOUT;
        }
    }
    return st;
}

/* ---- load and unload ------------------------------------------------------------------- */

static void wasm_free(plh_plugin *p)
{
    plh_wasm *w = p->backend;
    if (!w)
        return;
    free_slots(w);
    ple_host_free(w->eh);
    plw_module_free(w->mod);
    free_list(w->network, w->n_network);
    free_list(w->wasi_env, w->wasi.n_env);
    for (size_t i = 0; w->preopens && i < w->wasi.n_preopens; i++)
        plu_free((char *)w->preopens[i].host_path); /* guest_path is the same string */
    plu_free(w->preopens);
    plu_free(w->name);
    plu_free(w->api_key_name);
    plu_free(w->config_schema);
    plu_free(w->base_url);
    plu_free(w->version);
    json_decref(w->describe);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->freed);
    plu_free(w);
    p->backend = NULL;
    p->vt = NULL;
}

/* The network a provider may reach: its allow-list (base URL and
** allowed_hosts) and whatever the configuration's permissions add. */
static pl_status provider_network(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    plh_plugin *p = w->p;
    size_t n = p->n_allowed + g->network.len;
    w->network = plu_calloc(n ? n : 1, sizeof *w->network);
    if (!w->network)
        return plu_err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        const char *glob = i < p->n_allowed ? p->allowed[i] : g->network.items[i - p->n_allowed];
        if (!(w->network[i] = plu_strdup(glob)))
            return plu_err_nomem(err);
        w->n_network++;
    }
    return PL_OK;
}

/* A provider: metadata from a first host without network, then the
** configuration check and the allow-list, then the real host. */
static pl_status load_provider(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    plh_plugin *p = w->p;
    pl_status st = make_host(w, false, err);
    if (st == PL_OK)
        st = make_pool(w, err);
    if (st == PL_OK)
        st = plh_wasm_provider_setup(w, err);
    free_slots(w);
    ple_host_free(w->eh);
    w->eh = NULL;
    if (st == PL_OK)
        st = plh_provider_setup(p, err);
    if (st == PL_OK)
        st = provider_network(w, g, err);
    if (st == PL_OK)
        st = make_host(w, true, err);
    if (st == PL_OK)
        st = make_pool(w, err);
    if (st == PL_OK)
        st = plh_wasm_from_config(w, err);
    if (st != PL_OK)
        return st;
    p->call_open = plh_wasm_call_open;
    p->call_close = plh_wasm_call_close;
    return PL_OK;
}

static pl_status load_other(plh_wasm *w, const plc_grants *g, pl_err *err)
{
    size_t n = 0;
    if (!(w->network = copy_list(&g->network, &n)))
        return plu_err_nomem(err);
    w->n_network = n;
    pl_status st = make_host(w, true, err);
    if (st == PL_OK)
        st = make_pool(w, err);
    if (st == PL_OK)
        st = plh_tool_describe(w, err);
    return st;
}

pl_status plh_wasm_load(plh_plugin *p, pl_err *err)
{
    plh_wasm *w = plu_calloc(1, sizeof *w);
    if (!w)
        return plu_err_nomem(err);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->freed, NULL);
    w->p = p;
    p->backend = w;
    p->backend_free = wasm_free;
    /* The file first (a missing one says so), then whether it may run. */
    char hex[65];
    pl_status st = read_module(p, &w->mod, hex, err);
    if (st == PL_OK)
        st = check_trust(p, err);
    if (st != PL_OK)
        return st;
    plc_manifest *m = find_manifest(p);
    if (m) {
        p->info.version = NULL;
        if (m->requires_version) {
            plc_semver self;
            if (plc_semver_parse(PL_VERSION_STRING, &self) &&
                plc_semver_match(m->requires_version, &self) == 0) {
                st = plu_errf(err, PL_E_UNSUPPORTED, NULL, "%s requires plinth %s; this is %s",
                              p->info.location, m->requires_version, PL_VERSION_STRING);
                plc_manifest_free(m);
                return st;
            }
        }
        w->version = m->version ? plu_strdup(m->version) : NULL;
    }
    plc_grants g;
    plu_arena arena; /* lists of the settled grants; what stays is copied */
    plu_arena_init(&arena);
    st = plh_grants_settle(p, m, hex, &arena, &g, err);
    w->caps = g.caps;
    if (st == PL_OK)
        st = wasi_setup(w, &g, err);
    if (st == PL_OK)
        st = p->info.kind == PL_KIND_PROVIDER ? load_provider(w, &g, err) : load_other(w, &g, err);
    plc_manifest_free(m);
    plu_arena_free(&arena);
    if (st == PL_OK && w->version && !p->info.version)
        p->info.version = w->version;
    return st;
}
