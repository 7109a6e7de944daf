/*
** file.c — writing files that must never be seen half written: folders
** made on demand, and whole-file replacement (a temporary file beside the
** target, fsync, rename over the target, fsync of the folder), so a crash
** or a concurrent reader finds either the old content or the new.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

pl_status plu_mkdirs(const char *dir, unsigned mode, pl_err *err)
{
    char *p = plu_strdup(dir);
    if (!p)
        return plu_err_nomem(err);
    size_t n = strlen(p);
    pl_status st = PL_OK;
    for (size_t i = 1; i <= n && st == PL_OK; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
            st = plu_errf(err, PL_E_IO, NULL, "cannot create the folder %s: %s", p,
                          strerror(errno));
        else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = plu_errf(err, PL_E_IO, NULL, "cannot create the folder %s: %s", p,
                          "a file of that name is in the way");
        p[i] = c;
    }
    plu_free(p);
    return st;
}

/* The folder part of path ("." when there is none), to plu_free. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return plu_strdup(".");
    return plu_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        data += k;
        len -= (size_t)k;
    }
    return true;
}

pl_status plu_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           pl_err *err)
{
    size_t n = strlen(path);
    char *tmp = plu_malloc(n + 8);
    char *dir = folder_of(path);
    if (!tmp || !dir) {
        plu_free(tmp);
        plu_free(dir);
        return plu_err_nomem(err);
    }
    snprintf(tmp, n + 8, "%s.XXXXXX", path);
    const char *step = "create a temporary file";
    int fd = mkostemp(tmp, O_CLOEXEC);
    bool ok = fd >= 0;
    if (ok && !(ok = fchmod(fd, (mode_t)mode) == 0))
        step = "set the mode of";
    if (ok && !(ok = write_all(fd, data, len)))
        step = "write";
    if (ok && !(ok = fsync(fd) == 0))
        step = "sync";
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        step = "write";
    }
    if (ok && !(ok = rename(tmp, path) == 0))
        step = "replace";
    int saved = errno;
    if (!ok && fd >= 0)
        unlink(tmp);
    if (ok) { /* the rename itself survives a crash once the folder is synced */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    plu_free(tmp);
    plu_free(dir);
    return ok ? PL_OK
              : plu_errf(err, PL_E_IO, NULL, "%s: cannot %s: %s", path, step, strerror(saved));
}
