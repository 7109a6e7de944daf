/*
** model.c — the host configuration: one field table per section, the top
** level, defaults (static ones in the tables, the XDG-dependent paths
** filled in afterwards), cross-section checks, and finding the file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"

/* ---- [limits] ---------------------------------------------------------------------- */

/* Order = PLC_LIMIT_* bits. Bounds: fuel must exist (a zero budget traps
** at once); memory between one Wasm page and the wasm32 maximum (4 GiB);
** a call may take up to a day; call depth and pool sizes that an
** interpreter can honour. The HTTP keys keep the client's defaults (three
** attempts in all, as OpenAI's own SDKs make); 0 retries is allowed, a 0
** wait or timeout is not (the client reads 0 as "its default"). Ten
** retries is already more load than a struggling server should get, and
** a connect that takes ten minutes is not coming. */
const plc_field plc_limits_fields[] = {
    {.key = "fuel_units", .type = PLC_F_U64, .offset = offsetof(plc_limits, fuel_units),
     .def.u = 10000000, .lo = 1, .hi = INT64_MAX, .hints = "fuel"},
    {.key = "mem_bytes", .type = PLC_F_U64, .offset = offsetof(plc_limits, mem_bytes),
     .def.u = 268435456, .lo = 65536, .hi = 4294967296ull,
     .hints = "memory memory_bytes max_memory mem"},
    {.key = "wall_timeout_ms", .type = PLC_F_U32, .offset = offsetof(plc_limits, wall_timeout_ms),
     .def.u = 5000, .lo = 1, .hi = 86400000, .hints = "timeout timeout_ms wall_time"},
    {.key = "max_call_depth", .type = PLC_F_U32, .offset = offsetof(plc_limits, max_call_depth),
     .def.u = 1024, .lo = 16, .hi = 1000000, .hints = "stack stack_depth call_depth"},
    {.key = "instances", .type = PLC_F_U32, .offset = offsetof(plc_limits, instances),
     .def.u = 4, .lo = 1, .hi = 256, .hints = "pool pool_size max_instances"},
    {.key = "max_output_bytes", .type = PLC_F_U64,
     .offset = offsetof(plc_limits, max_output_bytes), .def.u = 16777216, .lo = 1024,
     .hi = 1073741824, .hints = "output output_bytes max_output"},
    {.key = "connect_timeout_ms", .type = PLC_F_U32,
     .offset = offsetof(plc_limits, connect_timeout_ms), .def.u = 10000, .lo = 1, .hi = 600000,
     .hints = "connect_timeout connection_timeout_ms connect_ms"},
    {.key = "max_retries", .type = PLC_F_U32, .offset = offsetof(plc_limits, max_retries),
     .def.u = 2, .lo = 0, .hi = 10, .hints = "retries retry retry_count max_retry max_attempts"},
    {.key = "retry_base_ms", .type = PLC_F_U32, .offset = offsetof(plc_limits, retry_base_ms),
     .def.u = 500, .lo = 1, .hi = 60000,
     .hints = "backoff backoff_ms retry_delay_ms retry_delay retry_base"},
    {.key = "retry_max_wait_ms", .type = PLC_F_U32,
     .offset = offsetof(plc_limits, retry_max_wait_ms), .def.u = 30000, .lo = 1,
     .hi = 86400000, .hints = "max_backoff_ms max_wait_ms retry_max_ms max_retry_wait_ms"},
    {0},
};

/* ---- [oci] ----------------------------------------------------------------------------- */

static pl_status check_repo_name(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    const char *slash = strchr(s, '/');
    char k[PLC_QUOTE_MAX], q[PLC_QUOTE_MAX];
    if (slash && slash != s && slash[1] && !strchr(slash + 1, '/') && !strchr(s, ' '))
        return PL_OK;
    return plc_fail(cx, &m->value->loc, "'%s' must be a GitHub repository 'owner/name', got '%s'",
                    plc_quote(k, sizeof k, m->key, m->key_len), plc_quote(q, sizeof q, s, strlen(s)));
}

/* A scope is "registry/repository" with globs; "oci://" in front is
** tolerated and dropped. */
static pl_status check_scope(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char **s = (const char **)field;
    char q[PLC_QUOTE_MAX];
    if (strncmp(*s, "oci://", 6) == 0)
        *s += 6;
    if (**s && !strchr(*s, ' ') && !strchr(*s, '@'))
        return PL_OK;
    return plc_fail(cx, &m->value->loc,
                    "'scope' must be a registry/repository pattern such as 'ghcr.io/org/*', got "
                    "'%s'",
                    plc_quote(q, sizeof q, *s, strlen(*s)));
}

static const plc_field identity_fields[] = {
    {.key = "scope", .type = PLC_F_STRING, .flags = PLC_FF_REQUIRED,
     .offset = offsetof(plc_oci_identity, scope), .check = check_scope,
     .hints = "match pattern repository"},
    {.key = "issuer", .type = PLC_F_STRING, .offset = offsetof(plc_oci_identity, issuer),
     .check = plc_check_http_url, .hints = "cert_issuer"},
    {.key = "subject", .type = PLC_F_STRING, .offset = offsetof(plc_oci_identity, subject),
     .hints = "email cert_email url cert_url identity san"},
    {.key = "github_workflow_repository", .type = PLC_F_STRING,
     .offset = offsetof(plc_oci_identity, github_workflow_repository), .check = check_repo_name,
     .hints = "repository workflow_repository"},
    {.key = "public_key", .type = PLC_F_PATH, .offset = offsetof(plc_oci_identity, public_key),
     .hints = "key cosign_key"},
    {0},
};

static pl_status decode_identity(plc_dctx *cx, const plc_node *t, plc_oci_identity *id)
{
    if (t->kind != PLC_TABLE)
        return plc_fail(cx, &t->loc, "each entry of 'identities' must be a table, got %s",
                        plc_kind_name(t->kind));
    id->loc = t->loc;
    pl_status st = plc_decode_table(cx, identity_fields, "in [[oci.identities]]", t, id, NULL);
    if (st != PL_OK)
        return st;
    if (id->public_key || (id->issuer && (id->subject || id->github_workflow_repository)))
        return PL_OK;
    return plc_fail(cx, &t->loc,
                    "identity rule for '%s' needs 'public_key' (key-based), or 'issuer' with "
                    "'subject' or 'github_workflow_repository' (keyless)",
                    id->scope);
}

static pl_status decode_identities(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_oci *oci = obj;
    const plc_node *a = m->value;
    if (a->kind != PLC_ARRAY)
        return plc_fail(cx, &a->loc,
                        "'identities' must be an array of tables ([[oci.identities]] in TOML), "
                        "got %s",
                        plc_kind_name(a->kind));
    pl_status st = plc_alloc_array(cx, a->u.a.len, sizeof *oci->identities,
                                   (void **)&oci->identities);
    for (size_t i = 0; st == PL_OK && i < a->u.a.len; i++)
        st = decode_identity(cx, a->u.a.items[i], &oci->identities[i]);
    if (st == PL_OK)
        oci->n_identities = a->u.a.len;
    return st;
}

static const plc_field oci_fields[] = {
    {.key = "insecure_skip_signature", .type = PLC_F_BOOL,
     .offset = offsetof(plc_oci, insecure_skip_signature), .def.b = false,
     .hints = "skip_signature insecure"},
    {.key = "use_sigstore_tuf_data", .type = PLC_F_BOOL,
     .offset = offsetof(plc_oci, use_sigstore_tuf_data), .def.b = true, .hints = "tuf sigstore"},
    {.key = "cert_email", .type = PLC_F_STRING, .offset = offsetof(plc_oci, cert_email),
     .hints = "email"},
    {.key = "cert_issuer", .type = PLC_F_STRING, .offset = offsetof(plc_oci, cert_issuer),
     .def.s = "https://token.actions.githubusercontent.com", .check = plc_check_http_url,
     .hints = "issuer"},
    {.key = "cert_url", .type = PLC_F_STRING, .offset = offsetof(plc_oci, cert_url),
     .hints = "url"},
    {.key = "rekor_pub_keys", .type = PLC_F_PATH, .offset = offsetof(plc_oci, rekor_pub_keys),
     .hints = "rekor rekor_keys"},
    {.key = "fulcio_certs", .type = PLC_F_PATH, .offset = offsetof(plc_oci, fulcio_certs),
     .hints = "fulcio fulcio_cert"},
    {.key = "github_workflow_repository", .type = PLC_F_STRING,
     .offset = offsetof(plc_oci, github_workflow_repository), .check = check_repo_name,
     .hints = "workflow_repository repository"},
    {.key = "identities", .type = PLC_F_CUSTOM, .decode = decode_identities,
     .hints = "identity publishers policy"},
    {.key = "insecure_registries", .type = PLC_F_STRLIST,
     .offset = offsetof(plc_oci, insecure_registries), .check = plc_check_host_list,
     .hints = "plain_http http_registries"},
    {.key = "auth_file", .type = PLC_F_PATH, .offset = offsetof(plc_oci, auth_file),
     .hints = "credentials docker_config auth"},
    {0},
};

/* ---- [paths], [trust], [telemetry] -------------------------------------------------------------- */

static const plc_field paths_fields[] = {
    {.key = "user_dir", .type = PLC_F_PATH, .offset = offsetof(plc_paths, user_dir),
     .hints = "user plugin_dir"},
    {.key = "system_dir", .type = PLC_F_PATH, .offset = offsetof(plc_paths, system_dir),
     .def.s = "/usr/lib/plinth/plugins", .hints = "system"},
    {.key = "extra_dirs", .type = PLC_F_PATHLIST, .offset = offsetof(plc_paths, extra_dirs),
     .hints = "dirs plugin_dirs search_path"},
    {.key = "cache_dir", .type = PLC_F_PATH, .offset = offsetof(plc_paths, cache_dir),
     .hints = "cache"},
    {.key = "grants_file", .type = PLC_F_PATH, .offset = offsetof(plc_paths, grants_file),
     .hints = "grants permissions_file"},
    {0},
};

static const char *const policy_names[] = {"require", "warn", "off", NULL};

static const plc_field trust_fields[] = {
    {.key = "trusted_keys", .type = PLC_F_PATH, .offset = offsetof(plc_trust, trusted_keys),
     .hints = "keys keys_file trusted_keys_file"},
    {.key = "policy", .type = PLC_F_ENUM, .offset = offsetof(plc_trust, policy),
     .def.e = PLC_POLICY_REQUIRE, .names = policy_names, .hints = "signature_policy mode"},
    {.key = "allow_unsigned_native", .type = PLC_F_BOOL,
     .offset = offsetof(plc_trust, allow_unsigned_native), .def.b = false,
     .hints = "unsigned_native"},
    {.key = "allow_unsigned", .type = PLC_F_STRLIST, .offset = offsetof(plc_trust, allow_unsigned),
     .hints = "unsigned trusted"},
    {0},
};

/* HTTP header names are tokens (RFC 9110); values may not break the line. */
static pl_status check_headers(plc_dctx *cx, const plc_member *m, const void *field)
{
    const plc_kvlist *kv = field;
    char q[PLC_QUOTE_MAX];
    for (size_t i = 0; i < kv->len; i++) {
        const char *n = kv->items[i].name;
        if (!*n || n[strspn(n, "!#$%&'*+-.^_`|~0123456789"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")])
            return plc_fail(cx, &m->value->u.t.items[i].key_loc,
                            "'headers' name '%s' is not a valid HTTP header name",
                            plc_quote(q, sizeof q, n, strlen(n)));
        if (strpbrk(kv->items[i].value, "\r\n"))
            return plc_fail(cx, &m->value->u.t.items[i].value->loc,
                            "'headers' value of '%s' must not contain line breaks", n);
    }
    return PL_OK;
}

static const plc_field telemetry_fields[] = {
    {.key = "enabled", .type = PLC_F_BOOL, .offset = offsetof(plc_telemetry, enabled),
     .def.b = false, .hints = "enable"},
    {.key = "endpoint", .type = PLC_F_STRING, .offset = offsetof(plc_telemetry, endpoint),
     .check = plc_check_http_url, .hints = "url otlp_endpoint"},
    {.key = "service_name", .type = PLC_F_STRING, .offset = offsetof(plc_telemetry, service_name),
     .def.s = "plinth", .hints = "service name"},
    {.key = "headers", .type = PLC_F_KV, .offset = offsetof(plc_telemetry, headers),
     .check = check_headers, .hints = "header"},
    {.key = "sample_ratio", .type = PLC_F_FLOAT, .offset = offsetof(plc_telemetry, sample_ratio),
     .def.f = 1.0, .flo = 0.0, .fhi = 1.0, .hints = "sampling sample_rate ratio"},
    {.key = "timeout_ms", .type = PLC_F_U32, .offset = offsetof(plc_telemetry, timeout_ms),
     .def.u = 10000, .lo = 1, .hi = 600000, .hints = "timeout export_timeout_ms"},
    {0},
};

/* ---- top level ---------------------------------------------------------------------------------- */

#define SECTION_DECODER(fn, member_, table)                                       \
    static pl_status fn(plc_dctx *cx, const plc_member *m, void *obj)            \
    {                                                                            \
        plc_config *cfg = obj;                                                   \
        return plc_decode_nested(cx, m, table, "a table", &cfg->member_, NULL); \
    }

SECTION_DECODER(decode_oci, oci, oci_fields)
SECTION_DECODER(decode_limits, limits, plc_limits_fields)
SECTION_DECODER(decode_paths, paths, paths_fields)
SECTION_DECODER(decode_trust, trust, trust_fields)
SECTION_DECODER(decode_telemetry, telemetry, telemetry_fields)

static const plc_field top_fields[] = {
    {.key = "providers", .type = PLC_F_CUSTOM, .decode = plc_decode_providers,
     .hints = "provider"},
    {.key = "plugins", .type = PLC_F_CUSTOM, .decode = plc_decode_plugins,
     .hints = "plugin tools"},
    {.key = "oci", .type = PLC_F_CUSTOM, .decode = decode_oci, .hints = "registry"},
    {.key = "limits", .type = PLC_F_CUSTOM, .decode = decode_limits, .hints = "limit"},
    {.key = "paths", .type = PLC_F_CUSTOM, .decode = decode_paths, .hints = "path dirs"},
    {.key = "trust", .type = PLC_F_CUSTOM, .decode = decode_trust,
     .hints = "signatures security"},
    {.key = "telemetry", .type = PLC_F_CUSTOM, .decode = decode_telemetry,
     .hints = "otel tracing opentelemetry"},
    {0},
};

/* ---- defaults -------------------------------------------------------------------------------------- */

/* $VAR when it is an absolute path (the XDG rule), else $HOME/fallback;
** then "/plinth" and an optional leaf. NULL in *out when neither is set. */
static pl_status xdg_path(plc_dctx *cx, const char *var, const char *fallback, const char *leaf,
                          const char **out)
{
    const char *base = getenv(var), *home = getenv("HOME");
    char *s;
    *out = NULL;
    if (base && base[0] == '/')
        home = NULL;
    else if (home && *home)
        base = NULL;
    else
        return PL_OK;
    size_t n = (base ? strlen(base) : strlen(home) + strlen(fallback) + 1) + 8 +
               (leaf ? strlen(leaf) + 1 : 0) + 1;
    if (!(s = plu_arena_alloc(cx->arena, n)))
        return plc_nomem(cx);
    snprintf(s, n, "%s%s%s/plinth%s%s", base ? base : home, base ? "" : "/",
             base ? "" : fallback, leaf ? "/" : "", leaf ? leaf : "");
    *out = s;
    return PL_OK;
}

static pl_status fill_default(plc_dctx *cx, const char **field, const char *var,
                              const char *fallback, const char *leaf)
{
    return *field ? PL_OK : xdg_path(cx, var, fallback, leaf, field);
}

static pl_status fill_env_defaults(plc_dctx *cx, plc_config *cfg)
{
    pl_status st;
    if ((st = fill_default(cx, &cfg->paths.user_dir, "XDG_DATA_HOME", ".local/share", "plugins")) ||
        (st = fill_default(cx, &cfg->paths.cache_dir, "XDG_CACHE_HOME", ".cache", NULL)) ||
        (st = fill_default(cx, &cfg->paths.grants_file, "XDG_CONFIG_HOME", ".config",
                           "grants.toml")) ||
        (st = fill_default(cx, &cfg->trust.trusted_keys, "XDG_CONFIG_HOME", ".config",
                           "trusted_keys.toml")))
        return st;
    return PL_OK;
}

static void static_defaults(plc_config *cfg)
{
    plc_apply_defaults(oci_fields, &cfg->oci);
    plc_apply_defaults(plc_limits_fields, &cfg->limits);
    plc_apply_defaults(paths_fields, &cfg->paths);
    plc_apply_defaults(trust_fields, &cfg->trust);
    plc_apply_defaults(telemetry_fields, &cfg->telemetry);
}

static plc_config *config_new(void)
{
    plc_config *cfg = plu_calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    plu_arena_init(&cfg->arena);
    static_defaults(cfg);
    return cfg;
}

pl_status plc_config_defaults(plc_config **out, pl_err *err)
{
    *out = NULL;
    plc_config *cfg = config_new();
    if (!cfg)
        return plu_err_nomem(err);
    plc_dctx cx = {.err = err, .arena = &cfg->arena};
    pl_status st = fill_env_defaults(&cx, cfg);
    if (st != PL_OK) {
        plc_config_free(cfg);
        return st;
    }
    *out = cfg;
    return PL_OK;
}

void plc_config_free(plc_config *cfg)
{
    if (!cfg)
        return;
    plc_doc_free(cfg->doc);
    plu_arena_free(&cfg->arena);
    plu_free(cfg);
}

/* ---- checks across sections ------------------------------------------------------------------------ */

static pl_status check_allow_unsigned(plc_dctx *cx, const plc_config *cfg)
{
    const plc_node *a = plc_get(plc_get(cfg->doc->root, "trust"), "allow_unsigned");
    for (size_t i = 0; i < cfg->trust.allow_unsigned.len; i++) {
        const char *name = cfg->trust.allow_unsigned.items[i];
        if (plc_config_plugin(cfg, name))
            continue;
        const char *names[64];
        size_t n = 0;
        for (size_t j = 0; j < cfg->n_providers && n < 63; j++)
            names[n++] = cfg->providers[j].name;
        for (size_t j = 0; j < cfg->n_plugins && n < 63; j++)
            names[n++] = cfg->plugins[j].name;
        names[n] = NULL;
        const char *near = plc_suggest(name, names);
        char q[PLC_QUOTE_MAX], hint[128] = "";
        if (near)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
        return plc_fail(cx, &a->u.a.items[i]->loc,
                        "'allow_unsigned' names '%s', which is not a provider or plugin in this "
                        "file%s",
                        plc_quote(q, sizeof q, name, strlen(name)), hint);
    }
    return PL_OK;
}

static pl_status check_telemetry(plc_dctx *cx, const plc_config *cfg)
{
    if (!cfg->telemetry.enabled || cfg->telemetry.endpoint)
        return PL_OK;
    const plc_node *t = plc_get(cfg->doc->root, "telemetry");
    return plc_fail(cx, &plc_get(t, "enabled")->loc,
                    "telemetry is enabled but 'endpoint' is not set (an OTLP/HTTP URL such as "
                    "http://localhost:4318/v1/traces)");
}

static pl_status finish(plc_dctx *cx, plc_config *cfg)
{
    pl_status st = fill_env_defaults(cx, cfg);
    if (st == PL_OK)
        st = plc_finish_plugins(cx, cfg);
    if (st == PL_OK)
        st = check_allow_unsigned(cx, cfg);
    if (st == PL_OK)
        st = check_telemetry(cx, cfg);
    return st;
}

/* ---- loading ------------------------------------------------------------------------------------------ */

/* The folder part of path ("a/b/c.toml" -> "a/b", "/c.toml" -> "/"), or
** NULL for a bare file name. */
static pl_status dir_of(plc_dctx *cx, const char *path, const char **out)
{
    const char *slash = strrchr(path, '/');
    *out = NULL;
    if (!slash)
        return PL_OK;
    char *d = plc_dupn(cx, path, slash == path ? 1 : (size_t)(slash - path));
    if (!d)
        return plc_nomem(cx);
    *out = d;
    return PL_OK;
}

static pl_status decode_root(plc_dctx *cx, plc_config *cfg)
{
    const plc_node *root = cfg->doc->root;
    if (!root || root->kind == PLC_NULL) /* an empty YAML file: all defaults */
        return PL_OK;
    if (root->kind != PLC_TABLE)
        return plc_fail(cx, &root->loc,
                        "a configuration must be a table (mapping) at the top level, got %s",
                        plc_kind_name(root->kind));
    return plc_decode_table(cx, top_fields, "at the top level", root, cfg, NULL);
}

pl_status plc_config_from_doc(plc_doc *doc, const char *path, plc_config **out, pl_err *err)
{
    *out = NULL;
    plc_config *cfg = config_new();
    if (!cfg) {
        plc_doc_free(doc);
        return plu_err_nomem(err);
    }
    cfg->doc = doc;
    plc_dctx cx = {.err = err, .arena = &cfg->arena};
    const char *name = path ? path : doc->file;
    pl_status st = PL_OK;
    if (!(cfg->path = plc_dup(&cx, name)))
        st = plc_nomem(&cx);
    if (st == PL_OK)
        st = dir_of(&cx, cfg->path, &cx.base_dir);
    if (st == PL_OK)
        st = decode_root(&cx, cfg);
    if (st == PL_OK)
        st = finish(&cx, cfg);
    if (st != PL_OK) {
        plc_config_free(cfg);
        return st;
    }
    *out = cfg;
    return PL_OK;
}

pl_status plc_config_load(const char *path, plc_config **out, pl_err *err)
{
    *out = NULL;
    plc_doc *doc;
    pl_status st = plc_parse_file(path, &doc, err);
    if (st != PL_OK)
        return st;
    return plc_config_from_doc(doc, path, out, err);
}

/* ---- finding the file ------------------------------------------------------------------------------------ */

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A path that must exist (explicit or $PLINTH_CONFIG). */
static pl_status must_exist(const char *path, bool from_env, char **out, pl_err *err)
{
    struct stat sb;
    const char *what = from_env ? "$PLINTH_CONFIG is set to" : "configuration file";
    if (stat(path, &sb) != 0)
        return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s '%s'%s does not exist", what, path,
                        from_env ? ", which" : "");
    if (!S_ISREG(sb.st_mode))
        return plu_errf(err, PL_E_IO, NULL, "%s '%s'%s is not a regular file", what, path,
                        from_env ? ", which" : "");
    *out = plu_strdup(path);
    return *out ? PL_OK : plu_err_nomem(err);
}

static pl_status find_xdg(char **out, pl_err *err)
{
    static const char *const names[] = {"plinth.toml", "plinth.json", "plinth.yaml", "plinth.yml"};
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    const char *sub = "";
    if (!xdg || xdg[0] != '/') {
        if (!home || !*home)
            return PL_OK;
        xdg = home;
        sub = "/.config";
    }
    plu_buf b;
    plu_buf_init(&b);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        b.len = 0;
        if (plu_buf_printf(&b, "%s%s/plinth/%s", xdg, sub, names[i]) != 0) {
            plu_buf_free(&b);
            return plu_err_nomem(err);
        }
        if (is_file(b.data)) {
            *out = plu_buf_take(&b);
            return *out ? PL_OK : plu_err_nomem(err);
        }
    }
    plu_buf_free(&b);
    return PL_OK;
}

pl_status plc_config_find(const char *explicit_path, char **out_path, pl_err *err)
{
    static const char *const local[] = {"plinth.toml", "plugins.toml", "providers.toml"};
    *out_path = NULL;
    if (explicit_path)
        return must_exist(explicit_path, false, out_path, err);
    const char *env = getenv("PLINTH_CONFIG");
    if (env && *env)
        return must_exist(env, true, out_path, err);
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        if (is_file(local[i])) {
            *out_path = plu_strdup(local[i]);
            return *out_path ? PL_OK : plu_err_nomem(err);
        }
    }
    return find_xdg(out_path, err);
}
