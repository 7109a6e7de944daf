/*
** abi_minor.c — a provider that says it needs plugin ABI 1.99, newer than
** any host: the loader must refuse it (OBS's policy), since the plugin may
** rely on host services that do not exist yet.
*/
#include "abi_common.h"

static const pl_plugin_vtable vt = {
    .abi_major = PL_PLUGIN_ABI_MAJOR,
    .abi_minor = 99,
    .struct_size = (uint32_t)sizeof(pl_plugin_vtable),
    .name = "abi_minor",
    .version = "0.1.0",
    ABI_PROVIDER_MEMBERS,
};

ABI_ENTRY(vt)
