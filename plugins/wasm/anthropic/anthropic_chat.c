/*
** anthropic_chat.c — wire ChatMessages to a Messages body, and the reply
** (content blocks) back to an ExtismChatResponse.
**
** The wire format is close to Anthropic's own: content parts map to
** content blocks one for one (text, image, tool_use, tool_result,
** thinking), tool results already travel in User messages, and the system
** prompt is separate. What changes: tool arguments become "input" objects,
** tools become {name, description, input_schema}, and tool_choice takes
** Anthropic's {"type": "auto" | "any" | "tool" | "none"} form.
*/
#include "anthropic_int.h"

/* ---- request --------------------------------------------------------------- */

static void source_base64(pdk_buf *b, pdk_arena *a, const pdk_jv *c, const char *dflt_mime)
{
    const pdk_jv *data = pdk_jv_get(c, "data");
    const char *mime = pdk_jv_str(pdk_jv_get(c, "mime_type"));
    pdk_jw_key(b, "source");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "type", "base64");
    pdk_jw_kstr(b, "media_type", mime && *mime ? mime : dflt_mime);
    pdk_jw_key(b, "data");
    if (pdk_jv_is_string(data)) {
        pdk_jw_strn(b, data->u.s, data->n);
    } else {
        const char *bytes = "";
        size_t n = 0;
        pdk_bytes_read(a, data, &bytes, &n);
        pdk_buf b64 = PDK_BUF_INIT;
        pdk_base64_put(&b64, bytes, n);
        pdk_jw_strn(b, b64.p ? b64.p : "", b64.len);
        pdk_buf_free(&b64);
    }
    pdk_jw_obj_end(b);
}

/* tool_use arguments as an "input" object: an object as it is, a string
** parsed (what OpenAI-style callers keep), nothing as {}. */
static bool tool_input(pdk_buf *b, pdk_arena *a, const pdk_jv *args)
{
    pdk_jw_key(b, "input");
    if (pdk_jv_is_object(args)) {
        pdk_jw_value(b, args);
        return true;
    }
    const pdk_jv *parsed = pdk_jv_is_string(args) && args->n
                               ? pdk_json_parse(a, args->u.s, args->n, NULL) : NULL;
    if (pdk_jv_is_object(parsed)) {
        pdk_jw_value(b, parsed);
        return true;
    }
    pdk_jw_raw(b, "{}", 2);
    return pdk_jv_is_nothing(args) || (pdk_jv_is_string(args) && args->n == 0);
}

static void tool_result(pdk_buf *b, const pdk_jv *c)
{
    pdk_buf text = PDK_BUF_INIT;
    pdk_wire_text(&text, pdk_jv_get(c, "content"), "\n");
    pdk_jw_kstr(b, "type", "tool_result");
    pdk_jw_kstr(b, "tool_use_id", pdk_jv_str_or(pdk_jv_get(c, "id"), ""));
    pdk_jw_kstrn(b, "content", text.p ? text.p : "", text.len);
    if (pdk_jv_bool(pdk_jv_get(c, "is_error"), false))
        pdk_jw_kbool(b, "is_error", true);
    pdk_buf_free(&text);
}

/* One content part as a block. 0, or 1 with the error set. A thinking
** part without its signature is dropped: the API refuses such blocks. */
static int32_t block(pdk_buf *b, pdk_arena *a, const pdk_jv *c, size_t no)
{
    const pdk_jv *type = pdk_jv_get(c, "type");
    if (pdk_jv_streq(type, "thinking") && !pdk_jv_strlen(pdk_jv_get(c, "signature")))
        return 0;
    pdk_jw_obj(b);
    if (pdk_jv_streq(type, "text")) {
        const pdk_jv *t = pdk_jv_get(c, "text");
        pdk_jw_kstr(b, "type", "text");
        pdk_jw_kstrn(b, "text", pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
    } else if (pdk_jv_streq(type, "image")) {
        pdk_jw_kstr(b, "type", "image");
        source_base64(b, a, c, "image/png");
    } else if (pdk_jv_streq(type, "pdf")) {
        pdk_jw_kstr(b, "type", "document");
        source_base64(b, a, c, "application/pdf");
    } else if (pdk_jv_streq(type, "image_url")) {
        pdk_jw_kstr(b, "type", "image");
        pdk_jw_key(b, "source");
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "type", "url");
        pdk_jw_kstr(b, "url", pdk_jv_str_or(pdk_jv_get(c, "url"), ""));
        pdk_jw_obj_end(b);
    } else if (pdk_jv_streq(type, "tool_use")) {
        pdk_jw_kstr(b, "type", "tool_use");
        pdk_jw_kstr(b, "id", pdk_jv_str_or(pdk_jv_get(c, "id"), ""));
        pdk_jw_kstr(b, "name", pdk_jv_str_or(pdk_jv_get(c, "name"), ""));
        if (!tool_input(b, a, pdk_jv_get(c, "arguments")))
            return pdk_fail(PDK_ERR_INVALID_REQUEST,
                            "message %zu: tool_use arguments must be a JSON object", no);
    } else if (pdk_jv_streq(type, "tool_result")) {
        tool_result(b, c);
    } else if (pdk_jv_streq(type, "thinking")) {
        pdk_jw_kstr(b, "type", "thinking");
        pdk_jw_kvalue(b, "thinking", pdk_jv_get(c, "text"));
        pdk_jw_kvalue(b, "signature", pdk_jv_get(c, "signature"));
    } else {
        return pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "message %zu: content type '%s' is not supported",
                        no, pdk_jv_str_or(type, "(none)"));
    }
    pdk_jw_obj_end(b);
    return 0;
}

static int32_t message(pdk_buf *b, pdk_arena *a, const pdk_jv *m, size_t no)
{
    const pdk_jv *role = pdk_jv_get(m, "role"), *content = pdk_jv_get(m, "content");
    const char *wire = !pdk_jv_is_string(role)                     ? NULL
                       : pdk_ieqn(role->u.s, role->n, "user")      ? "user"
                       : pdk_ieqn(role->u.s, role->n, "assistant") ? "assistant"
                                                                    : NULL;
    if (!wire)
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "message %zu has role '%s'; expected User or Assistant",
                        no, pdk_jv_str_or(role, "(none)"));
    if (!pdk_jv_strlen(content) && !pdk_jv_len(content))
        return 0; /* the API refuses empty content */
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "role", wire);
    pdk_jw_key(b, "content");
    if (pdk_jv_is_string(content)) {
        pdk_jw_strn(b, content->u.s, content->n);
    } else {
        pdk_jw_arr(b);
        for (size_t i = 0; i < content->n; i++) {
            int32_t rc = block(b, a, pdk_jv_at(content, i), no);
            if (rc)
                return rc;
        }
        pdk_jw_arr_end(b);
    }
    pdk_jw_obj_end(b);
    return 0;
}

int32_t ant_write_messages(pdk_buf *b, pdk_prov *p)
{
    const pdk_jv *msgs = pdk_jv_get(p->in.root, "messages");
    if (!pdk_jv_is_array(msgs))
        return pdk_fail(PDK_ERR_INVALID_REQUEST, "the request has no \"messages\" array");
    pdk_buf sys = PDK_BUF_INIT;
    pdk_wire_system(&sys, pdk_jv_get(p->cfg, "system"));
    if (sys.len)
        pdk_jw_kstrn(b, "system", sys.p, sys.len);
    pdk_buf_free(&sys);
    pdk_jw_key(b, "messages");
    pdk_jw_arr(b);
    for (size_t i = 0; i < msgs->n; i++) {
        int32_t rc = message(b, &p->in.arena, pdk_jv_at(msgs, i), i);
        if (rc)
            return rc;
    }
    pdk_jw_arr_end(b);
    return 0;
}

/* Wire tools {"type":"function","function":{name, description,
** parameters}} as Anthropic's {name, description, input_schema}. */
static void tools(pdk_buf *b, const pdk_jv *list)
{
    pdk_jw_key(b, "tools");
    pdk_jw_arr(b);
    for (size_t i = 0; i < list->n; i++) {
        const pdk_jv *fn = pdk_jv_get(pdk_jv_at(list, i), "function");
        const pdk_jv *params = pdk_jv_get(fn, "parameters");
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "name", pdk_jv_str_or(pdk_jv_get(fn, "name"), ""));
        if (pdk_jv_is_string(pdk_jv_get(fn, "description")))
            pdk_jw_kvalue(b, "description", pdk_jv_get(fn, "description"));
        pdk_jw_key(b, "input_schema");
        if (pdk_jv_is_object(params))
            pdk_jw_value(b, params);
        else
            pdk_jw_raw(b, "{\"type\":\"object\"}", 17);
        pdk_jw_obj_end(b);
    }
    pdk_jw_arr_end(b);
}

/* "auto" | "any"/"required" | "none" | {"type":"function","function":
** {"name"}} as {"type": ..., "name"?}, with disable_parallel_tool_use
** when parallel_tool_calls is false. */
static void tool_choice(pdk_buf *b, const pdk_jv *tc, const pdk_jv *parallel)
{
    const char *type = NULL, *name = NULL;
    if (pdk_jv_is_string(tc))
        type = pdk_ieqn(tc->u.s, tc->n, "auto")                                         ? "auto"
               : pdk_ieqn(tc->u.s, tc->n, "none")                                       ? "none"
               : pdk_ieqn(tc->u.s, tc->n, "any") || pdk_ieqn(tc->u.s, tc->n, "required") ? "any"
                                                                                         : NULL;
    else if (pdk_jv_is_object(tc) && pdk_jv_str(pdk_jv_get(pdk_jv_get(tc, "function"), "name"))) {
        type = "tool";
        name = pdk_jv_str(pdk_jv_get(pdk_jv_get(tc, "function"), "name"));
    } else if (pdk_jv_is_object(tc)) {
        type = pdk_jv_str(pdk_jv_get(tc, "type"));
        name = pdk_jv_str(pdk_jv_get(tc, "name"));
    }
    bool serial = pdk_jv_is_bool(parallel) && !pdk_jv_bool(parallel, true);
    if (!type && !serial)
        return;
    pdk_jw_key(b, "tool_choice");
    pdk_jw_obj(b);
    pdk_jw_kstr(b, "type", type ? type : "auto");
    if (name)
        pdk_jw_kstr(b, "name", name);
    if (serial && !pdk_streq(type, "none"))
        pdk_jw_kbool(b, "disable_parallel_tool_use", true);
    pdk_jw_obj_end(b);
}

static void options(pdk_buf *b, const pdk_prov *p, bool stream)
{
    static const char *const keys[] = {"temperature", "top_p", "top_k"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const pdk_jv *v = pdk_jv_get(p->cfg, keys[i]);
        if (!pdk_jv_is_nothing(v))
            pdk_jw_kvalue(b, keys[i], v);
    }
    const pdk_jv *budget = pdk_jv_get(p->cfg, "reasoning_budget_tokens");
    if (pdk_jv_is_number(budget)) {
        pdk_jw_key(b, "thinking");
        pdk_jw_obj(b);
        pdk_jw_kstr(b, "type", "enabled");
        pdk_jw_kvalue(b, "budget_tokens", budget);
        pdk_jw_obj_end(b);
    }
    if (stream)
        pdk_jw_kbool(b, "stream", true);
}

static int32_t chat_request(bool stream)
{
    pdk_prov p;
    pdk_buf body = PDK_BUF_INIT;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, true);
    if (rc == 0) {
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "model", pdk_prov_str(&p, "model"));
        pdk_jw_kint(&body, "max_tokens", pdk_jv_int_or(pdk_jv_get(p.cfg, "max_tokens"), 1,
                                                       INT32_MAX, ANT_DEFAULT_MAX_TOKENS));
        rc = ant_write_messages(&body, &p);
    }
    if (rc == 0) {
        const pdk_jv *list = pdk_jv_get(p.in.root, "tools"), *tc = pdk_jv_get(p.in.root, "tool_choice");
        if (pdk_jv_len(list)) { /* tool_choice without tools is refused */
            tools(&body, list);
            tool_choice(&body, pdk_jv_is_nothing(tc) ? pdk_jv_get(p.cfg, "tool_choice") : tc,
                        pdk_jv_get(p.cfg, "parallel_tool_calls"));
        }
        options(&body, &p, stream);
        pdk_jw_obj_end(&body);
        rc = ant_send(&p, "POST", "/messages", &body);
    }
    pdk_buf_free(&body);
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(chat_request) { return chat_request(false); }
PL_EXPORT(chat_stream_request) { return chat_request(true); }

/* ---- reply ----------------------------------------------------------------- */

static void write_tool_calls(pdk_buf *b, const pdk_jv *content)
{
    size_t n = 0;
    for (size_t i = 0; i < pdk_jv_len(content); i++)
        n += pdk_jv_streq(pdk_jv_get(pdk_jv_at(content, i), "type"), "tool_use");
    pdk_jw_key(b, "tool_calls");
    if (!n) {
        pdk_jw_null(b);
        return;
    }
    pdk_jw_arr(b);
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i);
        if (!pdk_jv_streq(pdk_jv_get(c, "type"), "tool_use"))
            continue;
        pdk_buf args = PDK_BUF_INIT;
        pdk_jw_value(&args, pdk_jv_get(c, "input"));
        pdk_tool_call_write(b, pdk_jv_str(pdk_jv_get(c, "id")), pdk_jv_str(pdk_jv_get(c, "name")),
                            args.p, pdk_jv_is_object(pdk_jv_get(c, "input")) ? args.len : 0);
        pdk_buf_free(&args);
    }
    pdk_jw_arr_end(b);
}

static void write_reply(pdk_buf *b, const pdk_jv *root)
{
    const pdk_jv *content = pdk_jv_get(root, "content");
    pdk_buf text = PDK_BUF_INIT, think = PDK_BUF_INIT;
    bool has_text = false, has_think = false;
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *type = pdk_jv_get(c, "type");
        if (pdk_jv_streq(type, "text")) {
            has_text = true;
            pdk_buf_put(&text, pdk_jv_str_or(pdk_jv_get(c, "text"), ""),
                        pdk_jv_strlen(pdk_jv_get(c, "text")));
        } else if (pdk_jv_streq(type, "thinking")) {
            has_think = true;
            pdk_buf_put(&think, pdk_jv_str_or(pdk_jv_get(c, "thinking"), ""),
                        pdk_jv_strlen(pdk_jv_get(c, "thinking")));
        }
    }
    pdk_jw_obj(b);
    pdk_jw_key(b, "text");
    if (has_text)
        pdk_jw_strn(b, text.p ? text.p : "", text.len);
    else
        pdk_jw_null(b);
    write_tool_calls(b, content);
    pdk_jw_key(b, "thinking");
    if (has_think)
        pdk_jw_strn(b, think.p ? think.p : "", think.len);
    else
        pdk_jw_null(b);
    pdk_usage u;
    pdk_jw_key(b, "usage");
    if (ant_usage(pdk_jv_get(root, "usage"), &u))
        pdk_usage_write(b, &u);
    else
        pdk_jw_null(b);
    pdk_jw_kstr(b, "finish_reason", ant_finish_reason(pdk_jv_get(root, "stop_reason")));
    pdk_jw_obj_end(b);
    pdk_buf_free(&text);
    pdk_buf_free(&think);
}

PL_EXPORT(parse_chat_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = ant_body(&p, &r, "chat", &root);
    if (rc == 0 && !pdk_jv_is_array(pdk_jv_get(root, "content")))
        rc = pdk_prov_bad_response(&r, "chat response has no \"content\" array");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        write_reply(&out, root);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}
