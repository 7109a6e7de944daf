/*
** semver.h — Semantic Versioning 2.0.0 versions and version ranges
** (prefix plc_semver_). Used for manifest `version` and `requires_version`
** (a plugin's range is checked against plinth's own version).
**
** Range syntax (npm-style, the forms plugin authors know):
**   *  x  ""            any version
**   1.2.3  =1.2.3       exactly 1.2.3
**   1  1.x  1.*         >=1.0.0 <2.0.0      (partial = x-range)
**   1.2  1.2.x          >=1.2.0 <1.3.0
**   ^1.2.3              >=1.2.3 <2.0.0      (^0.2.3: <0.3.0, ^0.0.3: <0.0.4)
**   ~1.2.3  ~1.2        >=1.2.x <1.3.0      (~1: <2.0.0)
**   >=1.2  >1.2  <2  <=1.4   comparisons; a missing part reads as 0 for
**                       >= and <, and as "the whole x-range" for > and <=
**   A B  or  A, B       both (a set); sets joined with || mean either
** A pre-release version (1.3.0-beta.1) satisfies a set only when one of
** the set's comparators names the same major.minor.patch with a
** pre-release, as npm does, so ">=1.2" never picks up 2.0.0-alpha.
** Build metadata (+...) is accepted and ignored.
*/
#ifndef PL_CONFIG_SEMVER_H
#define PL_CONFIG_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plc_semver {
    uint64_t major, minor, patch;
    const char *pre; /* pre-release identifiers, pointing into the parsed
                        text (not NUL-terminated); NULL when none */
    size_t pre_len;
} plc_semver;

/* Parse a full version "1.2.3[-pre][+build]" (no leading 'v', no leading
** zeros). The result borrows from s. False when s is not a version. */
bool plc_semver_parse(const char *s, plc_semver *out);
bool plc_semver_parse_n(const char *s, size_t n, plc_semver *out);

/* <0, 0, >0 by SemVer precedence (build metadata ignored). */
int plc_semver_cmp(const plc_semver *a, const plc_semver *b);

/* Does v satisfy range? 1 yes, 0 no, -1 the range is malformed. */
int plc_semver_match(const char *range, const plc_semver *v);

/* Check a range's syntax. On false, why (when non-NULL) holds a reason. */
bool plc_semver_range_valid(const char *range, char *why, size_t whylen);

#endif
