package io.locus.target.metrics;

import com.sun.net.httpserver.HttpServer;
import io.locus.target.Target;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} in Prometheus text format. Runs on its own thread: scrapes never touch a reactor, they
 * read the reactors' single-writer statistics.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    public MetricsServer(Target target, InetSocketAddress address) throws IOException {
        server = HttpServer.create(address, 16);
        server.setExecutor(Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon(true).name("locus-metrics").factory()));
        server.createContext("/metrics", exchange -> {
            byte[] body = PrometheusText.render(target).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
