/*
** openai_chat.c — wire ChatMessages to an OpenAI /chat/completions body,
** and the non-streaming reply back to a wire chat response.
**
** The two models differ in where things live: the wire format has no
** system role (the system prompt is config), carries tool calls and tool
** results as content parts, and keeps images as raw bytes; OpenAI wants a
** system message, "tool_calls" on the assistant message, one "tool"
** message per result, and data: URLs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai_int.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, into a new NUL-terminated string. */
static char *b64_encode(const unsigned char *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Join strings with sep; NULL on out of memory. */
static char *join_strings(const char *const *s, size_t n, const char *sep)
{
    size_t total = 1, sl = strlen(sep);
    for (size_t i = 0; i < n; i++)
        total += strlen(s[i]) + (i ? sl : 0);
    char *out = malloc(total), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(w, sep, sl);
            w += sl;
        }
        size_t l = strlen(s[i]);
        memcpy(w, s[i], l);
        w += l;
    }
    *w = '\0';
    return out;
}

/* The text parts of a Content array (or a bare string), joined by sep. */
static char *content_text(const json_t *content, const char *sep)
{
    if (json_is_string(content))
        return strdup(json_string_value(content));
    size_t n = json_array_size(content), k = 0;
    const char **parts = malloc((n ? n : 1) * sizeof *parts);
    if (!parts)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(content, i);
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *text = json_string_value(json_object_get(c, "text"));
        if (type && text && strcmp(type, "text") == 0)
            parts[k++] = text;
    }
    char *out = join_strings(parts, k, sep);
    free(parts);
    return out;
}

json_t *oai_tool_call(const char *id, const char *name, const char *args)
{
    return json_pack("{s:s,s:s,s:{s:s,s:s}}", "id", id ? id : "", "type", "function",
                     "function", "name", name ? name : "", "arguments",
                     args && *args ? args : "{}");
}

/* ---- request ------------------------------------------------------------- */

static int add_system(json_t *msgs, const json_t *sys)
{
    char *text = NULL;
    if (json_is_string(sys)) {
        text = strdup(json_string_value(sys));
    } else if (json_is_array(sys) && json_array_size(sys) > 0) {
        size_t n = json_array_size(sys);
        const char **parts = malloc(n * sizeof *parts);
        if (!parts)
            return -1;
        for (size_t i = 0; i < n; i++)
            parts[i] = json_string_value(json_array_get(sys, i));
        text = join_strings(parts, n, "\n\n");
        free(parts);
    } else {
        return 0;
    }
    if (!text)
        return -1;
    int rc = 0;
    if (*text)
        rc = json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", text));
    free(text);
    return rc;
}

/* An image part: raw bytes (a JSON array of numbers, QueryMT's Vec<u8>, or
** already base64 text) as a data: URL. */
static json_t *image_part(const json_t *c)
{
    const char *mime = json_string_value(json_object_get(c, "mime_type"));
    const json_t *data = json_object_get(c, "data");
    char *b64 = NULL;
    if (json_is_string(data)) {
        b64 = strdup(json_string_value(data));
    } else if (json_is_array(data)) {
        size_t n = json_array_size(data);
        unsigned char *bytes = malloc(n ? n : 1);
        if (!bytes)
            return NULL;
        for (size_t i = 0; i < n; i++)
            bytes[i] = (unsigned char)json_integer_value(json_array_get(data, i));
        b64 = b64_encode(bytes, n);
        free(bytes);
    }
    if (!b64)
        return NULL;
    mime = mime && *mime ? mime : "image/png";
    size_t len = strlen(mime) + strlen(b64) + 16;
    char *url = malloc(len);
    json_t *part = NULL;
    if (url) {
        snprintf(url, len, "data:%s;base64,%s", mime, b64);
        part = json_pack("{s:s,s:{s:s}}", "type", "image_url", "image_url", "url", url);
    }
    free(url);
    free(b64);
    return part;
}

static json_t *tool_use_call(const json_t *c)
{
    const json_t *args = json_object_get(c, "arguments");
    /* A string is taken to be the JSON text already (what OpenAI itself
    ** returned earlier); any other value is serialised. */
    char *text = json_is_string(args)  ? strdup(json_string_value(args))
                 : args && !json_is_null(args) ? json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY)
                                               : strdup("{}");
    if (!text)
        return NULL;
    json_t *call = oai_tool_call(json_string_value(json_object_get(c, "id")),
                                 json_string_value(json_object_get(c, "name")), text);
    free(text);
    return call;
}

static json_t *tool_message(const json_t *c)
{
    char *text = content_text(json_object_get(c, "content"), "\n");
    if (!text)
        return NULL;
    const char *id = json_string_value(json_object_get(c, "id"));
    json_t *m = json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id", id ? id : "",
                          "content", text);
    free(text);
    return m;
}

/* Collected pieces of one wire message. */
typedef struct msg_parts {
    json_t *parts; /* OpenAI content parts */
    json_t *calls; /* assistant tool_calls */
    bool only_text;
} msg_parts;

/* One Content part into p or (tool results) straight into msgs, which
** puts them before the message they came in, as OpenAI wants tool
** messages right after the assistant's tool_calls. 0, -1 (out of memory)
** or 1 (unsupported type; *bad names it). */
static int convert_part(const json_t *c, msg_parts *p, json_t *msgs, const char **bad)
{
    const char *type = json_string_value(json_object_get(c, "type"));
    *bad = type ? type : "(none)";
    if (!type)
        return 1;
    if (strcmp(type, "text") == 0) {
        const char *t = json_string_value(json_object_get(c, "text"));
        return json_array_append_new(p->parts,
                                     json_pack("{s:s,s:s}", "type", "text", "text", t ? t : ""));
    }
    if (strcmp(type, "image") == 0) {
        p->only_text = false;
        return json_array_append_new(p->parts, image_part(c));
    }
    if (strcmp(type, "image_url") == 0) {
        p->only_text = false;
        const char *u = json_string_value(json_object_get(c, "url"));
        return json_array_append_new(p->parts, json_pack("{s:s,s:{s:s}}", "type", "image_url",
                                                         "image_url", "url", u ? u : ""));
    }
    if (strcmp(type, "tool_use") == 0)
        return json_array_append_new(p->calls, tool_use_call(c));
    if (strcmp(type, "tool_result") == 0)
        return json_array_append_new(msgs, tool_message(c));
    if (strcmp(type, "thinking") == 0)
        return 0; /* Chat Completions takes no reasoning back */
    return 1;
}

/* The message's content: one text part as a plain string (what every
** OpenAI-compatible server accepts), several parts as an array, none as
** null (an assistant message with only tool calls). */
static json_t *message_content(const msg_parts *p)
{
    size_t n = json_array_size(p->parts);
    if (n == 0)
        return json_null();
    if (n == 1 && p->only_text)
        return json_incref(json_object_get(json_array_get(p->parts, 0), "text"));
    return json_incref(p->parts);
}

static int convert_message(const oai *o, const json_t *m, size_t no, json_t *msgs,
                           pl_plugin_sink *err)
{
    const char *role = json_string_value(json_object_get(m, "role"));
    const char *wire = !role                         ? NULL
                       : ascii_ieq(role, "user")      ? "user"
                       : ascii_ieq(role, "assistant") ? "assistant"
                                                      : NULL;
    if (!wire)
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "message %zu has role '%s'; expected User or Assistant", no,
                        role ? role : "(none)");
    const json_t *content = json_object_get(m, "content");
    msg_parts p = {json_array(), json_array(), true};
    int rc = p.parts && p.calls ? 0 : -1;
    const char *bad = NULL;
    if (json_is_string(content))
        rc = rc ? rc
                : json_array_append_new(p.parts, json_pack("{s:s,s:o}", "type", "text", "text",
                                                           json_incref((json_t *)content)));
    for (size_t i = 0; rc == 0 && i < json_array_size(content); i++)
        rc = convert_part(json_array_get(content, i), &p, msgs, &bad);
    if (rc == 0 && (json_array_size(p.parts) || json_array_size(p.calls))) {
        json_t *om = json_pack("{s:s,s:o}", "role", wire, "content", message_content(&p));
        if (om && json_array_size(p.calls) && json_object_set(om, "tool_calls", p.calls) != 0) {
            json_decref(om);
            om = NULL;
        }
        rc = json_array_append_new(msgs, om);
    }
    json_decref(p.parts);
    json_decref(p.calls);
    if (rc == 1)
        return oai_fail(o->host, err, PL_PLUGIN_ERR_UNSUPPORTED,
                        "message %zu: content type '%s' is not supported", no, bad);
    return rc ? oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory") : 0;
}

/* "auto" | "required" | "none" | {"type":"function",...}, accepting the
** spellings other providers use ("any"). NULL for anything else. */
static json_t *tool_choice(const json_t *v)
{
    const char *s = json_string_value(v);
    if (json_is_object(v))
        return json_incref((json_t *)v);
    if (!s)
        return NULL;
    if (ascii_ieq(s, "auto") || ascii_ieq(s, "none") || ascii_ieq(s, "required"))
        return json_string(ascii_ieq(s, "auto") ? "auto" : ascii_ieq(s, "none") ? "none"
                                                                                : "required");
    return ascii_ieq(s, "any") ? json_string("required") : NULL;
}

/* Copy the sampling options the config holds into body. */
static int add_options(json_t *body, const json_t *eff, bool has_tools)
{
    static const char *const keys[] = {"temperature", "top_p", "max_tokens", "reasoning_effort"};
    int rc = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(eff, keys[i]);
        if (v && !json_is_null(v))
            rc |= json_object_set(body, keys[i], v);
    }
    json_t *par = json_object_get(eff, "parallel_tool_calls");
    if (has_tools && json_is_boolean(par))
        rc |= json_object_set(body, "parallel_tool_calls", par);
    if (json_is_true(json_object_get(eff, "stream"))) {
        rc |= json_object_set_new(body, "stream", json_true());
        /* Without it OpenAI sends no usage at all on streams. */
        rc |= json_object_set_new(body, "stream_options",
                                  json_pack("{s:b}", "include_usage", 1));
    }
    return rc;
}

static int add_tools(json_t *body, const oai_req *r)
{
    const json_t *tools = json_object_get(r->root, "tools");
    if (!json_is_array(tools) || json_array_size(tools) == 0)
        return 0; /* OpenAI refuses tool_choice without tools */
    int rc = json_object_set(body, "tools", (json_t *)tools);
    const json_t *tc = json_object_get(r->root, "tool_choice");
    if (!tc || json_is_null(tc))
        tc = json_object_get(r->eff, "tool_choice");
    json_t *choice = tool_choice(tc);
    if (choice)
        rc |= json_object_set_new(body, "tool_choice", choice);
    return rc;
}

static json_t *chat_body(const oai *o, const oai_req *r, pl_plugin_sink *err)
{
    json_t *msgs = json_array();
    json_t *body = json_pack("{s:s}", "model", oai_cfg_str(r->eff, "model"));
    if (!msgs || !body || add_system(msgs, json_object_get(r->eff, "system")) != 0) {
        json_decref(msgs);
        json_decref(body);
        oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
        return NULL;
    }
    const json_t *wire = json_object_get(r->root, "messages");
    for (size_t i = 0; i < json_array_size(wire); i++) {
        if (convert_message(o, json_array_get(wire, i), i, msgs, err) != 0) {
            json_decref(msgs);
            json_decref(body);
            return NULL;
        }
    }
    int rc = json_object_set_new(body, "messages", msgs);
    rc |= add_tools(body, r);
    rc |= add_options(body, r->eff, json_object_get(body, "tools") != NULL);
    if (rc != 0) {
        json_decref(body);
        oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
        return NULL;
    }
    return body;
}

int oai_chat_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                     pl_plugin_sink *err)
{
    const oai *o = instance;
    oai_req r;
    if (oai_req_open(o, req_json, true, &r, err) != 0)
        return -1;
    if (!json_is_array(json_object_get(r.root, "messages"))) {
        oai_req_close(&r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "the request has no \"messages\" array");
    }
    json_t *body = chat_body(o, &r, err);
    int rc = body ? oai_send(o, r.eff, "POST", "/chat/completions", body, req, err) : -1;
    json_decref(body);
    oai_req_close(&r);
    return rc;
}

/* ---- response ------------------------------------------------------------ */

/* message.content: a string, null, or (some servers) an array of parts. */
static json_t *reply_text(const json_t *msg)
{
    const json_t *c = json_object_get(msg, "content");
    if (json_is_string(c))
        return json_incref((json_t *)c);
    if (json_is_array(c)) {
        char *t = content_text(c, "");
        json_t *s = t ? json_string(t) : NULL;
        free(t);
        return s;
    }
    const json_t *refusal = json_object_get(msg, "refusal");
    return json_is_string(refusal) ? json_incref((json_t *)refusal) : json_null();
}

static json_t *reply_tool_calls(const json_t *msg)
{
    const json_t *calls = json_object_get(msg, "tool_calls");
    if (!json_is_array(calls) || json_array_size(calls) == 0)
        return json_null();
    json_t *out = json_array();
    for (size_t i = 0; out && i < json_array_size(calls); i++) {
        const json_t *c = json_array_get(calls, i);
        const json_t *fn = json_object_get(c, "function");
        const json_t *args = json_object_get(fn, "arguments");
        char *dumped = json_is_object(args) ? json_dumps(args, JSON_COMPACT) : NULL;
        json_t *call = oai_tool_call(json_string_value(json_object_get(c, "id")),
                                     json_string_value(json_object_get(fn, "name")),
                                     dumped ? dumped : json_string_value(args));
        free(dumped);
        if (json_array_append_new(out, call) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}

int oai_parse_chat(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out)
{
    const oai *o = instance;
    json_t *root = oai_parse_body(o, resp, "chat", out);
    if (!root)
        return -1;
    const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    const json_t *msg = json_object_get(choice, "message");
    if (!json_is_object(msg)) {
        json_decref(root);
        return oai_fail(o->host, out, PL_PLUGIN_ERR_RESPONSE,
                        "chat response has no choices[0].message");
    }
    /* OpenAI-compatible reasoning servers (DeepSeek, vLLM) put the chain of
    ** thought in reasoning_content; OpenAI itself never returns it. */
    const json_t *think = json_object_get(msg, "reasoning_content");
    json_t *wire = json_pack("{s:o,s:o,s:O,s:o,s:s}", "text", reply_text(msg), "tool_calls",
                             reply_tool_calls(msg), "thinking",
                             json_is_string(think) ? think : json_null(), "usage",
                             oai_usage(json_object_get(root, "usage")), "finish_reason",
                             oai_finish_reason(json_object_get(choice, "finish_reason")));
    json_decref(root);
    if (!wire)
        return oai_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = oai_write_json(o->host, out, wire, 0);
    json_decref(wire);
    return rc;
}
