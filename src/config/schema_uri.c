/*
** schema_uri.c — URI references (RFC 3986: parsing into components,
** resolution against a base, dot-segment removal), percent-decoding and
** JSON pointer tokens (RFC 6901).
*/
#include <ctype.h>
#include <string.h>

#include "config/schema_int.h"

typedef struct span {
    const char *p;
    size_t n;
    bool set; /* the component is present (even when empty) */
} span;

typedef struct uri_parts {
    span scheme, auth, path, query, frag;
} uri_parts;

static bool scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* Length of a leading "scheme:" (without the colon), or 0. */
static size_t scheme_len(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (scheme_char(s[i]))
        i++;
    return s[i] == ':' ? i : 0;
}

static span take_until(const char **s, const char *stops)
{
    span sp = {*s, strcspn(*s, stops), true};
    *s += sp.n;
    return sp;
}

static void uri_parse(const char *s, uri_parts *u)
{
    memset(u, 0, sizeof *u);
    size_t sl = scheme_len(s);
    if (sl) {
        u->scheme = (span){s, sl, true};
        s += sl + 1;
    }
    if (s[0] == '/' && s[1] == '/') {
        s += 2;
        u->auth = take_until(&s, "/?#");
    }
    u->path = take_until(&s, "?#");
    if (*s == '?') {
        s++;
        u->query = take_until(&s, "#");
    }
    if (*s == '#')
        u->frag = (span){s + 1, strlen(s + 1), true};
}

/* Drop the last segment (and its '/') from out, for "/..". */
static void drop_segment(plu_buf *out, size_t start)
{
    size_t len = out->len;
    while (len > start && out->data[len - 1] != '/')
        len--;
    if (len > start)
        len--;
    out->len = len;
    if (out->data)
        out->data[len] = '\0';
}

static bool at(const char *in, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(in, lit, l) == 0;
}

static bool is(const char *in, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(in, lit, n) == 0;
}

/* RFC 3986 5.2.4, appending the result to out. */
static int remove_dots(const char *in, size_t n, plu_buf *out)
{
    size_t start = out->len;
    while (n > 0) {
        if (at(in, n, "../") || at(in, n, "./")) {
            size_t k = in[0] == '.' && in[1] == '.' ? 3 : 2;
            in += k, n -= k;
        } else if (at(in, n, "/./") || is(in, n, "/.")) {
            in += 2, n -= 2;
            if (n == 0 && plu_buf_putc(out, '/') != 0)
                return -1;
        } else if (at(in, n, "/../") || is(in, n, "/..")) {
            drop_segment(out, start);
            in += 3, n -= 3;
            if (n == 0 && plu_buf_putc(out, '/') != 0)
                return -1;
        } else if (is(in, n, ".") || is(in, n, "..")) {
            n = 0;
        } else {
            size_t k = in[0] == '/';
            while (k < n && in[k] != '/')
                k++;
            if (plu_buf_append(out, in, k) != 0)
                return -1;
            in += k, n -= k;
        }
    }
    return 0;
}

/* The merged path of RFC 3986 5.2.3, dots removed, appended to out. */
static int merge_paths(const uri_parts *b, const span *r, plu_buf *out)
{
    plu_buf tmp;
    plu_buf_init(&tmp);
    int rc = 0;
    if (b->auth.set && b->path.n == 0) {
        rc = plu_buf_putc(&tmp, '/');
    } else {
        size_t k = b->path.n;
        while (k > 0 && b->path.p[k - 1] != '/')
            k--;
        rc = plu_buf_append(&tmp, b->path.p, k);
    }
    if (rc == 0)
        rc = plu_buf_append(&tmp, r->p, r->n);
    if (rc == 0)
        rc = remove_dots(tmp.data ? tmp.data : "", tmp.len, out);
    plu_buf_free(&tmp);
    return rc;
}

static int put_span(plu_buf *out, const char *pre, const span *s)
{
    if (!s->set)
        return 0;
    if (plu_buf_puts(out, pre) != 0)
        return -1;
    return plu_buf_append(out, s->p, s->n);
}

static int put_scheme(plu_buf *out, const span *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (plu_buf_putc(out, (char)tolower((unsigned char)s->p[i])) != 0)
            return -1;
    return plu_buf_putc(out, ':');
}

/* Path and query of the target when the reference has neither scheme nor
** authority (RFC 3986 5.2.2, the inner "else"). */
static int resolve_path(const uri_parts *b, const uri_parts *r, plu_buf *out)
{
    if (r->path.n == 0) {
        if (plu_buf_append(out, b->path.p, b->path.n) != 0)
            return -1;
        return put_span(out, "?", r->query.set ? &r->query : &b->query);
    }
    int rc = r->path.p[0] == '/' ? remove_dots(r->path.p, r->path.n, out)
                                 : merge_paths(b, &r->path, out);
    return rc != 0 ? -1 : put_span(out, "?", &r->query);
}

int sch_uri_resolve(const char *base, const char *ref, plu_buf *out)
{
    uri_parts b, r;
    uri_parse(base ? base : "", &b);
    uri_parse(ref, &r);
    out->len = 0;
    if (plu_buf_puts(out, "") != 0)
        return -1;
    const uri_parts *top = r.scheme.set ? &r : &b;
    if (top->scheme.set && put_scheme(out, &top->scheme) != 0)
        return -1;
    int rc;
    if (r.scheme.set || r.auth.set) {
        rc = put_span(out, "//", &r.auth);
        if (rc == 0)
            rc = remove_dots(r.path.p, r.path.n, out);
        if (rc == 0)
            rc = put_span(out, "?", &r.query);
    } else {
        rc = put_span(out, "//", &b.auth);
        if (rc == 0)
            rc = resolve_path(&b, &r, out);
    }
    if (rc == 0)
        rc = put_span(out, "#", &r.frag);
    return rc;
}

size_t sch_uri_base_len(const char *uri)
{
    return strcspn(uri, "#");
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sch_pct_decode(const char *s, size_t n, plu_buf *out)
{
    if (plu_buf_puts(out, "") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (plu_buf_putc(out, c) != 0)
            return -1;
    }
    return 0;
}

int sch_ptr_push(plu_buf *out, const char *tok, size_t n)
{
    if (plu_buf_putc(out, '/') != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = tok[i] == '~'   ? plu_buf_puts(out, "~0")
                 : tok[i] == '/' ? plu_buf_puts(out, "~1")
                                 : plu_buf_putc(out, tok[i]);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int sch_ptr_unescape(const char *tok, size_t n, plu_buf *out)
{
    out->len = 0;
    if (plu_buf_puts(out, "") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = tok[i];
        if (c == '~') {
            if (i + 1 >= n || (tok[i + 1] != '0' && tok[i + 1] != '1'))
                return 1;
            c = tok[++i] == '0' ? '~' : '/';
        }
        if (plu_buf_putc(out, c) != 0)
            return -1;
    }
    return 0;
}

/* A JSON pointer array index: "0" or digits without a leading zero. */
static bool parse_index(const char *tok, size_t len, size_t *out)
{
    if (len == 0 || len > 18 || (len > 1 && tok[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)tok[i]))
            return false;
        v = v * 10 + (size_t)(tok[i] - '0');
    }
    *out = v;
    return true;
}

const plc_node *sch_ptr_child(const plc_node *n, const char *tok, size_t len)
{
    if (n->kind == PLC_TABLE) {
        const plc_member *m = plc_table_find(n, tok, len);
        return m ? m->value : NULL;
    }
    size_t i;
    if (n->kind == PLC_ARRAY && parse_index(tok, len, &i) && i < n->u.a.len)
        return n->u.a.items[i];
    return NULL;
}
