package io.locus.drill;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.IoPolicy;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.TransportId;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs scenarios against two target nodes on shared storage: the nodes ({@link TargetNode}) in their own network
 * namespaces ({@link NetLab}), one file namespace on one backing file, and a verifying workload
 * ({@link VerifyingWorkload}) through the host's {@link MultipathNamespace} over both, sampled per path
 * ({@link PathSampler}). Each scenario gets fresh host controllers; the nodes are started once and restarted when
 * a scenario left one down.
 * <p>
 * Policy: with a target that reports ANA, node 0's port is optimized and node 1's non-optimized and the host uses
 * {@code numa} (all I/O on node 0 until it fails, back to it when it returns); without ANA both paths are optimized
 * and the host uses {@code round-robin}, so that node 0 carries I/O again once it is back (fail-back is measured).
 */
public final class Drill implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Drill.class.getName());
    static final String NQN = "nqn.2026-11.io.locus:drill";
    static final int PORT = 4420;
    static final long NAMESPACE_BYTES = 64L << 20;
    static final int REGION_BLOCKS = 8192;
    static final long WARMUP_MS = 1500;
    static final long SETTLE_MS = 1500;
    static final long FAILBACK_TIMEOUT_MS = 60_000;
    static final long DRAIN_TIMEOUT_MS = 90_000;
    static final long CONNECT_TIMEOUT_MS = 30_000;

    /**
     * @param out        where logs, node configs, the backing file and the pictures go
     * @param locusRoot  the checkout ({@code scripts/locus-target} is started from it)
     * @param katoMs     the host's keep-alive timeout
     * @param durationMs the fault's length, or null for each scenario's default
     * @param depth      commands the workload keeps in flight
     */
    public record Settings(Path out, Path locusRoot, int katoMs, Long durationMs, int depth) {
    }

    private final Settings settings;
    private final NetLab lab;
    private final List<TargetNode> nodes = new ArrayList<>();
    private final boolean ana;
    private final Path backing;
    private final HostIdentity host = HostIdentity.generate();
    private String netemReason;
    private boolean netemProbed;

    private Drill(Settings settings, NetLab lab, boolean ana, Path backing) {
        this.settings = settings;
        this.lab = lab;
        this.ana = ana;
        this.backing = backing;
    }

    /**
     * Makes the links, writes the node configs and starts both nodes.
     *
     * @throws IllegalStateException when a node does not start (with its log's end)
     */
    public static Drill start(Settings settings) {
        try {
            Files.createDirectories(settings.out());
            Path backing = settings.out().resolve("shared-namespace.img");
            try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
                f.setLength(0);
                f.setLength(NAMESPACE_BYTES);
            }
            boolean ana = NodeConfig.anaSupported();
            NetLab lab = NetLab.create(2);
            Drill d = new Drill(settings, lab, ana, backing);
            try {
                UUID uuid = UUID.nameUUIDFromBytes((NQN + "/1").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (int i = 0; i < 2; i++) {
                    String json = NodeConfig.json(i, lab.link(i).nodeAddress(), PORT, NQN, uuid, backing,
                            NAMESPACE_BYTES, ana ? (i == 0 ? "optimized" : "non_optimized") : null);
                    Path config = settings.out().resolve("node" + i + ".json");
                    NodeConfig.validate(config.toString(), json);
                    Files.writeString(config, json);
                    Path log = settings.out().resolve("node" + i + ".log");
                    Files.deleteIfExists(log);
                    Path socket = settings.out().resolve("node" + i + ".sock");
                    d.nodes.add(new TargetNode(i, lab.link(i).netns(), config, log, settings.locusRoot(), socket));
                }
                for (TargetNode n : d.nodes) {
                    n.start();
                }
                return d;
            } catch (RuntimeException | IOException e) {
                d.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("drill set-up in " + settings.out() + ": " + e.getMessage(), e);
        }
    }

    /** Whether the nodes report ANA (node 0 optimized, node 1 non-optimized). */
    public boolean ana() {
        return ana;
    }

    public IoPolicy policy() {
        return ana ? IoPolicy.NUMA : IoPolicy.ROUND_ROBIN;
    }

    private ControllerOptions options() {
        return ControllerOptions.defaults().ioQueues(2).queueSize(64).keepAliveTimeoutMs(settings.katoMs())
                .reconnectDelayMs(200).ctrlLossTimeoutMs(FAILBACK_TIMEOUT_MS).connectTimeoutMs(2000)
                .headerDigest(true).dataDigest(true);
    }

    /** Runs one scenario and returns what it measured (a skip with its reason where this machine cannot run it). */
    public ScenarioResult run(Scenario scenario) {
        Run run = new Run(scenario);
        String why = scenario.unavailable(run);
        if (why != null) {
            return ScenarioResult.skipped(scenario.id(), why);
        }
        restoreAll();
        List<Controller> controllers = new ArrayList<>();
        MultipathNamespace ns = null;
        VerifyingWorkload workload = null;
        PathSampler sampler = null;
        String error = null;
        try {
            for (int i = 0; i < nodes.size(); i++) {
                controllers.add(connect(new TransportId("tcp", lab.link(i).nodeAddress(), PORT, NQN)));
            }
            ns = MultipathNamespace.of(controllers.getFirst().namespace(1), policy());
            for (int i = 1; i < controllers.size(); i++) {
                ns.addPath(controllers.get(i).namespace(1));
            }
            workload = new VerifyingWorkload(ns, 0, REGION_BLOCKS, settings.depth());
            run.origin = System.nanoTime();
            sampler = new PathSampler(ns, workload::completions, run.origin);
            workload.start();
            sampler.start();
            run.sampler = sampler;
            run.hold(WARMUP_MS);
            try {
                scenario.run(run);
            } catch (RuntimeException e) {
                error = scenario.id() + " could not inject or repair its fault: " + e.getMessage();
                restoreAll();
            }
            run.hold(SETTLE_MS);
            boolean drained = workload.stop(DRAIN_TIMEOUT_MS);
            if (!drained) {
                run.notes.add("commands still in flight " + DRAIN_TIMEOUT_MS / 1000 + " s after the workload stopped");
            }
            sampler.close();
            long checked = workload.verifyAll();
            long pauseMs = TimeUnit.NANOSECONDS.toMillis(workload.pauses().longestNanos());
            long pauseAt = TimeUnit.NANOSECONDS.toMillis(workload.pauses().longestStartNanos() - run.origin);
            long goal = scenario.pauseGoalMs(settings.katoMs());
            List<String> missed = ScenarioResult.missedGoals(pauseMs, goal, workload.failedIos(),
                    workload.acknowledgedLost(), workload.verifyFailures(), run.failbackMs);
            if (!drained) {
                missed.add("I/O hung");
            }
            if (error != null) {
                missed.addFirst(error);
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                names.add("node " + i + " (" + lab.link(i).nodeAddress() + ")");
            }
            return new ScenarioResult(scenario.id(), missed.isEmpty() ? ScenarioResult.PASS : ScenarioResult.FAIL,
                    String.join("; ", missed), policy().label() + (ana ? " (ANA: node 0 optimized)"
                    : " (target without ANA: both paths optimized)"), pauseMs, pauseAt, goal, workload.failedIos(),
                    workload.acknowledgedLost(), workload.verifyFailures(), run.failbackMs, workload.completions(),
                    workload.tracker().fuaAcks(), workload.tracker().flushAcks(), checked, List.copyOf(run.windows),
                    List.copyOf(run.notes), workload.errors(), null, sampler.samples(), names);
        } catch (RuntimeException e) {
            if (workload != null) {
                workload.stop(DRAIN_TIMEOUT_MS);
            }
            return new ScenarioResult(scenario.id(), ScenarioResult.FAIL, "drill error: " + e.getMessage(), null, 0, 0,
                    0, 0, 0, 0, -1, 0, 0, 0, 0, List.copyOf(run.windows), List.copyOf(run.notes), List.of(), null,
                    List.of(), List.of());
        } finally {
            if (sampler != null) {
                sampler.close();
            }
            if (ns != null) {
                ns.close();
            }
            for (Controller c : controllers) {
                c.close();
            }
            restoreAll();
        }
    }

    /**
     * Connects, trying again for up to {@link #CONNECT_TIMEOUT_MS}: a node just (re)started answers its first
     * connections slowly while its JIT warms up, slower than the 2 s a reconnect waits.
     */
    private Controller connect(TransportId id) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS);
        while (true) {
            try {
                return Controller.connect(id, host, options());
            } catch (io.locus.initiator.NvmeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    /** Every node running and unfrozen, every link up and without netem. */
    private void restoreAll() {
        for (int i = 0; i < nodes.size(); i++) {
            Shell.quietly("ip", "link", "set", lab.link(i).hostIf(), "up");
            lab.clearNetem(i);
            TargetNode n = nodes.get(i);
            if (n.alive()) {
                n.thawIfFrozen();
            } else {
                n.start();
            }
        }
        if (ana) {
            // Back to the set-up's states (node 0 optimized), in case a planned transition stopped half-way.
            for (int i = 0; i < nodes.size(); i++) {
                try {
                    nodes.get(i).setAnaState(NQN, lab.link(i).nodeAddress(), PORT, i == 0 ? "optimized" : "non_optimized");
                } catch (RuntimeException e) {
                    LOG.warning("node " + i + ": ANA state not restored: " + e.getMessage());
                }
            }
        }
    }

    private synchronized String netemUnavailable() {
        if (!netemProbed) {
            netemReason = lab.netemUnavailable();
            netemProbed = true;
        }
        return netemReason;
    }

    /** Stops the nodes and removes the links (and the backing file; logs and configs stay). */
    @Override
    public void close() {
        for (TargetNode n : nodes) {
            n.close();
        }
        lab.close();
        try {
            Files.deleteIfExists(backing);
        } catch (IOException e) {
            // left for the next drill, which truncates it
        }
    }

    /** One scenario's run: the {@link FaultContext} a scenario acts through. */
    private final class Run implements FaultContext {
        private final Scenario scenario;
        /** The scenario's time zero: when its workload starts. */
        long origin = System.nanoTime();
        final List<ScenarioResult.Window> windows = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        PathSampler sampler;
        long failbackMs;
        private long faultFrom = -1;
        private String faultWhat;

        Run(Scenario scenario) {
            this.scenario = scenario;
        }

        @Override
        public NetLab lab() {
            return lab;
        }

        @Override
        public TargetNode node(int index) {
            return nodes.get(index);
        }

        @Override
        public long durationMs() {
            Long d = settings.durationMs();
            return d != null ? d : scenario.defaultDurationMs(settings.katoMs());
        }

        @Override
        public int keepAliveTimeoutMs() {
            return settings.katoMs();
        }

        @Override
        public String netemUnavailable() {
            return Drill.this.netemUnavailable();
        }

        @Override
        public String anaControlUnavailable() {
            return ana ? null : "the target does not report ANA in this build";
        }

        @Override
        public long awaitPathCarries(int node, long timeoutMs) {
            return sampler.awaitGrowth(node, System.nanoTime(), timeoutMs);
        }

        @Override
        public void setAnaState(int node, String state) {
            nodes.get(node).setAnaState(NQN, lab.link(node).nodeAddress(), PORT, state);
        }

        private long nowMs() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin);
        }

        @Override
        public void faultStarts(String what) {
            faultFrom = nowMs();
            faultWhat = what;
        }

        @Override
        public void faultEnds() {
            long repaired = System.nanoTime();
            windows.add(new ScenarioResult.Window(faultFrom, nowMs(), faultWhat));
            long ms = sampler.awaitGrowth(VICTIM, repaired, FAILBACK_TIMEOUT_MS);
            failbackMs = ms < 0 || failbackMs < 0 ? -1 : Math.max(failbackMs, ms);
        }

        @Override
        public void hold(long ms) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            for (long left; (left = end - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        public void note(String line) {
            notes.add(line);
        }
    }
}
