package io.locus.initiator.stats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one target reactor reports in its metrics: commands and bytes, per-class latency quantiles, locality and how
 * busy its duty cycle is. Counters are totals since the target started (or, from {@link #minus}, over an interval).
 *
 * @param latency per latency class ({@code throughput}, {@code latency}): quantiles of each measured stage
 */
public record ReactorSummary(String reactor, Map<String, Long> commands, long bytesRead, long bytesWritten, long errors,
                             double remoteCompletionRatio, long turns, long idleTurns, long remoteMessages,
                             long backendLocal, long backendRemote, Map<String, ClassLatency> latency) {

    /** p50, p99 and p99.9 in microseconds, and how many requests they cover. */
    public record Quantiles(double p50, double p99, double p999, long count) {
        public static final Quantiles NONE = new Quantiles(0, 0, 0, 0);

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50", p50);
            m.put("p99", p99);
            m.put("p999", p999);
            m.put("count", count);
            return m;
        }
    }

    /**
     * @param request        received to response queued
     * @param backend        backend submit to backend done
     * @param doneToResponse backend done to response queued (the target's part of device_done_to_cqe_visible)
     */
    public record ClassLatency(Quantiles request, Quantiles backend, Quantiles doneToResponse) {
    }

    /** Share of duty-cycle turns that found no work (0 when there were no turns). */
    public double idleShare() {
        return turns == 0 ? 0 : (double) idleTurns / turns;
    }

    public long totalCommands() {
        return commands.values().stream().mapToLong(Long::longValue).sum();
    }

    public long commands(String latencyClass) {
        return commands.getOrDefault(latencyClass, 0L);
    }

    /**
     * The counters over the interval since {@code before} (same reactor, earlier scrape); gauges and quantiles are
     * this one's (quantiles cover everything since the target started).
     */
    public ReactorSummary minus(ReactorSummary before) {
        Map<String, Long> c = new LinkedHashMap<>();
        commands.forEach((k, v) -> c.put(k, v - before.commands(k)));
        return new ReactorSummary(reactor, c, bytesRead - before.bytesRead, bytesWritten - before.bytesWritten,
                errors - before.errors, remoteCompletionRatio, turns - before.turns, idleTurns - before.idleTurns,
                remoteMessages - before.remoteMessages, backendLocal - before.backendLocal,
                backendRemote - before.backendRemote, latency);
    }

    /** As {@code locus stats --json} prints it. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reactor", reactor);
        m.put("commands", new LinkedHashMap<>(commands));
        Map<String, Object> bytes = new LinkedHashMap<>();
        bytes.put("read", bytesRead);
        bytes.put("write", bytesWritten);
        m.put("bytes", bytes);
        m.put("errors", errors);
        m.put("remote_completion_ratio", remoteCompletionRatio);
        m.put("turns", turns);
        m.put("idle_turns", idleTurns);
        m.put("idle_share", idleShare());
        m.put("remote_messages", remoteMessages);
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("local", backendLocal);
        backend.put("remote", backendRemote);
        m.put("backend_completions", backend);
        Map<String, Object> lat = new LinkedHashMap<>();
        latency.forEach((cls, l) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("request", l.request().json());
            one.put("backend", l.backend().json());
            one.put("done_to_response", l.doneToResponse().json());
            lat.put(cls, one);
        });
        m.put("latency_us", lat);
        return m;
    }
}
