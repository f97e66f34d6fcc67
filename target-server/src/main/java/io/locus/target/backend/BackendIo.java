package io.locus.target.backend;

import io.netty.buffer.ByteBuf;

/**
 * One backend operation, owned by the request that issues it and reused across requests (no allocation per I/O).
 * The backend fills {@link #status} and calls {@link #complete(int)}, which must end up running
 * {@link BackendCallback#onBackendComplete(BackendIo)} on the submitting reactor.
 */
public final class BackendIo implements Runnable {
    public BackendOp op;
    /** Byte offset into the namespace. */
    public long offset;
    /** Byte length of the transfer (read, write, write zeroes). */
    public long length;
    /** Data to write from, or to read into (written at its writer index, {@link #length} bytes). */
    public ByteBuf data;
    /** Write with FUA: durable before completion. */
    public boolean fua;
    /** Deallocate ranges, as pairs {byteOffset, byteLength}; {@link #rangeCount} valid. */
    public final long[] ranges = new long[2 * 256];
    public int rangeCount;
    /** Status as {@link io.locus.protocol.nvme.Status} encodes it. */
    public int status;
    /** A latency-class request: its completion is handled ahead of throughput work. */
    public boolean urgent;
    public long submitNanos;
    public long completeNanos;
    /**
     * {@link System#nanoTime()} after which a backend that queues work (the file backend's I/O threads) must not
     * start this write any more, or {@link Long#MAX_VALUE}: the controller's keep-alive expiry, when its host has given
     * up on it and sent the command down another path (see {@code Controller#keepAliveRemainingNanos}).
     */
    public long notAfterNanos = Long.MAX_VALUE;

    private final BackendCallback callback;
    private CompletionSink sink;

    public BackendIo(BackendCallback callback, CompletionSink sink) {
        this.callback = callback;
        this.sink = sink;
    }

    /** Where the completion goes: the submitting reactor's completions, for backends that keep per-reactor state. */
    /** Re-homes the I/O to another reactor's completions (its queue moved); only between requests. */
    public void sink(CompletionSink newSink) {
        this.sink = newSink;
    }

    public CompletionSink sink() {
        return sink;
    }

    /** Called by a backend, from any thread: records the status and hands the completion to the owning reactor. */
    public void complete(int status) {
        this.status = status;
        sink.deliver(this);
    }

    /** Runs on the owning reactor, as a message, when the completion crossed from another thread. */
    @Override
    public void run() {
        sink.dispatchRemote(this);
    }

    /**
     * Runs on the owning reactor: the completion is seen there at {@code nowNanos} ({@link System#nanoTime()}, as
     * the sink last read it).
     */
    public void dispatch(long nowNanos) {
        completeNanos = nowNanos;
        callback.onBackendComplete(this);
    }

    public void reset(BackendOp op, long offset, long length, ByteBuf data) {
        this.op = op;
        this.offset = offset;
        this.length = length;
        this.data = data;
        this.fua = false;
        this.rangeCount = 0;
        this.status = 0;
        this.notAfterNanos = Long.MAX_VALUE;
    }
}
