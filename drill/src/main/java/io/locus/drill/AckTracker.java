package io.locus.drill;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which write generation of each block the host was promised is durable, so that a read-back can tell an
 * acknowledged write that was lost from one that was never promised.
 * <p>
 * A write is <em>acknowledged</em> when it completed successfully with FUA, or completed successfully before a
 * Flush was submitted that then completed successfully (NVMe Base 2.1 §7.1, Flush: "all data for commands that
 * were completed before the Flush command was submitted"). A write that completed without FUA and no such Flush,
 * or that failed, promises nothing: the block may hold it or anything acknowledged before it.
 * <p>
 * Generations are unique and increase across the whole run, so "older than the acknowledged one" is well defined.
 * Each block has at most one write or read in flight at a time (the workload's rule); the caller's hand-over of a
 * block between threads (an atomic busy flag) orders the per-block fields. Flush epochs are atomic.
 */
public final class AckTracker {
    /** {@link #classify} results. */
    public enum Check { OK, NEVER_WRITTEN, LOST, UNEXPECTED }

    private static final long NONE = -1;

    private final AtomicLong nextGeneration = new AtomicLong(1);
    /** Bumped when a Flush is submitted: writes that completed under an older epoch are covered by it. */
    private final AtomicLong epoch = new AtomicLong();
    /** The newest epoch a successful Flush covers (writes completed in an epoch below it are acknowledged). */
    private final AtomicLong flushedEpoch = new AtomicLong();
    private final AtomicLong fuaAcks = new AtomicLong();
    private final AtomicLong flushAcks = new AtomicLong();
    private final long[] acked;
    private final long[] lastGen;
    private final long[] lastEpoch;
    private final boolean[] lastFua;
    private final long[] newestIssued;

    /** Tracks blocks {@code 0 .. blocks-1} (relative to the workload's region). */
    public AckTracker(int blocks) {
        acked = filled(blocks);
        lastGen = filled(blocks);
        lastEpoch = new long[blocks];
        lastFua = new boolean[blocks];
        newestIssued = filled(blocks);
    }

    private static long[] filled(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, NONE);
        return a;
    }

    public int blocks() {
        return acked.length;
    }

    /** A write of {@code block} is about to be submitted: its generation (to put in the data). */
    public long beginWrite(int block) {
        long gen = nextGeneration.getAndIncrement();
        newestIssued[block] = gen;
        return gen;
    }

    /** The write of generation {@code gen} to {@code block} completed successfully. */
    public void writeCompleted(int block, long gen, boolean fua) {
        acked[block] = ackedGeneration(block); // fold the previous write in before it is replaced
        lastGen[block] = gen;
        lastFua[block] = fua;
        lastEpoch[block] = epoch.get();
        if (fua) {
            acked[block] = gen;
            fuaAcks.incrementAndGet();
        }
    }

    /** A Flush is about to be submitted: the token to give {@link #flushCompleted} when it succeeds. */
    public long flushSubmitted() {
        return epoch.incrementAndGet();
    }

    /** The Flush submitted with {@code token} completed successfully. */
    public void flushCompleted(long token) {
        flushedEpoch.accumulateAndGet(token, Math::max);
        flushAcks.incrementAndGet();
    }

    /** The newest generation of {@code block} the host was promised is durable, or -1 when none. */
    public long ackedGeneration(int block) {
        long last = lastGen[block];
        if (last > acked[block] && (lastFua[block] || lastEpoch[block] < flushedEpoch.get())) {
            return last;
        }
        return acked[block];
    }

    /** The newest generation ever submitted to {@code block}, or -1. */
    public long newestIssued(int block) {
        return newestIssued[block];
    }

    public boolean written(int block) {
        return newestIssued[block] != NONE;
    }

    /**
     * What a block read back as generation {@code stored} says: {@link Check#LOST} when it is older than the
     * acknowledged generation, {@link Check#UNEXPECTED} when newer than any write submitted, {@link Check#NEVER_WRITTEN}
     * when the run never wrote it (nothing to check).
     */
    public Check classify(int block, long stored) {
        if (!written(block)) {
            return Check.NEVER_WRITTEN;
        }
        if (stored < ackedGeneration(block)) {
            return Check.LOST;
        }
        if (stored > newestIssued[block]) {
            return Check.UNEXPECTED;
        }
        return Check.OK;
    }

    /** Writes acknowledged by FUA. */
    public long fuaAcks() {
        return fuaAcks.get();
    }

    /** Flushes that completed successfully. */
    public long flushAcks() {
        return flushAcks.get();
    }
}
