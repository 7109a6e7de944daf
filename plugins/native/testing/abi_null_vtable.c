/*
** abi_null_vtable.c — an entry point that declines to load (as a plugin
** does when, say, the CPU lacks an instruction set it needs): NULL with a
** reason in err->message, which the loader must pass on.
*/
#include <stdio.h>

#include "plinth_plugin.h"

PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(const pl_host_api *host,
                                                          pl_plugin_err *err);
PL_PLUGIN_EXPORT const pl_plugin_vtable *plinth_plugin_v1(const pl_host_api *host,
                                                          pl_plugin_err *err)
{
    snprintf(err->message, sizeof err->message, "not today");
    return NULL;
}
