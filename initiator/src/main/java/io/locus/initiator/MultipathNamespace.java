package io.locus.initiator;

import io.locus.initiator.queue.QueuePair;
import io.locus.nativeio.CpuTopology;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.Reactor;
import io.netty.buffer.ByteBuf;
import org.jctools.queues.MpmcArrayQueue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One namespace reached through one or more controllers (paths), as Linux's {@code nvme_ns_head} is: it outlives any
 * one controller, and I/O on it goes down a usable path. Paths join only when their {@link NamespaceIdentity}
 * matches (subsystem NQN, NSID, NGUID, EUI-64, UUID).
 * <p>
 * <b>ANA.</b> Each path knows the ANA state of its namespace's group through its controller, from the controller's
 * ANA log (read at every connect and on every ANA-change event, see {@link Controller#anaLog()}). Only optimized and
 * non-optimized paths of live controllers are used; non-optimized ones only while no optimized one is usable.
 * <p>
 * <b>Path choice</b> ({@link IoPolicy}): {@code numa} (default) takes the optimized path nearest the flow's home node
 * and keeps a flow on its path while that path stays usable and optimized (a flow on a non-optimized path fails back
 * to an optimized one as soon as one is usable); {@code round-robin} and {@code queue-depth} choose per command.
 * <p>
 * <b>Path errors.</b> A command that fails with a path status (SCT 3) is sent again down another path: an ANA status
 * (persistent loss, inaccessible, transition) also marks its path unusable and has its controller read the ANA log
 * again; a connection loss or a controller reset fails the path's commands at once (they fail fast) and they go the
 * same way. A DNR path status from a path that is still usable completes as it is.
 * <p>
 * <b>Holding.</b> While no path is usable but one may come back (its controller is connecting, resetting or
 * reconnecting, or live with an inaccessible group), commands are held — queued, in their preallocated request
 * objects — and sent again when a path becomes usable, on the reactor they were held from. They fail with Host Path
 * Error (DNR) only when no path can come back (every controller failed or closed) or after the hold limit (by
 * default the largest ctrl-loss-tmo of the paths; none when one of them is -1).
 * <p>
 * Threading: any thread may submit; the callback runs where the path's queue delivers it (its reactor, or the flow's
 * home reactor). Hot path: a request object comes from a preallocated pool of {@link #POOL_SIZE} (a pool that runs
 * dry allocates one, counted in {@link #poolMisses()}); nothing else is allocated.
 */
public final class MultipathNamespace implements BlockDevice, AutoCloseable {
    /** Path errors in a row after which a command waits to be resumed rather than being sent again at once. */
    public static final int MAX_ATTEMPTS = 4;
    /** Requests kept ready for reuse. */
    static final int POOL_SIZE = 1024;
    /** How many commands may be held at once (more fail with Host Path Error). */
    static final int HOLD_CAPACITY = 4 * POOL_SIZE;
    /** How often held commands are looked at while some are held: resumed, or failed past the hold limit. */
    static final long TICK_MS = 50;
    /** Flows hashed to this many slots, each remembering its path for {@code numa}. */
    private static final int FLOW_SLOTS = 1024;

    private static final ScheduledExecutorService TICKER = ticker();

    /** The path array and the per-flow sticky choice into it, swapped together when paths come and go. */
    private record PathSet(MultipathPath[] paths, AtomicInteger[] sticky) {
        static PathSet of(MultipathPath[] paths) {
            AtomicInteger[] s = new AtomicInteger[FLOW_SLOTS];
            for (int i = 0; i < s.length; i++) {
                s[i] = new AtomicInteger(PathSelector.NONE);
            }
            return new PathSet(paths, s);
        }
    }

    private final NamespaceIdentity identity;
    private final int lbaSize;
    private final long blocks;
    private volatile PathSet set = PathSet.of(new MultipathPath[0]);
    private volatile IoPolicy policy;
    private final AtomicInteger roundRobinLast = new AtomicInteger(PathSelector.NONE);
    private final MpmcArrayQueue<Request> pool = new MpmcArrayQueue<>(POOL_SIZE);
    private final MpmcArrayQueue<Request> held = new MpmcArrayQueue<>(HOLD_CAPACITY);
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong poolMisses = new AtomicLong();
    private final AtomicLong holds = new AtomicLong();
    private final AtomicBoolean tickScheduled = new AtomicBoolean();
    private final LongSupplier clock;
    /** Null: held commands are looked at only by {@link #tick} (tests). */
    private final ScheduledExecutorService ticker;
    private volatile long holdLimitMs = Long.MIN_VALUE;
    private final ControllerListener listener = new ControllerListener() {
        @Override
        public void onStateChange(Controller controller, ControllerState state, String reason) {
            pathsChanged(controller);
        }

        @Override
        public void onEvent(Controller controller, ControllerEvent event) {
            if (event.kind() == ControllerEvent.Kind.ANA_CHANGED) {
                pathsChanged(controller);
            }
        }
    };

    MultipathNamespace(NamespaceIdentity identity, int lbaSize, long blocks, IoPolicy policy, LongSupplier clock,
                       ScheduledExecutorService ticker) {
        this.identity = identity;
        this.lbaSize = lbaSize;
        this.blocks = blocks;
        this.policy = policy;
        this.clock = clock;
        this.ticker = ticker;
        for (int i = 0; i < POOL_SIZE; i++) {
            pool.offer(new Request(this));
        }
    }

    /**
     * A multipath namespace whose first path is {@code first}, with the {@code numa} policy.
     *
     * @throws NvmeException when the controller reports no NGUID, EUI-64 or UUID for it (another path could not be
     *                       told apart from a different namespace)
     */
    public static MultipathNamespace of(Namespace first) {
        return of(first, IoPolicy.NUMA);
    }

    /** As {@link #of(Namespace)}, choosing paths by {@code policy}. */
    public static MultipathNamespace of(Namespace first, IoPolicy policy) {
        NamespaceIdentity id = NamespaceIdentity.read(first.controller(), first.info());
        if (!id.hasUniqueId()) {
            throw new NvmeException("namespace " + id.nsid() + " of " + id.subsystemNqn()
                    + " has no NGUID, EUI-64 or UUID: it cannot be matched across paths");
        }
        MultipathNamespace ns = new MultipathNamespace(id, first.lbaSize(), first.blocks(), policy, System::nanoTime,
                TICKER);
        ns.join(first);
        return ns;
    }

    /**
     * Adds {@code path} (the same namespace through another controller).
     *
     * @throws NvmeException when its identity differs, or its controller is already a path
     */
    public MultipathNamespace addPath(Namespace path) {
        NamespaceIdentity id = NamespaceIdentity.read(path.controller(), path.info());
        if (!id.sameNamespaceAs(identity)) {
            throw new NvmeException("namespace " + id + " through " + path.controller().transportId()
                    + " is not " + identity);
        }
        join(path);
        return this;
    }

    private synchronized void join(Namespace ns) {
        for (MultipathPath p : set.paths()) {
            if (p.controller == ns.controller()) {
                throw new NvmeException("controller " + ns.controller() + " is already a path of " + identity);
            }
        }
        MultipathPath p = new MultipathPath(ns.asPath(), ns.controller(), ns.nsid(), ns.info().anaGroupId());
        p.node = nodeOf(ns.controller());
        addPath(p);
        ns.controller().addListener(listener);
        p.refresh(); // after the listener is in: a change from here on is seen
        resumeHeld();
    }

    /** Adds a prepared path (tests build paths without controllers). */
    synchronized void addPath(MultipathPath p) {
        MultipathPath[] now = set.paths();
        MultipathPath[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = p;
        set = PathSet.of(next);
    }

    /** Removes the path through {@code controller}; returns whether it was one. Commands on it finish there. */
    public synchronized boolean removePath(Controller controller) {
        MultipathPath[] now = set.paths();
        List<MultipathPath> kept = new ArrayList<>();
        for (MultipathPath p : now) {
            if (p.controller != controller) {
                kept.add(p);
            }
        }
        if (kept.size() == now.length) {
            return false;
        }
        controller.removeListener(listener);
        set = PathSet.of(kept.toArray(new MultipathPath[0]));
        if (!anyCanComeBack()) {
            failHeld();
        }
        return true;
    }

    /** Stops watching the controllers and fails any held command. The controllers stay open (they are the caller's). */
    @Override
    public synchronized void close() {
        for (MultipathPath p : set.paths()) {
            if (p.controller != null) {
                p.controller.removeListener(listener);
            }
        }
        set = PathSet.of(new MultipathPath[0]);
        failHeld();
    }

    public NamespaceIdentity identity() {
        return identity;
    }

    public int nsid() {
        return identity.nsid();
    }

    @Override
    public int lbaSize() {
        return lbaSize;
    }

    /** Size in logical blocks. */
    @Override
    public long blocks() {
        return blocks;
    }

    public IoPolicy policy() {
        return policy;
    }

    /** Changes the I/O policy; commands already on a path finish there. */
    public MultipathNamespace policy(IoPolicy next) {
        this.policy = next;
        return this;
    }

    /**
     * Sets how long a command may be held while no path is usable before it fails; -1 for as long as a path may
     * come back. By default the largest ctrl-loss-tmo of the paths' controllers.
     */
    public MultipathNamespace holdLimitMs(long ms) {
        this.holdLimitMs = ms;
        return this;
    }

    /** Sets the NUMA node the path through {@code controller} is nearest to (by default its reactors' node). */
    public MultipathNamespace pathNode(Controller controller, int node) {
        for (MultipathPath p : set.paths()) {
            if (p.controller == controller) {
                p.node = node;
            }
        }
        return this;
    }

    /** The controllers this namespace is reached through, in the order they joined. */
    public List<Controller> paths() {
        List<Controller> out = new ArrayList<>();
        for (MultipathPath p : set.paths()) {
            out.add(p.controller);
        }
        return out;
    }

    /** What each path looks like now, in the order they joined. */
    public List<PathStatus> pathStatus() {
        List<PathStatus> out = new ArrayList<>();
        for (MultipathPath p : set.paths()) {
            Controller c = p.controller;
            out.add(new PathStatus(c == null ? null : c.transportId(), c == null ? -1 : c.cntlid(),
                    c == null ? (p.live ? ControllerState.LIVE : ControllerState.RESETTING) : c.state(), p.ana,
                    p.anaGroup(), p.anaPending, p.usable(), p.node, p.inflight.get(), p.commands.get()));
        }
        return out;
    }

    /**
     * One path as {@link #pathStatus()} shows it.
     *
     * @param transportId where the controller is (null for a path without one, in tests)
     * @param usable      whether a command may be sent down it now
     * @param commands    commands sent down it so far
     */
    public record PathStatus(TransportId transportId, int cntlid, ControllerState state, AnaState ana, int anaGroup,
                             boolean anaPending, boolean usable, int node, int inflight, long commands) {
    }

    /** Commands sent again down another path after a path error. */
    public long failovers() {
        return failovers.get();
    }

    /** Times a command was held because no path was usable. */
    public long holds() {
        return holds.get();
    }

    /** Commands held now. */
    public int held() {
        return held.size();
    }

    /** Submissions that found the request pool empty and allocated. */
    public long poolMisses() {
        return poolMisses.get();
    }

    // ---------------------------------------------------------------- path choice

    /**
     * The path a command of {@code flow} (null for none) goes down now, or null when none is usable.
     *
     * @param avoid a path not to choose (the one the command just failed on), or null
     */
    MultipathPath select(Flow flow, MultipathPath avoid) {
        PathSet s = set;
        MultipathPath[] paths = s.paths();
        if (paths.length == 0) {
            return null;
        }
        int i;
        switch (policy) {
            case ROUND_ROBIN -> {
                i = PathSelector.roundRobin(paths, roundRobinLast.get(), avoid);
                if (i != PathSelector.NONE) {
                    roundRobinLast.set(i);
                }
            }
            case QUEUE_DEPTH -> i = PathSelector.queueDepth(paths, avoid);
            default -> {
                AtomicInteger slot = s.sticky()[flow == null ? 0 : Math.floorMod(flow.id(), FLOW_SLOTS)];
                int kept = slot.get();
                if (kept >= 0 && kept < paths.length && paths[kept] != avoid
                        && (paths[kept].optimized()
                        || (paths[kept].usable() && !PathSelector.anyOptimized(paths, avoid)))) {
                    return paths[kept];
                }
                i = PathSelector.numa(paths, flow == null ? -1 : flow.homeNode(), avoid);
                if (i != PathSelector.NONE) {
                    slot.set(i);
                }
            }
        }
        return i == PathSelector.NONE ? null : paths[i];
    }

    private boolean anyUsable() {
        for (MultipathPath p : set.paths()) {
            if (p.usable()) {
                return true;
            }
        }
        return false;
    }

    private boolean anyCanComeBack() {
        for (MultipathPath p : set.paths()) {
            if (!p.gone) {
                return true;
            }
        }
        return false;
    }

    /** Control thread of {@code controller}: it changed state or read a new ANA log. */
    private void pathsChanged(Controller controller) {
        for (MultipathPath p : set.paths()) {
            if (p.controller == controller) {
                p.refresh();
            }
        }
        if (anyUsable()) {
            resumeHeld();
        } else if (!anyCanComeBack()) {
            failHeld();
        }
    }

    // ---------------------------------------------------------------- holding

    private void hold(Request r, boolean waitForTick) {
        if (!anyCanComeBack()) {
            r.done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            return;
        }
        if (r.heldSince == 0) {
            r.heldSince = clock.getAsLong() | 1;
        }
        r.origin = callerReactor();
        if (!held.offer(r)) {
            r.done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            return;
        }
        holds.incrementAndGet();
        scheduleTick();
        if (!waitForTick && anyUsable()) {
            resumeHeld(); // a path came back between the choice and the offer
        }
    }

    /** Sends every held command again, each on the reactor it was held from. */
    void resumeHeld() {
        for (int n = held.size(); n > 0; n--) {
            Request r = held.poll();
            if (r == null) {
                return;
            }
            r.errorsInRow = 0;
            Reactor origin = r.origin;
            r.origin = null;
            if (origin != null && !origin.inReactor()) {
                origin.execute(r);
            } else {
                r.run();
            }
        }
    }

    private void failHeld() {
        for (int n = held.size(); n > 0; n--) {
            Request r = held.poll();
            if (r == null) {
                return;
            }
            r.done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
        }
    }

    /**
     * Looks at the held commands: sends them again when a path is usable, else fails those held past the limit (or
     * all, when no path can come back). Runs every {@link #TICK_MS} while commands are held; tests call it.
     */
    void tick() {
        if (held.isEmpty()) {
            return;
        }
        if (anyUsable()) {
            resumeHeld();
            return;
        }
        if (!anyCanComeBack()) {
            failHeld();
            return;
        }
        long limit = holdLimitNanos();
        if (limit < 0) {
            return;
        }
        long now = clock.getAsLong();
        for (int n = held.size(); n > 0; n--) {
            Request r = held.poll();
            if (r == null) {
                return;
            }
            if (now - r.heldSince >= limit) {
                r.done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            } else if (!held.offer(r)) {
                r.done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            }
        }
    }

    private void scheduleTick() {
        if (ticker == null || !tickScheduled.compareAndSet(false, true)) {
            return;
        }
        ticker.schedule(this::onTick, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void onTick() {
        tickScheduled.set(false);
        try {
            tick();
        } finally {
            if (!held.isEmpty()) {
                scheduleTick();
            }
        }
    }

    /** The hold limit in ns, or -1 for none. */
    private long holdLimitNanos() {
        long ms = holdLimitMs;
        if (ms == Long.MIN_VALUE) {
            ms = 0;
            for (MultipathPath p : set.paths()) {
                if (p.controller == null) {
                    continue;
                }
                long tmo = p.controller.options().ctrlLossTimeoutMs();
                if (tmo < 0) {
                    return -1;
                }
                ms = Math.max(ms, tmo);
            }
        }
        return ms < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(ms);
    }

    /** The reactor of one of the paths' queues the caller is running on, or null (an application thread). */
    private Reactor callerReactor() {
        for (MultipathPath p : set.paths()) {
            Controller c = p.controller;
            if (c == null) {
                continue;
            }
            for (int i = 0; i < c.ioQueueCount(); i++) {
                QueuePair q = c.ioQueue(i);
                if (q.reactor().inReactor()) {
                    return q.reactor();
                }
            }
        }
        return null;
    }

    private static int nodeOf(Controller c) {
        try {
            if (c.ioQueueCount() > 0 && c.ioQueue(0).reactor().cpu() >= 0) {
                return Topology.CPUS.nodeOf(c.ioQueue(0).reactor().cpu());
            }
        } catch (RuntimeException e) {
            // no topology: the path is as near as any
        }
        return -1;
    }

    /** Read once, when a pinned path first needs it. */
    private static final class Topology {
        static final CpuTopology CPUS = CpuTopology.read();
    }

    private static ScheduledExecutorService ticker() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "locus-multipath");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    // ---------------------------------------------------------------- asynchronous

    /** Reads {@code blocks} blocks at {@code lba} into {@code dst[dstIndex, ...)}; see {@link Namespace#read}. */
    @Override
    public void read(long lba, int blocks, ByteBuf dst, int dstIndex, Flow flow, IoCallback callback, Object context) {
        request().start(NvmOpcode.READ, lba, blocks, dst, dstIndex, false, flow, callback, context);
    }

    /** Writes {@code blocks} blocks at {@code lba} from {@code src[srcIndex, ...)}; see {@link Namespace#write}. */
    @Override
    public void write(long lba, int blocks, ByteBuf src, int srcIndex, boolean fua, Flow flow, IoCallback callback,
                      Object context) {
        request().start(NvmOpcode.WRITE, lba, blocks, src, srcIndex, fua, flow, callback, context);
    }

    @Override
    public void flush(Flow flow, IoCallback callback, Object context) {
        request().start(NvmOpcode.FLUSH, 0, 0, null, 0, false, flow, callback, context);
    }

    // ---------------------------------------------------------------- blocking

    /** Reads into {@code dst} at its writer index and advances it. @throws NvmeException when every try failed */
    public void readBlocking(long lba, int blocks, ByteBuf dst) {
        dst.ensureWritable(blocks * lbaSize);
        int at = dst.writerIndex();
        SyncCall cb = new SyncCall();
        read(lba, blocks, dst, at, null, cb, null);
        check(cb.await(), "read of " + blocks + " blocks at LBA " + lba);
        dst.writerIndex(at + blocks * lbaSize);
    }

    /** Writes from {@code src} at its reader index and advances it. @throws NvmeException when every try failed */
    public void writeBlocking(long lba, int blocks, ByteBuf src, boolean fua) {
        int at = src.readerIndex();
        SyncCall cb = new SyncCall();
        write(lba, blocks, src, at, fua, null, cb, null);
        check(cb.await(), "write of " + blocks + " blocks at LBA " + lba);
        src.readerIndex(at + blocks * lbaSize);
    }

    private void check(Completion done, String what) {
        if (!done.ok()) {
            throw new NvmeException(what + " on " + identity.subsystemNqn() + " namespace " + identity.nsid()
                    + " failed: " + HostStatus.describe(done.status()), done.status());
        }
    }

    private Request request() {
        Request r = pool.poll();
        if (r == null) {
            poolMisses.incrementAndGet();
            r = new Request(this);
        }
        return r;
    }

    /** SCT 3 codes 0x01–0x03: the namespace's ANA state through this controller is not what the host last read. */
    static boolean isAnaError(int status) {
        int code = status & 0x7FF;
        return code == ((Status.SCT_PATH << 8) | 0x01) || code == ((Status.SCT_PATH << 8) | 0x02)
                || code == ((Status.SCT_PATH << 8) | 0x03);
    }

    /** One command on its way down a path, back down another after a path error, or held until one is usable. */
    private static final class Request implements IoCallback, Runnable {
        private final MultipathNamespace owner;
        private int opcode;
        private long lba;
        private int blocks;
        private ByteBuf buf;
        private int index;
        private boolean fua;
        private Flow flow;
        private IoCallback callback;
        private Object context;
        private MultipathPath path;
        /** Path errors since the command was last sent fresh or resumed. */
        int errorsInRow;
        /** When it was first held ({@code clock | 1}), 0 when never. */
        long heldSince;
        /** The reactor to resume it on, or null. */
        Reactor origin;

        Request(MultipathNamespace owner) {
            this.owner = owner;
        }

        void start(int opcode, long lba, int blocks, ByteBuf buf, int index, boolean fua, Flow flow,
                   IoCallback callback, Object context) {
            this.opcode = opcode;
            this.lba = lba;
            this.blocks = blocks;
            this.buf = buf;
            this.index = index;
            this.fua = fua;
            this.flow = flow;
            this.callback = callback;
            this.context = context;
            this.errorsInRow = 0;
            this.heldSince = 0;
            this.origin = null;
            this.path = null;
            submit(null);
        }

        /** Resumed after a hold. */
        @Override
        public void run() {
            submit(null);
        }

        private void submit(MultipathPath avoid) {
            MultipathPath p = owner.select(flow, avoid);
            if (p == null) {
                // After a path error, wait for the next tick: the failed path may still look usable for a moment.
                owner.hold(this, avoid != null);
                return;
            }
            path = p;
            p.inflight.incrementAndGet();
            p.commands.incrementAndGet();
            switch (opcode) {
                case NvmOpcode.READ -> p.io.read(lba, blocks, buf, index, flow, this, null);
                case NvmOpcode.WRITE -> p.io.write(lba, blocks, buf, index, fua, flow, this, null);
                default -> p.io.flush(flow, this, null);
            }
        }

        @Override
        public void onComplete(Object ignored, int status, int dw0, int dw1) {
            MultipathPath failed = path;
            failed.inflight.decrementAndGet();
            if (Status.isSuccess(status) || !HostStatus.failsOver(status)) {
                done(status, dw0, dw1);
                return;
            }
            boolean ana = isAnaError(status);
            if (ana) {
                failed.anaPending = true;
                if (failed.controller != null) {
                    failed.controller.refreshAnaLog();
                }
            }
            if (Status.dnr(status) && !ana && !HostStatus.hostLostPath(status) && failed.usable()) {
                done(status, dw0, dw1); // the path is fine: the command itself may not be retried
                return;
            }
            owner.failovers.incrementAndGet();
            if (++errorsInRow >= MAX_ATTEMPTS) {
                owner.hold(this, true); // the next tick sends it again, perhaps down a path that has recovered
                return;
            }
            submit(failed);
        }

        void done(int status, int dw0, int dw1) {
            IoCallback cb = callback;
            Object ctx = context;
            buf = null;
            flow = null;
            callback = null;
            context = null;
            path = null;
            origin = null;
            owner.pool.offer(this);
            cb.onComplete(ctx, status, dw0, dw1);
        }
    }
}
