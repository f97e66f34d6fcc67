package io.locus.target.model;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.Status;
import io.locus.target.reservation.HostId;
import io.locus.target.reservation.ReservationNotices;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * A controller in the dynamic model: created by an admin-queue Connect, joined by I/O-queue Connects carrying its
 * CNTLID, torn down with all its queues on keep-alive expiry, a protocol error or the admin connection closing.
 *
 * <p>Threading: admin-command state (properties, features, AERs, logs) belongs to the admin queue's reactor.
 * Queue membership and teardown are control-plane operations on any thread, guarded by this object's monitor.
 */
public final class Controller implements NamespaceListener {
    private static final Logger LOG = Logger.getLogger(Controller.class.getName());
    /** AERL is 0's based: this many AERs may be outstanding. */
    public static final int MAX_OUTSTANDING_AERS = 4;
    /** Changed Namespace List holds up to 1024 NSIDs; more set the first entry to 0xFFFFFFFF. */
    private static final int CHANGED_NS_MAX = 1024;
    private static final int ERROR_LOG_ENTRIES = 64;

    private final Subsystem subsystem;
    private final TargetLimits limits;
    private final String hostNqn;
    private final byte[] hostId;
    private final Port port;
    private final DiscoveryLogSource discoveryLog;
    /**
     * Assigned after the subsystem has registered (published) this controller, and read by I/O reactors (the request
     * JFR event) and control threads that find it there: volatile, as the registration's publication came first.
     */
    private volatile int cntlid;

    private ControllerQueue adminQueue;
    private final ControllerQueue[] ioQueues;
    private boolean closed;

    // Admin-reactor state.
    private int cc;
    private int csts;
    private long katoMillis;
    /**
     * When the host last sent Keep Alive, on the admin poll group's clock: written by the admin reactor, read by every
     * I/O queue's reactor before it runs a command.
     */
    private volatile long lastKeepAliveNanos;
    private int grantedIoQueues;
    private int asyncEventConfig;
    private final ArrayDeque<AsyncEventSlot> outstandingAers = new ArrayDeque<>(MAX_OUTSTANDING_AERS);
    private final ArrayDeque<Integer> pendingEvents = new ArrayDeque<>();
    /** Event types (by log page) masked until the host reads that log page with RAE=0. */
    private int maskedLogPages;
    private final int[] changedNamespaces = new int[CHANGED_NS_MAX];
    private int changedNamespaceCount;
    private boolean changedNamespaceOverflow;
    // Written by Set Features on the admin reactor, read by every I/O queue's reactor: published with volatile.
    private volatile boolean volatileWriteCacheEnabled = true;
    private volatile boolean provenanceEnabled;
    /** DH-HMAC-CHAP state (io.locus.target.auth); null when the host has no secret configured. */
    private volatile io.locus.target.auth.ControllerAuth auth;
    private final ErrorLog errorLog = new ErrorLog(ERROR_LOG_ENTRIES);
    /** The HOSTID as reservations key it, and this controller's Reservation Notification log and masks. */
    private final HostId reservationHost;
    private final ReservationNotices reservationNotices = new ReservationNotices();

    /** The SMART counts of the I/O queues this controller has lost (guarded by this; live queues keep their own). */
    private final IoCounters lostQueuesIo = new IoCounters();

    public Controller(Subsystem subsystem, TargetLimits limits, String hostNqn, byte[] hostId, Port port,
                      long katoMillis, DiscoveryLogSource discoveryLog, long nowNanos) {
        this.subsystem = subsystem;
        this.limits = limits;
        this.hostNqn = hostNqn;
        this.hostId = hostId.clone();
        this.reservationHost = HostId.of(hostId);
        this.port = port;
        this.discoveryLog = discoveryLog;
        this.katoMillis = katoMillis;
        this.lastKeepAliveNanos = nowNanos;
        this.ioQueues = new ControllerQueue[limits.maxIoQueues() + 1];
        this.grantedIoQueues = limits.maxIoQueues();
    }

    public void assignCntlid(int cntlid) {
        this.cntlid = cntlid;
    }

    public int cntlid() {
        return cntlid;
    }

    public Subsystem subsystem() {
        return subsystem;
    }

    public TargetLimits limits() {
        return limits;
    }

    public boolean isDiscovery() {
        return subsystem.isDiscovery();
    }

    public String hostNqn() {
        return hostNqn;
    }

    public byte[] hostId() {
        return hostId.clone();
    }

    /** The HOSTID as a value (reservations are held per host identifier). */
    public HostId reservationHost() {
        return reservationHost;
    }

    public ReservationNotices reservationNotices() {
        return reservationNotices;
    }

    /**
     * A reservation notification of {@code type} for namespace {@code nsid} (any thread): logged unless masked, then
     * announced with an I/O Command Specific AEN "reservation log page available" (NVMe Base 8.19.9).
     */
    public void reservationNotice(int type, int nsid) {
        ControllerQueue admin = adminQueue;
        if (!reservationNotices.add(type, nsid) || admin == null) {
            return;
        }
        admin.reactor().execute(() -> raiseEvent(AsyncEvent.encode(AsyncEvent.TYPE_COMMAND_SET,
                AsyncEvent.COMMAND_SET_RESERVATION_LOG_AVAILABLE, LogPage.RESERVATION_NOTIFICATION)));
    }

    /** Whether the HOSTID of the Connect data at {@code base} is this controller's (the admin queue's). */
    public boolean hostIdMatches(ByteBuf connectData, int base) {
        return ConnectData.hostIdEquals(connectData, base, hostId);
    }

    public Port port() {
        return port;
    }

    public DiscoveryLogSource discoveryLog() {
        return discoveryLog;
    }

    // ---- queues -------------------------------------------------------------------------------------------

    public synchronized void attachAdminQueue(ControllerQueue queue) {
        this.adminQueue = queue;
        subsystem.addListener(this);
    }

    public ControllerQueue adminQueue() {
        return adminQueue;
    }

    /** The attached I/O queues by QID (index 0 and detached QIDs null); a copy, for management calls. */
    public synchronized ControllerQueue[] ioQueues() {
        return Arrays.copyOf(ioQueues, ioQueues.length);
    }

    /**
     * The read and write counts of every I/O queue this controller has had (SMART / Health log): the attached queues'
     * as they stand plus those of the queues it lost, as they stood when it lost them (a command a dropped queue's
     * reactor was still starting then is not counted). A new object (management path).
     */
    public synchronized IoCounters ioTotals() {
        IoCounters total = new IoCounters();
        total.add(lostQueuesIo);
        for (ControllerQueue q : ioQueues) {
            if (q != null) {
                total.add(q.ioCounters());
            }
        }
        return total;
    }

    /** Detaches every I/O queue (the caller holds the lock and closes them), keeping their counts; returns them. */
    private ControllerQueue[] detachIoQueues() {
        ControllerQueue[] detached = Arrays.copyOf(ioQueues, ioQueues.length);
        for (ControllerQueue q : detached) {
            if (q != null) {
                lostQueuesIo.add(q.ioCounters());
            }
        }
        Arrays.fill(ioQueues, null);
        return detached;
    }

    /** Attaches an I/O queue; returns a status (success, or why not). */
    public synchronized int attachIoQueue(int qid, ControllerQueue queue) {
        if (closed) {
            return Status.CONNECT_INVALID_PARAMETERS | Status.DNR;
        }
        if ((cc & Property.CC_EN) == 0 || (csts & Property.CSTS_RDY) == 0) {
            return Status.COMMAND_SEQUENCE_ERROR;
        }
        if (qid < 1 || qid > grantedIoQueues || qid >= ioQueues.length || ioQueues[qid] != null) {
            return Status.CONNECT_INVALID_PARAMETERS | Status.DNR;
        }
        ioQueues[qid] = queue;
        return Status.SUCCESS;
    }

    /** Called by a queue whose connection went away. Losing the admin queue ends the controller. */
    public void queueClosed(ControllerQueue queue, int qid) {
        boolean admin;
        synchronized (this) {
            admin = queue == adminQueue;
            if (!admin && qid > 0 && qid < ioQueues.length && ioQueues[qid] == queue) {
                ioQueues[qid] = null;
                lostQueuesIo.add(queue.ioCounters());
            }
        }
        if (admin) {
            shutdown("admin queue closed");
        }
    }

    /** Tears the controller down with all its queues. Idempotent; any thread. */
    public void shutdown(String reason) {
        shutdown(reason, null);
    }

    /** Tears down as {@link #shutdown(String)}; {@code first} runs only in the call that does it, before queues close. */
    private boolean shutdown(String reason, Runnable first) {
        ControllerQueue[] toClose;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            csts |= Property.CSTS_CFS;
            toClose = detachIoQueues();
        }
        if (first != null) {
            first.run();
        }
        if (auth != null) {
            auth.controllerClosed(cntlid, reason);
        }
        subsystem.removeListener(this);
        subsystem.unregister(cntlid, this);
        LOG.fine(() -> "controller " + cntlid + " of " + subsystem.nqn() + " for " + hostNqn + " torn down: " + reason);
        for (ControllerQueue q : toClose) {
            if (q != null) {
                q.close(reason);
            }
        }
        if (adminQueue != null) {
            adminQueue.close(reason);
        }
        return true;
    }

    public io.locus.target.auth.ControllerAuth auth() {
        return auth;
    }

    public void auth(io.locus.target.auth.ControllerAuth auth) {
        this.auth = auth;
    }

    /**
     * Whether a command other than a fabrics command may run on queue {@code qid}: true unless the host must
     * authenticate (DH-HMAC-CHAP) and this queue has not yet (Linux: {@code nvmet_check_auth_status}).
     */
    public boolean authenticated(int qid) {
        io.locus.target.auth.ControllerAuth a = auth;
        return a == null || a.allows(qid);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Disconnects the I/O queues (CC.EN 1 to 0, or shutdown notification), keeping the admin queue. */
    private void dropIoQueues(String reason) {
        ControllerQueue[] toClose;
        synchronized (this) {
            toClose = detachIoQueues();
        }
        for (ControllerQueue q : toClose) {
            if (q != null) {
                q.close(reason);
            }
        }
    }

    // ---- properties ---------------------------------------------------------------------------------------

    public long cap() {
        return Property.cap(limits.mqes(), limits.readyTimeout500ms());
    }

    public synchronized int cc() {
        return cc;
    }

    public synchronized int csts() {
        return csts;
    }

    /** Applies a CC write with the Linux target's checks: bad queue entry sizes or page size set CSTS.CFS. */
    public void writeCc(int value) {
        boolean dropQueues = false;
        synchronized (this) {
            int old = cc;
            cc = value;
            boolean enable = (value & Property.CC_EN) != 0 && (old & Property.CC_EN) == 0;
            boolean disable = (value & Property.CC_EN) == 0 && (old & Property.CC_EN) != 0;
            if (enable) {
                if (Property.ccIosqes(value) != 6 || Property.ccIocqes(value) != 4 || Property.ccMps(value) != 0
                        || Property.ccAms(value) != 0 || Property.ccCss(value) != 0) {
                    csts |= Property.CSTS_CFS;
                } else {
                    csts |= Property.CSTS_RDY;
                }
            } else if (disable) {
                csts &= ~Property.CSTS_RDY;
                dropQueues = true;
            }
            if (Property.ccShn(value) != 0) {
                csts = (csts & ~(0x3 << Property.CSTS_SHST_SHIFT)) | Property.CSTS_SHST_COMPLETE;
                dropQueues = true;
            } else if (Property.ccShn(old) != 0) {
                csts &= ~(0x3 << Property.CSTS_SHST_SHIFT);
            }
        }
        if (dropQueues) {
            dropIoQueues(Property.ccShn(value) != 0 ? "controller shutdown (CC.SHN)" : "controller disabled (CC.EN=0)");
            if (Property.ccShn(value) != 0) {
                for (Namespace ns : subsystem.namespaces()) {
                    if (ns.backend().volatileWriteCache()) {
                        ns.backend().flushBlocking();
                    }
                }
            }
        }
    }

    public synchronized boolean isEnabled() {
        return (cc & Property.CC_EN) != 0 && (csts & Property.CSTS_RDY) != 0;
    }

    // ---- keep-alive ---------------------------------------------------------------------------------------

    public long katoMillis() {
        return katoMillis;
    }

    public void setKatoMillis(long kato, long nowNanos) {
        this.katoMillis = kato;
        lastKeepAliveNanos = nowNanos;
    }

    /**
     * The host sent Keep Alive at {@code nowNanos} (admin reactor). One that arrives after KATO has already expired
     * does not revive the controller (KATO expiry is fatal to it, NVMe Base 2.1 §3.9): a process resumed after
     * SIGSTOP reads the Keep Alive its host sent before giving up on it, and must not then run the I/O commands
     * queued behind it, which the host has already sent down another path.
     */
    public void keepAlive(long nowNanos) {
        if (!keepAliveExpired(nowNanos)) {
            lastKeepAliveNanos = nowNanos;
        }
    }

    /**
     * True when keep-alive is enabled and the host has been silent longer than KATO (rounded up to a second) at
     * {@code nowNanos}. I/O commands received after that are not run (see the dispatcher): the timer that tears the
     * controller down may not have run yet (a process resumed after SIGSTOP reads its sockets first).
     */
    public boolean keepAliveExpired(long nowNanos) {
        if (katoMillis == 0) {
            return false;
        }
        long timeoutMillis = (katoMillis + 999) / 1000 * 1000;
        return nowNanos - lastKeepAliveNanos > timeoutMillis * 1_000_000L;
    }

    /**
     * How long, from {@code nowNanos} (keep-alive clock), until the keep-alive expires unless a Keep Alive comes
     * (at most 0), or {@link Long#MAX_VALUE} when keep-alive is off. Writes a backend queues carry it as their
     * deadline ({@code BackendIo#notAfterNanos}).
     */
    public long keepAliveRemainingNanos(long nowNanos) {
        if (katoMillis == 0) {
            return Long.MAX_VALUE;
        }
        long timeoutMillis = (katoMillis + 999) / 1000 * 1000;
        return Math.max(0, lastKeepAliveNanos + timeoutMillis * 1_000_000L - nowNanos);
    }

    /**
     * When the keep-alive has expired, tears the controller down and logs that, once, as what it is: the host sent
     * no Keep Alive for longer than KATO (not a rejection of anything it sent). Returns whether this call tore it down.
     */
    public boolean expireKeepAliveIfDue(long nowNanos) {
        if (!keepAliveExpired(nowNanos)) {
            return false;
        }
        return shutdown("keep-alive expired", () -> LOG.warning("keep-alive expired: controller " + cntlid + " of "
                + subsystem.nqn() + " for host " + hostNqn + " got no Keep Alive within KATO " + katoMillis
                + " ms; tearing it down"));
    }

    // ---- features -----------------------------------------------------------------------------------------

    public int grantedIoQueues() {
        return grantedIoQueues;
    }

    /** Number of Queues: grants min(requested, limit); returns the 0's based grant. */
    public synchronized int requestIoQueues(int requested) {
        grantedIoQueues = Math.min(requested, limits.maxIoQueues());
        return grantedIoQueues - 1;
    }

    public int asyncEventConfig() {
        return asyncEventConfig;
    }

    public void setAsyncEventConfig(int value) {
        this.asyncEventConfig = value;
    }

    public boolean volatileWriteCacheEnabled() {
        return volatileWriteCacheEnabled;
    }

    public void setVolatileWriteCacheEnabled(boolean enabled) {
        this.volatileWriteCacheEnabled = enabled;
    }

    public boolean provenanceEnabled() {
        return provenanceEnabled;
    }

    public void setProvenanceEnabled(boolean enabled) {
        this.provenanceEnabled = enabled;
    }

    // ---- asynchronous events ------------------------------------------------------------------------------

    /** Queues an AER (admin reactor). Returns false when AERL+1 are already outstanding. */
    public boolean addAer(AsyncEventSlot request) {
        if (outstandingAers.size() >= MAX_OUTSTANDING_AERS) {
            return false;
        }
        outstandingAers.addLast(request);
        deliverEvents();
        return true;
    }

    public int outstandingAerCount() {
        return outstandingAers.size();
    }

    /** Completes outstanding AERs with "aborted by SQ deletion" (teardown). */
    public void abortAers() {
        AsyncEventSlot r;
        while ((r = outstandingAers.pollFirst()) != null) {
            r.complete(Status.ABORTED_SQ_DELETION, 0);
        }
    }

    @Override
    public void namespaceChanged(int nsid) {
        ControllerQueue admin = adminQueue;
        if (admin == null) {
            return;
        }
        admin.reactor().execute(() -> recordNamespaceChange(nsid));
    }

    /** Admin reactor: remembers the change for the Changed Namespace List and raises the AEN when enabled. */
    public void recordNamespaceChange(int nsid) {
        boolean known = false;
        for (int i = 0; i < changedNamespaceCount; i++) {
            known |= changedNamespaces[i] == nsid;
        }
        if (!known) {
            if (changedNamespaceCount < CHANGED_NS_MAX) {
                changedNamespaces[changedNamespaceCount++] = nsid;
            } else {
                changedNamespaceOverflow = true;
            }
        }
        if ((asyncEventConfig & IdentifyController.OAES_NS_ATTRIBUTE) != 0) {
            raiseEvent(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_NS_ATTRIBUTE_CHANGED, LogPage.CHANGED_NAMESPACES));
        }
    }

    /**
     * The ANA state of a group changed on this controller's port: raise the ANA-change notice (info 0x03, log page
     * 0x0C) when the host enabled it (Asynchronous Event Configuration b11), as nvmet's {@code nvmet_port_send_ana_event}.
     * Any thread; the event is raised on the admin reactor.
     */
    public void anaChanged() {
        ControllerQueue admin = adminQueue;
        if (admin == null) {
            return;
        }
        admin.reactor().execute(() -> {
            if ((asyncEventConfig & IdentifyController.OAES_ANA_CHANGE) != 0) {
                raiseEvent(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_ANA_CHANGE, LogPage.ANA));
            }
        });
    }

    /** Discovery log changed: raise the discovery AEN when the host enabled it. */
    public void discoveryLogChanged() {
        ControllerQueue admin = adminQueue;
        if (admin == null) {
            return;
        }
        admin.reactor().execute(() -> {
            if ((asyncEventConfig & IdentifyController.OAES_DISCOVERY_LOG_CHANGE) != 0) {
                raiseEvent(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_DISCOVERY_LOG_CHANGE, LogPage.DISCOVERY));
            }
        });
    }

    private void raiseEvent(int dw0) {
        int lid = AsyncEvent.logPage(dw0);
        if ((maskedLogPages & bit(lid)) != 0 || pendingEvents.contains(dw0)) {
            return;
        }
        pendingEvents.addLast(dw0);
        deliverEvents();
    }

    private void deliverEvents() {
        while (!pendingEvents.isEmpty() && !outstandingAers.isEmpty()) {
            int dw0 = pendingEvents.pollFirst();
            maskedLogPages |= bit(AsyncEvent.logPage(dw0));
            outstandingAers.pollFirst().complete(Status.SUCCESS, dw0);
        }
    }

    /** A log page was read: with RAE clear, its event type is unmasked. */
    public void logPageRead(int lid, boolean retainAsyncEvent) {
        if (!retainAsyncEvent) {
            maskedLogPages &= ~bit(lid);
        }
    }

    private static int bit(int lid) {
        return switch (lid) {
            case LogPage.CHANGED_NAMESPACES -> 1;
            case LogPage.ANA -> 2;
            case LogPage.DISCOVERY -> 4;
            case LogPage.RESERVATION_NOTIFICATION -> 16;
            default -> 8;
        };
    }

    /** Copies and (unless retained) clears the changed-namespace list into {@code out} (4096 bytes, LE NSIDs). */
    public int[] takeChangedNamespaces(boolean retain) {
        int[] list = changedNamespaceOverflow ? new int[] {0xFFFFFFFF} : Arrays.copyOf(changedNamespaces, changedNamespaceCount);
        if (!retain) {
            changedNamespaceCount = 0;
            changedNamespaceOverflow = false;
        }
        return list;
    }

    public ErrorLog errorLog() {
        return errorLog;
    }
}
