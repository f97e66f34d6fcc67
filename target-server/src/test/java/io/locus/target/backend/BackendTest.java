package io.locus.target.backend;

import io.locus.target.core.PollGroup;
import io.locus.protocol.nvme.Status;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ThreadPinning;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backends complete on the submitting reactor and store what they are given. */
class BackendTest {
    private Reactor reactor;
    private PollGroup completions;

    @BeforeEach
    void start() {
        reactor = new Reactor(ReactorConfig.defaults("test", -1).withIdleMode(IdleMode.ADAPTIVE), ThreadPinning.NONE).start();
        completions = new PollGroup(reactor);
        reactor.addPoller(completions);
    }

    @AfterEach
    void stop() {
        reactor.close();
    }

    /** Submits on the reactor; returns the status, checking the completion ran on the reactor thread. */
    private int run(Backend backend, BackendOp op, long offset, long length, ByteBuf data, boolean fua) throws Exception {
        return run(backend, op, offset, length, data, fua, Long.MAX_VALUE);
    }

    private int run(Backend backend, BackendOp op, long offset, long length, ByteBuf data, boolean fua, long notAfter)
            throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        BackendIo io = new BackendIo(c -> {
            if (!reactor.inReactor()) {
                done.completeExceptionally(new AssertionError("completion off the reactor"));
            } else {
                done.complete(c.status);
            }
        }, completions);
        reactor.execute(() -> {
            io.reset(op, offset, length, data);
            io.fua = fua;
            io.notAfterNanos = notAfter;
            backend.submit(io);
        });
        return done.get(5, TimeUnit.SECONDS);
    }

    private void roundTrip(Backend b) throws Exception {
        byte[] pattern = new byte[3 * 4096];
        new java.util.Random(5).nextBytes(pattern);
        // Straddle a 1 MiB chunk boundary.
        long offset = (1 << 20) - 4096;
        assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, offset, pattern.length, Unpooled.wrappedBuffer(pattern), true));
        ByteBuf read = Unpooled.directBuffer(pattern.length);
        assertEquals(Status.SUCCESS, run(b, BackendOp.READ, offset, pattern.length, read, false));
        byte[] got = new byte[pattern.length];
        read.getBytes(0, got);
        assertArrayEquals(pattern, got);
        assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE_ZEROES, offset, 4096, null, false));
        read.clear();
        assertEquals(Status.SUCCESS, run(b, BackendOp.READ, offset, 4096, read, false));
        for (int i = 0; i < 4096; i++) {
            assertEquals(0, read.getByte(i));
        }
        read.release();
    }

    @Test
    void shouldStoreAndZeroInMemory() throws Exception {
        try (MemoryBackend b = new MemoryBackend(4L << 20)) {
            roundTrip(b);
            assertEquals(1L << 20 << 1, b.bytesInUse(), "only touched chunks are allocated");
        }
    }

    @Test
    void shouldStoreInFileDurablyAndCompleteOnReactor(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ns.img");
        try (FileBackend b = new FileBackend(f, 4L << 20, 2)) {
            roundTrip(b);
            byte[] block = new byte[4096];
            java.util.Arrays.fill(block, (byte) 0x5A);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, 4096, Unpooled.wrappedBuffer(block), false));
            assertEquals(Status.SUCCESS, run(b, BackendOp.FLUSH, 0, 0, null, false));
            assertTrue(completions.remoteCompletions() > 0, "file I/O completes from its pool through the MPSC queue");
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(4096);
            ch.read(first, 0);
            assertEquals(0x5A, first.get(100));
            assertEquals(4L << 20, ch.size());
        }
    }

    @Test
    void shouldNotStartAFileWritePastItsDeadline(@TempDir Path dir) throws Exception {
        try (FileBackend b = new FileBackend(dir.resolve("ns.img"), 1L << 20, 1)) {
            byte[] block = new byte[4096];
            java.util.Arrays.fill(block, (byte) 0x11);
            assertEquals(Status.SUCCESS, run(b, BackendOp.WRITE, 0, 4096, Unpooled.wrappedBuffer(block), false,
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
            java.util.Arrays.fill(block, (byte) 0x22);
            // The controller's keep-alive expired while the write was queued (the process was stopped): not written.
            assertEquals(Status.ABORTED_SQ_DELETION, run(b, BackendOp.WRITE, 0, 4096, Unpooled.wrappedBuffer(block),
                    false, System.nanoTime() - 1));
            ByteBuf read = Unpooled.directBuffer(4096);
            assertEquals(Status.SUCCESS, run(b, BackendOp.READ, 0, 4096, read, false, System.nanoTime() - 1),
                    "reads are not refused");
            assertEquals(0x11, read.getByte(100));
            read.release();
        }
    }

    @Test
    void shouldSayWhyAFileCannotBeCreated(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir").resolve("ns.img");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> new FileBackend(missing, 1 << 20, 1).close());
        assertEquals(missing + " cannot be created: directory " + missing.getParent() + " does not exist", e.getMessage());
    }

    @Test
    void shouldReadZeroesFromNull() throws Exception {
        try (NullBackend b = new NullBackend(1L << 30)) {
            ByteBuf read = Unpooled.buffer(8192);
            read.writeBytes(new byte[] {1, 2, 3});
            read.clear();
            assertEquals(Status.SUCCESS, run(b, BackendOp.READ, 0, 8192, read, false));
            assertEquals(8192, read.readableBytes());
            assertEquals(0, read.getByte(1));
        }
    }
}
