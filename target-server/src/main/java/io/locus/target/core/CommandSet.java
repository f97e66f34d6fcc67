package io.locus.target.core;

import io.locus.protocol.nvme.Status;

/**
 * One command set (fabrics, admin, discovery, NVM I/O), as the {@link Dispatcher} runs it: a check before any data
 * moves, then execution once the data is there. A command set knows nothing of transports: it reads the request,
 * fills its data and completes it.
 */
public interface CommandSet {
    /** Checks the command before its data moves; returns a status (a failure is completed with no data moved). */
    default int validate(Request r) {
        return Status.SUCCESS;
    }

    /** Executes a command whose data (if any) is in the request; every path ends in {@link Request#complete}. */
    void execute(Request r);
}
