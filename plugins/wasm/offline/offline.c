/*
** offline.c — the deterministic provider of plugins/native/offline as a
** Wasm plugin, on QueryMT's OLDER export set (the plugin answers itself,
** no HTTP): name, api_key_name, config_schema, from_config, base_url,
** init_logging, supports_streaming, list_models, chat, chat_stream (which
** pushes each chunk with the host function qmt_yield_chunk and returns no
** output), embed and complete. So both export sets are exercised.
**
** The replies are the native plugin's, a pure function of the request:
** - chat answers "You said: <the last user text>";
** - when the request offers tools and that text names one, it calls the
**   tool with {"input": "<the user text>"};
** - when the last message carries a tool result: "The tool said: <its text>";
** - chat_stream sends the answer word by word ("You ", "said: ", ...),
**   pausing delay_ms between words (WASI poll_oneoff, through nanosleep);
** - tokens are words: usage counts the words of the messages and the reply;
** - embed maps each text to an 8-dimensional unit vector from its hash.
*/
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include <math.h>
#include <time.h>

#include "plinth_pdk.h"

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

/* "stream" and "api_key" are what hosts add to every config. */
static const pdk_cfg_key cfg_keys[] = {
    {"model", PDK_CFG_STRING, 0, 0},
    {"delay_ms", PDK_CFG_INT, 0, 60000},
    {"system", PDK_CFG_STRINGS, 0, 0},
    {"stream", PDK_CFG_BOOL, 0, 0},
};

PDK_PROVIDER_INFO("offline", "", "", config_schema)

/* The config checks of the native plugin (model, delay_ms, system). */
static int32_t open_request(pdk_prov *p, bool cfg_is_root)
{
    int32_t rc = pdk_prov_open(p, cfg_keys, sizeof cfg_keys / sizeof cfg_keys[0], cfg_is_root,
                               false);
    const char *m = pdk_prov_str(p, "model");
    if (rc == 0 && m && !pdk_streq(m, "echo-1") && !pdk_streq(m, "echo-2"))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "config 'model' must be \"echo-1\" or \"echo-2\"");
    return rc;
}

PL_EXPORT(from_config)
{
    pdk_prov p;
    int32_t rc = open_request(&p, true);
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_value(&out, p.in.root);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}

PL_EXPORT(supports_streaming) { return pdk_output_str("true"); }
PL_EXPORT(list_models) { return pdk_output_str("[\"echo-1\",\"echo-2\"]"); }

/* ---- the reply ------------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static uint32_t count_words(const char *s, size_t n)
{
    uint32_t words = 0;
    for (size_t i = 0; i < n; i++)
        words += !is_space(s[i]) && (i == 0 || is_space(s[i - 1]));
    return words;
}

/* The words of every text and tool result in the conversation. */
static uint32_t conversation_words(const pdk_jv *msgs)
{
    uint32_t n = 0;
    for (size_t i = 0; i < pdk_jv_len(msgs); i++) {
        const pdk_jv *content = pdk_jv_get(pdk_jv_at(msgs, i), "content");
        for (size_t j = 0; j < pdk_jv_len(content); j++) {
            const pdk_jv *c = pdk_jv_at(content, j), *t = pdk_jv_get(c, "text");
            n += count_words(pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
            pdk_buf r = PDK_BUF_INIT;
            pdk_wire_text(&r, pdk_jv_get(c, "content"), " "); /* a tool_result */
            n += count_words(r.p ? r.p : "", r.len);
            pdk_buf_free(&r);
        }
    }
    return n;
}

typedef struct reply {
    pdk_buf text;     /* the answer, empty for a tool call */
    const char *tool; /* the tool called (borrowed from the request) */
    pdk_buf args;     /* its arguments as JSON text */
    const char *finish;
    pdk_usage usage;
} reply;

static const pdk_jv *last_tool_result(const pdk_jv *msgs)
{
    const pdk_jv *content = pdk_jv_get(pdk_jv_at(msgs, pdk_jv_len(msgs) - 1), "content");
    for (size_t i = 0; i < pdk_jv_len(content); i++)
        if (pdk_jv_streq(pdk_jv_get(pdk_jv_at(content, i), "type"), "tool_result"))
            return pdk_jv_at(content, i);
    return NULL;
}

static void last_user_text(const pdk_jv *msgs, pdk_buf *out)
{
    for (size_t i = pdk_jv_len(msgs); i-- > 0;) {
        const pdk_jv *m = pdk_jv_at(msgs, i), *role = pdk_jv_get(m, "role");
        if (pdk_jv_streq(role, "User") || pdk_jv_streq(role, "user")) {
            pdk_wire_text(out, pdk_jv_get(m, "content"), " ");
            return;
        }
    }
}

/* The first offered tool whose name the text mentions. */
static const char *mentioned_tool(const pdk_jv *tools, const pdk_buf *text)
{
    for (size_t i = 0; i < pdk_jv_len(tools); i++) {
        const char *name = pdk_jv_str(pdk_jv_get(pdk_jv_get(pdk_jv_at(tools, i), "function"), "name"));
        if (name && *name && pdk_contains(text->p ? text->p : "", text->len, name))
            return name;
    }
    return NULL;
}

static void build_reply(const pdk_jv *root, reply *r)
{
    const pdk_jv *msgs = pdk_jv_get(root, "messages");
    memset(r, 0, sizeof *r);
    r->usage.input_tokens = conversation_words(msgs);
    r->finish = PDK_FINISH_STOP;
    const pdk_jv *result = last_tool_result(msgs);
    if (result) {
        pdk_buf_puts(&r->text, "The tool said: ");
        pdk_wire_text(&r->text, pdk_jv_get(result, "content"), " ");
    } else {
        pdk_buf user = PDK_BUF_INIT;
        last_user_text(msgs, &user);
        r->tool = mentioned_tool(pdk_jv_get(root, "tools"), &user);
        if (r->tool) {
            pdk_jw_obj(&r->args);
            pdk_jw_kstrn(&r->args, "input", user.p ? user.p : "", user.len);
            pdk_jw_obj_end(&r->args);
            r->finish = PDK_FINISH_TOOL_CALLS;
        } else {
            pdk_buf_puts(&r->text, "You said: ");
            pdk_buf_put(&r->text, user.p ? user.p : "", user.len);
        }
        pdk_buf_free(&user);
    }
    const pdk_buf *said = r->tool ? &r->args : &r->text;
    r->usage.output_tokens = count_words(said->p ? said->p : "", said->len);
}

static void reply_free(reply *r)
{
    pdk_buf_free(&r->text);
    pdk_buf_free(&r->args);
}

/* ---- chat ------------------------------------------------------------------- */

static int32_t open_chat(pdk_prov *p, reply *r)
{
    int32_t rc = open_request(p, false);
    if (rc == 0 && !pdk_jv_is_array(pdk_jv_get(p->in.root, "messages")))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST, "the request has no \"messages\" array");
    if (rc == 0)
        build_reply(p->in.root, r);
    if (rc == 0 && (r->text.oom || r->args.oom))
        rc = pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    return rc;
}

PL_EXPORT(chat)
{
    pdk_prov p;
    reply r = {PDK_BUF_INIT, NULL, PDK_BUF_INIT, NULL, {0, 0, 0, 0, 0}};
    int32_t rc = open_chat(&p, &r);
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_obj(&out);
        pdk_jw_key(&out, "text");
        if (r.tool)
            pdk_jw_null(&out);
        else
            pdk_jw_strn(&out, r.text.p ? r.text.p : "", r.text.len);
        pdk_jw_key(&out, "tool_calls");
        if (r.tool) {
            pdk_jw_arr(&out);
            pdk_tool_call_write(&out, OFF_CALL_ID, r.tool, r.args.p, r.args.len);
            pdk_jw_arr_end(&out);
        } else {
            pdk_jw_null(&out);
        }
        pdk_jw_knull(&out, "thinking");
        pdk_jw_key(&out, "usage");
        pdk_usage_write(&out, &r.usage);
        pdk_jw_kstr(&out, "finish_reason", r.finish);
        pdk_jw_obj_end(&out);
        rc = pdk_output_buf(&out);
    }
    reply_free(&r);
    pdk_prov_close(&p);
    return rc;
}

/* ---- chat_stream: chunks through qmt_yield_chunk ------------------------------ */

static void pause_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Each word with the spaces after it: "You ", "said: ", "hi". */
static bool stream_words(const pdk_buf *text, int64_t delay, pdk_buf *chunk)
{
    const char *s = text->p ? text->p : "", *end = s + text->len;
    for (const char *p = s; p < end;) {
        const char *e = p;
        while (e < end && !is_space(*e))
            e++;
        while (e < end && is_space(*e))
            e++;
        if (p != s && delay > 0)
            pause_ms(delay);
        pdk_chunk_text(chunk, p, (size_t)(e - p));
        if (!pdk_yield(chunk))
            return false;
        p = e;
    }
    return true;
}

/* start, the arguments in two pieces (so consumers' joining is
** exercised), then the whole call. */
static bool stream_tool(const reply *r, int64_t delay, pdk_buf *chunk)
{
    size_t n = r->args.len, half = n / 2;
    while (half < n && ((unsigned char)r->args.p[half] & 0xC0) == 0x80)
        half++; /* never split a UTF-8 sequence */
    pdk_chunk_tool_start(chunk, 0, OFF_CALL_ID, r->tool);
    bool ok = pdk_yield(chunk);
    pdk_chunk_tool_delta(chunk, 0, r->args.p, half);
    ok = ok && pdk_yield(chunk);
    if (ok && delay > 0)
        pause_ms(delay);
    pdk_chunk_tool_delta(chunk, 0, r->args.p + half, n - half);
    ok = ok && pdk_yield(chunk);
    pdk_chunk_tool_complete(chunk, 0, OFF_CALL_ID, r->tool, r->args.p, n);
    return ok && pdk_yield(chunk);
}

PL_EXPORT(chat_stream)
{
    pdk_prov p;
    reply r = {PDK_BUF_INIT, NULL, PDK_BUF_INIT, NULL, {0, 0, 0, 0, 0}};
    int32_t rc = open_chat(&p, &r);
    if (rc == 0) {
        int64_t delay = pdk_jv_int_or(pdk_jv_get(p.cfg, "delay_ms"), 0, 60000, 0);
        pdk_buf chunk = PDK_BUF_INIT;
        bool ok = r.tool ? stream_tool(&r, delay, &chunk) : stream_words(&r.text, delay, &chunk);
        pdk_chunk_usage(&chunk, &r.usage);
        ok = ok && pdk_yield(&chunk);
        pdk_chunk_done(&chunk, r.finish);
        ok = ok && pdk_yield(&chunk);
        pdk_buf_free(&chunk);
        rc = ok ? 0 : pdk_fail(PDK_ERR_PLUGIN, "out of memory");
    }
    reply_free(&r);
    pdk_prov_close(&p);
    return rc;
}

/* ---- complete, embed ---------------------------------------------------------- */

PL_EXPORT(complete)
{
    pdk_prov p;
    int32_t rc = open_request(&p, false);
    const pdk_jv *prompt = pdk_jv_get(pdk_jv_get(p.in.root, "req"), "prompt");
    if (rc == 0 && !pdk_jv_is_string(prompt))
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the completion request has no \"req\".\"prompt\" string");
    if (rc == 0) {
        pdk_buf text = PDK_BUF_INIT, out = PDK_BUF_INIT;
        pdk_buf_put(&text, prompt->u.s, prompt->n);
        pdk_buf_puts(&text, " ... (offline)");
        pdk_jw_obj(&out);
        pdk_jw_kstrn(&out, "text", text.p ? text.p : "", text.len);
        pdk_jw_obj_end(&out);
        pdk_buf_free(&text);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
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
** scaled to unit length: the native plugin's vectors, bit for bit. */
static void embed_one(pdk_buf *b, const char *s, size_t n)
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
    pdk_jw_arr(b);
    for (int i = 0; i < OFF_DIMS; i++)
        pdk_jw_float(b, (float)(norm > 0 ? v[i] / norm : (i == 0)));
    pdk_jw_arr_end(b);
}

PL_EXPORT(embed)
{
    pdk_prov p;
    int32_t rc = open_request(&p, false);
    const pdk_jv *inputs = pdk_jv_get(p.in.root, "inputs");
    bool ok = pdk_jv_is_array(inputs);
    for (size_t i = 0; ok && i < pdk_jv_len(inputs); i++)
        ok = pdk_jv_is_string(pdk_jv_at(inputs, i));
    if (rc == 0 && !ok)
        rc = pdk_fail(PDK_ERR_INVALID_REQUEST,
                      "the embedding request needs an \"inputs\" array of strings");
    if (rc == 0) {
        pdk_buf out = PDK_BUF_INIT;
        pdk_jw_arr(&out);
        for (size_t i = 0; i < inputs->n; i++)
            embed_one(&out, pdk_jv_at(inputs, i)->u.s, pdk_jv_at(inputs, i)->n);
        pdk_jw_arr_end(&out);
        rc = pdk_output_buf(&out);
    }
    pdk_prov_close(&p);
    return rc;
}
