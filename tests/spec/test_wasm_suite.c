/*
** test_wasm_suite.c — plinth's WebAssembly engine against the official core
** spec suite (PL_SHARED_DIR/wasm-testsuite, 90 .wast files; see its README).
**
** wasm_suite.cmake converts each NAME.wast with wast2json into
** PLW_SPEC_DIR/NAME/ (NAME.json, the command list, next to the modules it
** names) and lists the files in wasm_spec_files.h. Each file is one
** Criterion case and so one CTest test, wasm_spec/NAME ('-' becomes '_'):
**   ctest --test-dir build -R '^wasm_spec/'          the whole suite
**   build/tests/test_wasm_suite --filter 'wasm_spec/i32'   one file
** A file passes when every command does. Each prints
** "NAME.wast: N passed, N failed, N skipped" and one line per failure,
** "FAIL NAME.wast:LINE: COMMAND ...: what happened"; the runner ends with a
** total line (and a table when it ran several files).
**
** Every command of a script runs against one store: the "spectest" module
** (spectest.wat for its globals, table and memory, host functions here for
** the print_* functions), the script's modules, and a linker that offers
** both under the names "register" gave them. The script's rules:
**   assert_return     results compared bit for bit; nan:canonical and
**                     nan:arithmetic for floats; references null or not
**   assert_trap       the call traps (PL_E_TRAP or PL_E_LIMIT)
**   assert_exhaustion the call traps with "call stack exhausted"
**   assert_invalid    plw_module_load fails with PL_E_INVALID_ARG
**   assert_malformed  a binary module fails to load; a module in the text
**                     format is skipped (the engine has no text parser) —
**                     the only commands ever skipped
**   assert_unlinkable plw_instantiate fails with PL_E_NOT_FOUND or
**                     PL_E_INVALID_ARG
**   assert_uninstantiable  plw_instantiate fails with PL_E_TRAP
** Where the spec gives a message for a trap or a link failure and the
** engine words it differently, the command still passes; the difference is
** counted ("N texts differ") and printed as a "note".
**
** Values: wast2json writes every number as the decimal of its bits. The
** spec's host references (ref.extern N) become the externref cell N+1, so
** 0 stays null.
**
** Environment: WASM_SPEC_VERBOSE=1 prints every failure and note (without
** it, the first 40 of each per file); WASM_SPEC_TRACE=1 prints each command
** before it runs, to find the one that crashes.
*/
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"


#define SPEC_FILES 90          /* .wast files in wasm-testsuite (its README) */
#define MAX_VALS 256           /* params or results of one call */
#define MAX_PRINTED 40         /* failure (and note) lines per file */
#define CALL_TIMEOUT_NS (20ull * 1000000000ull) /* a runaway loop fails, not hangs */
#define SPEC_MEM_BYTES (65536ull * 65536ull)    /* 4 GiB: the spec's own limit */

/* The spec keeps an instance usable after a trap: a script goes on calling
** the module that just trapped, and expects its memory, tables and globals
** as the trap left them. plinth retires a trapped instance (a sandbox
** policy), so the runner revives it. Export names may hold NUL bytes
** (names.wast), hence the length-taking lookup. */
static void revive(plw_instance *inst)
{
    plw_instance_revive(inst);
}

static const plw_func *func_by_name(plw_instance *inst, const char *name, size_t len)
{
    return plw_instance_func_n(inst, name, len);
}

/* ---- one script's state ------------------------------------------------- */

typedef struct counts {
    int passed, failed, skipped;
    int texts; /* traps and link failures worded differently from the spec */
} counts;

typedef enum res { PASS, FAIL, SKIP } res;

typedef struct named {
    char *name; /* "$M" as wast2json writes it */
    plw_instance *inst;
} named;

typedef struct script {
    const char *name;        /* "i32": the .wast without its suffix */
    char dir[1024];          /* its JSON and modules */
    plw_linker *linker;
    plw_instance *current;   /* the last module defined; NULL when it failed */
    long current_line;       /* the line that defined it */
    plw_instance **insts;    /* everything instantiated, freed at the end */
    size_t n_insts, cap_insts;
    named *named;
    size_t n_named, cap_named;
    long line;               /* the command running */
    const char *cmd;         /* its type */
    char what[512];          /* its action, "invoke \"f\"(i32:1)", or module file */
    char why[PL_ERR_MSG_MAX + 1024]; /* why it failed */
    counts c;
    int printed, noted;
    bool verbose;
} script;

/* Record why the command failed; returns FAIL. */
static res failf(script *s, const char *fmt, ...) PLU_PRINTF(2, 3);
static res failf(script *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    return FAIL;
}

/* A difference worth knowing that does not fail the command. */
static void note(script *s, const char *fmt, ...) PLU_PRINTF(2, 3);
static void note(script *s, const char *fmt, ...)
{
    s->c.texts++;
    if (!s->verbose && s->noted++ >= MAX_PRINTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("note %s.wast:%ld: %s %s: ", s->name, s->line, s->cmd, s->what);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    void *q = realloc(p, *cap * size);
    cr_assert_not_null(q, "out of memory");
    return q;
}

static void keep(script *s, plw_instance *inst)
{
    s->insts = grow(s->insts, &s->cap_insts, s->n_insts, sizeof *s->insts);
    s->insts[s->n_insts++] = inst;
}

/* A later module of the same name replaces the earlier one. */
static void add_named(script *s, const char *name, plw_instance *inst)
{
    s->named = grow(s->named, &s->cap_named, s->n_named, sizeof *s->named);
    s->named[s->n_named].name = strdup(name);
    s->named[s->n_named++].inst = inst;
}

/* The module an action or register names, or the current one. */
static plw_instance *module_of(script *s, const char *name)
{
    if (!name) {
        if (!s->current && s->current_line)
            failf(s, "no module: the module of line %ld failed", s->current_line);
        else if (!s->current)
            failf(s, "no module defined yet");
        return s->current;
    }
    for (size_t i = s->n_named; i-- > 0;)
        if (strcmp(s->named[i].name, name) == 0)
            return s->named[i].inst;
    failf(s, "no module %s (it failed, or was never defined)", name);
    return NULL;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- values ------------------------------------------------------------- */

typedef enum pattern { EXACT, NAN_CANONICAL, NAN_ARITHMETIC, NON_NULL } pattern;

typedef struct wval {
    plw_type type;
    plw_cell bits;
    pattern pat;
} wval;

static const struct {
    const char *name;
    plw_type type;
} value_types[] = {
    {"i32", PLW_I32}, {"i64", PLW_I64}, {"f32", PLW_F32},
    {"f64", PLW_F64}, {"funcref", PLW_FUNCREF}, {"externref", PLW_EXTERNREF},
};

static bool is_ref(plw_type t)
{
    return t == PLW_FUNCREF || t == PLW_EXTERNREF;
}

/* A reference: "null", a host value N (externref N+1), or no value at all,
** which as an expectation means any non-null reference. */
static bool parse_ref(script *s, const char *v, bool arg, wval *out)
{
    if (!v || (out->type == PLW_FUNCREF && strcmp(v, "null") != 0)) {
        out->pat = NON_NULL;
        if (arg)
            failf(s, "a non-null funcref argument cannot come from the host");
        return !arg;
    }
    if (strcmp(v, "null") == 0)
        return true;
    char *end;
    errno = 0;
    out->bits = strtoull(v, &end, 10) + 1;
    if (*end == '\0' && errno == 0)
        return true;
    failf(s, "bad externref \"%s\"", v);
    return false;
}

/* One {"type": T, "value": V} of wast2json: an argument, or (arg false)
** an expected result, which may be a NaN pattern. */
static bool parse_val(script *s, const json_t *j, bool arg, wval *out)
{
    const char *t = jstr(j, "type"), *v = jstr(j, "value");
    *out = (wval){0};
    size_t k = 0;
    while (k < sizeof value_types / sizeof value_types[0] &&
           (!t || strcmp(t, value_types[k].name) != 0))
        k++;
    if (k == sizeof value_types / sizeof value_types[0]) {
        failf(s, "value type %s is not in the engine's scope", t ? t : "(none)");
        return false;
    }
    out->type = value_types[k].type;
    if (is_ref(out->type))
        return parse_ref(s, v, arg, out);
    if (v && !arg && strncmp(v, "nan:", 4) == 0) {
        out->pat = strcmp(v, "nan:canonical") == 0 ? NAN_CANONICAL : NAN_ARITHMETIC;
        return true;
    }
    char *end = NULL;
    errno = 0;
    out->bits = v ? strtoull(v, &end, 10) : 0;
    bool narrow = out->type == PLW_I32 || out->type == PLW_F32;
    if (v && !*end && !errno && !(narrow && out->bits > UINT32_MAX))
        return true;
    failf(s, "bad %s value \"%s\"", t, v ? v : "(none)");
    return false;
}

/* A cell as "i32:-1", "f32:1.5[0x3fc00000]", "ref.extern:3", ... */
static const char *fmt_cell(plw_type t, plw_cell v, char *buf, size_t n)
{
    bool narrow = t == PLW_I32 || t == PLW_F32;
    if (narrow && v >> 32) { /* wasm.h promises zero upper bits */
        snprintf(buf, n, "%s:[cell 0x%016" PRIx64 ", upper bits not zero]", plw_type_name(t), v);
        return buf;
    }
    float f;
    double d;
    uint32_t lo = (uint32_t)v;
    switch (t) {
    case PLW_I32: snprintf(buf, n, "i32:%" PRId32, (int32_t)lo); break;
    case PLW_I64: snprintf(buf, n, "i64:%" PRId64, (int64_t)v); break;
    case PLW_F32:
        memcpy(&f, &lo, sizeof f);
        snprintf(buf, n, "f32:%.9g[0x%08" PRIx32 "]", (double)f, lo);
        break;
    case PLW_F64:
        memcpy(&d, &v, sizeof d);
        snprintf(buf, n, "f64:%.17g[0x%016" PRIx64 "]", d, v);
        break;
    case PLW_EXTERNREF:
        if (v)
            snprintf(buf, n, "ref.extern:%" PRIu64, v - 1);
        else
            snprintf(buf, n, "ref.null extern");
        break;
    case PLW_FUNCREF: snprintf(buf, n, "%s", v ? "ref.func" : "ref.null func"); break;
    default: snprintf(buf, n, "%s:0x%" PRIx64, plw_type_name(t), v); break;
    }
    return buf;
}

static const char *fmt_want(const wval *w, char *buf, size_t n)
{
    if (w->pat == NAN_CANONICAL || w->pat == NAN_ARITHMETIC)
        snprintf(buf, n, "%s:nan:%s", plw_type_name(w->type),
                 w->pat == NAN_CANONICAL ? "canonical" : "arithmetic");
    else if (w->pat == NON_NULL)
        snprintf(buf, n, "%s", w->type == PLW_FUNCREF ? "ref.func" : "ref.extern");
    else
        return fmt_cell(w->type, w->bits, buf, n);
    return buf;
}

/* The spec's NaN patterns: canonical is the quiet NaN with an empty
** payload, either sign; arithmetic is any quiet NaN. Narrow values must
** also have zero upper bits. */
static bool matches(const wval *w, plw_cell got)
{
    bool f32 = w->type == PLW_F32;
    uint64_t sign = f32 ? 0x80000000u : UINT64_C(0x8000000000000000);
    uint64_t quiet = f32 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
    switch (w->pat) {
    case NAN_CANONICAL: return (got & ~sign) == quiet;
    case NAN_ARITHMETIC: return (got & ~sign & (f32 ? ~UINT64_C(0x3fffff) : quiet)) == quiet;
    case NON_NULL: return got != 0;
    default: return got == w->bits;
    }
}

/* ---- actions ------------------------------------------------------------ */

typedef struct call {
    pl_status st;            /* of plw_call: PL_OK or a trap */
    plw_call_info info;
    pl_err err;
    uint32_t n_results;
    plw_type types[MAX_VALS];
    plw_cell results[MAX_VALS];
} call;

/* s->what = invoke "field"(args) for messages. */
static void describe(script *s, const char *type, const char *field, const wval *args,
                     size_t n)
{
    size_t len = (size_t)snprintf(s->what, sizeof s->what, "%s \"%s\"", type, field);
    for (size_t i = 0; i < n && len < sizeof s->what; i++) {
        char v[64];
        len += (size_t)snprintf(s->what + len, sizeof s->what - len, "%s%s", i ? ", " : "(",
                                fmt_cell(args[i].type, args[i].bits, v, sizeof v));
    }
    if (n && len < sizeof s->what)
        snprintf(s->what + len, sizeof s->what - len, ")");
}

static res get_global(script *s, plw_instance *inst, const char *field, call *c)
{
    describe(s, "get", field, NULL, 0);
    if (!plw_instance_global(inst, field, &c->types[0], &c->results[0]))
        return failf(s, "no exported global \"%s\"", field);
    c->n_results = 1;
    return PASS;
}

/* The arguments of an invoke against the function's parameter types. */
static res read_args(script *s, const json_t *args, plw_functype ft, wval *out)
{
    if (json_array_size(args) != ft.n_params)
        return failf(s, "%zu arguments for %u parameters", json_array_size(args), ft.n_params);
    for (uint32_t i = 0; i < ft.n_params; i++) {
        if (!parse_val(s, json_array_get(args, i), true, &out[i]))
            return FAIL;
        if (out[i].type != ft.params[i])
            return failf(s, "argument %u is %s, the parameter %s", i,
                         plw_type_name(out[i].type), plw_type_name(ft.params[i]));
    }
    return PASS;
}

/* Run an action; PASS when it ran (c->st says whether it trapped), FAIL
** when it could not be run at all (no module, no export, bad arguments). */
static res run_action(script *s, const json_t *a, call *c)
{
    const char *type = jstr(a, "type"), *field = jstr(a, "field");
    memset(c, 0, sizeof *c);
    snprintf(s->what, sizeof s->what, "%s", type ? type : "action");
    plw_instance *inst = module_of(s, jstr(a, "module"));
    if (!inst || !field)
        return inst ? failf(s, "the action has no field") : FAIL;
    if (type && strcmp(type, "get") == 0)
        return get_global(s, inst, field, c);
    describe(s, "invoke", field, NULL, 0);
    if (!type || strcmp(type, "invoke") != 0)
        return failf(s, "unknown action %s", type ? type : "(none)");
    const plw_func *f = func_by_name(inst, field, json_string_length(json_object_get(a, "field")));
    if (!f)
        return failf(s, "no exported function \"%s\"", field);
    plw_functype ft = plw_func_type(f);
    if (ft.n_params > MAX_VALS || ft.n_results > MAX_VALS)
        return failf(s, "more than %d params or results", MAX_VALS);
    wval args[MAX_VALS];
    if (read_args(s, json_object_get(a, "args"), ft, args) != PASS)
        return FAIL;
    describe(s, "invoke", field, args, ft.n_params);
    plw_cell argv[MAX_VALS];
    for (uint32_t i = 0; i < ft.n_params; i++)
        argv[i] = args[i].bits;
    plw_call_opts opts = {.timeout_ns = CALL_TIMEOUT_NS};
    plu_err_clear(&c->err);
    c->st = plw_call(inst, f, argv, c->results, &opts, &c->info, &c->err);
    if (plw_instance_dead(inst))
        revive(inst);
    c->n_results = ft.n_results;
    for (uint32_t i = 0; i < ft.n_results; i++)
        c->types[i] = (plw_type)ft.results[i];
    return PASS;
}

/* "(i32:1, f32:nan[...])" */
static const char *fmt_results(const call *c, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "(");
    for (uint32_t i = 0; i < c->n_results && len < n; i++) {
        char v[64];
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                                fmt_cell(c->types[i], c->results[i], v, sizeof v));
    }
    if (len < n)
        snprintf(buf + len, n - len, ")");
    return buf;
}

/* ---- modules ------------------------------------------------------------ */

/* Does a binary module have a section of this id? (The sections' framing
** only; false for anything malformed.) */
static bool has_section(const uint8_t *b, size_t len, uint8_t id)
{
    size_t i = 8;
    while (i < len) {
        uint8_t sec = b[i++];
        uint64_t size = 0;
        for (unsigned shift = 0; i < len && shift < 35; shift += 7) {
            size |= (uint64_t)(b[i] & 0x7f) << shift;
            if (!(b[i++] & 0x80))
                break;
        }
        if (sec == id)
            return true;
        if (size > len - i)
            return false;
        i += (size_t)size;
    }
    return false;
}

/* Load a module file of the script; *datacount (when asked) says whether
** it has a data count section. PL_E_IO: the file could not be read (the
** engine never answers that, so it cannot pass for a rejection). */
static pl_status load(script *s, const char *file, plw_module **m, pl_err *err, bool *datacount)
{
    char path[2048];
    char *bytes;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", s->dir, file ? file : "(none)");
    *m = NULL;
    pl_status st = plu_read_file(path, &bytes, &len, err);
    if (st != PL_OK)
        return st;
    if (datacount)
        *datacount = has_section((const uint8_t *)bytes, len, 12);
    st = plw_module_load((const uint8_t *)bytes, len, file, m, err);
    plu_free(bytes);
    return st;
}

/* Instantiate with the spec's memory limit; whatever instance comes back
** (a trapped one too: what it wrote into shared tables stays callable) is
** kept until the script ends. */
static pl_status instantiate(script *s, plw_module *m, plw_instance **out, pl_err *err)
{
    plw_instance_limits lim = {.mem_bytes = SPEC_MEM_BYTES};
    *out = NULL;
    pl_status st = plw_instantiate(m, s->linker, &lim, out, err);
    if (*out)
        keep(s, *out);
    return st;
}

/* Load a module that must load, for the assertions about instantiation. */
static plw_module *load_or_fail(script *s, const json_t *cmd, res *r)
{
    plw_module *m;
    pl_err err;
    const char *file = jstr(cmd, "filename");
    snprintf(s->what, sizeof s->what, "%s", file ? file : "(no file)");
    pl_status st = load(s, file, &m, &err, NULL);
    if (st != PL_OK)
        *r = failf(s, "load failed (%s): %s", pl_status_str(st), err.msg);
    return m;
}

/* Does the engine's message say what the spec says? A prefix of the spec's
** text is enough ("uninitialized element 2" is "uninitialized element"). */
static void check_text(script *s, const char *msg, plw_trap_kind kind, const char *want)
{
    if (!want || strstr(msg, want))
        return;
    const char *kind_text = kind ? plw_trap_str(kind) : NULL;
    if (kind_text && strncmp(want, kind_text, strlen(kind_text)) == 0)
        return;
    note(s, "the spec says \"%s\", the engine \"%s\"", want, msg);
}

/* ---- the commands ----------------------------------------------------- */

static res cmd_module(script *s, const json_t *cmd)
{
    const char *name = jstr(cmd, "name");
    res r = PASS;
    s->current = NULL;
    s->current_line = s->line;
    plw_module *m = load_or_fail(s, cmd, &r);
    if (!m)
        return r;
    plw_instance *inst;
    pl_err err;
    pl_status st = instantiate(s, m, &inst, &err);
    plw_module_free(m);
    if (st != PL_OK)
        return failf(s, "instantiation failed (%s): %s", pl_status_str(st), err.msg);
    s->current = inst;
    if (name)
        add_named(s, name, inst);
    return PASS;
}

static res cmd_register(script *s, const json_t *cmd)
{
    const char *as = jstr(cmd, "as");
    snprintf(s->what, sizeof s->what, "\"%s\"", as ? as : "(none)");
    plw_instance *inst = module_of(s, jstr(cmd, "name"));
    if (!inst || !as)
        return inst ? failf(s, "no \"as\"") : FAIL;
    pl_status st = plw_linker_instance(s->linker, as, inst);
    return st == PL_OK ? PASS : failf(s, "plw_linker_instance: %s", pl_status_str(st));
}

static res cmd_action(script *s, const json_t *cmd)
{
    call c;
    if (run_action(s, json_object_get(cmd, "action"), &c) != PASS)
        return FAIL;
    return c.st == PL_OK ? PASS : failf(s, "failed (%s): %s", pl_status_str(c.st), c.err.msg);
}

static res cmd_assert_return(script *s, const json_t *cmd)
{
    call c;
    if (run_action(s, json_object_get(cmd, "action"), &c) != PASS)
        return FAIL;
    if (c.st != PL_OK)
        return failf(s, "failed (%s): %s", pl_status_str(c.st), c.err.msg);
    const json_t *expected = json_object_get(cmd, "expected");
    size_t n = json_array_size(expected);
    char got[1024], want[1024];
    bool same = n == c.n_results;
    size_t len = (size_t)snprintf(want, sizeof want, "(");
    for (size_t i = 0; i < n && i < MAX_VALS; i++) {
        wval w;
        char v[64];
        if (!parse_val(s, json_array_get(expected, i), false, &w))
            return FAIL;
        same = same && w.type == c.types[i] && matches(&w, c.results[i]);
        if (len < sizeof want)
            len += (size_t)snprintf(want + len, sizeof want - len, "%s%s", i ? ", " : "",
                                    fmt_want(&w, v, sizeof v));
    }
    if (len < sizeof want)
        snprintf(want + len, sizeof want - len, ")");
    return same ? PASS : failf(s, "got %s, expected %s", fmt_results(&c, got, sizeof got), want);
}

/* assert_trap and assert_exhaustion: the call must trap. */
static res expect_trap(script *s, const json_t *cmd, bool exhaustion)
{
    call c;
    const char *text = jstr(cmd, "text");
    char got[1024];
    if (run_action(s, json_object_get(cmd, "action"), &c) != PASS)
        return FAIL;
    if (c.st == PL_OK)
        return failf(s, "returned %s, expected the trap \"%s\"", fmt_results(&c, got, sizeof got),
                     text ? text : "");
    if (c.st != PL_E_TRAP && c.st != PL_E_LIMIT)
        return failf(s, "failed with %s, not a trap: %s", pl_status_str(c.st), c.err.msg);
    if (exhaustion && c.info.trap != PLW_TRAP_STACK)
        return failf(s, "trapped with \"%s\", expected call stack exhausted", c.err.msg);
    check_text(s, c.err.msg, c.info.trap, text);
    return PASS;
}

static res cmd_assert_trap(script *s, const json_t *cmd)
{
    return expect_trap(s, cmd, false);
}

static res cmd_assert_exhaustion(script *s, const json_t *cmd)
{
    return expect_trap(s, cmd, true);
}

static bool text_module(script *s, const json_t *cmd)
{
    const char *type = jstr(cmd, "module_type");
    snprintf(s->what, sizeof s->what, "%s", jstr(cmd, "filename") ? jstr(cmd, "filename") : "");
    return type && strcmp(type, "text") == 0;
}

static res cmd_assert_invalid(script *s, const json_t *cmd)
{
    if (text_module(s, cmd))
        return failf(s, "an invalid module in the text format");
    plw_module *m;
    pl_err err;
    bool datacount;
    const char *text = jstr(cmd, "text");
    pl_status st = load(s, jstr(cmd, "filename"), &m, &err, &datacount);
    plw_module_free(m);
    if (st == PL_OK)
        return failf(s, "loaded, but the module is invalid: \"%s\"", text);
    if (st == PL_E_IO)
        return failf(s, "%s", err.msg);
    /* In the text format a data.drop with no data segment is invalid; in the
    ** binary that wast2json writes for it (no data count section) it is
    ** already malformed (spec 5.5.16), and decoding must say so first. */
    if (st == PL_E_SYNTAX && !datacount && text && strcmp(text, "unknown data segment") == 0)
        return PASS;
    if (st != PL_E_INVALID_ARG)
        return failf(s, "rejected with %s, expected a validation error (\"%s\"): %s",
                     pl_status_str(st), text, err.msg);
    return PASS;
}

static res cmd_assert_malformed(script *s, const json_t *cmd)
{
    if (text_module(s, cmd))
        return SKIP;
    plw_module *m;
    pl_err err;
    pl_status st = load(s, jstr(cmd, "filename"), &m, &err, NULL);
    plw_module_free(m);
    if (st == PL_OK)
        return failf(s, "loaded, but the module is malformed: \"%s\"", jstr(cmd, "text"));
    /* Out of memory means a count was believed before it was checked. */
    if (st == PL_E_IO || st == PL_E_NOMEM)
        return failf(s, "%s (%s), expected a rejection (\"%s\")", err.msg, pl_status_str(st),
                     jstr(cmd, "text"));
    return PASS;
}

static res cmd_assert_unlinkable(script *s, const json_t *cmd)
{
    res r = PASS;
    plw_module *m = load_or_fail(s, cmd, &r);
    if (!m)
        return r;
    plw_instance *inst;
    pl_err err;
    pl_status st = instantiate(s, m, &inst, &err);
    plw_module_free(m);
    if (st == PL_OK)
        return failf(s, "instantiated, expected a link error \"%s\"", jstr(cmd, "text"));
    if (st != PL_E_NOT_FOUND && st != PL_E_INVALID_ARG)
        return failf(s, "failed with %s, expected a link error (\"%s\"): %s", pl_status_str(st),
                     jstr(cmd, "text"), err.msg);
    check_text(s, err.msg, PLW_TRAP_NONE, jstr(cmd, "text"));
    return PASS;
}

static res cmd_assert_uninstantiable(script *s, const json_t *cmd)
{
    res r = PASS;
    plw_module *m = load_or_fail(s, cmd, &r);
    if (!m)
        return r;
    plw_instance *inst;
    pl_err err;
    pl_status st = instantiate(s, m, &inst, &err);
    plw_module_free(m);
    if (st == PL_OK)
        return failf(s, "instantiated, expected the trap \"%s\"", jstr(cmd, "text"));
    if (st != PL_E_TRAP)
        return failf(s, "failed with %s, expected a trap (\"%s\"): %s", pl_status_str(st),
                     jstr(cmd, "text"), err.msg);
    check_text(s, err.msg, PLW_TRAP_NONE, jstr(cmd, "text"));
    return PASS;
}

static const struct {
    const char *type;
    res (*run)(script *s, const json_t *cmd);
} commands[] = {
    {"module", cmd_module},
    {"register", cmd_register},
    {"action", cmd_action},
    {"assert_return", cmd_assert_return},
    {"assert_trap", cmd_assert_trap},
    {"assert_exhaustion", cmd_assert_exhaustion},
    {"assert_invalid", cmd_assert_invalid},
    {"assert_malformed", cmd_assert_malformed},
    {"assert_unlinkable", cmd_assert_unlinkable},
    {"assert_uninstantiable", cmd_assert_uninstantiable},
};

/* ---- the spectest module ------------------------------------------------ */

/* print, print_i32, ...: the suite only needs them to exist. */
static int spectest_print(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    return 0;
}

static void add_spectest(script *s)
{
    static const char *const prints[][2] = {
        {"print", "()"},          {"print_i32", "(i)"},     {"print_i64", "(I)"},
        {"print_f32", "(f)"},     {"print_f64", "(F)"},     {"print_i32_f32", "(if)"},
        {"print_f64_f64", "(FF)"},
    };
    char *bytes;
    size_t len;
    plw_module *m;
    plw_instance *inst;
    pl_err err;
    cr_assert_eq(plu_read_file(PLW_SPEC_DIR "/spectest.wasm", &bytes, &len, &err), PL_OK, "%s",
                 err.msg);
    cr_assert_eq(plw_module_load((const uint8_t *)bytes, len, "spectest.wasm", &m, &err), PL_OK,
                 "%s", err.msg);
    plu_free(bytes);
    pl_status st = instantiate(s, m, &inst, &err);
    plw_module_free(m);
    cr_assert_eq(st, PL_OK, "spectest.wasm: %s", err.msg);
    cr_assert_eq(plw_linker_instance(s->linker, "spectest", inst), PL_OK);
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        cr_assert_eq(plw_linker_func(s->linker, "spectest", prints[i][0], prints[i][1],
                                     spectest_print, NULL),
                     PL_OK, "spectest.%s", prints[i][0]);
}

/* ---- running a script --------------------------------------------------- */

static res run_command(script *s, const json_t *cmd)
{
    const char *type = jstr(cmd, "type");
    s->line = (long)json_integer_value(json_object_get(cmd, "line"));
    s->cmd = type ? type : "(no type)";
    s->what[0] = '\0';
    if (getenv("WASM_SPEC_TRACE")) {
        printf("trace %s.wast:%ld: %s\n", s->name, s->line, s->cmd);
        fflush(stdout);
    }
    for (size_t i = 0; type && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(type, commands[i].type) == 0)
            return commands[i].run(s, cmd);
    return failf(s, "unknown command");
}

static void count(script *s, res r)
{
    if (r == PASS) {
        s->c.passed++;
    } else if (r == SKIP) {
        s->c.skipped++;
    } else {
        s->c.failed++;
        if (s->verbose || s->printed++ < MAX_PRINTED)
            printf("FAIL %s.wast:%ld: %s %s: %s\n", s->name, s->line, s->cmd, s->what, s->why);
    }
}

static void end_script(script *s)
{
    plw_linker_free(s->linker);
    for (size_t i = 0; i < s->n_insts; i++)
        plw_instance_free(s->insts[i]);
    for (size_t i = 0; i < s->n_named; i++)
        free(s->named[i].name);
    free(s->insts);
    free(s->named);
}

/* Where a case leaves its counts for the runner's summary. */
static void counts_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s/counts.txt", PLW_SPEC_DIR, name);
}

static void print_counts(const char *label, const counts *c)
{
    printf("%s: %d passed, %d failed, %d skipped", label, c->passed, c->failed, c->skipped);
    if (c->texts)
        printf(" (%d texts differ)", c->texts);
    putchar('\n');
}

static counts run_script(const char *name)
{
    script s = {.name = name, .verbose = getenv("WASM_SPEC_VERBOSE") != NULL};
    char path[1200], label[256];
    snprintf(s.dir, sizeof s.dir, "%s/%s", PLW_SPEC_DIR, name);
    counts_path(name, path, sizeof path);
    remove(path); /* a case that dies leaves none, and the summary says so */
    snprintf(path, sizeof path, "%s/%s.json", s.dir, name);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    cr_assert_not_null(root, "%s: %s (line %d)", path, jerr.text, jerr.line);
    cr_assert_eq(plw_linker_new(&s.linker), PL_OK);
    add_spectest(&s);
    const json_t *cmds = json_object_get(root, "commands");
    for (size_t i = 0; i < json_array_size(cmds); i++)
        count(&s, run_command(&s, json_array_get(cmds, i)));
    if (!s.verbose && s.printed > MAX_PRINTED)
        printf("  ... %d more failures (WASM_SPEC_VERBOSE=1 prints all)\n", s.printed - MAX_PRINTED);
    end_script(&s);
    json_decref(root);
    snprintf(label, sizeof label, "%s.wast", name);
    print_counts(label, &s.c);
    fflush(stdout);
    return s.c;
}

static void run_file(const char *name)
{
#ifdef PLW_SPEC_NO_WABT
    cr_assert_fail("wast2json or wat2wasm was missing when CMake ran: install wabt "
                   "(scripts/install-deps) and re-run cmake");
#endif
    /* Cases run in parallel; whole lines keep their output apart. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    counts c = run_script(name);
    char path[1200];
    counts_path(name, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d %d %d %d\n", c.passed, c.failed, c.skipped, c.texts);
        fclose(f);
    }
    cr_assert_gt(c.passed + c.failed + c.skipped, 0, "%s.json has no commands", name);
    cr_assert_eq(c.failed, 0, "%s.wast: %d of %d commands failed", name, c.failed,
                 c.passed + c.failed + c.skipped);
}

/* ---- the cases: one per file, and the summary ---------------------------- */

static const struct {
    const char *id, *name;
} spec_files[] = {
#define PLW_SPEC_FILE(id, name) {#id, name},
#include "wasm_spec_files.h"
#undef PLW_SPEC_FILE
    {NULL, NULL} /* so that an empty list still compiles */
};
#define N_SPEC_FILES (sizeof spec_files / sizeof spec_files[0] - 1)

#define PLW_SPEC_FILE(id, name)                                                               \
    Test(wasm_spec, id, .timeout = 120) { run_file(name); }
#include "wasm_spec_files.h"
#undef PLW_SPEC_FILE

/* The suite is all there: a missing file would otherwise just mean fewer
** tests. */
Test(wasm_spec, all_files_present)
{
    cr_assert_eq(N_SPEC_FILES, SPEC_FILES, "%zu .wast files in %s/wasm-testsuite, expected %d",
                 N_SPEC_FILES, PL_SHARED_DIR, SPEC_FILES);
}

/* The runner's side: each case's counts as it ends (these hooks run in
** Criterion's runner process, the cases in child processes, hence the
** counts files), then the table and the total line. */
typedef struct summary_row {
    const char *name;
    counts c;
    bool missing; /* the case died before writing its counts */
} summary_row;
static summary_row summary[SPEC_FILES * 2];
static size_t n_summary;

ReportHook(POST_TEST)(struct criterion_test_stats *stats)
{
    if (strcmp(stats->test->category, "wasm_spec") != 0 || n_summary == sizeof summary / sizeof summary[0])
        return;
    for (size_t i = 0; i < N_SPEC_FILES; i++) {
        if (strcmp(spec_files[i].id, stats->test->name) != 0)
            continue;
        char path[1200];
        counts_path(spec_files[i].name, path, sizeof path);
        FILE *f = fopen(path, "r");
        counts *c = &summary[n_summary].c;
        summary[n_summary].name = spec_files[i].name;
        summary[n_summary].missing = !f || fscanf(f, "%d %d %d %d", &c->passed, &c->failed,
                                                &c->skipped, &c->texts) != 4;
        if (summary[n_summary].missing)
            *c = (counts){0};
        n_summary++;
        if (f)
            fclose(f);
    }
}

static int by_file(const void *a, const void *b)
{
    return strcmp(((const summary_row *)a)->name, ((const summary_row *)b)->name);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    counts total = {0};
    int missing = 0;
    qsort(summary, n_summary, sizeof summary[0], by_file); /* cases end in any order */
    for (size_t i = 0; i < n_summary; i++) {
        const counts *c = &summary[i].c;
        if (n_summary > 1 && summary[i].missing)
            printf("  %-24s no counts: it crashed or stopped early\n", summary[i].name);
        else if (n_summary > 1)
            printf("  %-24s %6d passed, %5d failed, %4d skipped, %3d texts differ\n",
                   summary[i].name, c->passed, c->failed, c->skipped, c->texts);
        missing += summary[i].missing;
        total.passed += c->passed;
        total.failed += c->failed;
        total.skipped += c->skipped;
        total.texts += c->texts;
    }
    if (!n_summary)
        return;
    char label[128];
    snprintf(label, sizeof label, "wasm spec suite, %zu file%s%s", n_summary,
             n_summary == 1 ? "" : "s", missing ? " (some without counts)" : "");
    print_counts(label, &total);
    fflush(stdout);
}
