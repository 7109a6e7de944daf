/*
** fake_host.h — a minimal host for driving native plugins in tests
** (prefix fh_): a pl_host_api whose sink records everything a plugin says
** (written bytes, emitted chunks, the error with its kind and detail, log
** lines) and whose request object records the HTTP request it builds.
**
** It completes the two types the ABI keeps opaque, so tests can look
** inside. It does not use libplinth (which has its own, different
** definitions of these types: nothing here is shared with it).
**
** Everything is single-threaded and allocates with malloc; a failed
** allocation aborts, since a test cannot go on without its record.
*/
#ifndef PL_TESTS_FAKE_HOST_H
#define PL_TESTS_FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* By path: the pl_support library is not given sdk/ as an include
** directory (the tests are), and this header must build in both. */
#include "../../sdk/plinth_plugin.h"

struct pl_plugin_sink {
    char *out; /* bytes from write(), NUL-terminated */
    size_t out_len;
    char **chunks; /* each emit()'s JSON, NUL-terminated */
    size_t n_chunks;
    bool failed; /* error() was called */
    uint32_t kind;
    char *message;
    bool has_detail; /* error_detail() was called */
    int http_status;
    char *code;
    long retry_after_ms;
    /* Knobs: cancelled() returns cancel; emit() refuses (returns 1, and sets
    ** cancel) once max_chunks chunks were taken, when max_chunks > 0;
    ** cancelled() sets cancel on its cancel_after_polls-th call, when that
    ** is > 0 (a cancel that arrives mid-call, without threads). */
    int cancel;
    size_t max_chunks;
    size_t cancel_after_polls;
    size_t polls; /* calls of cancelled() so far */
};

struct pl_plugin_http_out {
    char *method; /* NULL until http_method() */
    char *url;
    char **header_names, **header_values;
    size_t n_headers;
    char *body; /* NUL-terminated */
    size_t body_len;
};

/* The services table (a static one; log lines go to fh_log_lines). */
const pl_host_api *fh_api(void);

void fh_sink_init(pl_plugin_sink *s);
void fh_sink_free(pl_plugin_sink *s);

void fh_req_init(pl_plugin_http_out *r);
void fh_req_free(pl_plugin_http_out *r);
/* The value of the first header called name (exact case), or NULL. */
const char *fh_req_header(const pl_plugin_http_out *r, const char *name);
/* How many headers called name were added. */
size_t fh_req_header_count(const pl_plugin_http_out *r, const char *name);

/* A response for the parse_* members; headers are "name", "value" pairs,
** n_pairs of them. The arrays are borrowed, body is copied (and
** NUL-terminated). Free with fh_response_free. */
typedef struct fh_response {
    pl_plugin_http_response r;
    char *body_copy;
} fh_response;
void fh_response_init(fh_response *fr, int status, const char *body, const char *const *names,
                      const char *const *values, size_t n_headers);
void fh_response_free(fh_response *fr);

/* A loaded plugin: the library, its vtable and (after fh_plugin_init) its
** instance. */
typedef struct fh_plugin {
    void *dl;
    const pl_plugin_vtable *vt;
    void *instance;
    bool initialised;
} fh_plugin;

/* dlopen path and call its entry point. 0, or -1 with why filled in. */
int fh_plugin_open(fh_plugin *p, const char *path, char *why, size_t whylen);
/* init with config_json; on failure err holds the plugin's error. */
int fh_plugin_init(fh_plugin *p, const char *config_json, pl_plugin_sink *err);
/* shutdown (when initialised) and unload. */
void fh_plugin_close(fh_plugin *p);

/* Read a whole file into a new NUL-terminated string (NULL on error). */
char *fh_read_file(const char *path, size_t *len);

/* Log lines the plugins wrote through fh_api()->log, newest last. */
extern char fh_log_last[512];
extern size_t fh_log_count;

#endif
