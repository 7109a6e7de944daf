/*
** openai_stream.c — the stream parser exports: chat_stream_parser_start
** makes a parser and returns its id; _parse gets {"parser_id", "chunk":
** [bytes]} with any piece of the SSE body and returns the ExtismChatChunks
** it completes; _finish flushes and frees it; _close frees it.
**
** OpenAI streams a tool call as a first fragment with index, id and name,
** then argument fragments under the same index, and says it is over only
** with finish_reason (or not at all, if the stream is cut). So the parser
** keeps every call's arguments until then and emits tool_use_complete with
** the whole call. The usage chunk (stream_options.include_usage) comes
** after finish_reason and before [DONE]; "done" is emitted last, at [DONE]
** or at finish. A server that answers a stream request with one JSON
** document (no SSE at all) has it read whole at finish.
*/
#include "openai_int.h"

#define RAW_KEEP (4u << 20) /* body kept for the one-document case while no event came */

typedef struct tool {
    int64_t index; /* OpenAI's index, also the wire index */
    char *id, *name;
    pdk_buf args;
    bool started, completed;
} tool;

typedef struct stream {
    pdk_sse sse;
    tool *tools;
    size_t n_tools;
    const char *finish; /* wire FinishReason once seen (static text) */
    bool done;          /* {"done"} went out: ignore anything after */
    bool saw_event;
    pdk_buf raw;        /* the body while no SSE event has come */
    pdk_buf *out;       /* the chunks of the current call */
    pdk_deferred failure;
} stream;

static void stream_free(stream *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_tools; i++) {
        pdk_free(st->tools[i].id);
        pdk_free(st->tools[i].name);
        pdk_buf_free(&st->tools[i].args);
    }
    pdk_free(st->tools);
    pdk_sse_free(&st->sse);
    pdk_buf_free(&st->raw);
    pdk_free(st->failure.msg);
    pdk_free(st);
}

static tool *tool_at(stream *st, int64_t index)
{
    for (size_t i = 0; i < st->n_tools; i++)
        if (st->tools[i].index == index)
            return &st->tools[i];
    tool *t = pdk_realloc(st->tools, (st->n_tools + 1) * sizeof *t);
    if (!t)
        return NULL;
    st->tools = t;
    t = &st->tools[st->n_tools++];
    memset(t, 0, sizeof *t);
    t->index = index;
    return t;
}

/* Keep the first non-empty value: later fragments repeat nothing in
** OpenAI's streams, but some compatible servers resend id and name. */
static bool remember(char **slot, const pdk_jv *v)
{
    if (*slot || !pdk_jv_strlen(v))
        return true;
    *slot = pdk_strndup(v->u.s, v->n);
    return *slot != NULL;
}

/* One delta.tool_calls[] fragment. */
static int tool_fragment(stream *st, const pdk_jv *frag, size_t pos)
{
    int64_t ix;
    tool *t = tool_at(st, pdk_jv_int(pdk_jv_get(frag, "index"), &ix) ? ix : (int64_t)pos);
    const pdk_jv *fn = pdk_jv_get(frag, "function");
    if (!t || !remember(&t->id, pdk_jv_get(frag, "id")) || !remember(&t->name, pdk_jv_get(fn, "name")))
        return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    if (t->completed)
        return 0;
    if (!t->started) {
        t->started = true;
        pdk_chunk_tool_start(st->out, t->index, t->id, t->name);
    }
    const pdk_jv *args = pdk_jv_get(fn, "arguments");
    if (!pdk_jv_strlen(args))
        return 0;
    pdk_buf_put(&t->args, args->u.s, args->n);
    pdk_chunk_tool_delta(st->out, t->index, args->u.s, args->n);
    return 0;
}

static void complete_tools(stream *st)
{
    for (size_t i = 0; i < st->n_tools; i++) {
        tool *t = &st->tools[i];
        if (!t->completed)
            pdk_chunk_tool_complete(st->out, t->index, t->id, t->name, t->args.p, t->args.len);
        t->completed = true;
    }
}

static void finish_stream(stream *st)
{
    if (st->done)
        return;
    complete_tools(st);
    st->done = true;
    pdk_chunk_done(st->out, st->finish ? st->finish : PDK_FINISH_UNKNOWN);
}

/* choices[0]: its delta, then its finish_reason. */
static int handle_choice(stream *st, const pdk_jv *choice)
{
    const pdk_jv *delta = pdk_jv_get(choice, "delta");
    const pdk_jv *think = pdk_jv_get(delta, "reasoning_content"), *text = pdk_jv_get(delta, "content");
    if (pdk_jv_strlen(think))
        pdk_chunk_thinking(st->out, think->u.s, think->n);
    if (pdk_jv_strlen(text))
        pdk_chunk_text(st->out, text->u.s, text->n);
    const pdk_jv *calls = pdk_jv_get(delta, "tool_calls");
    for (size_t i = 0; i < pdk_jv_len(calls); i++) {
        int rc = tool_fragment(st, pdk_jv_at(calls, i), i);
        if (rc)
            return rc;
    }
    const pdk_jv *fr = pdk_jv_get(choice, "finish_reason");
    if (!pdk_jv_is_nothing(fr)) {
        st->finish = oai_finish_reason(fr);
        complete_tools(st);
    }
    return 0;
}

/* The choice with index 0 (n > 1 is not streamed to the wire format). */
static const pdk_jv *first_choice(const pdk_jv *root)
{
    const pdk_jv *choices = pdk_jv_get(root, "choices");
    for (size_t i = 0; i < pdk_jv_len(choices); i++) {
        const pdk_jv *c = pdk_jv_at(choices, i), *ix = pdk_jv_get(c, "index");
        if (!ix || pdk_jv_int_or(ix, 0, 0, -1) == 0)
            return pdk_jv_is_object(c) ? c : NULL;
    }
    return NULL;
}

static int stream_error(const pdk_jv *e)
{
    pdk_llm_error pe;
    oai_classify(0, e, -1, NULL, "the stream reported an error", &pe);
    return pdk_fail_llm(&pe);
}

/* One parsed event (or the one-document reply). */
static int handle_event(stream *st, const pdk_jv *root)
{
    if (!pdk_jv_is_object(root))
        return pdk_fail(PDK_ERR_RESPONSE_FORMAT, "stream event is not a JSON object");
    const pdk_jv *e = pdk_jv_get(root, "error");
    if (!pdk_jv_is_nothing(e))
        return stream_error(e);
    const pdk_jv *choice = first_choice(root);
    int rc = choice ? handle_choice(st, choice) : 0;
    pdk_usage u;
    if (rc == 0 && oai_usage(pdk_jv_get(root, "usage"), &u))
        pdk_chunk_usage(st->out, &u);
    return rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* pdk_sse callback: one event's data. Non-zero (the error is set) stops. */
static int on_event(void *user, const char *event, const char *data, size_t len)
{
    stream *st = user;
    (void)event;
    st->saw_event = true;
    pdk_buf_free(&st->raw);
    while (len && is_space(*data)) {
        data++;
        len--;
    }
    while (len && is_space(data[len - 1]))
        len--;
    if (st->done || len == 0)
        return 0;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        finish_stream(st);
        return 0;
    }
    pdk_arena a = PDK_ARENA_INIT;
    pdk_json_error je;
    const pdk_jv *root = pdk_json_parse(&a, data, len, &je);
    int rc = root ? handle_event(st, root)
                  : pdk_fail(PDK_ERR_RESPONSE_FORMAT,
                             "stream event is not valid JSON at line %u column %u: %s", je.line,
                             je.col, je.msg);
    pdk_arena_free(&a);
    return rc;
}

/* The parser of the input's id ("parser_id", or the input itself). */
static stream *lookup(const pdk_jv *v, bool take, int32_t *rc)
{
    int64_t id = 0;
    if (!pdk_jv_int(v, &id) && !pdk_jv_int(pdk_jv_get(v, "parser_id"), &id)) {
        *rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "the input names no parser id");
        return NULL;
    }
    stream *st = take ? pdk_handle_take(id) : pdk_handle_get(id);
    if (!st)
        *rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "unknown parser id %lld", (long long)id);
    return st;
}

/* The input is the config; the parser needs nothing from it (the host
** already sent the request chat_stream_request built). */
PL_EXPORT(chat_stream_parser_start)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, true, false);
    pdk_prov_close(&p);
    if (rc)
        return rc;
    stream *st = pdk_malloc(sizeof *st);
    int64_t id = st ? pdk_handle_put(st) : 0;
    if (!id) {
        pdk_free(st);
        return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    }
    memset(st, 0, sizeof *st);
    pdk_buf out = PDK_BUF_INIT;
    pdk_buf_put_int(&out, id);
    return pdk_output_buf(&out);
}

/* Run fn on the parser named by the input with the output array open. */
static int32_t with_parser(bool take, int32_t (*fn)(stream *, const pdk_jv *))
{
    pdk_request in;
    int32_t rc = pdk_request_read(&in);
    stream *st = rc ? NULL : lookup(in.root, take, &rc);
    if (st && pdk_deferred_pending(&st->failure)) {
        rc = pdk_deferred_raise(&st->failure);
    } else if (st) {
        pdk_buf out = PDK_BUF_INIT;
        st->out = &out;
        pdk_jw_arr(&out);
        rc = fn(st, in.root);
        pdk_jw_arr_end(&out);
        st->out = NULL;
        if (!take)
            pdk_defer(&st->failure, &rc, &out);
        rc = rc ? rc : pdk_output_buf(&out);
        pdk_buf_free(&out);
    }
    if (st && take)
        stream_free(st);
    pdk_request_free(&in);
    return rc;
}

static int32_t parse_piece(stream *st, const pdk_jv *in)
{
    pdk_arena a = PDK_ARENA_INIT;
    const char *bytes;
    size_t n;
    int32_t rc = 0;
    if (pdk_bytes_read(&a, pdk_jv_get(in, "chunk"), &bytes, &n) != NULL)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "\"chunk\" must be an array of bytes");
    if (rc == 0 && !st->saw_event && st->raw.len + n <= RAW_KEEP)
        pdk_buf_put(&st->raw, bytes, n);
    if (rc == 0)
        rc = pdk_sse_feed(&st->sse, bytes, n, on_event, st);
    if (rc < 0)
        rc = pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    pdk_arena_free(&a);
    return rc;
}

/* The end: an event cut short is dropped (pdk_sse_finish); a body that
** was one JSON document is read whole. */
static int32_t finish_piece(stream *st, const pdk_jv *in)
{
    (void)in;
    int32_t rc = pdk_sse_finish(&st->sse, on_event, st);
    if (rc == 0 && !st->saw_event && st->raw.len) {
        pdk_arena a = PDK_ARENA_INIT;
        const pdk_jv *root = pdk_json_parse(&a, st->raw.p, st->raw.len, NULL);
        const pdk_jv *e = pdk_jv_get(root, "error");
        if (!pdk_jv_is_nothing(e))
            rc = stream_error(e);
        else if (pdk_jv_is_object(root) && pdk_jv_get(root, "choices")) {
            rc = oai_reply_chunks(root, st->out);
            st->done = true; /* the reply carried its own "done" */
        }
        pdk_arena_free(&a);
    }
    if (rc == 0)
        finish_stream(st);
    return rc;
}

PL_EXPORT(chat_stream_parser_parse) { return with_parser(false, parse_piece); }
PL_EXPORT(chat_stream_parser_finish) { return with_parser(true, finish_piece); }

PL_EXPORT(chat_stream_parser_close)
{
    pdk_request in;
    int32_t rc = pdk_request_read(&in);
    int64_t id;
    if (rc == 0 && (pdk_jv_int(in.root, &id) || pdk_jv_int(pdk_jv_get(in.root, "parser_id"), &id)))
        stream_free(pdk_handle_take(id)); /* unknown ids are fine: finish already freed it */
    pdk_request_free(&in);
    return rc;
}
