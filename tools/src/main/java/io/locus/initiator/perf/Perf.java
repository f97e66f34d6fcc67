package io.locus.initiator.perf;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.Flow;
import io.locus.initiator.HostFlowStats;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A load generator in the manner of spdk_nvme_perf: one worker per I/O queue, each on that queue's reactor with a
 * fixed queue depth; IOPS, throughput and HdrHistogram latency percentiles at the end, a progress report every
 * second. Callable from code; {@code locus perf} wraps it.
 *
 * <pre>{@code
 * PerfResult r = Perf.run(controller, PerfConfig.of(Workload.RANDREAD, 32, 4096, 10), Perf.Progress.NONE);
 * }</pre>
 */
public final class Perf {
    public static final int MAX_REPORTED_FAILURES = 20;
    /** How long to wait past the end for in-flight commands before calling them lost. */
    static final long DRAIN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Called once a second from the thread that called {@link #run}. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (second, iops, mibPerSec, ios) -> {
        };

        void onSecond(int second, double iops, double mibPerSec, long totalIos);
    }

    private Perf() {
    }

    /** Connects, runs, disconnects: the queues and their depth follow the configuration. */
    public static PerfResult run(TransportId target, HostIdentity host, ControllerOptions options, PerfConfig config,
                                 Progress progress) {
        options.ioQueues(Math.max(options.ioQueues(), config.queues()));
        if (options.queueSize() < config.queueDepth() + 1) {
            options.queueSize(config.queueDepth() + 1);
        }
        try (Controller ctrl = Controller.connect(target, host, options)) {
            return run(ctrl, config, progress);
        }
    }

    /** Runs on a connected controller. */
    public static PerfResult run(Controller ctrl, PerfConfig config, Progress progress) {
        Namespace base = ctrl.namespace(config.nsid());
        int lbaSize = base.lbaSize();
        if (config.ioSize() % lbaSize != 0) {
            throw new IllegalArgumentException("I/O size " + config.ioSize() + " is not a multiple of the namespace's "
                    + lbaSize + "-byte blocks");
        }
        int queues = Math.min(config.queues(), ctrl.ioQueueCount());
        if (queues < config.queues()) {
            System.getLogger(Perf.class.getName()).log(System.Logger.Level.WARNING,
                    "the controller granted " + queues + " I/O queues; running on " + queues + " instead of " + config.queues());
        }
        for (int i = 0; i < queues; i++) {
            if (config.queueDepth() > ctrl.ioQueue(i).depth()) {
                throw new IllegalArgumentException("queue depth " + config.queueDepth() + " is more than the "
                        + ctrl.ioQueue(i).depth() + " commands an I/O queue holds; raise the queue size");
            }
        }
        long totalUnits = units(config, base.blocks() * lbaSize, queues);
        List<PerfWorker> workers = new ArrayList<>();
        for (int i = 0; i < queues; i++) {
            long first = totalUnits * i / queues;
            long end = totalUnits * (i + 1) / queues;
            workers.add(new PerfWorker(base.onQueue(i), config, first, end - first, config.seed() * 31 + i));
        }
        Flow flow = config.flow();
        return drive(config, workers, () -> start(ctrl, workers, flow),
                flow != null ? () -> ctrl.flowStats(flow.id()) : () -> null, progress);
    }

    /**
     * Runs on a multipath namespace: one worker per reactor of {@code reactors}, each submitting from its reactor,
     * so each path's controller must run its queues on the same reactors ({@link ControllerOptions#reactors}): a
     * command, its failover to another path and its resumption after a hold then all complete on the worker's own
     * thread.
     */
    public static PerfResult run(MultipathNamespace ns, ReactorGroup reactors, PerfConfig config, Progress progress) {
        int lbaSize = ns.lbaSize();
        if (config.ioSize() % lbaSize != 0) {
            throw new IllegalArgumentException("I/O size " + config.ioSize() + " is not a multiple of the namespace's "
                    + lbaSize + "-byte blocks");
        }
        int queues = reactors.size();
        long totalUnits = units(config, ns.blocks() * lbaSize, queues);
        List<PerfWorker> workers = new ArrayList<>();
        for (int i = 0; i < queues; i++) {
            long first = totalUnits * i / queues;
            long end = totalUnits * (i + 1) / queues;
            workers.add(new PerfWorker(ns, config, first, end - first, config.seed() * 31 + i));
        }
        return drive(config, workers, () -> {
            for (int i = 0; i < workers.size(); i++) {
                reactors.get(i).execute(workers.get(i));
            }
        }, () -> null, progress);
    }

    /** I/O units in the working set, checked against the queues and the verify bookkeeping. */
    private static long units(PerfConfig config, long nsBytes, int queues) {
        long workingSet = config.workingSetBytes() > 0 ? Math.min(config.workingSetBytes(), nsBytes) : nsBytes;
        long totalUnits = workingSet / config.ioSize();
        if (totalUnits < queues) {
            throw new IllegalArgumentException("the working set (" + workingSet + " bytes) holds fewer than one "
                    + config.ioSize() + "-byte I/O per queue");
        }
        if (config.verify() && totalUnits / queues <= config.queueDepth()) {
            throw new IllegalArgumentException("--verify needs more than queue-depth I/O units per queue in the working set ("
                    + totalUnits / queues + " per queue here); use a larger --size or a smaller queue depth");
        }
        if (config.verify() && totalUnits / queues > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--verify tracks each I/O unit; limit the working set with --size");
        }
        return totalUnits;
    }

    /** Prefill (with verify), warm-up, the timed run and the summary; {@code starter} sets every worker going. */
    private static PerfResult drive(PerfConfig config, List<PerfWorker> workers, Runnable starter,
                                    Supplier<HostFlowStats> flowStats, Progress progress) {
        int queues = workers.size();
        try {
            if (config.verify()) {
                CountDownLatch prefill = new CountDownLatch(queues);
                for (PerfWorker w : workers) {
                    w.preparePrefill(prefill);
                }
                starter.run();
                awaitAll(prefill, Long.MAX_VALUE, workers, null, 0, config);
                long prefillErrors = workers.stream().mapToLong(w -> w.errors).sum();
                if (prefillErrors > 0) {
                    throw new NvmeException("--verify could not write the working set: " + workers.stream()
                            .map(w -> w.firstError).filter(e -> e != null).findFirst().orElse("errors"));
                }
                for (PerfWorker w : workers) {
                    w.writes = 0;
                    w.errors = 0;
                }
            }
            if (config.warmupSeconds() > 0) {
                // Two rounds, each ended as the timed run starts (deadline, drain, reset, a flow-stats snapshot): the
                // JIT meets a round's end in the first and compiles it in the second. With one round, the drain took
                // branches the compiled hot path had never taken and the snapshot flipped its flow recorders' phase,
                // so the receive path was deoptimized and compiled again in the timed run's first second.
                for (double seconds : warmUpRounds(config.warmupSeconds())) {
                    warmUp(seconds, workers, starter, flowStats, config);
                }
            }
            long[] before = new long[queues];
            for (int i = 0; i < queues; i++) {
                before[i] = workers.get(i).completed();
            }
            HostFlowStats flowBefore = flowStats.get();
            long startNanos = System.nanoTime();
            long lost = runFor(startNanos, config.seconds(), workers, starter, progress, config);
            long endNanos = System.nanoTime();
            HostFlowStats flowAfter = flowStats.get();
            HostFlowStats flow = flowBefore != null && flowAfter != null ? flowAfter.minus(flowBefore) : null;
            return summarize(config, workers, before, queues, (endNanos - startNanos) / 1e9, lost, flow);
        } finally {
            for (PerfWorker w : workers) {
                w.release();
            }
        }
    }

    /**
     * Runs every worker from {@code startNanos} (now) until {@code seconds} later, then waits for them to drain.
     *
     * @param progress per-second reports, or null
     * @return what {@link #awaitAll} returns
     */
    private static long runFor(long startNanos, double seconds, List<PerfWorker> workers, Runnable starter,
                               Progress progress, PerfConfig config) {
        CountDownLatch done = new CountDownLatch(workers.size());
        long deadline = startNanos + (long) (seconds * 1e9);
        for (PerfWorker w : workers) {
            w.prepareTimed(deadline, done);
        }
        starter.run();
        return awaitAll(done, deadline + DRAIN_GRACE_NANOS, workers, progress, startNanos, config);
    }

    /**
     * How a warm-up of {@code seconds} is split: a first round of a third, then the rest, so that the end of a round
     * (which the timed run's start repeats) is compiled before the timed run.
     */
    static double[] warmUpRounds(double seconds) {
        double first = seconds / 3;
        return new double[] {first, seconds - first};
    }

    /** One warm-up round of {@code seconds}: not measured, drained, forgotten, and its flow stats read. */
    private static void warmUp(double seconds, List<PerfWorker> workers, Runnable starter,
                               Supplier<HostFlowStats> flowStats, PerfConfig config) {
        runFor(System.nanoTime(), seconds, workers, starter, null, config);
        for (PerfWorker w : workers) {
            w.resetMeasurements();
        }
        flowStats.get();
    }

    /**
     * Starts each worker where its completions will run: its queue's reactor, or for an ANTI_MIGRATE flow the
     * reactor on the flow's home CPU (its completions are handed there), so a worker only ever runs on one thread.
     */
    private static void start(Controller ctrl, List<PerfWorker> workers, Flow flow) {
        Reactor home = flow != null && (flow.flags() & Flow.ANTI_MIGRATE) != 0 ? ctrl.homeReactor(flow.homeCpu()) : null;
        for (int i = 0; i < workers.size(); i++) {
            (home != null ? home : ctrl.ioQueue(i).reactor()).execute(workers.get(i));
        }
    }

    /** Waits for the workers to drain, reporting each second; returns how many commands never came back. */
    private static long awaitAll(CountDownLatch latch, long giveUpNanos, List<PerfWorker> workers, Progress progress,
                                 long startNanos, PerfConfig config) {
        long lastIos = total(workers);
        long lastNanos = System.nanoTime();
        int second = 0;
        try {
            while (true) {
                long now = System.nanoTime();
                long nextReport = progress == null ? now + 100_000_000L : startNanos + (second + 1) * 1_000_000_000L;
                long wait = Math.max(0, Math.min(nextReport, giveUpNanos) - now);
                if (latch.await(wait, TimeUnit.NANOSECONDS)) {
                    return 0;
                }
                now = System.nanoTime();
                if (now - giveUpNanos >= 0) {
                    return latch.getCount();
                }
                if (progress != null && now - nextReport >= 0) {
                    second++;
                    long ios = total(workers);
                    double secs = (now - lastNanos) / 1e9;
                    double iops = (ios - lastIos) / secs;
                    progress.onSecond(second, iops, iops * config.ioSize() / (1024.0 * 1024.0), ios);
                    lastIos = ios;
                    lastNanos = now;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NvmeException("perf run interrupted");
        }
    }

    private static long total(List<PerfWorker> workers) {
        long sum = 0;
        for (PerfWorker w : workers) {
            sum += w.completed();
        }
        return sum;
    }

    private static PerfResult summarize(PerfConfig config, List<PerfWorker> workers, long[] before, int queues,
                                        double seconds, long lostWorkers, HostFlowStats flow) {
        Histogram all = new Histogram(1, PerfWorker.HIGHEST_NANOS, 3);
        long ios = 0;
        long reads = 0;
        long writes = 0;
        long errors = 0;
        long verifyFailures = 0;
        List<PerfResult.VerifyFailure> failures = new ArrayList<>();
        String firstError = null;
        for (int i = 0; i < workers.size(); i++) {
            PerfWorker w = workers.get(i);
            all.add(w.histogram);
            ios += w.completed() - before[i];
            reads += w.reads;
            writes += w.writes;
            errors += w.errors;
            verifyFailures += w.verifyFailures;
            for (PerfResult.VerifyFailure f : w.failures) {
                if (failures.size() < MAX_REPORTED_FAILURES) {
                    failures.add(f);
                }
            }
            if (firstError == null) {
                firstError = w.firstError;
            }
        }
        if (lostWorkers > 0) {
            errors += lostWorkers;
            if (firstError == null) {
                firstError = "commands on " + lostWorkers + " queue(s) did not complete within "
                        + TimeUnit.NANOSECONDS.toSeconds(DRAIN_GRACE_NANOS) + " s after the end of the run";
            }
        }
        double iops = ios / seconds;
        double mib = iops * config.ioSize() / (1024.0 * 1024.0);
        PerfResult.Latency latency = all.getTotalCount() == 0
                ? new PerfResult.Latency(0, 0, 0, 0, 0)
                : new PerfResult.Latency(all.getMean() / 1000.0, all.getValueAtPercentile(50) / 1000.0,
                all.getValueAtPercentile(99) / 1000.0, all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0);
        return new PerfResult(config.workload().cliName(), config.ioSize(), config.queueDepth(), queues, seconds, ios, reads,
                writes, iops, mib, latency, errors, verifyFailures, List.copyOf(failures), firstError, flow);
    }
}
