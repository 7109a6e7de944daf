/*
** format.c — choosing a reader by file extension, and reading files.
*/
#include <string.h>
#include <strings.h>

#include "doc.h"

plc_format plc_format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return PLC_FORMAT_UNKNOWN;
    if (strcasecmp(dot, ".toml") == 0)
        return PLC_FORMAT_TOML;
    if (strcasecmp(dot, ".json") == 0)
        return PLC_FORMAT_JSON;
    if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
        return PLC_FORMAT_YAML;
    return PLC_FORMAT_UNKNOWN;
}

pl_status plc_parse_text(plc_format fmt, const char *text, size_t len,
                         const char *file, plc_doc **out, pl_err *err)
{
    *out = NULL;
    switch (fmt) {
    case PLC_FORMAT_TOML:
        return plc_parse_toml(text, len, file, out, err);
    case PLC_FORMAT_JSON:
        return plc_parse_json(text, len, file, 0, out, err);
    case PLC_FORMAT_YAML:
        return plc_parse_yaml(text, len, file, out, err);
    default:
        return plu_errf(err, PL_E_UNSUPPORTED, NULL,
                        "%s: unknown file format (expected .toml, .json, .yaml or .yml)",
                        file ? file : "<input>");
    }
}

pl_status plc_parse_file(const char *path, plc_doc **out, pl_err *err)
{
    *out = NULL;
    plc_format fmt = plc_format_of(path);
    if (fmt == PLC_FORMAT_UNKNOWN)
        return plc_parse_text(fmt, NULL, 0, path, out, err);
    char *text;
    size_t len;
    pl_status st = plu_read_file(path, &text, &len, err);
    if (st != PL_OK)
        return st;
    st = plc_parse_text(fmt, text, len, path, out, err);
    plu_free(text);
    return st;
}
