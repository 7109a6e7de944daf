/*
** poll.c — poll_oneoff, sched_yield, proc_exit, proc_raise and the sock_*
** calls.
**
** poll_oneoff: every descriptor a program can hold is always ready (stdio
** is memory, host descriptors are regular files), so fd_read / fd_write
** subscriptions report at once and only clocks ever wait. A wait never
** outlasts the call's deadline (plw_host_time_left) or an interrupt
** (looked at every 10 ms): either ends the call at once with its trap.
*/
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "wasi_int.h"

#define PLWASI_POLL_MAX 4096u   /* subscriptions in one poll_oneoff */
#define PLWASI_SUB_SIZE 48u
#define PLWASI_EVENT_SIZE 32u

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

static uint64_t now_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* What one subscription came to. */
typedef struct sub_result {
    bool ready;          /* report an event */
    uint16_t error;
    uint64_t nbytes;
    uint16_t flags;
    uint64_t deadline;   /* clocks: CLOCK_MONOTONIC ns */
} sub_result;

/* A clock subscription: its deadline on the monotonic clock. */
static void clock_sub(const uint8_t *s, uint64_t now, sub_result *out)
{
    static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                     CLOCK_THREAD_CPUTIME_ID };
    uint32_t id = plwasi_ld32(s + 16);
    uint64_t timeout = plwasi_ld64(s + 24);
    uint16_t flags = (uint16_t)(s[40] | s[41] << 8);
    if (id >= sizeof ids / sizeof ids[0] || flags & ~1u) {
        *out = (sub_result){ .ready = true, .error = PLWASI_EINVAL };
        return;
    }
    uint64_t rel = timeout;
    if (flags & 1) {                    /* absolute: a time on clock `id` */
        uint64_t t = now_of(ids[id]);
        rel = timeout > t ? timeout - t : 0;
    }
    *out = (sub_result){ .deadline = sat_add(now, rel), .ready = rel == 0 };
}

static void fd_sub(plwasi *w, const uint8_t *s, bool write, sub_result *out)
{
    plwasi_fd *e;
    *out = (sub_result){ .ready = true };
    int r = !w ? PLWASI_EBADF
               : plwasi_fd_get(w, plwasi_ld32(s + 16), write ? PLWASI_R_FD_WRITE : PLWASI_R_FD_READ,
                               &e);
    if (r) {
        out->error = (uint16_t)r;
    } else if (e->kind == PLWASI_STDIN) {
        out->nbytes = w->in_len - w->in_pos;
        out->flags = out->nbytes ? 0 : 1; /* hangup: nothing more will come */
    } else if (e->kind != PLWASI_HOST) {
        out->nbytes = write ? 65536 : 0;
    } else if (!write) {
        struct stat st;
        off_t pos = lseek(e->host, 0, SEEK_CUR);
        if (fstat(e->host, &st) == 0 && pos >= 0 && st.st_size > pos)
            out->nbytes = (uint64_t)(st.st_size - pos);
    }
}

static void put_event(uint8_t *ev, const uint8_t *s, const sub_result *r)
{
    memset(ev, 0, PLWASI_EVENT_SIZE);
    memcpy(ev, s, 8);                   /* userdata */
    plwasi_st16(ev + 8, r->error);
    ev[10] = s[8];
    if (s[8] != EV_CLOCK) {
        plwasi_st64(ev + 16, r->nbytes);
        plwasi_st16(ev + 24, r->flags);
    }
}

#define WAIT_SLICE_NS 10000000u /* how often a wait looks at interrupts */

/* Sleep until `deadline` (monotonic ns). A wait that the call's deadline or
** an interrupt cuts short ends the whole call (the trap to return), so a
** program never sees its sleep silently shortened. */
static plw_trap_kind wait_until(plwasi_cx *c, uint64_t deadline)
{
    uint64_t left = plw_host_time_left(c->cx);
    uint64_t now = now_of(CLOCK_MONOTONIC);
    bool cut = left != UINT64_MAX && sat_add(now, left) < deadline;
    if (cut)
        deadline = sat_add(now, left);
    for (;;) {
        if (plw_host_interrupted(c->cx))
            return PLW_TRAP_INTERRUPTED;
        now = now_of(CLOCK_MONOTONIC);
        if (now >= deadline)
            return cut ? PLW_TRAP_TIMEOUT : PLW_TRAP_NONE;
        uint64_t until = deadline - now > WAIT_SLICE_NS ? now + WAIT_SLICE_NS : deadline;
        struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u),
                               .tv_nsec = (long)(until % 1000000000u) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
}

/* Evaluate every subscription; the number of ready ones. */
static uint32_t evaluate(plwasi *w, const uint8_t *subs, uint32_t n, sub_result *res,
                         uint64_t *earliest)
{
    uint64_t now = now_of(CLOCK_MONOTONIC);
    uint32_t ready = 0;
    *earliest = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = subs + (size_t)i * PLWASI_SUB_SIZE;
        if (s[8] == EV_CLOCK) {
            clock_sub(s, now, &res[i]);
            if (!res[i].ready && res[i].deadline < *earliest)
                *earliest = res[i].deadline;
        } else {
            fd_sub(w, s, s[8] == EV_FD_WRITE, &res[i]);
        }
        ready += res[i].ready;
    }
    return ready;
}

static int poll_oneoff(plwasi_cx *c, const plw_cell *a)
{
    uint32_t n = plwasi_a32(a, 2), nev_ptr = plwasi_a32(a, 3);
    const uint8_t *in = plwasi_mem_n(c, plwasi_a32(a, 0), n, PLWASI_SUB_SIZE);
    uint8_t *out = plwasi_mem_n(c, plwasi_a32(a, 1), n, PLWASI_EVENT_SIZE);
    if (n == 0 || n > PLWASI_POLL_MAX)
        return PLWASI_EINVAL;
    if (!in || !out || !plwasi_mem(c, nev_ptr, 4))
        return PLWASI_EFAULT;
    for (uint32_t i = 0; i < n; i++)
        if (in[(size_t)i * PLWASI_SUB_SIZE + 8] > EV_FD_WRITE)
            return PLWASI_EINVAL;
    /* A copy, since the events may be written over the subscriptions. */
    uint8_t *subs = plu_malloc((size_t)n * PLWASI_SUB_SIZE);
    sub_result *res = plu_malloc((size_t)n * sizeof *res);
    if (!subs || !res) {
        plu_free(subs);
        plu_free(res);
        return PLWASI_ENOMEM;
    }
    memcpy(subs, in, (size_t)n * PLWASI_SUB_SIZE);
    uint64_t earliest;
    if (evaluate(c->w, subs, n, res, &earliest) == 0 && earliest != UINT64_MAX) {
        plw_trap_kind stop = wait_until(c, earliest);
        if (stop) {
            plu_free(subs);
            plu_free(res);
            return plw_host_end(c->cx, stop);
        }
        uint64_t now = now_of(CLOCK_MONOTONIC);
        for (uint32_t i = 0; i < n; i++)
            res[i].ready = subs[(size_t)i * PLWASI_SUB_SIZE + 8] == EV_CLOCK &&
                           res[i].deadline <= now;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (res[i].ready)
            put_event(out + (size_t)k++ * PLWASI_EVENT_SIZE, subs + (size_t)i * PLWASI_SUB_SIZE,
                      &res[i]);
    plu_free(subs);
    plu_free(res);
    return plwasi_put32(c, nev_ptr, k);
}

/* ---- sched, proc, sock ------------------------------------------------------------------- */

static int sched_yield_(plwasi_cx *c, const plw_cell *a)
{
    (void)c;
    (void)a;
    sched_yield();
    return 0;
}

/* The end of the call, never of the host: plw_call returns PL_E_TRAP with
** PLW_TRAP_EXIT and the code. */
static int proc_exit(plwasi_cx *c, const plw_cell *a)
{
    return plw_host_exit(c->cx, (int32_t)plwasi_a32(a, 0));
}

static int proc_raise(plwasi_cx *c, const plw_cell *a)
{
    (void)c;
    (void)a;
    return PLWASI_ENOSYS;
}

/* No sockets are ever granted (preview 1 cannot open one anyway). */
static int sock_denied(plwasi_cx *c, const plw_cell *a)
{
    (void)c;
    (void)a;
    return PLWASI_ENOTCAPABLE;
}

const plwasi_def plwasi_defs_poll[] = {
    { "poll_oneoff", "(iiii)i", poll_oneoff, false },
    { "sched_yield", "()i", sched_yield_, false },
    { "proc_exit", "(i)", proc_exit, false },
    { "proc_raise", "(i)i", proc_raise, false },
    { "sock_accept", "(iii)i", sock_denied, false },
    { "sock_recv", "(iiiiii)i", sock_denied, false },
    { "sock_send", "(iiiii)i", sock_denied, false },
    { "sock_shutdown", "(ii)i", sock_denied, false },
    { NULL, NULL, NULL, false },
};
