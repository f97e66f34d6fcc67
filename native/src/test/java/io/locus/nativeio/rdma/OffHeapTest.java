package io.locus.nativeio.rdma;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OffHeapTest {
    @Test
    void shouldGiveEveryRequestedByteOnACacheLineWhateverTheSize() {
        for (int bytes : new int[] {1, 48, 63, 64, 65, 96, 312, 4096, 4097}) {
            ByteBuffer b = OffHeap.aligned(bytes);

            assertEquals(bytes, b.capacity(), "capacity for " + bytes);
            assertEquals(0, MemorySegment.ofBuffer(b).address() % OffHeap.ALIGNMENT, "alignment for " + bytes);
        }
    }
}
