/*
** api.c — the engine in the public API: pl_wasm_validate, pl_wasm_describe
** and pl_wasm_run, which load a module from a file and, for run, call one
** export with arguments and results as text.
**
** Text forms (see plinth.h): integers in decimal or 0x hex, signed or not;
** floats in decimal or hex, inf, nan and nan:0x<payload>. Results print as
** TYPE:VALUE with floats in the shortest decimal that reads back to the
** same bits, so every result line reads back as an argument. Numbers are
** read and written in the C locale whatever the caller's locale is.
*/
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wasm_int.h"

#define DEFAULT_FUEL 10000000u
#define DEFAULT_MEM_BYTES 268435456u
#define DEFAULT_TIMEOUT_MS 5000u
#define SHOWN_MAX 40 /* bytes of a user's argument quoted in a message */

/* ---- small helpers ------------------------------------------------------------ */

static void copy_err(char *buf, size_t len, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
}

/* The module's name in messages: the file's base name. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Read and load the module at path. */
static pl_status load_file(const char *path, plw_module **out, pl_err *err)
{
    char *bytes = NULL;
    size_t len = 0;
    pl_status st = plu_read_file(path, &bytes, &len, err);
    if (st != PL_OK)
        return st;
    st = plw_module_load((const uint8_t *)bytes, len, base_name(path), out, err);
    plu_free(bytes);
    return st;
}

/* ---- validate and describe --------------------------------------------------- */

PL_API pl_status pl_wasm_validate(const char *path, char *err, size_t errlen)
{
    copy_err(err, errlen, "");
    if (!path) {
        copy_err(err, errlen, "pl_wasm_validate: path is NULL");
        return PL_E_INVALID_ARG;
    }
    pl_err e;
    plu_err_clear(&e);
    plw_module *m = NULL;
    pl_status st = load_file(path, &m, &e);
    if (st != PL_OK)
        copy_err(err, errlen, e.msg);
    plw_module_free(m);
    return st;
}

/* Set a member of the caller's pl_wasm_counts when it fits in its struct_size. */
#define SET_IF_FITS(s, member, value)                                                     \
    do {                                                                                  \
        if (offsetof(pl_wasm_counts, member) + sizeof((s)->member) <= (s)->struct_size) \
            (s)->member = (value);                                                        \
    } while (0)

PL_API pl_status pl_wasm_describe(const char *path, pl_wasm_counts *out, char *err,
                                  size_t errlen)
{
    copy_err(err, errlen, "");
    if (!path || !out) {
        copy_err(err, errlen, "pl_wasm_describe: path and out are required");
        return PL_E_INVALID_ARG;
    }
    if (out->struct_size == 0 || out->struct_size > sizeof *out) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "pl_wasm_describe: out->struct_size is %u; this libplinth knows "
                 "sizes 1 to %zu (set it to sizeof(pl_wasm_counts))",
                 (unsigned)out->struct_size, sizeof *out);
        copy_err(err, errlen, msg);
        return PL_E_INVALID_ARG;
    }
    pl_err e;
    plu_err_clear(&e);
    plw_module *m = NULL;
    pl_status st = load_file(path, &m, &e);
    if (st != PL_OK) {
        copy_err(err, errlen, e.msg);
        return st;
    }
    SET_IF_FITS(out, functions, m->n_funcs - m->n_func_imports);
    SET_IF_FITS(out, imports, m->n_imports);
    SET_IF_FITS(out, exports, m->n_exports);
    plw_module_free(m);
    return PL_OK;
}

/* ---- options ----------------------------------------------------------------- */

/* The caller's options over the defaults; members beyond struct_size and
** zero members take the defaults. */
static pl_status resolve_opts(const pl_wasm_run_opts *in, pl_wasm_run_opts *o, pl_err *err)
{
    memset(o, 0, sizeof *o);
    if (in) {
        if (in->struct_size == 0 || in->struct_size > sizeof *o)
            return plu_errf(err, PL_E_INVALID_ARG, NULL,
                            "pl_wasm_run: opts->struct_size is %u; this libplinth knows "
                            "sizes 1 to %zu (set it to sizeof(pl_wasm_run_opts))",
                            (unsigned)in->struct_size, sizeof *o);
        memcpy(o, in, in->struct_size);
    }
    o->struct_size = (uint32_t)sizeof *o;
    if (!o->fuel)
        o->fuel = DEFAULT_FUEL;
    if (!o->mem_bytes)
        o->mem_bytes = DEFAULT_MEM_BYTES;
    if (!o->timeout_ms)
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    return PL_OK;
}

/* ---- reading arguments ------------------------------------------------------- */

/* Digits of s (decimal, or hex after 0x) into *v; false on anything else,
** or when the value does not fit in 64 bits. */
static bool read_u64(const char *s, uint64_t *v)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    uint64_t acc = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (acc > (UINT64_MAX - d) / base)
            return false;
        acc = acc * base + d;
    }
    *v = acc;
    return true;
}

/* An integer of `bits` (32 or 64): negative down to -2^(bits-1), unsigned
** up to 2^bits - 1. The result is the two's complement bits. */
static const char *read_int(const char *s, unsigned bits, plw_cell *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    uint64_t mag;
    if (!read_u64(s, &mag))
        return "expected a decimal or 0x hex integer, optionally negative";
    uint64_t umax = bits == 32 ? UINT32_MAX : UINT64_MAX;
    uint64_t nmax = (uint64_t)1 << (bits - 1);
    if (neg ? mag > nmax : mag > umax)
        return bits == 32 ? "out of range: i32 takes -2147483648 to 4294967295"
                          : "out of range: i64 takes -9223372036854775808 to "
                            "18446744073709551615";
    uint64_t v = neg ? (uint64_t)0 - mag : mag;
    *out = bits == 32 ? (uint32_t)v : v;
    return NULL;
}

/* "nan", "nan:0x<payload>" (s after the sign) as the bits of a float of
** `bits` with the given sign. */
static const char *read_nan(const char *s, unsigned bits, bool neg, plw_cell *out)
{
    unsigned mbits = bits == 32 ? 23 : 52;
    uint64_t mask = ((uint64_t)1 << mbits) - 1;
    uint64_t payload = (uint64_t)1 << (mbits - 1); /* canonical */
    if (s[3] == ':') {
        if (strncasecmp(s + 4, "0x", 2) != 0 || !read_u64(s + 4, &payload))
            return "expected nan:0x<hex payload>";
        if (payload == 0 || payload > mask)
            return bits == 32 ? "a NaN payload is 0x1 to 0x7fffff"
                              : "a NaN payload is 0x1 to 0xfffffffffffff";
    } else if (s[3]) {
        return "expected nan or nan:0x<hex payload>";
    }
    uint64_t exp = bits == 32 ? 0x7f800000u : 0x7ff0000000000000u;
    uint64_t sign = neg ? (uint64_t)1 << (bits - 1) : 0;
    *out = sign | exp | payload;
    return NULL;
}

/* A float of `bits`: decimal or hex (rounded once, by strtof or strtod),
** inf, nan, nan:0x<payload>. */
static const char *read_float(const char *s, unsigned bits, plw_cell *out)
{
    const char *t = s + (*s == '-' || *s == '+');
    if (strncasecmp(t, "nan", 3) == 0)
        return read_nan(t, bits, *s == '-', out);
    if (!((*t >= '0' && *t <= '9') || *t == '.' || *t == 'i' || *t == 'I'))
        return "expected a decimal or hex float, inf or nan";
    char *end;
    errno = 0;
    if (bits == 32) {
        float f = strtof(s, &end);
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        *out = u;
    } else {
        double d = strtod(s, &end);
        memcpy(out, &d, sizeof d);
    }
    if (end == s || *end)
        return "expected a decimal or hex float, inf or nan";
    return NULL; /* overflow to inf and underflow round, as in the text format */
}

static const char *read_ref(const char *s, plw_cell *out)
{
    if (strcmp(s, "null") != 0)
        return "only null can be given";
    *out = 0;
    return NULL;
}

/* One argument for a parameter of type t; an error text or NULL. */
static const char *read_value(const char *s, plw_type t, plw_cell *out)
{
    switch (t) {
    case PLW_I32: return read_int(s, 32, out);
    case PLW_I64: return read_int(s, 64, out);
    case PLW_F32: return read_float(s, 32, out);
    case PLW_F64: return read_float(s, 64, out);
    case PLW_FUNCREF:
    case PLW_EXTERNREF: return read_ref(s, out);
    default: return "a parameter type pl_wasm_run cannot fill";
    }
}

/* A "TYPE:" in front of the value, as results print: skipped when it names
** t, an error when it names another type. */
static const char *skip_type_prefix(const char **s, plw_type t)
{
    static const plw_type types[] = {PLW_I32, PLW_I64, PLW_F32, PLW_F64, PLW_FUNCREF,
                                     PLW_EXTERNREF};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *name = plw_type_name(types[i]);
        size_t n = strlen(name);
        if (strncmp(*s, name, n) == 0 && (*s)[n] == ':') {
            if (types[i] != t)
                return "typed as another type";
            *s += n + 1;
            return NULL;
        }
    }
    return NULL;
}

/* The parameter types as "(i32, f64)". */
static void param_list(const plw_functype *ft, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "(");
    for (uint32_t i = 0; i < ft->n_params && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%s", i ? ", " : "",
                              plw_type_name((plw_type)ft->params[i]));
    if (k < len)
        snprintf(out + k, len - k, ")");
}

static pl_status read_args(const plw_module *m, const char *func, const plw_functype *ft,
                           const char *const *args, size_t nargs, plw_cell *cells,
                           pl_err *err)
{
    if (nargs != ft->n_params) {
        char types[256];
        param_list(ft, types, sizeof types);
        return plu_errf(err, PL_E_INVALID_ARG, NULL,
                        "%s: '%s' takes %u argument%s %s, got %zu", m->name, func,
                        ft->n_params, ft->n_params == 1 ? "" : "s", types, nargs);
    }
    for (uint32_t i = 0; i < ft->n_params; i++) {
        plw_type t = (plw_type)ft->params[i];
        const char *s = args[i] ? args[i] : "";
        const char *why = skip_type_prefix(&s, t);
        if (!why)
            why = read_value(s, t, &cells[i]);
        if (why) {
            char shown[SHOWN_MAX + 4];
            return plu_errf(err, PL_E_INVALID_ARG, NULL,
                            "%s: '%s' param %u (%s): cannot read '%s' as %s: %s", m->name,
                            func, i, plw_type_name(t),
                            plu_shown(shown, SHOWN_MAX, args[i] ? args[i] : "",
                                      args[i] ? strlen(args[i]) : 0),
                            plw_type_name(t), why);
        }
    }
    return PL_OK;
}

/* ---- writing results --------------------------------------------------------- */

/* NaN and infinity by their bits: 1 when written, 0 for a finite value, -1
** when out of memory. */
static int put_special(plu_buf *b, uint64_t bits, unsigned width)
{
    unsigned mbits = width == 32 ? 23 : 52;
    uint64_t mask = ((uint64_t)1 << mbits) - 1, payload = bits & mask;
    uint64_t exp = (bits >> mbits) & (width == 32 ? 0xffu : 0x7ffu);
    const char *sign = bits >> (width - 1) & 1 ? "-" : "";
    if (exp != (width == 32 ? 0xffu : 0x7ffu))
        return 0;
    int r;
    if (payload == 0)
        r = plu_buf_printf(b, "%sinf", sign);
    else if (payload == (uint64_t)1 << (mbits - 1))
        r = plu_buf_printf(b, "%snan", sign);
    else
        r = plu_buf_printf(b, "%snan:0x%" PRIx64, sign, payload);
    return r < 0 ? -1 : 1;
}

/* The shortest %g form that reads back to the same bits (9 digits always
** do for f32, 17 for f64). 0, or -1 when out of memory. */
static int put_float(plu_buf *b, plw_cell c, unsigned width)
{
    int special = put_special(b, c, width);
    if (special)
        return special < 0 ? -1 : 0;
    char text[64];
    for (int prec = 1; prec <= 17; prec++) {
        if (width == 32) {
            uint32_t u = (uint32_t)c, back;
            float f;
            memcpy(&f, &u, sizeof f);
            snprintf(text, sizeof text, "%.*g", prec, (double)f);
            float g = strtof(text, NULL);
            memcpy(&back, &g, sizeof back);
            if (back == u)
                break;
        } else {
            double d, g;
            memcpy(&d, &c, sizeof d);
            snprintf(text, sizeof text, "%.*g", prec, d);
            g = strtod(text, NULL);
            if (memcmp(&g, &d, sizeof d) == 0)
                break;
        }
    }
    return plu_buf_puts(b, text);
}

/* One result line, "TYPE:VALUE\n". 0, or -1 when out of memory. */
static int put_value(plu_buf *b, plw_type t, plw_cell c)
{
    if (plu_buf_printf(b, "%s:", plw_type_name(t)) < 0)
        return -1;
    int r;
    switch (t) {
    case PLW_I32: r = plu_buf_printf(b, "%" PRId32, (int32_t)(uint32_t)c); break;
    case PLW_I64: r = plu_buf_printf(b, "%" PRId64, (int64_t)c); break;
    case PLW_F32: r = put_float(b, c, 32); break;
    case PLW_F64: r = put_float(b, c, 64); break;
    default: r = plu_buf_puts(b, c ? "ref" : "null"); break;
    }
    return r < 0 ? -1 : plu_buf_putc(b, '\n');
}

static pl_status format_results(const plw_functype *ft, const plw_cell *cells, char **out,
                                pl_err *err)
{
    plu_buf b;
    plu_buf_init(&b);
    int r = 0;
    for (uint32_t i = 0; i < ft->n_results && r == 0; i++)
        r = put_value(&b, (plw_type)ft->results[i], cells[i]);
    if (r < 0 || !(*out = plu_buf_take(&b))) {
        plu_buf_free(&b);
        return plu_err_nomem(err);
    }
    return PL_OK;
}

/* ---- finding the export -------------------------------------------------------- */

/* No such function: say so, with a near name or the list of exports. */
static pl_status no_export(const plw_module *m, const char *func, pl_err *err)
{
    const char *names[9];
    size_t n = 0, total = plw_module_export_count(m);
    const char *kind = NULL;
    plw_extern_info x;
    for (size_t i = 0; i < total; i++) {
        if (!plw_module_export(m, i, &x))
            continue;
        if (strcmp(x.name, func) == 0)
            kind = x.kind == PLW_EXTERN_TABLE ? "a table"
                   : x.kind == PLW_EXTERN_MEMORY ? "a memory" : "a global";
        else if (x.kind == PLW_EXTERN_FUNC && n < 8)
            names[n++] = x.name;
    }
    names[n] = NULL;
    char shown[SHOWN_MAX + 4];
    plu_shown(shown, SHOWN_MAX, func, strlen(func));
    if (kind)
        return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: export '%s' is %s, not a function",
                        m->name, shown, kind);
    const char *near = plu_suggest(func, names);
    if (near)
        return plu_errf(err, PL_E_NOT_FOUND, NULL,
                        "%s: no exported function '%s' (did you mean '%s'?)", m->name, shown,
                        near);
    char list[300] = "";
    for (size_t i = 0, k = 0; i < n && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", names[i]);
    return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: no exported function '%s' (%s%s)",
                    m->name, shown, n ? "its functions: " : "it exports no functions", list);
}

/* ---- run ------------------------------------------------------------------------- */

typedef struct run_req {
    const char *func;
    const char *const *args;
    size_t nargs;
    pl_wasm_run_opts opts;
    char **out;
    uint64_t *fuel_used;
} run_req;

/* Parse the arguments, call, and format the results. */
static pl_status call_export(plw_instance *inst, const plw_func *f, const run_req *rq,
                             pl_err *err)
{
    const plw_module *m = plw_instance_module(inst);
    plw_functype ft = plw_func_type(f);
    plw_cell *args = plu_calloc(ft.n_params + 1u, sizeof *args);
    plw_cell *res = plu_calloc(ft.n_results + 1u, sizeof *res);
    pl_status st = args && res ? PL_OK : plu_err_nomem(err);
    if (st == PL_OK)
        st = read_args(m, rq->func, &ft, rq->args, rq->nargs, args, err);
    if (st == PL_OK) {
        plw_call_opts co = {.fuel = rq->opts.fuel,
                            .timeout_ns = (uint64_t)rq->opts.timeout_ms * 1000000u};
        plw_call_info info = {0};
        st = plw_call(inst, f, args, res, &co, &info, err);
        if (rq->fuel_used)
            *rq->fuel_used = info.fuel_used;
    }
    if (st == PL_OK && rq->out)
        st = format_results(&ft, res, rq->out, err);
    plu_free(args);
    plu_free(res);
    return st;
}

static pl_status run_module(plw_module *m, const run_req *rq, pl_err *err)
{
    plw_instance_limits lim = {
        .mem_bytes = rq->opts.mem_bytes,
        .start_fuel = rq->opts.fuel,
        .start_timeout_ns = (uint64_t)rq->opts.timeout_ms * 1000000u,
    };
    plw_instance *inst = NULL;
    pl_status st = plw_instantiate(m, NULL, &lim, &inst, err);
    if (st == PL_OK) {
        const plw_func *f = plw_instance_func(inst, rq->func);
        st = f ? call_export(inst, f, rq, err) : no_export(m, rq->func, err);
    }
    plw_instance_free(inst); /* also the dead one a trapping start function leaves */
    return st;
}

/* Numbers are read and printed in the C locale, whatever the caller set. */
static pl_status run_in_c_locale(const char *path, const run_req *rq, pl_err *err)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    plw_module *m = NULL;
    pl_status st = load_file(path, &m, err);
    if (st == PL_OK)
        st = run_module(m, rq, err);
    plw_module_free(m);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    return st;
}

PL_API pl_status pl_wasm_run(const char *path, const char *func, const char *const *args,
                             size_t nargs, const pl_wasm_run_opts *opts, char **out,
                             uint64_t *fuel_used, char *err, size_t errlen)
{
    copy_err(err, errlen, "");
    if (out)
        *out = NULL;
    if (fuel_used)
        *fuel_used = 0;
    pl_err e;
    plu_err_clear(&e);
    run_req rq = {.func = func, .args = args, .nargs = nargs, .out = out,
                  .fuel_used = fuel_used};
    pl_status st;
    if (!path || !func || (nargs && !args))
        st = plu_errf(&e, PL_E_INVALID_ARG, NULL,
                      "pl_wasm_run: path and func are required, and args when nargs > 0");
    else
        st = resolve_opts(opts, &rq.opts, &e);
    if (st == PL_OK)
        st = run_in_c_locale(path, &rq, &e);
    if (st != PL_OK)
        copy_err(err, errlen, e.msg); /* *out is only ever set on success */
    return st;
}
