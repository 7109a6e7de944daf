/*
** schema_registry.c — the registry: documents it owns, identifiers of
** every compiled resource, looking references up (JSON pointers, anchors),
** fetching unknown documents (the standard meta-schemas from disk, others
** through the caller's loader) and the dialect a "$schema" names.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/schema_int.h"

#define DEFAULT_META_DIR "/usr/lib/python3/dist-packages/jsonschema/schemas"

static const char draft7_uri[] = "http://json-schema.org/draft-07/schema";
static const char draft2020_uri[] = "https://json-schema.org/draft/2020-12/schema";
static const char vocab_prefix[] = "https://json-schema.org/draft/2020-12/meta/";

/* ---- life cycle ------------------------------------------------------------ */

plc_schema_reg *plc_schema_reg_new(void)
{
    plc_schema_reg *reg = plu_calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    plu_arena_init(&reg->arena);
    reg->default_draft = SCH_D2020;
    return reg;
}

void plc_schema_reg_free(plc_schema_reg *reg)
{
    if (!reg)
        return;
    sch_map_free(&reg->ids);
    sch_map_free(&reg->dyn);
    sch_map_free(&reg->nodes);
    sch_map_free(&reg->dialects);
    sch_map_free(&reg->raw);
    for (size_t k = 0; k < reg->ndocs; k++)
        plc_doc_free(reg->docs[k]);
    plu_free(reg->docs);
    for (size_t k = 0; k < reg->nregexes; k++)
        sch_regex_free(reg->regexes[k]);
    plu_free(reg->regexes);
    plu_free(reg->refs);
    plu_free(reg->meta_dir);
    plu_arena_free(&reg->arena);
    plu_free(reg);
}

void plc_schema_reg_set_loader(plc_schema_reg *reg, plc_schema_loader fn, void *ctx)
{
    reg->loader = fn;
    reg->loader_ctx = ctx;
}

void plc_schema_reg_set_default_draft(plc_schema_reg *reg, plc_schema_draft draft)
{
    reg->default_draft = draft == PLC_SCHEMA_DRAFT7 ? SCH_D7 : SCH_D2020;
}

int plc_schema_reg_set_meta_dir(plc_schema_reg *reg, const char *dirs)
{
    char *copy = dirs ? plu_strdup(dirs) : NULL;
    if (dirs && !copy)
        return -1;
    plu_free(reg->meta_dir);
    reg->meta_dir = copy;
    return 0;
}

int plc_schema_reg_adopt(plc_schema_reg *reg, plc_doc *doc)
{
    return sch_vec_push(&reg->docs, &reg->ndocs, &reg->docs_cap, sizeof doc, &doc);
}

int sch_reg_keep_regex(plc_schema_reg *reg, sch_regex *re)
{
    return sch_vec_push(&reg->regexes, &reg->nregexes, &reg->regexes_cap, sizeof re, &re);
}

int sch_reg_keep_ref(plc_schema_reg *reg, plc_schema *s, size_t k)
{
    sch_refpos r = {s, k};
    return sch_vec_push(&reg->refs, &reg->nrefs, &reg->refs_cap, sizeof r, &r);
}

/* ---- identifiers ------------------------------------------------------------- */

pl_status sch_reg_add_id(plc_schema_reg *reg, const char *uri, plc_schema *s, pl_err *err)
{
    return sch_map_puts(&reg->ids, &reg->arena, uri, s) < 0 ? plu_err_nomem(err) : PL_OK;
}

/* "uri#name" into b. */
static int anchor_key(plu_buf *b, const char *uri, const char *name)
{
    b->len = 0;
    return plu_buf_printf(b, "%s#%s", uri, name);
}

pl_status sch_reg_add_anchor(plc_schema_reg *reg, const char *uri, const char *name,
                             bool dynamic, plc_schema *s, pl_err *err)
{
    plu_buf b;
    plu_buf_init(&b);
    int rc = anchor_key(&b, uri, name);
    if (rc == 0 && sch_map_put(&reg->ids, &reg->arena, b.data, b.len, s) < 0)
        rc = -1;
    if (rc == 0 && dynamic && sch_map_put(&reg->dyn, &reg->arena, b.data, b.len, s) < 0)
        rc = -1;
    plu_buf_free(&b);
    return rc ? plu_err_nomem(err) : PL_OK;
}

plc_schema *sch_reg_dynamic(plc_schema_reg *reg, const sch_res *res, const char *name)
{
    char small[256];
    int n = snprintf(small, sizeof small, "%s#%s", res->uri, name);
    if (n >= 0 && (size_t)n < sizeof small)
        return sch_map_get(&reg->dyn, small, (size_t)n);
    plu_buf b;
    plu_buf_init(&b);
    plc_schema *s = anchor_key(&b, res->uri, name) == 0
                        ? sch_map_get(&reg->dyn, b.data, b.len) : NULL;
    plu_buf_free(&b);
    return s;
}

/* ---- the standard meta-schemas ------------------------------------------------- */

/* Read `file` from the first folder of the search path that has it: the
** folders set with plc_schema_reg_set_meta_dir alone, or those of
** $PLINTH_SCHEMA_DIR and then the default. */
static pl_status read_meta_file(plc_schema_reg *reg, const char *file, plc_doc **out,
                                pl_err *err)
{
    const char *env = getenv("PLINTH_SCHEMA_DIR");
    const char *lists[] = {reg->meta_dir ? reg->meta_dir : env,
                           reg->meta_dir ? NULL : DEFAULT_META_DIR};
    char path[4096];
    for (int k = 0; k < 2; k++) {
        for (const char *d = lists[k]; d && *d;) {
            size_t len = strcspn(d, ":");
            snprintf(path, sizeof path, "%.*s/%s", (int)len, d, file);
            if (len && access(path, R_OK) == 0)
                return plc_parse_file(path, out, err);
            d += len + (d[len] == ':');
        }
    }
    return plu_errf(err, PL_E_NOT_FOUND, NULL,
                    "the standard meta-schema file %s was not found in %s "
                    "(install python3-jsonschema or set PLINTH_SCHEMA_DIR)", file,
                    reg->meta_dir ? reg->meta_dir
                                  : env ? "$PLINTH_SCHEMA_DIR or " DEFAULT_META_DIR
                                        : DEFAULT_META_DIR);
}

static pl_status keep_raw(plc_schema_reg *reg, const char *uri, const plc_node *root,
                          pl_err *err)
{
    if (sch_map_puts(&reg->raw, &reg->arena, uri, (void *)root) < 0)
        return plu_err_nomem(err);
    return PL_OK;
}

static pl_status adopt(plc_schema_reg *reg, plc_doc *doc, pl_err *err)
{
    if (plc_schema_reg_adopt(reg, doc) == 0)
        return PL_OK;
    plc_doc_free(doc);
    return plu_err_nomem(err);
}

/* vocabularies.json: one object mapping each vocabulary meta-schema's URI
** to the meta-schema. */
static pl_status load_vocabularies(plc_schema_reg *reg, pl_err *err)
{
    plc_doc *doc;
    pl_status st = read_meta_file(reg, "vocabularies.json", &doc, err);
    if (st != PL_OK)
        return st;
    if ((st = adopt(reg, doc, err)) != PL_OK)
        return st;
    reg->vocabs_loaded = true;
    const plc_node *root = doc->root;
    for (size_t k = 0; root && root->kind == PLC_TABLE && k < root->u.t.len; k++) {
        st = keep_raw(reg, root->u.t.items[k].key, root->u.t.items[k].value, err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

/* The file a standard meta-schema URI is read from: "vocabularies.json"
** holds all of 2020-12's vocabulary meta-schemas. NULL: not a standard one. */
static const char *builtin_file(const char *uri)
{
    const char *rest = strncmp(uri, "http://", 7) == 0 ? uri + 7
                       : strncmp(uri, "https://", 8) == 0 ? uri + 8 : "";
    if (strcmp(rest, draft7_uri + 7) == 0) /* either scheme */
        return "draft7.json";
    if (strcmp(rest, draft2020_uri + 8) == 0)
        return "draft2020-12.json";
    if (strncmp(uri, vocab_prefix, sizeof vocab_prefix - 1) == 0)
        return "vocabularies.json";
    return NULL;
}

/* Fetch a standard meta-schema; *handled is false when uri is not one. */
static pl_status load_builtin(plc_schema_reg *reg, const char *uri, bool *handled,
                              pl_err *err)
{
    const char *file = builtin_file(uri);
    *handled = file && !(reg->vocabs_loaded && strcmp(file, "vocabularies.json") == 0);
    if (!*handled)
        return PL_OK;
    if (strcmp(file, "vocabularies.json") == 0)
        return load_vocabularies(reg, err);
    plc_doc *doc;
    pl_status st = read_meta_file(reg, file, &doc, err);
    if (st == PL_OK && (st = adopt(reg, doc, err)) == PL_OK)
        st = keep_raw(reg, uri, doc->root, err);
    return st;
}

/* Ask the caller's loader; a document it does not have is a reference
** that cannot be resolved (with the loader's reason, when it gave one). */
static pl_status load_external(plc_schema_reg *reg, const char *uri, const pl_loc *from,
                               pl_err *err)
{
    pl_err why;
    plu_err_clear(&why);
    plc_doc *doc = NULL;
    pl_status st = reg->loader ? reg->loader(reg->loader_ctx, uri, &doc, &why) : PL_E_NOT_FOUND;
    if (st == PL_E_NOT_FOUND)
        return plu_errf(err, PL_E_CONFIG, from, "cannot resolve '%s': %s", uri,
                        why.msg[0] ? why.msg : "no schema has that URI");
    if (st != PL_OK) {
        if (err)
            *err = why;
        return st;
    }
    if ((st = adopt(reg, doc, err)) != PL_OK)
        return st;
    if (!doc->root)
        return plu_errf(err, PL_E_CONFIG, from, "cannot resolve '%s': the document is empty", uri);
    return keep_raw(reg, uri, doc->root, err);
}

/* The root node of the document at uri (no fragment), fetched if needed,
** not necessarily compiled. */
static pl_status fetch_raw(plc_schema_reg *reg, const char *uri, const pl_loc *from,
                           const plc_node **out, pl_err *err)
{
    plc_schema *known = sch_map_gets(&reg->ids, uri);
    if (known) {
        *out = known->node;
        return PL_OK;
    }
    if (!(*out = sch_map_gets(&reg->raw, uri))) {
        bool builtin;
        pl_status st = load_builtin(reg, uri, &builtin, err);
        if (!builtin)
            st = load_external(reg, uri, from, err);
        if (st != PL_OK)
            return st;
        *out = sch_map_gets(&reg->raw, uri);
    }
    if (!*out)
        return plu_errf(err, PL_E_CONFIG, from, "cannot resolve '%s'", uri);
    return PL_OK;
}

/* ---- dialects ------------------------------------------------------------------- */

static const struct { const char *uri; uint16_t bit; } vocabularies[] = {
    {"https://json-schema.org/draft/2020-12/vocab/core", SCH_V_CORE},
    {"https://json-schema.org/draft/2020-12/vocab/applicator", SCH_V_APPLICATOR},
    {"https://json-schema.org/draft/2020-12/vocab/unevaluated", SCH_V_UNEVALUATED},
    {"https://json-schema.org/draft/2020-12/vocab/validation", SCH_V_VALIDATION},
    {"https://json-schema.org/draft/2020-12/vocab/meta-data", SCH_V_META},
    {"https://json-schema.org/draft/2020-12/vocab/format-annotation", SCH_V_FORMAT_ANN},
    {"https://json-schema.org/draft/2020-12/vocab/format-assertion", SCH_V_FORMAT_ASSERT},
    {"https://json-schema.org/draft/2020-12/vocab/content", SCH_V_CONTENT},
};

/* The vocabularies a meta-schema's "$vocabulary" enables. */
static pl_status read_vocabulary(const plc_node *voc, uint16_t *out, pl_err *err)
{
    uint16_t bits = SCH_V_CORE;
    for (size_t k = 0; k < voc->u.t.len; k++) {
        const plc_member *m = &voc->u.t.items[k];
        size_t j = 0, n = sizeof vocabularies / sizeof vocabularies[0];
        while (j < n && strcmp(vocabularies[j].uri, m->key) != 0)
            j++;
        if (j < n)
            bits |= vocabularies[j].bit;
        else if (m->value->kind == PLC_BOOL && m->value->u.b)
            return plu_errf(err, PL_E_UNSUPPORTED, &m->key_loc,
                            "required vocabulary '%s' is not supported", m->key);
    }
    *out = bits;
    return PL_OK;
}

/* A standard dialect: 1 when uri names one, 0 when not, -1 for drafts
** plinth does not support. */
static int standard_dialect(const char *uri, size_t len, sch_dialect *out)
{
    static const char *const old[] = {
        "json-schema.org/draft-04/schema", "json-schema.org/draft-06/schema",
        "json-schema.org/draft-03/schema", "json-schema.org/draft/2019-09/schema",
    };
    const char *rest = strncmp(uri, "https://", 8) == 0 ? uri + 8
                       : strncmp(uri, "http://", 7) == 0 ? uri + 7 : NULL;
    size_t rlen = rest ? len - (size_t)(rest - uri) : 0;
    if (!rest)
        return 0;
    if (rlen == 31 && strncmp(rest, "json-schema.org/draft-07/schema", 31) == 0) {
        *out = (sch_dialect){SCH_D7, 0xFFFF};
        return 1;
    }
    if (rlen == 36 && strncmp(rest, "json-schema.org/draft/2020-12/schema", 36) == 0) {
        *out = (sch_dialect){SCH_D2020, SCH_V_DEFAULT};
        return 1;
    }
    for (size_t k = 0; k < sizeof old / sizeof old[0]; k++)
        if (rlen == strlen(old[k]) && strncmp(rest, old[k], rlen) == 0)
            return -1;
    return 0;
}

/* A custom meta-schema: the dialect of its own "$schema", narrowed by its
** "$vocabulary". */
static pl_status custom_dialect(plc_schema_reg *reg, const char *uri, const pl_loc *loc,
                                unsigned depth, sch_dialect *out, pl_err *err)
{
    const plc_node *meta;
    pl_status st = fetch_raw(reg, uri, loc, &meta, err);
    if (st != PL_OK)
        return st;
    const plc_node *parent = plc_get(meta, "$schema");
    *out = (sch_dialect){reg->default_draft, SCH_V_DEFAULT};
    if (parent && parent->kind == PLC_STRING &&
        (st = sch_reg_dialect(reg, parent->u.s.ptr, &parent->loc, depth + 1, out, err)) != PL_OK)
        return st;
    const plc_node *voc = plc_get(meta, "$vocabulary");
    if (out->draft == SCH_D2020 && voc && voc->kind == PLC_TABLE)
        return read_vocabulary(voc, &out->vocab, err);
    return PL_OK;
}

pl_status sch_reg_dialect(plc_schema_reg *reg, const char *uri, const pl_loc *loc,
                          unsigned depth, sch_dialect *out, pl_err *err)
{
    size_t len = sch_uri_base_len(uri);
    if (uri[len] == '#' && uri[len + 1] != '\0')
        return plu_errf(err, PL_E_UNSUPPORTED, loc, "unknown $schema '%s'", uri);
    int std = standard_dialect(uri, len, out);
    if (std < 0)
        return plu_errf(err, PL_E_UNSUPPORTED, loc, "unsupported $schema '%s' "
                        "(plinth supports draft-07 and 2020-12)", uri);
    if (std > 0)
        return PL_OK;
    if (depth >= SCH_MAX_DIALECT_DEPTH)
        return plu_errf(err, PL_E_UNSUPPORTED, loc,
                        "$schema '%s': meta-schemas refer to each other in a loop", uri);
    char *base = plu_strndup(uri, len);
    if (!base)
        return plu_err_nomem(err);
    sch_dialect *known = sch_map_gets(&reg->dialects, base);
    pl_status st = PL_OK;
    if (known)
        *out = *known;
    else
        st = custom_dialect(reg, base, loc, depth, out, err);
    sch_dialect *keep = st == PL_OK && !known ? plu_arena_alloc(&reg->arena, sizeof *keep) : NULL;
    if (keep) {
        *keep = *out;
        st = sch_map_puts(&reg->dialects, &reg->arena, base, keep) < 0 ? plu_err_nomem(err) : st;
    } else if (st == PL_OK && !known) {
        st = plu_err_nomem(err);
    }
    plu_free(base);
    return st;
}

/* ---- lookup ------------------------------------------------------------------------ */

/* The compiled resource root at uri (no fragment), loading and compiling
** its document when needed. */
static pl_status resource(plc_schema_reg *reg, const char *uri, unsigned draft,
                          const pl_loc *from, plc_schema **out, pl_err *err)
{
    if ((*out = sch_map_gets(&reg->ids, uri)))
        return PL_OK;
    const plc_node *root;
    pl_status st = fetch_raw(reg, uri, from, &root, err);
    if (st == PL_OK)
        st = sch_compile_root(reg, root, uri, draft, out, err);
    return st;
}

/* Follow a (percent-decoded) JSON pointer from a resource root; a target
** that is not compiled yet is compiled in the resource it lies in. */
static pl_status walk_pointer(plc_schema_reg *reg, plc_schema *root, const char *ptr,
                              const pl_loc *from, plc_schema **out, pl_err *err)
{
    const plc_node *node = root->node;
    sch_res *res = root->res;
    plu_buf tok, path;
    plu_buf_init(&tok);
    plu_buf_init(&path);
    int rc = plu_buf_puts(&path, root->ptr);
    for (const char *p = ptr; rc == 0 && node && *p == '/';) {
        size_t len = strcspn(p + 1, "/");
        rc = sch_ptr_unescape(p + 1, len, &tok);
        node = rc == 0 ? sch_ptr_child(node, tok.data, tok.len) : NULL;
        plc_schema *known = node ? sch_map_get(&reg->nodes, &node, sizeof node) : NULL;
        if (known)
            res = known->res, path.len = 0, rc = plu_buf_puts(&path, known->ptr);
        else if (node)
            rc = sch_ptr_push(&path, tok.data, tok.len);
        p += len + 1;
    }
    pl_status st = rc < 0 ? plu_err_nomem(err) : PL_OK;
    if (st == PL_OK && !node)
        st = plu_errf(err, PL_E_CONFIG, from, "cannot resolve '#%s': no such location", ptr);
    if (st == PL_OK)
        st = sch_compile_at(reg, node, res, path.data, out, err);
    plu_buf_free(&tok);
    plu_buf_free(&path);
    return st;
}

static pl_status lookup_fragment(plc_schema_reg *reg, plc_schema *root, const char *uri,
                                 const char *frag, const pl_loc *from, plc_schema **out,
                                 pl_err *err)
{
    if (frag[0] == '\0') {
        *out = root;
        return PL_OK;
    }
    if (frag[0] == '/')
        return walk_pointer(reg, root, frag, from, out, err);
    plu_buf key;
    plu_buf_init(&key);
    pl_status st = anchor_key(&key, uri, frag) == 0 ? PL_OK : plu_err_nomem(err);
    if (st == PL_OK && !(*out = sch_map_get(&reg->ids, key.data, key.len)))
        st = plu_errf(err, PL_E_CONFIG, from, "cannot resolve '%s': no anchor '%s' there",
                      key.data, frag);
    plu_buf_free(&key);
    return st;
}

pl_status sch_reg_lookup(plc_schema_reg *reg, const char *uri, unsigned draft,
                         const pl_loc *from, plc_schema **out, pl_err *err)
{
    size_t blen = sch_uri_base_len(uri);
    char *base = plu_strndup(uri, blen);
    plu_buf frag;
    plu_buf_init(&frag);
    pl_status st = base ? PL_OK : plu_err_nomem(err);
    if (st == PL_OK && uri[blen] == '#' &&
        sch_pct_decode(uri + blen + 1, strlen(uri + blen + 1), &frag) != 0)
        st = plu_err_nomem(err);
    plc_schema *root = NULL;
    if (st == PL_OK)
        st = resource(reg, base, draft, from, &root, err);
    if (st == PL_OK)
        st = lookup_fragment(reg, root, base, frag.data ? frag.data : "", from, out, err);
    plu_free(base);
    plu_buf_free(&frag);
    return st;
}

/* ---- public entry points ----------------------------------------------------------- */

pl_status plc_schema_compile(plc_schema_reg *reg, const plc_node *root, const char *base_uri,
                             const plc_schema **out, pl_err *err)
{
    plc_schema *s = NULL;
    if (!root)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "no schema document");
    pl_status st = sch_compile_root(reg, root, base_uri ? base_uri : "",
                                    reg->default_draft, &s, err);
    *out = st == PL_OK ? s : NULL;
    return st;
}

pl_status sch_resolve_ref(plc_schema_reg *reg, const plc_schema *s, const sch_kw *kw,
                          plc_schema **out, pl_err *err)
{
    if (kw->target) {
        *out = kw->target;
        return PL_OK;
    }
    pl_status st = sch_reg_lookup(reg, kw->ref, s->res->draft, &kw->value->loc, out, err);
    if (st == PL_OK)
        ((sch_kw *)kw)->target = *out; /* a cache in the registry's own arena */
    return st;
}

pl_status plc_schema_check_refs(plc_schema_reg *reg, pl_err *err)
{
    /* Resolving may compile more documents, which add to the list. */
    for (size_t k = 0; k < reg->nrefs; k++) {
        plc_schema *s = reg->refs[k].s, *t;
        pl_status st = sch_resolve_ref(reg, s, &s->kw[reg->refs[k].k], &t, err);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}
