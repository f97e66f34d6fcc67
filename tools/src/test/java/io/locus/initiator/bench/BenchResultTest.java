package io.locus.initiator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.initiator.stats.ReactorSummary;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchResultTest {
    private static final BenchResult.Config CONFIG = new BenchResult.Config(10, 2, 60, "0", true, "1", 1, true, 1, 4096, 0, 32, 131072, 1, 1);

    static BenchResult.Side side(boolean provenance, double p999, double mib, double remote) {
        BenchResult.Latency crit = new BenchResult.Latency(p999 / 10, p999 / 2, p999, p999 * 1.5, 1000);
        BenchResult.Latency stage = new BenchResult.Latency(1, 2, 3, 4, 1000);
        BenchResult.Stages stages = new BenchResult.Stages(stage, stage, stage, provenance ? stage : null,
                provenance ? stage : null, 0);
        ReactorSummary target = new ReactorSummary("locus-reactor-0", Map.of("throughput", 10L), 1, 0, 0, 0, 100, 50, 0,
                10, 0, Map.of());
        return new BenchResult.Side(provenance, crit, 5000, mib, remote, remote, 0, List.of(1, 2), provenance ? List.of(2) : List.of(1, 2),
                stages, new BenchResult.Tail(2, p999, 1, p999 - 2, 1, provenance ? 5 : -1, provenance ? 1 : -1),
                List.of(new BenchResult.Slow(1234.5, "2026-11-24T07:00:01.234Z", p999, 1, p999 - 2, 1, provenance ? 5 : -1)), 0, null,
                List.of(target), List.of(new BenchResult.ThreadSched("target:locus-reactor-0", 99.5, 12.5, 40)),
                List.of(new BenchResult.Turns("locus-bench-0", 1000, 5, 50, 500, 2000, 3)), new BenchResult.Warmup(7, true));
    }

    private static BenchResult fake(double offP999, double onP999, double offMib, double onMib, double onRemote,
                                    BenchResult.IdleCpu idle) {
        return new BenchResult(CONFIG, side(false, offP999, offMib, 0.5), side(true, onP999, onMib, onRemote), idle);
    }

    @Test
    void shouldWriteTheAgreedJsonShapeWhenBuiltFromAMeasurement() throws Exception {
        BenchResult r = fake(400, 150, 1000, 950, 0, new BenchResult.IdleCpu(0.4, 99.8));
        String text = new ObjectMapper().writeValueAsString(r.json());
        JsonNode json = new ObjectMapper().readTree(text);
        for (String side : List.of("off", "on")) {
            JsonNode s = json.get(side);
            assertTrue(s.get("critical").get("p50_us").isNumber(), side);
            assertTrue(s.get("critical").get("p99_us").isNumber(), side);
            assertTrue(s.get("critical").get("p999_us").isNumber(), side);
            assertTrue(s.get("throughput_mib_per_s").isNumber(), side);
            assertTrue(s.get("remote_completion_ratio").isNumber(), side);
        }
        assertEquals(400.0, json.get("off").get("critical").get("p999_us").asDouble());
        assertEquals(150.0, json.get("on").get("critical").get("p999_us").asDouble());
        assertEquals(950.0, json.get("on").get("throughput_mib_per_s").asDouble());
        assertEquals(0.5, json.get("off").get("remote_completion_ratio").asDouble());
        assertEquals(0.4, json.get("idle_cpu_percent_per_reactor").get("adaptive").asDouble());
        assertEquals(99.8, json.get("idle_cpu_percent_per_reactor").get("busy").asDouble());
        assertTrue(json.get("bars").get("step_critical_p999").get("met").asBoolean());
        assertTrue(json.get("on").get("target_reactors_since_load_start").get(0).has("idle_share"));
        assertTrue(json.get("off").get("critical_stages").get("target_dw1").isNull());
        assertEquals(1234.5, json.get("on").get("critical_slowest").get(0).get("at_ms").asDouble());
        assertEquals(3, json.get("on").get("host_reactor_turns").get(0).get("over_1ms").asLong());
        assertTrue(json.get("off").get("critical_slowest").get(0).get("target_us").isNull());
        assertEquals(12.5, json.get("on").get("reactor_scheduling").get(0).get("run_queue_wait_ms").asDouble());
        assertTrue(json.get("on").get("critical_stages").get("cqe_visible_to_wakeup").get("p99_us").isNumber());
    }

    @Test
    void shouldJudgeIsolationAgainstTheCriticalFlowAlone() throws Exception {
        BenchResult.Side off = side(false, 400, 1000, 0);
        BenchResult.Side on = side(true, 150, 950, 0);
        BenchResult within = new BenchResult(CONFIG, off, on, null, List.of(off), List.of(on), null, side(true, 50, 0, 0));
        BenchResult beyond = new BenchResult(CONFIG, off, on, null, List.of(off), List.of(on), null, side(true, 49, 0, 0));
        assertEquals(3.0, within.isolationRatio(), 1e-9);
        assertTrue(bar(within, "isolation").met(), "150 us beside the throughput flow against 50 us alone: 3x");
        assertFalse(bar(beyond, "isolation").met(), "against 49 us alone: over 3x");
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(within.json()));
        assertEquals(3.0, json.get("isolation_ratio").asDouble(), 1e-9);
        assertEquals(50.0, json.get("alone").get("critical").get("p999_us").asDouble());
        StringWriter table = new StringWriter();
        within.printTable(new PrintWriter(table));
        assertTrue(table.toString().contains("isolation (p99.9 beside / alone)"), table.toString());
        assertTrue(fake(400, 150, 1000, 950, 0, null).bars().stream().noneMatch(b -> b.key().equals("isolation")),
                "no bar without the alone measurement");
    }

    @Test
    void shouldWriteNoIsolationRatioAndMeetNoBarWhenTheFlowAloneRecordedNothing() throws Exception {
        BenchResult.Side off = side(false, 400, 1000, 0);
        BenchResult.Side on = side(true, 150, 950, 0);
        BenchResult empty = new BenchResult(CONFIG, off, on, null, List.of(off), List.of(on), null, side(true, 0, 0, 0));
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(empty.json()));
        assertTrue(json.get("isolation_ratio").isNull(), "null, not the string \"NaN\": " + json.get("isolation_ratio"));
        BenchResult.Bar isolation = bar(empty, "isolation");
        assertFalse(isolation.met());
        assertTrue(isolation.detail().contains("recorded no latency"), isolation.detail());
    }

    private static BenchResult.Bar bar(BenchResult r, String key) {
        return r.bars().stream().filter(b -> b.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void shouldMeetEveryBarWhenProvenanceHalvesTheTailAtSmallCost() {
        BenchResult r = fake(400, 200, 1000, 900, 0, new BenchResult.IdleCpu(1.9, 100));
        assertTrue(r.allBarsMet(), r.bars().toString());
        assertEquals(4, r.bars().size());
    }

    @Test
    void shouldMissTheBarsWhenTheTailIsNotHalvedOrThroughputDropsOrCompletionsAreRemote() {
        BenchResult r = fake(400, 201, 1000, 899, 0.01, new BenchResult.IdleCpu(2.0, 100));
        assertFalse(r.allBarsMet());
        for (BenchResult.Bar b : r.bars()) {
            assertFalse(b.met(), b.toString());
        }
    }

    @Test
    void shouldLeaveIdleOutWhenItWasNotMeasured() throws Exception {
        BenchResult r = fake(400, 100, 1000, 1000, 0, null);
        assertEquals(3, r.bars().size());
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r.json()));
        assertTrue(json.get("idle_cpu_percent_per_reactor").get("adaptive").isNull());
    }

    @Test
    void shouldPrintTableWithBothSidesAndBarsWhenRendered() {
        StringWriter text = new StringWriter();
        fake(400, 150, 1000, 950, 0, new BenchResult.IdleCpu(0.4, 99.8)).printTable(new PrintWriter(text));
        String s = text.toString();
        assertTrue(s.contains("provenance off") && s.contains("provenance on"), s);
        assertTrue(s.matches("(?s).*critical p99\\.9 \\(us\\)\\s+400\\.0\\s+150\\.0.*"), s);
        assertTrue(s.contains("[MET] step-critical p99.9 with provenance <= 0.5x without"), s);
        assertTrue(s.contains("adaptive 0.40%"), s);
        assertTrue(s.contains("1,2 / 1,2"), s);
    }
}
