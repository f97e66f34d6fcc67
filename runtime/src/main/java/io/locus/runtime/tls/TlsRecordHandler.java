package io.locus.runtime.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The TLS record layer of one NVMe/TCP connection, first in its pipeline: handlers after it read and write plaintext
 * PDUs. Bouncy Castle's TLS 1.3 runs in non-blocking mode ({@code offerInput}/{@code readInput} for what arrives,
 * {@code writeApplicationData}/{@code readOutput} for what leaves), on the channel's event loop only.
 *
 * <p>Writes before the handshake completes (the host's ICReq) wait and go out after it. Plaintext written between
 * flushes is gathered into full 16 KiB records, so a batch of small PDUs costs one record and one AEAD pass, not one
 * each.
 *
 * <p>Copies on the data path. In: the socket's (direct) buffer into a reused byte array (Bouncy Castle takes arrays
 * only), Bouncy Castle's own record queue and decryption, then {@code readInput} straight into the plaintext buffer
 * handed on. Out: each written buffer into the reused 16 KiB record array, Bouncy Castle's encryption and output
 * queue, then {@code readOutput} straight into the direct buffer written to the socket.
 *
 * <p>A server that sees a first byte other than a TLS handshake record (22) closes the connection and reports it
 * through {@code reject}: clear text is not accepted on a port that requires TLS.
 */
public final class TlsRecordHandler extends ChannelDuplexHandler {
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CONTENT_ALERT = 21;
    private static final int RECORD_PLAINTEXT = 1 << 14;

    private final TlsProtocol protocol;
    private final NvmeTlsServer server;
    private final NvmeTlsClient client;
    private final BiConsumer<String, String> reject;
    private final String what;
    private final byte[] in = new byte[64 * 1024];
    private final byte[] record = new byte[RECORD_PLAINTEXT];
    private int recordLength;
    private final List<ChannelPromise> recordPromises = new ArrayList<>();
    private final ArrayDeque<Object[]> beforeHandshake = new ArrayDeque<>();
    private boolean flushBeforeHandshake;
    private boolean sawFirstByte;
    private boolean started;
    private boolean established;
    private boolean failed;

    private TlsRecordHandler(NvmeTlsServer server, NvmeTlsClient client, BiConsumer<String, String> reject, String what) {
        this.server = server;
        this.client = client;
        this.protocol = server != null ? new TlsServerProtocol() : new TlsClientProtocol();
        this.reject = reject;
        this.what = what;
    }

    /**
     * The target's side of a port that requires TLS.
     *
     * @param keys   the TLS PSK for an identity a host offers
     * @param reject told (peer, reason) about every connection refused: clear text, unknown identity, wrong key
     */
    public static TlsRecordHandler server(PskLookup keys, BiConsumer<String, String> reject) {
        return new TlsRecordHandler(new NvmeTlsServer(keys), null, reject, null);
    }

    /**
     * The host's side.
     *
     * @param psk      the TLS PSK and identity to offer
     * @param endpoint the target, for error messages
     */
    public static TlsRecordHandler client(NvmeTlsKeys.Derived psk, String endpoint) {
        return new TlsRecordHandler(null, new NvmeTlsClient(psk), null, endpoint);
    }

    /** On a server, once established: the PSK identity the host authenticated with (its host and subsystem NQN). */
    public io.locus.protocol.tls.PskIdentity peerIdentity() {
        return established && server != null ? server.accepted : null;
    }

    /** Whether the handshake has completed (application data flows). */
    public boolean established() {
        return established;
    }

    // ---------------------------------------------------------------- start

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        try {
            if (server != null) {
                ((TlsServerProtocol) protocol).accept(server);
            } else {
                ((TlsClientProtocol) protocol).connect(client);
                sendOutput(ctx, null);
                ctx.flush();
            }
        } catch (IOException | RuntimeException e) {
            fail(ctx, e);
        }
    }

    // ---------------------------------------------------------------- inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (failed) {
                return;
            }
            if (!sawFirstByte && buf.isReadable()) {
                sawFirstByte = true;
                int first = buf.getUnsignedByte(buf.readerIndex());
                if (server != null && first != CONTENT_HANDSHAKE) {
                    failed = true;
                    reject.accept(String.valueOf(ctx.channel().remoteAddress()), String.format(
                            "clear text on a port that requires TLS (first byte 0x%02x is not a TLS handshake record%s)",
                            first, first == 0 ? "; an NVMe/TCP ICReq?" : ""));
                    ctx.close();
                    return;
                }
                if (client != null && first != CONTENT_HANDSHAKE && first != CONTENT_ALERT) {
                    fail(ctx, new TlsFailure("TLS handshake with " + what + " failed: the target answered in clear text"
                            + String.format(" (first byte 0x%02x, an NVMe/TCP PDU type?)", first)
                            + "; the port does not use TLS"));
                    return;
                }
            }
            while (buf.isReadable()) {
                int n = Math.min(buf.readableBytes(), in.length);
                if (buf.hasArray()) {
                    protocol.offerInput(buf.array(), buf.arrayOffset() + buf.readerIndex(), n);
                    buf.skipBytes(n);
                } else {
                    buf.readBytes(in, 0, n);
                    protocol.offerInput(in, 0, n);
                }
                if (sendOutput(ctx, null)) {
                    ctx.flush(); // handshake messages, alerts, key updates: not held for the next flush
                }
                if (!established && handshakeComplete()) {
                    established = true;
                    releaseWaitingWrites(ctx);
                }
                deliverInput(ctx);
            }
            if (protocol.isClosed() && ctx.channel().isActive()) {
                ctx.flush();
                ctx.close();
            }
        } catch (IOException | RuntimeException e) {
            fail(ctx, e);
        } finally {
            buf.release();
        }
    }

    private boolean handshakeComplete() {
        return server != null ? server.handshakeComplete : client.handshakeComplete;
    }

    private void deliverInput(ChannelHandlerContext ctx) {
        int available = protocol.getAvailableInputBytes();
        if (available == 0) {
            return;
        }
        ByteBuf plain = ctx.alloc().directBuffer(available);
        protocol.readInput(plain.nioBuffer(0, available), available);
        plain.writerIndex(available);
        ctx.fireChannelRead(plain);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!established && !failed && started) {
            failed = true;
            if (client != null) {
                String why = client.receivedAlert != null ? refusal(client.receivedAlert)
                        : "the target closed the connection during the TLS handshake (does the port use TLS?)";
                ctx.fireExceptionCaught(new TlsFailure("TLS handshake with " + what + " failed: " + why));
            } else if (sawFirstByte) {
                reject.accept(String.valueOf(ctx.channel().remoteAddress()), "TLS handshake not completed"
                        + identity() + ": " + (server.failure != null ? server.failure : "the host closed the connection"));
            }
        }
        failWaitingWrites(new TlsFailure("connection closed"));
        ctx.fireChannelInactive();
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (failed) {
            buf.release();
            failQuietly(promise, new TlsFailure("TLS connection failed"));
            return;
        }
        if (!established) {
            beforeHandshake.add(new Object[] {buf, promise});
            return;
        }
        try {
            while (buf.isReadable()) {
                int n = Math.min(buf.readableBytes(), RECORD_PLAINTEXT - recordLength);
                buf.readBytes(record, recordLength, n);
                recordLength += n;
                if (recordLength == RECORD_PLAINTEXT) {
                    protocol.writeApplicationData(record, 0, recordLength);
                    recordLength = 0;
                }
            }
            if (!promise.isVoid()) {
                recordPromises.add(promise);
            }
        } catch (IOException | RuntimeException e) {
            failQuietly(promise, e);
            fail(ctx, e);
        } finally {
            buf.release();
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!established) {
            flushBeforeHandshake = true;
            return;
        }
        try {
            if (recordLength > 0) {
                protocol.writeApplicationData(record, 0, recordLength);
                recordLength = 0;
            }
            ChannelPromise done = null;
            if (!recordPromises.isEmpty()) {
                List<ChannelPromise> waiting = new ArrayList<>(recordPromises);
                recordPromises.clear();
                done = ctx.newPromise();
                done.addListener(f -> {
                    for (ChannelPromise p : waiting) {
                        if (f.isSuccess()) {
                            p.trySuccess();
                        } else {
                            p.tryFailure(f.cause());
                        }
                    }
                });
            }
            sendOutput(ctx, done);
        } catch (IOException | RuntimeException e) {
            fail(ctx, e);
        }
        ctx.flush();
    }

    /** Writes whatever Bouncy Castle has encrypted (handshake messages, records, alerts) as one buffer. */
    private boolean sendOutput(ChannelHandlerContext ctx, ChannelPromise promise) {
        int available = protocol.getAvailableOutputBytes();
        if (available == 0) {
            if (promise != null) {
                promise.trySuccess();
            }
            return false;
        }
        ByteBuf out = ctx.alloc().directBuffer(available);
        protocol.readOutput(out.nioBuffer(0, available), available);
        out.writerIndex(available);
        ctx.write(out, promise != null ? promise : ctx.voidPromise());
        return true;
    }

    private void releaseWaitingWrites(ChannelHandlerContext ctx) {
        Object[] w;
        while ((w = beforeHandshake.poll()) != null) {
            write(ctx, w[0], (ChannelPromise) w[1]);
        }
        if (flushBeforeHandshake) {
            flushBeforeHandshake = false;
        }
        flush(ctx);
    }

    private void failWaitingWrites(Throwable cause) {
        Object[] w;
        while ((w = beforeHandshake.poll()) != null) {
            ((ByteBuf) w[0]).release();
            failQuietly((ChannelPromise) w[1], cause);
        }
        for (ChannelPromise p : recordPromises) {
            failQuietly(p, cause);
        }
        recordPromises.clear();
    }

    /** A void promise would fire the failure down the pipeline again: the handler reports it once, itself. */
    private static void failQuietly(ChannelPromise p, Throwable cause) {
        if (!p.isVoid()) {
            p.tryFailure(cause);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        if (established && !failed && !protocol.isClosed()) {
            try {
                flush(ctx);
                protocol.close(); // close_notify
                sendOutput(ctx, null);
                ctx.flush();
            } catch (IOException | RuntimeException e) {
                // closing anyway
            }
        }
        ctx.close(promise);
    }

    // ---------------------------------------------------------------- failure

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        try {
            sendOutput(ctx, null); // the alert Bouncy Castle queued, if any
        } catch (RuntimeException ignored) {
            // the connection is going anyway
        }
        if (server != null) {
            failWaitingWrites(new TlsFailure("TLS connection failed"));
            reject.accept(String.valueOf(ctx.channel().remoteAddress()), (established ? "TLS connection failed" : "TLS handshake failed")
                    + identity() + ": " + (server.failure != null ? server.failure : String.valueOf(cause.getMessage())));
            ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        TlsFailure failure = cause instanceof TlsFailure tf ? tf : new TlsFailure("TLS " + (established ? "connection" : "handshake")
                + " with " + what + " failed: " + (client.receivedAlert != null ? refusal(client.receivedAlert)
                : client.sentAlert != null ? client.sentAlert : String.valueOf(cause.getMessage())), cause);
        failWaitingWrites(failure);
        ctx.flush();
        ctx.fireExceptionCaught(failure);
        ctx.close();
    }

    private String identity() {
        return server.offered != null ? " for identity '" + server.offered + "'" : "";
    }

    /** What a host makes of the target's alert. */
    private static String refusal(String alert) {
        return switch (alert) {
            case "decrypt_error", "bad_record_mac" -> "the target refused the TLS PSK (" + alert + "): the key does not match the target's";
            case "handshake_failure" -> "the target has no TLS PSK for this host and subsystem (" + alert + ")";
            default -> "the target sent alert " + alert;
        };
    }
}
