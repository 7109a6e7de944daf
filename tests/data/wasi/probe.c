/*
** probe.c — a WASI command (wasi-libc) that test_wasi.c drives through its
** arguments: each command does one thing through libc or a raw WASI call
** and prints what happened on stdout, "NAME: ok ..." or "NAME: errno=N"
** (wasi-libc's errno values are WASI's: ENOTCAPABLE is 76). Several
** commands run in order when separated by "+":
**     probe write /data/a hello + cat /data/a
** Built for wasm32-wasi by programs.cmake.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

extern char **environ;

/* Not declared by this wasi-libc's headers. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t sig);
/* path_open with an explicit length (wasi-libc's wrapper takes a C string). */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t base, int64_t inheriting, int32_t fdflags, int32_t fd_out);

static int report(const char *name, int rc)
{
    if (rc < 0)
        printf("%s: errno=%d\n", name, errno);
    else
        printf("%s: ok\n", name);
    return rc;
}

static int raw(const char *name, __wasi_errno_t e)
{
    printf("%s: %s%d\n", name, e ? "errno=" : "ok ", e);
    return e ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- one command per function ------------------------------------------------------------ */

static void cmd_args(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
}

static void cmd_env(void)
{
    for (char **e = environ; e && *e; e++)
        printf("env=%s\n", *e);
    printf("HOME=%s\n", getenv("HOME") ? "set" : "unset");
}

static void cmd_stdio(void)
{
    fputs("to stdout\n", stdout);
    fflush(stdout);
    fputs("to stderr\n", stderr);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, stdin);
    buf[n] = '\0';
    printf("stdin=%s|len=%zu|eof=%d\n", buf, n, feof(stdin) ? 1 : 0);
}

static void cmd_cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        report("cat", -1);
        return;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    printf("cat: ok %.*s\n", (int)n, buf);
}

static void cmd_write(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        report("write", -1);
        return;
    }
    int rc = fputs(text, f) < 0 ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    report("write", rc);
}

/* open O_WRONLY without O_CREAT, then write: where a read-only grant shows. */
static void cmd_openw(const char *path)
{
    int fd = open(path, O_WRONLY);
    if (report("openw", fd) < 0)
        return;
    report("openw.write", (int)write(fd, "x", 1));
    close(fd);
}

static void cmd_ls(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        report("ls", -1);
        return;
    }
    char *names[1024];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 1024) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    printf("ls: ok %d", n);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* Count entries and check the names of a large directory (f0000 ... fNNNN). */
static void cmd_count(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        report("count", -1);
        return;
    }
    int n = 0, dots = 0;
    long sum = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            dots++;
            continue;
        }
        n++;
        sum += atol(de->d_name + strcspn(de->d_name, "0123456789"));
    }
    closedir(d);
    printf("count: ok %d sum=%ld dots=%d\n", n, sum, dots);
}

static void cmd_stat(const char *path)
{
    struct stat st;
    if (report("stat", stat(path, &st)) == 0)
    {
        if (S_ISDIR(st.st_mode))
            printf("stat: dir\n");
        else
            printf("stat: %s size=%lld\n", S_ISREG(st.st_mode) ? "file" : "other",
                   (long long)st.st_size);
    }
}

static void cmd_readlink(const char *path)
{
    char buf[256];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (report("readlink", (int)n) >= 0)
        printf("readlink: %.*s\n", (int)n, buf);
}

static void cmd_fileops(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (report("fileops.open", fd) < 0)
        return;
    report("fileops.write", (int)write(fd, "0123456789", 10));
    printf("fileops.tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("fileops.seek: %lld\n", (long long)lseek(fd, 2, SEEK_SET));
    char b[8] = {0};
    printf("fileops.read: %zd %.3s\n", read(fd, b, 3), b);
    printf("fileops.pread: %zd", pread(fd, b, 4, 6));
    printf(" %.4s\n", b);
    printf("fileops.pwrite: %zd\n", pwrite(fd, "AB", 2, 0));
    report("fileops.ftruncate", ftruncate(fd, 5));
    struct stat st;
    report("fileops.fstat", fstat(fd, &st));
    printf("fileops.size: %lld\n", (long long)st.st_size);
    struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
    report("fileops.futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("fileops.mtime: %lld\n", (long long)st.st_mtim.tv_sec);
    report("fileops.fsync", fsync(fd));
    report("fileops.fdatasync", fdatasync(fd));
    printf("fileops.fallocate: %d\n", posix_fallocate(fd, 0, 100));
    printf("fileops.fadvise: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    int flags = fcntl(fd, F_GETFL);
    report("fileops.setfl", fcntl(fd, F_SETFL, flags | O_APPEND));
    printf("fileops.append: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    report("fileops.close", close(fd));
    FILE *f = fopen(path, "r");
    char all[128] = {0};
    size_t n = f ? fread(all, 1, sizeof all - 1, f) : 0;
    if (f)
        fclose(f);
    printf("fileops.content: %zu %s\n", n, all);
}

static void cmd_rights(int fd)
{
    __wasi_fdstat_t st;
    if (raw("rights", __wasi_fd_fdstat_get(fd, &st)) == 0)
        printf("rights: type=%d base=%llx inh=%llx\n", st.fs_filetype,
               (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
}

static void cmd_clock(void)
{
    struct timespec rt, m1, m2, res, cpu;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &m1);
    volatile unsigned x = 0;
    for (unsigned i = 0; i < 200000; i++)
        x += i;
    clock_gettime(CLOCK_MONOTONIC, &m2);
    clock_getres(CLOCK_MONOTONIC, &res);
    int cpu_rc = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    long long d = (long long)(m2.tv_sec - m1.tv_sec) * 1000000000 + (m2.tv_nsec - m1.tv_nsec);
    printf("clock: realtime=%lld mono_delta_ok=%d res_ns=%lld cpu_rc=%d\n", (long long)rt.tv_sec,
           d >= 0, (long long)res.tv_nsec + (long long)res.tv_sec * 1000000000LL, cpu_rc);
    __wasi_timestamp_t t;
    printf("clock.bad: %d\n", __wasi_clock_time_get(9, 0, &t));
}

static void cmd_random(void)
{
    unsigned char a[16], b[16];
    if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) {
        report("random", -1);
        return;
    }
    printf("random: ok ");
    for (int i = 0; i < 16; i++)
        printf("%02x", a[i]);
    printf(" ");
    for (int i = 0; i < 16; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static void cmd_sleep(const char *ms)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = usleep((useconds_t)atoi(ms) * 1000u);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long el = (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("sleep: rc=%d elapsed_ms=%lld\n", rc, el);
}

/* poll_oneoff with stdin readiness and a long clock: stdin must win at once. */
static void cmd_poll(void)
{
    __wasi_subscription_t s[2];
    memset(s, 0, sizeof s);
    s[0].userdata = 11;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = 0;
    s[1].userdata = 22;
    s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].u.u.clock.timeout = 5000000000ull;
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(s, ev, 2, &n);
    printf("poll: e=%d n=%lu ud=%llu type=%d nbytes=%llu\n", e, (unsigned long)n,
           (unsigned long long)ev[0].userdata, ev[0].type,
           (unsigned long long)ev[0].fd_readwrite.nbytes);
    /* An absolute realtime clock already in the past fires at once. */
    s[0] = s[1];
    s[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
    s[0].u.u.clock.timeout = 1;
    s[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    e = __wasi_poll_oneoff(s, ev, 1, &n);
    printf("poll.abs: e=%d n=%lu ud=%llu err=%d\n", e, (unsigned long)n,
           (unsigned long long)ev[0].userdata, ev[0].error);
    printf("poll.zero: %d\n", __wasi_poll_oneoff(s, ev, 0, &n));
}

#define BAD ((uintptr_t)0xfffffff0u)

/* Bad pointers and lengths: each raw call must fail with EFAULT (21). */
static void cmd_fault(void)
{
    __wasi_size_t n;
    __wasi_ciovec_t iov = { (const uint8_t *)BAD, 64 };
    printf("fault.iovs: %d\n", __wasi_fd_write(1, (const __wasi_ciovec_t *)BAD, 1, &n));
    printf("fault.buf: %d\n", __wasi_fd_write(1, &iov, 1, &n));
    printf("fault.count: %d\n", __wasi_fd_write(1, &iov, 0x7fffffff, &n));
    printf("fault.nwritten: %d\n", __wasi_fd_write(1, &iov, 0, (__wasi_size_t *)BAD));
    printf("fault.args: %d\n", __wasi_args_get((uint8_t **)BAD, (uint8_t *)BAD));
    printf("fault.random: %d\n", __wasi_random_get((uint8_t *)BAD, 100));
    __wasi_fd_t fd;
    int32_t fdp = (int32_t)(uintptr_t)&fd;
    printf("fault.path: %d\n", raw_path_open(3, 0, (int32_t)BAD, 10, 0, 0, 0, 0, fdp));
    int32_t x = (int32_t)(uintptr_t)"x", dot = (int32_t)(uintptr_t)".";
    printf("fault.pathlen: %d\n", raw_path_open(3, 0, x, -1, 0, 0, 0, 0, fdp));
    printf("fault.fdout: %d\n", raw_path_open(3, 0, dot, 1, 0, 0, 0, 0, (int32_t)BAD));
    printf("fault.nul: %d\n", raw_path_open(3, 0, (int32_t)(uintptr_t)"a\0b", 3, 0, 0, 0, 0, fdp));
    int32_t bad_utf8 = (int32_t)(uintptr_t)"\xff\xfe";
    printf("fault.utf8: %d\n", raw_path_open(3, 0, bad_utf8, 2, 0, 0, 0, 0, fdp));
    printf("fault.readdir: %d\n", __wasi_fd_readdir(3, (uint8_t *)BAD, 4096, 0, &n));
    printf("fault.poll: %d\n",
           __wasi_poll_oneoff((const __wasi_subscription_t *)BAD, (__wasi_event_t *)BAD, 1, &n));
    printf("fault.fdstat: %d\n", __wasi_fd_fdstat_get(1, (__wasi_fdstat_t *)BAD));
    printf("fault.badfd: %d\n", __wasi_fd_write(77, &iov, 0, &n));
}

/* The calls that are never granted. */
static void cmd_denied(void)
{
    __wasi_fd_t fd;
    printf("denied.sock_accept: %d\n", __wasi_sock_accept(0, 0, &fd));
    printf("denied.proc_raise: %d\n", raw_proc_raise(2));
    printf("denied.fd3: %d\n", __wasi_path_open(3, 0, "x", 0, 0, 0, 0, &fd));
}

/* path_open straight on a descriptor, with whatever path. */
static void cmd_raw_open(const char *fdstr, const char *path, int follow)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open((__wasi_fd_t)atoi(fdstr), follow ? 1 : 0, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    raw("raw_open", e);
    if (!e)
        printf("raw_close: %d\n", __wasi_fd_close(fd));
}

/* Open two files, move the first over the second, read through the second. */
static void cmd_renumber(const char *p1, const char *p2)
{
    int a = open(p1, O_RDONLY), b = open(p2, O_RDONLY);
    if (report("renumber.open", a < 0 || b < 0 ? -1 : 0) < 0)
        return;
    printf("renumber: %d\n", __wasi_fd_renumber((__wasi_fd_t)a, (__wasi_fd_t)b));
    char buf[64] = {0};
    ssize_t n = read(b, buf, sizeof buf - 1);
    printf("renumber.read: %zd %s\n", n, buf);
    printf("renumber.old: %d\n", __wasi_fd_close((__wasi_fd_t)a));
    close(b);
}

/* fd_readdir straight on a descriptor with a tiny buffer, the way wasi-libc
** does it: entries cut at the end of the buffer are asked for again from
** the cookie of the last whole entry. Prints the names in order. */
static void cmd_raw_readdir(const char *fdstr)
{
    uint8_t buf[40];
    __wasi_dircookie_t cookie = 0;
    int n = 0, calls = 0;
    printf("raw_readdir:");
    for (;;) {
        __wasi_size_t used;
        __wasi_errno_t e =
            __wasi_fd_readdir((__wasi_fd_t)atoi(fdstr), buf, sizeof buf, cookie, &used);
        calls++;
        if (e) {
            printf(" errno=%d\n", e);
            return;
        }
        size_t off = 0;
        bool cut = false;
        while (off < used) {
            __wasi_dirent_t de;
            if (used - off < sizeof de) {
                cut = true;
                break;
            }
            memcpy(&de, buf + off, sizeof de);
            if (used - off - sizeof de < de.d_namlen) {
                cut = true;
                break;
            }
            const char *name = (const char *)buf + off + sizeof de;
            bool dots = (de.d_namlen == 1 && name[0] == '.') ||
                        (de.d_namlen == 2 && !memcmp(name, "..", 2));
            if (!dots) {
                printf(" %.*s", (int)de.d_namlen, name);
                n++;
            }
            cookie = de.d_next;
            off += sizeof de + de.d_namlen;
        }
        if (used < sizeof buf && !cut)
            break;
        if (calls > 1000)
            break;
    }
    printf(" (%d)\n", n);
}

/* Open one file until the table is full: how many, and the errno then. */
static void cmd_many(const char *path)
{
    int fds[400], n = 0, err = 0;
    while (n < 400) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            err = errno;
            break;
        }
        fds[n++] = fd;
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    int again = open(path, O_RDONLY);
    printf("many: %d errno=%d again=%d\n", n, err, again >= 0);
    if (again >= 0)
        close(again);
}

/* ---- chaos: every call with hostile arguments -------------------------------------------- */

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef int32_t I;
typedef int64_t L;
IMPORT(args_get) I x_args_get(I, I);
IMPORT(args_sizes_get) I x_args_sizes_get(I, I);
IMPORT(environ_get) I x_environ_get(I, I);
IMPORT(environ_sizes_get) I x_environ_sizes_get(I, I);
IMPORT(clock_res_get) I x_clock_res_get(I, I);
IMPORT(clock_time_get) I x_clock_time_get(I, L, I);
IMPORT(random_get) I x_random_get(I, I);
IMPORT(fd_advise) I x_fd_advise(I, L, L, I);
IMPORT(fd_allocate) I x_fd_allocate(I, L, L);
IMPORT(fd_close) I x_fd_close(I);
IMPORT(fd_datasync) I x_fd_datasync(I);
IMPORT(fd_fdstat_get) I x_fd_fdstat_get(I, I);
IMPORT(fd_fdstat_set_flags) I x_fd_fdstat_set_flags(I, I);
IMPORT(fd_fdstat_set_rights) I x_fd_fdstat_set_rights(I, L, L);
IMPORT(fd_filestat_get) I x_fd_filestat_get(I, I);
IMPORT(fd_filestat_set_size) I x_fd_filestat_set_size(I, L);
IMPORT(fd_filestat_set_times) I x_fd_filestat_set_times(I, L, L, I);
IMPORT(fd_pread) I x_fd_pread(I, I, I, L, I);
IMPORT(fd_prestat_get) I x_fd_prestat_get(I, I);
IMPORT(fd_prestat_dir_name) I x_fd_prestat_dir_name(I, I, I);
IMPORT(fd_pwrite) I x_fd_pwrite(I, I, I, L, I);
IMPORT(fd_read) I x_fd_read(I, I, I, I);
IMPORT(fd_readdir) I x_fd_readdir(I, I, I, L, I);
IMPORT(fd_renumber) I x_fd_renumber(I, I);
IMPORT(fd_seek) I x_fd_seek(I, L, I, I);
IMPORT(fd_sync) I x_fd_sync(I);
IMPORT(fd_tell) I x_fd_tell(I, I);
IMPORT(fd_write) I x_fd_write(I, I, I, I);
IMPORT(path_create_directory) I x_path_create_directory(I, I, I);
IMPORT(path_filestat_get) I x_path_filestat_get(I, I, I, I, I);
IMPORT(path_filestat_set_times) I x_path_filestat_set_times(I, I, I, I, L, L, I);
IMPORT(path_link) I x_path_link(I, I, I, I, I, I, I);
IMPORT(path_open) I x_path_open(I, I, I, I, I, L, L, I, I);
IMPORT(path_readlink) I x_path_readlink(I, I, I, I, I, I);
IMPORT(path_remove_directory) I x_path_remove_directory(I, I, I);
IMPORT(path_rename) I x_path_rename(I, I, I, I, I, I);
IMPORT(path_symlink) I x_path_symlink(I, I, I, I, I);
IMPORT(path_unlink_file) I x_path_unlink_file(I, I, I);
IMPORT(sock_recv) I x_sock_recv(I, I, I, I, I, I);
IMPORT(sock_send) I x_sock_send(I, I, I, I, I);
IMPORT(sock_shutdown) I x_sock_shutdown(I, I);

static uint64_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* What the host may write into: scratch (pointers stay in its first half,
** lengths are at most 4096), and the last page of memory, grown for this and
** never used by malloc (nothing allocates during the chaos). */
static uint8_t scratch[65536];
static uint32_t mem_end;
static const char *const names[] = { "a", "sub", "sub/f.txt", "..", "../x", "abs", "rel_out",
                                     "dirup", "dirup/outside", "ok", "loop", "new", "new/deeper",
                                     "sub/up2", ".", "x/../../y", "sub/../sub/./up", "dir/a",
                                     "in.txt", "" };

/* A pointer: often valid, sometimes at or past the end of memory. */
static I p(void)
{
    switch (rnd() % 6) {
    case 0: return (I)(mem_end - 65536 + rnd() % 1024);
    case 1: return (I)(mem_end - rnd() % 16);
    case 2: return (I)(mem_end + rnd() % 64);
    case 3: return (I)0xfffffff0u;
    default: return (I)(uintptr_t)(scratch + rnd() % 32768);
    }
}
static I n(void)
{
    switch (rnd() % 5) {
    case 0: return 0;
    case 1: return (I)0xffffffffu;
    case 2: return (I)(rnd() % 4096);
    default: return (I)(rnd() % 64);
    }
}
static I f(void) { return rnd() % 8 == 0 ? (I)rnd() : (I)(3 + rnd() % 6); }
static L big(void)
{
    return rnd() % 2 ? (L)(rnd() % 100000) : (L)(((uint64_t)rnd() << 32) | rnd());
}

/* A path argument pair: a real name (with its length) or garbage. */
static void path(I *ptr, I *len)
{
    if (rnd() % 4) {
        const char *s = names[rnd() % (sizeof names / sizeof names[0])];
        *ptr = (I)(uintptr_t)s;
        *len = (I)strlen(s);
    } else {
        *ptr = p();
        *len = n();
    }
}

/* Fill scratch with iovecs that mostly point into scratch itself. */
static void iovs(void)
{
    for (int i = 0; i < 16; i++) {
        uint32_t base = rnd() % 3 ? (uint32_t)(uintptr_t)(scratch + 1024 + rnd() % 2048)
                                  : (uint32_t)p();
        uint32_t len = rnd() % 3 ? rnd() % 512 : (uint32_t)n();
        memcpy(scratch + 8 * i, &base, 4);
        memcpy(scratch + 8 * i + 4, &len, 4);
    }
}

static int chaos_one(void)
{
    I a, b, c2, d;
    I sc = (I)(uintptr_t)scratch, out = (I)(uintptr_t)(scratch + 3000);
    switch (rnd() % 40) {
    case 0: return x_args_get(p(), p());
    case 1: return x_args_sizes_get(p(), p());
    case 2: return x_environ_get(p(), p());
    case 3: return x_environ_sizes_get(p(), p());
    case 4: return x_clock_res_get((I)(rnd() % 6), p());
    case 5: return x_clock_time_get((I)(rnd() % 6), big(), p());
    case 6: return x_random_get(p(), n());
    case 7: return x_fd_advise(f(), big(), big(), (I)(rnd() % 8));
    case 8: return x_fd_allocate(f(), big() % 65536, big() % 65536);
    case 9: return x_fd_close(f());
    case 10: return x_fd_datasync(f());
    case 11: return x_fd_fdstat_get(f(), p());
    case 12: return x_fd_fdstat_set_flags(f(), (I)(rnd() % 40));
    case 13: return x_fd_fdstat_set_rights(f(), big(), big());
    case 14: return x_fd_filestat_get(f(), p());
    case 15: return x_fd_filestat_set_size(f(), big() % 100000);
    case 16: return x_fd_filestat_set_times(f(), big(), big(), (I)(rnd() % 20));
    case 17: iovs(); return x_fd_pread(f(), rnd() % 2 ? sc : p(), n() % 20, big(), p());
    case 18: return x_fd_prestat_get(f(), p());
    case 19: return x_fd_prestat_dir_name(f(), p(), n());
    case 20: iovs(); return x_fd_pwrite(f(), rnd() % 2 ? sc : p(), n() % 20, big() % 100000, p());
    case 21: iovs(); return x_fd_read(f(), rnd() % 2 ? sc : p(), n() % 20, p());
    case 22: return x_fd_readdir(f(), p(), n(), big() % 50, p());
    case 23: return x_fd_renumber(f(), f());
    case 24: return x_fd_seek(f(), big(), (I)(rnd() % 4), p());
    case 25: return x_fd_sync(f());
    case 26: return x_fd_tell(f(), p());
    case 27: iovs(); return x_fd_write(f(), rnd() % 2 ? sc : p(), n() % 20, p());
    case 28: path(&a, &b); return x_path_create_directory(f(), a, b);
    case 29: path(&a, &b); return x_path_filestat_get(f(), (I)(rnd() % 3), a, b, p());
    case 30:
        path(&a, &b);
        return x_path_filestat_set_times(f(), (I)(rnd() % 3), a, b, big(), big(), (I)(rnd() % 16));
    case 31: path(&a, &b); path(&c2, &d); return x_path_link(f(), (I)(rnd() % 3), a, b, f(), c2, d);
    case 32: {
        path(&a, &b);
        I r = x_path_open(f(), (I)(rnd() % 3), a, b, (I)(rnd() % 18), big(), big(), (I)(rnd() % 34),
                          rnd() % 4 ? out : p());
        if (r == 0 && rnd() % 2) {
            uint32_t fd;
            memcpy(&fd, scratch + 3000, 4);
            x_fd_close((I)fd);
        }
        return r;
    }
    case 33: path(&a, &b); return x_path_readlink(f(), a, b, p(), n(), p());
    case 34: path(&a, &b); return x_path_remove_directory(f(), a, b);
    case 35: path(&a, &b); path(&c2, &d); return x_path_rename(f(), a, b, f(), c2, d);
    case 36: path(&a, &b); path(&c2, &d); return x_path_symlink(a, b, f(), c2, d);
    case 37: path(&a, &b); return x_path_unlink_file(f(), a, b);
    case 38: return x_sock_recv(f(), p(), n(), 0, p(), p());
    default: return rnd() % 2 ? x_sock_send(f(), p(), n(), 0, p()) : x_sock_shutdown(f(), 3);
    }
}

static void cmd_chaos(const char *seed, const char *count)
{
    rng = (uint64_t)strtoull(seed, NULL, 10) * 2654435761u + 1;
    fflush(stdout);
    __builtin_wasm_memory_grow(0, 1);
    mem_end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    long runs = atol(count), ok = 0;
    unsigned seen[128] = {0};
    for (long i = 0; i < runs; i++) {
        int e = chaos_one();
        ok += e == 0;
        if (e >= 0 && e < 128)
            seen[e]++;
        else
            printf("chaos: impossible errno %d\n", e);
    }
    printf("chaos: done %ld ok=%ld efault=%u\n", runs, ok, seen[21]);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static int run(int argc, char **argv)
{
    const char *c = argv[0];
    const char *a1 = argc > 1 ? argv[1] : "", *a2 = argc > 2 ? argv[2] : "";
    if (!strcmp(c, "env")) cmd_env();
    else if (!strcmp(c, "stdio")) cmd_stdio();
    else if (!strcmp(c, "cat")) cmd_cat(a1);
    else if (!strcmp(c, "write")) cmd_write(a1, a2, "w");
    else if (!strcmp(c, "append")) cmd_write(a1, a2, "a");
    else if (!strcmp(c, "openw")) cmd_openw(a1);
    else if (!strcmp(c, "ls")) cmd_ls(a1);
    else if (!strcmp(c, "count")) cmd_count(a1);
    else if (!strcmp(c, "stat")) cmd_stat(a1);
    else if (!strcmp(c, "mkdir")) report("mkdir", mkdir(a1, 0755));
    else if (!strcmp(c, "rmdir")) report("rmdir", rmdir(a1));
    else if (!strcmp(c, "unlink")) report("unlink", unlink(a1));
    else if (!strcmp(c, "rename")) report("rename", rename(a1, a2));
    else if (!strcmp(c, "symlink")) report("symlink", symlink(a1, a2));
    else if (!strcmp(c, "link")) report("link", link(a1, a2));
    else if (!strcmp(c, "truncate")) report("truncate", truncate(a1, atoi(a2)));
    else if (!strcmp(c, "utimes")) report("utimes", utimensat(AT_FDCWD, a1, NULL, 0));
    else if (!strcmp(c, "readlink")) cmd_readlink(a1);
    else if (!strcmp(c, "fileops")) cmd_fileops(a1);
    else if (!strcmp(c, "rights")) cmd_rights(atoi(a1));
    else if (!strcmp(c, "clock")) cmd_clock();
    else if (!strcmp(c, "random")) cmd_random();
    else if (!strcmp(c, "sleep")) cmd_sleep(a1);
    else if (!strcmp(c, "poll")) cmd_poll();
    else if (!strcmp(c, "fault")) cmd_fault();
    else if (!strcmp(c, "denied")) cmd_denied();
    else if (!strcmp(c, "renumber")) cmd_renumber(a1, a2);
    else if (!strcmp(c, "raw_readdir")) cmd_raw_readdir(a1);
    else if (!strcmp(c, "many")) cmd_many(a1);
    else if (!strcmp(c, "chaos")) cmd_chaos(a1, a2);
    else if (!strcmp(c, "raw_open")) cmd_raw_open(a1, a2, 0);
    else if (!strcmp(c, "raw_open_follow")) cmd_raw_open(a1, a2, 1);
    else if (!strcmp(c, "spin")) for (volatile unsigned i = 0;; i++) (void)i;
    else if (!strcmp(c, "exit")) exit(atoi(a1));
    else if (!strcmp(c, "ret")) return atoi(a1);
    else printf("unknown command %s\n", c);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "args")) {
        cmd_args(argc, argv);
        return 0;
    }
    for (int i = 1; i < argc;) {
        int j = i;
        while (j < argc && strcmp(argv[j], "+"))
            j++;
        int rc = run(j - i, argv + i);
        if (rc)
            return rc;
        i = j + 1;
    }
    return 0;
}
