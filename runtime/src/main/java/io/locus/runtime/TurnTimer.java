package io.locus.runtime;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long a reactor's turns take (transport, messages, pollers): a poller that does no work and records the
 * time since its previous call. A long turn is time in which work already waiting (a completion in the socket, a
 * command in the ring) is not looked at; a preempted reactor shows up as one long turn. In adaptive idle mode an idle
 * turn includes its sleep. It reads the clock it is given once per turn; on a reactor that is the reading the turn
 * took just before calling it ({@link Reactor#clockReading()}), so timing turns costs no clock read. No allocation.
 *
 * <p>Single writer: only the reactor's thread records (into a {@link SingleWriterRecorder}, wait-free). Any other
 * thread may take a {@link #snapshot()} at any time; snapshots are serialized among readers, as in the target's
 * {@code ReactorStats}.
 */
public final class TurnTimer implements Poller {
    /** Longest turn recorded; longer ones are recorded as this. */
    public static final long HIGHEST_NANOS = 60_000_000_000L;

    private final NanoClock clock;
    private final SingleWriterRecorder recorder;
    /** Reader side: everything recorded so far (guarded by this). */
    private final Histogram total;
    /** Reader side: recycled interval histogram (guarded by this). */
    private Histogram interval;
    /** Writer side: when the previous turn reached this poller (0: no previous turn). */
    private long last;

    /** A timer with three significant digits. */
    public TurnTimer() {
        this(3);
    }

    public TurnTimer(int significantDigits) {
        this(significantDigits, Reactor.SYSTEM_CLOCK);
    }

    /** A timer reading {@code clock} (its reactor's, so a manual clock times manual turns). */
    public TurnTimer(int significantDigits, NanoClock clock) {
        this.clock = clock;
        this.recorder = new SingleWriterRecorder(1, HIGHEST_NANOS, significantDigits);
        this.total = new Histogram(1, HIGHEST_NANOS, significantDigits);
    }

    /**
     * Creates a timer and adds it to {@code reactor}'s pollers. It reads the reactor's {@link Reactor#clockReading()},
     * which the turn took just before calling it, instead of the clock a second time.
     */
    public static TurnTimer start(Reactor reactor) {
        TurnTimer t = new TurnTimer(3, reactor::clockReading);
        reactor.addPoller(t);
        return t;
    }

    @Override
    public int poll(int maxItems) {
        long now = clock.nanoTime();
        if (last != 0) {
            recorder.recordValue(Math.min(now - last, HIGHEST_NANOS));
        }
        last = now;
        return 0;
    }

    @Override
    public String name() {
        return "turn-timer";
    }

    /**
     * Forgets the turns so far, and the turn in progress. Call it on the reactor's thread (as a message), so the next
     * turn starts a fresh interval.
     */
    public synchronized void reset() {
        recorder.reset();
        total.reset();
        last = 0;
    }

    /** Every turn recorded so far, in nanoseconds: a copy the caller owns. Any thread. */
    public synchronized Histogram snapshot() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total.copy();
    }

    /**
     * Removes this timer from {@code reactor} and waits until the reactor has gone past the removal, so nothing is
     * recorded after this returns. On the reactor's own thread (an invoker's owner) it is removed at once.
     *
     * @throws IllegalStateException when the reactor does not answer within 5 s
     */
    public void stop(Reactor reactor) throws InterruptedException {
        reactor.removePoller(this);
        if (reactor.inReactor()) {
            return;
        }
        CountDownLatch gone = new CountDownLatch(1);
        reactor.execute(gone::countDown);
        if (!gone.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("reactor " + reactor.name() + " did not answer");
        }
    }
}
