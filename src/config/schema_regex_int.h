/*
** schema_regex_int.h — the compiled form of a regular expression, shared by
** the parser (schema_regex_parse.c) and the matcher (schema_regex.c).
**
** A pattern compiles to a program for a backtracking machine: characters
** and classes consume one code point, SPLIT tries its next instruction and
** then `arg` (SPLIT_LAZY the other way round), SAVE records capture
** positions, MARK/PROGRESS stop an unbounded loop whose body matched the
** empty string (ECMA-262's empty check), LOOK runs a lookaround whose code
** follows it up to its own MATCH and continues at `arg`.
*/
#ifndef PL_CONFIG_SCHEMA_REGEX_INT_H
#define PL_CONFIG_SCHEMA_REGEX_INT_H

#include "config/schema_int.h"

enum rx_op {
    RX_CHAR,       /* arg: code point */
    RX_ANY,        /* any code point but a line terminator */
    RX_CLASS,      /* arg: class index */
    RX_SPLIT,      /* try pc + 1, then arg */
    RX_SPLIT_LAZY, /* try arg, then pc + 1 */
    RX_JMP,        /* arg: target */
    RX_SAVE,       /* arg: capture slot */
    RX_BOL,
    RX_EOL,
    RX_WORDB,
    RX_NWORDB,
    RX_LOOK,       /* flag: RX_LOOK_*; arg: where to continue */
    RX_BACKREF,    /* arg: group number */
    RX_MARK,       /* arg: register */
    RX_PROGRESS,   /* arg: register; fails when no input was consumed */
    RX_MATCH
};

enum { RX_LOOK_BEHIND = 1, RX_LOOK_NEG = 2 };

typedef struct rx_inst {
    uint8_t op;
    uint8_t flag;
    uint32_t arg;
} rx_inst;

typedef struct rx_range {
    uint32_t lo, hi;
} rx_range;

typedef struct rx_class {
    rx_range *ranges;
    size_t n, cap;
    uint32_t gc_mask; /* general categories included (1 << sch_gc) */
    bool negate;
} rx_class;

struct sch_regex {
    rx_inst *code;
    size_t ncode, code_cap;
    rx_class *classes;
    size_t nclasses, classes_cap;
    size_t nslots; /* 2 per group, group 0 included */
    size_t nregs;  /* MARK registers */
    bool anchored; /* starts with ^: only try position 0 */
};

bool rx_class_has(const rx_class *c, uint32_t cp);
/* The code point at s[pos] (pos < n) and its length in *len; an invalid
** UTF-8 byte reads as itself with length 1. */
uint32_t rx_decode(const char *s, size_t n, size_t pos, size_t *len);
bool rx_is_word(uint32_t cp);

#endif
