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
    PL_E_INTERNAL = 19     /* a bug in plinth; please report it */
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

/*
** pl_free — release memory that plinth returned. NULL is ignored.
*/
PL_API void pl_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_H */
