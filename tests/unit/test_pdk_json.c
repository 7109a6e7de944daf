/*
** test_pdk_json.c — the portable half of the Wasm plugin kit
** (sdk/plinth_pdk_json.h, sdk/plinth_pdk_wire.h), compiled natively: the
** JSON writer (escaping, commas, numbers that read back exactly), the
** reader (RFC 8259 strictness on JSONTestSuite, escapes and surrogates,
** numbers, depth and truncation safety), and the provider-contract
** helpers (SerializableHttpRequest/Response, LLMErrorPayload, chunks,
** SSE and NDJSON framing, base64, config checks).
**
** jansson is the reference: what the kit writes must parse there and mean
** what was meant.
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth_pdk_wire.h"

#define SUITE_DIR PL_SHARED_DIR "/json-test-suite/test_parsing"

/* ---- helpers -------------------------------------------------------------------- */

static json_t *jparse(const char *text, size_t len)
{
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    cr_assert_not_null(v, "jansson rejects %.*s: %s", (int)len, text, je.text);
    return v;
}

/* The buffer holds JSON equal to want (key order ignored). */
static void assert_json(const pdk_buf *b, const char *want)
{
    cr_assert(!b->oom);
    json_t *g = jparse(b->p, b->len), *w = jparse(want, strlen(want));
    cr_assert(json_equal(g, w), "got  %s\nwant %s", b->p, want);
    json_decref(g);
    json_decref(w);
}

static const pdk_jv *parse_ok(pdk_arena *a, const char *text)
{
    pdk_json_error e;
    const pdk_jv *v = pdk_json_parse(a, text, strlen(text), &e);
    cr_assert_not_null(v, "rejected %s: %s at %zu", text, e.msg, e.offset);
    return v;
}

static pdk_json_error parse_bad(const char *text, size_t len)
{
    pdk_arena a = PDK_ARENA_INIT;
    pdk_json_error e;
    cr_assert_null(pdk_json_parse(&a, text, len, &e), "accepted %.*s", (int)len, text);
    cr_assert_not_null(e.msg);
    pdk_arena_free(&a);
    return e;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- writer ----------------------------------------------------------------------- */

Test(pdk_json, writer_builds_documents_with_commas_in_place)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_jw_obj(&b);
    pdk_jw_kstr(&b, "s", "x");
    pdk_jw_kint(&b, "i", -42);
    pdk_jw_kbool(&b, "t", true);
    pdk_jw_knull(&b, "n");
    pdk_jw_key(&b, "a");
    pdk_jw_arr(&b);
    pdk_jw_arr(&b);
    pdk_jw_arr_end(&b);
    pdk_jw_obj(&b);
    pdk_jw_obj_end(&b);
    pdk_jw_uint(&b, UINT64_MAX);
    pdk_jw_str(&b, NULL);
    pdk_jw_double(&b, 0.5);
    pdk_jw_raw(&b, "{\"r\":1}", 7);
    pdk_jw_arr_end(&b);
    pdk_jw_obj_end(&b);
    cr_assert_str_eq(b.p, "{\"s\":\"x\",\"i\":-42,\"t\":true,\"n\":null,\"a\":[[],{},"
                          "18446744073709551615,null,0.5,{\"r\":1}]}");
    pdk_buf_free(&b);
}

Test(pdk_json, writer_escapes_and_replaces_bad_utf8)
{
    pdk_buf b = PDK_BUF_INIT;
    const char s[] = "q\" b\\ \n\r\t\b\f \x01\x1f nul:\0 é 😀 bad:\xff \xc3 end";
    pdk_jw_strn(&b, s, sizeof s - 1);
    cr_assert_str_eq(b.p, "\"q\\\" b\\\\ \\n\\r\\t\\b\\f \\u0001\\u001f nul:\\u0000 é 😀 bad:"
                          "\xEF\xBF\xBD \xEF\xBF\xBD end\"");
    json_t *v = jparse(b.p, b.len); /* and it is valid JSON */
    json_decref(v);
    pdk_buf_free(&b);
}

Test(pdk_json, writer_rejects_overlong_and_surrogate_utf8)
{
    static const char *const bad[] = {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xf8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pdk_buf b = PDK_BUF_INIT;
        pdk_jw_str(&b, bad[i]);
        cr_assert(strstr(b.p, "\xEF\xBF\xBD") != NULL, "kept %s", b.p);
        json_decref(jparse(b.p, b.len));
        pdk_buf_free(&b);
    }
}

Test(pdk_json, bytes_are_an_array_of_numbers)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_jw_bytes(&b, "\x00\x09\x0a\x63\x64\xff", 6);
    cr_assert_str_eq(b.p, "[0,9,10,99,100,255]");
    pdk_buf_clear(&b);
    pdk_jw_bytes(&b, NULL, 0);
    cr_assert_str_eq(b.p, "[]");
    pdk_buf_free(&b);
}

Test(pdk_json, doubles_read_back_exactly)
{
    static const double fixed[] = {0.1, 0.25, -0.5, 1.0 / 3, 1e-7, 123456.789, 1e300, 5e-324,
                                   2.2250738585072014e-308, 1.7976931348623157e308,
                                   0.30000000000000004, 100, 1e21, 1e22, 1.5e-18, 9007199254740993.0,
                                   -1e17, 123e45};
    char want_short[][24] = {"0.1", "0.25", "-0.5", "", "1e-7", "123456.789", "1e300"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        pdk_buf b = PDK_BUF_INIT;
        pdk_buf_put_double(&b, fixed[i]);
        cr_assert(strtod(b.p, NULL) == fixed[i], "%.17g became %s", fixed[i], b.p);
        if (i < sizeof want_short / sizeof want_short[0] && want_short[i][0])
            cr_assert_str_eq(b.p, want_short[i]);
        pdk_buf_free(&b);
    }
    for (int i = 0; i < 20000; i++) { /* random bit patterns, every exponent */
        uint64_t bits = rng();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        pdk_buf b = PDK_BUF_INIT;
        pdk_buf_put_double(&b, d);
        cr_assert(strtod(b.p, NULL) == d, "%.17g became %s", d, b.p);
        cr_assert_leq(strlen(b.p), 25);
        pdk_buf_free(&b);
    }
}

Test(pdk_json, floats_are_shortest_and_exact)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_put_float(&b, 0.1f);
    cr_assert_str_eq(b.p, "0.1");
    for (int i = 0; i < 20000; i++) {
        uint32_t bits = (uint32_t)rng();
        float f;
        memcpy(&f, &bits, sizeof f);
        if (!isfinite(f))
            continue;
        pdk_buf_clear(&b);
        pdk_buf_put_float(&b, f);
        cr_assert((float)strtod(b.p, NULL) == f, "%.9g became %s", (double)f, b.p);
        cr_assert_leq(strlen(b.p), 16, "%s", b.p);
    }
    pdk_buf_free(&b);
}

Test(pdk_json, non_finite_numbers_are_null)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_put_double(&b, NAN);
    pdk_buf_putc(&b, ' ');
    pdk_buf_put_double(&b, -INFINITY);
    pdk_buf_putc(&b, ' ');
    pdk_buf_put_double(&b, -0.0);
    cr_assert_str_eq(b.p, "null null -0");
    pdk_buf_free(&b);
}

Test(pdk_json, integers_at_the_edges)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_put_int(&b, INT64_MIN);
    pdk_buf_putc(&b, ' ');
    pdk_buf_put_int(&b, INT64_MAX);
    pdk_buf_putc(&b, ' ');
    pdk_buf_put_uint(&b, 0);
    cr_assert_str_eq(b.p, "-9223372036854775808 9223372036854775807 0");
    pdk_buf_free(&b);
}

Test(pdk_json, own_decimal_conversion_is_exact_on_the_fast_path)
{
    static const char *const s[] = {"0", "1", "-1", "0.5", "123.456", "1e22", "1e-22",
                                    "9007199254740992", "3.14159", "-2.5e-3", "12345678901234567"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        double want = strtod(s[i], NULL), got = pdk__parse_double_own(s[i]);
        if (i < sizeof s / sizeof s[0] - 1)
            cr_assert(got == want, "%s: %.17g vs %.17g", s[i], got, want);
        else /* beyond 2^53: close, not necessarily exact */
            cr_assert(fabs(got - want) <= fabs(want) * 4e-16, "%s", s[i]);
    }
    cr_assert(fabs(pdk__parse_double_own("1.7976931348623157e308") - 1.7976931348623157e308) <
              1e293);
}

Test(pdk_json, formatter)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_buf_fmt(&b, "%d %i %u %ld %lu %lld %llu %zu %c %s %.*s %g %% %q %s", -5, 7, 3u, -9L, 9UL,
                -1LL, 18446744073709551615ULL, (size_t)42, 'x', "str", 2, "abc", 0.1, (char *)NULL);
    cr_assert_str_eq(b.p,
                     "-5 7 3 -9 9 -1 18446744073709551615 42 x str ab 0.1 % %q (null)");
    pdk_buf_free(&b);
}

/* ---- reader ----------------------------------------------------------------------- */

Test(pdk_json, reader_builds_a_tree)
{
    pdk_arena a = PDK_ARENA_INIT;
    const pdk_jv *v = parse_ok(&a, " {\"a\":[1,2.5,\"x\",true,false,null],\"b\":{\"c\":{}},"
                                   "\"a\":\"last\", \"e\":[]} ");
    cr_assert(pdk_jv_is_object(v));
    cr_assert_eq(pdk_jv_len(v), 4);
    cr_assert_str_eq(pdk_jv_str(pdk_jv_get(v, "a")), "last"); /* repeated: the last wins */
    const pdk_jv *arr = &pdk_jv_member(v, 0)->val;
    cr_assert_eq(pdk_jv_len(arr), 6);
    int64_t i = 0;
    cr_assert(pdk_jv_int(pdk_jv_at(arr, 0), &i) && i == 1);
    cr_assert(pdk_jv_num(pdk_jv_at(arr, 1), 0) == 2.5);
    cr_assert(pdk_jv_streq(pdk_jv_at(arr, 2), "x"));
    cr_assert(pdk_jv_bool(pdk_jv_at(arr, 3), false) && !pdk_jv_bool(pdk_jv_at(arr, 4), true));
    cr_assert(pdk_jv_is_nothing(pdk_jv_at(arr, 5)) && pdk_jv_is_nothing(pdk_jv_at(arr, 6)));
    cr_assert(pdk_jv_is_object(pdk_jv_get(pdk_jv_get(v, "b"), "c")));
    cr_assert_null(pdk_jv_get(pdk_jv_get(v, "zz"), "y")); /* absent chains stay NULL */
    cr_assert_eq(pdk_jv_len(pdk_jv_get(v, "e")), 0);
    pdk_arena_free(&a);
}

Test(pdk_json, reader_unescapes_strings)
{
    pdk_arena a = PDK_ARENA_INIT;
    static const char want[] = "\"\\/\b\f\n\r\té€😀\0z";
    const pdk_jv *v = parse_ok(&a, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"");
    cr_assert_eq(v->n, sizeof want - 1);
    cr_assert(memcmp(v->u.s, want, sizeof want - 1) == 0);
    pdk_arena_free(&a);
}

Test(pdk_json, reader_refuses_bad_strings)
{
    static const char *const bad[] = {"\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"",
                                      "\"\\x41\"", "\"\\u12\"", "\"abc", "\"a\nb\"", "\"\xff\"",
                                      "\"\xc0\xaf\"", "\"\xed\xa0\x80\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i], strlen(bad[i]));
    pdk_json_error e = parse_bad("{\"k\": \"\\ud83d\"}", 15);
    cr_assert_eq(e.offset, 7);
    cr_assert_str_eq(e.msg, "lone high surrogate in \\u escape");
}

Test(pdk_json, reader_numbers)
{
    pdk_arena a = PDK_ARENA_INIT;
    const pdk_jv *v = parse_ok(&a, "[9223372036854775807,-9223372036854775808,9223372036854775808,"
                                   "2.0,1e3,1.5,-0,1E400,123456789012345678901234567890]");
    int64_t i = 0;
    cr_assert(pdk_jv_int(pdk_jv_at(v, 0), &i) && i == INT64_MAX);
    cr_assert(pdk_jv_int(pdk_jv_at(v, 1), &i) && i == INT64_MIN);
    cr_assert(!pdk_jv_int(pdk_jv_at(v, 2), &i));
    cr_assert(pdk_jv_int(pdk_jv_at(v, 3), &i) && i == 2);
    cr_assert(pdk_jv_int(pdk_jv_at(v, 4), &i) && i == 1000);
    cr_assert(!pdk_jv_int(pdk_jv_at(v, 5), &i));
    cr_assert(pdk_jv_int(pdk_jv_at(v, 6), &i) && i == 0);
    cr_assert(isinf(pdk_jv_num(pdk_jv_at(v, 7), 0)));
    cr_assert_eq(pdk_jv_int_or(pdk_jv_at(v, 0), 0, 10, -1), -1);
    pdk_buf b = PDK_BUF_INIT; /* numbers are written back with their own text */
    pdk_jw_value(&b, pdk_jv_at(v, 8));
    cr_assert_str_eq(b.p, "123456789012345678901234567890");
    pdk_buf_free(&b);
    static const char *const bad[] = {"01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "NaN",
                                      "Infinity", "1.2.3", "--1"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        parse_bad(bad[k], strlen(bad[k]));
    pdk_arena_free(&a);
}

Test(pdk_json, reader_reports_where)
{
    const char *text = "{\n  \"a\": [1, 2,]\n}";
    pdk_json_error e = parse_bad(text, strlen(text));
    cr_assert_eq(e.offset, 15); /* the ']' where a value must be */
    cr_assert_eq(e.line, 2);
    cr_assert_eq(e.col, 14);
    e = parse_bad("[1] x", 5);
    cr_assert_str_eq(e.msg, "trailing characters after the JSON value");
    e = parse_bad("", 0);
    cr_assert_str_eq(e.msg, "unexpected end of input");
}

Test(pdk_json, reader_bounds_depth_without_recursion)
{
    size_t n = 200000;
    char *deep = malloc(n * 2);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    pdk_json_error e = parse_bad(deep, n * 2);
    cr_assert_str_eq(e.msg, "nesting too deep");
    cr_assert_eq(e.offset, PDK_JSON_MAX_DEPTH);
    pdk_arena a = PDK_ARENA_INIT; /* the limit itself is fine */
    size_t ok = PDK_JSON_MAX_DEPTH;
    memmove(deep + ok, deep + n, ok);
    cr_assert_not_null(pdk_json_parse(&a, deep, ok * 2, NULL));
    pdk_arena_free(&a);
    free(deep);
}

Test(pdk_json, reader_survives_every_truncation_and_byte_flip)
{
    const char doc[] = "{\"cfg\":{\"model\":\"m\",\"t\":0.5},\"messages\":[{\"role\":\"User\","
                       "\"content\":[{\"type\":\"text\",\"text\":\"h\\u00e9\\ud83d\\ude00\"}]}],"
                       "\"tools\":null,\"n\":[-1.5e3,true,false]}";
    size_t n = sizeof doc - 1;
    for (size_t cut = 0; cut < n; cut++) {
        pdk_arena a = PDK_ARENA_INIT;
        cr_assert_null(pdk_json_parse(&a, doc, cut, NULL), "accepted a prefix of %zu", cut);
        pdk_arena_free(&a);
    }
    char *copy = malloc(n);
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, doc, n);
            copy[i] = (char)(copy[i] ^ (1 << bit));
            pdk_arena a = PDK_ARENA_INIT;
            const pdk_jv *v = pdk_json_parse(&a, copy, n, NULL);
            if (v) { /* whatever it accepted, jansson accepts too */
                json_t *j = json_loadb(copy, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
                cr_assert_not_null(j, "accepted what jansson refuses: %.*s", (int)n, copy);
                json_decref(j);
            }
            pdk_arena_free(&a);
        }
    free(copy);
}

Test(pdk_json, round_trip_equals_jansson)
{
    const char doc[] = "{\"a\":[1,-2.5e-3,\"s\\u0000t\",{\"b\":[true,false,null]}],\"é\":\"😀\","
                       "\"big\":1.5e300,\"neg\":-0.0}";
    pdk_arena a = PDK_ARENA_INIT;
    const pdk_jv *v = parse_ok(&a, doc);
    pdk_buf b = PDK_BUF_INIT;
    pdk_jw_value(&b, v);
    json_t *x = jparse(b.p, b.len), *y = jparse(doc, sizeof doc - 1);
    cr_assert(json_equal(x, y), "%s", b.p);
    json_decref(x);
    json_decref(y);
    pdk_buf_free(&b);
    pdk_arena_free(&a);
}

/* JSONTestSuite: y_ accepted, n_ rejected, i_ either way without harm. */
Test(pdk_json, json_test_suite)
{
    DIR *d = opendir(SUITE_DIR);
    cr_assert_not_null(d, "%s", SUITE_DIR);
    struct dirent *de;
    size_t counts[3] = {0};
    while ((de = readdir(d)) != NULL) {
        char kind = de->d_name[0];
        if ((kind != 'y' && kind != 'n' && kind != 'i') || de->d_name[1] != '_')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", SUITE_DIR, de->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text, f);
        fclose(f);
        pdk_arena a = PDK_ARENA_INIT;
        pdk_json_error e;
        const pdk_jv *v = pdk_json_parse(&a, text, n, &e);
        if (kind == 'y')
            cr_expect_not_null(v, "%s rejected: %s at %zu", de->d_name, e.msg, e.offset);
        if (kind == 'n')
            cr_expect_null(v, "%s accepted", de->d_name);
        json_t *ref = json_loadb(text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (v && ref) { /* what both accept writes back to the same value */
            pdk_buf b = PDK_BUF_INIT;
            pdk_jw_value(&b, v);
            json_t *back = jparse(b.p, b.len);
            cr_expect(json_equal(back, ref), "%s: wrote %s", de->d_name, b.p);
            json_decref(back);
            pdk_buf_free(&b);
        }
        json_decref(ref);
        counts[kind == 'y' ? 0 : kind == 'n' ? 1 : 2]++;
        pdk_arena_free(&a);
    }
    closedir(d);
    cr_assert_eq(counts[0], 95);
    cr_assert_eq(counts[1], 188);
}

/* ---- provider-contract helpers ------------------------------------------------------ */

Test(pdk_wire, http_request_shape)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_header h[] = {{"authorization", "Bearer k"}, {"x-none", NULL}, {"accept", "a/b"}};
    pdk_http_req_write(&b, "POST", "http://h/v1/x", h, 3, "{}", 2);
    assert_json(&b, "{\"req\":{\"head\":{\"method\":\"POST\",\"uri\":\"http://h/v1/x\","
                    "\"headers\":{\"authorization\":\"Bearer k\",\"accept\":\"a/b\"},"
                    "\"version\":\"HTTP/1.1\"},\"body\":[123,125]}}");
    pdk_buf_free(&b);
}

Test(pdk_wire, http_response_both_nestings)
{
    const char *forms[] = {
        "{\"resp\":{\"resp\":{\"head\":{\"status\":429,\"headers\":{\"Retry-After\":\"2\"},"
        "\"version\":\"HTTP/1.1\"},\"body\":[104,105]}}}",
        "{\"resp\":{\"head\":{\"status\":429,\"headers\":{\"retry-after\":[\"2\",\"3\"]}},"
        "\"body\":\"hi\"}}"};
    for (size_t i = 0; i < 2; i++) {
        pdk_arena a = PDK_ARENA_INIT;
        const pdk_jv *v = parse_ok(&a, forms[i]);
        pdk_http_resp r;
        cr_assert_null(pdk_http_resp_read(&a, pdk_jv_get(v, "resp"), &r));
        cr_assert_eq(r.status, 429);
        cr_assert_eq(r.body_len, 2);
        cr_assert_str_eq(r.body, "hi");
        cr_assert_str_eq(pdk_http_resp_header(&r, "RETRY-after"), "2");
        cr_assert_eq(pdk_retry_after_ms(&r), 2000);
        pdk_arena_free(&a);
    }
    pdk_arena a = PDK_ARENA_INIT;
    pdk_http_resp r;
    cr_assert_not_null(pdk_http_resp_read(&a, parse_ok(&a, "{\"head\":{}}"), &r));
    cr_assert_not_null(
        pdk_http_resp_read(&a, parse_ok(&a, "{\"head\":{\"status\":200},\"body\":[256]}"), &r));
    pdk_arena_free(&a);
}

Test(pdk_wire, retry_after_forms)
{
    pdk_arena a = PDK_ARENA_INIT;
    static const struct {
        const char *headers;
        long ms;
    } cases[] = {{"{\"retry-after-ms\":\"1500\",\"retry-after\":\"9\"}", 1500},
                 {"{\"retry-after\":\"1.25\"}", 1250},
                 {"{\"retry-after\":\"Wed, 21 Oct 2015 07:28:00 GMT\"}", -1},
                 {"{\"retry-after\":\"-3\"}", -1},
                 {"{}", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pdk_http_resp r = {200, parse_ok(&a, cases[i].headers), "", 0};
        cr_assert_eq(pdk_retry_after_ms(&r), cases[i].ms, "%s", cases[i].headers);
    }
    pdk_arena_free(&a);
}

Test(pdk_wire, error_payloads)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_llm_error e = PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_RATE_LIMITED;
    e.message = "slow down";
    pdk_llm_error_write(&b, &e);
    assert_json(&b, "{\"payload\":{\"type\":\"rate_limited\",\"message\":\"slow down\","
                    "\"retry_after_secs\":null}}");
    pdk_buf_clear(&b);
    e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_PROVIDER;
    e.message = "too long";
    e.kind = PDK_KIND_CONTEXT_WINDOW;
    e.code = "context_length_exceeded";
    e.retry_after_secs = 3;
    pdk_llm_error_write(&b, &e);
    assert_json(&b, "{\"payload\":{\"type\":\"provider_error\",\"message\":\"too long\","
                    "\"kind\":\"context_window_exceeded\",\"code\":\"context_length_exceeded\","
                    "\"retry_after_secs\":3}}");
    pdk_buf_clear(&b);
    e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_HTTP_STATUS;
    e.status_code = 503;
    e.message = "m";
    pdk_llm_error_write(&b, &e);
    assert_json(&b, "{\"payload\":{\"type\":\"http_status\",\"status_code\":503,\"message\":\"m\","
                    "\"retry_after_secs\":null}}");
    pdk_buf_clear(&b);
    e = (pdk_llm_error)PDK_LLM_ERROR_INIT;
    e.type = PDK_ERR_CANCELLED;
    pdk_llm_error_write(&b, &e);
    assert_json(&b, "{\"payload\":{\"type\":\"cancelled\"}}");
    pdk_buf_clear(&b);
    e.type = PDK_ERR_RESPONSE_FORMAT;
    e.message = "bad";
    e.raw_response = "<html>";
    pdk_llm_error_write(&b, &e);
    assert_json(&b, "{\"payload\":{\"type\":\"response_format_error\",\"message\":\"bad\","
                    "\"raw_response\":\"<html>\"}}");
    pdk_buf_free(&b);
}

Test(pdk_wire, stream_chunks)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_usage u = {5, 3, 1, 2, 0};
    pdk_jw_arr(&b);
    pdk_chunk_text(&b, "hé", 3);
    pdk_chunk_thinking(&b, "hm", 2);
    pdk_chunk_thinking_signature(&b, "sig", 3);
    pdk_chunk_tool_start(&b, 0, "c1", "f");
    pdk_chunk_tool_delta(&b, 0, "{\"a\"", 4);
    pdk_chunk_tool_complete(&b, 0, "c1", "f", NULL, 0);
    pdk_chunk_usage(&b, &u);
    pdk_chunk_done(&b, PDK_FINISH_TOOL_CALLS);
    pdk_jw_arr_end(&b);
    const char *usage = "{\"input_tokens\":5,\"output_tokens\":3,\"reasoning_tokens\":1,"
                        "\"cache_read\":2,\"cache_write\":0}";
    char want[2048];
    snprintf(want, sizeof want,
             "[{\"chunk\":{\"text\":\"hé\"},\"usage\":null},"
             "{\"chunk\":{\"thinking\":\"hm\"},\"usage\":null},"
             "{\"chunk\":{\"thinking_signature\":\"sig\"},\"usage\":null},"
             "{\"chunk\":{\"tool_use_start\":{\"index\":0,\"id\":\"c1\",\"name\":\"f\"}},"
             "\"usage\":null},"
             "{\"chunk\":{\"tool_use_input_delta\":{\"index\":0,\"partial_json\":\"{\\\"a\\\"\"}},"
             "\"usage\":null},"
             "{\"chunk\":{\"tool_use_complete\":{\"index\":0,\"tool_call\":{\"id\":\"c1\","
             "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}}},"
             "\"usage\":null},"
             "{\"chunk\":{\"usage\":%s},\"usage\":%s},"
             "{\"chunk\":{\"done\":{\"finish_reason\":\"ToolCalls\"}},\"usage\":null}]",
             usage, usage);
    assert_json(&b, want);
    pdk_buf_free(&b);
}

Test(pdk_wire, base64_both_ways)
{
    pdk_buf b = PDK_BUF_INIT;
    pdk_base64_put(&b, "any carnal pleas", 16);
    cr_assert_str_eq(b.p, "YW55IGNhcm5hbCBwbGVhcw==");
    unsigned char out[32];
    cr_assert_eq(pdk_base64_decode(b.p, b.len, out), 16);
    cr_assert(memcmp(out, "any carnal pleas", 16) == 0);
    cr_assert_eq(pdk_base64_decode("AAAAgD8=", 8, out), 5);
    cr_assert_eq(pdk_base64_decode("A", 1, out), -1);
    cr_assert_eq(pdk_base64_decode("A*==", 4, out), -1);
    pdk_buf_free(&b);
}

/* ---- SSE and NDJSON framing ---------------------------------------------------------- */

typedef struct events {
    char log[4096];
} events;

static int on_sse(void *user, const char *event, const char *data, size_t len)
{
    events *e = user;
    size_t n = strlen(e->log);
    snprintf(e->log + n, sizeof e->log - n, "[%s|%.*s]", event, (int)len, data);
    return 0;
}

static void feed_split(const char *body, size_t step, events *e)
{
    pdk_sse s = PDK_SSE_INIT;
    e->log[0] = '\0';
    size_t n = strlen(body);
    for (size_t i = 0; i < n; i += step)
        cr_assert_eq(pdk_sse_feed(&s, body + i, n - i < step ? n - i : step, on_sse, e), 0);
    cr_assert_eq(pdk_sse_finish(&s, on_sse, e), 0);
    pdk_sse_free(&s);
}

Test(pdk_wire, sse_framing_in_any_split)
{
    const char *body = ": comment\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\n"
                       "data: line1\ndata:line2\nid: 7\nretry: 10\n\n"
                       "data\r\r"
                       "event: ignored-without-data\n\n"
                       "data: [DONE]\n";
    const char *want = "[message_start|{\"a\":1}][|line1\nline2][|][|[DONE]]";
    for (size_t step = 1; step <= strlen(body); step++) {
        events e;
        feed_split(body, step, &e);
        cr_assert_str_eq(e.log, want, "split %zu", step);
    }
    events e; /* a line cut in the middle is dropped at the end */
    feed_split("data: {\"x\":1}\n\ndata: {\"cut", 5, &e);
    cr_assert_str_eq(e.log, "[|{\"x\":1}]");
}

static int stop_at_two(void *user, const char *event, const char *data, size_t len)
{
    int *n = user;
    (void)event, (void)data, (void)len;
    return ++*n == 2 ? 42 : 0;
}

Test(pdk_wire, sse_callback_stops_the_feed)
{
    pdk_sse s = PDK_SSE_INIT;
    int n = 0;
    const char body[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    cr_assert_eq(pdk_sse_feed(&s, body, sizeof body - 1, stop_at_two, &n), 42);
    cr_assert_eq(n, 2);
    pdk_sse_free(&s);
}

static int on_line(void *user, const char *line, size_t len)
{
    events *e = user;
    size_t n = strlen(e->log);
    snprintf(e->log + n, sizeof e->log - n, "[%.*s]", (int)len, line);
    return 0;
}

Test(pdk_wire, ndjson_framing_in_any_split)
{
    const char *body = "{\"a\":1}\n\n  {\"b\":2}\r\n{\"c\":3}";
    for (size_t step = 1; step <= strlen(body); step++) {
        pdk_lines l = PDK_LINES_INIT;
        events e = {{0}};
        size_t n = strlen(body);
        for (size_t i = 0; i < n; i += step)
            cr_assert_eq(pdk_lines_feed(&l, body + i, n - i < step ? n - i : step, on_line, &e), 0);
        cr_assert_eq(pdk_lines_finish(&l, on_line, &e), 0);
        cr_assert_str_eq(e.log, "[{\"a\":1}][{\"b\":2}][{\"c\":3}]", "split %zu", step);
        pdk_lines_free(&l);
    }
}

/* ---- request helpers ---------------------------------------------------------------- */

Test(pdk_wire, handles_live_across_calls)
{
    int x, y, z;
    int64_t a = pdk_handle_put(&x), b = pdk_handle_put(&y);
    cr_assert(a > 0 && b == a + 1);
    cr_assert_eq(pdk_handle_get(a), &x);
    cr_assert_eq(pdk_handle_take(a), &x);
    cr_assert_null(pdk_handle_get(a));
    cr_assert_null(pdk_handle_take(a));
    int64_t c = pdk_handle_put(&z); /* ids are never reused */
    cr_assert_gt(c, b);
    cr_assert_eq(pdk_handle_get(b), &y);
    cr_assert_eq(pdk_handle_get(c), &z);
    cr_assert_null(pdk_handle_get(0));
    cr_assert_null(pdk_handle_get(c + 1));
}

Test(pdk_wire, config_checks)
{
    static const pdk_cfg_key keys[] = {
        {"model", PDK_CFG_STRING, 0, 0},   {"t", PDK_CFG_NUMBER, 0, 2},
        {"n", PDK_CFG_COUNT, 0, 0},        {"b", PDK_CFG_BOOL, 0, 0},
        {"sys", PDK_CFG_STRINGS, 0, 0},    {"tc", PDK_CFG_CHOICE, 0, 0},
        {"k", PDK_CFG_INT, -1, 5}};
    static const struct {
        const char *cfg, *problem;
    } cases[] = {
        {"{\"model\":\"m\",\"t\":1.5,\"n\":3,\"b\":true,\"sys\":[\"a\"],\"tc\":{},\"k\":-1}", NULL},
        {"{\"model\":null,\"t\":null}", NULL},
        {"{\"model\":1}", "config 'model' must be a string"},
        {"{\"t\":3}", "config 't' is out of range"},
        {"{\"n\":0}", "config 'n' must be an integer >= 1"},
        {"{\"b\":\"yes\"}", "config 'b' must be true or false"},
        {"{\"sys\":[\"a\",1]}", "config 'sys' must hold only strings"},
        {"{\"tc\":1}", "config 'tc' must be a string or an object"},
        {"{\"k\":6}", "config 'k' must be an integer from -1 to 5"},
        {"[1]", "the config must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pdk_arena a = PDK_ARENA_INIT;
        pdk_buf why = PDK_BUF_INIT;
        const char *p = pdk_cfg_check(parse_ok(&a, cases[i].cfg), keys, 7, &why);
        if (cases[i].problem)
            cr_assert(p && strcmp(p, cases[i].problem) == 0, "%s: %s", cases[i].cfg, p);
        else
            cr_assert_null(p, "%s: %s", cases[i].cfg, p);
        pdk_buf_free(&why);
        pdk_arena_free(&a);
    }
}

Test(pdk_wire, wire_text_system_and_urls)
{
    pdk_arena a = PDK_ARENA_INIT;
    pdk_buf b = PDK_BUF_INIT;
    pdk_wire_text(&b, parse_ok(&a, "[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image\"},"
                                   "{\"type\":\"text\",\"text\":\"b\"}]"), "\n");
    cr_assert_str_eq(b.p, "a\nb");
    pdk_buf_clear(&b);
    pdk_wire_system(&b, parse_ok(&a, "[\"x\",\"y\"]"));
    cr_assert_str_eq(b.p, "x\n\ny");
    pdk_buf_clear(&b);
    pdk_url_join(&b, "http://h/v1//", "/models");
    cr_assert_str_eq(b.p, "http://h/v1/models");
    pdk_buf_free(&b);
    pdk_arena_free(&a);
}
