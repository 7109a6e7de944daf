/*
** memory.c — Extism memory: the per-plugin arena of blocks that handles
** name (extism_int.h explains the layout).
**
** Allocation bumps a position through the arena; freed blocks go to free
** lists by size class and are reused first-fit within a factor of 4 of the
** request, or with any fit once the arena is at its cap. A reset (before
** every call) forgets every block at once. Blocks freed from the host side
** (ple_free, the handles host functions consume) wait on a pending list
** until the plugin's next `alloc`, so a host function that frees its
** argument and allocates its result never hands back the argument's block
** (the Rust PDK frees argument blocks after the host function returns:
** reuse would free the result).
*/
#include <string.h>

#include "extism/extism_int.h"

#define MIN_ARENA (16u * 1024u)
#define SHRINK_OVER (1024u * 1024u) /* arenas above this may be given back */
#define SHRINK_BLOCKS 4096u         /* and block tables above this many entries */

static uint64_t round8(uint64_t n) { return (n + 7u) & ~(uint64_t)7u; }

static unsigned floor_log2(uint64_t n) { return 63u - (unsigned)__builtin_clzll(n); }

static unsigned ceil_log2(uint64_t n) { return n <= 1 ? 0 : floor_log2(n - 1) + 1; }

void ple_mem_free(ple_mem *m)
{
    plu_free(m->base);
    plu_free(m->blocks);
    memset(m, 0, sizeof *m);
}

/* Give back most of a large arena (or block table) the last call hardly
** used: one big input must not keep its memory for the life of the
** plugin. On failure the old one simply stays. */
static void maybe_shrink(ple_mem *m, uint64_t used)
{
    if (m->size > SHRINK_OVER && used < m->size / 4) {
        uint64_t want = used * 2 > MIN_ARENA ? round8(used * 2) : MIN_ARENA;
        uint8_t *nb = plu_realloc(m->base, (size_t)want);
        if (nb) {
            m->base = nb;
            m->size = want;
        }
    }
    if (m->cap_blocks > SHRINK_BLOCKS && m->n_blocks < m->cap_blocks / 4) {
        uint32_t want = m->n_blocks * 2 > 64 ? m->n_blocks * 2 : 64;
        ple_block *nb = plu_realloc(m->blocks, (size_t)want * sizeof *nb);
        if (nb) {
            m->blocks = nb;
            m->cap_blocks = want;
        }
    }
}

void ple_mem_init(ple_mem *m, uint64_t limit)
{
    memset(m, 0, sizeof *m);
    m->limit = limit;
    ple_mem_reset(m);
}

void ple_mem_reset(ple_mem *m)
{
    maybe_shrink(m, m->top);
    m->top = PLE_H_MIN;
    m->n_blocks = 0;
    m->bucket_mask = 0;
    m->pending = PLE_NO_BLOCK;
    m->input = m->input_len = 0;
    m->output = m->output_len = 0;
    m->error = 0;
}

static int grow_arena(ple_mem *m, uint64_t need)
{
    if (need > m->limit)
        return -1;
    uint64_t size = m->size ? m->size : MIN_ARENA;
    while (size < need)
        size = size > m->limit / 2 ? m->limit : size * 2;
    if (size > m->limit)
        size = m->limit;
    uint8_t *nb = plu_realloc(m->base, (size_t)size);
    if (!nb)
        return -1;
    m->base = nb;
    m->size = size;
    return 0;
}

static ple_block *new_block_entry(ple_mem *m)
{
    if (m->n_blocks == m->cap_blocks) {
        uint32_t cap = m->cap_blocks ? m->cap_blocks * 2 : 64;
        if (cap < m->cap_blocks)
            return NULL;
        ple_block *nb = plu_realloc(m->blocks, (size_t)cap * sizeof *nb);
        if (!nb)
            return NULL;
        m->blocks = nb;
        m->cap_blocks = cap;
    }
    return &m->blocks[m->n_blocks++];
}

/* Take the first block of free list k whose capacity fits need. */
static ple_block *take_from(ple_mem *m, unsigned k, uint64_t need)
{
    if (!(m->bucket_mask >> k & 1u))
        return NULL;
    uint32_t *link = &m->bucket[k];
    while (*link != PLE_NO_BLOCK) {
        ple_block *b = &m->blocks[*link];
        if (b->cap >= need) {
            *link = b->next;
            if (m->bucket[k] == PLE_NO_BLOCK)
                m->bucket_mask &= ~((uint64_t)1 << k);
            return b;
        }
        link = &b->next;
    }
    return NULL;
}

/* A freed block for need bytes: within 4x of it normally, any size when
** the arena cannot grow (`desperate`). */
static ple_block *reuse(ple_mem *m, uint64_t need, bool desperate)
{
    if (!m->bucket_mask)
        return NULL;
    unsigned lo = floor_log2(need), hi = desperate ? 63u : ceil_log2(need) + 1u;
    for (unsigned k = lo; k <= hi && k < 64; k++) {
        ple_block *b = take_from(m, k, need);
        if (b)
            return b;
    }
    return NULL;
}

static uint64_t bump(ple_mem *m, uint64_t need)
{
    uint64_t off = m->top + PLE_HDR;
    if (off < m->top || off + need < off)
        return 0;
    if (off + need > m->size && grow_arena(m, off + need) != 0)
        return 0;
    ple_block *b = new_block_entry(m);
    if (!b)
        return 0;
    uint32_t idx = m->n_blocks - 1;
    memcpy(m->base + m->top, &idx, sizeof idx);
    memset(m->base + m->top + sizeof idx, 0, PLE_HDR - sizeof idx);
    b->off = off;
    b->cap = need;
    m->top = off + need;
    return off;
}

/* A block for n bytes, its contents not yet set; 0 when none. */
static ple_block *alloc_block(ple_mem *m, uint64_t n)
{
    if (n == 0 || n > m->limit)
        return NULL;
    uint64_t need = round8(n);
    ple_block *b = reuse(m, need, false);
    if (!b && bump(m, need))
        b = &m->blocks[m->n_blocks - 1];
    if (!b)
        b = reuse(m, need, true);
    if (!b)
        return NULL;
    b->used = n;
    b->state = PLE_BLOCK_LIVE;
    b->next = PLE_NO_BLOCK;
    return b;
}

uint64_t ple_mem_alloc(ple_mem *m, uint64_t n)
{
    ple_block *b = alloc_block(m, n);
    if (!b)
        return 0;
    memset(m->base + b->off, 0, (size_t)b->cap);
    return b->off;
}

uint64_t ple_mem_alloc_copy(ple_mem *m, const void *src, uint64_t n)
{
    ple_block *b = alloc_block(m, n);
    if (!b)
        return 0;
    memcpy(m->base + b->off, src, (size_t)n);
    memset(m->base + b->off + n, 0, (size_t)(b->cap - n));
    return b->off;
}

ple_block *ple_mem_block(const ple_mem *m, uint64_t h)
{
    if (h < PLE_H_MIN || h >= m->top || (h & 7u))
        return NULL;
    uint32_t idx;
    memcpy(&idx, m->base + h - PLE_HDR, sizeof idx);
    if (idx >= m->n_blocks)
        return NULL;
    ple_block *b = &m->blocks[idx];
    return b->off == h && b->state == PLE_BLOCK_LIVE ? b : NULL;
}

static void to_bucket(ple_mem *m, ple_block *b)
{
    unsigned k = floor_log2(b->cap);
    if (!(m->bucket_mask >> k & 1u)) {
        m->bucket[k] = PLE_NO_BLOCK;
        m->bucket_mask |= (uint64_t)1 << k;
    }
    b->state = PLE_BLOCK_FREE;
    b->next = m->bucket[k];
    m->bucket[k] = (uint32_t)(b - m->blocks);
}

/* What freeing means for the input: the kernel zeroes its length, since
** the data is gone. */
static void forget(ple_mem *m, uint64_t h)
{
    if (h == m->input)
        m->input_len = 0;
}

void ple_mem_free_now(ple_mem *m, uint64_t h)
{
    ple_block *b = ple_mem_block(m, h);
    if (!b)
        return;
    forget(m, h);
    to_bucket(m, b);
}

void ple_mem_free_later(ple_mem *m, uint64_t h)
{
    ple_block *b = ple_mem_block(m, h);
    if (!b)
        return;
    forget(m, h);
    b->state = PLE_BLOCK_PENDING;
    b->next = m->pending;
    m->pending = (uint32_t)(b - m->blocks);
}

void ple_mem_release_pending(ple_mem *m)
{
    while (m->pending != PLE_NO_BLOCK) {
        ple_block *b = &m->blocks[m->pending];
        m->pending = b->next;
        to_bucket(m, b);
    }
}

/* ---- the API for user host functions ----------------------------------------------- */

uint64_t ple_alloc(ple_plugin *p, size_t n) { return p ? ple_mem_alloc(&p->mem, n) : 0; }

uint64_t ple_alloc_bytes(ple_plugin *p, const void *bytes, size_t n)
{
    return p ? ple_mem_alloc_copy(&p->mem, bytes, n) : 0;
}

void *ple_ptr(ple_plugin *p, uint64_t h)
{
    return p && ple_mem_block(&p->mem, h) ? p->mem.base + h : NULL;
}

uint64_t ple_len(ple_plugin *p, uint64_t h)
{
    const ple_block *b = p ? ple_mem_block(&p->mem, h) : NULL;
    return b ? b->used : 0;
}

void ple_free(ple_plugin *p, uint64_t h)
{
    if (p)
        ple_mem_free_later(&p->mem, h);
}

bool ple_block_bytes(ple_plugin *p, uint64_t h, const uint8_t **data, size_t *len)
{
    if (h == 0) {
        *data = (const uint8_t *)"";
        *len = 0;
        return true;
    }
    const ple_block *b = ple_mem_block(&p->mem, h);
    if (!b)
        return false;
    *data = p->mem.base + h;
    *len = (size_t)b->used;
    return true;
}
