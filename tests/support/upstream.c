/*
** upstream.c — the local HTTP/1.1 server of upstream.h and its OpenAI
** endpoints (the Anthropic and Ollama flavours are in upstream_anthropic.c
** and upstream_ollama.c, on the up_ helpers at the end of this file).
**
** One acceptor thread polls the listening socket and a wake pipe; each
** accepted connection gets a thread that reads requests (Content-Length
** bodies, Expect: 100-continue, pipelining) and answers them in turn. A
** connection thread never closes its socket: the acceptor or
** upstream_stop does, after joining it, so a descriptor number cannot be
** reused while stop still means to shut it down.
*/
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "upstream_int.h"

#define LOG_KEEP 1024
#define MAX_HEAD (64 * 1024)
#define MAX_BODY (32 * 1024 * 1024)
#define CREATED 1700000000
#define DELTA_BYTES 4 /* content deltas are this long (rounded up to whole UTF-8 characters) */

typedef struct conn {
    struct upstream *u;
    int fd;
    unsigned long id;
    pthread_t th;
    atomic_bool done;
    struct conn *next;
} conn;

enum { AUTH_ANY_BEARER, AUTH_NONE, AUTH_EXACT };

struct upstream {
    upstream_flavour flavour;
    int lfd, wake[2], port;
    char url[64];
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when stopping: wakes delayed replies */
    bool stopping;
    conn *conns;
    size_t n_conns;
    /* script */
    int auth_mode;
    char *api_key;
    int fail_status, fail_left;
    char *fail_retry_after, *fail_body;
    int delay_ms, cut_after;
    bool malformed;
    /* record */
    upstream_request log[LOG_KEEP];
    size_t n_requests;
};

/* ---- memory and small helpers ------------------------------------------ */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "upstream: out of memory\n");
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *xstrdup_or_null(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "upstream: out of memory\n");
        abort();
    }
    b->p = p;
    b->cap = cap;
}

static void sb_add(sbuf *b, const void *p, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void free_request(upstream_request *r)
{
    free(r->path);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static void copy_request(upstream_request *dst, const upstream_request *src)
{
    *dst = *src;
    dst->path = xstrdup_or_null(src->path);
    dst->body = xstrndup(src->body ? src->body : "", src->body_len);
    dst->headers = xmalloc(src->n_headers * sizeof *dst->headers);
    for (size_t i = 0; i < src->n_headers; i++) {
        dst->headers[i].name = xstrdup_or_null(src->headers[i].name);
        dst->headers[i].value = xstrdup_or_null(src->headers[i].value);
    }
}

const char *upstream_request_header(const upstream_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void upstream_request_free(upstream_request *r)
{
    if (r)
        free_request(r);
}

/* ---- sockets ------------------------------------------------------------- */

static int send_iov(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

static int send_str(int fd, const char *s, size_t n)
{
    struct iovec v = {(void *)s, n};
    return send_iov(fd, &v, 1);
}

/* Read more bytes into in; -1 when the peer closed or the socket failed. */
static int read_more(int fd, sbuf *in)
{
    sb_reserve(in, 16384);
    for (;;) {
        ssize_t r = recv(fd, in->p + in->len, in->cap - in->len - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        in->len += (size_t)r;
        in->p[in->len] = '\0';
        return 0;
    }
}

/* ---- reading requests ------------------------------------------------- */

static void add_header(upstream_request *r, const char *name, size_t nn, const char *v, size_t vn)
{
    r->headers = realloc(r->headers, (r->n_headers + 1) * sizeof *r->headers);
    if (!r->headers)
        abort();
    upstream_header *h = &r->headers[r->n_headers++];
    h->name = xstrndup(name, nn);
    for (char *p = h->name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    h->value = xstrndup(v, vn);
}

/* Parse the request line and headers in p[0..n) (n excludes the blank
** line). 0, or the status to answer (400) on nonsense. */
static int parse_head(const char *p, size_t n, upstream_request *r, bool *http11)
{
    const char *eol = memmem(p, n, "\r\n", 2);
    const char *end = p + n;
    if (!eol)
        eol = end;
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == p || (size_t)(sp1 - p) >= sizeof r->method)
        return 400;
    memcpy(r->method, p, (size_t)(sp1 - p));
    r->method[sp1 - p] = '\0';
    r->path = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    *http11 = (size_t)(eol - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0;
    for (const char *line = eol + 2; line < end;) {
        const char *le = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (!le)
            le = end;
        const char *colon = memchr(line, ':', (size_t)(le - line));
        if (!colon || colon == line)
            return 400;
        const char *v = colon + 1, *ve = le;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        add_header(r, line, (size_t)(colon - line), v, (size_t)(ve - v));
        line = le + 2;
    }
    return 0;
}

/* Read one request from the connection. 0 with *used = its length in
** bytes of in; -1 when the connection is finished; an HTTP status (4xx,
** 5xx) to answer before closing. */
static int read_request(int fd, sbuf *in, upstream_request *r, size_t *used, bool *keep)
{
    memset(r, 0, sizeof *r);
    char *hend;
    while (!(hend = in->len ? memmem(in->p, in->len, "\r\n\r\n", 4) : NULL)) {
        if (in->len > MAX_HEAD)
            return 431;
        if (read_more(fd, in))
            return -1;
    }
    bool http11 = false;
    int st = parse_head(in->p, (size_t)(hend - in->p), r, &http11);
    if (st)
        return st;
    const char *conn_h = upstream_request_header(r, "connection");
    *keep = http11 ? !(conn_h && strcasecmp(conn_h, "close") == 0)
                   : conn_h && strcasecmp(conn_h, "keep-alive") == 0;
    if (upstream_request_header(r, "transfer-encoding"))
        return 501; /* plinth never sends chunked requests; say so loudly */
    const char *cl = upstream_request_header(r, "content-length");
    size_t body = cl ? strtoul(cl, NULL, 10) : 0;
    if (body > MAX_BODY)
        return 413;
    size_t head = (size_t)(hend - in->p) + 4;
    const char *expect = upstream_request_header(r, "expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && in->len < head + body) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (send_str(fd, cont, sizeof cont - 1))
            return -1;
    }
    while (in->len < head + body)
        if (read_more(fd, in))
            return -1;
    r->body = xstrndup(in->p + head, body);
    r->body_len = body;
    *used = head + body;
    return 0;
}

/* ---- writing replies ---------------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* A whole reply with Content-Length. retry_after may be NULL. */
static int reply(int fd, int status, const char *retry_after, const char *body, size_t len,
                 bool keep)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
                     "content-length: %zu\r\nconnection: %s\r\n%s%s%s\r\n",
                     status, reason(status), len, keep ? "keep-alive" : "close",
                     retry_after ? "retry-after: " : "", retry_after ? retry_after : "",
                     retry_after ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    struct iovec v[2] = {{head, (size_t)n}, {(void *)body, len}};
    return send_iov(fd, v, 2);
}

static int reply_json(int fd, int status, json_t *obj, bool keep)
{
    char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    int rc = s ? reply(fd, status, NULL, s, strlen(s), keep)
               : reply(fd, 500, NULL, "{}", 2, false);
    free(s);
    return rc;
}

/* {"error":{"message","type","param","code"}} */
static json_t *error_obj(const char *message, const char *type, const char *param,
                         const char *code)
{
    return json_pack("{s:{s:s, s:s, s:s?, s:s?}}", "error", "message", message, "type", type,
                     "param", param, "code", code);
}

static json_t *error_for_status(int status)
{
    switch (status) {
    case 401:
        return error_obj("Incorrect API key provided.", "invalid_request_error", NULL,
                         "invalid_api_key");
    case 408:
        return error_obj("Request timed out.", "timeout", NULL, NULL);
    case 429:
        return error_obj("Rate limit reached for requests.", "requests", NULL,
                         "rate_limit_exceeded");
    case 500:
        return error_obj("The server had an error while processing your request.",
                         "server_error", NULL, NULL);
    default:
        if (status >= 500)
            return error_obj("The server is overloaded or not ready yet.", "server_error", NULL,
                             NULL);
        return error_obj("Bad request.", "invalid_request_error", NULL, NULL);
    }
}

/* The chunked event stream: headers once, then one chunk per event. */
static int stream_head(int fd)
{
    static const char h[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                            "cache-control: no-cache\r\nconnection: keep-alive\r\n"
                            "transfer-encoding: chunked\r\n\r\n";
    return send_str(fd, h, sizeof h - 1);
}

static int stream_event(int fd, const char *data)
{
    size_t n = strlen(data);
    char size[32];
    int sn = snprintf(size, sizeof size, "%zx\r\n", n + 8);
    struct iovec v[4] = {
        {size, (size_t)sn}, {(void *)"data: ", 6}, {(void *)data, n}, {(void *)"\n\n\r\n", 4}};
    return send_iov(fd, v, 4);
}

static int stream_end(int fd)
{
    return send_str(fd, "0\r\n\r\n", 5);
}

/* ---- the OpenAI endpoints ---------------------------------------------- */

/* Where a streamed reply stands: the script may cut it after n events. */
typedef struct sse_out {
    int fd;
    const plan *pl;
    const char *model;
    int sent;
    bool cut;
} sse_out;

static int emit_raw(sse_out *o, const char *data)
{
    if (o->pl->cut_after >= 0 && o->sent >= o->pl->cut_after) {
        o->cut = true;
        return -1;
    }
    if (stream_event(o->fd, data))
        return -1;
    o->sent++;
    return 0;
}

static int emit(sse_out *o, json_t *obj)
{
    char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    int rc = s ? emit_raw(o, s) : -1;
    free(s);
    return rc;
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool sp = isspace((unsigned char)*s);
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

/* The text of a message content: a string, or the "text" parts of an array. */
static void content_text(json_t *content, sbuf *out)
{
    if (json_is_string(content)) {
        sb_add(out, json_string_value(content), json_string_length(content));
        return;
    }
    size_t i;
    json_t *part;
    json_array_foreach(content, i, part) {
        json_t *t = json_object_get(part, "text");
        if (json_is_string(t))
            sb_add(out, json_string_value(t), json_string_length(t));
    }
}

/* The next piece of s for a delta: DELTA_BYTES, never splitting a UTF-8
** character (each delta must be valid JSON text on its own). */
static size_t piece_len(const char *s, size_t left)
{
    size_t n = left < DELTA_BYTES ? left : DELTA_BYTES;
    while (n < left && ((unsigned char)s[n] & 0xC0) == 0x80)
        n++;
    return n;
}

static json_t *usage_obj(const chat_in *c)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)c->prompt_tokens,
                     "completion_tokens", (json_int_t)c->completion_tokens, "total_tokens",
                     (json_int_t)(c->prompt_tokens + c->completion_tokens));
}

static const char BROKEN_JSON[] = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.compl";
static const char CITY_ARGS[] = "{\"city\":\"Paris\"}";

static int chat_whole(int fd, const chat_in *c, bool keep)
{
    json_t *msg;
    if (c->tool)
        msg = json_pack("{s:s, s:n, s:n, s:[{s:s, s:s, s:{s:s, s:s}}]}", "role", "assistant",
                        "content", "refusal", "tool_calls", "id", "call_1", "type", "function",
                        "function", "name", c->tool, "arguments", CITY_ARGS);
    else
        msg = json_pack("{s:s, s:s, s:n}", "role", "assistant", "content", c->reply, "refusal");
    json_t *obj = json_pack("{s:s, s:s, s:I, s:s, s:n, s:[{s:i, s:o, s:n, s:s}], s:o}", "id",
                            "chatcmpl-1", "object", "chat.completion", "created",
                            (json_int_t)CREATED, "model", c->model, "system_fingerprint",
                            "choices", "index", 0, "message", msg, "logprobs", "finish_reason",
                            c->tool ? "tool_calls" : "stop", "usage", usage_obj(c));
    return reply_json(fd, 200, obj, keep);
}

static json_t *chat_chunk(const sse_out *o, json_t *delta, const char *finish)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:n, s:[{s:i, s:o, s:n, s:s?}]}", "id", "chatcmpl-1",
                     "object", "chat.completion.chunk", "created", (json_int_t)CREATED, "model",
                     o->model, "system_fingerprint", "choices", "index", 0, "delta", delta,
                     "logprobs", "finish_reason", finish);
}

/* The events of a streamed chat reply, in the order the API sends them. */
static int chat_events(sse_out *o, const chat_in *c)
{
    int rc;
    if (c->tool) {
        rc = emit(o, chat_chunk(o, json_pack("{s:s, s:n, s:[{s:i, s:s, s:s, s:{s:s, s:s}}]}",
                                             "role", "assistant", "content", "tool_calls",
                                             "index", 0, "id", "call_1", "type", "function",
                                             "function", "name", c->tool, "arguments", ""),
                                  NULL));
        static const char *const frags[] = {"{\"ci", "ty\":\"Pa", "ris\"}"};
        for (size_t i = 0; !rc && i < 3; i++)
            rc = emit(o, chat_chunk(o, json_pack("{s:[{s:i, s:{s:s}}]}", "tool_calls", "index", 0,
                                                 "function", "arguments", frags[i]),
                                    NULL));
    } else {
        rc = emit(o, chat_chunk(o, json_pack("{s:s, s:s, s:n}", "role", "assistant", "content",
                                             "", "refusal"),
                                NULL));
        for (const char *p = c->reply; !rc && *p;) {
            size_t n = piece_len(p, strlen(p));
            rc = emit(o, chat_chunk(o, json_pack("{s:s%}", "content", p, n), NULL));
            p += n;
        }
    }
    if (!rc)
        rc = emit(o, chat_chunk(o, json_object(), c->tool ? "tool_calls" : "stop"));
    if (!rc && c->include_usage)
        rc = emit(o, json_pack("{s:s, s:s, s:I, s:s, s:n, s:[], s:o}", "id", "chatcmpl-1", "object",
                               "chat.completion.chunk", "created", (json_int_t)CREATED, "model",
                               o->model, "system_fingerprint", "choices", "usage", usage_obj(c)));
    if (!rc)
        rc = emit_raw(o, "[DONE]");
    return rc;
}

/* Stream a reply made by `events`; -1 when the connection must close. */
static int stream_reply(int fd, const plan *pl, const char *model,
                        int (*events)(sse_out *, const void *), const void *arg)
{
    sse_out o = {.fd = fd, .pl = pl, .model = model};
    if (stream_head(fd))
        return -1;
    if (pl->malformed) {
        if (emit_raw(&o, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choi") ||
            emit_raw(&o, "[DONE]"))
            return -1;
    } else if (events(&o, arg)) {
        return -1; /* a cut, or the client went away */
    }
    return stream_end(fd);
}

static int chat_events_cb(sse_out *o, const void *arg)
{
    return chat_events(o, arg);
}

/* Read a chat request into c; NULL, or the error object to answer 400 with. */
static json_t *chat_read(json_t *root, chat_in *c, sbuf *text)
{
    json_t *msgs = json_object_get(root, "messages");
    if (!json_is_array(msgs) || !json_array_size(msgs))
        return error_obj("'messages' is a required property and must not be empty.",
                         "invalid_request_error", "messages", NULL);
    const char *m = json_string_value(json_object_get(root, "model"));
    c->model = m ? m : "fake-model";
    c->stream = json_is_true(json_object_get(root, "stream"));
    c->include_usage = json_is_true(
        json_object_get(json_object_get(root, "stream_options"), "include_usage"));
    size_t i;
    json_t *msg;
    sbuf tool_said = {0};
    bool after_tool = false;
    json_array_foreach(msgs, i, msg) {
        sbuf t = {0};
        content_text(json_object_get(msg, "content"), &t);
        const char *role = json_string_value(json_object_get(msg, "role"));
        after_tool = role && strcmp(role, "tool") == 0;
        if (t.p) {
            c->prompt_tokens += count_words(t.p);
            sbuf *dst = after_tool ? &tool_said : role && strcmp(role, "user") == 0 ? text : NULL;
            if (dst) {
                dst->len = 0;
                sb_add(dst, t.p, t.len);
            }
        }
        free(t.p);
    }
    /* After a tool result a model answers from it instead of calling the
    ** tool again. */
    sbuf r = {0};
    sb_add(&r, after_tool ? "The tool said: " : "You said: ", after_tool ? 15 : 10);
    const sbuf *src = after_tool ? &tool_said : text;
    if (src->p)
        sb_add(&r, src->p, src->len);
    free(tool_said.p);
    c->reply = r.p;
    json_t *tools = json_object_get(root, "tools");
    if (!after_tool && json_array_size(tools) && text->p && strcasestr(text->p, "weather")) {
        const char *name =
            json_string_value(json_object_get(json_object_get(json_array_get(tools, 0), "function"),
                                              "name"));
        c->tool = name ? name : "tool";
    }
    c->completion_tokens = c->tool ? 5 : count_words(c->reply);
    return NULL;
}

static json_t *load_body(const upstream_request *rq, json_t **err)
{
    json_error_t e;
    json_t *root = json_loadb(rq->body, rq->body_len, 0, &e);
    if (!json_is_object(root)) {
        json_decref(root);
        *err = error_obj("We could not parse the JSON body of your request.",
                         "invalid_request_error", NULL, NULL);
        return NULL;
    }
    return root;
}

static int chat(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    json_t *err = NULL, *root = load_body(rq, &err);
    chat_in c = {0};
    sbuf text = {0};
    if (root)
        err = chat_read(root, &c, &text);
    int rc;
    if (err)
        rc = reply_json(fd, 400, err, keep);
    else if (c.stream)
        rc = stream_reply(fd, pl, c.model, chat_events_cb, &c);
    else if (pl->malformed)
        rc = reply(fd, 200, NULL, BROKEN_JSON, sizeof BROKEN_JSON - 1, keep);
    else
        rc = chat_whole(fd, &c, keep);
    free(c.reply);
    free(text.p);
    json_decref(root);
    return rc;
}

/* /v1/completions: the legacy text API, same reply text as chat. */
typedef struct comp_in {
    const char *model;
    char *text;
    bool include_usage;
    size_t prompt_tokens, completion_tokens;
} comp_in;

static json_t *comp_chunk(const sse_out *o, const char *text, size_t n, const char *finish,
                          const char *object)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:[{s:s%, s:i, s:n, s:s?}]}", "id", "cmpl-1", "object",
                     object, "created", (json_int_t)CREATED, "model", o->model, "choices", "text",
                     text, n, "index", 0, "logprobs", "finish_reason", finish);
}

static int comp_events(sse_out *o, const void *arg)
{
    const comp_in *c = arg;
    int rc = 0;
    for (const char *p = c->text; !rc && *p;) {
        size_t n = piece_len(p, strlen(p));
        rc = emit(o, comp_chunk(o, p, n, NULL, "text_completion"));
        p += n;
    }
    if (!rc)
        rc = emit(o, comp_chunk(o, "", 0, "stop", "text_completion"));
    if (!rc && c->include_usage)
        rc = emit(o, json_pack("{s:s, s:s, s:I, s:s, s:[], s:{s:I, s:I, s:I}}", "id", "cmpl-1",
                               "object", "text_completion", "created", (json_int_t)CREATED,
                               "model", o->model, "choices", "usage", "prompt_tokens",
                               (json_int_t)c->prompt_tokens, "completion_tokens",
                               (json_int_t)c->completion_tokens, "total_tokens",
                               (json_int_t)(c->prompt_tokens + c->completion_tokens)));
    if (!rc)
        rc = emit_raw(o, "[DONE]");
    return rc;
}

static int completions(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    json_t *err = NULL, *root = load_body(rq, &err);
    if (!root)
        return reply_json(fd, 400, err, keep);
    json_t *prompt = json_object_get(root, "prompt");
    if (json_is_array(prompt))
        prompt = json_array_get(prompt, 0);
    if (!json_is_string(prompt)) {
        json_decref(root);
        return reply_json(fd, 400,
                          error_obj("'prompt' is a required property.", "invalid_request_error",
                                    "prompt", NULL),
                          keep);
    }
    const char *m = json_string_value(json_object_get(root, "model"));
    comp_in c = {.model = m ? m : "fake-model"};
    sbuf t = {0};
    sb_add(&t, "You said: ", 10);
    sb_add(&t, json_string_value(prompt), json_string_length(prompt));
    c.text = t.p;
    c.prompt_tokens = count_words(json_string_value(prompt));
    c.completion_tokens = count_words(c.text);
    c.include_usage =
        json_is_true(json_object_get(json_object_get(root, "stream_options"), "include_usage"));
    int rc;
    if (json_is_true(json_object_get(root, "stream"))) {
        rc = stream_reply(fd, pl, c.model, comp_events, &c);
    } else if (pl->malformed) {
        rc = reply(fd, 200, NULL, BROKEN_JSON, sizeof BROKEN_JSON - 1, keep);
    } else {
        sse_out o = {.model = c.model};
        json_t *obj = comp_chunk(&o, c.text, strlen(c.text), "stop", "text_completion");
        json_object_set_new(obj, "usage",
                            json_pack("{s:I, s:I, s:I}", "prompt_tokens",
                                      (json_int_t)c.prompt_tokens, "completion_tokens",
                                      (json_int_t)c.completion_tokens, "total_tokens",
                                      (json_int_t)(c.prompt_tokens + c.completion_tokens)));
        rc = reply_json(fd, 200, obj, keep);
    }
    free(c.text);
    json_decref(root);
    return rc;
}

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void base64(const unsigned char *p, size_t n, sbuf *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63],
                     i + 1 < n ? tab[(v >> 6) & 63] : '=', i + 2 < n ? tab[v & 63] : '='};
        sb_add(out, q, 4);
    }
}

/* One embedding: components k/256 in [-1, 1] from a hash of the input, so
** the float32 and the JSON number are the same value. */
static json_t *embedding(json_t *input, size_t dims, bool b64)
{
    char *text = json_is_string(input) ? NULL : json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *s = text ? text : json_string_value(input);
    size_t n = text ? strlen(text) : json_string_length(input);
    json_t *arr = b64 ? NULL : json_array();
    sbuf raw = {0};
    for (size_t j = 0; j < dims; j++) {
        uint64_t h = fnv1a(s, n, 0xcbf29ce484222325ull ^ (j * 0x9E3779B97F4A7C15ull));
        float f = (float)((int)(h % 513) - 256) / 256.0f;
        if (arr) {
            json_array_append_new(arr, json_real(f));
        } else {
            uint32_t bits;
            memcpy(&bits, &f, 4);
            unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8),
                                   (unsigned char)(bits >> 16), (unsigned char)(bits >> 24)};
            sb_add(&raw, le, 4);
        }
    }
    free(text);
    if (arr)
        return arr;
    sbuf enc = {0};
    base64((const unsigned char *)raw.p, raw.len, &enc);
    json_t *str = json_stringn(enc.p ? enc.p : "", enc.len);
    free(raw.p);
    free(enc.p);
    return str;
}

static int embeddings(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    json_t *err = NULL, *root = load_body(rq, &err);
    if (!root)
        return reply_json(fd, 400, err, keep);
    json_t *input = json_object_get(root, "input");
    if (!input || (json_is_array(input) && !json_array_size(input))) {
        json_decref(root);
        return reply_json(fd, 400,
                          error_obj("'input' is a required property.", "invalid_request_error",
                                    "input", NULL),
                          keep);
    }
    if (pl->malformed) {
        json_decref(root);
        return reply(fd, 200, NULL, BROKEN_JSON, sizeof BROKEN_JSON - 1, keep);
    }
    json_int_t dims = json_integer_value(json_object_get(root, "dimensions"));
    if (dims <= 0 || dims > 4096)
        dims = 8;
    const char *enc = json_string_value(json_object_get(root, "encoding_format"));
    bool b64 = enc && strcmp(enc, "base64") == 0;
    /* A list of strings is a batch; a list of numbers is one tokenised input. */
    bool batch = json_is_array(input) && !json_is_integer(json_array_get(input, 0));
    size_t n = batch ? json_array_size(input) : 1, tokens = 0;
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *in = batch ? json_array_get(input, i) : input;
        tokens += json_is_string(in) ? count_words(json_string_value(in)) : json_array_size(in);
        json_array_append_new(data, json_pack("{s:s, s:I, s:o}", "object", "embedding", "index",
                                              (json_int_t)i, "embedding",
                                              embedding(in, (size_t)dims, b64)));
    }
    const char *m = json_string_value(json_object_get(root, "model"));
    json_t *obj = json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data,
                            "model", m ? m : "fake-embed", "usage", "prompt_tokens",
                            (json_int_t)tokens, "total_tokens", (json_int_t)tokens);
    json_decref(root);
    return reply_json(fd, 200, obj, keep);
}

static int models(int fd, bool keep)
{
    json_t *obj = json_pack("{s:s, s:[{s:s, s:s, s:I, s:s}, {s:s, s:s, s:I, s:s}]}", "object",
                            "list", "data", "id", "fake-model", "object", "model", "created",
                            (json_int_t)CREATED, "owned_by", "plinth-tests", "id", "fake-embed",
                            "object", "model", "created", (json_int_t)CREATED, "owned_by",
                            "plinth-tests");
    return reply_json(fd, 200, obj, keep);
}

/* ---- dispatch ------------------------------------------------------------ */

static bool auth_ok(upstream *u, const upstream_request *rq)
{
    pthread_mutex_lock(&u->mu);
    int mode = u->auth_mode;
    char want[512];
    snprintf(want, sizeof want, "Bearer %s", u->api_key ? u->api_key : "");
    pthread_mutex_unlock(&u->mu);
    const char *got = upstream_request_header(rq, "authorization");
    const char *xkey = upstream_request_header(rq, "x-api-key");
    if (mode == AUTH_NONE)
        return true;
    if (xkey && u->flavour == UPSTREAM_ANTHROPIC) /* the 0.x SDKs' form */
        return mode == AUTH_EXACT ? strcmp(xkey, want + 7) == 0 : *xkey != '\0';
    if (!got)
        return false;
    if (mode == AUTH_EXACT)
        return strcmp(got, want) == 0;
    return strncmp(got, "Bearer ", 7) == 0 && got[7];
}

static bool is_stream_request(const upstream_request *rq)
{
    json_t *root = json_loadb(rq->body, rq->body_len, 0, NULL);
    bool yes = json_is_true(json_object_get(root, "stream"));
    json_decref(root);
    return yes;
}

/* Record the request and take this request's share of the script. */
static void take_plan(upstream *u, const upstream_request *rq, plan *pl)
{
    pthread_mutex_lock(&u->mu);
    upstream_request *slot = &u->log[u->n_requests % LOG_KEEP];
    free_request(slot);
    copy_request(slot, rq);
    u->n_requests++;
    *pl = (plan){.delay_ms = u->delay_ms, .cut_after = -1};
    if (u->fail_left > 0) {
        u->fail_left--;
        pl->fail_status = u->fail_status;
        pl->retry_after = xstrdup_or_null(u->fail_retry_after);
        pl->fail_body = xstrdup_or_null(u->fail_body);
    } else {
        pl->malformed = u->malformed;
        u->malformed = false;
    }
    if (u->cut_after >= 0 && !pl->fail_status && is_stream_request(rq)) {
        pl->cut_after = u->cut_after;
        u->cut_after = -1;
    }
    pthread_mutex_unlock(&u->mu);
}

/* Wait ms, or less when the server stops. */
static void delay(upstream *u, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&u->mu);
    while (!u->stopping && pthread_cond_timedwait(&u->cv, &u->mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&u->mu);
}

/* The scripted failure: its body, or the flavour's error for the status. */
static int fail_reply(const upstream *u, int fd, const plan *pl, bool keep)
{
    if (pl->fail_body)
        return reply(fd, pl->fail_status, pl->retry_after, pl->fail_body, strlen(pl->fail_body),
                     keep);
    json_t *e = u->flavour == UPSTREAM_ANTHROPIC ? up_anthropic_error(pl->fail_status, NULL)
                : u->flavour == UPSTREAM_OLLAMA  ? up_ollama_error(pl->fail_status, NULL)
                                                 : error_for_status(pl->fail_status);
    char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
    json_decref(e);
    int rc = reply(fd, pl->fail_status, pl->retry_after, s ? s : "{}", s ? strlen(s) : 2, keep);
    free(s);
    return rc;
}

static int openai_route(upstream *u, int fd, const upstream_request *rq, const plan *pl,
                        bool keep)
{
    size_t plen = strcspn(rq->path, "?");
    bool post = strcmp(rq->method, "POST") == 0;
#define IS(p) (plen == sizeof(p) - 1 && memcmp(rq->path, p, plen) == 0)
    if (strncmp(rq->path, "/v1/", 4) == 0 && !auth_ok(u, rq))
        return reply_json(fd, 401,
                          error_obj("You didn't provide an API key, or it is not the right one.",
                                    "invalid_request_error", NULL, "invalid_api_key"),
                          keep);
    if (post && IS("/v1/chat/completions"))
        return chat(fd, rq, pl, keep);
    if (post && IS("/v1/completions"))
        return completions(fd, rq, pl, keep);
    if (post && IS("/v1/embeddings"))
        return embeddings(fd, rq, pl, keep);
    if (strcmp(rq->method, "GET") == 0 && IS("/v1/models"))
        return models(fd, keep);
#undef IS
    char msg[300];
    snprintf(msg, sizeof msg, "Unknown request URL: %s %.200s.", rq->method, rq->path);
    return reply_json(fd, 404, error_obj(msg, "invalid_request_error", NULL, "unknown_url"), keep);
}

/* Answer one request; -1 when the connection must close afterwards. */
static int handle(conn *c, const upstream_request *rq, bool keep)
{
    upstream *u = c->u;
    plan pl;
    take_plan(u, rq, &pl);
    if (pl.delay_ms > 0)
        delay(u, pl.delay_ms);
    int rc;
    if (pl.fail_status)
        rc = fail_reply(u, c->fd, &pl, keep);
    else if (u->flavour == UPSTREAM_ANTHROPIC)
        rc = up_anthropic_handle(c->fd, rq, &pl, keep, auth_ok(u, rq));
    else if (u->flavour == UPSTREAM_OLLAMA)
        rc = up_ollama_handle(c->fd, rq, &pl, keep);
    else
        rc = openai_route(u, c->fd, rq, &pl, keep);
    free(pl.retry_after);
    free(pl.fail_body);
    return rc;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    sbuf in = {0};
    for (;;) {
        upstream_request rq;
        size_t used = 0;
        bool keep = false;
        int st = read_request(c->fd, &in, &rq, &used, &keep);
        if (st > 0) {
            json_t *e = error_obj(reason(st), "invalid_request_error", NULL, NULL);
            reply_json(c->fd, st, e, false);
        }
        rq.conn_id = c->id;
        int rc = st == 0 ? handle(c, &rq, keep) : -1;
        free_request(&rq);
        if (rc || !keep)
            break;
        memmove(in.p, in.p + used, in.len - used);
        in.len -= used;
    }
    free(in.p);
    /* FIN now (a cut stream must look cut); the fd is closed at the join. */
    shutdown(c->fd, SHUT_RDWR);
    atomic_store(&c->done, true);
    return NULL;
}

/* ---- the server ------------------------------------------------------- */

/* Join and free finished connections (all of them when `all`, after
** shutting their sockets down). Called with u->mu not held. */
static void reap(upstream *u, bool all)
{
    pthread_mutex_lock(&u->mu);
    conn **pp = &u->conns, *dead = NULL;
    while (*pp) {
        conn *c = *pp;
        if (all || atomic_load(&c->done)) {
            *pp = c->next;
            c->next = dead;
            dead = c;
        } else {
            pp = &c->next;
        }
    }
    pthread_mutex_unlock(&u->mu);
    for (conn *c = dead; c; c = c->next)
        shutdown(c->fd, SHUT_RDWR); /* wakes a thread blocked in recv or send */
    while (dead) {
        conn *c = dead;
        dead = c->next;
        pthread_join(c->th, NULL);
        close(c->fd);
        free(c);
    }
}

static void start_conn(upstream *u, int fd)
{
    int one = 1;
    /* Events are small writes that must leave at once. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->u = u;
    c->fd = fd;
    pthread_mutex_lock(&u->mu);
    c->id = ++u->n_conns;
    if (pthread_create(&c->th, NULL, conn_main, c) != 0) {
        pthread_mutex_unlock(&u->mu);
        close(fd);
        free(c);
        return;
    }
    c->next = u->conns;
    u->conns = c;
    pthread_mutex_unlock(&u->mu);
}

static void *acceptor_main(void *arg)
{
    upstream *u = arg;
    for (;;) {
        struct pollfd p[2] = {{u->lfd, POLLIN, 0}, {u->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        int fd = accept4(u->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) { /* do not spin; let threads finish */
                struct timespec ts = {0, 10 * 1000000L};
                nanosleep(&ts, NULL);
                reap(u, false);
            }
            continue;
        }
        start_conn(u, fd);
        reap(u, false);
    }
    return NULL;
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 512) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

upstream *upstream_start(void)
{
    return upstream_start_as(UPSTREAM_OPENAI);
}

upstream *upstream_start_as(upstream_flavour flavour)
{
    upstream *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->flavour = flavour;
    u->cut_after = -1;
    u->wake[0] = u->wake[1] = -1;
    u->lfd = listen_local(&u->port);
    if (u->lfd < 0 || pipe2(u->wake, O_CLOEXEC)) {
        fprintf(stderr, "upstream: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        goto fail;
    }
    snprintf(u->url, sizeof u->url, "http://127.0.0.1:%d", u->port);
    pthread_mutex_init(&u->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&u->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&u->acceptor, NULL, acceptor_main, u) != 0) {
        fprintf(stderr, "upstream: cannot start a thread\n");
        pthread_cond_destroy(&u->cv);
        pthread_mutex_destroy(&u->mu);
        goto fail;
    }
    return u;
fail:
    if (u->lfd >= 0)
        close(u->lfd);
    if (u->wake[0] >= 0) {
        close(u->wake[0]);
        close(u->wake[1]);
    }
    free(u);
    return NULL;
}

void upstream_stop(upstream *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->mu);
    u->stopping = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    ssize_t w;
    do
        w = write(u->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(u->acceptor, NULL);
    reap(u, true);
    close(u->lfd);
    close(u->wake[0]);
    close(u->wake[1]);
    for (size_t i = 0; i < LOG_KEEP; i++)
        free_request(&u->log[i]);
    free(u->api_key);
    free(u->fail_retry_after);
    free(u->fail_body);
    pthread_cond_destroy(&u->cv);
    pthread_mutex_destroy(&u->mu);
    free(u);
}

int upstream_port(const upstream *u)
{
    return u->port;
}

const char *upstream_url(const upstream *u)
{
    return u->url;
}

/* ---- scripting and records -------------------------------------------- */

void upstream_set_api_key(upstream *u, const char *key)
{
    pthread_mutex_lock(&u->mu);
    free(u->api_key);
    u->api_key = xstrdup_or_null(key);
    u->auth_mode = !key ? AUTH_ANY_BEARER : !*key ? AUTH_NONE : AUTH_EXACT;
    pthread_mutex_unlock(&u->mu);
}

void upstream_fail_next(upstream *u, int status, int n_times, const char *retry_after,
                        const char *body)
{
    pthread_mutex_lock(&u->mu);
    free(u->fail_retry_after);
    free(u->fail_body);
    u->fail_status = status;
    u->fail_left = n_times;
    u->fail_retry_after = xstrdup_or_null(retry_after);
    u->fail_body = xstrdup_or_null(body);
    pthread_mutex_unlock(&u->mu);
}

void upstream_set_delay_ms(upstream *u, int ms)
{
    pthread_mutex_lock(&u->mu);
    u->delay_ms = ms;
    pthread_mutex_unlock(&u->mu);
}

void upstream_cut_stream_after(upstream *u, int n_events)
{
    pthread_mutex_lock(&u->mu);
    u->cut_after = n_events;
    pthread_mutex_unlock(&u->mu);
}

void upstream_malformed_next(upstream *u)
{
    pthread_mutex_lock(&u->mu);
    u->malformed = true;
    pthread_mutex_unlock(&u->mu);
}

void upstream_reset_script(upstream *u)
{
    pthread_mutex_lock(&u->mu);
    u->fail_left = 0;
    u->delay_ms = 0;
    u->cut_after = -1;
    u->malformed = false;
    pthread_mutex_unlock(&u->mu);
}

size_t upstream_request_count(upstream *u)
{
    pthread_mutex_lock(&u->mu);
    size_t n = u->n_requests;
    pthread_mutex_unlock(&u->mu);
    return n;
}

size_t upstream_connection_count(upstream *u)
{
    pthread_mutex_lock(&u->mu);
    size_t n = u->n_conns;
    pthread_mutex_unlock(&u->mu);
    return n;
}

bool upstream_request_at(upstream *u, size_t i, upstream_request *out)
{
    pthread_mutex_lock(&u->mu);
    bool ok = i < u->n_requests && u->n_requests - i <= LOG_KEEP;
    if (ok)
        copy_request(out, &u->log[i % LOG_KEEP]);
    pthread_mutex_unlock(&u->mu);
    return ok;
}

bool upstream_last_request(upstream *u, upstream_request *out)
{
    pthread_mutex_lock(&u->mu);
    size_t n = u->n_requests;
    pthread_mutex_unlock(&u->mu);
    return n > 0 && upstream_request_at(u, n - 1, out);
}

/* ---- for the other flavours (upstream_int.h) ----------------------------- */

void up_sb_add(sbuf *b, const void *p, size_t n) { sb_add(b, p, n); }

int up_reply(int fd, int status, const char *retry_after, const char *body, size_t len,
             bool keep)
{
    return reply(fd, status, retry_after, body, len, keep);
}

int up_reply_json(int fd, int status, json_t *obj, bool keep)
{
    return reply_json(fd, status, obj, keep);
}

size_t up_count_words(const char *s) { return count_words(s); }
void up_content_text(json_t *content, sbuf *out) { content_text(content, out); }
size_t up_piece_len(const char *s, size_t left) { return piece_len(s, left); }
json_t *up_embedding(json_t *input, size_t dims, bool b64) { return embedding(input, dims, b64); }
json_t *up_chat_read(json_t *root, chat_in *c, sbuf *text) { return chat_read(root, c, text); }

json_t *up_load_object(const upstream_request *rq)
{
    json_t *root = json_loadb(rq->body, rq->body_len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int up_stream_begin(up_stream *s, int fd, const plan *pl, const char *content_type)
{
    *s = (up_stream){fd, pl, 0};
    char h[256];
    int n = snprintf(h, sizeof h,
                     "HTTP/1.1 200 OK\r\ncontent-type: %s\r\ncache-control: no-cache\r\n"
                     "connection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n",
                     content_type);
    return n > 0 && (size_t)n < sizeof h ? send_str(fd, h, (size_t)n) : -1;
}

int up_stream_send(up_stream *s, const char *bytes, size_t n)
{
    if (s->pl->cut_after >= 0 && s->sent >= s->pl->cut_after)
        return -1;
    char size[32];
    int sn = snprintf(size, sizeof size, "%zx\r\n", n);
    struct iovec v[3] = {{size, (size_t)sn}, {(void *)bytes, n}, {(void *)"\r\n", 2}};
    if (send_iov(s->fd, v, 3))
        return -1;
    s->sent++;
    return 0;
}

int up_stream_send_json(up_stream *s, const char *prefix, json_t *obj, const char *suffix)
{
    char *j = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!j)
        return -1;
    sbuf b = {0};
    sb_add(&b, prefix, strlen(prefix));
    sb_add(&b, j, strlen(j));
    sb_add(&b, suffix, strlen(suffix));
    free(j);
    int rc = up_stream_send(s, b.p, b.len);
    free(b.p);
    return rc;
}

int up_stream_end(up_stream *s) { return stream_end(s->fd); }
