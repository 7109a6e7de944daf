/*
** abi_small.c — a provider whose struct_size stops before the chat
** members (as if built against an older header). The members are filled
** in anyway: the loader must trust struct_size, not non-NULL pointers, and
** refuse it as a provider without a chat operation.
*/
#include <stddef.h>

#include "abi_common.h"

static const pl_plugin_vtable vt = {
    .abi_major = PL_PLUGIN_ABI_MAJOR,
    .abi_minor = PL_PLUGIN_ABI_MINOR,
    .struct_size = (uint32_t)offsetof(pl_plugin_vtable, list_models_request),
    .name = "abi_small",
    .version = "0.1.0",
    ABI_PROVIDER_MEMBERS,
};

ABI_ENTRY(vt)
