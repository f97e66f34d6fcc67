package io.locus.initiator.bench;

import java.util.Comparator;
import java.util.List;

/** Turns the slowest requests kept by {@link TailSampler}s into the mean stage breakdown of a tail. */
final class Tails {
    private Tails() {
    }

    /**
     * @param rows      {total, submitToSent, sentToVisible, visibleToCallback, target, backend, ...} in ns (a stage
     *                  &lt; 0 is unknown; further columns are ignored)
     * @param completed requests completed in all
     * @param share     the tail to explain, e.g. 0.001 for the slowest 0.1%
     */
    static BenchResult.Tail summarize(List<long[]> rows, long completed, double share) {
        if (rows.isEmpty() || completed == 0) {
            return BenchResult.Tail.NONE;
        }
        int n = (int) Math.min(rows.size(), Math.max(1, Math.ceil(completed * share)));
        rows.sort(Comparator.comparingLong((long[] r) -> r[0]).reversed());
        double[] sum = new double[6];
        int[] known = new int[6];
        for (int i = 0; i < n; i++) {
            long[] r = rows.get(i);
            for (int s = 0; s < 6; s++) {
                if (r[s] >= 0) {
                    sum[s] += r[s];
                    known[s]++;
                }
            }
        }
        double[] mean = new double[6];
        for (int s = 0; s < 6; s++) {
            mean[s] = known[s] == 0 ? -1 : sum[s] / known[s] / 1000.0;
        }
        return new BenchResult.Tail(n, mean[0], mean[1], mean[2], mean[3], mean[4], mean[5]);
    }

    /**
     * The {@code n} slowest requests one by one, with when they completed (ms after {@code startNanos}, and wall
     * clock), to line up with GC, safepoint or scheduler logs.
     *
     * @param rows as for {@link #summarize}, with the completion time ({@link System#nanoTime()}) in column 6
     */
    static List<BenchResult.Slow> slowest(List<long[]> rows, int n, long startNanos, long startEpochMillis) {
        List<long[]> sorted = new java.util.ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong((long[] r) -> r[0]).reversed());
        List<BenchResult.Slow> out = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(n, sorted.size()); i++) {
            long[] r = sorted.get(i);
            double atMs = (r[6] - startNanos) / 1e6;
            out.add(new BenchResult.Slow(atMs, java.time.Instant.ofEpochMilli(startEpochMillis + (long) atMs).toString(),
                    r[0] / 1000.0, us(r[1]), us(r[2]), us(r[3]), us(r[4])));
        }
        return out;
    }

    private static double us(long ns) {
        return ns < 0 ? -1 : ns / 1000.0;
    }
}
