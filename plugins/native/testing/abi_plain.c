/*
** abi_plain.c — a valid direct provider that breaks no loading rule and
** knows nothing of streaming: its chat writes one whole reply even when the
** request asks for a stream. The host must replay that reply as chunks.
*/
#include "abi_common.h"

static const pl_plugin_vtable vt = {
    PL_PLUGIN_HEADER("abi_plain", "0.1.0"),
    ABI_PROVIDER_MEMBERS,
};

ABI_ENTRY(vt)
