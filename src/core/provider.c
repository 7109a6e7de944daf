/*
** provider.c — the provider API: list models, chat, complete, embed.
**
** One path serves the four operations (a table says which vtable members
** each uses): turn the caller's request into the wire request the plugin
** reads ({"cfg": ..., ...}), then either let a sans-IO plugin build the
** HTTP request, send it here (allow-list, timeouts, retries) and let the
** plugin parse the answer, or call the plugin's direct operation. What the
** plugin returns is checked to be JSON of the right shape before the
** caller sees it.
*/
#include <stdio.h>
#include <string.h>

#include "provider.h"

typedef int (*req_fn)(void *, const char *, pl_plugin_http_out *, pl_plugin_sink *);
typedef int (*parse_fn)(void *, const pl_plugin_http_response *, pl_plugin_sink *);
typedef int (*direct_fn)(void *, const char *, pl_plugin_sink *);

static const plh_opdesc ops[] = {
    [PLH_OP_MODELS] = {"list models", offsetof(pl_plugin_vtable, list_models_request),
                       offsetof(pl_plugin_vtable, parse_list_models),
                       offsetof(pl_plugin_vtable, list_models), JSON_ARRAY},
    [PLH_OP_CHAT] = {"chat", offsetof(pl_plugin_vtable, chat_request),
                     offsetof(pl_plugin_vtable, parse_chat), offsetof(pl_plugin_vtable, chat),
                     JSON_OBJECT},
    [PLH_OP_COMPLETE] = {"complete", offsetof(pl_plugin_vtable, complete_request),
                         offsetof(pl_plugin_vtable, parse_complete),
                         offsetof(pl_plugin_vtable, complete), JSON_OBJECT},
    [PLH_OP_EMBED] = {"embed", offsetof(pl_plugin_vtable, embed_request),
                      offsetof(pl_plugin_vtable, parse_embed), offsetof(pl_plugin_vtable, embed),
                      JSON_ARRAY},
};

const plh_opdesc *plh_op(plh_op_id op) { return &ops[op]; }

pl_status plh_call_open(plh_call_ctx *cx, const char *wire)
{
    cx->inst = cx->p->instance;
    if (!cx->p->call_open)
        return PL_OK;
    pl_plugin_sink s;
    plh_sink_init(&s, 0, cx->cancel);
    cx->inst = cx->p->call_open(cx->p, wire, cx->cancel, &s);
    pl_status st = cx->inst ? PL_OK : plh_call_fail_sink(cx->h, cx->call, cx->p, cx->op->name, &s);
    plh_sink_free(&s);
    return st;
}

void plh_call_close(plh_call_ctx *cx)
{
    if (cx->p->call_close && cx->inst)
        cx->p->call_close(cx->p, cx->inst);
    cx->inst = NULL;
}

/* A vtable member by offset, or NULL when absent or beyond struct_size. */
static void *member(const plh_plugin *p, size_t off)
{
    if (!plh_vt_has(p, off))
        return NULL;
    void *fn;
    memcpy(&fn, (const char *)p->vt + off, sizeof fn);
    return fn;
}

bool plh_op_sans_io(const plh_plugin *p, plh_op_id op)
{
    return member(p, ops[op].req_off) && member(p, ops[op].parse_off);
}

bool plh_op_supported(const plh_plugin *p, plh_op_id op)
{
    return plh_op_sans_io(p, op) || member(p, ops[op].direct_off);
}

/* The ready provider called `name`, or a failed status. */
pl_status plh_provider_for(pl_host *h, const char *name, pl_call *call, plh_plugin **out)
{
    char msg[PL_ERR_MSG_MAX];
    if (call)
        plh_call_reset(call);
    plh_plugin *p = plh_find(h, name);
    if (!p || p->info.kind != PL_KIND_PROVIDER) {
        pl_status st = plh_not_found(h, "provider", name);
        if (call) {
            call->status = st;
            snprintf(call->message, sizeof call->message, "%s", h->err.msg);
        }
        return st;
    }
    if (p->info.state != PL_PLUGIN_READY) {
        snprintf(msg, sizeof msg, "%s",
                 p->info.state == PL_PLUGIN_DISABLED
                     ? "the provider is disabled in the configuration"
                     : p->info.error);
        if (p->info.state == PL_PLUGIN_DISABLED) {
            char m2[PL_ERR_MSG_MAX + 32];
            snprintf(m2, sizeof m2, "provider '%s': %s", name, msg);
            return plh_call_fail(h, call, PL_E_PLUGIN, PL_ERROR_CONFIG, m2);
        }
        return plh_call_fail(h, call, PL_E_PLUGIN, PL_ERROR_PLUGIN, msg);
    }
    *out = p;
    return PL_OK;
}

/* A failure in the host's own part of a call: "provider 'x': chat: ...". */
pl_status plh_op_fail(const plh_call_ctx *cx, pl_status st, pl_error_kind kind, const char *what)
{
    char msg[PL_ERR_MSG_MAX];
    /* what may itself be a whole message (a transport error): a message
    ** longer than the buffer is cut, which the check tells gcc is meant. */
    if (snprintf(msg, sizeof msg, "provider '%s': %s: %s", cx->p->info.name, cx->op->name,
                 what) >= (int)sizeof msg)
        plh_log(cx->h, cx->p->info.name, PL_PLUGIN_LOG_DEBUG, "an error message was truncated");
    return plh_call_fail(cx->h, cx->call, st, kind, msg);
}

static pl_error_kind kind_of_transport(pl_status st)
{
    switch (st) {
    case PL_E_DENIED: return PL_ERROR_DENIED;
    case PL_E_TIMEOUT: return PL_ERROR_TIMEOUT;
    case PL_E_CANCELLED: return PL_ERROR_CANCELLED;
    case PL_E_LIMIT: return PL_ERROR_RESPONSE;
    case PL_E_NOMEM: return PL_ERROR_PLUGIN;
    default: return PL_ERROR_TRANSPORT;
    }
}

/* How a call of this provider may use the network: its allow-list and its
** effective [limits] (the entry's overrides over the host-wide table). */
void plh_policy(const plh_plugin *p, pln_policy *pol)
{
    const plc_limits *l = &p->conf->limits;
    memset(pol, 0, sizeof *pol);
    pol->allowed_hosts = (const char *const *)p->allowed;
    pol->n_allowed = p->n_allowed;
    pol->total_timeout_ms = l->wall_timeout_ms;
    pol->connect_timeout_ms = l->connect_timeout_ms;
    pol->max_retries = l->max_retries;
    pol->retry_base_ms = l->retry_base_ms;
    pol->retry_max_wait_ms = l->retry_max_wait_ms;
    pol->max_body_bytes = (size_t)l->max_output_bytes;
}

/* Let the plugin build its HTTP request. */
pl_status plh_build_request(const plh_call_ctx *cx, size_t req_off, const char *wire,
                            pl_plugin_http_out *o)
{
    req_fn build = (req_fn)member(cx->p, req_off);
    pl_plugin_sink s;
    plh_sink_init(&s, 0, cx->cancel);
    int rc = build(cx->inst, wire, o, &s);
    pl_status st = PL_OK;
    if (rc != 0)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, cx->op->name, &s);
    else if (o->bad || !o->req.url)
        st = plh_op_fail(cx, PL_E_PLUGIN, PL_ERROR_PLUGIN,
                         o->bad ? "the plugin built an invalid HTTP request"
                                : "the plugin built an HTTP request without a URL");
    plh_sink_free(&s);
    return st;
}

/* Turn a transport failure into the call's error. */
pl_status plh_transport_fail(const plh_call_ctx *cx, pl_status st, const pl_err *e)
{
    return plh_op_fail(cx, st, kind_of_transport(st), e->msg);
}

/* A borrowed view of a response for the parse members. */
void plh_response_view(const pln_response *r, pl_plugin_http_response *v, const char **names,
                       const char **values, size_t max)
{
    size_t n = r->n_headers < max ? r->n_headers : max;
    for (size_t i = 0; i < n; i++) {
        names[i] = r->headers[i].name;
        values[i] = r->headers[i].value;
    }
    v->status = r->status;
    v->header_names = names;
    v->header_values = values;
    v->n_headers = n;
    v->body = r->body.data ? r->body.data : "";
    v->body_len = r->body.len;
}

/* Default classification of a non-2xx reply, for plugins without
** classify_error. */
static void classify_by_status(const pln_response *r, pl_plugin_sink *s)
{
    int code = r->status;
    uint32_t kind = code == 401 || code == 403 ? PL_PLUGIN_ERR_AUTH
                    : code == 429             ? PL_PLUGIN_ERR_RATE_LIMITED
                    : code >= 400 && code < 500 ? PL_PLUGIN_ERR_INVALID_REQUEST
                                                : PL_PLUGIN_ERR_PROVIDER;
    char msg[256];
    snprintf(msg, sizeof msg, "HTTP %d: %.200s", code, r->body.data ? r->body.data : "");
    s->failed = true;
    s->kind = kind;
    s->message = plu_strdup(msg);
    s->http_status = code;
    s->retry_after_ms = pln_retry_after_ms(r);
}

/* A non-2xx answer: the plugin says what it means. */
pl_status plh_classify(const plh_call_ctx *cx, const pln_response *r)
{
    const char *names[64], *values[64];
    pl_plugin_http_response v;
    plh_response_view(r, &v, names, values, 64);
    pl_plugin_sink s;
    plh_sink_init(&s, 0, cx->cancel);
    if (PLH_HAS(cx->p, classify_error)) {
        cx->p->vt->classify_error(cx->inst, &v, &s);
        if (!s.failed)
            classify_by_status(r, &s);
    } else {
        classify_by_status(r, &s);
    }
    if (s.http_status == 0)
        s.http_status = r->status;
    if (s.retry_after_ms < 0)
        s.retry_after_ms = pln_retry_after_ms(r);
    pl_status st = plh_call_fail_sink(cx->h, cx->call, cx->p, cx->op->name, &s);
    plh_sink_free(&s);
    return st;
}

/* Check the plugin's output is JSON of the operation's shape; hand it out
** re-serialised (compact). */
pl_status plh_finish_output(const plh_call_ctx *cx, const plu_buf *out, char **out_json)
{
    json_error_t je;
    json_t *v = out->len ? json_loadb(out->data, out->len, JSON_DECODE_ANY, &je) : NULL;
    char what[300];
    if (!v) {
        snprintf(what, sizeof what, "the plugin's output is not valid JSON (%s)",
                 out->len ? je.text : "it is empty");
        return plh_op_fail(cx, PL_E_PLUGIN, PL_ERROR_PLUGIN, what);
    }
    if (json_typeof(v) != cx->op->shape) {
        json_decref(v);
        snprintf(what, sizeof what, "the plugin's output is not a JSON %s",
                 cx->op->shape == JSON_ARRAY ? "array" : "object");
        return plh_op_fail(cx, PL_E_PLUGIN, PL_ERROR_PLUGIN, what);
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    if (!s)
        return plh_op_fail(cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    *out_json = s;
    return PL_OK;
}

pl_status plh_parse_response(const plh_call_ctx *cx, const pln_response *r, char **out_json)
{
    const char *names[64], *values[64];
    pl_plugin_http_response v;
    plh_response_view(r, &v, names, values, 64);
    pl_plugin_sink s;
    plh_sink_init(&s, (size_t)cx->p->conf->limits.max_output_bytes, cx->cancel);
    parse_fn parse = (parse_fn)member(cx->p, cx->op->parse_off);
    pl_status st;
    if (parse(cx->inst, &v, &s) != 0)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, cx->op->name, &s);
    else
        st = plh_finish_output(cx, &s.out, out_json);
    plh_sink_free(&s);
    return st;
}

pl_status plh_run_sans_io(const plh_call_ctx *cx, const char *wire, char **out_json)
{
    pl_plugin_http_out o;
    plh_http_out_init(&o);
    pl_status st = plh_build_request(cx, cx->op->req_off, wire, &o);
    pln_response r;
    pln_response_init(&r);
    pl_err e;
    plu_err_clear(&e);
    pln_client *client = st == PL_OK ? plh_http(cx->h, &e) : NULL;
    if (st == PL_OK && !client)
        st = plh_transport_fail(cx, PL_E_NETWORK, &e);
    if (st == PL_OK) {
        pln_policy pol;
        plh_policy(cx->p, &pol);
        st = pln_send(client, &o.req, &pol, cx->cancel, &r, &e);
        if (cx->call)
            cx->call->attempts = r.attempts;
        if (st != PL_OK)
            st = plh_transport_fail(cx, st, &e);
    }
    if (st == PL_OK && (r.status < 200 || r.status > 299))
        st = plh_classify(cx, &r);
    if (st == PL_OK)
        st = plh_parse_response(cx, &r, out_json);
    pln_response_free(&r);
    plh_http_out_free(&o);
    return st;
}

static pl_status run_direct(const plh_call_ctx *cx, const char *wire, char **out_json)
{
    direct_fn fn = (direct_fn)member(cx->p, cx->op->direct_off);
    pl_plugin_sink s;
    plh_sink_init(&s, (size_t)cx->p->conf->limits.max_output_bytes, cx->cancel);
    pl_status st;
    if (fn(cx->inst, wire, &s) != 0)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, cx->op->name, &s);
    else if (cx->cancel && atomic_load(cx->cancel))
        st = plh_op_fail(cx, PL_E_CANCELLED, PL_ERROR_CANCELLED, "cancelled");
    else
        st = plh_finish_output(cx, &s.out, out_json);
    plh_sink_free(&s);
    return st;
}

static pl_status run_op(pl_host *h, const char *name, plh_op_id op, const char *request_json,
                        pl_call *call, char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!plh_host_ok(h))
        return PL_E_MISUSE;
    if (!out_json)
        return plh_fail(h, PL_E_INVALID_ARG, "%s: out_json is NULL", ops[op].name);
    plh_plugin *p = NULL;
    pl_status st = plh_provider_for(h, name, call, &p);
    if (st != PL_OK)
        return st;
    pln_cancel none = 0;
    plh_call_ctx cx = {h, p, call, call ? &call->cancel : &none, &ops[op], NULL};
    if (!plh_op_supported(p, op))
        return plh_op_fail(&cx, PL_E_UNSUPPORTED, PL_ERROR_UNSUPPORTED,
                           "the provider does not implement this operation");
    char *wire = NULL;
    st = plh_wire_request(&cx, request_json, false, &wire);
    if (st != PL_OK)
        return st;
    st = plh_call_open(&cx, wire);
    if (st == PL_OK)
        st = plh_op_sans_io(p, op) ? plh_run_sans_io(&cx, wire, out_json)
                                   : run_direct(&cx, wire, out_json);
    plh_call_close(&cx);
    plu_free(wire);
    return st;
}

PL_API pl_status pl_list_models(pl_host *host, const char *provider, pl_call *call,
                                char **out_json)
{
    return run_op(host, provider, PLH_OP_MODELS, NULL, call, out_json);
}

PL_API pl_status pl_chat(pl_host *host, const char *provider, const char *request_json,
                         pl_call *call, char **out_json)
{
    return run_op(host, provider, PLH_OP_CHAT, request_json, call, out_json);
}

PL_API pl_status pl_complete(pl_host *host, const char *provider, const char *request_json,
                             pl_call *call, char **out_json)
{
    return run_op(host, provider, PLH_OP_COMPLETE, request_json, call, out_json);
}

PL_API pl_status pl_embed(pl_host *host, const char *provider, const char *request_json,
                          pl_call *call, char **out_json)
{
    return run_op(host, provider, PLH_OP_EMBED, request_json, call, out_json);
}
