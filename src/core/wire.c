/*
** wire.c — the caller's request to the wire request a provider reads.
**
** The caller writes {"messages": [...], "model": "...", ...}; the plugin
** reads QueryMT's shapes: {"cfg": <its configuration with this call's
** overrides>, "messages": ..., "tools": ...} for chat, {"cfg", "req":
** {...}} for complete, {"cfg", "inputs"} for embed, {"cfg"} for models.
** Unknown keys are refused with a did-you-mean: a misspelt "mesages"
** should not turn into an empty conversation.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "provider.h"

/* Keys that override the provider's configuration for one call. */
static const char *const override_keys[] = {"model", "system", "temperature", "max_tokens",
                                            "top_p", NULL};

static const char *const chat_keys[] = {"messages", "tools", "tool_choice", "model", "system",
                                        "temperature", "max_tokens", "top_p", "options", NULL};
static const char *const complete_keys[] = {"prompt", "suffix", "max_tokens", "temperature",
                                            "model", "options", NULL};
static const char *const embed_keys[] = {"inputs", "model", "options", NULL};
static const char *const models_keys[] = {"options", NULL};

static bool in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0)
            return true;
    return false;
}

static pl_status bad_request(const plh_call_ctx *cx, const char *fmt, ...) PLU_PRINTF(2, 3);
static pl_status bad_request(const plh_call_ctx *cx, const char *fmt, ...)
{
    char what[PL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return plh_op_fail(cx, PL_E_INVALID_ARG, PL_ERROR_INVALID_REQUEST, what);
}

static pl_status check_keys(const plh_call_ctx *cx, json_t *req, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        if (in_list(key, allowed))
            continue;
        const char *near = plu_suggest(key, allowed);
        if (near)
            return bad_request(cx, "request: unknown key '%s' (did you mean '%s'?)", key, near);
        return bad_request(cx, "request: unknown key '%s'", key);
    }
    return PL_OK;
}

/* cfg = the provider's configuration + overrides + options + stream. */
static pl_status build_cfg(const plh_call_ctx *cx, json_t *req, bool stream, json_t **out)
{
    json_t *cfg = cx->p->config ? json_deep_copy(cx->p->config) : json_object();
    if (!cfg)
        return plh_op_fail(cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    for (const char *const *k = override_keys; *k; k++) {
        json_t *v = json_object_get(req, *k);
        if (v && json_object_set(cfg, *k, v) != 0)
            goto nomem;
    }
    json_t *opts = json_object_get(req, "options");
    if (opts && !json_is_object(opts)) {
        json_decref(cfg);
        return bad_request(cx, "request: 'options' must be an object");
    }
    if (opts && json_object_update(cfg, opts) != 0)
        goto nomem;
    /* Streaming is decided by the function the caller called, never by an
    ** option: a stray "stream": true would make the plugin ask for an SSE
    ** body that pl_chat then cannot read. */
    if (json_object_set_new(cfg, "stream", json_boolean(stream)) != 0)
        goto nomem;
    *out = cfg;
    return PL_OK;
nomem:
    json_decref(cfg);
    return plh_op_fail(cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
}

static bool all_strings(const json_t *a)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return false;
    }
    return true;
}

/* The operation's own members of the wire request. */
static pl_status op_members(const plh_call_ctx *cx, json_t *req, json_t *wire)
{
    const char *name = cx->op->name;
    if (cx->op == plh_op(PLH_OP_CHAT)) {
        json_t *msgs = json_object_get(req, "messages"), *tools = json_object_get(req, "tools");
        if (!json_is_array(msgs))
            return bad_request(cx, "request: 'messages' must be an array of messages");
        if (tools && !json_is_array(tools) && !json_is_null(tools))
            return bad_request(cx, "request: 'tools' must be an array");
        json_object_set(wire, "messages", msgs);
        json_object_set_new(wire, "tools", tools ? json_incref(tools) : json_null());
        json_t *choice = json_object_get(req, "tool_choice");
        if (choice)
            json_object_set(wire, "tool_choice", choice);
    } else if (cx->op == plh_op(PLH_OP_COMPLETE)) {
        if (!json_is_string(json_object_get(req, "prompt")))
            return bad_request(cx, "request: 'prompt' (a string) is required");
        json_t *r = json_object();
        static const char *const keys[] = {"prompt", "suffix", "max_tokens", "temperature"};
        for (size_t i = 0; r && i < 4; i++) {
            json_t *v = json_object_get(req, keys[i]);
            json_object_set_new(r, keys[i], v ? json_incref(v) : json_null());
        }
        json_object_set_new(wire, "req", r);
    } else if (cx->op == plh_op(PLH_OP_EMBED)) {
        json_t *in = json_object_get(req, "inputs");
        if (!json_is_array(in) || !all_strings(in))
            return bad_request(cx, "request: 'inputs' must be an array of strings");
        json_object_set(wire, "inputs", in);
    }
    (void)name;
    return PL_OK;
}

static const char *const *keys_of(const plh_call_ctx *cx)
{
    if (cx->op == plh_op(PLH_OP_CHAT))
        return chat_keys;
    if (cx->op == plh_op(PLH_OP_COMPLETE))
        return complete_keys;
    if (cx->op == plh_op(PLH_OP_EMBED))
        return embed_keys;
    return models_keys;
}

pl_status plh_wire_request(const plh_call_ctx *cx, const char *request_json, bool stream,
                           char **out)
{
    json_error_t je;
    json_t *req = request_json ? json_loads(request_json, 0, &je) : json_object();
    char where[200];
    if (!req) {
        snprintf(where, sizeof where, "line %d column %d: %s", je.line, je.column, je.text);
        return bad_request(cx, "request is not valid JSON (%s)", where);
    }
    pl_status st = json_is_object(req) ? check_keys(cx, req, keys_of(cx))
                                       : bad_request(cx, "request must be a JSON object");
    json_t *cfg = NULL, *wire = NULL;
    if (st == PL_OK)
        st = build_cfg(cx, req, stream, &cfg);
    if (st == PL_OK) {
        wire = json_object();
        if (!wire || json_object_set_new(wire, "cfg", cfg) != 0)
            st = plh_op_fail(cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
        cfg = NULL;
    }
    if (st == PL_OK)
        st = op_members(cx, req, wire);
    if (st == PL_OK && !(*out = json_dumps(wire, JSON_COMPACT)))
        st = plh_op_fail(cx, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    json_decref(cfg);
    json_decref(wire);
    json_decref(req);
    return st;
}
