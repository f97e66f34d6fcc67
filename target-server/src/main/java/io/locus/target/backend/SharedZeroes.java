package io.locus.target.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * One zeroed direct buffer that reads share: each read gets a slice of it holding its own reference, so the memory
 * lives until the last slice sent is released, whatever order the backend closes in. The slices are the pooled
 * allocator's recycled derived buffers: nothing is allocated or zeroed per read.
 *
 * <p>Read-only by construction of its users, not by type: Netty's read-only views allocate a wrapper per slice,
 * which is what this class exists to avoid. Nothing in the target writes into a read's data once the backend has
 * filled it (transports send headers beside the data). A slice released twice fails on its own count and cannot
 * free the shared memory.
 */
final class SharedZeroes {
    /** Reads up to this size share the zeroes; a larger one gets a buffer of its own (rare: above the usual MDTS). */
    static final int BYTES = 1 << 20;

    private final ByteBuf zeroes;

    SharedZeroes() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(BYTES, BYTES);
        b.setZero(0, BYTES);
        b.writerIndex(BYTES);
        zeroes = b;
    }

    /** {@code length} zero bytes to send, one reference the caller releases; null when longer than the zeroes. */
    ByteBuf slice(int length) {
        return length <= BYTES ? zeroes.retainedSlice(0, length) : null;
    }

    /** Drops this object's reference; slices still out keep the memory until they are released. */
    void close() {
        zeroes.release();
    }
}
