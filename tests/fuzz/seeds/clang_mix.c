/* A seed in the shape clang-19 emits: call_indirect with a 5-byte padded
** table index, a stack pointer global, loops over linear memory, a switch
** lowered to br_table, sign extension. Built with the command in
** tests/fuzz/README.md. */
#include <stdint.h>
#define EXPORT(n) __attribute__((export_name(n)))

typedef uint32_t (*op)(uint32_t, uint32_t);
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 3); }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b + 1; }
static op volatile ops[] = {op_add, op_xor, op_mul};
static uint8_t buf[4096];

EXPORT("apply") uint32_t apply(uint32_t i, uint32_t a, uint32_t b)
{
    return ops[i % 3](a, b);
}

EXPORT("scan") int32_t scan(uint32_t n, int32_t seed)
{
    int32_t h = seed;
    for (uint32_t i = 0; i < n && i < sizeof buf; i++) {
        buf[i] = (uint8_t)(h >> 5);
        switch (buf[i] & 7) {
        case 0: h += (int8_t)buf[i]; break;
        case 1: h ^= 0x5bd1e995; break;
        case 2: h = h * 31 + 7; break;
        case 3: h -= (int16_t)(h >> 3); break;
        case 4: h = (h << 5) | ((uint32_t)h >> 27); break;
        default: h += (int32_t)i; break;
        }
    }
    return h;
}

EXPORT("fsum") double fsum(double x, float y, int64_t k)
{
    double s = 0;
    for (int64_t i = 0; i < (k & 255); i++)
        s += x / (double)(i + 1) - (double)y;
    return s;
}
