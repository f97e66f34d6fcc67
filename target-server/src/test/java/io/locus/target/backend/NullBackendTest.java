package io.locus.target.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The null backend serves reads from one zeroed buffer; each read's slice holds and drops its own reference. */
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
    void shouldServeReadsAsSlicesOfOneZeroedBuffer() {
        NullBackend backend = new NullBackend(1L << 30);
        ByteBuf a = backend.constantReadData(4096);
        ByteBuf b = backend.constantReadData(128 * 1024);
        assertNotNull(a);
        assertSame(a.unwrap(), b.unwrap(), "one shared buffer");
        assertEquals(4096, a.readableBytes());
        assertEquals(128 * 1024, b.readableBytes());
        for (int i = 0; i < b.readableBytes(); i++) {
            assertEquals(0, b.getByte(i));
        }
        ByteBuf shared = a.unwrap();
        assertEquals(3, shared.refCnt(), "the backend's reference and one per slice");
        a.release();
        assertEquals(2, shared.refCnt());
        b.release();
        assertEquals(1, shared.refCnt());
        backend.close();
        assertEquals(0, shared.refCnt());
    }

    @Test
    void shouldKeepTheZeroesWhileASliceIsOutAndFailADoubleReleaseOnTheSliceOnly() {
        NullBackend backend = new NullBackend(1L << 30);
        ByteBuf keep = backend.constantReadData(512);
        ByteBuf twice = backend.constantReadData(512);
        ByteBuf shared = keep.unwrap();
        twice.release();
        assertThrows(IllegalReferenceCountException.class, twice::release);
        assertEquals(2, shared.refCnt(), "a double release must not take the shared buffer's references");
        backend.close();
        assertEquals(0, keep.getLong(0), "still readable after the backend closed");
        keep.release();
        assertEquals(0, shared.refCnt());
    }

    @Test
    void shouldLeaveReadsLargerThanTheZeroesToTheRequestsBuffer() {
        NullBackend backend = new NullBackend(1L << 30);
        assertNull(backend.constantReadData(SharedZeroes.BYTES + 4096));
        backend.close();
    }
}
