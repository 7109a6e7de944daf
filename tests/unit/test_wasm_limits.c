/*
** test_wasm_limits.c — the sandbox's hard limits, on the engine's embedding
** API (wasm/wasm.h).
**
** One test per trap kind: each checks the status, the kind in
** plw_call_info, the function index and the instruction at the reported
** offset, the exact message, that the instance refuses further calls, and
** that a fresh instance of the same module then works. Then the limits:
** fuel accounting and exhaustion, the memory cap, call depth and operand
** space, wall time and interrupts from another thread.
**
** Fixtures are the .wat files in tests/data/wasm/, converted at build time into
** PL_WASM_FIXTURES (tests/data/wasm/fixtures.cmake).
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wasm/wasm.h"

/* ---- fixtures and helpers ---------------------------------------------------- */

typedef struct fixture {
    char name[64]; /* "traps.wasm": the module's name in messages */
    uint8_t *bytes;
    size_t len;
    plw_module *m;
} fixture;

static fixture load(const char *name)
{
    fixture fx = {{0}, NULL, 0, NULL};
    snprintf(fx.name, sizeof fx.name, "%s.wasm", name);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PL_WASM_FIXTURES, fx.name);
    pl_err e;
    plu_err_clear(&e);
    char *bytes = NULL;
    cr_assert_eq(plu_read_file(path, &bytes, &fx.len, &e), PL_OK, "%s", e.msg);
    fx.bytes = (uint8_t *)bytes;
    cr_assert_eq(plw_module_load(fx.bytes, fx.len, fx.name, &fx.m, &e), PL_OK, "%s", e.msg);
    return fx;
}

static void unload(fixture *fx)
{
    plw_module_free(fx->m);
    plu_free(fx->bytes);
}

static plw_instance *instantiate(const fixture *fx, const plw_linker *l,
                                 const plw_instance_limits *lim)
{
    pl_err e;
    plu_err_clear(&e);
    plw_instance *inst = NULL;
    pl_status st = plw_instantiate(fx->m, l, lim, &inst, &e);
    cr_assert_eq(st, PL_OK, "%s: instantiate: %s", fx->name, e.msg);
    return inst;
}

static const plw_func *func(plw_instance *inst, const char *name)
{
    const plw_func *f = plw_instance_func(inst, name);
    cr_assert_not_null(f, "no export '%s'", name);
    return f;
}

/* Call an export that must return normally; its first result. */
static plw_cell call_ok(plw_instance *inst, const char *name, const plw_cell *args,
                        const plw_call_opts *opts, plw_call_info *info)
{
    plw_cell res[4] = {0};
    plw_call_info local;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = plw_call(inst, func(inst, name), args, res, opts, info ? info : &local, &e);
    cr_assert_eq(st, PL_OK, "%s: %s", name, e.msg);
    return res[0];
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int host_fail(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    (void)user;
    return plw_host_trap(cx, "disk on fire %u", (unsigned)(uint32_t)slots[0]);
}

static plw_linker *host_linker(void)
{
    plw_linker *l = NULL;
    cr_assert_eq(plw_linker_new(&l), PL_OK);
    cr_assert_eq(plw_linker_func(l, "env", "fail", "(i)", host_fail, NULL), PL_OK);
    return l;
}

/* ---- one trap, checked completely ------------------------------------------- */

typedef struct trap_case {
    const char *fixture, *func;
    plw_cell args[2];
    plw_call_opts opts;
    plw_trap_kind kind;
    pl_status status;
    uint32_t func_index; /* where the trap must be reported */
    int opcode;          /* the byte at the reported offset; -1: not checked */
    const char *what;    /* the message between "trap: " and " (module: ...)" */
} trap_case;

/* After a trap: the instance is dead and says so, for every export. */
static void expect_dead(plw_instance *inst, const trap_case *c)
{
    cr_assert(plw_instance_dead(inst), "%s: the instance is still alive after a trap",
              c->func);
    const char *names[] = {c->func, "ok"};
    for (size_t i = 0; i < 2; i++) {
        plw_cell args[2] = {2, 3}, res[2];
        pl_err e;
        plu_err_clear(&e);
        pl_status st = plw_call(inst, func(inst, names[i]), i ? args : c->args, res, NULL, NULL,
                                &e);
        cr_assert_eq(st, PL_E_MISUSE, "%s after a trap: status %d (%s)", names[i], st, e.msg);
        cr_assert(strstr(e.msg, "unusable after a trap"), "%s after a trap: '%s'", names[i],
                  e.msg);
    }
}

/* A fresh instance of the module answers ok(2, 3) = 5. */
static void expect_fresh_ok(const fixture *fx, const plw_linker *l,
                            const plw_instance_limits *lim)
{
    plw_instance *inst = instantiate(fx, l, lim);
    plw_cell args[2] = {2, 3};
    plw_call_info info;
    cr_assert_eq((uint32_t)call_ok(inst, "ok", args, NULL, &info), 5u);
    cr_assert_eq(info.trap, PLW_TRAP_NONE);
    plw_instance_free(inst);
}

/* Call c->func on inst; check status, kind, location and message. */
static plw_call_info check_trap_on(const fixture *fx, plw_instance *inst, const trap_case *c)
{
    plw_cell res[2] = {0};
    plw_call_info info;
    memset(&info, 0xee, sizeof info);
    pl_err e;
    plu_err_clear(&e);
    pl_status st = plw_call(inst, func(inst, c->func), c->args, res, &c->opts, &info, &e);
    cr_assert_eq(st, c->status, "%s: status %d (%s), want %d", c->func, st, e.msg, c->status);
    cr_assert_eq(info.trap, c->kind, "%s: trap kind %d (%s), want %d (%s)", c->func, info.trap,
                 plw_trap_str(info.trap), c->kind, plw_trap_str(c->kind));
    cr_assert_eq(info.trap_func, c->func_index, "%s: trap in func %u, want %u (%s)", c->func,
                 info.trap_func, c->func_index, e.msg);
    if (c->opcode >= 0) {
        cr_assert_lt(info.trap_offset, fx->len, "%s: offset 0x%x", c->func, info.trap_offset);
        cr_assert_eq(fx->bytes[info.trap_offset], (uint8_t)c->opcode,
                     "%s: the byte at @0x%x is 0x%02x, want the trapping instruction 0x%02x",
                     c->func, info.trap_offset, fx->bytes[info.trap_offset], c->opcode);
    }
    char want[700];
    snprintf(want, sizeof want, "trap: %s (%s: func %u @0x%x)", c->what, fx->name,
             c->func_index, info.trap_offset);
    cr_assert_str_eq(e.msg, want);
    expect_dead(inst, c);
    return info;
}

static void check_trap(const trap_case *c, const plw_linker *l)
{
    fixture fx = load(c->fixture);
    plw_instance *inst = instantiate(&fx, l, NULL);
    check_trap_on(&fx, inst, c);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, l, NULL);
    unload(&fx);
}

/* ---- one test per trap kind ---------------------------------------------------- */

#define TRAP_CASE(fn, kind_, idx, op, text, ...)                                          \
    (&(trap_case){.fixture = "traps", .func = fn, .args = {__VA_ARGS__}, .kind = kind_,  \
                  .status = PL_E_TRAP, .func_index = idx, .opcode = op, .what = text})

Test(wasm_limits, trap_unreachable)
{
    check_trap(TRAP_CASE("unreachable", PLW_TRAP_UNREACHABLE, 3, 0x00, "unreachable", 0), NULL);
}

Test(wasm_limits, trap_integer_divide_by_zero)
{
    check_trap(TRAP_CASE("div_zero", PLW_TRAP_DIV_ZERO, 4, 0x6d, "integer divide by zero", 0),
               NULL);
}

Test(wasm_limits, trap_integer_overflow_division)
{
    check_trap(TRAP_CASE("div_overflow", PLW_TRAP_INT_OVERFLOW, 5, 0x6d, "integer overflow",
                         0x80000000u, 0xffffffffu),
               NULL);
}

Test(wasm_limits, trap_integer_overflow_truncation)
{
    double big = 1e10;
    plw_cell bits;
    memcpy(&bits, &big, sizeof bits);
    check_trap(TRAP_CASE("trunc_overflow", PLW_TRAP_INT_OVERFLOW, 6, 0xaa, "integer overflow",
                         bits),
               NULL);
}

Test(wasm_limits, trap_invalid_conversion_to_integer)
{
    check_trap(TRAP_CASE("trunc_nan", PLW_TRAP_INVALID_CONV, 7, 0xa8,
                         "invalid conversion to integer", 0x7fc00000u),
               NULL);
}

Test(wasm_limits, trap_out_of_bounds_memory_access)
{
    check_trap(TRAP_CASE("load", PLW_TRAP_OOB_MEMORY, 8, 0x28, "out of bounds memory access",
                         65536),
               NULL);
    /* an access that starts inside the memory and ends outside it */
    check_trap(TRAP_CASE("load", PLW_TRAP_OOB_MEMORY, 8, 0x28, "out of bounds memory access",
                         65533),
               NULL);
}

Test(wasm_limits, trap_undefined_element)
{
    /* call_indirect past the end of the table: the spec's "undefined element" */
    check_trap(TRAP_CASE("call_slot", PLW_TRAP_UNDEF_ELEM, 9, 0x11, "undefined element", 3),
               NULL);
    check_trap(TRAP_CASE("call_slot", PLW_TRAP_UNDEF_ELEM, 9, 0x11, "undefined element",
                         0xffffffffu),
               NULL);
}

Test(wasm_limits, trap_out_of_bounds_table_access)
{
    /* table.get past the end: the spec's "out of bounds table access" */
    check_trap(TRAP_CASE("table_get", PLW_TRAP_OOB_TABLE, 10, 0x25,
                         "out of bounds table access", 3),
               NULL);
}

Test(wasm_limits, trap_indirect_call_type_mismatch)
{
    check_trap(TRAP_CASE("call_slot", PLW_TRAP_INDIRECT_TYPE, 9, 0x11,
                         "indirect call type mismatch", 1),
               NULL);
}

Test(wasm_limits, trap_uninitialized_element)
{
    check_trap(TRAP_CASE("call_slot", PLW_TRAP_UNINIT_ELEM, 9, 0x11, "uninitialized element", 2),
               NULL);
}

Test(wasm_limits, trap_call_stack_exhausted)
{
    /* unbounded recursion: must trap, never overflow the host stack */
    check_trap(TRAP_CASE("recurse", PLW_TRAP_STACK, 11, 0x10, "call stack exhausted", 0), NULL);
}

Test(wasm_limits, trap_fuel_exhausted)
{
    trap_case c = {.fixture = "traps", .func = "spin", .opts = {.fuel = 1000},
                   .kind = PLW_TRAP_FUEL, .status = PL_E_LIMIT, .func_index = 12, .opcode = -1,
                   .what = "fuel exhausted (budget 1000 units)"};
    fixture fx = load("traps");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    plw_call_info info = check_trap_on(&fx, inst, &c);
    cr_assert_eq(info.fuel_used, 1000u, "fuel_used %" PRIu64 " after exhausting 1000",
                 info.fuel_used);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, NULL, NULL);
    unload(&fx);
}

/* Out of fuel on entering the called function itself: the trap still names
** the function. */
Test(wasm_limits, trap_fuel_exhausted_on_entry_names_the_function)
{
    fixture fx = load("traps");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    plw_cell args[2] = {2, 3}, res[1];
    plw_call_opts o = {.fuel = 3}; /* ok needs 4 */
    plw_call_info info;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = plw_call(inst, func(inst, "ok"), args, res, &o, &info, &e);
    cr_assert_eq(st, PL_E_LIMIT, "%s", e.msg);
    cr_assert_eq(info.trap, PLW_TRAP_FUEL);
    cr_expect_eq(info.trap_func, 2u, "trap_func %u: %s", info.trap_func, e.msg);
    cr_expect(strstr(e.msg, "(traps.wasm: func 2 @0x"), "no location: %s", e.msg);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, NULL, NULL);
    unload(&fx);
}

Test(wasm_limits, trap_timeout)
{
    trap_case c = {.fixture = "traps", .func = "spin", .opts = {.timeout_ns = 50000000u},
                   .kind = PLW_TRAP_TIMEOUT, .status = PL_E_LIMIT, .func_index = 12,
                   .opcode = -1, .what = "timeout: the call ran past its 50 ms deadline"};
    fixture fx = load("traps");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    double t0 = now_ms();
    check_trap_on(&fx, inst, &c);
    double over = now_ms() - t0 - 50.0;
    fprintf(stderr, "wasm_limits/trap_timeout: stopped %.3f ms after its 50 ms deadline\n",
            over);
    cr_assert_geq(over, -1.0, "stopped %.3f ms before its deadline", -over);
    cr_assert_lt(over, 200.0, "stopped %.3f ms after its deadline (the goal is 10 ms)", over);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, NULL, NULL);
    unload(&fx);
}

typedef struct interrupter {
    plw_instance *inst;
    atomic_bool done;
    _Atomic double first_ms; /* when the first interrupt was sent */
} interrupter;

static void *interrupt_loop(void *p)
{
    interrupter *it = p;
    struct timespec pause = {0, 1000000}; /* 1 ms */
    struct timespec start = {0, 20000000}; /* let the call get going */
    nanosleep(&start, NULL);
    while (!atomic_load(&it->done)) {
        if (atomic_load(&it->first_ms) == 0.0)
            atomic_store(&it->first_ms, now_ms());
        plw_instance_interrupt(it->inst);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

Test(wasm_limits, trap_interrupted)
{
    trap_case c = {.fixture = "traps", .func = "spin", .kind = PLW_TRAP_INTERRUPTED,
                   .status = PL_E_LIMIT, .func_index = 12, .opcode = -1,
                   .what = "interrupted"};
    fixture fx = load("traps");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    /* An interrupt sent before a call does not stop it: the flag is cleared
    ** when the call starts. */
    plw_instance_interrupt(inst);
    plw_cell args[2] = {2, 3};
    cr_assert_eq((uint32_t)call_ok(inst, "ok", args, NULL, NULL), 5u);
    /* No fuel or time limit: only the interrupt can stop the loop. */
    interrupter it = {.inst = inst};
    atomic_init(&it.done, false);
    atomic_init(&it.first_ms, 0.0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, interrupt_loop, &it), 0);
    check_trap_on(&fx, inst, &c);
    double latency = now_ms() - atomic_load(&it.first_ms);
    atomic_store(&it.done, true);
    pthread_join(th, NULL);
    fprintf(stderr, "wasm_limits/trap_interrupted: stopped %.3f ms after the first interrupt\n",
            latency);
    cr_assert_lt(latency, 200.0, "stopped %.3f ms after the first interrupt", latency);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, NULL, NULL);
    unload(&fx);
}

Test(wasm_limits, trap_host_error)
{
    plw_linker *l = host_linker();
    trap_case c = {.fixture = "host", .func = "call_fail", .kind = PLW_TRAP_HOST,
                   .status = PL_E_TRAP, .func_index = 2, .opcode = 0x10,
                   .what = "host error: disk on fire 42"};
    check_trap(&c, l);
    plw_linker_free(l);
}

/* ---- fuel ---------------------------------------------------------------------- */

/* count(n) executes 11n + 9 instructions (fuel.wat says which). */
static uint64_t count_fuel(uint32_t n) { return 11u * (uint64_t)n + 9u; }

/* Call count(n) on a fresh instance; the status, fuel used and iterations
** begun (the exported global). */
static pl_status run_count(const fixture *fx, uint32_t n, uint64_t budget, uint64_t *used,
                           uint32_t *iters, pl_err *e)
{
    plw_instance *inst = instantiate(fx, NULL, NULL);
    plw_cell args[1] = {n}, res[1] = {0};
    plw_call_opts o = {.fuel = budget};
    plw_call_info info;
    plu_err_clear(e);
    pl_status st = plw_call(inst, func(inst, "count"), args, res, &o, &info, e);
    *used = info.fuel_used;
    plw_type t;
    plw_cell g = 0;
    cr_assert(plw_instance_global(inst, "iters", &t, &g));
    *iters = (uint32_t)g;
    if (st == PL_OK)
        cr_assert_eq((uint32_t)res[0], n);
    plw_instance_free(inst);
    return st;
}

Test(wasm_limits, fuel_used_is_the_instruction_count)
{
    fixture fx = load("fuel");
    static const uint32_t ns[] = {0, 1, 2, 1000, 100000, 1000000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t used, want = count_fuel(ns[i]);
        uint32_t iters;
        pl_err e;
        cr_assert_eq(run_count(&fx, ns[i], 0, &used, &iters, &e), PL_OK, "%s", e.msg);
        uint64_t diff = used > want ? used - want : want - used;
        fprintf(stderr, "wasm_limits/fuel: count(%u) used %" PRIu64 " units, computed %" PRIu64
                        "\n", ns[i], used, want);
        cr_expect_leq(diff * 100, want, "count(%u): fuel_used %" PRIu64 ", computed %" PRIu64
                                        " (more than 1%% off)", ns[i], used, want);
    }
    unload(&fx);
}

Test(wasm_limits, fuel_budget_just_below_traps_just_enough_succeeds)
{
    fixture fx = load("fuel");
    uint64_t need, used;
    uint32_t iters;
    pl_err e;
    cr_assert_eq(run_count(&fx, 1000, 0, &need, &iters, &e), PL_OK, "%s", e.msg);
    cr_assert_eq(run_count(&fx, 1000, need - 1, &used, &iters, &e), PL_E_LIMIT,
                 "budget %" PRIu64 " (one below the %" PRIu64 " it needs) did not trap",
                 need - 1, need);
    cr_assert(strstr(e.msg, "trap: fuel exhausted"), "%s", e.msg);
    cr_expect_eq(run_count(&fx, 1000, need + 1, &used, &iters, &e), PL_OK,
                 "budget %" PRIu64 " (one above the %" PRIu64 " it reports using): %s",
                 need + 1, need, e.msg);
    cr_expect_eq(run_count(&fx, 1000, need, &used, &iters, &e), PL_OK,
                 "budget %" PRIu64 " (exactly the %" PRIu64 " it reports using): %s", need,
                 need, e.msg);
    unload(&fx);
}

Test(wasm_limits, fuel_exhaustion_within_one_percent_of_the_budget)
{
    fixture fx = load("fuel");
    static const uint64_t budgets[] = {1000, 12345, 1000000, 10000000};
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        uint64_t b = budgets[i], used;
        uint32_t iters;
        pl_err e;
        cr_assert_eq(run_count(&fx, 100000000, b, &used, &iters, &e), PL_E_LIMIT, "%s",
                     e.msg);
        cr_assert(strstr(e.msg, "trap: fuel exhausted"), "%s", e.msg);
        /* the work really done: block and loop, then every instruction up to
        ** the global.set of the last iteration begun */
        uint64_t done = iters ? 11u * (uint64_t)iters + 1 : 0;
        fprintf(stderr, "wasm_limits/fuel: budget %" PRIu64 ": %" PRIu64
                        " units of work done, %" PRIu64 " reported\n", b, done, used);
        cr_assert_leq(done, b, "budget %" PRIu64 ": %" PRIu64 " units of work done", b, done);
        cr_assert_geq(done * 100, b * 99, "budget %" PRIu64 ": trapped after only %" PRIu64
                                          " units of work", b, done);
        cr_assert_leq(used, b);
        cr_assert_geq(used * 100, b * 99);
    }
    unload(&fx);
}

/* ---- memory ---------------------------------------------------------------------- */

Test(wasm_limits, memory_grow_beyond_the_cap_returns_minus_one)
{
    fixture fx = load("mem");
    plw_instance_limits lim = {.mem_bytes = 4 * 65536 + 100}; /* 4 pages and a bit */
    plw_instance *inst = instantiate(&fx, NULL, &lim);
    static const struct { uint32_t pages; int32_t want; } steps[] = {
        {2, 1}, {2, -1}, {1, 3}, {1, -1}, {0, 4}, {65536, -1}, {0xffffffffu, -1},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        plw_cell arg[1] = {steps[i].pages};
        int32_t got = (int32_t)(uint32_t)call_ok(inst, "grow", arg, NULL, NULL);
        cr_assert_eq(got, steps[i].want, "grow(%u) = %d, want %d", steps[i].pages, got,
                     steps[i].want);
    }
    /* the module keeps running, with all of its 4 pages */
    cr_assert_eq((uint32_t)call_ok(inst, "size", NULL, NULL, NULL), 4u);
    plw_cell poke[2] = {4 * 65536 - 1, 9}, peek[1] = {4 * 65536 - 1};
    call_ok(inst, "poke", poke, NULL, NULL);
    cr_assert_eq((uint32_t)call_ok(inst, "peek", peek, NULL, NULL), 9u);
    cr_assert_eq(plw_memory_size(inst), 4u * 65536u);
    cr_assert_eq(plw_memory_grow(inst, 1), -1, "the host grew the memory past the cap");
    cr_assert(!plw_instance_dead(inst));
    plw_instance_free(inst);
    unload(&fx);
}

Test(wasm_limits, memory_default_cap_is_256_mib)
{
    fixture fx = load("mem");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    plw_cell all[1] = {4095}, one[1] = {1};
    cr_assert_eq((int32_t)(uint32_t)call_ok(inst, "grow", all, NULL, NULL), 1);
    cr_assert_eq((int32_t)(uint32_t)call_ok(inst, "grow", one, NULL, NULL), -1);
    cr_assert_eq(plw_memory_size(inst), (uint64_t)PLW_DEFAULT_MEM_BYTES);
    plw_instance_free(inst);
    unload(&fx);
}

static void expect_no_instance(const fixture *fx, const plw_instance_limits *lim,
                               const char *limit_text)
{
    pl_err e;
    plu_err_clear(&e);
    plw_instance *inst = (plw_instance *)&e; /* must be cleared */
    pl_status st = plw_instantiate(fx->m, NULL, lim, &inst, &e);
    cr_assert_eq(st, PL_E_LIMIT, "%s: status %d (%s)", fx->name, st, e.msg);
    cr_assert_null(inst);
    cr_assert(strstr(e.msg, fx->name) == e.msg, "the message does not name the module: %s",
              e.msg);
    cr_assert(strstr(e.msg, limit_text), "'%s' does not say '%s'", e.msg, limit_text);
}

Test(wasm_limits, memory_initial_size_above_the_cap_fails_to_instantiate)
{
    fixture fx = load("bigmem"); /* 17 pages */
    plw_instance_limits lim = {.mem_bytes = 1048576};
    expect_no_instance(&fx, &lim, "initial size of 17 pages (1114112 bytes) exceeds the "
                                  "memory limit of 1048576 bytes");
    plw_instance_limits roomy = {.mem_bytes = 2 * 1048576};
    expect_fresh_ok(&fx, NULL, &roomy);
    unload(&fx);

    fixture huge = load("hugemem"); /* one page above the default cap */
    expect_no_instance(&huge, NULL, "exceeds the memory limit of 268435456 bytes");
    plw_instance_limits big = {.mem_bytes = 4097ull * 65536};
    expect_fresh_ok(&huge, NULL, &big);
    unload(&huge);

    fixture one = load("mem"); /* 1 page, a cap below one page */
    plw_instance_limits tiny = {.mem_bytes = 1000};
    expect_no_instance(&one, &tiny, "exceeds the memory limit of 1000 bytes");
    unload(&one);
}

/* ---- call depth and operand space ------------------------------------------------- */

static plw_call_info call_rec(plw_instance *inst, const char *name, uint32_t n, pl_status *st,
                              uint32_t *result, pl_err *e)
{
    plw_cell args[1] = {n}, res[1] = {0};
    plw_call_info info;
    plu_err_clear(e);
    *st = plw_call(inst, func(inst, name), args, res, NULL, &info, e);
    *result = (uint32_t)res[0];
    return info;
}

/* rec(n) runs n + 1 activations: with max_call_depth d, rec(d - 1) is the
** deepest call that fits. */
Test(wasm_limits, call_depth_is_max_call_depth_frames)
{
    fixture fx = load("recursion");
    static const uint32_t depths[] = {1, 2, 100, 1000};
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        uint32_t d = depths[i], r;
        plw_instance_limits lim = {.max_call_depth = d};
        pl_status st;
        pl_err e;
        plw_instance *inst = instantiate(&fx, NULL, &lim);
        call_rec(inst, "rec", d - 1, &st, &r, &e);
        cr_assert_eq(st, PL_OK, "max_call_depth %u: rec(%u) (%u frames): %s", d, d - 1, d,
                     e.msg);
        cr_assert_eq(r, d - 1);
        plw_call_info info = call_rec(inst, "rec", d, &st, &r, &e);
        cr_expect_eq(st, PL_E_TRAP, "max_call_depth %u: rec(%u) (%u frames) did not trap", d,
                     d, d + 1);
        if (st == PL_E_TRAP) {
            cr_assert_eq(info.trap, PLW_TRAP_STACK);
            cr_assert(strstr(e.msg, "trap: call stack exhausted (recursion.wasm: func 0 @0x"),
                      "%s", e.msg);
        }
        plw_instance_free(inst);
    }
    unload(&fx);
}

Test(wasm_limits, call_depth_default_and_operand_space)
{
    fixture fx = load("recursion");
    pl_status st;
    pl_err e;
    uint32_t r;
    /* the default depth, 1024 frames */
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    call_rec(inst, "rec", PLW_DEFAULT_CALL_DEPTH - 1, &st, &r, &e);
    cr_assert_eq(st, PL_OK, "%s", e.msg);
    plw_call_info info = call_rec(inst, "rec", 1000000, &st, &r, &e);
    cr_assert_eq(st, PL_E_TRAP, "%s", e.msg);
    cr_assert_eq(info.trap, PLW_TRAP_STACK);
    plw_instance_free(inst);
    /* a huge depth: the operand space (1 MiB by default) bounds it instead */
    plw_instance_limits deep = {.max_call_depth = 1000000};
    inst = instantiate(&fx, NULL, &deep);
    info = call_rec(inst, "rec", 999999, &st, &r, &e);
    cr_assert_eq(st, PL_E_TRAP, "%s", e.msg);
    cr_assert_eq(info.trap, PLW_TRAP_STACK);
    cr_assert(strstr(e.msg, "call stack exhausted"), "%s", e.msg);
    plw_instance_free(inst);
    /* a fresh instance with room does the same call */
    plw_instance_limits roomy = {.max_call_depth = 1000000, .stack_bytes = 256u << 20};
    inst = instantiate(&fx, NULL, &roomy);
    call_rec(inst, "rec", 999999, &st, &r, &e);
    cr_assert_eq(st, PL_OK, "%s", e.msg);
    cr_assert_eq(r, 999999u);
    plw_instance_free(inst);
    unload(&fx);
}

/* xa.a and xb.b call each other across two instances (xa.wat, xb.wat). */
typedef struct pair {
    fixture fa, fb;
    plw_instance *a, *b;
    plw_linker *l;
} pair;

static pair make_pair(const plw_instance_limits *lim)
{
    pair p;
    p.fa = load("xa");
    p.fb = load("xb");
    p.a = instantiate(&p.fa, NULL, lim);
    cr_assert_eq(plw_linker_new(&p.l), PL_OK);
    cr_assert_eq(plw_linker_instance(p.l, "xa", p.a), PL_OK);
    p.b = instantiate(&p.fb, p.l, lim);
    return p;
}

static void free_pair(pair *p)
{
    plw_instance_free(p->b);
    plw_instance_free(p->a);
    plw_linker_free(p->l);
    unload(&p->fa);
    unload(&p->fb);
}

static void check_pair_recursion(const plw_instance_limits *lim, uint32_t n)
{
    pair p = make_pair(lim);
    pl_status st;
    pl_err e;
    uint32_t r;
    call_rec(p.a, "a", 100, &st, &r, &e);
    cr_assert_eq(st, PL_OK, "%s", e.msg);
    cr_assert_eq(r, 100u);
    plw_call_info info = call_rec(p.a, "a", n, &st, &r, &e);
    cr_assert_eq(st, PL_E_TRAP, "a(%u): %s", n, e.msg);
    cr_assert_eq(info.trap, PLW_TRAP_STACK, "a(%u): %s", n, e.msg);
    free_pair(&p);
    pair q = make_pair(lim); /* fresh instances */
    call_rec(q.a, "a", 100, &st, &r, &e);
    cr_assert_eq(st, PL_OK, "%s", e.msg);
    free_pair(&q);
}

Test(wasm_limits, call_depth_across_instances)
{
    check_pair_recursion(NULL, 100000000);
}

Test(wasm_limits, call_depth_across_instances_large_limits)
{
    /* A host may allow deep recursion; a Wasm-to-Wasm call between two
    ** instances must still trap, never overflow the host's stack. */
    plw_instance_limits lim = {.max_call_depth = 1000000, .stack_bytes = 64u << 20};
    check_pair_recursion(&lim, 100000000);
}

/* ---- wall time ---------------------------------------------------------------------- */

Test(wasm_limits, timeout_holds_for_bulk_memory_instructions)
{
    /* few instructions that each do much work (4 MiB memory.fill) */
    fixture fx = load("bulk");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    plw_call_opts o = {.timeout_ns = 100000000u};
    plw_call_info info;
    pl_err e;
    plu_err_clear(&e);
    double t0 = now_ms();
    pl_status st = plw_call(inst, func(inst, "fill_forever"), NULL, NULL, &o, &info, &e);
    double over = now_ms() - t0 - 100.0;
    fprintf(stderr, "wasm_limits/timeout_bulk: stopped %.3f ms after its 100 ms deadline "
                    "(%" PRIu64 " units of fuel)\n", over, info.fuel_used);
    cr_assert_eq(st, PL_E_LIMIT, "%s", e.msg);
    cr_assert_eq(info.trap, PLW_TRAP_TIMEOUT);
    cr_assert_lt(over, 200.0, "stopped %.3f ms after its deadline (the goal is 10 ms)", over);
    plw_instance_free(inst);
    unload(&fx);
}

Test(wasm_limits, start_function_limits)
{
    fixture fx = load("start_spin");
    plw_instance_limits lim = {.start_fuel = 1000};
    pl_err e;
    plu_err_clear(&e);
    plw_instance *inst = NULL;
    pl_status st = plw_instantiate(fx.m, NULL, &lim, &inst, &e);
    cr_assert_eq(st, PL_E_LIMIT, "%s", e.msg);
    cr_assert(strstr(e.msg, "start function: trap: fuel exhausted (budget 1000 units)"), "%s",
              e.msg);
    cr_assert_not_null(inst, "a start function's trap hands back the dead instance");
    cr_assert(plw_instance_dead(inst));
    plw_instance_free(inst);
    plw_instance_limits timed = {.start_timeout_ns = 20000000u};
    double t0 = now_ms();
    st = plw_instantiate(fx.m, NULL, &timed, &inst, &e);
    double over = now_ms() - t0 - 20.0;
    cr_assert_eq(st, PL_E_LIMIT, "%s", e.msg);
    cr_assert(strstr(e.msg, "timeout"), "%s", e.msg);
    cr_assert_lt(over, 200.0, "the start function stopped %.3f ms late", over);
    plw_instance_free(inst);
    unload(&fx);
}

/* A deadline far in the future (timeout_ns near UINT64_MAX) must not wrap
** around into the past. */
Test(wasm_limits, timeout_far_in_the_future_never_fires)
{
    fixture fx = load("fuel");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    static const uint64_t timeouts[] = {UINT64_MAX, UINT64_MAX / 2 + 1};
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        plw_cell args[1] = {100000}, res[1] = {0};
        plw_call_opts o = {.timeout_ns = timeouts[i]};
        plw_call_info info;
        pl_err e;
        plu_err_clear(&e);
        pl_status st = plw_call(inst, func(inst, "count"), args, res, &o, &info, &e);
        cr_assert_eq(st, PL_OK, "timeout_ns %" PRIu64 ": %s", timeouts[i], e.msg);
        cr_assert_eq((uint32_t)res[0], 100000u);
    }
    plw_instance_free(inst);
    unload(&fx);
}

/* ---- table elements ---------------------------------------------------------------- */

Test(wasm_limits, table_grow_beyond_the_cap_returns_minus_one)
{
    fixture fx = load("table"); /* 10 elements */
    plw_instance_limits lim = {.table_elems = 100};
    plw_instance *inst = instantiate(&fx, NULL, &lim);
    static const struct { uint32_t n; int32_t want; } steps[] = {
        {50, 10}, {41, -1}, {40, 60}, {1, -1}, {0, 100}, {0xffffffffu, -1},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        plw_cell arg[1] = {steps[i].n};
        int32_t got = (int32_t)(uint32_t)call_ok(inst, "grow", arg, NULL, NULL);
        cr_assert_eq(got, steps[i].want, "table.grow(%u) = %d, want %d", steps[i].n, got,
                     steps[i].want);
    }
    cr_assert_eq((uint32_t)call_ok(inst, "size", NULL, NULL, NULL), 100u);
    cr_assert(!plw_instance_dead(inst));
    plw_instance_free(inst);
    unload(&fx);
}

Test(wasm_limits, table_initial_size_above_the_cap_fails_to_instantiate)
{
    fixture fx = load("bigtable"); /* 2000 elements */
    plw_instance_limits lim = {.table_elems = 1000};
    expect_no_instance(&fx, &lim, "2000 elements exceed the limit of 1000");
    expect_fresh_ok(&fx, NULL, NULL); /* the default cap is 1,000,000 */
    unload(&fx);
}

/* Operand space too small even for the call's arguments: a stack trap, not
** a misuse of the API. */
Test(wasm_limits, stack_bytes_too_small_for_the_arguments)
{
    fixture fx = load("traps");
    plw_instance_limits lim = {.stack_bytes = 8}; /* one cell; ok takes two */
    plw_instance *inst = instantiate(&fx, NULL, &lim);
    plw_cell args[2] = {2, 3}, res[1];
    plw_call_info info;
    pl_err e;
    plu_err_clear(&e);
    pl_status st = plw_call(inst, func(inst, "ok"), args, res, NULL, &info, &e);
    cr_expect_eq(st, PL_E_TRAP, "status %d: %s", st, e.msg);
    cr_expect(strstr(e.msg, "call stack exhausted"), "%s", e.msg);
    plw_instance_free(inst);
    expect_fresh_ok(&fx, NULL, NULL);
    unload(&fx);
}

/* A grow that cannot succeed (the usual probe for how far a table can
** go) answers -1 for a unit or two of fuel: it is charged for the
** elements it fills, not for the ones it asked for. */
Test(wasm_limits, failed_table_grow_costs_no_fuel_for_its_size)
{
    fixture fx = load("table");
    plw_instance_limits lim = {.table_elems = 100};
    plw_instance *inst = instantiate(&fx, NULL, &lim);
    plw_call_opts opts = {.fuel = 100};
    plw_call_info info;
    plw_cell arg[1] = {0xffffffffu};
    cr_assert_eq((int32_t)(uint32_t)call_ok(inst, "grow", arg, &opts, &info), -1);
    cr_assert_lt(info.fuel_used, 10u, "a failed grow used %" PRIu64 " units", info.fuel_used);
    arg[0] = 90; /* a grow that succeeds still pays for its elements */
    cr_assert_eq((int32_t)(uint32_t)call_ok(inst, "grow", arg, &opts, &info), 10);
    cr_assert_geq(info.fuel_used, 90u / 8u);
    plw_instance_free(inst);
    unload(&fx);
}

/* A refused call still fills in the call info: nothing ran, no trap. */
Test(wasm_limits, refused_call_reports_nothing_ran)
{
    fixture fx = load("traps");
    plw_instance *inst = instantiate(&fx, NULL, NULL);
    pl_err e;
    plu_err_clear(&e);
    plw_cell res[1];
    plw_call_info info;
    cr_assert_eq(plw_call(inst, func(inst, "unreachable"), NULL, res, NULL, &info, &e),
                 PL_E_TRAP);
    memset(&info, 0xa5, sizeof info);
    cr_assert_eq(plw_call(inst, func(inst, "unreachable"), NULL, res, NULL, &info, &e),
                 PL_E_MISUSE);
    cr_assert_eq(info.trap, PLW_TRAP_NONE);
    cr_assert_eq(info.fuel_used, 0u);
    plw_instance_free(inst);
    unload(&fx);
}
