/*
** schema_util.c — the validator's small helpers: a hash map, vectors,
** number comparison, type names and value text for messages.
*/
#include <math.h>
#include <string.h>

#include "config/schema_int.h"

/* ---- hash map ------------------------------------------------------------ */

struct sch_slot {
    const char *key; /* arena copy; NULL = empty */
    size_t klen;
    uint64_t hash;
    void *value;
};

static uint64_t map_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 29;
    return h;
}

void sch_map_free(sch_map *m)
{
    plu_free(m->slots);
    m->slots = NULL;
    m->mask = m->len = 0;
}

static struct sch_slot *map_find(const sch_map *m, const void *key, size_t klen,
                                 uint64_t h)
{
    size_t i = h & m->mask;
    for (;;) {
        struct sch_slot *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s;
        i = (i + 1) & m->mask;
    }
}

void *sch_map_get(const sch_map *m, const void *key, size_t klen)
{
    if (!m->slots)
        return NULL;
    struct sch_slot *s = map_find(m, key, klen, map_hash(key, klen));
    return s->key ? s->value : NULL;
}

static int map_grow(sch_map *m)
{
    size_t size = m->slots ? (m->mask + 1) * 2 : 32;
    struct sch_slot *slots = plu_calloc(size, sizeof *slots);
    if (!slots)
        return -1;
    sch_map old = *m;
    m->slots = slots;
    m->mask = size - 1;
    for (size_t i = 0; old.slots && i <= old.mask; i++) {
        if (old.slots[i].key)
            *map_find(m, old.slots[i].key, old.slots[i].klen,
                      old.slots[i].hash) = old.slots[i];
    }
    plu_free(old.slots);
    return 0;
}

int sch_map_put(sch_map *m, plu_arena *a, const void *key, size_t klen, void *value)
{
    if ((!m->slots || (m->len + 1) * 2 > m->mask + 1) && map_grow(m) != 0)
        return -1;
    uint64_t h = map_hash(key, klen);
    struct sch_slot *s = map_find(m, key, klen, h);
    if (s->key)
        return 0;
    char *copy = plu_arena_strndup(a, key, klen);
    if (!copy)
        return -1;
    *s = (struct sch_slot){copy, klen, h, value};
    m->len++;
    return 1;
}

void *sch_map_gets(const sch_map *m, const char *key)
{
    return sch_map_get(m, key, strlen(key));
}

int sch_map_puts(sch_map *m, plu_arena *a, const char *key, void *value)
{
    return sch_map_put(m, a, key, strlen(key), value);
}

int sch_vec_push(void *itemsp, size_t *len, size_t *cap, size_t elem, const void *item)
{
    char **items = itemsp;
    if (*len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char *n = plu_realloc(*items, ncap * elem);
        if (!n)
            return -1;
        *items = n;
        *cap = ncap;
    }
    memcpy(*items + *len * elem, item, elem);
    (*len)++;
    return 0;
}

/* ---- numbers --------------------------------------------------------------- */

bool sch_is_number(const plc_node *n)
{
    return n->kind == PLC_INT || n->kind == PLC_FLOAT;
}

bool sch_is_text(const plc_node *n)
{
    return n->kind == PLC_STRING ||
           (n->kind >= PLC_DATETIME && n->kind <= PLC_TIME_LOCAL);
}

double sch_num(const plc_node *n)
{
    return n->kind == PLC_INT ? (double)n->u.i : n->u.f;
}

/* Compare an integer with a double without losing precision. */
static int cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 0;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t di = (int64_t)t;
    if (i != di)
        return i < di ? -1 : 1;
    return t < d ? -1 : t > d ? 1 : 0;
}

int sch_num_cmp(const plc_node *a, const plc_node *b)
{
    if (a->kind == PLC_INT && b->kind == PLC_INT)
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    if (a->kind == PLC_INT)
        return cmp_int_double(a->u.i, b->u.f);
    if (b->kind == PLC_INT)
        return -cmp_int_double(b->u.i, a->u.f);
    return a->u.f < b->u.f ? -1 : a->u.f > b->u.f;
}

bool sch_is_integral(const plc_node *n)
{
    if (n->kind == PLC_INT)
        return true;
    return n->kind == PLC_FLOAT && isfinite(n->u.f) && n->u.f == trunc(n->u.f);
}

bool sch_get_count(const plc_node *n, size_t *out)
{
    if (n->kind == PLC_INT && n->u.i >= 0) {
        *out = (size_t)n->u.i;
        return true;
    }
    if (n->kind == PLC_FLOAT && sch_is_integral(n) && n->u.f >= 0) {
        *out = n->u.f >= 1.8e19 ? SIZE_MAX : (size_t)n->u.f;
        return true;
    }
    return false;
}

/* ---- text ------------------------------------------------------------------ */

const char *sch_type_name(const plc_node *n)
{
    switch (n->kind) {
    case PLC_NULL: return "null";
    case PLC_BOOL: return "boolean";
    case PLC_INT: return "integer";
    case PLC_FLOAT: return sch_is_integral(n) ? "integer" : "number";
    case PLC_ARRAY: return "array";
    case PLC_TABLE: return "object";
    default: return "string";
    }
}

int sch_value_text(const plc_node *n, size_t max, plu_buf *out)
{
    plu_buf tmp;
    plu_buf_init(&tmp);
    if (plc_to_json(n, 0, &tmp) != 0) {
        plu_buf_free(&tmp);
        return -1;
    }
    size_t len = tmp.len;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)tmp.data[len] & 0xC0) == 0x80)
            len--; /* do not cut a UTF-8 sequence */
    }
    int rc = plu_buf_append(out, tmp.data, len);
    if (rc == 0 && len < tmp.len)
        rc = plu_buf_puts(out, "...");
    plu_buf_free(&tmp);
    return rc;
}

size_t sch_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}
