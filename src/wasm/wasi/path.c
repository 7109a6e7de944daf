/*
** path.c — path_open and the other path_* calls, all through the resolver
** (resolve.c), all refused below a read-only preopen when they would
** change anything (the rights they need are never granted there, and each
** checks read_only again).
**
** path_open opens regular files and directories only; FIFOs, sockets and
** devices are ENOTSUP, so nothing the program opens can block the host or
** raise SIGPIPE. Rights: the new descriptor gets what it asked for, within
** what the directory passes on and what applies to the file's type; asking
** for read or write access the directory cannot pass on is ENOTCAPABLE.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "wasi_int.h"

/* ---- path_open --------------------------------------------------------------------------- */

typedef struct open_req {
    uint32_t oflags, fdflags;
    uint64_t base, inh;    /* rights already limited by the directory */
    bool read_only;
} open_req;

static int host_flags(const open_req *q, bool slash)
{
    bool wr = q->base & PLWASI_R_FD_WRITE;
    bool rd = q->base & (PLWASI_R_FD_READ | PLWASI_R_FD_READDIR);
    int fl = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
    fl |= wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    fl |= q->oflags & PLWASI_O_CREAT ? O_CREAT : 0;
    fl |= q->oflags & PLWASI_O_EXCL ? O_EXCL : 0;
    fl |= q->oflags & PLWASI_O_TRUNC ? O_TRUNC : 0;
    fl |= q->oflags & PLWASI_O_DIRECTORY || slash ? O_DIRECTORY : 0;
    fl |= q->fdflags & PLWASI_FDF_APPEND ? O_APPEND : 0;
    fl |= q->fdflags & PLWASI_FDF_DSYNC ? O_DSYNC : 0;
    fl |= q->fdflags & (PLWASI_FDF_SYNC | PLWASI_FDF_RSYNC) ? O_SYNC : 0;
    return fl;
}

static bool openable(mode_t m) { return S_ISREG(m) || S_ISDIR(m); }

/* Open at->name for q: 0 and *e filled, or a WASI errno. */
static int open_target(const plwasi_at *at, const open_req *q, plwasi_fd *e)
{
    struct stat st;
    /* Look before opening: opening a device or a FIFO can block or act. */
    if (fstatat(at->dirfd, at->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
        !openable(st.st_mode))
        return PLWASI_ENOTSUP;
    int fl = host_flags(q, at->slash);
    if (q->read_only && (fl & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)))
        return PLWASI_ENOTCAPABLE;
    bool path_only = false;
    int fd = openat(at->dirfd, at->name, fl, 0666);
    if (fd < 0 && errno == EACCES && !(fl & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) {
        /* A directory we may search but not list. */
        fd = openat(at->dirfd, at->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        path_only = fd >= 0;
        errno = fd >= 0 ? 0 : EACCES;
    }
    if (fd < 0)
        return plwasi_errno(errno);
    int r = fstat(fd, &st) != 0 ? plwasi_errno(errno) : !openable(st.st_mode) ? PLWASI_ENOTSUP : 0;
    if (!r && !path_only && !(q->fdflags & PLWASI_FDF_NONBLOCK) &&
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        r = plwasi_errno(errno);
    if (r) {
        close(fd);
        return r;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    uint64_t mask = is_dir ? PLWASI_RIGHTS_DIR : PLWASI_RIGHTS_FILE;
    if (q->read_only)
        mask &= ~PLWASI_RIGHTS_WRITE;
    *e = (plwasi_fd){ .kind = PLWASI_HOST, .host = fd,
                      .type = is_dir ? PLWASI_FT_DIR : PLWASI_FT_REG,
                      .path_only = path_only, .read_only = q->read_only,
                      .base = q->base & mask, .inh = is_dir ? q->inh : 0 };
    return 0;
}

static int path_open(plwasi_cx *c, const plw_cell *a)
{
    uint32_t oflags = plwasi_a32(a, 4), fdflags = plwasi_a32(a, 7), res = plwasi_a32(a, 8);
    if (oflags & ~15u || fdflags & ~(uint32_t)PLWASI_FDF_ALL)
        return PLWASI_EINVAL;
    if (!plwasi_mem(c, res, 4))
        return PLWASI_EFAULT;
    uint64_t need = PLWASI_R_PATH_OPEN;
    need |= oflags & PLWASI_O_CREAT ? PLWASI_R_PATH_CREATE_FILE : 0;
    need |= oflags & PLWASI_O_TRUNC ? PLWASI_R_PATH_FILESTAT_SET_SIZE : 0;
    plwasi_fd *dir, e;
    plwasi_at at;
    int r = plwasi_path_at(c, plwasi_a32(a, 0), need, plwasi_a32(a, 2), plwasi_a32(a, 3),
                           plwasi_a32(a, 1) & PLWASI_LOOKUP_FOLLOW, &dir, &at);
    if (!r && (a[5] & (PLWASI_R_FD_READ | PLWASI_R_FD_WRITE) & ~dir->inh))
        r = PLWASI_ENOTCAPABLE;         /* an access mode the directory cannot pass on */
    if (!r) {
        open_req q = { .oflags = oflags, .fdflags = fdflags, .base = a[5] & dir->inh,
                       .inh = a[6] & dir->inh, .read_only = dir->read_only };
        r = open_target(&at, &q, &e);
    }
    plwasi_at_done(&at);
    uint32_t fd;
    if (!r && (r = plwasi_fd_add(c->w, &e, &fd)) == 0) /* may move the table: dir is stale */
        plwasi_put32(c, res, fd);
    return r;
}

/* ---- stat and times ---------------------------------------------------------------------- */

static int path_filestat_get(plwasi_cx *c, const plw_cell *a)
{
    uint8_t *p = plwasi_mem(c, plwasi_a32(a, 4), 64);
    if (!p)
        return PLWASI_EFAULT;
    plwasi_fd *dir;
    plwasi_at at;
    struct stat st;
    int r = plwasi_path_at(c, plwasi_a32(a, 0), PLWASI_R_PATH_FILESTAT_GET, plwasi_a32(a, 2),
                           plwasi_a32(a, 3), plwasi_a32(a, 1) & PLWASI_LOOKUP_FOLLOW, &dir, &at);
    if (!r)
        r = fstatat(at.dirfd, at.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : plwasi_errno(errno);
    plwasi_at_done(&at);
    if (!r)
        plwasi_put_filestat(p, &st);
    return r;
}

static int path_filestat_set_times(plwasi_cx *c, const plw_cell *a)
{
    struct timespec ts[2];
    int r = plwasi_times(a[4], a[5], plwasi_a32(a, 6), ts);
    if (r)
        return r;
    plwasi_fd *dir;
    plwasi_at at;
    r = plwasi_path_at(c, plwasi_a32(a, 0), PLWASI_R_PATH_FILESTAT_SET_TIMES, plwasi_a32(a, 2),
                       plwasi_a32(a, 3), plwasi_a32(a, 1) & PLWASI_LOOKUP_FOLLOW, &dir, &at);
    if (!r && dir->read_only)
        r = PLWASI_ENOTCAPABLE;
    if (!r && utimensat(at.dirfd, at.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        r = plwasi_errno(errno);
    plwasi_at_done(&at);
    return r;
}

/* ---- create and remove ------------------------------------------------------------------- */

typedef enum change_op { MKDIR, RMDIR, UNLINK } change_op;

static int change(plwasi_cx *c, const plw_cell *a, uint64_t need, change_op op)
{
    plwasi_fd *dir;
    plwasi_at at;
    int r = plwasi_path_at(c, plwasi_a32(a, 0), need, plwasi_a32(a, 1), plwasi_a32(a, 2), false,
                           &dir, &at);
    if (!r && dir->read_only)
        r = PLWASI_ENOTCAPABLE;
    if (!r) {
        int ok = op == MKDIR ? mkdirat(at.dirfd, at.name, 0777)
               : unlinkat(at.dirfd, at.name, op == RMDIR ? AT_REMOVEDIR : 0);
        r = ok == 0 ? 0 : plwasi_errno(errno);
    }
    plwasi_at_done(&at);
    return r;
}

static int path_create_directory(plwasi_cx *c, const plw_cell *a)
{
    return change(c, a, PLWASI_R_PATH_CREATE_DIRECTORY, MKDIR);
}

static int path_remove_directory(plwasi_cx *c, const plw_cell *a)
{
    return change(c, a, PLWASI_R_PATH_REMOVE_DIRECTORY, RMDIR);
}

static int path_unlink_file(plwasi_cx *c, const plw_cell *a)
{
    return change(c, a, PLWASI_R_PATH_UNLINK_FILE, UNLINK);
}

/* ---- rename and links -------------------------------------------------------------------- */

/* Two resolutions, for the calls that name a source and a target. */
static int two_paths(plwasi_cx *c, const plw_cell *a, int src, int dst, uint64_t need_src,
                     uint64_t need_dst, bool follow_src, plwasi_at *from, plwasi_at *to)
{
    plwasi_fd *d1, *d2;
    *to = (plwasi_at){ .dirfd = -1, .owned = -1 };
    int r = plwasi_path_at(c, plwasi_a32(a, src), need_src, plwasi_a32(a, src + 1),
                           plwasi_a32(a, src + 2), follow_src, &d1, from);
    if (!r)
        r = plwasi_path_at(c, plwasi_a32(a, dst), need_dst, plwasi_a32(a, dst + 1),
                           plwasi_a32(a, dst + 2), false, &d2, to);
    if (!r && (d1->read_only || d2->read_only))
        r = PLWASI_ENOTCAPABLE;
    return r;
}

static int path_rename(plwasi_cx *c, const plw_cell *a)
{
    plwasi_at from, to;
    int r = two_paths(c, a, 0, 3, PLWASI_R_PATH_RENAME_SOURCE, PLWASI_R_PATH_RENAME_TARGET, false,
                      &from, &to);
    if (!r && renameat(from.dirfd, from.name, to.dirfd, to.name) != 0)
        r = plwasi_errno(errno);
    plwasi_at_done(&from);
    plwasi_at_done(&to);
    return r;
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len):
** the arguments are shifted by old_flags, so the cells are rearranged. */
static int path_link(plwasi_cx *c, const plw_cell *a)
{
    const plw_cell b[6] = { a[0], a[2], a[3], a[4], a[5], a[6] };
    plwasi_at from, to;
    int r = two_paths(c, b, 0, 3, PLWASI_R_PATH_LINK_SOURCE, PLWASI_R_PATH_LINK_TARGET,
                      plwasi_a32(a, 1) & PLWASI_LOOKUP_FOLLOW, &from, &to);
    if (!r && linkat(from.dirfd, from.name, to.dirfd, to.name, 0) != 0)
        r = plwasi_errno(errno);
    plwasi_at_done(&from);
    plwasi_at_done(&to);
    return r;
}

static int path_readlink(plwasi_cx *c, const plw_cell *a)
{
    uint32_t len = plwasi_a32(a, 4), used = plwasi_a32(a, 5);
    uint8_t *buf = plwasi_mem(c, plwasi_a32(a, 3), len);
    if (!buf || !plwasi_mem(c, used, 4))
        return PLWASI_EFAULT;
    plwasi_fd *dir;
    plwasi_at at;
    char target[PLWASI_PATH_MAX];
    ssize_t n = -1;
    int r = plwasi_path_at(c, plwasi_a32(a, 0), PLWASI_R_PATH_READLINK, plwasi_a32(a, 1),
                           plwasi_a32(a, 2), false, &dir, &at);
    if (!r && (n = readlinkat(at.dirfd, at.name, target, sizeof target)) < 0)
        r = plwasi_errno(errno);
    plwasi_at_done(&at);
    if (r)
        return r;
    uint32_t take = (size_t)n < len ? (uint32_t)n : len; /* cut to fit, like readlink(2) */
    memcpy(buf, target, take);
    return plwasi_put32(c, used, take);
}

static int path_symlink(plwasi_cx *c, const plw_cell *a)
{
    char *target;
    int r = plwasi_guest_path(c, plwasi_a32(a, 0), plwasi_a32(a, 1), &target);
    if (r)
        return r;
    plwasi_fd *dir;
    plwasi_at at;
    r = plwasi_path_at(c, plwasi_a32(a, 2), PLWASI_R_PATH_SYMLINK, plwasi_a32(a, 3),
                       plwasi_a32(a, 4), false, &dir, &at);
    if (!r && dir->read_only)
        r = PLWASI_ENOTCAPABLE;
    /* A link that would lead out of the sandbox is refused when made, not
    ** only when followed: the host, outside, might follow it. */
    if (!r && !plwasi_link_target_ok(target, at.depth))
        r = PLWASI_ENOTCAPABLE;
    if (!r && symlinkat(target, at.dirfd, at.name) != 0)
        r = plwasi_errno(errno);
    plwasi_at_done(&at);
    plu_free(target);
    return r;
}

const plwasi_def plwasi_defs_path[] = {
    { "path_open", "(iiiiiIIii)i", path_open, true },
    { "path_filestat_get", "(iiiii)i", path_filestat_get, true },
    { "path_filestat_set_times", "(iiiiIIi)i", path_filestat_set_times, true },
    { "path_create_directory", "(iii)i", path_create_directory, true },
    { "path_remove_directory", "(iii)i", path_remove_directory, true },
    { "path_unlink_file", "(iii)i", path_unlink_file, true },
    { "path_rename", "(iiiiii)i", path_rename, true },
    { "path_link", "(iiiiiii)i", path_link, true },
    { "path_readlink", "(iiiiii)i", path_readlink, true },
    { "path_symlink", "(iiiii)i", path_symlink, true },
    { NULL, NULL, NULL, false },
};
