package io.locus.target.backend;

import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;

/**
 * Discards writes and reads zeroes: the target's own cost with no storage behind it (speed tests). Reads are served
 * from the process's one zeroed buffer ({@link SharedZeroes}) instead of a buffer allocated and zeroed per I/O.
 */
public final class NullBackend implements Backend {
    private volatile long size;

    public NullBackend(long size) {
        this.size = size;
    }

    /** Changes the size (SPDK's bdev_null_resize); namespaces on it then {@code refreshSize()}. */
    public void resize(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("size must be positive, not " + bytes);
        }
        this.size = bytes;
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
        return false; // no data is kept at all
    }

    @Override
    public boolean deallocateReadsZeroes() {
        return true;
    }

    @Override
    public ByteBuf constantReadData(int length) {
        return SharedZeroes.slice(length);
    }

    @Override
    public void submit(BackendIo io) {
        if (io.op == BackendOp.READ && io.data.isWritable()) {
            // A read larger than the shared zeroes came with a buffer of its own to fill.
            int index = io.data.writerIndex();
            io.data.setZero(index, (int) io.length);
            io.data.writerIndex(index + (int) io.length);
        }
        io.complete(Status.SUCCESS);
    }

    @Override
    public String describe() {
        return "null";
    }

    @Override
    public void close() {
        // The shared zeroes outlive every backend (slices of them may still be on their way to a host).
    }
}
