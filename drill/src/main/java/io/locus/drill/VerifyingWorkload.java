package io.locus.drill;

import io.locus.initiator.HostStatus;
import io.locus.initiator.IoCallback;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.perf.VerifyBlock;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.Crc32cDigest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A verifying workload through a {@link MultipathNamespace}: {@code depth} lanes, each keeping one 1-block read or
 * write in flight at a random block of a region, and a Flush every {@link #FLUSH_INTERVAL_MS}. Every block written
 * carries its LBA and a unique generation ({@link VerifyBlock}); reads check both against the {@link AckTracker};
 * after {@link #stop} every block written is read back ({@link #verifyAll}).
 * <p>
 * Counted: I/Os failed to the application (any completion that is not success, after the multipath layer's own
 * retries), verify failures (a block read back that is not a valid block of its LBA, or newer than any write
 * submitted), acknowledged writes lost (blocks found older than the newest acknowledged generation, by a read during
 * the run or the read-back, each block counted once), successful
 * completions (for IOPS) and the longest pause ({@link PauseMeter}).
 * <p>
 * A block has at most one I/O in flight (a busy flag per block), so generations of one block complete in order.
 * Lanes run on the queues' reactors: a completion submits the lane's next command from there. A lane whose command
 * failed waits 1 ms on a timer before the next (a failure may come back inside the submit call).
 */
public final class VerifyingWorkload {
    /** How often the workload flushes, acknowledging the writes completed before. */
    public static final long FLUSH_INTERVAL_MS = 20;
    /** Share of commands that are writes, and of writes sent with FUA. */
    private static final double WRITE_SHARE = 0.6;
    private static final double FUA_SHARE = 0.25;
    private static final int MAX_ERRORS_KEPT = 8;

    private final MultipathNamespace ns;
    private final long regionStart;
    private final int blockSize;
    private final AckTracker tracker;
    private final AtomicIntegerArray busy;
    private final List<Lane> lanes = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "locus-drill-workload");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong completions = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong verifyFailures = new AtomicLong();
    /** Blocks found older than acknowledged (by a read during the run or the read-back), each counted once. */
    private final java.util.Set<Integer> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong flushOutstanding = new AtomicLong();
    private final List<String> errors = new ArrayList<>();
    private volatile boolean stopping;
    private PauseMeter pauses;

    /**
     * @param regionStart first LBA of the region the workload owns
     * @param blocks      blocks in the region
     * @param depth       lanes (commands in flight)
     */
    public VerifyingWorkload(MultipathNamespace ns, long regionStart, int blocks, int depth) {
        if (blocks < depth * 4) {
            throw new IllegalArgumentException("a region of " + blocks + " blocks is too small for " + depth + " lanes");
        }
        if (regionStart + blocks > ns.blocks()) {
            throw new IllegalArgumentException("the region ends past the namespace (" + ns.blocks() + " blocks)");
        }
        this.ns = ns;
        this.regionStart = regionStart;
        this.blockSize = ns.lbaSize();
        this.tracker = new AckTracker(blocks);
        this.busy = new AtomicIntegerArray(blocks);
        for (int i = 0; i < depth; i++) {
            lanes.add(new Lane(i));
        }
    }

    /** Starts every lane and the flusher. */
    public void start() {
        long now = System.nanoTime();
        pauses = new PauseMeter(now);
        for (Lane l : lanes) {
            active.incrementAndGet();
            l.next();
        }
        timer.scheduleAtFixedRate(this::flush, FLUSH_INTERVAL_MS, FLUSH_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops issuing and waits up to {@code timeoutMs} for the commands in flight.
     *
     * @return whether every command finished in time
     */
    public boolean stop(long timeoutMs) {
        stopping = true;
        timer.shutdown();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while ((active.get() > 0 || flushOutstanding.get() > 0) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return active.get() == 0 && flushOutstanding.get() == 0;
    }

    /**
     * Reads back every block written, 64 at a time, and counts verify failures and acknowledged writes lost. Runs
     * after {@link #stop}; a read that fails counts as a failed I/O and its blocks as verify failures.
     *
     * @return blocks checked
     */
    public long verifyAll() {
        int batch = 64;
        ByteBuf buf = Unpooled.directBuffer(batch * blockSize);
        Crc32cDigest crc = new Crc32cDigest();
        long checked = 0;
        try {
            for (int first = 0; first < tracker.blocks(); first += batch) {
                int n = Math.min(batch, tracker.blocks() - first);
                buf.clear();
                try {
                    ns.readBlocking(regionStart + first, n, buf);
                } catch (NvmeException e) {
                    failed.incrementAndGet();
                    note("read-back of " + n + " blocks at LBA " + (regionStart + first) + ": " + e.getMessage());
                    for (int b = first; b < first + n; b++) {
                        if (tracker.written(b)) {
                            verifyFailures.incrementAndGet();
                        }
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int block = first + i;
                    if (tracker.written(block)) {
                        checked++;
                        check(block, buf, i * blockSize, crc, true);
                    }
                }
            }
        } finally {
            buf.release();
        }
        return checked;
    }

    /** Checks one block read back; counts what is wrong. */
    private void check(int block, ByteBuf buf, int base, Crc32cDigest crc, boolean final_) {
        long lba = regionStart + block;
        int code = VerifyBlock.check(buf, base, blockSize, lba, -1, crc);
        if (code != VerifyBlock.OK) {
            verifyFailures.incrementAndGet();
            note("LBA " + lba + ": " + VerifyBlock.describe(code) + (final_ ? " (read-back)" : ""));
            return;
        }
        long stored = VerifyBlock.storedGeneration(buf, base);
        switch (tracker.classify(block, stored)) {
            case LOST -> {
                lost.add(block);
                note("LBA " + lba + ": generation " + stored + " but " + tracker.ackedGeneration(block)
                        + " was acknowledged" + (final_ ? " (read-back)" : ""));
            }
            case UNEXPECTED -> {
                verifyFailures.incrementAndGet();
                note("LBA " + lba + ": generation " + stored + " was never written");
            }
            default -> {
            }
        }
    }

    private void flush() {
        if (stopping || !flushOutstanding.compareAndSet(0, 1)) {
            return;
        }
        long token = tracker.flushSubmitted();
        ns.flush(null, (ctx, status, dw0, dw1) -> {
            if (Status.isSuccess(status)) {
                tracker.flushCompleted(token);
                completed();
            } else {
                failed.incrementAndGet();
                note("Flush: " + HostStatus.describe(status));
            }
            flushOutstanding.set(0);
        }, null);
    }

    private void completed() {
        completions.incrementAndGet();
        pauses.completed(System.nanoTime());
    }

    private void note(String error) {
        synchronized (errors) {
            if (errors.size() < MAX_ERRORS_KEPT) {
                errors.add(error);
            }
        }
    }

    public AckTracker tracker() {
        return tracker;
    }

    /** Successful completions so far. */
    public long completions() {
        return completions.get();
    }

    public long failedIos() {
        return failed.get();
    }

    public long verifyFailures() {
        return verifyFailures.get();
    }

    /** Blocks whose acknowledged write was lost (found older than acknowledged at least once). */
    public long acknowledgedLost() {
        return lost.size();
    }

    public PauseMeter pauses() {
        return pauses;
    }

    /** The first few errors, for the report. */
    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** One command in flight at a time, at a random block of the region. */
    private final class Lane implements IoCallback {
        private final SplittableRandom random;
        private final ByteBuf buf = Unpooled.directBuffer(blockSize);
        private final Crc32cDigest crc = new Crc32cDigest();
        private int block = -1;
        private boolean write;
        private boolean fua;
        private long gen;

        Lane(int seed) {
            random = new SplittableRandom(0x5EED + seed);
        }

        void next() {
            if (stopping) {
                buf.release();
                active.decrementAndGet();
                return;
            }
            int b;
            do {
                b = random.nextInt(tracker.blocks());
            } while (!busy.compareAndSet(b, 0, 1));
            block = b;
            long lba = regionStart + b;
            write = random.nextDouble() < WRITE_SHARE || !tracker.written(b);
            if (write) {
                fua = random.nextDouble() < FUA_SHARE;
                gen = tracker.beginWrite(b);
                VerifyBlock.fill(buf, 0, blockSize, 1, lba, gen, crc);
                ns.write(lba, 1, buf, 0, fua, null, this, null);
            } else {
                ns.read(lba, 1, buf, 0, null, this, null);
            }
        }

        @Override
        public void onComplete(Object context, int status, int dw0, int dw1) {
            int b = block;
            if (Status.isSuccess(status)) {
                if (write) {
                    tracker.writeCompleted(b, gen, fua);
                } else {
                    check(b, buf, 0, crc, false);
                }
                completed();
                busy.set(b, 0);
                next();
                return;
            }
            failed.incrementAndGet();
            note((write ? "write" : "read") + " of LBA " + (regionStart + b) + ": " + HostStatus.describe(status));
            busy.set(b, 0);
            if (stopping) {
                next();
            } else {
                try {
                    timer.schedule(this::next, 1, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    next();
                }
            }
        }
    }
}
