/*
** count_vowels.c — the classic Extism demo as a test plugin (no libc):
** the number of vowels in the input as {"count": N}.
*/
#include "guest.h"

static uint8_t buf[1 << 16];

static uint64_t put_u64(char *out, uint64_t v)
{
    char tmp[20];
    uint64_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[k++] = tmp[--n];
    return k;
}

EXPORT(count_vowels) int32_t count_vowels(void)
{
    uint64_t n = g_input(buf, sizeof buf), count = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t c = buf[i] | 0x20;
        count += c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    }
    char out[40] = "{\"count\": ";
    uint64_t k = 10;
    k += put_u64(out + k, count);
    out[k++] = '}';
    g_output(out, k);
    return 0;
}
