/*
** test_wasm_plugins_pool.c — one Wasm plugin called from many threads at
** once, through a host: eight threads get their own answers (no call sees
** another's input or output), with a pool of eight instances and with a
** pool of two (the others wait for an instance and all succeed); and the
** pool after traps: a trap in one call does not disturb the calls running
** beside it, and after many traps the pool still serves every call.
** No assertion depends on timing; the threads start together at a barrier.
*/
#include <pthread.h>

#include "wasm_plugins.h"

#define THREADS 8
#define CALLS 40

TestSuite(wasm_plugins_pool, .fini = wp_cleanup, .timeout = 120);

static pl_host *open_pool(int instances)
{
    pl_host *h = wp_open("[trust]\npolicy = \"off\"\n"
                         "[[plugins]]\nname = \"traps\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.limits]\ninstances = %d\n"
                         "[[plugins]]\nname = \"calculator\"\nkind = \"tool\"\npath = \"%s\"\n"
                         "[plugins.limits]\ninstances = %d\n",
                         WP_PLUGIN("wp_traps"), instances, WP_EXAMPLE("calculator"), instances);
    wp_ready(h, "traps");
    wp_ready(h, "calculator");
    return h;
}

typedef struct worker {
    pl_host *h;
    pthread_barrier_t *go;
    int id;
    bool trapper;          /* this one only traps */
    int ok, wrong, failed; /* calls that answered right, wrongly, not at all */
    int traps;             /* for the trapper: calls that trapped as they should */
    char first_error[512];
} worker;

static void note_failure(worker *w, const char *what, pl_status st, const char *msg)
{
    if (!w->first_error[0])
        snprintf(w->first_error, sizeof w->first_error, "%s: %s: %s", what, pl_status_str(st),
                 msg);
}

/* Each call's input names the thread and the call; the answer must be its
** own. Calls alternate between the Extism convention (traps.ok), a tool
** call (traps.echo) and the calculator, whose answer depends on the input. */
static void one_call(worker *w, int i)
{
    char in[64], want[96], *out = NULL;
    pl_call *c = NULL;
    pl_call_new(&c);
    pl_status st;
    switch (i % 3) {
    case 0:
        snprintf(in, sizeof in, "thread %d call %d", w->id, i);
        snprintf(want, sizeof want, "ok:%s", in);
        st = wp_pcall(w->h, "traps", "ok", in, c, &out);
        break;
    case 1:
        snprintf(in, sizeof in, "{\"text\":\"t%d-c%d\"}", w->id, i);
        snprintf(want, sizeof want, "{\"content\":[{\"type\":\"text\",\"text\":\"t%d-c%d\"}],"
                                    "\"isError\":false}", w->id, i);
        st = pl_tool_call(w->h, "traps", "echo", in, c, &out);
        break;
    default:
        snprintf(in, sizeof in, "{\"expression\":\"%d * 1000 + %d\"}", w->id, i);
        snprintf(want, sizeof want, "{\"content\":[{\"type\":\"text\",\"text\":\"%d\"}],"
                                    "\"isError\":false}", w->id * 1000 + i);
        st = pl_tool_call(w->h, "calculator", "calculate", in, c, &out);
        break;
    }
    if (st != PL_OK) {
        w->failed++;
        note_failure(w, in, st, pl_call_error_message(c));
    } else if (strcmp(out, want) != 0) {
        w->wrong++;
        note_failure(w, in, st, out);
    } else {
        w->ok++;
    }
    pl_free(out);
    pl_call_free(c);
}

static void one_trap(worker *w, int i)
{
    static const char *const kinds[] = {"div_zero", "oob_memory", "unreachable", "stack_overflow"};
    pl_call *c = NULL;
    pl_call_new(&c);
    char *out = NULL;
    pl_status st = wp_pcall(w->h, "traps", kinds[i % 4], "", c, &out);
    if (st == PL_E_TRAP && !out)
        w->traps++;
    else
        note_failure(w, kinds[i % 4], st, pl_call_error_message(c));
    pl_free(out);
    pl_call_free(c);
}

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->go);
    for (int i = 0; i < CALLS; i++) {
        if (w->trapper)
            one_trap(w, i);
        else
            one_call(w, i);
    }
    return NULL;
}

/* Run THREADS workers (the first n_trappers of them trapping) on h. */
static void run(pl_host *h, int n_trappers, worker *ws)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ws[i] = (worker){.h = h, .go = &go, .id = i + 1, .trapper = i < n_trappers};
        cr_assert_eq(pthread_create(&t[i], NULL, work, &ws[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
}

static void expect_all_right(const worker *ws, int n_trappers)
{
    for (int i = 0; i < THREADS; i++) {
        const worker *w = &ws[i];
        if (w->trapper) {
            cr_assert_eq(w->traps, CALLS, "trapper %d: %d of %d calls trapped; first other: %s",
                         w->id, w->traps, CALLS, w->first_error);
            continue;
        }
        cr_assert_eq(w->ok, CALLS, "thread %d: %d right, %d wrong, %d failed; first: %s", w->id,
                     w->ok, w->wrong, w->failed, w->first_error);
    }
    (void)n_trappers;
}

Test(wasm_plugins_pool, eight_threads_eight_instances)
{
    pl_host *h = open_pool(8);
    worker ws[THREADS];
    run(h, 0, ws);
    expect_all_right(ws, 0);
    pl_host_close(h);
}

Test(wasm_plugins_pool, eight_threads_wait_for_two_instances)
{
    pl_host *h = open_pool(2);
    worker ws[THREADS];
    run(h, 0, ws);
    expect_all_right(ws, 0);
    pl_host_close(h);
}

Test(wasm_plugins_pool, eight_threads_one_instance)
{
    pl_host *h = open_pool(1);
    worker ws[THREADS];
    run(h, 0, ws);
    expect_all_right(ws, 0);
    pl_host_close(h);
}

/* Two threads trap on every call while six others call beside them: the
** six get every answer right, the two every trap typed. */
Test(wasm_plugins_pool, traps_do_not_disturb_concurrent_calls)
{
    pl_host *h = open_pool(3);
    worker ws[THREADS];
    run(h, 2, ws);
    expect_all_right(ws, 2);
    /* 80 traps later the pool serves as before. */
    wp_expect_output(h, "traps", "ok", "afterwards", "ok:afterwards");
    pl_host_close(h);
}

Test(wasm_plugins_pool, the_pool_serves_after_many_traps)
{
    pl_host *h = open_pool(2);
    for (int round = 0; round < 3; round++) {
        /* More traps than instances, back to back: each one's instance is
        ** dropped and made again for the next call. */
        for (int i = 0; i < 10; i++) {
            pl_call *c = wp_call_new();
            char *out = NULL;
            pl_status st = wp_pcall(h, "traps", i % 2 ? "unreachable" : "oob_memory", "", c, &out);
            cr_assert_eq(st, PL_E_TRAP, "trap %d: %s: %s", i, pl_status_str(st),
                         pl_call_error_message(c));
            pl_call_free(c);
        }
        for (int i = 0; i < 10; i++) {
            char in[16], want[32];
            snprintf(in, sizeof in, "r%d-%d", round, i);
            snprintf(want, sizeof want, "ok:%s", in);
            wp_expect_output(h, "traps", "ok", in, want);
        }
    }
    /* And concurrently again, after all that. */
    worker ws[THREADS];
    run(h, 0, ws);
    expect_all_right(ws, 0);
    pl_host_close(h);
}
