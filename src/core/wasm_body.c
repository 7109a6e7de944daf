/*
** wasm_body.c — the body of a SerializableHttpRequest read without jansson.
**
** http-serde-ext writes a body as a JSON array of byte numbers, so a 50 KB
** chat request is ~185 KB of JSON, and jansson would make one json_t per
** byte. This scanner walks the document once, checks its grammar, finds
** the array plh_wasm_request_from_json would use — "body" in the last
** top-level "req", or the top-level "body" when there is no "req"; of
** duplicate keys the last, as jansson keeps — and decodes its numbers
** straight into bytes. The caller then gives jansson the document with
** that array's text replaced by "[]".
**
** Why checking the grammar is enough: the two documents then differ only
** inside a value that is complete in both, so jansson accepts one exactly
** when it accepts the other (what the grammar leaves to jansson — string
** contents, UTF-8, number ranges — is the same text in both) and reads the
** same values. Whatever the scanner does not know for certain it leaves to
** jansson on the original document, so errors and lenient cases (a body as
** a string, -0, 1e2, 256, ...) behave exactly as they did: a body that is
** not an array of plain numbers 0..255, an escaped key where "req" or
** "body" could hide, a malformed or very deep document.
*/
#include <string.h>

#include "wasm_backend.h"

/* Deeper documents go to jansson (which allows 2048 levels); a request
** never comes near, and the recursion here stays small. */
#define MAX_DEPTH 64

typedef struct body_place {
    bool found;
    size_t start, end;
    plu_buf bytes;
} body_place;

typedef struct scan {
    const char *doc, *p, *end;
    int depth;
    bool req_seen, req_is_object; /* of the last top-level "req" */
    body_place top, in_req;       /* the last "body" at each place */
} scan;

typedef bool (*member_fn)(scan *s, const char *key, size_t n, bool escaped);

/* ---- the grammar ---------------------------------------------------------------------- */

static bool at(const scan *s, char c) { return s->p < s->end && *s->p == c; }

static bool is_digit(const scan *s) { return s->p < s->end && *s->p >= '0' && *s->p <= '9'; }

/* JSON's four whitespace characters, the only ones jansson skips. */
static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* A string's raw text between its quotes; escapes are stepped over, not
** checked (jansson reads the same text in both documents). */
static bool scan_string(scan *s, const char **text, size_t *n, bool *escaped)
{
    const char *start = ++s->p;
    *escaped = false;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\') {
            *escaped = true;
            if (++s->p == s->end)
                return false;
        }
        s->p++;
    }
    if (s->p >= s->end)
        return false;
    *text = start;
    *n = (size_t)(s->p++ - start);
    return true;
}

static bool skip_digits(scan *s)
{
    if (!is_digit(s))
        return false;
    while (is_digit(s))
        s->p++;
    return true;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool scan_number(scan *s)
{
    if (at(s, '-'))
        s->p++;
    if (at(s, '0'))
        s->p++;
    else if (!skip_digits(s))
        return false;
    if (at(s, '.') && (s->p++, !skip_digits(s)))
        return false;
    if (at(s, 'e') || at(s, 'E')) {
        s->p++;
        if (at(s, '+') || at(s, '-'))
            s->p++;
        return skip_digits(s);
    }
    return true;
}

static bool scan_word(scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool scan_value(scan *s);

/* "key": value, with on_member reading the value (NULL: any value). */
static bool scan_member(scan *s, member_fn on_member)
{
    const char *key;
    size_t n;
    bool escaped;
    if (!at(s, '"') || !scan_string(s, &key, &n, &escaped))
        return false;
    skip_ws(s);
    if (!at(s, ':'))
        return false;
    s->p++;
    skip_ws(s);
    return on_member ? on_member(s, key, n, escaped) : scan_value(s);
}

/* An object ("}": members) or an array ("]": values), from its opening
** bracket to just past its closing one. */
static bool scan_container(scan *s, char close, member_fn on_member)
{
    if (++s->depth > MAX_DEPTH)
        return false;
    s->p++;
    skip_ws(s);
    bool more = !at(s, close);
    while (more) {
        if (!(close == '}' ? scan_member(s, on_member) : scan_value(s)))
            return false;
        skip_ws(s);
        more = at(s, ',');
        if (more) {
            s->p++;
            skip_ws(s);
        }
    }
    if (!at(s, close))
        return false;
    s->p++;
    s->depth--;
    return true;
}

static bool scan_object(scan *s, member_fn on_member) { return scan_container(s, '}', on_member); }

static bool scan_value(scan *s)
{
    const char *text;
    size_t n;
    bool escaped;
    switch (s->p < s->end ? *s->p : '\0') {
    case '{': return scan_object(s, NULL);
    case '[': return scan_container(s, ']', NULL);
    case '"': return scan_string(s, &text, &n, &escaped);
    case 't': return scan_word(s, "true");
    case 'f': return scan_word(s, "false");
    case 'n': return scan_word(s, "null");
    default: return scan_number(s);
    }
}

/* ---- the body array ------------------------------------------------------------------- */

/* The body's loop works on local pointers: stores through a uint8_t
** pointer may alias the scan's, which would keep those in memory. */
static const char *ws_end(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static unsigned digit(char c) { return (unsigned)(c - '0'); }

/* 0, or 1..255 without a leading zero; where it ends, or NULL. What
** follows is the array's to check: "01", "1000" or "1.5" fail there. */
static const char *byte_at(const char *p, const char *end, uint8_t *out)
{
    if (p == end || digit(*p) > 9)
        return NULL;
    unsigned v = digit(*p++);
    for (int i = 0; v && i < 2 && p < end && digit(*p) <= 9; i++)
        v = v * 10 + digit(*p++);
    *out = (uint8_t)v;
    return v <= 255 ? p : NULL;
}

/* The numbers after an array's '[' into w[0..cap); where the array ends,
** or NULL when it is not one of plain bytes. */
static const char *decode_bytes(const char *p, const char *end, uint8_t *w, size_t cap,
                                size_t *n)
{
    const uint8_t *first = w, *limit = w + cap;
    p = ws_end(p, end);
    bool more = p < end && *p != ']';
    while (more) {
        if (w == limit || !(p = byte_at(p, end, w++)))
            return NULL;
        /* Plugins write "1,2,3": the separator without spaces goes first. */
        if (end - p > 1 && p[0] == ',' && digit(p[1]) <= 9) {
            p++;
            continue;
        }
        p = ws_end(p, end);
        more = p < end && *p == ',';
        if (more)
            p = ws_end(p + 1, end);
    }
    if (p == end || *p != ']')
        return NULL;
    *n = (size_t)(w - first);
    return p + 1;
}

/* [n, n, ...] into b, replacing what it held. */
static bool scan_byte_array(scan *s, plu_buf *b)
{
    s->p++;
    b->len = 0;
    /* Each number takes at least two characters with its ',' or ']'. */
    size_t cap = (size_t)(s->end - s->p) / 2 + 1, n;
    if (plu_buf_reserve(b, cap))
        return false;
    const char *after = decode_bytes(s->p, s->end, (uint8_t *)b->data, cap, &n);
    if (!after)
        return false;
    s->p = after;
    b->len = n;
    b->data[n] = '\0';
    return true;
}

/* A "body" at one of the two places: only a byte array is the fast path's. */
static bool body_value(scan *s, body_place *place)
{
    if (!at(s, '['))
        return false;
    place->start = (size_t)(s->p - s->doc);
    place->found = scan_byte_array(s, &place->bytes);
    place->end = (size_t)(s->p - s->doc);
    return place->found;
}

static bool is_key(const char *key, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(key, name, n) == 0;
}

/* An escaped key might spell "req" or "body": jansson's to decode. */
static bool req_member(scan *s, const char *key, size_t n, bool escaped)
{
    if (escaped)
        return false;
    return is_key(key, n, "body") ? body_value(s, &s->in_req) : scan_value(s);
}

/* A later "req" replaces an earlier one whole, body and all. */
static bool req_value(scan *s)
{
    s->req_seen = true;
    s->in_req.found = false;
    s->req_is_object = at(s, '{');
    return s->req_is_object ? scan_object(s, req_member) : scan_value(s);
}

static bool root_member(scan *s, const char *key, size_t n, bool escaped)
{
    if (escaped)
        return false;
    if (is_key(key, n, "req"))
        return req_value(s);
    return is_key(key, n, "body") ? body_value(s, &s->top) : scan_value(s);
}

static bool scan_document(scan *s)
{
    skip_ws(s);
    if (!at(s, '{') || !scan_object(s, root_member))
        return false;
    skip_ws(s);
    return s->p == s->end;
}

/* The place plh_wasm_request_from_json reads the body from, if it is an
** array this scan decoded. */
static body_place *chosen(scan *s)
{
    if (s->req_seen)
        return s->req_is_object && s->in_req.found ? &s->in_req : NULL;
    return s->top.found ? &s->top : NULL;
}

bool plh_wasm_body_scan(const char *json, size_t len, plh_body_span *out)
{
    scan s = { .doc = json, .p = json, .end = json + len };
    plu_buf_init(&s.top.bytes);
    plu_buf_init(&s.in_req.bytes);
    body_place *place = scan_document(&s) ? chosen(&s) : NULL;
    if (place) {
        out->start = place->start;
        out->end = place->end;
        out->bytes = place->bytes;
        plu_buf_init(&place->bytes); /* handed over */
    }
    plu_buf_free(&s.top.bytes);
    plu_buf_free(&s.in_req.bytes);
    return place != NULL;
}
