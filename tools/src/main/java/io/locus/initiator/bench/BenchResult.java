package io.locus.initiator.bench;

import io.locus.initiator.stats.ReactorSummary;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one provenance benchmark run measured: the mixed load without and with provenance, and the idle CPU of a
 * target reactor. Renders the table, the JSON, and which bars are met.
 *
 * @param idle  null when the idle measurement was skipped
 * @param alone the critical flow alone with provenance on (the isolation baseline), pooled over the rounds; null
 *              when not measured
 */
public record BenchResult(Config config, Side off, Side on, IdleCpu idle, List<Side> offRounds, List<Side> onRounds,
                          RemotePhase remote, Side alone) {
    /** One round, no remote-completion phase, no alone baseline. */
    public BenchResult(Config config, Side off, Side on, IdleCpu idle) {
        this(config, off, on, idle, List.of(off), List.of(on), null, null);
    }

    /** No alone baseline. */
    public BenchResult(Config config, Side off, Side on, IdleCpu idle, List<Side> offRounds, List<Side> onRounds,
                       RemotePhase remote) {
        this(config, off, on, idle, offRounds, onRounds, remote, null);
    }

    /** Bar: step-critical p99.9 with provenance at most this share of the one without. */
    public static final double P999_RATIO_BAR = 0.5;
    /** Bar: throughput lost to provenance at most this share. */
    public static final double THROUGHPUT_LOSS_BAR = 0.10;
    /**
     * Bar (issue 11): with provenance, the step-critical flow's p99.9 beside the throughput flow at most this many
     * times its p99.9 alone on the same target.
     */
    public static final double ISOLATION_BAR = 3.0;
    /** Bar: CPU of an idle adaptive reactor below this percentage of one core. */
    public static final double ADAPTIVE_IDLE_BAR_PERCENT = 2.0;

    /**
     * @param targetReserve      the target's JVM threads other than its reactors run off {@code targetCores}
     * @param throughputQueuesOn I/O queues of the throughput flow with provenance (beside the critical flow's)
     * @param slices             measured slices per side and round, alternating between the sides
     * @param criticalIntervalUs least microseconds between the starts of two reads of a critical slot; 0: none
     */
    public record Config(double seconds, double warmupSeconds, double maxWarmupSeconds, String targetCores,
                         boolean targetReserve, String hostCores, int hostReactors, boolean hostPinned, int criticalQueueDepth,
                         int criticalIoSize, int criticalIntervalUs, int throughputQueueDepth, int throughputIoSize,
                         int throughputQueuesOn, int slices) {
    }

    /** Latency percentiles in microseconds. */
    public record Latency(double p50Us, double p99Us, double p999Us, double maxUs, long count) {
        public static final Latency NONE = new Latency(0, 0, 0, 0, 0);

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_us", p50Us);
            m.put("p99_us", p99Us);
            m.put("p999_us", p999Us);
            m.put("max_us", maxUs);
            m.put("count", count);
            return m;
        }
    }

    /**
     * Host-side stages of the critical flow (ARCHITECTURE.md, "Observability"): submit to capsule flushed to the
     * socket, flushed to completion visible (wire, target, host receive), visible to callback
     * ({@code cqe_visible_to_wakeup}); with provenance, the target's own timing from CQE DW1.
     */
    public record Stages(Latency submitToSent, Latency sentToVisible, Latency visibleToCallback, Latency targetDw1,
                         Latency backendDw1, long unknown) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("submit_to_sent", submitToSent.json());
            m.put("sent_to_visible", sentToVisible.json());
            m.put("cqe_visible_to_wakeup", visibleToCallback.json());
            m.put("target_dw1", targetDw1 == null ? null : targetDw1.json());
            m.put("backend_dw1", backendDw1 == null ? null : backendDw1.json());
            m.put("unknown", unknown);
            return m;
        }
    }

    /** Mean stages (µs) of the slowest {@code requests} critical requests (the p99.9 tail). */
    public record Tail(int requests, double totalUs, double submitToSentUs, double sentToVisibleUs,
                       double visibleToCallbackUs, double targetUs, double backendUs) {
        public static final Tail NONE = new Tail(0, 0, 0, 0, 0, -1, -1);

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", requests);
            m.put("total_us", totalUs);
            m.put("submit_to_sent_us", submitToSentUs);
            m.put("sent_to_visible_us", sentToVisibleUs);
            m.put("cqe_visible_to_wakeup_us", visibleToCallbackUs);
            m.put("target_us", targetUs < 0 ? null : targetUs);
            m.put("backend_us", backendUs < 0 ? null : backendUs);
            return m;
        }
    }

    /** One of the slowest critical requests: when it completed and where its time went (µs; -1 unknown). */
    public record Slow(double atMs, String wallClock, double totalUs, double submitToSentUs, double sentToVisibleUs,
                       double visibleToCallbackUs, double targetUs) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at_ms", atMs);
            m.put("wall_clock", wallClock);
            m.put("total_us", totalUs);
            m.put("submit_to_sent_us", submitToSentUs);
            m.put("sent_to_visible_us", sentToVisibleUs);
            m.put("cqe_visible_to_wakeup_us", visibleToCallbackUs);
            m.put("target_us", targetUs < 0 ? null : targetUs);
            return m;
        }
    }

    /**
     * One side of the comparison.
     *
     * @param remoteCompletionRatio over both homed flows
     * @param target                the target's reactors from the start of the load (warm-up and measured interval;
     *                                counters as deltas, quantiles since the target started)
     */
    public record Side(boolean provenance, Latency critical, double criticalIops, double throughputMibPerS,
                       double remoteCompletionRatio, double criticalRemoteRatio, double throughputRemoteRatio,
                       List<Integer> criticalQueues, List<Integer> throughputQueues, Stages criticalStages,
                       Tail criticalTail, List<Slow> criticalSlowest, long errors, String firstError, List<ReactorSummary> target,
                       List<ThreadSched> scheduling, List<Turns> hostTurns, Warmup warmup, Raw raw) {
        public Side(boolean provenance, Latency critical, double criticalIops, double throughputMibPerS,
                    double remoteCompletionRatio, double criticalRemoteRatio, double throughputRemoteRatio,
                    List<Integer> criticalQueues, List<Integer> throughputQueues, Stages criticalStages,
                    Tail criticalTail, List<Slow> criticalSlowest, long errors, String firstError, List<ReactorSummary> target,
                    List<ThreadSched> scheduling, List<Turns> hostTurns, Warmup warmup) {
            this(provenance, critical, criticalIops, throughputMibPerS, remoteCompletionRatio, criticalRemoteRatio,
                    throughputRemoteRatio, criticalQueues, throughputQueues, criticalStages, criticalTail, criticalSlowest,
                    errors, firstError, target, scheduling, hostTurns, warmup, null);
        }

        Map<String, Object> remoteRatioPerFlow() {
            Map<String, Object> per = new LinkedHashMap<>();
            per.put("critical", criticalRemoteRatio);
            per.put("throughput", throughputRemoteRatio);
            return per;
        }

        /** The headline figures of one round, for the per-round list. */
        Map<String, Object> headline() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("critical", critical.json());
            m.put("throughput_mib_per_s", throughputMibPerS);
            m.put("remote_completion_ratio", remoteCompletionRatio);
            m.put("errors", errors);
            return m;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("provenance", provenance);
            Map<String, Object> c = critical.json();
            c.put("iops", criticalIops);
            m.put("critical", c);
            m.put("throughput_mib_per_s", throughputMibPerS);
            m.put("remote_completion_ratio", remoteCompletionRatio);
            m.put("remote_completion_ratio_per_flow", remoteRatioPerFlow());
            Map<String, Object> queues = new LinkedHashMap<>();
            queues.put("critical", criticalQueues);
            queues.put("throughput", throughputQueues);
            m.put("queues", queues);
            m.put("critical_stages", criticalStages == null ? null : criticalStages.json());
            m.put("critical_tail", criticalTail == null ? null : criticalTail.json());
            List<Map<String, Object>> slow = new ArrayList<>();
            if (criticalSlowest != null) {
                for (Slow x : criticalSlowest) {
                    slow.add(x.json());
                }
            }
            m.put("critical_slowest", slow);
            m.put("errors", errors);
            m.put("first_error", firstError);
            List<Map<String, Object>> t = new ArrayList<>();
            if (target != null) {
                for (ReactorSummary r : target) {
                    t.add(r.json());
                }
            }
            m.put("target_reactors_since_load_start", t);
            List<Map<String, Object>> sched = new ArrayList<>();
            if (scheduling != null) {
                for (ThreadSched ts : scheduling) {
                    sched.add(ts.json());
                }
            }
            m.put("reactor_scheduling", sched);
            List<Map<String, Object>> turns = new ArrayList<>();
            if (hostTurns != null) {
                for (Turns ht : hostTurns) {
                    turns.add(ht.json());
                }
            }
            m.put("host_reactor_turns", turns);
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("seconds", warmup == null ? 0 : warmup.seconds());
            w.put("jit_settled", warmup != null && warmup.jitSettled());
            m.put("warmup", w);
            return m;
        }
    }

    /**
     * How one reactor thread was scheduled over the measured interval: its CPU use, the time it was runnable but
     * kept off its core (run-queue wait) and how often it was preempted (involuntary context switches).
     */
    public record ThreadSched(String thread, double cpuPercent, double runQueueWaitMs, long involuntarySwitches) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("thread", thread);
            m.put("cpu_percent", cpuPercent);
            m.put("run_queue_wait_ms", runQueueWaitMs);
            m.put("involuntary_switches", involuntarySwitches);
            return m;
        }
    }

    /** Durations of a host reactor's turns over the measured interval (µs), and how many took over 1 ms. */
    public record Turns(String reactor, long turns, double p50Us, double p99Us, double p999Us, double maxUs,
                        long over1ms) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reactor", reactor);
            m.put("turns", turns);
            m.put("p50_us", p50Us);
            m.put("p99_us", p99Us);
            m.put("p999_us", p999Us);
            m.put("max_us", maxUs);
            m.put("over_1ms", over1ms);
            return m;
        }
    }

    /** How long the side warmed up, and whether the JIT compilers of host and target had gone quiet by then. */
    public record Warmup(double seconds, boolean jitSettled) {
    }

    /** CPU of one idle target reactor, percent of one core. */
    public record IdleCpu(double adaptivePercent, double busyPercent) {
    }

    /**
     * What a side's headline figures are computed from, so rounds can be pooled: every critical request of every
     * round in one histogram, bytes over seconds for throughput, completions for the remote ratio.
     */
    public record Raw(Histogram critical, long throughputBytes, double seconds, long remote, long completions,
                      long criticalRemote, long criticalCompletions, long throughputRemote, long throughputCompletions) {
    }

    /**
     * The remote-completion phase: the same two flows, each started on its own host reactor ({@code hostCores}, at
     * least two), so a completion can land on the wrong one. Only its ratios count; its latencies are not comparable
     * with the mixed-load run (two reactors may share a core).
     */
    public record RemotePhase(String hostCores, int hostReactors, double seconds, Side off, Side on) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host_cores", hostCores);
            m.put("host_reactors", hostReactors);
            m.put("seconds", seconds);
            for (Side s : List.of(off, on)) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("remote_completion_ratio", s.remoteCompletionRatio());
                one.put("remote_completion_ratio_per_flow", s.remoteRatioPerFlow());
                one.put("completions", s.raw() == null ? null : s.raw().completions());
                one.put("errors", s.errors());
                m.put(s.provenance() ? "on" : "off", one);
            }
            return m;
        }
    }

    /** remote_completion_ratio as reported: from the remote phase when it ran, else from the mixed load. */
    public double remoteRatio(Side side) {
        if (remote == null) {
            return side.remoteCompletionRatio();
        }
        return (side.provenance() ? remote.on() : remote.off()).remoteCompletionRatio();
    }

    /** A bar and whether this run met it. */
    public record Bar(String key, String description, boolean met, String detail) {
    }

    public List<Bar> bars() {
        List<Bar> bars = new ArrayList<>();
        double offP999 = off.critical().p999Us();
        double onP999 = on.critical().p999Us();
        double ratio = offP999 == 0 ? Double.NaN : onP999 / offP999;
        bars.add(new Bar("step_critical_p999", "step-critical p99.9 with provenance <= 0.5x without",
                offP999 > 0 && onP999 <= P999_RATIO_BAR * offP999,
                fmt("%.1f us vs %.1f us (%.2fx)", onP999, offP999, ratio)));
        double loss = off.throughputMibPerS() == 0 ? Double.NaN : 1 - on.throughputMibPerS() / off.throughputMibPerS();
        bars.add(new Bar("throughput_loss", "throughput loss <= 10%",
                off.throughputMibPerS() > 0 && loss <= THROUGHPUT_LOSS_BAR,
                fmt("%.1f MiB/s vs %.1f MiB/s (%+.1f%%)", on.throughputMibPerS(), off.throughputMibPerS(), -100 * loss)));
        bars.add(new Bar("remote_completion_ratio_on", "remote_completion_ratio = 0 with provenance on",
                remoteRatio(on) == 0 && on.remoteCompletionRatio() == 0,
                remote == null ? fmt("%.4f (without: %.4f)", on.remoteCompletionRatio(), off.remoteCompletionRatio())
                        : fmt("%.4f (without: %.4f) with %d host reactors on cores %s; mixed load %.4f", remoteRatio(on),
                        remoteRatio(off), remote.hostReactors(), remote.hostCores(), on.remoteCompletionRatio())));
        if (alone != null) {
            double iso = isolationRatio();
            bars.add(new Bar("isolation", "step-critical p99.9 beside the throughput flow <= 3x alone (provenance on)",
                    iso <= ISOLATION_BAR, Double.isNaN(iso)
                    ? fmt("%.1f us beside; the critical flow alone recorded no latency, so there is no ratio", onP999)
                    : fmt("%.1f us vs %.1f us alone (%.1fx)", onP999, alone.critical().p999Us(), iso)));
        }
        if (idle != null) {
            bars.add(new Bar("adaptive_idle", "adaptive idle reactor < 2% of a core",
                    idle.adaptivePercent() < ADAPTIVE_IDLE_BAR_PERCENT,
                    fmt("%.2f%% (busy: %.1f%%)", idle.adaptivePercent(), idle.busyPercent())));
        }
        return bars;
    }

    /** The critical flow's p99.9 with provenance beside the throughput flow over its p99.9 alone; NaN without both. */
    public double isolationRatio() {
        return alone == null || alone.critical().p999Us() == 0 ? Double.NaN : on.critical().p999Us() / alone.critical().p999Us();
    }

    public boolean allBarsMet() {
        return bars().stream().allMatch(Bar::met);
    }

    /** {@code {"off": {...}, "on": {...}, "idle_cpu_percent_per_reactor": {...}, "bars": {...}, "config": {...}}}. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Side side : List.of(off, on)) {
            Map<String, Object> sm = side.json();
            sm.put("remote_completion_ratio", remoteRatio(side));
            sm.put("remote_completion_ratio_mixed_load", side.remoteCompletionRatio());
            m.put(side.provenance() ? "on" : "off", sm);
        }
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (int i = 0; i < Math.max(offRounds.size(), onRounds.size()); i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("off", i < offRounds.size() ? offRounds.get(i).headline() : null);
            r.put("on", i < onRounds.size() ? onRounds.get(i).headline() : null);
            rounds.add(r);
        }
        m.put("rounds", rounds);
        m.put("remote_phase", remote == null ? null : remote.json());
        m.put("alone", alone == null ? null : alone.json());
        double iso = isolationRatio();
        m.put("isolation_ratio", Double.isNaN(iso) ? null : iso); // JSON has no NaN: null when there is no ratio
        Map<String, Object> idleMap = new LinkedHashMap<>();
        idleMap.put("adaptive", idle == null ? null : idle.adaptivePercent());
        idleMap.put("busy", idle == null ? null : idle.busyPercent());
        m.put("idle_cpu_percent_per_reactor", idleMap);
        Map<String, Object> barMap = new LinkedHashMap<>();
        for (Bar b : bars()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("met", b.met());
            one.put("description", b.description());
            one.put("detail", b.detail());
            barMap.put(b.key(), one);
        }
        m.put("bars", barMap);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("seconds", config.seconds());
        c.put("warmup_seconds", config.warmupSeconds());
        c.put("max_warmup_seconds", config.maxWarmupSeconds());
        c.put("target_cores", config.targetCores());
        c.put("target_reserve", config.targetReserve());
        c.put("host_cores", config.hostCores());
        c.put("host_reactors", config.hostReactors());
        c.put("host_pinned", config.hostPinned());
        c.put("throughput_queues_with_provenance", config.throughputQueuesOn());
        c.put("slices_per_side_and_round", config.slices());
        c.put("critical", config.criticalQueueDepth() + " x " + config.criticalIoSize() + " B random reads (STEP_CRITICAL)");
        c.put("critical_interval_us", config.criticalIntervalUs());
        c.put("throughput", config.throughputQueueDepth() + " x " + config.throughputIoSize() + " B random reads (THROUGHPUT)");
        m.put("config", c);
        return m;
    }

    private static String roundText(Side s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%.1f us / %.1f MiB/s", s.critical().p999Us(), s.throughputMibPerS());
    }

    /** The table for people. */
    public void printTable(PrintWriter out) {
        out.printf("Provenance benchmark: target reactor(s) on cores %s (busy), %s, %d host reactor(s) on cores %s%s, %d round(s) of %.0f s"
                        + " per side%s, figures pooled over the rounds%n",
                config.targetCores(), config.targetReserve() ? "its other JVM threads off them"
                        : "the whole target JVM confined to them", config.hostReactors(), config.hostCores(), config.hostPinned() ? "" : " (NOT pinned)",
                offRounds.size(), config.seconds(), config.slices() > 1
                        ? fmt(" in %d slices alternating off/on (ABBA)", config.slices()) : ", alternating off/on");
        out.printf("critical: QD%d x %d B random reads%s; throughput: QD%d x %d B random reads; null namespace%n",
                config.criticalQueueDepth(), config.criticalIoSize(), config.criticalIntervalUs() > 0
                        ? fmt(", each slot paced to at most one read per %d us", config.criticalIntervalUs()) : "",
                config.throughputQueueDepth(), config.throughputIoSize());
        out.printf("without provenance both flows round-robin over 2 I/O queues; with it the critical flow has its own"
                + " queue and the throughput flow %d other(s)%n%n", config.throughputQueuesOn());
        out.printf("%-34s %16s %16s%n", "", "provenance off", "provenance on");
        row(out, "critical p50 (us)", "%.1f", off.critical().p50Us(), on.critical().p50Us());
        row(out, "critical p99 (us)", "%.1f", off.critical().p99Us(), on.critical().p99Us());
        row(out, "critical p99.9 (us)", "%.1f", off.critical().p999Us(), on.critical().p999Us());
        row(out, "critical max (us)", "%.1f", off.critical().maxUs(), on.critical().maxUs());
        row(out, "critical IOPS", "%.0f", off.criticalIops(), on.criticalIops());
        if (alone != null) {
            out.printf("%-34s %16s %16s%n", "critical alone p50/p99.9 (us)", "-",
                    fmt("%.1f/%.1f", alone.critical().p50Us(), alone.critical().p999Us()));
            out.printf("%-34s %16s %16s%n", "isolation (p99.9 beside / alone)", "-", fmt("%.1fx", isolationRatio()));
        }
        row(out, "throughput (MiB/s)", "%.1f", off.throughputMibPerS(), on.throughputMibPerS());
        if (remote != null) {
            row(out, "remote ratio (" + remote.hostReactors() + " host reactors)", "%.4f", remoteRatio(off), remoteRatio(on));
        }
        row(out, "remote ratio (mixed load)", "%.4f", off.remoteCompletionRatio(), on.remoteCompletionRatio());
        out.printf("%-34s %16s %16s%n", "I/O queues (critical / throughput)",
                queues(off.criticalQueues()) + " / " + queues(off.throughputQueues()),
                queues(on.criticalQueues()) + " / " + queues(on.throughputQueues()));
        row(out, "errors", "%.0f", off.errors(), on.errors());
        out.printf("%-34s %16s %16s%n", "warm-up (s; JIT quiet?)", warm(off.warmup()), warm(on.warmup()));
        if (offRounds.size() > 1) {
            out.printf("%nper round (critical p99.9 us, throughput MiB/s):%n");
            for (int i = 0; i < Math.max(offRounds.size(), onRounds.size()); i++) {
                Side a = i < offRounds.size() ? offRounds.get(i) : null;
                Side b = i < onRounds.size() ? onRounds.get(i) : null;
                String change = a == null || b == null || a.throughputMibPerS() == 0 ? ""
                        : fmt(" (throughput %+.1f%%)", 100 * (b.throughputMibPerS() / a.throughputMibPerS() - 1));
                out.printf(Locale.ROOT, "  round %d: off %s, on %s%s%n", i + 1, roundText(a), roundText(b), change);
            }
        }
        if (idle != null) {
            out.printf("%nidle CPU per target reactor: adaptive %.2f%%, busy %.1f%% of one core%n", idle.adaptivePercent(),
                    idle.busyPercent());
        }
        out.printf("%nwhere the critical flow's time goes (us, p50 / p99 / p99.9):%n");
        stageRows(out, "submit -> capsule flushed", off.criticalStages() == null ? null : off.criticalStages().submitToSent(),
                on.criticalStages() == null ? null : on.criticalStages().submitToSent());
        stageRows(out, "flushed -> completion visible", off.criticalStages() == null ? null : off.criticalStages().sentToVisible(),
                on.criticalStages() == null ? null : on.criticalStages().sentToVisible());
        stageRows(out, "visible -> callback (wakeup)", off.criticalStages() == null ? null : off.criticalStages().visibleToCallback(),
                on.criticalStages() == null ? null : on.criticalStages().visibleToCallback());
        stageRows(out, "target received -> resp (DW1)", off.criticalStages() == null ? null : off.criticalStages().targetDw1(),
                on.criticalStages() == null ? null : on.criticalStages().targetDw1());
        out.printf("slowest 0.1%% of critical requests, mean us (total = submit->flushed + flushed->visible + visible->callback; target part from DW1):%n");
        tailRow(out, "provenance off", off.criticalTail());
        tailRow(out, "provenance on", on.criticalTail());
        for (Side s : List.of(off, on)) {
            if (s.criticalSlowest() != null && !s.criticalSlowest().isEmpty()) {
                StringBuilder b = new StringBuilder();
                for (Slow x : s.criticalSlowest().subList(0, Math.min(5, s.criticalSlowest().size()))) {
                    b.append(b.isEmpty() ? "" : ", ").append(fmt("%.0f us at %.0f ms", x.totalUs(), x.atMs()));
                }
                out.printf("  slowest, provenance %-3s %s%n", s.provenance() ? "on" : "off", b);
            }
        }
        for (Side s : List.of(off, on)) {
            if (s.target() != null) {
                for (ReactorSummary r : s.target()) {
                    out.printf("target %s, provenance %s (warm-up + measured): %s; %.1f%% idle turns; request p99.9 (us) %s%n", r.reactor(),
                            s.provenance() ? "on" : "off", commands(r), 100 * r.idleShare(), requestP999(r));
                }
            }
        }
        for (Side s : List.of(off, on)) {
            if (s.scheduling() != null) {
                for (ThreadSched ts : s.scheduling()) {
                    out.printf("scheduling, provenance %s: %-24s %5.1f%% CPU, preempted %d times, %.1f ms runnable but off its core%n",
                            s.provenance() ? "on" : "off", ts.thread(), ts.cpuPercent(), ts.involuntarySwitches(),
                            ts.runQueueWaitMs());
                }
            }
        }
        for (Side s : List.of(off, on)) {
            if (s.hostTurns() != null) {
                for (Turns t : s.hostTurns()) {
                    out.printf("host turns, provenance %s: %s %d turns, p50 %.1f / p99 %.1f / p99.9 %.1f / max %.0f us, %d over 1 ms%n",
                            s.provenance() ? "on" : "off", t.reactor(), t.turns(), t.p50Us(), t.p99Us(), t.p999Us(),
                            t.maxUs(), t.over1ms());
                }
            }
        }
        out.printf("%nbars:%n");
        for (Bar b : bars()) {
            out.printf("  [%s] %s: %s%n", b.met() ? "MET" : "NOT MET", b.description(), b.detail());
        }
        out.flush();
    }

    private static String commands(ReactorSummary r) {
        StringBuilder b = new StringBuilder();
        r.commands().forEach((cls, n) -> b.append(b.isEmpty() ? "" : ", ").append(n).append(' ').append(cls));
        return b.isEmpty() ? "no commands" : b + " commands";
    }

    private static String requestP999(ReactorSummary r) {
        StringBuilder b = new StringBuilder();
        r.latency().forEach((cls, l) -> {
            if (l.request().count() > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(cls).append(' ').append(fmt("%.0f", l.request().p999()));
            }
        });
        return b.isEmpty() ? "-" : b.toString();
    }

    private static void row(PrintWriter out, String label, String format, double offValue, double onValue) {
        out.printf("%-34s %16s %16s%n", label, fmt(format, offValue), fmt(format, onValue));
    }

    private static void stageRows(PrintWriter out, String label, Latency offL, Latency onL) {
        out.printf("  %-32s %16s %16s%n", label, triple(offL), triple(onL));
    }

    private static String triple(Latency l) {
        if (l == null || l.count() == 0) {
            return "-";
        }
        return fmt("%.0f/%.0f/%.0f", l.p50Us(), l.p99Us(), l.p999Us());
    }

    private static void tailRow(PrintWriter out, String label, Tail t) {
        if (t == null || t.requests() == 0) {
            out.printf("  %-16s -%n", label);
            return;
        }
        out.printf("  %-16s %d requests: total %.0f = %.0f + %.0f + %.0f%s%n", label, t.requests(), t.totalUs(),
                t.submitToSentUs(), t.sentToVisibleUs(), t.visibleToCallbackUs(),
                t.targetUs() < 0 ? "" : fmt("; target %.0f (backend %.0f), so wire + host receive %.0f", t.targetUs(),
                        t.backendUs(), t.sentToVisibleUs() - t.targetUs()));
    }

    private static String warm(Warmup w) {
        return w == null ? "-" : fmt("%.0f %s", w.seconds(), w.jitSettled() ? "yes" : "NO");
    }

    private static String queues(List<Integer> qids) {
        if (qids == null || qids.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (int q : qids) {
            b.append(b.isEmpty() ? "" : ",").append(q);
        }
        return b.toString();
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
