package io.locus.nativeio.rdma;

import java.net.InetSocketAddress;

/**
 * A connection-manager id ({@code rdma_cm_id}): a listener, or one end of a reliable connection with its queue pair.
 * Every call returns at once; the outcome arrives as a {@link CmEvent} on the id's {@link CmEventChannel}.
 *
 * <p>Active side: {@link #resolveAddress} → ADDR_RESOLVED → allocate on {@link #device()} → {@link #resolveRoute} →
 * ROUTE_RESOLVED → {@link #createQueuePair} → {@link #connect} → ESTABLISHED (with the accept's private data) or
 * REJECTED (with the reject's). Passive side: {@link #bind} → {@link #listen} → CONNECT_REQUEST →
 * {@link #adopt(CmEvent)} → {@link #createQueuePair} → {@link #accept} → ESTABLISHED, or {@link #reject} and
 * {@link #close()}. Either side: {@link #disconnect()} → DISCONNECTED on both; then flush the QP, close.
 *
 * <p>Private data is bounded by the CM message that carries it: {@value #MAX_CONNECT_PRIVATE_DATA} bytes in a
 * connect, {@value #MAX_ACCEPT_PRIVATE_DATA} in an accept, {@value #MAX_REJECT_PRIVATE_DATA} in a reject
 * (InfiniBand CM sizes, less the RDMA CM header for the connect). NVMe/RDMA uses 32.
 */
public final class CmId implements AutoCloseable {
    public static final int MAX_CONNECT_PRIVATE_DATA = 56;
    public static final int MAX_ACCEPT_PRIVATE_DATA = 196;
    public static final int MAX_REJECT_PRIVATE_DATA = 148;

    private final long handle;
    private QueuePair queuePair;
    private boolean closed;

    CmId(long handle) {
        this.handle = handle;
    }

    /**
     * The new id of a CONNECT_REQUEST event, to accept or reject. It reports to the listener's channel with the
     * listener's context until {@link #context(long)} or {@link #migrate} changes that.
     *
     * @throws IllegalArgumentException for any other event
     */
    public static CmId adopt(CmEvent request) {
        if (request.type() != CmEvent.CONNECT_REQUEST) {
            throw new IllegalArgumentException("only a CONNECT_REQUEST carries a new id, got "
                    + CmEvent.typeName(request.type()));
        }
        return new CmId(request.idHandle());
    }

    /** The {@code rdma_cm_id} pointer, as {@link CmEvent#idHandle()} reports it. */
    public long handle() {
        return handle;
    }

    /** Sets the context this id's events carry from now on. */
    public CmId context(long context) {
        RdmaNative.setContext0(handle, context);
        return this;
    }

    /** The device the id is bound to (after bind to a local address, address resolution, or a connect request). */
    public RdmaDevice device() throws RdmaException {
        long verbs = RdmaNative.idVerbs0(handle);
        if (verbs == 0) {
            throw new IllegalStateException("the id is not bound to a device yet (resolve or bind it first)");
        }
        return Rdma.device(verbs);
    }

    /** The local port (host order) once bound: after {@link #bind} to port 0, the one the kernel picked. */
    public int localPort() {
        return RdmaNative.localPort0(handle);
    }

    /** {@code rdma_bind_addr}: a local address (wildcard or one on an RDMA netdev) and port (0: any). */
    public void bind(InetSocketAddress local) throws RdmaException {
        RdmaException.check("rdma_bind_addr", RdmaNative.bindAddr0(handle, addressBytes(local), local.getPort()));
    }

    /** {@code rdma_listen}: CONNECT_REQUEST events follow. */
    public void listen(int backlog) throws RdmaException {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative, got " + backlog);
        }
        RdmaException.check("rdma_listen", RdmaNative.listen0(handle, backlog));
    }

    /**
     * {@code rdma_resolve_addr}: ADDR_RESOLVED or ADDR_ERROR follows within {@code timeoutMs}.
     *
     * @param source the local address to use, or null for the route's
     */
    public void resolveAddress(InetSocketAddress source, InetSocketAddress destination, int timeoutMs)
            throws RdmaException {
        byte[] dst = addressBytes(destination);
        byte[] src = source == null ? null : addressBytes(source);
        checkTimeout(timeoutMs);
        RdmaException.check("rdma_resolve_addr", RdmaNative.resolveAddr0(handle, src,
                source == null ? 0 : source.getPort(), dst, destination.getPort(), timeoutMs));
    }

    /** {@code rdma_resolve_route}: ROUTE_RESOLVED or ROUTE_ERROR follows. */
    public void resolveRoute(int timeoutMs) throws RdmaException {
        checkTimeout(timeoutMs);
        RdmaException.check("rdma_resolve_route", RdmaNative.resolveRoute0(handle, timeoutMs));
    }

    /**
     * {@code rdma_create_qp}: an RC queue pair in {@code pd} whose completions go to the given CQs (one CQ may serve
     * both, and many QPs). The id owns it: {@link #destroyQueuePair()} or {@link #close()} destroys it.
     */
    public QueuePair createQueuePair(ProtectionDomain pd, CompletionQueue sendCq, CompletionQueue recvCq,
                                     QueuePairCapabilities capabilities) throws RdmaException {
        if (queuePair != null) {
            throw new IllegalStateException("the id already has a queue pair");
        }
        int[] caps = capabilities.toArray();
        long qp = RdmaException.check("rdma_create_qp",
                RdmaNative.createQp0(handle, pd.handle(), sendCq.handle(), recvCq.handle(), caps));
        queuePair = new QueuePair(qp, QueuePairCapabilities.of(caps));
        return queuePair;
    }

    /** The queue pair, or null before {@link #createQueuePair}. */
    public QueuePair queuePair() {
        return queuePair;
    }

    /** {@code rdma_destroy_qp}, before the CQs and PD it uses are closed. */
    public void destroyQueuePair() {
        if (queuePair != null) {
            RdmaNative.destroyQp0(handle);
            queuePair = null;
        }
    }

    /** {@code rdma_connect} with {@code privateData} (at most {@value #MAX_CONNECT_PRIVATE_DATA} bytes). */
    public void connect(ConnectionParameters parameters, byte[] privateData) throws RdmaException {
        checkPrivateData(privateData, MAX_CONNECT_PRIVATE_DATA, "connect");
        RdmaException.check("rdma_connect", RdmaNative.connect0(handle, privateData, parameters.responderResources(),
                parameters.initiatorDepth(), parameters.retryCount(), parameters.rnrRetryCount()));
    }

    /**
     * {@code rdma_accept} with {@code privateData} (at most {@value #MAX_ACCEPT_PRIVATE_DATA} bytes): moves the QP to
     * RTR and RTS, so post receives before accepting.
     */
    public void accept(ConnectionParameters parameters, byte[] privateData) throws RdmaException {
        checkPrivateData(privateData, MAX_ACCEPT_PRIVATE_DATA, "accept");
        RdmaException.check("rdma_accept", RdmaNative.accept0(handle, privateData, parameters.responderResources(),
                parameters.initiatorDepth(), parameters.rnrRetryCount()));
    }

    /** {@code rdma_reject} with {@code privateData} (at most {@value #MAX_REJECT_PRIVATE_DATA} bytes); close the id after. */
    public void reject(byte[] privateData) throws RdmaException {
        checkPrivateData(privateData, MAX_REJECT_PRIVATE_DATA, "reject");
        RdmaException.check("rdma_reject", RdmaNative.reject0(handle, privateData));
    }

    /** {@code rdma_disconnect}: moves the QP to the error state (posted requests flush) and tells the peer. */
    public void disconnect() throws RdmaException {
        RdmaException.check("rdma_disconnect", RdmaNative.disconnect0(handle));
    }

    /** {@code rdma_migrate_id}: this id's events go to {@code channel} from now on (its queue moves reactor). */
    public void migrate(CmEventChannel channel) throws RdmaException {
        RdmaException.check("rdma_migrate_id", RdmaNative.migrateId0(handle, channel.handle()));
    }

    /** Destroys the queue pair, if any, and the id ({@code rdma_destroy_id}). */
    @Override
    public void close() throws RdmaException {
        if (!closed) {
            destroyQueuePair();
            closed = true;
            RdmaException.check("rdma_destroy_id", RdmaNative.destroyId0(handle));
        }
    }

    /** The raw IPv4 (4 bytes) or IPv6 (16 bytes) address. */
    static byte[] addressBytes(InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address.getHostString());
        }
        return address.getAddress().getAddress();
    }

    static void checkPrivateData(byte[] data, int max, String what) {
        if (data != null && data.length > max) {
            throw new IllegalArgumentException(what + " private data is at most " + max + " bytes, got " + data.length);
        }
    }

    static void checkTimeout(int timeoutMs) {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeoutMs + " ms");
        }
    }
}
