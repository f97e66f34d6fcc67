package io.locus.target.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The process's one zeroed direct buffer, which reads of zeroes share (SPDK's null bdev reads from one shared zero
 * buffer too): each read gets a slice of it holding its own reference. The slices are the pooled allocator's
 * recycled derived buffers: nothing is allocated or zeroed per read. The buffer is made once and never freed, so a
 * transport may register its memory with a device once ({@link #memory}) and send any slice from there without a
 * copy ({@link #holds}).
 *
 * <p>Read-only by construction of its users, not by type: Netty's read-only views allocate a wrapper per slice,
 * which is what this class exists to avoid. Nothing in the target writes into a read's data once the backend has
 * filled it (transports send headers beside the data). A slice released twice fails on its own count and cannot
 * free the shared memory.
 */
public final class SharedZeroes {
    /** Reads up to this size share the zeroes; a larger one gets a buffer of its own (rare: above the usual MDTS). */
    public static final int BYTES = 1 << 20;

    private static final ByteBuf ZEROES = allocate();
    /** The zeroes' address, or 0 where Netty gives no memory addresses (then {@link #holds} is always false). */
    private static final long ADDRESS = ZEROES.hasMemoryAddress() ? ZEROES.memoryAddress() : 0;

    private SharedZeroes() {
    }

    private static ByteBuf allocate() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(BYTES, BYTES);
        b.setZero(0, BYTES);
        b.writerIndex(BYTES);
        return b;
    }

    /** {@code length} zero bytes to send, one reference the caller releases; null when longer than the zeroes. */
    public static ByteBuf slice(int length) {
        return length <= BYTES ? ZEROES.retainedSlice(0, length) : null;
    }

    /**
     * Whether {@code buf}'s readable bytes lie in the shared zeroes, so that a transport may send them from
     * {@link #memory} (whose every byte is zero) instead of copying them; false for any other buffer.
     */
    public static boolean holds(ByteBuf buf) {
        if (ADDRESS == 0 || !buf.hasMemoryAddress()) {
            return false;
        }
        long at = buf.memoryAddress() + buf.readerIndex();
        return at >= ADDRESS && at + buf.readableBytes() <= ADDRESS + BYTES;
    }

    /** All {@link #BYTES} zeroes as one buffer, to register with a device (never written to, never freed). */
    public static ByteBuffer memory() {
        return ZEROES.nioBuffer(0, BYTES);
    }

    /** The address of {@link #memory}'s first byte. */
    public static long address() {
        return MemorySegment.ofBuffer(memory()).address();
    }
}
