package io.locus.target.transport.tcp;

import io.locus.protocol.provenance.ProvenanceWire;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseBatchingTest {
    private static final int KIB = 1024;
    private final ResponseBatching batching = new ResponseBatching(16, 512 * KIB);

    @Test
    void shouldFlushLatencyClassResponsesAtOnce() {
        assertTrue(batching.flushNow(true, false, 1, 4 * KIB));
    }

    @Test
    void shouldCoalesceOtherResponsesUpToTheUniformLimits() {
        assertFalse(batching.flushNow(false, false, 1, 128 * KIB));
        assertFalse(batching.flushNow(false, false, 15, 255 * KIB));
        assertTrue(batching.flushNow(false, false, 2, ResponseBatching.UNIFORM_BYTES), "256 KiB of data");
        assertTrue(batching.flushNow(false, false, 16, 16 * 512), "16 small responses");
    }

    @Test
    void shouldLetBoundedBatchFlowsCoalesceUpToTheirByteLimit() {
        assertFalse(batching.flushNow(false, true, 2, 256 * KIB), "past the uniform limit, within the bounded one");
        assertFalse(batching.flushNow(false, true, 3, 384 * KIB));
        assertTrue(batching.flushNow(false, true, 4, 512 * KIB));
        assertTrue(batching.flushNow(false, true, 16, 64 * KIB), "the PDU limit holds for every response");
    }

    @Test
    void shouldGrantBoundedBatchingOnlyToThroughputSideProvenanceFlowsThatAskForIt() {
        int bounded = ProvenanceWire.FLAG_BOUNDED_BATCH;
        assertTrue(ResponseBatching.boundedBatch(true, ProvenanceWire.CLASS_THROUGHPUT, bounded));
        assertTrue(ResponseBatching.boundedBatch(true, ProvenanceWire.CLASS_PREFETCH, bounded | ProvenanceWire.FLAG_ANTI_MIGRATE));
        assertFalse(ResponseBatching.boundedBatch(true, ProvenanceWire.CLASS_THROUGHPUT, ProvenanceWire.FLAG_ANTI_MIGRATE));
        assertFalse(ResponseBatching.boundedBatch(true, ProvenanceWire.CLASS_STEP_CRITICAL, bounded), "latency class flushes at once");
        assertFalse(ResponseBatching.boundedBatch(true, ProvenanceWire.CLASS_LATENCY, bounded));
        assertFalse(ResponseBatching.boundedBatch(false, ProvenanceWire.CLASS_THROUGHPUT, bounded), "generic mode: uniform");
    }

    @Test
    void shouldRejectLimitsBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new ResponseBatching(0, 512 * KIB));
        assertThrows(IllegalArgumentException.class, () -> new ResponseBatching(16, 0));
    }
}
