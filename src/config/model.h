/*
** model.h — plinth's typed configuration models (prefix plc_): the host
** configuration (plinth.toml / .json / .yaml, QueryMT's providers.toml)
** and plugin manifests (plugin.toml, plugin.yaml, sidecar NAME.toml).
**
** Both are decoded from the document tree (doc.h) by one table-driven
** decoder (decode.h), so the same content gives the same model whatever
** the file format, and every complaint names file:line:col.
**
** Ownership: a plc_config / plc_manifest owns everything it points to —
** its document (so plc_node subtrees such as a plugin's `config` stay
** valid) and an arena holding every string and array of the model. All of
** it lives until plc_config_free / plc_manifest_free. The models are plain
** data: reading them from several threads at once is safe.
**
** docs/configuration.md is the operator's reference for every key.
*/
#ifndef PL_CONFIG_MODEL_H
#define PL_CONFIG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/doc.h"
#include "config/semver.h"
#include "util/util.h"

/* ---- small shared pieces ------------------------------------------------ */

/* A list of strings (arena-owned). items is NULL when len is 0. */
typedef struct plc_strlist {
    const char **items;
    size_t len;
} plc_strlist;

/* One name = value pair (process environment, telemetry headers). */
typedef struct plc_kv {
    const char *name;
    const char *value;
} plc_kv;

/* Append a copy of s to l, both in arena (the old items array is left to
** the arena). PL_OK or PL_E_NOMEM. */
pl_status plc_strlist_push(plu_arena *arena, plc_strlist *l, const char *s);

/* A valid plugin name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
bool plc_check_name(const char *s);

typedef struct plc_kvlist {
    plc_kv *items;
    size_t len;
} plc_kvlist;

/* Host services a plugin may call, and the resource capabilities a
** manifest may request. Bit flags; names as in files: "log", "llm", ... */
typedef enum plc_cap {
    PLC_CAP_LOG = 1u << 0,         /* host_log */
    PLC_CAP_LLM = 1u << 1,         /* llm_chat through the host */
    PLC_CAP_RETRIEVAL = 1u << 2,   /* retrieval_search (context plugins) */
    PLC_CAP_PLAN = 1u << 3,        /* plan_solve */
    PLC_CAP_NETWORK = 1u << 4,     /* outgoing requests (hosts in network) */
    PLC_CAP_FS_READ = 1u << 5,     /* read the paths in fs_read */
    PLC_CAP_FS_WRITE = 1u << 6,    /* write the paths in fs_write */
    PLC_CAP_ENVIRONMENT = 1u << 7, /* read the variables in environment */
} plc_cap;

/* The four host services, the only names a config's `capabilities` grants
** (resources are granted through `permissions`). */
#define PLC_CAP_SERVICES (PLC_CAP_LOG | PLC_CAP_LLM | PLC_CAP_RETRIEVAL | PLC_CAP_PLAN)
#define PLC_CAP_ALL 0xffu

/* The name of one capability bit ("fs_read"), or NULL. */
const char *plc_cap_name(unsigned cap);

/* What a plugin may do: granted in the config, requested in a manifest.
** An empty list allows nothing (deny by default). */
typedef struct plc_grants {
    unsigned caps;           /* PLC_CAP_* bits */
    plc_strlist network;     /* host globs: "api.openai.com", "*.example.com",
                                "https://api.x.com:443", "postgres://db:5432" */
    plc_strlist fs_read;     /* paths ("~" expanded in configs) */
    plc_strlist fs_write;
    plc_strlist environment; /* variable names the plugin may read */
} plc_grants;

/* Runtime limits. The config's [limits] gives the defaults; each plugin
** entry may override any of them. */
typedef struct plc_limits {
    uint64_t fuel_units;       /* Wasm instructions per call      (10000000) */
    uint64_t mem_bytes;        /* linear memory cap per instance  (268435456) */
    uint32_t wall_timeout_ms;  /* wall-clock time per call        (5000) */
    uint32_t max_call_depth;   /* Wasm call-stack depth           (1024) */
    uint32_t instances;        /* Wasm instance pool per plugin   (4) */
    uint64_t max_output_bytes; /* result / message size per call  (16777216) */
    /* HTTP requests the host sends for the plugin (sans-IO providers): */
    uint32_t connect_timeout_ms; /* to connect, per attempt         (10000) */
    uint32_t max_retries;        /* extra attempts on 408/429/5xx and
                                    failed connects                 (2) */
    uint32_t retry_base_ms;      /* first backoff, doubled each time (500) */
    uint32_t retry_max_wait_ms;  /* cap on one wait, Retry-After too (30000) */
} plc_limits;

/* Bits of plc_plugin.limits_set, in this order. */
enum {
    PLC_LIMIT_FUEL = 1u << 0,
    PLC_LIMIT_MEM = 1u << 1,
    PLC_LIMIT_WALL = 1u << 2,
    PLC_LIMIT_DEPTH = 1u << 3,
    PLC_LIMIT_INSTANCES = 1u << 4,
    PLC_LIMIT_OUTPUT = 1u << 5,
    PLC_LIMIT_CONNECT = 1u << 6,
    PLC_LIMIT_RETRIES = 1u << 7,
    PLC_LIMIT_RETRY_BASE = 1u << 8,
    PLC_LIMIT_RETRY_MAX_WAIT = 1u << 9,
};

/* A parsed OCI reference oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]. */
typedef struct plc_oci_ref {
    char registry[256];   /* host[:port], e.g. "ghcr.io", "127.0.0.1:5000" */
    char repository[256]; /* "querymt/openai" */
    char tag[129];        /* "latest" when neither tag nor digest is given;
                             "" when only a digest is given */
    char digest[72];      /* "sha256:<64 hex>" or "" (a digest wins over a tag) */
} plc_oci_ref;

/* Parse "oci://..." (the scheme is required). On failure returns false and
** writes a reason ("repository 'My/App' must be lowercase ...") to why. */
bool plc_oci_ref_parse(const char *ref, plc_oci_ref *out, char *why, size_t whylen);

/* ---- plugins ------------------------------------------------------------- */

typedef enum plc_plugin_kind {
    PLC_KIND_UNSPECIFIED, /* manifests only: the plugin describes itself */
    PLC_KIND_PROVIDER,    /* an LLM provider ([[providers]]) */
    PLC_KIND_TOOL,
    PLC_KIND_PROMPT,
    PLC_KIND_CONTEXT,
} plc_plugin_kind;

/* Where the plugin comes from. */
typedef enum plc_source {
    PLC_SOURCE_FILE,    /* a local file (path) */
    PLC_SOURCE_URL,     /* http(s):// download (path), optional sha256 pin */
    PLC_SOURCE_OCI,     /* oci:// reference (path) */
    PLC_SOURCE_COMMAND, /* an external process (command) */
} plc_source;

/* What runs. For OCI (and URLs without a known extension) the artefact's
** media types, annotations or magic bytes decide once it is fetched. */
typedef enum plc_artifact {
    PLC_ARTIFACT_UNKNOWN,
    PLC_ARTIFACT_WASM,    /* .wasm */
    PLC_ARTIFACT_NATIVE,  /* .so, .dylib, .dll */
    PLC_ARTIFACT_PROCESS, /* command */
} plc_artifact;

typedef enum plc_protocol {
    PLC_PROTOCOL_NONE,    /* not a process plugin */
    PLC_PROTOCOL_JSONRPC, /* plinth's own JSON-RPC 2.0 over stdio (default) */
    PLC_PROTOCOL_MCP,     /* Model Context Protocol (tool plugins) */
} plc_protocol;

/*
** One [[providers]] or [[plugins]] entry.
*/
typedef struct plc_plugin {
    const char *name;      /* unique across providers and plugins */
    plc_plugin_kind kind;  /* PROVIDER for [[providers]]; TOOL (default),
                              PROMPT or CONTEXT for [[plugins]] */
    bool enabled;          /* false: kept in the model, never loaded (true) */
    pl_loc loc;            /* where the entry starts */
    pl_loc name_loc;       /* where its name is written */

    /* Source: exactly one of path or command. */
    plc_source source;
    plc_artifact artifact;
    const char *path;      /* as written: file path, URL or oci:// ref; NULL
                              for processes */
    const char *location;  /* files: "~" expanded, relative paths joined to
                              the config file's directory; else = path */
    const char *sha256;    /* pin: 64 lowercase hex digits, or NULL (files
                              and URLs only) */
    plc_oci_ref *oci;      /* parsed reference when source == OCI */
    const char *command;   /* process: program. A bare name is looked up in
                              $PATH by the loader; a path is expanded like
                              `path` ("~", relative to the config's folder) */
    plc_strlist args;      /* process arguments */
    plc_protocol protocol; /* process: JSONRPC (default) or MCP */
    plc_kvlist env;        /* process: variables set for the child */
    const char *cwd;       /* process: working directory or NULL */

    /* The `config` table as written (host-read keys included), passed to the
    ** plugin and validated against its schema later; NULL when absent. It
    ** points into the configuration's document. */
    const plc_node *config;

    /* Provider keys the host reads from [providers.config] (NULL / empty
    ** when absent; always absent for [[plugins]]). */
    const char *base_url;      /* http(s) URL */
    plc_strlist allowed_hosts; /* host globs added to the network allow-list */
    const char *api_key;       /* a secret: never print it (to_json masks) */
    const char *api_key_name;  /* environment variable holding the key */

    plc_grants grants;     /* capabilities (default: log) + permissions */
    plc_limits limits;     /* effective: [limits] with this entry's overrides */
    unsigned limits_set;   /* PLC_LIMIT_* bits overridden by this entry */
} plc_plugin;

/* ---- sections -------------------------------------------------------------- */

/* One per-publisher identity rule in [[oci.identities]]: artefacts whose
** "registry/repository" matches scope must be signed by this identity
** (keyless) or this key. The first matching rule applies. */
typedef struct plc_oci_identity {
    const char *scope;                      /* glob over "registry/repository" */
    const char *issuer;                     /* OIDC issuer (exact) */
    const char *subject;                    /* certificate SAN glob (email/URI) */
    const char *github_workflow_repository; /* "owner/repo" */
    const char *public_key;                 /* cosign public key file (PEM) */
    pl_loc loc;
} plc_oci_identity;

typedef struct plc_oci {
    bool insecure_skip_signature; /* false: verify every OCI artefact */
    bool use_sigstore_tuf_data;   /* true: Sigstore's TUF trust root */
    const char *cert_email;       /* keyless: signer e-mail SAN, or NULL */
    const char *cert_issuer;      /* "https://token.actions.githubusercontent.com" */
    const char *cert_url;         /* keyless: signer URI SAN, or NULL */
    const char *rekor_pub_keys;   /* path (PEM) or NULL */
    const char *fulcio_certs;     /* path (PEM) or NULL */
    const char *github_workflow_repository; /* "owner/repo" or NULL */
    plc_oci_identity *identities; /* per-publisher policy, in file order */
    size_t n_identities;
    plc_strlist insecure_registries; /* host[:port] globs reached over plain HTTP */
    const char *auth_file;        /* Docker-style credentials file, or NULL
                                     ($DOCKER_CONFIG / ~/.docker/config.json) */
} plc_oci;

typedef struct plc_paths {
    const char *user_dir;    /* $XDG_DATA_HOME/plinth/plugins
                                (~/.local/share/plinth/plugins) */
    const char *system_dir;  /* /usr/lib/plinth/plugins */
    plc_strlist extra_dirs;  /* more discovery folders, searched first */
    const char *cache_dir;   /* $XDG_CACHE_HOME/plinth (~/.cache/plinth) */
    const char *grants_file; /* remembered permission answers:
                                $XDG_CONFIG_HOME/plinth/grants.toml */
} plc_paths;                 /* each NULL only when neither the XDG variable
                                nor $HOME is set */

typedef enum plc_sig_policy {
    PLC_POLICY_REQUIRE, /* unsigned or badly signed artefacts do not load */
    PLC_POLICY_WARN,    /* they load with a warning (Wasm/process only) */
    PLC_POLICY_OFF,     /* not checked (Wasm/process only) */
} plc_sig_policy;

typedef struct plc_trust {
    const char *trusted_keys;   /* $XDG_CONFIG_HOME/plinth/trusted_keys.toml */
    plc_sig_policy policy;      /* REQUIRE */
    bool allow_unsigned_native; /* false: native code needs a valid signature
                                   even under warn/off */
    plc_strlist allow_unsigned; /* names of plugins explicitly trusted
                                   without a signature (checked to exist) */
} plc_trust;

typedef struct plc_telemetry {
    bool enabled;             /* false: nothing is ever sent */
    const char *endpoint;     /* OTLP/HTTP traces URL; required when enabled */
    const char *service_name; /* "plinth" */
    plc_kvlist headers;       /* extra HTTP headers (values masked in output) */
    double sample_ratio;      /* 0..1 (1.0) */
    uint32_t timeout_ms;      /* export timeout (10000) */
} plc_telemetry;

/*
** plc_config — the host configuration.
*/
typedef struct plc_config {
    const char *path;      /* the file it was read from; NULL for defaults */
    plc_plugin *providers; /* [[providers]], in file order */
    size_t n_providers;
    plc_plugin *plugins;   /* [[plugins]]: tool, prompt, context */
    size_t n_plugins;
    plc_oci oci;
    plc_limits limits;     /* the defaults every plugin inherits */
    plc_paths paths;
    plc_trust trust;
    plc_telemetry telemetry;

    plc_doc *doc;          /* owned; NULL for defaults */
    plu_arena arena;       /* owns the model's strings and arrays */
} plc_config;

/* ---- configuration API ---------------------------------------------------- */

/*
** Find the configuration file: explicit_path if given (it must exist), else
** $PLINTH_CONFIG (must exist if set and non-empty), else ./plinth.toml,
** ./plugins.toml, ./providers.toml (QueryMT), then
** $XDG_CONFIG_HOME/plinth/plinth.{toml,json,yaml,yml} ($XDG_CONFIG_HOME
** defaults to ~/.config). On PL_OK *out_path is a plu_malloc'd path, or NULL
** when nothing was found. PL_E_NOT_FOUND / PL_E_IO / PL_E_NOMEM otherwise.
*/
pl_status plc_config_find(const char *explicit_path, char **out_path, pl_err *err);

/*
** Read, parse and decode a configuration file (format by extension).
** Returns PL_OK, PL_E_NOMEM, PL_E_IO, PL_E_NOT_FOUND, PL_E_UNSUPPORTED,
** PL_E_SYNTAX (from the readers) or PL_E_CONFIG; *out is NULL on failure.
*/
pl_status plc_config_load(const char *path, plc_config **out, pl_err *err);

/*
** Decode an already parsed document. Takes ownership of doc in every case
** (it is freed on failure). path names the file (for relative paths and
** plc_config.path); NULL means doc->file.
*/
pl_status plc_config_from_doc(plc_doc *doc, const char *path, plc_config **out,
                              pl_err *err);

/* plc_config_find, then plc_config_load of what it found, or the built-in
** defaults when it found nothing: what pl_host_open reads. */
pl_status plc_config_open(const char *explicit_path, plc_config **out, pl_err *err);

/* The built-in defaults (no file). PL_OK or PL_E_NOMEM. */
pl_status plc_config_defaults(plc_config **out, pl_err *err);

void plc_config_free(plc_config *cfg);

/* The plugin (provider or not) with this name, or NULL. */
const plc_plugin *plc_config_plugin(const plc_config *cfg, const char *name);

/*
** The normalised model as JSON: every default filled in, paths expanded,
** secrets (api_key, telemetry headers, secret-looking keys in `config` and
** `env`) shown as "***". indent 0 = compact. Appends to out; 0, or -1 on
** out of memory.
*/
int plc_config_to_json(const plc_config *cfg, int indent, plu_buf *out);

/* A short human-readable summary (file, plugins by kind, limits, trust).
** Appends to out; 0 or -1 on out of memory. */
int plc_config_summary(const plc_config *cfg, plu_buf *out);

/* ---- manifests ----------------------------------------------------------- */

typedef enum plc_manifest_form {
    PLC_MANIFEST_SECTIONS, /* [plugin] + [meta] (+ [capabilities]) —
                              plinth / Stack Composer, usually plugin.toml */
    PLC_MANIFEST_FLAT,     /* name, version, author, ... at the top —
                              PromptLine, usually plugin.yaml */
} plc_manifest_form;

/*
** plc_manifest — what a plugin says about itself. Both forms, in any of
** the three formats, decode into this one model.
*/
typedef struct plc_manifest {
    const char *path;            /* the file it was read from */
    plc_manifest_form form;
    const char *id;              /* [plugin].id; flat form: id, else name */
    const char *name;            /* display name: [meta].name / name; = id
                                    when absent */
    const char *version;         /* semantic version, as written */
    plc_semver semver;           /* parsed version (points into version) */
    plc_plugin_kind kind;        /* UNSPECIFIED when absent */
    const char *description;
    const char *license;         /* SPDX expression, not checked */
    plc_strlist authors;         /* [meta].authors; flat: author + authors */
    const char *homepage;        /* http(s) URL */
    const char *repository;      /* http(s) URL */
    plc_strlist keywords;
    const char *wasm_target;     /* wasm32-wasi | wasm32-wasip1 |
                                    wasm32-unknown-unknown, or NULL */
    const char *signature;       /* as written ("file:hello.sig") or NULL */
    const char *signature_path;  /* resolved against the manifest's folder */
    const char *entry;           /* entry export ("_start") or NULL */
    const char *requires_version;/* semver range ("plinth" version) or NULL */
    plc_grants requested;        /* capabilities the plugin asks for */

    plc_doc *doc;                /* owned */
    plu_arena arena;
} plc_manifest;

/* Read and decode plugin.toml / plugin.yaml / plugin.json / NAME.toml. */
pl_status plc_manifest_load(const char *path, plc_manifest **out, pl_err *err);

/* Decode a parsed document (a sidecar manifest already read). Takes
** ownership of doc in every case. path as for plc_config_from_doc. */
pl_status plc_manifest_from_doc(plc_doc *doc, const char *path, plc_manifest **out,
                                pl_err *err);

void plc_manifest_free(plc_manifest *m);
int plc_manifest_to_json(const plc_manifest *m, int indent, plu_buf *out);
int plc_manifest_summary(const plc_manifest *m, plu_buf *out);

/* ---- the grants file: remembered permission answers ---------------------
** [paths] grants_file (docs/configuration.md): per plugin, the requests an
** operator allowed or denied for good, at a prompt or with `plinth grants`.
** A permission is written "CAP" for a host service (log, llm, retrieval,
** plan) or "CAP=ITEM" for a resource: network=HOST-PATTERN, fs_read=PATH,
** fs_write=PATH (absolute), environment=NAME. */

/* Canonical form of one permission typed by a person or read from a file,
** appended to out: "filesystem.read" becomes "fs_read", "~" is expanded
** and trailing '/' dropped from paths; the capability bit goes to *cap
** (cap may be NULL). PL_OK; PL_E_INVALID_ARG with why saying what is
** wrong (did-you-mean for an unknown capability); PL_E_NOMEM. On failure
** out is left as it was. */
pl_status plc_perm_canon(const char *text, plu_buf *out, unsigned *cap, char *why,
                         size_t whylen);

/* One [[plugins]] entry. Lists hold canonical permissions. */
typedef struct plc_grant_entry {
    const char *name;     /* the plugin's configured name */
    const char *sha256;   /* the artefact the answers are for; NULL: any */
    const char *location; /* where it was when answered: for people only */
    plc_strlist allow, deny;
    pl_loc loc;           /* where the entry starts (0 for a new one) */
} plc_grant_entry;

typedef struct plc_grants_file {
    const char *path;
    plc_grant_entry *entries; /* in file order; new ones at the end */
    size_t n_entries;
    plc_doc *doc;             /* owned; NULL for a file that did not exist */
    plu_arena arena;          /* owns the model (edits allocate here too) */
} plc_grants_file;

/* Read the file. A file that does not exist reads as no entries (PL_OK);
** a malformed one is PL_E_SYNTAX / PL_E_CONFIG with file:line:col. */
pl_status plc_grants_file_load(const char *path, plc_grants_file **out, pl_err *err);
/* The same from text already read (path names it in messages). */
pl_status plc_grants_file_parse(const char *text, size_t len, const char *path,
                                plc_grants_file **out, pl_err *err);
void plc_grants_file_free(plc_grants_file *f);

typedef enum plc_decision {
    PLC_UNDECIDED,
    PLC_ALLOWED,
    PLC_DENIED,
} plc_decision;

/* Whether perm (canonical) was answered for plugin name whose artefact has
** this sha256 (NULL: unknown). The entries named name that apply are the
** ones without a sha256 and the one with this sha256; a deny in any of
** them wins over an allow. */
plc_decision plc_grants_file_decide(const plc_grants_file *f, const char *name,
                                    const char *sha256, const char *perm);

/* Remember perm (canonical) for (name, sha256): added to the allow or deny
** list of that entry (made, with location, when missing) and taken off the
** other list of every entry it overlaps (same name; sha256 NULL on either
** side, or equal). PL_OK or PL_E_NOMEM. */
pl_status plc_grants_file_set(plc_grants_file *f, const char *name, const char *sha256,
                              const char *location, const char *perm, bool allow, pl_err *err);
/* Forget perm (NULL: everything) in every entry named name; entries left
** with no answer are dropped. Returns how many answers went. */
size_t plc_grants_file_revoke(plc_grants_file *f, const char *name, const char *perm);

/* The file as plinth writes it (header comment, then the entries), as
** JSON ({"file", "plugins": [{"name", "sha256", "location", "allow",
** "deny"}]}), or as a summary for people. Append; 0 or -1 on out of memory. */
int plc_grants_file_to_toml(const plc_grants_file *f, plu_buf *out);
int plc_grants_file_to_json(const plc_grants_file *f, int indent, plu_buf *out);
int plc_grants_file_summary(const plc_grants_file *f, plu_buf *out);

/*
** Change the file safely: make its folder (0700) if needed, lock the
** folder against other writers (flock), read the file afresh, let edit
** change the model, then replace the file atomically (temporary file,
** fsync, rename; mode 0600). A status other than PL_OK from edit is
** returned and nothing is written. A symlinked file is written through.
*/
typedef pl_status (*plc_grants_edit_fn)(plc_grants_file *f, void *user, pl_err *err);
pl_status plc_grants_file_update(const char *path, plc_grants_edit_fn edit, void *user,
                                 pl_err *err);

/* ---- names ---------------------------------------------------------------- */

const char *plc_plugin_kind_name(plc_plugin_kind k); /* "provider", ... */
const char *plc_source_name(plc_source s);           /* "file", "url", ... */
const char *plc_artifact_name(plc_artifact a);       /* "wasm", ... */
const char *plc_protocol_name(plc_protocol p);       /* "jsonrpc", "mcp" */
const char *plc_policy_name(plc_sig_policy p);       /* "require", ... */

/* True for keys whose values are secrets in printed output: api_key, and
** keys containing "secret", "password" or "passwd", or ending in "_key",
** "apikey" or "token" (any case). */
bool plc_is_secret_key(const char *key);

#endif
