/*
** wasi.h — WASI preview 1 (`wasi_snapshot_preview1`) for plinth's Wasm
** engine (prefix plwasi_).
**
** One plwasi per instance holds what a WASI program sees: its arguments,
** the environment variables it was granted, stdin bytes, where stdout and
** stderr go, and a descriptor table whose directories are the preopens it
** was granted. plwasi_link registers every preview 1 function on a
** linker; each call finds its plwasi through the embedder's `get`.
**
**   plwasi_link(linker, my_get, &err);            once per linker
**   plwasi_new(&cfg, &w, &err);                   per instance
**   plw_instantiate(...) ; arrange for my_get(inst) to return w
**   plw_call(inst, "_start", ...)                 PL_E_TRAP + PLW_TRAP_EXIT
**                                                 when it calls proc_exit
**   plwasi_free(w);                               after the instance
**
** Sandbox: files are reachable only below the preopens. Guest paths are
** resolved here, one component at a time from the preopen's descriptor,
** never following a symlink without reading it first: `..` cannot climb
** above the descriptor a path starts from, absolute symlink targets and
** targets that climb out are refused with ENOTCAPABLE, and a read-only
** preopen refuses every change with ENOTCAPABLE. Everything not granted
** (no preopen, sockets, signals) fails with a WASI errno, never a trap.
** README.md lists the deviations from the specification.
**
** Threads: a plwasi is used by one thread at a time, like its instance.
** The functions registered by plwasi_link keep no state of their own, so
** one linker serves concurrent instances.
*/
#ifndef PL_WASM_WASI_H
#define PL_WASM_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "wasm/wasm.h"

typedef struct plwasi plwasi;

/* A directory the program may use: host_path (opened when plwasi_new
** runs) is what the program reaches as guest_path ("/data", or "." for a
** relative root). guest_path NULL means the same as host_path. */
typedef struct plwasi_preopen {
    const char *host_path;
    const char *guest_path;
    bool read_only;
} plwasi_preopen;

/* Receives what the program writes to stdout (fd 1) or stderr (fd 2): one
** call per fd_write. data is borrowed for the call only. */
typedef void (*plwasi_output_fn)(void *user, int fd, const char *data, size_t len);

/* Everything is copied by plwasi_new; the caller may free it afterwards. */
typedef struct plwasi_config {
    const char *const *args;          /* argv; args[0] is the program name */
    size_t n_args;
    const char *const *env;           /* "NAME=value", only what was granted */
    size_t n_env;
    const plwasi_preopen *preopens;   /* become fds 3, 4, ... in this order */
    size_t n_preopens;
    plwasi_output_fn output;          /* NULL: stdout and stderr are discarded */
    void *output_user;
    const uint8_t *stdin_data;        /* stdin reads these bytes, then EOF */
    size_t stdin_len;
} plwasi_config;

/* Open descriptors a program may hold at once (stdio and preopens
** included); path_open beyond that fails with EMFILE. */
#define PLWASI_MAX_FDS 256u

/*
** plwasi_new — the WASI state of one instance. Each preopen is opened as a
** directory descriptor (O_PATH | O_DIRECTORY). cfg may be NULL (no args,
** no environment, no files, output discarded).
** Errors: PL_E_INVALID_ARG (an env entry without '=', a NULL preopen path,
** args or env too large for a 32-bit guest), PL_E_NOT_FOUND / PL_E_IO (a
** preopen that cannot be opened as a directory; the message names it),
** PL_E_NOMEM. On error *out is NULL.
*/
pl_status plwasi_new(const plwasi_config *cfg, plwasi **out, pl_err *err);

/* Close every descriptor the program still holds and free w (NULL: no-op). */
void plwasi_free(plwasi *w);

/* The state lookup the embedder provides: the plwasi of the calling
** instance, or NULL when it has none (then calls that need state fail
** with ENOTCAPABLE). plw_instance_data is the usual source. */
typedef plwasi *(*plwasi_get_fn)(plw_instance *inst);

/*
** plwasi_link — register every wasi_snapshot_preview1 function (all 46)
** on l. The functions find their state with get(plw_host_instance(cx));
** `get` is kept in memory from plw_linker_alloc, so nothing needs to
** outlive the linker. Errors: PL_E_INVALID_ARG (NULL l or get),
** PL_E_NOMEM.
*/
pl_status plwasi_link(plw_linker *l, plwasi_get_fn get, pl_err *err);

/* The number of descriptors open in w (stdio and preopens included), for
** tests and diagnostics. */
uint32_t plwasi_open_fds(const plwasi *w);

#endif
