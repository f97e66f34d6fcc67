package io.locus.it;

import io.locus.it.vm.KernelVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/bench-target}'s last table with several rounds: per depth, the median over the rounds of each
 * target's IOPS and p99.9, and Locus's over SPDK's. Runs the script's own {@code summarize} function on rows as the
 * rounds leave them (no target, no client).
 */
@Timeout(60)
class BenchTargetSummaryTest {
    @Test
    void shouldGiveEachDepthTheMediansOfItsRoundsAndTheirRatios() throws Exception {
        Path script = KernelVm.locusRoot().resolve("scripts/bench-target");
        // target qd iops mibs avg p50 p99 p999 max, as run_client leaves them; QD32 has two rounds only (an even count).
        String rows = String.join("' '",
                "locus#1 1 50000 195 19 18 30 100 500", "spdk#1 1 40000 156 24 23 40 80 400",
                "locus#1 32 400000 1562 80 79 150 300 900", "spdk#1 32 500000 1953 64 63 120 200 800",
                "spdk#2 1 38000 148 26 25 41 90 410", "locus#2 1 60000 234 16 15 28 120 520",
                "spdk#2 32 420000 1640 76 75 130 260 700", "locus#2 32 480000 1875 67 66 140 280 950",
                "locus#3 1 57000 222 17 16 29 110 510", "spdk#3 1 43000 168 23 22 39 85 420");
        String cmd = "set -eu; eval \"$(sed -n '/^summarize() {/,/^}/p' '" + script + "')\"; results=('" + rows
                + "'); summarize";
        Process p = new ProcessBuilder(List.of("bash", "-c", cmd)).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "summarize did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of(
                // QD1: medians 57000 vs 40000 (1.43x), p99.9 110 vs 85 us (1.29x)
                "1 57000 40000 1.43 110.0 85.0 1.29",
                // QD32: means of the middle two (the only two) rounds: 440000 vs 460000, 290 vs 230 us
                "32 440000 460000 0.96 290.0 230.0 1.26"), out.lines().toList());
    }
}
