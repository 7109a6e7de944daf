/*
** wp_context.c — a context plugin: "context/get" {"query"} answers one
** chunk {"text": "notes about <query>", "source": "wp_context"}, which the
** host's retrieval_search service hands to the plugins that ask.
*/
#include "wp_common.h"

PL_EXPORT(plinth_describe) { return wp_describe("wp_context", "context", NULL); }

PL_EXPORT(plinth_invoke)
{
    pdk_request r;
    if (pdk_request_read(&r) != 0) {
        pdk_request_free(&r);
        return 1;
    }
    const pdk_jv *method = pdk_jv_get(r.root, "method");
    const pdk_jv *query = pdk_jv_get(pdk_jv_get(r.root, "params"), "query");
    int32_t rc;
    if (!pdk_jv_streq(method, "context/get")) {
        rc = pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "Method not found: %s",
                           pdk_jv_str_or(method, "(none)"));
    } else {
        pdk_buf text = PDK_BUF_INIT, b = PDK_BUF_INIT;
        pdk_buf_puts(&text, "notes about ");
        pdk_buf_put(&text, pdk_jv_str_or(query, ""), pdk_jv_strlen(query));
        pdk_jw_obj(&b);
        pdk_jw_key(&b, "chunks");
        pdk_jw_arr(&b);
        pdk_jw_obj(&b);
        pdk_jw_kstrn(&b, "text", text.p ? text.p : "", text.len);
        pdk_jw_kstr(&b, "source", "wp_context");
        pdk_jw_obj_end(&b);
        pdk_jw_arr_end(&b);
        pdk_jw_obj_end(&b);
        pdk_buf_free(&text);
        rc = pdk_output_buf(&b);
    }
    pdk_request_free(&r);
    return rc;
}
