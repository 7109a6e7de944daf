/*
** fake_host.c — the test host of fake_host.h: records what plugins write,
** emit, report and build.
*/
#include "fake_host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#  define FH_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define FH_ASAN 1
#  endif
#endif

char fh_log_last[512];
size_t fh_log_count;

static void *fh_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

static char *fh_xstrndup(const char *s, size_t n)
{
    char *d = fh_xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Append n bytes to a NUL-terminated buffer. */
static void fh_append(char **buf, size_t *len, const void *data, size_t n)
{
    *buf = fh_xrealloc(*buf, *len + n + 1);
    if (n)
        memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* ---- services ------------------------------------------------------------ */

static void fh_log(const pl_host_api *host, int level, const char *message)
{
    snprintf(fh_log_last, sizeof fh_log_last, "%d %s", level, message ? message : "(null)");
    fh_log_count++;
}

static int fh_write(pl_plugin_sink *s, const void *data, size_t len)
{
    if (!s || (!data && len))
        return -1;
    fh_append(&s->out, &s->out_len, data, len);
    return 0;
}

static int fh_emit(pl_plugin_sink *s, const char *json, size_t len)
{
    if (!s || !json || s->cancel)
        return 1;
    if (s->max_chunks && s->n_chunks >= s->max_chunks) {
        s->cancel = 1; /* as a real host: a refused chunk ends the call */
        return 1;
    }
    s->chunks = fh_xrealloc(s->chunks, (s->n_chunks + 1) * sizeof *s->chunks);
    s->chunks[s->n_chunks++] = fh_xstrndup(json, len);
    return 0;
}

static int fh_error(pl_plugin_sink *s, uint32_t kind, const char *message)
{
    if (!s)
        return -1;
    s->failed = true;
    s->kind = kind;
    free(s->message);
    s->message = fh_xstrndup(message ? message : "", message ? strlen(message) : 0);
    return -1;
}

static void fh_error_detail(pl_plugin_sink *s, int http_status, const char *code,
                            long retry_after_ms)
{
    if (!s)
        return;
    s->has_detail = true;
    s->http_status = http_status;
    free(s->code);
    s->code = code ? fh_xstrndup(code, strlen(code)) : NULL;
    s->retry_after_ms = retry_after_ms;
}

static int fh_cancelled(pl_plugin_sink *s)
{
    if (!s)
        return 0;
    s->polls++;
    if (s->cancel_after_polls && s->polls >= s->cancel_after_polls)
        s->cancel = 1;
    return s->cancel;
}

static int fh_http_method(pl_plugin_http_out *r, const char *method)
{
    if (!r || !method || !*method)
        return -1;
    free(r->method);
    r->method = fh_xstrndup(method, strlen(method));
    return 0;
}

static int fh_http_url(pl_plugin_http_out *r, const char *url)
{
    if (!r || !url || !*url)
        return -1;
    free(r->url);
    r->url = fh_xstrndup(url, strlen(url));
    return 0;
}

static int fh_http_header(pl_plugin_http_out *r, const char *name, const char *value)
{
    /* Refuse what a real host refuses: header injection. */
    if (!r || !name || !value || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return -1;
    size_t n = r->n_headers + 1;
    r->header_names = fh_xrealloc(r->header_names, n * sizeof *r->header_names);
    r->header_values = fh_xrealloc(r->header_values, n * sizeof *r->header_values);
    r->header_names[r->n_headers] = fh_xstrndup(name, strlen(name));
    r->header_values[r->n_headers] = fh_xstrndup(value, strlen(value));
    r->n_headers = n;
    return 0;
}

static int fh_http_body(pl_plugin_http_out *r, const void *data, size_t len)
{
    if (!r || (!data && len))
        return -1;
    fh_append(&r->body, &r->body_len, data, len);
    return 0;
}

static const pl_host_api fh_table = {
    .struct_size = (uint32_t)sizeof(pl_host_api),
    .abi_minor = PL_PLUGIN_ABI_MINOR,
    .plinth_version = "0.1.0",
    .log = fh_log,
    .write = fh_write,
    .emit = fh_emit,
    .error = fh_error,
    .error_detail = fh_error_detail,
    .cancelled = fh_cancelled,
    .http_method = fh_http_method,
    .http_url = fh_http_url,
    .http_header = fh_http_header,
    .http_body = fh_http_body,
};

const pl_host_api *fh_api(void) { return &fh_table; }

/* ---- records ------------------------------------------------------------- */

void fh_sink_init(pl_plugin_sink *s)
{
    memset(s, 0, sizeof *s);
    s->retry_after_ms = -1;
}

void fh_sink_free(pl_plugin_sink *s)
{
    free(s->out);
    for (size_t i = 0; i < s->n_chunks; i++)
        free(s->chunks[i]);
    free(s->chunks);
    free(s->message);
    free(s->code);
    fh_sink_init(s);
}

void fh_req_init(pl_plugin_http_out *r) { memset(r, 0, sizeof *r); }

void fh_req_free(pl_plugin_http_out *r)
{
    free(r->method);
    free(r->url);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->header_names[i]);
        free(r->header_values[i]);
    }
    free(r->header_names);
    free(r->header_values);
    free(r->body);
    fh_req_init(r);
}

const char *fh_req_header(const pl_plugin_http_out *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->header_names[i], name) == 0)
            return r->header_values[i];
    return NULL;
}

size_t fh_req_header_count(const pl_plugin_http_out *r, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_headers; i++)
        n += strcmp(r->header_names[i], name) == 0;
    return n;
}

void fh_response_init(fh_response *fr, int status, const char *body, const char *const *names,
                      const char *const *values, size_t n_headers)
{
    memset(fr, 0, sizeof *fr);
    fr->body_copy = body ? fh_xstrndup(body, strlen(body)) : NULL;
    fr->r.status = status;
    fr->r.header_names = names;
    fr->r.header_values = values;
    fr->r.n_headers = n_headers;
    fr->r.body = fr->body_copy;
    fr->r.body_len = body ? strlen(body) : 0;
}

void fh_response_free(fh_response *fr)
{
    free(fr->body_copy);
    memset(fr, 0, sizeof *fr);
}

/* ---- loading ------------------------------------------------------------- */

int fh_plugin_open(fh_plugin *p, const char *path, char *why, size_t whylen)
{
    memset(p, 0, sizeof *p);
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        const char *e = dlerror();
        snprintf(why, whylen, "dlopen %s: %s", path, e ? e : "?");
        return -1;
    }
    void *sym = dlsym(p->dl, PL_PLUGIN_ENTRY);
    if (!sym) {
        snprintf(why, whylen, "%s: no %s", path, PL_PLUGIN_ENTRY);
        return -1;
    }
    const pl_plugin_vtable *(*entry)(const pl_host_api *, pl_plugin_err *);
    memcpy(&entry, &sym, sizeof entry); /* object to function pointer, as POSIX allows */
    pl_plugin_err err = {{0}};
    p->vt = entry(fh_api(), &err);
    if (!p->vt) {
        err.message[sizeof err.message - 1] = '\0';
        snprintf(why, whylen, "%s: entry returned NULL: %s", path, err.message);
        return -1;
    }
    return 0;
}

int fh_plugin_init(fh_plugin *p, const char *config_json, pl_plugin_sink *err)
{
    int rc = p->vt->init(fh_api(), config_json, &p->instance, err);
    p->initialised = rc == 0;
    return rc;
}

void fh_plugin_close(fh_plugin *p)
{
    if (p->initialised && p->vt->shutdown)
        p->vt->shutdown(p->instance);
    /* Under AddressSanitizer keep the library mapped so leak reports from
    ** plugin code stay symbolised (what the real host does too). */
#ifndef FH_ASAN
    if (p->dl)
        dlclose(p->dl);
#endif
    memset(p, 0, sizeof *p);
}

char *fh_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0;
    char tmp[4096];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        fh_append(&buf, &n, tmp, got);
    fclose(f);
    if (!buf)
        buf = fh_xstrndup("", 0);
    if (len)
        *len = n;
    return buf;
}
