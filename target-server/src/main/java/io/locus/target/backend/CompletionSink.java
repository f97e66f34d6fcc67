package io.locus.target.backend;

import io.locus.runtime.Reactor;

/**
 * Where a backend delivers finished I/Os: the poll group of the reactor that submitted them. Backends see the poll
 * group only through this, so the backend package depends on nothing of the target's core.
 */
public interface CompletionSink {
    /** Callable from any thread. */
    void deliver(BackendIo io);

    /**
     * On the reactor: runs a completion that {@link #deliver} handed over from another thread, stamped with the time
     * it is run.
     */
    default void dispatchRemote(BackendIo io) {
        io.dispatch(System.nanoTime());
    }

    /** The reactor the completions are delivered on. */
    Reactor reactor();
}
