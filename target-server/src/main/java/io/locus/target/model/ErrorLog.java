package io.locus.target.model;

import io.netty.buffer.ByteBuf;

/** The Error Information log (LID 0x01): the last N failed commands, newest first, 64 bytes each. */
public final class ErrorLog {
    private final long[] counts;
    private final int[] sqids;
    private final int[] cids;
    private final int[] statuses;
    private final int[] nsids;
    private long errorCount;

    public ErrorLog(int capacity) {
        counts = new long[capacity];
        sqids = new int[capacity];
        cids = new int[capacity];
        statuses = new int[capacity];
        nsids = new int[capacity];
    }

    public synchronized void record(int sqid, int cid, int status, int nsid) {
        errorCount++;
        int i = (int) (errorCount % counts.length);
        counts[i] = errorCount;
        sqids[i] = sqid;
        cids[i] = cid;
        statuses[i] = status;
        nsids[i] = nsid;
    }

    /** Writes entries newest first into {@code out} at {@code base}, as many as fit in {@code length} bytes. */
    public synchronized void write(ByteBuf out, int base, int length) {
        int entries = (int) Math.min(Math.min(errorCount, counts.length), length / 64);
        for (int e = 0; e < entries; e++) {
            int i = (int) ((errorCount - e) % counts.length);
            int off = base + e * 64;
            out.setLongLE(off, counts[i]);
            out.setShortLE(off + 8, sqids[i]);
            out.setShortLE(off + 10, cids[i]);
            out.setShortLE(off + 12, statuses[i] << 1);
            out.setShortLE(off + 14, 0xFFFF);
            out.setIntLE(off + 24, nsids[i]);
        }
    }
}
