/*
** wasi_files.c — a wasi-libc reactor test plugin that uses WASI for real:
** files under the preopens (--allow-path), stdout and stderr.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest.h"

static char buf[1 << 16];

/* The input as a NUL-terminated string (a path). */
static const char *input_str(void)
{
    uint64_t n = g_input(buf, sizeof buf - 1);
    buf[n] = '\0';
    return buf;
}

/* Fail the call with "<what> <path>: <strerror>". */
static int32_t fail(const char *what, const char *path)
{
    static char msg[4096];
    snprintf(msg, sizeof msg, "%s %s: %s", what, path, strerror(errno));
    g_error(msg);
    return 1;
}

/* Input = a path; output = the file's bytes. */
EXPORT(cat) int32_t cat(void)
{
    const char *path = input_str();
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail("cannot open", path);
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    g_output(data, n);
    return 0;
}

/* Input = "PATH\nTEXT": writes TEXT to PATH; output "wrote N bytes". */
EXPORT(write) int32_t write_file(void)
{
    char *path = (char *)input_str();
    char *nl = strchr(path, '\n');
    const char *text = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail("cannot create", path);
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    if (fclose(f) != 0 || bad)
        return fail("cannot write", path);
    char out[64];
    snprintf(out, sizeof out, "wrote %zu bytes", n);
    g_output_str(out);
    return 0;
}

/* A line in two pieces on stdout, one on stderr; output "said hello". */
EXPORT(hello) int32_t hello(void)
{
    fputs("hello ", stdout);
    fflush(stdout);
    fputs("from stdout\n", stdout);
    fflush(stdout);
    fputs("and from stderr\n", stderr);
    g_output_str("said hello");
    return 0;
}
