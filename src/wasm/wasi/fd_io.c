/*
** fd_io.c — fd_read, fd_write, fd_pread, fd_pwrite, fd_seek and fd_tell.
**
** Guest iovec arrays are checked entry by entry against guest memory
** before anything moves. A call uses at most PLWASI_IOV_MAX iovecs and
** PLWASI_IO_MAX bytes; past that it is a short transfer, which every libc
** retries. stdin reads the configured bytes; stdout and stderr go to the
** output callback, one call per fd_write.
*/
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_int.h"

#define PLWASI_IOV_MAX 128u
#define PLWASI_IO_MAX 0x7ffff000u   /* what Linux moves in one read or write */
#define PLWASI_OUT_GATHER 65536u    /* stdout/stderr: bytes joined into one callback */

typedef struct plwasi_iov {
    struct iovec v[PLWASI_IOV_MAX];
    int n;
    size_t total;
} plwasi_iov;

/* Check the guest's `count` iovecs at ptr and translate the first ones
** (up to the limits above, empty ones skipped): 0 or EFAULT. */
static int iovecs(plwasi_cx *c, uint32_t ptr, uint32_t count, plwasi_iov *io)
{
    const uint8_t *arr = plwasi_mem_n(c, ptr, count, 8);
    io->n = 0;
    io->total = 0;
    if (!arr)
        return PLWASI_EFAULT;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *v = arr + 8 * (size_t)i;
        uint32_t base = plwasi_ld32(v), len = plwasi_ld32(v + 4);
        uint8_t *p = plwasi_mem(c, base, len);
        if (!p)
            return PLWASI_EFAULT;
        if (!len || io->n == (int)PLWASI_IOV_MAX || io->total == PLWASI_IO_MAX)
            continue;
        size_t take = len < PLWASI_IO_MAX - io->total ? len : PLWASI_IO_MAX - io->total;
        io->v[io->n++] = (struct iovec){ .iov_base = p, .iov_len = take };
        io->total += take;
    }
    return 0;
}

/* Common start: the descriptor with `need`, the iovecs, and a valid
** result pointer. */
static int io_start(plwasi_cx *c, const plw_cell *a, uint64_t need, uint32_t res_ptr,
                    plwasi_fd **e, plwasi_iov *io)
{
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), need, e);
    if (!r)
        r = iovecs(c, plwasi_a32(a, 1), plwasi_a32(a, 2), io);
    if (!r && !plwasi_mem(c, res_ptr, 4))
        r = PLWASI_EFAULT;
    return r;
}

static size_t read_stdin(plwasi *w, const plwasi_iov *io)
{
    size_t done = 0;
    for (int i = 0; i < io->n && w->in_pos < w->in_len; i++) {
        size_t n = io->v[i].iov_len < w->in_len - w->in_pos ? io->v[i].iov_len
                                                            : w->in_len - w->in_pos;
        memcpy(io->v[i].iov_base, w->in + w->in_pos, n);
        w->in_pos += n;
        done += n;
    }
    return done;
}

/* stdout/stderr: one callback with the iovecs joined (up to
** PLWASI_OUT_GATHER bytes when there are several). Returns the bytes
** taken, or -1 when out of memory. */
static ssize_t write_output(plwasi *w, plwasi_kind kind, const plwasi_iov *io)
{
    if (!w->output || io->n == 0)
        return (ssize_t)io->total;
    int fd = kind == PLWASI_STDOUT ? 1 : 2;
    if (io->n == 1) {
        w->output(w->output_user, fd, io->v[0].iov_base, io->v[0].iov_len);
        return (ssize_t)io->v[0].iov_len;
    }
    size_t cap = io->total < PLWASI_OUT_GATHER ? io->total : PLWASI_OUT_GATHER, len = 0;
    char *buf = plu_malloc(cap);
    if (!buf)
        return -1;
    for (int i = 0; i < io->n && len < cap; i++) {
        size_t n = io->v[i].iov_len < cap - len ? io->v[i].iov_len : cap - len;
        memcpy(buf + len, io->v[i].iov_base, n);
        len += n;
    }
    w->output(w->output_user, fd, buf, len);
    plu_free(buf);
    return (ssize_t)len;
}

static int fd_read(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    plwasi_iov io;
    uint32_t res = plwasi_a32(a, 3);
    int r = io_start(c, a, PLWASI_R_FD_READ, res, &e, &io);
    if (r)
        return r;
    if (e->kind == PLWASI_STDIN)
        return plwasi_put32(c, res, (uint32_t)read_stdin(c->w, &io));
    if (e->kind != PLWASI_HOST)
        return PLWASI_EBADF;
    if (io.n == 0)
        return plwasi_put32(c, res, 0);
    ssize_t n = readv(e->host, io.v, io.n);
    return n < 0 ? plwasi_errno(errno) : plwasi_put32(c, res, (uint32_t)n);
}

static int fd_write(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    plwasi_iov io;
    uint32_t res = plwasi_a32(a, 3);
    int r = io_start(c, a, PLWASI_R_FD_WRITE, res, &e, &io);
    if (r)
        return r;
    ssize_t n;
    if (e->kind == PLWASI_STDOUT || e->kind == PLWASI_STDERR)
        n = write_output(c->w, e->kind, &io);
    else if (e->kind != PLWASI_HOST || e->read_only)
        return e->read_only ? PLWASI_ENOTCAPABLE : PLWASI_EBADF;
    else if (io.n == 0)
        n = 0;
    else
        n = writev(e->host, io.v, io.n);
    if (n < 0)
        return e->kind == PLWASI_HOST ? plwasi_errno(errno) : PLWASI_ENOMEM;
    return plwasi_put32(c, res, (uint32_t)n);
}

/* pread/pwrite/seek/tell on stdio: ESPIPE, before rights are looked at. */
static int seekable(plwasi *w, uint32_t fd)
{
    plwasi_fd *e;
    if (plwasi_fd_get(w, fd, 0, &e))
        return PLWASI_EBADF;
    if (e->kind != PLWASI_HOST)
        return PLWASI_ESPIPE;
    return e->type == PLWASI_FT_DIR ? PLWASI_EISDIR : 0;
}

static int fd_pread(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    plwasi_iov io;
    uint32_t res = plwasi_a32(a, 4);
    int r = seekable(c->w, plwasi_a32(a, 0));
    if (!r)
        r = io_start(c, a, PLWASI_R_FD_READ | PLWASI_R_FD_SEEK, res, &e, &io);
    if (!r && a[3] > INT64_MAX)
        r = PLWASI_EINVAL;
    if (r)
        return r;
    ssize_t n = io.n ? preadv(e->host, io.v, io.n, (off_t)a[3]) : 0;
    return n < 0 ? plwasi_errno(errno) : plwasi_put32(c, res, (uint32_t)n);
}

static int fd_pwrite(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    plwasi_iov io;
    uint32_t res = plwasi_a32(a, 4);
    int r = seekable(c->w, plwasi_a32(a, 0));
    if (!r)
        r = io_start(c, a, PLWASI_R_FD_WRITE | PLWASI_R_FD_SEEK, res, &e, &io);
    if (!r && a[3] > INT64_MAX)
        r = PLWASI_EINVAL;
    if (!r && e->read_only)
        r = PLWASI_ENOTCAPABLE;
    if (r)
        return r;
    ssize_t n = io.n ? pwritev(e->host, io.v, io.n, (off_t)a[3]) : 0;
    return n < 0 ? plwasi_errno(errno) : plwasi_put32(c, res, (uint32_t)n);
}

static int fd_seek(plwasi_cx *c, const plw_cell *a)
{
    static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END };
    plwasi_fd *e;
    int64_t off = (int64_t)a[1];
    uint32_t whence = plwasi_a32(a, 2), res = plwasi_a32(a, 3);
    /* A seek that only reads the position needs only fd_tell. */
    uint64_t need = off == 0 && whence == 1 ? PLWASI_R_FD_TELL : PLWASI_R_FD_SEEK;
    int r = seekable(c->w, plwasi_a32(a, 0));
    if (!r)
        r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (!r && !(e->base & (need | PLWASI_R_FD_SEEK)))
        r = PLWASI_ENOTCAPABLE;
    if (!r && whence >= 3)
        r = PLWASI_EINVAL;
    if (!r && !plwasi_mem(c, res, 8))
        r = PLWASI_EFAULT;
    if (r)
        return r;
    off_t pos = lseek(e->host, (off_t)off, whences[whence]);
    return pos < 0 ? plwasi_errno(errno) : plwasi_put64(c, res, (uint64_t)pos);
}

static int fd_tell(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    uint32_t res = plwasi_a32(a, 1);
    int r = seekable(c->w, plwasi_a32(a, 0));
    if (!r)
        r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_TELL, &e);
    if (!r && !plwasi_mem(c, res, 8))
        r = PLWASI_EFAULT;
    if (r)
        return r;
    off_t pos = lseek(e->host, 0, SEEK_CUR);
    return pos < 0 ? plwasi_errno(errno) : plwasi_put64(c, res, (uint64_t)pos);
}

const plwasi_def plwasi_defs_io[] = {
    { "fd_read", "(iiii)i", fd_read, true },
    { "fd_write", "(iiii)i", fd_write, true },
    { "fd_pread", "(iiiIi)i", fd_pread, true },
    { "fd_pwrite", "(iiiIi)i", fd_pwrite, true },
    { "fd_seek", "(iIii)i", fd_seek, true },
    { "fd_tell", "(ii)i", fd_tell, true },
    { NULL, NULL, NULL, false },
};
