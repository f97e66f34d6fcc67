package io.locus.runtime;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptiveIdleTest {
    private static final long SPIN = 50_000;
    private static final long MAX_SLEEP = 10_000_000;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final List<Long> waits = new ArrayList<>();

    private AdaptiveIdle idle(IdleMode mode) {
        clock.update(1_000_000_000L);
        ReactorConfig config = new ReactorConfig("idle", -1, mode, SPIN, MAX_SLEEP, 64, 64, 1_000);
        return new AdaptiveIdle(config, clock, waits::add);
    }

    @Test
    void shouldSpinForTheSpinTimeAfterWorkThenBlockForAtMostTheMaxSleep() {
        AdaptiveIdle idle = idle(IdleMode.ADAPTIVE);
        assertFalse(idle.idle(3));
        clock.advance(SPIN - 1);
        assertFalse(idle.idle(0), "still within the spin time");
        clock.advance(1);
        assertTrue(idle.idle(0));
        assertEquals(List.of(MAX_SLEEP), waits);
        assertTrue(idle.idle(0), "a wait that timed out is not work: block again at once");
    }

    @Test
    void shouldKeepSpinningWhileALatencyWindowIsOpen() {
        AdaptiveIdle idle = idle(IdleMode.ADAPTIVE);
        idle.idle(1);
        idle.openLatencyWindow(clock.nanoTime(), 500_000);
        idle.openLatencyWindow(clock.nanoTime(), 100_000); // a shorter window does not shorten the open one
        for (int i = 0; i < 499; i++) {
            clock.advance(1_000);
            assertFalse(idle.idle(0), "window open at +" + (i + 1) + " µs");
        }
        assertTrue(waits.isEmpty());
        clock.advance(1_000);
        assertTrue(idle.idle(0), "the window closed at +500 µs");
    }

    @Test
    void shouldFollowAModeSwitchAtTheNextIdleTurn() {
        AdaptiveIdle idle = idle(IdleMode.ADAPTIVE);
        idle.mode(IdleMode.BUSY);
        clock.advance(1_000_000_000L);
        assertFalse(idle.idle(0), "busy now: spins past the spin time");
        assertTrue(waits.isEmpty());
        idle.mode(IdleMode.ADAPTIVE);
        assertTrue(idle.idle(0), "adaptive again: blocks");
        assertEquals(IdleMode.ADAPTIVE, idle.mode());
    }

    @Test
    void shouldNeverBlockInBusyMode() {
        AdaptiveIdle idle = idle(IdleMode.BUSY);
        clock.advance(1_000_000_000L);
        assertFalse(idle.idle(0));
        assertTrue(waits.isEmpty());
    }
}
