/*
** wp_traps.c — a tool plugin that fails on request, for the sandbox
** tests (tests/integration/test_wasm_plugins_sandbox.c and _pool.c).
**
** Exports called with pl_plugin_call (Extism convention):
**   ok               output "ok:" and the input
**   unreachable, div_zero, int_overflow, oob_memory, stack_overflow,
**   bad_conversion, null_call, sig_mismatch
**                    each traps with that kind, through volatile values
**                    the compiler cannot see through
**   spin             loops forever (the wall-time and fuel limits end it)
**   burn             N iterations (the input, decimal), then "burnt N"
**   grow             memory.grow by N pages (the input, decimal): "grow R
**                    size S" with R what memory.grow returned (-1: refused)
**   sleep            nanosleep for N ms (WASI poll_oneoff), then "slept"
**   invocations      how many times this instance ran plinth_invoke
** and the tool ABI (PDK_TOOL_PLUGIN): tools "echo" {text} and "trap" {kind}.
*/
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include <limits.h>
#include <math.h>
#include <time.h>

#include "plinth_pdk.h"

/* The input read as a decimal number (negative allowed), 0 if none. */
static int64_t input_number(void)
{
    size_t n;
    char *s = pdk_input(&n);
    int64_t v = 0, sign = 1;
    size_t i = 0;
    if (s && n && s[0] == '-') {
        sign = -1;
        i = 1;
    }
    for (; s && i < n && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (s[i] - '0');
    pdk_free(s);
    return v * sign;
}

static volatile int32_t zero = 0, minus_one = -1, int_min = INT_MIN;
static volatile double not_a_number = NAN;
static volatile uintptr_t far_away = 0xFFFFFFF0u;

static int32_t one_arg(int32_t x) { return x + 1; }
static volatile uintptr_t one_arg_addr;

/* Deep enough to pass any call-depth limit (stop_at is never reached);
** the frame keeps it from becoming a loop. */
static volatile int32_t stop_at = -1;

static int32_t deeper(int32_t n)
{
    if (n == stop_at)
        return 0;
    volatile int32_t pad[8];
    pad[n & 7] = n;
    return deeper(n + 1) + pad[n & 7];
}

/* Trap with the named kind; false when the kind is unknown. */
static bool trap_with(const char *kind)
{
    int32_t r = 0;
    if (pdk_streq(kind, "unreachable")) {
        __builtin_trap();
    } else if (pdk_streq(kind, "div_zero")) {
        r = 7 / zero;
    } else if (pdk_streq(kind, "int_overflow")) {
        r = int_min / minus_one;
    } else if (pdk_streq(kind, "oob_memory")) {
        r = *(volatile int32_t *)far_away;
    } else if (pdk_streq(kind, "stack_overflow")) {
        r = deeper(0);
    } else if (pdk_streq(kind, "bad_conversion")) {
        r = __builtin_wasm_trunc_s_i32_f64(not_a_number);
    } else if (pdk_streq(kind, "null_call")) {
        int32_t (*volatile f)(int32_t) = 0;
        r = f(1);
    } else if (pdk_streq(kind, "sig_mismatch")) {
        one_arg_addr = (uintptr_t)one_arg;
        int64_t (*g)(int64_t, int64_t, int64_t) =
            (int64_t (*)(int64_t, int64_t, int64_t))one_arg_addr;
        r = (int32_t)g(1, 2, 3);
    } else {
        return false;
    }
    /* Not reached when the trap happened. */
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "%s did not trap (%d)", kind, (int)r);
    pdk_output_buf(&b);
    return true;
}

#define TRAP_EXPORT(k)                                                  \
    PL_EXPORT(k)                                                        \
    {                                                                   \
        trap_with(#k);                                                  \
        return 0;                                                       \
    }

TRAP_EXPORT(unreachable)
TRAP_EXPORT(div_zero)
TRAP_EXPORT(int_overflow)
TRAP_EXPORT(oob_memory)
TRAP_EXPORT(stack_overflow)
TRAP_EXPORT(bad_conversion)
TRAP_EXPORT(null_call)
TRAP_EXPORT(sig_mismatch)

PL_EXPORT(ok)
{
    size_t n;
    char *in = pdk_input(&n);
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_puts(&b, "ok:");
    pdk_buf_put(&b, in ? in : "", in ? n : 0);
    pdk_free(in);
    return pdk_output_buf(&b);
}

PL_EXPORT(spin)
{
    volatile uint64_t i = 0;
    for (;;)
        i++;
}

PL_EXPORT(burn)
{
    int64_t n = input_number();
    volatile int64_t i = 0;
    while (i < n)
        i++;
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "burnt %lld", (long long)i);
    return pdk_output_buf(&b);
}

PL_EXPORT(grow)
{
    int64_t pages = input_number();
    int32_t r = (int32_t)__builtin_wasm_memory_grow(0, (size_t)pages);
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "grow %d size %d", (int)r, (int)__builtin_wasm_memory_size(0));
    return pdk_output_buf(&b);
}

PL_EXPORT(sleep)
{
    int64_t ms = input_number();
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return pdk_output_str("slept");
}

/* ---- the tool ABI ----------------------------------------------------------- */

static pdk_tool_rc tool_echo(const pdk_jv *args, pdk_buf *out)
{
    const pdk_jv *t = pdk_jv_get(args, "text");
    pdk_buf_put(out, pdk_jv_str_or(t, ""), pdk_jv_strlen(t));
    return PDK_TOOL_OK;
}

static pdk_tool_rc tool_trap(const pdk_jv *args, pdk_buf *out)
{
    const char *kind = pdk_jv_str_or(pdk_jv_get(args, "kind"), "");
    if (!trap_with(kind)) {
        pdk_buf_fmt(out, "unknown trap kind '%s'", kind);
        return PDK_TOOL_BAD_ARGS;
    }
    pdk_buf_puts(out, "no trap");
    return PDK_TOOL_FAILED;
}

static const pdk_tool tools[] = {
    {"echo", "Say the text back.",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
     "\"required\":[\"text\"]}",
     tool_echo},
    {"trap", "Trap with the kind asked for.",
     "{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\"}},"
     "\"required\":[\"kind\"]}",
     tool_trap},
};

static uint32_t invocations;

PL_EXPORT(invocations)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "%u", (unsigned)invocations);
    return pdk_output_buf(&b);
}

static const pdk_tool_plugin plugin = {"dev.plinth.test.wp_traps", "wp_traps", "0.0.1",
                                       "Fails on request.", tools,
                                       sizeof tools / sizeof tools[0]};

PL_EXPORT(plinth_describe) { return pdk_tool_describe(&plugin); }

PL_EXPORT(plinth_invoke)
{
    invocations++;
    return pdk_tool_invoke(&plugin);
}
