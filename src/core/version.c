/* version.c — the library's version, for header/library mismatch checks. */
#include "plinth/plinth.h"

PL_API const char *pl_version(void) { return PL_VERSION_STRING; }

PL_API uint32_t pl_version_num(void) { return PL_VERSION_NUM; }
