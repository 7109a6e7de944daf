/*
** schema_regex_parse.c — ECMA-262 pattern syntax (with the "u" flag's
** Unicode semantics) to a syntax tree, then to the backtracking program of
** schema_regex_int.h.
**
** Supported: alternation, groups (capturing, named, non-capturing),
** lookahead and lookbehind, greedy and lazy quantifiers (* + ? {n} {n,}
** {n,m}), classes with ranges, the escapes \d \D \w \W \s \S \b \B \t \n
** \v \f \r \0 \cX \xHH \uHHHH \u{H..} and surrogate pairs, \p{..} / \P{..}
** with general categories (long and short names, "digit" for Nd, Any,
** ASCII, Assigned), backreferences by number and \k<name>. Lone ']', '}'
** and '{' that does not start a quantifier are literals (Annex B). Flags do
** not exist in JSON Schema, so there is no case folding or multiline mode.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/schema_regex_int.h"

enum {
    RX_MAX_DEPTH = 100,    /* nested groups */
    RX_MAX_CODE = 40000,   /* program size */
    RX_MAX_COUNT = 100000, /* a {n,m} bound */
};
#define RX_INF UINT32_MAX /* no upper bound */

enum rx_ntype {
    N_CHAR, N_ANY, N_CLASS, N_CAT, N_ALT, N_REP, N_GROUP, N_LOOK,
    N_BOL, N_EOL, N_WORDB, N_NWORDB, N_BACKREF, N_NAMEDREF
};

typedef struct rx_node {
    uint8_t type, flag; /* REP: 1 = greedy; LOOK: RX_LOOK_* */
    uint32_t a, b;      /* CHAR: cp; CLASS: index; REP: min, max; GROUP and
                           BACKREF: group; NAMEDREF: name offset, length */
    int32_t kid, next, last; /* children list (CAT, ALT, REP, GROUP, LOOK) */
} rx_node;

typedef struct rx_name {
    const char *p;
    size_t n;
    uint32_t group;
} rx_name;

typedef struct rx_parser {
    const char *p;
    size_t n, i;
    rx_node *nodes;
    size_t nnodes, nodes_cap;
    rx_name *names;
    size_t nnames, names_cap;
    sch_regex *re;
    uint32_t ngroups;
    unsigned depth;
    char *msg;
    size_t msglen;
    pl_status st;
} rx_parser;

/* ---- errors and nodes ------------------------------------------------------ */

static int perr(rx_parser *ps, const char *fmt, ...) PLU_PRINTF(2, 3);
static int perr(rx_parser *ps, const char *fmt, ...)
{
    if (ps->st != PL_OK)
        return -1;
    ps->st = PL_E_CONFIG;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(ps->msg, ps->msglen, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < ps->msglen)
        snprintf(ps->msg + k, ps->msglen - (size_t)k, " at offset %zu", ps->i);
    return -1;
}

static int nomem(rx_parser *ps)
{
    ps->st = PL_E_NOMEM;
    snprintf(ps->msg, ps->msglen, "out of memory");
    return -1;
}

static int new_node(rx_parser *ps, uint8_t type)
{
    rx_node n = {.type = type, .kid = -1, .next = -1, .last = -1};
    if (sch_vec_push(&ps->nodes, &ps->nnodes, &ps->nodes_cap, sizeof n, &n) != 0)
        return nomem(ps);
    return (int)(ps->nnodes - 1);
}

static int leaf(rx_parser *ps, uint8_t type, uint32_t a, uint32_t b)
{
    int k = new_node(ps, type);
    if (k >= 0) {
        ps->nodes[k].a = a;
        ps->nodes[k].b = b;
    }
    return k;
}

static void add_kid(rx_parser *ps, int parent, int kid)
{
    rx_node *p = &ps->nodes[parent];
    if (p->last < 0)
        p->kid = kid;
    else
        ps->nodes[p->last].next = kid;
    p->last = kid;
}

static int wrap(rx_parser *ps, uint8_t type, int kid)
{
    if (kid < 0)
        return -1;
    int k = new_node(ps, type);
    if (k >= 0)
        add_kid(ps, k, kid);
    return k;
}

/* ---- lexical helpers ------------------------------------------------------- */

static bool more(const rx_parser *ps) { return ps->i < ps->n; }

static char cur(const rx_parser *ps) { return ps->i < ps->n ? ps->p[ps->i] : '\0'; }

static char ahead(const rx_parser *ps, size_t k)
{
    return ps->i + k < ps->n ? ps->p[ps->i + k] : '\0';
}

static bool eat(rx_parser *ps, char c)
{
    if (cur(ps) != c || !more(ps))
        return false;
    ps->i++;
    return true;
}

static uint32_t next_cp(rx_parser *ps)
{
    size_t len;
    uint32_t cp = rx_decode(ps->p, ps->n, ps->i, &len);
    ps->i += len;
    return cp;
}

static int hexdig(char c)
{
    if (isdigit((unsigned char)c))
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly `count` hex digits; -1 when they are not there. */
static long hex_fixed(rx_parser *ps, int count)
{
    long v = 0;
    for (int k = 0; k < count; k++) {
        int d = hexdig(ahead(ps, (size_t)k));
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    ps->i += (size_t)count;
    return v;
}

/* Decimal digits (at least one), saturating at RX_MAX_COUNT + 1. */
static bool decimal(rx_parser *ps, uint32_t *out)
{
    if (!isdigit((unsigned char)cur(ps)) || !more(ps))
        return false;
    uint32_t v = 0;
    while (more(ps) && isdigit((unsigned char)cur(ps))) {
        v = v * 10 + (uint32_t)(cur(ps) - '0');
        if (v > RX_MAX_COUNT)
            v = RX_MAX_COUNT + 1;
        ps->i++;
    }
    *out = v;
    return true;
}

/* ---- character classes ------------------------------------------------------ */

static int class_add(rx_parser *ps, rx_class *c, uint32_t lo, uint32_t hi)
{
    rx_range r = {lo, hi};
    if (sch_vec_push(&c->ranges, &c->n, &c->cap, sizeof r, &r) != 0)
        return nomem(ps);
    return 0;
}

/* Add a sorted range list, or its complement in [0, 0x10FFFF]. */
static int class_add_set(rx_parser *ps, rx_class *c, const rx_range *set,
                         size_t n, bool negate)
{
    if (!negate) {
        for (size_t k = 0; k < n; k++)
            if (class_add(ps, c, set[k].lo, set[k].hi) != 0)
                return -1;
        return 0;
    }
    uint32_t from = 0;
    for (size_t k = 0; k < n; k++) {
        if (set[k].lo > from && class_add(ps, c, from, set[k].lo - 1) != 0)
            return -1;
        from = set[k].hi + 1;
    }
    return from <= 0x10FFFF ? class_add(ps, c, from, 0x10FFFF) : 0;
}

static const rx_range digit_set[] = {{'0', '9'}};
static const rx_range word_set[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
static const rx_range space_set[] = {
    {0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
    {0x3000, 0x3000}, {0xFEFF, 0xFEFF},
};
static const rx_range ascii_set[] = {{0, 0x7F}};

/* \d \D \w \W \s \S into a class. */
static int class_escape(rx_parser *ps, rx_class *c, char e)
{
    bool neg = isupper((unsigned char)e);
    switch (tolower((unsigned char)e)) {
    case 'd': return class_add_set(ps, c, digit_set, 1, neg);
    case 'w': return class_add_set(ps, c, word_set, 4, neg);
    default: return class_add_set(ps, c, space_set, sizeof space_set / sizeof space_set[0], neg);
    }
}

#define GC(x) (1u << SCH_GC_##x)
#define GC_L (GC(LU) | GC(LL) | GC(LT) | GC(LM) | GC(LO))
#define GC_M (GC(MN) | GC(MC) | GC(ME))
#define GC_N (GC(ND) | GC(NL) | GC(NO))
#define GC_P (GC(PC) | GC(PD) | GC(PS) | GC(PE) | GC(PI) | GC(PF) | GC(PO))
#define GC_S (GC(SM) | GC(SC) | GC(SK) | GC(SO))
#define GC_Z (GC(ZS) | GC(ZL) | GC(ZP))
#define GC_C (GC(CC) | GC(CF) | GC(CS) | GC(CO) | GC(CN))
#define GC_ALL ((1u << SCH_GC_COUNT) - 1)

/* Property names, compared without case, '_', '-' and spaces. */
static const struct { const char *name; uint32_t mask; } properties[] = {
    {"l", GC_L}, {"letter", GC_L}, {"lu", GC(LU)}, {"uppercaseletter", GC(LU)},
    {"ll", GC(LL)}, {"lowercaseletter", GC(LL)}, {"lt", GC(LT)},
    {"titlecaseletter", GC(LT)}, {"lc", GC(LU) | GC(LL) | GC(LT)},
    {"casedletter", GC(LU) | GC(LL) | GC(LT)}, {"lm", GC(LM)},
    {"modifierletter", GC(LM)}, {"lo", GC(LO)}, {"otherletter", GC(LO)},
    {"m", GC_M}, {"mark", GC_M}, {"combiningmark", GC_M}, {"mn", GC(MN)},
    {"nonspacingmark", GC(MN)}, {"mc", GC(MC)}, {"spacingmark", GC(MC)},
    {"me", GC(ME)}, {"enclosingmark", GC(ME)}, {"n", GC_N}, {"number", GC_N},
    {"nd", GC(ND)}, {"decimalnumber", GC(ND)}, {"digit", GC(ND)},
    {"nl", GC(NL)}, {"letternumber", GC(NL)}, {"no", GC(NO)},
    {"othernumber", GC(NO)}, {"p", GC_P}, {"punctuation", GC_P},
    {"punct", GC_P}, {"pc", GC(PC)}, {"connectorpunctuation", GC(PC)},
    {"pd", GC(PD)}, {"dashpunctuation", GC(PD)}, {"ps", GC(PS)},
    {"openpunctuation", GC(PS)}, {"pe", GC(PE)}, {"closepunctuation", GC(PE)},
    {"pi", GC(PI)}, {"initialpunctuation", GC(PI)}, {"pf", GC(PF)},
    {"finalpunctuation", GC(PF)}, {"po", GC(PO)}, {"otherpunctuation", GC(PO)},
    {"s", GC_S}, {"symbol", GC_S}, {"sm", GC(SM)}, {"mathsymbol", GC(SM)},
    {"sc", GC(SC)}, {"currencysymbol", GC(SC)}, {"sk", GC(SK)},
    {"modifiersymbol", GC(SK)}, {"so", GC(SO)}, {"othersymbol", GC(SO)},
    {"z", GC_Z}, {"separator", GC_Z}, {"zs", GC(ZS)}, {"spaceseparator", GC(ZS)},
    {"zl", GC(ZL)}, {"lineseparator", GC(ZL)}, {"zp", GC(ZP)},
    {"paragraphseparator", GC(ZP)}, {"c", GC_C}, {"other", GC_C},
    {"cc", GC(CC)}, {"control", GC(CC)}, {"cntrl", GC(CC)}, {"cf", GC(CF)},
    {"format", GC(CF)}, {"cs", GC(CS)}, {"surrogate", GC(CS)}, {"co", GC(CO)},
    {"privateuse", GC(CO)}, {"cn", GC(CN)}, {"unassigned", GC(CN)},
    {"any", GC_ALL}, {"assigned", GC_ALL & ~GC(CN)},
};

/* The category mask of a property name (after "gc=" prefixes), 0 when
** unknown; "ascii" is handled by the caller. */
static uint32_t property_mask(const char *name, size_t n)
{
    char norm[48];
    size_t k = 0;
    for (size_t j = 0; j < n && k + 1 < sizeof norm; j++) {
        char c = name[j];
        if (c == '_' || c == '-' || c == ' ')
            continue;
        norm[k++] = (char)tolower((unsigned char)c);
        if (c == '=')
            k = 0; /* "General_Category=Letter", "gc=L" */
    }
    norm[k] = '\0';
    for (size_t j = 0; j < sizeof properties / sizeof properties[0]; j++)
        if (strcmp(norm, properties[j].name) == 0)
            return properties[j].mask;
    return strcmp(norm, "ascii") == 0 ? UINT32_MAX : 0;
}

/* \p{Name} or \P{Name} (the 'p' already read) into a class. */
static int class_property(rx_parser *ps, rx_class *c, bool neg)
{
    if (!eat(ps, '{'))
        return perr(ps, "expected '{' after \\%c", neg ? 'P' : 'p');
    size_t start = ps->i;
    while (more(ps) && cur(ps) != '}')
        ps->i++;
    if (!more(ps))
        return perr(ps, "unterminated \\p{...}");
    uint32_t mask = property_mask(ps->p + start, ps->i - start);
    ps->i++;
    if (mask == UINT32_MAX)
        return class_add_set(ps, c, ascii_set, 1, neg);
    if (mask == 0)
        return perr(ps, "unknown Unicode property '%.*s'", (int)(ps->i - start - 1),
                    ps->p + start);
    c->gc_mask |= neg ? (GC_ALL & ~mask) : mask;
    return 0;
}

static int new_class(rx_parser *ps)
{
    rx_class c = {0};
    sch_regex *re = ps->re;
    if (sch_vec_push(&re->classes, &re->nclasses, &re->classes_cap, sizeof c, &c) != 0)
        return nomem(ps);
    return (int)(re->nclasses - 1);
}

/* ---- escapes ----------------------------------------------------------------- */

/* \u: four digits (a surrogate pair combined), or \u{...}. */
static long unicode_escape(rx_parser *ps)
{
    if (eat(ps, '{')) {
        long v = 0;
        size_t digits = 0;
        while (hexdig(cur(ps)) >= 0 && more(ps) && v <= 0x10FFFF) {
            v = v * 16 + hexdig(cur(ps));
            ps->i++, digits++;
        }
        if (!digits || !eat(ps, '}') || v > 0x10FFFF)
            return perr(ps, "invalid \\u{...} escape");
        return v;
    }
    long v = hex_fixed(ps, 4);
    if (v < 0)
        return perr(ps, "invalid \\u escape");
    if (v >= 0xD800 && v <= 0xDBFF && cur(ps) == '\\' && ahead(ps, 1) == 'u') {
        size_t save = ps->i;
        ps->i += 2;
        long lo = hex_fixed(ps, 4);
        if (lo >= 0xDC00 && lo <= 0xDFFF)
            return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        ps->i = save;
    }
    return v;
}

/* A character escape after '\' (not a class or assertion): its code point,
** or -1 after an error. */
static long char_escape(rx_parser *ps)
{
    if (!more(ps))
        return perr(ps, "pattern ends with '\\'");
    char c = cur(ps);
    long simple = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'v' ? '\v'
                : c == 'f' ? '\f' : c == 'r' ? '\r' : -1;
    if (simple >= 0) {
        ps->i++;
        return simple;
    }
    if (c == 'c' && isalpha((unsigned char)ahead(ps, 1))) {
        ps->i += 2;
        return ps->p[ps->i - 1] % 32;
    }
    if (c == '0' && !isdigit((unsigned char)ahead(ps, 1))) {
        ps->i++;
        return 0;
    }
    if (c == 'x') {
        ps->i++;
        long v = hex_fixed(ps, 2);
        return v >= 0 ? v : perr(ps, "invalid \\x escape");
    }
    if (c == 'u') {
        ps->i++;
        return unicode_escape(ps);
    }
    if (isalnum((unsigned char)c))
        return perr(ps, "invalid escape '\\%c'", c);
    return (long)next_cp(ps); /* \. \/ \- \{ ... */
}

/* One class member: a code point (returned) or a set added to c (-2). */
static long class_atom(rx_parser *ps, rx_class *c)
{
    if (!eat(ps, '\\'))
        return (long)next_cp(ps);
    char e = cur(ps);
    if (e && strchr("dDwWsS", e)) {
        ps->i++;
        return class_escape(ps, c, e) == 0 ? -2 : -1;
    }
    if (e == 'p' || e == 'P') {
        ps->i++;
        return class_property(ps, c, e == 'P') == 0 ? -2 : -1;
    }
    if (e == 'b') {
        ps->i++;
        return 8;
    }
    if (e == '-') {
        ps->i++;
        return '-';
    }
    return char_escape(ps);
}

/* One member or range "a-z" of a class. 0 or -1. */
static int class_item(rx_parser *ps, rx_class *c)
{
    long lo = class_atom(ps, c);
    if (lo == -1)
        return -1;
    if (cur(ps) != '-' || ahead(ps, 1) == ']' || ps->i + 1 >= ps->n)
        return lo == -2 ? 0 : class_add(ps, c, (uint32_t)lo, (uint32_t)lo);
    ps->i++;
    long hi = class_atom(ps, c);
    if (hi == -1)
        return -1;
    if (lo == -2 || hi == -2)
        return perr(ps, "a class escape cannot bound a range");
    if (lo > hi)
        return perr(ps, "range out of order in character class");
    return class_add(ps, c, (uint32_t)lo, (uint32_t)hi);
}

/* [...] (the '[' already read). */
static int parse_class(rx_parser *ps)
{
    int k = new_class(ps);
    if (k < 0)
        return -1;
    ps->re->classes[k].negate = eat(ps, '^');
    while (cur(ps) != ']' || !more(ps)) {
        if (!more(ps))
            return perr(ps, "unterminated character class");
        if (class_item(ps, &ps->re->classes[k]) != 0)
            return -1;
    }
    ps->i++;
    return leaf(ps, N_CLASS, (uint32_t)k, 0);
}

/* A class node for \d \w \s \p outside brackets. */
static int set_atom(rx_parser *ps, char e)
{
    int k = new_class(ps);
    if (k < 0)
        return -1;
    int rc = (e == 'p' || e == 'P') ? class_property(ps, &ps->re->classes[k], e == 'P')
                                    : class_escape(ps, &ps->re->classes[k], e);
    return rc != 0 ? -1 : leaf(ps, N_CLASS, (uint32_t)k, 0);
}

/* A group name up to '>' (the '<' already read); returns its length. */
static int group_name(rx_parser *ps, size_t *start)
{
    *start = ps->i;
    while (more(ps) && cur(ps) != '>') {
        char c = cur(ps);
        if (!(isalnum((unsigned char)c) || c == '_' || c == '$' || (c & 0x80)))
            return perr(ps, "invalid group name");
        ps->i++;
    }
    if (!more(ps) || ps->i == *start)
        return perr(ps, "invalid group name");
    ps->i++;
    return (int)(ps->i - 1 - *start);
}

/* '\' outside a class. */
static int atom_escape(rx_parser *ps)
{
    char e = cur(ps);
    if (e && strchr("dDwWsSpP", e) && more(ps)) {
        ps->i++;
        return set_atom(ps, e);
    }
    uint32_t num;
    if (e >= '1' && e <= '9' && decimal(ps, &num))
        return leaf(ps, N_BACKREF, num, 0);
    if (e == 'k' && ahead(ps, 1) == '<') {
        ps->i += 2;
        size_t start;
        int len = group_name(ps, &start);
        return len < 0 ? -1 : leaf(ps, N_NAMEDREF, (uint32_t)start, (uint32_t)len);
    }
    long cp = char_escape(ps);
    return cp < 0 ? -1 : leaf(ps, N_CHAR, (uint32_t)cp, 0);
}

/* ---- structure ----------------------------------------------------------------- */

static int parse_disj(rx_parser *ps);

static int expect_close(rx_parser *ps, int node)
{
    if (node < 0)
        return -1;
    if (!eat(ps, ')'))
        return perr(ps, "missing ')'");
    return node;
}

/* '(' ... ')' in its forms (the '(' already read). */
static int parse_group(rx_parser *ps)
{
    if (cur(ps) != '?') {
        uint32_t g = ++ps->ngroups;
        int k = wrap(ps, N_GROUP, expect_close(ps, parse_disj(ps)));
        if (k >= 0)
            ps->nodes[k].a = g;
        return k;
    }
    ps->i++;
    if (eat(ps, ':'))
        return expect_close(ps, parse_disj(ps));
    if (cur(ps) != '<')
        return perr(ps, "invalid group '(?%c'", cur(ps));
    ps->i++;
    size_t start;
    int len = group_name(ps, &start);
    if (len < 0)
        return -1;
    rx_name nm = {ps->p + start, (size_t)len, ++ps->ngroups};
    if (sch_vec_push(&ps->names, &ps->nnames, &ps->names_cap, sizeof nm, &nm) != 0)
        return nomem(ps);
    int k = wrap(ps, N_GROUP, expect_close(ps, parse_disj(ps)));
    if (k >= 0)
        ps->nodes[k].a = nm.group;
    return k;
}

/* Does a '{' at the cursor start a quantifier? Reads it when it does. */
static bool braces(rx_parser *ps, uint32_t *min, uint32_t *max)
{
    size_t save = ps->i;
    ps->i++;
    if (decimal(ps, min)) {
        *max = *min;
        if (eat(ps, ',') && !decimal(ps, max))
            *max = RX_INF;
        if (eat(ps, '}'))
            return true;
    }
    ps->i = save;
    return false;
}

static bool quantifier(rx_parser *ps, uint32_t *min, uint32_t *max)
{
    char c = cur(ps);
    if (!more(ps))
        return false;
    if (c == '{')
        return braces(ps, min, max);
    if (c != '*' && c != '+' && c != '?')
        return false;
    ps->i++;
    *min = c == '+';
    *max = c == '?' ? 1 : RX_INF;
    return true;
}

static int parse_quant(rx_parser *ps, int atom)
{
    uint32_t min, max;
    if (atom < 0 || !quantifier(ps, &min, &max))
        return atom;
    if (min > max)
        return perr(ps, "numbers out of order in {} quantifier");
    if ((min > RX_MAX_COUNT) || (max != RX_INF && max > RX_MAX_COUNT))
        return perr(ps, "repetition count too large");
    int k = wrap(ps, N_REP, atom);
    if (k < 0)
        return -1;
    ps->nodes[k].a = min;
    ps->nodes[k].b = max;
    ps->nodes[k].flag = !eat(ps, '?');
    return k;
}

static int parse_atom(rx_parser *ps)
{
    char c = cur(ps);
    uint32_t min, max;
    switch (c) {
    case '.':
        ps->i++;
        return new_node(ps, N_ANY);
    case '(':
        ps->i++;
        return parse_group(ps);
    case '[':
        ps->i++;
        return parse_class(ps);
    case '\\':
        ps->i++;
        return atom_escape(ps);
    case '*': case '+': case '?':
        return perr(ps, "nothing to repeat");
    case '{':
        if (braces(ps, &min, &max))
            return perr(ps, "nothing to repeat");
        break;
    default:
        break;
    }
    return leaf(ps, N_CHAR, next_cp(ps), 0);
}

/* (?= (?! (?<= (?<! at the cursor: the lookaround kind + 1, else 0. */
static int lookaround_kind(const rx_parser *ps)
{
    if (cur(ps) != '(' || ahead(ps, 1) != '?')
        return 0;
    char c = ahead(ps, 2);
    if (c == '=' || c == '!')
        return 1 + (c == '!' ? RX_LOOK_NEG : 0);
    c = ahead(ps, 3);
    if (ahead(ps, 2) == '<' && (c == '=' || c == '!'))
        return 1 + RX_LOOK_BEHIND + (c == '!' ? RX_LOOK_NEG : 0);
    return 0;
}

static int parse_term(rx_parser *ps)
{
    if (eat(ps, '^'))
        return new_node(ps, N_BOL);
    if (eat(ps, '$'))
        return new_node(ps, N_EOL);
    if (cur(ps) == '\\' && (ahead(ps, 1) == 'b' || ahead(ps, 1) == 'B')) {
        ps->i += 2;
        return new_node(ps, ps->p[ps->i - 1] == 'b' ? N_WORDB : N_NWORDB);
    }
    int look = lookaround_kind(ps);
    if (look) {
        ps->i += (look - 1) & RX_LOOK_BEHIND ? 4 : 3;
        int k = wrap(ps, N_LOOK, expect_close(ps, parse_disj(ps)));
        if (k >= 0)
            ps->nodes[k].flag = (uint8_t)(look - 1);
        return k;
    }
    return parse_quant(ps, parse_atom(ps));
}

static int parse_alt(rx_parser *ps)
{
    int cat = new_node(ps, N_CAT);
    while (cat >= 0 && more(ps) && cur(ps) != '|' && cur(ps) != ')') {
        int t = parse_term(ps);
        if (t < 0)
            return -1;
        add_kid(ps, cat, t);
    }
    return cat;
}

static int parse_disj(rx_parser *ps)
{
    if (++ps->depth > RX_MAX_DEPTH)
        return perr(ps, "pattern nests too deeply");
    int first = parse_alt(ps);
    if (first < 0 || cur(ps) != '|' || !more(ps)) {
        ps->depth--;
        return first;
    }
    int alt = wrap(ps, N_ALT, first);
    while (alt >= 0 && eat(ps, '|')) {
        int a = parse_alt(ps);
        if (a < 0)
            return -1;
        add_kid(ps, alt, a);
    }
    ps->depth--;
    return alt;
}

/* ---- code generation -------------------------------------------------------- */

static int emit(rx_parser *ps, uint8_t op, uint8_t flag, uint32_t arg)
{
    sch_regex *re = ps->re;
    if (re->ncode >= RX_MAX_CODE)
        return perr(ps, "pattern too large");
    rx_inst in = {op, flag, arg};
    if (sch_vec_push(&re->code, &re->ncode, &re->code_cap, sizeof in, &in) != 0)
        return nomem(ps);
    return (int)(re->ncode - 1);
}

/* Point every instruction of a chain (linked through arg) at `to`. */
static void patch(sch_regex *re, uint32_t chain, uint32_t to)
{
    while (chain != RX_INF) {
        uint32_t next = re->code[chain].arg;
        re->code[chain].arg = to;
        chain = next;
    }
}

static int gen(rx_parser *ps, int node);

static int gen_alt(rx_parser *ps, const rx_node *n)
{
    uint32_t ends = RX_INF; /* the chain of jumps to the end */
    for (int k = n->kid; k >= 0; k = ps->nodes[k].next) {
        if (ps->nodes[k].next < 0) {
            if (gen(ps, k) != 0)
                return -1;
            break;
        }
        int split = emit(ps, RX_SPLIT, 0, 0);
        if (split < 0 || gen(ps, k) != 0)
            return -1;
        int j = emit(ps, RX_JMP, 0, ends);
        if (j < 0)
            return -1;
        ends = (uint32_t)j;
        ps->re->code[split].arg = (uint32_t)ps->re->ncode;
    }
    patch(ps->re, ends, (uint32_t)ps->re->ncode);
    return 0;
}

static int gen_star(rx_parser *ps, int kid, bool greedy)
{
    uint32_t reg = (uint32_t)ps->re->nregs++;
    int loop = emit(ps, greedy ? RX_SPLIT : RX_SPLIT_LAZY, 0, 0);
    if (loop < 0 || emit(ps, RX_MARK, 0, reg) < 0 || gen(ps, kid) != 0 ||
        emit(ps, RX_PROGRESS, 0, reg) < 0 || emit(ps, RX_JMP, 0, (uint32_t)loop) < 0)
        return -1;
    ps->re->code[loop].arg = (uint32_t)ps->re->ncode;
    return 0;
}

static int gen_rep(rx_parser *ps, const rx_node *n)
{
    bool greedy = n->flag;
    uint32_t min = n->a, max = n->b;
    int kid = n->kid;
    for (uint32_t k = 0; k < min; k++)
        if (gen(ps, kid) != 0)
            return -1;
    if (max == RX_INF)
        return gen_star(ps, kid, greedy);
    uint32_t chain = RX_INF;
    for (uint32_t k = min; k < max; k++) {
        int split = emit(ps, greedy ? RX_SPLIT : RX_SPLIT_LAZY, 0, chain);
        if (split < 0 || gen(ps, kid) != 0)
            return -1;
        chain = (uint32_t)split;
    }
    patch(ps->re, chain, (uint32_t)ps->re->ncode);
    return 0;
}

static int group_of_name(rx_parser *ps, const rx_node *n)
{
    for (size_t k = 0; k < ps->nnames; k++)
        if (ps->names[k].n == n->b && memcmp(ps->names[k].p, ps->p + n->a, n->b) == 0)
            return (int)ps->names[k].group;
    return perr(ps, "reference to an unknown group name");
}

static int gen_ref(rx_parser *ps, const rx_node *n)
{
    int g = n->type == N_NAMEDREF ? group_of_name(ps, n) : (int)n->a;
    if (g < 0)
        return -1;
    if ((uint32_t)g > ps->ngroups)
        return perr(ps, "reference to group %d, which does not exist", g);
    return emit(ps, RX_BACKREF, 0, (uint32_t)g) < 0 ? -1 : 0;
}

static int gen_wrapped(rx_parser *ps, const rx_node *n)
{
    if (n->type == N_GROUP) {
        if (emit(ps, RX_SAVE, 0, 2 * n->a) < 0 || gen(ps, n->kid) != 0)
            return -1;
        return emit(ps, RX_SAVE, 0, 2 * n->a + 1) < 0 ? -1 : 0;
    }
    int look = emit(ps, RX_LOOK, n->flag, 0);
    if (look < 0 || gen(ps, n->kid) != 0 || emit(ps, RX_MATCH, 0, 0) < 0)
        return -1;
    ps->re->code[look].arg = (uint32_t)ps->re->ncode;
    return 0;
}

static int gen(rx_parser *ps, int node)
{
    const rx_node n = ps->nodes[node];
    static const uint8_t simple[] = {
        [N_CHAR] = RX_CHAR, [N_ANY] = RX_ANY, [N_CLASS] = RX_CLASS,
        [N_BOL] = RX_BOL, [N_EOL] = RX_EOL, [N_WORDB] = RX_WORDB,
        [N_NWORDB] = RX_NWORDB,
    };
    switch (n.type) {
    case N_CAT:
        for (int k = n.kid; k >= 0; k = ps->nodes[k].next)
            if (gen(ps, k) != 0)
                return -1;
        return 0;
    case N_ALT: return gen_alt(ps, &n);
    case N_REP: return gen_rep(ps, &n);
    case N_GROUP: case N_LOOK: return gen_wrapped(ps, &n);
    case N_BACKREF: case N_NAMEDREF: return gen_ref(ps, &n);
    default: return emit(ps, simple[n.type], 0, n.a) < 0 ? -1 : 0;
    }
}

static bool starts_anchored(const rx_parser *ps, int root)
{
    const rx_node *n = &ps->nodes[root];
    return n->type == N_CAT && n->kid >= 0 && ps->nodes[n->kid].type == N_BOL;
}

static int gen_program(rx_parser *ps, int root)
{
    if (emit(ps, RX_SAVE, 0, 0) < 0 || gen(ps, root) != 0 ||
        emit(ps, RX_SAVE, 0, 1) < 0 || emit(ps, RX_MATCH, 0, 0) < 0)
        return -1;
    ps->re->nslots = 2 * ((size_t)ps->ngroups + 1);
    ps->re->anchored = starts_anchored(ps, root);
    return 0;
}

pl_status sch_regex_compile(const char *pat, size_t len, sch_regex **out,
                            char *msg, size_t msglen)
{
    *out = NULL;
    rx_parser ps = {.p = pat, .n = len, .msg = msg, .msglen = msglen};
    ps.re = plu_calloc(1, sizeof *ps.re);
    if (!ps.re)
        return nomem(&ps), PL_E_NOMEM;
    int root = parse_disj(&ps);
    if (root >= 0 && more(&ps))
        perr(&ps, "unmatched ')'");
    else if (root >= 0 && ps.st == PL_OK)
        gen_program(&ps, root);
    plu_free(ps.nodes);
    plu_free(ps.names);
    if (ps.st != PL_OK) {
        sch_regex_free(ps.re);
        return ps.st;
    }
    *out = ps.re;
    return PL_OK;
}

void sch_regex_free(sch_regex *re)
{
    if (!re)
        return;
    for (size_t k = 0; k < re->nclasses; k++)
        plu_free(re->classes[k].ranges);
    plu_free(re->classes);
    plu_free(re->code);
    plu_free(re);
}
