package io.locus.drill;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The longest time the application went without a successful I/O completion: the gap between two successive
 * completions (or between the start and the first), in nanoseconds of {@link System#nanoTime()}.
 * <p>
 * Threading: {@link #completed} from any thread (each queue's reactor); the maximum is updated under a lock only
 * when a gap beats it, which happens a handful of times a run.
 */
public final class PauseMeter {
    private final AtomicLong last;
    private long longest;
    private long longestStart;

    public PauseMeter(long startNanos) {
        last = new AtomicLong(startNanos);
        longestStart = startNanos;
    }

    /** A completion at {@code nowNanos}. */
    public void completed(long nowNanos) {
        long prev = last.getAndAccumulate(nowNanos, Math::max);
        long gap = nowNanos - prev;
        if (gap > longest) {
            synchronized (this) {
                if (gap > longest) {
                    longest = gap;
                    longestStart = prev;
                }
            }
        }
    }

    /** The longest gap so far, in ns. */
    public synchronized long longestNanos() {
        return longest;
    }

    /** When the longest gap began ({@link System#nanoTime()}). */
    public synchronized long longestStartNanos() {
        return longestStart;
    }
}
