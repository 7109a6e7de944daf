/*
** test_plugin_openai.c — the OpenAI provider plugin (plugins/native/openai),
** loaded from the build with dlopen and driven through its vtable by the
** fake host: the requests it builds against the OpenAI wire format
** recorded from the official SDK (shared/docs/peers.md §2), the replies it
** parses, the recorded tool-call stream, and error classification.
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

#define OPENAI_SO PL_PLUGIN_DIR "/native/openai.so"
#define STREAM_FILE PL_SHARED_DIR "/docs/peers/llm-http/raw-openai-toolcall-stream.txt"

static fh_plugin P;
static pl_plugin_sink S;
static pl_plugin_http_out R;

static void load(const char *config)
{
    char why[512];
    cr_assert_eq(fh_plugin_open(&P, OPENAI_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink err;
    fh_sink_init(&err);
    int rc = fh_plugin_init(&P, config, &err);
    cr_assert_eq(rc, 0, "init: %s", err.message ? err.message : "?");
    fh_sink_free(&err);
}

static void setup(void)
{
    fh_sink_init(&S);
    fh_req_init(&R);
    load("{\"model\":\"gpt-4o-mini\",\"api_key\":\"sk-test\","
         "\"base_url\":\"http://127.0.0.1:9/v1/\"}");
}

static void teardown(void)
{
    fh_plugin_close(&P);
    fh_sink_free(&S);
    fh_req_free(&R);
}

TestSuite(openai_plugin, .init = setup, .fini = teardown);

static json_t *parse(const char *text)
{
    json_error_t je;
    cr_assert_not_null(text);
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, text);
    return v;
}

/* Does JSON text a equal JSON text b? */
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

static json_t *request_body(void)
{
    cr_assert_not_null(R.body, "no body");
    return parse(R.body);
}

/* ---- identity ------------------------------------------------------------ */

Test(openai_plugin, vtable_identity)
{
    const pl_plugin_vtable *vt = P.vt;
    cr_assert_eq(vt->abi_major, PL_PLUGIN_ABI_MAJOR);
    cr_assert_eq(vt->struct_size, sizeof(pl_plugin_vtable));
    cr_assert_str_eq(vt->name, "openai");
    cr_assert_str_eq(vt->version, "0.1.0");
    cr_assert_str_eq(vt->id, "dev.plinth.openai");
    cr_assert_str_eq(vt->requires_version, ">=0.1.0, <1.0.0");
    cr_assert_eq(vt->kind, PL_PLUGIN_KIND_PROVIDER);
    cr_assert_eq(vt->wire_version, PL_PLUGIN_WIRE_VERSION);
    cr_assert_str_eq(vt->api_key_name, "OPENAI_API_KEY");
    cr_assert_str_eq(vt->default_base_url, "https://api.openai.com/v1");
    cr_assert_eq(vt->stream_framing, PL_PLUGIN_FRAMING_SSE);
    cr_assert_null(vt->chat, "sans-IO: no direct members");
    json_t *schema = parse(vt->config_schema);
    cr_assert_str_eq(json_string_value(json_object_get(schema, "$schema")),
                     "http://json-schema.org/draft-07/schema#");
    assert_json(json_object_get(schema, "required"), "[\"model\"]");
    cr_assert(json_is_false(json_object_get(schema, "additionalProperties")));
    cr_assert_not_null(json_object_get(json_object_get(schema, "properties"), "base_url"));
    json_decref(schema);
}

Test(openai_plugin, init_rejects_bad_config)
{
    static const char *const bad[] = {
        "{\"api_key\":\"k\"}",                         /* no model */
        "{\"model\":\"m\",\"temperature\":\"warm\"}",  /* wrong type */
        "{\"model\":\"m\",\"temperature\":3}",         /* out of range */
        "{\"model\":\"m\",\"system\":[\"a\",1]}",      /* not all strings */
        "{\"model\":",                                 /* not JSON */
        "[]",                                          /* not an object */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_plugin_sink err;
        fh_sink_init(&err);
        void *inst = NULL;
        cr_assert_neq(P.vt->init(fh_api(), bad[i], &inst, &err), 0, "accepted %s", bad[i]);
        cr_assert(err.failed);
        cr_assert_eq(err.kind, PL_PLUGIN_ERR_CONFIG, "%s: kind %u", bad[i], err.kind);
        /* It says what is wrong with the config; the host names the plugin. */
        cr_assert(strncmp(err.message, "config ", 7) == 0, "%s", err.message);
        fh_sink_free(&err);
    }
}

/* ---- chat requests ------------------------------------------------------- */

static const char conversation[] =
    "{\"cfg\":{\"system\":[\"Be brief.\",\"Use metric units.\"],\"temperature\":0.2,"
    "\"max_tokens\":50,\"top_p\":0.9},"
    "\"messages\":["
    "{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"Weather in Paris?\"}]},"
    "{\"role\":\"Assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Let me check.\"},"
    "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"get_weather\","
    "\"arguments\":{\"city\":\"Paris\"}}]},"
    "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"call_1\","
    "\"name\":\"get_weather\",\"is_error\":false,"
    "\"content\":[{\"type\":\"text\",\"text\":\"sunny, 21 C\"}]}]},"
    "{\"role\":\"User\",\"content\":[{\"type\":\"image\",\"mime_type\":\"image/png\","
    "\"data\":[1,2,3]},{\"type\":\"text\",\"text\":\"And this?\"}]}],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
    "\"description\":\"Weather now\",\"parameters\":{\"type\":\"object\","
    "\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
    "\"tool_choice\":\"auto\"}";

Test(openai_plugin, chat_request_wire_format)
{
    cr_assert_eq(P.vt->chat_request(P.instance, conversation, &R, &S), 0, "%s", S.message);
    cr_assert_str_eq(R.method, "POST");
    cr_assert_str_eq(R.url, "http://127.0.0.1:9/v1/chat/completions");
    cr_assert_str_eq(fh_req_header(&R, "authorization"), "Bearer sk-test");
    cr_assert_str_eq(fh_req_header(&R, "content-type"), "application/json");
    cr_assert_str_eq(fh_req_header(&R, "accept"), "application/json");
    cr_assert_eq(fh_req_header_count(&R, "authorization"), 1);

    json_t *b = request_body();
    cr_assert_str_eq(json_string_value(json_object_get(b, "model")), "gpt-4o-mini");
    json_t *m = json_object_get(b, "messages");
    cr_assert_eq(json_array_size(m), 5, "%zu messages", json_array_size(m));
    assert_json(json_array_get(m, 0),
                "{\"role\":\"system\",\"content\":\"Be brief.\\n\\nUse metric units.\"}");
    assert_json(json_array_get(m, 1), "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}");
    assert_json(json_array_get(m, 2),
                "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":[{"
                "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}");
    assert_json(json_array_get(m, 3),
                "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny, 21 C\"}");
    assert_json(json_array_get(m, 4),
                "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":"
                "{\"url\":\"data:image/png;base64,AQID\"}},{\"type\":\"text\",\"text\":"
                "\"And this?\"}]}");
    assert_json(json_object_get(b, "tools"),
                "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                "\"description\":\"Weather now\",\"parameters\":{\"type\":\"object\","
                "\"properties\":{\"city\":{\"type\":\"string\"}}}}}]");
    cr_assert_str_eq(json_string_value(json_object_get(b, "tool_choice")), "auto");
    cr_assert_float_eq(json_real_value(json_object_get(b, "temperature")), 0.2, 1e-9);
    cr_assert_float_eq(json_real_value(json_object_get(b, "top_p")), 0.9, 1e-9);
    cr_assert_eq(json_integer_value(json_object_get(b, "max_tokens")), 50);
    cr_assert_null(json_object_get(b, "stream"));
    cr_assert_null(json_object_get(b, "stream_options"));
    json_decref(b);
}

Test(openai_plugin, chat_request_stream_and_overrides)
{
    fh_plugin_close(&P);
    load("{\"model\":\"gpt-4o-mini\",\"temperature\":0.5}"); /* no key, default URL */
    const char *req = "{\"cfg\":{\"model\":\"gpt-4.1\",\"stream\":true,\"temperature\":1},"
                      "\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}],"
                      "\"tools\":null}";
    cr_assert_eq(P.vt->chat_request(P.instance, req, &R, &S), 0, "%s", S.message);
    cr_assert_str_eq(R.url, "https://api.openai.com/v1/chat/completions");
    cr_assert_null(fh_req_header(&R, "authorization"), "no key, no header");
    json_t *b = request_body();
    cr_assert_str_eq(json_string_value(json_object_get(b, "model")), "gpt-4.1");
    cr_assert_eq(json_number_value(json_object_get(b, "temperature")), 1.0);
    cr_assert(json_is_true(json_object_get(b, "stream")));
    assert_json(json_object_get(b, "stream_options"), "{\"include_usage\":true}");
    assert_json(json_object_get(b, "messages"),
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                "{\"type\":\"text\",\"text\":\"b\"}]}]");
    cr_assert_null(json_object_get(b, "tools"));
    cr_assert_null(json_object_get(b, "tool_choice"), "no tool_choice without tools");
    json_decref(b);
}

Test(openai_plugin, chat_request_tool_choice_forms)
{
    static const char *const forms[][2] = {
        {"\"required\"", "\"required\""},
        {"\"none\"", "\"none\""},
        {"\"Any\"", "\"required\""},
        {"{\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
         "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "{\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":"
                 "{\"name\":\"f\",\"parameters\":{}}}],\"tool_choice\":%s}",
                 forms[i][0]);
        fh_req_free(&R);
        cr_assert_eq(P.vt->chat_request(P.instance, req, &R, &S), 0, "%s", S.message);
        json_t *b = request_body();
        assert_json(json_object_get(b, "tool_choice"), forms[i][1]);
        json_decref(b);
    }
}

Test(openai_plugin, chat_request_refuses_bad_requests)
{
    static const struct {
        const char *req;
        uint32_t kind;
    } bad[] = {
        {"{\"messages\":[{\"role\":\"Robot\",\"content\":[]}]}", PL_PLUGIN_ERR_INVALID_REQUEST},
        {"{\"cfg\":{\"temperature\":\"hot\"},\"messages\":[]}", PL_PLUGIN_ERR_INVALID_REQUEST},
        {"{\"cfg\":{\"model\":\"\"},\"messages\":[]}", PL_PLUGIN_ERR_INVALID_REQUEST},
        {"{\"cfg\":{}}", PL_PLUGIN_ERR_INVALID_REQUEST},
        {"not json", PL_PLUGIN_ERR_INVALID_REQUEST},
        {"{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"pdf\",\"data\":[]}]}]}",
         PL_PLUGIN_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_plugin_sink err;
        fh_sink_init(&err);
        cr_assert_neq(P.vt->chat_request(P.instance, bad[i].req, &R, &err), 0, "%s",
                      bad[i].req);
        cr_assert_eq(err.kind, bad[i].kind, "%s: kind %u (%s)", bad[i].req, err.kind,
                     err.message);
        fh_sink_free(&err);
        fh_req_free(&R);
    }
}

/* ---- chat replies -------------------------------------------------------- */

static int parse_with(int (*fn)(void *, const pl_plugin_http_response *, pl_plugin_sink *),
                      int status, const char *body)
{
    fh_response fr;
    fh_response_init(&fr, status, body, NULL, NULL, 0);
    int rc = fn(P.instance, &fr.r, &S);
    fh_response_free(&fr);
    return rc;
}

Test(openai_plugin, parse_chat_text)
{
    const char *body =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi "
        "there\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
        "\"completion_tokens\":3,\"total_tokens\":12,\"prompt_tokens_details\":"
        "{\"cached_tokens\":4},\"completion_tokens_details\":{\"reasoning_tokens\":1}}}";
    cr_assert_eq(parse_with(P.vt->parse_chat, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "{\"text\":\"Hi there\",\"tool_calls\":null,\"thinking\":null,"
                     "\"usage\":{\"input_tokens\":9,\"output_tokens\":3,\"reasoning_tokens\":1,"
                     "\"cache_read\":4,\"cache_write\":0},\"finish_reason\":\"Stop\"}");
    json_decref(out);
}

Test(openai_plugin, parse_chat_tool_calls)
{
    const char *body =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
        "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
        "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_2\","
        "\"type\":\"function\",\"function\":{\"name\":\"now\",\"arguments\":\"\"}}]},"
        "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":5,"
        "\"completion_tokens\":7}}";
    cr_assert_eq(parse_with(P.vt->parse_chat, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out,
                "{\"text\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                "\"function\":{\"name\":\"get_weather\",\"arguments\":"
                "\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_2\",\"type\":\"function\","
                "\"function\":{\"name\":\"now\",\"arguments\":\"{}\"}}],\"thinking\":null,"
                "\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"reasoning_tokens\":0,"
                "\"cache_read\":0,\"cache_write\":0},\"finish_reason\":\"ToolCalls\"}");
    json_decref(out);
}

Test(openai_plugin, parse_chat_finish_reasons)
{
    static const char *const map[][2] = {
        {"\"length\"", "Length"}, {"\"content_filter\"", "ContentFilter"},
        {"\"weird\"", "Other"},   {"null", "Unknown"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":%s}]}",
                 map[i][0]);
        fh_sink_free(&S);
        cr_assert_eq(parse_with(P.vt->parse_chat, 200, body), 0, "%s", S.message);
        json_t *out = parse(S.out);
        cr_assert_str_eq(json_string_value(json_object_get(out, "finish_reason")), map[i][1]);
        cr_assert(json_is_null(json_object_get(out, "usage")), "no usage sent, none made up");
        json_decref(out);
    }
}

Test(openai_plugin, parse_chat_malformed_json)
{
    cr_assert_neq(parse_with(P.vt->parse_chat, 200, "{\"id\": "), 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_RESPONSE);
    cr_assert(strncmp(S.message, "chat response is not valid JSON at line 1 column ", 49) == 0,
              "%s", S.message);
    cr_assert_null(S.out, "nothing written");
}

Test(openai_plugin, parse_chat_without_choices)
{
    cr_assert_neq(parse_with(P.vt->parse_chat, 200, "{\"choices\":[]}"), 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_RESPONSE);
    cr_assert(strstr(S.message, "choices[0]"), "%s", S.message);
}

Test(openai_plugin, parse_chat_error_in_2xx_body)
{
    const char *body = "{\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\","
                       "\"code\":null}}";
    cr_assert_neq(parse_with(P.vt->parse_chat, 200, body), 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_PROVIDER);
    cr_assert_str_eq(S.message, "model overloaded");
}

/* ---- streaming ----------------------------------------------------------- */

static void *stream_open(void)
{
    void *parser = NULL;
    cr_assert_eq(P.vt->stream_start(P.instance, "{\"cfg\":{\"stream\":true},\"messages\":[]}",
                                     &parser, &S),
                 0, "%s", S.message);
    cr_assert_not_null(parser);
    return parser;
}

static int feed(void *parser, const char *data)
{
    return P.vt->stream_event(parser, data, strlen(data), &S);
}

/* Feed the data of each SSE event of a recorded HTTP response (headers,
** then events separated by blank lines). Returns the number of events. */
static size_t feed_recording(void *parser, const char *path)
{
    char *raw = fh_read_file(path, NULL);
    cr_assert_not_null(raw, "cannot read %s", path);
    char *w = raw; /* CRLF → LF, in place */
    for (const char *r = raw; *r; r++)
        if (!(r[0] == '\r' && r[1] == '\n'))
            *w++ = *r;
    *w = '\0';
    size_t events = 0;
    for (char *block = raw; block && *block;) {
        char *end = strstr(block, "\n\n");
        if (end)
            *end = '\0';
        if (strncmp(block, "data: ", 6) == 0) {
            cr_assert_eq(feed(parser, block + 6), 0, "event %zu: %s", events, S.message);
            events++;
        }
        block = end ? end + 2 : NULL;
    }
    free(raw);
    return events;
}

Test(openai_plugin, stream_recorded_tool_call)
{
    void *parser = stream_open();
    cr_assert_eq(feed_recording(parser, STREAM_FILE), 6);
    cr_assert_eq(P.vt->stream_finish(parser, &S), 0);
    P.vt->stream_close(parser);
    cr_assert_eq(S.n_chunks, 6, "%zu chunks", S.n_chunks);
    assert_chunk(0, "{\"tool_use_start\":{\"index\":0,\"id\":\"call_1\","
                    "\"name\":\"get_weather\"}}");
    assert_chunk(1, "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"{\\\"ci\"}}");
    assert_chunk(2, "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"ty\\\":\\\"Pa\"}}");
    assert_chunk(3, "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"ris\\\"}\"}}");
    assert_chunk(4, "{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":\"call_1\","
                    "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                    "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}}}");
    assert_chunk(5, "{\"done\":{\"finish_reason\":\"ToolCalls\"}}");
}

Test(openai_plugin, stream_text_then_usage_then_done)
{
    void *parser = stream_open();
    static const char *const events[] = {
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        "\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,"
        "\"total_tokens\":7}}",
        "[DONE]",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}", /* ignored */
    };
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
        cr_assert_eq(feed(parser, events[i]), 0, "event %zu: %s", i, S.message);
    cr_assert_eq(P.vt->stream_finish(parser, &S), 0);
    P.vt->stream_close(parser);
    cr_assert_eq(S.n_chunks, 4, "%zu chunks", S.n_chunks);
    assert_chunk(0, "{\"text\":\"Hel\"}");
    assert_chunk(1, "{\"text\":\"lo\"}");
    assert_chunk(2, "{\"usage\":{\"input_tokens\":5,\"output_tokens\":2,\"reasoning_tokens\":0,"
                    "\"cache_read\":0,\"cache_write\":0}}");
    assert_chunk(3, "{\"done\":{\"finish_reason\":\"Stop\"}}");
}

Test(openai_plugin, stream_finish_without_done_marker)
{
    void *parser = stream_open();
    cr_assert_eq(feed(parser, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}"), 0);
    cr_assert_eq(feed(parser, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":"
                              "0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}"
                              ",\"finish_reason\":\"length\"}]}"),
                 0);
    cr_assert_eq(P.vt->stream_finish(parser, &S), 0);
    cr_assert_eq(P.vt->stream_finish(parser, &S), 0, "finishing twice is harmless");
    P.vt->stream_close(parser);
    cr_assert_eq(S.n_chunks, 5, "%zu chunks", S.n_chunks);
    assert_chunk(0, "{\"text\":\"x\"}");
    assert_chunk(1, "{\"tool_use_start\":{\"index\":0,\"id\":\"c\",\"name\":\"f\"}}");
    assert_chunk(2, "{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"{}\"}}");
    assert_chunk(3, "{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":\"c\","
                    "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}}}");
    assert_chunk(4, "{\"done\":{\"finish_reason\":\"Length\"}}");
}

Test(openai_plugin, stream_error_event)
{
    void *parser = stream_open();
    cr_assert_neq(feed(parser, "{\"error\":{\"message\":\"The server had an error\","
                               "\"type\":\"server_error\",\"code\":null}}"),
                  0);
    P.vt->stream_close(parser);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_PROVIDER);
    cr_assert_str_eq(S.message, "The server had an error");
    cr_assert(S.has_detail);
    cr_assert_eq(S.http_status, 0);
}

Test(openai_plugin, stream_malformed_event)
{
    void *parser = stream_open();
    cr_assert_neq(feed(parser, "{\"choices\":[{"), 0);
    P.vt->stream_close(parser);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_RESPONSE);
    cr_assert(strncmp(S.message, "stream event is not valid JSON", 30) == 0, "%s", S.message);
}

Test(openai_plugin, stream_stops_when_emit_refused)
{
    void *parser = stream_open();
    S.max_chunks = 1;
    cr_assert_eq(feed(parser, "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}"), 0);
    cr_assert_neq(feed(parser, "{\"choices\":[{\"delta\":{\"content\":\"b\"}}]}"), 0);
    P.vt->stream_close(parser);
    cr_assert_eq(S.n_chunks, 1);
    cr_assert_not(S.failed, "a refused chunk is the host's to explain");
}

/* ---- embeddings ---------------------------------------------------------- */

Test(openai_plugin, embed_request)
{
    const char *req = "{\"cfg\":{\"model\":\"text-embedding-3-small\"},\"inputs\":[\"a\",\"b\"]}";
    cr_assert_eq(P.vt->embed_request(P.instance, req, &R, &S), 0, "%s", S.message);
    cr_assert_str_eq(R.method, "POST");
    cr_assert_str_eq(R.url, "http://127.0.0.1:9/v1/embeddings");
    json_t *b = request_body();
    assert_json(b, "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],"
                   "\"encoding_format\":\"float\"}");
    json_decref(b);
}

Test(openai_plugin, parse_embed_float_in_index_order)
{
    const char *body = "{\"object\":\"list\",\"data\":["
                       "{\"object\":\"embedding\",\"index\":1,\"embedding\":[0.5,-1]},"
                       "{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.25,2]}],"
                       "\"model\":\"m\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";
    cr_assert_eq(parse_with(P.vt->parse_embed, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "[[0.25,2.0],[0.5,-1.0]]");
    json_decref(out);
}

Test(openai_plugin, parse_embed_base64)
{
    /* little-endian float32 1.0, -2.5, 0.25 (what the SDK asks for) */
    const char *body = "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAIMAAAIA+\"}]}";
    cr_assert_eq(parse_with(P.vt->parse_embed, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "[[1.0,-2.5,0.25]]");
    json_decref(out);
}

Test(openai_plugin, parse_embed_rejects_bad_data)
{
    static const char *const bad[] = {
        "{\"data\":[{\"index\":0,\"embedding\":\"A$==\"}]}",          /* not base64 */
        "{\"data\":[{\"index\":0,\"embedding\":\"AAAA\"}]}",          /* 3 bytes */
        "{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}",
        "{\"data\":[{\"index\":5,\"embedding\":[1]}]}",
        "{\"object\":\"list\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fh_sink_free(&S);
        cr_assert_neq(parse_with(P.vt->parse_embed, 200, bad[i]), 0, "%s", bad[i]);
        cr_assert_eq(S.kind, PL_PLUGIN_ERR_RESPONSE, "%s", bad[i]);
    }
}

/* ---- models and completions ---------------------------------------------- */

Test(openai_plugin, list_models)
{
    cr_assert_eq(P.vt->list_models_request(P.instance, "{\"cfg\":{}}", &R, &S), 0, "%s",
                 S.message);
    cr_assert_str_eq(R.method, "GET");
    cr_assert_str_eq(R.url, "http://127.0.0.1:9/v1/models");
    cr_assert_null(R.body);
    cr_assert_null(fh_req_header(&R, "content-type"));
    cr_assert_str_eq(fh_req_header(&R, "authorization"), "Bearer sk-test");
    const char *body = "{\"object\":\"list\",\"data\":["
                       "{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":1,\"owned_by\":\"x\"},"
                       "{\"id\":\"babbage-002\",\"object\":\"model\"}]}";
    cr_assert_eq(parse_with(P.vt->parse_list_models, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "[\"gpt-4o\",\"babbage-002\"]");
    json_decref(out);
}

Test(openai_plugin, complete)
{
    const char *req = "{\"cfg\":{\"max_tokens\":7},\"req\":{\"prompt\":\"Once\","
                      "\"suffix\":null,\"max_tokens\":null,\"temperature\":0.5}}";
    cr_assert_eq(P.vt->complete_request(P.instance, req, &R, &S), 0, "%s", S.message);
    cr_assert_str_eq(R.url, "http://127.0.0.1:9/v1/completions");
    json_t *b = request_body();
    assert_json(b, "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Once\",\"max_tokens\":7,"
                   "\"temperature\":0.5}");
    json_decref(b);
    const char *body = "{\"choices\":[{\"text\":\" upon a time\",\"index\":0,"
                       "\"finish_reason\":\"length\"}]}";
    cr_assert_eq(parse_with(P.vt->parse_complete, 200, body), 0, "%s", S.message);
    json_t *out = parse(S.out);
    assert_json(out, "{\"text\":\" upon a time\"}");
    json_decref(out);
}

/* ---- errors -------------------------------------------------------------- */

static void classify(int status, const char *body, const char *const *names,
                     const char *const *values, size_t n)
{
    fh_response fr;
    fh_response_init(&fr, status, body, names, values, n);
    cr_assert_neq(P.vt->classify_error(P.instance, &fr.r, &S), 0);
    fh_response_free(&fr);
    cr_assert(S.failed);
    cr_assert(S.has_detail);
    cr_assert_eq(S.http_status, status);
}

Test(openai_plugin, classify_401)
{
    classify(401,
             "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
             "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
             NULL, NULL, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_AUTH);
    cr_assert_str_eq(S.message, "Incorrect API key provided");
    cr_assert_str_eq(S.code, "invalid_api_key");
    cr_assert_eq(S.retry_after_ms, -1);
}

Test(openai_plugin, classify_429_retry_after)
{
    static const char *const names[] = {"content-type", "retry-after"};
    static const char *const values[] = {"application/json", "2"};
    classify(429,
             "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
             "\"code\":\"rate_limit_exceeded\"}}",
             names, values, 2);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_RATE_LIMITED);
    cr_assert_eq(S.retry_after_ms, 2000);
    cr_assert_str_eq(S.code, "rate_limit_exceeded");
}

Test(openai_plugin, classify_429_retry_after_ms_wins)
{
    static const char *const names[] = {"retry-after", "retry-after-ms"};
    static const char *const values[] = {"3", "1500"};
    classify(429, "{\"error\":{\"message\":\"slow down\"}}", names, values, 2);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_RATE_LIMITED);
    cr_assert_eq(S.retry_after_ms, 1500);
}

Test(openai_plugin, classify_429_quota_is_not_a_rate_limit)
{
    classify(429,
             "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
             "\"insufficient_quota\",\"code\":\"insufficient_quota\"}}",
             NULL, NULL, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_PROVIDER);
}

Test(openai_plugin, classify_context_length_exceeded)
{
    classify(400,
             "{\"error\":{\"message\":\"This model's maximum context length is 128000 "
             "tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
             "\"code\":\"context_length_exceeded\"}}",
             NULL, NULL, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_CONTEXT_WINDOW);
    cr_assert_str_eq(S.code, "context_length_exceeded");
}

Test(openai_plugin, classify_bad_request)
{
    classify(404,
             "{\"error\":{\"message\":\"The model `nope` does not exist\",\"type\":"
             "\"invalid_request_error\",\"code\":\"model_not_found\"}}",
             NULL, NULL, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_INVALID_REQUEST);
}

Test(openai_plugin, classify_500_not_json)
{
    classify(500, "<html>Bad Gateway</html>", NULL, NULL, 0);
    cr_assert_eq(S.kind, PL_PLUGIN_ERR_PROVIDER);
    cr_assert_str_eq(S.message, "HTTP 500: <html>Bad Gateway</html>");
    cr_assert_null(S.code);
}
