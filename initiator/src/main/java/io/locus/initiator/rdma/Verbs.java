package io.locus.initiator.rdma;

import io.locus.nativeio.rdma.WorkCompletions;
import io.locus.nativeio.rdma.WorkRequests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What one NVMe/RDMA host connection needs from rdma-core: one CM id with its event channel, and once the address is
 * resolved a protection domain, a completion queue and an RC queue pair on its device, and one memory registration.
 * {@link NativeVerbs} maps it onto {@code io.locus.nativeio.rdma} (whose classes are final); tests use a simulation.
 * Every call comes from the connection's reactor; nothing blocks.
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

    /** {@code rdma_disconnect}: the queue pair goes to the error state (posted requests flush) and the peer is told. */
    void disconnect();

    /** Destroys what was made (QP, CQ, registration, PD, id, event channel); idempotent, never throws. */
    @Override
    void close();

    /** Where connections get their {@link Verbs}. */
    interface Provider {
        /** Why RDMA cannot be used here (one line), or null when it can. */
        String unavailabilityCause();

        /** A fresh CM id on a fresh event channel. */
        Verbs open() throws IOException;
    }
}
