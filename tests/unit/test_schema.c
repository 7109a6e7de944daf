/*
** test_schema.c — what users of the JSON Schema validator rely on: error
** messages with the JSON pointer of the bad value and its file:line:col,
** did-you-mean, pl_schema_validate's report and statuses, reference loops,
** limits, invalid schemas, meta-schema lookup and out-of-memory handling.
** (The JSON-Schema-Test-Suite conformance run is tests/spec/test_schema_suite.c.)
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/doc.h"
#include "config/schema.h"
#include "config/schema_int.h"

#define DATA PL_TEST_DATA "/schema"

/* ---- helpers ------------------------------------------------------------------ */

static plc_doc *json(const char *text, const char *name)
{
    plc_doc *doc = NULL;
    pl_err err;
    cr_assert_eq(plc_parse_json(text, strlen(text), name, 0, &doc, &err), PL_OK, "%s", err.msg);
    return doc;
}

typedef struct run {
    plc_doc *sdoc, *ddoc; /* error locations point into them */
    plc_schema_reg *reg;
    pl_status compile, validate;
    pl_err err;
    char *report; /* formatted errors (plu_free) */
    size_t nerrs;
    plc_schema_errors errs;
} run;

/* Compile `schema` and validate `data` (JSON texts), collecting errors. */
static run check_draft(const char *schema, const char *data, plc_schema_draft draft)
{
    run r = {0};
    plc_schema_errors_init(&r.errs);
    plu_err_clear(&r.err);
    plc_doc *sdoc = r.sdoc = json(schema, "schema.json");
    plc_doc *ddoc = r.ddoc = json(data, "data.json");
    plc_schema_reg *reg = r.reg = plc_schema_reg_new();
    cr_assert_not_null(reg);
    plc_schema_reg_set_default_draft(reg, draft);
    const plc_schema *s = NULL;
    r.compile = plc_schema_compile(reg, sdoc->root, "", &s, &r.err);
    r.validate = r.compile == PL_OK ? plc_schema_validate(reg, s, ddoc->root, &r.errs, &r.err)
                                    : r.compile;
    if (r.compile == PL_OK) {
        pl_err err2;
        pl_status fast = plc_schema_validate(reg, s, ddoc->root, NULL, &err2);
        cr_assert_eq(fast, r.validate, "the fast mode disagrees: %d vs %d", fast, r.validate);
    }
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_schema_errors_format(&r.errs, &b), 0);
    r.report = plu_buf_take(&b);
    r.nerrs = r.errs.len;
    return r;
}

static run check(const char *schema, const char *data)
{
    return check_draft(schema, data, PLC_SCHEMA_DRAFT2020);
}

static void done(run *r)
{
    plu_free(r->report);
    plc_schema_errors_free(&r->errs);
    plc_schema_reg_free(r->reg);
    plc_doc_free(r->sdoc);
    plc_doc_free(r->ddoc);
}

static void expect_report(const char *schema, const char *data, const char *want)
{
    run r = check(schema, data);
    cr_assert_eq(r.compile, PL_OK, "%s", r.err.msg);
    cr_assert_eq(r.validate, want[0] ? PL_E_SCHEMA : PL_OK, "%s", r.report);
    cr_assert_str_eq(r.report, want);
    done(&r);
}

/* A compile error whose message contains `want`. */
static void expect_bad_schema(const char *schema, pl_status st, const char *want)
{
    run r = check(schema, "null");
    cr_assert_eq(r.compile, st, "status %d: %s", r.compile, r.err.msg);
    cr_assert(strstr(r.err.msg, want), "message '%s' lacks '%s'", r.err.msg, want);
    done(&r);
}

static char *temp_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/plinth_schema_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- messages, pointers, locations -------------------------------------------- */

Test(schema, messages_have_pointer_and_location)
{
    expect_report("{\"properties\": {\"providers\": {\"items\": {\"properties\": "
                  "{\"name\": {\"type\": \"string\"}}}}}}",
                  "{\"providers\": [\n  {\"name\": \"a\"},\n  {\"name\": 5}\n]}",
                  "data.json:3:12: /providers/1/name: expected string, got integer\n");
}

Test(schema, root_errors_show_root)
{
    expect_report("{\"type\": [\"object\", \"null\"]}", "[1]",
                  "data.json:1:1: (root): expected object or null, got array\n");
}

Test(schema, pointer_escapes_slash_and_tilde)
{
    expect_report("{\"additionalProperties\": {\"type\": \"integer\"}}",
                  "{\"a/b\": 1, \"c~d\": 1.5}",
                  "data.json:1:19: /c~0d: expected integer, got number\n");
    expect_report("{\"additionalProperties\": {\"type\": \"integer\"}}", "{\"a/b\": \"x\"}",
                  "data.json:1:9: /a~1b: expected integer, got string\n");
}

Test(schema, common_messages)
{
    expect_report("{\"required\": [\"name\", \"kind\"]}", "{\"kind\": 1}",
                  "data.json:1:1: (root): missing required property 'name'\n");
    expect_report("{\"minimum\": 1}", "0", "data.json:1:1: (root): 0 is less than the minimum of 1\n");
    expect_report("{\"exclusiveMaximum\": 2.5}", "2.5",
                  "data.json:1:1: (root): 2.5 must be less than 2.5\n");
    expect_report("{\"multipleOf\": 0.01}", "19.999",
                  "data.json:1:1: (root): 19.999 is not a multiple of 0.01\n");
    expect_report("{\"maxLength\": 3}", "\"h\xc3\xa9llo\"",
                  "data.json:1:1: (root): string has 5 characters, expected at most 3\n");
    expect_report("{\"pattern\": \"^[a-z]+$\"}", "\"Bad Name\"",
                  "data.json:1:1: (root): \"Bad Name\" does not match the pattern \"^[a-z]+$\"\n");
    expect_report("{\"const\": {\"a\": [1, 2]}}", "{\"a\": [1]}",
                  "data.json:1:1: (root): value must be {\"a\":[1,2]}\n");
    expect_report("{\"minItems\": 2}", "[1]",
                  "data.json:1:1: (root): array has 1 item, expected at least 2\n");
    expect_report("{\"uniqueItems\": true}", "[1, 2, 1.0]",
                  "data.json:1:1: (root): items 0 and 2 are equal, but items must be unique\n");
    expect_report("{\"maxProperties\": 1}", "{\"a\": 1, \"b\": 2}",
                  "data.json:1:1: (root): object has 2 properties, expected at most 1\n");
    expect_report("{\"dependentRequired\": {\"tls\": [\"cert\"]}}", "{\"tls\": true}",
                  "data.json:1:1: (root): property 'tls' requires property 'cert'\n");
    expect_report("{\"contains\": {\"type\": \"string\"}, \"minContains\": 2}", "[\"a\", 1]",
                  "data.json:1:1: (root): only 1 item matches 'contains', expected at least 2\n");
    expect_report("{\"not\": {\"type\": \"string\"}}", "\"x\"",
                  "data.json:1:1: (root): value must not match the schema in 'not'\n");
    expect_report("{\"prefixItems\": [true], \"items\": false}", "[1, 2, 3]",
                  "data.json:1:5: /1: array has 3 items, at most 1 allowed\n");
    expect_report("{\"properties\": {\"x\": false}}", "{\"x\": 1}",
                  "data.json:1:7: /x: no value is allowed here (the schema is false)\n");
}

Test(schema, did_you_mean_for_unknown_properties)
{
    expect_report("{\"properties\": {\"timeout\": {}, \"name\": {}}, "
                  "\"additionalProperties\": false}",
                  "{\"name\": \"x\",\n \"timout\": 5,\n \"zzz\": 1}",
                  "data.json:2:2: /timout: unknown property 'timout' (did you mean 'timeout'?)\n"
                  "data.json:3:2: /zzz: unknown property 'zzz'\n");
}

Test(schema, did_you_mean_for_enums)
{
    expect_report("{\"enum\": [\"openai\", \"anthropic\", \"ollama\"]}", "\"openia\"",
                  "data.json:1:1: (root): value must be one of: \"openai\", \"anthropic\", "
                  "\"ollama\" (did you mean 'openai'?)\n");
}

Test(schema, unevaluated_properties_name_the_property)
{
    expect_report("{\"allOf\": [{\"properties\": {\"alpha\": true}}], "
                  "\"properties\": {\"beta\": true}, \"unevaluatedProperties\": false}",
                  "{\"alpha\": 1, \"beta\": 2, \"betta\": 3}",
                  "data.json:1:25: /betta: unknown property 'betta' (did you mean 'beta'?)\n");
}

Test(schema, property_names_explain_why)
{
    expect_report("{\"propertyNames\": {\"pattern\": \"^[a-z]+$\"}}", "{\"ok\": 1, \"Bad\": 2}",
                  "data.json:1:11: /Bad: invalid property name 'Bad': \"Bad\" does not match "
                  "the pattern \"^[a-z]+$\"\n");
}

Test(schema, one_of_explains_the_closest_alternative)
{
    const char *schema =
        "{\"oneOf\": ["
        "{\"properties\": {\"kind\": {\"const\": \"openai\"}, \"key\": {\"type\": \"string\"}},"
        " \"required\": [\"kind\", \"key\"]},"
        "{\"properties\": {\"kind\": {\"const\": \"ollama\"}, \"url\": {\"type\": \"string\"}},"
        " \"required\": [\"kind\", \"url\"]}]}";
    expect_report(schema, "{\"kind\": \"openai\", \"key\": 5}",
                  "data.json:1:1: (root): value does not match any of the 2 alternatives of "
                  "oneOf; the closest, #1, fails with:\n"
                  "data.json:1:27: /key: expected string, got integer\n");
    expect_report(schema, "{\"kind\": \"ollama\", \"url\": \"x\", \"key\": \"y\"}", "");
    expect_report("{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 0}]}", "3",
                  "data.json:1:1: (root): value matches both alternative #1 and #2 of oneOf, "
                  "but must match exactly one\n");
}

Test(schema, keyword_locations_follow_refs)
{
    run r = check("{\"$defs\": {\"n\": {\"type\": \"string\"}}, "
                  "\"properties\": {\"a\": {\"$ref\": \"#/$defs/n\"}}}",
                  "{\"a\": 1}");
    cr_assert_eq(r.nerrs, 1);
    cr_assert_str_eq(r.errs.items[0].pointer, "/a");
    cr_assert_str_eq(r.errs.items[0].keyword, "/$defs/n/type");
    cr_assert_eq(r.errs.items[0].schema_loc.line, 1);
    cr_assert_eq(r.errs.items[0].schema_loc.col, 26);
    cr_assert_str_eq(r.errs.items[0].schema_loc.file, "schema.json");
    done(&r);
}

Test(schema, error_count_is_bounded)
{
    plu_buf b;
    plu_buf_init(&b);
    plu_buf_puts(&b, "[");
    for (int i = 0; i < 3000; i++)
        plu_buf_printf(&b, "%s\"x\"", i ? "," : "");
    plu_buf_puts(&b, "]");
    run r = check("{\"items\": {\"type\": \"integer\"}}", b.data);
    cr_assert_eq(r.validate, PL_E_SCHEMA);
    cr_assert_eq(r.nerrs, 1000);
    done(&r);
    plu_buf_free(&b);
}

Test(schema, draft7_semantics)
{
    run r = check_draft("{\"items\": [{\"type\": \"integer\"}], \"additionalItems\": false}",
                        "[1, 2]", PLC_SCHEMA_DRAFT7);
    cr_assert_eq(r.validate, PL_E_SCHEMA);
    cr_assert_str_eq(r.report, "data.json:1:5: /1: array has 2 items, at most 1 allowed\n");
    done(&r);
    /* "$ref" hides its siblings in draft 7, not in 2020-12. */
    const char *s = "{\"$defs\": {\"a\": {}}, \"$ref\": \"#/$defs/a\", \"type\": \"string\"}";
    r = check_draft(s, "1", PLC_SCHEMA_DRAFT7);
    cr_assert_eq(r.validate, PL_OK);
    done(&r);
    r = check_draft(s, "1", PLC_SCHEMA_DRAFT2020);
    cr_assert_eq(r.validate, PL_E_SCHEMA);
    done(&r);
    /* "$schema" wins over the default draft. */
    r = check_draft("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", "
                    "\"dependencies\": {\"a\": [\"b\"]}}", "{\"a\": 1}", PLC_SCHEMA_DRAFT2020);
    cr_assert_eq(r.validate, PL_E_SCHEMA);
    cr_assert_str_eq(r.report, "data.json:1:1: (root): property 'a' requires property 'b'\n");
    done(&r);
}

/* ---- TOML, YAML and JSON files ---------------------------------------------------- */

static char *validate_file(const char *data_file, pl_status want_st)
{
    char err[1024], *report = NULL;
    pl_status st = pl_schema_validate(DATA "/providers.schema.json", data_file, &report, err,
                                      sizeof err);
    cr_assert_eq(st, want_st, "%s", err);
    return report;
}

Test(schema, toml_data_has_file_line_col)
{
    char *report = validate_file(DATA "/providers.toml", PL_E_SCHEMA);
    cr_assert_str_eq(report,
                     DATA "/providers.toml:1:1: /timout: unknown property 'timout' (did you "
                     "mean 'timeout'?)\n"
                     DATA "/providers.toml:4:8: /providers/0/name: expected string, got integer\n"
                     DATA "/providers.toml:5:8: /providers/0/kind: value must be one of: "
                     "\"openai\", \"anthropic\", \"ollama\" (did you mean 'openai'?)\n"
                     DATA "/providers.toml:10:9: /providers/1/model: string has 0 characters, "
                     "expected at least 1\n"
                     DATA "/providers.toml:11:1: /providers/1/url: unknown property 'url'\n");
    pl_free(report);
    report = validate_file(DATA "/providers_ok.toml", PL_OK);
    cr_assert_null(report);
}

Test(schema, json_data_has_file_line_col)
{
    char *report = validate_file(DATA "/providers.json", PL_E_SCHEMA);
    cr_assert_str_eq(report,
                     DATA "/providers.json:2:14: /timeout: 0 is less than the minimum of 1\n"
                     DATA "/providers.json:5:14: /providers/1/name: expected string, got integer\n");
    pl_free(report);
}

Test(schema, yaml_data_has_file_line_col)
{
    plc_doc *doc = NULL;
    pl_err err;
    if (plc_parse_yaml("a: 1", 4, "x.yaml", &doc, &err) == PL_E_UNSUPPORTED)
        cr_skip_test("the YAML reader has not landed yet");
    plc_doc_free(doc);
    char *report = validate_file(DATA "/providers.yaml", PL_E_SCHEMA);
    cr_assert_str_eq(report,
                     DATA "/providers.yaml:5:11: /providers/1/name: expected string, got integer\n");
    pl_free(report);
}

/* ---- pl_schema_validate ------------------------------------------------------------- */

Test(schema, api_statuses_and_messages)
{
    char err[1024], *report = (char *)1;
    cr_assert_eq(pl_schema_validate(NULL, "x.json", &report, err, sizeof err), PL_E_INVALID_ARG);
    cr_assert_null(report);
    pl_status st = pl_schema_validate(DATA "/providers.schema.json", DATA "/missing.json",
                                      &report, err, sizeof err);
    cr_assert(st == PL_E_NOT_FOUND || st == PL_E_IO, "status %d", st);
    cr_assert(strstr(err, "missing.json"), "%s", err);
    cr_assert_null(report);
    st = pl_schema_validate(DATA "/bad_type.schema.json", DATA "/providers.json", &report,
                            err, sizeof err);
    cr_assert_eq(st, PL_E_CONFIG);
    cr_assert_str_eq(err, DATA "/bad_type.schema.json:4:22: invalid schema at "
                          "#/properties/name: unknown type 'strng' (did you mean 'string'?)");
    st = pl_schema_validate(DATA "/bad_ref.schema.json", DATA "/providers.json", &report,
                            err, sizeof err);
    cr_assert_eq(st, PL_E_CONFIG);
    cr_assert_str_eq(err, DATA "/bad_ref.schema.json:3:22: cannot resolve "
                          "'#/$defs/nope': no such location");
    st = pl_schema_validate(DATA "/providers.schema.json", DATA "/providers.json", NULL, err,
                            sizeof err);
    cr_assert_eq(st, PL_E_SCHEMA);
    cr_assert_str_eq(err, DATA "/providers.json: 2 schema violations");
}

Test(schema, api_resolves_relative_files)
{
    char *dir = temp_dir();
    write_file(dir, "main.json", "{\"properties\": {\"a\": {\"$ref\": \"sub/defs.json#/$defs/x\"}}}");
    mkdir(strcat(strcpy((char[128]){0}, dir), "/sub"), 0700);
    write_file(dir, "sub/defs.json", "{\"$defs\": {\"x\": {\"$ref\": \"../leaf.json\"}}}");
    write_file(dir, "leaf.json", "{\"type\": \"integer\"}");
    write_file(dir, "data.json", "{\"a\": \"no\"}");
    char schema[160], data[160], err[1024], *report = NULL;
    snprintf(schema, sizeof schema, "%s/main.json", dir);
    snprintf(data, sizeof data, "%s/data.json", dir);
    cr_assert_eq(pl_schema_validate(schema, data, &report, err, sizeof err), PL_E_SCHEMA, "%s", err);
    cr_assert(strstr(report, "/a: expected integer, got string"), "%s", report);
    pl_free(report);
    write_file(dir, "leaf.json", "");
    cr_assert_eq(pl_schema_validate(schema, data, &report, err, sizeof err), PL_E_SYNTAX, "%s", err);
    remove(strcat(strcpy((char[128]){0}, dir), "/leaf.json"));
    cr_assert_eq(pl_schema_validate(schema, data, &report, err, sizeof err), PL_E_CONFIG);
    cr_assert(strstr(err, "cannot resolve 'file://"), "%s", err);
    cr_assert(strstr(err, "/leaf.json'"), "%s", err);
    remove_tree(dir);
}

/* ---- loops and limits ---------------------------------------------------------------- */

Test(schema, reference_loops_are_errors)
{
    char err[1024], *report = NULL;
    pl_status st = pl_schema_validate(DATA "/loop.schema.json", DATA "/providers.json", &report,
                                      err, sizeof err);
    cr_assert_eq(st, PL_E_CONFIG, "%s", err);
    cr_assert(strstr(err, "loop.schema.json:"), "%s", err);
    cr_assert(strstr(err, "an infinite loop"), "%s", err);
    run r = check("{\"$ref\": \"#\"}", "1");
    cr_assert_eq(r.validate, PL_E_CONFIG);
    cr_assert_str_eq(r.err.msg, "schema.json:1:10: '$ref' \"#\" leads back to itself without "
                                "any progress (an infinite loop)");
    done(&r);
    /* Recursion that consumes the instance is fine. */
    r = check("{\"items\": {\"$ref\": \"#\"}, \"type\": \"array\"}", "[[[], [[]]]]");
    cr_assert_eq(r.validate, PL_OK, "%s", r.err.msg);
    done(&r);
}

/* An array nested `depth` levels deep, built directly. */
static plc_node *nested(plc_doc *doc, int depth)
{
    plc_node *top = plc_new(doc, PLC_ARRAY, (pl_loc){"deep.json", 1, 1});
    for (plc_node *cur = top; depth-- > 1;) {
        plc_node *n = plc_new(doc, PLC_ARRAY, (pl_loc){"deep.json", 1, 1});
        cr_assert_eq(plc_array_push(doc, cur, n), 0);
        cur = n;
    }
    return top;
}

Test(schema, deep_data_hits_the_depth_limit)
{
    plc_doc *sdoc = json("{\"items\": {\"$ref\": \"#\"}}", "schema.json");
    plc_doc *ddoc = plc_doc_new("deep.json");
    plc_schema_reg *reg = plc_schema_reg_new();
    const plc_schema *s;
    pl_err err;
    cr_assert_eq(plc_schema_compile(reg, sdoc->root, NULL, &s, &err), PL_OK);
    cr_assert_eq(plc_schema_validate(reg, s, nested(ddoc, 100), NULL, &err), PL_OK);
    cr_assert_eq(plc_schema_validate(reg, s, nested(ddoc, 100000), NULL, &err), PL_E_LIMIT);
    cr_assert(strstr(err.msg, "nests deeper than"), "%s", err.msg);
    plc_schema_reg_free(reg);
    plc_doc_free(sdoc);
    plc_doc_free(ddoc);
}

Test(schema, deep_schemas_hit_the_depth_limit)
{
    plc_doc *doc = plc_doc_new("deep.json");
    pl_loc loc = {"deep.json", 1, 1};
    plc_node *root = plc_new(doc, PLC_TABLE, loc), *cur = root;
    for (int i = 0; i < 100000; i++) {
        plc_node *n = plc_new(doc, PLC_TABLE, loc);
        cr_assert_not_null(plc_table_add(doc, cur, "not", 3, loc, n));
        cur = n;
    }
    plc_schema_reg *reg = plc_schema_reg_new();
    const plc_schema *s;
    pl_err err;
    cr_assert_eq(plc_schema_compile(reg, root, NULL, &s, &err), PL_E_LIMIT);
    cr_assert(strstr(err.msg, "schema nests deeper than"), "%s", err.msg);
    plc_schema_reg_free(reg);
    plc_doc_free(doc);
}

Test(schema, catastrophic_patterns_hit_the_step_limit)
{
    run r = check("{\"pattern\": \"^(a+)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"");
    cr_assert_eq(r.validate, PL_E_LIMIT);
    cr_assert(strstr(r.err.msg, "schema.json:1:13: the regular expression needs too many steps"),
              "%s", r.err.msg);
    done(&r);
}

/* ---- invalid schemas ------------------------------------------------------------------- */

Test(schema, invalid_schemas_are_reported_with_their_location)
{
    expect_bad_schema("{\"type\": 5}", PL_E_CONFIG,
                      "schema.json:1:10: invalid schema at #: 'type' must be a type name or an "
                      "array of type names, not an integer");
    expect_bad_schema("{\"properties\": {\"a\": {\"minLength\": -1}}}", PL_E_CONFIG,
                      "schema.json:1:36: invalid schema at #/properties/a: 'minLength' must be a "
                      "non-negative integer, not an integer");
    expect_bad_schema("{\"pattern\": \"(ab\"}", PL_E_CONFIG,
                      "schema.json:1:13: invalid schema at #: invalid regular expression "
                      "\"(ab\": missing ')' at offset 3");
    expect_bad_schema("{\"patternProperties\": {\"\\\\p{Bogus}\": {}}}", PL_E_CONFIG,
                      "unknown Unicode property 'Bogus'");
    expect_bad_schema("{\"items\": [{}]}", PL_E_CONFIG,
                      "'items' must be a schema (an object or a boolean), not an array");
    expect_bad_schema("{\"allOf\": []}", PL_E_CONFIG, "'allOf' must not be empty");
    expect_bad_schema("{\"multipleOf\": 0}", PL_E_CONFIG, "'multipleOf' must be a number greater than 0");
    expect_bad_schema("{\"properties\": {\"a\": 3}}", PL_E_CONFIG,
                      "'properties' member 'a' must be a schema, not an integer");
    expect_bad_schema("{\"$anchor\": \"1bad\"}", PL_E_CONFIG, "'1bad' is not a valid anchor name");
    expect_bad_schema("{\"$schema\": \"http://json-schema.org/draft-04/schema#\"}",
                      PL_E_UNSUPPORTED, "unsupported $schema 'http://json-schema.org/draft-04/schema#'");
    expect_bad_schema("[]", PL_E_CONFIG, "a schema must be an object or a boolean, not array");
}

Test(schema, unresolvable_refs_fail_when_reached)
{
    run r = check("{\"anyOf\": [true, {\"$ref\": \"http://example.com/nowhere.json\"}]}", "1");
    cr_assert_eq(r.validate, PL_OK, "the reference is never reached: %s", r.err.msg);
    done(&r);
    r = check("{\"allOf\": [{\"$ref\": \"#missing\"}]}", "1");
    cr_assert_eq(r.validate, PL_E_CONFIG);
    cr_assert_str_eq(r.err.msg, "schema.json:1:21: cannot resolve '#missing': no anchor "
                                "'missing' there");
    done(&r);
}

Test(schema, check_refs_finds_broken_references_up_front)
{
    plc_doc *doc = json("{\"$defs\": {\"unused\": {\"$ref\": \"#/nope\"}}}", "schema.json");
    plc_schema_reg *reg = plc_schema_reg_new();
    const plc_schema *s;
    pl_err err;
    cr_assert_eq(plc_schema_compile(reg, doc->root, "", &s, &err), PL_OK);
    cr_assert_eq(plc_schema_check_refs(reg, &err), PL_E_CONFIG);
    cr_assert_str_eq(err.msg, "schema.json:1:31: cannot resolve '#/nope': no such location");
    plc_schema_reg_free(reg);
    plc_doc_free(doc);
}

/* ---- meta-schemas ------------------------------------------------------------------------ */

static pl_status against_metaschema(plc_schema_reg *reg, const char *data, pl_err *err)
{
    plc_doc *sdoc = json("{\"$ref\": \"https://json-schema.org/draft/2020-12/schema\"}", "s.json");
    plc_doc *ddoc = json(data, "d.json");
    const plc_schema *s;
    pl_status st = plc_schema_compile(reg, sdoc->root, "", &s, err);
    if (st == PL_OK)
        st = plc_schema_validate(reg, s, ddoc->root, NULL, err);
    plc_doc_free(sdoc);
    plc_doc_free(ddoc);
    return st;
}

Test(schema, standard_metaschemas_are_loaded)
{
    plc_schema_reg *reg = plc_schema_reg_new();
    pl_err err;
    cr_assert_eq(against_metaschema(reg, "{\"type\": \"string\"}", &err), PL_OK, "%s", err.msg);
    plc_schema_reg_free(reg);
    reg = plc_schema_reg_new();
    cr_assert_eq(against_metaschema(reg, "{\"$defs\": {\"a\": {\"minLength\": -1}}}", &err),
                 PL_E_SCHEMA, "%s", err.msg);
    plc_schema_reg_free(reg);
}

Test(schema, metaschema_folder_can_be_set)
{
    char *dir = temp_dir();
    write_file(dir, "draft2020-12.json",
               "{\"$id\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"string\"}");
    plc_schema_reg *reg = plc_schema_reg_new();
    pl_err err;
    cr_assert_eq(plc_schema_reg_set_meta_dir(reg, dir), 0);
    cr_assert_eq(against_metaschema(reg, "\"a string is fine here\"", &err), PL_OK, "%s", err.msg);
    plc_schema_reg_free(reg);
    /* $PLINTH_SCHEMA_DIR comes before the default folder. */
    setenv("PLINTH_SCHEMA_DIR", dir, 1);
    reg = plc_schema_reg_new();
    cr_assert_eq(against_metaschema(reg, "{}", &err), PL_E_SCHEMA, "%s", err.msg);
    plc_schema_reg_free(reg);
    unsetenv("PLINTH_SCHEMA_DIR");
    /* An explicit folder without the file: a clear error. */
    reg = plc_schema_reg_new();
    cr_assert_eq(plc_schema_reg_set_meta_dir(reg, "/nonexistent"), 0);
    cr_assert_eq(against_metaschema(reg, "{}", &err), PL_E_NOT_FOUND, "%s", err.msg);
    cr_assert_str_eq(err.msg, "the standard meta-schema file draft2020-12.json was not found in "
                              "/nonexistent (install python3-jsonschema or set PLINTH_SCHEMA_DIR)");
    plc_schema_reg_free(reg);
    remove_tree(dir);
}

/* ---- URIs ------------------------------------------------------------------------------- */

Test(schema, uri_resolution_follows_rfc3986)
{
    static const char *const cases[][2] = { /* RFC 3986 section 5.4 */
        {"g:h", "g:h"}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"}, {"//g", "http://g"},
        {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"}, {"g?y#s", "http://a/b/c/g?y#s"}, {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"}, {"", "http://a/b/c/d;p?q"}, {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"}, {"..", "http://a/b/"}, {"../", "http://a/b/"},
        {"../g", "http://a/b/g"}, {"../..", "http://a/"}, {"../../", "http://a/"},
        {"../../g", "http://a/g"}, {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"}, {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"}, {"g..", "http://a/b/c/g.."}, {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"}, {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"}, {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g#s/../x", "http://a/b/c/g#s/../x"}, {"http:g", "http:g"},
    };
    plu_buf b;
    plu_buf_init(&b);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cr_assert_eq(sch_uri_resolve("http://a/b/c/d;p?q", cases[k][0], &b), 0);
        cr_expect_str_eq(b.data, cases[k][1], "resolving \"%s\"", cases[k][0]);
    }
    cr_assert_eq(sch_uri_resolve("urn:uuid:deadbeef-1234", "#/$defs/x", &b), 0);
    cr_expect_str_eq(b.data, "urn:uuid:deadbeef-1234#/$defs/x");
    cr_assert_eq(sch_uri_resolve("", "folder/x.json", &b), 0);
    cr_expect_str_eq(b.data, "folder/x.json");
    cr_assert_eq(sch_uri_resolve("file:///c:/folder/file.json", "other.json#a", &b), 0);
    cr_expect_str_eq(b.data, "file:///c:/folder/other.json#a");
    plu_buf_free(&b);
}

/* ---- the regular expression engine ----------------------------------------------------- */

/* 1 match, 0 no match, -1 step limit, -9 syntax error. */
static int rx(const char *pat, const char *text)
{
    sch_regex *re;
    char msg[200];
    if (sch_regex_compile(pat, strlen(pat), &re, msg, sizeof msg) != PL_OK)
        return -9;
    int r = sch_regex_search(re, text, strlen(text));
    sch_regex_free(re);
    return r;
}

Test(schema, regex_ecma262_semantics)
{
    static const struct { const char *pat, *text; int want; } cases[] = {
        {"^a*$", "aaa", 1}, {"^a*$", "aab", 0}, {"a+", "xxaxx", 1}, {"f.o", "xfoo", 1},
        {"^\\p{Letter}+$", "Hello", 1}, {"^\\p{Letter}+$", "\xcf\x80", 1},
        {"^\\p{Letter}+$", "123", 0}, {"^\\p{Lu}\\P{Lu}$", "Ab", 1},
        {"^\\p{digit}+$", "\xe0\xa7\xaa\xe0\xa7\xa8", 1}, {"^[\\p{N}x]+$", "x4x", 1},
        {"[0-9]{2,}", "a12", 1}, {"[0-9]{2,}", "a1b2", 0},
        {"^(a|b)*c$", "ababc", 1}, {"^(a|bc|d)+$", "abcd", 1}, {"^(a|bc|d)+$", "abce", 0},
        {"^\\d$", "\xdf\x80", 0}, {"^\\D$", "\xdf\x80", 1}, {"^\\w$", "\xc3\xa9", 0},
        {"^\\s$", "\xe2\x80\xa9", 1}, {"^\\s$", "\xef\xbb\xbf", 1}, {"^\\S$", "\xe2\x80\x93", 1},
        {"^\\cC$", "\x03", 1}, {"^\\t$", "\t", 1}, {"^abc$", "abc\n", 0}, {"^.$", "\n", 0},
        {"^\xf0\x9f\x90\xb2*$", "\xf0\x9f\x90\xb2\xf0\x9f\x90\xb2", 1},
        {"^\xf0\x9f\x90\xb2*$", "\xf0\x9f\x90\x89", 0},
        {"^\\u{1F432}$", "\xf0\x9f\x90\xb2", 1}, {"^\\ud83d\\udc32$", "\xf0\x9f\x90\xb2", 1},
        {"^\\x41\\u0042$", "AB", 1},
        {"(?<=\\$)\\d+", "cost $42", 1}, {"(?<!\\$)\\b\\d+", "$42", 0},
        {"foo(?=bar)", "foobar", 1}, {"foo(?!bar)", "foobar", 0},
        {"^(\\w+) \\1$", "abc abc", 1}, {"^(?<x>\\w+) \\k<x>$", "abc abd", 0},
        {"^[^a-c]+$", "xyz", 1}, {"^[\\w-]+$", "a-b_c", 1}, {"^[]$", "a", 0},
        {"a{2}", "a", 0}, {"^a{2,3}$", "aaa", 1}, {"^a{2,3}$", "aaaa", 0}, {"^a{2,3}?$", "aa", 1},
        {"^(?:a|b)?$", "", 1}, {"^(a*)*$", "aaaa", 1}, {"\\bfoo\\b", "a foo b", 1},
        {"\\Bfoo", "afoo", 1}, {"x{", "x{", 1}, {"a]", "a]", 1},
        {"^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1},
        {"(", "", -9}, {"a)", "", -9}, {"*a", "", -9}, {"a{2,1}", "", -9}, {"\\p{Foo}", "", -9},
        {"[z-a]", "", -9}, {"\\a", "", -9}, {"(?P<n>x)", "", -9}, {"\\2(a)", "", -9},
        {"[\\d-z]", "", -9}, {"\\", "", -9},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        cr_expect_eq(rx(cases[k].pat, cases[k].text), cases[k].want, "/%s/ on \"%s\"",
                     cases[k].pat, cases[k].text);
}

/* ---- out of memory ------------------------------------------------------------------------ */

static const char oom_schema[] =
    "{\"$id\": \"https://example.com/root\", \"type\": \"object\","
    " \"properties\": {\"a\": {\"$ref\": \"#/$defs/a\"}, \"t\": {\"$ref\": \"#tree\"},"
    "   \"m\": {\"$ref\": \"https://json-schema.org/draft/2020-12/schema\"}},"
    " \"patternProperties\": {\"^x-\\\\p{L}+$\": {\"type\": \"string\"}},"
    " \"allOf\": [{\"properties\": {\"b\": {\"enum\": [\"one\", \"two\"]}}}],"
    " \"anyOf\": [{\"required\": [\"a\"]}, {\"required\": [\"zz\"]}],"
    " \"unevaluatedProperties\": false,"
    " \"$defs\": {\"a\": {\"type\": \"array\", \"uniqueItems\": true, \"contains\": {\"const\": 1}},"
    "   \"tree\": {\"$dynamicAnchor\": \"node\", \"$anchor\": \"tree\","
    "     \"items\": {\"$dynamicRef\": \"#node\"}}}}";

static const char oom_data[] =
    "{\"a\": [1, 2, 2], \"b\": \"three\", \"x-\xc3\xa9t\xc3\xa9\": 5, \"c\": true,"
    " \"t\": [[[1]]], \"m\": {\"type\": 5}}";

/* One attempt with allocation n failing: the status, or -1 when no
** injected failure happened. */
static long oom_attempt(long n, const plc_doc *sdoc, const plc_doc *ddoc)
{
    plc_schema_reg *reg = NULL;
    pl_err err;
    plc_schema_errors errs;
    plc_schema_errors_init(&errs);
    plu_fail_alloc_after(n);
    pl_status st = (reg = plc_schema_reg_new()) ? PL_OK : PL_E_NOMEM;
    const plc_schema *s;
    if (st == PL_OK)
        st = plc_schema_compile(reg, sdoc->root, "", &s, &err);
    if (st == PL_OK)
        st = plc_schema_validate(reg, s, ddoc->root, &errs, &err);
    bool failed = plu_alloc_failed();
    plu_fail_alloc_after(-1);
    if (failed && st != PL_E_NOMEM)
        cr_assert_fail("allocation %ld: status %d (%s)", n, (int)st, err.msg);
    if (failed && reg)
        cr_assert_str_eq(err.msg, "out of memory");
    plc_schema_errors_free(&errs);
    plc_schema_reg_free(reg);
    return failed ? -1 : (long)st;
}

Test(schema, out_of_memory_fails_cleanly, .timeout = 120)
{
    plc_doc *sdoc = json(oom_schema, "schema.json"), *ddoc = json(oom_data, "data.json");
    long n = 0, st;
    while ((st = oom_attempt(n, sdoc, ddoc)) == -1)
        n++;
    cr_assert_eq(st, PL_E_SCHEMA);
    cr_assert_gt(n, 50);
    plc_doc_free(sdoc);
    plc_doc_free(ddoc);
}

Test(schema, out_of_memory_in_the_public_api, .timeout = 120)
{
    for (long n = 0;; n++) {
        char err[1024], *report = NULL;
        plu_fail_alloc_after(n);
        pl_status st = pl_schema_validate(DATA "/providers.schema.json", DATA "/providers.json",
                                          &report, err, sizeof err);
        bool failed = plu_alloc_failed();
        plu_fail_alloc_after(-1);
        if (!failed) {
            cr_assert_eq(st, PL_E_SCHEMA, "%s", err);
            cr_assert_not_null(report);
            pl_free(report);
            break;
        }
        cr_assert_eq(st, PL_E_NOMEM, "allocation %ld: status %d (%s)", n, (int)st, err);
        cr_assert_null(report);
    }
}
