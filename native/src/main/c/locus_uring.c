/*
 * io_uring for io.locus.nativeio.IoUring and file descriptors for io.locus.nativeio.NativeFile.
 *
 * Thin on purpose: Java owns every policy (which setup flags to try, which opcode, when to submit); this file only
 * turns a batch of fixed-size submission descriptors into SQEs, enters the kernel once, and copies the completions
 * it finds into a caller-owned array. Nothing here allocates per I/O, and every JNI entry takes only primitives, so a
 * reactor turn costs one JNI call and at most one io_uring_enter.
 *
 * Errors come back as negative errno values; Java decides what they mean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>

#include <jni.h>
#include "io_locus_nativeio_IoUring.h"
#include "io_locus_nativeio_NativeFile.h"

/*
 * Submission descriptor, written by Java (IoUring.DESCRIPTOR_* offsets), little-endian, 48 bytes:
 *
 *   0      1       2           4           8               16          20           24          32          40
 *   +------+-------+-----------+-----------+---------------+-----------+------------+-----------+-----------+----------+
 *   |opcode|sqe    | buf_index | fd (or    | addr          | len       | rw_flags / | off /     | user_data | addr3    |
 *   |      |flags  |           | fixed slot)|              |           | fsync_flags| cmd_op    |           |          |
 *   +------+-------+-----------+-----------+---------------+-----------+------------+-----------+-----------+----------+
 */
struct locus_sqd {
    uint8_t opcode;
    uint8_t sqe_flags;
    uint16_t buf_index;
    int32_t fd;
    uint64_t addr;
    uint32_t len;
    uint32_t rw_flags;
    uint64_t off;
    uint64_t user_data;
    uint64_t addr3;
};
_Static_assert(sizeof(struct locus_sqd) == 48, "descriptor layout is shared with IoUring.java");

/* Completion record written for Java: user_data, res, flags (16 bytes). */
struct locus_cqd {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};
_Static_assert(sizeof(struct locus_cqd) == 16, "completion layout is shared with IoUring.java");

/* The opcode and flag values Java uses are the kernel ABI; fail the build if the headers ever disagree. */
_Static_assert(IORING_OP_FSYNC == 3, "IoUring.OP_FSYNC");
_Static_assert(IORING_OP_READ_FIXED == 4, "IoUring.OP_READ_FIXED");
_Static_assert(IORING_OP_WRITE_FIXED == 5, "IoUring.OP_WRITE_FIXED");
_Static_assert(IORING_OP_FALLOCATE == 17, "IoUring.OP_FALLOCATE");
_Static_assert(IORING_OP_READ == 22, "IoUring.OP_READ");
_Static_assert(IORING_OP_WRITE == 23, "IoUring.OP_WRITE");
_Static_assert(IORING_OP_URING_CMD == 46, "IoUring.OP_URING_CMD");
_Static_assert(IOSQE_FIXED_FILE == 1, "IoUring.SQE_FIXED_FILE");
_Static_assert(IORING_FSYNC_DATASYNC == 1, "IoUring.FSYNC_DATASYNC");
_Static_assert(RWF_DSYNC == 2, "IoUring.RWF_DSYNC");
_Static_assert(IORING_SETUP_CQSIZE == (1U << 3), "IoUring.SETUP_CQSIZE");
_Static_assert(IORING_SETUP_SUBMIT_ALL == (1U << 7), "IoUring.SETUP_SUBMIT_ALL");
_Static_assert(IORING_SETUP_COOP_TASKRUN == (1U << 8), "IoUring.SETUP_COOP_TASKRUN");
_Static_assert(IORING_SETUP_SINGLE_ISSUER == (1U << 12), "IoUring.SETUP_SINGLE_ISSUER");
_Static_assert(IORING_SETUP_DEFER_TASKRUN == (1U << 13), "IoUring.SETUP_DEFER_TASKRUN");
_Static_assert(O_DIRECT == 040000, "NativeFile.O_DIRECT");
_Static_assert(FALLOC_FL_KEEP_SIZE == 1 && FALLOC_FL_PUNCH_HOLE == 2 && FALLOC_FL_ZERO_RANGE == 0x10, "NativeFile.FALLOC_*");

static inline struct io_uring *ring_of(jlong handle) {
    return (struct io_uring *) (uintptr_t) handle;
}

/* ---- rings ---------------------------------------------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_io_locus_nativeio_IoUring_create0(JNIEnv *env, jclass cls, jint entries, jint cq_entries,
                                                               jint flags) {
    (void) env;
    (void) cls;
    struct io_uring *ring = calloc(1, sizeof *ring);
    if (ring == NULL) {
        return -ENOMEM;
    }
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    params.flags = (unsigned) flags;
    if (cq_entries > 0) {
        params.flags |= IORING_SETUP_CQSIZE;
        params.cq_entries = (unsigned) cq_entries;
    }
    int rc = io_uring_queue_init_params((unsigned) entries, ring, &params);
    if (rc < 0) {
        free(ring);
        return rc;
    }
    return (jlong) (uintptr_t) ring;
}

JNIEXPORT void JNICALL Java_io_locus_nativeio_IoUring_destroy0(JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    struct io_uring *ring = ring_of(handle);
    io_uring_queue_exit(ring);
    free(ring);
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_setupFlags0(JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    return (jint) ring_of(handle)->flags;
}

/* Bit n set when opcode n (< 64) is supported; negative errno when the kernel cannot be asked. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_IoUring_probe0(JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    struct io_uring_probe *probe = io_uring_get_probe_ring(ring_of(handle));
    if (probe == NULL) {
        return -ENOSYS;
    }
    uint64_t bits = 0;
    for (int op = 0; op < 64; op++) {
        if (io_uring_opcode_supported(probe, op)) {
            bits |= (uint64_t) 1 << op;
        }
    }
    io_uring_free_probe(probe);
    return (jlong) bits;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_registerBuffer0(JNIEnv *env, jclass cls, jlong handle, jlong addr,
                                                                      jlong length) {
    (void) env;
    (void) cls;
    struct iovec iov = {.iov_base = (void *) (uintptr_t) addr, .iov_len = (size_t) length};
    return io_uring_register_buffers(ring_of(handle), &iov, 1);
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_registerFilesSparse0(JNIEnv *env, jclass cls, jlong handle,
                                                                           jint count) {
    (void) env;
    (void) cls;
    return io_uring_register_files_sparse(ring_of(handle), (unsigned) count);
}

/* Puts fd (or -1 to empty the slot) into the registered file table. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_updateFile0(JNIEnv *env, jclass cls, jlong handle, jint slot,
                                                                  jint fd) {
    (void) env;
    (void) cls;
    int fds[1] = {fd};
    int rc = io_uring_register_files_update(ring_of(handle), (unsigned) slot, fds, 1);
    return rc < 0 ? rc : 0;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_registerRingFd0(JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    int rc = io_uring_register_ring_fd(ring_of(handle));
    return rc < 0 ? rc : 0;
}

/*
 * One reactor turn: turns up to `count` descriptors into SQEs, submits them and runs deferred task work in one
 * io_uring_enter (skipped when there is nothing to submit and completions are already waiting), then copies up to
 * `max_cqes` completions into `cqes`. control[0] receives how many descriptors were taken (fewer only when the SQ
 * ring is full), control[1] the result of the enter (0, or a negative errno such as -EBUSY). Returns the number of
 * completions copied.
 */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_enter0(JNIEnv *env, jclass cls, jlong handle, jlong sqds,
                                                             jint count, jlong cqds, jint max_cqes, jlong control) {
    (void) env;
    (void) cls;
    struct io_uring *ring = ring_of(handle);
    const struct locus_sqd *d = (const struct locus_sqd *) (uintptr_t) sqds;
    int64_t *ctl = (int64_t *) (uintptr_t) control;
    int taken = 0;
    for (; taken < count; taken++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
        if (sqe == NULL) {
            break;
        }
        const struct locus_sqd *s = &d[taken];
        io_uring_prep_rw(s->opcode, sqe, s->fd, (const void *) (uintptr_t) s->addr, s->len, s->off);
        sqe->flags = s->sqe_flags;
        sqe->rw_flags = (__kernel_rwf_t) s->rw_flags; /* shares the union with fsync_flags */
        sqe->buf_index = s->buf_index;
        sqe->user_data = s->user_data;
        if (s->opcode == IORING_OP_URING_CMD) {
            sqe->cmd_op = (uint32_t) s->off;
            sqe->__pad1 = 0;
            sqe->addr3 = s->addr3;
        }
    }
    int rc = 0;
    if (taken > 0 || io_uring_cq_ready(ring) == 0) {
        rc = io_uring_submit_and_get_events(ring);
        if (rc > 0) {
            rc = 0;
        }
    }
    ctl[0] = taken;
    ctl[1] = rc;
    struct locus_cqd *out = (struct locus_cqd *) (uintptr_t) cqds;
    int reaped = 0;
    unsigned head;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
        if (reaped == max_cqes) {
            break;
        }
        out[reaped].user_data = cqe->user_data;
        out[reaped].res = cqe->res;
        out[reaped].flags = cqe->flags;
        reaped++;
    }
    io_uring_cq_advance(ring, (unsigned) reaped);
    return reaped;
}

/* Anonymous, page-aligned memory for I/O buffers: unmapping it is safe even while the kernel still pins it. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_IoUring_mmap0(JNIEnv *env, jclass cls, jlong length) {
    (void) env;
    (void) cls;
    void *p = mmap(NULL, (size_t) length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? -errno : (jlong) (uintptr_t) p;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_IoUring_munmap0(JNIEnv *env, jclass cls, jlong addr, jlong length) {
    (void) env;
    (void) cls;
    return munmap((void *) (uintptr_t) addr, (size_t) length) == 0 ? 0 : -errno;
}

/* ---- file descriptors ---------------------------------------------------------------------------------------- */

JNIEXPORT jint JNICALL Java_io_locus_nativeio_NativeFile_open0(JNIEnv *env, jclass cls, jbyteArray path, jint flags,
                                                               jint mode) {
    (void) cls;
    char name[PATH_MAX];
    jsize n = (*env)->GetArrayLength(env, path);
    if (n <= 0 || n >= PATH_MAX) {
        return -ENAMETOOLONG;
    }
    (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *) name);
    name[n] = '\0';
    int fd = open(name, flags, (mode_t) mode);
    return fd < 0 ? -errno : fd;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_NativeFile_close0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    return close(fd) == 0 ? 0 : -errno;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_NativeFile_fdatasync0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    return fdatasync(fd) == 0 ? 0 : -errno;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_NativeFile_ftruncate0(JNIEnv *env, jclass cls, jint fd, jlong length) {
    (void) env;
    (void) cls;
    return ftruncate(fd, (off_t) length) == 0 ? 0 : -errno;
}

/* 1 regular file, 2 block device, 0 anything else; negative errno. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_NativeFile_type0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -errno;
    }
    return S_ISREG(st.st_mode) ? 1 : S_ISBLK(st.st_mode) ? 2 : 0;
}

/* Size in bytes of a regular file or a block device. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_NativeFile_size0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -errno;
    }
    if (S_ISBLK(st.st_mode)) {
        uint64_t bytes;
        return ioctl(fd, BLKGETSIZE64, &bytes) == 0 ? (jlong) bytes : -errno;
    }
    return (jlong) st.st_size;
}

/* Device number of a block device (major << 32 | minor), for its sysfs queue attributes. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_NativeFile_rdev0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -errno;
    }
    return ((jlong) major(st.st_rdev) << 32) | (jlong) minor(st.st_rdev);
}

/*
 * O_DIRECT alignment as (memory alignment << 32 | offset alignment). statx(STATX_DIOALIGN) where the kernel knows
 * (0 there means the file does not support O_DIRECT); a block device's logical block size otherwise; 0 when unknown.
 */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_NativeFile_directIoAlignment0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
#ifdef STATX_DIOALIGN
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 && (stx.stx_mask & STATX_DIOALIGN)) {
        return ((jlong) stx.stx_dio_mem_align << 32) | (jlong) stx.stx_dio_offset_align;
    }
#endif
    int logical;
    if (ioctl(fd, BLKSSZGET, &logical) == 0 && logical > 0) {
        return ((jlong) logical << 32) | (jlong) logical;
    }
    return 0;
}
