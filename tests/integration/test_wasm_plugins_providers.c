/*
** test_wasm_plugins_providers.c — the anthropic and ollama Wasm providers
** (plugins/wasm, sans-IO) through a host, against the test upstreams that
** speak their wire formats (tests/support/upstream.h, on 127.0.0.1): chat,
** streaming, tool calls and their results, models; and the failures a user
** tells apart by the typed error: 401, 429 with retry-after, 5xx (retried,
** then typed when retries are spent). The same test body runs for both
** providers where the behaviour is the same; the wire details (paths,
** headers, bodies) are checked per provider. The openai Wasm provider has
** its own suite (test_openai_wasm).
*/
#include "upstream.h"
#include "wasm_plugins.h"

static upstream *U;

typedef struct flavour {
    const char *name;      /* the plugin's name in plugins/wasm */
    upstream_flavour kind;
    const char *suffix;    /* appended to the upstream's URL for base_url */
    const char *chat_path; /* where a chat goes */
    const char *model;
    const char *models;    /* what list_models answers */
} flavour;

static const flavour ANTHROPIC = {"anthropic", UPSTREAM_ANTHROPIC, "", "/v1/messages",
                                  "claude-fake", "[\"claude-fake\"]"};
static const flavour OLLAMA = {"ollama", UPSTREAM_OLLAMA, "", "/api/chat", "fake",
                               "[\"fake:latest\"]"};

static void stop(void)
{
    upstream_stop(U);
    U = NULL;
    wp_cleanup();
}

TestSuite(wasm_plugins_providers, .fini = stop, .timeout = 60);

/* Start the flavour's upstream and a host with the provider pointed at it;
** limits and config are more TOML lines for its tables. */
static pl_host *open_provider(const flavour *f, const char *limits, const char *config)
{
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start_as(f->kind);
    cr_assert_not_null(U);
    pl_host *h = wp_open("[trust]\nallow_unsigned = [\"%s\"]\n"
                         "[[providers]]\nname = \"%s\"\npath = \"%s/wasm/%s.wasm\"\n"
                         "[providers.limits]\n%s\n"
                         "[providers.config]\nmodel = \"%s\"\nbase_url = \"%s%s\"\n%s\n",
                         f->name, f->name, PL_PLUGIN_DIR, f->name, limits ? limits : "", f->model,
                         upstream_url(U), f->suffix,
                         config ? config : f->kind == UPSTREAM_ANTHROPIC ? "api_key = \"sk-ant-test\""
                                                                         : "");
    wp_ready(h, f->name);
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, f->name, &pi), PL_OK);
    cr_assert_eq(pi.backend, PL_BACKEND_WASM);
    return h;
}

static char *user_request(const char *text, bool tool)
{
    pl_request *r;
    cr_assert_eq(pl_request_new(&r), PL_OK);
    if (tool)
        cr_assert_eq(pl_request_tool(r, "weather", "Current weather in a city",
                                     "{\"type\":\"object\",\"properties\":{\"city\":"
                                     "{\"type\":\"string\"}},\"required\":[\"city\"]}"),
                     PL_OK);
    cr_assert_eq(pl_request_user(r, text), PL_OK);
    char *json = NULL;
    cr_assert_eq(pl_request_to_json(r, &json), PL_OK);
    pl_request_free(r);
    return json;
}

static json_t *last_body(upstream_request *rq)
{
    cr_assert(upstream_last_request(U, rq), "the upstream saw no request");
    return rq->body_len ? wp_json(rq->body) : NULL;
}

/* ---- successful calls ------------------------------------------------------------ */

static void chat_body(const flavour *f)
{
    pl_host *h = open_provider(f, NULL, NULL);
    char *req = user_request("hello there", false), *out = NULL;
    pl_call *c = wp_call_new();
    cr_assert_eq(pl_chat(h, f->name, req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "You said: hello there");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    cr_assert_eq(pl_response_tool_call_count(resp), 0);
    pl_response_free(resp);
    cr_assert_eq(pl_call_attempts(c), 1);

    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert_str_eq(rq.method, "POST");
    cr_assert_str_eq(rq.path, f->chat_path);
    cr_assert_str_eq(json_string_value(json_object_get(body, "model")), f->model);
    json_t *msg = json_array_get(json_object_get(body, "messages"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(msg, "role")), "user");
    if (f->kind == UPSTREAM_ANTHROPIC) {
        cr_assert_str_eq(upstream_request_header(&rq, "x-api-key"), "sk-ant-test");
        cr_assert_not_null(upstream_request_header(&rq, "anthropic-version"));
        cr_assert(json_integer_value(json_object_get(body, "max_tokens")) > 0);
        cr_assert_null(json_object_get(body, "stream"));
    } else {
        cr_assert(json_is_false(json_object_get(body, "stream")), "%s", rq.body);
        cr_assert_str_eq(json_string_value(json_object_get(msg, "content")), "hello there");
    }
    json_decref(body);
    upstream_request_free(&rq);
    pl_free(req);
    pl_free(out);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_chat) { chat_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_chat) { chat_body(&OLLAMA); }

static void stream_body(const flavour *f)
{
    pl_host *h = open_provider(f, NULL, NULL);
    char *req = user_request("one two three", false), *out = NULL;
    wp_stream s = {0};
    pl_call *c = wp_call_new();
    cr_assert_eq(pl_chat_stream(h, f->name, req, wp_on_chunk, &s, c, &out), PL_OK, "%s",
                 pl_call_error_message(c));
    char text[256];
    wp_stream_text(&s, text, sizeof text);
    cr_assert_str_eq(text, "You said: one two three");
    size_t n = json_array_size(s.chunks), texts = 0, usage = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *ch = json_array_get(s.chunks, i);
        texts += json_object_get(ch, "text") != NULL;
        usage += json_object_get(ch, "usage") != NULL;
    }
    cr_assert_gt(texts, 1, "the text came in one piece, not streamed");
    cr_assert_geq(usage, 1, "no usage chunk");
    json_t *last = json_array_get(s.chunks, n - 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(last, "done"),
                                                       "finish_reason")),
                     "Stop", "DONE comes last");
    cr_assert_eq(s.done, 1);
    /* The assembled reply is the same answer. */
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "You said: one two three");
    pl_response_free(resp);

    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert_str_eq(rq.path, f->chat_path);
    cr_assert(json_is_true(json_object_get(body, "stream")) ||
                  (f->kind == UPSTREAM_OLLAMA && !json_object_get(body, "stream")),
              "%s", rq.body);
    json_decref(body);
    upstream_request_free(&rq);
    json_decref(s.chunks);
    pl_free(req);
    pl_free(out);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_stream) { stream_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_stream) { stream_body(&OLLAMA); }

/* The tool call the upstream makes for "weather", then its result. */
static void tools_body(const flavour *f)
{
    pl_host *h = open_provider(f, NULL, NULL);
    pl_request *r;
    pl_request_new(&r);
    pl_request_tool(r, "weather", "Current weather in a city",
                    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
    pl_request_user(r, "What is the weather in Paris?");
    char *req, *out = NULL;
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, f->name, req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_finish_reason(resp), "ToolCalls", "%s", out);
    cr_assert_eq(pl_response_tool_call_count(resp), 1, "%s", out);
    const char *id, *name, *args;
    cr_assert_eq(pl_response_tool_call(resp, 0, &id, &name, &args), PL_OK);
    cr_assert_str_eq(name, "weather");
    json_t *a = wp_json(args), *want = wp_json("{\"city\":\"Paris\"}");
    cr_assert(json_equal(a, want), "%s", args);
    json_decref(a);
    json_decref(want);
    /* The tool's declaration went out in the provider's shape. */
    upstream_request rq;
    json_t *body = last_body(&rq);
    json_t *tool = json_array_get(json_object_get(body, "tools"), 0);
    const char *declared = f->kind == UPSTREAM_ANTHROPIC
                               ? json_string_value(json_object_get(tool, "name"))
                               : json_string_value(json_object_get(
                                     json_object_get(tool, "function"), "name"));
    cr_assert_str_eq(declared, "weather", "%s", rq.body);
    json_decref(body);
    upstream_request_free(&rq);

    /* Run the tool, send its result back: the upstream answers with it. */
    cr_assert_eq(pl_request_tool_call(r, id, name, args), PL_OK);
    cr_assert_eq(pl_request_tool_result(r, id, name, "sunny, 21 C", 0), PL_OK);
    pl_response_free(resp);
    pl_free(req);
    pl_free(out);
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, f->name, req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "The tool said: sunny, 21 C");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    pl_response_free(resp);
    pl_free(req);
    pl_free(out);

    /* Streamed: start, argument pieces, the whole call, ToolCalls. */
    req = user_request("What is the weather in Paris?", true);
    wp_stream s = {0};
    cr_assert_eq(pl_chat_stream(h, f->name, req, wp_on_chunk, &s, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    int start = -1, complete = -1;
    for (size_t i = 0; i < json_array_size(s.chunks); i++) {
        json_t *ch = json_array_get(s.chunks, i);
        if (start < 0 && json_object_get(ch, "tool_use_start"))
            start = (int)i;
        if (json_object_get(ch, "tool_use_complete"))
            complete = (int)i;
    }
    cr_assert(start >= 0 && complete > start, "tool_use_start at %d, tool_use_complete at %d",
              start, complete);
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_eq(pl_response_tool_call_count(resp), 1, "%s", out);
    cr_assert_eq(pl_response_tool_call(resp, 0, &id, &name, &args), PL_OK);
    a = wp_json(args);
    want = wp_json("{\"city\":\"Paris\"}");
    cr_assert(json_equal(a, want), "%s", args);
    cr_assert_str_eq(pl_response_finish_reason(resp), "ToolCalls");
    json_decref(a);
    json_decref(want);
    json_decref(s.chunks);
    pl_response_free(resp);
    pl_request_free(r);
    pl_free(req);
    pl_free(out);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_tools) { tools_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_tools) { tools_body(&OLLAMA); }

static void models_body(const flavour *f)
{
    pl_host *h = open_provider(f, NULL, NULL);
    char *out = NULL;
    cr_assert_eq(pl_list_models(h, f->name, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(out, f->models);
    pl_free(out);
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "GET");
    cr_assert_str_eq(rq.path, f->kind == UPSTREAM_ANTHROPIC ? "/v1/models" : "/api/tags");
    upstream_request_free(&rq);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_models) { models_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_models) { models_body(&OLLAMA); }

/* ---- failures ----------------------------------------------------------------------- */

static void expect_failure(const pl_call *c, pl_status got, pl_status st, pl_error_kind kind,
                           int http, unsigned attempts)
{
    cr_assert_eq(got, st, "status %s: %s", pl_status_str(got), pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), kind, "kind %s: %s",
                 pl_error_kind_str(pl_call_error_kind(c)), pl_call_error_message(c));
    cr_assert_eq(pl_call_http_status(c), http, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), attempts, "%u attempts: %s", pl_call_attempts(c),
                 pl_call_error_message(c));
}

/* "provider 'NAME': chat: STATUS: ..." */
static void expect_message(const pl_call *c, const flavour *f, int http)
{
    char head[128];
    snprintf(head, sizeof head, "provider '%s': chat: %d: ", f->name, http);
    cr_assert(strncmp(pl_call_error_message(c), head, strlen(head)) == 0, "%s",
              pl_call_error_message(c));
}

static int count_chunks(void *user, const pl_chunk *c)
{
    (void)c;
    (*(int *)user)++;
    return 0;
}

static void unauthorized_body(const flavour *f)
{
    pl_host *h = open_provider(f, NULL, f->kind == UPSTREAM_ANTHROPIC ? "api_key = \"sk-wrong\""
                                                                      : "");
    if (f->kind == UPSTREAM_ANTHROPIC)
        upstream_set_api_key(U, "sk-ant-right");
    else /* Ollama wants no key; a proxy in front of it might */
        upstream_fail_next(U, 401, 2, NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = wp_call_new();
    expect_failure(c, pl_chat(h, f->name, req, c, &out), PL_E_PROVIDER, PL_ERROR_AUTH, 401, 1);
    expect_message(c, f, 401);
    if (f->kind == UPSTREAM_ANTHROPIC)
        cr_assert(strstr(pl_call_error_message(c), "invalid x-api-key"), "%s",
                  pl_call_error_message(c));
    cr_assert_eq(pl_call_retry_after_ms(c), -1);
    cr_assert_null(out);
    /* The same for a stream, and no chunk reaches the caller. */
    int chunks = 0;
    expect_failure(c, pl_chat_stream(h, f->name, req, count_chunks, &chunks, c, NULL),
                   PL_E_PROVIDER, PL_ERROR_AUTH, 401, 1);
    cr_assert_eq(chunks, 0);
    cr_assert_eq(upstream_request_count(U), 2, "a 401 is not retried");
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_unauthorized) { unauthorized_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_unauthorized) { unauthorized_body(&OLLAMA); }

static void rate_limited_body(const flavour *f)
{
    /* No retries: the caller learns at once how long to wait. */
    pl_host *h = open_provider(f, "max_retries = 0", NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = wp_call_new();
    upstream_fail_next(U, 429, 1, "7", NULL);
    expect_failure(c, pl_chat(h, f->name, req, c, &out), PL_E_PROVIDER, PL_ERROR_RATE_LIMITED,
                   429, 1);
    expect_message(c, f, 429);
    cr_assert_eq(pl_call_retry_after_ms(c), 7000);
    cr_assert_null(out);
    pl_host_close(h);
    upstream_stop(U);

    /* With retries, a short wait is honoured and the retry succeeds. */
    h = open_provider(f, "max_retries = 2", NULL);
    upstream_fail_next(U, 429, 1, "0", NULL);
    cr_assert_eq(pl_chat(h, f->name, req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    cr_assert(strstr(out, "You said: hello"), "%s", out);
    cr_assert_eq(upstream_request_count(U), 2);
    pl_free(out);
    /* A wait past the call's deadline is not started. */
    upstream_fail_next(U, 429, 5, "120", NULL);
    expect_failure(c, pl_chat(h, f->name, req, c, &out), PL_E_PROVIDER, PL_ERROR_RATE_LIMITED,
                   429, 1);
    cr_assert_eq(pl_call_retry_after_ms(c), 120000);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_rate_limited) { rate_limited_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_rate_limited) { rate_limited_body(&OLLAMA); }

static void server_error_body(const flavour *f)
{
    pl_host *h = open_provider(f, "max_retries = 2\nretry_base_ms = 1", NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = wp_call_new();
    /* One 500, then the answer. */
    upstream_fail_next(U, 500, 1, NULL, NULL);
    cr_assert_eq(pl_chat(h, f->name, req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    cr_assert(strstr(out, "You said: hello"), "%s", out);
    pl_free(out);
    /* A stream is retried the same way (nothing was delivered yet). */
    wp_stream s = {0};
    upstream_fail_next(U, 502, 1, NULL, NULL);
    cr_assert_eq(pl_chat_stream(h, f->name, req, wp_on_chunk, &s, c, NULL), PL_OK, "%s",
                 pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    char text[128];
    wp_stream_text(&s, text, sizeof text);
    cr_assert_str_eq(text, "You said: hello");
    json_decref(s.chunks);
    /* Retries spent: the last answer, typed. */
    upstream_fail_next(U, 503, 3, NULL, NULL);
    expect_failure(c, pl_chat(h, f->name, req, c, &out), PL_E_PROVIDER, PL_ERROR_PROVIDER, 503, 3);
    expect_message(c, f, 503);
    cr_assert_null(out);
    cr_assert_eq(upstream_request_count(U), 7);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

Test(wasm_plugins_providers, anthropic_server_errors) { server_error_body(&ANTHROPIC); }
Test(wasm_plugins_providers, ollama_server_errors) { server_error_body(&OLLAMA); }

/* Anthropic's own overload status, 529, and a 400 it explains. */
Test(wasm_plugins_providers, anthropic_overloaded_and_bad_request)
{
    pl_host *h = open_provider(&ANTHROPIC, "max_retries = 0", NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = wp_call_new();
    upstream_fail_next(U, 529, 1, NULL, NULL);
    pl_status st = pl_chat(h, "anthropic", req, c, &out);
    cr_assert_eq(st, PL_E_PROVIDER, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_PROVIDER, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_http_status(c), 529);
    cr_assert(strstr(pl_call_error_message(c), "Overloaded"), "%s", pl_call_error_message(c));
    upstream_fail_next(U, 400, 1, NULL,
                       "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                       "\"message\":\"max_tokens: must be positive\"}}");
    expect_failure(c, pl_chat(h, "anthropic", req, c, &out), PL_E_PROVIDER,
                   PL_ERROR_INVALID_REQUEST, 400, 1);
    cr_assert_str_eq(pl_call_error_message(c),
                     "provider 'anthropic': chat: 400: max_tokens: must be positive");
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}
