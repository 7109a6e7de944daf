/*
** ollama_int.h — what the files of the Wasm Ollama provider share (prefix
** oll_). QueryMT's HTTP-adapter export set over Ollama's native API as
** shared/docs/peers.md §2 records it: POST /api/chat (NDJSON streams, one
** object per line, the last with done:true), /api/generate, /api/embed,
** GET /api/tags; tool calls with object arguments and no id.
**
** Files: ollama.c (informational exports, config, requests, errors,
** models, completions, embeddings), ollama_chat.c (chat requests and the
** reply), ollama_stream.c (the stream parser).
*/
#ifndef PL_WASM_OLLAMA_INT_H
#define PL_WASM_OLLAMA_INT_H

#include "plinth_pdk.h"

#define OLL_DEFAULT_BASE_URL "http://localhost:11434"

extern const pdk_cfg_key oll_cfg_keys[];
extern const size_t oll_n_cfg_keys;

/* Output a request to {base_url}{path}; an Authorization header only
** when a key is configured (proxies in front of Ollama). body may be NULL;
** it is freed. */
int32_t oll_send(const pdk_prov *p, const char *method, const char *path, pdk_buf *body);

/* The JSON body of a 2xx reply; {"error": "..."} is classified. */
int32_t oll_body(pdk_prov *p, const pdk_http_resp *r, const char *what, const pdk_jv **root);

/* Ollama's {"error": "message"} as a payload (status 0 in a stream). */
void oll_classify(int status, const pdk_jv *error, const char *fallback, pdk_llm_error *e);

/* The "options" object (temperature, top_p, top_k, num_predict from
** max_tokens or the request's own, num_ctx, seed) when any is set, and
** keep_alive. over: the completion request, whose values win. */
void oll_options(pdk_buf *b, const pdk_prov *p, const pdk_jv *over);

/* The usage of a final object (prompt_eval_count, eval_count). */
void oll_usage(const pdk_jv *obj, pdk_usage *u);

/* done_reason (and whether tools were called) → FinishReason. */
const char *oll_finish_reason(const pdk_jv *done_reason, bool tool_calls);

/* The id of Ollama's i-th tool call of a reply: its own "id" when newer
** servers send one, else "call_<i>". */
void oll_call_id(const pdk_jv *call, size_t i, pdk_buf *id);

#endif
