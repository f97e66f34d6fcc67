package io.locus.target.transport.tcp;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.IcPdu;
import io.locus.protocol.tcp.PduFraming;
import io.locus.protocol.tcp.PduHeaderReader;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.Request;
import io.locus.target.core.TransportLimits;
import io.locus.target.model.RejectLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The receive side of one NVMe/TCP queue: an explicit state machine in the manner of the Linux target's tcp.c
 * ({@code RECV_PDU, RECV_DATA, RECV_DDGST, RECV_ERR}) that reads host-to-controller PDUs with no cumulation buffer.
 *
 * <pre>
 *  HEADER ──(ICReq, data-less CapsuleCmd, H2CTermReq)────────────────────────────► HEADER
 *     │
 *     └─(CapsuleCmd with data, H2CData)─► PAD ─► DATA ─► [DATA_DIGEST] ───────────► HEADER
 *  any state ──(bad header, header digest, sequence, out of range)──► FAILED (C2HTermReq, then close)
 * </pre>
 * The common header is checked ({@link PduFraming#validate}) as soon as its 8 bytes are in, before anything else is
 * buffered; headers are collected into one small buffer; in-capsule data that arrived whole in one read stays where
 * it is (the request takes a view of the receive buffer), other data — split in-capsule data, H2CData — is copied
 * once, from the socket's buffer straight into the request's; digests are computed over where the data ends up.
 * Nothing is allocated per PDU. Commands go to the {@link Dispatcher}.
 */
final class TcpReceiver extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(TcpReceiver.class.getName());
    /** Buffer of one {@link #readNow} read: a few capsules of a latency-class flow, or one 4 KiB write's. */
    private static final int READ_NOW_BYTES = 16 * 1024;

    /** Receive states. */
    enum RecvState {
        /** Collecting a PDU header: the common header, then the rest with its digest. */
        HEADER,
        /** Skipping the padding between a header and its data (PDO). */
        PAD,
        /** Data, straight into the request's buffer (or skipped, for a capsule already failed). */
        DATA,
        /** The 4-byte digest of the data just received. */
        DATA_DIGEST,
        /** A fatal error was reported (C2HTermReq); input is discarded until the connection closes. */
        FAILED
    }

    private final TcpQueue queue;
    private final TcpTransport transport;
    private final Dispatcher dispatcher;
    private final TransportLimits limits;
    private final RejectLog rejects;
    private final Crc32cDigest crc = new Crc32cDigest();
    private final PduHeaderReader headers = new PduHeaderReader();
    /** The PDU header being collected or handled, from index 0. */
    private final ByteBuf header = headers.header();
    private final ByteBuf digest = Unpooled.buffer(CommonHeader.DIGEST_LENGTH, CommonHeader.DIGEST_LENGTH);
    private ChannelHandlerContext ctx;
    private RecvState state = RecvState.HEADER;
    /** ICReq accepted: from now on capsules, data and TermReqs. */
    private boolean initialized;
    private boolean headerDigest;
    private boolean dataDigest;
    private long partialSinceNanos;
    private final long connectedNanos = System.nanoTime();
    /** Input that arrived while the queue was moving between reactors, parsed once it is on the new one. */
    private ByteBuf held;
    /** A read's input is being parsed: {@link #readNow} does not nest into it. */
    private boolean parsing;
    /**
     * The buffer of a {@link #readNow} read that found the socket empty, kept for the next one: most looks between
     * the writes of a bulk flush find nothing, and each would otherwise take a buffer from the allocator and give it
     * back. Released with the handler.
     */
    private ByteBuf readNowSpare;

    // The data being received: its request (null: skipped), where it starts in the request's buffer, how much is left.
    private Request current;
    private boolean inCapsule;
    private int padRemaining;
    private int dataStart;
    private int dataLength;
    private int dataRemaining;

    TcpReceiver(TcpQueue queue, TcpTransport transport) {
        this.queue = queue;
        this.transport = transport;
        this.dispatcher = transport.dispatcher();
        this.limits = transport.limits();
        this.rejects = transport.rejects();
    }

    boolean ready() {
        return initialized && state != RecvState.FAILED;
    }

    /** Whether input is here that no command has been made of yet: part of a PDU, or input held over a move. */
    boolean hasBufferedInput() {
        return held != null || state == RecvState.PAD || state == RecvState.DATA || state == RecvState.DATA_DIGEST
                || state == RecvState.HEADER && headers.isPartial();
    }

    /** After a move: parses what arrived while the queue was between reactors. */
    void resume() {
        ByteBuf h = held;
        if (h == null) {
            return;
        }
        held = null;
        receive(h);
        afterRead();
    }

    // ---- channel lifecycle --------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        queue.attached(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        queue.active();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = RecvState.FAILED;
        current = null;
        releaseHeld();
        queue.inactive();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
        headers.release();
        digest.release();
        if (readNowSpare != null) {
            readNowSpare.release();
            readNowSpare = null;
        }
    }

    /**
     * Reads what the socket holds now, outside the event loop's read (between the writes of another queue's flush,
     * {@link io.locus.target.core.PollGroup#serviceLatencySources()}), and parses it as a Netty read would, until the
     * socket has no more. Only for a channel whose socket nothing stands between (no TLS), on its reactor, not while
     * a read of this queue is being parsed. A read error or the end of the stream ends the look: the event loop's own
     * read, due for the same readiness, closes the connection as usual. That read finds nothing of what was read here.
     *
     * @return whether anything was read
     */
    boolean readNow() {
        if (parsing || ctx == null || held != null || !ready() || ctx.pipeline().first() != this
                || !(ctx.channel() instanceof UnixChannel unix) || !ctx.channel().isActive()) {
            return false;
        }
        boolean any = false;
        while (true) {
            ByteBuf buf = readNowSpare;
            if (buf != null) {
                readNowSpare = null;
            } else {
                buf = ctx.alloc().directBuffer(READ_NOW_BYTES);
                queue.pollGroup().stats().recordLatencyServiceBuffer();
            }
            int n;
            try {
                n = buf.hasMemoryAddress() ? unix.fd().readAddress(buf.memoryAddress(), 0, buf.capacity())
                        : unix.fd().read(buf.internalNioBuffer(0, buf.capacity()), 0, buf.capacity());
            } catch (IOException e) {
                n = 0;
            }
            if (n <= 0) {
                readNowSpare = buf; // nothing was written into it: the next look reads into it
                break;
            }
            buf.writerIndex(n);
            any = true;
            channelRead(ctx, buf);
            if (n < READ_NOW_BYTES || queue.moving() || !ready()) {
                break;
            }
        }
        if (any) {
            afterRead();
        }
        return any;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (partialSinceNanos != 0) {
            // Bytes of a partial PDU arrived: progress, so the stall clock starts again.
            partialSinceNanos = System.nanoTime();
        }
        ByteBuf in = (ByteBuf) msg;
        if (held != null || queue.moving()) {
            hold(in);
            return;
        }
        receive(in);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        super.channelReadComplete(ctx);
        afterRead();
    }

    private void afterRead() {
        if (queue.flushScheduled()) {
            queue.flushPending();
        }
        queue.maybeMove();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.fine(() -> "queue " + queue.qid() + " from " + queue.peer() + ": " + cause);
        ctx.close();
    }

    /** Once a second: a host that never initializes or stalls mid-PDU is dropped; a wanted move is retried. */
    void onTimer() {
        long now = System.nanoTime();
        long stall = transport.stallTimeoutNanos();
        if (!initialized && now - connectedNanos > stall) {
            rejects.reject(queue.peer(), "no ICReq within " + TimeUnit.NANOSECONDS.toSeconds(stall) + " s");
            ctx.close();
            return;
        }
        if (partialSinceNanos != 0 && now - partialSinceNanos > stall) {
            rejects.reject(queue.peer(), "stalled mid-PDU for " + TimeUnit.NANOSECONDS.toSeconds(stall) + " s");
            ctx.close();
            return;
        }
        // A wanted move that found responses still in the socket buffer tries again here.
        queue.maybeMove();
    }

    // ---- receive ------------------------------------------------------------------------------------------

    /** Parses {@code in} and releases it; what a move leaves unparsed is held for the new reactor. */
    private void receive(ByteBuf in) {
        // One clock read per socket read: the capsules in it arrived together and are stamped with it.
        queue.pollGroup().readStamp();
        parsing = true;
        try {
            // While the queue is changing reactors (also from a Connect handled here) the new one parses the rest.
            while (in.isReadable() && !queue.moving()) {
                switch (state) {
                    case HEADER -> readHeader(in);
                    case PAD -> skipPad(in);
                    case DATA -> readData(in);
                    case DATA_DIGEST -> readDataDigest(in);
                    case FAILED -> in.skipBytes(in.readableBytes());
                }
            }
            if (in.isReadable()) {
                hold(in);
            }
        } finally {
            parsing = false;
            in.release();
        }
        boolean partial = hasBufferedInput() && held == null && state != RecvState.FAILED;
        partialSinceNanos = !partial ? 0 : partialSinceNanos == 0 ? System.nanoTime() : partialSinceNanos;
    }

    /** Keeps a copy of the unparsed input until the queue is on its new reactor (moves are rare: a copy is fine). */
    private void hold(ByteBuf in) {
        if (held == null) {
            held = ctx.alloc().buffer(in.readableBytes());
        }
        held.writeBytes(in);
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    private void readHeader(ByteBuf in) {
        switch (headers.read(in)) {
            case PduHeaderReader.COMMON_HEADER -> commonHeader(in);
            case PduHeaderReader.WHOLE_HEADER -> onHeader(in);
            default -> { }
        }
    }

    /** Checks the common header before anything else of the PDU is buffered, and sets how much header to collect. */
    private void commonHeader(ByteBuf in) {
        int type = CommonHeader.type(header, 0);
        if (!checkType(in, type)) {
            return;
        }
        long maxData = switch (type) {
            case PduType.CAPSULE_CMD -> limits.inCapsuleBytes(queue.qid());
            case PduType.H2C_DATA -> limits.maxDataPerPdu();
            default -> 0;
        };
        long check = PduFraming.validate(header, 0, headerDigest, dataDigest, maxData);
        if (check != PduFraming.OK) {
            fatal(PduFraming.fes(check), PduFraming.fei(check), in);
            return;
        }
        headers.expectWholeHeader(headerDigest);
    }

    private void onHeader(ByteBuf in) {
        int type = CommonHeader.type(header, 0);
        int hlen = CommonHeader.hlen(header, 0);
        if (headerDigest && PduType.mayCarryHeaderDigest(type) && crc.compute(header, 0, hlen) != header.getIntLE(hlen)) {
            fatal(TermReqPdu.FES_HEADER_DIGEST_ERROR, 0, in);
            return;
        }
        switch (type) {
            case PduType.IC_REQ -> onIcReq(in);
            case PduType.CAPSULE_CMD -> onCapsule(in);
            case PduType.H2C_DATA -> onH2cData(in);
            case PduType.H2C_TERM_REQ -> onTermReq();
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /** The PDU is done: collect the next one's header. */
    private void nextPdu() {
        headers.next();
        state = RecvState.HEADER;
    }

    /**
     * Receives the PDU's {@code length} bytes of data into {@code r}'s buffer at its writer index (null: skips them),
     * after the padding up to PDO.
     */
    private void expectData(Request r, boolean capsule, int length) {
        padRemaining = padBeforeData();
        dataFor(r, capsule, r == null ? 0 : r.data.writerIndex(), length, length);
        state = padRemaining > 0 ? RecvState.PAD : RecvState.DATA;
    }

    /** Bytes between the end of the PDU's header (and its digest) and its data, PDO; negative for none. */
    private int padBeforeData() {
        return CommonHeader.pdo(header, 0) - headers.wholeHeader(headerDigest);
    }

    /** Whose data the PDU carries, where it starts in that request's buffer, its length and how much is to come. */
    private void dataFor(Request r, boolean capsule, int start, int length, int remaining) {
        current = r;
        inCapsule = capsule;
        dataStart = start;
        dataLength = length;
        dataRemaining = remaining;
    }

    /**
     * When a capsule's padding and all of its {@code length} bytes of data are already in {@code in}, the request
     * takes a view of them there (a retained slice of the receive buffer, released with the request) instead of a
     * copy, as SPDK's target reads in-capsule data once, into the request. Else returns false: the data is copied as
     * it arrives ({@link #expectData}).
     */
    private boolean dataInPlace(Request r, int length, ByteBuf in) {
        int pad = padBeforeData();
        if (pad < 0 || in.readableBytes() < pad + length) {
            return false;
        }
        r.receivedData(in.retainedSlice(in.readerIndex() + pad, length));
        in.skipBytes(pad + length);
        dataFor(r, true, 0, length, 0);
        dataEnd();
        return true;
    }

    private void skipPad(ByteBuf in) {
        int n = Math.min(padRemaining, in.readableBytes());
        in.skipBytes(n);
        padRemaining -= n;
        if (padRemaining == 0) {
            state = RecvState.DATA;
        }
    }

    private void readData(ByteBuf in) {
        int n = Math.min(dataRemaining, in.readableBytes());
        if (current != null) {
            current.data.writeBytes(in, n);
        } else {
            in.skipBytes(n);
        }
        dataRemaining -= n;
        if (dataRemaining == 0) {
            dataEnd();
        }
    }

    /** All of the PDU's data is in: its digest comes next, or the PDU is done. */
    private void dataEnd() {
        if (dataDigest) {
            digest.clear();
            state = RecvState.DATA_DIGEST;
        } else {
            dataDone(true);
        }
    }

    private void readDataDigest(ByteBuf in) {
        digest.writeBytes(in, Math.min(digest.writableBytes(), in.readableBytes()));
        if (digest.isWritable()) {
            return;
        }
        Request r = current;
        dataDone(r == null || crc.compute(r.data, dataStart, dataLength) == digest.getIntLE(0));
    }

    private void dataDone(boolean digestOk) {
        Request r = current;
        current = null;
        nextPdu();
        if (r == null) {
            return;
        }
        if (inCapsule) {
            capsuleDataIn(r, digestOk);
        } else {
            h2cDataIn(r, digestOk);
        }
    }

    private boolean checkType(ByteBuf in, int type) {
        boolean ok = !initialized ? type == PduType.IC_REQ
                : type == PduType.CAPSULE_CMD || type == PduType.H2C_DATA || type == PduType.H2C_TERM_REQ;
        if (ok) {
            return true;
        }
        boolean known = PduType.headerLength(type) >= 0;
        fatal(known ? TermReqPdu.FES_PDU_SEQUENCE_ERROR : TermReqPdu.FES_INVALID_HEADER_FIELD,
                known ? 0 : CommonHeader.TYPE_OFFSET, in);
        return false;
    }

    private void onIcReq(ByteBuf in) {
        int pfv = IcPdu.pfv(header, 0);
        int hpda = IcPdu.pda(header, 0);
        int digests = IcPdu.digests(header, 0);
        if (pfv != 0) {
            fatal(TermReqPdu.FES_UNSUPPORTED_PARAMETER, IcPdu.PFV_OFFSET, in);
            return;
        }
        if (hpda > 31) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, IcPdu.PDA_OFFSET, in);
            return;
        }
        nextPdu();
        headerDigest = (digests & IcPdu.DGST_HEADER) != 0;
        dataDigest = (digests & IcPdu.DGST_DATA) != 0;
        queue.writer().negotiated(headerDigest, dataDigest, hpda);
        ByteBuf resp = ctx.alloc().directBuffer(IcPdu.LENGTH);
        IcPdu.write(resp, PduType.IC_RESP, 0, digests & (IcPdu.DGST_HEADER | IcPdu.DGST_DATA), limits.maxDataPerPdu());
        queue.send(resp);
        initialized = true;
    }

    private void onTermReq() {
        int fes = TermReqPdu.fes(header, 0);
        rejects.reject(queue.peer(), "host sent H2CTermReq: " + TermReqPdu.describe(fes));
        state = RecvState.FAILED;
        ctx.close();
    }

    /**
     * A CapsuleCmd's header is in: the command gets its slot, and its in-capsule data (if any) is read straight into
     * its buffer; the checks that depend on the data run once it is there ({@link #capsuleDataIn}), in the same order.
     */
    private void onCapsule(ByteBuf in) {
        Request r = queue.allocate();
        if (r == null) {
            fatal(TermReqPdu.FES_PDU_SEQUENCE_ERROR, 0, in);
            return;
        }
        int sqeBase = CapsulePdu.SQE_OFFSET;
        r.sqe.writeBytes(header, sqeBase, Sqe.LENGTH);
        r.receivedNanos = queue.pollGroup().stampNanos();
        r.state = Request.State.RECEIVED;
        r.cid = Sqe.cid(header, sqeBase);
        r.opcode = Sqe.opcode(header, sqeBase);
        if (queue.qid() > 0 && queue.controller().provenanceEnabled()) {
            r.readProvenance();
        }
        queue.consumeSqEntry();
        int sglId = Sqe.sglId(header, sqeBase);
        long sglLength = Sqe.sglLength(header, sqeBase);
        int inCapsuleLength = PduFraming.dataLength(header, 0, headerDigest, dataDigest);
        r.transferLength = (int) Math.min(sglLength, Integer.MAX_VALUE);

        int status = dispatcher.checkCommand(r);
        if (inCapsuleLength > 0) {
            if (status != Status.SUCCESS) {
                expectData(null, true, inCapsuleLength);
                r.complete(status);
                return;
            }
            if (!dataInPlace(r, inCapsuleLength, in)) {
                r.allocateWriteData(inCapsuleLength);
                expectData(r, true, inCapsuleLength);
            }
            return;
        }
        nextPdu();
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        if (sglLength > 0) {
            if (sglId == Sgl.ID_IN_CAPSULE) {
                r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
                return;
            }
            if (sglId != Sgl.ID_TRANSPORT) {
                r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
                return;
            }
            if (sglLength > limits.maxTransferBytes()) {
                r.complete(Status.INVALID_FIELD | Status.DNR);
                return;
            }
            if (direction(r) == NvmOpcode.XFER_HOST_TO_CONTROLLER) {
                requestData(r);
                return;
            }
        }
        dispatcher.execute(r);
    }

    /** In-capsule data is in the request's buffer: its digest, then the SGL checks, then the command runs. */
    private void capsuleDataIn(Request r, boolean digestOk) {
        if (!digestOk) {
            rejects.reject(queue.peer(), "data digest error on capsule cid " + r.cid);
            r.complete(Status.TRANSIENT_TRANSPORT_ERROR);
            return;
        }
        if (Sqe.sglId(r.sqe, 0) != Sgl.ID_IN_CAPSULE) {
            r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
            return;
        }
        if (Sqe.sglAddress(r.sqe, 0) != 0) {
            r.complete(Status.INVALID_SGL_OFFSET | Status.DNR);
            return;
        }
        if (Sqe.sglLength(r.sqe, 0) != dataLength) {
            r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
            return;
        }
        if (direction(r) != NvmOpcode.XFER_HOST_TO_CONTROLLER) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        dispatcher.execute(r);
    }

    private static int direction(Request r) {
        return r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
    }

    /** Validates a write before asking for its data (a failed command gets no R2T), then sends one R2T for it all. */
    private void requestData(Request r) {
        int status = dispatcher.validate(r);
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        r.allocateWriteData(r.transferLength);
        r.state = Request.State.AWAITING_DATA;
        queue.sendR2t(r);
    }

    /** An H2CData header is in: checks it against its command's R2T, then reads the data into the command's buffer. */
    private void onH2cData(ByteBuf in) {
        int cccid = DataPdu.cccid(header, 0);
        int ttag = DataPdu.ttag(header, 0);
        long offset = DataPdu.dataOffset(header, 0);
        long length = DataPdu.dataLength(header, 0);
        Request r = queue.slot(ttag);
        if (r == null || r.state != Request.State.AWAITING_DATA || r.cid != cccid) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, r == null ? DataPdu.TTAG_OFFSET : DataPdu.CCCID_OFFSET, in);
            return;
        }
        int carried = PduFraming.dataLength(header, 0, headerDigest, dataDigest);
        // DATAL 0 moves nothing and would leave the command waiting: fatal, as in Linux's nvmet_tcp_handle_h2c_data_pdu
        // (pdu_len == 0 -> nvmet_tcp_fatal_error), reported like any other DATAL that disagrees with the PDU.
        if (length != carried || length == 0) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.LENGTH_OFFSET, in);
            return;
        }
        int received = r.data.writerIndex();
        if (offset != received || offset + length > r.transferLength) {
            fatal(TermReqPdu.FES_DATA_OUT_OF_RANGE, DataPdu.OFFSET_OFFSET, in);
            return;
        }
        // LAST_PDU marks the PDU that completes the R2T (one R2T covers the whole transfer here). Set earlier, the host
        // believes it is done while the command waits for the rest: fatal. Neither Linux's nor SPDK's target looks
        // at the flag, but both hosts set it only on the final PDU. A final PDU without it is tolerated, as both do.
        if ((CommonHeader.flags(header, 0) & CommonHeader.FLAG_LAST_PDU) != 0 && offset + length != r.transferLength) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET, in);
            return;
        }
        expectData(r, false, carried);
    }

    /** An H2CData PDU's data is in the command's buffer; the command runs once all its data is. */
    private void h2cDataIn(Request r, boolean digestOk) {
        if (!digestOk) {
            rejects.reject(queue.peer(), "data digest error on H2CData cid " + r.cid);
            r.status = Status.TRANSIENT_TRANSPORT_ERROR;
        }
        if (r.data.writerIndex() == r.transferLength) {
            r.state = Request.State.RECEIVED;
            if (r.status != Status.SUCCESS) {
                r.complete(r.status);
            } else {
                dispatcher.execute(r);
            }
        }
    }

    /**
     * Reports a fatal transport error with a C2HTermReq and closes this connection (only this one). The TermReq
     * carries the offending header: what was collected of it, then what follows in {@code in}, up to 128 bytes.
     */
    private void fatal(int fes, long fei, ByteBuf in) {
        int have = header.writerIndex();
        int available = Math.min(have + in.readableBytes(), TermReqPdu.MAX_ERROR_DATA);
        int hlen = CommonHeader.hlen(header, 0);
        int copy = Math.min(available, Math.max(CommonHeader.LENGTH, Math.min(hlen, TermReqPdu.MAX_ERROR_DATA)));
        if (copy > have) {
            header.writeBytes(in, in.readerIndex(), copy - have);
        }
        rejects.reject(queue.peer(), "fatal " + TermReqPdu.describe(fes) + " (FEI " + fei + ") on "
                + PduType.name(CommonHeader.type(header, 0)) + ", queue " + queue.qid());
        state = RecvState.FAILED;
        ByteBuf pdu = ctx.alloc().directBuffer(TermReqPdu.HEADER_LENGTH + copy);
        TermReqPdu.write(pdu, PduType.C2H_TERM_REQ, fes, fei, header, 0, copy);
        in.skipBytes(in.readableBytes());
        queue.sendLast(pdu);
    }
}
