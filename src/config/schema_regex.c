/*
** schema_regex.c — the matcher: a backtracking machine over the program of
** schema_regex_int.h, reading UTF-8 input one code point at a time.
**
** Backtracking state lives on an explicit stack (branches to retry and the
** old values of capture slots and loop registers to restore), so deep
** inputs cannot overflow the C stack; only lookarounds recurse, as deep as
** they nest in the pattern. Every search has a budget of steps: a pattern
** with catastrophic backtracking ends in -1 instead of hanging.
*/
#include <string.h>

#include "config/schema_regex_int.h"

enum { RX_MAX_STEPS = 2000000 };
enum { BT_BRANCH, BT_SLOT, BT_REG };

typedef struct rx_bt {
    uint32_t kind, a; /* BRANCH: a = pc; SLOT/REG: a = index */
    size_t b;         /* BRANCH: position; SLOT/REG: the old value */
} rx_bt;

enum { RX_LOCAL_STACK = 64, RX_LOCAL_CELLS = 32 };

typedef struct rx_vm {
    const sch_regex *re;
    const char *s;
    size_t n;
    rx_bt *stack; /* `local` until it outgrows it */
    size_t sp, cap;
    size_t *slots, *regs;
    long steps;
    rx_bt local[RX_LOCAL_STACK];
} rx_vm;

/* ---- characters ------------------------------------------------------------ */

uint32_t rx_decode(const char *s, size_t n, size_t pos, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s + pos;
    size_t k = plu_utf8_seq(p, n - pos);
    if (k == 0) {
        *len = 1;
        return p[0];
    }
    *len = k;
    if (k == 1)
        return p[0];
    uint32_t cp = p[0] & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        cp = (cp << 6) | (p[j] & 0x3F);
    return cp;
}

bool rx_is_word(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9') || cp == '_';
}

bool rx_class_has(const rx_class *c, uint32_t cp)
{
    bool in = c->gc_mask && ((c->gc_mask >> sch_unicode_gc(cp)) & 1u);
    for (size_t k = 0; !in && k < c->n; k++)
        in = cp >= c->ranges[k].lo && cp <= c->ranges[k].hi;
    return in != c->negate;
}

static bool line_terminator(uint32_t cp)
{
    return cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
}

/* The start of the code point before pos (pos > 0). */
static size_t prev_pos(const char *s, size_t pos)
{
    size_t k = pos - 1;
    while (k > 0 && pos - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    size_t len;
    /* A broken sequence reads as single bytes, like rx_decode does. */
    (void)rx_decode(s, pos, k, &len);
    return k + len == pos ? k : pos - 1;
}

static bool word_before(const rx_vm *vm, size_t pos)
{
    if (pos == 0)
        return false;
    size_t len, k = prev_pos(vm->s, pos);
    return rx_is_word(rx_decode(vm->s, vm->n, k, &len));
}

static bool word_at(const rx_vm *vm, size_t pos)
{
    size_t len;
    return pos < vm->n && rx_is_word(rx_decode(vm->s, vm->n, pos, &len));
}

/* ---- the backtracking stack --------------------------------------------------- */

/* Move the stack to the heap (first growth) or grow it there. */
static int grow_stack(rx_vm *vm)
{
    size_t cap = vm->cap * 2;
    rx_bt *n = vm->stack == vm->local ? plu_malloc(cap * sizeof *n)
                                      : plu_realloc(vm->stack, cap * sizeof *n);
    if (!n)
        return -1;
    if (vm->stack == vm->local)
        memcpy(n, vm->local, vm->sp * sizeof *n);
    vm->stack = n;
    vm->cap = cap;
    return 0;
}

static int push(rx_vm *vm, uint32_t kind, uint32_t a, size_t b)
{
    if (vm->sp == vm->cap && grow_stack(vm) != 0)
        return -1;
    vm->stack[vm->sp++] = (rx_bt){kind, a, b};
    return 0;
}

static void undo(rx_vm *vm, const rx_bt *e)
{
    if (e->kind == BT_SLOT)
        vm->slots[e->a] = e->b;
    else if (e->kind == BT_REG)
        vm->regs[e->a] = e->b;
}

/* Drop everything above base, restoring slots and registers. */
static void unwind_to(rx_vm *vm, size_t base)
{
    while (vm->sp > base)
        undo(vm, &vm->stack[--vm->sp]);
}

/* Resume at the most recent branch above base; false when there is none. */
static bool backtrack(rx_vm *vm, size_t base, uint32_t *pc, size_t *pos)
{
    while (vm->sp > base) {
        const rx_bt *e = &vm->stack[--vm->sp];
        if (e->kind == BT_BRANCH) {
            *pc = e->a;
            *pos = e->b;
            return true;
        }
        undo(vm, e);
    }
    return false;
}

/* Set slot or register `idx` of `arr` to v, remembering the old value. */
static int set_saved(rx_vm *vm, size_t *arr, uint32_t kind, uint32_t idx, size_t v)
{
    if (push(vm, kind, idx, arr[idx]) != 0)
        return -2;
    arr[idx] = v;
    return 1;
}

/* ---- instructions ------------------------------------------------------------ */

static int run(rx_vm *vm, uint32_t pc, size_t pos, size_t end_at);

static int consume(rx_vm *vm, const rx_inst *in, size_t *pos)
{
    if (*pos >= vm->n)
        return 0;
    size_t len;
    uint32_t cp = rx_decode(vm->s, vm->n, *pos, &len);
    bool ok = in->op == RX_CHAR  ? cp == in->arg
              : in->op == RX_ANY ? !line_terminator(cp)
                                 : rx_class_has(&vm->re->classes[in->arg], cp);
    *pos += len;
    return ok;
}

static int backref(rx_vm *vm, uint32_t group, size_t *pos)
{
    size_t from = vm->slots[2 * group], to = vm->slots[2 * group + 1];
    if (from == SIZE_MAX || to == SIZE_MAX || to < from)
        return 1; /* an unset group matches the empty string */
    size_t len = to - from;
    if (vm->n - *pos < len || memcmp(vm->s + from, vm->s + *pos, len) != 0)
        return 0;
    *pos += len;
    return 1;
}

/* A lookbehind: does the body match some s[start..pos) ending at pos? */
static int look_behind(rx_vm *vm, uint32_t pc, size_t pos)
{
    size_t start = pos;
    for (;;) {
        int r = run(vm, pc, start, pos);
        if (r != 0 || start == 0)
            return r;
        start = prev_pos(vm->s, start);
    }
}

static int look(rx_vm *vm, const rx_inst *in, uint32_t *pc, size_t pos)
{
    size_t base = vm->sp;
    int r = in->flag & RX_LOOK_BEHIND ? look_behind(vm, *pc + 1, pos)
                                      : run(vm, *pc + 1, pos, SIZE_MAX);
    unwind_to(vm, base); /* lookarounds are atomic; their captures are dropped */
    if (r < 0)
        return r;
    if ((r == 1) == ((in->flag & RX_LOOK_NEG) != 0))
        return 0;
    *pc = in->arg;
    return 1;
}

static bool assertion(const rx_vm *vm, uint8_t op, size_t pos)
{
    switch (op) {
    case RX_BOL: return pos == 0;
    case RX_EOL: return pos == vm->n;
    case RX_WORDB: return word_before(vm, pos) != word_at(vm, pos);
    default: return word_before(vm, pos) == word_at(vm, pos);
    }
}

/* One instruction: 1 go on, 0 fail (backtrack), 2 matched, < 0 error. */
static int step(rx_vm *vm, uint32_t *pc, size_t *pos, size_t end_at)
{
    if (--vm->steps < 0)
        return -1;
    const rx_inst *in = &vm->re->code[*pc];
    int r = 1;
    uint32_t next = *pc + 1;
    switch (in->op) {
    case RX_CHAR: case RX_ANY: case RX_CLASS: r = consume(vm, in, pos); break;
    case RX_SPLIT: r = push(vm, BT_BRANCH, in->arg, *pos) ? -2 : 1; break;
    case RX_SPLIT_LAZY:
        r = push(vm, BT_BRANCH, next, *pos) ? -2 : 1;
        next = in->arg;
        break;
    case RX_JMP: next = in->arg; break;
    case RX_SAVE: r = set_saved(vm, vm->slots, BT_SLOT, in->arg, *pos); break;
    case RX_MARK: r = set_saved(vm, vm->regs, BT_REG, in->arg, *pos); break;
    case RX_PROGRESS: r = vm->regs[in->arg] != *pos; break;
    case RX_LOOK: return look(vm, in, pc, *pos);
    case RX_BACKREF: r = backref(vm, in->arg, pos); break;
    case RX_MATCH: return end_at == SIZE_MAX || *pos == end_at ? 2 : 0;
    default: r = assertion(vm, in->op, *pos); break;
    }
    if (r == 1)
        *pc = next;
    return r;
}

/* Run from pc at pos until MATCH (1), exhaustion (0) or an error (< 0).
** end_at (SIZE_MAX: anywhere) is where a match must end, for lookbehind. */
static int run(rx_vm *vm, uint32_t pc, size_t pos, size_t end_at)
{
    size_t base = vm->sp;
    for (;;) {
        int r = step(vm, &pc, &pos, end_at);
        if (r == 2)
            return 1;
        if (r < 0)
            return r;
        if (r == 0 && !backtrack(vm, base, &pc, &pos))
            return 0;
    }
}

int sch_regex_search(const sch_regex *re, const char *s, size_t n)
{
    size_t cells = re->nslots + re->nregs, small[RX_LOCAL_CELLS];
    size_t *mem = cells <= RX_LOCAL_CELLS ? small : plu_malloc(cells * sizeof *mem);
    if (!mem)
        return -2;
    rx_vm vm = {.re = re, .s = s, .n = n, .cap = RX_LOCAL_STACK, .slots = mem,
                .regs = mem + re->nslots, .steps = RX_MAX_STEPS};
    vm.stack = vm.local;
    int r;
    for (size_t start = 0;;) {
        memset(mem, 0xFF, cells * sizeof *mem); /* every slot unset */
        vm.sp = 0;
        r = run(&vm, 0, start, SIZE_MAX);
        if (r != 0 || re->anchored || start >= n)
            break;
        size_t len;
        (void)rx_decode(s, n, start, &len);
        start += len;
    }
    if (vm.stack != vm.local)
        plu_free(vm.stack);
    if (mem != small)
        plu_free(mem);
    return r;
}
