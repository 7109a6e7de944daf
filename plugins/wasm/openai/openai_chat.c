/*
** openai_chat.c — wire ChatMessages to an OpenAI /chat/completions body
** (chat_request, chat_stream_request), and the reply back to a wire
** ExtismChatResponse (parse_chat_response).
**
** The two models differ in where things live: the wire format has no
** system role (the system prompt is config), carries tool calls and tool
** results as content parts, and keeps images as raw bytes; OpenAI wants a
** system message, "tool_calls" on the assistant message, one "tool"
** message per result, and data: URLs.
*/
#include "openai_int.h"

/* ---- request --------------------------------------------------------------- */

/* An image part: raw bytes (a JSON array of numbers, QueryMT's Vec<u8>,
** or base64 text already) as a data: URL. */
static bool image_part(pdk_buf *b, pdk_arena *a, const pdk_jv *c)
{
    const pdk_jv *data = pdk_jv_get(c, "data");
    const char *mime = pdk_jv_str(pdk_jv_get(c, "mime_type"));
    pdk_buf url = PDK_BUF_INIT;
    pdk_buf_fmt(&url, "data:%s;base64,", mime && *mime ? mime : "image/png");
    if (pdk_jv_is_string(data)) {
        pdk_buf_put(&url, data->u.s, data->n);
    } else {
        const char *bytes;
        size_t n;
        if (pdk_bytes_read(a, data, &bytes, &n) != NULL) {
            pdk_buf_free(&url);
            return false;
        }
        pdk_base64_put(&url, bytes, n);
    }
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "type", "image_url");
    pdk_jw_key(b, "image_url");
    pdk_jw_obj(b);
    pdk_jw_kstrn(b, "url", url.p ? url.p : "", url.len);
    pdk_jw_obj_end(b);
    pdk_jw_obj_end(b);
    pdk_buf_free(&url);
    return true;
}

/* A tool_use part as an OpenAI tool call. A string argument is taken to be
** the JSON text already (what OpenAI itself returned earlier); any other
** value is serialised. */
static void tool_use_call(pdk_buf *b, const pdk_jv *c)
{
    const pdk_jv *args = pdk_jv_get(c, "arguments");
    pdk_buf text = PDK_BUF_INIT;
    if (pdk_jv_is_string(args))
        pdk_buf_put(&text, args->u.s, args->n);
    else if (!pdk_jv_is_nothing(args))
        pdk_jw_value(&text, args);
    pdk_tool_call_write(b, pdk_jv_str(pdk_jv_get(c, "id")), pdk_jv_str(pdk_jv_get(c, "name")),
                        text.p, text.len);
    pdk_buf_free(&text);
}

static void tool_message(pdk_buf *b, const pdk_jv *c)
{
    pdk_buf text = PDK_BUF_INIT;
    pdk_wire_text(&text, pdk_jv_get(c, "content"), "\n");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "role", "tool");
    pdk_jw_kstr(b, "tool_call_id", pdk_jv_str_or(pdk_jv_get(c, "id"), ""));
    pdk_jw_kstrn(b, "content", text.p ? text.p : "", text.len);
    pdk_jw_obj_end(b);
    pdk_buf_free(&text);
}

/* What one message's parts are. */
typedef struct parts {
    size_t n_parts, n_calls;
    bool only_text;
} parts;

/* First pass over a message: count, check types, and write the tool
** results as "tool" messages (they go before the message they came in,
** right after the assistant's tool_calls, as OpenAI wants). 0 or 1. */
static int32_t scan_parts(pdk_buf *b, const pdk_jv *content, size_t no, parts *p)
{
    *p = (parts){pdk_jv_is_string(content) ? 1u : 0u, 0, true};
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *type = pdk_jv_get(c, "type");
        if (pdk_jv_streq(type, "text")) {
            p->n_parts++;
        } else if (pdk_jv_streq(type, "image") || pdk_jv_streq(type, "image_url")) {
            p->n_parts++;
            p->only_text = false;
        } else if (pdk_jv_streq(type, "tool_use")) {
            p->n_calls++;
        } else if (pdk_jv_streq(type, "tool_result")) {
            tool_message(b, c);
        } else if (!pdk_jv_streq(type, "thinking")) { /* Chat Completions takes no reasoning back */
            return pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "message %zu: content type '%s' is not supported",
                            no, pdk_jv_str_or(type, "(none)"));
        }
    }
    return 0;
}

/* The message's content: one text part as a plain string (what every
** OpenAI-compatible server accepts), several parts as an array, none as
** null (an assistant message with only tool calls). */
static int32_t write_content(pdk_buf *b, pdk_arena *a, const pdk_jv *content, const parts *p)
{
    if (pdk_jv_is_string(content)) {
        pdk_jw_strn(b, content->u.s, content->n);
        return 0;
    }
    if (p->n_parts == 0) {
        pdk_jw_null(b);
        return 0;
    }
    bool plain = p->n_parts == 1 && p->only_text;
    if (!plain)
        pdk_jw_arr(b);
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *type = pdk_jv_get(c, "type");
        const pdk_jv *t = pdk_jv_get(c, "text");
        if (pdk_jv_streq(type, "text") && plain) {
            pdk_jw_strn(b, pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
        } else if (pdk_jv_streq(type, "text")) {
            pdk_jw_obj(b);
            pdk_jw_kstr(b, "type", "text");
            pdk_jw_kstrn(b, "text", pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
            pdk_jw_obj_end(b);
        } else if (pdk_jv_streq(type, "image_url")) {
            pdk_jw_obj(b);
            pdk_jw_kstr(b, "type", "image_url");
            pdk_jw_key(b, "image_url");
            pdk_jw_obj(b);
            pdk_jw_kstr(b, "url", pdk_jv_str_or(pdk_jv_get(c, "url"), ""));
            pdk_jw_obj_end(b);
            pdk_jw_obj_end(b);
        } else if (pdk_jv_streq(type, "image") && !image_part(b, a, c)) {
            return pdk_fail(PDK_ERR_INVALID_REQUEST, "an image's \"data\" is not bytes or base64");
        }
    }
    if (!plain)
        pdk_jw_arr_end(b);
    return 0;
}

static int32_t convert_message(pdk_buf *b, pdk_arena *a, const pdk_jv *m, size_t no)
{
    const pdk_jv *role = pdk_jv_get(m, "role"), *content = pdk_jv_get(m, "content");
    const char *wire = !pdk_jv_is_string(role)             ? NULL
                       : pdk_ieqn(role->u.s, role->n, "user")      ? "user"
                       : pdk_ieqn(role->u.s, role->n, "assistant") ? "assistant"
                                                                    : NULL;
    if (!wire)
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "message %zu has role '%s'; expected User or Assistant",
                        no, pdk_jv_str_or(role, "(none)"));
    parts p;
    int32_t rc = scan_parts(b, content, no, &p);
    if (rc || (p.n_parts == 0 && p.n_calls == 0))
        return rc;
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "role", wire);
    pdk_jw_key(b, "content");
    rc = write_content(b, a, content, &p);
    if (p.n_calls) {
        pdk_jw_key(b, "tool_calls");
        pdk_jw_arr(b);
        for (size_t i = 0; i < pdk_jv_len(content); i++)
            if (pdk_jv_streq(pdk_jv_get(pdk_jv_at(content, i), "type"), "tool_use"))
                tool_use_call(b, pdk_jv_at(content, i));
        pdk_jw_arr_end(b);
    }
    pdk_jw_obj_end(b);
    return rc;
}

/* "auto" | "required" | "none" | {"type":"function",...}, accepting the
** spelling other providers use ("any"). Nothing for anything else. */
static void tool_choice(pdk_buf *b, const pdk_jv *v)
{
    static const char *const names[] = {"auto", "none", "required"};
    if (pdk_jv_is_object(v)) {
        pdk_jw_kvalue(b, "tool_choice", v);
        return;
    }
    if (!pdk_jv_is_string(v))
        return;
    for (size_t i = 0; i < 3; i++)
        if (pdk_ieqn(v->u.s, v->n, names[i]))
            pdk_jw_kstr(b, "tool_choice", names[i]);
    if (pdk_ieqn(v->u.s, v->n, "any"))
        pdk_jw_kstr(b, "tool_choice", "required");
}

static bool add_tools(pdk_buf *b, const pdk_prov *p)
{
    const pdk_jv *tools = pdk_jv_get(p->in.root, "tools");
    if (!pdk_jv_is_array(tools) || tools->n == 0)
        return false; /* OpenAI refuses tool_choice without tools */
    pdk_jw_kvalue(b, "tools", tools);
    const pdk_jv *tc = pdk_jv_get(p->in.root, "tool_choice");
    tool_choice(b, pdk_jv_is_nothing(tc) ? pdk_jv_get(p->cfg, "tool_choice") : tc);
    return true;
}

/* The sampling options the config holds, and streaming. */
static void add_options(pdk_buf *b, const pdk_prov *p, bool has_tools, bool stream)
{
    static const char *const keys[] = {"temperature", "top_p", "max_tokens", "reasoning_effort"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const pdk_jv *v = pdk_jv_get(p->cfg, keys[i]);
        if (!pdk_jv_is_nothing(v))
            pdk_jw_kvalue(b, keys[i], v);
    }
    const pdk_jv *par = pdk_jv_get(p->cfg, "parallel_tool_calls");
    if (has_tools && pdk_jv_is_bool(par))
        pdk_jw_kvalue(b, "parallel_tool_calls", par);
    if (stream) {
        pdk_jw_kbool(b, "stream", true);
        /* Without it OpenAI sends no usage at all on streams. */
        pdk_jw_key(b, "stream_options");
        pdk_jw_obj(b);
        pdk_jw_kbool(b, "include_usage", true);
        pdk_jw_obj_end(b);
    }
}

static int32_t chat_body(pdk_prov *p, bool stream, pdk_buf *b)
{
    const pdk_jv *msgs = pdk_jv_get(p->in.root, "messages");
    if (!pdk_jv_is_array(msgs))
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "the request has no \"messages\" array");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "model", pdk_prov_str(p, "model"));
    pdk_jw_key(b, "messages");
    pdk_jw_arr(b);
    pdk_buf sys = PDK_BUF_INIT;
    pdk_wire_system(&sys, pdk_jv_get(p->cfg, "system"));
    if (sys.len) {
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "role", "system");
        pdk_jw_kstrn(b, "content", sys.p, sys.len);
        pdk_jw_obj_end(b);
    }
    pdk_buf_free(&sys);
    for (size_t i = 0; i < msgs->n; i++) {
        int32_t rc = convert_message(b, &p->in.arena, pdk_jv_at(msgs, i), i);
        if (rc)
            return rc;
    }
    pdk_jw_arr_end(b);
    bool has_tools = add_tools(b, p);
    add_options(b, p, has_tools, stream);
    pdk_jw_obj_end(b);
    return 0;
}

static int32_t chat_request(bool stream)
{
    pdk_prov p;
    pdk_buf body = PDK_BUF_INIT;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, true);
    if (rc == 0)
        rc = chat_body(&p, stream, &body);
    if (rc == 0)
        rc = oai_send(&p, "POST", "/chat/completions", &body);
    pdk_buf_free(&body);
    pdk_prov_close(&p);
    return rc;
}

/* The host picks the export, so "stream" in the config does not matter. */
PL_EXPORT(chat_request) { return chat_request(false); }
PL_EXPORT(chat_stream_request) { return chat_request(true); }

/* ---- reply ---------------------------------------------------------------- */

bool oai_reply_text(const pdk_jv *msg, pdk_buf *text)
{
    const pdk_jv *c = pdk_jv_get(msg, "content");
    if (pdk_jv_is_string(c)) {
        pdk_buf_put(text, c->u.s, c->n);
        return true;
    }
    if (pdk_jv_is_array(c)) {
        pdk_wire_text(text, c, "");
        return true;
    }
    const pdk_jv *refusal = pdk_jv_get(msg, "refusal");
    if (!pdk_jv_is_string(refusal))
        return false;
    pdk_buf_put(text, refusal->u.s, refusal->n);
    return true;
}

/* The arguments of an OpenAI tool_calls[] item as JSON text into args
** ("{}" when empty; an object, as some servers send, serialised). */
static void call_args(const pdk_jv *c, pdk_buf *args)
{
    const pdk_jv *a = pdk_jv_get(pdk_jv_get(c, "function"), "arguments");
    if (pdk_jv_is_object(a))
        pdk_jw_value(args, a);
    else if (pdk_jv_strlen(a))
        pdk_buf_put(args, a->u.s, a->n);
    else
        pdk_buf_puts(args, "{}");
}

void oai_write_tool_call(pdk_buf *b, const pdk_jv *c)
{
    pdk_buf args = PDK_BUF_INIT;
    call_args(c, &args);
    pdk_tool_call_write(b, pdk_jv_str(pdk_jv_get(c, "id")),
                        pdk_jv_str(pdk_jv_get(pdk_jv_get(c, "function"), "name")), args.p, args.len);
    pdk_buf_free(&args);
}

static void write_reply(pdk_buf *b, const pdk_jv *root, const pdk_jv *choice)
{
    const pdk_jv *msg = pdk_jv_get(choice, "message"), *calls = pdk_jv_get(msg, "tool_calls");
    pdk_buf text = PDK_BUF_INIT;
    pdk_jw_obj(b);
    pdk_jw_key(b, "text");
    if (oai_reply_text(msg, &text))
        pdk_jw_strn(b, text.p ? text.p : "", text.len);
    else
        pdk_jw_null(b);
    pdk_jw_key(b, "tool_calls");
    if (pdk_jv_len(calls)) {
        pdk_jw_arr(b);
        for (size_t i = 0; i < pdk_jv_len(calls); i++)
            oai_write_tool_call(b, pdk_jv_at(calls, i));
        pdk_jw_arr_end(b);
    } else {
        pdk_jw_null(b);
    }
    /* OpenAI-compatible reasoning servers (DeepSeek, vLLM) put the chain of
    ** thought in reasoning_content; OpenAI itself never returns it. */
    const pdk_jv *think = pdk_jv_get(msg, "reasoning_content");
    pdk_jw_key(b, "thinking");
    pdk_jw_value(b, pdk_jv_is_string(think) ? think : NULL);
    pdk_usage u;
    pdk_jw_key(b, "usage");
    if (oai_usage(pdk_jv_get(root, "usage"), &u))
        pdk_usage_write(b, &u);
    else
        pdk_jw_null(b);
    pdk_jw_kstr(b, "finish_reason", oai_finish_reason(pdk_jv_get(choice, "finish_reason")));
    pdk_jw_obj_end(b);
    pdk_buf_free(&text);
}

PL_EXPORT(parse_chat_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oai_body(&p, &r, "chat", &root);
    const pdk_jv *choice = pdk_jv_at(pdk_jv_get(root, "choices"), 0);
    if (rc == 0 && !pdk_jv_is_object(pdk_jv_get(choice, "message")))
        rc = pdk_prov_bad_response(&r, "chat response has no choices[0].message");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        write_reply(&out, root, choice);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

/* A stream request answered with one JSON reply: the same content as
** chunks (text, thinking, each tool call whole, usage, done). */
int32_t oai_reply_chunks(const pdk_jv *root, pdk_buf *out)
{
    const pdk_jv *choice = pdk_jv_at(pdk_jv_get(root, "choices"), 0);
    const pdk_jv *msg = pdk_jv_get(choice, "message"), *calls = pdk_jv_get(msg, "tool_calls");
    const pdk_jv *think = pdk_jv_get(msg, "reasoning_content");
    if (pdk_jv_strlen(think))
        pdk_chunk_thinking(out, think->u.s, think->n);
    pdk_buf text = PDK_BUF_INIT;
    if (oai_reply_text(msg, &text) && text.len)
        pdk_chunk_text(out, text.p, text.len);
    pdk_buf_free(&text);
    for (size_t i = 0; i < pdk_jv_len(calls); i++) {
        const pdk_jv *c = pdk_jv_at(calls, i);
        const char *id = pdk_jv_str(pdk_jv_get(c, "id"));
        const char *name = pdk_jv_str(pdk_jv_get(pdk_jv_get(c, "function"), "name"));
        pdk_buf args = PDK_BUF_INIT;
        call_args(c, &args);
        pdk_chunk_tool_start(out, (int64_t)i, id, name);
        pdk_chunk_tool_delta(out, (int64_t)i, args.p, args.len);
        pdk_chunk_tool_complete(out, (int64_t)i, id, name, args.p, args.len);
        pdk_buf_free(&args);
    }
    pdk_usage u;
    if (oai_usage(pdk_jv_get(root, "usage"), &u))
        pdk_chunk_usage(out, &u);
    pdk_chunk_done(out, oai_finish_reason(pdk_jv_get(choice, "finish_reason")));
    return 0;
}
