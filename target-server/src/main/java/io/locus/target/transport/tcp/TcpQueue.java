package io.locus.target.transport.tcp;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.PduWriter;
import io.locus.target.core.PollGroup;
import io.locus.target.core.Queue;
import io.locus.target.core.Request;
import io.locus.target.core.ReactorStats;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One NVMe/TCP queue (one connection), owned by one reactor: the send side — R2T, C2HData and CapsuleResp PDUs,
 * flushed in bounded batches ({@link ResponseBatching}) — and the queue's moves between reactors. Receiving is
 * {@link TcpReceiver}'s; running commands is the core's {@link io.locus.target.core.Dispatcher}'s.
 */
public final class TcpQueue extends Queue implements PollGroup.Flushable, PollGroup.LatencySource {
    private static final Logger LOG = Logger.getLogger(TcpQueue.class.getName());

    private final TcpTransport transport;
    private final TcpReceiver receiver;
    private final ResponseBatching batching;
    private final PduWriter writer = new PduWriter();
    private final SendBatch batch = new SendBatch();
    /** CapsuleResps of commands whose C2HData is in this flush: they go out after its data (HeldCompletions). */
    private final HeldCompletions held = new HeldCompletions();
    /** Right after Connect: the reactor this I/O queue belongs on, (qid - 1) mod n; null once there. */
    private PollGroup migrateTo;
    /** A move is under way: input waits in the receiver until the queue is on its new reactor. */
    private boolean moving;
    private ChannelHandlerContext ctx;
    private boolean flushScheduled;
    private int pendingResponses;
    private long pendingBytes;
    /** The last queued response asked for an immediate flush; and whether it was latency-class. */
    private boolean flushNow;
    private boolean flushUrgent;
    private ScheduledFuture<?> timer;
    /** Registered as its poll group's latency source (it has carried latency-class commands there). */
    private boolean latencySource;
    private String peer = "?";

    TcpQueue(TcpTransport transport, PollGroup group, Port port) {
        super(transport.dispatcher(), group, port);
        this.transport = transport;
        this.batching = new ResponseBatching(transport.targetLimits().batchPdus(), transport.targetLimits().batchBytes());
        this.receiver = new TcpReceiver(this, transport);
        // A queue that is no latency source stops between the writes of a long flush for those that are.
        this.batch.preemption(new SendBatch.Preemption() {
            @Override
            public boolean wanted() {
                return !latencySource && pollGroup().latencyServiceWanted();
            }

            @Override
            public boolean due() {
                return pollGroup().latencyWindowOpen();
            }

            @Override
            public void run() {
                pollGroup().serviceLatencySources();
            }
        });
    }

    TcpReceiver receiver() {
        return receiver;
    }

    PduWriter writer() {
        return writer;
    }

    boolean moving() {
        return moving;
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
    protected void onBound() {
        if (qid() > 0) {
            PollGroup home = transport.groups().home(qid());
            if (home != pollGroup()) {
                migrateTo = home;
            }
        }
    }

    @Override
    public void close(String reason) {
        if (ctx == null) {
            return;
        }
        if (reactor().inReactor()) {
            if (ctx.channel().isOpen()) {
                LOG.fine(() -> "closing queue " + qid() + " from " + peer + ": " + reason);
                ctx.close();
            }
        } else {
            ctx.channel().close();
        }
    }

    // ---- channel lifecycle (called by the receiver) --------------------------------------------------------

    void attached(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.batch.attach(ctx);
        this.peer = String.valueOf(ctx.channel().remoteAddress());
    }

    void active() {
        timer = ctx.executor().scheduleAtFixedRate(receiver::onTimer, 1, 1, TimeUnit.SECONDS);
    }

    void inactive() {
        if (timer != null) {
            timer.cancel(false);
        }
        leaveLatencySources();
        batch.discard();
        disconnected();
        transport.queueClosed(this);
    }

    @Override
    protected boolean connected() {
        return ctx != null && ctx.channel().isActive();
    }

    /**
     * Moves this queue to {@code target}: leaves this reactor's event loop and joins the target's, then every
     * receive, submission, completion and response of the queue runs there. Only when quiescent (no command
     * outstanding, no input buffered, responses flushed), so no request, backend I/O or flush refers to the old
     * reactor afterwards. Input that arrives meanwhile waits (see {@link #moving}): in the socket while the channel is
     * between loops, in the receiver's buffer when the old loop reads it before it lets go, or when the new loop reads
     * it before the registration's listener has run (Netty may start reading first); the listener then decodes it.
     *
     * @param reason {@link ReactorStats#MOVE_CONNECT} or {@link ReactorStats#MOVE_PROVENANCE}
     */
    private void moveTo(PollGroup target, int reason) {
        moving = true;
        flushPending();
        pollGroup().forget(this);
        leaveLatencySources();
        if (timer != null) {
            timer.cancel(false);
        }
        int carried = flows().moved();
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
            target.reactor().eventLoop().register(channel).addListener(r -> {
                if (!r.isSuccess()) {
                    channel.close();
                    return;
                }
                // On the target reactor from here on.
                movedTo(target);
                moving = false;
                target.stats().recordQueueMove(reason, carried);
                timer = ctx.executor().scheduleAtFixedRate(receiver::onTimer, 1, 1, TimeUnit.SECONDS);
                if (isClosed()) {
                    channel.close();
                    return;
                }
                receiver.resume();
            });
        });
    }

    /** Starts a wanted provenance move if the queue is quiescent now; otherwise a later completion, read or tick will. */
    void maybeMove() {
        if (!placement().moveWanted() || moving || migrateTo != null || isClosed() || ctx == null || !receiver.ready()) {
            return;
        }
        if (!quiescent() || receiver.hasBufferedInput()) {
            return; // a command outstanding (executing, deferred or awaiting data), or input not yet parsed
        }
        int want = placement().target(pollGroup());
        if (want < 0) {
            return; // the mix turned around before the queue was free to move
        }
        flushPending();
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null || !out.isEmpty()) {
            return; // responses still waiting for socket space (or closing): not now
        }
        placement().moved();
        moveTo(transport.groups().at(want), ReactorStats.MOVE_PROVENANCE);
    }

    // ---- latency source -----------------------------------------------------------------------------------

    @Override
    protected void onLatencyClass() {
        if (!latencySource && batch.gathers()) {
            latencySource = true;
            pollGroup().addLatencySource(this);
        }
    }

    private void leaveLatencySources() {
        if (latencySource) {
            latencySource = false;
            pollGroup().removeLatencySource(this);
        }
    }

    @Override
    public boolean readNow() {
        return !moving && receiver.readNow();
    }

    @Override
    public void sendResponsesNow() {
        if (flushScheduled || pendingResponses > 0) {
            flushResponses(flushUrgent ? ReactorStats.FLUSH_LATENCY : ReactorStats.FLUSH_BATCH_END);
        }
    }

    // ---- send ---------------------------------------------------------------------------------------------

    /** Sends one R2T for the whole transfer (the data arrives in H2CData PDUs tagged with the slot). */
    void sendR2t(Request r) {
        ByteBuf out = batch.space(writer.headerLength(DataPdu.HEADER_LENGTH));
        int base = out.writerIndex();
        writer.beginHeader(out, base, PduType.R2T, 0, DataPdu.HEADER_LENGTH, 0);
        DataPdu.writeFields(out, base, r.cid, r.slot, 0, r.transferLength);
        out.writerIndex(writer.sealHeader(out, base));
        scheduleFlush();
    }

    /** Writes a PDU the receiver built (ICResp), to go with this turn's flush. */
    void send(ByteBuf pdu) {
        batch.append(pdu);
        scheduleFlush();
    }

    /** Sends a last PDU (C2HTermReq) after everything queued so far, then closes the connection. */
    void sendLast(ByteBuf pdu) {
        writeHeldCompletions();
        batch.flush();
        ctx.writeAndFlush(pdu).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void queueResponse(Request r) {
        int status = r.status;
        boolean sent = false;
        if (Status.isSuccess(status) && r.data != null && isControllerToHost(r) && r.data.readableBytes() > 0) {
            pendingBytes += r.transferLength;
            sent = sendC2hData(r);
            if (!sent) {
                // Its CQE follows the flush's data, with the other held ones, or closes a full group of them.
                if (held.hold(r.cid, r.status, r.dw0, r.dw1, sqHeadForCompletion())) {
                    writeHeldCompletions();
                }
                sent = true;
            }
        }
        if (!sent) {
            // In completion order: the held CQEs first, so the SQ heads the host sees never go back.
            writeHeldCompletions();
            sendCapsuleResp(r);
        }
        pendingResponses++;
        flushUrgent = r.urgent();
        flushNow = batching.flushNow(flushUrgent,
                ResponseBatching.boundedBatch(r.hasProvenance, r.latencyClass, r.provenanceFlags), pendingResponses, pendingBytes);
    }

    @Override
    protected void afterResponse() {
        if (migrateTo != null) {
            // Right after Connect: the host sends nothing else on a queue before this response, so it is quiescent.
            PollGroup target = migrateTo;
            migrateTo = null;
            moveTo(target, ReactorStats.MOVE_CONNECT);
            return;
        }
        if (flushNow) {
            // Latency-class responses leave at once; throughput responses in bounded batches (ResponseBatching).
            flushResponses(flushUrgent ? ReactorStats.FLUSH_LATENCY : ReactorStats.FLUSH_LIMIT);
        } else {
            scheduleFlush();
        }
        if (placement().moveWanted()) {
            maybeMove();
        }
    }

    private static boolean isControllerToHost(Request r) {
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        return direction == NvmOpcode.XFER_CONTROLLER_TO_HOST;
    }

    /**
     * Writes the data as one C2HData PDU into this flush's batch: the header, then the data — the request's buffer
     * as it is, gathered into the flush's writev, or copied when small and the flush goes through the channel (see
     * {@link SendBatch}) — then its digest. Returns true when the PDU also carried the completion
     * (SUCCESS flag, only on queues whose Connect disabled SQ flow control).
     */
    private boolean sendC2hData(Request r) {
        ByteBuf data = r.data;
        r.data = null;
        int index = data.readerIndex();
        int length = Math.min(data.readableBytes(), r.transferLength);
        // The SUCCESS flag drops the CQE, so it is used only when the CQE would carry nothing (no provenance timing).
        boolean successFlag = sqFlowControlDisabled() && !r.hasProvenance && r.dw0 == 0 && r.dw1 == 0;
        int flags = CommonHeader.FLAG_LAST_PDU | (successFlag ? CommonHeader.FLAG_SUCCESS : 0);
        boolean copy = batch.copies(length);
        ByteBuf out = batch.space(copy ? writer.pduLength(DataPdu.HEADER_LENGTH, length)
                : writer.dataOffset(DataPdu.HEADER_LENGTH));
        int base = out.writerIndex();
        int plen = writer.beginHeader(out, base, PduType.C2H_DATA, flags, DataPdu.HEADER_LENGTH, length);
        DataPdu.writeFields(out, base, r.cid, 0, 0, length);
        int dataAt = writer.sealHeader(out, base);
        if (copy) {
            out.setBytes(dataAt, data, index, length);
            writer.sealData(out, dataAt, length);
            out.writerIndex(base + plen);
            data.release();
            return successFlag;
        }
        out.writerIndex(dataAt);
        data.writerIndex(index + length);
        int digest = writer.dataDigest() ? writer.dataDigest(data, index, length) : 0;
        batch.append(data);
        if (writer.dataDigest()) {
            ByteBuf ddgst = batch.space(CommonHeader.DIGEST_LENGTH);
            ddgst.writeIntLE(digest);
        }
        return successFlag;
    }

    private void sendCapsuleResp(Request r) {
        r.releaseData();
        writeCapsuleResp(r.cid, r.status, r.dw0, r.dw1, sqHeadForCompletion());
    }

    private void writeCapsuleResp(int cid, int status, int dw0, int dw1, int sqHead) {
        ByteBuf out = batch.space(writer.headerLength(CapsulePdu.RESP_HEADER_LENGTH));
        int base = out.writerIndex();
        writer.beginHeader(out, base, PduType.CAPSULE_RESP, 0, CapsulePdu.RESP_HEADER_LENGTH, 0);
        Cqe.write(out, base + CapsulePdu.CQE_OFFSET, dw0, dw1, sqHead, Math.max(qid(), 0), cid, status);
        out.writerIndex(writer.sealHeader(out, base));
    }

    /** Writes the held CQEs into the batch, after everything already in it. */
    private void writeHeldCompletions() {
        for (int i = 0; i < held.size(); i++) {
            writeCapsuleResp(held.cid(i), held.status(i), held.dw0(i), held.dw1(i), held.sqHead(i));
        }
        held.clear();
    }

    void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            pollGroup().markDirty(this);
        }
    }

    boolean flushScheduled() {
        return flushScheduled;
    }

    /** Flushes what this turn queued: at the end of the batch, before a move, on the way out. */
    @Override
    public void flushPending() {
        flushResponses(ReactorStats.FLUSH_BATCH_END);
    }

    /** One flush of the queued responses, counted by why it happened when it carries any. */
    private void flushResponses(int reason) {
        writeHeldCompletions();
        batch.flush();
        int writes = batch.takeWrites();
        if (pendingResponses > 0) {
            pollGroup().stats().recordFlush(reason, writes);
        }
        flushScheduled = false;
        pendingResponses = 0;
        pendingBytes = 0;
    }
}
