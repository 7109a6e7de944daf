/*
** wasi_libc.c — a wasi-libc reactor plugin that uses WASI for real:
** stdout through printf, the environment, exit().
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imports.h"

static int ctor_ran;

__attribute__((constructor)) static void init(void) { ctor_ran = 1; }

XEXPORT(hello) int32_t hello(void)
{
    printf("hello from wasi (ctor %d)\n", ctor_ran);
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    x_output_str(ctor_ran ? "said hello" : "no ctor");
    return 0;
}

XEXPORT(env) int32_t env(void)
{
    const char *g = getenv("GREETING");
    x_output_str(g ? g : "<unset>");
    return 0;
}

XEXPORT(quit) int32_t quit(void)
{
    x_output_str("bye");
    exit(0);
}

XEXPORT(quit3) int32_t quit3(void) { exit(3); }
