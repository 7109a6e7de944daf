/*
** openai.c — the Wasm OpenAI provider: the informational exports, the
** configuration, the request plumbing every endpoint shares, and the
** classification of error replies (classify_chat_error).
**
** Like the native plugin it is a translator between plinth's wire format
** v1 (QueryMT's shapes) and OpenAI's API, which many servers speak (vLLM,
** llama.cpp, LM Studio, gateways): lenient in what it reads, strict in
** what it writes.
*/
#include "openai_int.h"

/* draft-07 like schemars output, the same keys as the native plugin. */
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
    "call\"},"
    "\"stream\":{\"type\":\"boolean\",\"description\":\"Set by the host for streaming calls\"}"
    "},"
    "\"required\":[\"model\"],\"additionalProperties\":false}";

/* The keys the plugin reads and what they must hold: the host validated
** the operator's config against the schema, but per-request overrides
** and direct callers reach the plugin unchecked. */
const pdk_cfg_key oai_cfg_keys[] = {
    {"model", PDK_CFG_STRING, 0, 0},
    {"base_url", PDK_CFG_STRING, 0, 0},
    {"api_key", PDK_CFG_STRING, 0, 0},
    {"organization", PDK_CFG_STRING, 0, 0},
    {"system", PDK_CFG_STRINGS, 0, 0},
    {"temperature", PDK_CFG_NUMBER, 0, 2},
    {"top_p", PDK_CFG_NUMBER, 0, 1},
    {"max_tokens", PDK_CFG_COUNT, 0, 0},
    {"reasoning_effort", PDK_CFG_STRING, 0, 0},
    {"tool_choice", PDK_CFG_CHOICE, 0, 0},
    {"parallel_tool_calls", PDK_CFG_BOOL, 0, 0},
    {"embedding_encoding_format", PDK_CFG_STRING, 0, 0},
    {"embedding_dimensions", PDK_CFG_COUNT, 0, 0},
    {"timeout_seconds", PDK_CFG_COUNT, 0, 0},
    {"stream", PDK_CFG_BOOL, 0, 0},
};
const size_t oai_n_cfg_keys = sizeof oai_cfg_keys / sizeof oai_cfg_keys[0];

PDK_PROVIDER_INFO("openai", OAI_KEY_ENV, OAI_DEFAULT_BASE_URL, config_schema)

/* from_config: the config object, checked, handed back unchanged. */
PL_EXPORT(from_config)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, true, true);
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_value(&out, p.in.root);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(supports_streaming) { return pdk_output_str("true"); }

/* The catalogue is the server's: always ask it. */
PL_EXPORT(list_models_static) { return pdk_output_str("null"); }

/* ---- requests ------------------------------------------------------------ */

int32_t oai_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body)
{
    const char *base = pdk_prov_str(p, "base_url");
    pdk_buf url = PDK_BUF_INIT, auth = PDK_BUF_INIT;
    pdk_url_join(&url, base && *base ? base : OAI_DEFAULT_BASE_URL, path);
    char *owned;
    const char *key = pdk_prov_api_key(p, OAI_KEY_ENV, &owned);
    if (key)
        pdk_buf_fmt(&auth, "Bearer %s", key);
    const char *org = pdk_prov_str(p, "organization");
    /* The official SDK sends application/json even for streams; servers
    ** key streaming off the body's "stream" flag, not this header. */
    pdk_header h[] = {{"authorization", key ? auth.p : NULL},
                      {"openai-organization", org && *org ? org : NULL},
                      {"content-type", body ? "application/json" : NULL},
                      {"accept", "application/json"}};
    int32_t rc = url.oom || auth.oom ? pdk_fail(PDK_ERR_PLUGIN, "out of memory")
                                     : pdk_prov_send(method, url.p, h, 4, body);
    if (rc && body)
        pdk_buf_free(body);
    pdk_free(owned);
    pdk_buf_free(&url);
    pdk_buf_free(&auth);
    return rc;
}

/* ---- replies ------------------------------------------------------------- */

int32_t oai_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root)
{
    pdk_json_error je;
    *root = pdk_json_parse(&p->in.arena, r->body, r->body_len, &je);
    if (!*root)
        return pdk_prov_bad_response(r, "%s response is not valid JSON at line %u column %u: %s",
                                     what, je.line, je.col, je.msg);
    /* Some gateways answer 200 with an error object; do not read it as an
    ** empty success. */
    const pdk_jv *e = pdk_jv_get(*root, "error");
    if (pdk_jv_is_nothing(e))
        return 0;
    pdk_llm_error pe;
    oai_classify(r->status, e, pdk_retry_after_ms(r), pdk_http_resp_header(r, "x-request-id"),
                 "the provider reported an error", &pe);
    return pdk_fail_llm(&pe);
}

bool oai_usage(const pdk_jv *u, pdk_usage *out)
{
    memset(out, 0, sizeof *out);
    if (!pdk_jv_is_object(u))
        return false;
    out->input_tokens = pdk_count(pdk_jv_get(u, "prompt_tokens"));
    out->output_tokens = pdk_count(pdk_jv_get(u, "completion_tokens"));
    out->reasoning_tokens =
        pdk_count(pdk_jv_get(pdk_jv_get(u, "completion_tokens_details"), "reasoning_tokens"));
    out->cache_read = pdk_count(pdk_jv_get(pdk_jv_get(u, "prompt_tokens_details"),
                                           "cached_tokens"));
    return true;
}

const char *oai_finish_reason(const pdk_jv *fr)
{
    static const struct {
        const char *openai, *wire;
    } map[] = {
        {"stop", PDK_FINISH_STOP},
        {"length", PDK_FINISH_LENGTH},
        {"tool_calls", PDK_FINISH_TOOL_CALLS},
        {"function_call", PDK_FINISH_TOOL_CALLS}, /* the deprecated functions API */
        {"content_filter", PDK_FINISH_CONTENT_FILTER},
    };
    if (!pdk_jv_is_string(fr))
        return PDK_FINISH_UNKNOWN;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (pdk_jv_streq(fr, map[i].openai))
            return map[i].wire;
    return PDK_FINISH_OTHER;
}

/* ---- errors --------------------------------------------------------------- */

static bool has_words(const char *s, const char *w) { return s && pdk_contains(s, strlen(s), w); }

void oai_classify(int status, const pdk_jv *error, long retry_ms, const char *request_id,
                  const char *fallback, pdk_llm_error *e)
{
    static char numbuf[24]; /* a numeric code as text; one classification at a time */
    const char *message = pdk_jv_str(pdk_jv_get(error, "message"));
    const char *type = pdk_jv_str(pdk_jv_get(error, "type"));
    const pdk_jv *cv = pdk_jv_get(error, "code");
    const char *code = pdk_jv_str(cv);
    int64_t num;
    if (pdk_jv_int(cv, &num)) { /* some gateways use numbers */
        pdk_buf nb = {numbuf, 0, sizeof numbuf, false};
        pdk_buf_put_int(&nb, num);
        code = numbuf;
    }
    if (!message && pdk_jv_is_string(error))
        message = error->u.s;
    if (!message || !*message)
        message = fallback;
    *e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e->type = PDK_ERR_PROVIDER;
    e->message = message;
    e->code = code;
    e->error_type = type;
    e->request_id = request_id;
    e->retry_after_secs = retry_ms < 0 ? -1 : (retry_ms + 999) / 1000;
    /* The order is the native plugin's: vLLM and llama.cpp say "context"
    ** only in words; an exhausted quota is a 429 too, but waiting does not
    ** help. */
    if (pdk_streq(code, "context_length_exceeded") || has_words(message, "maximum context length"))
        e->kind = PDK_KIND_CONTEXT_WINDOW;
    else if (status == 401 || status == 403 || pdk_streq(code, "invalid_api_key") ||
             pdk_streq(type, "authentication_error"))
        e->kind = PDK_KIND_AUTH;
    else if (pdk_streq(code, "insufficient_quota"))
        e->kind = PDK_KIND_QUOTA;
    else if (status == 429 || pdk_streq(code, "rate_limit_exceeded"))
        e->kind = PDK_KIND_RATE_LIMITED;
    else if (status == 400 || status == 404 || status == 422 ||
             (status == 0 && pdk_streq(type, "invalid_request_error")))
        e->kind = PDK_KIND_INVALID_REQUEST;
    else if (status == 503 || pdk_streq(type, "server_overloaded"))
        e->kind = PDK_KIND_OVERLOADED;
    else
        e->kind = status >= 500 || status == 408 || status == 409 || status == 0
                      ? PDK_KIND_TRANSIENT : PDK_KIND_PERMANENT;
}

/* classify_chat_error: {"cfg","resp"} of a non-2xx reply → the payload,
** as the export's output. A body that is not an OpenAI error (a proxy's
** HTML or text page) is quoted in the message. */
PL_EXPORT(classify_chat_error)
{
    pdk_prov p;
    pdk_http_resp r;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc != 0) {
        pdk_prov_close(&p);
        return rc;
    }
    const pdk_jv *root = pdk_json_parse(&p.in.arena, r.body, r.body_len, NULL);
    const pdk_jv *err = pdk_jv_get(root, "error");
    pdk_buf fallback = PDK_BUF_INIT;
    if (r.body_len && !err)
        pdk_buf_fmt(&fallback, "HTTP %d: %.*s", r.status, (int)(r.body_len > 200 ? 200 : r.body_len),
                    r.body);
    else
        pdk_buf_fmt(&fallback, "HTTP %d", r.status);
    pdk_llm_error e;
    oai_classify(r.status, err, pdk_retry_after_ms(&r), pdk_http_resp_header(&r, "x-request-id"),
                 fallback.p ? fallback.p : "HTTP error", &e);
    rc = pdk_prov_output_error(&e);
    pdk_buf_free(&fallback);
    pdk_prov_close(&p);
    return rc;
}
