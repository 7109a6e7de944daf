/*
** count_vowels.c — the classic Extism demo on plinth's kit, built without
** libc (-nostdlib, PDK_NO_LIBC): the smallest useful plugin, and the one
** the call-overhead bench measures.
**
** Export count_vowels: input text → {"count":N,"total":T,"vowels":"..."}
** in the format of Extism's own Rust demo: count is the vowels of this
** input, total the running sum over the calls of this instance (kept in
** the var "total" as decimal text, as the demo does), vowels the set
** counted, "aeiouAEIOU" unless the host config sets "vowels". Characters
** are UTF-8 sequences, so a config of "aeiouäöü" counts "ä" once.
*/
#include "plinth_pdk.h"

#define DEFAULT_VOWELS "aeiouAEIOU"

/* Bytes in the UTF-8 sequence that starts with c (1 for stray bytes, so
** bad input is still walked byte by byte). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* The vowel set: single bytes in a bitmap (the usual set is ASCII, and
** this is the plugin's hot loop), longer UTF-8 characters compared. */
typedef struct vowels {
    uint32_t ascii[8];
    const char *set;
    bool multi; /* the set has characters of more than one byte */
} vowels;

static void vowels_init(vowels *v, const char *set)
{
    memset(v, 0, sizeof *v);
    v->set = set;
    for (const char *p = set; *p;) {
        size_t k = seq_len((unsigned char)*p);
        if (k == 1)
            v->ascii[(unsigned char)*p >> 5] |= 1u << ((unsigned char)*p & 31);
        v->multi |= k > 1;
        while (k-- && *p)
            p++;
    }
}

/* Whether the character s[0..n) is one of the set's. */
static bool is_vowel(const vowels *v, const char *s, size_t n)
{
    if (n == 1)
        return (v->ascii[(unsigned char)*s >> 5] >> ((unsigned char)*s & 31)) & 1u;
    for (const char *p = v->set; v->multi && *p;) {
        size_t k = seq_len((unsigned char)*p);
        if (k == n && memcmp(p, s, n) == 0)
            return true;
        while (k-- && *p)
            p++;
    }
    return false;
}

/* The default set as a ready bitmap: the usual call builds nothing. */
static const vowels default_vowels = {
    .ascii = { 0, 0, (1u << ('A' & 31)) | (1u << ('E' & 31)) | (1u << ('I' & 31)) |
                     (1u << ('O' & 31)) | (1u << ('U' & 31)),
               (1u << ('a' & 31)) | (1u << ('e' & 31)) | (1u << ('i' & 31)) |
                   (1u << ('o' & 31)) | (1u << ('u' & 31)) },
    .set = DEFAULT_VOWELS,
    .multi = false,
};

/* Only ASCII input with the default set: one table lookup per byte. */
static uint64_t count_ascii(const unsigned char *t, size_t len)
{
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += (default_vowels.ascii[t[i] >> 5] >> (t[i] & 31)) & 1u;
    return n;
}

static uint64_t count(const char *text, size_t len, const char *set)
{
    vowels v;
    if (set == default_vowels.set)
        v = default_vowels;
    else
        vowels_init(&v, set);
    uint64_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = (unsigned char)text[i] < 0x80 ? 1 : seq_len((unsigned char)text[i]);
        if (k > len - i)
            k = len - i;
        n += is_vowel(&v, text + i, k);
        i += k;
    }
    return n;
}

/* v in decimal at d (room for 20 digits); the number of digits. */
static size_t put_uint(char *d, uint64_t v)
{
    size_t n = 1;
    for (uint64_t t = v; t >= 10; t /= 10)
        n++;
    for (size_t i = n; i-- > 0; v /= 10)
        d[i] = (char)('0' + v % 10);
    return n;
}

/* The var "total" as a number (0 when unset or not decimal). */
static uint64_t read_total(void)
{
    size_t n = 0;
    char *s = pdk_var_get("total", &n);
    uint64_t v = 0;
    for (size_t i = 0; s && i < n && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    pdk_free(s);
    return v;
}

PL_EXPORT(count_vowels)
{
    size_t len;
    char *text = pdk_input(&len);
    if (!text)
        return pdk_error("out of memory");
    char *vowels = pdk_config("vowels");
    const char *set = vowels ? vowels : default_vowels.set;
    bool ascii = set == default_vowels.set;
    for (size_t i = 0; ascii && i < len; i++)
        ascii = (unsigned char)text[i] < 0x80;
    uint64_t n = ascii ? count_ascii((const unsigned char *)text, len) : count(text, len, set);
    uint64_t total = read_total() + n;

    char digits[24];
    size_t nd = put_uint(digits, total);
    pdk_var_set("total", digits, nd);

    /* The output with the default set needs no escaping: written directly. */
    if (set == default_vowels.set) {
        char out[96];
        size_t k = 0;
#define PUT_LITERAL(lit) (memcpy(out + k, (lit), sizeof(lit) - 1), k += sizeof(lit) - 1)
        PUT_LITERAL("{\"count\":");
        k += put_uint(out + k, n);
        PUT_LITERAL(",\"total\":");
        k += put_uint(out + k, total);
        PUT_LITERAL(",\"vowels\":\"" DEFAULT_VOWELS "\"}");
        pdk_free(text);
        return pdk_output(out, k);
    }
    pdk_buf out = PDK_BUF_INIT;
    pdk_jw_obj(&out);
    pdk_jw_kint(&out, "count", (int64_t)n);
    pdk_jw_kint(&out, "total", (int64_t)total);
    pdk_jw_kstr(&out, "vowels", set);
    pdk_jw_obj_end(&out);
    int32_t rc = pdk_output_buf(&out);
    pdk_free(vowels);
    pdk_free(text);
    return rc;
}
