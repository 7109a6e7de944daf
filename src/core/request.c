/*
** request.c — pl_request and pl_response: build wire requests and read
** chat responses from C without writing JSON by hand.
*/
#include <stdio.h>
#include <string.h>

#include "core.h"

struct pl_request {
    json_t *root;     /* {"messages": [...], ...} */
};

struct pl_response {
    json_t *root;
    pl_usage usage;
};

PL_API pl_status pl_request_new(pl_request **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    pl_request *r = plu_calloc(1, sizeof *r);
    if (r)
        r->root = json_pack("{s[]}", "messages");
    if (!r || !r->root) {
        plu_free(r);
        *out = NULL;
        return PL_E_NOMEM;
    }
    *out = r;
    return PL_OK;
}

PL_API void pl_request_free(pl_request *req)
{
    if (!req)
        return;
    json_decref(req->root);
    plu_free(req);
}

/* Set a top-level key; v is a new reference (NULL = out of memory). */
static pl_status set(pl_request *req, const char *key, json_t *v)
{
    if (!req || !v) {
        json_decref(v);
        return req ? PL_E_NOMEM : PL_E_INVALID_ARG;
    }
    return json_object_set_new(req->root, key, v) == 0 ? PL_OK : PL_E_NOMEM;
}

PL_API pl_status pl_request_model(pl_request *req, const char *model)
{
    return model ? set(req, "model", json_string(model)) : PL_E_INVALID_ARG;
}

PL_API pl_status pl_request_system(pl_request *req, const char *text)
{
    return text ? set(req, "system", json_string(text)) : PL_E_INVALID_ARG;
}

PL_API pl_status pl_request_temperature(pl_request *req, double t)
{
    return set(req, "temperature", json_real(t));
}

PL_API pl_status pl_request_max_tokens(pl_request *req, uint32_t n)
{
    return set(req, "max_tokens", json_integer(n));
}

static pl_status add_message(pl_request *req, const char *role, json_t *content_item)
{
    if (!req || !content_item) {
        json_decref(content_item);
        return req ? PL_E_NOMEM : PL_E_INVALID_ARG;
    }
    json_t *m = json_pack("{ss s[o]}", "role", role, "content", content_item);
    if (!m)
        return PL_E_NOMEM;
    return json_array_append_new(json_object_get(req->root, "messages"), m) == 0 ? PL_OK
                                                                                : PL_E_NOMEM;
}

static json_t *text_part(const char *text) { return json_pack("{ssss}", "type", "text", "text", text); }

PL_API pl_status pl_request_user(pl_request *req, const char *text)
{
    return text ? add_message(req, "User", text_part(text)) : PL_E_INVALID_ARG;
}

PL_API pl_status pl_request_assistant(pl_request *req, const char *text)
{
    return text ? add_message(req, "Assistant", text_part(text)) : PL_E_INVALID_ARG;
}

/* The last message if it has `role`, else a new one. */
static json_t *last_message(pl_request *req, const char *role)
{
    json_t *msgs = json_object_get(req->root, "messages");
    json_t *m = json_array_get(msgs, json_array_size(msgs) - 1);
    const char *r = json_string_value(json_object_get(m, "role"));
    if (m && r && strcmp(r, role) == 0)
        return json_object_get(m, "content");
    m = json_pack("{ss s[]}", "role", role, "content");
    if (!m || json_array_append_new(msgs, m) != 0)
        return NULL;
    return json_object_get(m, "content");
}

PL_API pl_status pl_request_image(pl_request *req, const char *mime_type, const void *data,
                                  size_t len)
{
    if (!req || !mime_type || (!data && len))
        return PL_E_INVALID_ARG;
    json_t *bytes = json_array();
    for (size_t i = 0; bytes && i < len; i++)
        if (json_array_append_new(bytes, json_integer(((const unsigned char *)data)[i])) != 0) {
            json_decref(bytes);
            return PL_E_NOMEM;
        }
    json_t *part = bytes ? json_pack("{sssso}", "type", "image", "mime_type", mime_type, "data",
                                     bytes)
                         : NULL;
    json_t *content = part ? last_message(req, "User") : NULL;
    if (!content || json_array_append_new(content, part) != 0) {
        json_decref(part);
        return PL_E_NOMEM;
    }
    return PL_OK;
}

/* Parse caller JSON text, refusing what is not JSON. */
static pl_status parse_json_arg(const char *text, json_t **out)
{
    *out = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return *out ? PL_OK : PL_E_INVALID_ARG;
}

PL_API pl_status pl_request_tool(pl_request *req, const char *name, const char *description,
                                 const char *parameters_json)
{
    json_t *params;
    if (!req || !name || parse_json_arg(parameters_json ? parameters_json : "{\"type\":\"object\"}",
                                        &params) != PL_OK)
        return PL_E_INVALID_ARG;
    json_t *tool = json_pack("{sss{ssssso}}", "type", "function", "function", "name", name,
                             "description", description ? description : "", "parameters",
                             params);
    json_t *tools = json_object_get(req->root, "tools");
    if (!tools && tool) {
        tools = json_array();
        if (set(req, "tools", tools) != PL_OK)
            tools = NULL;
    }
    if (!tool || !tools || json_array_append_new(tools, tool) != 0) {
        json_decref(tool);
        return PL_E_NOMEM;
    }
    return PL_OK;
}

PL_API pl_status pl_request_tool_json(pl_request *req, const char *tool_json, char *err,
                                      size_t errlen)
{
    json_error_t je;
    json_t *t = req && tool_json ? json_loads(tool_json, 0, &je) : NULL;
    const char *why = NULL;
    if (!req || !tool_json)
        why = "no tool given";
    else if (!t)
        why = je.text;
    json_t *fn = json_is_object(json_object_get(t, "function")) ? json_object_get(t, "function")
                                                                 : t;
    const char *name = json_string_value(json_object_get(fn, "name"));
    json_t *params = json_object_get(fn, "parameters");
    if (!why && (!json_is_object(fn) || !name))
        why = "a tool needs a \"name\" (and \"description\", \"parameters\")";
    else if (!why && params && !json_is_object(params) && !json_is_boolean(params))
        why = "a tool's \"parameters\" must be a JSON Schema object";
    pl_status st = PL_E_INVALID_ARG;
    if (!why) {
        char *ptext = params ? json_dumps(params, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        st = pl_request_tool(req, name, json_string_value(json_object_get(fn, "description")),
                             ptext);
        plu_free(ptext);
    }
    if (!why && st != PL_OK)
        why = pl_status_str(st);
    if (why && err && errlen)
        snprintf(err, errlen, "tool: %s", why);
    json_decref(t);
    return st;
}

PL_API pl_status pl_request_tool_choice(pl_request *req, const char *choice)
{
    if (!req || !choice)
        return PL_E_INVALID_ARG;
    if (!strcmp(choice, "auto") || !strcmp(choice, "none") || !strcmp(choice, "required"))
        return set(req, "tool_choice", json_string(choice));
    return set(req, "tool_choice",
               json_pack("{sss{ss}}", "type", "function", "function", "name", choice));
}

PL_API pl_status pl_request_tool_call(pl_request *req, const char *id, const char *name,
                                      const char *arguments_json)
{
    json_t *args;
    if (!req || !id || !name || parse_json_arg(arguments_json, &args) != PL_OK)
        return PL_E_INVALID_ARG;
    json_t *part = json_pack("{ssssssso}", "type", "tool_use", "id", id, "name", name,
                             "arguments", args);
    json_t *content = part ? last_message(req, "Assistant") : NULL;
    if (!content || json_array_append_new(content, part) != 0) {
        json_decref(part);
        return PL_E_NOMEM;
    }
    return PL_OK;
}

PL_API pl_status pl_request_tool_result(pl_request *req, const char *id, const char *name,
                                        const char *content, int is_error)
{
    if (!req || !id || !content)
        return PL_E_INVALID_ARG;
    json_t *part = json_pack("{sssssssbs[o]}", "type", "tool_result", "id", id, "name",
                             name ? name : "", "is_error", is_error != 0, "content",
                             text_part(content));
    json_t *c = part ? last_message(req, "User") : NULL;
    if (!c || json_array_append_new(c, part) != 0) {
        json_decref(part);
        return PL_E_NOMEM;
    }
    return PL_OK;
}

PL_API pl_status pl_request_option(pl_request *req, const char *key, const char *value_json)
{
    json_t *v;
    if (!req || !key || parse_json_arg(value_json, &v) != PL_OK)
        return PL_E_INVALID_ARG;
    json_t *opts = json_object_get(req->root, "options");
    if (!opts && set(req, "options", (opts = json_object())) != PL_OK) {
        json_decref(v);
        return PL_E_NOMEM;
    }
    return json_object_set_new(opts, key, v) == 0 ? PL_OK : PL_E_NOMEM;
}

PL_API pl_status pl_request_to_json(const pl_request *req, char **out_json)
{
    if (!req || !out_json)
        return PL_E_INVALID_ARG;
    *out_json = json_dumps(req->root, JSON_COMPACT);
    return *out_json ? PL_OK : PL_E_NOMEM;
}

/* ---- responses ------------------------------------------------------------ */

static uint32_t u32(const json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v < 0 ? 0 : v > (json_int_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

PL_API pl_status pl_response_parse(const char *json, pl_response **out, char *err,
                                   size_t errlen)
{
    if (!out || !json)
        return PL_E_INVALID_ARG;
    *out = NULL;
    json_error_t je;
    json_t *root = json_loads(json, 0, &je);
    if (!root || !json_is_object(root)) {
        if (err && errlen)
            snprintf(err, errlen, "chat response: %s",
                     root ? "not a JSON object" : je.text);
        json_decref(root);
        return PL_E_SYNTAX;
    }
    pl_response *r = plu_calloc(1, sizeof *r);
    if (!r) {
        json_decref(root);
        return PL_E_NOMEM;
    }
    r->root = root;
    json_t *u = json_object_get(root, "usage");
    r->usage = (pl_usage){u32(u, "input_tokens"), u32(u, "output_tokens"),
                          u32(u, "reasoning_tokens"), u32(u, "cache_read"),
                          u32(u, "cache_write")};
    *out = r;
    return PL_OK;
}

PL_API void pl_response_free(pl_response *resp)
{
    if (!resp)
        return;
    json_decref(resp->root);
    plu_free(resp);
}

static const char *str(const pl_response *r, const char *k)
{
    return r ? json_string_value(json_object_get(r->root, k)) : NULL;
}

PL_API const char *pl_response_text(const pl_response *r) { return str(r, "text"); }
PL_API const char *pl_response_thinking(const pl_response *r) { return str(r, "thinking"); }
PL_API const char *pl_response_finish_reason(const pl_response *r) { return str(r, "finish_reason"); }
PL_API pl_usage pl_response_usage(const pl_response *r) { return r ? r->usage : (pl_usage){0}; }

PL_API size_t pl_response_tool_call_count(const pl_response *r)
{
    return r ? json_array_size(json_object_get(r->root, "tool_calls")) : 0;
}

PL_API pl_status pl_response_tool_call(const pl_response *r, size_t i, const char **id,
                                       const char **name, const char **arguments_json)
{
    json_t *tc = r ? json_array_get(json_object_get(r->root, "tool_calls"), i) : NULL;
    if (!tc)
        return PL_E_NOT_FOUND;
    json_t *fn = json_object_get(tc, "function");
    if (id)
        *id = json_string_value(json_object_get(tc, "id"));
    if (name)
        *name = json_string_value(json_object_get(fn, "name"));
    if (arguments_json)
        *arguments_json = json_string_value(json_object_get(fn, "arguments"));
    return PL_OK;
}
