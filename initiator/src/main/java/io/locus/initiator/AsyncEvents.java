package io.locus.initiator;

import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Keeps Asynchronous Event Requests outstanding on the admin queue (at most AERL + 1). When one completes, the host
 * re-arms it, reads the event's log page with RAE = 0 (which unmasks the event type), and reports a
 * {@link ControllerEvent} to the listeners. Nothing here blocks a thread.
 */
final class AsyncEvents {
    private static final Logger LOG = Logger.getLogger(AsyncEvents.class.getName());
    private static final long NO_TIMEOUT = Long.MAX_VALUE / 4;

    private final Controller controller;
    private final IoCallback onAer = this::onAerComplete;
    /** An ANA log read the host asked for itself (after an ANA status) is under way: later asks join it. */
    private final AtomicBoolean anaRefreshing = new AtomicBoolean();

    AsyncEvents(Controller controller) {
        this.controller = controller;
    }

    /** After every (re)connect: the target dropped the old requests with its controller. */
    void arm(ControllerInfo info) {
        int count = Math.min(controller.options().asyncEventRequests(), info.aerl() + 1);
        if (controller.transportId().isDiscovery() && controller.keepAliveTimeoutMs() == 0) {
            count = 0; // a one-shot discovery connection has nobody to tell
        }
        for (int i = 0; i < count; i++) {
            submitAer();
        }
    }

    private void submitAer() {
        AsyncCall.submit(controller.adminQueue(), AdminCommands::asyncEventRequest, onAer, true, NO_TIMEOUT);
    }

    /** Reactor thread. */
    private void onAerComplete(Object context, int status, int dw0, int dw1) {
        if (!Status.isSuccess(status)) {
            int code = status & 0x7FF;
            if (code != (HostStatus.HOST_PATH_ERROR & 0x7FF) && code != (HostStatus.ABORTED_BY_HOST & 0x7FF)) {
                LOG.info(() -> controller.transportId() + ": Asynchronous Event Request failed: " + HostStatus.describe(status)
                        + "; not re-armed");
            }
            return;
        }
        if (controller.isClosed()) {
            return;
        }
        submitAer();
        readLogAndReport(dw0);
    }

    private void readLogAndReport(int dw0) {
        ControllerEvent.Kind kind = ControllerEvent.classify(dw0);
        int lid = AsyncEvent.logPage(dw0);
        int length = logLength(kind, lid);
        if (length == 0) {
            report(new ControllerEvent(kind, dw0, List.of()));
            return;
        }
        ByteBuf into = Unpooled.buffer(length, length);
        int nsid = lid == LogPage.DISCOVERY ? 0 : 0xFFFFFFFF;
        AsyncCall.submit(controller.adminQueue(), c -> AdminCommands.getLogPage(c, nsid, lid, 0, false, 0, length, into),
                (ctx, status, d0, d1) -> {
                    List<Integer> nsids = List.of();
                    if (Status.isSuccess(status) && lid == LogPage.CHANGED_NAMESPACES) {
                        nsids = changedNamespaces(into);
                    } else if (Status.isSuccess(status) && lid == LogPage.ANA) {
                        controller.anaLogRead(into, length);
                    } else if (!Status.isSuccess(status)) {
                        LOG.info(() -> controller.transportId() + String.format(": reading log page 0x%02x for an event failed: ", lid)
                                + HostStatus.describe(status));
                    }
                    report(new ControllerEvent(kind, dw0, nsids));
                }, false, 0);
    }

    private int logLength(ControllerEvent.Kind kind, int lid) {
        ControllerInfo info = controller.info();
        return switch (lid) {
            case LogPage.CHANGED_NAMESPACES -> LogPage.CHANGED_NAMESPACES_LENGTH;
            case LogPage.ANA -> {
                int ana = AnaLog.lengthFor(info, controller.maxTransferBytes());
                if (ana > 0) {
                    yield ana;
                }
                long bytes = 16L + 32L * Math.max(1, info.nanagrpid()) + 4L * Math.max(0, info.mnan());
                yield (int) Math.min(bytes + 3 & ~3L, 1 << 20);
            }
            case LogPage.DISCOVERY -> 1024;
            case LogPage.SMART -> LogPage.SMART_LENGTH;
            case LogPage.ERROR -> LogPage.ERROR_ENTRY_LENGTH;
            default -> kind == ControllerEvent.Kind.OTHER && lid == 0 ? 0 : 512;
        };
    }

    /**
     * Reads the ANA log again (a command failed with an ANA status, so the host's copy is stale: Linux's
     * {@code nvme_failover_req} queues {@code ana_work} the same way) and reports it as an ANA change. Any thread;
     * asks made while a read is under way join it.
     */
    void refreshAna() {
        int length = AnaLog.lengthFor(controller.info(), controller.maxTransferBytes());
        if (length == 0 || controller.isClosed() || !anaRefreshing.compareAndSet(false, true)) {
            return;
        }
        ByteBuf into = Unpooled.buffer(length, length);
        AsyncCall.submit(controller.adminQueue(),
                c -> AdminCommands.getLogPage(c, 0xFFFFFFFF, LogPage.ANA, 0, true, 0, length, into),
                (ctx, status, d0, d1) -> {
                    anaRefreshing.set(false);
                    if (Status.isSuccess(status)) {
                        controller.anaLogRead(into, length);
                        report(new ControllerEvent(ControllerEvent.Kind.ANA_CHANGED, ANA_CHANGE_DW0, List.of()));
                    } else {
                        LOG.info(() -> controller.transportId() + ": reading the ANA log failed: "
                                + HostStatus.describe(status));
                    }
                }, false, 0);
    }

    /** The AER dword 0 of an ANA change notice, for the event a host-initiated re-read reports. */
    static final int ANA_CHANGE_DW0 = AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_ANA_CHANGE, LogPage.ANA);

    private static List<Integer> changedNamespaces(ByteBuf log) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            int nsid = log.getIntLE(i * 4);
            if (nsid == 0) {
                break;
            }
            out.add(nsid);
        }
        return out;
    }

    private void report(ControllerEvent event) {
        try {
            controller.controlExecutor().execute(() -> controller.emit(event));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the controller is closing
        }
    }
}
