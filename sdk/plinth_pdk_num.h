/*
** plinth_pdk_num.h — numbers for the kit's JSON (part of plinth_pdk_json.h,
** which includes it after its buffer; not for direct use).
**
** Writing: a double is written in the shortest text that reads back to the
** same double (a float: to the same float), correctly rounded, as
** JavaScript and Python print them. The digits come from double-double
** arithmetic (about 106 bits: exact enough for 17 correctly rounded digits
** but in near-ties far below the last digit), then the text is read back to
** check; no big integers, no stdio, no long double (none of which a
** -nostdlib module has).
**
** Reading: strtod with libc; without it (PDK_NO_LIBC) the kit's own reader,
** exact on Clinger's fast path (up to 15 digits, exponent within 22) and
** within an ulp or two beyond.
*/
#ifndef PLINTH_PDK_NUM_H
#define PLINTH_PDK_NUM_H

#ifndef PLINTH_PDK_JSON_H
#  error "include plinth_pdk_json.h"
#endif

PDK_INLINE double pdk__p10(int e) /* 10^e for 0 <= e <= 22, exact */
{
    static const double t[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    return t[e];
}

/* x * 10^e in steps of exact powers (each step correctly rounded). */
PDK_INLINE double pdk__scale10(double x, int e)
{
    while (e > 22 && x != 0 && x < 1e300) {
        x *= 1e22;
        e -= 22;
    }
    while (e < -22 && x != 0 && x > 1e-300) {
        x /= 1e22;
        e += 22;
    }
    if (e > 22 || e < -22)
        return e > 0 ? x * 1e300 * 1e300 : x * 1e-300 * 1e-300;
    return e >= 0 ? x * pdk__p10(e) : x / pdk__p10(-e);
}

/* The kit's own decimal-to-double for PDK_NO_LIBC: s holds a JSON number
** (already validated). Exact on the fast path, close otherwise. */
PDK_INLINE double pdk__parse_double_own(const char *s)
{
    bool neg = *s == '-';
    s += neg;
    uint64_t m = 0;
    int e10 = 0, digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (digits < 19) {
            m = m * 10 + (uint64_t)(*s - '0');
            digits += m != 0;
        } else {
            e10++;
        }
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                digits += m != 0;
                e10--;
            }
    if (*s == 'e' || *s == 'E') {
        s++;
        bool eneg = *s == '-';
        s += *s == '-' || *s == '+';
        int ex = 0;
        for (; *s >= '0' && *s <= '9'; s++)
            ex = ex < 100000 ? ex * 10 + (*s - '0') : ex;
        e10 += eneg ? -ex : ex;
    }
    double d = (double)m;
    if (m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22)
        d = e10 >= 0 ? d * pdk__p10(e10) : d / pdk__p10(-e10);
    else
        d = pdk__scale10(d, e10);
    return neg ? -d : d;
}

/* A JSON number's text (NUL-terminated) to a double. */
PDK_INLINE double pdk__parse_double(const char *s)
{
#ifdef PDK_NO_LIBC
    return pdk__parse_double_own(s);
#else
    return strtod(s, NULL);
#endif
}

/* The binary exponent of x > 0 (finite), subnormals included. */
PDK_INLINE int pdk__exp2(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & (((uint64_t)1 << 52) - 1);
    if (e)
        return e - 1023;
    return frac ? -1074 + (63 - __builtin_clzll(frac)) : 0;
}

/* Double-double arithmetic (a value is hi + lo, about 106 bits): enough
** to scale a double by a power of ten and round it to 17 digits
** correctly, without big integers. Dekker's products, no FMA needed. */
typedef struct pdk__dd {
    double hi, lo;
} pdk__dd;

PDK_INLINE pdk__dd pdk__quick_sum(double a, double b)
{
    double s = a + b;
    pdk__dd r = {s, b - (s - a)};
    return r;
}

PDK_INLINE pdk__dd pdk__two_prod(double a, double b)
{
    const double split = 134217729.0; /* 2^27 + 1 */
    double p = a * b, t = split * a;
    double ah = t - (t - a), al = a - ah;
    t = split * b;
    double bh = t - (t - b), bl = b - bh;
    pdk__dd r = {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
    return r;
}

PDK_INLINE pdk__dd pdk__dd_mul(pdk__dd a, double b)
{
    pdk__dd p = pdk__two_prod(a.hi, b);
    return pdk__quick_sum(p.hi, p.lo + a.lo * b);
}

PDK_INLINE pdk__dd pdk__dd_div(pdk__dd a, double b)
{
    double q1 = a.hi / b;
    pdk__dd p = pdk__two_prod(q1, b);
    double r = ((a.hi - p.hi) - p.lo) + a.lo;
    return pdk__quick_sum(q1, r / b);
}

/* x * 2^e, exactly while the result stays normal. */
PDK_INLINE double pdk__ldexp(double x, int e)
{
    for (; e > 500; e -= 500)
        x *= 0x1p500;
    for (; e < -500; e += 500)
        x *= 0x1p-500;
    uint64_t bits = (uint64_t)(e + 1023) << 52;
    double f;
    memcpy(&f, &bits, sizeof f);
    return x * f;
}

/* x > 0 (finite) times 10^t as a double-double: x = m * 2^e2 (m in
** [1, 2), exact) and 10^t = 5^t * 2^t, so only 5^|t| (at most 5^340,
** within range) is multiplied or divided in, 5^22 at a time, and the
** power of two goes on last. */
PDK_INLINE pdk__dd pdk__scaled(double x, int t)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e2 = pdk__exp2(x);
    uint64_t frac = bits & (((uint64_t)1 << 52) - 1);
    /* normal: the implicit bit; subnormal: its top bit moved up to bit 52 */
    uint64_t mant = (bits >> 52) & 0x7ff ? frac | ((uint64_t)1 << 52)
                                         : frac << (52 - (63 - __builtin_clzll(frac)));
    pdk__dd d = {(double)mant * 0x1p-52, 0};
    static const double five22 = 2384185791015625.0; /* 5^22 */
    for (int n = t < 0 ? -t : t; n > 0; n -= 22) {
        double f = n >= 22 ? five22 : 1;
        for (int i = n >= 22 ? 0 : n; i > 0; i--)
            f *= 5; /* 5^n for n < 22, exact */
        d = t > 0 ? pdk__dd_mul(d, f) : pdk__dd_div(d, f);
    }
    d.hi = pdk__ldexp(d.hi, e2 + t);
    d.lo = pdk__ldexp(d.lo, e2 + t);
    return d;
}

/* p significant digits of x > 0 (finite) into dig, correctly rounded
** but for near-ties at the 31st digit, the decimal exponent of the first
** one into *k, the last digit moved by bump (for the reading-back
** checks). False when bump takes the digits below p places. */
PDK_INLINE bool pdk__digits(double x, int p, int64_t bump, char *dig, int *k)
{
    int kk = (int)((double)pdk__exp2(x) * 0.30102999566398120);
    double lo = pdk__p10(p - 1), hi = pdk__p10(p);
    int64_t v = 0;
    for (int tries = 0; tries < 8; tries++) {
        pdk__dd s = pdk__scaled(x, p - 1 - kk);
        int64_t whole = (int64_t)s.hi; /* s.hi < 2^63: p <= 17 */
        double f = (s.hi - (double)whole) + s.lo + 0.5;
        int64_t up = (int64_t)f;
        v = whole + up - ((double)up > f); /* floor, also below zero */
        if ((double)v >= hi)
            kk++;
        else if ((double)v < lo)
            kk--;
        else
            break;
    }
    v += bump;
    if ((double)v < lo)
        return false;
    if ((double)v >= hi) {
        v /= 10;
        kk++;
    }
    for (int i = p - 1; i >= 0; i--) {
        dig[i] = (char)('0' + v % 10);
        v /= 10;
    }
    dig[p] = '\0';
    *k = kk;
    return true;
}

/* Digits (without trailing zeros) and exponent as JSON number text:
** positional from 1e-6 up to where it would pad more than five zeros,
** exponent form otherwise (1.2569473e20, not 125694730000000000000). */
PDK_INLINE void pdk__format_digits(char *out, const char *dig, int k)
{
    int n = (int)strlen(dig);
    while (n > 1 && dig[n - 1] == '0')
        n--;
    char *o = out;
    if (k >= -6 && k < 21 && k - n < 5) {
        if (k < 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = -1; i > k; i--)
                *o++ = '0';
            for (int i = 0; i < n; i++)
                *o++ = dig[i];
        } else {
            for (int i = 0; i <= k || i < n; i++) {
                if (i == k + 1)
                    *o++ = '.';
                *o++ = i < n ? dig[i] : '0';
            }
        }
    } else {
        *o++ = dig[0];
        if (n > 1)
            *o++ = '.';
        for (int i = 1; i < n; i++)
            *o++ = dig[i];
        *o++ = 'e';
        if (k < 0)
            *o++ = '-';
        int e = k < 0 ? -k : k, tn = 0;
        char t[8];
        do {
            t[tn++] = (char)('0' + e % 10);
            e /= 10;
        } while (e);
        while (tn)
            *o++ = t[--tn];
    }
    *o = '\0';
}

/* Write the candidate (p digits, bumped) for a > 0 into out and compare
** what it reads back with a: <0 below, 0 equal, >0 above. */
PDK_INLINE int pdk__try(char *out, double a, int p, int64_t bump, bool single)
{
    char dig[24];
    int k;
    if (!pdk__digits(a, p, bump, dig, &k))
        return -1;
    pdk__format_digits(out, dig, k);
    double y = pdk__parse_double(out);
    if (single)
        return (float)y < (float)a ? -1 : (float)y > (float)a ? 1 : 0;
    return y < a ? -1 : y > a ? 1 : 0;
}

/* The shortest text (at most 17 digits, 9 for a float) that reads back
** to a > 0. Reading back is monotonic in the precision, so a binary search
** finds it. Should the digits not read back (the kit's own decimal reader
** of PDK_NO_LIBC is not exact), they are walked, doubling then halving,
** to ones that do. out: at least 32 bytes. */
PDK_INLINE void pdk__format_pos(char *out, double a, bool single)
{
    int lo = 1, hi = single ? 9 : 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (pdk__try(out, a, mid, 0, single) == 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    int c = pdk__try(out, a, lo, 0, single);
    if (c == 0)
        return;
    int64_t dir = c < 0 ? 1 : -1, near = 0, far = dir;
    int cf;
    while ((cf = pdk__try(out, a, lo, far, single)) != 0 && (cf < 0) == (c < 0)) {
        near = far;
        if (far > ((int64_t)1 << 40) || far < -((int64_t)1 << 40))
            return; /* cannot happen with a sane strtod; keep the last text */
        far *= 2;
    }
    while (cf != 0 && (far - near > 1 || near - far > 1)) {
        int64_t mid = near + (far - near) / 2;
        int cm = pdk__try(out, a, lo, mid, single);
        if (cm == 0) {
            far = mid;
            cf = 0;
            break;
        }
        if ((cm < 0) == (c < 0))
            near = mid;
        else
            far = mid;
    }
    pdk__try(out, a, lo, far, single);
}

/* x != 0, finite: the shortest round-trip text with its sign. */
PDK_INLINE void pdk__format_double(char *out, double x, bool single)
{
    if (x < 0) {
        out[0] = '-';
        pdk__format_pos(out + 1, -x, single);
    } else {
        pdk__format_pos(out, x, single);
    }
}

/* A double as JSON: integers exactly, others in the shortest text that
** reads back to the same double; NaN and infinities (not JSON) as null. */
PDK_INLINE void pdk_buf_put_double(pdk_buf *b, double d)
{
    if (d != d || d - d != 0) {
        pdk_buf_put(b, "null", 4);
        return;
    }
    if (d == 0) {
        pdk_buf_puts(b, 1 / d < 0 ? "-0" : "0");
        return;
    }
    if (d > -1e17 && d < 1e17 && d == (double)(int64_t)d) {
        pdk_buf_put_int(b, (int64_t)d);
        return;
    }
    char out[40];
    pdk__format_double(out, d, false);
    pdk_buf_puts(b, out);
}

/* A float (what embeddings are) in the shortest text that reads back to
** the same float: 0.1f is "0.1", not 0.10000000149011612. */
PDK_INLINE void pdk_buf_put_float(pdk_buf *b, float f)
{
    double d = f;
    if (d != d || d - d != 0 || d == 0 || (d > -1e9 && d < 1e9 && d == (double)(int64_t)d)) {
        pdk_buf_put_double(b, d);
        return;
    }
    char out[40];
    pdk__format_double(out, d, true);
    pdk_buf_puts(b, out);
}

#endif /* PLINTH_PDK_NUM_H */
