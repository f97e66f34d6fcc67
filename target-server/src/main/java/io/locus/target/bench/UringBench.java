package io.locus.target.bench;

import io.locus.target.backend.Backend;
import io.locus.target.backend.BackendCallback;
import io.locus.target.backend.BackendIo;
import io.locus.target.backend.BackendOp;
import io.locus.target.backend.UringBackend;
import io.locus.target.core.PollGroup;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ThreadPinning;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The uring backend alone, for {@code scripts/bench-backend}: one busy reactor keeps a fixed number of requests in
 * flight against a file and prints one JSON line with the IOPS. A benchmark, not a test.
 *
 * <pre>
 *   UringBench --file PATH --size BYTES --rw randread|randwrite|read|write --bs BYTES --qd N --seconds S
 *              [--warmup S] [--cpu N] [--buffered]
 * </pre>
 */
public final class UringBench {
    private final Backend backend;
    private final BackendOp op;
    private final boolean random;
    private final int blockSize;
    private final long blocks;
    private final Slot[] slots;
    private long sequential;
    private long rng = 0x9E3779B97F4A7C15L;
    private volatile boolean running = true;
    // Written by the reactor only; read by the main thread between measurements.
    private volatile long completed;
    private volatile long errors;
    private volatile long latencyNanos;

    /** One request kept in flight: its I/O and its data buffer. */
    private final class Slot implements BackendCallback {
        final BackendIo io;
        final ByteBuf buffer;

        Slot(PollGroup completions, byte[] pattern) {
            io = new BackendIo(this, completions);
            buffer = PooledByteBufAllocator.DEFAULT.directBuffer(blockSize, blockSize);
            buffer.writeBytes(pattern);
        }

        void issue() {
            long block;
            if (random) {
                rng ^= rng << 13;
                rng ^= rng >>> 7;
                rng ^= rng << 17;
                block = Long.remainderUnsigned(rng, blocks);
            } else {
                block = sequential++ % blocks;
            }
            if (op == BackendOp.READ) {
                buffer.clear();
            } else {
                buffer.setIndex(0, blockSize);
            }
            io.reset(op, block * blockSize, blockSize, buffer);
            io.submitNanos = System.nanoTime();
            backend.submit(io);
        }

        @Override
        public void onBackendComplete(BackendIo done) {
            if (done.status != 0) {
                errors = errors + 1;
            }
            latencyNanos = latencyNanos + (done.completeNanos - done.submitNanos);
            completed = completed + 1;
            if (running) {
                issue();
            }
        }
    }

    private UringBench(Backend backend, PollGroup completions, BackendOp op, boolean random, int blockSize, int depth) {
        this.backend = backend;
        this.op = op;
        this.random = random;
        this.blockSize = blockSize;
        this.blocks = backend.size() / blockSize;
        this.slots = new Slot[depth];
        byte[] pattern = new byte[blockSize];
        ThreadLocalRandom.current().nextBytes(pattern);
        for (int i = 0; i < depth; i++) {
            slots[i] = new Slot(completions, pattern);
        }
    }

    private void start() {
        for (Slot s : slots) {
            s.issue();
        }
    }

    /** Bytes the reactor thread has allocated so far (asked on the reactor itself). */
    private static long allocatedOn(Reactor reactor) throws Exception {
        java.util.concurrent.CompletableFuture<Long> bytes = new java.util.concurrent.CompletableFuture<>();
        reactor.execute(() -> bytes.complete(((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean()).getCurrentThreadAllocatedBytes()));
        return bytes.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        String file = null;
        long size = 1L << 30;
        String rw = "randread";
        int bs = 4096;
        int qd = 32;
        double seconds = 10;
        double warmup = 1;
        int cpu = -1;
        boolean direct = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--file" -> file = args[++i];
                case "--size" -> size = Long.parseLong(args[++i]);
                case "--rw" -> rw = args[++i];
                case "--bs" -> bs = Integer.parseInt(args[++i]);
                case "--qd" -> qd = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                case "--buffered" -> direct = false;
                default -> {
                    System.err.println("UringBench: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (file == null) {
            System.err.println("UringBench: --file is required");
            System.exit(2);
        }
        BackendOp op = rw.endsWith("read") ? BackendOp.READ : BackendOp.WRITE;
        boolean random = rw.startsWith("rand");
        ThreadPinning pinning = cpu >= 0 ? io.locus.nativeio.NativeThreadPinning.instance() : ThreadPinning.NONE;
        Reactor reactor = new Reactor(new ReactorConfig("bench-reactor", cpu, IdleMode.BUSY, 0, 10_000_000, 64, 64,
                ReactorConfig.DEFAULT_WINDOW_NANOS), pinning).start();
        PollGroup completions = new PollGroup(reactor);
        reactor.addPoller(completions);
        try (UringBackend backend = new UringBackend(Path.of(file), size, 4096, direct)) {
            UringBench bench = new UringBench(backend, completions, op, random, bs, qd);
            reactor.execute(bench::start);
            Thread.sleep((long) (warmup * 1000));
            long a0 = allocatedOn(reactor);
            long c0 = bench.completed;
            long l0 = bench.latencyNanos;
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long c1 = bench.completed;
            long l1 = bench.latencyNanos;
            long t1 = System.nanoTime();
            long a1 = allocatedOn(reactor);
            bench.running = false;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (bench.completed < c1 + 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(200); // let the last requests drain before the backend closes
            double iops = (c1 - c0) / ((t1 - t0) / 1e9);
            double meanUs = c1 == c0 ? 0 : (l1 - l0) / 1e3 / (c1 - c0);
            System.out.println(String.format(Locale.ROOT,
                    "{\"workload\":\"%s\",\"bs\":%d,\"qd\":%d,\"mode\":\"%s\",\"iops\":%.0f,\"mib_per_s\":%.1f,\"mean_latency_us\":%.1f,"
                            + "\"errors\":%d,\"registration_reuse_hit_rate\":%.4f,\"reactor_bytes_allocated_per_io\":%.2f}",
                    rw, bs, qd, backend.direct() ? "O_DIRECT" : "buffered", iops, iops * bs / (1 << 20), meanUs,
                    bench.errors, UringBackend.registrationReuseHitRate(), c1 == c0 ? 0.0 : (double) (a1 - a0) / (c1 - c0)));
        } finally {
            reactor.close();
        }
    }
}
