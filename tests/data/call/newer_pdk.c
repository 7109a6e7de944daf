/*
** newer_pdk.c — a test plugin (no libc) that imports an `extism:host/env`
** function no host has: what a plugin built with a newer PDK looks like.
*/
#include "guest.h"

ENV(frobnicate) void env_frobnicate(void);

EXPORT(run) int32_t run(void)
{
    env_frobnicate();
    return 0;
}
