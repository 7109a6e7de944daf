/*
** openai_int.h — what the files of the OpenAI provider plugin share
** (prefix oai_). The plugin is sans-IO: it builds HTTP requests through the
** host's http_* services and parses the responses the host hands back.
**
** Files: openai.c (vtable, config, request plumbing), openai_chat.c (chat
** request body, parse_chat), openai_stream.c (the SSE chunk parser),
** openai_misc.c (models, completions, embeddings, classify_error).
*/
#ifndef PL_PLUGIN_OPENAI_INT_H
#define PL_PLUGIN_OPENAI_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "plinth_plugin.h"

#if defined(__GNUC__) || defined(__clang__)
#  define OAI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define OAI_PRINTF(f, a)
#endif

/* One configured provider: the host's services and the config object init
** received (defaults for every request). */
typedef struct oai {
    const pl_host_api *host;
    json_t *cfg;
} oai;

/* A wire request taken apart: root is the parsed req_json, eff the
** instance config overlaid with the request's "cfg" (the request wins). */
typedef struct oai_req {
    json_t *root;
    json_t *eff;
} oai_req;

/* ---- openai.c ---- */

/* host->error with a formatted message; returns -1. */
int oai_fail(const pl_host_api *host, pl_plugin_sink *sink, uint32_t kind, const char *fmt, ...)
    OAI_PRINTF(4, 5);

/* Type-check the keys this plugin reads (config or request overrides);
** kind is the error kind to report. 0 or -1. */
int oai_check_config(const pl_host_api *host, const json_t *cfg, pl_plugin_sink *sink,
                     uint32_t kind);

/* Parse req_json and build the effective config. 0 or -1 (error on err). */
int oai_req_open(const oai *o, const char *req_json, bool need_model, oai_req *r,
                 pl_plugin_sink *err);
void oai_req_close(oai_req *r);

/* A string member of the effective config, or NULL. */
const char *oai_cfg_str(const json_t *eff, const char *key);

/* Start a request: method, {base_url}{path}, and the standard headers
** (authorization when a key is set, organization, accept, and
** content-type when body is non-NULL); then the body as compact JSON. */
int oai_send(const oai *o, const json_t *eff, const char *method, const char *path,
             const json_t *body, pl_plugin_http_out *req, pl_plugin_sink *err);

/* Parse a 2xx body; what names the response in error messages ("chat").
** NULL after an error of kind RESPONSE (or PROVIDER when the body is an
** {"error": ...} object despite the 2xx status). */
json_t *oai_parse_body(const oai *o, const pl_plugin_http_response *resp, const char *what,
                       pl_plugin_sink *sink);

/* Serialise v compactly and write it to out. 0 or -1. */
int oai_write_json(const pl_host_api *host, pl_plugin_sink *out, const json_t *v, size_t flags);

/* OpenAI usage → wire Usage (null when absent). New reference. */
json_t *oai_usage(const json_t *u);

/* OpenAI finish_reason → wire FinishReason. */
const char *oai_finish_reason(const json_t *fr);

/* ---- openai_chat.c ---- */
int oai_chat_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                     pl_plugin_sink *err);
int oai_parse_chat(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out);

/* A wire ToolCall {"id","type":"function","function":{"name","arguments"}}.
** Empty arguments become "{}" (a tool without parameters), since callers
** parse them as JSON. New reference or NULL. */
json_t *oai_tool_call(const char *id, const char *name, const char *args);

/* ---- openai_stream.c ---- */
int oai_stream_start(void *instance, const char *req_json, void **parser, pl_plugin_sink *err);
int oai_stream_event(void *parser, const char *data, size_t len, pl_plugin_sink *chunks);
int oai_stream_finish(void *parser, pl_plugin_sink *chunks);
void oai_stream_close(void *parser);

/* ---- openai_misc.c ---- */
int oai_list_models_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                            pl_plugin_sink *err);
int oai_parse_list_models(void *instance, const pl_plugin_http_response *resp,
                          pl_plugin_sink *out);
int oai_complete_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                         pl_plugin_sink *err);
int oai_parse_complete(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out);
int oai_embed_request(void *instance, const char *req_json, pl_plugin_http_out *req,
                      pl_plugin_sink *err);
int oai_parse_embed(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out);
int oai_classify_error(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *err);

/* Map an OpenAI error object (or a stream "error" value) to a kind and
** report it with error_detail. status is 0 for errors inside a stream. */
int oai_report_error(const pl_host_api *host, pl_plugin_sink *sink, int status,
                     const json_t *error, long retry_after_ms, const char *fallback);

#endif
