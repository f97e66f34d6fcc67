package io.locus.nativeio.rdma.verbs;

import io.locus.nativeio.rdma.WorkCompletions;

import java.io.IOException;

/**
 * When a connection's CQ is armed, for a reactor that sleeps in epoll with the completion channel's fd in its set
 * (the busy-poll-then-interrupt pattern of SPDK's RDMA poll group in interrupt mode): the CQ is armed once it has
 * been empty for {@link #ARM_AFTER_IDLE_NANOS} (under the reactor's adaptive spin, so it is armed before the
 * reactor sleeps, and not at every empty poll, as arming may be a system call); after arming it polls once more,
 * since completions that came before the arm raise no event; an event disarms it. One per connection, on its
 * reactor's thread.
 */
public final class CompletionArming {
    /** 20 µs of empty polls before arming: below the reactor's 50 µs spin. */
    public static final long ARM_AFTER_IDLE_NANOS = 20_000;

    private final Verbs verbs;
    private boolean armed;
    private long lastCompletionNanos;

    public CompletionArming(Verbs verbs, long nowNanos) {
        this.verbs = verbs;
        this.lastCompletionNanos = nowNanos;
    }

    /**
     * After a poll of the CQ that found {@code polled} completions: arms the CQ if it has been empty long enough, and
     * then polls it once more into {@code completions} (from index 0), since completions that came before the arm
     * raise no event.
     *
     * @return the completions that second poll found (0 when it did not arm): the caller handles them
     * @throws IOException from {@code ibv_req_notify_cq} or {@code ibv_poll_cq}
     */
    public int afterPoll(int polled, long nowNanos, WorkCompletions completions, int max) throws IOException {
        if (polled > 0) {
            lastCompletionNanos = nowNanos;
            return 0;
        }
        if (armed || nowNanos - lastCompletionNanos < ARM_AFTER_IDLE_NANOS) {
            return 0;
        }
        verbs.armCompletions();
        armed = true;
        return verbs.pollCompletions(completions, max);
    }

    /**
     * The completion channel's fd was readable: takes (and acknowledges) its events; the next poll reads the CQ.
     *
     * @throws IOException from {@code ibv_get_cq_event}
     */
    public void onEvent() throws IOException {
        armed = false;
        verbs.takeCompletionEvents();
    }

    /** When the CQ last gave a completion (the reactor's clock, nanoseconds). */
    public long lastCompletionNanos() {
        return lastCompletionNanos;
    }

    public boolean armed() {
        return armed;
    }
}
