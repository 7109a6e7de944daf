/*
** plinth_pdk_json.h — the portable half of plinth's Wasm plugin kit:
** memory, a growable buffer with a small formatter, a JSON writer and a
** JSON reader. Header-only; every function is `static inline`, so a
** plugin includes it (usually through plinth_pdk.h) and pays only for
** what it calls. Prefix pdk_ (pdk__ for internals).
**
** Nothing here touches Extism: the same code compiles natively, which is
** how tests/unit/test_pdk_json.c checks it (against JSONTestSuite too).
**
** Two modes:
**   default        wasi-libc (or any libc): malloc/free, strtod, memcpy.
**                  Only malloc, strtod and the string functions are used,
**                  never stdio, so a plugin built on the kit imports no
**                  WASI function unless it calls one itself.
**   PDK_NO_LIBC    for modules linked with -nostdlib (Wasm only): the kit
**                  brings its own heap (a bump allocator over the memory
**                  after __heap_base, emptied at the start of every export
**                  declared with PL_EXPORT, so heap data never outlives a
**                  call: keep state in vars or static variables), weak
**                  memcpy/memmove/memset/memcmp/strlen for the compiler's
**                  implicit calls, and its own number conversions: exact
**                  for integers and for decimals of up to 15 digits with a
**                  small exponent (Clinger's fast path), otherwise within
**                  an ulp or two.
**
** Ownership: what a pdk_ function returns is freed with pdk_free (or with
** the arena it came from); borrowed pointers say so. Out of memory never
** crashes: buffers remember it (pdk_buf.oom) and allocators return NULL.
*/
#ifndef PLINTH_PDK_JSON_H
#define PLINTH_PDK_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#  define PDK_INLINE static inline __attribute__((unused))
#  define PDK_WEAK __attribute__((weak))
#else
#  define PDK_INLINE static inline
#  define PDK_WEAK
#endif

/* Nesting limit of the reader (arrays and objects); deeper input is an
** error, not a crash. */
#ifndef PDK_JSON_MAX_DEPTH
#  define PDK_JSON_MAX_DEPTH 512
#endif

/* ======================================================================
** Memory
** ====================================================================== */

#ifndef PDK_NO_LIBC
#  include <stdlib.h>
#  include <string.h>

/* malloc that never returns NULL for 0 bytes (NULL means out of memory). */
PDK_INLINE void *pdk_malloc(size_t n) { return malloc(n ? n : 1); }
PDK_INLINE void *pdk_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
PDK_INLINE void pdk_free(void *p) { free(p); }

#else /* PDK_NO_LIBC */
#  ifndef __wasm__
#    error "PDK_NO_LIBC is for Wasm modules linked with -nostdlib"
#  endif
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* The compiler emits calls to these for copies and zeroing; weak, so
** several translation units (or a real libc) may all bring them. Built
** with -mbulk-memory they are one memory.copy / memory.fill each; without
** it, loops (LLVM does not turn the loops of a function named
** memcpy/memset back into a call to itself). */
#  if defined(__wasm_bulk_memory__)
PDK_WEAK void *memcpy(void *d, const void *s, size_t n) { return __builtin_memcpy(d, s, n); }
PDK_WEAK void *memmove(void *d, const void *s, size_t n) { return __builtin_memmove(d, s, n); }
PDK_WEAK void *memset(void *d, int c, size_t n) { return __builtin_memset(d, c, n); }
#  else
PDK_WEAK void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

PDK_WEAK void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

PDK_WEAK void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}
#  endif

PDK_WEAK int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

PDK_WEAK size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

/* The heap: [__heap_base, top) holds blocks, each after an 8-byte header
** with its size. Weak globals so every translation unit shares one heap. */
extern unsigned char __heap_base;
PDK_WEAK uintptr_t pdk__heap_top;
PDK_WEAK uintptr_t pdk__heap_last; /* the most recent block, for in-place growth */

/* Forget every block (PL_EXPORT calls it when an export starts). */
PDK_INLINE void pdk__heap_reset(void)
{
    pdk__heap_top = ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
    pdk__heap_last = 0;
}

/* Make [0, end) addressable, growing the memory by whole pages. */
PDK_INLINE bool pdk__heap_cover(uintptr_t end)
{
    uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end <= have)
        return true;
    uintptr_t pages = (end - have + 65535u) / 65536u;
    return __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
}

PDK_INLINE void *pdk_malloc(size_t n)
{
    if (!pdk__heap_top)
        pdk__heap_reset();
    size_t need = (n + 7u) & ~(size_t)7u;
    uintptr_t blk = pdk__heap_top;
    if (need < n || blk + 8u + need < blk || !pdk__heap_cover(blk + 8u + need))
        return NULL;
    *(size_t *)blk = n;
    pdk__heap_top = blk + 8u + need;
    pdk__heap_last = blk;
    return (void *)(blk + 8u);
}

PDK_INLINE void pdk_free(void *p)
{
    /* Only the last block can be given back; the rest goes at the reset. */
    if (p && (uintptr_t)p - 8u == pdk__heap_last) {
        pdk__heap_top = pdk__heap_last;
        pdk__heap_last = 0;
    }
}

PDK_INLINE void *pdk_realloc(void *p, size_t n)
{
    if (!p)
        return pdk_malloc(n);
    uintptr_t blk = (uintptr_t)p - 8u;
    size_t old = *(size_t *)blk;
    if (blk == pdk__heap_last) {
        size_t need = (n + 7u) & ~(size_t)7u;
        if (need < n || !pdk__heap_cover(blk + 8u + need))
            return NULL;
        *(size_t *)blk = n;
        pdk__heap_top = blk + 8u + need;
        return p;
    }
    void *q = pdk_malloc(n);
    if (q)
        memcpy(q, p, old < n ? old : n);
    return q;
}
#endif /* PDK_NO_LIBC */

/* A copy of s[0..n) with a NUL after it; NULL on out of memory. */
PDK_INLINE char *pdk_strndup(const char *s, size_t n)
{
    char *d = pdk_malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

PDK_INLINE bool pdk_streq(const char *a, const char *b)
{
    return a && b && strlen(a) == strlen(b) && memcmp(a, b, strlen(a)) == 0;
}

PDK_INLINE char pdk_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* ASCII case-insensitive equality of a[0..n) and the string b. */
PDK_INLINE bool pdk_ieqn(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n && b[i]; i++)
        if (pdk_lower(a[i]) != pdk_lower(b[i]))
            return false;
    return i == n && b[i] == '\0';
}

/* Whether needle occurs in hay[0..n) (byte-exact). */
PDK_INLINE bool pdk_contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0)
        return true;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

/* ======================================================================
** Arena: many small allocations freed at once (the JSON reader's nodes).
** ====================================================================== */

typedef struct pdk_arena_chunk {
    struct pdk_arena_chunk *next;
    size_t used, cap;
    /* data follows, 8-aligned */
} pdk_arena_chunk;

typedef struct pdk_arena {
    pdk_arena_chunk *head;
    size_t next_cap; /* size of the next chunk; grows */
} pdk_arena;

#define PDK_ARENA_INIT {NULL, 0}

PDK_INLINE void pdk_arena_free(pdk_arena *a)
{
    while (a->head) {
        pdk_arena_chunk *c = a->head;
        a->head = c->next;
        pdk_free(c);
    }
    a->next_cap = 0;
}

/* n bytes, 8-aligned, uninitialised; NULL on out of memory. */
PDK_INLINE void *pdk_arena_alloc(pdk_arena *a, size_t n)
{
    size_t need = (n + 7u) & ~(size_t)7u;
    if (need < n)
        return NULL;
    pdk_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = a->next_cap < 4096 ? 4096 : a->next_cap;
        while (cap < need)
            cap *= 2;
        size_t hdr = (sizeof(pdk_arena_chunk) + 7u) & ~(size_t)7u;
        if (cap + hdr < cap)
            return NULL;
        c = pdk_malloc(hdr + cap);
        if (!c)
            return NULL;
        c->used = hdr;
        c->cap = hdr + cap;
        c->next = a->head;
        a->head = c;
        a->next_cap = cap * 2;
    }
    void *p = (char *)c + c->used;
    c->used += need;
    return p;
}

/* A NUL-terminated copy of s[0..n) in the arena. */
PDK_INLINE char *pdk_arena_strndup(pdk_arena *a, const char *s, size_t n)
{
    char *d = pdk_arena_alloc(a, n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ======================================================================
** Buffer: a growable byte string, always NUL-terminated when p != NULL.
** A failed allocation sets oom; every later write is then a no-op, so
** callers check once at the end.
** ====================================================================== */

typedef struct pdk_buf {
    char *p;
    size_t len, cap;
    bool oom;
} pdk_buf;

#define PDK_BUF_INIT {NULL, 0, 0, false}

PDK_INLINE void pdk_buf_free(pdk_buf *b)
{
    pdk_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

/* Room for `extra` more bytes (and the NUL). */
PDK_INLINE bool pdk_buf_reserve(pdk_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap && b->p)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = pdk_realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

PDK_INLINE void pdk_buf_put(pdk_buf *b, const void *s, size_t n)
{
    if (!pdk_buf_reserve(b, n))
        return;
    char *d = b->p + b->len;
#if defined(__wasm_bulk_memory__)
    if (n) /* one memory.copy */
        memcpy(d, s, n);
#else
    if (n <= 16) { /* the usual piece: a call to memcpy costs more than the copy */
        const char *c = s;
        for (size_t i = 0; i < n; i++)
            d[i] = c[i];
    } else {
        memcpy(d, s, n);
    }
#endif
    b->len += n;
    b->p[b->len] = '\0';
}

PDK_INLINE void pdk_buf_putc(pdk_buf *b, char c)
{
    if (b->p && !b->oom && b->len + 2 <= b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return;
    }
    pdk_buf_put(b, &c, 1);
}

PDK_INLINE void pdk_buf_puts(pdk_buf *b, const char *s)
{
    if (s)
        pdk_buf_put(b, s, strlen(s));
}

/* Empty it, keeping the memory (and clearing oom). */
PDK_INLINE void pdk_buf_clear(pdk_buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->p)
        b->p[0] = '\0';
}

/* Hand the content to the caller (pdk_free it); the buffer is emptied.
** NULL when an allocation failed on the way. */
PDK_INLINE char *pdk_buf_take(pdk_buf *b)
{
    char *p = b->oom ? NULL : b->p ? b->p : pdk_strndup("", 0);
    if (b->oom)
        pdk_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    return p;
}

PDK_INLINE void pdk_buf_put_uint(pdk_buf *b, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    pdk_buf_put(b, tmp + sizeof tmp - n, n);
}

PDK_INLINE void pdk_buf_put_int(pdk_buf *b, int64_t v)
{
    if (v < 0) {
        pdk_buf_putc(b, '-');
        pdk_buf_put_uint(b, (uint64_t)0 - (uint64_t)v); /* INT64_MIN too */
    } else {
        pdk_buf_put_uint(b, (uint64_t)v);
    }
}

#include "plinth_pdk_num.h"

/* ---- a small formatter ------------------------------------------------- */

/*
** pdk_buf_vfmt — append text made from fmt (no stdio: a plugin on the kit
** needs no WASI for messages). Conversions: %s (NULL prints "(null)"),
** %.*s (int length, then pointer), %c, %d %i (int), %u, %ld %lu, %lld
** %llu, %zu, %g (double, shortest round-trip), %%. Anything else is
** copied as is.
*/
PDK_INLINE void pdk_buf_vfmt(pdk_buf *b, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            const char *q = p;
            while (*q && *q != '%')
                q++;
            pdk_buf_put(b, p, (size_t)(q - p));
            p = q - 1;
            continue;
        }
        p++;
        if (p[0] == '.' && p[1] == '*' && p[2] == 's') {
            int n = va_arg(ap, int);
            const char *s = va_arg(ap, const char *);
            pdk_buf_put(b, s ? s : "", s && n > 0 ? (size_t)n : 0);
            p += 2;
        } else if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            pdk_buf_puts(b, s ? s : "(null)");
        } else if (*p == 'c') {
            pdk_buf_putc(b, (char)va_arg(ap, int));
        } else if (*p == 'd' || *p == 'i') {
            pdk_buf_put_int(b, va_arg(ap, int));
        } else if (*p == 'u') {
            pdk_buf_put_uint(b, va_arg(ap, unsigned));
        } else if (*p == 'g') {
            pdk_buf_put_double(b, va_arg(ap, double));
        } else if (p[0] == 'z' && p[1] == 'u') {
            pdk_buf_put_uint(b, va_arg(ap, size_t));
            p++;
        } else if (p[0] == 'l' && p[1] == 'l' && (p[2] == 'd' || p[2] == 'u')) {
            if (p[2] == 'd')
                pdk_buf_put_int(b, va_arg(ap, long long));
            else
                pdk_buf_put_uint(b, va_arg(ap, unsigned long long));
            p += 2;
        } else if (p[0] == 'l' && (p[1] == 'd' || p[1] == 'u')) {
            if (p[1] == 'd')
                pdk_buf_put_int(b, va_arg(ap, long));
            else
                pdk_buf_put_uint(b, va_arg(ap, unsigned long));
            p++;
        } else if (*p == '%') {
            pdk_buf_putc(b, '%');
        } else {
            pdk_buf_putc(b, '%');
            if (!*p)
                break;
            pdk_buf_putc(b, *p);
        }
    }
}

PDK_INLINE void pdk_buf_fmt(pdk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pdk_buf_vfmt(b, fmt, ap);
    va_end(ap);
}

/* ======================================================================
** JSON writer. It writes into a pdk_buf and puts the commas itself: a
** key or a value that does not follow '{', '[' or ':' gets one, so code
** reads like the document it writes:
**
**     pdk_jw_obj(&b);
**     pdk_jw_kstr(&b, "role", "user");
**     pdk_jw_key(&b, "content"); pdk_jw_arr(&b); ... pdk_jw_arr_end(&b);
**     pdk_jw_obj_end(&b);
**
** Strings are escaped (", \, control characters) and invalid UTF-8 is
** replaced by U+FFFD, so the output is always valid JSON.
** ====================================================================== */

PDK_INLINE void pdk__jw_sep(pdk_buf *b)
{
    if (b->len && !b->oom) {
        char c = b->p[b->len - 1];
        if (c != '{' && c != '[' && c != ':')
            pdk_buf_putc(b, ',');
    }
}

PDK_INLINE void pdk_jw_obj(pdk_buf *b)
{
    pdk__jw_sep(b);
    pdk_buf_putc(b, '{');
}

PDK_INLINE void pdk_jw_obj_end(pdk_buf *b) { pdk_buf_putc(b, '}'); }

PDK_INLINE void pdk_jw_arr(pdk_buf *b)
{
    pdk__jw_sep(b);
    pdk_buf_putc(b, '[');
}

PDK_INLINE void pdk_jw_arr_end(pdk_buf *b) { pdk_buf_putc(b, ']'); }

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when invalid
** (overlong forms, surrogates and code points past U+10FFFF included). */
PDK_INLINE size_t pdk_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
        return 0;
    if (len == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
        return 0;
    return len;
}

/* Whether byte c needs no escaping and starts no multi-byte sequence. */
PDK_INLINE bool pdk__plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* The end of the run of plain bytes of u[i..n), eight at a time: a word
** has no byte below 0x20, none from 0x80, no '"' and no '\\' when none of
** the classic has-less / has-zero bit tests fires. Strings are mostly
** plain, and this is where the reader and the writer spend their time. */
PDK_INLINE size_t pdk__plain_run(const unsigned char *u, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, u + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t bad = (x & high) | ((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) |
                       ((b - ones) & ~b & high);
        if (bad)
            break;
    }
    while (i < n && pdk__plain(u[i]))
        i++;
    return i;
}

/* The escape of one byte that is not plain ASCII (a control character,
** a quote, a backslash) or U+FFFD for a bad byte, into e; its length. */
PDK_INLINE size_t pdk__escape_byte(unsigned c, char *e)
{
    static const char hex[] = "0123456789abcdef";
    const char *short_esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f" : NULL;
    if (short_esc) {
        memcpy(e, short_esc, 2);
        return 2;
    }
    if (c < 0x20) {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        memcpy(e, u, 6);
        return 6;
    }
    memcpy(e, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
    return 3;
}

/* The body of a JSON string (no quotes) for s[0..n). Runs of plain
** characters are copied in one go: this is the writer's hot path. */
PDK_INLINE void pdk_jw_escape(pdk_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t run = pdk__plain_run(u, i, n);
        while (run < n && u[run] >= 0x80) { /* valid UTF-8 is copied as it is */
            size_t len = pdk_utf8_len(u + run, n - run);
            if (!len)
                break;
            run = pdk__plain_run(u, run + len, n);
        }
        pdk_buf_put(b, s + i, run - i);
        if (run == n)
            return;
        char e[6];
        pdk_buf_put(b, e, pdk__escape_byte(u[run], e));
        i = run + 1;
    }
}

PDK_INLINE void pdk_jw_strn(pdk_buf *b, const char *s, size_t n)
{
    pdk__jw_sep(b);
    pdk_buf_putc(b, '"');
    pdk_jw_escape(b, s, n);
    pdk_buf_putc(b, '"');
}

/* A string, or null when s is NULL. */
PDK_INLINE void pdk_jw_str(pdk_buf *b, const char *s)
{
    if (!s) {
        pdk__jw_sep(b);
        pdk_buf_put(b, "null", 4);
        return;
    }
    pdk_jw_strn(b, s, strlen(s));
}

PDK_INLINE void pdk_jw_keyn(pdk_buf *b, const char *k, size_t n)
{
    pdk_jw_strn(b, k, n);
    pdk_buf_putc(b, ':');
}

PDK_INLINE void pdk_jw_key(pdk_buf *b, const char *k) { pdk_jw_keyn(b, k, strlen(k)); }

PDK_INLINE void pdk_jw_int(pdk_buf *b, int64_t v)
{
    pdk__jw_sep(b);
    pdk_buf_put_int(b, v);
}

PDK_INLINE void pdk_jw_uint(pdk_buf *b, uint64_t v)
{
    pdk__jw_sep(b);
    pdk_buf_put_uint(b, v);
}

PDK_INLINE void pdk_jw_double(pdk_buf *b, double d)
{
    pdk__jw_sep(b);
    pdk_buf_put_double(b, d);
}

PDK_INLINE void pdk_jw_float(pdk_buf *b, float f)
{
    pdk__jw_sep(b);
    pdk_buf_put_float(b, f);
}

PDK_INLINE void pdk_jw_bool(pdk_buf *b, bool v)
{
    pdk__jw_sep(b);
    pdk_buf_puts(b, v ? "true" : "false");
}

PDK_INLINE void pdk_jw_null(pdk_buf *b)
{
    pdk__jw_sep(b);
    pdk_buf_put(b, "null", 4);
}

/* Text that is already JSON (a whole value), copied as is. */
PDK_INLINE void pdk_jw_raw(pdk_buf *b, const char *json, size_t n)
{
    pdk__jw_sep(b);
    pdk_buf_put(b, json, n);
}

/* Bytes as a JSON array of numbers: what serde makes of a Vec<u8>. The
** texts "0,".."255," are made once (a request body is every byte of it). */
PDK_INLINE void pdk_jw_bytes(pdk_buf *b, const void *p, size_t n)
{
    static char text[256][4];
    static unsigned char len[256];
    if (!len[0]) {
        for (unsigned v = 0; v < 256; v++) {
            unsigned k = 0;
            if (v >= 100)
                text[v][k++] = (char)('0' + v / 100);
            if (v >= 10)
                text[v][k++] = (char)('0' + v / 10 % 10);
            text[v][k++] = (char)('0' + v % 10);
            text[v][k] = ',';
            len[v] = (unsigned char)k;
        }
    }
    const unsigned char *u = p;
    pdk_jw_arr(b);
    if (!pdk_buf_reserve(b, n * 4 + 1))
        return;
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        memcpy(o, text[u[i]], 4); /* the number and a comma; the comma stays only between */
        o += len[u[i]] + 1;
    }
    if (n)
        o--; /* no comma after the last */
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
    pdk_jw_arr_end(b);
}

/* Key-value shorthands. */
PDK_INLINE void pdk_jw_kstr(pdk_buf *b, const char *k, const char *s)
{
    pdk_jw_key(b, k);
    pdk_jw_str(b, s);
}

PDK_INLINE void pdk_jw_kstrn(pdk_buf *b, const char *k, const char *s, size_t n)
{
    pdk_jw_key(b, k);
    pdk_jw_strn(b, s, n);
}

PDK_INLINE void pdk_jw_kint(pdk_buf *b, const char *k, int64_t v)
{
    pdk_jw_key(b, k);
    pdk_jw_int(b, v);
}

PDK_INLINE void pdk_jw_kbool(pdk_buf *b, const char *k, bool v)
{
    pdk_jw_key(b, k);
    pdk_jw_bool(b, v);
}

PDK_INLINE void pdk_jw_knull(pdk_buf *b, const char *k)
{
    pdk_jw_key(b, k);
    pdk_jw_null(b);
}

PDK_INLINE void pdk_jw_kdouble(pdk_buf *b, const char *k, double v)
{
    pdk_jw_key(b, k);
    pdk_jw_double(b, v);
}

/* ======================================================================
** JSON reader: RFC 8259, strict (what jansson accepts, JSONTestSuite's
** y_ cases in, n_ cases out), into a tree in an arena. Strings come out
** unescaped and NUL-terminated, with their length (they may hold NUL);
** numbers keep their text, converted when read. Invalid UTF-8, lone
** surrogates in \u escapes and nesting past PDK_JSON_MAX_DEPTH are
** errors with the byte offset. The parser is iterative: hostile input
** cannot exhaust the Wasm stack.
** ====================================================================== */

typedef enum pdk_jtype {
    PDK_JNULL = 0,
    PDK_JFALSE,
    PDK_JTRUE,
    PDK_JNUMBER,
    PDK_JSTRING,
    PDK_JARRAY,
    PDK_JOBJECT
} pdk_jtype;

typedef struct pdk_jmember pdk_jmember;

/* One value. n: bytes of a string or a number's text, items of an array,
** members of an object. */
typedef struct pdk_jv {
    pdk_jtype type;
    uint32_t n;
    union {
        const char *s;          /* STRING (unescaped), NUMBER (its text) */
        struct pdk_jv *items;   /* ARRAY */
        pdk_jmember *members;   /* OBJECT, in document order */
    } u;
} pdk_jv;

struct pdk_jmember {
    const char *key; /* unescaped, NUL-terminated */
    uint32_t klen;
    pdk_jv val;
};

typedef struct pdk_json_error {
    size_t offset;      /* byte offset of the problem */
    unsigned line, col; /* 1-based */
    const char *msg;    /* static text */
} pdk_json_error;

/* ---- parser internals -------------------------------------------------- */

typedef struct pdk__jp {
    const char *s, *p, *end;
    pdk_arena *a;
    pdk_json_error *err;
    pdk_jmember *scratch; /* finished children of open containers */
    size_t n_scratch, cap_scratch;
    struct pdk__jframe {
        bool object;
        size_t base;        /* first scratch slot of this container */
        const char *key;    /* object: the key of the value being read */
        uint32_t klen;
    } *frames;
    size_t depth, cap_frames;
} pdk__jp;

PDK_INLINE bool pdk__jfail(pdk__jp *j, const char *at, const char *msg)
{
    if (j->err && !j->err->msg) {
        j->err->offset = (size_t)(at - j->s);
        j->err->msg = msg;
        unsigned line = 1, col = 1;
        for (const char *q = j->s; q < at; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        j->err->line = line;
        j->err->col = col;
    }
    return false;
}

PDK_INLINE void pdk__jws(pdk__jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

PDK_INLINE int pdk__hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

PDK_INLINE size_t pdk__put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One \uXXXX escape (with its low surrogate) at *pp (after the 'u'). */
PDK_INLINE bool pdk__junicode(pdk__jp *j, const char **pp, char **oo)
{
    const char *p = *pp;
    int hi = j->end - p >= 4 ? pdk__hex4(p) : -1;
    if (hi < 0)
        return pdk__jfail(j, p, "bad \\u escape");
    p += 4;
    uint32_t cp = (uint32_t)hi;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return pdk__jfail(j, p - 6, "lone low surrogate in \\u escape");
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        int lo = j->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? pdk__hex4(p + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return pdk__jfail(j, p - 6, "lone high surrogate in \\u escape");
        cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        p += 6;
    }
    *oo += pdk__put_utf8(*oo, cp);
    *pp = p;
    return true;
}

/* Decode the escapes and check the UTF-8 of s[0..end) into w (which has
** room for it); the end of what was written in *wend. */
PDK_INLINE bool pdk__junescape(pdk__jp *j, const char *q, const char *end, char *w, char **wend)
{
    static const char map[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    while (q < end) {
        unsigned char c = (unsigned char)*q;
        if (pdk__plain(c)) {
            *w++ = *q++;
        } else if (c == '\\') {
            const char *m = NULL;
            for (const char *t = map; *t; t += 2)
                if (*t == q[1])
                    m = t;
            if (m) {
                *w++ = m[1];
                q += 2;
            } else if (q[1] == 'u') {
                q += 2;
                if (!pdk__junicode(j, &q, &w))
                    return false;
            } else {
                return pdk__jfail(j, q, "bad escape");
            }
        } else if (c < 0x20) {
            return pdk__jfail(j, q, "control character in string");
        } else {
            size_t len = pdk_utf8_len((const unsigned char *)q, (size_t)(end - q));
            if (!len)
                return pdk__jfail(j, q, "invalid UTF-8 in string");
            while (len--)
                *w++ = *q++;
        }
    }
    *wend = w;
    return true;
}

/* A string at j->p (on the opening quote) into *out, *n. Strings of
** plain ASCII (most keys and much text) are found and copied in one pass. */
PDK_INLINE bool pdk__jstring(pdk__jp *j, const char **out, uint32_t *n)
{
    const char *start = ++j->p, *p = start;
    const unsigned char *u = (const unsigned char *)j->s;
    size_t total = (size_t)(j->end - j->s);
    bool plain = true;
    for (;;) {
        p = j->s + pdk__plain_run(u, (size_t)(p - j->s), total);
        if (p >= j->end || *p == '"')
            break;
        plain = false;
        p += *p == '\\' && p + 1 < j->end ? 2 : 1;
    }
    if (p >= j->end)
        return pdk__jfail(j, start - 1, "unterminated string");
    if ((size_t)(p - start) > UINT32_MAX - 1)
        return pdk__jfail(j, start, "string too long");
    char *o = pdk_arena_alloc(j->a, (size_t)(p - start) + 1), *w = o + (p - start);
    if (!o)
        return pdk__jfail(j, start, "out of memory");
    if (plain)
        memcpy(o, start, (size_t)(p - start));
    else if (!pdk__junescape(j, start, p, o, &w))
        return false;
    *w = '\0';
    *out = o;
    *n = (uint32_t)(w - o);
    j->p = p + 1;
    return true;
}

PDK_INLINE bool pdk__jdigits(const char **pp, const char *end)
{
    const char *p = *pp;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    bool some = p > *pp;
    *pp = p;
    return some;
}

/* A number at j->p: the grammar checked, the text kept. */
PDK_INLINE bool pdk__jnumber(pdk__jp *j, pdk_jv *v)
{
    const char *start = j->p, *p = j->p;
    if (p < j->end && *p == '-')
        p++;
    if (p < j->end && *p == '0')
        p++;
    else if (!pdk__jdigits(&p, j->end))
        return pdk__jfail(j, start, "bad number");
    if (p < j->end && *p == '.') {
        p++;
        if (!pdk__jdigits(&p, j->end))
            return pdk__jfail(j, start, "bad number: digits must follow '.'");
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (!pdk__jdigits(&p, j->end))
            return pdk__jfail(j, start, "bad number: digits must follow the exponent");
    }
    if ((size_t)(p - start) > 4096)
        return pdk__jfail(j, start, "number too long");
    v->type = PDK_JNUMBER;
    v->n = (uint32_t)(p - start);
    v->u.s = pdk_arena_strndup(j->a, start, v->n);
    j->p = p;
    return v->u.s ? true : pdk__jfail(j, start, "out of memory");
}

PDK_INLINE bool pdk__jword(pdk__jp *j, const char *w, pdk_jtype t, pdk_jv *v)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return pdk__jfail(j, j->p, "unexpected character");
    j->p += n;
    v->type = t;
    return true;
}

PDK_INLINE bool pdk__jpush_child(pdk__jp *j, const pdk_jv *v)
{
    if (j->n_scratch == j->cap_scratch) {
        size_t cap = j->cap_scratch ? j->cap_scratch * 2 : 64;
        pdk_jmember *s = pdk_realloc(j->scratch, cap * sizeof *s);
        if (!s)
            return pdk__jfail(j, j->p, "out of memory");
        j->scratch = s;
        j->cap_scratch = cap;
    }
    struct pdk__jframe *f = &j->frames[j->depth - 1];
    pdk_jmember *m = &j->scratch[j->n_scratch++];
    m->key = f->key;
    m->klen = f->klen;
    m->val = *v;
    return true;
}

PDK_INLINE bool pdk__jopen(pdk__jp *j, bool object)
{
    if (j->depth >= PDK_JSON_MAX_DEPTH)
        return pdk__jfail(j, j->p, "nesting too deep");
    if (j->depth == j->cap_frames) {
        size_t cap = j->cap_frames ? j->cap_frames * 2 : 16;
        struct pdk__jframe *fr = pdk_realloc(j->frames, cap * sizeof *fr);
        if (!fr)
            return pdk__jfail(j, j->p, "out of memory");
        j->frames = fr;
        j->cap_frames = cap;
    }
    struct pdk__jframe *f = &j->frames[j->depth++];
    f->object = object;
    f->base = j->n_scratch;
    f->key = NULL;
    f->klen = 0;
    j->p++;
    return true;
}

/* Close the innermost container into *v (its children move to the arena). */
PDK_INLINE bool pdk__jclose(pdk__jp *j, pdk_jv *v)
{
    struct pdk__jframe *f = &j->frames[--j->depth];
    size_t n = j->n_scratch - f->base;
    j->p++;
    v->type = f->object ? PDK_JOBJECT : PDK_JARRAY;
    v->n = (uint32_t)n;
    v->u.items = NULL;
    if (n == 0)
        return true;
    const pdk_jmember *src = j->scratch + f->base;
    if (f->object) {
        pdk_jmember *m = pdk_arena_alloc(j->a, n * sizeof *m);
        if (!m)
            return pdk__jfail(j, j->p, "out of memory");
        memcpy(m, src, n * sizeof *m);
        v->u.members = m;
    } else {
        pdk_jv *items = pdk_arena_alloc(j->a, n * sizeof *items);
        if (!items)
            return pdk__jfail(j, j->p, "out of memory");
        for (size_t i = 0; i < n; i++)
            items[i] = src[i].val;
        v->u.items = items;
    }
    j->n_scratch = f->base;
    return true;
}

/* In an object, before a member: its key and the colon. */
PDK_INLINE bool pdk__jkey(pdk__jp *j)
{
    pdk__jws(j);
    if (j->p >= j->end || *j->p != '"')
        return pdk__jfail(j, j->p, "expected a string key");
    struct pdk__jframe *f = &j->frames[j->depth - 1];
    if (!pdk__jstring(j, &f->key, &f->klen))
        return false;
    pdk__jws(j);
    if (j->p >= j->end || *j->p != ':')
        return pdk__jfail(j, j->p, "expected ':'");
    j->p++;
    return true;
}

/* One scalar, or the opening of a container (*opened then). */
PDK_INLINE bool pdk__jscalar(pdk__jp *j, pdk_jv *v, bool *opened)
{
    pdk__jws(j);
    *opened = false;
    if (j->p >= j->end)
        return pdk__jfail(j, j->p, "unexpected end of input");
    memset(v, 0, sizeof *v);
    switch (*j->p) {
    case '{':
    case '[': {
        bool object = *j->p == '{';
        if (!pdk__jopen(j, object))
            return false;
        pdk__jws(j);
        if (j->p < j->end && *j->p == (object ? '}' : ']'))
            return pdk__jclose(j, v);
        *opened = true;
        return object ? pdk__jkey(j) : true;
    }
    case '"':
        v->type = PDK_JSTRING;
        return pdk__jstring(j, &v->u.s, &v->n);
    case 't':
        return pdk__jword(j, "true", PDK_JTRUE, v);
    case 'f':
        return pdk__jword(j, "false", PDK_JFALSE, v);
    case 'n':
        return pdk__jword(j, "null", PDK_JNULL, v);
    default:
        if (*j->p != '-' && (*j->p < '0' || *j->p > '9'))
            return pdk__jfail(j, j->p, "unexpected character");
        return pdk__jnumber(j, v);
    }
}

/* After a finished value v: add it to its container, then read ',' or the
** closing bracket (which finishes another value). *top set when v is the
** document. *more set when another value must be read. */
PDK_INLINE bool pdk__jafter(pdk__jp *j, pdk_jv *v, pdk_jv *top, bool *done)
{
    for (;;) {
        if (j->depth == 0) {
            *top = *v;
            *done = true;
            return true;
        }
        if (!pdk__jpush_child(j, v))
            return false;
        pdk__jws(j);
        bool object = j->frames[j->depth - 1].object;
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            return object ? pdk__jkey(j) : true;
        }
        if (j->p < j->end && *j->p == (object ? '}' : ']')) {
            if (!pdk__jclose(j, v))
                return false;
            continue;
        }
        return pdk__jfail(j, j->p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/*
** pdk_json_parse — parse text[0..len) (one JSON value, whitespace around
** it) into a tree allocated in arena a. Returns the root, or NULL with
** *err filled (err may be NULL). The tree lives until pdk_arena_free(a);
** it points into nothing else, so text may be freed at once.
*/
PDK_INLINE pdk_jv *pdk_json_parse(pdk_arena *a, const char *text, size_t len,
                                  pdk_json_error *err)
{
    pdk__jp j;
    memset(&j, 0, sizeof j);
    j.s = j.p = text ? text : "";
    j.end = j.s + (text ? len : 0);
    j.a = a;
    j.err = err;
    if (err)
        memset(err, 0, sizeof *err);
    pdk_jv *root = pdk_arena_alloc(a, sizeof *root);
    bool ok = root != NULL, done = false;
    if (!root)
        pdk__jfail(&j, j.p, "out of memory");
    while (ok && !done) {
        pdk_jv v;
        bool opened;
        ok = pdk__jscalar(&j, &v, &opened);
        if (ok && !opened)
            ok = pdk__jafter(&j, &v, root, &done);
    }
    if (ok) {
        pdk__jws(&j);
        if (j.p != j.end)
            ok = pdk__jfail(&j, j.p, "trailing characters after the JSON value");
    }
    pdk_free(j.scratch);
    pdk_free(j.frames);
    return ok ? root : NULL;
}

/* ---- reading the tree: every accessor takes NULL and returns the
** "absent" answer, so lookups chain: pdk_jv_get(pdk_jv_at(x, 0), "k"). */

PDK_INLINE bool pdk_jv_is(const pdk_jv *v, pdk_jtype t) { return v && v->type == t; }
PDK_INLINE bool pdk_jv_is_string(const pdk_jv *v) { return pdk_jv_is(v, PDK_JSTRING); }
PDK_INLINE bool pdk_jv_is_number(const pdk_jv *v) { return pdk_jv_is(v, PDK_JNUMBER); }
PDK_INLINE bool pdk_jv_is_array(const pdk_jv *v) { return pdk_jv_is(v, PDK_JARRAY); }
PDK_INLINE bool pdk_jv_is_object(const pdk_jv *v) { return pdk_jv_is(v, PDK_JOBJECT); }
PDK_INLINE bool pdk_jv_is_bool(const pdk_jv *v)
{
    return v && (v->type == PDK_JTRUE || v->type == PDK_JFALSE);
}
/* Absent (NULL) or null. */
PDK_INLINE bool pdk_jv_is_nothing(const pdk_jv *v) { return !v || v->type == PDK_JNULL; }

/* The member of an object named key (the last one when repeated, as
** jansson does), or NULL. */
PDK_INLINE const pdk_jv *pdk_jv_getn(const pdk_jv *obj, const char *key, size_t klen)
{
    if (!pdk_jv_is_object(obj))
        return NULL;
    for (uint32_t i = obj->n; i-- > 0;) {
        const pdk_jmember *m = &obj->u.members[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0)
            return &m->val;
    }
    return NULL;
}

PDK_INLINE const pdk_jv *pdk_jv_get(const pdk_jv *obj, const char *key)
{
    return pdk_jv_getn(obj, key, strlen(key));
}

/* Item i of an array, or NULL. */
PDK_INLINE const pdk_jv *pdk_jv_at(const pdk_jv *arr, size_t i)
{
    return pdk_jv_is_array(arr) && i < arr->n ? &arr->u.items[i] : NULL;
}

/* Member i of an object (for iteration), or NULL. */
PDK_INLINE const pdk_jmember *pdk_jv_member(const pdk_jv *obj, size_t i)
{
    return pdk_jv_is_object(obj) && i < obj->n ? &obj->u.members[i] : NULL;
}

/* Items of an array or members of an object; 0 for anything else. */
PDK_INLINE size_t pdk_jv_len(const pdk_jv *v)
{
    return v && (v->type == PDK_JARRAY || v->type == PDK_JOBJECT) ? v->n : 0;
}

/* A string's text (borrowed), or NULL. */
PDK_INLINE const char *pdk_jv_str(const pdk_jv *v) { return pdk_jv_is_string(v) ? v->u.s : NULL; }
PDK_INLINE size_t pdk_jv_strlen(const pdk_jv *v) { return pdk_jv_is_string(v) ? v->n : 0; }
/* A string's text, or dflt. */
PDK_INLINE const char *pdk_jv_str_or(const pdk_jv *v, const char *dflt)
{
    return pdk_jv_is_string(v) ? v->u.s : dflt;
}
PDK_INLINE bool pdk_jv_streq(const pdk_jv *v, const char *s)
{
    return pdk_jv_is_string(v) && v->n == strlen(s) && memcmp(v->u.s, s, v->n) == 0;
}

PDK_INLINE bool pdk_jv_bool(const pdk_jv *v, bool dflt)
{
    return pdk_jv_is_bool(v) ? v->type == PDK_JTRUE : dflt;
}

/* A number's value, or dflt. */
PDK_INLINE double pdk_jv_num(const pdk_jv *v, double dflt)
{
    return pdk_jv_is_number(v) ? pdk__parse_double(v->u.s) : dflt;
}

/* An integral number into *out: exact for integers written without a
** fraction or exponent that fit int64; "2.0" and "1e3" are accepted when
** they are whole numbers within 2^53. False otherwise. */
PDK_INLINE bool pdk_jv_int(const pdk_jv *v, int64_t *out)
{
    if (!pdk_jv_is_number(v))
        return false;
    const char *s = v->u.s;
    bool plain = true;
    for (uint32_t i = 0; i < v->n; i++)
        plain &= s[i] != '.' && s[i] != 'e' && s[i] != 'E';
    if (!plain) {
        double d = pdk__parse_double(s);
        if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
            return false;
        *out = (int64_t)d;
        return true;
    }
    bool neg = *s == '-';
    uint64_t m = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (s += neg; *s; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (m > (lim - d) / 10)
            return false;
        m = m * 10 + d;
    }
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

/* An integer in [lo, hi] or dflt. */
PDK_INLINE int64_t pdk_jv_int_or(const pdk_jv *v, int64_t lo, int64_t hi, int64_t dflt)
{
    int64_t x;
    return pdk_jv_int(v, &x) && x >= lo && x <= hi ? x : dflt;
}

/* Write a tree back as compact JSON (numbers with their original text, so
** nothing is lost passing a schema or arguments through). */
PDK_INLINE void pdk_jw_value(pdk_buf *b, const pdk_jv *v)
{
    if (!v) {
        pdk_jw_null(b);
        return;
    }
    switch (v->type) {
    case PDK_JNULL: pdk_jw_null(b); return;
    case PDK_JFALSE: pdk_jw_bool(b, false); return;
    case PDK_JTRUE: pdk_jw_bool(b, true); return;
    case PDK_JNUMBER: pdk_jw_raw(b, v->u.s, v->n); return;
    case PDK_JSTRING: pdk_jw_strn(b, v->u.s, v->n); return;
    case PDK_JARRAY:
        pdk_jw_arr(b);
        for (uint32_t i = 0; i < v->n; i++)
            pdk_jw_value(b, &v->u.items[i]);
        pdk_jw_arr_end(b);
        return;
    case PDK_JOBJECT:
        pdk_jw_obj(b);
        for (uint32_t i = 0; i < v->n; i++) {
            pdk_jw_keyn(b, v->u.members[i].key, v->u.members[i].klen);
            pdk_jw_value(b, &v->u.members[i].val);
        }
        pdk_jw_obj_end(b);
        return;
    }
}

PDK_INLINE void pdk_jw_kvalue(pdk_buf *b, const char *k, const pdk_jv *v)
{
    pdk_jw_key(b, k);
    pdk_jw_value(b, v);
}

#endif /* PLINTH_PDK_JSON_H */
