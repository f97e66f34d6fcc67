package io.locus.target.backend;

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
     * configuration the same namespace's each time; see {@link io.locus.target.model.Namespace}.
     */
    boolean persistent();

    /** Whether deallocated blocks read back as zeroes. */
    boolean deallocateReadsZeroes();

    /** Bytes in use, for NUSE; {@link #size()} when not tracked. */
    default long bytesInUse() {
        return size();
    }

    void submit(BackendIo io);

    /** A short description for logs: kind and location. */
    String describe();

    /** Makes everything durable (shutdown); blocking. */
    default void flushBlocking() {
    }

    @Override
    void close();
}
