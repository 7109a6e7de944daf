/*
** grants.c — what a sandboxed plugin may do, settled when it loads
** (plinth.h, "permission requests and the grants file"), and the
** pl_grants_* functions behind `plinth grants`.
**
** Each request in the manifest is one host service or one item of a
** resource. The configuration decides first: an item is covered by a
** grant that names it, a host glob that matches it, or a folder that holds
** it. Then the grants file, then the host's on_grant; else it is denied.
** The answers to remember are written once per plugin, in one locked
** update of the grants file, so two hosts asking at once lose nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* ---- what the configuration covers ------------------------------------------------------ */

/* A literal host item ("[scheme://]host[:port]") matched by glob; an item
** with wildcards only by the very same glob. An item without a port asks
** for any port, so only a glob without one covers it. */
static bool host_covered(const char *glob, const char *item)
{
    if (strcmp(glob, item) == 0)
        return true;
    if (strpbrk(item, "*?"))
        return false;
    char scheme[32] = "", host[256];
    const char *h = item, *sep = strstr(item, "://");
    if (sep) {
        snprintf(scheme, sizeof scheme, "%.*s", (int)(sep - item), item);
        h = sep + 3;
    }
    const char *close = h[0] == '[' ? strchr(h, ']') : NULL;
    const char *colon = close ? (close[1] == ':' ? close + 1 : NULL) : strrchr(h, ':');
    size_t hn = colon ? (size_t)(colon - h) : strlen(h);
    int port = colon && colon[1] != '*' ? atoi(colon + 1) : -1;
    snprintf(host, sizeof host, "%.*s", (int)hn, h);
    return pln_host_glob_match(glob, sep ? scheme : NULL, host, port);
}

static bool path_covered(const char *granted, const char *item)
{
    size_t n = strlen(granted);
    while (n > 1 && granted[n - 1] == '/')
        n--;
    if (strncmp(granted, item, n) != 0)
        return false;
    return item[n] == '\0' || item[n] == '/' || (n == 1 && granted[0] == '/');
}

static bool name_covered(const char *granted, const char *item)
{
    return strcmp(granted, item) == 0;
}

typedef struct resource {
    unsigned cap;
    size_t list; /* offset of its plc_strlist in plc_grants */
    bool path;   /* items are paths: relative ones are the manifest's folder's */
    bool (*covered)(const char *granted, const char *item);
    const char *what; /* "network access to 'x'" in messages */
} resource;

static const resource resources[] = {
    {PLC_CAP_NETWORK, offsetof(plc_grants, network), false, host_covered, "network access to"},
    {PLC_CAP_FS_READ, offsetof(plc_grants, fs_read), true, path_covered, "read access to"},
    {PLC_CAP_FS_WRITE, offsetof(plc_grants, fs_write), true, path_covered, "write access to"},
    {PLC_CAP_ENVIRONMENT, offsetof(plc_grants, environment), false, name_covered,
     "the environment variable"},
};

#define N_RESOURCES (sizeof resources / sizeof *resources)

static plc_strlist *list_of(const plc_grants *g, const resource *r)
{
    return (plc_strlist *)((char *)g + r->list);
}

static const resource *resource_of(unsigned cap)
{
    for (size_t i = 0; i < N_RESOURCES; i++)
        if (resources[i].cap == cap)
            return &resources[i];
    return NULL;
}

/* The capability bits a grant or request holds, its lists counted. */
static unsigned bits_of(const plc_grants *g)
{
    unsigned bits = g->caps;
    for (size_t i = 0; i < N_RESOURCES; i++)
        if (list_of(g, &resources[i])->len)
            bits |= resources[i].cap;
    return bits;
}

/* ---- settling one plugin --------------------------------------------------------------- */

typedef struct remembered {
    const char *perm;
    bool allow;
    struct remembered *next;
} remembered;

typedef struct settle {
    plh_plugin *p;
    const plc_manifest *m;
    const char *sha256;
    plu_arena *arena;
    plc_grants *out;
    plc_grants_file *file; /* read on the first undecided request */
    bool file_read, told_stale;
    remembered *remember, **tail;
    pl_err *err;
} settle;

static void say(const settle *s, int level, const char *fmt, ...) PLU_PRINTF(3, 4);
static void say(const settle *s, int level, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    plh_log(s->p->host, s->p->info.name, level, msg);
}

/* "'llm'" or "network access to 'api.example.com'" (control characters
** shown as '?': the item comes from the plugin). */
static void describe(char *buf, size_t n, unsigned cap, const char *item)
{
    char shown[260];
    if (!item) {
        snprintf(buf, n, "'%s'", plc_cap_name(cap));
        return;
    }
    plu_shown(shown, 256, item, strlen(item));
    snprintf(buf, n, "%s '%s'", resource_of(cap)->what, shown);
}

static pl_status read_file(settle *s)
{
    if (s->file_read)
        return PL_OK;
    s->file_read = true;
    const char *path = s->p->host->cfg->paths.grants_file;
    return path ? plc_grants_file_load(path, &s->file, s->err) : PL_OK;
}

/* Answers kept for this name but another artefact do not apply: say so
** once, since the plugin loses what it had. */
static void tell_stale(settle *s)
{
    for (size_t i = 0; s->file && !s->told_stale && i < s->file->n_entries; i++) {
        const plc_grant_entry *e = &s->file->entries[i];
        if (strcmp(e->name, s->p->info.name) == 0 && e->sha256 &&
            strcmp(e->sha256, s->sha256 ? s->sha256 : "") != 0) {
            say(s, PL_PLUGIN_LOG_WARN,
                "the answers remembered in %s are for another artefact (sha256 %.12s...) "
                "and do not apply to this one (sha256 %.12s...)",
                s->file->path, e->sha256, s->sha256 ? s->sha256 : "?");
            s->told_stale = true;
        }
    }
}

static pl_status give(settle *s, unsigned cap, const char *item)
{
    s->out->caps |= cap;
    if (!item)
        return PL_OK;
    return plc_strlist_push(s->arena, list_of(s->out, resource_of(cap)), item) == PL_OK
               ? PL_OK
               : plu_err_nomem(s->err);
}

static pl_status remember(settle *s, const char *perm, bool allow)
{
    remembered *r = plu_arena_alloc(s->arena, sizeof *r);
    if (!r || !(r->perm = plu_arena_strndup(s->arena, perm, strlen(perm))))
        return plu_err_nomem(s->err);
    r->allow = allow;
    *s->tail = r;
    s->tail = &r->next;
    return PL_OK;
}

/* What the application answers; a value outside the enum denies. */
static pl_grant_answer ask_host(const settle *s, unsigned cap, const char *item)
{
    const plh_plugin *p = s->p;
    pl_grant_request r = {.struct_size = sizeof r,
                          .plugin = p->info.name,
                          .backend = p->info.backend,
                          .location = p->info.location,
                          .plugin_id = s->m->id,
                          .sha256 = s->sha256,
                          .capability = plc_cap_name(cap),
                          .item = item};
    pl_grant_answer a = p->host->on_grant(p->host->grant_user, &r);
    return a >= PL_GRANT_DENY_ONCE && a <= PL_GRANT_DENY_ALWAYS ? a : PL_GRANT_DENY_ONCE;
}

/* One request the configuration does not cover; perm is canonical. */
static pl_status decide(settle *s, unsigned cap, const char *item, const char *perm)
{
    char what[400];
    describe(what, sizeof what, cap, item);
    pl_status st = read_file(s);
    if (st != PL_OK)
        return st;
    plc_decision d = plc_grants_file_decide(s->file, s->p->info.name, s->sha256, perm);
    if (d != PLC_UNDECIDED) {
        say(s, PL_PLUGIN_LOG_INFO, "the manifest asks for %s: %s in %s", what,
            d == PLC_ALLOWED ? "allowed" : "denied", s->file->path);
        return d == PLC_ALLOWED ? give(s, cap, item) : PL_OK;
    }
    tell_stale(s);
    if (!s->p->host->on_grant) {
        say(s, PL_PLUGIN_LOG_WARN, "the manifest asks for %s, which the configuration does "
                                   "not grant", what);
        return PL_OK;
    }
    pl_grant_answer a = ask_host(s, cap, item);
    bool allow = a == PL_GRANT_ALLOW_ONCE || a == PL_GRANT_ALLOW_ALWAYS;
    say(s, PL_PLUGIN_LOG_INFO, "the manifest asks for %s: %s by the application", what,
        allow ? "allowed" : "denied");
    if (a == PL_GRANT_ALLOW_ALWAYS || a == PL_GRANT_DENY_ALWAYS)
        st = remember(s, perm, allow);
    return st == PL_OK && allow ? give(s, cap, item) : st;
}

static pl_status request_service(settle *s, unsigned cap)
{
    return decide(s, cap, NULL, plc_cap_name(cap));
}

/* One item of resource r as the manifest wrote it. */
static pl_status request_item(settle *s, const resource *r, const char *raw)
{
    plu_buf b;
    plu_buf_init(&b);
    const char *dir = s->m->path ? strrchr(s->m->path, '/') : NULL;
    int rc = plu_buf_printf(&b, "%s=", plc_cap_name(r->cap));
    if (r->path && raw[0] != '/' && raw[0] != '~' && dir)
        rc |= plu_buf_printf(&b, "%.*s/", (int)(dir - s->m->path), s->m->path);
    rc |= plu_buf_puts(&b, raw);
    plu_buf perm;
    plu_buf_init(&perm);
    char why[400];
    pl_status st = rc == 0 ? plc_perm_canon(b.data, &perm, NULL, why, sizeof why) : PL_E_NOMEM;
    if (st == PL_E_INVALID_ARG) {
        say(s, PL_PLUGIN_LOG_WARN, "the manifest's request is not granted: %s", why);
        st = PL_OK;
    } else if (st != PL_OK) {
        st = plu_err_nomem(s->err);
    } else {
        const char *item = perm.data + strlen(plc_cap_name(r->cap)) + 1;
        const plc_strlist *granted = list_of(&s->p->conf->grants, r);
        bool covered = false;
        for (size_t i = 0; !covered && i < granted->len; i++)
            covered = r->covered(granted->items[i], item);
        if (!covered)
            st = decide(s, r->cap, item, perm.data);
    }
    plu_buf_free(&perm);
    plu_buf_free(&b);
    return st;
}

static pl_status write_answers(plc_grants_file *f, void *user, pl_err *err)
{
    const settle *s = user;
    pl_status st = PL_OK;
    for (const remembered *r = s->remember; r && st == PL_OK; r = r->next)
        st = plc_grants_file_set(f, s->p->info.name, s->sha256, s->p->info.location, r->perm,
                                 r->allow, err);
    return st;
}

static void save_answers(settle *s)
{
    const char *path = s->p->host->cfg->paths.grants_file;
    pl_err e;
    plu_err_clear(&e);
    if (!path)
        say(s, PL_PLUGIN_LOG_WARN, "cannot remember the answers: there is no grants file "
                                   "([paths] grants_file; $XDG_CONFIG_HOME and $HOME are "
                                   "unset)");
    else if (plc_grants_file_update(path, write_answers, s, &e) != PL_OK)
        say(s, PL_PLUGIN_LOG_WARN, "cannot remember the answers: %s", e.msg);
}

pl_status plh_grants_settle(plh_plugin *p, const plc_manifest *m, const char *sha256,
                            plu_arena *arena, plc_grants *out, pl_err *err)
{
    const plc_grants *g = &p->conf->grants;
    *out = *g;
    if (!m)
        return PL_OK;
    unsigned want = bits_of(&m->requested), have = bits_of(g);
    /* A provider's network is its allow-list and its key comes with its
    ** configuration: those requests are met without a grant. */
    unsigned met = p->info.kind == PL_KIND_PROVIDER ? PLC_CAP_NETWORK | PLC_CAP_ENVIRONMENT : 0;
    out->caps = g->caps & want;
    for (size_t i = 0; i < N_RESOURCES; i++)
        if (!(want & resources[i].cap))
            *list_of(out, &resources[i]) = (plc_strlist){0};
    settle s = {.p = p, .m = m, .sha256 = sha256, .arena = arena, .out = out, .err = err};
    s.tail = &s.remember;
    pl_status st = PL_OK;
    for (unsigned bit = 1; st == PL_OK && bit <= PLC_CAP_PLAN; bit <<= 1)
        if ((want & bit) && !(have & bit))
            st = request_service(&s, bit);
    for (size_t i = 0; st == PL_OK && i < N_RESOURCES; i++) {
        const resource *r = &resources[i];
        const plc_strlist *asked = list_of(&m->requested, r);
        if (met & r->cap)
            continue;
        if (!asked->len && (want & r->cap) && !(have & r->cap))
            say(&s, PL_PLUGIN_LOG_WARN, "the manifest asks for '%s' without naming what, "
                                        "and the configuration does not grant it",
                plc_cap_name(r->cap));
        for (size_t k = 0; st == PL_OK && k < asked->len; k++)
            st = request_item(&s, r, asked->items[k]);
    }
    if (st == PL_OK && s.remember)
        save_answers(&s);
    plc_grants_file_free(s.file);
    return st;
}

/* ---- pl_grants_*: managing the file ------------------------------------------------------ */

static pl_status done(pl_status st, const pl_err *e, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", st == PL_OK ? "" : e->msg[0] ? e->msg : pl_status_str(st));
    return st;
}

static pl_status find_file(const char *config_path, char **out, pl_err *e)
{
    plc_config *cfg = NULL;
    *out = NULL;
    pl_status st = plc_config_open(config_path, &cfg, e);
    if (st == PL_OK && !cfg->paths.grants_file)
        st = plu_errf(e, PL_E_NOT_FOUND, NULL,
                      "there is no grants file: set [paths] grants_file in the configuration, "
                      "or $XDG_CONFIG_HOME or $HOME");
    if (st == PL_OK && !(*out = plu_strdup(cfg->paths.grants_file)))
        st = plu_err_nomem(e);
    plc_config_free(cfg);
    return st;
}

PL_API pl_status pl_grants_path(const char *config_path, char **out, char *err, size_t errlen)
{
    pl_err e;
    plu_err_clear(&e);
    if (!out)
        return done(plu_errf(&e, PL_E_INVALID_ARG, NULL, "pl_grants_path: out is NULL"), &e,
                    err, errlen);
    return done(find_file(config_path, out, &e), &e, err, errlen);
}

PL_API pl_status pl_grants_list(const char *config_path, unsigned flags, char **out, char *err,
                                size_t errlen)
{
    pl_err e;
    plu_err_clear(&e);
    if (!out)
        return done(plu_errf(&e, PL_E_INVALID_ARG, NULL, "pl_grants_list: out is NULL"), &e,
                    err, errlen);
    *out = NULL;
    char *path = NULL;
    plc_grants_file *f = NULL;
    pl_status st = find_file(config_path, &path, &e);
    if (st == PL_OK)
        st = plc_grants_file_load(path, &f, &e);
    plu_buf b;
    plu_buf_init(&b);
    if (st == PL_OK && ((flags & PL_GRANTS_JSON) ? plc_grants_file_to_json(f, 2, &b)
                                                 : plc_grants_file_summary(f, &b)) != 0)
        st = plu_err_nomem(&e);
    if (st == PL_OK && !(*out = plu_buf_take(&b)))
        st = plu_err_nomem(&e);
    plu_buf_free(&b);
    plc_grants_file_free(f);
    plu_free(path);
    return done(st, &e, err, errlen);
}

typedef struct edit {
    const char *plugin;
    const char *perm; /* canonical, or NULL: everything (revoke) */
    int op;           /* 1 allow, 0 deny, -1 revoke */
} edit;

static pl_status apply(plc_grants_file *f, void *user, pl_err *err)
{
    const edit *x = user;
    if (x->op >= 0)
        return plc_grants_file_set(f, x->plugin, NULL, NULL, x->perm, x->op == 1, err);
    if (plc_grants_file_revoke(f, x->plugin, x->perm))
        return PL_OK;
    return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: nothing is remembered for plugin '%s'%s%s",
                    f->path, x->plugin, x->perm ? " about " : "", x->perm ? x->perm : "");
}

/* Check the arguments, then run the edit in one locked update. */
static pl_status change(const char *config_path, const char *plugin, const char *permission,
                        int op, char *err, size_t errlen)
{
    pl_err e;
    plu_err_clear(&e);
    char q[80], why[400];
    if (!plugin || !plc_check_name(plugin))
        return done(plu_errf(&e, PL_E_INVALID_ARG, NULL,
                             "'%s' is not a plugin name (letters, digits, '_', '-' and '.', "
                             "starting with a letter or digit)",
                             plugin ? plu_shown(q, 64, plugin, strlen(plugin)) : "(null)"),
                    &e, err, errlen);
    if (!permission && op >= 0)
        return done(plu_errf(&e, PL_E_INVALID_ARG, NULL, "a permission is required"), &e, err,
                    errlen);
    plu_buf perm;
    plu_buf_init(&perm);
    pl_status st = permission ? plc_perm_canon(permission, &perm, NULL, why, sizeof why) : PL_OK;
    if (st != PL_OK)
        st = st == PL_E_NOMEM ? plu_err_nomem(&e) : plu_errf(&e, st, NULL, "%s", why);
    char *path = NULL;
    if (st == PL_OK)
        st = find_file(config_path, &path, &e);
    edit x = {.plugin = plugin, .perm = permission ? perm.data : NULL, .op = op};
    if (st == PL_OK)
        st = plc_grants_file_update(path, apply, &x, &e);
    plu_free(path);
    plu_buf_free(&perm);
    return done(st, &e, err, errlen);
}

PL_API pl_status pl_grants_set(const char *config_path, const char *plugin,
                               const char *permission, int allow, char *err, size_t errlen)
{
    return change(config_path, plugin, permission, allow ? 1 : 0, err, errlen);
}

PL_API pl_status pl_grants_revoke(const char *config_path, const char *plugin,
                                  const char *permission, char *err, size_t errlen)
{
    return change(config_path, plugin, permission, -1, err, errlen);
}
