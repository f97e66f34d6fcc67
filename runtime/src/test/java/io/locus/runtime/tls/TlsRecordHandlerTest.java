package io.locus.runtime.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.TlsPsk;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record handler between two embedded channels: handshakes, data both ways, refusals. */
class TlsRecordHandlerTest {
    static final String KEY01 = "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:";
    static final String KEY02 = "NVMeTLSkey-1:02:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwP/w0S89ELi3W2LxIcLXVsDn8kXZQ==:";
    static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:0f5d4c9e-1111-2222-3333-444455556666";
    static final String SUB = "nqn.2026-11.io.locus:tls";

    /** Collects plaintext and exceptions behind the TLS handler. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        final ByteBuf got = Unpooled.buffer();
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            got.writeBytes(b);
            b.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private EmbeddedChannel channel(io.netty.channel.ChannelHandler... handlers) {
        EmbeddedChannel c = new EmbeddedChannel(handlers);
        channels.add(c);
        return c;
    }

    @org.junit.jupiter.api.AfterEach
    void releaseAll() {
        for (EmbeddedChannel c : channels) {
            c.finishAndReleaseAll();
        }
    }

    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (int round = 0; round < 100; round++) {
            boolean moved = move(a, b) | move(b, a);
            if (!moved) {
                return;
            }
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object o;
        while ((o = from.readOutbound()) != null) {
            moved = true;
            if (to.isActive()) {
                to.writeInbound(o);
            } else {
                ((ByteBuf) o).release();
            }
        }
        return moved;
    }

    @ParameterizedTest
    @ValueSource(strings = {KEY01, KEY02})
    void shouldCarryDataBothWaysWithTheRightKey(String key) {
        TlsPsk psk = TlsPsk.parse(key);
        List<String> rejects = new ArrayList<>();
        Sink serverSink = new Sink();
        Sink clientSink = new Sink();
        EmbeddedChannel server = channel(TlsRecordHandler.server(
                id -> id.hostNqn().equals(HOST) ? NvmeTlsKeys.derive(psk, id.hostNqn(), id.subsystemNqn(), id.version()) : null,
                (peer, why) -> rejects.add(why)), serverSink);
        EmbeddedChannel client = channel(TlsRecordHandler.client(NvmeTlsKeys.derive(psk, HOST, SUB, 0), "target:4420"), clientSink);
        byte[] icReq = new byte[128];
        icReq[2] = (byte) 128;
        client.writeAndFlush(Unpooled.wrappedBuffer(icReq)); // before the handshake: waits
        pump(client, server);
        assertTrue(rejects.isEmpty(), rejects.toString());
        assertTrue(client.pipeline().get(TlsRecordHandler.class).established(), "client established");
        assertTrue(server.pipeline().get(TlsRecordHandler.class).established(), "server established");
        assertTrue(clientSink.errors.isEmpty(), clientSink.errors.toString());
        assertArrayEquals(icReq, bytes(serverSink.got));

        byte[] big = new byte[200_000];
        new Random(1).nextBytes(big);
        for (int off = 0; off < big.length; off += 10_000) {
            server.write(Unpooled.directBuffer().writeBytes(big, off, Math.min(10_000, big.length - off)));
        }
        server.flush();
        pump(server, client);
        assertArrayEquals(big, bytes(clientSink.got));
        client.writeAndFlush(Unpooled.wrappedBuffer(big));
        pump(client, server);
        assertEquals(128 + big.length, serverSink.got.readableBytes());
        client.close();
        pump(client, server);
        assertTrue(rejects.isEmpty(), rejects.toString());
    }

    @Test
    void shouldRefuseAWrongKeyWithAClearMessageOnBothSides() {
        List<String> rejects = new ArrayList<>();
        TlsPsk targetKey = TlsPsk.parse(KEY01);
        byte[] other = new byte[32];
        other[0] = 1;
        TlsPsk hostKey = TlsPsk.of(1, other);
        Sink clientSink = new Sink();
        EmbeddedChannel server = channel(TlsRecordHandler.server(
                id -> NvmeTlsKeys.derive(targetKey, id.hostNqn(), id.subsystemNqn(), id.version()), (peer, why) -> rejects.add(why)), new Sink());
        EmbeddedChannel client = channel(TlsRecordHandler.client(NvmeTlsKeys.derive(hostKey, HOST, SUB, 0), "target:4420"), clientSink);
        pump(client, server);
        assertEquals(1, rejects.size(), rejects.toString());
        assertTrue(rejects.get(0).contains("NVMe0R01 " + HOST + " " + SUB), rejects.get(0));
        assertEquals(1, clientSink.errors.size(), clientSink.errors.toString());
        String m = clientSink.errors.get(0).getMessage();
        assertTrue(m.contains("refused the TLS PSK") && m.contains("target:4420"), m);
        assertFalse(client.isActive());
        assertFalse(server.isActive());
    }

    @Test
    void shouldRefuseAnUnknownIdentity() {
        List<String> rejects = new ArrayList<>();
        Sink clientSink = new Sink();
        EmbeddedChannel server = channel(TlsRecordHandler.server(id -> null, (peer, why) -> rejects.add(why)), new Sink());
        EmbeddedChannel client = channel(TlsRecordHandler.client(NvmeTlsKeys.derive(TlsPsk.parse(KEY01), HOST, SUB, 0), "t"), clientSink);
        pump(client, server);
        assertEquals(1, rejects.size());
        assertTrue(rejects.get(0).contains("no TLS PSK configured for identity"), rejects.get(0));
        assertTrue(clientSink.errors.get(0).getMessage().contains("has no TLS PSK"), clientSink.errors.get(0).getMessage());
    }

    @Test
    void shouldRefuseClearTextOnTheServerAndReportItOnTheClient() {
        List<String> rejects = new ArrayList<>();
        EmbeddedChannel server = channel(TlsRecordHandler.server(id -> null, (peer, why) -> rejects.add(why)), new Sink());
        server.writeInbound(Unpooled.wrappedBuffer(new byte[128]));
        assertFalse(server.isActive());
        assertEquals(1, rejects.size());
        assertTrue(rejects.get(0).contains("clear text on a port that requires TLS"), rejects.get(0));

        Sink clientSink = new Sink();
        EmbeddedChannel client = channel(TlsRecordHandler.client(NvmeTlsKeys.derive(TlsPsk.parse(KEY01), HOST, SUB, 0), "t:4420"), clientSink);
        byte[] termReq = new byte[24];
        termReq[0] = 0x03;
        client.writeInbound(Unpooled.wrappedBuffer(termReq));
        assertNotNull(clientSink.errors.isEmpty() ? null : clientSink.errors.get(0));
        assertTrue(clientSink.errors.get(0).getMessage().contains("answered in clear text"), clientSink.errors.get(0).getMessage());
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }
}
