/*
** toml_int.h — private to the TOML reader (toml.c, toml_lex.c,
** toml_scalar.c). Not part of doc.h's API.
**
** The reader works on the raw bytes with one cursor (plc_toml). The input
** is checked for valid UTF-8 and bare carriage returns once, up front, so
** the scanners after that only look at ASCII bytes and step over the rest.
** Every function that can fail returns a pl_status and has already recorded
** the error (with its location) when it returns something other than PL_OK.
*/
#ifndef PL_CONFIG_TOML_INT_H
#define PL_CONFIG_TOML_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doc.h"

/* Deepest nesting of tables and arrays accepted. It bounds the parser's
** recursion (arrays and inline tables) and the depth of the tree that
** later recursive consumers (plc_to_json, plc_equal) walk. */
#define PLC_TOML_MAX_DEPTH 256

/* Room for a key or table name quoted in an error message. */
#define PLC_TOML_NAME_MAX 160

/* ---- character classes ---------------------------------------------- */
enum {
    PLC_TC_WS = 1u << 0,    /* space, tab */
    PLC_TC_BARE = 1u << 1,  /* A-Z a-z 0-9 _ - : may appear in a bare key */
    PLC_TC_TOKEN = 1u << 2, /* may appear in a bare value (number, date, bool) */
    PLC_TC_CTRL = 1u << 3,  /* a control character a string may not hold raw */
    PLC_TC_QUOTE = 1u << 4, /* " */
    PLC_TC_APOS = 1u << 5,  /* ' */
    PLC_TC_BSLASH = 1u << 6 /* \ */
};
extern const uint8_t plc_toml_class[256];

static inline bool plc_toml_is(unsigned char c, unsigned cls)
{
    return (plc_toml_class[c] & cls) != 0;
}

static inline bool plc_toml_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* ---- table states kept in plc_node.flags ----------------------------
** A table without any of these bits was created implicitly by a header
** such as [a.b.c] (for a and a.b); a later [a] may still define it. */
enum {
    PLC_TF_HEADER = 1u << 0, /* defined by [header] or as a [[header]] item */
    PLC_TF_DOTTED = 1u << 1, /* defined by dotted keys (a.b = 1 defines a) */
    PLC_TF_INLINE = 1u << 2, /* an inline table: closed once written */
    PLC_TF_AOT = 1u << 3     /* an array made by [[header]]; headers extend it */
};

/* One part of a dotted key: its bytes sit in plc_toml.keys at off. */
typedef struct plc_toml_part {
    size_t off, len;
    size_t pos; /* where the part starts in the input */
} plc_toml_part;

/* A decoded string: either a slice of the input or of plc_toml.scratch;
** valid until the next string is decoded. */
typedef struct plc_toml_span {
    const char *ptr;
    size_t len;
} plc_toml_span;

typedef struct plc_toml {
    const unsigned char *s;
    size_t n;   /* input length */
    size_t pos; /* the cursor */
    /* The cursor's line and the offset where that line starts; every
    ** scanner that steps over a newline calls plc_toml_newline. */
    uint32_t line;
    size_t line_start;
    /* Column cache: col is the column of col_pos (on the current line),
    ** so locations asked for left to right cost linear time in total. */
    size_t col_pos;
    uint32_t col;
    const char *file; /* name for error messages (the caller's string) */
    plc_doc *doc;
    pl_err *err;
    plu_buf scratch; /* decoded strings that could not be sliced */
    plu_buf keys;    /* the bytes of the current key's parts */
    plc_toml_part parts[PLC_TOML_MAX_DEPTH];
    size_t nparts;
    /* Where key/value lines go: the root or the last [header]'s table. */
    plc_node *section;
    size_t section_depth;
    /* The last header's key, kept raw (the parts' bytes and their lengths
    ** as size_t) and formatted only when an error message names it. */
    plu_buf section_keys, section_lens;
} plc_toml;

/* ---- positions and errors (toml_lex.c) ------------------------------- */

/* Record that a line ends just before offset `next`. */
static inline void plc_toml_newline(plc_toml *t, size_t next)
{
    t->line++;
    t->line_start = next;
}

/* The location of input offset pos, with the document's file name (for
** nodes). pos must be on the cursor's line or earlier. */
pl_loc plc_toml_loc(plc_toml *t, size_t pos);
/* Record a PL_E_SYNTAX error located at input offset pos; returns it. */
pl_status plc_toml_fail(plc_toml *t, size_t pos, const char *fmt, ...)
    PLU_PRINTF(3, 4);
/* Record out of memory; returns PL_E_NOMEM. */
pl_status plc_toml_nomem(plc_toml *t);
/* A short description of what is at pos, for "found ..." in messages:
** 'x', end of line, end of file, control character U+0001, 'é' (U+00E9). */
const char *plc_toml_found(const plc_toml *t, size_t pos, char *buf, size_t cap);
/* "a" or "an" for a kind name, so messages read "an integer". */
const char *plc_toml_article(const char *word);

/* Check the whole input: valid UTF-8 and no carriage return without a line
** feed. Sets the cursor past a leading byte order mark. */
pl_status plc_toml_check_input(plc_toml *t);

/* ---- lexing (toml_lex.c) ---------------------------------------------- */

/* Skip spaces and tabs. */
void plc_toml_skip_ws(plc_toml *t);
/* Skip whitespace, comments and, if `newlines`, line breaks. */
pl_status plc_toml_skip_blank(plc_toml *t, bool newlines);
/* After a statement: optional whitespace and comment, then a newline (which
** is consumed) or the end of input. `what` names the statement for the
** error message, followed by the quoted key (key_len bytes) if key != NULL. */
pl_status plc_toml_end_line(plc_toml *t, const char *what, const char *key,
                            size_t key_len);
/* Parse a (dotted) key at the cursor into t->parts, skipping the
** whitespace after it. */
pl_status plc_toml_key(plc_toml *t);
/* Part i of the current key, as a pointer into t->keys. */
static inline const char *plc_toml_part_text(const plc_toml *t, size_t i)
{
    return t->keys.data + t->parts[i].off;
}
/* Write parts [0, upto) of the current key as one dotted name, after the
** current section's name if with_section; parts that are not bare keys are
** quoted. */
void plc_toml_key_name(const plc_toml *t, bool with_section, size_t upto,
                       char *buf, size_t cap);
/* Parse the string of any of the four kinds at the cursor. */
pl_status plc_toml_string(plc_toml *t, plc_toml_span *out);

/* ---- scalar values (toml_scalar.c) ------------------------------------ */

/* Parse a bare value at the cursor: boolean, integer, float or one of the
** date/time kinds. */
pl_status plc_toml_scalar(plc_toml *t, plc_node **out);

#endif
