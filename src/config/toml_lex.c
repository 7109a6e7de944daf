/*
** toml_lex.c — the TOML reader's text level: input checks, locations and
** error messages, whitespace and comments, keys, and the four kinds of
** strings. The tree is built in toml.c; bare values are in toml_scalar.c.
*/
#include <stdio.h>
#include <string.h>

#include "toml_int.h"

/* ---- character classes ----------------------------------------------
** One lookup per byte in the hot loops instead of chains of compares.
** Bytes >= 0x80 have no class: they are parts of (already validated)
** multi-byte characters, which strings and comments take as they are. */
#define C_ PLC_TC_CTRL
#define W_ PLC_TC_WS
#define K_ (PLC_TC_BARE | PLC_TC_TOKEN)
#define T_ PLC_TC_TOKEN
#define Q_ PLC_TC_QUOTE
#define A_ PLC_TC_APOS
#define S_ PLC_TC_BSLASH

const uint8_t plc_toml_class[256] = {
    /* 0x00 */ C_, C_, C_, C_, C_, C_, C_, C_, C_, W_, C_, C_, C_, C_, C_, C_,
    /* 0x10 */ C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_,
    /* 0x20  ' ' ! " # $ % & ' ( ) * + , - . / */
    W_, 0, Q_, 0, 0, 0, 0, A_, 0, 0, 0, T_, 0, K_, T_, 0,
    /* 0x30  0-9 : ; < = > ? */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, T_, 0, 0, 0, 0, 0,
    /* 0x40  @ A-O */
    0, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_,
    /* 0x50  P-Z [ \ ] ^ _ */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, 0, S_, 0, 0, K_,
    /* 0x60  ` a-o */
    0, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_,
    /* 0x70  p-z { | } ~ DEL */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, 0, 0, 0, 0, C_,
};

#undef C_
#undef W_
#undef K_
#undef T_
#undef Q_
#undef A_
#undef S_

/* The end of the run of bytes from i that have none of the classes in
** `stop`. */
static size_t run_until(const unsigned char *s, size_t i, size_t n, unsigned stop)
{
    while (i < n && !(plc_toml_class[s[i]] & stop))
        i++;
    return i;
}

/* ---- locations and errors -------------------------------------------- */

/* Characters (not bytes) in s[0, n): every byte but UTF-8 continuations. */
static uint32_t count_chars(const unsigned char *s, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (s[i] & 0xC0) != 0x80;
    return c;
}

/* Where line 1 starts: after a byte order mark, which is not a column. */
static size_t first_line_start(const plc_toml *t)
{
    const unsigned char *s = t->s;
    return t->n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0;
}

/* The location of any offset, found by scanning from the start. Only for
** error paths that point before the cursor's line. */
static pl_loc slow_loc(const plc_toml *t, size_t pos)
{
    pl_loc loc = {t->file, 1, 1};
    size_t start = first_line_start(t);
    if (pos < start)
        return loc;
    for (size_t i = start; i < pos; i++) {
        if (t->s[i] == '\n') {
            loc.line++;
            start = i + 1;
        }
    }
    loc.col = 1 + count_chars(t->s + start, pos - start);
    return loc;
}

pl_loc plc_toml_loc(plc_toml *t, size_t pos)
{
    if (pos < t->line_start) {
        pl_loc loc = slow_loc(t, pos);
        loc.file = t->doc->file;
        return loc;
    }
    if (t->col_pos < t->line_start || t->col_pos > pos) {
        t->col_pos = t->line_start;
        t->col = 1;
    }
    t->col += count_chars(t->s + t->col_pos, pos - t->col_pos);
    t->col_pos = pos;
    return (pl_loc){t->doc->file, t->line, t->col};
}

pl_status plc_toml_fail(plc_toml *t, size_t pos, const char *fmt, ...)
{
    pl_loc loc = plc_toml_loc(t, pos);
    loc.file = t->file; /* the document (and its name) dies with the error */
    va_list ap;
    va_start(ap, fmt);
    plu_verrf(t->err, PL_E_SYNTAX, &loc, fmt, ap);
    va_end(ap);
    return PL_E_SYNTAX;
}

pl_status plc_toml_nomem(plc_toml *t)
{
    return plu_err_nomem(t->err);
}

/* Like plc_toml_fail for an offset anywhere in the input. */
static pl_status fail_anywhere(plc_toml *t, size_t pos, const char *fmt, ...)
    PLU_PRINTF(3, 4);
static pl_status fail_anywhere(plc_toml *t, size_t pos, const char *fmt, ...)
{
    pl_loc loc = slow_loc(t, pos);
    va_list ap;
    va_start(ap, fmt);
    plu_verrf(t->err, PL_E_SYNTAX, &loc, fmt, ap);
    va_end(ap);
    return PL_E_SYNTAX;
}

/* The code point of the valid UTF-8 sequence s[0, len). */
static uint32_t decode_utf8(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    return cp;
}

const char *plc_toml_found(const plc_toml *t, size_t pos, char *buf, size_t cap)
{
    if (pos >= t->n)
        return "end of file";
    unsigned char c = t->s[pos];
    if (c == '\n' || c == '\r')
        return "end of line";
    if (c == '\t')
        return "a tab";
    if (plc_toml_is(c, PLC_TC_CTRL)) {
        snprintf(buf, cap, "control character U+%04X", c);
    } else if (c < 0x80) {
        snprintf(buf, cap, "'%c'", c);
    } else {
        size_t len = plu_utf8_seq(t->s + pos, t->n - pos);
        if (len)
            snprintf(buf, cap, "'%.*s' (U+%04X)", (int)len, (const char *)t->s + pos,
                     (unsigned)decode_utf8(t->s + pos, len));
        else
            snprintf(buf, cap, "byte 0x%02X", c);
    }
    return buf;
}

const char *plc_toml_article(const char *word)
{
    return strchr("aeiou", word[0]) ? "an" : "a";
}

/* ---- the input as a whole -------------------------------------------- */

/* The end of the run of ASCII bytes from i that holds no carriage return;
** eight bytes at a time while it can. */
static size_t plain_ascii(const unsigned char *s, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t cr = w ^ (ones * '\r'); /* a zero byte where w has '\r' */
        if ((w & high) || ((cr - ones) & ~cr & high))
            break;
        i += 8;
    }
    while (i < n && s[i] < 0x80 && s[i] != '\r')
        i++;
    return i;
}

pl_status plc_toml_check_input(plc_toml *t)
{
    const unsigned char *s = t->s;
    size_t n = t->n, i = first_line_start(t);
    t->pos = t->line_start = t->col_pos = i;
    while ((i = plain_ascii(s, i, n)) < n) {
        if (s[i] == '\r') {
            if (i + 1 < n && s[i + 1] == '\n') {
                i += 2;
                continue;
            }
            return fail_anywhere(t, i, "carriage return without a line feed "
                                       "(TOML lines end with LF or CRLF)");
        }
        size_t len = plu_utf8_seq(s + i, n - i);
        if (!len)
            return fail_anywhere(t, i, "invalid UTF-8 byte 0x%02X "
                                       "(TOML documents must be UTF-8)", s[i]);
        i += len;
    }
    return PL_OK;
}

/* ---- whitespace, comments, line ends --------------------------------- */

void plc_toml_skip_ws(plc_toml *t)
{
    size_t i = t->pos;
    while (i < t->n && (t->s[i] == ' ' || t->s[i] == '\t'))
        i++;
    t->pos = i;
}

/* Skip the comment at the cursor ('#') up to its line end, which is left
** for the caller. Control characters other than tab are not allowed. */
static pl_status skip_comment(plc_toml *t)
{
    size_t i = run_until(t->s, t->pos + 1, t->n, PLC_TC_CTRL);
    if (i < t->n && t->s[i] != '\n' && t->s[i] != '\r')
        return plc_toml_fail(t, i, "control character U+%04X is not allowed "
                                   "in a comment", t->s[i]);
    t->pos = i;
    return PL_OK;
}

/* Consume a LF or CRLF at the cursor; false if there is none. (The input
** check guarantees that every CR is followed by LF.) */
static bool eat_newline(plc_toml *t)
{
    size_t i = t->pos;
    if (i < t->n && t->s[i] == '\r')
        i++;
    if (i >= t->n || t->s[i] != '\n')
        return false;
    t->pos = i + 1;
    plc_toml_newline(t, i + 1);
    return true;
}

pl_status plc_toml_skip_blank(plc_toml *t, bool newlines)
{
    for (;;) {
        plc_toml_skip_ws(t);
        if (t->pos >= t->n)
            return PL_OK;
        if (t->s[t->pos] == '#') {
            pl_status st = skip_comment(t);
            if (st != PL_OK)
                return st;
            continue;
        }
        if (!newlines || !eat_newline(t))
            return PL_OK;
    }
}

/* ---- names in messages ------------------------------------------------ */

typedef struct name_buf {
    char *p;
    size_t len, cap;
    bool full;
} name_buf;

/* Append n bytes (one character, or one escape) unless the name would no
** longer fit with "..." after it; then end it with "...". Characters are
** never cut in half. */
static void name_put(name_buf *nb, const char *s, size_t n)
{
    if (nb->full)
        return;
    if (nb->len + n + 4 > nb->cap) {
        nb->full = true;
        memcpy(nb->p + nb->len, "...", 4);
        nb->len += 3;
        return;
    }
    memcpy(nb->p + nb->len, s, n);
    nb->len += n;
    nb->p[nb->len] = '\0';
}

static bool is_bare_key(const char *k, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!plc_toml_is((unsigned char)k[i], PLC_TC_BARE))
            return false;
    return len > 0;
}

/* Append one key part, in double quotes (TOML syntax) unless it is bare. */
static void name_part(name_buf *nb, const char *k, size_t len)
{
    bool quote = !is_bare_key(k, len);
    if (quote)
        name_put(nb, "\"", 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)k[i];
        size_t clen = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            name_put(nb, esc, 2);
        } else if (plc_toml_is(c, PLC_TC_CTRL)) {
            snprintf(esc, sizeof esc, "\\u%04X", c);
            name_put(nb, esc, 6);
        } else {
            name_put(nb, k + i, clen > len - i ? len - i : clen);
        }
        i += clen;
    }
    if (quote)
        name_put(nb, "\"", 1);
}

/* Append the section's name (the parts of the last header). */
static void section_name(name_buf *nb, const plc_toml *t)
{
    const char *k = t->section_keys.data;
    for (size_t off = 0; off < t->section_lens.len; off += sizeof(size_t)) {
        size_t len;
        memcpy(&len, t->section_lens.data + off, sizeof len);
        if (off)
            name_put(nb, ".", 1);
        name_part(nb, k, len);
        k += len;
    }
}

void plc_toml_key_name(const plc_toml *t, bool with_section, size_t upto,
                       char *buf, size_t cap)
{
    name_buf nb = {buf, 0, cap, false};
    buf[0] = '\0';
    if (with_section)
        section_name(&nb, t);
    for (size_t i = 0; i < upto && i < t->nparts; i++) {
        if (nb.len)
            name_put(&nb, ".", 1);
        name_part(&nb, plc_toml_part_text(t, i), t->parts[i].len);
    }
}

/* One key (not dotted) as it would be written, for messages. */
static void quote_key(const char *k, size_t len, char *buf, size_t cap)
{
    name_buf nb = {buf, 0, cap, false};
    buf[0] = '\0';
    name_part(&nb, k, len);
}

pl_status plc_toml_end_line(plc_toml *t, const char *what, const char *key,
                            size_t key_len)
{
    plc_toml_skip_ws(t);
    if (t->pos < t->n && t->s[t->pos] == '#') {
        pl_status st = skip_comment(t);
        if (st != PL_OK)
            return st;
    }
    if (t->pos >= t->n || eat_newline(t))
        return PL_OK;
    char name[PLC_TOML_NAME_MAX], found[48];
    if (key)
        quote_key(key, key_len, name, sizeof name);
    return plc_toml_fail(t, t->pos, "expected end of line after %s%s%s%s, found %s",
                         what, key ? " '" : "", key ? name : "", key ? "'" : "",
                         plc_toml_found(t, t->pos, found, sizeof found));
}

/* ---- keys ------------------------------------------------------------- */

/* The error for a place where a key must start but does not. */
static pl_status bad_key(plc_toml *t, size_t pos)
{
    char buf[48];
    const char *found = plc_toml_found(t, pos, buf, sizeof buf);
    if (pos < t->n && t->s[pos] >= 0x80)
        return plc_toml_fail(t, pos, "expected a key, found %s (bare keys may only "
                                     "hold A-Z a-z 0-9 _ -; quote other keys)", found);
    return plc_toml_fail(t, pos, "expected a key, found %s", found);
}

/* One part of a dotted key: bare, "basic" or 'literal'. */
static pl_status key_part(plc_toml *t)
{
    size_t start = t->pos, end = start;
    while (end < t->n && plc_toml_is(t->s[end], PLC_TC_BARE))
        end++;
    plc_toml_span span = {(const char *)t->s + start, end - start};
    if (end > start) {
        t->pos = end;
    } else if (start < t->n && (t->s[start] == '"' || t->s[start] == '\'')) {
        unsigned char q = t->s[start];
        if (start + 2 < t->n && t->s[start + 1] == q && t->s[start + 2] == q)
            return plc_toml_fail(t, start, "a multi-line string cannot be a key");
        pl_status st = plc_toml_string(t, &span);
        if (st != PL_OK)
            return st;
    } else {
        return bad_key(t, start);
    }
    plc_toml_part *part = &t->parts[t->nparts++];
    part->off = t->keys.len;
    part->len = span.len;
    part->pos = start;
    return plu_buf_append(&t->keys, span.ptr, span.len) == 0 ? PL_OK : plc_toml_nomem(t);
}

pl_status plc_toml_key(plc_toml *t)
{
    t->nparts = 0;
    t->keys.len = 0;
    for (;;) {
        if (t->nparts == PLC_TOML_MAX_DEPTH)
            return plc_toml_fail(t, t->pos, "key has more than %d dotted parts",
                                 PLC_TOML_MAX_DEPTH);
        pl_status st = key_part(t);
        if (st != PL_OK)
            return st;
        plc_toml_skip_ws(t);
        if (t->pos >= t->n || t->s[t->pos] != '.')
            return PL_OK;
        t->pos++;
        plc_toml_skip_ws(t);
    }
}

/* ---- strings ---------------------------------------------------------- */

static pl_status put(plc_toml *t, const void *p, size_t n)
{
    return plu_buf_append(&t->scratch, p, n) == 0 ? PL_OK : plc_toml_nomem(t);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* lower case */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* \uXXXX or \UXXXXXXXX at s[i] (the backslash): append the character. */
static pl_status unicode_escape(plc_toml *t, size_t *ip)
{
    size_t i = *ip;
    int digits = t->s[i + 1] == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (int k = 0; k < digits; k++) {
        size_t p = i + 2 + (size_t)k;
        int h = p < t->n ? hex_value(t->s[p]) : -1;
        if (h < 0) {
            char found[48];
            return plc_toml_fail(t, p, "escape \\%c needs %d hex digits, found %s",
                                 t->s[i + 1], digits, plc_toml_found(t, p, found, sizeof found));
        }
        cp = cp << 4 | (uint32_t)h;
    }
    char out[4];
    size_t len = plu_utf8_encode(cp, out);
    if (!len)
        return plc_toml_fail(t, i, "escape \\%c%.*s is not a Unicode scalar value "
                                   "(surrogates D800-DFFF and values above 10FFFF "
                                   "are not allowed)",
                             t->s[i + 1], digits, (const char *)t->s + i + 2);
    *ip = i + 2 + (size_t)digits;
    return put(t, out, len);
}

/* The escape sequence at s[*ip] (a backslash): append what it stands for
** and move past it. */
static pl_status escape(plc_toml *t, size_t *ip)
{
    static const char simple[128] = {
        ['b'] = '\b', ['t'] = '\t', ['n'] = '\n', ['f'] = '\f',
        ['r'] = '\r', ['"'] = '"', ['\\'] = '\\',
    };
    size_t i = *ip;
    unsigned char e = i + 1 < t->n ? t->s[i + 1] : 0;
    if (e < 128 && simple[e]) {
        *ip = i + 2;
        return put(t, &simple[e], 1);
    }
    if (e == 'u' || e == 'U')
        return unicode_escape(t, ip);
    if (e > ' ' && e < 0x7f)
        return plc_toml_fail(t, i, "invalid escape sequence '\\%c' (use \\b \\t \\n "
                                   "\\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)", e);
    char found[48];
    return plc_toml_fail(t, i, "invalid escape sequence: '\\' followed by %s",
                         plc_toml_found(t, i + 1, found, sizeof found));
}

static pl_status control_char(plc_toml *t, size_t i, bool literal)
{
    unsigned c = t->s[i];
    if (literal)
        return plc_toml_fail(t, i, "control character U+%04X is not allowed in a "
                                   "literal string", c);
    return plc_toml_fail(t, i, "control character U+%04X is not allowed in a string "
                               "(write it as \\u%04X)", c, c);
}

/* A one-line string that reached position i without its closing quote. */
static pl_status unterminated(plc_toml *t, size_t open, size_t i)
{
    char found[48];
    uint32_t col = plc_toml_loc(t, open).col;
    return plc_toml_fail(t, i, "expected %s to close the string that starts at "
                               "column %u, found %s",
                         t->s[open] == '"' ? "'\"'" : "\"'\"", (unsigned)col,
                         plc_toml_found(t, i, found, sizeof found));
}

/* "basic string" with escapes. The common case (no escapes) is returned as
** a slice of the input; otherwise the string is decoded into scratch. */
static pl_status basic_string(plc_toml *t, plc_toml_span *out)
{
    const unsigned char *s = t->s;
    const unsigned stop = PLC_TC_CTRL | PLC_TC_QUOTE | PLC_TC_BSLASH;
    size_t open = t->pos, i = run_until(s, open + 1, t->n, stop);
    if (i < t->n && s[i] == '"') {
        *out = (plc_toml_span){(const char *)s + open + 1, i - open - 1};
        t->pos = i + 1;
        return PL_OK;
    }
    t->scratch.len = 0;
    pl_status st = put(t, s + open + 1, i - open - 1);
    while (st == PL_OK) {
        size_t j = run_until(s, i, t->n, stop);
        if (j > i && (st = put(t, s + i, j - i)) != PL_OK)
            break;
        i = j;
        if (i >= t->n || s[i] == '\n' || s[i] == '\r')
            return unterminated(t, open, i);
        if (s[i] == '"') {
            *out = (plc_toml_span){t->scratch.data, t->scratch.len};
            t->pos = i + 1;
            return PL_OK;
        }
        if (s[i] != '\\')
            return control_char(t, i, false);
        st = escape(t, &i);
    }
    return st;
}

/* 'literal string': no escapes, so always a slice of the input. */
static pl_status literal_string(plc_toml *t, plc_toml_span *out)
{
    size_t open = t->pos;
    size_t i = run_until(t->s, open + 1, t->n, PLC_TC_CTRL | PLC_TC_APOS);
    if (i < t->n && t->s[i] == '\'') {
        *out = (plc_toml_span){(const char *)t->s + open + 1, i - open - 1};
        t->pos = i + 1;
        return PL_OK;
    }
    if (i >= t->n || t->s[i] == '\n' || t->s[i] == '\r')
        return unterminated(t, open, i);
    return control_char(t, i, true);
}

/* In a multi-line string, a run of the quote character q at s[*ip]. One or
** two are content; three to five close the string, the extra ones being
** content ("""a""""" is 'a""'); six or more cannot be written. */
static pl_status ml_quotes(plc_toml *t, size_t *ip, unsigned char q, bool *closed)
{
    size_t i = *ip, r = 0;
    while (i + r < t->n && t->s[i + r] == q && r < 6)
        r++;
    if (r == 6)
        return plc_toml_fail(t, i, "three quotes %c%c%c cannot appear inside a multi-line "
                                   "string; escape one of them", q, q, q);
    *closed = r >= 3;
    *ip = i + r;
    return put(t, t->s + i, r >= 3 ? r - 3 : r);
}

/* A LF or CRLF at s[*ip] inside a multi-line string: kept as LF. */
static pl_status ml_newline(plc_toml *t, size_t *ip)
{
    size_t i = *ip + (t->s[*ip] == '\r');
    *ip = i + 1;
    plc_toml_newline(t, i + 1);
    return put(t, "\n", 1);
}

/* Skip spaces, tabs and line breaks from i; returns the new offset. */
static size_t skip_ws_newlines(plc_toml *t, size_t i)
{
    for (; i < t->n; i++) {
        unsigned char c = t->s[i];
        if (c == '\n')
            plc_toml_newline(t, i + 1);
        else if (c != ' ' && c != '\t' && c != '\r')
            break;
    }
    return i;
}

/* A backslash at s[*ip] in a multi-line basic string: either a
** line-ending backslash (it and all whitespace and newlines after it
** vanish) or an ordinary escape. */
static pl_status ml_backslash(plc_toml *t, size_t *ip)
{
    size_t i = *ip, j = i + 1;
    while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
        j++;
    if (j < t->n && (t->s[j] == '\n' || t->s[j] == '\r')) {
        *ip = skip_ws_newlines(t, j);
        return PL_OK;
    }
    if (j > i + 1)
        return plc_toml_fail(t, i, "a '\\' followed by whitespace must be the last "
                                   "thing on its line (line-ending backslash)");
    return escape(t, ip);
}

/* The first newline right after the opening delimiter is not content. */
static size_t ml_skip_first_newline(plc_toml *t, size_t i)
{
    size_t j = i < t->n && t->s[i] == '\r' ? i + 1 : i;
    if (j < t->n && t->s[j] == '\n') {
        plc_toml_newline(t, j + 1);
        return j + 1;
    }
    return i;
}

/* """multi-line basic""" or '''multi-line literal''' (q tells which). */
static pl_status ml_string(plc_toml *t, unsigned char q, plc_toml_span *out)
{
    const unsigned char *s = t->s;
    bool literal = q == '\'';
    unsigned stop = PLC_TC_CTRL | (literal ? PLC_TC_APOS : PLC_TC_QUOTE | PLC_TC_BSLASH);
    uint32_t open_line = t->line;
    size_t i = ml_skip_first_newline(t, t->pos + 3);
    bool closed = false;
    t->scratch.len = 0;
    pl_status st = put(t, "", 0);
    while (st == PL_OK && !closed) {
        size_t j = run_until(s, i, t->n, stop);
        if (j > i && (st = put(t, s + i, j - i)) != PL_OK)
            break;
        i = j;
        if (i >= t->n)
            return plc_toml_fail(t, i, "expected %c%c%c to close the multi-line string "
                                       "that starts at line %u, found end of file",
                                 q, q, q, (unsigned)open_line);
        if (s[i] == q)
            st = ml_quotes(t, &i, q, &closed);
        else if (s[i] == '\\')
            st = ml_backslash(t, &i);
        else if (s[i] == '\n' || s[i] == '\r')
            st = ml_newline(t, &i);
        else
            return control_char(t, i, literal);
    }
    if (st != PL_OK)
        return st;
    t->pos = i;
    *out = (plc_toml_span){t->scratch.data, t->scratch.len};
    return PL_OK;
}

pl_status plc_toml_string(plc_toml *t, plc_toml_span *out)
{
    size_t i = t->pos;
    unsigned char q = t->s[i];
    if (i + 2 < t->n && t->s[i + 1] == q && t->s[i + 2] == q)
        return ml_string(t, q, out);
    return q == '"' ? basic_string(t, out) : literal_string(t, out);
}
