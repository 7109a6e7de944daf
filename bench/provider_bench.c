/*
** provider_bench.c — the shared part of the provider benches (see
** provider_bench.h).
*/
#include "provider_bench.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pb_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

double pb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pb_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the host on the upstream -------------------------------------------- */

static void write_config(pb_env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/plinth-bench-XXXXXX");
    if (!mkdtemp(e->dir))
        pb_die("cannot make a temporary folder");
    snprintf(e->path, sizeof e->path, "%s/plinth.toml", e->dir);
    FILE *f = fopen(e->path, "w");
    if (!f)
        pb_die("cannot write %s", e->path);
    fprintf(f,
            "[trust]\nallow_unsigned = [\"openai\"]\n"
            "[[providers]]\nname = \"openai\"\npath = \"%s/native/openai.so\"\n"
            "[providers.limits]\nwall_timeout_ms = 30000\n"
            "[providers.config]\nmodel = \"fake-model\"\nbase_url = \"%s/v1\"\n"
            "api_key = \"sk-bench\"\n",
            PL_BENCH_PLUGIN_DIR, upstream_url(e->up));
    fclose(f);
}

void pb_open(pb_env *e)
{
    /* A proxy from the environment would measure the proxy. */
    setenv("no_proxy", "127.0.0.1", 1);
    /* Before any thread exists: libcurl's global init is not thread-safe
    ** everywhere, and the benches' own easy handles rely on it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        pb_die("curl_global_init failed");
    memset(e, 0, sizeof *e);
    if (!(e->up = upstream_start()))
        pb_die("cannot start the upstream");
    write_config(e);
    char err[1024];
    if (pl_host_open(e->path, &e->host, err, sizeof err) != PL_OK)
        pb_die("pl_host_open: %s", err);
    pl_plugin_info pi;
    if (pl_host_plugin_find(e->host, "openai", &pi) != PL_OK || pi.state != PL_PLUGIN_READY)
        pb_die("the openai plugin did not load: %s", pi.error ? pi.error : "?");
}

void pb_close(pb_env *e)
{
    pl_host_close(e->host);
    upstream_stop(e->up);
    unlink(e->path);
    rmdir(e->dir);
    curl_global_cleanup();
}

/* About n bytes of words. */
static char *filler(size_t n, unsigned seed)
{
    static const char *const words[] = {"plugin", "host", "model", "stream", "token",
                                        "request", "reply", "context", "window", "tool"};
    char *s = malloc(n + 16);
    size_t len = 0;
    if (!s)
        pb_die("out of memory");
    while (len < n) {
        const char *w = words[(seed + len) % 10];
        size_t wl = strlen(w);
        memcpy(s + len, w, wl);
        s[len + wl] = ' ';
        len += wl + 1;
    }
    s[len ? len - 1 : 0] = '\0';
    return s;
}

static size_t request_size(const pl_request *r)
{
    char *json = NULL;
    if (pl_request_to_json(r, &json) != PL_OK)
        pb_die("out of memory");
    size_t n = strlen(json);
    pl_free(json);
    return n;
}

static void add_turn(pl_request *r, bool user, size_t n, unsigned seed)
{
    char *text = filler(n, seed);
    pl_status st = user ? pl_request_user(r, text) : pl_request_assistant(r, text);
    free(text);
    if (st != PL_OK)
        pb_die("out of memory");
}

char *pb_chat_request(size_t bytes)
{
    pl_request *r = NULL;
    if (pl_request_new(&r) != PL_OK || pl_request_system(r, "You are a careful assistant."))
        pb_die("out of memory");
    /* Whole user/assistant pairs while another fits, then a last user turn
    ** that fills up to the size (~80 bytes of JSON around each text). */
    size_t have = request_size(r);
    for (unsigned turn = 0; have + 2 * (500 + 80) + 100 < bytes; turn += 2) {
        add_turn(r, true, 500, turn);
        add_turn(r, false, 500, turn + 1);
        have = request_size(r);
    }
    add_turn(r, true, bytes > have + 80 ? bytes - have - 80 : 8, 7);
    char *json = NULL;
    if (pl_request_to_json(r, &json) != PL_OK)
        pb_die("out of memory");
    pl_request_free(r);
    return json;
}

void pb_host_chat(pl_host *h, const char *request_json)
{
    char *out = NULL;
    pl_status st = pl_chat(h, "openai", request_json, NULL, &out);
    if (st != PL_OK)
        pb_die("pl_chat: %s", pl_host_last_error(h));
    pl_free(out);
}

/* ---- the same exchange with plain libcurl ------------------------------------ */

void pb_capture(pb_env *e, const char *request_json, pb_exchange *x)
{
    memset(x, 0, sizeof *x);
    pb_host_chat(e->host, request_json);
    upstream_request rq;
    if (!upstream_last_request(e->up, &rq))
        pb_die("the upstream saw no request");
    snprintf(x->url, sizeof x->url, "%s%s", upstream_url(e->up), rq.path);
    /* The headers the plugin asked for; curl adds Host, User-Agent and
    ** Content-Length itself, as it does for the host. */
    static const char *const keep[] = {"authorization", "content-type", "accept"};
    char line[1024];
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = upstream_request_header(&rq, keep[i]);
        snprintf(line, sizeof line, "%s: %s", keep[i], v ? v : "");
        if (v && !(x->headers = curl_slist_append(x->headers, line)))
            pb_die("out of memory");
    }
    x->headers = curl_slist_append(x->headers, "Expect:");
    x->body = malloc(rq.body_len + 1);
    if (!x->headers || !x->body)
        pb_die("out of memory");
    memcpy(x->body, rq.body, rq.body_len + 1);
    x->body_len = rq.body_len;
    upstream_request_free(&rq);
}

void pb_exchange_free(pb_exchange *x)
{
    curl_slist_free_all(x->headers);
    free(x->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    pb_curl *c = ud;
    size_t len = size * n;
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16384;
        while (cap < c->len + len)
            cap *= 2;
        if (!(c->reply = realloc(c->reply, cap)))
            pb_die("out of memory");
        c->cap = cap;
    }
    memcpy(c->reply + c->len, p, len);
    c->len += len;
    return len;
}

void pb_curl_init(pb_curl *c, const pb_exchange *x)
{
    memset(c, 0, sizeof *c);
    if (!(c->easy = curl_easy_init()))
        pb_die("curl_easy_init failed");
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
}

void pb_curl_send(pb_curl *c)
{
    c->len = 0;
    CURLcode rc = curl_easy_perform(c->easy);
    long code = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK || code != 200)
        pb_die("libcurl: %s (HTTP %ld)", curl_easy_strerror(rc), code);
}

void pb_curl_free(pb_curl *c)
{
    curl_easy_cleanup(c->easy);
    free(c->reply);
}
