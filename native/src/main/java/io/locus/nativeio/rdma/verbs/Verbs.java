package io.locus.nativeio.rdma.verbs;

import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What one NVMe/RDMA connection needs from rdma-core, for either side.
 * <ul>
 *   <li>Host (active side, Linux's nvme-rdma): one CM id with its event channel, and once the address is resolved a
 *       protection domain, a completion queue and an RC queue pair on its device, and one memory registration
 *       ({@link #resolveAddress}, {@link #createResources}, {@link #resolveRoute}, {@link #connect}).</li>
 *   <li>Target (passive side, Linux's nvmet-rdma): a {@link Listener} hands each CONNECT_REQUEST over as a new
 *       {@link Verbs}; {@link #createQueuePair} makes its CQ and QP in the protection domain its device shares with
 *       every other connection there, so that memory {@link #register}ed once serves them all; then
 *       {@link #accept} or {@link #reject}.</li>
 * </ul>
 * {@link NativeVerbs} maps it onto {@code io.locus.nativeio.rdma} (whose classes are final); tests use a simulation
 * ({@code SimVerbs} in this module's test jar). Every call comes from the connection's reactor; nothing blocks.
 */
public interface Verbs extends AutoCloseable {
    /** Receives connection-manager events ({@link #pollEvents}). */
    @FunctionalInterface
    interface EventHandler {
        /**
         * @param type        a {@code io.locus.nativeio.rdma.CmEvent} type constant
         * @param status      0, a negative errno, or for REJECTED the CM reject reason
         * @param privateData the event's private data, little-endian, position 0 (valid during the call only)
         */
        void onCmEvent(int type, int status, ByteBuffer privateData);
    }

    /** Memory registered for the peer: its keys and the address the peer uses with {@link #rkey()}. */
    record Registration(long address, int lkey, int rkey) {
    }

    /** {@code rdma_resolve_addr}: ADDR_RESOLVED or ADDR_ERROR follows. */
    void resolveAddress(InetSocketAddress destination, int timeoutMs) throws IOException;

    /**
     * After ADDR_RESOLVED, on the id's device: a protection domain, a completion queue (with a completion channel)
     * for sends and receives, an RC queue pair of the given sizes, and the registration of {@code pool} (a direct
     * buffer, whole) with local write, remote read and remote write.
     */
    Registration createResources(int sendWr, int recvWr, int sendSge, ByteBuffer pool) throws IOException;

    /** The send SGEs the queue pair got (at least what was asked). */
    int maxSendSge();

    /** {@code rdma_resolve_route}: ROUTE_RESOLVED or ROUTE_ERROR follows. */
    void resolveRoute(int timeoutMs) throws IOException;

    /** {@code rdma_connect} with NVMe/RDMA's private data: ESTABLISHED, REJECTED, UNREACHABLE or CONNECT_ERROR follows. */
    void connect(byte[] privateData) throws IOException;

    /** Hands every waiting CM event to {@code handler}, without blocking; returns how many. */
    int pollEvents(EventHandler handler) throws IOException;

    /** {@code ibv_post_send} of entries {@code [first, first + count)}; returns how many went (see {@link #lastPostError()}). */
    int postSend(WorkRequests requests, int first, int count);

    /** {@code ibv_post_recv}, as {@link #postSend}. */
    int postReceive(WorkRequests requests, int first, int count);

    /** The errno that stopped the last post short. */
    int lastPostError();

    /** {@code ibv_poll_cq} into {@code completions} from index 0; returns how many. */
    int pollCompletions(WorkCompletions completions, int max) throws IOException;

    /**
     * The completion channel's fd (non-blocking; a reactor's epoll can wait on it for adaptive idle after arming
     * the CQ), or -1 before {@link #createResources} or where there is none.
     */
    int completionFd();

    // ---------------------------------------------------------------- passive side

    /**
     * The device this connection is on, as an identity (compare with {@code ==}): memory {@link #register}ed through
     * one connection serves every connection with the same device. Null before the id is bound to a device.
     */
    Object device();

    /**
     * After a CONNECT_REQUEST: a completion queue (with a completion channel) of {@code sendWr + recvWr} entries and
     * an RC queue pair of the given sizes on the id's device, in the protection domain shared by every connection on
     * that device.
     */
    void createQueuePair(int sendWr, int recvWr, int sendSge, int recvSge) throws IOException;

    /**
     * Registers {@code memory} (a direct buffer, whole) in the shared protection domain of this connection's device
     * with local write, remote read and remote write; the registration stays for the life of the process and serves
     * every connection on that device ({@link #device()}).
     */
    Registration register(ByteBuffer memory) throws IOException;

    /** {@code rdma_accept} with NVMe/RDMA's accept private data; post receives first. ESTABLISHED follows. */
    void accept(byte[] privateData) throws IOException;

    /** {@code rdma_reject} with NVMe/RDMA's reject private data; {@link #close()} the connection after. */
    void reject(byte[] privateData) throws IOException;

    /**
     * Arms the completion queue ({@code ibv_req_notify_cq}): the next completion raises one event on
     * {@link #completionFd()}. Poll once more after arming: completions that came before raise none.
     */
    void armCompletions() throws IOException;

    /**
     * Takes and acknowledges what waits on {@link #completionFd()} (one event per arm), without blocking; returns how
     * many events it took.
     */
    int takeCompletionEvents() throws IOException;

    /** {@code rdma_disconnect}: the queue pair goes to the error state (posted requests flush) and the peer is told. */
    void disconnect();

    /** Destroys what was made (QP, CQ, registration, PD, id, event channel); idempotent, never throws. */
    @Override
    void close();

    /** Receives a listener's connection-manager events ({@link Listener#pollEvents}). */
    interface ListenerHandler {
        /**
         * A host asks to connect: {@code connection} is not accepted yet; accept or reject (and close) it.
         *
         * @param privateData the request's private data, little-endian, position 0 (valid during the call only)
         */
        void onConnectRequest(Verbs connection, ByteBuffer privateData);

        /** Any later event of a connection this listener handed out: ESTABLISHED, DISCONNECTED, TIMEWAIT_EXIT... */
        void onConnectionEvent(Verbs connection, int type, int status);
    }

    /** A listening CM id ({@code rdma_bind_addr} + {@code rdma_listen}) with its event channel. */
    interface Listener extends AutoCloseable {
        /** The port bound (the one the kernel chose for port 0). */
        int localPort();

        /** Hands every waiting event to {@code handler}, without blocking; returns how many. */
        int pollEvents(ListenerHandler handler) throws IOException;

        /** Stops listening; connections already handed out stay. Never throws. */
        @Override
        void close();
    }

    /** Where connections get their {@link Verbs}. */
    interface Provider {
        /** Why RDMA cannot be used here (one line), or null when it can. */
        String unavailabilityCause();

        /** A fresh CM id on a fresh event channel. */
        Verbs open() throws IOException;

        /** Listens on {@code address} (an address of an RDMA netdev, or the wildcard). */
        Listener listen(InetSocketAddress address, int backlog) throws IOException;
    }
}
