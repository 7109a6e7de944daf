/*
** test_wasm_openai.c — the Wasm OpenAI provider (plugins/wasm/openai)
** against the native one (plugins/native/openai), which defines the
** behaviour: the same wire requests go to both, through the Extism host
** for the Wasm plugin (QueryMT's HTTP-adapter exports) and the fake host
** for the native one, and what comes out must mean the same: requests
** (method, URL, headers, JSON body), parsed replies, stream chunks (the
** recorded tool-call stream fed in every split), and error classes, with
** native kinds mapped to LLMErrorPayload kinds. No network.
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "pdk_host.h"

#ifdef PL_HAVE_EXTISM

#define OPENAI_SO PL_PLUGIN_DIR "/native/openai.so"
#define TOOL_STREAM PL_SHARED_DIR "/docs/peers/llm-http/raw-openai-toolcall-stream.txt"
#define CFG "{\"model\":\"gpt-4o-mini\",\"api_key\":\"sk-test\",\"base_url\":\"http://127.0.0.1:9/v1/\"}"

static fh_plugin N; /* native */
static tw W;        /* Wasm */

static void setup(void)
{
    char why[512];
    cr_assert_eq(fh_plugin_open(&N, OPENAI_SO, why, sizeof why), 0, "%s", why);
    pl_plugin_sink err;
    fh_sink_init(&err);
    cr_assert_eq(fh_plugin_init(&N, CFG, &err), 0, "%s", err.message);
    fh_sink_free(&err);
    tw_open(&W, "openai", NULL, 0);
}

static void teardown(void)
{
    fh_plugin_close(&N);
    tw_close(&W);
}

TestSuite(wasm_openai, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *jparse(const char *s, size_t n)
{
    json_error_t je;
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %.*s", je.text, (int)n, s);
    return v;
}

static json_t *jp(const char *s) { return jparse(s, strlen(s)); }

static void assert_same(const json_t *a, const json_t *b, const char *what)
{
    char *x = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *y = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cr_assert(json_equal(a, b), "%s differs\nwasm   %s\nnative %s", what, x, y);
    free(x);
    free(y);
}

/* The bytes of a JSON array of numbers as a string (malloc). */
static char *bytes_of(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    char *s = malloc(*n + 1);
    for (size_t i = 0; i < *n; i++)
        s[i] = (char)json_integer_value(json_array_get(arr, i));
    s[*n] = '\0';
    return s;
}

/* What the native plugin says about an error, as the payload kind it
** means. from_provider: the error is the provider's (a reply), where an
** invalid request is the provider refusing one. */
static const char *payload_type(uint32_t kind, bool from_provider)
{
    if (from_provider && kind != PL_PLUGIN_ERR_RESPONSE && kind != PL_PLUGIN_ERR_PLUGIN)
        return "provider_error";
    switch (kind) {
    case PL_PLUGIN_ERR_INVALID_REQUEST:
    case PL_PLUGIN_ERR_CONFIG: return "invalid_request";
    case PL_PLUGIN_ERR_UNSUPPORTED: return "not_implemented";
    case PL_PLUGIN_ERR_PLUGIN: return "plugin_error";
    case PL_PLUGIN_ERR_RESPONSE: return "response_format_error";
    default: return "provider_error";
    }
}

static bool kind_matches(uint32_t native, const char *kind)
{
    switch (native) {
    case PL_PLUGIN_ERR_AUTH: return strcmp(kind, "authentication") == 0;
    case PL_PLUGIN_ERR_RATE_LIMITED: return strcmp(kind, "rate_limited") == 0;
    case PL_PLUGIN_ERR_CONTEXT_WINDOW: return strcmp(kind, "context_window_exceeded") == 0;
    case PL_PLUGIN_ERR_INVALID_REQUEST: return strcmp(kind, "invalid_request") == 0;
    default:
        return strcmp(kind, "quota_exceeded") == 0 || strcmp(kind, "server_overloaded") == 0 ||
               strcmp(kind, "unknown_transient") == 0 || strcmp(kind, "unknown_permanent") == 0;
    }
}

/* A Wasm error text {"payload":{...}} against the native sink's error. */
static void assert_same_error(const char *wasm, const pl_plugin_sink *s, bool same_message,
                              bool from_provider)
{
    cr_assert(s->failed, "native did not fail; wasm said %s", wasm);
    json_t *v = jp(wasm), *p = json_object_get(v, "payload");
    const char *type = json_string_value(json_object_get(p, "type"));
    cr_assert_str_eq(type, payload_type(s->kind, from_provider), "%s (native kind %u: %s)", wasm,
                     s->kind,
                     s->message);
    if (same_message)
        cr_assert_str_eq(json_string_value(json_object_get(p, "message")), s->message);
    if (strcmp(type, "provider_error") == 0) {
        const char *kind = json_string_value(json_object_get(p, "kind"));
        cr_assert(kind && kind_matches(s->kind, kind), "kind %s for native %u", kind, s->kind);
        const char *code = json_string_value(json_object_get(p, "code"));
        cr_assert((!code && !s->code) || (code && s->code && strcmp(code, s->code) == 0),
                  "code %s vs %s", code, s->code);
        json_t *ra = json_object_get(p, "retry_after_secs");
        long want = s->retry_after_ms < 0 ? -1 : (s->retry_after_ms + 999) / 1000;
        cr_assert_eq(ra ? json_integer_value(ra) : -1, want, "%s", wasm);
    }
    json_decref(v);
}

/* ---- requests ------------------------------------------------------------------------ */

/* The request as the Wasm plugin gets it: the native plugin overlays the
** request's "cfg" on its init config (CFG); a Wasm plugin has only the
** request, so CFG is merged in (the request's keys win). */
static char *with_cfg(const char *req)
{
    json_t *r = json_loads(req, 0, NULL);
    if (!json_is_object(r)) {
        json_decref(r);
        return strdup(req);
    }
    json_t *cfg = jp(CFG), *over = json_object_get(r, "cfg");
    if (json_is_object(over))
        json_object_update(cfg, over);
    json_object_set_new(r, "cfg", cfg);
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return s;
}

/* Call native member `build` and Wasm export `fn` with the same request,
** and compare what they build. */
typedef int (*build_fn)(void *, const char *, pl_plugin_http_out *, pl_plugin_sink *);

static void same_request(build_fn build, const char *fn, const char *req)
{
    pl_plugin_sink s;
    pl_plugin_http_out r;
    fh_sink_init(&s);
    fh_req_init(&r);
    int nrc = build(N.instance, req, &r, &s);
    char *out, *err, *wreq = with_cfg(req);
    pl_status st = tw_call(&W, fn, wreq, &out, &err);
    free(wreq);
    if (nrc != 0) {
        cr_assert_eq(st, PL_E_PLUGIN, "native failed (%s), wasm did not: %s", s.message, out);
        assert_same_error(err, &s, true, false);
    } else {
        cr_assert_eq(st, PL_OK, "wasm failed: %s (request %s)", err, req);
        json_t *v = jp(out), *head = json_object_get(json_object_get(v, "req"), "head");
        cr_assert_str_eq(json_string_value(json_object_get(head, "method")), r.method);
        cr_assert_str_eq(json_string_value(json_object_get(head, "uri")), r.url);
        cr_assert_str_eq(json_string_value(json_object_get(head, "version")), "HTTP/1.1");
        json_t *hdrs = json_object_get(head, "headers"), *want = json_object();
        for (size_t i = 0; i < r.n_headers; i++)
            json_object_set_new(want, r.header_names[i], json_string(r.header_values[i]));
        assert_same(hdrs, want, "headers");
        json_decref(want);
        size_t n;
        char *body = bytes_of(json_object_get(json_object_get(v, "req"), "body"), &n);
        cr_assert_eq(n == 0, r.body == NULL || r.body_len == 0, "one has a body: %s", body);
        if (n) {
            json_t *a = jparse(body, n), *b = jparse(r.body, r.body_len);
            assert_same(a, b, "body");
            json_decref(a);
            json_decref(b);
        }
        free(body);
        json_decref(v);
    }
    free(out);
    free(err);
    fh_sink_free(&s);
    fh_req_free(&r);
}

#define MSG(role, parts) "{\"role\":\"" role "\",\"content\":[" parts "]}"
#define TEXT(t) "{\"type\":\"text\",\"text\":\"" t "\"}"

static const char *const chat_requests[] = {
    "{\"cfg\":{\"model\":\"gpt-4o\",\"system\":[\"Be brief.\",\"Really.\"],\"temperature\":0.2,"
    "\"top_p\":0.5,\"max_tokens\":20,\"reasoning_effort\":\"low\"},"
    "\"messages\":[" MSG("User", TEXT("Hi")) "],\"tools\":null}",
    "{\"cfg\":{\"system\":\"S\"},\"messages\":[{\"role\":\"user\",\"content\":\"plain\"},"
    MSG("Assistant", TEXT("a") "," TEXT("b")) "]}",
    "{\"cfg\":{\"parallel_tool_calls\":false},\"messages\":[" MSG("User", TEXT("weather?")) "],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"description\":\"d\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
    "\"tool_choice\":\"any\"}",
    "{\"cfg\":{\"tool_choice\":\"AUTO\"},\"messages\":[" MSG("User", TEXT("x")) "],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]}",
    "{\"cfg\":{},\"messages\":[" MSG("User", TEXT("x")) "],\"tools\":[{\"type\":\"function\","
    "\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":"
    "{\"name\":\"f\"}}}",
    "{\"cfg\":{},\"messages\":[" MSG("User", TEXT("weather in Paris?")) ","
    MSG("Assistant", "{\"type\":\"thinking\",\"text\":\"hm\"},"
                     "{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"weather\","
                     "\"arguments\":{\"city\":\"Paris\"}},"
                     "{\"type\":\"tool_use\",\"id\":\"c2\",\"name\":\"w2\",\"arguments\":\"{\\\"a\\\":1}\"},"
                     "{\"type\":\"tool_use\",\"id\":\"c3\",\"name\":\"w3\",\"arguments\":null}") ","
    MSG("User", "{\"type\":\"tool_result\",\"id\":\"c1\",\"name\":\"weather\",\"is_error\":false,"
                "\"content\":[" TEXT("sunny") "," TEXT("warm") "]},"
                "{\"type\":\"tool_result\",\"id\":\"c2\",\"is_error\":true,\"content\":[]}") "]}",
    "{\"cfg\":{},\"messages\":[" MSG("User", TEXT("look") ","
    "{\"type\":\"image\",\"mime_type\":\"image/jpeg\",\"data\":[1,2,3,250]},"
    "{\"type\":\"image\",\"data\":\"QUJD\"},"
    "{\"type\":\"image_url\",\"url\":\"https://x/y.png\"}") "]}",
    "{\"cfg\":{\"organization\":\"org-1\",\"api_key\":\"\",\"base_url\":\"http://h:1/v1\"},"
    "\"messages\":[" MSG("User", TEXT("x")) "]}",
    /* failures */
    "{\"cfg\":{},\"messages\":[" MSG("System", TEXT("x")) "]}",
    "{\"cfg\":{},\"messages\":[" MSG("User", "{\"type\":\"audio\",\"data\":[]}") "]}",
    "{\"cfg\":{}}",
    "{\"cfg\":{\"temperature\":3},\"messages\":[]}",
    "{\"cfg\":{\"model\":\"\"},\"messages\":[]}",
    "{\"cfg\":{\"max_tokens\":0},\"messages\":[]}",
    "[1,2]",
};

Test(wasm_openai, chat_requests_are_the_native_ones)
{
    for (size_t i = 0; i < sizeof chat_requests / sizeof chat_requests[0]; i++)
        same_request(N.vt->chat_request, "chat_request", chat_requests[i]);
}

Test(wasm_openai, stream_requests_are_the_native_ones)
{
    /* The native plugin streams when the host sets cfg.stream. */
    const char *req = "{\"cfg\":{\"stream\":true},\"messages\":[" MSG("User", TEXT("hi")) "]}";
    same_request(N.vt->chat_request, "chat_stream_request", req);
}

Test(wasm_openai, other_requests_are_the_native_ones)
{
    same_request(N.vt->list_models_request, "list_models_request", "{\"cfg\":{}}");
    same_request(N.vt->complete_request, "complete_request",
                 "{\"cfg\":{\"max_tokens\":7,\"temperature\":0.5},\"req\":{\"prompt\":\"Once\","
                 "\"suffix\":\"end\",\"max_tokens\":3,\"temperature\":null}}");
    same_request(N.vt->complete_request, "complete_request", "{\"cfg\":{},\"req\":{}}");
    same_request(N.vt->embed_request, "embed_request",
                 "{\"cfg\":{\"embedding_dimensions\":4,\"embedding_encoding_format\":\"base64\"},"
                 "\"inputs\":[\"a\",\"b\"]}");
    same_request(N.vt->embed_request, "embed_request", "{\"cfg\":{},\"inputs\":[\"a\"]}");
    same_request(N.vt->embed_request, "embed_request", "{\"cfg\":{},\"inputs\":[1]}");
}

/* ---- replies --------------------------------------------------------------------------- */

/* {"cfg":{},"resp":{"resp":{"head":{...},"body":[bytes]}}} */
static char *resp_input(int status, const char *hdrs, const char *body)
{
    json_t *bytes = json_array();
    for (const char *p = body; *p; p++)
        json_array_append_new(bytes, json_integer((unsigned char)*p));
    json_t *v = json_pack("{s:{}, s:{s:{s:{s:i, s:o, s:s}, s:o}}}", "cfg", "resp", "resp", "head",
                          "status", status, "headers", jp(hdrs ? hdrs : "{}"), "version",
                          "HTTP/1.1", "body", bytes);
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

typedef int (*parse_fn)(void *, const pl_plugin_http_response *, pl_plugin_sink *);

/* Compare a parse member and export on one reply; floats: compare the
** numbers of the outputs as float32 (embeddings), since both print the
** float differently (nine digits; the shortest text). */
static void same_parse(parse_fn parse, const char *fn, int status, const char *body, bool floats,
                       bool same_message)
{
    pl_plugin_sink s;
    fh_sink_init(&s);
    fh_response fr;
    fh_response_init(&fr, status, body, NULL, NULL, 0);
    int nrc = parse(N.instance, &fr.r, &s);
    char *in = resp_input(status, NULL, body), *out, *err;
    pl_status st = tw_call(&W, fn, in, &out, &err);
    if (nrc != 0) {
        cr_assert_eq(st, PL_E_PLUGIN, "native failed (%s), wasm gave %s", s.message, out);
        assert_same_error(err, &s, same_message, true);
    } else {
        cr_assert_eq(st, PL_OK, "wasm failed: %s on %s", err, body);
        json_t *a = jp(out), *b = jp(s.out);
        if (floats) {
            for (size_t i = 0; i < json_array_size(b); i++)
                for (size_t j = 0; j < json_array_size(json_array_get(b, i)); j++) {
                    double x = json_number_value(json_array_get(json_array_get(a, i), j));
                    double y = json_number_value(json_array_get(json_array_get(b, i), j));
                    cr_assert((float)x == (float)y, "[%zu][%zu]: %.9g vs %.9g", i, j, x, y);
                }
            cr_assert_eq(json_array_size(a), json_array_size(b));
        } else {
            assert_same(a, b, fn);
        }
        json_decref(a);
        json_decref(b);
    }
    free(in);
    free(out);
    free(err);
    fh_response_free(&fr);
    fh_sink_free(&s);
}

static const char *const chat_replies[] = {
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello there!\","
    "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}",
    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
    "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
    "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
    "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":[1]}}},"
    "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]},"
    "\"finish_reason\":\"tool_calls\"}]}",
    "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"x\"},"
    "{\"type\":\"text\",\"text\":\"b\"}],\"reasoning_content\":\"think\"},\"finish_reason\":\"length\"}],"
    "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"prompt_tokens_details\":"
    "{\"cached_tokens\":2},\"completion_tokens_details\":{\"reasoning_tokens\":3}}}",
    "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"no\"},\"finish_reason\":\"content_filter\"}]}",
    "{\"choices\":[{\"message\":{},\"finish_reason\":\"weird\"}],\"usage\":null}",
    "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"function_call\"}]}",
    "{\"choices\":[]}",
    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
};

Test(wasm_openai, chat_replies_read_as_the_native_ones)
{
    for (size_t i = 0; i < sizeof chat_replies / sizeof chat_replies[0]; i++)
        same_parse(N.vt->parse_chat, "parse_chat_response", 200, chat_replies[i], false, true);
    /* Broken JSON: both say "not valid JSON", in each parser's own words. */
    same_parse(N.vt->parse_chat, "parse_chat_response", 200, "{\"id\":\"chatcmpl-1\",\"obj", false,
               false);
}

Test(wasm_openai, other_replies_read_as_the_native_ones)
{
    same_parse(N.vt->parse_list_models, "parse_list_models_response", 200,
               "{\"object\":\"list\",\"data\":[{\"id\":\"fake-model\",\"object\":\"model\"},"
               "{\"id\":\"fake-embed\"},{\"no\":1}]}", false, true);
    same_parse(N.vt->parse_list_models, "parse_list_models_response", 200, "{\"data\":{}}", false,
               true);
    same_parse(N.vt->parse_complete, "parse_complete_response", 200,
               "{\"choices\":[{\"text\":\"You said: Once\",\"index\":0}]}", false, true);
    same_parse(N.vt->parse_complete, "parse_complete_response", 200, "{\"choices\":[{}]}", false,
               true);
    same_parse(N.vt->parse_embed, "parse_embed_response", 200,
               "{\"data\":[{\"index\":1,\"embedding\":[0.1,0.2,-3]},{\"index\":0,\"embedding\":"
               "\"AACAPwAAAMAAAEBA\"}]}", true, true);
    same_parse(N.vt->parse_embed, "parse_embed_response", 200,
               "{\"data\":[{\"index\":0,\"embedding\":[0.5]},{\"index\":0,\"embedding\":[1]}]}",
               true, true);
    same_parse(N.vt->parse_embed, "parse_embed_response", 200,
               "{\"data\":[{\"embedding\":\"AAC\"}]}", true, true);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void same_classify(int status, const char *hdr_name, const char *hdr_value,
                          const char *body)
{
    pl_plugin_sink s;
    fh_sink_init(&s);
    fh_response fr;
    const char *names[] = {hdr_name}, *values[] = {hdr_value};
    fh_response_init(&fr, status, body, names, values, hdr_name ? 1 : 0);
    cr_assert_neq(N.vt->classify_error(N.instance, &fr.r, &s), 0);
    char hdrs[256] = "{}";
    if (hdr_name)
        snprintf(hdrs, sizeof hdrs, "{\"%s\":\"%s\"}", hdr_name, hdr_value);
    char *in = resp_input(status, hdrs, body);
    char *out = tw_ok(&W, "classify_chat_error", in); /* the payload is the output */
    assert_same_error(out, &s, true, true);
    free(in);
    free(out);
    fh_response_free(&fr);
    fh_sink_free(&s);
}

Test(wasm_openai, errors_are_classified_as_the_native_ones)
{
    same_classify(401, NULL, NULL,
                  "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":"
                  "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
    same_classify(429, "retry-after", "2",
                  "{\"error\":{\"message\":\"Rate limit reached for requests.\",\"type\":"
                  "\"requests\",\"code\":\"rate_limit_exceeded\"}}");
    same_classify(429, "retry-after-ms", "1500", "{\"error\":{\"message\":\"slow\"}}");
    same_classify(429, NULL, NULL,
                  "{\"error\":{\"message\":\"You exceeded your current quota\",\"code\":"
                  "\"insufficient_quota\"}}");
    same_classify(400, NULL, NULL,
                  "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\","
                  "\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}");
    same_classify(400, NULL, NULL, "{\"error\":{\"message\":\"maximum context length exceeded\"}}");
    same_classify(404, NULL, NULL, "{\"error\":{\"message\":\"no such model\",\"code\":404}}");
    same_classify(422, NULL, NULL, "{\"error\":\"just a string\"}");
    same_classify(500, NULL, NULL, "<html>oops</html>");
    same_classify(503, "retry-after", "1.5", "");
    same_classify(403, NULL, NULL, "{\"error\":{}}");
}

/* ---- streams ------------------------------------------------------------------------------ */

/* The SSE data of each event of body (the native host's framing). */
static size_t sse_events(const char *body, char ***out)
{
    size_t n = 0;
    *out = NULL;
    for (const char *p = body; (p = strstr(p, "data: ")) != NULL;) {
        p += 6;
        const char *e = strstr(p, "\n\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        *out = realloc(*out, (n + 1) * sizeof **out);
        (*out)[n] = strndup(p, len);
        n++;
        p += len;
    }
    return n;
}

/* The native chunks for the whole stream. */
static json_t *native_chunks(const char *body)
{
    void *parser = NULL;
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_eq(N.vt->stream_start(N.instance, "{}", &parser, &s), 0);
    char **ev;
    size_t n = sse_events(body, &ev);
    for (size_t i = 0; i < n; i++) {
        N.vt->stream_event(parser, ev[i], strlen(ev[i]), &s);
        free(ev[i]);
    }
    free(ev);
    if (!s.failed)
        N.vt->stream_finish(parser, &s);
    N.vt->stream_close(parser);
    json_t *all = json_array();
    for (size_t i = 0; i < s.n_chunks; i++)
        json_array_append_new(all, jp(s.chunks[i]));
    if (s.failed)
        json_array_append_new(all, json_pack("{s:s}", "error", s.message));
    fh_sink_free(&s);
    return all;
}

/* The Wasm chunks for the body fed step bytes at a time. */
static json_t *wasm_chunks(const char *body, size_t step)
{
    char *id = tw_ok(&W, "chat_stream_parser_start", "{\"model\":\"m\"}");
    json_t *all = json_array();
    size_t len = strlen(body);
    bool failed = false;
    for (size_t i = 0; !failed; i = i + step < len ? i + step : len) {
        bool last = i == len; /* the call after the last piece: finish */
        json_t *bytes = json_array();
        for (size_t j = i; !last && j < i + step && j < len; j++)
            json_array_append_new(bytes, json_integer((unsigned char)body[j]));
        json_t *in = json_pack("{s:I, s:o}", "parser_id", (json_int_t)atoll(id), "chunk", bytes);
        char *text = last ? strdup(id) : json_dumps(in, JSON_COMPACT), *out, *err;
        json_decref(in);
        pl_status st = tw_call(&W, last ? "chat_stream_parser_finish" : "chat_stream_parser_parse",
                               text, &out, &err);
        if (st == PL_OK) {
            json_t *arr = jp(out);
            for (size_t k = 0; k < json_array_size(arr); k++)
                json_array_append(all, json_object_get(json_array_get(arr, k), "chunk"));
            json_decref(arr);
        } else {
            json_t *e = jp(err);
            json_array_append_new(all, json_pack("{s:O}", "error", json_object_get(
                                                     json_object_get(e, "payload"), "message")));
            json_decref(e);
            failed = true;
        }
        free(text);
        free(out);
        free(err);
        if (last)
            break;
    }
    char *closed = tw_ok(&W, "chat_stream_parser_close", id);
    free(closed);
    free(id);
    return all;
}

/* Split sizes: every small one (a piece ends anywhere in a line, a CRLF,
** a UTF-8 sequence), some primes, and whole events. */
static const size_t steps[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 17, 31, 64, 127, 509};

static void same_stream(const char *body, size_t max_step)
{
    json_t *want = native_chunks(body);
    for (size_t i = 0; i <= sizeof steps / sizeof steps[0]; i++) {
        size_t step = i < sizeof steps / sizeof steps[0] ? steps[i] : max_step;
        if (step > max_step)
            continue;
        json_t *got = wasm_chunks(body, step);
        char what[64];
        snprintf(what, sizeof what, "chunks (split %zu)", step);
        assert_same(got, want, what);
        json_decref(got);
    }
    json_decref(want);
}

Test(wasm_openai, the_recorded_tool_stream_in_many_splits)
{
    char *capture = fh_read_file(TOOL_STREAM, NULL);
    cr_assert_not_null(capture);
    const char *body = strstr(capture, "\r\n\r\n") + 4;
    same_stream(body, strlen(body));
    free(capture);
}

Test(wasm_openai, streams_with_text_usage_reasoning_and_errors)
{
    const char *text = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                       "\"content\":\"\"},\"finish_reason\":null}]}\n\n"
                       "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hm\"}}]}\n\n"
                       "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"}}]}\n\n"
                       "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}\n\n"
                       "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                       "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
                       "\"completion_tokens\":3,\"total_tokens\":8}}\n\n"
                       "data: [DONE]\n\n"
                       "data: {\"choices\":[{\"delta\":{\"content\":\"after done\"}}]}\n\n";
    same_stream(text, 17);
    const char *two_tools = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\","
                            "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\"}},{\"index\":1,"
                            "\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}}]}\n\n"
                            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
                            "\"function\":{\"arguments\":\"\\\":1}\"}}]}}]}\n\n";
    same_stream(two_tools, 9); /* cut: no finish_reason, no [DONE] */
    const char *error = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
                        "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
    json_t *got = wasm_chunks(error, 1000);
    json_t *want = jp("[{\"text\":\"x\"},{\"error\":\"overloaded\"}]");
    assert_same(got, want, "error stream");
    json_decref(got);
    json_decref(want);
}

Test(wasm_openai, a_stream_answered_with_one_json_document)
{
    const char *doc = chat_replies[0];
    json_t *got = wasm_chunks(doc, 50);
    json_t *want = jp("[{\"text\":\"Hello there!\"},{\"usage\":{\"input_tokens\":5,"
                      "\"output_tokens\":3,\"reasoning_tokens\":0,\"cache_read\":0,"
                      "\"cache_write\":0}},{\"done\":{\"finish_reason\":\"Stop\"}}]");
    assert_same(got, want, "one-document stream");
    json_decref(got);
    json_decref(want);
    got = wasm_chunks(chat_replies[7], 13); /* an error document */
    want = jp("[{\"error\":\"Rate limit reached\"}]");
    assert_same(got, want, "error document");
    json_decref(got);
    json_decref(want);
}

Test(wasm_openai, unknown_parser_ids)
{
    char *err = tw_fails(&W, "chat_stream_parser_parse", "{\"parser_id\":99,\"chunk\":[]}");
    cr_assert(strstr(err, "unknown parser id 99") != NULL, "%s", err);
    free(err);
    char *out = tw_ok(&W, "chat_stream_parser_close", "99");
    free(out);
}

Test(wasm_openai, informational_exports)
{
    static const char *const cases[][2] = {
        {"name", "openai"},
        {"api_key_name", "OPENAI_API_KEY"},
        {"base_url", "https://api.openai.com/v1"},
        {"supports_streaming", "true"},
        {"list_models_static", "null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = tw_ok(&W, cases[i][0], "{\"cfg\":{}}");
        cr_assert_str_eq(out, cases[i][1]);
        free(out);
    }
    char *schema = tw_ok(&W, "config_schema", NULL);
    json_t *a = jp(schema), *b = jp(N.vt->config_schema);
    json_object_del(json_object_get(a, "properties"), "stream"); /* the host's own key */
    assert_same(a, b, "config_schema");
    json_decref(a);
    json_decref(b);
    free(schema);
    char *cfg = tw_ok(&W, "from_config", "{\"model\":\"m\",\"temperature\":1}");
    cr_assert_str_eq(cfg, "{\"model\":\"m\",\"temperature\":1}");
    free(cfg);
    char *err = tw_fails(&W, "from_config", "{\"temperature\":1}");
    cr_assert(strstr(err, "invalid_request") && strstr(err, "names no model"), "%s", err);
    free(err);
    err = tw_fails(&W, "from_config", "{\"model\":\"m\",\"top_p\":7}");
    cr_assert(strstr(err, "config 'top_p' is out of range"), "%s", err);
    free(err);
    char *empty = tw_ok(&W, "init_logging", "3");
    cr_assert_str_eq(empty, "");
    free(empty);
}

Test(wasm_openai, the_key_can_come_from_the_host_config)
{
    tw k;
    const ple_kv cfg[] = {{"OPENAI_API_KEY", "sk-from-host"}};
    tw_open(&k, "openai", cfg, 1);
    char *out = tw_ok(&k, "chat_request", "{\"cfg\":{\"model\":\"m\"},\"messages\":[]}");
    cr_assert(strstr(out, "\"authorization\":\"Bearer sk-from-host\"") != NULL, "%s", out);
    free(out);
    out = tw_ok(&k, "chat_request", "{\"cfg\":{\"model\":\"m\",\"api_key\":\"sk-cfg\"},"
                                    "\"messages\":[]}");
    cr_assert(strstr(out, "\"authorization\":\"Bearer sk-cfg\"") != NULL, "%s", out);
    free(out);
    tw_close(&k);
}

#else
Test(wasm_openai, skipped_without_the_extism_host) {}
#endif
