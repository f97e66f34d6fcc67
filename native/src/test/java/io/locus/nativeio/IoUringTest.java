package io.locus.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IoUringTest {
    static void assumeIoUring() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElse("?"));
    }

    private static void describe(MemorySegment d, int index, int opcode, int flags, int fd, long addr, int len, int rwFlags,
                                 long off, long userData) {
        long b = (long) index * IoUring.DESCRIPTOR_LENGTH;
        d.set(ValueLayout.JAVA_BYTE, b + IoUring.DESCRIPTOR_OPCODE_OFFSET, (byte) opcode);
        d.set(ValueLayout.JAVA_BYTE, b + IoUring.DESCRIPTOR_SQE_FLAGS_OFFSET, (byte) flags);
        d.set(ValueLayout.JAVA_SHORT, b + IoUring.DESCRIPTOR_BUF_INDEX_OFFSET, (short) 0);
        d.set(ValueLayout.JAVA_INT, b + IoUring.DESCRIPTOR_FD_OFFSET, fd);
        d.set(ValueLayout.JAVA_LONG, b + IoUring.DESCRIPTOR_ADDR_OFFSET, addr);
        d.set(ValueLayout.JAVA_INT, b + IoUring.DESCRIPTOR_LEN_OFFSET, len);
        d.set(ValueLayout.JAVA_INT, b + IoUring.DESCRIPTOR_RW_FLAGS_OFFSET, rwFlags);
        d.set(ValueLayout.JAVA_LONG, b + IoUring.DESCRIPTOR_OFF_OFFSET, off);
        d.set(ValueLayout.JAVA_LONG, b + IoUring.DESCRIPTOR_USER_DATA_OFFSET, userData);
        d.set(ValueLayout.JAVA_LONG, b + IoUring.DESCRIPTOR_ADDR3_OFFSET, 0);
    }

    /** Enters until {@code expected} completions arrived; returns them as (user_data, res) pairs. */
    private static long[][] reap(IoUring ring, MemorySegment sq, int count, MemorySegment cq, MemorySegment ctl, int expected) {
        long[][] got = new long[expected][];
        int have = 0;
        int toSubmit = count;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (have < expected && System.nanoTime() < deadline) {
            int n = ring.enter(sq.address(), toSubmit, cq.address(), 16, ctl.address());
            toSubmit -= (int) ctl.get(ValueLayout.JAVA_LONG, IoUring.CONTROL_TAKEN_OFFSET);
            for (int i = 0; i < n; i++) {
                long c = (long) i * IoUring.COMPLETION_LENGTH;
                got[have++] = new long[] {cq.get(ValueLayout.JAVA_LONG, c), cq.get(ValueLayout.JAVA_INT, c + IoUring.COMPLETION_RES_OFFSET)};
            }
        }
        assertEquals(expected, have, "completions within 5 s");
        return got;
    }

    @Test
    void shouldWriteSyncAndReadThroughFixedBufferAndFileWhenRegistered(@TempDir Path dir) throws Exception {
        assumeIoUring();
        Path path = dir.resolve("ring.img");
        long buffer = IoUring.map(8192);
        try (IoUring ring = IoUring.create(8, 0);
             NativeFile file = NativeFile.open(path, NativeFile.O_RDWR | NativeFile.O_CREAT, 0644);
             Arena arena = Arena.ofConfined()) {
            assertEquals(0, ring.registerBuffer(buffer, 8192));
            assertEquals(0, ring.registerFilesSparse(4));
            assertEquals(0, ring.updateFile(2, file.fd()));
            MemorySegment mem = MemorySegment.ofAddress(buffer).reinterpret(8192);
            for (int i = 0; i < 4096; i++) {
                mem.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            }
            MemorySegment sq = arena.allocate(4 * IoUring.DESCRIPTOR_LENGTH, 8);
            MemorySegment cq = arena.allocate(16 * IoUring.COMPLETION_LENGTH, 8);
            MemorySegment ctl = arena.allocate(IoUring.CONTROL_LENGTH, 8);

            describe(sq, 0, IoUring.OP_WRITE_FIXED, IoUring.SQE_FIXED_FILE, 2, buffer, 4096, IoUring.RWF_DSYNC, 8192, 41);
            long[][] w = reap(ring, sq, 1, cq, ctl, 1);
            assertEquals(41, w[0][0]);
            assertEquals(4096, w[0][1]);

            describe(sq, 0, IoUring.OP_FSYNC, IoUring.SQE_FIXED_FILE, 2, 0, 0, IoUring.FSYNC_DATASYNC, 0, 42);
            describe(sq, 1, IoUring.OP_READ_FIXED, IoUring.SQE_FIXED_FILE, 2, buffer + 4096, 4096, 0, 8192, 43);
            long[][] r = reap(ring, sq, 2, cq, ctl, 2);
            for (long[] c : r) {
                assertEquals(c[0] == 42 ? 0 : 4096, c[1], "completion " + c[0]);
            }
            assertEquals(mem.asSlice(0, 4096).mismatch(mem.asSlice(4096, 4096)), -1L, "read back what was written");
        } finally {
            IoUring.unmap(buffer, 8192);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, 8192);
            assertEquals((byte) (100 * 7), b.get(100));
        }
    }

    @Test
    void shouldAskForSingleIssuerAndDeferredTaskRunWhenKernelHasThem() {
        assumeIoUring();
        try (IoUring ring = IoUring.create(8, 16)) {
            // Linux 6.1 and later accept both; older kernels get a ring without them, never an error.
            int flags = ring.setupFlags();
            if ((flags & IoUring.SETUP_DEFER_TASKRUN) != 0) {
                assertTrue((flags & IoUring.SETUP_SINGLE_ISSUER) != 0);
            }
            assertTrue(ring.supports(IoUring.OP_READ_FIXED));
            assertFalse(ring.supports(63));
        }
    }

    @Test
    void shouldNameTheCulpritWhenSetupFails() {
        assertEquals("io_uring_setup failed: EPERM (1) (kernel.io_uring_disabled = 2)", IoUring.explainSetupFailure(1, "2"));
        assertTrue(IoUring.explainSetupFailure(38, "0").contains("seccomp"));
        assertTrue(IoUring.explainSetupFailure(1, "0").contains("seccomp"));
    }

    @Test
    void shouldReportSizeTypeAndDirectAlignmentWhenFileOpened(@TempDir Path dir) throws Exception {
        assumeIoUring();
        try (NativeFile f = NativeFile.open(dir.resolve("a.img"), NativeFile.O_RDWR | NativeFile.O_CREAT, 0644)) {
            f.truncate(1 << 20);
            assertEquals(1 << 20, f.size());
            assertEquals(NativeFile.Type.REGULAR, f.type());
            f.fdatasync();
            long align = f.directIoAlignment();
            assertTrue(align == 0 || (int) align >= 0, "alignment is a pair of non-negative numbers");
        }
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> NativeFile.open(dir.resolve("missing/x"), NativeFile.O_RDWR, 0));
        assertEquals(-Errno.ENOENT, NativeFile.errno(e));
    }
}
