/*
 * RDMA verbs and the RDMA connection manager for io.locus.nativeio.rdma (rdma-core's libibverbs and librdmacm).
 *
 * Built as its own library, liblocus-rdma.so, linked against the shared libibverbs and librdmacm: the verbs providers
 * (rxe, mlx5...) are plug-ins that libibverbs dlopens and that link back to libibverbs.so.1, so it cannot be linked in
 * statically as liburing is; and a host without rdma-core then loses RDMA only, not CPU pinning or io_uring.
 *
 * Thin on purpose: Java owns every policy (queue sizes, which opcode, when to post, when to arm a CQ, what private data
 * means). This file maps one Java call to one verbs or CM call, except on the data path, where one call posts a batch
 * of work requests (translated from fixed-size descriptors in caller-owned memory) or polls a batch of completions
 * straight into caller-owned memory laid out as struct ibv_wc. Nothing here allocates per operation.
 *
 * Errors come back as negative errno values (handles are positive pointers); Java names the call and throws.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <jni.h>
#include "io_locus_nativeio_rdma_RdmaNative.h"

/*
 * Work request descriptor, written by Java (WorkRequests.*_OFFSET), little-endian, 32 bytes followed by max_sge
 * scatter/gather entries of 16 bytes each, which are struct ibv_sge exactly and are handed to the provider in place:
 *
 *   0           8        9       10        12                 16             24       28        32
 *   +-----------+--------+-------+---------+------------------+--------------+--------+---------+-----------------+
 *   | wr_id     | opcode | flags | num_sge | invalidate rkey  | remote_addr  | rkey   | (zero)  | sge[max_sge]... |
 *   +-----------+--------+-------+---------+------------------+--------------+--------+---------+-----------------+
 */
struct locus_wr {
    uint64_t wr_id;
    uint8_t opcode;
    uint8_t flags;
    uint16_t num_sge;
    uint32_t invalidate_rkey;
    uint64_t remote_addr;
    uint32_t rkey;
    uint32_t reserved;
};
_Static_assert(sizeof(struct locus_wr) == 32, "descriptor layout is shared with WorkRequests.java");
_Static_assert(sizeof(struct ibv_sge) == 16 && offsetof(struct ibv_sge, addr) == 0 &&
               offsetof(struct ibv_sge, length) == 8 && offsetof(struct ibv_sge, lkey) == 12,
               "WorkRequests.SGE_* offsets");

/* Completions are polled straight into Java's array: its layout is struct ibv_wc (WorkCompletions.*_OFFSET). */
_Static_assert(sizeof(struct ibv_wc) == 48, "WorkCompletions.LENGTH");
_Static_assert(offsetof(struct ibv_wc, wr_id) == 0 && offsetof(struct ibv_wc, status) == 8 &&
               offsetof(struct ibv_wc, opcode) == 12 && offsetof(struct ibv_wc, vendor_err) == 16 &&
               offsetof(struct ibv_wc, byte_len) == 20 && offsetof(struct ibv_wc, imm_data) == 24 &&
               offsetof(struct ibv_wc, qp_num) == 28 && offsetof(struct ibv_wc, src_qp) == 32 &&
               offsetof(struct ibv_wc, wc_flags) == 36, "WorkCompletions.*_OFFSET");

/*
 * CM event record, written here for CmEvent.java, little-endian, 312 bytes:
 *
 *   0      4        8          16                24      32             40       42   43   44    45   46   47   48
 *   +------+--------+----------+-----------------+-------+--------------+--------+----+----+-----+----+----+----+------+
 *   | type | status | context  | listen context  | id    | listen id    | pd len | RR | ID | rtr | rnr| srq| 0  | qpn  |
 *   +------+--------+----------+-----------------+-------+--------------+--------+----+----+-----+----+----+----+------+
 *   52: zero, 56: private data (256)
 */
struct locus_cm_event {
    int32_t type;
    int32_t status;
    uint64_t context;
    uint64_t listen_context;
    uint64_t id;
    uint64_t listen_id;
    uint16_t private_data_len;
    uint8_t responder_resources;
    uint8_t initiator_depth;
    uint8_t retry_count;
    uint8_t rnr_retry_count;
    uint8_t srq;
    uint8_t reserved0;
    uint32_t qp_num;
    uint32_t reserved1;
    uint8_t private_data[256];
};
_Static_assert(sizeof(struct locus_cm_event) == 312, "event layout is shared with CmEvent.java");

/* The values Java uses are the rdma-core ABI; fail the build if the headers ever disagree. */
_Static_assert(IBV_WR_RDMA_WRITE == 0 && IBV_WR_SEND == 2 && IBV_WR_RDMA_READ == 4 && IBV_WR_SEND_WITH_INV == 9,
               "WorkRequests.OP_*");
_Static_assert(IBV_SEND_FENCE == 1 && IBV_SEND_SIGNALED == 2 && IBV_SEND_SOLICITED == 4 && IBV_SEND_INLINE == 8,
               "WorkRequests.FLAG_*");
_Static_assert(IBV_ACCESS_LOCAL_WRITE == 1 && IBV_ACCESS_REMOTE_WRITE == 2 && IBV_ACCESS_REMOTE_READ == 4 &&
               IBV_ACCESS_REMOTE_ATOMIC == 8, "MemoryRegion.ACCESS_*");
_Static_assert(IBV_WC_SUCCESS == 0 && IBV_WC_WR_FLUSH_ERR == 5 && IBV_WC_REM_ACCESS_ERR == 10 &&
               IBV_WC_RETRY_EXC_ERR == 12 && IBV_WC_RNR_RETRY_EXC_ERR == 13 && IBV_WC_GENERAL_ERR == 21,
               "WorkCompletions.STATUS_*");
_Static_assert(IBV_WC_SEND == 0 && IBV_WC_RDMA_WRITE == 1 && IBV_WC_RDMA_READ == 2 && IBV_WC_LOCAL_INV == 6 &&
               IBV_WC_RECV == 128 && IBV_WC_RECV_RDMA_WITH_IMM == 129, "WorkCompletions.OPCODE_*");
_Static_assert(IBV_WC_WITH_IMM == 2 && IBV_WC_WITH_INV == 8, "WorkCompletions.FLAG_*");
_Static_assert(IBV_QPS_RESET == 0 && IBV_QPS_RTS == 3 && IBV_QPS_ERR == 6, "QueuePair.STATE_*");
_Static_assert(RDMA_CM_EVENT_ADDR_RESOLVED == 0 && RDMA_CM_EVENT_CONNECT_REQUEST == 4 &&
               RDMA_CM_EVENT_REJECTED == 8 && RDMA_CM_EVENT_ESTABLISHED == 9 && RDMA_CM_EVENT_DISCONNECTED == 10 &&
               RDMA_CM_EVENT_TIMEWAIT_EXIT == 15, "CmEvent.*");

/* How many work requests one ibv_post_* call takes; a larger batch is posted in several calls. */
#define LOCUS_POST_CHUNK 32

static inline void *ptr(jlong handle) {
    return (void *) (uintptr_t) handle;
}

static inline jlong handle_or_errno(const void *p) {
    return p != NULL ? (jlong) (uintptr_t) p : -(jlong) (errno != 0 ? errno : ENOMEM);
}

/* librdmacm and the object-creating verbs return -1 (or NULL) and set errno. */
static inline jint errno_of(int rc) {
    return rc == 0 ? 0 : -(errno != 0 ? errno : EIO);
}

static int set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

/* An IPv4 (4 bytes) or IPv6 (16 bytes) address and a port, as Java's InetAddress.getAddress() gives them. */
static int to_sockaddr(JNIEnv *env, jbyteArray address, jint port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    jsize n = (*env)->GetArrayLength(env, address);
    if (n == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *) ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t) port);
        (*env)->GetByteArrayRegion(env, address, 0, 4, (jbyte *) &in->sin_addr);
        return 0;
    }
    if (n == 16) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t) port);
        (*env)->GetByteArrayRegion(env, address, 0, 16, (jbyte *) &in6->sin6_addr);
        return 0;
    }
    return -EINVAL;
}

/* Private data (Java checked its length against the CM message) copied into `buf` and pointed to by `param`. */
static void with_private_data(JNIEnv *env, jbyteArray data, uint8_t buf[256], struct rdma_conn_param *param) {
    jsize n = data == NULL ? 0 : (*env)->GetArrayLength(env, data);
    if (n > 255) {
        n = 255;
    }
    if (n > 0) {
        (*env)->GetByteArrayRegion(env, data, 0, n, (jbyte *) buf);
    }
    param->private_data = n > 0 ? buf : NULL;
    param->private_data_len = (uint8_t) n;
}

/* ---- devices ------------------------------------------------------------------------------------------------- */

/*
 * The device contexts librdmacm opened (those its ids resolve to, so a PD allocated on one can carry their QPs), as
 * handles into `out`; returns how many there are (possibly more than out holds) or a negative errno.
 */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_devices0(JNIEnv *env, jclass cls, jlongArray out) {
    (void) cls;
    int count = 0;
    errno = 0;
    struct ibv_context **list = rdma_get_devices(&count);
    if (list == NULL) {
        return -(errno != 0 ? errno : ENODEV);
    }
    jsize room = (*env)->GetArrayLength(env, out);
    for (int i = 0; i < count && i < room; i++) {
        jlong h = (jlong) (uintptr_t) list[i];
        (*env)->SetLongArrayRegion(env, out, i, 1, &h);
    }
    rdma_free_devices(list); /* frees the array only: the contexts stay open, owned by librdmacm */
    return count;
}

JNIEXPORT jstring JNICALL Java_io_locus_nativeio_rdma_RdmaNative_deviceName0(JNIEnv *env, jclass cls, jlong ctx) {
    (void) cls;
    const char *name = ibv_get_device_name(((struct ibv_context *) ptr(ctx))->device);
    return (*env)->NewStringUTF(env, name != NULL ? name : "?");
}

/*
 * Device limits into `out` (DeviceAttributes' order): node GUID, max MR size, max QP, max QP WR, max SGE, max CQ,
 * max CQE, max MR, max PD, max QP RD atomic, max QP init RD atomic, max SRQ, max SRQ WR, physical ports.
 */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_queryDevice0(JNIEnv *env, jclass cls, jlong ctx,
                                                                         jlongArray out) {
    (void) cls;
    struct ibv_device_attr a;
    int rc = ibv_query_device((struct ibv_context *) ptr(ctx), &a);
    if (rc != 0) {
        return -rc;
    }
    jlong v[14] = {
        (jlong) be64toh(a.node_guid), (jlong) a.max_mr_size, a.max_qp, a.max_qp_wr, a.max_sge, a.max_cq, a.max_cqe,
        a.max_mr, a.max_pd, a.max_qp_rd_atom, a.max_qp_init_rd_atom, a.max_srq, a.max_srq_wr, a.phys_port_cnt,
    };
    (*env)->SetLongArrayRegion(env, out, 0, 14, v);
    return 0;
}

/* ---- protection domains and memory regions ------------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_allocPd0(JNIEnv *env, jclass cls, jlong ctx) {
    (void) env;
    (void) cls;
    errno = 0;
    return handle_or_errno(ibv_alloc_pd((struct ibv_context *) ptr(ctx)));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_deallocPd0(JNIEnv *env, jclass cls, jlong pd) {
    (void) env;
    (void) cls;
    return -ibv_dealloc_pd((struct ibv_pd *) ptr(pd));
}

JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_regMr0(JNIEnv *env, jclass cls, jlong pd, jlong address,
                                                                     jlong length, jint access) {
    (void) env;
    (void) cls;
    errno = 0;
    return handle_or_errno(ibv_reg_mr((struct ibv_pd *) ptr(pd), ptr(address), (size_t) length, access));
}

/* lkey in the low 32 bits, rkey in the high 32. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_mrKeys0(JNIEnv *env, jclass cls, jlong mr) {
    (void) env;
    (void) cls;
    struct ibv_mr *m = ptr(mr);
    return (jlong) m->lkey | ((jlong) m->rkey << 32);
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_deregMr0(JNIEnv *env, jclass cls, jlong mr) {
    (void) env;
    (void) cls;
    return -ibv_dereg_mr((struct ibv_mr *) ptr(mr));
}

/* ---- completion channels and completion queues --------------------------------------------------------------- */

/* A completion channel whose fd is non-blocking, so a reactor can keep it in its epoll set. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_createCompChannel0(JNIEnv *env, jclass cls, jlong ctx) {
    (void) env;
    (void) cls;
    errno = 0;
    struct ibv_comp_channel *ch = ibv_create_comp_channel((struct ibv_context *) ptr(ctx));
    if (ch == NULL) {
        return handle_or_errno(NULL);
    }
    int rc = set_nonblocking(ch->fd);
    if (rc < 0) {
        ibv_destroy_comp_channel(ch);
        return rc;
    }
    return (jlong) (uintptr_t) ch;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_compChannelFd0(JNIEnv *env, jclass cls, jlong ch) {
    (void) env;
    (void) cls;
    return ((struct ibv_comp_channel *) ptr(ch))->fd;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_destroyCompChannel0(JNIEnv *env, jclass cls, jlong ch) {
    (void) env;
    (void) cls;
    return -ibv_destroy_comp_channel((struct ibv_comp_channel *) ptr(ch));
}

/* The CQ that has an event waiting on the channel, 0 when none is (EAGAIN), or a negative errno. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_getCqEvent0(JNIEnv *env, jclass cls, jlong ch) {
    (void) env;
    (void) cls;
    struct ibv_cq *cq;
    void *cq_context;
    if (ibv_get_cq_event((struct ibv_comp_channel *) ptr(ch), &cq, &cq_context) != 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -(jlong) (errno != 0 ? errno : EIO);
    }
    return (jlong) (uintptr_t) cq;
}

JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_createCq0(JNIEnv *env, jclass cls, jlong ctx, jint cqe,
                                                                       jlong channel, jint vector) {
    (void) env;
    (void) cls;
    errno = 0;
    return handle_or_errno(ibv_create_cq((struct ibv_context *) ptr(ctx), cqe, NULL,
                                         (struct ibv_comp_channel *) ptr(channel), vector));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_cqCapacity0(JNIEnv *env, jclass cls, jlong cq) {
    (void) env;
    (void) cls;
    return ((struct ibv_cq *) ptr(cq))->cqe;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_destroyCq0(JNIEnv *env, jclass cls, jlong cq) {
    (void) env;
    (void) cls;
    return -ibv_destroy_cq((struct ibv_cq *) ptr(cq));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_reqNotifyCq0(JNIEnv *env, jclass cls, jlong cq,
                                                                         jboolean solicited_only) {
    (void) env;
    (void) cls;
    return -ibv_req_notify_cq((struct ibv_cq *) ptr(cq), solicited_only ? 1 : 0);
}

JNIEXPORT void JNICALL Java_io_locus_nativeio_rdma_RdmaNative_ackCqEvents0(JNIEnv *env, jclass cls, jlong cq, jint n) {
    (void) env;
    (void) cls;
    ibv_ack_cq_events((struct ibv_cq *) ptr(cq), (unsigned) n);
}

/* Up to `max` completions written at `wcs` as struct ibv_wc; returns how many, or negative on a provider error. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_pollCq0(JNIEnv *env, jclass cls, jlong cq, jlong wcs,
                                                                    jint max) {
    (void) env;
    (void) cls;
    return ibv_poll_cq((struct ibv_cq *) ptr(cq), max, (struct ibv_wc *) ptr(wcs));
}

/* ---- queue pairs --------------------------------------------------------------------------------------------- */

/*
 * An RC QP on the CM id, its CQs and PD given; caps holds {max send WR, max recv WR, max send SGE, max recv SGE,
 * max inline data} on the way in and what the provider granted on the way out. Returns the QP or a negative errno.
 */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_createQp0(JNIEnv *env, jclass cls, jlong id, jlong pd,
                                                                       jlong send_cq, jlong recv_cq, jintArray caps) {
    (void) cls;
    jint c[5];
    (*env)->GetIntArrayRegion(env, caps, 0, 5, c);
    struct ibv_qp_init_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.send_cq = ptr(send_cq);
    attr.recv_cq = ptr(recv_cq);
    attr.qp_type = IBV_QPT_RC;
    attr.sq_sig_all = 0;
    attr.cap.max_send_wr = (uint32_t) c[0];
    attr.cap.max_recv_wr = (uint32_t) c[1];
    attr.cap.max_send_sge = (uint32_t) c[2];
    attr.cap.max_recv_sge = (uint32_t) c[3];
    attr.cap.max_inline_data = (uint32_t) c[4];
    struct rdma_cm_id *cm = ptr(id);
    errno = 0;
    if (rdma_create_qp(cm, (struct ibv_pd *) ptr(pd), &attr) != 0) {
        return errno_of(-1);
    }
    c[0] = (jint) attr.cap.max_send_wr;
    c[1] = (jint) attr.cap.max_recv_wr;
    c[2] = (jint) attr.cap.max_send_sge;
    c[3] = (jint) attr.cap.max_recv_sge;
    c[4] = (jint) attr.cap.max_inline_data;
    (*env)->SetIntArrayRegion(env, caps, 0, 5, c);
    return (jlong) (uintptr_t) cm->qp;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_qpNum0(JNIEnv *env, jclass cls, jlong qp) {
    (void) env;
    (void) cls;
    return (jint) ((struct ibv_qp *) ptr(qp))->qp_num;
}

JNIEXPORT void JNICALL Java_io_locus_nativeio_rdma_RdmaNative_destroyQp0(JNIEnv *env, jclass cls, jlong id) {
    (void) env;
    (void) cls;
    rdma_destroy_qp((struct rdma_cm_id *) ptr(id));
}

/* Moves the QP to `state` (IBV_QPS_ERR to flush it, as a drain does); 0 or a negative errno. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_modifyQpState0(JNIEnv *env, jclass cls, jlong qp,
                                                                           jint state) {
    (void) env;
    (void) cls;
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.qp_state = (enum ibv_qp_state) state;
    return -ibv_modify_qp((struct ibv_qp *) ptr(qp), &attr, IBV_QP_STATE);
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_queryQpState0(JNIEnv *env, jclass cls, jlong qp) {
    (void) env;
    (void) cls;
    struct ibv_qp_attr attr;
    struct ibv_qp_init_attr init;
    int rc = ibv_query_qp((struct ibv_qp *) ptr(qp), &attr, IBV_QP_STATE, &init);
    return rc != 0 ? -rc : (jint) attr.qp_state;
}

static inline const struct locus_wr *wr_at(jlong base, jint stride, int i) {
    return (const struct locus_wr *) ((uintptr_t) base + (uintptr_t) i * (uintptr_t) stride);
}

/* What a post returns to Java: the errno that stopped it (0 when none) above how many requests were posted. */
static inline jlong post_result(int err, int posted) {
    return ((jlong) err << 32) | (jlong) (uint32_t) posted;
}

/*
 * Posts `count` send descriptors starting at `base` (each `stride` bytes, at most `max_sge` SGEs) in chunks of
 * LOCUS_POST_CHUNK, the SGEs used in place. Stops at the first request the provider refuses or that is malformed
 * (EINVAL: an opcode other than SEND, SEND_WITH_INV, RDMA_WRITE, RDMA_READ, or too many SGEs); everything before it
 * is posted.
 */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_postSend0(JNIEnv *env, jclass cls, jlong qp, jlong base,
                                                                       jint stride, jint max_sge, jint count) {
    (void) env;
    (void) cls;
    struct ibv_send_wr wr[LOCUS_POST_CHUNK];
    int posted = 0;
    while (posted < count) {
        int n = 0;
        int err = 0;
        for (; n < LOCUS_POST_CHUNK && posted + n < count; n++) {
            const struct locus_wr *d = wr_at(base, stride, posted + n);
            struct ibv_send_wr *w = &wr[n];
            memset(w, 0, sizeof *w);
            if (d->num_sge > max_sge) {
                err = EINVAL;
                break;
            }
            w->wr_id = d->wr_id;
            w->sg_list = (struct ibv_sge *) (d + 1);
            w->num_sge = d->num_sge;
            w->send_flags = d->flags;
            if (d->opcode == IBV_WR_SEND) {
                w->opcode = IBV_WR_SEND;
            } else if (d->opcode == IBV_WR_SEND_WITH_INV) {
                w->opcode = IBV_WR_SEND_WITH_INV;
                w->invalidate_rkey = d->invalidate_rkey;
            } else if (d->opcode == IBV_WR_RDMA_WRITE || d->opcode == IBV_WR_RDMA_READ) {
                w->opcode = (enum ibv_wr_opcode) d->opcode;
                w->wr.rdma.remote_addr = d->remote_addr;
                w->wr.rdma.rkey = d->rkey;
            } else {
                err = EINVAL;
                break;
            }
            if (n > 0) {
                wr[n - 1].next = w;
            }
        }
        if (n > 0) {
            struct ibv_send_wr *bad = NULL;
            int rc = ibv_post_send((struct ibv_qp *) ptr(qp), wr, &bad);
            if (rc != 0) {
                return post_result(rc, posted + (bad != NULL ? (int) (bad - wr) : 0));
            }
            posted += n;
        }
        if (err != 0) {
            return post_result(err, posted);
        }
    }
    return post_result(0, posted);
}

/* As postSend0 for receive descriptors: only wr_id, num_sge and the SGEs are read. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_postRecv0(JNIEnv *env, jclass cls, jlong qp, jlong base,
                                                                       jint stride, jint max_sge, jint count) {
    (void) env;
    (void) cls;
    struct ibv_recv_wr wr[LOCUS_POST_CHUNK];
    int posted = 0;
    while (posted < count) {
        int n = 0;
        int err = 0;
        for (; n < LOCUS_POST_CHUNK && posted + n < count; n++) {
            const struct locus_wr *d = wr_at(base, stride, posted + n);
            if (d->num_sge > max_sge) {
                err = EINVAL;
                break;
            }
            wr[n].wr_id = d->wr_id;
            wr[n].sg_list = (struct ibv_sge *) (d + 1);
            wr[n].num_sge = d->num_sge;
            wr[n].next = NULL;
            if (n > 0) {
                wr[n - 1].next = &wr[n];
            }
        }
        if (n > 0) {
            struct ibv_recv_wr *bad = NULL;
            int rc = ibv_post_recv((struct ibv_qp *) ptr(qp), wr, &bad);
            if (rc != 0) {
                return post_result(rc, posted + (bad != NULL ? (int) (bad - wr) : 0));
            }
            posted += n;
        }
        if (err != 0) {
            return post_result(err, posted);
        }
    }
    return post_result(0, posted);
}

/* ---- the connection manager ---------------------------------------------------------------------------------- */

/* An event channel whose fd is non-blocking, so a reactor can keep it in its epoll set. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_createEventChannel0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    errno = 0;
    struct rdma_event_channel *ch = rdma_create_event_channel();
    if (ch == NULL) {
        return handle_or_errno(NULL);
    }
    int rc = set_nonblocking(ch->fd);
    if (rc < 0) {
        rdma_destroy_event_channel(ch);
        return rc;
    }
    return (jlong) (uintptr_t) ch;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_eventChannelFd0(JNIEnv *env, jclass cls, jlong ch) {
    (void) env;
    (void) cls;
    return ((struct rdma_event_channel *) ptr(ch))->fd;
}

JNIEXPORT void JNICALL Java_io_locus_nativeio_rdma_RdmaNative_destroyEventChannel0(JNIEnv *env, jclass cls, jlong ch) {
    (void) env;
    (void) cls;
    rdma_destroy_event_channel((struct rdma_event_channel *) ptr(ch));
}

/* An RC (RDMA_PS_TCP) id whose events carry `context`; the id or a negative errno. */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_createId0(JNIEnv *env, jclass cls, jlong ch,
                                                                       jlong context) {
    (void) env;
    (void) cls;
    struct rdma_cm_id *id = NULL;
    errno = 0;
    if (rdma_create_id((struct rdma_event_channel *) ptr(ch), &id, ptr(context), RDMA_PS_TCP) != 0) {
        return errno_of(-1);
    }
    return (jlong) (uintptr_t) id;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_destroyId0(JNIEnv *env, jclass cls, jlong id) {
    (void) env;
    (void) cls;
    errno = 0;
    return errno_of(rdma_destroy_id((struct rdma_cm_id *) ptr(id)));
}

JNIEXPORT void JNICALL Java_io_locus_nativeio_rdma_RdmaNative_setContext0(JNIEnv *env, jclass cls, jlong id,
                                                                        jlong context) {
    (void) env;
    (void) cls;
    ((struct rdma_cm_id *) ptr(id))->context = ptr(context);
}

/* The device context the id is bound to (0 before it is bound to a device). */
JNIEXPORT jlong JNICALL Java_io_locus_nativeio_rdma_RdmaNative_idVerbs0(JNIEnv *env, jclass cls, jlong id) {
    (void) env;
    (void) cls;
    return (jlong) (uintptr_t) ((struct rdma_cm_id *) ptr(id))->verbs;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_localPort0(JNIEnv *env, jclass cls, jlong id) {
    (void) env;
    (void) cls;
    return ntohs(rdma_get_src_port((struct rdma_cm_id *) ptr(id)));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_bindAddr0(JNIEnv *env, jclass cls, jlong id,
                                                                      jbyteArray address, jint port) {
    (void) cls;
    struct sockaddr_storage ss;
    int rc = to_sockaddr(env, address, port, &ss);
    if (rc < 0) {
        return rc;
    }
    errno = 0;
    return errno_of(rdma_bind_addr((struct rdma_cm_id *) ptr(id), (struct sockaddr *) &ss));
}

/* Starts address resolution (RDMA_CM_EVENT_ADDR_RESOLVED or _ADDR_ERROR follows); `source` may be null. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_resolveAddr0(JNIEnv *env, jclass cls, jlong id,
                                                                         jbyteArray source, jint source_port,
                                                                         jbyteArray destination, jint destination_port,
                                                                         jint timeout_ms) {
    (void) cls;
    struct sockaddr_storage src;
    struct sockaddr_storage dst;
    int rc = to_sockaddr(env, destination, destination_port, &dst);
    if (rc == 0 && source != NULL) {
        rc = to_sockaddr(env, source, source_port, &src);
    }
    if (rc < 0) {
        return rc;
    }
    errno = 0;
    return errno_of(rdma_resolve_addr((struct rdma_cm_id *) ptr(id), source != NULL ? (struct sockaddr *) &src : NULL,
                                      (struct sockaddr *) &dst, timeout_ms));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_resolveRoute0(JNIEnv *env, jclass cls, jlong id,
                                                                          jint timeout_ms) {
    (void) env;
    (void) cls;
    errno = 0;
    return errno_of(rdma_resolve_route((struct rdma_cm_id *) ptr(id), timeout_ms));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_listen0(JNIEnv *env, jclass cls, jlong id, jint backlog) {
    (void) env;
    (void) cls;
    errno = 0;
    return errno_of(rdma_listen((struct rdma_cm_id *) ptr(id), backlog));
}

/* Connects with flow control on; the QP created on the id supplies qp_num. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_connect0(JNIEnv *env, jclass cls, jlong id,
                                                                     jbyteArray data, jint responder_resources,
                                                                     jint initiator_depth, jint retry_count,
                                                                     jint rnr_retry_count) {
    (void) cls;
    uint8_t buf[256];
    struct rdma_conn_param param;
    memset(&param, 0, sizeof param);
    with_private_data(env, data, buf, &param);
    param.responder_resources = (uint8_t) responder_resources;
    param.initiator_depth = (uint8_t) initiator_depth;
    param.flow_control = 1;
    param.retry_count = (uint8_t) retry_count;
    param.rnr_retry_count = (uint8_t) rnr_retry_count;
    errno = 0;
    return errno_of(rdma_connect((struct rdma_cm_id *) ptr(id), &param));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_accept0(JNIEnv *env, jclass cls, jlong id,
                                                                    jbyteArray data, jint responder_resources,
                                                                    jint initiator_depth, jint rnr_retry_count) {
    (void) cls;
    uint8_t buf[256];
    struct rdma_conn_param param;
    memset(&param, 0, sizeof param);
    with_private_data(env, data, buf, &param);
    param.responder_resources = (uint8_t) responder_resources;
    param.initiator_depth = (uint8_t) initiator_depth;
    param.flow_control = 1;
    param.rnr_retry_count = (uint8_t) rnr_retry_count;
    errno = 0;
    return errno_of(rdma_accept((struct rdma_cm_id *) ptr(id), &param));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_reject0(JNIEnv *env, jclass cls, jlong id,
                                                                    jbyteArray data) {
    (void) cls;
    uint8_t buf[256];
    struct rdma_conn_param param;
    with_private_data(env, data, buf, &param);
    errno = 0;
    return errno_of(rdma_reject((struct rdma_cm_id *) ptr(id), param.private_data, param.private_data_len));
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_disconnect0(JNIEnv *env, jclass cls, jlong id) {
    (void) env;
    (void) cls;
    errno = 0;
    return errno_of(rdma_disconnect((struct rdma_cm_id *) ptr(id)));
}

/* Moves the id (and the events still to come for it) to another event channel: a queue moving to another reactor. */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_migrateId0(JNIEnv *env, jclass cls, jlong id, jlong ch) {
    (void) env;
    (void) cls;
    errno = 0;
    return errno_of(rdma_migrate_id((struct rdma_cm_id *) ptr(id), (struct rdma_event_channel *) ptr(ch)));
}

/*
 * Takes the next event from the (non-blocking) channel, copies it into the record at `out` and acknowledges it at
 * once, so no event is ever left holding an id that is being destroyed. Returns 1 when an event was copied, 0 when
 * none is waiting, or a negative errno.
 */
JNIEXPORT jint JNICALL Java_io_locus_nativeio_rdma_RdmaNative_getCmEvent0(JNIEnv *env, jclass cls, jlong ch,
                                                                        jlong out) {
    (void) env;
    (void) cls;
    struct rdma_cm_event *ev = NULL;
    errno = 0;
    if (rdma_get_cm_event((struct rdma_event_channel *) ptr(ch), &ev) != 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno_of(-1);
    }
    struct locus_cm_event *r = ptr(out);
    r->type = (int32_t) ev->event;
    r->status = ev->status;
    r->context = (uint64_t) (uintptr_t) (ev->id != NULL ? ev->id->context : NULL);
    r->listen_context = (uint64_t) (uintptr_t) (ev->listen_id != NULL ? ev->listen_id->context : NULL);
    r->id = (uint64_t) (uintptr_t) ev->id;
    r->listen_id = (uint64_t) (uintptr_t) ev->listen_id;
    const struct rdma_conn_param *c = &ev->param.conn;
    uint16_t len = c->private_data != NULL ? c->private_data_len : 0;
    r->private_data_len = len;
    r->responder_resources = c->responder_resources;
    r->initiator_depth = c->initiator_depth;
    r->retry_count = c->retry_count;
    r->rnr_retry_count = c->rnr_retry_count;
    r->srq = c->srq;
    r->reserved0 = 0;
    r->qp_num = c->qp_num;
    r->reserved1 = 0;
    if (len > 0) {
        memcpy(r->private_data, c->private_data, len);
    }
    rdma_ack_cm_event(ev);
    return 1;
}

/* The C library's text for an errno, for exception messages. */
JNIEXPORT jstring JNICALL Java_io_locus_nativeio_rdma_RdmaNative_strerror0(JNIEnv *env, jclass cls, jint err) {
    (void) cls;
    char buf[128];
    const char *text = strerror_r(err, buf, sizeof buf);
    return (*env)->NewStringUTF(env, text);
}
