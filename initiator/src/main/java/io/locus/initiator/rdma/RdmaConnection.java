package io.locus.initiator.rdma;

import io.locus.initiator.queue.Command;
import io.locus.initiator.queue.HostConnection;
import io.locus.initiator.queue.QueuePair;
import io.locus.nativeio.rdma.CmEvent;
import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;
import io.locus.nativeio.rdma.verbs.CompletionArming;
import io.locus.nativeio.rdma.verbs.NativeVerbs;
import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.rdma.KeyedSgl;
import io.locus.protocol.rdma.RdmaCm;
import io.locus.runtime.EpollWakeup;
import io.locus.runtime.Poller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.logging.Logger;

/**
 * The NVMe/RDMA connection of one {@link QueuePair}, as Linux's nvme-rdma and SPDK's nvme_rdma make it:
 * <ul>
 *   <li>rdma_cm resolve address → route → connect with the 32-byte NVMe/RDMA private data (RECFMT 0, QID, HRQSIZE =
 *       queue entries, HSQSIZE = entries − 1); the accept's CRQSIZE is checked against the commands this queue may
 *       have outstanding; a reject's STS becomes the connect error.</li>
 *   <li>One RC queue pair whose receive queue holds {@code entries} pre-posted 16-byte receive buffers for response
 *       capsules; a command capsule is one signaled SEND of its 64-byte SQE, plus, for a write on an I/O queue that
 *       fits the controller's in-capsule size (only when Identify's SGLS b20 says it takes in-capsule data), a second
 *       SGE with the data and an in-capsule SGL (offset 0). Any other data moves by the controller's RDMA READ/WRITE
 *       of host memory described by a Keyed SGL Data Block (type 0x4, subtype 0: address).</li>
 *   <li>Host memory is one direct buffer per queue pair (SQEs, receive buffers, and a data area of one
 *       {@link #slotDataBytes()} chunk per command slot), registered once per connection: no per-I/O registration.
 *       The API hands commands arbitrary {@link ByteBuf}s, so write data is copied into the slot's chunk before the
 *       SEND and read data out of it when the response arrives. With one registration for the whole pool, subtype 0xF
 *       (remote invalidate) is never asked for: invalidating the pool's rkey would end the connection's use of it.</li>
 *   <li>A command completes when both its response and its SEND's completion were seen (either order, as nvme-rdma
 *       does), so a slot's SQE buffer is never rewritten while the adapter may still read it. Responses are matched
 *       by CID.</li>
 *   <li>The CQ (and, at a lower rate once established, the CM event channel) is polled by the queue's reactor in
 *       its micro-window through a {@link Poller} of its own. Once established, the completion channel's fd is in
 *       the reactor's epoll ({@link EpollWakeup}) and the CQ is armed after it has been empty a while
 *       ({@link CompletionArming}); the connection keeps an adaptive reactor spinning while a connect is under way
 *       and for {@code SPIN_WHILE_OUTSTANDING_NANOS} after the last completion while commands are outstanding, then
 *       lets it sleep until the next completion wakes it.</li>
 *   <li>A DISCONNECTED event, a failed work completion (flush, remote access, retry exceeded, RNR...) or a response
 *       for an unknown CID goes to {@link QueuePair#onConnectionLost}, so the controller reconnects as over TCP.</li>
 * </ul>
 * Everything runs on the pair's reactor.
 */
public final class RdmaConnection implements HostConnection, Verbs.EventHandler {
    private static final Logger LOG = Logger.getLogger(RdmaConnection.class.getName());

    /** Largest data transfer of one I/O command, the size of each slot's data chunk (a multiple of 4 KiB). */
    public static final int MAX_TRANSFER = Integer.getInteger("locus.rdma.max-transfer", 128 * 1024) & ~4095;
    /** Admin commands move at most this much (Identify 4 KiB, log pages in 4 KiB chunks, Connect 1 KiB). */
    static final int ADMIN_SLOT_BYTES = 16 * 1024;
    private static final long RECV_TAG = 1L << 32;
    private static final long SEND_TAG = 2L << 32;
    private static final int COMPLETION_BATCH = 32;
    /**
     * While a connect is under way an adaptive reactor keeps spinning; while commands are outstanding it spins this
     * long past the last completion, then sleeps with the CQ armed and its completion channel in the reactor's epoll
     * (without the channel, for as long as commands are outstanding).
     */
    private static final long SPIN_WHILE_OUTSTANDING_NANOS = 200_000;
    /** The completion channel in the reactor's epoll (default); {@code -Dlocus.rdma.cq-wakeup=false} leaves it out. */
    private static final boolean WAKEUP = !"false".equals(System.getProperty("locus.rdma.cq-wakeup"));
    /** Once established, the CM event channel is polled every this many turns (a syscall each). */
    private static final int EVENT_POLL_INTERVAL = 64;

    private enum Phase { IDLE, RESOLVING_ADDRESS, RESOLVING_ROUTE, CONNECTING, ESTABLISHED }

    private final QueuePair pair;
    private final Verbs.Provider provider;
    private final int slots;
    private final int entries;
    private final int slotData;
    private final int cqeBase;
    private final int dataBase;
    private final Poller poller = new CqPoller();
    /** The current connection's completion channel in the reactor's epoll (null: none, no epoll, or switched off). */
    private EpollWakeup wakeup;
    /** When the current connection's CQ is armed (null until established). */
    private CompletionArming arming;
    // Per slot (Command.index()).
    private final boolean[] sendPending;
    private final boolean[] responsePending;
    private final int[] responseStatus;
    private final int[] responseDw0;
    private final int[] responseDw1;
    private final int[] cids;
    private final int[] failedAtSend;
    private int failedCount;

    private ByteBuffer pool;
    private ByteBuf poolBuf;
    private WorkRequests sends;
    private WorkRequests receives;
    private WorkRequests reposts;
    private WorkCompletions completions;
    private int sendBatch;
    private int repostBatch;

    private Verbs verbs;
    private Verbs.Registration registration;
    private Phase phase = Phase.IDLE;
    private String endpoint = "";
    private long deadlineNanos;
    private int timeoutMs;
    private long turns;
    private int sendSge;
    private int controllerRecvQueue;
    /** Commands sent on this connection and not yet delivered. */
    private int outstanding;

    // Counters (reactor-written, read racily).
    private long registrations;
    private long inCapsuleWrites;
    private long keyedTransfers;

    /** The connection of {@code pair} over rdma-core: pass {@code RdmaConnection::new} as the pair's factory. */
    public RdmaConnection(QueuePair pair) {
        this(pair, NativeVerbs.PROVIDER);
    }

    /** The connection of {@code pair} over {@code provider} (a simulation in tests). */
    public RdmaConnection(QueuePair pair, Verbs.Provider provider) {
        this.pair = pair;
        this.provider = provider;
        this.slots = pair.depth();
        this.entries = pair.config().entries();
        this.slotData = pair.qid() == 0 ? ADMIN_SLOT_BYTES : Math.max(4096, MAX_TRANSFER);
        this.cqeBase = slots * Sqe.LENGTH;
        this.dataBase = align(cqeBase + entries * Cqe.LENGTH, 4096);
        this.sendPending = new boolean[slots];
        this.responsePending = new boolean[slots];
        this.responseStatus = new int[slots];
        this.responseDw0 = new int[slots];
        this.responseDw1 = new int[slots];
        this.cids = new int[slots];
        this.failedAtSend = new int[slots];
        pair.reactor().addPoller(poller);
    }

    /** A factory of connections over {@code provider}. */
    public static HostConnection.Factory factory(Verbs.Provider provider) {
        return pair -> new RdmaConnection(pair, provider);
    }

    @Override
    public String transportName() {
        return "rdma";
    }

    /** Bytes of data one command of this queue may move (its slot's registered chunk). */
    public int slotDataBytes() {
        return slotData;
    }

    /** The controller's receive queue size from the accept (CRQSIZE), 0 before. */
    public int controllerReceiveQueue() {
        return controllerRecvQueue;
    }

    /** Memory registrations made so far: one per connection, never per command. */
    public long registrations() {
        return registrations;
    }

    /** Writes sent in the capsule. */
    public long inCapsuleWrites() {
        return inCapsuleWrites;
    }

    /** Commands whose data the controller moved by RDMA READ or WRITE through a keyed SGL. */
    public long keyedTransfers() {
        return keyedTransfers;
    }

    /** The completion channel's fd of the current connection (for a reactor's epoll), or -1. */
    public int completionFd() {
        return verbs == null ? -1 : verbs.completionFd();
    }

    // ---------------------------------------------------------------- connection

    @Override
    public void open(InetSocketAddress address, String endpoint, long timeoutMs) {
        close();
        this.endpoint = endpoint;
        this.timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMs));
        String cause = provider.unavailabilityCause(); // the first call probes RDMA (loads the library, opens devices)
        if (cause != null) {
            pair.onConnectFailed("cannot connect to " + endpoint + " over RDMA: RDMA unavailable: " + cause, null);
            return;
        }
        if (address.isUnresolved()) {
            pair.onConnectFailed("cannot connect to " + endpoint + ": unknown host " + address.getHostString(), null);
            return;
        }
        try {
            verbs = provider.open();
            deadlineNanos = pair.reactor().clock().nanoTime() + timeoutMs * 1_000_000L;
            phase = Phase.RESOLVING_ADDRESS;
            verbs.resolveAddress(address, this.timeoutMs);
        } catch (IOException | RuntimeException e) {
            connectFailed("cannot connect to " + endpoint + " over RDMA: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        Verbs v = verbs;
        verbs = null;
        if (wakeup != null) {
            wakeup.cancel();
            wakeup = null;
        }
        arming = null;
        sendBatch = 0;
        repostBatch = 0;
        failedCount = 0;
        outstanding = 0;
        java.util.Arrays.fill(sendPending, false);
        java.util.Arrays.fill(responsePending, false);
        if (v != null) {
            if (phase == Phase.ESTABLISHED) {
                v.disconnect();
            }
            v.close();
        }
        phase = Phase.IDLE;
        registration = null;
    }

    @Override
    public void onCmEvent(int type, int status, ByteBuffer privateData) {
        try {
            switch (type) {
                case CmEvent.ADDR_RESOLVED -> {
                    if (phase == Phase.RESOLVING_ADDRESS) {
                        setUp();
                    }
                }
                case CmEvent.ROUTE_RESOLVED -> {
                    if (phase == Phase.RESOLVING_ROUTE) {
                        phase = Phase.CONNECTING;
                        verbs.connect(RdmaCm.request(pair.qid(), entries, entries - 1, 0));
                    }
                }
                case CmEvent.ESTABLISHED -> established(privateData);
                case CmEvent.REJECTED -> connectFailed(rejected(status, privateData), null);
                case CmEvent.ADDR_ERROR -> connectFailed("cannot resolve " + endpoint + " to an RDMA device: "
                        + errno(status), null);
                case CmEvent.ROUTE_ERROR -> connectFailed("no RDMA route to " + endpoint + ": " + errno(status), null);
                case CmEvent.UNREACHABLE, CmEvent.CONNECT_ERROR -> connectFailed("cannot connect to " + endpoint
                        + " over RDMA: " + (status == -110 ? "no answer (connection timed out)" : errno(status)), null);
                case CmEvent.DISCONNECTED, CmEvent.DEVICE_REMOVAL, CmEvent.ADDR_CHANGE -> {
                    String what = type == CmEvent.DISCONNECTED ? "the target " + endpoint + " disconnected"
                            : "the RDMA device went away (" + CmEvent.typeName(type) + ")";
                    if (phase == Phase.ESTABLISHED) {
                        lost(what);
                    } else {
                        connectFailed("cannot connect to " + endpoint + " over RDMA: " + what, null);
                    }
                }
                default -> {
                    // TIMEWAIT_EXIT and the rest change nothing here.
                }
            }
        } catch (IOException | RuntimeException e) {
            connectFailed("cannot connect to " + endpoint + " over RDMA: " + e.getMessage(), e);
        }
    }

    /** The address resolved to a device: QP, CQ, the pool registered once, receives posted; then the route. */
    private void setUp() throws IOException {
        if (pool == null) {
            pool = ByteBuffer.allocateDirect(dataBase + slots * slotData + 4096).alignedSlice(4096);
            poolBuf = Unpooled.wrappedBuffer(pool.duplicate().clear());
            sends = WorkRequests.allocate(slots, 2);
            receives = WorkRequests.allocate(entries, 1);
            reposts = WorkRequests.allocate(entries, 1);
            completions = WorkCompletions.allocate(COMPLETION_BATCH);
        }
        registration = verbs.createResources(slots + 1, entries, 2, pool);
        registrations++;
        sendSge = verbs.maxSendSge();
        for (int i = 0; i < entries; i++) {
            receives.receive(i, RECV_TAG | i, registration.address() + cqeBase + (long) i * Cqe.LENGTH, Cqe.LENGTH,
                    registration.lkey());
        }
        int posted = verbs.postReceive(receives, 0, entries);
        if (posted != entries) {
            throw new IOException("ibv_post_recv took " + posted + " of " + entries + " receive buffers (errno "
                    + verbs.lastPostError() + ")");
        }
        phase = Phase.RESOLVING_ROUTE;
        verbs.resolveRoute(timeoutMs);
    }

    private void established(ByteBuffer privateData) {
        if (phase != Phase.CONNECTING) {
            return;
        }
        int recfmt = RdmaCm.field(privateData, RdmaCm.RECFMT_OFFSET);
        int crqsize = RdmaCm.field(privateData, RdmaCm.CRQSIZE_OFFSET);
        if (recfmt > 0) {
            connectFailed("the target " + endpoint + " accepted with NVMe/RDMA private data format " + recfmt
                    + " (only 0 is known)", null);
            return;
        }
        if (crqsize >= 0 && crqsize < slots) {
            connectFailed("the target " + endpoint + " accepted queue " + pair.qid() + " with a receive queue of "
                    + crqsize + " (CRQSIZE), fewer than the " + slots + " commands it may have outstanding", null);
            return;
        }
        controllerRecvQueue = Math.max(crqsize, 0);
        phase = Phase.ESTABLISHED;
        if (WAKEUP) {
            arming = new CompletionArming(verbs, pair.reactor().clock().nanoTime());
            wakeup = EpollWakeup.watch(pair.reactor().eventLoop(), verbs.completionFd(),
                    "RDMA queue " + pair.qid() + " CQ channel", this::onCompletionEvent);
            if (wakeup == null) {
                arming = null;
            }
        }
        pair.onConnected();
    }

    private String rejected(int reason, ByteBuffer privateData) {
        String who = "the target " + endpoint + " rejected the RDMA connection of queue " + pair.qid();
        if (reason == CmEvent.REJECT_CONSUMER_DEFINED) {
            int sts = RdmaCm.field(privateData, RdmaCm.STS_OFFSET);
            if (sts > 0) {
                return who + ": " + RdmaCm.describeReject(sts) + " (NVMe/RDMA CM status " + sts + ")";
            }
            return who;
        }
        if (reason == 8) { // IB_CM_REJ_INVALID_SERVICE_ID: nobody listens on that port
            return "cannot connect to " + endpoint + " over RDMA: connection refused (is a target listening on that port?)";
        }
        return who + " (CM reject reason " + reason + ")";
    }

    private void connectFailed(String reason, Throwable cause) {
        if (verbs == null) {
            return;
        }
        if (phase == Phase.ESTABLISHED) {
            lost(reason);
            return;
        }
        pair.onConnectFailed(reason, cause); // closes this connection
        close();
    }

    private void lost(String reason) {
        if (verbs == null) {
            return;
        }
        LOG.warning(() -> "queue " + pair.qid() + " (" + endpoint + "): " + reason);
        pair.onConnectionLost(reason); // closes this connection
        close();
    }

    // ---------------------------------------------------------------- sending

    @Override
    public void send(Command c) {
        int slot = c.index();
        cids[slot] = c.cid();
        responsePending[slot] = false;
        int length = c.dataLength;
        outstanding++;
        if (length > slotData || registration == null) {
            failedAtSend[failedCount++] = slot;
            return;
        }
        int sqe = slot * Sqe.LENGTH;
        int data = dataBase + slot * slotData;
        c.writeSqe(poolBuf, sqe, pair.provenance());
        boolean write = c.hostToController();
        boolean inline = write && !c.isControl() && pair.qid() != 0 && sendSge >= 2
                && length <= pair.inCapsuleLimit(c);
        if (write) {
            poolBuf.setBytes(data, c.data, c.dataIndex, length);
        }
        long base = registration.address();
        sends.header(sendBatch, SEND_TAG | slot, WorkRequests.OP_SEND, WorkRequests.FLAG_SIGNALED)
                .sge(sendBatch, 0, base + sqe, Sqe.LENGTH, registration.lkey());
        if (inline) {
            Sgl.write(poolBuf, sqe + Sqe.SGL1_OFFSET, 0, length, Sgl.ID_IN_CAPSULE);
            sends.sge(sendBatch, 1, base + data, length, registration.lkey()).sgeCount(sendBatch, 2);
            inCapsuleWrites++;
        } else if (length > 0) {
            KeyedSgl.write(poolBuf, sqe + Sqe.SGL1_OFFSET, base + data, length, registration.rkey(), false);
            sends.sgeCount(sendBatch, 1);
            keyedTransfers++;
        } else {
            KeyedSgl.write(poolBuf, sqe + Sqe.SGL1_OFFSET, 0, 0, 0, false);
            sends.sgeCount(sendBatch, 1);
        }
        sendBatch++;
        sendPending[slot] = true;
    }

    @Override
    public boolean flush() {
        int n = sendBatch;
        if (n == 0 || verbs == null) {
            return false;
        }
        sendBatch = 0;
        int posted = verbs.postSend(sends, 0, n);
        if (posted != n) {
            lost("ibv_post_send took " + posted + " of " + n + " command capsules (errno " + verbs.lastPostError() + ")");
        }
        return true;
    }

    // ---------------------------------------------------------------- completions

    private final class CqPoller implements Poller {
        @Override
        public int poll(int maxItems) {
            return poll(maxItems, Long.MAX_VALUE);
        }

        @Override
        public int poll(int maxItems, long deadlineNanos) {
            if (verbs == null) {
                if (pair.state() == QueuePair.State.CLOSED) {
                    pair.reactor().removePoller(this);
                }
                return 0;
            }
            int work = 0;
            long now = pair.reactor().clock().nanoTime();
            if (phase != Phase.ESTABLISHED || (outstanding > 0
                    && (arming == null || now - arming.lastCompletionNanos() < SPIN_WHILE_OUTSTANDING_NANOS))) {
                pair.reactor().openLatencyWindow(now, SPIN_WHILE_OUTSTANDING_NANOS);
            }
            if (phase != Phase.ESTABLISHED || (turns++ % EVENT_POLL_INTERVAL) == 0) {
                work += pollEvents();
            }
            if (verbs != null && phase != Phase.ESTABLISHED
                    && pair.reactor().clock().nanoTime() - RdmaConnection.this.deadlineNanos > 0) {
                connectFailed("cannot connect to " + endpoint + " over RDMA: no answer within " + timeoutMs
                        + " ms (" + phase.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")", null);
                return work + 1;
            }
            if (verbs != null && registration != null) {
                work += pollCompletions(maxItems);
            }
            return work;
        }

        @Override
        public String name() {
            return "nvme-rdma-q" + pair.qid() + "-cq";
        }
    }

    private int pollEvents() {
        try {
            return verbs.pollEvents(this);
        } catch (IOException e) {
            connectFailed("RDMA connection manager: " + e.getMessage(), e);
            return 1;
        }
    }

    private int pollCompletions(int maxItems) {
        Verbs v = verbs;
        int work = 0;
        while (failedCount > 0 && verbs == v) {
            int slot = failedAtSend[--failedCount];
            Command c = pair.lookup(cids[slot]);
            if (c == null) {
                outstanding--;
            } else {
                LOG.warning(() -> "queue " + pair.qid() + ": command " + c.cid() + " moves " + c.dataLength
                        + " bytes, more than the " + slotData + " bytes registered per command");
                deliver(c, Status.DATA_TRANSFER_ERROR | Status.DNR, 0, 0);
            }
            work++;
        }
        int n;
        try {
            n = v.pollCompletions(completions, Math.min(COMPLETION_BATCH, Math.max(1, maxItems)));
        } catch (IOException e) {
            lost("ibv_poll_cq: " + e.getMessage());
            return work + 1;
        }
        for (int i = 0; i < n && verbs == v; i++) {
            onCompletion(i);
        }
        if (arming != null && verbs == v) {
            n += idleArm(v, n);
        }
        if (repostBatch > 0 && verbs == v) {
            int count = repostBatch;
            repostBatch = 0;
            int posted = v.postReceive(reposts, 0, count);
            if (posted != count) {
                lost("ibv_post_recv took " + posted + " of " + count + " receive buffers (errno "
                        + v.lastPostError() + ")");
            }
        }
        return work + n;
    }

    /** Arms the CQ once it has been empty a while, then reads it once more (a completion may have come first). */
    private int idleArm(Verbs v, int polled) {
        int n;
        try {
            n = arming.afterPoll(polled, pair.reactor().clock().nanoTime(), completions, COMPLETION_BATCH);
        } catch (IOException e) {
            lost("ibv_req_notify_cq / ibv_poll_cq: " + e.getMessage());
            return 1;
        }
        for (int i = 0; i < n && verbs == v; i++) {
            onCompletion(i);
        }
        return n;
    }

    /** The completion channel is readable (reactor thread): take its events; the poller then reads the CQ. */
    private void onCompletionEvent() {
        if (arming == null) {
            return;
        }
        try {
            arming.onEvent();
        } catch (IOException e) {
            lost("ibv_get_cq_event: " + e.getMessage());
        }
    }

    private void onCompletion(int i) {
        long wrId = completions.wrId(i);
        int index = (int) wrId;
        boolean receive = (wrId & RECV_TAG) != 0;
        int status = completions.status(i);
        if (status != WorkCompletions.STATUS_SUCCESS) {
            String what = receive ? "a response receive" : "the SEND of a command capsule";
            lost(status == WorkCompletions.STATUS_WR_FLUSH_ERR
                    ? "the RDMA queue pair was flushed (" + what + " ended in WR_FLUSH_ERR): the connection to "
                    + endpoint + " is down"
                    : what + " failed: " + WorkCompletions.statusName(status) + " (vendor error "
                    + completions.vendorError(i) + ")");
            return;
        }
        if (receive) {
            onResponseCapsule(index, completions.byteLength(i), completions.flags(i), completions.invalidatedRkey(i));
        } else {
            onSendDone(index);
        }
    }

    private void onResponseCapsule(int index, int bytes, int flags, int invalidatedRkey) {
        if (index < 0 || index >= entries) {
            lost("a receive completion names buffer " + index + ", which this queue never posted");
            return;
        }
        int cqe = cqeBase + index * Cqe.LENGTH;
        if (bytes < Cqe.LENGTH) {
            lost("a response capsule of " + bytes + " bytes (a CQE is " + Cqe.LENGTH + ")");
            return;
        }
        int cid = Cqe.cid(poolBuf, cqe);
        int status = Cqe.status(poolBuf, cqe);
        int dw0 = Cqe.dw0(poolBuf, cqe);
        int dw1 = Cqe.dw1(poolBuf, cqe);
        // The buffer is free again once read: post it back with this batch.
        reposts.receive(repostBatch++, RECV_TAG | index, registration.address() + cqe, Cqe.LENGTH, registration.lkey());
        if ((flags & WorkCompletions.FLAG_WITH_INV) != 0) {
            lost(String.format("the target invalidated rkey 0x%08x with its response, which this host never asks for",
                    invalidatedRkey));
            return;
        }
        Command c = pair.lookup(cid);
        if (c == null) {
            lost(String.format("protocol error from %s: response for unknown command id 0x%04x", endpoint, cid));
            return;
        }
        int slot = c.index();
        if (Status.isSuccess(status) && c.controllerToHost()) {
            c.data.setBytes(c.dataIndex, poolBuf, dataBase + slot * slotData, c.dataLength);
        }
        if (sendPending[slot]) {
            responsePending[slot] = true;
            responseStatus[slot] = status;
            responseDw0[slot] = dw0;
            responseDw1[slot] = dw1;
            return;
        }
        deliver(c, status, dw0, dw1);
    }

    private void onSendDone(int slot) {
        if (slot < 0 || slot >= slots) {
            lost("a send completion names slot " + slot + ", which this queue does not have");
            return;
        }
        sendPending[slot] = false;
        if (!responsePending[slot]) {
            return;
        }
        responsePending[slot] = false;
        Command c = pair.lookup(cids[slot]);
        if (c != null) {
            deliver(c, responseStatus[slot], responseDw0[slot], responseDw1[slot]);
        }
    }

    /** Both the response and the SEND's completion were seen: the pair may reuse the slot (and may resend it here). */
    private void deliver(Command c, int status, int dw0, int dw1) {
        outstanding--;
        pair.onResponse(c, status, dw0, dw1);
    }

    private static String errno(int status) {
        int e = Math.abs(status);
        return switch (e) {
            case 0 -> "failed";
            case 19 -> "no RDMA device serves that address (ENODEV)";
            case 101 -> "network unreachable (ENETUNREACH)";
            case 110 -> "timed out (ETIMEDOUT)";
            case 111 -> "connection refused (ECONNREFUSED)";
            case 113 -> "no route to host (EHOSTUNREACH)";
            default -> "errno " + e;
        };
    }

    private static int align(int value, int to) {
        return (value + to - 1) / to * to;
    }
}
