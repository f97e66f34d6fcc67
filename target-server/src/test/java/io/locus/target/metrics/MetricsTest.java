package io.locus.target.metrics;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                    .filter(e -> e.getEventType().getName().equals("io.locus.Request")).toList();
            assertTrue(events.size() >= 14 + 3, "I/O plus admin commands recorded: " + events.size());
            long ioEvents = events.stream().filter(e -> e.getInt("qid") == 1 && e.getInt("opcode") != 0x7F).count();
            assertEquals(14, ioEvents);
        }
    }
}
