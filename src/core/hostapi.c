/*
** hostapi.c — the services table native plugins get (pl_host_api), and
** the sink and request objects they write into.
**
** Everything a plugin hands over is copied at once: the plugin may free or
** reuse its buffers as soon as a service returns. Every service tolerates
** bad arguments (NULL, CR/LF in headers) by refusing them, since a plugin
** bug must not become a host crash.
*/
#include <string.h>

#include "core.h"

static plh_plugin *plugin_of(const pl_host_api *api)
{
    /* pub is the first member of plh_api (see core.h). */
    return ((const plh_api *)(const void *)api)->plugin;
}

static void svc_log(const pl_host_api *api, int level, const char *message)
{
    if (!api || !message)
        return;
    plh_plugin *p = plugin_of(api);
    plh_log(p->host, p->info.name, level, message);
}

static int svc_write(pl_plugin_sink *s, const void *data, size_t len)
{
    if (!s || (!data && len))
        return -1;
    if (s->out.len + len > s->max_out || s->out.len + len < s->out.len)
        return -1;
    return plu_buf_append(&s->out, data, len) == 0 ? 0 : -1;
}

static int svc_emit(pl_plugin_sink *s, const char *json, size_t len)
{
    if (!s || !json || !s->on_chunk)
        return -1;
    if (s->cancel && atomic_load(s->cancel))
        return -1;
    return s->on_chunk(s->chunk_ud, json, len);
}

static int svc_error(pl_plugin_sink *s, uint32_t kind, const char *message)
{
    if (!s)
        return -1;
    s->failed = true;
    s->kind = kind >= PL_PLUGIN_ERR_AUTH && kind <= PL_PLUGIN_ERR_CONFIG ? kind
                                                                         : PL_PLUGIN_ERR_PLUGIN;
    plu_free(s->message);
    s->message = plu_strdup(message && *message ? message : "no message");
    return -1;
}

static void svc_error_detail(pl_plugin_sink *s, int http_status, const char *code,
                             long retry_after_ms)
{
    if (!s)
        return;
    s->http_status = http_status;
    plu_free(s->code);
    s->code = code ? plu_strdup(code) : NULL;
    s->retry_after_ms = retry_after_ms;
}

static int svc_cancelled(pl_plugin_sink *s)
{
    return s && s->cancel && atomic_load(s->cancel) ? 1 : 0;
}

static int svc_http_method(pl_plugin_http_out *o, const char *method)
{
    if (!o || !method || pln_request_set_method(&o->req, method) != 0) {
        if (o)
            o->bad = true;
        return -1;
    }
    return 0;
}

static int svc_http_url(pl_plugin_http_out *o, const char *url)
{
    if (!o || !url || !*url || pln_request_set_url(&o->req, url) != 0) {
        if (o)
            o->bad = true;
        return -1;
    }
    return 0;
}

static int svc_http_header(pl_plugin_http_out *o, const char *name, const char *value)
{
    if (!o || !name || !value || pln_request_add_header(&o->req, name, value) != 0) {
        if (o)
            o->bad = true;
        return -1;
    }
    return 0;
}

static int svc_http_body(pl_plugin_http_out *o, const void *data, size_t len)
{
    if (!o || (!data && len) || pln_request_append_body(&o->req, data, len) != 0) {
        if (o)
            o->bad = true;
        return -1;
    }
    return 0;
}

void plh_api_init(plh_plugin *p)
{
    pl_host_api *a = &p->api.pub;
    memset(&p->api, 0, sizeof p->api);
    p->api.plugin = p;
    a->struct_size = (uint32_t)sizeof *a;
    a->abi_minor = PL_PLUGIN_ABI_MINOR;
    a->plinth_version = PL_VERSION_STRING;
    a->log = svc_log;
    a->write = svc_write;
    a->emit = svc_emit;
    a->error = svc_error;
    a->error_detail = svc_error_detail;
    a->cancelled = svc_cancelled;
    a->http_method = svc_http_method;
    a->http_url = svc_http_url;
    a->http_header = svc_http_header;
    a->http_body = svc_http_body;
}

void plh_sink_init(pl_plugin_sink *s, size_t max_out, const pln_cancel *cancel)
{
    memset(s, 0, sizeof *s);
    plu_buf_init(&s->out);
    s->max_out = max_out;
    s->cancel = cancel;
    s->retry_after_ms = -1;
}

void plh_sink_free(pl_plugin_sink *s)
{
    plu_buf_free(&s->out);
    plu_free(s->message);
    plu_free(s->code);
    s->message = s->code = NULL;
}

void plh_http_out_init(pl_plugin_http_out *o)
{
    pln_request_init(&o->req);
    o->bad = false;
}

void plh_http_out_free(pl_plugin_http_out *o) { pln_request_free(&o->req); }
