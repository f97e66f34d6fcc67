package io.locus.initiator.tcp;

import io.locus.initiator.queue.Command;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.PduFraming;
import io.locus.protocol.tcp.PduHeaderReader;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.locus.runtime.ReadPlacement;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Host-side receive state machine for one NVMe/TCP connection (controller to host PDUs).
 *
 * <pre>
 *  HEADER ──(CapsuleResp, R2T, ICResp)──────────────────────────────────► HEADER
 *     │
 *     └─(C2HData)─► PAD ─► DATA ─► [DATA_DIGEST] ─────────────────────────► HEADER
 *  any state ──(bad header, digest, sequence, C2HTermReq)──► FAILED (stays; the queue resets)
 * </pre>
 * The common header is checked ({@link PduFraming#validate}) as soon as its 8 bytes are in, before anything else is
 * buffered. Headers are collected by the {@link PduHeaderReader} the target's receiver uses too (one framing for both
 * ends); C2HData payload is copied straight from the socket's
 * buffers into the command's data buffer (no cumulation), and its data digest is computed over the destination.
 * A large payload ({@link #PLACE_MIN} or more still to come, a direct data buffer, clear text) skips even that copy:
 * as the {@link ReadPlacement} of its channel, the receiver has the next socket read land in the command's buffer
 * itself, as SPDK's host reads C2HData into the request's iovecs ({@code nvme_tcp_read_payload_data}). Nothing is
 * allocated per PDU (a placed read is a pooled buffer's recycled slice), nor per read of up to
 * {@link #RECEIVE_BUFFER_BYTES} (it lands in the receiver's own buffer).
 */
final class PduReceiver extends ChannelInboundHandlerAdapter implements ReadPlacement {
    /** C2HData payload still to come from which on socket reads go straight into the command's buffer. */
    static final int PLACE_MIN = 16 * 1024;
    /**
     * Fresh receive buffers after a large C2HData: room for the next PDU headers and a small payload, so a stream of
     * large payloads is not read ahead into receive buffers and copied (each such read then costs a system call more
     * than one large read would, against a copy of up to the whole payload saved).
     */
    static final int FRESH_AFTER_LARGE = 8 * 1024;
    /** The least a placed read takes unless it finishes the payload (a nearly spent window share reads fresh). */
    static final int PLACED_READ_MIN = 8 * 1024;
    /**
     * Fresh reads of at most this many bytes land in the receiver's own buffer of this size, reused read after read;
     * a larger guess (a deep queue's burst of small PDUs) gets a pooled buffer, its allocation shared by many PDUs.
     */
    static final int RECEIVE_BUFFER_BYTES = 64 * 1024;

    private static final int HEADER = 0;
    private static final int PAD = 1;
    private static final int DATA = 2;
    private static final int DATA_DIGEST = 3;
    private static final int FAILED = 4;

    private final TcpQueue queue;
    private final PduHeaderReader headers = new PduHeaderReader();
    /** The PDU header being collected or handled, from index 0. */
    private final ByteBuf header = headers.header();
    private final ByteBuf digest = Unpooled.buffer(4, 4);
    private final Crc32cDigest crc = new Crc32cDigest();
    private int state = HEADER;
    private boolean initialized;
    private boolean headerDigest;
    private boolean dataDigest;

    // The C2HData being received.
    private Command current;
    private int padRemaining;
    private int dataRemaining;
    private boolean success;
    /** The buffer the last {@link #placeNextRead} handed out, to know it when it comes back filled; else null. */
    private ByteBuf placed;
    /** Where fresh reads land ({@link #freshReadBuffer}); made at the first, released with the handler. */
    private ByteBuf receiveBuffer;
    /** The last C2HData carried {@link #PLACE_MIN} bytes or more. */
    private boolean largeData;
    private long placedReads;
    private long ownBufferReads;
    private ChannelHandlerContext ctx;

    PduReceiver(TcpQueue queue) {
        this.queue = queue;
    }

    /** ICResp accepted: from now on only the data-phase PDU types are valid. */
    void initialized(boolean headerDigest, boolean dataDigest) {
        this.initialized = true;
        this.headerDigest = headerDigest;
        this.dataDigest = dataDigest;
    }

    /** Stops parsing for good (the connection is being torn down). */
    void stop() {
        state = FAILED;
    }

    /** Socket reads into the receiver's own buffer so far ({@link #freshReadBuffer}; reactor thread). */
    long ownBufferReads() {
        return ownBufferReads;
    }

    /** Socket reads placed in commands' buffers so far ({@link #placeNextRead}; reactor thread). */
    long placedReads() {
        return placedReads;
    }

    @Override
    public ByteBuf placeNextRead(int maxBytes) {
        placed = null;
        if (state != DATA || dataRemaining < PLACE_MIN || ctx == null || ctx.pipeline().first() != this) {
            return null;
        }
        Command c = current;
        if (!c.data.isDirect() || c.data.nioBufferCount() != 1) {
            return null; // a socket read fills one contiguous direct region; a heap or composite buffer takes a copy
        }
        int n = Math.min(dataRemaining, maxBytes);
        if (n < PLACED_READ_MIN && n < dataRemaining) {
            return null;
        }
        placed = c.data.retainedSlice(c.dataIndex + queue.transferred(c), n).clear();
        placedReads++;
        return placed;
    }

    @Override
    public int freshReadLimit() {
        return largeData ? FRESH_AFTER_LARGE : Integer.MAX_VALUE;
    }

    /**
     * The receiver's own buffer for the next fresh read, when the read goes straight to it (nothing, such as TLS, in
     * front) and {@code bytes} fits: {@link #channelRead} consumes every byte of a read before it returns (headers and
     * payload are copied out, nothing keeps a view), so one buffer serves every read and a read allocates nothing.
     */
    @Override
    public ByteBuf freshReadBuffer(int bytes) {
        if (bytes > RECEIVE_BUFFER_BYTES || ctx == null || ctx.pipeline().first() != this) {
            return null;
        }
        ByteBuf b = receiveBuffer;
        if (b == null) {
            b = ctx.alloc().directBuffer(RECEIVE_BUFFER_BYTES, RECEIVE_BUFFER_BYTES);
            receiveBuffer = b;
        } else if (b.refCnt() != 1) {
            return null; // a read of it is still being handled: never, as channelRead releases each before returning
        }
        // The read fills [at, capacity): Netty reads up to the buffer's capacity from its writer index.
        int at = RECEIVE_BUFFER_BYTES - bytes;
        ownBufferReads++;
        return b.retain().setIndex(at, at);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        queue.beginReceive();
        try {
            if (in == placed) {
                // The read landed where the payload belongs: account for it, nothing to copy.
                placed = null;
                Command c = current;
                received(c, c.dataIndex + queue.transferred(c), in.readableBytes());
                return;
            }
            while (state != FAILED && in.isReadable()) {
                switch (state) {
                    case HEADER -> readHeader(in);
                    case PAD -> skipPad(in);
                    case DATA -> readData(in);
                    case DATA_DIGEST -> readDataDigest(in);
                    default -> throw new IllegalStateException("receiver state " + state);
                }
            }
        } finally {
            queue.endReceive();
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = FAILED;
        queue.onChannelInactive(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        state = FAILED;
        queue.onChannelException(ctx.channel(), cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        headers.release();
        digest.release();
        if (receiveBuffer != null) {
            receiveBuffer.release();
            receiveBuffer = null;
        }
    }

    private void readHeader(ByteBuf in) {
        switch (headers.read(in)) {
            case PduHeaderReader.COMMON_HEADER -> commonHeader();
            case PduHeaderReader.WHOLE_HEADER -> onHeader();
            default -> { }
        }
    }

    /** Checks the common header before anything else of the PDU is buffered, and sets how much header to collect. */
    private void commonHeader() {
        int type = CommonHeader.type(header, 0);
        boolean expected = initialized
                ? type == PduType.CAPSULE_RESP || type == PduType.C2H_DATA || type == PduType.R2T || type == PduType.C2H_TERM_REQ
                : type == PduType.IC_RESP || type == PduType.C2H_TERM_REQ;
        if (!expected) {
            fail(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.TYPE_OFFSET,
                    "unexpected " + PduType.name(type) + " PDU" + (initialized ? "" : " before ICResp"));
            return;
        }
        long check = PduFraming.validate(header, 0, headerDigest, dataDigest, Integer.MAX_VALUE);
        if (check != PduFraming.OK) {
            fail(PduFraming.fes(check), PduFraming.fei(check), "malformed " + PduType.name(type) + " header ("
                    + TermReqPdu.describe(PduFraming.fes(check)) + " at byte " + PduFraming.fei(check) + ")");
            return;
        }
        headers.expectWholeHeader(headerDigest);
    }

    private void onHeader() {
        int type = CommonHeader.type(header, 0);
        int hlen = CommonHeader.hlen(header, 0);
        if (headerDigest && PduType.mayCarryHeaderDigest(type)) {
            int expected = crc.compute(header, 0, hlen);
            if (header.getIntLE(hlen) != expected) {
                fail(TermReqPdu.FES_HEADER_DIGEST_ERROR, 0, PduType.name(type) + " header digest mismatch");
                return;
            }
        }
        switch (type) {
            case PduType.CAPSULE_RESP -> {
                nextPdu();
                // The header buffer is reused only after the completion is delivered: read it first.
                queue.onCapsuleResp(this, header);
            }
            case PduType.R2T -> onR2T();
            case PduType.C2H_DATA -> onC2HData();
            case PduType.IC_RESP -> {
                if (queue.onIcResp(header)) {
                    nextPdu();
                }
            }
            case PduType.C2H_TERM_REQ -> {
                int fes = TermReqPdu.fes(header, 0);
                long fei = TermReqPdu.fei(header, 0);
                state = FAILED;
                queue.onTermReq(fes, fei);
            }
            default -> fail(TermReqPdu.FES_INVALID_HEADER_FIELD, 0, "unexpected " + PduType.name(type) + " PDU");
        }
    }

    private void onR2T() {
        int cccid = DataPdu.cccid(header, 0);
        int ttag = DataPdu.ttag(header, 0);
        long offset = DataPdu.dataOffset(header, 0);
        long length = DataPdu.dataLength(header, 0);
        nextPdu();
        queue.onR2T(cccid, ttag, offset, length);
    }

    private void onC2HData() {
        int cccid = DataPdu.cccid(header, 0);
        long offset = DataPdu.dataOffset(header, 0);
        long length = DataPdu.dataLength(header, 0);
        int flags = CommonHeader.flags(header, 0);
        boolean last = (flags & CommonHeader.FLAG_LAST_PDU) != 0;
        success = (flags & CommonHeader.FLAG_SUCCESS) != 0;
        int carried = PduFraming.dataLength(header, 0, headerDigest, dataDigest);
        Command c = queue.lookup(cccid);
        if (c == null) {
            fail(TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.CCCID_OFFSET,
                    String.format("C2HData for unknown command id 0x%04x", cccid));
            return;
        }
        if (!c.controllerToHost()) {
            fail(TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.CCCID_OFFSET,
                    String.format("C2HData for command id 0x%04x, which reads no data", cccid));
            return;
        }
        if (length == 0 || length != carried) {
            fail(TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.LENGTH_OFFSET,
                    "C2HData DATAL " + length + " does not match the " + carried + " bytes the PDU carries");
            return;
        }
        if (offset != queue.transferred(c)) {
            fail(TermReqPdu.FES_PDU_SEQUENCE_ERROR, DataPdu.OFFSET_OFFSET,
                    "C2HData DATAO " + offset + " is not the next offset (" + queue.transferred(c) + ") of command " + cccid);
            return;
        }
        if (offset + length > c.dataLength) {
            fail(TermReqPdu.FES_DATA_OUT_OF_RANGE, DataPdu.LENGTH_OFFSET,
                    "C2HData ends at byte " + (offset + length) + ", past the " + c.dataLength + "-byte transfer");
            return;
        }
        if (success && !last) {
            fail(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET, "C2HData has SUCCESS without LAST_PDU");
            return;
        }
        current = c;
        padRemaining = CommonHeader.pdo(header, 0) - headers.wholeHeader(headerDigest);
        dataRemaining = (int) length;
        largeData = length >= PLACE_MIN;
        crc.reset();
        state = padRemaining > 0 ? PAD : DATA;
    }

    private void skipPad(ByteBuf in) {
        int n = Math.min(padRemaining, in.readableBytes());
        in.skipBytes(n);
        padRemaining -= n;
        if (padRemaining == 0) {
            state = DATA;
        }
    }

    private void readData(ByteBuf in) {
        Command c = current;
        int n = Math.min(dataRemaining, in.readableBytes());
        int to = c.dataIndex + queue.transferred(c);
        c.data.setBytes(to, in, in.readerIndex(), n);
        in.skipBytes(n);
        received(c, to, n);
    }

    /** {@code n} payload bytes of {@code c} are in its buffer at {@code to}. */
    private void received(Command c, int to, int n) {
        if (dataDigest) {
            crc.update(c.data, to, n);
        }
        queue.addTransferred(c, n);
        dataRemaining -= n;
        if (dataRemaining == 0) {
            if (dataDigest) {
                digest.clear();
                state = DATA_DIGEST;
            } else {
                dataDone();
            }
        }
    }

    private void readDataDigest(ByteBuf in) {
        int n = Math.min(4 - digest.writerIndex(), in.readableBytes());
        digest.writeBytes(in, n);
        if (digest.writerIndex() < 4) {
            return;
        }
        if (digest.getIntLE(0) != crc.value()) {
            // The Linux host fails the command, not the connection: Data Transfer Error when it completes.
            queue.onDataDigestError(current);
        }
        dataDone();
    }

    private void dataDone() {
        Command c = current;
        current = null;
        nextPdu();
        if (success) {
            queue.onC2HSuccess(c);
        }
    }

    private void nextPdu() {
        state = HEADER;
        headers.next();
    }

    private void fail(int fes, long fei, String reason) {
        state = FAILED;
        queue.onProtocolError(fes, fei, header, reason);
    }
}
