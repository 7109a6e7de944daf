/*
** dump.c — a listing of a function's compiled code, for people working on
** the compiler and for `plinth wasm run --dump`-style diagnostics:
**   0012  add32i     s+48 s+16 #1
** Slots print as s+<byte offset>, immediates as #n, targets as @word.
*/
#include <stdio.h>

#include "wasm_int.h"

static const char *const ir_names[PLW_IR__COUNT] = {
#define IR(name, words) [PLW_IR_##name] = #name,
#include "ir.def"
#undef IR
};

/* The operation whose handler offset is h. */
static int op_of(const int32_t *handlers, uint32_t h)
{
    for (int i = 0; i < PLW_IR__COUNT; i++)
        if ((uint32_t)handlers[i] == h)
            return i;
    return -1;
}

static bool is_branch(int op)
{
    return (op >= PLW_IR_br && op <= PLW_IR_br64_geu);
}

int plw_dump_function(const plw_module *m, uint32_t func, FILE *out)
{
    if (func < m->n_func_imports || func >= m->n_funcs)
        return -1;
    const plw_code *c = m->funcs[func].code;
    const int32_t *h = plw_exec_handlers();
    fprintf(out, "func %u: %u params, %u locals, frame %u slots, entry fuel %u\n", func,
            c->n_params, c->n_locals, c->frame_slots, c->entry_fuel);
    for (uint32_t pos = c->start; pos < c->start + c->n_words;) {
        int op = op_of(h, m->ir[pos]);
        if (op < 0) {
            fprintf(out, "%04u  ??? %08x\n", pos - c->start, m->ir[pos]);
            return -1;
        }
        fprintf(out, "%04u  %-12s", pos - c->start, ir_names[op]);
        uint32_t n = plw_ir_words[op];
        for (uint32_t i = 1; i <= n; i++) {
            uint32_t w = m->ir[pos + i];
            /* br: t f; conditional branches: operands, t, f, g */
            bool target = is_branch(op) && i == (op == PLW_IR_br ? 1u : n - 2);
            if (target)
                fprintf(out, " @%04d", (int)(pos - c->start) + (int32_t)w);
            else
                fprintf(out, " %u", w);
        }
        if (op == PLW_IR_br_table) {
            uint32_t k = m->ir[pos + 2];
            for (uint32_t i = 0; i <= k; i++)
                fprintf(out, " [@%04d f%d]", (int)(pos - c->start) + (int32_t)m->ir[pos + 3 + 2 * i],
                        (int32_t)m->ir[pos + 4 + 2 * i]);
            n += 2 * (k + 1);
        }
        fputc('\n', out);
        pos += 1 + n;
    }
    return 0;
}
