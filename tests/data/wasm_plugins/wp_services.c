/*
** wp_services.c — a tool plugin that asks the host for its services, for
** the capability tests: each export passes the call's input to one
** service and outputs what came back.
**
**   call_log     plinth:host log            {"level","message"} → "logged"
**   call_llm     plinth:host llm_chat       {"provider","request"}
**   call_search  plinth:host retrieval_search  {"query",...}
**   call_plan    plinth:host plan_solve     {...}
**   call_fetch   plinth:host network_fetch  {"url","method"?,...}
**   http_get     Extism's http_request: the input is a URL; the output
**                "STATUS BODY"
*/
#include "wp_common.h"

PL_EXPORT(call_log)
{
    wp_host_log(wp_input_block());
    return pdk_output_str("logged");
}

PL_EXPORT(call_llm) { return wp_output_block(wp_host_llm_chat(wp_input_block())); }
PL_EXPORT(call_search) { return wp_output_block(wp_host_retrieval_search(wp_input_block())); }
PL_EXPORT(call_plan) { return wp_output_block(wp_host_plan_solve(wp_input_block())); }
PL_EXPORT(call_fetch) { return wp_output_block(wp_host_network_fetch(wp_input_block())); }

PL_EXPORT(http_get)
{
    char *url = pdk_input(NULL);
    if (!url)
        return pdk_error("out of memory");
    pdk_http r;
    bool ok = pdk_http_request("GET", url, NULL, 0, NULL, 0, &r);
    pdk_free(url);
    if (!ok)
        return pdk_error("out of memory");
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "%d ", r.status);
    pdk_buf_put(&b, r.body, r.body_len);
    pdk_http_free(&r);
    return pdk_output_buf(&b);
}

PL_EXPORT(plinth_describe) { return wp_describe("wp_services", "tool", NULL); }

PL_EXPORT(plinth_invoke) { return pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "no methods"); }
