package io.locus.runtime;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void shouldTimeARunningReactorAndStopRecordingOnceStopped() throws Exception {
        try (Reactor r = new Reactor(ReactorConfig.defaults("timed", -1).withIdleMode(IdleMode.BUSY), ThreadPinning.NONE).start()) {
            TurnTimer t = TurnTimer.start(r);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.snapshot().getTotalCount() < 100 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(t.snapshot().getTotalCount() >= 100, "turns recorded: " + t.snapshot().getTotalCount());
            t.stop(r);
            long stopped = t.snapshot().getTotalCount();
            CountDownLatch more = new CountDownLatch(50);
            r.addPoller(new Poller() {
                @Override
                public int poll(int maxItems) {
                    more.countDown();
                    return 0;
                }

                @Override
                public String name() {
                    return "probe";
                }
            });
            assertTrue(more.await(5, TimeUnit.SECONDS));
            assertEquals(stopped, t.snapshot().getTotalCount(), "nothing recorded after stop");
        }
    }
}
