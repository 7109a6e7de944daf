/*
** abi_major.c — a provider built for plugin ABI 2.x. The loader must
** refuse it before reading anything past the fixed header.
*/
#include "abi_common.h"

static const pl_plugin_vtable vt = {
    /* Written out instead of PL_PLUGIN_HEADER, which says ABI 1. */
    .abi_major = 2,
    .abi_minor = 0,
    .struct_size = (uint32_t)sizeof(pl_plugin_vtable),
    .name = "abi_major",
    .version = "0.1.0",
    ABI_PROVIDER_MEMBERS,
};

ABI_ENTRY(vt)
