package io.locus.initiator;

import io.locus.protocol.fabrics.DiscoveryLog;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a subsystem lives: transport type, address, service id (port) and subsystem NQN, as nvme-cli's
 * {@code -t -a -s -n} name them.
 *
 * @param transport    "tcp" or "rdma"
 * @param address      host name or IP address
 * @param serviceId    port; 4420 for I/O subsystems, 8009 for discovery by convention
 * @param subsystemNqn the subsystem to connect to (the discovery NQN for a discovery controller)
 */
public record TransportId(String transport, String address, int serviceId, String subsystemNqn) {
    public static final int DEFAULT_IO_PORT = 4420;
    public static final int DEFAULT_DISCOVERY_PORT = 8009;

    public TransportId {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(subsystemNqn, "subsystemNqn");
        transport = transport.toLowerCase(Locale.ROOT);
        if (!transport.equals("tcp") && !transport.equals("rdma")) {
            throw new IllegalArgumentException("transport '" + transport + "' is not supported (tcp or rdma)");
        }
        if (serviceId <= 0 || serviceId > 65535) {
            throw new IllegalArgumentException("service id (port) must be 1..65535, not " + serviceId);
        }
        if (subsystemNqn.isEmpty()) {
            throw new IllegalArgumentException("subsystem NQN must not be empty");
        }
    }

    public static TransportId tcp(String address, int port, String subsystemNqn) {
        return new TransportId("tcp", address, port, subsystemNqn);
    }

    public static TransportId rdma(String address, int port, String subsystemNqn) {
        return new TransportId("rdma", address, port, subsystemNqn);
    }

    /** Whether the transport is NVMe/RDMA. */
    public boolean isRdma() {
        return transport.equals("rdma");
    }

    /** The discovery controller at an address. */
    public static TransportId discovery(String address, int port) {
        return new TransportId("tcp", address, port, DiscoveryLog.DISCOVERY_NQN);
    }

    public boolean isDiscovery() {
        return subsystemNqn.equals(DiscoveryLog.DISCOVERY_NQN);
    }

    /** "address:port", IPv6 literals bracketed. */
    public String endpoint() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + serviceId;
    }

    @Override
    public String toString() {
        return transport + "://" + endpoint() + "/" + subsystemNqn;
    }
}
