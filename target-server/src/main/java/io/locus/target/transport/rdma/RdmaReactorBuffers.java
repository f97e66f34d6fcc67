package io.locus.target.transport.rdma;

import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sqe;
import io.locus.target.core.ReactorStats;

/**
 * The RDMA buffers of one reactor, shared by every queue on it: receive buffers for command capsules (SQE plus
 * in-capsule data), 16-byte response buffers for CQEs, and data buffers of the largest transfer for keyed SGLs.
 * Reactor thread only.
 */
final class RdmaReactorBuffers {
    private final RdmaBufferPool capsules;
    private final RdmaBufferPool responses;
    private final RdmaBufferPool data;

    /**
     * @param inCapsuleBytes in-capsule data a receive buffer holds after the SQE
     * @param maxTransfer    bytes of one data buffer (MDTS)
     * @param dataBytes      most bytes of data buffers this reactor holds (commands wait for one beyond that)
     */
    RdmaReactorBuffers(ReactorStats stats, int inCapsuleBytes, int maxTransfer, long dataBytes) {
        this.capsules = new RdmaBufferPool("capsule", stats, Sqe.LENGTH + inCapsuleBytes, Integer.MAX_VALUE);
        this.responses = new RdmaBufferPool("response", stats, Cqe.LENGTH, Integer.MAX_VALUE);
        this.data = new RdmaBufferPool("data", stats, maxTransfer, (int) Math.max(1, dataBytes / maxTransfer));
    }

    RdmaBufferPool capsules() {
        return capsules;
    }

    RdmaBufferPool responses() {
        return responses;
    }

    RdmaBufferPool data() {
        return data;
    }
}
