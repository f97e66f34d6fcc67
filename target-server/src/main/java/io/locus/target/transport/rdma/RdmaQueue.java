package io.locus.target.transport.rdma;

import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;
import io.locus.nativeio.rdma.verbs.CompletionArming;
import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.rdma.KeyedSgl;
import io.locus.protocol.rdma.RdmaCm;
import io.locus.runtime.EpollWakeup;
import io.locus.runtime.Poller;
import io.locus.target.backend.SharedZeroes;
import io.locus.target.core.PollGroup;
import io.locus.target.core.Queue;
import io.locus.target.core.Request;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One NVMe/RDMA queue (one RC queue pair), its whole life on one reactor, as Linux's nvmet-rdma and SPDK's rdma
 * transport serve it:
 * <ul>
 *   <li>{@link #start}: a CQ and QP, {@code rqSize} (HSQSIZE + 1) receive buffers of 64 + in-capsule bytes from the
 *       reactor's pool posted, then the accept with CRQSIZE = rqSize.</li>
 *   <li>A command capsule arrives in a receive buffer: the SQE is copied into a core {@link Request}; in-capsule data
 *       (SGL Data Block, Offset) is used where it lies in the receive buffer; a Keyed SGL Data Block gets a buffer of
 *       the reactor's pool: a write's data comes by RDMA READ before the command runs, a read's data goes by RDMA
 *       WRITE, chained before the response SEND: from that buffer, which the request offers the backend to read
 *       into ({@link Request#offerReadBuffer}), or from the registered shared zeroes for reads of zeroes, or, when a
 *       backend put the data elsewhere, copied into it first. A key with subtype 0xF is invalidated by that SEND
 *       (SEND with invalidate).</li>
 *   <li>The response is one signaled SEND of the 16-byte CQE from a per-command response buffer; the receive buffer
 *       is posted again as the response is queued (its contents were consumed), and the command's transport context
 *       (response and data buffers) is freed when the SEND completes. Sends and receives are posted in batches once
 *       per reactor batch ({@link PollGroup#markDirty}), latency-class responses at once.</li>
 *   <li>The CQ is polled by this queue's {@link Poller} inside the reactor's micro-window. Its completion channel's fd
 *       is in the reactor's epoll ({@link EpollWakeup}) and the CQ is armed once it has been empty a while, so that an
 *       adaptive reactor asleep wakes for the next completion ({@code -Dlocus.rdma.cq-wakeup=false} leaves it out:
 *       completions are then seen within the reactor's {@code maxSleepNanos}).</li>
 *   <li>A DISCONNECTED event, a failed work completion (remote access, RNR retries exceeded, flush...) or a protocol
 *       error tears the queue down: disconnect (the QP flushes), the controller loses the queue, and once every
 *       posted request has flushed and no command is with a handler or backend, the QP goes and every buffer returns
 *       to the reactor's pool.</li>
 * </ul>
 * Everything but {@link #close} and the transport's hand-over of CM events runs on the reactor; nothing on the
 * command path allocates.
 */
final class RdmaQueue extends Queue implements PollGroup.Flushable {
    private static final Logger LOG = Logger.getLogger(RdmaQueue.class.getName());

    private static final long RECV_TAG = 1L << 32;
    private static final long SEND_TAG = 2L << 32;
    private static final long READ_TAG = 3L << 32;
    private static final long WRITE_TAG = 4L << 32;
    private static final long TAG_MASK = 0xFL << 32;
    private static final int COMPLETION_BATCH = 32;
    /** Where reads of zeroes are RDMA-written from (every byte of the shared zeroes is zero, so any slice starts here). */
    private static final long ZEROES_ADDRESS = SharedZeroes.address();
    /**
     * The completion channel in the reactor's epoll (default); {@code -Dlocus.rdma.cq-wakeup=false} leaves it out, and
     * an idle adaptive reactor then sees a completion within its {@code maxSleepNanos} (10 ms): 0.08x nvmet-rdma's
     * QD1 IOPS in scripts/bench-rdma against about 1x with it.
     */
    private static final boolean WAKEUP = !"false".equals(System.getProperty("locus.rdma.cq-wakeup"));
    /** How long a torn-down queue waits for its flushed work requests before it destroys the QP anyway. */
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final RdmaTransport transport;
    private final Verbs verbs;
    private final RdmaReactorBuffers buffers;
    private final int rqSize;
    private final int contexts;
    private final String peer;
    private final CqPoller poller = new CqPoller();

    private final WorkRequests receives;
    private final WorkRequests reposts;
    private final WorkRequests sends;
    private final WorkCompletions completions = WorkCompletions.allocate(COMPLETION_BATCH);
    private int repostCount;
    private int sendCount;

    /** Receive buffer i: its pool buffer. */
    private final int[] recvBuffer;
    /** Per transport context: its receive buffer (-1 once reposted), response buffer, data buffer (-1: none). */
    private final int[] ctxRecv;
    private final int[] ctxResponse;
    private final int[] ctxData;
    private final int[] ctxInvalidate;
    private final long[] ctxRemoteAddress;
    private final int[] ctxRemoteKey;
    private final int[] ctxLength;
    private final Request[] ctxRequest;
    private final int[] freeContexts;
    private int freeContextCount;
    /** Core request slot to its transport context. */
    private int[] slotContext = new int[64];
    /** Commands waiting for a data buffer of the reactor's pool. */
    private final ArrayDeque<Request> waitingForBuffer;

    private int recvPosted;
    /** Signaled sends (SENDs and RDMA READs) posted and not yet completed (a teardown waits for their flush). */
    private int signaledOutstanding;
    private boolean started;
    private boolean established;
    private boolean tearingDown;
    private boolean destroyed;
    private long drainDeadline;
    private boolean flushMarked;
    /** The completion channel's fd in the reactor's epoll, or null (no fd, no epoll, or switched off). */
    private EpollWakeup wakeup;
    /** When the CQ is armed, so that its next completion wakes the reactor through {@link #wakeup}. */
    private final CompletionArming arming;

    /** Completions and errors seen (tests and logs). */
    private long readsPosted;
    private long writesPosted;
    private long invalidatingSends;

    RdmaQueue(RdmaTransport transport, PollGroup group, Port port, Verbs verbs, int rqSize, String peer) {
        super(transport.dispatcher(), group, port);
        this.transport = transport;
        this.verbs = verbs;
        this.arming = new CompletionArming(verbs, System.nanoTime());
        this.buffers = transport.buffers(group);
        this.rqSize = rqSize;
        this.contexts = 2 * rqSize + 16;
        this.peer = peer;
        this.receives = WorkRequests.allocate(rqSize, 1);
        this.reposts = WorkRequests.allocate(rqSize, 1);
        this.sends = WorkRequests.allocate(2 * contexts, 1);
        this.recvBuffer = new int[rqSize];
        Arrays.fill(recvBuffer, -1);
        this.ctxRecv = new int[contexts];
        this.ctxResponse = new int[contexts];
        Arrays.fill(ctxResponse, -1);
        this.ctxData = new int[contexts];
        this.ctxInvalidate = new int[contexts];
        this.ctxRemoteAddress = new long[contexts];
        this.ctxRemoteKey = new int[contexts];
        this.ctxLength = new int[contexts];
        this.ctxRequest = new Request[contexts];
        this.freeContexts = new int[contexts];
        this.waitingForBuffer = new ArrayDeque<>(rqSize);
        Arrays.fill(slotContext, -1);
    }

    @Override
    public String peer() {
        return peer;
    }

    int receiveQueueSize() {
        return rqSize;
    }

    long readsPosted() {
        return readsPosted;
    }

    long writesPosted() {
        return writesPosted;
    }

    long invalidatingSends() {
        return invalidatingSends;
    }

    boolean destroyed() {
        return destroyed;
    }

    // ---- connection life (reactor thread) -----------------------------------------------------------------

    /**
     * Makes the QP, posts the receive buffers and accepts; rejects with "no resources" (and closes) when any of it
     * fails, e.g. the reactor's pool is at its limit.
     */
    void start() {
        try {
            for (int c = 0; c < contexts; c++) {
                int response = buffers.responses().take();
                if (response < 0) {
                    throw new IOException(buffers.responses() + " is exhausted");
                }
                ctxResponse[c] = response;
                ctxRecv[c] = -1;
                ctxData[c] = -1;
                freeContexts[freeContextCount++] = c;
            }
            verbs.createQueuePair(2 * contexts + 1, rqSize, 1, 1);
            for (int i = 0; i < rqSize; i++) {
                int b = buffers.capsules().take();
                if (b < 0) {
                    throw new IOException(buffers.capsules() + " is exhausted");
                }
                recvBuffer[i] = b;
                receives.receive(i, RECV_TAG | i, buffers.capsules().address(b), buffers.capsules().bufferSize(),
                        buffers.capsules().lkey(b, verbs));
            }
            int posted = verbs.postReceive(receives, 0, rqSize);
            recvPosted += posted;
            if (posted != rqSize) {
                throw new IOException("ibv_post_recv took " + posted + " of " + rqSize + " receive buffers (errno "
                        + verbs.lastPostError() + ")");
            }
            started = true;
            reactor().addPoller(poller);
            watchCompletionChannel();
            verbs.accept(RdmaCm.accept(rqSize));
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot accept the RDMA connection of " + peer + ": " + e.getMessage());
            try {
                verbs.reject(RdmaCm.reject(RdmaCm.STS_NO_RESOURCES));
            } catch (IOException | RuntimeException ignored) {
                // the host times out instead
            }
            if (started) {
                teardown("accept failed");
            } else {
                releaseAll();
                verbs.close();
                destroyed = true;
                transport.queueClosed(this);
            }
        }
    }

    /** A CM event of this connection, handed over by the transport (reactor thread). */
    void onCmEvent(int type) {
        switch (type) {
            case CmEvent.ESTABLISHED -> established = true;
            case CmEvent.DISCONNECTED -> teardown("the host disconnected");
            case CmEvent.DEVICE_REMOVAL, CmEvent.ADDR_CHANGE -> teardown("the RDMA device went away ("
                    + CmEvent.typeName(type) + ")");
            default -> {
                // TIMEWAIT_EXIT and the rest change nothing here.
            }
        }
    }

    boolean established() {
        return established;
    }

    @Override
    public void close(String reason) {
        if (reactor().inReactor()) {
            teardown(reason);
        } else {
            reactor().execute(() -> teardown(reason));
        }
    }

    @Override
    protected boolean connected() {
        return !tearingDown;
    }

    /** Disconnects (the QP flushes what is posted) and leaves the controller; the rest is {@link #drain}'s. */
    private void teardown(String reason) {
        if (tearingDown || destroyed) {
            return;
        }
        tearingDown = true;
        LOG.fine(() -> "closing RDMA queue " + qid() + " from " + peer + ": " + reason);
        drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
        sendCount = 0;
        repostCount = 0;
        pollGroup().forget(this);
        flushMarked = false;
        verbs.disconnect();
        waitingForBuffer.clear();
        disconnected();
        if (!started) {
            finish();
        }
    }

    /** Whether the torn-down queue may go now: every posted request flushed (or the wait is over), nothing executing. */
    private void drain() {
        boolean flushed = recvPosted <= 0 && signaledOutstanding <= 0;
        if ((flushed || System.nanoTime() - drainDeadline > 0) && quiescent()) {
            finish();
        }
    }

    /**
     * Puts the completion channel's fd into the reactor's epoll when the reactor runs on epoll; otherwise an adaptive
     * reactor notices completions within its {@code maxSleepNanos}.
     */
    private void watchCompletionChannel() {
        if (WAKEUP) {
            wakeup = EpollWakeup.watch(reactor().eventLoop(), verbs.completionFd(), "RDMA queue " + peer + " CQ channel",
                    this::onCompletionEvent);
        }
    }

    /** The completion channel is readable (reactor thread): take its events; the poller then reads the CQ. */
    private void onCompletionEvent() {
        try {
            arming.onEvent();
        } catch (IOException e) {
            fatal("ibv_get_cq_event: " + e.getMessage());
        }
    }

    private void finish() {
        destroyed = true;
        if (wakeup != null) {
            wakeup.cancel();
            wakeup = null;
        }
        reactor().removePoller(poller);
        verbs.close();
        releaseAll();
        transport.queueClosed(this);
    }

    /** Every buffer back to the reactor's pool (the QP is gone, so nothing can still move data into them). */
    private void releaseAll() {
        for (int i = 0; i < rqSize; i++) {
            if (recvBuffer[i] >= 0) {
                buffers.capsules().give(recvBuffer[i]);
                recvBuffer[i] = -1;
            }
        }
        for (int c = 0; c < contexts; c++) {
            if (ctxResponse[c] >= 0) {
                buffers.responses().give(ctxResponse[c]);
                ctxResponse[c] = -1;
            }
            if (ctxData[c] >= 0) {
                buffers.data().give(ctxData[c]);
                ctxData[c] = -1;
            }
            ctxRequest[c] = null;
        }
        freeContextCount = 0;
    }

    // ---- commands -----------------------------------------------------------------------------------------

    private void onCapsule(int index, int bytes) {
        int buffer = recvBuffer[index];
        if (bytes < Sqe.LENGTH) {
            fatal("a command capsule of " + bytes + " bytes (an SQE is " + Sqe.LENGTH + ")");
            return;
        }
        Request r = allocate();
        int c = freeContextCount > 0 ? freeContexts[--freeContextCount] : -1;
        if (r == null || c < 0) {
            if (r != null) {
                release(r);
            }
            fatal("more commands outstanding than the queue holds (" + rqSize + " receive buffers)");
            return;
        }
        ctxRecv[c] = index;
        ctxRequest[c] = r;
        ctxInvalidate[c] = 0;
        if (r.slot >= slotContext.length) {
            int old = slotContext.length;
            slotContext = Arrays.copyOf(slotContext, Math.max(r.slot + 1, old * 2));
            Arrays.fill(slotContext, old, slotContext.length, -1);
        }
        slotContext[r.slot] = c;
        ByteBuf capsule = buffers.capsules().view(buffer);
        r.sqe.writeBytes(capsule, 0, Sqe.LENGTH);
        r.receivedNanos = pollGroup().readStamp();
        r.state = Request.State.RECEIVED;
        r.cid = Sqe.cid(r.sqe, 0);
        r.opcode = Sqe.opcode(r.sqe, 0);
        if (qid() > 0 && controller() != null && controller().provenanceEnabled()) {
            r.readProvenance();
        }
        consumeSqEntry();
        int status = dispatcher.checkCommand(r);
        if (status != Status.SUCCESS) {
            r.complete(status);
            return;
        }
        int sglId = Sqe.sglId(r.sqe, 0);
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        if (Sgl.type(sglId) == Sgl.TYPE_KEYED_DATA_BLOCK) {
            keyed(r, c, sglId, direction);
        } else if (sglId == Sgl.ID_IN_CAPSULE) {
            inCapsule(r, capsule, bytes, direction);
        } else {
            r.transferLength = (int) Math.min(Sqe.sglLength(r.sqe, 0), Integer.MAX_VALUE);
            r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
        }
    }

    /** Data Block, Offset: the data lies in the receive buffer, {@code offset} bytes after the SQE. */
    private void inCapsule(Request r, ByteBuf capsule, int bytes, int direction) {
        long offset = Sqe.sglAddress(r.sqe, 0);
        long length = Sqe.sglLength(r.sqe, 0);
        r.transferLength = (int) Math.min(length, Integer.MAX_VALUE);
        if (direction != NvmOpcode.XFER_HOST_TO_CONTROLLER) {
            r.complete(Status.INVALID_FIELD | Status.DNR); // in-capsule data for a read (Linux nvmet answers so)
            return;
        }
        if (offset < 0 || offset + length > transport.limits().inCapsuleBytes(qid())) {
            r.complete(Status.INVALID_SGL_OFFSET | Status.DNR);
            return;
        }
        if (Sqe.LENGTH + offset + length > bytes) {
            r.complete(Status.DATA_SGL_LENGTH_INVALID | Status.DNR);
            return;
        }
        int from = Sqe.LENGTH + (int) offset;
        r.data = capsule.retain().setIndex(from, from + (int) length);
        dispatcher.execute(r);
    }

    /** Keyed SGL Data Block: the data moves by RDMA READ (writes, before the command runs) or WRITE (reads). */
    private void keyed(Request r, int c, int sglId, int direction) {
        int length = KeyedSgl.length(r.sqe, Sqe.SGL1_OFFSET);
        r.transferLength = length;
        int subtype = Sgl.subtype(sglId);
        if (subtype != Sgl.SUBTYPE_ADDRESS && subtype != Sgl.SUBTYPE_INVALIDATE_KEY) {
            r.complete(Status.SGL_TYPE_INVALID | Status.DNR);
            return;
        }
        if (length == 0) {
            dispatcher.execute(r);
            return;
        }
        if (length > transport.limits().maxTransferBytes()) {
            r.complete(Status.INVALID_FIELD | Status.DNR);
            return;
        }
        ctxRemoteAddress[c] = Sqe.sglAddress(r.sqe, 0);
        ctxRemoteKey[c] = KeyedSgl.key(r.sqe, Sqe.SGL1_OFFSET);
        ctxLength[c] = length;
        ctxInvalidate[c] = subtype == Sgl.SUBTYPE_INVALIDATE_KEY ? ctxRemoteKey[c] : 0;
        if (direction == NvmOpcode.XFER_HOST_TO_CONTROLLER) {
            // A failed write gets no RDMA READ: checked against its namespace before any data moves.
            int status = dispatcher.validate(r);
            if (status != Status.SUCCESS) {
                r.complete(status);
                return;
            }
        }
        if (!withDataBuffer(r, c)) {
            waitingForBuffer.addLast(r);
        }
    }

    /** Gives the command its pool buffer and moves on (READ for a write, run for a read); false when none is free. */
    private boolean withDataBuffer(Request r, int c) {
        int b = buffers.data().take();
        if (b < 0) {
            return false;
        }
        ctxData[c] = b;
        int lkey;
        try {
            lkey = buffers.data().lkey(b, verbs);
        } catch (IOException e) {
            fatal("cannot register the data buffers: " + e.getMessage());
            return true;
        }
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        if (direction == NvmOpcode.XFER_HOST_TO_CONTROLLER) {
            r.state = Request.State.AWAITING_DATA;
            sends.rdmaRead(sendCount++, READ_TAG | c, WorkRequests.FLAG_SIGNALED, buffers.data().address(b),
                    ctxLength[c], lkey, ctxRemoteAddress[c], ctxRemoteKey[c]);
            readsPosted++;
            postSends();
            return true;
        }
        // A backend that reads into the request's buffer reads into this registered one: no copy before the WRITE.
        r.offerReadBuffer(buffers.data().view(b));
        dispatcher.execute(r);
        return true;
    }

    private void onReadDone(int c) {
        Request r = ctxRequest[c];
        if (r == null || r.state != Request.State.AWAITING_DATA) {
            return;
        }
        ByteBuf data = buffers.data().view(ctxData[c]);
        r.data = data.retain().setIndex(0, ctxLength[c]);
        r.state = Request.State.RECEIVED;
        dispatcher.execute(r);
    }

    // ---- responses ----------------------------------------------------------------------------------------

    @Override
    protected void queueResponse(Request r) {
        int c = slotContext[r.slot];
        slotContext[r.slot] = -1;
        ctxRequest[c] = null;
        int response = ctxResponse[c];
        RdmaBufferPool responses = buffers.responses();
        Cqe.write(responses.slabView(response), responses.offset(response), r.dw0, r.dw1, sqHeadForCompletion(),
                Math.max(qid(), 0), r.cid, r.status);
        // The capsule was consumed (SQE copied, in-capsule data used): its receive buffer goes back now, as nvmet-rdma
        // does, so the host may send its next command as soon as it sees this response.
        int index = ctxRecv[c];
        ctxRecv[c] = -1;
        RdmaBufferPool capsules = buffers.capsules();
        try {
            int recv = recvBuffer[index];
            reposts.receive(repostCount++, RECV_TAG | index, capsules.address(recv), capsules.bufferSize(),
                    capsules.lkey(recv, verbs));
            int data = ctxData[c];
            if (Status.isSuccess(r.status) && data >= 0 && r.data != null && controllerToHost(r)) {
                RdmaBufferPool pool = buffers.data();
                int length = Math.min(r.data.readableBytes(), ctxLength[c]);
                long source;
                int lkey;
                if (pool.isView(data, r.data)) {
                    source = pool.address(data) + r.data.readerIndex();
                    lkey = pool.lkey(data, verbs);
                } else if (SharedZeroes.holds(r.data)) {
                    source = ZEROES_ADDRESS;
                    lkey = buffers.zeroesLkey(verbs);
                } else {
                    pool.slabView(data).setBytes(pool.offset(data), r.data, r.data.readerIndex(), length);
                    buffers.recordReadCopy(length);
                    source = pool.address(data);
                    lkey = pool.lkey(data, verbs);
                }
                // Unsignaled: the SEND after it completes only once it did (or both flush).
                sends.rdmaWrite(sendCount++, WRITE_TAG | c, 0, source, length, lkey, ctxRemoteAddress[c],
                        ctxRemoteKey[c]);
                writesPosted++;
            }
            if (ctxInvalidate[c] != 0) {
                sends.sendWithInvalidate(sendCount++, SEND_TAG | c, WorkRequests.FLAG_SIGNALED,
                        responses.address(response), Cqe.LENGTH, responses.lkey(response, verbs), ctxInvalidate[c]);
                invalidatingSends++;
            } else {
                sends.send(sendCount++, SEND_TAG | c, WorkRequests.FLAG_SIGNALED, responses.address(response),
                        Cqe.LENGTH, responses.lkey(response, verbs));
            }
        } catch (IOException e) {
            fatal("cannot register the response buffers: " + e.getMessage());
            return;
        }
        if (r.urgent()) {
            postSends();
        } else if (!flushMarked) {
            flushMarked = true;
            pollGroup().markDirty(this);
        }
    }

    private static boolean controllerToHost(Request r) {
        int direction = r.opcode == AdminOpcode.FABRICS ? Sqe.fctype(r.sqe, 0) & 0x3 : NvmOpcode.direction(r.opcode);
        return direction == NvmOpcode.XFER_CONTROLLER_TO_HOST;
    }

    /** Posts what this batch queued: receives first (the host may answer a response at once), then sends. */
    @Override
    public void flushPending() {
        flushMarked = false;
        postSends();
    }

    private void postSends() {
        if (tearingDown) {
            return;
        }
        if (repostCount > 0) {
            int n = repostCount;
            repostCount = 0;
            int posted = verbs.postReceive(reposts, 0, n);
            recvPosted += posted;
            if (posted != n) {
                fatal("ibv_post_recv took " + posted + " of " + n + " receive buffers (errno " + verbs.lastPostError()
                        + ")");
                return;
            }
        }
        if (sendCount > 0) {
            int n = sendCount;
            sendCount = 0;
            int posted = verbs.postSend(sends, 0, n);
            for (int i = 0; i < posted; i++) {
                if ((sends.flags(i) & WorkRequests.FLAG_SIGNALED) != 0) {
                    signaledOutstanding++;
                }
            }
            if (posted != n) {
                fatal("ibv_post_send took " + posted + " of " + n + " work requests (errno " + verbs.lastPostError()
                        + ")");
            }
        }
    }

    private void onSendDone(int c) {
        signaledOutstanding--;
        if (ctxData[c] >= 0) {
            buffers.data().give(ctxData[c]);
            ctxData[c] = -1;
        }
        freeContexts[freeContextCount++] = c;
    }

    private void fatal(String reason) {
        LOG.warning("RDMA queue " + qid() + " from " + peer + ": " + reason);
        teardown(reason);
    }

    // ---- completions --------------------------------------------------------------------------------------

    private final class CqPoller implements Poller {
        @Override
        public int poll(int maxItems) {
            return poll(maxItems, Long.MAX_VALUE);
        }

        @Override
        public int poll(int maxItems, long deadlineNanos) {
            if (destroyed) {
                return 0;
            }
            int work = 0;
            while (!waitingForBuffer.isEmpty() && !tearingDown) {
                Request r = waitingForBuffer.peekFirst();
                if (!withDataBuffer(r, slotContext[r.slot])) {
                    break;
                }
                waitingForBuffer.pollFirst();
                work++;
            }
            int n;
            try {
                n = verbs.pollCompletions(completions, Math.min(COMPLETION_BATCH, Math.max(1, maxItems)));
            } catch (IOException e) {
                fatal("ibv_poll_cq: " + e.getMessage());
                n = 0;
            }
            for (int i = 0; i < n && !destroyed; i++) {
                onCompletion(i);
            }
            work += n;
            if (wakeup != null && !tearingDown) {
                work += idleArm(n);
            }
            if (tearingDown && !destroyed) {
                drain();
            } else if (!destroyed) {
                postSends();
            }
            return work;
        }

        @Override
        public String name() {
            return "nvmet-rdma-q" + qid() + "-cq";
        }
    }

    /** Arms the CQ once it has been empty a while, then reads it once more (a completion may have come first). */
    private int idleArm(int polled) {
        int n;
        try {
            n = arming.afterPoll(polled, System.nanoTime(), completions, COMPLETION_BATCH);
        } catch (IOException e) {
            fatal("ibv_req_notify_cq / ibv_poll_cq: " + e.getMessage());
            return 1;
        }
        for (int i = 0; i < n && !destroyed; i++) {
            onCompletion(i);
        }
        return n;
    }

    private void onCompletion(int i) {
        long wrId = completions.wrId(i);
        long tag = wrId & TAG_MASK;
        int index = (int) wrId;
        int status = completions.status(i);
        if (tag == RECV_TAG) {
            recvPosted--;
        } else if (tag == SEND_TAG) {
            onSendDone(index);
        } else if (tag == READ_TAG) {
            signaledOutstanding--;
        }
        if (status != WorkCompletions.STATUS_SUCCESS) {
            if (status != WorkCompletions.STATUS_WR_FLUSH_ERR) {
                String what = tag == RECV_TAG ? "a command receive" : tag == READ_TAG ? "the RDMA READ of a write's data"
                        : tag == WRITE_TAG ? "the RDMA WRITE of a read's data" : "a response SEND";
                fatal(what + " failed: " + WorkCompletions.statusName(status) + " (vendor error "
                        + completions.vendorError(i) + ")");
            } else {
                teardown("the queue pair was flushed");
            }
            return;
        }
        if (tearingDown) {
            return;
        }
        if (tag == RECV_TAG) {
            if (index < 0 || index >= rqSize) {
                fatal("a receive completion names buffer " + index + ", which this queue never posted");
                return;
            }
            onCapsule(index, completions.byteLength(i));
        } else if (tag == READ_TAG) {
            onReadDone(index);
        }
    }
}
