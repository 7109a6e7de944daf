/*
** wp_planner.c — a tool plugin that "provides": ["plan"]: "plan/solve"
** {"goal"} answers {"steps": ["understand <goal>", "solve <goal>"]}, which
** the host's plan_solve service hands to the plugins that ask.
*/
#include "wp_common.h"

PL_EXPORT(plinth_describe) { return wp_describe("wp_planner", "tool", "plan"); }

PL_EXPORT(plinth_invoke)
{
    pdk_request r;
    if (pdk_request_read(&r) != 0) {
        pdk_request_free(&r);
        return 1;
    }
    const pdk_jv *method = pdk_jv_get(r.root, "method");
    const pdk_jv *goal = pdk_jv_get(pdk_jv_get(r.root, "params"), "goal");
    int32_t rc;
    if (pdk_jv_streq(method, "tools/list")) {
        rc = pdk_output_str("{\"tools\":[]}");
    } else if (!pdk_jv_streq(method, "plan/solve")) {
        rc = pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "Method not found: %s",
                           pdk_jv_str_or(method, "(none)"));
    } else {
        const char *g = pdk_jv_str_or(goal, "");
        pdk_buf b = PDK_BUF_INIT, s = PDK_BUF_INIT;
        pdk_jw_obj(&b);
        pdk_jw_key(&b, "steps");
        pdk_jw_arr(&b);
        pdk_buf_fmt(&s, "understand %s", g);
        pdk_jw_strn(&b, s.p ? s.p : "", s.len);
        pdk_buf_clear(&s);
        pdk_buf_fmt(&s, "solve %s", g);
        pdk_jw_strn(&b, s.p ? s.p : "", s.len);
        pdk_jw_arr_end(&b);
        pdk_jw_obj_end(&b);
        pdk_buf_free(&s);
        rc = pdk_output_buf(&b);
    }
    pdk_request_free(&r);
    return rc;
}
