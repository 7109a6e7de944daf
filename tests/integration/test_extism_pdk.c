/*
** test_extism_pdk.c — plinth against plugins built with a real, official
** Extism PDK: tests/extism_pdk/kitchen.ts and count_vowels.ts, compiled by
** AssemblyScript's asc with Extism's AssemblyScript PDK (@extism/as-pdk
** 1.0.0) at build time (tests/extism_pdk/plugins.cmake), run unmodified.
**
** Every export runs through `plinth call FILE.wasm FUNC` (exit code,
** stdout and stderr exactly) and through pl_wasm_call (status, return code,
** output, message), from one table of cases. The same calls then run
** through Extism's official JS SDK (@extism/extism 1.0.3, driven by
** tests/extism_pdk/jshost.mjs in node), and plinth's output must equal the
** SDK's byte for byte. Calls that depend on the previous ones (vars, the
** running total of count_vowels, logs) run on one instance on both sides
** (ple_call here). HTTP goes to the local upstream on 127.0.0.1, allowed
** and denied.
**
** Where plinth deliberately does what the Rust reference host does and the
** JS SDK 1.0.3 does otherwise (src/extism/README.md, extism-abi.md §4 and
** §8), the case asserts plinth's documented behaviour and the SDK's own
** result, with the reason beside it.
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "extism/extism.h"
#include "plinth/plinth.h"
#include "upstream.h"
#include "wasm_plugins.h"

#define PLINTH PL_BINARY_DIR "/cli/plinth"
#define JSHOST PL_PDK_DIR "/jshost.mjs"
#define KITCHEN_TS PL_SOURCE_DIR "/tests/extism_pdk/kitchen.ts"
#define BYTES(s) s, sizeof(s) - 1
#define JS_ERROR "Plugin-originated error: " /* the SDK's prefix to a plugin's error */

static const char *wasm_path(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s.wasm", PL_PDK_DIR, name);
    return p;
}

/* ---- the cases -------------------------------------------------------------------------- */

typedef enum js_kind {
    JS_SAME,     /* the SDK gives what plinth gives: the output, or the plugin's error */
    JS_OUTPUT,   /* the SDK succeeds with js_text where plinth fails (see the case) */
    JS_THROWS    /* the SDK throws js_text where plinth does otherwise (see the case) */
} js_kind;

typedef struct pdk_case {
    const char *wasm, *func;
    const char *in;
    size_t in_len;
    const char *config;   /* one "KEY=VALUE" entry, or NULL */
    pl_status st;         /* pl_wasm_call's status */
    int32_t rc;           /* its return code */
    int code;             /* the exit code of `plinth call` */
    const char *out;      /* the output, on success */
    size_t out_len;
    const char *msg;      /* on failure, the message after "NAME.wasm: FUNC: "; a %s in
                             it stands for the throw site in kitchen.ts */
    js_kind js;
    const char *js_text;
} pdk_case;

#define CLASSIC(count, vowels) \
    BYTES("{\"count\":" #count ",\"total\":" #count ",\"vowels\":\"" vowels "\"}")

static const pdk_case CASES[] = {
    /* count_vowels: Extism's classic output; the total is 0 + count on a new instance */
    {"count_vowels", "count_vowels", BYTES("Hello, World!"), NULL, PL_OK, 0, 0,
     CLASSIC(3, "aeiouAEIOU"), NULL, JS_SAME, NULL},
    {"count_vowels", "count_vowels", BYTES(""), NULL, PL_OK, 0, 0, CLASSIC(0, "aeiouAEIOU"), NULL,
     JS_SAME, NULL},
    {"count_vowels", "count_vowels", BYTES("Hello, World!"), "vowels=lo", PL_OK, 0, 0,
     CLASSIC(5, "lo"), NULL, JS_SAME, NULL},
    /* An empty config value: plinth's config_get gives handle 0, as the Rust host does
    ** for an empty buffer (src/extism/README.md), and the PDK takes the default. The JS
    ** SDK 1.0.3 cannot store an empty string ("" is falsy to its store) and throws. */
    {"count_vowels", "count_vowels", BYTES("Hello, World!"), "vowels=", PL_OK, 0, 0,
     CLASSIC(3, "aeiouAEIOU"), NULL, JS_THROWS, "failed to store output"},
    /* echo: the input bytes exactly, through the PDK's 8-byte and 1-byte loops */
    {"kitchen", "echo", BYTES("Hello"), NULL, PL_OK, 0, 0, BYTES("Hello"), NULL, JS_SAME, NULL},
    {"kitchen", "echo", BYTES("12345678"), NULL, PL_OK, 0, 0, BYTES("12345678"), NULL, JS_SAME,
     NULL},
    {"kitchen", "echo", BYTES("123456789abcdefg!"), NULL, PL_OK, 0, 0, BYTES("123456789abcdefg!"),
     NULL, JS_SAME, NULL},
    {"kitchen", "echo", BYTES("\xff\xfe\x00\x80\xc3(\x00" "abc"), NULL, PL_OK, 0, 0,
     BYTES("\xff\xfe\x00\x80\xc3(\x00" "abc"), NULL, JS_SAME, NULL},
    {"kitchen", "echo", BYTES(""), NULL, PL_OK, 0, 0, BYTES(""), NULL, JS_SAME, NULL},
    {"kitchen", "echo_string", BYTES("plain text"), NULL, PL_OK, 0, 0, BYTES("plain text"), NULL,
     JS_SAME, NULL},
    /* The PDK's Host.outputString allocates s.length bytes, the UTF-16 length (5 for
    ** "héllo"), then stores the 6 UTF-8 bytes. plinth drops the store past the block
    ** and outputs the (addr, len) it was given, 5 bytes, as the Rust host's kernel
    ** does (src/extism/README.md: bounds-checked stores, exact output region); the JS
    ** SDK's DataView throws on that store. */
    {"kitchen", "echo_string", BYTES("h\xc3\xa9llo"), NULL, PL_OK, 0, 0, BYTES("h\xc3\xa9ll"),
     NULL, JS_THROWS, "Offset is outside the bounds of the DataView"},
    /* config */
    {"kitchen", "config", BYTES("greeting"), "greeting=hi there", PL_OK, 0, 0, BYTES("hi there"),
     NULL, JS_SAME, NULL},
    {"kitchen", "config", BYTES("greeting"), NULL, PL_OK, 0, 0, BYTES("(absent)"), NULL, JS_SAME,
     NULL},
    {"kitchen", "config", BYTES("other"), "greeting=hi there", PL_OK, 0, 0, BYTES("(absent)"),
     NULL, JS_SAME, NULL},
    /* empty = absent, as above (the JS SDK throws) */
    {"kitchen", "config", BYTES("greeting"), "greeting=", PL_OK, 0, 0, BYTES("(absent)"), NULL,
     JS_THROWS, "failed to store output"},
    /* vars, one call each (across calls: vars_across_calls below) */
    {"kitchen", "var_get", BYTES("a"), NULL, PL_OK, 0, 0, BYTES("(unset)"), NULL, JS_SAME, NULL},
    {"kitchen", "var_set", BYTES("a=b"), NULL, PL_OK, 0, 0, BYTES(""), NULL, JS_SAME, NULL},
    {"kitchen", "var_del", BYTES("a"), NULL, PL_OK, 0, 0, BYTES(""), NULL, JS_SAME, NULL},
    {"kitchen", "counter", BYTES(""), NULL, PL_OK, 0, 0, BYTES("1"), NULL, JS_SAME, NULL},
    /* errors the plugin sets: a failure whatever the return code */
    {"kitchen", "var_set", BYTES("no-equals"), NULL, PL_E_PLUGIN, 2, 19, NULL, 0,
     "var_set: expected KEY=VALUE", JS_SAME, NULL},
    {"kitchen", "fail", BYTES("x"), NULL, PL_E_PLUGIN, 1, 19, NULL, 0, "failed: x", JS_SAME, NULL},
    {"kitchen", "fail_zero", BYTES("it was 0"), NULL, PL_E_PLUGIN, 0, 19, NULL, 0,
     "failed: it was 0", JS_SAME, NULL},
    {"kitchen", "rc", BYTES("0"), NULL, PL_OK, 0, 0, BYTES("rc 0"), NULL, JS_SAME, NULL},
    /* A non-zero return code without an error is a failure in plinth, as in the Rust
    ** host (extism-abi.md §4: "0 means success"); the JS SDK 1.0.3 ignores the code. */
    {"kitchen", "rc", BYTES("7"), NULL, PL_E_PLUGIN, 7, 19, NULL, 0,
     "returned non-zero exit code: 7", JS_OUTPUT, "rc 7"},
    {"kitchen", "rc", BYTES("-3"), NULL, PL_E_PLUGIN, -3, 19, NULL, 0,
     "returned non-zero exit code: -3", JS_OUTPUT, "rc -3"},
    {"kitchen", "throw_error", BYTES(""), NULL, PL_OK, 0, 0, BYTES(""), NULL, JS_SAME, NULL},
    /* throw: the plugin's abort handler sets the error, then traps. plinth reports the
    ** plugin's message with the trap's status (src/extism/README.md "error set, then
    ** trap", the Rust host's rule); the JS SDK reports the trap alone. */
    {"kitchen", "throw_error", BYTES("boom"), NULL, PL_E_TRAP, -1, 17, NULL, 0,
     "abort: thrown: boom at %s", JS_THROWS, "unreachable"},
    {"kitchen", "log", BYTES("hi"), NULL, PL_OK, 0, 0, BYTES("logged"), NULL, JS_SAME, NULL},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

/* "kitchen.ts:LINE:COLUMN" of the `throw` in kitchen.ts, as AssemblyScript
** passes it to the abort handler. */
static const char *throw_site(void)
{
    static char site[64];
    FILE *f = fopen(KITCHEN_TS, "r");
    cr_assert(f, "cannot read %s", KITCHEN_TS);
    char line[512];
    for (int no = 1; fgets(line, sizeof line, f); no++) {
        char *t = strstr(line, "throw new Error(");
        if (t) {
            snprintf(site, sizeof site, "kitchen.ts:%d:%d", no, (int)(t - line) + 1);
            fclose(f);
            return site;
        }
    }
    fclose(f);
    cr_assert_fail("no throw in %s", KITCHEN_TS);
    return NULL;
}

/* The case's message after "NAME.wasm: FUNC: ". */
static const char *case_msg(const pdk_case *c)
{
    static char msg[512];
    const char *at = strstr(c->msg, "%s");
    if (!at)
        return c->msg;
    snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - c->msg), c->msg, throw_site(), at + 2);
    return msg;
}

static void assert_bytes(const char *what, const void *got, size_t got_len, const void *want,
                         size_t want_len)
{
    int show = got_len < 200 ? (int)got_len : 200;
    if (!got)
        got = ""; /* no output: NULL with length 0 */
    cr_assert_eq(got_len, want_len, "%s: %zu bytes (%.*s), want %zu", what, got_len, show,
                 (const char *)got, want_len);
    cr_assert(want_len == 0 || memcmp(got, want, want_len) == 0, "%s: other bytes: %.*s (want "
              "%.*s)", what, show, (const char *)got, show, (const char *)want);
}

/* ---- plinth call --------------------------------------------------------------------------- */

/* `plinth ARGS...` (NULL-terminated) with these bytes on stdin (NULL:
** /dev/null). */
static child_run plinth_run(const void *in, size_t in_len, const char *first, ...)
{
    const char *argv[40] = {PLINTH};
    size_t n = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    child_run r;
    int rc = child_run_argv(&r, argv, in, in_len);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PLINTH, strerror(rc));
    return r;
}

static void expect_cli_failure(const child_run *r, int code, const char *wasm, const char *func,
                               const char *msg)
{
    cr_assert_eq(r->code, code, "exit %d, want %d: %s", r->code, code, r->err);
    cr_assert_eq(r->out_len, 0u, "stdout on failure: %s", r->out);
    char want[1024];
    snprintf(want, sizeof want, "plinth: %s.wasm: %s: %s\n", wasm, func, msg);
    cr_assert_str_eq(r->err, want);
}

/* One case through `plinth call`: the input with --input when it is text,
** else on stdin (`-`); the config with --config. */
static void cli_case(const pdk_case *c)
{
    bool text = c->in_len && !memchr(c->in, 0, c->in_len);
    char input[256];
    snprintf(input, sizeof input, "%.*s", (int)c->in_len, c->in);
    const char *file = wasm_path(c->wasm);
    child_run r;
    if (text && c->config)
        r = plinth_run(NULL, 0, "call", file, c->func, "--input", input, "--config", c->config,
                       NULL);
    else if (text)
        r = plinth_run(NULL, 0, "call", file, c->func, "--input", input, NULL);
    else if (c->config)
        r = plinth_run(c->in, c->in_len, "call", file, c->func, "-", "--config", c->config, NULL);
    else
        r = plinth_run(c->in, c->in_len, "call", file, c->func, "-", NULL);
    if (c->st == PL_OK) {
        cr_assert_eq(r.code, 0, "%s(%s): exit %d: %s", c->func, input, r.code, r.err);
        assert_bytes(c->func, r.out, r.out_len, c->out, c->out_len);
        cr_assert_str_eq(r.err, "");
    } else {
        expect_cli_failure(&r, c->code, c->wasm, c->func, case_msg(c));
    }
    child_free(&r);
}

Test(extism_pdk, every_case_through_plinth_call)
{
    for (size_t i = 0; i < N_CASES; i++)
        cli_case(&CASES[i]);
}

/* ---- pl_wasm_call ------------------------------------------------------------------------ */

static void api_case(const pdk_case *c)
{
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    const char *cfg[1] = {c->config};
    o.config = cfg;
    o.n_config = c->config ? 1 : 0;
    void *out = (void *)1;
    size_t out_len = 99;
    int32_t rc = 99;
    char err[1024];
    pl_status st = pl_wasm_call(wasm_path(c->wasm), c->func, c->in, c->in_len, &o, &out, &out_len,
                                &rc, err, sizeof err);
    cr_assert_eq(st, c->st, "%s(%.*s): status %d, want %d: %s", c->func, (int)c->in_len, c->in,
                 (int)st, (int)c->st, err);
    cr_assert_eq(rc, c->rc, "%s: rc %d, want %d", c->func, rc, c->rc);
    if (st == PL_OK) {
        cr_assert_not_null(out);
        assert_bytes(c->func, out, out_len, c->out, c->out_len);
        cr_assert_eq(((const char *)out)[out_len], '\0');
        cr_assert_str_eq(err, "");
    } else {
        cr_assert_null(out);
        cr_assert_eq(out_len, 0u);
        char want[1024];
        snprintf(want, sizeof want, "%s.wasm: %s: %s", c->wasm, c->func, case_msg(c));
        cr_assert_str_eq(err, want);
    }
    pl_free(out);
}

Test(extism_pdk, every_case_through_pl_wasm_call)
{
    for (size_t i = 0; i < N_CASES; i++)
        api_case(&CASES[i]);
}

/* ---- the JS SDK -------------------------------------------------------------------------- */

/* jshost.mjs's arguments, built up (each one owned). */
typedef struct js_args {
    char **v;
    size_t n, cap;
} js_args;

__attribute__((format(printf, 2, 3))) static void js_arg(js_args *a, const char *fmt, ...)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        cr_assert_not_null(a->v);
    }
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&a->v[a->n++], fmt, ap), 0);
    va_end(ap);
}

/* Start a new plugin instance of this file in jshost.mjs's arguments. */
static void js_plugin(js_args *a, const char *file)
{
    js_arg(a, "--plugin");
    js_arg(a, "%s", file);
}

/* A call of func with these bytes, as FUNC#HEX. */
static void js_call(js_args *a, const char *func, const void *in, size_t len)
{
    char *hex = malloc(2 * len + 1);
    cr_assert_not_null(hex);
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)in)[i]);
    hex[2 * len] = '\0';
    js_arg(a, "%s#%s", func, hex);
    free(hex);
}

typedef struct js_rec {
    char kind[4];         /* "OUT", "ERR" or "LOG" */
    const char *data;     /* into the run's stdout */
    size_t len;
} js_rec;

typedef struct js_run {
    child_run c;
    js_rec *rec;
    size_t n, cap, next;  /* records; the next one js_take gives */
} js_run;

/* Run node jshost.mjs with a's arguments (freed) and split its records. */
static void js_run_args(js_run *j, js_args *a)
{
    const char **argv = calloc(a->n + 3, sizeof *argv);
    cr_assert_not_null(argv);
    argv[0] = PL_NODE;
    argv[1] = JSHOST;
    for (size_t i = 0; i < a->n; i++)
        argv[i + 2] = a->v[i];
    memset(j, 0, sizeof *j);
    int rc = child_run_argv(&j->c, argv, NULL, 0);
    cr_assert_eq(rc, 0, "cannot run %s: %s", PL_NODE, strerror(rc));
    free(argv);
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    *a = (js_args){0};
    cr_assert_eq(j->c.code, 0, "jshost.mjs exit %d: %s", j->c.code, j->c.err);
    const char *p = j->c.out, *end = j->c.out + j->c.out_len;
    while (p < end) {
        if (j->n == j->cap) {
            j->cap = j->cap ? 2 * j->cap : 64;
            j->rec = realloc(j->rec, j->cap * sizeof *j->rec);
            cr_assert_not_null(j->rec);
        }
        js_rec *r = &j->rec[j->n++];
        char *after;
        cr_assert(end - p > 4 && p[3] == ' ', "bad record at %td", p - j->c.out);
        memcpy(r->kind, p, 3);
        r->kind[3] = '\0';
        r->len = strtoul(p + 4, &after, 10);
        cr_assert(*after == '\n' && (size_t)(end - after - 1) > r->len, "bad record %s", r->kind);
        r->data = after + 1;
        p = r->data + r->len + 1;
    }
}

static void js_free(js_run *j)
{
    child_free(&j->c);
    free(j->rec);
}

/* The next record, which must be of this kind. */
static const js_rec *js_take(js_run *j, const char *kind)
{
    cr_assert_lt(j->next, j->n, "jshost.mjs: no record left, want %s", kind);
    const js_rec *r = &j->rec[j->next++];
    cr_assert_str_eq(r->kind, kind, "record %zu is %s %.*s, want %s", j->next - 1, r->kind,
                     (int)r->len, r->data, kind);
    return r;
}

static void js_expect(js_run *j, const char *kind, const void *want, size_t len)
{
    const js_rec *r = js_take(j, kind);
    assert_bytes(kind, r->data, r->len, want, len);
}

/* The SDK's error for a plugin's message: JS_ERROR + msg. */
static void js_expect_error(js_run *j, const char *msg)
{
    char want[1024];
    snprintf(want, sizeof want, JS_ERROR "%s", msg);
    js_expect(j, "ERR", want, strlen(want));
}

Test(extism_pdk, js_sdk_gives_the_same_bytes)
{
    /* Each case on a new instance, as pl_wasm_call does. */
    js_args a = {0};
    for (size_t i = 0; i < N_CASES; i++) {
        const pdk_case *c = &CASES[i];
        js_plugin(&a, wasm_path(c->wasm));
        if (c->config) {
            js_arg(&a, "--config");
            js_arg(&a, "%s", c->config);
        }
        js_call(&a, c->func, c->in, c->in_len);
    }
    js_run j;
    js_run_args(&j, &a);
    for (size_t i = 0; i < N_CASES; i++) {
        const pdk_case *c = &CASES[i];
        while (j.next < j.n && strcmp(j.rec[j.next].kind, "LOG") == 0)
            j.next++; /* compared in logs_at_every_level */
        cr_log_info("case %zu: %s", i, c->func);
        if (c->js == JS_OUTPUT)
            js_expect(&j, "OUT", c->js_text, strlen(c->js_text));
        else if (c->js == JS_THROWS)
            js_expect(&j, "ERR", c->js_text, strlen(c->js_text));
        else if (c->st == PL_OK)
            js_expect(&j, "OUT", c->out, c->out_len);
        else
            js_expect_error(&j, case_msg(c));
    }
    cr_assert_eq(j.next, j.n, "more records than calls");
    js_free(&j);
}

/* ---- one instance, several calls ---------------------------------------------------------- */

#define MAX_LOGS 16

typedef struct pdk_inst {
    char *bytes;
    plw_module *m;
    ple_host *h;
    ple_plugin *p;
    pln_client *http;
    char logs[MAX_LOGS][256];  /* "LEVEL TEXT", as jshost.mjs writes them */
    size_t n_logs;
} pdk_inst;

static void on_log(void *user, int level, const char *text, size_t len)
{
    static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
    pdk_inst *x = user;
    cr_assert(level >= 0 && level <= PLE_LOG_ERROR);
    cr_assert_lt(x->n_logs, MAX_LOGS);
    snprintf(x->logs[x->n_logs++], sizeof x->logs[0], "%s %.*s", names[level], (int)len, text);
}

/* An instance of NAME.wasm with this config, logging from log_level up,
** HTTP to the hosts in allow (NULL: no HTTP client). */
static void inst_open(pdk_inst *x, const char *name, const ple_kv *cfg, size_t n_cfg,
                      int log_level, const char *allow)
{
    memset(x, 0, sizeof *x);
    pl_err e;
    plu_err_clear(&e);
    size_t len = 0;
    char mname[64];
    snprintf(mname, sizeof mname, "%s.wasm", name);
    cr_assert_eq(plu_read_file(wasm_path(name), &x->bytes, &len, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(plw_module_load((const uint8_t *)x->bytes, len, mname, &x->m, &e), PL_OK, "%s",
                 e.msg);
    ple_options o;
    ple_options_init(&o);
    o.config = cfg;
    o.n_config = n_cfg;
    o.log = on_log;
    o.log_user = x;
    o.log_level = log_level;
    if (allow) {
        x->http = pln_client_new(&e);
        cr_assert_not_null(x->http, "%s", e.msg);
        o.http = x->http;
        o.allowed_hosts = &allow;
        o.n_allowed_hosts = 1;
    }
    cr_assert_eq(ple_host_new(x->m, &o, &x->h, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(ple_plugin_new(x->h, &x->p, &e), PL_OK, "%s", e.msg);
}

static void inst_close(pdk_inst *x)
{
    ple_plugin_free(x->p);
    ple_host_free(x->h);
    plw_module_free(x->m);
    pln_client_free(x->http);
    plu_free(x->bytes);
}

/* Call func on the instance; it must succeed with this output. */
static void inst_expect(pdk_inst *x, const char *func, const void *in, size_t len,
                        const void *want, size_t want_len)
{
    ple_result r;
    pl_err e;
    plu_err_clear(&e);
    ple_call_opts co = {.timeout_ns = 10000000000u};
    pl_status st = ple_call(x->p, func, in, len, &co, &r, &e);
    cr_assert_eq(st, PL_OK, "%s(%.*s): %s", func, (int)len, (const char *)in, e.msg);
    cr_assert_eq(r.rc, 0);
    assert_bytes(func, r.output, r.output_len, want, want_len);
}

typedef struct pdk_step {
    const char *func, *in;
    size_t in_len;
    const char *out;
    size_t out_len;
} pdk_step;

/* The steps on one plinth instance, then on one JS SDK instance: the same
** outputs, and the ones listed. */
static void steps_on_both(const char *name, const char *config, const pdk_step *s, size_t n)
{
    ple_kv kv = {0};
    char key[64] = "";
    if (config) {
        const char *eq = strchr(config, '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - config), config);
        kv = (ple_kv){key, eq + 1};
    }
    pdk_inst x;
    inst_open(&x, name, &kv, config ? 1 : 0, PLE_LOG_INFO, NULL);
    js_args a = {0};
    js_plugin(&a, wasm_path(name));
    if (config) {
        js_arg(&a, "--config");
        js_arg(&a, "%s", config);
    }
    for (size_t i = 0; i < n; i++) {
        inst_expect(&x, s[i].func, s[i].in, s[i].in_len, s[i].out, s[i].out_len);
        js_call(&a, s[i].func, s[i].in, s[i].in_len);
    }
    inst_close(&x);
    js_run j;
    js_run_args(&j, &a);
    for (size_t i = 0; i < n; i++) {
        cr_log_info("step %zu: %s", i, s[i].func);
        js_expect(&j, "OUT", s[i].out, s[i].out_len);
    }
    cr_assert_eq(j.next, j.n);
    js_free(&j);
}

Test(extism_pdk, vars_across_calls)
{
    static const pdk_step steps[] = {
        {"var_get", BYTES("a"), BYTES("(unset)")},
        {"var_set", BYTES("a=1"), BYTES("")},
        {"var_get", BYTES("a"), BYTES("1")},
        {"var_set", BYTES("a=two"), BYTES("")},
        {"var_get", BYTES("a"), BYTES("two")},
        {"var_set", BYTES("bin=\xff\x00\x01"), BYTES("")},
        {"var_get", BYTES("bin"), BYTES("\xff\x00\x01")},
        {"var_del", BYTES("a"), BYTES("")},
        {"var_get", BYTES("a"), BYTES("(unset)")},
        {"var_get", BYTES("bin"), BYTES("\xff\x00\x01")},
        /* An empty value: the PDK allocates 0 bytes, which is handle 0 in plinth, so
        ** var_set deletes (Rust's rule); the JS SDK keeps an empty block, which the
        ** PDK reads back as null (length 0). Either way the plugin sees it unset. */
        {"var_set", BYTES("bin="), BYTES("")},
        {"var_get", BYTES("bin"), BYTES("(unset)")},
        {"counter", BYTES(""), BYTES("1")},
        {"counter", BYTES(""), BYTES("2")},
        {"counter", BYTES(""), BYTES("3")},
        {"var_get", BYTES("n"), BYTES("3")},
        {"var_del", BYTES("n"), BYTES("")},
        {"counter", BYTES(""), BYTES("1")},
    };
    steps_on_both("kitchen", NULL, steps, sizeof steps / sizeof steps[0]);
}

Test(extism_pdk, count_vowels_keeps_a_running_total)
{
    static const pdk_step classic[] = {
        {"count_vowels", BYTES("Hello, World!"), BYTES("{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}")},
        {"count_vowels", BYTES("Hello, World!"), BYTES("{\"count\":3,\"total\":6,\"vowels\":\"aeiouAEIOU\"}")},
        {"count_vowels", BYTES(""), BYTES("{\"count\":0,\"total\":6,\"vowels\":\"aeiouAEIOU\"}")},
        {"count_vowels", BYTES("AEIOU aeiou"), BYTES("{\"count\":10,\"total\":16,\"vowels\":\"aeiouAEIOU\"}")},
    };
    steps_on_both("count_vowels", NULL, classic, sizeof classic / sizeof classic[0]);
    static const pdk_step lo[] = {
        {"count_vowels", BYTES("Hello"), BYTES("{\"count\":3,\"total\":3,\"vowels\":\"lo\"}")},
        {"count_vowels", BYTES("Hello"), BYTES("{\"count\":3,\"total\":6,\"vowels\":\"lo\"}")},
    };
    steps_on_both("count_vowels", "vowels=lo", lo, sizeof lo / sizeof lo[0]);
}

/* 500 calls on one instance: the AssemblyScript heap (and its collector)
** and Extism memory, reset before every call, live together; the JS SDK
** gives the same 500 outputs. */
Test(extism_pdk, many_calls_on_one_instance)
{
    enum { CALLS = 500 };
    pdk_inst x;
    inst_open(&x, "count_vowels", NULL, 0, PLE_LOG_INFO, NULL);
    js_args a = {0};
    js_plugin(&a, wasm_path("count_vowels"));
    static char outs[CALLS][96];
    unsigned total = 0;
    for (unsigned i = 0; i < CALLS; i++) {
        char in[64];
        unsigned n = i % 37;
        memset(in, 'a', n);
        memset(in + n, 'x', 3);
        total += n;
        snprintf(outs[i], sizeof outs[i],
                 "{\"count\":%u,\"total\":%u,\"vowels\":\"aeiouAEIOU\"}", n, total);
        inst_expect(&x, "count_vowels", in, n + 3, outs[i], strlen(outs[i]));
        js_call(&a, "count_vowels", in, n + 3);
    }
    inst_close(&x);
    js_run j;
    js_run_args(&j, &a);
    for (unsigned i = 0; i < CALLS; i++)
        js_expect(&j, "OUT", outs[i], strlen(outs[i]));
    cr_assert_eq(j.next, j.n);
    js_free(&j);
}

/* ---- logs --------------------------------------------------------------------------------- */

static const char *const LOGS_HI[] = {"debug debug: hi", "info info: hi", "warn warn: hi",
                                      "error error: hi"};

Test(extism_pdk, logs_at_every_level)
{
    /* the JS SDK 1.0.3 logs every level (no filter): compare with plinth at trace */
    pdk_inst x;
    inst_open(&x, "kitchen", NULL, 0, PLE_LOG_TRACE, NULL);
    inst_expect(&x, "log", BYTES("hi"), BYTES("logged"));
    js_args a = {0};
    js_plugin(&a, wasm_path("kitchen"));
    js_arg(&a, "log=hi");
    js_run j;
    js_run_args(&j, &a);
    cr_assert_eq(x.n_logs, 4u);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(x.logs[i], LOGS_HI[i]);
        js_expect(&j, "LOG", x.logs[i], strlen(x.logs[i]));
    }
    js_expect(&j, "OUT", BYTES("logged"));
    js_free(&j);
    inst_close(&x);

    /* plinth's level filter: warn and above */
    inst_open(&x, "kitchen", NULL, 0, PLE_LOG_WARN, NULL);
    inst_expect(&x, "log", BYTES("hi"), BYTES("logged"));
    cr_assert_eq(x.n_logs, 2u);
    cr_assert_str_eq(x.logs[0], LOGS_HI[2]);
    cr_assert_str_eq(x.logs[1], LOGS_HI[3]);
    inst_close(&x);
}

Test(extism_pdk, logs_through_plinth_call)
{
    child_run r = plinth_run(NULL, 0, "call", wasm_path("kitchen"), "log", "--input", "hi",
                             "--log-level", "trace", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "logged");
    cr_assert_str_eq(r.err, "[kitchen.wasm] debug: debug: hi\n[kitchen.wasm] info: info: hi\n"
                            "[kitchen.wasm] warn: warn: hi\n[kitchen.wasm] error: error: hi\n");
    child_free(&r);
    r = plinth_run(NULL, 0, "call", wasm_path("kitchen"), "log", "--input", "hi", "--log-level",
                   "warn", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.err, "[kitchen.wasm] warn: warn: hi\n[kitchen.wasm] error: error: hi\n");
    child_free(&r);
    r = plinth_run(NULL, 0, "call", wasm_path("kitchen"), "log", "--input", "hi", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "logged");
    cr_assert_str_eq(r.err, ""); /* off by default */
    child_free(&r);
}

/* pl_wasm_call writes the logs to this process's stderr: catch them in a file. */
Test(extism_pdk, logs_through_pl_wasm_call)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fflush(stderr);
    int saved = dup(2);
    cr_assert_geq(saved, 0);
    cr_assert_geq(dup2(fileno(f), 2), 0);
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.log_level = 1; /* debug */
    void *out = NULL;
    size_t out_len = 0;
    char err[512];
    pl_status st = pl_wasm_call(wasm_path("kitchen"), "log", "hi", 2, &o, &out, &out_len, NULL,
                                err, sizeof err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(st, PL_OK, "%s", err);
    cr_assert_str_eq(out, "logged");
    pl_free(out);
    char text[1024];
    rewind(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    cr_assert_str_eq(text, "[kitchen.wasm] debug: debug: hi\n[kitchen.wasm] info: info: hi\n"
                           "[kitchen.wasm] warn: warn: hi\n[kitchen.wasm] error: error: hi\n");
}

/* ---- large input ------------------------------------------------------------------------------ */

#define MIB (1u << 20)

static char *mib_of_bytes(void)
{
    char *b = malloc(MIB);
    cr_assert_not_null(b);
    uint32_t s = 12345;
    for (size_t i = 0; i < MIB; i++) {
        s = s * 1103515245u + 12345u;
        b[i] = (char)(s >> 23);
    }
    return b;
}

Test(extism_pdk, echo_of_one_mebibyte)
{
    char *big = mib_of_bytes();
    /* 1 MiB is 131072 input_load_u64 and as many store_u64 calls plus the copies:
    ** past the default 10,000,000 units of fuel, which plinth call reports */
    child_run r = plinth_run(big, MIB, "call", wasm_path("kitchen"), "echo", "-", NULL);
    cr_assert_eq(r.code, 18, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.out_len, 0u);
    cr_assert(strncmp(r.err, "plinth: kitchen.wasm: echo: trap: fuel exhausted (budget 10000000 "
                             "units)", 70) == 0, "%s", r.err);
    child_free(&r);
    r = plinth_run(big, MIB, "call", wasm_path("kitchen"), "echo", "-", "--fuel",
                   "18446744073709551615", NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    assert_bytes("plinth call echo", r.out, r.out_len, big, MIB);
    cr_assert_str_eq(r.err, "");
    child_free(&r);

    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.fuel = UINT64_MAX;
    void *out = NULL;
    size_t out_len = 0;
    char err[512];
    cr_assert_eq(pl_wasm_call(wasm_path("kitchen"), "echo", big, MIB, &o, &out, &out_len, NULL,
                              err, sizeof err), PL_OK, "%s", err);
    assert_bytes("pl_wasm_call echo", out, out_len, big, MIB);
    pl_free(out);

    char file[] = "/tmp/plinth-pdk-XXXXXX";
    int fd = mkstemp(file);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, big, MIB), (ssize_t)MIB);
    close(fd);
    js_args a = {0};
    js_plugin(&a, wasm_path("kitchen"));
    js_arg(&a, "echo@%s", file);
    js_run j;
    js_run_args(&j, &a);
    unlink(file);
    js_expect(&j, "OUT", big, MIB);
    js_free(&j);
    free(big);
}

/* ---- a function that is not there ------------------------------------------------------------ */

Test(extism_pdk, missing_function)
{
    child_run r = plinth_run(NULL, 0, "call", wasm_path("count_vowels"), "count_vowel", NULL);
    cr_assert_eq(r.code, 5, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.err, "plinth: count_vowels.wasm: no exported function 'count_vowel' "
                            "(did you mean 'count_vowels'?)\n");
    child_free(&r);
    char err[512];
    cr_assert_eq(pl_wasm_call(wasm_path("count_vowels"), "count_vowel", NULL, 0, NULL, NULL, NULL,
                              NULL, err, sizeof err), PL_E_NOT_FOUND);
    cr_assert_str_eq(err, "count_vowels.wasm: no exported function 'count_vowel' "
                          "(did you mean 'count_vowels'?)");
    js_args a = {0};
    js_plugin(&a, wasm_path("count_vowels"));
    js_arg(&a, "count_vowel");
    js_run j;
    js_run_args(&j, &a);
    js_expect(&j, "ERR", BYTES("Plugin error: target \"count_vowel\" does not exist"));
    js_free(&j);
}

/* ---- HTTP ---------------------------------------------------------------------------------- */

static upstream *U;

static void http_start(void)
{
    U = upstream_start();
    cr_assert_not_null(U);
    upstream_set_api_key(U, "pdk-key");
}

static void http_stop(void)
{
    upstream_stop(U);
}

/* The kitchen's http input: the request JSON, a line end, the body. */
static char *http_input(const char *path, const char *method, bool auth, const char *body)
{
    char *s;
    cr_assert_geq(asprintf(&s, "{\"url\":\"%s%s\",\"method\":\"%s\",\"headers\":{%s\"X-Pdk\":"
                               "\"as-pdk\"}}\n%s", upstream_url(U), path, method,
                           auth ? "\"Authorization\":\"Bearer pdk-key\"," : "", body ? body : ""),
                  0);
    return s;
}

/* The call through plinth call (--allow-host allow), checked against
** pl_wasm_call and the JS SDK: the three outputs are the same bytes. The
** output, as a malloc'd string. */
static char *http_on_all_hosts(const char *in, const char *allow)
{
    child_run r = plinth_run(in, strlen(in), "call", wasm_path("kitchen"), "http", "-",
                             "--allow-host", allow, NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.err, "");

    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.allowed_hosts = &allow;
    o.n_allowed_hosts = 1;
    void *out = NULL;
    size_t out_len = 0;
    char err[512];
    cr_assert_eq(pl_wasm_call(wasm_path("kitchen"), "http", in, strlen(in), &o, &out, &out_len,
                              NULL, err, sizeof err), PL_OK, "%s", err);
    assert_bytes("pl_wasm_call http", out, out_len, r.out, r.out_len);
    pl_free(out);

    /* The JS SDK 1.0.3 serves http_request only to a plugin run in a worker. */
    js_args a = {0};
    js_plugin(&a, wasm_path("kitchen"));
    js_arg(&a, "--worker");
    js_arg(&a, "--allow-host");
    js_arg(&a, "127.0.0.1");
    js_call(&a, "http", in, strlen(in));
    js_run j;
    js_run_args(&j, &a);
    js_expect(&j, "OUT", r.out, r.out_len);
    js_free(&j);
    char *text = strdup(r.out);
    child_free(&r);
    return text;
}

/* The last request the upstream saw (3 of them per http_on_all_hosts). */
static void expect_request(size_t count, const char *method, const char *path,
                           const char *body)
{
    cr_assert_eq(upstream_request_count(U), count);
    upstream_request q;
    cr_assert(upstream_last_request(U, &q));
    cr_assert_str_eq(q.method, method);
    cr_assert_str_eq(q.path, path);
    cr_assert_str_eq(upstream_request_header(&q, "x-pdk"), "as-pdk");
    if (body)
        cr_assert_str_eq(q.body, body);
    upstream_request_free(&q);
}

Test(extism_pdk, http_request_allowed, .init = http_start, .fini = http_stop)
{
    char *in = http_input("/v1/models", "GET", true, NULL);
    char *out = http_on_all_hosts(in, "127.0.0.1");
    cr_assert(strncmp(out, "200\n", 4) == 0, "%s", out);
    json_error_t je;
    json_t *v = json_loads(out + 4, 0, &je);
    cr_assert_not_null(v, "%s: %s", je.text, out);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(v, "data"), 0), "id")), "fake-model");
    json_decref(v);
    expect_request(3, "GET", "/v1/models", NULL);
    free(out);
    free(in);

    const char *body = "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\","
                       "\"content\":\"hi from AssemblyScript\"}]}";
    in = http_input("/v1/chat/completions", "POST", true, body);
    out = http_on_all_hosts(in, "127.0.0.1");
    cr_assert(strncmp(out, "200\n", 4) == 0, "%s", out);
    v = json_loads(out + 4, 0, &je);
    cr_assert_not_null(v, "%s: %s", je.text, out);
    json_t *msg = json_object_get(json_array_get(json_object_get(v, "choices"), 0), "message");
    cr_assert_str_eq(json_string_value(json_object_get(msg, "content")),
                     "You said: hi from AssemblyScript");
    json_decref(v);
    expect_request(6, "POST", "/v1/chat/completions", body);
    free(out);
    free(in);

    /* a status that is not 2xx is the plugin's to read, not a failed call */
    in = http_input("/v1/models", "GET", false, NULL);
    out = http_on_all_hosts(in, "127.0.0.1");
    cr_assert(strncmp(out, "401\n{\"error\":", 13) == 0, "%s", out);
    expect_request(9, "GET", "/v1/models", NULL);
    free(out);
    free(in);

    /* plinth's globs may name the port (the JS SDK matches the host name only) */
    char port_glob[64];
    snprintf(port_glob, sizeof port_glob, "127.0.0.1:%d", upstream_port(U));
    in = http_input("/v1/models", "GET", true, NULL);
    out = http_on_all_hosts(in, port_glob);
    cr_assert(strncmp(out, "200\n", 4) == 0, "%s", out);
    free(out);
    free(in);
}

/* Denied by plinth (every way), then by the JS SDK: nothing reaches the
** upstream. */
Test(extism_pdk, http_request_denied, .init = http_start, .fini = http_stop)
{
    char *in = http_input("/v1/models", "GET", true, NULL);
    size_t len = strlen(in);
    const char *k = wasm_path("kitchen");
    child_run r = plinth_run(in, len, "call", k, "http", "-", NULL);
    expect_cli_failure(&r, 13, "kitchen", "http",
                       "HTTP request is not allowed: host '127.0.0.1' is not in the allow-list "
                       "(empty)\n(no host is allowed unless given: --allow-host GLOB)");
    child_free(&r);
    r = plinth_run(in, len, "call", k, "http", "-", "--allow-host", "example.com", NULL);
    expect_cli_failure(&r, 13, "kitchen", "http",
                       "HTTP request is not allowed: host '127.0.0.1' is not in the allow-list "
                       "(example.com)");
    child_free(&r);
    char other_port[64];
    snprintf(other_port, sizeof other_port, "127.0.0.1:%d", upstream_port(U) == 1 ? 2 : 1);
    r = plinth_run(in, len, "call", k, "http", "-", "--allow-host", other_port, NULL);
    cr_assert_eq(r.code, 13, "exit %d: %s", r.code, r.err);
    child_free(&r);

    void *out = (void *)1;
    int32_t rc = 0;
    char err[512];
    cr_assert_eq(pl_wasm_call(k, "http", in, len, NULL, &out, NULL, &rc, err, sizeof err),
                 PL_E_DENIED, "%s", err);
    cr_assert_null(out);
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(err, "kitchen.wasm: http: HTTP request is not allowed: host '127.0.0.1' is "
                          "not in the allow-list (empty)");

    js_args a = {0};
    js_plugin(&a, k);
    js_arg(&a, "--worker");
    js_call(&a, "http", in, len);
    js_plugin(&a, k);
    js_arg(&a, "--worker");
    js_arg(&a, "--allow-host");
    js_arg(&a, "example.com");
    js_call(&a, "http", in, len);
    js_run j;
    js_run_args(&j, &a);
    char want[512];
    snprintf(want, sizeof want, "Call error: HTTP request to \"%s/v1/models\" is not allowed (no "
             "allowedHosts match \"127.0.0.1\")", upstream_url(U));
    js_expect(&j, "ERR", want, strlen(want));
    js_expect(&j, "ERR", want, strlen(want));
    js_free(&j);
    cr_assert_eq(upstream_request_count(U), 0u);
    free(in);
}

/* ---- through a host: pl_plugin_call ------------------------------------------------------- */

/* A host with the kitchen (greeting = "hi there"), count_vowels and, when
** allow is not NULL, the kitchen again as "net" with that network grant;
** one instance each, so vars carry from call to call. */
static pl_host *host_open(const char *allow)
{
    char net[1024] = "";
    if (allow)
        snprintf(net, sizeof net,
                 "[[plugins]]\nname = \"net\"\nkind = \"tool\"\npath = \"%s\"\n"
                 "[plugins.permissions]\nnetwork = [\"%s\"]\n", wasm_path("kitchen"), allow);
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n[limits]\ninstances = 1\n"
                         "fuel_units = 1000000000\n"
                         "[[plugins]]\nname = \"kitchen\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.config]\ngreeting = \"hi there\"\n"
                         "[[plugins]]\nname = \"vowels\"\nkind = \"tool\"\npath = \"%s\"\n%s",
                         wasm_path("kitchen"), wasm_path("count_vowels"), net);
    wp_ready(h, "kitchen");
    wp_ready(h, "vowels");
    return h;
}

/* pl_plugin_call that must succeed with these bytes. */
static void host_expect(pl_host *h, const char *plugin, const char *func, const void *in,
                        size_t len, const void *want, size_t want_len)
{
    pl_call *c = wp_call_new();
    void *out = NULL;
    size_t n = 99;
    pl_status st = pl_plugin_call(h, plugin, func, in, len, c, &out, &n);
    cr_assert_eq(st, PL_OK, "%s.%s: %s: %s", plugin, func, pl_status_str(st),
                 pl_call_error_message(c));
    assert_bytes(func, out, n, want, want_len);
    cr_assert_eq(((const char *)out)[n], '\0');
    pl_free(out);
    pl_call_free(c);
}

/* pl_plugin_call that must fail with this status and message. */
static void host_expect_failure(pl_host *h, const char *plugin, const char *func, const char *in,
                                pl_status want, const char *msg)
{
    pl_call *c = wp_call_new();
    void *out = (void *)1;
    size_t n = 99;
    pl_status st = pl_plugin_call(h, plugin, func, in, strlen(in), c, &out, &n);
    cr_assert_eq(st, want, "%s.%s: %s: %s", plugin, func, pl_status_str(st),
                 pl_call_error_message(c));
    cr_assert_null(out);
    cr_assert_eq(n, 0u);
    cr_assert_str_eq(pl_call_error_message(c), msg);
    pl_call_free(c);
}

Test(extism_pdk, every_case_through_a_host, .fini = wp_cleanup)
{
    pl_host *h = host_open(NULL);
    for (size_t i = 0; i < N_CASES; i++) {
        const pdk_case *c = &CASES[i];
        /* The host has one kitchen, whose config is greeting = "hi there", and one
        ** instance of each plugin, whose vars (and count_vowels' total) carry over:
        ** those cases run in vars_across_calls_through_a_host. */
        bool config_fits = c->config ? strcmp(c->config, "greeting=hi there") == 0
                                     : strcmp(c->func, "config") != 0;
        if (strcmp(c->wasm, "kitchen") != 0 || !config_fits || strcmp(c->func, "counter") == 0 ||
            strncmp(c->func, "var_", 4) == 0)
            continue;
        if (c->st == PL_OK) {
            host_expect(h, "kitchen", c->func, c->in, c->in_len, c->out, c->out_len);
            continue;
        }
        char msg[1024], in[256];
        snprintf(msg, sizeof msg, "plugin 'kitchen': %s: %s", c->func, case_msg(c));
        snprintf(in, sizeof in, "%.*s", (int)c->in_len, c->in);
        host_expect_failure(h, "kitchen", c->func, in, c->st, msg);
    }
    pl_host_close(h);
}

Test(extism_pdk, vars_across_calls_through_a_host, .fini = wp_cleanup)
{
    pl_host *h = host_open(NULL);
    host_expect(h, "kitchen", "var_get", BYTES("a"), BYTES("(unset)"));
    host_expect(h, "kitchen", "var_set", BYTES("a=1"), BYTES(""));
    host_expect(h, "kitchen", "var_get", BYTES("a"), BYTES("1"));
    host_expect(h, "kitchen", "counter", BYTES(""), BYTES("1"));
    host_expect(h, "kitchen", "counter", BYTES(""), BYTES("2"));
    /* A trap ends the instance; the next call runs on a new one, which keeps the
    ** vars (src/extism/README.md: ple_plugin_renew keeps them) */
    char msg[256];
    snprintf(msg, sizeof msg, "plugin 'kitchen': throw_error: abort: thrown: boom at %s",
             throw_site());
    host_expect_failure(h, "kitchen", "throw_error", "boom", PL_E_TRAP, msg);
    host_expect(h, "kitchen", "counter", BYTES(""), BYTES("3"));
    host_expect(h, "kitchen", "var_get", BYTES("a"), BYTES("1"));
    host_expect(h, "kitchen", "var_del", BYTES("a"), BYTES(""));
    host_expect(h, "kitchen", "var_get", BYTES("a"), BYTES("(unset)"));

    host_expect(h, "vowels", "count_vowels", BYTES("Hello, World!"),
                BYTES("{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}"));
    host_expect(h, "vowels", "count_vowels", BYTES("Hello, World!"),
                BYTES("{\"count\":3,\"total\":6,\"vowels\":\"aeiouAEIOU\"}"));
    /* A call that fails without a trap keeps the instance: the total goes on
    ** (a missing export is PL_E_UNSUPPORTED here, as on the provider path) */
    host_expect_failure(h, "vowels", "count_vowels_typo", "x", PL_E_UNSUPPORTED,
                        "plugin 'vowels': count_vowels_typo: count_vowels.wasm: function not "
                        "found: 'count_vowels_typo'");
    host_expect(h, "vowels", "count_vowels", BYTES("aa"),
                BYTES("{\"count\":2,\"total\":8,\"vowels\":\"aeiouAEIOU\"}"));
    pl_host_close(h);
}

Test(extism_pdk, http_through_a_host, .init = http_start, .fini = http_stop)
{
    pl_host *h = host_open("127.0.0.1");
    char *in = http_input("/v1/models", "GET", true, NULL);
    char *direct = http_on_all_hosts(in, "127.0.0.1"); /* 3 requests */
    host_expect(h, "net", "http", in, strlen(in), direct, strlen(direct));
    expect_request(4, "GET", "/v1/models", NULL);
    /* the kitchen without the grant: denied, nothing sent */
    host_expect_failure(h, "kitchen", "http", in, PL_E_DENIED,
                        "plugin 'kitchen': http: HTTP request is not allowed: host '127.0.0.1' "
                        "is not in the allow-list (empty)");
    cr_assert_eq(upstream_request_count(U), 4u);
    free(direct);
    free(in);
    pl_host_close(h);
    wp_cleanup();
}

/* `plinth call NAME FUNC` runs a configured plugin through the same host. */
Test(extism_pdk, plinth_call_by_name, .fini = wp_cleanup)
{
    pl_host_close(host_open(NULL)); /* writes plinth.toml into the test's folder */
    char config[512];
    snprintf(config, sizeof config, "%s/plinth.toml", wp_tmp());
    child_run r = plinth_run(NULL, 0, "call", "kitchen", "echo", "--config", config, NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.out_len, 0u);
    cr_assert_str_eq(r.err, "");
    child_free(&r);
    r = plinth_run(NULL, 0, "call", "kitchen", "config", "--input", "greeting", "--config", config,
                   NULL);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "hi there");
    child_free(&r);
    r = plinth_run(NULL, 0, "call", "kitchen", "rc", "--input", "7", "--config", config, NULL);
    cr_assert_eq(r.code, 19, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.err, "plinth: plugin 'kitchen': rc: returned non-zero exit code: 7\n");
    child_free(&r);
}

/* ---- computation: plinth's engine against V8 ------------------------------------------------ */

static const char *const MATH_IN = "0\n1\n-1\n0.5\n2.718281828459045\n3.141592653589793\n-7.25\n"
                                   "100\n1e-10\n123456.789\n-0\n1e308\n5e-324\n-3.5\n2.5\n"
                                   "4294967296.7\n-2147483649.5\nNaN\nInfinity\n-Infinity";
static const char *const INTS_IN = "0\n1\n-1\n7\n-7\n9223372036854775807\n-9223372036854775808\n"
                                   "123456789012345\n-98765432109\n4294967295\n65536\n3";
static const char *const TEXT_IN = "  Hello W\xc3\xb6rld \xc3\x9ftra\xc3\x9f" "e \xc7\x85 "
                                   "\xce\xa3\xce\x91\xce\xa3 \xc4\xb0stanbul \xef\xac\x81ne aeiou  ";
static const char *const COLL_IN = "5\n3\n10\n-2\n3\n1e3\n42\n7\n5\n0.5\nzebra\napple";

/* compute.FUNC(in) through pl_wasm_call (no fuel limit); the output (pl_free). */
static char *compute(const char *func, const char *in, size_t *len)
{
    pl_wasm_call_opts o = PL_WASM_CALL_OPTS_INIT;
    o.fuel = UINT64_MAX;
    void *out = NULL;
    char err[512];
    pl_status st = pl_wasm_call(wasm_path("compute"), func, in, strlen(in), &o, &out, len, NULL,
                                err, sizeof err);
    cr_assert_eq(st, PL_OK, "compute.%s: %s", func, err);
    return out;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

Test(extism_pdk, computation_matches_v8)
{
    const char *funcs[] = {"math", "ints", "text", "collections"};
    const char *inputs[] = {MATH_IN, INTS_IN, TEXT_IN, COLL_IN};
    char *outs[4];
    size_t lens[4];
    js_args a = {0};
    js_plugin(&a, wasm_path("compute"));
    for (int i = 0; i < 4; i++) {
        outs[i] = compute(funcs[i], inputs[i], &lens[i]);
        js_call(&a, funcs[i], inputs[i], strlen(inputs[i]));
    }
    js_run j;
    js_run_args(&j, &a);
    for (int i = 0; i < 4; i++) {
        cr_log_info("compute.%s", funcs[i]);
        js_expect(&j, "OUT", outs[i], lens[i]);
    }
    js_free(&j);
    /* plinth call gives the same bytes */
    for (int i = 0; i < 4; i++) {
        child_run r = plinth_run(NULL, 0, "call", wasm_path("compute"), funcs[i], "--input",
                                 inputs[i], "--fuel", "18446744073709551615", NULL);
        cr_assert_eq(r.code, 0, "compute.%s: exit %d: %s", funcs[i], r.code, r.err);
        assert_bytes(funcs[i], r.out, r.out_len, outs[i], lens[i]);
        child_free(&r);
    }
    /* and what they say is right */
    cr_assert(strstr(outs[0], "\n1: 0.8414709848078965 0.5403023058681398 1.5574077246549024 "
                              "2.718281828459045 1.718281828459045 0.0 0.6931471805599453 "), "%s",
              outs[0]);
    cr_assert(strstr(outs[0], "\nNaN: NaN NaN NaN NaN NaN NaN NaN "), "%s", outs[0]);
    /* a = -1: b = a * 6364136223846793005 + 1442695040888963407, as u64, b / a, b % a */
    cr_assert(strstr(outs[1], "\n-4921441182957829598 13525302890751722018 4921441182957829598 0 "),
              "%s", outs[1]);
    cr_assert(has_line(outs[2], "  HELLO W\xc3\x96RLD SSTRASSE \xc7\x84 \xce\xa3\xce\x91\xce\xa3 "
                                "\xc4\xb0STANBUL FINE AEIOU  "), "%s", outs[2]);
    cr_assert(has_line(outs[3], "-2,0.5,10,1e3,3,3,42,5,5,7,apple,zebra"), "%s", outs[3]);
    cr_assert(has_line(outs[3], "-2.0,0.5,3.0,3.0,5.0,5.0,7.0,10.0,42.0,1000.0,NaN,NaN"), "%s",
              outs[3]);
    for (int i = 0; i < 4; i++)
        pl_free(outs[i]);
}

/* Many more values, from a fixed generator: doubles from random bit patterns
** (subnormals, huge ones, NaNs) and from scaled ranges, and 64-bit integers. */
Test(extism_pdk, computation_matches_v8_on_generated_values)
{
    enum { N = 400 };
    static char nums[N * 32], ints[N * 24];
    size_t kn = 0, ki = 0;
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        uint64_t bits = s ^ (s >> 29);
        double d;
        memcpy(&d, &bits, 8);
        if (i % 2)
            d = (double)(int64_t)(bits >> 11) / (double)(1u << (i % 31)) * (i % 3 ? 1e-3 : 1e3);
        kn += (size_t)snprintf(nums + kn, sizeof nums - kn, "%s%.17g", i ? "\n" : "", d);
        ki += (size_t)snprintf(ints + ki, sizeof ints - ki, "%s%" PRId64, i ? "\n" : "",
                               (int64_t)bits);
    }
    size_t len_m, len_i;
    char *m = compute("math", nums, &len_m), *n = compute("ints", ints, &len_i);
    js_args a = {0};
    js_plugin(&a, wasm_path("compute"));
    js_call(&a, "math", nums, kn);
    js_call(&a, "ints", ints, ki);
    js_run j;
    js_run_args(&j, &a);
    js_expect(&j, "OUT", m, len_m);
    js_expect(&j, "OUT", n, len_i);
    js_free(&j);
    cr_assert_gt(len_m, 100000u); /* 400 lines of 42 values each */
    pl_free(m);
    pl_free(n);
}
