/*
** schema_api.c — pl_schema_validate: read a schema and a data file (TOML,
** JSON or YAML), validate, and report one line per error. References to
** other files ("$ref": "common.json#/$defs/x") resolve against the schema
** file's own file:// URI.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/schema.h"
#include "config/schema_int.h"

/* The file:// URI of a path (made absolute, unsafe bytes %-encoded). */
static int file_uri(const char *path, plu_buf *out)
{
    char abs[PATH_MAX];
    const char *p = realpath(path, abs) ? abs : path;
    int rc = plu_buf_puts(out, "file://");
    if (rc == 0 && p[0] != '/') {
        char cwd[4096];
        rc = getcwd(cwd, sizeof cwd) ? plu_buf_printf(out, "%s/", cwd) : 0;
    }
    for (; rc == 0 && *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool safe = c > 0x20 && c < 0x7F && !strchr("%#?\"<>\\^`{|}", c);
        rc = safe ? plu_buf_putc(out, (char)c) : plu_buf_printf(out, "%%%02X", c);
    }
    return rc;
}

/* Loads file:// URIs; anything else is not found. */
static pl_status file_loader(void *ctx, const char *uri, plc_doc **out, pl_err *err)
{
    (void)ctx;
    if (strncmp(uri, "file://", 7) != 0)
        return PL_E_NOT_FOUND;
    plu_buf path;
    plu_buf_init(&path);
    const char *p = uri + 7;
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    pl_status st = sch_pct_decode(p, strlen(p), &path) == 0 ? plc_parse_file(path.data, out, err)
                                                            : plu_err_nomem(err);
    plu_buf_free(&path);
    return st;
}

static void copy_msg(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* Parse a file that must hold a document. */
static pl_status read_doc(const char *path, plc_doc **out, pl_err *e)
{
    pl_status st = plc_parse_file(path, out, e);
    if (st == PL_OK && !(*out)->root) {
        plc_doc_free(*out);
        *out = NULL;
        st = plu_errf(e, PL_E_CONFIG, NULL, "%s: the document is empty", path);
    }
    return st;
}

/* Compile the schema document (the registry takes it over). */
static pl_status compile_schema(plc_schema_reg *reg, const char *path, plc_doc *doc,
                                const plc_schema **out, pl_err *e)
{
    if (plc_schema_reg_adopt(reg, doc) != 0) {
        plc_doc_free(doc);
        return plu_err_nomem(e);
    }
    plu_buf uri;
    plu_buf_init(&uri);
    pl_status st = file_uri(path, &uri) == 0 ? PL_OK : plu_err_nomem(e);
    plc_schema_reg_set_loader(reg, file_loader, NULL);
    if (st == PL_OK)
        st = plc_schema_compile(reg, doc->root, uri.data, out, e);
    if (st == PL_OK)
        st = plc_schema_check_refs(reg, e);
    plu_buf_free(&uri);
    return st;
}

static int loc_cmp(const pl_loc *a, const pl_loc *b)
{
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

/* Errors in file order; errors at one place keep their order (an insertion
** sort is stable, and reports are short). */
static void sort_errors(plc_schema_errors *errs)
{
    for (size_t k = 1; k < errs->len; k++) {
        plc_schema_error x = errs->items[k];
        size_t j = k;
        for (; j > 0 && loc_cmp(&errs->items[j - 1].loc, &x.loc) > 0; j--)
            errs->items[j] = errs->items[j - 1];
        errs->items[j] = x;
    }
}

/* Validate and turn the errors into the report. */
static pl_status run(plc_schema_reg *reg, const plc_schema *s, const char *data_path,
                     const plc_node *data, char **report, pl_err *e)
{
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    pl_status st = plc_schema_validate(reg, s, data, &errs, e);
    if (st == PL_E_SCHEMA) {
        sort_errors(&errs);
        plu_buf b;
        plu_buf_init(&b);
        if (plc_schema_errors_format(&errs, &b) != 0 || (report && !(*report = plu_buf_take(&b))))
            st = plu_err_nomem(e);
        else
            plu_errf(e, PL_E_SCHEMA, NULL, "%s: %zu schema violation%s", data_path, errs.len,
                     errs.len == 1 ? "" : "s");
        plu_buf_free(&b);
    }
    plc_schema_errors_free(&errs);
    return st;
}

PL_API pl_status pl_schema_validate(const char *schema_path, const char *data_path,
                                    char **report, char *err, size_t errlen)
{
    if (report)
        *report = NULL;
    if (!schema_path || !data_path) {
        copy_msg(err, errlen, "pl_schema_validate: schema_path and data_path are required");
        return PL_E_INVALID_ARG;
    }
    pl_err e;
    plu_err_clear(&e);
    plc_doc *sdoc = NULL, *ddoc = NULL;
    plc_schema_reg *reg = NULL;
    const plc_schema *s = NULL;
    pl_status st = read_doc(schema_path, &sdoc, &e);
    if (st == PL_OK)
        st = read_doc(data_path, &ddoc, &e);
    if (st == PL_OK && !(reg = plc_schema_reg_new()))
        st = plu_err_nomem(&e);
    if (st == PL_OK) {
        st = compile_schema(reg, schema_path, sdoc, &s, &e);
        sdoc = NULL; /* the registry owns it now */
    }
    if (st == PL_OK)
        st = run(reg, s, data_path, ddoc->root, report, &e);
    plc_schema_reg_free(reg);
    plc_doc_free(sdoc);
    plc_doc_free(ddoc);
    if (st != PL_OK)
        copy_msg(err, errlen, e.msg);
    else
        copy_msg(err, errlen, "");
    return st;
}
