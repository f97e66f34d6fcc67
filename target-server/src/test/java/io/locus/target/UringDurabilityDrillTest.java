package io.locus.target;

import io.locus.nativeio.IoUring;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Durability drill: writers drive a uring namespace of a target running in its own JVM with self-checking blocks,
 * the target is killed with SIGKILL mid-load, restarted on the same file, and every block is read back. A block must
 * hold a write at least as new as its last durable one (acknowledged with FUA, or acknowledged before an acknowledged
 * Flush); whatever came after may or may not be there, but never torn within a block.
 */
class UringDurabilityDrillTest {
    private static final int BLOCK = 4096;
    private static final int REGION_BLOCKS = 1024;
    private static final int WRITERS = 4;
    private static final long FILE_SIZE = 16L << 20;
    /** Load before the kill, per round: different kill points. */
    private static final long[] KILL_AFTER_MILLIS = {300, 900, 150, 1400};
    private static final long MAGIC = 0x4C4F435553445231L; // "LOCUSDR1"
    private static final int CRC_OFFSET = BLOCK - 8;
    private static final Pattern IO_PORT = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(nvme/tcp\\)");

    /** What each block may hold after a crash: its writes of this round, in order, and the last durable one. */
    private final long[] baseline = new long[REGION_BLOCKS];
    private final List<List<Long>> history = new ArrayList<>();
    private final int[] durable = new int[REGION_BLOCKS];
    private long checkedDurable;
    private long acknowledged;
    /** Writes acknowledged in the running round, counted by every writer. */
    private final java.util.concurrent.atomic.AtomicInteger roundAcks = new java.util.concurrent.atomic.AtomicInteger();
    private static final int MIN_ACKS_PER_ROUND = 60;

    @Test
    void shouldKeepEveryAcknowledgedWriteWhenTargetIsKilledMidLoad(@TempDir Path dir) throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElse("?"));
        Path file = dir.resolve("drill.img");
        for (int i = 0; i < REGION_BLOCKS; i++) {
            history.add(new ArrayList<>());
        }
        resetRound();
        for (int round = 1; round <= KILL_AFTER_MILLIS.length + 1; round++) {
            try (TargetProcess target = TargetProcess.start(file, FILE_SIZE, dir.resolve("target-" + round + ".log"))) {
                verify(target.port, round);
                resetRound();
                if (round > KILL_AFTER_MILLIS.length) {
                    break;
                }
                load(target, round, KILL_AFTER_MILLIS[round - 1]);
            }
        }
        System.out.println("durability drill: " + KILL_AFTER_MILLIS.length + " SIGKILLs, " + acknowledged
                + " writes acknowledged, " + checkedDurable + " durable blocks verified intact");
        assertTrue(acknowledged > 200, "the drill acknowledged only " + acknowledged + " writes");
        assertTrue(checkedDurable > 100, "only " + checkedDurable + " durable blocks were checked");
    }

    private void resetRound() {
        for (int i = 0; i < REGION_BLOCKS; i++) {
            history.get(i).clear();
            durable[i] = -1;
        }
    }

    /** Runs the writers until the target is killed after {@code millis}. */
    private void load(TargetProcess target, int round, long millis) throws Exception {
        roundAcks.set(0);
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        try (RawHost admin = new RawHost(target.port)) {
            int cntlid = admin.adminUp(TargetConfig.DEFAULT_NQN, 0);
            for (int w = 0; w < WRITERS; w++) {
                RawHost io = new RawHost(target.port);
                io.icReq(false, false);
                assertEquals(0, io.connect(w + 1, 127, cntlid, TargetConfig.DEFAULT_NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
                int writer = w;
                CompletableFuture<Integer> f = new CompletableFuture<>();
                Thread.ofPlatform().name("drill-writer-" + w).start(() -> {
                    try (io) {
                        f.complete(write(io, writer, round));
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
                writers.add(f);
            }
            // Kill at a point that depends on progress, not on the machine's speed: once the round has seen enough
            // acknowledged writes (a loaded CI machine is slow), then after the round's own delay.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (roundAcks.get() < MIN_ACKS_PER_ROUND && System.nanoTime() < deadline
                    && writers.stream().noneMatch(CompletableFuture::isDone)) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            Thread.sleep(millis);
            target.kill();
            int acked = 0;
            for (CompletableFuture<Integer> f : writers) {
                acked += f.get(20, TimeUnit.SECONDS);
            }
            assertTrue(acked > 0, "round " + round + ": no write was acknowledged before the kill");
            acknowledged += acked;
        }
    }

    /** One writer: random 1-4 block writes in its own stripe, some with FUA, a Flush every few; returns writes acked. */
    private int write(RawHost io, int writer, int round) {
        Random random = new Random(round * 31L + writer);
        int stripe = REGION_BLOCKS / WRITERS;
        int first = writer * stripe;
        List<int[]> unflushed = new ArrayList<>(); // {lba, history index} acknowledged without FUA since the last Flush
        int acked = 0;
        long seq = 0;
        try {
            while (true) {
                int blocks = 1 + random.nextInt(4);
                int lba = first + random.nextInt(stripe - blocks + 1);
                long gen = ((long) round << 48) | ((long) writer << 40) | ++seq;
                boolean fua = random.nextInt(10) < 3;
                byte[] data = new byte[blocks * BLOCK];
                int[] index = new int[blocks];
                for (int i = 0; i < blocks; i++) {
                    fill(data, i * BLOCK, lba + i, gen);
                    synchronized (history) {
                        history.get(lba + i).add(gen); // sent: it may be on disk from now on
                        index[i] = history.get(lba + i).size() - 1;
                    }
                }
                RawHost.Pdu resp = io.writeBlocks(1, lba, data, BLOCK, 8192, fua ? NvmOpcode.CDW12_FUA : 0);
                if (resp.cqeStatus() != 0) {
                    throw new AssertionError("write failed: status 0x" + Integer.toHexString(resp.cqeStatus()));
                }
                acked++;
                roundAcks.incrementAndGet();
                synchronized (history) {
                    for (int i = 0; i < blocks; i++) {
                        if (fua) {
                            durable[lba + i] = Math.max(durable[lba + i], index[i]);
                        } else {
                            unflushed.add(new int[] {lba + i, index[i]});
                        }
                    }
                }
                if (seq % 6 == 0) {
                    io.capsule(RawHost.sqe(NvmOpcode.FLUSH, ++io.cid, 1), null, false);
                    RawHost.Pdu flushed = io.expect(PduType.CAPSULE_RESP);
                    if (flushed.cqeStatus() != 0) {
                        throw new AssertionError("flush failed: status 0x" + Integer.toHexString(flushed.cqeStatus()));
                    }
                    synchronized (history) {
                        for (int[] u : unflushed) {
                            durable[u[0]] = Math.max(durable[u[0]], u[1]);
                        }
                    }
                    unflushed.clear();
                }
            }
        } catch (IOException killed) {
            return acked; // the target died under us: what was in flight is unacknowledged
        }
    }

    /** Reads every block back and checks it against what may be there; the result is the next round's baseline. */
    private void verify(int port, int round) throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TargetConfig.DEFAULT_NQN, 0);
            io.icReq(false, false);
            assertEquals(0, io.connect(1, 127, cntlid, TargetConfig.DEFAULT_NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            for (int lba = 0; lba < REGION_BLOCKS; lba += 32) {
                Object[] r = io.readBlocks(1, lba, 32, BLOCK);
                if (r[1] != null && ((RawHost.Pdu) r[1]).cqeStatus() != 0) {
                    fail("read at " + lba + " failed: 0x" + Integer.toHexString(((RawHost.Pdu) r[1]).cqeStatus()));
                }
                byte[] data = (byte[]) r[0];
                for (int i = 0; i < 32; i++) {
                    check(round, lba + i, data, i * BLOCK);
                }
            }
        }
    }

    private void check(int round, int lba, byte[] data, int at) {
        long gen = generation(data, at, lba);
        List<Long> written = history.get(lba);
        String where = "after kill " + (round - 1) + ", block " + lba;
        if (durable[lba] >= 0) {
            checkedDurable++;
            List<Long> allowed = written.subList(durable[lba], written.size());
            assertTrue(allowed.contains(gen), where + " holds generation " + Long.toHexString(gen)
                    + ", older than its durable write " + Long.toHexString(written.get(durable[lba])));
        } else {
            assertTrue(gen == baseline[lba] || written.contains(gen), where + " holds generation " + Long.toHexString(gen)
                    + ", never written there (baseline " + Long.toHexString(baseline[lba]) + ")");
        }
        baseline[lba] = gen;
    }

    /** The block's generation, 0 for a never-written (zero) block; fails on a torn or misplaced block. */
    private static long generation(byte[] data, int at, int lba) {
        ByteBuffer b = ByteBuffer.wrap(data, at, BLOCK).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (Arrays.equals(data, at, at + BLOCK, new byte[BLOCK], 0, BLOCK)) {
            return 0;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, at, CRC_OFFSET);
        assertEquals(MAGIC, b.getLong(0), "block " + lba + " is torn or foreign (magic)");
        assertEquals(crc.getValue(), b.getLong(CRC_OFFSET), "block " + lba + " is torn (checksum)");
        assertEquals(lba, b.getLong(8), "block " + lba + " holds another block's data");
        return b.getLong(16);
    }

    /** A self-checking block: magic, lba, generation, payload derived from both, CRC32C of it all. */
    private static void fill(byte[] data, int at, long lba, long gen) {
        ByteBuffer b = ByteBuffer.wrap(data, at, BLOCK).slice().order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, MAGIC).putLong(8, lba).putLong(16, gen);
        long x = lba * 0x9E3779B97F4A7C15L ^ gen;
        for (int off = 24; off < CRC_OFFSET; off += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(off, x);
        }
        CRC32C crc = new CRC32C();
        crc.update(data, at, CRC_OFFSET);
        b.putLong(CRC_OFFSET, crc.getValue());
    }

    /** {@code locus-target --uring FILE:SIZE} in a JVM of its own, killable with SIGKILL. */
    private static final class TargetProcess implements AutoCloseable {
        final Process process;
        final int port;

        private TargetProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static TargetProcess start(Path file, long size, Path log) throws Exception {
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-cp", classpath, "io.locus.target.LocusTargetMain",
                    "--listen", "127.0.0.1:0", "--discovery-port", "0", "--uring", file + ":" + size);
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            StringBuilder banner = new StringBuilder();
            Thread.ofPlatform().daemon(true).name("drill-target-stdout").start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        banner.append(line).append('\n');
                        Matcher m = IO_PORT.matcher(line);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                    }
                } catch (IOException ignored) {
                    // the process died
                }
                port.completeExceptionally(new IOException("target exited before listening"));
            });
            try {
                int bound = port.get(30, TimeUnit.SECONDS);
                assertTrue(banner.toString().contains("uring " + file), "served by the uring backend:\n" + banner);
                return new TargetProcess(p, bound);
            } catch (Exception e) {
                p.destroyForcibly();
                throw new AssertionError("target did not start: " + e + "\n" + banner + readLog(log), e);
            }
        }

        /** SIGKILL: no shutdown hook, no final flush. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        private static String readLog(Path log) {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public void close() {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
