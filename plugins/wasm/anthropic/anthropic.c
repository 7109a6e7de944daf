/*
** anthropic.c — the Wasm Anthropic provider: informational exports, the
** configuration, the request plumbing, error classification, and the
** endpoints besides chat: models (GET /v1/models), completions (through
** Messages: Anthropic has no other text API left) and embeddings (which
** Anthropic does not offer: not_implemented).
*/
#include "anthropic_int.h"

static const char config_schema[] =
    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"Anthropic provider configuration\",\"type\":\"object\","
    "\"properties\":{"
    "\"model\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"Model id, such as claude-sonnet-4-5\"},"
    "\"base_url\":{\"type\":\"string\",\"format\":\"uri\",\"default\":\"" ANT_DEFAULT_BASE_URL
    "\",\"description\":\"The API root; /v1/messages is appended\"},"
    "\"api_key\":{\"type\":\"string\",\"description\":\"Prefer ANTHROPIC_API_KEY\"},"
    "\"anthropic_version\":{\"type\":\"string\",\"default\":\"" ANT_VERSION "\"},"
    "\"system\":{\"anyOf\":[{\"type\":\"string\"},"
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}]},"
    "\"max_tokens\":{\"type\":\"integer\",\"minimum\":1,\"default\":4096},"
    "\"temperature\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"top_p\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"top_k\":{\"type\":\"integer\",\"minimum\":0},"
    "\"reasoning_budget_tokens\":{\"type\":\"integer\",\"minimum\":1024,"
    "\"description\":\"Extended thinking with this budget\"},"
    "\"tool_choice\":{\"anyOf\":[{\"enum\":[\"auto\",\"any\",\"required\",\"none\"]},"
    "{\"type\":\"object\"}]},"
    "\"parallel_tool_calls\":{\"type\":\"boolean\"},"
    "\"timeout_seconds\":{\"type\":\"integer\",\"minimum\":1},"
    "\"stream\":{\"type\":\"boolean\"}"
    "},"
    "\"required\":[\"model\"],\"additionalProperties\":false}";

const pdk_cfg_key ant_cfg_keys[] = {
    {"model", PDK_CFG_STRING, 0, 0},
    {"base_url", PDK_CFG_STRING, 0, 0},
    {"api_key", PDK_CFG_STRING, 0, 0},
    {"anthropic_version", PDK_CFG_STRING, 0, 0},
    {"system", PDK_CFG_STRINGS, 0, 0},
    {"max_tokens", PDK_CFG_COUNT, 0, 0},
    {"temperature", PDK_CFG_NUMBER, 0, 1},
    {"top_p", PDK_CFG_NUMBER, 0, 1},
    {"top_k", PDK_CFG_INT, 0, 1e9},
    {"reasoning_budget_tokens", PDK_CFG_COUNT, 0, 0},
    {"tool_choice", PDK_CFG_CHOICE, 0, 0},
    {"parallel_tool_calls", PDK_CFG_BOOL, 0, 0},
    {"timeout_seconds", PDK_CFG_COUNT, 0, 0},
    {"stream", PDK_CFG_BOOL, 0, 0},
};
const size_t ant_n_cfg_keys = sizeof ant_cfg_keys / sizeof ant_cfg_keys[0];

PDK_PROVIDER_INFO("anthropic", ANT_KEY_ENV, ANT_DEFAULT_BASE_URL, config_schema)

PL_EXPORT(from_config)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, true, true);
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_value(&out, p.in.root);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(supports_streaming) { return pdk_output_str("true"); }
PL_EXPORT(list_models_static) { return pdk_output_str("null"); }

/* ---- requests --------------------------------------------------------------- */

int32_t ant_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body)
{
    const char *base = pdk_prov_str(p, "base_url");
    if (!base || !*base)
        base = ANT_DEFAULT_BASE_URL;
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    pdk_buf url = PDK_BUF_INIT;
    pdk_buf_put(&url, base, n);
    /* Both "https://api.anthropic.com" and ".../v1" are seen in configs. */
    if (!(n >= 3 && memcmp(base + n - 3, "/v1", 3) == 0))
        pdk_buf_puts(&url, "/v1");
    pdk_buf_puts(&url, path);
    char *owned;
    const char *key = pdk_prov_api_key(p, ANT_KEY_ENV, &owned);
    const char *version = pdk_prov_str(p, "anthropic_version");
    pdk_header h[] = {{"x-api-key", key},
                      {"anthropic-version", version && *version ? version : ANT_VERSION},
                      {"content-type", body ? "application/json" : NULL},
                      {"accept", "application/json"}};
    int32_t rc = url.oom ? pdk_fail(PDK_ERR_PLUGIN, "out of memory")
                         : pdk_prov_send(method, url.p, h, 4, body);
    if (body)
        pdk_buf_free(body);
    pdk_free(owned);
    pdk_buf_free(&url);
    return rc;
}

/* ---- replies ---------------------------------------------------------------- */

int32_t ant_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root)
{
    pdk_json_error je;
    *root = pdk_json_parse(&p->in.arena, r->body, r->body_len, &je);
    if (!*root)
        return pdk_prov_bad_response(r, "%s response is not valid JSON at line %u column %u: %s",
                                     what, je.line, je.col, je.msg);
    if (!pdk_jv_streq(pdk_jv_get(*root, "type"), "error"))
        return 0;
    pdk_llm_error e;
    ant_classify(r->status, pdk_jv_get(*root, "error"), pdk_retry_after_ms(r),
                 pdk_http_resp_header(r, "request-id"), "the provider reported an error", &e);
    return pdk_fail_llm(&e);
}

bool ant_usage(const pdk_jv *u, pdk_usage *out)
{
    memset(out, 0, sizeof *out);
    if (!pdk_jv_is_object(u))
        return false;
    out->input_tokens = pdk_count(pdk_jv_get(u, "input_tokens"));
    out->output_tokens = pdk_count(pdk_jv_get(u, "output_tokens"));
    out->cache_read = pdk_count(pdk_jv_get(u, "cache_read_input_tokens"));
    out->cache_write = pdk_count(pdk_jv_get(u, "cache_creation_input_tokens"));
    return true;
}

const char *ant_finish_reason(const pdk_jv *sr)
{
    static const struct {
        const char *ant, *wire;
    } map[] = {
        {"end_turn", PDK_FINISH_STOP},       {"stop_sequence", PDK_FINISH_STOP},
        {"max_tokens", PDK_FINISH_LENGTH},   {"tool_use", PDK_FINISH_TOOL_CALLS},
        {"refusal", PDK_FINISH_CONTENT_FILTER},
    };
    if (!pdk_jv_is_string(sr))
        return PDK_FINISH_UNKNOWN;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (pdk_jv_streq(sr, map[i].ant))
            return map[i].wire;
    return PDK_FINISH_OTHER; /* pause_turn and newer reasons */
}

void ant_content_text(const pdk_jv *content, pdk_buf *text)
{
    for (size_t i = 0; i < pdk_jv_len(content); i++) {
        const pdk_jv *c = pdk_jv_at(content, i), *t = pdk_jv_get(c, "text");
        if (pdk_jv_streq(pdk_jv_get(c, "type"), "text") && pdk_jv_is_string(t))
            pdk_buf_put(text, t->u.s, t->n);
    }
}

/* ---- errors ----------------------------------------------------------------- */

static bool says(const char *s, const char *w) { return s && pdk_contains(s, strlen(s), w); }

/* The kinds follow Anthropic's error types (docs: errors), with the
** status for bodies that carry none. */
void ant_classify(int status, const pdk_jv *error, long retry_ms, const char *request_id,
                  const char *fallback, pdk_llm_error *e)
{
    const char *type = pdk_jv_str(pdk_jv_get(error, "type"));
    const char *message = pdk_jv_str(pdk_jv_get(error, "message"));
    if (!message || !*message)
        message = fallback;
    *e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e->type = PDK_ERR_PROVIDER;
    e->message = message;
    e->error_type = type;
    e->request_id = request_id;
    e->retry_after_secs = retry_ms < 0 ? -1 : (retry_ms + 999) / 1000;
    if (says(message, "prompt is too long") || says(message, "context window") ||
        says(message, "maximum context length"))
        e->kind = PDK_KIND_CONTEXT_WINDOW;
    else if (status == 401 || status == 403 || pdk_streq(type, "authentication_error") ||
             pdk_streq(type, "permission_error"))
        e->kind = PDK_KIND_AUTH;
    else if (status == 402 || pdk_streq(type, "billing_error"))
        e->kind = PDK_KIND_QUOTA;
    else if (status == 429 || pdk_streq(type, "rate_limit_error"))
        e->kind = PDK_KIND_RATE_LIMITED;
    else if (status == 529 || pdk_streq(type, "overloaded_error"))
        e->kind = PDK_KIND_OVERLOADED;
    else if (status == 400 || status == 404 || status == 413 || status == 422 ||
             pdk_streq(type, "invalid_request_error") || pdk_streq(type, "not_found_error") ||
             pdk_streq(type, "request_too_large"))
        e->kind = PDK_KIND_INVALID_REQUEST;
    else
        e->kind = status >= 500 || status == 0 || pdk_streq(type, "api_error")
                      ? PDK_KIND_TRANSIENT : PDK_KIND_PERMANENT;
}

PL_EXPORT(classify_chat_error)
{
    pdk_prov p;
    pdk_http_resp r;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc) {
        pdk_prov_close(&p);
        return rc;
    }
    const pdk_jv *root = pdk_json_parse(&p.in.arena, r.body, r.body_len, NULL);
    const pdk_jv *err = pdk_jv_get(root, "error");
    pdk_buf fallback = PDK_BUF_INIT;
    if (r.body_len && !pdk_jv_is_object(err))
        pdk_buf_fmt(&fallback, "HTTP %d: %.*s", r.status, (int)(r.body_len > 200 ? 200 : r.body_len),
                    r.body);
    else
        pdk_buf_fmt(&fallback, "HTTP %d", r.status);
    pdk_llm_error e;
    ant_classify(r.status, err, pdk_retry_after_ms(&r), pdk_http_resp_header(&r, "request-id"),
                 fallback.p ? fallback.p : "HTTP error", &e);
    rc = pdk_prov_output_error(&e);
    pdk_buf_free(&fallback);
    pdk_prov_close(&p);
    return rc;
}

/* ---- models ------------------------------------------------------------------ */

PL_EXPORT(list_models_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, false);
    if (rc == 0)
        rc = ant_send(&p, "GET", "/models", NULL);
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_list_models_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = ant_body(&p, &r, "models", &root);
    const pdk_jv *data = pdk_jv_get(root, "data");
    if (rc == 0 && !pdk_jv_is_array(data))
        rc = pdk_prov_bad_response(&r, "models response has no \"data\" array");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_arr(&out);
        for (size_t i = 0; i < data->n; i++) {
            const pdk_jv *id = pdk_jv_get(pdk_jv_at(data, i), "id");
            if (pdk_jv_is_string(id))
                pdk_jw_strn(&out, id->u.s, id->n);
        }
        pdk_jw_arr_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

/* ---- completions (one user message through Messages) --------------------------- */

PL_EXPORT(complete_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, true);
    const pdk_jv *cr = pdk_jv_get(p.in.root, "req"), *prompt = pdk_jv_get(cr, "prompt");
    if (rc == 0 && !pdk_jv_is_string(prompt))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the completion request has no \"req\".\"prompt\" string");
    if (rc == 0 && !pdk_jv_is_nothing(pdk_jv_get(cr, "suffix")))
        rc = pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "Anthropic cannot complete with a suffix");
    if (rc == 0) {
        const pdk_jv *mt = pdk_jv_get(cr, "max_tokens"), *t = pdk_jv_get(cr, "temperature");
        pdk_buf body = PDK_BUF_INIT;
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "model", pdk_prov_str(&p, "model"));
        pdk_jw_kint(&body, "max_tokens",
                    pdk_jv_int_or(mt, 1, INT32_MAX,
                                  pdk_jv_int_or(pdk_jv_get(p.cfg, "max_tokens"), 1, INT32_MAX,
                                                ANT_DEFAULT_MAX_TOKENS)));
        pdk_jw_key(&body, "messages");
        pdk_jw_arr(&body);
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "role", "user");
        pdk_jw_kstrn(&body, "content", prompt->u.s, prompt->n);
        pdk_jw_obj_end(&body);
        pdk_jw_arr_end(&body);
        if (pdk_jv_is_nothing(t))
            t = pdk_jv_get(p.cfg, "temperature");
        if (!pdk_jv_is_nothing(t))
            pdk_jw_kvalue(&body, "temperature", t);
        pdk_jw_obj_end(&body);
        rc = ant_send(&p, "POST", "/messages", &body);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_complete_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, ant_cfg_keys, ant_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = ant_body(&p, &r, "completion", &root);
    if (rc == 0 && !pdk_jv_is_array(pdk_jv_get(root, "content")))
        rc = pdk_prov_bad_response(&r, "completion response has no \"content\" array");
    if (rc == 0) {
        pdk_buf text = PDK_BUF_INIT, out = PDK_BUF_INIT;
        ant_content_text(pdk_jv_get(root, "content"), &text);
        pdk_jw_obj(&out);
        pdk_jw_kstrn(&out, "text", text.p ? text.p : "", text.len);
        pdk_jw_obj_end(&out);
        pdk_buf_free(&text);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(embed_request)
{
    return pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "Anthropic offers no embeddings API");
}

PL_EXPORT(parse_embed_response)
{
    return pdk_fail(PDK_ERR_NOT_IMPLEMENTED, "Anthropic offers no embeddings API");
}
