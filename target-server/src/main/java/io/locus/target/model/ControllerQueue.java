package io.locus.target.model;

import io.locus.runtime.Reactor;

/**
 * A queue as its controller sees it (the Linux target's {@code nvmet_sq} from {@code nvmet_ctrl}): something to tear
 * down and a reactor to reach it on. The transport-neutral queue in {@code io.locus.target.core} implements it, so
 * the model depends on no transport and no command set.
 */
public interface ControllerQueue {
    /** The reactor that owns the queue; controller events for it run there. */
    Reactor reactor();

    /** The queue's read and write counts for the SMART log, written by its reactor alone, readable anywhere. */
    IoCounters ioCounters();

    /** Tears the queue's connection down (controller reset, keep-alive expiry). Callable from any thread. */
    void close(String reason);
}
