/*
** wasm.h — plinth's WebAssembly engine, the embedding API (prefix plw_).
**
** WebAssembly 2.0 core without SIMD: the MVP, mutable-global import and
** export, sign extension, non-trapping float-to-int, multi-value, bulk
** memory, reference types and several tables. Binary format only.
**
** The life of a module:
**   plw_module_load     decode + validate + compile bytes, once
**   plw_instantiate     link imports (plw_linker), make memories, tables and
**                       globals, run the start function; cheap, many times
**   plw_instance_func   find an export by name (do it once, call often)
**   plw_call            call it with a fuel budget, a deadline and the
**                       instance's memory cap; traps come back as errors
**
** Threads: a module is immutable after loading and may be shared between
** threads (instances hold a reference to it). An instance is used by one
** thread at a time, except plw_instance_interrupt, which any thread may
** call. A linker is read-only during plw_instantiate, so one linker may
** serve concurrent instantiations once it is filled.
**
** Errors: every fallible call returns a pl_status and fills a pl_err.
** Load errors name the module, the function and the byte offset:
**   "search.wasm: func 14 @0x3a1: type mismatch: expected i32, got f64".
** A trap is PL_E_TRAP ("trap: out of bounds memory access (func 3 @0x1f2)")
** or PL_E_LIMIT for fuel and time ("trap: fuel exhausted ..."), with the
** kind in plw_call_info. After a trap the instance is unusable
** (PL_E_MISUSE, "instance is unusable after a trap"); the module and the
** rest of the host are unaffected.
*/
#ifndef PL_WASM_H
#define PL_WASM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct plw_module plw_module;
typedef struct plw_instance plw_instance;
typedef struct plw_linker plw_linker;
typedef struct plw_func plw_func;         /* a function of an instance (borrowed) */
typedef struct plw_host_ctx plw_host_ctx; /* what a host function gets */

/* Value types, with their binary encodings. */
typedef enum plw_type {
    PLW_I32 = 0x7f,
    PLW_I64 = 0x7e,
    PLW_F32 = 0x7d,
    PLW_F64 = 0x7c,
    PLW_FUNCREF = 0x70,
    PLW_EXTERNREF = 0x6f
} plw_type;

/* The name of a type ("i32", "funcref", ...); "?" for anything else. */
const char *plw_type_name(plw_type t);

/*
** Values cross the API as raw 64-bit cells, exactly as the engine keeps
** them:
**   i32  the low 32 bits (upper bits ignored on input, zero on output)
**   i64  all 64 bits
**   f32  the IEEE-754 bits in the low 32 bits (NaN payloads are kept)
**   f64  the IEEE-754 bits
**   funcref    an engine pointer, 0 = null (only ever passed back in)
**   externref  whatever the host chose, 0 = null
*/
typedef uint64_t plw_cell;

/* ---- modules -------------------------------------------------------------- */

typedef enum plw_extern_kind {
    PLW_EXTERN_FUNC = 0,
    PLW_EXTERN_TABLE = 1,
    PLW_EXTERN_MEMORY = 2,
    PLW_EXTERN_GLOBAL = 3
} plw_extern_kind;

/* A function type: params then results. Borrowed from the module. */
typedef struct plw_functype {
    uint32_t n_params, n_results;
    const uint8_t *params;  /* plw_type values */
    const uint8_t *results;
} plw_functype;

typedef struct plw_limits_desc {
    uint32_t min;
    uint32_t max;     /* valid when has_max */
    bool has_max;
} plw_limits_desc;

/* One import or export, for listings and diagnostics. Strings borrowed. */
typedef struct plw_extern_info {
    const char *module;       /* imports only, else NULL */
    const char *name;
    size_t module_len, name_len; /* names may hold NUL bytes (plw_instance_func_n) */
    plw_extern_kind kind;
    plw_functype func;        /* FUNC */
    plw_type elem_type;       /* TABLE: funcref or externref; GLOBAL: value type */
    plw_limits_desc limits;   /* TABLE (elements), MEMORY (64 KiB pages) */
    bool mutable_global;      /* GLOBAL */
} plw_extern_info;

/*
** plw_module_load — decode, validate and compile a binary module.
** name: used in messages ("search.wasm: ..."); copied. On success *out has
** one reference; release it with plw_module_free (instances keep their own
** reference, so the module may be freed while instances live).
** Errors: PL_E_SYNTAX (malformed binary), PL_E_UNSUPPORTED (a feature
** outside plinth's scope, such as SIMD), PL_E_INVALID_ARG (invalid
** module: a type error and the like), PL_E_NOMEM.
*/
pl_status plw_module_load(const uint8_t *bytes, size_t len, const char *name,
                          plw_module **out, pl_err *err);
void plw_module_free(plw_module *m);
const char *plw_module_name(const plw_module *m);

size_t plw_module_import_count(const plw_module *m);
size_t plw_module_export_count(const plw_module *m);
bool plw_module_import(const plw_module *m, size_t i, plw_extern_info *out);
bool plw_module_export(const plw_module *m, size_t i, plw_extern_info *out);
/* Custom section by name (the first one); NULL when there is none. */
const uint8_t *plw_module_custom(const plw_module *m, const char *name, size_t *len);

/* Why a call stopped (plw_call_info.trap). */
typedef enum plw_trap_kind {
    PLW_TRAP_NONE = 0,
    PLW_TRAP_UNREACHABLE,
    PLW_TRAP_DIV_ZERO,        /* integer divide by zero */
    PLW_TRAP_INT_OVERFLOW,    /* integer overflow */
    PLW_TRAP_INVALID_CONV,    /* invalid conversion to integer */
    PLW_TRAP_OOB_MEMORY,      /* out of bounds memory access */
    PLW_TRAP_OOB_TABLE,       /* out of bounds table access */
    PLW_TRAP_UNDEF_ELEM,      /* undefined element: call_indirect past the table's end */
    PLW_TRAP_INDIRECT_TYPE,   /* indirect call type mismatch */
    PLW_TRAP_UNINIT_ELEM,     /* uninitialized element */
    PLW_TRAP_NULL_REF,        /* null reference (null function) */
    PLW_TRAP_STACK,           /* call stack exhausted */
    PLW_TRAP_FUEL,            /* fuel exhausted */
    PLW_TRAP_TIMEOUT,         /* the deadline passed */
    PLW_TRAP_INTERRUPTED,     /* plw_instance_interrupt */
    PLW_TRAP_HOST,            /* a host function failed */
    PLW_TRAP_EXIT,            /* a host function ended the call (proc_exit) */
    PLW_TRAP__COUNT
} plw_trap_kind;

/* ---- host functions and linking -------------------------------------------- */

/*
** A host function. slots holds the arguments (slots[0..n_params)); the
** function writes its results to slots[0..n_results) (the array has room
** for max(n_params, n_results) cells). Return 0, or the result of
** plw_host_trap() to trap the call.
*/
typedef int (*plw_host_fn)(plw_host_ctx *cx, plw_cell *slots, void *user);

pl_status plw_linker_new(plw_linker **out);
void plw_linker_free(plw_linker *l);

/*
** plw_linker_func — offer a host function as import `module`.`name`.
** sig: parameter and result type letters, "(ii)I" for (i32, i32) -> i64:
**   i i32, I i64, f f32, F f64, r funcref, e externref.
** A later definition of the same module and name replaces the earlier one.
** PL_E_INVALID_ARG for a malformed signature.
*/
pl_status plw_linker_func(plw_linker *l, const char *module, const char *name,
                          const char *sig, plw_host_fn fn, void *user);

/*
** A light host function: it gets the calling instance's embedder data
** (plw_instance_data) and the argument cells, returns its one result (or
** anything, for none), and cannot fail, trap, wait, call back into Wasm or
** touch the instance; in exchange a call from Wasm costs a few
** instructions (no context, no bookkeeping). Meant for the hot imports,
** such as Extism's memory loads and stores. data is NULL while the
** instance has none yet (its start function).
*/
typedef plw_cell (*plw_fast_fn)(void *data, const plw_cell *args);
pl_status plw_linker_fast(plw_linker *l, const char *module, const char *name,
                          const char *sig, plw_fast_fn fn);

/*
** plw_linker_instance — offer every export of `inst` as `module`.`name`
** (the spec's "register"). The instance must outlive the linker's use.
*/
pl_status plw_linker_instance(plw_linker *l, const char *module, plw_instance *inst);

/* Memory that lives as long as the linker (zeroed; NULL on out of
** memory): host function state shared by every instance, passed as the
** functions' `user`. */
void *plw_linker_alloc(plw_linker *l, size_t n);

/* Inside a host function: */
plw_instance *plw_host_instance(plw_host_ctx *cx); /* the calling instance */
/* plw_instance_data(plw_host_instance(cx)) in one load, for the hot path
** of host functions (a host context starts with that pointer). */
static inline void *plw_host_data(plw_host_ctx *cx) { return *(void *const *)(void *)cx; }
/* Trap the call with a message ("host error: <message>"); returns the value
** the host function must return. */
int plw_host_trap(plw_host_ctx *cx, const char *fmt, ...) PLU_PRINTF(2, 3);
/* End the call cleanly with an exit code (WASI proc_exit): the call
** returns PL_E_TRAP with plw_call_info.trap = PLW_TRAP_EXIT and exit_code
** set, and the instance is done (dead) like after any trap. Returns the
** value the host function must return. */
int plw_host_exit(plw_host_ctx *cx, int32_t code);
/* Nanoseconds left before the call's deadline (UINT64_MAX when it has
** none), for host functions that block (HTTP) to bound their wait. */
uint64_t plw_host_time_left(plw_host_ctx *cx);
/* Ask the running call to stop at its next check; for host functions that
** noticed a cancellation. */
void plw_host_interrupt(plw_host_ctx *cx);
/* Has the call been asked to stop (plw_instance_interrupt, the caller's
** cancel flag)? For host functions that wait: poll it between slices. */
bool plw_host_interrupted(plw_host_ctx *cx);
/* End the call now with a limit's trap (PLW_TRAP_TIMEOUT when a wait ran
** into the deadline, PLW_TRAP_INTERRUPTED); returns the value the host
** function must return. */
int plw_host_end(plw_host_ctx *cx, plw_trap_kind why);

/* ---- instances ----------------------------------------------------------- */

/* Limits fixed for the life of an instance. Zero fields take the defaults. */
typedef struct plw_instance_limits {
    uint64_t mem_bytes;      /* cap on each linear memory (default 256 MiB) */
    uint32_t max_call_depth; /* Wasm frames (default 1024) */
    uint32_t stack_bytes;    /* operand and local space (default 1 MiB) */
    uint32_t table_elems;    /* cap on each table (default 1,000,000) */
    uint64_t start_fuel;     /* budget of the start function (0 = unlimited) */
    uint64_t start_timeout_ns;
} plw_instance_limits;

#define PLW_DEFAULT_MEM_BYTES (256u * 1024u * 1024u)
#define PLW_DEFAULT_CALL_DEPTH 1024u
#define PLW_DEFAULT_STACK_BYTES (1024u * 1024u)
#define PLW_DEFAULT_TABLE_ELEMS 1000000u

/*
** plw_instantiate — resolve the imports through the linker (l may be NULL
** when there are none), allocate memories, tables and globals, apply the
** element and data segments, run the start function with the default call
** options. Errors: PL_E_NOT_FOUND ("unknown import env.f"), PL_E_INVALID_ARG
** (an import of the wrong kind or type: "incompatible import type"),
** PL_E_LIMIT (initial memory above the cap), PL_E_TRAP (a segment out of
** bounds, or the start function trapped), PL_E_NOMEM.
** When the failure is a trap (segments or start function), *out still
** receives the instance, dead: what it wrote into imported tables and
** memories stays written, and functions it put into shared tables stay
** callable while it lives; free it like any other. Otherwise *out is NULL.
*/
pl_status plw_instantiate(plw_module *m, const plw_linker *l, const plw_instance_limits *lim,
                          plw_instance **out, pl_err *err);
/* The same with the embedder's data set before anything runs (segments,
** the start function), so host functions see it from the first call. */
pl_status plw_instantiate_data(plw_module *m, const plw_linker *l,
                               const plw_instance_limits *lim, void *data, plw_instance **out,
                               pl_err *err);
void plw_instance_free(plw_instance *inst);
const plw_module *plw_instance_module(const plw_instance *inst);
/* True once a call trapped: the instance refuses further calls. */
bool plw_instance_dead(const plw_instance *inst);
/* One pointer of the embedder's per instance (NULL at first), for host
** functions to find their state: plw_instance_data(plw_host_instance(cx)). */
void plw_instance_set_data(plw_instance *inst, void *data);
void *plw_instance_data(const plw_instance *inst);

/* An exported function; NULL when there is no function of that name.
** The _n form takes a length (export names may hold NUL bytes). */
const plw_func *plw_instance_func(plw_instance *inst, const char *name);
const plw_func *plw_instance_func_n(plw_instance *inst, const char *name, size_t len);

/* Make a trapped instance callable again. The spec lets an instance live
** on after a trap and its test suite relies on it; plinth itself never
** does this, because a trap can leave a plugin's state half-updated. */
void plw_instance_revive(plw_instance *inst);
plw_functype plw_func_type(const plw_func *f);

/* An exported global's value (and type); false when there is none. */
bool plw_instance_global(plw_instance *inst, const char *name, plw_type *type, plw_cell *value);

/* The instance's memory (its first, and in Wasm 2.0 only, memory). */
uint8_t *plw_memory_base(plw_instance *inst);
uint64_t plw_memory_size(const plw_instance *inst); /* bytes */
/* A bounds-checked view of [off, off+len): NULL when out of bounds or when
** there is no memory. Valid until the next call into the instance (memory
** never moves while it grows, but host code should not keep pointers). */
void *plw_memory_at(plw_instance *inst, uint64_t off, uint64_t len);
/* Grow by `pages` (64 KiB): the old size in pages, or -1 (over the cap or
** the module's maximum). */
int64_t plw_memory_grow(plw_instance *inst, uint32_t pages);

/* Ask the running call to stop; it traps with PLW_TRAP_INTERRUPTED within
** microseconds. Any thread. The flag is cleared when the next call starts. */
void plw_instance_interrupt(plw_instance *inst);

/* ---- calls ------------------------------------------------------------------ */


/* The spec's wording: "out of bounds memory access", ... */
const char *plw_trap_str(plw_trap_kind k);

/* Options for one call. Zero fields mean "no limit" except as noted. */
typedef struct plw_call_opts {
    uint64_t fuel;          /* instruction budget; 0 = unlimited */
    uint64_t timeout_ns;    /* wall-clock budget; 0 = none */
    /* A flag another thread may set to stop the call (it traps with
    ** PLW_TRAP_INTERRUPTED, looked at as often as the deadline); NULL =
    ** none. The caller's own cancellation, beside plw_instance_interrupt. */
    const atomic_int *cancel;
} plw_call_opts;

/* What happened in a call. */
typedef struct plw_call_info {
    uint64_t fuel_used;      /* units consumed (one per Wasm instruction) */
    plw_trap_kind trap;      /* PLW_TRAP_NONE when the call returned */
    uint32_t trap_func;      /* function index of the trap */
    uint32_t trap_offset;    /* byte offset in the module of the trapping instruction */
    int32_t exit_code;       /* PLW_TRAP_EXIT: the code given to plw_host_exit */
} plw_call_info;

/*
** plw_call — call f with args (f's params, in order) and receive its
** results. opts and info may be NULL (no limits; no report). The call
** runs on the calling thread. Returns PL_OK, PL_E_TRAP or PL_E_LIMIT (a
** trap; err says which and where), PL_E_MISUSE (the instance is dead, or
** f belongs to another instance).
*/
pl_status plw_call(plw_instance *inst, const plw_func *f, const plw_cell *args,
                   plw_cell *results, const plw_call_opts *opts, plw_call_info *info,
                   pl_err *err);

#endif
