/*
** cli_chat.c — `plinth chat`, `plinth complete` and `plinth embed`.
**
** Requests are built with the public pl_request helpers, so the command
** never writes wire JSON by hand except for the two tiny requests of
** complete and embed (strings quoted by json_quote below).
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_llm.h"

/* The JSON text of an --option VALUE: itself when it is JSON (checked by
** plinth's own reader, through a scratch request), else a JSON string, so
** `--option reasoning_effort=low` needs no quotes. NULL on out of memory. */
static char *option_json(const char *value)
{
    pl_request *r = NULL;
    if (pl_request_new(&r) != PL_OK)
        return NULL;
    bool is_json = pl_request_option(r, "v", value) == PL_OK;
    pl_request_free(r);
    if (is_json)
        return strdup(value);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    if (!m)
        return NULL;
    cli_json_quote(m, value);
    fclose(m);
    return out;
}

/* Each --option KEY=VALUE through add(key, json); a usage error when one
** has no '=' or no key. */
typedef pl_status (*option_fn)(void *ud, const char *key, const char *json);

static int for_each_option(const llm_args *a, option_fn add, void *ud)
{
    for (int i = 0; i < a->n_options; i++) {
        const char *eq = strchr(a->options[i], '=');
        if (!eq || eq == a->options[i])
            return cli_usage_error("--option '%s': expected KEY=VALUE", a->options[i]);
        char *key = strndup(a->options[i], (size_t)(eq - a->options[i]));
        char *json = option_json(eq + 1);
        pl_status st = key && json ? add(ud, key, json) : PL_E_NOMEM;
        free(key);
        free(json);
        if (st != PL_OK)
            return cli_fail(st, NULL);
    }
    return CLI_OK;
}

static pl_status add_to_request(void *ud, const char *key, const char *json)
{
    return pl_request_option(ud, key, json);
}

/* Writes ,"options":{...} into a hand-built request (complete, embed). */
typedef struct option_writer {
    FILE *f;
    int n;
} option_writer;

static pl_status write_option(void *ud, const char *key, const char *json)
{
    option_writer *w = ud;
    fputs(w->n++ ? "," : ",\"options\":{", w->f);
    cli_json_quote(w->f, key);
    fprintf(w->f, ":%s", json);
    return PL_OK;
}

static int write_options(FILE *m, const llm_args *a)
{
    option_writer w = {m, 0};
    int rc = for_each_option(a, write_option, &w);
    if (w.n)
        fputc('}', m);
    return rc;
}

/* A finite double as the shortest JSON number that reads back the same
** (%g alone would turn 0.123456789 into 0.123457). */
static void put_number(FILE *f, double v)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    fputs(tmp, f);
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    if (m)
        fclose(m);
    return buf;
}

/* One --tool FILE.json into the request. */
static int add_tool_file(pl_request *r, const char *path)
{
    char *text = read_text_file(path);
    if (!text) {
        char msg[600];
        snprintf(msg, sizeof msg, "--tool: cannot read '%s': %s", path, strerror(errno));
        return cli_fail(PL_E_IO, msg);
    }
    char err[256] = "";
    pl_status st = pl_request_tool_json(r, text, err, sizeof err);
    free(text);
    return st == PL_OK ? CLI_OK : cli_usage_error("--tool %s: %s", path, err);
}

/* The chat request from the options. */
static int build_chat_request(const llm_args *a, char **out)
{
    pl_request *r = NULL;
    pl_status st = pl_request_new(&r);
    if (st == PL_OK && a->model)
        st = pl_request_model(r, a->model);
    if (st == PL_OK && a->system)
        st = pl_request_system(r, a->system);
    if (st == PL_OK && a->has_temperature)
        st = pl_request_temperature(r, a->temperature);
    if (st == PL_OK && a->has_max_tokens)
        st = pl_request_max_tokens(r, a->max_tokens);
    for (int i = 0; st == PL_OK && i < a->n_tools; i++) {
        int rc = add_tool_file(r, a->tools[i]);
        if (rc != CLI_OK) {
            pl_request_free(r);
            return rc;
        }
    }
    int rc = st == PL_OK ? for_each_option(a, add_to_request, r) : CLI_OK;
    if (rc != CLI_OK) {
        pl_request_free(r);
        return rc;
    }
    if (st == PL_OK)
        st = pl_request_user(r, a->texts[0]);
    if (st == PL_OK)
        st = pl_request_to_json(r, out);
    pl_request_free(r);
    return st == PL_OK ? CLI_OK : cli_fail(st, NULL);
}

/* Streamed output: text as it comes, tool calls when complete, laid out
** like the output of a whole reply (print_response). */
typedef struct printer {
    const llm_args *a;
    bool mid_line; /* text was printed since the last line end */
} printer;

static void end_line(printer *p)
{
    if (p->mid_line)
        putchar('\n');
    p->mid_line = false;
}

static int print_chunk(void *user, const pl_chunk *c)
{
    printer *p = user;
    if (p->a->json) {
        puts(c->json);
    } else if (c->kind == PL_CHUNK_TEXT && c->text_len) {
        fwrite(c->text, 1, c->text_len, stdout);
        p->mid_line = c->text[c->text_len - 1] != '\n';
    } else if (c->kind == PL_CHUNK_THINKING) {
        fwrite(c->text, 1, c->text_len, stderr);
    } else if (c->kind == PL_CHUNK_TOOL_USE_COMPLETE) {
        end_line(p);
        printf("[tool call %s] %s %s\n", c->id, c->name, c->arguments);
    } else if (c->kind == PL_CHUNK_DONE) {
        end_line(p);
    }
    fflush(stdout);
    return 0;
}

static pl_status do_chat(pl_host *h, const llm_args *a, const char *req, pl_call *c, char **out)
{
    if (!a->stream)
        return pl_chat(h, a->provider, req, c, out);
    printer p = {a, false};
    pl_status st = pl_chat_stream(h, a->provider, req, print_chunk, &p, c, NULL);
    end_line(&p); /* a stream cut short: the error message goes on its own line */
    fflush(stdout);
    return st;
}

static void print_response(const char *json)
{
    pl_response *r = NULL;
    char err[256];
    if (pl_response_parse(json, &r, err, sizeof err) != PL_OK) {
        puts(json);
        return;
    }
    const char *text = pl_response_text(r);
    if (text && *text)
        puts(text);
    for (size_t i = 0; i < pl_response_tool_call_count(r); i++) {
        const char *id, *name, *args;
        pl_response_tool_call(r, i, &id, &name, &args);
        printf("[tool call %s] %s %s\n", id ? id : "?", name ? name : "?", args ? args : "");
    }
    pl_response_free(r);
}

int cli_chat(int argc, char **argv)
{
    llm_args a;
    int rc = cli_llm_args("chat", argc, argv, true, &a);
    if (rc != CLI_OK)
        return rc;
    if (a.n_texts != 1)
        return cli_usage_error("chat: give exactly one PROMPT (quote it)");
    char *req = NULL, *out = NULL;
    if ((rc = build_chat_request(&a, &req)) != CLI_OK)
        return rc;
    rc = cli_llm_run(&a, req, do_chat, &out);
    pl_free(req);
    if (rc == CLI_OK && out) {
        if (a.json)
            cli_print_owned(stdout, out);
        else {
            print_response(out);
            pl_free(out);
        }
    }
    return rc;
}

static pl_status do_complete(pl_host *h, const llm_args *a, const char *req, pl_call *c,
                             char **out)
{
    return pl_complete(h, a->provider, req, c, out);
}

/* The "text" of {"text": "..."}: printed through the response reader. */
static void print_completion(const char *json)
{
    pl_response *r = NULL;
    if (pl_response_parse(json, &r, NULL, 0) == PL_OK && pl_response_text(r))
        puts(pl_response_text(r));
    else
        puts(json);
    pl_response_free(r);
}

int cli_complete(int argc, char **argv)
{
    llm_args a;
    int rc = cli_llm_args("complete", argc, argv, true, &a);
    if (rc != CLI_OK)
        return rc;
    if (a.n_texts != 1)
        return cli_usage_error("complete: give exactly one PROMPT (quote it)");
    char *req = NULL, *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&req, &len);
    if (!m)
        return cli_fail(PL_E_NOMEM, NULL);
    fputs("{\"prompt\":", m);
    cli_json_quote(m, a.texts[0]);
    if (a.model) {
        fputs(",\"model\":", m);
        cli_json_quote(m, a.model);
    }
    if (a.has_max_tokens)
        fprintf(m, ",\"max_tokens\":%" PRIu32, a.max_tokens);
    if (a.has_temperature) {
        fputs(",\"temperature\":", m);
        put_number(m, a.temperature);
    }
    rc = write_options(m, &a);
    fputc('}', m);
    fclose(m);
    if (rc != CLI_OK) {
        free(req);
        return rc;
    }
    rc = cli_llm_run(&a, req, do_complete, &out);
    free(req);
    if (rc == CLI_OK) {
        if (a.json)
            cli_print_owned(stdout, out);
        else {
            print_completion(out);
            pl_free(out);
        }
    }
    return rc;
}

static pl_status do_embed(pl_host *h, const llm_args *a, const char *req, pl_call *c,
                          char **out)
{
    return pl_embed(h, a->provider, req, c, out);
}

/* One vector per line: split the top-level array of the compact JSON. */
static void print_vectors(const char *json)
{
    int depth = 0;
    for (const char *p = json; *p; p++) {
        if (*p == '[' && ++depth == 2)
            putchar('[');
        else if (*p == ']' && depth-- == 2)
            puts("]");
        else if (depth == 2)
            fputs(*p == ',' ? ", " : (char[2]){*p, 0}, stdout);
    }
}

int cli_embed(int argc, char **argv)
{
    llm_args a;
    int rc = cli_llm_args("embed", argc, argv, true, &a);
    if (rc != CLI_OK)
        return rc;
    if (a.n_texts == 0)
        return cli_usage_error("embed: give at least one TEXT");
    char *req = NULL, *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&req, &len);
    if (!m)
        return cli_fail(PL_E_NOMEM, NULL);
    fputs("{\"inputs\":[", m);
    for (int i = 0; i < a.n_texts; i++) {
        if (i)
            fputc(',', m);
        cli_json_quote(m, a.texts[i]);
    }
    fputc(']', m);
    if (a.model) {
        fputs(",\"model\":", m);
        cli_json_quote(m, a.model);
    }
    rc = write_options(m, &a);
    fputc('}', m);
    fclose(m);
    if (rc != CLI_OK) {
        free(req);
        return rc;
    }
    rc = cli_llm_run(&a, req, do_embed, &out);
    free(req);
    if (rc == CLI_OK) {
        if (a.json)
            cli_print_owned(stdout, out);
        else {
            print_vectors(out);
            pl_free(out);
        }
    }
    return rc;
}
