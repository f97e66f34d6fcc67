package io.locus.initiator.perf;

import io.locus.initiator.Flow;

/**
 * What a perf run does.
 *
 * @param nsid         namespace
 * @param queueDepth   commands kept in flight per queue
 * @param ioSize       bytes per command (a multiple of the LBA size)
 * @param workload     access pattern
 * @param readPercent  share of reads for mixed workloads (0..100); ignored otherwise
 * @param seconds      timed duration
 * @param queues       I/O queues to drive (at most the controller's), one worker per queue on its reactor
 * @param verify       write self-checking blocks and check every read (the working set is written first)
 * @param workingSetBytes bytes of the namespace to touch from LBA 0 (0: all of it)
 * @param seed         random seed (workers derive their own)
 * @param flow         provenance to attach to every command, or null
 * @param warmupSeconds run this long first without measuring (lets the JIT compile the hot path), 0 for none
 */
public record PerfConfig(int nsid, int queueDepth, int ioSize, Workload workload, int readPercent, double seconds,
                         int queues, boolean verify, long workingSetBytes, long seed, Flow flow, double warmupSeconds) {

    public PerfConfig {
        if (queueDepth < 1) {
            throw new IllegalArgumentException("queue depth must be at least 1");
        }
        if (ioSize < 512) {
            throw new IllegalArgumentException("I/O size must be at least 512 bytes");
        }
        if (readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("--mix must be 0..100 (percent of reads)");
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("time must be positive");
        }
        if (queues < 1) {
            throw new IllegalArgumentException("number of queues must be at least 1");
        }
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("warm-up must not be negative");
        }
        if (workingSetBytes < 0) {
            throw new IllegalArgumentException("working set size must not be negative");
        }
    }

    public static PerfConfig of(Workload workload, int queueDepth, int ioSize, double seconds) {
        return new PerfConfig(1, queueDepth, ioSize, workload, workload.defaultReadPercent(), seconds, 1, false, 0, 1, null, 0);
    }

    public PerfConfig withQueues(int n) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, readPercent, seconds, n, verify, workingSetBytes, seed, flow, warmupSeconds);
    }

    public PerfConfig withVerify(boolean on) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, readPercent, seconds, queues, on, workingSetBytes, seed, flow, warmupSeconds);
    }

    public PerfConfig withWorkingSet(long bytes) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, readPercent, seconds, queues, verify, bytes, seed, flow, warmupSeconds);
    }

    public PerfConfig withReadPercent(int percent) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, percent, seconds, queues, verify, workingSetBytes, seed, flow, warmupSeconds);
    }

    public PerfConfig withNamespace(int id) {
        return new PerfConfig(id, queueDepth, ioSize, workload, readPercent, seconds, queues, verify, workingSetBytes, seed, flow, warmupSeconds);
    }

    public PerfConfig withWarmup(double warmup) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, readPercent, seconds, queues, verify, workingSetBytes, seed, flow, warmup);
    }

    public PerfConfig withFlow(Flow f) {
        return new PerfConfig(nsid, queueDepth, ioSize, workload, readPercent, seconds, queues, verify, workingSetBytes, seed, f, warmupSeconds);
    }

    /** The read share in effect: the workload's own unless it is mixed. */
    public int effectiveReadPercent() {
        return workload.mixed() ? readPercent : workload.defaultReadPercent();
    }
}
