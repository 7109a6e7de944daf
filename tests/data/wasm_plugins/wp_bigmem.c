/*
** wp_bigmem.c — a tool plugin whose initial memory is over 32 MiB (a
** zero-filled array the linker gives room for), for the memory-cap test:
** under a smaller [limits] mem_bytes it must fail to load.
*/
#include "wp_common.h"

static volatile char big[32u << 20];

PL_EXPORT(touch)
{
    big[sizeof big - 1] = 1;
    return pdk_output_str("touched");
}

PL_EXPORT(plinth_describe) { return wp_describe("wp_bigmem", "tool", NULL); }

PL_EXPORT(plinth_invoke) { return pdk_rpc_error(PDK_RPC_METHOD_NOT_FOUND, "no methods"); }
