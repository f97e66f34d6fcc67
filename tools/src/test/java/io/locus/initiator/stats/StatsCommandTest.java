package io.locus.initiator.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.locus.initiator.cli.LocusCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code locus stats} against a tiny HTTP server serving sample target metrics. */
@Timeout(20)
class StatsCommandTest {
    private HttpServer server;
    private volatile String body = MetricsSamples.TWO_REACTORS;
    private volatile int status = 200;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/metrics", exchange -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, b.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int locus(String... args) {
        return LocusCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void shouldPrintPerReactorSummaryWhenTargetServesMetrics() {
        assertEquals(0, locus("stats", "--metrics", address()), err.toString());
        String s = out.toString();
        assertTrue(s.contains("reactor locus-reactor-0"), s);
        assertTrue(s.contains("reactor locus-reactor-1"), s);
        assertTrue(s.contains("remote completion ratio 0.250"), s);
        assertTrue(s.contains("(75.0% idle)"), s);
        assertTrue(s.contains("reuse hit rate 0.750"), s);
        assertTrue(s.contains("reuse hit rate n/a"), s);
        assertTrue(s.contains("turn time (us) p50 2.0"), s);
    }

    @Test
    void shouldPrintJsonWithPerReactorFieldsWhenAskedForJson() throws Exception {
        assertEquals(0, locus("stats", "--metrics", address(), "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals(3, json.get("connections").asLong());
        JsonNode r0 = json.get("reactors").get(0);
        assertEquals("locus-reactor-0", r0.get("reactor").asText());
        assertEquals(100, r0.get("commands").get("latency").asLong());
        assertEquals(26624000, r0.get("bytes").get("read").asLong());
        assertEquals(0.25, r0.get("remote_completion_ratio").asDouble());
        assertEquals(0.75, r0.get("idle_share").asDouble(), 1e-9);
        assertEquals(15, r0.get("latency_us").get("latency").get("request").get("p999").asDouble());
        assertEquals(200, r0.get("latency_us").get("throughput").get("backend").get("count").asLong());
        assertEquals(2, json.get("reactors").size());
        assertEquals(0.75, r0.get("registration_reuse_hit_rate").asDouble());
        assertTrue(json.get("reactors").get(1).get("registration_reuse_hit_rate").isNull(), "n/a is null, not 0");
        assertEquals(1500, r0.get("turn_us").get("max").asDouble(), 1e-6);
        assertEquals(1000, r0.get("turn_us").get("count").asLong());
        assertEquals(1, r0.get("queue_migrations").get("provenance").asLong());
        assertEquals(2, r0.get("queue_migrations").get("connect").asLong());
        assertEquals(1, r0.get("flow_migrations").asLong());
        assertEquals(0.25, json.get("migrations_per_flow").asDouble(), 1e-9);
    }

    @Test
    void shouldFailWithOneLineWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(LocusCli.EXIT_FAILURE, locus("stats", "--metrics", "127.0.0.1:" + port, "--timeout", "2"));
        assertTrue(err.toString().startsWith("locus stats: cannot reach"), err.toString());
    }

    @Test
    void shouldFailWhenTheEndpointAnswersAnError() {
        status = 404;
        assertEquals(LocusCli.EXIT_FAILURE, locus("stats", "--metrics", address()));
        assertTrue(err.toString().contains("HTTP 404"), err.toString());
    }

    @Test
    void shouldRejectAnAddressWithoutPortAsUsageError() {
        assertEquals(LocusCli.EXIT_USAGE, locus("stats", "--metrics", "localhost"));
        assertTrue(err.toString().contains("ADDR:PORT"), err.toString());
    }
}
