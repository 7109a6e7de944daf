/*
** test_plugin_offline.c — the deterministic offline provider
** (plugins/native/offline), loaded from the build and driven through its
** direct members by the fake host.
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_host.h"

#define OFFLINE_SO PL_PLUGIN_DIR "/native/offline.so"

static fh_plugin P;
static pl_plugin_sink S;

static void load(const char *config)
{
    char why[512];
    cr_assert_eq(fh_plugin_open(&P, OFFLINE_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink err;
    fh_sink_init(&err);
    int rc = fh_plugin_init(&P, config, &err);
    cr_assert_eq(rc, 0, "init: %s", err.message ? err.message : "?");
    fh_sink_free(&err);
}

static void setup(void)
{
    fh_sink_init(&S);
    load("{\"model\":\"echo-1\"}");
}

static void teardown(void)
{
    fh_plugin_close(&P);
    fh_sink_free(&S);
}

TestSuite(offline_plugin, .init = setup, .fini = teardown);

static json_t *parse(const char *text)
{
    json_error_t je;
    cr_assert_not_null(text);
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, text);
    return v;
}

static void assert_json(const json_t *got, const char *want)
{
    json_t *w = parse(want);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cr_assert(json_equal(got, w), "got %s\nwant %s", g, want);
    free(g);
    json_decref(w);
}

static void assert_chunk(size_t i, const char *want)
{
    cr_assert_lt(i, S.n_chunks, "only %zu chunks", S.n_chunks);
    json_t *c = parse(S.chunks[i]);
    assert_json(c, want);
    json_decref(c);
}

/* A request with one user message, optional cfg members and tools. */
static char *user_request(const char *text, const char *cfg, const char *tools)
{
    json_t *req = json_pack("{s:o,s:[{s:s,s:[{s:s,s:s}]}],s:o}", "cfg",
                            parse(cfg ? cfg : "{}"), "messages", "role", "User", "content",
                            "type", "text", "text", text, "tools",
                            tools ? parse(tools) : json_null());
    cr_assert_not_null(req);
    char *s = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return s;
}

static int chat(const char *req)
{
    return P.vt->chat(P.instance, req, &S);
}

static const char weather_tool[] =
    "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"w\","
    "\"parameters\":{\"type\":\"object\"}}}]";

Test(offline_plugin, vtable_identity)
{
    const pl_plugin_vtable *vt = P.vt;
    cr_assert_str_eq(vt->name, "offline");
    cr_assert_str_eq(vt->id, "dev.plinth.offline");
    cr_assert_eq(vt->kind, PL_PLUGIN_KIND_PROVIDER);
    cr_assert_eq(vt->wire_version, PL_PLUGIN_WIRE_VERSION);
    cr_assert_null(vt->api_key_name);
    cr_assert_null(vt->default_base_url);
    cr_assert_null(vt->chat_request, "direct provider: no sans-IO members");
    cr_assert_not_null(vt->chat);
    json_t *schema = parse(vt->config_schema);
    assert_json(json_object_get(json_object_get(json_object_get(schema, "properties"), "model"),
                                "enum"),
                "[\"echo-1\",\"echo-2\"]");
    json_decref(schema);
    cr_assert_eq(vt->list_models(P.instance, "{\"cfg\":{}}", &S), 0);
    cr_assert_str_eq(S.out, "[\"echo-1\",\"echo-2\"]");
}

Test(offline_plugin, init_rejects_bad_config)
{
    static const char *const bad[] = {"{\"model\":\"echo-3\"}", "{\"delay_ms\":-1}",
                                      "{\"delay_ms\":\"slow\"}", "{\"system\":5}", "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_plugin_sink err;
        fh_sink_init(&err);
        void *inst = NULL;
        cr_assert_neq(P.vt->init(fh_api(), bad[i], &inst, &err), 0, "accepted %s", bad[i]);
        cr_assert_eq(err.kind, PL_PLUGIN_ERR_CONFIG, "%s", bad[i]);
        fh_sink_free(&err);
    }
}

Test(offline_plugin, chat_is_deterministic)
{
    char *req = user_request("hello there", NULL, NULL);
    cr_assert_eq(chat(req), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "{\"text\":\"You said: hello there\",\"tool_calls\":null,\"thinking\":null,"
                     "\"usage\":{\"input_tokens\":2,\"output_tokens\":4,\"reasoning_tokens\":0,"
                     "\"cache_read\":0,\"cache_write\":0},\"finish_reason\":\"Stop\"}");
    char *first = strdup(S.out);
    fh_sink_free(&S);
    cr_assert_eq(chat(req), 0);
    cr_assert_str_eq(S.out, first, "same request, same bytes");
    free(first);
    json_decref(out);
    free(req);
}

Test(offline_plugin, chat_streams_word_by_word)
{
    char *req = user_request("hello there", "{\"stream\":true}", NULL);
    cr_assert_eq(chat(req), 0, "%s", S.message);
    free(req);
    cr_assert_null(S.out, "a stream writes no response body");
    cr_assert_eq(S.n_chunks, 6, "%zu chunks", S.n_chunks);
    assert_chunk(0, "{\"text\":\"You \"}");
    assert_chunk(1, "{\"text\":\"said: \"}");
    assert_chunk(2, "{\"text\":\"hello \"}");
    assert_chunk(3, "{\"text\":\"there\"}");
    assert_chunk(4, "{\"usage\":{\"input_tokens\":2,\"output_tokens\":4,\"reasoning_tokens\":0,"
                    "\"cache_read\":0,\"cache_write\":0}}");
    assert_chunk(5, "{\"done\":{\"finish_reason\":\"Stop\"}}");
}

Test(offline_plugin, chat_calls_a_mentioned_tool)
{
    char *req = user_request("use get_weather for Paris", NULL, weather_tool);
    cr_assert_eq(chat(req), 0, "%s", S.message);
    free(req);
    json_t *out = parse(S.out);
    cr_assert(json_is_null(json_object_get(out, "text")));
    cr_assert_str_eq(json_string_value(json_object_get(out, "finish_reason")), "ToolCalls");
    assert_json(json_object_get(out, "tool_calls"),
                "[{\"id\":\"call_offline_1\",\"type\":\"function\",\"function\":{\"name\":"
                "\"get_weather\",\"arguments\":\"{\\\"input\\\":\\\"use get_weather for "
                "Paris\\\"}\"}}]");
    json_decref(out);
}

Test(offline_plugin, chat_ignores_tools_not_mentioned)
{
    char *req = user_request("hello", NULL, weather_tool);
    cr_assert_eq(chat(req), 0, "%s", S.message);
    free(req);
    json_t *out = parse(S.out);
    cr_assert_str_eq(json_string_value(json_object_get(out, "text")), "You said: hello");
    json_decref(out);
}

Test(offline_plugin, chat_streams_a_tool_call)
{
    char *req = user_request("call get_weather, café", "{\"stream\":true}", weather_tool);
    cr_assert_eq(chat(req), 0, "%s", S.message);
    free(req);
    cr_assert_eq(S.n_chunks, 6, "%zu chunks", S.n_chunks);
    assert_chunk(0, "{\"tool_use_start\":{\"index\":0,\"id\":\"call_offline_1\","
                    "\"name\":\"get_weather\"}}");
    /* the two argument pieces join to the complete call's arguments */
    char joined[256] = "";
    for (size_t i = 1; i <= 2; i++) {
        json_t *c = parse(S.chunks[i]);
        const json_t *d = json_object_get(c, "tool_use_input_delta");
        cr_assert_eq(json_integer_value(json_object_get(d, "index")), 0);
        strncat(joined, json_string_value(json_object_get(d, "partial_json")),
                sizeof joined - strlen(joined) - 1);
        json_decref(c);
    }
    cr_assert_str_eq(joined, "{\"input\":\"call get_weather, café\"}");
    assert_chunk(3, "{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":"
                    "\"call_offline_1\",\"type\":\"function\",\"function\":{\"name\":"
                    "\"get_weather\",\"arguments\":\"{\\\"input\\\":\\\"call get_weather, "
                    "café\\\"}\"}}}}");
    assert_chunk(5, "{\"done\":{\"finish_reason\":\"ToolCalls\"}}");
}

Test(offline_plugin, chat_answers_a_tool_result)
{
    const char *req =
        "{\"cfg\":{},\"messages\":["
        "{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"get_weather?\"}]},"
        "{\"role\":\"Assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c1\","
        "\"name\":\"get_weather\",\"arguments\":{}}]},"
        "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"c1\","
        "\"is_error\":false,\"content\":[{\"type\":\"text\",\"text\":\"22 C and sunny\"}]}]}],"
        "\"tools\":null}";
    cr_assert_eq(chat(req), 0, "%s", S.message);
    json_t *out = parse(S.out);
    cr_assert_str_eq(json_string_value(json_object_get(out, "text")),
                     "The tool said: 22 C and sunny");
    cr_assert_str_eq(json_string_value(json_object_get(out, "finish_reason")), "Stop");
    /* words: "get_weather?" + "22 C and sunny" */
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(out, "usage"),
                                                    "input_tokens")),
                 5);
    json_decref(out);
}

Test(offline_plugin, cancelled_before_start)
{
    char *req = user_request("hello there", "{\"stream\":true}", NULL);
    S.cancel = 1;
    cr_assert_neq(chat(req), 0);
    free(req);
    cr_assert_eq(S.n_chunks, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_CANCELLED);
}

Test(offline_plugin, refused_chunk_stops_the_stream)
{
    char *req = user_request("one two three four five", "{\"stream\":true}", NULL);
    S.max_chunks = 2;
    cr_assert_neq(chat(req), 0);
    free(req);
    cr_assert_eq(S.n_chunks, 2, "%zu chunks", S.n_chunks);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

Test(offline_plugin, cancel_during_delay_is_prompt)
{
    /* 1 s between words; the cancel arrives on the fifth poll, inside the
    ** first pause, so the call must end long before a second word. */
    char *req = user_request("one two three", "{\"stream\":true,\"delay_ms\":1000}", NULL);
    S.cancel_after_polls = 5;
    double t0 = now_ms();
    cr_assert_neq(chat(req), 0);
    double took = now_ms() - t0;
    free(req);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_CANCELLED);
    cr_assert_eq(S.n_chunks, 1, "%zu chunks", S.n_chunks);
    cr_assert_lt(took, 500.0, "took %.0f ms", took);
}

Test(offline_plugin, delay_paces_the_stream)
{
    char *req = user_request("a b c", "{\"stream\":true,\"delay_ms\":20}", NULL);
    double t0 = now_ms();
    cr_assert_eq(chat(req), 0, "%s", S.message);
    free(req);
    /* "You said: a b c" is 5 words: 4 pauses */
    cr_assert_geq(now_ms() - t0, 80.0);
    cr_assert_eq(S.n_chunks, 7);
}

Test(offline_plugin, complete)
{
    cr_assert_eq(P.vt->complete(P.instance, "{\"cfg\":{},\"req\":{\"prompt\":\"Once upon\"}}", &S),
                 0, "%s", S.message);
    cr_assert_str_eq(S.out, "{\"text\":\"Once upon ... (offline)\"}");
}

Test(offline_plugin, embeddings_are_deterministic_unit_vectors)
{
    const char *req = "{\"cfg\":{},\"inputs\":[\"alpha\",\"beta\",\"alpha\",\"\"]}";
    cr_assert_eq(P.vt->embed(P.instance, req, &S), 0, "%s", S.message);
    json_t *out = parse(S.out);
    cr_assert_eq(json_array_size(out), 4);
    for (size_t i = 0; i < 4; i++) {
        const json_t *v = json_array_get(out, i);
        cr_assert_eq(json_array_size(v), 8);
        double norm = 0;
        for (size_t j = 0; j < 8; j++) {
            double x = json_number_value(json_array_get(v, j));
            norm += x * x;
        }
        cr_assert_float_eq(sqrt(norm), 1.0, 1e-5, "vector %zu has length %f", i, sqrt(norm));
    }
    cr_assert(json_equal(json_array_get(out, 0), json_array_get(out, 2)), "same text, same vector");
    cr_assert_not(json_equal(json_array_get(out, 0), json_array_get(out, 1)));
    char *first = strdup(S.out);
    fh_sink_free(&S);
    cr_assert_eq(P.vt->embed(P.instance, req, &S), 0);
    cr_assert_str_eq(S.out, first);
    free(first);
    json_decref(out);
}

Test(offline_plugin, bad_requests)
{
    static const char *const bad[] = {
        "not json",
        "{\"cfg\":{\"model\":\"gpt-4\"},\"messages\":[]}",
        "{\"cfg\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fh_sink_free(&S);
        cr_assert_neq(chat(bad[i]), 0, "%s", bad[i]);
        cr_assert_eq(S.kind, PL_PLUGIN_ERR_INVALID_REQUEST, "%s: %s", bad[i], S.message);
    }
    fh_sink_free(&S);
    cr_assert_neq(P.vt->embed(P.instance, "{\"inputs\":[1]}", &S), 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_INVALID_REQUEST);
}
