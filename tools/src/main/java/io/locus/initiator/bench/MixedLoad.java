package io.locus.initiator.bench;

import io.locus.initiator.Controller;
import io.locus.initiator.Flow;
import io.locus.initiator.LatencyClass;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.stats.ReactorSummary;
import io.locus.initiator.stats.RemoteCompletions;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One side of the benchmark on a connected controller with two I/O queues: a STEP_CRITICAL flow (QD1 small random
 * reads) beside a THROUGHPUT flow (QD32 large random reads), each started on its home reactor.
 * <ul>
 *   <li>generic (steered = false): every flow's commands go round-robin over both I/O queues, so the critical flow
 *   shares connections with bulk traffic;</li>
 *   <li>steered (steered = true): commands go through an unfixed handle, and the library steers by the flow (the
 *   critical flow gets the first queue of its reactor, the bulk flow another).</li>
 * </ul>
 */
final class MixedLoad {
    static final long DRAIN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final double TAIL_SHARE = 0.001;
    /** Slowest critical requests listed one by one in the result. */
    static final int SLOWEST_LISTED = 10;

    /** JIT compiler CPU below this share of a core over a warm-up second counts as quiet. */
    static final double JIT_QUIET_PERCENT = 2.0;
    /** Quiet seconds in a row that end the warm-up (once the minimum has passed). */
    static final int JIT_QUIET_SECONDS = 2;

    /**
     * @param warmupSeconds    least warm-up; 0 for none
     * @param maxWarmupSeconds most warm-up while waiting for the JIT compilers to go quiet
     * @param throughputQueues steered mode: I/O queues the bulk flow spreads over, beside the critical flow's own
     *                         (1: steered by its flow like the critical one)
     * @param criticalIntervalMicros least microseconds between the starts of two reads of a critical slot; 0: none
     */
    record Spec(double seconds, double warmupSeconds, double maxWarmupSeconds, int criticalQueueDepth,
                int criticalIoSize, int throughputQueueDepth, int throughputIoSize, int criticalBudgetMicros,
                long seed, int throughputQueues, int criticalIntervalMicros) {

        /** The same load with other timing: {@code seconds} measured after {@code warmup} to {@code maxWarmup} s. */
        Spec timed(double measured, double warmup, double maxWarmup) {
            return new Spec(measured, warmup, maxWarmup, criticalQueueDepth, criticalIoSize, throughputQueueDepth,
                    throughputIoSize, criticalBudgetMicros, seed, throughputQueues, criticalIntervalMicros);
        }

        /** The critical flow alone: the same load without the throughput flow. */
        Spec alone() {
            return new Spec(seconds, warmupSeconds, maxWarmupSeconds, criticalQueueDepth, criticalIoSize, 0,
                    throughputIoSize, criticalBudgetMicros, seed, throughputQueues, criticalIntervalMicros);
        }
    }

    private MixedLoad() {
    }

    /**
     * @param scrape reads the target's per-reactor metrics (called before the load starts and after the measured
     *               interval, so counters cover warm-up and measurement), or null
     * @param sched  watches the reactor threads over the measured interval, or null
     * @param jit    CPU time (ns) of the JIT compiler threads of host and target: the warm-up lasts until they go
     *               quiet (between the spec's least and most warm-up); null for a fixed warm-up
     */
    static BenchResult.Side run(Controller ctrl, ReactorGroup host, boolean steered, Spec spec,
                                Supplier<List<ReactorSummary>> scrape, SchedProbe sched, LongSupplier jit)
            throws InterruptedException {
        if (ctrl.ioQueueCount() < 2) {
            throw new NvmeException("the benchmark needs 2 I/O queues; the controller granted " + ctrl.ioQueueCount());
        }
        List<Thread> threads = reactorThreads(host);
        Reactor criticalHome = host.get(0);
        Reactor bulkHome = host.get(host.size() - 1);
        Namespace ns = ctrl.namespace(ctrl.activeNamespaces().getFirst());
        Namespace[] routes = steered ? new Namespace[] {ns} : new Namespace[] {ns.onQueue(0), ns.onQueue(1)};
        Namespace[] bulkRoutes = routes;
        if (steered && spec.throughputQueues() > 1) {
            // The critical flow keeps the first queue; the bulk flow goes round-robin over the others, as many
            // connections as it has in the generic mode.
            if (ctrl.ioQueueCount() < 1 + spec.throughputQueues()) {
                throw new NvmeException("the controller granted " + ctrl.ioQueueCount() + " I/O queues, not "
                        + (1 + spec.throughputQueues()));
            }
            bulkRoutes = new Namespace[spec.throughputQueues()];
            for (int i = 0; i < bulkRoutes.length; i++) {
                bulkRoutes[i] = ns.onQueue(1 + i);
            }
        }
        int maxIo = ns.maxBlocksPerCommand() * ns.lbaSize();
        if (spec.throughputIoSize() > maxIo || spec.criticalIoSize() > maxIo) {
            throw new IllegalArgumentException("the target takes at most " + maxIo + " bytes per command; the benchmark"
                    + " does not split commands (that path allocates)");
        }
        // Generic mode uses none of the flow features (the library would otherwise hand an ANTI_MIGRATE completion
        // to its home reactor itself, and that is part of what is being compared).
        Flow critical = new Flow(1, LatencyClass.STEP_CRITICAL, Math.max(-1, criticalHome.cpu()), 0,
                steered ? Flow.ANTI_MIGRATE : 0, spec.criticalBudgetMicros());
        Flow bulk = new Flow(2, LatencyClass.THROUGHPUT, Math.max(-1, bulkHome.cpu()), 0, steered ? Flow.BOUNDED_BATCH : 0, 0);
        boolean dw1 = ctrl.provenanceEnabled();
        FlowWorker c = new FlowWorker("critical", critical, routes, spec.criticalQueueDepth(), spec.criticalIoSize(), dw1,
                new RemoteCompletions(threads, threads.get(0)), spec.seed(),
                TimeUnit.MICROSECONDS.toNanos(spec.criticalIntervalMicros()), criticalHome);
        FlowWorker b = new FlowWorker("throughput", bulk, bulkRoutes, spec.throughputQueueDepth(), spec.throughputIoSize(), dw1,
                new RemoteCompletions(threads, threads.get(threads.size() - 1)), spec.seed() + 1, 0, bulkHome);
        try {
            // One continuous load: warm-up, then the measured interval, with no pause between them (a restart would
            // put a burst of throughput requests right at the start of the measurement).
            // Instruments go in before the load, so the reactors' code is compiled with them (adding a poller later
            // would deoptimize the reactor loop right at the start of the measurement).
            List<TurnTimer> timers = new ArrayList<>();
            for (Reactor r : host.reactors()) {
                timers.add(TurnTimer.start(r));
            }
            // The target is scraped before the load and after the measurement only: a scrape at the start of the
            // measured interval sets the target's core busy (rendering, then JIT) a few hundred ms into it.
            List<ReactorSummary> before = scrape == null ? null : scrape.get();
            CountDownLatch done = new CountDownLatch(c.queueDepth() + b.queueDepth());
            c.start(done);
            b.start(done);
            bulkHome.execute(b);
            criticalHome.execute(c);
            double warmed = 0;
            boolean settled = jit == null;
            if (spec.warmupSeconds() > 0) {
                long lastJit = jit == null ? 0 : jit.getAsLong();
                int quiet = 0;
                while (true) {
                    long t0 = System.nanoTime();
                    Thread.sleep(jit == null ? (long) (spec.warmupSeconds() * 1000) : 1000);
                    double took = (System.nanoTime() - t0) / 1e9;
                    warmed += took;
                    if (jit != null) {
                        long now = jit.getAsLong();
                        quiet = 100.0 * (now - lastJit) / 1e9 / took < JIT_QUIET_PERCENT ? quiet + 1 : 0;
                        lastJit = now;
                        settled = quiet >= JIT_QUIET_SECONDS;
                    }
                    if (warmed >= spec.warmupSeconds() && settled || warmed >= spec.maxWarmupSeconds()) {
                        break;
                    }
                }
            }
            if (sched != null) {
                sched.begin();
            }
            // Each reactor forgets the warm-up in its own lanes (single writer), then the interval starts.
            CountDownLatch reset = new CountDownLatch(host.size());
            for (int i = 0; i < host.size(); i++) {
                int slot = i;
                TurnTimer timer = timers.get(i);
                host.get(i).execute(() -> {
                    c.resetSlot(slot);
                    b.resetSlot(slot);
                    timer.reset();
                    reset.countDown();
                });
            }
            if (!reset.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("host reactors did not answer");
            }
            long start = System.nanoTime();
            long startMillis = System.currentTimeMillis();
            long deadline = start + (long) (spec.seconds() * 1e9);
            c.stopAt(deadline);
            b.stopAt(deadline);
            if (!done.await(deadline - System.nanoTime() + DRAIN_GRACE_NANOS, TimeUnit.NANOSECONDS)) {
                throw new NvmeException(done.getCount() + " command(s) did not complete within "
                        + TimeUnit.NANOSECONDS.toSeconds(DRAIN_GRACE_NANOS) + " s after the end of the run");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<BenchResult.ThreadSched> scheduling = sched == null ? null : sched.end();
            List<BenchResult.Turns> turns = new ArrayList<>();
            for (int i = 0; i < timers.size(); i++) {
                turns.add(timers.get(i).stop(host.get(i).name()));
            }
            List<ReactorSummary> target = null;
            if (scrape != null) {
                List<ReactorSummary> after = scrape.get();
                target = new ArrayList<>();
                for (ReactorSummary a : after) {
                    ReactorSummary match = before.stream().filter(x -> x.reactor().equals(a.reactor())).findFirst().orElse(null);
                    target.add(match == null ? a : a.minus(match));
                }
            }
            List<BenchResult.Slow> slowest = Tails.slowest(c.tailRows(), SLOWEST_LISTED, start, startMillis);
            return side(dw1, c, b, seconds, target, scheduling, turns, new BenchResult.Warmup(warmed, settled), slowest);
        } finally {
            c.release();
            b.release();
        }
    }

    static BenchResult.Side side(boolean provenance, FlowWorker c, FlowWorker b, double seconds,
                                 List<ReactorSummary> target, List<BenchResult.ThreadSched> scheduling,
                                 List<BenchResult.Turns> turns, BenchResult.Warmup warmup, List<BenchResult.Slow> slowest) {
        long remote = c.where().remote() + b.where().remote();
        long all = c.where().completions() + b.where().completions();
        BenchResult.Stages stages = new BenchResult.Stages(latency(c, l -> l.submitToSent),
                latency(c, l -> l.sentToVisible), latency(c, l -> l.visibleToCallback),
                provenance ? latency(c, l -> l.targetDw1) : null, provenance ? latency(c, l -> l.backendDw1) : null,
                c.unknownStages());
        String firstError = c.firstError() != null ? c.firstError() : b.firstError();
        Histogram total = c.merged(l -> l.total);
        BenchResult.Raw raw = new BenchResult.Raw(total, b.bytes(), seconds, remote, all, c.where().remote(),
                c.where().completions(), b.where().remote(), b.where().completions());
        return new BenchResult.Side(provenance, latency(total), c.completions() / seconds,
                b.bytes() / seconds / (1024.0 * 1024.0), RemoteCompletions.ratio(remote, all), c.where().ratio(),
                b.where().ratio(), c.queues(), b.queues(), stages, Tails.summarize(c.tailRows(), c.completions(), TAIL_SHARE),
                slowest, c.errors() + b.errors(),
                firstError, target, scheduling, turns, warmup, raw);
    }

    static BenchResult.Latency latency(FlowWorker w, Function<FlowWorker.Lane, Histogram> which) {
        return latency(w.merged(which));
    }

    static BenchResult.Latency latency(Histogram h) {
        if (h.getTotalCount() == 0) {
            return BenchResult.Latency.NONE;
        }
        return new BenchResult.Latency(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, h.getTotalCount());
    }

    /** The threads of the host reactors, in group order. */
    static List<Thread> reactorThreads(ReactorGroup group) throws InterruptedException {
        Thread[] found = new Thread[group.size()];
        CountDownLatch latch = new CountDownLatch(group.size());
        for (int i = 0; i < group.size(); i++) {
            int at = i;
            group.get(i).execute(() -> {
                found[at] = Thread.currentThread();
                latch.countDown();
            });
        }
        if (!latch.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("host reactors did not answer");
        }
        return List.of(found);
    }
}
