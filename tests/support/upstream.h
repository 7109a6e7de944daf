/*
** upstream.h — a local HTTP/1.1 server that answers like the OpenAI API
** (or Anthropic's, or Ollama's), for tests and benches. It listens on
** 127.0.0.1 on a port the kernel picks, serves each connection on its own
** thread (keep-alive, pipelining, Content-Length and chunked replies), and
** replies deterministically:
**
**   POST /v1/chat/completions  "You said: <last user message text>"; when
**        the request has tools and that text contains "weather", a call to
**        the first tool with arguments {"city":"Paris"}; when the last
**        message is a tool result (role "tool"), "The tool said: <its
**        content>" and no tool call. "stream": true
**        answers text/event-stream in the exact shape of
**        shared/docs/peers.md §2: a first delta with the role, content
**        deltas of a few characters (or tool-call deltas: id, type, name
**        and arguments "" first, then argument fragments), a last chunk
**        with finish_reason, a usage chunk with "choices": [] when
**        stream_options.include_usage is true, then "data: [DONE]".
**   POST /v1/completions       the same text for the prompt; streams too.
**   POST /v1/embeddings        one vector per input (8 dimensions, or
**        "dimensions"), derived from a hash of the input, each component a
**        multiple of 1/256 so float32 and JSON agree exactly; base64 of
**        little-endian float32 when "encoding_format": "base64".
**   GET  /v1/models            {"object":"list","data":[{"id","object":
**        "model","created","owned_by"}, ...]}: fake-model, fake-embed.
**
** Errors use {"error":{"message","type","param","code"}}. Requests under
** /v1/ need an Authorization header (see upstream_set_api_key).
**
** upstream_start_as(UPSTREAM_ANTHROPIC) answers like the Anthropic
** Messages API instead (shared/docs/peers.md §2), with the same replies:
**   POST /v1/messages  needs anthropic-version, max_tokens and a key (x-api-key
**        or Authorization: Bearer, as the 0.x and 1.x SDKs send it).
**        "You said: ..." as a text block, a tool_use block (toolu_1,
**        input {"city":"Paris"}) when tools are offered and the text says
**        "weather", "The tool said: ..." after a tool_result block.
**        "stream": true answers the recorded named events: message_start,
**        content_block_start, ping, content_block_delta (text_delta pieces,
**        or input_json_delta fragments), content_block_stop, message_delta
**        (stop_reason, usage.output_tokens), message_stop; no [DONE].
**   GET  /v1/models    {"data":[{"type":"model","id":"claude-fake",...}],...}
**   Errors: {"type":"error","error":{"type","message"}}.
** upstream_start_as(UPSTREAM_OLLAMA) answers like Ollama (no key):
**   POST /api/chat     the same replies; NDJSON lines {"model","created_at",
**        "message":{"role","content"},"done":false} and a last line with
**        done:true, done_reason and the counts (prompt_eval_count,
**        eval_count); tool calls as message.tool_calls [{"function":
**        {"name","arguments":{object}}}]; "stream": false (Ollama streams
**        unless told not to) answers the final object whole.
**   POST /api/generate "You said: <prompt>" in "response" (streams alike).
**   POST /api/embed    {"model","embeddings":[[8 numbers]]} per input.
**   GET  /api/tags     {"models":[{"name":"fake:latest",...}]}.
**   Errors: {"error":"message"}.
** Scripted failures, delays, cuts and malformed replies apply to every
** flavour, each in its own error format.
**
** Everything here uses malloc directly, not plu_malloc: the server must keep
** working while a test injects allocation failures into the client.
** Thread-safe: the scripting and record functions may be called from any
** thread while requests are served.
*/
#ifndef PL_TEST_UPSTREAM_H
#define PL_TEST_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct upstream upstream;

typedef struct upstream_header {
    char *name; /* lower-cased */
    char *value;
} upstream_header;

/* A request as the server read it (a copy the caller owns). */
typedef struct upstream_request {
    char method[16];
    char *path;                 /* the request target, query included */
    upstream_header *headers;
    size_t n_headers;
    char *body;                 /* NUL-terminated; body_len excludes the NUL */
    size_t body_len;
    unsigned long conn_id;      /* 1-based number of the connection it came on */
} upstream_request;

typedef enum upstream_flavour {
    UPSTREAM_OPENAI = 0,
    UPSTREAM_ANTHROPIC,
    UPSTREAM_OLLAMA
} upstream_flavour;

/* Start serving; NULL (and a message on stderr) when the socket or the
** thread cannot be made. upstream_start() speaks OpenAI. */
upstream *upstream_start(void);
upstream *upstream_start_as(upstream_flavour flavour);
/* Stop: close the listener and every connection, wake delayed replies,
** join every thread, free everything. NULL is a no-op. */
void upstream_stop(upstream *u);

int upstream_port(const upstream *u);
/* "http://127.0.0.1:<port>" (no trailing slash); owned by u. */
const char *upstream_url(const upstream *u);

/* ---- scripted behaviour (set before the call it should affect) ---------- */

/* Which Authorization the /v1/ endpoints require: NULL (the default) any
** "Bearer <something>"; "" none; otherwise exactly "Bearer <key>". A
** request that fails the check gets a 401 in OpenAI's error format. */
void upstream_set_api_key(upstream *u, const char *key);
/* The next n_times requests (any path) are answered with `status`, a
** "Retry-After: <retry_after>" header when not NULL, and `body` when not
** NULL (else an OpenAI error body matching the status). */
void upstream_fail_next(upstream *u, int status, int n_times, const char *retry_after,
                        const char *body);
/* Wait ms before answering every following request (0 turns it off). The
** wait ends early when the server stops. */
void upstream_set_delay_ms(upstream *u, int ms);
/* The next streamed reply sends n_events events, then the connection is
** closed without ending the chunked body. */
void upstream_cut_stream_after(upstream *u, int n_events);
/* The next reply is a 200 whose JSON is cut short (for a stream: one
** event with broken JSON, then [DONE]). */
void upstream_malformed_next(upstream *u);
/* Forget the scripted behaviour above (the API key setting stays). */
void upstream_reset_script(upstream *u);

/* ---- what the server saw ---------------------------------------------- */

/* Requests read so far (all of them, also those answered with errors). */
size_t upstream_request_count(upstream *u);
/* TCP connections accepted so far. */
size_t upstream_connection_count(upstream *u);
/* Copy of request i (0-based, in arrival order). The most recent 1024 are
** kept (benches send many more); false when i is older or not there yet.
** Free the copy with upstream_request_free. */
bool upstream_request_at(upstream *u, size_t i, upstream_request *out);
/* Copy of the latest request; false when there was none. */
bool upstream_last_request(upstream *u, upstream_request *out);
void upstream_request_free(upstream_request *r);
/* A header of a recorded request (case-insensitive name), or NULL. */
const char *upstream_request_header(const upstream_request *r, const char *name);

#endif
