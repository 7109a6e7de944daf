/*
** basics.c — test plugin for `plinth call` (no libc): one export per
** behaviour the command must report: echo, config, errors and return
** codes, logs, HTTP, a loop that never ends, an export with a parameter.
*/
#include "guest.h"

static uint8_t buf[1 << 16];

/* The input back, byte for byte (NUL bytes and line ends included). */
EXPORT(echo) int32_t echo(void)
{
    uint64_t n = g_input(buf, sizeof buf);
    g_output(buf, n);
    return 0;
}

/* Sets no output at all. */
EXPORT(nothing) int32_t nothing(void) { return 0; }

/* The configuration value of the key given as input; an error when the
** key is not set. */
EXPORT(config) int32_t config(void)
{
    uint64_t n = g_input(buf, sizeof buf);
    uint64_t v = env_config_get(g_block(buf, n));
    if (!v) {
        g_error("no such config key");
        return 1;
    }
    env_output_set(v, env_length(v));
    return 0;
}

/* "Hello, <config name>!" */
EXPORT(greet) int32_t greet(void)
{
    static const char hello[] = "Hello, ";
    uint64_t v = env_config_get(g_str("name"));
    uint64_t n = v ? env_length(v) : 0, k = sizeof hello - 1;
    if (n > sizeof buf - k - 1)
        n = sizeof buf - k - 1;
    __builtin_memcpy(buf, hello, k);
    if (v)
        g_read(v, buf + k, n);
    k += n;
    buf[k++] = '!';
    g_output(buf, k);
    return 0;
}

/* An error with return code 0: the call still fails. */
EXPORT(fail) int32_t fail(void)
{
    g_output_str("partial output");
    g_error("something went wrong");
    return 0;
}

/* A non-zero code and no error message. */
EXPORT(fail_rc) int32_t fail_rc(void) { return 3; }

/* One message per level, then "logged". */
EXPORT(logs) int32_t logs(void)
{
    env_log_debug(g_str("debug message"));
    env_log_info(g_str("info message"));
    env_log_warn(g_str("warn message"));
    env_log_error(g_str("error message"));
    g_output_str("logged");
    return 0;
}

/* Input = the request JSON; output "<status>\n<body>". */
EXPORT(http) int32_t http(void)
{
    uint64_t n = g_input(buf, sizeof buf);
    uint64_t res = env_http_request(g_block(buf, n), 0);
    int32_t st = env_http_status_code();
    uint64_t k = 0;
    buf[k++] = (uint8_t)('0' + st / 100 % 10);
    buf[k++] = (uint8_t)('0' + st / 10 % 10);
    buf[k++] = (uint8_t)('0' + st % 10);
    buf[k++] = '\n';
    uint64_t len = res ? env_length(res) : 0;
    if (len > sizeof buf - k)
        len = sizeof buf - k;
    g_read(res, buf + k, len);
    g_output(buf, k + len);
    return 0;
}

/* Never returns: only fuel or time stops it. */
EXPORT(spin) int32_t spin(void)
{
    volatile uint64_t i = 0;
    for (;;)
        i++;
}

/* Traps (unreachable). */
EXPORT(crash) int32_t crash(void) { __builtin_trap(); }

/* A parameter: not an Extism function. */
EXPORT(add_one) int32_t add_one(int32_t x) { return x + 1; }
