package io.locus.initiator;

import io.locus.initiator.auth.DhchapHost;
import io.locus.initiator.tcp.TcpQueue;
import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The connect sequence, run on the controller's control thread (PROTOCOL.md 2, 4, 5, 10):
 * <ol>
 * <li>TCP connect, ICReq/ICResp;</li>
 * <li>Connect on the admin queue (CNTLID 0xFFFF, SQSIZE 31, KATO);</li>
 * <li>Property Get CAP (8 bytes) and VS, Property Set CC (IOSQES 6, IOCQES 4, EN 1), wait CSTS.RDY within CAP.TO;</li>
 * <li>Identify Controller; enable provenance (FID 0xC0) when advertised; Number of Queues; Async Event Config;</li>
 * <li>per I/O queue: TCP connect, ICReq/ICResp, Connect with the admin's CNTLID.</li>
 * </ol>
 * Every command here is a bring-up command: it may go out before its queue is live and is never retried.
 */
final class ControllerBringUp {
    /** What the admin-queue part learned. */
    record Result(int cntlid, long cap, int vs, ControllerInfo info) {
    }

    private final Controller controller;
    private final TcpQueue admin;
    private final TransportId id;
    private final HostIdentity host;
    private final ControllerOptions options;
    private final int katoMs;
    private final long stepTimeoutMs;

    ControllerBringUp(Controller controller, TcpQueue admin, TransportId id, HostIdentity host, ControllerOptions options,
                      int katoMs) {
        this.controller = controller;
        this.admin = admin;
        this.id = id;
        this.host = host;
        this.options = options;
        this.katoMs = katoMs;
        this.stepTimeoutMs = options.connectTimeoutMs();
    }

    Result connectAdmin() {
        openTransport(admin);
        int cntlid = fabricsConnect(admin, ConnectData.CNTLID_DYNAMIC, ControllerOptions.ADMIN_QUEUE_SIZE, katoMs, 0);
        long cap = propertyGet(Property.CAP, AdminCommands.PROPERTY_SIZE_8);
        int vs = (int) propertyGet(Property.VS, AdminCommands.PROPERTY_SIZE_4);
        enable(cap);
        ByteBuf identify = Unpooled.buffer(4096, 4096);
        Completion done = call(admin, c -> AdminCommands.identify(c, IdentifyNamespace.CNS_CONTROLLER, 0, identify),
                "Identify Controller");
        check(done, "Identify Controller");
        ControllerInfo info = ControllerInfo.parse(identify);
        if (!id.isDiscovery() && info.isDiscovery()) {
            throw new NvmeException(id.endpoint() + " answered as a discovery controller for '" + id.subsystemNqn()
                    + "'; use 'locus discover' or the discovery NQN", Status.DNR);
        }
        return new Result(cntlid, cap, vs, info);
    }

    /** Set Features 0xC0 = 1 when the controller advertises provenance v1 and the host wants it. */
    boolean enableProvenance(ControllerInfo info) {
        if (!options.provenance() || info.provenanceVersion() < 1) {
            return false;
        }
        Completion done = call(admin, c -> AdminCommands.setFeatures(c, Feature.LOCUS_PROVENANCE, 1),
                "Set Features (provenance)");
        return done.ok();
    }

    /** Number of Queues: asks for {@code wanted} submission and completion queues; returns how many may be used. */
    int negotiateQueues(int wanted) {
        int n = wanted - 1;
        Completion done = call(admin, c -> AdminCommands.setFeatures(c, Feature.NUMBER_OF_QUEUES, n | (n << 16)),
                "Set Features (Number of Queues)");
        check(done, "Set Features Number of Queues");
        int nsqa = (done.dw0() & 0xFFFF) + 1;
        int ncqa = (done.dw0() >>> 16) + 1;
        return Math.min(nsqa, ncqa);
    }

    /** Async Event Config: enable the notices this controller supports among those the host handles. */
    void configureAsyncEvents(ControllerInfo info) {
        int wanted = IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE
                | IdentifyController.OAES_DISCOVERY_LOG_CHANGE;
        int enable = info.oaes() & wanted;
        if (enable == 0 || options.asyncEventRequests() == 0) {
            return;
        }
        Completion done = call(admin, c -> AdminCommands.setFeatures(c, Feature.ASYNC_EVENT_CONFIG, enable),
                "Set Features (Async Event Config)");
        if (!done.ok()) {
            // Not fatal: the Linux host carries on without notices too.
            System.getLogger(ControllerBringUp.class.getName()).log(System.Logger.Level.INFO,
                    id + ": Async Event Configuration failed: " + done.describe());
        }
    }

    void connectIo(TcpQueue queue, int cntlid, int entries) {
        openTransport(queue);
        int cattr = options.disableSqFlowControl() ? FabricsCommand.CATTR_DISABLE_SQ_FLOW_CONTROL : 0;
        int got = fabricsConnect(queue, cntlid, entries, 0, cattr);
        if (got != cntlid) {
            throw new NvmeException("I/O queue " + queue.qid() + " joined controller " + got + " instead of " + cntlid);
        }
    }

    /** Normal shutdown: CC.SHN = 01b, then wait briefly for CSTS.SHST = complete. */
    void shutdownController() {
        long cc = propertyGet(Property.CC, AdminCommands.PROPERTY_SIZE_4);
        long next = (cc & ~Property.CC_SHN_MASK) | (1L << Property.CC_SHN_SHIFT);
        Completion done = call(admin, c -> AdminCommands.propertySet(c, Property.CC, AdminCommands.PROPERTY_SIZE_4, next),
                "Property Set CC.SHN");
        check(done, "Property Set CC (shutdown)");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(2000, stepTimeoutMs));
        while (System.nanoTime() - deadline < 0) {
            long csts = propertyGet(Property.CSTS, AdminCommands.PROPERTY_SIZE_4);
            if ((csts & (3 << Property.CSTS_SHST_SHIFT)) == Property.CSTS_SHST_COMPLETE) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    // ---------------------------------------------------------------- steps

    private void openTransport(TcpQueue queue) {
        InetSocketAddress address = new InetSocketAddress(id.address(), id.serviceId());
        if (address.isUnresolved()) {
            throw new NvmeException("cannot connect to " + id.endpoint() + ": unknown host '" + id.address() + "'");
        }
        try {
            queue.connect(address, id.endpoint(), options.connectTimeoutMs()).get(options.connectTimeoutMs() + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            queue.disconnect("no ICResp");
            throw new NvmeException("cannot connect to " + id.endpoint() + ": no answer to the connection setup (ICReq) within "
                    + options.connectTimeoutMs() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof NvmeException ne) {
                throw ne;
            }
            throw new NvmeException("cannot connect to " + id.endpoint() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NvmeException("interrupted while connecting to " + id.endpoint());
        }
    }

    private int fabricsConnect(TcpQueue queue, int cntlid, int entries, int kato, int cattr) {
        ByteBuf data = AdminCommands.connectData(host, cntlid, id.subsystemNqn());
        Completion done = call(queue, c -> AdminCommands.connect(c, queue.qid(), entries - 1, cattr, kato, data),
                "Connect (queue " + queue.qid() + ")");
        if (!done.ok()) {
            throw new NvmeException(describeConnectFailure(done, queue.qid()), done.status());
        }
        DhchapHost.afterConnect(done.dw0(), id.isDiscovery(), options.dhchap(),
                new QueueAuthChannel(queue, true, stepTimeoutMs, id.endpoint()), queue.qid(), host.hostNqn(), id.subsystemNqn(), id.endpoint());
        return done.dw0() & 0xFFFF;
    }

    private String describeConnectFailure(Completion done, int qid) {
        int status = done.status() & 0x7FF;
        int ipo = done.dw0() & 0xFFFF;
        int iattr = (done.dw0() >>> 16) & 0xFF;
        String where = id.endpoint();
        if (status == Status.CONNECT_INVALID_HOST) {
            return "the target at " + where + " refused host '" + host.hostNqn() + "' for subsystem '" + id.subsystemNqn()
                    + "' (not on its allowed-hosts list)";
        }
        if (status == Status.CONNECT_INVALID_PARAMETERS) {
            if (iattr == 1 && ipo == ConnectData.SUBNQN_OFFSET) {
                return "the target at " + where + " does not know subsystem '" + id.subsystemNqn() + "'";
            }
            if (iattr == 1 && ipo == ConnectData.HOSTNQN_OFFSET) {
                return "the target at " + where + " refused host '" + host.hostNqn() + "' for subsystem '"
                        + id.subsystemNqn() + "'";
            }
            if (iattr == 1 && ipo == ConnectData.CNTLID_OFFSET) {
                return "the target at " + where + " no longer has controller " + controller.cntlid() + " (queue " + qid + ")";
            }
            return "the target at " + where + " rejected the Connect for queue " + qid + " (invalid parameter at byte "
                    + ipo + " of the " + (iattr == 1 ? "connect data" : "command") + ")";
        }
        if (status == Status.CONNECT_CONTROLLER_BUSY) {
            return "the target at " + where + " is busy (Connect: Controller Busy)";
        }
        if (status == (HostStatus.HOST_PATH_ERROR & 0x7FF)) {
            String last = queueError(qid);
            return "the connection to " + where + " was lost during Connect" + (last != null ? ": " + last : "");
        }
        return "Connect to '" + id.subsystemNqn() + "' at " + where + " failed: " + HostStatus.describe(done.status());
    }

    private String queueError(int qid) {
        if (qid == 0) {
            return admin.lastError();
        }
        return controller.ioQueueCount() >= qid ? controller.ioQueue(qid - 1).lastError() : null;
    }

    private long propertyGet(int offset, int size) {
        Completion done = call(admin, c -> AdminCommands.propertyGet(c, offset, size), "Property Get");
        check(done, String.format("Property Get 0x%02x", offset));
        return size == AdminCommands.PROPERTY_SIZE_8
                ? (done.dw0() & 0xFFFFFFFFL) | ((long) done.dw1() << 32)
                : done.dw0() & 0xFFFFFFFFL;
    }

    /** CC: EN=1, CSS NVM (0), MPS 0 (4 KiB), AMS round robin, IOSQES 6, IOCQES 4; then CSTS.RDY within CAP.TO. */
    private void enable(long cap) {
        int cc = Property.CC_EN | (6 << 16) | (4 << 20);
        Completion done = call(admin, c -> AdminCommands.propertySet(c, Property.CC, AdminCommands.PROPERTY_SIZE_4, cc),
                "Property Set CC");
        check(done, "Property Set CC (enable)");
        long timeoutMs = Math.max(500, ((cap >>> 24) & 0xFF) * 500);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        while (true) {
            long csts = propertyGet(Property.CSTS, AdminCommands.PROPERTY_SIZE_4);
            if ((csts & Property.CSTS_CFS) != 0) {
                throw new NvmeException("the controller at " + id.endpoint() + " reported a fatal status (CSTS.CFS) while enabling");
            }
            if ((csts & Property.CSTS_RDY) != 0) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new NvmeException("the controller at " + id.endpoint() + " did not become ready within "
                        + timeoutMs + " ms (CAP.TO)");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private Completion call(TcpQueue queue, SyncCall.Setup setup, String what) {
        return SyncCall.run(queue, setup, true, stepTimeoutMs, what + " to " + id.endpoint());
    }

    private void check(Completion done, String what) {
        if (!done.ok()) {
            String why = HostStatus.describe(done.status());
            if ((done.status() & 0x7FF) == (HostStatus.HOST_PATH_ERROR & 0x7FF) && admin.lastError() != null) {
                why = admin.lastError();
            }
            throw new NvmeException(what + " failed at " + id.endpoint() + ": " + why, done.status());
        }
    }
}
