/*
** memory.c — linear memories. The whole range a memory may ever use (its
** maximum, bounded by the instance's cap) is reserved up front and made
** accessible page by page as it grows, so the base address never moves:
** the dispatch loop keeps it in a register and host code may hold
** pointers across a memory.grow.
*/
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm_int.h"

pl_status plw_memory_new(uint32_t min_pages, uint32_t max_pages, uint64_t cap_bytes,
                         plw_memory **out, pl_err *err)
{
    uint64_t cap_pages = cap_bytes / PLW_PAGE;
    if (min_pages > cap_pages)
        return plu_errf(err, PL_E_LIMIT, NULL,
                        "memory: the initial size of %u pages (%llu bytes) exceeds the "
                        "memory limit of %llu bytes",
                        min_pages, (unsigned long long)min_pages * PLW_PAGE,
                        (unsigned long long)cap_bytes);
    uint64_t limit = max_pages < cap_pages ? max_pages : cap_pages;
    plw_memory *m = plu_calloc(1, sizeof *m);
    if (!m)
        return plu_err_nomem(err);
    /* Reserve at least a page so the base is never NULL (memcpy of 0 bytes
    ** from NULL is undefined behaviour). */
    m->reserved = (limit ? limit : 1) * PLW_PAGE;
    void *p = mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        plu_free(m);
        return plu_errf(err, PL_E_NOMEM, NULL, "memory: cannot reserve %llu bytes: %s",
                        (unsigned long long)m->reserved, strerror(errno));
    }
    m->base = p;
    m->max_pages = (uint32_t)limit;
    if (min_pages && mprotect(p, (size_t)min_pages * PLW_PAGE, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, m->reserved);
        plu_free(m);
        return plu_errf(err, PL_E_NOMEM, NULL, "memory: cannot commit %u pages", min_pages);
    }
    m->size = (uint64_t)min_pages * PLW_PAGE;
    *out = m;
    return PL_OK;
}

void plw_memory_release(plw_memory *m)
{
    if (!m)
        return;
    munmap(m->base, m->reserved);
    plu_free(m);
}

int64_t plw_memory_grow_by(plw_memory *m, uint32_t pages)
{
    uint64_t old = m->size / PLW_PAGE;
    if (pages == 0)
        return (int64_t)old;
    if (old + pages > m->max_pages)
        return -1;
    if (mprotect(m->base + m->size, (size_t)pages * PLW_PAGE, PROT_READ | PROT_WRITE) != 0)
        return -1;
    m->size += (uint64_t)pages * PLW_PAGE;
    return (int64_t)old;
}
