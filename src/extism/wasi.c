/*
** wasi.c — plinth's WASI preview 1 (wasm/wasi/wasi.h) as the WASI of
** Extism plugins: the ple_wasi hooks filled with plwasi_new, plwasi_free
** and plwasi_link, and the state lookup through the plugin of the
** calling instance.
*/
#include "extism/extism_int.h"
#include "wasm/wasi/wasi.h"

/* The plwasi of the calling instance; NULL while the module's start
** function runs (WASI then answers ENOTCAPABLE). */
static plwasi *state_of(plw_instance *inst)
{
    const ple_plugin *p = plw_instance_data(inst);
    return p && p->magic == PLE_PLUGIN_MAGIC ? (plwasi *)p->wasi : NULL;
}

static void *state_new(const void *config, pl_err *err)
{
    plwasi *w = NULL;
    return plwasi_new((const plwasi_config *)config, &w, err) == PL_OK ? w : NULL;
}

static void state_free(void *state) { plwasi_free(state); }

/* plwasi has its own getter type, so it gets state_of rather than the
** generic one ple_host_new offers. */
static pl_status link_wasi(plw_linker *l, ple_wasi_get_fn get, pl_err *err)
{
    (void)get;
    return plwasi_link(l, state_of, err);
}

void ple_wasi_plinth(ple_wasi *out, const plwasi_config *cfg)
{
    out->config = cfg;
    out->state_new = state_new;
    out->state_free = state_free;
    out->link = link_wasi;
}
