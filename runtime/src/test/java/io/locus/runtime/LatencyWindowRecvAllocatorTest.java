package io.locus.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One read loop of a channel takes what its allocator would, except while its reactor's latency window is open,
 * when it stops after the window's bytes. Driven as Netty's epoll read loop drives a handle, on a manual clock.
 */
class LatencyWindowRecvAllocatorTest {
    private static final int WINDOW = 100 * 1024;

    @Test
    void shouldStopAReadLoopAtTheWindowsBytesOnlyWhileTheWindowIsOpen() {
        long[] now = {1_000_000};
        EmbeddedChannel channel = new EmbeddedChannel();
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("recv", -1), () -> now[0])) {
            RecvByteBufAllocator.Handle h = new LatencyWindowRecvAllocator(
                    new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 1024 * 1024).maxMessagesPerRead(16), reactor,
                    WINDOW).newHandle();

            assertTrue(readLoop(h, channel) >= 4 * 64 * 1024, "closed: four full buffers of 64 KiB or more, and on");

            reactor.openLatencyWindow(now[0], 200_000);
            assertEquals(WINDOW, readLoop(h, channel), "open: the loop ends at the window's bytes");

            now[0] += 200_000;
            assertTrue(readLoop(h, channel) >= 4 * 64 * 1024, "closed again once the budget has run out");
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void shouldReadIntoThePlacedBufferWithinTheWindowsShareAndBoundFreshBuffersByThePlacement() {
        long[] now = {1_000_000};
        EmbeddedChannel channel = new EmbeddedChannel();
        ByteBuf destination = UnpooledByteBufAllocator.DEFAULT.directBuffer(1 << 20);
        int[] asked = {-1};
        boolean[] place = {true};
        ReadPlacement placement = new ReadPlacement() {
            @Override
            public ByteBuf placeNextRead(int maxBytes) {
                asked[0] = maxBytes;
                return place[0] ? destination.retainedSlice(0, Math.min(maxBytes, 1 << 20)).clear() : null;
            }

            @Override
            public int freshReadLimit() {
                return 8192;
            }
        };
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("recv", -1), () -> now[0])) {
            RecvByteBufAllocator.Handle h = new LatencyWindowRecvAllocator(
                    new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 1024 * 1024), reactor, WINDOW, placement).newHandle();

            h.reset(channel.config());
            ByteBuf b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            assertEquals(Integer.MAX_VALUE, asked[0], "window closed: no bound from it");
            assertEquals(destination.memoryAddress(), b.memoryAddress(), "the read lands in the placed buffer");
            assertEquals(1 << 20, b.writableBytes());
            b.release();

            reactor.openLatencyWindow(now[0], 200_000);
            h.reset(channel.config());
            h.lastBytesRead(30 * 1024);
            b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            assertEquals(WINDOW - 30 * 1024, asked[0], "open: what is left of the loop's share");
            assertEquals(WINDOW - 30 * 1024, b.writableBytes());
            b.release();

            place[0] = false;
            b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            assertEquals(8192, b.capacity(), "a fresh buffer no larger than the placement allows");
            b.release();
        } finally {
            destination.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void shouldLendFreshReadsTheHandlersOwnBufferSizedByTheBoundAndFallBackToTheAllocator() {
        long[] now = {1_000_000};
        EmbeddedChannel channel = new EmbeddedChannel();
        ByteBuf own = UnpooledByteBufAllocator.DEFAULT.directBuffer(8192);
        int[] asked = {-1};
        boolean[] lend = {true};
        ReadPlacement placement = new ReadPlacement() {
            @Override
            public ByteBuf placeNextRead(int maxBytes) {
                return null;
            }

            @Override
            public int freshReadLimit() {
                return 8192;
            }

            @Override
            public ByteBuf freshReadBuffer(int bytes) {
                asked[0] = bytes;
                return lend[0] ? own.retain().setIndex(8192 - bytes, 8192 - bytes) : null;
            }
        };
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("recv", -1), () -> now[0])) {
            RecvByteBufAllocator.Handle h = new LatencyWindowRecvAllocator(
                    new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 1024 * 1024), reactor, WINDOW, placement).newHandle();
            h.reset(channel.config());
            ByteBuf b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            assertEquals(8192, asked[0], "the guess (64 KiB) within the placement's bound");
            assertEquals(own.memoryAddress(), b.memoryAddress(), "the read lands in the handler's buffer");
            assertEquals(8192, b.writableBytes());
            b.release();
            assertEquals(1, own.refCnt(), "the read's reference is the one released");

            lend[0] = false;
            b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            assertNotEquals(own.memoryAddress(), b.hasMemoryAddress() ? b.memoryAddress() : 0);
            assertEquals(8192, b.capacity(), "a fresh buffer from the allocator when the handler lends none");
            b.release();
        } finally {
            own.release();
            channel.finishAndReleaseAll();
        }
    }

    /**
     * One read loop as Netty runs it over a socket that always has more than a buffer's worth: at most four reads
     * here (a socket with more data than that), returns the bytes taken.
     */
    private static long readLoop(RecvByteBufAllocator.Handle h, EmbeddedChannel channel) {
        h.reset(channel.config());
        long total = 0;
        int reads = 0;
        do {
            ByteBuf b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            int n = b.writableBytes();
            h.attemptedBytesRead(n);
            h.lastBytesRead(n);
            h.incMessagesRead(1);
            total += n;
            b.release();
            reads++;
        } while (reads < 4 && h.continueReading());
        if (reads == 4) {
            assertTrue(h.continueReading(), "the delegate would have gone on reading");
        } else {
            assertFalse(h.continueReading());
        }
        h.readComplete();
        return total;
    }
}
