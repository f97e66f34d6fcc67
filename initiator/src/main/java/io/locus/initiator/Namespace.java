package io.locus.initiator;

import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.DeferredSubmit;
import io.locus.initiator.queue.QueuePair;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.runtime.Reactor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * I/O on one namespace: asynchronous commands completed on the queue's reactor through an {@link IoCallback}, and
 * blocking conveniences on top.
 * <p>
 * Data buffers are the caller's: a read lands in {@code buf[index, index + blocks × lbaSize)}, a write sends that
 * range; the asynchronous calls move no indices and must not touch the range until the callback. The overloads
 * without an index use {@code writerIndex()} (read) and {@code readerIndex()} (write).
 * <p>
 * Queue choice: a handle from {@link #onQueue(int)} always uses its queue; otherwise a caller on a reactor uses a
 * queue of that reactor (no hand-off; with several there, latency-class flows take the first and other flows the
 * rest, by flow id); a flow with a home CPU, submitted from any other thread, uses a queue of the reactor on that
 * CPU ({@link io.locus.runtime.Reactor#cpu()}, steered by class the same way), or queue {@code cpu % n} when no
 * reactor is there; and any other thread uses queue {@code thread id % n}.
 * <p>
 * Hot path, no allocation: a command of at most MDTS is one preallocated slot. A larger one is split transparently
 * (that path allocates one small object per call), as is a submission that finds every slot taken (it waits on
 * the reactor for one).
 */
public final class Namespace implements BlockDevice {
    private static final int MAX_BLOCKS_PER_COMMAND = 65536;
    private static final int SPLIT_WINDOW = 4;

    private final Controller controller;
    private final NamespaceInfo info;
    private final int nsid;
    private final int lbaSize;
    private final int lbaShift;
    private final int fixedQueue;
    /** A path of a {@link MultipathNamespace}: a connection loss fails commands at once (see {@link Command#failFast}). */
    private final boolean failFast;

    Namespace(Controller controller, NamespaceInfo info, Integer queueIndex) {
        this(controller, info, queueIndex, false);
    }

    private Namespace(Controller controller, NamespaceInfo info, Integer queueIndex, boolean failFast) {
        this.controller = controller;
        this.info = info;
        this.nsid = info.nsid();
        this.lbaSize = info.lbaSize();
        this.lbaShift = Integer.numberOfTrailingZeros(lbaSize);
        this.fixedQueue = queueIndex == null ? -1 : queueIndex;
        this.failFast = failFast;
    }

    public int nsid() {
        return nsid;
    }

    public NamespaceInfo info() {
        return info;
    }

    public int lbaSize() {
        return lbaSize;
    }

    /** Size in logical blocks. */
    public long blocks() {
        return info.size();
    }

    public Controller controller() {
        return controller;
    }

    /** A handle whose commands all use I/O queue {@code index} (0-based), e.g. one per worker thread or reactor. */
    public Namespace onQueue(int index) {
        if (index < 0 || index >= controller.ioQueueCount()) {
            throw new IllegalArgumentException("I/O queue index " + index + " is out of range (0.." + (controller.ioQueueCount() - 1) + ")");
        }
        return new Namespace(controller, info, index, failFast);
    }

    /** This namespace as one path of a {@link MultipathNamespace}: its commands fail fast on a connection loss. */
    Namespace asPath() {
        return failFast ? this : new Namespace(controller, info, fixedQueue < 0 ? null : fixedQueue, true);
    }

    /** The queue this handle's next command from the current thread goes to. */
    public QueuePair queueFor(Flow flow) {
        int n = controller.ioQueueCount();
        if (n == 0) {
            throw new NvmeException("the controller for " + controller.transportId() + " has no I/O queues");
        }
        if (fixedQueue >= 0) {
            return controller.ioQueue(fixedQueue);
        }
        int onReactor = 0;
        QueuePair first = null;
        for (int i = 0; i < n; i++) {
            QueuePair q = controller.ioQueue(i);
            if (q.reactor().inReactor()) {
                if (first == null) {
                    first = q;
                }
                onReactor++;
            }
        }
        if (first != null) {
            return onReactor == 1 || flow == null ? first : steer(flow, onReactor, ON_CALLER);
        }
        if (flow != null && flow.homeCpu() >= 0) {
            int home = flow.homeCpu();
            int onHome = 0;
            for (int i = 0; i < n; i++) {
                QueuePair q = controller.ioQueue(i);
                if (q.reactor().cpu() == home) {
                    if (first == null) {
                        first = q;
                    }
                    onHome++;
                }
            }
            if (first != null) {
                return onHome == 1 ? first : steer(flow, onHome, home);
            }
            return controller.ioQueue(home % n);
        }
        return controller.ioQueue((int) (Thread.currentThread().threadId() % n));
    }

    /** {@link #steer}'s choice of queues: those of the calling reactor. */
    private static final int ON_CALLER = -1;

    /**
     * Several candidate queues (those of the caller's reactor, or of the reactor on the flow's home CPU):
     * latency-class flows (LATENCY, STEP_CRITICAL) take the first, every other flow one of the rest chosen by flow
     * id, so urgent requests never share a connection (and its batching) with bulk ones, and each flow keeps to one
     * queue.
     *
     * @param cpu {@link #ON_CALLER} for the queues of the caller's reactor, else the CPU whose reactors' queues count
     */
    private QueuePair steer(Flow flow, int candidates, int cpu) {
        LatencyClass c = flow.latencyClass();
        int pick = c == LatencyClass.LATENCY || c == LatencyClass.STEP_CRITICAL
                ? 0 : 1 + Math.floorMod(flow.id(), candidates - 1);
        int n = controller.ioQueueCount();
        for (int i = 0; i < n; i++) {
            QueuePair q = controller.ioQueue(i);
            boolean candidate = cpu == ON_CALLER ? q.reactor().inReactor() : q.reactor().cpu() == cpu;
            if (candidate && pick-- == 0) {
                return q;
            }
        }
        throw new IllegalStateException("queue set changed while steering");
    }

    // ---------------------------------------------------------------- asynchronous

    public void read(long lba, int blocks, ByteBuf dst, IoCallback callback, Object context) {
        read(lba, blocks, dst, dst.writerIndex(), null, callback, context);
    }

    public void read(long lba, int blocks, ByteBuf dst, int dstIndex, Flow flow, IoCallback callback, Object context) {
        transfer(NvmOpcode.READ, lba, blocks, dst, dstIndex, 0, flow, callback, context);
    }

    public void write(long lba, int blocks, ByteBuf src, IoCallback callback, Object context) {
        write(lba, blocks, src, src.readerIndex(), false, null, callback, context);
    }

    /** Write; {@code fua} sets Force Unit Access (the data is on media before the completion). */
    public void write(long lba, int blocks, ByteBuf src, int srcIndex, boolean fua, Flow flow, IoCallback callback,
                      Object context) {
        transfer(NvmOpcode.WRITE, lba, blocks, src, srcIndex, fua ? NvmOpcode.CDW12_FUA : 0, flow, callback, context);
    }

    public void flush(Flow flow, IoCallback callback, Object context) {
        QueuePair q = queueFor(flow);
        Command c = q.acquire();
        if (c == null) {
            q.defer(new Deferred(q, this, NvmOpcode.FLUSH, 0, 0, null, 0, 0, flow, callback, context));
            return;
        }
        describe(c.reset(), NvmOpcode.FLUSH, 0, 0, null, 0, 0, flow, callback, context);
        q.submit(c);
    }

    /** Write Zeroes; {@code deallocate} lets the controller deallocate the blocks (DEAC). */
    public void writeZeroes(long lba, long blocks, boolean deallocate, Flow flow, IoCallback callback, Object context) {
        checkRange(lba, blocks);
        int flags = deallocate ? NvmOpcode.CDW12_DEAC : 0;
        if (blocks <= MAX_BLOCKS_PER_COMMAND) {
            submitOne(queueFor(flow), NvmOpcode.WRITE_ZEROES, lba, (int) blocks, null, 0, flags, flow, callback, context);
            return;
        }
        Split split = new Split(this, queueFor(flow), NvmOpcode.WRITE_ZEROES, lba, blocks, null, 0, flags,
                MAX_BLOCKS_PER_COMMAND, flow, callback, context);
        start(split);
    }

    /** Dataset Management with the Deallocate attribute over one range (split into ranges of 2^32 − 1 blocks). */
    public void deallocate(long lba, long blocks, Flow flow, IoCallback callback, Object context) {
        checkRange(lba, blocks);
        int ranges = (int) ((blocks + 0xFFFFFFFEL) / 0xFFFFFFFFL);
        if (ranges > 256) {
            throw new IllegalArgumentException("deallocate of " + blocks + " blocks needs more than 256 ranges");
        }
        ByteBuf list = PooledByteBufAllocator.DEFAULT.heapBuffer(ranges * NvmOpcode.DSM_RANGE_LENGTH);
        long at = lba;
        long left = blocks;
        for (int i = 0; i < ranges; i++) {
            long n = Math.min(left, 0xFFFFFFFFL);
            list.writeIntLE(0);
            list.writeIntLE((int) n);
            list.writeLongLE(at);
            at += n;
            left -= n;
        }
        IoCallback release = (ctx, status, dw0, dw1) -> {
            list.release();
            callback.onComplete(ctx, status, dw0, dw1);
        };
        QueuePair q = queueFor(flow);
        Command c = q.acquire();
        if (c == null) {
            q.defer(new Deferred(q, this, NvmOpcode.DATASET_MANAGEMENT, 0, ranges, list, 0, 0, flow, release, context));
            return;
        }
        describe(c.reset(), NvmOpcode.DATASET_MANAGEMENT, 0, ranges, list, 0, 0, flow, release, context);
        q.submit(c);
    }

    private void transfer(int opcode, long lba, int blocks, ByteBuf buf, int index, int flags, Flow flow,
                          IoCallback callback, Object context) {
        if (blocks <= 0) {
            throw new IllegalArgumentException("block count must be positive, not " + blocks);
        }
        long bytes = (long) blocks << lbaShift;
        if (index < 0 || index + bytes > buf.capacity()) {
            throw new IllegalArgumentException("buffer of " + buf.capacity() + " bytes cannot hold " + bytes
                    + " bytes at index " + index);
        }
        QueuePair q = queueFor(flow);
        int maxBlocks = maxBlocksPerCommand();
        if (blocks <= maxBlocks) {
            submitOne(q, opcode, lba, blocks, buf, index, flags, flow, callback, context);
            return;
        }
        start(new Split(this, q, opcode, lba, blocks, buf, index, flags, maxBlocks, flow, callback, context));
    }

    /** Blocks one command may move: MDTS and the 16-bit NLB field. */
    public int maxBlocksPerCommand() {
        long byMdts = controller.maxTransferBytes() >>> lbaShift;
        return (int) Math.max(1, Math.min(MAX_BLOCKS_PER_COMMAND, byMdts));
    }

    private void submitOne(QueuePair q, int opcode, long lba, int blocks, ByteBuf buf, int index, int flags, Flow flow,
                           IoCallback callback, Object context) {
        Command c = q.acquire();
        if (c == null) {
            q.defer(new Deferred(q, this, opcode, lba, blocks, buf, index, flags, flow, callback, context));
            return;
        }
        describe(c.reset(), opcode, lba, blocks, buf, index, flags, flow, callback, context);
        q.submit(c);
    }

    /** Fills a slot; for DSM {@code blocks} is the number of ranges. */
    private void describe(Command c, int opcode, long lba, int blocks, ByteBuf buf, int index, int flags, Flow flow,
                          IoCallback callback, Object context) {
        c.opcode = opcode;
        c.nsid = nsid;
        c.flow = flow;
        c.callback = callback;
        c.context = context;
        c.direct = callback instanceof Split;
        c.failFast = failFast;
        switch (opcode) {
            case NvmOpcode.READ, NvmOpcode.WRITE -> {
                c.cdw10 = (int) lba;
                c.cdw11 = (int) (lba >>> 32);
                c.cdw12 = (blocks - 1) | flags;
                c.data = buf;
                c.dataIndex = index;
                c.dataLength = blocks << lbaShift;
            }
            case NvmOpcode.WRITE_ZEROES -> {
                c.cdw10 = (int) lba;
                c.cdw11 = (int) (lba >>> 32);
                c.cdw12 = (blocks - 1) | flags;
            }
            case NvmOpcode.DATASET_MANAGEMENT -> {
                c.cdw10 = blocks - 1;
                c.cdw11 = NvmOpcode.DSM_ATTR_DEALLOCATE;
                c.data = buf;
                c.dataIndex = index;
                c.dataLength = blocks * NvmOpcode.DSM_RANGE_LENGTH;
            }
            default -> {
                // Flush: NSID only.
            }
        }
    }

    private static void start(Split split) {
        Reactor r = split.queue.reactor();
        if (r.inReactor()) {
            split.run();
        } else {
            r.execute(split);
        }
    }

    private void checkRange(long lba, long blocks) {
        if (blocks <= 0) {
            throw new IllegalArgumentException("block count must be positive, not " + blocks);
        }
        if (lba < 0) {
            throw new IllegalArgumentException("LBA must not be negative");
        }
    }

    // ---------------------------------------------------------------- blocking

    /** Reads into {@code dst} at its writer index and advances it. */
    public void readBlocking(long lba, int blocks, ByteBuf dst) {
        readBlocking(lba, blocks, dst, null);
    }

    /**
     * Reads into {@code dst} at its writer index and advances it, as part of {@code flow} (null for none): the
     * calling thread is the flow's consumer (see {@link Flow#pinConsumer()}); the reactor only wakes it.
     */
    public void readBlocking(long lba, int blocks, ByteBuf dst, Flow flow) {
        dst.ensureWritable(blocks << lbaShift);
        int at = dst.writerIndex();
        Completion done = await(flow, cb -> read(lba, blocks, dst, at, flow, cb, null));
        check(done, "read of " + blocks + " blocks at LBA " + lba);
        dst.writerIndex(at + (blocks << lbaShift));
    }

    /** Writes from {@code src} at its reader index and advances it. */
    public void writeBlocking(long lba, int blocks, ByteBuf src, boolean fua) {
        writeBlocking(lba, blocks, src, fua, null);
    }

    /** Writes from {@code src} at its reader index and advances it, as part of {@code flow} (the caller consumes). */
    public void writeBlocking(long lba, int blocks, ByteBuf src, boolean fua, Flow flow) {
        int at = src.readerIndex();
        if (src.readableBytes() < blocks << lbaShift) {
            throw new IllegalArgumentException("write of " + blocks + " blocks needs " + (blocks << lbaShift)
                    + " readable bytes, the buffer has " + src.readableBytes());
        }
        Completion done = await(flow, cb -> write(lba, blocks, src, at, fua, flow, cb, null));
        check(done, "write of " + blocks + " blocks at LBA " + lba);
        src.readerIndex(at + (blocks << lbaShift));
    }

    public void flushBlocking() {
        flushBlocking(null);
    }

    /** Flush as part of {@code flow} (the caller consumes). */
    public void flushBlocking(Flow flow) {
        check(await(flow, cb -> flush(flow, cb, null)), "flush");
    }

    public void writeZeroesBlocking(long lba, long blocks, boolean deallocate) {
        check(await(null, cb -> writeZeroes(lba, blocks, deallocate, null, cb, null)), "write zeroes of " + blocks + " blocks at LBA " + lba);
    }

    public void deallocateBlocking(long lba, long blocks) {
        check(await(null, cb -> deallocate(lba, blocks, null, cb, null)), "deallocate of " + blocks + " blocks at LBA " + lba);
    }

    /**
     * Sends one NVM command the library has no call for, as given, and waits for it: {@code opcode} (its bits 1:0 give
     * the data direction, NVMe Base 6), CDW10..CDW12, and {@code dataLength} bytes of {@code data} from its reader
     * index (host to controller) or into it at its writer index (controller to host, which then advances). For the
     * reservation commands (Register 0Dh, Report 0Eh, Acquire 11h, Release 15h) and tests. Returns the completion
     * whatever its status: the caller reads the status (a Reservation Conflict is an answer, not a failure). Not
     * retried on another path or after a reset: these commands change state that a retry could change twice.
     */
    public Completion commandBlocking(int opcode, int cdw10, int cdw11, int cdw12, ByteBuf data, int dataLength) {
        if (dataLength < 0 || (dataLength > 0 && (data == null || (opcode & 0x3) == 0))) {
            throw new IllegalArgumentException("opcode 0x" + Integer.toHexString(opcode) + " cannot move " + dataLength
                    + " bytes" + (data == null ? " without a buffer" : ""));
        }
        boolean toHost = (opcode & 0x3) == NvmOpcode.XFER_CONTROLLER_TO_HOST;
        if (dataLength > 0) {
            if (toHost) {
                data.ensureWritable(dataLength);
            } else if (data.readableBytes() < dataLength) {
                throw new IllegalArgumentException("the buffer holds " + data.readableBytes() + " bytes, not " + dataLength);
            }
        }
        int index = dataLength == 0 ? 0 : toHost ? data.writerIndex() : data.readerIndex();
        Completion done = await(null, cb -> {
            QueuePair q = queueFor(null);
            Command c = q.acquire();
            if (c == null) {
                q.defer(new DeferredSubmit(q) {
                    @Override
                    protected void fill(Command slot) {
                        describeRaw(slot, opcode, cdw10, cdw11, cdw12, data, index, dataLength, cb);
                    }

                    @Override
                    protected void fail(int status) {
                        cb.onComplete(null, status, 0, 0);
                    }
                });
                return;
            }
            describeRaw(c.reset(), opcode, cdw10, cdw11, cdw12, data, index, dataLength, cb);
            q.submit(c);
        });
        if (toHost && dataLength > 0 && done.ok()) {
            data.writerIndex(index + dataLength);
        }
        return done;
    }

    private void describeRaw(Command c, int opcode, int cdw10, int cdw11, int cdw12, ByteBuf data, int index, int length,
                             IoCallback callback) {
        c.opcode = opcode;
        c.nsid = nsid;
        c.cdw10 = cdw10;
        c.cdw11 = cdw11;
        c.cdw12 = cdw12;
        c.data = length == 0 ? null : data;
        c.dataIndex = index;
        c.dataLength = length;
        c.callback = callback;
        c.retryable = false;
        c.failFast = failFast;
    }

    private interface Submitter {
        void submit(IoCallback callback);
    }

    private Completion await(Flow flow, Submitter submitter) {
        SyncCall cb = new SyncCall();
        if (controller.ioQueueCount() > 0 && queueFor(flow).reactor().inReactor()) {
            throw new IllegalStateException("a blocking call on a reactor thread would deadlock; use the asynchronous API");
        }
        submitter.submit(cb);
        Completion done = cb.await();
        if (flow != null) {
            controller.delivery().recordBlocking(flow, cb);
        }
        return done;
    }

    private void check(Completion done, String what) {
        if (!done.ok()) {
            String why = HostStatus.describe(done.status());
            String last = controller.lastError();
            if ((done.status() & 0x700) == 0x300 && last != null) {
                why = why + " (" + last + ")";
            }
            throw new NvmeException(what + " on namespace " + nsid + " failed: " + why, done.status());
        }
    }

    // ---------------------------------------------------------------- overload and split paths

    /** A submission that found no free slot: waits on the reactor. */
    private static final class Deferred extends DeferredSubmit {
        private final Namespace ns;
        private final int opcode;
        private final long lba;
        private final int blocks;
        private final ByteBuf buf;
        private final int index;
        private final int flags;
        private final Flow flow;
        private final IoCallback callback;
        private final Object context;

        Deferred(QueuePair q, Namespace ns, int opcode, long lba, int blocks, ByteBuf buf, int index, int flags, Flow flow,
                 IoCallback callback, Object context) {
            super(q);
            this.ns = ns;
            this.opcode = opcode;
            this.lba = lba;
            this.blocks = blocks;
            this.buf = buf;
            this.index = index;
            this.flags = flags;
            this.flow = flow;
            this.callback = callback;
            this.context = context;
        }

        @Override
        protected void fill(Command c) {
            ns.describe(c, opcode, lba, blocks, buf, index, flags, flow, callback, context);
        }

        @Override
        protected void fail(int status) {
            callback.onComplete(context, status, 0, 0);
        }
    }

    /**
     * A transfer larger than one command may carry: chunks of at most {@code maxBlocks}, up to
     * {@link #SPLIT_WINDOW} in flight, all on one queue, submitted and completed on its reactor. Completes once with
     * the first error (later chunks are not started after one fails) or success.
     */
    private static final class Split implements Runnable, IoCallback {
        private final Namespace ns;
        final QueuePair queue;
        private final int opcode;
        private final long lba;
        private final long blocks;
        private final ByteBuf buf;
        private final int index;
        private final int flags;
        private final int maxBlocks;
        private final Flow flow;
        private final IoCallback callback;
        private final Object context;
        private long nextBlock;
        private int outstanding;
        private int firstError;

        Split(Namespace ns, QueuePair queue, int opcode, long lba, long blocks, ByteBuf buf, int index, int flags,
              int maxBlocks, Flow flow, IoCallback callback, Object context) {
            this.ns = ns;
            this.queue = queue;
            this.opcode = opcode;
            this.lba = lba;
            this.blocks = blocks;
            this.buf = buf;
            this.index = index;
            this.flags = flags;
            this.maxBlocks = maxBlocks;
            this.flow = flow;
            this.callback = callback;
            this.context = context;
        }

        /** Reactor: start the first window. */
        @Override
        public void run() {
            for (int i = 0; i < SPLIT_WINDOW && nextBlock < blocks; i++) {
                submitNext();
            }
        }

        private void submitNext() {
            int n = (int) Math.min(maxBlocks, blocks - nextBlock);
            long at = nextBlock;
            nextBlock += n;
            outstanding++;
            int bufAt = buf == null ? 0 : index + (int) (at << ns.lbaShift);
            ns.submitOne(queue, opcode, lba + at, n, buf, bufAt, flags, flow, this, null);
        }

        /** Reactor: one chunk done. */
        @Override
        public void onComplete(Object ignored, int status, int dw0, int dw1) {
            outstanding--;
            if (!HostStatus.ok(status) && firstError == 0) {
                firstError = status;
            }
            if (firstError == 0 && nextBlock < blocks) {
                submitNext();
                return;
            }
            if (outstanding == 0) {
                if (flow != null) {
                    // The chunks ran here, on the queue's reactor; the flow's consumer gets the whole transfer.
                    ns.controller.delivery().deliverOnce(queue, flow, callback, context, firstError, 0, 0);
                } else {
                    callback.onComplete(context, firstError, 0, 0);
                }
            }
        }
    }
}
