/*
** schema_eval.c — evaluating compiled schemas: the walk over keywords, the
** dynamic scope ($dynamicRef), reference loop and depth guards, the
** annotations unevaluated* need, and the error list with JSON pointers.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/schema_int.h"

/* ---- annotations ------------------------------------------------------------ */

int sch_ann_init(sch_ann *a, size_t n)
{
    size_t words = (n + 63) / 64;
    a->n = n;
    a->local[0] = a->local[1] = 0;
    a->bits = words <= 2 ? a->local : plu_calloc(words, sizeof *a->bits);
    return a->bits ? 0 : -1;
}

void sch_ann_free(sch_ann *a)
{
    if (a->bits != a->local)
        plu_free(a->bits);
    a->bits = NULL;
}

void sch_ann_set(sch_ann *a, size_t i)
{
    if (a && i < a->n)
        a->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

bool sch_ann_get(const sch_ann *a, size_t i)
{
    return a && i < a->n && (a->bits[i / 64] >> (i % 64)) & 1;
}

void sch_ann_merge(sch_ann *dst, const sch_ann *src)
{
    if (!dst || !src)
        return;
    size_t words = (dst->n < src->n ? dst->n : src->n) + 63;
    for (size_t k = 0; k < words / 64; k++)
        dst->bits[k] |= src->bits[k];
}

size_t sch_ann_size(const plc_node *inst)
{
    if (inst->kind == PLC_TABLE)
        return inst->u.t.len;
    return inst->kind == PLC_ARRAY ? inst->u.a.len : 0;
}

/* ---- errors ---------------------------------------------------------------------- */

bool sch_fatal(sch_ectx *e, pl_status st, const pl_loc *loc, const char *fmt, ...)
{
    if (e->status != PL_OK)
        return false;
    e->status = st;
    va_list ap;
    va_start(ap, fmt);
    plu_verrf(e->err, st, loc, fmt, ap);
    va_end(ap);
    return false;
}

bool sch_fatal_st(sch_ectx *e, pl_status st)
{
    if (e->status == PL_OK)
        e->status = st;
    return false;
}

static int put_path(plu_buf *b, const sch_path *p)
{
    if (!p)
        return 0;
    if (put_path(b, p->up) != 0)
        return -1;
    if (p->key)
        return sch_ptr_push(b, p->key, p->len);
    return plu_buf_printf(b, "/%zu", p->len);
}

static char *keyword_location(const plc_schema *s, const sch_kw *kw)
{
    plu_buf b;
    plu_buf_init(&b);
    if (plu_buf_puts(&b, s->ptr) != 0 ||
        (kw && sch_ptr_push(&b, kw->def->name, strlen(kw->def->name)) != 0)) {
        plu_buf_free(&b);
        return NULL;
    }
    return plu_buf_take(&b);
}

static void error_free(plc_schema_error *x)
{
    plu_free(x->pointer);
    plu_free(x->keyword);
    plu_free(x->message);
}

/* Record an error at the current location plus `extra` (may be NULL). */
static void report(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const sch_path *extra,
                   pl_loc loc, const char *fmt, va_list ap) PLU_PRINTF(6, 0);
static void report(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const sch_path *extra,
                   pl_loc loc, const char *fmt, va_list ap)
{
    plc_schema_errors *errs = e->errs;
    if (!errs || e->status != PL_OK || errs->len >= (errs->max ? errs->max : SCH_MAX_ERRORS))
        return;
    plc_schema_error x = {.loc = loc, .schema_loc = kw ? kw->value->loc : s->node->loc};
    plu_buf b;
    plu_buf_init(&b);
    int rc = put_path(&b, e->path) == 0 && (!extra || put_path(&b, extra) == 0) ? 0 : -1;
    x.pointer = rc == 0 ? plu_buf_take(&b) : NULL;
    plu_buf_free(&b);
    rc = rc == 0 ? plu_buf_vprintf(&b, fmt, ap) : -1;
    x.message = rc == 0 ? plu_buf_take(&b) : NULL;
    x.keyword = keyword_location(s, kw);
    if (!x.pointer || !x.message || !x.keyword ||
        sch_vec_push(&errs->items, &errs->len, &errs->cap, sizeof x, &x) != 0) {
        error_free(&x);
        plu_buf_free(&b);
        sch_fatal_st(e, plu_err_nomem(e->err));
    }
}

void sch_fail(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(e, s, kw, NULL, inst->loc, fmt, ap);
    va_end(ap);
}

void sch_fail_member(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                     const plc_member *m, const char *fmt, ...)
{
    sch_path seg = {NULL, m->key, m->key_len};
    va_list ap;
    va_start(ap, fmt);
    report(e, s, kw, &seg, m->key_loc.file ? m->key_loc : m->value->loc, fmt, ap);
    va_end(ap);
}

void sch_fail_item(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *arr,
                   size_t i, const char *fmt, ...)
{
    sch_path seg = {NULL, NULL, i};
    va_list ap;
    va_start(ap, fmt);
    report(e, s, kw, &seg, arr->u.a.items[i]->loc, fmt, ap);
    va_end(ap);
}

/* ---- evaluation -------------------------------------------------------------------- */

static bool eval_keywords(sch_ectx *e, const plc_schema *s, const plc_node *inst,
                          sch_ann *ann)
{
    bool ok = true;
    for (size_t k = 0; k < s->nkw && e->status == PL_OK; k++) {
        const sch_kw *kw = &s->kw[k];
        if (!kw->def->eval || ((s->flags & SCH_F_REF_ONLY) && kw->def->eval != sch_e_ref))
            continue;
        if (!kw->def->eval(e, s, kw, inst, ann)) {
            ok = false;
            if (!sch_go_on(e))
                break;
        }
    }
    return ok && e->status == PL_OK;
}

/* With unevaluated* here, collect this schema's own annotations and pass
** them up when it succeeds. */
static bool eval_collecting(sch_ectx *e, const plc_schema *s, const plc_node *inst,
                            sch_ann *ann)
{
    sch_ann local;
    if (sch_ann_init(&local, sch_ann_size(inst)) != 0)
        return sch_fatal_st(e, plu_err_nomem(e->err));
    bool ok = eval_keywords(e, s, inst, &local);
    if (ok)
        sch_ann_merge(ann, &local);
    sch_ann_free(&local);
    return ok;
}

bool sch_eval(sch_ectx *e, const plc_schema *s, const plc_node *inst, sch_ann *ann)
{
    if (e->status != PL_OK)
        return false;
    if (s->flags & SCH_F_TRUE)
        return true;
    if (s->flags & SCH_F_FALSE) {
        sch_fail(e, s, NULL, inst, "no value is allowed here (the schema is false)");
        return false;
    }
    if (e->depth >= SCH_MAX_DEPTH)
        return sch_fatal(e, PL_E_LIMIT, &s->node->loc,
                         "schema evaluation nests deeper than %d levels", SCH_MAX_DEPTH);
    sch_scope scope = {e->scope, s->res};
    bool enter = !e->scope || e->scope->res != s->res;
    if (enter)
        e->scope = &scope;
    e->depth++;
    bool ok = s->flags & SCH_F_UNEVAL ? eval_collecting(e, s, inst, ann)
                                      : eval_keywords(e, s, inst, ann);
    e->depth--;
    if (enter)
        e->scope = scope.up;
    return ok;
}

bool sch_eval_member(sch_ectx *e, const plc_schema *s, const plc_member *m)
{
    sch_path seg = {e->path, m->key, m->key_len};
    e->path = &seg;
    bool ok = sch_eval(e, s, m->value, NULL);
    e->path = seg.up;
    return ok;
}

bool sch_eval_item(sch_ectx *e, const plc_schema *s, const plc_node *arr, size_t i)
{
    sch_path seg = {e->path, NULL, i};
    e->path = &seg;
    bool ok = sch_eval(e, s, arr->u.a.items[i], NULL);
    e->path = seg.up;
    return ok;
}

bool sch_eval_quiet(sch_ectx *e, const plc_schema *s, const plc_node *inst, sch_ann *ann)
{
    plc_schema_errors *saved = e->errs;
    e->errs = NULL;
    bool ok = sch_eval(e, s, inst, ann);
    e->errs = saved;
    return ok;
}

bool sch_eval_ref(sch_ectx *e, const sch_kw *kw, const plc_schema *target,
                  const plc_node *inst, sch_ann *ann)
{
    for (const sch_frame *f = e->refs; f; f = f->up)
        if (f->s == target && f->inst == inst)
            return sch_fatal(e, PL_E_CONFIG, &kw->value->loc,
                             "'%s' \"%s\" leads back to itself without any progress "
                             "(an infinite loop)", kw->def->name, kw->value->u.s.ptr);
    sch_frame frame = {e->refs, target, inst};
    e->refs = &frame;
    bool ok = sch_eval(e, target, inst, ann);
    e->refs = frame.up;
    return ok;
}

int sch_match(sch_ectx *e, const sch_regex *re, const plc_node *pattern, const char *s,
              size_t n)
{
    int r = sch_regex_search(re, s, n);
    if (r >= 0)
        return r;
    if (r == -2)
        return sch_fatal_st(e, plu_err_nomem(e->err)), -1;
    sch_fatal(e, PL_E_LIMIT, &pattern->loc, "the regular expression needs too many steps "
              "(catastrophic backtracking) on a %zu-byte string", n);
    return -1;
}

/* The first message evaluating s against inst gives, or NULL. */
char *sch_first_reason(sch_ectx *e, const plc_schema *s, const plc_node *inst)
{
    plc_schema_errors tmp = {.max = 1};
    plc_schema_errors *saved = e->errs;
    e->errs = &tmp;
    sch_eval(e, s, inst, NULL);
    e->errs = saved;
    char *msg = NULL;
    if (tmp.len) {
        msg = tmp.items[0].message;
        tmp.items[0].message = NULL;
    }
    plc_schema_errors_free(&tmp);
    return msg;
}

/* ---- public entry points ------------------------------------------------------------ */

void plc_schema_errors_init(plc_schema_errors *errs)
{
    memset(errs, 0, sizeof *errs);
}

void plc_schema_errors_free(plc_schema_errors *errs)
{
    for (size_t k = 0; k < errs->len; k++)
        error_free(&errs->items[k]);
    plu_free(errs->items);
    errs->items = NULL;
    errs->len = errs->cap = 0;
}

pl_status plc_schema_validate(plc_schema_reg *reg, const plc_schema *schema,
                              const plc_node *instance, plc_schema_errors *errs,
                              pl_err *err)
{
    if (!reg || !schema || !instance)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "plc_schema_validate: missing argument");
    sch_ectx e = {.reg = reg, .errs = errs, .err = err};
    size_t before = errs ? errs->len : 0;
    bool ok = sch_eval(&e, schema, instance, NULL);
    if (e.status != PL_OK)
        return e.status;
    if (ok)
        return PL_OK;
    if (errs && errs->len == before)
        sch_fail(&e, schema, NULL, instance, "value does not match the schema");
    return e.status != PL_OK ? e.status : PL_E_SCHEMA;
}

int plc_schema_errors_format(const plc_schema_errors *errs, plu_buf *out)
{
    for (size_t k = 0; k < errs->len; k++) {
        const plc_schema_error *x = &errs->items[k];
        const char *ptr = x->pointer[0] ? x->pointer : "(root)";
        int rc;
        if (x->loc.file && x->loc.line)
            rc = plu_buf_printf(out, "%s:%u:%u: %s: %s\n", x->loc.file, (unsigned)x->loc.line,
                                (unsigned)x->loc.col, ptr, x->message);
        else
            rc = plu_buf_printf(out, "%s: %s\n", ptr, x->message);
        if (rc != 0)
            return -1;
    }
    return 0;
}
