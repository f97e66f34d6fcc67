package io.locus.initiator.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The warm-up runs in two rounds, so the JIT has compiled the end of a round (drain, reset, flow-stats snapshot)
 * before the timed run starts the same way: with one round the timed run's first second recompiled the receive path.
 */
class PerfWarmUpTest {
    @Test
    void shouldWarmUpInTwoRoundsTheFirstAThirdOfTheTime() {
        double[] rounds = Perf.warmUpRounds(15);
        assertEquals(2, rounds.length);
        assertEquals(5, rounds[0], 1e-9);
        assertEquals(15, rounds[0] + rounds[1], 1e-9, "the rounds add up to the warm-up asked for");
    }
}
