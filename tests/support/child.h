/*
** child.h — run a program as a child process and keep what it printed
** (prefix child_), for tests that drive a command (plinth, node) and check
** its exit code, stdout and stderr byte for byte.
**
** stdin, stdout and stderr are temporary files, not pipes, so a child
** that prints a lot while the parent waits can never block. Everything is
** allocated with malloc; the caller frees it with child_free.
*/
#ifndef PL_TEST_CHILD_H
#define PL_TEST_CHILD_H

#include <stddef.h>

typedef struct child_run {
    int code;       /* exit status, or 128 + signal number */
    char *out;      /* stdout, NUL-terminated after out_len bytes */
    size_t out_len;
    char *err;      /* stderr, likewise */
    size_t err_len;
    double ms;      /* wall time from spawn to exit */
} child_run;

/* Run argv[0] (a path, not searched in PATH) with argv (NULL-terminated)
** and the environment of this process, with in_len bytes of `in` as its
** stdin (in NULL: /dev/null), and wait for it. Returns 0, or an errno
** value (nothing to free) when the files cannot be made or the program
** cannot be started. */
int child_run_argv(child_run *r, const char *const *argv, const void *in, size_t in_len);

/* Free what child_run_argv kept; r may be zeroed or NULL. */
void child_free(child_run *r);

#endif
