/*
** api.c — small public entry points with no better home: the library's
** version and pl_free.
*/
#include "plinth/plinth.h"
#include "util/util.h"

PL_API const char *pl_version(void) { return PL_VERSION_STRING; }

PL_API uint32_t pl_version_num(void) { return PL_VERSION_NUM; }

PL_API void pl_free(void *ptr) { plu_free(ptr); }
