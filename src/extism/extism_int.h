/*
** extism_int.h — private to src/extism: the host and plugin structures,
** Extism memory, the import table.
*/
#ifndef PL_EXTISM_INT_H
#define PL_EXTISM_INT_H

#include <stdatomic.h>

#include "extism/extism.h"

#if defined(__GNUC__)
#  define PLE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define PLE_UNLIKELY(x) (x)
#endif

/* ---- Extism memory -----------------------------------------------------------
** One contiguous arena per plugin. A handle is the byte offset of a block's
** data in the arena; the 8 bytes before the data hold the block's index in
** the block table, so `length` is O(1) and checked against the table (the
** plugin can write over those bytes; a forged index never matches). Offsets
** below PLE_H_MIN are never handed out, so 0 is never a handle. Data is
** 8-aligned. */

#define PLE_HDR 8u
#define PLE_H_MIN PLE_HDR   /* the first handle of a call */
#define PLE_NO_BLOCK UINT32_MAX

enum { PLE_BLOCK_LIVE = 1, PLE_BLOCK_FREE = 2, PLE_BLOCK_PENDING = 3 };

typedef struct ple_block {
    uint64_t off;   /* the handle */
    uint64_t cap;   /* bytes reserved after off (multiple of 8) */
    uint64_t used;  /* the length asked for */
    uint32_t next;  /* free or pending list */
    uint8_t state;
} ple_block;

typedef struct ple_mem {
    /* The hot path (load/store/input_load) reads only these four. */
    uint8_t *base;       /* NULL before the first allocation */
    uint64_t top;        /* bump position; never below PLE_H_MIN */
    uint64_t input;      /* handle of the input block (0: empty input) */
    uint64_t input_len;
    uint64_t size;       /* bytes allocated at base */
    uint64_t limit;      /* the cap on size */
    uint64_t output, output_len;
    uint64_t error;      /* error_set handle, 0 = none */
    ple_block *blocks;
    uint32_t n_blocks, cap_blocks;
    uint32_t pending;    /* freed host-side; reusable at the next alloc import */
    uint64_t bucket_mask;     /* bit k: bucket[k] holds free blocks */
    uint32_t bucket[64];      /* free lists by floor(log2(cap)) */
} ple_mem;

/* An empty memory of at most limit bytes (nothing allocated yet). */
void ple_mem_init(ple_mem *m, uint64_t limit);
void ple_mem_free(ple_mem *m);
/* Empty Extism memory for the next call (handles die, space is kept,
** given back when the last call used little of a large arena). */
void ple_mem_reset(ple_mem *m);
/* n bytes, zeroed; 0 when n == 0 or the cap is reached. */
uint64_t ple_mem_alloc(ple_mem *m, uint64_t n);
/* n bytes copied from src (n > 0); 0 when the cap is reached. */
uint64_t ple_mem_alloc_copy(ple_mem *m, const void *src, uint64_t n);
/* The live block whose data starts at h, or NULL. */
ple_block *ple_mem_block(const ple_mem *m, uint64_t h);
/* Free as the plugin's `free` import does: reusable at once. */
void ple_mem_free_now(ple_mem *m, uint64_t h);
/* Free from the host side: reusable after the next alloc import. */
void ple_mem_free_later(ple_mem *m, uint64_t h);
/* Make pending blocks reusable (at the start of the alloc import). */
void ple_mem_release_pending(ple_mem *m);

/* ---- vars ---------------------------------------------------------------------- */

typedef struct ple_var {
    char *key;
    size_t klen;
    uint8_t *val;
    size_t vlen;
} ple_var;

#define PLE_VAR_OVERHEAD 48u /* per entry, as the Rust host counts (String + Vec) */

/* ---- host and plugin ------------------------------------------------------------ */

#define PLE_HOST_MAGIC 0x706c6568u   /* "pleh" */
#define PLE_PLUGIN_MAGIC 0x706c6570u /* "plep" */

typedef struct ple_conf {
    char *key, *value;
    size_t klen, vlen;
} ple_conf;

struct ple_host {
    uint32_t magic;
    plw_module *mod;
    plw_linker *linker;
    bool own_linker;
    plu_arena arena;          /* copies of the options' strings */
    ple_options o;            /* config, allowed_hosts and host_fns point into arena */
    ple_conf *conf;
    size_t n_conf;
    uint64_t mem_limit;       /* Extism memory cap */
    bool has_hs_init, has_ctors, has_initialize;
};

struct ple_plugin {
    ple_mem mem;              /* first: what the hot path reads */
    uint32_t magic;
    ple_host *host;
    plw_instance *inst;
    void *wasi;
    void *user;
    void *ctx;                /* ple_call_opts.context of the call running */
    ple_var *vars;
    size_t n_vars, cap_vars, var_bytes;
    int32_t http_status;
    char *http_headers;       /* JSON of the last response's headers, or NULL */
    pln_cancel cancel;        /* set by ple_plugin_interrupt */
    const pln_cancel *watch;  /* what the running call watches: cancel or the caller's */
    pl_status fail;           /* set by an Extism host function that failed */
    bool in_call, renew_next;
    char *last_name;          /* export cache */
    const plw_func *last_fn;
    char fail_msg[PL_ERR_MSG_MAX];
    char msg[PL_ERR_MSG_MAX]; /* r->error for failures the host describes */
};

/* The calling plugin of a host function, or NULL. */
static inline ple_plugin *ple_cx(plw_host_ctx *cx)
{
    return (ple_plugin *)plw_host_data(cx);
}

/* Fail the running call from an Extism host function with status st and a
** message: the call returns st with that message. Returns what the host
** function must return. */
int ple_fail(plw_host_ctx *cx, ple_plugin *p, pl_status st, const char *fmt, ...)
    PLU_PRINTF(4, 5);

/* The bytes of the live block h (h == 0: empty). False for a bad handle. */
bool ple_block_bytes(ple_plugin *p, uint64_t h, const uint8_t **data, size_t *len);

/* ---- the import table ------------------------------------------------------------ */

typedef struct ple_import {
    const char *name;   /* without "extism_" */
    const char *sig;    /* plw signature */
    plw_host_fn fn;     /* a full host function, or */
    plw_fast_fn fast;   /* a light one (plw_linker_fast) */
} ple_import;

/* The `extism:host/env` function of this name, or NULL. */
const ple_import *ple_import_find(const char *name);

/* env_http.c */
int ple_http_request(plw_host_ctx *cx, plw_cell *s, void *u);
int ple_http_status_code(plw_host_ctx *cx, plw_cell *s, void *u);
int ple_http_headers(plw_host_ctx *cx, plw_cell *s, void *u);

/* vars.c */
int ple_var_get(plw_host_ctx *cx, plw_cell *s, void *u);
int ple_var_set(plw_host_ctx *cx, plw_cell *s, void *u);
void ple_vars_free(ple_plugin *p);

/* plugin.c, for call.c */
pl_status ple_instance_make(ple_plugin *p, pl_err *err);
void ple_instance_drop(ple_plugin *p);

#endif
