package io.locus.runtime;

import io.netty.util.concurrent.Ticker;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Netty's view of a reactor's {@link NanoClock}: the event loop's scheduled tasks (timers) and its task-time bound
 * read the same clock as the rest of the reactor, so a manual clock moves them too. Times are relative to the clock's
 * reading when the ticker was made, as Netty's own ticker is.
 */
final class ClockTicker implements Ticker {
    private final NanoClock clock;
    private final long origin;

    ClockTicker(NanoClock clock) {
        this.clock = clock;
        this.origin = clock.nanoTime();
    }

    @Override
    public long initialNanoTime() {
        return origin;
    }

    @Override
    public long nanoTime() {
        return clock.nanoTime() - origin;
    }

    @Override
    public void sleep(long delay, TimeUnit unit) {
        // Only Netty's own blocking helpers call this; the reactor never asks its loop to sleep through the ticker.
        LockSupport.parkNanos(unit.toNanos(delay));
    }
}
