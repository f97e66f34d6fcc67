package io.locus.initiator.bench;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * Pools the rounds of one side of the benchmark. Throughput on this machine kind swings between runs by more than the
 * 10% the bar allows, so the benchmark alternates off and on several times and pools: every critical request of
 * every round in one histogram, all bytes over all measured seconds, all completions for the remote ratios. The
 * detail (stage breakdown, slowest requests, scheduling) is the last round's; the warm-up is the first's (the one
 * that waited for the JIT; later slices of a round warm up briefly).
 */
final class RoundPool {
    private static final double MIB = 1024.0 * 1024.0;

    private RoundPool() {
    }

    static BenchResult.Side pool(List<BenchResult.Side> rounds) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no rounds to pool");
        }
        if (rounds.size() == 1) {
            return rounds.getFirst();
        }
        Histogram critical = new Histogram(1, FlowWorker.HIGHEST_NANOS, 3);
        long bytes = 0;
        double seconds = 0;
        long remote = 0;
        long all = 0;
        long criticalRemote = 0;
        long criticalAll = 0;
        long throughputRemote = 0;
        long throughputAll = 0;
        long errors = 0;
        String firstError = null;
        for (BenchResult.Side s : rounds) {
            BenchResult.Raw r = s.raw();
            if (r == null) {
                throw new IllegalArgumentException("a round without its raw figures cannot be pooled");
            }
            critical.add(r.critical());
            bytes += r.throughputBytes();
            seconds += r.seconds();
            remote += r.remote();
            all += r.completions();
            criticalRemote += r.criticalRemote();
            criticalAll += r.criticalCompletions();
            throughputRemote += r.throughputRemote();
            throughputAll += r.throughputCompletions();
            errors += s.errors();
            if (firstError == null) {
                firstError = s.firstError();
            }
        }
        BenchResult.Side last = rounds.getLast();
        return new BenchResult.Side(last.provenance(), MixedLoad.latency(critical), critical.getTotalCount() / seconds,
                bytes / seconds / MIB, ratio(remote, all), ratio(criticalRemote, criticalAll),
                ratio(throughputRemote, throughputAll), last.criticalQueues(), last.throughputQueues(),
                last.criticalStages(), last.criticalTail(), last.criticalSlowest(), errors, firstError, last.target(),
                last.scheduling(), last.hostTurns(), rounds.getFirst().warmup(),
                new BenchResult.Raw(critical, bytes, seconds, remote, all, criticalRemote, criticalAll, throughputRemote,
                        throughputAll));
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }
}
