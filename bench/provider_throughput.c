/*
** provider_throughput.c — chat requests per second through the host,
** next to the same requests sent with plain libcurl.
**
** With 1 and with 8 threads, for a fixed time each:
**   host    — every thread calls pl_chat on one shared host's `openai`
**             provider (the host is thread-safe; its HTTP client shares
**             one connection pool between the threads);
**   libcurl — every thread replays the exchange the plugin makes (the
**             bytes captured at the upstream) on its own reused easy
**             handle.
** Both against the same in-process upstream (tests/support), which serves
** each connection on its own thread. The figure is the ratio host/libcurl:
** how much of the plain HTTP rate survives the host. On a machine with
** fewer cores than threads the upstream competes for them with the
** callers, in both columns alike.
**
** usage: bench_provider_throughput [SECONDS_PER_RUN] [REQUEST_BYTES]
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider_bench.h"

#define MAX_THREADS 8

typedef struct shared {
    pl_host *host;
    const char *req;
    const pb_exchange *x;
    bool use_host;
    atomic_bool go, stop;
} shared;

typedef struct worker {
    shared *sh;
    pthread_t th;
    unsigned long calls;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    pb_curl curl;
    if (!sh->use_host)
        pb_curl_init(&curl, sh->x);
    while (!atomic_load(&sh->go))
        ;
    while (!atomic_load(&sh->stop)) {
        if (sh->use_host)
            pb_host_chat(sh->host, sh->req);
        else
            pb_curl_send(&curl);
        w->calls++;
    }
    if (!sh->use_host)
        pb_curl_free(&curl);
    return NULL;
}

static void sleep_us(double us)
{
    double end = pb_now_us() + us;
    while (pb_now_us() < end) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Requests per second with n threads for `seconds`. */
static double rate(shared *sh, int n, double seconds)
{
    worker w[MAX_THREADS];
    atomic_store(&sh->go, false);
    atomic_store(&sh->stop, false);
    for (int i = 0; i < n; i++) {
        w[i] = (worker){.sh = sh};
        if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0)
            pb_die("cannot start a thread");
    }
    double t0 = pb_now_us();
    atomic_store(&sh->go, true);
    sleep_us(seconds * 1e6);
    atomic_store(&sh->stop, true);
    unsigned long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].calls;
    }
    return (double)total / ((pb_now_us() - t0) / 1e6);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.6;
    long bytes = argc > 2 ? atol(argv[2]) : 1024;
    if (seconds <= 0 || bytes < 256)
        pb_die("usage: bench_provider_throughput [SECONDS_PER_RUN] [REQUEST_BYTES >= 256]");
    pb_env e;
    pb_open(&e);
    char *req = pb_chat_request((size_t)bytes);
    pb_exchange x;
    pb_capture(&e, req, &x);
    shared sh = {.host = e.host, .req = req, .x = &x};
    printf("chat requests per second: openai plugin vs plain libcurl, in-process upstream\n"
           "(%.1f s per run, ~%zu-byte wire request, %zu-byte HTTP body)\n",
           seconds, strlen(req), x.body_len);
    printf("%-8s %12s %15s %14s\n", "threads", "host req/s", "libcurl req/s", "host/libcurl");
    static const int threads[] = {1, MAX_THREADS};
    for (size_t i = 0; i < 2; i++) {
        sh.use_host = true;
        rate(&sh, threads[i], seconds / 4); /* warm the pool for this many threads */
        double host = rate(&sh, threads[i], seconds);
        sh.use_host = false;
        double plain = rate(&sh, threads[i], seconds);
        printf("%-8d %12.0f %15.0f %14.2f\n", threads[i], host, plain, host / plain);
    }
    pb_exchange_free(&x);
    pl_free(req);
    pb_close(&e);
    return 0;
}
