package io.locus.target.model;

import io.locus.target.backend.BackendChannel;
import io.locus.target.backend.BackendIo;
import io.locus.target.backend.CompletionSink;

/**
 * A namespace's backend channel on one reactor, with the count of its I/O in flight there. Used only on that
 * reactor (submissions and completions both run there), so the count is a plain int; removing the namespace waits
 * for it to reach zero ({@link Namespace#pause}).
 */
public final class NamespaceChannel {
    private final BackendChannel backend;
    private final CompletionSink group;
    private int inFlight;
    private Runnable whenIdle;

    NamespaceChannel(BackendChannel backend, CompletionSink group) {
        this.backend = backend;
        this.group = group;
    }

    /** Submits {@code io}; its completion must be reported with {@link #completed()}. */
    public void submit(BackendIo io) {
        inFlight++;
        backend.submit(io);
    }

    /** An I/O submitted here has completed (on this reactor). */
    public void completed() {
        if (--inFlight == 0 && whenIdle != null) {
            Runnable r = whenIdle;
            whenIdle = null;
            r.run();
        }
    }

    CompletionSink group() {
        return group;
    }

    /** Runs {@code then} once nothing is in flight here: now, or at the last completion (on this reactor). */
    void whenIdle(Runnable then) {
        if (inFlight == 0) {
            then.run();
        } else {
            whenIdle = then;
        }
    }
}
