/*
** schema_kw_value.c — keywords on single values: type, enum, const,
** multipleOf, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
** minLength, maxLength (in code points) and pattern.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema_int.h"

/* ---- helpers ------------------------------------------------------------------- */

/* A number as short text for messages. */
static void num_text(const plc_node *n, char out[48])
{
    if (n->kind == PLC_INT) {
        snprintf(out, 48, "%lld", (long long)n->u.i);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 48, "%.*g", prec, n->u.f);
        if (strtod(out, NULL) == n->u.f)
            return;
    }
}

/* Compact JSON of a value, cut at `max` bytes, into out (a plu_buf the
** caller frees); false after an out-of-memory error. */
static bool value_text(sch_ectx *e, const plc_node *v, size_t max, plu_buf *out)
{
    if (sch_value_text(v, max, out) == 0)
        return true;
    return sch_fatal_st(e, plu_err_nomem(e->err));
}

/* ---- type --------------------------------------------------------------------------- */

static bool has_type(const plc_node *v, const char *t)
{
    if (strcmp(t, "integer") == 0)
        return sch_is_integral(v);
    if (strcmp(t, "number") == 0)
        return sch_is_number(v);
    if (strcmp(t, "string") == 0)
        return sch_is_text(v);
    if (strcmp(t, "object") == 0)
        return v->kind == PLC_TABLE;
    if (strcmp(t, "array") == 0)
        return v->kind == PLC_ARRAY;
    if (strcmp(t, "boolean") == 0)
        return v->kind == PLC_BOOL;
    return strcmp(t, "null") == 0 && v->kind == PLC_NULL;
}

/* "string", "string or null", "string, number or null". */
static int type_list(const plc_node *types, plu_buf *out)
{
    if (types->kind == PLC_STRING)
        return plu_buf_puts(out, types->u.s.ptr);
    size_t n = types->u.a.len;
    for (size_t k = 0; k < n; k++) {
        const char *sep = k == 0 ? "" : k + 1 == n ? " or " : ", ";
        if (plu_buf_printf(out, "%s%s", sep, types->u.a.items[k]->u.s.ptr) != 0)
            return -1;
    }
    return n == 0 ? plu_buf_puts(out, "nothing") : 0;
}

bool sch_e_type(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                sch_ann *ann)
{
    (void)ann;
    const plc_node *t = kw->value;
    if (t->kind == PLC_STRING && has_type(inst, t->u.s.ptr))
        return true;
    for (size_t k = 0; t->kind == PLC_ARRAY && k < t->u.a.len; k++)
        if (has_type(inst, t->u.a.items[k]->u.s.ptr))
            return true;
    if (!e->errs)
        return false;
    plu_buf b;
    plu_buf_init(&b);
    if (type_list(t, &b) == 0)
        sch_fail(e, s, kw, inst, "expected %s, got %s", b.data, sch_type_name(inst));
    else
        sch_fatal_st(e, plu_err_nomem(e->err));
    plu_buf_free(&b);
    return false;
}

/* ---- enum and const ----------------------------------------------------------------------- */

/* The enum's string closest to a string instance, for did-you-mean. */
static const char *enum_suggestion(const plc_node *values, const plc_node *inst)
{
    const char *cands[17];
    size_t n = 0;
    for (size_t k = 0; k < values->u.a.len && n < 16; k++)
        if (values->u.a.items[k]->kind == PLC_STRING)
            cands[n++] = values->u.a.items[k]->u.s.ptr;
    cands[n] = NULL;
    return sch_is_text(inst) && n ? plu_suggest(inst->u.s.ptr, cands) : NULL;
}

/* "\"a\", \"b\", \"c\"", cut after about 200 bytes. */
static bool enum_list(sch_ectx *e, const plc_node *values, plu_buf *out)
{
    for (size_t k = 0; k < values->u.a.len; k++) {
        if (out->len > 200) {
            if (plu_buf_puts(out, ", ...") != 0)
                return sch_fatal_st(e, plu_err_nomem(e->err));
            break;
        }
        if ((k && plu_buf_puts(out, ", ") != 0) ||
            !value_text(e, values->u.a.items[k], 60, out))
            return sch_fatal_st(e, plu_err_nomem(e->err));
    }
    return true;
}

bool sch_e_enum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                sch_ann *ann)
{
    (void)ann;
    const plc_node *values = kw->value;
    for (size_t k = 0; k < values->u.a.len; k++)
        if (plc_equal(inst, values->u.a.items[k]))
            return true;
    if (!e->errs)
        return false;
    plu_buf b;
    plu_buf_init(&b);
    const char *near = enum_suggestion(values, inst);
    if (enum_list(e, values, &b)) {
        const char *what = values->u.a.len == 1 ? "value must be" : "value must be one of:";
        if (near)
            sch_fail(e, s, kw, inst, "%s %s (did you mean '%s'?)", what, b.data ? b.data : "", near);
        else
            sch_fail(e, s, kw, inst, "%s %s", what, b.data ? b.data : "nothing (the enum is empty)");
    }
    plu_buf_free(&b);
    return false;
}

bool sch_e_const(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                 sch_ann *ann)
{
    (void)ann;
    if (plc_equal(inst, kw->value))
        return true;
    plu_buf b;
    plu_buf_init(&b);
    if (e->errs && value_text(e, kw->value, 120, &b))
        sch_fail(e, s, kw, inst, "value must be %s", b.data);
    plu_buf_free(&b);
    return false;
}

/* ---- numbers ----------------------------------------------------------------------------- */

/* Is x a multiple of m (> 0)? Decided on the quotient, with a tolerance
** relative to it for binary fractions (0.3 / 0.1); a quotient that
** overflows is settled by fmod, which is exact. */
static bool float_multiple(double x, double m)
{
    if (!isfinite(x))
        return false;
    double q = x / m;
    if (!isfinite(q))
        return fmod(x, m) == 0.0;
    double r = nearbyint(q);
    return fabs(q - r) <= 1e-9 * fabs(q);
}

bool sch_e_multiple_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                       const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    if (!sch_is_number(inst))
        return true;
    const plc_node *m = kw->value;
    bool ok = inst->kind == PLC_INT && m->kind == PLC_INT
                  ? inst->u.i % m->u.i == 0
                  : float_multiple(sch_num(inst), sch_num(m));
    if (!ok && e->errs) {
        char a[48], b[48];
        num_text(inst, a);
        num_text(m, b);
        sch_fail(e, s, kw, inst, "%s is not a multiple of %s", a, b);
    }
    return ok;
}

/* One bound: fails when sch_num_cmp(inst, bound) has sign `bad` (or 0 too
** when `strict`). */
static bool bound(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                  int bad, bool strict, const char *what)
{
    if (!sch_is_number(inst))
        return true;
    int c = sch_num_cmp(inst, kw->value);
    if (c != bad && !(strict && c == 0))
        return true;
    char a[48], b[48];
    num_text(inst, a);
    num_text(kw->value, b);
    sch_fail(e, s, kw, inst, "%s %s %s", a, what, b);
    return false;
}

bool sch_e_minimum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                   sch_ann *ann)
{
    (void)ann;
    return bound(e, s, kw, inst, -1, false, "is less than the minimum of");
}

bool sch_e_maximum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                   sch_ann *ann)
{
    (void)ann;
    return bound(e, s, kw, inst, 1, false, "is greater than the maximum of");
}

bool sch_e_excl_minimum(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    return bound(e, s, kw, inst, -1, true, "must be greater than");
}

bool sch_e_excl_maximum(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                        const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    return bound(e, s, kw, inst, 1, true, "must be less than");
}

/* ---- strings ------------------------------------------------------------------------------- */

static const char *chars_word(size_t n) { return n == 1 ? "character" : "characters"; }

bool sch_e_min_length(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                      const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    size_t min;
    if (!sch_is_text(inst) || !sch_get_count(kw->value, &min))
        return true;
    size_t n = sch_utf8_count(inst->u.s.ptr, inst->u.s.len);
    if (n >= min)
        return true;
    sch_fail(e, s, kw, inst, "string has %zu %s, expected at least %zu", n, chars_word(n), min);
    return false;
}

bool sch_e_max_length(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                      const plc_node *inst, sch_ann *ann)
{
    (void)ann;
    size_t max;
    if (!sch_is_text(inst) || !sch_get_count(kw->value, &max))
        return true;
    size_t n = sch_utf8_count(inst->u.s.ptr, inst->u.s.len);
    if (n <= max)
        return true;
    sch_fail(e, s, kw, inst, "string has %zu %s, expected at most %zu", n, chars_word(n), max);
    return false;
}

bool sch_e_pattern(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
                   sch_ann *ann)
{
    (void)ann;
    if (!sch_is_text(inst))
        return true;
    int r = sch_match(e, kw->regexes[0], kw->value, inst->u.s.ptr, inst->u.s.len);
    if (r != 0)
        return r > 0;
    plu_buf v, p;
    plu_buf_init(&v);
    plu_buf_init(&p);
    if (e->errs && value_text(e, inst, 60, &v) && value_text(e, kw->value, 80, &p))
        sch_fail(e, s, kw, inst, "%s does not match the pattern %s", v.data, p.data);
    plu_buf_free(&v);
    plu_buf_free(&p);
    return false;
}
