/*
** anthropic_stream.c — the stream parser over Anthropic's named SSE
** events (shared/docs/peers.md §2): message_start (input usage),
** content_block_start / _delta / _stop per block, message_delta
** (stop_reason, output usage), message_stop, with ping in between and
** error events. Text and thinking deltas become chunks at once; a tool_use
** block becomes tool_use_start, one tool_use_input_delta per
** input_json_delta fragment, and tool_use_complete at its
** content_block_stop with the whole input. Usage and done go out at
** message_stop (or at finish, when the stream ends without it).
**
** Tool chunks are indexed by tool (0 for the first tool_use block), as
** OpenAI indexes tool calls, not by Anthropic's content block index.
*/
#include "anthropic_int.h"

typedef struct block {
    int64_t index;   /* Anthropic's content block index */
    int64_t tool;    /* tool ordinal, -1 for other blocks */
    char *id, *name;
    pdk_buf input;
    bool completed;
} block;

typedef struct stream {
    pdk_sse sse;
    block *blocks;
    size_t n_blocks;
    int64_t n_tools;
    pdk_usage usage;
    bool has_usage, done;
    const char *finish;
    pdk_buf *out;
    pdk_deferred failure;
} stream;

static void stream_free(stream *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_blocks; i++) {
        pdk_free(st->blocks[i].id);
        pdk_free(st->blocks[i].name);
        pdk_buf_free(&st->blocks[i].input);
    }
    pdk_free(st->blocks);
    pdk_sse_free(&st->sse);
    pdk_free(st->failure.msg);
    pdk_free(st);
}

static block *find_block(stream *st, int64_t index)
{
    for (size_t i = 0; i < st->n_blocks; i++)
        if (st->blocks[i].index == index)
            return &st->blocks[i];
    return NULL;
}

static void complete_block(stream *st, block *b)
{
    if (b->tool < 0 || b->completed)
        return;
    b->completed = true;
    pdk_chunk_tool_complete(st->out, b->tool, b->id, b->name, b->input.p, b->input.len);
}

static void finish_stream(stream *st)
{
    if (st->done)
        return;
    st->done = true;
    for (size_t i = 0; i < st->n_blocks; i++)
        complete_block(st, &st->blocks[i]);
    if (st->has_usage)
        pdk_chunk_usage(st->out, &st->usage);
    pdk_chunk_done(st->out, st->finish ? st->finish : PDK_FINISH_UNKNOWN);
}

/* Usage counts as they arrive: message_start has the input (and a first
** output count), message_delta the cumulative output. */
static void merge_usage(stream *st, const pdk_jv *u)
{
    if (!pdk_jv_is_object(u))
        return;
    static const char *const keys[] = {"input_tokens", "output_tokens", "cache_read_input_tokens",
                                       "cache_creation_input_tokens"};
    uint32_t *slots[] = {&st->usage.input_tokens, &st->usage.output_tokens, &st->usage.cache_read,
                         &st->usage.cache_write};
    for (size_t i = 0; i < 4; i++)
        if (pdk_jv_is_number(pdk_jv_get(u, keys[i])))
            *slots[i] = pdk_count(pdk_jv_get(u, keys[i]));
    st->has_usage = true;
}

static int block_start(stream *st, const pdk_jv *ev)
{
    const pdk_jv *cb = pdk_jv_get(ev, "content_block"), *type = pdk_jv_get(cb, "type");
    block *b = pdk_realloc(st->blocks, (st->n_blocks + 1) * sizeof *b);
    if (!b)
        return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    st->blocks = b;
    b = &st->blocks[st->n_blocks++];
    memset(b, 0, sizeof *b);
    b->index = pdk_jv_int_or(pdk_jv_get(ev, "index"), 0, INT64_MAX, (int64_t)st->n_blocks - 1);
    b->tool = -1;
    const pdk_jv *text = pdk_jv_get(cb, pdk_jv_streq(type, "thinking") ? "thinking" : "text");
    if (pdk_jv_streq(type, "tool_use")) {
        b->tool = st->n_tools++;
        b->id = pdk_strndup(pdk_jv_str_or(pdk_jv_get(cb, "id"), ""), pdk_jv_strlen(pdk_jv_get(cb, "id")));
        b->name = pdk_strndup(pdk_jv_str_or(pdk_jv_get(cb, "name"), ""),
                              pdk_jv_strlen(pdk_jv_get(cb, "name")));
        if (!b->id || !b->name)
            return pdk_fail(PDK_ERR_PLUGIN, "out of memory");
        pdk_chunk_tool_start(st->out, b->tool, b->id, b->name);
    } else if (pdk_jv_strlen(text) && pdk_jv_streq(type, "thinking")) {
        pdk_chunk_thinking(st->out, text->u.s, text->n);
    } else if (pdk_jv_strlen(text)) {
        pdk_chunk_text(st->out, text->u.s, text->n);
    }
    return 0;
}

static int block_delta(stream *st, const pdk_jv *ev)
{
    const pdk_jv *d = pdk_jv_get(ev, "delta"), *type = pdk_jv_get(d, "type");
    const pdk_jv *text = pdk_jv_get(d, "text"), *think = pdk_jv_get(d, "thinking");
    const pdk_jv *part = pdk_jv_get(d, "partial_json"), *sig = pdk_jv_get(d, "signature");
    if (pdk_jv_streq(type, "text_delta") && pdk_jv_strlen(text)) {
        pdk_chunk_text(st->out, text->u.s, text->n);
    } else if (pdk_jv_streq(type, "thinking_delta") && pdk_jv_strlen(think)) {
        pdk_chunk_thinking(st->out, think->u.s, think->n);
    } else if (pdk_jv_streq(type, "signature_delta") && pdk_jv_strlen(sig)) {
        pdk_chunk_thinking_signature(st->out, sig->u.s, sig->n);
    } else if (pdk_jv_streq(type, "input_json_delta") && pdk_jv_strlen(part)) {
        block *b = find_block(st, pdk_jv_int_or(pdk_jv_get(ev, "index"), 0, INT64_MAX, -1));
        if (!b || b->tool < 0)
            return pdk_fail(PDK_ERR_RESPONSE_FORMAT, "input_json_delta for a block that is not a "
                                                     "tool_use");
        pdk_buf_put(&b->input, part->u.s, part->n);
        pdk_chunk_tool_delta(st->out, b->tool, part->u.s, part->n);
    }
    return 0;
}

/* One event, by its data's "type" (which repeats the event name). */
static int handle_event(stream *st, const pdk_jv *ev)
{
    const pdk_jv *type = pdk_jv_get(ev, "type");
    if (pdk_jv_streq(type, "message_start")) {
        merge_usage(st, pdk_jv_get(pdk_jv_get(ev, "message"), "usage"));
    } else if (pdk_jv_streq(type, "content_block_start")) {
        return block_start(st, ev);
    } else if (pdk_jv_streq(type, "content_block_delta")) {
        return block_delta(st, ev);
    } else if (pdk_jv_streq(type, "content_block_stop")) {
        block *b = find_block(st, pdk_jv_int_or(pdk_jv_get(ev, "index"), 0, INT64_MAX, -1));
        if (b)
            complete_block(st, b);
    } else if (pdk_jv_streq(type, "message_delta")) {
        const pdk_jv *sr = pdk_jv_get(pdk_jv_get(ev, "delta"), "stop_reason");
        if (!pdk_jv_is_nothing(sr))
            st->finish = ant_finish_reason(sr);
        merge_usage(st, pdk_jv_get(ev, "usage"));
    } else if (pdk_jv_streq(type, "message_stop")) {
        finish_stream(st);
    } else if (pdk_jv_streq(type, "error")) {
        pdk_llm_error e;
        ant_classify(0, pdk_jv_get(ev, "error"), -1, NULL, "the stream reported an error", &e);
        return pdk_fail_llm(&e);
    }
    return 0; /* ping, and event types newer than this plugin */
}

static int on_event(void *user, const char *event, const char *data, size_t len)
{
    stream *st = user;
    (void)event; /* the data's "type" says the same */
    if (st->done)
        return 0;
    pdk_arena a = PDK_ARENA_INIT;
    pdk_json_error je;
    const pdk_jv *ev = pdk_json_parse(&a, data, len, &je);
    int rc = !ev ? pdk_fail(PDK_ERR_RESPONSE_FORMAT,
                            "stream event is not valid JSON at line %u column %u: %s", je.line,
                            je.col, je.msg)
             : !pdk_jv_is_object(ev) ? pdk_fail(PDK_ERR_RESPONSE_FORMAT,
                                                "stream event is not a JSON object")
                                     : handle_event(st, ev);
    pdk_arena_free(&a);
    return rc;
}

PL_EXPORT(chat_stream_parser_start)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, true, false);
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

/* Run the parser named by the input ("parser_id", or the input itself)
** with the output array open; finish takes it out of the table. */
static int32_t with_parser(bool finish)
{
    pdk_request in;
    int32_t rc = pdk_request_read(&in);
    int64_t id = 0;
    if (rc == 0 && !pdk_jv_int(in.root, &id) && !pdk_jv_int(pdk_jv_get(in.root, "parser_id"), &id))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "the input names no parser id");
    stream *st = rc ? NULL : finish ? pdk_handle_take(id) : pdk_handle_get(id);
    if (rc == 0 && !st)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "unknown parser id %lld", (long long)id);
    if (st && pdk_deferred_pending(&st->failure)) {
        rc = pdk_deferred_raise(&st->failure);
    } else if (st) {
        pdk_buf out = PDK_BUF_INIT;
        st->out = &out;
        pdk_jw_arr(&out);
        if (finish) {
            rc = pdk_sse_finish(&st->sse, on_event, st);
            if (rc == 0)
                finish_stream(st);
        } else {
            const char *bytes;
            size_t n;
            if (pdk_bytes_read(&in.arena, pdk_jv_get(in.root, "chunk"), &bytes, &n) != NULL)
                rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "\"chunk\" must be an array of bytes");
            else
                rc = pdk_sse_feed(&st->sse, bytes, n, on_event, st);
            if (rc < 0)
                rc = pdk_fail(PDK_ERR_PLUGIN, "out of memory");
        }
        pdk_jw_arr_end(&out);
        st->out = NULL;
        if (!finish)
            pdk_defer(&st->failure, &rc, &out);
        rc = rc ? rc : pdk_output_buf(&out);
        pdk_buf_free(&out);
    }
    if (st && finish)
        stream_free(st);
    pdk_request_free(&in);
    return rc;
}

PL_EXPORT(chat_stream_parser_parse) { return with_parser(false); }
PL_EXPORT(chat_stream_parser_finish) { return with_parser(true); }

PL_EXPORT(chat_stream_parser_close)
{
    pdk_request in;
    int32_t rc = pdk_request_read(&in);
    int64_t id;
    if (rc == 0 && (pdk_jv_int(in.root, &id) || pdk_jv_int(pdk_jv_get(in.root, "parser_id"), &id)))
        stream_free(pdk_handle_take(id));
    pdk_request_free(&in);
    return rc;
}
