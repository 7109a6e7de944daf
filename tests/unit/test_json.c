/*
** test_json.c — the JSON reader: values and their file:line:col, duplicate
** keys, the exact wording of typical errors, limits, and out-of-memory.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config/doc.h"

/* Parse or fail the test. */
static plc_doc *parse(const char *text, unsigned flags)
{
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plc_parse_json(text, strlen(text), "t.json", flags, &doc, &err);
    cr_assert_eq(st, PL_OK, "unexpected error: %s", err.msg);
    cr_assert_not_null(doc);
    return doc;
}

/* Parse expecting failure; returns the message in a static buffer. */
static const char *parse_error(const char *text, size_t len, unsigned flags)
{
    static pl_err err;
    plc_doc *doc = (plc_doc *)1;
    plu_err_clear(&err);
    pl_status st = plc_parse_json(text, len, "t.json", flags, &doc, &err);
    cr_assert_eq(st, PL_E_SYNTAX, "expected a syntax error for <%s>, got %d (%s)", text, st,
                 err.msg);
    cr_assert_null(doc);
    return err.msg;
}

static void assert_loc(pl_loc loc, unsigned line, unsigned col)
{
    cr_assert_str_eq(loc.file, "t.json");
    cr_assert_eq(loc.line, line, "line %u, expected %u", loc.line, line);
    cr_assert_eq(loc.col, col, "col %u, expected %u", loc.col, col);
}

static char *to_json(const plc_node *n)
{
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_to_json(n, 0, &b), 0);
    return plu_buf_take(&b);
}

Test(json, scalars_have_the_right_kinds)
{
    plc_doc *doc = parse("{\"i\": -42, \"big\": 9223372036854775807, \"f\": 1.5e3, \"z\": -0.0,"
                         " \"t\": true, \"n\": null, \"s\": \"h\\u00e9\", \"a\": [], \"o\": {}}",
                         0);
    const plc_node *r = doc->root;
    cr_assert_eq(r->kind, PLC_TABLE);
    cr_assert_eq(plc_get(r, "i")->kind, PLC_INT);
    cr_assert_eq(plc_get(r, "i")->u.i, -42);
    cr_assert_eq(plc_get(r, "big")->u.i, INT64_MAX);
    cr_assert_eq(plc_get(r, "f")->kind, PLC_FLOAT);
    cr_assert_float_eq(plc_get(r, "f")->u.f, 1500.0, 0);
    cr_assert_eq(plc_get(r, "z")->kind, PLC_FLOAT);
    cr_assert_eq(plc_get(r, "t")->kind, PLC_BOOL);
    cr_assert(plc_get(r, "t")->u.b);
    cr_assert_eq(plc_get(r, "n")->kind, PLC_NULL);
    cr_assert_str_eq(plc_get(r, "s")->u.s.ptr, "h\xc3\xa9");
    cr_assert_eq(plc_get(r, "a")->kind, PLC_ARRAY);
    cr_assert_eq(plc_get(r, "o")->kind, PLC_TABLE);
    plc_doc_free(doc);
}

Test(json, top_level_scalars_are_accepted)
{
    plc_doc *doc = parse("  \"x\" ", 0);
    cr_assert_eq(doc->root->kind, PLC_STRING);
    assert_loc(doc->root->loc, 1, 3);
    plc_doc_free(doc);
    doc = parse("2", 0);
    cr_assert_eq(doc->root->u.i, 2);
    plc_doc_free(doc);
}

Test(json, members_keep_file_order)
{
    plc_doc *doc = parse("{\"z\":1,\"a\":2,\"m\":3,\"b\":4}", 0);
    const char *order[] = {"z", "a", "m", "b"};
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(doc->root->u.t.items[i].key, order[i]);
    plc_doc_free(doc);
}

Test(json, locations_of_keys_and_values)
{
    const char *text = "{\n"
                       "  \"name\": \"demo\",\n"
                       "  \"list\": [1,\n"
                       "     {\"deep\": null}],\n"
                       "\t\"t\":true\n"
                       "}\n";
    plc_doc *doc = parse(text, 0);
    const plc_node *r = doc->root;
    assert_loc(r->loc, 1, 1);
    const plc_member *m = plc_table_find(r, "name", 4);
    assert_loc(m->key_loc, 2, 3);
    assert_loc(m->value->loc, 2, 11);
    m = plc_table_find(r, "list", 4);
    assert_loc(m->value->loc, 3, 11);
    assert_loc(m->value->u.a.items[0]->loc, 3, 12);
    const plc_node *inner = m->value->u.a.items[1];
    assert_loc(inner->loc, 4, 6);
    assert_loc(inner->u.t.items[0].key_loc, 4, 7);
    assert_loc(inner->u.t.items[0].value->loc, 4, 15);
    m = plc_table_find(r, "t", 1);
    assert_loc(m->key_loc, 5, 2); /* a tab is one character */
    assert_loc(m->value->loc, 5, 6);
    plc_doc_free(doc);
}

Test(json, columns_count_characters_not_bytes)
{
    /* "é" is 2 bytes, "€" 3, "😀" 4: columns count each as one. */
    plc_doc *doc = parse("{\"\xc3\xa9\xe2\x82\xac\": \"\xf0\x9f\x98\x80\", \"k\": [\"\xc3\xa9\", 7]}", 0);
    const plc_node *r = doc->root;
    assert_loc(r->u.t.items[0].key_loc, 1, 2);
    assert_loc(r->u.t.items[0].value->loc, 1, 8);
    assert_loc(r->u.t.items[1].key_loc, 1, 13);
    assert_loc(r->u.t.items[1].value->u.a.items[0]->loc, 1, 19);
    assert_loc(r->u.t.items[1].value->u.a.items[1]->loc, 1, 24);
    plc_doc_free(doc);
}

Test(json, escaped_keys_and_strings_with_nul)
{
    plc_doc *doc = parse("{\"a\\u0000b\": \"x\\u0000y\", \"\\u0063\": [\"\\n\"]}", 0);
    const plc_member *m = &doc->root->u.t.items[0];
    cr_assert_eq(m->key_len, 3);
    cr_assert_eq(memcmp(m->key, "a\0b", 3), 0);
    cr_assert_eq(m->value->u.s.len, 3);
    cr_assert_eq(memcmp(m->value->u.s.ptr, "x\0y", 3), 0);
    assert_loc(m->value->loc, 1, 14);
    cr_assert_str_eq(doc->root->u.t.items[1].key, "c");
    assert_loc(doc->root->u.t.items[1].value->loc, 1, 36);
    plc_doc_free(doc);
}

Test(json, byte_order_mark_is_skipped)
{
    plc_doc *doc = parse("\xef\xbb\xbf{\"a\": 1}", 0);
    assert_loc(doc->root->loc, 1, 1);
    assert_loc(doc->root->u.t.items[0].value->loc, 1, 7);
    plc_doc_free(doc);
}

Test(json, duplicate_keys_are_refused_with_both_locations)
{
    const char *text = "{\n  \"port\": 1,\n  \"host\": \"x\",\n  \"port\": 2\n}";
    cr_assert_str_eq(parse_error(text, strlen(text), 0),
                     "t.json:4:3: duplicate key 'port' (first at line 2)");
    /* The same key spelt with an escape is still the same key. */
    text = "{\"a\": {\"x\": 1,\n \"\\u0078\": 2}}";
    cr_assert_str_eq(parse_error(text, strlen(text), 0),
                     "t.json:2:2: duplicate key 'x' (first at line 1)");
}

Test(json, duplicate_keys_allowed_last_wins)
{
    const char *text = "{\"a\": [1, 2],\n \"b\": {\"c\": 1, \"c\": {\"d\": true}},\n \"a\": \"last\"}";
    plc_doc *doc = parse(text, PLC_JSON_ALLOW_DUPLICATES);
    const plc_node *r = doc->root;
    cr_assert_eq(r->u.t.len, 2);
    cr_assert_str_eq(r->u.t.items[0].key, "a"); /* first position, last value */
    cr_assert_str_eq(r->u.t.items[0].value->u.s.ptr, "last");
    assert_loc(r->u.t.items[0].key_loc, 3, 2);
    assert_loc(r->u.t.items[0].value->loc, 3, 7);
    const plc_node *b = plc_get(r, "b");
    cr_assert_eq(b->u.t.len, 1);
    assert_loc(plc_get(b, "c")->loc, 2, 21);
    assert_loc(plc_get(plc_get(b, "c"), "d")->loc, 2, 27);
    char *s = to_json(r);
    cr_assert_str_eq(s, "{\"a\":\"last\",\"b\":{\"c\":{\"d\":true}}}");
    plu_free(s);
    plc_doc_free(doc);
}

Test(json, many_members_and_duplicates_stay_linear)
{
    plu_buf b;
    plu_buf_init(&b);
    plu_buf_puts(&b, "{");
    for (int i = 0; i < 20000; i++)
        plu_buf_printf(&b, "%s\"k%d\": %d", i ? ",\n" : "", i % 15000, i);
    plu_buf_puts(&b, "}");
    plc_doc *doc = parse(b.data, PLC_JSON_ALLOW_DUPLICATES);
    cr_assert_eq(doc->root->u.t.len, 15000);
    const plc_member *m = plc_table_find(doc->root, "k10", 3);
    cr_assert_eq(m->value->u.i, 15010);
    assert_loc(m->value->loc, 15011, 8);
    plc_doc_free(doc);
    cr_assert_str_eq(parse_error(b.data, b.len, 0),
                     "t.json:15001:1: duplicate key 'k0' (first at line 1)");
    plu_buf_free(&b);
}

/* Exact messages for the mistakes people make. */
Test(json, error_messages)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"a\": 1,}", "t.json:1:8: trailing comma before '}' (JSON allows none)"},
        {"[1, 2,\n]", "t.json:1:6: trailing comma before ']' (JSON allows none)"},
        {"{\"a\" 1}", "t.json:1:6: expected ':' after the key, found '1'"},
        {"{\"a\": 1 \"b\": 2}", "t.json:1:9: expected ',' or '}' after an object member, found '\"b\"'"},
        {"[1 2]", "t.json:1:4: expected ',' or ']' after an array element, found '2'"},
        {"{\"a\": \"open", "t.json:1:7: unterminated string (missing closing '\"')"},
        {"{a: 1}", "t.json:1:2: expected a key in double quotes or '}', found 'a'"},
        {"['x']", "t.json:1:2: strings need double quotes, not '"},
        {"{\"v\": tru}", "t.json:1:7: invalid literal 'tru' (expected true, false or null; strings need double quotes)"},
        {"[01]", "t.json:1:2: invalid number '01'"},
        {"{\"a\": [1, 2}", "t.json:1:12: expected ',' or ']' after an array element, found '}'"},
        {"{\"a\": 1", "t.json:1:8: unexpected end of input (expected ',' or '}')"},
        {"{\"a\": 1,", "t.json:1:9: unexpected end of input (expected a key)"},
        {"{\"a\": [1,\n", "t.json:2:1: unexpected end of input (expected a value)"},
        {"{} {}", "t.json:1:4: unexpected '{' after the JSON value"},
        {"", "t.json:1:1: empty document (expected a JSON value)"},
        {"[\"a\\qb\"]", "t.json:1:4: invalid escape '\\q' in string"},
        {"[\"\\ud800\"]", "t.json:1:2: invalid Unicode '\\uD800' in string (unpaired UTF-16 surrogate)"},
        {"[\"tab\there\"]", "t.json:1:6: control character U+0009 inside a string (write it as \\u0009)"},
        {"[\"a\nb\"]", "t.json:1:4: line break inside a string (write it as \\n)"},
        {"[\"\xc3\xa9\xff\"]", "t.json:1:4: invalid UTF-8 (byte 0xff)"},
        {"[18446744073709551616]", "t.json:1:2: integer '18446744073709551616' does not fit in 64 bits"},
        {"[-9223372036854775809]", "t.json:1:2: integer '-9223372036854775809' does not fit in 64 bits"},
        {"[1e999]", "t.json:1:2: number '1e999' is too large for a double"},
        {"[#]", "t.json:1:2: unexpected character '#'"},
        {"\n\n  [1,,2]", "t.json:3:6: unexpected ','"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_str_eq(parse_error(cases[i].text, strlen(cases[i].text), 0), cases[i].msg,
                         "input <%s>", cases[i].text);
}

Test(json, nul_bytes_outside_strings_are_refused)
{
    cr_assert_str_eq(parse_error("123\0", 4, 0), "t.json:1:4: NUL byte in JSON text");
    cr_assert_str_eq(parse_error("[\"a\0\"]", 6, 0), "t.json:1:4: NUL byte in JSON text");
}

Test(json, error_without_file_name_says_input)
{
    pl_err err;
    plc_doc *doc;
    cr_assert_eq(plc_parse_json("[", 1, NULL, 0, &doc, &err), PL_E_SYNTAX);
    cr_assert_str_eq(err.msg, "<input>:1:2: unexpected end of input (expected ',' or ']')");
}

/* A nesting of `depth` arrays around one number. */
static char *nested(size_t depth, size_t *len)
{
    char *s = plu_malloc(depth * 2 + 2);
    cr_assert_not_null(s);
    memset(s, '[', depth);
    s[depth] = '1';
    memset(s + depth + 1, ']', depth);
    *len = depth * 2 + 1;
    s[*len] = '\0';
    return s;
}

Test(json, deep_nesting_is_refused_cleanly)
{
    size_t len;
    char *s = nested(100000, &len);
    cr_assert_str_eq(parse_error(s, len, 0), "t.json:1:2049: nesting is deeper than 2048 levels");
    plu_free(s);
    s = nested(2000, &len);
    plc_doc *doc = parse(s, 0);
    const plc_node *n = doc->root;
    for (int i = 0; i < 2000; i++)
        n = n->u.a.items[0];
    cr_assert_eq(n->u.i, 1);
    assert_loc(n->loc, 1, 2001);
    plc_doc_free(doc);
    plu_free(s);
}

Test(json, serialises_back)
{
    const char *text = "{\"a\":[1,2.5,\"x\",true,false,null],\"b\":{\"c\":{}}}";
    plc_doc *doc = parse(text, 0);
    char *s = to_json(doc->root);
    cr_assert_str_eq(s, text);
    plu_free(s);
    plc_doc_free(doc);
}

/* Fail every allocation in turn: each run ends as the run without
** failures does, or in a clean PL_E_NOMEM; never a leak (LeakSanitizer
** checks) or another error. */
static void oom_loop(const char *text, unsigned flags)
{
#ifdef PL_TESTING
    plc_doc *doc = NULL;
    pl_err err;
    pl_status want = plc_parse_json(text, strlen(text), "t.json", flags, &doc, &err);
    plc_doc_free(doc);
    for (long n = 0;; n++) {
        plu_err_clear(&err);
        plu_fail_alloc_after(n);
        pl_status st = plc_parse_json(text, strlen(text), "t.json", flags, &doc, &err);
        bool failed = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (st != PL_OK)
            cr_assert_null(doc);
        plc_doc_free(doc);
        if (!failed) {
            cr_assert_eq(st, want);
            return;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %ld: status %d (%s)", n, st, err.msg);
        cr_assert_str_eq(err.msg, "out of memory");
    }
#else
    (void)text;
    (void)flags;
    cr_skip_test("needs a PL_TESTING build");
#endif
}

Test(json, out_of_memory_is_clean)
{
    oom_loop("{\"a\": [1, 2.5, \"three\", {\"four\": null}], \"b\": {\"c\": true}}", 0);
}

Test(json, out_of_memory_is_clean_in_text_mode)
{
    oom_loop("{\"a\": [1, 2.5], \"a\": {\"k\\u0000\": \"x\\ny\"}}", PLC_JSON_ALLOW_DUPLICATES);
    oom_loop("{\"a\": 1, \"b\": 2, \"a\": 3}", 0);
}
