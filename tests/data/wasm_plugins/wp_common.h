/*
** wp_common.h — what the test plugins of tests/data/wasm_plugins share:
** the plinth:host service imports (the kit has no declarations for them),
** calling one with the call's input and handing its answer back as the
** output, and a plinth_describe that says more than PDK_TOOL_PLUGIN can
** (another kind, "provides").
*/
#ifndef WP_COMMON_H
#define WP_COMMON_H

#include "plinth_pdk.h"

#define WP_HOST(n) __attribute__((import_module("plinth:host"), import_name(#n)))

/* Each takes one Extism block of JSON (consumed) and returns one (or 0). */
WP_HOST(log) void wp_host_log(uint64_t record);
WP_HOST(llm_chat) uint64_t wp_host_llm_chat(uint64_t request);
WP_HOST(retrieval_search) uint64_t wp_host_retrieval_search(uint64_t query);
WP_HOST(plan_solve) uint64_t wp_host_plan_solve(uint64_t params);
WP_HOST(network_fetch) uint64_t wp_host_network_fetch(uint64_t request);

/* The call's input as a new block (0 when it is empty). */
static inline uint64_t wp_input_block(void)
{
    size_t n;
    char *in = pdk_input(&n);
    uint64_t h = in ? pdk_alloc_bytes(in, n) : 0;
    pdk_free(in);
    return h;
}

/* Output block h as it is ("null" when the service gave none). */
static inline int32_t wp_output_block(uint64_t h)
{
    if (!h)
        return pdk_output_str("null");
    size_t n = 0;
    char *s = pdk_block_read(h, &n);
    pdk_env_free(h);
    int32_t rc = s ? pdk_output(s, n) : pdk_error("out of memory");
    pdk_free(s);
    return rc;
}

/* plinth_describe for a plugin with no tools: {"id","name","version",
** "description","kind","tools":[],"provides":[provides]} (provides NULL:
** no "provides"). */
static inline int32_t wp_describe(const char *name, const char *kind, const char *provides)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_jw_obj(&b);
    pdk_jw_kstr(&b, "id", "dev.plinth.test.wasm_plugins");
    pdk_jw_kstr(&b, "name", name);
    pdk_jw_kstr(&b, "version", "0.0.1");
    pdk_jw_kstr(&b, "description", "a test plugin of tests/data/wasm_plugins");
    pdk_jw_kstr(&b, "kind", kind);
    pdk_jw_key(&b, "tools");
    pdk_jw_arr(&b);
    pdk_jw_arr_end(&b);
    if (provides) {
        pdk_jw_key(&b, "provides");
        pdk_jw_arr(&b);
        pdk_jw_str(&b, provides);
        pdk_jw_arr_end(&b);
    }
    pdk_jw_obj_end(&b);
    return pdk_output_buf(&b);
}

#endif
