/*
** exec.c — the dispatch loop: the one function allowed to be long.
**
** Direct threading with computed goto: each instruction's first word is
** the offset of its handler from a base label, so dispatch is a load, an
** add and an indirect jump. Operands are frame slots (byte offsets from
** fp). The frame pointer, the instruction pointer, the memory base and
** size and the fuel counter live in locals the compiler keeps in
** registers. Traps leave by return code, never longjmp, so a call costs
** no setjmp.
**
** Wasm-to-Wasm calls within an instance stay in the loop (a frame record
** and a jump). Calls to host functions and to other instances' functions
** go through plw_exec_call, which recurses into this loop for Wasm.
*/
#include <math.h>
#include <time.h>

#include "wasm_int.h"

#define CHECK_INTERVAL 16384 /* fuel units between looks at the clock and interrupts */
/* Bulk memory and table operations cost one unit plus one per 64 bytes (or
** 8 elements) they touch, so that fuel bounds CPU time and a loop of huge
** memory.fill still reaches the clock checks. */
#define BULK_SHIFT 6
#define BULK_ELEM_SHIFT 3
/* C stack a call may use for nested dispatch loops (calls across
** instances and into host functions recurse in C). */
#define NATIVE_STACK_BUDGET (512u * 1024u)

/* ---- slots -------------------------------------------------------------------------- */

static inline uint32_t g32(const plw_cell *fp, uint32_t o)
{
    uint32_t v;
    memcpy(&v, (const char *)fp + o, 4);
    return v;
}
static inline uint64_t g64(const plw_cell *fp, uint32_t o)
{
    uint64_t v;
    memcpy(&v, (const char *)fp + o, 8);
    return v;
}
static inline void p64(plw_cell *fp, uint32_t o, uint64_t v) { memcpy((char *)fp + o, &v, 8); }
static inline void p32(plw_cell *fp, uint32_t o, uint32_t v) { p64(fp, o, v); }
static inline float gf32(const plw_cell *fp, uint32_t o)
{
    float v;
    memcpy(&v, (const char *)fp + o, 4);
    return v;
}
static inline double gf64(const plw_cell *fp, uint32_t o)
{
    double v;
    memcpy(&v, (const char *)fp + o, 8);
    return v;
}
static inline void p32i(plw_cell *fp, uint32_t o, int32_t v) { p64(fp, o, (uint32_t)v); }
static inline void p64i(plw_cell *fp, uint32_t o, int64_t v) { p64(fp, o, (uint64_t)v); }
static inline void pf32(plw_cell *fp, uint32_t o, float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    p64(fp, o, b);
}
static inline void pf64(plw_cell *fp, uint32_t o, double f)
{
    uint64_t b;
    memcpy(&b, &f, 8);
    p64(fp, o, b);
}

/* Locals start at zero. Out of line, behind a test at the call site: an
** inline loop here costs the whole dispatch loop registers (fib, all
** calls and no locals, ran 2.5x slower with one). */
static PLW_NOINLINE void zero_locals_slow(plw_cell *l, uint32_t n)
{
    memset(l, 0, (size_t)n * sizeof *l);
}

static inline void zero_locals(plw_cell *l, uint32_t n)
{
    if (n)
        zero_locals_slow(l, n);
}

/* ---- numeric helpers (the spec's semantics, not C's) ------------------------------ */

static inline uint32_t rotl32(uint32_t a, uint32_t b)
{
    b &= 31;
    return (a << b) | (a >> ((32 - b) & 31));
}
static inline uint32_t rotr32(uint32_t a, uint32_t b)
{
    b &= 31;
    return (a >> b) | (a << ((32 - b) & 31));
}
static inline uint64_t rotl64(uint64_t a, uint64_t b)
{
    b &= 63;
    return (a << b) | (a >> ((64 - b) & 63));
}
static inline uint64_t rotr64(uint64_t a, uint64_t b)
{
    b &= 63;
    return (a >> b) | (a << ((64 - b) & 63));
}

/* min/max: NaN in, NaN out; -0 is below +0. */
static inline float fmin32(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmax32(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin64(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax64(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Saturating truncation. */
static inline uint32_t sat_s32(double a)
{
    if (a != a)
        return 0;
    if (a <= -2147483648.0)
        return 0x80000000u;
    if (a >= 2147483647.0)
        return 0x7fffffffu;
    return (uint32_t)(int32_t)a;
}
static inline uint32_t sat_u32(double a)
{
    if (!(a > -1.0))
        return 0;
    if (a >= 4294967295.0)
        return 0xffffffffu;
    return (uint32_t)a;
}
static inline uint64_t sat_s64(double a)
{
    if (a != a)
        return 0;
    if (a <= -9223372036854775808.0)
        return 0x8000000000000000u;
    if (a >= 9223372036854775808.0)
        return 0x7fffffffffffffffu;
    return (uint64_t)(int64_t)a;
}
static inline uint64_t sat_u64(double a)
{
    if (!(a > -1.0))
        return 0;
    if (a >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)a;
}

/* ---- the slow path of fuel checks ---------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* now + timeout, saturating (a timeout of UINT64_MAX never fires). */
uint64_t plw_deadline_after(uint64_t now, uint64_t timeout)
{
    return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}

/* Called when fuel drops below check_at: exhaustion, then interrupts, then
** the deadline (armed the first time we look). Sets the next check. */
plw_trap_kind plw_exec_check(plw_exec *ex)
{
    if (ex->fuel < 0)
        return PLW_TRAP_FUEL;
    if (ex->interrupt && atomic_load_explicit(ex->interrupt, memory_order_relaxed))
        return PLW_TRAP_INTERRUPTED;
    if (ex->cancel && atomic_load_explicit(ex->cancel, memory_order_relaxed))
        return PLW_TRAP_INTERRUPTED;
    if (ex->timeout_ns) {
        uint64_t now = now_ns();
        if (!ex->deadline_ns)
            ex->deadline_ns = plw_deadline_after(now, ex->timeout_ns);
        else if (now >= ex->deadline_ns)
            return PLW_TRAP_TIMEOUT;
    }
    ex->check_at = ex->fuel > CHECK_INTERVAL ? ex->fuel - CHECK_INTERVAL : 0;
    return PLW_TRAP_NONE;
}

void plw_exec_arm(plw_exec *ex)
{
    ex->check_at = ex->fuel > CHECK_INTERVAL ? ex->fuel - CHECK_INTERVAL : 0;
}

/* ---- tables and segments ----------------------------------------------------------- */

static int64_t table_grow(plw_table *t, uint32_t n, plw_cell init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + n > t->max)
        return -1;
    if (n == 0)
        return old;
    plw_cell *e = plu_realloc(t->elems, ((size_t)old + n) * sizeof *e);
    if (!e)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        e[old + i] = init;
    t->elems = e;
    t->size = old + n;
    return old;
}


/* A host function called from Wasm code. The callee's cells lie inside the
** caller's frame (the compiler sized it for the results), so only the
** frame count is checked: the common import (an Extism load or store)
** costs a handful of instructions beyond the host function itself. */
static plw_trap_kind host_call(plw_exec *ex, const plw_func *fn, plw_cell *fp)
{
    if (PLW_UNLIKELY(ex->fsp == ex->frames_end))
        return PLW_TRAP_STACK;
    if (PLW_UNLIKELY(ex->timeout_ns && !ex->deadline_ns))
        ex->deadline_ns = plw_deadline_after(now_ns(), ex->timeout_ns);
    uint32_t width = fn->type->n_params > fn->type->n_results ? fn->type->n_params
                                                               : fn->type->n_results;
    plw_host_ctx cx = { .data = fn->inst->data, .inst = fn->inst, .ex = ex, .fn = fn,
                        .top = fp + width };
    plw_cell *saved_top = ex->top;
    ex->top = cx.top;
    ex->fsp++;
    int r = fn->host(&cx, fp, fn->user);
    ex->fsp--;
    ex->top = saved_top;
    if (PLW_LIKELY(!r))
        return PLW_TRAP_NONE;
    ex->trap_ip = NULL;
    return cx.exited ? PLW_TRAP_EXIT : cx.ended ? cx.ended : PLW_TRAP_HOST;
}

/* ---- the loop ------------------------------------------------------------------------- */

#define DISPATCH() goto *(const void *)(base + (int32_t)*ip)
#define NEXT(n)        \
    do {               \
        ip += (n);     \
        DISPATCH();    \
    } while (0)
#define TRAP(k)                \
    do {                       \
        trap = (k);            \
        ex->trap_ip = ip;      \
        ex->trap_mod = mod;    \
        goto out;              \
    } while (0)
#define SYNC() (ex->fuel = fuel, ex->fsp = fsp)
#define RELOAD() (fuel = ex->fuel, check_at = ex->check_at)
#define CHARGE(n)                                          \
    do {                                                   \
        fuel -= (int32_t)(n);                              \
        if (PLW_UNLIKELY(fuel < check_at)) {               \
            SYNC();                                        \
            plw_trap_kind t_ = plw_exec_check(ex);         \
            if (t_)                                        \
                TRAP(t_);                                  \
            RELOAD();                                      \
        }                                                  \
    } while (0)
#define MEMCHECK(ea, n)                            \
    do {                                           \
        if (PLW_UNLIKELY((ea) + (n) > memsz))      \
            TRAP(PLW_TRAP_OOB_MEMORY);             \
    } while (0)

#define D ip[1]
#define A ip[2]
#define B ip[3]

#define UN32(name, expr)                                 \
    L_##name : {                                         \
        uint32_t a = g32(fp, A);                         \
        p32(fp, D, (expr));                              \
        NEXT(3);                                         \
    }
#define UN64(name, expr)                                 \
    L_##name : {                                         \
        uint64_t a = g64(fp, A);                         \
        p64(fp, D, (expr));                              \
        NEXT(3);                                         \
    }
#define BIN32(name, expr)                                \
    L_##name : {                                         \
        uint32_t a = g32(fp, A), b = g32(fp, B);         \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define BIN32I(name, expr)                               \
    L_##name : {                                         \
        uint32_t a = g32(fp, A), b = B;                  \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define BIN64(name, expr)                                \
    L_##name : {                                         \
        uint64_t a = g64(fp, A), b = g64(fp, B);         \
        p64(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define BIN64I(name, expr)                               \
    L_##name : {                                         \
        uint64_t a = g64(fp, A), b = (uint64_t)(int64_t)(int32_t)B; \
        p64(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define CMP64(name, expr)                                \
    L_##name : {                                         \
        uint64_t a = g64(fp, A), b = g64(fp, B);         \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define CMP64I(name, expr)                               \
    L_##name : {                                         \
        uint64_t a = g64(fp, A), b = (uint64_t)(int64_t)(int32_t)B; \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define FUN32(name, expr)                                \
    L_##name : {                                         \
        float a = gf32(fp, A);                           \
        pf32(fp, D, (expr));                             \
        NEXT(3);                                         \
    }
#define FBIN32(name, expr)                               \
    L_##name : {                                         \
        float a = gf32(fp, A), b = gf32(fp, B);          \
        pf32(fp, D, (expr));                             \
        NEXT(4);                                         \
    }
#define FCMP32(name, expr)                               \
    L_##name : {                                         \
        float a = gf32(fp, A), b = gf32(fp, B);          \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
#define FUN64(name, expr)                                \
    L_##name : {                                         \
        double a = gf64(fp, A);                          \
        pf64(fp, D, (expr));                             \
        NEXT(3);                                         \
    }
#define FBIN64(name, expr)                               \
    L_##name : {                                         \
        double a = gf64(fp, A), b = gf64(fp, B);         \
        pf64(fp, D, (expr));                             \
        NEXT(4);                                         \
    }
#define FCMP64(name, expr)                               \
    L_##name : {                                         \
        double a = gf64(fp, A), b = gf64(fp, B);         \
        p32(fp, D, (expr));                              \
        NEXT(4);                                         \
    }
/* Compare and branch: the target, the fuel charged when taken, the fuel
** charged when falling through. */
#define BR1(name, type, get, cond)                       \
    L_##name : {                                         \
        type a = get(fp, ip[1]);                         \
        if (cond) {                                      \
            CHARGE(ip[3]);                               \
            ip += (int32_t)ip[2];                        \
            DISPATCH();                                  \
        }                                                \
        CHARGE(ip[4]);                                   \
        NEXT(5);                                         \
    }
#define BR2(name, type, get, cond)                       \
    L_##name : {                                         \
        type a = get(fp, ip[1]), b = get(fp, ip[2]);     \
        if (cond) {                                      \
            CHARGE(ip[4]);                               \
            ip += (int32_t)ip[3];                        \
            DISPATCH();                                  \
        }                                                \
        CHARGE(ip[5]);                                   \
        NEXT(6);                                         \
    }
#define BR2I(name, type, cond)                           \
    L_##name : {                                         \
        type a = (type)g32(fp, ip[1]), b = (type)ip[2];  \
        if (cond) {                                      \
            CHARGE(ip[4]);                               \
            ip += (int32_t)ip[3];                        \
            DISPATCH();                                  \
        }                                                \
        CHARGE(ip[5]);                                   \
        NEXT(6);                                         \
    }
#define LOAD(name, ctype, n, conv)                       \
    L_##name : {                                         \
        uint64_t ea = (uint64_t)g32(fp, A) + B;          \
        MEMCHECK(ea, n);                                 \
        ctype v;                                         \
        memcpy(&v, mem + ea, n);                         \
        p64(fp, D, conv);                                \
        NEXT(4);                                         \
    }
/* Loads whose address add was fused in: the sum wraps at 32 bits as the
** i32.add did, then the offset is added without wrapping. */
#define LOADA(name, ctype, n, conv, second)                               \
    L_##name : {                                                           \
        uint64_t ea = (uint64_t)(uint32_t)(g32(fp, A) + (second)) + ip[4];  \
        MEMCHECK(ea, n);                                                   \
        ctype v;                                                           \
        memcpy(&v, mem + ea, n);                                           \
        p64(fp, D, conv);                                                  \
        NEXT(5);                                                           \
    }
#define STORE(name, ctype, n, get)                       \
    L_##name : {                                         \
        uint64_t ea = (uint64_t)g32(fp, ip[1]) + ip[3];  \
        MEMCHECK(ea, n);                                 \
        ctype v = (ctype)get(fp, ip[2]);                 \
        memcpy(mem + ea, &v, n);                         \
        NEXT(4);                                         \
    }
#define TRUNC(name, get, lo, hi, ctype, put)             \
    L_##name : {                                         \
        double a = get(fp, A);                           \
        if (a != a)                                      \
            TRAP(PLW_TRAP_INVALID_CONV);                 \
        if (!(a > (lo) && a < (hi)))                     \
            TRAP(PLW_TRAP_INT_OVERFLOW);                 \
        put(fp, D, (ctype)a);                            \
        NEXT(3);                                         \
    }

/* A Wasm call within the instance: frame record, locals zeroed, jump. A
** trap on entry (stack, fuel) is reported at the call instruction, or for
** the function the host called, at its first instruction, so that it
** names the function that could not start. */
#define ENTER(code, nfp, next)                                               \
    do {                                                                     \
        const uint32_t *ret_ = (next);                                       \
        const uint32_t *entry_ = ir + (code)->start;                         \
        if (ip == (const uint32_t *)halt_code)                               \
            ip = entry_;                                                     \
        if (PLW_UNLIKELY((nfp) + (code)->frame_slots > stack_end ||         \
                         fsp == fend))                                       \
            TRAP(PLW_TRAP_STACK);                                            \
        CHARGE((code)->entry_fuel);                                          \
        fsp->ret_ip = ret_;                                                  \
        fsp->ret_fp = fp;                                                    \
        fsp++;                                                               \
        zero_locals((nfp) + (code)->n_params, (code)->n_locals);            \
        fp = (nfp);                                                          \
        ip = entry_;                                                         \
        DISPATCH();                                                          \
    } while (0)

/*
** Run fn (a Wasm function of inst) with its frame at fp; with table_out,
** only hand out the handler offsets. Returns the trap, or PLW_TRAP_NONE.
*/
static plw_trap_kind plw_execute(plw_exec *ex, plw_instance *inst, const plw_func *fn,
                                 plw_cell *fp, const int32_t **table_out)
{
    static const int32_t handlers[PLW_IR__COUNT] = {
#define IR(name, words) [PLW_IR_##name] = (int32_t)((char *)&&L_##name - (char *)&&L_halt),
#include "ir.def"
#undef IR
    };
    static const int32_t halt_code[1] = { 0 };
    if (table_out) {
        *table_out = handlers;
        return PLW_TRAP_NONE;
    }
    const char *base = (const char *)&&L_halt;
    plw_module *mod = inst->mod;
    const uint32_t *ir = mod->ir;
    const plw_code *codes = mod->codes;
    uint8_t *mem = inst->mem ? inst->mem->base : NULL;
    uint64_t memsz = inst->mem ? inst->mem->size : 0;
    plw_frame *const fsp0 = ex->fsp;
    plw_frame *fsp = fsp0;
    plw_frame *const fend = ex->frames_end;
    plw_cell *const stack_end = ex->stack_end;
    int64_t fuel = ex->fuel, check_at = ex->check_at;
    plw_trap_kind trap = PLW_TRAP_NONE;
    const uint32_t *ip = (const uint32_t *)halt_code;
    const plw_code *code = fn->code;

    ENTER(code, fp, (const uint32_t *)halt_code);

L_halt:
    goto out;
L_unreachable:
    TRAP(PLW_TRAP_UNREACHABLE);
L_br:
    CHARGE(ip[2]);
    ip += (int32_t)ip[1];
    DISPATCH();
    BR1(br_nz, uint32_t, g32, a != 0)
    BR1(br_z, uint32_t, g32, a == 0)
    BR1(br_nz64, uint64_t, g64, a != 0)
    BR1(br_z64, uint64_t, g64, a == 0)
    BR2(br_eq, uint32_t, g32, a == b)
    BR2(br_ne, uint32_t, g32, a != b)
    BR2(br_lts, uint32_t, g32, (int32_t)a < (int32_t)b)
    BR2(br_ltu, uint32_t, g32, a < b)
    BR2(br_gts, uint32_t, g32, (int32_t)a > (int32_t)b)
    BR2(br_gtu, uint32_t, g32, a > b)
    BR2(br_les, uint32_t, g32, (int32_t)a <= (int32_t)b)
    BR2(br_leu, uint32_t, g32, a <= b)
    BR2(br_ges, uint32_t, g32, (int32_t)a >= (int32_t)b)
    BR2(br_geu, uint32_t, g32, a >= b)
    BR2I(br_eqi, uint32_t, a == b)
    BR2I(br_nei, uint32_t, a != b)
    BR2I(br_ltsi, int32_t, a < b)
    BR2I(br_ltui, uint32_t, a < b)
    BR2I(br_gtsi, int32_t, a > b)
    BR2I(br_gtui, uint32_t, a > b)
    BR2I(br_lesi, int32_t, a <= b)
    BR2I(br_leui, uint32_t, a <= b)
    BR2I(br_gesi, int32_t, a >= b)
    BR2I(br_geui, uint32_t, a >= b)
    BR2(br64_eq, uint64_t, g64, a == b)
    BR2(br64_ne, uint64_t, g64, a != b)
    BR2(br64_lts, uint64_t, g64, (int64_t)a < (int64_t)b)
    BR2(br64_ltu, uint64_t, g64, a < b)
    BR2(br64_gts, uint64_t, g64, (int64_t)a > (int64_t)b)
    BR2(br64_gtu, uint64_t, g64, a > b)
    BR2(br64_les, uint64_t, g64, (int64_t)a <= (int64_t)b)
    BR2(br64_leu, uint64_t, g64, a <= b)
    BR2(br64_ges, uint64_t, g64, (int64_t)a >= (int64_t)b)
    BR2(br64_geu, uint64_t, g64, a >= b)
L_br_table: {
    uint32_t i = g32(fp, ip[1]), n = ip[2];
    const uint32_t *e = ip + 3 + 2 * (i < n ? i : n);
    CHARGE(e[1]);
    ip += (int32_t)e[0];
    DISPATCH();
}
L_ret1:
    p64(fp, 0, g64(fp, ip[1]));
L_ret:
    fsp--;
    ip = fsp->ret_ip;
    fp = fsp->ret_fp;
    DISPATCH();
L_call: {
    const plw_code *c = &codes[ip[1]];
    plw_cell *nfp = (plw_cell *)((char *)fp + ip[2]);
    ENTER(c, nfp, ip + 3);
}
L_call_imp: {
    const plw_func *f = &inst->funcs[ip[1]];
    if (f->fast) { /* a light host function: no context, no bookkeeping */
        plw_cell *a = (plw_cell *)((char *)fp + ip[2]);
        a[0] = f->fast(f->inst->data, a);
        NEXT(3);
    }
    SYNC();
    plw_trap_kind t = f->host ? host_call(ex, f, (plw_cell *)((char *)fp + ip[2]))
                              : plw_exec_call(ex, f, (plw_cell *)((char *)fp + ip[2]));
    RELOAD();
    memsz = inst->mem ? inst->mem->size : 0;
    if (t) {
        if (!ex->trap_ip)
            TRAP(t);
        trap = t;
        goto out;
    }
    NEXT(3);
}
L_call_ind: {
    const plw_table *t = inst->tables[ip[1]];
    uint32_t i = g32(fp, ip[3]);
    if (PLW_UNLIKELY(i >= t->size))
        TRAP(PLW_TRAP_UNDEF_ELEM);
    const plw_func *f = (const plw_func *)(uintptr_t)t->elems[i];
    if (PLW_UNLIKELY(!f))
        TRAP(PLW_TRAP_UNINIT_ELEM);
    const plw_ftype *want = &mod->types[ip[2]];
    if (PLW_UNLIKELY(f->type != want && !plw_ftype_equal(f->type, want)))
        TRAP(PLW_TRAP_INDIRECT_TYPE);
    plw_cell *nfp = (plw_cell *)((char *)fp + ip[4]);
    if (PLW_LIKELY(f->inst == inst && f->code))
        ENTER(f->code, nfp, ip + 5);
    SYNC();
    plw_trap_kind tk = plw_exec_call(ex, f, nfp);
    RELOAD();
    memsz = inst->mem ? inst->mem->size : 0;
    if (tk) {
        if (!ex->trap_ip)
            TRAP(tk);
        trap = tk;
        goto out;
    }
    NEXT(5);
}

L_copy:
    p64(fp, ip[1], g64(fp, ip[2]));
    NEXT(3);
L_copy2:
    p64(fp, ip[1], g64(fp, ip[2]));
    p64(fp, ip[3], g64(fp, ip[4]));
    NEXT(5);
L_const32:
    p64(fp, ip[1], ip[2]);
    NEXT(3);
L_const64:
    p64(fp, ip[1], (uint64_t)ip[2] | (uint64_t)ip[3] << 32);
    NEXT(4);
L_select:
    p64(fp, ip[1], g32(fp, ip[4]) ? g64(fp, ip[2]) : g64(fp, ip[3]));
    NEXT(5);
L_gget:
    p64(fp, ip[1], inst->globals[ip[2]]->value);
    NEXT(3);
L_gset:
    inst->globals[ip[1]]->value = g64(fp, ip[2]);
    NEXT(3);
L_ref_func:
    p64(fp, ip[1], (uint64_t)(uintptr_t)&inst->funcs[ip[2]]);
    NEXT(3);

    LOAD(ld32, uint32_t, 4, v)
    LOAD(ld64, uint64_t, 8, v)
    LOAD(ld8s32, int8_t, 1, (uint32_t)(int32_t)v)
    LOAD(ld8u32, uint8_t, 1, v)
    LOAD(ld16s32, int16_t, 2, (uint32_t)(int32_t)v)
    LOAD(ld16u32, uint16_t, 2, v)
    LOAD(ld8s64, int8_t, 1, (uint64_t)(int64_t)v)
    LOAD(ld16s64, int16_t, 2, (uint64_t)(int64_t)v)
    LOAD(ld32s64, int32_t, 4, (uint64_t)(int64_t)v)
    LOADA(ld32a, uint32_t, 4, v, B)
    LOADA(ld64a, uint64_t, 8, v, B)
    LOADA(ld8u32a, uint8_t, 1, v, B)
    LOADA(ld8s32a, int8_t, 1, (uint32_t)(int32_t)v, B)
    LOADA(ld16u32a, uint16_t, 2, v, B)
    LOADA(ld16s32a, int16_t, 2, (uint32_t)(int32_t)v, B)
    LOADA(ld32x, uint32_t, 4, v, g32(fp, B))
    LOADA(ld64x, uint64_t, 8, v, g32(fp, B))
    LOADA(ld8u32x, uint8_t, 1, v, g32(fp, B))
    STORE(st32, uint32_t, 4, g32)
    STORE(st64, uint64_t, 8, g64)
    STORE(st8, uint8_t, 1, g32)
    STORE(st16, uint16_t, 2, g32)
L_mem_size:
    p32(fp, ip[1], (uint32_t)(memsz / PLW_PAGE));
    NEXT(2);
L_mem_grow:
    p32(fp, ip[1], (uint32_t)plw_memory_grow_by(inst->mem, g32(fp, ip[2])));
    memsz = inst->mem->size;
    NEXT(3);
L_mem_fill: {
    uint64_t d = g32(fp, ip[1]), n = g32(fp, ip[3]);
    CHARGE(n >> BULK_SHIFT);
    MEMCHECK(d, n);
    memset(mem + d, (int)(uint8_t)g32(fp, ip[2]), n);
    NEXT(4);
}
L_mem_copy: {
    uint64_t d = g32(fp, ip[1]), s = g32(fp, ip[2]), n = g32(fp, ip[3]);
    CHARGE(n >> BULK_SHIFT);
    MEMCHECK(d, n);
    MEMCHECK(s, n);
    memmove(mem + d, mem + s, n);
    NEXT(4);
}
L_mem_init: {
    const plw_data *seg = &mod->datas[ip[1]];
    uint64_t len = inst->dropped_data[ip[1]] ? 0 : seg->len;
    uint64_t d = g32(fp, ip[2]), s = g32(fp, ip[3]), n = g32(fp, ip[4]);
    CHARGE(n >> BULK_SHIFT);
    MEMCHECK(d, n);
    if (s + n > len)
        TRAP(PLW_TRAP_OOB_MEMORY);
    if (n)
        memcpy(mem + d, seg->bytes + s, n);
    NEXT(5);
}
L_data_drop:
    inst->dropped_data[ip[1]] = 1;
    NEXT(2);

L_tbl_get: {
    const plw_table *t = inst->tables[ip[2]];
    uint32_t i = g32(fp, ip[3]);
    if (i >= t->size)
        TRAP(PLW_TRAP_OOB_TABLE);
    p64(fp, ip[1], t->elems[i]);
    NEXT(4);
}
L_tbl_set: {
    plw_table *t = inst->tables[ip[1]];
    uint32_t i = g32(fp, ip[2]);
    if (i >= t->size)
        TRAP(PLW_TRAP_OOB_TABLE);
    t->elems[i] = g64(fp, ip[3]);
    NEXT(4);
}
L_tbl_size:
    p32(fp, ip[1], inst->tables[ip[2]]->size);
    NEXT(3);
L_tbl_grow: {
    /* Charged for the elements it filled: a grow that fails (the usual
    ** "how far can I go" probe) costs one unit and answers -1. */
    uint32_t n = g32(fp, ip[4]);
    int64_t old = table_grow(inst->tables[ip[2]], n, g64(fp, ip[3]));
    p32(fp, ip[1], (uint32_t)old);
    if (old >= 0)
        CHARGE(n >> BULK_ELEM_SHIFT);
    NEXT(5);
}
L_tbl_fill: {
    plw_table *t = inst->tables[ip[1]];
    uint64_t i = g32(fp, ip[2]), n = g32(fp, ip[4]);
    plw_cell v = g64(fp, ip[3]);
    CHARGE(n >> BULK_ELEM_SHIFT);
    if (i + n > t->size)
        TRAP(PLW_TRAP_OOB_TABLE);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    NEXT(5);
}
L_tbl_copy: {
    plw_table *td = inst->tables[ip[1]], *ts = inst->tables[ip[2]];
    uint64_t d = g32(fp, ip[3]), s = g32(fp, ip[4]), n = g32(fp, ip[5]);
    CHARGE(n >> BULK_ELEM_SHIFT);
    if (d + n > td->size || s + n > ts->size)
        TRAP(PLW_TRAP_OOB_TABLE);
    if (n)
        memmove(td->elems + d, ts->elems + s, n * sizeof *td->elems);
    NEXT(6);
}
L_tbl_init: {
    plw_table *t = inst->tables[ip[1]];
    uint32_t len;
    const plw_cell *src = plw_elem_refs(inst, ip[2], &len);
    uint64_t d = g32(fp, ip[3]), s = g32(fp, ip[4]), n = g32(fp, ip[5]);
    CHARGE(n >> BULK_ELEM_SHIFT);
    if (d + n > t->size || s + n > len)
        TRAP(PLW_TRAP_OOB_TABLE);
    if (n)
        memcpy(t->elems + d, src + s, n * sizeof *src);
    NEXT(6);
}
L_elem_drop:
    inst->dropped_elem[ip[1]] = 1;
    NEXT(2);

    /* i32 */
    UN32(eqz32, a == 0)
    UN32(clz32, a ? (uint32_t)__builtin_clz(a) : 32u)
    UN32(ctz32, a ? (uint32_t)__builtin_ctz(a) : 32u)
    UN32(popcnt32, (uint32_t)__builtin_popcount(a))
    UN32(ext8s32, (uint32_t)(int32_t)(int8_t)a)
    UN32(ext16s32, (uint32_t)(int32_t)(int16_t)a)
    BIN32(add32, a + b)
    BIN32(sub32, a - b)
    BIN32(mul32, a * b)
L_divs32: {
    int32_t a = (int32_t)g32(fp, A), b = (int32_t)g32(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    if (a == INT32_MIN && b == -1)
        TRAP(PLW_TRAP_INT_OVERFLOW);
    p32(fp, D, (uint32_t)(a / b));
    NEXT(4);
}
L_divu32: {
    uint32_t a = g32(fp, A), b = g32(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p32(fp, D, a / b);
    NEXT(4);
}
L_rems32: {
    int32_t a = (int32_t)g32(fp, A), b = (int32_t)g32(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p32(fp, D, b == -1 ? 0u : (uint32_t)(a % b));
    NEXT(4);
}
L_remu32: {
    uint32_t a = g32(fp, A), b = g32(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p32(fp, D, a % b);
    NEXT(4);
}
    BIN32(and32, a & b)
    BIN32(or32, a | b)
    BIN32(xor32, a ^ b)
    BIN32(shl32, a << (b & 31))
    BIN32(shrs32, (uint32_t)((int32_t)a >> (b & 31)))
    BIN32(shru32, a >> (b & 31))
    BIN32(rotl32, rotl32(a, b))
    BIN32(rotr32, rotr32(a, b))
    BIN32(eq32, a == b)
    BIN32(ne32, a != b)
    BIN32(lts32, (int32_t)a < (int32_t)b)
    BIN32(ltu32, a < b)
    BIN32(gts32, (int32_t)a > (int32_t)b)
    BIN32(gtu32, a > b)
    BIN32(les32, (int32_t)a <= (int32_t)b)
    BIN32(leu32, a <= b)
    BIN32(ges32, (int32_t)a >= (int32_t)b)
    BIN32(geu32, a >= b)
    BIN32I(add32i, a + b)
    BIN32I(mul32i, a * b)
    BIN32I(and32i, a & b)
    BIN32I(or32i, a | b)
    BIN32I(xor32i, a ^ b)
    BIN32I(shl32i, a << b)
    BIN32I(shrs32i, (uint32_t)((int32_t)a >> b))
    BIN32I(shru32i, a >> b)
    BIN32I(rotl32i, rotl32(a, b))
    BIN32I(rotr32i, rotr32(a, b))
    BIN32I(eq32i, a == b)
    BIN32I(ne32i, a != b)
    BIN32I(lts32i, (int32_t)a < (int32_t)b)
    BIN32I(ltu32i, a < b)
    BIN32I(gts32i, (int32_t)a > (int32_t)b)
    BIN32I(gtu32i, a > b)
    BIN32I(les32i, (int32_t)a <= (int32_t)b)
    BIN32I(leu32i, a <= b)
    BIN32I(ges32i, (int32_t)a >= (int32_t)b)
    BIN32I(geu32i, a >= b)

    /* i64 */
    UN64(eqz64, a == 0)
    UN64(clz64, a ? (uint64_t)__builtin_clzll(a) : 64u)
    UN64(ctz64, a ? (uint64_t)__builtin_ctzll(a) : 64u)
    UN64(popcnt64, (uint64_t)__builtin_popcountll(a))
    UN64(ext8s64, (uint64_t)(int64_t)(int8_t)a)
    UN64(ext16s64, (uint64_t)(int64_t)(int16_t)a)
    UN64(ext32s64, (uint64_t)(int64_t)(int32_t)a)
    UN64(extu32, (uint32_t)a)
    BIN64(add64, a + b)
    BIN64(sub64, a - b)
    BIN64(mul64, a * b)
L_divs64: {
    int64_t a = (int64_t)g64(fp, A), b = (int64_t)g64(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    if (a == INT64_MIN && b == -1)
        TRAP(PLW_TRAP_INT_OVERFLOW);
    p64(fp, D, (uint64_t)(a / b));
    NEXT(4);
}
L_divu64: {
    uint64_t a = g64(fp, A), b = g64(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p64(fp, D, a / b);
    NEXT(4);
}
L_rems64: {
    int64_t a = (int64_t)g64(fp, A), b = (int64_t)g64(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p64(fp, D, b == -1 ? 0u : (uint64_t)(a % b));
    NEXT(4);
}
L_remu64: {
    uint64_t a = g64(fp, A), b = g64(fp, B);
    if (b == 0)
        TRAP(PLW_TRAP_DIV_ZERO);
    p64(fp, D, a % b);
    NEXT(4);
}
    BIN64(and64, a & b)
    BIN64(or64, a | b)
    BIN64(xor64, a ^ b)
    BIN64(shl64, a << (b & 63))
    BIN64(shrs64, (uint64_t)((int64_t)a >> (b & 63)))
    BIN64(shru64, a >> (b & 63))
    BIN64(rotl64, rotl64(a, b))
    BIN64(rotr64, rotr64(a, b))
    CMP64(eq64, a == b)
    CMP64(ne64, a != b)
    CMP64(lts64, (int64_t)a < (int64_t)b)
    CMP64(ltu64, a < b)
    CMP64(gts64, (int64_t)a > (int64_t)b)
    CMP64(gtu64, a > b)
    CMP64(les64, (int64_t)a <= (int64_t)b)
    CMP64(leu64, a <= b)
    CMP64(ges64, (int64_t)a >= (int64_t)b)
    CMP64(geu64, a >= b)
    BIN64I(add64i, a + b)
    BIN64I(mul64i, a * b)
    BIN64I(and64i, a & b)
    BIN64I(or64i, a | b)
    BIN64I(xor64i, a ^ b)
    BIN64I(shl64i, a << (b & 63))
    BIN64I(shrs64i, (uint64_t)((int64_t)a >> (b & 63)))
    BIN64I(shru64i, a >> (b & 63))
    BIN64I(rotl64i, rotl64(a, b))
    BIN64I(rotr64i, rotr64(a, b))
    CMP64I(eq64i, a == b)
    CMP64I(ne64i, a != b)
    CMP64I(lts64i, (int64_t)a < (int64_t)b)
    CMP64I(ltu64i, a < b)
    CMP64I(gts64i, (int64_t)a > (int64_t)b)
    CMP64I(gtu64i, a > b)
    CMP64I(les64i, (int64_t)a <= (int64_t)b)
    CMP64I(leu64i, a <= b)
    CMP64I(ges64i, (int64_t)a >= (int64_t)b)
    CMP64I(geu64i, a >= b)

    /* f32 (sign operations on the bits, so NaN payloads pass unchanged) */
L_fabs32:
    p64(fp, D, g32(fp, A) & 0x7fffffffu);
    NEXT(3);
L_fneg32:
    p64(fp, D, g32(fp, A) ^ 0x80000000u);
    NEXT(3);
L_fcopysign32:
    p64(fp, D, (g32(fp, A) & 0x7fffffffu) | (g32(fp, B) & 0x80000000u));
    NEXT(4);
    FUN32(fceil32, ceilf(a))
    FUN32(ffloor32, floorf(a))
    FUN32(ftrunc32, truncf(a))
    FUN32(fnearest32, nearbyintf(a))
    FUN32(fsqrt32, sqrtf(a))
    FBIN32(fadd32, a + b)
    FBIN32(fsub32, a - b)
    FBIN32(fmul32, a * b)
    FBIN32(fdiv32, a / b)
    FBIN32(fmin32, fmin32(a, b))
    FBIN32(fmax32, fmax32(a, b))
    FCMP32(feq32, a == b)
    FCMP32(fne32, a != b)
    FCMP32(flt32, a < b)
    FCMP32(fgt32, a > b)
    FCMP32(fle32, a <= b)
    FCMP32(fge32, a >= b)

    /* f64 */
L_fabs64:
    p64(fp, D, g64(fp, A) & 0x7fffffffffffffffu);
    NEXT(3);
L_fneg64:
    p64(fp, D, g64(fp, A) ^ 0x8000000000000000u);
    NEXT(3);
L_fcopysign64:
    p64(fp, D, (g64(fp, A) & 0x7fffffffffffffffu) | (g64(fp, B) & 0x8000000000000000u));
    NEXT(4);
    FUN64(fceil64, ceil(a))
    FUN64(ffloor64, floor(a))
    FUN64(ftrunc64, trunc(a))
    FUN64(fnearest64, nearbyint(a))
    FUN64(fsqrt64, sqrt(a))
    FBIN64(fadd64, a + b)
    FBIN64(fsub64, a - b)
    FBIN64(fmul64, a * b)
    FBIN64(fdiv64, a / b)
    FBIN64(fmin64, fmin64(a, b))
    FBIN64(fmax64, fmax64(a, b))
    FCMP64(feq64, a == b)
    FCMP64(fne64, a != b)
    FCMP64(flt64, a < b)
    FCMP64(fgt64, a > b)
    FCMP64(fle64, a <= b)
    FCMP64(fge64, a >= b)

    /* conversions; the bounds are exact in the source type */
    TRUNC(trunc_f32_s32, gf32, -2147483904.0, 2147483648.0, int32_t, p32i)
    TRUNC(trunc_f32_u32, gf32, -1.0, 4294967296.0, uint32_t, p32)
    TRUNC(trunc_f64_s32, gf64, -2147483649.0, 2147483648.0, int32_t, p32i)
    TRUNC(trunc_f64_u32, gf64, -1.0, 4294967296.0, uint32_t, p32)
    TRUNC(trunc_f32_s64, gf32, -9223373136366403584.0, 9223372036854775808.0, int64_t, p64i)
    TRUNC(trunc_f32_u64, gf32, -1.0, 18446744073709551616.0, uint64_t, p64)
    TRUNC(trunc_f64_s64, gf64, -9223372036854777856.0, 9223372036854775808.0, int64_t, p64i)
    TRUNC(trunc_f64_u64, gf64, -1.0, 18446744073709551616.0, uint64_t, p64)
L_sat_f32_s32:
    p32(fp, D, sat_s32(gf32(fp, A)));
    NEXT(3);
L_sat_f32_u32:
    p32(fp, D, sat_u32(gf32(fp, A)));
    NEXT(3);
L_sat_f64_s32:
    p32(fp, D, sat_s32(gf64(fp, A)));
    NEXT(3);
L_sat_f64_u32:
    p32(fp, D, sat_u32(gf64(fp, A)));
    NEXT(3);
L_sat_f32_s64:
    p64(fp, D, sat_s64(gf32(fp, A)));
    NEXT(3);
L_sat_f32_u64:
    p64(fp, D, sat_u64(gf32(fp, A)));
    NEXT(3);
L_sat_f64_s64:
    p64(fp, D, sat_s64(gf64(fp, A)));
    NEXT(3);
L_sat_f64_u64:
    p64(fp, D, sat_u64(gf64(fp, A)));
    NEXT(3);
L_cvt_s32_f32:
    pf32(fp, D, (float)(int32_t)g32(fp, A));
    NEXT(3);
L_cvt_u32_f32:
    pf32(fp, D, (float)g32(fp, A));
    NEXT(3);
L_cvt_s64_f32:
    pf32(fp, D, (float)(int64_t)g64(fp, A));
    NEXT(3);
L_cvt_u64_f32:
    pf32(fp, D, (float)g64(fp, A));
    NEXT(3);
L_cvt_s32_f64:
    pf64(fp, D, (double)(int32_t)g32(fp, A));
    NEXT(3);
L_cvt_u32_f64:
    pf64(fp, D, (double)g32(fp, A));
    NEXT(3);
L_cvt_s64_f64:
    pf64(fp, D, (double)(int64_t)g64(fp, A));
    NEXT(3);
L_cvt_u64_f64:
    pf64(fp, D, (double)g64(fp, A));
    NEXT(3);
L_demote:
    pf32(fp, D, (float)gf64(fp, A));
    NEXT(3);
L_promote:
    pf64(fp, D, (double)gf32(fp, A));
    NEXT(3);

out:
    ex->fsp = fsp0;
    ex->fuel = fuel;
    return trap;
}

const int32_t *plw_exec_handlers(void)
{
    const int32_t *t = NULL;
    plw_execute(NULL, NULL, NULL, NULL, &t);
    return t;
}

plw_trap_kind plw_exec_run(plw_exec *ex, plw_instance *inst, const plw_func *fn, plw_cell *fp)
{
    return plw_execute(ex, inst, fn, fp, NULL);
}

plw_trap_kind plw_exec_call(plw_exec *ex, const plw_func *fn, plw_cell *fp)
{
    /* Nested dispatch loops recurse in C: bound the C stack they use. */
    if ((uintptr_t)ex->native_base - (uintptr_t)__builtin_frame_address(0) > NATIVE_STACK_BUDGET)
        return PLW_TRAP_STACK;
    if (fn->code)
        return plw_exec_run(ex, fn->inst, fn, fp);
    if (ex->fsp == ex->frames_end)
        return PLW_TRAP_STACK;
    if (ex->timeout_ns && !ex->deadline_ns)
        ex->deadline_ns = plw_deadline_after(now_ns(), ex->timeout_ns);
    uint32_t width = fn->type->n_params > fn->type->n_results ? fn->type->n_params
                                                               : fn->type->n_results;
    if (fp + width > ex->stack_end)
        return PLW_TRAP_STACK;
    plw_host_ctx cx = { .data = fn->inst->data, .inst = fn->inst, .ex = ex, .fn = fn,
                        .top = fp + width };
    plw_cell *saved_top = ex->top;
    ex->top = cx.top;
    ex->fsp++; /* a host frame counts towards the depth */
    int r = fn->host(&cx, fp, fn->user);
    ex->fsp--;
    ex->top = saved_top;
    if (r) {
        ex->trap_ip = NULL;
        return cx.exited ? PLW_TRAP_EXIT : cx.ended ? cx.ended : PLW_TRAP_HOST;
    }
    return PLW_TRAP_NONE;
}
