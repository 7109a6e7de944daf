/*
** openai_misc.c — the smaller endpoints: GET /models, POST /completions,
** POST /embeddings (float or base64), each a request builder and a reply
** parser, as the native plugin has them.
*/
#include "openai_int.h"

/* ---- models ---------------------------------------------------------------- */

/* Input {"cfg": ...}; GET {base_url}/models. */
PL_EXPORT(list_models_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = oai_send(&p, "GET", "/models", NULL);
    pdk_prov_close(&p);
    return rc;
}

/* Input {"resp": ...}; output the ids of data[]. */
PL_EXPORT(parse_list_models_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oai_body(&p, &r, "models", &root);
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

/* ---- completions ------------------------------------------------------------- */

/* A request value, else the config's, else nothing. */
static void set_either(pdk_buf *b, const char *key, const pdk_jv *req, const pdk_jv *cfg)
{
    const pdk_jv *v = pdk_jv_get(req, key);
    if (pdk_jv_is_nothing(v))
        v = pdk_jv_get(cfg, key);
    if (!pdk_jv_is_nothing(v))
        pdk_jw_kvalue(b, key, v);
}

/* ExtismCompleteRequest {"cfg", "req": {prompt, suffix, max_tokens,
** temperature}} → POST /completions. */
PL_EXPORT(complete_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, true);
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
        set_either(&body, "max_tokens", cr, p.cfg);
        set_either(&body, "temperature", cr, p.cfg);
        pdk_jw_obj_end(&body);
        rc = oai_send(&p, "POST", "/completions", &body);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(parse_complete_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oai_body(&p, &r, "completion", &root);
    const pdk_jv *text = pdk_jv_get(pdk_jv_at(pdk_jv_get(root, "choices"), 0), "text");
    if (rc == 0 && !pdk_jv_is_string(text))
        rc = pdk_prov_bad_response(&r, "completion response has no choices[0].text");
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

/* ---- embeddings --------------------------------------------------------------- */

/* ExtismEmbedRequest {"cfg", "inputs": [...]} → POST /embeddings. */
PL_EXPORT(embed_request)
{
    pdk_prov p;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, true);
    const pdk_jv *inputs = pdk_jv_get(p.in.root, "inputs");
    bool ok = pdk_jv_is_array(inputs);
    for (size_t i = 0; ok && i < pdk_jv_len(inputs); i++)
        ok = pdk_jv_is_string(pdk_jv_at(inputs, i));
    if (rc == 0 && !ok)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the embedding request needs an \"inputs\" array of strings");
    if (rc == 0) {
        const char *fmt = pdk_prov_str(&p, "embedding_encoding_format");
        const pdk_jv *dims = pdk_jv_get(p.cfg, "embedding_dimensions");
        pdk_buf body = PDK_BUF_INIT;
        pdk_jw_obj(&body);
        pdk_jw_kstr(&body, "model", pdk_prov_str(&p, "model"));
        pdk_jw_kvalue(&body, "input", inputs);
        pdk_jw_kstr(&body, "encoding_format", fmt ? fmt : "float");
        if (pdk_jv_is_number(dims))
            pdk_jw_kvalue(&body, "dimensions", dims);
        pdk_jw_obj_end(&body);
        rc = oai_send(&p, "POST", "/embeddings", &body);
    }
    pdk_prov_close(&p);
    return rc;
}

/* One embedding, numbers or base64 of little-endian float32, as floats.
** False when it is neither. */
static bool embedding_vector(pdk_buf *b, const pdk_jv *e)
{
    pdk_jw_arr(b);
    if (pdk_jv_is_string(e)) {
        unsigned char *raw = pdk_malloc(e->n * 3 / 4 + 3);
        long n = raw ? pdk_base64_decode(e->u.s, e->n, raw) : -1;
        for (long i = 0; n >= 0 && n % 4 == 0 && i + 4 <= n; i += 4) {
            uint32_t u = (uint32_t)raw[i] | (uint32_t)raw[i + 1] << 8 |
                         (uint32_t)raw[i + 2] << 16 | (uint32_t)raw[i + 3] << 24;
            float f;
            memcpy(&f, &u, sizeof f);
            pdk_jw_float(b, f);
        }
        pdk_free(raw);
        pdk_jw_arr_end(b);
        return n >= 0 && n % 4 == 0;
    }
    for (size_t i = 0; i < pdk_jv_len(e); i++) {
        const pdk_jv *x = pdk_jv_at(e, i);
        if (!pdk_jv_is_number(x))
            return false;
        pdk_jw_float(b, (float)pdk_jv_num(x, 0));
    }
    pdk_jw_arr_end(b);
    return pdk_jv_is_array(e);
}

/* data[] in "index" order (the API does not promise list order); false
** when an index is missing, repeated or out of range. */
static bool embeddings_in_order(pdk_buf *b, const pdk_jv *data)
{
    size_t n = pdk_jv_len(data);
    pdk_jw_arr(b);
    for (size_t want = 0; want < n; want++) {
        const pdk_jv *found = NULL;
        for (size_t i = 0; i < n; i++) {
            const pdk_jv *item = pdk_jv_at(data, i);
            int64_t ix = pdk_jv_int_or(pdk_jv_get(item, "index"), 0, INT64_MAX, (int64_t)i);
            if ((size_t)ix == want) {
                if (found)
                    return false;
                found = item;
            }
        }
        if (!found || !embedding_vector(b, pdk_jv_get(found, "embedding")))
            return false;
    }
    pdk_jw_arr_end(b);
    return true;
}

PL_EXPORT(parse_embed_response)
{
    pdk_prov p;
    pdk_http_resp r;
    const pdk_jv *root = NULL;
    int32_t rc = pdk_prov_open(&p, oai_cfg_keys, oai_n_cfg_keys, false, false);
    if (rc == 0)
        rc = pdk_prov_resp(&p, &r);
    if (rc == 0)
        rc = oai_body(&p, &r, "embedding", &root);
    pdk_buf out = PDK_BUF_INIT;
    if (rc == 0 && !(pdk_jv_is_array(pdk_jv_get(root, "data")) &&
                     embeddings_in_order(&out, pdk_jv_get(root, "data"))))
        rc = pdk_prov_bad_response(&r, "embedding response needs \"data\": [{\"index\", "
                                       "\"embedding\"}] with one distinct index per input and "
                                       "numbers or base64 float32");
    rc = rc ? rc : pdk_output_buf(&out);
    pdk_buf_free(&out);
    pdk_prov_close(&p);
    return rc;
}
