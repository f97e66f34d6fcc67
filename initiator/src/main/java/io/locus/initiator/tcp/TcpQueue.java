package io.locus.initiator.tcp;

import io.locus.initiator.HostStatus;
import io.locus.initiator.NvmeException;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.IcPdu;
import io.locus.protocol.tcp.PduFraming;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.locus.runtime.NettyTransports;
import org.jctools.queues.MpmcArrayQueue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One NVMe/TCP queue pair (admin or I/O): its preallocated command slots and, while connected, its TCP connection.
 * The object outlives connections, so commands cut off by a connection loss wait in it and go out again after the
 * reconnect.
 * <p>
 * Threading: everything touching the connection and the slots' transfer state runs on the queue's reactor. Other
 * threads call only {@link #acquire()} (a lock-free free list) and {@link #submit(Command)} (the slot itself is
 * handed to the reactor as its message), and the control-plane methods that return futures.
 * <p>
 * Hot path, no allocation: submit → CapsuleCmd encoded into one pooled buffer → written, flushed once per reactor
 * turn by {@link #poll} → CapsuleResp / C2HData parsed by {@link PduReceiver} → callback on this reactor, or, for a
 * command that carries a flow, the slot's preallocated {@link RoutedCompletion} to the {@link CompletionRouter}
 * (which may run the callback on another reactor).
 */
public final class TcpQueue implements Poller {
    private volatile java.util.function.Supplier<io.netty.channel.ChannelHandler> tlsHandlers;
    private static final Logger LOG = Logger.getLogger(TcpQueue.class.getName());
    /** H2CData payloads up to this size are copied next to their header; larger ones are sent as a slice. */
    private static final int H2C_COPY_LIMIT = 16 * 1024;
    /** Initial size of a turn's transmit batch (grows by chaining buffers). */
    private static final int TX_BATCH_BYTES = 16 * 1024;
    /** Flush times remembered for stage timing (a power of two). */
    private static final int FLUSH_RING = 64;

    /** Connection life of the queue. */
    public enum State {
        /** No connection; commands wait (after a loss) for the controller to reconnect. */
        DISCONNECTED,
        /** TCP connect and ICReq/ICResp under way. */
        CONNECTING,
        /** ICResp accepted; only bring-up commands (Connect) may go out. */
        CONNECTED,
        /** Fabrics Connect done: every command goes out. */
        LIVE,
        /** The controller gave up: every command fails at once. Final until {@link #connect}. */
        FAILED,
        /** Closed by its owner. Final. */
        CLOSED
    }

    private final QueueConfig config;
    private final Reactor reactor;
    private final QueueOwner owner;
    private final CompletionRouter router;
    private final Command[] slots;
    /** Per slot, the carrier of a flow's completion to the router; null without a router. */
    private final RoutedCompletion[] carriers;
    private final MpmcArrayQueue<Command> free;
    private final int indexBits;
    private final int indexMask;
    private final int generationMask;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final Crc32cDigest txCrc = new Crc32cDigest();
    private final ArrayDeque<DeferredSubmit> waiters = new ArrayDeque<>();
    private final Runnable timeoutCheck = this::checkTimeouts;

    private volatile State state = State.DISCONNECTED;
    private volatile String lastError;
    private Channel channel;
    private PduReceiver receiver;
    private CompletableFuture<Void> icFuture;
    private String endpoint = "";
    private boolean flushNeeded;
    private ByteBuf txBatch;
    private Command pendingHead;
    private Command pendingTail;

    // Negotiated per connection.
    private boolean headerDigest;
    private boolean dataDigest;
    private int cpda;
    private long maxH2CData;
    private int inCapsuleLimit;
    private boolean provenance;

    // Stage timing (reactor-only): the times of the last FLUSH_RING flushes; per slot, the flush count when its
    // capsule was encoded (it leaves with the next flush; -1 when not sent) and when its completion was parsed.
    private final long[] flushNanos = new long[FLUSH_RING];
    private long flushes;
    private final long[] slotFlush;
    private final long[] slotVisible;
    private long lastSentNanos;
    private long lastVisibleNanos;

    // Counters (reactor-written; read racily for stats).
    private long sent;
    private long completed;
    private long retried;
    private long carrierSpills;

    public TcpQueue(QueueConfig config, Reactor reactor, QueueOwner owner) {
        this(config, reactor, owner, null);
    }

    /**
     * @param router where completions of commands that carry a flow go (anti-migration, per-flow timing); null runs
     *               every callback on this queue's reactor
     */
    public TcpQueue(QueueConfig config, Reactor reactor, QueueOwner owner, CompletionRouter router) {
        this.config = config;
        this.reactor = reactor;
        this.owner = owner;
        this.router = router;
        int count = config.slots();
        this.slots = new Command[count];
        this.free = new MpmcArrayQueue<>(Math.max(2, count));
        this.slotFlush = new long[count];
        this.slotVisible = new long[count];
        java.util.Arrays.fill(slotFlush, -1);
        for (int i = 0; i < count; i++) {
            slots[i] = new Command(this, i);
            free.offer(slots[i]);
        }
        this.indexBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, count - 1));
        this.indexMask = (1 << indexBits) - 1;
        this.generationMask = indexBits >= 16 ? 0 : (1 << (16 - indexBits)) - 1;
        if (router != null) {
            this.carriers = new RoutedCompletion[count];
            for (int i = 0; i < count; i++) {
                carriers[i] = router.newCarrier(this);
            }
        } else {
            this.carriers = null;
        }
        reactor.addPoller(this);
    }

    public int qid() {
        return config.qid();
    }

    public Reactor reactor() {
        return reactor;
    }

    public State state() {
        return state;
    }

    /** The reason of the last connection loss or failure, or null. */
    public String lastError() {
        return lastError;
    }

    /** Commands that may be outstanding at once. */
    public int depth() {
        return slots.length;
    }

    public long sentCount() {
        return sent;
    }

    public long completedCount() {
        return completed;
    }

    public long retriedCount() {
        return retried;
    }

    /**
     * Completions that found their slot's carrier still on its way to another reactor and took a fresh one (the
     * only allocation on the routed path; rare: the slot was reused and completed again before the other reactor ran).
     */
    public long carrierSpills() {
        return carrierSpills;
    }

    /**
     * Stage timing, valid only inside an {@link io.locus.initiator.IoCallback} running for this queue on its reactor
     * (not in one handed to another reactor): when the completing command's capsule was flushed to the socket
     * ({@link System#nanoTime()}), or 0 when unknown (never sent, or more than 64 flushes ago).
     */
    public long lastSentNanos() {
        return lastSentNanos;
    }

    /**
     * Stage timing, valid only inside an {@link io.locus.initiator.IoCallback} running for this queue: when the
     * completing command's completion was parsed (completion visible at the host), or 0 when the host failed it.
     */
    public long lastVisibleNanos() {
        return lastVisibleNanos;
    }

    public boolean headerDigest() {
        return headerDigest;
    }

    public boolean dataDigest() {
        return dataDigest;
    }

    public int cpda() {
        return cpda;
    }

    public long maxH2CData() {
        return maxH2CData;
    }

    public int inCapsuleLimit() {
        return inCapsuleLimit;
    }

    // ---------------------------------------------------------------- submission (any thread)

    /** A free slot (fields as the last user left them: call {@link Command#reset()}), or null when all are taken. */
    public Command acquire() {
        Command c = free.poll();
        if (c != null) {
            c.state = Command.State.ACQUIRED;
        }
        return c;
    }

    /** Submits a filled slot: directly on the reactor thread, else handed over through the reactor's queue. */
    public void submit(Command c) {
        if (reactor.inReactor()) {
            submitOnReactor(c);
        } else {
            reactor.execute(c);
        }
    }

    /** Submits a bring-up command, which may go out before the queue is live. */
    public void submitControl(Command c) {
        c.control = true;
        c.retryable = false;
        submit(c);
    }

    /** Overload path: wait for a slot on the reactor. */
    public void defer(DeferredSubmit d) {
        if (reactor.inReactor()) {
            onDeferred(d);
        } else {
            reactor.execute(d);
        }
    }

    // ---------------------------------------------------------------- control plane (any thread → reactor)

    /**
     * Opens a new connection and exchanges ICReq/ICResp. Completes when the queue is {@link State#CONNECTED};
     * fails with an {@link NvmeException} whose message says what went wrong.
     */
    public CompletableFuture<Void> connect(InetSocketAddress address, String endpoint, long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> startConnect(address, endpoint, timeoutMs, f));
        return f;
    }

    /** Makes the TLS record handler placed first on each new connection; null (default) for clear text. */
    public void tls(java.util.function.Supplier<io.netty.channel.ChannelHandler> handlers) {
        this.tlsHandlers = handlers;
    }

    /** Fabrics Connect succeeded: set the limits learned from Identify and let every waiting command go. */
    public CompletableFuture<Void> goLive(int inCapsuleLimit, boolean provenance) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            this.inCapsuleLimit = inCapsuleLimit;
            this.provenance = provenance && config.qid() != 0;
            if (state == State.CONNECTED) {
                state = State.LIVE;
                drainPending();
                f.complete(null);
            } else {
                f.completeExceptionally(new NvmeException("queue " + config.qid() + " lost its connection during bring-up"
                        + (lastError != null ? ": " + lastError : "")));
            }
        });
        return f;
    }

    /** Tears the connection down (in-flight commands wait for a reconnect), without telling the owner. */
    public CompletableFuture<Void> disconnect(String reason) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            failConnection(reason, false);
            f.complete(null);
        });
        return f;
    }

    /** Gives up: fails every waiting and in-flight command with {@code status} and every later one too. */
    public CompletableFuture<Void> fail(int status, String reason) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reactor.execute(() -> {
            lastError = reason;
            closeChannel();
            state = State.FAILED;
            failAll(status);
            f.complete(null);
        });
        return f;
    }

    /** Closes for good: commands fail with Aborted By Host (DNR). */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable r = () -> {
            if (state != State.CLOSED) {
                closeChannel();
                state = State.CLOSED;
                failAll(HostStatus.ABORTED_BY_HOST | Status.DNR);
                reactor.removePoller(this);
            }
            f.complete(null);
        };
        try {
            reactor.execute(r);
        } catch (IllegalStateException stopped) {
            f.complete(null);
        }
        return f;
    }

    /** Asks the reactor to fail the connection of any command past its deadline (call periodically). */
    public void scheduleTimeoutCheck() {
        reactor.execute(timeoutCheck);
    }

    // ---------------------------------------------------------------- reactor side: sending

    void submitOnReactor(Command c) {
        switch (state) {
            case LIVE -> send(c);
            case CONNECTED -> {
                if (c.control) {
                    send(c);
                } else {
                    enqueuePending(c);
                }
            }
            case CLOSED -> finish(c, HostStatus.ABORTED_BY_HOST | Status.DNR, 0, 0);
            case FAILED -> finish(c, HostStatus.HOST_PATH_ERROR | Status.DNR, 0, 0);
            default -> {
                if (c.control) {
                    finish(c, HostStatus.HOST_PATH_ERROR, 0, 0);
                } else {
                    enqueuePending(c);
                }
            }
        }
    }

    void onDeferred(DeferredSubmit d) {
        if (state == State.CLOSED || state == State.FAILED) {
            d.fail(state == State.CLOSED ? HostStatus.ABORTED_BY_HOST | Status.DNR : HostStatus.HOST_PATH_ERROR | Status.DNR);
            return;
        }
        Command c = free.poll();
        if (c == null) {
            waiters.addLast(d);
            return;
        }
        c.state = Command.State.ACQUIRED;
        d.fill(c.reset());
        submitOnReactor(c);
    }

    private void send(Command c) {
        c.generation = (c.generation + 1) & generationMask;
        c.cid = c.index | (c.generation << indexBits);
        c.transferred = 0;
        c.hostStatus = 0;
        c.state = Command.State.IN_FLIGHT;
        c.deadlineNanos = System.nanoTime() + (c.timeoutNanos != 0 ? c.timeoutNanos : config.timeoutNanos());
        slotFlush[c.index] = flushes;
        slotVisible[c.index] = 0;
        int length = c.dataLength;
        boolean inline = c.hostToController() && length <= inCapsuleLimitFor(c);
        c.inCapsule = inline;
        int hd = headerDigest ? CommonHeader.DIGEST_LENGTH : 0;
        if (inline) {
            int pdo = PduFraming.dataOffset(CapsulePdu.CMD_HEADER_LENGTH, headerDigest, cpda);
            int dd = dataDigest ? CommonHeader.DIGEST_LENGTH : 0;
            int plen = pdo + length + dd;
            ByteBuf out = txSpace(plen);
            int base = out.writerIndex();
            int flags = (headerDigest ? CommonHeader.FLAG_HDGST : 0) | (dataDigest ? CommonHeader.FLAG_DDGST : 0);
            CommonHeader.write(out, base, PduType.CAPSULE_CMD, flags, CapsulePdu.CMD_HEADER_LENGTH, pdo, plen);
            writeSqe(out, base, c, Sgl.ID_IN_CAPSULE);
            if (headerDigest) {
                out.setIntLE(base + CapsulePdu.CMD_HEADER_LENGTH, txCrc.compute(out, base, CapsulePdu.CMD_HEADER_LENGTH));
            }
            int padStart = CapsulePdu.CMD_HEADER_LENGTH + hd;
            if (pdo > padStart) {
                out.setZero(base + padStart, pdo - padStart);
            }
            out.setBytes(base + pdo, c.data, c.dataIndex, length);
            if (dataDigest) {
                out.setIntLE(base + pdo + length, txCrc.compute(out, base + pdo, length));
            }
            out.writerIndex(base + plen);
            c.transferred = length;
        } else {
            int plen = CapsulePdu.CMD_HEADER_LENGTH + hd;
            ByteBuf out = txSpace(plen);
            int base = out.writerIndex();
            CommonHeader.write(out, base, PduType.CAPSULE_CMD, headerDigest ? CommonHeader.FLAG_HDGST : 0,
                    CapsulePdu.CMD_HEADER_LENGTH, 0, plen);
            writeSqe(out, base, c, Sgl.ID_TRANSPORT);
            if (headerDigest) {
                out.setIntLE(base + CapsulePdu.CMD_HEADER_LENGTH, txCrc.compute(out, base, CapsulePdu.CMD_HEADER_LENGTH));
            }
            out.writerIndex(base + plen);
        }
        sent++;
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

    private int inCapsuleLimitFor(Command c) {
        // Connect always travels in-capsule (1024 bytes), before Identify told us IOCCSZ.
        return c.control ? Math.max(inCapsuleLimit, 8192) : inCapsuleLimit;
    }

    private void writeSqe(ByteBuf out, int pduBase, Command c, int sglId) {
        int base = pduBase + CapsulePdu.SQE_OFFSET;
        Sqe.write(out, base, c.opcode, Sqe.FLAGS_SGL, c.cid, c.nsid);
        int cdw13 = c.cdw13;
        if (provenance && c.flow != null) {
            out.setIntLE(base + Sqe.CDW2_OFFSET, c.flow.id());
            out.setIntLE(base + Sqe.CDW3_OFFSET, c.flow.wireCdw3());
            out.setLongLE(base + Sqe.MPTR_OFFSET, c.flow.wireMptr());
            if (c.opcode == NvmOpcode.READ || c.opcode == NvmOpcode.WRITE) {
                cdw13 = ProvenanceWire.withDsmLatency(cdw13, c.flow.latencyClass().wire());
            }
        } else {
            out.setIntLE(base + Sqe.CDW2_OFFSET, c.cdw2);
            out.setIntLE(base + Sqe.CDW3_OFFSET, c.cdw3);
            out.setLongLE(base + Sqe.MPTR_OFFSET, c.mptr);
        }
        Sgl.write(out, base + Sqe.SGL1_OFFSET, 0, c.dataLength, sglId);
        Sqe.setCdw(out, base, 10, c.cdw10);
        Sqe.setCdw(out, base, 11, c.cdw11);
        Sqe.setCdw(out, base, 12, c.cdw12);
        Sqe.setCdw(out, base, 13, cdw13);
        Sqe.setCdw(out, base, 14, c.cdw14);
        Sqe.setCdw(out, base, 15, c.cdw15);
    }

    /** H2CData PDUs answering an R2T: DATAL at most MAXH2CDATA, contiguous, LAST_PDU on the final one. */
    private void sendH2CData(Command c, int ttag, int offset, int length) {
        int pdo = PduFraming.dataOffset(DataPdu.HEADER_LENGTH, headerDigest, cpda);
        int hd = headerDigest ? CommonHeader.DIGEST_LENGTH : 0;
        int dd = dataDigest ? CommonHeader.DIGEST_LENGTH : 0;
        int end = offset + length;
        int off = offset;
        while (off < end) {
            int chunk = (int) Math.min(maxH2CData, end - off);
            boolean last = off + chunk == end;
            int flags = (headerDigest ? CommonHeader.FLAG_HDGST : 0) | (dataDigest ? CommonHeader.FLAG_DDGST : 0)
                    | (last ? CommonHeader.FLAG_LAST_PDU : 0);
            int plen = pdo + chunk + dd;
            boolean copy = chunk <= H2C_COPY_LIMIT;
            ByteBuf out = txSpace(copy ? plen : pdo);
            int base = out.writerIndex();
            CommonHeader.write(out, base, PduType.H2C_DATA, flags, DataPdu.HEADER_LENGTH, pdo, plen);
            DataPdu.writeFields(out, base, c.cid, ttag, off, chunk);
            if (headerDigest) {
                out.setIntLE(base + DataPdu.HEADER_LENGTH, txCrc.compute(out, base, DataPdu.HEADER_LENGTH));
            }
            int padStart = DataPdu.HEADER_LENGTH + hd;
            if (pdo > padStart) {
                out.setZero(base + padStart, pdo - padStart);
            }
            int src = c.dataIndex + off;
            if (copy) {
                out.setBytes(base + pdo, c.data, src, chunk);
                if (dataDigest) {
                    out.setIntLE(base + pdo + chunk, txCrc.compute(out, base + pdo, chunk));
                }
                out.writerIndex(base + plen);
            } else {
                // Large payloads go as a slice of the caller's buffer, after the header batch, without a copy.
                out.writerIndex(base + pdo);
                writeBatch();
                channel.write(c.data.retainedSlice(src, chunk), channel.voidPromise());
                if (dataDigest) {
                    ByteBuf ddgst = txSpace(CommonHeader.DIGEST_LENGTH);
                    ddgst.writeIntLE(txCrc.compute(c.data, src, chunk));
                }
            }
            off += chunk;
        }
        flushNeeded = true;
    }

    /** Reactor poller: flush once per turn whatever this turn wrote. */
    @Override
    public int poll(int maxItems) {
        if (!flushNeeded) {
            return 0;
        }
        flushNeeded = false;
        if (channel != null) {
            writeBatch();
            channel.flush();
            flushNanos[(int) (++flushes & (FLUSH_RING - 1))] = System.nanoTime();
        }
        return 1;
    }

    @Override
    public String name() {
        return "nvme-tcp-q" + config.qid() + "-flush";
    }

    // ---------------------------------------------------------------- reactor side: receiving

    /** The in-flight command with this CID, or null when none (stale, unknown or invented CID). */
    Command lookup(int cid) {
        int index = cid & indexMask;
        if (index >= slots.length) {
            return null;
        }
        Command c = slots[index];
        return c.state == Command.State.IN_FLIGHT && c.cid == cid ? c : null;
    }

    boolean onIcResp(ByteBuf h) {
        int pfv = IcPdu.pfv(h, 0);
        int pda = IcPdu.pda(h, 0);
        int digests = IcPdu.digests(h, 0);
        long maxData = IcPdu.dword12(h, 0);
        int requested = (config.headerDigest() ? IcPdu.DGST_HEADER : 0) | (config.dataDigest() ? IcPdu.DGST_DATA : 0);
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
        headerDigest = (digests & IcPdu.DGST_HEADER) != 0;
        dataDigest = (digests & IcPdu.DGST_DATA) != 0;
        cpda = pda;
        maxH2CData = maxData;
        receiver.initialized(headerDigest, dataDigest);
        state = State.CONNECTED;
        CompletableFuture<Void> f = icFuture;
        icFuture = null;
        if (f != null) {
            f.complete(null);
        }
        return true;
    }

    void onCapsuleResp(PduReceiver from, ByteBuf h) {
        int base = CapsulePdu.CQE_OFFSET;
        int cid = Cqe.cid(h, base);
        Command c = lookup(cid);
        if (c == null) {
            onProtocolError(TermReqPdu.FES_INVALID_HEADER_FIELD, base + Cqe.CID_OFFSET, h,
                    String.format("CapsuleResp for unknown command id 0x%04x", cid));
            return;
        }
        slotVisible[c.index] = System.nanoTime();
        int status = Cqe.status(h, base);
        if (Status.isSuccess(status) && c.hostStatus != 0) {
            status = c.hostStatus;
        }
        complete(c, status, Cqe.dw0(h, base), Cqe.dw1(h, base));
    }

    /** Final C2HData carried SUCCESS: there is no CapsuleResp; synthesize a success CQE (DW0 = DW1 = 0). */
    void onC2HSuccess(Command c) {
        slotVisible[c.index] = System.nanoTime();
        int status = c.hostStatus;
        if (status == 0 && c.transferred != c.dataLength) {
            status = Status.DATA_TRANSFER_ERROR;
        }
        complete(c, status, 0, 0);
    }

    void onDataDigestError(Command c) {
        LOG.warning(() -> "queue " + config.qid() + ": data digest mismatch on command " + c.cid + " from " + endpoint);
    }

    void onR2T(int cccid, int ttag, long offset, long length) {
        Command c = lookup(cccid);
        String problem = null;
        int fei = DataPdu.CCCID_OFFSET;
        int fes = TermReqPdu.FES_INVALID_HEADER_FIELD;
        if (c == null) {
            problem = String.format("R2T for unknown command id 0x%04x", cccid);
        } else if (!c.hostToController() || c.inCapsule) {
            problem = String.format("R2T for command id 0x%04x, which has no data left to send", cccid);
        } else if (length == 0) {
            problem = "R2T with R2TL 0";
            fei = DataPdu.LENGTH_OFFSET;
        } else if (offset != c.transferred) {
            problem = "R2T offset " + offset + " is not the " + c.transferred + " bytes already sent";
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
        c.transferred += (int) length;
        sendH2CData(c, ttag, (int) offset, (int) length);
    }

    void onTermReq(int fes, long fei) {
        String reason = "the target terminated the connection: C2HTermReq " + TermReqPdu.describe(fes)
                + (fes == TermReqPdu.FES_INVALID_HEADER_FIELD || fes == TermReqPdu.FES_UNSUPPORTED_PARAMETER
                ? " at byte " + fei : "");
        LOG.warning(() -> "queue " + config.qid() + " (" + endpoint + "): " + reason);
        failConnection(reason, true);
    }

    /** A malformed or unexpected PDU: report it with an H2CTermReq, close, and let the owner reset. */
    void onProtocolError(int fes, long fei, ByteBuf offending, String reason) {
        String message = "protocol error from " + endpoint + ": " + reason;
        LOG.warning(() -> "queue " + config.qid() + ": " + message);
        Channel ch = channel;
        if (ch != null && ch.isActive()) {
            ByteBuf term = alloc.directBuffer(TermReqPdu.HEADER_LENGTH + TermReqPdu.MAX_ERROR_DATA);
            int copy = offending == null ? 0 : Math.min(CommonHeader.hlen(offending, 0), TermReqPdu.MAX_ERROR_DATA);
            TermReqPdu.write(term, PduType.H2C_TERM_REQ, fes, fei, offending, 0, copy);
            ch.writeAndFlush(term);
        }
        failConnection(message, true);
    }

    void onChannelInactive(Channel ch) {
        if (ch == channel) {
            failConnection("the target " + endpoint + " closed the connection", true);
        }
    }

    void onChannelException(Channel ch, Throwable cause) {
        if (ch == channel) {
            failConnection("connection to " + endpoint + " failed: " + describe(cause), true);
        }
    }

    // ---------------------------------------------------------------- completion

    /** A completion: retried when it failed without DNR and retries are left, else delivered. */
    private void complete(Command c, int status, int dw0, int dw1) {
        completed++;
        if (!Status.isSuccess(status) && !Status.dnr(status) && c.retryable && c.retries < config.maxRetries()
                && state == State.LIVE) {
            c.retries++;
            retried++;
            c.state = Command.State.ACQUIRED;
            send(c);
            return;
        }
        finish(c, status, dw0, dw1);
    }

    /**
     * Delivers a completion: the slot is free again before the callback runs, so the callback can reuse it. A command
     * that carried a flow goes to the router (which may run the callback on another reactor), any other runs here.
     */
    private void finish(Command c, int status, int dw0, int dw1) {
        io.locus.initiator.IoCallback callback = c.callback;
        Object context = c.context;
        long encodedAt = slotFlush[c.index];
        lastSentNanos = encodedAt >= 0 && flushes > encodedAt && flushes - encodedAt <= FLUSH_RING
                ? flushNanos[(int) ((encodedAt + 1) & (FLUSH_RING - 1))] : 0;
        lastVisibleNanos = slotVisible[c.index];
        slotFlush[c.index] = -1;
        slotVisible[c.index] = 0;
        RoutedCompletion routed = null;
        if (carriers != null && c.flow != null && callback != null && !c.direct) {
            routed = carriers[c.index];
            if (routed.isHandedOff()) {
                routed = router.newCarrier(this);
                carriers[c.index] = routed;
                carrierSpills++;
            }
            routed.fill(c.flow, callback, context, c.cid, status, dw0, dw1, lastVisibleNanos);
        }
        release(c);
        if (callback != null) {
            try {
                if (routed != null) {
                    routed.deliver();
                } else {
                    callback.onComplete(context, status, dw0, dw1);
                }
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "completion callback failed", t);
            }
        }
    }

    private void release(Command c) {
        c.data = null;
        c.callback = null;
        c.context = null;
        c.flow = null;
        c.next = null;
        DeferredSubmit waiter = waiters.pollFirst();
        if (waiter != null) {
            c.state = Command.State.ACQUIRED;
            waiter.fill(c.reset());
            submitOnReactor(c);
            return;
        }
        c.state = Command.State.FREE;
        free.offer(c);
    }

    // ---------------------------------------------------------------- connection management (reactor)

    private void startConnect(InetSocketAddress address, String endpoint, long timeoutMs, CompletableFuture<Void> f) {
        if (state == State.CLOSED) {
            f.completeExceptionally(new NvmeException("queue is closed"));
            return;
        }
        closeChannel();
        this.endpoint = endpoint;
        state = State.CONNECTING;
        icFuture = f;
        headerDigest = false;
        dataDigest = false;
        receiver = new PduReceiver(this);
        Bootstrap bootstrap = new Bootstrap()
                .group(reactor.eventLoop())
                .channel(NettyTransports.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 1024 * 1024))
                .handler(receiver);
        ChannelFuture cf = bootstrap.connect(address);
        channel = cf.channel();
        if (tlsHandlers != null) {
            channel.pipeline().addFirst(tlsHandlers.get()); // TLS before ICReq: the ICReq below waits for the handshake
        }
        cf.addListener(done -> {
            if (cf.channel() != channel) {
                return;
            }
            if (!done.isSuccess()) {
                String reason = "cannot connect to " + endpoint + ": " + describe(done.cause());
                lastError = reason;
                closeChannel();
                state = State.DISCONNECTED;
                icFuture = null;
                f.completeExceptionally(new NvmeException(reason, done.cause()));
                return;
            }
            ByteBuf icReq = alloc.directBuffer(IcPdu.LENGTH);
            int digests = (config.headerDigest() ? IcPdu.DGST_HEADER : 0) | (config.dataDigest() ? IcPdu.DGST_DATA : 0);
            // HPDA 0 (no padding wanted), MAXR2T 0 (0's based: one outstanding R2T).
            IcPdu.write(icReq, PduType.IC_REQ, 0, digests, 0);
            channel.writeAndFlush(icReq, channel.voidPromise());
        });
    }

    private void failConnection(String reason, boolean notifyOwner) {
        if (state == State.DISCONNECTED || state == State.CLOSED || state == State.FAILED) {
            return;
        }
        lastError = reason;
        closeChannel();
        state = State.DISCONNECTED;
        CompletableFuture<Void> f = icFuture;
        icFuture = null;
        if (f != null) {
            f.completeExceptionally(new NvmeException(reason));
        }
        if (notifyOwner) {
            owner.onQueueFailure(this, reason);
        }
        setAsideInFlight();
    }

    private void closeChannel() {
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

    /** In-flight commands go back to wait for the reconnect when they may be retried; the rest fail now. */
    private void setAsideInFlight() {
        for (Command c : slots) {
            if (c.state != Command.State.IN_FLIGHT) {
                continue;
            }
            if (c.retryable && c.retries < config.maxRetries()) {
                c.retries++;
                retried++;
                enqueuePending(c);
            } else {
                finish(c, HostStatus.HOST_PATH_ERROR, 0, 0);
            }
        }
    }

    private void failAll(int status) {
        Command c = pendingHead;
        pendingHead = null;
        pendingTail = null;
        while (c != null) {
            Command next = c.next;
            finish(c, status, 0, 0);
            c = next;
        }
        for (Command s : slots) {
            if (s.state == Command.State.IN_FLIGHT) {
                finish(s, status, 0, 0);
            }
        }
        DeferredSubmit d;
        while ((d = waiters.pollFirst()) != null) {
            d.fail(status);
        }
    }

    private void enqueuePending(Command c) {
        c.state = Command.State.PENDING;
        c.next = null;
        if (pendingTail == null) {
            pendingHead = c;
        } else {
            pendingTail.next = c;
        }
        pendingTail = c;
    }

    private void drainPending() {
        Command c = pendingHead;
        pendingHead = null;
        pendingTail = null;
        while (c != null) {
            Command next = c.next;
            c.next = null;
            submitOnReactor(c);
            c = next;
        }
    }

    private void checkTimeouts() {
        if (state != State.LIVE && state != State.CONNECTED) {
            return;
        }
        long now = System.nanoTime();
        for (Command c : slots) {
            if (c.state == Command.State.IN_FLIGHT && now - c.deadlineNanos > 0) {
                long ms = ((c.timeoutNanos != 0 ? c.timeoutNanos : config.timeoutNanos())) / 1_000_000;
                failConnection(String.format("%s (opcode 0x%02x, command id 0x%04x) got no answer from %s within %d ms",
                        config.qid() == 0 ? "admin command" : "I/O command", c.opcode, c.cid, endpoint, ms), true);
                return;
            }
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
