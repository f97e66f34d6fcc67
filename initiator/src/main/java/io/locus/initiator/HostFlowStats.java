package io.locus.initiator;

import org.HdrHistogram.Histogram;

/**
 * What the host recorded about one flow's completions (ARCHITECTURE.md, "Observability: one joined path"): where each
 * consumer ran, and the host's two last stages of every request. A snapshot: the histograms are copies.
 * <p>
 * Stages, in nanoseconds, per completion whose CQE the host parsed (failures the host made itself have no CQE and no
 * stage times):
 * <ul>
 *   <li>{@code cqe_visible_to_wakeup}: the CQE parsed on the queue's reactor → the consumer woken: the callback
 *       started (inline), the hand-off to the home reactor issued, or the blocked caller unparked.</li>
 *   <li>{@code wakeup_to_oncpu}: that wake-up → the consumer running: 0 for an inline callback; the home reactor
 *       picking the hand-off up; the blocked caller back on a CPU.</li>
 * </ul>
 * How each completion reached its consumer: {@code inline} (callback on the queue's reactor), {@code handedOff} (an
 * ANTI_MIGRATE flow completed on a reactor off its home CPU and ran on the home reactor), {@code noHomeReactor} (such a
 * flow had no reactor on its home CPU and ran inline), {@code blocking} (a blocking call: the waiting thread is the
 * consumer).
 * <p>
 * CPU samples, only for flows with a home CPU and only where the native library is loaded: {@code cpuSamples}
 * consumers' CPUs read, {@code offHomeCpu} of them not the home CPU, {@code migrations} (migrations_per_flow) how
 * often a consumer ran on another CPU than the flow's previous completion did.
 */
public record HostFlowStats(int flowId, long completions, long inline, long handedOff, long noHomeReactor,
                            long blocking, long cpuSamples, long offHomeCpu, long migrations,
                            Histogram cqeVisibleToWakeupNanos, Histogram wakeupToOnCpuNanos) {
    /** Longest stage a histogram holds; longer ones are recorded as this. */
    public static final long HIGHEST_NANOS = 10_000_000_000L;

    /** A flow the host has not seen complete. */
    public static HostFlowStats empty(int flowId) {
        return new HostFlowStats(flowId, 0, 0, 0, 0, 0, 0, 0, 0, newHistogram(), newHistogram());
    }

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_NANOS, 2);
    }

    /** What happened since {@code earlier} (a snapshot of the same flow taken before this one). */
    public HostFlowStats minus(HostFlowStats earlier) {
        Histogram visible = cqeVisibleToWakeupNanos.copy();
        visible.subtract(earlier.cqeVisibleToWakeupNanos);
        Histogram oncpu = wakeupToOnCpuNanos.copy();
        oncpu.subtract(earlier.wakeupToOnCpuNanos);
        return new HostFlowStats(flowId, completions - earlier.completions, inline - earlier.inline,
                handedOff - earlier.handedOff, noHomeReactor - earlier.noHomeReactor, blocking - earlier.blocking,
                cpuSamples - earlier.cpuSamples, offHomeCpu - earlier.offHomeCpu, migrations - earlier.migrations,
                visible, oncpu);
    }

    /** p50/p99/p99.9/max of a stage in microseconds (all 0 when empty). */
    public record Stage(long count, double p50Us, double p99Us, double p999Us, double maxUs) {
        public static Stage of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Stage(0, 0, 0, 0, 0);
            }
            return new Stage(h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        }
    }

    public Stage cqeVisibleToWakeup() {
        return Stage.of(cqeVisibleToWakeupNanos);
    }

    public Stage wakeupToOnCpu() {
        return Stage.of(wakeupToOnCpuNanos);
    }
}
