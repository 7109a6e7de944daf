/*
** config_api.c — the public pl_config_* and pl_manifest_* entry points:
** opaque handles (with a magic word, so a freed or foreign handle is
** PL_E_MISUSE rather than a crash) around the internal models.
*/
#include <stdio.h>
#include <string.h>

#include "config/model.h"

enum {
    CONFIG_MAGIC = 0x706c6366u,   /* "plcf" */
    MANIFEST_MAGIC = 0x706c6d66u, /* "plmf" */
};

struct pl_config {
    uint32_t magic;
    plc_config *cfg;
};

struct pl_manifest {
    uint32_t magic;
    plc_manifest *m;
};

/* Copy an error message into the caller's buffer. */
static pl_status report(pl_status st, const pl_err *e, char *err, size_t errlen)
{
    if (err && errlen) {
        const char *msg = e->msg[0] ? e->msg : pl_status_str(st);
        snprintf(err, errlen, "%s", msg);
    }
    return st;
}

static bool config_ok(const pl_config *c) { return c && c->magic == CONFIG_MAGIC && c->cfg; }

static bool manifest_ok(const pl_manifest *m) { return m && m->magic == MANIFEST_MAGIC && m->m; }

/* Hand a buffer's content out as a plu_malloc'd string. */
static pl_status take(int rc, plu_buf *b, char **out)
{
    if (rc == 0)
        *out = plu_buf_take(b);
    plu_buf_free(b);
    return *out ? PL_OK : PL_E_NOMEM;
}

/* ---- configuration -------------------------------------------------------------------- */

pl_status plc_config_open(const char *path, plc_config **cfg, pl_err *e)
{
    char *found = NULL;
    pl_status st = plc_config_find(path, &found, e);
    if (st != PL_OK)
        return st;
    if (!found)
        return plc_config_defaults(cfg, e);
    st = plc_config_load(found, cfg, e);
    plu_free(found);
    return st;
}

PL_API pl_status pl_config_load(const char *path, pl_config **out, char *err, size_t errlen)
{
    pl_err e;
    plu_err_clear(&e);
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return report(plu_errf(&e, PL_E_INVALID_ARG, NULL, "pl_config_load: out is NULL"), &e,
                      err, errlen);
    *out = NULL;
    pl_config *h = plu_calloc(1, sizeof *h);
    if (!h)
        return report(plu_err_nomem(&e), &e, err, errlen);
    pl_status st = plc_config_open(path, &h->cfg, &e);
    if (st != PL_OK) {
        plu_free(h);
        return report(st, &e, err, errlen);
    }
    h->magic = CONFIG_MAGIC;
    *out = h;
    return PL_OK;
}

PL_API void pl_config_free(pl_config *c)
{
    if (!config_ok(c))
        return;
    plc_config_free(c->cfg);
    c->magic = 0;
    c->cfg = NULL;
    plu_free(c);
}

PL_API const char *pl_config_path(const pl_config *c)
{
    return config_ok(c) ? c->cfg->path : NULL;
}

PL_API pl_status pl_config_summary(const pl_config *c, char **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    *out = NULL;
    if (!config_ok(c))
        return PL_E_MISUSE;
    plu_buf b;
    plu_buf_init(&b);
    return take(plc_config_summary(c->cfg, &b), &b, out);
}

PL_API pl_status pl_config_to_json(const pl_config *c, char **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    *out = NULL;
    if (!config_ok(c))
        return PL_E_MISUSE;
    plu_buf b;
    plu_buf_init(&b);
    return take(plc_config_to_json(c->cfg, 2, &b), &b, out);
}

/* ---- manifests ----------------------------------------------------------------------------- */

PL_API pl_status pl_manifest_load(const char *path, pl_manifest **out, char *err, size_t errlen)
{
    pl_err e;
    plu_err_clear(&e);
    if (err && errlen)
        err[0] = '\0';
    if (!out || !path)
        return report(plu_errf(&e, PL_E_INVALID_ARG, NULL, "pl_manifest_load: %s is NULL",
                               out ? "path" : "out"),
                      &e, err, errlen);
    *out = NULL;
    pl_manifest *h = plu_calloc(1, sizeof *h);
    if (!h)
        return report(plu_err_nomem(&e), &e, err, errlen);
    pl_status st = plc_manifest_load(path, &h->m, &e);
    if (st != PL_OK) {
        plu_free(h);
        return report(st, &e, err, errlen);
    }
    h->magic = MANIFEST_MAGIC;
    *out = h;
    return PL_OK;
}

PL_API void pl_manifest_free(pl_manifest *m)
{
    if (!manifest_ok(m))
        return;
    plc_manifest_free(m->m);
    m->magic = 0;
    m->m = NULL;
    plu_free(m);
}

PL_API pl_status pl_manifest_summary(const pl_manifest *m, char **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    *out = NULL;
    if (!manifest_ok(m))
        return PL_E_MISUSE;
    plu_buf b;
    plu_buf_init(&b);
    return take(plc_manifest_summary(m->m, &b), &b, out);
}

PL_API pl_status pl_manifest_to_json(const pl_manifest *m, char **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    *out = NULL;
    if (!manifest_ok(m))
        return PL_E_MISUSE;
    plu_buf b;
    plu_buf_init(&b);
    return take(plc_manifest_to_json(m->m, 2, &b), &b, out);
}
