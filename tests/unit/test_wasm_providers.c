/*
** test_wasm_providers.c — the Wasm Anthropic and Ollama providers' request
** builders and reply parsers on the wire formats of shared/docs/peers.md
** (the recorded streams fed in every split), and the Wasm offline provider
** (QueryMT's older export set: chat, chat_stream through qmt_yield_chunk,
** embed, complete, list_models) against the native one. Through the
** Extism host; no network.
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "pdk_host.h"

#ifdef PL_HAVE_EXTISM

#define PEERS PL_SHARED_DIR "/docs/peers/llm-http/"

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *jp(const char *s)
{
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, s);
    return v;
}

static void assert_json(const json_t *got, const char *want, const char *what)
{
    json_t *w = jp(want);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cr_assert(json_equal(got, w), "%s\ngot  %s\nwant %s", what, g, want);
    free(g);
    json_decref(w);
}

/* A built request: method, uri, headers (object) and body (parsed). */
typedef struct built {
    json_t *all;
    const char *method, *uri;
    json_t *headers, *body;
} built;

static built build(tw *t, const char *fn, const char *req)
{
    char *out = tw_ok(t, fn, req);
    built b = {jp(out), NULL, NULL, NULL, NULL};
    free(out);
    json_t *r = json_object_get(b.all, "req"), *head = json_object_get(r, "head");
    b.method = json_string_value(json_object_get(head, "method"));
    b.uri = json_string_value(json_object_get(head, "uri"));
    b.headers = json_object_get(head, "headers");
    json_t *bytes = json_object_get(r, "body");
    size_t n = json_array_size(bytes);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)json_integer_value(json_array_get(bytes, i));
    s[n] = '\0';
    b.body = n ? jp(s) : NULL;
    free(s);
    return b;
}

static void built_free(built *b)
{
    json_decref(b->all);
    json_decref(b->body);
}

/* {"cfg":cfg,"resp":{"resp":{"head":{status, headers},"body":[bytes]}}} */
static char *resp_input(const char *cfg, int status, const char *hdrs, const char *body)
{
    json_t *bytes = json_array();
    for (const char *p = body; *p; p++)
        json_array_append_new(bytes, json_integer((unsigned char)*p));
    json_t *v = json_pack("{s:o, s:{s:{s:{s:i, s:o, s:s}, s:o}}}", "cfg", jp(cfg), "resp", "resp",
                          "head", "status", status, "headers", jp(hdrs ? hdrs : "{}"), "version",
                          "HTTP/1.1", "body", bytes);
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

static void parse_is(tw *t, const char *fn, int status, const char *hdrs, const char *body,
                     const char *want)
{
    char *in = resp_input("{\"model\":\"m\"}", status, hdrs, body);
    char *out = tw_ok(t, fn, in);
    json_t *v = jp(out);
    assert_json(v, want, fn);
    json_decref(v);
    free(out);
    free(in);
}

/* The payload of a failed call (or of classify_chat_error's output). */
static void payload_is(const char *text, const char *want)
{
    json_t *v = jp(text);
    assert_json(json_object_get(v, "payload"), want, "payload");
    json_decref(v);
}

static void fails_with(tw *t, const char *fn, const char *in, const char *want)
{
    char *err = tw_fails(t, fn, in);
    payload_is(err, want);
    free(err);
}

/* The chunks of a stream fed step bytes at a time, then finished. */
static json_t *stream_chunks(tw *t, const char *body, size_t step)
{
    char *id = tw_ok(t, "chat_stream_parser_start", "{\"model\":\"m\"}");
    json_t *all = json_array();
    size_t len = strlen(body);
    for (size_t i = 0;; i = i + step < len ? i + step : len) {
        bool last = i == len;
        char *text, *out, *err;
        if (last) {
            text = strdup(id);
        } else {
            json_t *bytes = json_array();
            for (size_t j = i; j < i + step && j < len; j++)
                json_array_append_new(bytes, json_integer((unsigned char)body[j]));
            json_t *in = json_pack("{s:I, s:o}", "parser_id", (json_int_t)atoll(id), "chunk", bytes);
            text = json_dumps(in, JSON_COMPACT);
            json_decref(in);
        }
        pl_status st = tw_call(t, last ? "chat_stream_parser_finish" : "chat_stream_parser_parse",
                               text, &out, &err);
        if (st == PL_OK) {
            json_t *arr = jp(out);
            for (size_t k = 0; k < json_array_size(arr); k++) {
                json_t *c = json_array_get(arr, k), *chunk = json_object_get(c, "chunk");
                /* the usage chunk carries its usage beside it too */
                json_t *u = json_object_get(c, "usage");
                cr_assert(json_is_null(u) || json_equal(u, json_object_get(chunk, "usage")));
                json_array_append(all, chunk);
            }
            json_decref(arr);
        } else {
            json_t *e = jp(err);
            json_array_append_new(all, json_pack("{s:O}", "error", json_object_get(e, "payload")));
            json_decref(e);
        }
        free(text);
        free(out);
        free(err);
        if (last || st != PL_OK)
            break;
    }
    free(tw_ok(t, "chat_stream_parser_close", id));
    free(id);
    return all;
}

/* Split sizes: every small one, some primes, and whole events. */
static const size_t steps[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 17, 31, 64, 127, 509};

static void stream_is(tw *t, const char *body, size_t max_step, const char *want)
{
    for (size_t i = 0; i <= sizeof steps / sizeof steps[0]; i++) {
        size_t step = i < sizeof steps / sizeof steps[0] ? steps[i] : max_step;
        if (step > max_step)
            continue;
        json_t *got = stream_chunks(t, body, step);
        char what[64];
        snprintf(what, sizeof what, "chunks (split %zu)", step);
        assert_json(got, want, what);
        json_decref(got);
    }
}

static char *capture_body(const char *file)
{
    char *cap = fh_read_file(file, NULL);
    cr_assert_not_null(cap, "%s", file);
    char *body = strdup(strstr(cap, "\r\n\r\n") + 4);
    free(cap);
    return body;
}

#define USAGE(i, o) "{\"input_tokens\":" #i ",\"output_tokens\":" #o \
                    ",\"reasoning_tokens\":0,\"cache_read\":0,\"cache_write\":0}"
#define U(i, o, cr, cw) "{\"input_tokens\":" #i ",\"output_tokens\":" #o \
                        ",\"reasoning_tokens\":0,\"cache_read\":" #cr ",\"cache_write\":" #cw "}"

/* ---- Anthropic --------------------------------------------------------------------- */

static const char ANT_CHAT[] =
    "{\"cfg\":{\"model\":\"claude-x\",\"api_key\":\"k\",\"system\":[\"A\",\"B\"],\"max_tokens\":100,"
    "\"temperature\":0.5,\"top_k\":5,\"reasoning_budget_tokens\":2048,\"parallel_tool_calls\":false,"
    "\"base_url\":\"http://h:1/\"},"
    "\"messages\":["
    "{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image\","
    "\"data\":[1,2,3]},{\"type\":\"pdf\",\"data\":\"JVBE\"}]},"
    "{\"role\":\"Assistant\",\"content\":[{\"type\":\"thinking\",\"text\":\"hm\",\"signature\":"
    "\"sig\"},{\"type\":\"thinking\",\"text\":\"unsigned\"},{\"type\":\"tool_use\",\"id\":\"t1\","
    "\"name\":\"weather\",\"arguments\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"t2\","
    "\"name\":\"w\",\"arguments\":\"{\\\"a\\\":1}\"}]},"
    "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"t1\",\"name\":\"weather\","
    "\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"sunny\"}]},{\"type\":\"text\","
    "\"text\":\"thanks\"}]},"
    "{\"role\":\"Assistant\",\"content\":[]}],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"description\":\"d\","
    "\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\"}";

Test(wasm_anthropic, chat_request)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    built b = build(&t, "chat_request", ANT_CHAT);
    cr_assert_str_eq(b.method, "POST");
    cr_assert_str_eq(b.uri, "http://h:1/v1/messages");
    assert_json(b.headers, "{\"x-api-key\":\"k\",\"anthropic-version\":\"2023-06-01\","
                           "\"content-type\":\"application/json\",\"accept\":\"application/json\"}",
                "headers");
    assert_json(b.body,
                "{\"model\":\"claude-x\",\"max_tokens\":100,\"system\":\"A\\n\\nB\",\"messages\":["
                "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":"
                "\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":"
                "\"AQID\"}},{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":"
                "\"application/pdf\",\"data\":\"JVBE\"}}]},"
                "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hm\","
                "\"signature\":\"sig\"},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"weather\","
                "\"input\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"w\","
                "\"input\":{\"a\":1}}]},"
                "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
                "\"content\":\"sunny\",\"is_error\":true},{\"type\":\"text\",\"text\":\"thanks\"}]}],"
                "\"tools\":[{\"name\":\"weather\",\"description\":\"d\",\"input_schema\":{\"type\":"
                "\"object\"}}],\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
                "\"temperature\":0.5,\"top_k\":5,\"thinking\":{\"type\":\"enabled\","
                "\"budget_tokens\":2048}}",
                "body");
    built_free(&b);
    b = build(&t, "chat_stream_request",
              "{\"cfg\":{\"model\":\"m\",\"base_url\":\"http://h/v1\",\"anthropic_version\":"
              "\"2026-10-21\"},\"messages\":[{\"role\":\"User\",\"content\":\"yo\"}],\"tools\":"
              "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":"
              "\"function\",\"function\":{\"name\":\"f\"}}}");
    cr_assert_str_eq(b.uri, "http://h/v1/messages");
    assert_json(b.headers, "{\"anthropic-version\":\"2026-10-21\",\"content-type\":"
                           "\"application/json\",\"accept\":\"application/json\"}", "no key");
    assert_json(b.body, "{\"model\":\"m\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\","
                        "\"content\":\"yo\"}],\"tools\":[{\"name\":\"f\",\"input_schema\":"
                        "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"},"
                        "\"stream\":true}", "stream body");
    built_free(&b);
    tw_close(&t);
}

Test(wasm_anthropic, chat_request_errors)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    fails_with(&t, "chat_request", "{\"cfg\":{\"model\":\"m\"},\"messages\":[{\"role\":\"System\","
                                   "\"content\":\"x\"}]}",
               "{\"type\":\"invalid_request\",\"message\":\"message 0 has role 'System'; expected "
               "User or Assistant\"}");
    fails_with(&t, "chat_request", "{\"cfg\":{\"model\":\"m\"},\"messages\":[{\"role\":\"User\","
                                   "\"content\":[{\"type\":\"audio\"}]}]}",
               "{\"type\":\"not_implemented\",\"message\":\"message 0: content type 'audio' is "
               "not supported\"}");
    fails_with(&t, "chat_request", "{\"cfg\":{\"model\":\"m\"},\"messages\":[{\"role\":\"User\","
                                   "\"content\":[{\"type\":\"tool_use\",\"arguments\":\"[1]\"}]}]}",
               "{\"type\":\"invalid_request\",\"message\":\"message 0: tool_use arguments must be "
               "a JSON object\"}");
    fails_with(&t, "chat_request", "{\"cfg\":{\"model\":\"m\",\"temperature\":1.5},\"messages\":[]}",
               "{\"type\":\"invalid_request\",\"message\":\"config 'temperature' is out of range\"}");
    fails_with(&t, "embed_request", "{\"cfg\":{\"model\":\"m\"},\"inputs\":[\"a\"]}",
               "{\"type\":\"not_implemented\",\"message\":\"Anthropic offers no embeddings API\"}");
    fails_with(&t, "complete_request", "{\"cfg\":{\"model\":\"m\"},\"req\":{\"prompt\":\"a\","
                                       "\"suffix\":\"b\"}}",
               "{\"type\":\"not_implemented\",\"message\":\"Anthropic cannot complete with a "
               "suffix\"}");
    tw_close(&t);
}

Test(wasm_anthropic, replies)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    parse_is(&t, "parse_chat_response", 200, NULL,
             "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\","
             "\"content\":[{\"type\":\"text\",\"text\":\"Hello there!\"}],\"stop_reason\":"
             "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}",
             "{\"text\":\"Hello there!\",\"tool_calls\":null,\"thinking\":null,\"usage\":" USAGE(10, 5)
             ",\"finish_reason\":\"Stop\"}");
    parse_is(&t, "parse_chat_response", 200, NULL,
             "{\"type\":\"message\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hm\","
             "\"signature\":\"s\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
             "\"input\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"n\","
             "\"input\":{}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":3,"
             "\"output_tokens\":4,\"cache_read_input_tokens\":2,\"cache_creation_input_tokens\":1}}",
             "{\"text\":null,\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":"
             "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":"
             "\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":\"n\",\"arguments\":\"{}\"}}],"
             "\"thinking\":\"hm\",\"usage\":" U(3, 4, 2, 1) ",\"finish_reason\":\"ToolCalls\"}");
    parse_is(&t, "parse_chat_response", 200, NULL,
             "{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}],"
             "\"stop_reason\":\"max_tokens\"}",
             "{\"text\":\"ab\",\"tool_calls\":null,\"thinking\":null,\"usage\":null,"
             "\"finish_reason\":\"Length\"}");
    parse_is(&t, "parse_list_models_response", 200, NULL,
             "{\"data\":[{\"type\":\"model\",\"id\":\"claude-fake\",\"display_name\":\"Fake\"}],"
             "\"has_more\":false}", "[\"claude-fake\"]");
    parse_is(&t, "parse_complete_response", 200, NULL,
             "{\"content\":[{\"type\":\"text\",\"text\":\"You said: Once\"}],\"stop_reason\":\"end_turn\"}",
             "{\"text\":\"You said: Once\"}");
    char *in = resp_input("{}", 200, NULL, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                                           "\"message\":\"Overloaded\"}}");
    fails_with(&t, "parse_chat_response", in,
               "{\"type\":\"provider_error\",\"message\":\"Overloaded\",\"kind\":"
               "\"server_overloaded\",\"error_type\":\"overloaded_error\"}");
    free(in);
    in = resp_input("{}", 200, NULL, "{\"type\":\"message\"}");
    fails_with(&t, "parse_chat_response", in,
               "{\"type\":\"response_format_error\",\"message\":\"chat response has no \\\"content\\\" "
               "array\",\"raw_response\":\"{\\\"type\\\":\\\"message\\\"}\"}");
    free(in);
    tw_close(&t);
}

Test(wasm_anthropic, other_requests)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    built b = build(&t, "list_models_request", "{\"cfg\":{\"model\":\"m\",\"api_key\":\"k\"}}");
    cr_assert_str_eq(b.method, "GET");
    cr_assert_str_eq(b.uri, "https://api.anthropic.com/v1/models");
    cr_assert_null(b.body);
    built_free(&b);
    b = build(&t, "complete_request", "{\"cfg\":{\"model\":\"m\",\"temperature\":0.2},\"req\":"
                                      "{\"prompt\":\"Once\",\"max_tokens\":9,\"suffix\":null}}");
    assert_json(b.body, "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                        "\"content\":\"Once\"}],\"temperature\":0.2}", "complete body");
    built_free(&b);
    tw_close(&t);
}

Test(wasm_anthropic, errors)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    static const struct {
        int status;
        const char *hdrs, *body, *want;
    } cases[] = {
        {429, "{\"retry-after\":\"3\",\"request-id\":\"req_1\"}",
         "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}",
         "{\"type\":\"provider_error\",\"message\":\"slow down\",\"kind\":\"rate_limited\","
         "\"error_type\":\"rate_limit_error\",\"request_id\":\"req_1\",\"retry_after_secs\":3}"},
        {400, NULL,
         "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
         "\"prompt is too long: 250000 tokens > 200000 maximum\"}}",
         "{\"type\":\"provider_error\",\"message\":\"prompt is too long: 250000 tokens > 200000 "
         "maximum\",\"kind\":\"context_window_exceeded\",\"error_type\":\"invalid_request_error\"}"},
        {401, NULL,
         "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid "
         "x-api-key\"}}",
         "{\"type\":\"provider_error\",\"message\":\"invalid x-api-key\",\"kind\":"
         "\"authentication\",\"error_type\":\"authentication_error\"}"},
        {529, NULL, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"O\"}}",
         "{\"type\":\"provider_error\",\"message\":\"O\",\"kind\":\"server_overloaded\","
         "\"error_type\":\"overloaded_error\"}"},
        {502, NULL, "<html>bad gateway</html>",
         "{\"type\":\"provider_error\",\"message\":\"HTTP 502: <html>bad gateway</html>\","
         "\"kind\":\"unknown_transient\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *in = resp_input("{}", cases[i].status, cases[i].hdrs, cases[i].body);
        char *out = tw_ok(&t, "classify_chat_error", in);
        payload_is(out, cases[i].want);
        free(out);
        free(in);
    }
    tw_close(&t);
}

Test(wasm_anthropic, the_recorded_stream_in_many_splits)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    char *body = capture_body(PEERS "raw-anthropic-stream.txt");
    stream_is(&t, body, 80,
              "[{\"text\":\"Hel\"},{\"text\":\"lo \"},{\"text\":\"there!\"},{\"usage\":" USAGE(10, 5)
              "},{\"done\":{\"finish_reason\":\"Stop\"}}]");
    free(body);
    tw_close(&t);
}

#define EV(name, data) "event: " name "\ndata: " data "\n\n"

Test(wasm_anthropic, tool_thinking_and_error_streams)
{
    tw t;
    tw_open(&t, "anthropic", NULL, 0);
    const char *tool =
        EV("message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
                            "\"output_tokens\":1}}}")
        EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                                  "{\"type\":\"thinking\",\"thinking\":\"\"}}")
        EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                                  "\"thinking_delta\",\"thinking\":\"let me see\"}}")
        EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                                  "\"signature_delta\",\"signature\":\"SIG\"}}")
        EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
        EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                                  "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
                                  "\"input\":{}}}")
        EV("ping", "{\"type\":\"ping\"}")
        EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
                                  "\"input_json_delta\",\"partial_json\":\"{\\\"ci\"}}")
        EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
                                  "\"input_json_delta\",\"partial_json\":\"ty\\\": \\\"Pa\"}}")
        EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
                                  "\"input_json_delta\",\"partial_json\":\"ris\\\"}\"}}")
        EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
        EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                            "\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}")
        EV("message_stop", "{\"type\":\"message_stop\"}");
    stream_is(&t, tool, 31,
              "[{\"thinking\":\"let me see\"},{\"thinking_signature\":\"SIG\"},"
              "{\"tool_use_start\":{\"index\":0,\"id\":\"toolu_1\",\"name\":\"get_weather\"}},"
              "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"{\\\"ci\"}},"
              "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"ty\\\": \\\"Pa\"}},"
              "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"ris\\\"}\"}},"
              "{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":\"toolu_1\",\"type\":"
              "\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
              "\"{\\\"city\\\": \\\"Paris\\\"}\"}}}},"
              "{\"usage\":" USAGE(10, 5) "},{\"done\":{\"finish_reason\":\"ToolCalls\"}}]");
    const char *err = EV("message_start", "{\"type\":\"message_start\",\"message\":{}}")
                      EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                                  "\"message\":\"Overloaded\"}}");
    stream_is(&t, err, 1000,
              "[{\"error\":{\"type\":\"provider_error\",\"message\":\"Overloaded\",\"kind\":"
              "\"server_overloaded\",\"error_type\":\"overloaded_error\"}}]");
    /* Cut before message_stop: finish completes what is open. */
    const char *cut = EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                                                "\"content_block\":{\"type\":\"text\",\"text\":\"A\"}}");
    stream_is(&t, cut, 7, "[{\"text\":\"A\"},{\"done\":{\"finish_reason\":\"Unknown\"}}]");
    tw_close(&t);
}

/* ---- Ollama ------------------------------------------------------------------------- */

Test(wasm_ollama, chat_request)
{
    tw t;
    tw_open(&t, "ollama", NULL, 0);
    built b = build(
        &t, "chat_request",
        "{\"cfg\":{\"model\":\"llama3\",\"system\":\"S\",\"temperature\":0.1,\"max_tokens\":50,"
        "\"num_ctx\":4096,\"keep_alive\":\"5m\",\"think\":true,\"base_url\":\"http://h:11434/\"},"
        "\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
        "{\"type\":\"text\",\"text\":\"there\"},{\"type\":\"image\",\"data\":[1,2,3]}]},"
        "{\"role\":\"Assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c0\",\"name\":\"weather\","
        "\"arguments\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"name\":\"w\",\"arguments\":"
        "\"{\\\"a\\\":1}\"}]},"
        "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"c0\",\"name\":\"weather\","
        "\"is_error\":false,\"content\":[{\"type\":\"text\",\"text\":\"sunny\"}]}]}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{}}}]}");
    cr_assert_str_eq(b.method, "POST");
    cr_assert_str_eq(b.uri, "http://h:11434/api/chat");
    assert_json(b.headers, "{\"content-type\":\"application/json\",\"accept\":\"application/json\"}",
                "headers");
    assert_json(b.body,
                "{\"model\":\"llama3\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                "{\"role\":\"user\",\"content\":\"hi\\nthere\",\"images\":[\"AQID\"]},"
                "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":"
                "\"weather\",\"arguments\":{\"city\":\"Paris\"}}},{\"function\":{\"name\":\"w\","
                "\"arguments\":{\"a\":1}}}]},{\"role\":\"tool\",\"content\":\"sunny\",\"tool_name\":"
                "\"weather\"}],\"stream\":false,\"tools\":[{\"type\":\"function\",\"function\":"
                "{\"name\":\"weather\",\"parameters\":{}}}],\"think\":true,\"options\":"
                "{\"temperature\":0.1,\"num_predict\":50,\"num_ctx\":4096},\"keep_alive\":\"5m\"}",
                "body");
    built_free(&b);
    b = build(&t, "chat_stream_request", "{\"cfg\":{\"model\":\"m\",\"api_key\":\"k\"},"
                                         "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    cr_assert_str_eq(b.uri, "http://localhost:11434/api/chat");
    cr_assert_str_eq(json_string_value(json_object_get(b.headers, "authorization")), "Bearer k");
    assert_json(b.body, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        "\"stream\":true}", "stream body");
    built_free(&b);
    fails_with(&t, "chat_request", "{\"cfg\":{\"model\":\"m\"},\"messages\":[{\"role\":\"User\","
                                   "\"content\":[{\"type\":\"tool_use\",\"arguments\":\"nope\"}]}]}",
               "{\"type\":\"invalid_request\",\"message\":\"message 0: tool_use arguments must be "
               "a JSON object\"}");
    tw_close(&t);
}

Test(wasm_ollama, replies)
{
    tw t;
    tw_open(&t, "ollama", NULL, 0);
    parse_is(&t, "parse_chat_response", 200, NULL,
             "{\"model\":\"m\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{\"role\":"
             "\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
             "\"arguments\":{\"city\":\"Paris\"}}}]},\"done\":true,\"done_reason\":\"stop\","
             "\"total_duration\":1000,\"prompt_eval_count\":5,\"eval_count\":3}",
             "{\"text\":null,\"tool_calls\":[{\"id\":\"call_0\",\"type\":\"function\",\"function\":"
             "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}],"
             "\"thinking\":null,\"usage\":" USAGE(5, 3) ",\"finish_reason\":\"ToolCalls\"}");
    parse_is(&t, "parse_chat_response", 200, NULL,
             "{\"message\":{\"role\":\"assistant\",\"content\":\"Hello there!\",\"thinking\":\"hm\"},"
             "\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":5,\"eval_count\":3}",
             "{\"text\":\"Hello there!\",\"tool_calls\":null,\"thinking\":\"hm\",\"usage\":"
             USAGE(5, 3) ",\"finish_reason\":\"Length\"}");
    parse_is(&t, "parse_list_models_response", 200, NULL,
             "{\"models\":[{\"name\":\"fake:latest\",\"model\":\"fake:latest\"},{\"model\":\"b\"}]}",
             "[\"fake:latest\",\"b\"]");
    parse_is(&t, "parse_embed_response", 200, NULL,
             "{\"model\":\"m\",\"embeddings\":[[0.25,-0.5,1.0],[0.1]]}", "[[0.25,-0.5,1],[0.1]]");
    parse_is(&t, "parse_complete_response", 200, NULL,
             "{\"model\":\"m\",\"response\":\"You said: Once\",\"done\":true}",
             "{\"text\":\"You said: Once\"}");
    char *in = resp_input("{}", 404, NULL, "{\"error\":\"model 'x' not found, try pulling it first\"}");
    char *out = tw_ok(&t, "classify_chat_error", in);
    payload_is(out, "{\"type\":\"provider_error\",\"message\":\"model 'x' not found, try pulling "
                    "it first\",\"kind\":\"invalid_request\"}");
    free(out);
    free(in);
    in = resp_input("{}", 500, "{\"retry-after\":\"1\"}", "");
    out = tw_ok(&t, "classify_chat_error", in);
    payload_is(out, "{\"type\":\"provider_error\",\"message\":\"HTTP 500\",\"kind\":"
                    "\"unknown_transient\",\"retry_after_secs\":1}");
    free(out);
    free(in);
    tw_close(&t);
}

Test(wasm_ollama, other_requests)
{
    tw t;
    tw_open(&t, "ollama", NULL, 0);
    built b = build(&t, "list_models_request", "{\"cfg\":{\"model\":\"m\"}}");
    cr_assert_str_eq(b.method, "GET");
    cr_assert_str_eq(b.uri, "http://localhost:11434/api/tags");
    built_free(&b);
    b = build(&t, "embed_request", "{\"cfg\":{\"model\":\"e\",\"embedding_dimensions\":3},"
                                   "\"inputs\":[\"a\",\"b\"]}");
    cr_assert_str_eq(b.uri, "http://localhost:11434/api/embed");
    assert_json(b.body, "{\"model\":\"e\",\"input\":[\"a\",\"b\"],\"dimensions\":3}", "embed");
    built_free(&b);
    b = build(&t, "complete_request", "{\"cfg\":{\"model\":\"m\",\"temperature\":0.3},\"req\":"
                                      "{\"prompt\":\"Once\",\"suffix\":\"end\",\"max_tokens\":5}}");
    cr_assert_str_eq(b.uri, "http://localhost:11434/api/generate");
    assert_json(b.body, "{\"model\":\"m\",\"prompt\":\"Once\",\"suffix\":\"end\",\"stream\":false,"
                        "\"options\":{\"temperature\":0.3,\"num_predict\":5}}", "generate");
    built_free(&b);
    tw_close(&t);
}

Test(wasm_ollama, streams_in_many_splits)
{
    tw t;
    tw_open(&t, "ollama", NULL, 0);
    char *body = capture_body(PEERS "raw-ollama-stream.txt");
    stream_is(&t, body, 60,
              "[{\"text\":\"Hel\"},{\"text\":\"lo \"},{\"text\":\"there!\"},{\"usage\":" USAGE(5, 3)
              "},{\"done\":{\"finish_reason\":\"Stop\"}}]");
    free(body);
    const char *tool =
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
        "[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]},\"done\":false}\n"
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
        "\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}\n";
    stream_is(&t, tool, 40,
              "[{\"tool_use_start\":{\"index\":0,\"id\":\"call_0\",\"name\":\"get_weather\"}},"
              "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
              "{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":\"call_0\",\"type\":"
              "\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
              "\"{\\\"city\\\":\\\"Paris\\\"}\"}}}},{\"usage\":" USAGE(5, 3) "},"
              "{\"done\":{\"finish_reason\":\"ToolCalls\"}}]");
    const char *err = "{\"message\":{\"content\":\"a\"}}\n{\"error\":\"boom\"}\n";
    stream_is(&t, err, 50,
              "[{\"text\":\"a\"},{\"error\":{\"type\":\"provider_error\",\"message\":\"boom\","
              "\"kind\":\"unknown_transient\"}}]");
    /* Cut before done, and no newline after the last line. */
    stream_is(&t, "{\"message\":{\"content\":\"x\"},\"done\":false}", 9,
              "[{\"text\":\"x\"},{\"done\":{\"finish_reason\":\"Unknown\"}}]");
    tw_close(&t);
}

/* ---- offline: the older export set, against the native plugin ------------------------- */

#define OFFLINE_SO PL_PLUGIN_DIR "/native/offline.so"

/* Remove the keys whose value is null (the native plugin omits them). */
static void drop_nulls(json_t *obj)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v) if (json_is_null(v)) json_object_del(obj, k);
}

static const char *const offline_requests[] = {
    "{\"cfg\":{\"model\":\"echo-2\"},\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":"
    "\"text\",\"text\":\"Hello  plinth,\"},{\"type\":\"text\",\"text\":\"stream me\"}]}]}",
    "{\"cfg\":{},\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":"
    "\"what does weather say about Paris\"}]}],\"tools\":[{\"type\":\"function\",\"function\":"
    "{\"name\":\"calendar\"}},{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}]}",
    "{\"cfg\":{},\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"w\"}]},"
    "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"call_offline_1\","
    "\"is_error\":false,\"content\":[{\"type\":\"text\",\"text\":\"sunny\"},{\"type\":\"text\","
    "\"text\":\"22 C\"}]}]}]}",
    "{\"cfg\":{},\"messages\":[]}",
    "{\"cfg\":{},\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":"
    "\"é ü 😀\"}]}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"ü\"}}]}",
};

Test(wasm_offline, chat_replies_are_the_native_ones)
{
    fh_plugin n;
    char why[512];
    cr_assert_eq(fh_plugin_open(&n, OFFLINE_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_eq(fh_plugin_init(&n, "{}", &s), 0);
    tw t;
    tw_open(&t, "offline", NULL, 0);
    for (size_t i = 0; i < sizeof offline_requests / sizeof offline_requests[0]; i++) {
        fh_sink_free(&s);
        fh_sink_init(&s);
        cr_assert_eq(n.vt->chat(n.instance, offline_requests[i], &s), 0, "%s", s.message);
        char *out = tw_ok(&t, "chat", offline_requests[i]);
        json_t *a = jp(out), *b = jp(s.out);
        drop_nulls(a);
        drop_nulls(b);
        char *want = json_dumps(b, JSON_COMPACT);
        assert_json(a, want, offline_requests[i]);
        free(want);
        json_decref(a);
        json_decref(b);
        free(out);
    }
    fh_sink_free(&s);
    fh_plugin_close(&n);
    tw_close(&t);
}

Test(wasm_offline, streams_are_the_native_ones)
{
    fh_plugin n;
    char why[512];
    cr_assert_eq(fh_plugin_open(&n, OFFLINE_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_eq(fh_plugin_init(&n, "{}", &s), 0);
    tw t;
    tw_open(&t, "offline", NULL, 0);
    for (size_t i = 0; i < sizeof offline_requests / sizeof offline_requests[0]; i++) {
        /* The native plugin streams when the host sets cfg.stream. */
        json_t *req = jp(offline_requests[i]);
        json_object_set_new(json_object_get(req, "cfg"), "stream", json_true());
        char *text = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        fh_sink_free(&s);
        fh_sink_init(&s);
        cr_assert_eq(n.vt->chat(n.instance, text, &s), 0, "%s", s.message);
        tw_drop_chunks(&t);
        char *out = tw_ok(&t, "chat_stream", offline_requests[i]);
        cr_assert_str_eq(out, "", "chat_stream has no output");
        free(out);
        cr_assert_eq(t.n_chunks, s.n_chunks, "%zu chunks, native %zu", t.n_chunks, s.n_chunks);
        for (size_t k = 0; k < s.n_chunks; k++) {
            json_t *c = jp(t.chunks[k]);
            assert_json(json_object_get(c, "chunk"), s.chunks[k], "chunk");
            json_decref(c);
        }
        free(text);
    }
    fh_sink_free(&s);
    fh_plugin_close(&n);
    tw_close(&t);
}

Test(wasm_offline, the_other_exports)
{
    fh_plugin n;
    char why[512];
    cr_assert_eq(fh_plugin_open(&n, OFFLINE_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_eq(fh_plugin_init(&n, "{}", &s), 0);
    tw t;
    tw_open(&t, "offline", NULL, 0);
    const char *embed = "{\"cfg\":{},\"inputs\":[\"a\",\"\",\"plinth\"]}";
    cr_assert_eq(n.vt->embed(n.instance, embed, &s), 0);
    char *out = tw_ok(&t, "embed", embed);
    json_t *a = jp(out), *b = jp(s.out);
    cr_assert_eq(json_array_size(a), 3);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 8; j++) {
            double x = json_number_value(json_array_get(json_array_get(a, i), j));
            double y = json_number_value(json_array_get(json_array_get(b, i), j));
            cr_assert((float)x == (float)y, "[%zu][%zu] %.9g vs %.9g", i, j, x, y);
        }
    json_decref(a);
    json_decref(b);
    free(out);
    out = tw_ok(&t, "complete", "{\"cfg\":{},\"req\":{\"prompt\":\"Once upon\"}}");
    cr_assert_str_eq(out, "{\"text\":\"Once upon ... (offline)\"}");
    free(out);
    out = tw_ok(&t, "list_models", "{}");
    cr_assert_str_eq(out, "[\"echo-1\",\"echo-2\"]");
    free(out);
    out = tw_ok(&t, "supports_streaming", "{}");
    cr_assert_str_eq(out, "true");
    free(out);
    fails_with(&t, "chat", "{\"cfg\":{\"model\":\"echo-3\"},\"messages\":[]}",
               "{\"type\":\"invalid_request\",\"message\":\"config 'model' must be \\\"echo-1\\\" "
               "or \\\"echo-2\\\"\"}");
    fails_with(&t, "chat_stream", "{\"cfg\":{\"delay_ms\":-1},\"messages\":[]}",
               "{\"type\":\"invalid_request\",\"message\":\"config 'delay_ms' must be an integer "
               "from 0 to 60000\"}");
    fails_with(&t, "embed", "{\"cfg\":{},\"inputs\":[1]}",
               "{\"type\":\"invalid_request\",\"message\":\"the embedding request needs an "
               "\\\"inputs\\\" array of strings\"}");
    out = tw_ok(&t, "name", NULL);
    cr_assert_str_eq(out, "offline");
    free(out);
    out = tw_ok(&t, "api_key_name", NULL);
    cr_assert_str_eq(out, "");
    free(out);
    fh_sink_free(&s);
    fh_plugin_close(&n);
    tw_close(&t);
}

#else
Test(wasm_providers, skipped_without_the_extism_host) {}
#endif
