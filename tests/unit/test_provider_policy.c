/*
** test_provider_policy.c — what a provider's configuration makes of the
** HTTP client's policy (plh_policy): the [limits] keys, host-wide and per
** provider, reach pln_policy unchanged, and without them a call keeps the
** defaults it always had. The end-to-end effect (max_retries = 0 sends a
** request once) is in tests/integration/test_openai.c.
*/
#include <criterion/criterion.h>
#include <string.h>

#include "config/model.h"
#include "core/provider.h"

static plc_config *config_of(const char *toml)
{
    pl_err e;
    plu_err_clear(&e);
    plc_doc *doc = NULL;
    cr_assert_eq(plc_parse_text(PLC_FORMAT_TOML, toml, strlen(toml), "policy.toml", &doc, &e),
                 PL_OK, "%s", e.msg);
    plc_config *c = NULL;
    cr_assert_eq(plc_config_from_doc(doc, NULL, &c, &e), PL_OK, "%s", e.msg);
    return c;
}

static pln_policy policy_of(const plc_config *c, const char *name)
{
    plh_plugin p;
    memset(&p, 0, sizeof p);
    p.conf = plc_config_plugin(c, name);
    cr_assert_not_null(p.conf, "no provider %s", name);
    pln_policy pol;
    plh_policy(&p, &pol);
    return pol;
}

Test(provider_policy, defaults_are_three_attempts_as_before)
{
    plc_config *c = config_of("[[providers]]\nname = \"a\"\npath = \"a.so\"\n");
    pln_policy pol = policy_of(c, "a");
    cr_assert_eq(pol.max_retries, 2);
    cr_assert_eq(pol.connect_timeout_ms, 10000);
    cr_assert_eq(pol.retry_base_ms, 500);
    cr_assert_eq(pol.retry_max_wait_ms, 30000);
    cr_assert_eq(pol.total_timeout_ms, 5000);
    cr_assert_eq(pol.max_body_bytes, 16777216);
    plc_config_free(c);
}

Test(provider_policy, host_wide_keys_and_provider_overrides_reach_the_client)
{
    plc_config *c = config_of("[limits]\n"
                              "max_retries = 5\nretry_base_ms = 100\n"
                              "retry_max_wait_ms = 2000\nconnect_timeout_ms = 3000\n"
                              "[[providers]]\nname = \"inherits\"\npath = \"a.so\"\n"
                              "[[providers]]\nname = \"own\"\npath = \"b.so\"\n"
                              "[providers.limits]\nmax_retries = 0\nconnect_timeout_ms = 250\n"
                              "wall_timeout_ms = 9000\n");
    pln_policy pol = policy_of(c, "inherits");
    cr_assert_eq(pol.max_retries, 5);
    cr_assert_eq(pol.retry_base_ms, 100);
    cr_assert_eq(pol.retry_max_wait_ms, 2000);
    cr_assert_eq(pol.connect_timeout_ms, 3000);
    pol = policy_of(c, "own");
    cr_assert_eq(pol.max_retries, 0, "0 is a value, not 'the default'");
    cr_assert_eq(pol.connect_timeout_ms, 250);
    cr_assert_eq(pol.total_timeout_ms, 9000);
    cr_assert_eq(pol.retry_base_ms, 100, "what the entry does not set comes from [limits]");
    cr_assert_eq(pol.retry_max_wait_ms, 2000);
    plc_config_free(c);
}
