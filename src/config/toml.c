/*
** toml.c — the TOML 1.0 reader: statements, table headers, key/value
** pairs, arrays and inline tables, and the rules about which table may be
** defined or extended where. Text-level scanning is in toml_lex.c, bare
** values in toml_scalar.c.
**
** Table rules. Each table records how it came to be (plc_node.flags):
**  - implicitly, as a parent named in a header ([a.b] creates a): a later
**    [a] may still define it, and dotted keys may extend it;
**  - by a header [a] or as an element of [[a]] (PLC_TF_HEADER): no second
**    header may define it, and dotted keys from outside may not reach into
**    it (TOML 1.0, toml-lang/toml#846);
**  - by dotted keys, a.b = 1 (PLC_TF_DOTTED): a header may not define it
**    afterwards, but headers may define sub-tables below it;
**  - as an inline table (PLC_TF_INLINE): closed for good.
** Arrays made by [[a]] carry PLC_TF_AOT; only those take more [[a]] items
** and lead headers into their last item. Other arrays are closed values.
**
** Recursion happens only for arrays and inline tables, and their depth is
** bounded by PLC_TOML_MAX_DEPTH; headers and dotted keys are loops.
*/
#include <string.h>

#include "toml_int.h"

static pl_status value(plc_toml *t, size_t depth, plc_node **out);

static pl_status too_deep(plc_toml *t, size_t pos)
{
    return plc_toml_fail(t, pos, "tables and arrays are nested deeper than %d levels",
                         PLC_TOML_MAX_DEPTH);
}

static const char *kind_of(const plc_node *v)
{
    return v ? plc_kind_name(v->kind) : "value";
}

static bool is_aot(const plc_node *v)
{
    return v && v->kind == PLC_ARRAY && (v->flags & PLC_TF_AOT);
}

/* A new table named by part i of the current key, added to parent. */
static pl_status add_table(plc_toml *t, plc_node *parent, size_t i, pl_loc loc,
                           uint32_t flags, plc_node **out)
{
    const plc_toml_part *p = &t->parts[i];
    plc_node *sub = plc_new(t->doc, PLC_TABLE, loc);
    if (!sub || !plc_table_add(t->doc, parent, plc_toml_part_text(t, i), p->len,
                               plc_toml_loc(t, p->pos), sub))
        return plc_toml_nomem(t);
    sub->flags = flags;
    *out = sub;
    return PL_OK;
}

static plc_member *find_part(const plc_toml *t, const plc_node *table, size_t i)
{
    return plc_table_find(table, plc_toml_part_text(t, i), t->parts[i].len);
}

/* ---- key = value ------------------------------------------------------- */

/* Part i of a dotted key names something that is not a table dotted keys
** may extend. */
static pl_status dotted_conflict(plc_toml *t, size_t i, bool in_section,
                                 const plc_node *v)
{
    char name[PLC_TOML_NAME_MAX];
    plc_toml_key_name(t, in_section, i + 1, name, sizeof name);
    size_t pos = t->parts[i].pos;
    unsigned line = v ? (unsigned)v->loc.line : 0;
    if (v && v->kind == PLC_TABLE && (v->flags & PLC_TF_INLINE))
        return plc_toml_fail(t, pos, "cannot add keys to inline table '%s' (defined at "
                                     "line %u): inline tables are closed once written",
                             name, line);
    if (v && v->kind == PLC_TABLE)
        return plc_toml_fail(t, pos, "cannot add to table '%s' with dotted keys: it is "
                                     "defined by its own header at line %u", name, line);
    if (is_aot(v))
        return plc_toml_fail(t, pos, "cannot add to '%s' with dotted keys: it is an "
                                     "array of tables (defined at line %u)", name, line);
    return plc_toml_fail(t, pos, "cannot use '%s' as a table: it is already %s %s "
                                 "(defined at line %u)",
                         name, plc_toml_article(kind_of(v)), kind_of(v), line);
}

/* Step from *table into the table named by part i of a dotted key,
** creating it if needed; depth is the depth of that table. */
static pl_status dotted_step(plc_toml *t, plc_node **table, size_t depth, size_t i,
                             bool in_section)
{
    plc_member *m = find_part(t, *table, i);
    if (!m) {
        if (depth > PLC_TOML_MAX_DEPTH)
            return too_deep(t, t->parts[i].pos);
        pl_loc loc = plc_toml_loc(t, t->parts[i].pos);
        return add_table(t, *table, i, loc, PLC_TF_DOTTED, table);
    }
    plc_node *v = m->value;
    if (!v || v->kind != PLC_TABLE || (v->flags & (PLC_TF_HEADER | PLC_TF_INLINE)))
        return dotted_conflict(t, i, in_section, v);
    v->flags |= PLC_TF_DOTTED;
    *table = v;
    return PL_OK;
}

static pl_status expect_equals(plc_toml *t)
{
    if (t->pos < t->n && t->s[t->pos] == '=') {
        t->pos++;
        plc_toml_skip_ws(t);
        return PL_OK;
    }
    char name[PLC_TOML_NAME_MAX], found[48];
    plc_toml_key_name(t, false, t->nparts, name, sizeof name);
    return plc_toml_fail(t, t->pos, "expected '=' after key '%s', found %s", name,
                         plc_toml_found(t, t->pos, found, sizeof found));
}

/* One `key = value` into `table` (at nesting depth `depth`); in_section
** says that table is the current section (messages then name keys from the
** root), not an inline table. The new member is returned through *out.
** It is added before its value is parsed, because keys inside the value
** reuse the key parts; the value only touches tables it creates itself,
** so the member does not move meanwhile. */
static pl_status keyval(plc_toml *t, plc_node *table, size_t depth, bool in_section,
                        plc_member **out)
{
    pl_status st = plc_toml_key(t);
    if (st == PL_OK)
        st = expect_equals(t);
    size_t last = t->nparts - 1;
    for (size_t i = 0; st == PL_OK && i < last; i++)
        st = dotted_step(t, &table, depth + i + 1, i, in_section);
    if (st != PL_OK)
        return st;
    const plc_toml_part *p = &t->parts[last];
    plc_member *m = find_part(t, table, last);
    if (m) {
        char name[PLC_TOML_NAME_MAX];
        plc_toml_key_name(t, in_section, t->nparts, name, sizeof name);
        return plc_toml_fail(t, p->pos, "duplicate key '%s' (first defined at line %u)",
                             name, (unsigned)m->key_loc.line);
    }
    m = plc_table_add(t->doc, table, plc_toml_part_text(t, last), p->len,
                      plc_toml_loc(t, p->pos), NULL);
    if (!m)
        return plc_toml_nomem(t);
    size_t index = (size_t)(m - table->u.t.items);
    plc_node *v = NULL;
    if ((st = value(t, depth + t->nparts, &v)) != PL_OK)
        return st;
    *out = &table->u.t.items[index];
    (*out)->value = v;
    return PL_OK;
}

/* ---- arrays and inline tables ------------------------------------------- */

/* [ value, value, ... ] with newlines and comments anywhere between. */
static pl_status array(plc_toml *t, size_t depth, plc_node **out)
{
    if (depth > PLC_TOML_MAX_DEPTH)
        return too_deep(t, t->pos);
    plc_node *arr = plc_new(t->doc, PLC_ARRAY, plc_toml_loc(t, t->pos));
    if (!arr)
        return plc_toml_nomem(t);
    t->pos++;
    for (;;) {
        pl_status st = plc_toml_skip_blank(t, true);
        if (st != PL_OK)
            return st;
        if (t->pos < t->n && t->s[t->pos] == ']')
            break;
        plc_node *item;
        if ((st = value(t, depth + 1, &item)) != PL_OK)
            return st;
        if (plc_array_push(t->doc, arr, item) != 0)
            return plc_toml_nomem(t);
        if ((st = plc_toml_skip_blank(t, true)) != PL_OK)
            return st;
        if (t->pos < t->n && t->s[t->pos] == ',') {
            t->pos++;
            continue;
        }
        if (t->pos < t->n && t->s[t->pos] == ']')
            break;
        char found[48];
        return plc_toml_fail(t, t->pos, "expected ',' or ']' after an array item, found %s",
                             plc_toml_found(t, t->pos, found, sizeof found));
    }
    t->pos++;
    *out = arr;
    return PL_OK;
}

/* The error for an inline table that goes on where it should not. */
static pl_status inline_error(plc_toml *t, const char *expected)
{
    char found[48];
    bool eol = t->pos >= t->n || t->s[t->pos] == '\n' || t->s[t->pos] == '\r';
    return plc_toml_fail(t, t->pos, "expected %s in inline table, found %s%s", expected,
                         plc_toml_found(t, t->pos, found, sizeof found),
                         eol ? " (an inline table must be on one line in TOML 1.0)" : "");
}

/* The separator after a member of an inline table: ',' then another
** member, or '}'. *done tells which. */
static pl_status inline_separator(plc_toml *t, bool *done)
{
    plc_toml_skip_ws(t);
    unsigned char c = t->pos < t->n ? t->s[t->pos] : 0;
    if (c != ',' && c != '}')
        return inline_error(t, "',' or '}'");
    t->pos++;
    *done = c == '}';
    if (*done)
        return PL_OK;
    plc_toml_skip_ws(t);
    if (t->pos < t->n && t->s[t->pos] == '}')
        return plc_toml_fail(t, t->pos, "a trailing comma is not allowed in an inline "
                                        "table in TOML 1.0");
    return PL_OK;
}

/* { key = value, ... } on one line, no trailing comma. Dotted keys inside
** build sub-tables; once closed, the table is PLC_TF_INLINE. */
static pl_status inline_table(plc_toml *t, size_t depth, plc_node **out)
{
    if (depth > PLC_TOML_MAX_DEPTH)
        return too_deep(t, t->pos);
    plc_node *table = plc_new(t->doc, PLC_TABLE, plc_toml_loc(t, t->pos));
    if (!table)
        return plc_toml_nomem(t);
    t->pos++;
    plc_toml_skip_ws(t);
    bool done = t->pos < t->n && t->s[t->pos] == '}';
    if (done)
        t->pos++;
    while (!done) {
        unsigned char c = t->pos < t->n ? t->s[t->pos] : '\n';
        if (c == '\n' || c == '\r')
            return inline_error(t, "a key");
        plc_member *m;
        pl_status st = keyval(t, table, depth, false, &m);
        if (st == PL_OK)
            st = inline_separator(t, &done);
        if (st != PL_OK)
            return st;
    }
    table->flags = PLC_TF_INLINE;
    *out = table;
    return PL_OK;
}

/* A string of any kind; the node starts at the opening quote. */
static pl_status string_value(plc_toml *t, plc_node **out)
{
    pl_loc loc = plc_toml_loc(t, t->pos);
    plc_toml_span span;
    pl_status st = plc_toml_string(t, &span);
    if (st != PL_OK)
        return st;
    *out = plc_new_string(t->doc, PLC_STRING, span.ptr, span.len, loc);
    return *out ? PL_OK : plc_toml_nomem(t);
}

/* Any value at the cursor; depth is the nesting depth it will have. */
static pl_status value(plc_toml *t, size_t depth, plc_node **out)
{
    unsigned char c = t->pos < t->n ? t->s[t->pos] : 0;
    if (c == '"' || c == '\'')
        return string_value(t, out);
    if (c == '[')
        return array(t, depth, out);
    if (c == '{')
        return inline_table(t, depth, out);
    return plc_toml_scalar(t, out);
}

/* ---- table headers -------------------------------------------------------- */

/* The header's full name and the name of its first i + 1 parts. */
typedef struct header_names {
    char full[PLC_TOML_NAME_MAX], part[PLC_TOML_NAME_MAX];
} header_names;

static void name_header(const plc_toml *t, size_t i, header_names *hn)
{
    plc_toml_key_name(t, false, t->nparts, hn->full, sizeof hn->full);
    plc_toml_key_name(t, false, i + 1, hn->part, sizeof hn->part);
}

/* Part i (not the last) of a header names something headers cannot pass. */
static pl_status header_path_conflict(plc_toml *t, size_t i, const plc_node *v)
{
    header_names hn;
    name_header(t, i, &hn);
    size_t pos = t->parts[i].pos;
    unsigned line = v ? (unsigned)v->loc.line : 0;
    if (v && v->kind == PLC_TABLE)
        return plc_toml_fail(t, pos, "cannot define table '%s': '%s' is an inline table "
                                     "(defined at line %u) and cannot be extended",
                             hn.full, hn.part, line);
    if (v && v->kind == PLC_ARRAY)
        return plc_toml_fail(t, pos, "cannot define table '%s': '%s' is an array value "
                                     "(defined at line %u), not an array of tables",
                             hn.full, hn.part, line);
    return plc_toml_fail(t, pos, "cannot define table '%s': '%s' is already %s %s "
                                 "(defined at line %u)",
                         hn.full, hn.part, plc_toml_article(kind_of(v)), kind_of(v), line);
}

/* Step from *table into the table named by part i of a header, creating
** an implicit table if needed; an array of tables leads to its last item.
** *depth follows the nesting. */
static pl_status header_step(plc_toml *t, plc_node **table, size_t *depth, size_t i,
                             pl_loc at)
{
    plc_member *m = find_part(t, *table, i);
    if (!m) {
        if (++*depth > PLC_TOML_MAX_DEPTH)
            return too_deep(t, t->parts[i].pos);
        return add_table(t, *table, i, at, 0, table);
    }
    plc_node *v = m->value;
    if (v && v->kind == PLC_TABLE && !(v->flags & PLC_TF_INLINE)) {
        *table = v;
        *depth += 1;
        return PL_OK;
    }
    if (is_aot(v)) {
        *table = v->u.a.items[v->u.a.len - 1];
        *depth += 2;
        return PL_OK;
    }
    return header_path_conflict(t, i, v);
}

/* [name] names something that cannot be (re)defined as a table. */
static pl_status table_conflict(plc_toml *t, size_t at, const plc_node *v)
{
    header_names hn;
    name_header(t, t->nparts - 1, &hn);
    unsigned line = v ? (unsigned)v->loc.line : 0;
    const char *how = NULL;
    if (v && v->kind == PLC_TABLE)
        how = v->flags & PLC_TF_HEADER   ? NULL
            : v->flags & PLC_TF_DOTTED ? "by dotted keys"
                                       : "as an inline table";
    if (v && v->kind == PLC_TABLE && !how)
        return plc_toml_fail(t, at, "table '%s' is defined twice (first at line %u)",
                             hn.full, line);
    if (v && v->kind == PLC_TABLE)
        return plc_toml_fail(t, at, "table '%s' is already defined %s (at line %u)",
                             hn.full, how, line);
    if (is_aot(v))
        return plc_toml_fail(t, at, "table '%s' is already defined as an array of tables "
                                    "(at line %u)", hn.full, line);
    return plc_toml_fail(t, at, "cannot define table '%s': it is already %s %s "
                                "(defined at line %u)",
                         hn.full, plc_toml_article(kind_of(v)), kind_of(v), line);
}

/* [name]: define the table named by the last part in parent. */
static pl_status define_table(plc_toml *t, plc_node *parent, size_t *depth, size_t at,
                              pl_loc loc, plc_node **out)
{
    size_t last = t->nparts - 1;
    plc_member *m = find_part(t, parent, last);
    if (!m) {
        if (++*depth > PLC_TOML_MAX_DEPTH)
            return too_deep(t, t->parts[last].pos);
        return add_table(t, parent, last, loc, PLC_TF_HEADER, out);
    }
    plc_node *v = m->value;
    if (!v || v->kind != PLC_TABLE || v->flags != 0)
        return table_conflict(t, at, v);
    v->flags = PLC_TF_HEADER;
    v->loc = loc; /* implicit until now: it is defined here */
    *depth += 1;
    *out = v;
    return PL_OK;
}

/* [[name]] names something that is not an array of tables. */
static pl_status aot_conflict(plc_toml *t, size_t at, const plc_node *v)
{
    header_names hn;
    name_header(t, t->nparts - 1, &hn);
    unsigned line = v ? (unsigned)v->loc.line : 0;
    if (v && v->kind == PLC_ARRAY)
        return plc_toml_fail(t, at, "cannot append to '%s' with [[...]]: it is an array "
                                    "value (defined at line %u), not an array of tables",
                             hn.full, line);
    return plc_toml_fail(t, at, "cannot define array of tables '%s': it is already %s %s "
                                "(defined at line %u)",
                         hn.full, plc_toml_article(kind_of(v)), kind_of(v), line);
}

/* [[name]]: append a new table to the array of tables named by the last
** part in parent, creating the array the first time. */
static pl_status define_aot_item(plc_toml *t, plc_node *parent, size_t *depth, size_t at,
                                 pl_loc loc, plc_node **out)
{
    size_t last = t->nparts - 1;
    plc_member *m = find_part(t, parent, last);
    plc_node *arr = m ? m->value : NULL;
    if (m && !is_aot(arr))
        return aot_conflict(t, at, arr);
    *depth += 2;
    if (*depth > PLC_TOML_MAX_DEPTH)
        return too_deep(t, t->parts[last].pos);
    if (!m) {
        arr = plc_new(t->doc, PLC_ARRAY, loc);
        if (!arr || !plc_table_add(t->doc, parent, plc_toml_part_text(t, last),
                                   t->parts[last].len, plc_toml_loc(t, t->parts[last].pos), arr))
            return plc_toml_nomem(t);
        arr->flags = PLC_TF_AOT;
    }
    plc_node *item = plc_new(t->doc, PLC_TABLE, loc);
    if (!item || plc_array_push(t->doc, arr, item) != 0)
        return plc_toml_nomem(t);
    item->flags = PLC_TF_HEADER;
    *out = item;
    return PL_OK;
}

/* The ] or ]] that closes a header. */
static pl_status close_header(plc_toml *t, bool aot)
{
    size_t i = t->pos;
    if (i < t->n && t->s[i] == ']' && (!aot || (i + 1 < t->n && t->s[i + 1] == ']'))) {
        t->pos = i + 1 + aot;
        return PL_OK;
    }
    if (aot && i < t->n && t->s[i] == ']')
        i++;
    char found[48];
    return plc_toml_fail(t, i, "expected '%s' to close the table header, found %s",
                         aot ? "]]" : "]", plc_toml_found(t, i, found, sizeof found));
}

/* Keep the header's key for messages about keys in its section. */
static pl_status remember_section(plc_toml *t)
{
    t->section_keys.len = t->section_lens.len = 0;
    if (plu_buf_append(&t->section_keys, t->keys.data, t->keys.len) != 0)
        return plc_toml_nomem(t);
    for (size_t i = 0; i < t->nparts; i++)
        if (plu_buf_append(&t->section_lens, &t->parts[i].len, sizeof(size_t)) != 0)
            return plc_toml_nomem(t);
    return PL_OK;
}

/* [a.b.c] or [[a.b.c]]: afterwards key/value lines go into that table. */
static pl_status header(plc_toml *t)
{
    size_t at = t->pos;
    pl_loc loc = plc_toml_loc(t, at);
    bool aot = at + 1 < t->n && t->s[at + 1] == '[';
    t->pos += 1 + aot;
    plc_toml_skip_ws(t);
    pl_status st = plc_toml_key(t);
    if (st == PL_OK)
        st = close_header(t, aot);
    plc_node *table = t->doc->root;
    size_t depth = 0;
    for (size_t i = 0; st == PL_OK && i + 1 < t->nparts; i++)
        st = header_step(t, &table, &depth, i, loc);
    if (st == PL_OK)
        st = aot ? define_aot_item(t, table, &depth, at, loc, &table)
                 : define_table(t, table, &depth, at, loc, &table);
    if (st != PL_OK)
        return st;
    t->section = table;
    t->section_depth = depth;
    if ((st = remember_section(t)) != PL_OK)
        return st;
    return plc_toml_end_line(t, "the table header", NULL, 0);
}

/* ---- the document ------------------------------------------------------- */

/* The whole input: blank lines and comments, [headers] and key/value
** lines, each statement ending its line. */
static pl_status document(plc_toml *t)
{
    for (;;) {
        pl_status st = plc_toml_skip_blank(t, true);
        if (st != PL_OK || t->pos >= t->n)
            return st;
        if (t->s[t->pos] == '[') {
            st = header(t);
        } else {
            plc_member *m;
            st = keyval(t, t->section, t->section_depth, true, &m);
            if (st == PL_OK)
                st = plc_toml_end_line(t, "the value of key", m->key, m->key_len);
        }
        if (st != PL_OK)
            return st;
    }
}

/* Set up the reader and an empty document with its root table. */
static pl_status start(plc_toml *t, const char *text, size_t len, const char *file,
                       pl_err *err)
{
    t->s = (const unsigned char *)(text ? text : "");
    t->n = len;
    t->line = 1;
    t->col = 1;
    t->file = file ? file : "<input>";
    t->err = err;
    plu_buf_init(&t->scratch);
    plu_buf_init(&t->keys);
    plu_buf_init(&t->section_keys);
    plu_buf_init(&t->section_lens);
    t->doc = plc_doc_new(file);
    if (!t->doc || !(t->doc->root = plc_new(t->doc, PLC_TABLE, (pl_loc){t->doc->file, 1, 1})) ||
        plu_buf_reserve(&t->keys, 64) != 0) /* keys.data is never NULL */
        return plc_toml_nomem(t);
    t->section = t->doc->root;
    return PL_OK;
}

/* Free the reader's buffers (not the document). */
static void finish(plc_toml *t)
{
    plu_buf_free(&t->scratch);
    plu_buf_free(&t->keys);
    plu_buf_free(&t->section_keys);
    plu_buf_free(&t->section_lens);
}

pl_status plc_parse_toml(const char *text, size_t len, const char *file, plc_doc **out,
                         pl_err *err)
{
    if (!out || (!text && len))
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "plc_parse_toml: no text or no out");
    *out = NULL;
    /* About 7 KiB, mostly the key parts: on the stack, so parsing costs no
    ** allocation beyond the document's own and two small buffers. */
    plc_toml t;
    memset(&t, 0, sizeof t);
    pl_status st = start(&t, text, len, file, err);
    if (st == PL_OK)
        st = plc_toml_check_input(&t);
    if (st == PL_OK)
        st = document(&t);
    finish(&t);
    if (st != PL_OK) {
        plc_doc_free(t.doc);
        return st;
    }
    *out = t.doc;
    return PL_OK;
}
