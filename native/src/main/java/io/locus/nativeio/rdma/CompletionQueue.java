package io.locus.nativeio.rdma;

import io.locus.nativeio.Errno;

/**
 * A completion queue ({@code ibv_cq}), busy-polled by the reactor that owns it inside its micro-window:
 * {@link #poll(WorkCompletions, int)} copies a batch of completions in one JNI call, allocating nothing.
 */
public final class CompletionQueue implements AutoCloseable {
    private final long handle;
    private final int capacity;
    private boolean closed;

    CompletionQueue(long handle, int capacity) {
        this.handle = handle;
        this.capacity = capacity;
    }

    /** Entries the provider gave it (at least what was asked). */
    public int capacity() {
        return capacity;
    }

    /** The {@code ibv_cq} pointer, as {@link CompletionChannel#nextEvent()} reports it. */
    public long handle() {
        return handle;
    }

    /**
     * Writes up to {@code max} completions into {@code completions} from index 0 ({@code ibv_poll_cq}).
     *
     * @return how many were written, 0 when the queue is empty
     * @throws IndexOutOfBoundsException when {@code max} is negative or exceeds the array's capacity
     * @throws RdmaException             when the provider fails the poll (the CQ is then unusable)
     */
    public int poll(WorkCompletions completions, int max) throws RdmaException {
        return poll(completions, 0, max);
    }

    /** As {@link #poll(WorkCompletions, int)}, writing from index {@code first}: a caller can gather a batch. */
    public int poll(WorkCompletions completions, int first, int max) throws RdmaException {
        int n = RdmaNative.pollCq0(handle, completions.address(first, max), max);
        if (n < 0) {
            throw new RdmaException("ibv_poll_cq", n == -1 ? Errno.EIO : -n);
        }
        return n;
    }

    /**
     * Arms the queue ({@code ibv_req_notify_cq}): its channel gets one event for the next completion (or the next
     * solicited one). Poll once more after arming: completions that arrived before it raise no event.
     */
    public void requestNotify(boolean solicitedOnly) throws RdmaException {
        RdmaException.check("ibv_req_notify_cq", RdmaNative.reqNotifyCq0(handle, solicitedOnly));
    }

    /** Acknowledges {@code events} events taken with {@link CompletionChannel#nextEvent()} ({@code ibv_ack_cq_events}). */
    public void acknowledge(int events) {
        if (events < 0) {
            throw new IllegalArgumentException("events must not be negative, got " + events);
        }
        if (events > 0) {
            RdmaNative.ackCqEvents0(handle, events);
        }
    }

    /** {@code ibv_destroy_cq}, after its queue pairs; blocks until every event taken for it was acknowledged. */
    @Override
    public void close() throws RdmaException {
        if (!closed) {
            RdmaException.check("ibv_destroy_cq", RdmaNative.destroyCq0(handle));
            closed = true;
        }
    }
}
