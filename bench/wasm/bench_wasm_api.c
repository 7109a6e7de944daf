/*
** bench_wasm_api.c — what it costs to call into, load and instantiate a
** module on plinth's engine, next to the targets:
**   (a) one host->Wasm call of an empty export (tiny.wasm nop(), and
**       add(i32, i32)): ns per plw_call, median of CALL_ROUNDS rounds of
**       1,000,000 calls each; once without limits and once with fuel and
**       a timeout as plugins run (target <= 15 ns);
**   (b) plw_module_load of big.wasm (decode + validate + compile of ~1 MB),
**       median of LOAD_ROUNDS loads, each timed alone (target <= 10 ms);
**   (c) plw_instantiate + plw_instance_free of tiny.wasm from an already
**       loaded module, and each of the two alone, median of INST_ROUNDS
**       (target <= 5 us); big.wasm's instantiation for comparison.
** (a) and (b) use the calling thread's CPU time, so that other programs
** on the machine do not inflate them; (c), whose steps take about a
** microsecond, uses wall time (CLOCK_MONOTONIC, a cheap vDSO read), where
** the median leaves out the rare step that was preempted. Every step is
** warmed up first.
*/
#include <stdio.h>
#include <stdlib.h>

#include "bench_wasm.h"

#define CALL_ROUNDS 11
#define CALLS_PER_ROUND 1000000
#define LOAD_ROUNDS 21
#define INST_ROUNDS 20001
#define BIG_INST_ROUNDS 201

static const plw_call_opts plugin_opts = {.fuel = 10000000u, .timeout_ns = 1000000000u};

/* ns per call of f over one round; *bad counts calls that did not return. */
static double call_round(plw_instance *inst, const plw_func *f, const plw_call_opts *opts,
                         int *bad)
{
    plw_cell args[2] = {1, 2}, res[1];
    pl_err err;
    int fails = 0;
    double t0 = bw_thread_cpu();
    for (uint32_t i = 0; i < CALLS_PER_ROUND; i++) {
        args[0] = i;
        fails += plw_call(inst, f, args, res, opts, NULL, &err) != PL_OK;
    }
    double t = bw_thread_cpu() - t0;
    *bad += fails;
    return t * 1e9 / CALLS_PER_ROUND;
}

static double call_median(plw_instance *inst, const plw_func *f, const plw_call_opts *opts,
                          int *bad)
{
    double ns[CALL_ROUNDS];
    call_round(inst, f, opts, bad); /* warm-up */
    for (int r = 0; r < CALL_ROUNDS; r++)
        ns[r] = call_round(inst, f, opts, bad);
    return bw_median(ns, CALL_ROUNDS);
}

static int call_figures(plw_module *tiny)
{
    plw_instance *inst = NULL;
    pl_err err;
    plu_err_clear(&err);
    if (plw_instantiate(tiny, NULL, NULL, &inst, &err) != PL_OK)
        bw_die("tiny.wasm: instantiate: %s", err.msg);
    const plw_func *nop = plw_instance_func(inst, "nop"), *add = plw_instance_func(inst, "add");
    if (!nop || !add)
        bw_die("tiny.wasm: no nop or add export");
    _Static_assert(CALLS_PER_ROUND == 1000000, "the heading says 1,000,000");
    printf("(a) host->Wasm call, tiny.wasm: ns of CPU per plw_call, median of %d rounds of"
           " 1,000,000 calls\n", CALL_ROUNDS);
    static const struct {
        const char *label;
        bool add, limits;
    } rows[] = {
        {"nop()", false, false},
        {"add(i32, i32)", true, false},
        {"nop(), fuel + timeout", false, true},
        {"add(i32, i32), fuel + timeout", true, true},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double ns = call_median(inst, rows[i].add ? add : nop,
                                rows[i].limits ? &plugin_opts : NULL, &bad);
        printf("  %-32s %8.1f ns   (target <= 15 ns: %s)\n", rows[i].label, ns,
               bw_verdict(ns, 15));
    }
    plw_instance_free(inst);
    if (bad)
        printf("  %d calls FAILED\n", bad);
    return bad != 0;
}

static int load_figures(void)
{
    uint8_t *bytes;
    size_t len;
    plw_module *m = bw_load("big.wasm", &bytes, &len); /* also the warm-up */
    size_t n_exports = plw_module_export_count(m);
    plw_module_free(m);
    double load[LOAD_ROUNDS], unload[LOAD_ROUNDS];
    int bad = 0;
    for (int r = 0; r < LOAD_ROUNDS; r++) {
        pl_err err;
        double t0 = bw_thread_cpu();
        pl_status st = plw_module_load(bytes, len, "big.wasm", &m, &err);
        double t1 = bw_thread_cpu();
        if (st == PL_OK)
            plw_module_free(m);
        load[r] = t1 - t0;
        unload[r] = bw_thread_cpu() - t1;
        bad += st != PL_OK;
    }
    free(bytes);
    double ms = bw_median(load, LOAD_ROUNDS) * 1e3;
    printf("(b) plw_module_load of big.wasm (%zu bytes, %zu exports): decode + validate +"
           " compile,\n    CPU time, median of %d\n", len, n_exports, LOAD_ROUNDS);
    printf("  %-32s %8.2f ms   (target <= 10 ms: %s)\n", "plw_module_load", ms,
           bw_verdict(ms, 10));
    printf("  %-32s %8.3f ms\n", "plw_module_free", bw_median(unload, LOAD_ROUNDS) * 1e3);
    if (bad)
        printf("  %d loads FAILED\n", bad);
    return bad != 0;
}

typedef struct inst_times {
    double both, inst, free; /* medians, seconds */
    int bad;
} inst_times;

static inst_times time_instantiate(plw_module *m, int rounds)
{
    double *both = malloc((size_t)rounds * 3 * sizeof *both);
    if (!both)
        bw_die("out of memory");
    double *inst = both + rounds, *fr = inst + rounds;
    inst_times r = {0};
    for (int i = -rounds / 10; i < rounds; i++) { /* negative i: warm-up */
        plw_instance *in = NULL;
        pl_err err;
        double t0 = bw_wall();
        pl_status st = plw_instantiate(m, NULL, NULL, &in, &err);
        double t1 = bw_wall();
        plw_instance_free(in);
        double t2 = bw_wall();
        r.bad += st != PL_OK;
        if (i >= 0)
            both[i] = t2 - t0, inst[i] = t1 - t0, fr[i] = t2 - t1;
    }
    r.both = bw_median(both, (size_t)rounds);
    r.inst = bw_median(inst, (size_t)rounds);
    r.free = bw_median(fr, (size_t)rounds);
    free(both);
    return r;
}

static int instantiate_figures(plw_module *tiny)
{
    inst_times t = time_instantiate(tiny, INST_ROUNDS);
    printf("(c) instantiating tiny.wasm from a loaded module: us of wall time, median of %d\n",
           INST_ROUNDS);
    printf("  %-32s %8.2f us   (target <= 5 us: %s)\n", "plw_instantiate + instance_free",
           t.both * 1e6, bw_verdict(t.both * 1e6, 5));
    printf("  %-32s %8.2f us\n", "plw_instantiate alone", t.inst * 1e6);
    printf("  %-32s %8.2f us\n", "plw_instance_free alone", t.free * 1e6);
    plw_module *big = bw_load("big.wasm", NULL, NULL);
    inst_times b = time_instantiate(big, BIG_INST_ROUNDS);
    plw_module_free(big);
    printf("  big.wasm, for comparison (median of %d):\n", BIG_INST_ROUNDS);
    printf("  %-32s %8.2f us\n", "plw_instantiate + instance_free", b.both * 1e6);
    printf("  %-32s %8.2f us\n", "plw_instantiate alone", b.inst * 1e6);
    if (t.bad + b.bad)
        printf("  %d instantiations FAILED\n", t.bad + b.bad);
    return t.bad + b.bad != 0;
}

int bw_api_figures(void)
{
    plw_module *tiny = bw_load("tiny.wasm", NULL, NULL);
    int failed = call_figures(tiny);
    failed += load_figures();
    failed += instantiate_figures(tiny);
    plw_module_free(tiny);
    return failed;
}
