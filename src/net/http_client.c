/*
** http_client.c — pln_send and pln_stream on libcurl.
**
** One client holds a CURLSH share (DNS cache, TLS sessions, connection
** pool) guarded by pthread mutexes, so calls from any thread reuse warm
** connections. Each attempt runs one easy handle on its own multi handle,
** polled in slices of at most POLL_SLICE_MS so that a cancel flag set by
** another thread and the total deadline are noticed promptly: libcurl's
** blocking curl_easy_perform would only notice them at its own timeouts.
**
** Redirects are not followed: the allow-list was checked against the URL
** the caller gave, and a Location header could point anywhere (an internal
** address, another scheme). A 3xx comes back as a response instead.
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/http_internal.h"
#include "plinth/plinth_version.h"

#define POLL_SLICE_MS 50
#define DEFAULT_CONNECT_MS 10000u
#define DEFAULT_RETRY_BASE_MS 500u
#define DEFAULT_RETRY_MAX_MS 30000u
#define DEFAULT_MAX_BODY ((size_t)64 << 20)
/* Idle connections a call may leave in the shared pool. libcurl's default
** (4 per easy handle of the multi handle, so 4 here) would close warm
** connections as soon as a few threads call at once. */
#define POOL_MAX_CONNECTS 64L

struct pln_client {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

/* ---- process-wide init -------------------------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_curl_ok;

static void curl_init_once(void)
{
    /* Never undone with curl_global_cleanup: other parts of the process
    ** may use libcurl, and the cleanup is not thread-safe either. */
    g_curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool pln__curl_init(void)
{
    pthread_once(&g_once, curl_init_once);
    return g_curl_ok;
}

/* ---- the client --------------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *ud)
{
    pln_client *c = ud;
    if ((int)d >= 0 && d < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *ud)
{
    pln_client *c = ud;
    if ((int)d >= 0 && d < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->locks[d]);
}

pln_client *pln_client_new(pl_err *err)
{
    if (!pln__curl_init()) {
        plu_errf(err, PL_E_NETWORK, NULL, "libcurl could not be initialised");
        return NULL;
    }
    pln_client *c = plu_calloc(1, sizeof *c);
    if (!c) {
        plu_err_nomem(err);
        return NULL;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    c->share = curl_share_init();
    bool ok = c->share != NULL;
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    ok = ok && !curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    if (!ok) {
        pln_client_free(c);
        plu_errf(err, PL_E_NOMEM, NULL, "libcurl share handle could not be set up");
        return NULL;
    }
    return c;
}

void pln_client_free(pln_client *c)
{
    if (!c)
        return;
    if (c->share)
        curl_share_cleanup(c->share); /* closes the pooled connections */
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->locks[i]);
    plu_free(c);
}

/* ---- clocks, sleeps, jitter --------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool is_cancelled(const pln_cancel *cancel)
{
    return cancel && atomic_load(cancel) != 0;
}

/* Sleep ms in slices, watching the cancel flag. False when cancelled. */
static bool sleep_ms(uint64_t ms, const pln_cancel *cancel)
{
    uint64_t end = now_ms() + ms;
    for (;;) {
        if (is_cancelled(cancel))
            return false;
        uint64_t now = now_ms();
        if (now >= end)
            return true;
        uint64_t slice = end - now < POLL_SLICE_MS ? end - now : POLL_SLICE_MS;
        struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Jitter needs no quality, only that clients retrying together spread
** out: a per-thread xorshift seeded from the clock and the stack. */
static uint32_t jitter_rand(void)
{
    static _Thread_local uint64_t s;
    if (!s) {
        uint64_t local = 0;
        s = (now_ms() << 20) ^ (uint64_t)(uintptr_t)&local ^ 0x9E3779B97F4A7C15ull;
    }
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return (uint32_t)(s >> 32);
}

/* ---- one call ------------------------------------------------------------ */

typedef struct call {
    const pln_request *req;
    const pln_policy *pol;
    const pln_cancel *cancel;
    CURLSH *share;
    bool streaming;
    pln_framing framing;
    pln_event_fn on_event;
    void *ud;
    pln_response *resp;
    pl_err *err;
    const char *method;
    char shown[512];       /* the URL for messages */
    CURLU *url;            /* parsed and allow-listed */
    uint64_t deadline;     /* monotonic ms; 0: none */
    size_t max_body;
    /* per attempt */
    CURL *easy;
    pln_framer fr;
    bool mode_known;       /* the status was read at the first body byte */
    bool framing_on;       /* this body goes to the framer (a 2xx stream) */
    bool over_limit, stopped, oom;
    size_t body_bytes;
    char errbuf[CURL_ERROR_SIZE];
} call;

/* Record "<METHOD> <url>: <what happened>" and return st. */
static pl_status fail(call *k, pl_status st, const char *fmt, ...) PLU_PRINTF(3, 4);
static pl_status fail(call *k, pl_status st, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uint32_t n = k->resp->attempts;
    if (n > 1 && st != PL_E_CANCELLED)
        return plu_errf(k->err, st, NULL, "%s %s: %s (%u attempts)", k->method, k->shown, what,
                        (unsigned)n);
    return plu_errf(k->err, st, NULL, "%s %s: %s", k->method, k->shown, what);
}

static void reset_headers(pln_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        plu_free(r->headers[i].name);
        plu_free(r->headers[i].value);
    }
    r->n_headers = 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    call *k = ud;
    size_t n = size * nmemb, len = n;
    /* A status line starts a new header block: interim 1xx answers and a
    ** proxy's CONNECT reply come before the real one. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        reset_headers(k->resp);
        return n;
    }
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    const char *colon = len ? memchr(p, ':', len) : NULL;
    if (!colon || colon == p)
        return n; /* the blank line, or something that is no header */
    size_t nlen = (size_t)(colon - p);
    while (nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
        nlen--;
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (pln_response_add_header(k->resp, p, nlen, v, (size_t)(end - v))) {
        k->oom = true;
        return 0;
    }
    return n;
}

/* Does the Content-Type say the body is one JSON document? */
static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

/* Is this body the stream that was asked for? Only a 2xx one, and for SSE
** (and raw streams, which are SSE or NDJSON the plugin reads itself) not
** one labelled JSON (see pln_stream in http.h). Any other label is read as
** asked: servers label streams loosely (text/plain, none). NDJSON needs no
** such rule, since one JSON document is one NDJSON line. */
static bool body_is_stream(const call *k, long code)
{
    if (!k->streaming || code < 200 || code > 299)
        return false;
    return k->framing == PLN_NDJSON ||
           !is_json_type(pln_response_header(k->resp, "content-type"));
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    call *k = ud;
    size_t n = size * nmemb;
    if (!k->mode_known) {
        long code = 0;
        curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &code);
        k->resp->status = (int)code;
        k->framing_on = body_is_stream(k, code);
        k->resp->streamed = k->framing_on;
        k->mode_known = true;
    }
    /* Counted after decoding: what we hold is what the limit protects. */
    if (n > k->max_body - k->body_bytes) {
        k->over_limit = true;
        return 0;
    }
    k->body_bytes += n;
    if (!k->framing_on) {
        if (plu_buf_append(&k->resp->body, p, n)) {
            k->oom = true;
            return 0;
        }
        return n;
    }
    int rc = pln_framer_feed(&k->fr, p, n, k->on_event, k->ud);
    if (rc < 0)
        k->oom = true;
    else if (rc > 0)
        k->stopped = true;
    return rc ? 0 : n;
}

/* The header list: the caller's, plus two removals of curl defaults that
** would be wrong here ("Expect: 100-continue" stalls big POSTs a second on
** servers that ignore it; the form content type is a lie for JSON). */
static pl_status build_headers(call *k, struct curl_slist **out)
{
    bool has_ct = false, has_expect = false;
    plu_buf line;
    plu_buf_init(&line);
    for (size_t i = 0; i < k->req->n_headers; i++) {
        const pln_header *h = &k->req->headers[i];
        has_ct |= strcasecmp(h->name, "content-type") == 0;
        has_expect |= strcasecmp(h->name, "expect") == 0;
        line.len = 0;
        /* "Name;" is curl's spelling of a header sent with an empty value. */
        int rc = *h->value ? plu_buf_printf(&line, "%s: %s", h->name, h->value)
                           : plu_buf_printf(&line, "%s;", h->name);
        struct curl_slist *n = rc ? NULL : curl_slist_append(*out, line.data);
        if (!n) {
            plu_buf_free(&line);
            return PL_E_NOMEM;
        }
        *out = n;
    }
    plu_buf_free(&line);
    const char *extra[2] = {has_expect ? NULL : "Expect:", has_ct ? NULL : "Content-Type:"};
    for (int i = 0; i < 2; i++) {
        if (!extra[i])
            continue;
        struct curl_slist *n = curl_slist_append(*out, extra[i]);
        if (!n)
            return PL_E_NOMEM;
        *out = n;
    }
    return PL_OK;
}

static void set_method(call *k)
{
    CURL *e = k->easy;
    const plu_buf *b = &k->req->body;
    if (strcmp(k->method, "GET") == 0 && !b->len) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(k->method, "HEAD") == 0 && !b->len) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        /* The size first, so curl never strlen()s a binary body. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, b->data ? b->data : "");
        if (strcmp(k->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, k->method);
    }
}

static pl_status setup_easy(call *k, struct curl_slist **hdrs)
{
    CURL *e = k->easy;
    const pln_policy *pol = k->pol;
    long connect_ms = pol->connect_timeout_ms ? (long)pol->connect_timeout_ms
                                              : (long)DEFAULT_CONNECT_MS;
    if (k->deadline) {
        uint64_t now = now_ms();
        long left = k->deadline > now ? (long)(k->deadline - now) : 1;
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, left);
        if (connect_ms > left)
            connect_ms = left;
    }
    CURLcode rc = curl_easy_setopt(e, CURLOPT_CURLU, k->url);
    if (!rc)
        rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!rc)
        rc = curl_easy_setopt(e, CURLOPT_SHARE, k->share);
    if (rc)
        return rc == CURLE_OUT_OF_MEMORY ? PL_E_NOMEM : PL_E_INTERNAL;
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* see the top of the file */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L); /* long streams through NATs */
    curl_easy_setopt(e, CURLOPT_USERAGENT,
                     pol->user_agent ? pol->user_agent : "plinth/" PL_VERSION_STRING);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->max_body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, k);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
    set_method(k);
    if (build_headers(k, hdrs))
        return PL_E_NOMEM;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
    return PL_OK;
}

static pl_status timed_out(call *k)
{
    return fail(k, PL_E_TIMEOUT, "timed out after %u ms", (unsigned)k->pol->total_timeout_ms);
}

/* Run the transfer to its end, or until cancelled or past the deadline. */
static pl_status drive(call *k, CURLM *m, CURLcode *res)
{
    for (;;) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc == CURLM_OK && !running)
            break;
        if (mc == CURLM_OK && is_cancelled(k->cancel))
            return fail(k, PL_E_CANCELLED, "cancelled");
        int slice = POLL_SLICE_MS;
        if (mc == CURLM_OK && k->deadline) {
            uint64_t now = now_ms();
            if (now >= k->deadline)
                return timed_out(k);
            if (k->deadline - now < (uint64_t)slice)
                slice = (int)(k->deadline - now);
        }
        if (mc == CURLM_OK)
            mc = curl_multi_poll(m, NULL, 0, slice, NULL);
        if (mc != CURLM_OK)
            return fail(k, mc == CURLM_OUT_OF_MEMORY ? PL_E_NOMEM : PL_E_INTERNAL, "libcurl: %s",
                        curl_multi_strerror(mc));
    }
    bool done = false;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == k->easy) {
            *res = msg->data.result;
            done = true;
        }
    return done ? PL_OK : fail(k, PL_E_INTERNAL, "libcurl reported no result");
}

static const char *detail(call *k, CURLcode res)
{
    return k->errbuf[0] ? k->errbuf : curl_easy_strerror(res);
}

static pl_status connect_error(call *k, CURLcode res)
{
    long os = 0;
    curl_easy_getinfo(k->easy, CURLINFO_OS_ERRNO, &os);
    switch (os) {
    case ECONNREFUSED:
        return fail(k, PL_E_NETWORK, "connection refused");
    case ETIMEDOUT:
        return fail(k, PL_E_NETWORK, "connect timed out");
    case EHOSTUNREACH:
    case ENETUNREACH:
        return fail(k, PL_E_NETWORK, "host unreachable");
    default:
        return fail(k, PL_E_NETWORK, "cannot connect (%s)", detail(k, res));
    }
}

/* A transfer that libcurl ended with an error: which pl_status, and is it
** a failure to connect (nothing sent, so safe to retry even a POST)? */
static pl_status map_error(call *k, CURLcode res, bool *connect_fail)
{
    switch (res) {
    case CURLE_COULDNT_RESOLVE_HOST:
        *connect_fail = true;
        return fail(k, PL_E_NETWORK, "cannot resolve the host name");
    case CURLE_COULDNT_RESOLVE_PROXY:
        *connect_fail = true;
        return fail(k, PL_E_NETWORK, "cannot resolve the proxy (%s)", detail(k, res));
    case CURLE_COULDNT_CONNECT:
        *connect_fail = true;
        return connect_error(k, res);
    case CURLE_OUT_OF_MEMORY:
        return plu_err_nomem(k->err);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return fail(k, PL_E_INVALID_ARG, "%s", detail(k, res));
    case CURLE_GOT_NOTHING:
        return fail(k, PL_E_NETWORK, "the server closed the connection without answering");
    case CURLE_PARTIAL_FILE:
        return fail(k, PL_E_NETWORK, "the connection closed before the body was complete");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return fail(k, PL_E_NETWORK, "TLS: %s", detail(k, res));
    default:
        return fail(k, PL_E_NETWORK, "%s", detail(k, res));
    }
}

/* Classify a finished transfer. */
static pl_status finish(call *k, CURLcode res, bool *connect_fail)
{
    long code = 0;
    curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &code);
    k->resp->status = (int)code;
    if (k->oom)
        return plu_err_nomem(k->err);
    if (k->over_limit || res == CURLE_FILESIZE_EXCEEDED)
        return fail(k, PL_E_LIMIT, "the response body exceeds %zu bytes", k->max_body);
    if (k->stopped)
        return fail(k, PL_E_CANCELLED, "stopped by the event callback after %zu events",
                    k->fr.n_events);
    if (res == CURLE_OK) {
        if (!k->framing_on)
            return PL_OK;
        int rc = pln_framer_finish(&k->fr, k->on_event, k->ud);
        if (rc < 0)
            return plu_err_nomem(k->err);
        if (rc > 0)
            return fail(k, PL_E_CANCELLED, "stopped by the event callback after %zu events",
                        k->fr.n_events);
        return PL_OK;
    }
    if (res == CURLE_OPERATION_TIMEDOUT) {
        /* curl's total timeout was set to our deadline; firing earlier
        ** means the connect timeout. */
        if (k->deadline && now_ms() + 10 >= k->deadline)
            return timed_out(k);
        curl_off_t sent = 0;
        curl_easy_getinfo(k->easy, CURLINFO_REQUEST_SIZE, &sent);
        *connect_fail = sent == 0;
        double ms = 0;
        curl_easy_getinfo(k->easy, CURLINFO_TOTAL_TIME, &ms);
        return fail(k, PL_E_TIMEOUT, "%s timed out after %.0f ms",
                    sent == 0 ? "connect" : "transfer", ms * 1000.0);
    }
    if (k->framing_on)
        return fail(k, PL_E_NETWORK, "stream cut after %zu events", k->fr.n_events);
    return map_error(k, res, connect_fail);
}

static pl_status attempt(call *k, bool *connect_fail)
{
    pln_response *r = k->resp;
    reset_headers(r);
    r->body.len = 0;
    if (r->body.data)
        r->body.data[0] = '\0';
    r->status = 0;
    r->streamed = false;
    pln_framer_init(&k->fr, k->framing);
    k->mode_known = k->framing_on = k->over_limit = k->stopped = k->oom = false;
    k->body_bytes = 0;
    k->errbuf[0] = '\0';

    struct curl_slist *hdrs = NULL;
    CURLM *m = curl_multi_init();
    k->easy = curl_easy_init();
    pl_status st = m && k->easy ? setup_easy(k, &hdrs) : PL_E_NOMEM;
    if (!st)
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, POOL_MAX_CONNECTS);
    bool added = false;
    if (!st) {
        CURLMcode mc = curl_multi_add_handle(m, k->easy);
        st = mc == CURLM_OK ? PL_OK : mc == CURLM_OUT_OF_MEMORY ? PL_E_NOMEM : PL_E_INTERNAL;
        added = st == PL_OK;
    }
    if (st == PL_E_NOMEM)
        plu_err_nomem(k->err);
    else if (st)
        fail(k, st, "libcurl could not set up the transfer");
    CURLcode res = CURLE_OK;
    if (!st)
        st = drive(k, m, &res);
    if (!st)
        st = finish(k, res, connect_fail);
    if (added)
        curl_multi_remove_handle(m, k->easy);
    curl_easy_cleanup(k->easy);
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
    pln_framer_free(&k->fr);
    k->easy = NULL;
    return st;
}

static bool retryable_status(int s)
{
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

/* The wait before retry number n (0-based): Retry-After when the server
** gave one, else base * 2^n less up to a quarter of jitter. */
static uint64_t retry_wait(const call *k, uint32_t n, bool use_header)
{
    const pln_policy *pol = k->pol;
    uint64_t cap = pol->retry_max_wait_ms ? pol->retry_max_wait_ms : DEFAULT_RETRY_MAX_MS;
    long ra = use_header ? pln_retry_after_ms(k->resp) : -1;
    uint64_t w;
    if (ra >= 0) {
        w = (uint64_t)ra;
    } else {
        uint64_t base = pol->retry_base_ms ? pol->retry_base_ms : DEFAULT_RETRY_BASE_MS;
        w = base << (n < 20 ? n : 20);
        w -= jitter_rand() % (w / 4 + 1);
    }
    return w < cap ? w : cap;
}

/* Attempts and the waits between them. */
static pl_status run(call *k)
{
    for (uint32_t retries = 0;; retries++) {
        bool connect_fail = false;
        k->resp->attempts++;
        pl_status st = attempt(k, &connect_fail);
        bool again = st == PL_OK ? retryable_status(k->resp->status) : connect_fail;
        if (!again || retries >= k->pol->max_retries)
            return st;
        uint64_t wait = retry_wait(k, retries, st == PL_OK);
        /* A wait that would end past the deadline is not started: the
        ** caller gets the last answer now rather than a timeout later. */
        if (k->deadline && now_ms() + wait >= k->deadline)
            return st;
        if (!sleep_ms(wait, k->cancel))
            return fail(k, PL_E_CANCELLED, "cancelled");
    }
}

static pl_status call_start(pln_client *c, const pln_request *req, const pln_policy *pol,
                            pln_response *resp, call *k)
{
    if (!resp)
        return plu_errf(k->err, PL_E_INVALID_ARG, NULL, "HTTP call without a response record");
    pln_response_free(resp);
    k->method = req && req->method ? req->method : "POST";
    pln__shown_url(req ? req->url : NULL, k->shown, sizeof k->shown);
    if (!c || !req || !req->url || !pol)
        return fail(k, PL_E_INVALID_ARG, "missing client, request, URL or policy");
    k->share = c->share;
    k->max_body = pol->max_body_bytes ? pol->max_body_bytes : DEFAULT_MAX_BODY;
    char why[600];
    pl_status st = pln__url_check(req->url, pol->allowed_hosts, pol->n_allowed, &k->url, why,
                                  sizeof why);
    if (st == PL_E_NOMEM)
        return plu_err_nomem(k->err);
    if (st)
        return fail(k, st, "%s", why);
    if (is_cancelled(k->cancel))
        return fail(k, PL_E_CANCELLED, "cancelled");
    if (pol->total_timeout_ms)
        k->deadline = now_ms() + pol->total_timeout_ms;
    return PL_OK;
}

pl_status pln_send(pln_client *c, const pln_request *req, const pln_policy *pol,
                   const pln_cancel *cancel, pln_response *resp, pl_err *err)
{
    call k = {.req = req, .pol = pol, .cancel = cancel, .resp = resp, .err = err};
    pl_status st = call_start(c, req, pol, resp, &k);
    if (!st)
        st = run(&k);
    curl_url_cleanup(k.url);
    return st;
}

pl_status pln_stream(pln_client *c, const pln_request *req, const pln_policy *pol,
                     pln_framing framing, const pln_cancel *cancel, pln_event_fn on_event,
                     void *ud, pln_response *resp, pl_err *err)
{
    call k = {.req = req, .pol = pol, .cancel = cancel, .resp = resp, .err = err,
              .streaming = true, .framing = framing, .on_event = on_event, .ud = ud};
    if (!on_event)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "pln_stream without an event callback");
    pl_status st = call_start(c, req, pol, resp, &k);
    if (!st)
        st = run(&k);
    curl_url_cleanup(k.url);
    return st;
}
