/*
** core.h — the host's insides (prefix plh_): the pl_host handle, the
** plugin registry, the native loader, calls and the provider operations.
**
** Backends plug in through plh_backend: a loader fills a plh_plugin (kind,
** metadata, the operations it offers) and the provider code calls the
** operations without knowing where they run. Only the native backend
** exists so far; Wasm and process backends fill the same table.
*/
#ifndef PL_CORE_CORE_H
#define PL_CORE_CORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "config/model.h"
#include "net/http.h"
#include "plinth/plinth.h"
#include "plinth_plugin.h"
#include "util/util.h"

#define PLH_HOST_MAGIC 0x706c6873u /* "plhs" */
#define PLH_HOST_DEAD 0x64656164u  /* "dead" */

typedef struct plh_plugin plh_plugin;

/* The host services table handed to one native plugin: the public part
** first, so the plugin's pointer leads back to its plugin. */
typedef struct plh_api {
    pl_host_api pub;
    plh_plugin *plugin;
} plh_api;

struct plh_plugin {
    const plc_plugin *conf; /* borrowed from the host's configuration */
    pl_plugin_info info;    /* strings borrowed from conf, vt, or error */
    char *error;            /* owned; info.error points here */
    pl_host *host;

    /* the operations (a native plugin's own vtable, or one a backend made) */
    void *dl;
    const pl_plugin_vtable *vt;
    void *instance;
    bool initialised;
    plh_api api;

    /* Backends whose calls need state of their own (Wasm: a pooled
    ** instance and the call's configuration) open it for each provider
    ** call; the vtable members then get it instead of `instance`. NULL:
    ** the members get `instance`. call_open fails by describing the
    ** failure in err and returning NULL. */
    void *(*call_open)(plh_plugin *p, const char *wire, const pln_cancel *cancel,
                       pl_plugin_sink *err);
    void (*call_close)(plh_plugin *p, void *call_instance);
    /* Backend state and its release (after shutdown). */
    void *backend;
    void (*backend_free)(plh_plugin *p);

    /* providers */
    json_t *config;          /* effective config given to init (api_key included) */
    char **allowed;          /* network allow-list globs (owned) */
    size_t n_allowed;
};

struct pl_host {
    uint32_t magic;
    plc_config *cfg;
    char *config_path;     /* NULL when running on built-in defaults */
    pthread_mutex_t lock;  /* guards err and http */
    pl_err err;            /* the last error, for pl_host_last_error */
    plh_plugin *plugins;   /* providers, then the other plugins, in file order */
    size_t n_plugins;
    pln_client *http;      /* NULL until the first HTTP request (under lock) */
    int log_level;         /* PL_PLUGIN_LOG_*: messages above it are dropped */
    pl_grant_fn on_grant;  /* undecided permission requests; set during
                              pl_host_open_ex only (grants.c) */
    void *grant_user;
};

struct pl_call {
    pln_cancel cancel;
    pl_error_kind kind;
    pl_status status;
    int http_status;
    long retry_after_ms;
    unsigned attempts;
    char *code;
    char message[PL_ERR_MSG_MAX];
};

/* A plugin-facing sink: output bytes, stream chunks, and a typed error. */
typedef int (*plh_chunk_fn)(void *ud, const char *json, size_t len);

struct pl_plugin_sink {
    plu_buf out;
    size_t max_out;          /* output limit in bytes */
    plh_chunk_fn on_chunk;   /* NULL: emit is refused */
    void *chunk_ud;
    const pln_cancel *cancel;
    bool failed;             /* error() was called */
    uint32_t kind;
    char *message;
    int http_status;
    char *code;
    long retry_after_ms;
};

struct pl_plugin_http_out {
    pln_request req;
    bool bad;                /* an invalid value was given */
};

/* ---- host.c ---- */
bool plh_host_ok(const pl_host *h);
/* Record the host's last error (thread-safe); returns st. */
pl_status plh_fail(pl_host *h, pl_status st, const char *fmt, ...) PLU_PRINTF(3, 4);
pln_client *plh_http(pl_host *h, pl_err *err);
void plh_log(pl_host *h, const char *plugin, int level, const char *msg);

/* ---- registry.c ---- */
pl_status plh_registry_load(pl_host *h);
void plh_registry_unload(pl_host *h);
plh_plugin *plh_find(pl_host *h, const char *name);
const char *plh_backend_name(pl_backend b);
/* PL_E_NOT_FOUND with a did-you-mean among the configured names. */
pl_status plh_not_found(pl_host *h, const char *what, const char *name);

/* ---- wasm.c ---- */
pl_status plh_wasm_load(plh_plugin *p, pl_err *err);

/* ---- grants.c ---- */
/*
** What a sandboxed plugin may do: its manifest's requests (m; NULL: the
** configuration alone decides) met by the configuration, the grants file
** or the host's on_grant, in that order (plinth.h). sha256 is the
** artefact's digest. *out is the configuration's grants cut down to what
** was asked, plus what was allowed beyond them; lists made here live in
** arena. PL_OK, or the grants file's error (the plugin does not load),
** PL_E_NOMEM.
*/
pl_status plh_grants_settle(plh_plugin *p, const plc_manifest *m, const char *sha256,
                            plu_arena *arena, plc_grants *out, pl_err *err);

/* ---- native.c ---- */
pl_status plh_native_load(plh_plugin *p, pl_err *err);
void plh_native_unload(plh_plugin *p);
/* Is member at offset `off` within the plugin's vtable and non-NULL? */
bool plh_vt_has(const plh_plugin *p, size_t off);
#define PLH_HAS(p, member) \
    plh_vt_has((p), offsetof(pl_plugin_vtable, member)) && (p)->vt->member

/* ---- hostapi.c ---- */
void plh_api_init(plh_plugin *p);
void plh_sink_init(pl_plugin_sink *s, size_t max_out, const pln_cancel *cancel);
void plh_sink_free(pl_plugin_sink *s);
void plh_http_out_init(pl_plugin_http_out *o);
void plh_http_out_free(pl_plugin_http_out *o);

/* ---- provider_setup.c ---- */
/* Validate the configured config against the plugin's schema, build the
** effective config and the allow-list. */
pl_status plh_provider_setup(plh_plugin *p, pl_err *err);

/* ---- call.c ---- */
void plh_call_reset(pl_call *c);
/* Fill the call's error (c may be NULL) and the host's last error. */
pl_status plh_call_fail(pl_host *h, pl_call *c, pl_status st, pl_error_kind kind,
                        const char *msg);
/* The same from a sink a plugin described its failure in. */
pl_status plh_call_fail_sink(pl_host *h, pl_call *c, const plh_plugin *p, const char *op,
                             const pl_plugin_sink *s);
pl_status plh_status_of_kind(pl_error_kind kind);

#endif
