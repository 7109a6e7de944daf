/*
** http_request.c — requests and responses as plain data: building them,
** refusing header values that would split a request (CR, LF, NUL), and
** reading Retry-After.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "net/http.h"

/* RFC 9110 token characters: what a method and a header name may hold. */
static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

void pln_request_init(pln_request *r)
{
    memset(r, 0, sizeof *r);
    plu_buf_init(&r->body);
}

static void free_headers(pln_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        plu_free(h[i].name);
        plu_free(h[i].value);
    }
    plu_free(h);
}

void pln_request_free(pln_request *r)
{
    plu_free(r->method);
    plu_free(r->url);
    free_headers(r->headers, r->n_headers);
    plu_buf_free(&r->body);
    pln_request_init(r);
}

int pln_request_set_method(pln_request *r, const char *method)
{
    if (!is_token(method))
        return -1;
    char *m = plu_strdup(method);
    if (!m)
        return -1;
    plu_free(r->method);
    r->method = m;
    return 0;
}

int pln_request_set_url(pln_request *r, const char *url)
{
    /* Spaces and control characters are never part of a URL; refusing them
    ** here keeps them out of request lines and error messages. */
    if (!url || !*url)
        return -1;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return -1;
    char *u = plu_strdup(url);
    if (!u)
        return -1;
    plu_free(r->url);
    r->url = u;
    return 0;
}

/* Grow a header array by one slot; the caller fills it. */
static pln_header *header_slot(pln_header **arr, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        pln_header *p = plu_realloc(*arr, nc * sizeof *p);
        if (!p)
            return NULL;
        *arr = p;
        *cap = nc;
    }
    return &(*arr)[*n];
}

int pln_request_add_header(pln_request *r, const char *name, const char *value)
{
    if (!is_token(name) || !value || strpbrk(value, "\r\n"))
        return -1;
    pln_header *h = header_slot(&r->headers, &r->n_headers, &r->cap_headers);
    if (!h)
        return -1;
    h->name = plu_strdup(name);
    h->value = plu_strdup(value);
    if (!h->name || !h->value) {
        plu_free(h->name);
        plu_free(h->value);
        return -1;
    }
    r->n_headers++;
    return 0;
}

int pln_request_append_body(pln_request *r, const void *data, size_t len)
{
    return plu_buf_append(&r->body, data, len);
}

void pln_response_init(pln_response *r)
{
    memset(r, 0, sizeof *r);
    plu_buf_init(&r->body);
}

void pln_response_free(pln_response *r)
{
    free_headers(r->headers, r->n_headers);
    plu_buf_free(&r->body);
    pln_response_init(r);
}

int pln_response_add_header(pln_response *r, const char *name, size_t nlen, const char *value,
                            size_t vlen)
{
    pln_header *h = header_slot(&r->headers, &r->n_headers, &r->cap_headers);
    if (!h)
        return -1;
    h->name = plu_strndup(name, nlen);
    h->value = plu_strndup(value, vlen);
    if (!h->name || !h->value) {
        plu_free(h->name);
        plu_free(h->value);
        return -1;
    }
    for (char *p = h->name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    r->n_headers++;
    return 0;
}

const char *pln_response_header(const pln_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* A day is the most any server may make us wait; larger values are clamped
** so the arithmetic below cannot overflow. */
#define RETRY_AFTER_MAX_MS (24L * 3600 * 1000)

static long parse_ms_header(const char *v)
{
    /* OpenAI sends retry-after-ms, possibly with a fraction ("20.5"). */
    char *end;
    double ms = strtod(v, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == v || *end || !(ms >= 0)) /* !(>= 0) also refuses NaN */
        return -1;
    if (ms > RETRY_AFTER_MAX_MS)
        return RETRY_AFTER_MAX_MS;
    long whole = (long)ms;
    return whole + (ms > (double)whole); /* round up: never retry early */
}

static long parse_retry_after(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (isdigit((unsigned char)*v)) {
        long s = 0;
        const char *p = v;
        for (; isdigit((unsigned char)*p); p++)
            if (s < RETRY_AFTER_MAX_MS / 1000)
                s = s * 10 + (*p - '0');
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return s * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : s * 1000;
    }
    /* An HTTP-date; curl_getdate reads the three formats RFC 9110 allows. */
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    if (t <= now)
        return 0;
    double ms = difftime(t, now) * 1000.0;
    return ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : (long)ms;
}

long pln_retry_after_ms(const pln_response *resp)
{
    const char *v = pln_response_header(resp, "retry-after-ms");
    long ms = v ? parse_ms_header(v) : -1;
    if (ms >= 0)
        return ms;
    v = pln_response_header(resp, "retry-after");
    return v ? parse_retry_after(v) : -1;
}
