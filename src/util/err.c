/*
** err.c — error records that carry their context (file:line:col, plugin,
** function) as they bubble up, and pl_status names.
*/
#include <stdio.h>
#include <string.h>

#include "util.h"

void plu_err_clear(pl_err *e)
{
    if (!e)
        return;
    e->status = PL_OK;
    e->loc = (pl_loc){0};
    e->msg[0] = '\0';
}

pl_status plu_verrf(pl_err *e, pl_status st, const pl_loc *loc,
                    const char *fmt, va_list ap)
{
    if (!e)
        return st;
    e->status = st;
    e->loc = loc ? *loc : (pl_loc){0};
    size_t off = 0;
    if (loc && loc->file) {
        int n;
        if (loc->line && loc->col)
            n = snprintf(e->msg, sizeof e->msg, "%s:%u:%u: ", loc->file,
                         (unsigned)loc->line, (unsigned)loc->col);
        else if (loc->line)
            n = snprintf(e->msg, sizeof e->msg, "%s:%u: ", loc->file,
                         (unsigned)loc->line);
        else
            n = snprintf(e->msg, sizeof e->msg, "%s: ", loc->file);
        off = n < 0 ? 0 : (size_t)n < sizeof e->msg ? (size_t)n : sizeof e->msg - 1;
    }
    vsnprintf(e->msg + off, sizeof e->msg - off, fmt, ap);
    return st;
}

pl_status plu_errf(pl_err *e, pl_status st, const pl_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plu_verrf(e, st, loc, fmt, ap);
    va_end(ap);
    return st;
}

void plu_err_prefix(pl_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Shift the old message right and put the prefix in front; a message
    ** that no longer fits loses its tail, never its context. */
    size_t plen = (size_t)n < sizeof prefix ? (size_t)n : sizeof prefix - 1;
    size_t olen = strlen(e->msg);
    if (plen + 2 >= sizeof e->msg)
        return;
    if (olen > sizeof e->msg - 1 - plen - 2)
        olen = sizeof e->msg - 1 - plen - 2;
    memmove(e->msg + plen + 2, e->msg, olen);
    memcpy(e->msg, prefix, plen);
    e->msg[plen] = ':';
    e->msg[plen + 1] = ' ';
    e->msg[plen + 2 + olen] = '\0';
}

pl_status plu_err_nomem(pl_err *e)
{
    if (e) {
        e->status = PL_E_NOMEM;
        e->loc = (pl_loc){0};
        snprintf(e->msg, sizeof e->msg, "out of memory");
    }
    return PL_E_NOMEM;
}

/* Indexed by pl_status; keep in the order of the enum. */
static const char *const status_names[] = {
    [PL_OK] = "ok",
    [PL_E_NOMEM] = "out of memory",
    [PL_E_INVALID_ARG] = "invalid argument",
    [PL_E_MISUSE] = "library misuse",
    [PL_E_IO] = "input/output error",
    [PL_E_NOT_FOUND] = "not found",
    [PL_E_SYNTAX] = "syntax error",
    [PL_E_CONFIG] = "configuration error",
    [PL_E_SCHEMA] = "schema validation failed",
    [PL_E_UNSUPPORTED] = "unsupported",
    [PL_E_ABI] = "incompatible plugin ABI",
    [PL_E_PLUGIN] = "plugin error",
    [PL_E_TRAP] = "plugin trapped",
    [PL_E_LIMIT] = "limit exceeded",
    [PL_E_DENIED] = "permission denied",
    [PL_E_SIGNATURE] = "signature verification failed",
    [PL_E_NETWORK] = "network error",
    [PL_E_TIMEOUT] = "timed out",
    [PL_E_CANCELLED] = "cancelled",
    [PL_E_INTERNAL] = "internal error",
    [PL_E_PROVIDER] = "provider error",
};

PL_API const char *pl_status_str(pl_status st)
{
    size_t i = (size_t)st;
    if (i < sizeof status_names / sizeof status_names[0] && status_names[i])
        return status_names[i];
    return "unknown status";
}
