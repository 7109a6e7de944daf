/*
** manifest.c — plugin manifests. Two forms, told apart by their shape and
** accepted in TOML, JSON or YAML alike:
**   sections (plinth / Stack Composer plugin.toml or sidecar NAME.toml):
**     [plugin] id, version, kind, wasm_target, signature, capabilities (a
**     list of names), entry, requires_version; [meta] name, description,
**     license, authors, homepage, repository, keywords; [capabilities]
**     network, filesystem {read, write}, environment, services
**   flat (PromptLine plugin.yaml): name, version, author(s), description,
**     homepage, repository, license, keywords, capabilities (the table
**     above, or a list of names), plus the [plugin] keys above.
*/
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* ---- single-key decoders --------------------------------------------------------------- */

static pl_status check_id(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char k[PLC_QUOTE_MAX], q[PLC_QUOTE_MAX];
    size_t n = strlen(s);
    bool ok = n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
             (s[i] >= '0' && s[i] <= '9') || (i > 0 && strchr("._-", s[i]));
    if (ok)
        return PL_OK;
    return plc_fail(cx, &m->value->loc,
                    "'%s' must be 1-128 letters, digits, '.', '_' or '-' starting with a letter "
                    "or digit (e.g. 'org.example.hello'), got '%s'",
                    plc_quote(k, sizeof k, m->key, m->key_len), plc_quote(q, sizeof q, s, n));
}

static pl_status decode_version(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_manifest *mf = obj;
    char q[PLC_QUOTE_MAX];
    if (m->value->kind == PLC_INT || m->value->kind == PLC_FLOAT)
        return plc_fail(cx, &m->value->loc,
                        "'version' must be a string such as \"1.0.0\" (quote it), got %s",
                        plc_kind_name(m->value->kind));
    pl_status st = plc_decode_string(cx, m, m->value, &mf->version);
    if (st != PL_OK)
        return st;
    if (plc_semver_parse(mf->version, &mf->semver))
        return PL_OK;
    return plc_fail(cx, &m->value->loc,
                    "'version' must be a semantic version MAJOR.MINOR.PATCH such as 1.2.3 "
                    "(optionally -prerelease), got '%s'",
                    plc_quote(q, sizeof q, mf->version, strlen(mf->version)));
}

static pl_status check_range(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char why[128], q[PLC_QUOTE_MAX];
    if (plc_semver_range_valid(s, why, sizeof why))
        return PL_OK;
    return plc_fail(cx, &m->value->loc,
                    "'requires_version' must be a version range such as '>=0.1, <1' or "
                    "'^0.1.0', got '%s': %s",
                    plc_quote(q, sizeof q, s, strlen(s)), why);
}

static pl_status decode_kind(plc_dctx *cx, const plc_member *m, void *obj)
{
    static const char *const names[] = {"provider", "tool", "prompt", "context", NULL};
    plc_manifest *mf = obj;
    int k;
    pl_status st = plc_decode_enum(cx, m, names, &k);
    if (st == PL_OK)
        mf->kind = (plc_plugin_kind)(PLC_KIND_PROVIDER + k);
    return st;
}

static pl_status decode_wasm_target(plc_dctx *cx, const plc_member *m, void *obj)
{
    static const char *const names[] = {"wasm32-wasi", "wasm32-wasip1", "wasm32-unknown-unknown",
                                        NULL};
    plc_manifest *mf = obj;
    int k;
    pl_status st = plc_decode_enum(cx, m, names, &k);
    if (st == PL_OK)
        mf->wasm_target = names[k];
    return st;
}

/* "file:NAME.sig" or a bare path, relative to the manifest's folder. */
static pl_status check_signature(plc_dctx *cx, const plc_member *m, const void *field)
{
    plc_manifest *mf = (plc_manifest *)((const char *)field - offsetof(plc_manifest, signature));
    const char *s = mf->signature;
    char q[PLC_QUOTE_MAX];
    if (strncmp(s, "file:", 5) == 0)
        s += 5;
    else if (strstr(s, "://") || strchr(s, ':'))
        return plc_fail(cx, &m->value->loc,
                        "'signature' must be 'file:<path>' (e.g. 'file:hello-plugin.sig'), got "
                        "'%s'",
                        plc_quote(q, sizeof q, s, strlen(s)));
    if (!*s)
        return plc_fail(cx, &m->value->loc, "'signature' names no file after 'file:'");
    return plc_expand_path(cx, &m->value->loc, s, false, &mf->signature_path);
}

static pl_status check_entry(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char q[PLC_QUOTE_MAX];
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return plc_fail(cx, &m->value->loc,
                            "'entry' must be an export name such as '_start', got '%s'",
                            plc_quote(q, sizeof q, s, strlen(s)));
    return PL_OK;
}

static pl_status check_url(plc_dctx *cx, const plc_member *m, const void *field)
{
    return plc_check_http_url(cx, m, field);
}

static pl_status decode_cap_list(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_manifest *mf = obj;
    return plc_decode_caps(cx, m, PLC_CAP_ALL, NULL, &mf->requested.caps);
}

static pl_status decode_cap_table(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_manifest *mf = obj;
    return plc_decode_grants(cx, m, true, &mf->requested);
}

/* Flat form: a list of names or the detail table. */
static pl_status decode_cap_any(plc_dctx *cx, const plc_member *m, void *obj)
{
    if (m->value->kind == PLC_ARRAY)
        return decode_cap_list(cx, m, obj);
    if (m->value->kind == PLC_TABLE)
        return decode_cap_table(cx, m, obj);
    return plc_type_error(cx, m,
                          "a list of capability names or a table with network, filesystem, "
                          "environment and services");
}

/* ---- field tables --------------------------------------------------------------------------- */

#define F(k, t, member_, ...) {.key = k, .type = t, .offset = offsetof(plc_manifest, member_), __VA_ARGS__}

/* [plugin] keys, shared with the flat form. */
#define PLUGIN_KEYS                                                                               \
    {.key = "version", .type = PLC_F_CUSTOM, .flags = PLC_FF_REQUIRED, .decode = decode_version, \
     .hints = "ver"},                                                                             \
    {.key = "kind", .type = PLC_F_CUSTOM, .decode = decode_kind, .hints = "type"},               \
    {.key = "wasm_target", .type = PLC_F_CUSTOM, .decode = decode_wasm_target,                   \
     .hints = "target"},                                                                          \
    F("signature", PLC_F_STRING, signature, .check = check_signature, .hints = "sig"),           \
    F("entry", PLC_F_STRING, entry, .check = check_entry, .hints = "entrypoint main start"),     \
    F("requires_version", PLC_F_STRING, requires_version, .check = check_range,                  \
      .hints = "requires plinth_version min_version")

/* [meta] keys, shared with the flat form. */
#define META_KEYS                                                                         \
    F("description", PLC_F_STRING, description, .hints = "desc summary"),                \
    F("license", PLC_F_STRING, license, .hints = "licence"),                             \
    F("homepage", PLC_F_STRING, homepage, .check = check_url, .hints = "website url"),   \
    F("repository", PLC_F_STRING, repository, .check = check_url, .hints = "repo source"), \
    F("keywords", PLC_F_STRLIST, keywords, .hints = "tags")

static const plc_field plugin_fields[] = {
    F("id", PLC_F_STRING, id, .flags = PLC_FF_REQUIRED, .check = check_id, .hints = "name"),
    PLUGIN_KEYS,
    {.key = "capabilities", .type = PLC_F_CUSTOM, .decode = decode_cap_list, .hints = "caps"},
    {0},
};

static const plc_field meta_fields[] = {
    F("name", PLC_F_STRING, name, .hints = "title display_name"),
    META_KEYS,
    F("authors", PLC_F_STRLIST, authors, .hints = "author maintainers"),
    {0},
};

#define SECTION(fn, table)                                                     \
    static pl_status fn(plc_dctx *cx, const plc_member *m, void *obj)         \
    {                                                                         \
        return plc_decode_nested(cx, m, table, "a table", obj, NULL);         \
    }
SECTION(decode_plugin_section, plugin_fields)
SECTION(decode_meta_section, meta_fields)

static const plc_field sections_fields[] = {
    {.key = "plugin", .type = PLC_F_CUSTOM, .flags = PLC_FF_REQUIRED,
     .decode = decode_plugin_section},
    {.key = "meta", .type = PLC_F_CUSTOM, .decode = decode_meta_section, .hints = "metadata"},
    {.key = "capabilities", .type = PLC_F_CUSTOM, .decode = decode_cap_table,
     .hints = "caps permissions"},
    {0},
};

/* The flat form's "author" (one string) joins "authors". */
static pl_status decode_author(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_manifest *mf = obj;
    const char *a;
    pl_status st = plc_decode_string(cx, m, m->value, &a);
    if (st != PL_OK)
        return st;
    const char **items;
    st = plc_alloc_array(cx, mf->authors.len + 1, sizeof *items, (void **)&items);
    if (st != PL_OK)
        return st;
    items[0] = a;
    for (size_t i = 0; i < mf->authors.len; i++)
        items[i + 1] = mf->authors.items[i];
    mf->authors.items = items;
    mf->authors.len++;
    return PL_OK;
}

static pl_status decode_authors_flat(plc_dctx *cx, const plc_member *m, void *obj)
{
    plc_manifest *mf = obj;
    plc_strlist more;
    pl_status st = plc_decode_strlist(cx, m, &more);
    if (st != PL_OK || mf->authors.len == 0) {
        if (st == PL_OK)
            mf->authors = more;
        return st;
    }
    const char **items;
    st = plc_alloc_array(cx, mf->authors.len + more.len, sizeof *items, (void **)&items);
    if (st != PL_OK)
        return st;
    memcpy(items, mf->authors.items, mf->authors.len * sizeof *items);
    if (more.len)
        memcpy(items + mf->authors.len, more.items, more.len * sizeof *items);
    mf->authors.items = items;
    mf->authors.len += more.len;
    return PL_OK;
}

static const plc_field flat_fields[] = {
    F("name", PLC_F_STRING, name, .flags = PLC_FF_REQUIRED, .check = check_id,
      .hints = "title"),
    F("id", PLC_F_STRING, id, .check = check_id),
    PLUGIN_KEYS,
    META_KEYS,
    {.key = "author", .type = PLC_F_CUSTOM, .decode = decode_author, .hints = "maintainer"},
    {.key = "authors", .type = PLC_F_CUSTOM, .decode = decode_authors_flat},
    {.key = "capabilities", .type = PLC_F_CUSTOM, .decode = decode_cap_any,
     .hints = "caps permissions"},
    {0},
};

/* ---- loading ------------------------------------------------------------------------------------------ */

static pl_status dir_of(plc_dctx *cx, const char *path, const char **out)
{
    const char *slash = strrchr(path, '/');
    *out = NULL;
    if (!slash)
        return PL_OK;
    char *d = plc_dupn(cx, path, slash == path ? 1 : (size_t)(slash - path));
    if (!d)
        return plc_nomem(cx);
    *out = d;
    return PL_OK;
}

static pl_status decode_manifest(plc_dctx *cx, plc_manifest *mf)
{
    const plc_node *root = mf->doc->root;
    if (!root || root->kind != PLC_TABLE) {
        pl_loc loc = root ? root->loc : (pl_loc){mf->path, 0, 0};
        return plc_fail(cx, &loc, "a plugin manifest must be a table (mapping) at the top level, "
                                  "got %s",
                        root ? plc_kind_name(root->kind) : "an empty document");
    }
    bool sections = plc_get(root, "plugin") || plc_get(root, "meta");
    mf->form = sections ? PLC_MANIFEST_SECTIONS : PLC_MANIFEST_FLAT;
    pl_status st = plc_decode_table(cx, sections ? sections_fields : flat_fields, "at the top level",
                                    root, mf, NULL);
    if (st != PL_OK)
        return st;
    if (!mf->id)
        mf->id = mf->name;
    if (!mf->name)
        mf->name = mf->id;
    return PL_OK;
}

pl_status plc_manifest_from_doc(plc_doc *doc, const char *path, plc_manifest **out, pl_err *err)
{
    *out = NULL;
    plc_manifest *mf = plu_calloc(1, sizeof *mf);
    if (!mf) {
        plc_doc_free(doc);
        return plu_err_nomem(err);
    }
    plu_arena_init(&mf->arena);
    mf->doc = doc;
    plc_dctx cx = {.err = err, .arena = &mf->arena, .manifest = true};
    pl_status st = PL_OK;
    if (!(mf->path = plc_dup(&cx, path ? path : doc->file)))
        st = plc_nomem(&cx);
    if (st == PL_OK)
        st = dir_of(&cx, mf->path, &cx.base_dir);
    if (st == PL_OK)
        st = decode_manifest(&cx, mf);
    if (st != PL_OK) {
        plc_manifest_free(mf);
        return st;
    }
    *out = mf;
    return PL_OK;
}

pl_status plc_manifest_load(const char *path, plc_manifest **out, pl_err *err)
{
    *out = NULL;
    plc_doc *doc;
    pl_status st = plc_parse_file(path, &doc, err);
    if (st != PL_OK)
        return st;
    return plc_manifest_from_doc(doc, path, out, err);
}

void plc_manifest_free(plc_manifest *mf)
{
    if (!mf)
        return;
    plc_doc_free(mf->doc);
    plu_arena_free(&mf->arena);
    plu_free(mf);
}

/* ---- output ----------------------------------------------------------------------------------------------- */

int plc_manifest_to_json(const plc_manifest *mf, int indent, plu_buf *out)
{
    plc_jw w;
    plc_jw_init(&w, out, indent);
    plc_jw_begin(&w, NULL, '{');
    plc_jw_str(&w, "file", mf->path);
    plc_jw_str(&w, "form", mf->form == PLC_MANIFEST_SECTIONS ? "sections" : "flat");
    plc_jw_str(&w, "id", mf->id);
    plc_jw_str(&w, "name", mf->name);
    plc_jw_str(&w, "version", mf->version);
    plc_jw_str(&w, "kind", mf->kind ? plc_plugin_kind_name(mf->kind) : NULL);
    plc_jw_str(&w, "description", mf->description);
    plc_jw_str(&w, "license", mf->license);
    plc_jw_strlist(&w, "authors", &mf->authors);
    plc_jw_str(&w, "homepage", mf->homepage);
    plc_jw_str(&w, "repository", mf->repository);
    plc_jw_strlist(&w, "keywords", &mf->keywords);
    plc_jw_str(&w, "wasm_target", mf->wasm_target);
    plc_jw_str(&w, "signature", mf->signature);
    plc_jw_str(&w, "signature_path", mf->signature_path);
    plc_jw_str(&w, "entry", mf->entry);
    plc_jw_str(&w, "requires_version", mf->requires_version);
    plc_jw_caps(&w, "capabilities", mf->requested.caps);
    plc_jw_grants(&w, "permissions", &mf->requested);
    plc_jw_end(&w, '}');
    if (indent && !w.failed && plu_buf_putc(out, '\n') != 0)
        return -1;
    return w.failed;
}

static int join(plu_buf *b, const plc_strlist *l)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->len; i++)
        rc = plu_buf_printf(b, "%s%s", i ? ", " : "", l->items[i]);
    return rc;
}

static int caps_line(plu_buf *b, const plc_manifest *mf)
{
    int rc = plu_buf_puts(b, "capabilities:");
    const plc_grants *g = &mf->requested;
    for (unsigned i = 0; rc == 0 && plc_cap_names[i]; i++)
        if (g->caps & (1u << i))
            rc = plu_buf_printf(b, " %s", plc_cap_names[i]);
    if (rc == 0 && !g->caps)
        rc = plu_buf_puts(b, " none");
    const struct { const char *label; const plc_strlist *l; } details[] = {
        {"network", &g->network}, {"read", &g->fs_read},
        {"write", &g->fs_write}, {"environment", &g->environment},
    };
    for (size_t i = 0; rc == 0 && i < sizeof details / sizeof details[0]; i++) {
        if (!details[i].l->len)
            continue;
        rc = plu_buf_printf(b, "\n  %s: ", details[i].label);
        if (rc == 0)
            rc = join(b, details[i].l);
    }
    return rc ? rc : plu_buf_putc(b, '\n');
}

int plc_manifest_summary(const plc_manifest *mf, plu_buf *b)
{
    int rc = plu_buf_printf(b, "manifest: %s (%s form)\nplugin: %s %s", mf->path,
                            mf->form == PLC_MANIFEST_SECTIONS ? "[plugin]/[meta]" : "flat",
                            mf->id, mf->version);
    if (rc == 0 && strcmp(mf->name, mf->id) != 0)
        rc = plu_buf_printf(b, " (%s)", mf->name);
    if (rc == 0 && mf->kind)
        rc = plu_buf_printf(b, ", %s", plc_plugin_kind_name(mf->kind));
    if (rc == 0)
        rc = plu_buf_putc(b, '\n');
    if (rc == 0 && mf->description)
        rc = plu_buf_printf(b, "description: %s\n", mf->description);
    if (rc == 0 && mf->authors.len) {
        rc = plu_buf_puts(b, "authors: ");
        if (rc == 0)
            rc = join(b, &mf->authors);
        if (rc == 0)
            rc = plu_buf_putc(b, '\n');
    }
    if (rc == 0 && mf->license)
        rc = plu_buf_printf(b, "license: %s\n", mf->license);
    if (rc == 0 && mf->requires_version)
        rc = plu_buf_printf(b, "requires plinth: %s\n", mf->requires_version);
    return rc ? rc : caps_line(b, mf);
}
