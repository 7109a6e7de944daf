/*
** test_plugin_abi.c — the ABI test plugins (plugins/native/testing) break
** exactly the rule their name says, and nothing else, so the loader's
** tests that use them test what they claim to.
*/
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"

#define TESTING_DIR PL_PLUGIN_DIR "/testing/"

static fh_plugin P;

static void teardown(void) { fh_plugin_close(&P); }

TestSuite(abi_plugins, .fini = teardown);

static const pl_plugin_vtable *open_ok(const char *name)
{
    char path[512], why[512];
    snprintf(path, sizeof path, TESTING_DIR "%s.so", name);
    cr_assert_eq(fh_plugin_open(&P, path, why, sizeof why), 0, "%s", why);
    return P.vt;
}

/* Everything but the broken rule is a valid provider: it chats. */
static void assert_chats(const pl_plugin_vtable *vt)
{
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_eq(vt->init(fh_api(), "{}", &P.instance, &s), 0);
    P.initialised = true;
    cr_assert_eq(vt->chat(P.instance, "{\"cfg\":{},\"messages\":[]}", &s), 0);
    cr_assert(strstr(s.out, "\"finish_reason\":\"Stop\""), "%s", s.out);
    fh_sink_free(&s);
}

Test(abi_plugins, no_entry)
{
    char why[512];
    cr_assert_neq(fh_plugin_open(&P, TESTING_DIR "abi_no_entry.so", why, sizeof why), 0);
    cr_assert(strstr(why, "no plinth_plugin_v1"), "%s", why);
}

Test(abi_plugins, major)
{
    const pl_plugin_vtable *vt = open_ok("abi_major");
    cr_assert_eq(vt->abi_major, 2);
    cr_assert_eq(vt->struct_size, sizeof(pl_plugin_vtable));
}

Test(abi_plugins, minor)
{
    const pl_plugin_vtable *vt = open_ok("abi_minor");
    cr_assert_eq(vt->abi_major, PL_PLUGIN_ABI_MAJOR);
    cr_assert_eq(vt->abi_minor, 99);
    assert_chats(vt);
}

Test(abi_plugins, small)
{
    const pl_plugin_vtable *vt = open_ok("abi_small");
    cr_assert_eq(vt->struct_size, offsetof(pl_plugin_vtable, list_models_request));
    cr_assert_eq(vt->kind, PL_PLUGIN_KIND_PROVIDER);
    /* covers the provider metadata, not the chat members */
    cr_assert_geq(vt->struct_size, offsetof(pl_plugin_vtable, stream_framing) + sizeof(uint32_t));
    cr_assert_lt(vt->struct_size, offsetof(pl_plugin_vtable, chat_request));
}

Test(abi_plugins, requires)
{
    const pl_plugin_vtable *vt = open_ok("abi_requires");
    cr_assert_str_eq(vt->requires_version, ">=99.0.0");
    assert_chats(vt);
}

Test(abi_plugins, init_fails)
{
    const pl_plugin_vtable *vt = open_ok("abi_init_fails");
    pl_plugin_sink s;
    fh_sink_init(&s);
    cr_assert_neq(fh_plugin_init(&P, "{}", &s), 0);
    cr_assert_eq(s.kind, PL_PLUGIN_ERR_CONFIG);
    cr_assert_str_eq(s.message, "missing table 'x'");
    cr_assert_not_null(vt->chat);
    fh_sink_free(&s);
}

Test(abi_plugins, null_vtable)
{
    char why[512];
    cr_assert_neq(fh_plugin_open(&P, TESTING_DIR "abi_null_vtable.so", why, sizeof why), 0);
    cr_assert(strstr(why, "entry returned NULL: not today"), "%s", why);
}
