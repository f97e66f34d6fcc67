package io.locus.target.model;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Read and write counts behind the SMART / Health Information log page (NVMe Base 2.0, Get Log Page 02h: Data Units
 * Read and Written, in thousands of 512-byte units, and Host Read and Write Commands).
 *
 * <p>One per I/O queue, written by the queue's reactor alone: a count is a plain add and an opaque store (a plain
 * {@code mov} on x86), where the controller-wide {@code LongAdder}s this replaces took two compare-and-swaps per
 * command — SPDK keeps its I/O statistics per channel, that is per thread, for the same reason. Any thread reads them
 * with opaque loads: each value whole and never older than one read before; the four need not be from the same
 * instant, which a log page of running totals does not promise either. The {@link Controller} sums its queues' counters
 * and those of the queues it has lost ({@link #add}, under its lock).
 */
public final class IoCounters {
    private static final VarHandle READS;
    private static final VarHandle WRITES;
    private static final VarHandle BLOCKS_READ;
    private static final VarHandle BLOCKS_WRITTEN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READS = l.findVarHandle(IoCounters.class, "readCommands", long.class);
            WRITES = l.findVarHandle(IoCounters.class, "writeCommands", long.class);
            BLOCKS_READ = l.findVarHandle(IoCounters.class, "blocksRead512", long.class);
            BLOCKS_WRITTEN = l.findVarHandle(IoCounters.class, "blocksWritten512", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long readCommands;
    private long writeCommands;
    private long blocksRead512;
    private long blocksWritten512;

    /** Counts one read of {@code bytes} (writer: the queue's reactor). */
    public void countRead(long bytes) {
        READS.setOpaque(this, readCommands + 1);
        BLOCKS_READ.setOpaque(this, blocksRead512 + (bytes >>> 9));
    }

    /** Counts one write of {@code bytes} (writer: the queue's reactor). */
    public void countWrite(long bytes) {
        WRITES.setOpaque(this, writeCommands + 1);
        BLOCKS_WRITTEN.setOpaque(this, blocksWritten512 + (bytes >>> 9));
    }

    public long readCommands() {
        return (long) READS.getOpaque(this);
    }

    public long writeCommands() {
        return (long) WRITES.getOpaque(this);
    }

    /** Data read, in 512-byte units. */
    public long blocksRead512() {
        return (long) BLOCKS_READ.getOpaque(this);
    }

    /** Data written, in 512-byte units. */
    public long blocksWritten512() {
        return (long) BLOCKS_WRITTEN.getOpaque(this);
    }

    /**
     * Adds {@code other}'s counts into these. For a total that no reactor writes (the caller serializes its adds and
     * reads), never for a queue's own counters.
     */
    public void add(IoCounters other) {
        READS.setOpaque(this, readCommands + other.readCommands());
        WRITES.setOpaque(this, writeCommands + other.writeCommands());
        BLOCKS_READ.setOpaque(this, blocksRead512 + other.blocksRead512());
        BLOCKS_WRITTEN.setOpaque(this, blocksWritten512 + other.blocksWritten512());
    }
}
