/*
** doc.h — the document tree shared by the TOML, JSON and YAML readers, the
** JSON Schema validator and the typed configuration models (prefix plc_).
**
** Every node remembers where it came from (file:line:col), so any later
** complaint about a value can point into the file the user wrote. A
** document owns all its nodes and strings through one arena: free the
** document and everything goes.
*/
#ifndef PL_CONFIG_DOC_H
#define PL_CONFIG_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef enum plc_kind {
    PLC_NULL,
    PLC_BOOL,
    PLC_INT,            /* u.i */
    PLC_FLOAT,          /* u.f */
    PLC_STRING,         /* u.s: UTF-8, may hold NUL bytes (use len) */
    PLC_DATETIME,       /* TOML offset date-time; u.s holds RFC 3339 text */
    PLC_DATETIME_LOCAL, /* TOML local date-time; u.s */
    PLC_DATE_LOCAL,     /* TOML local date; u.s */
    PLC_TIME_LOCAL,     /* TOML local time; u.s */
    PLC_ARRAY,          /* u.a */
    PLC_TABLE           /* u.t: an object / mapping, members in file order */
} plc_kind;

typedef struct plc_node plc_node;

typedef struct plc_member {
    const char *key; /* NUL-terminated; may also hold NUL bytes (key_len) */
    size_t key_len;
    pl_loc key_loc;
    plc_node *value;
} plc_member;

struct plc_node {
    plc_kind kind;
    uint32_t flags; /* reader-private bits (TOML's table states); 0 elsewhere */
    pl_loc loc;     /* where the value starts */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *ptr; /* NUL-terminated */
            size_t len;
        } s;
        struct {
            plc_node **items;
            size_t len, cap;
        } a;
        struct {
            plc_member *items;
            size_t len, cap;
            void *index; /* a hash index once the table grows; private */
        } t;
    } u;
};

typedef struct plc_doc {
    plc_node *root;   /* NULL until a reader sets it */
    const char *file; /* the name used in locations (arena copy) */
    plu_arena arena;
} plc_doc;

/* A new, empty document; `file` names it in every location (may be NULL,
** then "<input>"). NULL on out of memory. */
plc_doc *plc_doc_new(const char *file);
void plc_doc_free(plc_doc *doc);

/* Node constructors: allocated in the document's arena, NULL on out of
** memory. Strings are copied. */
plc_node *plc_new(plc_doc *doc, plc_kind kind, pl_loc loc);
plc_node *plc_new_string(plc_doc *doc, plc_kind kind, const char *s,
                         size_t len, pl_loc loc);
plc_node *plc_new_int(plc_doc *doc, int64_t v, pl_loc loc);
plc_node *plc_new_float(plc_doc *doc, double v, pl_loc loc);
plc_node *plc_new_bool(plc_doc *doc, bool v, pl_loc loc);

/* Append to an array. 0, or -1 on out of memory. */
int plc_array_push(plc_doc *doc, plc_node *array, plc_node *item);

/* Add a member to a table; the key is copied. Duplicates are NOT checked
** here (readers decide their own policy with plc_table_find first).
** Returns the new member, or NULL on out of memory. */
plc_member *plc_table_add(plc_doc *doc, plc_node *table, const char *key,
                          size_t key_len, pl_loc key_loc, plc_node *value);

/* Look up a member by key; NULL when absent or when `table` is not a
** table. With duplicate keys the first one is found. */
plc_member *plc_table_find(const plc_node *table, const char *key,
                           size_t key_len);
/* Shorthand for a NUL-terminated key; returns the value or NULL. */
plc_node *plc_get(const plc_node *table, const char *key);

/* Structural equality as JSON Schema defines it: 1 and 1.0 are equal,
** member order does not matter, date/time kinds compare as strings. */
bool plc_equal(const plc_node *a, const plc_node *b);

/* A short name for error messages: "string", "integer", "table", ... */
const char *plc_kind_name(plc_kind kind);

/* Serialise as JSON (date/time kinds as strings). `indent` 0 = compact.
** Returns 0 or -1 on out of memory. Non-finite floats become null. */
int plc_to_json(const plc_node *node, int indent, plu_buf *out);

/* ---- readers ---------------------------------------------------------
** Each reader parses `len` bytes of `text` (no NUL terminator needed) into
** a new document named `file`. On error *out is NULL and err holds a
** message such as "plinth.toml:12:5: expected '=' after key 'name'" with
** status PL_E_SYNTAX (or PL_E_NOMEM). */
pl_status plc_parse_toml(const char *text, size_t len, const char *file,
                         plc_doc **out, pl_err *err);

enum {
    /* Accept objects with repeated keys (RFC 8259 allows them; plinth's
    ** configuration files do not, so the default rejects them). */
    PLC_JSON_ALLOW_DUPLICATES = 1u << 0,
};
pl_status plc_parse_json(const char *text, size_t len, const char *file,
                         unsigned flags, plc_doc **out, pl_err *err);

pl_status plc_parse_yaml(const char *text, size_t len, const char *file,
                         plc_doc **out, pl_err *err);

typedef enum plc_format {
    PLC_FORMAT_UNKNOWN,
    PLC_FORMAT_TOML,
    PLC_FORMAT_JSON,
    PLC_FORMAT_YAML
} plc_format;

/* The format a file name implies (.toml, .json, .yaml, .yml). */
plc_format plc_format_of(const char *path);

/* Read and parse a file, the format chosen by its extension. Errors name
** the path. */
pl_status plc_parse_file(const char *path, plc_doc **out, pl_err *err);

/* Parse text in the given format (dispatches to the readers above). */
pl_status plc_parse_text(plc_format fmt, const char *text, size_t len,
                         const char *file, plc_doc **out, pl_err *err);

#endif
