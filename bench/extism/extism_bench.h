/*
** extism_bench.h — what the two halves of bench_extism share (prefix xb_):
** extism_bench.c (the Extism layer: calls, count_vowels, instances, the
** summary against the targets) and extism_host.c (everything that
** needs the host's insides: the configured host on a loopback upstream,
** the instance pool, and the sans-IO round trip taken apart).
**
** Everything fails loudly (xb_die): a bench that measures a failing call
** measures nothing.
*/
#ifndef PL_BENCH_EXTISM_BENCH_H
#define PL_BENCH_EXTISM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "extism/extism.h"
#include "plinth/plinth.h"

void xb_die(const char *fmt, ...) PLU_PRINTF(1, 2) __attribute__((noreturn));

/* The median of v[0..n) (sorts v); 0 for n == 0. */
double xb_median(double *v, size_t n);

/* "met" or "NOT met" for a figure against an upper bound. */
const char *xb_verdict(double value, double target);

/* One call of the thing measured. */
typedef void (*xb_fn)(void *ud);

/*
** Seconds per call of fn: a warm-up, then XB_ROUNDS rounds of the same
** number of calls, chosen so that a round takes about xb_round_s seconds
** (at least one call); the median over the rounds of (round time / calls).
*/
#define XB_ROUNDS 11
extern double xb_round_s; /* 0.01 unless the command line says otherwise */
double xb_per_call(xb_fn fn, void *ud);

/* The limits every call of a configured plugin runs with: the
** configuration's defaults ([limits] fuel_units, wall_timeout_ms). */
#define XB_DEFAULT_FUEL 10000000u
extern const ple_call_opts xb_host_limits;
/* The fuel of the bench's host (extism_host.c), above the default so
** that a plugin needing more than the default is measured, not stopped. */
#define XB_FUEL 1000000000u

/* A module of the build tree, loaded (bytes kept for its life). */
typedef struct xb_module {
    uint8_t *bytes;
    size_t len;
    plw_module *m;
} xb_module;

void xb_module_load(xb_module *x, const char *path);
void xb_module_free(xb_module *x);

/* ---- extism_host.c ---------------------------------------------------------------------- */

/* The loopback upstream and a host with three plugins: `openai` (native),
** `openai_wasm` (plugins/wasm/openai.wasm) and `bench` (this bench's test
** plugin, a Wasm tool), all on the configuration's default limits. */
typedef struct xb_env xb_env;

xb_env *xb_env_open(void);
void xb_env_close(xb_env *e);
pl_host *xb_env_host(xb_env *e);

/* The Extism host a configured Wasm plugin's pool makes its instances
** from (its options: WASI, host functions, config, limits). Borrowed. */
ple_host *xb_env_ple_host(xb_env *e, const char *plugin);

/* The pool's path for a fresh instance: seconds per cycle of freeing the
** instance of a slot (what happens to one that trapped) and taking the
** slot again (plh_wasm_acquire makes the instance) and giving it back. */
double xb_pool_renew(xb_env *e, const char *plugin);

/* A sans-IO chat round trip (no network) of about `bytes` of request,
** taken apart; seconds per round trip, medians. */
typedef struct xb_sansio {
    size_t request, wire, http_json, resp_json, reply; /* bytes */
    uint64_t fuel_request, fuel_parse; /* Wasm instructions of the two exports */
    double n_total, n_plugin, n_host_json;             /* native */
    double w_total, w_exports, w_boundary, w_convert, w_host_json; /* Wasm */
} xb_sansio;

void xb_sans_io(xb_env *e, size_t bytes, xb_sansio *out);

#endif
