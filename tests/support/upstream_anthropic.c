/*
** upstream_anthropic.c — the test upstream's Anthropic flavour
** (upstream_start_as(UPSTREAM_ANTHROPIC)): POST /v1/messages and GET
** /v1/models in the wire format shared/docs/peers.md §2 records, with the
** replies of the OpenAI flavour (upstream.h).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upstream_int.h"

static const char BROKEN[] = "{\"id\":\"msg_1\",\"type\":\"message\",\"con";

json_t *up_anthropic_error(int status, const char *message)
{
    const char *type = status == 400   ? "invalid_request_error"
                       : status == 401 ? "authentication_error"
                       : status == 403 ? "permission_error"
                       : status == 404 ? "not_found_error"
                       : status == 413 ? "request_too_large"
                       : status == 429 ? "rate_limit_error"
                       : status == 529 ? "overloaded_error"
                                       : "api_error";
    if (!message)
        message = status == 429   ? "Number of requests has exceeded your rate limit."
                  : status == 529 ? "Overloaded"
                  : status >= 500 ? "Internal server error"
                                  : "Bad request.";
    return json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error", "type", type, "message",
                     message);
}

/* The text of the blocks (or string) of a content value. */
static void blocks_text(json_t *content, sbuf *out)
{
    if (json_is_string(content)) {
        up_sb_add(out, json_string_value(content), json_string_length(content));
        return;
    }
    size_t i;
    json_t *b;
    json_array_foreach(content, i, b) {
        json_t *t = json_object_get(b, "text");
        const char *type = json_string_value(json_object_get(b, "type"));
        if (type && strcmp(type, "text") == 0 && json_is_string(t))
            up_sb_add(out, json_string_value(t), json_string_length(t));
        if (type && strcmp(type, "tool_result") == 0)
            blocks_text(json_object_get(b, "content"), out);
    }
}

/* The tool_result block of the last message, if it has one. */
static json_t *last_tool_result(json_t *msgs)
{
    json_t *content = json_object_get(json_array_get(msgs, json_array_size(msgs) - 1), "content");
    size_t i;
    json_t *b;
    json_array_foreach(content, i, b) {
        const char *type = json_string_value(json_object_get(b, "type"));
        if (type && strcmp(type, "tool_result") == 0)
            return b;
    }
    return NULL;
}

/* Read an Anthropic request into c: NULL, or the error message (static). */
static const char *read_chat(json_t *root, chat_in *c)
{
    json_t *msgs = json_object_get(root, "messages");
    if (!json_is_array(msgs) || !json_array_size(msgs))
        return "messages: at least one message is required";
    if (!json_is_integer(json_object_get(root, "max_tokens")))
        return "max_tokens: Field required";
    const char *m = json_string_value(json_object_get(root, "model"));
    c->model = m ? m : "claude-fake";
    c->stream = json_is_true(json_object_get(root, "stream"));
    sbuf all = {0}, user = {0}, reply = {0};
    size_t i;
    json_t *msg;
    json_array_foreach(msgs, i, msg) {
        const char *role = json_string_value(json_object_get(msg, "role"));
        sbuf t = {0};
        blocks_text(json_object_get(msg, "content"), &t);
        if (t.p) {
            up_sb_add(&all, " ", 1);
            up_sb_add(&all, t.p, t.len);
            if (role && strcmp(role, "user") == 0) {
                user.len = 0;
                up_sb_add(&user, t.p, t.len);
            }
        }
        free(t.p);
    }
    json_t *result = last_tool_result(msgs);
    if (result) {
        up_sb_add(&reply, "The tool said: ", 15);
        sbuf t = {0};
        blocks_text(json_object_get(result, "content"), &t);
        if (t.p)
            up_sb_add(&reply, t.p, t.len);
        free(t.p);
    } else {
        up_sb_add(&reply, "You said: ", 10);
        if (user.p)
            up_sb_add(&reply, user.p, user.len);
    }
    c->reply = reply.p;
    json_t *tools = json_object_get(root, "tools");
    if (!result && json_array_size(tools) && user.p && strcasestr(user.p, "weather")) {
        const char *name = json_string_value(json_object_get(json_array_get(tools, 0), "name"));
        c->tool = name ? name : "tool";
    }
    c->prompt_tokens = all.p ? up_count_words(all.p) : 0;
    c->completion_tokens = c->tool ? 5 : up_count_words(c->reply);
    free(all.p);
    free(user.p);
    return NULL;
}

static int whole(int fd, const chat_in *c, bool keep)
{
    json_t *content = c->tool ? json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "type", "tool_use", "id",
                                          "toolu_1", "name", c->tool, "input", "city", "Paris")
                              : json_pack("[{s:s, s:s}]", "type", "text", "text", c->reply);
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:n, s:{s:I, s:I}}", "id", "msg_1",
                            "type", "message", "role", "assistant", "model", c->model, "content",
                            content, "stop_reason", c->tool ? "tool_use" : "end_turn",
                            "stop_sequence", "usage", "input_tokens", (json_int_t)c->prompt_tokens,
                            "output_tokens", (json_int_t)c->completion_tokens);
    return up_reply_json(fd, 200, obj, keep);
}

/* "event: <name>\ndata: <json>\n\n" */
static int event(up_stream *s, const char *name, json_t *data)
{
    char prefix[96];
    snprintf(prefix, sizeof prefix, "event: %s\ndata: ", name);
    return up_stream_send_json(s, prefix, data, "\n\n");
}

static int block_events(up_stream *s, const chat_in *c)
{
    int rc;
    if (c->tool) {
        rc = event(s, "content_block_start",
                   json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:{}}}", "type", "content_block_start",
                             "index", 0, "content_block", "type", "tool_use", "id", "toolu_1",
                             "name", c->tool, "input"));
        rc = rc ? rc : event(s, "ping", json_pack("{s:s}", "type", "ping"));
        static const char *const frags[] = {"{\"ci", "ty\": \"Pa", "ris\"}"};
        for (size_t i = 0; !rc && i < 3; i++)
            rc = event(s, "content_block_delta",
                       json_pack("{s:s, s:i, s:{s:s, s:s}}", "type", "content_block_delta", "index",
                                 0, "delta", "type", "input_json_delta", "partial_json", frags[i]));
        return rc;
    }
    rc = event(s, "content_block_start",
               json_pack("{s:s, s:i, s:{s:s, s:s}}", "type", "content_block_start", "index", 0,
                         "content_block", "type", "text", "text", ""));
    rc = rc ? rc : event(s, "ping", json_pack("{s:s}", "type", "ping"));
    for (const char *p = c->reply; !rc && *p;) {
        size_t n = up_piece_len(p, strlen(p));
        rc = event(s, "content_block_delta",
                   json_pack("{s:s, s:i, s:{s:s, s:s%}}", "type", "content_block_delta", "index", 0,
                             "delta", "type", "text_delta", "text", p, n));
        p += n;
    }
    return rc;
}

static int streamed(int fd, const chat_in *c, const plan *pl)
{
    up_stream s;
    if (up_stream_begin(&s, fd, pl, "text/event-stream"))
        return -1;
    if (pl->malformed) {
        static const char cut[] = "event: message_start\ndata: {\"type\":\"message_start\",\"mes\n\n";
        return up_stream_send(&s, cut, sizeof cut - 1) || up_stream_end(&s) ? -1 : 0;
    }
    int rc = event(&s, "message_start",
                   json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:[], s:n, s:n, s:{s:I, s:i}}}", "type",
                             "message_start", "message", "id", "msg_1", "type", "message", "role",
                             "assistant", "model", c->model, "content", "stop_reason",
                             "stop_sequence", "usage", "input_tokens",
                             (json_int_t)c->prompt_tokens, "output_tokens", 1));
    rc = rc ? rc : block_events(&s, c);
    rc = rc ? rc : event(&s, "content_block_stop",
                         json_pack("{s:s, s:i}", "type", "content_block_stop", "index", 0));
    rc = rc ? rc : event(&s, "message_delta",
                         json_pack("{s:s, s:{s:s, s:n}, s:{s:I}}", "type", "message_delta", "delta",
                                   "stop_reason", c->tool ? "tool_use" : "end_turn",
                                   "stop_sequence", "usage", "output_tokens",
                                   (json_int_t)c->completion_tokens));
    rc = rc ? rc : event(&s, "message_stop", json_pack("{s:s}", "type", "message_stop"));
    return rc ? -1 : up_stream_end(&s);
}

static int messages(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    if (!upstream_request_header(rq, "anthropic-version"))
        return up_reply_json(fd, 400,
                             up_anthropic_error(400, "anthropic-version: header is required"), keep);
    json_t *root = up_load_object(rq);
    if (!root)
        return up_reply_json(fd, 400, up_anthropic_error(400, "There was an issue with the JSON body"),
                             keep);
    chat_in c = {0};
    const char *why = read_chat(root, &c);
    int rc;
    if (why)
        rc = up_reply_json(fd, 400, up_anthropic_error(400, why), keep);
    else if (c.stream)
        rc = streamed(fd, &c, pl);
    else if (pl->malformed)
        rc = up_reply(fd, 200, NULL, BROKEN, sizeof BROKEN - 1, keep);
    else
        rc = whole(fd, &c, keep);
    free(c.reply);
    json_decref(root);
    return rc;
}

int up_anthropic_handle(int fd, const upstream_request *rq, const plan *pl, bool keep,
                        bool authorized)
{
    size_t plen = strcspn(rq->path, "?");
    bool post = strcmp(rq->method, "POST") == 0;
    if (!authorized)
        return up_reply_json(fd, 401, up_anthropic_error(401, "invalid x-api-key"), keep);
    if (post && plen == 12 && memcmp(rq->path, "/v1/messages", 12) == 0)
        return messages(fd, rq, pl, keep);
    if (!post && plen == 10 && memcmp(rq->path, "/v1/models", 10) == 0)
        return up_reply_json(fd, 200,
                             json_pack("{s:[{s:s, s:s, s:s, s:s}], s:b, s:s, s:s}", "data", "type",
                                       "model", "id", "claude-fake", "display_name", "Fake",
                                       "created_at", "2024-01-01T00:00:00Z", "has_more", 0,
                                       "first_id", "claude-fake", "last_id", "claude-fake"),
                             keep);
    return up_reply_json(fd, 404, up_anthropic_error(404, "Not found"), keep);
}
