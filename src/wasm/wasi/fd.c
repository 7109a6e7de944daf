/*
** fd.c — the descriptor table and the fd_* calls that are not reads or
** writes: close, renumber, fdstat, filestat, prestat, readdir, sync,
** advise and allocate.
**
** Slots 0-2 are stdio (served from memory), 3.. the preopens in their
** configured order (wasi-libc scans from 3 until EBADF), then whatever
** path_open adds, in the lowest free slot. Host descriptors are only ever
** directories (O_PATH for preopens) and regular files: path_open refuses
** anything else, so no read, write or poll here can block or raise
** SIGPIPE.
*/
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi_int.h"

/* ---- the table --------------------------------------------------------------------------- */

int plwasi_fd_get(plwasi *w, uint32_t fd, uint64_t need, plwasi_fd **out)
{
    if (fd >= w->n_fds || w->fds[fd].kind == PLWASI_FREE)
        return PLWASI_EBADF;
    plwasi_fd *e = &w->fds[fd];
    if ((e->base & need) != need)
        return PLWASI_ENOTCAPABLE;
    *out = e;
    return 0;
}

int plwasi_fd_add(plwasi *w, const plwasi_fd *e, uint32_t *fd)
{
    uint32_t i = 0;
    while (i < w->n_fds && w->fds[i].kind != PLWASI_FREE)
        i++;
    if (i == w->n_fds) {
        uint32_t cap = w->n_fds * 2 < PLWASI_MAX_FDS ? w->n_fds * 2 : PLWASI_MAX_FDS;
        plwasi_fd *p = i < PLWASI_MAX_FDS ? plu_realloc(w->fds, cap * sizeof *p) : NULL;
        if (!p) {
            close(e->host);
            return i < PLWASI_MAX_FDS ? PLWASI_ENOMEM : PLWASI_EMFILE;
        }
        memset(p + w->n_fds, 0, (cap - w->n_fds) * sizeof *p);
        w->fds = p;
        w->n_fds = cap;
    }
    w->fds[i] = *e;
    *fd = i;
    return 0;
}

void plwasi_fd_release(plwasi_fd *e)
{
    if (e->dir) {
        if (e->dir->d)
            closedir(e->dir->d);
        plu_free(e->dir);
    }
    if (e->kind == PLWASI_HOST)
        close(e->host);
    plu_free(e->preopen);
    *e = (plwasi_fd){ .kind = PLWASI_FREE, .host = -1 };
}

uint8_t plwasi_filetype(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return PLWASI_FT_REG;
    case S_IFDIR: return PLWASI_FT_DIR;
    case S_IFLNK: return PLWASI_FT_SYMLINK;
    case S_IFCHR: return PLWASI_FT_CHAR;
    case S_IFBLK: return PLWASI_FT_BLOCK;
    case S_IFSOCK: return PLWASI_FT_SOCK_STREAM;
    default: return PLWASI_FT_UNKNOWN;
    }
}

static uint64_t ns_of(struct timespec ts)
{
    return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void plwasi_put_filestat(uint8_t *p, const struct stat *st)
{
    memset(p, 0, 64);
    plwasi_st64(p, (uint64_t)st->st_dev);
    plwasi_st64(p + 8, (uint64_t)st->st_ino);
    p[16] = plwasi_filetype(st->st_mode);
    plwasi_st64(p + 24, (uint64_t)st->st_nlink);
    plwasi_st64(p + 32, st->st_size < 0 ? 0 : (uint64_t)st->st_size);
    plwasi_st64(p + 40, ns_of(st->st_atim));
    plwasi_st64(p + 48, ns_of(st->st_mtim));
    plwasi_st64(p + 56, ns_of(st->st_ctim));
}

static int one_time(uint64_t t, bool set, bool now, struct timespec *ts)
{
    if (set && now)
        return PLWASI_EINVAL;
    if (set)
        *ts = (struct timespec){ .tv_sec = (time_t)(t / 1000000000u),
                                 .tv_nsec = (long)(t % 1000000000u) };
    else
        *ts = (struct timespec){ .tv_nsec = now ? UTIME_NOW : UTIME_OMIT };
    return 0;
}

int plwasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (fst & ~15u)
        return PLWASI_EINVAL;
    int r = one_time(atim, fst & PLWASI_FST_ATIM, fst & PLWASI_FST_ATIM_NOW, &ts[0]);
    return r ? r : one_time(mtim, fst & PLWASI_FST_MTIM, fst & PLWASI_FST_MTIM_NOW, &ts[1]);
}

/* A descriptor on which the directory or file itself can be used (fsync,
** futimens, getdents): the entry's own, or for an O_PATH directory a
** fresh one in *tmp (close it after). -1 with errno on failure. */
static int real_fd(const plwasi_fd *e, int *tmp)
{
    *tmp = -1;
    if (!e->path_only)
        return e->host;
    *tmp = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return *tmp;
}

/* ---- close, renumber --------------------------------------------------------------------- */

static int fd_close(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (!r)
        plwasi_fd_release(e);
    return r;
}

static int fd_renumber(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *from, *to;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &from);
    if (!r)
        r = plwasi_fd_get(c->w, plwasi_a32(a, 1), 0, &to);
    if (r || from == to)
        return r;
    plwasi_fd_release(to);
    *to = *from;
    *from = (plwasi_fd){ .kind = PLWASI_FREE, .host = -1 };
    return 0;
}

/* ---- fdstat ------------------------------------------------------------------------------ */

static uint16_t fdflags_of(const plwasi_fd *e)
{
    if (e->kind != PLWASI_HOST)
        return e->flags;
    int fl = fcntl(e->host, F_GETFL);
    uint16_t f = 0;
    if (fl < 0)
        return 0;
    f |= fl & O_APPEND ? PLWASI_FDF_APPEND : 0;
    f |= fl & O_NONBLOCK ? PLWASI_FDF_NONBLOCK : 0;
    f |= fl & O_DSYNC ? PLWASI_FDF_DSYNC : 0;
    f |= (fl & O_SYNC) == O_SYNC ? PLWASI_FDF_SYNC | PLWASI_FDF_RSYNC : 0;
    return f;
}

static int fd_fdstat_get(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (r)
        return r;
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 1), 24);
    if (!p)
        return PLWASI_EFAULT;
    memset(p, 0, 24);
    p[0] = e->type;
    plwasi_st16(p + 2, fdflags_of(e));
    plwasi_st64(p + 8, e->base);
    plwasi_st64(p + 16, e->inh);
    return 0;
}

static int fd_fdstat_set_flags(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    uint32_t want = plwasi_a32(a, 1);
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_FDSTAT_SET_FLAGS, &e);
    if (r)
        return r;
    if (want & ~(uint32_t)PLWASI_FDF_ALL)
        return PLWASI_EINVAL;
    if (e->kind != PLWASI_HOST) {
        e->flags = (uint16_t)want;      /* stdio never blocks; the flags are only kept */
        return 0;
    }
    const uint32_t sync = PLWASI_FDF_DSYNC | PLWASI_FDF_SYNC | PLWASI_FDF_RSYNC;
    if ((want & sync) != (fdflags_of(e) & sync))
        return PLWASI_ENOTSUP;          /* Linux cannot change these after open */
    if (e->type == PLWASI_FT_DIR)
        return want & PLWASI_FDF_APPEND ? PLWASI_ENOTSUP : 0;
    int fl = fcntl(e->host, F_GETFL);
    if (fl < 0)
        return plwasi_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    fl |= (want & PLWASI_FDF_APPEND ? O_APPEND : 0) | (want & PLWASI_FDF_NONBLOCK ? O_NONBLOCK : 0);
    return fcntl(e->host, F_SETFL, fl) == 0 ? 0 : plwasi_errno(errno);
}

static int fd_fdstat_set_rights(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (r)
        return r;
    uint64_t base = a[1], inh = a[2];
    if ((base & ~e->base) || (inh & ~e->inh))
        return PLWASI_ENOTCAPABLE;      /* rights can only be dropped */
    e->base = base;
    e->inh = inh;
    return 0;
}

/* ---- filestat ---------------------------------------------------------------------------- */

static int fd_filestat_get(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_FILESTAT_GET, &e);
    if (r)
        return r;
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 1), 64);
    if (!p)
        return PLWASI_EFAULT;
    struct stat st;
    if (e->kind != PLWASI_HOST) {
        memset(&st, 0, sizeof st);
        st.st_mode = S_IFCHR;
        st.st_nlink = 1;
    } else if (fstat(e->host, &st) != 0) {
        return plwasi_errno(errno);
    }
    plwasi_put_filestat(p, &st);
    return 0;
}

static int fd_filestat_set_size(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_FILESTAT_SET_SIZE, &e);
    if (r)
        return r;
    if (e->kind != PLWASI_HOST || e->read_only)
        return e->read_only ? PLWASI_ENOTCAPABLE : PLWASI_EINVAL;
    if (a[1] > INT64_MAX)
        return PLWASI_EINVAL;
    return ftruncate(e->host, (off_t)a[1]) == 0 ? 0 : plwasi_errno(errno);
}

static int fd_filestat_set_times(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    struct timespec ts[2];
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_FILESTAT_SET_TIMES, &e);
    if (!r)
        r = plwasi_times(a[1], a[2], plwasi_a32(a, 3), ts);
    if (r)
        return r;
    if (e->kind != PLWASI_HOST || e->read_only)
        return e->read_only ? PLWASI_ENOTCAPABLE : PLWASI_EINVAL;
    int tmp, fd = real_fd(e, &tmp);
    if (fd < 0)
        return plwasi_errno(errno);
    r = futimens(fd, ts) == 0 ? 0 : plwasi_errno(errno);
    if (tmp >= 0)
        close(tmp);
    return r;
}

/* ---- prestat ----------------------------------------------------------------------------- */

static int fd_prestat_get(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (r || !e->preopen)
        return r ? r : PLWASI_EBADF;
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 1), 8);
    if (!p)
        return PLWASI_EFAULT;
    memset(p, 0, 8);                    /* tag 0: a directory */
    plwasi_st32(p + 4, (uint32_t)e->preopen_len);
    return 0;
}

static int fd_prestat_dir_name(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), 0, &e);
    if (r || !e->preopen)
        return r ? r : PLWASI_EBADF;
    uint32_t len = plwasi_a32(a, 2);
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 1), len);
    if (!p)
        return PLWASI_EFAULT;
    if (len < e->preopen_len)
        return PLWASI_ENAMETOOLONG;
    memcpy(p, e->preopen, e->preopen_len);
    return 0;
}

/* ---- readdir ----------------------------------------------------------------------------- */

static uint8_t dirent_type(DIR *d, const struct dirent *de)
{
    static const struct { unsigned char dt; uint8_t ft; } map[] = {
        {DT_REG, PLWASI_FT_REG}, {DT_DIR, PLWASI_FT_DIR}, {DT_LNK, PLWASI_FT_SYMLINK},
        {DT_CHR, PLWASI_FT_CHAR}, {DT_BLK, PLWASI_FT_BLOCK}, {DT_SOCK, PLWASI_FT_SOCK_STREAM},
        {DT_FIFO, PLWASI_FT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].dt == de->d_type)
            return map[i].ft;
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return PLWASI_FT_UNKNOWN;
    return plwasi_filetype(st.st_mode);
}

/* The stream of a directory entry, positioned so that readdir returns
** entry number `cookie` next: 0, or a WASI errno. */
static int dir_seek(plwasi_fd *e, uint64_t cookie)
{
    if (!e->dir) {
        plwasi_dir *s = plu_calloc(1, sizeof *s);
        if (!s)
            return PLWASI_ENOMEM;
        int fd = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        s->d = fd < 0 ? NULL : fdopendir(fd);
        if (!s->d) {
            int err = errno;
            if (fd >= 0)
                close(fd);
            plu_free(s);
            return plwasi_errno(err);
        }
        e->dir = s;
    }
    plwasi_dir *s = e->dir;
    if (cookie < s->next) {
        if (s->have_last && cookie == s->last) {
            seekdir(s->d, s->last_pos);
            s->next = s->last;
        } else {
            rewinddir(s->d);
            s->next = 0;
        }
        s->have_last = false;
    }
    while (s->next < cookie) {
        errno = 0;
        if (!readdir(s->d))
            return errno ? plwasi_errno(errno) : 0; /* past the end: nothing to list */
        s->next++;
    }
    return 0;
}

/* Copy as much of (header, name) as fits at buf[*off..len). */
static void put_dirent(uint8_t *buf, uint32_t len, uint32_t *off, const uint8_t hdr[24],
                       const char *name, size_t name_len)
{
    uint32_t n = len - *off < 24 ? len - *off : 24;
    memcpy(buf + *off, hdr, n);
    *off += n;
    n = len - *off < name_len ? len - *off : (uint32_t)name_len;
    memcpy(buf + *off, name, n);
    *off += n;
}

static int fd_readdir(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    uint32_t len = plwasi_a32(a, 2), used_ptr = plwasi_a32(a, 4), off = 0;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_READDIR, &e);
    if (r)
        return r;
    uint8_t *buf = plwasi_mem(c, plwasi_a32(a, 1), len);
    if (!buf || !plwasi_mem(c, used_ptr, 4))
        return PLWASI_EFAULT;
    if (e->type != PLWASI_FT_DIR || e->kind != PLWASI_HOST)
        return PLWASI_ENOTDIR;
    if ((r = dir_seek(e, a[3])) != 0)
        return r;
    plwasi_dir *s = e->dir;
    while (off < len) {
        long pos = telldir(s->d);
        errno = 0;
        struct dirent *de = readdir(s->d);
        if (!de) {
            if (errno)
                return plwasi_errno(errno);
            break;
        }
        s->last = s->next++;
        s->last_pos = pos;
        s->have_last = true;
        size_t name_len = strlen(de->d_name);
        uint8_t hdr[24] = {0};
        plwasi_st64(hdr, s->next);
        plwasi_st64(hdr + 8, (uint64_t)de->d_ino);
        plwasi_st32(hdr + 16, (uint32_t)name_len);
        hdr[20] = dirent_type(s->d, de);
        put_dirent(buf, len, &off, hdr, de->d_name, name_len);
    }
    return plwasi_put32(c, used_ptr, off);
}

/* ---- sync, advise, allocate -------------------------------------------------------------- */

static int sync_fd(plwasi_cx *c, const plw_cell *a, uint64_t right, bool data_only)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), right, &e);
    if (r)
        return r;
    if (e->kind != PLWASI_HOST)
        return PLWASI_EINVAL;
    int tmp, fd = real_fd(e, &tmp);
    if (fd < 0)
        return plwasi_errno(errno);
    r = (data_only ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : plwasi_errno(errno);
    if (tmp >= 0)
        close(tmp);
    return r;
}

static int fd_sync(plwasi_cx *c, const plw_cell *a)
{
    return sync_fd(c, a, PLWASI_R_FD_SYNC, false);
}

static int fd_datasync(plwasi_cx *c, const plw_cell *a)
{
    return sync_fd(c, a, PLWASI_R_FD_DATASYNC, true);
}

/* offset and len as host off_t, offset + len included: 0 or EINVAL. */
static int range(uint64_t off, uint64_t len)
{
    return off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX ? PLWASI_EINVAL : 0;
}

static int fd_advise(plwasi_cx *c, const plw_cell *a)
{
    static const int advice[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    plwasi_fd *e;
    uint32_t adv = plwasi_a32(a, 3);
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_ADVISE, &e);
    if (!r && adv >= sizeof advice / sizeof advice[0])
        r = PLWASI_EINVAL;
    if (!r)
        r = range(a[1], a[2]);
    if (r)
        return r;
    if (e->kind != PLWASI_HOST)
        return PLWASI_ESPIPE;
    r = posix_fadvise(e->host, (off_t)a[1], (off_t)a[2], advice[adv]);
    return r ? plwasi_errno(r) : 0;
}

static int fd_allocate(plwasi_cx *c, const plw_cell *a)
{
    plwasi_fd *e;
    int r = plwasi_fd_get(c->w, plwasi_a32(a, 0), PLWASI_R_FD_ALLOCATE, &e);
    if (!r)
        r = range(a[1], a[2]);
    if (r)
        return r;
    if (e->kind != PLWASI_HOST || e->read_only)
        return e->read_only ? PLWASI_ENOTCAPABLE : PLWASI_EINVAL;
    r = posix_fallocate(e->host, (off_t)a[1], (off_t)a[2]);
    return r ? plwasi_errno(r) : 0;
}

const plwasi_def plwasi_defs_fd[] = {
    { "fd_close", "(i)i", fd_close, true },
    { "fd_renumber", "(ii)i", fd_renumber, true },
    { "fd_fdstat_get", "(ii)i", fd_fdstat_get, true },
    { "fd_fdstat_set_flags", "(ii)i", fd_fdstat_set_flags, true },
    { "fd_fdstat_set_rights", "(iII)i", fd_fdstat_set_rights, true },
    { "fd_filestat_get", "(ii)i", fd_filestat_get, true },
    { "fd_filestat_set_size", "(iI)i", fd_filestat_set_size, true },
    { "fd_filestat_set_times", "(iIIi)i", fd_filestat_set_times, true },
    { "fd_prestat_get", "(ii)i", fd_prestat_get, true },
    { "fd_prestat_dir_name", "(iii)i", fd_prestat_dir_name, true },
    { "fd_readdir", "(iiiIi)i", fd_readdir, true },
    { "fd_sync", "(i)i", fd_sync, true },
    { "fd_datasync", "(i)i", fd_datasync, true },
    { "fd_advise", "(iIIi)i", fd_advise, true },
    { "fd_allocate", "(iII)i", fd_allocate, true },
    { NULL, NULL, NULL, false },
};
