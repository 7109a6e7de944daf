/*
** stream.c — streaming chat: chunks reach the caller as they arrive.
**
** Three ways, the same chunks: a sans-IO plugin with a stream parser (the
** host reads the SSE/NDJSON stream and feeds it event by event), a direct
** plugin that emits chunks itself, or a sans-IO plugin without a stream
** parser (one ordinary chat whose answer is replayed as chunks). Every
** chunk a plugin emits is checked before the caller sees it, and the
** whole reply is assembled on the way for out_json. The last chunk the
** caller gets is always DONE.
*/
#include <stdio.h>
#include <string.h>

#include "provider.h"

typedef struct stream_state {
    const plh_call_ctx *cx;
    pl_chunk_fn user_fn;
    void *user;
    plu_buf text, thinking;
    json_t *tool_calls;     /* assembled tool calls */
    json_t *usage;          /* last usage seen */
    char *finish;           /* finish reason from DONE */
    bool done;              /* DONE delivered */
    bool stopped;           /* the caller's callback asked to stop */
    bool bad;               /* the plugin emitted an invalid chunk */
    char bad_why[200];
    void *parser;           /* the plugin's stream parser (sans-IO) */
    bool plugin_failed;     /* the plugin returned an error mid-stream */
    bool whole;             /* the answer was one JSON reply, not a stream */
    size_t n_chunks;        /* chunks the plugin emitted */
    pl_plugin_sink sink;    /* where the plugin emits chunks and errors */
} stream_state;

static uint32_t u32_of(const json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v < 0 ? 0 : v > (json_int_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static pl_usage usage_of(const json_t *u)
{
    pl_usage r = {u32_of(u, "input_tokens"), u32_of(u, "output_tokens"),
                  u32_of(u, "reasoning_tokens"), u32_of(u, "cache_read"),
                  u32_of(u, "cache_write")};
    return r;
}

static int reject(stream_state *s, const char *why)
{
    s->bad = true;
    snprintf(s->bad_why, sizeof s->bad_why, "%s", why);
    return -1;
}

/* Fill c from a tool_use_* object; false when a field is missing. */
static bool tool_fields(const json_t *v, pl_chunk *c, bool need_id)
{
    c->index = u32_of(v, "index");
    c->id = json_string_value(json_object_get(v, "id"));
    c->name = json_string_value(json_object_get(v, "name"));
    return json_is_integer(json_object_get(v, "index")) && (!need_id || (c->id && c->name));
}

/* tool_use_complete: {"index", "tool_call": {"id", "function": {"name",
** "arguments"}}}; the call is also kept for the assembled reply. */
static bool tool_complete(stream_state *s, const json_t *v, pl_chunk *c)
{
    const json_t *tc = json_object_get(v, "tool_call");
    const json_t *fn = json_object_get(tc, "function");
    c->index = u32_of(v, "index");
    c->id = json_string_value(json_object_get(tc, "id"));
    c->name = json_string_value(json_object_get(fn, "name"));
    c->arguments = json_string_value(json_object_get(fn, "arguments"));
    if (!c->id || !c->name || !c->arguments)
        return false;
    if (!s->tool_calls)
        s->tool_calls = json_array();
    return s->tool_calls && json_array_append(s->tool_calls, (json_t *)tc) == 0;
}

/* Decode one StreamChunk object into c; returns false when malformed. */
static bool decode_chunk(stream_state *s, const char *key, json_t *v, pl_chunk *c)
{
    if (strcmp(key, "text") == 0 || strcmp(key, "thinking") == 0) {
        if (!json_is_string(v))
            return false;
        c->kind = key[1] == 'e' ? PL_CHUNK_TEXT : PL_CHUNK_THINKING;
        c->text = json_string_value(v);
        c->text_len = json_string_length(v);
        plu_buf_append(c->kind == PL_CHUNK_TEXT ? &s->text : &s->thinking, c->text, c->text_len);
        return true;
    }
    if (strcmp(key, "tool_use_start") == 0) {
        c->kind = PL_CHUNK_TOOL_USE_START;
        return tool_fields(v, c, true);
    }
    if (strcmp(key, "tool_use_input_delta") == 0) {
        c->kind = PL_CHUNK_TOOL_USE_DELTA;
        json_t *pj = json_object_get(v, "partial_json");
        c->text = json_string_value(pj);
        c->text_len = json_string_length(pj);
        return tool_fields(v, c, false) && c->text;
    }
    if (strcmp(key, "tool_use_complete") == 0) {
        c->kind = PL_CHUNK_TOOL_USE_COMPLETE;
        return tool_complete(s, v, c);
    }
    if (strcmp(key, "usage") == 0) {
        c->kind = PL_CHUNK_USAGE;
        if (!json_is_object(v))
            return false;
        c->usage = usage_of(v);
        json_decref(s->usage);
        s->usage = json_incref(v);
        return true;
    }
    if (strcmp(key, "done") == 0) {
        c->kind = PL_CHUNK_DONE;
        const char *fr = json_string_value(json_object_get(v, "finish_reason"));
        plu_free(s->finish);
        s->finish = plu_strdup(fr ? fr : "Unknown");
        c->finish_reason = s->finish;
        c->usage = usage_of(s->usage);
        return s->finish != NULL;
    }
    return strcmp(key, "thinking_signature") == 0 && json_is_string(v);
}

/* Deliver one chunk (JSON text from the plugin) to the caller. */
static int on_chunk_json(void *ud, const char *json, size_t len)
{
    stream_state *s = ud;
    s->n_chunks++;
    if (s->done)
        return reject(s, "a chunk after the DONE chunk");
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    if (!o || !json_is_object(o) || json_object_size(o) != 1) {
        json_decref(o);
        return reject(s, "a chunk that is not a JSON object with one key");
    }
    const char *key = json_object_iter_key(json_object_iter(o));
    json_t *v = json_object_iter_value(json_object_iter(o));
    pl_chunk c;
    memset(&c, 0, sizeof c);
    int rc = 0;
    if (!decode_chunk(s, key, v, &c)) {
        char why[120];
        snprintf(why, sizeof why, "a malformed '%.40s' chunk", key);
        rc = reject(s, why);
    } else if (c.kind) {
        char *text = json_dumps(o, JSON_COMPACT);
        c.json = text ? text : "";
        s->done = c.kind == PL_CHUNK_DONE;
        if (s->user_fn && s->user_fn(s->user, &c) != 0) {
            s->stopped = true;
            rc = -1;
        }
        plu_free(text);
    }
    json_decref(o);
    return rc;
}

/* The DONE chunk when the plugin did not send one. */
static void ensure_done(stream_state *s)
{
    if (s->done || s->stopped || s->bad)
        return;
    char buf[96];
    int n = snprintf(buf, sizeof buf, "{\"done\":{\"finish_reason\":\"%s\"}}",
                     s->tool_calls ? "ToolCalls" : "Stop");
    on_chunk_json(s, buf, (size_t)n);
}

/* The reply assembled from the chunks, as a chat response. */
static char *assemble(const stream_state *s)
{
    json_t *r = json_object();
    if (!r)
        return NULL;
    json_object_set_new(r, "text", s->text.len || !s->tool_calls
                                       ? json_stringn(s->text.data ? s->text.data : "", s->text.len)
                                       : json_null());
    json_object_set_new(r, "tool_calls", s->tool_calls ? json_incref(s->tool_calls) : json_null());
    json_object_set_new(r, "thinking", s->thinking.len
                                           ? json_stringn(s->thinking.data, s->thinking.len)
                                           : json_null());
    json_object_set_new(r, "usage", s->usage ? json_incref(s->usage) : json_null());
    json_object_set_new(r, "finish_reason", json_string(s->finish ? s->finish : "Unknown"));
    char *out = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return out;
}

/* After the plugin ran: the call's status from what happened. */
static pl_status conclude(stream_state *s, pl_status st)
{
    const plh_call_ctx *cx = s->cx;
    char why[260];
    if (s->bad) {
        snprintf(why, sizeof why, "stream: the plugin emitted %s", s->bad_why);
        return plh_op_fail(cx, PL_E_PLUGIN, PL_ERROR_PLUGIN, why);
    }
    if (s->stopped || (st == PL_OK && atomic_load(cx->cancel)))
        return plh_op_fail(cx, PL_E_CANCELLED, PL_ERROR_CANCELLED, "stream: cancelled");
    return st;
}

/* Deliver one chunk built with jansson (stolen); NULL is out of memory,
** which shows as a missing chunk and then a malformed reply. */
static void deliver(stream_state *s, json_t *chunk)
{
    char *text = chunk ? json_dumps(chunk, JSON_COMPACT) : NULL;
    if (text)
        on_chunk_json(s, text, strlen(text));
    plu_free(text);
    json_decref(chunk);
}

/* A whole chat response (checked JSON from the plugin), delivered as the
** chunks a stream of it would have had: text, tool calls, usage, done. */
static void replay_reply(stream_state *s, const char *out)
{
    json_t *r = json_loads(out, 0, NULL);
    if (!r)
        return;
    const char *text = json_string_value(json_object_get(r, "text"));
    json_t *calls = json_object_get(r, "tool_calls"), *usage = json_object_get(r, "usage");
    const char *fr = json_string_value(json_object_get(r, "finish_reason"));
    if (text && *text)
        deliver(s, json_pack("{ss}", "text", text));
    size_t i;
    json_t *tc;
    json_array_foreach(calls, i, tc) {
        deliver(s, json_pack("{s{sIsO}}", "tool_use_complete", "index", (json_int_t)i,
                             "tool_call", tc));
    }
    if (json_is_object(usage))
        deliver(s, json_pack("{sO}", "usage", usage));
    deliver(s, json_pack("{s{ss}}", "done", "finish_reason", fr ? fr : "Unknown"));
    json_decref(r);
}

/* A stream request answered with one JSON document instead (a server that
** does not stream, or a gateway's error object with a 200): read as an
** ordinary chat answer, then replayed, so an error is an error and a
** whole reply is not an empty one. */
static pl_status replay_whole(stream_state *s, const pln_response *r)
{
    char *out = NULL;
    pl_status st = plh_parse_response(s->cx, r, &out);
    if (st == PL_OK)
        replay_reply(s, out);
    s->whole = true;
    plu_free(out);
    return st;
}

/* ---- the three ways of streaming ------------------------------------------ */

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    stream_state *s = ud;
    (void)event;
    if (s->cx->p->vt->stream_event(s->parser, data, len, &s->sink) != 0) {
        s->plugin_failed = true;
        return 1;
    }
    return s->stopped || s->bad;
}

static pl_status http_stream(stream_state *s, pl_plugin_http_out *o)
{
    const plh_call_ctx *cx = s->cx;
    pl_err e;
    plu_err_clear(&e);
    pln_client *client = plh_http(cx->h, &e);
    if (!client)
        return plh_transport_fail(cx, PL_E_NETWORK, &e);
    pln_policy pol;
    plh_policy(cx->p, &pol);
    pln_response r;
    pln_response_init(&r);
    static const pln_framing framings[] = { [PL_PLUGIN_FRAMING_SSE] = PLN_SSE,
                                            [PL_PLUGIN_FRAMING_NDJSON] = PLN_NDJSON,
                                            [PL_PLUGIN_FRAMING_RAW] = PLN_RAW };
    uint32_t f = cx->p->vt->stream_framing;
    pln_framing fr = f <= PL_PLUGIN_FRAMING_RAW ? framings[f] : PLN_SSE;
    pl_status st = pln_stream(client, &o->req, &pol, fr, cx->cancel, on_event, s, &r, &e);
    if (cx->call)
        cx->call->attempts = r.attempts;
    if (s->plugin_failed)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, "chat stream", &s->sink);
    else if (st != PL_OK && !s->bad && !s->stopped)
        st = plh_transport_fail(cx, st, &e);
    else if (st == PL_OK && (r.status < 200 || r.status > 299))
        st = plh_classify(cx, &r);
    else if (st == PL_OK && !r.streamed)
        st = replay_whole(s, &r);
    pln_response_free(&r);
    return st;
}

static pl_status run_parser(stream_state *s, const char *wire)
{
    const plh_call_ctx *cx = s->cx;
    const pl_plugin_vtable *vt = cx->p->vt;
    pl_plugin_http_out o;
    plh_http_out_init(&o);
    pl_status st = plh_build_request(cx, offsetof(pl_plugin_vtable, chat_request), wire, &o);
    if (st == PL_OK && vt->stream_start(cx->inst, wire, &s->parser, &s->sink) != 0)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, "chat stream", &s->sink);
    else if (st == PL_OK)
        st = http_stream(s, &o);
    /* After a whole reply the parser saw nothing: there is nothing to finish. */
    if (st == PL_OK && !s->whole && !s->bad && !s->stopped &&
        vt->stream_finish(s->parser, &s->sink) != 0 && !s->bad && !s->stopped)
        st = plh_call_fail_sink(cx->h, cx->call, cx->p, "chat stream", &s->sink);
    if (s->parser)
        vt->stream_close(s->parser);
    plh_http_out_free(&o);
    return st;
}

static pl_status run_direct(stream_state *s, const char *wire)
{
    const plh_call_ctx *cx = s->cx;
    if (cx->p->vt->chat(cx->inst, wire, &s->sink) != 0 && !s->bad && !s->stopped)
        return plh_call_fail_sink(cx->h, cx->call, cx->p, "chat stream", &s->sink);
    if (s->n_chunks || !s->sink.out.len)
        return PL_OK;
    /* It wrote a whole reply instead of emitting chunks (a plugin that
    ** ignores "stream"): checked like any chat reply, then replayed. */
    char *out = NULL;
    pl_status st = plh_finish_output(cx, &s->sink.out, &out);
    if (st == PL_OK)
        replay_reply(s, out);
    plu_free(out);
    return st;
}

/* One ordinary chat, replayed as chunks (a provider without a parser). */
static pl_status run_replay(stream_state *s, const char *wire)
{
    char *out = NULL;
    pl_status st = plh_run_sans_io(s->cx, wire, &out);
    if (st == PL_OK)
        replay_reply(s, out);
    plu_free(out);
    return st;
}

/* Does the plugin have a complete stream parser? */
static bool has_parser(const plh_plugin *p)
{
    return plh_op_sans_io(p, PLH_OP_CHAT) && (PLH_HAS(p, stream_start)) &&
           (PLH_HAS(p, stream_event)) && (PLH_HAS(p, stream_finish)) &&
           (PLH_HAS(p, stream_close));
}

PL_API pl_status pl_chat_stream(pl_host *host, const char *provider, const char *request_json,
                                pl_chunk_fn on_chunk, void *user, pl_call *call,
                                char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    plh_plugin *p = NULL;
    pl_status st = plh_provider_for(host, provider, call, &p);
    if (st != PL_OK)
        return st;
    pln_cancel none = 0;
    plh_call_ctx cx = {host, p, call, call ? &call->cancel : &none, plh_op(PLH_OP_CHAT), NULL};
    bool replay = !has_parser(p) && plh_op_sans_io(p, PLH_OP_CHAT);
    char *wire = NULL;
    st = plh_wire_request(&cx, request_json, !replay, &wire);
    if (st != PL_OK)
        return st;
    stream_state s = {.cx = &cx, .user_fn = on_chunk, .user = user};
    plu_buf_init(&s.text);
    plu_buf_init(&s.thinking);
    plh_sink_init(&s.sink, (size_t)p->conf->limits.max_output_bytes, cx.cancel);
    s.sink.on_chunk = on_chunk_json;
    s.sink.chunk_ud = &s;
    st = plh_call_open(&cx, wire);
    if (st == PL_OK)
        st = replay ? run_replay(&s, wire)
             : has_parser(p) ? run_parser(&s, wire) : run_direct(&s, wire);
    plh_call_close(&cx);
    st = conclude(&s, st);
    if (st == PL_OK) {
        ensure_done(&s);
        st = conclude(&s, PL_OK);
    }
    if (st == PL_OK && out_json && !(*out_json = assemble(&s)))
        st = plh_op_fail(&cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    plu_free(wire);
    plh_sink_free(&s.sink);
    plu_buf_free(&s.text);
    plu_buf_free(&s.thinking);
    json_decref(s.tool_calls);
    json_decref(s.usage);
    plu_free(s.finish);
    return st;
}
