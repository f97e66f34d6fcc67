package io.locus.target.model;

import java.net.InetSocketAddress;

/**
 * A listener: transport, address and the port id reported in discovery log entries.
 *
 * @param id        PORTID in discovery entries
 * @param trtype    TRTYPE in discovery entries: the transport that serves the port ({@code DiscoveryLog.TRTYPE_*})
 * @param address   address to bind
 * @param discovery whether this port was configured for the discovery service (8009); the discovery subsystem
 *                  answers on every port, I/O subsystems on every port too
 * @param tlsRequired the port takes NVMe/TCP over TLS only (TLS before ICReq; clear text is refused)
 * @param ana       the ANA state of each group through this port (mutable, shared by every copy of the port)
 */
public record Port(int id, int trtype, InetSocketAddress address, boolean discovery, boolean tlsRequired,
                   PortAnaStates ana) {
    public Port {
        ana = ana == null ? new PortAnaStates() : ana;
    }

    public Port(int id, int trtype, InetSocketAddress address, boolean discovery, boolean tlsRequired) {
        this(id, trtype, address, discovery, tlsRequired, null);
    }

    public Port(int id, int trtype, InetSocketAddress address, boolean discovery) {
        this(id, trtype, address, discovery, false);
    }

    public String host() {
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }

    public boolean ipv6() {
        return address.getAddress() instanceof java.net.Inet6Address;
    }

    /** The same port at another address (the one the OS bound for a configured port 0). */
    public Port at(InetSocketAddress bound) {
        return new Port(id, trtype, bound, discovery, tlsRequired, ana);
    }
}
