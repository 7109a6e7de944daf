/*
** http.h — plinth's HTTP client (prefix pln_), on libcurl. The host sends
** every request a sans-IO plugin builds through here: TLS verification on,
** proxies from the environment, connection reuse across calls and threads,
** HTTP/2 where the server offers it, connect and total timeouts, bounded
** retries with backoff on 429/5xx honouring Retry-After, streaming bodies
** split into SSE events or NDJSON lines, cancellation from another thread,
** and the allow-list check before anything leaves the machine.
*/
#ifndef PL_NET_HTTP_H
#define PL_NET_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct pln_header {
    char *name;  /* as sent / received; response names are lower-cased */
    char *value;
} pln_header;

/* A request. Build with the pln_request_* functions; free with
** pln_request_free. method NULL means "POST". */
typedef struct pln_request {
    char *method;
    char *url;
    pln_header *headers;
    size_t n_headers, cap_headers;
    plu_buf body;
} pln_request;

void pln_request_init(pln_request *r);
void pln_request_free(pln_request *r);
/* 0, or -1 on out of memory / invalid value (CR or LF in a header, empty
** name, a method that is not a token). */
int pln_request_set_method(pln_request *r, const char *method);
int pln_request_set_url(pln_request *r, const char *url);
int pln_request_add_header(pln_request *r, const char *name, const char *value);
int pln_request_append_body(pln_request *r, const void *data, size_t len);

/* A response: the final one after retries. The body holds the whole body
** for pln_send; for pln_stream it holds the body of an answer that was not
** a stream (a non-2xx answer, or a 2xx one that is a single JSON document:
** see pln_stream), and `streamed` says whether the body went to the event
** callback instead. */
typedef struct pln_response {
    int status;
    pln_header *headers;
    size_t n_headers, cap_headers;
    plu_buf body;
    uint32_t attempts;  /* requests sent, retries included */
    bool streamed;      /* pln_stream: the 2xx body was split into events */
} pln_response;

void pln_response_init(pln_response *r);
void pln_response_free(pln_response *r);
/* The first header with this (case-insensitive) name, or NULL. */
const char *pln_response_header(const pln_response *r, const char *name);

/* How one call may use the network. */
typedef struct pln_policy {
    const char *const *allowed_hosts; /* globs: "api.openai.com", "*.example.com",
                                         "127.0.0.1:8080", "http://localhost:*";
                                         an empty list allows nothing */
    size_t n_allowed;
    uint32_t connect_timeout_ms; /* 0: 10000 */
    uint32_t total_timeout_ms;   /* the whole call, retries and waits included; 0: none */
    uint32_t max_retries;        /* extra attempts on 408/429/5xx and connect failures */
    uint32_t retry_base_ms;      /* first backoff (doubles, with jitter); 0: 500 */
    uint32_t retry_max_wait_ms;  /* cap on one wait, Retry-After included; 0: 30000 */
    size_t max_body_bytes;       /* a longer response fails with PL_E_LIMIT; 0: 64 MiB */
    const char *user_agent;      /* NULL: "plinth/<version>" */
} pln_policy;

/* Set by another thread to cancel calls that watch it. */
typedef atomic_int pln_cancel;

/* Is the URL's host allowed? Only http and https URLs can be. On false,
** why (when not NULL, whylen > 0) says what was refused, naming the host:
** "host 'evil.example' is not in the allow-list (api.openai.com)". */
bool pln_url_allowed(const char *url, const char *const *allowed, size_t n, char *why,
                     size_t whylen);

/* Does host[:port] (and scheme) match one glob? Exposed for tests. */
bool pln_host_glob_match(const char *glob, const char *scheme, const char *host, int port);

typedef struct pln_client pln_client;

/* A client: libcurl's global init (once per process), a share handle for
** DNS, TLS sessions and connections. Thread-safe. */
pln_client *pln_client_new(pl_err *err);
void pln_client_free(pln_client *c);

/*
** Send a request and read the whole response. Returns:
**   PL_OK           a response arrived (any status: the caller classifies
**                   non-2xx, after retries were spent on 408/429/5xx)
**   PL_E_DENIED     the URL's host is not allowed (nothing was sent)
**   PL_E_NETWORK    DNS, connect, TLS or a broken connection
**   PL_E_TIMEOUT    the total or connect timeout passed
**   PL_E_CANCELLED  *cancel became non-zero
**   PL_E_LIMIT      the body exceeded max_body_bytes
**   PL_E_INVALID_ARG / PL_E_NOMEM
** err says what happened with the URL: "POST http://127.0.0.1:4000/v1/chat:
** connection refused".
** resp must have been set up with pln_response_init; what it held is freed.
*/
pl_status pln_send(pln_client *c, const pln_request *req, const pln_policy *pol,
                   const pln_cancel *cancel, pln_response *resp, pl_err *err);

/* Framing of a streaming body. PLN_RAW hands over the bytes as they
** arrive (for plugins that parse the stream themselves). */
typedef enum pln_framing { PLN_SSE, PLN_NDJSON, PLN_RAW } pln_framing;

/* Called once per SSE event (its data lines joined with "\n"; comments
** and events without data are skipped) or NDJSON line (without the line
** end; empty lines skipped), in order, as they arrive; data is
** NUL-terminated at len. `event` is the SSE
** event name or NULL. Return non-zero to stop the stream (the call then
** returns PL_E_CANCELLED). */
typedef int (*pln_event_fn)(void *ud, const char *event, const char *data, size_t len);

/*
** Send a request whose 2xx response is a stream. Retries happen only
** before the first event was delivered. A non-2xx answer is read whole
** into resp->body (no events) and PL_OK is returned, as for pln_send.
** So is a 2xx answer to an SSE (or raw) request whose Content-Type is JSON
** (application/json, or a +json type): a server that does not stream, or a
** gateway that reports an error with a 200, sends one JSON document, which
** SSE framing would silently read as no events at all. resp->streamed is
** true when the 2xx body went to on_event.
** A stream that ends without its final line end delivers the last event
** if it is complete data; a connection cut in the middle returns
** PL_E_NETWORK ("stream cut after N events").
*/
pl_status pln_stream(pln_client *c, const pln_request *req, const pln_policy *pol,
                     pln_framing framing, const pln_cancel *cancel, pln_event_fn on_event,
                     void *ud, pln_response *resp, pl_err *err);

/* Parse a Retry-After (delta seconds or HTTP date) or retry-after-ms value
** into milliseconds; -1 when absent or unreadable. Exposed for tests. */
long pln_retry_after_ms(const pln_response *resp);

/* ---- additions ------------------------------------------------------------ */

/* Append a header to a response (the name is stored lower-cased). 0, or -1
** on out of memory. Used by the client; exposed for tests and fakes. */
int pln_response_add_header(pln_response *r, const char *name, size_t nlen, const char *value,
                            size_t vlen);

/* The incremental splitter behind pln_stream, usable on its own (process
** plugins speak NDJSON over pipes). Feed it bytes cut anywhere; it calls
** the event function for each complete SSE event or NDJSON line, with the
** data NUL-terminated. */
typedef struct pln_framer {
    pln_framing kind;
    plu_buf line;       /* the line being read */
    plu_buf data;       /* SSE: the data lines of the current event, each + "\n" */
    plu_buf event;      /* SSE: the event name of the current event */
    bool after_cr;      /* the last byte fed was a CR (a following LF ends nothing) */
    bool started;       /* bytes were seen (the UTF-8 BOM is dropped only at the start) */
    uint8_t bom_seen;   /* how many bytes of a leading BOM arrived so far */
    size_t n_events;    /* events delivered so far */
} pln_framer;

void pln_framer_init(pln_framer *f, pln_framing kind);
void pln_framer_free(pln_framer *f);
/* 0; 1 when the event function returned non-zero (stop; the rest of the
** chunk is dropped); -1 on out of memory. */
int pln_framer_feed(pln_framer *f, const char *p, size_t n, pln_event_fn fn, void *ud);
/* The body ended cleanly: deliver what is pending as if the last line and
** the SSE blank line had arrived. Same returns as pln_framer_feed. */
int pln_framer_finish(pln_framer *f, pln_event_fn fn, void *ud);

#endif
