/*
** model_json.c — a small JSON emitter (errors latch, checked once at the
** end), and the configuration's normalised JSON and summary.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* ---- emitter ------------------------------------------------------------------------ */

static void put(plc_jw *w, const char *s, size_t n)
{
    if (!w->failed && plu_buf_append(w->out, s, n) != 0)
        w->failed = -1;
}

static void put_s(plc_jw *w, const char *s) { put(w, s, strlen(s)); }

static void put_str(plc_jw *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            memcpy(esc, "\\n", 3);
        else if (c == '\t')
            memcpy(esc, "\\t", 3);
        else if (c == '\r')
            memcpy(esc, "\\r", 3);
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof esc, "\\u%04x", c);
        else
            continue;
        put(w, s + run, i - run);
        put_s(w, esc);
        run = i + 1;
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

static void newline(plc_jw *w)
{
    if (!w->indent)
        return;
    put(w, "\n", 1);
    for (int i = 0; i < w->indent * w->depth; i++)
        put(w, " ", 1);
}

static void member_start(plc_jw *w, const char *key, size_t key_len)
{
    if (!w->first)
        put(w, ",", 1);
    w->first = false;
    if (w->depth > 0)
        newline(w);
    if (key) {
        put_str(w, key, key_len);
        put_s(w, w->indent ? ": " : ":");
    }
}

static void key_start(plc_jw *w, const char *key)
{
    member_start(w, key, key ? strlen(key) : 0);
}

void plc_jw_init(plc_jw *w, plu_buf *out, int indent)
{
    *w = (plc_jw){.out = out, .indent = indent, .first = true};
}

void plc_jw_begin(plc_jw *w, const char *key, char open)
{
    key_start(w, key);
    put(w, &open, 1);
    w->depth++;
    w->first = true;
}

void plc_jw_end(plc_jw *w, char close)
{
    w->depth--;
    if (!w->first)
        newline(w);
    put(w, &close, 1);
    w->first = false;
}

void plc_jw_strn(plc_jw *w, const char *key, const char *s, size_t n)
{
    key_start(w, key);
    if (s)
        put_str(w, s, n);
    else
        put_s(w, "null");
}

void plc_jw_str(plc_jw *w, const char *key, const char *s)
{
    plc_jw_strn(w, key, s, s ? strlen(s) : 0);
}

void plc_jw_u64(plc_jw *w, const char *key, uint64_t v)
{
    char tmp[32];
    key_start(w, key);
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    put_s(w, tmp);
}

/* The shortest text that reads back as v; non-finite values as null. */
static void put_num(plc_jw *w, double v)
{
    char tmp[40] = "null";
    for (int prec = 1; isfinite(v) && prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (isfinite(v) && !strpbrk(tmp, ".eE"))
        strcat(tmp, ".0");
    put_s(w, tmp);
}

void plc_jw_num(plc_jw *w, const char *key, double v)
{
    key_start(w, key);
    put_num(w, v);
}

void plc_jw_bool(plc_jw *w, const char *key, bool v)
{
    key_start(w, key);
    put_s(w, v ? "true" : "false");
}

void plc_jw_strlist(plc_jw *w, const char *key, const plc_strlist *l)
{
    plc_jw_begin(w, key, '[');
    for (size_t i = 0; i < l->len; i++)
        plc_jw_str(w, NULL, l->items[i]);
    plc_jw_end(w, ']');
}

static void node_value(plc_jw *w, const plc_node *n, bool mask);

static void node_table(plc_jw *w, const plc_node *n, bool mask)
{
    put(w, "{", 1);
    w->depth++;
    w->first = true;
    for (size_t i = 0; i < n->u.t.len; i++) {
        const plc_member *m = &n->u.t.items[i];
        member_start(w, m->key, m->key_len);
        if (mask && m->value->kind == PLC_STRING && plc_is_secret_key(m->key))
            put_s(w, "\"***\"");
        else
            node_value(w, m->value, mask);
    }
    plc_jw_end(w, '}');
}

static void node_value(plc_jw *w, const plc_node *n, bool mask)
{
    char tmp[32];
    switch (n->kind) {
    case PLC_NULL: put_s(w, "null"); break;
    case PLC_BOOL: put_s(w, n->u.b ? "true" : "false"); break;
    case PLC_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)n->u.i);
        put_s(w, tmp);
        break;
    case PLC_FLOAT: put_num(w, n->u.f); break;
    case PLC_ARRAY:
        put(w, "[", 1);
        w->depth++;
        w->first = true;
        for (size_t i = 0; i < n->u.a.len; i++) {
            member_start(w, NULL, 0);
            node_value(w, n->u.a.items[i], mask);
        }
        plc_jw_end(w, ']');
        break;
    case PLC_TABLE: node_table(w, n, mask); break;
    default: put_str(w, n->u.s.ptr, n->u.s.len); break;
    }
    w->first = false;
}

void plc_jw_node(plc_jw *w, const char *key, const plc_node *n, bool mask)
{
    key_start(w, key);
    if (n)
        node_value(w, n, mask);
    else
        put_s(w, "null");
}

void plc_jw_kv(plc_jw *w, const char *key, const plc_kvlist *kv, bool mask_all)
{
    plc_jw_begin(w, key, '{');
    for (size_t i = 0; i < kv->len; i++) {
        bool secret = mask_all || plc_is_secret_key(kv->items[i].name);
        plc_jw_str(w, kv->items[i].name, secret ? "***" : kv->items[i].value);
    }
    plc_jw_end(w, '}');
}

void plc_jw_caps(plc_jw *w, const char *key, unsigned caps)
{
    plc_jw_begin(w, key, '[');
    for (unsigned i = 0; plc_cap_names[i]; i++)
        if (caps & (1u << i))
            plc_jw_str(w, NULL, plc_cap_names[i]);
    plc_jw_end(w, ']');
}

void plc_jw_grants(plc_jw *w, const char *key, const plc_grants *g)
{
    plc_jw_begin(w, key, '{');
    plc_jw_strlist(w, "network", &g->network);
    plc_jw_begin(w, "filesystem", '{');
    plc_jw_strlist(w, "read", &g->fs_read);
    plc_jw_strlist(w, "write", &g->fs_write);
    plc_jw_end(w, '}');
    plc_jw_strlist(w, "environment", &g->environment);
    plc_jw_end(w, '}');
}

/* ---- the configuration as JSON ------------------------------------------------------------- */

/* Every [limits] key, from the field table, so a new limit cannot be left
** out of the output. */
static void limits_json(plc_jw *w, const char *key, const plc_limits *l)
{
    plc_jw_begin(w, key, '{');
    for (const plc_field *f = plc_limits_fields; f->key; f++) {
        const char *at = (const char *)l + f->offset;
        uint64_t v;
        if (f->type == PLC_F_U32) {
            uint32_t v32;
            memcpy(&v32, at, sizeof v32);
            v = v32;
        } else {
            memcpy(&v, at, sizeof v);
        }
        plc_jw_u64(w, f->key, v);
    }
    plc_jw_end(w, '}');
}

static void source_json(plc_jw *w, const plc_plugin *p)
{
    if (p->source == PLC_SOURCE_COMMAND) {
        plc_jw_str(w, "command", p->command);
        plc_jw_strlist(w, "args", &p->args);
        plc_jw_str(w, "protocol", plc_protocol_name(p->protocol));
        plc_jw_kv(w, "env", &p->env, false);
        plc_jw_str(w, "cwd", p->cwd);
        return;
    }
    plc_jw_str(w, "path", p->path);
    plc_jw_str(w, "location", p->location);
    plc_jw_str(w, "sha256", p->sha256);
    if (p->oci) {
        plc_jw_begin(w, "oci", '{');
        plc_jw_str(w, "registry", p->oci->registry);
        plc_jw_str(w, "repository", p->oci->repository);
        plc_jw_str(w, "tag", p->oci->tag[0] ? p->oci->tag : NULL);
        plc_jw_str(w, "digest", p->oci->digest[0] ? p->oci->digest : NULL);
        plc_jw_end(w, '}');
    }
}

static void plugin_json(plc_jw *w, const plc_plugin *p)
{
    plc_jw_begin(w, NULL, '{');
    plc_jw_str(w, "name", p->name);
    plc_jw_str(w, "kind", plc_plugin_kind_name(p->kind));
    plc_jw_bool(w, "enabled", p->enabled);
    plc_jw_str(w, "source", plc_source_name(p->source));
    plc_jw_str(w, "artifact", plc_artifact_name(p->artifact));
    source_json(w, p);
    if (p->kind == PLC_KIND_PROVIDER) {
        plc_jw_str(w, "base_url", p->base_url);
        plc_jw_strlist(w, "allowed_hosts", &p->allowed_hosts);
        plc_jw_str(w, "api_key", p->api_key ? "***" : NULL);
        plc_jw_str(w, "api_key_name", p->api_key_name);
    }
    plc_jw_caps(w, "capabilities", p->grants.caps & PLC_CAP_SERVICES);
    plc_jw_grants(w, "permissions", &p->grants);
    limits_json(w, "limits", &p->limits);
    plc_jw_begin(w, "limits_overridden", '[');
    for (int i = 0; plc_limits_fields[i].key; i++)
        if (p->limits_set & (1u << i))
            plc_jw_str(w, NULL, plc_limits_fields[i].key);
    plc_jw_end(w, ']');
    plc_jw_node(w, "config", p->config, true);
    plc_jw_end(w, '}');
}

static void plugins_json(plc_jw *w, const char *key, const plc_plugin *items, size_t n)
{
    plc_jw_begin(w, key, '[');
    for (size_t i = 0; i < n; i++)
        plugin_json(w, &items[i]);
    plc_jw_end(w, ']');
}

static void oci_json(plc_jw *w, const plc_oci *o)
{
    plc_jw_begin(w, "oci", '{');
    plc_jw_bool(w, "insecure_skip_signature", o->insecure_skip_signature);
    plc_jw_bool(w, "use_sigstore_tuf_data", o->use_sigstore_tuf_data);
    plc_jw_str(w, "cert_email", o->cert_email);
    plc_jw_str(w, "cert_issuer", o->cert_issuer);
    plc_jw_str(w, "cert_url", o->cert_url);
    plc_jw_str(w, "rekor_pub_keys", o->rekor_pub_keys);
    plc_jw_str(w, "fulcio_certs", o->fulcio_certs);
    plc_jw_str(w, "github_workflow_repository", o->github_workflow_repository);
    plc_jw_begin(w, "identities", '[');
    for (size_t i = 0; i < o->n_identities; i++) {
        const plc_oci_identity *id = &o->identities[i];
        plc_jw_begin(w, NULL, '{');
        plc_jw_str(w, "scope", id->scope);
        plc_jw_str(w, "issuer", id->issuer);
        plc_jw_str(w, "subject", id->subject);
        plc_jw_str(w, "github_workflow_repository", id->github_workflow_repository);
        plc_jw_str(w, "public_key", id->public_key);
        plc_jw_end(w, '}');
    }
    plc_jw_end(w, ']');
    plc_jw_strlist(w, "insecure_registries", &o->insecure_registries);
    plc_jw_str(w, "auth_file", o->auth_file);
    plc_jw_end(w, '}');
}

static void sections_json(plc_jw *w, const plc_config *c)
{
    plc_jw_begin(w, "paths", '{');
    plc_jw_str(w, "user_dir", c->paths.user_dir);
    plc_jw_str(w, "system_dir", c->paths.system_dir);
    plc_jw_strlist(w, "extra_dirs", &c->paths.extra_dirs);
    plc_jw_str(w, "cache_dir", c->paths.cache_dir);
    plc_jw_str(w, "grants_file", c->paths.grants_file);
    plc_jw_end(w, '}');
    plc_jw_begin(w, "trust", '{');
    plc_jw_str(w, "trusted_keys", c->trust.trusted_keys);
    plc_jw_str(w, "policy", plc_policy_name(c->trust.policy));
    plc_jw_bool(w, "allow_unsigned_native", c->trust.allow_unsigned_native);
    plc_jw_strlist(w, "allow_unsigned", &c->trust.allow_unsigned);
    plc_jw_end(w, '}');
    plc_jw_begin(w, "telemetry", '{');
    plc_jw_bool(w, "enabled", c->telemetry.enabled);
    plc_jw_str(w, "endpoint", c->telemetry.endpoint);
    plc_jw_str(w, "service_name", c->telemetry.service_name);
    plc_jw_kv(w, "headers", &c->telemetry.headers, true);
    plc_jw_num(w, "sample_ratio", c->telemetry.sample_ratio);
    plc_jw_u64(w, "timeout_ms", c->telemetry.timeout_ms);
    plc_jw_end(w, '}');
}

int plc_config_to_json(const plc_config *c, int indent, plu_buf *out)
{
    plc_jw w;
    plc_jw_init(&w, out, indent);
    plc_jw_begin(&w, NULL, '{');
    plc_jw_str(&w, "file", c->path);
    plugins_json(&w, "providers", c->providers, c->n_providers);
    plugins_json(&w, "plugins", c->plugins, c->n_plugins);
    limits_json(&w, "limits", &c->limits);
    oci_json(&w, &c->oci);
    sections_json(&w, c);
    plc_jw_end(&w, '}');
    if (indent && !w.failed)
        put(&w, "\n", 1);
    return w.failed;
}

/* ---- summary ------------------------------------------------------------------------------------ */

static int plugin_line(plu_buf *b, const plc_plugin *p)
{
    char what[48];
    if (p->source == PLC_SOURCE_COMMAND)
        snprintf(what, sizeof what, "process/%s", plc_protocol_name(p->protocol));
    else if (p->artifact == PLC_ARTIFACT_UNKNOWN)
        snprintf(what, sizeof what, "%s", plc_source_name(p->source));
    else
        snprintf(what, sizeof what, "%s%s", plc_artifact_name(p->artifact),
                 p->source == PLC_SOURCE_URL ? "/url" : "");
    int rc = plu_buf_printf(b, "  %-24s %-8s %-14s %s", p->name, plc_plugin_kind_name(p->kind),
                            what, p->command ? p->command : p->path);
    for (size_t i = 0; rc == 0 && p->command && i < p->args.len; i++)
        rc = plu_buf_printf(b, " %s", p->args.items[i]);
    if (rc == 0 && !p->enabled)
        rc = plu_buf_puts(b, "  (disabled)");
    return rc ? rc : plu_buf_putc(b, '\n');
}

static int list_lines(plu_buf *b, const char *title, const plc_plugin *items, size_t n)
{
    int rc = plu_buf_printf(b, "%s: %zu\n", title, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = plugin_line(b, &items[i]);
    return rc;
}

static int summary_sections(const plc_config *c, plu_buf *b)
{
    const plc_limits *l = &c->limits;
    const char *sig = c->oci.insecure_skip_signature ? "signatures NOT verified"
                      : c->oci.use_sigstore_tuf_data ? "signatures verified (Sigstore TUF root)"
                                                     : "signatures verified (local trust root)";
    int rc = plu_buf_printf(b,
                            "limits: fuel %llu, memory %llu bytes, wall time %u ms, call depth "
                            "%u, %u instances, output %llu bytes\n",
                            (unsigned long long)l->fuel_units, (unsigned long long)l->mem_bytes,
                            l->wall_timeout_ms, l->max_call_depth, l->instances,
                            (unsigned long long)l->max_output_bytes);
    if (rc == 0)
        rc = plu_buf_printf(b,
                            "http: connect timeout %u ms, up to %u retries (backoff from %u ms, "
                            "each wait at most %u ms)\n",
                            l->connect_timeout_ms, l->max_retries, l->retry_base_ms,
                            l->retry_max_wait_ms);
    if (rc == 0)
        rc = plu_buf_printf(b, "oci: %s, %zu identity rule%s\n", sig, c->oci.n_identities,
                            c->oci.n_identities == 1 ? "" : "s");
    if (rc == 0)
        rc = plu_buf_printf(b, "trust: policy %s, unsigned native code %s, trusted keys %s\n",
                            plc_policy_name(c->trust.policy),
                            c->trust.allow_unsigned_native ? "allowed" : "refused",
                            c->trust.trusted_keys ? c->trust.trusted_keys : "(none)");
    if (rc == 0 && c->telemetry.enabled)
        rc = plu_buf_printf(b, "telemetry: %s as '%s', sampling %g\n", c->telemetry.endpoint,
                            c->telemetry.service_name, c->telemetry.sample_ratio);
    else if (rc == 0)
        rc = plu_buf_puts(b, "telemetry: off\n");
    return rc;
}

int plc_config_summary(const plc_config *c, plu_buf *b)
{
    int rc = c->path ? plu_buf_printf(b, "configuration: %s\n", c->path)
                     : plu_buf_puts(b, "configuration: built-in defaults (no file found)\n");
    if (rc == 0)
        rc = list_lines(b, "providers", c->providers, c->n_providers);
    if (rc == 0)
        rc = list_lines(b, "plugins", c->plugins, c->n_plugins);
    return rc ? rc : summary_sections(c, b);
}
