/*
** tools.c — tool, prompt and context plugins, and calls into any export.
**
** plinth's tool ABI for Wasm (docs/plugin-authors.md): the plugin exports
** `plinth_describe` (what it is and offers: {"id", "name", "version",
** "description", "kind", "tools": [{"name", "description",
** "inputSchema"}], "provides": ["plan"]}) and `plinth_invoke`, which takes
** {"method", "params"} with MCP's method names (tools/list, tools/call,
** prompts/list, prompts/get) and plinth's (context/get, plan/solve) and
** returns the JSON-RPC result, or fails through Extism's error. A tool's
** arguments are checked against its inputSchema before the call.
*/
#include <stdio.h>
#include <string.h>

#include "config/schema.h"
#include "wasm_backend.h"

static const struct {
    const char *name;
    pl_plugin_kind kind;
} kind_names[] = {
    { "tool", PL_KIND_TOOL },
    { "prompt", PL_KIND_PROMPT },
    { "context", PL_KIND_CONTEXT },
};

static pl_status check_kind(plh_wasm *w, pl_err *err)
{
    const char *k = json_string_value(json_object_get(w->describe, "kind"));
    if (!k)
        return PL_OK;
    for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++)
        if (strcmp(k, kind_names[i].name) == 0) {
            if (kind_names[i].kind == w->p->info.kind)
                return PL_OK;
            break;
        }
    return plu_errf(err, PL_E_PLUGIN, NULL, "%s describes itself as a '%s' plugin, not a %s",
                    w->p->info.location, k, plc_plugin_kind_name(w->p->conf->kind));
}

/* A plugin without plinth's tool ABI is a plain Extism plugin: it loads,
** and its functions are called by name (pl_plugin_call, plinth call). */
pl_status plh_tool_describe(plh_wasm *w, pl_err *err)
{
    if (!plh_wasm_has(w, "plinth_describe"))
        return PL_OK;
    plh_slot *s = plh_wasm_acquire(w, err);
    if (!s) /* no instance: what stopped it (a limit, a trap in its start) */
        return err && err->status ? err->status : PL_E_PLUGIN;
    const uint8_t *out;
    size_t n;
    pl_plugin_sink sink;
    plh_sink_init(&sink, 0, NULL);
    pl_status st = plh_wasm_run(w, s, "plinth_describe", "", 0, NULL, NULL, &out, &n, &sink);
    if (st == PL_OK) {
        w->describe = json_loadb((const char *)out, n, 0, NULL);
        if (!json_is_object(w->describe))
            st = plu_errf(err, PL_E_PLUGIN, NULL, "plinth_describe: the answer is not a JSON "
                                                  "object");
    } else {
        st = plu_errf(err, st, NULL, "%s", sink.message ? sink.message : "plinth_describe");
    }
    plh_sink_free(&sink);
    plh_wasm_release(w, s);
    if (st == PL_OK)
        st = check_kind(w, err);
    if (st != PL_OK)
        return st;
    plh_plugin *p = w->p;
    p->info.id = json_string_value(json_object_get(w->describe, "id"));
    p->info.description = json_string_value(json_object_get(w->describe, "description"));
    if (!p->info.version)
        p->info.version = json_string_value(json_object_get(w->describe, "version"));
    return PL_OK;
}

/* ---- calls --------------------------------------------------------------------------- */

/* A ready plugin of the Wasm backend (or a failed status for the call). */
static pl_status usable(pl_host *h, const char *name, pl_call *call, plh_plugin **out)
{
    if (call)
        plh_call_reset(call);
    plh_plugin *p = plh_find(h, name);
    if (!p)
        return plh_call_fail(h, call, plh_not_found(h, "plugin", name), PL_ERROR_CONFIG,
                             h->err.msg);
    char msg[PL_ERR_MSG_MAX];
    if (p->info.state != PL_PLUGIN_READY) {
        snprintf(msg, sizeof msg, "%s", p->info.state == PL_PLUGIN_DISABLED
                                            ? "the plugin is disabled in the configuration"
                                            : p->info.error);
        return plh_call_fail(h, call, PL_E_PLUGIN, PL_ERROR_PLUGIN, msg);
    }
    if (p->info.backend != PL_BACKEND_WASM || !p->backend) {
        snprintf(msg, sizeof msg, "plugin '%s' (%s): this call needs a Wasm plugin", name,
                 plh_backend_name(p->info.backend));
        return plh_call_fail(h, call, PL_E_UNSUPPORTED, PL_ERROR_UNSUPPORTED, msg);
    }
    *out = p;
    return PL_OK;
}

/* A failed export. The sink's kind types the error, but a trap or a limit
** keeps its status (pl_tool_call's contract; a timeout is PL_E_TIMEOUT
** through its kind). The message names the plugin, what was called and
** what happened, each once (plh_wasm_run's text starts with the export). */
static pl_status call_failed(pl_host *h, pl_call *call, plh_plugin *p, const char *what,
                             pl_status st, const pl_plugin_sink *s)
{
    bool cancelled = !s->failed && s->cancel && atomic_load(s->cancel);
    pl_error_kind kind = s->failed    ? (pl_error_kind)s->kind
                         : cancelled ? PL_ERROR_CANCELLED
                                     : PL_ERROR_PLUGIN;
    const char *m = s->failed ? s->message : cancelled ? "cancelled" : "failed without saying why";
    size_t n = strlen(what);
    if (strncmp(m, what, n) == 0 && strncmp(m + n, ": ", 2) == 0)
        m += n + 2;
    /* ple_call's "'rc' returned non-zero exit code: 7" names it once more */
    if (m[0] == '\'' && strncmp(m + 1, what, n) == 0 && strncmp(m + n + 1, "' ", 2) == 0)
        m += n + 3;
    char msg[PL_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "plugin '%s': %s: %s", p->info.name, what, m);
    bool keep = st == PL_E_TRAP || (st == PL_E_LIMIT && kind != PL_ERROR_TIMEOUT);
    return plh_call_fail(h, call, keep ? st : plh_status_of_kind(kind), kind, msg);
}

/* Run an export with a call context (for streams and host services). */
static pl_status run_export(pl_host *h, plh_plugin *p, const char *fn, const void *in,
                            size_t len, pl_call *call, const char *what, void **out,
                            size_t *out_len)
{
    plh_wasm *w = p->backend;
    pln_cancel none = 0;
    plh_wcall c = { .w = w, .cancel = call ? &call->cancel : &none };
    pl_err e;
    plu_err_clear(&e);
    c.slot = plh_wasm_acquire(w, &e);
    if (!c.slot) {
        char msg[PL_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "plugin '%s': %.100s: %.800s", p->info.name, what, e.msg);
        return plh_call_fail(h, call, e.status ? e.status : PL_E_PLUGIN, PL_ERROR_PLUGIN, msg);
    }
    const uint8_t *bytes;
    size_t n;
    pl_plugin_sink s;
    plh_sink_init(&s, 0, c.cancel);
    pl_status st = plh_wasm_run(w, c.slot, fn, in, len, c.cancel, &c, &bytes, &n, &s);
    if (st != PL_OK) {
        st = call_failed(h, call, p, what, st, &s);
    } else {
        *out = plu_malloc(n + 1);
        if (*out) {
            memcpy(*out, bytes, n);
            ((char *)*out)[n] = '\0';
            *out_len = n;
        } else {
            st = plh_call_fail(h, call, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
        }
    }
    plh_sink_free(&s);
    plh_wasm_close_streams(&c);
    plh_wasm_release(w, c.slot);
    return st;
}

/* plinth_invoke {"method", "params"}: the result, checked to be JSON. */
static pl_status invoke(pl_host *h, plh_plugin *p, const char *method, json_t *params,
                        pl_call *call, char **out_json)
{
    if (!plh_wasm_has(p->backend, "plinth_invoke")) {
        char msg[PL_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "plugin '%s' does not implement plinth's tool ABI "
                                  "(plinth_invoke): call its functions by name instead",
                 p->info.name);
        return plh_call_fail(h, call, PL_E_UNSUPPORTED, PL_ERROR_UNSUPPORTED, msg);
    }
    json_t *in = json_pack("{ssso}", "method", method, "params",
                           params ? json_incref(params) : json_object());
    char *text = in ? json_dumps(in, JSON_COMPACT) : NULL;
    json_decref(in);
    if (!text)
        return plh_call_fail(h, call, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    void *out = NULL;
    size_t n = 0;
    pl_status st = run_export(h, p, "plinth_invoke", text, strlen(text), call, method, &out, &n);
    plu_free(text);
    json_t *res = st == PL_OK ? json_loadb(out, n, JSON_DECODE_ANY, NULL) : NULL;
    plu_free(out);
    if (st == PL_OK && !res) {
        char msg[PL_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "plugin '%s': %s: the result is not JSON", p->info.name,
                 method);
        return plh_call_fail(h, call, PL_E_PLUGIN, PL_ERROR_PLUGIN, msg);
    }
    if (st == PL_OK) {
        *out_json = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
        st = *out_json ? PL_OK : plh_call_fail(h, call, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    }
    json_decref(res);
    return st;
}

static const json_t *find_tool(const plh_wasm *w, const char *name)
{
    const json_t *tools = json_object_get(w->describe, "tools");
    for (size_t i = 0; i < json_array_size(tools); i++) {
        const json_t *t = json_array_get(tools, i);
        const char *n = json_string_value(json_object_get(t, "name"));
        if (n && strcmp(n, name) == 0)
            return t;
    }
    return NULL;
}

/* "its tools: a, b, c" for a message (cut short when long). */
static const char *tool_names(const plh_wasm *w, char *out, size_t size)
{
    const json_t *tools = json_object_get(w->describe, "tools");
    size_t n = json_array_size(tools);
    int k = snprintf(out, size, n ? "its tools: " : "it offers no tools");
    for (size_t i = 0; i < n && k > 0 && (size_t)k < size; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(tools, i), "name"));
        k += snprintf(out + k, size - (size_t)k, "%s%s", i ? ", " : "", name ? name : "?");
    }
    if (k > 0 && (size_t)k >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
    return out;
}

/* Arguments against the tool's inputSchema; a message listing what is
** wrong on failure. */
static pl_status check_args(const json_t *tool, const char *args, pl_err *err)
{
    const json_t *schema = json_object_get(tool, "inputSchema");
    if (!schema)
        return PL_OK;
    char *stext = json_dumps(schema, JSON_COMPACT | JSON_ENCODE_ANY);
    plc_doc *sdoc = NULL, *adoc = NULL;
    plc_schema_reg *reg = plc_schema_reg_new();
    const plc_schema *sc = NULL;
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    errs.max = 8;
    pl_status st = stext && reg ? PL_OK : plu_err_nomem(err);
    if (st == PL_OK)
        st = plc_parse_json(stext, strlen(stext), "inputSchema", 0, &sdoc, err);
    if (st == PL_OK)
        st = plc_parse_json(args, strlen(args), "arguments", 0, &adoc, err);
    if (st == PL_OK)
        st = plc_schema_compile(reg, sdoc->root, NULL, &sc, err);
    if (st == PL_OK)
        st = plc_schema_validate(reg, sc, adoc->root, &errs, err);
    if (st == PL_E_SCHEMA) {
        plu_buf b;
        plu_buf_init(&b);
        plc_schema_errors_format(&errs, &b);
        while (b.len && b.data[b.len - 1] == '\n')
            b.data[--b.len] = '\0';
        plu_errf(err, PL_E_INVALID_ARG, NULL, "the arguments do not match the tool's "
                                              "inputSchema:\n%s", b.data ? b.data : "");
        st = PL_E_INVALID_ARG;
        plu_buf_free(&b);
    }
    plc_schema_errors_free(&errs);
    plc_schema_reg_free(reg);
    plc_doc_free(sdoc);
    plc_doc_free(adoc);
    plu_free(stext);
    return st;
}

PL_API pl_status pl_tool_list(pl_host *host, const char *plugin, char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!out_json)
        return plh_fail(host, PL_E_INVALID_ARG, "pl_tool_list: out_json is NULL");
    plh_plugin *p = NULL;
    pl_status st = usable(host, plugin, NULL, &p);
    if (st != PL_OK)
        return st;
    const json_t *tools = json_object_get(((plh_wasm *)p->backend)->describe, "tools");
    *out_json = tools ? json_dumps(tools, JSON_COMPACT) : plu_strdup("[]");
    return *out_json ? PL_OK : plh_fail(host, PL_E_NOMEM, "out of memory");
}

PL_API pl_status pl_tool_call(pl_host *host, const char *plugin, const char *tool,
                              const char *args_json, pl_call *call, char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!tool || !out_json)
        return plh_fail(host, PL_E_INVALID_ARG, "pl_tool_call: tool and out_json are required");
    plh_plugin *p = NULL;
    pl_status st = usable(host, plugin, call, &p);
    if (st != PL_OK)
        return st;
    char msg[PL_ERR_MSG_MAX];
    const json_t *t = find_tool(p->backend, tool);
    if (!t) {
        char names[512];
        snprintf(msg, sizeof msg, "plugin '%s' has no tool '%.200s' (%s)", p->info.name, tool,
                 tool_names(p->backend, names, sizeof names));
        return plh_call_fail(host, call, PL_E_NOT_FOUND, PL_ERROR_INVALID_REQUEST, msg);
    }
    const char *args = args_json ? args_json : "{}";
    json_t *a = json_loads(args, 0, NULL);
    pl_err e;
    plu_err_clear(&e);
    st = json_is_object(a) ? check_args(t, args, &e)
                           : plu_errf(&e, PL_E_INVALID_ARG, NULL, "the arguments must be a JSON "
                                                                  "object");
    if (st != PL_OK) {
        json_decref(a);
        snprintf(msg, sizeof msg, "plugin '%s': tool '%.100s': %.800s", p->info.name, tool,
                 e.msg);
        return plh_call_fail(host, call, st, PL_ERROR_INVALID_REQUEST, msg);
    }
    json_t *params = json_pack("{ssso}", "name", tool, "arguments", a);
    st = params ? invoke(host, p, "tools/call", params, call, out_json)
                : plh_call_fail(host, call, PL_E_NOMEM, PL_ERROR_PLUGIN, "out of memory");
    json_decref(params);
    return st;
}

PL_API pl_status pl_plugin_invoke(pl_host *host, const char *plugin, const char *method,
                                  const char *params_json, pl_call *call, char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!method || !out_json)
        return plh_fail(host, PL_E_INVALID_ARG, "pl_plugin_invoke: method and out_json are "
                                                "required");
    plh_plugin *p = NULL;
    pl_status st = usable(host, plugin, call, &p);
    if (st != PL_OK)
        return st;
    json_t *params = params_json ? json_loads(params_json, JSON_DECODE_ANY, NULL) : NULL;
    if (params_json && !params)
        return plh_call_fail(host, call, PL_E_INVALID_ARG, PL_ERROR_INVALID_REQUEST,
                             "pl_plugin_invoke: params is not JSON");
    st = invoke(host, p, method, params, call, out_json);
    json_decref(params);
    return st;
}

PL_API pl_status pl_plugin_call(pl_host *host, const char *plugin, const char *func,
                                const void *input, size_t len, pl_call *call, void **out,
                                size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!plh_host_ok(host))
        return PL_E_MISUSE;
    if (!func || !out || !out_len || (!input && len))
        return plh_fail(host, PL_E_INVALID_ARG, "pl_plugin_call: func, out and out_len are "
                                                "required");
    plh_plugin *p = NULL;
    pl_status st = usable(host, plugin, call, &p);
    if (st != PL_OK)
        return st;
    return run_export(host, p, func, input ? input : "", len, call, func, out, out_len);
}

/* ---- services for other plugins ------------------------------------------------------ */

/* retrieval_search: every ready context plugin but the asking one answers
** context/get; their chunks are merged, each marked with its plugin. */
pl_status plh_context_search(pl_host *host, const char *self, const char *query_json,
                             char **out)
{
    json_t *params = json_loads(query_json, 0, NULL);
    json_t *results = json_array();
    pl_status st = params && results ? PL_OK : plh_fail(host, PL_E_INVALID_ARG, "retrieval_search: "
                                                        "the query is not a JSON object");
    for (size_t i = 0; st == PL_OK && i < host->n_plugins; i++) {
        plh_plugin *p = &host->plugins[i];
        if (p->info.kind != PL_KIND_CONTEXT || p->info.state != PL_PLUGIN_READY || !p->backend ||
            strcmp(p->info.name, self) == 0)
            continue;
        char *res = NULL;
        st = invoke(host, p, "context/get", params, NULL, &res);
        json_t *r = res ? json_loads(res, 0, NULL) : NULL;
        json_t *chunks = json_object_get(r, "chunks");
        for (size_t k = 0; k < json_array_size(chunks); k++) {
            json_t *c = json_array_get(chunks, k);
            if (json_is_object(c)) {
                json_object_set_new(c, "plugin", json_string(p->info.name));
                json_array_append(results, c);
            }
        }
        json_decref(r);
        plu_free(res);
    }
    json_t *wrap = st == PL_OK ? json_pack("{sO}", "chunks", results) : NULL;
    *out = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
    json_decref(wrap);
    json_decref(results);
    json_decref(params);
    if (st == PL_OK && !*out)
        st = plh_fail(host, PL_E_NOMEM, "out of memory");
    return st;
}

static bool provides(const plh_plugin *p, const char *what)
{
    const json_t *list = json_object_get(((const plh_wasm *)p->backend)->describe, "provides");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *s = json_string_value(json_array_get(list, i));
        if (s && strcmp(s, what) == 0)
            return true;
    }
    return false;
}

/* plan_solve: the first ready plugin that provides planning answers. */
pl_status plh_plan_solve(pl_host *host, const char *self, const char *params_json, char **out)
{
    for (size_t i = 0; i < host->n_plugins; i++) {
        plh_plugin *p = &host->plugins[i];
        if (p->info.state != PL_PLUGIN_READY || !p->backend || p->info.kind == PL_KIND_PROVIDER ||
            strcmp(p->info.name, self) == 0 || !provides(p, "plan"))
            continue;
        json_t *params = json_loads(params_json, JSON_DECODE_ANY, NULL);
        pl_status st = invoke(host, p, "plan/solve", params, NULL, out);
        json_decref(params);
        return st;
    }
    return plh_fail(host, PL_E_NOT_FOUND, "no configured plugin provides planning");
}
