/*
** yaml.c — the YAML reader: libfyaml parses, plinth builds the tree.
**
** We use libfyaml's event stream rather than its document tree, because
** the events carry exactly what the tree needs (a mark per node, the tag,
** the anchor, the scalar style) and building plc nodes from them directly
** avoids a second full copy of the document. The builder is a loop over
** an explicit stack, so nesting depth costs no C stack.
**
** Choices (docs/formats.md has the user-facing list):
** - Scalars resolve by the YAML 1.2 core schema: null, true/false in three
**   spellings, decimal/0o/0x integers, floats with .inf/.nan. YAML 1.1's
**   yes/no/on/off stay strings (the "Norway problem" does not exist here).
**   Integers that do not fit in 64 bits are errors, not silent floats.
** - Tags: !!str !!int !!float !!bool !!null !!map !!seq and the
**   non-specific "!"; anything else is refused by name.
** - Anchors and aliases: an alias shares the anchored node (the tree is a
**   DAG). Expansions are counted, so a "billion laughs" document fails
**   with a clear error instead of exhausting memory in a later walk. An
**   alias to a node that contains it is refused (no cycles).
** - Merge keys ("<<", from YAML 1.1, used widely in configuration files):
**   the value is a mapping or a sequence of mappings; explicit keys win,
**   then earlier merged mappings over later ones.
** - Duplicate keys are errors naming both places; keys must be scalars.
** - One document per file. An empty file is a null document.
*/
#include <libfyaml.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

enum {
    YAML_MAX_DEPTH = 256,            /* as TOML: deeper is not configuration */
    YAML_MAX_EXPANDED = 1000000,     /* nodes that aliases may add in all */
    SHOWN = 40                       /* bytes of user text quoted in messages */
};

#define CORE_TAG "tag:yaml.org,2002:"

typedef struct anchor {
    const char *name; /* arena copy */
    size_t len;
    unsigned long seq; /* definition order: the latest definition wins */
    plc_node *node;    /* NULL while its collection is still open */
    size_t size;       /* nodes in the subtree */
} anchor;

typedef struct frame {
    plc_node *node;     /* the open sequence or mapping */
    size_t size;        /* nodes inside so far, alias expansions included */
    long anchor;        /* index into the anchor list, or -1 */
    /* mappings only */
    bool want_value;
    bool merge_next;    /* the pending key is "<<" */
    const char *key;
    size_t key_len;
    pl_loc key_loc;
    plu_buf merges;     /* plc_node * sources of "<<", in order */
} frame;

typedef struct yreader {
    const char *file;   /* the caller's name: outlives the document */
    plc_doc *doc;
    pl_err *err;
    frame stack[YAML_MAX_DEPTH + 1];
    size_t depth;
    anchor *anchors;
    size_t nanchors, capanchors;
    unsigned long next_seq;
    size_t expanded;
    int documents;
    bool done;          /* the document's root is set */
} yreader;

/* ---- errors ----------------------------------------------------------- */

static pl_loc mark_loc(const yreader *r, const struct fy_mark *m)
{
    if (!m)
        return (pl_loc){r->file, 0, 0};
    return (pl_loc){r->file, (uint32_t)m->line + 1, (uint32_t)m->column + 1};
}

/* Where an event's node starts. libfyaml marks quoted scalars after the
** opening quote and aliases after the '*'; we point at the quote and the
** '*', where the user's eye goes. */
static pl_loc event_loc(const yreader *r, struct fy_event *ev)
{
    pl_loc loc = mark_loc(r, fy_event_start_mark(ev));
    bool back = ev->type == FYET_ALIAS;
    if (ev->type == FYET_SCALAR) {
        enum fy_scalar_style st = fy_token_scalar_style(ev->scalar.value);
        back = st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED;
    }
    if (back && loc.col > 1)
        loc.col--;
    return loc;
}

static pl_status fail(yreader *r, pl_loc loc, const char *fmt, ...) PLU_PRINTF(3, 4);
static pl_status fail(yreader *r, pl_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    loc.file = r->file;
    pl_status st = plu_verrf(r->err, PL_E_SYNTAX, &loc, fmt, ap);
    va_end(ap);
    return st;
}

static pl_status nomem(yreader *r) { return plu_err_nomem(r->err); }

/* libfyaml's first collected error, with its (1-based) position. */
static pl_status parser_error(yreader *r, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(diag, &it)) != NULL) {
        if (e->type < FYET_ERROR || !e->msg)
            continue;
        pl_loc loc = {r->file, e->line > 0 ? (uint32_t)e->line : 0,
                      e->column > 0 ? (uint32_t)e->column : 0};
        /* libfyaml 0.7 misspells one of its messages; show it corrected. */
        const char *typo = strstr(e->msg, "indendation");
        if (typo)
            return fail(r, loc, "%.*sindentation%s", (int)(typo - e->msg), e->msg,
                        typo + strlen("indendation"));
        return fail(r, loc, "%s", e->msg);
    }
    return fail(r, (pl_loc){r->file, 0, 0}, "invalid YAML");
}

/* YAML text is UTF-8 of printable characters (YAML 1.2 §5.1: tab, line
** ends, U+0020..U+007E, U+0085, U+00A0..U+D7FF, U+E000..U+FFFD, and the
** planes above). Checked before libfyaml sees the text: libfyaml 0.7
** passes some invalid bytes through into values, and loops forever on
** "%\x95". */
static bool printable(uint32_t cp)
{
    return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) ||
           cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           cp >= 0x10000;
}

static uint32_t decode_utf8(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    return cp;
}

static pl_status check_text(yreader *r, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    pl_loc loc = {r->file, 1, 1};
    for (size_t i = 0; i < len;) {
        size_t n = plu_utf8_seq(s + i, len - i);
        if (n == 0)
            return fail(r, loc, "invalid UTF-8 (byte 0x%02X); plinth reads YAML as UTF-8",
                        s[i]);
        uint32_t cp = decode_utf8(s + i, n);
        if (!printable(cp))
            return fail(r, loc, "character U+%04X is not allowed in YAML", (unsigned)cp);
        if (cp == '\n') {
            loc.line++;
            loc.col = 1;
        } else {
            loc.col++;
        }
        i += n;
    }
    return PL_OK;
}

/* ---- tags ------------------------------------------------------------- */

typedef enum ytag {
    TAG_NONE, /* no tag: resolve plain scalars by the core schema */
    TAG_NONSPECIFIC, TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL,
    TAG_MAP, TAG_SEQ, TAG_MERGE
} ytag;

static const struct {
    const char *suffix;
    ytag tag;
} core_tags[] = {
    {"str", TAG_STR},   {"int", TAG_INT}, {"float", TAG_FLOAT}, {"bool", TAG_BOOL},
    {"null", TAG_NULL}, {"map", TAG_MAP}, {"seq", TAG_SEQ},     {"merge", TAG_MERGE},
};

/* The tag of an event, or an error naming a tag plinth does not know. */
static pl_status event_tag(yreader *r, struct fy_event *ev, ytag *out)
{
    *out = TAG_NONE;
    struct fy_token *t = fy_event_get_tag_token(ev);
    if (!t)
        return PL_OK;
    size_t len = 0;
    const char *full = fy_token_get_text(t, &len);
    if (!full)
        return nomem(r);
    if (len == 1 && full[0] == '!') {
        *out = TAG_NONSPECIFIC;
        return PL_OK;
    }
    size_t plen = sizeof CORE_TAG - 1;
    for (size_t i = 0; len > plen && i < sizeof core_tags / sizeof core_tags[0]; i++) {
        if (memcmp(full, CORE_TAG, plen) == 0 && strlen(core_tags[i].suffix) == len - plen &&
            memcmp(full + plen, core_tags[i].suffix, len - plen) == 0) {
            *out = core_tags[i].tag;
            return PL_OK;
        }
    }
    /* Name it as written ("!foo", "!!binary"), not expanded. */
    size_t hlen = 0, slen = 0;
    const char *h = fy_tag_token_handle(t, &hlen), *s = fy_tag_token_suffix(t, &slen);
    char written[2 * SHOWN], shown[SHOWN + 4];
    if (h && s)
        snprintf(written, sizeof written, "%.*s%.*s", (int)(hlen < SHOWN ? hlen : SHOWN), h,
                 (int)(slen < SHOWN ? slen : SHOWN), s);
    else
        snprintf(written, sizeof written, "%.*s", (int)(len < SHOWN ? len : SHOWN), full);
    plu_shown(shown, SHOWN, written, strlen(written));
    return fail(r, mark_loc(r, fy_token_start_mark(t)),
                "unsupported tag '%s' (plinth knows !!str, !!int, !!float, !!bool, !!null, "
                "!!map and !!seq)", shown);
}

/* ---- scalars: the YAML 1.2 core schema -------------------------------- */

static bool is_one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

static bool all_digits(const char *s, size_t n, int radix)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = radix == 8    ? (c >= '0' && c <= '7')
                  : radix == 10 ? (c >= '0' && c <= '9')
                                : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                      (c >= 'A' && c <= 'F');
        if (!ok)
            return false;
    }
    return true;
}

typedef enum parsed { NOT_THIS, PARSED, OUT_OF_RANGE } parsed;

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ into an int64. */
static parsed parse_int(const char *s, size_t n, int64_t *out)
{
    int radix = 10;
    bool neg = false;
    size_t i = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        radix = s[1] == 'o' ? 8 : 16;
        i = 2;
    } else if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (!all_digits(s + i, n - i, radix))
        return NOT_THIS;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; i < n; i++) {
        char c = s[i];
        unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        if (v > (limit - d) / (uint64_t)radix)
            return OUT_OF_RANGE;
        v = v * (uint64_t)radix + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return PARSED;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? and the .inf/.nan
** words. strtod does the conversion, with the locale's decimal point. */
static parsed parse_float(const char *s, size_t n, double *out)
{
    size_t i = n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (is_one_of(s + i, n - i, inf_words)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return PARSED;
    }
    if (i == 0 && is_one_of(s, n, nan_words)) {
        *out = NAN;
        return PARSED;
    }
    size_t int_digits = 0, frac_digits = 0, j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++, int_digits++;
    size_t point = j;
    if (j < n && s[j] == '.')
        for (j++; j < n && s[j] >= '0' && s[j] <= '9'; j++)
            frac_digits++;
    if (int_digits + frac_digits == 0)
        return NOT_THIS;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '-' || s[j] == '+'))
            j++;
        if (!all_digits(s + j, n - j, 10))
            return NOT_THIS;
        j = n;
    }
    if (j != n || n >= 512)
        return NOT_THIS;
    char tmp[512];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (point < n && tmp[point] == '.')
        tmp[point] = localeconv()->decimal_point[0];
    *out = strtod(tmp, NULL);
    return isinf(*out) ? OUT_OF_RANGE : PARSED;
}

/* A scalar's node: its tag decides, else (plain and untagged) the core
** schema, else it is a string. */
static pl_status scalar_node(yreader *r, const char *s, size_t n, bool plain, ytag tag,
                             pl_loc loc, plc_node **out)
{
    char shown[SHOWN + 4];
    plc_doc *d = r->doc;
    bool resolve = tag == TAG_NONE && plain;
    int64_t iv = 0;
    double fv = 0;
    parsed p;
    *out = NULL;
    if (tag == TAG_MAP || tag == TAG_SEQ || tag == TAG_MERGE)
        return fail(r, loc, "tag !!%s on a scalar", tag == TAG_MAP ? "map"
                                                    : tag == TAG_SEQ ? "seq" : "merge");
    if ((resolve || tag == TAG_NULL) && is_one_of(s, n, null_words))
        *out = plc_new(d, PLC_NULL, loc);
    else if ((resolve || tag == TAG_BOOL) && is_one_of(s, n, true_words))
        *out = plc_new_bool(d, true, loc);
    else if ((resolve || tag == TAG_BOOL) && is_one_of(s, n, false_words))
        *out = plc_new_bool(d, false, loc);
    else if ((resolve || tag == TAG_INT || tag == TAG_FLOAT) &&
             (p = parse_int(s, n, &iv)) != NOT_THIS) {
        if (p == OUT_OF_RANGE)
            return fail(r, loc, "integer %s does not fit in 64 bits",
                        plu_shown(shown, SHOWN, s, n));
        *out = tag == TAG_FLOAT ? plc_new_float(d, (double)iv, loc) : plc_new_int(d, iv, loc);
    } else if ((resolve || tag == TAG_FLOAT) && (p = parse_float(s, n, &fv)) != NOT_THIS) {
        if (p == OUT_OF_RANGE)
            return fail(r, loc, "float %s is out of range", plu_shown(shown, SHOWN, s, n));
        *out = plc_new_float(d, fv, loc);
    } else if (tag == TAG_NULL || tag == TAG_BOOL || tag == TAG_INT || tag == TAG_FLOAT) {
        static const char *const names[] = {[TAG_NULL] = "null", [TAG_BOOL] = "bool",
                                            [TAG_INT] = "int", [TAG_FLOAT] = "float"};
        return fail(r, loc, "'%s' is not a valid !!%s", plu_shown(shown, SHOWN, s, n),
                    names[tag]);
    } else {
        *out = plc_new_string(d, PLC_STRING, s, n, loc);
    }
    return *out ? PL_OK : nomem(r);
}

/* ---- anchors ---------------------------------------------------------- */

/* Record an anchor (node NULL while its collection is open); returns its
** index, or -1 on out of memory. */
static long anchor_define(yreader *r, struct fy_token *t, plc_node *node, size_t size)
{
    size_t len = 0;
    const char *name = fy_token_get_text(t, &len);
    if (!name)
        return -1;
    if (r->nanchors == r->capanchors) {
        size_t cap = r->capanchors ? r->capanchors * 2 : 16;
        anchor *a = plu_realloc(r->anchors, cap * sizeof *a);
        if (!a)
            return -1;
        r->anchors = a;
        r->capanchors = cap;
    }
    anchor *a = &r->anchors[r->nanchors];
    a->name = plu_arena_strndup(&r->doc->arena, name, len);
    if (!a->name)
        return -1;
    a->len = len;
    a->seq = r->next_seq++;
    a->node = node;
    a->size = size;
    return (long)r->nanchors++;
}

/* The latest definition of an alias's anchor; an error when there is none
** or when it is still open (the alias would make a cycle). */
static pl_status anchor_resolve(yreader *r, struct fy_event *ev, const anchor **out)
{
    size_t len = 0;
    const char *name = fy_token_get_text(ev->alias.anchor, &len);
    pl_loc loc = event_loc(r, ev);
    char shown[SHOWN + 4];
    if (!name)
        return nomem(r);
    for (size_t i = r->nanchors; i-- > 0;) {
        const anchor *a = &r->anchors[i];
        if (a->len != len || memcmp(a->name, name, len) != 0)
            continue;
        if (!a->node)
            return fail(r, loc, "alias '*%s' refers to a node that contains it",
                        plu_shown(shown, SHOWN, name, len));
        *out = a;
        return PL_OK;
    }
    return fail(r, loc, "unknown anchor in alias '*%s'", plu_shown(shown, SHOWN, name, len));
}

/* ---- the tree ---------------------------------------------------------- */

/* A scalar node as a mapping key: its text in canonical form. */
static pl_status key_text(yreader *r, const plc_node *k, pl_loc loc, const char **s,
                          size_t *n)
{
    char tmp[64];
    switch (k->kind) {
    case PLC_STRING:
        *s = k->u.s.ptr;
        *n = k->u.s.len;
        return PL_OK;
    case PLC_NULL: *s = "null"; break;
    case PLC_BOOL: *s = k->u.b ? "true" : "false"; break;
    case PLC_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)k->u.i);
        *s = tmp;
        break;
    case PLC_FLOAT:
        snprintf(tmp, sizeof tmp, "%.17g", k->u.f);
        *s = tmp;
        break;
    default:
        return fail(r, loc, "mapping keys must be scalars, not a %s", plc_kind_name(k->kind));
    }
    *n = strlen(*s);
    *s = plu_arena_strndup(&r->doc->arena, *s, *n);
    return *s ? PL_OK : nomem(r);
}

static pl_status check_merge_source(yreader *r, const plc_node *v, pl_loc loc)
{
    bool ok = v->kind == PLC_TABLE;
    if (v->kind == PLC_ARRAY) {
        ok = true;
        for (size_t i = 0; i < v->u.a.len; i++)
            ok = ok && v->u.a.items[i]->kind == PLC_TABLE;
    }
    return ok ? PL_OK
              : fail(r, loc, "the value of a merge key '<<' must be a mapping or a "
                             "sequence of mappings");
}

/* A completed value goes into the open collection (or becomes the root).
** size counts its nodes; is_merge_key marks a "<<" in key position. */
static pl_status deliver(yreader *r, plc_node *v, size_t size, bool is_merge_key)
{
    if (r->depth == 0) {
        r->doc->root = v;
        r->done = true;
        return PL_OK;
    }
    frame *f = &r->stack[r->depth - 1];
    f->size += size;
    if (f->node->kind == PLC_ARRAY)
        return plc_array_push(r->doc, f->node, v) == 0 ? PL_OK : nomem(r);
    if (!f->want_value) {
        f->key_loc = v->loc;
        f->merge_next = is_merge_key;
        f->want_value = true;
        return is_merge_key ? PL_OK : key_text(r, v, v->loc, &f->key, &f->key_len);
    }
    f->want_value = false;
    if (f->merge_next) {
        pl_status st = check_merge_source(r, v, v->loc);
        if (st != PL_OK)
            return st;
        return plu_buf_append(&f->merges, &v, sizeof v) == 0 ? PL_OK : nomem(r);
    }
    const plc_member *first = plc_table_find(f->node, f->key, f->key_len);
    if (first) {
        char shown[SHOWN + 4];
        return fail(r, f->key_loc, "duplicate key '%s' (first at line %u)",
                    plu_shown(shown, SHOWN, f->key, f->key_len),
                    (unsigned)first->key_loc.line);
    }
    return plc_table_add(r->doc, f->node, f->key, f->key_len, f->key_loc, v) ? PL_OK
                                                                              : nomem(r);
}

/* Add the members of one "<<" source that the mapping does not have yet. */
static pl_status merge_one(yreader *r, plc_node *into, const plc_node *src)
{
    for (size_t i = 0; i < src->u.t.len; i++) {
        const plc_member *m = &src->u.t.items[i];
        if (plc_table_find(into, m->key, m->key_len))
            continue;
        if (!plc_table_add(r->doc, into, m->key, m->key_len, m->key_loc, m->value))
            return nomem(r);
    }
    return PL_OK;
}

static pl_status apply_merges(yreader *r, frame *f)
{
    size_t n = f->merges.len / sizeof(plc_node *);
    pl_status st = PL_OK;
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        plc_node *src;
        memcpy(&src, f->merges.data + i * sizeof src, sizeof src);
        if (src->kind == PLC_TABLE)
            st = merge_one(r, f->node, src);
        for (size_t j = 0; src->kind == PLC_ARRAY && j < src->u.a.len && st == PL_OK; j++)
            st = merge_one(r, f->node, src->u.a.items[j]);
    }
    return st;
}

/* MAPPING_START / SEQUENCE_START: open a collection. */
static pl_status open_collection(yreader *r, struct fy_event *ev, bool mapping)
{
    pl_loc loc = event_loc(r, ev);
    ytag tag;
    pl_status st = event_tag(r, ev, &tag);
    if (st != PL_OK)
        return st;
    if (tag != TAG_NONE && tag != TAG_NONSPECIFIC && tag != (mapping ? TAG_MAP : TAG_SEQ))
        return fail(r, mark_loc(r, fy_token_start_mark(fy_event_get_tag_token(ev))),
                    "tag does not fit a %s", mapping ? "mapping" : "sequence");
    if (r->depth > 0) {
        const frame *p = &r->stack[r->depth - 1];
        if (p->node->kind == PLC_TABLE && !p->want_value)
            return fail(r, loc, "mapping keys must be scalars, not a %s",
                        mapping ? "mapping" : "sequence");
    }
    if (r->depth == YAML_MAX_DEPTH)
        return fail(r, loc, "nesting deeper than %d levels", YAML_MAX_DEPTH);
    plc_node *node = plc_new(r->doc, mapping ? PLC_TABLE : PLC_ARRAY, loc);
    if (!node)
        return nomem(r);
    frame *f = &r->stack[r->depth++];
    memset(f, 0, sizeof *f);
    plu_buf_init(&f->merges);
    f->node = node;
    f->anchor = -1;
    struct fy_token *a = fy_event_get_anchor_token(ev);
    if (a && (f->anchor = anchor_define(r, a, NULL, 0)) < 0)
        return nomem(r);
    return PL_OK;
}

/* MAPPING_END / SEQUENCE_END: close it and hand it to its parent. */
static pl_status close_collection(yreader *r)
{
    frame *f = &r->stack[r->depth - 1];
    pl_status st = apply_merges(r, f);
    plu_buf_free(&f->merges);
    if (st != PL_OK)
        return st;
    r->depth--;
    if (f->anchor >= 0) {
        r->anchors[f->anchor].node = f->node;
        r->anchors[f->anchor].size = f->size + 1;
    }
    return deliver(r, f->node, f->size + 1, false);
}

static pl_status on_scalar(yreader *r, struct fy_event *ev)
{
    pl_loc loc = event_loc(r, ev);
    struct fy_token *value = ev->scalar.value;
    size_t len = 0;
    const char *text = fy_token_get_text(value, &len);
    if (!text)
        return nomem(r);
    ytag tag;
    pl_status st = event_tag(r, ev, &tag);
    if (st != PL_OK)
        return st;
    bool plain = fy_token_scalar_style(value) == FYSS_PLAIN;
    const frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;
    bool at_key = f && f->node->kind == PLC_TABLE && !f->want_value;
    bool merge_key = at_key && (tag == TAG_MERGE || (tag == TAG_NONE && plain && len == 2 &&
                                                     memcmp(text, "<<", 2) == 0));
    plc_node *node;
    if (merge_key)
        node = plc_new_string(r->doc, PLC_STRING, "<<", 2, loc);
    else if ((st = scalar_node(r, text, len, plain, tag, loc, &node)) != PL_OK)
        return st;
    if (!node)
        return nomem(r);
    struct fy_token *a = fy_event_get_anchor_token(ev);
    if (a && anchor_define(r, a, node, 1) < 0)
        return nomem(r);
    return deliver(r, node, 1, merge_key);
}

static pl_status on_alias(yreader *r, struct fy_event *ev)
{
    const anchor *a = NULL;
    pl_status st = anchor_resolve(r, ev, &a);
    if (st != PL_OK)
        return st;
    if (a->size > YAML_MAX_EXPANDED - r->expanded)
        return fail(r, event_loc(r, ev),
                    "aliases expand the document beyond %d nodes", YAML_MAX_EXPANDED);
    r->expanded += a->size;
    return deliver(r, a->node, a->size, false);
}

static pl_status on_document(yreader *r, struct fy_event *ev)
{
    if (++r->documents == 1)
        return PL_OK;
    const struct fy_mark *m = fy_event_start_mark(ev);
    pl_loc none = {r->file, 0, 0};
    return fail(r, m ? mark_loc(r, m) : r->doc->root ? r->doc->root->loc : none,
                "a second YAML document; plinth reads one document per file");
}

/* One event; *end is set at the end of the stream. */
static pl_status on_event(yreader *r, struct fy_event *ev, bool *end)
{
    switch (ev->type) {
    case FYET_STREAM_END: *end = true; return PL_OK;
    case FYET_DOCUMENT_START: return on_document(r, ev);
    case FYET_MAPPING_START: return open_collection(r, ev, true);
    case FYET_SEQUENCE_START: return open_collection(r, ev, false);
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END: return close_collection(r);
    case FYET_SCALAR: return on_scalar(r, ev);
    case FYET_ALIAS: return on_alias(r, ev);
    default: return PL_OK; /* stream start, document end */
    }
}

/* ---- entry point ------------------------------------------------------- */

static struct fy_parser *make_parser(struct fy_diag **diag)
{
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.colorize = false;
    *diag = fy_diag_create(&dcfg);
    if (!*diag)
        return NULL;
    fy_diag_set_collect_errors(*diag, true);
    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE |
                 FYPCF_DISABLE_MMAP_OPT,
        .diag = *diag,
    };
    return fy_parser_create(&cfg);
}

static pl_status run(yreader *r, struct fy_parser *p, struct fy_diag *diag)
{
    bool end = false;
    pl_status st = PL_OK;
    while (st == PL_OK && !end) {
        struct fy_event *ev = fy_parser_parse(p);
        if (!ev)
            return fy_parser_get_stream_error(p) || fy_diag_got_error(diag)
                       ? parser_error(r, diag)
                       : fail(r, (pl_loc){r->file, 0, 0}, "YAML stream ended early");
        st = on_event(r, ev, &end);
        fy_parser_event_free(p, ev);
    }
    if (st == PL_OK && !r->doc->root) {
        r->doc->root = plc_new(r->doc, PLC_NULL, (pl_loc){r->doc->file, 1, 1});
        st = r->doc->root ? PL_OK : nomem(r);
    }
    return st;
}

pl_status plc_parse_yaml(const char *text, size_t len, const char *file, plc_doc **out,
                         pl_err *err)
{
    *out = NULL;
    yreader *r = plu_calloc(1, sizeof *r);
    if (!r)
        return plu_err_nomem(err);
    r->file = file ? file : "<input>";
    r->err = err;
    r->doc = plc_doc_new(file);
    struct fy_diag *diag = NULL;
    struct fy_parser *p = r->doc ? make_parser(&diag) : NULL;
    pl_status st = PL_OK;
    if (!p || fy_parser_set_string(p, text ? text : "", len) != 0)
        st = nomem(r);
    else if ((st = check_text(r, text ? text : "", len)) == PL_OK)
        st = run(r, p, diag);
    for (size_t i = 0; i < r->depth; i++)
        plu_buf_free(&r->stack[i].merges);
    if (p)
        fy_parser_destroy(p);
    if (diag)
        fy_diag_destroy(diag);
    if (st == PL_OK)
        *out = r->doc;
    else
        plc_doc_free(r->doc);
    plu_free(r->anchors);
    plu_free(r);
    return st;
}
