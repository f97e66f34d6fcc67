package io.locus.nativeio.rdma;

import java.nio.ByteBuffer;

/** Off-heap memory for the arrays the C side reads and writes. */
final class OffHeap {
    static final int ALIGNMENT = 64;

    private OffHeap() {
    }

    /** {@code bytes} zeroed bytes of direct memory starting on a cache line (the provider reads it in lines). */
    static ByteBuffer aligned(int bytes) {
        // alignedSlice also rounds the capacity down to whole lines: leave a spare line for the start to move into
        int lines = Math.addExact(bytes, 2 * ALIGNMENT - 1) / ALIGNMENT;
        return ByteBuffer.allocateDirect(Math.multiplyExact(lines, ALIGNMENT)).alignedSlice(ALIGNMENT).limit(bytes).slice();
    }
}
