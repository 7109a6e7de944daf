/*
** schema_int.h — the validator's private structures, shared by the
** schema*.c files only (prefix sch_). See schema.h for the public side.
**
**   schema_util.c      hash map, small vectors, numbers, type names, text
**   schema_uri.c       RFC 3986 reference resolution, percent-decoding,
**                      JSON pointers
**   schema_regex*.c    an ECMA-262 regular expression engine (backtracking,
**                      step-bounded), Unicode general categories
**   schema_registry.c  the registry: documents, identifiers, loading,
**                      meta-schemas, dialects and vocabularies, $ref lookup
**   schema_compile.c   schema nodes -> plc_schema, the keyword table
**   schema_eval.c      evaluation: dynamic scope, annotations, errors
**   schema_kw_*.c      the keywords, by concern
*/
#ifndef PL_CONFIG_SCHEMA_INT_H
#define PL_CONFIG_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/schema.h"

/* Drafts as bits, so keyword definitions can name several. */
enum { SCH_D7 = 1, SCH_D2020 = 2, SCH_DALL = 3 };

/* 2020-12 vocabularies. Draft 7 schemas have them all. */
enum {
    SCH_V_CORE = 1u << 0,
    SCH_V_APPLICATOR = 1u << 1,
    SCH_V_UNEVALUATED = 1u << 2,
    SCH_V_VALIDATION = 1u << 3,
    SCH_V_META = 1u << 4,
    SCH_V_FORMAT_ANN = 1u << 5,
    SCH_V_FORMAT_ASSERT = 1u << 6,
    SCH_V_CONTENT = 1u << 7,
    SCH_V_DEFAULT = 0xBF, /* all but format-assertion */
};

/* Limits that turn pathological schemas or data into errors. */
enum {
    SCH_MAX_DEPTH = 400,      /* nested subschema evaluations */
    SCH_MAX_COMPILE_DEPTH = 400,
    SCH_MAX_ERRORS = 1000,    /* default plc_schema_errors.max */
    SCH_MAX_DIALECT_DEPTH = 8 /* chains of custom meta-schemas */
};

/* ---- small containers (schema_util.c) ------------------------------------ */

/* Open-addressing hash map from byte strings to pointers. Keys are copied
** into the given arena. */
typedef struct sch_map {
    struct sch_slot *slots;
    size_t mask, len;
} sch_map;

void sch_map_free(sch_map *m);
void *sch_map_get(const sch_map *m, const void *key, size_t klen);
/* 1 when added, 0 when the key exists (value kept), -1 on out of memory. */
int sch_map_put(sch_map *m, plu_arena *a, const void *key, size_t klen,
                void *value);
/* Shorthands for NUL-terminated keys and pointer keys. */
void *sch_map_gets(const sch_map *m, const char *key);
int sch_map_puts(sch_map *m, plu_arena *a, const char *key, void *value);

/* Append `item` (elem bytes) to a plu_malloc'ed vector. 0 or -1 (OOM). */
int sch_vec_push(void *itemsp, size_t *len, size_t *cap, size_t elem,
                 const void *item);

/* ---- values (schema_util.c) ---------------------------------------------- */

bool sch_is_number(const plc_node *n);
bool sch_is_text(const plc_node *n); /* strings and TOML date/times */
double sch_num(const plc_node *n);
/* -1, 0 or 1; exact between integers and doubles. */
int sch_num_cmp(const plc_node *a, const plc_node *b);
/* An integer, or a float with an integral value (1.0). */
bool sch_is_integral(const plc_node *n);
/* A non-negative integral number that fits size_t. */
bool sch_get_count(const plc_node *n, size_t *out);
/* The JSON Schema type name of an instance: "null", "boolean", "integer",
** "number", "string", "array", "object". */
const char *sch_type_name(const plc_node *n);
/* Compact JSON of a value, cut to about `max` bytes with "...". */
int sch_value_text(const plc_node *n, size_t max, plu_buf *out);
/* Code points in a UTF-8 string. */
size_t sch_utf8_count(const char *s, size_t n);

/* ---- URIs and JSON pointers (schema_uri.c) ------------------------------- */

/* Resolve `ref` against `base` (RFC 3986 section 5.2; base may be relative
** or empty). The result replaces out's content. 0 or -1 (OOM). */
int sch_uri_resolve(const char *base, const char *ref, plu_buf *out);
/* Length of the part before '#'. */
size_t sch_uri_base_len(const char *uri);
/* Percent-decode s[0..n) into out (appended). -1 on OOM. Malformed escapes
** are kept as they are. */
int sch_pct_decode(const char *s, size_t n, plu_buf *out);
/* Append "/" + the escaped pointer token (~0, ~1). -1 on OOM. */
int sch_ptr_push(plu_buf *out, const char *tok, size_t n);
/* Decode one token of a (percent-decoded) pointer: "~1" -> "/", "~0" -> "~"
** into out (replacing its content). 0, -1 OOM, 1 malformed escape. */
int sch_ptr_unescape(const char *tok, size_t n, plu_buf *out);
/* The child of a table (by key) or array (by decimal index) or NULL. */
const plc_node *sch_ptr_child(const plc_node *n, const char *tok, size_t len);

/* ---- regular expressions (schema_regex*.c) -------------------------------- */

typedef struct sch_regex sch_regex;

/* Compile an ECMA-262 pattern with Unicode ("u" flag) semantics. On a
** syntax error returns PL_E_CONFIG with a message in msg. */
pl_status sch_regex_compile(const char *pat, size_t len, sch_regex **out,
                            char *msg, size_t msglen);
void sch_regex_free(sch_regex *re);
/* Search s[0..n) for a match anywhere: 1 found, 0 not found, -1 the step
** limit was exceeded, -2 out of memory. */
int sch_regex_search(const sch_regex *re, const char *s, size_t n);

/* Unicode general categories (schema_unicode.c). */
typedef enum sch_gc {
    SCH_GC_CN, SCH_GC_LU, SCH_GC_LL, SCH_GC_LT, SCH_GC_LM, SCH_GC_LO,
    SCH_GC_MN, SCH_GC_MC, SCH_GC_ME, SCH_GC_ND, SCH_GC_NL, SCH_GC_NO,
    SCH_GC_PC, SCH_GC_PD, SCH_GC_PS, SCH_GC_PE, SCH_GC_PI, SCH_GC_PF,
    SCH_GC_PO, SCH_GC_SM, SCH_GC_SC, SCH_GC_SK, SCH_GC_SO, SCH_GC_ZS,
    SCH_GC_ZL, SCH_GC_ZP, SCH_GC_CC, SCH_GC_CF, SCH_GC_CS, SCH_GC_CO,
    SCH_GC_COUNT
} sch_gc;
sch_gc sch_unicode_gc(uint32_t cp);

/* ---- compiled schemas ------------------------------------------------------ */

typedef struct sch_ectx sch_ectx;
typedef struct sch_cctx sch_cctx;
typedef struct sch_ann sch_ann;
typedef struct sch_kw sch_kw;
typedef struct sch_kwdef sch_kwdef;

/* A schema resource: a subschema with its own base URI ($id or a document
** root) and the dialect it is read with. */
typedef struct sch_res {
    const char *uri; /* absolute URI without fragment; "" when unnamed */
    plc_schema *root;
    uint8_t draft;   /* SCH_D7 or SCH_D2020 */
    uint16_t vocab;  /* SCH_V_* enabled */
} sch_res;

enum {
    SCH_F_TRUE = 1u << 0,     /* the boolean schema true */
    SCH_F_FALSE = 1u << 1,    /* the boolean schema false */
    SCH_F_UNEVAL = 1u << 2,   /* has unevaluatedItems/Properties: collect */
    SCH_F_REF_ONLY = 1u << 3, /* draft 7 "$ref": siblings are ignored */
};

struct sch_kw {
    const sch_kwdef *def;
    const plc_node *value;
    plc_schema *sub;       /* single-subschema keywords */
    plc_schema **subs;     /* per item of an array value / member of a table value */
    size_t nsubs;
    sch_regex **regexes;   /* pattern: [0]; patternProperties: per member */
    const char *ref;       /* $ref / $dynamicRef: absolute URI */
    const char *anchor;    /* $dynamicRef: plain-name fragment or NULL */
    plc_schema *target;    /* the resolved reference, once known */
};

struct plc_schema {
    const plc_node *node;
    sch_res *res;
    const char *ptr;        /* JSON pointer of node in its document */
    const char *dyn_anchor; /* its "$dynamicAnchor", or NULL */
    sch_kw *kw;             /* phase 0 keywords first, then phase 1 */
    size_t nkw;
    unsigned flags;         /* SCH_F_* */
};

typedef pl_status (*sch_compile_fn)(sch_cctx *c, plc_schema *s, sch_kw *kw);
typedef bool (*sch_eval_fn)(sch_ectx *e, const plc_schema *s,
                            const sch_kw *kw, const plc_node *inst,
                            sch_ann *ann);

/* One row of the keyword table (schema_compile.c). */
struct sch_kwdef {
    const char *name;
    uint8_t drafts;  /* SCH_D* where it is a keyword */
    uint16_t vocab;  /* the 2020-12 vocabulary it belongs to */
    uint8_t phase;   /* 1: evaluated after its siblings (unevaluated*) */
    sch_compile_fn compile; /* checks the value, compiles subschemas; may be NULL */
    sch_eval_fn eval;       /* NULL: annotation only, or read by a sibling */
};

const sch_kwdef *sch_kwdef_find(const char *name, size_t len, unsigned draft);
/* A sibling keyword of s by name, or NULL. */
const sch_kw *sch_kw_find(const plc_schema *s, const char *name);

/* ---- the registry (schema_registry.c) ------------------------------------- */

/* A reference keyword: keyword k of schema s. */
typedef struct sch_refpos {
    plc_schema *s;
    size_t k;
} sch_refpos;

typedef struct sch_dialect {
    uint8_t draft;
    uint16_t vocab;
} sch_dialect;

struct plc_schema_reg {
    plu_arena arena;       /* compiled schemas, resources, strings */
    sch_map ids;           /* "uri" and "uri#anchor" -> plc_schema */
    sch_map dyn;           /* "uri#name" -> plc_schema with that $dynamicAnchor */
    sch_map nodes;         /* plc_node address -> plc_schema */
    sch_map dialects;      /* meta-schema URI -> sch_dialect */
    sch_map raw;           /* URI -> root node of a fetched, maybe uncompiled document */
    plc_doc **docs;        /* owned documents */
    size_t ndocs, docs_cap;
    sch_regex **regexes;   /* owned compiled patterns */
    size_t nregexes, regexes_cap;
    sch_refpos *refs;      /* every $ref / $dynamicRef, for check_refs */
    size_t nrefs, refs_cap;
    plc_schema_loader loader;
    void *loader_ctx;
    char *meta_dir;        /* set: the only meta-schema folders; NULL:
                              $PLINTH_SCHEMA_DIR, then the default */
    uint8_t default_draft; /* SCH_D7 or SCH_D2020 */
    bool vocabs_loaded;    /* vocabularies.json was read */
};

/* Register the resource `s` under `uri` (no fragment); an anchor under
** "uri#name". Duplicates keep the first. 0 or error. */
pl_status sch_reg_add_id(plc_schema_reg *reg, const char *uri, plc_schema *s,
                         pl_err *err);
pl_status sch_reg_add_anchor(plc_schema_reg *reg, const char *uri,
                             const char *name, bool dynamic, plc_schema *s,
                             pl_err *err);
/* The schema with $dynamicAnchor `name` in resource `res`, or NULL. */
plc_schema *sch_reg_dynamic(plc_schema_reg *reg, const sch_res *res,
                            const char *name);
/* Resolve an absolute URI with optional fragment to a compiled schema,
** loading documents as needed. `from` locates the referring keyword for
** messages; `draft` is the dialect of documents without "$schema". */
pl_status sch_reg_lookup(plc_schema_reg *reg, const char *uri,
                         unsigned draft, const pl_loc *from, plc_schema **out,
                         pl_err *err);
/* The dialect named by a "$schema" value (standard URIs, or a meta-schema
** read through the registry for its "$vocabulary"). */
pl_status sch_reg_dialect(plc_schema_reg *reg, const char *uri,
                          const pl_loc *loc, unsigned depth, sch_dialect *out,
                          pl_err *err);
/* The registry frees `re` / lists keyword k of s for check_refs. 0 or -1. */
int sch_reg_keep_regex(plc_schema_reg *reg, sch_regex *re);
int sch_reg_keep_ref(plc_schema_reg *reg, plc_schema *s, size_t k);
/* The target of a "$ref" / "$dynamicRef" keyword of s (cached in kw). */
pl_status sch_resolve_ref(plc_schema_reg *reg, const plc_schema *s,
                          const sch_kw *kw, plc_schema **out, pl_err *err);

/* ---- compiling (schema_compile.c) ----------------------------------------- */

struct sch_cctx {
    plc_schema_reg *reg;
    pl_err *err;
    sch_res *res;    /* the enclosing resource */
    const char *ptr; /* JSON pointer of the node being compiled */
    unsigned depth;
};

/* Compile `node` as the root of a document or resource found at `uri`. */
pl_status sch_compile_root(plc_schema_reg *reg, const plc_node *node,
                           const char *uri, unsigned draft, plc_schema **out,
                           pl_err *err);
/* Compile `node` (reached through JSON pointer `ptr`) inside resource res;
** an already compiled node is returned as it is. */
pl_status sch_compile_at(plc_schema_reg *reg, const plc_node *node,
                         sch_res *res, const char *ptr, plc_schema **out,
                         pl_err *err);
/* For keyword compilers: the subschema at c->ptr + "/tok1"[+ "/tok2"]. */
pl_status sch_compile_sub(sch_cctx *c, const plc_node *node, const char *tok1,
                          const char *tok2, size_t tok2_len, plc_schema **out);
/* A schema error at a node: "<file:line:col>: invalid schema at #<ptr>:
** <message>", status PL_E_CONFIG. */
pl_status sch_bad(sch_cctx *c, const plc_node *at, const char *fmt, ...)
    PLU_PRINTF(3, 4);

/* Keyword compilers shared by the table. */
pl_status sch_c_schema(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_schema_list(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_schema_map(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_count(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_number(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_string(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_bool(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_string_list(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_ref(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_pattern(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_pattern_props(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_type(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_items7(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_dependencies(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_dep_required(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_multiple_of(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_enum(sch_cctx *c, plc_schema *s, sch_kw *kw);
pl_status sch_c_any(sch_cctx *c, plc_schema *s, sch_kw *kw);

/* ---- evaluation (schema_eval.c) -------------------------------------------- */

/* The instance location: a list of frames on the C stack. */
typedef struct sch_path {
    const struct sch_path *up;
    const char *key; /* a member key, or NULL for an array index */
    size_t len;      /* key length, or the index */
} sch_path;

/* The dynamic scope: resources entered, innermost first. */
typedef struct sch_scope {
    const struct sch_scope *up;
    const sch_res *res;
} sch_scope;

/* References being followed, for loop detection. */
typedef struct sch_frame {
    const struct sch_frame *up;
    const plc_schema *s;
    const plc_node *inst;
} sch_frame;

struct sch_ectx {
    plc_schema_reg *reg;
    plc_schema_errors *errs; /* NULL: quiet (no messages, stop early) */
    pl_err *err;
    pl_status status;        /* PL_OK until a fatal error */
    const sch_path *path;
    const sch_scope *scope;
    const sch_frame *refs;
    unsigned depth;
    unsigned no_explain; /* > 0: anyOf/oneOf failures are not explained */
};

/* Evaluated members of an object / items of an array at one instance
** location (the annotations unevaluated* rely on), as a bit set. */
struct sch_ann {
    size_t n;
    uint64_t *bits;
    uint64_t local[2];
};

int sch_ann_init(sch_ann *a, size_t n);
void sch_ann_free(sch_ann *a);
void sch_ann_set(sch_ann *a, size_t i);
bool sch_ann_get(const sch_ann *a, size_t i);
void sch_ann_merge(sch_ann *dst, const sch_ann *src);
/* The member count of an object or item count of an array (else 0). */
size_t sch_ann_size(const plc_node *inst);

/* Evaluate a subschema against an instance at the current location. ann
** (may be NULL) receives the evaluated members/items; when the result is
** false its content is meaningless. */
bool sch_eval(sch_ectx *e, const plc_schema *s, const plc_node *inst,
              sch_ann *ann);
/* ... at a member or item of the current instance. */
bool sch_eval_member(sch_ectx *e, const plc_schema *s, const plc_member *m);
bool sch_eval_item(sch_ectx *e, const plc_schema *s, const plc_node *arr,
                   size_t i);
/* ... without messages (for anyOf, not, if, contains...). */
bool sch_eval_quiet(sch_ectx *e, const plc_schema *s, const plc_node *inst,
                    sch_ann *ann);
/* Follow a resolved reference (cycle and depth checks, dynamic scope). */
bool sch_eval_ref(sch_ectx *e, const sch_kw *kw, const plc_schema *target,
                  const plc_node *inst, sch_ann *ann);

/* Report a validation error at the current location (no-op when quiet). */
void sch_fail(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
              const plc_node *inst, const char *fmt, ...) PLU_PRINTF(5, 6);
/* ... at a member of the current instance (the key's location). */
void sch_fail_member(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                     const plc_member *m, const char *fmt, ...)
    PLU_PRINTF(5, 6);
/* ... at an item of the current array. */
void sch_fail_item(sch_ectx *e, const plc_schema *s, const sch_kw *kw,
                   const plc_node *arr, size_t i, const char *fmt, ...)
    PLU_PRINTF(6, 7);
/* A fatal error: evaluation stops, the status is returned by validate. */
bool sch_fatal(sch_ectx *e, pl_status st, const pl_loc *loc,
               const char *fmt, ...) PLU_PRINTF(4, 5);
/* Record a fatal status whose message is already in e->err. */
bool sch_fatal_st(sch_ectx *e, pl_status st);
/* Search with a compiled pattern: 1 / 0, or -1 after a fatal error (step
** limit: PL_E_LIMIT at the pattern's location; out of memory). */
int sch_match(sch_ectx *e, const sch_regex *re, const plc_node *pattern,
              const char *s, size_t n);
/* The first error message evaluating s against inst gives (to explain a
** failure in one line), or NULL; plu_free it. */
char *sch_first_reason(sch_ectx *e, const plc_schema *s, const plc_node *inst);
/* True when evaluation should go on after a failed keyword. */
static inline bool sch_go_on(const sch_ectx *e)
{
    return e->errs != NULL && e->status == PL_OK;
}

/* ---- keyword evaluators (schema_kw_*.c) ------------------------------------ */

bool sch_e_ref(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_dynamic_ref(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_all_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_any_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_one_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_not(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_if(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_dep_schemas(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_dependencies(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);

bool sch_e_properties(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_pattern_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_additional_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_unevaluated_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_property_names(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_required(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_dep_required(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_min_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_max_props(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);

bool sch_e_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_prefix_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_additional_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_unevaluated_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_contains(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_min_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_max_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_unique_items(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);

bool sch_e_type(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_enum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_const(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_multiple_of(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_minimum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_maximum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_excl_minimum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_excl_maximum(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_min_length(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_max_length(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);
bool sch_e_pattern(sch_ectx *e, const plc_schema *s, const sch_kw *kw, const plc_node *inst, sch_ann *ann);

#endif
