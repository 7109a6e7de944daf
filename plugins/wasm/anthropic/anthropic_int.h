/*
** anthropic_int.h — what the files of the Wasm Anthropic provider share
** (prefix ant_). QueryMT's HTTP-adapter export set over the Messages API
** as shared/docs/peers.md §2 records it: POST {base_url}/v1/messages with
** x-api-key and anthropic-version, content blocks, named SSE events.
**
** Files: anthropic.c (informational exports, config, requests, errors,
** models, completions, embeddings), anthropic_chat.c (messages and the
** reply), anthropic_stream.c (the stream parser).
*/
#ifndef PL_WASM_ANTHROPIC_INT_H
#define PL_WASM_ANTHROPIC_INT_H

#include "plinth_pdk.h"

#define ANT_DEFAULT_BASE_URL "https://api.anthropic.com"
#define ANT_KEY_ENV "ANTHROPIC_API_KEY"
#define ANT_VERSION "2023-06-01"
#define ANT_DEFAULT_MAX_TOKENS 4096 /* the API requires max_tokens */

extern const pdk_cfg_key ant_cfg_keys[];
extern const size_t ant_n_cfg_keys;

/* Output a request to {base_url}/v1{path} (base_url may end in /v1) with
** x-api-key, anthropic-version and content-type. body may be NULL; freed. */
int32_t ant_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body);

/* The JSON body of a 2xx reply; an {"type":"error"} body is classified. */
int32_t ant_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root);

/* An Anthropic error object ({"type","message"}) as a payload; status 0
** inside a stream. Strings borrowed. */
void ant_classify(int status, const pdk_jv *error, long retry_ms, const char *request_id,
                  const char *fallback, pdk_llm_error *e);

/* Anthropic usage into *u (false when absent). */
bool ant_usage(const pdk_jv *usage, pdk_usage *u);

/* stop_reason → FinishReason. */
const char *ant_finish_reason(const pdk_jv *stop_reason);

/* The "messages" and "system" of a Messages body from a wire request:
** writes the keys into the open body object. 0, or 1 with the error set. */
int32_t ant_write_messages(pdk_buf *b, pdk_prov *p);

/* The text blocks of a content array, joined. */
void ant_content_text(const pdk_jv *content, pdk_buf *text);

#endif
