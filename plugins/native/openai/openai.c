/*
** openai.c — the OpenAI provider plugin: its vtable, configuration, and
** the plumbing every request shares (effective config, URL and headers,
** reading 2xx bodies).
**
** The plugin never touches the network. It is a translator between
** plinth's provider wire format v1 (QueryMT's shapes) and OpenAI's Chat
** Completions API, which many servers speak (vLLM, llama.cpp, LM Studio,
** gateways), so it is lenient with what it reads and strict with what it
** writes.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai_int.h"

#define OAI_DEFAULT_BASE_URL "https://api.openai.com/v1"

/* draft-07, like schemars output, so QueryMT users read a familiar shape.
** The host validates [providers.config] against it before init. */
static const char config_schema[] =
    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"OpenAI provider configuration\",\"type\":\"object\","
    "\"properties\":{"
    "\"model\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"Model id, such as gpt-4o-mini\"},"
    "\"base_url\":{\"type\":\"string\",\"format\":\"uri\",\"default\":\"" OAI_DEFAULT_BASE_URL
    "\",\"description\":\"Any OpenAI-compatible endpoint, up to and including /v1\"},"
    "\"api_key\":{\"type\":\"string\",\"description\":\"Prefer OPENAI_API_KEY\"},"
    "\"organization\":{\"type\":\"string\",\"description\":\"Sent as OpenAI-Organization\"},"
    "\"system\":{\"anyOf\":[{\"type\":\"string\"},"
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}],"
    "\"description\":\"System prompt; several parts are joined by blank lines\"},"
    "\"temperature\":{\"type\":\"number\",\"minimum\":0,\"maximum\":2},"
    "\"top_p\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"max_tokens\":{\"type\":\"integer\",\"minimum\":1},"
    "\"reasoning_effort\":{\"enum\":[\"minimal\",\"low\",\"medium\",\"high\"]},"
    "\"tool_choice\":{\"anyOf\":[{\"enum\":[\"auto\",\"required\",\"none\"]},"
    "{\"type\":\"object\"}]},"
    "\"parallel_tool_calls\":{\"type\":\"boolean\"},"
    "\"embedding_encoding_format\":{\"enum\":[\"float\",\"base64\"],\"default\":\"float\"},"
    "\"embedding_dimensions\":{\"type\":\"integer\",\"minimum\":1},"
    "\"timeout_seconds\":{\"type\":\"integer\",\"minimum\":1,"
    "\"description\":\"Accepted for QueryMT configurations; plinth's limits bound the "
    "call\"}"
    "},"
    "\"required\":[\"model\"],\"additionalProperties\":false}";

int oai_fail(const pl_host_api *host, pl_plugin_sink *sink, uint32_t kind, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return host->error(sink, kind, msg);
}

/* ---- configuration ------------------------------------------------------ */

enum cfg_type { CT_STRING, CT_NUMBER, CT_COUNT, CT_BOOL, CT_SYSTEM, CT_CHOICE };

/* The keys the plugin reads and what they must hold. The host already
** validated the operator's config against the schema; this catches direct
** embedders and per-request overrides, which no schema saw. */
static const struct cfg_key {
    const char *key;
    enum cfg_type type;
    double lo, hi; /* for CT_NUMBER */
} cfg_keys[] = {
    {"model", CT_STRING, 0, 0},
    {"base_url", CT_STRING, 0, 0},
    {"api_key", CT_STRING, 0, 0},
    {"organization", CT_STRING, 0, 0},
    {"system", CT_SYSTEM, 0, 0},
    {"temperature", CT_NUMBER, 0, 2},
    {"top_p", CT_NUMBER, 0, 1},
    {"max_tokens", CT_COUNT, 0, 0},
    {"reasoning_effort", CT_STRING, 0, 0},
    {"tool_choice", CT_CHOICE, 0, 0},
    {"parallel_tool_calls", CT_BOOL, 0, 0},
    {"embedding_encoding_format", CT_STRING, 0, 0},
    {"embedding_dimensions", CT_COUNT, 0, 0},
    {"timeout_seconds", CT_COUNT, 0, 0},
    {"stream", CT_BOOL, 0, 0},
};

static const char *type_problem(const struct cfg_key *k, const json_t *v)
{
    switch (k->type) {
    case CT_STRING:
        return json_is_string(v) ? NULL : "must be a string";
    case CT_NUMBER:
        if (!json_is_number(v))
            return "must be a number";
        return json_number_value(v) < k->lo || json_number_value(v) > k->hi ? "is out of range"
                                                                              : NULL;
    case CT_COUNT:
        return json_is_integer(v) && json_integer_value(v) >= 1 ? NULL
                                                                : "must be an integer >= 1";
    case CT_BOOL:
        return json_is_boolean(v) ? NULL : "must be true or false";
    case CT_SYSTEM:
        if (json_is_string(v))
            return NULL;
        if (!json_is_array(v))
            return "must be a string or an array of strings";
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i)))
                return "must hold only strings";
        return NULL;
    case CT_CHOICE:
        return json_is_string(v) || json_is_object(v) ? NULL : "must be a string or an object";
    }
    return NULL;
}

int oai_check_config(const pl_host_api *host, const json_t *cfg, pl_plugin_sink *sink,
                     uint32_t kind)
{
    for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
        const json_t *v = json_object_get(cfg, cfg_keys[i].key);
        if (!v || json_is_null(v))
            continue;
        const char *why = type_problem(&cfg_keys[i], v);
        if (why)
            return oai_fail(host, sink, kind, "config '%s' %s", cfg_keys[i].key, why);
    }
    return 0;
}

const char *oai_cfg_str(const json_t *eff, const char *key)
{
    return json_string_value(json_object_get(eff, key));
}

static int oai_init(const pl_host_api *host, const char *config_json, void **instance,
                    pl_plugin_sink *err)
{
    json_error_t je;
    json_t *cfg = json_loads(config_json ? config_json : "{}", 0, &je);
    if (!cfg)
        return oai_fail(host, err, PL_PLUGIN_ERR_CONFIG,
                        "config is not valid JSON at line %d column %d: %s", je.line,
                        je.column, je.text);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return oai_fail(host, err, PL_PLUGIN_ERR_CONFIG, "config must be an object");
    }
    if (oai_check_config(host, cfg, err, PL_PLUGIN_ERR_CONFIG) != 0) {
        json_decref(cfg);
        return -1;
    }
    const char *model = oai_cfg_str(cfg, "model");
    if (!model || !*model) {
        json_decref(cfg);
        return oai_fail(host, err, PL_PLUGIN_ERR_CONFIG, "config has no 'model'");
    }
    oai *o = malloc(sizeof *o);
    if (!o) {
        json_decref(cfg);
        return oai_fail(host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    }
    o->host = host;
    o->cfg = cfg;
    *instance = o;
    return 0;
}

static void oai_shutdown(void *instance)
{
    oai *o = instance;
    if (!o)
        return;
    json_decref(o->cfg);
    free(o);
}

/* ---- requests ------------------------------------------------------------ */

int oai_req_open(const oai *o, const char *req_json, bool need_model, oai_req *r,
                 pl_plugin_sink *err)
{
    json_error_t je;
    r->root = json_loads(req_json ? req_json : "{}", 0, &je);
    r->eff = NULL;
    if (!r->root)
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "request is not valid JSON at line %d column %d: %s", je.line,
                        je.column, je.text);
    if (!json_is_object(r->root)) {
        oai_req_close(r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "request must be a JSON object");
    }
    r->eff = json_deep_copy(o->cfg);
    json_t *over = json_object_get(r->root, "cfg");
    if (!r->eff || (json_is_object(over) && json_object_update(r->eff, over) != 0)) {
        oai_req_close(r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    }
    if (oai_check_config(o->host, r->eff, err, PL_PLUGIN_ERR_INVALID_REQUEST) != 0) {
        oai_req_close(r);
        return -1;
    }
    const char *model = oai_cfg_str(r->eff, "model");
    if (need_model && (!model || !*model)) {
        oai_req_close(r);
        return oai_fail(o->host, err, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "the request names no model");
    }
    return 0;
}

void oai_req_close(oai_req *r)
{
    json_decref(r->root);
    json_decref(r->eff);
    r->root = r->eff = NULL;
}

/* {base_url}{path} without doubling the slash when base_url ends in one. */
static char *join_url(const char *base, const char *path)
{
    size_t bn = strlen(base);
    while (bn && base[bn - 1] == '/')
        bn--;
    size_t pn = strlen(path);
    char *url = malloc(bn + pn + 1);
    if (!url)
        return NULL;
    memcpy(url, base, bn);
    memcpy(url + bn, path, pn + 1);
    return url;
}

static int send_headers(const oai *o, const json_t *eff, bool has_body, pl_plugin_http_out *req)
{
    const pl_host_api *h = o->host;
    const char *key = oai_cfg_str(eff, "api_key");
    const char *org = oai_cfg_str(eff, "organization");
    int rc = 0;
    if (key && *key) {
        size_t n = strlen(key);
        char *auth = malloc(n + 8);
        if (!auth)
            return -1;
        memcpy(auth, "Bearer ", 7);
        memcpy(auth + 7, key, n + 1);
        rc |= h->http_header(req, "authorization", auth);
        free(auth);
    }
    if (org && *org)
        rc |= h->http_header(req, "openai-organization", org);
    if (has_body)
        rc |= h->http_header(req, "content-type", "application/json");
    /* The official SDK sends application/json even for streams; servers
    ** key streaming off the body's "stream" flag, not this header. */
    rc |= h->http_header(req, "accept", "application/json");
    return rc;
}

int oai_send(const oai *o, const json_t *eff, const char *method, const char *path,
             const json_t *body, pl_plugin_http_out *req, pl_plugin_sink *err)
{
    const pl_host_api *h = o->host;
    const char *base = oai_cfg_str(eff, "base_url");
    char *url = join_url(base && *base ? base : OAI_DEFAULT_BASE_URL, path);
    if (!url)
        return oai_fail(h, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = h->http_method(req, method);
    rc |= h->http_url(req, url);
    free(url);
    rc |= send_headers(o, eff, body != NULL, req);
    if (rc == 0 && body) {
        char *text = json_dumps(body, JSON_COMPACT);
        rc = text ? h->http_body(req, text, strlen(text)) : -1;
        free(text);
    }
    if (rc != 0)
        return oai_fail(h, err, PL_PLUGIN_ERR_PLUGIN,
                        "the host refused the %s request to %s (out of memory, or a "
                        "base_url or key with control characters)",
                        method, path);
    return 0;
}

/* ---- responses ----------------------------------------------------------- */

json_t *oai_parse_body(const oai *o, const pl_plugin_http_response *resp, const char *what,
                       pl_plugin_sink *sink)
{
    json_error_t je;
    json_t *root = resp->body ? json_loadb(resp->body, resp->body_len, 0, &je) : NULL;
    if (!resp->body) {
        oai_fail(o->host, sink, PL_PLUGIN_ERR_RESPONSE, "%s response has no body", what);
        return NULL;
    }
    if (!root) {
        oai_fail(o->host, sink, PL_PLUGIN_ERR_RESPONSE,
                 "%s response is not valid JSON at line %d column %d: %s", what,
                 je.line, je.column, je.text);
        return NULL;
    }
    /* Some gateways answer 200 with an error object; do not read it as an
    ** empty success. */
    const json_t *e = json_is_object(root) ? json_object_get(root, "error") : NULL;
    if (e && !json_is_null(e)) {
        oai_report_error(o->host, sink, resp->status, e, -1, "the provider reported an error");
        json_decref(root);
        return NULL;
    }
    return root;
}

int oai_write_json(const pl_host_api *host, pl_plugin_sink *out, const json_t *v, size_t flags)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | flags) : NULL;
    if (!text)
        return oai_fail(host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = host->write(out, text, strlen(text));
    free(text);
    /* A refused write is the host's own limit or memory; it knows why. */
    return rc == 0 ? 0 : -1;
}

static json_int_t count_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

json_t *oai_usage(const json_t *u)
{
    if (!json_is_object(u))
        return json_null();
    const json_t *in = json_object_get(u, "prompt_tokens_details");
    const json_t *outd = json_object_get(u, "completion_tokens_details");
    return json_pack("{sIsIsIsIsI}", "input_tokens", count_of(u, "prompt_tokens"),
                     "output_tokens", count_of(u, "completion_tokens"), "reasoning_tokens",
                     count_of(outd, "reasoning_tokens"), "cache_read",
                     count_of(in, "cached_tokens"), "cache_write", (json_int_t)0);
}

static const struct {
    const char *openai, *wire;
} finish_map[] = {
    {"stop", "Stop"},
    {"length", "Length"},
    {"tool_calls", "ToolCalls"},
    {"function_call", "ToolCalls"}, /* the deprecated functions API */
    {"content_filter", "ContentFilter"},
};

const char *oai_finish_reason(const json_t *fr)
{
    const char *s = json_string_value(fr);
    if (!s)
        return "Unknown";
    for (size_t i = 0; i < sizeof finish_map / sizeof finish_map[0]; i++)
        if (strcmp(s, finish_map[i].openai) == 0)
            return finish_map[i].wire;
    return "Other";
}

/* ---- the vtable ---------------------------------------------------------- */

static const pl_plugin_vtable oai_vtable = {
    PL_PLUGIN_HEADER("openai", "0.1.0"),
    .id = "dev.plinth.openai",
    .description = "OpenAI Chat Completions and compatible servers (sans-IO)",
    .requires_version = ">=0.1.0, <1.0.0",
    .kind = PL_PLUGIN_KIND_PROVIDER,
    .wire_version = PL_PLUGIN_WIRE_VERSION,
    .init = oai_init,
    .shutdown = oai_shutdown,
    .api_key_name = "OPENAI_API_KEY",
    .config_schema = config_schema,
    .default_base_url = OAI_DEFAULT_BASE_URL,
    .stream_framing = PL_PLUGIN_FRAMING_SSE,
    .list_models_request = oai_list_models_request,
    .parse_list_models = oai_parse_list_models,
    .chat_request = oai_chat_request,
    .parse_chat = oai_parse_chat,
    .stream_start = oai_stream_start,
    .stream_event = oai_stream_event,
    .stream_finish = oai_stream_finish,
    .stream_close = oai_stream_close,
    .complete_request = oai_complete_request,
    .parse_complete = oai_parse_complete,
    .embed_request = oai_embed_request,
    .parse_embed = oai_parse_embed,
    .classify_error = oai_classify_error,
};

PL_DECLARE_PLUGIN(oai_vtable)
