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
 */
public record ReactorConfig(String name, int cpu, IdleMode idleMode, long spinNanos, long maxSleepNanos,
                            int messagesPerTurn, int itemsPerPoller) {

    public static ReactorConfig defaults(String name, int cpu) {
        return new ReactorConfig(name, cpu, IdleMode.ADAPTIVE, 50_000, 10_000_000, 64, 64);
    }

    public ReactorConfig withIdleMode(IdleMode mode) {
        return new ReactorConfig(name, cpu, mode, spinNanos, maxSleepNanos, messagesPerTurn, itemsPerPoller);
    }

    public ReactorConfig conclude() {
        if (messagesPerTurn <= 0 || itemsPerPoller <= 0) {
            throw new IllegalArgumentException("reactor micro-window sizes must be positive");
        }
        if (spinNanos < 0 || maxSleepNanos <= 0) {
            throw new IllegalArgumentException("reactor idle timings must be positive");
        }
        return this;
    }
}
