/*
** wasm_int.h — the engine's insides: the decoded module, compiled code,
** instances and the execution context. Private to src/wasm/.
**
** Compiled code ("IR") is an array of 32-bit words per module. Each
** instruction starts with its handler, stored as an offset from a base
** label inside the dispatch loop (exec.c), followed by its operands:
** frame slots as byte offsets from the frame pointer, immediates, and
** branch targets as word offsets relative to the instruction. Operands
** are slots, not stack pushes: local.get costs nothing, results are
** written straight into the slot (often a local) that needs them. The
** operations and their formats are listed once, in ir.def.
*/
#ifndef PL_WASM_INT_H
#define PL_WASM_INT_H

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "wasm.h"

#define PLW_PAGE 65536u
#define PLW_MAX_PAGES 65536u
/* Implementation limits (the spec lets an engine set them). */
#define PLW_MAX_LOCALS 50000u     /* params + locals of one function */
#define PLW_MAX_FUNCS 1000000u
#define PLW_MAX_TYPE_ARITY 1000u
#define PLW_MAX_TABLE_MAX 10000000u

#if defined(__GNUC__)
#  define PLW_LIKELY(x) __builtin_expect(!!(x), 1)
#  define PLW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define PLW_NOINLINE __attribute__((noinline))
#else
#  define PLW_NOINLINE
#  define PLW_LIKELY(x) (x)
#  define PLW_UNLIKELY(x) (x)
#endif

/* ---- the decoded module ---------------------------------------------------- */

typedef struct plw_ftype {
    uint32_t n_params, n_results;
    const uint8_t *params, *results; /* plw_type values */
    uint32_t canon;            /* index of the first identical type in the module */
} plw_ftype;

/* A constant expression (Wasm 2.0: one instruction then `end`). */
typedef enum plw_cexpr_kind {
    PLW_CE_CONST,       /* value */
    PLW_CE_GLOBAL,      /* global.get index */
    PLW_CE_REF_NULL,    /* ref.null */
    PLW_CE_REF_FUNC     /* ref.func index */
} plw_cexpr_kind;

typedef struct plw_cexpr {
    plw_cexpr_kind kind;
    uint32_t index;
    plw_cell value;
} plw_cexpr;

typedef struct plw_import {
    char *module, *name;         /* NUL-terminated copies; names may hold NULs */
    uint32_t module_len, name_len;
    plw_extern_kind kind;
    uint32_t index; /* into funcs / tables / mems / globals */
} plw_import;

typedef struct plw_export {
    char *name;
    uint32_t name_len;
    plw_extern_kind kind;
    uint32_t index;
} plw_export;

typedef struct plw_table_type {
    uint8_t elem;            /* PLW_FUNCREF or PLW_EXTERNREF */
    plw_limits_desc lim;
} plw_table_type;

typedef struct plw_global_type {
    uint8_t type;
    bool mut;
    plw_cexpr init;          /* defined globals only */
} plw_global_type;

typedef enum plw_seg_mode { PLW_SEG_ACTIVE, PLW_SEG_PASSIVE, PLW_SEG_DECLARATIVE } plw_seg_mode;

typedef struct plw_elem {
    plw_seg_mode mode;
    uint8_t type;            /* funcref / externref */
    uint32_t table;
    plw_cexpr offset;
    uint32_t n;
    plw_cexpr *items;        /* ref.func / ref.null / global.get */
} plw_elem;

typedef struct plw_data {
    plw_seg_mode mode;
    uint32_t mem;
    plw_cexpr offset;
    const uint8_t *bytes;    /* into the module's copy of the binary */
    uint32_t len;
} plw_data;

/* Compiled code of one defined function. */
typedef struct plw_code {
    uint32_t start, n_words;     /* where its IR lives in module->ir */
    uint32_t n_params, n_locals; /* n_locals excludes the params */
    uint32_t frame_slots;        /* params + locals + operand temps */
    uint32_t n_results;
    uint32_t entry_fuel;         /* units charged on entry (see compile.c) */
    uint32_t body_off;           /* byte offset of the body in the binary */
    uint32_t map_start, map_len; /* its rows in module->map_ir / map_wasm */
    uint8_t *local_types;        /* n_locals types, for diagnostics only */
} plw_code;

typedef struct plw_func_decl {
    uint32_t type;               /* index into types */
    plw_code *code;              /* NULL for imports */
} plw_func_decl;

typedef struct plw_custom {
    char *name;
    const uint8_t *data;
    size_t len;
} plw_custom;

struct plw_module {
    _Atomic uint32_t refs;
    plu_arena arena;             /* everything decoded lives here */
    char *name;
    uint8_t *bytes;              /* our copy of the binary */
    size_t len;

    plw_ftype *types;
    uint32_t n_types;
    plw_import *imports;
    uint32_t n_imports;
    plw_func_decl *funcs;        /* imports first */
    uint32_t n_funcs, n_func_imports;
    plw_table_type *tables;
    uint32_t n_tables, n_table_imports;
    plw_limits_desc *mems;
    uint32_t n_mems, n_mem_imports;
    plw_global_type *globals;
    uint32_t n_globals, n_global_imports;
    plw_export *exports;
    uint32_t n_exports;
    int64_t start;               /* -1 when none */
    plw_elem *elems;
    uint32_t n_elems;
    plw_data *datas;
    uint32_t n_datas;
    int64_t data_count;          /* -1 when the section is absent */
    plw_custom *customs;
    uint32_t n_customs;
    uint8_t *declared_refs;      /* per function: may be used by ref.func */

    plw_code *codes;             /* n_funcs - n_func_imports entries */
    uint32_t *ir;                /* every function's compiled code */
    size_t n_ir;
    uint32_t *map_ir, *map_wasm; /* IR word -> binary offset, for trap reports */
    size_t n_map;
};

/* ---- runtime objects -------------------------------------------------------- */

typedef struct plw_memory {
    uint8_t *base;               /* reserved up to `reserved` bytes, never moves */
    uint64_t size;               /* bytes accessible now */
    uint64_t reserved;
    uint32_t max_pages;          /* from the type and the cap */
    plw_limits_desc decl;        /* the declared limits, for import matching */
} plw_memory;

typedef struct plw_table {
    plw_cell *elems;
    uint32_t size, max;          /* max: the declared maximum bounded by the cap */
    uint8_t type;
    plw_limits_desc decl;
} plw_table;

typedef struct plw_global {
    plw_cell value;
    uint8_t type;
    bool mut;
} plw_global;

/* A function of an instance: what funcref values point to. */
struct plw_func {
    plw_instance *inst;          /* the instance it belongs to */
    const plw_ftype *type;
    const plw_code *code;        /* NULL for host functions */
    plw_host_fn host;
    void *user;
    plw_fast_fn fast;            /* a light host function (host is then a trampoline) */
    uint32_t index;              /* in its module */
};

/* One Wasm frame on the call stack. */
typedef struct plw_frame {
    const uint32_t *ret_ip;
    plw_cell *ret_fp;
} plw_frame;

/* Everything one call (and the calls it makes, across instances) shares. */
typedef struct plw_exec {
    plw_cell *stack, *stack_end;
    plw_frame *frames, *frames_end;
    plw_frame *fsp;              /* next free frame */
    int64_t fuel;                /* remaining; INT64_MAX-ish when unlimited */
    int64_t check_at;            /* below this, look at time and interrupts */
    uint64_t deadline_ns;        /* 0 until first checked */
    uint64_t timeout_ns;
    _Atomic int *interrupt;
    const atomic_int *cancel;    /* the caller's flag (plw_call_opts), or NULL */
    plw_cell *top;               /* while a host function runs: where a nested call starts */
    const void *native_base;     /* C stack position where the outermost call started */
    int32_t exit_code;           /* PLW_TRAP_EXIT */
    bool active;                 /* a call is running on these stacks */
    const uint32_t *trap_ip;     /* where the trap happened (NULL: unknown) */
    const plw_module *trap_mod;
    char host_msg[256];
} plw_exec;

struct plw_host_ctx {
    void *data;                  /* inst->data; first, for plw_host_data */
    plw_instance *inst;
    plw_exec *ex;
    const plw_func *fn;
    plw_cell *top;               /* first slot past the host function's cells */
    bool exited;                 /* plw_host_exit was called */
    plw_trap_kind ended;         /* plw_host_end's trap, or NONE */
};

/* Tables, memories and globals are owned by the instance that defined
** them; an instance that imports them holds a reference on that instance
** (deps), so providers outlive their importers. */
struct plw_instance {
    _Atomic uint32_t refs;
    plw_module *mod;
    plw_instance **deps;
    uint32_t n_deps;
    plw_func *funcs;             /* n_funcs; imports copied from their providers */
    plw_memory *mem;             /* NULL when the module has no memory */
    plw_table **tables;
    plw_global **globals;
    uint8_t *dropped_data;       /* per data segment */
    uint8_t *dropped_elem;       /* per element segment */
    plw_cell **elem_refs;        /* per element segment: its references, evaluated */
    plw_instance_limits lim;
    plw_exec ex;                 /* stacks for calls entered through this instance */
    _Atomic int interrupt;
    void *data;                  /* the embedder's */
    bool dead;
    bool running;
};

/* ---- shared between the files --------------------------------------------- */

/* exec.c */
const int32_t *plw_exec_handlers(void);
plw_trap_kind plw_exec_run(plw_exec *ex, plw_instance *inst, const plw_func *fn, plw_cell *fp);
/* Call any function (host or Wasm, any instance) with slots at fp. */
plw_trap_kind plw_exec_call(plw_exec *ex, const plw_func *fn, plw_cell *fp);
/* The slow path of the fuel check: time, interrupt, exhaustion. */
plw_trap_kind plw_exec_check(plw_exec *ex);
/* Set the first check point after ex->fuel was set. */
void plw_exec_arm(plw_exec *ex);
/* now + timeout without wrapping around. */
uint64_t plw_deadline_after(uint64_t now, uint64_t timeout);

/* linker.c: finding what an import resolves to */
typedef struct plw_link plw_link;
const plw_link *plw_linker_find(const plw_linker *l, const plw_import *im);
plw_extern_kind plw_link_kind(const plw_link *k);
plw_instance *plw_link_instance(const plw_link *k, uint32_t *index);
const plw_ftype *plw_link_host(const plw_link *k, plw_host_fn *fn, void **user,
                              plw_fast_fn *fast);

/* instance.c: an element segment's references (none once dropped). */
const plw_cell *plw_elem_refs(const plw_instance *inst, uint32_t seg, uint32_t *n);

/* dump.c: a listing of one function's compiled code; -1 for an import. */
int plw_dump_function(const plw_module *m, uint32_t func, FILE *out);

/* compile.c: validate and compile every function body. */
pl_status plw_compile_module(plw_module *m, pl_err *err);

/* decode.c */
pl_status plw_decode(plw_module *m, pl_err *err);
void plw_module_release(plw_module *m);

/* instance.c */
plw_cell plw_cexpr_eval(const plw_instance *inst, const plw_cexpr *e);
bool plw_ftype_equal(const plw_ftype *a, const plw_ftype *b);

/* memory.c */
pl_status plw_memory_new(uint32_t min_pages, uint32_t max_pages, uint64_t cap_bytes,
                         plw_memory **out, pl_err *err);
void plw_memory_release(plw_memory *m);
int64_t plw_memory_grow_by(plw_memory *m, uint32_t pages);

/* Errors with the module name and, when known, function and offset. */
pl_status plw_errf(pl_err *err, pl_status st, const plw_module *m, int64_t func, int64_t off,
                   const char *fmt, ...) PLU_PRINTF(6, 7);

/* Little-endian loads and stores of any alignment. */
static inline uint32_t plw_rd32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t plw_rd64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- reading the binary --------------------------------------------------
** A bounds-checked cursor. The first problem is kept in `fail` (a message
** in the spec's words: "unexpected end", "integer too large", ...) and
** every later read returns 0, so callers check once per item. */
typedef struct plw_rd {
    const uint8_t *p, *end;
    const uint8_t *base;         /* start of the binary, for offsets */
    const char *fail;
    const uint8_t *fail_at;
} plw_rd;

uint32_t plw_rd_u32_slow(plw_rd *r);
int32_t plw_rd_s32_slow(plw_rd *r);
int64_t plw_rd_s33(plw_rd *r);
int64_t plw_rd_s64(plw_rd *r);
/* A name (u32 length + UTF-8 bytes); *len receives the length. */
const uint8_t *plw_rd_name(plw_rd *r, uint32_t *len);
const uint8_t *plw_rd_bytes(plw_rd *r, uint32_t n);
void plw_rd_failed(plw_rd *r, const char *why);

static inline uint32_t plw_rd_off(const plw_rd *r)
{
    return (uint32_t)((r->fail ? r->fail_at : r->p) - r->base);
}

static inline uint8_t plw_rd_byte(plw_rd *r)
{
    if (PLW_LIKELY(r->p < r->end))
        return *r->p++;
    plw_rd_failed(r, "unexpected end");
    return 0;
}

static inline uint32_t plw_rd_u32(plw_rd *r)
{
    if (PLW_LIKELY(r->p < r->end && *r->p < 0x80))
        return *r->p++;
    return plw_rd_u32_slow(r);
}

static inline int32_t plw_rd_s32(plw_rd *r)
{
    if (PLW_LIKELY(r->p < r->end && *r->p < 0x80)) {
        uint8_t b = *r->p++;
        return (int32_t)(b & 0x40 ? (uint32_t)b | 0xffffff80u : b);
    }
    return plw_rd_s32_slow(r);
}

/* ---- the compiler (validate.c, compile.c, compile_ops.c) -----------------
** One pass per function body: the spec's validation algorithm (operand and
** control stacks) drives code generation. An operand is a temp (in the
** canonical slot of its stack depth), a local (no code was emitted: the
** consumer reads the local's slot) or a constant (folded into the
** consumer when it has an immediate form). */

enum { PLW_UNKNOWN = 0 }; /* the type of an operand popped in unreachable code */

typedef enum plw_vkind { PLW_V_TEMP, PLW_V_LOCAL, PLW_V_CONST } plw_vkind;

typedef struct plw_val {
    uint8_t type;
    uint8_t kind;   /* plw_vkind */
    uint32_t slot;  /* byte offset: the temp's or the local's slot */
    uint64_t k;     /* the constant */
} plw_val;

typedef enum plw_ctrl_kind { PLW_C_FUNC, PLW_C_BLOCK, PLW_C_LOOP, PLW_C_IF, PLW_C_ELSE } plw_ctrl_kind;

typedef struct plw_ctrl {
    uint8_t kind;
    bool unreachable;      /* validation: the operand stack is polymorphic */
    bool dead;             /* code generation: no path reaches here */
    uint32_t n_params, n_results;
    const uint8_t *params, *results;
    uint32_t height;       /* operand stack height below the params */
    uint32_t label_pos;    /* loop: IR position of the loop head */
    int32_t fixups;        /* forward branches to patch at the end (list head) */
    int32_t else_fixup;    /* if: the branch to patch to the else arm */
    uint32_t point;        /* fuel point of the label (block end or loop head) */
    uint32_t else_point;   /* if: fuel point of the else arm */
} plw_ctrl;

/* A branch whose target (and fuel) is patched later. */
typedef struct plw_fixup {
    uint32_t at;           /* word holding the target */
    uint32_t ins;          /* start of the branch instruction */
    int32_t next;
} plw_fixup;

/* A fuel amount to write once chains are known: rest(point). */
typedef struct plw_fuelfix {
    uint32_t at;
    uint32_t point;
} plw_fuelfix;

typedef struct plw_point {
    uint32_t chain, pos;
} plw_point;

/* The last instruction emitted, for retargeting and fusion. */
typedef struct plw_last {
    bool valid;
    uint32_t ins;          /* its position */
    uint16_t op;           /* its IR operation */
    uint32_t dst_at;       /* word holding its destination slot */
    uint32_t dst;          /* that slot */
} plw_last;

typedef struct plw_cc {
    plw_module *m;
    pl_err *err;
    plw_rd r;
    uint32_t func;         /* index in the module */
    uint32_t op_off;       /* offset of the current instruction */
    const int32_t *h;      /* handler offsets */

    /* the function */
    const plw_ftype *type;
    uint8_t *locals;       /* types of params + locals */
    uint32_t n_locals;     /* params + locals */
    uint32_t max_vals;

    /* validation stacks */
    plw_val *vals;
    uint32_t n_vals, cap_vals;
    plw_ctrl *ctrls;
    uint32_t n_ctrls, cap_ctrls;
    uint32_t n_local_refs; /* PLW_V_LOCAL entries on the stack */

    /* code */
    uint32_t *ir;
    size_t n_ir, cap_ir;
    plw_last last;
    uint32_t copy_at;      /* a copy that is the last instruction, for copy2 */
    uint32_t barrier;      /* position of the latest label: no fusion across it */
    plw_fixup *fix;
    uint32_t n_fix, cap_fix;
    uint32_t *map_ir, *map_wasm;
    size_t n_map, cap_map;

    /* fuel chains */
    plw_point *points;
    uint32_t n_points, cap_points;
    uint32_t *chain_end;
    uint32_t n_chains, cap_chains;
    plw_fuelfix *fuel;
    uint32_t n_fuel, cap_fuel;
    uint32_t chain, cc;    /* current chain and its count so far */
    bool oom;
} plw_cc;

#define PLW_NO_POINT UINT32_MAX

/* validate.c: the operand and control stacks. Errors return non-OK after
** recording "type mismatch: ..." and the like at the current instruction. */
pl_status plw_v_invalid(plw_cc *c, const char *fmt, ...) PLU_PRINTF(2, 3);
pl_status plw_v_malformed(plw_cc *c, const char *why);
pl_status plw_v_push_slow(plw_cc *c, uint8_t type, plw_vkind kind, uint32_t slot, uint64_t k);
pl_status plw_v_pop_slow(plw_cc *c, uint8_t expect, plw_val *out);
pl_status plw_v_pop_any(plw_cc *c, plw_val *out);
pl_status plw_v_push_ctrl(plw_cc *c, plw_ctrl_kind kind, const plw_ftype *bt);
pl_status plw_v_pop_ctrl_check(plw_cc *c);   /* end types on top, height right */
void plw_v_unreachable(plw_cc *c);
uint32_t plw_v_label_arity(const plw_ctrl *f);
const uint8_t *plw_v_label_types(const plw_ctrl *f);
pl_status plw_v_check_label_vals(plw_cc *c, const plw_ctrl *f, bool retype);
static inline plw_ctrl *plw_v_top(plw_cc *c) { return &c->ctrls[c->n_ctrls - 1]; }
static inline uint32_t plw_slot_of_depth(const plw_cc *c, uint32_t depth)
{
    return (c->n_locals + depth) * 8u;
}

/* The fast paths of push and pop (the compiler's hottest code). */
static inline pl_status plw_v_push(plw_cc *c, uint8_t type, plw_vkind kind, uint32_t slot,
                                   uint64_t k)
{
    if (PLW_UNLIKELY(c->n_vals == c->cap_vals || c->n_vals == c->max_vals))
        return plw_v_push_slow(c, type, kind, slot, k);
    plw_val *v = &c->vals[c->n_vals];
    v->type = type;
    v->kind = (uint8_t)kind;
    v->slot = kind == PLW_V_LOCAL ? slot : plw_slot_of_depth(c, c->n_vals);
    v->k = k;
    c->n_local_refs += kind == PLW_V_LOCAL;
    c->n_vals++;
    return PL_OK;
}

static inline pl_status plw_v_push_temp(plw_cc *c, uint8_t type)
{
    return plw_v_push(c, type, PLW_V_TEMP, 0, 0);
}

static inline pl_status plw_v_pop(plw_cc *c, uint8_t expect, plw_val *out)
{
    const plw_ctrl *f = &c->ctrls[c->n_ctrls - 1];
    if (PLW_LIKELY(c->n_vals > f->height)) {
        const plw_val *v = &c->vals[c->n_vals - 1];
        if (PLW_LIKELY(v->type == expect || expect == PLW_UNKNOWN || v->type == PLW_UNKNOWN)) {
            *out = *v;
            c->n_vals--;
            c->n_local_refs -= v->kind == PLW_V_LOCAL;
            return PL_OK;
        }
    }
    return plw_v_pop_slow(c, expect, out);
}

/* compile.c: emission helpers shared with compile_ops.c */
static inline bool plw_dead(const plw_cc *c)
{
    return c->n_ctrls == 0 || c->ctrls[c->n_ctrls - 1].dead;
}

uint32_t plw_emit_slow(plw_cc *c, uint16_t op, int n, const uint32_t *w);

/* Emit op with n operand words (w[1..n]); returns the instruction's
** position. Nothing is emitted in dead code. */
static inline uint32_t plw_emit_arr(plw_cc *c, uint16_t op, int n, const uint32_t *w)
{
    uint32_t at = (uint32_t)c->n_ir;
    c->last.valid = false;
    if (PLW_UNLIKELY(plw_dead(c) || c->n_ir + 1 + (size_t)n > c->cap_ir))
        return plw_emit_slow(c, op, n, w);
    uint32_t *p = c->ir + c->n_ir;
    p[0] = (uint32_t)c->h[op];
    for (int i = 0; i < n; i++)
        p[1 + i] = w[1 + i];
    c->n_ir += 1 + (size_t)n;
    return at;
}
#define plw_emit(c, op, n, ...) plw_emit_arr((c), (op), (n), (const uint32_t[]){ 0, __VA_ARGS__ })
void plw_emit_word(plw_cc *c, uint32_t w);
void plw_emit_copy(plw_cc *c, uint32_t dst, uint32_t src);
void plw_label_here(plw_cc *c);                      /* a branch target is here */
void plw_map_here(plw_cc *c, uint32_t ins);           /* ins may trap: remember where */
void plw_set_last(plw_cc *c, uint32_t ins, uint16_t op, uint32_t dst_word);
void plw_materialize(plw_cc *c, uint32_t i);          /* operand i into its canonical slot */
void plw_materialize_locals(plw_cc *c);               /* every local ref on the stack */
void plw_materialize_local(plw_cc *c, uint32_t slot); /* refs to one local */
uint32_t plw_operand_slot(plw_cc *c, plw_val *v, uint32_t depth); /* a slot holding v */
uint32_t plw_new_point(plw_cc *c);
void plw_point_here(plw_cc *c, uint32_t p);           /* p is at the current position */
void plw_end_chain(plw_cc *c);
void plw_start_chain(plw_cc *c);
void plw_fuel_fix(plw_cc *c, uint32_t at, uint32_t point);
/* Point the branch at `ins` (target and fuel words given) to f's label,
** whose values are already in place. */
void plw_branch_to(plw_cc *c, uint32_t ins, uint32_t target_word, uint32_t fuel_word,
                   plw_ctrl *f);
/* Copy the label's values (top of the stack) into the label's slots. */
void plw_copy_label_vals(plw_cc *c, const plw_ctrl *f);
void plw_patch_fixups(plw_cc *c, int32_t head);  /* forward branches to here */
int32_t plw_fixup_new(plw_cc *c, uint32_t at, uint32_t ins, int32_t next);
bool plw_label_vals_in_place(plw_cc *c, const plw_ctrl *f);
void plw_emit_return(plw_cc *c);

/* compile_ops.c: one handler per opcode */
typedef pl_status (*plw_op_fn)(plw_cc *c, uint8_t op);
extern const plw_op_fn plw_ops[256];
pl_status plw_op_fc(plw_cc *c, uint8_t op);
pl_status plw_op_control(plw_cc *c, uint8_t op); /* compile_ctl.c */

/* The IR operations. */
enum {
#define IR(name, words) PLW_IR_##name,
#include "ir.def"
#undef IR
    PLW_IR__COUNT
};
extern const uint8_t plw_ir_words[PLW_IR__COUNT];

#endif
