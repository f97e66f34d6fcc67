package io.locus.initiator.cli;

import io.locus.initiator.ControllerOptions;
import io.locus.initiator.Flow;
import io.locus.initiator.HostFlowStats;
import io.locus.initiator.LatencyClass;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
import io.locus.nativeio.CpuTopology;
import io.locus.nativeio.NativeLibrary;
import io.locus.nativeio.NativeThreadPinning;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

@Command(name = "perf", description = "Measure IOPS, throughput and latency (like spdk_nvme_perf); --verify checks every block. "
        + "With --path (repeated) the namespace is opened over every path as one multipath namespace.")
final class PerfCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Mixin
    MultipathOptions multipath;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Option(names = "--ns", defaultValue = "1", description = "Namespace ID (default ${DEFAULT-VALUE}).")
    int nsid;

    @Option(names = "--queue-depth", defaultValue = "32", description = "Commands in flight per queue (default ${DEFAULT-VALUE}).")
    int queueDepth;

    @Option(names = "--io-size", defaultValue = "4096", converter = ByteSize.class, description = "Bytes per command, e.g. 4096 or 128k (default ${DEFAULT-VALUE}).")
    long ioSize;

    @Option(names = "--workload", defaultValue = "randread", description = "read, write, randread, randwrite, rw or randrw (default ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--mix", description = "Percent of reads for rw/randrw (default 50).")
    Integer mix;

    @Option(names = "--time", defaultValue = "10", description = "Seconds to run (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "Seconds to run before measuring, so the JIT has compiled the hot path (default ${DEFAULT-VALUE}; 0 for none).")
    double warmup;

    @Option(names = "--queues", description = "I/O queues, each driven by its own reactor thread (default 1, or one per CPU of --cores).")
    Integer queues;

    @Option(names = "--cores", paramLabel = "LIST", description = "Run the host reactors pinned one per CPU of this list, e.g. 1,3 or 2-5 (default: unpinned reactors, one per queue).")
    String cores;

    @Option(names = "--flow-id", defaultValue = "1", description = "Flow id of the perf requests (default ${DEFAULT-VALUE}).")
    int flowId;

    @Option(names = "--class", defaultValue = "throughput", description = "Latency class of the flow: throughput, latency, step_critical or prefetch (default ${DEFAULT-VALUE}).")
    String latencyClass;

    @Option(names = "--home-cpu", description = "Home CPU of the flow: its completions are consumed there (default: none).")
    Integer homeCpu;

    @Option(names = "--anti-migrate", description = "Mark the flow ANTI_MIGRATE: completions that land on a reactor off the home CPU are handed to the reactor on it (needs --home-cpu).")
    boolean antiMigrate;

    @Option(names = "--bounded-batch", description = "Mark the flow BOUNDED_BATCH: a Locus target may coalesce its throughput responses up to reactors.batch_bytes per flush instead of 1 MiB.")
    boolean boundedBatch;

    @Option(names = "--verify", description = "Write self-checking blocks (LBA, generation, checksum) and check every read; the working set is written first.")
    boolean verify;

    @Option(names = "--size", converter = ByteSize.class, description = "Working set from LBA 0 (default: the whole namespace).")
    Long workingSet;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--idle", defaultValue = "adaptive", description = "Reactor idle mode: busy (spin) or adaptive (default ${DEFAULT-VALUE}).")
    String idle;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Workload w = Workload.parse(workload);
        if (mix != null && !w.mixed()) {
            throw new IllegalArgumentException("--mix applies to rw and randrw only");
        }
        if (ioSize > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--io-size is too large");
        }
        if (antiMigrate && homeCpu == null) {
            throw new IllegalArgumentException("--anti-migrate needs --home-cpu");
        }
        if (homeCpu != null && (homeCpu < 0 || homeCpu > 0xFFFE)) {
            throw new IllegalArgumentException("--home-cpu must be 0..65534");
        }
        int[] cpus = cores != null ? cpuList(cores) : null;
        IdleMode idleMode = IdleMode.parse(idle);
        int queueCount = queues != null ? queues : cpus != null ? cpus.length : 1;
        Flow flow = new Flow(flowId, parseClass(latencyClass), homeCpu != null ? homeCpu : -1, 0,
                (antiMigrate ? Flow.ANTI_MIGRATE : 0) | (boundedBatch ? Flow.BOUNDED_BATCH : 0), 0);
        PerfConfig config = new PerfConfig(nsid, queueDepth, (int) ioSize, w, mix != null ? mix : w.defaultReadPercent(),
                seconds, queueCount, verify, workingSet != null ? workingSet : 0, seed, flow, warmup);
        ControllerOptions options = conn.controllerOptions().ioQueues(queueCount).idleMode(idleMode);
        if (conn.queueSize == null) {
            options.queueSize(Math.max(ControllerOptions.DEFAULT_QUEUE_SIZE, queueDepth + 1));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter progressOut = conn.json ? err : out;
        ReactorGroup group = null;
        List<ReactorPlacement> placement = List.of();
        try {
            if (cpus != null) {
                group = new ReactorGroup("locus-perf", cpus, idleMode, NativeThreadPinning.instance());
                options.reactors(group);
                placement = placement(group, err);
            }
            if (verify) {
                progressOut.println("verify: writing the working set first");
                progressOut.flush();
            }
            Perf.Progress progress = (second, iops, mibPerSec, ios) -> {
                progressOut.println(progressLine(second, iops, mibPerSec));
                progressOut.flush();
            };
            PerfResult r;
            if (multipath.multipath()) {
                if (group == null) {
                    group = ReactorGroup.unpinned("locus-perf", queueCount, idleMode);
                    options.reactors(group);
                }
                options.ioQueues(group.size());
                try (OpenPaths open = OpenPaths.open(multipath.targets(conn, nqn), conn.host(), options, nsid,
                        multipath.policy())) {
                    open.unreachable.forEach((t, why) -> err.printf("locus perf: path %s left out: %s%n", t.endpoint(), why));
                    err.flush();
                    r = Perf.run(open.ns, group, config, progress);
                    if (conn.json) {
                        Map<String, Object> m = json(r, placement);
                        m.put("multipath", ListSubsysCommand.json(open.ns));
                        Output.json(out, m);
                    } else {
                        text(out, r, placement);
                        ListSubsysCommand.text(out, open.ns);
                    }
                }
            } else {
                r = Perf.run(conn.transportId(nqn, TransportId.DEFAULT_IO_PORT), conn.host(), options, config, progress);
                if (conn.json) {
                    Output.json(out, json(r, placement));
                } else {
                    text(out, r, placement);
                }
            }
            if (!r.passed()) {
                if (r.verifyFailures() > 0) {
                    err.printf("locus perf: %d block(s) failed verification; first at LBA %d (%s)%n", r.verifyFailures(),
                            r.failures().getFirst().lba(), r.failures().getFirst().reason());
                }
                if (r.errors() > 0) {
                    err.printf("locus perf: %d command(s) failed; first: %s%n", r.errors(), r.firstError());
                }
                err.flush();
                return LocusCli.EXIT_FAILURE;
            }
            return 0;
        } finally {
            if (group != null) {
                group.close();
            }
        }
    }

    /** Where a host reactor of {@code --cores} runs. */
    record ReactorPlacement(String name, int cpu, boolean pinned) {
    }

    /**
     * Waits until each reactor has started (and tried to pin itself); says in one line when pinning is unavailable
     * or a CPU refused it.
     */
    private static List<ReactorPlacement> placement(ReactorGroup group, PrintWriter err) {
        List<ReactorPlacement> out = new ArrayList<>();
        for (Reactor r : group.reactors()) {
            CompletableFuture<Boolean> pinned = new CompletableFuture<>();
            r.execute(() -> pinned.complete(r.isPinned()));
            try {
                out.add(new ReactorPlacement(r.name(), r.cpu(), pinned.get(10, TimeUnit.SECONDS)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NvmeException("interrupted while starting the reactors");
            } catch (ExecutionException | TimeoutException e) {
                throw new NvmeException("reactor " + r.name() + " did not start");
            }
        }
        Optional<String> cause = NativeLibrary.unavailabilityCause();
        if (cause.isPresent()) {
            err.println("locus perf: cannot pin the reactors, they run unpinned: " + cause.get());
        } else {
            String refused = out.stream().filter(p -> !p.pinned()).map(p -> String.valueOf(p.cpu()))
                    .collect(Collectors.joining(","));
            if (!refused.isEmpty()) {
                err.println("locus perf: the kernel refused CPU(s) " + refused
                        + " (offline or outside this process's cpuset); those reactors run unpinned");
            }
        }
        err.flush();
        return out;
    }

    /** A CPU list as taskset and the kernel write it: 1, 1,3, 2-5. */
    static int[] cpuList(String text) {
        BitSet set;
        try {
            set = CpuTopology.parseCpuList(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cores: " + e.getMessage());
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("--cores names no CPUs");
        }
        return set.stream().toArray();
    }

    static LatencyClass parseClass(String text) {
        try {
            return LatencyClass.valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--class must be one of throughput, latency, step_critical, prefetch, not '"
                    + text + "'");
        }
    }

    private static void text(PrintWriter out, PerfResult r, List<ReactorPlacement> placement) {
        out.printf("%s, %d B I/O, queue depth %d x %d queue(s), %.1f s%n", r.workload(), r.ioSize(), r.queueDepth(),
                r.queues(), r.seconds());
        if (!placement.isEmpty()) {
            out.printf("host reactors: %s%n", placement.stream()
                    .map(p -> "CPU " + p.cpu() + (p.pinned() ? " (pinned)" : " (not pinned)"))
                    .collect(Collectors.joining(", ")));
        }
        out.printf("IOPS:          %.0f%n", r.iops());
        out.printf("MiB/s:         %.1f%n", r.mibPerSec());
        PerfResult.Latency l = r.latencyUs();
        out.printf("latency (us):  avg %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n", l.avg(), l.p50(), l.p99(), l.p999(), l.max());
        out.printf("I/Os:          %d (%d reads, %d writes)%n", r.ios(), r.reads(), r.writes());
        out.printf("errors:        %d%n", r.errors());
        out.printf("verify failures: %d%n", r.verifyFailures());
        for (PerfResult.VerifyFailure f : r.failures()) {
            out.printf("  LBA %d: %s%n", f.lba(), f.reason());
        }
        HostFlowStats h = r.hostFlow();
        if (h != null) {
            out.printf("host flow %d:   %d completions: %d inline, %d handed off, %d no home reactor, %d blocking%n",
                    h.flowId(), h.completions(), h.inline(), h.handedOff(), h.noHomeReactor(), h.blocking());
            out.printf("  %-22s p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f (us)%n", "cqe_visible_to_wakeup",
                    h.cqeVisibleToWakeup().p50Us(), h.cqeVisibleToWakeup().p99Us(), h.cqeVisibleToWakeup().p999Us(),
                    h.cqeVisibleToWakeup().maxUs());
            out.printf("  %-22s p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f (us)%n", "wakeup_to_oncpu",
                    h.wakeupToOnCpu().p50Us(), h.wakeupToOnCpu().p99Us(), h.wakeupToOnCpu().p999Us(),
                    h.wakeupToOnCpu().maxUs());
            if (h.cpuSamples() > 0) {
                out.printf("  %-22s %d (off the home CPU: %d of %d completions)%n", "migrations_per_flow",
                        h.migrations(), h.offHomeCpu(), h.cpuSamples());
            } else {
                out.printf("  %-22s n/a (the flow has no home CPU, or CPUs cannot be read)%n", "migrations_per_flow");
            }
        }
        out.flush();
    }

    static Map<String, Object> json(PerfResult r, List<ReactorPlacement> placement) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", r.workload());
        m.put("io_size", r.ioSize());
        m.put("queue_depth", r.queueDepth());
        m.put("queues", r.queues());
        m.put("seconds", r.seconds());
        m.put("ios", r.ios());
        m.put("reads", r.reads());
        m.put("writes", r.writes());
        m.put("iops", r.iops());
        m.put("mib_per_s", r.mibPerSec());
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("avg", r.latencyUs().avg());
        lat.put("p50", r.latencyUs().p50());
        lat.put("p99", r.latencyUs().p99());
        lat.put("p999", r.latencyUs().p999());
        lat.put("max", r.latencyUs().max());
        m.put("latency_us", lat);
        m.put("errors", r.errors());
        m.put("verify_failures", r.verifyFailures());
        List<Map<String, Object>> failures = new ArrayList<>();
        for (PerfResult.VerifyFailure f : r.failures()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("lba", f.lba());
            one.put("reason", f.reason());
            failures.add(one);
        }
        m.put("verify_errors", failures);
        m.put("first_error", r.firstError());
        if (!placement.isEmpty()) {
            List<Map<String, Object>> reactors = new ArrayList<>();
            for (ReactorPlacement p : placement) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("name", p.name());
                one.put("cpu", p.cpu());
                one.put("pinned", p.pinned());
                reactors.add(one);
            }
            m.put("host_reactors", reactors);
        }
        if (r.hostFlow() != null) {
            m.put("host_flow", json(r.hostFlow()));
        }
        return m;
    }

    static Map<String, Object> json(HostFlowStats h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("flow_id", h.flowId());
        m.put("completions", h.completions());
        m.put("inline", h.inline());
        m.put("handed_off", h.handedOff());
        m.put("no_home_reactor", h.noHomeReactor());
        m.put("blocking", h.blocking());
        m.put("cqe_visible_to_wakeup_us", json(h.cqeVisibleToWakeup()));
        m.put("wakeup_to_oncpu_us", json(h.wakeupToOnCpu()));
        m.put("cpu_samples", h.cpuSamples());
        m.put("off_home_cpu", h.offHomeCpu());
        m.put("migrations", h.migrations());
        return m;
    }

    private static Map<String, Object> json(HostFlowStats.Stage s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", s.count());
        m.put("p50", s.p50Us());
        m.put("p99", s.p99Us());
        m.put("p999", s.p999Us());
        m.put("max", s.maxUs());
        return m;
    }

    /**
     * One second's progress line, as {@code "[%4ds] %12.0f IOPS %10.1f MiB/s"} would print it, built without
     * {@code java.util.Formatter}: the first formatted line loaded and compiled the formatter (regex, locale data) on
     * the reactor's CPU one second into the timed run, and each line after it parsed the pattern again.
     */
    static String progressLine(int second, double iops, double mibPerSec) {
        StringBuilder b = new StringBuilder(48).append('[');
        String s = Integer.toString(second);
        pad(b, s.length(), 4).append(s).append("s] ");
        String i = Long.toString(Math.round(iops));
        pad(b, i.length(), 12).append(i).append(" IOPS ");
        long tenths = Math.round(mibPerSec * 10);
        String whole = Long.toString(tenths / 10);
        // Appended piece by piece: a string concatenation here would bootstrap its invokedynamic call site then.
        pad(b, whole.length() + 2, 10).append(whole).append('.').append(tenths % 10).append(" MiB/s");
        return b.toString();
    }

    private static StringBuilder pad(StringBuilder b, int length, int width) {
        for (int k = length; k < width; k++) {
            b.append(' ');
        }
        return b;
    }
}
