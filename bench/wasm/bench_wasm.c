/*
** bench_wasm.c — plinth's Wasm engine against native code.
**
** For each of the seven programs of ../shared/bench/wasm (built by
** CMakeLists.txt natively with clang-19 -O2 and as reactor modules), each
** repeat runs, back to back:
**   native — the native binary as a child process (posix_spawn); its CPU
**            time (user + system, from wait4) and its wall time;
**   plinth — bench() on a fresh instance of the reactor module, with fuel
**            metering and a deadline on, as plugins run (plw_call with
**            fuel 10^12 and a 10-minute timeout); the CPU time of this
**            process around plw_call, and the wall time.
** Loading and instantiating are left out of the plinth side (the second
** half of the output times them); the native side includes exec and
** process start-up, about a millisecond. Both must print/return the
** README's checksum. Figures are medians over the repeats; the ratio is
** plinth / native on CPU time, next to the targets (geometric mean
** of the ratios <= 10x, no program above 20x). Then bench_wasm_api.c prints
** the call, load and instantiate figures.
**
** usage: bench_wasm [REPEATS [PROGRAM...]]   (default 5 repeats, all seven)
**   bench_wasm 1 fib qsort    a quick run
**   bench_wasm 0              only the call/load/instantiate figures
** Exits 1 when a checksum is wrong or a run fails (after printing the rest).
*/
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_wasm.h"

extern char **environ;

#define MAX_REPEATS 101

typedef struct program {
    const char *name;
    const char *size;  /* the default size, for the table */
    uint32_t checksum; /* from the README, at the default size */
} program;

static const program programs[] = {
    {"fib", "fib(32)", 0x00213d05u},      {"sieve", "10,000,000", 0x350987d1u},
    {"sha256", "64 MiB", 0xfe3e642au},    {"matmul", "200x200 x50", 0x00810465u},
    {"nbody", "1M steps", 0xf5ebf318u},   {"qsort", "4M ints", 0x6b4310bdu},
    {"tokenize", "32 MiB", 0x6ea0257au},
};
#define N_PROGRAMS (sizeof programs / sizeof programs[0])

/* As plugins run: fuel metering and a deadline, both far off. */
static const plw_call_opts run_opts = {.fuel = 1000000000000ull,
                                       .timeout_ns = 600ull * 1000000000ull};

/* One measurement of one side. ok is false when the run failed or its
** checksum was wrong. */
typedef struct sample {
    double cpu, wall;
    uint64_t fuel;
    bool ok;
} sample;

void bw_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_wasm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double ts_sec(const struct timespec *ts)
{
    return (double)ts->tv_sec + (double)ts->tv_nsec * 1e-9;
}

double bw_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_sec(&ts);
}

double bw_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts_sec(&ts);
}

double bw_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts_sec(&ts);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bw_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *bw_verdict(double value, double target)
{
    return value <= target ? "met" : "NOT met";
}

plw_module *bw_load(const char *file, uint8_t **bytes, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/wasm/%s", PL_BENCH_WASM_DIR, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        bw_die("%s: cannot open (build the release tree first: make build)", path);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;)
        if ((n += got) == cap)
            buf = realloc(buf, cap *= 2);
    fclose(f);
    if (!buf)
        bw_die("out of memory");
    plw_module *m = NULL;
    pl_err err;
    plu_err_clear(&err);
    if (plw_module_load(buf, n, file, &m, &err) != PL_OK)
        bw_die("%s", err.msg);
    if (bytes) {
        *bytes = buf;
        *len = n;
    } else {
        free(buf);
    }
    return m;
}

/* The native binary once, as a child process; its stdout must end with the
** checksum line. */
static sample run_native(const program *p)
{
    sample s = {0};
    char path[4096], out[4096];
    snprintf(path, sizeof path, "%s/native/%s", PL_BENCH_WASM_DIR, p->name);
    int fd[2];
    if (pipe(fd) != 0)
        bw_die("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    char *argv[] = {path, NULL};
    pid_t pid;
    double t0 = bw_wall();
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        fprintf(stderr, "bench_wasm: %s: cannot run: %s\n", path, strerror(rc));
        return s;
    }
    size_t n = 0;
    for (ssize_t got; n < sizeof out - 1 && (got = read(fd[0], out + n, sizeof out - 1 - n)) > 0;)
        n += (size_t)got;
    out[n] = 0;
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        bw_die("wait4 failed");
    s.wall = bw_wall() - t0;
    s.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    const char *line = strstr(out, "checksum ");
    unsigned sum = 0;
    s.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && line &&
           sscanf(line, "checksum %8x", &sum) == 1 && sum == p->checksum;
    if (!s.ok)
        fprintf(stderr, "bench_wasm: native %s: wrong result (want checksum %08x): %s\n",
                p->name, p->checksum, out);
    return s;
}

/* bench() once on a fresh instance of m. */
static sample run_plinth(const program *p, plw_module *m)
{
    sample s = {0};
    pl_err err;
    plu_err_clear(&err);
    plw_instance *inst = NULL;
    if (plw_instantiate(m, NULL, NULL, &inst, &err) != PL_OK) {
        fprintf(stderr, "bench_wasm: %s: instantiate: %s\n", p->name, err.msg);
        plw_instance_free(inst);
        return s;
    }
    const plw_func *f = plw_instance_func(inst, "bench");
    plw_functype ft = f ? plw_func_type(f) : (plw_functype){0};
    if (!f || ft.n_params != 0 || ft.n_results != 1 || ft.results[0] != PLW_I32) {
        fprintf(stderr, "bench_wasm: %s: no export bench() -> i32\n", p->name);
        plw_instance_free(inst);
        return s;
    }
    plw_cell res[1] = {0};
    plw_call_info info = {0};
    double c0 = bw_cpu(), w0 = bw_wall();
    pl_status st = plw_call(inst, f, NULL, res, &run_opts, &info, &err);
    s.wall = bw_wall() - w0;
    s.cpu = bw_cpu() - c0;
    s.fuel = info.fuel_used;
    plw_instance_free(inst);
    if (st != PL_OK) {
        fprintf(stderr, "bench_wasm: %s: bench(): %s\n", p->name, err.msg);
        return s;
    }
    s.ok = (uint32_t)res[0] == p->checksum;
    if (!s.ok)
        fprintf(stderr, "bench_wasm: %s: plinth's checksum %08x, want %08x\n", p->name,
                (unsigned)(uint32_t)res[0], p->checksum);
    return s;
}

/* The medians of one program over `repeats` paired runs. */
typedef struct result {
    double native_cpu, native_wall, plinth_cpu, plinth_wall;
    uint64_t fuel;
    bool ok;
} result;

static result measure(const program *p, int repeats)
{
    char file[64];
    snprintf(file, sizeof file, "%s.reactor.wasm", p->name);
    plw_module *m = bw_load(file, NULL, NULL);
    double nc[MAX_REPEATS], nw[MAX_REPEATS], pc[MAX_REPEATS], pw[MAX_REPEATS];
    result r = {.ok = true};
    for (int i = 0; i < repeats; i++) {
        /* Paired and interleaved, so a busy moment hits both sides alike. */
        sample n = run_native(p), w = run_plinth(p, m);
        nc[i] = n.cpu, nw[i] = n.wall, pc[i] = w.cpu, pw[i] = w.wall;
        r.fuel = w.fuel;
        r.ok = r.ok && n.ok && w.ok;
    }
    plw_module_free(m);
    r.native_cpu = bw_median(nc, (size_t)repeats);
    r.native_wall = bw_median(nw, (size_t)repeats);
    r.plinth_cpu = bw_median(pc, (size_t)repeats);
    r.plinth_wall = bw_median(pw, (size_t)repeats);
    return r;
}

static const program *find_program(const char *name)
{
    for (size_t i = 0; i < N_PROGRAMS; i++)
        if (strcmp(programs[i].name, name) == 0)
            return &programs[i];
    bw_die("unknown program '%s' (fib sieve sha256 matmul nbody qsort tokenize)", name);
    return NULL;
}

/* The table of programs; returns the number of failed programs. */
static int program_table(const program *const *list, size_t n, int repeats)
{
    printf("plinth Wasm engine vs native (clang-19 -O2), ../shared/bench/wasm\n"
           "CPU seconds (user+sys), median of %d paired run%s; plinth with fuel metering\n"
           "and a deadline on (fuel 10^12, timeout 600 s), load and instantiate excluded\n",
           repeats, repeats == 1 ? "" : "s");
    printf("%-9s %-12s %9s %9s %8s %10s %8s %10s  %s\n", "program", "size", "native s",
           "plinth s", "ratio", "wall ratio", "Gfuel", "Gfuel/s", "checksum");
    double log_sum = 0, worst = 0;
    const char *worst_name = "";
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const program *p = list[i];
        result r = measure(p, repeats);
        double ratio = r.plinth_cpu / r.native_cpu;
        double wratio = r.plinth_wall / r.native_wall;
        printf("%-9s %-12s %9.3f %9.3f %7.1fx %9.1fx %8.2f %10.2f  %08x %s\n", p->name, p->size,
               r.native_cpu, r.plinth_cpu, ratio, wratio, (double)r.fuel * 1e-9,
               (double)r.fuel * 1e-9 / r.plinth_cpu, p->checksum, r.ok ? "ok" : "WRONG");
        fflush(stdout);
        failed += !r.ok;
        log_sum += log(ratio);
        if (ratio > worst)
            worst = ratio, worst_name = p->name;
    }
    double geo = exp(log_sum / (double)n);
    printf("geometric mean of the ratios: %.1fx  (target <= 10x: %s)\n", geo,
           bw_verdict(geo, 10));
    printf("highest ratio: %.1fx (%s)  (target: none above 20x: %s)\n\n", worst, worst_name,
           bw_verdict(worst, 20));
    return failed;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 0 || repeats > MAX_REPEATS)
        bw_die("REPEATS must be 0..%d", MAX_REPEATS);
    const program *list[N_PROGRAMS];
    size_t n = 0;
    for (int i = 2; i < argc && n < N_PROGRAMS; i++)
        list[n++] = find_program(argv[i]);
    for (size_t i = 0; argc <= 2 && i < N_PROGRAMS; i++)
        list[n++] = &programs[i];
    setvbuf(stdout, NULL, _IOLBF, 0);
    int failed = repeats > 0 ? program_table(list, n, repeats) : 0;
    failed += bw_api_figures();
    return failed ? 1 : 0;
}
