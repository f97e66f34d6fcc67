package io.locus.initiator.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BenchPartsTest {
    @Test
    void shouldLetTheTargetJvmUseEveryCpuOnlyWhenReserving() {
        Path script = Path.of("/opt/locus/scripts/locus-target");
        // The bench JVM runs pinned to the host's core; its child must be let out of that mask to reserve core 0.
        List<String> reserved = TargetProcess.command(script, "0", "0-15", true, "busy", true, 4420, 9464);
        assertEquals(List.of("taskset", "-c", "0-15", script.toString(), "--listen", "127.0.0.1:4420",
                "--discovery-port", "0", "--null", "64G", "--cores", "0", "--reserve", "on", "--idle", "busy",
                "--provenance", "on", "--metrics", "127.0.0.1:9464"), reserved);
        List<String> confined = TargetProcess.command(script, "0", "0", true, "adaptive", false, 4420, -1);
        assertEquals(List.of("taskset", "-c", "0", script.toString(), "--listen", "127.0.0.1:4420", "--discovery-port",
                "0", "--null", "64G", "--cores", "0", "--reserve", "off", "--idle", "adaptive", "--provenance", "off"),
                confined);
        assertEquals(script.toString(), TargetProcess.command(script, "0", "0-1", false, "busy", true, 1, -1).get(0),
                "without taskset the target runs in the bench's own mask");
    }

    @Test
    void shouldKeepTheSlowestRequestsWhenTheSamplerIsFull() {
        TailSampler t = new TailSampler(3);
        for (long v : new long[] {5, 1, 9, 3, 7, 2, 8}) {
            t.offer(v, v * 10, -1, 0, 0, 0, v * 100);
        }
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            kept.add(t.total(i));
            assertEquals(t.total(i) * 10, t.stage(i, 0));
        }
        kept.sort(null);
        assertEquals(List.of(7L, 8L, 9L), kept);
        t.reset();
        assertEquals(0, t.size());
    }

    @Test
    void shouldAverageStagesOfTheSlowestShareWhenSummarizingTheTail() {
        List<long[]> rows = new ArrayList<>();
        rows.add(new long[] {1_000, 100, 800, 100, -1, -1});
        rows.add(new long[] {9_000, 1_000, 7_000, 1_000, 2_000, 1_000});
        rows.add(new long[] {5_000, 1_000, 3_000, 1_000, -1, -1});
        BenchResult.Tail tail = Tails.summarize(rows, 1000, 0.002); // slowest 2 of 1000
        assertEquals(2, tail.requests());
        assertEquals(7.0, tail.totalUs());
        assertEquals(1.0, tail.submitToSentUs());
        assertEquals(5.0, tail.sentToVisibleUs());
        assertEquals(2.0, tail.targetUs()); // only the known one
        assertEquals(BenchResult.Tail.NONE, Tails.summarize(new ArrayList<>(), 0, 0.001));
    }

    @Test
    void shouldListTheSlowestRequestsWithTheirCompletionTimeWhenAsked() {
        List<long[]> rows = new ArrayList<>();
        rows.add(new long[] {1_000, 100, 800, 100, -1, -1, 5_000_000});
        rows.add(new long[] {9_000, 1_000, 7_000, 1_000, 2_000, 1_000, 3_000_000});
        List<BenchResult.Slow> slow = Tails.slowest(rows, 1, 1_000_000, 0);
        assertEquals(1, slow.size());
        assertEquals(9.0, slow.getFirst().totalUs());
        assertEquals(2.0, slow.getFirst().atMs());
        assertEquals("1970-01-01T00:00:00.002Z", slow.getFirst().wallClock());
        assertEquals(2.0, slow.getFirst().targetUs());
        assertEquals(-1, Tails.slowest(rows, 2, 0, 0).get(1).targetUs());
    }

    @Test
    void shouldReadCpuTimeWhenStatLineNameHasSpacesAndParentheses() {
        String stat = "1234 (C2 Compiler (x)) S 1 1 1 0 -1 4194368 100 0 0 0 250 37 0 0 20 0 30 0 100 1000 10";
        assertEquals(287, ThreadCpu.parseStatTicks(stat));
        assertEquals(123456789L, ThreadCpu.parseSchedstat("123456789 5555 42\n"));
        assertEquals(50.0, ThreadCpu.percentOfCore(500_000_000L, 1_000_000_000L));
        assertEquals(0.0, ThreadCpu.percentOfCore(5, 0));
        assertThrows(IllegalArgumentException.class, () -> ThreadCpu.parseStatTicks("garbage"));
        assertEquals(17, SchedProbe.parseInvoluntary("Name:\tx\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t17\n"));
    }

    @Test
    void shouldParseCpuListsWhenGivenSinglesRangesAndRepeats() {
        assertArrayEquals(new int[] {1}, ProvenanceBench.parseCpus("1"));
        assertArrayEquals(new int[] {0, 2, 3}, ProvenanceBench.parseCpus("0,2-3"));
        assertArrayEquals(new int[] {1, 1}, ProvenanceBench.parseCpus("1,1"));
        assertThrows(IllegalArgumentException.class, () -> ProvenanceBench.parseCpus("a"));
        assertThrows(IllegalArgumentException.class, () -> ProvenanceBench.parseCpus("3-1"));
        assertThrows(IllegalArgumentException.class, () -> ProvenanceBench.parseCpus(""));
    }
}
