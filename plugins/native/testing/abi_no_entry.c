/*
** abi_no_entry.c — a shared library that is not a plinth plugin: it
** exports a function, but not plinth_plugin_v1. The loader must say so
** instead of crashing or loading it.
*/
#include "plinth_plugin.h"

PL_PLUGIN_EXPORT int plinth_plugin_v0(void);
PL_PLUGIN_EXPORT int plinth_plugin_v0(void) { return 0; }
