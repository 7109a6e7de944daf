/*
** call.c — ple_call: Extism's calling convention (extism-abi.md §4).
**
** Reset Extism memory, copy the input into a fresh block, call the export
** (no parameters, an i32 or no result) with the call's fuel and time, then
** read the outcome: an error set with error_set fails the call whatever
** the return code; a non-zero code fails it; a trap fails it with the trap
** message (or the plugin's error if it set one first) and leaves the
** instance dead; WASI proc_exit(0) is a success. The output stays in
** Extism memory until the next call.
*/
#include <stdio.h>
#include <string.h>

#include "extism/extism_int.h"

/* Renew the instance when the last call ended it cleanly (_start, exit);
** refuse when it trapped. */
static pl_status ready(ple_plugin *p, pl_err *err)
{
    if (p->in_call)
        return plu_errf(err, PL_E_MISUSE, NULL, "cannot make reentrant calls into plugin");
    if (p->renew_next || !p->inst)
        return ple_plugin_renew(p, err);
    if (plw_instance_dead(p->inst))
        return plu_errf(err, PL_E_MISUSE, NULL, "%s: instance is unusable after a trap; "
                        "renew or replace it", plw_module_name(p->host->mod));
    return PL_OK;
}

static pl_status find_export(ple_plugin *p, const char *func, const plw_func **out, pl_err *err)
{
    if (p->last_name && strcmp(p->last_name, func) == 0) {
        *out = p->last_fn;
        return PL_OK;
    }
    const plw_func *f = plw_instance_func(p->inst, func);
    if (!f)
        return plu_errf(err, PL_E_NOT_FOUND, NULL, "%s: function not found: '%s'",
                        plw_module_name(p->host->mod), func);
    plw_functype t = plw_func_type(f);
    if (t.n_params != 0 || t.n_results > 1 || (t.n_results == 1 && t.results[0] != PLW_I32))
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "%s: '%s' is not an Extism function (it "
                        "must take no parameters and return an i32 or nothing)",
                        plw_module_name(p->host->mod), func);
    char *name = plu_strdup(func);
    if (!name)
        return plu_err_nomem(err);
    plu_free(p->last_name);
    p->last_name = name;
    p->last_fn = f;
    *out = f;
    return PL_OK;
}

static pl_status set_input(ple_plugin *p, const void *in, size_t len, pl_err *err)
{
    ple_mem_reset(&p->mem);
    if (!len)
        return PL_OK;
    uint64_t h = ple_mem_alloc_copy(&p->mem, in, len);
    if (!h)
        return plu_errf(err, len > p->mem.limit ? PL_E_LIMIT : PL_E_NOMEM, NULL,
                        "input of %zu bytes does not fit in Extism memory (cap %llu bytes)", len,
                        (unsigned long long)p->mem.limit);
    p->mem.input = h;
    p->mem.input_len = len;
    return PL_OK;
}

/* The plugin's error message, if error_set named a live, non-empty block. */
static bool plugin_error(ple_plugin *p, ple_result *r)
{
    const ple_block *b = p->mem.error ? ple_mem_block(&p->mem, p->mem.error) : NULL;
    if (!b || !b->used)
        return false;
    r->error = (const char *)p->mem.base + b->off;
    r->error_len = (size_t)b->used;
    return true;
}

/* A failure the host describes: the message also becomes r->error. */
static pl_status host_failure(ple_plugin *p, ple_result *r, pl_status st, pl_err *err,
                              const char *msg)
{
    snprintf(p->msg, sizeof p->msg, "%s", msg);
    r->error = p->msg;
    r->error_len = strlen(p->msg);
    return plu_errf(err, st, NULL, "%s", p->msg);
}

/* The call trapped (or an Extism host function failed). */
static pl_status trapped(ple_plugin *p, pl_status st, const plw_call_info *info, ple_result *r,
                         pl_err *err)
{
    r->dead = true;
    if (p->fail != PL_OK) {
        r->rc = PLE_RC_FAILED;
        return host_failure(p, r, p->fail, err, p->fail_msg);
    }
    if (plugin_error(p, r)) {
        r->rc = PLE_RC_FAILED;
        return plu_errf(err, st, NULL, "%.*s", (int)(r->error_len > 1000 ? 1000 : r->error_len),
                        r->error);
    }
    r->rc = info->trap == PLW_TRAP_HOST ? PLE_RC_FAILED : PLE_RC_TRAP;
    char msg[PL_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return host_failure(p, r, st, err, msg);
}

/* The export returned (or exited): error, return code, success. */
static pl_status returned(ple_plugin *p, const char *func, bool exited, ple_result *r,
                          pl_err *err)
{
    if (plugin_error(p, r))
        return plu_errf(err, PL_E_PLUGIN, NULL, "%.*s",
                        (int)(r->error_len > 1000 ? 1000 : r->error_len), r->error);
    if (r->rc != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "'%.200s' %s non-zero exit code: %d", func,
                 exited ? "exited with" : "returned", (int)r->rc);
        return host_failure(p, r, PL_E_PLUGIN, err, msg);
    }
    plu_err_clear(err);
    return PL_OK;
}

static pl_status outcome(ple_plugin *p, const char *func, pl_status st, const plw_func *f,
                         const plw_cell *res, const plw_call_info *info, ple_result *r,
                         pl_err *err)
{
    r->fuel_used = info->fuel_used;
    r->trap = info->trap;
    if (p->mem.output_len) {
        r->output = p->mem.base + p->mem.output;
        r->output_len = (size_t)p->mem.output_len;
    }
    bool exited = info->trap == PLW_TRAP_EXIT && p->fail == PL_OK;
    if (exited || (st == PL_OK && !strcmp(func, "_start")))
        p->renew_next = true; /* a command's end: a fresh instance next time */
    if (exited) {
        r->rc = info->exit_code;
        return returned(p, func, true, r, err);
    }
    if (st == PL_E_TRAP || st == PL_E_LIMIT)
        return trapped(p, st, info, r, err);
    if (st != PL_OK)
        return st;
    r->rc = plw_func_type(f).n_results ? (int32_t)(uint32_t)res[0] : 0;
    return returned(p, func, false, r, err);
}

pl_status ple_call(ple_plugin *p, const char *func, const void *in, size_t len,
                   const ple_call_opts *opts, ple_result *r, pl_err *err)
{
    pl_err local;
    if (!err)
        err = &local;
    plu_err_clear(err);
    if (!r || !p || p->magic != PLE_PLUGIN_MAGIC)
        return plu_errf(err, PL_E_MISUSE, NULL, "ple_call: not a plugin");
    memset(r, 0, sizeof *r);
    if (!func || (len && !in))
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "ple_call: NULL function or input");
    pl_status st = ready(p, err);
    const plw_func *f = NULL;
    if (st == PL_OK)
        st = find_export(p, func, &f, err);
    if (st == PL_OK)
        st = set_input(p, in, len, err);
    if (st != PL_OK)
        return st;
    atomic_store(&p->cancel, 0);
    p->watch = opts && opts->cancel ? opts->cancel : &p->cancel;
    plw_call_opts co = { .fuel = opts ? opts->fuel : 0,
                         .timeout_ns = opts ? opts->timeout_ns : 0,
                         .cancel = p->watch };
    plw_call_info info = { 0 };
    plw_cell res[1] = { 0 };
    p->ctx = opts ? opts->context : NULL;
    p->fail = PL_OK;
    p->in_call = true;
    st = plw_call(p->inst, f, NULL, res, &co, &info, err);
    p->in_call = false;
    p->ctx = NULL;
    p->watch = &p->cancel;
    return outcome(p, func, st, f, res, &info, r, err);
}
