/*
** compile_ops.c — one handler per opcode: check the operand types (the
** spec's validation rules) and emit IR. Numeric operations are described
** by a table (opcodes.def); control, variable, memory, table and call
** instructions have a handler each.
**
** Fusions made here (all within one straight-line run, never across a
** label):
**  - local.get costs nothing: consumers read the local's slot;
**  - local.set / local.tee write the producing instruction's result
**    straight into the local (its destination is patched);
**  - a constant operand becomes an immediate (add, and, shifts, compares);
**  - a compare (or eqz) followed by br_if or if becomes one branch.
*/
#include "wasm_int.h"

#define TRY(x)                     \
    do {                           \
        pl_status st_ = (x);       \
        if (st_ != PL_OK)          \
            return st_;            \
    } while (0)

/* ---- numeric operations (table-driven) ---------------------------------------- */

enum { NOP_IR = 0xffff, NO_IMM = 0xffff };

typedef struct numop {
    uint8_t in1, in2, out; /* in2 = 0 for unary operations */
    uint16_t ir;           /* NOP_IR: the bits do not change (reinterpret, wrap) */
    uint16_t imm;          /* the immediate form for a constant right operand */
    uint16_t swap_imm;     /* the immediate form for a constant left operand */
    bool traps;
} numop;

#define I32 PLW_I32
#define I64 PLW_I64
#define F32 PLW_F32
#define F64 PLW_F64
#define UN(a, r, op) { a, 0, r, PLW_IR_##op, NO_IMM, NO_IMM, false }
#define UNT(a, r, op) { a, 0, r, PLW_IR_##op, NO_IMM, NO_IMM, true }
#define RE(a, r) { a, 0, r, NOP_IR, NO_IMM, NO_IMM, false }
#define BI(t, r, op) { t, t, r, PLW_IR_##op, NO_IMM, NO_IMM, false }
#define BIT(t, r, op) { t, t, r, PLW_IR_##op, NO_IMM, NO_IMM, true }
#define BII(t, r, op, imm, swap) { t, t, r, PLW_IR_##op, PLW_IR_##imm, PLW_IR_##swap, false }
#define BIN1(t, r, op, imm) { t, t, r, PLW_IR_##op, PLW_IR_##imm, NO_IMM, false }

/* Opcodes 0x45 .. 0xc4, in order. */
static const numop numops[] = {
    UN(I32, I32, eqz32),
    BII(I32, I32, eq32, eq32i, eq32i), BII(I32, I32, ne32, ne32i, ne32i),
    BII(I32, I32, lts32, lts32i, gts32i), BII(I32, I32, ltu32, ltu32i, gtu32i),
    BII(I32, I32, gts32, gts32i, lts32i), BII(I32, I32, gtu32, gtu32i, ltu32i),
    BII(I32, I32, les32, les32i, ges32i), BII(I32, I32, leu32, leu32i, geu32i),
    BII(I32, I32, ges32, ges32i, les32i), BII(I32, I32, geu32, geu32i, leu32i),
    UN(I64, I32, eqz64),
    BII(I64, I32, eq64, eq64i, eq64i), BII(I64, I32, ne64, ne64i, ne64i),
    BII(I64, I32, lts64, lts64i, gts64i), BII(I64, I32, ltu64, ltu64i, gtu64i),
    BII(I64, I32, gts64, gts64i, lts64i), BII(I64, I32, gtu64, gtu64i, ltu64i),
    BII(I64, I32, les64, les64i, ges64i), BII(I64, I32, leu64, leu64i, geu64i),
    BII(I64, I32, ges64, ges64i, les64i), BII(I64, I32, geu64, geu64i, leu64i),
    BI(F32, I32, feq32), BI(F32, I32, fne32), BI(F32, I32, flt32), BI(F32, I32, fgt32),
    BI(F32, I32, fle32), BI(F32, I32, fge32),
    BI(F64, I32, feq64), BI(F64, I32, fne64), BI(F64, I32, flt64), BI(F64, I32, fgt64),
    BI(F64, I32, fle64), BI(F64, I32, fge64),
    UN(I32, I32, clz32), UN(I32, I32, ctz32), UN(I32, I32, popcnt32),
    BII(I32, I32, add32, add32i, add32i), BI(I32, I32, sub32), BII(I32, I32, mul32, mul32i, mul32i),
    BIT(I32, I32, divs32), BIT(I32, I32, divu32), BIT(I32, I32, rems32), BIT(I32, I32, remu32),
    BII(I32, I32, and32, and32i, and32i), BII(I32, I32, or32, or32i, or32i),
    BII(I32, I32, xor32, xor32i, xor32i), BIN1(I32, I32, shl32, shl32i),
    BIN1(I32, I32, shrs32, shrs32i), BIN1(I32, I32, shru32, shru32i),
    BIN1(I32, I32, rotl32, rotl32i), BIN1(I32, I32, rotr32, rotr32i),
    UN(I64, I64, clz64), UN(I64, I64, ctz64), UN(I64, I64, popcnt64),
    BII(I64, I64, add64, add64i, add64i), BI(I64, I64, sub64), BII(I64, I64, mul64, mul64i, mul64i),
    BIT(I64, I64, divs64), BIT(I64, I64, divu64), BIT(I64, I64, rems64), BIT(I64, I64, remu64),
    BII(I64, I64, and64, and64i, and64i), BII(I64, I64, or64, or64i, or64i),
    BII(I64, I64, xor64, xor64i, xor64i), BIN1(I64, I64, shl64, shl64i),
    BIN1(I64, I64, shrs64, shrs64i), BIN1(I64, I64, shru64, shru64i),
    BIN1(I64, I64, rotl64, rotl64i), BIN1(I64, I64, rotr64, rotr64i),
    UN(F32, F32, fabs32), UN(F32, F32, fneg32), UN(F32, F32, fceil32), UN(F32, F32, ffloor32),
    UN(F32, F32, ftrunc32), UN(F32, F32, fnearest32), UN(F32, F32, fsqrt32),
    BI(F32, F32, fadd32), BI(F32, F32, fsub32), BI(F32, F32, fmul32), BI(F32, F32, fdiv32),
    BI(F32, F32, fmin32), BI(F32, F32, fmax32), BI(F32, F32, fcopysign32),
    UN(F64, F64, fabs64), UN(F64, F64, fneg64), UN(F64, F64, fceil64), UN(F64, F64, ffloor64),
    UN(F64, F64, ftrunc64), UN(F64, F64, fnearest64), UN(F64, F64, fsqrt64),
    BI(F64, F64, fadd64), BI(F64, F64, fsub64), BI(F64, F64, fmul64), BI(F64, F64, fdiv64),
    BI(F64, F64, fmin64), BI(F64, F64, fmax64), BI(F64, F64, fcopysign64),
    RE(I64, I32), /* i32.wrap_i64: the low half */
    UNT(F32, I32, trunc_f32_s32), UNT(F32, I32, trunc_f32_u32),
    UNT(F64, I32, trunc_f64_s32), UNT(F64, I32, trunc_f64_u32),
    UN(I32, I64, ext32s64), UN(I32, I64, extu32),
    UNT(F32, I64, trunc_f32_s64), UNT(F32, I64, trunc_f32_u64),
    UNT(F64, I64, trunc_f64_s64), UNT(F64, I64, trunc_f64_u64),
    UN(I32, F32, cvt_s32_f32), UN(I32, F32, cvt_u32_f32), UN(I64, F32, cvt_s64_f32),
    UN(I64, F32, cvt_u64_f32), UN(F64, F32, demote),
    UN(I32, F64, cvt_s32_f64), UN(I32, F64, cvt_u32_f64), UN(I64, F64, cvt_s64_f64),
    UN(I64, F64, cvt_u64_f64), UN(F32, F64, promote),
    RE(F32, I32), RE(F64, I64), RE(I32, F32), RE(I64, F64),
    UN(I32, I32, ext8s32), UN(I32, I32, ext16s32),
    UN(I64, I64, ext8s64), UN(I64, I64, ext16s64), UN(I64, I64, ext32s64),
};

/* 0xfc 0..7: the saturating truncations. */
static const numop satops[] = {
    UN(F32, I32, sat_f32_s32), UN(F32, I32, sat_f32_u32), UN(F64, I32, sat_f64_s32),
    UN(F64, I32, sat_f64_u32), UN(F32, I64, sat_f32_s64), UN(F32, I64, sat_f32_u64),
    UN(F64, I64, sat_f64_s64), UN(F64, I64, sat_f64_u64),
};

static bool fits_imm(uint8_t type, uint64_t k)
{
    return type == PLW_I32 || (int64_t)k == (int64_t)(int32_t)(uint32_t)k;
}

static uint32_t shift_mask(uint16_t imm_op)
{
    switch (imm_op) {
    case PLW_IR_shl32i: case PLW_IR_shrs32i: case PLW_IR_shru32i:
    case PLW_IR_rotl32i: case PLW_IR_rotr32i:
        return 31;
    case PLW_IR_shl64i: case PLW_IR_shrs64i: case PLW_IR_shru64i:
    case PLW_IR_rotl64i: case PLW_IR_rotr64i:
        return 63;
    default:
        return UINT32_MAX;
    }
}

static pl_status push_result(plw_cc *c, uint8_t type, uint32_t ins, uint16_t op, bool traps)
{
    TRY(plw_v_push_temp(c, type));
    if (traps)
        plw_map_here(c, ins);
    plw_set_last(c, ins, op, 1);
    return PL_OK;
}

static pl_status emit_unary(plw_cc *c, const numop *n)
{
    plw_val a;
    TRY(plw_v_pop(c, n->in1, &a));
    if (n->ir == NOP_IR) { /* same bits, new type */
        if (a.kind == PLW_V_CONST && n->out == PLW_I32)
            a.k &= 0xffffffffu;
        if (plw_dead(c))
            return plw_v_push_temp(c, n->out);
        return plw_v_push(c, n->out, (plw_vkind)a.kind, a.slot, a.k);
    }
    uint32_t depth = c->n_vals;
    uint32_t as = plw_operand_slot(c, &a, depth);
    uint32_t d = plw_slot_of_depth(c, depth);
    uint32_t ins = plw_emit(c, n->ir, 2, d, as);
    return push_result(c, n->out, ins, n->ir, n->traps);
}

static pl_status emit_binary(plw_cc *c, const numop *n, uint8_t op)
{
    plw_val a, b;
    TRY(plw_v_pop(c, n->in2, &b));
    TRY(plw_v_pop(c, n->in1, &a));
    uint32_t depth = c->n_vals;
    uint32_t d = plw_slot_of_depth(c, depth);
    uint16_t ir = n->ir;
    uint32_t ins;
    /* i32.sub / i64.sub by a constant is an add of its negation. */
    bool is_sub = op == 0x6b || op == 0x7d;
    uint16_t imm = is_sub ? (op == 0x6b ? PLW_IR_add32i : PLW_IR_add64i) : n->imm;
    uint64_t bk = is_sub ? (uint64_t)0 - b.k : b.k;
    if (b.kind == PLW_V_CONST && imm != NO_IMM && fits_imm(n->in1, bk)) {
        uint32_t as = plw_operand_slot(c, &a, depth);
        uint32_t k = (uint32_t)bk & shift_mask(imm);
        ins = plw_emit(c, imm, 3, d, as, k);
        ir = imm;
    } else if (a.kind == PLW_V_CONST && b.kind != PLW_V_CONST && n->swap_imm != NO_IMM &&
               fits_imm(n->in1, a.k)) {
        ins = plw_emit(c, n->swap_imm, 3, d, b.slot, (uint32_t)a.k);
        ir = n->swap_imm;
    } else {
        uint32_t as = plw_operand_slot(c, &a, depth);
        uint32_t bs = plw_operand_slot(c, &b, depth + 1);
        ins = plw_emit(c, ir, 3, d, as, bs);
    }
    return push_result(c, n->out, ins, ir, n->traps);
}

static pl_status op_numeric(plw_cc *c, uint8_t op)
{
    const numop *n = &numops[op - 0x45];
    return n->in2 ? emit_binary(c, n, op) : emit_unary(c, n);
}

static pl_status op_const(plw_cc *c, uint8_t op)
{
    switch (op) {
    case 0x41: return plw_v_push(c, PLW_I32, PLW_V_CONST, 0, (uint32_t)plw_rd_s32(&c->r));
    case 0x42: return plw_v_push(c, PLW_I64, PLW_V_CONST, 0, (uint64_t)plw_rd_s64(&c->r));
    case 0x43: {
        const uint8_t *b = plw_rd_bytes(&c->r, 4);
        return plw_v_push(c, PLW_F32, PLW_V_CONST, 0, b ? plw_rd32(b) : 0);
    }
    default: {
        const uint8_t *b = plw_rd_bytes(&c->r, 8);
        return plw_v_push(c, PLW_F64, PLW_V_CONST, 0, b ? plw_rd64(b) : 0);
    }
    }
}

/* ---- variables -------------------------------------------------------------------- */

static pl_status read_local(plw_cc *c, uint32_t *x)
{
    *x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (*x >= c->n_locals)
        return plw_v_invalid(c, "unknown local %u", *x);
    return PL_OK;
}

static pl_status op_local_get(plw_cc *c, uint8_t op)
{
    uint32_t x;
    TRY(read_local(c, &x));
    if (plw_dead(c))
        return plw_v_push_temp(c, c->locals[x]);
    return plw_v_push(c, c->locals[x], PLW_V_LOCAL, x * 8u, 0);
}

/* Store v into the local at `slot`. */
static void set_local(plw_cc *c, uint32_t slot, plw_val *v)
{
    size_t before = c->n_ir;
    plw_last last = c->last;
    plw_materialize_local(c, slot);
    bool untouched = c->n_ir == before;
    if (v->kind == PLW_V_CONST) {
        if (v->k <= UINT32_MAX)
            plw_emit(c, PLW_IR_const32, 2, slot, (uint32_t)v->k);
        else
            plw_emit(c, PLW_IR_const64, 3, slot, (uint32_t)v->k, (uint32_t)(v->k >> 32));
    } else if (v->kind == PLW_V_TEMP && untouched && last.valid && last.dst == v->slot &&
               last.ins + 1u + plw_ir_words[last.op] == c->n_ir) {
        c->ir[last.dst_at] = slot; /* the producer writes the local directly */
        c->last.valid = false;
    } else if (v->slot != slot) {
        plw_emit_copy(c, slot, v->slot);
    }
}

static pl_status op_local_set(plw_cc *c, uint8_t op)
{
    uint32_t x;
    TRY(read_local(c, &x));
    plw_val v;
    TRY(plw_v_pop(c, c->locals[x], &v));
    if (!plw_dead(c))
        set_local(c, x * 8u, &v);
    if (op == 0x22) { /* local.tee: the value stays, now as the local */
        if (plw_dead(c))
            return plw_v_push_temp(c, c->locals[x]);
        return plw_v_push(c, c->locals[x], PLW_V_LOCAL, x * 8u, 0);
    }
    return PL_OK;
}

static pl_status op_global(plw_cc *c, uint8_t op)
{
    uint32_t x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (x >= c->m->n_globals)
        return plw_v_invalid(c, "unknown global %u", x);
    const plw_global_type *g = &c->m->globals[x];
    if (op == 0x23) {
        uint32_t ins = plw_emit(c, PLW_IR_gget, 2, plw_slot_of_depth(c, c->n_vals), x);
        return push_result(c, g->type, ins, PLW_IR_gget, false);
    }
    if (!g->mut)
        return plw_v_invalid(c, "global is immutable");
    plw_val v;
    TRY(plw_v_pop(c, g->type, &v));
    uint32_t s = plw_operand_slot(c, &v, c->n_vals);
    plw_emit(c, PLW_IR_gset, 2, x, s);
    return PL_OK;
}

/* ---- parametric ---------------------------------------------------------------------- */

static pl_status op_drop(plw_cc *c, uint8_t op)
{
    plw_val v;
    return plw_v_pop_any(c, &v);
}

static bool is_num(uint8_t t)
{
    return t == PLW_UNKNOWN || t == PLW_I32 || t == PLW_I64 || t == PLW_F32 || t == PLW_F64;
}

static pl_status op_select(plw_cc *c, uint8_t op)
{
    uint8_t want = PLW_UNKNOWN;
    if (op == 0x1c) {
        uint32_t n = plw_rd_u32(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        if (n != 1)
            return plw_v_invalid(c, "invalid result arity");
        want = plw_rd_byte(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        if (!is_num(want) && want != PLW_FUNCREF && want != PLW_EXTERNREF)
            return plw_v_malformed(c, "malformed value type");
    }
    plw_val cond, b, a;
    TRY(plw_v_pop(c, PLW_I32, &cond));
    TRY(plw_v_pop(c, want, &b));
    TRY(plw_v_pop(c, want, &a));
    if (op == 0x1b && (!is_num(a.type) || !is_num(b.type)))
        return plw_v_invalid(c, "type mismatch: select without a type needs numeric operands");
    if (a.type != b.type && a.type != PLW_UNKNOWN && b.type != PLW_UNKNOWN)
        return plw_v_invalid(c, "type mismatch: select operands %s and %s",
                             plw_type_name(a.type), plw_type_name(b.type));
    uint8_t type = want != PLW_UNKNOWN ? want : a.type == PLW_UNKNOWN ? b.type : a.type;
    uint32_t depth = c->n_vals;
    uint32_t as = plw_operand_slot(c, &a, depth);
    uint32_t bs = plw_operand_slot(c, &b, depth + 1);
    uint32_t cs = plw_operand_slot(c, &cond, depth + 2);
    uint32_t ins = plw_emit(c, PLW_IR_select, 4, plw_slot_of_depth(c, depth), as, bs, cs);
    return push_result(c, type, ins, PLW_IR_select, false);
}

/* ---- memory --------------------------------------------------------------------------- */

typedef struct memop {
    uint8_t type;       /* the value's type */
    uint8_t align;      /* natural alignment (log2) */
    uint16_t ir;
} memop;

/* Opcodes 0x28 .. 0x3e. */
static const memop memops[] = {
    { I32, 2, PLW_IR_ld32 },    { I64, 3, PLW_IR_ld64 },    { F32, 2, PLW_IR_ld32 },
    { F64, 3, PLW_IR_ld64 },    { I32, 0, PLW_IR_ld8s32 },  { I32, 0, PLW_IR_ld8u32 },
    { I32, 1, PLW_IR_ld16s32 }, { I32, 1, PLW_IR_ld16u32 }, { I64, 0, PLW_IR_ld8s64 },
    { I64, 0, PLW_IR_ld8u32 },  { I64, 1, PLW_IR_ld16s64 }, { I64, 1, PLW_IR_ld16u32 },
    { I64, 2, PLW_IR_ld32s64 }, { I64, 2, PLW_IR_ld32 },
    { I32, 2, PLW_IR_st32 },    { I64, 3, PLW_IR_st64 },    { F32, 2, PLW_IR_st32 },
    { F64, 3, PLW_IR_st64 },    { I32, 0, PLW_IR_st8 },     { I32, 1, PLW_IR_st16 },
    { I64, 0, PLW_IR_st8 },     { I64, 1, PLW_IR_st16 },    { I64, 2, PLW_IR_st32 },
};

static pl_status need_memory(plw_cc *c)
{
    return c->m->n_mems ? PL_OK : plw_v_invalid(c, "unknown memory 0");
}

static pl_status read_memarg(plw_cc *c, uint8_t natural, uint32_t *offset)
{
    uint32_t align = plw_rd_u32(&c->r);
    *offset = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    TRY(need_memory(c));
    if (align > natural)
        return plw_v_invalid(c, "alignment must not be larger than natural");
    return PL_OK;
}

/* Loads that can absorb the i32.add computing their address. */
static const struct { uint16_t load, with_imm, with_slot; } addr_fusions[] = {
    { PLW_IR_ld32, PLW_IR_ld32a, PLW_IR_ld32x },
    { PLW_IR_ld64, PLW_IR_ld64a, PLW_IR_ld64x },
    { PLW_IR_ld8u32, PLW_IR_ld8u32a, PLW_IR_ld8u32x },
    { PLW_IR_ld8s32, PLW_IR_ld8s32a, NO_IMM },
    { PLW_IR_ld16u32, PLW_IR_ld16u32a, NO_IMM },
    { PLW_IR_ld16s32, PLW_IR_ld16s32a, NO_IMM },
};

/* The fused form of a load whose address a was the last instruction's
** result (add32i or add32), or NO_IMM. */
static uint16_t fused_load(const plw_cc *c, const plw_val *a, uint16_t load)
{
    const plw_last *l = &c->last;
    if (a->kind != PLW_V_TEMP || !l->valid || l->dst != a->slot ||
        l->ins + 1u + plw_ir_words[l->op] != c->n_ir || l->ins < c->barrier)
        return NO_IMM;
    for (size_t i = 0; i < sizeof addr_fusions / sizeof *addr_fusions; i++)
        if (addr_fusions[i].load == load)
            return l->op == PLW_IR_add32i  ? addr_fusions[i].with_imm
                   : l->op == PLW_IR_add32 ? addr_fusions[i].with_slot
                                           : NO_IMM;
    return NO_IMM;
}

static pl_status op_load(plw_cc *c, uint8_t op)
{
    const memop *mo = &memops[op - 0x28];
    uint32_t off;
    TRY(read_memarg(c, mo->align, &off));
    plw_val a;
    TRY(plw_v_pop(c, PLW_I32, &a));
    uint32_t depth = c->n_vals;
    uint32_t d = plw_slot_of_depth(c, depth);
    uint16_t fused = plw_dead(c) ? NO_IMM : fused_load(c, &a, mo->ir);
    if (fused != NO_IMM) { /* the add is folded into the load */
        uint32_t x = c->ir[c->last.ins + 2], y = c->ir[c->last.ins + 3];
        c->n_ir = c->last.ins;
        uint32_t ins = plw_emit(c, fused, 4, d, x, y, off);
        return push_result(c, mo->type, ins, fused, true);
    }
    uint32_t as = plw_operand_slot(c, &a, depth);
    uint32_t ins = plw_emit(c, mo->ir, 3, d, as, off);
    return push_result(c, mo->type, ins, mo->ir, true);
}

static pl_status op_store(plw_cc *c, uint8_t op)
{
    const memop *mo = &memops[op - 0x28];
    uint32_t off;
    TRY(read_memarg(c, mo->align, &off));
    plw_val v, a;
    TRY(plw_v_pop(c, mo->type, &v));
    TRY(plw_v_pop(c, PLW_I32, &a));
    uint32_t depth = c->n_vals;
    uint32_t as = plw_operand_slot(c, &a, depth);
    uint32_t vs = plw_operand_slot(c, &v, depth + 1);
    uint32_t ins = plw_emit(c, mo->ir, 3, as, vs, off);
    plw_map_here(c, ins);
    return PL_OK;
}

static pl_status zero_byte(plw_cc *c)
{
    uint8_t b = plw_rd_byte(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    return b == 0 ? PL_OK : plw_v_malformed(c, "zero byte expected");
}

static pl_status op_memory_size_grow(plw_cc *c, uint8_t op)
{
    TRY(zero_byte(c));
    TRY(need_memory(c));
    uint32_t depth = c->n_vals;
    if (op == 0x3f) {
        uint32_t ins = plw_emit(c, PLW_IR_mem_size, 1, plw_slot_of_depth(c, depth));
        return push_result(c, PLW_I32, ins, PLW_IR_mem_size, false);
    }
    plw_val n;
    TRY(plw_v_pop(c, PLW_I32, &n));
    depth = c->n_vals;
    uint32_t ns = plw_operand_slot(c, &n, depth);
    uint32_t ins = plw_emit(c, PLW_IR_mem_grow, 2, plw_slot_of_depth(c, depth), ns);
    return push_result(c, PLW_I32, ins, PLW_IR_mem_grow, false);
}

/* Pop `n` operands of the given types (last one on top) into slots. */
static pl_status pop_operands(plw_cc *c, int n, const uint8_t *types, uint32_t *slots)
{
    plw_val v[5];
    for (int i = n - 1; i >= 0; i--)
        TRY(plw_v_pop(c, types[i], &v[i]));
    for (int i = 0; i < n; i++)
        slots[i] = plw_operand_slot(c, &v[i], c->n_vals + (uint32_t)i);
    return PL_OK;
}

static pl_status need_data_count(plw_cc *c, uint32_t seg)
{
    if (c->m->data_count < 0)
        return plw_v_malformed(c, "data count section required");
    if (seg >= (uint64_t)c->m->data_count)
        return plw_v_invalid(c, "unknown data segment %u", seg);
    return PL_OK;
}

/* ---- tables ------------------------------------------------------------------------- */

static pl_status read_table(plw_cc *c, uint32_t *x)
{
    *x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    return *x < c->m->n_tables ? PL_OK : plw_v_invalid(c, "unknown table %u", *x);
}

static pl_status read_elem_seg(plw_cc *c, uint32_t *x)
{
    *x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    return *x < c->m->n_elems ? PL_OK : plw_v_invalid(c, "unknown elem segment %u", *x);
}

static pl_status op_table_get_set(plw_cc *c, uint8_t op)
{
    uint32_t x;
    TRY(read_table(c, &x));
    uint8_t et = c->m->tables[x].elem;
    if (op == 0x25) {
        uint8_t types[] = { PLW_I32 };
        uint32_t s[1];
        TRY(pop_operands(c, 1, types, s));
        uint32_t ins = plw_emit(c, PLW_IR_tbl_get, 3, plw_slot_of_depth(c, c->n_vals), x, s[0]);
        return push_result(c, et, ins, PLW_IR_tbl_get, true);
    }
    uint8_t types[] = { PLW_I32, et };
    uint32_t s[2];
    TRY(pop_operands(c, 2, types, s));
    plw_map_here(c, plw_emit(c, PLW_IR_tbl_set, 3, x, s[0], s[1]));
    return PL_OK;
}

/* 0xfc 12..17 */
static pl_status op_table_misc(plw_cc *c, uint32_t sub)
{
    plw_module *m = c->m;
    uint32_t x, y, s[3];
    switch (sub) {
    case 12: { /* table.init elem table */
        TRY(read_elem_seg(c, &y));
        TRY(read_table(c, &x));
        if (m->elems[y].type != m->tables[x].elem)
            return plw_v_invalid(c, "type mismatch: element segment and table types differ");
        uint8_t t[] = { PLW_I32, PLW_I32, PLW_I32 };
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_tbl_init, 5, x, y, s[0], s[1], s[2]));
        return PL_OK;
    }
    case 13:
        TRY(read_elem_seg(c, &y));
        plw_emit(c, PLW_IR_elem_drop, 1, y);
        return PL_OK;
    case 14: { /* table.copy dst src */
        TRY(read_table(c, &x));
        TRY(read_table(c, &y));
        if (m->tables[x].elem != m->tables[y].elem)
            return plw_v_invalid(c, "type mismatch: table types differ");
        uint8_t t[] = { PLW_I32, PLW_I32, PLW_I32 };
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_tbl_copy, 5, x, y, s[0], s[1], s[2]));
        return PL_OK;
    }
    case 15: { /* table.grow */
        TRY(read_table(c, &x));
        uint8_t t[] = { m->tables[x].elem, PLW_I32 };
        TRY(pop_operands(c, 2, t, s));
        uint32_t ins =
            plw_emit(c, PLW_IR_tbl_grow, 4, plw_slot_of_depth(c, c->n_vals), x, s[0], s[1]);
        return push_result(c, PLW_I32, ins, PLW_IR_tbl_grow, false);
    }
    case 16: { /* table.size */
        TRY(read_table(c, &x));
        uint32_t ins = plw_emit(c, PLW_IR_tbl_size, 2, plw_slot_of_depth(c, c->n_vals), x);
        return push_result(c, PLW_I32, ins, PLW_IR_tbl_size, false);
    }
    default: { /* 17: table.fill */
        TRY(read_table(c, &x));
        uint8_t t[] = { PLW_I32, m->tables[x].elem, PLW_I32 };
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_tbl_fill, 4, x, s[0], s[1], s[2]));
        return PL_OK;
    }
    }
}

/* 0xfc 8..11 */
static pl_status op_memory_misc(plw_cc *c, uint32_t sub)
{
    uint32_t seg = 0, s[3];
    uint8_t t[] = { PLW_I32, PLW_I32, PLW_I32 };
    switch (sub) {
    case 8: /* memory.init seg 0x00 */
        seg = plw_rd_u32(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        TRY(zero_byte(c));
        TRY(need_memory(c));
        TRY(need_data_count(c, seg));
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_mem_init, 4, seg, s[0], s[1], s[2]));
        return PL_OK;
    case 9: /* data.drop seg */
        seg = plw_rd_u32(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        TRY(need_data_count(c, seg));
        plw_emit(c, PLW_IR_data_drop, 1, seg);
        return PL_OK;
    case 10: /* memory.copy 0x00 0x00 */
        TRY(zero_byte(c));
        TRY(zero_byte(c));
        TRY(need_memory(c));
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_mem_copy, 3, s[0], s[1], s[2]));
        return PL_OK;
    default: /* 11: memory.fill 0x00 */
        TRY(zero_byte(c));
        TRY(need_memory(c));
        TRY(pop_operands(c, 3, t, s));
        plw_map_here(c, plw_emit(c, PLW_IR_mem_fill, 3, s[0], s[1], s[2]));
        return PL_OK;
    }
}

pl_status plw_op_fc(plw_cc *c, uint8_t op)
{
    uint32_t sub = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (sub < 8)
        return emit_unary(c, &satops[sub]);
    if (sub < 12)
        return op_memory_misc(c, sub);
    if (sub < 18)
        return op_table_misc(c, sub);
    return plw_v_malformed(c, "illegal opcode");
}

/* ---- references --------------------------------------------------------------------- */

static pl_status op_ref(plw_cc *c, uint8_t op)
{
    if (op == 0xd0) {
        uint8_t t = plw_rd_byte(&c->r);
        if (c->r.fail)
            return plw_v_malformed(c, c->r.fail);
        if (t != PLW_FUNCREF && t != PLW_EXTERNREF)
            return plw_v_malformed(c, "malformed reference type");
        return plw_v_push(c, t, PLW_V_CONST, 0, 0);
    }
    if (op == 0xd1) {
        plw_val v;
        TRY(plw_v_pop_any(c, &v));
        if (v.type != PLW_UNKNOWN && v.type != PLW_FUNCREF && v.type != PLW_EXTERNREF)
            return plw_v_invalid(c, "type mismatch: ref.is_null needs a reference, got %s",
                                 plw_type_name(v.type));
        uint32_t depth = c->n_vals;
        uint32_t vs = plw_operand_slot(c, &v, depth);
        uint32_t ins = plw_emit(c, PLW_IR_eqz64, 2, plw_slot_of_depth(c, depth), vs);
        return push_result(c, PLW_I32, ins, PLW_IR_eqz64, false);
    }
    uint32_t x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (x >= c->m->n_funcs)
        return plw_v_invalid(c, "unknown function %u", x);
    if (!c->m->declared_refs[x])
        return plw_v_invalid(c, "undeclared function reference");
    uint32_t ins = plw_emit(c, PLW_IR_ref_func, 2, plw_slot_of_depth(c, c->n_vals), x);
    return push_result(c, PLW_FUNCREF, ins, PLW_IR_ref_func, false);
}

/* ---- calls -------------------------------------------------------------------------- */

/* Arguments into their canonical slots, then popped with type checks. */
static pl_status pop_args(plw_cc *c, const plw_ftype *t)
{
    plw_ctrl *top = plw_v_top(c);
    for (uint32_t i = 0; i < t->n_params; i++) {
        uint32_t idx = c->n_vals - t->n_params + i;
        if (c->n_vals >= t->n_params && idx >= top->height)
            plw_materialize(c, idx);
    }
    plw_val v;
    for (uint32_t i = t->n_params; i-- > 0;)
        TRY(plw_v_pop(c, t->params[i], &v));
    return PL_OK;
}

static pl_status push_results(plw_cc *c, const plw_ftype *t)
{
    for (uint32_t i = 0; i < t->n_results; i++)
        TRY(plw_v_push_temp(c, t->results[i]));
    return PL_OK;
}

static pl_status op_call(plw_cc *c, uint8_t op)
{
    plw_module *m = c->m;
    uint32_t x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (x >= m->n_funcs)
        return plw_v_invalid(c, "unknown function %u", x);
    const plw_ftype *t = &m->types[m->funcs[x].type];
    TRY(pop_args(c, t));
    uint32_t base = plw_slot_of_depth(c, c->n_vals);
    uint32_t ins = x >= m->n_func_imports
                       ? plw_emit(c, PLW_IR_call, 2, x - m->n_func_imports, base)
                       : plw_emit(c, PLW_IR_call_imp, 2, x, base);
    plw_map_here(c, ins);
    return push_results(c, t);
}

static pl_status op_call_indirect(plw_cc *c, uint8_t op)
{
    plw_module *m = c->m;
    uint32_t y = plw_rd_u32(&c->r);
    uint32_t x = plw_rd_u32(&c->r);
    if (c->r.fail)
        return plw_v_malformed(c, c->r.fail);
    if (x >= m->n_tables)
        return plw_v_invalid(c, "unknown table %u", x);
    if (m->tables[x].elem != PLW_FUNCREF)
        return plw_v_invalid(c, "type mismatch: call_indirect needs a funcref table");
    if (y >= m->n_types)
        return plw_v_invalid(c, "unknown type %u", y);
    const plw_ftype *t = &m->types[y];
    plw_val idx;
    TRY(plw_v_pop(c, PLW_I32, &idx));
    uint32_t idx_depth = c->n_vals;
    TRY(pop_args(c, t));
    uint32_t base = plw_slot_of_depth(c, c->n_vals);
    uint32_t is = plw_operand_slot(c, &idx, idx_depth);
    uint32_t ins = plw_emit(c, PLW_IR_call_ind, 4, x, t->canon, is, base);
    plw_map_here(c, ins);
    return push_results(c, t);
}

/* ---- the table of handlers ---------------------------------------------------------- */

static pl_status op_nop(plw_cc *c, uint8_t op) { return PL_OK; }

static pl_status op_fc(plw_cc *c, uint8_t op) { return plw_op_fc(c, op); }

static pl_status op_simd(plw_cc *c, uint8_t op)
{
    return plw_errf(c->err, PL_E_UNSUPPORTED, c->m, c->func, c->op_off,
                    "SIMD instructions are not supported");
}

#define R2(a) [a] = op_numeric, [a + 1] = op_numeric
#define R4(a) R2(a), R2(a + 2)
#define R8(a) R4(a), R4(a + 4)
#define R16(a) R8(a), R8(a + 8)
#define L2(a) [a] = op_load, [a + 1] = op_load
#define S2(a) [a] = op_store, [a + 1] = op_store

const plw_op_fn plw_ops[256] = {
    [0x00] = plw_op_control, [0x01] = op_nop, [0x02] = plw_op_control,
    [0x03] = plw_op_control, [0x04] = plw_op_control, [0x05] = plw_op_control,
    [0x0b] = plw_op_control, [0x0c] = plw_op_control, [0x0d] = plw_op_control,
    [0x0e] = plw_op_control, [0x0f] = plw_op_control,
    [0x10] = op_call, [0x11] = op_call_indirect,
    [0x1a] = op_drop, [0x1b] = op_select, [0x1c] = op_select,
    [0x20] = op_local_get, [0x21] = op_local_set, [0x22] = op_local_set,
    [0x23] = op_global, [0x24] = op_global,
    [0x25] = op_table_get_set, [0x26] = op_table_get_set,
    L2(0x28), L2(0x2a), L2(0x2c), L2(0x2e), L2(0x30), L2(0x32), L2(0x34),
    S2(0x36), S2(0x38), S2(0x3a), S2(0x3c), [0x3e] = op_store,
    [0x3f] = op_memory_size_grow, [0x40] = op_memory_size_grow,
    [0x41] = op_const, [0x42] = op_const, [0x43] = op_const, [0x44] = op_const,
    [0x45] = op_numeric, [0x46] = op_numeric, [0x47] = op_numeric,
    R8(0x48), R16(0x50), R16(0x60), R16(0x70), R16(0x80), R16(0x90), R16(0xa0), R16(0xb0),
    [0xc0] = op_numeric, [0xc1] = op_numeric, [0xc2] = op_numeric, [0xc3] = op_numeric,
    [0xc4] = op_numeric,
    [0xd0] = op_ref, [0xd1] = op_ref, [0xd2] = op_ref,
    [0xfc] = op_fc, [0xfd] = op_simd,
};
