/*
** wasm_host.c — the host functions Wasm plugins are offered beside the
** Extism ABI:
**   extism:host/user  QueryMT's qmt_http_request, qmt_http_stream_open /
**                     next / close, qmt_yield_chunk, qmt_log
**   plinth:host       the Stack Composer services: log, network_fetch,
**                     llm_chat (+ llm_chat_stream / llm_chat_next /
**                     llm_chat_close), retrieval_search, plan_solve
** Every one takes and returns Extism memory handles of JSON. A service the
** plugin was not granted traps the call with a message naming the
** capability; every request goes through the plugin's allow-list.
**
** Streams a plugin pulls (qmt_http_stream_*, llm_chat_stream) are pushed
** by plinth's HTTP client and provider API, so each runs on a worker
** thread feeding a queue the plugin drains; they are bound to the call
** that opened them and closed when it ends.
*/
#include <stdio.h>
#include <string.h>

#include "provider.h"
#include "wasm_backend.h"

/* ---- reaching the plugin ---------------------------------------------------------------- */

typedef struct hctx {
    plw_host_ctx *cx;
    ple_plugin *pl;
    plh_wasm *w;
    plh_wcall *call;   /* the provider call it runs in, or NULL */
    const char *in;    /* the argument block */
    size_t in_len;
} hctx;

static bool enter(plw_host_ctx *cx, plw_cell *slots, hctx *h)
{
    h->cx = cx;
    h->pl = ple_from(cx);
    h->w = h->pl ? ple_plugin_user(h->pl) : NULL;
    h->call = h->pl ? ple_call_context(h->pl) : NULL;
    h->in = h->pl ? ple_ptr(h->pl, slots[0]) : NULL;
    h->in_len = h->in ? (size_t)ple_len(h->pl, slots[0]) : 0;
    return h->w != NULL;
}

static int refuse(hctx *h, const char *fmt, ...) PLU_PRINTF(2, 3);
static int refuse(hctx *h, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return plw_host_trap(h->cx, "%s", msg);
}

static int need(hctx *h, unsigned cap, const char *service)
{
    if (h->w->caps & cap)
        return 0;
    return refuse(h, "%s: capability '%s' was not granted to plugin '%s'", service,
                  plc_cap_name(cap), h->w->p->info.name);
}

static json_t *arg_json(const hctx *h)
{
    return h->in ? json_loadb(h->in, h->in_len, JSON_DECODE_ANY, NULL) : NULL;
}

/* Return bytes as a new block in slots[0] (0 for none). */
static int give(hctx *h, plw_cell *slots, const void *bytes, size_t n)
{
    slots[0] = n ? ple_alloc_bytes(h->pl, bytes, n) : 0;
    return n && !slots[0] ? refuse(h, "out of Extism memory") : 0;
}

static int give_json(hctx *h, plw_cell *slots, json_t *v)
{
    char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!t)
        return refuse(h, "out of memory");
    int rc = give(h, slots, t, strlen(t));
    plu_free(t);
    return rc;
}

static const pln_cancel *cancel_of(const hctx *h)
{
    return h->call ? h->call->cancel : NULL;
}

/* ---- HTTP -------------------------------------------------------------------------------- */

static void policy(const hctx *h, pln_policy *pol)
{
    plh_policy(h->w->p, pol);
    pol->allowed_hosts = (const char *const *)h->w->network;
    pol->n_allowed = h->w->n_network;
    uint64_t left = plw_host_time_left(h->cx) / 1000000u;
    if (left < pol->total_timeout_ms || !pol->total_timeout_ms)
        pol->total_timeout_ms = left > UINT32_MAX ? pol->total_timeout_ms : (uint32_t)left;
}

/* {"resp": {"head": {"status", "headers"}, "body": [...]}}, also for the
** answers QueryMT synthesises: 403 for a denied host, 499 for a cancelled
** call, 500 for a transport failure. */
static int give_response(hctx *h, plw_cell *slots, const pln_response *r, int status,
                         const char *msg)
{
    pl_plugin_http_response v = { .status = status, .body = msg ? msg : "",
                                  .body_len = msg ? strlen(msg) : 0 };
    const char *names[64], *values[64];
    if (r)
        plh_response_view(r, &v, names, values, 64);
    char *inner = plh_wasm_response_json(NULL, &v);
    if (!inner)
        return refuse(h, "out of memory");
    int rc = give(h, slots, inner, strlen(inner)); /* already {"resp": ...} */
    plu_free(inner);
    return rc;
}

static int qmt_http_request(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "qmt_http_request: not a plinth plugin");
    pln_request req;
    pln_request_init(&req);
    const char *why = plh_wasm_request_from_json(h.in ? h.in : "", h.in_len, &req);
    if (why) {
        pln_request_free(&req);
        return refuse(&h, "qmt_http_request: %s", why);
    }
    pl_err e;
    plu_err_clear(&e);
    pln_client *client = plh_http(h.w->p->host, &e);
    pln_response r;
    pln_response_init(&r);
    pln_policy pol;
    policy(&h, &pol);
    pl_status st = client ? pln_send(client, &req, &pol, cancel_of(&h), &r, &e) : PL_E_NETWORK;
    int rc = st == PL_OK          ? give_response(&h, slots, &r, r.status, NULL)
             : st == PL_E_DENIED    ? give_response(&h, slots, NULL, 403, e.msg)
             : st == PL_E_CANCELLED ? give_response(&h, slots, NULL, 499, "cancelled")
                                    : give_response(&h, slots, NULL, 500, e.msg);
    pln_response_free(&r);
    pln_request_free(&req);
    return rc;
}

/* ---- pulled streams ---------------------------------------------------------------------- */

typedef struct item {
    struct item *next;
    size_t len;
    char data[];
} item;

typedef struct pull pull;
typedef pl_status (*producer_fn)(pull *s);

struct pull {
    uint32_t id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    item *head, *tail;
    bool started, done;    /* a first item (or the end) came; the producer ended */
    pl_status status;
    atomic_int cancel;
    producer_fn produce;
    /* HTTP */
    pln_client *client;
    pln_request req;
    pln_policy pol;
    pln_response resp;
    pl_err err;
    /* llm */
    pl_host *host;
    char *provider, *request;
};

static void push(pull *s, const void *data, size_t len)
{
    item *it = plu_malloc(sizeof *it + len + 1);
    pthread_mutex_lock(&s->mu);
    if (it) {
        it->next = NULL;
        it->len = len;
        memcpy(it->data, data, len);
        it->data[len] = '\0';
        if (s->tail)
            s->tail->next = it;
        else
            s->head = it;
        s->tail = it;
    }
    s->started = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *pull_main(void *arg)
{
    pull *s = arg;
    pl_status st = s->produce(s);
    pthread_mutex_lock(&s->mu);
    s->status = st;
    s->done = s->started = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int on_raw(void *ud, const char *event, const char *data, size_t len)
{
    pull *s = ud;
    push(s, data, len);
    return atomic_load(&s->cancel);
}

static pl_status produce_http(pull *s)
{
    return pln_stream(s->client, &s->req, &s->pol, PLN_RAW, &s->cancel, on_raw, s, &s->resp,
                      &s->err);
}

static int on_llm_chunk(void *user, const pl_chunk *c)
{
    pull *s = user;
    push(s, c->json, strlen(c->json));
    return atomic_load(&s->cancel);
}

static pl_status produce_llm(pull *s)
{
    pl_call *call = NULL;
    pl_call_new(&call);
    pl_status st = pl_chat_stream(s->host, s->provider, s->request, on_llm_chunk, s, call, NULL);
    if (st != PL_OK) {
        json_t *e = json_pack("{s{sssssi}}", "error", "kind",
                              pl_error_kind_str(pl_call_error_kind(call)), "message",
                              pl_call_error_message(call), "http_status",
                              pl_call_http_status(call));
        char *t = e ? json_dumps(e, JSON_COMPACT) : NULL;
        if (t)
            push(s, t, strlen(t));
        plu_free(t);
        json_decref(e);
    }
    pl_call_free(call);
    return st;
}

static void pull_free(pull *s)
{
    atomic_store(&s->cancel, 1);
    pthread_join(s->thread, NULL);
    for (item *it = s->head; it;) {
        item *next = it->next;
        plu_free(it);
        it = next;
    }
    pln_request_free(&s->req);
    pln_response_free(&s->resp);
    plu_free(s->provider);
    plu_free(s->request);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    plu_free(s);
}

/* Streams live in the provider call (plh_wcall) or, outside one, in the
** plugin's slot list; either way they are closed with the call. */
typedef struct pulls {
    pull *items[8];
    uint32_t next_id;
} pulls;

static pulls *pulls_of(hctx *h)
{
    if (h->call && !h->call->streams)
        h->call->streams = plu_calloc(1, sizeof(pulls));
    return h->call ? (pulls *)h->call->streams : NULL;
}

static pull *pull_start(hctx *h, producer_fn fn, pull *s)
{
    pulls *ps = pulls_of(h);
    size_t slot = 0;
    while (ps && slot < 8 && ps->items[slot])
        slot++;
    if (!ps || slot == 8) {
        pull_free(s);
        return NULL;
    }
    s->produce = fn;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, pull_main, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        pln_request_free(&s->req);
        plu_free(s->provider);
        plu_free(s->request);
        plu_free(s);
        return NULL;
    }
    s->id = ++ps->next_id;
    ps->items[slot] = s;
    return s;
}

static pull *pull_find(hctx *h, uint64_t id, size_t *slot)
{
    pulls *ps = pulls_of(h);
    for (size_t i = 0; ps && i < 8; i++)
        if (ps->items[i] && ps->items[i]->id == id) {
            *slot = i;
            return ps->items[i];
        }
    return NULL;
}

/* The next item, waiting for one; NULL at the end. The caller frees it. */
static item *pull_next(pull *s)
{
    pthread_mutex_lock(&s->mu);
    while (!s->head && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    item *it = s->head;
    if (it) {
        s->head = it->next;
        if (!s->head)
            s->tail = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    return it;
}

void plh_wasm_close_streams(plh_wcall *c)
{
    pulls *ps = c->streams;
    for (size_t i = 0; ps && i < 8; i++)
        if (ps->items[i])
            pull_free(ps->items[i]);
    plu_free(ps);
    c->streams = NULL;
}

/* The stream id from an argument: a JSON number or {"stream_id": n}. */
static uint64_t stream_id(const hctx *h)
{
    json_t *v = arg_json(h);
    json_t *id = json_is_object(v) ? json_object_get(v, "stream_id") : v;
    uint64_t n = json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
    json_decref(v);
    return n;
}

static int qmt_http_stream_open(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h) || !h.call)
        return plw_host_trap(cx, "qmt_http_stream_open: only inside a provider call");
    pull *s = plu_calloc(1, sizeof *s);
    if (!s)
        return refuse(&h, "out of memory");
    pln_request_init(&s->req);
    pln_response_init(&s->resp);
    const char *why = plh_wasm_request_from_json(h.in ? h.in : "", h.in_len, &s->req);
    s->client = why ? NULL : plh_http(h.w->p->host, &s->err);
    policy(&h, &s->pol);
    if (why || !s->client) {
        pln_request_free(&s->req);
        plu_free(s);
        return why ? refuse(&h, "qmt_http_stream_open: %s", why)
                   : give_json(&h, slots, json_pack("{sssi}", "status", "error", "error_code", 1));
    }
    s = pull_start(&h, produce_http, s);
    if (!s)
        return refuse(&h, "qmt_http_stream_open: too many open streams");
    pthread_mutex_lock(&s->mu);
    while (!s->started)
        pthread_cond_wait(&s->cv, &s->mu);
    bool failed = s->done && (s->status != PL_OK || s->resp.status < 200 || s->resp.status > 299);
    pthread_mutex_unlock(&s->mu);
    if (!failed)
        return give_json(&h, slots, json_pack("{sssI}", "status", "ok", "stream_id",
                                              (json_int_t)s->id));
    if (s->status == PL_E_CANCELLED)
        return give_json(&h, slots, json_pack("{ss}", "status", "cancelled"));
    json_t *pe = s->status == PL_OK
                     ? json_pack("{s{sssisi}}", "payload", "type", "http_status", "status_code",
                                 s->resp.status, "message", s->resp.body.data ? s->resp.body.data : "")
                     : json_pack("{s{ssss}}", "payload", "type", "transport", "message", s->err.msg);
    return give_json(&h, slots, json_pack("{sssosi}", "status", "error", "plugin_error", pe,
                                          "error_code", 1));
}

static int qmt_http_stream_next(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    size_t slot;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "qmt_http_stream_next: not a plinth plugin");
    pull *s = pull_find(&h, stream_id(&h), &slot);
    item *it = s ? pull_next(s) : NULL;
    int rc = it ? give(&h, slots, it->data, it->len) : (slots[0] = 0, 0);
    plu_free(it);
    return rc;
}

static int close_stream(plw_host_ctx *cx, plw_cell *slots, const char *what)
{
    hctx h;
    size_t slot;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "%s: not a plinth plugin", what);
    pull *s = pull_find(&h, stream_id(&h), &slot);
    if (s) {
        pulls_of(&h)->items[slot] = NULL;
        pull_free(s);
    }
    return 0;
}

static int qmt_http_stream_close(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return close_stream(cx, slots, "qmt_http_stream_close");
}

/* ---- chunks and logs --------------------------------------------------------------------- */

static int qmt_yield_chunk(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h) || !h.call || !h.call->chunks)
        return plw_host_trap(cx, "qmt_yield_chunk: only inside a streaming chat");
    json_t *v = arg_json(&h);
    json_t *chunk = json_object_get(v, "chunk") ? json_object_get(v, "chunk") : v;
    char *t = json_is_object(chunk) ? json_dumps(chunk, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!t)
        return refuse(&h, "qmt_yield_chunk: not an ExtismChatChunk");
    int rc = h.w->p->api.pub.emit(h.call->chunks, t, strlen(t));
    plu_free(t);
    /* A refused chunk (the caller stopped) ends the plugin's stream. */
    return rc ? refuse(&h, "qmt_yield_chunk: the stream was stopped") : 0;
}

static int log_record(hctx *h, const json_t *v)
{
    json_t *lv = json_object_get(v, "level");
    int level = json_is_integer(lv) ? (int)json_integer_value(lv) : PL_PLUGIN_LOG_INFO;
    static const char *const names[] = { "", "error", "warn", "info", "debug", "trace" };
    for (int i = 1; json_is_string(lv) && i <= 5; i++)
        if (strcmp(json_string_value(lv), names[i]) == 0)
            level = i;
    const char *msg = json_string_value(json_object_get(v, "message"));
    if (msg && level >= 1 && level <= 5)
        plh_log(h->w->p->host, h->w->p->info.name, level, msg);
    return 0;
}

static int qmt_log(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "qmt_log: not a plinth plugin");
    if (!(h.w->caps & PLC_CAP_LOG))
        return 0; /* logging not granted: dropped, as Extism's own log_* are */
    json_t *v = arg_json(&h);
    log_record(&h, v);
    json_decref(v);
    return 0;
}

/* ---- plinth:host services ------------------------------------------------------------ */

static int svc_log(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "log: not a plinth plugin");
    if (need(&h, PLC_CAP_LOG, "log"))
        return -1;
    json_t *v = arg_json(&h);
    log_record(&h, v);
    json_decref(v);
    return 0;
}

static int svc_network_fetch(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "network_fetch: not a plinth plugin");
    if (!h.w->n_network)
        return refuse(&h, "network_fetch: capability 'network' was not granted to plugin '%s'",
                      h.w->p->info.name);
    json_t *v = arg_json(&h);
    const char *url = json_string_value(json_object_get(v, "url"));
    const char *method = json_string_value(json_object_get(v, "method"));
    const char *body = json_string_value(json_object_get(v, "body"));
    pln_request req;
    pln_request_init(&req);
    int bad = !url || pln_request_set_url(&req, url) ||
              pln_request_set_method(&req, method ? method : "GET") ||
              (body && pln_request_append_body(&req, body, strlen(body)));
    const char *name;
    json_t *hv;
    json_object_foreach(json_object_get(v, "headers"), name, hv)
        bad |= !json_is_string(hv) || pln_request_add_header(&req, name, json_string_value(hv));
    json_decref(v);
    if (bad) {
        pln_request_free(&req);
        return refuse(&h, "network_fetch: needs {\"url\", \"method\"?, \"headers\"?, \"body\"?}");
    }
    pl_err e;
    plu_err_clear(&e);
    pln_client *client = plh_http(h.w->p->host, &e);
    pln_response r;
    pln_response_init(&r);
    pln_policy pol;
    policy(&h, &pol);
    pl_status st = client ? pln_send(client, &req, &pol, cancel_of(&h), &r, &e) : PL_E_NETWORK;
    pln_request_free(&req);
    if (st != PL_OK) {
        pln_response_free(&r);
        return refuse(&h, "network_fetch: %s", e.msg);
    }
    json_t *headers = json_object();
    for (size_t i = 0; headers && i < r.n_headers; i++)
        json_object_set_new(headers, r.headers[i].name, json_string(r.headers[i].value));
    /* Text bodies as text; anything else (not UTF-8) as base64. */
    json_t *text = json_stringn(r.body.data ? r.body.data : "", r.body.len);
    char *b64 = text ? NULL : plu_base64_encode(r.body.data, r.body.len);
    json_t *out = json_pack("{sisoso}", "status", r.status, "headers", headers,
                            text ? "body" : "body_base64", text ? text : json_string(b64));
    plu_free(b64);
    pln_response_free(&r);
    return give_json(&h, slots, out);
}

static int svc_llm_chat(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "llm_chat: not a plinth plugin");
    if (need(&h, PLC_CAP_LLM, "llm_chat"))
        return -1;
    json_t *v = arg_json(&h);
    const char *provider = json_string_value(json_object_get(v, "provider"));
    json_t *request = json_object_get(v, "request");
    if (!provider || !json_is_object(request)) {
        json_decref(v);
        return refuse(&h, "llm_chat: needs {\"provider\": name, \"request\": {...}}");
    }
    if (strcmp(provider, h.w->p->info.name) == 0) {
        json_decref(v);
        return refuse(&h, "llm_chat: a plugin cannot call itself");
    }
    char *req = json_dumps(request, JSON_COMPACT);
    pl_call *call = NULL;
    pl_call_new(&call);
    char *out = NULL;
    pl_status st = req ? pl_chat(h.w->p->host, provider, req, call, &out) : PL_E_NOMEM;
    json_t *res = st == PL_OK ? json_pack("{s:o}", "response", json_loads(out, 0, NULL))
                              : json_pack("{s{sssssi}}", "error", "kind",
                                          pl_error_kind_str(pl_call_error_kind(call)), "message",
                                          pl_call_error_message(call), "http_status",
                                          pl_call_http_status(call));
    pl_free(out);
    plu_free(req);
    pl_call_free(call);
    json_decref(v);
    return give_json(&h, slots, res);
}

static int svc_llm_chat_stream(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    hctx h;
    if (!enter(cx, slots, &h) || !h.call)
        return plw_host_trap(cx, "llm_chat_stream: only inside a plugin call");
    if (need(&h, PLC_CAP_LLM, "llm_chat_stream"))
        return -1;
    json_t *v = arg_json(&h);
    const char *provider = json_string_value(json_object_get(v, "provider"));
    json_t *request = json_object_get(v, "request");
    pull *s = provider && json_is_object(request) && strcmp(provider, h.w->p->info.name) != 0
                  ? plu_calloc(1, sizeof *s)
                  : NULL;
    if (s) {
        pln_request_init(&s->req);
        pln_response_init(&s->resp);
        s->host = h.w->p->host;
        s->provider = plu_strdup(provider);
        s->request = json_dumps(request, JSON_COMPACT);
    }
    json_decref(v);
    if (!s)
        return refuse(&h, "llm_chat_stream: needs {\"provider\": another provider, "
                          "\"request\": {...}}");
    if (!(s = pull_start(&h, produce_llm, s)))
        return refuse(&h, "llm_chat_stream: too many open streams");
    return give_json(&h, slots, json_pack("{sI}", "stream_id", (json_int_t)s->id));
}

static int svc_llm_chat_next(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return qmt_http_stream_next(cx, slots, user);
}

static int svc_llm_chat_close(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return close_stream(cx, slots, "llm_chat_close");
}

static int forward(plw_host_ctx *cx, plw_cell *slots, unsigned cap, const char *service,
                   pl_status (*fn)(pl_host *, const char *, const char *, char **))
{
    hctx h;
    if (!enter(cx, slots, &h))
        return plw_host_trap(cx, "%s: not a plinth plugin", service);
    if (need(&h, cap, service))
        return -1;
    char *in = h.in ? plu_strndup(h.in, h.in_len) : plu_strdup("{}");
    char *out = NULL;
    pl_status st = in ? fn(h.w->p->host, h.w->p->info.name, in, &out) : PL_E_NOMEM;
    plu_free(in);
    if (st != PL_OK) {
        plu_free(out);
        return refuse(&h, "%s: %s", service, pl_host_last_error(h.w->p->host));
    }
    int rc = give(&h, slots, out, strlen(out));
    plu_free(out);
    return rc;
}

static int svc_retrieval_search(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return forward(cx, slots, PLC_CAP_RETRIEVAL, "retrieval_search", plh_context_search);
}

static int svc_plan_solve(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return forward(cx, slots, PLC_CAP_PLAN, "plan_solve", plh_plan_solve);
}

#define QMT(n) { .name = #n, .sig = "(I)I", .fn = n }
#define SVC(n, f) { .module = "plinth:host", .name = n, .sig = "(I)I", .fn = f }

const ple_host_fn plh_wasm_host_fns[] = {
    QMT(qmt_http_request),
    QMT(qmt_http_stream_open),
    QMT(qmt_http_stream_next),
    { .name = "qmt_http_stream_close", .sig = "(I)", .fn = qmt_http_stream_close },
    { .name = "qmt_yield_chunk", .sig = "(I)", .fn = qmt_yield_chunk },
    { .name = "qmt_log", .sig = "(I)", .fn = qmt_log },
    { .module = "plinth:host", .name = "log", .sig = "(I)", .fn = svc_log },
    SVC("network_fetch", svc_network_fetch),
    SVC("llm_chat", svc_llm_chat),
    SVC("llm_chat_stream", svc_llm_chat_stream),
    SVC("llm_chat_next", svc_llm_chat_next),
    { .module = "plinth:host", .name = "llm_chat_close", .sig = "(I)", .fn = svc_llm_chat_close },
    SVC("retrieval_search", svc_retrieval_search),
    SVC("plan_solve", svc_plan_solve),
};
const size_t plh_wasm_n_host_fns = sizeof plh_wasm_host_fns / sizeof *plh_wasm_host_fns;
