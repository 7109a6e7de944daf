/*
** provider_setup.c — what the host does for a provider before its init:
** check its [providers.config] against the plugin's config_schema (errors
** point into the configuration file), build the effective configuration
** the plugin sees (the API key included), and build its network
** allow-list.
**
** The host reads some config keys itself: allowed_hosts and api_key_name
** never reach the plugin; base_url and api_key do (the plugin needs them to
** build requests) and also shape the allow-list and the key lookup.
*/
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "core.h"

static const char *const host_only_keys[] = {"allowed_hosts", "api_key_name"};

static bool is_host_only(const char *key)
{
    for (size_t i = 0; i < sizeof host_only_keys / sizeof host_only_keys[0]; i++)
        if (strcmp(key, host_only_keys[i]) == 0)
            return true;
    return false;
}

/* The config table without the host's keys, as a node of a new document
** whose values are shared with the configuration's own document. */
static pl_status plugin_view(const plh_plugin *p, plc_doc **out, pl_err *err)
{
    const plc_node *cfg = p->conf->config;
    plc_doc *doc = plc_doc_new(p->conf->loc.file);
    plc_node *t = doc ? plc_new(doc, PLC_TABLE, cfg ? cfg->loc : p->conf->loc) : NULL;
    if (!t) {
        plc_doc_free(doc);
        return plu_err_nomem(err);
    }
    doc->root = t;
    for (size_t i = 0; cfg && cfg->kind == PLC_TABLE && i < cfg->u.t.len; i++) {
        const plc_member *m = &cfg->u.t.items[i];
        if (is_host_only(m->key))
            continue;
        if (!plc_table_add(doc, t, m->key, m->key_len, m->key_loc, m->value)) {
            plc_doc_free(doc);
            return plu_err_nomem(err);
        }
    }
    *out = doc;
    return PL_OK;
}

/* Validate the view against the plugin's schema. */
static pl_status check_schema(const plh_plugin *p, const plc_node *view, pl_err *err)
{
    const char *text = p->vt->config_schema;
    if (!text || !*text)
        return PL_OK;
    plc_doc *sdoc = NULL;
    pl_status st = plc_parse_json(text, strlen(text), "config_schema", 0, &sdoc, err);
    if (st != PL_OK)
        return plu_errf(err, PL_E_PLUGIN, NULL, "its config_schema is not valid JSON: %s",
                        err->msg);
    plc_schema_reg *reg = plc_schema_reg_new();
    const plc_schema *schema = NULL;
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    errs.max = 8;
    if (!reg)
        st = plu_err_nomem(err);
    else
        st = plc_schema_compile(reg, sdoc->root, NULL, &schema, err);
    if (st == PL_OK)
        st = plc_schema_validate(reg, schema, view, &errs, err);
    else if (st != PL_E_NOMEM)
        st = plu_errf(err, PL_E_PLUGIN, NULL, "its config_schema is not a valid JSON Schema: %s",
                      err->msg);
    if (st == PL_E_SCHEMA) {
        plu_buf b;
        plu_buf_init(&b);
        plc_schema_errors_format(&errs, &b);
        while (b.len && b.data[b.len - 1] == '\n')
            b.data[--b.len] = '\0';
        plu_errf(err, PL_E_SCHEMA, NULL, "config does not match the plugin's schema:\n%s",
                 b.data ? b.data : "");
        plu_buf_free(&b);
    }
    plc_schema_errors_free(&errs);
    plc_schema_reg_free(reg);
    plc_doc_free(sdoc);
    return st;
}

/* The key: an explicit api_key, else the one variable named by the
** configured api_key_name, else by the plugin's. Nothing else of the
** environment is read for the plugin. */
static const char *find_api_key(const plh_plugin *p)
{
    if (p->conf->api_key)
        return NULL; /* already in the config table */
    const char *name = p->conf->api_key_name ? p->conf->api_key_name : p->vt->api_key_name;
    const char *v = name && *name ? getenv(name) : NULL;
    return v && *v ? v : NULL;
}

static pl_status effective_config(plh_plugin *p, const plc_node *view, pl_err *err)
{
    plu_buf b;
    plu_buf_init(&b);
    if (plc_to_json(view, 0, &b) != 0) {
        plu_buf_free(&b);
        return plu_err_nomem(err);
    }
    json_error_t je;
    p->config = json_loadb(b.data, b.len, 0, &je);
    plu_buf_free(&b);
    if (!p->config)
        return plu_err_nomem(err);
    const char *key = find_api_key(p);
    if (key && json_object_set_new(p->config, "api_key", json_string(key)) != 0)
        return plu_err_nomem(err);
    return PL_OK;
}

/* "scheme://host[:port]" of a URL, as an allow-list glob; NULL if the URL
** has no host. */
static char *origin_glob(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return NULL;
    const char *host = sep + 3;
    size_t n = strcspn(host, "/?#");
    const char *at = memchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    if (n == 0)
        return NULL;
    size_t scheme = (size_t)(sep - url);
    char *g = plu_malloc(scheme + 3 + n + 1);
    if (!g)
        return NULL;
    memcpy(g, url, scheme + 3);
    memcpy(g + scheme + 3, host, n);
    g[scheme + 3 + n] = '\0';
    return g;
}

static pl_status build_allow_list(plh_plugin *p, pl_err *err)
{
    const char *base = p->conf->base_url ? p->conf->base_url : p->vt->default_base_url;
    size_t n = p->conf->allowed_hosts.len + 1;
    p->allowed = plu_calloc(n, sizeof *p->allowed);
    if (!p->allowed)
        return plu_err_nomem(err);
    if (base && *base && (p->allowed[p->n_allowed] = origin_glob(base)) != NULL)
        p->n_allowed++;
    for (size_t i = 0; i < p->conf->allowed_hosts.len; i++) {
        if (!(p->allowed[p->n_allowed] = plu_strdup(p->conf->allowed_hosts.items[i])))
            return plu_err_nomem(err);
        p->n_allowed++;
    }
    return PL_OK;
}

pl_status plh_provider_setup(plh_plugin *p, pl_err *err)
{
    plc_doc *view = NULL;
    pl_status st = plugin_view(p, &view, err);
    if (st == PL_OK)
        st = check_schema(p, view->root, err);
    if (st == PL_OK)
        st = effective_config(p, view->root, err);
    if (st == PL_OK)
        st = build_allow_list(p, err);
    plc_doc_free(view);
    return st;
}
