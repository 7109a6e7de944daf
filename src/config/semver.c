/*
** semver.c — SemVer 2.0.0 parsing, precedence, and npm-style ranges.
** Ranges are evaluated while they are scanned: no allocation, no state
** beyond one comparator set.
*/
#include <stdio.h>
#include <string.h>

#include "semver.h"

/* ---- versions -------------------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A numeric identifier at s[*i..n): digits, no leading zero, no overflow. */
static bool parse_num(const char *s, size_t n, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < n && is_digit(s[*i])) {
        unsigned d = (unsigned)(s[*i] - '0');
        if (v > (UINT64_MAX - 1 - d) / 10)
            return false;
        v = v * 10 + d;
        (*i)++;
    }
    size_t len = *i - start;
    if (len == 0 || (len > 1 && s[start] == '0'))
        return false;
    *out = v;
    return true;
}

/* Dot-separated identifiers at s[*i..n); numeric ones without leading
** zeros when `numeric_rules` (pre-release), any otherwise (build). */
static bool parse_idents(const char *s, size_t n, size_t *i, bool numeric_rules)
{
    for (;;) {
        size_t start = *i;
        bool all_digits = true;
        while (*i < n && is_ident_char(s[*i])) {
            all_digits &= is_digit(s[*i]);
            (*i)++;
        }
        size_t len = *i - start;
        if (len == 0)
            return false;
        if (numeric_rules && all_digits && len > 1 && s[start] == '0')
            return false;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            continue;
        }
        return true;
    }
}

/* The pre-release / build tail after major.minor.patch. */
static bool parse_tail(const char *s, size_t n, size_t *i, plc_semver *out)
{
    out->pre = NULL;
    out->pre_len = 0;
    if (*i < n && s[*i] == '-') {
        size_t start = ++(*i);
        if (!parse_idents(s, n, i, true))
            return false;
        out->pre = s + start;
        out->pre_len = *i - start;
    }
    if (*i < n && s[*i] == '+') {
        (*i)++;
        if (!parse_idents(s, n, i, false))
            return false;
    }
    return true;
}

bool plc_semver_parse_n(const char *s, size_t n, plc_semver *out)
{
    plc_semver v;
    size_t i = 0;
    if (!parse_num(s, n, &i, &v.major) || i >= n || s[i++] != '.' ||
        !parse_num(s, n, &i, &v.minor) || i >= n || s[i++] != '.' ||
        !parse_num(s, n, &i, &v.patch) || !parse_tail(s, n, &i, &v) || i != n)
        return false;
    *out = v;
    return true;
}

bool plc_semver_parse(const char *s, plc_semver *out)
{
    return plc_semver_parse_n(s, strlen(s), out);
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

/* Compare one pre-release identifier of each side. */
static int cmp_ident(const char *a, size_t la, const char *b, size_t lb)
{
    bool na = true, nb = true;
    for (size_t i = 0; i < la; i++)
        na &= is_digit(a[i]);
    for (size_t i = 0; i < lb; i++)
        nb &= is_digit(b[i]);
    if (na && nb) /* no leading zeros: longer means larger */
        return la != lb ? cmp_u64(la, lb) : memcmp(a, b, la) < 0 ? -1 : memcmp(a, b, la) > 0;
    if (na != nb)
        return na ? -1 : 1; /* numeric identifiers sort first */
    size_t m = la < lb ? la : lb;
    int c = memcmp(a, b, m);
    return c ? (c < 0 ? -1 : 1) : cmp_u64(la, lb);
}

static int cmp_pre(const plc_semver *a, const plc_semver *b)
{
    if (!a->pre || !b->pre) /* a release sorts after its pre-releases */
        return a->pre ? -1 : b->pre ? 1 : 0;
    size_t i = 0, j = 0;
    while (i < a->pre_len && j < b->pre_len) {
        size_t ei = i, ej = j;
        while (ei < a->pre_len && a->pre[ei] != '.')
            ei++;
        while (ej < b->pre_len && b->pre[ej] != '.')
            ej++;
        int c = cmp_ident(a->pre + i, ei - i, b->pre + j, ej - j);
        if (c)
            return c;
        i = ei + 1;
        j = ej + 1;
    }
    return cmp_u64(a->pre_len > i ? 1 : 0, b->pre_len > j ? 1 : 0);
}

int plc_semver_cmp(const plc_semver *a, const plc_semver *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    return c ? c : cmp_pre(a, b);
}

/* ---- ranges -------------------------------------------------------------- */

typedef enum { OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE, OP_CARET, OP_TILDE } range_op;

/* A possibly partial version: `parts` numbers given (0..3), the rest
** wildcards. Pre-release only with all three parts. */
typedef struct partial {
    uint64_t n[3];
    int parts;
    plc_semver full; /* n[] with the pre-release, for comparisons */
} partial;

typedef struct scanner {
    const char *s;
    size_t i, n;
    char *why;
    size_t whylen;
} scanner;

/* Record why the range is malformed: `what`, with `tok` quoted if given. */
static bool fail(scanner *sc, const char *what, const char *tok)
{
    if (sc->why && sc->whylen)
        snprintf(sc->why, sc->whylen, tok ? "'%s' %s" : "%s%s", tok ? tok : "", what);
    return false;
}

static void skip_space(scanner *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t'))
        sc->i++;
}

static range_op scan_op(scanner *sc)
{
    static const struct { const char *text; range_op op; } ops[] = {
        {">=", OP_GE}, {"<=", OP_LE}, {">", OP_GT}, {"<", OP_LT},
        {"=", OP_EQ},  {"^", OP_CARET}, {"~", OP_TILDE},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t len = strlen(ops[k].text);
        if (sc->n - sc->i >= len && memcmp(sc->s + sc->i, ops[k].text, len) == 0) {
            sc->i += len;
            return ops[k].op;
        }
    }
    return OP_EQ;
}

static bool is_wild(char c) { return c == 'x' || c == 'X' || c == '*'; }

/* One token of a range: the characters up to a separator. */
static size_t token_end(const scanner *sc)
{
    size_t e = sc->i;
    while (e < sc->n && sc->s[e] != ' ' && sc->s[e] != '\t' && sc->s[e] != ',' &&
           sc->s[e] != '|')
        e++;
    return e;
}

static bool scan_partial(scanner *sc, partial *p)
{
    size_t end = token_end(sc);
    const char *t = sc->s + sc->i;
    size_t tn = end - sc->i, i = 0;
    char tok[80];
    snprintf(tok, sizeof tok, "%.*s", (int)(tn < 70 ? tn : 70), t);
    memset(p, 0, sizeof *p);
    if (tn == 0)
        return fail(sc, "expected a version after an operator", NULL);
    bool wild = false;
    for (int k = 0; k < 3 && i < tn; k++) {
        if (k && t[i++] != '.')
            return fail(sc, "is not a version", tok);
        if (i < tn && is_wild(t[i])) {
            wild = true;
            i++;
        } else if (wild || !parse_num(t, tn, &i, &p->n[k])) {
            return fail(sc, "is not a version", tok);
        } else {
            p->parts = k + 1;
        }
    }
    if (p->parts == 3 && !parse_tail(t, tn, &i, &p->full))
        return fail(sc, "is not a version", tok);
    if (i != tn)
        return fail(sc, "is not a version", tok);
    p->full.major = p->n[0];
    p->full.minor = p->n[1];
    p->full.patch = p->n[2];
    sc->i = end;
    return true;
}

static plc_semver triple(uint64_t a, uint64_t b, uint64_t c)
{
    return (plc_semver){a, b, c, NULL, 0};
}

/* The exclusive upper end of an x-range with `parts` given numbers. */
static plc_semver xrange_hi(const partial *p, int parts)
{
    if (parts <= 1)
        return triple(p->n[0] + 1, 0, 0);
    return triple(p->n[0], p->n[1] + 1, 0);
}

static plc_semver caret_hi(const partial *p)
{
    if (p->n[0] > 0 || p->parts == 1)
        return triple(p->n[0] + 1, 0, 0);
    if (p->n[1] > 0 || p->parts == 2)
        return triple(0, p->n[1] + 1, 0);
    return triple(0, 0, p->n[2] + 1);
}

/* v within [lo, hi) */
static bool in_range(const plc_semver *v, const plc_semver *lo, const plc_semver *hi)
{
    return plc_semver_cmp(v, lo) >= 0 && plc_semver_cmp(v, hi) < 0;
}

static bool comparator_ok(range_op op, const partial *p, const plc_semver *v)
{
    const plc_semver *x = &p->full;
    if (p->parts == 0) /* '*': anything, but '<*' and '>*' match nothing */
        return op != OP_LT && op != OP_GT;
    plc_semver hi;
    switch (op) {
    case OP_EQ:
        if (p->parts == 3)
            return plc_semver_cmp(v, x) == 0;
        hi = xrange_hi(p, p->parts);
        return in_range(v, x, &hi);
    case OP_CARET:
        hi = caret_hi(p);
        return in_range(v, x, &hi);
    case OP_TILDE:
        hi = xrange_hi(p, p->parts >= 2 ? 2 : 1);
        return in_range(v, x, &hi);
    case OP_GE:
        return plc_semver_cmp(v, x) >= 0;
    case OP_LT:
        return plc_semver_cmp(v, x) < 0;
    case OP_GT:
        if (p->parts == 3)
            return plc_semver_cmp(v, x) > 0;
        hi = xrange_hi(p, p->parts);
        return plc_semver_cmp(v, &hi) >= 0;
    case OP_LE:
        if (p->parts == 3)
            return plc_semver_cmp(v, x) <= 0;
        hi = xrange_hi(p, p->parts);
        return plc_semver_cmp(v, &hi) < 0;
    }
    return false;
}

/* Scan one comparator set (up to '||' or the end) and evaluate it against
** v (v may be NULL: syntax check only). Returns false on a syntax error. */
static bool scan_set(scanner *sc, const plc_semver *v, bool *matched, int *count)
{
    bool ok = true, pre_allowed = false;
    *count = 0;
    for (;;) {
        skip_space(sc);
        while (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            skip_space(sc);
        }
        if (sc->i >= sc->n || sc->s[sc->i] == '|')
            break;
        range_op op = scan_op(sc);
        skip_space(sc);
        partial p;
        if (!scan_partial(sc, &p))
            return false;
        (*count)++;
        if (!v)
            continue;
        ok &= comparator_ok(op, &p, v);
        if (p.full.pre && p.n[0] == v->major && p.n[1] == v->minor && p.n[2] == v->patch)
            pre_allowed = true;
    }
    /* An empty set means '*'. */
    *matched = v && ok && (!v->pre || pre_allowed);
    return true;
}

static int evaluate(const char *range, const plc_semver *v, char *why, size_t whylen)
{
    scanner sc = {range, 0, strlen(range), why, whylen};
    bool result = false;
    for (;;) {
        bool m = false;
        int count;
        if (!scan_set(&sc, v, &m, &count))
            return -1;
        result |= m;
        if (sc.i >= sc.n)
            break;
        if (sc.n - sc.i < 2 || sc.s[sc.i + 1] != '|')
            return fail(&sc, "a single '|' (use '||' for alternatives)", NULL), -1;
        bool empty_left = count == 0;
        sc.i += 2;
        skip_space(&sc);
        if (empty_left || sc.i >= sc.n || sc.s[sc.i] == '|')
            return fail(&sc, "'||' needs a range on each side", NULL), -1;
    }
    return result ? 1 : 0;
}

int plc_semver_match(const char *range, const plc_semver *v)
{
    return evaluate(range, v, NULL, 0);
}

bool plc_semver_range_valid(const char *range, char *why, size_t whylen)
{
    return evaluate(range, NULL, why, whylen) >= 0;
}
