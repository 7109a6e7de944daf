/*
** bench_wasm.h — helpers shared by the two halves of bench_wasm:
** bench_wasm.c (the seven programs, plinth against native) and
** bench_wasm_api.c (call, load and instantiate costs).
*/
#ifndef PL_BENCH_WASM_H
#define PL_BENCH_WASM_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "wasm/wasm.h"

/* Print a message to stderr and exit(1). */
void bw_die(const char *fmt, ...) PLU_PRINTF(1, 2);

double bw_wall(void); /* CLOCK_MONOTONIC, seconds */
double bw_cpu(void);  /* CPU time of this process (user + system), seconds */
/* CPU time of the calling thread, seconds: unlike wall time, it does not
** grow while other programs have the CPU (a syscall, so only for steps
** that take milliseconds). */
double bw_thread_cpu(void);

/* The median of v[0..n) (sorts v); 0 for n == 0. */
double bw_median(double *v, size_t n);

/* "met" or "NOT met" for a figure against an upper bound. */
const char *bw_verdict(double value, double target);

/* A module of the build tree (PL_BENCH_WASM_DIR/wasm/<file>), loaded; exits
** when it cannot be read or loaded. bytes and len (optional) receive the file
** contents, which the caller then frees with free(). */
plw_module *bw_load(const char *file, uint8_t **bytes, size_t *len);

/* The call, load and instantiate figures. Returns the number of failures
** (a call or load that did not succeed), 0 when all went well. */
int bw_api_figures(void);

#endif
