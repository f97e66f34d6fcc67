package io.locus.target.transport.rdma;

import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sqe;
import io.locus.target.backend.SharedZeroes;
import io.locus.target.core.ReactorStats;

import java.io.IOException;
import java.util.Arrays;

/**
 * The RDMA buffers of one reactor, shared by every queue on it: receive buffers for command capsules (SQE plus
 * in-capsule data), 16-byte response buffers for CQEs, data buffers of the largest transfer for keyed SGLs, and the
 * process's shared zeroes ({@link SharedZeroes}) registered once per device, so that reads of zeroes go out by RDMA
 * WRITE from there. Reactor thread only.
 */
final class RdmaReactorBuffers {
    private final RdmaBufferPool capsules;
    private final RdmaBufferPool responses;
    private final RdmaBufferPool data;
    private final ReactorStats stats;
    /** Devices the shared zeroes are registered on, and their lkey on each. */
    private Object[] zeroesDevices = new Object[0];
    private int[] zeroesLkeys = new int[0];

    /**
     * @param inCapsuleBytes in-capsule data a receive buffer holds after the SQE
     * @param maxTransfer    bytes of one data buffer (MDTS)
     * @param dataBytes      most bytes of data buffers this reactor holds (commands wait for one beyond that)
     */
    RdmaReactorBuffers(ReactorStats stats, int inCapsuleBytes, int maxTransfer, long dataBytes) {
        this.capsules = new RdmaBufferPool("capsule", stats, Sqe.LENGTH + inCapsuleBytes, Integer.MAX_VALUE);
        this.responses = new RdmaBufferPool("response", stats, Cqe.LENGTH, Integer.MAX_VALUE);
        this.data = new RdmaBufferPool("data", stats, maxTransfer, (int) Math.max(1, dataBytes / maxTransfer));
        this.stats = stats;
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

    /**
     * The lkey of the shared zeroes ({@link SharedZeroes#memory}) on {@code verbs}'s device, registering them there
     * the first time (a registration-reuse miss; each later use is a hit).
     */
    int zeroesLkey(Verbs verbs) throws IOException {
        Object device = verbs.device();
        for (int i = 0; i < zeroesDevices.length; i++) {
            if (zeroesDevices[i] == device) {
                stats.recordRegistrationReuse(true);
                return zeroesLkeys[i];
            }
        }
        int lkey = verbs.register(SharedZeroes.memory()).lkey();
        stats.recordRegistrationReuse(false);
        int n = zeroesDevices.length;
        zeroesDevices = Arrays.copyOf(zeroesDevices, n + 1);
        zeroesDevices[n] = device;
        zeroesLkeys = Arrays.copyOf(zeroesLkeys, n + 1);
        zeroesLkeys[n] = lkey;
        return lkey;
    }

    void recordReadCopy(int bytes) {
        stats.recordRdmaReadCopy(bytes);
    }
}
