/*
** ollama.c — the Wasm Ollama provider: informational exports, the
** configuration, request plumbing and errors, and the endpoints besides
** chat: GET /api/tags (models), POST /api/generate (completions, not
** streamed), POST /api/embed (embeddings).
*/
#include "ollama_int.h"

static const char config_schema[] =
    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"Ollama provider configuration\",\"type\":\"object\","
    "\"properties\":{"
    "\"model\":{\"type\":\"string\",\"minLength\":1,\"description\":\"Such as llama3.2\"},"
    "\"base_url\":{\"type\":\"string\",\"format\":\"uri\",\"default\":\"" OLL_DEFAULT_BASE_URL
    "\"},"
    "\"api_key\":{\"type\":\"string\",\"description\":\"Sent as a Bearer token, for proxies\"},"
    "\"system\":{\"anyOf\":[{\"type\":\"string\"},"
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}]},"
    "\"temperature\":{\"type\":\"number\",\"minimum\":0},"
    "\"top_p\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"top_k\":{\"type\":\"integer\",\"minimum\":0},"
    "\"max_tokens\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"options.num_predict\"},"
    "\"num_ctx\":{\"type\":\"integer\",\"minimum\":1},"
    "\"seed\":{\"type\":\"integer\"},"
    "\"keep_alive\":{\"type\":[\"string\",\"integer\"]},"
    "\"think\":{\"type\":\"boolean\",\"description\":\"Ask thinking models to think\"},"
    "\"embedding_dimensions\":{\"type\":\"integer\",\"minimum\":1},"
    "\"tool_choice\":{\"description\":\"Accepted; Ollama has no tool_choice\"},"
    "\"timeout_seconds\":{\"type\":\"integer\",\"minimum\":1},"
    "\"stream\":{\"type\":\"boolean\"}"
    "},"
    "\"required\":[\"model\"],\"additionalProperties\":false}";

const pdk_cfg_key oll_cfg_keys[] = {
    {"model", PDK_CFG_STRING, 0, 0},         {"base_url", PDK_CFG_STRING, 0, 0},
    {"api_key", PDK_CFG_STRING, 0, 0},       {"system", PDK_CFG_STRINGS, 0, 0},
    {"temperature", PDK_CFG_NUMBER, 0, 1e9}, {"top_p", PDK_CFG_NUMBER, 0, 1},
    {"top_k", PDK_CFG_INT, 0, 1e9},         {"max_tokens", PDK_CFG_COUNT, 0, 0},
    {"num_ctx", PDK_CFG_COUNT, 0, 0},        {"seed", PDK_CFG_INT, -9e18, 9e18},
    {"keep_alive", PDK_CFG_ANY, 0, 0},       {"think", PDK_CFG_BOOL, 0, 0},
    {"embedding_dimensions", PDK_CFG_COUNT, 0, 0},
    {"tool_choice", PDK_CFG_ANY, 0, 0},      {"timeout_seconds", PDK_CFG_COUNT, 0, 0},
    {"stream", PDK_CFG_BOOL, 0, 0},
};
const size_t oll_n_cfg_keys = sizeof oll_cfg_keys / sizeof oll_cfg_keys[0];

/* No key: a local Ollama needs none. */
PDK_PROVIDER_INFO("ollama", "", OLL_DEFAULT_BASE_URL, config_schema)

PL_EXPORT(from_config)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, true, true);
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

/* ---- requests ------------------------------------------------------------- */

int32_t oll_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body)
{
    const char *base = pdk_prov_str(p, "base_url");
    pdk_buf url = PDK_BUF_INIT, auth = PDK_BUF_INIT;
    pdk_url_join(&url, base && *base ? base : OLL_DEFAULT_BASE_URL, path);
    const char *key = pdk_prov_str(p, "api_key");
    if (key && *key)
        pdk_buf_fmt(&auth, "Bearer %s", key);
    pdk_header h[] = {{"authorization", auth.len ? auth.p : NULL},
                      {"content-type", body ? "application/json" : NULL},
                      {"accept", "application/json"}};
    int32_t rc = url.oom || auth.oom ? pdk_fail(PDK_ERR_PLUGIN, "out of memory")
                                     : pdk_prov_send(method, url.p, h, 3, body);
    if (body)
        pdk_buf_free(body);
    pdk_buf_free(&url);
    pdk_buf_free(&auth);
    return rc;
}

void oll_options(pdk_buf *b, const pdk_prov *p, const pdk_jv *over)
{
    static const struct {
        const char *cfg, *opt;
    } map[] = {{"temperature", "temperature"}, {"top_p", "top_p"},     {"top_k", "top_k"},
               {"max_tokens", "num_predict"},  {"num_ctx", "num_ctx"}, {"seed", "seed"}};
    bool open = false;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const pdk_jv *v = pdk_jv_get(over, map[i].cfg);
        if (pdk_jv_is_nothing(v))
            v = pdk_jv_get(p->cfg, map[i].cfg);
        if (pdk_jv_is_nothing(v))
            continue;
        if (!open) {
            pdk_jw_key(b, "options");
            pdk_jw_obj(b);
            open = true;
        }
        pdk_jw_kvalue(b, map[i].opt, v);
    }
    if (open)
        pdk_jw_obj_end(b);
    const pdk_jv *ka = pdk_jv_get(p->cfg, "keep_alive");
    if (!pdk_jv_is_nothing(ka))
        pdk_jw_kvalue(b, "keep_alive", ka);
}

/* ---- replies --------------------------------------------------------------- */

int32_t oll_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root)
{
    pdk_json_error je;
    *root = pdk_json_parse(&p->in.arena, r->body, r->body_len, &je);
    if (!*root)
        return pdk_prov_bad_response(r, "%s response is not valid JSON at line %u column %u: %s",
                                     what, je.line, je.col, je.msg);
    const pdk_jv *e = pdk_jv_get(*root, "error");
    if (pdk_jv_is_nothing(e))
        return 0;
    pdk_llm_error pe;
    oll_classify(r->status, e, "the provider reported an error", &pe);
    return pdk_fail_llm(&pe);
}

void oll_usage(const pdk_jv *obj, pdk_usage *u)
{
    memset(u, 0, sizeof *u);
    u->input_tokens = pdk_count(pdk_jv_get(obj, "prompt_eval_count"));
    u->output_tokens = pdk_count(pdk_jv_get(obj, "eval_count"));
}

const char *oll_finish_reason(const pdk_jv *dr, bool tool_calls)
{
    if (tool_calls)
        return PDK_FINISH_TOOL_CALLS; /* Ollama says "stop" after tool calls */
    if (!pdk_jv_is_string(dr))
        return PDK_FINISH_UNKNOWN;
    return pdk_jv_streq(dr, "stop") ? PDK_FINISH_STOP
           : pdk_jv_streq(dr, "length") ? PDK_FINISH_LENGTH : PDK_FINISH_OTHER;
}

void oll_call_id(const pdk_jv *call, size_t i, pdk_buf *id)
{
    const pdk_jv *own = pdk_jv_get(call, "id");
    if (pdk_jv_strlen(own))
        pdk_buf_put(id, own->u.s, own->n);
    else
        pdk_buf_fmt(id, "call_%zu", i);
}

/* ---- errors ----------------------------------------------------------------- */

void oll_classify(int status, const pdk_jv *error, const char *fallback, pdk_llm_error *e)
{
    const char *m = pdk_jv_str(error) ? pdk_jv_str(error) : pdk_jv_str(pdk_jv_get(error, "message"));
    *e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e->type = PDK_ERR_PROVIDER;
    e->message = m && *m ? m : fallback;
    size_t n = strlen(e->message);
    /* Ollama answers 404 "model 'x' not found" and 400 for bad requests;
    ** llama.cpp words a full context as "exceeds the context size". */
    if (pdk_contains(e->message, n, "context size") || pdk_contains(e->message, n, "context length"))
        e->kind = PDK_KIND_CONTEXT_WINDOW;
    else if (status == 401 || status == 403)
        e->kind = PDK_KIND_AUTH;
    else if (status == 429)
        e->kind = PDK_KIND_RATE_LIMITED;
    else if (status == 400 || status == 404 || status == 422)
        e->kind = PDK_KIND_INVALID_REQUEST;
    else if (status == 503)
        e->kind = PDK_KIND_OVERLOADED;
    else
        e->kind = status >= 500 || status == 0 ? PDK_KIND_TRANSIENT : PDK_KIND_PERMANENT;
}

PL_EXPORT(classify_chat_error)
{
    pdk_prov p;
    pdk_http_resp r;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc) {
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
    oll_classify(r.status, err, fallback.p ? fallback.p : "HTTP error", &e);
    long retry = pdk_retry_after_ms(&r);
    e.retry_after_secs = retry < 0 ? -1 : (retry + 999) / 1000;
    rc = pdk_prov_output_error(&e);
    pdk_buf_free(&fallback);
    pdk_prov_close(&p);
    return rc;
}

/* ---- models ------------------------------------------------------------------- */

PL_EXPORT(list_models_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = oll_send(&p, "GET", "/api/tags", NULL);
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_list_models_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oll_body(&p, &r, "models", &root);
    const pdk_jv *models = pdk_jv_get(root, "models");
    if (rc == 0 && !pdk_jv_is_array(models))
        rc = pdk_prov_bad_response(&r, "models response has no \"models\" array");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_arr(&out);
        for (size_t i = 0; i < models->n; i++) {
            const pdk_jv *m = pdk_jv_at(models, i), *name = pdk_jv_get(m, "name");
            if (!pdk_jv_is_string(name))
                name = pdk_jv_get(m, "model");
            if (pdk_jv_is_string(name))
                pdk_jw_strn(&out, name->u.s, name->n);
        }
        pdk_jw_arr_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

/* ---- completions: /api/generate, one whole reply -------------------------------- */

PL_EXPORT(complete_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, true);
    const pdk_jv *cr = pdk_jv_get(p.in.root, "req"), *prompt = pdk_jv_get(cr, "prompt");
    if (rc == 0 && !pdk_jv_is_string(prompt))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the completion request has no \"req\".\"prompt\" string");
    if (rc == 0) {
        pdk_buf body = PDK_BUF_INIT;
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "model", pdk_prov_str(&p, "model"));
        pdk_jw_kstrn(&body, "prompt", prompt->u.s, prompt->n);
        const pdk_jv *suffix = pdk_jv_get(cr, "suffix");
        if (pdk_jv_is_string(suffix))
            pdk_jw_kstrn(&body, "suffix", suffix->u.s, suffix->n);
        pdk_jw_kbool(&body, "stream", false);
        oll_options(&body, &p, cr);
        pdk_jw_obj_end(&body);
        rc = oll_send(&p, "POST", "/api/generate", &body);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_complete_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oll_body(&p, &r, "completion", &root);
    const pdk_jv *text = pdk_jv_get(root, "response");
    if (rc == 0 && !pdk_jv_is_string(text))
        rc = pdk_prov_bad_response(&r, "completion response has no \"response\" string");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_obj(&out);
        pdk_jw_kstrn(&out, "text", text->u.s, text->n);
        pdk_jw_obj_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

/* ---- embeddings: /api/embed ------------------------------------------------------- */

PL_EXPORT(embed_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, true);
    const pdk_jv *inputs = pdk_jv_get(p.in.root, "inputs");
    bool ok = pdk_jv_is_array(inputs);
    for (size_t i = 0; ok && i < pdk_jv_len(inputs); i++)
        ok = pdk_jv_is_string(pdk_jv_at(inputs, i));
    if (rc == 0 && !ok)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the embedding request needs an \"inputs\" array of strings");
    if (rc == 0) {
        const pdk_jv *dims = pdk_jv_get(p.cfg, "embedding_dimensions");
        pdk_buf body = PDK_BUF_INIT;
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "model", pdk_prov_str(&p, "model"));
        pdk_jw_kvalue(&body, "input", inputs);
        if (pdk_jv_is_number(dims))
            pdk_jw_kvalue(&body, "dimensions", dims);
        pdk_jw_obj_end(&body);
        rc = oll_send(&p, "POST", "/api/embed", &body);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_embed_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oll_cfg_keys, oll_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oll_body(&p, &r, "embedding", &root);
    const pdk_jv *embs = pdk_jv_get(root, "embeddings");
    bool ok = pdk_jv_is_array(embs);
    for (size_t i = 0; ok && i < pdk_jv_len(embs); i++)
        for (size_t j = 0; ok && j < pdk_jv_len(pdk_jv_at(embs, i)); j++)
            ok = pdk_jv_is_number(pdk_jv_at(pdk_jv_at(embs, i), j));
    if (rc == 0 && !ok)
        rc = pdk_prov_bad_response(&r, "embedding response needs \"embeddings\": [[numbers]]");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_arr(&out);
        for (size_t i = 0; i < embs->n; i++) {
            const pdk_jv *v = pdk_jv_at(embs, i);
            pdk_jw_arr(&out);
            for (size_t j = 0; j < pdk_jv_len(v); j++)
                pdk_jw_float(&out, (float)pdk_jv_num(pdk_jv_at(v, j), 0));
            pdk_jw_arr_end(&out);
        }
        pdk_jw_arr_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}
