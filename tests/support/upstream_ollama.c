/*
** upstream_ollama.c — the test upstream's Ollama flavour
** (upstream_start_as(UPSTREAM_OLLAMA)): /api/chat, /api/generate,
** /api/embed and /api/tags in the wire format shared/docs/peers.md §2
** records (NDJSON streams), with the replies of the OpenAI flavour.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upstream_int.h"

#define CREATED_AT "2024-01-01T00:00:00Z"

static const char BROKEN[] = "{\"model\":\"m\",\"created_at\":\"2024-01-01T00:0";

json_t *up_ollama_error(int status, const char *message)
{
    if (!message)
        message = status == 404   ? "model not found, try pulling it first"
                  : status == 429 ? "too many requests"
                  : status >= 500 ? "an internal error occurred"
                                  : "bad request";
    return json_pack("{s:s}", "error", message);
}

/* The counters of a final object. */
static void add_stats(json_t *obj, size_t in, size_t out)
{
    json_t *stats = json_pack("{s:i, s:i, s:I, s:i, s:I, s:i}", "total_duration", 1000,
                              "load_duration", 10, "prompt_eval_count", (json_int_t)in,
                              "prompt_eval_duration", 100, "eval_count", (json_int_t)out,
                              "eval_duration", 200);
    json_object_update(obj, stats);
    json_decref(stats);
}

static json_t *message_obj(const chat_in *c, const char *content, size_t n, bool with_tool)
{
    json_t *m = json_pack("{s:s, s:s%}", "role", "assistant", "content", content, n);
    if (with_tool)
        json_object_set_new(m, "tool_calls",
                            json_pack("[{s:{s:s, s:{s:s}}}]", "function", "name", c->tool,
                                      "arguments", "city", "Paris"));
    return m;
}

static json_t *line(const chat_in *c, json_t *message, bool done)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:b}", "model", c->model, "created_at", CREATED_AT,
                          "message", message, "done", done);
    if (done) {
        json_object_set_new(o, "done_reason", json_string("stop"));
        add_stats(o, c->prompt_tokens, c->completion_tokens);
    }
    return o;
}

static int chat_stream(int fd, const chat_in *c, const plan *pl)
{
    up_stream s;
    if (up_stream_begin(&s, fd, pl, "application/x-ndjson"))
        return -1;
    if (pl->malformed)
        return up_stream_send(&s, BROKEN, sizeof BROKEN - 1) || up_stream_end(&s) ? -1 : 0;
    int rc = 0;
    if (c->tool) {
        rc = up_stream_send_json(&s, "", line(c, message_obj(c, "", 0, true), false), "\n");
    } else {
        for (const char *p = c->reply; !rc && *p;) {
            size_t n = up_piece_len(p, strlen(p));
            rc = up_stream_send_json(&s, "", line(c, message_obj(c, p, n, false), false), "\n");
            p += n;
        }
    }
    rc = rc ? rc : up_stream_send_json(&s, "", line(c, message_obj(c, "", 0, false), true), "\n");
    return rc ? -1 : up_stream_end(&s);
}

static int chat(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    json_t *root = up_load_object(rq);
    if (!root)
        return up_reply_json(fd, 400, up_ollama_error(400, "invalid JSON body"), keep);
    chat_in c = {0};
    sbuf text = {0};
    json_t *err = up_chat_read(root, &c, &text);
    int rc;
    /* Ollama streams unless "stream": false. */
    c.stream = !json_is_false(json_object_get(root, "stream"));
    const char *model = json_string_value(json_object_get(root, "model"));
    c.model = model ? model : "fake:latest";
    if (err) {
        const char *m = json_string_value(json_object_get(json_object_get(err, "error"), "message"));
        rc = up_reply_json(fd, 400, up_ollama_error(400, m), keep);
        json_decref(err);
    } else if (c.stream) {
        rc = chat_stream(fd, &c, pl);
    } else if (pl->malformed) {
        rc = up_reply(fd, 200, NULL, BROKEN, sizeof BROKEN - 1, keep);
    } else {
        json_t *m = message_obj(&c, c.tool ? "" : c.reply, c.tool ? 0 : strlen(c.reply), c.tool);
        rc = up_reply_json(fd, 200, line(&c, m, true), keep);
    }
    free(c.reply);
    free(text.p);
    json_decref(root);
    return rc;
}

static int generate(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    json_t *root = up_load_object(rq);
    const char *prompt = json_string_value(json_object_get(root, "prompt"));
    const char *model = json_string_value(json_object_get(root, "model"));
    if (!prompt) {
        json_decref(root);
        return up_reply_json(fd, 400, up_ollama_error(400, "prompt is required"), keep);
    }
    sbuf t = {0};
    up_sb_add(&t, "You said: ", 10);
    up_sb_add(&t, prompt, strlen(prompt));
    size_t in = up_count_words(prompt), out = up_count_words(t.p);
    json_t *final = json_pack("{s:s, s:s, s:s, s:b, s:s}", "model", model ? model : "fake:latest",
                              "created_at", CREATED_AT, "response", "", "done", 1, "done_reason",
                              "stop");
    add_stats(final, in, out);
    int rc;
    if (json_is_false(json_object_get(root, "stream"))) {
        json_object_set_new(final, "response", json_string(t.p));
        rc = pl->malformed ? up_reply(fd, 200, NULL, BROKEN, sizeof BROKEN - 1, keep)
                           : up_reply_json(fd, 200, final, keep);
        final = NULL;
    } else {
        up_stream s;
        rc = up_stream_begin(&s, fd, pl, "application/x-ndjson");
        for (const char *p = t.p; !rc && *p;) {
            size_t n = up_piece_len(p, strlen(p));
            rc = up_stream_send_json(&s, "",
                                     json_pack("{s:s, s:s, s:s%, s:b}", "model",
                                               model ? model : "fake:latest", "created_at",
                                               CREATED_AT, "response", p, n, "done", 0),
                                     "\n");
            p += n;
        }
        rc = rc ? rc : up_stream_send_json(&s, "", final, "\n");
        final = NULL;
        rc = rc ? -1 : up_stream_end(&s);
    }
    json_decref(final);
    free(t.p);
    json_decref(root);
    return rc;
}

static int embed(int fd, const upstream_request *rq, bool keep)
{
    json_t *root = up_load_object(rq), *input = json_object_get(root, "input");
    if (!input || (json_is_array(input) && !json_array_size(input))) {
        json_decref(root);
        return up_reply_json(fd, 400, up_ollama_error(400, "input is required"), keep);
    }
    bool batch = json_is_array(input);
    size_t n = batch ? json_array_size(input) : 1, tokens = 0;
    json_t *embs = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *in = batch ? json_array_get(input, i) : input;
        tokens += json_is_string(in) ? up_count_words(json_string_value(in)) : 0;
        json_array_append_new(embs, up_embedding(in, 8, false));
    }
    const char *m = json_string_value(json_object_get(root, "model"));
    json_t *obj = json_pack("{s:s, s:o, s:i, s:i, s:I}", "model", m ? m : "fake:latest",
                            "embeddings", embs, "total_duration", 1, "load_duration", 1,
                            "prompt_eval_count", (json_int_t)tokens);
    json_decref(root);
    return up_reply_json(fd, 200, obj, keep);
}

static int tags(int fd, bool keep)
{
    return up_reply_json(
        fd, 200,
        json_pack("{s:[{s:s, s:s, s:s, s:i, s:s, s:{s:s, s:s, s:[s], s:s, s:s}}]}", "models",
                  "name", "fake:latest", "model", "fake:latest", "modified_at", CREATED_AT, "size",
                  1, "digest", "abc", "details", "format", "gguf", "family", "llama", "families",
                  "llama", "parameter_size", "1B", "quantization_level", "Q4_0"),
        keep);
}

int up_ollama_handle(int fd, const upstream_request *rq, const plan *pl, bool keep)
{
    size_t plen = strcspn(rq->path, "?");
    bool post = strcmp(rq->method, "POST") == 0;
#define IS(p) (plen == sizeof(p) - 1 && memcmp(rq->path, p, plen) == 0)
    if (post && IS("/api/chat"))
        return chat(fd, rq, pl, keep);
    if (post && IS("/api/generate"))
        return generate(fd, rq, pl, keep);
    if (post && IS("/api/embed"))
        return embed(fd, rq, keep);
    if (!post && IS("/api/tags"))
        return tags(fd, keep);
#undef IS
    return up_reply_json(fd, 404, up_ollama_error(404, "404 page not found"), keep);
}
