package io.locus.target.transport.tcp;

import io.locus.protocol.provenance.ProvenanceWire;

/**
 * When a queue's queued responses go to the socket. Each flush is one writev (or a few), and on loopback or a
 * virtual NIC a writev has a fixed cost of several microseconds, so throughput work wants few large flushes; a
 * latency-class response wants its own flush at once.
 * <ul>
 *   <li>LATENCY and STEP_CRITICAL responses (provenance) flush at once.</li>
 *   <li>Everything else (every response in generic mode, provenance throughput work without BOUNDED_BATCH) flushes
 *   at the end of the reactor's batch, or earlier once {@code maxPdus} responses or {@link #UNIFORM_BYTES} of data
 *   are queued: uniform batching, small enough that a latency-sensitive command sharing the reactor (which nothing
 *   tells apart in generic mode) waits behind one writev of at most that.</li>
 *   <li>A throughput response whose flow set BOUNDED_BATCH may wait for up to {@code boundedBytes} of data: the flow
 *   asked for batching, and with provenance the latency-class flows beside it do not wait behind its flushes the same
 *   way (their responses leave at once and their completions run first in the micro-window).</li>
 * </ul>
 * Whatever the limits, nothing waits past the end of the reactor's turn, which the reactor's window bounds in time.
 *
 * @param maxPdus      responses coalesced per flush, at most
 * @param boundedBytes data coalesced per flush for BOUNDED_BATCH throughput flows
 */
public record ResponseBatching(int maxPdus, int boundedBytes) {
    /**
     * Data queued before a flush is forced for responses without BOUNDED_BATCH: 1 MiB, eight 128 KiB reads per
     * writev (SPDK's target gathers up to 64 iovecs per sendmsg). With 256 KiB, spdk_nvme_perf's 128 KiB sequential
     * reads at QD16 ran at 2.0-2.2 GB/s against 4.1-4.3 GB/s with 1 MiB in the same minutes (equal, 6.5 GB/s, when
     * the machine was fast): each writev pays the TCP push and pacing-timer work of one send whatever its size.
     */
    public static final int UNIFORM_BYTES = 1024 * 1024;

    public ResponseBatching {
        if (maxPdus < 1 || boundedBytes < 1) {
            throw new IllegalArgumentException("batch limits must be positive");
        }
    }

    /**
     * Whether to flush now, right after queueing a response, with {@code pendingPdus} responses and
     * {@code pendingBytes} of data queued since the last flush.
     *
     * @param urgent       the response is LATENCY or STEP_CRITICAL (provenance)
     * @param boundedBatch the response belongs to a throughput flow that set BOUNDED_BATCH ({@link #boundedBatch})
     */
    public boolean flushNow(boolean urgent, boolean boundedBatch, int pendingPdus, long pendingBytes) {
        if (urgent || pendingPdus >= maxPdus) {
            return true;
        }
        return pendingBytes >= (boundedBatch ? boundedBytes : UNIFORM_BYTES);
    }

    /** Whether a request's flow asked for bounded batching: provenance, not latency-class, BOUNDED_BATCH set. */
    public static boolean boundedBatch(boolean hasProvenance, int latencyClass, int provenanceFlags) {
        return hasProvenance && latencyClass != ProvenanceWire.CLASS_LATENCY
                && latencyClass != ProvenanceWire.CLASS_STEP_CRITICAL
                && (provenanceFlags & ProvenanceWire.FLAG_BOUNDED_BATCH) != 0;
    }
}
