package io.locus.initiator;

import io.netty.buffer.ByteBuf;

/**
 * Asynchronous block I/O on one namespace, through one controller ({@link Namespace}) or several
 * ({@link MultipathNamespace}): what a workload such as {@code locus perf} needs and no more.
 */
public interface BlockDevice {
    int lbaSize();

    /** Size in logical blocks. */
    long blocks();

    void read(long lba, int blocks, ByteBuf dst, int dstIndex, Flow flow, IoCallback callback, Object context);

    void write(long lba, int blocks, ByteBuf src, int srcIndex, boolean fua, Flow flow, IoCallback callback,
               Object context);

    void flush(Flow flow, IoCallback callback, Object context);
}
