/*
** bench_plugin.c — the test plugin of bench_extism, built for wasm32 by
** clang-19 without libc (-nostdlib -DPDK_NO_LIBC) on plinth's kit:
**
**   nop              the empty Extism-convention call: reads no input,
**                    sets no output, returns 0. Written without PL_EXPORT,
**                    so not even the kit's heap reset runs.
**   move             moves bytes across the boundary the way a provider
**                    does and does nothing else: reads its whole input
**                    (the first 8 bytes, little-endian, are the output
**                    length L) with pdk_input, then outputs L bytes of
**                    its heap with pdk_output. The same kit functions as
**                    the openai plugin, so it costs what the boundary
**                    costs that plugin for the same sizes.
**   plinth_describe  plinth's tool ABI, so the host loads the plugin as a
**   plinth_invoke    tool (kind "tool", no tools) and pl_plugin_call can
**                    reach nop.
*/
#include "plinth_pdk.h"

__attribute__((export_name("nop"))) int32_t bench_nop(void);
int32_t bench_nop(void)
{
    return 0;
}

PL_EXPORT(move)
{
    size_t n = 0;
    unsigned char *in = (unsigned char *)pdk_input(&n);
    if (!in)
        return pdk_error("out of memory");
    uint64_t len = 0;
    for (size_t i = 0; i < 8 && i < n; i++)
        len |= (uint64_t)in[i] << (8 * i);
    void *out = pdk_malloc((size_t)len);
    return out ? pdk_output(out, (size_t)len) : pdk_error("out of memory");
}

PL_EXPORT(plinth_describe)
{
    return pdk_output_str("{\"id\":\"dev.plinth.bench\",\"name\":\"bench\",\"version\":\"0.1.0\","
                          "\"kind\":\"tool\",\"description\":\"bench_extism's test plugin\","
                          "\"tools\":[]}");
}

PL_EXPORT(plinth_invoke)
{
    return pdk_output_str("{\"tools\":[]}");
}
