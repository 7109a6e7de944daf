/*
** test_native.c — the host with native plugins, through the public API:
** loading and refusing plugins (one test plugin per ABI refusal), trust,
** configuration checked against the plugin's schema, and the offline
** provider end to end (chat, stream, tools, complete, embed, models,
** cancellation, concurrency).
*/
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plinth/plinth.h"

#define NATIVE PL_PLUGIN_DIR "/native"
#define TESTING PL_PLUGIN_DIR "/testing"

static char dir[64];

/* Write a configuration into a fresh temporary folder; returns its path. */
static const char *write_config(const char *text)
{
    static char path[128];
    snprintf(dir, sizeof dir, "/tmp/plinth-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/plinth.toml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void remove_config(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/plinth.toml", dir);
    unlink(path);
    rmdir(dir);
}

static pl_host *open_host(const char *config)
{
    char err[1024];
    pl_host *h = NULL;
    pl_status st = pl_host_open(write_config(config), &h, err, sizeof err);
    cr_assert_eq(st, PL_OK, "pl_host_open: %s", err);
    return h;
}

static const char offline_config[] =
    "[trust]\nallow_unsigned = [\"offline\"]\n"
    "[[providers]]\nname = \"offline\"\npath = \"" NATIVE "/offline.so\"\n"
    "[providers.config]\nmodel = \"echo-1\"\n";

static pl_plugin_info info_of(pl_host *h, const char *name)
{
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, name, &pi), PL_OK, "%s", pl_host_last_error(h));
    return pi;
}

Test(native, offline_loads_and_describes_itself)
{
    pl_host *h = open_host(offline_config);
    cr_assert_eq(pl_host_plugin_count(h), 1);
    pl_plugin_info pi = info_of(h, "offline");
    cr_assert_eq(pi.state, PL_PLUGIN_READY, "%s", pi.error ? pi.error : "");
    cr_assert_eq(pi.kind, PL_KIND_PROVIDER);
    cr_assert_eq(pi.backend, PL_BACKEND_NATIVE);
    cr_assert_not_null(pi.version);
    cr_assert_null(pi.error);
    pl_host_close(h);
    remove_config();
}

/* One provider entry per refusal case; each must fail with its reason. */
Test(native, abi_refusals_name_the_file_and_the_reason)
{
    static const struct {
        const char *name;
        pl_status status;
        const char *needle;
    } cases[] = {
        {"abi_no_entry", PL_E_ABI, "does not export plinth_plugin_v1()"},
        {"abi_major", PL_E_ABI, "was built for plugin ABI 2.x"},
        {"abi_minor", PL_E_ABI, "newer than this plinth's"},
        {"abi_small", PL_E_ABI, "struct_size"},
        {"abi_requires", PL_E_UNSUPPORTED, "requires plinth >=99.0.0"},
        {"abi_init_fails", PL_E_PLUGIN, "init failed: missing table 'x'"},
        {"abi_null_vtable", PL_E_PLUGIN, "refused to load: not today"},
    };
    char config[4096];
    size_t n = (size_t)snprintf(config, sizeof config, "[trust]\nallow_unsigned_native = true\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        n += (size_t)snprintf(config + n, sizeof config - n,
                              "[[providers]]\nname = \"%s\"\npath = \"" TESTING "/%s.so\"\n",
                              cases[i].name, cases[i].name);
    pl_host *h = open_host(config);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_plugin_info pi = info_of(h, cases[i].name);
        cr_expect_eq(pi.state, PL_PLUGIN_FAILED, "%s loaded", cases[i].name);
        cr_expect_eq(pi.status, cases[i].status, "%s: status %d (%s)", cases[i].name, pi.status,
                     pi.error ? pi.error : "");
        cr_expect(pi.error && strstr(pi.error, cases[i].needle), "%s: '%s' lacks '%s'",
                  cases[i].name, pi.error ? pi.error : "", cases[i].needle);
        cr_expect(pi.error && strstr(pi.error, cases[i].name), "%s: the message names no file",
                  cases[i].name);
    }
    /* A failed plugin is refused at call time with its load error. */
    char *out = NULL;
    pl_call *c;
    pl_call_new(&c);
    cr_expect_eq(pl_list_models(h, "abi_major", c, &out), PL_E_PLUGIN);
    cr_expect(strstr(pl_call_error_message(c), "ABI 2.x"), "%s", pl_call_error_message(c));
    cr_expect_null(out);
    pl_call_free(c);
    pl_host_close(h);
    remove_config();
}

Test(native, untrusted_native_code_is_refused)
{
    pl_host *h = open_host("[[providers]]\nname = \"offline\"\npath = \"" NATIVE
                           "/offline.so\"\n[providers.config]\nmodel = \"echo-1\"\n");
    pl_plugin_info pi = info_of(h, "offline");
    cr_assert_eq(pi.state, PL_PLUGIN_FAILED);
    cr_assert_eq(pi.status, PL_E_SIGNATURE);
    cr_assert(strstr(pi.error, "add \"offline\" to [trust] allow_unsigned"), "%s", pi.error);
    pl_host_close(h);
    remove_config();
}

Test(native, config_is_checked_against_the_plugin_schema)
{
    pl_host *h = open_host("[trust]\nallow_unsigned = [\"offline\"]\n"
                           "[[providers]]\nname = \"offline\"\npath = \"" NATIVE "/offline.so\"\n"
                           "[providers.config]\nmodel = \"echo-1\"\ndelay_ms = \"slow\"\n");
    pl_plugin_info pi = info_of(h, "offline");
    cr_assert_eq(pi.state, PL_PLUGIN_FAILED);
    cr_assert_eq(pi.status, PL_E_SCHEMA);
    cr_assert(strstr(pi.error, "plinth.toml:8:12: /delay_ms: expected integer, got string"),
              "%s", pi.error);
    pl_host_close(h);
    remove_config();
}

Test(native, missing_files_and_other_backends_fail_alone)
{
    pl_host *h = open_host("[trust]\nallow_unsigned_native = true\n"
                           "[[providers]]\nname = \"gone\"\npath = \"/nonexistent/x.so\"\n"
                           "[[providers]]\nname = \"offline\"\npath = \"" NATIVE "/offline.so\"\n"
                           "[providers.config]\nmodel = \"echo-1\"\n"
                           "[[providers]]\nname = \"later\"\npath = \"later.wasm\"\n");
    pl_plugin_info gone = info_of(h, "gone");
    cr_assert_eq(gone.state, PL_PLUGIN_FAILED);
    cr_assert(strstr(gone.error, "cannot load /nonexistent/x.so"), "%s", gone.error);
    cr_assert_eq(info_of(h, "offline").state, PL_PLUGIN_READY);
    pl_plugin_info later = info_of(h, "later");
    cr_assert_eq(later.backend, PL_BACKEND_WASM);
    cr_assert_eq(later.state, PL_PLUGIN_FAILED);
    cr_assert(strstr(later.error, "later.wasm"), "%s", later.error);
    pl_host_close(h);
    remove_config();
}

Test(native, unknown_provider_suggests_a_near_name)
{
    pl_host *h = open_host(offline_config);
    char *out = NULL;
    pl_call *c;
    pl_call_new(&c);
    cr_assert_eq(pl_chat(h, "ofline", "{\"messages\":[]}", c, &out), PL_E_NOT_FOUND);
    cr_assert(strstr(pl_host_last_error(h), "did you mean 'offline'?"), "%s",
              pl_host_last_error(h));
    cr_assert(strstr(pl_call_error_message(c), "did you mean 'offline'?"));
    pl_call_free(c);
    pl_host_close(h);
    remove_config();
}

static char *chat_text(pl_host *h, const char *text)
{
    pl_request *r;
    cr_assert_eq(pl_request_new(&r), PL_OK);
    cr_assert_eq(pl_request_user(r, text), PL_OK);
    char *req = NULL, *out = NULL;
    cr_assert_eq(pl_request_to_json(r, &req), PL_OK);
    pl_request_free(r);
    pl_status st = pl_chat(h, "offline", req, NULL, &out);
    cr_assert_eq(st, PL_OK, "%s", pl_host_last_error(h));
    pl_free(req);
    return out;
}

Test(native, offline_chat_through_the_helpers)
{
    pl_host *h = open_host(offline_config);
    char *out = chat_text(h, "hello there");
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK);
    cr_assert_str_eq(pl_response_text(resp), "You said: hello there");
    cr_assert_str_eq(pl_response_finish_reason(resp), "Stop");
    cr_assert_eq(pl_response_usage(resp).input_tokens, 2);
    cr_assert_eq(pl_response_tool_call_count(resp), 0);
    pl_response_free(resp);
    pl_free(out);
    pl_host_close(h);
    remove_config();
}

typedef struct collected {
    char text[512];
    int chunks, done, tool_completes;
    char finish[32];
    int stop_after;
} collected;

static int collect(void *user, const pl_chunk *c)
{
    collected *k = user;
    k->chunks++;
    if (c->kind == PL_CHUNK_TEXT)
        strncat(k->text, c->text, c->text_len);
    if (c->kind == PL_CHUNK_TOOL_USE_COMPLETE)
        k->tool_completes++;
    if (c->kind == PL_CHUNK_DONE) {
        k->done++;
        snprintf(k->finish, sizeof k->finish, "%s", c->finish_reason);
    }
    return k->stop_after && k->chunks >= k->stop_after;
}

Test(native, offline_stream_delivers_words_then_done)
{
    pl_host *h = open_host(offline_config);
    collected k = {0};
    char *out = NULL;
    pl_status st = pl_chat_stream(
        h, "offline", "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"one two three\"}]}]}",
        collect, &k, NULL, &out);
    cr_assert_eq(st, PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(k.text, "You said: one two three");
    cr_assert_gt(k.chunks, 4, "one chunk per word, then usage and done");
    cr_assert_eq(k.done, 1);
    cr_assert_str_eq(k.finish, "Stop");
    cr_assert(strstr(out, "\"text\":\"You said: one two three\""), "%s", out);
    pl_free(out);
    pl_host_close(h);
    remove_config();
}

/* A configuration in the current folder naming a library by its bare
** file name loads that file (dlopen alone would search the library
** path), and a direct chat that writes one whole reply to a stream
** request reaches the caller as chunks. */
Test(native, bare_file_name_and_a_whole_reply_to_a_stream)
{
    snprintf(dir, sizeof dir, "/tmp/plinth-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char link[128];
    snprintf(link, sizeof link, "%s/abi_plain.so", dir);
    cr_assert_eq(symlink(TESTING "/abi_plain.so", link), 0);
    cr_assert_eq(chdir(dir), 0);
    FILE *f = fopen("plinth.toml", "w");
    cr_assert_not_null(f);
    fputs("[trust]\nallow_unsigned = [\"plain\"]\n"
          "[[providers]]\nname = \"plain\"\npath = \"abi_plain.so\"\n", f);
    fclose(f);
    char err[1024];
    pl_host *h = NULL;
    cr_assert_eq(pl_host_open("plinth.toml", &h, err, sizeof err), PL_OK, "%s", err);
    pl_plugin_info pi = info_of(h, "plain");
    cr_assert_eq(pi.state, PL_PLUGIN_READY, "%s", pi.error ? pi.error : "");
    collected k = {0};
    char *out = NULL;
    pl_status st = pl_chat_stream(
        h, "plain", "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                    "\"text\":\"hi\"}]}]}",
        collect, &k, NULL, &out);
    cr_assert_eq(st, PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(k.text, "ok");
    cr_assert_eq(k.done, 1);
    cr_assert_str_eq(k.finish, "Stop");
    pl_free(out);
    pl_host_close(h);
    unlink("plinth.toml");
    unlink(link);
    rmdir(dir);
}

Test(native, offline_tool_call_and_result)
{
    pl_host *h = open_host(offline_config);
    pl_request *r;
    pl_request_new(&r);
    pl_request_tool(r, "weather", "Current weather",
                    "{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\"}}}");
    pl_request_user(r, "what is the weather in Paris");
    char *req, *out = NULL;
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, "offline", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    pl_response *resp;
    cr_assert_eq(pl_response_parse(out, &resp, NULL, 0), PL_OK);
    cr_assert_eq(pl_response_tool_call_count(resp), 1);
    const char *id, *name, *args;
    pl_response_tool_call(resp, 0, &id, &name, &args);
    cr_assert_str_eq(name, "weather");
    cr_assert_str_eq(pl_response_finish_reason(resp), "ToolCalls");
    /* Send the result back: the provider answers from it. */
    pl_request_tool_call(r, id, name, args);
    pl_request_tool_result(r, id, name, "sunny, 21 C", 0);
    pl_free(req);
    pl_free(out);
    pl_request_to_json(r, &req);
    cr_assert_eq(pl_chat(h, "offline", req, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert(strstr(out, "sunny, 21 C"), "%s", out);
    pl_response_free(resp);
    pl_request_free(r);
    pl_free(req);
    pl_free(out);
    pl_host_close(h);
    remove_config();
}

Test(native, offline_models_complete_and_embed)
{
    pl_host *h = open_host(offline_config);
    char *out = NULL;
    cr_assert_eq(pl_list_models(h, "offline", NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert(strstr(out, "echo-1"), "%s", out);
    pl_free(out);
    cr_assert_eq(pl_complete(h, "offline", "{\"prompt\":\"Once upon\"}", NULL, &out), PL_OK,
                 "%s", pl_host_last_error(h));
    cr_assert(strstr(out, "Once upon"), "%s", out);
    pl_free(out);
    cr_assert_eq(pl_embed(h, "offline", "{\"inputs\":[\"a\",\"b\"]}", NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    cr_assert_eq(out[0], '[');
    cr_assert_eq(out[1], '[');
    pl_free(out);
    pl_host_close(h);
    remove_config();
}

Test(native, bad_requests_are_refused_before_the_plugin)
{
    pl_host *h = open_host(offline_config);
    char *out = NULL;
    pl_call *c;
    pl_call_new(&c);
    cr_assert_eq(pl_chat(h, "offline", "{\"mesages\":[]}", c, &out), PL_E_INVALID_ARG);
    cr_assert(strstr(pl_call_error_message(c), "unknown key 'mesages' (did you mean 'messages'?)"),
              "%s", pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_INVALID_REQUEST);
    cr_assert_eq(pl_chat(h, "offline", "{\"messages\": 3}", c, &out), PL_E_INVALID_ARG);
    cr_assert_eq(pl_chat(h, "offline", "[1,", c, &out), PL_E_INVALID_ARG);
    cr_assert(strstr(pl_call_error_message(c), "not valid JSON"), "%s", pl_call_error_message(c));
    cr_assert_eq(pl_embed(h, "offline", "{\"inputs\":[1]}", c, &out), PL_E_INVALID_ARG);
    cr_assert_null(out);
    pl_call_free(c);
    pl_host_close(h);
    remove_config();
}

Test(native, the_callback_can_stop_a_stream)
{
    pl_host *h = open_host(offline_config);
    collected k = {.stop_after = 2};
    pl_call *c;
    pl_call_new(&c);
    pl_status st = pl_chat_stream(
        h, "offline", "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"a b c d e f g\"}]}]}",
        collect, &k, c, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%d %s", st, pl_host_last_error(h));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_CANCELLED);
    cr_assert_eq(k.chunks, 2);
    pl_call_free(c);
    pl_host_close(h);
    remove_config();
}

static const char slow_config[] =
    "[trust]\nallow_unsigned = [\"offline\"]\n"
    "[[providers]]\nname = \"offline\"\npath = \"" NATIVE "/offline.so\"\n"
    "[providers.config]\nmodel = \"echo-1\"\ndelay_ms = 200\n";

static void *cancel_soon(void *arg)
{
    usleep(300 * 1000);
    pl_call_cancel(arg);
    return NULL;
}

Test(native, cancel_from_another_thread)
{
    pl_host *h = open_host(slow_config);
    pl_call *c;
    pl_call_new(&c);
    pthread_t t;
    pthread_create(&t, NULL, cancel_soon, c);
    collected k = {0};
    pl_status st = pl_chat_stream(
        h, "offline", "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"a b c d e f g h i j k l m n o p\"}]}]}",
        collect, &k, c, NULL);
    pthread_join(t, NULL);
    cr_assert_eq(st, PL_E_CANCELLED, "%d %s", st, pl_host_last_error(h));
    cr_assert_lt(k.chunks, 10, "the stream went on after the cancel");
    cr_assert_eq(k.done, 0);
    pl_call_free(c);
    pl_host_close(h);
    remove_config();
}

static void *chat_many(void *arg)
{
    pl_host *h = arg;
    for (int i = 0; i < 50; i++) {
        char req[256], *out = NULL, want[64];
        snprintf(req, sizeof req,
                 "{\"messages\":[{\"role\":\"User\",\"content\":[{\"type\":\"text\","
                 "\"text\":\"n%d\"}]}]}",
                 i);
        if (pl_chat(h, "offline", req, NULL, &out) != PL_OK)
            return (void *)1;
        snprintf(want, sizeof want, "You said: n%d\"", i);
        int bad = strstr(out, want) == NULL;
        pl_free(out);
        if (bad)
            return (void *)1;
    }
    return NULL;
}

Test(native, concurrent_calls_on_one_provider)
{
    pl_host *h = open_host(offline_config);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, chat_many, h);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_expect_null(r, "thread %d got a wrong answer", i);
    }
    pl_host_close(h);
    remove_config();
}
