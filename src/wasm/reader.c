/*
** reader.c — the bounds-checked cursor over a binary module: LEB128
** integers (any valid encoding, padded ones included), names, byte runs.
** Messages use the spec's wording so test expectations read naturally.
*/
#include "wasm_int.h"

void plw_rd_failed(plw_rd *r, const char *why)
{
    if (!r->fail) {
        r->fail = why;
        r->fail_at = r->p;
    }
    r->p = r->end; /* every later read fails fast */
}

/*
** Unsigned LEB128 of at most `bits` bits. The last byte allowed (byte
** ceil(bits/7)) must not continue and must not carry bits beyond `bits`.
*/
static uint64_t read_uleb(plw_rd *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) {
            plw_rd_failed(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        if (shift + 7 >= bits) { /* the last byte allowed */
            if (b & 0x80) {
                plw_rd_failed(r, "integer representation too long");
                return 0;
            }
            if ((uint64_t)b >> (bits - shift)) {
                plw_rd_failed(r, "integer too large");
                return 0;
            }
            return v | (uint64_t)b << shift;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
        shift += 7;
    }
}

/*
** Signed LEB128 of at most `bits` bits: in the last byte allowed, the
** unused high bits must all equal the sign bit.
*/
static int64_t read_sleb(plw_rd *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) {
            plw_rd_failed(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        if (shift + 7 >= bits) {
            if (b & 0x80) {
                plw_rd_failed(r, "integer representation too long");
                return 0;
            }
            unsigned used = bits - shift;          /* payload bits in this byte */
            uint8_t rest = (uint8_t)((b & 0x7f) >> (used - 1)); /* sign bit and above */
            uint8_t all = (uint8_t)(0x7f >> (used - 1));
            if (rest != 0 && rest != all) {
                plw_rd_failed(r, "integer too large");
                return 0;
            }
            v |= (uint64_t)(b & 0x7f) << shift;
            if (rest)
                v |= ~(uint64_t)0 << (shift + 7 > 63 ? 63 : shift + 7);
            return (int64_t)v;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (b & 0x40)
                v |= ~(uint64_t)0 << shift;
            return (int64_t)v;
        }
    }
}

uint32_t plw_rd_u32_slow(plw_rd *r) { return (uint32_t)read_uleb(r, 32); }
int32_t plw_rd_s32_slow(plw_rd *r) { return (int32_t)read_sleb(r, 32); }
int64_t plw_rd_s33(plw_rd *r) { return read_sleb(r, 33); }
int64_t plw_rd_s64(plw_rd *r) { return read_sleb(r, 64); }

const uint8_t *plw_rd_bytes(plw_rd *r, uint32_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        plw_rd_failed(r, "unexpected end");
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += n;
    return s;
}

const uint8_t *plw_rd_name(plw_rd *r, uint32_t *len)
{
    uint32_t n = plw_rd_u32(r);
    if (r->fail)
        return NULL;
    if ((size_t)(r->end - r->p) < n) {
        plw_rd_failed(r, "length out of bounds");
        return NULL;
    }
    const uint8_t *s = r->p;
    for (uint32_t i = 0; i < n;) {
        size_t k = plu_utf8_seq(s + i, n - i);
        if (!k) {
            plw_rd_failed(r, "malformed UTF-8 encoding");
            return NULL;
        }
        i += (uint32_t)k;
    }
    r->p += n;
    *len = n;
    return s;
}
