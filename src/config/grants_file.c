/*
** grants_file.c — the grants file ([paths] grants_file): answers to
** plugins' permission requests that an operator gave for good. Read with
** plinth's TOML reader and the table-driven decoder (so every complaint
** names file:line:col), consulted when a plugin loads, edited, and written
** back whole: atomically, under a lock on its folder, mode 0600.
**
**   [[plugins]]
**   name = "calculator"
**   sha256 = "9f86d081..."            # optional: only this artefact
**   location = "/opt/calculator.wasm" # optional, for people
**   allow = ["llm", "network=api.example.com"]
**   deny = ["fs_write=/home/me"]
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "decode.h"

/* ---- permissions ------------------------------------------------------------------------ */

static const struct {
    const char *word;
    unsigned cap;
} cap_aliases[] = {
    {"filesystem.read", PLC_CAP_FS_READ},
    {"filesystem.write", PLC_CAP_FS_WRITE},
};

#define N_ALIASES (sizeof cap_aliases / sizeof *cap_aliases)

static unsigned cap_of(const char *s, size_t n)
{
    for (unsigned i = 0; plc_cap_names[i]; i++)
        if (strlen(plc_cap_names[i]) == n && memcmp(s, plc_cap_names[i], n) == 0)
            return 1u << i;
    for (size_t i = 0; i < N_ALIASES; i++)
        if (strlen(cap_aliases[i].word) == n && memcmp(s, cap_aliases[i].word, n) == 0)
            return cap_aliases[i].cap;
    return 0;
}

/* PL_E_INVALID_ARG, with the reason in why. */
static pl_status refuse(char *why, size_t whylen, const char *fmt, ...) PLU_PRINTF(3, 4);
static pl_status refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && whylen)
        vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return PL_E_INVALID_ARG;
}

static pl_status put(plu_buf *out, const char *s)
{
    return plu_buf_puts(out, s) == 0 ? PL_OK : PL_E_NOMEM;
}

static pl_status unknown_cap(const char *s, size_t n, char *why, size_t whylen)
{
    const char *words[16];
    size_t k = 0;
    for (unsigned i = 0; plc_cap_names[i]; i++)
        words[k++] = plc_cap_names[i];
    words[k] = NULL;
    char q[PLC_QUOTE_MAX], hint[256];
    plc_quote(q, sizeof q, s, n);
    plc_hint(hint, sizeof hint, q, words);
    return refuse(why, whylen, "unknown capability '%s'%s", q, hint);
}

static pl_status canon_network(const char *name, const char *item, plu_buf *out, char *why,
                               size_t whylen)
{
    char w[160], q[PLC_QUOTE_MAX];
    if (!plc_check_host_pattern(item, w, sizeof w))
        return refuse(why, whylen, "'%s=%s' is not a host pattern: %s", name,
                      plc_quote(q, sizeof q, item, strlen(item)), w);
    return put(out, item);
}

static pl_status canon_env(const char *name, const char *item, plu_buf *out, char *why,
                           size_t whylen)
{
    char q[PLC_QUOTE_MAX];
    if (!plc_check_env_name(item))
        return refuse(why, whylen, "'%s=%s' must name an environment variable like DATABASE_URL",
                      name, plc_quote(q, sizeof q, item, strlen(item)));
    return put(out, item);
}

/* "~" and "~/..." expanded; absolute paths only; no trailing '/'. */
static pl_status canon_path(const char *name, const char *item, plu_buf *out, char *why,
                            size_t whylen)
{
    char q[PLC_QUOTE_MAX];
    const char *home = "", *rest = item;
    if (item[0] == '~' && (item[1] == '\0' || item[1] == '/')) {
        home = getenv("HOME");
        if (!home || home[0] != '/')
            return refuse(why, whylen, "cannot expand '~' in '%s=%s': $HOME is not set", name,
                          plc_quote(q, sizeof q, item, strlen(item)));
        rest = item + 1;
    } else if (item[0] != '/') {
        return refuse(why, whylen, "'%s=%s' needs an absolute path (/... or ~/...)", name,
                      plc_quote(q, sizeof q, item, strlen(item)));
    }
    size_t start = out->len;
    if (put(out, home) != PL_OK || put(out, rest) != PL_OK)
        return PL_E_NOMEM;
    while (out->len > start + 1 && out->data[out->len - 1] == '/')
        out->data[--out->len] = '\0';
    return PL_OK;
}

/* What the item of each resource capability is. */
static const struct {
    unsigned cap;
    const char *item; /* shown in "needs an item" */
    pl_status (*canon)(const char *name, const char *item, plu_buf *out, char *why,
                       size_t whylen);
} resources[] = {
    {PLC_CAP_NETWORK, "HOST (a host pattern such as api.example.com)", canon_network},
    {PLC_CAP_FS_READ, "PATH (an absolute path)", canon_path},
    {PLC_CAP_FS_WRITE, "PATH (an absolute path)", canon_path},
    {PLC_CAP_ENVIRONMENT, "NAME (a variable name)", canon_env},
};

pl_status plc_perm_canon(const char *text, plu_buf *out, unsigned *capp, char *why,
                         size_t whylen)
{
    const char *eq = strchr(text, '=');
    size_t n = eq ? (size_t)(eq - text) : strlen(text);
    unsigned cap = cap_of(text, n);
    if (!cap)
        return unknown_cap(text, n, why, whylen);
    const char *name = plc_cap_name(cap);
    size_t r = 0;
    while (r < sizeof resources / sizeof *resources && resources[r].cap != cap)
        r++;
    size_t start = out->len;
    pl_status st;
    if (r == sizeof resources / sizeof *resources)
        st = eq ? refuse(why, whylen, "'%s' is a host service and takes no item (write '%s')",
                         name, name)
                : put(out, name);
    else if (!eq || !eq[1])
        st = refuse(why, whylen, "'%s' needs an item: %s=%s", name, name, resources[r].item);
    else if ((st = put(out, name)) == PL_OK && (st = put(out, "=")) == PL_OK)
        st = resources[r].canon(name, eq + 1, out, why, whylen);
    if (st != PL_OK) { /* out as it was */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    } else if (capp) {
        *capp = cap;
    }
    return st;
}

/* ---- decoding ----------------------------------------------------------------------------- */

static pl_status decode_perms(plc_dctx *cx, const plc_member *m, plc_strlist *list)
{
    const plc_node *a = m->value;
    if (a->kind != PLC_ARRAY)
        return plc_type_error(cx, m, "an array of permissions such as [\"llm\", "
                                     "\"network=api.example.com\"]");
    pl_status st = plc_alloc_array(cx, a->u.a.len, sizeof *list->items, (void **)&list->items);
    plu_buf b;
    plu_buf_init(&b);
    for (size_t i = 0; st == PL_OK && i < a->u.a.len; i++) {
        const char *s;
        char why[400];
        if ((st = plc_decode_string(cx, m, a->u.a.items[i], &s)) != PL_OK)
            break;
        b.len = 0;
        pl_status ok = plc_perm_canon(s, &b, NULL, why, sizeof why);
        if (ok == PL_E_INVALID_ARG)
            st = plc_fail(cx, &a->u.a.items[i]->loc, "%s", why);
        else if (ok != PL_OK || !(list->items[list->len++] = plc_dupn(cx, b.data, b.len)))
            st = plc_nomem(cx);
    }
    plu_buf_free(&b);
    return st;
}

static pl_status decode_allow(plc_dctx *cx, const plc_member *m, void *obj)
{
    return decode_perms(cx, m, &((plc_grant_entry *)obj)->allow);
}

static pl_status decode_deny(plc_dctx *cx, const plc_member *m, void *obj)
{
    return decode_perms(cx, m, &((plc_grant_entry *)obj)->deny);
}

static pl_status check_sha256(plc_dctx *cx, const plc_member *m, const void *field)
{
    return plc_normalise_sha256(cx, m, (const char **)field);
}

static const plc_field entry_fields[] = {
    {.key = "name", .type = PLC_F_STRING, .flags = PLC_FF_REQUIRED,
     .offset = offsetof(plc_grant_entry, name), .check = plc_check_name_field,
     .hints = "plugin"},
    {.key = "sha256", .type = PLC_F_STRING, .offset = offsetof(plc_grant_entry, sha256),
     .check = check_sha256, .hints = "digest hash"},
    {.key = "location", .type = PLC_F_STRING, .offset = offsetof(plc_grant_entry, location),
     .hints = "path"},
    {.key = "allow", .type = PLC_F_CUSTOM, .decode = decode_allow, .hints = "allowed"},
    {.key = "deny", .type = PLC_F_CUSTOM, .decode = decode_deny, .hints = "denied"},
    {0},
};

static bool same_sha(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static pl_status decode_entries(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_grants_file *f = obj;
    const plc_node *a = m->value;
    if (a->kind != PLC_ARRAY)
        return plc_fail(cx, &a->loc, "'plugins' must be an array of tables ([[plugins]] in "
                                     "TOML), got %s",
                        plc_kind_name(a->kind));
    pl_status st = plc_alloc_array(cx, a->u.a.len, sizeof *f->entries, (void **)&f->entries);
    for (size_t i = 0; st == PL_OK && i < a->u.a.len; i++) {
        const plc_node *t = a->u.a.items[i];
        plc_grant_entry *e = &f->entries[i];
        if (t->kind != PLC_TABLE)
            return plc_fail(cx, &t->loc, "each entry of 'plugins' must be a table, got %s",
                            plc_kind_name(t->kind));
        e->loc = t->loc;
        st = plc_decode_table(cx, entry_fields, "in [[plugins]]", t, e, NULL);
        for (size_t k = 0; st == PL_OK && k < i; k++)
            if (strcmp(f->entries[k].name, e->name) == 0 &&
                same_sha(f->entries[k].sha256, e->sha256))
                st = plc_fail(cx, &plc_get(t, "name")->loc,
                              "plugin '%s'%s is already listed at line %u", e->name,
                              e->sha256 ? " with this sha256" : " without a sha256",
                              f->entries[k].loc.line);
        f->n_entries = i + 1;
    }
    return st;
}

static const plc_field top_fields[] = {
    {.key = "plugins", .type = PLC_F_CUSTOM, .decode = decode_entries, .hints = "plugin"},
    {0},
};

static plc_grants_file *file_new(void)
{
    plc_grants_file *f = plu_calloc(1, sizeof *f);
    if (f)
        plu_arena_init(&f->arena);
    return f;
}

pl_status plc_grants_file_parse(const char *text, size_t len, const char *path,
                                plc_grants_file **out, pl_err *err)
{
    *out = NULL;
    plc_doc *doc = NULL;
    pl_status st = plc_parse_toml(text, len, path, &doc, err);
    if (st != PL_OK)
        return st;
    plc_grants_file *f = file_new();
    if (!f) {
        plc_doc_free(doc);
        return plu_err_nomem(err);
    }
    f->doc = doc;
    plc_dctx cx = {.err = err, .arena = &f->arena};
    if (!(f->path = plc_dup(&cx, path)))
        st = plc_nomem(&cx);
    if (st == PL_OK && doc->root)
        st = plc_decode_table(&cx, top_fields, "at the top level", doc->root, f, NULL);
    if (st != PL_OK) {
        plc_grants_file_free(f);
        return st;
    }
    *out = f;
    return PL_OK;
}

pl_status plc_grants_file_load(const char *path, plc_grants_file **out, pl_err *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = plu_read_file(path, &text, &len, &e);
    if (st == PL_E_NOT_FOUND) { /* nothing remembered yet */
        plc_grants_file *f = file_new();
        if (!f || !(f->path = plu_arena_strndup(&f->arena, path, strlen(path)))) {
            plc_grants_file_free(f);
            return plu_err_nomem(err);
        }
        *out = f;
        return PL_OK;
    }
    if (st != PL_OK) {
        if (err)
            *err = e;
        return st;
    }
    st = plc_grants_file_parse(text, len, path, out, err);
    plu_free(text);
    return st;
}

void plc_grants_file_free(plc_grants_file *f)
{
    if (!f)
        return;
    plc_doc_free(f->doc);
    plu_arena_free(&f->arena);
    plu_free(f);
}

/* ---- deciding and editing ---------------------------------------------------------------- */

static bool has(const plc_strlist *l, const char *perm)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], perm) == 0)
            return true;
    return false;
}

plc_decision plc_grants_file_decide(const plc_grants_file *f, const char *name,
                                    const char *sha256, const char *perm)
{
    plc_decision d = PLC_UNDECIDED;
    for (size_t i = 0; f && i < f->n_entries; i++) {
        const plc_grant_entry *e = &f->entries[i];
        if (strcmp(e->name, name) != 0 || (e->sha256 && !(sha256 && !strcmp(e->sha256, sha256))))
            continue;
        if (has(&e->deny, perm))
            return PLC_DENIED;
        if (has(&e->allow, perm))
            d = PLC_ALLOWED;
    }
    return d;
}

/* Remove perm from l; whether it was there. */
static bool drop(plc_strlist *l, const char *perm)
{
    size_t k = 0;
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], perm) != 0)
            l->items[k++] = l->items[i];
    bool found = k != l->len;
    l->len = k;
    return found;
}

pl_status plc_strlist_push(plu_arena *a, plc_strlist *l, const char *s)
{
    const char **items = plu_arena_alloc(a, (l->len + 1) * sizeof *items);
    const char *copy = plu_arena_strndup(a, s, strlen(s));
    if (!items || !copy)
        return PL_E_NOMEM;
    if (l->len)
        memcpy(items, l->items, l->len * sizeof *items);
    items[l->len++] = copy;
    l->items = items;
    return PL_OK;
}

/* The entry for exactly (name, sha256), made at the end when missing. */
static plc_grant_entry *entry_for(plc_grants_file *f, const char *name, const char *sha256,
                                  const char *location)
{
    for (size_t i = 0; i < f->n_entries; i++)
        if (strcmp(f->entries[i].name, name) == 0 && same_sha(f->entries[i].sha256, sha256))
            return &f->entries[i];
    plc_grant_entry *all = plu_arena_alloc(&f->arena, (f->n_entries + 1) * sizeof *all);
    if (!all)
        return NULL;
    if (f->n_entries)
        memcpy(all, f->entries, f->n_entries * sizeof *all);
    plc_grant_entry *e = &all[f->n_entries];
    e->name = plu_arena_strndup(&f->arena, name, strlen(name));
    e->sha256 = sha256 ? plu_arena_strndup(&f->arena, sha256, strlen(sha256)) : NULL;
    e->location = location ? plu_arena_strndup(&f->arena, location, strlen(location)) : NULL;
    if (!e->name || (sha256 && !e->sha256) || (location && !e->location))
        return NULL;
    f->entries = all;
    f->n_entries++;
    return e;
}

pl_status plc_grants_file_set(plc_grants_file *f, const char *name, const char *sha256,
                              const char *location, const char *perm, bool allow, pl_err *err)
{
    for (size_t i = 0; i < f->n_entries; i++) {
        plc_grant_entry *o = &f->entries[i];
        if (strcmp(o->name, name) == 0 &&
            (!sha256 || !o->sha256 || strcmp(o->sha256, sha256) == 0))
            drop(allow ? &o->deny : &o->allow, perm);
    }
    plc_grant_entry *e = entry_for(f, name, sha256, location);
    if (!e)
        return plu_err_nomem(err);
    plc_strlist *l = allow ? &e->allow : &e->deny;
    if (!has(l, perm) && plc_strlist_push(&f->arena, l, perm) != PL_OK)
        return plu_err_nomem(err);
    return PL_OK;
}

size_t plc_grants_file_revoke(plc_grants_file *f, const char *name, const char *perm)
{
    size_t gone = 0, k = 0;
    for (size_t i = 0; i < f->n_entries; i++) {
        plc_grant_entry *e = &f->entries[i];
        if (strcmp(e->name, name) == 0) {
            size_t before = e->allow.len + e->deny.len;
            if (perm) {
                drop(&e->allow, perm);
                drop(&e->deny, perm);
            } else {
                e->allow.len = e->deny.len = 0;
            }
            size_t after = e->allow.len + e->deny.len;
            gone += before - after;
            if (!perm || (before && !after)) /* the entry goes with its last answer */
                continue;
        }
        f->entries[k++] = *e;
    }
    f->n_entries = k;
    return gone;
}

/* ---- writing -------------------------------------------------------------------------------- */

static const char toml_header[] =
    "# plinth grants file: answers to plugins' permission requests, remembered from\n"
    "# the Allow? prompts and `plinth grants allow|deny|revoke`. You may edit it.\n"
    "#\n"
    "# plinth rewrites this whole file when it remembers an answer: every entry is\n"
    "# kept, but comments other than this header are not (keep notes elsewhere).\n"
    "#\n"
    "# One [[plugins]] table per plugin name. With sha256 its answers hold only for\n"
    "# the artefact with that SHA-256 (a changed file is asked again); without it,\n"
    "# for any artefact of that name. location is informational. allow and deny\n"
    "# list permissions: log, llm, retrieval, plan, network=HOST, fs_read=PATH,\n"
    "# fs_write=PATH, environment=NAME. A deny wins over an allow.\n";

/* A TOML basic string. */
static void toml_str(plu_buf *b, int *rc, const char *s)
{
    static const char short_esc[] = {['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',
                                     ['\r'] = 'r', ['"'] = '"', ['\\'] = '\\'};
    *rc |= plu_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < sizeof short_esc && short_esc[*p])
            *rc |= plu_buf_printf(b, "\\%c", short_esc[*p]);
        else if (*p < 0x20 || *p == 0x7f)
            *rc |= plu_buf_printf(b, "\\u%04x", *p);
        else
            *rc |= plu_buf_putc(b, (char)*p);
    }
    *rc |= plu_buf_putc(b, '"');
}

static void toml_list(plu_buf *b, int *rc, const char *key, const plc_strlist *l)
{
    if (!l->len)
        return;
    *rc |= plu_buf_printf(b, "%s = [", key);
    for (size_t i = 0; i < l->len; i++) {
        *rc |= plu_buf_puts(b, i ? ", " : "");
        toml_str(b, rc, l->items[i]);
    }
    *rc |= plu_buf_puts(b, "]\n");
}

int plc_grants_file_to_toml(const plc_grants_file *f, plu_buf *out)
{
    int rc = plu_buf_puts(out, toml_header);
    for (size_t i = 0; i < f->n_entries; i++) {
        const plc_grant_entry *e = &f->entries[i];
        rc |= plu_buf_puts(out, "\n[[plugins]]\nname = ");
        toml_str(out, &rc, e->name);
        const char *opt[] = {"sha256", e->sha256, "location", e->location};
        for (size_t k = 0; k < 4; k += 2) {
            if (!opt[k + 1])
                continue;
            rc |= plu_buf_printf(out, "\n%s = ", opt[k]);
            toml_str(out, &rc, opt[k + 1]);
        }
        rc |= plu_buf_putc(out, '\n');
        toml_list(out, &rc, "allow", &e->allow);
        toml_list(out, &rc, "deny", &e->deny);
    }
    return rc ? -1 : 0;
}

int plc_grants_file_to_json(const plc_grants_file *f, int indent, plu_buf *out)
{
    plc_jw w;
    plc_jw_init(&w, out, indent);
    plc_jw_begin(&w, NULL, '{');
    plc_jw_str(&w, "file", f->path);
    plc_jw_begin(&w, "plugins", '[');
    for (size_t i = 0; i < f->n_entries; i++) {
        const plc_grant_entry *e = &f->entries[i];
        plc_jw_begin(&w, NULL, '{');
        plc_jw_str(&w, "name", e->name);
        plc_jw_str(&w, "sha256", e->sha256);
        plc_jw_str(&w, "location", e->location);
        plc_jw_strlist(&w, "allow", &e->allow);
        plc_jw_strlist(&w, "deny", &e->deny);
        plc_jw_end(&w, '}');
    }
    plc_jw_end(&w, ']');
    plc_jw_end(&w, '}');
    if (indent && !w.failed && plu_buf_putc(out, '\n') != 0)
        return -1;
    return w.failed;
}

int plc_grants_file_summary(const plc_grants_file *f, plu_buf *out)
{
    int rc = plu_buf_printf(out, "%s\n", f->path);
    if (!f->n_entries)
        rc |= plu_buf_puts(out, "  no remembered answers\n");
    for (size_t i = 0; i < f->n_entries; i++) {
        const plc_grant_entry *e = &f->entries[i];
        rc |= plu_buf_printf(out, "%s", e->name);
        if (e->sha256)
            rc |= plu_buf_printf(out, " (sha256 %.12s...)", e->sha256);
        else
            rc |= plu_buf_puts(out, " (any artefact)");
        rc |= plu_buf_printf(out, "%s%s\n", e->location ? " " : "",
                             e->location ? e->location : "");
        for (size_t k = 0; k < e->allow.len; k++)
            rc |= plu_buf_printf(out, "  allow %s\n", e->allow.items[k]);
        for (size_t k = 0; k < e->deny.len; k++)
            rc |= plu_buf_printf(out, "  deny  %s\n", e->deny.items[k]);
    }
    return rc ? -1 : 0;
}

/* ---- changing the file ------------------------------------------------------------------------ */

/* The file to write: a symlink's target (so a linked dotfile stays a link),
** else the path itself; plu_free. */
static char *target_of(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return plu_strdup(path);
    char *copy = plu_strdup(real);
    free(real); /* realpath allocates with libc */
    return copy;
}

/* Lock the folder holding path; the descriptor to close, or -1 with err. */
static int lock_folder(const char *path, pl_err *err)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == path ? 1 : slash - path) : 1,
             slash ? path : ".");
    if (plu_mkdirs(dir, 0700, err) != PL_OK)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : flock(fd, LOCK_EX);
    while (rc != 0 && fd >= 0 && errno == EINTR)
        rc = flock(fd, LOCK_EX);
    if (rc != 0) {
        plu_errf(err, PL_E_IO, NULL, "%s: cannot lock the folder: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

pl_status plc_grants_file_update(const char *path, plc_grants_edit_fn edit, void *user,
                                 pl_err *err)
{
    char *target = target_of(path);
    if (!target)
        return plu_err_nomem(err);
    int lock = lock_folder(target, err);
    if (lock < 0) {
        plu_free(target);
        return err ? err->status : PL_E_IO;
    }
    plc_grants_file *f = NULL;
    pl_status st = plc_grants_file_load(target, &f, err);
    if (st == PL_OK)
        st = edit(f, user, err);
    plu_buf b;
    plu_buf_init(&b);
    if (st == PL_OK && plc_grants_file_to_toml(f, &b) != 0)
        st = plu_err_nomem(err);
    if (st == PL_OK)
        st = plu_write_atomic(target, b.data, b.len, 0600, err);
    plu_buf_free(&b);
    plc_grants_file_free(f);
    close(lock); /* releases the lock */
    plu_free(target);
    return st;
}
