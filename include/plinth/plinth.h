/*
** plinth.h — the public interface of libplinth, a plugin host for LLM
** applications.
**
** Conventions (they hold for every declaration below):
**  - Handles are opaque. A handle that was closed, or that plinth did not
**    make, is detected where possible and yields PL_E_MISUSE.
**  - Every fallible function returns a pl_status. PL_OK is 0; every other
**    value is an error whose number never changes.
**  - Memory that plinth hands out is released with pl_free(), never with
**    libc free(). Strings documented as "borrowed" stay owned by plinth.
**  - Functions that fail before a handle exists write a message into a
**    caller buffer (char *err, size_t errlen); it is always NUL-terminated
**    when errlen > 0.
*/
#ifndef PLINTH_H
#define PLINTH_H

#include <stddef.h>
#include <stdint.h>

#include <plinth/plinth_version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(PL_BUILDING_LIBRARY)
#    define PL_API __declspec(dllexport)
#  else
#    define PL_API
#  endif
#else
#  define PL_API __attribute__((visibility("default")))
#endif

/*
** pl_version — the library's version as "MAJOR.MINOR.PATCH".
** Compare it with PL_VERSION_STRING to detect a header/library mismatch.
** Returns a borrowed static string. Thread-safe.
*/
PL_API const char *pl_version(void);

/*
** pl_version_num — the library's version as 0xMMmmpp (see PL_VERSION_NUM).
*/
PL_API uint32_t pl_version_num(void);

/*
** pl_status — result of every fallible call. Values are stable: new codes
** are appended, retired ones become PL_E_OBSOLETE_n and keep their number.
*/
typedef enum pl_status {
    PL_OK = 0,             /* success */
    PL_E_NOMEM = 1,        /* an allocation failed; nothing was changed */
    PL_E_INVALID_ARG = 2,  /* a NULL or out-of-range argument */
    PL_E_MISUSE = 3,       /* a closed or foreign handle, or a call out of order */
    PL_E_IO = 4,           /* a file could not be read or written */
    PL_E_NOT_FOUND = 5,    /* a file, plugin, key or name does not exist */
    PL_E_SYNTAX = 6,       /* TOML, JSON or YAML text is malformed */
    PL_E_CONFIG = 7,       /* a well-formed document has a wrong key, type or value */
    PL_E_SCHEMA = 8,       /* data does not satisfy its JSON Schema */
    PL_E_UNSUPPORTED = 9,  /* a feature, format or version plinth does not handle */
    PL_E_ABI = 10,         /* a plugin's ABI version or layout is incompatible */
    PL_E_PLUGIN = 11,      /* a plugin failed (load, init or call) */
    PL_E_TRAP = 12,        /* a sandboxed plugin trapped */
    PL_E_LIMIT = 13,       /* a fuel, memory, time or size limit was reached */
    PL_E_DENIED = 14,      /* a capability or permission was not granted */
    PL_E_SIGNATURE = 15,   /* a digest or signature did not verify */
    PL_E_NETWORK = 16,     /* a transport-level network failure */
    PL_E_TIMEOUT = 17,     /* a deadline passed */
    PL_E_CANCELLED = 18,   /* the call was cancelled by the caller */
    PL_E_INTERNAL = 19,    /* a bug in plinth; please report it */
    PL_E_PROVIDER = 20     /* the provider (or its upstream) reported an error;
                              pl_call_error_kind() says which */
} pl_status;

/*
** pl_status_str — a short, static, human-readable name for a status
** ("out of memory", "configuration error", ...). Never NULL: an unknown
** value yields "unknown status". Thread-safe.
*/
PL_API const char *pl_status_str(pl_status st);

/*
** pl_host — a plugin host: the configuration it was opened with and the
** plugins it loaded. Opaque.
*/
typedef struct pl_host pl_host;

/*
** pl_host_open — read the configuration and open a host.
**
** config_path: a .toml, .json, .yaml or .yml file. NULL selects the default
**   lookup: $PLINTH_CONFIG, then ./plinth.toml (and QueryMT's ./plugins.toml
**   and ./providers.toml), then $XDG_CONFIG_HOME/plinth/plinth.{toml,json,
**   yaml,yml} ($XDG_CONFIG_HOME defaults to ~/.config). When no file is
**   found the host opens with the built-in defaults.
** out: receives the host on success, NULL on failure.
** err, errlen: on failure, a message with its context, for example
**   "plinth.toml:12:5: unknown key 'timout' (did you mean 'timeout'?)".
**
** Returns PL_OK, PL_E_INVALID_ARG, PL_E_NOMEM, PL_E_IO, PL_E_NOT_FOUND
** (an explicit path or $PLINTH_CONFIG that does not exist), PL_E_SYNTAX,
** PL_E_CONFIG or PL_E_SCHEMA. The caller closes the host with
** pl_host_close(). Thread-safe (each call makes an independent host).
*/
PL_API pl_status pl_host_open(const char *config_path, pl_host **out,
                              char *err, size_t errlen);

/*
** pl_host_close — release a host and everything it owns. NULL is ignored.
** No other thread may be using the host.
*/
PL_API void pl_host_close(pl_host *host);

/*
** pl_host_last_error — the message of the most recent failed call on this
** host, or "" when there was none. Borrowed: valid until the next call on
** the host. A NULL or invalid host yields a static message saying so.
*/
PL_API const char *pl_host_last_error(const pl_host *host);

/*
** pl_host_config_path — the configuration file the host was opened from,
** or NULL when it runs on built-in defaults. Borrowed.
*/
PL_API const char *pl_host_config_path(const pl_host *host);

/*
** pl_host_config_json — the host's normalised configuration as JSON (every
** default filled in, secrets such as api_key shown as "***"). On success
** *out_json is a NUL-terminated string the caller frees with pl_free().
*/
PL_API pl_status pl_host_config_json(pl_host *host, char **out_json);

/* ---- configuration -------------------------------------------------------
** The same checks pl_host_open makes, without opening a host: for tools
** that validate or show a configuration (`plinth config check|show`). */

/* pl_config — a parsed, validated host configuration. Opaque. */
typedef struct pl_config pl_config;

/*
** pl_config_load — read and validate a configuration file (TOML, JSON or
** YAML by extension). path NULL uses the default lookup of pl_host_open;
** when nothing is found the result holds the built-in defaults and
** pl_config_path() returns NULL. Errors as for pl_host_open. Free the
** result with pl_config_free().
*/
PL_API pl_status pl_config_load(const char *path, pl_config **out,
                                char *err, size_t errlen);

/* pl_config_free — release a configuration. NULL is ignored. */
PL_API void pl_config_free(pl_config *cfg);

/* pl_config_path — the file it was read from, or NULL. Borrowed. */
PL_API const char *pl_config_path(const pl_config *cfg);

/*
** pl_config_summary — a short human-readable summary (file, plugins by
** kind, limits). pl_config_to_json — the normalised model as indented JSON,
** every default filled in and secrets masked. On PL_OK *out is a string
** the caller frees with pl_free(); on failure *out is NULL.
*/
PL_API pl_status pl_config_summary(const pl_config *cfg, char **out);
PL_API pl_status pl_config_to_json(const pl_config *cfg, char **out);

/* pl_manifest — a parsed plugin manifest (plugin.toml or plugin.yaml). */
typedef struct pl_manifest pl_manifest;

/*
** pl_manifest_load — read and validate a plugin manifest: plinth/Stack
** Composer's TOML form ([plugin] + [meta]) or PromptLine's YAML form (also
** accepted as JSON). Errors carry file:line:col. Free with
** pl_manifest_free(). pl_manifest_summary / pl_manifest_to_json work like
** their pl_config_ counterparts.
*/
PL_API pl_status pl_manifest_load(const char *path, pl_manifest **out,
                                  char *err, size_t errlen);
PL_API void pl_manifest_free(pl_manifest *m);
PL_API pl_status pl_manifest_summary(const pl_manifest *m, char **out);
PL_API pl_status pl_manifest_to_json(const pl_manifest *m, char **out);

/* ---- JSON Schema -------------------------------------------------------- */

/*
** pl_schema_validate — validate a data file (JSON, YAML or TOML, by
** extension) against a JSON Schema file (JSON, YAML or TOML; drafts 7 and
** 2020-12, chosen by its "$schema", 2020-12 when absent).
**
** Returns PL_OK when the data is valid, PL_E_SCHEMA when it is not (then
** *report lists one error per line: "data.yaml:4:9: /providers/0/name:
** expected string, got integer"), or another status when a file cannot be
** read or parsed, or the schema itself is invalid (message in err).
** report may be NULL; otherwise *report is NULL or a string to pl_free().
*/
PL_API pl_status pl_schema_validate(const char *schema_path,
                                    const char *data_path, char **report,
                                    char *err, size_t errlen);

/* ==== plugins =============================================================
** pl_host_open loads every configured plugin. A plugin that fails to load
** does not fail the host: it is listed with its error, the others work. */

typedef enum pl_plugin_kind {
    PL_KIND_PROVIDER = 1, /* an LLM provider: chat, complete, embed, models */
    PL_KIND_TOOL = 2,
    PL_KIND_PROMPT = 3,
    PL_KIND_CONTEXT = 4
} pl_plugin_kind;

typedef enum pl_backend {
    PL_BACKEND_NATIVE = 1,  /* a shared library */
    PL_BACKEND_WASM = 2,    /* a WebAssembly module in plinth's sandbox */
    PL_BACKEND_PROCESS = 3  /* an external process (JSON-RPC or MCP) */
} pl_backend;

typedef enum pl_plugin_state {
    PL_PLUGIN_READY = 1,    /* loaded and initialised */
    PL_PLUGIN_FAILED = 2,   /* did not load; see status and error */
    PL_PLUGIN_DISABLED = 3  /* enabled = false in the configuration */
} pl_plugin_state;

/* What the host knows about one plugin. Strings are borrowed from the host
** and valid until pl_host_close; any may be NULL when unknown (a plugin
** that failed before reporting its version, say). */
typedef struct pl_plugin_info {
    const char *name;        /* the configured name */
    const char *id;          /* the plugin's id ("dev.plinth.openai") */
    const char *version;     /* its version */
    const char *description;
    const char *location;    /* the file or command it was loaded from */
    pl_plugin_kind kind;
    pl_backend backend;
    pl_plugin_state state;
    pl_status status;        /* PL_OK when ready, else why it failed */
    const char *error;       /* the message when FAILED, else NULL */
} pl_plugin_info;

/* pl_host_plugin_count — how many plugins the configuration names
** (providers first, then tools/prompts/contexts, in file order). */
PL_API size_t pl_host_plugin_count(const pl_host *host);

/* pl_host_plugin_info — the i-th plugin (0-based). PL_E_NOT_FOUND past the
** end, PL_E_MISUSE on a closed host. */
PL_API pl_status pl_host_plugin_info(const pl_host *host, size_t i, pl_plugin_info *out);

/* pl_host_plugin_find — a plugin by configured name; PL_E_NOT_FOUND (the
** host's last error then suggests a near name). */
PL_API pl_status pl_host_plugin_find(pl_host *host, const char *name, pl_plugin_info *out);

/* ==== permission requests and the grants file =============================
** A Wasm plugin's manifest says what it needs; the operator grants it in
** the configuration (capabilities, permissions). At load, each request —
** a host service (log, llm, retrieval, plan) or one item of a resource
** (a network host, a path to read or write, an environment variable) — is
**   1. given when the configuration grants it;
**   2. else refused when the grants file ([paths] grants_file) denies it,
**      given when it allows it (answers remembered for that plugin name,
**      and for its artefact's SHA-256 when they were given at a prompt);
**   3. else undecided: pl_host_open_ex asks the application's pl_grant_fn;
**      without one (pl_host_open) it is denied, and logged.
** Calls that need a refused capability fail naming it. */

/* An answer to one request. Zero (what an unset value reads as) denies. */
typedef enum pl_grant_answer {
    PL_GRANT_DENY_ONCE = 0,    /* not given, this time only */
    PL_GRANT_ALLOW_ONCE = 1,   /* given for this host; nothing is written */
    PL_GRANT_ALLOW_ALWAYS = 2, /* given, and remembered in the grants file */
    PL_GRANT_DENY_ALWAYS = 3   /* refused, and remembered: not asked again */
} pl_grant_answer;

/* One undecided request. Everything is borrowed for the callback only. */
typedef struct pl_grant_request {
    uint32_t struct_size;   /* sizeof(pl_grant_request) as plinth knows it:
                               members past it are not there */
    const char *plugin;     /* the configured name */
    pl_backend backend;
    const char *location;   /* the file it was loaded from */
    const char *plugin_id;  /* its manifest's id, or NULL */
    const char *sha256;     /* the artefact's SHA-256 (64 hex digits); an
                               "always" answer holds for this artefact only */
    const char *capability; /* "log", "llm", "retrieval", "plan", "network",
                               "fs_read", "fs_write" or "environment" */
    const char *item;       /* network: a host pattern ("api.example.com");
                               fs_read / fs_write: an absolute path;
                               environment: a variable name; NULL for the
                               host services. Text from the plugin: escape it
                               before showing it on a terminal */
} pl_grant_request;

/* Decide one request. Runs during pl_host_open_ex, on the thread that
** called it, once per undecided request; it may block (to ask a person).
** An answer outside pl_grant_answer counts as PL_GRANT_DENY_ONCE. */
typedef pl_grant_answer (*pl_grant_fn)(void *user, const pl_grant_request *req);

/*
** pl_host_opts — how pl_host_open_ex opens a host. Set struct_size to
** sizeof(pl_host_opts) (PL_HOST_OPTS_INIT does); members beyond the
** caller's struct_size take their defaults, so the struct can grow.
*/
typedef struct pl_host_opts {
    uint32_t struct_size; /* sizeof(pl_host_opts) as the caller knows it */
    pl_grant_fn on_grant; /* undecided requests; NULL: denied */
    void *grant_user;     /* passed to on_grant */
} pl_host_opts;

#define PL_HOST_OPTS_INIT {(uint32_t)sizeof(pl_host_opts), NULL, NULL}

/*
** pl_host_open_ex — pl_host_open with options (opts NULL: as pl_host_open).
** "Always" answers are written to the grants file before it returns; when
** that fails the answer still holds for this host and a warning is
** logged. A grants file that cannot be read (a syntax error, say) fails
** the plugins that needed it, with its file:line:col message. Errors as
** for pl_host_open, plus PL_E_INVALID_ARG for a struct_size of 0 or larger
** than this library's sizeof(pl_host_opts).
*/
PL_API pl_status pl_host_open_ex(const char *config_path, const pl_host_opts *opts,
                                 pl_host **out, char *err, size_t errlen);

/*
** Managing the grants file (`plinth grants`). config_path finds the
** configuration as pl_host_open does (NULL: the default lookup); its
** [paths] grants_file names the file (default
** $XDG_CONFIG_HOME/plinth/grants.toml). Each call reads the file afresh;
** changes are written atomically (temporary file, fsync, rename; mode
** 0600; the folder is made when missing), under a lock, keeping every
** other entry. A permission is "CAPABILITY" or "CAPABILITY=ITEM":
** "llm", "network=api.example.com", "fs_read=/data" (or
** "filesystem.read=/data"; "~" expanded), "environment=HOME". Answers made
** here hold for any artefact of that plugin name. On failure err says
** why: PL_E_INVALID_ARG for a bad plugin name or permission ("unknown
** capability 'netwrok' (did you mean 'network'?)"), PL_E_SYNTAX /
** PL_E_CONFIG for a malformed file (file:line:col), PL_E_IO,
** PL_E_NOT_FOUND (revoking what is not there; no grants file path because
** neither $XDG_CONFIG_HOME nor $HOME is set), PL_E_NOMEM.
*/
/* The grants file's path (to pl_free). */
PL_API pl_status pl_grants_path(const char *config_path, char **out, char *err,
                                size_t errlen);
/* Its content: flags 0 for people (one plugin per line, its answers
** below), PL_GRANTS_JSON for {"file", "plugins": [{"name", "sha256",
** "location", "allow": [...], "deny": [...]}]}. *out to pl_free. */
#define PL_GRANTS_JSON 1u
PL_API pl_status pl_grants_list(const char *config_path, unsigned flags, char **out,
                                char *err, size_t errlen);
/* Remember permission as allowed (allow non-zero) or denied for plugin;
** the opposite answer, wherever it was remembered for that plugin, goes. */
PL_API pl_status pl_grants_set(const char *config_path, const char *plugin,
                               const char *permission, int allow, char *err, size_t errlen);
/* Forget one permission's answers for plugin (permission NULL: all of its
** answers). PL_E_NOT_FOUND when nothing was remembered. */
PL_API pl_status pl_grants_revoke(const char *config_path, const char *plugin,
                                  const char *permission, char *err, size_t errlen);

/* ==== calls ===============================================================
** A pl_call carries one provider call's cancellation and, after it
** failed, the typed error. Make one per call (or reuse it: every call
** resets it). pl_call_cancel may be called from any thread at any time;
** the call then ends with PL_E_CANCELLED as soon as it notices (within
** about 50 ms while waiting on the network). */

typedef struct pl_call pl_call;

/* The kind of a failed call (the same values as the plugin kit's
** PL_PLUGIN_ERR_*). */
typedef enum pl_error_kind {
    PL_ERROR_NONE = 0,
    PL_ERROR_AUTH = 1,            /* bad or missing credentials (HTTP 401/403) */
    PL_ERROR_RATE_LIMITED = 2,    /* slow down; pl_call_retry_after_ms() */
    PL_ERROR_CONTEXT_WINDOW = 3,  /* the input is too long for the model */
    PL_ERROR_INVALID_REQUEST = 4, /* the provider refused the request */
    PL_ERROR_PROVIDER = 5,        /* another provider error; see HTTP status and code */
    PL_ERROR_TRANSPORT = 6,       /* DNS, connect, TLS, a cut connection */
    PL_ERROR_TIMEOUT = 7,         /* the call's deadline passed */
    PL_ERROR_CANCELLED = 8,       /* pl_call_cancel() */
    PL_ERROR_PLUGIN = 9,          /* the plugin failed or broke its contract */
    PL_ERROR_DENIED = 10,         /* a request to a host outside the allow-list */
    PL_ERROR_RESPONSE = 11,       /* the provider's reply could not be read */
    PL_ERROR_UNSUPPORTED = 12,    /* the provider does not implement this */
    PL_ERROR_CONFIG = 13          /* the plugin's configuration is not usable */
} pl_error_kind;

PL_API pl_status pl_call_new(pl_call **out);
PL_API void pl_call_free(pl_call *call);
/* Ask the call to stop. Thread-safe; harmless after the call ended. The
** flag stays set until the next call made with this pl_call. */
PL_API void pl_call_cancel(pl_call *call);
/* After a failed call: its kind, message ("provider 'openai': chat: 401:
** Incorrect API key provided"), HTTP status (0 when none), the provider's
** own error code (NULL when none), the wait the provider asked for before
** a retry (-1 when none), and how many HTTP requests were sent. */
PL_API pl_error_kind pl_call_error_kind(const pl_call *call);
PL_API const char *pl_error_kind_str(pl_error_kind kind);
PL_API const char *pl_call_error_message(const pl_call *call);
PL_API int pl_call_http_status(const pl_call *call);
PL_API const char *pl_call_provider_code(const pl_call *call);
PL_API long pl_call_retry_after_ms(const pl_call *call);
PL_API unsigned pl_call_attempts(const pl_call *call);

/* ==== the provider API =====================================================
** Data crosses as JSON in plinth's provider wire format v1 (docs/providers.md):
**
** request:  {"messages": [ChatMessage...], "tools": [Tool...],
**            "tool_choice": "auto"|"none"|"required"|{"type":"function",...},
**            "model": "...", "system": "..."|[...], "temperature": 0.2,
**            "max_tokens": 100, "options": {...more provider config...}}
**   model, system, temperature, max_tokens, top_p and options override the
**   provider's configured values for this call only.
** ChatMessage: {"role": "User"|"Assistant", "content": [Content...]}
** Content: {"type":"text","text":...} | {"type":"image","mime_type",
**   "data":[bytes]} | {"type":"image_url","url"} | {"type":"tool_use","id",
**   "name","arguments":{...}} | {"type":"tool_result","id","name",
**   "is_error","content":[Content...]} | {"type":"thinking","text"}
** chat response: {"text", "tool_calls": [{"id","type":"function",
**   "function":{"name","arguments":"<JSON text>"}}], "thinking",
**   "usage": {"input_tokens","output_tokens","reasoning_tokens",
**   "cache_read","cache_write"}, "finish_reason": "Stop"|"Length"|
**   "ToolCalls"|"ContentFilter"|"Error"|"Other"|"Unknown"}
**
** Every call: host and provider name; call may be NULL (no cancellation,
** error details only in pl_host_last_error); on PL_OK *out_json is a string
** to pl_free(). Errors: PL_E_NOT_FOUND (no such provider), PL_E_PLUGIN
** (it failed to load, or broke its contract), PL_E_INVALID_ARG (bad
** request JSON), PL_E_PROVIDER (the provider said no: see the call's
** kind), PL_E_NETWORK, PL_E_TIMEOUT, PL_E_DENIED, PL_E_CANCELLED,
** PL_E_UNSUPPORTED, PL_E_NOMEM. Thread-safe: calls may run concurrently,
** also on one provider.
*/

/* ["model-id", ...] */
PL_API pl_status pl_list_models(pl_host *host, const char *provider, pl_call *call,
                                char **out_json);
PL_API pl_status pl_chat(pl_host *host, const char *provider, const char *request_json,
                         pl_call *call, char **out_json);
/* request: {"prompt", "suffix", "max_tokens", "temperature", "model"};
** response {"text"} */
PL_API pl_status pl_complete(pl_host *host, const char *provider, const char *request_json,
                             pl_call *call, char **out_json);
/* request: {"inputs": ["text", ...], "model"}; response [[float...], ...] */
PL_API pl_status pl_embed(pl_host *host, const char *provider, const char *request_json,
                          pl_call *call, char **out_json);

typedef struct pl_usage {
    uint32_t input_tokens, output_tokens, reasoning_tokens, cache_read, cache_write;
} pl_usage;

typedef enum pl_chunk_kind {
    PL_CHUNK_TEXT = 1,              /* text, text_len */
    PL_CHUNK_THINKING = 2,          /* text, text_len */
    PL_CHUNK_TOOL_USE_START = 3,    /* index, id, name */
    PL_CHUNK_TOOL_USE_DELTA = 4,    /* index, text (a piece of the arguments JSON) */
    PL_CHUNK_TOOL_USE_COMPLETE = 5, /* index, id, name, arguments (JSON text) */
    PL_CHUNK_USAGE = 6,             /* usage */
    PL_CHUNK_DONE = 7               /* finish_reason; always the last chunk */
} pl_chunk_kind;

/* One piece of a streamed reply. Borrowed: valid during the callback. */
typedef struct pl_chunk {
    pl_chunk_kind kind;
    const char *text;
    size_t text_len;
    uint32_t index;
    const char *id, *name, *arguments;
    pl_usage usage;
    const char *finish_reason;
    const char *json; /* the chunk in the wire format: {"text":"Hel"} */
} pl_chunk;

/* Return 0 to go on, non-zero to cancel the call (it ends with
** PL_E_CANCELLED). Called on the thread that called pl_chat_stream. */
typedef int (*pl_chunk_fn)(void *user, const pl_chunk *chunk);

/* Streaming chat: on_chunk gets each chunk as it arrives. out_json may be
** NULL; otherwise it receives the whole reply assembled as a chat
** response. */
PL_API pl_status pl_chat_stream(pl_host *host, const char *provider,
                                const char *request_json, pl_chunk_fn on_chunk, void *user,
                                pl_call *call, char **out_json);

/* ==== tools, prompts, context, and any export ==============================
** Tool, prompt and context plugins (Wasm, plinth's tool ABI: exports
** plinth_describe and plinth_invoke; docs/plugin-authors.md). Calls are
** thread-safe and run on a pooled instance of the plugin; call may be NULL
** and works as for the provider API. */

/*
** pl_tool_list — the tools a tool plugin offers, as it described them:
** [{"name", "description", "inputSchema": JSON Schema}, ...]. On PL_OK
** *out_json is a string to pl_free(). PL_E_NOT_FOUND, PL_E_PLUGIN (it did
** not load), PL_E_UNSUPPORTED (not a Wasm plugin).
*/
PL_API pl_status pl_tool_list(pl_host *host, const char *plugin, char **out_json);

/*
** pl_tool_call — call one tool. args_json: a JSON object (NULL = {}),
** checked against the tool's inputSchema first (PL_E_INVALID_ARG listing
** what is wrong, with JSON pointers). On PL_OK *out_json is the tool's
** result in MCP's shape: {"content": [{"type": "text", "text": ...}],
** "isError": bool} — a tool that reports a failure still returns PL_OK with
** isError true. A trap, a limit or a denied capability fails the call
** (PL_E_TRAP / PL_E_LIMIT / PL_E_PLUGIN, the message naming plugin and
** method); the next call runs on a fresh instance (the plugin's Extism
** vars are kept, as Extism's hosts keep them across a trap).
*/
PL_API pl_status pl_tool_call(pl_host *host, const char *plugin, const char *tool,
                              const char *args_json, pl_call *call, char **out_json);

/*
** pl_plugin_invoke — any method of a tool, prompt or context plugin
** ("prompts/list", "prompts/get", "context/get", "plan/solve", ...):
** params_json (NULL = {}) in, the method's JSON result out (pl_free).
*/
PL_API pl_status pl_plugin_invoke(pl_host *host, const char *plugin, const char *method,
                                  const char *params_json, pl_call *call, char **out_json);

/*
** pl_plugin_call — call export `func` of a configured Wasm plugin with the
** Extism convention (`extism call`, `plinth call NAME FUNC`): len bytes of
** input in; on PL_OK *out (pl_free) holds *out_len bytes of output (NUL
** added, not counted). The plugin's limits, grants and pool apply; an
** instance keeps its vars from call to call, also across a trap (which
** renews the instance). A plugin-reported failure is PL_E_PLUGIN with its
** message.
*/
PL_API pl_status pl_plugin_call(pl_host *host, const char *plugin, const char *func,
                                const void *input, size_t len, pl_call *call, void **out,
                                size_t *out_len);

/* ==== request and response helpers =========================================
** Build wire requests and read wire responses without writing JSON. */

typedef struct pl_request pl_request;
PL_API pl_status pl_request_new(pl_request **out);
PL_API void pl_request_free(pl_request *req);
PL_API pl_status pl_request_model(pl_request *req, const char *model);
PL_API pl_status pl_request_system(pl_request *req, const char *text);
PL_API pl_status pl_request_temperature(pl_request *req, double t);
PL_API pl_status pl_request_max_tokens(pl_request *req, uint32_t n);
/* A user or assistant message with one text part. */
PL_API pl_status pl_request_user(pl_request *req, const char *text);
PL_API pl_status pl_request_assistant(pl_request *req, const char *text);
/* An image (bytes) added to the last user message (a new one if needed). */
PL_API pl_status pl_request_image(pl_request *req, const char *mime_type, const void *data,
                                  size_t len);
/* A tool the model may call: parameters is a JSON Schema (JSON text). */
PL_API pl_status pl_request_tool(pl_request *req, const char *name, const char *description,
                                 const char *parameters_json);
/* A tool given as JSON: the wire form {"type":"function","function":
** {"name","description","parameters"}} or the short form {"name",
** "description","parameters"}. PL_E_INVALID_ARG (with err) when it is
** neither. */
PL_API pl_status pl_request_tool_json(pl_request *req, const char *tool_json, char *err,
                                      size_t errlen);
/* "auto", "none", "required", or a tool name. */
PL_API pl_status pl_request_tool_choice(pl_request *req, const char *choice);
/* Replay a tool call the assistant made, then its result. */
PL_API pl_status pl_request_tool_call(pl_request *req, const char *id, const char *name,
                                      const char *arguments_json);
PL_API pl_status pl_request_tool_result(pl_request *req, const char *id, const char *name,
                                        const char *content, int is_error);
/* An option passed to the provider's configuration for this call. */
PL_API pl_status pl_request_option(pl_request *req, const char *key, const char *value_json);
/* The request as JSON (pl_free it). */
PL_API pl_status pl_request_to_json(const pl_request *req, char **out_json);

typedef struct pl_response pl_response;
/* Read a chat response. err (may be NULL) says what is wrong with it. */
PL_API pl_status pl_response_parse(const char *json, pl_response **out, char *err,
                                   size_t errlen);
PL_API void pl_response_free(pl_response *resp);
/* Borrowed strings, valid until pl_response_free; NULL when absent. */
PL_API const char *pl_response_text(const pl_response *resp);
PL_API const char *pl_response_thinking(const pl_response *resp);
PL_API const char *pl_response_finish_reason(const pl_response *resp);
PL_API pl_usage pl_response_usage(const pl_response *resp);
PL_API size_t pl_response_tool_call_count(const pl_response *resp);
PL_API pl_status pl_response_tool_call(const pl_response *resp, size_t i, const char **id,
                                       const char **name, const char **arguments_json);

/* ==== WebAssembly ==========================================================
** plinth's own engine (WebAssembly 2.0 core without SIMD; binary modules)
** used directly on a file, without a host: check a module, call one of
** its exports under the sandbox's limits (`plinth wasm validate|run`; no
** imports are offered), or call an Extism plugin (`plinth call`; Extism's
** imports and, when asked, WASI are offered). Thread-safe: each call loads
** its own copy of the module. */

/*
** pl_wasm_validate — read a binary module (.wasm) and decode, validate and
** compile it, as loading a Wasm plugin does.
**
** Returns PL_OK when the module is valid. Otherwise err receives the
** engine's message, which names the module by the file's base name, the
** function index and the byte offset:
**   "search.wasm: func 14 @0x3a1: type mismatch: expected i32, got f64"
** and the status says what is wrong: PL_E_SYNTAX (a malformed binary),
** PL_E_INVALID_ARG (an invalid module: a type error and the like; also a
** NULL path), PL_E_UNSUPPORTED (a feature outside plinth's engine, such as
** SIMD), PL_E_LIMIT (larger than 4 GiB), PL_E_IO or PL_E_NOT_FOUND (the
** file), PL_E_NOMEM.
*/
PL_API pl_status pl_wasm_validate(const char *path, char *err, size_t errlen);

/*
** pl_wasm_counts — what a module holds, filled by pl_wasm_describe. Set
** struct_size to sizeof(pl_wasm_counts) first (PL_WASM_COUNTS_INIT does):
** plinth writes only the members that fit in struct_size, so a program
** built against an older header keeps working when members are appended.
*/
typedef struct pl_wasm_counts {
    uint32_t struct_size; /* sizeof(pl_wasm_counts) as the caller knows it */
    uint32_t functions;   /* functions the module defines (imports not counted) */
    uint32_t imports;     /* imports of every kind */
    uint32_t exports;     /* exports of every kind */
} pl_wasm_counts;

#define PL_WASM_COUNTS_INIT {(uint32_t)sizeof(pl_wasm_counts), 0, 0, 0}

/*
** pl_wasm_describe — validate a module like pl_wasm_validate and, when it
** is valid, count its functions, imports and exports into *out. Errors as
** for pl_wasm_validate, plus PL_E_INVALID_ARG for a NULL out, or a
** struct_size of 0 (not set) or larger than this library's
** sizeof(pl_wasm_counts) (a program built against a newer plinth.h).
*/
PL_API pl_status pl_wasm_describe(const char *path, pl_wasm_counts *out, char *err,
                                  size_t errlen);

/*
** pl_wasm_run_opts — the limits of one pl_wasm_run. Set struct_size to
** sizeof(pl_wasm_run_opts) (PL_WASM_RUN_OPTS_INIT does); members beyond the
** caller's struct_size take their defaults, so the struct can grow at the
** end. A member left 0 takes plinth's default, the [limits] defaults of the
** host configuration.
*/
typedef struct pl_wasm_run_opts {
    uint32_t struct_size; /* sizeof(pl_wasm_run_opts) as the caller knows it */
    uint64_t fuel;        /* instruction budget of the call, one unit per Wasm
                             instruction; 0 = 10,000,000; UINT64_MAX = no limit */
    uint64_t mem_bytes;   /* cap on the linear memory; 0 = 268,435,456 (256 MiB) */
    uint32_t timeout_ms;  /* wall-clock budget of the call; 0 = 5000 ms */
} pl_wasm_run_opts;

#define PL_WASM_RUN_OPTS_INIT {(uint32_t)sizeof(pl_wasm_run_opts), 0, 0, 0}

/*
** pl_wasm_run — load a module, instantiate it, and call one exported
** function with arguments given as text; the results come back as text.
**
** path: the .wasm file; the module is named by its base name in messages.
** func: the export's name.
** args, nargs: one string per parameter, read by the parameter's type:
**   i32, i64  decimal, negative or unsigned ("-1", "4294967295"), or hex
**             ("0xff", "-0x10"); out of the type's range is an error
**   f32, f64  decimal or hex floats ("1.5", "-0x1.8p3"), "inf", "-inf",
**             "nan" (the canonical NaN), "nan:0x<payload>" ("-nan:0x1"),
**             rounded once, correctly, to the parameter's type
**   funcref, externref  only "null"
**   Any argument may carry its type in front ("f64:1.5"), which must then
**   match the parameter's: every result line below reads back as an
**   argument.
** opts: limits; NULL takes every default. The instance's memory is capped
**   at opts->mem_bytes; the start function, when there is one, runs with
**   the same fuel and time budgets (its fuel is not in *fuel_used).
** out: on PL_OK, the results, one line each ending in '\n' ("" when the
**   function returns nothing), as TYPE:VALUE:
**     "i32:42", "i64:-7"   signed decimal
**     "f32:0.1", "f64:1.5" the shortest decimal that reads back to the very
**                          same bits; "inf", "-inf", "nan" (canonical),
**                          "nan:0x<payload>", "-0" kept
**     "funcref:null", "funcref:ref", "externref:null"
**   to pl_free(). On failure *out is NULL. out may be NULL.
** fuel_used: when not NULL, always receives the units the call consumed
**   (0 when it failed before calling), also after a trap.
** err, errlen: on failure, the message.
**
** Returns PL_OK; PL_E_TRAP when the function trapped ("trap: integer
** divide by zero (div.wasm: func 2 @0x4c)": the kind, the function index
** and the byte offset); PL_E_LIMIT when it ran out of fuel or time, or the
** module's initial memory exceeds mem_bytes; PL_E_INVALID_ARG for a wrong
** argument count or an argument that does not read as its parameter's
** type (the message names the parameter and its type), a NULL path or
** func, or an opts->struct_size of 0 (not set) or larger than this
** library's sizeof(pl_wasm_run_opts); PL_E_NOT_FOUND for a missing file, a missing
** export ("did you mean ...?") or an import (none is offered: "unknown
** import env.log"); and the errors of pl_wasm_validate.
*/
PL_API pl_status pl_wasm_run(const char *path, const char *func, const char *const *args,
                             size_t nargs, const pl_wasm_run_opts *opts, char **out,
                             uint64_t *fuel_used, char *err, size_t errlen);

/*
** pl_wasm_call_opts — what one pl_wasm_call gives the plugin and how far it
** may go. Set struct_size to sizeof(pl_wasm_call_opts)
** (PL_WASM_CALL_OPTS_INIT does, with logging off); members beyond the
** caller's struct_size take their defaults, so the struct can grow at the
** end. Every string is read during the call only (nothing is kept).
** A plugin gets nothing it was not given: no configuration, no HTTP, no
** WASI, no files.
*/
typedef struct pl_wasm_call_opts {
    uint32_t struct_size;             /* sizeof(pl_wasm_call_opts) as the caller knows it */
    const char *const *config;        /* "KEY=VALUE" entries, read by the plugin's
                                         config_get; split at the first '='; for a key
                                         given twice, the last entry wins */
    size_t n_config;
    const char *const *allowed_hosts; /* hosts http_request may reach, as globs:
                                         "api.example.com", "*.example.com" ('*' is one
                                         or more characters), "127.0.0.1:8080" (no port:
                                         any port); none = every request is refused */
    size_t n_allowed_hosts;
    const char *const *allowed_paths; /* WASI preopens "[ro:]HOST_DIR[:GUEST_DIR]":
                                         HOST_DIR is reachable in the plugin as GUEST_DIR
                                         (default: the same path); "ro:" refuses every
                                         change below it; paths cannot escape it */
    size_t n_allowed_paths;
    int wasi;                         /* non-zero: offer WASI preview 1 (clocks, random,
                                         no arguments, no environment, empty stdin);
                                         implied by allowed_paths */
    uint64_t fuel;                    /* instruction budget of the call (runtime
                                         initialisation included); 0 = 10,000,000;
                                         UINT64_MAX = no limit */
    uint64_t mem_bytes;               /* cap on the plugin's linear memory, and apart on
                                         its Extism memory; 0 = 268,435,456 (256 MiB) */
    uint32_t timeout_ms;              /* wall-clock budget of the call, HTTP requests
                                         included; 0 = 5000 ms */
    int log_level;                    /* -1: off. 0 trace, 1 debug, 2 info, 3 warn,
                                         4 error: the plugin's log messages at or above
                                         it, and (with WASI) what it writes to stdout and
                                         stderr, go to this process's stderr, one line
                                         each: "[count_vowels.wasm] info: TEXT",
                                         "[count_vowels.wasm] stdout: TEXT"; off, WASI
                                         output is discarded */
} pl_wasm_call_opts;

#define PL_WASM_CALL_OPTS_INIT \
    {(uint32_t)sizeof(pl_wasm_call_opts), NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, -1}

/*
** pl_wasm_call — call one function of an Extism plugin file, the way an
** Extism host does (shared/docs/extism-abi.md): the input bytes in, the
** function's return code, its output bytes or its error out. The plugin's
** `extism:host/env` imports are served by plinth (Extism memory, input and
** output, errors, config, vars, HTTP, logging); the pre-1.0 `env.extism_*`
** names work too. The runtime initialisation runs first (hs_init,
** __wasm_call_ctors or _initialize; never _start unless func is "_start").
**
** path: the .wasm file; messages name the module by the file's base name.
** func: the export to call; it takes no parameters and returns an i32 (0
**   for success) or nothing.
** input, len: the input bytes (input may be NULL when len is 0).
** opts: what the plugin is given; NULL takes every default (see
**   pl_wasm_call_opts).
** out, out_len: on PL_OK, the bytes the plugin output (output_set), with a
**   NUL after them that *out_len does not count, so text can be used as a
**   string; an empty output is "" with length 0. Release with pl_free(). On
**   failure *out is NULL and *out_len 0. Either may be NULL.
** rc: when not NULL, the return code, also on failure: the function's i32
**   (0 when it returns nothing), the status of a WASI exit, 134 for a trap
**   or a fuel, time or memory limit, -1 when an Extism host function failed
**   (a denied HTTP request, ...) or the plugin set an error before
**   trapping; 0 when the call did not run.
** err, errlen: on failure, the message, with the module and the function
**   in front: "count_vowels.wasm: count_vowels: <what happened>".
**
** Returns PL_OK when the function returned 0 and set no error (or WASI
** exit(0) ended it). Otherwise:
**   PL_E_PLUGIN    the plugin reported a failure: it set an error (the
**                  message is its text, whatever rc is) or returned a
**                  non-zero code ("...: returned non-zero exit code: 3")
**   PL_E_TRAP      it trapped, in the call or in its initialisation ("...:
**                  trap: unreachable (x.wasm: func 12 @0x4d1)")
**   PL_E_LIMIT     it ran out of fuel or time, or memory (its initial
**                  memory or the input over mem_bytes)
**   PL_E_DENIED    http_request to a host outside allowed_hosts (nothing is
**                  sent); PL_E_NETWORK, PL_E_TIMEOUT: the request failed or
**                  the call's time ran out while it waited
**   PL_E_NOT_FOUND no such file; no exported function func ("did you mean
**                  ...?"); an import plinth does not offer, or a WASI import
**                  while WASI is off; PL_E_IO, PL_E_NOT_FOUND also for an
**                  allowed path that cannot be opened as a directory
**   PL_E_UNSUPPORTED an `extism:host/env` import this plinth does not know
**                  (a newer PDK), or one with the wrong type
**   PL_E_INVALID_ARG a NULL path or func, input NULL with len > 0, an
**                  opts->struct_size of 0 or larger than this library's
**                  sizeof(pl_wasm_call_opts), a config entry without '=', an
**                  allowed path without a directory, a log_level out of range,
**                  a function that is not an Extism one (it has parameters)
**   PL_E_NOMEM, and the errors of pl_wasm_validate for the module itself.
** Thread-safe: each call loads its own module and instance, and frees
** everything it made before returning, on every path.
*/
PL_API pl_status pl_wasm_call(const char *path, const char *func, const void *input, size_t len,
                              const pl_wasm_call_opts *opts, void **out, size_t *out_len,
                              int32_t *rc, char *err, size_t errlen);

/*
** pl_free — release memory that plinth returned. NULL is ignored.
*/
PL_API void pl_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_H */
