package io.locus.nativeio.rdma;

/**
 * A queue pair's sizes: asked for at creation, and what the provider granted ({@link QueuePair#capabilities()}, at
 * least what was asked). An NVMe/RDMA queue of depth Q typically asks Q receives, a few times Q sends (data
 * transfers plus the response), 1–2 receive SGEs (the command, in-capsule data) and the device's
 * {@link DeviceAttributes#maxSge()} send SGEs.
 *
 * @param maxSendWr     send work requests outstanding at once
 * @param maxRecvWr     receive work requests outstanding at once
 * @param maxSendSge    SGEs per send work request
 * @param maxRecvSge    SGEs per receive work request
 * @param maxInlineData bytes a send may carry inline ({@link WorkRequests#FLAG_INLINE}), 0 for none
 */
public record QueuePairCapabilities(int maxSendWr, int maxRecvWr, int maxSendSge, int maxRecvSge, int maxInlineData) {
    public QueuePairCapabilities {
        if (maxSendWr < 1 || maxRecvWr < 1 || maxSendSge < 1 || maxRecvSge < 1 || maxInlineData < 0) {
            throw new IllegalArgumentException("a queue pair needs at least one send and one receive request and SGE, "
                    + "and no negative inline size: " + this);
        }
    }

    int[] toArray() {
        return new int[] {maxSendWr, maxRecvWr, maxSendSge, maxRecvSge, maxInlineData};
    }

    static QueuePairCapabilities of(int[] c) {
        return new QueuePairCapabilities(c[0], c[1], c[2], c[3], c[4]);
    }
}
