package io.locus.initiator.queue;

import io.locus.initiator.Flow;
import io.locus.initiator.IoCallback;

/**
 * One completion of a command that carried a flow, as its queue hands it to a {@link CompletionRouter}: a
 * preallocated object per command slot, filled on the queue's reactor after the slot was released, then either
 * delivered there or passed whole to another thread (it is the {@link Runnable} that crosses), so nothing is allocated
 * per completion.
 * <p>
 * A carrier that was handed off stays marked until the receiving thread has {@linkplain #taken() taken} its contents;
 * a slot that completes again before that gets a fresh carrier from the router instead of overwriting it.
 */
public abstract class RoutedCompletion implements Runnable {
    protected final QueuePair queue;
    protected Flow flow;
    protected IoCallback callback;
    protected Object context;
    protected int status;
    protected int dw0;
    protected int dw1;
    /** The command's CID, -1 when the completion stands for several commands (a split transfer). */
    protected int cid;
    /** When the completion was parsed, on the queue reactor's clock ({@link System#nanoTime()}); 0 when the host failed it. */
    protected long visibleNanos;
    private volatile boolean handedOff;

    protected RoutedCompletion(QueuePair queue) {
        this.queue = queue;
    }

    protected final void fill(Flow flow, IoCallback callback, Object context, int cid, int status, int dw0, int dw1,
                              long visibleNanos) {
        this.cid = cid;
        this.flow = flow;
        this.callback = callback;
        this.context = context;
        this.status = status;
        this.dw0 = dw0;
        this.dw1 = dw1;
        this.visibleNanos = visibleNanos;
    }

    /** Forgets the references (the carrier must not keep a caller's context alive). */
    protected final void clear() {
        flow = null;
        callback = null;
        context = null;
    }

    /**
     * Queue's reactor, right after the slot was released: run the callback here, or mark the carrier
     * {@linkplain #handingOff() handed off} and pass it to the thread that will.
     */
    protected abstract void deliver();

    /** Called before the carrier is passed to another thread. */
    protected final void handingOff() {
        handedOff = true;
    }

    /** Called by the receiving thread once it has copied the contents: the slot may fill the carrier again. */
    protected final void taken() {
        handedOff = false;
    }

    final boolean isHandedOff() {
        return handedOff;
    }
}
