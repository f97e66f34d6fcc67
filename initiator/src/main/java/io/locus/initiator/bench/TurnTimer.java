package io.locus.initiator.bench;

import io.locus.runtime.Poller;
import io.locus.runtime.Reactor;
import org.HdrHistogram.Histogram;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long a host reactor's turns take (transport, messages, pollers): a poller that does no work and
 * records the time since its previous call. A long turn is time in which a completion already in the socket waits;
 * a preempted reactor shows up as one long turn. One {@link System#nanoTime()} per turn, no allocation.
 */
final class TurnTimer implements Poller {
    private final Reactor reactor;
    private final Histogram turns = new Histogram(1, FlowWorker.HIGHEST_NANOS, 3);
    private long last;

    private TurnTimer(Reactor reactor) {
        this.reactor = reactor;
    }

    /** Starts timing the turns of {@code reactor}. */
    static TurnTimer start(Reactor reactor) {
        TurnTimer t = new TurnTimer(reactor);
        reactor.addPoller(t);
        return t;
    }

    /** Forgets the turns so far; only on the reactor's thread. */
    void reset() {
        turns.reset();
        last = 0;
    }

    @Override
    public int poll(int maxItems) {
        long now = System.nanoTime();
        if (last != 0) {
            turns.recordValue(Math.min(now - last, FlowWorker.HIGHEST_NANOS));
        }
        last = now;
        return 0;
    }

    @Override
    public String name() {
        return "bench-turn-timer";
    }

    /** Stops timing and returns the turn durations (µs) of the reactor named {@code label}. */
    BenchResult.Turns stop(String label) throws InterruptedException {
        reactor.removePoller(this);
        // A message after the removal: once it has run, the poller is gone and its histogram is safe to read here.
        CountDownLatch gone = new CountDownLatch(1);
        reactor.execute(gone::countDown);
        if (!gone.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("host reactor " + reactor.name() + " did not answer");
        }
        Histogram h = turns;
        long over1ms = h.getTotalCount() == 0 ? 0 : h.getCountBetweenValues(1_000_000, h.getMaxValue());
        return new BenchResult.Turns(label, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                over1ms);
    }
}
