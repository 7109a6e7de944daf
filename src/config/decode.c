/*
** decode.c — the generic table-driven decoder: walk a table node against
** a plc_field array, check types and ranges, store values, and explain
** every problem with file:line:col and, when there is one, the near miss.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

_Static_assert(sizeof(plc_plugin_kind) == sizeof(int) && sizeof(plc_protocol) == sizeof(int) &&
                   sizeof(plc_sig_policy) == sizeof(int),
               "ENUM fields are stored as int");

enum { MAX_FIELDS = 64, MAX_WORDS = 160 };

/* ---- errors and allocation ------------------------------------------------- */

pl_status plc_fail(plc_dctx *cx, const pl_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plu_verrf(cx->err, PL_E_CONFIG, loc, fmt, ap);
    va_end(ap);
    return PL_E_CONFIG;
}

pl_status plc_nomem(plc_dctx *cx) { return plu_err_nomem(cx->err); }

char *plc_dupn(plc_dctx *cx, const char *s, size_t n)
{
    return plu_arena_strndup(cx->arena, s, n);
}

char *plc_dup(plc_dctx *cx, const char *s) { return plc_dupn(cx, s, strlen(s)); }

pl_status plc_alloc_array(plc_dctx *cx, size_t n, size_t elem, void **out)
{
    *out = NULL;
    if (n == 0)
        return PL_OK;
    if (n > SIZE_MAX / elem)
        return plc_nomem(cx);
    *out = plu_arena_alloc(cx->arena, n * elem);
    return *out ? PL_OK : plc_nomem(cx);
}

const char *plc_quote(char *buf, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o >= 60) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- messages ------------------------------------------------------------- */

static const char *expected_phrase(const plc_field *f)
{
    switch (f->type) {
    case PLC_F_BOOL: return "a boolean (true or false)";
    case PLC_F_U32:
    case PLC_F_U64: return "an integer";
    case PLC_F_FLOAT: return "a number";
    case PLC_F_STRLIST:
    case PLC_F_PATHLIST: return "an array of strings";
    case PLC_F_TABLE:
    case PLC_F_KV: return "a table";
    default: return "a string";
    }
}

pl_status plc_type_error(plc_dctx *cx, const plc_member *m, const char *expected)
{
    char k[PLC_QUOTE_MAX];
    return plc_fail(cx, &m->value->loc, "'%s' must be %s, got %s",
                    plc_quote(k, sizeof k, m->key, m->key_len), expected,
                    plc_kind_name(m->value->kind));
}

pl_status plc_item_type_error(plc_dctx *cx, const plc_member *m, const plc_node *item,
                              const char *expected)
{
    char k[PLC_QUOTE_MAX];
    return plc_fail(cx, &item->loc, "'%s' items must be %s, got %s",
                    plc_quote(k, sizeof k, m->key, m->key_len), expected,
                    plc_kind_name(item->kind));
}

/* ---- did you mean ------------------------------------------------------------ */

const char *plc_suggest(const char *word, const char *const *words)
{
    return plu_suggest(word, words);
}

void plc_hint(char *buf, size_t size, const char *word, const char *const *words)
{
    const char *s = plu_suggest(word, words);
    if (s) {
        snprintf(buf, size, " (did you mean '%s'?)", s);
        return;
    }
    size_t n = 0;
    while (words[n])
        n++;
    size_t o = (size_t)snprintf(buf, size, " (expected ");
    for (size_t i = 0; i < n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", words[i],
                              i + 2 < n ? ", " : i + 1 < n ? " or " : ")");
}

/* Candidate words for a key: the keys, then each key's '_' parts of 3+
** letters and its hints, each mapped back to its key. */
typedef struct word_set {
    const char *words[MAX_WORDS + 1];
    const char *owner[MAX_WORDS];
    size_t n;
    char store[2048];
    size_t used;
} word_set;

static void add_word(word_set *ws, const char *w, size_t len, const char *owner)
{
    if (ws->n >= MAX_WORDS || ws->used + len + 1 > sizeof ws->store || len < 3)
        return;
    char *d = ws->store + ws->used;
    memcpy(d, w, len);
    d[len] = '\0';
    ws->used += len + 1;
    ws->owner[ws->n] = owner;
    ws->words[ws->n++] = d;
    ws->words[ws->n] = NULL;
}

static void add_parts(word_set *ws, const char *s, char sep, const char *owner)
{
    while (*s) {
        const char *e = strchr(s, sep);
        size_t len = e ? (size_t)(e - s) : strlen(s);
        add_word(ws, s, len, owner);
        s += len + (e ? 1 : 0);
    }
}

static const char *suggest_key(const char *word, const plc_field *fields)
{
    const char *keys[MAX_FIELDS + 1];
    size_t n = 0;
    for (; fields[n].key && n < MAX_FIELDS; n++)
        keys[n] = fields[n].key;
    keys[n] = NULL;
    const char *s = plu_suggest(word, keys);
    if (s)
        return s;
    word_set set, *ws = &set; /* on the stack: a message never allocates */
    ws->n = ws->used = 0;
    ws->words[0] = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strchr(fields[i].key, '_'))
            add_parts(ws, fields[i].key, '_', fields[i].key);
        if (fields[i].hints)
            add_parts(ws, fields[i].hints, ' ', fields[i].key);
    }
    s = plu_suggest(word, ws->words);
    const char *owner = NULL;
    for (size_t i = 0; s && i < ws->n; i++)
        if (ws->words[i] == s)
            owner = ws->owner[i];
    return owner;
}

static pl_status unknown_key(plc_dctx *cx, const plc_field *fields, const char *where,
                             const plc_member *m)
{
    char k[PLC_QUOTE_MAX], hint[512] = "";
    plc_quote(k, sizeof k, m->key, m->key_len);
    const char *s = strlen(m->key) == m->key_len ? suggest_key(m->key, fields) : NULL;
    if (s) {
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
    } else {
        const char *keys[MAX_FIELDS + 1];
        size_t n = 0;
        for (; fields[n].key && n < MAX_FIELDS; n++)
            keys[n] = fields[n].key;
        keys[n] = NULL;
        if (n <= 10)
            plc_hint(hint, sizeof hint, "", keys);
    }
    return plc_fail(cx, &m->key_loc, "unknown key '%s' %s%s", k, where, hint);
}

/* ---- field decoding ---------------------------------------------------------- */

int plc_field_index(const plc_field *fields, const char *key)
{
    for (int i = 0; fields[i].key; i++)
        if (strcmp(fields[i].key, key) == 0)
            return i;
    return -1;
}

static int find_field(const plc_field *fields, const plc_member *m)
{
    for (int i = 0; fields[i].key; i++)
        if (strlen(fields[i].key) == m->key_len && memcmp(fields[i].key, m->key, m->key_len) == 0)
            return i;
    return -1;
}

/* An integer value (integral floats accepted, as JSON writes 1e7). */
static bool node_int(const plc_node *n, int64_t *out)
{
    if (n->kind == PLC_INT) {
        *out = n->u.i;
        return true;
    }
    if (n->kind == PLC_FLOAT && n->u.f >= -9.2e18 && n->u.f <= 9.2e18 &&
        n->u.f == (double)(int64_t)n->u.f) {
        *out = (int64_t)n->u.f;
        return true;
    }
    return false;
}

static pl_status decode_uint(plc_dctx *cx, const plc_field *f, const plc_member *m, void *p)
{
    int64_t v;
    char k[PLC_QUOTE_MAX];
    plc_quote(k, sizeof k, m->key, m->key_len);
    if (!node_int(m->value, &v)) {
        if (m->value->kind == PLC_FLOAT)
            return plc_fail(cx, &m->value->loc, "'%s' must be an integer, got %g", k,
                            m->value->u.f);
        return plc_type_error(cx, m, "an integer");
    }
    if (v < 1 && f->lo == 1)
        return plc_fail(cx, &m->value->loc, "'%s' must be a positive integer, got %lld", k,
                        (long long)v);
    if (v < 0 || (uint64_t)v < f->lo)
        return plc_fail(cx, &m->value->loc, "'%s' must be at least %llu, got %lld", k,
                        (unsigned long long)f->lo, (long long)v);
    if ((uint64_t)v > f->hi)
        return plc_fail(cx, &m->value->loc, "'%s' must be at most %llu, got %lld", k,
                        (unsigned long long)f->hi, (long long)v);
    if (f->type == PLC_F_U32)
        *(uint32_t *)p = (uint32_t)v;
    else
        *(uint64_t *)p = (uint64_t)v;
    return PL_OK;
}

static pl_status decode_float(plc_dctx *cx, const plc_field *f, const plc_member *m, void *p)
{
    const plc_node *n = m->value;
    if (n->kind != PLC_INT && n->kind != PLC_FLOAT)
        return plc_type_error(cx, m, "a number");
    double v = n->kind == PLC_INT ? (double)n->u.i : n->u.f;
    if (!(v >= f->flo && v <= f->fhi)) {
        char k[PLC_QUOTE_MAX];
        return plc_fail(cx, &n->loc, "'%s' must be between %g and %g, got %g",
                        plc_quote(k, sizeof k, m->key, m->key_len), f->flo, f->fhi, v);
    }
    *(double *)p = v;
    return PL_OK;
}

pl_status plc_decode_string(plc_dctx *cx, const plc_member *m, const plc_node *n,
                            const char **out)
{
    char k[PLC_QUOTE_MAX];
    if (n->kind != PLC_STRING)
        return n == m->value ? plc_type_error(cx, m, "a string")
                             : plc_item_type_error(cx, m, n, "strings");
    if (n->u.s.len == 0)
        return plc_fail(cx, &n->loc, "'%s' must not be empty",
                        plc_quote(k, sizeof k, m->key, m->key_len));
    if (strlen(n->u.s.ptr) != n->u.s.len)
        return plc_fail(cx, &n->loc, "'%s' must not contain NUL characters",
                        plc_quote(k, sizeof k, m->key, m->key_len));
    *out = n->u.s.ptr; /* the document lives as long as the model */
    return PL_OK;
}

pl_status plc_decode_strlist(plc_dctx *cx, const plc_member *m, plc_strlist *list)
{
    const plc_node *a = m->value;
    if (a->kind != PLC_ARRAY)
        return plc_type_error(cx, m, "an array of strings");
    const char **items;
    pl_status st = plc_alloc_array(cx, a->u.a.len, sizeof *items, (void **)&items);
    for (size_t i = 0; st == PL_OK && i < a->u.a.len; i++)
        st = plc_decode_string(cx, m, a->u.a.items[i], &items[i]);
    if (st != PL_OK)
        return st;
    list->items = items;
    list->len = a->u.a.len;
    return PL_OK;
}

static pl_status decode_pathlist(plc_dctx *cx, const plc_field *f, const plc_member *m,
                                 plc_strlist *list)
{
    pl_status st = plc_decode_strlist(cx, m, list);
    for (size_t i = 0; st == PL_OK && i < list->len; i++)
        st = plc_expand_path(cx, &m->value->u.a.items[i]->loc, list->items[i],
                             f->flags & PLC_FF_RAW_PATH, &list->items[i]);
    return st;
}

static pl_status decode_enum(plc_dctx *cx, const plc_field *f, const plc_member *m, int *p)
{
    return plc_decode_enum(cx, m, f->names, p);
}

pl_status plc_decode_enum(plc_dctx *cx, const plc_member *m, const char *const *names, int *p)
{
    const char *s;
    pl_status st = plc_decode_string(cx, m, m->value, &s);
    if (st != PL_OK)
        return st;
    for (int i = 0; names[i]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *p = i;
            return PL_OK;
        }
    }
    char k[PLC_QUOTE_MAX], v[PLC_QUOTE_MAX], list[256], hint[160] = "";
    size_t o = 0, n = 0;
    while (names[n])
        n++;
    for (size_t i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "'%s'%s", names[i],
                              i + 2 < n ? ", " : i + 1 < n ? " or " : "");
    const char *near = plu_suggest(s, names);
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    return plc_fail(cx, &m->value->loc, "'%s' must be one of %s, got '%s'%s",
                    plc_quote(k, sizeof k, m->key, m->key_len), list,
                    plc_quote(v, sizeof v, s, strlen(s)), hint);
}

static pl_status decode_kv(plc_dctx *cx, const plc_member *m, plc_kvlist *kv)
{
    const plc_node *t = m->value;
    if (t->kind != PLC_TABLE)
        return plc_type_error(cx, m, "a table of strings");
    plc_kv *items;
    pl_status st = plc_alloc_array(cx, t->u.t.len, sizeof *items, (void **)&items);
    for (size_t i = 0; st == PL_OK && i < t->u.t.len; i++) {
        const plc_member *e = &t->u.t.items[i];
        items[i].name = e->key;
        if (e->value->kind != PLC_STRING) {
            char k[PLC_QUOTE_MAX], key[PLC_QUOTE_MAX];
            return plc_fail(cx, &e->value->loc, "'%s' values must be strings, got %s for '%s'",
                            plc_quote(k, sizeof k, m->key, m->key_len),
                            plc_kind_name(e->value->kind),
                            plc_quote(key, sizeof key, e->key, e->key_len));
        }
        if (strlen(e->value->u.s.ptr) != e->value->u.s.len || strlen(e->key) != e->key_len) {
            char key[PLC_QUOTE_MAX];
            return plc_fail(cx, &e->value->loc, "'%s' must not contain NUL characters",
                            plc_quote(key, sizeof key, e->key, e->key_len));
        }
        items[i].value = e->value->u.s.ptr;
    }
    if (st == PL_OK) {
        kv->items = items;
        kv->len = t->u.t.len;
    }
    return st;
}

static pl_status decode_field(plc_dctx *cx, const plc_field *f, const plc_member *m, void *obj)
{
    void *p = (char *)obj + f->offset;
    const plc_node *v = m->value;
    switch (f->type) {
    case PLC_F_BOOL:
        if (v->kind != PLC_BOOL)
            return plc_type_error(cx, m, expected_phrase(f));
        *(bool *)p = v->u.b;
        return PL_OK;
    case PLC_F_U32:
    case PLC_F_U64:
        return decode_uint(cx, f, m, p);
    case PLC_F_FLOAT:
        return decode_float(cx, f, m, p);
    case PLC_F_STRING:
        return plc_decode_string(cx, m, v, (const char **)p);
    case PLC_F_PATH: {
        pl_status st = plc_decode_string(cx, m, v, (const char **)p);
        return st != PL_OK ? st
                           : plc_expand_path(cx, &v->loc, *(const char **)p,
                                             f->flags & PLC_FF_RAW_PATH, (const char **)p);
    }
    case PLC_F_STRLIST:
        return plc_decode_strlist(cx, m, p);
    case PLC_F_PATHLIST:
        return decode_pathlist(cx, f, m, p);
    case PLC_F_ENUM:
        return decode_enum(cx, f, m, p);
    case PLC_F_TABLE:
        if (v->kind != PLC_TABLE)
            return plc_type_error(cx, m, expected_phrase(f));
        *(const plc_node **)p = v;
        return PL_OK;
    case PLC_F_KV:
        return decode_kv(cx, m, p);
    case PLC_F_CUSTOM:
        return f->decode(cx, m, obj);
    }
    return plc_fail(cx, &m->key_loc, "internal error: bad field type");
}

pl_status plc_decode_field(plc_dctx *cx, const plc_field *f, const plc_member *m, void *obj)
{
    pl_status st = decode_field(cx, f, m, obj);
    if (st == PL_OK && f->check)
        st = f->check(cx, m, (char *)obj + f->offset);
    return st;
}

static pl_status decode_members(plc_dctx *cx, const plc_field *fields, const char *where,
                                const plc_node *table, void *obj, uint64_t *seen)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < table->u.t.len; i++) {
        const plc_member *m = &table->u.t.items[i];
        int fi = find_field(fields, m);
        if (fi < 0)
            return unknown_key(cx, fields, where, m);
        const plc_field *f = &fields[fi];
        if (m->value->kind == PLC_NULL && !(f->flags & PLC_FF_REQUIRED))
            continue;
        pl_status st = plc_decode_field(cx, f, m, obj);
        if (st != PL_OK)
            return st;
        mask |= 1ull << fi;
    }
    for (int i = 0; fields[i].key; i++)
        if ((fields[i].flags & PLC_FF_REQUIRED) && !(mask & (1ull << i)))
            return plc_fail(cx, &table->loc, "missing required key '%s' %s", fields[i].key,
                            where);
    if (seen)
        *seen = mask;
    return PL_OK;
}

pl_status plc_decode_table(plc_dctx *cx, const plc_field *fields, const char *where,
                           const plc_node *table, void *obj, uint64_t *seen)
{
    const char *outer = cx->where;
    cx->where = where;
    pl_status st = decode_members(cx, fields, where, table, obj, seen);
    cx->where = outer;
    return st;
}

void plc_nested_where(char *buf, size_t size, const plc_dctx *cx, const plc_member *m)
{
    char k[PLC_QUOTE_MAX];
    plc_quote(k, sizeof k, m->key, m->key_len);
    const char *w = cx->where ? strchr(cx->where, '[') : NULL;
    if (!w) {
        snprintf(buf, size, "in [%s]", k);
        return;
    }
    while (*w == '[')
        w++;
    size_t n = strcspn(w, "]");
    snprintf(buf, size, "in [%.*s.%s]", (int)n, w, k);
}

pl_status plc_decode_nested(plc_dctx *cx, const plc_member *m, const plc_field *fields,
                            const char *expected, void *obj, uint64_t *seen)
{
    if (m->value->kind != PLC_TABLE)
        return plc_type_error(cx, m, expected);
    char where[192];
    plc_nested_where(where, sizeof where, cx, m);
    return plc_decode_table(cx, fields, where, m->value, obj, seen);
}

void plc_apply_defaults(const plc_field *fields, void *obj)
{
    for (const plc_field *f = fields; f->key; f++) {
        void *p = (char *)obj + f->offset;
        switch (f->type) {
        case PLC_F_BOOL: *(bool *)p = f->def.b; break;
        case PLC_F_U32: *(uint32_t *)p = (uint32_t)f->def.u; break;
        case PLC_F_U64: *(uint64_t *)p = f->def.u; break;
        case PLC_F_FLOAT: *(double *)p = f->def.f; break;
        case PLC_F_STRING:
        case PLC_F_PATH: *(const char **)p = f->def.s; break;
        case PLC_F_STRLIST:
        case PLC_F_PATHLIST: *(plc_strlist *)p = (plc_strlist){0}; break;
        case PLC_F_ENUM: *(int *)p = f->def.e; break;
        case PLC_F_TABLE: *(const plc_node **)p = NULL; break;
        case PLC_F_KV: *(plc_kvlist *)p = (plc_kvlist){0}; break;
        case PLC_F_CUSTOM: break;
        }
    }
}

/* ---- paths ---------------------------------------------------------------------- */

pl_status plc_expand_path(plc_dctx *cx, const pl_loc *loc, const char *path, bool raw,
                          const char **out)
{
    char q[PLC_QUOTE_MAX];
    const char *prefix = NULL, *rest = path;
    if (path[0] == '~') {
        if (path[1] != '\0' && path[1] != '/')
            return plc_fail(cx, loc,
                            "cannot expand '%s': only '~' and '~/...' are expanded (not '~user'); "
                            "write the full path",
                            plc_quote(q, sizeof q, path, strlen(path)));
        prefix = getenv("HOME");
        if (!prefix || !*prefix)
            return plc_fail(cx, loc, "cannot expand '~' in '%s': $HOME is not set",
                            plc_quote(q, sizeof q, path, strlen(path)));
        rest = path + 1;
    } else if (path[0] != '/' && !raw && cx->base_dir) {
        prefix = cx->base_dir;
        rest = path;
    }
    if (!prefix) {
        *out = path;
        return PL_OK;
    }
    size_t pl = strlen(prefix), rl = strlen(rest);
    while (pl > 1 && prefix[pl - 1] == '/')
        pl--;
    bool sep = rest[0] != '/' && rest[0] != '\0';
    char *s = plu_arena_alloc(cx->arena, pl + sep + rl + 1);
    if (!s)
        return plc_nomem(cx);
    memcpy(s, prefix, pl);
    if (sep)
        s[pl] = '/';
    memcpy(s + pl + sep, rest, rl + 1);
    *out = s;
    return PL_OK;
}
