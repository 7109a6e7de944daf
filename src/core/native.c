/*
** native.c — loading native plugins: trust, dlopen, the ABI checks of
** sdk/plinth_plugin.h, the provider set-up, and init / shutdown.
**
** Order matters: nothing in the plugin runs before the host has checked
** that it may run native code at all (native code is not sandboxed), and
** no vtable member is read before abi_major, abi_minor and struct_size
** say the member exists.
*/
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/semver.h"
#include "core.h"

#if defined(__SANITIZE_ADDRESS__)
#  define PLH_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define PLH_ASAN 1
#  endif
#endif

/* Members every plugin must have: the identity and lifecycle block. */
#define VT_MIN_SIZE (offsetof(pl_plugin_vtable, shutdown) + sizeof(void (*)(void)))
/* Providers also need their metadata (through stream_framing). */
#define VT_PROVIDER_MIN (offsetof(pl_plugin_vtable, stream_framing) + sizeof(uint32_t))

bool plh_vt_has(const plh_plugin *p, size_t off)
{
    return p->vt && off + sizeof(void (*)(void)) <= p->vt->struct_size;
}

/* Native code runs with the host's rights, so it needs explicit trust:
** [trust] allow_unsigned_native, or its name in [trust] allow_unsigned.
** (Signed native plugins are accepted once signature checks exist.) */
static pl_status check_trust(const plh_plugin *p, pl_err *err)
{
    const plc_trust *t = &p->host->cfg->trust;
    if (t->allow_unsigned_native)
        return PL_OK;
    for (size_t i = 0; i < t->allow_unsigned.len; i++)
        if (strcmp(t->allow_unsigned.items[i], p->info.name) == 0)
            return PL_OK;
    return plu_errf(err, PL_E_SIGNATURE, NULL,
                    "native code is not sandboxed and '%s' has no trusted signature; "
                    "add \"%s\" to [trust] allow_unsigned to run it anyway",
                    p->info.location, p->info.name);
}

static pl_status open_library(plh_plugin *p, pl_err *err)
{
    const char *file = p->info.location;
    /* A name without a slash would make dlopen search the library path
    ** (LD_LIBRARY_PATH, the system folders): a configured path is a file. */
    char here[4096];
    const char *open_as = file;
    if (!strchr(file, '/')) {
        snprintf(here, sizeof here, "./%s", file);
        open_as = here;
    }
    dlerror();
    p->dl = dlopen(open_as, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        const char *why = dlerror();
        return plu_errf(err, PL_E_PLUGIN, NULL, "cannot load %s: %s", file,
                        why ? why : "unknown dlopen error");
    }
    typedef const pl_plugin_vtable *(*entry_fn)(const pl_host_api *, pl_plugin_err *);
    void *sym = dlsym(p->dl, PL_PLUGIN_ENTRY);
    if (!sym)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s is not a plinth plugin: it does not export %s()", file,
                        PL_PLUGIN_ENTRY);
    entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object to function pointer, as POSIX allows */
    pl_plugin_err perr = {{0}};
    p->vt = entry(&p->api.pub, &perr);
    if (!p->vt) {
        perr.message[sizeof perr.message - 1] = '\0';
        return plu_errf(err, PL_E_PLUGIN, NULL, "%s refused to load: %s", file,
                        perr.message[0] ? perr.message : "its entry point returned no vtable");
    }
    return PL_OK;
}

static pl_status check_abi(const plh_plugin *p, pl_err *err)
{
    const pl_plugin_vtable *vt = p->vt;
    const char *file = p->info.location;
    if (vt->abi_major != PL_PLUGIN_ABI_MAJOR)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s was built for plugin ABI %u.x; this plinth speaks ABI %u.%u", file,
                        (unsigned)vt->abi_major, PL_PLUGIN_ABI_MAJOR, PL_PLUGIN_ABI_MINOR);
    if (vt->abi_minor > PL_PLUGIN_ABI_MINOR)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s needs plugin ABI %u.%u, newer than this plinth's %u.%u; "
                        "upgrade plinth",
                        file, (unsigned)vt->abi_major, (unsigned)vt->abi_minor,
                        PL_PLUGIN_ABI_MAJOR, PL_PLUGIN_ABI_MINOR);
    size_t need = vt->kind == PL_PLUGIN_KIND_PROVIDER ? VT_PROVIDER_MIN : VT_MIN_SIZE;
    if (vt->struct_size < need)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s: vtable struct_size %u is too small: plinth needs at least %zu "
                        "bytes (the identity, lifecycle%s members)",
                        file, (unsigned)vt->struct_size, need,
                        vt->kind == PL_PLUGIN_KIND_PROVIDER ? " and provider metadata" : "");
    if (!vt->name || !vt->version)
        return plu_errf(err, PL_E_ABI, NULL, "%s: the vtable has no name or version", file);
    return PL_OK;
}

static pl_status check_version(const plh_plugin *p, pl_err *err)
{
    const char *range = p->vt->requires_version;
    if (!range || !*range)
        return PL_OK;
    plc_semver self;
    if (!plc_semver_parse(PL_VERSION_STRING, &self))
        return plu_errf(err, PL_E_INTERNAL, NULL, "plinth's own version is not semver");
    int m = plc_semver_match(range, &self);
    if (m < 0)
        return plu_errf(err, PL_E_PLUGIN, NULL, "%s: requires_version '%s' is not a valid range",
                        p->info.location, range);
    if (m == 0)
        return plu_errf(err, PL_E_UNSUPPORTED, NULL,
                        "%s %s requires plinth %s; this is plinth %s", p->vt->name,
                        p->vt->version, range, PL_VERSION_STRING);
    return PL_OK;
}

/* A provider must be able to chat, one way or the other, and speak the
** wire format this host speaks. */
static pl_status check_provider(const plh_plugin *p, pl_err *err)
{
    const pl_plugin_vtable *vt = p->vt;
    if (vt->kind != PL_PLUGIN_KIND_PROVIDER)
        return plu_errf(err, PL_E_PLUGIN, NULL,
                        "%s is not a provider (its kind is %u) but is listed in [[providers]]",
                        p->info.location, (unsigned)vt->kind);
    if (vt->wire_version != PL_PLUGIN_WIRE_VERSION)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s speaks provider wire format v%u; this plinth speaks v%u",
                        p->info.location, (unsigned)vt->wire_version, PL_PLUGIN_WIRE_VERSION);
    bool sans_io = (PLH_HAS(p, chat_request)) && (PLH_HAS(p, parse_chat));
    bool direct = PLH_HAS(p, chat);
    if (!sans_io && !direct)
        return plu_errf(err, PL_E_ABI, NULL,
                        "%s: provider has no chat operation within its vtable (struct_size "
                        "%u): it needs chat_request + parse_chat, or chat",
                        p->info.location, (unsigned)vt->struct_size);
    return PL_OK;
}

static pl_status run_init(plh_plugin *p, pl_err *err)
{
    if (!p->vt->init)
        return PL_OK;
    char *cfg = p->config ? json_dumps(p->config, JSON_COMPACT) : plu_strdup("{}");
    if (!cfg)
        return plu_err_nomem(err);
    pl_plugin_sink s;
    plh_sink_init(&s, 1u << 20, NULL);
    int rc = p->vt->init(&p->api.pub, cfg, &p->instance, &s);
    plu_free(cfg); /* jansson allocates through plu_malloc or malloc: the same heap */
    pl_status st = PL_OK;
    if (rc != 0)
        st = plu_errf(err, PL_E_PLUGIN, NULL, "init failed: %s",
                      s.message ? s.message : "the plugin gave no reason");
    else
        p->initialised = true;
    plh_sink_free(&s);
    return st;
}

pl_status plh_native_load(plh_plugin *p, pl_err *err)
{
    pl_status st = check_trust(p, err);
    if (st == PL_OK)
        st = open_library(p, err);
    if (st == PL_OK)
        st = check_abi(p, err);
    if (st != PL_OK)
        return st;
    p->info.version = p->vt->version;
    p->info.id = p->vt->id;
    p->info.description = p->vt->description;
    st = check_version(p, err);
    if (st == PL_OK && p->info.kind == PL_KIND_PROVIDER)
        st = check_provider(p, err);
    if (st == PL_OK && p->info.kind == PL_KIND_PROVIDER)
        st = plh_provider_setup(p, err);
    if (st == PL_OK && p->info.kind != PL_KIND_PROVIDER)
        st = plu_errf(err, PL_E_UNSUPPORTED, NULL,
                      "native %s plugins are not supported by this plinth yet",
                      p->info.kind == PL_KIND_TOOL ? "tool" : "prompt/context");
    if (st == PL_OK)
        st = run_init(p, err);
    return st;
}

void plh_native_unload(plh_plugin *p)
{
    if (p->initialised && p->vt->shutdown)
        p->vt->shutdown(p->instance);
    p->initialised = false;
    p->instance = NULL;
    /* Under AddressSanitizer keep the library mapped, so that leak reports
    ** from inside a plugin can still be symbolised. */
#ifndef PLH_ASAN
    if (p->dl)
        dlclose(p->dl);
#endif
    p->dl = NULL;
    p->vt = NULL;
}
