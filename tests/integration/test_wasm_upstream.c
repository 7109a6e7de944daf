/*
** test_wasm_upstream.c — the Wasm providers end to end against the local
** upstreams of tests/support/upstream.h (OpenAI, Anthropic and Ollama
** flavours): the plugin builds each request (through the Extism host), the
** test sends it with libcurl exactly as described (method, URI, headers,
** body bytes), and the plugin parses what came back; streams are fed to
** the stream parser in the pieces libcurl delivers. This is the sans-IO
** loop a host runs, minus its policy (allow-list, retries).
*/
#include <criterion/criterion.h>
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdk_host.h"
#include "upstream.h"

#ifdef PL_HAVE_EXTISM

static json_t *jp(const char *s, size_t n)
{
    json_error_t je;
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "not JSON (%s): %.*s", je.text, (int)n, s);
    return v;
}

static json_t *jps(const char *s) { return jp(s, strlen(s)); }

/* ---- one HTTP exchange -------------------------------------------------------------- */

typedef struct exchange {
    long status;
    json_t *headers;  /* lower-cased name -> value */
    char *body;
    size_t body_len;
    tw *parser_owner; /* streaming: feed each piece to this plugin's parser */
    long long parser_id;
    json_t *chunks;   /* the parser's chunks (streaming) */
} exchange;

/* Feed one piece of body to the stream parser; its chunks go to x->chunks. */
static void feed(exchange *x, const char *fn, const char *p, size_t n)
{
    char *text;
    if (p) {
        json_t *bytes = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(bytes, json_integer((unsigned char)p[i]));
        json_t *in = json_pack("{s:I, s:o}", "parser_id", (json_int_t)x->parser_id, "chunk", bytes);
        text = json_dumps(in, JSON_COMPACT);
        json_decref(in);
    } else {
        char id[32];
        snprintf(id, sizeof id, "%lld", x->parser_id);
        text = strdup(id);
    }
    char *out, *err;
    if (tw_call(x->parser_owner, fn, text, &out, &err) == PL_OK) {
        json_t *arr = jps(out);
        for (size_t i = 0; i < json_array_size(arr); i++)
            json_array_append(x->chunks, json_object_get(json_array_get(arr, i), "chunk"));
        json_decref(arr);
    } else {
        json_t *e = jps(err);
        json_array_append_new(x->chunks, json_pack("{s:O}", "error", json_object_get(e, "payload")));
        json_decref(e);
    }
    free(text);
    free(out);
    free(err);
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    exchange *x = user;
    size_t len = size * n;
    if (x->parser_owner && x->status >= 200 && x->status < 300) {
        feed(x, "chat_stream_parser_parse", p, len);
        return len;
    }
    x->body = realloc(x->body, x->body_len + len + 1);
    memcpy(x->body + x->body_len, p, len);
    x->body_len += len;
    x->body[x->body_len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
    exchange *x = user;
    size_t len = size * n;
    char *colon = memchr(p, ':', len);
    if (strncmp(p, "HTTP/", 5) == 0)
        x->status = strtol(p + 9, NULL, 10);
    if (colon) {
        char name[128];
        size_t nn = (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
        for (size_t i = 0; i < nn; i++)
            name[i] = (char)tolower((unsigned char)p[i]);
        name[nn] = '\0';
        const char *v = colon + 1, *e = p + len;
        while (v < e && *v == ' ')
            v++;
        while (e > v && (e[-1] == '\r' || e[-1] == '\n'))
            e--;
        json_object_set_new(x->headers, name, json_stringn(v, (size_t)(e - v)));
    }
    return len;
}

/* Send the SerializableHttpRequest text req. With stream_of set, a 2xx
** body goes to that plugin's stream parser (started here). */
static exchange http_send(const char *req, tw *stream_of)
{
    exchange x = {0, json_object(), NULL, 0, NULL, 0, json_array()};
    json_t *r = jps(req), *head = json_object_get(json_object_get(r, "req"), "head");
    json_t *bytes = json_object_get(json_object_get(r, "req"), "body");
    size_t n = json_array_size(bytes);
    char *body = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)json_integer_value(json_array_get(bytes, i));
    if (stream_of) {
        char *id = tw_ok(stream_of, "chat_stream_parser_start", "{\"model\":\"m\"}");
        x.parser_owner = stream_of;
        x.parser_id = atoll(id);
        free(id);
    }
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(head, "headers"), k, v) {
        char line[2048];
        snprintf(line, sizeof line, "%s: %s", k, json_string_value(v));
        hl = curl_slist_append(hl, line);
    }
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, json_string_value(json_object_get(head, "uri")));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, json_string_value(json_object_get(head, "method")));
    if (n) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    CURLcode rc = curl_easy_perform(c);
    cr_assert(rc == CURLE_OK || rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR,
              "curl: %s", curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (stream_of && x.status >= 200 && x.status < 300)
        feed(&x, "chat_stream_parser_finish", NULL, 0);
    free(body);
    json_decref(r);
    return x;
}

static void exchange_free(exchange *x)
{
    json_decref(x->headers);
    json_decref(x->chunks);
    free(x->body);
}

/* {"cfg":cfg,"resp":{"resp":{"head":{status,headers},"body":[bytes]}}} */
static char *resp_input(const char *cfg, const exchange *x)
{
    json_t *bytes = json_array();
    for (size_t i = 0; i < x->body_len; i++)
        json_array_append_new(bytes, json_integer((unsigned char)x->body[i]));
    json_t *v = json_pack("{s:o, s:{s:{s:{s:i, s:O, s:s}, s:o}}}", "cfg", jps(cfg), "resp", "resp",
                          "head", "status", (int)x->status, "headers", x->headers, "version",
                          "HTTP/1.1", "body", bytes);
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

/* Build with `build`, send, parse with `parse`: the parsed output (free). */
static json_t *round_trip(tw *t, const char *build, const char *parse, const char *cfg,
                          const char *req)
{
    char *r = tw_ok(t, build, req);
    exchange x = http_send(r, NULL);
    cr_assert_eq(x.status, 200, "%s: HTTP %ld %s", build, x.status, x.body);
    char *in = resp_input(cfg, &x);
    char *out = tw_ok(t, parse, in);
    json_t *v = jps(out);
    free(out);
    free(in);
    free(r);
    exchange_free(&x);
    return v;
}

/* Stream: the chunks (free). */
static json_t *stream(tw *t, const char *req)
{
    char *r = tw_ok(t, "chat_stream_request", req);
    exchange x = http_send(r, t);
    cr_assert_eq(x.status, 200, "stream: HTTP %ld %s", x.status, x.body);
    json_t *chunks = json_incref(x.chunks);
    free(r);
    exchange_free(&x);
    return chunks;
}

/* Build, send, and classify a failed reply: the payload (free). */
static json_t *classified(tw *t, const char *cfg, const char *req, long want_status)
{
    char *r = tw_ok(t, "chat_request", req);
    exchange x = http_send(r, NULL);
    cr_assert_eq(x.status, want_status, "HTTP %ld %s", x.status, x.body);
    char *in = resp_input(cfg, &x);
    char *out = tw_ok(t, "classify_chat_error", in);
    json_t *v = jps(out), *p = json_incref(json_object_get(v, "payload"));
    json_decref(v);
    free(out);
    free(in);
    free(r);
    exchange_free(&x);
    return p;
}

/* ---- checks on replies ---------------------------------------------------------------- */

static void text_is(const json_t *reply, const char *text, const char *finish)
{
    cr_assert_str_eq(json_string_value(json_object_get(reply, "text")), text);
    cr_assert_str_eq(json_string_value(json_object_get(reply, "finish_reason")), finish);
    json_t *u = json_object_get(reply, "usage");
    cr_assert_gt(json_integer_value(json_object_get(u, "input_tokens")), 0);
    cr_assert_gt(json_integer_value(json_object_get(u, "output_tokens")), 0);
}

static void tool_call_is(const json_t *reply, const char *name)
{
    cr_assert(json_is_null(json_object_get(reply, "text")));
    json_t *call = json_array_get(json_object_get(reply, "tool_calls"), 0);
    json_t *fn = json_object_get(call, "function");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "name")), name);
    json_t *args = jps(json_string_value(json_object_get(fn, "arguments")));
    cr_assert_str_eq(json_string_value(json_object_get(args, "city")), "Paris");
    json_decref(args);
    cr_assert(json_string_length(json_object_get(call, "id")) > 0);
    cr_assert_str_eq(json_string_value(json_object_get(reply, "finish_reason")), "ToolCalls");
}

/* The text of a stream's chunks; checks that "done" comes last with finish. */
static void stream_text_is(const json_t *chunks, const char *text, const char *finish)
{
    char got[1024] = "";
    bool usage = false;
    size_t n = json_array_size(chunks);
    for (size_t i = 0; i + 1 < n; i++) {
        json_t *c = json_array_get(chunks, i);
        cr_assert_null(json_object_get(c, "error"), "stream failed");
        if (json_object_get(c, "text"))
            strncat(got, json_string_value(json_object_get(c, "text")), sizeof got - strlen(got) - 1);
        usage |= json_object_get(c, "usage") != NULL;
    }
    cr_assert_str_eq(got, text);
    cr_assert(usage, "no usage chunk");
    json_t *done = json_object_get(json_array_get(chunks, n - 1), "done");
    cr_assert_str_eq(json_string_value(json_object_get(done, "finish_reason")), finish);
}

static void stream_tool_is(const json_t *chunks, const char *name)
{
    bool started = false, completed = false;
    char args[256] = "";
    for (size_t i = 0; i < json_array_size(chunks); i++) {
        json_t *c = json_array_get(chunks, i);
        json_t *s = json_object_get(c, "tool_use_start"), *d = json_object_get(c, "tool_use_input_delta");
        json_t *t = json_object_get(c, "tool_use_complete");
        if (s)
            started = strcmp(json_string_value(json_object_get(s, "name")), name) == 0;
        if (d)
            strncat(args, json_string_value(json_object_get(d, "partial_json")),
                    sizeof args - strlen(args) - 1);
        if (t) {
            json_t *fn = json_object_get(json_object_get(t, "tool_call"), "function");
            cr_assert_str_eq(json_string_value(json_object_get(fn, "arguments")), args);
            completed = true;
        }
    }
    cr_assert(started && completed, "no whole tool call");
    json_t *a = jps(args);
    cr_assert_str_eq(json_string_value(json_object_get(a, "city")), "Paris");
    json_decref(a);
    json_t *done = json_object_get(json_array_get(chunks, json_array_size(chunks) - 1), "done");
    cr_assert_str_eq(json_string_value(json_object_get(done, "finish_reason")), "ToolCalls");
}

/* ---- the three flavours ----------------------------------------------------------------- */

typedef struct fixture {
    upstream *u;
    tw t;
    char cfg[512];
} fixture;

static fixture F;

static char *req_with(const char *rest)
{
    char *s = malloc(strlen(F.cfg) + strlen(rest) + 16);
    sprintf(s, "{\"cfg\":%s,%s}", F.cfg, rest);
    return s;
}

static void start(upstream_flavour flavour, const char *plugin, const char *suffix,
                  const char *model)
{
    F.u = upstream_start_as(flavour);
    cr_assert_not_null(F.u);
    tw_open(&F.t, plugin, NULL, 0);
    snprintf(F.cfg, sizeof F.cfg, "{\"model\":\"%s\",\"api_key\":\"sk-test\",\"base_url\":\"%s%s\"}",
             model, upstream_url(F.u), suffix);
}

static void stop(void)
{
    tw_close(&F.t);
    upstream_stop(F.u);
}

#define USER(t) "\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":\"" t "\"}]}]"
#define WEATHER_TOOL "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"," \
                     "\"description\":\"d\",\"parameters\":{\"type\":\"object\",\"properties\":"  \
                     "{\"city\":{\"type\":\"string\"}}}}}]"
#define TOOL_RESULT "\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\",\"text\":" \
    "\"weather in Paris?\"}]},{\"role\":\"Assistant\",\"content\":[{\"type\":\"tool_use\","      \
    "\"id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]},"           \
    "{\"role\":\"User\",\"content\":[{\"type\":\"tool_result\",\"id\":\"call_1\",\"name\":"        \
    "\"get_weather\",\"is_error\":false,\"content\":[{\"type\":\"text\",\"text\":\"sunny\"}]}]}]"

/* What every flavour must do the same way. */
static void common_chat_checks(void)
{
    char *req = req_with(USER("Hello plinth"));
    json_t *v = round_trip(&F.t, "chat_request", "parse_chat_response", F.cfg, req);
    text_is(v, "You said: Hello plinth", "Stop");
    json_decref(v);
    json_t *chunks = stream(&F.t, req);
    stream_text_is(chunks, "You said: Hello plinth", "Stop");
    json_decref(chunks);
    free(req);

    req = req_with(USER("What is the weather in Paris?") "," WEATHER_TOOL);
    v = round_trip(&F.t, "chat_request", "parse_chat_response", F.cfg, req);
    tool_call_is(v, "get_weather");
    json_decref(v);
    chunks = stream(&F.t, req);
    stream_tool_is(chunks, "get_weather");
    json_decref(chunks);
    free(req);

    req = req_with(TOOL_RESULT "," WEATHER_TOOL);
    v = round_trip(&F.t, "chat_request", "parse_chat_response", F.cfg, req);
    text_is(v, "The tool said: sunny", "Stop");
    json_decref(v);
    free(req);
}

/* A 200 whose JSON is cut short: a response_format_error (and an error in
** a stream). */
static void malformed_checks(void)
{
    char *req = req_with(USER("hi"));
    upstream_malformed_next(F.u);
    char *r = tw_ok(&F.t, "chat_request", req);
    exchange x = http_send(r, NULL);
    char *in = resp_input(F.cfg, &x), *err = tw_fails(&F.t, "parse_chat_response", in);
    json_t *e = jps(err);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "payload"), "type")),
                     "response_format_error", "%s", err);
    json_decref(e);
    free(err);
    free(in);
    free(r);
    exchange_free(&x);
    upstream_malformed_next(F.u);
    json_t *chunks = stream(&F.t, req);
    bool failed = false;
    for (size_t i = 0; i < json_array_size(chunks); i++)
        failed |= json_object_get(json_array_get(chunks, i), "error") != NULL;
    cr_assert(failed, "the stream did not fail");
    json_decref(chunks);
    free(req);
}

/* A 429 with Retry-After: classified as a rate limit with its wait. */
static void rate_limit_check(const char *kind)
{
    char *req = req_with(USER("hi"));
    upstream_fail_next(F.u, 429, 1, "2", NULL);
    json_t *p = classified(&F.t, F.cfg, req, 429);
    cr_assert_str_eq(json_string_value(json_object_get(p, "type")), "provider_error");
    cr_assert_str_eq(json_string_value(json_object_get(p, "kind")), kind);
    cr_assert_eq(json_integer_value(json_object_get(p, "retry_after_secs")), 2);
    cr_assert_gt(json_string_length(json_object_get(p, "message")), 0);
    json_decref(p);
    free(req);
}

Test(wasm_upstream, openai)
{
    start(UPSTREAM_OPENAI, "openai", "/v1", "fake-model");
    upstream_set_api_key(F.u, "sk-test");
    common_chat_checks();
    upstream_request rq;
    cr_assert(upstream_last_request(F.u, &rq));
    cr_assert_str_eq(upstream_request_header(&rq, "authorization"), "Bearer sk-test");
    upstream_request_free(&rq);

    char *req = req_with("\"req\":{\"prompt\":\"Once upon\"}");
    json_t *v = round_trip(&F.t, "complete_request", "parse_complete_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_object_get(v, "text")), "You said: Once upon");
    json_decref(v);
    free(req);
    req = req_with("\"inputs\":[\"a\",\"b\"]");
    json_t *floats = round_trip(&F.t, "embed_request", "parse_embed_response", F.cfg, req);
    free(req);
    snprintf(F.cfg + strlen(F.cfg) - 1, 64, ",\"embedding_encoding_format\":\"base64\"}");
    req = req_with("\"inputs\":[\"a\",\"b\"]");
    json_t *b64 = round_trip(&F.t, "embed_request", "parse_embed_response", F.cfg, req);
    cr_assert_eq(json_array_size(floats), 2);
    cr_assert_eq(json_array_size(json_array_get(floats, 0)), 8);
    cr_assert(json_equal(floats, b64), "float and base64 embeddings differ");
    json_decref(floats);
    json_decref(b64);
    free(req);
    req = req_with("\"x\":0");
    v = round_trip(&F.t, "list_models_request", "parse_list_models_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_array_get(v, 0)), "fake-model");
    json_decref(v);
    free(req);

    malformed_checks();
    rate_limit_check("rate_limited");
    req = req_with(USER("hi"));
    upstream_set_api_key(F.u, "another-key");
    json_t *p = classified(&F.t, F.cfg, req, 401);
    cr_assert_str_eq(json_string_value(json_object_get(p, "kind")), "authentication");
    cr_assert_str_eq(json_string_value(json_object_get(p, "code")), "invalid_api_key");
    json_decref(p);
    free(req);
    stop();
}

Test(wasm_upstream, anthropic)
{
    start(UPSTREAM_ANTHROPIC, "anthropic", "", "claude-fake");
    upstream_set_api_key(F.u, "sk-test");
    common_chat_checks();
    upstream_request rq;
    cr_assert(upstream_last_request(F.u, &rq));
    cr_assert_str_eq(rq.path, "/v1/messages");
    cr_assert_str_eq(upstream_request_header(&rq, "x-api-key"), "sk-test");
    cr_assert_str_eq(upstream_request_header(&rq, "anthropic-version"), "2023-06-01");
    upstream_request_free(&rq);

    char *req = req_with("\"req\":{\"prompt\":\"Once upon\"}");
    json_t *v = round_trip(&F.t, "complete_request", "parse_complete_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_object_get(v, "text")), "You said: Once upon");
    json_decref(v);
    free(req);
    req = req_with("\"x\":0");
    v = round_trip(&F.t, "list_models_request", "parse_list_models_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_array_get(v, 0)), "claude-fake");
    json_decref(v);
    free(req);

    malformed_checks();
    rate_limit_check("rate_limited");
    req = req_with(USER("hi"));
    upstream_set_api_key(F.u, "another-key");
    json_t *p = classified(&F.t, F.cfg, req, 401);
    cr_assert_str_eq(json_string_value(json_object_get(p, "kind")), "authentication");
    cr_assert_str_eq(json_string_value(json_object_get(p, "error_type")), "authentication_error");
    json_decref(p);
    free(req);
    stop();
}

Test(wasm_upstream, ollama)
{
    start(UPSTREAM_OLLAMA, "ollama", "", "fake:latest");
    common_chat_checks();
    upstream_request rq;
    cr_assert(upstream_last_request(F.u, &rq));
    cr_assert_str_eq(rq.path, "/api/chat");
    json_t *body = jp(rq.body, rq.body_len);
    cr_assert(json_is_false(json_object_get(body, "stream"))); /* always sent, as the client does */
    json_decref(body);
    upstream_request_free(&rq);

    char *req = req_with("\"req\":{\"prompt\":\"Once upon\"}");
    json_t *v = round_trip(&F.t, "complete_request", "parse_complete_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_object_get(v, "text")), "You said: Once upon");
    json_decref(v);
    free(req);
    req = req_with("\"inputs\":[\"a\",\"b\",\"c\"]");
    v = round_trip(&F.t, "embed_request", "parse_embed_response", F.cfg, req);
    cr_assert_eq(json_array_size(v), 3);
    cr_assert_eq(json_array_size(json_array_get(v, 2)), 8);
    json_decref(v);
    free(req);
    req = req_with("\"x\":0");
    v = round_trip(&F.t, "list_models_request", "parse_list_models_response", F.cfg, req);
    cr_assert_str_eq(json_string_value(json_array_get(v, 0)), "fake:latest");
    json_decref(v);
    free(req);

    malformed_checks();
    rate_limit_check("rate_limited");
    stop();
}

#else
Test(wasm_upstream, skipped_without_the_extism_host) {}
#endif
