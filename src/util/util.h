/*
** util.h — plinth's internal utilities (prefix plu_): allocation with fault
** injection, arenas, growable byte buffers, errors with context, and the
** did-you-mean helper. Nothing here is exported from libplinth.
*/
#ifndef PL_UTIL_H
#define PL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plinth/plinth.h"

#if defined(__GNUC__)
#  define PLU_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define PLU_PRINTF(f, a)
/* ---- base64 (RFC 4648, with padding) -------------------------------------
** plu_base64_encode: a NUL-terminated string to plu_free, NULL on out of
** memory. plu_base64_decode: the bytes (plu_free; *len set), or NULL when
** the text is not base64 or memory runs out. */
char *plu_base64_encode(const void *data, size_t len);
void *plu_base64_decode(const char *text, size_t text_len, size_t *len);

#endif

/* ---- allocation ---------------------------------------------------------
** Every allocation plinth makes goes through these, so a test build can
** fail the Nth one (plu_fail_alloc_after) and check that each failure ends
** in a clean PL_E_NOMEM without a leak. plu_free(NULL) is a no-op. */
void *plu_malloc(size_t n);
void *plu_calloc(size_t count, size_t size);
void *plu_realloc(void *p, size_t n);
void plu_free(void *p);
char *plu_strdup(const char *s);
char *plu_strndup(const char *s, size_t n);

/* Fault injection: after `n` more successful allocations, every allocation
** fails until plu_fail_alloc_after(-1) turns it off. Returns how many
** allocations were made since the last call (to size a test loop). Only
** effective in builds with PL_TESTING; elsewhere it does nothing. */
long plu_fail_alloc_after(long n);
/* True once an injected failure has happened since plu_fail_alloc_after. */
bool plu_alloc_failed(void);

/* ---- arena --------------------------------------------------------------
** A bump allocator for data that lives and dies together (a parsed
** document). Freed all at once with plu_arena_free. */
typedef struct plu_arena_block plu_arena_block;
typedef struct plu_arena {
    plu_arena_block *head;
    size_t total; /* bytes handed out, for statistics */
} plu_arena;

void plu_arena_init(plu_arena *a);
void plu_arena_free(plu_arena *a);
/* 16-byte aligned, zero-filled memory; NULL on out of memory. */
void *plu_arena_alloc(plu_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n); NULL on out of memory. */
char *plu_arena_strndup(plu_arena *a, const char *s, size_t n);

/* ---- growable byte buffer -----------------------------------------------
** Always NUL-terminated when data != NULL. Functions return 0, or -1 on out
** of memory, in which case the buffer keeps its previous content. */
typedef struct plu_buf {
    char *data;
    size_t len, cap;
} plu_buf;

void plu_buf_init(plu_buf *b);
void plu_buf_free(plu_buf *b);
int plu_buf_reserve(plu_buf *b, size_t extra);
int plu_buf_append(plu_buf *b, const void *p, size_t n);
int plu_buf_puts(plu_buf *b, const char *s);
int plu_buf_putc(plu_buf *b, char c);
int plu_buf_printf(plu_buf *b, const char *fmt, ...) PLU_PRINTF(2, 3);
int plu_buf_vprintf(plu_buf *b, const char *fmt, va_list ap) PLU_PRINTF(2, 0);
/* Hand the content to the caller (plu_free it); the buffer is emptied.
** Returns "" (allocated) for an empty buffer, NULL on out of memory. */
char *plu_buf_take(plu_buf *b);

/* Read a whole file. On success *out is NUL-terminated (the NUL is not
** counted in *len) and must be plu_free'd. Errors go to err with the path. */
struct pl_err;
pl_status plu_read_file(const char *path, char **out, size_t *len,
                        struct pl_err *err);

/* ---- writing files --------------------------------------------------------
** plu_mkdirs: make dir and every missing parent with this mode (existing
** folders are left as they are). plu_write_atomic: replace path with len
** bytes of data: a temporary file in the same folder (created with mode),
** fsync, rename over path, fsync of the folder; a reader sees the old
** content or the new, never a part. PL_OK, PL_E_IO (the message names the
** path and the step that failed) or PL_E_NOMEM. */
pl_status plu_mkdirs(const char *dir, unsigned mode, struct pl_err *err);
pl_status plu_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           struct pl_err *err);

/* ---- errors with context -------------------------------------------------
** One pl_err travels down a call chain. The layer that detects a problem
** records it with plu_errf (status + message + location) and returns the
** status in one step; each layer above may prepend its own context once
** with plu_err_prefix ("plugin 'x': ..."). */
typedef struct pl_loc {
    const char *file; /* borrowed; NULL when unknown */
    uint32_t line;    /* 1-based; 0 when unknown */
    uint32_t col;     /* 1-based, in characters; 0 when unknown */
} pl_loc;

#define PL_ERR_MSG_MAX 1024

typedef struct pl_err {
    pl_status status;
    pl_loc loc;                /* where the error was found, if known */
    char msg[PL_ERR_MSG_MAX];  /* full message, location prefix included */
} pl_err;

void plu_err_clear(pl_err *e);
/* Record an error. With loc (and loc->file), the message is prefixed
** "file:line:col: ". Returns st. e may be NULL (the error is dropped). */
pl_status plu_errf(pl_err *e, pl_status st, const pl_loc *loc,
                   const char *fmt, ...) PLU_PRINTF(4, 5);
pl_status plu_verrf(pl_err *e, pl_status st, const pl_loc *loc,
                    const char *fmt, va_list ap) PLU_PRINTF(4, 0);
/* Prepend context to an existing message: "<context>: <old message>". */
void plu_err_prefix(pl_err *e, const char *fmt, ...) PLU_PRINTF(2, 3);
/* Record out-of-memory (a fixed message; never allocates). */
pl_status plu_err_nomem(pl_err *e);

/* ---- did you mean --------------------------------------------------------
** The candidate closest to `word` by edit distance (Damerau-Levenshtein,
** case-insensitive), when it is close enough to be a plausible typo;
** otherwise NULL. candidates is a NULL-terminated list. */
const char *plu_suggest(const char *word, const char *const *candidates);

/* ---- quoting user text in messages --------------------------------------
** Copy at most `max` bytes of s[0..n) into out (which holds max + 4 bytes),
** control characters shown as '?', "..." appended when cut. Returns out. */
char *plu_shown(char *out, size_t max, const char *s, size_t n);

/* ---- UTF-8 ---------------------------------------------------------------
** Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
** bytes there are not valid UTF-8 (overlong forms and surrogates included). */
size_t plu_utf8_seq(const unsigned char *s, size_t n);
/* Encode code point cp (<= 0x10FFFF, not a surrogate) into out; returns the
** number of bytes (1..4), or 0 for an invalid code point. */
size_t plu_utf8_encode(uint32_t cp, char out[4]);

/* ---- base64 (RFC 4648, with padding) -------------------------------------
** plu_base64_encode: a NUL-terminated string to plu_free, NULL on out of
** memory. plu_base64_decode: the bytes (plu_free; *len set), or NULL when
** the text is not base64 or memory runs out. */
char *plu_base64_encode(const void *data, size_t len);
void *plu_base64_decode(const char *text, size_t text_len, size_t *len);

#endif
