package io.locus.target.backend;

import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Off-heap memory namespace, allocated lazily in 1 MiB chunks on first write so a large namespace costs nothing until
 * used; unwritten and deallocated chunks read as zeroes. Completes inline on the submitting reactor.
 */
public final class MemoryBackend implements Backend {
    static final int CHUNK_SHIFT = 20;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;

    /** The whole address space, for copies to and from Netty's direct buffers by address (needs native access). */
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final long size;
    private final Arena arena = Arena.ofShared();
    private final AtomicReferenceArray<MemorySegment> chunks;
    private final AtomicLong allocatedChunks = new AtomicLong();

    public MemoryBackend(long size) {
        this.size = size;
        long count = (size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT;
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("memory namespace too large: " + size);
        }
        this.chunks = new AtomicReferenceArray<>((int) count);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean volatileWriteCache() {
        return false;
    }

    @Override
    public boolean persistent() {
        return false; // the data lives in this process only
    }

    @Override
    public boolean deallocateReadsZeroes() {
        return true;
    }

    @Override
    public long bytesInUse() {
        return Math.min(size, allocatedChunks.get() * CHUNK_SIZE);
    }

    @Override
    public void submit(BackendIo io) {
        switch (io.op) {
            case READ -> read(io.offset, io.length, io.data);
            case WRITE -> write(io.offset, io.length, io.data);
            case WRITE_ZEROES -> zero(io.offset, io.length);
            case DEALLOCATE -> {
                for (int i = 0; i < io.rangeCount; i++) {
                    zero(io.ranges[2 * i], io.ranges[2 * i + 1]);
                }
            }
            case FLUSH -> {
            }
        }
        io.complete(Status.SUCCESS);
    }

    private static final int COPY_OUT = 0;
    private static final int COPY_IN = 1;
    private static final int ZERO = 2;

    private void read(long offset, long length, ByteBuf dst) {
        int writer = dst.writerIndex();
        walk(COPY_OUT, offset, length, dst, writer);
        dst.writerIndex(writer + (int) length);
    }

    private void write(long offset, long length, ByteBuf src) {
        walk(COPY_IN, offset, length, src, src.readerIndex());
    }

    private void zero(long offset, long length) {
        walk(ZERO, offset, length, null, 0);
    }

    /** Applies one operation to {@code [offset, offset + length)} chunk by chunk; {@code buf} starts at {@code bufIndex}. */
    private void walk(int op, long offset, long length, ByteBuf buf, int bufIndex) {
        long done = 0;
        while (done < length) {
            long pos = offset + done;
            int chunkIndex = (int) (pos >>> CHUNK_SHIFT);
            int inChunk = (int) (pos & (CHUNK_SIZE - 1));
            int n = (int) Math.min(length - done, CHUNK_SIZE - inChunk);
            int at = bufIndex + (int) done;
            switch (op) {
                case COPY_IN -> copyIn(buf, at, chunk(chunkIndex), inChunk, n);
                case COPY_OUT -> {
                    MemorySegment chunk = chunks.get(chunkIndex);
                    if (chunk == null) {
                        buf.setZero(at, n);
                    } else {
                        copyOut(chunk, inChunk, buf, at, n);
                    }
                }
                default -> {
                    MemorySegment chunk = chunks.get(chunkIndex);
                    if (chunk != null) {
                        chunk.asSlice(inChunk, n).fill((byte) 0);
                    }
                }
            }
            done += n;
        }
    }

    private MemorySegment chunk(int index) {
        MemorySegment chunk = chunks.get(index);
        if (chunk != null) {
            return chunk;
        }
        MemorySegment fresh = arena.allocate(CHUNK_SIZE, 4096);
        if (chunks.compareAndSet(index, null, fresh)) {
            allocatedChunks.incrementAndGet();
            return fresh;
        }
        // Another reactor won the race; the loser's chunk is returned with the arena (rare, bounded by chunk count).
        return chunks.get(index);
    }

    private static void copyOut(MemorySegment chunk, int chunkOffset, ByteBuf dst, int dstIndex, int length) {
        if (dst.hasMemoryAddress()) {
            MemorySegment.copy(chunk, chunkOffset, ALL_MEMORY, dst.memoryAddress() + dstIndex, length);
        } else if (dst.hasArray()) {
            MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, chunkOffset, dst.array(), dst.arrayOffset() + dstIndex, length);
        } else {
            dst.setBytes(dstIndex, chunk.asSlice(chunkOffset, length).asByteBuffer());
        }
    }

    private static void copyIn(ByteBuf src, int srcIndex, MemorySegment chunk, int chunkOffset, int length) {
        if (src.hasMemoryAddress()) {
            MemorySegment.copy(ALL_MEMORY, src.memoryAddress() + srcIndex, chunk, chunkOffset, length);
        } else if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + srcIndex, chunk, ValueLayout.JAVA_BYTE, chunkOffset, length);
        } else {
            src.getBytes(srcIndex, chunk.asSlice(chunkOffset, length).asByteBuffer());
        }
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
        arena.close();
    }
}
