package io.locus.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PauseMeterTest {
    @Test
    void shouldKeepTheLongestGapAndWhereItBegan() {
        PauseMeter m = new PauseMeter(1_000);
        m.completed(1_500);
        m.completed(1_600);
        m.completed(9_600); // 8000 ns without a completion
        m.completed(9_700);
        m.completed(9_650); // a completion reported late by another thread is no gap
        assertEquals(8_000, m.longestNanos());
        assertEquals(1_600, m.longestStartNanos());
    }

    @Test
    void shouldCountTheTimeBeforeTheFirstCompletion() {
        PauseMeter m = new PauseMeter(0);
        m.completed(5_000);
        assertEquals(5_000, m.longestNanos());
        assertEquals(0, m.longestStartNanos());
    }
}
