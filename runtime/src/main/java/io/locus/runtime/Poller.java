package io.locus.runtime;

import org.agrona.concurrent.NanoClock;

/**
 * One source of work a reactor polls each turn (transport, backend completions, RDMA CQs...).
 * Like Agrona's {@code Agent.doWork()}: returns how much it did, 0 when idle, so the reactor can decide to back off.
 * <p>
 * Each call is a bounded micro-window: at most {@code maxItems} items, and no new item once {@code deadlineNanos}
 * (on the reactor's clock, {@link Reactor#clock()}; {@link System#nanoTime()} in production) has passed, so no
 * poller starves another and a turn's length is bounded.
 * An item is never cut short; a poller checks the deadline between items.
 */
public interface Poller {
    /** A poller whose items are few and cheap may bound itself by count alone. */
    int poll(int maxItems);

    /**
     * Polls within the window; the default bounds by count only, for pollers whose items cost a few hundred
     * nanoseconds at most. Pollers with costly items (completions that write responses) override it.
     */
    default int poll(int maxItems, long deadlineNanos) {
        return poll(maxItems);
    }

    String name();

    /**
     * True once {@code deadlineNanos} has passed on {@link System#nanoTime()}: the check a poller on a
     * production-clock reactor makes between two items.
     */
    static boolean expired(long deadlineNanos) {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    /** True once {@code deadlineNanos} has passed on {@code clock} (the reactor's, {@link Reactor#clock()}). */
    static boolean expired(NanoClock clock, long deadlineNanos) {
        return clock.nanoTime() - deadlineNanos >= 0;
    }
}
