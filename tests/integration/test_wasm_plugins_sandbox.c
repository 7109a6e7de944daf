/*
** test_wasm_plugins_sandbox.c — the sandbox under attack, through a host
** and the public API, with the test plugins of tests/data/wasm_plugins:
**   - every trap kind is a typed error naming the plugin and the function,
**     and the next call runs on a fresh instance;
**   - plinth:host services without their capability trap naming it, and
**     work once granted (llm_chat by the offline provider, retrieval_search
**     by a context plugin, plan_solve by a plugin that provides "plan");
**     the manifest's request and the configuration's grant must agree;
**   - the network allow-list holds for Extism's http_request, for
**     network_fetch and for a sans-IO provider's requests (nothing is sent);
**   - the memory cap (memory.grow answers -1; too large an initial memory
**     does not load), fuel exhaustion, the wall-time limit of an endless
**     loop (the one timed assertion of these tests) and of a WASI sleep;
**   - WASI paths cannot escape their grant (.., symlinks), and a read-only
**     grant refuses writes.
** Concurrency (eight threads, the pool after traps) is in
** test_wasm_plugins_pool.c.
*/
#include <sys/stat.h>
#include <time.h>

#include "upstream.h"
#include "wasm_plugins.h"

static upstream *U, *O; /* an allowed upstream and one that must see nothing */

static void stop(void)
{
    upstream_stop(U);
    upstream_stop(O);
    U = O = NULL;
    wp_cleanup();
}

TestSuite(wasm_plugins_sandbox, .fini = stop, .timeout = 60);

static void start_upstreams(void)
{
    setenv("no_proxy", "127.0.0.1", 1);
    U = upstream_start();
    O = upstream_start();
    cr_assert(U && O);
}

/* A failed call: its status (any of the allowed ones) and the needles in
** its message. */
static void expect_error(pl_host *h, const char *plugin, const char *fn, const char *in,
                         pl_status want, pl_status also, const char *n1, const char *n2,
                         const char *n3)
{
    pl_call *c = wp_call_new();
    char *out = NULL;
    pl_status st = wp_pcall(h, plugin, fn, in, c, &out);
    const char *m = pl_call_error_message(c);
    cr_assert(st == want || st == also, "%s.%s: %s (want %s): %s%s", plugin, fn,
              pl_status_str(st), pl_status_str(want), m, out ? out : "");
    cr_assert_null(out);
    cr_assert(wp_has_all(m, n1, n2, n3, NULL), "%s.%s: '%s' should name '%s', '%s' and '%s'",
              plugin, fn, m, n1, n2 ? n2 : "", n3 ? n3 : "");
    cr_assert_str_eq(pl_host_last_error(h), m);
    pl_call_free(c);
}

/* ---- traps ------------------------------------------------------------------------- */

static const struct {
    const char *fn, *says;
} trap_kinds[] = {
    {"unreachable", "trap: unreachable"},
    {"div_zero", "trap: integer divide by zero"},
    {"int_overflow", "trap: integer overflow"},
    {"oob_memory", "trap: out of bounds memory access"},
    {"stack_overflow", "trap: call stack exhausted"},
    {"bad_conversion", "trap: invalid conversion to integer"},
    {"null_call", "trap: uninitialized element"},
    {"sig_mismatch", "trap: indirect call type mismatch"},
};

static pl_host *open_traps(const char *limits)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n[limits]\ninstances = 1\n"
                         "[[plugins]]\nname = \"traps\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.limits]\n%s\n",
                         WP_PLUGIN("wp_traps"), limits ? limits : "");
    wp_ready(h, "traps");
    return h;
}

Test(wasm_plugins_sandbox, every_trap_is_typed_and_the_next_call_succeeds)
{
    pl_host *h = open_traps(NULL);
    for (size_t i = 0; i < sizeof trap_kinds / sizeof *trap_kinds; i++) {
        /* The instance counts its plinth_invoke calls in a global. */
        char *out = NULL;
        cr_assert_eq(pl_tool_call(h, "traps", "echo", "{\"text\":\"x\"}", NULL, &out), PL_OK,
                     "%s", pl_host_last_error(h));
        pl_free(out);
        wp_expect_output(h, "traps", "invocations", "", "1");

        pl_call *c = wp_call_new();
        pl_status st = wp_pcall(h, "traps", trap_kinds[i].fn, "", c, &out);
        const char *m = pl_call_error_message(c);
        cr_assert_eq(st, PL_E_TRAP, "%s: %s: %s", trap_kinds[i].fn, pl_status_str(st), m);
        cr_assert_null(out);
        cr_assert_eq(pl_call_error_kind(c), PL_ERROR_PLUGIN, "%s", m);
        char head[128];
        snprintf(head, sizeof head, "plugin 'traps': %s: ", trap_kinds[i].fn);
        cr_assert(strncmp(m, head, strlen(head)) == 0, "'%s' should start '%s'", m, head);
        cr_assert(wp_has_all(m, trap_kinds[i].says, "(wp_traps.wasm: func ", NULL), "%s", m);
        pl_call_free(c);

        /* The next call works, on a fresh instance (its count is 0). */
        wp_expect_output(h, "traps", "invocations", "", "0");
        wp_expect_output(h, "traps", "ok", "after", "ok:after");
    }
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, a_trap_inside_a_tool_call)
{
    pl_host *h = open_traps(NULL);
    for (size_t i = 0; i < sizeof trap_kinds / sizeof *trap_kinds; i++) {
        char args[64], *out = NULL;
        snprintf(args, sizeof args, "{\"kind\":\"%s\"}", trap_kinds[i].fn);
        pl_call *c = wp_call_new();
        pl_status st = pl_tool_call(h, "traps", "trap", args, c, &out);
        const char *m = pl_call_error_message(c);
        cr_assert_eq(st, PL_E_TRAP, "%s: %s: %s", args, pl_status_str(st), m);
        cr_assert_null(out);
        cr_assert(wp_has_all(m, "plugin 'traps'", "tools/call", "plinth_invoke",
                             trap_kinds[i].says, NULL),
                  "%s", m);
        pl_call_free(c);
        cr_assert_eq(pl_tool_call(h, "traps", "echo", "{\"text\":\"still here\"}", NULL, &out),
                     PL_OK, "%s", pl_host_last_error(h));
        cr_assert(strstr(out, "still here"), "%s", out);
        pl_free(out);
    }
    /* An argument the schema allows but the tool does not know: a protocol
    ** error from the plugin, not a trap. */
    pl_call *c = wp_call_new();
    char *out = NULL;
    cr_assert_eq(pl_tool_call(h, "traps", "trap", "{\"kind\":\"gentle\"}", c, &out), PL_E_PLUGIN,
                 "%s", pl_call_error_message(c));
    cr_assert(strstr(pl_call_error_message(c), "unknown trap kind 'gentle'"), "%s",
              pl_call_error_message(c));
    /* Arguments the schema refuses never reach the plugin: its count (the
    ** echo after the last trap, and "gentle") does not move. */
    wp_expect_output(h, "traps", "invocations", "", "2");
    cr_assert_eq(pl_tool_call(h, "traps", "trap", "{}", c, &out), PL_E_INVALID_ARG);
    cr_assert_eq(pl_tool_call(h, "traps", "echo", "{\"text\":7}", c, &out), PL_E_INVALID_ARG);
    wp_expect_output(h, "traps", "invocations", "", "2");
    pl_call_free(c);
    pl_host_close(h);
}

/* ---- capabilities -------------------------------------------------------------------- */

#define CHAT_REQ                                                                             \
    "{\"provider\":\"offline\",\"request\":{\"messages\":[{\"role\":\"User\",\"content\":" \
    "[{\"type\":\"text\",\"text\":\"hi there\"}]}]}}"

/* The service plugin "svc" (path, its capabilities and permissions lines),
** with the offline provider, a context plugin and a planner beside it. */
static pl_host *open_services(const char *path, const char *grants)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\nallow_unsigned = [\"offline\"]\n"
                         "[[providers]]\nname = \"offline\"\npath = \"%s\"\n"
                         "[providers.config]\nmodel = \"echo-1\"\n"
                         "[[plugins]]\nname = \"ctx\"\nkind = \"context\"\npath = \"%s\"\n"
                         "[[plugins]]\nname = \"planner\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[[plugins]]\nname = \"svc\"\nkind = \"tool\"\npath = \"%s\"\n%s\n",
                         WP_NATIVE("offline"), WP_PLUGIN("wp_context"), WP_PLUGIN("wp_planner"),
                         path, grants);
    wp_ready(h, "offline");
    wp_ready(h, "ctx");
    wp_ready(h, "planner");
    wp_ready(h, "svc");
    return h;
}

/* A service call denied for want of capability cap. */
static void expect_denied(pl_host *h, const char *fn, const char *in, const char *service,
                          const char *cap)
{
    char says[128];
    snprintf(says, sizeof says, "%s: capability '%s' was not granted to plugin 'svc'", service,
             cap);
    expect_error(h, "svc", fn, in, PL_E_TRAP, PL_E_DENIED, "'svc'", fn, says);
}

static void expect_services_work(pl_host *h)
{
    char *out = NULL;
    pl_call *c = wp_call_new();
    cr_assert_eq(wp_pcall(h, "svc", "call_llm", CHAT_REQ, c, &out), PL_OK, "%s",
                 pl_call_error_message(c));
    json_t *r = wp_json(out);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "response"), "text")),
                     "You said: hi there", "%s", out);
    json_decref(r);
    pl_free(out);
    wp_expect_output(h, "svc", "call_search", "{\"query\":\"cats\"}",
                     "{\"chunks\":[{\"text\":\"notes about cats\",\"source\":\"wp_context\","
                     "\"plugin\":\"ctx\"}]}");
    wp_expect_output(h, "svc", "call_plan", "{\"goal\":\"tea\"}",
                     "{\"steps\":[\"understand tea\",\"solve tea\"]}");
    wp_expect_output(h, "svc", "call_log", "{\"level\":\"info\",\"message\":\"from wasm\"}",
                     "logged");
    pl_call_free(c);
}

Test(wasm_plugins_sandbox, services_without_their_capability_trap)
{
    pl_host *h = open_services(WP_PLUGIN("wp_services"), "capabilities = []");
    expect_denied(h, "call_llm", CHAT_REQ, "llm_chat", "llm");
    expect_denied(h, "call_search", "{\"query\":\"cats\"}", "retrieval_search", "retrieval");
    expect_denied(h, "call_plan", "{\"goal\":\"tea\"}", "plan_solve", "plan");
    expect_denied(h, "call_log", "{\"message\":\"hello\"}", "log", "log");
    expect_denied(h, "call_fetch", "{\"url\":\"http://127.0.0.1:9/\"}", "network_fetch",
                  "network");
    /* The host services are still there for the others, and the plugin
    ** keeps working after each refusal. */
    char *out = NULL;
    cr_assert_eq(pl_plugin_invoke(h, "ctx", "context/get", "{\"query\":\"dogs\"}", NULL, &out),
                 PL_OK, "%s", pl_host_last_error(h));
    cr_assert_str_eq(out, "{\"chunks\":[{\"text\":\"notes about dogs\",\"source\":\"wp_context\"}]}");
    pl_free(out);
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, services_with_their_capability_work)
{
    pl_host *h = open_services(WP_PLUGIN("wp_services"),
                               "capabilities = [\"log\", \"llm\", \"retrieval\", \"plan\"]");
    expect_services_work(h);
    /* A provider that is not there, and asking for oneself: answered, not
    ** trapped (the plugin reads the error). */
    char *out = NULL;
    cr_assert_eq(wp_pcall(h, "svc", "call_llm",
                          "{\"provider\":\"nobody\",\"request\":{\"messages\":[]}}", NULL, &out),
                 PL_OK, "%s", pl_host_last_error(h));
    json_t *r = wp_json(out);
    cr_assert(json_is_object(json_object_get(r, "error")), "%s", out);
    json_decref(r);
    pl_free(out);
    pl_host_close(h);
}

/* A copy of the service plugin with a manifest (NAME.toml beside it). */
static void with_manifest(const char *name, const char *caps, const char *details, char *path,
                          size_t n)
{
    char rel[64], toml[1024];
    snprintf(rel, sizeof rel, "%s.wasm", name);
    wp_copy(WP_PLUGIN("wp_services"), rel, path, n);
    snprintf(rel, sizeof rel, "%s.toml", name);
    snprintf(toml, sizeof toml,
             "[plugin]\nid = \"dev.plinth.test.%s\"\nversion = \"0.0.1\"\nkind = \"tool\"\n"
             "capabilities = [%s]\n%s\n",
             name, caps, details ? details : "");
    wp_write(rel, toml, NULL, 0);
}

Test(wasm_plugins_sandbox, manifest_and_configuration_must_agree)
{
    char asks[512], modest[512];
    with_manifest("asks", "\"log\", \"llm\", \"retrieval\", \"plan\"", NULL, asks, sizeof asks);
    with_manifest("modest", "\"log\"", NULL, modest, sizeof modest);

    /* Requested, not granted: denied. */
    pl_host *h = open_services(asks, "capabilities = [\"log\"]");
    expect_denied(h, "call_llm", CHAT_REQ, "llm_chat", "llm");
    expect_denied(h, "call_search", "{\"query\":\"cats\"}", "retrieval_search", "retrieval");
    expect_denied(h, "call_plan", "{}", "plan_solve", "plan");
    wp_expect_output(h, "svc", "call_log", "{\"message\":\"ok\"}", "logged");
    pl_host_close(h);

    /* Granted, not requested: not given either. */
    h = open_services(modest, "capabilities = [\"log\", \"llm\", \"retrieval\", \"plan\"]");
    expect_denied(h, "call_llm", CHAT_REQ, "llm_chat", "llm");
    expect_denied(h, "call_search", "{\"query\":\"cats\"}", "retrieval_search", "retrieval");
    expect_denied(h, "call_plan", "{}", "plan_solve", "plan");
    pl_host_close(h);

    /* Both: given. */
    h = open_services(asks, "capabilities = [\"log\", \"llm\", \"retrieval\", \"plan\"]");
    expect_services_work(h);
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, network_grant_and_request_must_agree)
{
    start_upstreams();
    char asks[512], modest[512], url[128], grant[160];
    with_manifest("netasks", "\"log\"", "[capabilities]\nnetwork = [\"127.0.0.1\"]", asks,
                  sizeof asks);
    with_manifest("netmodest", "\"log\"", NULL, modest, sizeof modest);
    snprintf(url, sizeof url, "%s/health", upstream_url(U));
    snprintf(grant, sizeof grant, "[plugins.permissions]\nnetwork = [\"127.0.0.1:%d\"]",
             upstream_port(U));

    /* Granted, not requested: the plugin has no network. */
    pl_host *h = open_services(modest, grant);
    expect_error(h, "svc", "http_get", url, PL_E_DENIED, PL_E_DENIED, "'svc'",
                 "host '127.0.0.1' is not in the allow-list", NULL);
    pl_host_close(h);
    /* Requested, not granted: the same. */
    h = open_services(asks, "");
    expect_error(h, "svc", "http_get", url, PL_E_DENIED, PL_E_DENIED, "'svc'",
                 "host '127.0.0.1' is not in the allow-list", NULL);
    pl_host_close(h);
    cr_assert_eq(upstream_connection_count(U), 0, "a denied request reached the upstream");
    /* Both: it goes through. */
    h = open_services(asks, grant);
    char *out = NULL;
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    cr_assert_eq(upstream_request_count(U), 1, "%s", out);
    pl_free(out);
    pl_host_close(h);
}

/* ---- the network allow-list -------------------------------------------------------- */

static pl_host *open_network_tool(void)
{
    start_upstreams();
    char grant[200];
    snprintf(grant, sizeof grant, "[plugins.permissions]\nnetwork = [\"127.0.0.1:%d\"]",
             upstream_port(U));
    return open_services(WP_PLUGIN("wp_services"), grant);
}

Test(wasm_plugins_sandbox, http_request_outside_the_allow_list_sends_nothing)
{
    pl_host *h = open_network_tool();
    char url[128], *out = NULL;
    /* The granted host and port: the request arrives. */
    snprintf(url, sizeof url, "%s/health", upstream_url(U));
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    cr_assert(strncmp(out, "404 ", 4) == 0, "%s", out);
    pl_free(out);
    upstream_request rq;
    cr_assert(upstream_last_request(U, &rq));
    cr_assert_str_eq(rq.path, "/health");
    upstream_request_free(&rq);

    /* Another port of the same host, another name for it, another host. */
    snprintf(url, sizeof url, "%s/v1/models", upstream_url(O));
    expect_error(h, "svc", "http_get", url, PL_E_DENIED, PL_E_DENIED, "'svc'", "http_get",
                 "host '127.0.0.1' is not in the allow-list");
    snprintf(url, sizeof url, "http://localhost:%d/health", upstream_port(U));
    expect_error(h, "svc", "http_get", url, PL_E_DENIED, PL_E_DENIED, "'svc'",
                 "host 'localhost' is not in the allow-list", NULL);
    expect_error(h, "svc", "http_get", "http://example.com/", PL_E_DENIED, PL_E_DENIED, "'svc'",
                 "host 'example.com' is not in the allow-list", NULL);
    cr_assert_eq(upstream_request_count(O), 0, "a denied request was sent");
    cr_assert_eq(upstream_connection_count(O), 0, "a denied host was contacted");
    cr_assert_eq(upstream_request_count(U), 1);
    /* And the plugin still works. */
    snprintf(url, sizeof url, "%s/health", upstream_url(U));
    cr_assert_eq(wp_pcall(h, "svc", "http_get", url, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    pl_free(out);
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, network_fetch_outside_the_allow_list_sends_nothing)
{
    pl_host *h = open_network_tool();
    upstream_set_api_key(U, "sk-fetch");
    char in[256], *out = NULL;
    snprintf(in, sizeof in,
             "{\"url\":\"%s/v1/models\",\"headers\":{\"authorization\":\"Bearer sk-fetch\"}}",
             upstream_url(U));
    cr_assert_eq(wp_pcall(h, "svc", "call_fetch", in, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    json_t *r = wp_json(out);
    cr_assert_eq(json_integer_value(json_object_get(r, "status")), 200, "%s", out);
    cr_assert(strstr(json_string_value(json_object_get(r, "body")), "fake-model"), "%s", out);
    json_decref(r);
    pl_free(out);
    snprintf(in, sizeof in, "{\"url\":\"%s/v1/models\"}", upstream_url(O));
    expect_error(h, "svc", "call_fetch", in, PL_E_TRAP, PL_E_DENIED, "'svc'", "network_fetch",
                 "host '127.0.0.1' is not in the allow-list");
    cr_assert_eq(upstream_connection_count(O), 0, "a denied host was contacted");
    pl_host_close(h);
}

/* The rogue provider, its base_url at U, building requests for target. */
static pl_host *open_rogue(const char *target)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n"
                         "[[providers]]\nname = \"rogue\"\npath = \"%s\"\n"
                         "[providers.limits]\nmax_retries = 0\n"
                         "[providers.config]\nbase_url = \"%s/v1\"\ntarget_url = \"%s\"\n",
                         WP_PLUGIN("wp_rogue"), upstream_url(U), target);
    wp_ready(h, "rogue");
    return h;
}

Test(wasm_plugins_sandbox, sans_io_request_outside_the_allow_list_is_denied)
{
    start_upstreams();
    /* O's port is not U's: the allow-list is base_url's host and port. */
    char target[128];
    snprintf(target, sizeof target, "%s/v1/chat/completions", upstream_url(O));
    pl_host *h = open_rogue(target);
    const char *req = "{\"messages\":[{\"role\":\"User\",\"content\":\"hello\"}]}";
    pl_call *c = wp_call_new();
    char *out = NULL;
    pl_status st = pl_chat(h, "rogue", req, c, &out);
    cr_assert_eq(st, PL_E_DENIED, "%s: %s", pl_status_str(st), pl_call_error_message(c));
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_DENIED);
    cr_assert_eq(pl_call_attempts(c), 0, "a denied request counts no attempt");
    cr_assert(wp_has_all(pl_call_error_message(c), "provider 'rogue'", target,
                         "host '127.0.0.1' is not in the allow-list", NULL),
              "%s", pl_call_error_message(c));
    cr_assert_null(out);
    /* Streaming goes the same way. */
    wp_stream s = {0};
    cr_assert_eq(pl_chat_stream(h, "rogue", req, wp_on_chunk, &s, c, NULL), PL_E_DENIED, "%s",
                 pl_call_error_message(c));
    cr_assert_null(s.chunks);
    /* The older export set, where the plugin sends itself
    ** (qmt_http_request): the host answers 403 and sends nothing. */
    cr_assert_eq(pl_embed(h, "rogue", "{\"inputs\":[\"x\"]}", c, &out), PL_OK, "%s",
                 pl_call_error_message(c));
    cr_assert_str_eq(out, "[[403]]");
    pl_free(out);
    cr_assert_eq(upstream_request_count(O), 0, "a denied request was sent");
    cr_assert_eq(upstream_connection_count(O), 0, "a denied host was contacted");
    cr_assert_eq(upstream_connection_count(U), 0);
    pl_call_free(c);
    pl_host_close(h);

    /* Pointed at its own base_url's host, the same plugin is sent. */
    snprintf(target, sizeof target, "%s/v1/chat/completions", upstream_url(U));
    h = open_rogue(target);
    pl_chat(h, "rogue", req, NULL, &out);
    pl_free(out);
    cr_assert_eq(upstream_request_count(U), 1, "the allowed request was not sent");
    pl_host_close(h);
}

/* ---- limits --------------------------------------------------------------------------- */

/* "grow R size S" from the traps plugin. */
static void grow(pl_host *h, int pages, int *r, int *size)
{
    char in[16], *out = NULL;
    snprintf(in, sizeof in, "%d", pages);
    cr_assert_eq(wp_pcall(h, "traps", "grow", in, NULL, &out), PL_OK, "%s",
                 pl_host_last_error(h));
    cr_assert_eq(sscanf(out, "grow %d size %d", r, size), 2, "%s", out);
    pl_free(out);
}

Test(wasm_plugins_sandbox, memory_grow_beyond_the_cap_returns_minus_one)
{
    /* 4 MiB: 64 pages. */
    pl_host *h = open_traps("mem_bytes = 4194304");
    int r, size, before;
    grow(h, 1, &r, &before);
    cr_assert(r > 0 && before == r + 1, "grow 1: %d, size %d", r, before);
    grow(h, 100, &r, &size);
    cr_assert_eq(r, -1, "grow past the cap answered %d", r);
    cr_assert_eq(size, before, "a refused grow changed the size");
    /* Up to the cap exactly is allowed, one page more is not. */
    grow(h, 64 - before, &r, &size);
    cr_assert_eq(r, before);
    cr_assert_eq(size, 64);
    grow(h, 1, &r, &size);
    cr_assert_eq(r, -1);
    cr_assert_eq(size, 64);
    /* The module keeps running. */
    wp_expect_output(h, "traps", "ok", "", "ok:");
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, initial_memory_over_the_cap_does_not_load)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n"
                         "[[plugins]]\nname = \"big\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.limits]\nmem_bytes = 16777216\n"
                         "[[plugins]]\nname = \"small\"\nkind = \"tool\"\npath = \"%s\"\n",
                         WP_PLUGIN("wp_bigmem"), WP_PLUGIN("wp_traps"));
    pl_plugin_info pi;
    cr_assert_eq(pl_host_plugin_find(h, "big", &pi), PL_OK);
    cr_assert_eq(pi.state, PL_PLUGIN_FAILED);
    cr_assert_eq(pi.status, PL_E_LIMIT, "%s: %s", pl_status_str(pi.status), pi.error);
    cr_assert(wp_has_all(pi.error, "plugin 'big'", "wp_bigmem.wasm", "initial size",
                         "exceeds the memory limit of 16777216 bytes", NULL),
              "%s", pi.error);
    /* Its calls say it did not load; the other plugin is fine. */
    expect_error(h, "big", "touch", "", PL_E_PLUGIN, PL_E_PLUGIN, "exceeds the memory limit",
                 NULL, NULL);
    wp_ready(h, "small");
    pl_host_close(h);
    /* Under a cap it fits in, it loads and runs. */
    h = wp_open("[trust]\npolicy = \"off\"\n"
                "[[plugins]]\nname = \"big\"\nkind = \"tool\"\npath = \"%s\"\n"
                "[plugins.limits]\nmem_bytes = 67108864\n",
                WP_PLUGIN("wp_bigmem"));
    wp_expect_output(h, "big", "touch", "", "touched");
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, fuel_exhaustion_is_a_limit_and_the_next_call_runs)
{
    pl_host *h = open_traps("fuel_units = 1000000");
    pl_call *c = wp_call_new();
    char *out = NULL;
    pl_status st = wp_pcall(h, "traps", "burn", "100000000", c, &out);
    const char *m = pl_call_error_message(c);
    cr_assert_eq(st, PL_E_LIMIT, "%s: %s", pl_status_str(st), m);
    cr_assert_null(out);
    cr_assert(wp_has_all(m, "plugin 'traps'", "burn", "fuel exhausted (budget 1000000 units)",
                         NULL),
              "%s", m);
    /* Each call has the whole budget again. */
    wp_expect_output(h, "traps", "burn", "1000", "burnt 1000");
    cr_assert_eq(wp_pcall(h, "traps", "spin", "", c, &out), PL_E_LIMIT, "%s",
                 pl_call_error_message(c));
    wp_expect_output(h, "traps", "ok", "", "ok:");
    pl_call_free(c);
    pl_host_close(h);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A call stopped by the wall-time limit: how long it took, in ms. */
static double timed_out(pl_host *h, const char *fn, const char *in)
{
    pl_call *c = wp_call_new();
    char *out = NULL;
    double t0 = now_ms();
    pl_status st = wp_pcall(h, "traps", fn, in, c, &out);
    double took = now_ms() - t0;
    const char *m = pl_call_error_message(c);
    cr_assert_eq(st, PL_E_TIMEOUT, "%s: %s: %s", fn, pl_status_str(st), m);
    cr_assert_eq(pl_call_error_kind(c), PL_ERROR_TIMEOUT, "%s", m);
    cr_assert(wp_has_all(m, "plugin 'traps'", fn, "the call ran past its 500 ms deadline", NULL),
              "%s", m);
    cr_assert_null(out);
    pl_call_free(c);
    return took;
}

/* The one timed assertion: wall_timeout_ms + 10 %. Fuel is out of the way
** (10^15 units), so only the clock can stop the loop. */
Test(wasm_plugins_sandbox, endless_loop_stopped_within_its_wall_time)
{
    pl_host *h = open_traps("wall_timeout_ms = 500\nfuel_units = 1000000000000000");
    double took = timed_out(h, "spin", "");
    fprintf(stderr, "wasm_plugins_sandbox: wall_timeout_ms = 500: the endless loop returned "
                    "after %.1f ms (overshoot %.1f ms)\n",
            took, took - 500);
    cr_assert(took >= 500 && took <= 550, "stopped after %.1f ms", took);
    /* A WASI sleep past the deadline ends there too. */
    took = timed_out(h, "sleep", "10000");
    fprintf(stderr, "wasm_plugins_sandbox: wall_timeout_ms = 500: a 10 s WASI sleep returned "
                    "after %.1f ms (overshoot %.1f ms)\n",
            took, took - 500);
    cr_assert(took >= 500 && took <= 550, "stopped after %.1f ms", took);
    wp_expect_output(h, "traps", "ok", "", "ok:");
    wp_expect_output(h, "traps", "sleep", "10", "slept");
    pl_host_close(h);
}

/* ---- WASI paths ------------------------------------------------------------------------ */

typedef struct tree {
    char root[512], grant[512], out[512], secret[512];
} tree;

/* root/secret.txt (outside every grant), root/grant/inside.txt, the
** symlinks root/grant/link -> ../secret.txt and root/grant/abs -> the
** secret's absolute path, and the empty root/out. */
static void make_tree(tree *t)
{
    snprintf(t->root, sizeof t->root, "%s", wp_tmp());
    snprintf(t->grant, sizeof t->grant, "%s/grant", t->root);
    snprintf(t->out, sizeof t->out, "%s/out", t->root);
    cr_assert_eq(mkdir(t->grant, 0700), 0);
    cr_assert_eq(mkdir(t->out, 0700), 0);
    wp_write("secret.txt", "the secret", t->secret, sizeof t->secret);
    wp_write("grant/inside.txt", "hello from inside", NULL, 0);
    char link[600];
    snprintf(link, sizeof link, "%s/link", t->grant);
    cr_assert_eq(symlink("../secret.txt", link), 0);
    snprintf(link, sizeof link, "%s/abs", t->grant);
    cr_assert_eq(symlink(t->secret, link), 0);
}

static void expect_refused_path(pl_host *h, const char *fn, const char *in)
{
    char *out = NULL;
    cr_assert_eq(wp_pcall(h, "files", fn, in, NULL, &out), PL_OK, "%s", pl_host_last_error(h));
    cr_assert(strncmp(out, "error: ", 7) == 0, "%s(%s) was not refused: %s", fn, in, out);
    cr_assert_null(strstr(out, "the secret"));
    pl_free(out);
}

static pl_host *open_files(const tree *t)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n"
                         "[[plugins]]\nname = \"files\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.permissions.filesystem]\nread = [\"%s\"]\nwrite = [\"%s\"]\n",
                         WP_PLUGIN("wp_files"), t->grant, t->out);
    wp_ready(h, "files");
    return h;
}

Test(wasm_plugins_sandbox, wasi_paths_cannot_escape_their_grant)
{
    tree t;
    make_tree(&t);
    pl_host *h = open_files(&t);
    char p[1200];
    snprintf(p, sizeof p, "%s/inside.txt", t.grant);
    wp_expect_output(h, "files", "read_file", p, "read: hello from inside");
    /* .. out of the grant, a relative and an absolute symlink out of it,
    ** and a path no grant covers. */
    snprintf(p, sizeof p, "%s/../secret.txt", t.grant);
    expect_refused_path(h, "read_file", p);
    snprintf(p, sizeof p, "%s/link", t.grant);
    expect_refused_path(h, "read_file", p);
    snprintf(p, sizeof p, "%s/abs", t.grant);
    expect_refused_path(h, "read_file", p);
    expect_refused_path(h, "read_file", t.secret);
    expect_refused_path(h, "read_file", "/etc/passwd");
    snprintf(p, sizeof p, "%s/../out/../secret.txt", t.grant);
    expect_refused_path(h, "read_file", p);
    pl_host_close(h);
}

Test(wasm_plugins_sandbox, wasi_read_only_grant_refuses_writes)
{
    tree t;
    make_tree(&t);
    pl_host *h = open_files(&t);
    char p[1200];
    struct stat st;
    /* Under the read grant: neither a new file nor an existing one. */
    snprintf(p, sizeof p, "%s/new.txt\ntext", t.grant);
    expect_refused_path(h, "write_file", p);
    snprintf(p, sizeof p, "%s/new.txt", t.grant);
    cr_assert_neq(stat(p, &st), 0, "the file was made under a read-only grant");
    snprintf(p, sizeof p, "%s/inside.txt\nclobbered", t.grant);
    expect_refused_path(h, "write_file", p);
    snprintf(p, sizeof p, "%s/inside.txt", t.grant);
    wp_expect_output(h, "files", "read_file", p, "read: hello from inside");
    /* Under the write grant: written, there on the host; but not out of it. */
    snprintf(p, sizeof p, "%s/made.txt\nwritten in the sandbox", t.out);
    wp_expect_output(h, "files", "write_file", p, "wrote");
    snprintf(p, sizeof p, "%s/made.txt", t.out);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f, "%s", p);
    char got[64] = "";
    cr_assert_not_null(fgets(got, sizeof got, f));
    fclose(f);
    cr_assert_str_eq(got, "written in the sandbox");
    snprintf(p, sizeof p, "%s/../escaped.txt\nout", t.out);
    expect_refused_path(h, "write_file", p);
    snprintf(p, sizeof p, "%s/escaped.txt", t.root);
    cr_assert_neq(stat(p, &st), 0, "a write escaped the grant");
    pl_host_close(h);
}
