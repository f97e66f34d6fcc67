package io.locus.nativeio.rdma;

/**
 * A reliable-connected queue pair ({@code ibv_qp}) created on a {@link CmId}, which moves it through INIT, RTR and
 * RTS as the connection is made. Posting is one JNI call per batch, allocating nothing; completions arrive on the CQs
 * it was created with. A QP belongs to one reactor thread: verbs allow posting from several, but the batching here
 * assumes one writer per {@link WorkRequests} array.
 */
public final class QueuePair {
    // enum ibv_qp_state
    public static final int STATE_RESET = 0;
    public static final int STATE_INIT = 1;
    public static final int STATE_RTR = 2;
    public static final int STATE_RTS = 3;
    public static final int STATE_SQD = 4;
    public static final int STATE_SQE = 5;
    /** Every posted and future request completes with {@link WorkCompletions#STATUS_WR_FLUSH_ERR}. */
    public static final int STATE_ERR = 6;

    private final long handle;
    private final int number;
    private final QueuePairCapabilities capabilities;
    private int lastPostError;

    QueuePair(long handle, QueuePairCapabilities capabilities) {
        this.handle = handle;
        this.number = RdmaNative.qpNum0(handle);
        this.capabilities = capabilities;
    }

    /** The QP number, as {@link WorkCompletions#qpNumber} reports it. */
    public int number() {
        return number;
    }

    /** What the provider granted (at least what was asked). */
    public QueuePairCapabilities capabilities() {
        return capabilities;
    }

    /**
     * Posts send entries {@code [first, first + count)} of {@code requests} ({@code ibv_post_send}, in chunks of 32).
     *
     * @return how many were posted, from {@code first} on. Fewer than {@code count} means one was refused and
     *         {@link #lastPostError()} says why: ENOMEM, the send queue is full (more outstanding than
     *         {@link QueuePairCapabilities#maxSendWr()}); EINVAL, a malformed entry (too many SGEs, a bad opcode,
     *         inline data too long); the entries after it were not posted either
     * @throws IndexOutOfBoundsException when the range is outside the array
     */
    public int postSend(WorkRequests requests, int first, int count) {
        long rc = RdmaNative.postSend0(handle, requests.address(first, count), requests.stride(), requests.maxSge(),
                count);
        lastPostError = (int) (rc >>> 32);
        return (int) rc;
    }

    /**
     * Posts receive entries {@code [first, first + count)} ({@code ibv_post_recv}); returns and reports as
     * {@link #postSend}, ENOMEM meaning the receive queue is full.
     */
    public int postReceive(WorkRequests requests, int first, int count) {
        long rc = RdmaNative.postRecv0(handle, requests.address(first, count), requests.stride(), requests.maxSge(),
                count);
        lastPostError = (int) (rc >>> 32);
        return (int) rc;
    }

    /** The positive errno that stopped the last post short, 0 when it posted everything. */
    public int lastPostError() {
        return lastPostError;
    }

    /**
     * Moves the QP to {@link #STATE_ERR} ({@code ibv_modify_qp}): everything posted completes with WR_FLUSH_ERR, the
     * first step of a drain (as the kernel's {@code ib_drain_qp}).
     */
    public void moveToError() throws RdmaException {
        RdmaException.check("ibv_modify_qp", RdmaNative.modifyQpState0(handle, STATE_ERR));
    }

    /** The current {@code STATE_*} ({@code ibv_query_qp}). */
    public int state() throws RdmaException {
        return (int) RdmaException.check("ibv_query_qp", RdmaNative.queryQpState0(handle));
    }
}
