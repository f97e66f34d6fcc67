package io.locus.initiator;

import io.locus.initiator.queue.QueueConfig;
import io.locus.initiator.queue.QueueOwner;
import io.locus.initiator.queue.QueuePair;
import io.locus.initiator.queue.HostConnection;
import io.locus.initiator.rdma.RdmaConnection;
import io.locus.initiator.tcp.TcpQueue;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A host-side NVMe-oF controller: the admin queue and N I/O queues to one subsystem, kept alive, kept armed for
 * asynchronous events, and reconnected after a loss.
 *
 * <pre>{@code
 * try (Controller ctrl = Controller.connect(TransportId.tcp("10.0.0.2", 4420, nqn), HostIdentity.load(),
 *                                           ControllerOptions.defaults().ioQueues(4))) {
 *     Namespace ns = ctrl.namespace(1);
 *     ns.readBlocking(0, 8, buf);
 * }
 * }</pre>
 * Threads: the queues run on reactors (the controller's own, or {@link ControllerOptions#reactors}); bring-up,
 * event handling and reconnects run on one control thread per controller. Listeners are called there.
 * <p>
 * Time: the controller's timers (Keep Alive every KATO/2, the command time-out scan, the reconnect delay and the
 * ctrl-loss-tmo count) run on the admin queue's reactor and read its clock ({@link Reactor#clock()}), as every other
 * time decision of a queue does: {@code System::nanoTime} in production, a manual clock when the caller gives
 * reactors made with one.
 */
public final class Controller implements AutoCloseable, QueueOwner {
    private static final Logger LOG = Logger.getLogger(Controller.class.getName());
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** Admin/fabrics commands carry at most 8 KiB in-capsule (PROTOCOL.md 2). */
    static final int ADMIN_IN_CAPSULE = 8192;
    /** Identify Controller SGLS: keyed SGL data blocks supported (b2), in-capsule data supported (b20). */
    private static final int SGLS_KEYED = 1 << 2;
    private static final int SGLS_IN_CAPSULE = 1 << 20;

    private final TransportId transportId;
    /** Makes each queue's connection: NVMe/TCP or NVMe/RDMA, from the transport id. */
    private final HostConnection.Factory connections;
    private final HostIdentity host;
    private final ControllerOptions options;
    private final ReactorGroup reactors;
    private final boolean ownsReactors;
    private final ExecutorService control;
    /** The admin queue's reactor: the controller's timers run on its event loop and read its clock. */
    private final Reactor timers;
    private final QueuePair admin;
    private final FlowDelivery delivery;
    private final CopyOnWriteArrayList<ControllerListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Integer, Namespace> namespaces = new ConcurrentHashMap<>();
    private final AsyncEvents events;
    private final KeepAlive keepAlive;
    private final int katoMs;

    private volatile QueuePair[] ioQueues = new QueuePair[0];
    private volatile ControllerState state = ControllerState.CONNECTING;
    private volatile String lastError;
    private volatile ControllerInfo info;
    private volatile int cntlid = -1;
    private volatile long cap;
    private volatile int vs;
    private volatile boolean provenanceEnabled;
    /** The ANA log as last read (at connect, on each ANA-change event), or null when the controller reports no ANA. */
    private volatile AnaLog anaLog;
    private long lossStartNanos;
    private ScheduledFuture<?> timeoutTask;
    private ScheduledFuture<?> reconnectTask;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread controlThread;

    private Controller(TransportId transportId, HostIdentity host, ControllerOptions options) {
        this.transportId = transportId;
        this.connections = transportId.isRdma() ? RdmaConnection::new : TcpQueue::new;
        this.host = host;
        this.options = options;
        this.katoMs = options.keepAliveTimeoutMs(transportId.isDiscovery());
        int instance = INSTANCES.incrementAndGet();
        if (options.reactors() != null) {
            this.reactors = options.reactors();
            this.ownsReactors = false;
        } else {
            int count = transportId.isDiscovery() ? 1 : options.ioQueues();
            this.reactors = ReactorGroup.unpinned("locus-host" + instance, count, options.idleMode());
            this.ownsReactors = true;
        }
        this.control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "locus-ctrl" + instance);
            t.setDaemon(true);
            controlThread = t;
            return t;
        });
        this.timers = reactors.get(0);
        this.delivery = new FlowDelivery(reactors.reactors());
        this.admin = new QueuePair(new QueueConfig(0, ControllerOptions.ADMIN_QUEUE_SIZE, options.headerDigest(),
                options.dataDigest(), options.maxRetries(), TimeUnit.MILLISECONDS.toNanos(options.adminTimeoutMs())),
                reactors.get(0), this, null, connections);
        this.listeners.addAll(options.listeners());
        this.events = new AsyncEvents(this);
        this.keepAlive = new KeepAlive(this);
    }

    /**
     * Connects to a subsystem: admin queue, controller enable, Identify, I/O queues, keep-alive, AERs.
     *
     * @throws NvmeException with a one-line reason when the target cannot be reached, refuses the host, does not
     *                       know the subsystem, or does not answer in time
     */
    public static Controller connect(TransportId transportId, HostIdentity host, ControllerOptions options) {
        options.conclude();
        Controller ctrl = new Controller(transportId, host, options);
        Future<?> bringUp = ctrl.control.submit(() -> ctrl.bringUp(true));
        try {
            bringUp.get();
        } catch (ExecutionException e) {
            ctrl.shutdown(false);
            Throwable cause = e.getCause();
            if (cause instanceof NvmeException ne) {
                throw new NvmeException(ne.getMessage(), ne.status(), ne);
            }
            throw new NvmeException("cannot connect to " + transportId + ": " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ctrl.shutdown(false);
            throw new NvmeException("interrupted while connecting to " + transportId);
        }
        return ctrl;
    }

    // ---------------------------------------------------------------- public face

    public TransportId transportId() {
        return transportId;
    }

    public HostIdentity host() {
        return host;
    }

    public ControllerOptions options() {
        return options;
    }

    public ControllerState state() {
        return state;
    }

    /** The reason of the last loss or failure, or null. */
    public String lastError() {
        return lastError;
    }

    /** Identify Controller as last read (refreshed on every reconnect). */
    public ControllerInfo info() {
        return info;
    }

    public int cntlid() {
        return cntlid;
    }

    /** Controller Capabilities property. */
    public long cap() {
        return cap;
    }

    /** Version property. */
    public int version() {
        return vs;
    }

    /**
     * The ANA log as last read: at every connect and on every ANA-change event (and after an I/O failed with an ANA
     * status); null when the controller does not report ANA (CMIC b3 clear, or MNAN/NANAGRPID unusable).
     */
    public AnaLog anaLog() {
        return anaLog;
    }

    /**
     * The ANA state of namespace {@code nsid} (in group {@code anaGroupId} by Identify Namespace) through this
     * controller; {@link AnaState#OPTIMIZED} when the controller does not report ANA.
     */
    public AnaState anaState(int nsid, int anaGroupId) {
        AnaLog log = anaLog;
        return log == null ? AnaState.OPTIMIZED : log.stateOf(nsid, anaGroupId);
    }

    /** Reads the ANA log again in the background; listeners then get an {@link ControllerEvent.Kind#ANA_CHANGED}. */
    public void refreshAnaLog() {
        events.refreshAna();
    }

    /** A log page read into {@code log} ({@code length} bytes): parse it and make it current. Any thread. */
    void anaLogRead(ByteBuf log, int length) {
        try {
            anaLog = AnaLog.parse(log, length);
        } catch (NvmeException e) {
            LOG.warning(() -> transportId + ": " + e.getMessage());
        }
    }

    /** Whether I/O commands carry the Locus provenance extension on this controller. */
    public boolean provenanceEnabled() {
        return provenanceEnabled;
    }

    public int ioQueueCount() {
        return ioQueues.length;
    }

    /** I/O queue {@code index} (0-based; its qid is index + 1). */
    public QueuePair ioQueue(int index) {
        return ioQueues[index];
    }

    public QueuePair adminQueue() {
        return admin;
    }

    /**
     * The reactor configured on {@code cpu} ({@link Reactor#cpu()}; the first when several share it), or null: the
     * home reactor of flows homed there, which consumes the completions of an {@link Flow#ANTI_MIGRATE} flow.
     */
    public Reactor homeReactor(int cpu) {
        return delivery.homeReactor(cpu);
    }

    /**
     * What the host recorded about one flow's completions so far: how they reached their consumer, the
     * {@code cqe_visible_to_wakeup} and {@code wakeup_to_oncpu} stages, and for a homed flow its consumers' CPUs and
     * migrations. A snapshot; counters may be a moment stale. All zero for a flow that has not completed here.
     */
    public HostFlowStats flowStats(int flowId) {
        return delivery.snapshot(flowId);
    }

    /** {@link #flowStats(int)} of every flow that has completed on this controller, by flow id. */
    public List<HostFlowStats> flowStats() {
        return delivery.snapshots();
    }

    FlowDelivery delivery() {
        return delivery;
    }

    /** Largest data transfer of one command in bytes (MDTS), or {@code Integer.MAX_VALUE} when unlimited. */
    public int maxTransferBytes() {
        ControllerInfo i = info;
        if (i == null || i.mdts() == 0) {
            return transportId.isRdma() ? RdmaConnection.MAX_TRANSFER : Integer.MAX_VALUE;
        }
        long minPage = 4096L << ((cap >>> 48) & 0xF);
        long bytes = (1L << i.mdts()) * minPage;
        if (transportId.isRdma()) {
            bytes = Math.min(bytes, RdmaConnection.MAX_TRANSFER); // the data chunk each command slot registered
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    public int keepAliveTimeoutMs() {
        return katoMs;
    }

    public void addListener(ControllerListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ControllerListener listener) {
        listeners.remove(listener);
    }

    /** Active namespace IDs (Identify CNS 0x02), ascending. */
    public List<Integer> activeNamespaces() {
        List<Integer> out = new ArrayList<>();
        int after = 0;
        while (true) {
            ByteBuf list = identify(IdentifyNamespace.CNS_ACTIVE_NSID_LIST, after);
            int last = after;
            for (int i = 0; i < 1024; i++) {
                int nsid = list.getIntLE(i * 4);
                if (nsid == 0) {
                    return out;
                }
                out.add(nsid);
                last = nsid;
            }
            if (last == after || Integer.compareUnsigned(last, 0xFFFFFFFE) >= 0) {
                return out;
            }
            after = last;
        }
    }

    /** A namespace handle (Identify Namespace is read on first use and cached). */
    public Namespace namespace(int nsid) {
        Namespace ns = namespaces.get(nsid);
        if (ns != null) {
            return ns;
        }
        NamespaceInfo nsInfo = identifyNamespace(nsid);
        if (!nsInfo.isActive()) {
            throw new NvmeException("namespace " + nsid + " is not active on " + transportId.subsystemNqn());
        }
        ns = new Namespace(this, nsInfo, null);
        Namespace prior = namespaces.putIfAbsent(nsid, ns);
        return prior != null ? prior : ns;
    }

    public NamespaceInfo identifyNamespace(int nsid) {
        return NamespaceInfo.parse(nsid, identify(IdentifyNamespace.CNS_NAMESPACE, nsid));
    }

    /** Identify with the given CNS and NSID; returns the 4096 bytes. */
    public ByteBuf identify(int cns, int nsid) {
        ByteBuf into = Unpooled.buffer(4096, 4096);
        Completion done = adminCall(c -> AdminCommands.identify(c, cns, nsid, into), "Identify (CNS " + cns + ")");
        into.writerIndex(4096);
        check(done, "Identify (CNS " + cns + ", NSID " + nsid + ")");
        return into;
    }

    /** Get Log Page: {@code length} bytes (a multiple of 4) at {@code offset}. */
    public ByteBuf getLogPage(int lid, int nsid, boolean retainAsyncEvent, long offset, int length) {
        ByteBuf into = Unpooled.buffer(length, length);
        Completion done = adminCall(c -> AdminCommands.getLogPage(c, nsid, lid, 0, retainAsyncEvent, offset, length, into),
                "Get Log Page");
        into.writerIndex(length);
        check(done, String.format("Get Log Page 0x%02x (%d bytes at offset %d)", lid, length, offset));
        return into;
    }

    /** Set Features; returns completion DW0. */
    public int setFeature(int fid, int cdw11) {
        Completion done = adminCall(c -> AdminCommands.setFeatures(c, fid, cdw11), "Set Features");
        check(done, String.format("Set Features 0x%02x", fid));
        return done.dw0();
    }

    /** Get Features (current value); returns completion DW0. */
    public int getFeature(int fid) {
        Completion done = adminCall(c -> AdminCommands.getFeatures(c, fid, Feature.SELECT_CURRENT), "Get Features");
        check(done, String.format("Get Features 0x%02x", fid));
        return done.dw0();
    }

    /**
     * Runs DH-HMAC-CHAP again on the admin queue and every I/O queue (an AUTH_Negotiate on authenticated queues, as
     * Linux does when its dhchap_secret is rewritten). Blocks; a failure throws, and the target ends the controller.
     */
    public void reauthenticate() {
        QueueAuthChannel.reauthenticate(this);
    }

    /** Drops the connections as if they were lost: the controller resets and reconnects (a drill). */
    public void reset(String reason) {
        control.execute(() -> onFailure(reason));
    }

    @Override
    public void close() {
        shutdown(true);
    }

    // ---------------------------------------------------------------- queue failures and reconnect

    @Override
    public void onQueueFailure(QueuePair queue, String reason) {
        if (closed.get()) {
            return;
        }
        if (state == ControllerState.LIVE) {
            lastError = reason; // before the failed commands' callbacks run, so their errors can say why
        }
        try {
            control.execute(() -> onFailure(reason));
        } catch (RejectedExecutionException ignored) {
            // closing
        }
    }

    /** Control thread: a live controller lost a queue: tear every queue down, then reconnect. */
    private void onFailure(String reason) {
        if (state != ControllerState.LIVE || closed.get()) {
            return;
        }
        LOG.warning(() -> transportId + ": " + reason + "; resetting the controller");
        lastError = reason;
        keepAlive.stop();
        lossStartNanos = timers.clock().nanoTime();
        boolean retry = options.ctrlLossTimeoutMs() != 0;
        if (retry) {
            scheduleReconnect(); // its try runs on this thread, after the tear-down below
        }
        setState(ControllerState.RESETTING, reason);
        disconnectAll(reason);
        if (!retry) {
            giveUp("the connection to " + transportId.endpoint() + " was lost (" + reason + ") and ctrl-loss-tmo is 0");
        }
    }

    /**
     * After the reconnect delay on the admin reactor's clock, the control thread tries again. Scheduled before the
     * state says RESETTING, so whoever sees that state knows the delay is already counting.
     */
    private void scheduleReconnect() {
        reconnectTask = timers.eventLoop().schedule(() -> {
            try {
                control.execute(this::reconnect);
            } catch (RejectedExecutionException closing) {
                // the controller closed meanwhile
            }
        }, options.reconnectDelayMs(), TimeUnit.MILLISECONDS);
    }

    private void reconnect() {
        if (closed.get() || state.isFinal()) {
            return;
        }
        setState(ControllerState.RECONNECTING, lastError);
        try {
            bringUp(false);
            LOG.info(() -> transportId + ": reconnected");
        } catch (NvmeException e) {
            lastError = e.getMessage();
            disconnectAll(e.getMessage());
            if (closed.get()) {
                return;
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(timers.clock().nanoTime() - lossStartNanos);
            if (e.status() >= 0 && Status.dnr(e.status())) {
                giveUp("reconnecting to " + transportId.endpoint() + " failed for good: " + e.getMessage());
            } else if (options.ctrlLossTimeoutMs() >= 0 && elapsedMs + options.reconnectDelayMs() > options.ctrlLossTimeoutMs()) {
                giveUp("no connection to " + transportId.endpoint() + " for " + (elapsedMs / 1000.0)
                        + " s (ctrl-loss-tmo " + options.ctrlLossTimeoutMs() / 1000.0 + " s); last error: " + e.getMessage());
            } else {
                LOG.info(() -> transportId + ": reconnect failed (" + e.getMessage() + "), next try in "
                        + options.reconnectDelayMs() + " ms");
                scheduleReconnect();
                setState(ControllerState.RESETTING, e.getMessage());
            }
        }
    }

    private void giveUp(String reason) {
        lastError = reason;
        LOG.warning(() -> transportId + ": " + reason);
        cancelTimers();
        // The state changes first, so whoever a failed command wakes sees a failed controller.
        setState(ControllerState.FAILED, reason);
        int status = HostStatus.HOST_PATH_ERROR | Status.DNR;
        await(admin.fail(status, reason));
        for (QueuePair q : ioQueues) {
            await(q.fail(status, reason));
        }
    }

    private void disconnectAll(String reason) {
        keepAlive.stop();
        await(admin.disconnect(reason));
        for (QueuePair q : ioQueues) {
            await(q.disconnect(reason));
        }
    }

    // ---------------------------------------------------------------- bring-up (control thread)

    private void bringUp(boolean first) {
        ControllerBringUp steps = new ControllerBringUp(this, admin, transportId, host, options, katoMs);
        ControllerBringUp.Result r = steps.connectAdmin();
        this.cntlid = r.cntlid();
        delivery.cntlid(r.cntlid());
        this.cap = r.cap();
        this.vs = r.vs();
        this.info = r.info();
        if (transportId.isRdma() && (r.info().sgls() & SGLS_KEYED) == 0) {
            throw new NvmeException(transportId + ": the controller does not support keyed SGL data blocks "
                    + "(Identify SGLS bit 2), which NVMe/RDMA needs for its data");
        }
        if (katoMs > 0) {
            keepAlive.start(katoMs);
        }
        boolean provenance = !transportId.isDiscovery() && steps.enableProvenance(r.info());
        if (!transportId.isDiscovery()) {
            int granted = steps.negotiateQueues(options.ioQueues());
            if (first) {
                createIoQueues(Math.min(granted, options.ioQueues()), r);
            } else if (granted < ioQueues.length) {
                throw new NvmeException("the controller now grants " + granted + " I/O queues, fewer than the "
                        + ioQueues.length + " this host runs");
            }
        }
        if (!transportId.isDiscovery() || katoMs > 0) {
            steps.configureAsyncEvents(r.info()); // a one-shot discovery connection has nobody to tell
        }
        if (!transportId.isDiscovery()) {
            int anaLength = AnaLog.lengthFor(r.info(), maxTransferBytes());
            this.anaLog = anaLength == 0 ? null : steps.readAnaLog(anaLength);
        }
        await(admin.goLive(ADMIN_IN_CAPSULE, false));
        for (QueuePair q : ioQueues) {
            steps.connectIo(q, r.cntlid(), q.depth() + 1);
            await(q.goLive(ioInCapsuleLimit(r.info()), provenance));
        }
        this.provenanceEnabled = provenance;
        startTimeoutChecks();
        events.arm(r.info());
        lastError = null;
        setState(ControllerState.LIVE, null);
    }

    /**
     * In-capsule data an I/O command may carry: IOCCSZ's room over TCP; over RDMA only when the controller takes
     * in-capsule data (SGLS bit 20) at offset 0 (ICDOFF 0), as Linux's nvme-rdma decides.
     */
    private int ioInCapsuleLimit(ControllerInfo i) {
        if (transportId.isRdma() && ((i.sgls() & SGLS_IN_CAPSULE) == 0 || i.icdoff() != 0)) {
            return 0;
        }
        return i.inCapsuleDataSize();
    }

    private void createIoQueues(int count, ControllerBringUp.Result r) {
        int mqes = (int) (r.cap() & 0xFFFF) + 1;
        int entries = Math.max(2, Math.min(options.queueSize(), mqes));
        QueuePair[] queues = new QueuePair[count];
        for (int i = 0; i < count; i++) {
            Reactor reactor = reactors.get(i % reactors.size());
            queues[i] = new QueuePair(new QueueConfig(i + 1, entries, options.headerDigest(), options.dataDigest(),
                    options.maxRetries(), TimeUnit.MILLISECONDS.toNanos(options.ioTimeoutMs())), reactor, this, delivery,
                    connections);
        }
        ioQueues = queues;
    }

    private void startTimeoutChecks() {
        if (timeoutTask != null) {
            return;
        }
        long period = Math.max(20, Math.min(1000, katoMs > 0 ? katoMs / 4 : 1000));
        timeoutTask = timers.eventLoop().scheduleAtFixedRate(() -> {
            admin.scheduleTimeoutCheck();
            for (QueuePair q : ioQueues) {
                q.scheduleTimeoutCheck();
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- helpers used by the parts

    Completion adminCall(SyncCall.Setup setup, String what) {
        ensureUsable();
        return SyncCall.run(admin, setup, false, 0, what + " on " + transportId);
    }

    void check(Completion done, String what) {
        if (!done.ok()) {
            String why = done.status() == (HostStatus.HOST_PATH_ERROR | Status.DNR) && lastError != null
                    ? lastError : done.describe();
            throw new NvmeException(what + " failed: " + why, done.status());
        }
    }

    private void ensureUsable() {
        if (closed.get()) {
            throw new NvmeException("the controller for " + transportId + " is closed");
        }
    }

    ExecutorService controlExecutor() {
        return control;
    }

    /** The reactor whose event loop runs the controller's timers and whose clock they read (the admin queue's). */
    Reactor timerReactor() {
        return timers;
    }

    boolean isClosed() {
        return closed.get();
    }

    void emit(ControllerEvent event) {
        if (event.kind() == ControllerEvent.Kind.NAMESPACE_CHANGED) {
            // Attributes (size, format) may have changed: identify again on next use.
            if (event.changedNsids().isEmpty() || event.changedNsids().getFirst() == 0xFFFFFFFF) {
                namespaces.clear();
            } else {
                event.changedNsids().forEach(namespaces::remove);
            }
        }
        for (ControllerListener l : listeners) {
            try {
                l.onEvent(this, event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "controller listener failed", e);
            }
        }
    }

    private void setState(ControllerState next, String reason) {
        if (state == next) {
            return;
        }
        state = next;
        for (ControllerListener l : listeners) {
            try {
                l.onStateChange(this, next, reason);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "controller listener failed", e);
            }
        }
    }

    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof NvmeException ne) {
                throw ne;
            }
            throw new NvmeException(String.valueOf(c.getMessage()), c);
        } catch (TimeoutException e) {
            throw new NvmeException("a reactor did not answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NvmeException("interrupted");
        }
    }

    private void cancelTimers() {
        keepAlive.stop();
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
    }

    private void shutdown(boolean graceful) {
        for (QueuePair q : allQueues()) {
            if (q.reactor().inReactor()) {
                throw new IllegalStateException("close a controller from an application thread, not from a completion callback");
            }
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Runnable stopAll = () -> {
            boolean wasLive = state == ControllerState.LIVE;
            cancelTimers();
            if (graceful && wasLive && !transportId.isDiscovery()) {
                try {
                    new ControllerBringUp(this, admin, transportId, host, options, katoMs).shutdownController();
                } catch (NvmeException e) {
                    LOG.fine(() -> "shutdown of " + transportId + ": " + e.getMessage());
                }
            }
            for (QueuePair q : ioQueues) {
                awaitQuietly(q.close());
            }
            awaitQuietly(admin.close());
            if (!state.isFinal()) {
                setState(ControllerState.CLOSED, null);
            }
        };
        if (Thread.currentThread() == controlThread) {
            stopAll.run(); // closed from a listener
            control.shutdownNow();
            if (ownsReactors) {
                reactors.close();
            }
            return;
        }
        Future<?> stop = control.submit(stopAll);
        try {
            stop.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "closing " + transportId + " did not finish cleanly", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.shutdownNow();
        if (ownsReactors) {
            reactors.close();
        }
    }

    private static void awaitQuietly(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.fine(() -> "queue close: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<QueuePair> allQueues() {
        List<QueuePair> all = new ArrayList<>();
        all.add(admin);
        Collections.addAll(all, ioQueues);
        return all;
    }

    @Override
    public String toString() {
        return "Controller[" + transportId + ", cntlid " + cntlid + ", " + state + "]";
    }
}
