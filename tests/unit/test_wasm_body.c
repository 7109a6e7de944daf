/*
** test_wasm_body.c — a Wasm provider's HTTP request read with the body
** scanner (plh_wasm_request_from_json) against jansson alone
** (plh_wasm_request_from_jansson): on every document the same request or
** the same error, and the scanner takes the documents plugins write (so
** the speed is real) while leaving every odd one to jansson. The body's
** two places, duplicate keys (last wins), strings that look like a body,
** whitespace, the numbers 0..255 and what is not one, truncated and
** randomly damaged documents.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wasm_backend.h"

/* ---- helpers ------------------------------------------------------------------------ */

typedef struct read_result {
    const char *why;
    pln_request req;
} read_result;

static read_result read_fast(const char *doc, size_t len)
{
    read_result r;
    pln_request_init(&r.req);
    r.why = plh_wasm_request_from_json(doc, len, &r.req);
    return r;
}

static read_result read_jansson(const char *doc, size_t len)
{
    read_result r;
    pln_request_init(&r.req);
    r.why = plh_wasm_request_from_jansson(doc, len, &r.req);
    return r;
}

static const char *or_none(const char *s) { return s ? s : "(none)"; }

static bool same_text(const char *a, const char *b) { return strcmp(or_none(a), or_none(b)) == 0; }

/* What differs between two readings, or NULL. Plain comparisons, so that
** the thousands of damaged documents do not each record assertions. */
static const char *difference(const read_result *a, const read_result *b)
{
    if (!same_text(a->why, b->why))
        return "the error";
    if (!same_text(a->req.method, b->req.method) || !same_text(a->req.url, b->req.url))
        return "the method or URL";
    if (a->req.n_headers != b->req.n_headers)
        return "the header count";
    for (size_t i = 0; i < a->req.n_headers; i++)
        if (!same_text(a->req.headers[i].name, b->req.headers[i].name) ||
            !same_text(a->req.headers[i].value, b->req.headers[i].value))
            return "a header";
    /* An empty body array still appends (an empty body, not none). */
    if ((a->req.body.data == NULL) != (b->req.body.data == NULL) ||
        a->req.body.len != b->req.body.len ||
        (a->req.body.len && memcmp(a->req.body.data, b->req.body.data, a->req.body.len)))
        return "the body";
    return NULL;
}

/* Both readers on doc[0..len): the same outcome, which is returned (the
** scanner's; free with pln_request_free). */
static read_result same_both_ways(const char *doc, size_t len)
{
    read_result fast = read_fast(doc, len), slow = read_jansson(doc, len);
    const char *diff = difference(&fast, &slow);
    if (diff)
        cr_assert_fail("%s differs (scanner: %s, jansson: %s) for %.*s", diff, or_none(fast.why),
                       or_none(slow.why), (int)len, doc);
    pln_request_free(&slow.req);
    return fast;
}

static bool scanner_takes(const char *doc)
{
    plh_body_span sp;
    bool taken = plh_wasm_body_scan(doc, strlen(doc), &sp);
    if (taken)
        plu_buf_free(&sp.bytes);
    return taken;
}

/* A case: the document, whether the scanner takes it, the error (NULL:
** none), and the body as text (NULL: none appended). */
typedef struct body_case {
    const char *doc;
    bool fast;
    const char *why;
    const char *body;
} body_case;

static void check_case(const body_case *c)
{
    cr_assert_eq(scanner_takes(c->doc), c->fast, "scanner %s %s", c->fast ? "skips" : "takes",
                 c->doc);
    read_result r = same_both_ways(c->doc, strlen(c->doc));
    cr_assert_str_eq(or_none(r.why), or_none(c->why), "error for %s", c->doc);
    if (!c->why) {
        cr_assert_eq(r.req.body.data == NULL, c->body == NULL, "body presence for %s", c->doc);
        if (c->body)
            cr_assert_str_eq(r.req.body.data, c->body, "body for %s", c->doc);
    }
    pln_request_free(&r.req);
}

static void check_cases(const body_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_case(&cases[i]);
}

#define NOT_JSON "the HTTP request is not JSON"
#define NO_URI "the HTTP request has no req.head.uri"
#define INVALID "the HTTP request is invalid (method, URL, a header or the body)"

/* ---- documents plugins write ------------------------------------------------------------ */

Test(wasm_body, a_plugins_request_is_read_by_the_scanner)
{
    const char *doc = "{\"req\":{\"head\":{\"method\":\"POST\",\"uri\":\"https://api.x/v1/chat\","
                      "\"version\":\"HTTP/1.1\",\"headers\":{\"content-type\":\"application/json\","
                      "\"x-multi\":[\"a\",\"b\"]}},\"body\":[123,34,97,34,58,49,125]}}";
    cr_assert(scanner_takes(doc));
    read_result r = same_both_ways(doc, strlen(doc));
    cr_assert_null(r.why);
    cr_assert_str_eq(r.req.method, "POST");
    cr_assert_str_eq(r.req.url, "https://api.x/v1/chat");
    cr_assert_eq(r.req.n_headers, 3);
    cr_assert_str_eq(r.req.headers[2].name, "x-multi");
    cr_assert_str_eq(r.req.headers[2].value, "b");
    cr_assert_str_eq(r.req.body.data, "{\"a\":1}");
    pln_request_free(&r.req);
}

Test(wasm_body, bodies_at_both_places_and_empty_ones)
{
    static const body_case cases[] = {
        { "{\"head\":{\"uri\":\"u\"},\"body\":[104,105]}", true, NULL, "hi" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[]}}", true, NULL, "" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[ \n ]}}", true, NULL, "" },
        { "{\"head\":{\"uri\":\"u\"},\"body\":[]}", true, NULL, "" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"}}}", false, NULL, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":null}}", false, NULL, NULL },
        { "{\"req\":{\"body\":[1],\"head\":{\"uri\":\"u\",\"method\":\"PUT\"}}}", true, NULL,
          "\001" },
        { "{\"req\":{\"head\":{\"method\":\"POST\"},\"body\":[1]}}", true, NO_URI, NULL },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, zero_and_255_and_every_byte)
{
    plu_buf doc;
    plu_buf_init(&doc);
    cr_assert_eq(plu_buf_puts(&doc, "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[0,255"), 0);
    for (int v = 0; v < 256; v++)
        cr_assert_eq(plu_buf_printf(&doc, ",%d", v), 0);
    cr_assert_eq(plu_buf_puts(&doc, ",0]}}"), 0);
    cr_assert(scanner_takes(doc.data));
    read_result r = same_both_ways(doc.data, doc.len);
    cr_assert_null(r.why);
    cr_assert_eq(r.req.body.len, 259);
    const uint8_t *b = (const uint8_t *)r.req.body.data;
    cr_assert(b[0] == 0 && b[1] == 255 && b[258] == 0);
    for (int v = 0; v < 256; v++)
        cr_assert_eq(b[2 + v], v);
    pln_request_free(&r.req);
    plu_buf_free(&doc);
}

Test(wasm_body, a_50_kb_body_comes_out_byte_for_byte)
{
    enum { N = 50 * 1024 };
    static uint8_t want[N];
    plu_buf doc;
    plu_buf_init(&doc);
    cr_assert_eq(plu_buf_puts(&doc, "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":["), 0);
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        want[i] = (uint8_t)(x >> 16);
        cr_assert_eq(plu_buf_printf(&doc, i ? ",%u" : "%u", want[i]), 0);
    }
    cr_assert_eq(plu_buf_puts(&doc, "]}}"), 0);
    read_result r = same_both_ways(doc.data, doc.len);
    cr_assert_null(r.why);
    cr_assert_eq(r.req.body.len, N);
    cr_assert(memcmp(r.req.body.data, want, N) == 0);
    pln_request_free(&r.req);
    plu_buf_free(&doc);
}

Test(wasm_body, whitespace_wherever_json_allows_it)
{
    static const body_case cases[] = {
        { " \t\r\n{ \"req\" :\n{\t\"head\" : { \"uri\" : \"u\" , \"headers\" : { } } ,\r\n"
          "\"body\"\t:\n[ 104 ,\n105\r,\t33 ] \n} } \n\t",
          true, NULL, "hi!" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[104 , 105]}}", true, NULL, "hi" },
        /* Not JSON whitespace: jansson's to refuse. */
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[104,\f105]}}", false, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[104,\v105]}}", false, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[104,\xc2\xa0" "105]}}", false, NOT_JSON,
          NULL },
        { "\xef\xbb\xbf{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[104]}}", false, NOT_JSON,
          NULL },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* ---- strings, nesting and duplicates ------------------------------------------------------ */

Test(wasm_body, strings_that_look_like_a_body_are_strings)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"headers\":{\"x\":\"\\\"body\\\":[1,2]\"}},"
          "\"body\":[65]}}",
          true, NULL, "A" },
        { "{\"req\":{\"head\":{\"uri\":\"\\\\\"},\"x\":\"\\\\\\\"\",\"body\":[66]}}", true, NULL,
          "B" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"x\":\"}, \\\"body\\\": [9]}\"}}", false, NULL,
          NULL },
        { "{\"x\":\"{\\\"req\\\":{\\\"body\\\":[1]}}\",\"head\":{\"uri\":\"u\"},\"body\":[67]}",
          true, NULL, "C" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[68],\"x\":\"\\u005d\"}}", true, NULL,
          "D" },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, a_body_deeper_down_is_not_the_body)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"body\":[1]},\"x\":{\"body\":[2]},\"body\":[51]}}",
          true, NULL, "3" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"x\":{\"req\":{\"body\":[50]}}}}", false, NULL,
          NULL },
        { "{\"head\":{\"uri\":\"u\",\"body\":[53]},\"body\":[54]}", true, NULL, "6" },
        { "{\"head\":{\"uri\":\"u\"},\"x\":[{\"body\":[1]},[{\"req\":{\"body\":[2]}}]]}", false,
          NULL, NULL },
        /* With a "req" the top-level body is not read, whichever comes first. */
        { "{\"req\":{\"head\":{\"uri\":\"u\"}},\"body\":[49]}", false, NULL, NULL },
        { "{\"body\":[49],\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[50]}}", true, NULL, "2" },
        { "{\"req\":[1],\"head\":{\"uri\":\"u\"},\"body\":[49]}", false, NO_URI, NULL },
        { "{\"req\":null,\"head\":{\"uri\":\"u\"},\"body\":[49]}", false, NO_URI, NULL },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, duplicate_keys_resolve_last_wins_as_in_jansson)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49],\"body\":[50]}}", true, NULL, "2" },
        { "{\"head\":{\"uri\":\"u\"},\"body\":[49],\"body\":[50],\"body\":[]}", true, NULL, "" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49],\"body\":\"hi\"}}", false, NULL, "hi" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":\"hi\",\"body\":[50]}}", false, NULL, "2" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49],\"body\":null}}", false, NULL, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"a\"},\"body\":[49]},"
          "\"req\":{\"head\":{\"uri\":\"b\"},\"body\":[50]}}",
          true, NULL, "2" },
        { "{\"req\":{\"head\":{\"uri\":\"a\"},\"body\":[49]},\"req\":{\"head\":{\"uri\":\"b\"}}}",
          false, NULL, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"a\"},\"body\":[49]},\"req\":null}", false, NO_URI, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"a\"},\"body\":[49]},\"req\":7,\"req\":{\"head\":"
          "{\"uri\":\"c\"},\"body\":[51]}}",
          true, NULL, "3" },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, escaped_keys_are_left_to_jansson)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49],\"bo\\u0064y\":[50]}}", false, NULL,
          "2" },
        { "{\"r\\u0065q\":{\"head\":{\"uri\":\"u\"},\"body\":[50]},\"body\":[49]}", false, NULL,
          "2" },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49],\"b\\u0000\":1}}", false, NOT_JSON,
          NULL },
        /* Deeper down an escaped key changes nothing. */
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"headers\":{\"x\\u002dy\":\"1\"}},\"body\":[49]}}",
          true, NULL, "1" },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* ---- what is not a byte ------------------------------------------------------------------- */

Test(wasm_body, values_that_are_not_bytes_get_jansson_s_answer)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[256]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[1000]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[-1]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[1.0]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[1e2]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[1E0]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[\"x\"]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[1,null]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[[1]]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[true]}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":{}}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":7}}", false, INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[99999999999999999999]}}", false,
          NOT_JSON, NULL },
        /* -0 is the integer 0 to jansson: a byte, read the slow way. */
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[48,-0]}}", false, NULL, "0" },
        /* A body given as a string is taken as it is (leniently). */
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":\"h\\u00e9\"}}", false, NULL,
          "h\xc3\xa9" },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, malformed_arrays_are_not_json)
{
    static const char *const arrays[] = {
        "[1,]", "[,1]", "[,]", "[1 2]", "[01]", "[00]", "[1,,2]", "[1", "[1}", "[-]",
        "[1.]", "[1e]", "[0x1]", "[+1]", "[1a]", "[nul]",
    };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        char doc[128];
        snprintf(doc, sizeof doc, "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":%s}}", arrays[i]);
        check_case(&(body_case){ doc, false, NOT_JSON, NULL });
    }
}

Test(wasm_body, the_rest_of_the_document_is_still_checked)
{
    static const body_case cases[] = {
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49]}} x", false, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49]}}}", false, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\" \"u\"},\"body\":[49]}}", false, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",},\"body\":[49]}}", false, NOT_JSON, NULL },
        /* Grammar the scanner checks, contents only jansson does: the
        ** scanner takes these, jansson refuses the rest as it would have. */
        { "{\"req\":{\"head\":{\"uri\":\"\\x\"},\"body\":[49]}}", true, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"a\tb\"},\"body\":[49]}}", true, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"\xff\"},\"body\":[49]}}", true, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"\\u0000\"},\"body\":[49]}}", true, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"n\":1e400},\"body\":[49]}}", true, NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"n\":-99999999999999999999},\"body\":[49]}}", true,
          NOT_JSON, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"headers\":{\"a\":1}},\"body\":[49]}}", true,
          INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"method\":\"BAD METHOD\"},\"body\":[49]}}", true,
          INVALID, NULL },
        { "{\"req\":{\"head\":{\"uri\":\"u\",\"n\":[1.5e-3,true,false,null,-0]},\"body\":[49]}}",
          true, NULL, "1" },
        { "[{\"req\":{\"head\":{\"uri\":\"u\"},\"body\":[49]}}]", false, NO_URI, NULL },
        { "\"x\"", false, NOT_JSON, NULL },
        { "", false, NOT_JSON, NULL },
        { " \n", false, NOT_JSON, NULL },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

Test(wasm_body, a_nul_byte_in_the_document_is_not_json)
{
    static const char doc[] = "{\"req\":{\"head\":{\"uri\":\"u\0\"},\"body\":[49]}}";
    read_result r = same_both_ways(doc, sizeof doc - 1);
    cr_assert_str_eq(or_none(r.why), NOT_JSON);
    pln_request_free(&r.req);
}

Test(wasm_body, very_deep_documents_go_to_jansson)
{
    plu_buf doc;
    plu_buf_init(&doc);
    cr_assert_eq(plu_buf_puts(&doc, "{\"req\":{\"head\":{\"uri\":\"u\"},\"x\":"), 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(plu_buf_putc(&doc, '['), 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(plu_buf_putc(&doc, ']'), 0);
    cr_assert_eq(plu_buf_puts(&doc, ",\"body\":[49]}}"), 0);
    cr_assert_not(scanner_takes(doc.data));
    check_case(&(body_case){ doc.data, false, NULL, "1" });
    plu_buf_free(&doc);
}

/* ---- truncated and damaged documents ------------------------------------------------------ */

static const char *const base_docs[] = {
    ("{\"req\":{\"head\":{\"method\":\"POST\",\"uri\":\"https://h/p\",\"headers\":"
     "{\"a\":\"b\\\"c\",\"d\":[\"e\",\"f\"]}},\"body\":[123,34,120,34,58,91,49,93,125]}}"),
    "{\"head\":{\"uri\":\"u\"},\"body\":[0, 255 ,1],\"body\":[7]}",
    "{\"body\":[1],\"req\":{\"body\":[2],\"head\":{\"uri\":\"u\",\"body\":[3]},\"body\":[4]}}",
};

Test(wasm_body, every_truncation_gives_the_same_answer)
{
    for (size_t d = 0; d < sizeof base_docs / sizeof base_docs[0]; d++) {
        size_t len = strlen(base_docs[d]);
        for (size_t n = 0; n < len; n++) {
            read_result r = same_both_ways(base_docs[d], n);
            cr_assert_str_eq(or_none(r.why), NOT_JSON, "prefix %zu of %s", n, base_docs[d]);
            pln_request_free(&r.req);
        }
    }
}

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* Up to three edits: a character inserted, removed or replaced, drawn
** mostly from the ones that matter to JSON. */
static size_t damage(char *doc, size_t len, size_t cap, uint32_t *rng)
{
    static const char alphabet[] = "{}[]:,\"\\ \t\n0123456789-+.eEbodyrqnul\x80\f";
    int edits = 1 + (int)(next_random(rng) % 3);
    for (int e = 0; e < edits; e++) {
        size_t at = len ? next_random(rng) % len : 0;
        char c = alphabet[next_random(rng) % (sizeof alphabet - 1)];
        switch (next_random(rng) % 3) {
        case 0:
            if (len + 1 < cap) {
                memmove(doc + at + 1, doc + at, len - at);
                doc[at] = c;
                len++;
            }
            break;
        case 1:
            if (len) {
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
            }
            break;
        default:
            if (len)
                doc[at] = c;
        }
    }
    return len;
}

Test(wasm_body, randomly_damaged_documents_give_the_same_answer)
{
    uint32_t rng = 0x9e3779b9u;
    size_t taken = 0, ok = 0;
    for (int i = 0; i < 30000; i++) {
        const char *base = base_docs[(size_t)i % (sizeof base_docs / sizeof base_docs[0])];
        char doc[512];
        size_t len = strlen(base);
        memcpy(doc, base, len);
        len = damage(doc, len, sizeof doc - 1, &rng);
        doc[len] = '\0';
        plh_body_span sp;
        if (plh_wasm_body_scan(doc, len, &sp)) {
            taken++;
            plu_buf_free(&sp.bytes);
        }
        read_result r = same_both_ways(doc, len);
        ok += r.why == NULL;
        pln_request_free(&r.req);
    }
    /* The damage must leave both kinds: documents the scanner reads and
    ** valid ones it does not. */
    cr_assert_gt(taken, 1000, "the scanner took %zu", taken);
    cr_assert_gt(ok, 1000, "%zu were valid requests", ok);
}
