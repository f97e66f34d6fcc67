package io.locus.initiator;

import io.locus.protocol.provenance.ProvenanceWire;

/** What a flow's requests care about; carried on the wire as the provenance class (ARCHITECTURE.md). */
public enum LatencyClass {
    /** Bulk work: batch freely. */
    THROUGHPUT(ProvenanceWire.CLASS_THROUGHPUT),
    /** Someone waits on each completion. */
    LATENCY(ProvenanceWire.CLASS_LATENCY),
    /** On the critical path of a step (e.g. a training step): tightest budget. */
    STEP_CRITICAL(ProvenanceWire.CLASS_STEP_CRITICAL),
    /** Speculative read-ahead: lowest priority. */
    PREFETCH(ProvenanceWire.CLASS_PREFETCH);

    private final int wire;

    LatencyClass(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }
}
