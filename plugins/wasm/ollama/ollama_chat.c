/*
** ollama_chat.c — wire ChatMessages to an /api/chat body, and the reply
** back to an ExtismChatResponse.
**
** Ollama's messages are flat: content is one string, images a list of
** base64 strings, tool calls {"function": {"name", "arguments": {object}}}
** on the assistant message, and a tool result is a message of role
** "tool" (with tool_name). The system prompt is a first "system" message.
** "stream" is always sent, as the official client does.
*/
#include "ollama_int.h"

/* The parts of one wire message, gathered. */
typedef struct flat {
    pdk_buf text, images, calls; /* images and calls: JSON array bodies */
    size_t n_images, n_calls;
} flat;

static void flat_free(flat *f)
{
    pdk_buf_free(&f->text);
    pdk_buf_free(&f->images);
    pdk_buf_free(&f->calls);
}

/* A tool result as a "tool" message, written at once (before the message
** it came in, right after the assistant turn that called the tool). */
static void tool_message(pdk_buf *b, const pdk_jv *c)
{
    pdk_buf text = PDK_BUF_INIT;
    pdk_wire_text(&text, pdk_jv_get(c, "content"), "\n");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "role", "tool");
    pdk_jw_kstrn(b, "content", text.p ? text.p : "", text.len);
    if (pdk_jv_is_string(pdk_jv_get(c, "name")))
        pdk_jw_kvalue(b, "tool_name", pdk_jv_get(c, "name"));
    pdk_jw_obj_end(b);
    pdk_buf_free(&text);
}

/* tool_use → {"function":{"name","arguments":{...}}}; string arguments
** are parsed (Ollama wants an object). False when they are not one. */
static bool tool_call(flat *f, pdk_arena *a, const pdk_jv *c)
{
    const pdk_jv *args = pdk_jv_get(c, "arguments");
    if (pdk_jv_is_string(args) && args->n) {
        args = pdk_json_parse(a, args->u.s, args->n, NULL);
        if (!args) /* not JSON: no object to send */
            return false;
    } else if (pdk_jv_is_nothing(args) || pdk_jv_is_string(args)) {
        args = NULL;
    }
    if (args && !pdk_jv_is_object(args))
        return false;
    pdk_jw_obj(&f->calls);
    pdk_jw_key(&f->calls, "function");
    pdk_jw_obj(&f->calls);
    pdk_jw_kstr(&f->calls, "name", pdk_jv_str_or(pdk_jv_get(c, "name"), ""));
    pdk_jw_key(&f->calls, "arguments");
    if (args)
        pdk_jw_value(&f->calls, args);
    else
        pdk_jw_raw(&f->calls, "{}", 2);
    pdk_jw_obj_end(&f->calls);
    pdk_jw_obj_end(&f->calls);
    f->n_calls++;
    return true;
}

static bool image(flat *f, pdk_arena *a, const pdk_jv *c)
{
    const pdk_jv *data = pdk_jv_get(c, "data");
    const char *bytes;
    size_t n;
    if (pdk_jv_is_string(data)) { /* base64 already */
        pdk_jw_strn(&f->images, data->u.s, data->n);
    } else {
        if (pdk_bytes_read(a, data, &bytes, &n) != NULL)
            return false;
        pdk_buf b64 = PDK_BUF_INIT;
        pdk_base64_put(&b64, bytes, n);
        pdk_jw_strn(&f->images, b64.p ? b64.p : "", b64.len);
        pdk_buf_free(&b64);
    }
    f->n_images++;
    return true;
}

/* Sort one message's parts; tool results go straight into b. */
static int32_t gather(pdk_buf *b, pdk_arena *a, const pdk_jv *content, size_t no, flat *f)
{
    if (pdk_jv_is_string(content)) {
        pdk_buf_put(&f->text, content->u.s, content->n);
        return 0;
    }
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *type = pdk_jv_get(c, "type");
        const pdk_jv *t = pdk_jv_get(c, "text");
        if (pdk_jv_streq(type, "text")) {
            if (f->text.len)
                pdk_buf_putc(&f->text, '\n');
            pdk_buf_put(&f->text, pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
        } else if (pdk_jv_streq(type, "image")) {
            if (!image(f, a, c))
                return pdk_fail(PDK_ERR_INVALID_REQUEST, "message %zu: an image's \"data\" is not bytes",
                                no);
        } else if (pdk_jv_streq(type, "tool_use")) {
            if (!tool_call(f, a, c))
                return pdk_fail(PDK_ERR_INVALID_REQUEST,
                                "message %zu: tool_use arguments must be a JSON object", no);
        } else if (pdk_jv_streq(type, "tool_result")) {
            tool_message(b, c);
        } else if (!pdk_jv_streq(type, "thinking")) {
            return pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "message %zu: content type '%s' is not supported",
                            no, pdk_jv_str_or(type, "(none)"));
        }
    }
    return 0;
}

static int32_t message(pdk_buf *b, pdk_arena *a, const pdk_jv *m, size_t no)
{
    const pdk_jv *role = pdk_jv_get(m, "role");
    const char *wire = !pdk_jv_is_string(role)                     ? NULL
                       : pdk_ieqn(role->u.s, role->n, "user")      ? "user"
                       : pdk_ieqn(role->u.s, role->n, "assistant") ? "assistant"
                                                                    : NULL;
    if (!wire)
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "message %zu has role '%s'; expected User or Assistant",
                        no, pdk_jv_str_or(role, "(none)"));
    flat f = {PDK_BUF_INIT, PDK_BUF_INIT, PDK_BUF_INIT, 0, 0};
    pdk_jw_arr(&f.images);
    pdk_jw_arr(&f.calls);
    int32_t rc = gather(b, a, pdk_jv_get(m, "content"), no, &f);
    if (rc == 0 && (f.text.len || f.n_images || f.n_calls || pdk_jv_is_string(pdk_jv_get(m, "content")))) {
        pdk_jw_arr_end(&f.images);
        pdk_jw_arr_end(&f.calls);
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "role", wire);
        pdk_jw_kstrn(b, "content", f.text.p ? f.text.p : "", f.text.len);
        if (f.n_images) {
            pdk_jw_key(b, "images");
            pdk_jw_raw(b, f.images.p, f.images.len);
        }
        if (f.n_calls) {
            pdk_jw_key(b, "tool_calls");
            pdk_jw_raw(b, f.calls.p, f.calls.len);
        }
        pdk_jw_obj_end(b);
    }
    if (rc == 0 && (f.images.oom || f.calls.oom || f.text.oom))
        rc = pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    flat_free(&f);
    return rc;
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
        int32_t rc = message(b, &p->in.arena, pdk_jv_at(msgs, i), i);
        if (rc)
            return rc;
    }
    pdk_jw_arr_end(b);
    pdk_jw_kbool(b, "stream", stream);
    const pdk_jv *tools = pdk_jv_get(p->in.root, "tools");
    if (pdk_jv_len(tools)) /* the wire Tool is Ollama's shape already */
        pdk_jw_kvalue(b, "tools", tools);
    if (pdk_jv_is_bool(pdk_jv_get(p->cfg, "think")))
        pdk_jw_kvalue(b, "think", pdk_jv_get(p->cfg, "think"));
    oll_options(b, p, NULL);
    pdk_jw_obj_end(b);
    return 0;
}

static int32_t chat_request(bool stream)
{
    pdk_prov p;
    pdk_buf body = PDK_BUF_INIT;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, true);
    if (rc == 0)
        rc = chat_body(&p, stream, &body);
    if (rc == 0)
        rc = oll_send(&p, "POST", "/api/chat", &body);
    pdk_buf_free(&body);
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(chat_request) { return chat_request(false); }
PL_EXPORT(chat_stream_request) { return chat_request(true); }

/* ---- reply ------------------------------------------------------------------ */

static void write_calls(pdk_buf *b, const pdk_jv *calls)
{
    pdk_jw_key(b, "tool_calls");
    if (!pdk_jv_len(calls)) {
        pdk_jw_null(b);
        return;
    }
    pdk_jw_arr(b);
    for (size_t i = 0; i < calls->n; i++) {
        const pdk_jv *c = pdk_jv_at(calls, i), *fn = pdk_jv_get(c, "function");
        const pdk_jv *args = pdk_jv_get(fn, "arguments");
        pdk_buf id = PDK_BUF_INIT, text = PDK_BUF_INIT;
        oll_call_id(c, i, &id);
        if (pdk_jv_is_string(args))
            pdk_buf_put(&text, args->u.s, args->n);
        else if (!pdk_jv_is_nothing(args))
            pdk_jw_value(&text, args);
        pdk_tool_call_write(b, id.p, pdk_jv_str(pdk_jv_get(fn, "name")), text.p, text.len);
        pdk_buf_free(&id);
        pdk_buf_free(&text);
    }
    pdk_jw_arr_end(b);
}

PL_EXPORT(parse_chat_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oll_body(&p, &r, "chat", &root);
    const pdk_jv *msg = pdk_jv_get(root, "message");
    if (rc == 0 && !pdk_jv_is_object(msg))
        rc = pdk_prov_bad_response(&r, "chat response has no \"message\" object");
    if (rc == 0) {
        const pdk_jv *content = pdk_jv_get(msg, "content"), *calls = pdk_jv_get(msg, "tool_calls");
        const pdk_jv *think = pdk_jv_get(msg, "thinking");
        pdk_buf out = PDK_BUF_INIT;
        pdk_usage u;
        oll_usage(root, &u);
        pdk_jw_obj(&out);
        /* Ollama sends "" beside tool calls; the wire format says null. */
        pdk_jw_kvalue(&out, "text", pdk_jv_strlen(content) || !pdk_jv_len(calls) ? content : NULL);
        write_calls(&out, calls);
        pdk_jw_kvalue(&out, "thinking", pdk_jv_strlen(think) ? think : NULL);
        pdk_jw_key(&out, "usage");
        pdk_usage_write(&out, &u);
        pdk_jw_kstr(&out, "finish_reason",
                    oll_finish_reason(pdk_jv_get(root, "done_reason"), pdk_jv_len(calls) > 0));
        pdk_jw_obj_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}
