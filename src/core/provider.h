/*
** provider.h — shared by the provider operations (provider.c), the wire
** request builder (wire.c) and streaming (stream.c).
*/
#ifndef PL_CORE_PROVIDER_H
#define PL_CORE_PROVIDER_H

#include "core.h"

typedef enum plh_op_id { PLH_OP_MODELS, PLH_OP_CHAT, PLH_OP_COMPLETE, PLH_OP_EMBED } plh_op_id;

/* Which vtable members an operation uses, and the JSON shape of its result. */
typedef struct plh_opdesc {
    const char *name;
    size_t req_off, parse_off, direct_off;
    json_type shape;
} plh_opdesc;

/* Everything one call needs to report and cancel. */
typedef struct plh_call_ctx {
    pl_host *h;
    plh_plugin *p;
    pl_call *call;            /* may be NULL */
    const pln_cancel *cancel; /* never NULL */
    const plh_opdesc *op;
    void *inst;               /* what the vtable members get (plh_call_open) */
} plh_call_ctx;

const plh_opdesc *plh_op(plh_op_id op);
/* Open the call's plugin state (see plh_plugin.call_open) and close it. */
pl_status plh_call_open(plh_call_ctx *cx, const char *wire);
void plh_call_close(plh_call_ctx *cx);
bool plh_op_sans_io(const plh_plugin *p, plh_op_id op);
bool plh_op_supported(const plh_plugin *p, plh_op_id op);
pl_status plh_provider_for(pl_host *h, const char *name, pl_call *call, plh_plugin **out);
pl_status plh_op_fail(const plh_call_ctx *cx, pl_status st, pl_error_kind kind, const char *what);
void plh_policy(const plh_plugin *p, pln_policy *pol);
pl_status plh_build_request(const plh_call_ctx *cx, size_t req_off, const char *wire,
                            pl_plugin_http_out *o);
pl_status plh_transport_fail(const plh_call_ctx *cx, pl_status st, const pl_err *e);
void plh_response_view(const pln_response *r, pl_plugin_http_response *v, const char **names,
                       const char **values, size_t max);
pl_status plh_classify(const plh_call_ctx *cx, const pln_response *r);
/* A 2xx answer through the operation's parse member, its output checked. */
pl_status plh_parse_response(const plh_call_ctx *cx, const pln_response *r, char **out_json);
/* The whole sans-IO round trip: build, send, classify or parse. */
pl_status plh_run_sans_io(const plh_call_ctx *cx, const char *wire, char **out_json);
pl_status plh_finish_output(const plh_call_ctx *cx, const plu_buf *out, char **out_json);

/* wire.c: the caller's request (JSON text, NULL for list models) as the
** wire request for the plugin: {"cfg": {...}, ...}. stream adds
** "stream": true to cfg. On failure the call's error is set. */
pl_status plh_wire_request(const plh_call_ctx *cx, const char *request_json, bool stream,
                           char **out);

#endif
