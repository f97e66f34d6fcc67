package io.locus.initiator;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import org.jctools.queues.MpmcArrayQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One namespace reached through one or more controllers (paths), as Linux's {@code nvme_ns_head} is: it outlives any
 * one controller, and I/O on it goes down a live path. Paths join only when their {@link NamespaceIdentity} matches
 * (subsystem NQN, NSID, NGUID, EUI-64, UUID).
 * <p>
 * Path choice: a command with a flow keeps to path {@code flow id % paths} while that path's controller is
 * {@link ControllerState#LIVE}, else takes the next live one; a command without a flow takes the first live path.
 * Path commands fail fast: a connection loss fails them at once with a path error instead of holding them for the
 * controller's reconnect. A command that fails with a path-related status (SCT 3: the connection was lost, the
 * controller was reset or closed under it) is sent again down another live path, at most {@link #MAX_ATTEMPTS} times
 * in all; any other status (success, a media or command error) completes as it is. With no live path the command
 * fails with Host Path Error (DNR): this base does not yet queue commands until a path comes back, nor read ANA
 * states.
 * <p>
 * Threading: any thread may submit; the callback runs where the path's queue delivers it (its reactor, or the flow's
 * home reactor). Hot path: a request object comes from a preallocated pool of {@link #POOL_SIZE} (a pool that runs
 * dry allocates one, counted in {@link #poolMisses()}); nothing else is allocated.
 */
public final class MultipathNamespace {
    /** Most times one command is sent (first try and failovers). */
    public static final int MAX_ATTEMPTS = 4;
    /** Requests kept ready for reuse. */
    static final int POOL_SIZE = 1024;

    private final NamespaceIdentity identity;
    private final int lbaSize;
    private final long blocks;
    private volatile Namespace[] paths;
    private final MpmcArrayQueue<Request> pool = new MpmcArrayQueue<>(POOL_SIZE);
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong poolMisses = new AtomicLong();

    private MultipathNamespace(NamespaceIdentity identity, Namespace first) {
        this.identity = identity;
        this.lbaSize = first.lbaSize();
        this.blocks = first.blocks();
        this.paths = new Namespace[] {first.asPath()};
        for (int i = 0; i < POOL_SIZE; i++) {
            pool.offer(new Request(this));
        }
    }

    /**
     * A multipath namespace whose first path is {@code first}.
     *
     * @throws NvmeException when the controller reports no NGUID, EUI-64 or UUID for it (another path could not be
     *                       told apart from a different namespace)
     */
    public static MultipathNamespace of(Namespace first) {
        NamespaceIdentity id = NamespaceIdentity.read(first.controller(), first.info());
        if (!id.hasUniqueId()) {
            throw new NvmeException("namespace " + id.nsid() + " of " + id.subsystemNqn()
                    + " has no NGUID, EUI-64 or UUID: it cannot be matched across paths");
        }
        return new MultipathNamespace(id, first);
    }

    /**
     * Adds {@code path} (the same namespace through another controller).
     *
     * @throws NvmeException when its identity differs, or its controller is already a path
     */
    public synchronized MultipathNamespace addPath(Namespace path) {
        NamespaceIdentity id = NamespaceIdentity.read(path.controller(), path.info());
        if (!id.sameNamespaceAs(identity)) {
            throw new NvmeException("namespace " + id + " through " + path.controller().transportId()
                    + " is not " + identity);
        }
        Namespace[] now = paths;
        for (Namespace p : now) {
            if (p.controller() == path.controller()) {
                throw new NvmeException("controller " + path.controller() + " is already a path of " + identity);
            }
        }
        Namespace[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = path.asPath();
        paths = next;
        return this;
    }

    /** Removes the path through {@code controller}; returns whether it was one. Commands on it finish there. */
    public synchronized boolean removePath(Controller controller) {
        Namespace[] now = paths;
        List<Namespace> kept = new ArrayList<>();
        for (Namespace p : now) {
            if (p.controller() != controller) {
                kept.add(p);
            }
        }
        paths = kept.toArray(new Namespace[0]);
        return kept.size() != now.length;
    }

    public NamespaceIdentity identity() {
        return identity;
    }

    public int nsid() {
        return identity.nsid();
    }

    public int lbaSize() {
        return lbaSize;
    }

    /** Size in logical blocks. */
    public long blocks() {
        return blocks;
    }

    /** The controllers this namespace is reached through, in the order they joined. */
    public List<Controller> paths() {
        List<Controller> out = new ArrayList<>();
        for (Namespace p : paths) {
            out.add(p.controller());
        }
        return out;
    }

    /** Commands sent again down another path after a path error. */
    public long failovers() {
        return failovers.get();
    }

    /** Submissions that found the request pool empty and allocated. */
    public long poolMisses() {
        return poolMisses.get();
    }

    /**
     * The path a command of {@code flow} (null for none) goes down now, or null when no path is live.
     *
     * @param avoid a path to pass over when another is live (the one that just failed), or null
     */
    Namespace pathFor(Flow flow, Namespace avoid) {
        Namespace[] now = paths;
        int n = now.length;
        if (n == 0) {
            return null;
        }
        int start = flow == null ? 0 : Math.floorMod(flow.id(), n);
        Namespace fallback = null;
        for (int i = 0; i < n; i++) {
            Namespace p = now[(start + i) % n];
            if (usable(p.controller())) {
                if (p != avoid) {
                    return p;
                }
                fallback = p;
            }
        }
        return fallback;
    }

    /** A path is usable while its controller is live and not being closed. */
    private static boolean usable(Controller c) {
        return c.state() == ControllerState.LIVE && !c.isClosed();
    }

    // ---------------------------------------------------------------- asynchronous

    /** Reads {@code blocks} blocks at {@code lba} into {@code dst[dstIndex, ...)}; see {@link Namespace#read}. */
    public void read(long lba, int blocks, ByteBuf dst, int dstIndex, Flow flow, IoCallback callback, Object context) {
        request().start(NvmOpcode.READ, lba, blocks, dst, dstIndex, false, flow, callback, context);
    }

    /** Writes {@code blocks} blocks at {@code lba} from {@code src[srcIndex, ...)}; see {@link Namespace#write}. */
    public void write(long lba, int blocks, ByteBuf src, int srcIndex, boolean fua, Flow flow, IoCallback callback,
                      Object context) {
        request().start(NvmOpcode.WRITE, lba, blocks, src, srcIndex, fua, flow, callback, context);
    }

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

    /** One command on its way down a path, and back down another after a path error. */
    private static final class Request implements IoCallback {
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
        private int attempts;
        private Namespace path;

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
            this.attempts = 0;
            this.path = null;
            submit(null);
        }

        private void submit(Namespace avoid) {
            Namespace p = owner.pathFor(flow, avoid);
            if (p == null) {
                done(HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
                return;
            }
            path = p;
            attempts++;
            switch (opcode) {
                case NvmOpcode.READ -> p.read(lba, blocks, buf, index, flow, this, null);
                case NvmOpcode.WRITE -> p.write(lba, blocks, buf, index, fua, flow, this, null);
                default -> p.flush(flow, this, null);
            }
        }

        @Override
        public void onComplete(Object ignored, int status, int dw0, int dw1) {
            if (!Status.isSuccess(status) && HostStatus.isPathError(status) && attempts < MAX_ATTEMPTS) {
                Namespace failed = path;
                if (!Status.dnr(status) || !usable(failed.controller())) {
                    owner.failovers.incrementAndGet();
                    submit(failed);
                    return;
                }
            }
            done(status, dw0, dw1);
        }

        private void done(int status, int dw0, int dw1) {
            IoCallback cb = callback;
            Object ctx = context;
            buf = null;
            flow = null;
            callback = null;
            context = null;
            path = null;
            owner.pool.offer(this);
            cb.onComplete(ctx, status, dw0, dw1);
        }
    }
}
