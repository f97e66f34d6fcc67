package io.locus.initiator.stats;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The target's Prometheus metrics ({@code locus-target --metrics ADDR:PORT}) read back into per-reactor summaries:
 * what {@code locus stats} prints and the provenance benchmark records.
 */
public final class TargetStats {
    static final String COMMANDS = "locus_io_commands_total";
    static final String BYTES = "locus_io_bytes_total";
    static final String ERRORS = "locus_io_errors_total";
    static final String REMOTE_RATIO = "locus_remote_completion_ratio";
    static final String TURNS = "locus_reactor_turns_total";
    static final String IDLE_TURNS = "locus_reactor_idle_turns_total";
    static final String REMOTE_MESSAGES = "locus_reactor_remote_messages_total";
    static final String BACKEND_COMPLETIONS = "locus_backend_completions_total";
    static final String REQUEST_LATENCY = "locus_request_latency_us";
    static final String BACKEND_LATENCY = "locus_backend_latency_us";
    static final String DONE_TO_RESPONSE = "locus_device_done_to_response_us";
    static final String REGISTRATION_HIT_RATE = "locus_registration_reuse_hit_rate";
    static final String TURN_SECONDS = "locus_reactor_turn_seconds";
    static final String QUEUE_MIGRATIONS = "locus_queue_migrations_total";
    static final String FLOW_MIGRATIONS = "locus_flow_migrations_total";
    static final String FLOWS = "locus_flows_total";
    static final String RESPONSE_FLUSHES = "locus_response_flushes_total";

    private final List<PrometheusText.Sample> samples;

    public TargetStats(List<PrometheusText.Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    public static TargetStats parse(String text) {
        return new TargetStats(PrometheusText.parse(text));
    }

    /** The URI of the metrics page for {@code ADDR:PORT}, or the argument itself when it is already an http URL. */
    public static URI metricsUri(String addressAndPort) {
        String a = addressAndPort.strip();
        if (a.startsWith("http://") || a.startsWith("https://")) {
            return URI.create(a);
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw new IllegalArgumentException("--metrics wants ADDR:PORT (e.g. 127.0.0.1:9520), not '" + addressAndPort + "'");
        }
        try {
            int port = Integer.parseInt(a.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metrics: '" + a.substring(colon + 1) + "' is not a port number");
        }
        return URI.create("http://" + a + "/metrics");
    }

    /** Scrapes {@code uri}. */
    public static TargetStats fetch(URI uri, Duration timeout) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + uri);
        } catch (java.net.ConnectException e) {
            throw new IOException("cannot reach " + uri + " (is the target running with --metrics?)", e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("no answer from " + uri + " within " + timeout.toMillis() + " ms", e);
        } finally {
            client.close();
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered HTTP " + response.statusCode());
        }
        return parse(response.body());
    }

    public List<PrometheusText.Sample> samples() {
        return samples;
    }

    /** The value of the first sample with this name whose labels include {@code labels}, or NaN. */
    public double value(String name, Map<String, String> labels) {
        for (PrometheusText.Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                return s.value();
            }
        }
        return Double.NaN;
    }

    public double value(String name) {
        return value(name, Map.of());
    }

    /** Reactor names, in the order the target lists them. */
    public List<String> reactors() {
        Set<String> names = new LinkedHashSet<>();
        for (PrometheusText.Sample s : samples) {
            String r = s.label("reactor");
            if (r != null && s.name().startsWith("locus_")) {
                names.add(r);
            }
        }
        return List.copyOf(names);
    }

    public List<ReactorSummary> summaries() {
        List<ReactorSummary> out = new ArrayList<>();
        for (String r : reactors()) {
            out.add(summary(r));
        }
        return out;
    }

    /** One reactor's summary; absent metrics read as 0. */
    public ReactorSummary summary(String reactor) {
        Map<String, String> at = Map.of("reactor", reactor);
        Map<String, Long> commands = new LinkedHashMap<>();
        Set<String> classes = new LinkedHashSet<>();
        for (PrometheusText.Sample s : samples) {
            if (reactor.equals(s.label("reactor")) && s.label("class") != null) {
                if (s.name().equals(COMMANDS)) {
                    commands.put(s.label("class"), (long) s.value());
                }
                classes.add(s.label("class"));
            }
        }
        Map<String, ReactorSummary.ClassLatency> latency = new LinkedHashMap<>();
        for (String cls : classes) {
            latency.put(cls, new ReactorSummary.ClassLatency(quantiles(REQUEST_LATENCY, reactor, cls),
                    quantiles(BACKEND_LATENCY, reactor, cls), quantiles(DONE_TO_RESPONSE, reactor, cls)));
        }
        return new ReactorSummary(reactor, commands,
                count(BYTES, Map.of("reactor", reactor, "direction", "read")),
                count(BYTES, Map.of("reactor", reactor, "direction", "write")),
                count(ERRORS, at), orZero(value(REMOTE_RATIO, at)), count(TURNS, at), count(IDLE_TURNS, at),
                count(REMOTE_MESSAGES, at),
                count(BACKEND_COMPLETIONS, Map.of("reactor", reactor, "origin", "local")),
                count(BACKEND_COMPLETIONS, Map.of("reactor", reactor, "origin", "remote")), latency,
                value(REGISTRATION_HIT_RATE, at), turnTime(reactor),
                count(QUEUE_MIGRATIONS, Map.of("reactor", reactor, "reason", "connect")),
                count(QUEUE_MIGRATIONS, Map.of("reactor", reactor, "reason", "provenance")),
                count(FLOW_MIGRATIONS, at), count(FLOWS, at),
                new ReactorSummary.Flushes(count(RESPONSE_FLUSHES, Map.of("reactor", reactor, "reason", "latency")),
                        count(RESPONSE_FLUSHES, Map.of("reactor", reactor, "reason", "limit")),
                        count(RESPONSE_FLUSHES, Map.of("reactor", reactor, "reason", "batch_end"))));
    }

    /** Turn durations from {@code locus_reactor_turn_seconds}, in microseconds; NONE when the target reports none. */
    private ReactorSummary.TurnTime turnTime(String reactor) {
        Map<String, String> at = Map.of("reactor", reactor);
        long count = count(TURN_SECONDS + "_count", at);
        if (count == 0) {
            return ReactorSummary.TurnTime.NONE;
        }
        return new ReactorSummary.TurnTime(micros(quantile(TURN_SECONDS, at, 0.5)), micros(quantile(TURN_SECONDS, at, 0.99)),
                micros(quantile(TURN_SECONDS, at, 0.999)), micros(quantile(TURN_SECONDS, at, 1)), count);
    }

    private static double micros(double seconds) {
        return orZero(seconds) * 1e6;
    }

    /**
     * The target's migrations_per_flow: flows that moved with their queue over (queue, flow) pairs seen; NaN when the
     * target saw no provenance flows.
     */
    public double migrationsPerFlow() {
        long moved = 0;
        long flows = 0;
        for (ReactorSummary r : summaries()) {
            moved += r.flowMigrations();
            flows += r.flows();
        }
        return flows == 0 ? Double.NaN : (double) moved / flows;
    }

    private ReactorSummary.Quantiles quantiles(String name, String reactor, String cls) {
        Map<String, String> at = Map.of("reactor", reactor, "class", cls);
        long count = count(name + "_count", at);
        return new ReactorSummary.Quantiles(orZero(quantile(name, at, 0.5)), orZero(quantile(name, at, 0.99)),
                orZero(quantile(name, at, 0.999)), count);
    }

    private double quantile(String name, Map<String, String> labels, double q) {
        for (PrometheusText.Sample s : samples) {
            String quantile = s.label("quantile");
            if (s.name().equals(name) && quantile != null && s.labels().entrySet().containsAll(labels.entrySet())) {
                try {
                    if (Math.abs(Double.parseDouble(quantile) - q) < 1e-9) {
                        return s.value();
                    }
                } catch (NumberFormatException ignored) {
                    // not a quantile we know
                }
            }
        }
        return Double.NaN;
    }

    private long count(String name, Map<String, String> labels) {
        return (long) orZero(value(name, labels));
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    // ---------------------------------------------------------------- output

    /** The readable per-reactor summary {@code locus stats} prints. */
    public void printText(PrintWriter out, String source) {
        List<ReactorSummary> all = summaries();
        out.printf("target metrics from %s: %d reactor(s), %s connection(s), %s rejection(s)%n", source, all.size(),
                integer(value("locus_connections")), integer(value("locus_rejections_total")));
        long moved = all.stream().mapToLong(ReactorSummary::flowMigrations).sum();
        long flows = all.stream().mapToLong(ReactorSummary::flows).sum();
        double perFlow = migrationsPerFlow();
        out.printf(Locale.ROOT, "migrations per flow %s%n", Double.isNaN(perFlow) ? "n/a (no provenance flows seen)"
                : String.format(Locale.ROOT, "%.3f (%d flow move(s) over %d flow(s))", perFlow, moved, flows));
        for (ReactorSummary r : all) {
            out.printf("%nreactor %s%n", r.reactor());
            out.printf("  turns          %d (%.1f%% idle), %d remote message(s)%n", r.turns(), 100 * r.idleShare(),
                    r.remoteMessages());
            StringBuilder cmds = new StringBuilder();
            r.commands().forEach((cls, n) -> cmds.append(cmds.isEmpty() ? "" : ", ").append(cls).append(' ').append(n));
            out.printf("  commands       %s (%d error(s))%n", cmds.isEmpty() ? "none" : cmds, r.errors());
            out.printf("  bytes          read %s, write %s%n", size(r.bytesRead()), size(r.bytesWritten()));
            out.printf("  completions    backend local %d, remote %d; remote completion ratio %.3f%n",
                    r.backendLocal(), r.backendRemote(), r.remoteCompletionRatio());
            ReactorSummary.TurnTime tt = r.turnTime();
            if (tt.count() == 0) {
                out.printf("  turn time (us) n/a (not reported)%n");
            } else {
                out.printf(Locale.ROOT, "  turn time (us) p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f over %d turn(s)%n",
                        tt.p50(), tt.p99(), tt.p999(), tt.max(), tt.count());
            }
            out.printf(Locale.ROOT, "  registration   reuse hit rate %s%n", r.hasRegistration()
                    ? String.format(Locale.ROOT, "%.3f (io_uring)", r.registrationReuseHitRate())
                    : "n/a (no io_uring I/O on this reactor: its backends register no buffers)");
            out.printf("  placement      queues moved in: %d for provenance, %d at connect; %d flow(s) moved in, %d first seen%n",
                    r.queueMovesProvenance(), r.queueMovesConnect(), r.flowMigrations(), r.flows());
            ReactorSummary.Flushes f = r.flushes();
            double perFlush = r.responsesPerFlush();
            out.printf(Locale.ROOT, "  flushes        %d (latency %d, limit %d, batch end %d); %s I/O response(s) per flush%n",
                    f.total(), f.latency(), f.limit(), f.batchEnd(),
                    Double.isNaN(perFlush) ? "n/a" : String.format(Locale.ROOT, "%.2f", perFlush));
            boolean any = r.latency().values().stream().anyMatch(l -> l.request().count() > 0);
            if (!any) {
                out.printf("  latency (us)   no I/O yet%n");
            } else {
                out.printf("  latency (us)   %-28s %9s %9s %9s %10s%n", "class / stage", "p50", "p99", "p99.9", "count");
                r.latency().forEach((cls, l) -> {
                    if (l.request().count() > 0) {
                        line(out, cls + " request", l.request());
                        line(out, cls + " backend", l.backend());
                        line(out, cls + " done->response", l.doneToResponse());
                    }
                });
            }
        }
        out.flush();
    }

    private static void line(PrintWriter out, String what, ReactorSummary.Quantiles q) {
        out.printf(Locale.ROOT, "                 %-28s %9.0f %9.0f %9.0f %10d%n", what, q.p50(), q.p99(), q.p999(), q.count());
    }

    /** What {@code locus stats --json} prints. */
    public Map<String, Object> json(String source) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("connections", (long) orZero(value("locus_connections")));
        m.put("rejections", (long) orZero(value("locus_rejections_total")));
        double perFlow = migrationsPerFlow();
        m.put("migrations_per_flow", Double.isNaN(perFlow) ? null : perFlow);
        List<Map<String, Object>> reactors = new ArrayList<>();
        for (ReactorSummary r : summaries()) {
            reactors.add(r.json());
        }
        m.put("reactors", reactors);
        return m;
    }

    private static String integer(double v) {
        return Double.isNaN(v) ? "?" : String.valueOf((long) v);
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        if (bytes >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return bytes + " B";
    }
}
