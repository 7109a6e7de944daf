/*
** toml_scalar.c — TOML's bare values: booleans, integers (decimal, hex,
** octal, binary), floats (with inf and nan) and the four date/time kinds.
**
** A bare value is first cut out as a token (letters, digits, _ - + . :),
** then checked against the grammar character by character so an error can
** point at the exact offending character.
*/
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "toml_int.h"

/* The bare value being read: token = s[start, start + len). */
typedef struct scalar {
    plc_toml *t;
    size_t start, len;
    const char *tok;
    pl_loc loc;
    char shown[48]; /* the token for messages, filled by shown() */
} scalar;

/* The token as quoted in error messages (long ones shortened). Made only
** when an error needs it: formatting every value would cost parsing time. */
static const char *shown(scalar *v)
{
    if (v->len < sizeof v->shown)
        snprintf(v->shown, sizeof v->shown, "%.*s", (int)v->len, v->tok);
    else
        snprintf(v->shown, sizeof v->shown, "%.*s...", (int)sizeof v->shown - 4, v->tok);
    return v->shown;
}

static pl_status new_node(scalar *v, plc_node *n, plc_node **out)
{
    if (!n)
        return plc_toml_nomem(v->t);
    *out = n;
    v->t->pos = v->start + v->len;
    return PL_OK;
}

/* ---- numbers ---------------------------------------------------------- */

static int digit_value(char c, int radix)
{
    int d = c >= '0' && c <= '9' ? c - '0'
          : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
          : -1;
    return d < radix ? d : -1;
}

static const char *digit_name(int radix)
{
    return radix == 16 ? "a hex digit" : radix == 8 ? "an octal digit"
         : radix == 2 ? "a binary digit" : "a digit";
}

/* An error at token offset i about the number being read; without `why`,
** the character there is unexpected. */
static pl_status bad_number(scalar *v, size_t i, const char *why)
{
    char found[48], unexpected[64];
    if (!why) {
        snprintf(unexpected, sizeof unexpected, "unexpected %s",
                 plc_toml_found(v->t, v->start + i, found, sizeof found));
        why = unexpected;
    }
    return plc_toml_fail(v->t, v->start + i, "invalid number '%s': %s", shown(v), why);
}

/* A run of digits of the radix from token offset *ip, single underscores
** allowed between two digits; moves *ip past it. At least one digit. */
static pl_status digits(scalar *v, size_t *ip, int radix)
{
    size_t i = *ip;
    if (i >= v->len || digit_value(v->tok[i], radix) < 0) {
        char why[96], found[48];
        snprintf(why, sizeof why, "expected %s, found %s", digit_name(radix),
                 plc_toml_found(v->t, v->start + i, found, sizeof found));
        return bad_number(v, i, why);
    }
    while (i < v->len) {
        if (digit_value(v->tok[i], radix) >= 0)
            i++;
        else if (v->tok[i] == '_' && i + 1 < v->len && digit_value(v->tok[i + 1], radix) >= 0)
            i++;
        else if (v->tok[i] == '_')
            return bad_number(v, i, "'_' must be between two digits");
        else
            break;
    }
    *ip = i;
    return PL_OK;
}

/* The integer value of token offsets [from, len) in the radix (digits
** checked already), negated if neg. Fails when it does not fit int64. */
static pl_status integer_value(scalar *v, size_t from, int radix, bool neg, plc_node **out)
{
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, u = 0;
    for (size_t i = from; i < v->len; i++) {
        int d = digit_value(v->tok[i], radix);
        if (d < 0)
            continue; /* an underscore */
        if (u > (limit - (uint64_t)d) / (uint64_t)radix)
            return plc_toml_fail(v->t, v->start, "integer %s does not fit in 64 bits",
                                 shown(v));
        u = u * (uint64_t)radix + (uint64_t)d;
    }
    int64_t i64 = neg ? (u > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)u) : (int64_t)u;
    return new_node(v, plc_new_int(v->t->doc, i64, v->loc), out);
}

/* 0x, 0o or 0b integers: no sign, digits after the prefix. */
static pl_status prefixed_integer(scalar *v, bool has_sign, plc_node **out)
{
    if (has_sign)
        return bad_number(v, 0, "hex, octal and binary integers cannot have a sign");
    char p = v->tok[1];
    int radix = p == 'x' ? 16 : p == 'o' ? 8 : 2;
    size_t i = 2;
    pl_status st = digits(v, &i, radix);
    if (st == PL_OK && i < v->len)
        st = bad_number(v, i, NULL);
    return st != PL_OK ? st : integer_value(v, 2, radix, false, out);
}

/* The float value of the (checked) token, converted by strtod after
** dropping underscores. strtod reads the locale's decimal point, which an
** application may have changed from '.', so that is substituted. */
static pl_status float_value(scalar *v, plc_node **out)
{
    plc_toml *t = v->t;
    char point = localeconv()->decimal_point[0];
    t->scratch.len = 0;
    if (plu_buf_reserve(&t->scratch, v->len) != 0)
        return plc_toml_nomem(t);
    for (size_t i = 0; i < v->len; i++) {
        char c = v->tok[i];
        if (c != '_')
            t->scratch.data[t->scratch.len++] = c == '.' && point ? point : c;
    }
    t->scratch.data[t->scratch.len] = '\0';
    double f = strtod(t->scratch.data, NULL);
    if (isinf(f))
        return plc_toml_fail(t, v->start, "float %s is out of range (beyond +-1.8e308)",
                             shown(v));
    return new_node(v, plc_new_float(t->doc, f, v->loc), out);
}

/* Decimal integers and floats: [sign] int [. digits] [e [sign] digits],
** the integer part without leading zeros. */
static pl_status decimal(scalar *v, size_t i, plc_node **out)
{
    size_t int_start = i;
    pl_status st = digits(v, &i, 10);
    if (st != PL_OK)
        return st;
    if (v->tok[int_start] == '0' && i - int_start > 1)
        return bad_number(v, int_start, "leading zeros are not allowed");
    if (v->tok[int_start] == '0' && i < v->len && strchr("XOB", v->tok[i]))
        return bad_number(v, i, "the prefixes 0x, 0o and 0b are lower case");
    bool is_float = false;
    if (i < v->len && v->tok[i] == '.') {
        i++;
        is_float = true;
        if ((st = digits(v, &i, 10)) != PL_OK)
            return st;
    }
    if (i < v->len && (v->tok[i] == 'e' || v->tok[i] == 'E')) {
        i++;
        is_float = true;
        i += i < v->len && (v->tok[i] == '+' || v->tok[i] == '-');
        if ((st = digits(v, &i, 10)) != PL_OK)
            return st;
    }
    if (i < v->len)
        return bad_number(v, i, NULL);
    if (is_float)
        return float_value(v, out);
    return integer_value(v, int_start, 10, v->tok[0] == '-', out);
}

/* inf or nan after an optional sign. */
static pl_status special_float(scalar *v, size_t i, plc_node **out)
{
    double f = v->tok[i] == 'i' ? INFINITY : NAN;
    if (v->tok[0] == '-')
        f = -f;
    return new_node(v, plc_new_float(v->t->doc, f, v->loc), out);
}

static bool token_is(const scalar *v, size_t from, const char *word)
{
    size_t n = strlen(word);
    return v->len - from == n && memcmp(v->tok + from, word, n) == 0;
}

/* A token that starts with a letter but is no value. */
static pl_status not_a_value(scalar *v)
{
    static const char *const words[] = {"true", "false", "inf", "nan"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (v->len == strlen(words[k]) && strncasecmp(v->tok, words[k], v->len) == 0)
            return plc_toml_fail(v->t, v->start, "invalid value '%s' (write it in "
                                                 "lower case: %s)", shown(v), words[k]);
    return plc_toml_fail(v->t, v->start, "invalid value '%s' (strings must be in "
                                         "quotes)", shown(v));
}

/* Any number: decimal, prefixed integer, inf or nan. */
static pl_status number(scalar *v, plc_node **out)
{
    bool has_sign = v->tok[0] == '+' || v->tok[0] == '-';
    size_t i = has_sign;
    if (token_is(v, i, "inf") || token_is(v, i, "nan"))
        return special_float(v, i, out);
    if (i < v->len && ((v->tok[i] | 0x20) >= 'a' && (v->tok[i] | 0x20) <= 'z'))
        return not_a_value(v);
    if (v->len > i + 1 && v->tok[i] == '0' && strchr("xob", v->tok[i + 1]))
        return prefixed_integer(v, has_sign, out);
    return decimal(v, i, out);
}

/* ---- dates and times ---------------------------------------------------- */

/* Text of a date/time value being normalised into RFC 3339 form. */
typedef struct dt_text {
    char buf[48]; /* 10 date + T + 8 time + 10 fraction + 6 offset */
    size_t len;
} dt_text;

static void dt_put(dt_text *d, const unsigned char *s, size_t n)
{
    memcpy(d->buf + d->len, s, n);
    d->len += n;
}

/* Match the input at i with pat, where '9' stands for any digit. Returns
** the offset of the first mismatch, or SIZE_MAX if all of pat matched. */
static size_t match(const plc_toml *t, size_t i, const char *pat)
{
    for (size_t k = 0; pat[k]; k++, i++) {
        if (i >= t->n)
            return i;
        unsigned char c = t->s[i];
        if (pat[k] == '9' ? !plc_toml_digit(c) : c != (unsigned char)pat[k])
            return i;
    }
    return SIZE_MAX;
}

static int two_digits(const unsigned char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static pl_status malformed(plc_toml *t, size_t at, const char *what, const char *form)
{
    char found[48];
    return plc_toml_fail(t, at, "malformed %s: expected %s, found %s", what, form,
                         plc_toml_found(t, at, found, sizeof found));
}

/* A field outside its range (month 13, second 61, ...). */
static pl_status out_of_range(plc_toml *t, size_t at, const char *what, int value,
                              const char *range)
{
    return plc_toml_fail(t, at, "invalid %s %02d (must be %s)", what, value, range);
}

static int days_in_month(int y, int m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* YYYY-MM-DD at *ip, with a real day of a real month. */
static pl_status full_date(plc_toml *t, size_t *ip, dt_text *d)
{
    static const char *const months[12] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    size_t i = *ip, k = i;
    while (k < t->n && plc_toml_digit(t->s[k]))
        k++;
    if (k - i != 4)
        return plc_toml_fail(t, i, "malformed date: the year must have 4 digits "
                                   "(YYYY-MM-DD)");
    size_t bad = match(t, i, "9999-99-99");
    if (bad != SIZE_MAX)
        return malformed(t, bad, "date", "YYYY-MM-DD");
    const unsigned char *s = t->s + i;
    int y = two_digits(s) * 100 + two_digits(s + 2), m = two_digits(s + 5),
        day = two_digits(s + 8);
    if (m < 1 || m > 12)
        return out_of_range(t, i + 5, "month", m, "01 to 12");
    if (day < 1 || day > days_in_month(y, m))
        return plc_toml_fail(t, i + 8, "invalid day %02d: %s %04d has %d days", day,
                             months[m - 1], y, days_in_month(y, m));
    dt_put(d, s, 10);
    *ip = i + 10;
    return PL_OK;
}

/* HH:MM:SS[.fraction] at *ip. Fractions longer than nanoseconds are
** truncated (TOML asks for truncation, not rounding). */
static pl_status partial_time(plc_toml *t, size_t *ip, dt_text *d)
{
    size_t i = *ip, bad = match(t, i, "99:99:99");
    if (bad == i + 5)
        return malformed(t, bad, "time", "':' and seconds (HH:MM:SS)");
    if (bad != SIZE_MAX)
        return malformed(t, bad, "time", "HH:MM:SS");
    const unsigned char *s = t->s + i;
    if (two_digits(s) > 23)
        return out_of_range(t, i, "hour", two_digits(s), "00 to 23");
    if (two_digits(s + 3) > 59)
        return out_of_range(t, i + 3, "minute", two_digits(s + 3), "00 to 59");
    if (two_digits(s + 6) > 60)
        return out_of_range(t, i + 6, "second", two_digits(s + 6), "00 to 60");
    dt_put(d, s, 8);
    i += 8;
    if (i < t->n && t->s[i] == '.') {
        size_t k = i + 1;
        while (k < t->n && plc_toml_digit(t->s[k]))
            k++;
        if (k == i + 1)
            return malformed(t, k, "time", "digits after '.'");
        dt_put(d, t->s + i, k - i > 10 ? 10 : k - i);
        i = k;
    }
    *ip = i;
    return PL_OK;
}

/* Z or +HH:MM / -HH:MM at *ip, if there is one; *has tells. */
static pl_status offset(plc_toml *t, size_t *ip, dt_text *d, bool *has)
{
    size_t i = *ip;
    unsigned char c = i < t->n ? t->s[i] : 0;
    *has = c == 'Z' || c == 'z' || c == '+' || c == '-';
    if (c == 'Z' || c == 'z') {
        dt_put(d, (const unsigned char *)"Z", 1);
        *ip = i + 1;
    } else if (*has) {
        size_t bad = match(t, i + 1, "99:99");
        if (bad != SIZE_MAX)
            return malformed(t, bad, "time offset", "+HH:MM or -HH:MM");
        if (two_digits(t->s + i + 1) > 23)
            return out_of_range(t, i + 1, "offset hour", two_digits(t->s + i + 1), "00 to 23");
        if (two_digits(t->s + i + 4) > 59)
            return out_of_range(t, i + 4, "offset minute", two_digits(t->s + i + 4), "00 to 59");
        dt_put(d, t->s + i, 6);
        *ip = i + 6;
    }
    return PL_OK;
}

/* True if a time (HH:) starts at i. */
static bool time_at(const plc_toml *t, size_t i)
{
    return i + 2 < t->n && plc_toml_digit(t->s[i]) && plc_toml_digit(t->s[i + 1]) &&
           t->s[i + 2] == ':';
}

/* After a full date at *ip: T, t, or a space followed by a time. Sets
** *has_time (and moves past the separator) if a time follows; a T without
** a time after it is an error. */
static pl_status date_time_sep(plc_toml *t, size_t *ip, bool *has_time)
{
    size_t i = *ip;
    unsigned char c = i < t->n ? t->s[i] : 0;
    *has_time = (c == 'T' || c == 't') || (c == ' ' && time_at(t, i + 1));
    if ((c == 'T' || c == 't') && !time_at(t, i + 1)) {
        char found[48];
        return plc_toml_fail(t, i + 1, "expected a time (HH:MM:SS) after '%c', found %s",
                             c, plc_toml_found(t, i + 1, found, sizeof found));
    }
    *ip = i + *has_time;
    return PL_OK;
}

/* What the token looks like: a date (digits '-' digit), a time (digits
** ':'), or neither (then it is a number, a boolean or an error). */
typedef enum shape { SHAPE_OTHER, SHAPE_DATE, SHAPE_TIME } shape;

static shape shape_of(const scalar *v)
{
    size_t k = 0;
    while (k < v->len && plc_toml_digit((unsigned char)v->tok[k]))
        k++;
    if (k == 0 || k >= v->len)
        return SHAPE_OTHER;
    if (v->tok[k] == ':')
        return SHAPE_TIME;
    bool date = v->tok[k] == '-' && k + 1 < v->len && plc_toml_digit((unsigned char)v->tok[k + 1]);
    return date ? SHAPE_DATE : SHAPE_OTHER;
}

/* A date, a time, or a date and a time with or without offset. The text
** is stored normalised: 'T' between date and time, 'Z' for UTC. */
static pl_status datetime(scalar *v, shape sh, plc_node **out)
{
    plc_toml *t = v->t;
    dt_text d = {.len = 0};
    size_t i = v->start;
    plc_kind kind = PLC_TIME_LOCAL;
    bool has_time = true, has_offset = false;
    pl_status st = PL_OK;
    if (sh == SHAPE_DATE) {
        kind = PLC_DATE_LOCAL;
        st = full_date(t, &i, &d);
        if (st == PL_OK)
            st = date_time_sep(t, &i, &has_time);
        if (st == PL_OK && has_time) {
            kind = PLC_DATETIME_LOCAL;
            d.buf[d.len++] = 'T';
        }
    }
    if (st == PL_OK && has_time)
        st = partial_time(t, &i, &d);
    if (st == PL_OK && kind == PLC_DATETIME_LOCAL)
        st = offset(t, &i, &d, &has_offset);
    if (st != PL_OK)
        return st;
    if (has_offset)
        kind = PLC_DATETIME;
    if (i < t->n && plc_toml_is(t->s[i], PLC_TC_TOKEN)) {
        char found[48];
        return plc_toml_fail(t, i, "unexpected %s after the %s %.*s",
                             plc_toml_found(t, i, found, sizeof found),
                             plc_kind_name(kind), (int)d.len, d.buf);
    }
    v->len = i - v->start;
    return new_node(v, plc_new_string(t->doc, kind, d.buf, d.len, v->loc), out);
}

pl_status plc_toml_scalar(plc_toml *t, plc_node **out)
{
    scalar v = {.t = t, .start = t->pos};
    size_t end = t->pos;
    while (end < t->n && plc_toml_is(t->s[end], PLC_TC_TOKEN))
        end++;
    if (end == t->pos) {
        char found[48];
        return plc_toml_fail(t, t->pos, "expected a value, found %s",
                             plc_toml_found(t, t->pos, found, sizeof found));
    }
    v.len = end - t->pos;
    v.tok = (const char *)t->s + t->pos;
    v.loc = plc_toml_loc(t, t->pos);
    shape sh = shape_of(&v);
    if (sh != SHAPE_OTHER)
        return datetime(&v, sh, out);
    if (token_is(&v, 0, "true") || token_is(&v, 0, "false"))
        return new_node(&v, plc_new_bool(t->doc, v.tok[0] == 't', v.loc), out);
    return number(&v, out);
}
