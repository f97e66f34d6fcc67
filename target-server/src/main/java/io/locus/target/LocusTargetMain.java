package io.locus.target;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.target.config.ConfigException;
import io.locus.target.config.ConfigLoader;
import io.locus.target.config.CpuList;
import io.locus.target.config.Nqn;
import io.locus.target.config.Sizes;
import io.locus.target.config.TargetConfig;
import io.locus.target.metrics.MetricsServer;
import io.locus.target.model.Namespace;
import io.locus.target.model.Port;
import io.locus.target.model.Subsystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code locus-target}: serves NVMe/TCP from a config file, quick-start flags, or the embedded default. */
@Command(name = "locus-target", mixinStandardHelpOptions = true, version = "locus-target 0.1.0",
        description = "Locus NVMe-over-Fabrics target. With no options it serves the embedded default: "
                + "nqn.2026-11.io.locus:default, one 1 GiB memory namespace on 127.0.0.1:4420, discovery on 127.0.0.1:8009.")
public final class LocusTargetMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration file: Locus's (config/target.example.json) or SPDK's (config/spdk.example.json, as save_config writes it).")
    Path config;

    @Option(names = "--nvmetcli", paramLabel = "FILE", description = "Serve what a Linux nvmetcli config.json describes (ports, subsystems, namespaces, hosts).")
    Path nvmetcli;

    @Option(names = "--persist", paramLabel = "FILE", description = "Keep the configuration in FILE (SPDK's format): written atomically after every change over JSON-RPC, and served from when it exists at start.")
    Path persist;

    @Option(names = "--listen", paramLabel = "[rdma:|tcp:]ADDR:PORT", description = "I/O listener (repeatable), NVMe/TCP "
            + "unless prefixed rdma: (NVMe/RDMA, on an address of an RDMA device). Default 127.0.0.1:4420.")
    List<String> listen = new ArrayList<>();

    @Option(names = "--nqn", paramLabel = "NQN", description = "Subsystem NQN. Default " + TargetConfig.DEFAULT_NQN + ".")
    String nqn;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Add a memory namespace (repeatable), e.g. 1G.")
    List<String> memory = new ArrayList<>();

    @Option(names = "--null", paramLabel = "SIZE", description = "Add a null namespace (repeatable): writes discarded, reads zero.")
    List<String> nulls = new ArrayList<>();

    @Option(names = "--file", paramLabel = "PATH[:SIZE]", description = "Add a file or block-device namespace (repeatable).")
    List<String> files = new ArrayList<>();

    @Option(names = "--uring", paramLabel = "PATH[:SIZE]", description = "Add a file or block-device namespace served through io_uring (repeatable).")
    List<String> urings = new ArrayList<>();

    @Option(names = "--block-size", paramLabel = "BYTES", description = "Block size for quick-start namespaces: 512 or 4096 (default).")
    Integer blockSize;

    @Option(names = "--discovery-port", paramLabel = "N", description = "Discovery service port (0 disables). Default 8009.")
    Integer discoveryPort;

    @Option(names = "--cores", paramLabel = "LIST", description = "Reserved CPUs, one reactor each, e.g. 0 or 0,1 or 2-3.")
    String cores;

    @Option(names = "--reserve", paramLabel = "on|off", description = "With --cores or reactors.cores: keep the JVM's own threads (JIT, GC, Netty, main) off the reactors' CPUs (default on).")
    String reserve;

    @Option(names = "--idle", paramLabel = "MODE", description = "Reactor idle mode: adaptive (default) or busy.")
    String idle;

    @Option(names = "--provenance", paramLabel = "on|off", description = "Completion provenance (default on); off is the generic mode kept for comparison.")
    String provenance;

    @Option(names = "--metrics", paramLabel = "ADDR:PORT", description = "Serve Prometheus metrics over HTTP at /metrics.")
    String metrics;

    @Option(names = "--allow-host", paramLabel = "HOSTNQN", description = "Allow only these hosts (repeatable). Default: any host.")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--tls-psk", paramLabel = "KEY", description = "A TLS PSK any host may use (NVMeTLSkey-1:hh:...:, as 'nvme gen-tls-key' writes it; repeatable).")
    List<String> tlsPsks = new ArrayList<>();

    @Option(names = "--tls-required", description = "I/O ports take NVMe/TCP over TLS 1.3 only (needs --tls-psk, or tls_key/tls_keys in --config).")
    boolean tlsRequired;

    @Option(names = "--rpc-socket", paramLabel = "PATH|none", description = "JSON-RPC Unix socket (SPDK's rpc.py and scripts/locus-rpc talk to it; mode 0600). Default /var/tmp/locus.sock; none disables.")
    String rpcSocket;

    @Option(names = "--rpc-listen", paramLabel = "ADDR:PORT", description = "Also serve JSON-RPC on TCP (no authentication: keep it on loopback).")
    String rpcListen;

    private final CountDownLatch stop = new CountDownLatch(1);

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new LocusTargetMain());
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("locus-target: " + ex.getMessage());
            System.err.println("Try 'locus-target --help'.");
            return 2;
        });
        System.exit(cli.execute(args));
    }

    /** SPDK-format calls to replay once the target runs (from --persist, --nvmetcli or an SPDK --config), or null. */
    private com.fasterxml.jackson.databind.JsonNode replay;
    private String replayFile;
    /** The replay is the --persist file: the other configuration options only seeded the first start. */
    private boolean fromPersist;

    @Override
    public Integer call() {
        TargetConfig cfg;
        try {
            readReplay();
            cfg = buildConfig();
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("locus-target: " + e.getMessage());
            return 2;
        }
        if (reserve != null && !reserve.equals("on") && !reserve.equals("off")) {
            System.err.println("locus-target: --reserve must be on or off, not '" + reserve + "'");
            return 2;
        }
        BitSet allowed = allowedCpus();
        String unusable = unusableCores(cfg.reactors().cores(), allowed);
        if (unusable != null) {
            System.err.println("locus-target: " + unusable);
            return 2;
        }
        Target target;
        try {
            target = Target.start(cfg, NativePinning.load());
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("locus-target: " + e.getMessage());
            return 1;
        }
        MetricsServer metricsServer = null;
        if (metrics != null) {
            try {
                TargetConfig.Listen m = parseListen(metrics, "--metrics");
                metricsServer = new MetricsServer(target, new java.net.InetSocketAddress(m.address(), m.port()));
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("locus-target: --metrics: " + e.getMessage());
                target.close();
                return 1;
            }
        }
        io.locus.target.rpc.JsonRpcServer rpc;
        try {
            rpc = manage(target);
        } catch (ConfigException e) {
            System.err.println("locus-target: " + e.getMessage());
            target.close();
            return 2;
        } catch (io.locus.target.rpc.RpcException e) {
            System.err.println("locus-target: --persist " + persist + ": " + e.getMessage());
            target.close();
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("locus-target: " + e.getMessage());
            if (metricsServer != null) {
                metricsServer.close();
            }
            target.close();
            return 1;
        }
        MetricsServer metricsToClose = metricsServer;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            System.err.println("locus-target: shutting down");
            if (rpc != null) {
                rpc.close();
            }
            if (metricsToClose != null) {
                metricsToClose.close();
            }
            target.close();
            stop.countDown();
        }));
        printBanner(target, System.out);
        if (metricsServer != null) {
            System.out.println("Metrics: http://" + metrics + "/metrics");
        }
        if (rpc != null && rpc.socketPath() != null) {
            System.out.println("JSON-RPC: " + rpc.socketPath() + " (locus-rpc -s " + rpc.socketPath() + " rpc_get_methods)");
        }
        if (!"off".equals(reserve) && allowed != null && !cfg.reactors().cores().isEmpty()) {
            BitSet reserved = new BitSet();
            cfg.reactors().cores().forEach(reserved::set);
            ReservedCores.Sweep sweep = ReservedCores.apply(reserved, allowed, Target.REACTOR_THREAD_PREFIX);
            if (sweep != null) {
                System.out.println("Reserved CPUs " + io.locus.nativeio.CpuTopology.formatCpuList(reserved) + " run reactors only; " + sweep.moved()
                        + " other JVM threads moved to CPUs " + io.locus.nativeio.CpuTopology.formatCpuList(sweep.others()));
                String kernel = ReservedCores.kernelSharing(reserved, ReservedCores.kernelIsolated());
                if (kernel != null) {
                    System.out.println(kernel);
                }
            }
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Makes a started target manageable: replays the SPDK-format calls found by {@link #readReplay}, keeps the
     * {@code --persist} file from now on, and starts the JSON-RPC server (null when disabled).
     */
    io.locus.target.rpc.JsonRpcServer manage(Target target) throws ConfigException, io.locus.target.rpc.RpcException, IOException {
        io.locus.target.rpc.RpcMethods methods = io.locus.target.rpc.TargetRpc.standard(target);
        if (replay != null) {
            io.locus.target.rpc.SpdkJsonConfig.apply(replayFile, replay, methods);
        }
        if (persist != null) {
            io.locus.target.rpc.PersistedConfig.attach(target, methods, persist);
        }
        return startRpc(methods);
    }

    /**
     * Starts the JSON-RPC server: on {@code --rpc-socket} (an explicit path that is in use is an error), or on the
     * default path, where a path in use or not writable only costs the RPC server (with a warning), so two targets
     * started without the flag both run; plus {@code --rpc-listen} on TCP. Null when there is none.
     */
    private io.locus.target.rpc.JsonRpcServer startRpc(io.locus.target.rpc.RpcMethods methods) throws IOException {
        boolean none = "none".equals(rpcSocket);
        if (none && rpcListen == null) {
            return null;
        }
        io.locus.target.rpc.JsonRpcServer server = new io.locus.target.rpc.JsonRpcServer(methods);
        try {
            if (!none) {
                Path socket = rpcSocket != null ? Path.of(rpcSocket) : io.locus.target.rpc.JsonRpcServer.DEFAULT_SOCKET;
                try {
                    server.listenUnix(socket);
                } catch (IOException e) {
                    if (rpcSocket != null) {
                        throw new IOException("--rpc-socket: " + e.getMessage(), e);
                    }
                    System.err.println("locus-target: warning: no JSON-RPC socket: " + e.getMessage() + " (pass --rpc-socket PATH)");
                }
            }
            if (rpcListen != null) {
                TargetConfig.Listen l = parseListen(rpcListen, "--rpc-listen");
                java.net.InetSocketAddress bound;
                try {
                    bound = server.listenTcp(new java.net.InetSocketAddress(l.address(), l.port()));
                } catch (IOException e) {
                    throw new IOException("--rpc-listen: " + e.getMessage(), e);
                }
                System.out.println("JSON-RPC on TCP " + bound.getHostString() + ":" + bound.getPort());
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Why reactors cannot be pinned to {@code cores}: the CPUs among them this process may not use (absent, offline or
     * outside its affinity mask), or null when all are usable or the mask is unknown ({@code allowed} null). A reactor
     * on such a CPU would run unpinned while the banner said it owns its core.
     */
    static String unusableCores(List<Integer> cores, BitSet allowed) {
        if (allowed == null || allowed.isEmpty()) {
            return null;
        }
        BitSet outside = new BitSet();
        cores.stream().filter(c -> !allowed.get(c)).forEach(outside::set);
        if (outside.isEmpty()) {
            return null;
        }
        return "cores: CPU " + io.locus.nativeio.CpuTopology.formatCpuList(outside) + " cannot run a reactor: this process may use CPUs "
                + io.locus.nativeio.CpuTopology.formatCpuList(allowed) + " only";
    }

    /** The CPUs this process may use, read before reactors pin themselves; null without the native library. */
    private static BitSet allowedCpus() {
        try {
            return io.locus.nativeio.NativeLibrary.isAvailable() ? io.locus.nativeio.Affinity.currentAffinity() : null;
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /**
     * Finds the SPDK-format calls to start from: the {@code --persist} file when it exists (a restart), else
     * {@code --nvmetcli}, else a {@code --config} file of SPDK's shape. A Locus-format {@code --config} leaves none.
     */
    void readReplay() throws ConfigException {
        if (config != null && nvmetcli != null) {
            throw new IllegalArgumentException("--config and --nvmetcli are two configurations; give one");
        }
        Path persistDir = persist != null ? persist.toAbsolutePath().getParent() : null;
        if (persistDir != null && !java.nio.file.Files.isDirectory(persistDir)) {
            throw new ConfigException("--persist " + persist + ": directory " + persistDir + " does not exist");
        }
        if (persist != null && java.nio.file.Files.exists(persist)) {
            replayFile = persist.toString();
            replay = readJson(persist);
            if (!io.locus.target.rpc.SpdkJsonConfig.isSpdkShape(replay)) {
                throw new ConfigException(persist + ": not SPDK's JSON configuration, which --persist keeps; move it away to start afresh");
            }
            fromPersist = true;
            System.err.println("locus-target: restarting from " + persist + " (--config, --nvmetcli and quick-start namespaces"
                    + " only seed a first start)");
        } else if (nvmetcli != null) {
            replayFile = nvmetcli.toString();
            replay = io.locus.target.rpc.NvmetcliConfig.toSpdk(replayFile, readJson(nvmetcli));
        } else if (config != null) {
            com.fasterxml.jackson.databind.JsonNode root = readJson(config);
            if (io.locus.target.rpc.SpdkJsonConfig.isSpdkShape(root)) {
                replayFile = config.toString();
                replay = root;
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(Path file) throws ConfigException {
        String text;
        try {
            text = java.nio.file.Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException(file + ": not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
    }

    TargetConfig buildConfig() throws ConfigException {
        boolean quickStart = !listen.isEmpty() || nqn != null || !memory.isEmpty() || !nulls.isEmpty() || !files.isEmpty()
                || !urings.isEmpty() || discoveryPort != null || !allowHosts.isEmpty() || blockSize != null;
        TargetConfig base;
        if (replay != null) {
            // The calls build everything once the target runs; it starts with no subsystems and no ports.
            TargetConfig d = TargetConfig.embeddedDefault();
            base = new TargetConfig(d.reactors(), List.of(), null, List.of(),
                    io.locus.target.rpc.SpdkJsonConfig.limits(replayFile, replay));
        } else {
            base = config != null ? ConfigLoader.load(config) : TargetConfig.embeddedDefault();
        }
        if ((config != null || replay != null) && quickStart && !fromPersist) {
            throw new IllegalArgumentException("--config, --nvmetcli and --persist cannot be combined with --listen/--nqn/--memory/--null/--file/--uring/--discovery-port/--allow-host");
        }
        TargetConfig.Reactors reactors = base.reactors();
        if (cores != null) {
            reactors = reactors.withCores(CpuList.parse(cores));
        }
        if (idle != null) {
            if (!idle.equals("busy") && !idle.equals("adaptive")) {
                throw new IllegalArgumentException("--idle must be busy or adaptive, not '" + idle + "'");
            }
            reactors = reactors.withIdle(idle);
        }
        if (provenance != null) {
            if (!provenance.equals("on") && !provenance.equals("off")) {
                throw new IllegalArgumentException("--provenance must be on or off, not '" + provenance + "'");
            }
            reactors = reactors.withProvenance(provenance.equals("on"));
        }
        if (!quickStart || fromPersist) {
            return io.locus.target.config.TlsFlags.apply(new TargetConfig(reactors, base.ports(), base.discovery(), base.subsystems(),
                    base.limits(), base.tls()), tlsPsks, tlsRequired);
        }
        List<TargetConfig.Listen> ports = new ArrayList<>();
        for (String l : listen) {
            ports.add(parseListen(l, "--listen"));
        }
        if (ports.isEmpty()) {
            ports.addAll(base.ports());
        }
        String host = ports.get(0).address();
        TargetConfig.Listen discovery = discoveryPort == null ? new TargetConfig.Listen(host, 8009)
                : discoveryPort == 0 ? null : new TargetConfig.Listen(host, checkPort(discoveryPort, "--discovery-port"));
        String subnqn = nqn != null ? nqn : TargetConfig.DEFAULT_NQN;
        String problem = Nqn.problem(subnqn);
        if (problem != null) {
            throw new IllegalArgumentException("--nqn: " + problem);
        }
        for (String h : allowHosts) {
            String p = Nqn.problem(h);
            if (p != null) {
                throw new IllegalArgumentException("--allow-host: " + p);
            }
        }
        int bs = blockSize == null ? 4096 : blockSize;
        if (bs != 512 && bs != 4096) {
            throw new IllegalArgumentException("--block-size must be 512 or 4096, not " + bs);
        }
        List<TargetConfig.NamespaceConfig> namespaces = new ArrayList<>();
        int nsid = 1;
        for (String m : memory) {
            namespaces.add(new TargetConfig.NamespaceConfig(nsid++, "memory", checkSize(m, "--memory", bs), null, bs, null));
        }
        for (String n : nulls) {
            namespaces.add(new TargetConfig.NamespaceConfig(nsid++, "null", checkSize(n, "--null", bs), null, bs, null));
        }
        for (String f : files) {
            namespaces.add(pathNamespace(nsid++, "file", f, bs));
        }
        for (String u : urings) {
            namespaces.add(pathNamespace(nsid++, "uring", u, bs));
        }
        if (namespaces.isEmpty()) {
            namespaces.add(new TargetConfig.NamespaceConfig(1, "memory", 1L << 30, null, bs, null));
        }
        TargetConfig.SubsystemConfig subsystem = new TargetConfig.SubsystemConfig(subnqn, TargetConfig.serialFor(subnqn),
                TargetConfig.DEFAULT_MODEL, allowHosts.isEmpty(), allowHosts, 1024, namespaces);
        return io.locus.target.config.TlsFlags.apply(new TargetConfig(reactors, ports, discovery, List.of(subsystem), base.limits()),
                tlsPsks, tlsRequired);
    }

    /** PATH[:SIZE] for a file-backed namespace; a suffix that is not a size belongs to the path. */
    private static TargetConfig.NamespaceConfig pathNamespace(int nsid, String backend, String spec, int blockSize) {
        int colon = spec.lastIndexOf(':');
        String path = spec;
        long size = 0;
        if (colon > 0) {
            try {
                size = Sizes.parse(spec.substring(colon + 1));
                path = spec.substring(0, colon);
            } catch (IllegalArgumentException e) {
                size = 0;
            }
        }
        return new TargetConfig.NamespaceConfig(nsid, backend, size, path, blockSize, null);
    }

    private static long checkSize(String text, String option, int blockSize) {
        long size;
        try {
            size = Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
        if (size <= 0 || size % blockSize != 0) {
            throw new IllegalArgumentException(option + ": " + text + " must be a positive multiple of the block size " + blockSize);
        }
        return size;
    }

    private static int checkPort(int port, String option) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": " + port + " is not a port");
        }
        return port;
    }

    static TargetConfig.Listen parseListen(String text, String option) {
        String transport = TargetConfig.Listen.TCP;
        if (text.startsWith("rdma:") || text.startsWith("tcp:")) {
            transport = text.substring(0, text.indexOf(':'));
            text = text.substring(transport.length() + 1);
        } else {
            int first = text.indexOf(':');
            String prefix = first > 0 ? text.substring(0, first) : "";
            // "udp:127.0.0.1:4420": a word that cannot be an IPv6 group, before an address that still has its port
            if (prefix.chars().allMatch(Character::isLetter) && !prefix.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                    && text.indexOf(':', first + 1) > 0) {
                throw new IllegalArgumentException(option + ": unknown transport '" + prefix + "' in '" + text + "' (tcp: or rdma:)");
            }
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not ADDR:PORT (example: 127.0.0.1:4420)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' has no numeric port");
        }
        return new TargetConfig.Listen(host, checkPort(port, option), false, transport);
    }

    static void printBanner(Target target, PrintStream out) {
        out.println("Locus target ready (" + target.reactors().size() + " reactor" + (target.reactors().size() == 1 ? "" : "s")
                + ", idle " + target.config().reactors().idle() + ")");
        for (Subsystem s : target.subsystems()) {
            out.println("  subsystem " + s.nqn() + (s.allowAnyHost() ? " (any host)" : " (hosts: " + String.join(", ", s.allowedHosts()) + ")"));
            for (Namespace ns : s.namespaces()) {
                out.println("    nsid " + ns.nsid() + ": " + ns.backend().describe() + ", " + Sizes.format(ns.blockCount() * ns.blockSize())
                        + ", " + ns.blockSize() + "-byte blocks, uuid " + ns.uuid());
            }
        }
        Port io = null;
        Port disc = null;
        for (Port p : target.ports()) {
            out.println("  listening on " + p.host() + ":" + p.address().getPort() + (p.discovery() ? " (discovery"
                    : p.trtype() == DiscoveryLog.TRTYPE_RDMA ? " (nvme/rdma" : " (nvme/tcp")
                    + (p.tlsRequired() ? ", TLS required)" : ")"));
            if (p.discovery() && disc == null) {
                disc = p;
            } else if (!p.discovery() && io == null) {
                io = p;
            }
        }
        if (io != null && !target.subsystems().isEmpty()) {
            String nqn = target.subsystems().get(0).nqn();
            String t = io.trtype() == DiscoveryLog.TRTYPE_RDMA ? "rdma" : "tcp";
            out.println("Connect with:");
            out.println("  scripts/locus identify -t " + t + " -a " + io.host() + " -s " + io.address().getPort() + " -n " + nqn);
            out.println("  nvme connect -t " + t + " -a " + io.host() + " -s " + io.address().getPort() + " -n " + nqn);
            if (disc != null) {
                out.println("  nvme discover -t tcp -a " + disc.host() + " -s " + disc.address().getPort());
            }
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }
}
