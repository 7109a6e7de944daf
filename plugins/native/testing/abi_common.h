/*
** abi_common.h — what the ABI test plugins share: a provider that would
** work (init, shutdown, a direct chat with a fixed answer), so that each
** plugin breaks exactly the one rule its name says. Each plugin is one .c
** file including this; everything here is static.
*/
#ifndef PL_PLUGIN_ABI_COMMON_H
#define PL_PLUGIN_ABI_COMMON_H

#include "plinth_plugin.h"

/* These plugins keep no instance, so the entry point remembers the host's
** table for abi_chat. */
static const pl_host_api *abi_host;

/* Not every plugin uses every helper (abi_init_fails has its own init). */
#define ABI_HELPER static __attribute__((unused))

ABI_HELPER int abi_init(const pl_host_api *host, const char *config_json, void **instance,
                        pl_plugin_sink *err)
{
    *instance = NULL;
    return 0;
}

ABI_HELPER void abi_shutdown(void *instance) {}

ABI_HELPER int abi_chat(void *instance, const char *req_json, pl_plugin_sink *out)
{
    static const char reply[] = "{\"text\":\"ok\",\"tool_calls\":null,\"thinking\":null,"
                                "\"usage\":null,\"finish_reason\":\"Stop\"}";
    return abi_host->write(out, reply, sizeof reply - 1) == 0 ? 0 : -1;
}

/* The members of a valid direct provider, for a vtable initializer. */
#define ABI_PROVIDER_MEMBERS                                                       \
    .kind = PL_PLUGIN_KIND_PROVIDER, .wire_version = PL_PLUGIN_WIRE_VERSION,       \
    .init = abi_init, .shutdown = abi_shutdown, .chat = abi_chat

/* The entry point for a static vtable vt, remembering the host. */
#define ABI_ENTRY(vt)                                                              \
    PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(const pl_host_api *host, \
                                                              pl_plugin_err *err); \
    PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(const pl_host_api *host, \
                                                              pl_plugin_err *err)  \
    {                                                                              \
        abi_host = host;                                                           \
        return &(vt);                                                              \
    }

#endif
