/*
** fuzz_schema.c — libFuzzer target for the JSON Schema validator.
**
** The input is "<schema JSON> 0xFF <instance JSON>" (0xFF never occurs in
** UTF-8 text); without a 0xFF byte the whole input is both the schema and
** the instance. The low bit of the length picks the default draft. Both
** documents must parse; then the schema is compiled, its references
** resolved (no loader: only the standard meta-schemas from disk), and the
** instance validated in the fast and the collecting mode, which must agree.
** Any crash, sanitizer report or disagreement is a bug.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/doc.h"
#include "config/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static plc_doc *parse(const uint8_t *p, size_t n, const char *name)
{
    plc_doc *doc = NULL;
    pl_err err;
    if (plc_parse_json((const char *)p, n, name, PLC_JSON_ALLOW_DUPLICATES, &doc, &err) != PL_OK)
        return NULL;
    return doc;
}

static void validate(plc_schema_reg *reg, const plc_schema *s, const plc_node *inst)
{
    pl_err err;
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    pl_status fast = plc_schema_validate(reg, s, inst, NULL, &err);
    pl_status full = plc_schema_validate(reg, s, inst, &errs, &err);
    bool fatal = (fast != PL_OK && fast != PL_E_SCHEMA) || (full != PL_OK && full != PL_E_SCHEMA);
    if (!fatal && (fast != full || (full == PL_E_SCHEMA && errs.len == 0)))
        abort(); /* the two modes must reach the same verdict */
    plu_buf out;
    plu_buf_init(&out);
    (void)plc_schema_errors_format(&errs, &out);
    plu_buf_free(&out);
    plc_schema_errors_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memchr(data, 0xFF, size);
    size_t slen = sep ? (size_t)(sep - data) : size;
    plc_doc *sdoc = parse(data, slen, "schema.json");
    plc_doc *idoc = sep ? parse(sep + 1, size - slen - 1, "data.json") : parse(data, size, "data.json");
    plc_schema_reg *reg = sdoc && idoc ? plc_schema_reg_new() : NULL;
    if (reg) {
        const plc_schema *s;
        pl_err err;
        plc_schema_reg_set_default_draft(reg, size & 1 ? PLC_SCHEMA_DRAFT7 : PLC_SCHEMA_DRAFT2020);
        if (plc_schema_compile(reg, sdoc->root, "urn:fuzz", &s, &err) == PL_OK) {
            validate(reg, s, idoc->root);
            (void)plc_schema_check_refs(reg, &err);
            validate(reg, s, sdoc->root);
        }
    }
    plc_schema_reg_free(reg);
    plc_doc_free(sdoc);
    plc_doc_free(idoc);
    return 0;
}
