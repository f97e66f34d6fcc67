package io.locus.initiator;

import io.locus.nativeio.Affinity;

/**
 * Not a test: what one CPU read on the completion path costs (the migrations_per_flow sample). A plain loop, no JMH:
 * warm up, then time 10 M calls a few times and print ns per call beside System.nanoTime() for scale. Run it with
 * the test class path, e.g.
 * {@code java -cp initiator/target/test-classes:initiator/target/classes:tools/target/lib/* io.locus.initiator.CpuProbeCost}.
 */
public final class CpuProbeCost {
    private static final int CALLS = 10_000_000;

    private CpuProbeCost() {
    }

    public static void main(String[] args) {
        if (!CpuProbe.AVAILABLE) {
            System.out.println("native library unavailable: nothing to measure");
            return;
        }
        FlowRecorders.Lane lane = new FlowRecorders().newWriter().lane(1);
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += Affinity.currentCpu();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += CpuProbe.currentCpu();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                lane.sampleCpu(CpuProbe.currentCpu(), 0);
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += System.nanoTime();
            }
            long t4 = System.nanoTime();
            System.out.printf("round %d: Affinity.currentCpu %.1f ns, CpuProbe.currentCpu %.1f ns, sample + count %.1f ns, System.nanoTime %.1f ns%n",
                    round, (t1 - t0) / (double) CALLS, (t2 - t1) / (double) CALLS, (t3 - t2) / (double) CALLS,
                    (t4 - t3) / (double) CALLS);
        }
        System.out.println(sink == 42 ? "" : "(samples " + lane.cpuSamples + ")");
    }
}
