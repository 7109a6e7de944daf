/*
** test_json_suite.c — JSONTestSuite (shared/json-test-suite) against
** plc_parse_json: every y_ file accepted, every n_ file rejected, every i_
** file handled without a crash or a hang (the accept/reject decision is
** printed; docs/formats.md records it), and the test_transform/ files
** parsed and serialised without a crash.
**
** Each file is first parsed in a forked child under an alarm, so a crash or
** hang is reported per file; when the child survives, the file is parsed
** again in this process so the sanitizers' leak check covers it.
** y_ files are parsed with PLC_JSON_ALLOW_DUPLICATES: RFC 8259 allows
** repeated keys, only plinth's configuration files reject them.
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/doc.h"

#define SUITE_DIR PL_SHARED_DIR "/json-test-suite"

enum outcome { ACCEPTED, REJECTED, CRASHED, HUNG };
static const char *const outcome_names[] = {"accepted", "rejected", "CRASHED", "HUNG"};

/* Parse and serialise one text: 0 accepted, 1 rejected, 2 something
** wrong (rejected without a message, or serialisation failed). Makes no
** Criterion calls: it also runs in a forked child, where Criterion's
** channel to its runner must not be used. */
static int parse_text(const char *text, size_t len, const char *name, unsigned flags)
{
    plc_doc *doc;
    pl_err err;
    plu_err_clear(&err);
    if (plc_parse_json(text, len, name, flags, &doc, &err) != PL_OK)
        return err.msg[0] ? 1 : 2;
    plu_buf out;
    plu_buf_init(&out);
    int rc = plc_to_json(doc->root, 0, &out) == 0 ? 0 : 2;
    plu_buf_free(&out);
    plc_doc_free(doc);
    return rc;
}

/* Parse in a child with a 10 s alarm, then (if it survived) in-process. */
static enum outcome run_file(const char *path, const char *name, unsigned flags)
{
    char *text;
    size_t len;
    pl_err err;
    cr_assert_eq(plu_read_file(path, &text, &len, &err), PL_OK, "%s", err.msg);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* no Criterion calls from here on (see parse_text) */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        signal(SIGALRM, SIG_DFL);
        alarm(10);
        _exit(parse_text(text, len, name, flags));
    }
    cr_assert_gt(pid, 0, "fork failed");
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    enum outcome o = WIFSIGNALED(status) ? (WTERMSIG(status) == SIGALRM ? HUNG : CRASHED)
                     : WEXITSTATUS(status) == 0 ? ACCEPTED
                     : WEXITSTATUS(status) == 1 ? REJECTED
                                                : CRASHED;
    if (o == ACCEPTED || o == REJECTED)
        cr_assert_eq(parse_text(text, len, name, flags), o == ACCEPTED ? 0 : 1,
                     "%s: not repeatable", name);
    plu_free(text);
    return o;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted .json file names of a directory; *n is set to their count. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            cr_assert_not_null(names);
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, *n, sizeof *names, by_name);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

Test(json_suite, parsing, .timeout = 600)
{
    size_t n, passed = 0, failed = 0;
    char **names = list_dir(SUITE_DIR "/test_parsing", &n);
    cr_assert_gt(n, 300, "json-test-suite looks incomplete (%zu files)", n);
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        snprintf(path, sizeof path, SUITE_DIR "/test_parsing/%s", name);
        unsigned flags = name[0] == 'y' ? PLC_JSON_ALLOW_DUPLICATES : 0;
        enum outcome o = run_file(path, name, flags);
        bool ok = name[0] == 'y' ? o == ACCEPTED : name[0] == 'n' ? o == REJECTED : o <= REJECTED;
        if (name[0] == 'i' || !ok)
            printf("  %s %s%s\n", outcome_names[o], name, ok ? "" : "  <-- FAILED");
        ok ? passed++ : failed++;
    }
    printf("json-test-suite: %zu passed, %zu failed\n", passed, failed);
    fflush(stdout);
    free_list(names, n);
    cr_assert_eq(failed, 0, "json-test-suite: %zu passed, %zu failed", passed, failed);
}

Test(json_suite, transform_files_do_not_crash, .timeout = 120)
{
    size_t n, bad = 0;
    char **names = list_dir(SUITE_DIR "/test_transform", &n);
    cr_assert_gt(n, 10);
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, SUITE_DIR "/test_transform/%s", names[i]);
        enum outcome o = run_file(path, names[i], PLC_JSON_ALLOW_DUPLICATES);
        printf("  transform %s %s\n", outcome_names[o], names[i]);
        bad += o > REJECTED;
    }
    free_list(names, n);
    cr_assert_eq(bad, 0, "%zu test_transform files crashed or hung", bad);
}
