/*
** doc.c — the document tree: construction in an arena, lookup, equality,
** and JSON output.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

plc_doc *plc_doc_new(const char *file)
{
    plc_doc *doc = plu_calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    plu_arena_init(&doc->arena);
    const char *name = file ? file : "<input>";
    doc->file = plu_arena_strndup(&doc->arena, name, strlen(name));
    if (!doc->file) {
        plu_free(doc);
        return NULL;
    }
    return doc;
}

void plc_doc_free(plc_doc *doc)
{
    if (!doc)
        return;
    plu_arena_free(&doc->arena);
    plu_free(doc);
}

plc_node *plc_new(plc_doc *doc, plc_kind kind, pl_loc loc)
{
    plc_node *n = plu_arena_alloc(&doc->arena, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->loc = loc;
    return n;
}

plc_node *plc_new_string(plc_doc *doc, plc_kind kind, const char *s,
                         size_t len, pl_loc loc)
{
    plc_node *n = plc_new(doc, kind, loc);
    if (!n)
        return NULL;
    char *copy = plu_arena_strndup(&doc->arena, s, len);
    if (!copy)
        return NULL;
    n->u.s.ptr = copy;
    n->u.s.len = len;
    return n;
}

plc_node *plc_new_int(plc_doc *doc, int64_t v, pl_loc loc)
{
    plc_node *n = plc_new(doc, PLC_INT, loc);
    if (n)
        n->u.i = v;
    return n;
}

plc_node *plc_new_float(plc_doc *doc, double v, pl_loc loc)
{
    plc_node *n = plc_new(doc, PLC_FLOAT, loc);
    if (n)
        n->u.f = v;
    return n;
}

plc_node *plc_new_bool(plc_doc *doc, bool v, pl_loc loc)
{
    plc_node *n = plc_new(doc, PLC_BOOL, loc);
    if (n)
        n->u.b = v;
    return n;
}

/* Grow an arena array of `elem`-sized items to hold one more. The old
** block stays in the arena (it is freed with the document); doubling keeps
** the waste below the final size. */
static void *grow(plc_doc *doc, void *items, size_t len, size_t *cap, size_t elem)
{
    if (len < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = plu_arena_alloc(&doc->arena, ncap * elem);
    if (!n)
        return NULL;
    if (len)
        memcpy(n, items, len * elem);
    *cap = ncap;
    return n;
}

int plc_array_push(plc_doc *doc, plc_node *array, plc_node *item)
{
    plc_node **items = grow(doc, array->u.a.items, array->u.a.len,
                            &array->u.a.cap, sizeof *items);
    if (!items)
        return -1;
    array->u.a.items = items;
    items[array->u.a.len++] = item;
    return 0;
}

/* ---- table index ------------------------------------------------------
** Tables with many members get an open-addressing hash index (slot values
** are member index + 1; 0 = empty), so building and querying large
** documents stays linear. Small tables are searched directly. */
enum { INDEX_FROM = 16 };

typedef struct table_index {
    size_t mask;
    uint32_t slots[];
} table_index;

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void index_insert(table_index *ix, const plc_member *items, uint32_t i)
{
    size_t s = hash_key(items[i].key, items[i].key_len) & ix->mask;
    while (ix->slots[s]) {
        const plc_member *m = &items[ix->slots[s] - 1];
        /* Keep the first of duplicate keys findable. */
        if (m->key_len == items[i].key_len &&
            memcmp(m->key, items[i].key, m->key_len) == 0)
            return;
        s = (s + 1) & ix->mask;
    }
    ix->slots[s] = i + 1;
}

/* Rebuild the index when the table outgrows half of it. -1 on OOM. */
static int index_update(plc_doc *doc, plc_node *t)
{
    size_t len = t->u.t.len;
    table_index *ix = t->u.t.index;
    if (len < INDEX_FROM)
        return 0;
    if (ix && len * 2 <= ix->mask + 1) {
        index_insert(ix, t->u.t.items, (uint32_t)(len - 1));
        return 0;
    }
    size_t size = 64;
    while (size < len * 4)
        size *= 2;
    ix = plu_arena_alloc(&doc->arena, sizeof *ix + size * sizeof(uint32_t));
    if (!ix)
        return -1;
    ix->mask = size - 1;
    for (size_t i = 0; i < len; i++)
        index_insert(ix, t->u.t.items, (uint32_t)i);
    t->u.t.index = ix;
    return 0;
}

plc_member *plc_table_add(plc_doc *doc, plc_node *table, const char *key,
                          size_t key_len, pl_loc key_loc, plc_node *value)
{
    plc_member *items = grow(doc, table->u.t.items, table->u.t.len,
                             &table->u.t.cap, sizeof *items);
    if (!items)
        return NULL;
    char *k = plu_arena_strndup(&doc->arena, key, key_len);
    if (!k)
        return NULL;
    if (items != table->u.t.items)
        table->u.t.index = table->u.t.index; /* slots hold indexes, still valid */
    table->u.t.items = items;
    plc_member *m = &items[table->u.t.len++];
    m->key = k;
    m->key_len = key_len;
    m->key_loc = key_loc;
    m->value = value;
    if (index_update(doc, table) != 0) {
        table->u.t.len--;
        return NULL;
    }
    return m;
}

plc_member *plc_table_find(const plc_node *table, const char *key, size_t key_len)
{
    if (!table || table->kind != PLC_TABLE)
        return NULL;
    plc_member *items = table->u.t.items;
    const table_index *ix = table->u.t.index;
    if (ix) {
        size_t s = hash_key(key, key_len) & ix->mask;
        while (ix->slots[s]) {
            plc_member *m = &items[ix->slots[s] - 1];
            if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
                return m;
            s = (s + 1) & ix->mask;
        }
        return NULL;
    }
    for (size_t i = 0; i < table->u.t.len; i++)
        if (items[i].key_len == key_len && memcmp(items[i].key, key, key_len) == 0)
            return &items[i];
    return NULL;
}

plc_node *plc_get(const plc_node *table, const char *key)
{
    plc_member *m = plc_table_find(table, key, strlen(key));
    return m ? m->value : NULL;
}

static bool is_number(const plc_node *n)
{
    return n->kind == PLC_INT || n->kind == PLC_FLOAT;
}

static bool is_text(const plc_node *n)
{
    return n->kind == PLC_STRING || (n->kind >= PLC_DATETIME && n->kind <= PLC_TIME_LOCAL);
}

static bool numbers_equal(const plc_node *a, const plc_node *b)
{
    if (a->kind == PLC_INT && b->kind == PLC_INT)
        return a->u.i == b->u.i;
    double x = a->kind == PLC_INT ? (double)a->u.i : a->u.f;
    double y = b->kind == PLC_INT ? (double)b->u.i : b->u.f;
    return x == y;
}

static bool tables_equal(const plc_node *a, const plc_node *b)
{
    if (a->u.t.len != b->u.t.len)
        return false;
    for (size_t i = 0; i < a->u.t.len; i++) {
        const plc_member *m = &a->u.t.items[i];
        const plc_member *o = plc_table_find(b, m->key, m->key_len);
        if (!o || !plc_equal(m->value, o->value))
            return false;
    }
    return true;
}

bool plc_equal(const plc_node *a, const plc_node *b)
{
    if (is_number(a) && is_number(b))
        return numbers_equal(a, b);
    if (is_text(a) && is_text(b))
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case PLC_NULL:
        return true;
    case PLC_BOOL:
        return a->u.b == b->u.b;
    case PLC_ARRAY:
        if (a->u.a.len != b->u.a.len)
            return false;
        for (size_t i = 0; i < a->u.a.len; i++)
            if (!plc_equal(a->u.a.items[i], b->u.a.items[i]))
                return false;
        return true;
    case PLC_TABLE:
        return tables_equal(a, b);
    default:
        return false;
    }
}

static const char *const kind_names[] = {
    [PLC_NULL] = "null",
    [PLC_BOOL] = "boolean",
    [PLC_INT] = "integer",
    [PLC_FLOAT] = "float",
    [PLC_STRING] = "string",
    [PLC_DATETIME] = "offset date-time",
    [PLC_DATETIME_LOCAL] = "local date-time",
    [PLC_DATE_LOCAL] = "local date",
    [PLC_TIME_LOCAL] = "local time",
    [PLC_ARRAY] = "array",
    [PLC_TABLE] = "table",
};

const char *plc_kind_name(plc_kind kind)
{
    if ((size_t)kind < sizeof kind_names / sizeof kind_names[0])
        return kind_names[kind];
    return "value";
}

/* ---- JSON output ------------------------------------------------------ */

static int json_string(plu_buf *out, const char *s, size_t n)
{
    if (plu_buf_putc(out, '"') != 0)
        return -1;
    size_t run = 0; /* bytes copied as they are */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                esc = tmp;
            }
        }
        if (!esc)
            continue;
        if (plu_buf_append(out, s + run, i - run) != 0 || plu_buf_puts(out, esc) != 0)
            return -1;
        run = i + 1;
    }
    if (plu_buf_append(out, s + run, n - run) != 0)
        return -1;
    return plu_buf_putc(out, '"');
}

static int newline(plu_buf *out, int indent, int depth)
{
    if (!indent)
        return 0;
    if (plu_buf_putc(out, '\n') != 0)
        return -1;
    for (int i = 0; i < indent * depth; i++)
        if (plu_buf_putc(out, ' ') != 0)
            return -1;
    return 0;
}

static int json_float(plu_buf *out, double f)
{
    if (!isfinite(f))
        return plu_buf_puts(out, "null");
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.17g", f);
    /* Shortest form that reads back the same. */
    for (int prec = 1; prec <= 17; prec++) {
        char t2[40];
        snprintf(t2, sizeof t2, "%.*g", prec, f);
        if (strtod(t2, NULL) == f) {
            memcpy(tmp, t2, sizeof tmp);
            break;
        }
    }
    if (!strpbrk(tmp, ".eEn"))
        strcat(tmp, ".0");
    return plu_buf_puts(out, tmp);
}

static int to_json(const plc_node *n, int indent, int depth, plu_buf *out)
{
    switch (n->kind) {
    case PLC_NULL:
        return plu_buf_puts(out, "null");
    case PLC_BOOL:
        return plu_buf_puts(out, n->u.b ? "true" : "false");
    case PLC_INT:
        return plu_buf_printf(out, "%lld", (long long)n->u.i);
    case PLC_FLOAT:
        return json_float(out, n->u.f);
    case PLC_ARRAY:
        if (plu_buf_putc(out, '[') != 0)
            return -1;
        for (size_t i = 0; i < n->u.a.len; i++) {
            if ((i && plu_buf_putc(out, ',') != 0) || newline(out, indent, depth + 1) != 0 ||
                to_json(n->u.a.items[i], indent, depth + 1, out) != 0)
                return -1;
        }
        if (n->u.a.len && newline(out, indent, depth) != 0)
            return -1;
        return plu_buf_putc(out, ']');
    case PLC_TABLE:
        if (plu_buf_putc(out, '{') != 0)
            return -1;
        for (size_t i = 0; i < n->u.t.len; i++) {
            const plc_member *m = &n->u.t.items[i];
            if ((i && plu_buf_putc(out, ',') != 0) || newline(out, indent, depth + 1) != 0 ||
                json_string(out, m->key, m->key_len) != 0 ||
                plu_buf_puts(out, indent ? ": " : ":") != 0 ||
                to_json(m->value, indent, depth + 1, out) != 0)
                return -1;
        }
        if (n->u.t.len && newline(out, indent, depth) != 0)
            return -1;
        return plu_buf_putc(out, '}');
    default: /* strings and the date/time kinds */
        return json_string(out, n->u.s.ptr, n->u.s.len);
    }
}

int plc_to_json(const plc_node *node, int indent, plu_buf *out)
{
    return to_json(node, indent, 0, out);
}
