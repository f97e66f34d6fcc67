package io.locus.initiator.stats;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetStatsTest {
    private final TargetStats stats = TargetStats.parse(MetricsSamples.TWO_REACTORS);

    @Test
    void shouldListReactorsInTargetOrderWhenTwoReport() {
        assertEquals(List.of("locus-reactor-0", "locus-reactor-1"), stats.reactors());
    }

    @Test
    void shouldSummarizeCountersAndQuantilesWhenReactorIsBusy() {
        ReactorSummary r = stats.summary("locus-reactor-0");
        assertEquals(Map.of("throughput", 200L, "latency", 100L), r.commands());
        assertEquals(300, r.totalCommands());
        assertEquals(26624000, r.bytesRead());
        assertEquals(4096, r.bytesWritten());
        assertEquals(2, r.errors());
        assertEquals(0.25, r.remoteCompletionRatio());
        assertEquals(0.75, r.idleShare(), 1e-9);
        assertEquals(7, r.remoteMessages());
        assertEquals(290, r.backendLocal());
        assertEquals(10, r.backendRemote());
        ReactorSummary.ClassLatency latency = r.latency().get("latency");
        assertEquals(new ReactorSummary.Quantiles(3, 9, 15, 100), latency.request());
        assertEquals(new ReactorSummary.Quantiles(1, 2, 4, 100), latency.backend());
        assertEquals(new ReactorSummary.Quantiles(1, 1, 2, 100), latency.doneToResponse());
        assertEquals(900, r.latency().get("throughput").request().p999());
    }

    @Test
    void shouldReadMissingMetricsAsZeroWhenReactorReportsLittle() {
        ReactorSummary r = stats.summary("locus-reactor-1");
        assertEquals(1.0, r.idleShare());
        assertEquals(ReactorSummary.Quantiles.NONE, r.latency().get("latency").backend());
        ReactorSummary none = TargetStats.parse("locus_reactor_turns_total{reactor=\"r\"} 0\n").summary("r");
        assertEquals(0, none.idleShare());
        assertTrue(none.latency().isEmpty());
    }

    @Test
    void shouldSubtractCountersWhenTakingIntervalBetweenScrapes() {
        String later = MetricsSamples.TWO_REACTORS
                .replace("locus_reactor_turns_total{reactor=\"locus-reactor-0\"} 1000", "locus_reactor_turns_total{reactor=\"locus-reactor-0\"} 3000")
                .replace("{reactor=\"locus-reactor-0\",class=\"latency\"} 100", "{reactor=\"locus-reactor-0\",class=\"latency\"} 160");
        ReactorSummary d = TargetStats.parse(later).summary("locus-reactor-0").minus(stats.summary("locus-reactor-0"));
        assertEquals(2000, d.turns());
        assertEquals(60, d.commands("latency"));
        assertEquals(0, d.commands("throughput"));
        assertEquals(0, d.bytesRead());
    }

    @Test
    void shouldReadRegistrationTurnTimesAndPlacementWhenTheTargetReportsThem() {
        ReactorSummary r0 = stats.summary("locus-reactor-0");
        assertTrue(r0.hasRegistration());
        assertEquals(0.75, r0.registrationReuseHitRate());
        assertEquals(new ReactorSummary.TurnTime(2, 40, 120, 1500, 1000), roundedTurns(r0.turnTime()));
        assertEquals(2, r0.queueMovesConnect());
        assertEquals(1, r0.queueMovesProvenance());
        assertEquals(1, r0.flowMigrations());
        assertEquals(1, r0.flows());
        assertEquals(new ReactorSummary.Flushes(100, 20, 30), r0.flushes());
        assertEquals(2.0, r0.responsesPerFlush(), 1e-9, "300 I/O responses over 150 flushes");
        ReactorSummary r1 = stats.summary("locus-reactor-1");
        assertEquals(ReactorSummary.Flushes.NONE, r1.flushes());
        assertTrue(Double.isNaN(r1.responsesPerFlush()));
        assertFalse(r1.hasRegistration(), "no series: no io_uring there, and no invented 0");
        assertEquals(ReactorSummary.TurnTime.NONE, r1.turnTime());
        assertEquals(0.25, stats.migrationsPerFlow(), 1e-9, "one flow move over four flows");
        assertTrue(Double.isNaN(TargetStats.parse("locus_reactor_turns_total{reactor=\"r\"} 0\n").migrationsPerFlow()));
    }

    private static ReactorSummary.TurnTime roundedTurns(ReactorSummary.TurnTime t) {
        return new ReactorSummary.TurnTime(Math.round(t.p50()), Math.round(t.p99()), Math.round(t.p999()), Math.round(t.max()), t.count());
    }

    @Test
    void shouldBuildMetricsUriWhenGivenAddressAndPort() {
        assertEquals(URI.create("http://127.0.0.1:9520/metrics"), TargetStats.metricsUri("127.0.0.1:9520"));
        assertEquals(URI.create("http://[::1]:9520/metrics"), TargetStats.metricsUri("[::1]:9520"));
        assertEquals(URI.create("http://h:1/m"), TargetStats.metricsUri("http://h:1/m"));
        assertThrows(IllegalArgumentException.class, () -> TargetStats.metricsUri("127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> TargetStats.metricsUri("127.0.0.1:http"));
        assertThrows(IllegalArgumentException.class, () -> TargetStats.metricsUri("127.0.0.1:70000"));
    }

    @Test
    void shouldPrintOneBlockPerReactorWhenRenderingText() {
        StringWriter text = new StringWriter();
        stats.printText(new PrintWriter(text), "test");
        String s = text.toString();
        assertTrue(s.contains("2 reactor(s), 3 connection(s), 1 rejection(s)"), s);
        assertTrue(s.contains("reactor locus-reactor-0"), s);
        assertTrue(s.contains("(75.0% idle)"), s);
        assertTrue(s.contains("throughput 200, latency 100 (2 error(s))"), s);
        assertTrue(s.contains("read 25.4 MiB, write 4.0 KiB"), s);
        assertTrue(s.contains("remote completion ratio 0.250"), s);
        assertTrue(s.matches("(?s).*latency request\\s+3\\s+9\\s+15\\s+100.*"), s);
        assertTrue(s.contains("latency (us)   no I/O yet"), s); // locus-reactor-1
        assertTrue(s.contains("migrations per flow 0.250 (1 flow move(s) over 4 flow(s))"), s);
        assertTrue(s.contains("flushes        150 (latency 100, limit 20, batch end 30); 2.00 I/O response(s) per flush"), s);
        assertTrue(s.contains("turn time (us) p50 2.0, p99 40.0, p99.9 120.0, max 1500.0 over 1000 turn(s)"), s);
        assertTrue(s.contains("reuse hit rate 0.750 (io_uring)"), s);
        assertTrue(s.contains("reuse hit rate n/a (no io_uring I/O"), s); // locus-reactor-1
        assertTrue(s.contains("queues moved in: 1 for provenance, 2 at connect; 1 flow(s) moved in, 1 first seen"), s);
    }
}
