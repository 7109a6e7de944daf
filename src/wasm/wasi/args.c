/*
** args.c — args_*, environ_*, clock_* and random_get.
**
** The argument and environment strings live packed in the plwasi (each
** NUL-terminated); *_get writes the pointer array and the strings in one
** go after checking both regions.
*/
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "wasi_int.h"

/* ---- args and environ -------------------------------------------------------------------- */

static int sizes(plwasi_cx *c, uint32_t count_ptr, uint32_t size_ptr, uint32_t n, uint32_t size)
{
    if (!plwasi_mem(c, count_ptr, 4) || !plwasi_mem(c, size_ptr, 4))
        return PLWASI_EFAULT;
    plwasi_put32(c, count_ptr, n);
    plwasi_put32(c, size_ptr, size);
    return 0;
}

static int strings(plwasi_cx *c, uint32_t vec_ptr, uint32_t buf_ptr, const char *s, uint32_t n,
                   uint32_t size)
{
    uint8_t *vec = plwasi_mem_n(c, vec_ptr, n, 4);
    uint8_t *buf = plwasi_mem(c, buf_ptr, size);
    if (!vec || !buf)
        return PLWASI_EFAULT;
    memcpy(buf, s, size);
    uint32_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        plwasi_st32(vec + 4 * (size_t)i, buf_ptr + off);
        off += (uint32_t)strlen(s + off) + 1;
    }
    return 0;
}

static int args_sizes_get(plwasi_cx *c, const plw_cell *a)
{
    return sizes(c, plwasi_a32(a, 0), plwasi_a32(a, 1), c->w->n_args, c->w->args_size);
}

static int args_get(plwasi_cx *c, const plw_cell *a)
{
    return strings(c, plwasi_a32(a, 0), plwasi_a32(a, 1), c->w->args, c->w->n_args,
                   c->w->args_size);
}

static int environ_sizes_get(plwasi_cx *c, const plw_cell *a)
{
    return sizes(c, plwasi_a32(a, 0), plwasi_a32(a, 1), c->w->n_env, c->w->env_size);
}

static int environ_get(plwasi_cx *c, const plw_cell *a)
{
    return strings(c, plwasi_a32(a, 0), plwasi_a32(a, 1), c->w->env, c->w->n_env,
                   c->w->env_size);
}

/* ---- clocks ------------------------------------------------------------------------------ */

/* WASI clock ids 0..3: realtime, monotonic, process and thread CPU time. */
static bool host_clock(uint32_t id, clockid_t *out)
{
    static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC,
                                     CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
    if (id >= sizeof ids / sizeof ids[0])
        return false;
    *out = ids[id];
    return true;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    if (ts->tv_sec < 0)
        return 0;
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static int clock_res_get(plwasi_cx *c, const plw_cell *a)
{
    clockid_t id;
    struct timespec ts;
    if (!host_clock(plwasi_a32(a, 0), &id))
        return PLWASI_EINVAL;
    if (!plwasi_mem(c, plwasi_a32(a, 1), 8))
        return PLWASI_EFAULT;
    if (clock_getres(id, &ts) != 0)
        return plwasi_errno(errno);
    uint64_t ns = ts_ns(&ts);
    return plwasi_put64(c, plwasi_a32(a, 1), ns ? ns : 1);
}

static int clock_time_get(plwasi_cx *c, const plw_cell *a)
{
    clockid_t id;
    struct timespec ts;
    /* a[1] is the precision the program would accept; the host clock is
    ** always read at its best. */
    if (!host_clock(plwasi_a32(a, 0), &id))
        return PLWASI_EINVAL;
    if (!plwasi_mem(c, plwasi_a32(a, 2), 8))
        return PLWASI_EFAULT;
    if (clock_gettime(id, &ts) != 0)
        return plwasi_errno(errno);
    return plwasi_put64(c, plwasi_a32(a, 2), ts_ns(&ts));
}

/* ---- random ------------------------------------------------------------------------------ */

static int random_get(plwasi_cx *c, const plw_cell *a)
{
    uint32_t len = plwasi_a32(a, 1);
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 0), len);
    if (!p)
        return PLWASI_EFAULT;
    for (uint32_t done = 0; done < len;) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return plwasi_errno(errno);
        }
        done += (uint32_t)n;
    }
    return 0;
}

const plwasi_def plwasi_defs_args[] = {
    { "args_get", "(ii)i", args_get, true },
    { "args_sizes_get", "(ii)i", args_sizes_get, true },
    { "environ_get", "(ii)i", environ_get, true },
    { "environ_sizes_get", "(ii)i", environ_sizes_get, true },
    { "clock_res_get", "(ii)i", clock_res_get, false },
    { "clock_time_get", "(iIi)i", clock_time_get, false },
    { "random_get", "(ii)i", random_get, false },
    { NULL, NULL, NULL, false },
};
