/*
** nolibc.c — a test plugin without libc (-nostdlib, no _initialize), like
** the smallest C PDK plugins: count_vowels and calls to user host
** functions in `extism:host/user`.
*/
#include <stdint.h>

#include "imports.h"

#define UIMPORT(n) __attribute__((import_module("extism:host/user"), import_name(#n)))

UIMPORT(reverse) xh u_reverse(xh s);
UIMPORT(fail_soft) void u_fail_soft(void);
UIMPORT(fail_hard) void u_fail_hard(void);
UIMPORT(context) uint64_t u_context(void);
/* A user function in another module name, with plain numbers. */
__attribute__((import_module("host"), import_name("mult"))) int64_t u_mult(int64_t a, int64_t b);

static uint8_t buf[4096];

XEXPORT(count_vowels) int32_t count_vowels(void)
{
    uint64_t n = x_input(buf, sizeof buf), count = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t c = buf[i] | 0x20;
        count += c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    }
    char out[32] = "{\"count\": ";
    uint64_t k = 10;
    char tmp[20];
    uint64_t t = 0;
    do {
        tmp[t++] = (char)('0' + count % 10);
        count /= 10;
    } while (count);
    while (t)
        out[k++] = tmp[--t];
    out[k++] = '}';
    x_output(out, k);
    return 0;
}

/* The input reversed by the host; the argument block is freed here after
** the call, as the Rust PDK does (the host must not have reused it). */
XEXPORT(reverse) int32_t reverse(void)
{
    uint64_t n = x_input(buf, sizeof buf);
    xh arg = x_store(buf, n);
    xh res = u_reverse(arg);
    x_free(arg);
    if (res == arg)
        return 7;
    uint64_t len = x_length(res);
    x_output_set(res, len);
    return 0;
}

XEXPORT(soft) int32_t soft(void)
{
    u_fail_soft();
    return 0;
}

XEXPORT(hard) int32_t hard(void)
{
    u_fail_hard();
    return 0;
}

XEXPORT(ctx) int32_t ctx(void)
{
    uint64_t v = u_context();
    x_output(&v, 8);
    return 0;
}

XEXPORT(mult) int32_t mult(void) { return (int32_t)u_mult(6, 7); }
