/*
** provider_overhead.c — what the host adds to one native provider chat
** call, the network excluded.
**
** For a ~2 KB and a ~50 KB chat request it times, call by call:
**   host    — pl_chat on the `openai` plugin: the wire request checked and
**             built, the plugin's HTTP request built, the allow-list
**             check, the exchange with the in-process loopback upstream
**             (tests/support), the plugin's parse, the reply re-serialised;
**   libcurl — the same HTTP exchange (the very bytes the plugin sent,
**             captured at the upstream) done with plain libcurl on one
**             reused easy handle, the reply only read into memory.
** Both talk to the same upstream over warm loopback connections, so the
** difference is the host's own cost per call. Figures are medians in µs
** over many calls, after a warm-up.
**
** usage: bench_provider_overhead [MAX_CALLS] [SECONDS_PER_RUN]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_bench.h"

typedef struct run_opts {
    size_t max_calls;
    double budget_us; /* a run stops after this long, or at max_calls */
} run_opts;

typedef void (*call_fn)(void *ud);

/* Median µs per call of fn over one run. */
static double median_us(call_fn fn, void *ud, const run_opts *o, size_t *calls)
{
    for (int i = 0; i < 50; i++) /* warm connections, caches and allocators */
        fn(ud);
    double *t = malloc(o->max_calls * sizeof *t);
    if (!t)
        pb_die("out of memory");
    size_t n = 0;
    double start = pb_now_us();
    while (n < o->max_calls && (n < 100 || pb_now_us() - start < o->budget_us)) {
        double t0 = pb_now_us();
        fn(ud);
        t[n++] = pb_now_us() - t0;
    }
    double m = pb_median(t, n);
    free(t);
    *calls = n;
    return m;
}

typedef struct host_call {
    pl_host *h;
    const char *req;
} host_call;

static void via_host(void *ud)
{
    host_call *c = ud;
    pb_host_chat(c->h, c->req);
}

static void via_curl(void *ud) { pb_curl_send(ud); }

static void measure(pb_env *e, const char *label, size_t bytes, const run_opts *o)
{
    char *req = pb_chat_request(bytes);
    pb_exchange x;
    pb_capture(e, req, &x);
    pb_curl curl;
    pb_curl_init(&curl, &x);
    host_call hc = {e->host, req};
    size_t n_host, n_curl;
    double host = median_us(via_host, &hc, o, &n_host);
    double plain = median_us(via_curl, &curl, o, &n_curl);
    printf("%-8s %9.1f %9.1f %9zu %10.1f %12.1f %13.1f\n", label, (double)strlen(req) / 1024.0,
           (double)x.body_len / 1024.0, n_host < n_curl ? n_host : n_curl, host, plain,
           host - plain);
    pb_curl_free(&curl);
    pb_exchange_free(&x);
    pl_free(req);
}

int main(int argc, char **argv)
{
    run_opts o = {argc > 1 ? (size_t)atol(argv[1]) : 5000,
                  (argc > 2 ? atof(argv[2]) : 0.5) * 1e6};
    if (o.max_calls < 100 || o.budget_us <= 0)
        pb_die("usage: bench_provider_overhead [MAX_CALLS >= 100] [SECONDS_PER_RUN]");
    pb_env e;
    pb_open(&e);
    printf("provider chat call overhead: openai plugin, in-process loopback upstream\n"
           "median us per call (at most %zu calls or %.1f s per run)\n",
           o.max_calls, o.budget_us / 1e6);
    printf("%-8s %9s %9s %9s %10s %12s %13s\n", "request", "wire KB", "HTTP KB", "calls",
           "host us", "libcurl us", "overhead us");
    measure(&e, "2 KB", 2048, &o);
    measure(&e, "50 KB", 50 * 1024, &o);
    pb_close(&e);
    return 0;
}
