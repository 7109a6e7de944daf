/*
** http_allow.c — the allow-list: which hosts a call may reach. A URL is
** parsed once, by libcurl's URL parser, and the parsed handle is what the
** transfer uses, so the checked host is the contacted host.
**
** Glob syntax: [scheme "://"] host [":" port | ":*"]. In the host, "*"
** stands for one or more characters, dots included ("*.example.com"
** matches "a.example.com" and "a.b.example.com", never "example.com").
** Without a port the glob matches any port; IPv6 literals are written in
** brackets ("[::1]:8080"). Hosts compare case-insensitively, a trailing
** root dot ignored.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http_internal.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive wildcard match, '*' taking one or more characters.
** Iterative with one backtrack point: linear enough for host names and
** never recursive on hostile input. */
static bool wild_match(const char *g, size_t gn, const char *s, size_t sn)
{
    size_t gi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < sn) {
        if (gi < gn && g[gi] == '*') {
            star = gi++;
            mark = ++si; /* the star takes at least this character */
        } else if (gi < gn && lower(g[gi]) == lower(s[si])) {
            gi++;
            si++;
        } else if (star != (size_t)-1) {
            gi = star + 1; /* let the star take one more character */
            si = ++mark;
        } else {
            return false;
        }
    }
    return gi == gn;
}

/* host without its IPv6 brackets and trailing root dot. */
static void host_span(const char *h, size_t n, const char **out, size_t *outn)
{
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n > 1 && h[n - 1] == '.')
        n--;
    *out = h;
    *outn = n;
}

/* Split the host[:port] part of a glob. *port: -1 any, else 1..65535.
** False when the glob is malformed (it then matches nothing). */
static bool split_glob(const char *g, size_t n, const char **host, size_t *hn, long *port)
{
    const char *colon = NULL;
    *port = -1;
    if (n && g[0] == '[') {
        const char *close = memchr(g, ']', n);
        if (!close)
            return false;
        *host = g;
        *hn = (size_t)(close - g) + 1;
        if (*hn < n) {
            if (close[1] != ':')
                return false;
            colon = close + 1;
        }
    } else {
        const char *c1 = memchr(g, ':', n);
        /* Two colons without brackets: a bare IPv6 literal, no port. */
        if (c1 && !memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - g)))
            colon = c1;
        *host = g;
        *hn = colon ? (size_t)(colon - g) : n;
    }
    if (!colon)
        return *hn > 0;
    const char *p = colon + 1, *end = g + n;
    if (end - p == 1 && *p == '*')
        return *hn > 0;
    long v = 0;
    if (p == end || end - p > 5)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *port = v;
    return *hn > 0 && v >= 1 && v <= 65535;
}

bool pln_host_glob_match(const char *glob, const char *scheme, const char *host, int port)
{
    if (!glob || !host)
        return false;
    const char *sep = strstr(glob, "://");
    if (sep) {
        size_t sn = (size_t)(sep - glob);
        if (!scheme || strlen(scheme) != sn || strncasecmp(glob, scheme, sn) != 0)
            return false;
        glob = sep + 3;
    }
    size_t n = strlen(glob);
    if (n && glob[n - 1] == '/') /* "https://api.openai.com/" reads naturally */
        n--;
    const char *gh, *hh;
    size_t ghn, hhn;
    long gport;
    if (!split_glob(glob, n, &gh, &ghn, &gport))
        return false;
    if (gport >= 0 && gport != port)
        return false;
    host_span(gh, ghn, &gh, &ghn);
    host_span(host, strlen(host), &hh, &hhn);
    return hhn > 0 && wild_match(gh, ghn, hh, hhn);
}

/* "a, b, c" into out, cut with "..." when long. */
static void list_globs(const char *const *allowed, size_t n, char *out, size_t outlen)
{
    size_t k = 0;
    out[0] = '\0';
    if (!n) {
        snprintf(out, outlen, "empty");
        return;
    }
    for (size_t i = 0; i < n && k < outlen; i++) {
        int w = snprintf(out + k, outlen - k, "%s%s", i ? ", " : "", allowed[i]);
        if (w < 0 || (size_t)w >= outlen - k) {
            if (outlen > 4)
                memcpy(out + outlen - 4, "...", 4);
            return;
        }
        k += (size_t)w;
    }
}

static pl_status url_part(CURLU *h, CURLUPart what, char **out, unsigned flags)
{
    CURLUcode rc = curl_url_get(h, what, out, flags);
    if (rc == CURLUE_OUT_OF_MEMORY)
        return PL_E_NOMEM;
    return rc == CURLUE_OK ? PL_OK : PL_E_INVALID_ARG;
}

/* Is the parsed URL's scheme, host and port allowed? */
static pl_status check_parsed(CURLU *h, const char *const *allowed, size_t n, char *why,
                              size_t whylen)
{
    char *scheme = NULL, *host = NULL, *port = NULL;
    pl_status st = url_part(h, CURLUPART_SCHEME, &scheme, 0);
    if (!st)
        st = url_part(h, CURLUPART_HOST, &host, 0);
    if (!st)
        st = url_part(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (st == PL_E_INVALID_ARG) {
        snprintf(why, whylen, "the URL has no host");
        st = PL_E_DENIED;
    } else if (!st && strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        snprintf(why, whylen, "scheme '%s' is not allowed (only http and https)", scheme);
        st = PL_E_DENIED;
    } else if (!st) {
        int portno = atoi(port);
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = pln_host_glob_match(allowed[i], scheme, host, portno);
        if (!ok) {
            char list[400];
            list_globs(allowed, n, list, sizeof list);
            snprintf(why, whylen, "host '%s' is not in the allow-list (%s)", host, list);
            st = PL_E_DENIED;
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    return st;
}

pl_status pln__url_check(const char *url, const char *const *allowed, size_t n, CURLU **out,
                         char *why, size_t whylen)
{
    char scratch[1];
    if (!why || !whylen) {
        why = scratch;
        whylen = sizeof scratch;
    }
    why[0] = '\0';
    *out = NULL;
    if (!pln__curl_init())
        return PL_E_NOMEM;
    CURLU *h = curl_url();
    if (!h)
        return PL_E_NOMEM;
    /* No flags: the scheme is required, and only schemes this libcurl
    ** speaks parse at all. */
    CURLUcode rc = url ? curl_url_set(h, CURLUPART_URL, url, 0) : CURLUE_MALFORMED_INPUT;
    pl_status st;
    if (rc == CURLUE_OUT_OF_MEMORY) {
        st = PL_E_NOMEM;
    } else if (rc != CURLUE_OK) {
        snprintf(why, whylen, "the URL is not valid (%s)", curl_url_strerror(rc));
        st = PL_E_INVALID_ARG;
    } else {
        st = check_parsed(h, allowed, n, why, whylen);
    }
    if (st) {
        curl_url_cleanup(h);
        return st;
    }
    *out = h;
    return PL_OK;
}

bool pln_url_allowed(const char *url, const char *const *allowed, size_t n, char *why,
                     size_t whylen)
{
    CURLU *h;
    pl_status st = pln__url_check(url, allowed, n, &h, why, whylen);
    if (st == PL_E_NOMEM && why && whylen)
        snprintf(why, whylen, "out of memory");
    curl_url_cleanup(h);
    return st == PL_OK;
}

void pln__shown_url(const char *url, char *out, size_t outlen)
{
    if (!url) {
        snprintf(out, outlen, "(no URL)");
        return;
    }
    const char *p = strstr(url, "://");
    const char *auth = p ? p + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            at = auth + i;
    size_t plen = p ? (size_t)(auth - url) : 0;
    const char *rest = at ? at + 1 : auth;
    size_t rlen = strcspn(rest, "?#");
    int more = rest[rlen] == '?';
    snprintf(out, outlen, "%.*s%.*s%s", (int)plen, url, (int)(rlen > 400 ? 400 : rlen), rest,
             more ? "?..." : rlen > 400 ? "..." : "");
}
