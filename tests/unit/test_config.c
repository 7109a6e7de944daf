/*
** test_config.c — the typed configuration and manifest models: the same
** file in three formats gives the same model, defaults, the lookup order,
** QueryMT compatibility, secret masking, semver, OCI references, and the
** public pl_config_* / pl_manifest_* wrappers.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/decode.h"
#include "config/model.h"

#define GOOD PL_TEST_DATA "/config/good/"

/* Every test runs in its own process: fix the environment the defaults
** and "~" depend on. */
static void fixed_env(void)
{
    setenv("HOME", "/home/tester", 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("PLINTH_CONFIG");
}

static plc_config *load_ok(const char *path)
{
    pl_err e;
    plu_err_clear(&e);
    plc_config *c = NULL;
    pl_status st = plc_config_load(path, &c, &e);
    cr_assert_eq(st, PL_OK, "%s: %s", path, e.msg);
    return c;
}

static char *to_json(const plc_config *c)
{
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_config_to_json(c, 2, &b), 0);
    return plu_buf_take(&b);
}

/* The JSON after its first member ("file", which names the file). */
static const char *after_file(const char *json)
{
    const char *p = strstr(json, "\"file\"");
    cr_assert_not_null(p);
    return strchr(p, '\n');
}

/* ---- three formats, one model ----------------------------------------------------- */

static void check_full_model(const plc_config *c)
{
    cr_assert_eq(c->n_providers, 3);
    cr_assert_eq(c->n_plugins, 4);
    cr_assert_eq(c->limits.fuel_units, 20000000);
    cr_assert_eq(c->limits.wall_timeout_ms, 3000);
    const plc_plugin *openai = plc_config_plugin(c, "openai");
    cr_assert_not_null(openai);
    cr_assert_eq(openai->source, PLC_SOURCE_OCI);
    cr_assert_str_eq(openai->oci->registry, "ghcr.io");
    cr_assert_str_eq(openai->oci->repository, "querymt/openai");
    cr_assert_str_eq(openai->oci->tag, "latest");
    cr_assert_str_eq(openai->base_url, "https://api.openai.com/v1");
    cr_assert_eq(openai->allowed_hosts.len, 1);
    cr_assert_str_eq(openai->api_key_name, "OPENAI_API_KEY");
    cr_assert_not_null(plc_get(openai->config, "temperature"));
    const plc_plugin *local = plc_config_plugin(c, "local");
    cr_assert_eq(local->source, PLC_SOURCE_URL);
    cr_assert_eq(local->artifact, PLC_ARTIFACT_WASM);
    cr_assert_str_eq(local->sha256,
                     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    cr_assert_eq(local->limits.fuel_units, 50000000);
    cr_assert_eq(local->limits.mem_bytes, 134217728, "inherits [limits]");
    cr_assert_eq(local->limits_set, PLC_LIMIT_FUEL | PLC_LIMIT_WALL | PLC_LIMIT_RETRIES);
    /* The HTTP keys: the provider's override, the rest from [limits]. */
    cr_assert_eq(c->limits.max_retries, 3);
    cr_assert_eq(local->limits.max_retries, 0);
    cr_assert_eq(local->limits.connect_timeout_ms, 5000);
    cr_assert_eq(local->limits.retry_base_ms, 250);
    cr_assert_eq(local->limits.retry_max_wait_ms, 10000);
    cr_assert_eq(openai->limits.max_retries, 3, "inherits [limits]");
    const plc_plugin *files = plc_config_plugin(c, "files");
    cr_assert_eq(files->source, PLC_SOURCE_COMMAND);
    cr_assert_eq(files->protocol, PLC_PROTOCOL_MCP);
    cr_assert_eq(files->args.len, 2);
    cr_assert_eq(files->env.len, 2);
    cr_assert_str_eq(files->grants.fs_write.items[0], "/srv/data/out");
    cr_assert_eq(files->grants.caps, PLC_CAP_LOG | PLC_CAP_FS_READ | PLC_CAP_FS_WRITE |
                                         PLC_CAP_ENVIRONMENT);
    const plc_plugin *jira = plc_config_plugin(c, "jira");
    cr_assert_eq(jira->kind, PLC_KIND_CONTEXT);
    cr_assert_eq(jira->grants.caps & PLC_CAP_SERVICES,
                 PLC_CAP_LOG | PLC_CAP_RETRIEVAL | PLC_CAP_LLM);
    cr_assert_eq(jira->oci->tag[0], '\0');
    cr_assert_eq(strncmp(jira->oci->digest, "sha256:2c26", 11), 0);
    const plc_plugin *review = plc_config_plugin(c, "review");
    cr_assert_not(review->enabled);
    cr_assert_str_eq(review->location, "/home/tester/plinth/prompts/review.wasm");
    cr_assert_eq(c->oci.n_identities, 2);
    cr_assert_str_eq(c->oci.identities[1].public_key, "/etc/plinth/cosign.pub");
    cr_assert(c->telemetry.enabled);
    cr_assert_float_eq(c->telemetry.sample_ratio, 0.25, 1e-12);
    cr_assert_eq(c->trust.allow_unsigned.len, 1);
    cr_assert_str_eq(c->paths.user_dir, "/home/tester/plinth/plugins");
}

Test(config, three_formats_agree)
{
    fixed_env();
    static const char *const files[] = {GOOD "full.toml", GOOD "full.json", GOOD "full.yaml"};
    char *json[3];
    for (int i = 0; i < 3; i++) {
        plc_config *c = load_ok(files[i]);
        check_full_model(c);
        json[i] = to_json(c);
        plc_config_free(c);
    }
    cr_assert_str_eq(after_file(json[0]), after_file(json[1]), "TOML and JSON differ");
    cr_assert_str_eq(after_file(json[0]), after_file(json[2]), "TOML and YAML differ");
    cr_assert_not_null(strstr(json[0], "\"max_retries\": 0,"), "local's override is shown");
    cr_assert_not_null(strstr(json[0], "\"wall_timeout_ms\",\n        \"max_retries\"\n"),
                       "and listed as overridden: %s", json[0]);
    for (int i = 0; i < 3; i++)
        plu_free(json[i]);
}

Test(config, relative_paths_follow_the_config_file)
{
    fixed_env();
    plc_config *c = load_ok(GOOD "full.toml");
    cr_assert_str_eq(plc_config_plugin(c, "anthropic")->location, GOOD "plugins/anthropic.so");
    cr_assert_str_eq(plc_config_plugin(c, "anthropic")->path, "plugins/anthropic.so");
    cr_assert_str_eq(c->trust.trusted_keys, GOOD "keys/trusted_keys.toml");
    cr_assert_str_eq(c->paths.extra_dirs.items[0], GOOD "plugins");
    cr_assert_str_eq(c->paths.extra_dirs.items[1], "/srv/plinth/plugins");
    plc_config_free(c);
}

/* ---- defaults ------------------------------------------------------------------------- */

Test(config, defaults)
{
    fixed_env();
    pl_err e;
    plc_config *c;
    cr_assert_eq(plc_config_defaults(&c, &e), PL_OK);
    cr_assert_null(c->path);
    cr_assert_eq(c->n_providers + c->n_plugins, 0);
    cr_assert_eq(c->limits.fuel_units, 10000000);
    cr_assert_eq(c->limits.mem_bytes, 268435456);
    cr_assert_eq(c->limits.wall_timeout_ms, 5000);
    cr_assert_eq(c->limits.max_call_depth, 1024);
    cr_assert_eq(c->limits.instances, 4);
    cr_assert_eq(c->limits.max_output_bytes, 16777216);
    cr_assert_eq(c->limits.connect_timeout_ms, 10000);
    cr_assert_eq(c->limits.max_retries, 2, "three attempts in all, as before the key existed");
    cr_assert_eq(c->limits.retry_base_ms, 500);
    cr_assert_eq(c->limits.retry_max_wait_ms, 30000);
    cr_assert_str_eq(c->paths.user_dir, "/home/tester/.local/share/plinth/plugins");
    cr_assert_str_eq(c->paths.system_dir, "/usr/lib/plinth/plugins");
    cr_assert_str_eq(c->paths.cache_dir, "/home/tester/.cache/plinth");
    cr_assert_str_eq(c->paths.grants_file, "/home/tester/.config/plinth/grants.toml");
    cr_assert_str_eq(c->trust.trusted_keys, "/home/tester/.config/plinth/trusted_keys.toml");
    cr_assert_eq(c->trust.policy, PLC_POLICY_REQUIRE);
    cr_assert_not(c->trust.allow_unsigned_native);
    cr_assert_not(c->oci.insecure_skip_signature);
    cr_assert(c->oci.use_sigstore_tuf_data);
    cr_assert_str_eq(c->oci.cert_issuer, "https://token.actions.githubusercontent.com");
    cr_assert_null(c->oci.github_workflow_repository);
    cr_assert_not(c->telemetry.enabled);
    cr_assert_null(c->telemetry.endpoint);
    cr_assert_str_eq(c->telemetry.service_name, "plinth");
    cr_assert_float_eq(c->telemetry.sample_ratio, 1.0, 0);
    char *json = to_json(c);
    cr_assert_not_null(strstr(json, "\"file\": null"));
    /* `plinth config show` shows the HTTP keys with the other limits. */
    cr_assert_not_null(strstr(json, "\"max_output_bytes\": 16777216,\n    \"connect_timeout_ms\": "
                                    "10000,\n    \"max_retries\": 2,\n    \"retry_base_ms\": 500,\n"
                                    "    \"retry_max_wait_ms\": 30000\n"),
                       "%s", json);
    plu_free(json);
    plc_config_free(c);
}

Test(config, defaults_follow_xdg_variables)
{
    fixed_env();
    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    setenv("XDG_CACHE_HOME", "/xdg/cache", 1);
    setenv("XDG_CONFIG_HOME", "relative/is/ignored", 1);
    pl_err e;
    plc_config *c;
    cr_assert_eq(plc_config_defaults(&c, &e), PL_OK);
    cr_assert_str_eq(c->paths.user_dir, "/xdg/data/plinth/plugins");
    cr_assert_str_eq(c->paths.cache_dir, "/xdg/cache/plinth");
    cr_assert_str_eq(c->trust.trusted_keys, "/home/tester/.config/plinth/trusted_keys.toml");
    plc_config_free(c);
    unsetenv("HOME");
    unsetenv("XDG_CONFIG_HOME");
    cr_assert_eq(plc_config_defaults(&c, &e), PL_OK);
    cr_assert_null(c->trust.trusted_keys, "no $HOME, no XDG: no default");
    plc_config_free(c);
}

/* A document built by hand: the model does not depend on any reader. */
Test(config, decodes_a_hand_built_tree)
{
    fixed_env();
    plc_doc *doc = plc_doc_new("hand.toml");
    pl_loc loc = {doc->file, 1, 1};
    doc->root = plc_new(doc, PLC_TABLE, loc);
    plc_node *limits = plc_new(doc, PLC_TABLE, (pl_loc){doc->file, 2, 1});
    plc_table_add(doc, doc->root, "limits", 6, loc, limits);
    plc_table_add(doc, limits, "fuel_units", 10, (pl_loc){doc->file, 3, 1},
                  plc_new_int(doc, 42, (pl_loc){doc->file, 3, 14}));
    plc_table_add(doc, limits, "instances", 9, (pl_loc){doc->file, 4, 1},
                  plc_new_string(doc, PLC_STRING, "two", 3, (pl_loc){doc->file, 4, 13}));
    pl_err e;
    plc_config *c;
    cr_assert_eq(plc_config_from_doc(doc, NULL, &c, &e), PL_E_CONFIG);
    cr_assert_str_eq(e.msg, "hand.toml:4:13: 'instances' must be an integer, got string");
    cr_assert_null(c);
}

Test(config, empty_file_means_defaults)
{
    fixed_env();
    char dir[] = "/tmp/plinth-cfg-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/plinth.toml", dir);
    FILE *f = fopen(path, "w");
    fclose(f);
    plc_config *c = load_ok(path);
    cr_assert_eq(c->limits.fuel_units, 10000000);
    cr_assert_str_eq(c->path, path);
    plc_config_free(c);
    unlink(path);
    rmdir(dir);
}

/* ---- lookup order -------------------------------------------------------------------------- */

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot create %s", path);
    fputs("[limits]\n", f);
    fclose(f);
}

static char *find(const char *explicit_path, pl_status want)
{
    pl_err e;
    plu_err_clear(&e);
    char *p = (char *)1;
    cr_assert_eq(plc_config_find(explicit_path, &p, &e), want, "%s", e.msg);
    return p;
}

static void expect_found(const char *want)
{
    char *p = find(NULL, PL_OK);
    if (!want)
        cr_assert_null(p, "found %s", p);
    else
        cr_assert_str_eq(p, want);
    plu_free(p);
}

Test(config, lookup_order)
{
    fixed_env();
    char dir[] = "/tmp/plinth-find-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chdir(dir), 0);
    setenv("HOME", dir, 1);
    expect_found(NULL);

    cr_assert_eq(mkdir(".config", 0700), 0);
    cr_assert_eq(mkdir(".config/plinth", 0700), 0);
    char xdg_yml[128], xdg_json[128];
    snprintf(xdg_yml, sizeof xdg_yml, "%s/.config/plinth/plinth.yml", dir);
    snprintf(xdg_json, sizeof xdg_json, "%s/.config/plinth/plinth.json", dir);
    touch(xdg_yml);
    expect_found(xdg_yml);
    touch(xdg_json);
    expect_found(xdg_json);

    setenv("XDG_CONFIG_HOME", "/nonexistent-xdg", 1);
    expect_found(NULL);
    unsetenv("XDG_CONFIG_HOME");

    touch("providers.toml");
    expect_found("providers.toml");
    touch("plugins.toml");
    expect_found("plugins.toml");
    touch("plinth.toml");
    expect_found("plinth.toml");

    setenv("PLINTH_CONFIG", xdg_yml, 1);
    expect_found(xdg_yml);
    setenv("PLINTH_CONFIG", "/nonexistent/plinth.toml", 1);
    cr_assert_null(find(NULL, PL_E_NOT_FOUND));

    char *p = find("providers.toml", PL_OK);
    cr_assert_str_eq(p, "providers.toml", "an explicit path wins");
    plu_free(p);
    cr_assert_null(find("missing.toml", PL_E_NOT_FOUND));
    cr_assert_null(find(".config", PL_E_IO));
}

Test(config, missing_explicit_file_message)
{
    pl_err e;
    char *p;
    cr_assert_eq(plc_config_find("/nonexistent/x.toml", &p, &e), PL_E_NOT_FOUND);
    cr_assert_str_eq(e.msg, "configuration file '/nonexistent/x.toml' does not exist");
    setenv("PLINTH_CONFIG", "/nonexistent/y.toml", 1);
    cr_assert_eq(plc_config_find(NULL, &p, &e), PL_E_NOT_FOUND);
    cr_assert_str_eq(e.msg,
                     "$PLINTH_CONFIG is set to '/nonexistent/y.toml', which does not exist");
}

/* ---- QueryMT compatibility and secrets -------------------------------------------------- */

Test(config, querymt_file_loads_unchanged)
{
    fixed_env();
    plc_config *c = load_ok(GOOD "providers.toml");
    cr_assert_eq(c->n_providers, 5);
    cr_assert_eq(c->providers[0].artifact, PLC_ARTIFACT_WASM);
    cr_assert_eq(c->providers[1].artifact, PLC_ARTIFACT_NATIVE);
    cr_assert_eq(c->providers[2].source, PLC_SOURCE_OCI);
    cr_assert_str_eq(c->providers[2].oci->repository, "my-org/my-plugin");
    cr_assert_not_null(c->providers[2].config, "an empty [providers.config] is kept");
    cr_assert_eq(c->providers[2].config->u.t.len, 0);
    cr_assert_str_eq(c->oci.github_workflow_repository, "querymt/querymt");
    cr_assert_str_eq(c->providers[4].base_url, "http://localhost:11434");
    cr_assert_str_eq(plc_get(c->providers[0].config, "api_key_env")->u.s.ptr,
                     "MY_OPENAI_API_KEY");
    plc_config_free(c);
}

Test(config, secrets_are_masked)
{
    fixed_env();
    plc_config *c = load_ok(GOOD "full.toml");
    cr_assert_str_eq(plc_config_plugin(c, "anthropic")->api_key, "sk-ant-not-a-real-key");
    char *json = to_json(c);
    static const char *const secrets[] = {"sk-ant-not-a-real-key", "hunter2", "otel-secret",
                                          "ghp-not-a-real-token"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert_null(strstr(json, secrets[i]), "%s leaked", secrets[i]);
    cr_assert_not_null(strstr(json, "\"api_key\": \"***\""));
    cr_assert_not_null(strstr(json, "\"LOG_LEVEL\": \"info\""), "non-secrets stay");
    cr_assert_not_null(strstr(json, "\"max_tokens\": 4096"));
    plu_free(json);
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_config_summary(c, &b), 0);
    cr_assert_null(strstr(b.data, "sk-ant"));
    cr_assert_not_null(strstr(b.data, "providers: 3"));
    plu_buf_free(&b);
    plc_config_free(c);
}

Test(config, secret_key_rule)
{
    cr_assert(plc_is_secret_key("api_key"));
    cr_assert(plc_is_secret_key("OPENAI_API_KEY"));
    cr_assert(plc_is_secret_key("client_secret"));
    cr_assert(plc_is_secret_key("access_token"));
    cr_assert(plc_is_secret_key("Password"));
    cr_assert_not(plc_is_secret_key("api_key_name"));
    cr_assert_not(plc_is_secret_key("api_key_env"));
    cr_assert_not(plc_is_secret_key("max_tokens"));
    cr_assert_not(plc_is_secret_key("model"));
}

/* ---- semver ----------------------------------------------------------------------------------- */

static plc_semver sv(const char *s)
{
    plc_semver v;
    cr_assert(plc_semver_parse(s, &v), "'%s' should parse", s);
    return v;
}

Test(config, semver_parse)
{
    plc_semver v = sv("1.22.333-beta.2+build.7");
    cr_assert_eq(v.major, 1);
    cr_assert_eq(v.minor, 22);
    cr_assert_eq(v.patch, 333);
    cr_assert_eq(v.pre_len, 6);
    cr_assert_eq(strncmp(v.pre, "beta.2", 6), 0);
    static const char *const bad[] = {"1", "1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01",
                                      "v1.2.3", "1.2.3+", "1..3", " 1.2.3", "1.2.3-a..b",
                                      "99999999999999999999.0.0", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        plc_semver x;
        cr_assert_not(plc_semver_parse(bad[i], &x), "'%s' should not parse", bad[i]);
    }
}

Test(config, semver_precedence)
{
    /* The ordering example of SemVer 2.0.0 §11. */
    static const char *const order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                        "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                                        "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"};
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i + 1 < n; i++) {
        plc_semver a = sv(order[i]), b = sv(order[i + 1]);
        cr_assert_lt(plc_semver_cmp(&a, &b), 0, "%s < %s", order[i], order[i + 1]);
        cr_assert_gt(plc_semver_cmp(&b, &a), 0);
    }
    plc_semver a = sv("1.0.0+x"), b = sv("1.0.0+y");
    cr_assert_eq(plc_semver_cmp(&a, &b), 0, "build metadata is ignored");
}

Test(config, semver_ranges)
{
    static const struct { const char *range, *version; int want; } cases[] = {
        {">=1.2, <2", "1.2.0", 1}, {">=1.2, <2", "1.9.9", 1}, {">=1.2, <2", "2.0.0", 0},
        {">=1.2, <2", "1.1.9", 0}, {">=1.2 <2", "1.5.0", 1}, {"^1.2.3", "1.2.3", 1},
        {"^1.2.3", "1.99.0", 1},   {"^1.2.3", "2.0.0", 0},   {"^1.2.3", "1.2.2", 0},
        {"^0.2.3", "0.2.9", 1},    {"^0.2.3", "0.3.0", 0},   {"^0.0.3", "0.0.4", 0},
        {"^0", "0.9.0", 1},        {"~1.2", "1.2.7", 1},     {"~1.2", "1.3.0", 0},
        {"~1.2.3", "1.2.2", 0},    {"~1", "1.9.0", 1},       {"1.x", "1.0.0", 1},
        {"1.x", "2.0.0", 0},       {"1.2.*", "1.2.9", 1},    {"1.2", "1.3.0", 0},
        {"*", "0.0.1", 1},         {"", "3.1.4", 1},         {"1.2.3", "1.2.3", 1},
        {"=1.2.3", "1.2.4", 0},    {">1.2", "1.2.9", 0},     {">1.2", "1.3.0", 1},
        {"<=1.2", "1.2.9", 1},     {"<=1.2", "1.3.0", 0},    {">1.2.3", "1.2.4", 1},
        {"<1.0.0 || >=2", "0.5.0", 1}, {"<1.0.0 || >=2", "1.5.0", 0},
        {"<1.0.0 || >=2", "2.1.0", 1}, {">=0.1.0", "0.1.0", 1},
        /* pre-releases only match a comparator on the same version */
        {">=1.2", "2.0.0-alpha", 0}, {"^1.2.3", "1.3.0-beta", 0},
        {">=1.3.0-beta, <2", "1.3.0-rc.1", 1}, {">=1.3.0-beta, <2", "1.4.0-rc.1", 0},
        {"1.0.0-rc.1", "1.0.0-rc.1", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plc_semver v = sv(cases[i].version);
        cr_assert_eq(plc_semver_match(cases[i].range, &v), cases[i].want, "'%s' vs %s",
                     cases[i].range, cases[i].version);
        cr_assert(plc_semver_range_valid(cases[i].range, NULL, 0));
    }
}

Test(config, semver_bad_ranges)
{
    static const char *const bad[] = {">>1", "1.2.3.4", "^", ">= ", "1.x.3", "a.b.c", "1 |",
                                      "|| 1", "1 || || 2", "~>1.2", "1.2-beta"};
    plc_semver v = sv("1.0.0");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[128] = "";
        cr_assert_not(plc_semver_range_valid(bad[i], why, sizeof why), "'%s'", bad[i]);
        cr_assert_neq(why[0], '\0');
        cr_assert_eq(plc_semver_match(bad[i], &v), -1);
    }
    char why[128];
    plc_semver_range_valid(">= 1.2, <2.x.1", why, sizeof why);
    cr_assert_str_eq(why, "'2.x.1' is not a version");
}

/* ---- value syntax ---------------------------------------------------------------------------------- */

Test(config, oci_references)
{
    plc_oci_ref r;
    char why[160];
    cr_assert(plc_oci_ref_parse("oci://localhost:5000/a/b-c__d.e:v1.2_x", &r, why, sizeof why), "%s",
              why);
    cr_assert_str_eq(r.registry, "localhost:5000");
    cr_assert_str_eq(r.repository, "a/b-c__d.e");
    cr_assert_str_eq(r.tag, "v1.2_x");
    cr_assert(plc_oci_ref_parse("oci://[::1]:5000/x", &r, why, sizeof why), "%s", why);
    cr_assert_str_eq(r.tag, "latest");
    static const char *const bad[] = {
        "ghcr.io/org/x",        "oci://ghcr.io",         "oci://ghcr.io/",
        "oci://ghcr.io/Org/x",  "oci://ghcr.io/org//x",  "oci://ghcr.io/org/x:",
        "oci://ghcr.io/-x",     "oci://ghcr.io/x@sha1:00", "oci://ghcr.io:99999/x",
        "oci://ghcr.io/x y",    "oci://ghcr.io/x._y",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(plc_oci_ref_parse(bad[i], &r, why, sizeof why), "'%s'", bad[i]);
}

Test(config, host_patterns_and_urls)
{
    char why[160];
    static const char *const good[] = {"api.openai.com", "*.example.com", "*",
                                       "https://api.x.com:443", "postgres://localhost:5432",
                                       "localhost:*", "[::1]:8080"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(plc_check_host_pattern(good[i], why, sizeof why), "'%s': %s", good[i], why);
    static const char *const bad[] = {"https://x.com/v1", "x.com:http", "a b", "://x",
                                      "x.com:0", "x!.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(plc_check_host_pattern(bad[i], why, sizeof why), "'%s'", bad[i]);
    cr_assert(plc_check_url("https://api.example.com/v1?x=1", true, why, sizeof why));
    cr_assert_not(plc_check_url("https://user:pw@example.com/", true, why, sizeof why));
    cr_assert_not(plc_check_url("http://example.com/", false, why, sizeof why));
    cr_assert_not(plc_check_url("https:///path", true, why, sizeof why));
}

/* ---- manifests ------------------------------------------------------------------------------------------ */

static plc_manifest *manifest_ok(const char *path)
{
    pl_err e;
    plu_err_clear(&e);
    plc_manifest *m = NULL;
    cr_assert_eq(plc_manifest_load(path, &m, &e), PL_OK, "%s: %s", path, e.msg);
    return m;
}

Test(config, manifest_sections_form)
{
    plc_manifest *m = manifest_ok(GOOD "plugin.toml");
    cr_assert_eq(m->form, PLC_MANIFEST_SECTIONS);
    cr_assert_str_eq(m->id, "org.example.hello");
    cr_assert_str_eq(m->name, "Hello Plugin");
    cr_assert_eq(m->semver.minor, 1);
    cr_assert_eq(m->kind, PLC_KIND_TOOL);
    cr_assert_str_eq(m->wasm_target, "wasm32-wasi");
    cr_assert_str_eq(m->signature_path, GOOD "hello-plugin.sig");
    cr_assert_eq(m->requested.caps, PLC_CAP_LOG | PLC_CAP_RETRIEVAL | PLC_CAP_NETWORK |
                                        PLC_CAP_FS_READ | PLC_CAP_ENVIRONMENT);
    cr_assert_str_eq(m->requested.network.items[0], "api.example.org");
    cr_assert_str_eq(m->authors.items[0], "Jane Dev <jane@example.org>");
    plc_semver v = sv("0.4.2");
    cr_assert_eq(plc_semver_match(m->requires_version, &v), 1);
    plu_buf b;
    plu_buf_init(&b);
    cr_assert_eq(plc_manifest_to_json(m, 2, &b), 0);
    cr_assert_not_null(strstr(b.data, "\"form\": \"sections\""));
    b.len = 0;
    cr_assert_eq(plc_manifest_summary(m, &b), 0);
    cr_assert_not_null(strstr(b.data, "plugin: org.example.hello 0.1.0 (Hello Plugin), tool"));
    plu_buf_free(&b);
    plc_manifest_free(m);
}

Test(config, manifest_flat_form)
{
    plc_manifest *m = manifest_ok(GOOD "plugin.yaml");
    cr_assert_eq(m->form, PLC_MANIFEST_FLAT);
    cr_assert_str_eq(m->id, "database-plugin");
    cr_assert_str_eq(m->name, "database-plugin");
    cr_assert_str_eq(m->version, "0.1.0");
    cr_assert_eq(m->kind, PLC_KIND_UNSPECIFIED);
    cr_assert_eq(m->authors.len, 1);
    cr_assert_str_eq(m->authors.items[0], "Your Name");
    cr_assert_eq(m->keywords.len, 2);
    cr_assert_str_eq(m->requested.network.items[0], "postgres://localhost:5432");
    cr_assert_str_eq(m->requested.fs_read.items[0], "~/.config/database/", "kept as written");
    cr_assert_eq(m->requested.fs_write.len, 0);
    cr_assert_eq(m->requested.caps, PLC_CAP_LOG | PLC_CAP_NETWORK | PLC_CAP_FS_READ |
                                        PLC_CAP_ENVIRONMENT);
    plc_manifest_free(m);
}

Test(config, sidecar_manifest_from_doc)
{
    static const char text[] = "[plugin]\nid = \"hello\"\nversion = \"1.0.0-rc.1\"\n";
    pl_err e;
    plc_doc *doc;
    cr_assert_eq(plc_parse_text(PLC_FORMAT_TOML, text, sizeof text - 1, "dir/hello.toml", &doc, &e),
                 PL_OK, "%s", e.msg);
    plc_manifest *m;
    cr_assert_eq(plc_manifest_from_doc(doc, NULL, &m, &e), PL_OK, "%s", e.msg);
    cr_assert_str_eq(m->path, "dir/hello.toml");
    cr_assert_str_eq(m->name, "hello");
    cr_assert_eq(m->semver.pre_len, 4);
    plc_manifest_free(m);
}

/* ---- docs/configuration.md stays true ---------------------------------------------------------------- */

/* The text of the next ```lang block after `marker`, from *pos on; NULL
** when there is none. Sets *fmt from the block's language. */
static char *next_block(const char *md, const char *marker, const char **pos, plc_format *fmt)
{
    const char *m = strstr(*pos, marker);
    if (!m)
        return NULL;
    const char *fence = strstr(m, "```");
    cr_assert_not_null(fence);
    const char *lang = fence + 3, *body = strchr(lang, '\n') + 1;
    *fmt = strncmp(lang, "toml", 4) == 0   ? PLC_FORMAT_TOML
           : strncmp(lang, "json", 4) == 0 ? PLC_FORMAT_JSON
                                           : PLC_FORMAT_YAML;
    const char *end = strstr(body, "\n```");
    cr_assert_not_null(end);
    *pos = end + 4;
    (void)md;
    return strndup(body, (size_t)(end - body) + 1);
}

static char *read_doc(void)
{
    char *text;
    size_t len;
    pl_err e;
    cr_assert_eq(plu_read_file(PL_SOURCE_DIR "/docs/configuration.md", &text, &len, &e), PL_OK,
                 "%s", e.msg);
    return text;
}

Test(config, docs_full_example_matches_the_model)
{
    fixed_env();
    plc_config *ref = load_ok(GOOD "full.toml");
    char *want = to_json(ref);
    plc_config_free(ref);
    char *md = read_doc();
    const char *pos = md;
    plc_format fmt;
    char *block;
    int n = 0;
    while ((block = next_block(md, "<!-- full-example -->", &pos, &fmt))) {
        pl_err e;
        plc_doc *doc;
        plc_config *c;
        cr_assert_eq(plc_parse_text(fmt, block, strlen(block), "doc", &doc, &e), PL_OK, "%s",
                     e.msg);
        cr_assert_eq(plc_config_from_doc(doc, GOOD "full.toml", &c, &e), PL_OK, "%s", e.msg);
        char *got = to_json(c);
        cr_assert_str_eq(after_file(got), after_file(want), "example %d differs", n);
        plu_free(got);
        plc_config_free(c);
        free(block);
        n++;
    }
    cr_assert_eq(n, 3);
    plu_free(md);
    plu_free(want);
}

Test(config, docs_manifest_examples_load)
{
    char *md = read_doc();
    const char *pos = md;
    plc_format fmt;
    char *block;
    int n = 0;
    while ((block = next_block(md, "<!-- manifest-example -->", &pos, &fmt))) {
        pl_err e;
        plc_doc *doc;
        plc_manifest *m;
        cr_assert_eq(plc_parse_text(fmt, block, strlen(block), "doc", &doc, &e), PL_OK, "%s",
                     e.msg);
        cr_assert_eq(plc_manifest_from_doc(doc, NULL, &m, &e), PL_OK, "%s", e.msg);
        plc_manifest_free(m);
        free(block);
        n++;
    }
    cr_assert_eq(n, 2);
    plu_free(md);
}

/* ---- the public wrappers --------------------------------------------------------------------------------- */

Test(config, public_api)
{
    fixed_env();
    char err[256];
    pl_config *cfg;
    cr_assert_eq(pl_config_load(GOOD "full.toml", &cfg, err, sizeof err), PL_OK, "%s", err);
    cr_assert_str_eq(pl_config_path(cfg), GOOD "full.toml");
    char *json, *summary;
    cr_assert_eq(pl_config_to_json(cfg, &json), PL_OK);
    cr_assert_eq(pl_config_summary(cfg, &summary), PL_OK);
    cr_assert_not_null(strstr(json, "\"providers\""));
    cr_assert_not_null(strstr(summary, "configuration: "));
    pl_free(json);
    pl_free(summary);
    pl_config_free(cfg);
    cr_assert_eq(pl_config_summary(NULL, &summary), PL_E_MISUSE);
    cr_assert_eq(pl_config_load(PL_TEST_DATA "/config/bad_policy.toml", &cfg, err, 20),
                 PL_E_CONFIG);
    cr_assert_null(cfg);
    cr_assert_eq(strlen(err), 19, "the message is cut to the buffer");
    cr_assert_eq(pl_config_load("/nonexistent.toml", &cfg, err, sizeof err), PL_E_NOT_FOUND);

    pl_manifest *m;
    cr_assert_eq(pl_manifest_load(GOOD "plugin.toml", &m, err, sizeof err), PL_OK, "%s", err);
    cr_assert_eq(pl_manifest_to_json(m, &json), PL_OK);
    cr_assert_not_null(strstr(json, "org.example.hello"));
    pl_free(json);
    pl_manifest_free(m);
    cr_assert_eq(pl_manifest_load(NULL, &m, err, sizeof err), PL_E_INVALID_ARG);
}

Test(config, public_api_defaults_without_a_file)
{
    fixed_env();
    char dir[] = "/tmp/plinth-api-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chdir(dir), 0);
    setenv("HOME", dir, 1);
    char err[256];
    pl_config *cfg;
    cr_assert_eq(pl_config_load(NULL, &cfg, err, sizeof err), PL_OK, "%s", err);
    cr_assert_null(pl_config_path(cfg));
    pl_config_free(cfg);
    rmdir(dir);
}
