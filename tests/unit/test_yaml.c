/*
** test_yaml.c — the YAML reader: core-schema scalars, tags, anchors and
** aliases (bounded), merge keys, duplicate keys, locations, the wording of
** typical errors, bad bytes, and out-of-memory.
*/
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/doc.h"

static plc_doc *parse(const char *text)
{
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plc_parse_yaml(text, strlen(text), "t.yaml", &doc, &err);
    cr_assert_eq(st, PL_OK, "unexpected error: %s", err.msg);
    cr_assert_not_null(doc);
    return doc;
}

/* Parse expecting a syntax error; returns the message (static buffer). */
static const char *parse_error_n(const char *text, size_t len)
{
    static pl_err err;
    plc_doc *doc = (plc_doc *)1;
    plu_err_clear(&err);
    pl_status st = plc_parse_yaml(text, len, "t.yaml", &doc, &err);
    cr_assert_eq(st, PL_E_SYNTAX, "expected a syntax error for <%.*s>, got %d (%s)", (int)len,
                 text, st, err.msg);
    cr_assert_null(doc);
    return err.msg;
}

static const char *parse_error(const char *text) { return parse_error_n(text, strlen(text)); }

static char *to_json(const plc_node *n)
{
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_to_json(n, 0, &b), 0);
    return plu_buf_take(&b);
}

/* The document as compact JSON must be exactly `want`. */
static void assert_json(const char *yaml, const char *want)
{
    plc_doc *doc = parse(yaml);
    char *got = to_json(doc->root);
    cr_assert_str_eq(got, want, "for <%s>", yaml);
    plu_free(got);
    plc_doc_free(doc);
}

Test(yaml, core_schema_resolves_plain_scalars)
{
    plc_doc *doc = parse("n1: ~\nn2: null\nn3: NULL\nn4:\nt: True\nf: FALSE\n"
                         "i: -42\nbig: 9223372036854775807\nsmall: -9223372036854775808\n"
                         "oct: 0o17\nhex: 0xfF\nlead: 007\n"
                         "fl: 1.5e3\nfl2: .5\nfl3: 3.\ninf: -.inf\nnan: .NaN\n"
                         "yes: yes\nno: off\nver: 1.2.3\ns: hello world\n");
    const plc_node *r = doc->root;
    const char *nulls[] = {"n1", "n2", "n3", "n4"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(plc_get(r, nulls[i])->kind, PLC_NULL, "%s", nulls[i]);
    cr_assert(plc_get(r, "t")->kind == PLC_BOOL && plc_get(r, "t")->u.b);
    cr_assert(plc_get(r, "f")->kind == PLC_BOOL && !plc_get(r, "f")->u.b);
    cr_assert_eq(plc_get(r, "i")->u.i, -42);
    cr_assert_eq(plc_get(r, "big")->u.i, INT64_MAX);
    cr_assert_eq(plc_get(r, "small")->u.i, INT64_MIN);
    cr_assert_eq(plc_get(r, "oct")->u.i, 15);
    cr_assert_eq(plc_get(r, "hex")->u.i, 255);
    cr_assert_eq(plc_get(r, "lead")->u.i, 7);
    cr_assert_eq(plc_get(r, "fl")->kind, PLC_FLOAT);
    cr_assert_float_eq(plc_get(r, "fl")->u.f, 1500.0, 1e-9);
    cr_assert_float_eq(plc_get(r, "fl2")->u.f, 0.5, 1e-12);
    cr_assert_float_eq(plc_get(r, "fl3")->u.f, 3.0, 1e-12);
    cr_assert(isinf(plc_get(r, "inf")->u.f) && plc_get(r, "inf")->u.f < 0);
    cr_assert(isnan(plc_get(r, "nan")->u.f));
    /* YAML 1.1's yes/no/on/off are strings under 1.2: no Norway problem. */
    cr_assert_str_eq(plc_get(r, "yes")->u.s.ptr, "yes");
    cr_assert_str_eq(plc_get(r, "no")->u.s.ptr, "off");
    cr_assert_str_eq(plc_get(r, "ver")->u.s.ptr, "1.2.3");
    cr_assert_str_eq(plc_get(r, "s")->u.s.ptr, "hello world");
    plc_doc_free(doc);
}

Test(yaml, quoted_and_block_scalars_are_strings)
{
    assert_json("a: '1'\nb: \"true\"\nc: |\n  line 1\n  line 2\nd: >-\n  folded\n  text\n"
                "e: \"tab\\there \\u00e9\"\n",
                "{\"a\":\"1\",\"b\":\"true\",\"c\":\"line 1\\nline 2\\n\","
                "\"d\":\"folded text\",\"e\":\"tab\\there \xc3\xa9\"}");
}

Test(yaml, tags_decide_the_type)
{
    assert_json("a: !!str 12\nb: !!int \"12\"\nc: !!float 2\nd: !!bool \"true\"\n"
                "e: !!null ''\nf: ! 12\ng: !!map {k: 1}\nh: !!seq [1]\n",
                "{\"a\":\"12\",\"b\":12,\"c\":2.0,\"d\":true,\"e\":null,\"f\":\"12\","
                "\"g\":{\"k\":1},\"h\":[1]}");
}

Test(yaml, bad_tags_are_refused_by_name)
{
    cr_assert_str_eq(parse_error("a: !!binary aGVsbG8=\n"),
                     "t.yaml:1:4: unsupported tag '!!binary' (plinth knows !!str, !!int, "
                     "!!float, !!bool, !!null, !!map and !!seq)");
    cr_assert_str_eq(parse_error("a: !custom x\n"),
                     "t.yaml:1:4: unsupported tag '!custom' (plinth knows !!str, !!int, "
                     "!!float, !!bool, !!null, !!map and !!seq)");
    cr_assert_str_eq(parse_error("a: !!int twelve\n"), "t.yaml:1:10: 'twelve' is not a valid !!int");
    cr_assert_str_eq(parse_error("a: !!seq {k: 1}\n"), "t.yaml:1:4: tag does not fit a mapping");
    cr_assert_str_eq(parse_error("a: !!map x\n"), "t.yaml:1:10: tag !!map on a scalar");
}

Test(yaml, numbers_out_of_range_are_errors)
{
    cr_assert_str_eq(parse_error("n: 9223372036854775808\n"),
                     "t.yaml:1:4: integer 9223372036854775808 does not fit in 64 bits");
    cr_assert_str_eq(parse_error("n: 0x1ffffffffffffffff\n"),
                     "t.yaml:1:4: integer 0x1ffffffffffffffff does not fit in 64 bits");
    cr_assert_str_eq(parse_error("n: 1e999\n"), "t.yaml:1:4: float 1e999 is out of range");
}

Test(yaml, locations_of_keys_and_values)
{
    plc_doc *doc = parse("# comment\nproviders:\n  - name: \"o\"\n    path: x.so\n"
                         "limits: {fuel: 5}\n");
    const plc_node *r = doc->root;
    cr_assert_eq(r->loc.line, 2);
    const plc_member *m = plc_table_find(r, "providers", 9);
    cr_assert_eq(m->key_loc.line, 2);
    cr_assert_eq(m->key_loc.col, 1);
    cr_assert_str_eq(m->key_loc.file, "t.yaml");
    const plc_node *p = m->value->u.a.items[0];
    cr_assert_eq(p->loc.line, 3);
    cr_assert_eq(p->loc.col, 5);
    const plc_member *path = plc_table_find(p, "path", 4);
    cr_assert_eq(path->key_loc.line, 4);
    cr_assert_eq(path->key_loc.col, 5);
    cr_assert_eq(path->value->loc.line, 4);
    cr_assert_eq(path->value->loc.col, 11);
    const plc_node *fuel = plc_get(plc_get(r, "limits"), "fuel");
    cr_assert_eq(fuel->loc.line, 5);
    cr_assert_eq(fuel->loc.col, 16);
    plc_doc_free(doc);
}

Test(yaml, members_keep_file_order_and_keys_are_canonical)
{
    assert_json("z: 1\na: 2\n1: one\ntrue: t\n~: n\n0x10: h\n",
                "{\"z\":1,\"a\":2,\"1\":\"one\",\"true\":\"t\",\"null\":\"n\",\"16\":\"h\"}");
}

Test(yaml, duplicate_keys_are_refused_with_both_places)
{
    cr_assert_str_eq(parse_error("a: 1\nb: 2\na: 3\n"),
                     "t.yaml:3:1: duplicate key 'a' (first at line 1)");
    /* The same key written two ways is still the same key. */
    cr_assert_str_eq(parse_error("1: x\n\"1\": y\n"),
                     "t.yaml:2:1: duplicate key '1' (first at line 1)");
    cr_assert_str_eq(parse_error("{a: 1, a: 2}\n"),
                     "t.yaml:1:8: duplicate key 'a' (first at line 1)");
}

Test(yaml, collections_cannot_be_keys)
{
    cr_assert_str_eq(parse_error("? [a, b]\n: 1\n"),
                     "t.yaml:1:3: mapping keys must be scalars, not a sequence");
    cr_assert_str_eq(parse_error("base: &b {x: 1}\n*b : 2\n"),
                     "t.yaml:1:10: mapping keys must be scalars, not a table");
}

Test(yaml, aliases_share_the_anchored_value)
{
    plc_doc *doc = parse("base: &b {fuel: 10, mem: 20}\none: *b\ntwo: *b\nname: &n plinth\n"
                         "again: *n\n");
    const plc_node *r = doc->root;
    cr_assert_eq(plc_get(r, "one"), plc_get(r, "base"));
    cr_assert_eq(plc_get(r, "two"), plc_get(r, "base"));
    cr_assert_str_eq(plc_get(r, "again")->u.s.ptr, "plinth");
    plc_doc_free(doc);
    /* The latest definition of an anchor wins. */
    assert_json("a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}");
}

Test(yaml, bad_aliases_are_refused)
{
    cr_assert_str_eq(parse_error("a: *nope\n"), "t.yaml:1:4: unknown anchor in alias '*nope'");
    cr_assert_str_eq(parse_error("a: &x [1, *x]\n"),
                     "t.yaml:1:11: alias '*x' refers to a node that contains it");
}

Test(yaml, billion_laughs_is_stopped)
{
    plu_buf b;
    plu_buf_init(&b);
    plu_buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        plu_buf_printf(&b, "a%d: &a%d [", i, i);
        for (int k = 0; k < 10; k++)
            plu_buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
        plu_buf_puts(&b, "]\n");
    }
    const char *msg = parse_error_n(b.data, b.len);
    cr_assert(strstr(msg, "aliases expand the document beyond 1000000 nodes"), "%s", msg);
    cr_assert_eq(strncmp(msg, "t.yaml:6:", 9), 0, "%s", msg);
    plu_buf_free(&b);
}

Test(yaml, merge_keys_fill_in_missing_members)
{
    assert_json("defaults: &d {fuel: 1, mem: 2, log: true}\n"
                "p:\n  fuel: 9\n  <<: *d\n  name: x\n",
                "{\"defaults\":{\"fuel\":1,\"mem\":2,\"log\":true},"
                "\"p\":{\"fuel\":9,\"name\":\"x\",\"mem\":2,\"log\":true}}");
    /* Earlier sources win over later ones. */
    assert_json("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n",
                "{\"a\":{\"k\":1},\"b\":{\"k\":2,\"j\":3},\"c\":{\"k\":1,\"j\":3}}");
    cr_assert_str_eq(parse_error("c:\n  <<: 5\n"),
                     "t.yaml:2:7: the value of a merge key '<<' must be a mapping or a "
                     "sequence of mappings");
    /* A quoted "<<" is an ordinary key. */
    assert_json("\"<<\": 1\n", "{\"<<\":1}");
}

Test(yaml, one_document_per_file)
{
    cr_assert_str_eq(parse_error("a: 1\n---\nb: 2\n"),
                     "t.yaml:2:1: a second YAML document; plinth reads one document per file");
    assert_json("---\na: 1\n...\n", "{\"a\":1}");
    plc_doc *doc = parse("# only a comment\n");
    cr_assert_eq(doc->root->kind, PLC_NULL);
    plc_doc_free(doc);
}

Test(yaml, syntax_errors_name_line_and_column)
{
    cr_assert_str_eq(parse_error("a: [1, 2\n"),
                     "t.yaml:2:1: flow sequence without a closing bracket");
    cr_assert_str_eq(parse_error("key: \"open\n"),
                     "t.yaml:1:7: double-quoted scalar without closing quote");
    cr_assert_str_eq(parse_error("x:\n\t- 1\n"),
                     "t.yaml:2:1: tab character may not be used as indentation");
    cr_assert_str_eq(parse_error("x: 1\na: b: c\n"),
                     "t.yaml:2:5: invalid nested block mapping on the same line");
}

Test(yaml, bad_bytes_are_refused_before_parsing)
{
    cr_assert_str_eq(parse_error_n("a: 1\nb: \x95\n", 10),
                     "t.yaml:2:4: invalid UTF-8 (byte 0x95); plinth reads YAML as UTF-8");
    cr_assert_str_eq(parse_error_n("%\x95", 2),
                     "t.yaml:1:2: invalid UTF-8 (byte 0x95); plinth reads YAML as UTF-8");
    cr_assert_str_eq(parse_error_n("a: x\x01y\n", 8),
                     "t.yaml:1:5: character U+0001 is not allowed in YAML");
    cr_assert_str_eq(parse_error_n("a: \0\n", 5),
                     "t.yaml:1:4: character U+0000 is not allowed in YAML");
    /* A byte order mark and non-ASCII text are fine. */
    assert_json("\xef\xbb\xbf" "caf\xc3\xa9: \xf0\x9f\x98\x80\n",
                "{\"caf\xc3\xa9\":\"\xf0\x9f\x98\x80\"}");
}

Test(yaml, deep_nesting_is_refused_cleanly)
{
    char deep[1200];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    const char *msg = parse_error_n(deep, sizeof deep);
    cr_assert_str_eq(msg, "t.yaml:1:257: nesting deeper than 256 levels");
}

Test(yaml, error_without_file_name_says_input)
{
    plc_doc *doc;
    pl_err err;
    cr_assert_eq(plc_parse_yaml("a: *x", 5, NULL, &doc, &err), PL_E_SYNTAX);
    cr_assert_str_eq(err.msg, "<input>:1:4: unknown anchor in alias '*x'");
}

#ifdef PL_TESTING
Test(yaml, out_of_memory_is_clean)
{
    const char *text = "base: &b {fuel: 1, mem: 2}\nproviders:\n  - name: a\n    <<: *b\n"
                       "    tags: [x, y, z]\n";
    size_t n;
    for (n = 0; n < 10000; n++) {
        plc_doc *doc = NULL;
        pl_err err;
        plu_fail_alloc_after((long)n);
        pl_status st = plc_parse_yaml(text, strlen(text), "t.yaml", &doc, &err);
        plu_fail_alloc_after(-1);
        if (st == PL_OK) {
            plc_doc_free(doc);
            break;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %zu: %s", n, err.msg);
        cr_assert_null(doc);
    }
    cr_assert_gt(n, 3, "the reader should allocate");
    cr_assert_lt(n, 10000);
}
#endif
