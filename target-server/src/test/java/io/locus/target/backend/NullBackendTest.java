package io.locus.target.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The null backend serves reads from shared zeroed buffers, one per thread; each read's slice holds and drops its own reference. */
class NullBackendTest {
    private ResourceLeakDetector.Level leakLevel;

    /** The build's paranoid leak detection wraps every buffer, and the wrappers hide a slice's parent. */
    @BeforeEach
    void plainBuffers() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @Test
    void shouldServeReadsOfEveryNullBackendOnAThreadAsSlicesOfOneZeroedBuffer() {
        NullBackend backend = new NullBackend(1L << 30);
        NullBackend other = new NullBackend(1L << 20);
        ByteBuf a = backend.constantReadData(4096);
        ByteBuf b = other.constantReadData(128 * 1024);
        assertNotNull(a);
        assertSame(a.unwrap(), b.unwrap(), "one shared buffer");
        assertEquals(4096, a.readableBytes());
        assertEquals(128 * 1024, b.readableBytes());
        for (int i = 0; i < b.readableBytes(); i++) {
            assertEquals(0, b.getByte(i));
        }
        assertTrue(SharedZeroes.holds(a) && SharedZeroes.holds(b), "a transport may send them from the zeroes' memory");
        ByteBuf elsewhere = Unpooled.directBuffer(4096).writeZero(4096);
        assertFalse(SharedZeroes.holds(elsewhere), "zeroes elsewhere are not them");
        elsewhere.release();
        ByteBuf shared = a.unwrap();
        int held = shared.refCnt();
        a.release();
        assertEquals(held - 1, shared.refCnt(), "each slice holds a reference of its own");
        b.release();
        backend.close();
        other.close();
        assertEquals(held - 2, shared.refCnt(), "closing a backend leaves the process's zeroes alone");
        assertTrue(shared.refCnt() > 0);
    }

    /**
     * Reactors must not take turns on one reference count: each thread's reads slice zeroes of their own, which any
     * thread still tells apart from other memory (RDMA sends them from the registered zeroes).
     */
    @Test
    void shouldGiveEachThreadZeroesOfItsOwnSoReadsOnTwoReactorsShareNoReferenceCount() throws Exception {
        NullBackend backend = new NullBackend(1L << 30);
        ByteBuf here = backend.constantReadData(4096);
        ByteBuf[] there = new ByteBuf[1];
        int[] hereCountSeenThere = new int[1];
        Thread other = new Thread(() -> {
            there[0] = backend.constantReadData(4096);
            hereCountSeenThere[0] = here.unwrap().refCnt();
        });
        int hereCount = here.unwrap().refCnt();
        other.start();
        other.join();
        assertNotSame(here.unwrap(), there[0].unwrap(), "each thread slices zeroes of its own");
        assertEquals(hereCount, hereCountSeenThere[0], "another thread's read leaves this thread's count alone");
        assertTrue(SharedZeroes.holds(here) && SharedZeroes.holds(there[0]), "either thread's zeroes are known as zeroes");
        assertEquals(0, there[0].getLong(there[0].readableBytes() - 8));
        there[0].release(); // a slice may be released on another thread than the one that read
        here.release();
        ByteBuf large = backend.constantReadData(SharedZeroes.LOCAL_BYTES + 4096);
        assertTrue(SharedZeroes.holds(large), "reads above a thread's zeroes slice the process's");
        large.release();
        backend.close();
    }

    @Test
    void shouldFailADoubleReleaseOnTheSliceOnly() {
        NullBackend backend = new NullBackend(1L << 30);
        ByteBuf keep = backend.constantReadData(512);
        ByteBuf twice = backend.constantReadData(512);
        ByteBuf shared = keep.unwrap();
        int held = shared.refCnt();
        twice.release();
        assertThrows(IllegalReferenceCountException.class, twice::release);
        assertEquals(held - 1, shared.refCnt(), "a double release must not take the shared buffer's references");
        backend.close();
        assertEquals(0, keep.getLong(0), "still readable after the backend closed");
        keep.release();
    }

    @Test
    void shouldLeaveReadsLargerThanTheZeroesToTheRequestsBuffer() {
        NullBackend backend = new NullBackend(1L << 30);
        assertNull(backend.constantReadData(SharedZeroes.BYTES + 4096));
        backend.close();
    }
}
