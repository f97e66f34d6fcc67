package io.locus.initiator.queue;

/**
 * A submission that found every slot of its queue taken: it waits on the reactor until a slot frees. This is the
 * overload path, the only one that allocates (the caller creates one of these); normal submissions never come here.
 */
public abstract class DeferredSubmit implements Runnable {
    private final QueuePair queue;

    protected DeferredSubmit(QueuePair queue) {
        this.queue = queue;
    }

    /** Describes the command in a reset slot; the queue submits it right after. */
    protected abstract void fill(Command command);

    /** The queue can take no more commands (closed or failed). */
    protected abstract void fail(int status);

    @Override
    public final void run() {
        queue.onDeferred(this);
    }
}
