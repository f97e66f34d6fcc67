package io.locus.target.command;

import io.locus.runtime.Reactor;
import io.locus.target.backend.ReactorCompletions;
import io.locus.target.model.Controller;
import io.locus.target.model.Port;

/**
 * What command handlers need from the queue (transport side) a request arrived on — the Linux target's
 * nvmet_sq/nvmet_fabrics_ops seen from the command set. Implemented by each transport's queue.
 */
public interface QueueContext {
    /** 0 for the admin queue; unknown (-1) until Connect. */
    int qid();

    Controller controller();

    /** Binds the queue to its controller once Connect succeeded. */
    void bind(Controller controller, int qid, int sqSize, boolean sqFlowControlDisabled);

    Reactor reactor();

    ReactorCompletions completions();

    Port port();

    /** Runs a command whose execution was deferred behind latency-class work in this turn. */
    void runDeferred(Request request);

    /** Sends the request's completion (and its data for reads) and recycles it. */
    void complete(Request request);

    /** Tears the queue's connection down (controller reset, keep-alive expiry). Callable from any thread. */
    void close(String reason);

    /** Peer address for logs. */
    String peer();

    /** The TLS PSK identity the connection authenticated with, or null on a clear-text connection. */
    default io.locus.protocol.tls.PskIdentity tlsIdentity() {
        return null;
    }
}
