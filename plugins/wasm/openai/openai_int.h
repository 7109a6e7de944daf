/*
** openai_int.h — what the files of the Wasm OpenAI provider share (prefix
** oai_). The plugin is QueryMT's "HTTP-adapter" export set on plinth's
** kit: it builds SerializableHttpRequests and parses the responses the
** host sends back; it never does I/O. Its behaviour follows the native
** plugins/native/openai (same request bodies, same reading of replies,
** same error classes), the differences being the transport's: errors are
** LLMErrorPayloads and the stream parser receives raw body bytes.
**
** Files: openai.c (informational exports, config, request plumbing,
** errors), openai_chat.c (chat requests and replies), openai_stream.c
** (the stream parser), openai_misc.c (models, completions, embeddings).
*/
#ifndef PL_WASM_OPENAI_INT_H
#define PL_WASM_OPENAI_INT_H

#include "plinth_pdk.h"

#define OAI_DEFAULT_BASE_URL "https://api.openai.com/v1"
#define OAI_KEY_ENV "OPENAI_API_KEY"

/* The config keys the plugin reads, for pdk_prov_open. */
extern const pdk_cfg_key oai_cfg_keys[];
extern const size_t oai_n_cfg_keys;

/* Output a request to {base_url}{path} with the standard headers
** (authorization with a key, openai-organization, content-type when there
** is a body, accept). body may be NULL; it is freed. */
int32_t oai_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body);

/* Parse the JSON body of a 2xx reply into *root (in p's arena). 0, or 1
** with the error set: a response_format_error for bad JSON, the
** classified provider error when a 2xx carries {"error": ...}. */
int32_t oai_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root);

/* An OpenAI error object (or a stream's "error" value) as a payload.
** status 0 inside a stream; retry_ms -1 when unknown; fallback is the
** message when the error has none. Strings in *e are borrowed from the
** arguments. */
void oai_classify(int status, const pdk_jv *error, long retry_ms, const char *request_id,
                  const char *fallback, pdk_llm_error *e);

/* OpenAI usage into *u; false when there is none (usage is null). */
bool oai_usage(const pdk_jv *usage, pdk_usage *u);

/* OpenAI finish_reason → wire FinishReason. */
const char *oai_finish_reason(const pdk_jv *fr);

/* Write a wire ToolCall from an OpenAI tool_calls[] item (arguments given
** as an object are serialised). */
void oai_write_tool_call(pdk_buf *b, const pdk_jv *call);

/* The reply text of a message (content string, text parts, refusal), or
** false when there is none. */
bool oai_reply_text(const pdk_jv *msg, pdk_buf *text);

/* A whole chat reply as stream chunks (for a stream answered with one
** JSON document); 0 or 1 with the error set. */
int32_t oai_reply_chunks(const pdk_jv *root, pdk_buf *out);

#endif
