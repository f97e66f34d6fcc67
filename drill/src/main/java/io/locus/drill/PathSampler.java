package io.locus.drill;

import io.locus.initiator.MultipathNamespace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Samples a multipath namespace every {@link #POLL_MS} ms: each path's completions (commands sent down it less
 * those still in flight), summed into {@link #BUCKET_MS}-ms buckets as IOPS per path, beside the application's
 * successful completions (IOPS seen by the workload). Also answers when a path first completes I/O after a given
 * moment (fail-back).
 */
public final class PathSampler implements AutoCloseable {
    static final long POLL_MS = 10;
    static final long BUCKET_MS = 100;

    /** One bucket: its start (ms since the drill's origin), IOPS down each path, and the application's IOPS. */
    public record Sample(long atMs, long[] pathIops, long appIops) {
    }

    private final MultipathNamespace ns;
    private final LongSupplier appCompletions;
    private final long originNanos;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Completions per path at the last poll, and when each last grew (ns). */
    private final long[] completed;
    private final long[] lastGrowthNanos;

    public PathSampler(MultipathNamespace ns, LongSupplier appCompletions, long originNanos) {
        this.ns = ns;
        this.appCompletions = appCompletions;
        this.originNanos = originNanos;
        int n = ns.pathStatus().size();
        completed = new long[n];
        lastGrowthNanos = new long[n];
        thread = Thread.ofPlatform().daemon().name("locus-drill-sampler").unstarted(this::loop);
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        int n = completed.length;
        long[] bucketStart = new long[n];
        poll();
        synchronized (this) {
            System.arraycopy(completed, 0, bucketStart, 0, n);
        }
        long appStart = appCompletions.getAsLong();
        long bucketBegin = System.nanoTime();
        while (running) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
            poll();
            long now = System.nanoTime();
            if (now - bucketBegin >= TimeUnit.MILLISECONDS.toNanos(BUCKET_MS)) {
                double seconds = (now - bucketBegin) / 1e9;
                long[] iops = new long[n];
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        iops[i] = Math.round((completed[i] - bucketStart[i]) / seconds);
                        bucketStart[i] = completed[i];
                    }
                    long app = appCompletions.getAsLong();
                    samples.add(new Sample(TimeUnit.NANOSECONDS.toMillis(bucketBegin - originNanos), iops,
                            Math.round((app - appStart) / seconds)));
                    appStart = app;
                }
                bucketBegin = now;
            }
        }
    }

    private void poll() {
        List<MultipathNamespace.PathStatus> paths = ns.pathStatus();
        long now = System.nanoTime();
        synchronized (this) {
            for (int i = 0; i < completed.length && i < paths.size(); i++) {
                MultipathNamespace.PathStatus p = paths.get(i);
                long c = p.commands() - p.inflight();
                if (c > completed[i]) {
                    completed[i] = c;
                    lastGrowthNanos[i] = now;
                }
            }
        }
    }

    /**
     * Waits until path {@code path} completes I/O after {@code sinceNanos}, up to {@code timeoutMs}.
     *
     * @return ms from {@code sinceNanos} to the first poll that saw it grow, or -1 on time-out
     */
    public long awaitGrowth(int path, long sinceNanos, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (lastGrowthNanos[path] > sinceNanos) {
                    return TimeUnit.NANOSECONDS.toMillis(lastGrowthNanos[path] - sinceNanos);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
        return -1;
    }

    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
