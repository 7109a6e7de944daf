/*
** kitchen.c — a test plugin that exercises every `extism:host/env` import,
** built as a wasi-libc reactor (exports _initialize) like C PDK plugins.
** Uses no WASI functions, so it links without WASI.
*/
#include <stdint.h>
#include <string.h>

#include "imports.h"

static uint8_t buf[1 << 16];
static int calls; /* a global that persists across calls */

static uint64_t utoa(uint64_t v, char *out)
{
    char tmp[24];
    uint64_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

static void output_u64(uint64_t v)
{
    char s[24];
    x_output(s, utoa(v, s));
}

XEXPORT(count_vowels) int32_t count_vowels(void)
{
    uint64_t n = x_input(buf, sizeof buf), count = 0;
    for (uint64_t i = 0; i < n; i++) {
        char c = (char)buf[i];
        if (strchr("aeiouAEIOU", c) && c)
            count++;
    }
    char out[64] = "{\"count\": ";
    uint64_t k = strlen(out);
    k += utoa(count, out + k);
    out[k++] = '}';
    x_output(out, k);
    return 0;
}

/* Echo through load_* on the input block (newer C PDK: input_offset). */
XEXPORT(echo_offset) int32_t echo_offset(void)
{
    xh in = x_input_offset();
    uint64_t n = x_length(in);
    if (n != x_input_length())
        return 2;
    x_load(in, buf, n);
    x_output(buf, n);
    return 0;
}

/* Reads around the end of the input: what past-the-end loads return. */
XEXPORT(probe_input) int32_t probe_input(void)
{
    uint64_t n = x_input_length();
    uint64_t r[5] = {
        x_input_load_u64(n >= 4 ? n - 4 : 0), /* crosses the end: 0 */
        x_input_load_u64(n),                  /* at the end: 0 */
        x_input_load_u8(n),                   /* 0 */
        x_input_load_u64(n >= 8 ? n - 8 : 0), /* the last 8 bytes */
        x_input_load_u64(UINT64_MAX - 3),     /* wraps: 0 */
    };
    x_output(r, sizeof r);
    return 0;
}

XEXPORT(fail_rc0) int32_t fail_rc0(void)
{
    x_output_str("partial");
    x_error_set(x_str("boom with rc 0"));
    return 0;
}

XEXPORT(fail_rc1) int32_t fail_rc1(void)
{
    x_error_set(x_str("bad input"));
    return 1;
}

XEXPORT(rc_only) int32_t rc_only(void) { return 3; }

/* error_set on something that is not a block start: not an error. */
XEXPORT(error_inside) int32_t error_inside(void)
{
    xh h = x_str("not a start");
    x_error_set(h + 1);
    return x_error_get() == h + 1 ? 0 : 9;
}

XEXPORT(nothing) void nothing(void) { x_output_str("v"); }

/* Input = key; output = value or "<absent>". */
XEXPORT(config) int32_t config(void)
{
    uint64_t n = x_input(buf, sizeof buf);
    xh key = x_store(buf, n);
    xh v = x_config_get(key);
    if (!v) {
        x_output_str("<absent>");
        return 0;
    }
    x_output_set(v, x_length(v));
    return 0;
}

/* A counter in the var "n" (8 bytes). */
XEXPORT(counter) int32_t counter(void)
{
    xh v = x_var_get(x_str("n"));
    uint64_t c = v ? x_load_u64(v) : 0;
    c++;
    x_var_set(x_str("n"), x_store(&c, 8));
    output_u64(c);
    return 0;
}

/* Input "key=value": set; "key=": delete; "key": get. */
XEXPORT(var) int32_t var(void)
{
    uint64_t n = x_input(buf, sizeof buf), eq = 0;
    while (eq < n && buf[eq] != '=')
        eq++;
    xh key = x_store(buf, eq);
    if (eq == n) {
        xh v = x_var_get(key);
        if (!v)
            x_output_str("<absent>");
        else
            x_output_set(v, x_length(v));
        return 0;
    }
    xh val = eq + 1 < n ? x_store(buf + eq + 1, n - eq - 1) : 0;
    x_var_set(key, val);
    x_output_str("set");
    return 0;
}

/* Input = request JSON; output "<status> <body>". */
static int32_t http(const char *body)
{
    uint64_t n = x_input(buf, sizeof buf);
    xh req = x_store(buf, n);
    xh b = body ? x_str(body) : 0;
    xh res = x_http_request(req, b);
    int32_t st = x_http_status_code();
    char out[256];
    uint64_t k = utoa((uint64_t)st, out);
    out[k++] = ' ';
    uint64_t len = res ? x_length(res) : 0;
    if (len > sizeof out - k)
        len = sizeof out - k;
    x_load(res, out + k, len);
    x_output(out, k + len);
    return 0;
}

XEXPORT(http_get) int32_t http_get(void) { return http(NULL); }
XEXPORT(http_post) int32_t http_post(void) { return http("posted body"); }

/* Request as http_get, output the headers JSON or "<none>". */
XEXPORT(http_hdrs) int32_t http_hdrs(void)
{
    uint64_t n = x_input(buf, sizeof buf);
    x_http_request(x_store(buf, n), 0);
    xh h = x_http_headers();
    if (!h) {
        x_output_str("<none>");
        return 0;
    }
    x_output_set(h, x_length(h));
    return 0;
}

/* One message per level, then the level as the output. */
XEXPORT(logs) int32_t logs(void)
{
    x_log_trace(x_str("t-msg"));
    x_log_debug(x_str("d-msg"));
    x_log_info(x_str("i-msg"));
    x_log_warn(x_str("w-msg"));
    x_log_error(x_str("e-msg"));
    output_u64((uint64_t)(uint32_t)x_get_log_level());
    return 0;
}

/* Edge cases of handles; returns the number of the first failed check. */
XEXPORT(handles) int32_t handles(void)
{
    xh h = x_alloc(13);
    if (x_alloc(0) != 0) return 1;
    if (x_length(0) != 0 || x_length_unsafe(0) != 0) return 2;
    if (x_length(h) != 13 || x_length_unsafe(h) != 13) return 3;
    if (x_length(h + 1) != 0 || x_length(h + 8) != 0) return 4;
    if (x_length(0x7fffffffffffull) != 0 || x_length(UINT64_MAX) != 0) return 5;
    x_store_u8(h + 12, 0xab);
    if (x_load_u8(h + 12) != 0xab) return 6;
    x_store_u64(h, 0x1122334455667788ull);
    if (x_load_u64(h) != 0x1122334455667788ull) return 7;
    if (x_load_u64(UINT64_MAX - 2) != 0 || x_load_u8(UINT64_MAX) != 0) return 8;
    if (x_load_u8(1u << 30) != 0) return 9;
    x_store_u64(UINT64_MAX - 2, 1);  /* ignored, no trap */
    x_store_u8(1ull << 40, 1);       /* ignored */
    x_free(0);
    x_free(12345678);
    x_free(h + 1);
    if (x_length(h) != 13) return 10;
    x_free(h);
    if (x_length(h) != 0) return 11;
    x_free(h); /* double free */
    xh big = x_alloc(1ull << 40);
    if (big != 0) return 12;
    xh a = x_alloc(100), b = x_alloc(100);
    if (!a || !b || a == b) return 13;
    x_free(a);
    xh c = x_alloc(90); /* a freed block of the size class is reused */
    if (c != a) return 14;
    x_output_str("ok");
    return 0;
}

/* The first handle of a call, as a number: the same every call. */
XEXPORT(first_handle) int32_t first_handle(void)
{
    uint64_t n = x_input_length();
    xh h = x_alloc(16);
    for (uint64_t i = 0; i < 1000; i++)
        x_alloc(64); /* garbage that the reset must recycle */
    output_u64(h - n);
    return 0;
}

/* output_set inside a block: "abcdefg" + 2, 3 -> "cde". */
XEXPORT(output_inside) int32_t output_inside(void)
{
    xh h = x_str("abcdefg");
    x_output_set(h + 2, 3);
    return 0;
}

/* An allocation as large as the input says, filled: memory caps. */
XEXPORT(alloc_n) int32_t alloc_n(void)
{
    uint64_t n = 0;
    x_input(&n, 8);
    xh h = x_alloc(n);
    output_u64(h ? x_length(h) : 0);
    return 0;
}

XEXPORT(globals) int32_t globals(void)
{
    output_u64((uint64_t)++calls);
    return 0;
}

XEXPORT(trap) int32_t trap(void)
{
    x_error_set(0);
    __builtin_trap();
}

XEXPORT(trap_after_error) int32_t trap_after_error(void)
{
    x_error_set(x_str("set before the trap"));
    __builtin_trap();
}

XEXPORT(spin) int32_t spin(void)
{
    volatile uint64_t i = 0;
    for (;;)
        i++;
}

/* Params: not an Extism function. */
XEXPORT(with_param) int32_t with_param(int32_t x) { return x; }
