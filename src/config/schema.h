/*
** schema.h — plinth's JSON Schema validator (drafts 7 and 2020-12) over the
** document tree of doc.h (prefix plc_schema_).
**
** Use:
**   plc_schema_reg *reg = plc_schema_reg_new();
**   const plc_schema *s;
**   plc_schema_compile(reg, schema_doc->root, "file:///x/schema.json", &s, &err);
**   plc_schema_errors errs;  plc_schema_errors_init(&errs);
**   st = plc_schema_validate(reg, s, data_doc->root, &errs, &err);
**   // PL_OK: valid; PL_E_SCHEMA: invalid, errs lists why; else a fatal
**   // error in err (invalid schema, unresolvable $ref, limits, memory).
**   plc_schema_errors_free(&errs);
**   plc_schema_reg_free(reg);
**
** A registry holds every schema resource it has seen, indexed by absolute
** URI ($id / id), anchor ($anchor, $dynamicAnchor, draft 7 "#name" ids);
** "$ref"s are resolved lazily, the first time evaluation reaches them, and
** unknown documents are fetched through the loader callback. The standard
** meta-schemas (draft-07, 2020-12 and its vocabularies) are read on demand
** from $PLINTH_SCHEMA_DIR (a ':'-separated list) or Debian's python3-
** jsonschema package (/usr/lib/python3/dist-packages/jsonschema/schemas).
**
** The documents given to plc_schema_compile are borrowed: they must outlive
** the registry. Validation fills caches in the registry, so one registry
** must not be used by two threads at once.
*/
#ifndef PL_CONFIG_SCHEMA_H
#define PL_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "config/doc.h"

typedef enum plc_schema_draft {
    PLC_SCHEMA_DRAFT7 = 1,
    PLC_SCHEMA_DRAFT2020 = 2
} plc_schema_draft;

typedef struct plc_schema_reg plc_schema_reg;
typedef struct plc_schema plc_schema; /* a compiled (sub)schema */

/* Fetch the document behind an absolute URI (no fragment). On PL_OK *out
** is a new document the registry takes over. Return PL_E_NOT_FOUND for a
** URI the loader does not serve; any other status is reported as is. */
typedef pl_status (*plc_schema_loader)(void *ctx, const char *uri,
                                       plc_doc **out, pl_err *err);

/* NULL on out of memory. */
plc_schema_reg *plc_schema_reg_new(void);
void plc_schema_reg_free(plc_schema_reg *reg);

void plc_schema_reg_set_loader(plc_schema_reg *reg, plc_schema_loader fn,
                               void *ctx);
/* The draft of schemas without "$schema" (2020-12 unless set). */
void plc_schema_reg_set_default_draft(plc_schema_reg *reg,
                                      plc_schema_draft draft);
/* Where the standard meta-schemas are looked for: a ':'-separated list of
** folders that replaces $PLINTH_SCHEMA_DIR and the default. 0 or -1 (OOM). */
int plc_schema_reg_set_meta_dir(plc_schema_reg *reg, const char *dirs);

/* Compile the schema at `root` (a node of a document that outlives the
** registry) whose retrieval URI is base_uri (NULL or "" when it has none).
** Every subschema is checked (keyword types, regular expressions) and
** every identifier indexed. Errors: PL_E_CONFIG (invalid schema, with the
** schema file's location), PL_E_UNSUPPORTED (an unknown "$schema" or
** required vocabulary), PL_E_LIMIT, PL_E_NOMEM. */
pl_status plc_schema_compile(plc_schema_reg *reg, const plc_node *root,
                             const char *base_uri, const plc_schema **out,
                             pl_err *err);

/* Hand a document to the registry: it is freed with the registry. */
int plc_schema_reg_adopt(plc_schema_reg *reg, plc_doc *doc);

/* Resolve every "$ref" and "$dynamicRef" reachable from the compiled
** schemas now (loading remote documents as needed), so that a broken
** reference is reported before any data is validated. */
pl_status plc_schema_check_refs(plc_schema_reg *reg, pl_err *err);

/* ---- validation ---------------------------------------------------------- */

/* One validation error. The strings are owned by the list; the file names
** in loc and schema_loc are borrowed from the documents (keep them alive
** while the locations are used). */
typedef struct plc_schema_error {
    char *pointer;    /* JSON pointer of the bad value ("" = the root) */
    char *keyword;    /* keyword location in its schema document, "/properties/a/type" */
    char *message;    /* "expected string, got integer" */
    pl_loc loc;       /* where the bad value is (or its key, for key errors) */
    pl_loc schema_loc; /* where the keyword's value is */
} plc_schema_error;

typedef struct plc_schema_errors {
    plc_schema_error *items;
    size_t len, cap;
    size_t max; /* stop collecting after this many; 0 = 1000 */
} plc_schema_errors;

void plc_schema_errors_init(plc_schema_errors *errs);
void plc_schema_errors_free(plc_schema_errors *errs);

/* Validate `instance` against `schema` (compiled in reg). errs NULL is the
** fast mode: no messages, stops at the first failure. Returns PL_OK (valid),
** PL_E_SCHEMA (invalid; errs filled when given), or a fatal status with err
** set: PL_E_CONFIG (an invalid or unresolvable part of the schema reached),
** PL_E_LIMIT (nesting or regular-expression step limits), PL_E_NOMEM. */
pl_status plc_schema_validate(plc_schema_reg *reg, const plc_schema *schema,
                              const plc_node *instance,
                              plc_schema_errors *errs, pl_err *err);

/* Append one line per error: "file:line:col: /pointer: message\n" (the
** root pointer shows as "(root)"). 0, or -1 on out of memory. */
int plc_schema_errors_format(const plc_schema_errors *errs, plu_buf *out);

/* The draft a compiled schema is evaluated with. */
plc_schema_draft plc_schema_draft_of(const plc_schema *schema);

#endif
