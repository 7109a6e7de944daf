/*
** calculator.c — a tool plugin (plinth's Wasm tool ABI, see
** docs/plugin-authors.md) with one tool, "calculate": it evaluates an
** arithmetic expression in IEEE-754 doubles.
**
** Grammar, lowest precedence first (^ is right-associative and binds
** tighter than unary minus, as in mathematics: -2^2 is -4, 2^-1 is 0.5):
**
**   expr    := term (('+' | '-') term)*
**   term    := unary (('*' | '/' | '%') unary)*
**   unary   := ('-' | '+') unary | power
**   power   := primary ('^' unary)?
**   primary := number | '(' expr ')'
**   number  := digits ['.' digits] | '.' digits, with an optional e/E exponent
**
** % is the remainder of truncated division (C's fmod). Errors name the
** column (1-based): "division by zero at column 3", "syntax error at
** column 5: expected a number, got '*'", "unbalanced parenthesis at
** column 1", a result that is not finite. They come back as tool results
** with isError (the model can fix its expression); a missing
** "expression" argument is a protocol error (-32602).
*/
#include <math.h>

#include "plinth_pdk.h"

#define MAX_DEPTH 200 /* parentheses and unary signs; recursion stays bounded */

typedef struct calc {
    const char *s, *p, *end;
    int depth;
    pdk_buf *err; /* the message, set once */
    bool failed;
} calc;

static bool fail_at(calc *c, const char *at, const char *what)
{
    if (!c->failed) {
        c->failed = true;
        pdk_buf_fmt(c->err, "%s at column %zu", what, (size_t)(at - c->s) + 1);
    }
    return false;
}

static void skip_space(calc *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* What stands at p, for messages: a quoted character or "the end". */
static void describe_here(calc *c, pdk_buf *b)
{
    if (c->p >= c->end) {
        pdk_buf_puts(b, "the end");
        return;
    }
    size_t n = pdk_utf8_len((const unsigned char *)c->p, (size_t)(c->end - c->p));
    pdk_buf_fmt(b, "'%.*s'", (int)(n ? n : 1), c->p);
}

static bool syntax_error(calc *c, const char *expected)
{
    pdk_buf msg = PDK_BUF_INIT;
    pdk_buf_fmt(&msg, "syntax error: expected %s, got ", expected);
    describe_here(c, &msg);
    bool r = fail_at(c, c->p, msg.p ? msg.p : "syntax error");
    pdk_buf_free(&msg);
    return r;
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A decimal number at p, read with the kit's JSON-grade conversion. */
static bool number(calc *c, double *out)
{
    const char *q = c->p;
    while (q < c->end && is_digit(*q))
        q++;
    bool int_digits = q > c->p;
    if (q < c->end && *q == '.') {
        q++;
        const char *f = q;
        while (q < c->end && is_digit(*q))
            q++;
        if (q == f && !int_digits)
            return syntax_error(c, "a number");
    } else if (!int_digits) {
        return syntax_error(c, "a number");
    }
    if (q < c->end && (*q == 'e' || *q == 'E')) {
        const char *e = q + 1;
        if (e < c->end && (*e == '+' || *e == '-'))
            e++;
        if (e < c->end && is_digit(*e)) {
            while (e < c->end && is_digit(*e))
                e++;
            q = e;
        }
    }
    /* strtod wants a terminated string; numbers are short. */
    char tmp[400];
    size_t n = (size_t)(q - c->p);
    if (n >= sizeof tmp)
        return fail_at(c, c->p, "number too long");
    memcpy(tmp, c->p, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    c->p = q;
    return true;
}

static bool expr(calc *c, double *out);
static bool unary(calc *c, double *out);

static bool primary(calc *c, double *out)
{
    skip_space(c);
    if (c->p < c->end && *c->p == '(') {
        const char *open = c->p++;
        if (++c->depth > MAX_DEPTH)
            return fail_at(c, open, "expression nested too deeply");
        if (!expr(c, out))
            return false;
        skip_space(c);
        c->depth--;
        if (c->p >= c->end || *c->p != ')')
            return c->p >= c->end ? fail_at(c, open, "unbalanced parenthesis")
                                  : syntax_error(c, "')'");
        c->p++;
        return true;
    }
    return number(c, out);
}

static bool power(calc *c, double *out)
{
    if (!primary(c, out))
        return false;
    skip_space(c);
    if (c->p < c->end && *c->p == '^') {
        c->p++;
        double e;
        if (!unary(c, &e))
            return false;
        *out = pow(*out, e);
    }
    return true;
}

static bool unary(calc *c, double *out)
{
    skip_space(c);
    if (c->p < c->end && (*c->p == '-' || *c->p == '+')) {
        bool neg = *c->p == '-';
        const char *at = c->p++;
        if (++c->depth > MAX_DEPTH)
            return fail_at(c, at, "expression nested too deeply");
        bool ok = unary(c, out);
        c->depth--;
        if (ok && neg)
            *out = -*out;
        return ok;
    }
    return power(c, out);
}

static bool term(calc *c, double *out)
{
    if (!unary(c, out))
        return false;
    for (;;) {
        skip_space(c);
        if (c->p >= c->end || (*c->p != '*' && *c->p != '/' && *c->p != '%'))
            return true;
        char op = *c->p;
        const char *at = c->p++;
        double r;
        if (!unary(c, &r))
            return false;
        if (op != '*' && r == 0)
            return fail_at(c, at, op == '/' ? "division by zero" : "modulo by zero");
        *out = op == '*' ? *out * r : op == '/' ? *out / r : fmod(*out, r);
    }
}

static bool expr(calc *c, double *out)
{
    if (!term(c, out))
        return false;
    for (;;) {
        skip_space(c);
        if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
            return true;
        bool add = *c->p++ == '+';
        double r;
        if (!term(c, &r))
            return false;
        *out = add ? *out + r : *out - r;
    }
}

/* Evaluate s[0..n): true with *out, or false with the message in err. */
static bool evaluate(const char *s, size_t n, double *out, pdk_buf *err)
{
    calc c = {s, s, s + n, 0, err, false};
    skip_space(&c);
    if (c.p == c.end) {
        pdk_buf_puts(err, "empty expression");
        return false;
    }
    if (!expr(&c, out))
        return false;
    skip_space(&c);
    if (c.p != c.end)
        return *c.p == ')' ? fail_at(&c, c.p, "unbalanced parenthesis")
                           : syntax_error(&c, "an operator");
    if (!isfinite(*out)) {
        pdk_buf_puts(err, isnan(*out) ? "the result is not a number" : "the result overflows");
        return false;
    }
    return true;
}

static pdk_tool_rc calculate(const pdk_jv *args, pdk_buf *out)
{
    const pdk_jv *e = pdk_jv_get(args, "expression");
    if (!pdk_jv_is_string(e)) {
        pdk_buf_puts(out, "\"expression\" (a string) is required");
        return PDK_TOOL_BAD_ARGS;
    }
    double v;
    if (!evaluate(e->u.s, e->n, &v, out))
        return PDK_TOOL_FAILED;
    pdk_buf_put_double(out, v == 0 ? 0 : v); /* -0 reads as 0 */
    return PDK_TOOL_OK;
}

static const pdk_tool tools[] = {
    {"calculate",
     "Evaluate an arithmetic expression: + - * / % ^, parentheses, unary minus, decimals "
     "(1.5, .5, 2e3). Returns the value as a decimal number.",
     "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\","
     "\"description\":\"For example (2 + 3) * 4 ^ 0.5 / -2\"}},"
     "\"required\":[\"expression\"],\"additionalProperties\":false}",
     calculate},
};

static const pdk_tool_plugin plugin = {
    "dev.plinth.calculator", "calculator", "0.1.0",
    "Arithmetic for language models: evaluates expressions exactly as IEEE-754 doubles do.",
    tools, sizeof tools / sizeof tools[0]};

PDK_TOOL_PLUGIN(plugin)
