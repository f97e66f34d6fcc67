package io.locus.initiator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundPoolTest {
    private static final BenchResult.Config CONFIG = new BenchResult.Config(10, 2, 60, "0", true, "1", 1, true, 1, 4096, 0, 32, 131072, 1, 1);

    /** A round whose critical requests all took {@code criticalUs}, with {@code mib} MiB read in {@code seconds}. */
    private static BenchResult.Side round(boolean provenance, long criticalUs, int requests, double mib, double seconds,
                                          long remote, long completions) {
        Histogram h = new Histogram(1, FlowWorker.HIGHEST_NANOS, 3);
        h.recordValueWithCount(criticalUs * 1000, requests);
        long bytes = (long) (mib * 1024 * 1024);
        return new BenchResult.Side(provenance, MixedLoad.latency(h), requests / seconds, mib / seconds,
                (double) remote / completions, (double) remote / completions, 0, List.of(1), List.of(2), null, null,
                List.of(), 0, null, List.of(), List.of(), List.of(), new BenchResult.Warmup(5, true),
                new BenchResult.Raw(h, bytes, seconds, remote, completions, remote, completions, 0, 0));
    }

    @Test
    void shouldPoolEveryRequestBytesAndCompletionOfAllRounds() {
        // Round 1: 998 fast requests, 1000 MiB in 10 s; round 2: 2 slow requests among 1000, 3000 MiB in 10 s.
        BenchResult.Side a = round(true, 100, 998, 1000, 10, 0, 1000);
        BenchResult.Side b = round(true, 5000, 2, 3000, 10, 10, 1000);
        BenchResult.Side pooled = RoundPool.pool(List.of(a, b));
        assertEquals(200.0, pooled.throughputMibPerS(), 1e-9, "all bytes over all seconds, not the mean of two rates");
        assertEquals(1000, pooled.critical().count());
        assertTrue(pooled.critical().p999Us() > 4000, "the slow requests of round 2 set the pooled p99.9: " + pooled.critical());
        assertTrue(pooled.critical().p50Us() < 200, pooled.critical().toString());
        assertEquals(10.0 / 2000, pooled.remoteCompletionRatio(), 1e-12);
        assertEquals(50.0, pooled.criticalIops(), 1e-9, "1000 requests over 20 s");
    }

    @Test
    void shouldReturnTheOnlyRoundAsItIsAndRefuseRoundsWithoutRawFigures() {
        BenchResult.Side a = round(false, 100, 10, 10, 1, 0, 10);
        assertEquals(a, RoundPool.pool(List.of(a)));
        BenchResult.Side noRaw = new BenchResult.Side(false, a.critical(), 1, 1, 0, 0, 0, List.of(), List.of(), null, null,
                List.of(), 0, null, List.of(), List.of(), List.of(), null);
        assertThrows(IllegalArgumentException.class, () -> RoundPool.pool(List.of(a, noRaw)));
    }

    @Test
    void shouldTakeRemoteRatiosFromTheRemotePhaseAndListTheRounds() throws Exception {
        BenchResult.Side off = round(false, 4000, 100, 1000, 10, 0, 1000);
        BenchResult.Side on = round(true, 200, 100, 1000, 10, 0, 1000);
        BenchResult.RemotePhase remote = new BenchResult.RemotePhase("1,1", 2, 3,
                round(false, 4000, 100, 100, 3, 500, 1000), round(true, 200, 100, 100, 3, 0, 1000));
        BenchResult r = new BenchResult(CONFIG, off, on, null, List.of(off, off), List.of(on, on), remote);
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r.json()));
        assertEquals(0.5, json.get("off").get("remote_completion_ratio").asDouble());
        assertEquals(0.0, json.get("on").get("remote_completion_ratio").asDouble());
        assertEquals(0.0, json.get("off").get("remote_completion_ratio_mixed_load").asDouble());
        assertEquals(2, json.get("rounds").size());
        assertEquals(2, json.get("remote_phase").get("host_reactors").asInt());
        assertTrue(json.get("bars").get("remote_completion_ratio_on").get("met").asBoolean());

        BenchResult.RemotePhase leaky = new BenchResult.RemotePhase("1,1", 2, 3, remote.off(),
                round(true, 200, 100, 100, 3, 1, 1000));
        BenchResult bad = new BenchResult(CONFIG, off, on, null, List.of(off), List.of(on), leaky);
        assertFalse(bad.bars().stream().filter(x -> x.key().equals("remote_completion_ratio_on")).findFirst().orElseThrow().met(),
                "a remote completion with provenance on in the remote phase misses the bar");
    }
}
