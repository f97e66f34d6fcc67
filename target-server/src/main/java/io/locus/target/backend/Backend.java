package io.locus.target.backend;

import io.netty.buffer.ByteBuf;

/**
 * Storage behind a namespace. {@link #submit} never blocks the reactor; the completion arrives on the submitting
 * reactor through the I/O's sink. Implementations are shared by the reactors of every queue that maps the namespace,
 * so submit must be safe from several threads at once.
 */
public interface Backend extends AutoCloseable {
    /** Size in bytes. */
    long size();

    /** Whether acknowledged writes may sit in a volatile cache until Flush (Identify VWC). */
    boolean volatileWriteCache();

    /**
     * Whether the data outlives this process (a file or block device). Only then is an identity derived from the
     * configuration the same namespace's each time (the model's {@code Namespace} derives it).
     */
    boolean persistent();

    /** Whether deallocated blocks read back as zeroes. */
    boolean deallocateReadsZeroes();

    /** Bytes in use, for NUSE; {@link #size()} when not tracked. */
    default long bytesInUse() {
        return size();
    }

    void submit(BackendIo io);

    /**
     * A channel for the reactor of {@code group}, which submits through it from then on (opened once per reactor,
     * on that reactor). The default submits straight to {@link #submit}; backends that keep state per reactor find
     * it once here instead of per I/O.
     */
    default BackendChannel openChannel(CompletionSink group) {
        return this::submit;
    }

    /**
     * What every read of {@code length} bytes returns, wherever it reads, already in a buffer: a read-only view the
     * caller owns one reference to and releases (sending it is enough), or null (the default) when reads go to
     * storage and the request brings the buffer {@link #submit} fills. The null backend answers with slices of one
     * zeroed buffer (SPDK's null bdev reads into one shared zero buffer too), so its reads neither allocate nor zero
     * memory per I/O.
     */
    default ByteBuf constantReadData(int length) {
        return null;
    }

    /** A short description for logs: kind and location. */
    String describe();

    /** Makes everything durable (shutdown); blocking. */
    default void flushBlocking() {
    }

    @Override
    void close();
}
