package io.locus.target.backend;

import io.locus.nativeio.IoUring;
import io.netty.buffer.ByteBuf;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Page-aligned I/O buffers of one ring, carved in size classes out of one anonymous mapping that the ring registers
 * once as fixed buffer 0: every READ_FIXED/WRITE_FIXED of every request reuses that one registration. The requests'
 * own data buffers (Netty, at arbitrary addresses) are copied to and from these, which is what makes O_DIRECT's
 * alignment hold for any transport. The last {@link #ZERO_LENGTH} bytes stay zero: the source of Write Zeroes done
 * by writing.
 *
 * <p>Single-threaded: only the owning reactor acquires and releases.
 */
final class UringBufferPool implements AutoCloseable {
    static final int PAGE = 4096;
    /** Size classes: many small buffers for 4 KiB I/O, a few large ones for streaming. */
    static final int[] CLASS_SIZES = {4096, 32 * 1024, 128 * 1024};
    static final int[] CLASS_COUNTS = {256, 32, 16};
    static final int ZERO_LENGTH = 128 * 1024;

    private final long base;
    private final long length;
    private final ByteBuffer view;
    private final int[] classSizes;
    private final int[] offsets;
    private final int[] capacities;
    private final int[] classOf;
    private final int[][] free;
    private final int[] freeTop;
    private final int zeroOffset;
    private boolean closed;

    UringBufferPool() {
        this(CLASS_SIZES, CLASS_COUNTS);
    }

    UringBufferPool(int[] sizes, int[] counts) {
        int total = 0;
        long bytes = 0;
        for (int c = 0; c < sizes.length; c++) {
            if (sizes[c] % PAGE != 0 || (c > 0 && sizes[c] <= sizes[c - 1])) {
                throw new IllegalArgumentException("size classes must be increasing multiples of " + PAGE);
            }
            total += counts[c];
            bytes += (long) sizes[c] * counts[c];
        }
        this.zeroOffset = Math.toIntExact(bytes);
        this.length = bytes + ZERO_LENGTH;
        this.base = IoUring.map(length); // anonymous memory is zero-filled, the zero region included
        this.view = MemorySegment.ofAddress(base).reinterpret(length).asByteBuffer();
        this.classSizes = sizes.clone();
        this.offsets = new int[total];
        this.capacities = new int[total];
        this.classOf = new int[total];
        this.free = new int[sizes.length][];
        this.freeTop = new int[sizes.length];
        int handle = 0;
        int offset = 0;
        for (int c = 0; c < sizes.length; c++) {
            free[c] = new int[counts[c]];
            for (int i = 0; i < counts[c]; i++) {
                offsets[handle] = offset;
                capacities[handle] = sizes[c];
                classOf[handle] = c;
                free[c][freeTop[c]++] = handle;
                offset += sizes[c];
                handle++;
            }
        }
    }

    /**
     * A free buffer for a transfer of {@code length} bytes: the smallest class that holds it, else a larger one, else
     * the largest free (the caller then moves the transfer in chunks). -1 when nothing fits.
     */
    int acquire(long length) {
        int classes = free.length;
        int first = classes - 1;
        for (int c = 0; c < classes; c++) {
            if (classSizes[c] >= length) {
                first = c;
                break;
            }
        }
        for (int c = first; c < classes; c++) {
            if (freeTop[c] > 0) {
                return free[c][--freeTop[c]];
            }
        }
        return -1;
    }

    void release(int handle) {
        int c = classOf[handle];
        free[c][freeTop[c]++] = handle;
    }

    long address(int handle) {
        return base + offsets[handle];
    }

    int capacity(int handle) {
        return capacities[handle];
    }

    long zeroAddress() {
        return base + zeroOffset;
    }

    int zeroLength() {
        return ZERO_LENGTH;
    }

    long base() {
        return base;
    }

    long length() {
        return length;
    }

    /** Copies {@code length} bytes from buffer {@code handle} into {@code dst} at {@code dstIndex}. */
    void copyOut(int handle, int from, ByteBuf dst, int dstIndex, int length) {
        int start = offsets[handle] + from;
        view.clear();
        view.position(start).limit(start + length);
        dst.setBytes(dstIndex, view);
    }

    /** Copies {@code length} bytes of {@code src} at {@code srcIndex} into buffer {@code handle}. */
    void copyIn(ByteBuf src, int srcIndex, int handle, int length) {
        int start = offsets[handle];
        view.clear();
        view.position(start).limit(start + length);
        src.getBytes(srcIndex, view);
    }

    /** Free buffers, all classes together (tests). */
    int available() {
        int n = 0;
        for (int top : freeTop) {
            n += top;
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            IoUring.unmap(base, length);
        }
    }
}
