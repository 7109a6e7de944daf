/*
** provider_bench.h — what the provider benches share (prefix pb_): a host
** whose `openai` provider talks to the in-process loopback upstream
** (tests/support/upstream.h), chat requests of a chosen size, and the same
** HTTP exchange the plugin makes, replayed with plain libcurl so the
** host's own cost is the difference between the two.
**
** Everything fails loudly (pb_die): a bench that measures a failing call
** measures nothing.
*/
#ifndef PL_BENCH_PROVIDER_BENCH_H
#define PL_BENCH_PROVIDER_BENCH_H

#include <curl/curl.h>
#include <stddef.h>

#include "plinth/plinth.h"
#include "upstream.h"

void pb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Monotonic time in microseconds. */
double pb_now_us(void);

/* The median of n samples (sorts them). */
double pb_median(double *v, size_t n);

/* A running upstream and a host on it (configuration in a temporary
** folder, removed by pb_close). */
typedef struct pb_env {
    upstream *up;
    pl_host *host;
    char dir[64], path[128];
} pb_env;

void pb_open(pb_env *e);
void pb_close(pb_env *e);

/* A wire chat request of about `bytes` bytes: a system prompt and a
** conversation of user and assistant turns of ~500 bytes each, ending
** with a user turn. pl_free() it. */
char *pb_chat_request(size_t bytes);

/* One pl_chat on the openai provider; dies unless it succeeds. */
void pb_host_chat(pl_host *h, const char *request_json);

/* The HTTP exchange the plugin made for a request, as the upstream saw
** it: URL, headers and body. */
typedef struct pb_exchange {
    char url[128];
    struct curl_slist *headers;
    char *body;
    size_t body_len;
} pb_exchange;

/* Make one host call with request_json and capture what it sent. */
void pb_capture(pb_env *e, const char *request_json, pb_exchange *x);
void pb_exchange_free(pb_exchange *x);

/* A plain libcurl client replaying one exchange: one easy handle, reused
** (so its connection stays warm), the reply read into memory. */
typedef struct pb_curl {
    CURL *easy;
    char *reply;
    size_t len, cap;
} pb_curl;

void pb_curl_init(pb_curl *c, const pb_exchange *x);
/* One exchange; dies unless the answer is a 200. */
void pb_curl_send(pb_curl *c);
void pb_curl_free(pb_curl *c);

#endif
