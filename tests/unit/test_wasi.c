/*
** test_wasi.c — WASI preview 1 (wasm/wasi/wasi.h) with real WASI programs.
**
** tests/data/wasi/probe.c, compiled at build time with clang-19 and
** wasi-libc (programs.cmake), runs one or more commands given as
** arguments and prints what it saw; each test instantiates it with the
** engine and plwasi_link, calls _start and checks the output, the exit
** code and the host file system. Every test gets a fresh temporary tree:
**   TMP/sandbox/        the read-write preopen "/data"
**     in.txt sub/f.txt dir/{a,b,c} and symlinks (see make_tree)
**   TMP/ro/             a read-only preopen "/ro" (in.txt, sub/)
**   TMP/outside/secret.txt   what no path may reach
** wasi-libc's errno values are WASI's: ENOTCAPABLE 76, ENOENT 44, ELOOP 32,
** EFAULT 21, EINVAL 28, EBADF 8, EILSEQ 25, ENOSYS 52.
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasm/wasi/wasi.h"
#include "wasm/wasm.h"

/* ---- the temporary tree ------------------------------------------------------------------ */

static char tmp[256], sandbox[300], ro[300], outside[300];

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static char *host_file(const char *dir, const char *name)
{
    char path[600], *data = NULL;
    size_t len;
    pl_err e;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (plu_read_file(path, &data, &len, &e) != PL_OK)
        return NULL;
    return data;
}

static bool host_exists(const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

static void link_in(const char *dir, const char *name, const char *target)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
}

static void make_tree(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/plwasi-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(sandbox, sizeof sandbox, "%s/sandbox", tmp);
    snprintf(ro, sizeof ro, "%s/ro", tmp);
    snprintf(outside, sizeof outside, "%s/outside", tmp);
    const char *dirs[] = { sandbox, ro, outside };
    for (int i = 0; i < 3; i++)
        cr_assert_eq(mkdir(dirs[i], 0755), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/sub", sandbox);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/dir", sandbox);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub", ro);
    mkdir(p, 0755);
    put_file(sandbox, "in.txt", "inside");
    put_file(sandbox, "sub/f.txt", "deeper");
    put_file(sandbox, "dir/a", "");
    put_file(sandbox, "dir/b", "");
    put_file(sandbox, "dir/c", "");
    put_file(ro, "in.txt", "read only");
    put_file(outside, "secret.txt", "SECRET");
    char secret[600];
    snprintf(secret, sizeof secret, "%s/secret.txt", outside);
    link_in(sandbox, "abs", secret);                        /* absolute: refused */
    link_in(sandbox, "rel_out", "../outside/secret.txt");   /* climbs out: refused */
    link_in(sandbox, "dirup", "..");                        /* the parent of the root */
    link_in(sandbox, "ok", "sub/f.txt");                    /* stays inside */
    link_in(sandbox, "loop", "loop");
    link_in(sandbox, "sub/up", "../in.txt");                /* inside, through .. */
    link_in(sandbox, "sub/up2", "../../outside/secret.txt");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(void)
{
    if (tmp[0])
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(wasi, .init = make_tree, .fini = remove_tree, .timeout = 60);

#ifdef PL_WASI_PROGRAMS

/* ---- running the probe ------------------------------------------------------------------- */

typedef struct run_spec {
    const char *const *args;      /* after "probe", NULL-terminated */
    const char *const *env;       /* NULL-terminated, or NULL */
    bool rw, ro;                  /* preopen sandbox as /data, ro as /ro */
    const char *in;               /* stdin */
    bool discard;                 /* no output callback */
    bool no_state;                /* get() returns NULL */
    uint64_t timeout_ns;
} run_spec;

typedef struct run_result {
    pl_status st;
    plw_trap_kind trap;
    int32_t exit_code;
    char *out, *err;
    char msg[PL_ERR_MSG_MAX];
    uint32_t fds_left;            /* open in the plwasi after the call */
    uint32_t fds_start;
    double ms;
} run_result;

typedef struct capture {
    plu_buf out, err;
} capture;

static void on_output(void *user, int fd, const char *data, size_t len)
{
    capture *c = user;
    cr_assert(fd == 1 || fd == 2);
    cr_assert_eq(plu_buf_append(fd == 1 ? &c->out : &c->err, data, len), 0);
}

static plwasi *get_state(plw_instance *inst) { return plw_instance_data(inst); }
static plwasi *get_none(plw_instance *inst)
{
    (void)inst;
    return NULL;
}

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static plw_module *probe_module(void)
{
    char *bytes = NULL;
    size_t len;
    pl_err e;
    plw_module *m = NULL;
    cr_assert_eq(plu_read_file(PL_WASI_PROGRAMS "/probe.wasm", &bytes, &len, &e), PL_OK, "%s",
                 e.msg);
    cr_assert_eq(plw_module_load((uint8_t *)bytes, len, "probe.wasm", &m, &e), PL_OK, "%s", e.msg);
    plu_free(bytes);
    return m;
}

static void make_config(const run_spec *s, plwasi_config *cfg, const char **argv,
                        plwasi_preopen *pre, capture *cap)
{
    size_t n = count(s->args);
    argv[0] = "probe";
    memcpy(argv + 1, s->args, n * sizeof *argv);
    size_t np = 0;
    if (s->rw)
        pre[np++] = (plwasi_preopen){ sandbox, "/data", false };
    if (s->ro)
        pre[np++] = (plwasi_preopen){ ro, "/ro", true };
    *cfg = (plwasi_config){ .args = argv, .n_args = n + 1, .env = s->env, .n_env = count(s->env),
                            .preopens = pre, .n_preopens = np,
                            .output = s->discard ? NULL : on_output, .output_user = cap,
                            .stdin_data = (const uint8_t *)s->in,
                            .stdin_len = s->in ? strlen(s->in) : 0 };
}

static run_result run(const run_spec *s)
{
    run_result r;
    memset(&r, 0, sizeof r);
    const char *argv[64];
    plwasi_preopen pre[2];
    plwasi_config cfg;
    capture cap;
    plu_buf_init(&cap.out);
    plu_buf_init(&cap.err);
    cr_assert_lt(count(s->args), 63);
    make_config(s, &cfg, argv, pre, &cap);

    pl_err e;
    plu_err_clear(&e);
    plw_module *m = probe_module();
    plw_linker *l = NULL;
    cr_assert_eq(plw_linker_new(&l), PL_OK);
    cr_assert_eq(plwasi_link(l, s->no_state ? get_none : get_state, &e), PL_OK, "%s", e.msg);
    plwasi *w = NULL;
    cr_assert_eq(plwasi_new(&cfg, &w, &e), PL_OK, "%s", e.msg);
    r.fds_start = plwasi_open_fds(w);
    plw_instance *inst = NULL;
    cr_assert_eq(plw_instantiate(m, l, NULL, &inst, &e), PL_OK, "%s", e.msg);
    plw_instance_set_data(inst, w);
    const plw_func *start = plw_instance_func(inst, "_start");
    cr_assert_not_null(start);
    plw_call_opts opts = { .timeout_ns = s->timeout_ns };
    plw_call_info info;
    double t0 = now_ms();
    r.st = plw_call(inst, start, NULL, NULL, &opts, &info, &e);
    r.ms = now_ms() - t0;
    r.trap = info.trap;
    r.exit_code = info.exit_code;
    snprintf(r.msg, sizeof r.msg, "%s", e.msg);
    r.fds_left = plwasi_open_fds(w);
    plw_instance_free(inst);
    plwasi_free(w);
    plw_linker_free(l);
    plw_module_free(m);
    r.out = plu_buf_take(&cap.out);
    r.err = plu_buf_take(&cap.err);
    return r;
}

static void done(run_result *r)
{
    plu_free(r->out);
    plu_free(r->err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Run and expect a normal return from _start. */
static run_result run_ok(const run_spec *s)
{
    run_result r = run(s);
    cr_assert_eq(r.st, PL_OK, "status %d: %s\nstdout:\n%s", r.st, r.msg, r.out);
    return r;
}

#define EXPECT_LINE(r, line) \
    cr_expect_not_null(strstr((r).out, line "\n"), "missing '%s' in:\n%s", line, (r).out)

/* ---- args, environment, stdio ------------------------------------------------------------ */

Test(wasi, args_as_given)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("args", "hello world", "", "\xc3\xbc") });
    cr_expect_str_eq(r.out,
                     "arg[0]=probe\narg[1]=args\narg[2]=hello world\narg[3]=\narg[4]=\xc3\xbc\n");
    done(&r);
}

Test(wasi, only_granted_env)
{
    setenv("HOME", "/home/host-user", 1);
    setenv("PLINTH_SECRET", "host only", 1);
    run_result r = run_ok(&(run_spec){ .args = ARGS("env"),
                                       .env = ARGS("PLINTH_A=1", "B=two words", "EMPTY=") });
    cr_expect_str_eq(r.out, "env=PLINTH_A=1\nenv=B=two words\nenv=EMPTY=\nHOME=unset\n");
    done(&r);
    r = run_ok(&(run_spec){ .args = ARGS("env") });
    cr_expect_str_eq(r.out, "HOME=unset\n");
    done(&r);
}

Test(wasi, stdout_stderr_stdin)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("stdio"), .in = "abc" });
    cr_expect_str_eq(r.out, "to stdout\nstdin=abc|len=3|eof=1\n");
    cr_expect_str_eq(r.err, "to stderr\n");
    done(&r);
    r = run_ok(&(run_spec){ .args = ARGS("stdio") });
    cr_expect_str_eq(r.out, "to stdout\nstdin=|len=0|eof=1\n");
    done(&r);
}

Test(wasi, output_discarded)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("stdio"), .discard = true });
    cr_expect_str_eq(r.out, "");
    cr_expect_str_eq(r.err, "");
    done(&r);
}

/* ---- exit codes -------------------------------------------------------------------------- */

static void expect_exit(const char *how, const char *code, int32_t want)
{
    run_result r = run(&(run_spec){ .args = ARGS(how, code) });
    cr_expect_eq(r.st, PL_E_TRAP, "%s %s: status %d: %s", how, code, r.st, r.msg);
    cr_expect_eq(r.trap, PLW_TRAP_EXIT, "%s %s: trap %d", how, code, r.trap);
    cr_expect_eq(r.exit_code, want, "%s %s: exit code %d", how, code, r.exit_code);
    done(&r);
}

Test(wasi, proc_exit_codes)
{
    expect_exit("exit", "0", 0);
    expect_exit("exit", "3", 3);
    expect_exit("ret", "5", 5);   /* main's return value goes through proc_exit */
    run_result r = run_ok(&(run_spec){ .args = ARGS("ret", "0") });
    done(&r);
}

Test(wasi, no_state_is_not_a_crash)
{
    /* args_sizes_get fails with ENOTCAPABLE; wasi-libc then exits with EX_OSERR (71). */
    run_result r = run(&(run_spec){ .args = ARGS("args"), .no_state = true });
    cr_expect_eq(r.trap, PLW_TRAP_EXIT, "status %d: %s", r.st, r.msg);
    cr_expect_eq(r.exit_code, 71);
    done(&r);
}

/* ---- files ------------------------------------------------------------------------------- */

Test(wasi, files_inside_preopen)
{
    run_result r = run_ok(&(run_spec){
        .rw = true,
        .args = ARGS("cat", "/data/in.txt", "+", "write", "/data/new.txt", "hello", "+", "cat",
                     "/data/new.txt", "+", "append", "/data/new.txt", " again", "+", "mkdir",
                     "/data/d", "+", "write", "/data/d/x", "y", "+", "rename", "/data/d/x",
                     "/data/d/z", "+", "ls", "/data/d", "+", "stat", "/data/sub", "+", "stat",
                     "/data/in.txt", "+", "link", "/data/in.txt", "/data/hard", "+", "cat",
                     "/data/hard", "+", "truncate", "/data/hard", "2", "+", "utimes",
                     "/data/in.txt", "+", "cat", "/data/sub/../in.txt") });
    const char *want = "cat: ok inside\nwrite: ok\ncat: ok hello\nwrite: ok\nmkdir: ok\nwrite: ok\n"
                       "rename: ok\nls: ok 1 z\nstat: ok\nstat: dir\nstat: ok\n"
                       "stat: file size=6\nlink: ok\ncat: ok inside\ntruncate: ok\nutimes: ok\n"
                       "cat: ok in\n";
    cr_expect_str_eq(r.out, want);
    char *data = host_file(sandbox, "new.txt");
    cr_expect_str_eq(data, "hello again");
    plu_free(data);
    data = host_file(sandbox, "d/z");
    cr_expect_str_eq(data, "y");
    plu_free(data);
    cr_expect_eq(r.fds_left, r.fds_start, "descriptors left open: %u", r.fds_left - r.fds_start);
    done(&r);

    r = run_ok(&(run_spec){ .rw = true,
                            .args = ARGS("unlink", "/data/d/z", "+", "rmdir", "/data/d", "+",
                                         "rmdir", "/data/sub", "+", "unlink", "/data/sub", "+",
                                         "cat", "/data/nope") });
    cr_expect_str_eq(r.out,
                     "unlink: ok\nrmdir: ok\nrmdir: errno=55\nunlink: errno=31\ncat: errno=44\n");
    cr_expect(!host_exists(sandbox, "d"));
    done(&r);
}

Test(wasi, file_descriptor_calls)
{
    run_result r = run_ok(&(run_spec){ .rw = true, .args = ARGS("fileops", "/data/ops.bin") });
    cr_expect_str_eq(r.out,
                     "fileops.open: ok\nfileops.write: ok\nfileops.tell: 10\nfileops.seek: 2\n"
                     "fileops.read: 3 234\nfileops.pread: 4 6789\nfileops.pwrite: 2\n"
                     "fileops.ftruncate: ok\nfileops.fstat: ok\nfileops.size: 5\n"
                     "fileops.futimens: ok\nfileops.mtime: 1200000000\nfileops.fsync: ok\n"
                     "fileops.fdatasync: ok\nfileops.fallocate: 0\nfileops.fadvise: 0\n"
                     "fileops.setfl: ok\nfileops.append: 1\nfileops.close: ok\n"
                     "fileops.content: 100 AB234\n");
    done(&r);
    r = run_ok(&(run_spec){ .rw = true,
                            .args = ARGS("renumber", "/data/in.txt", "/data/sub/f.txt") });
    cr_expect_str_eq(r.out,
                     "renumber.open: ok\nrenumber: 0\nrenumber.read: 6 inside\nrenumber.old: 8\n");
    cr_expect_eq(r.fds_left, r.fds_start);
    done(&r);
}

Test(wasi, readdir_listing)
{
    run_result r = run_ok(&(run_spec){ .rw = true,
                                       .args = ARGS("ls", "/data/dir", "+", "ls", "/data/sub") });
    cr_expect_str_eq(r.out, "ls: ok 3 a b c\nls: ok 3 f.txt up up2\n");
    done(&r);
    /* Many long names: several fd_readdir calls, entries cut at buffer ends. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/big", sandbox);
    cr_assert_eq(mkdir(dir, 0755), 0);
    for (int i = 0; i < 300; i++) {
        char name[128];
        snprintf(name, sizeof name, "file-with-a-rather-long-name-%04d", i);
        put_file(dir, name, "");
    }
    r = run_ok(&(run_spec){ .rw = true, .args = ARGS("count", "/data/big") });
    cr_expect_str_eq(r.out, "count: ok 300 sum=44850 dots=2\n");
    done(&r);
}

Test(wasi, readdir_small_buffer_on_preopen)
{
    /* On the O_PATH preopen itself, 40 bytes at a time: nearly every entry
    ** is cut and asked for again. Host order is not sorted, so sort here. */
    run_result r = run_ok(&(run_spec){ .rw = true, .args = ARGS("raw_readdir", "3") });
    const char *want[] = { "abs", "dir", "dirup", "in.txt", "loop", "ok", "rel_out", "sub" };
    cr_assert_not_null(strstr(r.out, " (8)\n"), "%s", r.out);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char word[32];
        snprintf(word, sizeof word, " %s ", want[i]);
        char *line = plu_strdup(r.out);
        char *nl = strstr(line, " (8)");
        nl[1] = '\0';                   /* keep the trailing space after the last name */
        cr_expect_not_null(strstr(line, word), "'%s' missing in %s", want[i], r.out);
        plu_free(line);
    }
    done(&r);
}

Test(wasi, descriptor_table_is_bounded)
{
    run_result r = run_ok(&(run_spec){ .rw = true, .args = ARGS("many", "/data/in.txt") });
    /* PLWASI_MAX_FDS minus stdio and the one preopen; then EMFILE (33). */
    char want[64];
    snprintf(want, sizeof want, "many: %u errno=33 again=1\n", PLWASI_MAX_FDS - 4);
    cr_expect_str_eq(r.out, want);
    cr_expect_eq(r.fds_left, r.fds_start);
    done(&r);
}

Test(wasi, read_only_preopen)
{
    run_result r = run_ok(&(run_spec){
        .rw = true, .ro = true,
        .args = ARGS("cat", "/ro/in.txt", "+", "ls", "/ro", "+", "stat", "/ro/in.txt", "+",
                     "write", "/ro/new", "x", "+", "append", "/ro/in.txt", "x", "+", "write",
                     "/ro/in.txt", "x", "+", "mkdir", "/ro/d", "+", "unlink", "/ro/in.txt", "+",
                     "rmdir", "/ro/sub", "+", "rename", "/ro/in.txt", "/ro/x", "+", "rename",
                     "/ro/in.txt", "/data/stolen", "+", "link", "/ro/in.txt", "/data/hard", "+",
                     "symlink", "in.txt", "/ro/l", "+", "truncate", "/ro/in.txt", "0", "+",
                     "utimes", "/ro/in.txt", "+", "openw", "/ro/in.txt") });
    const char *want = "cat: ok read only\nls: ok 2 in.txt sub\nstat: ok\nstat: file size=9\n"
                       "write: errno=76\nwrite: errno=76\nwrite: errno=76\nmkdir: errno=76\n"
                       "unlink: errno=76\nrmdir: errno=76\nrename: errno=76\nrename: errno=76\n"
                       "link: errno=76\nsymlink: errno=76\ntruncate: errno=76\nutimes: errno=76\n";
    cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "got:\n%s", r.out);
    /* wasi-libc asks for write access only when the directory passes it on,
    ** so the open succeeds read-only and the write fails (fd_write says
    ** ENOTCAPABLE, which wasi-libc's write() reports as EBADF). */
    cr_expect_str_eq(r.out + strlen(want), "openw: ok\nopenw.write: errno=8\n");
    char *data = host_file(ro, "in.txt");
    cr_expect_str_eq(data, "read only");
    plu_free(data);
    cr_expect(!host_exists(ro, "new") && !host_exists(ro, "d") && !host_exists(ro, "x") &&
              !host_exists(ro, "l") && host_exists(ro, "sub"));
    cr_expect(!host_exists(sandbox, "stolen") && !host_exists(sandbox, "hard"));
    done(&r);
}

Test(wasi, preopen_rights)
{
    run_result r = run_ok(&(run_spec){ .rw = true, .ro = true,
                                       .args = ARGS("rights", "3", "+", "rights", "4") });
    unsigned t1, t2;
    unsigned long long b1, i1, b2, i2;
    const char *p = strstr(r.out, "rights: type");
    cr_assert_not_null(p, "%s", r.out);
    cr_assert_eq(sscanf(p, "rights: type=%u base=%llx inh=%llx", &t1, &b1, &i1), 3);
    p = strstr(p + 1, "rights: type");
    cr_assert_not_null(p, "%s", r.out);
    cr_assert_eq(sscanf(p, "rights: type=%u base=%llx inh=%llx", &t2, &b2, &i2), 3);
    const unsigned long long fd_write = 1u << 6, create_file = 1u << 10, open = 1u << 13,
                             readdir = 1u << 14, fd_read = 1u << 1;
    cr_expect_eq(t1, 3);
    cr_expect_eq(t2, 3);
    cr_expect((b1 & open) && (b1 & readdir) && (b1 & create_file));
    cr_expect((i1 & fd_read) && (i1 & fd_write));
    cr_expect((b2 & open) && (b2 & readdir) && !(b2 & create_file));
    cr_expect((i2 & fd_read) && !(i2 & fd_write) && !(i2 & create_file));
    done(&r);
}

/* ---- escapes ----------------------------------------------------------------------------- */

Test(wasi, dotdot_cannot_escape)
{
    run_result r = run_ok(&(run_spec){
        .rw = true,
        .args = ARGS("cat", "/data/../outside/secret.txt", "+", "raw_open", "3",
                     "../outside/secret.txt", "+", "raw_open", "3", "sub/../../outside/secret.txt",
                     "+", "raw_open", "3", "..", "+", "raw_open", "3", "/etc/passwd", "+",
                     "raw_open", "3", "sub/../in.txt", "+", "raw_open", "3", "./sub/./../sub/f.txt",
                     "+", "raw_open", "3", "sub/..", "+", "mkdir", "/data/../evil") });
    cr_expect_str_eq(r.out, "cat: errno=76\nraw_open: errno=76\nraw_open: errno=76\n"
                            "raw_open: errno=76\nraw_open: errno=76\n"
                            "raw_open: ok 0\nraw_close: 0\nraw_open: ok 0\nraw_close: 0\n"
                            "raw_open: ok 0\nraw_close: 0\nmkdir: errno=76\n");
    cr_expect(!host_exists(tmp, "evil"));
    done(&r);
}

Test(wasi, symlinks_cannot_escape)
{
    run_result r = run_ok(&(run_spec){
        .rw = true,
        .args = ARGS("cat", "/data/abs", "+", "cat", "/data/rel_out", "+", "cat",
                     "/data/dirup/outside/secret.txt", "+", "cat", "/data/sub/up2", "+", "cat",
                     "/data/ok", "+", "cat", "/data/sub/up", "+", "cat", "/data/loop", "+",
                     "stat", "/data/abs", "+", "ls", "/data/dirup", "+", "raw_open", "3", "ok",
                     "+", "raw_open_follow", "3", "ok") });
    cr_expect_str_eq(r.out, "cat: errno=76\ncat: errno=76\ncat: errno=76\ncat: errno=76\n"
                            "cat: ok deeper\ncat: ok inside\ncat: errno=32\nstat: errno=76\n"
                            "ls: errno=76\nraw_open: errno=32\nraw_open: ok 0\nraw_close: 0\n");
    done(&r);
}

Test(wasi, guest_symlinks)
{
    run_result r = run_ok(&(run_spec){
        .rw = true,
        .args = ARGS("symlink", "../../etc", "/data/evil", "+", "symlink", "/etc/passwd",
                     "/data/evil2", "+", "symlink", "sub/../../x", "/data/evil3", "+", "symlink",
                     "sub/f.txt", "/data/good", "+", "cat", "/data/good", "+", "symlink",
                     "../in.txt", "/data/sub/l2", "+", "cat", "/data/sub/l2", "+", "readlink",
                     "/data/good", "+", "unlink", "/data/good", "+", "cat", "/data/good") });
    cr_expect_str_eq(r.out, "symlink: errno=76\nsymlink: errno=76\nsymlink: errno=76\nsymlink: ok\n"
                            "cat: ok deeper\nsymlink: ok\ncat: ok inside\nreadlink: ok\n"
                            "readlink: sub/f.txt\nunlink: ok\ncat: errno=44\n");
    cr_expect(!host_exists(sandbox, "evil") && !host_exists(sandbox, "evil2") &&
              !host_exists(sandbox, "evil3"));
    done(&r);
}

Test(wasi, nothing_granted)
{
    run_result r = run_ok(&(run_spec){
        .args = ARGS("cat", "/data/in.txt", "+", "write", "/tmp/plwasi-nope", "x", "+", "ls", "/",
                     "+", "denied") });
    cr_expect_str_eq(r.out, "cat: errno=76\nwrite: errno=76\nls: errno=76\n"
                            "denied.sock_accept: 76\ndenied.proc_raise: 52\ndenied.fd3: 8\n");
    cr_expect(access("/tmp/plwasi-nope", F_OK) != 0);
    done(&r);
}

Test(wasi, bad_pointers_are_efault)
{
    run_result r = run_ok(&(run_spec){ .rw = true, .args = ARGS("fault") });
    cr_expect_str_eq(r.out, "fault.iovs: 21\nfault.buf: 21\nfault.count: 21\nfault.nwritten: 21\n"
                            "fault.args: 21\nfault.random: 21\nfault.path: 21\nfault.pathlen: 21\n"
                            "fault.fdout: 21\nfault.nul: 28\nfault.utf8: 25\nfault.readdir: 21\n"
                            "fault.poll: 21\nfault.fdstat: 21\nfault.badfd: 8\n");
    cr_expect_eq(r.fds_left, r.fds_start);
    done(&r);
}

/* Names in a host directory, sorted, space-separated. */
static void listing(const char *dir, char *out, size_t cap)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, ".."))
            snprintf(out + strlen(out), cap - strlen(out), "%s ", list[i]->d_name);
        free(list[i]);
    }
    if (n >= 0)
        free(list);
}

/* Every call, many times, with random arguments: pointers at and past the
** end of memory, huge lengths, random descriptors, flags and rights, real
** and hostile paths. Nothing may crash (ASan/UBSan watch the host side)
** and nothing outside the read-write preopen may change. PLWASI_CHAOS=N
** in the environment makes each of the six runs N calls long (4000). */
Test(wasi, hostile_arguments)
{
    static const char *const seeds[] = { "1", "2", "3", "4", "5", "6" };
    const char *calls = getenv("PLWASI_CHAOS") ? getenv("PLWASI_CHAOS") : "4000";
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        run_result r = run(&(run_spec){ .rw = true, .ro = true, .in = "some input",
                                        .args = ARGS("chaos", seeds[i], calls),
                                        .timeout_ns = 60000000000u });
        cr_expect_eq(r.st, PL_OK, "seed %s: status %d: %s", seeds[i], r.st, r.msg);
        cr_expect_not_null(strstr(r.out, "chaos: done "), "seed %s:\n%s", seeds[i], r.out);
        cr_expect_null(strstr(r.out, "impossible"), "seed %s:\n%s", seeds[i], r.out);
        done(&r);
    }
    char names[4096];
    listing(tmp, names, sizeof names);
    cr_expect_str_eq(names, "outside ro sandbox ");
    listing(outside, names, sizeof names);
    cr_expect_str_eq(names, "secret.txt ");
    listing(ro, names, sizeof names);
    cr_expect_str_eq(names, "in.txt sub ");
    char *data = host_file(outside, "secret.txt");
    cr_expect_str_eq(data, "SECRET");
    plu_free(data);
    data = host_file(ro, "in.txt");
    cr_expect_str_eq(data, "read only");
    plu_free(data);
}

/* ---- clocks, random, poll ---------------------------------------------------------------- */

Test(wasi, clocks_and_random)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("clock", "+", "random") });
    long long rt;
    int mono_ok, cpu_rc, bad;
    long long res;
    const char *p = strstr(r.out, "clock: ");
    cr_assert_not_null(p, "%s", r.out);
    cr_assert_eq(sscanf(p, "clock: realtime=%lld mono_delta_ok=%d res_ns=%lld cpu_rc=%d", &rt,
                        &mono_ok, &res, &cpu_rc), 4, "%s", r.out);
    long long host = (long long)time(NULL);
    cr_expect(rt >= host - 5 && rt <= host + 5, "realtime %lld, host %lld", rt, host);
    cr_expect_eq(mono_ok, 1);
    cr_expect(res > 0 && res <= 1000000, "resolution %lld ns", res);
    cr_expect_eq(cpu_rc, 0);
    p = strstr(r.out, "clock.bad: ");
    cr_assert_not_null(p);
    cr_assert_eq(sscanf(p, "clock.bad: %d", &bad), 1);
    cr_expect_eq(bad, 28);
    char a[64], b[64];
    p = strstr(r.out, "random: ok ");
    cr_assert_not_null(p, "%s", r.out);
    cr_assert_eq(sscanf(p, "random: ok %63s %63s", a, b), 2);
    cr_expect_eq(strlen(a), 32);
    cr_expect_str_neq(a, b);
    cr_expect_str_neq(a, "00000000000000000000000000000000");
    done(&r);
}

Test(wasi, poll_clock_sleeps)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("sleep", "150") });
    int rc;
    long long el;
    cr_assert_eq(sscanf(r.out, "sleep: rc=%d elapsed_ms=%lld", &rc, &el), 2, "%s", r.out);
    cr_expect_eq(rc, 0);
    cr_expect(el >= 140 && el < 3000, "slept %lld ms", el);
    cr_expect(r.ms >= 140 && r.ms < 3000, "call took %.1f ms", r.ms);
    done(&r);
}

Test(wasi, poll_fd_and_absolute_clock)
{
    run_result r = run_ok(&(run_spec){ .args = ARGS("poll"), .in = "abc" });
    cr_expect_str_eq(r.out, "poll: e=0 n=1 ud=11 type=1 nbytes=3\npoll.abs: e=0 n=1 ud=22 err=0\n"
                            "poll.zero: 28\n");
    cr_expect(r.ms < 2000, "poll waited %.1f ms", r.ms);
    done(&r);
}

Test(wasi, sleep_bounded_by_deadline)
{
    /* A sleep that runs into the call's deadline ends the call there with a
    ** timeout: the program never sees its sleep cut short. */
    run_result r = run(&(run_spec){ .args = ARGS("sleep", "10000", "+", "spin"),
                                    .timeout_ns = 200000000u });
    cr_expect_eq(r.st, PL_E_LIMIT, "status %d: %s", r.st, r.msg);
    cr_expect_eq(r.trap, PLW_TRAP_TIMEOUT);
    cr_expect(r.ms >= 150 && r.ms < 3000, "the call took %.1f ms", r.ms);
    cr_expect_null(strstr(r.out, "sleep: rc="), "the program went on after its sleep: %s",
                   r.out);
    done(&r);
}

#else

Test(wasi, programs)
{
    cr_skip_test("the WASI test programs were not built (clang-19 or wasi-libc missing)");
}

#endif /* PL_WASI_PROGRAMS */

/* ---- the API without programs ------------------------------------------------------------ */

Test(wasi, api_bad_config)
{
    pl_err e;
    plwasi *w = (plwasi *)1;
    const char *env[] = { "NOEQUALS" };
    plwasi_config cfg = { .env = env, .n_env = 1 };
    cr_expect_eq(plwasi_new(&cfg, &w, &e), PL_E_INVALID_ARG);
    cr_expect_null(w);
    cr_expect_not_null(strstr(e.msg, "NAME=value"), "%s", e.msg);
    plwasi_preopen pre = { "/nonexistent/plwasi", "/x", false };
    cfg = (plwasi_config){ .preopens = &pre, .n_preopens = 1 };
    cr_expect_eq(plwasi_new(&cfg, &w, &e), PL_E_NOT_FOUND);
    cr_expect_not_null(strstr(e.msg, "/nonexistent/plwasi"), "%s", e.msg);
    cr_expect_eq(plwasi_new(NULL, &w, &e), PL_OK);
    cr_expect_eq(plwasi_open_fds(w), 3);
    plwasi_free(w);
    cr_expect_eq(plwasi_link(NULL, NULL, &e), PL_E_INVALID_ARG);
}

#ifdef PL_TESTING
static plwasi *get_state_any(plw_instance *inst) { return plw_instance_data(inst); }

/* Every allocation of plwasi_new and plwasi_link failing in turn: a clean
** PL_E_NOMEM each time (LeakSanitizer checks for leaks). */
Test(wasi, api_out_of_memory)
{
    const char *args[] = { "a", "b" }, *env[] = { "X=1" };
    plwasi_preopen pre[] = { { "/tmp", "/tmp", false }, { "/", "/", true } };
    plwasi_config cfg = { .args = args, .n_args = 2, .env = env, .n_env = 1, .preopens = pre,
                          .n_preopens = 2, .stdin_data = (const uint8_t *)"in", .stdin_len = 2 };
    long n;
    for (n = 0; n < 1000; n++) {
        pl_err e;
        plwasi *w = NULL;
        plw_linker *l = NULL;
        plu_fail_alloc_after(n);
        pl_status st = plwasi_new(&cfg, &w, &e);
        pl_status st2 = plw_linker_new(&l);
        if (st2 == PL_OK)
            st2 = plwasi_link(l, get_state_any, &e);
        bool injected = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        plwasi_free(w);
        plw_linker_free(l);
        if (!injected) {
            cr_expect_eq(st, PL_OK);
            cr_expect_eq(st2, PL_OK);
            break;
        }
        cr_expect(st == PL_OK || st == PL_E_NOMEM, "allocation %ld: status %d", n, st);
        cr_expect(st2 == PL_OK || st2 == PL_E_NOMEM, "allocation %ld: link status %d", n, st2);
        cr_expect(st != PL_OK || w, "allocation %ld", n);
    }
    cr_expect_gt(n, 3);
}
#endif
