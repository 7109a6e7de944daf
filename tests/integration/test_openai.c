/*
** test_openai.c — the `openai` native plugin end to end through the public
** API, against the local OpenAI-speaking upstream (tests/support): chat,
** streaming, tool calls and their results, embeddings, models, complete;
** and every failure a user must be able to tell apart by its typed error:
** 401, 429 with Retry-After, 5xx then success, malformed JSON, connection
** refused, a slow upstream, a stream cut in the middle, a host outside the
** allow-list, and cancellation from another thread.
**
** Each test starts its own upstream on 127.0.0.1 (kernel-chosen port) and
** writes a configuration naming build/plugins/native/openai.so whose
** base_url points at it. No assertion depends on how long anything took.
*/
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plinth/plinth.h"
#include "upstream.h"

/* The same tests run against the native plugin and its Wasm build
** (test_openai_wasm, built from this file with PL_OPENAI_WASM): a user must
** not be able to tell the backends apart. */
#ifdef PL_OPENAI_WASM
#  define OPENAI_SO PL_PLUGIN_DIR "/wasm/openai.wasm"
#  define SUITE openai_wasm
#else
#  define OPENAI_SO PL_PLUGIN_DIR "/native/openai.so"
#  define SUITE openai
#endif
#define TEST(suite, name, ...) Test(suite, name, ##__VA_ARGS__)
#define TEST_SUITE(suite, ...) TestSuite(suite, ##__VA_ARGS__)

static upstream *U;
static char dir[64], path[128];

static void start(void)
{
    /* A proxy from the environment must not see requests to the upstream. */
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U);
}

static void stop(void)
{
    upstream_stop(U);
    if (path[0])
        unlink(path);
    if (dir[0])
        rmdir(dir);
}

TEST_SUITE(SUITE, .init = start, .fini = stop, .timeout = 60);

/* A configuration for provider "openai" at base_url, with more TOML lines
** for [providers.limits] and [providers.config]. */
static pl_host *open_at(const char *base_url, const char *limits, const char *config)
{
    snprintf(dir, sizeof dir, "/tmp/plinth-openai-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/plinth.toml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "[trust]\nallow_unsigned = [\"openai\"]\n"
            "[[providers]]\nname = \"openai\"\npath = \"%s\"\n"
            "[providers.limits]\n%s\n"
            "[providers.config]\nmodel = \"fake-model\"\nbase_url = \"%s\"\n%s\n",
            OPENAI_SO, limits ? limits : "", base_url, config ? config : "api_key = \"sk-test\"");
    fclose(f);
    char err[1024];
    pl_host *h = NULL;
    cr_assert_eq(pl_host_open(path, &h, err, sizeof err), PL_OK, "pl_host_open: %s", err);
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, "openai", &pi), PL_OK);
    cr_assert_eq(pi.state, PL_PLUGIN_READY, "%s", pi.error ? pi.error : "");
    return h;
}

static pl_host *open_host(const char *limits, const char *config)
{
    char base[96];
    snprintf(base, sizeof base, "%s/v1", upstream_url(U));
    return open_at(base, limits, config);
}

static pl_call *new_call(void)
{
    pl_call *c = NULL;
    cr_assert_eq(pl_call_new(&c), PL_OK);
    return c;
}

/* {"messages": [User text]} (and the weather tool when tool is true). */
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

/* The body of the upstream's latest request, parsed. */
static json_t *last_body(upstream_request *rq)
{
    cr_assert(upstream_last_request(U, rq), "the upstream saw no request");
    json_t *body = json_loadb(rq->body, rq->body_len, 0, NULL);
    cr_assert(rq->body_len == 0 || body, "the request body is not JSON: %s", rq->body);
    return body;
}

static const char *str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- successful calls ------------------------------------------------- */

TEST(SUITE, chat_through_the_helpers)
{
    pl_host *h = open_host(NULL, NULL);
    pl_request *r;
    pl_request_new(&r);
    pl_request_system(r, "Be brief.");
    pl_request_user(r, "hello there");
    char *req, *out = NULL;
    pl_request_to_json(r, &req);
    pl_request_free(r);
    pl_call *c = new_call();
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_NONE);

    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "You said: hello there");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    cr_assert_eq(pl_response_tool_call_count(resp), 0);
    /* "Be brief." and "hello there": four words in, four out. */
    cr_assert_eq(pl_response_usage(resp).input_tokens, 4);
    cr_assert_eq(pl_response_usage(resp).output_tokens, 4);
    pl_response_free(resp);

    /* What went over the wire: OpenAI's shape, the system prompt first. */
    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert_str_eq(rq.method, "POST");
    cr_assert_str_eq(rq.path, "/v1/chat/completions");
    cr_assert_str_eq(upstream_request_header(&rq, "authorization"), "Bearer sk-test");
    cr_assert_str_eq(str_at(body, "model"), "fake-model");
    json_t *msgs = json_object_get(body, "messages");
    cr_assert_eq(json_array_size(msgs), 2);
    cr_assert_str_eq(str_at(json_array_get(msgs, 0), "role"), "system");
    cr_assert_str_eq(str_at(json_array_get(msgs, 0), "content"), "Be brief.");
    cr_assert_str_eq(str_at(json_array_get(msgs, 1), "role"), "user");
    cr_assert_str_eq(str_at(json_array_get(msgs, 1), "content"), "hello there");
    cr_assert_null(json_object_get(body, "stream"));
    json_decref(body);
    upstream_request_free(&rq);
    pl_free(req);
    pl_free(out);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, per_call_overrides_reach_the_upstream)
{
    pl_host *h = open_host(NULL, "api_key = \"sk-test\"\ntemperature = 0.5");
    char *out = NULL;
    const char *req = "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"hi\"}]}],\"model\":\"other-model\",\"max_tokens\":7,"
                      "\"options\":{\"top_p\":0.25}}";
    cr_assert_eq(pl_chat(h, "openai", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert_str_eq(str_at(body, "model"), "other-model");
    cr_assert_eq(json_integer_value(json_object_get(body, "max_tokens")), 7);
    cr_assert_float_eq(json_number_value(json_object_get(body, "temperature")), 0.5, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(body, "top_p")), 0.25, 1e-9);
    json_decref(body);
    upstream_request_free(&rq);
    pl_free(out);

    /* Whether to stream is the host's to say: pl_chat asks for a whole reply. */
    req = "{\"messages\":[{\"role\":\"User\",\"content\":\"hi\"}],"
          "\"options\":{\"stream\":true}}";
    cr_assert_eq(pl_chat(h, "openai", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert(strstr(out, "\"text\":\"You said: hi\""), "%s", out);
    body = last_body(&rq);
    cr_assert_null(json_object_get(body, "stream"));
    json_decref(body);
    upstream_request_free(&rq);
    pl_free(out);
    pl_host_close(h);
}

/* Every chunk of a stream, in order. */
typedef struct seen {
    pl_chunk_kind kinds[256];
    int n;
    char text[1024];
    int text_chunks;
    char start_id[32], start_name[32], deltas[256], args[256];
    int done_count, usage_count;
    pl_usage usage;
    char finish[32];
    int stop_after; /* return non-zero at this chunk (0: never) */
} seen;

static void append(char *dst, size_t cap, const char *s, size_t n)
{
    size_t have = strlen(dst);
    cr_assert_lt(have + n, cap, "more text than the test expects");
    memcpy(dst + have, s, n);
    dst[have + n] = '\0';
}

static int record(void *user, const pl_chunk *c)
{
    seen *s = user;
    cr_assert_lt(s->n, 256);
    cr_assert_eq(s->done_count, 0, "a chunk after DONE");
    cr_assert_not_null(c->json);
    s->kinds[s->n++] = c->kind;
    switch (c->kind) {
    case PL_CHUNK_TEXT:
        append(s->text, sizeof s->text, c->text, c->text_len);
        s->text_chunks++;
        break;
    case PL_CHUNK_TOOL_USE_START:
        snprintf(s->start_id, sizeof s->start_id, "%s", c->id);
        snprintf(s->start_name, sizeof s->start_name, "%s", c->name);
        break;
    case PL_CHUNK_TOOL_USE_DELTA:
        append(s->deltas, sizeof s->deltas, c->text, c->text_len);
        break;
    case PL_CHUNK_TOOL_USE_COMPLETE:
        snprintf(s->args, sizeof s->args, "%s", c->arguments);
        break;
    case PL_CHUNK_USAGE:
        s->usage_count++;
        s->usage = c->usage;
        break;
    case PL_CHUNK_DONE:
        s->done_count++;
        snprintf(s->finish, sizeof s->finish, "%s", c->finish_reason);
        break;
    default:
        break;
    }
    return s->stop_after && s->n >= s->stop_after;
}

/* Position of the first chunk of this kind, or -1. */
static int first(const seen *s, pl_chunk_kind k)
{
    for (int i = 0; i < s->n; i++)
        if (s->kinds[i] == k)
            return i;
    return -1;
}

TEST(SUITE, stream_delivers_chunks_in_order)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("one two three", false), *out = NULL;
    seen s = {0};
    pl_call *c = new_call();
    cr_assert_eq(pl_chat_stream(h, "openai", req, record, &s, c, &out), PL_OK, "%s",
                 pl_call_error_message(c));
    cr_assert_str_eq(s.text, "You said: one two three");
    cr_assert_gt(s.text_chunks, 3, "the text came in one piece, not streamed");
    cr_assert_eq(s.usage_count, 1);
    cr_assert_eq(s.usage.input_tokens, 3);
    cr_assert_eq(s.usage.output_tokens, 5);
    cr_assert_eq(s.done_count, 1);
    cr_assert_eq(s.kinds[s.n - 1], PL_CHUNK_DONE, "DONE is the last chunk");
    cr_assert_eq(s.kinds[s.n - 2], PL_CHUNK_USAGE, "usage comes right before DONE");
    cr_assert_str_eq(s.finish, "Stop");

    /* The assembled reply is the whole answer. */
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "You said: one two three");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    cr_assert_eq(pl_response_usage(resp).output_tokens, 5);
    pl_response_free(resp);

    /* The upstream was asked for a stream with usage. */
    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert(json_is_true(json_object_get(body, "stream")));
    cr_assert(json_is_true(
        json_object_get(json_object_get(body, "stream_options"), "include_usage")));
    json_decref(body);
    upstream_request_free(&rq);
    pl_free(req);
    pl_free(out);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, stream_tool_use_start_delta_complete)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("What is the weather in Paris?", true), *out = NULL;
    seen s = {0};
    cr_assert_eq(pl_chat_stream(h, "openai", req, record, &s, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    int st = first(&s, PL_CHUNK_TOOL_USE_START), de = first(&s, PL_CHUNK_TOOL_USE_DELTA);
    int co = first(&s, PL_CHUNK_TOOL_USE_COMPLETE), us = first(&s, PL_CHUNK_USAGE);
    cr_assert(st >= 0 && de > st && co > de && us > co && s.kinds[s.n - 1] == PL_CHUNK_DONE,
              "order: start %d, delta %d, complete %d, usage %d, of %d", st, de, co, us, s.n);
    cr_assert_str_eq(s.start_id, "call_1");
    cr_assert_str_eq(s.start_name, "weather");
    cr_assert_str_eq(s.deltas, "{\"city\":\"Paris\"}", "the argument fragments in order");
    cr_assert_str_eq(s.args, "{\"city\":\"Paris\"}");
    cr_assert_str_eq(s.finish, "ToolCalls");
    cr_assert_eq(s.text_chunks, 0);

    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_eq(pl_response_tool_call_count(resp), 1);
    const char *id, *name, *args;
    cr_assert_eq(pl_response_tool_call(resp, 0, &id, &name, &args), PL_OK);
    cr_assert_str_eq(id, "call_1");
    cr_assert_str_eq(name, "weather");
    cr_assert_str_eq(args, "{\"city\":\"Paris\"}");
    pl_response_free(resp);
    pl_free(req);
    pl_free(out);
    pl_host_close(h);
}

/* The tool's declaration, the assistant's call and the result as OpenAI
** wants them: tools[].function, assistant tool_calls, a "tool" message. */
static void check_tool_round_trip_body(void)
{
    upstream_request rq;
    json_t *body = last_body(&rq);
    json_t *fn = json_object_get(json_array_get(json_object_get(body, "tools"), 0), "function");
    cr_assert_str_eq(str_at(fn, "name"), "weather");
    json_t *msgs = json_object_get(body, "messages");
    cr_assert_eq(json_array_size(msgs), 3, "user, assistant with the call, tool result");
    json_t *asst = json_array_get(msgs, 1), *tool = json_array_get(msgs, 2);
    cr_assert_str_eq(str_at(asst, "role"), "assistant");
    json_t *call = json_array_get(json_object_get(asst, "tool_calls"), 0);
    cr_assert_str_eq(str_at(call, "id"), "call_1");
    cr_assert_str_eq(str_at(json_object_get(call, "function"), "name"), "weather");
    json_t *args = json_loads(str_at(json_object_get(call, "function"), "arguments"), 0, NULL);
    cr_assert_str_eq(str_at(args, "city"), "Paris");
    json_decref(args);
    cr_assert_str_eq(str_at(tool, "role"), "tool");
    cr_assert_str_eq(str_at(tool, "tool_call_id"), "call_1");
    cr_assert_str_eq(str_at(tool, "content"), "sunny, 21 C");
    json_decref(body);
    upstream_request_free(&rq);
}

TEST(SUITE, tool_call_then_its_result)
{
    pl_host *h = open_host(NULL, NULL);
    pl_request *r;
    pl_request_new(&r);
    pl_request_tool(r, "weather", "Current weather in a city",
                    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
    pl_request_user(r, "What is the weather in Paris?");
    char *req, *out = NULL;
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, "openai", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_finish_reason(resp), "ToolCalls");
    cr_assert_null(pl_response_text(resp));
    cr_assert_eq(pl_response_tool_call_count(resp), 1);
    const char *id, *name, *args;
    pl_response_tool_call(resp, 0, &id, &name, &args);
    cr_assert_str_eq(id, "call_1");
    cr_assert_str_eq(name, "weather");
    cr_assert_str_eq(args, "{\"city\":\"Paris\"}");

    /* Run the tool, send the call and its result back. */
    cr_assert_eq(pl_request_tool_call(r, id, name, args), PL_OK);
    cr_assert_eq(pl_request_tool_result(r, id, name, "sunny, 21 C", 0), PL_OK);
    pl_response_free(resp);
    pl_free(req);
    pl_free(out);
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, "openai", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK, "%s", out);
    cr_assert_str_eq(pl_response_text(resp), "The tool said: sunny, 21 C");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    check_tool_round_trip_body();
    pl_response_free(resp);
    pl_request_free(r);
    pl_free(req);
    pl_free(out);
    pl_host_close(h);
}

/* The vectors of an embed reply: n of dims numbers, each in [-1, 1]. */
static json_t *vectors(const char *out, size_t n, size_t dims)
{
    json_t *v = json_loads(out, 0, NULL);
    cr_assert(json_is_array(v) && json_array_size(v) == n, "%s", out);
    for (size_t i = 0; i < n; i++) {
        json_t *vec = json_array_get(v, i);
        cr_assert_eq(json_array_size(vec), dims, "%s", out);
        for (size_t k = 0; k < dims; k++) {
            double x = json_number_value(json_array_get(vec, k));
            cr_assert(json_is_number(json_array_get(vec, k)) && x >= -1 && x <= 1, "%s", out);
        }
    }
    return v;
}

TEST(SUITE, embeddings_float_and_base64_agree)
{
    pl_host *h = open_host(NULL, NULL);
    char *out = NULL;
    cr_assert_eq(pl_embed(h, "openai", "{\"inputs\":[\"first text\",\"second text\"]}", NULL,
                          &out),
                 PL_OK, "%s", pl_host_last_error(h));
    json_t *plain = vectors(out, 2, 8);
    cr_assert_not(json_equal(json_array_get(plain, 0), json_array_get(plain, 1)),
                  "two texts, one vector");
    pl_free(out);
    upstream_request rq;
    json_t *body = last_body(&rq);
    cr_assert_str_eq(rq.path, "/v1/embeddings");
    cr_assert_str_eq(str_at(body, "encoding_format"), "float");
    cr_assert_eq(json_array_size(json_object_get(body, "input")), 2);
    json_decref(body);
    upstream_request_free(&rq);

    /* The same texts as base64 float32: decoded to the same numbers. */
    cr_assert_eq(pl_embed(h, "openai",
                          "{\"inputs\":[\"first text\",\"second text\"],"
                          "\"options\":{\"embedding_encoding_format\":\"base64\"}}",
                          NULL, &out),
                 PL_OK, "%s", pl_host_last_error(h));
    json_t *b64 = vectors(out, 2, 8);
    cr_assert(json_equal(plain, b64), "float and base64 differ: %s", out);
    json_decref(plain);
    json_decref(b64);
    pl_free(out);
    pl_host_close(h);
}

TEST(SUITE, list_models_and_complete)
{
    pl_host *h = open_host(NULL, NULL);
    char *out = NULL;
    cr_assert_eq(pl_list_models(h, "openai", NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(out, "[\"fake-model\",\"fake-embed\"]");
    pl_free(out);
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "GET");
    cr_assert_str_eq(rq.path, "/v1/models");
    upstream_request_free(&rq);

    cr_assert_eq(pl_complete(h, "openai", "{\"prompt\":\"Once upon a time\",\"max_tokens\":20}",
                             NULL, &out),
                 PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(out, "{\"text\":\"You said: Once upon a time\"}");
    pl_free(out);
    json_t *body = last_body(&rq);
    cr_assert_str_eq(rq.path, "/v1/completions");
    cr_assert_str_eq(str_at(body, "prompt"), "Once upon a time");
    cr_assert_eq(json_integer_value(json_object_get(body, "max_tokens")), 20);
    json_decref(body);
    upstream_request_free(&rq);
    pl_host_close(h);
}

TEST(SUITE, api_key_from_the_named_variable_only)
{
    upstream_set_api_key(U, "sk-from-env");
    setenv("PLINTH_TEST_OPENAI_KEY", "sk-from-env", 1);
    setenv("OPENAI_API_KEY", "sk-not-this-one", 1);
    pl_host *h = open_host(NULL, "api_key_name = \"PLINTH_TEST_OPENAI_KEY\"");
    char *out = NULL;
    cr_assert_eq(pl_list_models(h, "openai", NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    pl_free(out);
    pl_host_close(h);
}

/* Eight threads chatting at once on one provider, each getting its own
** answer. */
static void *chat_many(void *arg)
{
    pl_host *h = arg;
    for (int i = 0; i < 20; i++) {
        char text[32], want[64], *out = NULL;
        snprintf(text, sizeof text, "n%d-%p", i, (void *)&text);
        char *req = user_request(text, false);
        pl_status st = pl_chat(h, "openai", req, NULL, &out);
        pl_free(req);
        snprintf(want, sizeof want, "\"You said: %s\"", text);
        bool ok = st == PL_OK && strstr(out, want);
        pl_free(out);
        if (!ok)
            return (void *)1;
    }
    return NULL;
}

TEST(SUITE, concurrent_calls)
{
    pl_host *h = open_host(NULL, NULL);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, chat_many, h), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_expect_null(r, "thread %d got a wrong answer", i);
    }
    cr_assert_eq(upstream_request_count(U), 160);
    pl_host_close(h);
}

/* ---- failures ----------------------------------------------------------- */

/* Expect a failed call: status, kind, HTTP status, attempts, message. */
static void expect_failure(const pl_call *c, pl_status got, pl_status st, pl_error_kind kind,
                           int http, unsigned attempts, const char *msg)
{
    cr_assert_eq(got, st, "status %d (%s): %s", got, pl_status_str(got),
                 pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), kind, "kind %s: %s",
                 pl_error_kind_str(pl_call_error_kind(c)), pl_call_error_message(c));
    cr_assert_eq(pl_call_http_status(c), http);
    cr_assert_eq(pl_call_attempts(c), attempts, "%u attempts: %s", pl_call_attempts(c),
                 pl_call_error_message(c));
    cr_assert_str_eq(pl_call_error_message(c), msg);
}

TEST(SUITE, unauthorized)
{
    upstream_set_api_key(U, "sk-the-right-one");
    pl_host *h = open_host(NULL, "api_key = \"sk-wrong\"");
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_PROVIDER, PL_ERROR_AUTH, 401, 1,
                   "provider 'openai': chat: 401: You didn't provide an API key, or it is not "
                   "the right one.");
    cr_assert_str_eq(pl_call_provider_code(c), "invalid_api_key");
    cr_assert_eq(pl_call_retry_after_ms(c), -1);
    cr_assert_null(out);
    cr_assert_str_eq(pl_host_last_error(h), pl_call_error_message(c));
    /* The same for a stream: no chunk reaches the caller. */
    seen s = {0};
    expect_failure(c, pl_chat_stream(h, "openai", req, record, &s, c, NULL), PL_E_PROVIDER,
                   PL_ERROR_AUTH, 401, 1,
                   "provider 'openai': chat: 401: You didn't provide an API key, or it is not "
                   "the right one.");
    cr_assert_eq(s.n, 0);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, rate_limited_retries_are_bounded)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    /* Always 429: the first try and two retries, each after the asked wait. */
    upstream_fail_next(U, 429, 100, "1", NULL);
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_PROVIDER, PL_ERROR_RATE_LIMITED,
                   429, 3, "provider 'openai': chat: 429: Rate limit reached for requests.");
    cr_assert_eq(pl_call_retry_after_ms(c), 1000);
    cr_assert_str_eq(pl_call_provider_code(c), "rate_limit_exceeded");
    cr_assert_eq(upstream_request_count(U), 3);
    cr_assert_null(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, rate_limited_with_a_wait_past_the_deadline)
{
    pl_host *h = open_host("wall_timeout_ms = 5000", NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    /* A two-minute wait cannot fit in a five-second call: no retry, and
    ** the caller learns how long to wait. */
    upstream_fail_next(U, 429, 100, "120", NULL);
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_PROVIDER, PL_ERROR_RATE_LIMITED,
                   429, 1, "provider 'openai': chat: 429: Rate limit reached for requests.");
    cr_assert_eq(pl_call_retry_after_ms(c), 120000);
    cr_assert_eq(upstream_request_count(U), 1);

    /* A short wait is honoured and the retry succeeds. */
    upstream_fail_next(U, 429, 1, "0", NULL);
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_NONE);
    cr_assert(strstr(out, "You said: hello"), "%s", out);
    pl_free(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, server_error_then_success)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    upstream_fail_next(U, 500, 1, NULL, NULL);
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    cr_assert(strstr(out, "\"text\":\"You said: hello\""), "%s", out);
    pl_free(out);

    /* A stream is retried the same way (nothing was delivered yet). */
    seen s = {0};
    upstream_fail_next(U, 502, 1, NULL, NULL);
    cr_assert_eq(pl_chat_stream(h, "openai", req, record, &s, c, NULL), PL_OK, "%s",
                 pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 2);
    cr_assert_str_eq(s.text, "You said: hello");
    cr_assert_eq(s.done_count, 1);

    /* Retries spent: the last answer, typed. */
    upstream_fail_next(U, 503, 3, NULL, NULL);
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_PROVIDER, PL_ERROR_PROVIDER, 503,
                   3, "provider 'openai': chat: 503: The server is overloaded or not ready yet.");
    cr_assert_eq(upstream_request_count(U), 7);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, retries_follow_the_configuration)
{
    /* max_retries = 0: a 503 is answered at once, after one request. */
    pl_host *h = open_host("max_retries = 0", NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    upstream_fail_next(U, 503, 3, NULL, NULL);
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_PROVIDER, PL_ERROR_PROVIDER, 503,
                   1, "provider 'openai': chat: 503: The server is overloaded or not ready yet.");
    cr_assert_eq(upstream_request_count(U), 1);
    pl_host_close(h);
    unlink(path);
    rmdir(dir);

    /* More retries than the default, each wait short: the fourth attempt
    ** gets through. */
    upstream_reset_script(U);
    h = open_host("max_retries = 4\nretry_base_ms = 1", NULL);
    upstream_fail_next(U, 503, 3, NULL, NULL);
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_attempts(c), 4);
    cr_assert(strstr(out, "You said: hello"), "%s", out);
    pl_free(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, malformed_json_from_the_upstream)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    upstream_malformed_next(U);
    pl_status st = pl_chat(h, "openai", req, c, &out);
    cr_assert_eq(st, PL_E_PROVIDER, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_RESPONSE);
    cr_assert_eq(pl_call_http_status(c), 0, "the failure is the reply's, not an HTTP status");
    cr_assert_eq(pl_call_attempts(c), 1);
    /* Each layer names itself once: the host the provider and the
    ** operation, the plugin what was wrong. */
    cr_assert(strncmp(pl_call_error_message(c),
                      "provider 'openai': chat: chat response is not valid JSON at line 1", 66) ==
                  0,
              "%s", pl_call_error_message(c));
    cr_assert_null(out);

    /* In a stream: the broken event fails the call, and no DONE arrives. */
    seen s = {0};
    upstream_malformed_next(U);
    st = pl_chat_stream(h, "openai", req, record, &s, c, NULL);
    cr_assert_eq(st, PL_E_PROVIDER, "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_RESPONSE);
    static const char in_stream[] =
        "provider 'openai': chat stream: stream event is not valid JSON";
    cr_assert(strncmp(pl_call_error_message(c), in_stream, sizeof in_stream - 1) == 0, "%s",
              pl_call_error_message(c));
    cr_assert_eq(s.done_count, 0);

    /* Embeddings too. */
    upstream_malformed_next(U);
    st = pl_embed(h, "openai", "{\"inputs\":[\"x\"]}", c, &out);
    cr_assert_eq(st, PL_E_PROVIDER);
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_RESPONSE);
    static const char in_embed[] =
        "provider 'openai': embed: embedding response is not valid JSON";
    cr_assert(strncmp(pl_call_error_message(c), in_embed, sizeof in_embed - 1) == 0, "%s",
              pl_call_error_message(c));
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, stream_answered_with_one_json_reply)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    /* A gateway's error object with a 200 is an error, not an empty reply. */
    seen s = {0};
    upstream_fail_next(U, 200, 1, NULL,
                       "{\"error\":{\"message\":\"The model is overloaded.\","
                       "\"type\":\"server_error\",\"code\":null}}");
    expect_failure(c, pl_chat_stream(h, "openai", req, record, &s, c, &out), PL_E_PROVIDER,
                   PL_ERROR_PROVIDER, 200, 1,
                   "provider 'openai': chat: 200: The model is overloaded.");
    cr_assert_eq(s.n, 0);
    cr_assert_null(out);

    /* A server that does not stream: its whole reply comes as chunks. */
    upstream_fail_next(U, 200, 1, NULL,
                       "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"choices\":"
                       "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                       "\"all at once\"},\"finish_reason\":\"stop\"}],\"usage\":"
                       "{\"prompt_tokens\":1,\"completion_tokens\":3,\"total_tokens\":4}}");
    cr_assert_eq(pl_chat_stream(h, "openai", req, record, &s, c, &out), PL_OK, "%s",
                 pl_call_error_message(c));
    cr_assert_str_eq(s.text, "all at once");
    cr_assert_eq(s.usage.output_tokens, 3);
    cr_assert_eq(s.done_count, 1);
    cr_assert_str_eq(s.finish, "Stop");
    cr_assert(strstr(out, "\"text\":\"all at once\""), "%s", out);
    pl_free(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

/* A port nothing listens on: bind one, read its number, close it. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

TEST(SUITE, connection_refused)
{
    char base[64], want[256];
    int port = dead_port();
    snprintf(base, sizeof base, "http://127.0.0.1:%d/v1", port);
    pl_host *h = open_at(base, NULL, NULL);
    char *req = user_request("hello", false), *out = NULL;
    pl_call *c = new_call();
    /* Nothing was sent, so even a POST is retried. */
    snprintf(want, sizeof want,
             "provider 'openai': chat: POST %s/chat/completions: connection refused "
             "(3 attempts)",
             base);
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_NETWORK, PL_ERROR_TRANSPORT, 0, 3,
                   want);
    cr_assert_null(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, slower_than_the_timeout)
{
    pl_host *h = open_host("wall_timeout_ms = 300", NULL);
    char *req = user_request("hello", false), *out = NULL;
    char want[256];
    pl_call *c = new_call();
    upstream_set_delay_ms(U, 20000);
    snprintf(want, sizeof want,
             "provider 'openai': chat: POST %s/v1/chat/completions: timed out after 300 ms",
             upstream_url(U));
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_TIMEOUT, PL_ERROR_TIMEOUT, 0, 1,
                   want);
    seen s = {0};
    expect_failure(c, pl_chat_stream(h, "openai", req, record, &s, c, NULL), PL_E_TIMEOUT,
                   PL_ERROR_TIMEOUT, 0, 1, want);
    cr_assert_eq(s.n, 0);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, stream_cut_in_the_middle)
{
    pl_host *h = open_host(NULL, NULL);
    char *req = user_request("a long enough sentence to stream", false);
    char want[256];
    pl_call *c = new_call();
    seen s = {0};
    /* The role delta and two content deltas, then the connection closes. */
    upstream_cut_stream_after(U, 3);
    snprintf(want, sizeof want,
             "provider 'openai': chat: POST %s/v1/chat/completions: stream cut after 3 events",
             upstream_url(U));
    expect_failure(c, pl_chat_stream(h, "openai", req, record, &s, c, NULL), PL_E_NETWORK,
                   PL_ERROR_TRANSPORT, 0, 1, want);
    cr_assert_eq(s.text_chunks, 2, "what arrived before the cut was delivered");
    cr_assert_eq(s.done_count, 0, "a cut stream has no DONE");
    cr_assert_eq(first(&s, PL_CHUNK_USAGE), -1);
    cr_assert_eq(upstream_request_count(U), 1, "events were delivered: no retry");
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

TEST(SUITE, host_outside_the_allow_list_gets_nothing)
{
    upstream *other = upstream_start();
    cr_assert_not_null(other);
    pl_host *h = open_host(NULL, NULL);
    char req[512], want[512], *out = NULL;
    /* The configured base_url is allowed; a per-call base_url elsewhere
    ** (here: another port) is not. */
    snprintf(req, sizeof req,
             "{\"messages\":[{\"role\":\"User\",\"content\":\"hello\"}],"
             "\"options\":{\"base_url\":\"%s/v1\"}}",
             upstream_url(other));
    snprintf(want, sizeof want,
             "provider 'openai': chat: POST %s/v1/chat/completions: host '127.0.0.1' is not in "
             "the allow-list (%s)",
             upstream_url(other), upstream_url(U));
    pl_call *c = new_call();
    expect_failure(c, pl_chat(h, "openai", req, c, &out), PL_E_DENIED, PL_ERROR_DENIED, 0, 0,
                   want);
    seen s = {0};
    expect_failure(c, pl_chat_stream(h, "openai", req, record, &s, c, NULL), PL_E_DENIED,
                   PL_ERROR_DENIED, 0, 0, want);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(upstream_request_count(other), 0, "a denied request was sent");
    cr_assert_eq(upstream_connection_count(other), 0, "a denied host was contacted");
    cr_assert_eq(upstream_request_count(U), 0);
    pl_host_close(h);
    unlink(path);
    rmdir(dir);

    /* allowed_hosts widens the list: now the same call goes through. */
    h = open_host(NULL, "api_key = \"sk-test\"\nallowed_hosts = [\"127.0.0.1:*\"]");
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    cr_assert_eq(upstream_request_count(other), 1);
    pl_free(out);
    pl_call_free(c);
    pl_host_close(h);
    upstream_stop(other);
}

/* ---- cancellation from another thread ------------------------------------ */

typedef struct canceller {
    pl_call *call;
    size_t after_requests; /* cancel once the upstream saw this many */
    atomic_bool call_ended; /* the call returned first (a failure): give up */
} canceller;

/* Cancel once the request is known to be in flight (the upstream holds
** it), so the cancel cannot land before the call started. */
static void *cancel_in_flight(void *arg)
{
    canceller *k = arg;
    while (upstream_request_count(U) < k->after_requests && !atomic_load(&k->call_ended))
        usleep(1000);
    pl_call_cancel(k->call);
    return NULL;
}

static pl_status chat_cancelled(pl_host *h, pl_call *c, bool stream, seen *s)
{
    canceller k = {c, upstream_request_count(U) + 1, false};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_in_flight, &k), 0);
    char *req = user_request("hello", false), *out = NULL;
    pl_status st = stream ? pl_chat_stream(h, "openai", req, record, s, c, NULL)
                          : pl_chat(h, "openai", req, c, &out);
    atomic_store(&k.call_ended, true);
    pthread_join(t, NULL);
    cr_assert_null(out);
    pl_free(req);
    return st;
}

TEST(SUITE, cancel_from_another_thread)
{
    pl_host *h = open_host("wall_timeout_ms = 60000", NULL);
    pl_call *c = new_call();
    char want[256];
    snprintf(want, sizeof want, "provider 'openai': chat: POST %s/v1/chat/completions: cancelled",
             upstream_url(U));
    upstream_set_delay_ms(U, 60000);
    expect_failure(c, chat_cancelled(h, c, false, NULL), PL_E_CANCELLED, PL_ERROR_CANCELLED, 0, 1,
                   want);
    seen s = {0};
    expect_failure(c, chat_cancelled(h, c, true, &s), PL_E_CANCELLED, PL_ERROR_CANCELLED, 0, 1,
                   want);
    cr_assert_eq(s.n, 0);

    /* During the wait before a retry. */
    upstream_set_delay_ms(U, 0);
    upstream_fail_next(U, 503, 1, "30", NULL);
    expect_failure(c, chat_cancelled(h, c, false, NULL), PL_E_CANCELLED, PL_ERROR_CANCELLED, 0, 1,
                   want);

    /* A cancelled call leaves the host and the pl_call usable. */
    char *req = user_request("again", false), *out = NULL;
    cr_assert_eq(pl_chat(h, "openai", req, c, &out), PL_OK, "%s", pl_call_error_message(c));
    pl_free(out);
    pl_free(req);
    pl_call_free(c);
    pl_host_close(h);
}

/* A stream cancelled between two chunks: the chunk callback hands over to
** another thread, which cancels, and only then lets the stream go on. */
typedef struct handover {
    seen s;
    pl_call *call;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stage; /* 0 streaming, 1 asked to cancel, 2 cancelled */
} handover;

static void *cancel_on_request(void *arg)
{
    handover *ho = arg;
    pthread_mutex_lock(&ho->mu);
    while (ho->stage != 1)
        pthread_cond_wait(&ho->cv, &ho->mu);
    pl_call_cancel(ho->call);
    ho->stage = 2;
    pthread_cond_broadcast(&ho->cv);
    pthread_mutex_unlock(&ho->mu);
    return NULL;
}

static int cancel_after_two(void *user, const pl_chunk *c)
{
    handover *ho = user;
    record(&ho->s, c);
    if (ho->s.n == 2) {
        pthread_mutex_lock(&ho->mu);
        ho->stage = 1;
        pthread_cond_broadcast(&ho->cv);
        while (ho->stage != 2)
            pthread_cond_wait(&ho->cv, &ho->mu);
        pthread_mutex_unlock(&ho->mu);
    }
    return 0;
}

TEST(SUITE, cancel_a_stream_mid_way_from_another_thread)
{
    pl_host *h = open_host(NULL, NULL);
    handover ho = {.call = new_call()};
    pthread_mutex_init(&ho.mu, NULL);
    pthread_cond_init(&ho.cv, NULL);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_on_request, &ho), 0);
    char *req = user_request("a long enough sentence to stream", false), *out = NULL;
    pl_status st = pl_chat_stream(h, "openai", req, cancel_after_two, &ho, ho.call, &out);
    pthread_join(t, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%d %s", st, pl_call_error_message(ho.call));
    cr_assert_eq(pl_call_error_kind(ho.call), PL_ERROR_CANCELLED, "%s",
                 pl_call_error_message(ho.call));
    cr_assert_str_eq(pl_call_error_message(ho.call), "provider 'openai': chat stream: cancelled");
    cr_assert_eq(ho.s.n, 2, "chunks went on after the cancel");
    cr_assert_eq(ho.s.done_count, 0);
    cr_assert_null(out);
    pl_free(req);
    pthread_cond_destroy(&ho.cv);
    pthread_mutex_destroy(&ho.mu);
    pl_call_free(ho.call);
    pl_host_close(h);
}
