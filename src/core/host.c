/*
** host.c — the pl_host handle: opening a host from its configuration,
** closing it, and reporting its last error.
**
** Opening reads the configuration and loads every configured plugin
** (registry.c); a plugin that fails to load is recorded, not fatal.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

bool plh_host_ok(const pl_host *h) { return h && h->magic == PLH_HOST_MAGIC; }

static bool host_ok(const pl_host *h) { return plh_host_ok(h); }

pl_status plh_fail(pl_host *h, pl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&h->lock);
    plu_verrf(&h->err, st, NULL, fmt, ap);
    pthread_mutex_unlock(&h->lock);
    va_end(ap);
    return st;
}

/* $PLINTH_LOG: error, warn (default), info, debug or trace. */
static int log_level_from_env(void)
{
    static const char *const names[] = {"off", "error", "warn", "info", "debug", "trace"};
    const char *v = getenv("PLINTH_LOG");
    for (int i = 0; v && i < 6; i++)
        if (strcasecmp(v, names[i]) == 0)
            return i;
    return PL_PLUGIN_LOG_WARN;
}

void plh_log(pl_host *h, const char *plugin, int level, const char *msg)
{
    static const char *const names[] = {"", "error", "warn", "info", "debug", "trace"};
    if (level < 1 || level > 5 || level > h->log_level)
        return;
    fprintf(stderr, "plinth: %s: [%s] %s\n", names[level], plugin ? plugin : "host", msg);
}

/* The HTTP client, made on first use (most hosts never need one). */
pln_client *plh_http(pl_host *h, pl_err *err)
{
    pthread_mutex_lock(&h->lock);
    if (!h->http)
        h->http = pln_client_new(err);
    pln_client *c = h->http;
    pthread_mutex_unlock(&h->lock);
    return c;
}

/* Copy a message into the caller's buffer, always terminated. */
static void copy_err(char *buf, size_t len, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
}

/* Find and load the configuration: explicit path, default lookup, or the
** built-in defaults when no file exists anywhere. */
static pl_status load_config(const char *path, plc_config **cfg, char **found,
                             pl_err *err)
{
    pl_status st = plc_config_find(path, found, err);
    if (st != PL_OK)
        return st;
    if (*found)
        return plc_config_load(*found, cfg, err);
    return plc_config_defaults(cfg, err);
}

/* Options as the caller's struct_size has them; the rest as defaults. */
static bool read_opts(const pl_host_opts *in, pl_host_opts *o)
{
    *o = (pl_host_opts)PL_HOST_OPTS_INIT;
    if (!in)
        return true;
    if (in->struct_size == 0 || in->struct_size > sizeof *o)
        return false;
    memcpy(o, in, in->struct_size);
    return true;
}

PL_API pl_status pl_host_open(const char *config_path, pl_host **out, char *err,
                              size_t errlen)
{
    return pl_host_open_ex(config_path, NULL, out, err, errlen);
}

PL_API pl_status pl_host_open_ex(const char *config_path, const pl_host_opts *opts,
                                 pl_host **out, char *err, size_t errlen)
{
    copy_err(err, errlen, "");
    if (!out) {
        copy_err(err, errlen, "pl_host_open: out is NULL");
        return PL_E_INVALID_ARG;
    }
    *out = NULL;
    pl_host_opts o;
    if (!read_opts(opts, &o)) {
        copy_err(err, errlen, "pl_host_open_ex: opts->struct_size must be set to "
                              "sizeof(pl_host_opts) (PL_HOST_OPTS_INIT)");
        return PL_E_INVALID_ARG;
    }
    pl_err e;
    plu_err_clear(&e);
    pl_host *h = plu_calloc(1, sizeof *h);
    if (!h) {
        copy_err(err, errlen, "out of memory");
        return PL_E_NOMEM;
    }
    pl_status st = load_config(config_path, &h->cfg, &h->config_path, &e);
    if (st != PL_OK) {
        copy_err(err, errlen, e.msg);
        plc_config_free(h->cfg);
        plu_free(h->config_path);
        plu_free(h);
        return st;
    }
    h->magic = PLH_HOST_MAGIC;
    plu_err_clear(&h->err);
    pthread_mutex_init(&h->lock, NULL);
    h->log_level = log_level_from_env();
    h->on_grant = o.on_grant; /* asked while the plugins load, never after */
    h->grant_user = o.grant_user;
    st = plh_registry_load(h);
    h->on_grant = NULL;
    h->grant_user = NULL;
    if (st != PL_OK) {
        copy_err(err, errlen, h->err.msg);
        pl_host_close(h);
        return st;
    }
    *out = h;
    return PL_OK;
}

PL_API void pl_host_close(pl_host *host)
{
    if (!host_ok(host))
        return;
    plh_registry_unload(host);
    host->magic = PLH_HOST_DEAD;
    if (host->http)
        pln_client_free(host->http);
    pthread_mutex_destroy(&host->lock);
    plc_config_free(host->cfg);
    plu_free(host->config_path);
    plu_free(host);
}

PL_API const char *pl_host_last_error(const pl_host *host)
{
    if (!host)
        return "pl_host_last_error: host is NULL";
    if (!host_ok(host))
        return "pl_host_last_error: not a live plinth host (closed or invalid handle)";
    return host->err.msg;
}

PL_API const char *pl_host_config_path(const pl_host *host)
{
    return host_ok(host) ? host->config_path : NULL;
}

PL_API pl_status pl_host_config_json(pl_host *host, char **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!host_ok(host))
        return PL_E_MISUSE;
    if (!out_json)
        return plu_errf(&host->err, PL_E_INVALID_ARG, NULL,
                        "pl_host_config_json: out_json is NULL");
    plu_buf b;
    plu_buf_init(&b);
    if (plc_config_to_json(host->cfg, 2, &b) != 0 || !(*out_json = plu_buf_take(&b))) {
        plu_buf_free(&b);
        return plu_err_nomem(&host->err);
    }
    plu_err_clear(&host->err);
    return PL_OK;
}
