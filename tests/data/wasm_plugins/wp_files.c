/*
** wp_files.c — a WASI tool plugin that reads and writes files through
** wasi-libc, for the path-escape tests. What failed is part of the output
** (the plugin saw an error) rather than a failed call:
**
**   read_file   input: a path → "read: <content>" | "error: <strerror>"
**   write_file  input: "path\ntext" → "wrote" | "error: <strerror>"
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wp_common.h"

static int32_t report_errno(void)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "error: %s", strerror(errno));
    return pdk_output_buf(&b);
}

PL_EXPORT(read_file)
{
    char *path = pdk_input(NULL);
    if (!path)
        return pdk_error("out of memory");
    FILE *f = fopen(path, "r");
    pdk_free(path);
    if (!f)
        return report_errno();
    char data[4096];
    size_t n = fread(data, 1, sizeof data, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad)
        return report_errno();
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_puts(&b, "read: ");
    pdk_buf_put(&b, data, n);
    return pdk_output_buf(&b);
}

PL_EXPORT(write_file)
{
    char *in = pdk_input(NULL);
    if (!in)
        return pdk_error("out of memory");
    char *nl = strchr(in, '\n');
    if (!nl) {
        pdk_free(in);
        return pdk_error("write_file: input is \"path\\ntext\"");
    }
    *nl = '\0';
    FILE *f = fopen(in, "w");
    int32_t rc;
    if (!f) {
        rc = report_errno();
    } else {
        bool ok = fputs(nl + 1, f) >= 0;
        ok = fclose(f) == 0 && ok;
        rc = ok ? pdk_output_str("wrote") : report_errno();
    }
    pdk_free(in);
    return rc;
}

PL_EXPORT(plinth_describe) { return wp_describe("wp_files", "tool", NULL); }

PL_EXPORT(plinth_invoke) { return pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "no methods"); }
