package io.locus.initiator.perf;

import io.locus.initiator.HostFlowStats;

import java.util.List;

/**
 * What a perf run measured. Latencies are from submission to callback, in microseconds.
 *
 * @param failures the first verify mismatches (LBA and what was wrong), at most {@link Perf#MAX_REPORTED_FAILURES}
 * @param firstError the first I/O error, or null
 * @param hostFlow   what the host recorded about the run's flow during the measured interval, or null without a flow
 */
public record PerfResult(String workload, int ioSize, int queueDepth, int queues, double seconds, long ios, long reads,
                         long writes, double iops, double mibPerSec, Latency latencyUs, long errors,
                         long verifyFailures, List<VerifyFailure> failures, String firstError, HostFlowStats hostFlow) {

    public record Latency(double avg, double p50, double p99, double p999, double max) {
    }

    public record VerifyFailure(long lba, String reason) {
    }

    /** A run passes when no command failed and no block failed its check. */
    public boolean passed() {
        return errors == 0 && verifyFailures == 0;
    }
}
