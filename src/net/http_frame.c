/*
** http_frame.c — split a streaming body into SSE events (the HTML
** "event stream" interpretation) or NDJSON lines, fed in chunks cut
** anywhere, a byte at a time included.
**
** SSE: lines end in LF, CRLF or CR (a CRLF split across two chunks is one
** line end, hence after_cr). "data:" lines append their value (one leading
** space dropped) plus LF; "event:" names the event; ":" lines are
** comments; "id" and "retry" are read and ignored (plinth does not
** reconnect). A blank line dispatches the event if a data line was seen,
** its trailing LF removed. One deviation from the HTML spec: at a clean end
** of the body, a pending event is dispatched rather than dropped — servers
** that omit the final blank line exist, and a cut connection is detected
** one level up (the transfer fails) and never reaches pln_framer_finish.
**
** NDJSON: lines end in LF (a CR before it is dropped); empty lines skipped.
*/
#include <string.h>

#include "net/http.h"

void pln_framer_init(pln_framer *f, pln_framing kind)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    plu_buf_init(&f->line);
    plu_buf_init(&f->data);
    plu_buf_init(&f->event);
}

void pln_framer_free(pln_framer *f)
{
    plu_buf_free(&f->line);
    plu_buf_free(&f->data);
    plu_buf_free(&f->event);
}

static int deliver(pln_framer *f, const char *event, const char *data, size_t len,
                   pln_event_fn fn, void *ud)
{
    f->n_events++;
    return fn(ud, event, data ? data : "", len) ? 1 : 0;
}

static int sse_dispatch(pln_framer *f, pln_event_fn fn, void *ud)
{
    int rc = 0;
    if (f->data.len) {
        f->data.len--; /* the LF after the last data line */
        f->data.data[f->data.len] = '\0';
        rc = deliver(f, f->event.len ? f->event.data : NULL, f->data.data, f->data.len, fn, ud);
    }
    f->data.len = 0;
    f->event.len = 0;
    return rc;
}

/* One complete SSE line (without its line end). */
static int sse_line(pln_framer *f, const char *s, size_t n, pln_event_fn fn, void *ud)
{
    if (n == 0)
        return sse_dispatch(f, fn, ud);
    if (s[0] == ':')
        return 0;
    const char *colon = memchr(s, ':', n);
    size_t fn_len = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vn = (size_t)(s + n - v);
    if (vn && *v == ' ') {
        v++;
        vn--;
    }
    if (fn_len == 4 && memcmp(s, "data", 4) == 0) {
        if (plu_buf_append(&f->data, v, vn) || plu_buf_putc(&f->data, '\n'))
            return -1;
    } else if (fn_len == 5 && memcmp(s, "event", 5) == 0) {
        f->event.len = 0;
        if (plu_buf_append(&f->event, v, vn))
            return -1;
    }
    return 0;
}

static int ndjson_line(pln_framer *f, const char *s, size_t n, pln_event_fn fn, void *ud)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (n == 0)
        return 0;
    /* Deliver a NUL-terminated copy: the line buffer when it holds the
    ** line, else the line is copied there first. */
    if (s != f->line.data) {
        f->line.len = 0;
        if (plu_buf_append(&f->line, s, n))
            return -1;
    } else {
        f->line.data[n] = '\0';
    }
    int rc = deliver(f, NULL, f->line.data, n, fn, ud);
    f->line.len = 0;
    return rc;
}

static int one_line(pln_framer *f, const char *s, size_t n, pln_event_fn fn, void *ud)
{
    return f->kind == PLN_SSE ? sse_line(f, s, n, fn, ud) : ndjson_line(f, s, n, fn, ud);
}

/* The first line end in p[0..n): its offset, or n. */
static size_t find_eol(const pln_framer *f, const char *p, size_t n)
{
    if (f->kind == PLN_NDJSON) {
        const char *lf = memchr(p, '\n', n);
        return lf ? (size_t)(lf - p) : n;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' || p[i] == '\r')
            return i;
    return n;
}

/* Raw framing: every chunk is an event (copied, so that it is
** NUL-terminated as the event function is promised). */
static int raw_chunk(pln_framer *f, const char *p, size_t n, pln_event_fn fn, void *ud)
{
    if (!n)
        return 0;
    f->data.len = 0;
    if (plu_buf_append(&f->data, p, n))
        return -1;
    f->n_events++;
    return fn(ud, NULL, f->data.data, n) ? 1 : 0;
}

int pln_framer_feed(pln_framer *f, const char *p, size_t n, pln_event_fn fn, void *ud)
{
    if (f->kind == PLN_RAW)
        return raw_chunk(f, p, n, fn, ud);
    if (!f->started && n) {
        /* A UTF-8 BOM may open an event stream; it is not data. The three
        ** bytes may themselves arrive split, so they are matched as they come. */
        static const char bom[] = "\xEF\xBB\xBF";
        size_t have = f->bom_seen;
        while (n && have < 3 && (unsigned char)*p == (unsigned char)bom[have]) {
            have++;
            p++;
            n--;
        }
        if (have < 3 && n == 0) {
            f->bom_seen = (uint8_t)have;
            return 0;
        }
        f->started = true;
        if (have && have < 3 && plu_buf_append(&f->line, bom, have))
            return -1; /* a partial BOM followed by other bytes is data */
    }
    while (n) {
        if (f->after_cr && *p == '\n') { /* the LF of a CRLF */
            p++;
            n--;
            f->after_cr = false;
            continue;
        }
        f->after_cr = false;
        size_t eol = find_eol(f, p, n);
        if (eol == n) {
            return plu_buf_append(&f->line, p, n) ? -1 : 0;
        }
        int rc;
        if (f->line.len) {
            if (plu_buf_append(&f->line, p, eol))
                return -1;
            rc = one_line(f, f->line.data, f->line.len, fn, ud);
            f->line.len = 0;
        } else {
            rc = one_line(f, p, eol, fn, ud);
        }
        if (rc)
            return rc;
        f->after_cr = p[eol] == '\r';
        p += eol + 1;
        n -= eol + 1;
    }
    return 0;
}

int pln_framer_finish(pln_framer *f, pln_event_fn fn, void *ud)
{
    int rc = 0;
    if (!f->started && f->bom_seen && f->bom_seen < 3) {
        f->started = true; /* the body was only part of a BOM: it is data */
        if (plu_buf_append(&f->line, "\xEF\xBB\xBF", f->bom_seen))
            return -1;
    }
    if (f->line.len) {
        rc = one_line(f, f->line.data, f->line.len, fn, ud);
        f->line.len = 0;
    }
    if (!rc && f->kind == PLN_SSE)
        rc = sse_dispatch(f, fn, ud);
    return rc;
}
