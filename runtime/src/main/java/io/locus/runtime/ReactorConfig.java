package io.locus.runtime;

/**
 * Settings for one reactor. Validated by {@link #conclude()}.
 *
 * @param name            thread name
 * @param cpu             CPU to pin to, or -1 for no pinning
 * @param idleMode        busy or adaptive
 * @param spinNanos       adaptive mode: how long to keep spinning after the last work before blocking
 * @param maxSleepNanos   adaptive mode: longest single blocking wait (bounds timer latency)
 * @param messagesPerTurn micro-window: most inbound messages drained per turn
 * @param itemsPerPoller  micro-window: most items each poller may handle per turn
 * @param windowNanos     micro-window: most time each stage (transport tasks, inbound messages, each poller) may
 *                        start new items in per turn
 */
public record ReactorConfig(String name, int cpu, IdleMode idleMode, long spinNanos, long maxSleepNanos,
                            int messagesPerTurn, int itemsPerPoller, long windowNanos) {
    /** 100 µs: a latency-class command that arrives behind a full window waits at most about this long. */
    public static final long DEFAULT_WINDOW_NANOS = 100_000;

    /**
     * How long one latency-class request keeps its reactor's active latency window open, when it goes out or runs
     * and again when it completes (nanoseconds): its flow's budget ({@code budgetMicros}, as the provenance wire
     * carries it), or {@link #DEFAULT_WINDOW_NANOS} when it gives none (0). Host and target both use it.
     */
    public static long latencyWindowNanos(int budgetMicros) {
        return budgetMicros > 0 ? budgetMicros * 1000L : DEFAULT_WINDOW_NANOS;
    }

    public static ReactorConfig defaults(String name, int cpu) {
        return new ReactorConfig(name, cpu, IdleMode.ADAPTIVE, 50_000, 10_000_000, 64, 64, DEFAULT_WINDOW_NANOS);
    }

    public ReactorConfig withIdleMode(IdleMode mode) {
        return new ReactorConfig(name, cpu, mode, spinNanos, maxSleepNanos, messagesPerTurn, itemsPerPoller, windowNanos);
    }

    public ReactorConfig withWindowNanos(long nanos) {
        return new ReactorConfig(name, cpu, idleMode, spinNanos, maxSleepNanos, messagesPerTurn, itemsPerPoller, nanos);
    }

    public ReactorConfig conclude() {
        if (messagesPerTurn <= 0 || itemsPerPoller <= 0 || windowNanos <= 0) {
            throw new IllegalArgumentException("reactor micro-window sizes and time must be positive");
        }
        if (spinNanos < 0 || maxSleepNanos <= 0) {
            throw new IllegalArgumentException("reactor idle timings must be positive");
        }
        return this;
    }
}
