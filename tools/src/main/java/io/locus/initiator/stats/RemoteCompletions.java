package io.locus.initiator.stats;

import java.util.List;
import java.util.Objects;

/**
 * The host side of {@code remote_completion_ratio} for one homed flow: which thread ran each completion callback,
 * and whether it was the flow's home (the reactor on the flow's home CPU). A completion whose callback ran anywhere
 * else is remote.
 * <p>
 * Hot path, no allocation, no locks: the callback thread is found by identity among a few known threads (the host
 * reactors) and each thread increments only its own slot, padded against false sharing. Read the totals once the
 * writers have stopped (after a latch or join), or racily for progress.
 */
public final class RemoteCompletions {
    /** Longs between two slots: one cache line. */
    private static final int PAD = 8;

    private final Thread[] threads;
    private final int home;
    private final long[] counts;

    /**
     * @param threads the threads callbacks may run on, in slot order (any other thread counts in one extra slot)
     * @param home    the flow's home thread, one of {@code threads}
     */
    public RemoteCompletions(List<Thread> threads, Thread home) {
        this.threads = threads.toArray(new Thread[0]);
        int h = -1;
        for (int i = 0; i < this.threads.length; i++) {
            Objects.requireNonNull(this.threads[i], "thread");
            if (this.threads[i] == home) {
                h = i;
            }
        }
        if (h < 0) {
            throw new IllegalArgumentException("the home thread " + home + " is not among the callback threads");
        }
        this.home = h;
        this.counts = new long[(this.threads.length + 1) * PAD];
    }

    /** Number of slots: the known threads plus one for any other thread. */
    public int slots() {
        return threads.length + 1;
    }

    /** The slot of {@code t}: its index among the known threads, or {@code slots() - 1} for any other. */
    public int slotOf(Thread t) {
        for (int i = 0; i < threads.length; i++) {
            if (threads[i] == t) {
                return i;
            }
        }
        return threads.length;
    }

    public int currentSlot() {
        return slotOf(Thread.currentThread());
    }

    public int homeSlot() {
        return home;
    }

    public boolean isHome(int slot) {
        return slot == home;
    }

    /** Counts one completion whose callback ran in {@code slot}; only that slot's thread may call it. */
    public void record(int slot) {
        counts[slot * PAD]++;
    }

    /** Counts one completion on the calling thread. */
    public void recordCurrent() {
        record(currentSlot());
    }

    public long completions(int slot) {
        return counts[slot * PAD];
    }

    public long completions() {
        long sum = 0;
        for (int i = 0; i < slots(); i++) {
            sum += completions(i);
        }
        return sum;
    }

    /** Completions whose callback ran off the home thread. */
    public long remote() {
        return completions() - completions(home);
    }

    /** Share of completions that were remote; 0 when there were none. */
    public double ratio() {
        return ratio(remote(), completions());
    }

    /** Forgets the counts of one slot; only from that slot's thread (or while no completion is running). */
    public void reset(int slot) {
        counts[slot * PAD] = 0;
    }

    /** Forgets the counts; only while no completion is running. */
    public void reset() {
        java.util.Arrays.fill(counts, 0);
    }

    public static double ratio(long remote, long total) {
        return total == 0 ? 0 : (double) remote / total;
    }
}
