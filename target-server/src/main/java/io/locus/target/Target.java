package io.locus.target;

import io.locus.nativeio.rdma.verbs.NativeVerbs;
import io.locus.nativeio.rdma.verbs.Verbs;
import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.tls.TlsDiscovery;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
import io.locus.runtime.TurnTimer;
import io.locus.target.backend.Backend;
import io.locus.target.backend.FileBackend;
import io.locus.target.backend.MemoryBackend;
import io.locus.target.backend.NullBackend;
import io.locus.target.backend.UringBackend;
import io.locus.target.command.AdminCommands;
import io.locus.target.command.FabricsCommands;
import io.locus.target.command.IoCommands;
import io.locus.target.config.TargetConfig;
import io.locus.target.core.Dispatcher;
import io.locus.target.core.PollGroup;
import io.locus.target.core.PollGroups;
import io.locus.target.core.Transport;
import io.locus.target.model.AnaState;
import io.locus.target.model.Controller;
import io.locus.target.model.DiscoveryLogSource;
import io.locus.target.model.Namespace;
import io.locus.target.model.Port;
import io.locus.target.model.PortAnaStates;
import io.locus.target.model.RejectLog;
import io.locus.target.model.Subsystem;
import io.locus.target.model.TargetContext;
import io.locus.target.model.TargetLimits;
import io.locus.target.transport.rdma.RdmaTransport;
import io.locus.target.reservation.ReservationStore;
import io.locus.target.transport.tcp.TcpTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * A running Locus target: subsystems with their namespaces, the discovery subsystem, reactors and the TCP
 * transport. Built from a {@link TargetConfig}; {@link #close()} stops accepting, fails what is in flight by closing
 * the queues, and flushes file backends.
 */
public final class Target implements TargetContext, DiscoveryLogSource, AutoCloseable {
    /** Reactor threads are named this prefix plus their index ({@code locus-reactor-0}, ...). */
    public static final String REACTOR_THREAD_PREFIX = "locus-reactor";
    private static final Logger LOG = Logger.getLogger(Target.class.getName());
    /**
     * TREQ of every discovery log entry: 0x4, secure channel "not specified" (b1:0 = 0) plus "SQ flow control disable
     * supported" (b2; the target honours Connect CATTR b2). This is what Linux nvmet sends for TCP without TLS (its
     * configfs port default is NVMF_TREQ_DISABLE_SQFLOW). 0x6 ("not required" + b2) is as valid in the spec, but older
     * nvme-cli/libnvme (nvme-cli 2.3 among them) look the byte up in a table holding only 0, 1, 2 and 4 and print 0x6 as
     * "unrecognized". SPDK sends 0x2 for plain TCP and 0x1 with TLS; Locus has no TLS, so there is no secure channel to
     * require or waive, and 0x4 reads "not specified, sq flow control disable supported" in every nvme-cli.
     */
    static final int DISCOVERY_TREQ = DiscoveryLog.TREQ_NOT_SPECIFIED | DiscoveryLog.TREQ_SQ_FLOW_CONTROL_DISABLE;

    private final TargetConfig config;
    private final TargetLimits limits;
    /** Replaced whole on every change (copy on write): reactors read it on Connect and for the discovery log. */
    private volatile Map<String, Subsystem> subsystems = Map.of();
    private final io.locus.target.bdev.BdevRegistry bdevs = new io.locus.target.bdev.BdevRegistry();
    private final Subsystem discovery;
    private final List<Port> ports = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int nextPortId = 1;
    private final ReactorGroup reactors;
    private final PollGroups groups;
    private final Dispatcher dispatcher;
    private final Map<Reactor, TurnTimer> turnTimers = new HashMap<>();
    private final TcpTransport tcp;
    /** Made when a port asks for RDMA. */
    private RdmaTransport rdma;
    private Verbs.Provider rdmaVerbs = NativeVerbs.PROVIDER;
    /** Ports that could not be served, one line each (e.g. an RDMA port where there is no RDMA device). */
    private final List<String> portProblems = new ArrayList<>();
    private final RejectLog rejects = new RejectLog(10);
    private final AtomicLong discoveryGeneration = new AtomicLong(1);

    private Target(TargetConfig config, ThreadPinning pinning, LongSupplier keepAliveClock) throws IOException {
        this.config = config;
        TargetConfig.Limits l = config.limits();
        this.limits = new TargetLimits(l.mqes(), l.maxIoQueues(), l.mdts(), l.ioInCapsuleBytes(), 8192,
                Math.max(4096, (1 << l.mdts()) * 4096), 10, 30, config.reactors().provenance(), config.reactors().batchPdus(),
                config.reactors().batchBytes());
        this.discovery = new Subsystem(DiscoveryLog.DISCOVERY_NQN, TargetConfig.serialFor(DiscoveryLog.DISCOVERY_NQN),
                "Locus discovery", true, List.of(), 0, true);
        Map<String, Subsystem> configured = new LinkedHashMap<>();
        for (TargetConfig.SubsystemConfig sc : config.subsystems()) {
            Subsystem s = new Subsystem(sc.nqn(), sc.serial(), sc.model(), sc.allowAnyHost(), sc.hosts(), sc.maxNamespaces(), false,
                    sc.minCntlid(), sc.maxCntlid());
            s.hostAuth(sc.hostAuth());
            for (TargetConfig.NamespaceConfig nc : sc.namespaces()) {
                // An inline namespace creates its bdev implicitly (named as SPDK would: Malloc0, AIO0, ...).
                Backend backend = openBackend(nc, l.fileIoThreads());
                io.locus.target.bdev.Bdev.Kind kind = io.locus.target.bdev.Bdev.Kind.ofLocusBackend(nc.backend());
                Path file = nc.path() != null ? Path.of(nc.path()) : null;
                String source = nc.backend() + (file != null ? ":" + file.toAbsolutePath() : "");
                Namespace ns = new Namespace(sc.nqn(), nc.nsid(), backend, nc.blockSize(), nc.uuid(), nc.nguid(), nc.anaGroup(), source);
                if (backend.persistent() && file != null && Files.isRegularFile(file)) {
                    try {
                        ns.reservations().attach(new ReservationStore(file));
                    } catch (IOException e) {
                        backend.close();
                        throw e;
                    }
                }
                bdevs.add(new io.locus.target.bdev.Bdev(bdevs.nextName(kind.namePrefix), kind, backend, nc.blockSize(), ns.uuid(), file));
                s.addNamespace(ns);
            }
            configured.put(sc.nqn(), s);
        }
        this.subsystems = configured;
        int[] cpus = config.reactors().cores().isEmpty() ? new int[] {-1}
                : config.reactors().cores().stream().mapToInt(Integer::intValue).toArray();
        this.reactors = new ReactorGroup(REACTOR_THREAD_PREFIX, cpus, IdleMode.parse(config.reactors().idle()),
                config.reactors().windowMicros() * 1000L, pinning);
        this.groups = new PollGroups(reactors, keepAliveClock);
        for (int i = 0; i < reactors.size(); i++) {
            Reactor r = reactors.get(i);
            r.addPoller(groups.at(i));
            groups.at(i).latencyWindowBytes(config.reactors().windowBytes());
            // Two significant digits, like the request statistics: turn durations to 1%.
            TurnTimer timer = new TurnTimer(2, r::clockReading);
            turnTimers.put(r, timer);
            r.addPoller(timer);
        }
        this.dispatcher = new Dispatcher(new FabricsCommands(this), new AdminCommands(), new IoCommands());
        this.tcp = new TcpTransport(groups, dispatcher, limits, rejects, l.maxConnectionsPerPort(), l.stallTimeoutMillis());
        tcp.tlsKeys(new io.locus.target.tls.TargetTlsKeys(config.tls()));
    }

    /** Builds and starts a target: opens backends, starts reactors, binds every port. */
    public static Target start(TargetConfig config) throws IOException {
        return start(config, ThreadPinning.NONE);
    }

    public static Target start(TargetConfig config, ThreadPinning pinning) throws IOException {
        return start(config, pinning, NativeVerbs.PROVIDER);
    }

    /** As {@link #start(TargetConfig, ThreadPinning)}, with RDMA ports served through {@code rdmaVerbs} (tests simulate it). */
    public static Target start(TargetConfig config, ThreadPinning pinning, Verbs.Provider rdmaVerbs) throws IOException {
        return start(config, pinning, rdmaVerbs, io.locus.target.core.PollGroup.SYSTEM_CLOCK);
    }

    /**
     * As {@link #start(TargetConfig, ThreadPinning, Verbs.Provider)}, with keep-alive timed by {@code keepAliveClock}
     * (nanoseconds): tests pass a manual clock and move it, instead of waiting for KATO to pass.
     */
    public static Target start(TargetConfig config, ThreadPinning pinning, Verbs.Provider rdmaVerbs,
                               LongSupplier keepAliveClock) throws IOException {
        Target t = new Target(config, pinning, keepAliveClock);
        t.rdmaVerbs = rdmaVerbs;
        try {
            for (TargetConfig.Listen listen : config.ports()) {
                if (listen.rdma()) {
                    // Where RDMA cannot serve the port (no library, no device, an address of no RDMA device) it is
                    // left out with one line saying why, and the rest of the target serves on.
                    try {
                        t.listen(listen, false);
                    } catch (IOException e) {
                        t.portProblem("not listening on rdma:" + listen.display() + ": " + e.getMessage());
                    }
                    continue;
                }
                t.listen(listen, false);
            }
            if (config.discovery() != null) {
                t.listen(config.discovery(), true);
            }
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void bind(Transport transport, Port port) throws IOException {
        ports.add(transport.listen(port));
    }

    /**
     * The NVMe/RDMA transport, created when the first RDMA port is bound (a target without RDMA ports never loads
     * the verbs library).
     */
    private synchronized RdmaTransport rdmaTransport() {
        if (rdma == null) {
            rdma = new RdmaTransport(groups, dispatcher, limits, rejects, rdmaVerbs);
        }
        return rdma;
    }

    private void portProblem(String line) {
        portProblems.add(line);
        LOG.warning(line);
    }

    /** Ports configured but not served, one line each saying why. */
    public List<String> portProblems() {
        return List.copyOf(portProblems);
    }

    /** The NVMe/RDMA transport, or null when no port asked for it. */
    public RdmaTransport rdma() {
        return rdma;
    }

    /**
     * The port listening at {@code listen} (an I/O port, or the discovery service's when {@code discovery}), bound
     * now if none is (the next PORTID): SPDK binds a listener's address when a subsystem first names it. Port 0 always
     * binds a new ephemeral port (a configuration may list several).
     *
     * @throws IOException when the transport cannot listen there (address in use; for RDMA, no library or device)
     */
    public synchronized Port listen(TargetConfig.Listen listen, boolean discovery) throws IOException {
        Port existing = listen.port() == 0 ? null : port(listen, discovery);
        if (existing != null) {
            return existing;
        }
        Transport transport = listen.rdma() ? rdmaTransport() : tcp;
        bind(transport, new Port(nextPortId++, transport.trtype(), new InetSocketAddress(listen.address(), listen.port()),
                discovery, listen.tlsRequired(), new PortAnaStates(listen.anaStates())));
        discoveryChanged();
        return ports.get(ports.size() - 1);
    }

    /** The bound port at this address and port number, or null (port 0 matches none: it asks for a new port). */
    public Port port(TargetConfig.Listen listen, boolean discovery) {
        for (Port p : ports) {
            boolean sameTransport = (p.trtype() == DiscoveryLog.TRTYPE_RDMA) == listen.rdma();
            if (listen.port() != 0 && p.discovery() == discovery && p.address().getPort() == listen.port()
                    && sameTransport && sameAddress(p, listen.address())) {
                return p;
            }
        }
        return null;
    }

    private static boolean sameAddress(Port p, String address) {
        try {
            return p.address().getAddress() != null
                    && p.address().getAddress().equals(java.net.InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The target's bdevs: the inline namespaces' and those created by management calls. */
    public io.locus.target.bdev.BdevRegistry bdevs() {
        return bdevs;
    }

    /** Adds a subsystem (without namespaces yet); IllegalStateException when the NQN is taken. */
    public synchronized Subsystem createSubsystem(Subsystem s) {
        if (subsystem(s.nqn()) != null) {
            throw new IllegalStateException("subsystem " + s.nqn() + " already exists");
        }
        Map<String, Subsystem> next = new LinkedHashMap<>(subsystems);
        next.put(s.nqn(), s);
        subsystems = next;
        discoveryChanged();
        return s;
    }

    /**
     * Deletes a subsystem: new Connects no longer find it, its namespaces stop taking I/O and the I/O in flight
     * drains (the namespaces pause), then its controllers and their queues close. The namespaces' bdevs stay.
     * Blocks until drained, so never call it on a reactor.
     */
    public void deleteSubsystem(String nqn) {
        Subsystem s;
        synchronized (this) {
            s = subsystems.get(nqn);
            if (s == null) {
                throw new IllegalArgumentException("no subsystem " + nqn);
            }
            Map<String, Subsystem> next = new LinkedHashMap<>(subsystems);
            next.remove(nqn);
            subsystems = next;
        }
        discoveryChanged();
        List<java.util.concurrent.CompletableFuture<Void>> drains = new ArrayList<>();
        for (Namespace ns : s.namespaces()) {
            drains.add(ns.pause());
        }
        java.util.concurrent.CompletableFuture.allOf(drains.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        for (Controller c : s.controllers()) {
            c.shutdown("subsystem " + nqn + " deleted");
        }
    }

    /** Removes an allowed host; its controllers are disconnected (SPDK and Linux nvmet do the same). */
    public boolean removeHost(String nqn, String hostNqn) {
        Subsystem s = subsystems.get(nqn);
        if (s == null) {
            throw new IllegalArgumentException("no subsystem " + nqn);
        }
        boolean removed = s.removeHost(hostNqn);
        if (!s.hostAllowed(hostNqn)) {
            for (Controller c : s.controllers()) {
                if (c.hostNqn().equals(hostNqn)) {
                    c.shutdown("host " + hostNqn + " removed from " + nqn);
                }
            }
        }
        discoveryChanged();
        return removed;
    }

    /**
     * Stops a subsystem listening on {@code port}: Connects there are refused and its controllers connected
     * through that port are disconnected. A subsystem that answered on every port keeps every other I/O port.
     */
    public void removeListener(String nqn, Port port) {
        Subsystem s = subsystems.get(nqn);
        if (s == null) {
            throw new IllegalArgumentException("no subsystem " + nqn);
        }
        java.util.Set<Integer> now = new java.util.LinkedHashSet<>(listenPortIds(s));
        now.remove(port.id());
        s.listenPorts(now);
        for (Controller c : s.controllers()) {
            if (c.port().id() == port.id()) {
                c.shutdown("listener " + port.host() + ":" + port.address().getPort() + " removed from " + nqn);
            }
        }
        discoveryChanged();
    }

    /** Adds {@code port} to a subsystem's listeners (a subsystem answering on every port keeps doing so, plus this). */
    public void addListener(String nqn, Port port) {
        Subsystem s = subsystems.get(nqn);
        if (s == null) {
            throw new IllegalArgumentException("no subsystem " + nqn);
        }
        if (s.listenPorts() != null) {
            java.util.Set<Integer> now = new java.util.LinkedHashSet<>(s.listenPorts());
            now.add(port.id());
            s.listenPorts(now);
        }
        discoveryChanged();
    }

    /** The I/O PORTIDs a subsystem answers on: its listener list, or every I/O port when it has none. */
    public List<Integer> listenPortIds(Subsystem s) {
        List<Integer> ids = new ArrayList<>();
        for (Port p : ports) {
            if (!p.discovery() && s.listensOn(p.id())) {
                ids.add(p.id());
            }
        }
        return ids;
    }

    private static Backend openBackend(TargetConfig.NamespaceConfig nc, int fileIoThreads) throws IOException {
        return switch (nc.backend()) {
            case "memory" -> new MemoryBackend(nc.size());
            case "null" -> new NullBackend(nc.size());
            case "file" -> new FileBackend(Path.of(nc.path()), nc.size(), fileIoThreads);
            case "uring" -> UringBackend.open(Path.of(nc.path()), nc.size(), nc.blockSize(), fileIoThreads);
            default -> throw new IllegalArgumentException("unknown backend " + nc.backend());
        };
    }

    public TargetConfig config() {
        return config;
    }

    /** Ports as bound (a configured port 0 shows the port the OS chose). */
    public List<Port> ports() {
        return List.copyOf(ports);
    }

    public ReactorGroup reactors() {
        return reactors;
    }

    public TcpTransport tcp() {
        return tcp;
    }

    /** The poll group (backend completions, deferred work, keep-alive, statistics) of a reactor. */
    public PollGroup completions(Reactor reactor) {
        return groups.of(reactor);
    }

    /** The poll groups of the reactors. */
    public PollGroups pollGroups() {
        return groups;
    }

    /** The dispatcher every transport hands its requests to (a transport built outside, e.g. the loop, needs it). */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The turn-duration timer of a reactor (snapshots from any thread). */
    public TurnTimer turnTimer(Reactor reactor) {
        return turnTimers.get(reactor);
    }

    @Override
    public Subsystem subsystem(String nqn) {
        if (DiscoveryLog.DISCOVERY_NQN.equals(nqn)) {
            return discovery;
        }
        return subsystems.get(nqn);
    }

    public List<Subsystem> subsystems() {
        return List.copyOf(subsystems.values());
    }

    @Override
    public TargetLimits limits() {
        return limits;
    }

    @Override
    public DiscoveryLogSource discoveryLog() {
        return this;
    }

    @Override
    public RejectLog rejects() {
        return rejects;
    }

    /** Adds a namespace to a running subsystem; controllers get a namespace-changed AEN. */
    public void addNamespace(String nqn, Namespace ns) {
        Subsystem s = subsystems.get(nqn);
        if (s == null) {
            throw new IllegalArgumentException("no subsystem " + nqn);
        }
        s.addNamespace(ns);
    }

    /**
     * Removes a namespace: new commands no longer find it, its I/O in flight is drained (the namespace pauses), then
     * its backend is closed, unless a bdev owns it (the bdev stays, as in SPDK). Blocks until then, so never call it
     * on a reactor.
     */
    public void removeNamespace(String nqn, int nsid) {
        Subsystem s = subsystems.get(nqn);
        Namespace removed = s == null ? null : s.removeNamespace(nsid);
        if (removed == null) {
            throw new IllegalArgumentException("no namespace " + nsid + " in " + nqn);
        }
        removed.pause().join();
        if (bdevs.byBackend(removed.backend()) == null) {
            removed.backend().close(); // a bare backend belongs to its namespace; a bdev outlives the namespace
        }
    }

    /**
     * Sets the ANA state of group {@code anaGroupId} through port {@code portId} (an I/O port's PORTID, as
     * {@link #ports()} reports it) at run time, as writing nvmet's {@code ports/N/ana_groups/G/ana_state} does: every
     * controller connected through that port, of any subsystem, reports the new state in its ANA log (change count
     * incremented) and enforces it on the next I/O command, and those whose host enabled ANA-change notices
     * (Asynchronous Event Configuration b11) get the AEN. Setting the state a group already has changes nothing.
     *
     * @throws IllegalArgumentException when there is no such I/O port or the group is not 1..ANAGRPMAX
     */
    public void setAnaState(int portId, int anaGroupId, AnaState state) {
        Port port = ioPort(portId);
        if (!port.ana().set(anaGroupId, state)) {
            return;
        }
        LOG.info(() -> "ANA group " + anaGroupId + " through port " + portId + " (" + port.host() + ":"
                + port.address().getPort() + ") is now " + state.configName());
        for (Subsystem s : subsystems.values()) {
            for (Controller c : s.controllers()) {
                if (c.port().id() == portId) {
                    c.anaChanged();
                }
            }
        }
    }

    /**
     * The ANA state of group {@code anaGroupId} through I/O port {@code portId}.
     *
     * @throws IllegalArgumentException when there is no such I/O port or the group is not 1..ANAGRPMAX
     */
    public AnaState anaState(int portId, int anaGroupId) {
        PortAnaStates.checkGroup(anaGroupId);
        return ioPort(portId).ana().state(anaGroupId);
    }

    private Port ioPort(int portId) {
        for (Port p : ports) {
            if (p.id() == portId && !p.discovery()) {
                return p;
            }
        }
        throw new IllegalArgumentException("no I/O port " + portId + " (ports: "
                + ports.stream().filter(p -> !p.discovery()).map(p -> p.id() + "=" + p.host() + ":" + p.address().getPort()).toList() + ")");
    }

    /** Tells discovery controllers that the log changed (subsystems or ports were added or removed). */
    public void discoveryChanged() {
        discoveryGeneration.incrementAndGet();
        for (Controller c : discovery.controllers()) {
            c.discoveryLogChanged();
        }
    }

    /**
     * The discovery log page for one host: an entry per (subsystem the host may access) x (I/O port), and one for
     * the discovery subsystem itself on each discovery port.
     */
    @Override
    public ByteBuf build(String hostNqn) {
        List<String[]> entries = new ArrayList<>();
        for (Subsystem s : subsystems.values()) {
            if (!s.hostAllowed(hostNqn)) {
                continue;
            }
            for (Port p : ports) {
                if (!p.discovery() && s.listensOn(p.id())) {
                    entries.add(new String[] {s.nqn(), String.valueOf(p.id())});
                }
            }
        }
        for (Port p : ports) {
            if (p.discovery()) {
                entries.add(new String[] {DiscoveryLog.DISCOVERY_NQN, String.valueOf(p.id())});
            }
        }
        int length = DiscoveryLog.HEADER_LENGTH + entries.size() * DiscoveryLog.ENTRY_LENGTH;
        ByteBuf b = Unpooled.buffer(length, length);
        b.setZero(0, length);
        b.writerIndex(length);
        b.setLongLE(DiscoveryLog.GENCTR_OFFSET, discoveryGeneration.get());
        b.setLongLE(DiscoveryLog.NUMREC_OFFSET, entries.size());
        b.setShortLE(DiscoveryLog.RECFMT_OFFSET, 0);
        int off = DiscoveryLog.HEADER_LENGTH;
        for (String[] e : entries) {
            Port p = portById(Integer.parseInt(e[1]));
            boolean isDiscovery = DiscoveryLog.DISCOVERY_NQN.equals(e[0]);
            b.setByte(off + DiscoveryLog.TRTYPE_OFFSET, p.trtype());
            b.setByte(off + DiscoveryLog.ADRFAM_OFFSET, p.ipv6() ? DiscoveryLog.ADRFAM_IPV6 : DiscoveryLog.ADRFAM_IPV4);
            b.setByte(off + DiscoveryLog.SUBTYPE_OFFSET, isDiscovery ? DiscoveryLog.SUBTYPE_CURRENT_DISCOVERY : DiscoveryLog.SUBTYPE_NVME);
            b.setByte(off + DiscoveryLog.TREQ_OFFSET, TlsDiscovery.treq(p.tlsRequired(), ports.stream().anyMatch(Port::tlsRequired)));
            b.setShortLE(off + DiscoveryLog.PORTID_OFFSET, p.id());
            b.setShortLE(off + DiscoveryLog.CNTLID_OFFSET, 0xFFFF);
            b.setShortLE(off + DiscoveryLog.ASQSZ_OFFSET, 32);
            ConnectData.writeString(b, off + DiscoveryLog.TRSVCID_OFFSET, DiscoveryLog.TRSVCID_LENGTH, String.valueOf(p.address().getPort()));
            ConnectData.writeString(b, off + DiscoveryLog.SUBNQN_OFFSET, 256, e[0]);
            ConnectData.writeString(b, off + DiscoveryLog.TRADDR_OFFSET, DiscoveryLog.TRADDR_LENGTH, p.host());
            if (p.trtype() == DiscoveryLog.TRTYPE_RDMA) {
                // As Linux nvmet fills an RDMA port's TSAS: reliable connected QPs, no provider type, rdma_cm.
                b.setByte(off + DiscoveryLog.TSAS_OFFSET + DiscoveryLog.TSAS_RDMA_QPTYPE_OFFSET, DiscoveryLog.RDMA_QPTYPE_CONNECTED);
                b.setByte(off + DiscoveryLog.TSAS_OFFSET + DiscoveryLog.TSAS_RDMA_PRTYPE_OFFSET, DiscoveryLog.RDMA_PRTYPE_NOT_SPECIFIED);
                b.setByte(off + DiscoveryLog.TSAS_OFFSET + DiscoveryLog.TSAS_RDMA_CMS_OFFSET, DiscoveryLog.RDMA_CMS_RDMA_CM);
            } else {
                b.setByte(off + DiscoveryLog.TSAS_OFFSET, TlsDiscovery.sectype(p.tlsRequired()));
            }
            off += DiscoveryLog.ENTRY_LENGTH;
        }
        return b;
    }

    private Port portById(int id) {
        for (Port p : ports) {
            if (p.id() == id) {
                return p;
            }
        }
        throw new IllegalStateException("no port " + id);
    }

    /** Graceful stop: no new connections, close every queue (failing what is in flight), flush and close backends. */
    @Override
    public void close() {
        tcp.close();
        if (rdma != null) {
            rdma.close();
        }
        reactors.close();
        for (Subsystem s : subsystems.values()) {
            for (Namespace ns : s.namespaces()) {
                if (bdevs.byBackend(ns.backend()) != null) {
                    continue; // closed with its bdev below
                }
                try {
                    ns.backend().close();
                } catch (RuntimeException e) {
                    LOG.warning("closing " + ns.backend().describe() + ": " + e);
                }
            }
        }
        bdevs.close();
    }
}
