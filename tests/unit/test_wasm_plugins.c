/*
** test_wasm_plugins.c — the example Wasm plugins (plugins/wasm) as built:
** each module loads in plinth's engine, exports what its export set says
** (with the Extism call type () -> i32), and imports only from
** extism:host/env (with the signatures of shared/docs/extism-abi.md),
** extism:host/user (QueryMT's qmt_* functions) and wasi_snapshot_preview1.
**
** Then, when the Extism host is in the build (PL_HAVE_EXTISM), the demo
** and tool plugins run through it: count_vowels, and calculator and
** datetime over plinth's tool ABI (plinth_describe / plinth_invoke).
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdk_host.h"
#include "wasm/wasm.h"

/* ---- the modules as built --------------------------------------------------------- */

typedef struct module {
    uint8_t *bytes;
    plw_module *m;
} module;

static module load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/wasm/%s.wasm", PL_PLUGIN_DIR, name);
    module mod = {NULL, NULL};
    size_t len = 0;
    pl_err e;
    plu_err_clear(&e);
    char *bytes = NULL;
    cr_assert_eq(plu_read_file(path, &bytes, &len, &e), PL_OK, "%s", e.msg);
    mod.bytes = (uint8_t *)bytes;
    cr_assert_eq(plw_module_load(mod.bytes, len, name, &mod.m, &e), PL_OK, "%s: %s", name, e.msg);
    return mod;
}

static void unload(module *mod)
{
    plw_module_free(mod->m);
    plu_free(mod->bytes);
}

static void sig(const plw_functype *t, char *out, size_t n)
{
    size_t k = 0;
    out[k++] = '(';
    for (uint32_t i = 0; i < t->n_params && k + 2 < n; i++)
        out[k++] = t->params[i] == PLW_I64 ? 'I' : t->params[i] == PLW_I32 ? 'i' : '?';
    out[k++] = ')';
    for (uint32_t i = 0; i < t->n_results && k + 2 < n; i++)
        out[k++] = t->results[i] == PLW_I64 ? 'I' : t->results[i] == PLW_I32 ? 'i' : '?';
    out[k] = '\0';
}

/* The signature of every plugin-visible extism:host/env function. */
static const char *env_sig(const char *name)
{
    static const char *const table[][2] = {
        {"alloc", "(I)I"},          {"free", "(I)"},           {"length", "(I)I"},
        {"length_unsafe", "(I)I"},  {"load_u8", "(I)i"},       {"load_u64", "(I)I"},
        {"store_u8", "(Ii)"},       {"store_u64", "(II)"},     {"input_length", "()I"},
        {"input_load_u8", "(I)i"},  {"input_load_u64", "(I)I"}, {"input_offset", "()I"},
        {"output_set", "(II)"},     {"error_set", "(I)"},      {"error_get", "()I"},
        {"config_get", "(I)I"},     {"var_get", "(I)I"},       {"var_set", "(II)"},
        {"http_request", "(II)I"},  {"http_status_code", "()i"}, {"http_headers", "()I"},
        {"log_trace", "(I)"},       {"log_debug", "(I)"},      {"log_info", "(I)"},
        {"log_warn", "(I)"},        {"log_error", "(I)"},      {"get_log_level", "()i"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i][0], name) == 0)
            return table[i][1];
    return NULL;
}

static const char *qmt_sig(const char *name)
{
    static const char *const table[][2] = {
        {"qmt_http_request", "(I)I"}, {"qmt_http_stream_open", "(I)I"},
        {"qmt_http_stream_next", "(I)I"}, {"qmt_http_stream_close", "(I)"},
        {"qmt_yield_chunk", "(I)"}, {"qmt_log", "(I)"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i][0], name) == 0)
            return table[i][1];
    return NULL;
}

/* Every import is a function of an allowed module with the right type;
** the WASI and extism:host/user names used must be in `allowed`
** (a space-separated list, "" for none). */
static void check_imports(const char *name, const plw_module *m, const char *allowed)
{
    for (size_t i = 0; i < plw_module_import_count(m); i++) {
        plw_extern_info x;
        cr_assert(plw_module_import(m, i, &x));
        cr_assert_eq(x.kind, PLW_EXTERN_FUNC, "%s imports a non-function %s.%s", name, x.module,
                     x.name);
        char s[32];
        sig(&x.func, s, sizeof s);
        if (strcmp(x.module, "extism:host/env") == 0) {
            const char *want = env_sig(x.name);
            cr_assert_not_null(want, "%s imports unknown extism:host/env.%s", name, x.name);
            cr_assert_str_eq(s, want, "%s: extism:host/env.%s has type %s", name, x.name, s);
            continue;
        }
        bool user = strcmp(x.module, "extism:host/user") == 0;
        cr_assert(user || strcmp(x.module, "wasi_snapshot_preview1") == 0,
                  "%s imports from module %s", name, x.module);
        if (user)
            cr_assert_str_eq(s, qmt_sig(x.name) ? qmt_sig(x.name) : "?", "%s: %s", name, x.name);
        char word[80];
        snprintf(word, sizeof word, " %s ", x.name);
        char list[512];
        snprintf(list, sizeof list, " %s ", allowed);
        cr_assert(strstr(list, word) != NULL, "%s should not import %s.%s", name, x.module,
                  x.name);
    }
}

/* Each name in the space-separated list is an exported () -> i32. */
static void check_exports(const char *name, plw_module *m, const char *list)
{
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        bool found = false;
        for (size_t i = 0; i < plw_module_export_count(m) && !found; i++) {
            plw_extern_info x;
            cr_assert(plw_module_export(m, i, &x));
            if (x.kind != PLW_EXTERN_FUNC || strcmp(x.name, tok) != 0)
                continue;
            char s[32];
            sig(&x.func, s, sizeof s);
            cr_assert_str_eq(s, "()i", "%s: export %s has type %s", name, tok, s);
            found = true;
        }
        cr_assert(found, "%s does not export %s", name, tok);
    }
}

#define INFO_EXPORTS "name api_key_name config_schema from_config base_url init_logging " \
                     "supports_streaming"
#define HTTP_ADAPTER_EXPORTS                                                                   \
    INFO_EXPORTS " list_models_static list_models_request parse_list_models_response "       \
                 "chat_request chat_stream_request parse_chat_response classify_chat_error " \
                 "chat_stream_parser_start chat_stream_parser_parse chat_stream_parser_finish " \
                 "chat_stream_parser_close embed_request parse_embed_response complete_request " \
                 "parse_complete_response"

static const struct {
    const char *name, *exports, *imports;
} plugins[] = {
    {"count_vowels", "count_vowels", ""},
    {"calculator", "plinth_describe plinth_invoke", ""},
    {"datetime", "plinth_describe plinth_invoke", "clock_time_get"},
    {"openai", HTTP_ADAPTER_EXPORTS, ""},
    {"anthropic", HTTP_ADAPTER_EXPORTS, ""},
    {"ollama", HTTP_ADAPTER_EXPORTS, ""},
    {"offline", INFO_EXPORTS " list_models chat chat_stream embed complete",
     "qmt_yield_chunk poll_oneoff"},
};

Test(wasm_plugins, every_plugin_has_its_exports_and_only_allowed_imports)
{
    for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++) {
        module mod = load(plugins[i].name);
        check_exports(plugins[i].name, mod.m, plugins[i].exports);
        check_imports(plugins[i].name, mod.m, plugins[i].imports);
        unload(&mod);
    }
}

/* Whether the module exports _initialize, a () -> () function. */
static bool is_reactor(plw_module *m)
{
    for (size_t i = 0; i < plw_module_export_count(m); i++) {
        plw_extern_info x;
        cr_assert(plw_module_export(m, i, &x));
        cr_assert_neq(strcmp(x.name, "_start"), 0, "a command module");
        if (strcmp(x.name, "_initialize") == 0)
            return x.kind == PLW_EXTERN_FUNC && x.func.n_params == 0 && x.func.n_results == 0;
    }
    return false;
}

Test(wasm_plugins, libc_plugins_are_reactors_and_count_vowels_needs_no_libc)
{
    for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++) {
        module mod = load(plugins[i].name);
        bool nolibc = strcmp(plugins[i].name, "count_vowels") == 0;
        cr_assert_eq(is_reactor(mod.m), !nolibc, "%s", plugins[i].name);
        unload(&mod);
    }
}

Test(wasm_plugins, the_older_export_set_is_not_mixed_with_the_newer)
{
    module mod = load("offline");
    for (size_t i = 0; i < plw_module_export_count(mod.m); i++) {
        plw_extern_info x;
        cr_assert(plw_module_export(mod.m, i, &x));
        /* QueryMT's host switches to the HTTP-adapter mode on these. */
        cr_assert(strcmp(x.name, "chat_request") != 0 && strcmp(x.name, "parse_chat_response"));
    }
    unload(&mod);
}

#ifdef PL_HAVE_EXTISM

/* ---- through the Extism host -------------------------------------------------------- */

static json_t *jparse(const char *s)
{
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, s);
    return v;
}

static void assert_json_eq(const char *got, const char *want)
{
    json_t *g = jparse(got), *w = jparse(want);
    cr_assert(json_equal(g, w), "got  %s\nwant %s", got, want);
    json_decref(g);
    json_decref(w);
}

Test(wasm_count_vowels, counts_and_keeps_a_running_total)
{
    tw t;
    tw_open(&t, "count_vowels", NULL, 0);
    char *out = tw_ok(&t, "count_vowels", "Hello, World!");
    cr_assert_str_eq(out, "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    free(out);
    out = tw_ok(&t, "count_vowels", "aeiou AEIOU");
    cr_assert_str_eq(out, "{\"count\":10,\"total\":13,\"vowels\":\"aeiouAEIOU\"}");
    free(out);
    out = tw_ok(&t, "count_vowels", "");
    cr_assert_str_eq(out, "{\"count\":0,\"total\":13,\"vowels\":\"aeiouAEIOU\"}");
    free(out);
    tw_close(&t);
}

Test(wasm_count_vowels, vowels_from_the_config_in_utf8)
{
    const ple_kv cfg[] = {{"vowels", "aäoö\""}};
    tw t;
    tw_open(&t, "count_vowels", cfg, 1);
    char *out = tw_ok(&t, "count_vowels", "Käse und \"Öl\", ä\xff");
    cr_assert_str_eq(out, "{\"count\":4,\"total\":4,\"vowels\":\"aäoö\\\"\"}");
    free(out);
    tw_close(&t);
}

Test(wasm_count_vowels, many_calls_on_one_instance)
{
    tw t;
    tw_open(&t, "count_vowels", NULL, 0);
    for (int i = 1; i <= 20000; i++) {
        char *out = NULL;
        cr_assert_eq(tw_call(&t, "count_vowels", "Hello, World!", &out, NULL), PL_OK, "call %d", i);
        if (i == 20000)
            cr_assert_str_eq(out, "{\"count\":3,\"total\":60000,\"vowels\":\"aeiouAEIOU\"}");
        free(out);
    }
    tw_close(&t);
}

/* ---- calculator ------------------------------------------------------------------------ */

static char *invoke(tw *t, const char *tool, const char *args)
{
    char req[4096];
    snprintf(req, sizeof req, "{\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
                              "\"arguments\":%s}}", tool, args);
    return tw_ok(t, "plinth_invoke", req);
}

/* tools/call result: its text, and whether it is an error. */
static void assert_result(const char *out, const char *text, bool is_error)
{
    json_t *v = jparse(out);
    json_t *c = json_array_get(json_object_get(v, "content"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(c, "type")), "text", "%s", out);
    cr_assert_str_eq(json_string_value(json_object_get(c, "text")), text, "%s", out);
    cr_assert_eq(json_is_true(json_object_get(v, "isError")), is_error, "%s", out);
    cr_assert_eq(json_array_size(json_object_get(v, "content")), 1);
    json_decref(v);
}

Test(wasm_calculator, describes_itself)
{
    tw t;
    tw_open(&t, "calculator", NULL, 0);
    char *out = tw_ok(&t, "plinth_describe", NULL);
    json_t *d = jparse(out);
    cr_assert_str_eq(json_string_value(json_object_get(d, "id")), "dev.plinth.calculator");
    cr_assert_str_eq(json_string_value(json_object_get(d, "name")), "calculator");
    cr_assert_str_eq(json_string_value(json_object_get(d, "version")), "0.1.0");
    cr_assert_str_eq(json_string_value(json_object_get(d, "kind")), "tool");
    cr_assert(json_is_string(json_object_get(d, "description")));
    json_t *tool = json_array_get(json_object_get(d, "tools"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(tool, "name")), "calculate");
    json_t *schema = json_object_get(tool, "inputSchema");
    cr_assert_str_eq(json_string_value(json_object_get(schema, "type")), "object");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(schema, "required"), 0)),
                     "expression");
    free(out);
    out = tw_ok(&t, "plinth_invoke", "{\"method\":\"tools/list\",\"params\":{}}");
    json_t *l = jparse(out);
    cr_assert(json_equal(json_object_get(l, "tools"), json_object_get(d, "tools")));
    json_decref(l);
    json_decref(d);
    free(out);
    tw_close(&t);
}

Test(wasm_calculator, evaluates)
{
    static const char *const cases[][2] = {
        {"1 + 2 * 3", "7"},          {"(1 + 2) * 3", "9"},       {"2 ^ 3 ^ 2", "512"},
        {"-2 ^ 2", "-4"},            {"2 ^ -1", "0.5"},          {"--3", "3"},
        {"7 % 3", "1"},              {"-7 % 3", "-1"},           {"7.5 % 2", "1.5"},
        {"10 / 4", "2.5"},           {".5 + 1.", "1.5"},          {"1e3 / 8", "125"},
        {"0.1 + 0.2", "0.30000000000000004"}, {" ( ( 42 ) ) ", "42"}, {"1/3", "0.3333333333333333"},
        {"-0", "0"},                 {"2*-3", "-6"},             {"+4 - -4", "8"},
    };
    tw t;
    tw_open(&t, "calculator", NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "{\"expression\":\"%s\"}", cases[i][0]);
        char *out = invoke(&t, "calculate", args);
        assert_result(out, cases[i][1], false);
        free(out);
    }
    tw_close(&t);
}

Test(wasm_calculator, explains_what_is_wrong)
{
    static const char *const cases[][2] = {
        {"1/0", "division by zero at column 2"},
        {"5 % (2-2)", "modulo by zero at column 3"},
        {"2*(3", "unbalanced parenthesis at column 3"},
        {"2*3)", "unbalanced parenthesis at column 4"},
        {"2 3", "syntax error: expected an operator, got '3' at column 3"},
        {"2 * x", "syntax error: expected a number, got 'x' at column 5"},
        {"2 *", "syntax error: expected a number, got the end at column 4"},
        {"", "empty expression"},
        {"10^400", "the result overflows"},
        {"é", "syntax error: expected a number, got 'é' at column 1"},
    };
    tw t;
    tw_open(&t, "calculator", NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "{\"expression\":\"%s\"}", cases[i][0]);
        char *out = invoke(&t, "calculate", args);
        assert_result(out, cases[i][1], true);
        free(out);
    }
    char deep[2100];
    memset(deep, '(', 1000);
    snprintf(deep + 1000, sizeof deep - 1000, "1");
    char *args = malloc(1200);
    snprintf(args, 1200, "{\"expression\":\"%s\"}", deep);
    char *out = invoke(&t, "calculate", args);
    cr_assert(strstr(out, "nested too deeply") != NULL, "%s", out);
    free(out);
    free(args);
    tw_close(&t);
}

Test(wasm_calculator, protocol_errors_are_json_rpc_errors)
{
    static const char *const cases[][2] = {
        {"{\"method\":\"tools/call\",\"params\":{\"name\":\"calculate\",\"arguments\":{}}}",
         "{\"code\":-32602,\"message\":\"calculate: \\\"expression\\\" (a string) is required\"}"},
        {"{\"method\":\"tools/call\",\"params\":{\"name\":\"nope\",\"arguments\":{}}}",
         "{\"code\":-32602,\"message\":\"Unknown tool: nope\"}"},
        {"{\"method\":\"tools/call\",\"params\":{\"arguments\":{}}}",
         "{\"code\":-32602,\"message\":\"tools/call needs params.name (a string)\"}"},
        {"{\"method\":\"tools/call\",\"params\":{\"name\":\"calculate\",\"arguments\":[]}}",
         "{\"code\":-32602,\"message\":\"params.arguments must be an object\"}"},
        {"{\"method\":\"resources/list\"}",
         "{\"code\":-32601,\"message\":\"Method not found: resources/list\"}"},
        {"{\"method\":\"tools/list\",\"params\":7}",
         "{\"code\":-32602,\"message\":\"params must be an object\"}"},
    };
    tw t;
    tw_open(&t, "calculator", NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = tw_fails(&t, "plinth_invoke", cases[i][0]);
        assert_json_eq(err, cases[i][1]);
        free(err);
    }
    char *err = tw_fails(&t, "plinth_invoke", "{\"method\":");
    json_t *e = jparse(err);
    cr_assert_eq(json_integer_value(json_object_get(e, "code")), -32700);
    json_decref(e);
    free(err);
    char *out = tw_ok(&t, "plinth_invoke", "{\"method\":\"ping\"}");
    cr_assert_str_eq(out, "{}");
    free(out);
    tw_close(&t);
}

/* ---- datetime ---------------------------------------------------------------------------- */

static void dt_case(tw *t, const char *tool, const char *args, const char *text, bool is_error)
{
    char *out = invoke(t, tool, args);
    assert_result(out, text, is_error);
    free(out);
}

Test(wasm_datetime, now_comes_from_the_wasi_clock)
{
    tw t;
    tw_open(&t, "datetime", NULL, 0);
    dt_case(&t, "now", "{}", "2024-02-29T13:05:07.250Z", false);
    dt_case(&t, "now", "{\"timezone\":\"+05:30\"}", "2024-02-29T18:35:07.250+05:30", false);
    dt_case(&t, "now", "{\"timezone\":\"UTC-8\"}", "2024-02-29T05:05:07.250-08:00", false);
    dt_case(&t, "now", "{\"format\":\"%A %d %B %Y, %H:%M %Z (day %j, %s)\"}",
            "Thursday 29 February 2024, 13:05 UTC (day 60, 1709211907)", false);
    dt_case(&t, "now", "{\"timezone\":\"Europe/Paris\"}",
            "timezone 'Europe/Paris': named time zones are not supported (no tz database in the "
            "sandbox); give an offset such as +02:00",
            true);
    tw_close(&t);
}

Test(wasm_datetime, formats)
{
    tw t;
    tw_open(&t, "datetime", NULL, 0);
    dt_case(&t, "format",
            "{\"datetime\":\"2024-02-29T13:05:00.25+05:30\",\"format\":\"%F %T.%L %z %a %b %e %I%p\"}",
            "2024-02-29 13:05:00.250 +0530 Thu Feb 29 01PM", false);
    dt_case(&t, "format", "{\"datetime\":0,\"format\":\"%Y-%m-%dT%H:%M:%S %u %w\"}",
            "1970-01-01T00:00:00 4 4", false);
    dt_case(&t, "format", "{\"datetime\":-1,\"format\":\"%F %T\"}", "1969-12-31 23:59:59", false);
    dt_case(&t, "format",
            "{\"datetime\":\"2024-01-01T00:30:00Z\",\"timezone\":\"-01:00\",\"format\":\"%F %R %Z\"}",
            "2023-12-31 23:30 -01:00", false);
    dt_case(&t, "format", "{\"datetime\":\"2024-01-01\",\"format\":\"%Q\"}",
            "unknown format directive '%Q'", true);
    char *err = tw_fails(&t, "plinth_invoke",
                         "{\"method\":\"tools/call\",\"params\":{\"name\":\"format\","
                         "\"arguments\":{\"datetime\":\"2024-01-01\"}}}");
    cr_assert(strstr(err, "-32602") != NULL, "%s", err);
    free(err);
    tw_close(&t);
}

Test(wasm_datetime, arithmetic)
{
    tw t;
    tw_open(&t, "datetime", NULL, 0);
    dt_case(&t, "add", "{\"datetime\":\"2024-02-28\",\"days\":1}", "2024-02-29T00:00:00Z", false);
    dt_case(&t, "add", "{\"datetime\":\"2023-02-28\",\"days\":1}", "2023-03-01T00:00:00Z", false);
    dt_case(&t, "add", "{\"datetime\":\"2024-03-31T10:00:00-08:00\",\"hours\":-24.5}",
            "2024-03-30T09:30:00-08:00", false);
    dt_case(&t, "add", "{\"datetime\":\"1999-12-31T23:59:59Z\",\"seconds\":1,\"weeks\":1}",
            "2000-01-08T00:00:00Z", false);
    dt_case(&t, "add", "{\"datetime\":\"9999-12-31\",\"days\":1}",
            "the result is outside the years 0000 to 9999", true);
    dt_case(&t, "diff", "{\"from\":\"2024-01-01\",\"to\":\"2024-12-25\"}", "359", false);
    dt_case(&t, "diff", "{\"from\":\"2024-12-25\",\"to\":\"2024-01-01\",\"unit\":\"weeks\"}",
            "-51.285714285714285", false);
    dt_case(&t, "diff",
            "{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-01T12:30:00+02:00\",\"unit\":"
            "\"hours\"}",
            "10.5", false);
    dt_case(&t, "diff", "{\"from\":0,\"to\":90,\"unit\":\"minutes\"}", "1.5", false);
    dt_case(&t, "weekday", "{\"date\":\"2024-02-29\"}", "Thursday", false);
    dt_case(&t, "weekday", "{\"date\":\"0001-01-01\"}", "Monday", false);
    dt_case(&t, "weekday", "{\"date\":\"2000-02-29\"}", "Tuesday", false);
    dt_case(&t, "weekday", "{\"date\":\"1900-02-29\"}",
            "\"date\" is not an ISO 8601 date or datetime: '1900-02-29' (expected YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])",
            true);
    dt_case(&t, "weekday", "{\"date\":\"2024-13-01\"}",
            "\"date\" is not an ISO 8601 date or datetime: '2024-13-01' (expected YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])",
            true);
    tw_close(&t);
}

#endif /* PL_HAVE_EXTISM */
