/*
** ollama_stream.c — the stream parser over Ollama's NDJSON: one object
** per line, {"message": {"content", "thinking"?, "tool_calls"?}, "done":
** false}, the last with "done": true, done_reason and the counts. Each
** content and thinking piece becomes a chunk; Ollama sends each tool call
** whole, so it becomes tool_use_start, one tool_use_input_delta with all
** its arguments, and tool_use_complete at once. The done line gives usage
** and done. A non-streamed reply (one object) parses the same way.
*/
#include "ollama_int.h"

typedef struct stream {
    pdk_lines lines;
    size_t n_calls;
    bool done;
    pdk_buf *out;
    pdk_deferred failure;
} stream;

static void stream_free(stream *st)
{
    if (st) {
        pdk_lines_free(&st->lines);
        pdk_free(st->failure.msg);
        pdk_free(st);
    }
}

static void tool_calls(stream *st, const pdk_jv *calls)
{
    for (size_t i = 0; i < pdk_jv_len(calls); i++, st->n_calls++) {
        const pdk_jv *c = pdk_jv_at(calls, i), *fn = pdk_jv_get(c, "function");
        const pdk_jv *args = pdk_jv_get(fn, "arguments");
        const char *name = pdk_jv_str(pdk_jv_get(fn, "name"));
        pdk_buf id = PDK_BUF_INIT, text = PDK_BUF_INIT;
        oll_call_id(c, st->n_calls, &id);
        if (pdk_jv_is_string(args))
            pdk_buf_put(&text, args->u.s, args->n);
        else if (!pdk_jv_is_nothing(args))
            pdk_jw_value(&text, args);
        int64_t ix = (int64_t)st->n_calls;
        pdk_chunk_tool_start(st->out, ix, id.p, name);
        if (text.len)
            pdk_chunk_tool_delta(st->out, ix, text.p, text.len);
        pdk_chunk_tool_complete(st->out, ix, id.p, name, text.p, text.len);
        pdk_buf_free(&id);
        pdk_buf_free(&text);
    }
}

static int handle_line(stream *st, const pdk_jv *obj)
{
    if (!pdk_jv_is_object(obj))
        return pdk_fail(PDK_ERR_RESPONSE_FORMAT, "stream line is not a JSON object");
    const pdk_jv *e = pdk_jv_get(obj, "error");
    if (!pdk_jv_is_nothing(e)) {
        pdk_llm_error pe;
        oll_classify(0, e, "the stream reported an error", &pe);
        return pdk_fail_llm(&pe);
    }
    const pdk_jv *msg = pdk_jv_get(obj, "message");
    const pdk_jv *think = pdk_jv_get(msg, "thinking"), *text = pdk_jv_get(msg, "content");
    if (!pdk_jv_is_object(msg)) /* /api/generate lines carry "response" */
        text = pdk_jv_get(obj, "response");
    if (pdk_jv_strlen(think))
        pdk_chunk_thinking(st->out, think->u.s, think->n);
    if (pdk_jv_strlen(text))
        pdk_chunk_text(st->out, text->u.s, text->n);
    tool_calls(st, pdk_jv_get(msg, "tool_calls"));
    if (pdk_jv_bool(pdk_jv_get(obj, "done"), false)) {
        pdk_usage u;
        oll_usage(obj, &u);
        pdk_chunk_usage(st->out, &u);
        pdk_chunk_done(st->out, oll_finish_reason(pdk_jv_get(obj, "done_reason"), st->n_calls > 0));
        st->done = true;
    }
    return 0;
}

static int on_line(void *user, const char *line, size_t len)
{
    stream *st = user;
    if (st->done)
        return 0;
    pdk_arena a = PDK_ARENA_INIT;
    pdk_json_error je;
    const pdk_jv *obj = pdk_json_parse(&a, line, len, &je);
    int rc = obj ? handle_line(st, obj)
                 : pdk_fail(PDK_ERR_RESPONSE_FORMAT,
                            "stream line is not valid JSON at line %u column %u: %s", je.line,
                            je.col, je.msg);
    pdk_arena_free(&a);
    return rc;
}

PL_EXPORT(chat_stream_parser_start)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, true, false);
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
            rc = pdk_lines_finish(&st->lines, on_line, st);
            if (rc == 0 && !st->done) /* cut before the done line */
                pdk_chunk_done(&out, st->n_calls ? PDK_FINISH_TOOL_CALLS : PDK_FINISH_UNKNOWN);
        } else {
            const char *bytes;
            size_t n;
            if (pdk_bytes_read(&in.arena, pdk_jv_get(in.root, "chunk"), &bytes, &n) != NULL)
                rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "\"chunk\" must be an array of bytes");
            else
                rc = pdk_lines_feed(&st->lines, bytes, n, on_line, st);
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
