/*
** wasm_backend.h — the Wasm backend's insides, shared by wasm.c (loading,
** the instance pool, capabilities), wasm_provider.c (QueryMT's provider
** exports behind a plinth vtable) and wasm_host.c (the host functions:
** qmt_* and the plinth:host services).
**
** A Wasm plugin is one loaded module, one Extism host (src/extism) with
** its linker, and a pool of instances. A call takes a free instance from
** the pool without a lock (a compare-and-swap per slot), so calls to one
** plugin run in parallel up to the pool size; beyond it they wait for an
** instance. A trapped instance is dropped and made again on demand.
*/
#ifndef PL_CORE_WASM_BACKEND_H
#define PL_CORE_WASM_BACKEND_H

#include "core.h"
#include "extism/extism.h"
#include "wasm/wasi/wasi.h"

typedef struct plh_slot {
    atomic_int busy;          /* 0 free, 1 taken */
    ple_plugin *pl;           /* NULL until first needed, or after a trap */
} plh_slot;

/* The QueryMT exports a provider module has (bit flags). */
enum {
    PLH_QX_CHAT_REQUEST = 1u << 0,   /* the HTTP-adapter set */
    PLH_QX_CHAT_STREAM_REQUEST = 1u << 1,
    PLH_QX_PARSE_CHAT = 1u << 2,
    PLH_QX_CLASSIFY = 1u << 3,
    PLH_QX_PARSER = 1u << 4,         /* all four chat_stream_parser_* */
    PLH_QX_MODELS_REQUEST = 1u << 5, /* list_models_request + parse */
    PLH_QX_MODELS_STATIC = 1u << 6,
    PLH_QX_EMBED_REQUEST = 1u << 7,  /* embed_request + parse */
    PLH_QX_COMPLETE_REQUEST = 1u << 8,
    PLH_QX_CHAT = 1u << 9,           /* the older set: the VM does HTTP */
    PLH_QX_CHAT_STREAM = 1u << 10,
    PLH_QX_MODELS = 1u << 11,
    PLH_QX_EMBED = 1u << 12,
    PLH_QX_COMPLETE = 1u << 13,
};

typedef struct plh_wasm {
    plh_plugin *p;
    plw_module *mod;
    ple_host *eh;
    plh_slot *slots;
    uint32_t n_slots;
    atomic_int waiters;       /* calls waiting for a free instance */
    pthread_mutex_t lock;     /* only for waiting */
    pthread_cond_t freed;

    /* what the plugin may do (manifest request met by the config's grant) */
    unsigned caps;            /* PLC_CAP_* */
    char **network;           /* host globs for its own HTTP (owned) */
    size_t n_network;

    /* WASI: one configuration for every instance */
    ple_wasi wasi_hooks;
    plwasi_config wasi;
    char **wasi_env;          /* owned "NAME=value" strings */
    plwasi_preopen *preopens; /* owned */
    const char *wasi_args[1];

    /* provider metadata from its exports (owned) */
    unsigned qx;              /* PLH_QX_* */
    char *name, *api_key_name, *config_schema, *base_url, *version;
    pl_plugin_vtable vt;      /* the operations, pointing into wasm_provider.c */

    /* tool / prompt / context plugins: plinth_describe's answer */
    json_t *describe;
} plh_wasm;

/* One provider call's state (what the vtable members get). */
typedef struct plh_wcall {
    plh_wasm *w;
    plh_slot *slot;           /* the instance this call uses throughout */
    json_t *wire;             /* the wire request, parsed */
    char *cfg;                /* its "cfg", compact JSON */
    const pln_cancel *cancel;
    pl_plugin_sink *chunks;   /* while a direct stream runs: qmt_yield_chunk's target */
    void *streams;            /* streams the plugin opened in this call (wasm_host.c) */
} plh_wcall;

/* ---- wasm.c ---- */
pl_status plh_wasm_load(plh_plugin *p, pl_err *err);
/* A free instance of the pool (made when needed); NULL with err set. */
plh_slot *plh_wasm_acquire(plh_wasm *w, pl_err *err);
void plh_wasm_release(plh_wasm *w, plh_slot *s);
/*
** Call export fn on an instance with the plugin's limits. On PL_OK *out
** points at the output (valid until the next call on that instance; never
** NULL, also when the plugin set no output and *out_len is 0). On
** failure err says "fn: ..." and *kind the PL_PLUGIN_ERR_* it amounts to
** (a QueryMT error payload is decoded into the sink when one is given).
*/
pl_status plh_wasm_run(plh_wasm *w, plh_slot *s, const char *fn, const void *in, size_t len,
                       const pln_cancel *cancel, void *context, const uint8_t **out,
                       size_t *out_len, pl_plugin_sink *sink);
bool plh_wasm_has(const plh_wasm *w, const char *export_name);

/* ---- wasm_provider.c ---- */
/* Read the provider exports and fill w->vt. */
pl_status plh_wasm_provider_setup(plh_wasm *w, pl_err *err);
void *plh_wasm_call_open(plh_plugin *p, const char *wire, const pln_cancel *cancel,
                         pl_plugin_sink *err);
void plh_wasm_call_close(plh_plugin *p, void *call_instance);
/* Decode {"payload": LLMErrorPayload} (or plain text) into a sink error. */
void plh_wasm_error_into(plh_wasm *w, const char *text, size_t len, pl_plugin_sink *s);
/* from_config: the plugin checks its effective configuration. */
pl_status plh_wasm_from_config(plh_wasm *w, pl_err *err);
/* QueryMT's HTTP shapes: a SerializableHttpRequest into a request (NULL,
** or why not), and {"cfg": CFG, "resp": SerializableHttpResponse} (cfg
** NULL: no "cfg") as JSON text to plu_free. */
const char *plh_wasm_request_from_json(const char *json, size_t len, pln_request *out);
/* The same through jansson alone: what plh_wasm_request_from_json does with
** a document its scanner leaves alone, and the reference it must match. */
const char *plh_wasm_request_from_jansson(const char *json, size_t len, pln_request *out);
char *plh_wasm_response_json(const char *cfg, const pl_plugin_http_response *r);

/* ---- wasm_body.c ---- */
/* Where a SerializableHttpRequest's body array is, and its bytes. */
typedef struct plh_body_span {
    size_t start, end;        /* json[start..end) is the array's text */
    plu_buf bytes;            /* its numbers as bytes (plu_buf_free) */
} plh_body_span;
/* Find the array plh_wasm_request_from_jansson would read the body from
** and decode it; false when that is not certain (jansson's to do). */
bool plh_wasm_body_scan(const char *json, size_t len, plh_body_span *out);

/* ---- tools.c ---- */
/* plinth_describe: what a tool / prompt / context plugin offers. */
pl_status plh_tool_describe(plh_wasm *w, pl_err *err);
/* The services behind retrieval_search and plan_solve, for the plugin
** named self (which is never asked itself): JSON in, JSON out (plu_free);
** a failure is in the host's last error. */
pl_status plh_context_search(pl_host *host, const char *self, const char *query_json,
                             char **out);
pl_status plh_plan_solve(pl_host *host, const char *self, const char *params_json, char **out);

/* ---- wasm_host.c ---- */
/* Close the streams a call left open. */
void plh_wasm_close_streams(plh_wcall *c);
/* The host functions every Wasm plugin is offered (qmt_* in
** extism:host/user, the services in plinth:host). */
extern const ple_host_fn plh_wasm_host_fns[];
extern const size_t plh_wasm_n_host_fns;

#endif
