/*
** call.c — pl_call: cancellation of one call and its typed error.
*/
#include <stdio.h>
#include <string.h>

#include "core.h"

static const char *const kind_names[] = {
    [PL_ERROR_NONE] = "none",
    [PL_ERROR_AUTH] = "authentication",
    [PL_ERROR_RATE_LIMITED] = "rate limited",
    [PL_ERROR_CONTEXT_WINDOW] = "context window exceeded",
    [PL_ERROR_INVALID_REQUEST] = "invalid request",
    [PL_ERROR_PROVIDER] = "provider error",
    [PL_ERROR_TRANSPORT] = "transport error",
    [PL_ERROR_TIMEOUT] = "timeout",
    [PL_ERROR_CANCELLED] = "cancelled",
    [PL_ERROR_PLUGIN] = "plugin fault",
    [PL_ERROR_DENIED] = "denied",
    [PL_ERROR_RESPONSE] = "unreadable response",
    [PL_ERROR_UNSUPPORTED] = "unsupported",
    [PL_ERROR_CONFIG] = "configuration",
};

PL_API const char *pl_error_kind_str(pl_error_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind]
                                                                    : "unknown";
}

/* The status a call returns for each kind of failure. */
static const pl_status kind_status[] = {
    [PL_ERROR_NONE] = PL_OK,
    [PL_ERROR_AUTH] = PL_E_PROVIDER,
    [PL_ERROR_RATE_LIMITED] = PL_E_PROVIDER,
    [PL_ERROR_CONTEXT_WINDOW] = PL_E_PROVIDER,
    [PL_ERROR_INVALID_REQUEST] = PL_E_PROVIDER,
    [PL_ERROR_PROVIDER] = PL_E_PROVIDER,
    [PL_ERROR_TRANSPORT] = PL_E_NETWORK,
    [PL_ERROR_TIMEOUT] = PL_E_TIMEOUT,
    [PL_ERROR_CANCELLED] = PL_E_CANCELLED,
    [PL_ERROR_PLUGIN] = PL_E_PLUGIN,
    [PL_ERROR_DENIED] = PL_E_DENIED,
    [PL_ERROR_RESPONSE] = PL_E_PROVIDER,
    [PL_ERROR_UNSUPPORTED] = PL_E_UNSUPPORTED,
    [PL_ERROR_CONFIG] = PL_E_CONFIG,
};

pl_status plh_status_of_kind(pl_error_kind kind)
{
    return (unsigned)kind < sizeof kind_status / sizeof kind_status[0] ? kind_status[kind]
                                                                      : PL_E_PLUGIN;
}

PL_API pl_status pl_call_new(pl_call **out)
{
    if (!out)
        return PL_E_INVALID_ARG;
    *out = plu_calloc(1, sizeof **out);
    if (!*out)
        return PL_E_NOMEM;
    plh_call_reset(*out);
    return PL_OK;
}

void plh_call_reset(pl_call *c)
{
    atomic_store(&c->cancel, 0);
    c->kind = PL_ERROR_NONE;
    c->status = PL_OK;
    c->http_status = 0;
    c->retry_after_ms = -1;
    c->attempts = 0;
    plu_free(c->code);
    c->code = NULL;
    c->message[0] = '\0';
}

PL_API void pl_call_free(pl_call *call)
{
    if (!call)
        return;
    plu_free(call->code);
    plu_free(call);
}

PL_API void pl_call_cancel(pl_call *call)
{
    if (call)
        atomic_store(&call->cancel, 1);
}

PL_API pl_error_kind pl_call_error_kind(const pl_call *c) { return c ? c->kind : PL_ERROR_NONE; }
PL_API const char *pl_call_error_message(const pl_call *c) { return c ? c->message : ""; }
PL_API int pl_call_http_status(const pl_call *c) { return c ? c->http_status : 0; }
PL_API const char *pl_call_provider_code(const pl_call *c) { return c ? c->code : NULL; }
PL_API long pl_call_retry_after_ms(const pl_call *c) { return c ? c->retry_after_ms : -1; }
PL_API unsigned pl_call_attempts(const pl_call *c) { return c ? c->attempts : 0; }

pl_status plh_call_fail(pl_host *h, pl_call *c, pl_status st, pl_error_kind kind,
                        const char *msg)
{
    if (c) {
        c->status = st;
        c->kind = kind;
        snprintf(c->message, sizeof c->message, "%s", msg);
    }
    return plh_fail(h, st, "%s", msg);
}

pl_status plh_call_fail_sink(pl_host *h, pl_call *c, const plh_plugin *p, const char *op,
                             const pl_plugin_sink *s)
{
    char msg[PL_ERR_MSG_MAX];
    /* A plugin that stops without saying why while its call is cancelled
    ** was stopped by the cancel: the host refused its next emit (which
    ** plugins rightly do not report as their own error). */
    bool cancelled = !s->failed && s->cancel && atomic_load(s->cancel);
    pl_error_kind kind = s->failed    ? (pl_error_kind)s->kind
                         : cancelled ? PL_ERROR_CANCELLED
                                     : PL_ERROR_PLUGIN;
    const char *what = s->failed ? s->message : cancelled ? "cancelled" : "failed without saying why";
    if (s->http_status > 0)
        snprintf(msg, sizeof msg, "provider '%s': %s: %d: %s", p->info.name, op, s->http_status,
                 what);
    else
        snprintf(msg, sizeof msg, "provider '%s': %s: %s", p->info.name, op, what);
    if (c) {
        c->http_status = s->http_status;
        c->retry_after_ms = s->retry_after_ms;
        plu_free(c->code);
        c->code = s->code ? plu_strdup(s->code) : NULL;
    }
    return plh_call_fail(h, c, plh_status_of_kind(kind), kind, msg);
}
