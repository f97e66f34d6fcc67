package io.locus.target.config;

import java.util.List;
import java.util.UUID;

/**
 * The whole target configuration, as read from JSON or built from quick-start flags.
 */
public record TargetConfig(Reactors reactors, List<Listen> ports, Listen discovery, List<SubsystemConfig> subsystems,
                           Limits limits, io.locus.target.tls.TargetTlsConfig tls) {

    public TargetConfig {
        tls = tls == null ? io.locus.target.tls.TargetTlsConfig.NONE : tls;
    }

    public TargetConfig(Reactors reactors, List<Listen> ports, Listen discovery, List<SubsystemConfig> subsystems,
                        Limits limits) {
        this(reactors, ports, discovery, subsystems, limits, io.locus.target.tls.TargetTlsConfig.NONE);
    }

    /**
     * Reactor placement and policy.
     *
     * @param cores      CPUs to pin to, one reactor each (empty: one unpinned reactor)
     * @param idle       busy or adaptive
     * @param provenance completion provenance on (advertised, class-aware batching and ordering) or off (generic mode:
     *                   uniform batching, not advertised)
     * @param batchPdus  throughput-class responses coalesced per flush, at most
     * @param windowMicros time a reactor spends on throughput completions per turn, at most
     * @param batchBytes data coalesced per flush for throughput flows that set BOUNDED_BATCH (provenance only;
     *                   other responses flush at 1 MiB, ResponseBatching.UNIFORM_BYTES)
     * @param windowBytes throughput data a reactor starts per turn while its active latency window is open (a
     *                   latency-class request arrived or completed within its budget; provenance only)
     */
    public record Reactors(List<Integer> cores, String idle, boolean provenance, int batchPdus, int windowMicros,
                           int batchBytes, int windowBytes) {
        /**
         * 32 responses per flush, as SPDK's target gathers up to 64 iovecs (a C2HData header and its data each) per
         * sendmsg. Against spdk_nvme_perf's 4 KiB random reads in interleaved rounds here, 32 beat 16 in five of five
         * at QD128 and three of four at QD32, and 16 cost 0.074 writev calls per I/O at QD128. Part of that is which
         * of QD128's two modes a round fell into (a slow one, two laps of the loop per I/O, that SPDK's own target
         * also falls into): 16 did in four of five rounds, 32 in one or two.
         */
        public static final int DEFAULT_BATCH_PDUS = 32;
        public static final int DEFAULT_WINDOW_MICROS = 100;
        public static final int DEFAULT_BATCH_BYTES = 2 * 1024 * 1024;
        /** The poll group's own default ({@link io.locus.target.core.PollGroup#DEFAULT_LATENCY_WINDOW_BYTES}). */
        public static final int DEFAULT_WINDOW_BYTES = io.locus.target.core.PollGroup.DEFAULT_LATENCY_WINDOW_BYTES;

        public Reactors(List<Integer> cores, String idle) {
            this(cores, idle, true, DEFAULT_BATCH_PDUS, DEFAULT_WINDOW_MICROS, DEFAULT_BATCH_BYTES, DEFAULT_WINDOW_BYTES);
        }

        public Reactors withCores(List<Integer> newCores) {
            return new Reactors(newCores, idle, provenance, batchPdus, windowMicros, batchBytes, windowBytes);
        }

        public Reactors withIdle(String newIdle) {
            return new Reactors(cores, newIdle, provenance, batchPdus, windowMicros, batchBytes, windowBytes);
        }

        public Reactors withProvenance(boolean on) {
            return new Reactors(cores, idle, on, batchPdus, windowMicros, batchBytes, windowBytes);
        }
    }

    /**
     * @param tlsRequired the port takes NVMe/TCP over TLS 1.3 (PSK) only ({@code "tls": "required"})
     * @param transport   {@link #TCP} or {@link #RDMA} ({@code "transport"})
     * @param anaStates   the ANA state of groups through this port at start ({@code "ana_states"}); groups not
     *                    listed are optimized
     */
    public record Listen(String address, int port, boolean tlsRequired, String transport,
                         java.util.Map<Integer, io.locus.target.model.AnaState> anaStates) {
        public static final String TCP = "tcp";
        public static final String RDMA = "rdma";

        public Listen {
            anaStates = anaStates == null ? java.util.Map.of() : java.util.Map.copyOf(anaStates);
        }

        public Listen(String address, int port, boolean tlsRequired, String transport) {
            this(address, port, tlsRequired, transport, java.util.Map.of());
        }

        public Listen(String address, int port, boolean tlsRequired,
                      java.util.Map<Integer, io.locus.target.model.AnaState> anaStates) {
            this(address, port, tlsRequired, TCP, anaStates);
        }

        public Listen(String address, int port) {
            this(address, port, false);
        }

        public Listen(String address, int port, boolean tlsRequired) {
            this(address, port, tlsRequired, TCP);
        }

        public boolean rdma() {
            return RDMA.equals(transport);
        }

        public String display() {
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        }
    }

    /**
     * @param hostAuth  DH-HMAC-CHAP settings by host NQN, for the hosts that have a secret
     * @param minCntlid first controller ID handed out ({@code "min_cntlid"}, SPDK's name; 1)
     * @param maxCntlid last one ({@code "max_cntlid"}; 0xFFEF)
     */
    public record SubsystemConfig(String nqn, String serial, String model, boolean allowAnyHost, List<String> hosts,
                                  int maxNamespaces, List<NamespaceConfig> namespaces,
                                  java.util.Map<String, io.locus.target.auth.DhchapHostConfig> hostAuth,
                                  int minCntlid, int maxCntlid) {
        public SubsystemConfig {
            hostAuth = hostAuth == null ? java.util.Map.of() : java.util.Map.copyOf(hostAuth);
        }

        public SubsystemConfig(String nqn, String serial, String model, boolean allowAnyHost, List<String> hosts,
                               int maxNamespaces, List<NamespaceConfig> namespaces,
                               java.util.Map<String, io.locus.target.auth.DhchapHostConfig> hostAuth) {
            this(nqn, serial, model, allowAnyHost, hosts, maxNamespaces, namespaces, hostAuth,
                    io.locus.target.model.Subsystem.MIN_CNTLID, io.locus.target.model.Subsystem.MAX_CNTLID);
        }

        public SubsystemConfig(String nqn, String serial, String model, boolean allowAnyHost, List<String> hosts,
                               int maxNamespaces, List<NamespaceConfig> namespaces) {
            this(nqn, serial, model, allowAnyHost, hosts, maxNamespaces, namespaces, java.util.Map.of());
        }
    }

    /**
     * A namespace: backend kind (memory, null, file), size in bytes (0: the file's size), path for files, its
     * identity (configured UUID and NGUID, null to derive them) and its ANA group ({@code "ana_group"}, 1).
     */
    public record NamespaceConfig(int nsid, String backend, long size, String path, int blockSize, UUID uuid,
                                  byte[] nguid, int anaGroup) {
        public NamespaceConfig(int nsid, String backend, long size, String path, int blockSize, UUID uuid) {
            this(nsid, backend, size, path, blockSize, uuid, null, 1);
        }
    }

    public record Limits(int maxConnectionsPerPort, long stallTimeoutMillis, int mdts, int ioInCapsuleBytes,
                         int maxIoQueues, int mqes, int fileIoThreads) {
        public static Limits defaults() {
            return new Limits(1024, 30_000, 5, 8192, 64, 1023, 4);
        }
    }

    public static final String DEFAULT_NQN = "nqn.2026-11.io.locus:default";
    public static final String DEFAULT_MODEL = "Locus NVMe-oF target";

    /** The embedded default: one 1 GiB memory namespace on 127.0.0.1:4420, discovery on 127.0.0.1:8009, any host. */
    public static TargetConfig embeddedDefault() {
        NamespaceConfig ns = new NamespaceConfig(1, "memory", 1L << 30, null, 4096, null);
        SubsystemConfig subsystem = new SubsystemConfig(DEFAULT_NQN, serialFor(DEFAULT_NQN), DEFAULT_MODEL, true, List.of(), 1024, List.of(ns));
        return new TargetConfig(new Reactors(List.of(), "adaptive"), List.of(new Listen("127.0.0.1", 4420)),
                new Listen("127.0.0.1", 8009), List.of(subsystem), Limits.defaults());
    }

    /** A serial number derived from the NQN, so it is stable across restarts (20 characters at most). */
    public static String serialFor(String nqn) {
        return String.format("LOCUS%015X", nqn.hashCode() & 0xFFFFFFFFL);
    }
}
