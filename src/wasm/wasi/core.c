/*
** core.c — the WASI state (plwasi_new / plwasi_free), the registration of
** every preview 1 function (plwasi_link and its trampoline), guest memory
** helpers and the host-to-WASI errno table.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "wasi_int.h"

/* ---- guest memory ------------------------------------------------------------------------ */

uint8_t *plwasi_mem_n(plwasi_cx *c, uint32_t ptr, uint32_t count, uint32_t size)
{
    /* Both factors are below 2^32, so the product fits in 64 bits. */
    return plw_memory_at(c->inst, ptr, (uint64_t)count * size);
}

uint32_t plwasi_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t plwasi_ld64(const uint8_t *p)
{
    return (uint64_t)plwasi_ld32(p) | (uint64_t)plwasi_ld32(p + 4) << 32;
}

void plwasi_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void plwasi_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void plwasi_st64(uint8_t *p, uint64_t v)
{
    plwasi_st32(p, (uint32_t)v);
    plwasi_st32(p + 4, (uint32_t)(v >> 32));
}

int plwasi_put32(plwasi_cx *c, uint32_t ptr, uint32_t v)
{
    uint8_t *p = plwasi_mem(c, ptr, 4);
    if (!p)
        return PLWASI_EFAULT;
    plwasi_st32(p, v);
    return 0;
}

int plwasi_put64(plwasi_cx *c, uint32_t ptr, uint64_t v)
{
    uint8_t *p = plwasi_mem(c, ptr, 8);
    if (!p)
        return PLWASI_EFAULT;
    plwasi_st64(p, v);
    return 0;
}

/* ---- errno ------------------------------------------------------------------------------- */

/* Host errno → WASI errno, in WASI's order (its numbering is alphabetical). */
static const struct { int host; uint8_t wasi; } errno_map[] = {
    {E2BIG, 1}, {EACCES, 2}, {EADDRINUSE, 3}, {EADDRNOTAVAIL, 4}, {EAFNOSUPPORT, 5},
    {EAGAIN, 6}, {EALREADY, 7}, {EBADF, 8}, {EBADMSG, 9}, {EBUSY, 10}, {ECANCELED, 11},
    {ECHILD, 12}, {ECONNABORTED, 13}, {ECONNREFUSED, 14}, {ECONNRESET, 15},
    {EDEADLK, 16}, {EDESTADDRREQ, 17}, {EDOM, 18}, {EDQUOT, 19}, {EEXIST, 20},
    {EFAULT, 21}, {EFBIG, 22}, {EHOSTUNREACH, 23}, {EIDRM, 24}, {EILSEQ, 25},
    {EINPROGRESS, 26}, {EINTR, 27}, {EINVAL, 28}, {EIO, 29}, {EISCONN, 30},
    {EISDIR, 31}, {ELOOP, 32}, {EMFILE, 33}, {EMLINK, 34}, {EMSGSIZE, 35},
    {EMULTIHOP, 36}, {ENAMETOOLONG, 37}, {ENETDOWN, 38}, {ENETRESET, 39},
    {ENETUNREACH, 40}, {ENFILE, 41}, {ENOBUFS, 42}, {ENODEV, 43}, {ENOENT, 44},
    {ENOEXEC, 45}, {ENOLCK, 46}, {ENOLINK, 47}, {ENOMEM, 48}, {ENOMSG, 49},
    {ENOPROTOOPT, 50}, {ENOSPC, 51}, {ENOSYS, 52}, {ENOTCONN, 53}, {ENOTDIR, 54},
    {ENOTEMPTY, 55}, {ENOTRECOVERABLE, 56}, {ENOTSOCK, 57}, {ENOTSUP, 58},
    {EOPNOTSUPP, 58}, {ENOTTY, 59}, {ENXIO, 60}, {EOVERFLOW, 61}, {EOWNERDEAD, 62},
    {EPERM, 63}, {EPIPE, 64}, {EPROTO, 65}, {EPROTONOSUPPORT, 66}, {EPROTOTYPE, 67},
    {ERANGE, 68}, {EROFS, 69}, {ESPIPE, 70}, {ESRCH, 71}, {ESTALE, 72},
    {ETIMEDOUT, 73}, {ETXTBSY, 74}, {EXDEV, 75},
};

int plwasi_errno(int host_errno)
{
    for (size_t i = 0; i < sizeof errno_map / sizeof errno_map[0]; i++)
        if (errno_map[i].host == host_errno)
            return errno_map[i].wasi;
    return PLWASI_EIO;
}

/* ---- the state --------------------------------------------------------------------------- */

/* Pack strings back to back, each NUL-terminated; the total must fit a
** 32-bit guest. */
static pl_status pack(const char *const *v, size_t n, char **out, uint32_t *n_out,
                      uint32_t *size_out, bool is_env, pl_err *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: %s %zu is NULL",
                            is_env ? "env entry" : "argument", i);
        if (is_env && !strchr(v[i], '='))
            return plu_errf(err, PL_E_INVALID_ARG, NULL,
                            "wasi: env entry %zu has no '=' (want NAME=value)", i);
        total += strlen(v[i]) + 1;
    }
    if (n > UINT32_MAX / 4 || total > UINT32_MAX / 2)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: %s too large for a 32-bit guest",
                        is_env ? "environment" : "arguments");
    char *buf = plu_malloc(total ? (size_t)total : 1);
    if (!buf)
        return plu_err_nomem(err);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(buf + off, v[i], len);
        off += len;
    }
    *out = buf;
    *n_out = (uint32_t)n;
    *size_out = (uint32_t)total;
    return PL_OK;
}

static void stdio_entry(plwasi_fd *e, plwasi_kind kind)
{
    uint64_t io = kind == PLWASI_STDIN ? PLWASI_R_FD_READ : PLWASI_R_FD_WRITE;
    *e = (plwasi_fd){ .kind = kind, .host = -1, .type = PLWASI_FT_CHAR,
                      .base = io | PLWASI_R_FD_FDSTAT_SET_FLAGS | PLWASI_R_FD_FILESTAT_GET |
                              PLWASI_R_POLL_FD_READWRITE };
}

/* Open one preopen as fd 3 + i. */
static pl_status open_preopen(plwasi *w, const plwasi_preopen *p, pl_err *err)
{
    if (!p->host_path)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: preopen %u has no host path",
                        (unsigned)(w->n_fds - 3));
    const char *guest = p->guest_path ? p->guest_path : p->host_path;
    int fd = open(p->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return plu_errf(err, e == ENOENT || e == ENOTDIR ? PL_E_NOT_FOUND : PL_E_IO, NULL,
                        "wasi: preopen '%s': %s", p->host_path, strerror(e));
    }
    plwasi_fd *e = &w->fds[w->n_fds];
    uint64_t mask = p->read_only ? ~PLWASI_RIGHTS_WRITE : ~(uint64_t)0;
    *e = (plwasi_fd){ .kind = PLWASI_HOST, .host = fd, .type = PLWASI_FT_DIR,
                      .path_only = true, .read_only = p->read_only,
                      .base = PLWASI_RIGHTS_DIR & mask,
                      .inh = (PLWASI_RIGHTS_DIR | PLWASI_RIGHTS_FILE) & mask };
    e->preopen = plu_strdup(guest);
    if (!e->preopen) {
        close(fd);
        e->kind = PLWASI_FREE;
        return plu_err_nomem(err);
    }
    e->preopen_len = strlen(guest);
    w->n_fds++;
    return PL_OK;
}

static pl_status fill(plwasi *w, const plwasi_config *cfg, pl_err *err)
{
    w->output = cfg->output;
    w->output_user = cfg->output_user;
    pl_status st = pack(cfg->args, cfg->n_args, &w->args, &w->n_args, &w->args_size, false, err);
    if (st == PL_OK)
        st = pack(cfg->env, cfg->n_env, &w->env, &w->n_env, &w->env_size, true, err);
    if (st != PL_OK)
        return st;
    if (cfg->stdin_len) {
        if (!cfg->stdin_data)
            return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: stdin_len without stdin_data");
        w->in = plu_malloc(cfg->stdin_len);
        if (!w->in)
            return plu_err_nomem(err);
        memcpy(w->in, cfg->stdin_data, cfg->stdin_len);
        w->in_len = cfg->stdin_len;
    }
    if (cfg->n_preopens > PLWASI_MAX_FDS - 3)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: more than %u preopens",
                        PLWASI_MAX_FDS - 3);
    w->fds = plu_calloc(3 + cfg->n_preopens, sizeof *w->fds);
    if (!w->fds)
        return plu_err_nomem(err);
    stdio_entry(&w->fds[0], PLWASI_STDIN);
    stdio_entry(&w->fds[1], PLWASI_STDOUT);
    stdio_entry(&w->fds[2], PLWASI_STDERR);
    w->n_fds = 3;
    for (size_t i = 0; i < cfg->n_preopens && st == PL_OK; i++)
        st = open_preopen(w, &cfg->preopens[i], err);
    return st;
}

pl_status plwasi_new(const plwasi_config *cfg, plwasi **out, pl_err *err)
{
    static const plwasi_config none;
    *out = NULL;
    plwasi *w = plu_calloc(1, sizeof *w);
    if (!w)
        return plu_err_nomem(err);
    pl_status st = fill(w, cfg ? cfg : &none, err);
    if (st != PL_OK) {
        plwasi_free(w);
        return st;
    }
    *out = w;
    return PL_OK;
}

void plwasi_free(plwasi *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_fds; i++)
        plwasi_fd_release(&w->fds[i]);
    plu_free(w->fds);
    plu_free(w->args);
    plu_free(w->env);
    plu_free(w->in);
    plu_free(w);
}

uint32_t plwasi_open_fds(const plwasi *w)
{
    uint32_t n = 0;
    for (uint32_t i = 0; w && i < w->n_fds; i++)
        n += w->fds[i].kind != PLWASI_FREE;
    return n;
}

/* ---- registration ------------------------------------------------------------------------ */

/* What each registered function gets as `user` (memory of the linker). */
typedef struct plwasi_binding {
    plwasi_get_fn get;
    const plwasi_def *def;
    bool has_result;
} plwasi_binding;

static int trampoline(plw_host_ctx *cx, plw_cell *slots, void *user)
{
    const plwasi_binding *b = user;
    plwasi_cx c = { .cx = cx, .inst = plw_host_instance(cx) };
    c.w = b->get(c.inst);
    int r = c.w || !b->def->needs_state ? b->def->fn(&c, slots) : PLWASI_ENOTCAPABLE;
    if (r < 0)
        return r;
    if (b->has_result)
        slots[0] = (uint32_t)r;
    return 0;
}

pl_status plwasi_link(plw_linker *l, plwasi_get_fn get, pl_err *err)
{
    static const plwasi_def *const tables[] = {
        plwasi_defs_args, plwasi_defs_fd, plwasi_defs_io, plwasi_defs_path, plwasi_defs_poll
    };
    if (!l || !get)
        return plu_errf(err, PL_E_INVALID_ARG, NULL, "wasi: plwasi_link needs a linker and get");
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const plwasi_def *d = tables[t]; d->name; d++) {
            plwasi_binding *b = plw_linker_alloc(l, sizeof *b);
            if (!b)
                return plu_err_nomem(err);
            b->get = get;
            b->def = d;
            b->has_result = d->sig[strlen(d->sig) - 1] != ')';
            pl_status st = plw_linker_func(l, "wasi_snapshot_preview1", d->name, d->sig,
                                           trampoline, b);
            if (st != PL_OK)
                return st == PL_E_NOMEM ? plu_err_nomem(err)
                                        : plu_errf(err, st, NULL, "wasi: cannot register %s",
                                                   d->name);
        }
    }
    return PL_OK;
}
