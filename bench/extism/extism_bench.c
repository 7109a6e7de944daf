/*
** extism_bench.c — bench_extism: what the Extism layer and the Wasm
** backend cost, next to the targets of issue 5. In one run:
**   1. an empty Extism-convention call (no input, no output) of
**      bench_plugin.wasm's nop: ns per call, through ple_call (without
**      limits, and with the host's fuel and timeout) and through the host's
**      pl_plugin_call on the plugin configured as a tool;
**   2. count_vowels (plugins/wasm/count_vowels.wasm) on "Hello, World!",
**      the input copied in and the output copied out: µs per call through
**      ple_call (target <= 1 µs), and through pl_plugin_call;
**   3. an instance from a loaded module: ple_plugin_new + ple_plugin_free,
**      and the host pool's path for a fresh instance (target <= 20 µs);
**   4. the sans-IO chat round trip (request build + reply parse, no
**      network) for ~2 KB and ~50 KB requests on the native and the Wasm
**      openai provider, the Wasm figure taken apart (see extism_host.c), so
**      the JSON work and the boundary can be told apart.
** Times are CPU time of the bench thread (see xb_per_call), medians of
** XB_ROUNDS rounds after a warm-up; nothing is asserted.
**
** usage: bench_extism [ROUND_MS [PART...]]   (10 ms rounds; parts 1 to 4,
**        all by default: `bench_extism 10 2` measures count_vowels only)
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extism_bench.h"

#define TARGET_CALL_US 1.0
#define TARGET_INSTANCE_US 20.0
#define TARGET_BOUNDARY_SHARE 0.5 /* "dominated by JSON work": the boundary under half */

double xb_round_s = 0.01;

const ple_call_opts xb_host_limits = {.fuel = XB_DEFAULT_FUEL, .timeout_ns = 5000000000u};

/* ---- helpers --------------------------------------------------------------------------- */

void xb_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_extism: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The rounds are timed in CPU time of this thread: the figures are what
** the code costs even when other work shares the machine (on an idle one
** it is the wall time). Reading this clock takes ~0.5 us, nothing next to
** a round. */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double xb_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *xb_verdict(double value, double target) { return value <= target ? "met" : "NOT met"; }

double xb_per_call(xb_fn fn, void *ud)
{
    /* Warm-up and sizing: one call, then batches that double until one
    ** takes a tenth of a round. */
    fn(ud);
    long calls = 1;
    for (;;) {
        double t0 = cpu_now();
        for (long i = 0; i < calls; i++)
            fn(ud);
        double t = cpu_now() - t0;
        if (t >= xb_round_s / 10 || calls >= 1L << 30) {
            calls = t > 0 ? (long)((double)calls * xb_round_s / t) : calls;
            break;
        }
        calls *= 2;
    }
    if (calls < 1)
        calls = 1;
    double per[XB_ROUNDS];
    for (int r = 0; r < XB_ROUNDS; r++) {
        double t0 = cpu_now();
        for (long i = 0; i < calls; i++)
            fn(ud);
        per[r] = (cpu_now() - t0) / (double)calls;
    }
    return xb_median(per, XB_ROUNDS);
}

void xb_module_load(xb_module *x, const char *path)
{
    memset(x, 0, sizeof *x);
    char *bytes = NULL;
    pl_err err;
    plu_err_clear(&err);
    if (plu_read_file(path, &bytes, &x->len, &err) != PL_OK)
        xb_die("%s (is it built?)", err.msg);
    x->bytes = (uint8_t *)bytes;
    const char *name = strrchr(path, '/');
    if (plw_module_load(x->bytes, x->len, name ? name + 1 : path, &x->m, &err) != PL_OK)
        xb_die("%s: %s", path, err.msg);
}

void xb_module_free(xb_module *x)
{
    plw_module_free(x->m);
    plu_free(x->bytes);
    memset(x, 0, sizeof *x);
}

/* A plugin of its own (default options: no WASI, no config) on module m. */
typedef struct solo {
    ple_host *h;
    ple_plugin *p;
} solo;

static solo solo_open(const xb_module *m)
{
    solo s;
    ple_options o;
    ple_options_init(&o);
    pl_err err;
    plu_err_clear(&err);
    if (ple_host_new(m->m, &o, &s.h, &err) != PL_OK || ple_plugin_new(s.h, &s.p, &err) != PL_OK)
        xb_die("ple_host_new / ple_plugin_new: %s", err.msg);
    return s;
}

static void solo_close(solo *s)
{
    ple_plugin_free(s->p);
    ple_host_free(s->h);
}

/* ---- 1 and 2: calls --------------------------------------------------------------------- */

typedef struct call {
    ple_plugin *p;
    const char *fn;
    const char *in;
    size_t len;
    const ple_call_opts *opts;
    char out[256]; /* the output, copied */
    size_t out_len;
    uint64_t fuel;  /* used by the last call (with limits) */
} call;

static void ple_once(void *ud)
{
    call *c = ud;
    ple_result r;
    pl_err err;
    if (ple_call(c->p, c->fn, c->in, c->len, c->opts, &r, &err) != PL_OK)
        xb_die("ple_call %s: %s", c->fn, err.msg);
    c->fuel = r.fuel_used;
    c->out_len = r.output_len < sizeof c->out ? r.output_len : sizeof c->out;
    memcpy(c->out, r.output, c->out_len);
}

typedef struct host_call {
    pl_host *h;
    const char *plugin, *fn;
    const char *in;
    size_t len;
} host_call;

static void host_once(void *ud)
{
    host_call *c = ud;
    void *out = NULL;
    size_t n = 0;
    if (pl_plugin_call(c->h, c->plugin, c->fn, c->in, c->len, NULL, &out, &n) != PL_OK)
        xb_die("pl_plugin_call %s: %s", c->fn, pl_host_last_error(c->h));
    pl_free(out);
}

typedef struct figures {
    bool part[5]; /* the parts measured (1..4) */
    double nop_ns, nop_limits_ns, nop_host_ns;
    double vowels_us, vowels_nolimits_us;
    double inst_us;
    xb_sansio s[2];
} figures;

static void call_figures(xb_env *e, const xb_module *bench, figures *f)
{
    solo s = solo_open(bench);
    call c = {.p = s.p, .fn = "nop"};
    f->nop_ns = xb_per_call(ple_once, &c) * 1e9;
    c.opts = &xb_host_limits;
    f->nop_limits_ns = xb_per_call(ple_once, &c) * 1e9;
    host_call hc = {xb_env_host(e), "bench", "nop", NULL, 0};
    f->nop_host_ns = xb_per_call(host_once, &hc) * 1e9;
    solo_close(&s);
    printf("1. empty Extism call (nop: no input, no output), ns per call, median of %d rounds\n",
           XB_ROUNDS);
    printf("   %-54s %9.1f ns\n", "ple_call, no limits", f->nop_ns);
    printf("   %-54s %9.1f ns\n", "ple_call, fuel + timeout (as the host calls)", f->nop_limits_ns);
    printf("   %-54s %9.1f ns\n", "pl_plugin_call (host: lookup, pool, limits, output copy)",
           f->nop_host_ns);
    printf("   %-54s %9.1f ns\n\n", "host overhead (pl_plugin_call - ple_call with limits)",
           f->nop_host_ns - f->nop_limits_ns);
}

static void vowel_figures(xb_env *e, const xb_module *cv, figures *f)
{
    solo s = solo_open(cv);
    static const char hello[] = "Hello, World!";
    call c = {.p = s.p, .fn = "count_vowels", .in = hello, .len = sizeof hello - 1,
              .opts = &xb_host_limits};
    f->vowels_us = xb_per_call(ple_once, &c) * 1e6;
    uint64_t fuel = c.fuel;
    c.opts = NULL;
    f->vowels_nolimits_us = xb_per_call(ple_once, &c) * 1e6;
    printf("2. count_vowels(\"%s\") (count_vowels.wasm, %zu bytes): us per call, input copied in,"
           "\n   output copied out, median of %d rounds; last output %.*s\n",
           hello, cv->len, XB_ROUNDS, (int)c.out_len, c.out);
    printf("   %-54s %9.3f us   (target <= %.0f us: %s)\n", "ple_call, fuel + timeout",
           f->vowels_us, TARGET_CALL_US, xb_verdict(f->vowels_us, TARGET_CALL_US));
    printf("   %-54s %9.3f us\n", "ple_call, no limits", f->vowels_nolimits_us);
    /* Through the host when it takes count_vowels as a configured plugin
    ** (a Wasm tool without plinth_describe). */
    pl_plugin_info pi = {0};
    host_call hc = {xb_env_host(e), "count_vowels", "count_vowels", hello, sizeof hello - 1};
    if (pl_host_plugin_find(hc.h, hc.plugin, &pi) == PL_OK && pi.state == PL_PLUGIN_READY)
        printf("   %-54s %9.3f us\n", "pl_plugin_call (the host's pool, limits, output copy)",
               xb_per_call(host_once, &hc) * 1e6);
    else
        printf("   pl_plugin_call: the host did not load count_vowels (%s)\n",
               pi.error ? pi.error : "?");
    printf("   %-54s %9" PRIu64 "    (%.2f ns per instruction, host calls included)\n\n",
           "Wasm instructions per call (fuel)", fuel, f->vowels_us * 1e3 / (double)fuel);
    solo_close(&s);
}

/* ---- 3: instances ----------------------------------------------------------------------- */

typedef struct inst_times {
    double both, make, drop; /* medians, seconds */
} inst_times;

static void new_free_once(void *ud)
{
    ple_plugin *p = NULL;
    pl_err err;
    if (ple_plugin_new(ud, &p, &err) != PL_OK)
        xb_die("ple_plugin_new: %s", err.msg);
    ple_plugin_free(p);
}

/* ple_plugin_new + ple_plugin_free as one cycle (xb_per_call), then each
** alone: XB_ROUNDS rounds of INST_BATCH instances made, then freed. */
#define INST_BATCH 64
static inst_times time_instances(ple_host *h)
{
    inst_times r = {xb_per_call(new_free_once, h), 0, 0};
    double make[XB_ROUNDS], drop[XB_ROUNDS];
    ple_plugin *p[INST_BATCH];
    for (int round = 0; round < XB_ROUNDS; round++) {
        pl_err err;
        double t0 = cpu_now();
        for (int i = 0; i < INST_BATCH; i++)
            if (ple_plugin_new(h, &p[i], &err) != PL_OK)
                xb_die("ple_plugin_new: %s", err.msg);
        double t1 = cpu_now();
        for (int i = 0; i < INST_BATCH; i++)
            ple_plugin_free(p[i]);
        make[round] = (t1 - t0) / INST_BATCH;
        drop[round] = (cpu_now() - t1) / INST_BATCH;
    }
    r.make = xb_median(make, XB_ROUNDS);
    r.drop = xb_median(drop, XB_ROUNDS);
    return r;
}

static void print_instance(const char *label, inst_times t, bool target)
{
    printf("   %-40s %8.2f  %8.2f  %8.2f us", label, t.both * 1e6, t.make * 1e6, t.drop * 1e6);
    if (target)
        printf("   (target <= %.0f us: %s)", TARGET_INSTANCE_US,
               xb_verdict(t.both * 1e6, TARGET_INSTANCE_US));
    putchar('\n');
}

static void instance_figures(xb_env *e, const xb_module *cv, const xb_module *bench, figures *f)
{
    printf("3. an instance from a loaded module, us, median of %d rounds (new and free alone:\n"
           "   %d instances made, then freed, per round)\n", XB_ROUNDS, INST_BATCH);
    printf("   %-40s %8s  %8s  %8s\n", "", "new+free", "new", "free");
    solo s = solo_open(cv);
    inst_times t = time_instances(s.h);
    f->inst_us = t.both * 1e6;
    char label[128];
    snprintf(label, sizeof label, "count_vowels.wasm (%zu B), ple_plugin_*", cv->len);
    print_instance(label, t, true);
    solo_close(&s);
    s = solo_open(bench);
    snprintf(label, sizeof label, "bench_plugin.wasm (%zu B), ple_plugin_*", bench->len);
    print_instance(label, time_instances(s.h), false);
    solo_close(&s);
    print_instance("bench plugin, the host's options", time_instances(xb_env_ple_host(e, "bench")),
                   false);
    print_instance("openai.wasm, the host's options",
                   time_instances(xb_env_ple_host(e, "openai_wasm")), false);
    printf("   host pool, a fresh instance in a slot (free + acquire + release):\n");
    printf("   %-40s %8.2f us\n", "bench plugin", xb_pool_renew(e, "bench") * 1e6);
    printf("   %-40s %8.2f us\n\n", "openai.wasm", xb_pool_renew(e, "openai_wasm") * 1e6);
}

/* ---- 4: the sans-IO round trip ---------------------------------------------------------- */

static double boundary_share(const xb_sansio *s) { return s->w_boundary / s->w_total; }

/* The plugin's own work in its exports, the HTTP conversion and the
** host's JSON, over the parts measured (the boundary included). */
static double json_share(const xb_sansio *s)
{
    double parts = s->w_exports + s->w_convert + s->w_host_json;
    return (parts - s->w_boundary) / parts;
}

static void row(const char *label, double a, double b)
{
    printf("   %-58s %10.1f %10.1f\n", label, a * 1e6, b * 1e6);
}

static void sans_io_figures(xb_env *e, figures *f)
{
    xb_sans_io(e, 2048, &f->s[0]);
    xb_sans_io(e, 51200, &f->s[1]);
    const xb_sansio *a = &f->s[0], *b = &f->s[1];
    printf("4. sans-IO chat round trip, no network (wire request built, HTTP request built,\n"
           "   reply parsed, checked and re-serialised): us per round trip, median\n");
    printf("   %-58s %10s %10s\n", "", "~2 KB", "~50 KB");
    printf("   %-58s %10zu %10zu\n", "bytes: caller's request", a->request, b->request);
    printf("   %-58s %10zu %10zu\n", "       wire request (chat_request's input)", a->wire,
           b->wire);
    printf("   %-58s %10zu %10zu\n", "       HTTP request JSON (its output, body as numbers)",
           a->http_json, b->http_json);
    printf("   %-58s %10zu %10zu\n", "       reply JSON (parse_chat_response's input)",
           a->resp_json, b->resp_json);
    printf("   %-58s %10zu %10zu\n", "       parsed reply (its output)", a->reply, b->reply);
    printf("   %-58s %10.2f %10.2f\n", "fuel (10^6 instructions): chat_request",
           (double)a->fuel_request / 1e6, (double)b->fuel_request / 1e6);
    printf("   %-58s %10.2f %10.2f\n", "                          parse_chat_response",
           (double)a->fuel_parse / 1e6, (double)b->fuel_parse / 1e6);
    for (int i = 0; i < 2; i++)
        if (f->s[i].fuel_request > XB_DEFAULT_FUEL || f->s[i].fuel_parse > XB_DEFAULT_FUEL)
            printf("   (%s: over the default fuel_units of %.0f million: pl_chat stops there with"
                   " a fuel trap)\n", i ? "~50 KB" : "~2 KB", XB_DEFAULT_FUEL / 1e6);
    row("native openai.so: round trip", a->n_total, b->n_total);
    row("  plugin: build + parse", a->n_plugin, b->n_plugin);
    row("  host JSON: wire request, reply check", a->n_host_json, b->n_host_json);
    row("Wasm openai.wasm: round trip", a->w_total, b->w_total);
    row("  export calls: chat_request + parse_chat_response", a->w_exports, b->w_exports);
    row("    of which the boundary (the same bytes in and out of move)", a->w_boundary,
        b->w_boundary);
    row("  JSON conversion of the HTTP request and reply (byte arrays)", a->w_convert,
        b->w_convert);
    row("  host JSON: wire request, its parse + cfg, reply check", a->w_host_json,
        b->w_host_json);
    row("  the rest (pool, sinks, copies; parts timed apart: noise)",
        a->w_total - a->w_exports - a->w_convert - a->w_host_json,
        b->w_total - b->w_exports - b->w_convert - b->w_host_json);
    printf("   %-58s %9.1fx %9.1fx\n", "Wasm / native", a->w_total / a->n_total,
           b->w_total / b->n_total);
    printf("   %-58s %9.1f%% %9.1f%%\n", "boundary share of the Wasm round trip",
           100 * boundary_share(a), 100 * boundary_share(b));
    printf("   %-58s %9.1f%% %9.1f%%\n\n", "JSON work's share of the parts (all but the boundary)",
           100 * json_share(a), 100 * json_share(b));
}

/* ---- the targets ------------------------------------------------------------------------ */

static void summary(const figures *f)
{
    printf("targets (issue 5)                                      figure       target\n");
    if (f->part[2])
        printf("  count_vowels call, input + output copied (ple_call) %9.3f us   <= %.0f us"
               "   (Extism JS SDK ~3.6 us; go-sdk no-op 7.4 us)\n",
               f->vowels_us, TARGET_CALL_US);
    if (f->part[3])
        printf("  instance from a loaded module (count_vowels)        %9.2f us   <= %.0f us"
               "  (JS SDK ~100 us)\n",
               f->inst_us, TARGET_INSTANCE_US);
    static const char *const sizes[] = {"2 KB", "50 KB"};
    for (int i = 0; f->part[4] && i < 2; i++)
        printf("  sans-IO %-5s: the boundary's share of the Wasm trip %8.1f %%    < %.0f %%\n",
               sizes[i], 100 * boundary_share(&f->s[i]), 100 * TARGET_BOUNDARY_SHARE);
    if (f->part[2])
        printf("count_vowels call <= %.0f us: %s\n", TARGET_CALL_US,
               xb_verdict(f->vowels_us, TARGET_CALL_US));
    if (f->part[3])
        printf("instance creation <= %.0f us: %s\n", TARGET_INSTANCE_US,
               xb_verdict(f->inst_us, TARGET_INSTANCE_US));
    bool json = true;
    for (int i = 0; i < 2; i++)
        json = json && boundary_share(&f->s[i]) < TARGET_BOUNDARY_SHARE;
    if (f->part[4])
        printf("sans-IO round trip dominated by JSON work, not by the boundary: %s\n",
               json ? "met" : "NOT met");
}

int main(int argc, char **argv)
{
    figures f;
    memset(&f, 0, sizeof f);
    if (argc > 1 && (xb_round_s = atof(argv[1]) / 1e3) <= 0)
        xb_die("usage: bench_extism [ROUND_MS [PART...]]   (PART: 1 to 4; all by default)");
    for (int i = 2; i < argc; i++) {
        int k = atoi(argv[i]);
        if (k < 1 || k > 4)
            xb_die("no part '%s': the parts are 1 to 4", argv[i]);
        f.part[k] = true;
    }
    if (argc <= 2)
        f.part[1] = f.part[2] = f.part[3] = f.part[4] = true;
    setvbuf(stdout, NULL, _IOLBF, 0);
    xb_module bench, cv;
    xb_module_load(&bench, PL_XB_PLUGIN);
    xb_module_load(&cv, PL_XB_PLUGIN_DIR "/wasm/count_vowels.wasm");
    xb_env *e = xb_env_open();
    printf("bench_extism: the Extism layer and the Wasm backend (CPU time, %.0f ms rounds)\n\n",
           xb_round_s * 1e3);
    if (f.part[1])
        call_figures(e, &bench, &f);
    if (f.part[2])
        vowel_figures(e, &cv, &f);
    if (f.part[3])
        instance_figures(e, &cv, &bench, &f);
    if (f.part[4])
        sans_io_figures(e, &f);
    summary(&f);
    xb_env_close(e);
    xb_module_free(&cv);
    xb_module_free(&bench);
    return 0;
}
