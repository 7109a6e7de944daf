/*
** extism.h — the Extism plugin ABI on plinth's Wasm engine (prefix ple_).
**
** Runs plugins built with Extism's PDKs (Rust, Go, TinyGo, C, JS, Haskell)
** unmodified: `extism:host/env` is implemented natively in C (Extism
** memory, input/output, errors, config, vars, HTTP, logging), the pre-1.0
** `env.extism_*` names are accepted, user host functions are linked from
** any module name (`extism:host/user` by default), and calls follow
** Extism's convention: input in, an export with no parameters and an i32
** (or no) result, output or error out. The ABI is described in
** shared/docs/extism-abi.md; where the reference hosts disagree, the
** choices are listed in src/extism/README.md.
**
** The life of a plugin:
**   ple_host_new     once per module: checks its Extism imports, builds
**                    the linker (options copied)
**   ple_plugin_new   an instance: instantiate + runtime initialisation
**                    (hs_init / __wasm_call_ctors / _initialize); cheap
**   ple_call         call an export with input bytes, limits per call
**   ple_plugin_free, ple_host_free
**
** Threads: a ple_host is read-only after ple_host_new and may create
** plugins on any number of threads at once. A ple_plugin is used by one
** thread at a time (ple_plugin_interrupt excepted). The log callback and
** user host functions run on the calling thread of the ple_call that
** reached them, so with several plugins they may run concurrently.
**
** Errors: fallible functions return a pl_status and fill a pl_err (which
** may be NULL).
*/
#ifndef PL_EXTISM_H
#define PL_EXTISM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "util/util.h"
#include "wasm/wasm.h"

typedef struct ple_host ple_host;     /* one module + options + linker */
typedef struct ple_plugin ple_plugin; /* one instance and its Extism state */

/* Log levels, as `get_log_level` reports them to plugins. */
enum {
    PLE_LOG_TRACE = 0,
    PLE_LOG_DEBUG = 1,
    PLE_LOG_INFO = 2,
    PLE_LOG_WARN = 3,
    PLE_LOG_ERROR = 4,
    PLE_LOG_OFF = 5 /* and anything larger: get_log_level says INT32_MAX */
};

/* Called for every log_* message at or above the host's level. text is
** the plugin's bytes, NOT NUL-terminated and not checked for UTF-8; it is
** valid only during the call. */
typedef void (*ple_log_fn)(void *user, int level, const char *text, size_t len);

/* One configuration entry (both strings NUL-terminated; copied). */
typedef struct ple_kv {
    const char *key;
    const char *value;
} ple_kv;

/* A user host function, linked as module.name with a plw signature such as
** "(I)I" (handle in, handle out). module NULL means "extism:host/user".
** Inside, ple_from(cx) reaches the plugin and its Extism memory. */
typedef struct ple_host_fn {
    const char *module;
    const char *name;
    const char *sig;
    plw_host_fn fn;
    void *user;
} ple_host_fn;

/*
** WASI, through hooks so that this subsystem does not depend on a WASI
** implementation being present; ple_wasi_plinth fills them with plinth's
** src/wasm/wasi/ (plwasi_new, plwasi_free, plwasi_link). Each plugin instance gets
** its own state (state_new(config) before instantiation, state_free when
** the instance goes); link() is called once, in ple_host_new, with a
** getter the WASI functions use to find the state of the calling
** instance. WASI's proc_exit must end the call with plw_host_exit.
*/
typedef void *(*ple_wasi_get_fn)(plw_instance *inst);
typedef struct ple_wasi {
    const void *config;  /* passed to state_new; must outlive the host */
    void *(*state_new)(const void *config, pl_err *err); /* NULL on failure */
    void (*state_free)(void *state);
    pl_status (*link)(plw_linker *l, ple_wasi_get_fn get, pl_err *err);
} ple_wasi;

/* plinth's WASI (wasm/wasi/wasi.h) as these hooks. cfg is borrowed and
** read by every ple_plugin_new (each instance gets its own plwasi): it
** must outlive the host. cfg NULL: no args, no environment, no files,
** stdout and stderr discarded (what the Rust host gives by default). */
struct plwasi_config;
void ple_wasi_plinth(ple_wasi *out, const struct plwasi_config *cfg);

/*
** Options of a host. Fill with ple_options_init (the defaults below), then
** change fields. Everything is copied by ple_host_new except the pointers
** marked "borrowed", which must outlive the host.
*/
typedef struct ple_options {
    const ple_kv *config;     /* read by config_get; n_config entries */
    size_t n_config;

    /* HTTP. client NULL: http_request fails the call ("HTTP is disabled
    ** by this host"). allowed_hosts: pln globs (http.h: "api.example.com",
    ** "*.example.com"; no port = any port); EMPTY DENIES EVERYTHING. */
    pln_client *http;                 /* borrowed */
    const char *const *allowed_hosts; /* copied */
    size_t n_allowed_hosts;
    size_t max_http_response_bytes;   /* default 50 MiB; a longer body fails the call */
    bool http_response_headers;       /* default false: http_headers returns 0 */

    /* Vars: byte cap over all entries (key + value + 48 per entry, as the
    ** Rust host counts); default 1 MiB; 0 disables var_set (it fails the
    ** call with "Vars are disabled by this host"). */
    size_t max_var_bytes;

    /* Logging: messages below log_level are dropped (the block is freed
    ** anyway); log NULL turns logging off (get_log_level then says off). */
    int log_level;                    /* default PLE_LOG_INFO */
    ple_log_fn log;
    void *log_user;

    /* Instance limits (wasm.h). limits.mem_bytes caps EACH memory on its
    ** own: the plugin's linear memory and the Extism memory of the
    ** instance (default 256 MiB each). limits.start_fuel and
    ** start_timeout_ns also bound the runtime initialisation functions. */
    plw_instance_limits limits;

    const ple_wasi *wasi;             /* NULL: no WASI (borrowed) */

    /* User host functions, registered by ple_host_new (copied). */
    const ple_host_fn *host_fns;
    size_t n_host_fns;
    /* An embedder's linker to build on instead of a fresh one (borrowed,
    ** not freed): ple_host_new adds the Extism, WASI and host_fns
    ** functions to it. It must outlive the host and not change after. */
    plw_linker *linker;
} ple_options;

/* The defaults: no config, no HTTP, 50 MiB responses, 1 MiB vars, level
** info without a callback, engine default limits, no WASI. */
void ple_options_init(ple_options *o);

/*
** ple_host_new — prepare module m for Extism calls. m is borrowed: it must
** stay loaded until ple_host_free. Every import from `extism:host/env` (and
** `env.extism_*`) must be a known Extism function with its signature, and
** no memory, table or global may be imported from there; otherwise
** PL_E_UNSUPPORTED naming the import ("... imports unknown function
** extism:host/env.foo: this host may be older than the plugin's PDK").
** Other imports (WASI, user functions) are checked at instantiation.
** Errors: PL_E_INVALID_ARG (a NULL argument, a bad host_fns signature),
** PL_E_UNSUPPORTED, PL_E_NOMEM, or what the WASI link hook returned.
*/
pl_status ple_host_new(plw_module *m, const ple_options *o, ple_host **out, pl_err *err);
/* Free a host; every plugin made from it must have been freed. NULL ok. */
void ple_host_free(ple_host *h);

/*
** ple_plugin_new — a new instance: WASI state, instantiation, then the
** runtime initialisation, once: if the module exports hs_init (GHC),
** _initialize () then hs_init(0, 0); else __wasm_call_ctors; else
** _initialize. `_start` is never called implicitly. Vars start empty.
** Errors: those of plw_instantiate (PL_E_NOT_FOUND for an unresolved
** import, ...), or the initialisation's trap (PL_E_TRAP / PL_E_LIMIT,
** "_initialize: trap: ..."), PL_E_NOMEM.
*/
pl_status ple_plugin_new(ple_host *h, ple_plugin **out, pl_err *err);
void ple_plugin_free(ple_plugin *p);

/*
** ple_plugin_renew — replace a dead instance (or a live one) by a fresh
** one, initialised again. Globals and the plugin's memory start over; the
** vars, the last HTTP status and the user pointer are kept (they live on
** the host side). On failure the plugin stays dead and may be renewed
** again or freed.
*/
pl_status ple_plugin_renew(ple_plugin *p, pl_err *err);

/* True when the instance can no longer be called (it trapped): renew it
** or replace it. */
bool ple_plugin_dead(const ple_plugin *p);

/* Ask the running call to stop (any thread, any time while p exists); it
** fails with PL_E_LIMIT/PLW_TRAP_INTERRUPTED, an HTTP request in flight
** with PL_E_CANCELLED. A call that was given its own flag
** (ple_call_opts.cancel) watches that flag instead. The flag is cleared
** when the next call starts. */
void ple_plugin_interrupt(ple_plugin *p);

/* One pointer of the embedder's per plugin (NULL at first). */
void ple_plugin_set_user(ple_plugin *p, void *user);
void *ple_plugin_user(const ple_plugin *p);
/* The underlying instance (borrowed; changes on renew). */
plw_instance *ple_plugin_instance(ple_plugin *p);
/* The plugin's WASI state (NULL without WASI). */
void *ple_plugin_wasi(ple_plugin *p);

/* Limits and context of one call. Zero fields: no limit / none. */
typedef struct ple_call_opts {
    uint64_t fuel;        /* Wasm instructions */
    uint64_t timeout_ns;  /* wall time; also bounds HTTP requests made in the call */
    void *context;        /* for user host functions: ple_call_context() */
    /* The caller's cancel flag (NULL: the plugin's own, which
    ** ple_plugin_interrupt sets): once non-zero, the call stops
    ** (PL_E_LIMIT, PLW_TRAP_INTERRUPTED; an HTTP request in flight:
    ** PL_E_CANCELLED). */
    const pln_cancel *cancel;
} ple_call_opts;

/* Return codes for failures that have no code of their own, as the
** Extism C API reports them. */
#define PLE_RC_TRAP 134   /* a Wasm trap, timeout or fuel exhaustion */
#define PLE_RC_FAILED (-1) /* a host function failed, or an error was set before a trap */

/* What a call produced. Pointers stay valid until the next ple_call,
** ple_plugin_renew or ple_plugin_free of the same plugin. */
typedef struct ple_result {
    int32_t rc;              /* the export's i32 (0 for none), exit code, or PLE_RC_* */
    const uint8_t *output;   /* the bytes the plugin set with output_set */
    size_t output_len;       /* (also after a non-zero rc; 0 / NULL when none) */
    const char *error;       /* NULL on success; else the plugin's error_set text or */
    size_t error_len;        /* the failure message (not NUL-terminated when plugin's) */
    uint64_t fuel_used;
    plw_trap_kind trap;      /* PLW_TRAP_NONE unless the call trapped or exited */
    bool dead;               /* the instance trapped: renew or replace it */
} ple_result;

/*
** ple_call — call export `func` with `len` bytes of input (in may be NULL
** when len is 0). opts may be NULL. Extism memory is reset first; vars,
** globals and the plugin's own memory persist across calls.
** Returns:
**   PL_OK            the export returned 0 (or nothing) and set no error,
**                    or WASI proc_exit(0) ended it
**   PL_E_PLUGIN      error_set was called (even with rc 0): err and
**                    r->error hold its text; or rc != 0 ("'f' returned
**                    non-zero exit code: 3"); or proc_exit(n != 0)
**   PL_E_TRAP        a trap (r->dead): the trap message, or the plugin's
**                    error if it set one before trapping
**   PL_E_LIMIT       fuel, time or interrupt (r->dead); or the input does
**                    not fit in the Extism memory cap
**   PL_E_DENIED, PL_E_NETWORK, PL_E_TIMEOUT, PL_E_CANCELLED
**                    an Extism host function failed (r->dead): HTTP to a
**                    host outside the allow-list, var store full, ...
**   PL_E_NOT_FOUND   no such export; PL_E_INVALID_ARG: it has parameters
**                    or results other than one i32
**   PL_E_MISUSE      the instance is dead (renew it), or a call into a
**                    plugin that is already in a call (re-entrance)
**   PL_E_NOMEM
** After an export literally named `_start`, or a proc_exit, the next call
** first renews the instance (as the Rust host does), keeping the vars.
*/
pl_status ple_call(ple_plugin *p, const char *func, const void *in, size_t len,
                   const ple_call_opts *opts, ple_result *r, pl_err *err);

/* ---- for user host functions ---------------------------------------------
** Handles are Extism memory handles (0 = none). Pointers into Extism
** memory are valid until the next allocation in the same plugin (the
** memory may move when it grows) and never after the call ends. */

/* The plugin of a host function's call, or NULL when the calling instance
** is not a ple plugin (or is still being instantiated). */
ple_plugin *ple_from(plw_host_ctx *cx);
/* A new block of n bytes (zeroed); 0 when n is 0 or over the cap. */
uint64_t ple_alloc(ple_plugin *p, size_t n);
/* ple_alloc + copy. */
uint64_t ple_alloc_bytes(ple_plugin *p, const void *bytes, size_t n);
/* Data of the live block starting at h; NULL when h is not one. */
void *ple_ptr(ple_plugin *p, uint64_t h);
/* Used length of the live block starting at h; 0 when h is not one. */
uint64_t ple_len(ple_plugin *p, uint64_t h);
/* Free a block; 0, unknown and already freed handles are ignored. The
** block is reused only after the host function returns, so a function
** may free its argument and return a new block safely. */
void ple_free(ple_plugin *p, uint64_t h);
/* Set the call's error message (as the plugin's error_set would): the
** call fails with it once the export returns. 0, or -1 out of memory. */
int ple_set_error(ple_plugin *p, const char *msg, size_t len);
/* The context pointer of the current ple_call (ple_call_opts.context). */
void *ple_call_context(const ple_plugin *p);
/* The configuration value of key, or NULL (NUL-terminated, host-owned). */
const char *ple_config(const ple_plugin *p, const char *key);

#endif
