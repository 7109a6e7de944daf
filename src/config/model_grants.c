/*
** model_grants.c — capabilities and permissions, shared by the config
** (what the operator grants) and manifests (what a plugin requests):
** capability-name lists and the {network, filesystem, environment,
** services} table.
*/
#include <stdio.h>
#include <string.h>

#include "decode.h"

const char *const plc_cap_names[] = {
    "log", "llm", "retrieval", "plan", "network", "fs_read", "fs_write", "environment", NULL,
};

const char *plc_cap_name(unsigned cap)
{
    for (unsigned i = 0; plc_cap_names[i]; i++)
        if (cap == 1u << i)
            return plc_cap_names[i];
    return NULL;
}

static int cap_index(const char *s)
{
    for (int i = 0; plc_cap_names[i]; i++)
        if (strcmp(s, plc_cap_names[i]) == 0)
            return i;
    return -1;
}

static pl_status unknown_cap(plc_dctx *cx, const plc_node *item, const char *s, unsigned allowed)
{
    const char *names[9];
    size_t n = 0;
    for (unsigned i = 0; plc_cap_names[i]; i++)
        if (allowed & (1u << i))
            names[n++] = plc_cap_names[i];
    names[n] = NULL;
    char q[PLC_QUOTE_MAX], hint[256];
    plc_hint(hint, sizeof hint, s, names);
    /* Words people use for the resource capabilities. */
    static const struct { const char *word, *hint; } synonyms[] = {
        {"filesystem", " (use fs_read or fs_write)"}, {"fs", " (use fs_read or fs_write)"},
        {"read", " (did you mean 'fs_read'?)"},      {"write", " (did you mean 'fs_write'?)"},
        {"env", " (did you mean 'environment'?)"},   {"net", " (did you mean 'network'?)"},
        {"http", " (did you mean 'network'?)"},
    };
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
        if (strcmp(s, synonyms[i].word) == 0 && (allowed & ~(unsigned)PLC_CAP_SERVICES))
            snprintf(hint, sizeof hint, "%s", synonyms[i].hint);
    return plc_fail(cx, &item->loc, "unknown capability '%s'%s",
                    plc_quote(q, sizeof q, s, strlen(s)), hint);
}

pl_status plc_decode_caps(plc_dctx *cx, const plc_member *m, unsigned allowed,
                          const char *deny_hint, unsigned *caps)
{
    const plc_node *a = m->value;
    if (a->kind != PLC_ARRAY)
        return plc_type_error(cx, m, "an array of capability names");
    for (size_t i = 0; i < a->u.a.len; i++) {
        const plc_node *item = a->u.a.items[i];
        const char *s;
        pl_status st = plc_decode_string(cx, m, item, &s);
        if (st != PL_OK)
            return st;
        int ix = cap_index(s);
        if (ix < 0)
            return unknown_cap(cx, item, s, allowed);
        if (!(allowed & (1u << ix)))
            return plc_fail(cx, &item->loc, "capability '%s' cannot be listed here: %s", s,
                            deny_hint ? deny_hint : "it is not allowed");
        *caps |= 1u << ix;
    }
    return PL_OK;
}

/* ---- the grants table -------------------------------------------------------- */

static pl_status decode_network(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_grants *g = obj;
    if (m->value->kind != PLC_ARRAY)
        return plc_type_error(cx, m, "an array of host patterns (e.g. [\"api.example.com\"])");
    pl_status st = plc_decode_strlist(cx, m, &g->network);
    if (st == PL_OK)
        st = plc_check_host_list(cx, m, &g->network);
    if (st == PL_OK && g->network.len)
        g->caps |= PLC_CAP_NETWORK;
    return st;
}

static pl_status decode_environment(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_grants *g = obj;
    if (m->value->kind != PLC_ARRAY)
        return plc_type_error(cx, m, "an array of variable names (e.g. [\"DATABASE_URL\"])");
    pl_status st = plc_decode_strlist(cx, m, &g->environment);
    if (st == PL_OK)
        st = plc_check_env_list(cx, m, &g->environment);
    if (st == PL_OK && g->environment.len)
        g->caps |= PLC_CAP_ENVIRONMENT;
    return st;
}

static const plc_field fs_fields_expanded[] = {
    {.key = "read", .type = PLC_F_PATHLIST, .offset = offsetof(plc_grants, fs_read)},
    {.key = "write", .type = PLC_F_PATHLIST, .offset = offsetof(plc_grants, fs_write)},
    {0},
};

static const plc_field fs_fields_raw[] = {
    {.key = "read", .type = PLC_F_STRLIST, .offset = offsetof(plc_grants, fs_read)},
    {.key = "write", .type = PLC_F_STRLIST, .offset = offsetof(plc_grants, fs_write)},
    {0},
};

static pl_status decode_filesystem(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_grants *g = obj;
    pl_status st = plc_decode_nested(cx, m, cx->manifest ? fs_fields_raw : fs_fields_expanded,
                                     "a table with 'read' and 'write' lists", g, NULL);
    if (st == PL_OK && g->fs_read.len)
        g->caps |= PLC_CAP_FS_READ;
    if (st == PL_OK && g->fs_write.len)
        g->caps |= PLC_CAP_FS_WRITE;
    return st;
}

static pl_status decode_services(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_grants *g = obj;
    return plc_decode_caps(cx, m, PLC_CAP_SERVICES,
                           "'services' lists host services (log, llm, retrieval, plan)", &g->caps);
}

#define GRANT_FIELDS                                                                          \
    {.key = "network", .type = PLC_F_CUSTOM, .decode = decode_network, .hints = "hosts"},    \
    {.key = "filesystem", .type = PLC_F_CUSTOM, .decode = decode_filesystem, .hints = "fs"}, \
    {.key = "environment", .type = PLC_F_CUSTOM, .decode = decode_environment, .hints = "env"}

static const plc_field grant_fields[] = {GRANT_FIELDS, {0}};

static const plc_field grant_fields_services[] = {
    GRANT_FIELDS,
    {.key = "services", .type = PLC_F_CUSTOM, .decode = decode_services},
    {0},
};

pl_status plc_decode_grants(plc_dctx *cx, const plc_member *m, bool services, plc_grants *g)
{
    return plc_decode_nested(cx, m, services ? grant_fields_services : grant_fields,
                             services ? "a table with network, filesystem, environment and "
                                        "services"
                                      : "a table with network, filesystem and environment",
                             g, NULL);
}
