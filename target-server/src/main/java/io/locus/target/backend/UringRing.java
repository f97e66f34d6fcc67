package io.locus.target.backend;

import io.locus.nativeio.Errno;
import io.locus.nativeio.IoUring;
import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The io_uring of one reactor, shared by every uring namespace that reactor serves, and the poller that drives it.
 * Submissions are staged in off-heap descriptors as requests arrive; each turn of the reactor's micro-window
 * {@link #poll} submits them and reaps up to its budget of completions in one JNI call, then finishes the requests
 * right here, on their home reactor, by construction. Fixed buffers (one registration, {@link UringBufferPool}) and
 * fixed files (a slot per namespace) are registered once and reused by every request.
 *
 * <p>Everything but {@link #detach} runs on the owning reactor thread, which is also the only thread the kernel lets
 * submit ({@code IORING_SETUP_SINGLE_ISSUER}).
 */
final class UringRing implements Poller {
    static final int ENTRIES = 512;
    static final int CQ_ENTRIES = 1024;
    static final int FILE_SLOTS = 64;
    static final int REAP_BATCH = 256;
    /** While requests are in the kernel the reactor keeps spinning (their completions do not wake it). */
    static final long SPIN_WHILE_IN_FLIGHT_NANOS = 200_000;
    static final long CLOSE_DRAIN_NANOS = 1_000_000_000L;

    private static final Logger LOG = Logger.getLogger(UringRing.class.getName());
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    final int id;
    private final Reactor reactor;
    private final Thread owner;
    private final IoUring ring;
    private final UringBufferPool buffers;
    private final boolean fixedBuffers;
    private final boolean fixedFiles;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment descriptors;
    private final MemorySegment completions;
    private final MemorySegment control;
    private final long descriptorsAddress;
    private final long completionsAddress;
    private final long controlAddress;
    private final UringOp[] ops = new UringOp[ENTRIES];
    private final int[] freeOps = new int[ENTRIES];
    private int freeOpsTop;
    private final UringBackend[] fileSlots = new UringBackend[FILE_SLOTS];
    private final List<UringBackend> attached = new ArrayList<>();
    private final ArrayDeque<BackendIo> waiting = new ArrayDeque<>(ENTRIES);
    private final ArrayDeque<UringBackend> waitingBackends = new ArrayDeque<>(ENTRIES);
    private int staged;
    private int inKernel;
    private boolean enterErrorLogged;
    private volatile boolean closed;

    // Single writer (the owner); other threads read them racily, for statistics only.
    private long registeredBufferIos;
    private long unregisteredBufferIos;
    private long reaped;

    /** Creates the ring on the calling thread, which must be {@code reactor}'s. */
    UringRing(int id, Reactor reactor) {
        if (!reactor.inReactor()) {
            throw new IllegalStateException("a ring is created on its reactor's thread");
        }
        this.id = id;
        this.reactor = reactor;
        this.owner = Thread.currentThread();
        this.ring = IoUring.create(ENTRIES, CQ_ENTRIES);
        UringBufferPool pool;
        try {
            pool = new UringBufferPool();
        } catch (RuntimeException e) {
            ring.close();
            throw e;
        }
        this.buffers = pool;
        int rc = ring.registerBuffer(pool.base(), pool.length());
        this.fixedBuffers = rc == 0;
        if (rc != 0) {
            LOG.warning("io_uring on " + reactor.name() + ": cannot register " + (pool.length() >> 10) + " KiB of buffers ("
                    + Errno.describe(rc) + "; RLIMIT_MEMLOCK?); I/O goes through unregistered buffers");
        }
        rc = ring.registerFilesSparse(FILE_SLOTS);
        this.fixedFiles = rc == 0;
        this.descriptors = arena.allocate((long) ENTRIES * IoUring.DESCRIPTOR_LENGTH, 64);
        this.completions = arena.allocate((long) REAP_BATCH * IoUring.COMPLETION_LENGTH, 64);
        this.control = arena.allocate(IoUring.CONTROL_LENGTH, 8);
        this.descriptorsAddress = descriptors.address();
        this.completionsAddress = completions.address();
        this.controlAddress = control.address();
        for (int i = 0; i < ENTRIES; i++) {
            ops[i] = new UringOp(i, this, buffers);
            freeOps[freeOpsTop++] = ENTRIES - 1 - i;
        }
        reactor.addPoller(this);
        LOG.fine(() -> "io_uring on " + reactor.name() + ": setup flags 0x" + Integer.toHexString(ring.setupFlags())
                + ", fixed buffers " + fixedBuffers + ", fixed files " + fixedFiles);
    }

    @Override
    public String name() {
        return "io_uring";
    }

    Reactor reactor() {
        return reactor;
    }

    boolean closed() {
        return closed;
    }

    int setupFlags() {
        return ring.setupFlags();
    }

    /** Takes a request (owner thread); it waits here when every slot or buffer is busy. */
    void submit(UringBackend backend, BackendIo io) {
        if (!waiting.isEmpty() || !start(backend, io)) {
            waiting.addLast(io);
            waitingBackends.addLast(backend);
        }
    }

    private boolean start(UringBackend backend, BackendIo io) {
        if (freeOpsTop == 0) {
            return false;
        }
        UringOp op = ops[freeOps[--freeOpsTop]];
        if (!op.start(backend, io)) {
            freeOps[freeOpsTop++] = op.slot;
            return false;
        }
        return true;
    }

    void release(UringOp op) {
        freeOps[freeOpsTop++] = op.slot;
    }

    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            if (!start(waitingBackends.peekFirst(), waiting.peekFirst())) {
                return;
            }
            waiting.pollFirst();
            waitingBackends.pollFirst();
        }
    }

    /** Stages a read or write of a pool buffer (fixed when the pool is registered). */
    void stageData(UringOp op, boolean write, long address, int length, int rwFlags, long offset) {
        int opcode;
        if (fixedBuffers) {
            opcode = write ? IoUring.OP_WRITE_FIXED : IoUring.OP_READ_FIXED;
            registeredBufferIos++;
        } else {
            opcode = write ? IoUring.OP_WRITE : IoUring.OP_READ;
            unregisteredBufferIos++;
        }
        stage(op, opcode, address, length, rwFlags, offset, 0);
    }

    /** Stages an operation on the request's file with no data buffer (fsync, fallocate). */
    void stageFile(UringOp op, int opcode, long address, int length, int rwFlags, long offset) {
        stage(op, opcode, address, length, rwFlags, offset, 0);
    }

    /** Stages BLOCK_URING_CMD_DISCARD: addr is the start, addr3 the length. */
    void stageDiscard(UringOp op, long offset, long length) {
        stage(op, IoUring.OP_URING_CMD, offset, 0, 0, IoUring.BLOCK_URING_CMD_DISCARD, length);
    }

    private void stage(UringOp op, int opcode, long address, int length, int rwFlags, long offset, long addr3) {
        int fileSlot = op.backend.fileSlot(this);
        long d = (long) staged * IoUring.DESCRIPTOR_LENGTH;
        MemorySegment s = descriptors;
        s.set(BYTE, d + IoUring.DESCRIPTOR_OPCODE_OFFSET, (byte) opcode);
        s.set(BYTE, d + IoUring.DESCRIPTOR_SQE_FLAGS_OFFSET, (byte) (fileSlot >= 0 ? IoUring.SQE_FIXED_FILE : 0));
        s.set(SHORT, d + IoUring.DESCRIPTOR_BUF_INDEX_OFFSET, (short) 0);
        s.set(INT, d + IoUring.DESCRIPTOR_FD_OFFSET, fileSlot >= 0 ? fileSlot : op.backend.fd());
        s.set(LONG, d + IoUring.DESCRIPTOR_ADDR_OFFSET, address);
        s.set(INT, d + IoUring.DESCRIPTOR_LEN_OFFSET, length);
        s.set(INT, d + IoUring.DESCRIPTOR_RW_FLAGS_OFFSET, rwFlags);
        s.set(LONG, d + IoUring.DESCRIPTOR_OFF_OFFSET, offset);
        s.set(LONG, d + IoUring.DESCRIPTOR_USER_DATA_OFFSET, op.slot);
        s.set(LONG, d + IoUring.DESCRIPTOR_ADDR3_OFFSET, addr3);
        staged++;
    }

    /**
     * One micro-window: submits what this turn staged, runs the kernel's deferred completions, and finishes up to
     * {@code maxItems} requests on this reactor.
     */
    @Override
    public int poll(int maxItems) {
        if (staged == 0 && inKernel == 0) {
            return 0;
        }
        int n = ring.enter(descriptorsAddress, staged, completionsAddress, Math.min(maxItems, REAP_BATCH), controlAddress);
        int taken = (int) control.get(LONG, IoUring.CONTROL_TAKEN_OFFSET);
        if (taken > 0) {
            inKernel += taken;
            staged -= taken;
            if (staged > 0) {
                MemorySegment.copy(descriptors, (long) taken * IoUring.DESCRIPTOR_LENGTH, descriptors, 0,
                        (long) staged * IoUring.DESCRIPTOR_LENGTH);
            }
        }
        long rc = control.get(LONG, IoUring.CONTROL_ENTER_RESULT_OFFSET);
        if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EBUSY && rc != -Errno.EINTR && !enterErrorLogged) {
            enterErrorLogged = true;
            LOG.warning("io_uring_enter on " + reactor.name() + " failed: " + Errno.describe((int) rc));
        }
        for (int i = 0; i < n; i++) {
            long c = (long) i * IoUring.COMPLETION_LENGTH;
            int slot = (int) completions.get(LONG, c + IoUring.COMPLETION_USER_DATA_OFFSET);
            int res = completions.get(INT, c + IoUring.COMPLETION_RES_OFFSET);
            inKernel--;
            ops[slot].onCompletion(res);
        }
        if (n > 0) {
            reaped += n;
            admitWaiting();
        }
        if (inKernel > 0 || staged > 0) {
            reactor.openLatencyWindow(System.nanoTime(), SPIN_WHILE_IN_FLIGHT_NANOS);
        }
        return n + taken;
    }

    /** Gives {@code backend} a fixed-file slot on this ring (owner thread); -1 when it must use its raw fd. */
    int attach(UringBackend backend) {
        attached.add(backend);
        if (!fixedFiles) {
            return -1;
        }
        for (int slot = 0; slot < FILE_SLOTS; slot++) {
            if (fileSlots[slot] == null) {
                if (ring.updateFile(slot, backend.fd()) != 0) {
                    return -1;
                }
                fileSlots[slot] = backend;
                return slot;
            }
        }
        return -1;
    }

    /**
     * Removes {@code backend} from this ring, closing the ring when it was the last user. Runs on the owner when the
     * owner is alive (the kernel refuses registrations from other threads), directly when it has stopped.
     */
    void detach(UringBackend backend) {
        if (Thread.currentThread() == owner || !owner.isAlive()) {
            detachNow(backend);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        try {
            reactor.execute(() -> {
                detachNow(backend);
                done.countDown();
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!done.await(10, TimeUnit.MILLISECONDS)) {
                if (!owner.isAlive()) {
                    detachNow(backend); // the reactor stopped before it ran our task
                    return;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warning("io_uring on " + reactor.name() + ": reactor did not release " + backend.describe());
                    return;
                }
            }
        } catch (IllegalStateException stopped) {
            detachNow(backend);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void detachNow(UringBackend backend) {
        if (closed) {
            return;
        }
        boolean onOwner = Thread.currentThread() == owner;
        if (onOwner) {
            drain(backend);
        }
        for (int slot = 0; slot < FILE_SLOTS; slot++) {
            if (fileSlots[slot] == backend) {
                fileSlots[slot] = null;
                if (onOwner) {
                    ring.updateFile(slot, -1);
                }
            }
        }
        attached.remove(backend);
        backend.forget(this);
        if (attached.isEmpty()) {
            close(onOwner);
        }
    }

    /** Lets the backend's requests (in flight or waiting) finish normally, within reason, before it detaches. */
    private void drain(UringBackend backend) {
        long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        while (uses(backend) && System.nanoTime() < deadline) {
            poll(REAP_BATCH);
        }
    }

    private boolean uses(UringBackend backend) {
        if (waitingBackends.contains(backend)) {
            return true;
        }
        for (UringOp op : ops) {
            if (op.backend == backend) {
                return true;
            }
        }
        return false;
    }

    private void close(boolean onOwner) {
        if (onOwner) {
            reactor.removePoller(this);
        }
        closed = true;
        UringRings.retire(this);
        if (inKernel + staged > 0) {
            LOG.warning("io_uring on " + reactor.name() + ": closing with " + (inKernel + staged) + " requests unfinished");
        }
        ring.close(); // the kernel cancels what is left; pinned buffer pages stay valid until it lets go
        buffers.close();
        arena.close();
    }

    long registeredBufferIos() {
        return registeredBufferIos;
    }

    long unregisteredBufferIos() {
        return unregisteredBufferIos;
    }

    long reaped() {
        return reaped;
    }

    /** Requests in the kernel or staged (owner thread, tests). */
    int inFlight() {
        return inKernel + staged;
    }

    int waitingCount() {
        return waiting.size();
    }
}
