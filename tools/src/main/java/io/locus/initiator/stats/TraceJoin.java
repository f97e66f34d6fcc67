package io.locus.initiator.stats;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Joins the target's per-request JFR events ({@code io.locus.Request}) with the host's ({@code io.locus.HostCompletion})
 * into one path per request, and derives per flow what neither side can see alone: {@code device_done_to_cqe_visible}
 * (backend done on the target → CQE parsed on the host) and {@code response_to_cqe_visible} (the response leg: wire
 * plus host receive).
 * <p>
 * The join needs both sides' {@link System#nanoTime()} on one clock: on Linux that is CLOCK_MONOTONIC, shared by every
 * process of one machine (a target and a host on one box, or in network namespaces of it); across machines it does not
 * hold, and the join says so by finding nothing that fits. A request is matched by (CNTLID, QID, CID): the host's
 * completion is paired with the latest target response for that key queued at or before the CQE became visible, so CID
 * reuse is handled; each target event is used once.
 */
public final class TraceJoin {
    /** A response further back than this is not the one the host saw (CIDs are reused within microseconds). */
    static final long MAX_RESPONSE_TO_VISIBLE_NANOS = 10_000_000_000L;
    private static final long HIGHEST = 3_600_000_000_000L;

    /** One {@code io.locus.Request}: the target's side of a command. */
    public record TargetRecord(int cntlid, int qid, int cid, int flowId, long backendDoneAt, long responseAt,
                               long targetNanos, long backendNanos) {
    }

    /** One {@code io.locus.HostCompletion}: the host's side. */
    public record HostRecord(int cntlid, int qid, int cid, int flowId, long visibleAt, long visibleToWakeupNanos,
                             long wakeupToOnCpuNanos) {
    }

    /** Per flow: the joined stages. */
    public static final class FlowPath {
        final int flowId;
        long joined;
        final Histogram targetReceivedToResponse = histogram();
        final Histogram backend = histogram();
        final Histogram deviceDoneToCqeVisible = histogram();
        final Histogram responseToCqeVisible = histogram();
        final Histogram cqeVisibleToWakeup = histogram();
        final Histogram wakeupToOnCpu = histogram();

        FlowPath(int flowId) {
            this.flowId = flowId;
        }

        public int flowId() {
            return flowId;
        }

        public long joined() {
            return joined;
        }

        public Histogram deviceDoneToCqeVisible() {
            return deviceDoneToCqeVisible;
        }

        public Histogram responseToCqeVisible() {
            return responseToCqeVisible;
        }

        Map<String, Histogram> stages() {
            Map<String, Histogram> m = new LinkedHashMap<>();
            m.put("target_received_to_response", targetReceivedToResponse);
            m.put("backend", backend);
            m.put("device_done_to_cqe_visible", deviceDoneToCqeVisible);
            m.put("response_to_cqe_visible", responseToCqeVisible);
            m.put("cqe_visible_to_wakeup", cqeVisibleToWakeup);
            m.put("wakeup_to_oncpu", wakeupToOnCpu);
            return m;
        }
    }

    private final Map<Integer, FlowPath> flows = new TreeMap<>();
    private long hostEvents;
    private long targetEvents;
    private long unmatched;

    private TraceJoin() {
    }

    public static TraceJoin join(List<TargetRecord> target, List<HostRecord> host) {
        TraceJoin j = new TraceJoin();
        j.targetEvents = target.size();
        j.hostEvents = host.size();
        Map<Long, List<TargetRecord>> byKey = new HashMap<>();
        for (TargetRecord t : target) {
            byKey.computeIfAbsent(key(t.cntlid(), t.qid(), t.cid()), k -> new ArrayList<>()).add(t);
        }
        Map<Long, boolean[]> used = new HashMap<>();
        for (Map.Entry<Long, List<TargetRecord>> e : byKey.entrySet()) {
            e.getValue().sort(Comparator.comparingLong(TargetRecord::responseAt));
            used.put(e.getKey(), new boolean[e.getValue().size()]);
        }
        for (HostRecord h : host) {
            if (h.cid() < 0 || h.visibleAt() == 0) {
                j.unmatched++;
                continue;
            }
            long k = key(h.cntlid(), h.qid(), h.cid());
            List<TargetRecord> candidates = byKey.get(k);
            int at = candidates == null ? -1 : latestAtOrBefore(candidates, h.visibleAt());
            if (at < 0 || used.get(k)[at] || h.visibleAt() - candidates.get(at).responseAt() > MAX_RESPONSE_TO_VISIBLE_NANOS) {
                j.unmatched++;
                continue;
            }
            used.get(k)[at] = true;
            j.add(candidates.get(at), h);
        }
        return j;
    }

    private void add(TargetRecord t, HostRecord h) {
        FlowPath p = flows.computeIfAbsent(h.flowId(), FlowPath::new);
        p.joined++;
        record(p.targetReceivedToResponse, t.targetNanos());
        if (t.backendDoneAt() != 0) {
            record(p.backend, t.backendNanos());
            record(p.deviceDoneToCqeVisible, h.visibleAt() - t.backendDoneAt());
        }
        record(p.responseToCqeVisible, h.visibleAt() - t.responseAt());
        record(p.cqeVisibleToWakeup, h.visibleToWakeupNanos());
        record(p.wakeupToOnCpu, h.wakeupToOnCpuNanos());
    }

    /** Index of the last record whose response was queued at or before {@code visibleAt}, or -1. */
    private static int latestAtOrBefore(List<TargetRecord> sorted, long visibleAt) {
        int lo = 0;
        int hi = sorted.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid).responseAt() - visibleAt <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static long key(int cntlid, int qid, int cid) {
        return ((long) (cntlid & 0xFFFF) << 32) | ((long) (qid & 0xFFFF) << 16) | (cid & 0xFFFF);
    }

    private static void record(Histogram h, long nanos) {
        h.recordValue(Math.max(0, Math.min(nanos, HIGHEST)));
    }

    private static Histogram histogram() {
        return new Histogram(HIGHEST, 3);
    }

    public Map<Integer, FlowPath> flows() {
        return Collections.unmodifiableMap(flows);
    }

    public long hostEvents() {
        return hostEvents;
    }

    public long targetEvents() {
        return targetEvents;
    }

    /** Host completions with no target request to join: another machine's clock, a recording that started later... */
    public long unmatched() {
        return unmatched;
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target_events", targetEvents);
        m.put("host_events", hostEvents);
        m.put("unmatched_host_events", unmatched);
        List<Map<String, Object>> list = new ArrayList<>();
        for (FlowPath p : flows.values()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("flow_id", p.flowId);
            f.put("joined", p.joined);
            for (Map.Entry<String, Histogram> s : p.stages().entrySet()) {
                f.put(s.getKey() + "_us", quantiles(s.getValue()));
            }
            list.add(f);
        }
        m.put("flows", list);
        return m;
    }

    public void printText(java.io.PrintWriter out) {
        out.printf("joined %d of %d host completions with %d target requests (%d unmatched)%n",
                flows.values().stream().mapToLong(FlowPath::joined).sum(), hostEvents, targetEvents, unmatched);
        for (FlowPath p : flows.values()) {
            out.printf("flow %d: %d requests (us, p50 / p99 / p99.9 / max)%n", p.flowId, p.joined);
            for (Map.Entry<String, Histogram> s : p.stages().entrySet()) {
                Histogram h = s.getValue();
                if (h.getTotalCount() == 0) {
                    out.printf("  %-28s n/a%n", s.getKey());
                } else {
                    out.printf(Locale.ROOT, "  %-28s %.1f / %.1f / %.1f / %.1f%n", s.getKey(), us(h, 50), us(h, 99),
                            us(h, 99.9), h.getMaxValue() / 1000.0);
                }
            }
        }
    }

    private static Map<String, Object> quantiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return null;
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("p50", us(h, 50));
        q.put("p99", us(h, 99));
        q.put("p999", us(h, 99.9));
        q.put("max", h.getMaxValue() / 1000.0);
        q.put("count", h.getTotalCount());
        return q;
    }

    private static double us(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }
}
