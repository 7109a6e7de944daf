/*
** buf.c — growable, NUL-terminated byte buffers and whole-file reads.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void plu_buf_init(plu_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void plu_buf_free(plu_buf *b)
{
    plu_free(b->data);
    plu_buf_init(b);
}

int plu_buf_reserve(plu_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need < b->len)
        return -1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = plu_realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int plu_buf_append(plu_buf *b, const void *p, size_t n)
{
    if (plu_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int plu_buf_puts(plu_buf *b, const char *s) { return plu_buf_append(b, s, strlen(s)); }

int plu_buf_putc(plu_buf *b, char c) { return plu_buf_append(b, &c, 1); }

int plu_buf_vprintf(plu_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || plu_buf_reserve(b, (size_t)n) != 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int plu_buf_printf(plu_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = plu_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *plu_buf_take(plu_buf *b)
{
    if (!b->data && plu_buf_reserve(b, 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    char *p = b->data;
    plu_buf_init(b);
    return p;
}

pl_status plu_read_file(const char *path, char **out, size_t *len, pl_err *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return plu_errf(err, errno == ENOENT ? PL_E_NOT_FOUND : PL_E_IO, NULL,
                        "%s: cannot open: %s", path, strerror(errno));
    plu_buf b;
    plu_buf_init(&b);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (plu_buf_append(&b, chunk, n) != 0) {
            fclose(f);
            plu_buf_free(&b);
            return plu_err_nomem(err);
        }
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        plu_buf_free(&b);
        return plu_errf(err, PL_E_IO, NULL, "%s: read error: %s", path,
                        strerror(saved));
    }
    size_t total = b.len;
    char *data = plu_buf_take(&b);
    if (!data)
        return plu_err_nomem(err);
    *out = data;
    *len = total;
    return PL_OK;
}
