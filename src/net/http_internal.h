/*
** http_internal.h — what the files of src/net share and nobody else needs.
*/
#ifndef PL_NET_HTTP_INTERNAL_H
#define PL_NET_HTTP_INTERNAL_H

#include <curl/curl.h>

#include "net/http.h"

/* curl_global_init, once per process (pthread_once): it is not thread-safe
** in every libcurl build. Returns false when it failed. */
bool pln__curl_init(void);

/* Parse url with libcurl's own parser into *out (curl_url_cleanup it) and
** check it against the allow-list. The parsed handle is what the transfer
** then uses (CURLOPT_CURLU), so the host that was checked is the host that
** is contacted: no second parser can read the URL differently.
** PL_OK, PL_E_DENIED (why says so) or PL_E_NOMEM. */
pl_status pln__url_check(const char *url, const char *const *allowed, size_t n, CURLU **out,
                         char *why, size_t whylen);

/* The URL as error messages show it: no user:password@, and the query cut
** to "?..." (query strings carry API keys: Google's ?key=). */
void pln__shown_url(const char *url, char *out, size_t outlen);

#endif
