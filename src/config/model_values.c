/*
** model_values.c — syntax of the values both models share: URLs, host
** patterns, OCI references, variable and plugin names; enum names; the
** secret-key rule used when printing.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decode.h"

static bool is_alnum(char c) { return isalnum((unsigned char)c) != 0; }
static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static bool why(char *buf, size_t size, const char *text)
{
    if (buf && size)
        snprintf(buf, size, "%s", text);
    return false;
}

/* ---- names ------------------------------------------------------------------ */

bool plc_check_env_name(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (const char *p = s; *p; p++)
        if (!(is_alnum(*p) || *p == '_'))
            return false;
    return true;
}

bool plc_check_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !is_alnum(s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return false;
    return true;
}

/* ---- hosts, ports, URLs --------------------------------------------------------- */

static bool has_space(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s))
            return true;
    return false;
}

/* "host[:port]" at s[0..n): host letters, digits, '.', '-', '_' (and '*',
** '?' when glob), or a bracketed IPv6 address; port digits (or '*'). */
static bool check_authority(const char *s, size_t n, bool glob, char *w, size_t wl)
{
    size_t i = 0;
    if (n && s[0] == '[') {
        while (i < n && s[i] != ']')
            i++;
        if (i == n)
            return why(w, wl, "has an unclosed '[' in its host");
        i++;
    } else {
        for (; i < n && s[i] != ':'; i++)
            if (!(is_alnum(s[i]) || strchr(".-_", s[i]) || (glob && strchr("*?", s[i]))))
                return why(w, wl, "has an invalid character in its host");
    }
    if (i == 0)
        return why(w, wl, "has no host");
    if (i == n)
        return true;
    if (s[i] != ':' || i + 1 == n)
        return why(w, wl, "has an invalid port");
    if (glob && n - i == 2 && s[i + 1] == '*')
        return true;
    unsigned long port = 0;
    for (size_t j = i + 1; j < n; j++) {
        if (!isdigit((unsigned char)s[j]) || port > 65535)
            return why(w, wl, "has an invalid port");
        port = port * 10 + (unsigned long)(s[j] - '0');
    }
    return port >= 1 && port <= 65535 ? true : why(w, wl, "has a port outside 1..65535");
}

bool plc_check_url(const char *s, bool allow_http, char *w, size_t wl)
{
    const char *rest;
    if (strncasecmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (allow_http && strncasecmp(s, "http://", 7) == 0)
        rest = s + 7;
    else
        return why(w, wl, allow_http ? "it needs an http:// or https:// scheme"
                                     : "it needs an https:// scheme");
    if (has_space(s))
        return why(w, wl, "it contains white space");
    size_t n = strcspn(rest, "/?#");
    if (memchr(rest, '@', n))
        return why(w, wl, "credentials do not belong in the URL");
    char sub[64];
    if (!check_authority(rest, n, false, sub, sizeof sub)) {
        if (w && wl)
            snprintf(w, wl, "it %s", sub);
        return false;
    }
    return true;
}

bool plc_check_host_pattern(const char *s, char *w, size_t wl)
{
    if (has_space(s))
        return why(w, wl, "it contains white space");
    const char *host = s, *sch = strstr(s, "://");
    if (sch) {
        if (sch == s)
            return why(w, wl, "it has an empty scheme");
        for (const char *p = s; p < sch; p++)
            if (!(is_alnum(*p) || strchr("+-.*", *p)))
                return why(w, wl, "it has an invalid scheme");
        host = sch + 3;
    }
    size_t n = strcspn(host, "/?#");
    if (host[n] != '\0') {
        if (w && wl)
            snprintf(w, wl, "it has a path; write only [scheme://]host[:port], e.g. '%.*s'",
                     (int)((size_t)(host - s) + n > 80 ? 80 : (size_t)(host - s) + n), s);
        return false;
    }
    char sub[64];
    if (!check_authority(host, n, true, sub, sizeof sub)) {
        if (w && wl)
            snprintf(w, wl, "it %s", sub);
        return false;
    }
    return true;
}

/* ---- field checks ---------------------------------------------------------------- */

pl_status plc_check_http_url(plc_dctx *cx, const plc_member *m, const void *field)
{
    const char *s = *(const char *const *)field;
    char w[128], k[PLC_QUOTE_MAX], v[PLC_QUOTE_MAX];
    if (plc_check_url(s, true, w, sizeof w))
        return PL_OK;
    return plc_fail(cx, &m->value->loc, "'%s' must be an http(s) URL, got '%s' (%s)",
                    plc_quote(k, sizeof k, m->key, m->key_len),
                    plc_quote(v, sizeof v, s, strlen(s)), w);
}

pl_status plc_check_host_list(plc_dctx *cx, const plc_member *m, const void *field)
{
    const plc_strlist *l = field;
    char w[128], k[PLC_QUOTE_MAX], v[PLC_QUOTE_MAX];
    for (size_t i = 0; i < l->len; i++) {
        if (!plc_check_host_pattern(l->items[i], w, sizeof w))
            return plc_fail(cx, &m->value->u.a.items[i]->loc,
                            "'%s' item '%s' is not a host pattern: %s",
                            plc_quote(k, sizeof k, m->key, m->key_len),
                            plc_quote(v, sizeof v, l->items[i], strlen(l->items[i])), w);
    }
    return PL_OK;
}

pl_status plc_check_env_list(plc_dctx *cx, const plc_member *m, const void *field)
{
    const plc_strlist *l = field;
    char k[PLC_QUOTE_MAX], v[PLC_QUOTE_MAX];
    for (size_t i = 0; i < l->len; i++) {
        if (!plc_check_env_name(l->items[i]))
            return plc_fail(cx, &m->value->u.a.items[i]->loc,
                            "'%s' items must be environment variable names like "
                            "DATABASE_URL, got '%s'",
                            plc_quote(k, sizeof k, m->key, m->key_len),
                            plc_quote(v, sizeof v, l->items[i], strlen(l->items[i])));
    }
    return PL_OK;
}

/* ---- OCI references ------------------------------------------------------------------- */

static bool copy_part(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* One path component of a repository: [a-z0-9]+ joined by '.', '_', '__'
** or runs of '-'. */
static bool repo_component_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n;) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_lower_alnum(s[j]))
            j++;
        size_t len = j - i;
        bool dashes = strspn(s + i, "-") >= len;
        if (!(dashes || (len == 1 && strchr("._", s[i])) || (len == 2 && s[i] == '_' && s[i + 1] == '_')))
            return false;
        i = j;
    }
    return true;
}

static bool check_repository(const char *s, size_t n, char *w, size_t wl)
{
    for (size_t i = 0; i < n; i++)
        if (isupper((unsigned char)s[i]))
            return why(w, wl, "the repository must be lowercase");
    for (size_t i = 0; i <= n;) {
        size_t e = i;
        while (e < n && s[e] != '/')
            e++;
        if (!repo_component_ok(s + i, e - i))
            return why(w, wl, "the repository must be lowercase letters and digits separated "
                              "by '/', '.', '_', '__' or '-'");
        i = e + 1;
    }
    return true;
}

static bool check_tag(const char *s, size_t n, char *w, size_t wl)
{
    if (n == 0 || n > 128 || !(is_alnum(s[0]) || s[0] == '_'))
        return why(w, wl, "the tag must be 1-128 letters, digits, '_', '.' or '-' "
                          "(not starting with '.' or '-')");
    for (size_t i = 1; i < n; i++)
        if (!(is_alnum(s[i]) || strchr("_.-", s[i])))
            return why(w, wl, "the tag must be 1-128 letters, digits, '_', '.' or '-' "
                              "(not starting with '.' or '-')");
    return true;
}

static bool check_digest(const char *s, size_t n, char *w, size_t wl)
{
    if (n < 7 || memcmp(s, "sha256:", 7) != 0)
        return why(w, wl, "only sha256 digests are supported (@sha256:<64 hex digits>)");
    if (n != 7 + 64)
        return why(w, wl, "the digest must be sha256: followed by 64 lowercase hex digits");
    for (size_t i = 7; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return why(w, wl, "the digest must be sha256: followed by 64 lowercase hex digits");
    return true;
}

static bool looks_like_registry(const char *s, size_t n)
{
    return memchr(s, '.', n) || memchr(s, ':', n) || memchr(s, '[', n) ||
           (n == 9 && memcmp(s, "localhost", 9) == 0);
}

/* Split "REPO[:TAG]" and check both. */
static bool parse_repo_tag(const char *s, size_t n, plc_oci_ref *out, char *w, size_t wl)
{
    const char *slash = s;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            slash = s + i;
    const char *colon = memchr(slash, ':', n - (size_t)(slash - s));
    size_t rn = colon ? (size_t)(colon - s) : n;
    if (!check_repository(s, rn, w, wl))
        return false;
    if (!copy_part(out->repository, sizeof out->repository, s, rn))
        return why(w, wl, "the repository is longer than 255 characters");
    if (colon) {
        size_t tn = n - rn - 1;
        if (!check_tag(colon + 1, tn, w, wl))
            return false;
        copy_part(out->tag, sizeof out->tag, colon + 1, tn);
    }
    return true;
}

bool plc_oci_ref_parse(const char *ref, plc_oci_ref *out, char *w, size_t wl)
{
    memset(out, 0, sizeof *out);
    if (strncmp(ref, "oci://", 6) != 0)
        return why(w, wl, "it must start with oci://");
    const char *s = ref + 6;
    if (has_space(s))
        return why(w, wl, "it contains white space");
    size_t n = strlen(s);
    const char *at = memchr(s, '@', n);
    size_t main_len = at ? (size_t)(at - s) : n;
    const char *slash = memchr(s, '/', main_len);
    if (!slash || slash == s)
        return why(w, wl, "it needs a registry and a repository, as in "
                          "oci://ghcr.io/org/plugin:1.0");
    size_t hn = (size_t)(slash - s);
    if (!looks_like_registry(s, hn))
        return why(w, wl, "it must start with a registry host, as in "
                          "oci://ghcr.io/org/plugin:1.0");
    char sub[64] = "is too long";
    if (!check_authority(s, hn, false, sub, sizeof sub) ||
        !copy_part(out->registry, sizeof out->registry, s, hn)) {
        if (w && wl)
            snprintf(w, wl, "the registry %s", sub);
        return false;
    }
    if (!parse_repo_tag(slash + 1, main_len - hn - 1, out, w, wl))
        return false;
    if (at && (!check_digest(at + 1, n - main_len - 1, w, wl) ||
               !copy_part(out->digest, sizeof out->digest, at + 1, n - main_len - 1)))
        return false;
    if (!out->tag[0] && !out->digest[0])
        strcpy(out->tag, "latest");
    return true;
}

/* ---- names of enum values ------------------------------------------------------------- */

const char *plc_plugin_kind_name(plc_plugin_kind k)
{
    static const char *const names[] = {"unspecified", "provider", "tool", "prompt", "context"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

const char *plc_source_name(plc_source s)
{
    static const char *const names[] = {"file", "url", "oci", "command"};
    return (size_t)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

const char *plc_artifact_name(plc_artifact a)
{
    static const char *const names[] = {"unknown", "wasm", "native", "process"};
    return (size_t)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

const char *plc_protocol_name(plc_protocol p)
{
    static const char *const names[] = {"none", "jsonrpc", "mcp"};
    return (size_t)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

const char *plc_policy_name(plc_sig_policy p)
{
    static const char *const names[] = {"require", "warn", "off"};
    return (size_t)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

/* ---- secrets ---------------------------------------------------------------------------- */

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t m = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, m) == 0)
            return true;
    return false;
}

bool plc_is_secret_key(const char *key)
{
    return strcasecmp(key, "api_key") == 0 || ends_with_ci(key, "_key") ||
           ends_with_ci(key, "apikey") || ends_with_ci(key, "token") ||
           contains_ci(key, "secret") || contains_ci(key, "password") ||
           contains_ci(key, "passwd");
}
