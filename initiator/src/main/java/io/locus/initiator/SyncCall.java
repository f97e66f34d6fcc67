package io.locus.initiator;

import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.QueuePair;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one command and waits for it on the calling thread: the blocking layer over the asynchronous queues.
 * One object per call (blocking calls are the convenience path, not the hot path).
 * <p>
 * On a flow, the waiting thread is the flow's consumer: the reactor that sees the completion only wakes it (never
 * hands it to the home reactor), noting when the CQE became visible and when it unparked the waiter, and the waiter
 * records the flow's stages once it runs again ({@link FlowDelivery#recordBlocking}).
 */
final class SyncCall implements IoCallback {
    /** Fills a reset slot. */
    @FunctionalInterface
    interface Setup {
        void fill(Command c);
    }

    private final Thread waiter = Thread.currentThread();
    private volatile boolean done;
    private int status;
    private int dw0;
    private int dw1;
    // Set by the reactor before done (a volatile write) publishes them.
    private long visibleNanos;
    private long wakeNanos;
    private int qid;
    private int cid = -1;
    private long awakeNanos;

    /** Reactor, before {@link #onComplete}: the CQE became visible at {@code visibleNanos}, the waiter is woken now. */
    void woken(long visibleNanos, long wakeNanos, int qid, int cid) {
        this.visibleNanos = visibleNanos;
        this.wakeNanos = wakeNanos;
        this.qid = qid;
        this.cid = cid;
    }

    long visibleNanos() {
        return visibleNanos;
    }

    /** When the reactor unparked the waiter; 0 when not recorded (a completion without a flow). */
    long wakeNanos() {
        return wakeNanos;
    }

    /** When {@link #await()} saw the completion (the waiter running again). */
    long awakeNanos() {
        return awakeNanos;
    }

    int qid() {
        return qid;
    }

    /** The command's CID, -1 when unknown (a split transfer). */
    int cid() {
        return cid;
    }

    int status() {
        return status;
    }

    @Override
    public void onComplete(Object context, int status, int dw0, int dw1) {
        this.status = status;
        this.dw0 = dw0;
        this.dw1 = dw1;
        done = true;
        LockSupport.unpark(waiter);
    }

    /** Waits for the completion with no deadline of its own: the queue's time-outs and ctrl-loss-tmo end every command. */
    Completion await() {
        while (!done) {
            LockSupport.parkNanos(this, 1_000_000_000L);
        }
        awakeNanos = System.nanoTime();
        return new Completion(status, dw0, dw1);
    }

    /**
     * Acquires a slot (waiting up to the limit for one), fills it, submits it and waits for the completion.
     *
     * @param control   a bring-up command (may go out before the queue is live, never retried)
     * @param timeoutMs how long to wait for a slot and for the completion; 0 waits for as long as it takes
     *                  (the queue's own time-outs and the controller's ctrl-loss-tmo end every command)
     */
    static Completion run(QueuePair queue, Setup setup, boolean control, long timeoutMs, String what) {
        if (queue.reactor().inReactor()) {
            throw new IllegalStateException("a blocking call on a reactor thread would deadlock; use the asynchronous API");
        }
        long deadline = timeoutMs > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs) : Long.MAX_VALUE;
        Command c;
        while ((c = queue.acquire()) == null) {
            if (System.nanoTime() - deadline > 0) {
                throw new NvmeException(what + ": every command slot of queue " + queue.qid() + " stayed busy");
            }
            LockSupport.parkNanos(100_000);
        }
        SyncCall call = new SyncCall();
        c.reset();
        setup.fill(c);
        c.callback = call;
        if (control) {
            if (timeoutMs > 0) {
                c.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            }
            queue.submitControl(c);
        } else {
            queue.submit(c);
        }
        while (!call.done) {
            if (timeoutMs > 0 && System.nanoTime() - deadline > 0) {
                throw new NvmeException(what + " got no answer within " + timeoutMs + " ms");
            }
            LockSupport.parkNanos(call, timeoutMs > 0 ? Math.max(1, deadline - System.nanoTime()) : 1_000_000_000L);
        }
        return new Completion(call.status, call.dw0, call.dw1);
    }
}
