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
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.Request;
import io.locus.target.core.TransportLimits;
import io.locus.target.model.RejectLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The receive side of one NVMe/TCP queue: frames host-to-controller PDUs, checks each common header
 * ({@link PduFraming#validate}) before its body is buffered, and turns capsules and H2CData into requests for the
 * {@link Dispatcher}. An explicit state machine in the manner of the Linux target's tcp.c:
 * {@code AWAIT_IC_REQ -> READY -> (FAILED)}; PDUs are handled in place in the cumulation buffer.
 */
final class TcpReceiver extends ByteToMessageDecoder {
    private static final Logger LOG = Logger.getLogger(TcpReceiver.class.getName());

    /** Receive states. */
    enum RecvState {
        /** Connection open, waiting for the host's ICReq. */
        AWAIT_IC_REQ,
        /** Initialized: capsules, data and TermReqs accepted. */
        READY,
        /** A fatal error was reported (C2HTermReq); input is discarded until the connection closes. */
        FAILED
    }

    private final TcpQueue queue;
    private final TcpTransport transport;
    private final Dispatcher dispatcher;
    private final TransportLimits limits;
    private final RejectLog rejects;
    private final Crc32cDigest crc = new Crc32cDigest();
    private ChannelHandlerContext ctx;
    private RecvState state = RecvState.AWAIT_IC_REQ;
    private boolean headerDigest;
    private boolean dataDigest;
    private long partialSinceNanos;
    private final long connectedNanos = System.nanoTime();

    TcpReceiver(TcpQueue queue, TcpTransport transport) {
        this.queue = queue;
        this.transport = transport;
        this.dispatcher = transport.dispatcher();
        this.limits = transport.limits();
        this.rejects = transport.rejects();
    }

    boolean ready() {
        return state == RecvState.READY;
    }

    boolean hasBufferedInput() {
        return internalBuffer().isReadable();
    }

    /** After a move: decodes what arrived while the queue was between reactors. */
    void resume() {
        if (internalBuffer().isReadable()) {
            ctx.channel().pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER).fireChannelReadComplete();
        }
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
        queue.inactive();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (partialSinceNanos != 0) {
            // Bytes of a partial PDU arrived: progress, so the stall clock starts again.
            partialSinceNanos = System.nanoTime();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        super.channelReadComplete(ctx);
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
        if (state == RecvState.AWAIT_IC_REQ && now - connectedNanos > stall) {
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

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // While the queue is changing reactors (also from a Connect handled in this loop) the new one decodes the rest.
        while (in.isReadable() && !queue.moving()) {
            if (state == RecvState.FAILED) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (in.readableBytes() < CommonHeader.LENGTH) {
                partialSinceNanos = partialSinceNanos == 0 ? System.nanoTime() : partialSinceNanos;
                return;
            }
            int base = in.readerIndex();
            int type = CommonHeader.type(in, base);
            if (!checkType(in, base, type)) {
                return;
            }
            long maxData = switch (type) {
                case PduType.CAPSULE_CMD -> limits.inCapsuleBytes(queue.qid());
                case PduType.H2C_DATA -> limits.maxDataPerPdu();
                default -> 0;
            };
            long check = PduFraming.validate(in, base, headerDigest, dataDigest, maxData);
            if (check != PduFraming.OK) {
                fatal(PduFraming.fes(check), PduFraming.fei(check), in, base);
                return;
            }
            int plen = (int) CommonHeader.plen(in, base);
            if (in.readableBytes() < plen) {
                partialSinceNanos = partialSinceNanos == 0 ? System.nanoTime() : partialSinceNanos;
                return;
            }
            partialSinceNanos = 0;
            int hlen = CommonHeader.hlen(in, base);
            if (headerDigest && PduType.mayCarryHeaderDigest(type)
                    && crc.compute(in, base, hlen) != in.getIntLE(base + hlen)) {
                fatal(TermReqPdu.FES_HEADER_DIGEST_ERROR, 0, in, base);
                return;
            }
            switch (type) {
                case PduType.IC_REQ -> onIcReq(in, base);
                case PduType.CAPSULE_CMD -> onCapsule(in, base);
                case PduType.H2C_DATA -> onH2cData(in, base);
                case PduType.H2C_TERM_REQ -> onTermReq(in, base);
                default -> throw new IllegalStateException("unreachable");
            }
            if (state != RecvState.FAILED) {
                in.readerIndex(base + plen);
            }
        }
    }

    private boolean checkType(ByteBuf in, int base, int type) {
        boolean ok = state == RecvState.AWAIT_IC_REQ ? type == PduType.IC_REQ
                : type == PduType.CAPSULE_CMD || type == PduType.H2C_DATA || type == PduType.H2C_TERM_REQ;
        if (ok) {
            return true;
        }
        boolean known = PduType.headerLength(type) >= 0;
        fatal(known ? TermReqPdu.FES_PDU_SEQUENCE_ERROR : TermReqPdu.FES_INVALID_HEADER_FIELD,
                known ? 0 : CommonHeader.TYPE_OFFSET, in, base);
        return false;
    }

    private void onIcReq(ByteBuf in, int base) {
        int pfv = IcPdu.pfv(in, base);
        int hpda = IcPdu.pda(in, base);
        int digests = IcPdu.digests(in, base);
        if (pfv != 0) {
            fatal(TermReqPdu.FES_UNSUPPORTED_PARAMETER, IcPdu.PFV_OFFSET, in, base);
            return;
        }
        if (hpda > 31) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, IcPdu.PDA_OFFSET, in, base);
            return;
        }
        headerDigest = (digests & IcPdu.DGST_HEADER) != 0;
        dataDigest = (digests & IcPdu.DGST_DATA) != 0;
        queue.writer().negotiated(headerDigest, dataDigest, hpda);
        ByteBuf resp = ctx.alloc().directBuffer(IcPdu.LENGTH);
        IcPdu.write(resp, PduType.IC_RESP, 0, digests & (IcPdu.DGST_HEADER | IcPdu.DGST_DATA), limits.maxDataPerPdu());
        queue.send(resp);
        state = RecvState.READY;
    }

    private void onTermReq(ByteBuf in, int base) {
        int fes = TermReqPdu.fes(in, base);
        rejects.reject(queue.peer(), "host sent H2CTermReq: " + TermReqPdu.describe(fes));
        state = RecvState.FAILED;
        ctx.close();
    }

    private void onCapsule(ByteBuf in, int base) {
        Request r = queue.allocate();
        if (r == null) {
            fatal(TermReqPdu.FES_PDU_SEQUENCE_ERROR, 0, in, base);
            return;
        }
        int sqeBase = base + CapsulePdu.SQE_OFFSET;
        r.sqe.writeBytes(in, sqeBase, Sqe.LENGTH);
        r.receivedNanos = System.nanoTime();
        r.state = Request.State.RECEIVED;
        r.cid = Sqe.cid(in, sqeBase);
        r.opcode = Sqe.opcode(in, sqeBase);
        if (queue.qid() > 0 && queue.controller().provenanceEnabled()) {
            r.readProvenance();
        }
        queue.consumeSqEntry();
        int sglId = Sqe.sglId(in, sqeBase);
        long sglLength = Sqe.sglLength(in, sqeBase);
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(in, sqeBase) & 0x3 : NvmOpcode.direction(r.opcode);
        int inCapsule = PduFraming.dataLength(in, base, headerDigest, dataDigest);
        r.transferLength = (int) Math.min(sglLength, Integer.MAX_VALUE);

        int status = dispatcher.checkCommand(r);
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        if (inCapsule > 0) {
            int pdo = CommonHeader.pdo(in, base);
            if (dataDigest) {
                int expected = in.getIntLE(pdo + base + inCapsule);
                if (crc.compute(in, base + pdo, inCapsule) != expected) {
                    rejects.reject(queue.peer(), "data digest error on capsule cid " + r.cid);
                    r.complete(Status.TRANSIENT_TRANSPORT_ERROR);
                    return;
                }
            }
            if (sglId != Sgl.ID_IN_CAPSULE) {
                r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
                return;
            }
            if (Sqe.sglAddress(in, sqeBase) != 0) {
                r.complete(Status.INVALID_SGL_OFFSET | Status.DNR);
                return;
            }
            if (sglLength != inCapsule) {
                r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
                return;
            }
            if (direction != NvmOpcode.XFER_HOST_TO_CONTROLLER) {
                r.complete(Status.INVALID_FIELD | Status.DNR);
                return;
            }
            r.allocateWriteData(inCapsule).writeBytes(in, base + pdo, inCapsule);
            dispatcher.execute(r);
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
            if (direction == NvmOpcode.XFER_HOST_TO_CONTROLLER) {
                requestData(r);
                return;
            }
        }
        dispatcher.execute(r);
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

    private void onH2cData(ByteBuf in, int base) {
        int cccid = DataPdu.cccid(in, base);
        int ttag = DataPdu.ttag(in, base);
        long offset = DataPdu.dataOffset(in, base);
        long length = DataPdu.dataLength(in, base);
        Request r = queue.slot(ttag);
        if (r == null || r.state != Request.State.AWAITING_DATA || r.cid != cccid) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, r == null ? DataPdu.TTAG_OFFSET : DataPdu.CCCID_OFFSET, in, base);
            return;
        }
        int carried = PduFraming.dataLength(in, base, headerDigest, dataDigest);
        // DATAL 0 moves nothing and would leave the command waiting: fatal, as in Linux's nvmet_tcp_handle_h2c_data_pdu
        // (pdu_len == 0 -> nvmet_tcp_fatal_error), reported like any other DATAL that disagrees with the PDU.
        if (length != carried || length == 0) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.LENGTH_OFFSET, in, base);
            return;
        }
        int received = r.data.writerIndex();
        if (offset != received || offset + length > r.transferLength) {
            fatal(TermReqPdu.FES_DATA_OUT_OF_RANGE, DataPdu.OFFSET_OFFSET, in, base);
            return;
        }
        // LAST_PDU marks the PDU that completes the R2T (one R2T covers the whole transfer here). Set earlier, the host
        // believes it is done while the command waits for the rest: fatal. Neither Linux's nor SPDK's target looks
        // at the flag, but both hosts set it only on the final PDU. A final PDU without it is tolerated, as both do.
        if ((CommonHeader.flags(in, base) & CommonHeader.FLAG_LAST_PDU) != 0 && offset + length != r.transferLength) {
            fatal(TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET, in, base);
            return;
        }
        int pdo = CommonHeader.pdo(in, base);
        if (dataDigest && crc.compute(in, base + pdo, carried) != in.getIntLE(base + pdo + carried)) {
            rejects.reject(queue.peer(), "data digest error on H2CData cid " + cccid);
            r.status = Status.TRANSIENT_TRANSPORT_ERROR;
        }
        r.data.writeBytes(in, base + pdo, carried);
        if (r.data.writerIndex() == r.transferLength) {
            r.state = Request.State.RECEIVED;
            if (r.status != Status.SUCCESS) {
                r.complete(r.status);
            } else {
                dispatcher.execute(r);
            }
        }
    }

    /** Reports a fatal transport error with a C2HTermReq and closes this connection (only this one). */
    private void fatal(int fes, long fei, ByteBuf in, int base) {
        int available = Math.min(in.writerIndex() - base, 128);
        int hlen = CommonHeader.hlen(in, base);
        int copy = Math.min(available, Math.max(CommonHeader.LENGTH, Math.min(hlen, 128)));
        rejects.reject(queue.peer(), "fatal " + TermReqPdu.describe(fes) + " (FEI " + fei + ") on "
                + PduType.name(CommonHeader.type(in, base)) + ", queue " + queue.qid());
        state = RecvState.FAILED;
        ByteBuf pdu = ctx.alloc().directBuffer(TermReqPdu.HEADER_LENGTH + copy);
        TermReqPdu.write(pdu, PduType.C2H_TERM_REQ, fes, fei, in, base, copy);
        in.skipBytes(in.readableBytes());
        queue.sendLast(pdu);
    }
}
