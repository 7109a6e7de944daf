/*
** abi_init_fails.c — a provider whose init refuses its configuration, the
** way a real one does: host->error with PL_PLUGIN_ERR_CONFIG, then
** non-zero. The loader must report the plugin's own message.
*/
#include "abi_common.h"

static int refuse_init(const pl_host_api *host, const char *config_json, void **instance,
                       pl_plugin_sink *err)
{
    *instance = NULL;
    return host->error(err, PL_PLUGIN_ERR_CONFIG, "missing table 'x'");
}

static const pl_plugin_vtable vt = {
    PL_PLUGIN_HEADER("abi_init_fails", "0.1.0"),
    .kind = PL_PLUGIN_KIND_PROVIDER,
    .wire_version = PL_PLUGIN_WIRE_VERSION,
    .init = refuse_init,
    .shutdown = abi_shutdown,
    .chat = abi_chat,
};

ABI_ENTRY(vt)
