/*
** fuzz_toml.c — libFuzzer target for plinth's TOML reader.
**
** Any bytes go in. A document that parses is serialised with plc_to_json
** (which walks the whole tree) and freed; a rejected one must come back
** with a located syntax error and no document. Anything else aborts, so
** the fuzzer reports it. Seeds: tests/fuzz/corpus/toml/.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude ...
**   ./fuzz_toml tests/fuzz/corpus/toml
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plc_parse_toml((const char *)data, size, "fuzz.toml", &doc, &err);
    if (st == PL_OK) {
        plu_buf out;
        plu_buf_init(&out);
        if (!doc || !doc->root || plc_to_json(doc->root, 0, &out) != 0)
            abort();
        plu_buf_free(&out);
        plc_doc_free(doc);
        return 0;
    }
    /* Rejected: a syntax error that says where, and nothing to free. */
    if (doc || st != PL_E_SYNTAX || strncmp(err.msg, "fuzz.toml:", 10) != 0 ||
        err.loc.line == 0 || err.loc.col == 0)
        abort();
    return 0;
}
