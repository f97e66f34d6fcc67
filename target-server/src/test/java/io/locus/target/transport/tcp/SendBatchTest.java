package io.locus.target.transport.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a {@link SendBatch} puts on a real socket: headers from its batch buffer and data from the data's own buffers in
 * send order, in one writev per flush where it gathers; what a full socket leaves goes through Netty without any byte
 * overtaking another; behind another handler (TLS's place) everything goes through the channel.
 */
@Timeout(60)
class SendBatchTest {
    private EventLoopGroup group;
    private Channel server;
    private final CompletableFuture<ChannelHandlerContext> accepted = new CompletableFuture<>();

    @BeforeEach
    void epoll() {
        assumeTrue(Epoll.isAvailable(), "native epoll transport not available here");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Serves one connection whose handler is last in the pipeline, behind {@code before} when not null. */
    private InetSocketAddress serve(ChannelOutboundHandlerAdapter before, int sendBuffer) throws Exception {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (before != null) {
                            ch.pipeline().addLast(before);
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                accepted.complete(ctx);
                            }
                        });
                    }
                });
        if (sendBuffer > 0) {
            b.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
        }
        server = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    private static <T> T onLoop(ChannelHandlerContext ctx, Callable<T> task) throws Exception {
        return ctx.executor().submit(task).get(10, TimeUnit.SECONDS);
    }

    /** A header of 8 bytes (its index) and {@code dataBytes} of data derived from it, as the batch encodes them. */
    private static void pdu(SendBatch batch, int i, int dataBytes, List<ByteBuf> data, byte[] expect, int at) {
        batch.space(8).writeLong(i);
        ByteBuf d = PooledByteBufAllocator.DEFAULT.directBuffer(dataBytes);
        for (int k = 0; k < dataBytes; k++) {
            d.writeByte(i * 31 + k);
        }
        data.add(d);
        batch.append(d);
        ByteBuffer.wrap(expect, at, 8).putLong(i);
        for (int k = 0; k < dataBytes; k++) {
            expect[at + 8 + k] = (byte) (i * 31 + k);
        }
    }

    /** Sends 4 MiB through the connection, read by the client, so TCP has grown its window and MSS. */
    private static void warmUp(ChannelHandlerContext ctx, SocketChannel client) throws Exception {
        int bytes = 4 << 20;
        CompletableFuture<byte[]> drained = readAllAsync(client, bytes);
        onLoop(ctx, () -> ctx.writeAndFlush(PooledByteBufAllocator.DEFAULT.directBuffer(bytes).writeZero(bytes)));
        assertEquals(bytes, drained.get(10, TimeUnit.SECONDS).length);
    }

    /** {@link #readAll} on another thread, so a flush larger than the socket buffers can complete meanwhile. */
    private static CompletableFuture<byte[]> readAllAsync(SocketChannel client, int n) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return readAll(client, n);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static byte[] readAll(SocketChannel client, int n) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(n);
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                break;
            }
        }
        return in.array();
    }

    @Test
    void shouldGatherHeadersAndDataIntoOneWritePerFlushOfAtMostTheIovecLimit() throws Exception {
        InetSocketAddress at = serve(null, 0);
        try (SocketChannel client = SocketChannel.open(at)) {
            ChannelHandlerContext ctx = accepted.get(10, TimeUnit.SECONDS);
            int pdus = 300;
            int dataBytes = 100;
            byte[] expect = new byte[pdus * (8 + dataBytes)];
            List<ByteBuf> data = new ArrayList<>();
            int writes = onLoop(ctx, () -> {
                SendBatch batch = new SendBatch();
                batch.attach(ctx);
                assertFalse(batch.copies(4096), "a gathering batch copies no data");
                for (int i = 0; i < pdus; i++) {
                    pdu(batch, i, dataBytes, data, expect, i * (8 + dataBytes));
                }
                batch.flush();
                return batch.takeWrites();
            });
            assertEquals(3, writes, "600 iovecs (a header range and a data buffer each) in writevs of 256");
            assertArrayEquals(expect, readAll(client, expect.length));
            for (ByteBuf d : data) {
                assertEquals(0, d.refCnt(), "data is released once the socket has it");
            }
        }
    }

    @Test
    void shouldHandWhatAFullSocketLeftToNettyAndWriteThroughItUntilItDrained() throws Exception {
        InetSocketAddress at = serve(null, 4096);
        try (SocketChannel client = SocketChannel.open()) {
            client.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            client.connect(at);
            ChannelHandlerContext ctx = accepted.get(10, TimeUnit.SECONDS);
            int dataBytes = 16 * 1024;
            int first = 64;
            int second = 8;
            byte[] expect = new byte[(first + second) * (8 + dataBytes)];
            List<ByteBuf> data = new ArrayList<>();
            SendBatch batch = new SendBatch();
            boolean[] leftInNetty = new boolean[2];
            int writes = onLoop(ctx, () -> {
                batch.attach(ctx);
                for (int i = 0; i < first; i++) {
                    pdu(batch, i, dataBytes, data, expect, i * (8 + dataBytes));
                }
                batch.flush(); // the socket takes a few KiB; Netty takes the rest
                leftInNetty[0] = !ctx.channel().unsafe().outboundBuffer().isEmpty();
                int w = batch.takeWrites();
                for (int i = first; i < first + second; i++) {
                    pdu(batch, i, dataBytes, data, expect, i * (8 + dataBytes));
                }
                batch.flush(); // Netty still holds bytes: these must queue behind them
                leftInNetty[1] = !ctx.channel().unsafe().outboundBuffer().isEmpty();
                return w + batch.takeWrites();
            });
            assertTrue(leftInNetty[0] && leftInNetty[1], "the socket could not take a MiB at once");
            assertTrue(writes > 2, "a direct write and the buffers handed to Netty: " + writes);
            assertArrayEquals(expect, readAll(client, expect.length), "every byte once, in order");
            // Netty removes what it wrote before its loop runs anything else, so by this task it holds nothing.
            assertTrue(onLoop(ctx, () -> ctx.channel().unsafe().outboundBuffer().isEmpty()), "Netty drained");
            assertEquals(0, onLoop(ctx, () -> {
                batch.flush();
                return batch.takeWrites();
            }), "an empty flush writes nothing");
            for (ByteBuf d : data) {
                assertEquals(0, d.refCnt(), "data is released once the socket has it, by Netty or the batch");
            }
        }
    }

    @Test
    void shouldWriteThroughTheChannelWhenAHandlerStandsBeforeIt() throws Exception {
        InetSocketAddress at = serve(new ChannelOutboundHandlerAdapter(), 0);
        try (SocketChannel client = SocketChannel.open(at)) {
            ChannelHandlerContext ctx = accepted.get(10, TimeUnit.SECONDS);
            byte[] expect = new byte[4 * (8 + 4096)];
            int writes = onLoop(ctx, () -> {
                SendBatch batch = new SendBatch();
                batch.attach(ctx);
                assertTrue(batch.copies(4096), "through the channel, small data is copied into the batch");
                for (int i = 0; i < 4; i++) {
                    ByteBuf b = batch.space(8 + 4096).writeLong(i);
                    for (int k = 0; k < 4096; k++) {
                        b.writeByte(i * 31 + k);
                    }
                    ByteBuffer.wrap(expect, i * (8 + 4096), 8).putLong(i);
                    for (int k = 0; k < 4096; k++) {
                        expect[i * (8 + 4096) + 8 + k] = (byte) (i * 31 + k);
                    }
                }
                batch.flush();
                return batch.takeWrites();
            });
            assertEquals(1, writes, "one batch buffer for the channel");
            assertArrayEquals(expect, readAll(client, expect.length));
        }
    }
    @Test
    void shouldChunkAFlushInWholeSegmentsOfTheSocketsMss() {
        int due = SendBatch.PREEMPTION_CHUNK_BYTES;
        int chunk = SendBatch.CHUNK_BYTES;
        assertEquals(65_483, SendBatch.chunkFor(65_483, due), "loopback: one full segment, not a segment and 53 bytes");
        assertEquals(4 * 65_483, SendBatch.chunkFor(65_483, chunk), "loopback, nothing due: four full segments");
        assertEquals(45 * 1448, SendBatch.chunkFor(1448, due), "Ethernet: 45 segments");
        assertEquals(181 * 1448, SendBatch.chunkFor(1448, chunk), "Ethernet, nothing due: 181 segments");
        assertEquals(7 * 8948, SendBatch.chunkFor(8948, due), "jumbo frames: 7 segments");
        assertEquals(due, SendBatch.chunkFor(0, due), "MSS unknown: the plain cap");
        assertEquals(chunk, SendBatch.chunkFor(0, chunk), "MSS unknown, nothing due: the plain cap");
        assertEquals(100_000, SendBatch.chunkFor(100_000, due), "at least one segment");
    }

    /**
     * A flush larger than a chunk goes in whole-MSS chunks of {@link SendBatch#CHUNK_BYTES}; while preempted, of the
     * cap the preemption asks for (smaller while a latency-class capsule is due), with the preemption run between
     * them, and what it batches (and its flush, which must not nest) goes out after everything batched before it, in
     * the same flush.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"capsule due", "nothing due", "no preemption"})
    void shouldWriteAFlushInChunksAndRunThePreemptionBetweenThem(String mode) throws Exception {
        boolean preempted = !mode.equals("no preemption");
        boolean due = mode.equals("capsule due");
        InetSocketAddress at = serve(null, 0);
        try (SocketChannel client = SocketChannel.open(at)) {
            ChannelHandlerContext ctx = accepted.get(10, TimeUnit.SECONDS);
            warmUp(ctx, client); // a new connection's MSS grows with the peer's window: 32,768 first on loopback
            int pdus = 8;
            // 786,000 bytes: due, 13 chunks of loopback's 65,483 (12 of 64 KiB); not, 4 of 4 x 65,483 (3 of 256 KiB)
            int dataBytes = 98_242;
            int total = pdus * (8 + dataBytes);
            byte[] expect = new byte[preempted ? total + 8 : total];
            if (preempted) {
                ByteBuffer.wrap(expect, total, 8).putLong(-1);
            }
            CompletableFuture<byte[]> received = readAllAsync(client, expect.length);
            List<ByteBuf> data = new ArrayList<>();
            SendBatch batch = new SendBatch();
            int[] runs = {0};
            int[] result = onLoop(ctx, () -> {
                batch.attach(ctx);
                long mss = ((EpollSocketChannel) ctx.channel()).tcpInfo().sndMss();
                batch.preemption(!preempted ? null : new SendBatch.Preemption() {
                    @Override
                    public boolean wanted() {
                        return true;
                    }

                    @Override
                    public boolean due() {
                        return due;
                    }

                    @Override
                    public void run() {
                        if (runs[0]++ == 0) {
                            batch.space(8).writeLong(-1); // a response queued by what the preemption served
                            batch.flush(); // nested: left to the flush under way
                        }
                    }
                });
                for (int i = 0; i < pdus; i++) {
                    pdu(batch, i, dataBytes, data, expect, i * (8 + dataBytes));
                }
                batch.flush();
                return new int[] {batch.takeWrites(), (int) mss};
            });
            int chunk = SendBatch.chunkFor(result[1], due ? SendBatch.PREEMPTION_CHUNK_BYTES : SendBatch.CHUNK_BYTES);
            int chunks = (total + chunk - 1) / chunk;
            assertEquals(preempted ? chunks - 1 : 0, runs[0], "preemption runs between chunks (MSS " + result[1] + ")");
            assertEquals(preempted ? chunks + 1 : chunks, result[0],
                    "whole-MSS chunks, then the bytes batched during the first stop");
            assertArrayEquals(expect, received.get(10, TimeUnit.SECONDS), "every byte once, in order");
            for (ByteBuf d : data) {
                assertEquals(0, d.refCnt());
            }
        }
    }
}
