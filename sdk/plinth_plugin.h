/*
** plinth_plugin.h — the native plugin ABI of plinth, version 1.
**
** Self-contained: a plugin includes this header only and does NOT link
** libplinth. Everything the host offers arrives in a pl_host_api table.
**
** A plugin is a shared library with exactly one export, written by
** PL_DECLARE_PLUGIN(vt):
**
**     const pl_plugin_vtable *plinth_plugin_v1(const pl_host_api *host,
**                                              pl_plugin_err *err);
**
** The host loads it with dlopen(RTLD_NOW | RTLD_LOCAL) and checks, before
** anything else: abi_major equal to its own, abi_minor not newer than its
** own, struct_size large enough for every member it will call, and
** requires_version (a semver range) satisfied by plinth's version.
**
** Compatibility rules (as SQLite's sqlite3ext.h and OBS's module API):
** - The first five members of pl_plugin_vtable never move.
** - Both tables only grow at the end; each member says which ABI minor
**   added it. A NULL optional member means "not supported".
** - A plugin checks host->struct_size before using a member newer than 1.0.
**
** Provider plugins speak plinth's provider wire format v1 (JSON, the shapes
** of ../docs/plugin-authors.md and provider-contract.md): requests arrive as
**   {"cfg": {...config, "model", "api_key", "base_url", "stream"...},
**    "messages": [ChatMessage...], "tools": [Tool...] | null,
**    "tool_choice": ...}
** and responses, stream chunks and errors are JSON written to a sink.
**
** The preferred provider is sans-IO: it builds HTTP requests and parses
** HTTP responses; plinth sends them (TLS, proxies, timeouts, retries, the
** allow-list check, streaming). A provider that must do its own I/O (or
** none, like the offline demo) implements the direct members instead.
**
** Return values: every int-returning member returns 0 on success and
** non-zero on failure, after describing the failure with host->error()
** on the sink it was given.
*/
#ifndef PLINTH_PLUGIN_H
#define PLINTH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PL_PLUGIN_ABI_MAJOR 1u
#define PL_PLUGIN_ABI_MINOR 0u
#define PL_PLUGIN_WIRE_VERSION 1u /* provider wire format */
#define PL_PLUGIN_ENTRY "plinth_plugin_v1"

/* What a plugin is (pl_plugin_vtable.kind). */
#define PL_PLUGIN_KIND_PROVIDER 1u
#define PL_PLUGIN_KIND_TOOL 2u
#define PL_PLUGIN_KIND_PROMPT 3u
#define PL_PLUGIN_KIND_CONTEXT 4u

/* Log levels (QueryMT's numbering). */
#define PL_PLUGIN_LOG_ERROR 1
#define PL_PLUGIN_LOG_WARN 2
#define PL_PLUGIN_LOG_INFO 3
#define PL_PLUGIN_LOG_DEBUG 4
#define PL_PLUGIN_LOG_TRACE 5

/* How the host splits a streaming response body into events before
** handing them to stream_event (pl_plugin_vtable.stream_framing). */
#define PL_PLUGIN_FRAMING_SSE 0u    /* text/event-stream: one call per event's data */
#define PL_PLUGIN_FRAMING_NDJSON 1u /* one call per non-empty line */
#define PL_PLUGIN_FRAMING_RAW 2u    /* 1.0: the body's bytes as they arrive, cut anywhere */

/* Error kinds for host->error(). The public header's pl_error_kind has the
** same values. */
#define PL_PLUGIN_ERR_AUTH 1u            /* bad or missing credentials */
#define PL_PLUGIN_ERR_RATE_LIMITED 2u    /* slow down; see retry_after_ms */
#define PL_PLUGIN_ERR_CONTEXT_WINDOW 3u  /* the input is too long for the model */
#define PL_PLUGIN_ERR_INVALID_REQUEST 4u /* the request was refused as malformed */
#define PL_PLUGIN_ERR_PROVIDER 5u        /* any other error the provider reported */
#define PL_PLUGIN_ERR_TRANSPORT 6u       /* the network failed */
#define PL_PLUGIN_ERR_TIMEOUT 7u         /* a deadline passed */
#define PL_PLUGIN_ERR_CANCELLED 8u       /* the caller cancelled */
#define PL_PLUGIN_ERR_PLUGIN 9u          /* the plugin itself failed */
#define PL_PLUGIN_ERR_DENIED 10u         /* not allowed (allow-list, capability) */
#define PL_PLUGIN_ERR_RESPONSE 11u       /* the provider's reply could not be read */
#define PL_PLUGIN_ERR_UNSUPPORTED 12u    /* the operation is not implemented */
#define PL_PLUGIN_ERR_CONFIG 13u         /* the configuration is not usable */

/* Host objects a plugin writes into; opaque to the plugin. */
typedef struct pl_plugin_sink pl_plugin_sink;         /* output, chunks, errors */
typedef struct pl_plugin_http_out pl_plugin_http_out; /* a request being built */

/* An HTTP response the host received, for the parse_* members. Borrowed:
** valid during the call only. Header names are lower case. body is
** NUL-terminated (the terminator is not counted in body_len). */
typedef struct pl_plugin_http_response {
    int status;
    const char *const *header_names;
    const char *const *header_values;
    size_t n_headers;
    const char *body;
    size_t body_len;
} pl_plugin_http_response;

/* Why the entry point refused to return a vtable. */
typedef struct pl_plugin_err {
    char message[512];
} pl_plugin_err;

/*
** pl_host_api — the host's services. One table per loaded plugin; valid
** from the entry point until after shutdown returns. Every function is
** thread-safe.
*/
typedef struct pl_host_api pl_host_api;
struct pl_host_api {
    uint32_t struct_size; /* sizeof the host's table: check before newer members */
    uint32_t abi_minor;   /* the host's PL_PLUGIN_ABI_MINOR */
    const char *plinth_version; /* "0.1.0" */

    /* 1.0: log a message under the plugin's name. */
    void (*log)(const pl_host_api *host, int level, const char *message);

    /* 1.0: append bytes to an output sink (a JSON response). Returns 0, or
    ** non-zero when the host is out of memory or the output exceeds the
    ** plugin's output limit (stop and return non-zero). */
    int (*write)(pl_plugin_sink *sink, const void *data, size_t len);

    /* 1.0: one stream chunk (a StreamChunk JSON object such as
    ** {"text":"Hel"}). Returns non-zero when the call was cancelled or the
    ** chunk was refused: stop streaming and return non-zero. */
    int (*emit)(pl_plugin_sink *sink, const char *chunk_json, size_t len);

    /* 1.0: describe a failure (kind is PL_PLUGIN_ERR_*). The last call
    ** wins. Always returns -1, so `return host->error(...)` reads well.
    ** Say only what went wrong ("chat response has no choices"): the host
    ** puts the plugin's name and the operation in front ("provider
    ** 'openai': chat: ..."), and init failures become "provider 'openai'
    ** (native): init failed: ...". */
    int (*error)(pl_plugin_sink *sink, uint32_t kind, const char *message);

    /* 1.0: details of a provider failure, after error(): the HTTP status
    ** (0 if none), the provider's own error code (may be NULL) and how long
    ** to wait before retrying (-1 if not said). */
    void (*error_detail)(pl_plugin_sink *sink, int http_status, const char *provider_code,
                         long retry_after_ms);

    /* 1.0: has the caller cancelled this call? Long direct calls poll it. */
    int (*cancelled)(pl_plugin_sink *sink);

    /* 1.0: build an HTTP request. method defaults to "POST"; url is
    ** required; headers are appended (a later one with the same name is
    ** sent too); body bytes are appended. Return 0, or non-zero on out of
    ** memory or an invalid value (a header with CR/LF, an empty URL). */
    int (*http_method)(pl_plugin_http_out *req, const char *method);
    int (*http_url)(pl_plugin_http_out *req, const char *url);
    int (*http_header)(pl_plugin_http_out *req, const char *name, const char *value);
    int (*http_body)(pl_plugin_http_out *req, const void *data, size_t len);
};

/*
** pl_plugin_vtable — what a plugin is and does. Static, const, alive as
** long as the library is loaded.
*/
typedef struct pl_plugin_vtable {
    /* ---- the header: never moves ---- */
    uint32_t abi_major;   /* PL_PLUGIN_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;   /* PL_PLUGIN_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(pl_plugin_vtable) the plugin was built with */
    const char *name;     /* the plugin's own name, "openai" */
    const char *version;  /* its semver version, "1.2.0" */

    /* ---- 1.0: identity ---- */
    const char *id;               /* reverse-DNS id, "dev.plinth.openai" (may be NULL) */
    const char *description;      /* one line (may be NULL) */
    const char *requires_version; /* semver range of plinth, ">=0.1, <1" (NULL: any) */
    uint32_t kind;                /* PL_PLUGIN_KIND_* */
    uint32_t wire_version;        /* PL_PLUGIN_WIRE_VERSION for providers, else 0 */

    /* ---- 1.0: lifecycle ----
    ** init: called once, after the host validated the configuration
    ** against config_schema. config_json is the provider's effective
    ** configuration (its [providers.config] table plus "api_key" when one
    ** was configured or found in the api_key_name variable). *instance is
    ** the plugin's state, passed back to every other member.
    ** shutdown: called once, last, in reverse order of loading. */
    int (*init)(const pl_host_api *host, const char *config_json, void **instance,
                pl_plugin_sink *err);
    void (*shutdown)(void *instance);

    /* ---- 1.0: provider metadata ---- */
    const char *api_key_name;     /* the one environment variable with the key, or NULL */
    const char *config_schema;    /* JSON Schema (draft 7 or 2020-12) of config, or NULL */
    const char *default_base_url; /* its API's base URL (for the allow-list), or NULL */
    uint32_t stream_framing;      /* PL_PLUGIN_FRAMING_* of its streaming responses */

    /* ---- 1.0: sans-IO provider ----
    ** *_request: build the HTTP request for req_json (the wire request).
    ** parse_*: read a 2xx response and write the wire response to out:
    **   list models: ["model", ...]; chat: {"text","tool_calls","thinking",
    **   "usage","finish_reason"}; complete: {"text"}; embed: [[f32...]...].
    ** stream_*: one parser per streaming call. stream_event gets each event
    **   (split by stream_framing) and emits StreamChunk objects; finish
    **   emits what is left (ending with {"done":{...}}).
    ** classify_error: turn a non-2xx response into host->error() (+
    **   error_detail); when NULL the host classifies by HTTP status. */
    int (*list_models_request)(void *instance, const char *req_json, pl_plugin_http_out *req,
                               pl_plugin_sink *err);
    int (*parse_list_models)(void *instance, const pl_plugin_http_response *resp,
                             pl_plugin_sink *out);
    int (*chat_request)(void *instance, const char *req_json, pl_plugin_http_out *req,
                        pl_plugin_sink *err);
    int (*parse_chat)(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out);
    int (*stream_start)(void *instance, const char *req_json, void **parser, pl_plugin_sink *err);
    int (*stream_event)(void *parser, const char *data, size_t len, pl_plugin_sink *chunks);
    int (*stream_finish)(void *parser, pl_plugin_sink *chunks);
    void (*stream_close)(void *parser);
    int (*complete_request)(void *instance, const char *req_json, pl_plugin_http_out *req,
                            pl_plugin_sink *err);
    int (*parse_complete)(void *instance, const pl_plugin_http_response *resp,
                          pl_plugin_sink *out);
    int (*embed_request)(void *instance, const char *req_json, pl_plugin_http_out *req,
                         pl_plugin_sink *err);
    int (*parse_embed)(void *instance, const pl_plugin_http_response *resp, pl_plugin_sink *out);
    int (*classify_error)(void *instance, const pl_plugin_http_response *resp,
                          pl_plugin_sink *err);

    /* ---- 1.0: direct provider (used when the matching sans-IO pair is
    ** NULL). chat streams when req_json's cfg has "stream": true: it emits
    ** chunks to out; otherwise it writes the wire response to out. ---- */
    int (*list_models)(void *instance, const char *req_json, pl_plugin_sink *out);
    int (*chat)(void *instance, const char *req_json, pl_plugin_sink *out);
    int (*complete)(void *instance, const char *req_json, pl_plugin_sink *out);
    int (*embed)(void *instance, const char *req_json, pl_plugin_sink *out);
} pl_plugin_vtable;

/* Fill the header fields of a vtable initializer:
**   static const pl_plugin_vtable vt = { PL_PLUGIN_HEADER("x", "1.0.0"), ... }; */
#define PL_PLUGIN_HEADER(name_, version_)                                          \
    .abi_major = PL_PLUGIN_ABI_MAJOR, .abi_minor = PL_PLUGIN_ABI_MINOR,            \
    .struct_size = (uint32_t)sizeof(pl_plugin_vtable), .name = (name_),            \
    .version = (version_)

#if defined(_WIN32)
#  define PL_PLUGIN_EXPORT __declspec(dllexport)
#else
#  define PL_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#  define PL_PLUGIN_EXTERN_C extern "C"
#else
#  define PL_PLUGIN_EXTERN_C
#endif

/* Write the entry point for a static vtable `vt`. A plugin that needs to
** look at the host first writes plinth_plugin_v1 itself. */
#define PL_DECLARE_PLUGIN(vt)                                                      \
    PL_PLUGIN_EXTERN_C PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(  \
        const pl_host_api *host, pl_plugin_err *err);                              \
    PL_PLUGIN_EXTERN_C PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(  \
        const pl_host_api *host, pl_plugin_err *err)                               \
    {                                                                              \
        (void)host;                                                                \
        (void)err;                                                                 \
        return &(vt);                                                              \
    }

#ifdef __cplusplus
}
#endif
#endif
