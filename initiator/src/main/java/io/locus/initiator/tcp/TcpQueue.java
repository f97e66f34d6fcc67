package io.locus.initiator.tcp;

import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.HostConnection;
import io.locus.initiator.queue.QueuePair;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.IcPdu;
import io.locus.protocol.tcp.PduWriter;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.locus.runtime.LatencyWindowRecvAllocator;
import io.locus.runtime.NettyTransports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The NVMe/TCP connection of one {@link QueuePair}: ICReq/ICResp, CapsuleCmd and H2CData framing on the way out,
 * and, through its {@link PduReceiver}, CapsuleResp, C2HData, R2T and C2HTermReq on the way in. The pair owns the
 * command slots and their life; this class owns only what NVMe/TCP adds per slot (bytes transferred, in-capsule or
 * not, a data digest error) and per connection (digests, CPDA, MAXH2CDATA).
 * <p>
 * Everything runs on the pair's reactor. Hot path, no allocation: a command is encoded into this turn's transmit batch
 * (one pooled buffer), written and flushed once per turn by {@link #flush()}; responses are parsed in place.
 */
public final class TcpQueue implements HostConnection {
    private volatile java.util.function.Supplier<io.netty.channel.ChannelHandler> tlsHandlers;
    private static final Logger LOG = Logger.getLogger(TcpQueue.class.getName());
    /** H2CData payloads up to this size are copied next to their header; larger ones are sent as a slice. */
    private static final int H2C_COPY_LIMIT = 16 * 1024;
    /** Initial size of a turn's transmit batch (grows by chaining buffers). */
    private static final int TX_BATCH_BYTES = 16 * 1024;
    /**
     * Socket bytes one read loop takes while a latency-class command of this reactor waits (its latency window is
     * open), then the reactor looks at its other sockets again. 64 KiB: with a QD1 critical flow beside a QD32
     * 128 KiB reader on one reactor, the critical p99.9 beside the reader was 439-511 us in three bench-provenance
     * runs against 646-1,244 us with 256 KiB, with the reader's throughput loss alike (12-26% against 13-23%);
     * 32 KiB was no better for the critical flow and cost the reader 31%.
     */
    static final int LATENCY_WINDOW_READ_BYTES = 64 * 1024;

    private final QueuePair pair;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    /** Outgoing framing (header digest, padding to CPDA, data digest), the same class the target writes with. */
    private final PduWriter writer = new PduWriter();
    // Per slot (indexed by Command.index()), reset on each send.
    private final int[] transferred;
    private final boolean[] inCapsule;
    /** A host-detected error to report instead of the target's success (a data digest mismatch); 0 for none. */
    private final int[] hostStatus;

    private Channel channel;
    private PduReceiver receiver;
    /** Fails the setup when ICResp has not come within the connect timeout (on the reactor's clock); null after. */
    private ScheduledFuture<?> setupTimer;
    private String endpoint = "";
    private boolean flushNeeded;
    private ByteBuf txBatch;

    // Negotiated per connection (the digests live in the writer).
    private int cpda;
    private long maxH2CData;

    /** The connection of {@code pair}: pass {@code TcpQueue::new} as the pair's {@link HostConnection.Factory}. */
    public TcpQueue(QueuePair pair) {
        this.pair = pair;
        int slots = pair.depth();
        this.transferred = new int[slots];
        this.inCapsule = new boolean[slots];
        this.hostStatus = new int[slots];
    }

    @Override
    public String transportName() {
        return "tcp";
    }

    /** Whether header digests were negotiated on the current connection. */
    public boolean headerDigest() {
        return writer.headerDigest();
    }

    /** Whether data digests were negotiated on the current connection. */
    public boolean dataDigest() {
        return writer.dataDigest();
    }

    /** Controller PDU data alignment (ICResp CPDA): data starts at a multiple of (cpda + 1) × 4 bytes. */
    public int cpda() {
        return cpda;
    }

    /** Most data bytes in one H2CData PDU (ICResp MAXH2CDATA). */
    public long maxH2CData() {
        return maxH2CData;
    }

    // ---------------------------------------------------------------- sending

    @Override
    public void send(Command c) {
        int slot = c.index();
        transferred[slot] = 0;
        hostStatus[slot] = 0;
        int length = c.dataLength;
        boolean inline = c.hostToController() && length <= pair.inCapsuleLimit(c);
        inCapsule[slot] = inline;
        int inCapsuleLength = inline ? length : 0;
        int plen = writer.pduLength(CapsulePdu.CMD_HEADER_LENGTH, inCapsuleLength);
        ByteBuf out = txSpace(plen);
        int base = out.writerIndex();
        writer.beginHeader(out, base, PduType.CAPSULE_CMD, 0, CapsulePdu.CMD_HEADER_LENGTH, inCapsuleLength);
        writeSqe(out, base, c, inline ? Sgl.ID_IN_CAPSULE : Sgl.ID_TRANSPORT);
        int dataAt = writer.sealHeader(out, base);
        if (inCapsuleLength > 0) {
            out.setBytes(dataAt, c.data, c.dataIndex, length);
            writer.sealData(out, dataAt, length);
            transferred[slot] = length;
        }
        out.writerIndex(base + plen);
    }

    /**
     * Room for {@code bytes} more bytes in this turn's transmit batch: PDUs of one reactor turn are encoded
     * back to back into one pooled buffer, written and flushed once by {@link #poll} (one buffer and one socket
     * write per batch, not per PDU).
     */
    private ByteBuf txSpace(int bytes) {
        ByteBuf batch = txBatch;
        if (batch != null && batch.writableBytes() >= bytes) {
            return batch;
        }
        if (batch != null) {
            channel.write(batch, channel.voidPromise());
        }
        batch = alloc.directBuffer(Math.max(bytes, TX_BATCH_BYTES));
        txBatch = batch;
        flushNeeded = true;
        return batch;
    }

    /** Hands the current batch to the channel (before a buffer that must follow it, or at the end of a turn). */
    private void writeBatch() {
        ByteBuf batch = txBatch;
        if (batch != null) {
            txBatch = null;
            if (batch.isReadable()) {
                channel.write(batch, channel.voidPromise());
            } else {
                batch.release();
            }
        }
    }

    private void writeSqe(ByteBuf out, int pduBase, Command c, int sglId) {
        int base = pduBase + CapsulePdu.SQE_OFFSET;
        c.writeSqe(out, base, pair.provenance());
        Sgl.write(out, base + Sqe.SGL1_OFFSET, 0, c.dataLength, sglId);
    }

    /** H2CData PDUs answering an R2T: DATAL at most MAXH2CDATA, contiguous, LAST_PDU on the final one. */
    private void sendH2CData(Command c, int ttag, int offset, int length) {
        int end = offset + length;
        int off = offset;
        while (off < end) {
            int chunk = (int) Math.min(maxH2CData, end - off);
            boolean last = off + chunk == end;
            boolean copy = chunk <= H2C_COPY_LIMIT;
            ByteBuf out = txSpace(copy ? writer.pduLength(DataPdu.HEADER_LENGTH, chunk)
                    : writer.dataOffset(DataPdu.HEADER_LENGTH));
            int base = out.writerIndex();
            int plen = writer.beginHeader(out, base, PduType.H2C_DATA, last ? CommonHeader.FLAG_LAST_PDU : 0,
                    DataPdu.HEADER_LENGTH, chunk);
            DataPdu.writeFields(out, base, c.cid(), ttag, off, chunk);
            int dataAt = writer.sealHeader(out, base);
            int src = c.dataIndex + off;
            if (copy) {
                out.setBytes(dataAt, c.data, src, chunk);
                writer.sealData(out, dataAt, chunk);
                out.writerIndex(base + plen);
            } else {
                // Large payloads go as a slice of the caller's buffer, after the header batch, without a copy.
                out.writerIndex(dataAt);
                writeBatch();
                channel.write(c.data.retainedSlice(src, chunk), channel.voidPromise());
                if (writer.dataDigest()) {
                    ByteBuf ddgst = txSpace(CommonHeader.DIGEST_LENGTH);
                    ddgst.writeIntLE(writer.dataDigest(c.data, src, chunk));
                }
            }
            off += chunk;
        }
        flushNeeded = true;
    }

    @Override
    public boolean flush() {
        if (!flushNeeded) {
            return false;
        }
        flushNeeded = false;
        if (channel == null) {
            return false;
        }
        writeBatch();
        channel.flush();
        return true;
    }

    /**
     * Socket reads of the current connection that went straight into a command's data buffer (a large C2HData
     * payload, {@link PduReceiver#PLACE_MIN}) instead of a receive buffer; 0 before the first connection. Reactor
     * thread, or any thread while the queue is idle.
     */
    public long placedReads() {
        PduReceiver r = receiver;
        return r == null ? 0 : r.placedReads();
    }

    /**
     * Socket reads of the current connection into the receiver's own reused buffer ({@link
     * PduReceiver#RECEIVE_BUFFER_BYTES}) rather than one from the pool; 0 before the first connection. Reactor
     * thread, or any thread while the queue is idle.
     */
    public long ownBufferReads() {
        PduReceiver r = receiver;
        return r == null ? 0 : r.ownBufferReads();
    }

    // ---------------------------------------------------------------- connection

    /** Makes the TLS record handler placed first on each new connection; null (default) for clear text. */
    public void tls(java.util.function.Supplier<io.netty.channel.ChannelHandler> handlers) {
        this.tlsHandlers = handlers;
    }

    @Override
    public void open(InetSocketAddress address, String endpoint, long timeoutMs) {
        close();
        this.endpoint = endpoint;
        writer.negotiated(false, false, 0);
        receiver = new PduReceiver(this);
        Bootstrap bootstrap = new Bootstrap()
                .group(pair.reactor().eventLoop())
                .channel(NettyTransports.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new LatencyWindowRecvAllocator(
                        new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 1024 * 1024), pair.reactor(), LATENCY_WINDOW_READ_BYTES,
                        receiver))
                .handler(receiver);
        ChannelFuture cf = bootstrap.connect(address);
        channel = cf.channel();
        Channel connecting = channel;
        // One deadline for the whole setup, TCP connect and ICReq/ICResp, as Linux bounds it; a timer on the
        // reactor's event loop, so it reads the reactor's clock like the queue's other deadlines.
        setupTimer = pair.reactor().eventLoop().schedule(() -> {
            if (channel == connecting) {
                setupTimer = null;
                pair.onConnectFailed("cannot connect to " + endpoint + ": no answer to the connection setup (ICReq) within "
                        + timeoutMs + " ms", null);
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        if (tlsHandlers != null) {
            channel.pipeline().addFirst(tlsHandlers.get()); // TLS before ICReq: the ICReq below waits for the handshake
        }
        cf.addListener(done -> {
            if (cf.channel() != channel) {
                return;
            }
            if (!done.isSuccess()) {
                pair.onConnectFailed("cannot connect to " + endpoint + ": " + describe(done.cause()), done.cause());
                return;
            }
            ByteBuf icReq = alloc.directBuffer(IcPdu.LENGTH);
            int digests = (pair.config().headerDigest() ? IcPdu.DGST_HEADER : 0)
                    | (pair.config().dataDigest() ? IcPdu.DGST_DATA : 0);
            // HPDA 0 (no padding wanted), MAXR2T 0 (0's based: one outstanding R2T).
            IcPdu.write(icReq, PduType.IC_REQ, 0, digests, 0);
            channel.writeAndFlush(icReq, channel.voidPromise());
        });
    }

    @Override
    public void close() {
        cancelSetupTimer();
        flushNeeded = false;
        if (txBatch != null) {
            txBatch.release();
            txBatch = null;
        }
        if (receiver != null) {
            receiver.stop();
        }
        Channel ch = channel;
        channel = null;
        if (ch != null && ch.isRegistered()) {
            ch.close();
        }
    }

    private void cancelSetupTimer() {
        if (setupTimer != null) {
            setupTimer.cancel(false);
            setupTimer = null;
        }
    }

    // ---------------------------------------------------------------- receiving (called by PduReceiver)

    /** The in-flight command with this CID, or null. */
    Command lookup(int cid) {
        return pair.lookup(cid);
    }

    /** Bytes of {@code c}'s data moved so far on this connection. */
    int transferred(Command c) {
        return transferred[c.index()];
    }

    void addTransferred(Command c, int bytes) {
        transferred[c.index()] += bytes;
    }

    boolean onIcResp(ByteBuf h) {
        int pfv = IcPdu.pfv(h, 0);
        int pda = IcPdu.pda(h, 0);
        int digests = IcPdu.digests(h, 0);
        long maxData = IcPdu.dword12(h, 0);
        int requested = (pair.config().headerDigest() ? IcPdu.DGST_HEADER : 0) | (pair.config().dataDigest() ? IcPdu.DGST_DATA : 0);
        String problem = null;
        if (pfv != 0) {
            problem = "ICResp has PDU format version " + pfv + " (only 0 is known)";
        } else if (pda > 31) {
            problem = "ICResp CPDA " + pda + " is out of range (0..31)";
        } else if (digests != requested) {
            problem = "the target answered digests " + digestNames(digests) + " to a request for " + digestNames(requested);
        } else if (maxData < 4096 || (maxData & 3) != 0) {
            problem = "ICResp MAXH2CDATA " + maxData + " is not a multiple of 4 of at least 4096";
        }
        if (problem != null) {
            onProtocolError(TermReqPdu.FES_INVALID_HEADER_FIELD, problem.contains("CPDA") ? IcPdu.PDA_OFFSET : IcPdu.DGST_OFFSET,
                    h, problem);
            return false;
        }
        boolean headerDigest = (digests & IcPdu.DGST_HEADER) != 0;
        boolean dataDigest = (digests & IcPdu.DGST_DATA) != 0;
        writer.negotiated(headerDigest, dataDigest, pda);
        cpda = pda;
        maxH2CData = maxData;
        cancelSetupTimer();
        receiver.initialized(headerDigest, dataDigest);
        pair.onConnected();
        return true;
    }

    /** The receiver is about to parse one socket read: its completions share one clock reading. */
    void beginReceive() {
        pair.beginReceive();
    }

    void endReceive() {
        pair.endReceive();
    }

    void onCapsuleResp(PduReceiver from, ByteBuf h) {
        int base = CapsulePdu.CQE_OFFSET;
        int cid = Cqe.cid(h, base);
        Command c = pair.lookup(cid);
        if (c == null) {
            onProtocolError(TermReqPdu.FES_INVALID_HEADER_FIELD, base + Cqe.CID_OFFSET, h,
                    String.format("CapsuleResp for unknown command id 0x%04x", cid));
            return;
        }
        int status = Cqe.status(h, base);
        if (Status.isSuccess(status) && hostStatus[c.index()] != 0) {
            status = hostStatus[c.index()];
        }
        pair.onResponse(c, status, Cqe.dw0(h, base), Cqe.dw1(h, base));
    }

    /** Final C2HData carried SUCCESS: there is no CapsuleResp; synthesize a success CQE (DW0 = DW1 = 0). */
    void onC2HSuccess(Command c) {
        int status = hostStatus[c.index()];
        if (status == 0 && transferred[c.index()] != c.dataLength) {
            status = Status.DATA_TRANSFER_ERROR;
        }
        pair.onResponse(c, status, 0, 0);
    }

    /** The data digest of {@code c}'s C2HData did not match: its completion reports a transfer error. */
    void onDataDigestError(Command c) {
        hostStatus[c.index()] = Status.DATA_TRANSFER_ERROR;
        LOG.warning(() -> "queue " + pair.qid() + ": data digest mismatch on command " + c.cid() + " from " + endpoint);
    }

    void onR2T(int cccid, int ttag, long offset, long length) {
        Command c = pair.lookup(cccid);
        String problem = null;
        int fei = DataPdu.CCCID_OFFSET;
        int fes = TermReqPdu.FES_INVALID_HEADER_FIELD;
        if (c == null) {
            problem = String.format("R2T for unknown command id 0x%04x", cccid);
        } else if (!c.hostToController() || inCapsule[c.index()]) {
            problem = String.format("R2T for command id 0x%04x, which has no data left to send", cccid);
        } else if (length == 0) {
            problem = "R2T with R2TL 0";
            fei = DataPdu.LENGTH_OFFSET;
        } else if (offset != transferred[c.index()]) {
            problem = "R2T offset " + offset + " is not the " + transferred[c.index()] + " bytes already sent";
            fei = DataPdu.OFFSET_OFFSET;
            fes = TermReqPdu.FES_DATA_OUT_OF_RANGE;
        } else if (offset + length > c.dataLength) {
            problem = "R2T asks for bytes up to " + (offset + length) + " of a " + c.dataLength + "-byte transfer";
            fei = DataPdu.LENGTH_OFFSET;
            fes = TermReqPdu.FES_DATA_OUT_OF_RANGE;
        }
        if (problem != null) {
            onProtocolError(fes, fei, null, problem);
            return;
        }
        transferred[c.index()] += (int) length;
        sendH2CData(c, ttag, (int) offset, (int) length);
    }

    void onTermReq(int fes, long fei) {
        String reason = "the target terminated the connection: C2HTermReq " + TermReqPdu.describe(fes)
                + (fes == TermReqPdu.FES_INVALID_HEADER_FIELD || fes == TermReqPdu.FES_UNSUPPORTED_PARAMETER
                ? " at byte " + fei : "");
        LOG.warning(() -> "queue " + pair.qid() + " (" + endpoint + "): " + reason);
        pair.onConnectionLost(reason);
    }

    /** A malformed or unexpected PDU: report it with an H2CTermReq, close, and let the owner reset. */
    void onProtocolError(int fes, long fei, ByteBuf offending, String reason) {
        String message = "protocol error from " + endpoint + ": " + reason;
        LOG.warning(() -> "queue " + pair.qid() + ": " + message);
        Channel ch = channel;
        if (ch != null && ch.isActive()) {
            ByteBuf term = alloc.directBuffer(TermReqPdu.HEADER_LENGTH + TermReqPdu.MAX_ERROR_DATA);
            int copy = offending == null ? 0 : Math.min(CommonHeader.hlen(offending, 0), TermReqPdu.MAX_ERROR_DATA);
            TermReqPdu.write(term, PduType.H2C_TERM_REQ, fes, fei, offending, 0, copy);
            ch.writeAndFlush(term);
        }
        pair.onConnectionLost(message);
    }

    void onChannelInactive(Channel ch) {
        if (ch == channel) {
            pair.onConnectionLost("the target " + endpoint + " closed the connection");
        }
    }

    void onChannelException(Channel ch, Throwable cause) {
        if (ch == channel) {
            pair.onConnectionLost("connection to " + endpoint + " failed: " + describe(cause));
        }
    }

    private static String digestNames(int bits) {
        if (bits == 0) {
            return "none";
        }
        return ((bits & IcPdu.DGST_HEADER) != 0 ? "header" : "") + ((bits & 3) == 3 ? "+" : "")
                + ((bits & IcPdu.DGST_DATA) != 0 ? "data" : "");
    }

    /** A person-readable reason for a connect or socket failure. */
    static String describe(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        if (cause instanceof ConnectTimeoutException) {
            return "no answer (connection timed out)";
        }
        if (cause instanceof ConnectException) {
            String m = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("refused")) {
                return "connection refused (is a target listening on that port?)";
            }
            return "cannot connect (" + cause.getMessage() + ")";
        }
        if (cause instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        String m = cause.getMessage();
        if (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("connection reset")) {
            return "connection reset by the target";
        }
        return m != null ? m : cause.getClass().getSimpleName();
    }
}
