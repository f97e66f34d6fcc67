package io.locus.target.backend;

import io.locus.target.core.PollGroup;
import io.locus.nativeio.IoUring;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ThreadPinning;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The io_uring backend stores what it is given and completes every request on the reactor that submitted it. */
class UringBackendTest {
    private static final int BLOCK = 4096;

    private Reactor reactor;
    private PollGroup completions;

    @BeforeEach
    void start() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElse("?"));
        reactor = newReactor("uring-test");
        completions = new PollGroup(reactor);
        reactor.addPoller(completions);
    }

    @AfterEach
    void stop() {
        if (reactor != null) {
            reactor.close();
        }
    }

    private static Reactor newReactor(String name) {
        return new Reactor(ReactorConfig.defaults(name, -1).withIdleMode(IdleMode.ADAPTIVE), ThreadPinning.NONE).start();
    }

    /** Submits on the reactor and waits; fails when the completion runs anywhere but that reactor's thread. */
    private static int run(Reactor r, PollGroup c, Backend backend, BackendOp op, long offset, long length, ByteBuf data,
                           boolean fua) throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        BackendIo io = new BackendIo(x -> {
            if (!r.inReactor()) {
                done.completeExceptionally(new AssertionError("completion off the reactor"));
            } else {
                done.complete(x.status);
            }
        }, c);
        r.execute(() -> {
            io.reset(op, offset, length, data);
            io.fua = fua;
            backend.submit(io);
        });
        return done.get(10, TimeUnit.SECONDS);
    }

    private int run(Backend backend, BackendOp op, long offset, long length, ByteBuf data, boolean fua) throws Exception {
        return run(reactor, completions, backend, op, offset, length, data, fua);
    }

    private int deallocate(Backend backend, long... pairs) throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        BackendIo io = new BackendIo(x -> done.complete(x.status), completions);
        reactor.execute(() -> {
            io.reset(BackendOp.DEALLOCATE, 0, 0, null);
            System.arraycopy(pairs, 0, io.ranges, 0, pairs.length);
            io.rangeCount = pairs.length / 2;
            backend.submit(io);
        });
        return done.get(10, TimeUnit.SECONDS);
    }

    private byte[] read(Backend b, long offset, int length) throws Exception {
        // A pooled direct buffer with headroom, as the TCP transport reads into: unaligned for O_DIRECT on purpose.
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(160 + length);
        try {
            buf.writerIndex(160).readerIndex(160);
            assertEquals(Status.SUCCESS, run(b, BackendOp.READ, offset, length, buf, false));
            assertEquals(length, buf.readableBytes());
            byte[] out = new byte[length];
            buf.getBytes(160, out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static byte[] random(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] fileBytes(Path f, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, offset);
            return b.array();
        }
    }

    private void roundTrip(Backend b) throws Exception {
        byte[] pattern = random(3 * BLOCK, 5);
        long offset = (1 << 20) - BLOCK;
        assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, offset, pattern.length, Unpooled.wrappedBuffer(pattern), true));
        assertArrayEquals(pattern, read(b, offset, pattern.length));
        assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, offset, BLOCK, null, true));
        byte[] after = read(b, offset, pattern.length);
        assertArrayEquals(new byte[BLOCK], java.util.Arrays.copyOfRange(after, 0, BLOCK));
        assertArrayEquals(java.util.Arrays.copyOfRange(pattern, BLOCK, 3 * BLOCK), java.util.Arrays.copyOfRange(after, BLOCK, 3 * BLOCK));
        assertEquals(Status.SUCCESS, run(b, BackendOp.FLUSH, 0, 0, null, false));
    }

    @Test
    void shouldStoreDirectlyAndCompleteOnHomeReactorWhenBlocksAreAligned(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ns.img");
        try (UringBackend b = new UringBackend(f, 4L << 20, BLOCK, true)) {
            assertTrue(b.direct(), "ext4/xfs with 4 KiB blocks take O_DIRECT: " + b.describe());
            assertTrue(b.describe().contains("O_DIRECT"));
            assertTrue(b.volatileWriteCache(), "a file needs fdatasync even with O_DIRECT");
            assertTrue(b.deallocateReadsZeroes());
            roundTrip(b);
            assertEquals(0, completions.remoteCompletions(), "completions are reaped on the submitting reactor");
            assertEquals(5, completions.localCompletions(), "write, read, write zeroes, read, flush");
        }
        assertEquals(4L << 20, Files.size(f));
        byte[] pattern = random(3 * BLOCK, 5);
        assertArrayEquals(java.util.Arrays.copyOfRange(pattern, BLOCK, 3 * BLOCK), fileBytes(f, 1 << 20, 2 * BLOCK));
    }

    @Test
    void shouldStoreThroughPageCacheWhenDirectIsNotRequested(@TempDir Path dir) throws Exception {
        try (UringBackend b = new UringBackend(dir.resolve("ns.img"), 4L << 20, 512, false)) {
            assertFalse(b.direct());
            assertTrue(b.describe().contains("buffered"));
            assertTrue(b.volatileWriteCache());
            roundTrip(b);
            byte[] odd = random(512, 9);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 512 * 3, 512, Unpooled.wrappedBuffer(odd), false));
            assertArrayEquals(odd, read(b, 512 * 3, 512));
        }
    }

    @Test
    void shouldMoveTransfersLargerThanAPoolBufferInChunks(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("big.img");
        try (UringBackend b = new UringBackend(f, 8L << 20, BLOCK, true)) {
            byte[] data = random(1 << 20, 11); // eight of the largest pool buffers
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 1 << 20, data.length, Unpooled.wrappedBuffer(data), false));
            assertArrayEquals(data, read(b, 1 << 20, data.length));
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, 1 << 20, 1 << 20, null, false));
            assertArrayEquals(new byte[1 << 20], read(b, 1 << 20, 1 << 20));
        }
    }

    @Test
    void shouldDeallocateToZeroesWhenFile(@TempDir Path dir) throws Exception {
        try (UringBackend b = new UringBackend(dir.resolve("d.img"), 4L << 20, BLOCK, true)) {
            byte[] data = random(8 * BLOCK, 3);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, data.length, Unpooled.wrappedBuffer(data), false));
            assertEquals(Status.SUCCESS, deallocate(b, BLOCK, BLOCK, 4 * BLOCK, 2 * BLOCK));
            byte[] got = read(b, 0, data.length);
            for (int blk = 0; blk < 8; blk++) {
                boolean gone = blk == 1 || blk == 4 || blk == 5;
                byte[] expect = gone ? new byte[BLOCK] : java.util.Arrays.copyOfRange(data, blk * BLOCK, (blk + 1) * BLOCK);
                assertArrayEquals(expect, java.util.Arrays.copyOfRange(got, blk * BLOCK, (blk + 1) * BLOCK), "block " + blk);
            }
        }
    }

    @Test
    void shouldWriteZeroesByWritingWhenFilesystemLacksZeroRange() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm (tmpfs) here");
        Path f = Files.createTempFile(shm, "locus-uring-", ".img");
        try (UringBackend b = new UringBackend(f, 2L << 20, BLOCK, true)) {
            byte[] data = random(4 * BLOCK, 4);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, data.length, Unpooled.wrappedBuffer(data), false));
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, BLOCK, 2 * BLOCK, null, true));
            assertFalse(b.zeroRangeSupported(), "tmpfs has no fallocate(ZERO_RANGE)");
            byte[] got = read(b, 0, data.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, BLOCK), java.util.Arrays.copyOfRange(got, 0, BLOCK));
            assertArrayEquals(new byte[2 * BLOCK], java.util.Arrays.copyOfRange(got, BLOCK, 3 * BLOCK));
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, 3 * BLOCK, BLOCK, null, false));
            assertArrayEquals(new byte[BLOCK], read(b, 3 * BLOCK, BLOCK), "the learned fallback is taken directly");
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void shouldQueueRequestsWhenSlotsAndBuffersRunOut(@TempDir Path dir) throws Exception {
        try (UringBackend b = new UringBackend(dir.resolve("q.img"), 64L << 20, BLOCK, true)) {
            int count = UringRing.ENTRIES + 200; // more than the slots, and far more 128 KiB writes than big buffers
            int length = 128 * 1024;
            byte[] data = random(length, 8);
            AtomicInteger ok = new AtomicInteger();
            CompletableFuture<Void> all = new CompletableFuture<>();
            List<BackendIo> ios = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ios.add(new BackendIo(x -> {
                    if (x.status == Status.SUCCESS && ok.incrementAndGet() == count) {
                        all.complete(null);
                    } else if (x.status != Status.SUCCESS) {
                        all.completeExceptionally(new AssertionError("status " + x.status));
                    }
                }, completions));
            }
            reactor.execute(() -> {
                for (int i = 0; i < count; i++) {
                    BackendIo io = ios.get(i);
                    io.reset(BackendOp.WRITE, (long) (i % 400) * length, length, Unpooled.wrappedBuffer(data));
                    b.submit(io);
                }
            });
            all.get(30, TimeUnit.SECONDS);
            assertArrayEquals(data, read(b, 399L * length, length));
        }
    }

    @Test
    void shouldFinishRequestsInFlightWhenNamespaceClosesUnderLoad(@TempDir Path dir) throws Exception {
        UringBackend b = new UringBackend(dir.resolve("c.img"), 16L << 20, BLOCK, true);
        int count = 200;
        AtomicInteger finished = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        List<BackendIo> ios = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ios.add(new BackendIo(x -> {
                if (finished.incrementAndGet() == count) {
                    all.complete(null);
                }
            }, completions));
        }
        CompletableFuture<Void> submitted = new CompletableFuture<>();
        reactor.execute(() -> {
            for (int i = 0; i < count; i++) {
                ios.get(i).reset(BackendOp.WRITE, (long) i * 64 * 1024, 64 * 1024, Unpooled.wrappedBuffer(random(64 * 1024, i)));
                b.submit(ios.get(i));
            }
            submitted.complete(null);
        });
        submitted.get(10, TimeUnit.SECONDS);
        b.close();
        all.get(10, TimeUnit.SECONDS);
        for (BackendIo io : ios) {
            assertEquals(Status.SUCCESS, io.status, "drained before the file went away");
        }
    }

    @Test
    void shouldShareOneRingPerReactorAndReuseItsRegistrationWhenTwoNamespaces(@TempDir Path dir) throws Exception {
        int before = UringRings.live();
        try (UringBackend a = new UringBackend(dir.resolve("a.img"), 1L << 20, BLOCK, true);
             UringBackend b = new UringBackend(dir.resolve("b.img"), 1L << 20, BLOCK, true)) {
            assertEquals(Status.SUCCESS, run(a, BackendOp.WRITE, 0, BLOCK, Unpooled.wrappedBuffer(random(BLOCK, 1)), false));
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, BLOCK, Unpooled.wrappedBuffer(random(BLOCK, 2)), false));
            assertEquals(before + 1, UringRings.live(), "one ring for the reactor, whatever the namespaces");
            assertArrayEquals(random(BLOCK, 2), read(b, 0, BLOCK));
            assertArrayEquals(random(BLOCK, 1), read(a, 0, BLOCK));
            assertEquals(1.0, UringRings.registrationReuseHitRate(), "every data I/O used the one registration");
        }
        assertEquals(before, UringRings.live(), "the ring goes with its last namespace");
    }

    @Test
    void shouldCompleteOnEachSubmittingReactorWhenSeveralShareANamespace(@TempDir Path dir) throws Exception {
        Reactor other = newReactor("uring-test-2");
        PollGroup otherCompletions = new PollGroup(other);
        other.addPoller(otherCompletions);
        try (UringBackend b = new UringBackend(dir.resolve("s.img"), 1L << 20, BLOCK, true)) {
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, BLOCK, Unpooled.wrappedBuffer(random(BLOCK, 6)), false));
            assertEquals(Status.SUCCESS, run(other, otherCompletions, b, BackendOp.WRITE, BLOCK, BLOCK,
                    Unpooled.wrappedBuffer(random(BLOCK, 7)), false));
            assertEquals(0, completions.remoteCompletions() + otherCompletions.remoteCompletions());
            assertEquals(1, otherCompletions.localCompletions());
            assertArrayEquals(random(BLOCK, 7), read(b, BLOCK, BLOCK));
        } finally {
            other.close();
        }
    }

    @Test
    void shouldServeWithFileBackendWhenIoUringIsUnavailable(@TempDir Path dir) throws Exception {
        try (Backend b = UringBackend.open(dir.resolve("f.img"), 1L << 20, BLOCK, 1, Optional.of("disabled for the test"), true)) {
            assertInstanceOf(FileBackend.class, b);
            roundTrip(b);
        }
    }

    @Test
    void shouldChooseBufferedWhenBlockSizeMissesDirectAlignment() {
        assertNull(UringBackend.directProblem((512L << 32) | 512, 512));
        assertNull(UringBackend.directProblem((4L << 32) | 512, 4096));
        assertEquals("block size 512 is not a multiple of the O_DIRECT alignment 4096",
                UringBackend.directProblem((4096L << 32) | 4096, 512));
        assertEquals("the file does not support O_DIRECT", UringBackend.directProblem(1L << 32, 4096));
        assertNull(UringBackend.directProblem(0, 4096), "unknown alignment: 4 KiB blocks are safe");
        assertTrue(UringBackend.directProblem(0, 512) != null);
    }

    @Test
    void shouldRefuseToCreateAFileWithoutASize(@TempDir Path dir) {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new UringBackend(dir.resolve("none.img"), 0, BLOCK, true));
        assertTrue(e.getMessage().contains("no size was given"));
    }

    @Test
    void shouldDiscardAndReportDeviceCacheWhenBlockDevice(@TempDir Path dir) throws Exception {
        Path backing = dir.resolve("loop.img");
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), (8L << 20) - 1);
        }
        String device = LoopDevice.attach(backing);
        assumeTrue(device != null, "no loop device here (needs root and losetup)");
        try (UringBackend b = new UringBackend(Path.of(device), 0, BLOCK, true)) {
            assertEquals(8L << 20, b.size(), "a block device's size comes from BLKGETSIZE64");
            assertFalse(b.deallocateReadsZeroes(), "discard leaves what the device leaves");
            String cache = Files.readString(Path.of("/sys/block/" + Path.of(device).getFileName() + "/queue/write_cache")).trim();
            assertEquals(!cache.equals("write through"), b.volatileWriteCache(), "reported as the queue says: " + cache);
            byte[] data = random(4 * BLOCK, 12);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, data.length, Unpooled.wrappedBuffer(data), true));
            assertArrayEquals(data, read(b, 0, data.length));
            assertEquals(Status.SUCCESS, deallocate(b, 0, 2 * BLOCK));
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, 2 * BLOCK, BLOCK, null, false));
            assertArrayEquals(new byte[BLOCK], read(b, 2 * BLOCK, BLOCK));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 3 * BLOCK, 4 * BLOCK), read(b, 3 * BLOCK, BLOCK));
            assertEquals(Status.SUCCESS, run(b, BackendOp.FLUSH, 0, 0, null, false));
        } finally {
            LoopDevice.detach(device);
        }
    }

    /** losetup, for the block-device test; null where it cannot run. */
    private static final class LoopDevice {
        static String attach(Path file) {
            try {
                Process p = new ProcessBuilder("losetup", "-f", "--show", file.toString()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.startsWith("/dev/loop") ? out : null;
            } catch (IOException | InterruptedException e) {
                return null;
            }
        }

        static void detach(String device) throws Exception {
            new ProcessBuilder("losetup", "-d", device).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
