package io.locus.runtime;

import io.netty.buffer.ByteBuf;

/**
 * A channel's protocol handler choosing where its next socket read lands, asked by
 * {@link LatencyWindowRecvAllocator} before each read of the channel's read loop, on the reactor thread: into a
 * buffer of the handler's own (the data buffer of the command whose payload is arriving, so a large payload goes
 * from the socket to its destination in one copy, as SPDK's host reads C2HData into the request's iovecs and the
 * Linux host into the bio's pages), or into a fresh receive buffer that Netty allocates.
 *
 * <p>The handler must be the channel's first inbound handler: the bytes it places are the socket's, not those of a
 * record layer (TLS) in front of it.
 */
public interface ReadPlacement {
    /**
     * @param maxBytes the most the next read may take (at least 1): the rest of the read loop's share while the
     *                 reactor's latency window is open, else {@link Integer#MAX_VALUE}
     * @return a buffer whose writable bytes (at most {@code maxBytes}) the next read fills and which then arrives in
     *         {@code channelRead} as the message (its reference passes to the pipeline like any read buffer); or
     *         null for a fresh receive buffer
     */
    ByteBuf placeNextRead(int maxBytes);

    /**
     * The most bytes (at least 1) a fresh receive buffer should take, {@link Integer#MAX_VALUE} for no bound beyond
     * the allocator's guess: small after a large payload, so the next payload's bytes are not read ahead into a
     * receive buffer and copied out of it again.
     */
    int freshReadLimit();

    /**
     * A receive buffer of the handler's own for a fresh read of {@code bytes} (the allocator's guess within
     * {@link #freshReadLimit()}), reused read after read by a handler that consumes every byte of a read before its
     * {@code channelRead} returns: the read then costs no allocation and no release to the pool. Its writable bytes
     * are what the read may take; its reference passes to the pipeline like any read buffer.
     *
     * @return the buffer, or null (the default) for one from the channel's allocator
     */
    default ByteBuf freshReadBuffer(int bytes) {
        return null;
    }
}
