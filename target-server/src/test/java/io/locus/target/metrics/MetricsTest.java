package io.locus.target.metrics;

import io.locus.nativeio.IoUring;
import io.locus.target.RawHostAccess;
import io.locus.target.Target;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Prometheus endpoint and the JFR request events reflect the I/O that went through. */
class MetricsTest {
    @Test
    void shouldExportIoCountsAndLatencyOverHttpAndAsJfrEvents(@TempDir Path dir) throws Exception {
        try (Target t = RawHostAccess.memoryTarget(); MetricsServer server = new MetricsServer(t, new InetSocketAddress("127.0.0.1", 0));
             Recording recording = new Recording()) {
            recording.enable("io.locus.Request");
            recording.start();
            RawHostAccess.writeAndReadBlocks(t, 7);
            recording.stop();
            Path jfr = dir.resolve("r.jfr");
            recording.dump(jfr);
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(text.contains("locus_io_commands_total{reactor=\"locus-reactor-0\",class=\"throughput\"} 14"), text);
            assertTrue(text.contains("locus_io_bytes_total{reactor=\"locus-reactor-0\",direction=\"write\"} " + 7 * 4096), text);
            assertTrue(text.contains("locus_request_latency_us_count{reactor=\"locus-reactor-0\",class=\"throughput\"} 14"), text);
            assertTrue(text.contains("# TYPE locus_request_latency_us summary"));
            // One command at a time, generic mode: every response leaves with the end of its batch.
            assertTrue(text.contains("locus_response_flushes_total{reactor=\"locus-reactor-0\",reason=\"latency\"} 0"), text);
            assertTrue(text.contains("locus_response_flushes_total{reactor=\"locus-reactor-0\",reason=\"limit\"} 0"), text);
            java.util.regex.Matcher batchEnd = java.util.regex.Pattern
                    .compile("locus_response_flushes_total\\{reactor=\"locus-reactor-0\",reason=\"batch_end\"} (\\d+)").matcher(text);
            assertTrue(batchEnd.find(), text);
            assertTrue(Long.parseLong(batchEnd.group(1)) >= 14, "a flush per I/O response at least: " + batchEnd.group(1));
            List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                    .filter(e -> e.getEventType().getName().equals("io.locus.Request")).toList();
            assertTrue(events.size() >= 14 + 3, "I/O plus admin commands recorded: " + events.size());
            long ioEvents = events.stream().filter(e -> e.getInt("qid") == 1 && e.getInt("opcode") != 0x7F).count();
            assertEquals(14, ioEvents);
        }
    }

    private static String scrape(MetricsServer server) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of the one line starting with {@code prefix}. */
    private static double value(String text, String prefix) {
        List<String> lines = text.lines().filter(l -> l.startsWith(prefix)).toList();
        assertEquals(1, lines.size(), prefix + " in\n" + text);
        return Double.parseDouble(lines.getFirst().substring(prefix.length()).trim());
    }

    @Test
    void shouldExportEachReactorsTurnDurationsAsASummaryInSeconds() throws Exception {
        try (Target t = RawHostAccess.memoryTarget(); MetricsServer server = new MetricsServer(t, new InetSocketAddress("127.0.0.1", 0))) {
            RawHostAccess.writeAndReadBlocks(t, 3);
            String text = scrape(server);
            assertTrue(text.contains("# TYPE locus_reactor_turn_seconds summary"), text);
            assertTrue(text.contains("# HELP locus_reactor_turn_seconds "), text);
            String r = "{reactor=\"locus-reactor-0\"";
            double count = value(text, "locus_reactor_turn_seconds_count" + r + "}");
            assertTrue(count > 0, "turns timed: " + count);
            double p50 = value(text, "locus_reactor_turn_seconds" + r + ",quantile=\"0.5\"}");
            double p99 = value(text, "locus_reactor_turn_seconds" + r + ",quantile=\"0.99\"}");
            double p999 = value(text, "locus_reactor_turn_seconds" + r + ",quantile=\"0.999\"}");
            double max = value(text, "locus_reactor_turn_seconds" + r + ",quantile=\"1\"}");
            assertTrue(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max && max < 60, p50 + " " + p99 + " " + p999 + " " + max);
            assertTrue(value(scrape(server), "locus_reactor_turn_seconds_count" + r + "}") >= count, "cumulative across scrapes");
        }
    }

    @Test
    void shouldOmitTheRegistrationHitRateWhereNoReactorRanIoUring() throws Exception {
        try (Target t = RawHostAccess.memoryTarget(); MetricsServer server = new MetricsServer(t, new InetSocketAddress("127.0.0.1", 0))) {
            RawHostAccess.writeAndReadBlocks(t, 3);
            String text = scrape(server);
            assertTrue(text.contains("# HELP locus_registration_reuse_hit_rate "), text);
            assertFalse(text.contains("locus_registration_reuse_hit_rate{"), "a memory backend registers nothing: no rate\n" + text);
            assertFalse(text.contains("locus_uring_data_ios_total{"), text);
        }
    }

    @Test
    void shouldExportTheRegistrationHitRatePerReactorWhenIoUringServesIo(@TempDir Path dir) throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElse("?"));
        try (Target t = RawHostAccess.uringTarget(dir.resolve("u.img"));
             MetricsServer server = new MetricsServer(t, new InetSocketAddress("127.0.0.1", 0))) {
            RawHostAccess.writeAndReadBlocks(t, 5);
            String text = scrape(server);
            String r = "{reactor=\"locus-reactor-0\"";
            double registered = value(text, "locus_uring_data_ios_total" + r + ",buffer=\"registered\"}");
            double unregistered = value(text, "locus_uring_data_ios_total" + r + ",buffer=\"unregistered\"}");
            assertEquals(10, registered + unregistered, "five writes and five reads");
            assertEquals(registered / 10, value(text, "locus_registration_reuse_hit_rate" + r + "}"), 1e-6);
        }
    }
}
