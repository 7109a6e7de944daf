/*
** decode.h — the table-driven decoder behind the typed models (internal
** to src/config; prefix plc_).
**
** Each section of a file is described by a const array of plc_field
** {key, type, offset, flags, default, bounds, enum names, callbacks},
** terminated by an entry with key NULL. plc_decode_table walks a table
** node against it: it rejects unknown keys (pointing at the key, with a
** did-you-mean), checks each value's type and range (pointing at the
** value), stores it at obj + offset, runs the field's extra check, and
** finally reports missing required keys (pointing at the table).
** plc_apply_defaults writes the same table's defaults into a struct, so
** defaults live in one place.
**
** Also here: value-syntax checks shared by both models (URLs, OCI
** references, host patterns, variable names), "~" expansion, and a small
** JSON emitter for the normalised output.
*/
#ifndef PL_CONFIG_DECODE_H
#define PL_CONFIG_DECODE_H

#include "config/model.h"

/* ---- decoding context ---------------------------------------------------- */

typedef struct plc_dctx {
    pl_err *err;
    plu_arena *arena;     /* the model's arena: strings and arrays go here */
    const char *base_dir; /* folder of the file for relative paths; NULL when
                             the file name has no folder (cwd-relative) */
    const char *where;    /* the table being decoded, for messages ("in
                             [limits]"); set by plc_decode_table */
    bool manifest;        /* decoding a manifest: paths are kept as written */
} plc_dctx;

/* Record a configuration error at loc ("file:line:col: ..."). */
pl_status plc_fail(plc_dctx *cx, const pl_loc *loc, const char *fmt, ...) PLU_PRINTF(3, 4);
pl_status plc_nomem(plc_dctx *cx);

/* Arena copies; NULL on out of memory (then call plc_nomem). */
char *plc_dup(plc_dctx *cx, const char *s);
char *plc_dupn(plc_dctx *cx, const char *s, size_t n);
/* An arena array of n zeroed elements (n may be 0: returns NULL, no error). */
pl_status plc_alloc_array(plc_dctx *cx, size_t n, size_t elem, void **out);

/* A printable, single-line, bounded copy of user text for messages:
** control characters escaped, cut at ~60 characters with "...". */
const char *plc_quote(char *buf, size_t size, const char *s, size_t n);
#define PLC_QUOTE_MAX 96

/* ---- field descriptors ---------------------------------------------------- */

typedef enum plc_ftype {
    PLC_F_BOOL,     /* bool */
    PLC_F_U32,      /* uint32_t within [lo, hi] (integral floats accepted) */
    PLC_F_U64,      /* uint64_t within [lo, hi] */
    PLC_F_FLOAT,    /* double within [flo, fhi] (integers accepted) */
    PLC_F_STRING,   /* const char *: non-empty, no NUL bytes */
    PLC_F_PATH,     /* a string, "~" expanded, joined to base_dir if relative */
    PLC_F_STRLIST,  /* plc_strlist of non-empty strings */
    PLC_F_PATHLIST, /* plc_strlist of paths */
    PLC_F_ENUM,     /* int: index of the string in names[] */
    PLC_F_TABLE,    /* const plc_node *: any table, kept as written */
    PLC_F_KV,       /* plc_kvlist: a table of strings */
    PLC_F_CUSTOM,   /* decode(): the callback does everything */
} plc_ftype;

enum {
    PLC_FF_REQUIRED = 1u << 0,
    PLC_FF_RAW_PATH = 1u << 1, /* PATH: expand "~" but keep relative paths */
};

typedef struct plc_field plc_field;

/* CUSTOM decoder: m is the member, obj the struct being filled. */
typedef pl_status (*plc_decode_fn)(plc_dctx *cx, const plc_member *m, void *obj);
/* Extra check after a field is stored: field points at the stored value. */
typedef pl_status (*plc_check_fn)(plc_dctx *cx, const plc_member *m, const void *field);

struct plc_field {
    const char *key;
    plc_ftype type;
    unsigned flags;
    size_t offset;
    union {
        bool b;
        uint64_t u;
        double f;
        const char *s; /* STRING / PATH defaults are static text */
        int e;
    } def;
    uint64_t lo, hi;          /* integer bounds (inclusive) */
    double flo, fhi;          /* float bounds (inclusive) */
    const char *const *names; /* ENUM: NULL-terminated; value = index */
    plc_decode_fn decode;     /* CUSTOM */
    plc_check_fn check;       /* optional extra validation */
    const char *hints;        /* space-separated words that suggest this key
                                 ("timeout fuel"), for did-you-mean */
};

/* Decode `table` (which must be a table) into obj. `where` names it in
** messages: "in [limits]", "at the top level". *seen (may be NULL) gets
** bit i set for each field i present with a non-null value. A null value
** counts as absent for optional keys. */
pl_status plc_decode_table(plc_dctx *cx, const plc_field *fields, const char *where,
                           const plc_node *table, void *obj, uint64_t *seen);

/* Decode one member with one field descriptor (type, range, check). */
pl_status plc_decode_field(plc_dctx *cx, const plc_field *f, const plc_member *m, void *obj);
/* A string member that must be one of names (NULL-terminated); *out gets
** the index. The error lists the names and the near miss. */
pl_status plc_decode_enum(plc_dctx *cx, const plc_member *m, const char *const *names, int *out);

/* Write the defaults of fields into obj (STRING/PATH defaults point to
** static text; lists become empty). */
void plc_apply_defaults(const plc_field *fields, void *obj);

/* The label of a table nested in the current one: with cx->where "in
** [[providers]]" and key "limits", "in [providers.limits]". */
void plc_nested_where(char *buf, size_t size, const plc_dctx *cx, const plc_member *m);

/* Decode a member that must hold a table with fields, labelled as nested
** in the current table; `expected` describes it in the type error. */
pl_status plc_decode_nested(plc_dctx *cx, const plc_member *m, const plc_field *fields,
                            const char *expected, void *obj, uint64_t *seen);

/* Index of key in fields, or -1. */
int plc_field_index(const plc_field *fields, const char *key);

/* "'key' must be <expected>, got <kind>" at the value. */
pl_status plc_type_error(plc_dctx *cx, const plc_member *m, const char *expected);
/* Same, for an array item: "'key' items must be <expected>, got <kind>". */
pl_status plc_item_type_error(plc_dctx *cx, const plc_member *m, const plc_node *item,
                              const char *expected);

/* Decode a member holding an array of strings into list (items may not be
** empty). */
pl_status plc_decode_strlist(plc_dctx *cx, const plc_member *m, plc_strlist *list);
/* The string in a node, checked (non-empty, no NUL) as the value of m. */
pl_status plc_decode_string(plc_dctx *cx, const plc_member *m, const plc_node *n,
                            const char **out);
/* Expand "~" and (unless raw) join a relative path to cx->base_dir. */
pl_status plc_expand_path(plc_dctx *cx, const pl_loc *loc, const char *path, bool raw,
                          const char **out);

/* Did-you-mean over a NULL-terminated word list; returns the match, or NULL. */
const char *plc_suggest(const char *word, const char *const *words);
/* Append " (did you mean 'x'?)" or " (expected a, b or c)" to buf. */
void plc_hint(char *buf, size_t size, const char *word, const char *const *words);

/* ---- value syntax (shared by both models) --------------------------------- */

/* Each returns true when s is acceptable; otherwise false with a reason in
** why (a phrase that completes "... must be ..."/"... is not ..."). */
bool plc_check_url(const char *s, bool allow_http, char *why, size_t whylen);
bool plc_check_host_pattern(const char *s, char *why, size_t whylen);
bool plc_check_env_name(const char *s);

/* Field checks usable as plc_field.check. */
pl_status plc_check_name_field(plc_dctx *cx, const plc_member *m, const void *field); /* 'name' */
pl_status plc_check_http_url(plc_dctx *cx, const plc_member *m, const void *field);
pl_status plc_check_host_list(plc_dctx *cx, const plc_member *m, const void *field);
pl_status plc_check_env_list(plc_dctx *cx, const plc_member *m, const void *field);

/* A "sha256" value (m): 64 hex digits, an optional "sha256:" prefix
** dropped; *sha256 is replaced by the lowercase digits (arena copy). */
pl_status plc_normalise_sha256(plc_dctx *cx, const plc_member *m, const char **sha256);

/* Capability names, NULL-terminated, in PLC_CAP bit order. */
extern const char *const plc_cap_names[];
/* Decode a list of capability names into *caps; `allowed` limits which
** bits may appear (others get `deny_hint` in the message, may be NULL). */
pl_status plc_decode_caps(plc_dctx *cx, const plc_member *m, unsigned allowed,
                          const char *deny_hint, unsigned *caps);
/* Decode a permissions / capabilities table {network, filesystem {read,
** write}, environment[, services]} into g (adding to g->caps). Paths are
** expanded unless cx->manifest. */
pl_status plc_decode_grants(plc_dctx *cx, const plc_member *m, bool services, plc_grants *g);

/* ---- config model internals (model*.c) ----------------------------------- */

extern const plc_field plc_limits_fields[]; /* [limits], in PLC_LIMIT_* order */

/* Top-level 'providers' / 'plugins' arrays (CUSTOM decoders on plc_config). */
pl_status plc_decode_providers(plc_dctx *cx, const plc_member *m, void *cfg);
pl_status plc_decode_plugins(plc_dctx *cx, const plc_member *m, void *cfg);
/* After the whole file: effective limits, unique names. */
pl_status plc_finish_plugins(plc_dctx *cx, plc_config *cfg);

/* ---- JSON emitter ---------------------------------------------------------- */

typedef struct plc_jw {
    plu_buf *out;
    int indent;
    int depth;
    bool first; /* no member yet at this depth */
    int failed; /* -1 once an append failed; everything after is skipped */
} plc_jw;

void plc_jw_init(plc_jw *w, plu_buf *out, int indent);
void plc_jw_begin(plc_jw *w, const char *key, char open); /* '{' or '[' */
void plc_jw_end(plc_jw *w, char close);
void plc_jw_str(plc_jw *w, const char *key, const char *s); /* NULL -> null */
void plc_jw_strn(plc_jw *w, const char *key, const char *s, size_t n);
void plc_jw_u64(plc_jw *w, const char *key, uint64_t v);
void plc_jw_num(plc_jw *w, const char *key, double v);
void plc_jw_bool(plc_jw *w, const char *key, bool v);
void plc_jw_strlist(plc_jw *w, const char *key, const plc_strlist *l);
/* A document subtree; string values of secret-looking keys become "***". */
void plc_jw_node(plc_jw *w, const char *key, const plc_node *n, bool mask);
void plc_jw_kv(plc_jw *w, const char *key, const plc_kvlist *kv, bool mask_all);
void plc_jw_grants(plc_jw *w, const char *key, const plc_grants *g);
void plc_jw_caps(plc_jw *w, const char *key, unsigned caps);

#endif
