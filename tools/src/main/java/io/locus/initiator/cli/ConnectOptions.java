package io.locus.initiator.cli;

import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.TransportId;
import io.locus.initiator.auth.DhchapOptions;
import picocli.CommandLine.Option;

/** The nvme-cli style options every command that talks to a target shares. */
final class ConnectOptions {
    @Option(names = {"-t", "--transport"}, defaultValue = "tcp", description = "Transport type: tcp or rdma (default ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = {"-a", "--traddr"}, description = "Target address (host name or IP); required unless --path gives the addresses.")
    String address;

    @Option(names = {"-s", "--trsvcid"}, description = "Target port (default 4420; 8009 for discover).")
    Integer port;

    @Option(names = {"-q", "--hostnqn"}, description = "Host NQN (default: stored in ~/.config/locus/hostnqn, or $LOCUS_HOSTNQN).")
    String hostNqn;

    @Option(names = {"-I", "--hostid"}, description = "Host ID, a UUID (default: stored in ~/.config/locus/hostid, or $LOCUS_HOSTID).")
    String hostId;

    @Option(names = {"-g", "--hdr-digest"}, description = "Enable header digests (CRC32C).")
    boolean headerDigest;

    @Option(names = {"-G", "--data-digest"}, description = "Enable data digests (CRC32C).")
    boolean dataDigest;

    @Option(names = {"-k", "--keep-alive-tmo"}, description = "Keep-alive timeout in seconds (default 5; 0 for discovery).")
    Integer keepAliveSeconds;

    @Option(names = {"-c", "--reconnect-delay"}, defaultValue = "10", description = "Seconds between reconnect attempts (default ${DEFAULT-VALUE}).")
    double reconnectDelaySeconds;

    @Option(names = {"-l", "--ctrl-loss-tmo"}, defaultValue = "600", description = "Seconds to keep reconnecting before giving up; -1 forever (default ${DEFAULT-VALUE}).")
    double ctrlLossSeconds;

    @Option(names = {"-Q", "--queue-size"}, description = "I/O queue size (default 128).")
    Integer queueSize;

    @Option(names = {"-D", "--disable-sqflow"}, description = "Ask the target to disable SQ flow control on I/O queues (it may then skip CapsuleResp after reads).")
    boolean disableSqFlow;

    @Option(names = "--connect-timeout", defaultValue = "10", description = "Seconds to wait for the target while connecting (default ${DEFAULT-VALUE}).")
    double connectTimeoutSeconds;

    @Option(names = {"-S", "--dhchap-secret"}, description = "DH-HMAC-CHAP secret of this host (DHHC-1:hh:...:, as 'nvme gen-dhchap-key' writes it).")
    String dhchapSecret;

    @Option(names = {"-C", "--dhchap-ctrl-secret"}, description = "DH-HMAC-CHAP secret of the controller: it must prove itself too (bidirectional).")
    String dhchapCtrlSecret;

    @Option(names = "--tls", description = "NVMe/TCP over TLS 1.3 with a pre-shared key (needs --tls-key).")
    boolean tls;

    @Option(names = "--tls-key", description = "TLS PSK in interchange form (NVMeTLSkey-1:hh:...:, as 'nvme gen-tls-key' writes it); implies --tls.")
    String tlsKey;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    TransportId transportId(String nqn, int defaultPort) {
        if (address == null) {
            throw new IllegalArgumentException("-a/--traddr is required");
        }
        return new TransportId(transport, address, port != null ? port : defaultPort, nqn);
    }

    HostIdentity host() {
        return HostIdentity.load(hostNqn, hostId);
    }

    ControllerOptions controllerOptions() {
        ControllerOptions o = ControllerOptions.defaults()
                .headerDigest(headerDigest)
                .dataDigest(dataDigest)
                .reconnectDelayMs((long) (reconnectDelaySeconds * 1000))
                .ctrlLossTimeoutMs(ctrlLossSeconds < 0 ? -1 : (long) (ctrlLossSeconds * 1000))
                .connectTimeoutMs((long) (connectTimeoutSeconds * 1000))
                .disableSqFlowControl(disableSqFlow)
                .dhchap(DhchapOptions.of(dhchapSecret, dhchapCtrlSecret))
                .tls(io.locus.initiator.tls.TlsOptions.of(tls, tlsKey));
        if (keepAliveSeconds != null) {
            o.keepAliveTimeoutMs(keepAliveSeconds * 1000);
        }
        if (queueSize != null) {
            o.queueSize(queueSize);
        }
        return o;
    }
}
