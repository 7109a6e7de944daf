/*
** resolve.c — guest paths to (directory, name) pairs that cannot leave
** the directory they start from.
**
** The kernel never sees a guest path, only single components opened from
** a descriptor we hold, with O_NOFOLLOW:
**   - "." is skipped; ".." goes back up the trail of names walked from
**     the base descriptor (the base is reopened and the trail walked
**     again, so ".." never reaches the kernel and cannot climb above the
**     base even if a directory was moved meanwhile); ".." at the base is
**     ENOTCAPABLE;
**   - a symlink is read (readlinkat) and its target spliced in front of
**     the rest of the path: an absolute target is ENOTCAPABLE, a relative
**     one is walked from the link's directory under the same rules; more
**     than PLWASI_MAX_LINKS of them is ELOOP;
**   - every other directory component is opened with
**     O_PATH | O_DIRECTORY | O_NOFOLLOW, so a symlink swapped in after it
**     was looked at fails instead of being followed.
** The last component is returned by name (followed first when asked, or
** when the path ends in '/'); callers use it with *at() calls and
** O_NOFOLLOW / AT_SYMLINK_NOFOLLOW. At most two descriptors are open at a
** time.
*/
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi_int.h"

#define PLWASI_MAX_LINKS 40

int plwasi_guest_path(plwasi_cx *c, uint32_t ptr, uint32_t len, char **out)
{
    const uint8_t *p = plwasi_mem(c, ptr, len);
    if (!p)
        return PLWASI_EFAULT;
    if (len > PLWASI_PATH_MAX)
        return PLWASI_ENAMETOOLONG;
    if (memchr(p, 0, len))
        return PLWASI_EINVAL;
    for (uint32_t i = 0; i < len;) {
        size_t n = plu_utf8_seq(p + i, len - i);
        if (!n)
            return PLWASI_EILSEQ;
        i += (uint32_t)n;
    }
    *out = plu_strndup((const char *)p, len);
    return *out ? 0 : PLWASI_ENOMEM;
}

/* ---- the walk ---------------------------------------------------------------------------- */

typedef struct walk {
    int base;            /* where the path starts (not owned) */
    int cur;             /* the directory reached: base, or owned */
    plu_buf trail;       /* the names from base to cur, '/'-separated */
    uint32_t depth;
} walk;

static int open_dir(int at, const char *name)
{
    return openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void set_cur(walk *k, int fd)
{
    if (k->cur != k->base)
        close(k->cur);
    k->cur = fd;
}

static int walk_down(walk *k, const char *name)
{
    int fd = open_dir(k->cur, name);
    if (fd < 0)
        return plwasi_errno(errno);
    if ((k->trail.len && plu_buf_putc(&k->trail, '/') != 0) || plu_buf_puts(&k->trail, name) != 0) {
        close(fd);
        return PLWASI_ENOMEM;
    }
    set_cur(k, fd);
    k->depth++;
    return 0;
}

static int walk_up(walk *k)
{
    if (k->depth == 0)
        return PLWASI_ENOTCAPABLE;
    char *slash = strrchr(k->trail.data, '/');
    k->trail.len = slash ? (size_t)(slash - k->trail.data) : 0;
    k->trail.data[k->trail.len] = '\0';
    k->depth--;
    int fd = k->base;
    for (char *name = k->trail.data, *end; k->depth && name; name = end ? end + 1 : NULL) {
        end = strchr(name, '/');
        if (end)
            *end = '\0';
        int next = open_dir(fd, name);
        int err = errno;
        if (end)
            *end = '/';
        if (fd != k->base)
            close(fd);
        if (next < 0)
            return plwasi_errno(err);
        fd = next;
    }
    set_cur(k, fd);
    return 0;
}

/* Replace the path with `target` followed by what comes after the link. */
static int splice_link(int dir, const char *name, char **buf, size_t *pos, const char *rest,
                       bool slash)
{
    char target[PLWASI_PATH_MAX + 1];
    ssize_t n = readlinkat(dir, name, target, sizeof target);
    if (n < 0)
        return plwasi_errno(errno);
    if (n == 0)
        return PLWASI_ENOENT;
    if ((size_t)n > PLWASI_PATH_MAX)
        return PLWASI_ENAMETOOLONG;
    if (target[0] == '/')
        return PLWASI_ENOTCAPABLE;
    size_t rest_len = strlen(rest);
    if ((size_t)n + 1 + rest_len > PLWASI_PATH_MAX)
        return PLWASI_ENAMETOOLONG;
    char *nb = plu_malloc((size_t)n + rest_len + 3);
    if (!nb)
        return PLWASI_ENOMEM;
    memcpy(nb, target, (size_t)n);
    size_t len = (size_t)n;
    if (rest_len || slash)
        nb[len++] = '/';
    memcpy(nb + len, rest, rest_len + 1);
    plu_free(*buf);
    *buf = nb;
    *pos = 0;
    return 0;
}

/* One component: 1 when it is the final name (in at->name), 0 to go on,
** or -errno. */
static int step(walk *k, char **buf, size_t *pos, bool follow, int *links, plwasi_at *at)
{
    size_t start = *pos, end = start, after;
    while ((*buf)[end] && (*buf)[end] != '/')
        end++;
    for (after = end; (*buf)[after] == '/'; after++)
        ;
    bool last = !(*buf)[after];
    at->slash = last && after > end;
    if (end - start >= sizeof at->name)
        return -PLWASI_ENAMETOOLONG;
    memcpy(at->name, *buf + start, end - start);
    at->name[end - start] = '\0';
    *pos = after;
    const char *name = at->name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        int r = name[1] ? walk_up(k) : 0;
        strcpy(at->name, ".");
        return r ? -r : last;
    }
    if (last && !follow && !at->slash)
        return 1;
    struct stat st;
    if (fstatat(k->cur, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT && last ? 1 : -plwasi_errno(errno);
    if (S_ISLNK(st.st_mode)) {
        if (++*links > PLWASI_MAX_LINKS)
            return -PLWASI_ELOOP;
        int r = splice_link(k->cur, name, buf, pos, *buf + after, at->slash);
        return r ? -r : 0;
    }
    if (!S_ISDIR(st.st_mode))
        return last && !at->slash ? 1 : -PLWASI_ENOTDIR;
    if (last)
        return 1;
    int r = walk_down(k, name);
    return r ? -r : 0;
}

int plwasi_resolve(const plwasi_fd *base, const char *path, bool follow, plwasi_at *at)
{
    *at = (plwasi_at){ .dirfd = base->host, .owned = -1 };
    if (base->kind != PLWASI_HOST || base->type != PLWASI_FT_DIR)
        return PLWASI_ENOTDIR;
    if (!*path)
        return PLWASI_ENOENT;
    if (path[0] == '/')
        return PLWASI_ENOTCAPABLE;
    char *buf = plu_strdup(path);
    if (!buf)
        return PLWASI_ENOMEM;
    walk k = { .base = base->host, .cur = base->host };
    plu_buf_init(&k.trail);
    size_t pos = 0;
    int links = 0, r = 0;
    while (r == 0) {
        if (!buf[pos] || buf[pos] == '/') {
            r = buf[pos] ? -PLWASI_ENOTCAPABLE : -PLWASI_ENOENT; /* cannot happen: defensive */
            break;
        }
        r = step(&k, &buf, &pos, follow, &links, at);
    }
    plu_free(buf);
    plu_buf_free(&k.trail);
    if (r < 0) {
        set_cur(&k, k.base);
        return -r;
    }
    at->dirfd = k.cur;
    at->owned = k.cur != k.base ? k.cur : -1;
    at->depth = k.depth;
    return 0;
}

void plwasi_at_done(plwasi_at *at)
{
    if (at->owned >= 0)
        close(at->owned);
    at->owned = -1;
}

int plwasi_path_at(plwasi_cx *c, uint32_t fd, uint64_t need, uint32_t ptr, uint32_t len,
                   bool follow, plwasi_fd **dir, plwasi_at *at)
{
    *at = (plwasi_at){ .dirfd = -1, .owned = -1 };
    int r = plwasi_fd_get(c->w, fd, need, dir);
    if (r)
        return r;
    if ((*dir)->kind != PLWASI_HOST || (*dir)->type != PLWASI_FT_DIR)
        return PLWASI_ENOTDIR;
    char *path;
    if ((r = plwasi_guest_path(c, ptr, len, &path)) != 0)
        return r;
    r = plwasi_resolve(*dir, path, follow, at);
    plu_free(path);
    return r;
}

bool plwasi_link_target_ok(const char *target, uint32_t depth)
{
    if (target[0] == '/')
        return false;
    uint64_t d = depth;
    for (const char *p = target; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (d == 0)
                return false;
            d--;
        } else if (n && !(n == 1 && p[0] == '.')) {
            d++;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return true;
}
