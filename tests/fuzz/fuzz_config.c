/*
** fuzz_config.c — libFuzzer target for the whole configuration loader:
** bytes -> reader -> document -> typed model -> JSON and summary -> free.
**
** The first byte picks what the rest is:
**   bits 0-1  format: 0 TOML, 1 JSON, 2 YAML, 3 TOML
**   bit 2     decode as a plugin manifest instead of a host configuration
**   bit 3     instead: the rest is one line checked as a semver version and
**             range, an OCI reference and a host pattern
** Seeds in corpus/config/ start with that byte.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode.h"
#include "config/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_values(const char *s, size_t n)
{
    char *z = malloc(n + 1);
    if (!z)
        return;
    memcpy(z, s, n);
    z[n] = '\0';
    char why[160];
    plc_semver v;
    plc_oci_ref ref;
    if (plc_semver_parse(z, &v)) {
        plc_semver w = v;
        if (plc_semver_cmp(&v, &w) != 0)
            abort();
        if (plc_semver_match(z, &v) != 1) /* a version matches itself */
            abort();
    }
    plc_semver one = {1, 2, 3, NULL, 0};
    int m = plc_semver_match(z, &one);
    if ((m < 0) != !plc_semver_range_valid(z, why, sizeof why))
        abort();
    plc_oci_ref_parse(z, &ref, why, sizeof why);
    plc_check_host_pattern(z, why, sizeof why);
    plc_check_url(z, true, why, sizeof why);
    free(z);
}

static void fuzz_config(plc_doc *doc)
{
    pl_err e;
    plc_config *c;
    if (plc_config_from_doc(doc, NULL, &c, &e) != PL_OK)
        return;
    plu_buf b;
    plu_buf_init(&b);
    plc_config_to_json(c, 2, &b);
    plc_config_summary(c, &b);
    plu_buf_free(&b);
    plc_config_free(c);
}

static void fuzz_manifest(plc_doc *doc)
{
    pl_err e;
    plc_manifest *m;
    if (plc_manifest_from_doc(doc, NULL, &m, &e) != PL_OK)
        return;
    plu_buf b;
    plu_buf_init(&b);
    plc_manifest_to_json(m, 0, &b);
    plc_manifest_summary(m, &b);
    plu_buf_free(&b);
    plc_manifest_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const plc_format formats[] = {PLC_FORMAT_TOML, PLC_FORMAT_JSON, PLC_FORMAT_YAML,
                                         PLC_FORMAT_TOML};
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (sel & 8) {
        fuzz_values(text, len);
        return 0;
    }
    setenv("HOME", "/home/fuzz", 0);
    pl_err e;
    plc_doc *doc;
    if (plc_parse_text(formats[sel & 3], text, len, "fuzz", &doc, &e) != PL_OK)
        return 0;
    if (sel & 4)
        fuzz_manifest(doc);
    else
        fuzz_config(doc);
    return 0;
}
