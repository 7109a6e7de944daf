/*
** test_toml.c — what users of plinth's TOML reader rely on beyond the
** toml-test suite: where values and keys are (line:col, in characters),
** the exact error messages for common mistakes, the nesting limit, odd
** bytes, empty input, large documents and out-of-memory behaviour.
*/
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/doc.h"

static plc_doc *parse_n(const char *text, size_t len)
{
    plc_doc *doc = NULL;
    pl_err err;
    plu_err_clear(&err);
    pl_status st = plc_parse_toml(text, len, "plinth.toml", &doc, &err);
    cr_assert_eq(st, PL_OK, "parse failed: %s", err.msg);
    cr_assert_not_null(doc);
    cr_assert_not_null(doc->root);
    cr_assert_eq(doc->root->kind, PLC_TABLE);
    return doc;
}

static plc_doc *parse(const char *text)
{
    return parse_n(text, strlen(text));
}

/* The error message for text (which must be rejected as a syntax error). */
static const char *error_of_n(const char *text, size_t len)
{
    static pl_err err;
    plc_doc *doc = (plc_doc *)&err; /* must be reset to NULL */
    plu_err_clear(&err);
    pl_status st = plc_parse_toml(text, len, "plinth.toml", &doc, &err);
    /* Criterion formats the message even when the assertion holds: show
    ** only the start of (possibly huge) inputs. */
    cr_assert_eq(st, PL_E_SYNTAX, "expected a syntax error for <<%.80s>>, got %d (%s)", text,
                 (int)st, err.msg);
    cr_assert_null(doc);
    return err.msg;
}

static const char *error_of(const char *text)
{
    return error_of_n(text, strlen(text));
}

/* The node at a dotted path of plain keys ("a.b.c"). */
static const plc_node *at(const plc_doc *doc, const char *path)
{
    const plc_node *n = doc->root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
        n = plc_get(n, k);
        cr_assert_not_null(n, "no '%s' in path %s", k, path);
    }
    return n;
}

static const plc_member *member(const plc_node *table, const char *key)
{
    const plc_member *m = plc_table_find(table, key, strlen(key));
    cr_assert_not_null(m, "no key '%s'", key);
    return m;
}

#define assert_loc(loc_, line_, col_)                                                   \
    do {                                                                                \
        pl_loc l_ = (loc_);                                                             \
        cr_assert(l_.line == (line_) && l_.col == (col_),                               \
                  "%s: expected %d:%d, got %u:%u", #loc_, (line_), (col_),              \
                  (unsigned)l_.line, (unsigned)l_.col);                                 \
    } while (0)

/* ---- empty and odd input ---------------------------------------------- */

Test(toml, empty_input_is_an_empty_table)
{
    const char *inputs[] = {"", "\n", "   \t\n\n", "# only a comment", "\r\n# c\r\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        plc_doc *doc = parse(inputs[i]);
        cr_expect_eq(doc->root->u.t.len, 0, "input %zu", i);
        cr_expect_str_eq(doc->file, "plinth.toml");
        plc_doc_free(doc);
    }
    plc_doc *doc = NULL;
    cr_assert_eq(plc_parse_toml(NULL, 0, NULL, &doc, NULL), PL_OK);
    cr_assert_str_eq(doc->file, "<input>");
    plc_doc_free(doc);
}

Test(toml, bad_arguments)
{
    plc_doc *doc = NULL;
    pl_err err;
    cr_assert_eq(plc_parse_toml(NULL, 3, "x", &doc, &err), PL_E_INVALID_ARG);
    cr_assert_null(doc);
}

Test(toml, nul_bytes)
{
    /* A raw NUL is never allowed, not after a value, not in a string, not
    ** in a comment; escaped it is an ordinary character, in keys too. */
    cr_assert_str_eq(error_of_n("a = 1\0", 6), "plinth.toml:1:6: expected end of line after "
                                               "the value of key 'a', found control character U+0000");
    cr_assert_str_eq(error_of_n("a = \"x\0\"", 8), "plinth.toml:1:7: control character U+0000 "
                                                   "is not allowed in a string (write it as \\u0000)");
    cr_assert_str_eq(error_of_n("# \0", 3), "plinth.toml:1:3: control character U+0000 is not "
                                            "allowed in a comment");
    cr_assert_str_eq(error_of_n("\0", 1), "plinth.toml:1:1: expected a key, found control "
                                          "character U+0000");
    plc_doc *doc = parse("\"a\\u0000b\" = \"x\\u0000y\"");
    const plc_member *m = &doc->root->u.t.items[0];
    cr_assert_eq(m->key_len, 3);
    cr_assert_eq(memcmp(m->key, "a\0b", 3), 0);
    cr_assert_eq(m->value->u.s.len, 3);
    cr_assert_eq(memcmp(m->value->u.s.ptr, "x\0y", 3), 0);
    plc_doc_free(doc);
}

Test(toml, encoding_errors)
{
    cr_assert_str_eq(error_of("a = \"\xC3\x28\""), "plinth.toml:1:6: invalid UTF-8 byte 0xC3 "
                                                   "(TOML documents must be UTF-8)");
    cr_assert_str_eq(error_of("a = 1\nb = 2\rc = 3\n"), "plinth.toml:2:6: carriage return "
                                                        "without a line feed (TOML lines end with LF or CRLF)");
    cr_assert_str_eq(error_of("a = 1\n\xEF\xBB\xBF"), "plinth.toml:2:1: expected a key, found "
                                                      "'\xEF\xBB\xBF' (U+FEFF) (bare keys may only hold A-Z a-z 0-9 _ -; quote "
                                                      "other keys)");
}

/* ---- values -------------------------------------------------------------- */

Test(toml, scalar_values)
{
    plc_doc *doc = parse("i = -9_223_372_036_854_775_808\n"
                         "j = 0x7fff_FFFF_ffff_ffff\n"
                         "o = 0o755\nb = 0b1010\n"
                         "f = 6.626e-34\nninf = -inf\nnan = +nan\n"
                         "t = true\ns = 'C:\\path'\n"
                         "e = \"tab\\tquote\\\" \\u00e9 \\U0001F600\"\n");
    cr_assert_eq(at(doc, "i")->u.i, INT64_MIN);
    cr_assert_eq(at(doc, "j")->u.i, INT64_MAX);
    cr_assert_eq(at(doc, "o")->u.i, 0755);
    cr_assert_eq(at(doc, "b")->u.i, 10);
    cr_assert_float_eq(at(doc, "f")->u.f, 6.626e-34, 1e-40);
    cr_assert(isinf(at(doc, "ninf")->u.f) && at(doc, "ninf")->u.f < 0);
    cr_assert(isnan(at(doc, "nan")->u.f));
    cr_assert_eq(at(doc, "t")->u.b, true);
    cr_assert_str_eq(at(doc, "s")->u.s.ptr, "C:\\path");
    cr_assert_str_eq(at(doc, "e")->u.s.ptr, "tab\tquote\" \xC3\xA9 \xF0\x9F\x98\x80");
    plc_doc_free(doc);
}

Test(toml, datetimes_are_normalised)
{
    plc_doc *doc = parse("a = 1979-05-27 07:32:00z\n"
                         "b = 1979-05-27t07:32:00.123456789123-08:00\n"
                         "c = 1979-05-27T00:32:00.5\n"
                         "d = 2024-02-29\n"
                         "e = 23:59:60\n"
                         "f = 1979-05-27 # a date, then a comment\n");
    const struct {
        const char *key, *text;
        plc_kind kind;
    } want[] = {
        {"a", "1979-05-27T07:32:00Z", PLC_DATETIME},
        {"b", "1979-05-27T07:32:00.123456789-08:00", PLC_DATETIME},
        {"c", "1979-05-27T00:32:00.5", PLC_DATETIME_LOCAL},
        {"d", "2024-02-29", PLC_DATE_LOCAL},
        {"e", "23:59:60", PLC_TIME_LOCAL},
        {"f", "1979-05-27", PLC_DATE_LOCAL},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const plc_node *n = at(doc, want[i].key);
        cr_expect_eq(n->kind, want[i].kind, "%s", want[i].key);
        cr_expect_str_eq(n->u.s.ptr, want[i].text);
        cr_expect_eq(n->u.s.len, strlen(want[i].text));
    }
    plc_doc_free(doc);
}

Test(toml, multiline_strings_and_crlf)
{
    plc_doc *doc = parse("a = \"\"\"\r\none\r\ntwo \\\r\n   three\"\"\"\r\n"
                         "b = '''\nraw \\n ''quoted''\n'''\r\n"
                         "c = \"\"\"\"\"\"\n");
    cr_assert_str_eq(at(doc, "a")->u.s.ptr, "one\ntwo three");
    cr_assert_str_eq(at(doc, "b")->u.s.ptr, "raw \\n ''quoted''\n");
    cr_assert_str_eq(at(doc, "c")->u.s.ptr, "");
    assert_loc(member(doc->root, "b")->key_loc, 5, 1);
    assert_loc(member(doc->root, "c")->key_loc, 8, 1);
    plc_doc_free(doc);
}

/* ---- locations ------------------------------------------------------------- */

static const char located[] =
    "# plinth\n"                         /* 1 */
    "name = \"plinth\"\n"                /* 2 */
    "\"ключ\" = 42\n"                     /* 3 */
    "[providers.openai]\n"               /* 4 */
    "model = \"gpt\"\n"                  /* 5 */
    "tags = [ \"日本\", 7 ]\n"           /* 6 */
    "[[plugins]]\n"                      /* 7 */
    "path = \"x\"\n"                     /* 8 */
    "  [[ plugins ]]\n"                  /* 9 */
    "inline = { a.b = 1, c = true }\n"   /* 10 */
    "text = \"\"\"\n"                    /* 11 */
    "λ one\n"                            /* 12 */
    "two\"\"\"\n"                        /* 13 */
    "after = 'é'  ;\n";                  /* 14: an error at col 14 */

Test(toml, locations_of_keys_and_values)
{
    size_t len = strlen(located) - 3; /* without the error: "after = 'é'\n" */
    char *text = plu_strndup(located, len);
    text[len - 1] = '\n';
    plc_doc *doc = parse_n(text, len);
    const plc_node *root = doc->root;
    assert_loc(member(root, "name")->key_loc, 2, 1);
    assert_loc(at(doc, "name")->loc, 2, 8);
    assert_loc(member(root, "ключ")->key_loc, 3, 1);
    assert_loc(at(doc, "ключ")->loc, 3, 10); /* columns count characters */
    assert_loc(member(root, "providers")->key_loc, 4, 2);
    assert_loc(at(doc, "providers")->loc, 4, 1); /* header tables: the header */
    assert_loc(member(at(doc, "providers"), "openai")->key_loc, 4, 12);
    assert_loc(at(doc, "providers.openai")->loc, 4, 1);
    assert_loc(at(doc, "providers.openai.model")->loc, 5, 9);
    const plc_node *tags = at(doc, "providers.openai.tags");
    assert_loc(tags->loc, 6, 8);
    assert_loc(tags->u.a.items[0]->loc, 6, 10);
    assert_loc(tags->u.a.items[1]->loc, 6, 16);
    const plc_node *plugins = at(doc, "plugins");
    assert_loc(plugins->loc, 7, 1);
    assert_loc(member(root, "plugins")->key_loc, 7, 3);
    assert_loc(plugins->u.a.items[0]->loc, 7, 1);
    assert_loc(plugins->u.a.items[1]->loc, 9, 3);
    const plc_node *item = plugins->u.a.items[1];
    assert_loc(plc_get(item, "inline")->loc, 10, 10);
    assert_loc(member(plc_get(item, "inline"), "a")->key_loc, 10, 12);
    assert_loc(plc_get(plc_get(item, "inline"), "a")->loc, 10, 12);
    assert_loc(member(plc_get(plc_get(item, "inline"), "a"), "b")->key_loc, 10, 14);
    assert_loc(plc_get(plc_get(plc_get(item, "inline"), "a"), "b")->loc, 10, 18);
    assert_loc(plc_get(plc_get(item, "inline"), "c")->loc, 10, 25);
    assert_loc(plc_get(item, "text")->loc, 11, 8);
    assert_loc(member(item, "after")->key_loc, 14, 1);
    assert_loc(plc_get(item, "after")->loc, 14, 9);
    cr_assert_str_eq(plc_get(item, "text")->u.s.ptr, "λ one\ntwo");
    plc_doc_free(doc);
    plu_free(text);
    cr_assert_str_eq(error_of(located), "plinth.toml:14:14: expected end of line after the "
                                        "value of key 'after', found ';'");
}

Test(toml, implicit_table_takes_the_location_of_its_definition)
{
    plc_doc *doc = parse("[a.b]\nx = 1\n\n[a]\ny = 2\n");
    assert_loc(at(doc, "a")->loc, 4, 1);
    assert_loc(at(doc, "a.b")->loc, 1, 1);
    assert_loc(member(doc->root, "a")->key_loc, 1, 2);
    plc_doc_free(doc);
    cr_assert_str_eq(error_of("[a.b]\n[a]\n[a]\n"),
                     "plinth.toml:3:1: table 'a' is defined twice (first at line 2)");
}

Test(toml, error_columns_count_characters)
{
    cr_assert_str_eq(error_of("\"é\" = [1, x]"), "plinth.toml:1:11: invalid value 'x' "
                                                   "(strings must be in quotes)");
    cr_assert_str_eq(error_of("k = \"日本語\" x"), "plinth.toml:1:11: expected end of line "
                                                    "after the value of key 'k', found 'x'");
    cr_assert_str_eq(error_of("\xEF\xBB\xBF" "a = ?"), "plinth.toml:1:5: expected a value, "
                                                        "found '?'");
}

/* ---- error messages for common mistakes ------------------------------------ */

Test(toml, error_messages)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"\nname \"plinth\"\n", "plinth.toml:2:6: expected '=' after key 'name', found '\"'"},
        {"  name = \"plinth\n", "plinth.toml:1:17: expected '\"' to close the string that starts "
                                "at column 10, found end of line"},
        {"doc = \"\"\"\nabc\n", "plinth.toml:3:1: expected \"\"\" to close the multi-line string "
                                "that starts at line 1, found end of file"},
        {"name = \"a\"\n\nname = \"b\"\n", "plinth.toml:3:1: duplicate key 'name' (first defined "
                                            "at line 1)"},
        {"[server]\nport = 1\nport = 2\n", "plinth.toml:3:1: duplicate key 'server.port' (first "
                                           "defined at line 2)"},
        {"\n[providers]\nx = 1\n\n\n\n[providers]\n", "plinth.toml:7:1: table 'providers' is "
                                                      "defined twice (first at line 2)"},
        {"path = \"C:\\q\"\n", "plinth.toml:1:11: invalid escape sequence '\\q' (use \\b \\t \\n "
                               "\\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)"},
        {"s = \"\\uD800\"\n", "plinth.toml:1:6: escape \\uD800 is not a Unicode scalar value "
                              "(surrogates D800-DFFF and values above 10FFFF are not allowed)"},
        {"port = 0123\n", "plinth.toml:1:8: invalid number '0123': leading zeros are not allowed"},
        {"n = 1__000\n", "plinth.toml:1:6: invalid number '1__000': '_' must be between two digits"},
        {"day = 2023-02-29\n", "plinth.toml:1:15: invalid day 29: February 2023 has 28 days"},
        {"t = 2023-13-01T10:00:00Z\n", "plinth.toml:1:10: invalid month 13 (must be 01 to 12)"},
        {"when = 12:30\n", "plinth.toml:1:13: malformed time: expected ':' and seconds (HH:MM:SS), "
                           "found end of line"},
        {"a = 1\nb = 2\nc = 3\n   limit = 99999999999999999999\n",
         "plinth.toml:4:12: integer 99999999999999999999 does not fit in 64 bits"},
        {"x = 0xFFFFFFFFFFFFFFFF\n", "plinth.toml:1:5: integer 0xFFFFFFFFFFFFFFFF does not fit in "
                                     "64 bits"},
        {"x = 1e999\n", "plinth.toml:1:5: float 1e999 is out of range (beyond +-1.8e308)"},
        {"name = plinth\n", "plinth.toml:1:8: invalid value 'plinth' (strings must be in quotes)"},
        {"on = True\n", "plinth.toml:1:6: invalid value 'True' (write it in lower case: true)"},
        {"a = [1 2]\n", "plinth.toml:1:8: expected ',' or ']' after an array item, found '2'"},
        {"a =\n", "plinth.toml:1:4: expected a value, found end of line"},
        {"t = {a = 1, }\n", "plinth.toml:1:13: a trailing comma is not allowed in an inline table "
                            "in TOML 1.0"},
        {"t = {a = 1,\n b = 2}\n", "plinth.toml:1:12: expected a key in inline table, found end of "
                                   "line (an inline table must be on one line in TOML 1.0)"},
        {"t = {a = 1}\nt.b = 2\n", "plinth.toml:2:1: cannot add keys to inline table 't' (defined "
                                   "at line 1): inline tables are closed once written"},
        {"t = {a = 1}\n[t.b]\n", "plinth.toml:2:2: cannot define table 't.b': 't' is an inline "
                                 "table (defined at line 1) and cannot be extended"},
        {"[a.b]\n[a]\nb.c = 1\n", "plinth.toml:3:1: cannot add to table 'a.b' with dotted keys: it "
                                  "is defined by its own header at line 1"},
        {"[fruit]\napple.color = 'red'\n[fruit.apple]\n", "plinth.toml:3:1: table 'fruit.apple' "
                                                          "is already defined by dotted keys (at line 2)"},
        {"a = [1]\n[[a]]\n", "plinth.toml:2:1: cannot append to 'a' with [[...]]: it is an array "
                             "value (defined at line 1), not an array of tables"},
        {"[[a]]\n[a]\n", "plinth.toml:2:1: table 'a' is already defined as an array of tables "
                         "(at line 1)"},
        {"a = 1\na.b = 2\n", "plinth.toml:2:1: cannot use 'a' as a table: it is already an "
                             "integer (defined at line 1)"},
        {"[a]]\n", "plinth.toml:1:4: expected end of line after the table header, found ']'"},
        {"[[a]\n", "plinth.toml:1:5: expected ']]' to close the table header, found end of line"},
        {"é = 1\n", "plinth.toml:1:1: expected a key, found 'é' (U+00E9) (bare keys may only hold "
                    "A-Z a-z 0-9 _ -; quote other keys)"},
        {"\"\"\"k\"\"\" = 1\n", "plinth.toml:1:1: a multi-line string cannot be a key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_str_eq(error_of(cases[i].text), cases[i].msg, "case %zu", i);
}

Test(toml, errors_without_a_file_name)
{
    pl_err err;
    plc_doc *doc = NULL;
    cr_assert_eq(plc_parse_toml("a = ", 4, NULL, &doc, &err), PL_E_SYNTAX);
    cr_assert_str_eq(err.msg, "<input>:1:5: expected a value, found end of file");
    cr_assert_eq(err.loc.line, 1);
    cr_assert_eq(err.loc.col, 5);
    cr_assert_eq(plc_parse_toml("a = ", 4, NULL, &doc, NULL), PL_E_SYNTAX);
    cr_assert_null(doc);
}

/* ---- table rules that are allowed ----------------------------------------- */

Test(toml, tables_valid_in_any_order)
{
    plc_doc *doc = parse("[a.b.c]\nz = 1\n[a]\nx = 1\nb.y = 2\n"
                         "[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true\n"
                         "[[p]]\nn = 1\n[p.q]\nm = 1\n[[p]]\nn = 2\n[p.q]\nm = 2\n"
                         "[[p.r]]\n[[p.r]]\n");
    cr_assert_eq(at(doc, "a.b.c.z")->u.i, 1);
    cr_assert_eq(at(doc, "a.b.y")->u.i, 2);
    cr_assert_eq(at(doc, "fruit.apple.texture.smooth")->u.b, true);
    const plc_node *p = at(doc, "p");
    cr_assert_eq(p->u.a.len, 2);
    cr_assert_eq(plc_get(plc_get(p->u.a.items[1], "q"), "m")->u.i, 2);
    cr_assert_eq(plc_get(p->u.a.items[1], "r")->u.a.len, 2);
    cr_assert_null(plc_get(p->u.a.items[0], "r"));
    plc_doc_free(doc);
}

/* ---- limits ------------------------------------------------------------------ */

/* "a = " followed by `depth` nested arrays (or inline tables). (Criterion
** assertions are slow: loops collect failures and assert once.) */
static char *nested(size_t depth, bool tables)
{
    plu_buf b;
    plu_buf_init(&b);
    int rc = plu_buf_puts(&b, "a = ");
    for (size_t i = 0; i < depth; i++)
        rc |= plu_buf_puts(&b, tables ? "{a = " : "[");
    rc |= plu_buf_puts(&b, "1");
    for (size_t i = 0; i < depth; i++)
        rc |= plu_buf_putc(&b, tables ? '}' : ']');
    cr_assert_eq(rc, 0);
    return plu_buf_take(&b);
}

Test(toml, nesting_depth_is_bounded)
{
    char *ok = nested(256, false), *deep = nested(257, false);
    plc_doc *doc = parse(ok);
    plc_doc_free(doc);
    cr_assert_str_eq(error_of(deep), "plinth.toml:1:261: tables and arrays are nested deeper "
                                     "than 256 levels");
    plu_free(ok);
    plu_free(deep);
    ok = nested(256, true);
    deep = nested(257, true);
    plc_doc_free(parse(ok));
    cr_assert(strstr(error_of(deep), "nested deeper than 256 levels"));
    plu_free(ok);
    plu_free(deep);
    /* A million brackets: a clean error, no stack overflow. */
    char *huge = nested(1000000, false);
    cr_assert(strstr(error_of(huge), "nested deeper than 256 levels"));
    plu_free(huge);
}

Test(toml, long_headers_and_dotted_keys_are_bounded)
{
    plu_buf b;
    plu_buf_init(&b);
    int rc = plu_buf_puts(&b, "[t");
    for (int i = 1; i < 256; i++)
        rc |= plu_buf_puts(&b, ".t");
    rc |= plu_buf_puts(&b, "]\n");
    cr_assert_eq(rc, 0);
    plc_doc_free(parse(b.data)); /* 256 levels of tables */
    cr_assert_eq(plu_buf_puts(&b, "x.y = 1\n"), 0);
    cr_assert(strstr(error_of(b.data), "nested deeper than 256 levels"));
    b.len = 0;
    for (int i = 0; i < 300; i++)
        rc |= plu_buf_puts(&b, "k.");
    rc |= plu_buf_puts(&b, "k = 1\n");
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(error_of(b.data), "plinth.toml:1:513: key has more than 256 dotted parts");
    plu_buf_free(&b);
}

Test(toml, big_generated_document)
{
    plu_buf b;
    plu_buf_init(&b);
    enum { TABLES = 3000, KEYS = 20 };
    int rc = 0;
    for (int t = 0; t < TABLES; t++) {
        rc |= plu_buf_printf(&b, "[section.s%d]\n", t);
        for (int k = 0; k < KEYS; k++)
            rc |= plu_buf_printf(&b, "key%d = \"value %d.%d\" # comment\n", k, t, k);
        rc |= plu_buf_printf(&b, "list = [1, 2.5, 'x', {y = %d}]\n[[items]]\nid = %d\n", t, t);
    }
    cr_assert_eq(rc, 0);
    plc_doc *doc = parse_n(b.data, b.len);
    const plc_node *section = at(doc, "section");
    cr_assert_eq(section->u.t.len, TABLES);
    cr_assert_str_eq(at(doc, "section.s2999.key19")->u.s.ptr, "value 2999.19");
    cr_assert_eq(at(doc, "items")->u.a.len, TABLES);
    cr_assert_eq(plc_get(at(doc, "items")->u.a.items[1234], "id")->u.i, 1234);
    const plc_node *last = at(doc, "section.s2999");
    assert_loc(last->loc, TABLES * (KEYS + 4) - (KEYS + 3), 1);
    plc_doc_free(doc);
    plu_buf_free(&b);
}

/* ---- out of memory ------------------------------------------------------------ */

Test(toml, out_of_memory_fails_cleanly)
{
    /* Every kind of value, long strings (scratch buffer growth), enough
    ** members for a table's hash index and enough nodes for several arena
    ** blocks: each allocation the reader makes gets to fail once. */
    plu_buf b;
    plu_buf_init(&b);
    int rc = plu_buf_puts(&b, "s = \"esc\\u00e9\"\nm = \"\"\"\nx\ny\"\"\"\nf = 1.5\n"
                              "d = 1979-05-27T07:32:00Z\na = [1, [2], {b.c = 3}]\n"
                              "[t.u]\n[[v]]\nw = 1\n[[v]]\nlong = \"");
    for (int i = 0; i < 3000; i++)
        rc |= plu_buf_puts(&b, "\\t");
    rc |= plu_buf_puts(&b, "\"\n");
    for (int i = 0; i < 600; i++)
        rc |= plu_buf_printf(&b, "k%d = [%d, 'v%d']\n", i, i, i);
    cr_assert_eq(rc, 0);
    for (long n = 0;; n++) {
        plc_doc *doc = (plc_doc *)&b;
        pl_err err;
        plu_fail_alloc_after(n);
        pl_status st = plc_parse_toml(b.data, b.len, "oom.toml", &doc, &err);
        bool failed = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (!failed) {
            cr_assert_eq(st, PL_OK, "%s", err.msg);
            cr_assert_gt(n, 20);
            plc_doc_free(doc);
            break;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %ld: status %d (%s)", n, (int)st, err.msg);
        cr_assert_null(doc);
        cr_assert_str_eq(err.msg, "out of memory");
    }
    plu_buf_free(&b);
}
