/*
** alloc.c — the allocation functions every part of plinth uses, with the
** fault injection the out-of-memory tests rely on (PL_TESTING builds).
*/
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifdef PL_TESTING
#include <stdatomic.h>
/* Allocations left before failures start; negative = never fail. */
static _Atomic long fail_countdown = -1;
static _Atomic long alloc_count = 0;
static _Atomic bool failed = false;

/* True when this allocation must fail. */
static bool injected_failure(void)
{
    atomic_fetch_add(&alloc_count, 1);
    long left = atomic_load(&fail_countdown);
    if (left < 0)
        return false;
    if (left == 0) {
        atomic_store(&failed, true);
        return true;
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return false;
}

long plu_fail_alloc_after(long n)
{
    atomic_store(&fail_countdown, n);
    atomic_store(&failed, false);
    return atomic_exchange(&alloc_count, 0);
}

bool plu_alloc_failed(void) { return atomic_load(&failed); }
#else
static bool injected_failure(void) { return false; }
long plu_fail_alloc_after(long n) { (void)n; return 0; }
bool plu_alloc_failed(void) { return false; }
#endif

void *plu_malloc(size_t n)
{
    if (injected_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *plu_calloc(size_t count, size_t size)
{
    if (injected_failure())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *plu_realloc(void *p, size_t n)
{
    if (injected_failure())
        return NULL;
    return realloc(p, n ? n : 1);
}

void plu_free(void *p) { free(p); }

char *plu_strndup(const char *s, size_t n)
{
    char *d = plu_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *plu_strdup(const char *s) { return plu_strndup(s, strlen(s)); }

/* ---- arena ------------------------------------------------------------ */

struct plu_arena_block {
    plu_arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK = 16384 };

void plu_arena_init(plu_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void plu_arena_free(plu_arena *a)
{
    plu_arena_block *b = a->head;
    while (b) {
        plu_arena_block *next = b->next;
        plu_free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void *plu_arena_alloc(plu_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    plu_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        /* Big requests get a block of their own so the current block's
        ** free space is not wasted. */
        size_t size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
        plu_arena_block *nb = plu_malloc(sizeof *nb + size);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = size;
        if (b && size != ARENA_BLOCK) {
            nb->next = b->next; /* keep the current block at the head */
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *plu_arena_strndup(plu_arena *a, const char *s, size_t n)
{
    if (n + 1 == 0)
        return NULL;
    char *d = plu_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
