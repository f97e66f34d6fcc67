package io.locus.initiator.queue;

/** What a queue tells the controller that owns it. */
public interface QueueOwner {
    /**
     * The queue lost its connection (closed by the peer, protocol error, time-out, transport error) and has already
     * torn it down and set its in-flight commands aside for retry. Called on the queue's reactor; must not block.
     */
    void onQueueFailure(QueuePair queue, String reason);
}
