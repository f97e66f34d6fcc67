package io.locus.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How much a channel on a reactor reads from its socket at a time: as its {@code delegate} allocator says, except
 * while the reactor's active latency window is open ({@link Reactor#latencyWindowOpen}), when one read loop of the
 * channel (one readiness event) takes at most {@code windowBytes} and the rest waits for the next turn. A channel
 * carrying bulk data (128 KiB reads at depth) would otherwise drain megabytes of its socket in one loop, and a
 * latency-class completion already waiting in another socket of the same reactor would wait for all of it.
 *
 * <p>The window is looked at once per read loop, on the reactor's clock. Netty reads again what was left (the next
 * epoll wait reports it, or, edge-triggered, its read task runs in the reactor's next turn). Used on the reactor's
 * thread only, as Netty uses every allocator handle.
 *
 * <p>With a {@link ReadPlacement}, the channel's handler may name the buffer each read goes into (a command's data
 * buffer for a large payload), bound the size of fresh receive buffers and lend its own for them; placed reads count
 * against the window's share like any other.
 */
public final class LatencyWindowRecvAllocator implements RecvByteBufAllocator {
    private final RecvByteBufAllocator delegate;
    private final Reactor reactor;
    private final int windowBytes;
    private final ReadPlacement placement;

    /**
     * @param delegate    the allocator outside the window (its handles must be {@link ExtendedHandle}s, as Netty's
     *                    own are)
     * @param reactor     the reactor whose window applies (the channel's event loop)
     * @param windowBytes bytes one read loop takes at most while the window is open
     */
    public LatencyWindowRecvAllocator(RecvByteBufAllocator delegate, Reactor reactor, int windowBytes) {
        this(delegate, reactor, windowBytes, null);
    }

    /**
     * @param placement where the channel's handler wants its reads, or null to read into fresh buffers only
     */
    public LatencyWindowRecvAllocator(RecvByteBufAllocator delegate, Reactor reactor, int windowBytes,
                                      ReadPlacement placement) {
        if (windowBytes < 1) {
            throw new IllegalArgumentException("window bytes must be positive, not " + windowBytes);
        }
        this.delegate = delegate;
        this.reactor = reactor;
        this.windowBytes = windowBytes;
        this.placement = placement;
    }

    @Override
    public Handle newHandle() {
        return new WindowHandle((ExtendedHandle) delegate.newHandle());
    }

    private final class WindowHandle implements ExtendedHandle {
        private final ExtendedHandle d;
        /** Whether the window was open when this read loop began. */
        private boolean open;
        private long readThisLoop;

        WindowHandle(ExtendedHandle d) {
            this.d = d;
        }

        @Override
        public void reset(ChannelConfig config) {
            d.reset(config);
            readThisLoop = 0;
            open = reactor.latencyWindowOpen(reactor.clock().nanoTime());
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            if (placement == null) {
                return open ? alloc.ioBuffer(guess()) : d.allocate(alloc);
            }
            ByteBuf placed = placement.placeNextRead(share());
            if (placed != null) {
                return placed;
            }
            int bytes = Math.max(1, Math.min(guess(), placement.freshReadLimit()));
            ByteBuf own = placement.freshReadBuffer(bytes);
            return own != null ? own : alloc.ioBuffer(bytes);
        }

        @Override
        public int guess() {
            return Math.min(d.guess(), share());
        }

        /** What this read loop may still take: the rest of the window's bytes (at least 1) while it is open. */
        private int share() {
            return open ? (int) Math.max(1, windowBytes - readThisLoop) : Integer.MAX_VALUE;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            d.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            d.lastBytesRead(bytes);
            if (bytes > 0) {
                readThisLoop += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return d.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            d.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return d.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return !spent() && d.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return !spent() && d.continueReading(maybeMoreDataSupplier);
        }

        private boolean spent() {
            return open && readThisLoop >= windowBytes;
        }

        @Override
        public void readComplete() {
            d.readComplete();
        }
    }
}
