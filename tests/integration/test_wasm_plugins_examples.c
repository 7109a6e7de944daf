/*
** test_wasm_plugins_examples.c — the example Wasm plugins (plugins/wasm)
** through a host, as a user of the public API sees them:
**   count_vowels  pl_plugin_call, output to the byte, the var across calls,
**                 its config;
**   calculator,   pl_tool_list / pl_tool_call: results, isError for input
**   datetime      the tool cannot use, arguments refused by the inputSchema
**                 before the plugin is called;
**   offline       chat, stream, tool call and result, models, complete and
**                 embed answer exactly what the native offline plugin
**                 (plugins/native/offline.so) answers.
** The providers that need an upstream (anthropic, ollama) are in
** test_wasm_plugins_providers.c.
*/
#include <time.h>

#include "wasm_plugins.h"

TestSuite(wasm_plugins_examples, .fini = wp_cleanup, .timeout = 60);

/* ---- count_vowels ------------------------------------------------------------- */

static pl_host *open_count_vowels(const char *config)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n[limits]\ninstances = 1\n"
                         "[[plugins]]\nname = \"count_vowels\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.config]\n%s\n",
                         WP_EXAMPLE("count_vowels"), config ? config : "");
    wp_ready(h, "count_vowels");
    return h;
}

Test(wasm_plugins_examples, count_vowels_output_is_exact)
{
    pl_host *h = open_count_vowels(NULL);
    wp_expect_output(h, "count_vowels", "count_vowels", "Hello, World!",
                     "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    /* One instance: its var "total" carries over to the next call. */
    wp_expect_output(h, "count_vowels", "count_vowels", "Hello, World!",
                     "{\"count\":3,\"total\":6,\"vowels\":\"aeiouAEIOU\"}");
    wp_expect_output(h, "count_vowels", "count_vowels", "",
                     "{\"count\":0,\"total\":6,\"vowels\":\"aeiouAEIOU\"}");
    /* It offers no tools: a plain Extism plugin. */
    char *tools = NULL;
    cr_assert_eq(pl_tool_list(h, "count_vowels", &tools), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(tools, "[]");
    pl_free(tools);
    pl_host_close(h);
}

Test(wasm_plugins_examples, count_vowels_reads_its_config)
{
    pl_host *h = open_count_vowels("vowels = \"aeiouäöü\"");
    wp_expect_output(h, "count_vowels", "count_vowels", "Ärger über Öl: äöü",
                     "{\"count\":6,\"total\":6,\"vowels\":\"aeiouäöü\"}");
    pl_host_close(h);
}

Test(wasm_plugins_examples, count_vowels_unknown_function)
{
    pl_host *h = open_count_vowels(NULL);
    pl_call *c = wp_call_new();
    char *out;
    pl_status st = wp_pcall(h, "count_vowels", "count_consonants", "x", c, &out);
    /* (pl_plugin_call documents no status for this; the provider path
    ** calls a missing export "unsupported".) */
    cr_assert(st == PL_E_NOT_FOUND || st == PL_E_UNSUPPORTED, "%s: %s", pl_status_str(st),
              pl_call_error_message(c));
    cr_assert_null(out);
    cr_assert_str_eq(pl_call_error_message(c), "plugin 'count_vowels': count_consonants: "
                                               "count_vowels.wasm: function not found: "
                                               "'count_consonants'");
    /* And the plugin still answers. */
    wp_expect_output(h, "count_vowels", "count_vowels", "aaa",
                     "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    pl_call_free(c);
    pl_host_close(h);
}

/* ---- tools ---------------------------------------------------------------------- */

static pl_host *open_tools(void)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n"
                         "[[plugins]]\nname = \"calculator\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[[plugins]]\nname = \"datetime\"\nkind = \"tool\"\npath = \"%s\"\n",
                         WP_EXAMPLE("calculator"), WP_EXAMPLE("datetime"));
    wp_ready(h, "calculator");
    wp_ready(h, "datetime");
    return h;
}

/* A tool call that returns a result: its text and isError. */
static void expect_tool(pl_host *h, const char *plugin, const char *tool, const char *args,
                        const char *text, bool is_error)
{
    pl_call *c = wp_call_new();
    char *out = NULL;
    pl_status st = pl_tool_call(h, plugin, tool, args, c, &out);
    cr_assert_eq(st, PL_OK, "%s %s: %s", tool, args, pl_call_error_message(c));
    json_t *r = wp_json(out);
    json_t *content = json_object_get(r, "content");
    cr_assert_eq(json_array_size(content), 1, "%s", out);
    json_t *first = json_array_get(content, 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "type")), "text", "%s", out);
    cr_assert_str_eq(json_string_value(json_object_get(first, "text")), text, "%s %s", tool, args);
    cr_assert(json_is_boolean(json_object_get(r, "isError")), "%s", out);
    cr_assert_eq(json_is_true(json_object_get(r, "isError")), is_error, "%s", out);
    json_decref(r);
    pl_free(out);
    pl_call_free(c);
}

/* A tool call the host refuses before calling the plugin: PL_E_INVALID_ARG
** with the host's inputSchema message and each of the needles. */
static void expect_refused(pl_host *h, const char *plugin, const char *tool, const char *args,
                           const char *needle1, const char *needle2)
{
    pl_call *c = wp_call_new();
    char *out = (char *)"unset";
    pl_status st = pl_tool_call(h, plugin, tool, args, c, &out);
    const char *m = pl_call_error_message(c);
    cr_assert_eq(st, PL_E_INVALID_ARG, "%s %s: %s: %s", tool, args, pl_status_str(st), m);
    cr_assert_null(out);
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_INVALID_REQUEST, "%s", m);
    char head[256];
    snprintf(head, sizeof head, "plugin '%s': tool '%s': the arguments do not match the tool's "
                                "inputSchema", plugin, tool);
    cr_assert(strncmp(m, head, strlen(head)) == 0, "%s", m);
    cr_assert(wp_has_all(m, needle1, needle2, NULL), "%s", m);
    pl_call_free(c);
}

Test(wasm_plugins_examples, calculator_lists_its_tool)
{
    pl_host *h = open_tools();
    char *out = NULL;
    cr_assert_eq(pl_tool_list(h, "calculator", &out), PL_OK, "%s", pl_host_last_error(h));
    json_t *tools = wp_json(out);
    cr_assert_eq(json_array_size(tools), 1, "%s", out);
    json_t *t = json_array_get(tools, 0);
    cr_assert_str_eq(json_string_value(json_object_get(t, "name")), "calculate");
    cr_assert(json_is_string(json_object_get(t, "description")));
    json_t *schema = json_object_get(t, "inputSchema");
    cr_assert_str_eq(json_string_value(json_object_get(schema, "type")), "object");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(schema, "required"), 0)),
                     "expression");
    json_decref(tools);
    pl_free(out);
    pl_host_close(h);
}

Test(wasm_plugins_examples, calculator_results_and_errors)
{
    pl_host *h = open_tools();
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"(2 + 3) * 4 ^ 0.5 / -2\"}", "-5",
                false);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"-2^2 + 2^-1\"}", "-3.5", false);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"7 % 4 + .5e1\"}", "8", false);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"0.1 + 0.2\"}",
                "0.30000000000000004", false);
    /* What the model must fix comes back as a result with isError. */
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"1/0\"}",
                "division by zero at column 2", true);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"(1 + 2\"}",
                "unbalanced parenthesis at column 1", true);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"\"}", "empty expression", true);
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"10^400\"}", "the result overflows",
                true);
    pl_host_close(h);
}

Test(wasm_plugins_examples, calculator_arguments_checked_before_the_call)
{
    pl_host *h = open_tools();
    expect_refused(h, "calculator", "calculate", "{}", "missing required property 'expression'",
                   "(root)");
    expect_refused(h, "calculator", "calculate", "{\"expression\":42}", "/expression",
                   "expected string");
    expect_refused(h, "calculator", "calculate", "{\"expression\":\"1\",\"precision\":3}",
                   "/precision", "unknown property 'precision'");
    /* Not an object at all, and a tool it does not have. */
    pl_call *c = wp_call_new();
    char *out = NULL;
    cr_assert_eq(pl_tool_call(h, "calculator", "calculate", "[1]", c, &out), PL_E_INVALID_ARG);
    cr_assert_eq(pl_tool_call(h, "calculator", "integrate", "{}", c, &out), PL_E_NOT_FOUND);
    cr_assert_str_eq(pl_call_error_message(c),
                     "plugin 'calculator' has no tool 'integrate' (its tools: calculate)");
    /* The plugin is fine after all that. */
    expect_tool(h, "calculator", "calculate", "{\"expression\":\"6*7\"}", "42", false);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_examples, datetime_tools)
{
    pl_host *h = open_tools();
    char *out = NULL;
    cr_assert_eq(pl_tool_list(h, "datetime", &out), PL_OK, "%s", pl_host_last_error(h));
    json_t *tools = wp_json(out);
    const char *names[] = {"now", "format", "add", "diff", "weekday"};
    cr_assert_eq(json_array_size(tools), 5, "%s", out);
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(json_string_value(json_object_get(json_array_get(tools, i), "name")),
                         names[i]);
    json_decref(tools);
    pl_free(out);

    expect_tool(h, "datetime", "weekday", "{\"date\":\"2024-02-29\"}", "Thursday", false);
    expect_tool(h, "datetime", "weekday", "{\"date\":0}", "Thursday", false);
    expect_tool(h, "datetime", "add", "{\"datetime\":\"2024-02-29T13:05:00Z\",\"days\":1}",
                "2024-03-01T13:05:00Z", false);
    expect_tool(h, "datetime", "add",
                "{\"datetime\":\"2024-03-31T01:30:00+02:00\",\"hours\":-26,\"minutes\":15}",
                "2024-03-29T23:45:00+02:00", false);
    expect_tool(h, "datetime", "diff", "{\"from\":\"2024-01-01\",\"to\":\"2024-03-01\"}", "60",
                false);
    expect_tool(h, "datetime", "diff",
                "{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-01T01:30:00Z\","
                "\"unit\":\"minutes\"}",
                "90", false);
    expect_tool(h, "datetime", "format",
                "{\"datetime\":\"2024-02-29T13:05:00Z\",\"format\":\"%A %d %B %Y, %H:%M\"}",
                "Thursday 29 February 2024, 13:05", false);
    /* What the tool cannot do: a result with isError. */
    expect_tool(h, "datetime", "format", "{\"datetime\":\"2024-02-29\",\"format\":\"%Q\"}",
                "unknown format directive '%Q'", true);
    expect_tool(h, "datetime", "now", "{\"timezone\":\"Europe/Paris\"}",
                "timezone 'Europe/Paris': named time zones are not supported (no tz database in "
                "the sandbox); give an offset such as +02:00",
                true);
    /* And what the schema already refuses, before the call. */
    expect_refused(h, "datetime", "diff", "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\","
                                          "\"unit\":\"years\"}",
                   "/unit", "value must be one of");
    expect_refused(h, "datetime", "weekday", "{}", "missing required property 'date'", "(root)");
    expect_refused(h, "datetime", "add", "{\"datetime\":true}", "/datetime", "expected");
    pl_host_close(h);
}

/* "now" comes from the host's clock through WASI: it is about now. */
Test(wasm_plugins_examples, datetime_now_is_the_hosts_clock)
{
    pl_host *h = open_tools();
    char *out = NULL;
    cr_assert_eq(pl_tool_call(h, "datetime", "now", "{}", NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    json_t *r = wp_json(out);
    const char *text =
        json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
    struct tm tm = {0};
    cr_assert(text && strptime(text, "%Y-%m-%dT%H:%M:%S", &tm), "%s", out);
    long long when = (long long)timegm(&tm), now = (long long)time(NULL);
    cr_assert(when > now - 86400 && when < now + 86400, "now is %lld, the plugin says %s", now,
              text);
    json_decref(r);
    pl_free(out);
    pl_host_close(h);
}

/* ---- offline: the Wasm build answers like the native plugin ---------------------- */

static pl_host *open_offline(void)
{
    pl_host *h = wp_open("[trust]\nallow_unsigned = [\"native\", \"wasm\"]\n"
                         "[[providers]]\nname = \"native\"\npath = \"%s\"\n"
                         "[providers.config]\nmodel = \"echo-1\"\n"
                         "[[providers]]\nname = \"wasm\"\npath = \"%s\"\n"
                         "[providers.config]\nmodel = \"echo-1\"\n",
                         WP_NATIVE("offline"), WP_EXAMPLE("offline"));
    wp_ready(h, "native");
    wp_ready(h, "wasm");
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, "wasm", &pi), PL_OK);
    cr_assert_eq(pi.backend, PL_BACKEND_WASM);
    cr_assert_eq(pl_host_plugin_find(h, "native", &pi), PL_OK);
    cr_assert_eq(pi.backend, PL_BACKEND_NATIVE);
    return h;
}

typedef pl_status (*call_fn)(pl_host *, const char *, const char *, pl_call *, char **);

/* The same request to both: the same status, and the same JSON or error. */
static json_t *same_answer(pl_host *h, call_fn fn, const char *req)
{
    pl_call *cn = wp_call_new(), *cw = wp_call_new();
    char *on = NULL, *ow = NULL;
    pl_status sn = fn(h, "native", req, cn, &on), sw = fn(h, "wasm", req, cw, &ow);
    cr_assert_eq(sw, sn, "native %s (%s), wasm %s (%s) for %s", pl_status_str(sn),
                 pl_call_error_message(cn), pl_status_str(sw), pl_call_error_message(cw), req);
    json_t *v = NULL;
    if (sn == PL_OK) {
        json_t *a = wp_json(on), *b = wp_json(ow);
        cr_assert(json_equal(a, b), "native %s\nwasm   %s", on, ow);
        json_decref(b);
        v = a;
    } else {
        cr_assert_eq(pl_call_error_kind(cw), pl_call_error_kind(cn));
        /* The messages differ only in the provider's configured name. */
        const char *mn = strchr(pl_call_error_message(cn), ':');
        const char *mw = strchr(pl_call_error_message(cw), ':');
        cr_assert(mn && mw, "%s / %s", pl_call_error_message(cn), pl_call_error_message(cw));
        cr_assert_str_eq(mw, mn);
    }
    pl_free(on);
    pl_free(ow);
    pl_call_free(cn);
    pl_call_free(cw);
    return v;
}

static pl_status chat(pl_host *h, const char *p, const char *req, pl_call *c, char **out)
{
    return pl_chat(h, p, req, c, out);
}

static pl_status stream_chat(pl_host *h, const char *p, const char *req, pl_call *c, char **out)
{
    wp_stream s = {0};
    pl_status st = pl_chat_stream(h, p, req, wp_on_chunk, &s, c, NULL);
    if (st == PL_OK) {
        cr_assert_eq(s.done, 1, "%s: one DONE at the end", p);
        *out = json_dumps(s.chunks, JSON_COMPACT);
    }
    json_decref(s.chunks);
    return st;
}

static pl_status complete(pl_host *h, const char *p, const char *req, pl_call *c, char **out)
{
    return pl_complete(h, p, req, c, out);
}

static pl_status embed(pl_host *h, const char *p, const char *req, pl_call *c, char **out)
{
    return pl_embed(h, p, req, c, out);
}

static pl_status models(pl_host *h, const char *p, const char *req, pl_call *c, char **out)
{
    (void)req;
    return pl_list_models(h, p, c, out);
}

#define TEXT(t) "{\"type\":\"text\",\"text\":\"" t "\"}"
#define TOOL "{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"description\":\"Look " \
             "it up\",\"parameters\":{\"type\":\"object\"}}}"

Test(wasm_plugins_examples, offline_chat_like_native)
{
    pl_host *h = open_offline();
    json_t *r = same_answer(h, chat, "{\"messages\":[{\"role\":\"User\",\"content\":["
                                     TEXT("Hello there, plinth") "]}]}");
    cr_assert_str_eq(json_string_value(json_object_get(r, "text")), "You said: Hello there, plinth");
    cr_assert_str_eq(json_string_value(json_object_get(r, "finish_reason")), "Stop");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "usage"), "input_tokens")),
                 3);
    json_decref(r);
    /* A system prompt, an earlier exchange, a per-call model. */
    r = same_answer(h, chat, "{\"system\":\"Be brief.\",\"model\":\"echo-2\",\"messages\":["
                             "{\"role\":\"User\",\"content\":[" TEXT("one") "]},"
                             "{\"role\":\"Assistant\",\"content\":[" TEXT("You said: one") "]},"
                             "{\"role\":\"User\",\"content\":[" TEXT("two words") "]}]}");
    cr_assert_str_eq(json_string_value(json_object_get(r, "text")), "You said: two words");
    json_decref(r);
    /* A model the plugin refuses, and a request that is not one. */
    cr_assert_null(same_answer(h, chat, "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"User\","
                                        "\"content\":[" TEXT("hi") "]}]}"));
    cr_assert_null(same_answer(h, chat, "{\"messages\":42}"));
    pl_host_close(h);
}

Test(wasm_plugins_examples, offline_stream_like_native)
{
    pl_host *h = open_offline();
    json_t *chunks = same_answer(h, stream_chat, "{\"messages\":[{\"role\":\"User\",\"content\":["
                                                 TEXT("stream these four words") "]}]}");
    cr_assert_gt(json_array_size(chunks), 5, "word by word");
    wp_stream s = {chunks, 1};
    char text[256];
    wp_stream_text(&s, text, sizeof text);
    cr_assert_str_eq(text, "You said: stream these four words");
    json_decref(chunks);
    chunks = same_answer(h, stream_chat, "{\"tools\":[" TOOL "],\"messages\":[{\"role\":\"User\","
                                         "\"content\":[" TEXT("please lookup cats") "]}]}");
    cr_assert_not_null(chunks);
    json_decref(chunks);
    pl_host_close(h);
}

Test(wasm_plugins_examples, offline_tool_call_and_result_like_native)
{
    pl_host *h = open_offline();
    json_t *r = same_answer(h, chat, "{\"tools\":[" TOOL "],\"messages\":[{\"role\":\"User\","
                                     "\"content\":[" TEXT("please lookup cats") "]}]}");
    cr_assert_str_eq(json_string_value(json_object_get(r, "finish_reason")), "ToolCalls");
    json_t *call = json_array_get(json_object_get(r, "tool_calls"), 0);
    json_t *fn = json_object_get(call, "function");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "name")), "lookup");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "arguments")),
                     "{\"input\":\"please lookup cats\"}");
    const char *id = json_string_value(json_object_get(call, "id"));
    cr_assert_not_null(id);
    char req[2048];
    snprintf(req, sizeof req,
             "{\"tools\":[" TOOL "],\"messages\":[{\"role\":\"User\",\"content\":["
             TEXT("please lookup cats") "]},{\"role\":\"Assistant\",\"content\":[{\"type\":"
             "\"tool_use\",\"id\":\"%s\",\"name\":\"lookup\",\"arguments\":{\"input\":"
             "\"please lookup cats\"}}]},{\"role\":\"User\",\"content\":[{\"type\":"
             "\"tool_result\",\"id\":\"%s\",\"name\":\"lookup\",\"is_error\":false,"
             "\"content\":[" TEXT("cats sleep a lot") "]}]}]}",
             id, id);
    json_decref(r);
    r = same_answer(h, chat, req);
    cr_assert_str_eq(json_string_value(json_object_get(r, "text")),
                     "The tool said: cats sleep a lot");
    json_decref(r);
    pl_host_close(h);
}

Test(wasm_plugins_examples, offline_models_complete_embed_like_native)
{
    pl_host *h = open_offline();
    json_t *m = same_answer(h, models, NULL);
    json_t *want = wp_json("[\"echo-1\",\"echo-2\"]");
    cr_assert(json_equal(m, want));
    json_decref(want);
    json_decref(m);
    json_t *c = same_answer(h, complete, "{\"prompt\":\"Once upon a time\",\"max_tokens\":8}");
    cr_assert_str_eq(json_string_value(json_object_get(c, "text")),
                     "Once upon a time ... (offline)");
    json_decref(c);
    /* Embeddings: the same float32 vectors (the native plugin writes each
    ** float widened to a double, the Wasm one its shortest float text, so
    ** the JSON numbers differ past float precision). */
    const char *req = "{\"inputs\":[\"first text\",\"second text\",\"\"]}";
    char *en = NULL, *ew = NULL;
    cr_assert_eq(pl_embed(h, "native", req, NULL, &en), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_eq(pl_embed(h, "wasm", req, NULL, &ew), PL_OK, "%s", pl_host_last_error(h));
    json_t *vn = wp_json(en), *vw = wp_json(ew);
    cr_assert_eq(json_array_size(vn), 3, "%s", en);
    cr_assert_eq(json_array_size(vw), 3, "%s", ew);
    for (size_t i = 0; i < 3; i++) {
        json_t *a = json_array_get(vn, i), *b = json_array_get(vw, i);
        cr_assert_eq(json_array_size(a), 8);
        cr_assert_eq(json_array_size(b), 8);
        double norm = 0;
        for (size_t k = 0; k < 8; k++) {
            float fa = (float)json_number_value(json_array_get(a, k));
            float fb = (float)json_number_value(json_array_get(b, k));
            cr_assert(fa == fb, "vector %zu [%zu]: native %.9g, wasm %.9g", i, k, fa, fb);
            norm += (double)fa * fa;
        }
        cr_assert(norm > 0.999 && norm < 1.001, "not a unit vector: %s", ew);
    }
    cr_assert_not(json_equal(json_array_get(vw, 0), json_array_get(vw, 1)));
    json_decref(vn);
    json_decref(vw);
    pl_free(en);
    pl_free(ew);
    cr_assert_null(same_answer(h, embed, "{\"inputs\":[1,2]}"));
    pl_host_close(h);
}
