/*
** test_http.c — plinth's HTTP client (src/net): allow-list globs, the
** SSE/NDJSON splitter, Retry-After, and whole calls against the local
** OpenAI-speaking upstream (tests/support/upstream.h) on 127.0.0.1:
** retries, timeouts, cancellation, cut streams, denial, connection reuse.
*/
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http.h"
#include "net/http_internal.h"
#include "plinth/plinth_version.h"
#include "upstream.h"

/* ---- helpers ---------------------------------------------------------- */

static upstream *U;

static void start_upstream(void)
{
    /* libcurl honours proxy variables (as plinth means it to); a proxy
    ** set on a CI machine must not swallow requests to the local server. */
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    U = upstream_start();
    cr_assert_not_null(U, "the upstream did not start");
}

static void stop_upstream(void)
{
    upstream_stop(U);
    U = NULL;
}

static const char *const LOCAL[] = {"127.0.0.1:*"};

static pln_policy local_policy(void)
{
    return (pln_policy){.allowed_hosts = LOCAL, .n_allowed = 1, .total_timeout_ms = 15000,
                        .retry_base_ms = 10, .max_retries = 2};
}

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void make_request(pln_request *r, const char *base, const char *method, const char *path,
                         const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    pln_request_init(r);
    cr_assert_eq(pln_request_set_method(r, method), 0);
    cr_assert_eq(pln_request_set_url(r, url), 0);
    cr_assert_eq(pln_request_add_header(r, "Authorization", "Bearer sk-test"), 0);
    if (body) {
        cr_assert_eq(pln_request_add_header(r, "Content-Type", "application/json"), 0);
        cr_assert_eq(pln_request_append_body(r, body, strlen(body)), 0);
    }
}

static const char CHAT_HELLO[] =
    "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
    "{\"role\":\"user\",\"content\":\"hello there\"}]}";

static const char CHAT_STREAM[] =
    "{\"model\":\"fake-model\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
    "\"messages\":[{\"role\":\"user\",\"content\":\"stream me, please\"}]}";

static const char CHAT_TOOLS_STREAM[] =
    "{\"model\":\"fake-model\",\"stream\":true,\"messages\":[{\"role\":\"user\","
    "\"content\":\"What is the weather in Paris?\"}],\"tools\":[{\"type\":\"function\","
    "\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}";

/* Events collected from a stream or the splitter. */
typedef struct events {
    char *data[256];
    char *name[256];
    size_t n;
    size_t stop_at; /* return non-zero on this event (1-based); 0: never */
} events;

static int collect(void *ud, const char *event, const char *data, size_t len)
{
    events *e = ud;
    cr_assert_lt(e->n, 256);
    cr_assert_eq(strlen(data), len, "event data must be NUL-terminated at len");
    e->data[e->n] = strndup(data, len);
    e->name[e->n] = event ? strdup(event) : NULL;
    e->n++;
    return e->stop_at && e->n == e->stop_at;
}

static void events_free(events *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->data[i]);
        free(e->name[i]);
    }
    e->n = 0;
}

static json_t *parse(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): %s", je.text, s);
    return j;
}

/* ---- allow-list ------------------------------------------------------- */

Test(http, glob_host_exact_and_case)
{
    cr_assert(pln_host_glob_match("api.openai.com", "https", "API.OpenAI.com", 443));
    cr_assert(pln_host_glob_match("api.openai.com", "https", "api.openai.com.", 443));
    cr_assert_not(pln_host_glob_match("api.openai.com", "https", "api.openai.com.evil.io", 443));
    cr_assert_not(pln_host_glob_match("api.openai.com", "https", "xapi.openai.com", 443));
    cr_assert_not(pln_host_glob_match("", "https", "api.openai.com", 443));
}

Test(http, glob_star)
{
    cr_assert(pln_host_glob_match("*.example.com", "https", "a.example.com", 443));
    cr_assert(pln_host_glob_match("*.example.com", "https", "a.b.example.com", 443));
    cr_assert_not(pln_host_glob_match("*.example.com", "https", "example.com", 443));
    cr_assert_not(pln_host_glob_match("*.example.com", "https", "evil-example.com", 443));
    cr_assert_not(pln_host_glob_match("*.example.com", "https", "a.example.com.evil", 443));
    cr_assert(pln_host_glob_match("api-*.example.com", "https", "api-eu.example.com", 443));
    cr_assert(pln_host_glob_match("*", "http", "anything.at.all", 80));
}

Test(http, glob_scheme_and_port)
{
    cr_assert(pln_host_glob_match("https://api.x.com", "https", "api.x.com", 443));
    cr_assert(pln_host_glob_match("HTTPS://api.x.com/", "https", "api.x.com", 8443));
    cr_assert_not(pln_host_glob_match("https://api.x.com", "http", "api.x.com", 80));
    cr_assert(pln_host_glob_match("127.0.0.1:8080", "http", "127.0.0.1", 8080));
    cr_assert_not(pln_host_glob_match("127.0.0.1:8080", "http", "127.0.0.1", 8081));
    cr_assert(pln_host_glob_match("http://localhost:*", "http", "localhost", 1234));
    cr_assert_not(pln_host_glob_match("http://localhost:*", "https", "localhost", 1234));
    cr_assert(pln_host_glob_match("localhost", "http", "localhost", 9));
    cr_assert_not(pln_host_glob_match("localhost:", "http", "localhost", 9));
    cr_assert_not(pln_host_glob_match("localhost:99999", "http", "localhost", 99999));
    cr_assert_not(pln_host_glob_match("localhost:8x", "http", "localhost", 8));
}

Test(http, glob_ipv6)
{
    cr_assert(pln_host_glob_match("[::1]:8080", "http", "[::1]", 8080));
    cr_assert(pln_host_glob_match("[::1]:8080", "http", "::1", 8080));
    cr_assert_not(pln_host_glob_match("[::1]:8080", "http", "[::1]", 8081));
    cr_assert(pln_host_glob_match("[::1]", "http", "[::1]", 1));
    cr_assert(pln_host_glob_match("http://[::1]:*", "http", "[::1]", 5));
    cr_assert_not(pln_host_glob_match("[::1", "http", "[::1]", 5));
}

Test(http, url_allowed_and_why)
{
    const char *const list[] = {"api.openai.com"};
    char why[256];
    cr_assert(pln_url_allowed("https://api.openai.com/v1/models", list, 1, why, sizeof why));
    cr_assert(pln_url_allowed("HTTPS://API.OPENAI.COM:443/", list, 1, why, sizeof why));
    cr_assert_not(pln_url_allowed("https://evil.example/x", list, 1, why, sizeof why));
    cr_assert_str_eq(why, "host 'evil.example' is not in the allow-list (api.openai.com)");
    cr_assert_not(pln_url_allowed("https://api.openai.com/", list, 0, why, sizeof why));
    cr_assert_str_eq(why, "host 'api.openai.com' is not in the allow-list (empty)");
    cr_assert_not(pln_url_allowed("ftp://api.openai.com/", list, 1, why, sizeof why));
    cr_assert(strstr(why, "only http and https"), "%s", why);
    /* The host is what the URL parser says, not what a glance suggests. */
    cr_assert_not(pln_url_allowed("https://api.openai.com@evil.example/", list, 1, why, 256));
    cr_assert(strstr(why, "'evil.example'"), "%s", why);
    cr_assert_not(pln_url_allowed("https://evil.example#@api.openai.com", list, 1, why, 256));
    cr_assert_not(pln_url_allowed("api.openai.com/v1", list, 1, why, sizeof why));
    cr_assert_not(pln_url_allowed(NULL, list, 1, NULL, 0));
}

/* ---- requests ------------------------------------------------------- */

Test(http, request_refuses_injection)
{
    pln_request r;
    pln_request_init(&r);
    cr_assert_eq(pln_request_add_header(&r, "X-A", "ok\r\nX-Evil: 1"), -1);
    cr_assert_eq(pln_request_add_header(&r, "X A", "v"), -1);
    cr_assert_eq(pln_request_add_header(&r, "", "v"), -1);
    cr_assert_eq(pln_request_set_method(&r, "GE T"), -1);
    cr_assert_eq(pln_request_set_method(&r, ""), -1);
    cr_assert_eq(pln_request_set_url(&r, "http://a/ b"), -1);
    cr_assert_eq(pln_request_set_url(&r, "http://a/\nb"), -1);
    cr_assert_eq(pln_request_add_header(&r, "X-Empty", ""), 0);
    cr_assert_eq(pln_request_set_method(&r, "PATCH"), 0);
    cr_assert_eq(r.n_headers, 1);
    pln_request_free(&r);
}

Test(http, shown_url_hides_secrets)
{
    char out[256];
    pln__shown_url("https://user:pw@api.x.com/v1/a?key=secret#f", out, sizeof out);
    cr_assert_str_eq(out, "https://api.x.com/v1/a?...");
    pln__shown_url("http://127.0.0.1:4000/v1/chat/completions", out, sizeof out);
    cr_assert_str_eq(out, "http://127.0.0.1:4000/v1/chat/completions");
}

/* ---- the SSE / NDJSON splitter -------------------------------------- */

/* Feed s in pieces of `step` bytes (0: all at once), then finish. */
static void split(pln_framing kind, const char *s, size_t step, events *e)
{
    pln_framer f;
    pln_framer_init(&f, kind);
    size_t n = strlen(s);
    if (!step)
        step = n ? n : 1;
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        cr_assert_eq(pln_framer_feed(&f, s + i, k, collect, e), 0);
    }
    cr_assert_eq(pln_framer_finish(&f, collect, e), 0);
    cr_assert_eq(f.n_events, e->n);
    pln_framer_free(&f);
}

static void expect_events(const events *e, size_t n, const char *const *data,
                          const char *const *names)
{
    cr_assert_eq(e->n, n, "got %zu events, expected %zu", e->n, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(e->data[i], data[i], "event %zu", i);
        if (names && names[i])
            cr_assert_str_eq(e->name[i] ? e->name[i] : "(null)", names[i], "event %zu", i);
        else
            cr_assert_null(e->name[i], "event %zu has a name", i);
    }
}

Test(http, sse_line_ends)
{
    static const char s[] = "data: a\r\n\r\ndata: b\r\rdata:c\n\ndata: d\r\n\n";
    static const char *const want[] = {"a", "b", "c", "d"};
    for (size_t step = 0; step < 4; step++) {
        events e = {0};
        split(PLN_SSE, s, step, &e);
        expect_events(&e, 4, want, NULL);
        events_free(&e);
    }
}

Test(http, sse_crlf_split_across_chunks)
{
    /* The CR ends the line; the LF in the next chunk must not end another. */
    pln_framer f;
    events e = {0};
    pln_framer_init(&f, PLN_SSE);
    cr_assert_eq(pln_framer_feed(&f, "data: a\r", 8, collect, &e), 0);
    cr_assert_eq(pln_framer_feed(&f, "\ndata: b\r", 9, collect, &e), 0);
    cr_assert_eq(pln_framer_feed(&f, "\n\r", 2, collect, &e), 0);
    cr_assert_eq(pln_framer_feed(&f, "\n", 1, collect, &e), 0);
    static const char *const want[] = {"a\nb"};
    expect_events(&e, 1, want, NULL);
    pln_framer_free(&f);
    events_free(&e);
}

Test(http, sse_fields_comments_names)
{
    static const char s[] = ": keep-alive\n"
                            "event: delta\ndata: x\ndata:  y\n\n"
                            "data\n\n"                       /* a data field, empty value */
                            "event: lonely\n\n"              /* no data: skipped */
                            "id: 7\nretry: 100\ndata: z\n\n" /* the name was reset */
                            "event:ping\ndata:{}\nunknown: f\n\n"
                            "data: [DONE]\n\n";
    static const char *const data[] = {"x\n y", "", "z", "{}", "[DONE]"};
    static const char *const names[] = {"delta", NULL, NULL, "ping", NULL};
    size_t steps[] = {0, 1, 2, 3, 7, 13};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        events e = {0};
        split(PLN_SSE, s, steps[i], &e);
        expect_events(&e, 5, data, names);
        events_free(&e);
    }
}

Test(http, sse_byte_at_a_time_matches_openai_capture)
{
    /* The body of the stream recorded from the OpenAI SDK's peer server. */
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(plu_read_file(PL_SHARED_DIR "/docs/peers/llm-http/raw-openai-toolcall-stream.txt",
                               &text, &len, NULL),
                 PL_OK);
    const char *body = strstr(text, "\r\n\r\n"); /* after the response head */
    cr_assert_not_null(body);
    body += 4;
    events whole = {0}, bytes = {0};
    split(PLN_SSE, body, 0, &whole);
    split(PLN_SSE, body, 1, &bytes);
    cr_assert_eq(whole.n, 6);
    cr_assert_eq(bytes.n, whole.n);
    for (size_t i = 0; i < whole.n; i++)
        cr_assert_str_eq(bytes.data[i], whole.data[i]);
    cr_assert_str_eq(whole.data[5], "[DONE]");
    cr_assert(strstr(whole.data[0], "\"get_weather\""));
    events_free(&whole);
    events_free(&bytes);
    plu_free(text);
}

Test(http, sse_end_without_blank_line_and_bom)
{
    static const char *const want[] = {"x"};
    for (size_t step = 0; step < 3; step++) {
        events e = {0};
        split(PLN_SSE, "\xEF\xBB\xBF" "data: x", step, &e);
        expect_events(&e, 1, want, NULL);
        events_free(&e);
    }
    events e = {0};
    split(PLN_SSE, "", 0, &e);
    split(PLN_SSE, ": only a comment", 0, &e);
    cr_assert_eq(e.n, 0);
}

Test(http, ndjson_lines)
{
    static const char s[] = "{\"a\":1}\r\n\n{\"b\":2}\n\n\n{\"c\":3}";
    static const char *const want[] = {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"};
    for (size_t step = 0; step < 5; step++) {
        events e = {0};
        split(PLN_NDJSON, s, step, &e);
        expect_events(&e, 3, want, NULL);
        events_free(&e);
    }
}

Test(http, framer_stop_from_callback)
{
    pln_framer f;
    events e = {.stop_at = 2};
    pln_framer_init(&f, PLN_NDJSON);
    cr_assert_eq(pln_framer_feed(&f, "1\n2\n3\n", 6, collect, &e), 1);
    cr_assert_eq(e.n, 2);
    pln_framer_free(&f);
    events_free(&e);
}

/* ---- Retry-After ---------------------------------------------------- */

static long retry_after(const char *name, const char *value, const char *name2,
                        const char *value2)
{
    pln_response r;
    pln_response_init(&r);
    if (name)
        cr_assert_eq(pln_response_add_header(&r, name, strlen(name), value, strlen(value)), 0);
    if (name2)
        cr_assert_eq(pln_response_add_header(&r, name2, strlen(name2), value2, strlen(value2)),
                     0);
    long ms = pln_retry_after_ms(&r);
    pln_response_free(&r);
    return ms;
}

Test(http, retry_after_parsing)
{
    cr_assert_eq(retry_after(NULL, NULL, NULL, NULL), -1);
    cr_assert_eq(retry_after("Retry-After", "1", NULL, NULL), 1000);
    cr_assert_eq(retry_after("retry-after", " 120 ", NULL, NULL), 120000);
    cr_assert_eq(retry_after("Retry-After", "0", NULL, NULL), 0);
    cr_assert_eq(retry_after("Retry-After", "soon", NULL, NULL), -1);
    cr_assert_eq(retry_after("Retry-After", "99999999999999999999", NULL, NULL),
                 24L * 3600 * 1000);
    cr_assert_eq(retry_after("retry-after-ms", "250", NULL, NULL), 250);
    cr_assert_eq(retry_after("retry-after-ms", "20.5", NULL, NULL), 21);
    cr_assert_eq(retry_after("retry-after-ms", "-5", NULL, NULL), -1);
    /* retry-after-ms is the more precise one and wins. */
    cr_assert_eq(retry_after("Retry-After", "3", "Retry-After-Ms", "40"), 40);
    cr_assert_eq(retry_after("Retry-After", "3", "retry-after-ms", "x"), 3000);

    char date[64];
    time_t t = time(NULL) + 10;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    long ms = retry_after("Retry-After", date, NULL, NULL);
    cr_assert(ms >= 8000 && ms <= 10000, "%s gave %ld ms", date, ms);
    cr_assert_eq(retry_after("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT", NULL, NULL), 0);
}

/* ---- whole calls against the upstream ------------------------------ */

TestSuite(http_call, .init = start_upstream, .fini = stop_upstream, .timeout = 30);

/* One call: send (or stream when e is not NULL) body to path. */
static pl_status call(pln_client *c, const pln_policy *pol, const char *method, const char *path,
                      const char *body, events *e, const pln_cancel *cancel, pln_response *resp,
                      pl_err *err)
{
    pln_request req;
    make_request(&req, upstream_url(U), method, path, body);
    pln_response_init(resp);
    plu_err_clear(err);
    pl_status st = e ? pln_stream(c, &req, pol, PLN_SSE, cancel, collect, e, resp, err)
                     : pln_send(c, &req, pol, cancel, resp, err);
    pln_request_free(&req);
    return st;
}

static pln_client *client(void)
{
    pl_err err;
    pln_client *c = pln_client_new(&err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

Test(http_call, chat_200)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.attempts, 1);
    cr_assert_str_eq(pln_response_header(&resp, "Content-Type"), "application/json");
    json_t *j = parse(resp.body.data);
    cr_assert_str_eq(json_string_value(json_object_get(j, "object")), "chat.completion");
    json_t *msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
    cr_assert_str_eq(json_string_value(json_object_get(msg, "content")), "You said: hello there");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "usage"), "total_tokens")),
                 4 + 4);
    json_decref(j);

    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.method, "POST");
    cr_assert_str_eq(rq.path, "/v1/chat/completions");
    cr_assert_str_eq(rq.body, CHAT_HELLO);
    cr_assert_str_eq(upstream_request_header(&rq, "authorization"), "Bearer sk-test");
    cr_assert_str_eq(upstream_request_header(&rq, "user-agent"), "plinth/" PL_VERSION_STRING);
    cr_assert_str_eq(upstream_request_header(&rq, "content-type"), "application/json");
    cr_assert_null(upstream_request_header(&rq, "expect"));
    upstream_request_free(&rq);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, chat_tool_call_and_other_endpoints)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    static const char tools[] =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        "\"text\":\"Weather in Paris?\"}]}],\"tools\":[{\"type\":\"function\",\"function\":"
        "{\"name\":\"get_weather\"}}]}";
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", tools, NULL, NULL, &resp, &err),
                 PL_OK, "%s", err.msg);
    json_t *j = parse(resp.body.data);
    json_t *ch = json_array_get(json_object_get(j, "choices"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(ch, "finish_reason")), "tool_calls");
    json_t *fn = json_object_get(
        json_array_get(json_object_get(json_object_get(ch, "message"), "tool_calls"), 0),
        "function");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "name")), "get_weather");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "arguments")), "{\"city\":\"Paris\"}");
    json_decref(j);
    pln_response_free(&resp);

    /* Embeddings: the base64 float32 form decodes to the float array. */
    cr_assert_eq(call(c, &pol, "POST", "/v1/embeddings", "{\"model\":\"e\",\"input\":\"hi\"}",
                      NULL, NULL, &resp, &err),
                 PL_OK);
    json_t *f = parse(resp.body.data);
    pln_response_free(&resp);
    cr_assert_eq(call(c, &pol, "POST", "/v1/embeddings",
                      "{\"model\":\"e\",\"input\":[\"hi\"],\"encoding_format\":\"base64\"}", NULL,
                      NULL, &resp, &err),
                 PL_OK);
    json_t *b = parse(resp.body.data);
    pln_response_free(&resp);
    json_t *fa = json_object_get(json_array_get(json_object_get(f, "data"), 0), "embedding");
    const char *b64 = json_string_value(
        json_object_get(json_array_get(json_object_get(b, "data"), 0), "embedding"));
    cr_assert_eq(json_array_size(fa), 8);
    cr_assert_not_null(b64);
    cr_assert_eq(strlen(b64), 44); /* 32 bytes */
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[33];
    for (size_t i = 0, o = 0; i < 44; i += 4) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++)
            v = v << 6 | (b64[i + k] == '=' ? 0 : (uint32_t)(strchr(tab, b64[i + k]) - tab));
        for (size_t k = 0; k < 3 && o < 33; k++)
            raw[o++] = (unsigned char)(v >> (16 - 8 * k));
    }
    for (size_t i = 0; i < 8; i++) {
        uint32_t bits = raw[4 * i] | raw[4 * i + 1] << 8 | raw[4 * i + 2] << 16 |
                        (uint32_t)raw[4 * i + 3] << 24;
        float v;
        memcpy(&v, &bits, 4);
        cr_assert_eq((double)v, json_real_value(json_array_get(fa, i)), "component %zu", i);
    }
    json_decref(f);
    json_decref(b);

    cr_assert_eq(call(c, &pol, "GET", "/v1/models", NULL, NULL, NULL, &resp, &err), PL_OK);
    j = parse(resp.body.data);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "data"),
                                                                      0),
                                                       "object")),
                     "model");
    json_decref(j);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, unauthorized_and_malformed)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    pln_request req;
    pln_request_init(&req);
    char url[128];
    snprintf(url, sizeof url, "%s/v1/models", upstream_url(U));
    pln_request_set_method(&req, "GET");
    pln_request_set_url(&req, url);
    pln_response_init(&resp);
    cr_assert_eq(pln_send(c, &req, &pol, NULL, &resp, &err), PL_OK);
    cr_assert_eq(resp.status, 401);
    json_t *j = parse(resp.body.data);
    cr_assert_str_eq(
        json_string_value(json_object_get(json_object_get(j, "error"), "type")),
        "invalid_request_error");
    json_decref(j);
    pln_response_free(&resp);
    pln_request_free(&req);

    upstream_malformed_next(U);
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK);
    cr_assert_eq(resp.status, 200);
    cr_assert_null(json_loads(resp.body.data, 0, NULL));
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, stream_events_in_order)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {0};
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.body.len, 0, "a 2xx stream body goes to the callback");
    cr_assert(resp.streamed);
    cr_assert_str_eq(pln_response_header(&resp, "content-type"), "text/event-stream");
    cr_assert_geq(e.n, 5);
    cr_assert_str_eq(e.data[e.n - 1], "[DONE]");
    char text[256] = "";
    for (size_t i = 0; i + 1 < e.n; i++) {
        cr_assert_null(e.name[i]);
        json_t *j = parse(e.data[i]);
        cr_assert_str_eq(json_string_value(json_object_get(j, "object")),
                         "chat.completion.chunk");
        json_t *choices = json_object_get(j, "choices");
        json_t *delta = json_object_get(json_array_get(choices, 0), "delta");
        if (i == 0)
            cr_assert_str_eq(json_string_value(json_object_get(delta, "role")), "assistant");
        const char *piece = json_string_value(json_object_get(delta, "content"));
        if (piece)
            strcat(text, piece);
        if (i == e.n - 2) { /* the usage chunk */
            cr_assert_eq(json_array_size(choices), 0);
            cr_assert_not_null(json_object_get(j, "usage"));
        }
        if (i == e.n - 3)
            cr_assert_str_eq(json_string_value(json_object_get(json_array_get(choices, 0),
                                                               "finish_reason")),
                             "stop");
        json_decref(j);
    }
    cr_assert_str_eq(text, "You said: stream me, please");
    events_free(&e);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, stream_tool_call_fragments)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {0};
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_TOOLS_STREAM, &e, NULL,
                      &resp, &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(e.n, 6); /* as in the capture: head, 3 fragments, finish, [DONE] */
    char args[64] = "";
    for (size_t i = 0; i < 4; i++) {
        json_t *j = parse(e.data[i]);
        json_t *tc = json_array_get(
            json_object_get(json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                                            "delta"),
                            "tool_calls"),
            0);
        json_t *fn = json_object_get(tc, "function");
        if (i == 0) {
            cr_assert_str_eq(json_string_value(json_object_get(tc, "id")), "call_1");
            cr_assert_str_eq(json_string_value(json_object_get(fn, "name")), "get_weather");
        }
        strcat(args, json_string_value(json_object_get(fn, "arguments")));
        json_decref(j);
    }
    cr_assert_str_eq(args, "{\"city\":\"Paris\"}");
    cr_assert(strstr(e.data[4], "\"finish_reason\":\"tool_calls\""));
    events_free(&e);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, stream_non_2xx_is_a_body)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {0};
    upstream_fail_next(U, 400, 1, NULL, NULL);
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 400);
    cr_assert_eq(e.n, 0);
    cr_assert(strstr(resp.body.data, "\"error\""));
    pln_response_free(&resp);
    pln_client_free(c);
}

/* A server that answers a stream request with one JSON document (it does
** not stream, or it reports an error with a 200): the body is kept whole,
** since SSE framing would read it as no events at all. */
Test(http_call, stream_answered_with_json_is_a_body)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {0};
    upstream_fail_next(U, 200, 1, NULL, "{\"error\":{\"message\":\"no\"}}");
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_not(resp.streamed);
    cr_assert_eq(e.n, 0);
    cr_assert_str_eq(resp.body.data, "{\"error\":{\"message\":\"no\"}}");
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, stream_stopped_by_callback)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {.stop_at = 2};
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_E_CANCELLED);
    cr_assert_eq(e.n, 2);
    cr_assert(strstr(err.msg, "stopped by the event callback"), "%s", err.msg);
    events_free(&e);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, stream_cut_midway)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    events e = {0};
    upstream_cut_stream_after(U, 3);
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_E_NETWORK, "%s", err.msg);
    cr_assert_eq(e.n, 3);
    char want[256];
    snprintf(want, sizeof want, "POST %s/v1/chat/completions: stream cut after 3 events",
             upstream_url(U));
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(resp.attempts, 1, "no retry once events were delivered");
    events_free(&e);
    pln_response_free(&resp);
    pln_client_free(c);
}

/* ---- retries ------------------------------------------------------------ */

Test(http_call, retry_429_honours_retry_after)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    upstream_fail_next(U, 429, 1, "1", NULL);
    uint64_t t0 = ms_now();
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    uint64_t took = ms_now() - t0;
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.attempts, 2);
    cr_assert_eq(upstream_request_count(U), 2);
    cr_assert_geq(took, 900, "Retry-After: 1 was not honoured (%llu ms)", (unsigned long long)took);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, retry_500_then_success)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    upstream_fail_next(U, 500, 1, NULL, NULL);
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.attempts, 2);
    cr_assert(strstr(resp.body.data, "You said: hello there"));
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, retries_exhausted_return_last_503)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    upstream_fail_next(U, 503, 10, NULL, "{\"error\":{\"message\":\"busy\"}}");
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK, "%s", err.msg);
    cr_assert_eq(resp.status, 503);
    cr_assert_eq(resp.attempts, 3);
    cr_assert_eq(upstream_request_count(U), 3);
    cr_assert_str_eq(resp.body.data, "{\"error\":{\"message\":\"busy\"}}");
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, no_retry_on_400_nor_past_the_deadline)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    upstream_fail_next(U, 400, 1, NULL, NULL);
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK);
    cr_assert_eq(resp.status, 400);
    cr_assert_eq(resp.attempts, 1);
    pln_response_free(&resp);

    /* Retry-After longer than what is left of the deadline: no wait, the
    ** 429 comes back at once. */
    pol.total_timeout_ms = 2000;
    upstream_fail_next(U, 429, 1, "5", NULL);
    uint64_t t0 = ms_now();
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_OK);
    cr_assert_eq(resp.status, 429);
    cr_assert_eq(resp.attempts, 1);
    cr_assert_lt(ms_now() - t0, 1500);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, redirect_is_returned_not_followed)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    upstream_fail_next(U, 302, 1, NULL, "{}");
    cr_assert_eq(call(c, &pol, "GET", "/v1/models", NULL, NULL, NULL, &resp, &err), PL_OK);
    cr_assert_eq(resp.status, 302);
    cr_assert_eq(upstream_request_count(U), 1);
    pln_response_free(&resp);
    pln_client_free(c);
}

/* ---- failures ------------------------------------------------------ */

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

Test(http, connection_refused, .timeout = 30)
{
    setenv("no_proxy", "127.0.0.1", 1);
    pln_client *c = client();
    pln_policy pol = local_policy();
    pol.max_retries = 0;
    char base[64], want[256];
    int port = dead_port();
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    pln_request req;
    make_request(&req, base, "POST", "/v1/chat/completions", CHAT_HELLO);
    pln_response resp;
    pln_response_init(&resp);
    pl_err err;
    cr_assert_eq(pln_send(c, &req, &pol, NULL, &resp, &err), PL_E_NETWORK);
    snprintf(want, sizeof want, "POST %s/v1/chat/completions: connection refused", base);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(resp.attempts, 1);

    /* Failing to connect is retried: nothing was sent. */
    pol.max_retries = 2;
    cr_assert_eq(pln_send(c, &req, &pol, NULL, &resp, &err), PL_E_NETWORK);
    cr_assert_eq(resp.attempts, 3);
    cr_assert(strstr(err.msg, "connection refused (3 attempts)"), "%s", err.msg);
    pln_response_free(&resp);
    pln_request_free(&req);
    pln_client_free(c);
}

Test(http_call, slow_upstream_times_out)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pol.total_timeout_ms = 300;
    pln_response resp;
    pl_err err;
    upstream_set_delay_ms(U, 5000);
    uint64_t t0 = ms_now();
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_E_TIMEOUT, "%s", err.msg);
    cr_assert_lt(ms_now() - t0, 2000);
    char want[256];
    snprintf(want, sizeof want, "POST %s/v1/chat/completions: timed out after 300 ms",
             upstream_url(U));
    cr_assert_str_eq(err.msg, want);
    pln_response_free(&resp);
    pln_client_free(c);
}

typedef struct canceller {
    pln_cancel *flag;
    int after_ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *k = arg;
    struct timespec ts = {0, (long)k->after_ms * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(k->flag, 1);
    return NULL;
}

Test(http_call, cancel_from_another_thread)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    pln_cancel flag = 0;
    canceller k = {&flag, 200};
    upstream_set_delay_ms(U, 10000);
    pthread_t th;
    uint64_t t0 = ms_now();
    cr_assert_eq(pthread_create(&th, NULL, cancel_later, &k), 0);
    pl_status st = call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, &flag, &resp,
                        &err);
    uint64_t took = ms_now() - t0;
    pthread_join(th, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%s", err.msg);
    cr_assert_lt(took, 1000, "cancel noticed after %llu ms", (unsigned long long)took);
    cr_assert(strstr(err.msg, "/v1/chat/completions: cancelled"), "%s", err.msg);

    /* A wait between retries is cancellable too. */
    upstream_set_delay_ms(U, 0);
    upstream_fail_next(U, 503, 1, "10", NULL);
    atomic_store(&flag, 0);
    t0 = ms_now();
    cr_assert_eq(pthread_create(&th, NULL, cancel_later, &k), 0);
    pln_response_free(&resp);
    st = call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, &flag, &resp, &err);
    took = ms_now() - t0;
    pthread_join(th, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%s", err.msg);
    cr_assert_lt(took, 1000);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, denied_host_sends_nothing)
{
    pln_client *c = client();
    const char *const only[] = {"api.openai.com"};
    pln_policy pol = local_policy();
    pol.allowed_hosts = only;
    pol.n_allowed = 1;
    pln_response resp;
    pl_err err;
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_E_DENIED);
    char want[256];
    snprintf(want, sizeof want,
             "POST %s/v1/chat/completions: host '127.0.0.1' is not in the allow-list "
             "(api.openai.com)",
             upstream_url(U));
    cr_assert_str_eq(err.msg, want);
    pol.n_allowed = 0;
    cr_assert_eq(call(c, &pol, "GET", "/v1/models", NULL, NULL, NULL, &resp, &err), PL_E_DENIED);
    cr_assert_eq(resp.attempts, 0);
    cr_assert_eq(upstream_request_count(U), 0);
    cr_assert_eq(upstream_connection_count(U), 0);
    pln_response_free(&resp);
    pln_client_free(c);
}

Test(http_call, body_limit)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pol.max_body_bytes = 50;
    pln_response resp;
    pl_err err;
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                      &err),
                 PL_E_LIMIT);
    cr_assert(strstr(err.msg, "exceeds 50 bytes"), "%s", err.msg);
    pln_response_free(&resp);
    events e = {0};
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_E_LIMIT);
    events_free(&e);
    pln_response_free(&resp);
    pln_client_free(c);
}

/* ---- connections ------------------------------------------------------ */

Test(http_call, connection_reused)
{
    pln_client *c = client();
    pln_policy pol = local_policy();
    pln_response resp;
    pl_err err;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_HELLO, NULL, NULL, &resp,
                          &err),
                     PL_OK, "%s", err.msg);
        cr_assert_eq(resp.status, 200);
        pln_response_free(&resp);
    }
    events e = {0};
    cr_assert_eq(call(c, &pol, "POST", "/v1/chat/completions", CHAT_STREAM, &e, NULL, &resp,
                      &err),
                 PL_OK);
    events_free(&e);
    pln_response_free(&resp);
    cr_assert_eq(upstream_request_count(U), 3);
    cr_assert_eq(upstream_connection_count(U), 1);
    upstream_request rq;
    cr_assert(upstream_request_at(U, 0, &rq));
    cr_assert_eq(rq.conn_id, 1);
    upstream_request_free(&rq);
    pln_client_free(c);
}

typedef struct worker {
    pln_client *c;
    int ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    pln_policy pol = local_policy();
    for (int i = 0; i < 25; i++) {
        pln_response resp;
        pl_err err;
        pln_request req;
        make_request(&req, upstream_url(U), "POST", "/v1/chat/completions", CHAT_HELLO);
        pln_response_init(&resp);
        if (pln_send(w->c, &req, &pol, NULL, &resp, &err) == PL_OK && resp.status == 200 &&
            strstr(resp.body.data, "You said: hello there"))
            w->ok++;
        pln_response_free(&resp);
        pln_request_free(&req);
    }
    return NULL;
}

Test(http_call, threads_share_one_client)
{
    pln_client *c = client();
    worker w[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){c, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].ok, 25, "thread %d: %d of 25", i, w[i].ok);
    }
    cr_assert_eq(upstream_request_count(U), 200);
    /* Connections are pooled: far fewer than one per request. */
    cr_assert_leq(upstream_connection_count(U), 16);
    pln_client_free(c);
}
