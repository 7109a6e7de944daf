/*
** api.c — pl_wasm_call: one Extism call on a plugin file, through the
** public API (`plinth call FILE.wasm FUNC`).
**
** Each call builds everything it needs and frees it before returning: the
** module (named by the file's base name), an HTTP client when hosts are
** allowed, the WASI configuration when WASI is on, an Extism host with the
** caller's configuration and limits, one plugin instance. Nothing is
** cached, so calls are independent and thread-safe; a program that calls
** a plugin many times wants the host API instead.
**
** Messages say where: "count_vowels.wasm: count_vowels: <what failed>".
** Plugin logs and WASI output go to stderr, one line each, as
** "[count_vowels.wasm] info: <text>", when the caller asked for a level.
*/
#include <stdio.h>
#include <string.h>

#include "extism/extism.h"
#include "wasm/wasi/wasi.h"

#define DEFAULT_FUEL 10000000u
#define DEFAULT_MEM_BYTES 268435456u
#define DEFAULT_TIMEOUT_MS 5000u
#define LOG_OFF (-1)
#define SHOWN_MAX 40   /* bytes of a caller's string quoted in a message */
#define LINE_MAX 2048  /* a longer WASI output line is cut into pieces */

static void copy_err(char *buf, size_t len, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
}

/* The module's name in messages: the file's base name. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* ---- options ------------------------------------------------------------------ */

/* The caller's options over the defaults: members beyond struct_size, and
** zero limits, take the defaults; logging is off unless asked for. */
static pl_status resolve_opts(const pl_wasm_call_opts *in, pl_wasm_call_opts *o, pl_err *err)
{
    memset(o, 0, sizeof *o);
    o->log_level = LOG_OFF;
    if (in) {
        if (in->struct_size == 0 || in->struct_size > sizeof *o)
            return plu_errf(err, PL_E_INVALID_ARG, NULL,
                            "pl_wasm_call: opts->struct_size is %u; this libplinth knows "
                            "sizes 1 to %zu (set it to sizeof(pl_wasm_call_opts))",
                            (unsigned)in->struct_size, sizeof *o);
        memcpy(o, in, in->struct_size);
    }
    o->struct_size = (uint32_t)sizeof *o;
    if ((o->n_config && !o->config) || (o->n_allowed_hosts && !o->allowed_hosts) ||
        (o->n_allowed_paths && !o->allowed_paths))
        return plu_errf(err, PL_E_INVALID_ARG, NULL,
                        "pl_wasm_call: a NULL list with a non-zero count in opts");
    if (o->log_level < LOG_OFF || o->log_level > PLE_LOG_ERROR)
        return plu_errf(err, PL_E_INVALID_ARG, NULL,
                        "pl_wasm_call: opts->log_level is %d; it takes -1 (off) or 0 (trace) "
                        "to 4 (error)", o->log_level);
    if (!o->fuel)
        o->fuel = DEFAULT_FUEL;
    if (!o->mem_bytes)
        o->mem_bytes = DEFAULT_MEM_BYTES;
    if (!o->timeout_ms)
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    return PL_OK;
}

/* ---- what the call holds ---------------------------------------------------------- */

/* WASI output waiting for its line end, per descriptor (1 stdout, 2 stderr). */
typedef struct out_line {
    char text[LINE_MAX];
    size_t len;
} out_line;

typedef struct call_state {
    const char *name;        /* the module's name (base name of the path) */
    pl_wasm_call_opts o;
    ple_kv *config;          /* the "KEY=VALUE" entries split; keys owned */
    size_t n_config;
    plwasi_preopen *preopens; /* host and guest paths owned */
    size_t n_preopens;
    plwasi_config wasi_cfg;
    ple_wasi wasi;
    pln_client *http;
    plw_module *mod;
    ple_host *host;
    ple_plugin *plugin;
    out_line lines[2];
} call_state;

static void state_free(call_state *s)
{
    ple_plugin_free(s->plugin);
    ple_host_free(s->host);
    plw_module_free(s->mod);
    pln_client_free(s->http);
    for (size_t i = 0; i < s->n_config; i++)
        plu_free((char *)s->config[i].key);
    plu_free(s->config);
    for (size_t i = 0; i < s->n_preopens; i++) {
        plu_free((char *)s->preopens[i].host_path);
        plu_free((char *)s->preopens[i].guest_path);
    }
    plu_free(s->preopens);
}

/* ---- configuration and preopens ------------------------------------------------------ */

/* True when a later entry sets the same key (the last one wins, as on a
** command line where a later --config overrides an earlier one). */
static bool overridden(const char *const *cfg, size_t n, size_t i, size_t klen)
{
    for (size_t j = i + 1; j < n; j++)
        if (strncmp(cfg[j], cfg[i], klen) == 0 && cfg[j][klen] == '=')
            return true;
    return false;
}

static pl_status split_config(call_state *s, pl_err *err)
{
    const char *const *cfg = s->o.config;
    s->config = plu_calloc(s->o.n_config + 1, sizeof *s->config);
    if (!s->config)
        return plu_err_nomem(err);
    for (size_t i = 0; i < s->o.n_config; i++) {
        const char *eq = cfg[i] ? strchr(cfg[i], '=') : NULL;
        if (!eq || eq == cfg[i]) {
            char shown[SHOWN_MAX + 4];
            return plu_errf(err, PL_E_INVALID_ARG, NULL,
                            "pl_wasm_call: config entry '%s' is not KEY=VALUE",
                            cfg[i] ? plu_shown(shown, SHOWN_MAX, cfg[i], strlen(cfg[i]))
                                   : "(null)");
        }
        size_t klen = (size_t)(eq - cfg[i]);
        if (overridden(cfg, s->o.n_config, i, klen))
            continue;
        char *key = plu_malloc(klen + 1);
        if (!key)
            return plu_err_nomem(err);
        memcpy(key, cfg[i], klen);
        key[klen] = '\0';
        s->config[s->n_config++] = (ple_kv){key, eq + 1};
    }
    return PL_OK;
}

static char *dup_n(const char *p, size_t n)
{
    char *s = plu_malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* "[ro:]HOST_DIR[:GUEST_DIR]" into a preopen; the guest path defaults to
** the host's. The first ':' after the prefix ends HOST_DIR. */
static pl_status parse_path(const char *spec, plwasi_preopen *out, pl_err *err)
{
    const char *p = spec ? spec : "";
    out->read_only = strncmp(p, "ro:", 3) == 0;
    if (out->read_only)
        p += 3;
    const char *colon = strchr(p, ':');
    size_t hlen = colon ? (size_t)(colon - p) : strlen(p);
    const char *guest = colon ? colon + 1 : p;
    if (hlen == 0 || *guest == '\0') {
        char shown[SHOWN_MAX + 4];
        return plu_errf(err, PL_E_INVALID_ARG, NULL,
                        "pl_wasm_call: allowed path '%s' is not [ro:]HOST_DIR[:GUEST_DIR]",
                        plu_shown(shown, SHOWN_MAX, spec ? spec : "", spec ? strlen(spec) : 0));
    }
    out->host_path = dup_n(p, hlen);
    out->guest_path = dup_n(guest, strlen(guest));
    if (!out->host_path || !out->guest_path)
        return plu_err_nomem(err);
    return PL_OK;
}

static pl_status parse_paths(call_state *s, pl_err *err)
{
    s->preopens = plu_calloc(s->o.n_allowed_paths + 1, sizeof *s->preopens);
    if (!s->preopens)
        return plu_err_nomem(err);
    for (size_t i = 0; i < s->o.n_allowed_paths; i++) {
        pl_status st = parse_path(s->o.allowed_paths[i], &s->preopens[i], err);
        s->n_preopens++; /* counted first: a half-parsed entry is freed too */
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* ---- logs and WASI output on stderr ------------------------------------------------------ */

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

/* One line "[name] what: text" on stderr; a trailing line end of the
** plugin's is not doubled. */
static void put_line(const char *name, const char *what, const char *text, size_t len)
{
    if (len && text[len - 1] == '\n')
        len--;
    flockfile(stderr);
    fprintf(stderr, "[%s] %s: ", name, what);
    fwrite(text, 1, len, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}

static void on_log(void *user, int level, const char *text, size_t len)
{
    const call_state *s = user;
    int i = level < PLE_LOG_TRACE ? PLE_LOG_TRACE : level > PLE_LOG_ERROR ? PLE_LOG_ERROR : level;
    put_line(s->name, level_names[i], text, len);
}

static void flush_line(call_state *s, int fd)
{
    out_line *l = &s->lines[fd == 2];
    if (l->len)
        put_line(s->name, fd == 2 ? "stderr" : "stdout", l->text, l->len);
    l->len = 0;
}

/* WASI writes come in any pieces: they are cut into lines here so that
** each line gets its prefix once. */
static void on_output(void *user, int fd, const char *data, size_t len)
{
    call_state *s = user;
    out_line *l = &s->lines[fd == 2];
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            flush_line(s, fd);
            continue;
        }
        l->text[l->len++] = data[i];
        if (l->len == sizeof l->text)
            flush_line(s, fd);
    }
}

/* ---- building the host -------------------------------------------------------------------- */

/* The first import from WASI, when the module has one and WASI is off:
** said up front rather than as an unresolved import. */
static pl_status check_wasi_imports(const call_state *s, pl_err *err)
{
    plw_extern_info x;
    for (size_t i = 0; i < plw_module_import_count(s->mod); i++)
        if (plw_module_import(s->mod, i, &x) && x.module &&
            strncmp(x.module, "wasi_", 5) == 0)
            return plu_errf(err, PL_E_NOT_FOUND, NULL,
                            "%s: imports %s.%s, but WASI is not enabled (pl_wasm_call_opts."
                            "wasi; plinth call --wasi)", s->name, x.module, x.name);
    return PL_OK;
}

static void set_wasi(call_state *s, ple_options *o)
{
    bool logs = s->o.log_level != LOG_OFF;
    s->wasi_cfg = (plwasi_config){
        .preopens = s->preopens,
        .n_preopens = s->n_preopens,
        .output = logs ? on_output : NULL, /* without a log level, discarded (Extism's default) */
        .output_user = s,
    };
    ple_wasi_plinth(&s->wasi, &s->wasi_cfg);
    o->wasi = &s->wasi;
}

/* The Extism host over the loaded module, with the caller's options. */
static pl_status make_host(call_state *s, pl_err *err)
{
    ple_options o;
    ple_options_init(&o);
    o.config = s->config;
    o.n_config = s->n_config;
    o.allowed_hosts = s->o.allowed_hosts;
    o.n_allowed_hosts = s->o.n_allowed_hosts;
    if (s->o.n_allowed_hosts && !(s->http = pln_client_new(err)))
        return err->status ? err->status : plu_err_nomem(err);
    o.http = s->http; /* none when no host is allowed: every request is denied */
    o.log = s->o.log_level != LOG_OFF ? on_log : NULL;
    o.log_level = s->o.log_level;
    o.log_user = s;
    uint64_t fuel = s->o.fuel == UINT64_MAX ? 0 : s->o.fuel;
    o.limits.mem_bytes = s->o.mem_bytes;
    o.limits.start_fuel = fuel;
    o.limits.start_timeout_ns = (uint64_t)s->o.timeout_ms * 1000000u;
    if (s->o.wasi || s->n_preopens)
        set_wasi(s, &o);
    else if (check_wasi_imports(s, err) != PL_OK)
        return err->status;
    return ple_host_new(s->mod, &o, &s->host, err);
}

/* ---- the export ------------------------------------------------------------------------------ */

/* No function export by that name: say so, with a near name or the list. */
static pl_status no_export(const call_state *s, const char *func, pl_err *err)
{
    const char *names[9];
    size_t n = 0, more = 0;
    const char *kind = NULL;
    plw_extern_info x;
    for (size_t i = 0; i < plw_module_export_count(s->mod); i++) {
        if (!plw_module_export(s->mod, i, &x))
            continue;
        if (strcmp(x.name, func) == 0)
            kind = x.kind == PLW_EXTERN_MEMORY ? "a memory"
                   : x.kind == PLW_EXTERN_TABLE ? "a table" : "a global";
        else if (x.kind == PLW_EXTERN_FUNC && n < 8)
            names[n++] = x.name;
        else if (x.kind == PLW_EXTERN_FUNC)
            more++;
    }
    names[n] = NULL;
    char shown[SHOWN_MAX + 4];
    plu_shown(shown, SHOWN_MAX, func, strlen(func));
    if (kind)
        return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: export '%s' is %s, not a function",
                        s->name, shown, kind);
    const char *near = plu_suggest(func, names);
    if (near)
        return plu_errf(err, PL_E_NOT_FOUND, NULL,
                        "%s: no exported function '%s' (did you mean '%s'?)", s->name, shown,
                        near);
    char list[300] = "";
    for (size_t i = 0, k = 0; i < n && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", names[i]);
    return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: no exported function '%s' (%s%s%s)",
                    s->name, shown, n ? "its functions: " : "it exports no functions", list,
                    more ? ", ..." : "");
}

static pl_status find_export(const call_state *s, const char *func, pl_err *err)
{
    plw_extern_info x;
    for (size_t i = 0; i < plw_module_export_count(s->mod); i++)
        if (plw_module_export(s->mod, i, &x) && x.kind == PLW_EXTERN_FUNC &&
            strcmp(x.name, func) == 0)
            return PL_OK;
    return no_export(s, func, err);
}

/* ---- the call --------------------------------------------------------------------------------- */

/* "NAME: FUNC: message", the module named once whatever the layer below
** said; func NULL for failures before the call (instantiation). */
static pl_status with_context(pl_status st, pl_err *err, const char *name, const char *func)
{
    const char *m = err->msg;
    size_t n = strlen(name);
    if (strncmp(m, name, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
        m += n + 2;
    size_t f = func ? strlen(func) : 0;
    if (func && m[0] == '\'' && strncmp(m + 1, func, f) == 0 && m[f + 1] == '\'' &&
        m[f + 2] == ' ')
        m += f + 3; /* "'f' returned non-zero exit code: 3" after "f: " */
    char msg[PL_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", *m ? m : pl_status_str(st));
    if (func)
        return plu_errf(err, st, NULL, "%s: %s: %s", name, func, msg);
    return plu_errf(err, st, NULL, "%s: %s", name, msg);
}

typedef struct call_req {
    const char *path, *func;
    const void *input;
    size_t len;
    void **out;
    size_t *out_len;
    int32_t *rc;
} call_req;

/* Copy the plugin's output out of Extism memory, NUL-terminated for
** callers that read text. */
static pl_status take_output(const ple_result *r, const call_req *rq, pl_err *err)
{
    char *copy = plu_malloc(r->output_len + 1);
    if (!copy)
        return plu_err_nomem(err);
    if (r->output_len)
        memcpy(copy, r->output, r->output_len);
    copy[r->output_len] = '\0';
    if (rq->out)
        *rq->out = copy;
    else
        plu_free(copy);
    if (rq->out_len)
        *rq->out_len = r->output_len;
    return PL_OK;
}

static pl_status call_plugin(call_state *s, const call_req *rq, pl_err *err)
{
    pl_status st = ple_plugin_new(s->host, &s->plugin, err);
    if (st != PL_OK)
        return with_context(st, err, s->name, NULL);
    uint64_t fuel = s->o.fuel == UINT64_MAX ? 0 : s->o.fuel;
    ple_call_opts co = {.fuel = fuel, .timeout_ns = (uint64_t)s->o.timeout_ms * 1000000u};
    ple_result r = {0};
    st = ple_call(s->plugin, rq->func, rq->input, rq->len, &co, &r, err);
    flush_line(s, 1);
    flush_line(s, 2);
    if (rq->rc)
        *rq->rc = r.rc;
    if (st != PL_OK)
        return with_context(st, err, s->name, rq->func);
    return take_output(&r, rq, err);
}

static pl_status run(call_state *s, const call_req *rq, pl_err *err)
{
    pl_status st = split_config(s, err);
    if (st == PL_OK)
        st = parse_paths(s, err);
    char *bytes = NULL;
    size_t len = 0;
    if (st == PL_OK)
        st = plu_read_file(rq->path, &bytes, &len, err);
    if (st == PL_OK)
        st = plw_module_load((const uint8_t *)bytes, len, s->name, &s->mod, err);
    plu_free(bytes);
    if (st == PL_OK)
        st = find_export(s, rq->func, err);
    if (st == PL_OK)
        st = make_host(s, err);
    if (st == PL_OK)
        st = call_plugin(s, rq, err);
    return st;
}

PL_API pl_status pl_wasm_call(const char *path, const char *func, const void *input, size_t len,
                              const pl_wasm_call_opts *opts, void **out, size_t *out_len,
                              int32_t *rc, char *err, size_t errlen)
{
    copy_err(err, errlen, "");
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (rc)
        *rc = 0;
    pl_err e;
    plu_err_clear(&e);
    call_state s = {.name = path ? base_name(path) : ""};
    call_req rq = {path, func, input, len, out, out_len, rc};
    pl_status st;
    if (!path || !func || (len && !input))
        st = plu_errf(&e, PL_E_INVALID_ARG, NULL,
                      "pl_wasm_call: path and func are required, and input when len > 0");
    else
        st = resolve_opts(opts, &s.o, &e);
    if (st == PL_OK)
        st = run(&s, &rq, &e);
    state_free(&s);
    if (st != PL_OK)
        copy_err(err, errlen, e.msg);
    return st;
}
