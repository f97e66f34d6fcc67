package io.locus.target.transport.rdma;

import io.locus.nativeio.rdma.verbs.NativeVerbs;
import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.rdma.RdmaCm;
import io.locus.runtime.Poller;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.PollGroup;
import io.locus.target.core.PollGroups;
import io.locus.target.core.Transport;
import io.locus.target.core.TransportLimits;
import io.locus.target.model.Port;
import io.locus.target.model.RejectLog;
import io.locus.target.model.TargetLimits;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The NVMe/RDMA transport (Linux's nvmet-rdma, SPDK's rdma transport) over {@link Verbs}: rdma_cm listeners whose
 * event channels the first reactor polls; each connection request's private data checked as nvmet-rdma checks it
 * ({@link #check}) and rejected with the spec's status, else the queue placed at once on the reactor it belongs on —
 * the request names the QID, so an I/O queue goes straight to reactor (qid - 1) mod n and never moves — where it
 * makes its queue pair, takes its buffers from that reactor's pool and accepts ({@link RdmaQueue}).
 *
 * <p>Identify Controller advertises keyed SGLs (SGLS b2) and in-capsule data (b20) on RDMA ports; in-capsule data is
 * {@link TargetLimits#ioInCapsuleBytes()} on every queue.
 */
public final class RdmaTransport implements Transport {
    private static final Logger LOG = Logger.getLogger(RdmaTransport.class.getName());
    /** The admin queue's largest size (NVME_AQ_DEPTH, as nvmet-rdma checks it). */
    static final int ADMIN_QUEUE_ENTRIES = 32;
    /** How often the listeners' CM event channels are read (a syscall each). */
    private static final long CM_POLL_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** Data buffers one reactor holds at most. */
    static final long DATA_BYTES_PER_REACTOR = Long.getLong("locus.rdma.data-bytes-per-reactor", 64L << 20);

    private final PollGroups groups;
    private final Dispatcher dispatcher;
    private final TargetLimits targetLimits;
    private final TransportLimits limits;
    private final RejectLog rejects;
    private final Verbs.Provider provider;
    private final RdmaReactorBuffers[] buffers;
    private final Map<Port, Verbs.Listener> listeners = new ConcurrentHashMap<>();
    private final Map<Verbs, RdmaQueue> queues = new ConcurrentHashMap<>();
    private final CmPoller cmPoller = new CmPoller();
    private final ConnectionEvents events = new ConnectionEvents();
    private volatile boolean cmPolling;

    public RdmaTransport(PollGroups groups, Dispatcher dispatcher, TargetLimits targetLimits, RejectLog rejects) {
        this(groups, dispatcher, targetLimits, rejects, NativeVerbs.PROVIDER);
    }

    public RdmaTransport(PollGroups groups, Dispatcher dispatcher, TargetLimits targetLimits, RejectLog rejects,
                         Verbs.Provider provider) {
        this.groups = groups;
        this.dispatcher = dispatcher;
        this.targetLimits = targetLimits;
        this.rejects = rejects;
        this.provider = provider;
        int inCapsule = targetLimits.ioInCapsuleBytes();
        this.limits = new TransportLimits(inCapsule, inCapsule, targetLimits.maxTransferBytes(),
                targetLimits.maxTransferBytes(), TransportLimits.SGL_IN_CAPSULE | TransportLimits.SGL_KEYED);
        this.buffers = new RdmaReactorBuffers[groups.size()];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = new RdmaReactorBuffers(groups.at(i).stats(), inCapsule, targetLimits.maxTransferBytes(),
                    Math.max(DATA_BYTES_PER_REACTOR, 4L * targetLimits.maxTransferBytes()));
        }
    }

    /** Why RDMA cannot serve here (one line: no library, no device...), or null when it can. */
    public String unavailabilityCause() {
        return provider.unavailabilityCause();
    }

    @Override
    public int trtype() {
        return DiscoveryLog.TRTYPE_RDMA;
    }

    @Override
    public TransportLimits limits() {
        return limits;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    RdmaReactorBuffers buffers(PollGroup group) {
        return buffers[group.index()];
    }

    /**
     * Binds and listens on the port's address (an address of an RDMA-capable netdev; soft-RoCE's rxe counts).
     *
     * @throws IOException with one line saying why, e.g. "RDMA is not available: ..." or the errno of rdma_bind_addr
     */
    @Override
    public Port listen(Port port) throws IOException {
        String cause = provider.unavailabilityCause();
        if (cause != null) {
            throw new IOException("RDMA is not available: " + cause);
        }
        Verbs.Listener listener;
        try {
            listener = provider.listen(port.address(), 1024);
        } catch (IOException e) {
            throw new IOException("cannot listen for NVMe/RDMA on " + port.host() + ":" + port.address().getPort()
                    + ": " + e.getMessage(), e);
        }
        Port bound = port.at(new InetSocketAddress(port.address().getAddress(), listener.localPort()));
        listeners.put(bound, listener);
        if (!cmPolling) {
            cmPolling = true;
            groups.at(0).reactor().addPoller(cmPoller);
        }
        return bound;
    }

    @Override
    public void stop(Port port) {
        Verbs.Listener l = listeners.remove(port);
        if (l != null) {
            l.close();
        }
    }

    @Override
    public int queueCount() {
        return queues.size();
    }

    /**
     * Buffers of the reactors' pools in use (capsule, response and data buffers together), read on each reactor; from
     * any thread but a reactor's. 0 once every queue is gone: nothing leaked.
     */
    public int buffersInUse() {
        int sum = 0;
        for (int i = 0; i < buffers.length; i++) {
            RdmaReactorBuffers b = buffers[i];
            java.util.concurrent.CompletableFuture<Integer> f = new java.util.concurrent.CompletableFuture<>();
            groups.at(i).reactor().execute(() -> f.complete(inUse(b.capsules()) + inUse(b.responses())
                    + inUse(b.data())));
            sum += f.join();
        }
        return sum;
    }

    private static int inUse(RdmaBufferPool pool) {
        return pool.capacity() - pool.available();
    }

    void queueClosed(RdmaQueue queue) {
        queues.values().remove(queue);
    }

    @Override
    public void close() {
        for (Port p : listeners.keySet()) {
            stop(p);
        }
        for (RdmaQueue q : queues.values()) {
            q.close("target shutting down");
        }
    }

    /**
     * Checks a connection request's private data as nvmet-rdma does; returns 0 to accept or the reject STS:
     * fewer than 32 bytes → invalid length; RECFMT ≠ 0 → invalid RECFMT; QID beyond the I/O queues → invalid QID;
     * HSQSIZE 0 or a queue larger than 32 entries (admin) or MQES + 1 (I/O) → invalid HSQSIZE; HRQSIZE 0 or larger
     * than that queue → invalid HRQSIZE.
     */
    static int check(ByteBuffer privateData, TargetLimits limits) {
        if (privateData == null || privateData.limit() < RdmaCm.PRIVATE_DATA_LENGTH) {
            return RdmaCm.STS_INVALID_LENGTH;
        }
        if (RdmaCm.field(privateData, RdmaCm.RECFMT_OFFSET) != RdmaCm.RECFMT_1_0) {
            return RdmaCm.STS_INVALID_RECFMT;
        }
        int qid = RdmaCm.field(privateData, RdmaCm.QID_OFFSET);
        if (qid > limits.maxIoQueues()) {
            return RdmaCm.STS_INVALID_QID;
        }
        int maxEntries = qid == 0 ? ADMIN_QUEUE_ENTRIES : limits.mqes() + 1;
        int hsqsize = RdmaCm.field(privateData, RdmaCm.HSQSIZE_OFFSET);
        if (hsqsize == 0 || hsqsize + 1 > maxEntries) {
            return RdmaCm.STS_INVALID_HSQSIZE;
        }
        int hrqsize = RdmaCm.field(privateData, RdmaCm.HRQSIZE_OFFSET);
        if (hrqsize == 0 || hrqsize > maxEntries) {
            return RdmaCm.STS_INVALID_HRQSIZE;
        }
        return 0;
    }

    /** Listener events, on the first reactor: requests are checked and placed; other events go to their queue. */
    private final class ConnectionEvents implements Verbs.ListenerHandler {
        private Port port;

        @Override
        public void onConnectRequest(Verbs connection, ByteBuffer privateData) {
            String peer = "rdma:" + port.host() + ":" + port.address().getPort();
            int sts = check(privateData, targetLimits);
            if (sts != 0) {
                rejects.reject(peer, "NVMe/RDMA connect request rejected: " + RdmaCm.describeReject(sts));
                try {
                    connection.reject(RdmaCm.reject(sts));
                } catch (IOException | RuntimeException e) {
                    LOG.fine(() -> "rdma_reject: " + e);
                }
                connection.close();
                return;
            }
            int qid = RdmaCm.field(privateData, RdmaCm.QID_OFFSET);
            int rqSize = RdmaCm.field(privateData, RdmaCm.HSQSIZE_OFFSET) + 1;
            PollGroup group = qid == 0 ? groups.next() : groups.home(qid);
            RdmaQueue queue = new RdmaQueue(RdmaTransport.this, group, port, connection, rqSize, peer + " qid " + qid);
            queues.put(connection, queue);
            group.reactor().execute(queue::start);
        }

        @Override
        public void onConnectionEvent(Verbs connection, int type, int status) {
            RdmaQueue queue = queues.get(connection);
            if (queue != null) {
                queue.reactor().execute(() -> queue.onCmEvent(type));
            }
        }
    }

    private final class CmPoller implements Poller {
        private long next;

        @Override
        public int poll(int maxItems) {
            long now = System.nanoTime();
            if (now - next < 0) {
                return 0;
            }
            next = now + CM_POLL_INTERVAL_NANOS;
            int n = 0;
            for (Map.Entry<Port, Verbs.Listener> e : listeners.entrySet()) {
                events.port = e.getKey();
                try {
                    n += e.getValue().pollEvents(events);
                } catch (IOException | RuntimeException ex) {
                    LOG.warning("RDMA connection manager on " + e.getKey().host() + ":"
                            + e.getKey().address().getPort() + ": " + ex.getMessage());
                }
            }
            return n;
        }

        @Override
        public String name() {
            return "nvmet-rdma-cm";
        }
    }
}
