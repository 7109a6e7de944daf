/*
** child.c — see child.h.
*/
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The whole file f as a NUL-terminated malloc'd string; closes f. */
static char *slurp(FILE *f, size_t *len)
{
    fflush(f);
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    size_t n = 0;
    if (buf) {
        rewind(f);
        n = fread(buf, 1, (size_t)size, f);
        buf[n] = '\0';
    }
    fclose(f);
    *len = n;
    return buf;
}

static int spawn_wait(child_run *r, const char *const *argv, FILE *in, FILE *out, FILE *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in)
        posix_spawn_file_actions_adddup2(&fa, fileno(in), 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
    double t0 = now_ms();
    pid_t pid;
    /* posix_spawn's argv is char *const[] for historical reasons only. */
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return rc;
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return errno;
    r->ms = now_ms() - t0;
    r->code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return 0;
}

int child_run_argv(child_run *r, const char *const *argv, const void *in, size_t in_len)
{
    memset(r, 0, sizeof *r);
    FILE *fin = in ? tmpfile() : NULL, *out = tmpfile(), *err = tmpfile();
    int rc = (in && !fin) || !out || !err ? (errno ? errno : EIO) : 0;
    if (rc == 0 && fin) {
        if (fwrite(in, 1, in_len, fin) != in_len || fflush(fin) != 0)
            rc = EIO;
        rewind(fin);
    }
    if (rc == 0)
        rc = spawn_wait(r, argv, fin, out, err);
    if (fin)
        fclose(fin);
    if (rc != 0) {
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        return rc;
    }
    r->out = slurp(out, &r->out_len);
    r->err = slurp(err, &r->err_len);
    if (r->out && r->err)
        return 0;
    child_free(r);
    return ENOMEM;
}

void child_free(child_run *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
