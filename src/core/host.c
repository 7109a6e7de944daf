/*
** host.c — the pl_host handle: opening a host from its configuration,
** closing it, and reporting its last error.
**
** This host holds the configuration only; the plugin registry
** grows here in the next one.
*/
#include <stdio.h>
#include <string.h>

#include "config/model.h"
#include "plinth/plinth.h"
#include "util/util.h"

/* A live host carries this word; a closed or foreign pointer does not,
** which turns most use-after-close bugs into PL_E_MISUSE (SQLite's idea). */
#define HOST_MAGIC 0x706c6873u /* "plhs" */
#define HOST_DEAD 0x64656164u  /* "dead" */

struct pl_host {
    uint32_t magic;
    plc_config *cfg;
    char *config_path; /* NULL when running on built-in defaults */
    pl_err err;        /* the last error, for pl_host_last_error */
};

static bool host_ok(const pl_host *h) { return h && h->magic == HOST_MAGIC; }

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

PL_API pl_status pl_host_open(const char *config_path, pl_host **out, char *err,
                              size_t errlen)
{
    copy_err(err, errlen, "");
    if (!out) {
        copy_err(err, errlen, "pl_host_open: out is NULL");
        return PL_E_INVALID_ARG;
    }
    *out = NULL;
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
    h->magic = HOST_MAGIC;
    plu_err_clear(&h->err);
    *out = h;
    return PL_OK;
}

PL_API void pl_host_close(pl_host *host)
{
    if (!host_ok(host))
        return;
    host->magic = HOST_DEAD;
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
