package io.locus.initiator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.initiator.stats.ReactorSummary;
import io.locus.initiator.stats.TargetStats;
import io.locus.nativeio.NativeThreadPinning;
import io.locus.runtime.IdleMode;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Issue 4's benchmark: does provenance protect a step-critical flow from a throughput flow on the same target
 * reactor, at what cost in throughput, and does an idle adaptive reactor stay cheap?
 * <p>
 * Starts {@code locus-target} as a child (null namespace, reactors on {@code --target-cores}, busy idle), once with
 * {@code --provenance off} and once with {@code on}, and drives both flows from host reactors pinned to
 * {@code --host-cores}; then the critical flow alone with provenance on, the baseline of the isolation ratio. Then starts an idle target with {@code --idle adaptive} and {@code busy} and samples its
 * reactor thread's CPU time. {@code scripts/bench-provenance} runs it.
 */
@Command(name = "bench-provenance", mixinStandardHelpOptions = true,
        description = "Mixed-load benchmark of the provenance extension against a locus-target child process.")
public final class ProvenanceBench implements Callable<Integer> {
    static final String TARGET_NQN = "nqn.2026-11.io.locus:default";
    /** Scrapes of the target's metrics before the warm-up, so their code is compiled before the measurement. */
    static final int PRIME_SCRAPES = 30;
    /** Warm-up of every slice after a side's first: the pipelines and TCP windows fill again, the code is hot. */
    static final double SLICE_WARMUP_SECONDS = 1.0;

    @Option(names = "--time", defaultValue = "10", description = "Seconds to measure each side (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "5", description = "Least seconds of load before measuring each side (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--max-warmup", defaultValue = "60", description = "The warm-up goes on until the JIT compilers of host and target have been quiet for 2 s, at most this long (default ${DEFAULT-VALUE}).")
    double maxWarmup;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = "--target-cores", defaultValue = "0", description = "CPUs of the target's reactors (default ${DEFAULT-VALUE}); with --reserve off, of the whole target process.")
    String targetCores;

    @Option(names = "--reserve", defaultValue = "on", description = "on (default): the target's other JVM threads (JIT, GC, control plane) run on the CPUs not in --target-cores, as the launcher deploys it; off: the whole target JVM is confined to --target-cores and those threads preempt its reactor.")
    String reserve;

    @Option(names = "--host-cores", defaultValue = "1", description = "CPUs of the host reactors, one reactor each (default ${DEFAULT-VALUE}); the launcher also pins the host JVM to them.")
    String hostCores;

    @Option(names = "--idle-seconds", defaultValue = "3", description = "Seconds to sample an idle target reactor's CPU (default ${DEFAULT-VALUE}).")
    double idleSeconds;

    @Option(names = "--no-idle", description = "Skip the idle-CPU measurement.")
    boolean noIdle;

    @Option(names = "--critical-qd", defaultValue = "1", description = "Queue depth of the step-critical flow (default ${DEFAULT-VALUE}).")
    int criticalQd;

    @Option(names = "--critical-interval-us", defaultValue = "0", description = "Least microseconds between the starts of two step-critical reads of a slot, like a step that computes between reads (default ${DEFAULT-VALUE}: the next read starts at once). A paced critical flow does the same work on both sides while each keeps up, so the throughput loss is then provenance's own cost rather than the extra critical I/Os a protected flow completes.")
    int criticalIntervalUs;

    @Option(names = "--critical-size", defaultValue = "4096", description = "Bytes per step-critical read (default ${DEFAULT-VALUE}).")
    int criticalSize;

    @Option(names = "--throughput-qd", defaultValue = "32", description = "Queue depth of the throughput flow (default ${DEFAULT-VALUE}).")
    int throughputQd;

    @Option(names = "--throughput-size", defaultValue = "131072", description = "Bytes per throughput read (default ${DEFAULT-VALUE}).")
    int throughputSize;

    @Option(names = "--budget-us", defaultValue = "200", description = "Latency budget of the step-critical flow, microseconds (default ${DEFAULT-VALUE}).")
    int budgetUs;

    @Option(names = "--throughput-queues", defaultValue = "2", description = "With provenance: I/O queues of the throughput flow beside the critical flow's own (default ${DEFAULT-VALUE}: as many connections as it has without provenance, where both flows share 2 queues; 1 puts all its data through one connection).")
    int throughputQueues;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of off then on, pooled (default ${DEFAULT-VALUE}); throughput here swings between runs by more than the 10%% bar, so one round proves little.")
    int rounds;

    @Option(names = "--slices", defaultValue = "5", description = "Measured slices per side and round (default ${DEFAULT-VALUE}): both controllers stay connected to the round's target and the load alternates off, on, on, off, ... in slices of --time divided by this, so the seconds-long swings of loopback throughput fall on both sides alike. 1 measures each side in one piece.")
    int slices;

    @Option(names = "--remote-host-cores", defaultValue = "1,1", description = "CPUs of the host reactors for the remote-completion phase, at least two reactors (default ${DEFAULT-VALUE}: two reactors sharing core 1, so each flow has a home of its own and a completion can land on the wrong one).")
    String remoteHostCores;

    @Option(names = "--remote-time", defaultValue = "3", description = "Seconds to measure each side of the remote-completion phase (default ${DEFAULT-VALUE}).")
    double remoteSeconds;

    @Option(names = "--no-remote", description = "Skip the remote-completion phase (remote_completion_ratio then comes from the mixed load).")
    boolean noRemote;

    @Option(names = "--target-per-side", description = "Start a target process per side (the off side's with --provenance off) instead of one per round serving both sides.")
    boolean targetPerSide;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--target-script", description = "The locus-target launcher (default: $LOCUS_ROOT/scripts/locus-target).")
    Path targetScript;

    @Option(names = "--logs", description = "Folder for the target logs (default: a new temporary folder).")
    Path logs;

    private PrintWriter progress;

    public static void main(String[] args) {
        quietLogging();
        System.exit(new CommandLine(new ProvenanceBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        progress = new PrintWriter(System.err, true);
        PrintWriter out = new PrintWriter(System.out, true);
        int[] hostCpus = parseCpus(hostCores);
        parseCpus(targetCores);
        if (!reserve.equals("on") && !reserve.equals("off")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--reserve must be on or off, not " + reserve);
        }
        int[] remoteCpus = noRemote ? new int[0] : parseCpus(remoteHostCores);
        if (!noRemote && remoteCpus.length < 2) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--remote-host-cores needs at least two CPUs (one reactor each; a CPU may repeat)");
        }
        if (rounds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--rounds must be at least 1");
        }
        if (slices < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--slices must be at least 1");
        }
        if (criticalIntervalUs < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--critical-interval-us must not be negative");
        }
        if (throughputQueues < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--throughput-queues must be at least 1");
        }
        if (seconds <= 0 || warmup < 0 || idleSeconds <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--time and --idle-seconds must be positive, --warmup not negative");
        }
        Path script = targetScript != null ? targetScript : defaultScript();
        Path logDir = logs != null ? logs : Files.createTempDirectory("locus-bench-provenance-");
        progress.printf("bench-provenance: target logs in %s%n", logDir);
        MixedLoad.Spec spec = new MixedLoad.Spec(seconds, warmup, Math.max(warmup, maxWarmup), criticalQd, criticalSize, throughputQd, throughputSize,
                budgetUs, seed, throughputQueues, criticalIntervalUs);
        List<BenchResult.Side> offRounds = new ArrayList<>();
        List<BenchResult.Side> onRounds = new ArrayList<>();
        List<BenchResult.Side> aloneRounds = new ArrayList<>();
        boolean pinned;
        try (ReactorGroup host = new ReactorGroup("locus-bench", hostCpus, IdleMode.BUSY, nativePinning())) {
            MixedLoad.reactorThreads(host); // started and pinned
            pinned = host.reactors().stream().allMatch(r -> r.isPinned());
            if (!pinned) {
                progress.println("bench-provenance: warning: host reactors are not pinned (native library unavailable?)");
            }
            for (int round = 1; round <= rounds; round++) {
                String tag = rounds == 1 ? "" : "-round" + round;
                boolean onFirst = round % 2 == 0; // alternate which side meets the fresher target
                progress.printf("bench-provenance: round %d of %d (%s first)%n", round, rounds, onFirst ? "on" : "off");
                round(script, logDir, tag, host, spec, onFirst, slices, offRounds, onRounds, aloneRounds);
            }
        }
        BenchResult.Side off = RoundPool.pool(offRounds);
        BenchResult.Side on = RoundPool.pool(onRounds);
        BenchResult.RemotePhase remote = null;
        if (!noRemote) {
            // One throughput queue beside the critical one: queue i lands on host reactor i mod n, so with more the
            // bulk flow's fixed queues would sit on the critical flow's reactor.
            MixedLoad.Spec remoteSpec = new MixedLoad.Spec(remoteSeconds, 1, 1, criticalQd, criticalSize, throughputQd,
                    throughputSize, budgetUs, seed, 1, criticalIntervalUs);
            try (ReactorGroup host = new ReactorGroup("locus-bench-remote", remoteCpus, IdleMode.ADAPTIVE, nativePinning())) {
                MixedLoad.reactorThreads(host);
                progress.printf("bench-provenance: remote-completion phase, %d host reactors on cores %s%n",
                        remoteCpus.length, remoteHostCores);
                List<BenchResult.Side> remoteOff = new ArrayList<>();
                List<BenchResult.Side> remoteOn = new ArrayList<>();
                round(script, logDir, "-remote", host, remoteSpec, false, 1, remoteOff, remoteOn, null);
                remote = new BenchResult.RemotePhase(remoteHostCores, remoteCpus.length, remoteSeconds,
                        remoteOff.getFirst(), remoteOn.getFirst());
            }
        }
        BenchResult.IdleCpu idle = null;
        if (!noIdle) {
            double adaptive = idleCpu(script, logDir.resolve("target-idle-adaptive.log"), "adaptive");
            double busy = idleCpu(script, logDir.resolve("target-idle-busy.log"), "busy");
            idle = new BenchResult.IdleCpu(adaptive, busy);
        }
        BenchResult result = new BenchResult(new BenchResult.Config(seconds, warmup, Math.max(warmup, maxWarmup),
                targetCores, reserveOn(), hostCores, hostCpus.length, pinned, criticalQd, criticalSize, criticalIntervalUs, throughputQd,
                throughputSize, throughputQueues, targetPerSide ? 1 : slices), off, on, idle, offRounds, onRounds, remote,
                aloneRounds.isEmpty() ? null : RoundPool.pool(aloneRounds));
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result.json()));
        } else {
            result.printTable(out);
        }
        out.flush();
        long remoteErrors = remote == null ? 0 : remote.off().errors() + remote.on().errors();
        return off.errors() + on.errors() + remoteErrors > 0 ? 1 : 0;
    }

    /**
     * One round: off and on against one target process (provenance-capable; the off side's host does not enable it,
     * so its controller is served exactly as in generic mode). Both sides then share the target JVM's JIT state,
     * which otherwise differs between processes by more than the throughput bar.
     * <p>
     * Both controllers stay connected for the whole round and the load alternates between them in {@code slices}
     * slices per side, in ABBA order (off on on off ..., or the mirror when {@code onFirst}): loopback throughput here
     * swings by 10-20% from one second to the next, and slicing spreads those swings, and any drift over the round,
     * over both sides alike. Each side's first slice warms up until the JIT compilers are quiet; the others warm up
     * for {@link #SLICE_WARMUP_SECONDS}, enough for the pipelines and TCP windows to fill again.
     * With {@code --target-per-side}, each side gets a target of its own, the off side's started with --provenance off.
     */
    private void round(Path script, Path logDir, String tag, ReactorGroup host, MixedLoad.Spec spec, boolean onFirst,
                       int sliceCount, List<BenchResult.Side> offs, List<BenchResult.Side> ons,
                       List<BenchResult.Side> alones)
            throws IOException, InterruptedException {
        if (targetPerSide) {
            for (boolean p : onFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                (p ? ons : offs).add(side(script, logDir.resolve("target-provenance-" + (p ? "on" : "off") + tag + ".log"),
                        host, p, spec));
            }
            return;
        }
        progress.printf("bench-provenance: starting locus-target on cores %s (provenance advertised; the off side does not enable it)%n", targetCores);
        try (TargetProcess target = TargetProcess.start(script, targetCores, reserveOn(), "busy", true, true,
                logDir.resolve("target" + tag + ".log"), 120_000);
             Controller off = connect(target, host, false, spec);
             Controller on = connect(target, host, true, spec)) {
            Supplier<List<ReactorSummary>> scrape = scraper(target);
            // Render the metrics page often enough now that the target JIT-compiles its rendering during the
            // warm-up: a scrape at the start of the measured interval would otherwise set the C2 compiler off on
            // the target's core a few hundred ms into it (seen as a cluster of slow critical requests).
            for (int i = 0; i < PRIME_SCRAPES; i++) {
                scrape.get();
            }
            double sliceSeconds = spec.seconds() / sliceCount;
            List<BenchResult.Side> offSlices = new ArrayList<>();
            List<BenchResult.Side> onSlices = new ArrayList<>();
            for (int i = 0; i < sliceCount; i++) {
                boolean pairOnFirst = onFirst ^ (i % 2 == 1);
                for (boolean p : pairOnFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    MixedLoad.Spec timed = i == 0 ? spec.timed(sliceSeconds, spec.warmupSeconds(), spec.maxWarmupSeconds())
                            : spec.timed(sliceSeconds, SLICE_WARMUP_SECONDS, SLICE_WARMUP_SECONDS);
                    (p ? onSlices : offSlices).add(measure(p ? on : off, target, host, p, timed, scrape, i == 0,
                            sliceCount == 1 ? "" : " slice " + (i + 1) + " of " + sliceCount));
                }
            }
            offs.add(RoundPool.pool(offSlices));
            ons.add(RoundPool.pool(onSlices));
            if (alones != null) {
                // The isolation baseline: the critical flow with provenance on the same target, the throughput
                // flow stopped (two slices' time, for enough samples behind its p99.9).
                MixedLoad.Spec alone = spec.alone().timed(sliceSeconds * Math.min(2, sliceCount), SLICE_WARMUP_SECONDS,
                        SLICE_WARMUP_SECONDS);
                alones.add(measure(on, target, host, true, alone, scrape, false, " alone"));
            }
        }
    }

    private BenchResult.Side side(Path script, Path log, ReactorGroup host, boolean provenance, MixedLoad.Spec spec)
            throws IOException, InterruptedException {
        progress.printf("bench-provenance: provenance %s: starting locus-target on cores %s%n", provenance ? "on" : "off", targetCores);
        try (TargetProcess target = TargetProcess.start(script, targetCores, reserveOn(), "busy", provenance, true, log, 120_000);
             Controller ctrl = connect(target, host, provenance, spec)) {
            Supplier<List<ReactorSummary>> scrape = scraper(target);
            for (int i = 0; i < PRIME_SCRAPES; i++) {
                scrape.get();
            }
            return measure(ctrl, target, host, provenance, spec, scrape, true, "");
        }
    }

    /** A controller for one side: 2 I/O queues without provenance, 1 + the throughput queues with it. */
    private Controller connect(TargetProcess target, ReactorGroup host, boolean provenance, MixedLoad.Spec spec) {
        ControllerOptions options = ControllerOptions.defaults()
                .ioQueues(provenance ? 1 + spec.throughputQueues() : 2).provenance(provenance).reactors(host)
                .queueSize(Math.max(ControllerOptions.DEFAULT_QUEUE_SIZE, Math.max(criticalQd, throughputQd) + 1))
                .connectTimeoutMs(10_000).ctrlLossTimeoutMs(5_000).reconnectDelayMs(1_000);
        Controller ctrl = Controller.connect(TransportId.tcp("127.0.0.1", target.port(), TARGET_NQN),
                HostIdentity.generate(), options);
        if (ctrl.provenanceEnabled() != provenance) {
            ctrl.close();
            throw new NvmeException("provenance is " + (ctrl.provenanceEnabled() ? "enabled" : "not enabled")
                    + " on the controller, expected " + (provenance ? "enabled" : "disabled"));
        }
        return ctrl;
    }

    private Supplier<List<ReactorSummary>> scraper(TargetProcess target) {
        URI metrics = URI.create("http://127.0.0.1:" + target.metricsPort() + "/metrics");
        return () -> {
            try {
                return TargetStats.fetch(metrics, Duration.ofSeconds(5)).summaries();
            } catch (IOException e) {
                progress.printf("bench-provenance: cannot read target metrics: %s%n", e.getMessage());
                return new ArrayList<>();
            }
        };
    }

    /**
     * Runs the mixed load on one side's controller.
     *
     * @param waitForJit warm up until the JIT compilers of host and target are quiet (else the spec's fixed warm-up)
     */
    private BenchResult.Side measure(Controller ctrl, TargetProcess target, ReactorGroup host, boolean provenance,
                                     MixedLoad.Spec spec, Supplier<List<ReactorSummary>> scrape, boolean waitForJit,
                                     String label) throws IOException, InterruptedException {
        String name = "provenance " + (provenance ? "on" : "off") + label;
        if (waitForJit) {
            progress.printf("bench-provenance: %s: warming up %.0f-%.0f s (until the JIT compilers are quiet), then %.1f s measured%n",
                    name, spec.warmupSeconds(), spec.maxWarmupSeconds(), spec.seconds());
        }
        List<SchedProbe.Watched> watched = new ArrayList<>(SchedProbe.find("target", target.pid(), "locus-reactor-"));
        watched.addAll(SchedProbe.find("host", ProcessHandle.current().pid(), "locus-bench-"));
        LongSupplier jitCpu = null;
        if (waitForJit) {
            List<SchedProbe.Watched> compilers = new ArrayList<>(SchedProbe.find("target", target.pid(), "C2 Compiler"));
            compilers.addAll(SchedProbe.find("target", target.pid(), "C1 Compiler"));
            compilers.addAll(SchedProbe.find("host", ProcessHandle.current().pid(), "C2 Compiler"));
            compilers.addAll(SchedProbe.find("host", ProcessHandle.current().pid(), "C1 Compiler"));
            jitCpu = new SchedProbe(compilers)::cpuNanos;
        }
        BenchResult.Side s = MixedLoad.run(ctrl, host, provenance, spec, scrape, new SchedProbe(watched), jitCpu);
        progress.printf(Locale.ROOT, "bench-provenance: %s: warmed up %.1f s (JIT %s), critical p99.9 %.1f us, throughput %.1f MiB/s%n",
                name, s.warmup().seconds(), s.warmup().jitSettled() ? "quiet" : "still compiling",
                s.critical().p999Us(), s.throughputMibPerS());
        return s;
    }

    private double idleCpu(Path script, Path log, String mode) throws IOException, InterruptedException {
        progress.printf("bench-provenance: idle target, --idle %s: sampling the reactor for %.0f s%n", mode, idleSeconds);
        try (TargetProcess target = TargetProcess.start(script, targetCores, reserveOn(), mode, true, false, log, 120_000)) {
            Thread.sleep(2000); // let start-up work (JIT, class loading) settle
            return target.reactorCpuPercent(idleSeconds);
        }
    }

    private boolean reserveOn() {
        return reserve.equals("on");
    }

    static Path defaultScript() {
        String root = System.getProperty("locus.root", System.getenv("LOCUS_ROOT"));
        if (root == null) {
            throw new IllegalArgumentException("set LOCUS_ROOT (the launcher does) or pass --target-script");
        }
        return Path.of(root, "scripts", "locus-target");
    }

    /** {@code 1}, {@code 1,2}, {@code 2-3}, {@code 1,1} (two reactors on one CPU). */
    static int[] parseCpus(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-');
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    if (to < from) {
                        throw new NumberFormatException();
                    }
                    for (int c = from; c <= to; c++) {
                        cpus.add(c);
                    }
                } else {
                    cpus.add(Integer.parseInt(p));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CPU list (e.g. 1 or 1,2 or 2-3)");
            }
        }
        if (cpus.isEmpty() || cpus.stream().anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException("'" + text + "' is not a CPU list (e.g. 1 or 1,2 or 2-3)");
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The native library's pinning; where the library cannot load, a pinning that answers false (the native
     * library has then logged the reason in one line, and the run warns that the reactors are not pinned).
     */
    static ThreadPinning nativePinning() {
        return NativeThreadPinning.instance();
    }

    private static void quietLogging() {
        String level = System.getenv("LOCUS_LOG");
        Logger root = Logger.getLogger("");
        root.setLevel(level == null ? Level.SEVERE : Level.parse(level.toUpperCase(Locale.ROOT)));
        for (var h : root.getHandlers()) {
            h.setLevel(root.getLevel());
        }
    }
}
