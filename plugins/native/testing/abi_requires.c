/*
** abi_requires.c — a valid provider that needs plinth 99 or later, so no
** current plinth may load it (requires_version).
*/
#include "abi_common.h"

static const pl_plugin_vtable vt = {
    PL_PLUGIN_HEADER("abi_requires", "0.1.0"),
    .requires_version = ">=99.0.0",
    ABI_PROVIDER_MEMBERS,
};

ABI_ENTRY(vt)
