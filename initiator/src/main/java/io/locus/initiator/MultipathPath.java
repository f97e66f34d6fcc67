package io.locus.initiator;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One path of a {@link MultipathNamespace}: the namespace through one controller, with what the path selector reads
 * on every command kept in fields of its own (Linux's per-path {@code nvme_ns}: {@code ana_state}, the
 * {@code NVME_NS_ANA_PENDING} flag, {@code nr_active}) so that choosing a path reads no controller state.
 * <p>
 * The fields are refreshed by {@link #refresh()} when the controller changes state or reports an ANA change.
 */
final class MultipathPath {
    /** I/O down this path (the controller's namespace handle, failing fast on a connection loss). */
    final BlockDevice io;
    /** Null only in unit tests, which set the fields themselves. */
    final Controller controller;
    final int nsid;
    /** ANAGRPID from Identify Namespace (the log's NSID lists win when they name the namespace). */
    final int anaGroupId;

    /** The controller is LIVE and not being closed. */
    volatile boolean live;
    /** The controller is FAILED or CLOSED: this path cannot come back. */
    volatile boolean gone;
    volatile AnaState ana = AnaState.OPTIMIZED;
    /** A command came back with an ANA status: unusable until the ANA log has been read again. */
    volatile boolean anaPending;
    /** NUMA node the path is nearest to, or -1 when unknown (then as near as any). */
    volatile int node = -1;
    /** Commands on this path now (the queue-depth policy's measure). */
    final AtomicInteger inflight = new AtomicInteger();
    /** Commands sent down this path so far. */
    final AtomicLong commands = new AtomicLong();

    MultipathPath(BlockDevice io, Controller controller, int nsid, int anaGroupId) {
        this.io = io;
        this.controller = controller;
        this.nsid = nsid;
        this.anaGroupId = anaGroupId;
    }

    /** Optimized or non-optimized, on a live controller, with no ANA re-read pending. */
    boolean usable() {
        return live && !anaPending && ana.usable();
    }

    boolean optimized() {
        return usable() && ana == AnaState.OPTIMIZED;
    }

    /** Reads the controller's state and its current ANA log into the fields (a fresh log clears the pending flag). */
    void refresh() {
        if (controller == null) {
            return;
        }
        ControllerState s = controller.state();
        live = s == ControllerState.LIVE && !controller.isClosed();
        gone = s.isFinal() || controller.isClosed();
        ana = controller.anaState(nsid, anaGroupId);
        anaPending = false;
    }

    int anaGroup() {
        AnaLog log = controller == null ? null : controller.anaLog();
        return log == null ? anaGroupId : log.groupOf(nsid, anaGroupId);
    }

    @Override
    public String toString() {
        return (controller != null ? controller.transportId().endpoint() + " cntlid " + controller.cntlid() : "path")
                + " " + ana.label() + (live ? "" : " (not live)") + (anaPending ? " (ANA pending)" : "");
    }
}
