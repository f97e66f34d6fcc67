package io.locus.initiator.perf;

import io.locus.initiator.Flow;
import io.locus.initiator.HostStatus;
import io.locus.initiator.IoCallback;
import io.locus.initiator.BlockDevice;
import io.locus.protocol.tcp.Crc32cDigest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.HdrHistogram.Histogram;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * Drives one I/O queue from its own reactor, like one spdk_nvme_perf core: keeps {@code queueDepth} commands in
 * flight, issuing the next one from the completion callback of the last (no thread hop, no allocation), and
 * records latencies single-writer into its own histogram.
 * <p>
 * It owns a contiguous slice of the working set (in units of one I/O), so with {@code --verify} no two workers
 * touch the same blocks and it alone knows which write generation each unit holds; a unit with a command in
 * flight is never picked again until that command completes.
 */
final class PerfWorker implements IoCallback, Runnable {
    static final long HIGHEST_NANOS = 60_000_000_000L;
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(PerfWorker.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One in-flight slot of this worker: its buffer and what it is doing. */
    private static final class Io {
        final ByteBuf buf;
        long unit;
        boolean read;
        long gen;
        long startNanos;

        Io(ByteBuf buf) {
            this.buf = buf;
        }
    }

    private final BlockDevice ns;
    private final int lbaSize;
    private final int blocksPerIo;
    private final long firstUnit;
    private final long units;
    private final int readPercent;
    private final boolean random;
    private final boolean verify;
    private final Flow flow;
    private final Io[] ios;
    private final long[] generation;
    private final boolean[] busy;
    private final SplittableRandom rnd;
    private final Crc32cDigest crc = new Crc32cDigest();
    final Histogram histogram = new Histogram(1, HIGHEST_NANOS, 3);

    private volatile long completed;
    long reads;
    long writes;
    long errors;
    long verifyFailures;
    final List<PerfResult.VerifyFailure> failures = new ArrayList<>();
    volatile String firstError;

    private boolean prefill;
    private long deadline;
    private long cursor;
    private long genCounter = 1;
    private int inflight;
    private CountDownLatch done;

    PerfWorker(BlockDevice ns, PerfConfig config, long firstUnit, long units, long seed) {
        this.ns = ns;
        this.lbaSize = ns.lbaSize();
        this.blocksPerIo = config.ioSize() / lbaSize;
        this.firstUnit = firstUnit;
        this.units = units;
        this.readPercent = config.effectiveReadPercent();
        this.random = config.workload().random();
        this.verify = config.verify();
        this.flow = config.flow();
        this.rnd = new SplittableRandom(seed);
        this.ios = new Io[config.queueDepth()];
        for (int i = 0; i < ios.length; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(config.ioSize(), config.ioSize());
            buf.writerIndex(config.ioSize());
            if (!verify) {
                for (int off = 0; off < config.ioSize(); off += 8) {
                    buf.setLongLE(off, rnd.nextLong());
                }
            }
            ios[i] = new Io(buf);
        }
        this.generation = verify ? new long[(int) units] : null;
        this.busy = verify ? new boolean[(int) units] : null;
        this.cursor = random ? 0 : rnd.nextLong(Math.max(1, units));
    }

    /** Writes every unit once (generation 1) so that every later read can be checked. */
    void preparePrefill(CountDownLatch latch) {
        this.prefill = true;
        this.cursor = 0;
        this.deadline = Long.MAX_VALUE;
        this.done = latch;
    }

    void prepareTimed(long deadlineNanos, CountDownLatch latch) {
        this.prefill = false;
        this.deadline = deadlineNanos;
        this.done = latch;
        if (!random) {
            cursor = rnd.nextLong(Math.max(1, units));
        }
    }

    /** Forgets what the warm-up measured (not its errors or verify failures). Called while the worker is idle. */
    void resetMeasurements() {
        histogram.reset();
        reads = 0;
        writes = 0;
    }

    /** Reactor: fill the queue. */
    @Override
    public void run() {
        inflight = 0;
        for (Io io : ios) {
            if (!issue(io, System.nanoTime())) {
                break;
            }
        }
        if (inflight == 0) {
            done.countDown();
        }
    }

    long completed() {
        return (long) COMPLETED.getOpaque(this);
    }

    /**
     * Starts the next command on {@code io}; false when there is nothing left to do (prefill finished).
     *
     * @param now when the command starts (nanoseconds, {@link System#nanoTime()}): its latency is measured from it
     */
    private boolean issue(Io io, long now) {
        long unit;
        boolean read;
        if (prefill) {
            if (cursor >= units) {
                return false;
            }
            unit = cursor++;
            read = false;
        } else {
            read = readPercent == 100 || (readPercent != 0 && rnd.nextInt(100) < readPercent);
            unit = pickUnit();
        }
        long lba = (firstUnit + unit) * blocksPerIo;
        io.unit = unit;
        io.read = read;
        if (verify) {
            busy[(int) unit] = true;
            if (!read) {
                io.gen = prefill ? 1 : ++genCounter;
                VerifyBlock.fill(io.buf, 0, lbaSize, blocksPerIo, lba, io.gen, crc);
            }
        }
        inflight++;
        io.startNanos = now;
        if (read) {
            ns.read(lba, blocksPerIo, io.buf, 0, flow, this, io);
        } else {
            ns.write(lba, blocksPerIo, io.buf, 0, false, flow, this, io);
        }
        return true;
    }

    private long pickUnit() {
        if (random) {
            long unit = rnd.nextLong(units);
            if (verify) {
                while (busy[(int) unit]) {
                    unit = unit + 1 == units ? 0 : unit + 1;
                }
            }
            return unit;
        }
        long unit = cursor;
        cursor = cursor + 1 == units ? 0 : cursor + 1;
        if (verify) {
            while (busy[(int) unit]) {
                unit = cursor;
                cursor = cursor + 1 == units ? 0 : cursor + 1;
            }
        }
        return unit;
    }

    /** Reactor: a command finished; record it and issue the next one on the same slot. */
    @Override
    public void onComplete(Object context, int status, int dw0, int dw1) {
        Io io = (Io) context;
        long now = System.nanoTime();
        inflight--;
        if (!prefill) {
            histogram.recordValue(Math.min(Math.max(1, now - io.startNanos), HIGHEST_NANOS));
        }
        int unit = (int) io.unit;
        if (!HostStatus.ok(status)) {
            errors++;
            if (firstError == null) {
                firstError = (io.read ? "read" : "write") + " at LBA " + ((firstUnit + unit) * blocksPerIo) + ": "
                        + HostStatus.describe(status);
            }
            if (verify && !io.read) {
                generation[unit] = -1; // contents unknown until rewritten
            }
        } else if (io.read) {
            reads++;
            if (verify) {
                check(io, unit);
            }
        } else {
            writes++;
            if (verify) {
                generation[unit] = io.gen;
            }
        }
        if (verify) {
            busy[unit] = false;
        }
        COMPLETED.setOpaque(this, completed + 1);
        // The next command starts as this one is recorded: one clock read serves both, unless verifying the data
        // took time in between.
        if (now - deadline < 0 && issue(io, verify ? System.nanoTime() : now)) {
            return;
        }
        if (inflight == 0) {
            done.countDown();
        }
    }

    private void check(Io io, int unit) {
        long expected = generation[unit];
        if (expected < 0) {
            return; // the last write of this unit failed: nothing to compare with
        }
        long lba = (firstUnit + unit) * blocksPerIo;
        for (int b = 0; b < blocksPerIo; b++) {
            int code = VerifyBlock.check(io.buf, b * lbaSize, lbaSize, lba + b, expected, crc);
            if (code != VerifyBlock.OK) {
                verifyFailures++;
                if (failures.size() < Perf.MAX_REPORTED_FAILURES) {
                    String reason = VerifyBlock.describe(code);
                    if (code == VerifyBlock.WRONG_GENERATION) {
                        reason += " (generation " + VerifyBlock.storedGeneration(io.buf, b * lbaSize) + ", expected " + expected + ")";
                    } else if (code == VerifyBlock.WRONG_LBA) {
                        reason += " (holds LBA " + VerifyBlock.storedLba(io.buf, b * lbaSize) + ")";
                    }
                    failures.add(new PerfResult.VerifyFailure(lba + b, reason));
                }
            }
        }
    }

    void release() {
        for (Io io : ios) {
            io.buf.release();
        }
    }
}
