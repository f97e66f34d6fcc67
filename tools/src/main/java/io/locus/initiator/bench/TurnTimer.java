package io.locus.initiator.bench;

import io.locus.runtime.Reactor;
import org.HdrHistogram.Histogram;

/**
 * The bench's view of a host reactor's turn durations: the runtime's {@link io.locus.runtime.TurnTimer} (shared with
 * the target's per-reactor turn metrics) on one reactor, reported as {@link BenchResult.Turns}.
 */
final class TurnTimer {
    private final Reactor reactor;
    private final io.locus.runtime.TurnTimer timer;

    private TurnTimer(Reactor reactor, io.locus.runtime.TurnTimer timer) {
        this.reactor = reactor;
        this.timer = timer;
    }

    /** Starts timing the turns of {@code reactor}. */
    static TurnTimer start(Reactor reactor) {
        return new TurnTimer(reactor, io.locus.runtime.TurnTimer.start(reactor));
    }

    /** Forgets the turns so far; only on the reactor's thread. */
    void reset() {
        timer.reset();
    }

    /** Stops timing and returns the turn durations (µs) of the reactor named {@code label}. */
    BenchResult.Turns stop(String label) throws InterruptedException {
        timer.stop(reactor);
        Histogram h = timer.snapshot();
        long over1ms = h.getTotalCount() == 0 ? 0 : h.getCountBetweenValues(1_000_000, h.getMaxValue());
        return new BenchResult.Turns(label, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                over1ms);
    }
}
