package io.locus.runtime;

import org.agrona.concurrent.NanoClock;

/**
 * What a reactor does after each turn, by {@link IdleMode}: in {@code BUSY} mode it always spins; in {@code ADAPTIVE}
 * mode it spins for {@link ReactorConfig#spinNanos()} after the last turn that did work, and for as long as a latency
 * window is open, then blocks in the transport's wait for at most {@link ReactorConfig#maxSleepNanos()}.
 * <p>
 * Single-threaded: only the reactor's owner thread calls it. Every time it reads comes from the reactor's clock.
 */
final class AdaptiveIdle {
    /** How the reactor blocks: its agent's {@link ReactorAgent#awaitWork(long)}. */
    @FunctionalInterface
    interface Wait {
        void await(long maxNanos);
    }

    private final ReactorConfig config;
    private final NanoClock clock;
    private final Wait wait;
    private long lastWorkNanos;
    private long latencyWindowEndNanos;
    /** The config's mode until {@link #mode(IdleMode)} changes it (from a management thread: volatile). */
    private volatile IdleMode mode;

    AdaptiveIdle(ReactorConfig config, NanoClock clock, Wait wait) {
        this.config = config;
        this.clock = clock;
        this.wait = wait;
        this.lastWorkNanos = clock.nanoTime();
        this.latencyWindowEndNanos = lastWorkNanos;
        this.mode = config.idleMode();
    }

    IdleMode mode() {
        return mode;
    }

    /** Switches the idle mode; any thread. A reactor blocked in its wait switches when it wakes (maxSleepNanos at most). */
    void mode(IdleMode mode) {
        this.mode = mode;
    }

    /** Keeps the reactor spinning until {@code nowNanos + budgetNanos}, or longer if a window already reaches further. */
    void openLatencyWindow(long nowNanos, long budgetNanos) {
        long end = nowNanos + budgetNanos;
        if (end - latencyWindowEndNanos > 0) {
            latencyWindowEndNanos = end;
        }
    }

    /** Whether a latency window reaches past {@code nowNanos}. */
    boolean latencyWindowOpen(long nowNanos) {
        return nowNanos - latencyWindowEndNanos < 0;
    }

    /**
     * After a turn that did {@code work} items.
     *
     * @return true when it blocked (a wait that timed out is not work: the next idle turn blocks again at once)
     */
    boolean idle(int work) {
        if (mode == IdleMode.BUSY) {
            // No clock read: a busy reactor never sleeps, so when the last work was does not matter (a switch to
            // adaptive mode may then block on its first idle turn instead of spinning first).
            if (work == 0) {
                Thread.onSpinWait();
            }
            return false;
        }
        if (work > 0) {
            lastWorkNanos = clock.nanoTime();
            return false;
        }
        long now = clock.nanoTime();
        if (now - lastWorkNanos < config.spinNanos() || latencyWindowOpen(now)) {
            Thread.onSpinWait();
            return false;
        }
        wait.await(config.maxSleepNanos());
        return true;
    }
}
