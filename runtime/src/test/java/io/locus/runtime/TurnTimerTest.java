package io.locus.runtime;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(30)
class TurnTimerTest {
    @Test
    void shouldRecordOneIntervalPerTurnAfterTheFirst() {
        TurnTimer t = new TurnTimer();
        assertEquals(0, t.snapshot().getTotalCount());
        for (int i = 0; i < 10; i++) {
            assertEquals(0, t.poll(64), "a timer does no work");
        }
        Histogram h = t.snapshot();
        assertEquals(9, h.getTotalCount(), "ten turns make nine intervals");
        assertEquals(9, t.snapshot().getTotalCount(), "snapshots are cumulative, not drained");
        t.poll(64);
        assertEquals(9, h.getTotalCount(), "a snapshot is a copy");
        assertEquals(10, t.snapshot().getTotalCount());
    }

    @Test
    void shouldForgetTurnsAndTheTurnInProgressWhenReset() {
        TurnTimer t = new TurnTimer();
        for (int i = 0; i < 5; i++) {
            t.poll(64);
        }
        t.snapshot();
        t.reset();
        assertEquals(0, t.snapshot().getTotalCount());
        t.poll(64);
        assertEquals(0, t.snapshot().getTotalCount(), "the first turn after a reset starts a fresh interval");
        t.poll(64);
        assertEquals(1, t.snapshot().getTotalCount());
    }

    @Test
    void shouldLoseNoTurnWhenAnotherThreadSnapshotsWhileTheWriterRecords() throws Exception {
        TurnTimer t = new TurnTimer();
        int turns = 200_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            long previous = 0;
            while (!done.get()) {
                long count = t.snapshot().getTotalCount();
                if (count < previous) {
                    problem.set("count went back from " + previous + " to " + count);
                }
                previous = count;
            }
        });
        reader.start();
        for (int i = 0; i < turns; i++) {
            t.poll(64);
        }
        done.set(true);
        reader.join();
        assertNull(problem.get());
        assertEquals(turns - 1, t.snapshot().getTotalCount());
    }

    @Test
    void shouldTimeEachTurnOfAReactorOnItsClockAndStopRecordingOnceStopped() throws Exception {
        CachedNanoClock clock = new CachedNanoClock();
        clock.update(1_000_000_000L);
        try (Reactor r = Reactor.invoker(ReactorConfig.defaults("timed", -1), clock)) {
            TurnTimer t = TurnTimer.start(r);
            for (int i = 0; i < 100; i++) {
                r.invoke();
                clock.advance(1_000 * (i + 1));
            }
            Histogram h = t.snapshot();
            assertEquals(99, h.getTotalCount(), "a hundred turns make 99 intervals");
            assertEquals(1_000, h.getMinValue(), 1, "the second turn came 1 µs after the first");
            assertEquals(99_000, h.getMaxValue(), 100, "the last turn came 99 µs after the one before");
            t.stop(r);
            for (int i = 0; i < 50; i++) {
                r.invoke();
                clock.advance(1_000);
            }
            assertEquals(99, t.snapshot().getTotalCount(), "nothing recorded after stop");
        }
    }

    @Test
    void shouldTimeTurnsWithTheReadingTheTurnTookInsteadOfReadingTheClockAgain() throws Exception {
        CachedNanoClock time = new CachedNanoClock();
        time.update(1_000_000_000L);
        long[] reads = {0};
        org.agrona.concurrent.NanoClock counting = () -> {
            reads[0]++;
            return time.nanoTime();
        };
        try (Reactor r = Reactor.invoker(ReactorConfig.defaults("counted", -1), counting)) {
            r.invoke();
            long before = reads[0];
            r.invoke();
            long perTurn = reads[0] - before;
            TurnTimer t = TurnTimer.start(r);
            r.invoke(); // the timer's first call: no interval yet
            for (int i = 0; i < 10; i++) {
                time.advance(2_000);
                before = reads[0];
                r.invoke();
                assertEquals(perTurn + 1, reads[0] - before,
                        "one more poller: the turn's read before it, and none by the timer itself");
                assertEquals(time.nanoTime(), r.clockReading(), "the reading is the clock as the turn read it");
            }
            Histogram h = t.snapshot();
            assertEquals(10, h.getTotalCount());
            assertEquals(2_000, h.getMinValue(), 1, "each turn came 2 µs after the one before");
            assertEquals(2_000, h.getMaxValue(), 2);
        }
    }
}
