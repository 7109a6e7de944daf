/*
** test_toml_suite.c — plinth's TOML reader against the official toml-test
** suite (TOML 1.0.0 cases, in PL_SHARED_DIR/toml-test; see its README).
**
** valid:   every valid/X.toml parses, and the tree equals valid/X.json by
**          toml-test's rules: integers, strings and booleans compare as
**          text (booleans without case), floats by value (any NaN equals
**          any NaN), date-times as instants to the millisecond, key order
**          never matters.
** invalid: every invalid/X.toml is rejected with PL_E_SYNTAX and a
**          message that holds "line:col".
** all:     both, ending with the line "toml-test: N passed, N failed".
**
** The expected JSON is read by a small reader here rather than jansson:
** jansson cannot hold NUL bytes in object keys, and key/quoted-unicode
** has the key "\u0000".
*/
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/doc.h"

#define SUITE_DIR PL_SHARED_DIR "/toml-test"

/* ---- the expected JSON ---------------------------------------------------
** Only objects, arrays and strings occur. Children form a linked list;
** everything lives in one arena. */
typedef struct jv jv;
struct jv {
    char kind;          /* 'o' object, 'a' array, 's' string */
    const char *s;      /* string value */
    size_t len;
    const char *key;    /* as a member of an object */
    size_t key_len;
    jv *first, *next;   /* children */
    size_t n;           /* number of children */
};

typedef struct jreader {
    const char *p, *end;
    plu_arena *arena;
} jreader;

static void j_ws(jreader *r)
{
    while (r->p < r->end && strchr(" \t\r\n", *r->p))
        r->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* \uXXXX (with a following low surrogate if this is a high one). */
static bool j_unicode(jreader *r, plu_buf *b)
{
    if (r->end - r->p < 5)
        return false;
    long cp = hex4(r->p + 1);
    r->p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
        long lo = hex4(r->p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            r->p += 6;
        }
    }
    char out[4];
    size_t n = cp < 0 ? 0 : plu_utf8_encode((uint32_t)cp, out);
    return n && plu_buf_append(b, out, n) == 0;
}

/* A JSON string at r->p (the opening quote), copied into the arena. */
static bool j_string(jreader *r, const char **out, size_t *len)
{
    static const char esc_from[] = "\"\\/bfnrt", esc_to[] = "\"\\/\b\f\n\r\t";
    plu_buf b;
    plu_buf_init(&b);
    bool ok = plu_buf_append(&b, "", 0) == 0;
    for (r->p++; ok && r->p < r->end && *r->p != '"';) {
        if (*r->p != '\\') {
            ok = plu_buf_putc(&b, *r->p++) == 0;
            continue;
        }
        if (++r->p >= r->end)
            ok = false;
        else if (*r->p == 'u')
            ok = j_unicode(r, &b);
        else if (*r->p && strchr(esc_from, *r->p))
            ok = plu_buf_putc(&b, esc_to[strchr(esc_from, *r->p++) - esc_from]) == 0;
        else
            ok = false;
    }
    ok = ok && r->p < r->end;
    r->p++;
    *len = b.len;
    *out = ok ? plu_arena_strndup(r->arena, b.data, b.len) : NULL;
    plu_buf_free(&b);
    return *out != NULL;
}

static jv *j_value(jreader *r, int depth);

/* The members of an object or items of an array, up to `close`. */
static bool j_children(jreader *r, jv *v, char close, int depth)
{
    jv **tail = &v->first;
    r->p++;
    j_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return true;
    }
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0;
        j_ws(r);
        if (close == '}') {
            if (r->p >= r->end || *r->p != '"' || !j_string(r, &key, &key_len))
                return false;
            j_ws(r);
            if (r->p >= r->end || *r->p++ != ':')
                return false;
        }
        jv *c = j_value(r, depth + 1);
        if (!c)
            return false;
        c->key = key;
        c->key_len = key_len;
        *tail = c;
        tail = &c->next;
        v->n++;
        j_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        return r->p < r->end && *r->p++ == close;
    }
}

static jv *j_value(jreader *r, int depth)
{
    j_ws(r);
    jv *v = plu_arena_alloc(r->arena, sizeof *v);
    if (!v || r->p >= r->end || depth > 300)
        return NULL;
    v->kind = *r->p == '{' ? 'o' : *r->p == '[' ? 'a' : *r->p == '"' ? 's' : 0;
    bool ok = v->kind == 's' ? j_string(r, &v->s, &v->len)
            : v->kind ? j_children(r, v, v->kind == 'o' ? '}' : ']', depth)
                      : false;
    return ok ? v : NULL;
}

static const jv *j_member(const jv *o, const char *key)
{
    for (const jv *c = o->first; c; c = c->next)
        if (c->key_len == strlen(key) && memcmp(c->key, key, c->key_len) == 0)
            return c;
    return NULL;
}

/* ---- comparing by toml-test's rules ---------------------------------- */

typedef struct why {
    char text[PL_ERR_MSG_MAX + 64];
} why;

static bool mismatch(why *w, const char *fmt, ...) PLU_PRINTF(2, 3);
static bool mismatch(why *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
    return false;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* An RFC 3339 date, time or date-time (separator T, t or space; offset Z,
** z or +-HH:MM) as milliseconds: since 1970 in UTC with an offset, else
** counted on the local clock. Fractions are truncated to milliseconds. */
static int64_t instant_ms(const char *s, size_t len)
{
    int64_t ms = 0;
    size_t i = 0;
    if (len >= 10 && s[4] == '-') {
        ms = days_from_civil(num(s, 4), num(s + 5, 2), num(s + 8, 2)) * 86400000;
        i = 11;
    }
    if (i + 8 <= len) {
        ms += (int64_t)(num(s + i, 2) * 3600 + num(s + i + 3, 2) * 60 + num(s + i + 6, 2)) * 1000;
        i += 8;
        int scale = 100;
        if (i < len && s[i] == '.')
            for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
                ms += (s[i] - '0') * scale;
        if (i + 6 <= len && (s[i] == '+' || s[i] == '-'))
            ms -= (s[i] == '-' ? -1 : 1) * (int64_t)(num(s + i + 1, 2) * 60 + num(s + i + 4, 2)) * 60000;
    }
    return ms;
}

static double expected_float(const char *s)
{
    const char *u = s + (*s == '+' || *s == '-');
    if (strcmp(u, "nan") == 0)
        return NAN;
    if (strcmp(u, "inf") == 0)
        return *s == '-' ? -INFINITY : INFINITY;
    return strtod(s, NULL);
}

static const char *tag_of(plc_kind k)
{
    static const char *const tags[] = {
        [PLC_BOOL] = "bool", [PLC_INT] = "integer", [PLC_FLOAT] = "float",
        [PLC_STRING] = "string", [PLC_DATETIME] = "datetime",
        [PLC_DATETIME_LOCAL] = "datetime-local", [PLC_DATE_LOCAL] = "date-local",
        [PLC_TIME_LOCAL] = "time-local",
    };
    return (size_t)k < sizeof tags / sizeof tags[0] && tags[k] ? tags[k] : plc_kind_name(k);
}

/* A scalar node against {"type": T, "value": V}. */
static bool same_scalar(const plc_node *n, const char *type, const jv *val, why *w)
{
    if (strcmp(tag_of(n->kind), type) != 0)
        return mismatch(w, "type %s, expected %s", tag_of(n->kind), type);
    char text[64];
    switch (n->kind) {
    case PLC_BOOL:
        return strcasecmp(val->s, n->u.b ? "true" : "false") == 0 ||
               mismatch(w, "bool %d, expected %s", n->u.b, val->s);
    case PLC_INT:
        snprintf(text, sizeof text, "%lld", (long long)n->u.i);
        return strcmp(text, val->s) == 0 || mismatch(w, "integer %s, expected %s", text, val->s);
    case PLC_FLOAT: {
        double e = expected_float(val->s);
        return (isnan(e) && isnan(n->u.f)) || e == n->u.f ||
               mismatch(w, "float %.17g, expected %s", n->u.f, val->s);
    }
    case PLC_STRING:
        return (n->u.s.len == val->len && memcmp(n->u.s.ptr, val->s, val->len) == 0) ||
               mismatch(w, "string \"%s\", expected \"%s\"", n->u.s.ptr, val->s);
    default:
        return instant_ms(n->u.s.ptr, n->u.s.len) == instant_ms(val->s, val->len) ||
               mismatch(w, "%s %s, expected %s", type, n->u.s.ptr, val->s);
    }
}

static bool same(const plc_node *n, const jv *e, why *w);

static bool same_table(const plc_node *n, const jv *e, why *w)
{
    if (n->kind != PLC_TABLE)
        return mismatch(w, "%s, expected a table", plc_kind_name(n->kind));
    if (n->u.t.len != e->n)
        return mismatch(w, "table of %zu keys, expected %zu", n->u.t.len, e->n);
    for (const jv *c = e->first; c; c = c->next) {
        const plc_member *m = plc_table_find(n, c->key, c->key_len);
        if (!m)
            return mismatch(w, "key '%s' is missing", c->key);
        if (!same(m->value, c, w))
            return false;
    }
    return true;
}

static bool same_array(const plc_node *n, const jv *e, why *w)
{
    if (n->kind != PLC_ARRAY)
        return mismatch(w, "%s, expected an array", plc_kind_name(n->kind));
    if (n->u.a.len != e->n)
        return mismatch(w, "array of %zu items, expected %zu", n->u.a.len, e->n);
    size_t i = 0;
    for (const jv *c = e->first; c; c = c->next, i++)
        if (!same(n->u.a.items[i], c, w))
            return false;
    return true;
}

static bool same(const plc_node *n, const jv *e, why *w)
{
    const jv *type = e->kind == 'o' && e->n == 2 ? j_member(e, "type") : NULL;
    const jv *val = e->kind == 'o' && e->n == 2 ? j_member(e, "value") : NULL;
    if (type && val && type->kind == 's' && val->kind == 's')
        return same_scalar(n, type->s, val, w);
    if (e->kind == 'o')
        return same_table(n, e, w);
    if (e->kind == 'a')
        return same_array(n, e, w);
    return mismatch(w, "bare string in the expected JSON");
}

/* ---- running the cases ----------------------------------------------- */

typedef struct tally {
    char names[64][64]; /* categories, in order of appearance */
    int passed[64], failed[64];
    int count;
    int total_passed, total_failed;
} tally;

/* "valid/array/x.toml" counts under "valid/array"; "valid/x.toml" under "valid". */
static void count(tally *t, const char *path, bool ok)
{
    char cat[64];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);
    snprintf(cat, sizeof cat, "%.*s", (int)len, path);
    int i = 0;
    while (i < t->count && strcmp(t->names[i], cat) != 0)
        i++;
    if (i == t->count && t->count < 64)
        snprintf(t->names[t->count++], sizeof t->names[0], "%s", cat);
    if (i < t->count)
        ok ? t->passed[i]++ : t->failed[i]++;
    ok ? t->total_passed++ : t->total_failed++;
}

static char *read_case(const char *rel, size_t *len)
{
    char path[1024];
    char *data = NULL;
    pl_err err;
    snprintf(path, sizeof path, "%s/%s", SUITE_DIR, rel);
    if (plu_read_file(path, &data, len, &err) != PL_OK)
        printf("FAIL %s: cannot read: %s\n", rel, err.msg);
    return data;
}

/* One valid case: it parses and matches the .json next to it. */
static bool run_valid(const char *rel)
{
    size_t len, jlen;
    char *text = read_case(rel, &len);
    char jrel[512];
    snprintf(jrel, sizeof jrel, "%.*s.json", (int)(strlen(rel) - 5), rel);
    char *json = read_case(jrel, &jlen);
    plc_doc *doc = NULL;
    pl_err err;
    why w = {"expected JSON is malformed"};
    bool ok = false;
    if (text && json && plc_parse_toml(text, len, rel, &doc, &err) != PL_OK) {
        snprintf(w.text, sizeof w.text, "rejected: %s", err.msg);
    } else if (text && json) {
        plu_arena arena;
        plu_arena_init(&arena);
        jreader r = {json, json + jlen, &arena};
        const jv *expected = j_value(&r, 0);
        ok = expected && same(doc->root, expected, &w);
        plu_arena_free(&arena);
    }
    if (!ok && text && json)
        printf("FAIL %s: %s\n", rel, w.text);
    plc_doc_free(doc);
    plu_free(text);
    plu_free(json);
    return ok;
}

/* True if msg holds ":<line>:<col>: ". */
static bool has_line_col(const char *msg)
{
    for (const char *p = strchr(msg, ':'); p; p = strchr(p + 1, ':')) {
        unsigned line, col;
        int used = 0;
        if (sscanf(p, ":%u:%u: %n", &line, &col, &used) == 2 && used > 0 && line && col)
            return true;
    }
    return false;
}

/* One invalid case: rejected as a syntax error, with a location. */
static bool run_invalid(const char *rel)
{
    size_t len;
    char *text = read_case(rel, &len);
    if (!text)
        return false;
    plc_doc *doc = NULL;
    pl_err err;
    pl_status st = plc_parse_toml(text, len, rel, &doc, &err);
    bool ok = st == PL_E_SYNTAX && !doc && has_line_col(err.msg);
    if (st == PL_OK)
        printf("FAIL %s: accepted\n", rel);
    else if (!ok)
        printf("FAIL %s: status %d, message without line:col: %s\n", rel, (int)st, err.msg);
    plc_doc_free(doc);
    plu_free(text);
    return ok;
}

/* Run every case of the file list whose path starts with `prefix`. */
static void run_list(const char *prefix, tally *t)
{
    FILE *list = fopen(SUITE_DIR "/files-toml-1.0.0", "r");
    cr_assert_not_null(list, "cannot open %s/files-toml-1.0.0", SUITE_DIR);
    char line[512];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\r\n")] = '\0';
        size_t n = strlen(line);
        if (n < 5 || strcmp(line + n - 5, ".toml") != 0 ||
            strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        bool valid = strncmp(line, "valid/", 6) == 0;
        count(t, line, valid ? run_valid(line) : run_invalid(line));
    }
    fclose(list);
}

static void report(const tally *t, const char *label)
{
    for (int i = 0; i < t->count; i++)
        printf("  %-28s %d passed, %d failed\n", t->names[i], t->passed[i], t->failed[i]);
    printf("%s: %d passed, %d failed\n", label, t->total_passed, t->total_failed);
    fflush(stdout);
}

Test(toml_suite, valid, .timeout = 120)
{
    static tally t;
    run_list("valid/", &t);
    report(&t, "toml-test valid");
    cr_expect_eq(t.total_passed, 210, "expected 210 valid cases, ran %d", t.total_passed + t.total_failed);
    cr_assert_eq(t.total_failed, 0, "%d valid cases failed", t.total_failed);
}

Test(toml_suite, invalid, .timeout = 120)
{
    static tally t;
    run_list("invalid/", &t);
    report(&t, "toml-test invalid");
    cr_expect_eq(t.total_passed, 499, "expected 499 invalid cases, ran %d", t.total_passed + t.total_failed);
    cr_assert_eq(t.total_failed, 0, "%d invalid cases failed", t.total_failed);
}

Test(toml_suite, all, .timeout = 120)
{
    static tally t;
    run_list("", &t);
    report(&t, "toml-test");
    cr_assert_eq(t.total_failed, 0, "%d cases failed", t.total_failed);
}
