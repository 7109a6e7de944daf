/*
** config_parse.c — how fast plinth reads a large configuration.
**
** Generates one configuration (PROVIDERS [[providers]] entries with nested
** config tables, plus tool plugins and the fixed sections) and writes it as
** TOML, JSON and YAML with the same content. For each format it prints:
**   parse   — text to plinth's document tree (every value with file:line:col)
**   load    — parse plus the typed model (pl_config_load on a file)
**   library — the bare third-party parser alone, as a baseline (jansson's
**             json_loadb, libfyaml's document build); TOML has none in
**             Debian, so its baseline column is empty.
** Figures are MB/s of input text, best of ROUNDS runs.
**
** usage: bench_config_parse [PROVIDERS] [ROUNDS]
*/
#include <jansson.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/doc.h"
#include "plinth/plinth.h"

typedef enum { FMT_TOML, FMT_JSON, FMT_YAML, FMT_COUNT } fmt;

static const char *const fmt_names[FMT_COUNT] = {"toml", "json", "yaml"};
static const plc_format fmt_plc[FMT_COUNT] = {PLC_FORMAT_TOML, PLC_FORMAT_JSON,
                                              PLC_FORMAT_YAML};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_config_parse: %s\n", what);
    exit(1);
}

/* One provider entry, in each format. */
static void gen_provider(plu_buf *b, fmt f, int i)
{
    static const char *const models[] = {"gpt-4o", "claude-3-5-sonnet", "llama3.1:8b"};
    const char *model = models[i % 3];
    int rc = 0;
    if (f == FMT_TOML)
        rc = plu_buf_printf(b,
            "[[providers]]\nname = \"provider_%d\"\npath = \"plugins/provider_%d.wasm\"\n"
            "[providers.config]\nmodel = \"%s\"\nbase_url = \"https://api%d.example.com/v1\"\n"
            "allowed_hosts = [\"api%d.example.com\", \"*.cdn.example.com\"]\n"
            "temperature = 0.%d\nmax_tokens = %d\nstream = %s\n"
            "description = \"Provider number %d, with a \\\"quoted\\\" note and unicode \\u00e9\"\n\n",
            i, i, model, i, i, i % 10, 1000 + i, i % 2 ? "true" : "false", i);
    else if (f == FMT_JSON)
        rc = plu_buf_printf(b,
            "%s\n    {\"name\": \"provider_%d\", \"path\": \"plugins/provider_%d.wasm\",\n"
            "     \"config\": {\"model\": \"%s\", \"base_url\": \"https://api%d.example.com/v1\",\n"
            "       \"allowed_hosts\": [\"api%d.example.com\", \"*.cdn.example.com\"],\n"
            "       \"temperature\": 0.%d, \"max_tokens\": %d, \"stream\": %s,\n"
            "       \"description\": \"Provider number %d, with a \\\"quoted\\\" note and unicode \\u00e9\"}}",
            i ? "," : "", i, i, model, i, i, i % 10, 1000 + i, i % 2 ? "true" : "false", i);
    else
        rc = plu_buf_printf(b,
            "  - name: provider_%d\n    path: plugins/provider_%d.wasm\n    config:\n"
            "      model: %s\n      base_url: https://api%d.example.com/v1\n"
            "      allowed_hosts: [\"api%d.example.com\", \"*.cdn.example.com\"]\n"
            "      temperature: 0.%d\n      max_tokens: %d\n      stream: %s\n"
            "      description: \"Provider number %d, with a \\\"quoted\\\" note and unicode \\u00e9\"\n",
            i, i, model, i, i, i % 10, 1000 + i, i % 2 ? "true" : "false", i);
    if (rc != 0)
        die("out of memory");
}

static const char *const toml_head =
    "[limits]\nfuel_units = 20000000\nmem_bytes = 134217728\nwall_timeout_ms = 3000\n\n"
    "[oci]\ninsecure_skip_signature = false\nuse_sigstore_tuf_data = true\n\n";
static const char *const json_head =
    "{\n  \"limits\": {\"fuel_units\": 20000000, \"mem_bytes\": 134217728, \"wall_timeout_ms\": 3000},\n"
    "  \"oci\": {\"insecure_skip_signature\": false, \"use_sigstore_tuf_data\": true},\n"
    "  \"providers\": [";
static const char *const yaml_head =
    "limits:\n  fuel_units: 20000000\n  mem_bytes: 134217728\n  wall_timeout_ms: 3000\n"
    "oci:\n  insecure_skip_signature: false\n  use_sigstore_tuf_data: true\nproviders:\n";

static char *generate(fmt f, int providers, size_t *len)
{
    plu_buf b;
    plu_buf_init(&b);
    const char *head = f == FMT_TOML ? toml_head : f == FMT_JSON ? json_head : yaml_head;
    if (plu_buf_puts(&b, head) != 0)
        die("out of memory");
    for (int i = 0; i < providers; i++)
        gen_provider(&b, f, i);
    if (f == FMT_JSON && plu_buf_puts(&b, "\n  ]\n}\n") != 0)
        die("out of memory");
    *len = b.len;
    return plu_buf_take(&b);
}

/* Best-of-rounds seconds for one parse of the text into a plinth doc. */
static double time_parse(fmt f, const char *text, size_t len, int rounds)
{
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        plc_doc *doc = NULL;
        pl_err err;
        double t0 = now();
        if (plc_parse_text(fmt_plc[f], text, len, "bench", &doc, &err) != PL_OK)
            die(err.msg);
        double t = now() - t0;
        plc_doc_free(doc);
        if (t < best)
            best = t;
    }
    return best;
}

static double time_load(const char *path, int rounds)
{
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        char err[1024];
        pl_config *cfg = NULL;
        double t0 = now();
        if (pl_config_load(path, &cfg, err, sizeof err) != PL_OK)
            die(err);
        double t = now() - t0;
        pl_config_free(cfg);
        if (t < best)
            best = t;
    }
    return best;
}

/* The bare library parser, or a negative number when there is none. */
static double time_library(fmt f, const char *text, size_t len, int rounds)
{
    if (f == FMT_TOML)
        return -1;
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        if (f == FMT_JSON) {
            json_error_t e;
            json_t *j = json_loadb(text, len, 0, &e);
            if (!j)
                die(e.text);
            json_decref(j);
        } else {
            struct fy_document *d = fy_document_build_from_string(NULL, text, len);
            if (!d)
                die("libfyaml failed");
            fy_document_destroy(d);
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    int providers = argc > 1 ? atoi(argv[1]) : 20000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (providers < 1 || rounds < 1)
        die("usage: bench_config_parse [PROVIDERS] [ROUNDS]");
    printf("config parse, %d providers, best of %d runs (MB/s of input)\n", providers, rounds);
    printf("%-6s %10s %12s %12s %14s\n", "format", "size MB", "parse", "load", "library only");
    for (int f = 0; f < FMT_COUNT; f++) {
        size_t len;
        char *text = generate((fmt)f, providers, &len);
        char path[] = "/tmp/plinth-bench-XXXXXX.toml";
        memcpy(path + strlen(path) - 4, fmt_names[f], 4);
        int fd = mkstemps(path, 5);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len)
            die("cannot write a temporary file");
        close(fd);
        double mb = (double)len / 1e6;
        double parse = time_parse((fmt)f, text, len, rounds);
        double load = time_load(path, rounds);
        double lib = time_library((fmt)f, text, len, rounds);
        char libcol[32] = "-";
        if (lib > 0)
            snprintf(libcol, sizeof libcol, "%.1f", mb / lib);
        printf("%-6s %10.2f %12.1f %12.1f %14s\n", fmt_names[f], mb, mb / parse, mb / load, libcol);
        unlink(path);
        plu_free(text);
    }
    return 0;
}
