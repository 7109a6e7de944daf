/*
** offline.c — a deterministic provider that needs no network and no key:
** the demo provider of examples/plinth.toml and a fixture for the host's
** tests. It implements the direct members (chat, complete, embed,
** list_models), so plinth calls it instead of sending HTTP.
**
** Behaviour, all of it a pure function of the request:
** - chat answers "You said: <the last user text>";
** - when the request offers tools and the last user text names one, it
**   calls that tool with {"input": "<the user text>"};
** - when the last message carries a tool result, it answers
**   "The tool said: <the result text>";
** - with "stream": true it emits the answer word by word, pausing
**   delay_ms between words (for demos), and stops when cancelled;
** - tokens are words: usage counts the words of the messages and reply;
** - embed maps each text to an 8-dimensional unit vector from its hash.
*/
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plinth_plugin.h"

#if defined(__GNUC__) || defined(__clang__)
#  define OFF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define OFF_PRINTF(f, a)
#endif

#define OFF_DIMS 8
#define OFF_CALL_ID "call_offline_1"

static const char config_schema[] =
    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"offline provider configuration\",\"type\":\"object\","
    "\"properties\":{"
    "\"model\":{\"type\":\"string\",\"enum\":[\"echo-1\",\"echo-2\"],\"default\":\"echo-1\"},"
    "\"system\":{\"anyOf\":[{\"type\":\"string\"},"
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}],"
    "\"description\":\"Accepted for compatibility; the replies ignore it\"},"
    "\"delay_ms\":{\"type\":\"integer\",\"minimum\":0,\"default\":0,"
    "\"description\":\"Pause between streamed words, for demos\"}"
    "},"
    "\"additionalProperties\":false}";

typedef struct offline {
    const pl_host_api *host;
    char model[8];
    long delay_ms;
} offline;

static int off_fail(const pl_host_api *host, pl_plugin_sink *sink, uint32_t kind,
                    const char *fmt, ...) OFF_PRINTF(4, 5);

static int off_fail(const pl_host_api *host, pl_plugin_sink *sink, uint32_t kind,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return host->error(sink, kind, msg);
}

/* ---- configuration ------------------------------------------------------ */

/* model and delay_ms from a config object (the init config or a request's
** overrides) into o; the fields it lacks stay as they are. */
static int read_config(offline *o, const json_t *cfg, pl_plugin_sink *sink, uint32_t kind)
{
    const json_t *model = json_object_get(cfg, "model");
    const json_t *delay = json_object_get(cfg, "delay_ms");
    const json_t *sys = json_object_get(cfg, "system");
    if (model && !json_is_null(model)) {
        const char *m = json_string_value(model);
        if (!m || (strcmp(m, "echo-1") != 0 && strcmp(m, "echo-2") != 0))
            return off_fail(o->host, sink, kind,
                            "config 'model' must be \"echo-1\" or \"echo-2\"");
        snprintf(o->model, sizeof o->model, "%s", m);
    }
    if (delay && !json_is_null(delay)) {
        if (!json_is_integer(delay) || json_integer_value(delay) < 0 ||
            json_integer_value(delay) > 60000)
            return off_fail(o->host, sink, kind,
                            "config 'delay_ms' must be an integer from 0 to 60000");
        o->delay_ms = (long)json_integer_value(delay);
    }
    if (sys && !json_is_null(sys) && !json_is_string(sys) && !json_is_array(sys))
        return off_fail(o->host, sink, kind,
                        "config 'system' must be a string or an array of strings");
    return 0;
}

static int off_init(const pl_host_api *host, const char *config_json, void **instance,
                    pl_plugin_sink *err)
{
    json_error_t je;
    json_t *cfg = json_loads(config_json ? config_json : "{}", 0, &je);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return off_fail(host, err, PL_PLUGIN_ERR_CONFIG, "config must be a JSON object");
    }
    offline *o = calloc(1, sizeof *o);
    if (!o) {
        json_decref(cfg);
        return off_fail(host, err, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    }
    o->host = host;
    snprintf(o->model, sizeof o->model, "echo-1");
    int rc = read_config(o, cfg, err, PL_PLUGIN_ERR_CONFIG);
    json_decref(cfg);
    if (rc != 0) {
        free(o);
        return -1;
    }
    *instance = o;
    return 0;
}

static void off_shutdown(void *instance) { free(instance); }

/* ---- helpers ------------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static long count_words(const char *s)
{
    long n = 0;
    for (bool in = false; s && *s; s++) {
        if (!is_space(*s) && !in)
            n++;
        in = !is_space(*s);
    }
    return n;
}

/* The text parts of a Content array joined by spaces (new string). */
static char *content_text(const json_t *content)
{
    size_t total = 1;
    for (size_t i = 0; i < json_array_size(content); i++)
        total += json_string_length(json_object_get(json_array_get(content, i), "text")) + 1;
    char *out = malloc(total), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < json_array_size(content); i++) {
        const json_t *c = json_array_get(content, i);
        const json_t *t = json_object_get(c, "text");
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!json_is_string(t) || !type || strcmp(type, "text") != 0)
            continue;
        if (w != out)
            *w++ = ' ';
        memcpy(w, json_string_value(t), json_string_length(t));
        w += json_string_length(t);
    }
    *w = '\0';
    return out;
}

/* The words of every text and tool result in the conversation. */
static long conversation_words(const json_t *msgs)
{
    long n = 0;
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        const json_t *content = json_object_get(json_array_get(msgs, i), "content");
        for (size_t j = 0; j < json_array_size(content); j++) {
            const json_t *c = json_array_get(content, j);
            n += count_words(json_string_value(json_object_get(c, "text")));
            char *r = content_text(json_object_get(c, "content")); /* tool_result */
            n += count_words(r);
            free(r);
        }
    }
    return n;
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

static int write_json(const pl_host_api *host, pl_plugin_sink *out, json_t *v, size_t flags)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | flags) : NULL;
    json_decref(v);
    if (!text)
        return off_fail(host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = host->write(out, text, strlen(text));
    free(text);
    return rc == 0 ? 0 : -1;
}

/* ---- the reply ----------------------------------------------------------- */

typedef struct reply {
    char *text;       /* the answer, or NULL for a tool call */
    const char *tool; /* the tool called (borrowed from the request) */
    char *args;       /* its arguments as JSON text */
    const char *finish;
    long in_words, out_words;
} reply;

static void reply_free(reply *r)
{
    free(r->text);
    free(r->args);
}

/* The tool result of the last message, if it has one. */
static const json_t *last_tool_result(const json_t *msgs)
{
    const json_t *content = json_object_get(json_array_get(msgs, json_array_size(msgs) - 1),
                                            "content");
    for (size_t i = 0; i < json_array_size(content); i++) {
        const json_t *c = json_array_get(content, i);
        const char *type = json_string_value(json_object_get(c, "type"));
        if (type && strcmp(type, "tool_result") == 0)
            return c;
    }
    return NULL;
}

static char *last_user_text(const json_t *msgs)
{
    for (size_t i = json_array_size(msgs); i-- > 0;) {
        const json_t *m = json_array_get(msgs, i);
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && (strcmp(role, "User") == 0 || strcmp(role, "user") == 0))
            return content_text(json_object_get(m, "content"));
    }
    return strdup("");
}

/* The first offered tool whose name the text mentions. */
static const char *mentioned_tool(const json_t *tools, const char *text)
{
    for (size_t i = 0; i < json_array_size(tools); i++) {
        const json_t *fn = json_object_get(json_array_get(tools, i), "function");
        const char *name = json_string_value(json_object_get(fn, "name"));
        if (name && *name && strstr(text, name))
            return name;
    }
    return NULL;
}

static int build_reply(const json_t *root, reply *r)
{
    const json_t *msgs = json_object_get(root, "messages");
    memset(r, 0, sizeof *r);
    r->in_words = conversation_words(msgs);
    r->finish = "Stop";
    const json_t *result = last_tool_result(msgs);
    if (result) {
        char *t = content_text(json_object_get(result, "content"));
        r->text = t ? concat("The tool said: ", t) : NULL;
        free(t);
    } else {
        char *user = last_user_text(msgs);
        if (!user)
            return -1;
        r->tool = mentioned_tool(json_object_get(root, "tools"), user);
        if (r->tool) {
            json_t *a = json_pack("{s:s}", "input", user);
            r->args = a ? json_dumps(a, JSON_COMPACT) : NULL;
            json_decref(a);
            r->finish = "ToolCalls";
        } else {
            r->text = concat("You said: ", user);
        }
        free(user);
    }
    if (!r->text && !r->args)
        return -1;
    r->out_words = count_words(r->text ? r->text : r->args);
    return 0;
}

static json_t *usage_json(const reply *r)
{
    return json_pack("{s:I,s:I,s:i,s:i,s:i}", "input_tokens", (json_int_t)r->in_words,
                     "output_tokens", (json_int_t)r->out_words, "reasoning_tokens", 0,
                     "cache_read", 0, "cache_write", 0);
}

static json_t *tool_call_json(const reply *r)
{
    return json_pack("{s:s,s:s,s:{s:s,s:s}}", "id", OFF_CALL_ID, "type", "function", "function",
                     "name", r->tool, "arguments", r->args);
}

/* ---- streaming ----------------------------------------------------------- */

/* Sleep ms in short slices so a cancel is seen within 10 ms. */
static int pause_ms(const offline *o, long ms, pl_plugin_sink *out)
{
    while (ms > 0 && !o->host->cancelled(out)) {
        long step = ms < 10 ? ms : 10;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return o->host->cancelled(out) ? -1 : 0;
}

/* Emit one chunk (stolen). A refused chunk means cancelled or over a host
** limit; the host knows which, so nothing more is said. */
static int emit(const offline *o, pl_plugin_sink *out, json_t *chunk)
{
    if (o->host->cancelled(out)) {
        json_decref(chunk);
        return o->host->error(out, PL_PLUGIN_ERR_CANCELLED, "cancelled");
    }
    char *text = chunk ? json_dumps(chunk, JSON_COMPACT) : NULL;
    json_decref(chunk);
    if (!text)
        return off_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = o->host->emit(out, text, strlen(text));
    free(text);
    return rc == 0 ? 0 : -1;
}

/* Each word with the spaces after it: "You ", "said: ", "hi". */
static int stream_words(const offline *o, const char *text, pl_plugin_sink *out)
{
    for (const char *p = text; *p;) {
        const char *end = p;
        while (*end && !is_space(*end))
            end++;
        while (*end && is_space(*end))
            end++;
        if (p != text && o->delay_ms > 0 && pause_ms(o, o->delay_ms, out) != 0)
            return o->host->error(out, PL_PLUGIN_ERR_CANCELLED, "cancelled");
        char *word = strndup(p, (size_t)(end - p));
        json_t *chunk = word ? json_pack("{s:s}", "text", word) : NULL;
        free(word);
        if (emit(o, out, chunk) != 0)
            return -1;
        p = end;
    }
    return 0;
}

/* start, the arguments in two pieces (so consumers' joining is
** exercised), then the whole call. */
static int stream_tool(const offline *o, const reply *r, pl_plugin_sink *out)
{
    size_t n = strlen(r->args), half = n / 2;
    while (half < n && ((unsigned char)r->args[half] & 0xC0) == 0x80)
        half++; /* never split a UTF-8 sequence */
    char *first = strndup(r->args, half);
    if (!first)
        return off_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    int rc = emit(o, out,
                  json_pack("{s:{s:i,s:s,s:s}}", "tool_use_start", "index", 0, "id", OFF_CALL_ID,
                            "name", r->tool));
    if (rc == 0)
        rc = emit(o, out,
                  json_pack("{s:{s:i,s:s}}", "tool_use_input_delta", "index", 0, "partial_json",
                            first));
    if (rc == 0 && o->delay_ms > 0 && pause_ms(o, o->delay_ms, out) != 0)
        rc = o->host->error(out, PL_PLUGIN_ERR_CANCELLED, "cancelled");
    if (rc == 0)
        rc = emit(o, out,
                  json_pack("{s:{s:i,s:s}}", "tool_use_input_delta", "index", 0, "partial_json",
                            r->args + half));
    if (rc == 0)
        rc = emit(o, out,
                  json_pack("{s:{s:i,s:o}}", "tool_use_complete", "index", 0, "tool_call",
                            tool_call_json(r)));
    free(first);
    return rc;
}

static int stream_reply(const offline *o, const reply *r, pl_plugin_sink *out)
{
    int rc = r->text ? stream_words(o, r->text, out) : stream_tool(o, r, out);
    if (rc == 0)
        rc = emit(o, out, json_pack("{s:o}", "usage", usage_json(r)));
    if (rc == 0)
        rc = emit(o, out, json_pack("{s:{s:s}}", "done", "finish_reason", r->finish));
    return rc;
}

/* ---- direct members ------------------------------------------------------ */

/* Parse req_json; the instance settings overlaid with its "cfg" go to eff. */
static json_t *open_request(const offline *o, const char *req_json, offline *eff,
                            pl_plugin_sink *out)
{
    json_error_t je;
    json_t *root = json_loads(req_json ? req_json : "", 0, &je);
    if (!root) {
        off_fail(o->host, out, PL_PLUGIN_ERR_INVALID_REQUEST,
                 "request is not valid JSON at line %d column %d: %s", je.line,
                 je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        off_fail(o->host, out, PL_PLUGIN_ERR_INVALID_REQUEST,
                 "request must be a JSON object");
        return NULL;
    }
    *eff = *o;
    if (read_config(eff, json_object_get(root, "cfg"), out, PL_PLUGIN_ERR_INVALID_REQUEST) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static int off_chat(void *instance, const char *req_json, pl_plugin_sink *out)
{
    const offline *o = instance;
    offline eff;
    json_t *root = open_request(o, req_json, &eff, out);
    if (!root)
        return -1;
    if (!json_is_array(json_object_get(root, "messages"))) {
        json_decref(root);
        return off_fail(o->host, out, PL_PLUGIN_ERR_INVALID_REQUEST,
                        "the request has no \"messages\" array");
    }
    reply r;
    int rc = build_reply(root, &r);
    if (rc != 0)
        rc = off_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else if (json_is_true(json_object_get(json_object_get(root, "cfg"), "stream")))
        rc = stream_reply(&eff, &r, out);
    else
        rc = write_json(o->host, out,
                        json_pack("{s:s?,s:o?,s:n,s:o,s:s}", "text", r.text, "tool_calls",
                                  r.tool ? json_pack("[o]", tool_call_json(&r)) : NULL,
                                  "thinking", "usage", usage_json(&r), "finish_reason",
                                  r.finish),
                        0);
    reply_free(&r);
    json_decref(root);
    return rc;
}

static int off_list_models(void *instance, const char *req_json, pl_plugin_sink *out)
{
    const offline *o = instance;
    return write_json(o->host, out, json_pack("[ss]", "echo-1", "echo-2"), 0);
}

static int off_complete(void *instance, const char *req_json, pl_plugin_sink *out)
{
    const offline *o = instance;
    offline eff;
    json_t *root = open_request(o, req_json, &eff, out);
    if (!root)
        return -1;
    const char *prompt = json_string_value(json_object_get(json_object_get(root, "req"), "prompt"));
    int rc;
    if (!prompt) {
        rc = off_fail(o->host, out, PL_PLUGIN_ERR_INVALID_REQUEST,
                      "the completion request has no \"req\".\"prompt\" string");
    } else {
        char *text = concat(prompt, " ... (offline)");
        rc = text ? write_json(o->host, out, json_pack("{s:s}", "text", text), 0)
                  : off_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
        free(text);
    }
    json_decref(root);
    return rc;
}

/* splitmix64: spreads one hash into independent-looking coordinates. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

/* FNV-1a of the text, spread over OFF_DIMS coordinates in [-1, 1), then
** scaled to unit length. */
static json_t *embed_one(const char *s, size_t n)
{
    uint64_t h = 0xCBF29CE484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001B3u;
    double v[OFF_DIMS], norm = 0;
    for (int i = 0; i < OFF_DIMS; i++) {
        v[i] = (double)(mix64(h + (uint64_t)i) >> 11) * 0x1.0p-52 - 1.0;
        norm += v[i] * v[i];
    }
    norm = sqrt(norm);
    json_t *arr = json_array();
    for (int i = 0; arr && i < OFF_DIMS; i++) {
        double x = norm > 0 ? v[i] / norm : (i == 0);
        if (json_array_append_new(arr, json_real((float)x)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

static int off_embed(void *instance, const char *req_json, pl_plugin_sink *out)
{
    const offline *o = instance;
    offline eff;
    json_t *root = open_request(o, req_json, &eff, out);
    if (!root)
        return -1;
    const json_t *inputs = json_object_get(root, "inputs");
    json_t *vecs = json_is_array(inputs) ? json_array() : NULL;
    int rc = json_is_array(inputs) ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < json_array_size(inputs); i++) {
        const json_t *t = json_array_get(inputs, i);
        if (!json_is_string(t))
            rc = 1;
        else if (!vecs || json_array_append_new(
                              vecs, embed_one(json_string_value(t), json_string_length(t))) != 0)
            rc = -1;
    }
    if (rc == 1)
        rc = off_fail(o->host, out, PL_PLUGIN_ERR_INVALID_REQUEST,
                      "the embedding request needs an \"inputs\" array of strings");
    else if (rc != 0)
        rc = off_fail(o->host, out, PL_PLUGIN_ERR_PLUGIN, "out of memory");
    else /* nine digits round-trip a float32 */
        rc = write_json(o->host, out, json_incref(vecs), JSON_REAL_PRECISION(9));
    json_decref(vecs);
    json_decref(root);
    return rc;
}

static const pl_plugin_vtable off_vtable = {
    PL_PLUGIN_HEADER("offline", "0.1.0"),
    .id = "dev.plinth.offline",
    .description = "A deterministic echo provider: no network, no key",
    .requires_version = ">=0.1.0, <1.0.0",
    .kind = PL_PLUGIN_KIND_PROVIDER,
    .wire_version = PL_PLUGIN_WIRE_VERSION,
    .init = off_init,
    .shutdown = off_shutdown,
    .config_schema = config_schema,
    .stream_framing = PL_PLUGIN_FRAMING_SSE,
    .list_models = off_list_models,
    .chat = off_chat,
    .complete = off_complete,
    .embed = off_embed,
};

PL_DECLARE_PLUGIN(off_vtable)
