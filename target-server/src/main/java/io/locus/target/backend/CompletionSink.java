package io.locus.target.backend;

/** Where a backend delivers finished I/Os: the owning reactor's completion poller. */
public interface CompletionSink {
    /** Callable from any thread. */
    void deliver(BackendIo io);
}
