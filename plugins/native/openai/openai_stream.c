/*
** openai_stream.c — the streaming parser: Chat Completions chunks (one SSE
** event's data per call; the host does the SSE framing) to wire
** StreamChunks.
**
** OpenAI streams a tool call as a first fragment with index, id and name,
** then argument fragments under the same index, and says it is over only
** with finish_reason (or not at all, if the stream is cut). So the parser
** keeps every call's arguments until then and emits tool_use_complete
** with the whole call. The usage chunk (stream_options.include_usage)
** comes after finish_reason and before [DONE]; "done" is emitted last, at
** [DONE] or in stream_finish.
*/
#include <stdlib.h>
#include <string.h>

#include "openai_int.h"

typedef struct oai_tool {
    json_int_t index; /* OpenAI's index, also the wire index */
    char *id, *name;
    char *args;
    size_t args_len, args_cap;
    bool started, completed;
} oai_tool;

typedef struct oai_stream {
    const pl_host_api *host;
    oai_tool *tools;
    size_t n_tools, cap_tools;
    const char *finish; /* wire FinishReason once seen (static text) */
    bool done;          /* {"done"} went out: ignore anything after */
} oai_stream;

/* The parser needs nothing from the request: the host already sent it
** (built by chat_request with "stream": true). */
int oai_stream_start(void *instance, const char *req_json, void **parser, pl_plugin_sink *err)
{
    const oai *o = instance;
    oai_stream *st = calloc(1, sizeof *st);
    if (!st)
        return oai_fail(o->host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    st->host = o->host;
    *parser = st;
    return 0;
}

void oai_stream_close(void *parser)
{
    oai_stream *st = parser;
    if (!st)
        return;
    for (size_t i = 0; i < st->n_tools; i++) {
        free(st->tools[i].id);
        free(st->tools[i].name);
        free(st->tools[i].args);
    }
    free(st->tools);
    free(st);
}

/* Emit one chunk (stolen). A refused chunk means the caller cancelled or
** the host hit a limit; it knows which, so no error is recorded here. */
static int emit(oai_stream *st, pl_plugin_sink *chunks, json_t *chunk)
{
    char *text = chunk ? json_dumps(chunk, JSON_COMPACT) : NULL;
    json_decref(chunk);
    if (!text)
        return oai_fail(st->host, chunks, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = st->host->emit(chunks, text, strlen(text));
    free(text);
    return rc == 0 ? 0 : -1;
}

static oai_tool *tool_at(oai_stream *st, json_int_t index)
{
    for (size_t i = 0; i < st->n_tools; i++)
        if (st->tools[i].index == index)
            return &st->tools[i];
    if (st->n_tools == st->cap_tools) {
        size_t cap = st->cap_tools ? st->cap_tools * 2 : 4;
        oai_tool *t = realloc(st->tools, cap * sizeof *t);
        if (!t)
            return NULL;
        st->tools = t;
        st->cap_tools = cap;
    }
    oai_tool *t = &st->tools[st->n_tools++];
    memset(t, 0, sizeof *t);
    t->index = index;
    return t;
}

static int append_args(oai_tool *t, const char *s, size_t n)
{
    if (t->args_len + n + 1 > t->args_cap) {
        size_t cap = t->args_cap ? t->args_cap : 64;
        while (cap < t->args_len + n + 1)
            cap *= 2;
        char *a = realloc(t->args, cap);
        if (!a)
            return -1;
        t->args = a;
        t->args_cap = cap;
    }
    memcpy(t->args + t->args_len, s, n);
    t->args_len += n;
    t->args[t->args_len] = '\0';
    return 0;
}

/* Keep the first non-empty value: later fragments repeat nothing in
** OpenAI's streams, but some compatible servers resend id and name. */
static int remember(char **slot, const json_t *v)
{
    const char *s = json_string_value(v);
    if (*slot || !s || !*s)
        return 0;
    *slot = strdup(s);
    return *slot ? 0 : -1;
}

/* One delta.tool_calls[] fragment. */
static int tool_fragment(oai_stream *st, const json_t *frag, size_t pos, pl_plugin_sink *chunks)
{
    const json_t *ix = json_object_get(frag, "index");
    oai_tool *t = tool_at(st, json_is_integer(ix) ? json_integer_value(ix) : (json_int_t)pos);
    const json_t *fn = json_object_get(frag, "function");
    if (!t || remember(&t->id, json_object_get(frag, "id")) != 0 ||
        remember(&t->name, json_object_get(fn, "name")) != 0)
        return oai_fail(st->host, chunks, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    if (t->completed)
        return 0;
    if (!t->started) {
        t->started = true;
        int rc = emit(st, chunks,
                      json_pack("{s:{s:I,s:s,s:s}}", "tool_use_start", "index", t->index, "id",
                                t->id ? t->id : "", "name", t->name ? t->name : ""));
        if (rc != 0)
            return rc;
    }
    const char *args = json_string_value(json_object_get(fn, "arguments"));
    if (!args || !*args)
        return 0;
    if (append_args(t, args, strlen(args)) != 0)
        return oai_fail(st->host, chunks, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    return emit(st, chunks,
                json_pack("{s:{s:I,s:s}}", "tool_use_input_delta", "index", t->index,
                          "partial_json", args));
}

static int complete_tools(oai_stream *st, pl_plugin_sink *chunks)
{
    for (size_t i = 0; i < st->n_tools; i++) {
        oai_tool *t = &st->tools[i];
        if (t->completed)
            continue;
        t->completed = true;
        json_t *call = oai_tool_call(t->id, t->name, t->args);
        int rc = emit(st, chunks,
                      call ? json_pack("{s:{s:I,s:o}}", "tool_use_complete", "index", t->index,
                                       "tool_call", call)
                           : NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int finish_stream(oai_stream *st, pl_plugin_sink *chunks)
{
    if (st->done)
        return 0;
    int rc = complete_tools(st, chunks);
    st->done = true;
    if (rc != 0)
        return rc;
    return emit(st, chunks,
                json_pack("{s:{s:s}}", "done", "finish_reason",
                          st->finish ? st->finish : "Unknown"));
}

static int text_chunk(oai_stream *st, pl_plugin_sink *chunks, const char *key, const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s)
        return 0;
    return emit(st, chunks, json_pack("{s:s}", key, s));
}

/* choices[0]: its delta, then its finish_reason. */
static int handle_choice(oai_stream *st, const json_t *choice, pl_plugin_sink *chunks)
{
    const json_t *delta = json_object_get(choice, "delta");
    int rc = text_chunk(st, chunks, "thinking", json_object_get(delta, "reasoning_content"));
    if (rc == 0)
        rc = text_chunk(st, chunks, "text", json_object_get(delta, "content"));
    const json_t *calls = json_object_get(delta, "tool_calls");
    for (size_t i = 0; rc == 0 && i < json_array_size(calls); i++)
        rc = tool_fragment(st, json_array_get(calls, i), i, chunks);
    const json_t *fr = json_object_get(choice, "finish_reason");
    if (rc == 0 && fr && !json_is_null(fr)) {
        st->finish = oai_finish_reason(fr);
        rc = complete_tools(st, chunks);
    }
    return rc;
}

/* The choice with index 0 (n > 1 is not streamed to the wire format). */
static const json_t *first_choice(const json_t *root)
{
    const json_t *choices = json_object_get(root, "choices");
    for (size_t i = 0; i < json_array_size(choices); i++) {
        const json_t *c = json_array_get(choices, i);
        const json_t *ix = json_object_get(c, "index");
        if (!ix || json_integer_value(ix) == 0)
            return c;
    }
    return NULL;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int oai_stream_event(void *parser, const char *data, size_t len, pl_plugin_sink *chunks)
{
    oai_stream *st = parser;
    while (len && is_space(*data)) {
        data++;
        len--;
    }
    while (len && is_space(data[len - 1]))
        len--;
    if (st->done || len == 0)
        return 0;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        return finish_stream(st, chunks);
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root)
        return oai_fail(st->host, chunks, PL_PLUGIN_ERR_RESPONSE,
                        "stream event is not valid JSON at line %d column %d: %s", je.line,
                        je.column, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return oai_fail(st->host, chunks, PL_PLUGIN_ERR_RESPONSE,
                        "stream event is not a JSON object");
    }
    const json_t *e = json_object_get(root, "error");
    int rc;
    if (e && !json_is_null(e)) {
        rc = oai_report_error(st->host, chunks, 0, e, -1, "the stream reported an error");
    } else {
        const json_t *choice = first_choice(root);
        rc = choice ? handle_choice(st, choice, chunks) : 0;
        const json_t *u = json_object_get(root, "usage");
        if (rc == 0 && json_is_object(u))
            rc = emit(st, chunks, json_pack("{s:o}", "usage", oai_usage(u)));
    }
    json_decref(root);
    return rc;
}

int oai_stream_finish(void *parser, pl_plugin_sink *chunks)
{
    return finish_stream(parser, chunks);
}
