package io.locus.initiator.stats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one target reactor reports in its metrics: commands and bytes, per-class latency quantiles, locality and how
 * busy its duty cycle is. Counters are totals since the target started (or, from {@link #minus}, over an interval).
 *
 * @param latency                   per latency class ({@code throughput}, {@code latency}): quantiles of each measured stage
 * @param registrationReuseHitRate  share of its io_uring data I/Os that reused registered buffers; NaN when the
 *                                  reactor reports none (no io_uring I/O: its backends register nothing)
 * @param turnTime                  duration of its duty-cycle turns
 * @param queueMovesConnect         queues that moved onto it right after Connect
 * @param queueMovesProvenance      queues that moved onto it because their homed flows belong there
 * @param flowMigrations            flows that moved onto it with their queue
 * @param flows                     (queue, flow) pairs first seen on it
 * @param flushes                   flushes of queued responses to the socket, by reason
 */
public record ReactorSummary(String reactor, Map<String, Long> commands, long bytesRead, long bytesWritten, long errors,
                             double remoteCompletionRatio, long turns, long idleTurns, long remoteMessages,
                             long backendLocal, long backendRemote, Map<String, ClassLatency> latency,
                             double registrationReuseHitRate, TurnTime turnTime, long queueMovesConnect,
                             long queueMovesProvenance, long flowMigrations, long flows, Flushes flushes) {

    /** A summary without the registration, turn-time and placement figures (a target that does not report them). */
    public ReactorSummary(String reactor, Map<String, Long> commands, long bytesRead, long bytesWritten, long errors,
                          double remoteCompletionRatio, long turns, long idleTurns, long remoteMessages,
                          long backendLocal, long backendRemote, Map<String, ClassLatency> latency) {
        this(reactor, commands, bytesRead, bytesWritten, errors, remoteCompletionRatio, turns, idleTurns, remoteMessages,
                backendLocal, backendRemote, latency, Double.NaN, TurnTime.NONE, 0, 0, 0, 0, Flushes.NONE);
    }

    /**
     * Flushes of queued responses (about one writev each): a latency-class response left at once, a batch reached
     * its PDU or byte limit, or the reactor's batch ended.
     */
    public record Flushes(long latency, long limit, long batchEnd) {
        public static final Flushes NONE = new Flushes(0, 0, 0);

        public long total() {
            return latency + limit + batchEnd;
        }

        Flushes minus(Flushes before) {
            return new Flushes(latency - before.latency, limit - before.limit, batchEnd - before.batchEnd);
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latency", latency);
            m.put("limit", limit);
            m.put("batch_end", batchEnd);
            return m;
        }
    }

    /** I/O responses per flush: how much the batching coalesced (NaN without flushes). */
    public double responsesPerFlush() {
        return flushes.total() == 0 ? Double.NaN : (double) totalCommands() / flushes.total();
    }

    /** Turn durations in microseconds: p50, p99, p99.9, the longest, and how many turns they cover. */
    public record TurnTime(double p50, double p99, double p999, double max, long count) {
        public static final TurnTime NONE = new TurnTime(0, 0, 0, 0, 0);

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50", p50);
            m.put("p99", p99);
            m.put("p999", p999);
            m.put("max", max);
            m.put("count", count);
            return m;
        }
    }

    /** Whether the reactor reported a registration reuse hit rate (it ran io_uring data I/O). */
    public boolean hasRegistration() {
        return !Double.isNaN(registrationReuseHitRate);
    }

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
     * The counters over the interval since {@code before} (same reactor, earlier scrape); gauges and quantiles
     * (including the hit rate and turn times) are this one's (they cover everything since the target started).
     */
    public ReactorSummary minus(ReactorSummary before) {
        Map<String, Long> c = new LinkedHashMap<>();
        commands.forEach((k, v) -> c.put(k, v - before.commands(k)));
        return new ReactorSummary(reactor, c, bytesRead - before.bytesRead, bytesWritten - before.bytesWritten,
                errors - before.errors, remoteCompletionRatio, turns - before.turns, idleTurns - before.idleTurns,
                remoteMessages - before.remoteMessages, backendLocal - before.backendLocal,
                backendRemote - before.backendRemote, latency, registrationReuseHitRate, turnTime,
                queueMovesConnect - before.queueMovesConnect, queueMovesProvenance - before.queueMovesProvenance,
                flowMigrations - before.flowMigrations, flows - before.flows, flushes.minus(before.flushes));
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
        m.put("turn_us", turnTime.json());
        // null, not 0, where the reactor ran no io_uring I/O: there is no rate to report.
        m.put("registration_reuse_hit_rate", hasRegistration() ? registrationReuseHitRate : null);
        Map<String, Object> moves = new LinkedHashMap<>();
        moves.put("connect", queueMovesConnect);
        moves.put("provenance", queueMovesProvenance);
        m.put("queue_migrations", moves);
        m.put("flow_migrations", flowMigrations);
        m.put("flows", flows);
        m.put("response_flushes", flushes.json());
        double perFlush = responsesPerFlush();
        m.put("responses_per_flush", Double.isNaN(perFlush) ? null : perFlush);
        return m;
    }
}
