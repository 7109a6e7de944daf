/*
** wasi_int.h — the insides of plinth's WASI: the preview 1 constants and
** layouts, the descriptor table, guest memory access, the path resolver
** and the per-area function tables that plwasi_link registers. Private to
** src/wasm/wasi/.
**
** Every WASI function is a plwasi_impl: it reads its arguments from the
** argument cells, checks every guest pointer and length against the
** instance's memory before touching it, and returns a WASI errno (the
** trampoline in core.c stores it as the i32 result). A negative return is
** the value the host function returns instead (proc_exit).
*/
#ifndef PL_WASM_WASI_INT_H
#define PL_WASM_WASI_INT_H

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "wasi.h"

/* ---- preview 1 constants ----------------------------------------------------------------- */

enum {
    PLWASI_ESUCCESS = 0, PLWASI_E2BIG = 1, PLWASI_EACCES = 2, PLWASI_EAGAIN = 6,
    PLWASI_EBADF = 8, PLWASI_EEXIST = 20, PLWASI_EFAULT = 21, PLWASI_EILSEQ = 25,
    PLWASI_EINTR = 27, PLWASI_EINVAL = 28, PLWASI_EIO = 29, PLWASI_EISDIR = 31,
    PLWASI_ELOOP = 32, PLWASI_EMFILE = 33, PLWASI_ENAMETOOLONG = 37,
    PLWASI_ENOENT = 44, PLWASI_ENOMEM = 48, PLWASI_ENOSYS = 52, PLWASI_ENOTDIR = 54,
    PLWASI_ENOTEMPTY = 55, PLWASI_ENOTSUP = 58, PLWASI_EOVERFLOW = 61,
    PLWASI_EPERM = 63, PLWASI_ESPIPE = 70, PLWASI_ENOTCAPABLE = 76
};

enum { /* filetype */
    PLWASI_FT_UNKNOWN = 0, PLWASI_FT_BLOCK = 1, PLWASI_FT_CHAR = 2, PLWASI_FT_DIR = 3,
    PLWASI_FT_REG = 4, PLWASI_FT_SOCK_DGRAM = 5, PLWASI_FT_SOCK_STREAM = 6,
    PLWASI_FT_SYMLINK = 7
};

enum { /* fdflags */
    PLWASI_FDF_APPEND = 1, PLWASI_FDF_DSYNC = 2, PLWASI_FDF_NONBLOCK = 4,
    PLWASI_FDF_RSYNC = 8, PLWASI_FDF_SYNC = 16, PLWASI_FDF_ALL = 31
};

enum { /* oflags, lookupflags, fstflags */
    PLWASI_O_CREAT = 1, PLWASI_O_DIRECTORY = 2, PLWASI_O_EXCL = 4, PLWASI_O_TRUNC = 8,
    PLWASI_LOOKUP_FOLLOW = 1,
    PLWASI_FST_ATIM = 1, PLWASI_FST_ATIM_NOW = 2, PLWASI_FST_MTIM = 4,
    PLWASI_FST_MTIM_NOW = 8
};

/* Rights (bit n of the 64-bit rights mask). */
#define PLWASI_R(n) ((uint64_t)1 << (n))
#define PLWASI_R_FD_DATASYNC PLWASI_R(0)
#define PLWASI_R_FD_READ PLWASI_R(1)
#define PLWASI_R_FD_SEEK PLWASI_R(2)
#define PLWASI_R_FD_FDSTAT_SET_FLAGS PLWASI_R(3)
#define PLWASI_R_FD_SYNC PLWASI_R(4)
#define PLWASI_R_FD_TELL PLWASI_R(5)
#define PLWASI_R_FD_WRITE PLWASI_R(6)
#define PLWASI_R_FD_ADVISE PLWASI_R(7)
#define PLWASI_R_FD_ALLOCATE PLWASI_R(8)
#define PLWASI_R_PATH_CREATE_DIRECTORY PLWASI_R(9)
#define PLWASI_R_PATH_CREATE_FILE PLWASI_R(10)
#define PLWASI_R_PATH_LINK_SOURCE PLWASI_R(11)
#define PLWASI_R_PATH_LINK_TARGET PLWASI_R(12)
#define PLWASI_R_PATH_OPEN PLWASI_R(13)
#define PLWASI_R_FD_READDIR PLWASI_R(14)
#define PLWASI_R_PATH_READLINK PLWASI_R(15)
#define PLWASI_R_PATH_RENAME_SOURCE PLWASI_R(16)
#define PLWASI_R_PATH_RENAME_TARGET PLWASI_R(17)
#define PLWASI_R_PATH_FILESTAT_GET PLWASI_R(18)
#define PLWASI_R_PATH_FILESTAT_SET_SIZE PLWASI_R(19)
#define PLWASI_R_PATH_FILESTAT_SET_TIMES PLWASI_R(20)
#define PLWASI_R_FD_FILESTAT_GET PLWASI_R(21)
#define PLWASI_R_FD_FILESTAT_SET_SIZE PLWASI_R(22)
#define PLWASI_R_FD_FILESTAT_SET_TIMES PLWASI_R(23)
#define PLWASI_R_PATH_SYMLINK PLWASI_R(24)
#define PLWASI_R_PATH_REMOVE_DIRECTORY PLWASI_R(25)
#define PLWASI_R_PATH_UNLINK_FILE PLWASI_R(26)
#define PLWASI_R_POLL_FD_READWRITE PLWASI_R(27)

/* What a regular file may do. */
#define PLWASI_RIGHTS_FILE                                                              \
    (PLWASI_R_FD_DATASYNC | PLWASI_R_FD_READ | PLWASI_R_FD_SEEK |                       \
     PLWASI_R_FD_FDSTAT_SET_FLAGS | PLWASI_R_FD_SYNC | PLWASI_R_FD_TELL |               \
     PLWASI_R_FD_WRITE | PLWASI_R_FD_ADVISE | PLWASI_R_FD_ALLOCATE |                    \
     PLWASI_R_FD_FILESTAT_GET | PLWASI_R_FD_FILESTAT_SET_SIZE |                         \
     PLWASI_R_FD_FILESTAT_SET_TIMES | PLWASI_R_POLL_FD_READWRITE)
/* What a directory may do. */
#define PLWASI_RIGHTS_DIR                                                               \
    (PLWASI_R_FD_FDSTAT_SET_FLAGS | PLWASI_R_FD_SYNC | PLWASI_R_PATH_CREATE_DIRECTORY | \
     PLWASI_R_PATH_CREATE_FILE | PLWASI_R_PATH_LINK_SOURCE | PLWASI_R_PATH_LINK_TARGET | \
     PLWASI_R_PATH_OPEN | PLWASI_R_FD_READDIR | PLWASI_R_PATH_READLINK |                 \
     PLWASI_R_PATH_RENAME_SOURCE | PLWASI_R_PATH_RENAME_TARGET |                         \
     PLWASI_R_PATH_FILESTAT_GET | PLWASI_R_PATH_FILESTAT_SET_SIZE |                      \
     PLWASI_R_PATH_FILESTAT_SET_TIMES | PLWASI_R_FD_FILESTAT_GET |                       \
     PLWASI_R_FD_FILESTAT_SET_TIMES | PLWASI_R_PATH_SYMLINK |                            \
     PLWASI_R_PATH_REMOVE_DIRECTORY | PLWASI_R_PATH_UNLINK_FILE)
/* Everything that changes the file system or a file: absent below a
** read-only preopen. */
#define PLWASI_RIGHTS_WRITE                                                             \
    (PLWASI_R_FD_DATASYNC | PLWASI_R_FD_WRITE | PLWASI_R_FD_ALLOCATE |                  \
     PLWASI_R_PATH_CREATE_DIRECTORY | PLWASI_R_PATH_CREATE_FILE |                       \
     PLWASI_R_PATH_LINK_SOURCE | PLWASI_R_PATH_LINK_TARGET |                            \
     PLWASI_R_PATH_RENAME_SOURCE | PLWASI_R_PATH_RENAME_TARGET |                        \
     PLWASI_R_PATH_FILESTAT_SET_SIZE | PLWASI_R_PATH_FILESTAT_SET_TIMES |               \
     PLWASI_R_FD_FILESTAT_SET_SIZE | PLWASI_R_FD_FILESTAT_SET_TIMES |                   \
     PLWASI_R_PATH_SYMLINK | PLWASI_R_PATH_REMOVE_DIRECTORY | PLWASI_R_PATH_UNLINK_FILE)

/* ---- the state --------------------------------------------------------------------------- */

typedef enum plwasi_kind {
    PLWASI_FREE = 0,
    PLWASI_STDIN,
    PLWASI_STDOUT,
    PLWASI_STDERR,
    PLWASI_HOST       /* a host descriptor: a directory or a regular file */
} plwasi_kind;

/* fd_readdir's position in an open directory stream. Cookies are entry
** indexes (1 = after the first entry), never host offsets; the stream
** position before the last entry read is kept, because a caller whose
** buffer cut an entry asks for it again next. */
typedef struct plwasi_dir {
    DIR *d;
    uint64_t next;       /* index of the entry readdir returns next */
    uint64_t last;       /* index of the last entry read ... */
    long last_pos;       /* ... and the stream position before it */
    bool have_last;
} plwasi_dir;

typedef struct plwasi_fd {
    plwasi_kind kind;
    int host;            /* PLWASI_HOST: the host descriptor; else -1 */
    uint8_t type;        /* WASI filetype */
    bool path_only;      /* opened O_PATH: reopen "." for directory I/O */
    bool read_only;      /* below a read-only preopen */
    uint16_t flags;      /* stdio: the fdflags the program set */
    uint64_t base, inh;  /* rights, and rights inherited by what is opened below */
    char *preopen;       /* a preopen's guest path, else NULL */
    size_t preopen_len;
    plwasi_dir *dir;     /* fd_readdir state, made on first use */
} plwasi_fd;

struct plwasi {
    plwasi_fd *fds;
    uint32_t n_fds;      /* slots in fds (open or free) */
    char *args;          /* the strings, each NUL-terminated, back to back */
    uint32_t n_args, args_size;
    char *env;
    uint32_t n_env, env_size;
    plwasi_output_fn output;
    void *output_user;
    uint8_t *in;         /* stdin bytes */
    size_t in_len, in_pos;
};

/* ---- one call ---------------------------------------------------------------------------- */

typedef struct plwasi_cx {
    plw_host_ctx *cx;
    plw_instance *inst;
    plwasi *w;           /* NULL when the instance has no WASI state */
} plwasi_cx;

typedef int (*plwasi_impl)(plwasi_cx *c, const plw_cell *a);

typedef struct plwasi_def {
    const char *name;    /* NULL ends a table */
    const char *sig;     /* plw_linker_func signature */
    plwasi_impl fn;
    bool needs_state;    /* ENOTCAPABLE when the instance has no plwasi */
} plwasi_def;

/* The function tables, one per area (args.c, fd.c, fd_io.c, path.c, poll.c). */
extern const plwasi_def plwasi_defs_args[];
extern const plwasi_def plwasi_defs_fd[];
extern const plwasi_def plwasi_defs_io[];
extern const plwasi_def plwasi_defs_path[];
extern const plwasi_def plwasi_defs_poll[];

static inline uint32_t plwasi_a32(const plw_cell *a, int i) { return (uint32_t)a[i]; }

/* ---- guest memory (core.c) --------------------------------------------------------------- */

/* [ptr, ptr+len) of guest memory, or NULL when any of it is out of bounds. */
static inline uint8_t *plwasi_mem(plwasi_cx *c, uint32_t ptr, uint64_t len)
{
    return plw_memory_at(c->inst, ptr, len);
}
/* A count of records of `size` bytes at ptr: NULL when out of bounds
** (the product is computed without overflow). */
uint8_t *plwasi_mem_n(plwasi_cx *c, uint32_t ptr, uint32_t count, uint32_t size);

/* Little-endian loads and stores at any alignment. */
uint32_t plwasi_ld32(const uint8_t *p);
uint64_t plwasi_ld64(const uint8_t *p);
void plwasi_st16(uint8_t *p, uint16_t v);
void plwasi_st32(uint8_t *p, uint32_t v);
void plwasi_st64(uint8_t *p, uint64_t v);
/* Store a result at a guest pointer: 0, or EFAULT. */
int plwasi_put32(plwasi_cx *c, uint32_t ptr, uint32_t v);
int plwasi_put64(plwasi_cx *c, uint32_t ptr, uint64_t v);

/* The WASI errno for a host errno (EIO for anything unknown). */
int plwasi_errno(int host_errno);

/* ---- descriptors (fd.c) ------------------------------------------------------------------ */

/* The open descriptor `fd` holding every right in `need`: 0 and *out, or
** EBADF (not open) or ENOTCAPABLE (a right is missing). */
int plwasi_fd_get(plwasi *w, uint32_t fd, uint64_t need, plwasi_fd **out);
/* Put a new host descriptor into the lowest free slot: 0 and *fd, or
** EMFILE / ENOMEM (then `host` is closed). */
int plwasi_fd_add(plwasi *w, const plwasi_fd *e, uint32_t *fd);
/* Close what an entry holds and mark it free. */
void plwasi_fd_release(plwasi_fd *e);
/* A WASI filetype for a host st_mode. */
uint8_t plwasi_filetype(mode_t mode);
/* The 64-byte WASI filestat of st at p. */
void plwasi_put_filestat(uint8_t *p, const struct stat *st);
/* A timespec array for futimens/utimensat from fst_flags: 0 or EINVAL. */
int plwasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* ---- paths (resolve.c) ------------------------------------------------------------------- */

/* Longest guest path accepted, and longest after symlink expansion. */
#define PLWASI_PATH_MAX 4096u

/* Where a guest path ends up: the last component `name` inside `dirfd`. */
typedef struct plwasi_at {
    int dirfd;           /* the base descriptor, or `owned` */
    int owned;           /* a descriptor opened on the way (closed by plwasi_at_done), or -1 */
    uint32_t depth;      /* directories below the base */
    bool slash;          /* the path ended in '/': the target must be a directory */
    char name[256];      /* ".", or one component (no '/') */
} plwasi_at;

/* Copy a guest path out of memory: 0 and *out (plu_free it), or EFAULT,
** ENAMETOOLONG, EILSEQ (not UTF-8), EINVAL (a NUL byte), ENOMEM. */
int plwasi_guest_path(plwasi_cx *c, uint32_t ptr, uint32_t len, char **out);
/* Resolve a guest path below the directory `base` (see resolve.c): 0 and
** *at, or a WASI errno; ENOTCAPABLE for anything that leaves `base`. With
** follow, a symlink in the last component is followed too. */
int plwasi_resolve(const plwasi_fd *base, const char *path, bool follow, plwasi_at *at);
void plwasi_at_done(plwasi_at *at);
/* Read a guest path and resolve it below the directory fd (which must
** hold `need`); the usual start of a path_* function. */
int plwasi_path_at(plwasi_cx *c, uint32_t fd, uint64_t need, uint32_t ptr, uint32_t len,
                   bool follow, plwasi_fd **dir, plwasi_at *at);
/* True when a symlink target, placed `depth` directories below the base,
** stays below it (no leading '/', never more ".." than depth). */
bool plwasi_link_target_ok(const char *target, uint32_t depth);

#endif
