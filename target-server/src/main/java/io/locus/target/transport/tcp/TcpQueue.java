package io.locus.target.transport.tcp;

import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
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
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.runtime.Reactor;
import io.locus.target.metrics.ReactorStats;
import io.locus.target.metrics.RequestEvent;
import io.locus.target.auth.DhchapTarget;
import io.locus.target.backend.ReactorCompletions;
import io.locus.target.command.AdminCommands;
import io.locus.target.command.FabricsCommands;
import io.locus.target.command.IoCommands;
import io.locus.target.command.QueueContext;
import io.locus.target.command.Request;
import io.locus.target.model.Controller;
import io.locus.target.model.Port;
import io.locus.target.model.RejectLog;
import io.locus.target.model.TargetLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One NVMe/TCP queue (one connection), owned by one reactor: receives PDUs, runs the command sets, moves data with
 * R2T/H2CData and C2HData, and sends completions. An explicit receive state machine in the manner of the Linux
 * target's tcp.c: {@code AWAIT_IC_REQ -> READY -> (FAILED)}; PDUs are handled in place in the cumulation buffer
 * and nothing but pooled buffers is allocated per command.
 */
public final class TcpQueue extends ByteToMessageDecoder implements QueueContext, ReactorCompletions.Flushable {
    private static final Logger LOG = Logger.getLogger(TcpQueue.class.getName());

    /** Receive states. */
    enum RecvState {
        /** Connection open, waiting for the host's ICReq. */
        AWAIT_IC_REQ,
        /** Initialized: capsules, data and TermReqs accepted. */
        READY,
        /** A fatal error was reported (C2HTermReq); input is discarded until the connection closes. */
        FAILED
    }

    /** Slots available before Connect tells the queue size. */
    private static final int INITIAL_SLOTS = 32;

    private final TcpTransport transport;
    /**
     * Owning reactor. An I/O queue moves right after Connect to reactor (qid - 1) mod n, and, on a controller with
     * provenance, later to the reactor its homed flows belong to (see {@link #voteHome}); only while quiescent.
     */
    private Reactor reactor;
    private ReactorCompletions completions;
    private Reactor migrateTo;
    /** A move is under way: input waits in the cumulation until the queue is on its new reactor. */
    private boolean moving;
    /** Index of the reactor the homed flows want this queue on, once it is quiescent; -1: none. */
    private int wantedHome = -1;
    /** Homed completions per reactor index (where their flows are homed), halved every {@link #VOTE_WINDOW}. */
    private int[] homeVotes;
    private int votes;
    /** Homed completions between two halvings of the votes: the placement follows the recent mix of flows. */
    private static final int VOTE_WINDOW = 1024;
    private final QueueFlows flows = new QueueFlows();
    private final Port port;
    private final TargetLimits limits;
    private final ResponseBatching batching;
    private final RejectLog rejects;
    private final FabricsCommands fabrics;
    private final AdminCommands admin;
    private final IoCommands io = new IoCommands();
    private final Crc32cDigest crc = new Crc32cDigest();
    private final List<Request> slots = new ArrayList<>();
    private int[] freeSlots = new int[INITIAL_SLOTS];
    private int freeCount;
    private int slotLimit = INITIAL_SLOTS;

    private ChannelHandlerContext ctx;
    private RecvState state = RecvState.AWAIT_IC_REQ;
    private boolean headerDigest;
    private boolean dataDigest;
    private int hostPda;
    private Controller controller;
    private int qid = -1;
    private int sqSize;
    private int sqHead;
    private boolean sqFlowControlDisabled;
    private boolean flushScheduled;
    private int pendingResponses;
    private long pendingBytes;
    private boolean closed;
    private long partialSinceNanos;
    private final long connectedNanos = System.nanoTime();
    private ScheduledFuture<?> timer;
    private String peer = "?";

    TcpQueue(TcpTransport transport, Reactor reactor, ReactorCompletions completions, Port port) {
        this.transport = transport;
        this.reactor = reactor;
        this.completions = completions;
        this.port = port;
        this.limits = transport.target().limits();
        this.batching = new ResponseBatching(limits.batchPdus(), limits.batchBytes());
        this.rejects = transport.target().rejects();
        this.fabrics = transport.fabrics();
        this.admin = transport.admin();
    }

    // ---- QueueContext -------------------------------------------------------------------------------------

    @Override
    public int qid() {
        return qid;
    }

    @Override
    public Controller controller() {
        return controller;
    }

    @Override
    public void bind(Controller controller, int qid, int sqSize, boolean sqFlowControlDisabled) {
        Reactor home = qid > 0 ? transport.homeReactor(qid) : reactor;
        if (home != reactor) {
            migrateTo = home;
        }
        this.controller = controller;
        this.qid = qid;
        this.sqSize = sqSize;
        this.sqFlowControlDisabled = sqFlowControlDisabled;
        // Linux's nvmet-tcp allows twice the queue size in commands (in flight plus awaiting data); so do we.
        this.slotLimit = 2 * (sqSize + 1);
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public ReactorCompletions completions() {
        return completions;
    }

    @Override
    public Port port() {
        return port;
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public io.locus.protocol.tls.PskIdentity tlsIdentity() {
        io.locus.runtime.tls.TlsRecordHandler tls = ctx == null ? null : ctx.pipeline().get(io.locus.runtime.tls.TlsRecordHandler.class);
        return tls == null ? null : tls.peerIdentity();
    }

    @Override
    public void close(String reason) {
        if (ctx == null) {
            return;
        }
        if (reactor.inReactor()) {
            if (ctx.channel().isOpen()) {
                LOG.fine(() -> "closing queue " + qid + " from " + peer + ": " + reason);
                ctx.close();
            }
        } else {
            ctx.channel().close();
        }
    }

    // ---- channel lifecycle --------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        timer = ctx.executor().scheduleAtFixedRate(this::onTimer, 1, 1, TimeUnit.SECONDS);
        super.channelActive(ctx);
    }

    /**
     * Moves this queue to {@code target}: leaves this reactor's event loop and joins the target's, then every
     * receive, submission, completion and response of the queue runs there. Only when quiescent (no command
     * outstanding, no input buffered, responses flushed), so no request, backend I/O or flush refers to the old
     * reactor afterwards. Input that arrives meanwhile waits (see {@link #moving}): in the socket while the channel is
     * between loops, in the cumulation when the old loop reads it before it lets go, or when the new loop reads it
     * before the registration's listener has run (Netty may start reading first); the listener then decodes it.
     *
     * @param reason {@link ReactorStats#MOVE_CONNECT} or {@link ReactorStats#MOVE_PROVENANCE}
     */
    private void moveTo(Reactor target, int reason) {
        moving = true;
        flushPending();
        completions.forget(this);
        if (timer != null) {
            timer.cancel(false);
        }
        int carried = flows.moved();
        Channel channel = ctx.channel();
        channel.deregister().addListener(d -> {
            if (!d.isSuccess()) {
                channel.close();
                return;
            }
            Runnable hook = transport.duringMove;
            if (hook != null) {
                hook.run();
            }
            target.eventLoop().register(channel).addListener(r -> {
                if (!r.isSuccess()) {
                    channel.close();
                    return;
                }
                // On the target reactor from here on.
                reactor = target;
                completions = transport.completions(target);
                moving = false;
                completions.stats().recordQueueMove(reason, carried);
                timer = ctx.executor().scheduleAtFixedRate(this::onTimer, 1, 1, TimeUnit.SECONDS);
                if (closed) {
                    channel.close();
                    return;
                }
                if (internalBuffer().isReadable()) {
                    channel.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER).fireChannelReadComplete();
                }
            });
        });
    }

    /**
     * Counts a homed completion toward the reactor its flow is homed on, and asks for a move when that reactor
     * clearly dominates this queue's recent homed traffic: more than twice the completions homed here. A queue
     * carrying one flow sent on the "wrong" queue moves after its first remote completion; a queue carrying flows of
     * several homes does not ping-pong between them (moving back needs the mix to turn around).
     */
    private void voteHome(int homeCpu) {
        int n = completions.reactorCount();
        if (n < 2) {
            return;
        }
        if (homeVotes == null) {
            homeVotes = new int[n];
        }
        int home = completions.homeIndex(homeCpu);
        homeVotes[home]++;
        if (++votes >= VOTE_WINDOW) {
            votes = 0;
            for (int i = 0; i < n; i++) {
                homeVotes[i] >>= 1;
                votes += homeVotes[i];
            }
        }
        if (home != completions.index() && homeVotes[home] > 2 * homeVotes[completions.index()]) {
            wantedHome = home;
        }
    }

    /** Starts a wanted provenance move if the queue is quiescent now; otherwise a later completion, read or tick will. */
    private void maybeMove() {
        if (wantedHome < 0 || moving || migrateTo != null || closed || ctx == null || state != RecvState.READY) {
            return;
        }
        if (freeCount != slots.size() || internalBuffer().isReadable()) {
            return; // a command outstanding (executing, deferred or awaiting data), or input not yet parsed
        }
        int here = completions.index();
        int want = wantedHome;
        if (want == here || homeVotes[want] <= 2 * homeVotes[here]) {
            wantedHome = -1; // the mix turned around before the queue was free to move
            return;
        }
        flushPending();
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null || !out.isEmpty()) {
            return; // responses still waiting for socket space (or closing): not now
        }
        wantedHome = -1;
        moveTo(transport.reactorAt(want), ReactorStats.MOVE_PROVENANCE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (controller != null) {
            if (qid == 0) {
                controller.abortAers();
            }
            controller.queueClosed(this, qid);
        }
        // Requests with the backend are released when their completion comes back; the rest now.
        for (Request r : slots) {
            if (r.state == Request.State.RECEIVED || r.state == Request.State.AWAITING_DATA) {
                r.reset();
            }
        }
        transport.queueClosed(this);
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.fine(() -> "queue " + qid + " from " + peer + ": " + cause);
        ctx.close();
    }

    private void onTimer() {
        long now = System.nanoTime();
        long stall = transport.stallTimeoutNanos();
        if (state == RecvState.AWAIT_IC_REQ && now - connectedNanos > stall) {
            rejects.reject(peer, "no ICReq within " + TimeUnit.NANOSECONDS.toSeconds(stall) + " s");
            ctx.close();
            return;
        }
        if (partialSinceNanos != 0 && now - partialSinceNanos > stall) {
            rejects.reject(peer, "stalled mid-PDU for " + TimeUnit.NANOSECONDS.toSeconds(stall) + " s");
            ctx.close();
            return;
        }
        if (controller != null && qid == 0) {
            controller.expireKeepAliveIfDue(now);
        }
        // A wanted move that found responses still in the socket buffer tries again here.
        maybeMove();
    }

    // ---- receive ------------------------------------------------------------------------------------------

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // While the queue is changing reactors (also from a Connect handled in this loop) the new one decodes the rest.
        while (in.isReadable() && !moving) {
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
                case PduType.CAPSULE_CMD -> qid > 0 ? limits.ioInCapsuleBytes() : limits.adminInCapsuleBytes();
                case PduType.H2C_DATA -> limits.maxH2cData();
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
        hostPda = hpda;
        headerDigest = (digests & IcPdu.DGST_HEADER) != 0;
        dataDigest = (digests & IcPdu.DGST_DATA) != 0;
        ByteBuf resp = ctx.alloc().directBuffer(IcPdu.LENGTH);
        IcPdu.write(resp, PduType.IC_RESP, 0, digests & (IcPdu.DGST_HEADER | IcPdu.DGST_DATA), limits.maxH2cData());
        ctx.write(resp, ctx.voidPromise());
        scheduleFlush();
        state = RecvState.READY;
    }

    private void onTermReq(ByteBuf in, int base) {
        int fes = TermReqPdu.fes(in, base);
        rejects.reject(peer, "host sent H2CTermReq: " + TermReqPdu.describe(fes));
        state = RecvState.FAILED;
        ctx.close();
    }

    private void onCapsule(ByteBuf in, int base) {
        Request r = allocate();
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
        if (qid > 0 && controller.provenanceEnabled()) {
            r.readProvenance();
        }
        if (!sqFlowControlDisabled && sqSize > 0) {
            sqHead = sqHead == sqSize ? 0 : sqHead + 1;
        }
        int sglId = Sqe.sglId(in, sqeBase);
        long sglLength = Sqe.sglLength(in, sqeBase);
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(in, sqeBase) & 0x3 : NvmOpcode.direction(r.opcode);
        int inCapsule = PduFraming.dataLength(in, base, headerDigest, dataDigest);
        r.transferLength = (int) Math.min(sglLength, Integer.MAX_VALUE);

        if (Sqe.psdt(in, sqeBase) != 1 || Sqe.fuse(in, sqeBase) != 0) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        if (inCapsule > 0) {
            int pdo = CommonHeader.pdo(in, base);
            if (dataDigest) {
                int expected = in.getIntLE(pdo + base + inCapsule);
                if (crc.compute(in, base + pdo, inCapsule) != expected) {
                    rejects.reject(peer, "data digest error on capsule cid " + r.cid);
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
            ByteBuf data = PooledByteBufAllocator.DEFAULT.directBuffer(inCapsule);
            data.writeBytes(in, base + pdo, inCapsule);
            r.data = data;
            r.dataStart = 0;
            dispatch(r);
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
        dispatch(r);
    }

    /** Validates a write before asking for its data (a failed command gets no R2T), then sends one R2T for it all. */
    private void requestData(Request r) {
        if (controller != null && qid > 0 && r.opcode != AdminOpcode.FABRICS) {
            int status = io.validate(r);
            if (status != Status.SUCCESS) {
                r.complete(status);
                return;
            }
        }
        r.data = PooledByteBufAllocator.DEFAULT.directBuffer(r.transferLength);
        r.dataStart = 0;
        r.state = Request.State.AWAITING_DATA;
        int hdgst = headerDigest ? CommonHeader.DIGEST_LENGTH : 0;
        int plen = DataPdu.HEADER_LENGTH + hdgst;
        ByteBuf pdu = ctx.alloc().directBuffer(plen);
        CommonHeader.write(pdu, 0, PduType.R2T, headerDigest ? CommonHeader.FLAG_HDGST : 0, DataPdu.HEADER_LENGTH, 0, plen);
        DataPdu.writeFields(pdu, 0, r.cid, r.slot, 0, r.transferLength);
        if (headerDigest) {
            pdu.setIntLE(DataPdu.HEADER_LENGTH, crc.compute(pdu, 0, DataPdu.HEADER_LENGTH));
        }
        pdu.writerIndex(plen);
        ctx.write(pdu, ctx.voidPromise());
        scheduleFlush();
    }

    private void onH2cData(ByteBuf in, int base) {
        int cccid = DataPdu.cccid(in, base);
        int ttag = DataPdu.ttag(in, base);
        long offset = DataPdu.dataOffset(in, base);
        long length = DataPdu.dataLength(in, base);
        Request r = ttag < slots.size() ? slots.get(ttag) : null;
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
            rejects.reject(peer, "data digest error on H2CData cid " + cccid);
            r.status = Status.TRANSIENT_TRANSPORT_ERROR;
        }
        r.data.writeBytes(in, base + pdo, carried);
        if (r.data.writerIndex() == r.transferLength) {
            r.state = Request.State.RECEIVED;
            if (r.status != Status.SUCCESS) {
                r.complete(r.status);
            } else {
                dispatch(r);
            }
        }
    }

    /** Runs a command whose data (if any) is here. */
    private void dispatch(Request r) {
        r.state = Request.State.EXECUTING;
        if (r.opcode == AdminOpcode.FABRICS) {
            fabrics.execute(r);
        } else if (controller == null) {
            r.complete(Status.COMMAND_SEQUENCE_ERROR | Status.DNR);
        } else if (!DhchapTarget.allows(controller, qid)) {
            r.complete(Dhchap.AUTHENTICATION_REQUIRED | Status.DNR);
        } else if (qid == 0) {
            admin.execute(r);
        } else {
            int status = r.namespace != null ? Status.SUCCESS : io.validate(r);
            if (status != Status.SUCCESS) {
                r.complete(status);
            } else if (controller.provenanceEnabled() && !r.urgent()) {
                // Throughput work waits for this turn's latency-class work, on controllers whose host enabled
                // provenance only: a standard host's commands all run at once, exactly as in generic mode.
                completions.defer(r);
            } else {
                io.execute(r);
            }
        }
    }

    @Override
    public void runDeferred(Request r) {
        if (closed) {
            r.reset();
            release(r);
            return;
        }
        io.execute(r);
    }

    // ---- send ---------------------------------------------------------------------------------------------

    @Override
    public void complete(Request r) {
        if (closed || ctx == null || !ctx.channel().isActive()) {
            r.reset();
            release(r);
            return;
        }
        int status = r.status;
        long now = System.nanoTime();
        if (r.hasProvenance) {
            r.dw1 = r.timingDw1(now);
        }
        if (qid > 0 && r.opcode != AdminOpcode.FABRICS) {
            boolean homed = r.hasProvenance && r.homeCpu != ProvenanceWire.HOME_CPU_UNSET;
            completions.stats().recordIo(r.urgent() ? ReactorStats.LATENCY : ReactorStats.THROUGHPUT,
                    r.opcode == NvmOpcode.READ, r.transferLength, !Status.isSuccess(status), r.receivedNanos,
                    r.backendSubmitNanos, r.backendDoneNanos, now, homed, homed && !completions.isHome(r.homeCpu));
            if (r.hasProvenance && flows.note(r.flowId)) {
                completions.stats().recordNewFlow();
            }
            if (homed) {
                voteHome(r.homeCpu);
            }
        }
        if (RequestEvent.TYPE.isEnabled()) {
            recordEvent(r, now);
        }
        if (!Status.isSuccess(status) && controller != null) {
            controller.errorLog().record(Math.max(qid, 0), r.cid, status, r.nsid());
        }
        boolean sent = false;
        if (Status.isSuccess(status) && r.data != null && isControllerToHost(r) && r.data.readableBytes() > 0) {
            pendingBytes += r.transferLength;
            sent = sendC2hData(r);
        }
        if (!sent) {
            sendCapsuleResp(r);
        }
        pendingResponses++;
        boolean urgent = r.urgent();
        boolean flushNow = batching.flushNow(urgent,
                ResponseBatching.boundedBatch(r.hasProvenance, r.latencyClass, r.provenanceFlags), pendingResponses, pendingBytes);
        r.reset();
        release(r);
        if (migrateTo != null) {
            // Right after Connect: the host sends nothing else on a queue before this response, so it is quiescent.
            Reactor target = migrateTo;
            migrateTo = null;
            moveTo(target, ReactorStats.MOVE_CONNECT);
            return;
        }
        if (flushNow) {
            // Latency-class responses leave at once; throughput responses in bounded batches (ResponseBatching).
            flushResponses(urgent ? ReactorStats.FLUSH_LATENCY : ReactorStats.FLUSH_LIMIT);
        } else {
            scheduleFlush();
        }
        if (wantedHome >= 0) {
            maybeMove();
        }
    }

    private void recordEvent(Request r, long now) {
        RequestEvent e = new RequestEvent();
        e.cntlid = controller == null ? -1 : controller.cntlid();
        e.qid = qid;
        e.cid = r.cid;
        e.opcode = r.opcode;
        e.status = r.status;
        e.flowId = r.hasProvenance ? r.flowId : -1;
        e.latencyClass = r.hasProvenance ? r.latencyClass : -1;
        e.bytes = r.transferLength;
        e.targetNanos = now - r.receivedNanos;
        e.backendNanos = r.backendSubmitNanos == 0 ? 0 : r.backendDoneNanos - r.backendSubmitNanos;
        e.doneToResponseNanos = r.backendSubmitNanos == 0 ? 0 : now - r.backendDoneNanos;
        e.backendDoneAt = r.backendSubmitNanos == 0 ? 0 : r.backendDoneNanos;
        e.responseAt = now;
        e.commit();
    }

    private static boolean isControllerToHost(Request r) {
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        return direction == NvmOpcode.XFER_CONTROLLER_TO_HOST;
    }

    /**
     * Writes the data as one C2HData PDU built in the buffer's headroom. Returns true when the PDU also carried the
     * completion (SUCCESS flag, only on queues whose Connect disabled SQ flow control).
     */
    private boolean sendC2hData(Request r) {
        ByteBuf data = r.data;
        r.data = null;
        int length = Math.min(data.readableBytes(), r.transferLength);
        int payloadStart = data.readerIndex();
        int hdgst = headerDigest ? CommonHeader.DIGEST_LENGTH : 0;
        int pdo = PduFraming.dataOffset(DataPdu.HEADER_LENGTH, headerDigest, hostPda);
        int headerStart = payloadStart - pdo;
        // The SUCCESS flag drops the CQE, so it is used only when the CQE would carry nothing (no provenance timing).
        boolean successFlag = sqFlowControlDisabled && !r.hasProvenance && r.dw0 == 0 && r.dw1 == 0;
        int flags = CommonHeader.FLAG_LAST_PDU | (successFlag ? CommonHeader.FLAG_SUCCESS : 0)
                | (headerDigest ? CommonHeader.FLAG_HDGST : 0) | (dataDigest ? CommonHeader.FLAG_DDGST : 0);
        int plen = pdo + length + (dataDigest ? CommonHeader.DIGEST_LENGTH : 0);
        int padStart = headerStart + DataPdu.HEADER_LENGTH + hdgst;
        if (payloadStart > padStart) {
            data.setZero(padStart, payloadStart - padStart);
        }
        CommonHeader.write(data, headerStart, PduType.C2H_DATA, flags, DataPdu.HEADER_LENGTH, pdo, plen);
        DataPdu.writeFields(data, headerStart, r.cid, 0, 0, length);
        if (hdgst > 0) {
            data.setIntLE(headerStart + DataPdu.HEADER_LENGTH, crc.compute(data, headerStart, DataPdu.HEADER_LENGTH));
        }
        if (dataDigest) {
            data.setIntLE(payloadStart + length, crc.compute(data, payloadStart, length));
        }
        data.readerIndex(headerStart);
        data.writerIndex(headerStart + plen);
        ctx.write(data, ctx.voidPromise());
        return successFlag;
    }

    private void sendCapsuleResp(Request r) {
        r.releaseData();
        int hdgst = headerDigest ? CommonHeader.DIGEST_LENGTH : 0;
        int plen = CapsulePdu.RESP_HEADER_LENGTH + hdgst;
        ByteBuf pdu = ctx.alloc().directBuffer(plen);
        CommonHeader.write(pdu, 0, PduType.CAPSULE_RESP, headerDigest ? CommonHeader.FLAG_HDGST : 0, CapsulePdu.RESP_HEADER_LENGTH, 0, plen);
        int sqhd = sqFlowControlDisabled ? 0xFFFF : sqHead;
        Cqe.write(pdu, CapsulePdu.CQE_OFFSET, r.dw0, r.dw1, sqhd, Math.max(qid, 0), r.cid, r.status);
        if (hdgst > 0) {
            pdu.setIntLE(CapsulePdu.RESP_HEADER_LENGTH, crc.compute(pdu, 0, CapsulePdu.RESP_HEADER_LENGTH));
        }
        pdu.writerIndex(plen);
        ctx.write(pdu, ctx.voidPromise());
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            completions.markDirty(this);
        }
    }

    /** Flushes what this turn queued: at the end of the batch, before a move, on the way out. */
    @Override
    public void flushPending() {
        flushResponses(ReactorStats.FLUSH_BATCH_END);
    }

    /** One flush of the queued responses, counted by why it happened when it carries any. */
    private void flushResponses(int reason) {
        if (pendingResponses > 0) {
            completions.stats().recordFlush(reason);
        }
        flushScheduled = false;
        pendingResponses = 0;
        pendingBytes = 0;
        ctx.flush();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        super.channelReadComplete(ctx);
        if (flushScheduled) {
            flushPending();
        }
        maybeMove();
    }

    /** Reports a fatal transport error with a C2HTermReq and closes this connection (only this one). */
    private void fatal(int fes, long fei, ByteBuf in, int base) {
        int available = Math.min(in.writerIndex() - base, 128);
        int hlen = CommonHeader.hlen(in, base);
        int copy = Math.min(available, Math.max(CommonHeader.LENGTH, Math.min(hlen, 128)));
        rejects.reject(peer, "fatal " + TermReqPdu.describe(fes) + " (FEI " + fei + ") on "
                + PduType.name(CommonHeader.type(in, base)) + ", queue " + qid);
        state = RecvState.FAILED;
        ByteBuf pdu = ctx.alloc().directBuffer(TermReqPdu.HEADER_LENGTH + copy);
        TermReqPdu.write(pdu, PduType.C2H_TERM_REQ, fes, fei, in, base, copy);
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(pdu).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- slots --------------------------------------------------------------------------------------------

    private Request allocate() {
        if (freeCount > 0) {
            return slots.get(freeSlots[--freeCount]);
        }
        if (slots.size() >= slotLimit) {
            return null;
        }
        Request r = new Request(slots.size(), this);
        slots.add(r);
        if (freeSlots.length < slots.size()) {
            freeSlots = java.util.Arrays.copyOf(freeSlots, Math.max(slots.size(), freeSlots.length * 2));
        }
        return r;
    }

    private void release(Request r) {
        freeSlots[freeCount++] = r.slot;
    }
}
