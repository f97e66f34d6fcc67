package io.locus.target.transport.tcp;

/**
 * The completions of controller-to-host commands whose data already went into the current flush's batch, held back
 * so that their CapsuleResps go out together after that flush's data PDUs, a group at a time, rather than one behind
 * each. SPDK's target does the same by construction (lib/nvmf/tcp.c, nvmf_tcp_pdu_c2h_data_complete: the
 * CapsuleResp is queued once the C2HData's send has completed, so it leaves in a later sendmsg). A host that submits
 * from its completion callbacks and sends once per poll (spdk_nvme_perf) then finds a flush's completions together
 * and submits them in one send, instead of one capsule per send while it reads the data as fast as it arrives.
 *
 * <p>At most {@link #GROUP} are held: the one that fills the group asks for the group to be written at once, after
 * the data so far. A flush of 32 4 KiB reads (a full {@code reactors.batch_pdus}) then sends sixteen reads' data and
 * their CapsuleResps, then the other sixteen's: the host starts completing while the second half is still on its
 * way instead of waiting for the whole queue's data. Measured with spdk_nvme_perf against Locus alone (4 KiB random
 * reads, six interleaved pairs, one build): QD128 436K IOPS mean with groups of 16 against 358K holding the whole
 * flush (16 won five pairs of six), QD32 292K against 299K (even); without holding at all QD128 fell to about 300K.
 * 128 KiB reads keep the whole flush together (its 1 MiB limit is eight reads).
 *
 * <p>Each completion keeps the SQ head it had when the command completed. One per queue, reactor thread only;
 * the array holds one group and nothing is allocated per completion.
 */
final class HeldCompletions {
    /** Completions held at most before they are written, whatever remains of the flush. */
    static final int GROUP = 16;
    /** Ints per held completion: cid, status, DW0, DW1, SQ head. */
    private static final int STRIDE = 5;
    private final int[] fields = new int[GROUP * STRIDE];
    private int count;

    /**
     * Holds one completion; returns true when the group is full and must be written now (before the next hold).
     *
     * @throws IllegalStateException when a full group was not written first
     */
    boolean hold(int cid, int status, int dw0, int dw1, int sqHead) {
        if (count == GROUP) {
            throw new IllegalStateException("held completions: a full group of " + GROUP + " was not written");
        }
        int at = count * STRIDE;
        fields[at] = cid;
        fields[at + 1] = status;
        fields[at + 2] = dw0;
        fields[at + 3] = dw1;
        fields[at + 4] = sqHead;
        return ++count == GROUP;
    }

    int size() {
        return count;
    }

    int cid(int i) {
        return fields[i * STRIDE];
    }

    int status(int i) {
        return fields[i * STRIDE + 1];
    }

    int dw0(int i) {
        return fields[i * STRIDE + 2];
    }

    int dw1(int i) {
        return fields[i * STRIDE + 3];
    }

    int sqHead(int i) {
        return fields[i * STRIDE + 4];
    }

    void clear() {
        count = 0;
    }
}
