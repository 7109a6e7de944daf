/*
** test_cli_openai.c — the plinth command (build/cli/plinth) with the
** `openai` plugin against the local OpenAI-speaking upstream: what it
** prints (text and --json) for plugins, models, chat (streamed, with
** tools), complete and embed, and that its exit code tells every kind of
** failure apart, as scripts rely on (docs/cli.md).
**
** The command runs as a child process (posix_spawn) with its output in
** temporary files; the upstream runs in this process on 127.0.0.1.
*/
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "upstream.h"

#define PLINTH PL_BINARY_DIR "/cli/plinth"
#define OPENAI_SO PL_PLUGIN_DIR "/native/openai.so"

extern char **environ;

static upstream *U;
static char dir[64], config[128], tool_file[128];

static void start(void)
{
    setenv("no_proxy", "127.0.0.1", 1);
    unsetenv("PLINTH_CONFIG");
    U = upstream_start();
    cr_assert_not_null(U);
    snprintf(dir, sizeof dir, "/tmp/plinth-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(config, sizeof config, "%s/plinth.toml", dir);
    snprintf(tool_file, sizeof tool_file, "%s/weather.json", dir);
}

static void stop(void)
{
    upstream_stop(U);
    unlink(config);
    unlink(tool_file);
    rmdir(dir);
}

TestSuite(cli_openai, .init = start, .fini = stop, .timeout = 90);

/* The configuration: provider "openai" at base_url (NULL: the upstream),
** with lines for [providers.limits] and [providers.config]. */
static void write_config(const char *base_url, const char *limits, const char *extra)
{
    char base[96];
    snprintf(base, sizeof base, "%s/v1", upstream_url(U));
    FILE *f = fopen(config, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "[trust]\nallow_unsigned = [\"openai\"]\n"
            "[[providers]]\nname = \"openai\"\npath = \"%s\"\n"
            "[providers.limits]\n%s\n"
            "[providers.config]\nmodel = \"fake-model\"\nbase_url = \"%s\"\n%s\n",
            OPENAI_SO, limits ? limits : "", base_url ? base_url : base,
            extra ? extra : "api_key = \"sk-test\"");
    fclose(f);
}

typedef struct run {
    int code;       /* exit status, or 128 + signal */
    char *out, *err;
} run;

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    char *s = malloc((size_t)n + 1);
    rewind(f);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Start `plinth ARGS...` with stdout and stderr going to out and err. */
static pid_t spawn(const char *const *argv, FILE *out, FILE *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
    pid_t pid;
    /* posix_spawn's argv is char *const[] for historical reasons only. */
    int rc = posix_spawn(&pid, PLINTH, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    return pid;
}

static void finish(pid_t pid, FILE *out, FILE *err, run *r)
{
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    r->code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    r->out = slurp(out);
    r->err = slurp(err);
}

/* The argument vector of `plinth a...` (NULL-terminated list). */
static void args_of(const char **argv, size_t max, const char *first, va_list ap)
{
    size_t n = 0;
    argv[n++] = PLINTH;
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        cr_assert_lt(n, max - 1);
        argv[n++] = a;
    }
    argv[n] = NULL;
}

/* Run `plinth a...` to its end. */
static run plinth(const char *first, ...)
{
    const char *argv[32];
    va_list ap;
    va_start(ap, first);
    args_of(argv, 32, first, ap);
    va_end(ap);
    FILE *out = tmpfile(), *err = tmpfile();
    cr_assert(out && err);
    run r;
    finish(spawn(argv, out, err), out, err, &r);
    return r;
}

static void expect_ok(const run *r)
{
    cr_assert_eq(r->code, 0, "exit %d, stderr: %s", r->code, r->err);
    cr_assert_str_empty(r->err);
}

/* The body of the upstream's latest request, parsed. */
static json_t *last_body(void)
{
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    json_t *body = json_loadb(rq.body, rq.body_len, 0, NULL);
    upstream_request_free(&rq);
    cr_assert_not_null(body);
    return body;
}

/* ---- what the commands print ------------------------------------------- */

Test(cli_openai, plugins_text_and_json)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("plugins", "--config", config, NULL);
    expect_ok(&r);
    cr_assert(strstr(r.out, "NAME"), "%s", r.out);
    cr_assert(strstr(r.out, "openai") && strstr(r.out, "provider") && strstr(r.out, "native") &&
                  strstr(r.out, "0.1.0") && strstr(r.out, "ready"),
              "%s", r.out);
    run_free(&r);

    r = plinth("plugins", "--config", config, "--json", NULL);
    expect_ok(&r);
    json_error_t je;
    json_t *list = json_loads(r.out, 0, &je);
    cr_assert(json_is_array(list) && json_array_size(list) == 1, "%s: %s", je.text, r.out);
    json_t *p = json_array_get(list, 0);
    cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "openai");
    cr_assert_str_eq(json_string_value(json_object_get(p, "state")), "ready");
    cr_assert_str_eq(json_string_value(json_object_get(p, "version")), "0.1.0");
    cr_assert(json_is_null(json_object_get(p, "error")));
    json_decref(list);
    run_free(&r);
}

Test(cli_openai, plugins_shows_why_one_failed)
{
    FILE *f = fopen(config, "w");
    cr_assert_not_null(f);
    fprintf(f, "[trust]\nallow_unsigned_native = true\n"
               "[[providers]]\nname = \"gone\"\npath = \"/nonexistent/\\\"quoted\\\".so\"\n");
    fclose(f);
    run r = plinth("plugins", "--config", config, "--json", NULL);
    cr_assert_eq(r.code, 6, "exit %d: %s", r.code, r.err);
    json_error_t je;
    json_t *list = json_loads(r.out, 0, &je);
    cr_assert_not_null(list, "not JSON (%s): %s", je.text, r.out);
    json_t *p = json_array_get(list, 0);
    cr_assert_str_eq(json_string_value(json_object_get(p, "state")), "failed");
    const char *e = json_string_value(json_object_get(p, "error"));
    cr_assert(e && strstr(e, "/nonexistent/\"quoted\".so"), "%s", r.out);
    json_decref(list);
    /* The warning names the plugin once: the host reports it. */
    cr_assert(strstr(r.err, "plinth: warn: [host] provider 'gone' (native): "), "%s", r.err);
    cr_assert_null(strstr(r.err, "[gone]"), "%s", r.err);
    run_free(&r);
}

Test(cli_openai, models_text_and_json)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("models", "openai", "--config", config, NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "fake-model\nfake-embed\n");
    run_free(&r);
    r = plinth("models", "openai", "--config", config, "--json", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "[\"fake-model\",\"fake-embed\"]\n");
    run_free(&r);
}

Test(cli_openai, chat_with_model_and_system)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("chat", "openai", "--config", config, "--model", "other-model", "--system",
                   "Be brief.", "hello there", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "You said: hello there\n");
    run_free(&r);
    json_t *body = last_body();
    cr_assert_str_eq(json_string_value(json_object_get(body, "model")), "other-model");
    json_t *sys = json_array_get(json_object_get(body, "messages"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(sys, "role")), "system");
    cr_assert_str_eq(json_string_value(json_object_get(sys, "content")), "Be brief.");
    json_decref(body);

    r = plinth("chat", "openai", "--config", config, "--json", "hello there", NULL);
    expect_ok(&r);
    json_t *resp = json_loads(r.out, 0, NULL);
    cr_assert_not_null(resp, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(resp, "text")), "You said: hello there");
    cr_assert_str_eq(json_string_value(json_object_get(resp, "finish_reason")), "Stop");
    json_decref(resp);
    run_free(&r);
}

Test(cli_openai, chat_stream_text_and_json)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("chat", "openai", "--config", config, "--stream", "one two three", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "You said: one two three\n");
    run_free(&r);

    /* --json: one wire chunk per line, in order, DONE last. */
    r = plinth("chat", "openai", "--config", config, "--stream", "--json", "one two three", NULL);
    expect_ok(&r);
    char text[256] = "", *save = NULL, *last = NULL;
    int lines = 0;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *chunk = json_loads(line, 0, NULL);
        cr_assert(json_is_object(chunk) && json_object_size(chunk) == 1, "line: %s", line);
        const char *t = json_string_value(json_object_get(chunk, "text"));
        if (t)
            strncat(text, t, sizeof text - strlen(text) - 1);
        json_decref(chunk);
        last = line;
        lines++;
    }
    cr_assert_str_eq(text, "You said: one two three");
    cr_assert_gt(lines, 4);
    cr_assert_str_eq(last, "{\"done\":{\"finish_reason\":\"Stop\"}}");
    run_free(&r);
}

static void write_tool(void)
{
    FILE *f = fopen(tool_file, "w");
    cr_assert_not_null(f);
    fputs("{\"name\":\"weather\",\"description\":\"Current weather\",\"parameters\":"
          "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}\n",
          f);
    fclose(f);
}

Test(cli_openai, chat_with_a_tool)
{
    write_config(NULL, NULL, NULL);
    write_tool();
    static const char want[] = "[tool call call_1] weather {\"city\":\"Paris\"}\n";
    run r = plinth("chat", "openai", "--config", config, "--tool", tool_file,
                   "What is the weather in Paris?", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, want);
    run_free(&r);
    json_t *body = last_body();
    json_t *fn = json_object_get(json_array_get(json_object_get(body, "tools"), 0), "function");
    cr_assert_str_eq(json_string_value(json_object_get(fn, "name")), "weather");
    json_decref(body);

    /* Streamed: the same lines once the call is complete. */
    r = plinth("chat", "openai", "--config", config, "--stream", "--tool", tool_file,
               "What is the weather in Paris?", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, want);
    run_free(&r);
}

Test(cli_openai, complete_text_and_json)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("complete", "openai", "--config", config, "--max-tokens", "20",
                   "Once upon a time", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "You said: Once upon a time\n");
    run_free(&r);
    json_t *body = last_body();
    cr_assert_eq(json_integer_value(json_object_get(body, "max_tokens")), 20);
    json_decref(body);
    r = plinth("complete", "openai", "--config", config, "--json", "Once upon a time", NULL);
    expect_ok(&r);
    cr_assert_str_eq(r.out, "{\"text\":\"You said: Once upon a time\"}\n");
    run_free(&r);
}

Test(cli_openai, embed_text_json_and_options)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("embed", "openai", "--config", config, "first text", "second text", NULL);
    expect_ok(&r);
    char *nl = strchr(r.out, '\n');
    cr_assert(r.out[0] == '[' && nl && nl[-1] == ']' && nl[1] == '[', "%s", r.out);
    cr_assert_eq(strchr(nl + 1, '\n')[1], '\0', "two lines: %s", r.out);
    run_free(&r);

    /* --option passes provider configuration for the call (JSON values). */
    r = plinth("embed", "openai", "--config", config, "--json", "--option",
               "embedding_dimensions=4", "first text", "second text", NULL);
    expect_ok(&r);
    json_t *v = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(v) && json_array_size(v) == 2, "%s", r.out);
    cr_assert_eq(json_array_size(json_array_get(v, 0)), 4, "%s", r.out);
    json_decref(v);
    run_free(&r);
    json_t *body = last_body();
    cr_assert_eq(json_integer_value(json_object_get(body, "dimensions")), 4);
    json_decref(body);
}

Test(cli_openai, option_values_are_json_or_strings)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("chat", "openai", "--config", config, "--option", "reasoning_effort=low",
                   "--option", "top_p=0.5", "hi", NULL);
    expect_ok(&r);
    run_free(&r);
    json_t *body = last_body();
    cr_assert_str_eq(json_string_value(json_object_get(body, "reasoning_effort")), "low");
    cr_assert_float_eq(json_number_value(json_object_get(body, "top_p")), 0.5, 1e-9);
    json_decref(body);
    r = plinth("chat", "openai", "--config", config, "--option", "=3", "hi", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "expected KEY=VALUE"), "%s", r.err);
    run_free(&r);
}

/* ---- exit codes, one per kind of failure --------------------------------- */

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

static void set_unauthorized(void)
{
    write_config(NULL, NULL, "api_key = \"sk-wrong\"");
    upstream_set_api_key(U, "sk-right");
}

static void set_rate_limited(void)
{
    write_config(NULL, "wall_timeout_ms = 5000", NULL);
    upstream_fail_next(U, 429, 10, "120", NULL);
}

static void set_bad_request(void) { upstream_fail_next(U, 400, 1, NULL, NULL); }

static void set_context_window(void)
{
    upstream_fail_next(U, 400, 1, NULL,
                       "{\"error\":{\"message\":\"This model's maximum context length is 8 "
                       "tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
                       "\"code\":\"context_length_exceeded\"}}");
}

static void set_overloaded(void) { upstream_fail_next(U, 503, 3, NULL, NULL); }
static void set_malformed(void) { upstream_malformed_next(U); }

static void set_refused(void)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/v1", dead_port());
    write_config(base, NULL, NULL);
}

static void set_slow(void)
{
    write_config(NULL, "wall_timeout_ms = 300", NULL);
    upstream_set_delay_ms(U, 30000);
}

static void set_cut(void) { upstream_cut_stream_after(U, 3); }

static const struct exit_case {
    const char *name;
    void (*setup)(void);
    bool stream;
    const char *option; /* an --option for the call, or NULL */
    int code;
    const char *stderr_has;
    const char *status, *kind; /* of the --json error object */
    int http;                  /* its http_status, 0 for null */
} exit_cases[] = {
    {"auth", set_unauthorized, false, NULL, 7, "chat: 401: You didn't provide an API key",
     "PL_E_PROVIDER", "authentication", 401},
    {"rate limited", set_rate_limited, false, NULL, 8, "retry after 120000 ms", "PL_E_PROVIDER",
     "rate limited", 429},
    {"invalid request", set_bad_request, false, NULL, 9, "chat: 400: Bad request.",
     "PL_E_PROVIDER", "invalid request", 400},
    {"provider error", set_overloaded, false, NULL, 10, "chat: 503: The server is overloaded",
     "PL_E_PROVIDER", "provider error", 503},
    {"network", set_refused, false, NULL, 11, "connection refused (3 attempts)", "PL_E_NETWORK",
     "transport error", 0},
    {"stream cut", set_cut, true, NULL, 11, "stream cut after 3 events", "PL_E_NETWORK",
     "transport error", 0},
    {"timeout", set_slow, false, NULL, 12, "timed out after 300 ms", "PL_E_TIMEOUT", "timeout", 0},
    {"denied", NULL, false, "base_url=http://127.0.0.2:9/v1", 13,
     "host '127.0.0.2' is not in the allow-list", "PL_E_DENIED", "denied", 0},
    {"unreadable reply", set_malformed, false, NULL, 14, "chat: chat response is not valid JSON",
     "PL_E_PROVIDER", "unreadable response", 0},
    {"context window", set_context_window, false, NULL, 15, "maximum context length",
     "PL_E_PROVIDER", "context window exceeded", 400},
};

/* The last line of stdout, parsed: with --json a failure ends with
** {"error": {...}}, after whatever chunks a stream delivered. */
static json_t *error_object(const char *out)
{
    size_t n = strlen(out);
    cr_assert(n > 1 && out[n - 1] == '\n', "stdout does not end a line: '%s'", out);
    const char *line = out + n - 1;
    while (line > out && line[-1] != '\n')
        line--;
    json_error_t je;
    json_t *v = json_loadb(line, (size_t)(out + n - line), 0, &je);
    cr_assert_not_null(v, "not JSON (%s): %s", je.text, line);
    json_t *e = json_object_get(v, "error");
    cr_assert(json_is_object(e) && json_object_size(v) == 1, "%s", line);
    json_incref(e);
    json_decref(v);
    return e;
}

/* The error object says what stderr says, with the typed details. */
static void check_error_object(const struct exit_case *c, const run *r)
{
    json_t *e = error_object(r->out);
    cr_expect_str_eq(json_string_value(json_object_get(e, "status")), c->status, "%s", c->name);
    cr_expect_str_eq(json_string_value(json_object_get(e, "kind")), c->kind, "%s", c->name);
    cr_expect_eq(json_integer_value(json_object_get(e, "exit_code")), c->code, "%s", c->name);
    const char *msg = json_string_value(json_object_get(e, "message"));
    char line[1200];
    snprintf(line, sizeof line, "plinth: %s\n", msg ? msg : "(none)");
    cr_expect(strncmp(r->err, line, strlen(line)) == 0, "%s: message '%s', stderr '%s'",
              c->name, msg, r->err);
    json_t *http = json_object_get(e, "http_status");
    if (c->http)
        cr_expect_eq(json_integer_value(http), c->http, "%s", c->name);
    else
        cr_expect(json_is_null(http), "%s: http_status should be null", c->name);
    cr_expect(json_is_integer(json_object_get(e, "attempts")), "%s", c->name);
    if (c->code == 8) {
        cr_expect_eq(json_integer_value(json_object_get(e, "retry_after_ms")), 120000);
        cr_expect_str_eq(json_string_value(json_object_get(e, "provider_code")),
                         "rate_limit_exceeded");
    }
    json_decref(e);
}

static void check_exit_case(const struct exit_case *c)
{
    write_config(NULL, NULL, NULL);
    upstream_reset_script(U);
    upstream_set_api_key(U, NULL);
    if (c->setup)
        c->setup();
    size_t before = upstream_request_count(U);
    char opt[128] = "--json";
    if (c->option)
        snprintf(opt, sizeof opt, "--option=%s", c->option);
    run r = plinth("chat", "openai", "--config", config, c->stream ? "--stream" : "--json", opt,
                   "--json", "hello", NULL);
    cr_expect_eq(r.code, c->code, "%s: exit %d, want %d; stderr: %s", c->name, r.code, c->code,
                 r.err);
    cr_expect(strstr(r.err, "plinth: provider 'openai': ") && strstr(r.err, c->stderr_has),
              "%s: stderr lacks '%s': %s", c->name, c->stderr_has, r.err);
    if (c->code == 13)
        cr_expect_eq(upstream_request_count(U), before, "a denied request reached the upstream");
    check_error_object(c, &r);
    run_free(&r);
}

Test(cli_openai, exit_codes_tell_failures_apart)
{
    size_t n = sizeof exit_cases / sizeof exit_cases[0];
    for (size_t i = 0; i < n; i++)
        check_exit_case(&exit_cases[i]);
    /* Different kinds, different codes (a cut stream is a network error). */
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            cr_expect(exit_cases[i].code != exit_cases[k].code || exit_cases[i].code == 11,
                      "%s and %s share exit %d", exit_cases[i].name, exit_cases[k].name,
                      exit_cases[i].code);
}

/* ---- numeric options ------------------------------------------------------ */

Test(cli_openai, numeric_options_reach_the_request)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("chat", "openai", "--config", config, "--temperature", "0.7",
                   "--max-tokens=20", "hi", NULL);
    expect_ok(&r);
    run_free(&r);
    json_t *body = last_body();
    cr_assert_float_eq(json_number_value(json_object_get(body, "temperature")), 0.7, 1e-12);
    cr_assert_eq(json_integer_value(json_object_get(body, "max_tokens")), 20);
    json_decref(body);
    /* complete writes its request itself: the number arrives unrounded. */
    r = plinth("complete", "openai", "--config", config, "--temperature", "0.123456789",
               "--max-tokens", "4294967295", "Once", NULL);
    expect_ok(&r);
    run_free(&r);
    body = last_body();
    cr_assert_eq(json_number_value(json_object_get(body, "temperature")), 0.123456789);
    cr_assert_eq(json_integer_value(json_object_get(body, "max_tokens")), 4294967295);
    json_decref(body);
}

/* A value that is not the number asked for is a usage error naming the
** option and the value, and nothing is sent; it never becomes 0. */
static const struct bad_number {
    const char *option, *value;
} bad_numbers[] = {
    {"--temperature", "warm"}, {"--temperature", ""},     {"--temperature", "0.7x"},
    {"--temperature", "nan"},  {"--temperature", "inf"},  {"--temperature", "-0.5"},
    {"--temperature", "1e999"}, {"--max-tokens", "ten"},  {"--max-tokens", "0"},
    {"--max-tokens", "-1"},    {"--max-tokens", "1.5"},   {"--max-tokens", "20 "},
    {"--max-tokens", " 20"},   {"--max-tokens", "4294967296"},
};

static void check_bad_number(const char *cmd, const struct bad_number *b, bool json)
{
    char want[160];
    snprintf(want, sizeof want, "plinth: %s: %s: expected ", cmd, b->option);
    run r = plinth(cmd, "openai", "--config", config, b->option, b->value, "hi",
                   json ? "--json" : NULL, NULL);
    cr_expect_eq(r.code, 2, "%s %s '%s': exit %d: %s", cmd, b->option, b->value, r.code, r.err);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "got '%s'\n", b->value);
    cr_expect(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, quoted), "%s", r.err);
    if (json) {
        json_t *e = error_object(r.out);
        cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "PL_E_INVALID_ARG");
        cr_expect(json_is_null(json_object_get(e, "kind")));
        cr_expect(json_is_null(json_object_get(e, "attempts")), "no call was made");
        cr_expect_eq(json_integer_value(json_object_get(e, "exit_code")), 2);
        const char *msg = json_string_value(json_object_get(e, "message"));
        cr_expect(msg && strncmp(msg, want + 8, strlen(want) - 8) == 0, "%s", msg);
        json_decref(e);
    } else {
        cr_expect_str_empty(r.out);
    }
    run_free(&r);
}

Test(cli_openai, bad_numeric_options_are_usage_errors)
{
    write_config(NULL, NULL, NULL);
    for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
        check_bad_number("chat", &bad_numbers[i], i % 2 == 0);
        check_bad_number("complete", &bad_numbers[i], i % 2 == 1);
    }
    run r = plinth("chat", "openai", "--config", config, "hi", "--max-tokens", NULL);
    cr_expect_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_expect(strstr(r.err, "chat: --max-tokens needs a value"), "%s", r.err);
    run_free(&r);
    cr_assert_eq(upstream_request_count(U), 0, "a bad command line sent a request");
}

/* --json comes after the mistake: the error is still JSON. */
Test(cli_openai, usage_errors_with_json_are_json)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("embed", "openai", "--config", config, "--bogus", "x", "--json", NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    json_t *e = error_object(r.out);
    cr_assert_str_eq(json_string_value(json_object_get(e, "message")),
                     "embed: unknown option '--bogus'");
    json_decref(e);
    run_free(&r);
    r = plinth("chat", "opnai", "--config", config, "--json", "hello", NULL);
    cr_assert_eq(r.code, 5, "exit %d: %s", r.code, r.err);
    e = error_object(r.out);
    cr_assert_str_eq(json_string_value(json_object_get(e, "status")), "PL_E_NOT_FOUND");
    cr_assert(strstr(json_string_value(json_object_get(e, "message")), "did you mean 'openai'?"));
    json_decref(e);
    run_free(&r);
    r = plinth("config", "show", "/nonexistent/plinth.toml", "--json", NULL);
    cr_assert_eq(r.code, 4, "exit %d: %s", r.code, r.err);
    e = error_object(r.out);
    cr_assert_str_eq(json_string_value(json_object_get(e, "status")), "PL_E_NOT_FOUND");
    cr_assert_eq(json_integer_value(json_object_get(e, "exit_code")), 4);
    json_decref(e);
    run_free(&r);
}

Test(cli_openai, other_failures_have_their_own_codes)
{
    write_config(NULL, NULL, NULL);
    run r = plinth("chat", "opnai", "--config", config, "hello", NULL);
    cr_assert_eq(r.code, 5, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "did you mean 'openai'?"), "%s", r.err);
    run_free(&r);
    r = plinth("chat", "openai", "--config", config, NULL);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    run_free(&r);
    r = plinth("chat", "openai", "--config", "/nonexistent/plinth.toml", "hello", NULL);
    cr_assert_eq(r.code, 4, "exit %d: %s", r.code, r.err);
    run_free(&r);
    cr_assert_eq(upstream_request_count(U), 0);
}

Test(cli_openai, ctrl_c_cancels_the_call)
{
    write_config(NULL, "wall_timeout_ms = 60000", NULL);
    upstream_set_delay_ms(U, 60000);
    const char *argv[] = {PLINTH, "chat", "openai", "--config", config, "hello", NULL};
    FILE *out = tmpfile(), *err = tmpfile();
    cr_assert(out && err);
    pid_t pid = spawn(argv, out, err);
    /* Interrupt once the request is in flight (the upstream holds it), so
    ** the handler is installed; a command that ended first has failed. */
    int ws;
    pid_t ended = 0;
    while (upstream_request_count(U) < 1 && !(ended = waitpid(pid, &ws, WNOHANG)))
        usleep(1000);
    cr_assert_eq(ended, 0, "plinth ended before sending its request");
    cr_assert_eq(kill(pid, SIGINT), 0);
    run r;
    finish(pid, out, err, &r);
    cr_assert_eq(r.code, 130, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "/v1/chat/completions: cancelled"), "%s", r.err);
    run_free(&r);
}
