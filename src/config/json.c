/*
** json.c — the JSON reader: jansson decodes and validates, plinth adds a
** file:line:col to every value.
**
** jansson reports no positions for the values it decodes, so after a
** successful decode we walk the (now known-valid) text once, in document
** order, in lockstep with jansson's tree: arrays by index, objects by
** jansson's iterator, which follows insertion order (jansson >= 2.8 keeps
** an ordered list; we verify every unescaped key against the text as we
** go, so a change there would surface as an internal error, not as wrong
** data). Scalars are taken from jansson; the text only supplies positions.
**
** The lockstep walk needs text order == tree order, which duplicate keys
** break (jansson keeps one entry, in the first key's place, with the last
** value). So the first decode uses JSON_REJECT_DUPLICATES; documents that
** do have duplicates, or a "\u0000" inside a key (jansson refuses those,
** but RFC 8259 allows them), take the slow "text mode": validate with
** jansson, then build from the text alone, decoding each scalar token with
** jansson. Text mode finds duplicates itself, so it can name both places.
**
** Allocation: jansson's allocator is global to the process. We install
** wrappers over plu_malloc/plu_free once (pthread_once), and only while
** jansson still has its defaults, so a host that set its own allocator
** keeps it. The wrappers are malloc/free-compatible, so objects made before
** the switch are freed correctly. A failed allocation sets a thread-local
** flag: jansson sometimes reports out-of-memory as a syntax error (or not
** at all), and the flag is how we tell the two apart.
*/
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

enum { DECODE_FLAGS = JSON_DECODE_ANY | JSON_ALLOW_NUL };
enum { TOKEN_SHOWN = 40 }; /* bytes of a token quoted in a message */

/* ---- jansson's allocator -------------------------------------------- */

static _Thread_local bool jansson_oom;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;

static void *jansson_malloc(size_t n)
{
    void *p = plu_malloc(n);
    if (!p)
        jansson_oom = true;
    return p;
}

static void jansson_free(void *p) { plu_free(p); }

static void install_allocator(void)
{
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    if (m == malloc && f == free)
        json_set_alloc_funcs(jansson_malloc, jansson_free);
}

/* json_loadb with our allocator installed and the OOM flag reset first. */
static json_t *decode(const char *s, size_t n, size_t flags, json_error_t *e)
{
    pthread_once(&alloc_once, install_allocator);
    jansson_oom = false;
    return json_loadb(s, n, flags, e);
}

/* ---- lexical helpers (on text jansson has seen) ------------------------ */

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Offset just past the string whose opening quote is at i (n when it is
** unterminated); *esc tells whether it holds a backslash escape. */
static size_t string_end(const char *s, size_t n, size_t i, bool *esc)
{
    *esc = false;
    for (i++; i < n;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q)
            return n;
        const char *b = memchr(s + i, '\\', (size_t)(q - (s + i)));
        if (!b)
            return (size_t)(q - s) + 1;
        *esc = true;
        i = (size_t)(b - s) + 2; /* skip the escaped character */
    }
    return n;
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool is_num(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* End of a bare word at i: letters (true/false/null) or number characters,
** split the way jansson's lexer splits them. */
static size_t word_end(const char *s, size_t n, size_t i)
{
    bool (*in)(char) = is_alpha(s[i]) ? is_alpha : is_num;
    while (i < n && in(s[i]))
        i++;
    return i;
}

/* Line and column (1-based, columns in characters) of byte offset off. */
static pl_loc loc_at(const char *s, size_t off, const char *file)
{
    pl_loc loc = {file, 1, 1};
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            loc.line++;
            loc.col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            loc.col++;
        }
    }
    return loc;
}

/* ---- the walk ---------------------------------------------------------- */

typedef struct jreader {
    const char *s;
    size_t n, i;       /* text, its length, the cursor */
    size_t cpos;       /* column bookkeeping: offset cpos, on line `line`, */
    uint32_t line, ccol; /* is at column ccol; columns advance lazily */
    plc_doc *doc;
    const char *ename; /* file name for errors (outlives doc) */
    unsigned flags;
    pl_err *err;
} jreader;

static char peek(const jreader *r) { return r->i < r->n ? r->s[r->i] : '\0'; }

static void skip_ws(jreader *r)
{
    for (; r->i < r->n && is_ws(r->s[r->i]); r->i++) {
        if (r->s[r->i] == '\n') {
            r->line++;
            r->cpos = r->i + 1;
            r->ccol = 1;
        }
    }
}

/* Skip whitespace, the ':' after a key, and whitespace again. */
static void skip_colon(jreader *r)
{
    skip_ws(r);
    r->i++;
    skip_ws(r);
}

/* Location of the cursor. Counts the characters since the last call, so
** the whole walk counts each byte once (no rescans on long lines). */
static pl_loc here(jreader *r)
{
    uint32_t col = r->ccol;
    for (size_t k = r->cpos; k < r->i; k++)
        col += ((unsigned char)r->s[k] & 0xC0) != 0x80;
    r->cpos = r->i;
    r->ccol = col;
    return (pl_loc){r->doc->file, r->line, col};
}

/* The text and jansson's tree disagree: a bug in this file, or a jansson
** that changed its object order. Never silently produce wrong positions. */
static pl_status desync(jreader *r)
{
    pl_loc loc = loc_at(r->s, r->i, r->ename);
    return plu_errf(r->err, PL_E_INTERNAL, &loc,
                    "JSON reader lost track of value positions (please report)");
}

static pl_status nomem(jreader *r) { return plu_err_nomem(r->err); }

/* Decode one scalar token [start, end) with jansson (text mode). */
static pl_status decode_token(jreader *r, size_t start, size_t end, json_t **out)
{
    json_error_t e;
    *out = decode(r->s + start, end - start, DECODE_FLAGS, &e);
    if (*out)
        return PL_OK;
    return jansson_oom ? nomem(r) : desync(r);
}

/* Does the token starting with c hold a value of jansson type t? */
static bool token_is(char c, json_type t)
{
    switch (t) {
    case JSON_STRING: return c == '"';
    case JSON_TRUE: return c == 't';
    case JSON_FALSE: return c == 'f';
    case JSON_NULL: return c == 'n';
    case JSON_INTEGER:
    case JSON_REAL: return c == '-' || (c >= '0' && c <= '9');
    default: return false;
    }
}

/* A plc scalar from a jansson scalar; NULL on out of memory. */
static plc_node *scalar_node(plc_doc *doc, const json_t *v, pl_loc loc)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return plc_new_string(doc, PLC_STRING, json_string_value(v), json_string_length(v), loc);
    case JSON_INTEGER: return plc_new_int(doc, (int64_t)json_integer_value(v), loc);
    case JSON_REAL: return plc_new_float(doc, json_real_value(v), loc);
    case JSON_TRUE: return plc_new_bool(doc, true, loc);
    case JSON_FALSE: return plc_new_bool(doc, false, loc);
    default: return plc_new(doc, PLC_NULL, loc);
    }
}

/* The scalar at the cursor. v is jansson's value for it, or NULL in text
** mode, where an unescaped string is copied straight from the text and
** anything else is decoded on its own. */
static pl_status build_scalar(jreader *r, json_t *v, pl_loc loc, plc_node **out)
{
    size_t start = r->i;
    char c = r->s[start];
    bool esc = false;
    r->i = c == '"' ? string_end(r->s, r->n, start, &esc) : word_end(r->s, r->n, start);
    json_t *tmp = NULL;
    if (!v && c == '"' && !esc) {
        *out = plc_new_string(r->doc, PLC_STRING, r->s + start + 1, r->i - start - 2, loc);
        return *out ? PL_OK : nomem(r);
    }
    if (!v) {
        pl_status st = decode_token(r, start, r->i, &tmp);
        if (st != PL_OK)
            return st;
        v = tmp;
    }
    pl_status st = PL_OK;
    if (!token_is(c, json_typeof(v)))
        st = desync(r);
    else if (!(*out = scalar_node(r->doc, v, loc)))
        st = nomem(r);
    json_decref(tmp);
    return st;
}

static pl_status build_value(jreader *r, json_t *v, plc_node **out);

/* Give a new array or table room for exactly n items when jansson has
** told us n, so it never regrows (regrowth leaves dead copies in the
** arena). -1 on out of memory. */
static int presize(jreader *r, plc_node *node, size_t n)
{
    if (n == 0)
        return 0;
    size_t elem = node->kind == PLC_ARRAY ? sizeof(plc_node *) : sizeof(plc_member);
    void *items = plu_arena_alloc(&r->doc->arena, n * elem);
    if (!items)
        return -1;
    if (node->kind == PLC_ARRAY) {
        node->u.a.items = items;
        node->u.a.cap = n;
    } else {
        node->u.t.items = items;
        node->u.t.cap = n;
    }
    return 0;
}

/* The array at the cursor ('['); v is its jansson array or NULL. */
static pl_status build_array(jreader *r, json_t *v, pl_loc loc, plc_node **out)
{
    if (v && !json_is_array(v))
        return desync(r);
    plc_node *a = plc_new(r->doc, PLC_ARRAY, loc);
    if (!a || (v && presize(r, a, json_array_size(v)) != 0))
        return nomem(r);
    r->i++;
    skip_ws(r);
    size_t k = 0;
    for (; peek(r) != ']'; k++) {
        json_t *item = v ? json_array_get(v, k) : NULL;
        plc_node *node;
        if (v && !item)
            return desync(r);
        pl_status st = build_value(r, item, &node);
        if (st != PL_OK)
            return st;
        if (plc_array_push(r->doc, a, node) != 0)
            return nomem(r);
        skip_ws(r);
        if (peek(r) == ',') {
            r->i++;
            skip_ws(r);
        }
    }
    if (v && k != json_array_size(v))
        return desync(r);
    r->i++;
    *out = a;
    return PL_OK;
}

/* One member of an object in lockstep: *it is jansson's next member, which
** must be the one the text shows next. */
static pl_status member_lockstep(jreader *r, json_t *obj, void **it, plc_node *t)
{
    pl_loc kloc = here(r);
    size_t start = r->i;
    bool esc;
    r->i = string_end(r->s, r->n, start, &esc);
    if (!*it)
        return desync(r);
    const char *key = json_object_iter_key(*it);
    size_t klen = json_object_iter_key_len(*it);
    if (!esc && (klen != r->i - start - 2 || memcmp(key, r->s + start + 1, klen) != 0))
        return desync(r);
    json_t *val = json_object_iter_value(*it);
    *it = json_object_iter_next(obj, *it);
    skip_colon(r);
    plc_node *node;
    pl_status st = build_value(r, val, &node);
    if (st != PL_OK)
        return st;
    return plc_table_add(r->doc, t, key, klen, kloc, node) ? PL_OK : nomem(r);
}

/* The key at the cursor, decoded (text mode). *key points into the text
** or into *tmp, which the caller releases with json_decref. */
static pl_status read_key(jreader *r, const char **key, size_t *klen, json_t **tmp)
{
    size_t start = r->i;
    bool esc;
    r->i = string_end(r->s, r->n, start, &esc);
    *tmp = NULL;
    if (!esc) {
        *key = r->s + start + 1;
        *klen = r->i - start - 2;
        return PL_OK;
    }
    pl_status st = decode_token(r, start, r->i, tmp);
    if (st != PL_OK)
        return st;
    *key = json_string_value(*tmp);
    *klen = json_string_length(*tmp);
    return PL_OK;
}

/* "file:L:C: duplicate key 'x' (first at line N)", the key made printable. */
static pl_status duplicate_error(jreader *r, const char *key, size_t klen, pl_loc at,
                                 const plc_member *first)
{
    char shown[TOKEN_SHOWN + 4];
    plu_shown(shown, TOKEN_SHOWN, key, klen);
    at.file = r->ename;
    return plu_errf(r->err, PL_E_SYNTAX, &at, "duplicate key '%s' (first at line %u)", shown,
                    (unsigned)first->key_loc.line);
}

/* One member of an object in text mode. A repeated key is an error, or
** (PLC_JSON_ALLOW_DUPLICATES) replaces the earlier value in place, which is
** what jansson does: the member keeps its first position, the last value
** and its location win. */
static pl_status member_text(jreader *r, plc_node *t)
{
    pl_loc kloc = here(r);
    const char *key;
    size_t klen;
    json_t *tmp;
    pl_status st = read_key(r, &key, &klen, &tmp);
    if (st != PL_OK)
        return st;
    skip_colon(r);
    plc_member *prev = plc_table_find(t, key, klen);
    plc_node *node = NULL;
    if (prev && !(r->flags & PLC_JSON_ALLOW_DUPLICATES))
        st = duplicate_error(r, key, klen, kloc, prev);
    else
        st = build_value(r, NULL, &node);
    if (st == PL_OK && prev) {
        prev->value = node;
        prev->key_loc = kloc;
    } else if (st == PL_OK && !plc_table_add(r->doc, t, key, klen, kloc, node)) {
        st = nomem(r);
    }
    json_decref(tmp);
    return st;
}

/* The object at the cursor ('{'); v is its jansson object or NULL. */
static pl_status build_object(jreader *r, json_t *v, pl_loc loc, plc_node **out)
{
    if (v && !json_is_object(v))
        return desync(r);
    plc_node *t = plc_new(r->doc, PLC_TABLE, loc);
    if (!t || (v && presize(r, t, json_object_size(v)) != 0))
        return nomem(r);
    void *it = v ? json_object_iter(v) : NULL;
    r->i++;
    skip_ws(r);
    while (peek(r) == '"') {
        pl_status st = v ? member_lockstep(r, v, &it, t) : member_text(r, t);
        if (st != PL_OK)
            return st;
        skip_ws(r);
        if (peek(r) == ',') {
            r->i++;
            skip_ws(r);
        }
    }
    if (it || peek(r) != '}')
        return desync(r);
    r->i++;
    *out = t;
    return PL_OK;
}

/* The value at the cursor (whitespace already skipped). */
static pl_status build_value(jreader *r, json_t *v, plc_node **out)
{
    if (r->i >= r->n)
        return desync(r);
    pl_loc loc = here(r);
    switch (r->s[r->i]) {
    case '{': return build_object(r, v, loc, out);
    case '[': return build_array(r, v, loc, out);
    default: return build_scalar(r, v, loc, out);
    }
}

/* Build the document from validated text; root is jansson's tree for the
** lockstep walk, or NULL for text mode. */
static pl_status build_doc(const char *s, size_t n, const char *file, unsigned flags,
                           json_t *root, plc_doc **out, pl_err *err)
{
    plc_doc *doc = plc_doc_new(file);
    if (!doc)
        return plu_err_nomem(err);
    jreader r = {.s = s, .n = n, .line = 1, .ccol = 1, .doc = doc,
                 .ename = file ? file : "<input>", .flags = flags, .err = err};
    skip_ws(&r);
    pl_status st = build_value(&r, root, &doc->root);
    if (st != PL_OK) {
        plc_doc_free(doc);
        return st;
    }
    *out = doc;
    return PL_OK;
}

/* ---- syntax errors ------------------------------------------------------
** jansson's column is that of the last character it read (the end of the
** offending token) and its message ends in "near '<token>'". Users expect
** the start of the token, so we take jansson's byte position, find the
** token around it with our own lexer, and reword the message. */

typedef struct jtok {
    size_t start, end;
} jtok;

/* The token that ends at or contains offset pos (jansson's position is
** just past the token it complained about); {pos, pos} when none does. */
static jtok token_before(const char *s, size_t n, size_t pos)
{
    size_t i = 0;
    bool esc;
    while (i < n) {
        while (i < n && is_ws(s[i]))
            i++;
        if (i >= n || i >= pos)
            break;
        jtok t = {i, i + 1};
        if (s[i] == '"')
            t.end = string_end(s, n, i, &esc);
        else if (is_alpha(s[i]) || is_num(s[i]))
            t.end = word_end(s, n, i);
        if (pos <= t.end)
            return t;
        i = t.end;
    }
    return (jtok){pos, pos};
}

/* "'tok'" or "end of input", printable and cut at TOKEN_SHOWN bytes. */
static void describe_token(const char *s, jtok t, char *buf, size_t cap)
{
    if (t.start >= t.end || s[t.start] == '\'') {
        snprintf(buf, cap, t.start >= t.end ? "end of input" : "\"'\"");
        return;
    }
    size_t n = 0, i = t.start, lim = t.end - t.start > TOKEN_SHOWN ? t.start + TOKEN_SHOWN : t.end;
    buf[n++] = '\'';
    while (i < lim && n + 8 < cap) {
        size_t k = plu_utf8_seq((const unsigned char *)s + i, t.end - i);
        if (k == 0 || (unsigned char)s[i] < 0x20) {
            buf[n++] = '?';
            k = 1;
        } else {
            memcpy(buf + n, s + i, k);
            n += k;
        }
        i += k;
    }
    if (lim < t.end)
        memcpy(buf + n, "...", 3), n += 3;
    buf[n++] = '\'';
    buf[n] = '\0';
}

/* How each of jansson's messages is told: pre + found token + post, or
** just pre when post is NULL. */
static const struct {
    const char *jansson, *pre, *post;
} rewording[] = {
    {"unexpected token", "unexpected ", ""},
    {"string or '}' expected", "expected a key in double quotes or '}', found ", ""},
    {"':' expected", "expected ':' after the key, found ", ""},
    {"'}' expected", "expected ',' or '}' after an object member, found ", ""},
    {"']' expected", "expected ',' or ']' after an array element, found ", ""},
    {"end of file expected", "unexpected ", " after the JSON value"},
    {"premature end of input", "unterminated string (missing closing '\"')", NULL},
    {"maximum parsing depth reached", "nesting is deeper than 2048 levels", NULL},
    {"too big integer", "integer ", " does not fit in 64 bits"},
    {"too big negative integer", "integer ", " does not fit in 64 bits"},
    {"real number overflow", "number ", " is too large for a double"},
};

/* jansson's message without its " near ..." tail. */
static void message_core(const json_error_t *e, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", e->text);
    char *near = strstr(buf, " near ");
    if (near)
        *near = '\0';
}

/* If the complaint is a '}' or ']' right after a comma, the offset of
** that comma; otherwise (size_t)-1. */
static size_t trailing_comma(const char *s, jtok t)
{
    if (t.end != t.start + 1 || (s[t.start] != '}' && s[t.start] != ']'))
        return (size_t)-1;
    size_t i = t.start;
    while (i > 0 && is_ws(s[i - 1]))
        i--;
    return i > 0 && s[i - 1] == ',' ? i - 1 : (size_t)-1;
}

/* Errors whose position points at the bad byte itself, not past a token. */
static pl_status byte_error(const char *s, const json_error_t *e, const char *core,
                            const char *file, pl_err *err)
{
    pl_loc loc = loc_at(s, (size_t)e->position, file);
    unsigned b = 0;
    if (sscanf(core, "control character 0x%x", &b) == 1)
        return plu_errf(err, PL_E_SYNTAX, &loc,
                        "control character U+%04X inside a string (write it as \\u%04x)", b, b);
    if (strcmp(core, "unexpected newline") == 0)
        return plu_errf(err, PL_E_SYNTAX, &loc, "line break inside a string (write it as \\n)");
    if (sscanf(core, "unable to decode byte 0x%x", &b) == 1)
        return plu_errf(err, PL_E_SYNTAX, &loc, "invalid UTF-8 (byte 0x%02x)", b);
    return plu_errf(err, PL_E_SYNTAX, &loc, "%s", core);
}

/* jansson's "invalid token": say what kind of token it is. */
static pl_status invalid_token(const char *s, jtok t, pl_loc loc, pl_err *err)
{
    char found[TOKEN_SHOWN * 4 + 8];
    describe_token(s, t, found, sizeof found);
    char c = s[t.start];
    if (c == '-' || (c >= '0' && c <= '9'))
        return plu_errf(err, PL_E_SYNTAX, &loc, "invalid number %s", found);
    if (is_alpha(c))
        return plu_errf(err, PL_E_SYNTAX, &loc,
                        "invalid literal %s (expected true, false or null; strings need "
                        "double quotes)", found);
    if (c == '\'')
        return plu_errf(err, PL_E_SYNTAX, &loc, "strings need double quotes, not '");
    return plu_errf(err, PL_E_SYNTAX, &loc, "unexpected character %s", found);
}

/* Errors inside a string token t: point at the escape that failed (the
** last backslash before jansson's position), and show it. */
static pl_status string_error(const char *s, jtok t, size_t pos, const char *core,
                              const char *file, pl_err *err)
{
    size_t b = pos;
    while (b > t.start && s[b - 1] != '\\')
        b--;
    b = b > t.start ? b - 1 : t.start;
    pl_loc loc = loc_at(s, b, file);
    if (strcmp(core, "invalid escape") == 0)
        return plu_errf(err, PL_E_SYNTAX, &loc, "invalid escape '%.*s' in string",
                        (int)(pos - b < 6 ? pos - b : 6), s + b);
    loc = loc_at(s, t.start, file);
    return plu_errf(err, PL_E_SYNTAX, &loc, "%s in string (unpaired UTF-16 surrogate)", core);
}

static bool blank(const char *s, size_t n)
{
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    return n == 0;
}

/* The text ends where jansson wanted more: say what it wanted. */
static pl_status eof_error(const char *s, size_t n, const char *core, pl_loc loc, pl_err *err)
{
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    const char *want = "a value";
    if (n > 0 && s[n - 1] == ',') /* jansson says "']' expected" after "[1," */
        want = strcmp(core, "']' expected") == 0 ? "a value" : "a key";
    else if (!strcmp(core, "']' expected"))
        want = "',' or ']'";
    else if (!strcmp(core, "'}' expected"))
        want = "',' or '}'";
    else if (!strcmp(core, "':' expected"))
        want = "':'";
    else if (!strcmp(core, "string or '}' expected"))
        want = "a key or '}'";
    return plu_errf(err, PL_E_SYNTAX, &loc, "unexpected end of input (expected %s)", want);
}

/* Report a jansson decode failure as "file:line:col: message". */
static pl_status syntax_error(const char *s, size_t n, const char *file, const json_error_t *e,
                              pl_err *err)
{
    char core[JSON_ERROR_TEXT_LENGTH], found[TOKEN_SHOWN * 4 + 8];
    message_core(e, core, sizeof core);
    file = file ? file : "<input>";
    if (json_error_code(e) == json_error_invalid_utf8 || !strncmp(core, "control character", 17) ||
        !strcmp(core, "unexpected newline"))
        return byte_error(s, e, core, file, err);
    size_t pos = e->position < 0 || (size_t)e->position > n ? n : (size_t)e->position;
    jtok t = strstr(e->text, "near end of file") ? (jtok){pos, pos} : token_before(s, n, pos);
    pl_loc loc = loc_at(s, t.start, file);
    if (blank(s, n)) {
        loc = loc_at(s, 0, file);
        return plu_errf(err, PL_E_SYNTAX, &loc, "empty document (expected a JSON value)");
    }
    if (!strcmp(core, "invalid escape") || !strncmp(core, "invalid Unicode", 15))
        return string_error(s, t, pos, core, file, err);
    if (!strcmp(core, "invalid token"))
        return invalid_token(s, t, loc, err);
    size_t comma = trailing_comma(s, t);
    if (comma != (size_t)-1) {
        loc = loc_at(s, comma, file);
        return plu_errf(err, PL_E_SYNTAX, &loc, "trailing comma before '%c' (JSON allows none)",
                        s[t.start]);
    }
    if (t.start == n)
        return eof_error(s, n, core, loc, err);
    describe_token(s, t, found, sizeof found);
    for (size_t i = 0; i < sizeof rewording / sizeof rewording[0]; i++) {
        if (strcmp(core, rewording[i].jansson) != 0)
            continue;
        if (!rewording[i].post)
            return plu_errf(err, PL_E_SYNTAX, &loc, "%s", rewording[i].pre);
        return plu_errf(err, PL_E_SYNTAX, &loc, "%s%s%s", rewording[i].pre, found,
                        rewording[i].post);
    }
    return plu_errf(err, PL_E_SYNTAX, &loc, "%s", core);
}

/* ---- entry point --------------------------------------------------------- */

/* Validate text that failed the strict decode only for a duplicate key or
** a NUL in a key: decode a copy in which every "\u0000" reads "\u0001"
** (same length, so positions hold; such a change never turns valid JSON
** invalid or back), without rejecting duplicates. */
static pl_status validate_loose(const char *s, size_t n, const char *file, pl_err *err)
{
    char *copy = plu_malloc(n);
    if (!copy)
        return plu_err_nomem(err);
    memcpy(copy, s, n);
    for (size_t i = 0; i + 6 <= n; i++)
        if (copy[i] == '\\' && memcmp(copy + i + 1, "u0000", 5) == 0)
            copy[i + 5] = '1';
    json_error_t e;
    json_t *v = decode(copy, n, DECODE_FLAGS, &e);
    pl_status st = PL_OK;
    if (!v)
        st = jansson_oom ? plu_err_nomem(err) : syntax_error(s, n, file, &e, err);
    json_decref(v);
    plu_free(copy);
    return st;
}

pl_status plc_parse_json(const char *text, size_t len, const char *file, unsigned flags,
                         plc_doc **out, pl_err *err)
{
    *out = NULL;
    /* RFC 8259 lets parsers ignore a byte order mark; editors add them. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* jansson's lexer uses NUL as its buffer sentinel and loses a NUL byte
    ** that follows a number ("123\0" decodes); no valid JSON holds one. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        pl_loc loc = loc_at(text, (size_t)(nul - text), file ? file : "<input>");
        return plu_errf(err, PL_E_SYNTAX, &loc, "NUL byte in JSON text");
    }
    json_error_t e;
    json_t *root = decode(text, len, DECODE_FLAGS | JSON_REJECT_DUPLICATES, &e);
    if (root) {
        pl_status st = build_doc(text, len, file, flags, root, out, err);
        json_decref(root);
        return st;
    }
    if (jansson_oom)
        return plu_err_nomem(err);
    enum json_error_code code = json_error_code(&e);
    if (code != json_error_duplicate_key && code != json_error_null_byte_in_key)
        return syntax_error(text, len, file, &e, err);
    pl_status st = validate_loose(text, len, file, err);
    if (st != PL_OK)
        return st;
    return build_doc(text, len, file, flags, NULL, out, err);
}
