/*
** model_plugins.c — [[providers]] and [[plugins]] entries: where each
** plugin comes from (file, URL, OCI reference or process), what it may do
** (capabilities, permissions), its limit overrides, and the provider keys
** the host reads from [providers.config]. Names are unique across both
** lists.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"

/* Field indexes used by the checks below (the tables list them in this
** order first). */
enum { F_NAME, F_ENABLED, F_PATH, F_SHA256, F_COMMAND, F_ARGS, F_PROTOCOL, F_ENV, F_CWD };

/* ---- single-key decoders -------------------------------------------------------- */

pl_status plc_check_name_field(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char q[PLC_QUOTE_MAX];
    if (plc_check_name(s))
        return PL_OK;
    if (strlen(s) > 64)
        return plc_fail(cx, &m->value->loc, "'name' must be at most 64 characters, got %zu",
                        strlen(s));
    return plc_fail(cx, &m->value->loc,
                    "'name' must start with a letter or digit and contain only letters, "
                    "digits, '_', '-' and '.', got '%s'",
                    plc_quote(q, sizeof q, s, strlen(s)));
}

static pl_status check_env_kv(plc_dctx *cx, const plc_member *m, const void *field)
{
    const plc_kvlist *kv = field;
    char q[PLC_QUOTE_MAX];
    for (size_t i = 0; i < kv->len; i++)
        if (!plc_check_env_name(kv->items[i].name))
            return plc_fail(cx, &m->value->u.t.items[i].key_loc,
                            "'env' names must be environment variable names like "
                            "API_TOKEN, got '%s'",
                            plc_quote(q, sizeof q, kv->items[i].name,
                                      m->value->u.t.items[i].key_len));
    return PL_OK;
}

static pl_status decode_kind(plc_dctx *cx, const plc_member *m, void *obj)
{
    static const char *const names[] = {"tool", "prompt", "context", NULL};
    plc_plugin *p = obj;
    if (m->value->kind == PLC_STRING && strcmp(m->value->u.s.ptr, "provider") == 0)
        return plc_fail(cx, &m->value->loc,
                        "kind 'provider' is not allowed in [[plugins]]: declare providers in "
                        "[[providers]]");
    int k;
    pl_status st = plc_decode_enum(cx, m, names, &k);
    if (st == PL_OK)
        p->kind = (plc_plugin_kind)(PLC_KIND_TOOL + k);
    return st;
}

static pl_status decode_protocol(plc_dctx *cx, const plc_member *m, void *obj)
{
    static const char *const names[] = {"jsonrpc", "mcp", NULL};
    plc_plugin *p = obj;
    int k;
    pl_status st = plc_decode_enum(cx, m, names, &k);
    if (st == PL_OK)
        p->protocol = (plc_protocol)(PLC_PROTOCOL_JSONRPC + k);
    return st;
}

static pl_status decode_limits(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_plugin *p = obj;
    uint64_t seen = 0;
    pl_status st = plc_decode_nested(cx, m, plc_limits_fields, "a table", &p->limits, &seen);
    p->limits_set = (unsigned)seen;
    return st;
}

static pl_status decode_capabilities(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_plugin *p = obj;
    p->grants.caps &= ~(unsigned)PLC_CAP_SERVICES; /* the list replaces the default */
    return plc_decode_caps(cx, m, PLC_CAP_SERVICES,
                           "'capabilities' grants host services (log, llm, retrieval, plan); "
                           "grant network, filesystem and environment access with 'permissions'",
                           &p->grants.caps);
}

static pl_status decode_permissions(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_plugin *p = obj;
    return plc_decode_grants(cx, m, false, &p->grants);
}

/* [providers.config]: kept whole for the plugin; the host also reads
** base_url, allowed_hosts, api_key and api_key_name from it. */
static pl_status check_api_key_name(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char q[PLC_QUOTE_MAX];
    if (plc_check_env_name(s))
        return PL_OK;
    return plc_fail(cx, &m->value->loc,
                    "'api_key_name' must be an environment variable name like "
                    "OPENAI_API_KEY, got '%s'",
                    plc_quote(q, sizeof q, s, strlen(s)));
}

static const plc_field host_read_fields[] = {
    {.key = "base_url", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, base_url),
     .check = plc_check_http_url},
    {.key = "allowed_hosts", .type = PLC_F_STRLIST, .offset = offsetof(plc_plugin, allowed_hosts),
     .check = plc_check_host_list},
    {.key = "api_key", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, api_key)},
    {.key = "api_key_name", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, api_key_name),
     .check = check_api_key_name},
    {0},
};

static pl_status decode_provider_config(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_plugin *p = obj;
    if (m->value->kind != PLC_TABLE)
        return plc_type_error(cx, m, "a table");
    p->config = m->value;
    for (const plc_field *f = host_read_fields; f->key; f++) {
        const plc_member *hm = plc_table_find(m->value, f->key, strlen(f->key));
        if (!hm || hm->value->kind == PLC_NULL)
            continue;
        pl_status st = plc_decode_field(cx, f, hm, p);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* ---- entry tables ----------------------------------------------------------------------- */

#define ENTRY_COMMON_FIELDS                                                                     \
    {.key = "name", .type = PLC_F_STRING, .flags = PLC_FF_REQUIRED,                             \
     .offset = offsetof(plc_plugin, name), .check = plc_check_name_field, .hints = "id"},                 \
    {.key = "enabled", .type = PLC_F_BOOL, .offset = offsetof(plc_plugin, enabled),             \
     .def.b = true, .hints = "enable disabled"},                                                \
    {.key = "path", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, path),                 \
     .hints = "file url wasm library oci"},                                                     \
    {.key = "sha256", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, sha256),             \
     .hints = "digest hash checksum"},                                                          \
    {.key = "command", .type = PLC_F_STRING, .offset = offsetof(plc_plugin, command),           \
     .hints = "cmd exec program"},                                                              \
    {.key = "args", .type = PLC_F_STRLIST, .offset = offsetof(plc_plugin, args),                \
     .hints = "arguments argv"},                                                                \
    {.key = "protocol", .type = PLC_F_CUSTOM, .decode = decode_protocol},                       \
    {.key = "env", .type = PLC_F_KV, .offset = offsetof(plc_plugin, env),                       \
     .check = check_env_kv, .hints = "environ"},                                                \
    {.key = "cwd", .type = PLC_F_PATH, .offset = offsetof(plc_plugin, cwd),                     \
     .hints = "workdir working_dir directory dir"},                                             \
    {.key = "limits", .type = PLC_F_CUSTOM, .decode = decode_limits, .hints = "limit"},        \
    {.key = "capabilities", .type = PLC_F_CUSTOM, .decode = decode_capabilities,                \
     .hints = "caps services"},                                                                 \
    {.key = "permissions", .type = PLC_F_CUSTOM, .decode = decode_permissions,                  \
     .hints = "perms grants"}

static const plc_field provider_fields[] = {
    ENTRY_COMMON_FIELDS,
    {.key = "config", .type = PLC_F_CUSTOM, .decode = decode_provider_config,
     .hints = "settings options"},
    {0},
};

static const plc_field plugin_fields[] = {
    ENTRY_COMMON_FIELDS,
    {.key = "config", .type = PLC_F_TABLE, .offset = offsetof(plc_plugin, config),
     .hints = "settings options"},
    {.key = "kind", .type = PLC_F_CUSTOM, .decode = decode_kind, .hints = "type"},
    {0},
};

/* ---- where a plugin comes from ------------------------------------------------------ */

static const char *extension(const char *s, size_t n)
{
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '/')
            return NULL;
        if (s[i - 1] == '.')
            return s + i - 1;
    }
    return NULL;
}

static plc_artifact artifact_of(const char *s, size_t n)
{
    static const struct { const char *ext; plc_artifact a; } exts[] = {
        {".wasm", PLC_ARTIFACT_WASM}, {".so", PLC_ARTIFACT_NATIVE},
        {".dylib", PLC_ARTIFACT_NATIVE}, {".dll", PLC_ARTIFACT_NATIVE},
    };
    const char *e = extension(s, n);
    for (size_t i = 0; e && i < sizeof exts / sizeof exts[0]; i++)
        if ((size_t)(s + n - e) == strlen(exts[i].ext) &&
            strncasecmp(e, exts[i].ext, strlen(exts[i].ext)) == 0)
            return exts[i].a;
    return PLC_ARTIFACT_UNKNOWN;
}

static bool is_loopback_url(const char *url)
{
    const char *h = strstr(url, "://") + 3;
    static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncasecmp(h, hosts[i], n) == 0 && strchr(":/?#", h[n] ? h[n] : '/'))
            return true;
    }
    return false;
}

static pl_status source_oci(plc_dctx *cx, plc_plugin *p, const plc_node *v)
{
    char w[160], q[PLC_QUOTE_MAX];
    plc_oci_ref ref;
    if (!plc_oci_ref_parse(p->path, &ref, w, sizeof w))
        return plc_fail(cx, &v->loc, "'path' is not a valid OCI reference '%s': %s",
                        plc_quote(q, sizeof q, p->path, strlen(p->path)), w);
    p->oci = plu_arena_alloc(cx->arena, sizeof *p->oci);
    if (!p->oci)
        return plc_nomem(cx);
    *p->oci = ref;
    p->source = PLC_SOURCE_OCI;
    p->artifact = PLC_ARTIFACT_UNKNOWN;
    p->location = p->path;
    return PL_OK;
}

static pl_status source_url(plc_dctx *cx, plc_plugin *p, const plc_node *v)
{
    char w[160], q[PLC_QUOTE_MAX];
    if (!plc_check_url(p->path, true, w, sizeof w))
        return plc_fail(cx, &v->loc, "'path' is not a valid URL '%s': %s",
                        plc_quote(q, sizeof q, p->path, strlen(p->path)), w);
    if (strncasecmp(p->path, "http://", 7) == 0 && !p->sha256 && !is_loopback_url(p->path))
        return plc_fail(cx, &v->loc,
                        "a plain http:// 'path' needs a 'sha256' pin (or use https://)");
    p->source = PLC_SOURCE_URL;
    p->artifact = artifact_of(p->path, strcspn(p->path, "?#"));
    p->location = p->path;
    return PL_OK;
}

static pl_status source_file(plc_dctx *cx, plc_plugin *p, const plc_node *v)
{
    char q[PLC_QUOTE_MAX];
    p->source = PLC_SOURCE_FILE;
    p->artifact = artifact_of(p->path, strlen(p->path));
    if (p->artifact == PLC_ARTIFACT_UNKNOWN)
        return plc_fail(cx, &v->loc,
                        "'path' must be a .wasm, .so, .dylib or .dll file, an https:// URL or "
                        "an oci:// reference, got '%s' (a program to run goes in 'command')",
                        plc_quote(q, sizeof q, p->path, strlen(p->path)));
    return plc_expand_path(cx, &v->loc, p->path, false, &p->location);
}

static pl_status classify_path(plc_dctx *cx, plc_plugin *p, const plc_node *v)
{
    const char *scheme = strstr(p->path, "://");
    if (strncmp(p->path, "oci://", 6) == 0)
        return source_oci(cx, p, v);
    if (strncasecmp(p->path, "https://", 8) == 0 || strncasecmp(p->path, "http://", 7) == 0)
        return source_url(cx, p, v);
    if (scheme && strcspn(p->path, "/") > (size_t)(scheme - p->path)) {
        char q[PLC_QUOTE_MAX];
        return plc_fail(cx, &v->loc,
                        "'path' scheme '%s' is not supported (use a file path, https:// or "
                        "oci://)",
                        plc_quote(q, sizeof q, p->path, (size_t)(scheme - p->path) + 3));
    }
    return source_file(cx, p, v);
}

pl_status plc_normalise_sha256(plc_dctx *cx, const plc_member *m, const char **sha256)
{
    const char *s = *sha256;
    char q[PLC_QUOTE_MAX];
    if (strncmp(s, "sha256:", 7) == 0)
        s += 7;
    size_t n = strlen(s), bad = strspn(s, "0123456789abcdefABCDEF");
    if (n != 64 || bad != n)
        return plc_fail(cx, &m->value->loc,
                        "'sha256' must be 64 hexadecimal digits (the SHA-256 of the file), "
                        "got '%s' (%zu characters)",
                        plc_quote(q, sizeof q, *sha256, strlen(*sha256)), n);
    char *d = plc_dupn(cx, s, n);
    if (!d)
        return plc_nomem(cx);
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 'A' && d[i] <= 'F')
            d[i] = (char)(d[i] - 'A' + 'a');
    *sha256 = d;
    return PL_OK;
}

/* ---- entry checks --------------------------------------------------------------------- */

static const plc_member *member(const plc_node *t, const char *key)
{
    return plc_table_find(t, key, strlen(key));
}

/* Of two members, the one written later. */
static const plc_member *later(const plc_member *a, const plc_member *b)
{
    return a > b ? a : b;
}

static pl_status check_source_keys(plc_dctx *cx, const plc_node *t, plc_plugin *p, uint64_t seen,
                                   const char *what)
{
    if (p->path && p->command) {
        const plc_member *m = later(member(t, "path"), member(t, "command"));
        return plc_fail(cx, &m->key_loc,
                        "'path' and 'command' cannot both be set: a plugin is either a file "
                        "(path) or a process (command)");
    }
    if (!p->path && !p->command)
        return plc_fail(cx, &t->loc,
                        "%s needs 'path' (a .wasm/.so/.dylib/.dll file, https:// URL or oci:// "
                        "reference) or 'command' (a program to run)",
                        what);
    static const int process_only[] = {F_ARGS, F_PROTOCOL, F_ENV, F_CWD};
    static const char *const process_keys[] = {"args", "protocol", "env", "cwd"};
    for (size_t i = 0; p->path && i < 4; i++)
        if (seen & (1ull << process_only[i]))
            return plc_fail(cx, &member(t, process_keys[i])->key_loc,
                            "'%s' only applies to process plugins (with 'command', not 'path')",
                            process_keys[i]);
    if (p->command && (seen & (1ull << F_SHA256)))
        return plc_fail(cx, &member(t, "sha256")->key_loc,
                        "'sha256' pins a downloaded file; it does not apply to 'command'");
    return PL_OK;
}

static pl_status finish_source(plc_dctx *cx, const plc_node *t, plc_plugin *p)
{
    pl_status st;
    if (p->sha256 && (st = plc_normalise_sha256(cx, member(t, "sha256"), &p->sha256)) != PL_OK)
        return st;
    if (p->command) {
        p->source = PLC_SOURCE_COMMAND;
        p->artifact = PLC_ARTIFACT_PROCESS;
        if (p->protocol == PLC_PROTOCOL_NONE)
            p->protocol = PLC_PROTOCOL_JSONRPC;
        if (p->protocol == PLC_PROTOCOL_MCP && p->kind == PLC_KIND_PROVIDER)
            return plc_fail(cx, &member(t, "protocol")->value->loc,
                            "providers speak plinth's JSON-RPC (protocol = \"jsonrpc\"); 'mcp' "
                            "is for tool, prompt and context plugins");
        if (strchr(p->command, '/') || p->command[0] == '~')
            return plc_expand_path(cx, &member(t, "command")->value->loc, p->command, false,
                                   &p->command);
        return PL_OK;
    }
    const plc_member *pm = member(t, "path");
    st = classify_path(cx, p, pm->value);
    if (st == PL_OK && p->sha256 && p->source == PLC_SOURCE_OCI)
        return plc_fail(cx, &member(t, "sha256")->key_loc,
                        "'sha256' does not apply to oci:// paths: pin the image by digest "
                        "instead (oci://registry/repo@sha256:...)");
    return st;
}

static pl_status decode_entry(plc_dctx *cx, const plc_node *t, plc_plugin *p, bool provider)
{
    const plc_field *fields = provider ? provider_fields : plugin_fields;
    const char *where = provider ? "in [[providers]]" : "in [[plugins]]";
    plc_apply_defaults(fields, p);
    p->kind = provider ? PLC_KIND_PROVIDER : PLC_KIND_TOOL;
    p->grants.caps = PLC_CAP_LOG;
    p->loc = t->loc;
    uint64_t seen = 0;
    pl_status st = plc_decode_table(cx, fields, where, t, p, &seen);
    if (st != PL_OK)
        return st;
    p->name_loc = member(t, "name")->value->loc;
    char what[128];
    snprintf(what, sizeof what, "%s '%s'", provider ? "provider" : "plugin", p->name);
    st = check_source_keys(cx, t, p, seen, what);
    return st != PL_OK ? st : finish_source(cx, t, p);
}

static pl_status decode_list(plc_dctx *cx, const plc_member *m, bool provider,
                             plc_plugin **out, size_t *n_out)
{
    const plc_node *a = m->value;
    char k[PLC_QUOTE_MAX];
    plc_quote(k, sizeof k, m->key, m->key_len);
    if (a->kind != PLC_ARRAY)
        return plc_fail(cx, &a->loc, "'%s' must be an array of tables ([[%s]] in TOML), got %s",
                        k, k, plc_kind_name(a->kind));
    plc_plugin *items;
    pl_status st = plc_alloc_array(cx, a->u.a.len, sizeof *items, (void **)&items);
    for (size_t i = 0; st == PL_OK && i < a->u.a.len; i++) {
        const plc_node *t = a->u.a.items[i];
        if (t->kind != PLC_TABLE)
            return plc_fail(cx, &t->loc, "each entry of '%s' must be a table, got %s", k,
                            plc_kind_name(t->kind));
        st = decode_entry(cx, t, &items[i], provider);
    }
    if (st == PL_OK) {
        *out = items;
        *n_out = a->u.a.len;
    }
    return st;
}

pl_status plc_decode_providers(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_config *cfg = obj;
    return decode_list(cx, m, true, &cfg->providers, &cfg->n_providers);
}

pl_status plc_decode_plugins(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_config *cfg = obj;
    return decode_list(cx, m, false, &cfg->plugins, &cfg->n_plugins);
}

/* ---- after the whole file ----------------------------------------------------------------- */

static void merge_limits(plc_plugin *p, const plc_limits *global)
{
    plc_limits eff = *global;
    for (int i = 0; plc_limits_fields[i].key; i++) {
        if (!(p->limits_set & (1u << i)))
            continue;
        size_t off = plc_limits_fields[i].offset;
        size_t size = plc_limits_fields[i].type == PLC_F_U32 ? sizeof(uint32_t) : sizeof(uint64_t);
        memcpy((char *)&eff + off, (const char *)&p->limits + off, size);
    }
    p->limits = eff;
}

static int loc_cmp(const pl_loc *a, const pl_loc *b)
{
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

static int by_name_then_loc(const void *x, const void *y)
{
    const plc_plugin *a = *(const plc_plugin *const *)x, *b = *(const plc_plugin *const *)y;
    int c = strcmp(a->name, b->name);
    return c ? c : loc_cmp(&a->name_loc, &b->name_loc);
}

/* Report the earliest-written repeat of a name, against its first use. */
static pl_status check_unique(plc_dctx *cx, plc_plugin **all, size_t n)
{
    qsort(all, n, sizeof *all, by_name_then_loc);
    const plc_plugin *dup = NULL, *first = NULL;
    for (size_t i = 1, start = 0; i < n; i++) {
        if (strcmp(all[i]->name, all[start]->name) != 0) {
            start = i;
            continue;
        }
        if (!dup || loc_cmp(&all[i]->name_loc, &dup->name_loc) < 0) {
            dup = all[i];
            first = all[start];
        }
    }
    if (!dup)
        return PL_OK;
    return plc_fail(cx, &dup->name_loc, "%s '%s' is already defined at line %u",
                    first->kind == PLC_KIND_PROVIDER ? "provider" : "plugin", dup->name,
                    (unsigned)first->name_loc.line);
}

pl_status plc_finish_plugins(plc_dctx *cx, plc_config *cfg)
{
    size_t n = cfg->n_providers + cfg->n_plugins;
    for (size_t i = 0; i < cfg->n_providers; i++)
        merge_limits(&cfg->providers[i], &cfg->limits);
    for (size_t i = 0; i < cfg->n_plugins; i++)
        merge_limits(&cfg->plugins[i], &cfg->limits);
    if (n < 2)
        return PL_OK;
    plc_plugin **all = plu_malloc(n * sizeof *all);
    if (!all)
        return plc_nomem(cx);
    for (size_t i = 0; i < cfg->n_providers; i++)
        all[i] = &cfg->providers[i];
    for (size_t i = 0; i < cfg->n_plugins; i++)
        all[cfg->n_providers + i] = &cfg->plugins[i];
    pl_status st = check_unique(cx, all, n);
    plu_free(all);
    return st;
}

const plc_plugin *plc_config_plugin(const plc_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_providers; i++)
        if (strcmp(cfg->providers[i].name, name) == 0)
            return &cfg->providers[i];
    for (size_t i = 0; i < cfg->n_plugins; i++)
        if (strcmp(cfg->plugins[i].name, name) == 0)
            return &cfg->plugins[i];
    return NULL;
}
