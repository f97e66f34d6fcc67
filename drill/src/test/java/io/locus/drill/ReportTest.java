package io.locus.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    static ScenarioResult result(String name, long pause, long failed, long lost, long verify, long failback) {
        List<String> missed = ScenarioResult.missedGoals(pause, 1000, failed, lost, verify, failback);
        return new ScenarioResult(name, missed.isEmpty() ? ScenarioResult.PASS : ScenarioResult.FAIL,
                String.join("; ", missed), "round-robin", pause, 2000, 1000, failed, lost, verify, failback, 12345, 10,
                20, 300, List.of(new ScenarioResult.Window(1500, 2500, "kill -9")), List.of("a note"), List.of(),
                null, List.of(new PathSampler.Sample(0, new long[] {100, 200}, 300),
                new PathSampler.Sample(100, new long[] {0, 400}, 400)), List.of("node 0", "node 1"));
    }

    @Test
    void shouldPassOnlyWhenEveryGoalIsMet() {
        assertTrue(ScenarioResult.missedGoals(999, 1000, 0, 0, 0, 5).isEmpty());
        assertEquals(List.of("longest pause 1000 ms, goal < 1000 ms"),
                ScenarioResult.missedGoals(1000, 1000, 0, 0, 0, 5));
        assertEquals(List.of("1 I/O(s) failed to the application", "2 acknowledged write(s) lost",
                        "3 verify failure(s)", "the faulted path carried no I/O again after the repair"),
                ScenarioResult.missedGoals(10, 1000, 1, 2, 3, -1));
    }

    @Test
    void shouldPrintOneRowPerScenarioAndWhatEachMissed() {
        String table = Report.table(List.of(result("kill", 85, 0, 0, 0, 572), result("freeze", 4274, 0, 1, 0, 22),
                ScenarioResult.skipped("delay", "tc netem unavailable here")));
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("scenario  result  longest pause ms (goal)"), lines[0]);
        assertTrue(lines[2].matches("kill\\s+PASS\\s+85 \\(< 1000\\)\\s+0\\s+0\\s+0\\s+572\\s+12345"), lines[2]);
        assertTrue(lines[3].matches("freeze\\s+FAIL\\s+4274 \\(< 1000\\)\\s+0\\s+1\\s+0\\s+22\\s+12345"), lines[3]);
        assertTrue(lines[4].matches("delay\\s+SKIP(\\s+-){6}"), lines[4]);
        assertTrue(table.contains("freeze: 1 acknowledged write(s) lost; longest pause 4274 ms, goal < 1000 ms"), table);
        assertTrue(table.contains("delay: skipped: tc netem unavailable here"), table);
        assertTrue(table.contains("kill: a note"), table);
    }

    @Test
    void shouldWriteTheFiguresAsJsonWithoutTheSamples() throws Exception {
        JsonNode root = new ObjectMapper().readTree(Report.json(3000, List.of(result("kill", 85, 0, 0, 0, 572)
                .withSvg("/out/kill.svg"))));
        assertEquals(3000, root.get("keep_alive_timeout_ms").asInt());
        JsonNode k = root.get("scenarios").get(0);
        assertEquals("kill", k.get("scenario").asText());
        assertEquals("pass", k.get("status").asText());
        assertEquals(85, k.get("longest_pause_ms").asLong());
        assertEquals(0, k.get("failed_ios").asLong());
        assertEquals(0, k.get("acknowledged_writes_lost").asLong());
        assertEquals(0, k.get("verify_failures").asLong());
        assertEquals(572, k.get("failback_ms").asLong());
        assertEquals(1500, k.get("faults").get(0).get("from_ms").asLong());
        assertEquals("/out/kill.svg", k.get("svg").asText());
        assertFalse(k.has("samples"));
    }
}
