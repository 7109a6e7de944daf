/*
** extism_host.c — the parts of bench_extism that need the host's insides
** (src/core): a host configured with the native and the Wasm openai
** provider and the bench's test plugin on the loopback upstream of
** tests/support, the instance pool's path for a fresh instance, and the
** sans-IO chat round trip taken apart.
**
** The round trip is the host's own code, step by step, exactly as pl_chat
** runs it (provider.c run_op + plh_run_sans_io) with the HTTP exchange
** left out: the caller's request becomes the wire request (wire.c), the
** call is opened (for Wasm: the wire request parsed, its cfg serialised,
** an instance taken from the pool), the plugin builds the HTTP request,
** the plugin parses the reply, the host checks and re-serialises what it
** parsed. The reply is a real one: the upstream's answer to the request
** the native plugin built, fetched once before the timing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/provider.h"
#include "core/wasm_backend.h"
#include "extism_bench.h"
#include "provider_bench.h"
#include "upstream.h"

struct xb_env {
    upstream *up;
    pl_host *host;
    char dir[64], path[128];
};

static void write_config(xb_env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/plinth-bench-XXXXXX");
    if (!mkdtemp(e->dir))
        xb_die("cannot make a temporary folder");
    snprintf(e->path, sizeof e->path, "%s/plinth.toml", e->dir);
    FILE *f = fopen(e->path, "w");
    if (!f)
        xb_die("cannot write %s", e->path);
    const char *url = upstream_url(e->up);
    /* The fuel is raised above the default (10^7 instructions per call)
    ** so that a plugin that needs more is measured rather than stopped;
    ** the bench prints the fuel each export takes next to the default. */
    fprintf(f, "[limits]\nfuel_units = %llu\n", (unsigned long long)XB_FUEL);
    fprintf(f, "[trust]\nallow_unsigned = [\"openai\", \"openai_wasm\", \"bench\", "
               "\"count_vowels\"]\n");
    static const char *const providers[][2] = {{"openai", "native/openai.so"},
                                               {"openai_wasm", "wasm/openai.wasm"}};
    for (size_t i = 0; i < 2; i++)
        fprintf(f,
                "[[providers]]\nname = \"%s\"\npath = \"%s/%s\"\n"
                "[providers.config]\nmodel = \"fake-model\"\nbase_url = \"%s/v1\"\n"
                "api_key = \"sk-bench\"\n",
                providers[i][0], PL_XB_PLUGIN_DIR, providers[i][1], url);
    fprintf(f, "[[plugins]]\nname = \"bench\"\nkind = \"tool\"\npath = \"%s\"\n", PL_XB_PLUGIN);
    fprintf(f, "[[plugins]]\nname = \"count_vowels\"\nkind = \"tool\"\npath = \"%s/%s\"\n",
            PL_XB_PLUGIN_DIR, "wasm/count_vowels.wasm");
    fclose(f);
}

xb_env *xb_env_open(void)
{
    setenv("no_proxy", "127.0.0.1", 1); /* a proxy from the environment would be measured */
    xb_env *e = calloc(1, sizeof *e);
    if (!e || !(e->up = upstream_start()))
        xb_die("cannot start the upstream");
    write_config(e);
    char err[1024];
    if (pl_host_open(e->path, &e->host, err, sizeof err) != PL_OK)
        xb_die("pl_host_open: %s", err);
    static const char *const names[] = {"openai", "openai_wasm", "bench"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pl_plugin_info pi;
        if (pl_host_plugin_find(e->host, names[i], &pi) != PL_OK || pi.state != PL_PLUGIN_READY)
            xb_die("plugin %s did not load: %s", names[i], pi.error ? pi.error : "?");
    }
    return e;
}

void xb_env_close(xb_env *e)
{
    pl_host_close(e->host);
    upstream_stop(e->up);
    unlink(e->path);
    rmdir(e->dir);
    free(e);
}

pl_host *xb_env_host(xb_env *e) { return e->host; }

static plh_plugin *plugin(xb_env *e, const char *name)
{
    plh_plugin *p = plh_find(e->host, name);
    if (!p)
        xb_die("no plugin %s", name);
    return p;
}

static plh_wasm *wasm_of(xb_env *e, const char *name)
{
    plh_plugin *p = plugin(e, name);
    if (p->info.backend != PL_BACKEND_WASM || !p->backend)
        xb_die("%s is not a Wasm plugin", name);
    return p->backend;
}

ple_host *xb_env_ple_host(xb_env *e, const char *name) { return wasm_of(e, name)->eh; }

/* ---- the pool ---------------------------------------------------------------------------- */

static void renew_once(void *ud)
{
    plh_wasm *w = ud;
    pl_err err;
    plh_slot *s = plh_wasm_acquire(w, &err); /* the slot is empty: this makes an instance */
    if (!s)
        xb_die("plh_wasm_acquire: %s", err.msg);
    ple_plugin_free(s->pl); /* what plh_wasm_release does to one that trapped */
    s->pl = NULL;
    plh_wasm_release(w, s);
}

double xb_pool_renew(xb_env *e, const char *name)
{
    return xb_per_call(renew_once, wasm_of(e, name));
}

/* ---- the sans-IO round trip ------------------------------------------------------------- */

typedef struct trip {
    pl_host *h;
    plh_plugin *p;
    pln_cancel none;
    plh_call_ctx cx;
    const char *request;   /* the caller's JSON */
    char *wire;            /* plh_wire_request's */
    pln_response resp;     /* the upstream's reply */
    pl_plugin_http_response view;
    const char *names[64], *values[64];
    plu_buf reply;         /* what the plugin parsed out of resp */
} trip;

static void trip_die(const trip *t, const char *what)
{
    xb_die("%s on %s: %s", what, t->p->info.name, pl_host_last_error(t->h));
}

static void trip_init(trip *t, xb_env *e, const char *name, const char *request)
{
    memset(t, 0, sizeof *t);
    t->h = e->host;
    t->p = plugin(e, name);
    /* A native plugin's members get its instance; a Wasm call gets its
    ** own from plh_call_open. */
    t->cx = (plh_call_ctx){t->h, t->p, NULL, &t->none, plh_op(PLH_OP_CHAT), t->p->instance};
    t->request = request;
    if (plh_wire_request(&t->cx, request, false, &t->wire) != PL_OK)
        trip_die(t, "plh_wire_request");
    pln_response_init(&t->resp);
    plu_buf_init(&t->reply);
}

static void trip_free(trip *t)
{
    plu_free(t->wire);
    pln_response_free(&t->resp);
    plu_buf_free(&t->reply);
}

/* The reply to the request the plugin of t builds, from the upstream. */
static void fetch_reply(trip *t)
{
    pl_plugin_http_out o;
    plh_http_out_init(&o);
    pl_err e;
    plu_err_clear(&e);
    pln_client *client = plh_http(t->h, &e);
    pln_policy pol;
    plh_policy(t->p, &pol);
    if (plh_build_request(&t->cx, t->cx.op->req_off, t->wire, &o) != PL_OK)
        trip_die(t, "chat_request");
    if (!client || pln_send(client, &o.req, &pol, &t->none, &t->resp, &e) != PL_OK ||
        t->resp.status != 200)
        xb_die("the upstream's reply: %s (HTTP %d)", e.msg, t->resp.status);
    plh_http_out_free(&o);
}

static void set_reply(trip *t, const pln_response *r)
{
    plh_response_view(r, &t->view, t->names, t->values, 64);
}

/* The whole round trip, as pl_chat runs it, minus the network. */
static void round_trip(void *ud)
{
    trip *t = ud;
    plh_call_ctx cx = t->cx;
    char *wire = NULL, *out = NULL;
    pl_plugin_http_out o;
    plh_http_out_init(&o);
    pln_response r = t->resp; /* plh_parse_response only reads it */
    if (plh_wire_request(&cx, t->request, false, &wire) != PL_OK ||
        plh_call_open(&cx, wire) != PL_OK ||
        plh_build_request(&cx, cx.op->req_off, wire, &o) != PL_OK ||
        plh_parse_response(&cx, &r, &out) != PL_OK)
        trip_die(t, "the round trip");
    plh_call_close(&cx);
    plh_http_out_free(&o);
    plu_free(out);
    plu_free(wire);
}

/* Host JSON, both backends: the caller's request to the wire request. */
static void wire_once(void *ud)
{
    trip *t = ud;
    char *wire = NULL;
    if (plh_wire_request(&t->cx, t->request, false, &wire) != PL_OK)
        trip_die(t, "plh_wire_request");
    plu_free(wire);
}

/* Host JSON, both backends: the parsed reply checked and re-serialised. */
static void finish_once(void *ud)
{
    trip *t = ud;
    char *out = NULL;
    if (plh_finish_output(&t->cx, &t->reply, &out) != PL_OK)
        trip_die(t, "plh_finish_output");
    plu_free(out);
}

/* Native: the plugin builds the HTTP request (through the host API). */
static void native_build_once(void *ud)
{
    trip *t = ud;
    pl_plugin_http_out o;
    plh_http_out_init(&o);
    if (plh_build_request(&t->cx, t->cx.op->req_off, t->wire, &o) != PL_OK)
        trip_die(t, "chat_request");
    plh_http_out_free(&o);
}

/* Native: the plugin parses the reply into a sink. */
static void native_parse_once(void *ud)
{
    trip *t = ud;
    pl_plugin_sink s;
    plh_sink_init(&s, (size_t)t->p->conf->limits.max_output_bytes, &t->none);
    if (t->p->vt->parse_chat(t->p->instance, &t->view, &s) != 0)
        xb_die("parse_chat on %s: %s", t->p->info.name, s.message ? s.message : "?");
    plu_buf_free(&t->reply);
    t->reply = s.out; /* kept: finish_once checks it */
    plu_buf_init(&s.out);
    plh_sink_free(&s);
}

/* ---- the Wasm side's parts ---- */

typedef struct wparts {
    trip *t;
    plh_wcall *c;          /* the open call: its instance and cfg */
    char *http_json;       /* chat_request's output (a SerializableHttpRequest) */
    size_t http_len;
    char *resp_json;       /* the reply as parse_chat_response gets it */
    plh_wasm *bench;       /* the test plugin, for the boundary */
    plh_slot *bench_slot;
    plu_buf move_in[2];    /* its inputs: the same sizes in and out as the two exports */
} wparts;

static void run_export(plh_wasm *w, plh_slot *s, plh_wcall *c, const char *fn, const char *in,
                       size_t len, const uint8_t **out, size_t *n)
{
    pl_plugin_sink sink;
    plh_sink_init(&sink, 0, NULL);
    if (plh_wasm_run(w, s, fn, in, len, NULL, c, out, n, &sink) != PL_OK)
        xb_die("%s: %s", fn, sink.message ? sink.message : "failed");
    plh_sink_free(&sink);
}

/* The fuel an export takes, straight through ple_call. */
static uint64_t fuel_of(plh_wcall *c, const char *fn, const char *in)
{
    ple_call_opts o = {.fuel = XB_FUEL};
    ple_result r;
    pl_err err;
    if (ple_call(c->slot->pl, fn, in, strlen(in), &o, &r, &err) != PL_OK)
        xb_die("%s: %s", fn, err.msg);
    return r.fuel_used;
}

static void exports_once(void *ud)
{
    wparts *x = ud;
    const uint8_t *out;
    size_t n;
    run_export(x->c->w, x->c->slot, x->c, "chat_request", x->t->wire, strlen(x->t->wire), &out,
               &n);
    run_export(x->c->w, x->c->slot, x->c, "parse_chat_response", x->resp_json,
               strlen(x->resp_json), &out, &n);
}

static void boundary_once(void *ud)
{
    wparts *x = ud;
    const uint8_t *out;
    size_t n;
    for (int i = 0; i < 2; i++)
        run_export(x->bench, x->bench_slot, NULL, "move", x->move_in[i].data, x->move_in[i].len,
                   &out, &n);
}

static void convert_once(void *ud)
{
    wparts *x = ud;
    pln_request req;
    pln_request_init(&req);
    const char *why = plh_wasm_request_from_json(x->http_json, x->http_len, &req);
    if (why)
        xb_die("plh_wasm_request_from_json: %s", why);
    pln_request_free(&req);
    char *json = plh_wasm_response_json(x->c->cfg, &x->t->view);
    if (!json)
        xb_die("out of memory");
    plu_free(json);
}

/* Host JSON on the Wasm side: the call opened (wire parsed, cfg written,
** a pool slot) and closed. */
static void open_close_once(void *ud)
{
    trip *t = ud;
    plh_call_ctx cx = t->cx;
    if (plh_call_open(&cx, t->wire) != PL_OK)
        trip_die(t, "plh_call_open");
    plh_call_close(&cx);
}

/* move's input: the output length (8 bytes, little-endian), then filler
** up to in_len bytes in all. */
static void move_input(plu_buf *b, size_t in_len, size_t out_len)
{
    plu_buf_init(b);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)out_len >> (8 * i));
    if (plu_buf_append(b, len8, 8) || plu_buf_reserve(b, in_len))
        xb_die("out of memory");
    memset(b->data + 8, 'x', in_len > 8 ? in_len - 8 : 0);
    b->len = in_len > 8 ? in_len : 8;
}

static void wasm_parts(xb_env *e, trip *t, xb_sansio *out)
{
    wparts x = {.t = t};
    plh_call_ctx cx = t->cx;
    if (plh_call_open(&cx, t->wire) != PL_OK)
        trip_die(t, "plh_call_open");
    x.c = cx.inst;
    const uint8_t *o;
    size_t n;
    run_export(x.c->w, x.c->slot, x.c, "chat_request", t->wire, strlen(t->wire), &o, &n);
    x.http_json = plu_strndup((const char *)o, n);
    x.http_len = n;
    x.resp_json = plh_wasm_response_json(x.c->cfg, &t->view);
    run_export(x.c->w, x.c->slot, x.c, "parse_chat_response", x.resp_json, strlen(x.resp_json),
               &o, &n);
    plu_buf_free(&t->reply);
    if (!x.http_json || !x.resp_json || plu_buf_append(&t->reply, o, n))
        xb_die("out of memory");
    out->fuel_request = fuel_of(x.c, "chat_request", t->wire);
    out->fuel_parse = fuel_of(x.c, "parse_chat_response", x.resp_json);
    out->http_json = x.http_len;
    out->resp_json = strlen(x.resp_json);
    out->reply = n;

    x.bench = wasm_of(e, "bench");
    pl_err err;
    if (!(x.bench_slot = plh_wasm_acquire(x.bench, &err)))
        xb_die("plh_wasm_acquire: %s", err.msg);
    move_input(&x.move_in[0], strlen(t->wire), x.http_len);
    move_input(&x.move_in[1], out->resp_json, out->reply);

    out->w_exports = xb_per_call(exports_once, &x);
    out->w_boundary = xb_per_call(boundary_once, &x);
    out->w_convert = xb_per_call(convert_once, &x);
    plh_wasm_release(x.bench, x.bench_slot);
    plh_call_close(&cx);
    out->w_host_json = xb_per_call(wire_once, t) + xb_per_call(open_close_once, t) +
                       xb_per_call(finish_once, t);
    out->w_total = xb_per_call(round_trip, t);
    for (int i = 0; i < 2; i++)
        plu_buf_free(&x.move_in[i]);
    plu_free(x.http_json);
    plu_free(x.resp_json);
}

void xb_sans_io(xb_env *e, size_t bytes, xb_sansio *out)
{
    memset(out, 0, sizeof *out);
    char *request = pb_chat_request(bytes);
    out->request = strlen(request);

    trip nt;
    trip_init(&nt, e, "openai", request);
    out->wire = strlen(nt.wire);
    fetch_reply(&nt);
    set_reply(&nt, &nt.resp);
    native_parse_once(&nt);
    out->n_plugin = xb_per_call(native_build_once, &nt) +
                    xb_per_call(native_parse_once, &nt);
    out->n_host_json = xb_per_call(wire_once, &nt) + xb_per_call(finish_once, &nt);
    out->n_total = xb_per_call(round_trip, &nt);

    trip wt;
    trip_init(&wt, e, "openai_wasm", request);
    /* The same reply for both plugins. */
    set_reply(&wt, &nt.resp);
    wt.resp = nt.resp;
    wasm_parts(e, &wt, out);
    pln_response_init(&wt.resp); /* it was nt's */
    trip_free(&wt);
    trip_free(&nt);
    pl_free(request);
}
