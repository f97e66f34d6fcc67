package io.locus.target.backend;

import io.locus.protocol.nvme.Status;

/** Discards writes and reads zeroes: the target's own cost with no storage behind it (speed tests). */
public final class NullBackend implements Backend {
    private final long size;

    public NullBackend(long size) {
        this.size = size;
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
    public void submit(BackendIo io) {
        if (io.op == BackendOp.READ) {
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
    }
}
