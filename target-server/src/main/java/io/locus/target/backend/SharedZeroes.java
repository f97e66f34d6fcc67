package io.locus.target.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Zeroed direct memory that reads of zeroes share (SPDK's null bdev reads from one shared zero buffer too): each read
 * gets a slice holding its own reference. The slices are the pooled allocator's recycled derived buffers: nothing is
 * allocated or zeroed per read.
 *
 * <p>A slice's reference is an atomic add on its parent's count, so each thread slices a zeroed buffer of its own
 * ({@link #LOCAL_BYTES}, made at its first read): with one parent for the whole process, every reactor's reads would
 * take turns on that count's cache line, two atomic adds per read, which is what stops a target scaling with its
 * reactors. Larger reads slice the process's one 1 MiB buffer, which is made once and never freed, so a transport may
 * register its memory with a device once ({@link #memory}); since every byte of every zeroed buffer is zero, it may
 * send any slice {@link #holds} accepts from there without a copy.
 *
 * <p>Read-only by construction of its users, not by type: Netty's read-only views allocate a wrapper per slice,
 * which is what this class exists to avoid. Nothing in the target writes into a read's data once the backend has
 * filled it (transports send headers beside the data). A slice released twice fails on its own count and cannot
 * free the zeroes. The buffers are never freed: one per thread that reads zeroes (the reactors), for the process.
 */
public final class SharedZeroes {
    /** Reads up to this size share the zeroes; a larger one gets a buffer of its own (rare: above the usual MDTS). */
    public static final int BYTES = 1 << 20;
    /** Reads up to this size slice their thread's own zeroes (128 KiB: the usual MDTS, and every 4 KiB read). */
    public static final int LOCAL_BYTES = 128 * 1024;

    private static final ByteBuf ZEROES = allocate(BYTES);
    /** The zeroes' address, or 0 where Netty gives no memory addresses (then {@link #holds} is always false). */
    private static final long ADDRESS = ZEROES.hasMemoryAddress() ? ZEROES.memoryAddress() : 0;
    /** Each thread's own zeroes, made at its first read. */
    private static final FastThreadLocal<ByteBuf> LOCAL = new FastThreadLocal<>() {
        @Override
        protected ByteBuf initialValue() {
            return local();
        }
    };
    /** The addresses of the threads' own zeroes, for {@link #holds} (replaced whole when a thread adds its own). */
    private static volatile long[] localAddresses = new long[0];

    private SharedZeroes() {
    }

    private static ByteBuf allocate(int bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes, bytes);
        b.setZero(0, bytes);
        b.writerIndex(bytes);
        return b;
    }

    private static ByteBuf local() {
        if (ADDRESS == 0) {
            return ZEROES; // no addresses to tell the zeroes by: one buffer, as before
        }
        ByteBuf b = allocate(LOCAL_BYTES);
        synchronized (SharedZeroes.class) {
            long[] known = localAddresses;
            long[] more = Arrays.copyOf(known, known.length + 1);
            more[known.length] = b.memoryAddress();
            localAddresses = more;
        }
        return b;
    }

    /**
     * {@code length} zero bytes to send, one reference the caller releases (on any thread); null when longer than the
     * zeroes.
     */
    public static ByteBuf slice(int length) {
        if (length <= LOCAL_BYTES) {
            return LOCAL.get().retainedSlice(0, length);
        }
        return length <= BYTES ? ZEROES.retainedSlice(0, length) : null;
    }

    /**
     * Whether {@code buf}'s readable bytes lie in zeroes of this class (the process's or a thread's own), so that a
     * transport may send them from {@link #memory} (whose every byte is zero) instead of copying them; false for any
     * other buffer. Any thread.
     */
    public static boolean holds(ByteBuf buf) {
        if (ADDRESS == 0 || !buf.hasMemoryAddress()) {
            return false;
        }
        long at = buf.memoryAddress() + buf.readerIndex();
        long end = at + buf.readableBytes();
        if (at >= ADDRESS && end <= ADDRESS + BYTES) {
            return true;
        }
        for (long local : localAddresses) {
            if (at >= local && end <= local + LOCAL_BYTES) {
                return true;
            }
        }
        return false;
    }

    /**
     * The process's {@link #BYTES} zeroes as one buffer, to register with a device (never written to, never freed);
     * any slice {@link #holds} accepts may be sent from its start instead.
     */
    public static ByteBuffer memory() {
        return ZEROES.nioBuffer(0, BYTES);
    }

    /** The address of {@link #memory}'s first byte. */
    public static long address() {
        return MemorySegment.ofBuffer(memory()).address();
    }
}
