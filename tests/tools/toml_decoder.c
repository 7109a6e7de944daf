/*
** toml_decoder.c — the toml-test "decoder" interface for plinth's TOML
** reader: TOML on stdin, the tagged JSON of the toml-test suite on stdout,
** exit 0. Invalid input: the error on stderr, exit 1.
**
**   toml-test -- build/tests/toml_decoder
**   build/tests/toml_decoder < file.toml
**
** Tagged JSON: tables are objects, arrays are arrays, and every scalar is
** {"type": T, "value": "text"} (see toml-test's README).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/doc.h"

/* Read all of f, binary-safe (NUL bytes included). 0, or -1 on error. */
static int read_all(FILE *f, plu_buf *b)
{
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (plu_buf_append(b, chunk, got) != 0)
            return -1;
    return ferror(f) ? -1 : plu_buf_append(b, "", 0);
}

/* A JSON string; bytes >= 0x80 pass through (the reader checked UTF-8). */
static int put_string(plu_buf *o, const char *s, size_t n)
{
    int rc = plu_buf_putc(o, '"');
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rc = plu_buf_putc(o, '\\') || plu_buf_putc(o, (char)c);
        else if (c < 0x20 || c == 0x7f)
            rc = plu_buf_printf(o, "\\u%04x", c);
        else
            rc = plu_buf_putc(o, (char)c);
    }
    return rc || plu_buf_putc(o, '"');
}

/* The shortest decimal text that reads back as the same double. */
static void float_text(double f, char *buf, size_t cap)
{
    if (isnan(f)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, cap, f < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            return;
    }
}

static const char *type_of(plc_kind kind)
{
    static const char *const names[] = {
        [PLC_BOOL] = "bool",
        [PLC_INT] = "integer",
        [PLC_FLOAT] = "float",
        [PLC_STRING] = "string",
        [PLC_DATETIME] = "datetime",
        [PLC_DATETIME_LOCAL] = "datetime-local",
        [PLC_DATE_LOCAL] = "date-local",
        [PLC_TIME_LOCAL] = "time-local",
    };
    return (size_t)kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

/* The scalar's value as text (in buf, or the node's own string). */
static int put_scalar(plu_buf *o, const plc_node *n)
{
    char buf[64];
    const char *text = buf;
    size_t len;
    if (n->kind == PLC_BOOL)
        text = n->u.b ? "true" : "false";
    else if (n->kind == PLC_INT)
        snprintf(buf, sizeof buf, "%lld", (long long)n->u.i);
    else if (n->kind == PLC_FLOAT)
        float_text(n->u.f, buf, sizeof buf);
    else
        text = n->u.s.ptr;
    len = n->kind >= PLC_STRING && n->kind <= PLC_TIME_LOCAL ? n->u.s.len : strlen(text);
    return plu_buf_printf(o, "{\"type\":\"%s\",\"value\":", type_of(n->kind)) ||
           put_string(o, text, len) || plu_buf_putc(o, '}');
}

/* The tagged JSON of n. The reader bounds the nesting (256), so this
** recursion is bounded too. */
static int put_node(plu_buf *o, const plc_node *n)
{
    int rc = 0;
    if (n->kind == PLC_TABLE) {
        rc = plu_buf_putc(o, '{');
        for (size_t i = 0; i < n->u.t.len && rc == 0; i++) {
            const plc_member *m = &n->u.t.items[i];
            rc = (i && plu_buf_putc(o, ',')) || put_string(o, m->key, m->key_len) ||
                 plu_buf_putc(o, ':') || put_node(o, m->value);
        }
        return rc || plu_buf_putc(o, '}');
    }
    if (n->kind == PLC_ARRAY) {
        rc = plu_buf_putc(o, '[');
        for (size_t i = 0; i < n->u.a.len && rc == 0; i++)
            rc = (i && plu_buf_putc(o, ',')) || put_node(o, n->u.a.items[i]);
        return rc || plu_buf_putc(o, ']');
    }
    return put_scalar(o, n);
}

int main(void)
{
    plu_buf in, out;
    plu_buf_init(&in);
    plu_buf_init(&out);
    if (read_all(stdin, &in) != 0) {
        fprintf(stderr, "toml_decoder: cannot read stdin\n");
        plu_buf_free(&in);
        return 2;
    }
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plc_parse_toml(in.data, in.len, "stdin", &doc, &err);
    plu_buf_free(&in);
    if (st != PL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int rc = put_node(&out, doc->root) || plu_buf_putc(&out, '\n');
    plc_doc_free(doc);
    if (rc == 0)
        fwrite(out.data, 1, out.len, stdout);
    plu_buf_free(&out);
    if (rc != 0) {
        fprintf(stderr, "toml_decoder: out of memory\n");
        return 2;
    }
    return 0;
}
