/*
** upstream_int.h — what the files of the test upstream share (prefix up_):
** upstream.c holds the server (sockets, request reading, the script, the
** record) and the OpenAI endpoints; upstream_anthropic.c and
** upstream_ollama.c answer in the other flavours' wire formats with the
** same plumbing. Not for tests: they use upstream.h.
*/
#ifndef PL_TEST_UPSTREAM_INT_H
#define PL_TEST_UPSTREAM_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "upstream.h"

#define UP_CREATED 1700000000
#define UP_CITY_ARGS "{\"city\":\"Paris\"}"

/* A growable string (malloc; aborts when memory runs out). */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

void up_sb_add(sbuf *b, const void *p, size_t n);

/* What one request is answered with, taken from the script under the lock. */
typedef struct plan {
    int fail_status;
    char *retry_after, *fail_body;
    int delay_ms, cut_after;
    bool malformed;
} plan;

/* A chat request as every flavour reads it (OpenAI-style messages:
** roles user/assistant/tool, content a string or parts with "text"). */
typedef struct chat_in {
    const char *model;
    char *reply;           /* "You said: ..." or "The tool said: ..." (malloc) */
    const char *tool;      /* the tool to call, or NULL */
    bool stream, include_usage;
    size_t prompt_tokens, completion_tokens;
} chat_in;

/* Read messages/tools/stream of root into c (text: the last user text).
** NULL, or an OpenAI error object (new reference) naming the problem. */
json_t *up_chat_read(json_t *root, chat_in *c, sbuf *text);
/* The request body as a JSON object, or NULL. */
json_t *up_load_object(const upstream_request *rq);

/* A whole reply with Content-Length (retry_after may be NULL). */
int up_reply(int fd, int status, const char *retry_after, const char *body, size_t len,
             bool keep);
/* reply with obj serialised compactly; steals obj. */
int up_reply_json(int fd, int status, json_t *obj, bool keep);

size_t up_count_words(const char *s);
/* The text of a content value: a string, or the "text" of each part. */
void up_content_text(json_t *content, sbuf *out);
/* The length of the next piece of s for a delta (a few bytes, never
** splitting a UTF-8 character). */
size_t up_piece_len(const char *s, size_t left);
/* An embedding of input (dims numbers k/256 from a hash, or base64). */
json_t *up_embedding(json_t *input, size_t dims, bool b64);

/* A streamed reply: chunked transfer, one HTTP chunk per event, cut after
** pl->cut_after events when the script says so. */
typedef struct up_stream {
    int fd;
    const plan *pl;
    int sent;
} up_stream;

/* Send the head with this content type; 0 or -1. */
int up_stream_begin(up_stream *s, int fd, const plan *pl, const char *content_type);
/* One event's bytes; -1 when the connection must close (a cut, or the
** client went away). */
int up_stream_send(up_stream *s, const char *bytes, size_t n);
/* Serialise obj (stolen) and send it with prefix before and suffix after. */
int up_stream_send_json(up_stream *s, const char *prefix, json_t *obj, const char *suffix);
/* The last chunk of the body. */
int up_stream_end(up_stream *s);

/* The flavours' endpoints. authorized: the request passed the key check
** of upstream_set_api_key. -1 when the connection must close. */
int up_anthropic_handle(int fd, const upstream_request *rq, const plan *pl, bool keep,
                        bool authorized);
int up_ollama_handle(int fd, const upstream_request *rq, const plan *pl, bool keep);
/* The error body each flavour sends for an HTTP status (new reference). */
json_t *up_anthropic_error(int status, const char *message);
json_t *up_ollama_error(int status, const char *message);

#endif
