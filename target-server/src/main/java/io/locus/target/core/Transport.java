package io.locus.target.core;

import io.locus.target.model.Port;

import java.io.IOException;

/**
 * A target transport (the Linux target's {@code struct nvmet_fabrics_ops}, SPDK's {@code spdk_nvmf_transport_ops}):
 * listens on ports, accepts each connection as one {@link Queue} on a reactor ({@link PollGroups#next}), receives
 * capsules and data into {@link Request}s, hands them to the {@link Dispatcher}, and sends what
 * {@link Queue#queueResponse} queues. Everything else — command sets, controllers, accounting — is the core's, so a
 * new transport is one package that touches no command handler.
 */
public interface Transport extends AutoCloseable {
    /** TRTYPE this transport reports in discovery log entries ({@code DiscoveryLog.TRTYPE_*}). */
    int trtype();

    /** What the transport accepts: in-capsule sizes, data per PDU, SGL descriptors. */
    TransportLimits limits();

    /** Starts accepting on {@code port}; returns the port as bound (a port 0 gets the one the OS chose). */
    Port listen(Port port) throws IOException;

    /** Stops accepting on {@code port}; queues already accepted stay. */
    void stop(Port port);

    /** Queues (connections) currently open. */
    int queueCount();

    /** Stops every port and closes every queue. */
    @Override
    void close();
}
