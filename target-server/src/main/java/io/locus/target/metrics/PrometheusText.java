package io.locus.target.metrics;

import io.locus.runtime.Reactor;
import io.locus.target.Target;
import io.locus.target.core.PollGroup;
import io.locus.target.core.ReactorStats;
import io.locus.target.backend.UringBackend;
import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Optional;

/** Renders the target's metrics in the Prometheus text exposition format (version 0.0.4). */
public final class PrometheusText {
    private static final double[] QUANTILES = {0.5, 0.99, 0.999};
    private static final double[] TURN_QUANTILES = {0.5, 0.99, 0.999, 1};
    private static final String[] CLASSES = {"throughput", "latency"};

    private PrometheusText() {
    }

    public static String render(Target target) {
        StringBuilder b = new StringBuilder(8192);
        header(b, "locus_connections", "gauge", "Open NVMe/TCP connections (queues).");
        b.append("locus_connections ").append(target.tcp().connectionCount()).append('\n');
        header(b, "locus_rejections_total", "counter", "Rejected input: malformed PDUs, refused connects, timeouts.");
        b.append("locus_rejections_total ").append(target.rejects().total()).append('\n');
        header(b, "locus_reactor_turns_total", "counter", "Duty-cycle turns per reactor.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_reactor_turns_total{reactor=\"").append(r.name()).append("\"} ").append(r.turns()).append('\n');
        }
        header(b, "locus_reactor_idle_turns_total", "counter", "Turns that found no work.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_reactor_idle_turns_total{reactor=\"").append(r.name()).append("\"} ").append(r.idleTurns()).append('\n');
        }
        header(b, "locus_reactor_remote_messages_total", "counter", "Messages handed to a reactor from another thread.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_reactor_remote_messages_total{reactor=\"").append(r.name()).append("\"} ").append(r.remoteMessages()).append('\n');
        }
        header(b, "locus_backend_completions_total", "counter", "Backend completions by where they arrived from.");
        for (Reactor r : target.reactors().reactors()) {
            PollGroup c = target.completions(r);
            b.append("locus_backend_completions_total{reactor=\"").append(r.name()).append("\",origin=\"local\"} ").append(c.localCompletions()).append('\n');
            b.append("locus_backend_completions_total{reactor=\"").append(r.name()).append("\",origin=\"remote\"} ").append(c.remoteCompletions()).append('\n');
        }
        header(b, "locus_io_commands_total", "counter", "I/O commands completed, by latency class.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            for (int cls = 0; cls < 2; cls++) {
                b.append("locus_io_commands_total{reactor=\"").append(r.name()).append("\",class=\"").append(CLASSES[cls]).append("\"} ")
                        .append(s.commands(cls)).append('\n');
            }
        }
        header(b, "locus_io_bytes_total", "counter", "Bytes moved by I/O commands.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            b.append("locus_io_bytes_total{reactor=\"").append(r.name()).append("\",direction=\"read\"} ").append(s.bytesRead()).append('\n');
            b.append("locus_io_bytes_total{reactor=\"").append(r.name()).append("\",direction=\"write\"} ").append(s.bytesWritten()).append('\n');
        }
        header(b, "locus_io_errors_total", "counter", "I/O commands completed with an error status.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_io_errors_total{reactor=\"").append(r.name()).append("\"} ").append(target.completions(r).stats().errors()).append('\n');
        }
        header(b, "locus_remote_completion_ratio", "gauge", "Share of homed requests completed off their home reactor.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            double ratio = s.homedCompletions() == 0 ? 0 : (double) s.remoteCompletions() / s.homedCompletions();
            b.append("locus_remote_completion_ratio{reactor=\"").append(r.name()).append("\"} ").append(fmt(ratio)).append('\n');
        }
        header(b, "locus_queue_migrations_total", "counter", "I/O queues that moved onto this reactor: reason=\"connect\" "
                + "right after Connect (qid q on reactor (q - 1) mod n), reason=\"provenance\" because the flows they carry "
                + "are homed here (provenance controllers only; a queue moves only while it has nothing outstanding).");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            b.append("locus_queue_migrations_total{reactor=\"").append(r.name()).append("\",reason=\"connect\"} ")
                    .append(s.queueMoves(ReactorStats.MOVE_CONNECT)).append('\n');
            b.append("locus_queue_migrations_total{reactor=\"").append(r.name()).append("\",reason=\"provenance\"} ")
                    .append(s.queueMoves(ReactorStats.MOVE_PROVENANCE)).append('\n');
        }
        header(b, "locus_response_flushes_total", "counter", "Flushes of queued responses to the socket (about one writev each): "
                + "reason=\"latency\" a LATENCY or STEP_CRITICAL response left at once, reason=\"limit\" a batch reached "
                + "reactors.batch_pdus or its byte limit, reason=\"batch_end\" the reactor's batch ended. Responses per flush = "
                + "locus_io_commands_total over the sum.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            String[] reasons = {"latency", "limit", "batch_end"};
            for (int reason = 0; reason < reasons.length; reason++) {
                b.append("locus_response_flushes_total{reactor=\"").append(r.name()).append("\",reason=\"")
                        .append(reasons[reason]).append("\"} ").append(s.responseFlushes(reason)).append('\n');
            }
        }
        header(b, "locus_response_flush_writes_total", "counter", "Socket writes of the response flushes: one writev "
                + "gathering PDU headers and data per flush, or, where the channel writes (TLS, or a full socket), each "
                + "buffer handed to it. Writes per flush = this over locus_response_flushes_total.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_response_flush_writes_total{reactor=\"").append(r.name()).append("\"} ")
                    .append(target.completions(r).stats().flushWrites()).append('\n');
        }
        header(b, "locus_flow_migrations_total", "counter", "Provenance flows that moved onto this reactor with their queue "
                + "(one per flow per move); over locus_flows_total, the target's migrations_per_flow.");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_flow_migrations_total{reactor=\"").append(r.name()).append("\"} ")
                    .append(target.completions(r).stats().flowMoves()).append('\n');
        }
        header(b, "locus_flows_total", "counter", "Provenance flows first seen by a queue on this reactor (one per queue and flow id).");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_flows_total{reactor=\"").append(r.name()).append("\"} ")
                    .append(target.completions(r).stats().flows()).append('\n');
        }
        header(b, "locus_rdma_registration_reuse_total", "counter", "RDMA buffers of this reactor's pool taken by a "
                + "connection: result=\"hit\" its memory was already registered on the connection's device, "
                + "result=\"miss\" it was registered then (once per slab and device).");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            b.append("locus_rdma_registration_reuse_total{reactor=\"").append(r.name()).append("\",result=\"hit\"} ")
                    .append(s.registrationReuse(true)).append('\n');
            b.append("locus_rdma_registration_reuse_total{reactor=\"").append(r.name()).append("\",result=\"miss\"} ")
                    .append(s.registrationReuse(false)).append('\n');
        }
        header(b, "locus_rdma_registration_reuse_hit_rate", "gauge", "Hits over all RDMA buffer uses on this reactor "
                + "(near 1: registrations are made once and reused); 0 before any.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            long all = s.registrationReuse(true) + s.registrationReuse(false);
            b.append("locus_rdma_registration_reuse_hit_rate{reactor=\"").append(r.name()).append("\"} ")
                    .append(fmt(all == 0 ? 0 : (double) s.registrationReuse(true) / all)).append('\n');
        }
        header(b, "locus_rdma_read_copy_bytes_total", "counter", "Read data copied into a registered RDMA buffer before "
                + "its RDMA WRITE (0 while backends read into the buffers the transport offers, or serve zeroes).");
        for (Reactor r : target.reactors().reactors()) {
            b.append("locus_rdma_read_copy_bytes_total{reactor=\"").append(r.name()).append("\"} ")
                    .append(target.completions(r).stats().rdmaReadCopyBytes()).append('\n');
        }
        header(b, "locus_latency_services_total", "counter", "Looks at the reactor's latency-class queues between the "
                + "socket writes of another queue's long flush, within a second of the reactor's last latency-class "
                + "request: result=\"served\" a capsule was there and was answered before the flush went on, "
                + "result=\"empty\" none was.");
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            long served = s.latencyServicesServed();
            b.append("locus_latency_services_total{reactor=\"").append(r.name()).append("\",result=\"served\"} ")
                    .append(served).append('\n');
            b.append("locus_latency_services_total{reactor=\"").append(r.name()).append("\",result=\"empty\"} ")
                    .append(s.latencyServices() - served).append('\n');
        }
        registration(b, target);
        turns(b, target);
        summary(b, target, "locus_request_latency_us", "Received to response queued, microseconds.", 0);
        summary(b, target, "locus_backend_latency_us", "Backend submit to backend done, microseconds.", 1);
        summary(b, target, "locus_device_done_to_response_us", "Backend done to response queued (target part of device_done_to_cqe_visible).", 2);
        return b.toString();
    }

    /**
     * {@code registration_reuse_hit_rate} per reactor, from its io_uring rings. A reactor that never ran an io_uring
     * (memory, null and file backends register nothing) or ran no data I/O has no series: a rate there would be made up.
     */
    private static void registration(StringBuilder b, Target target) {
        header(b, "locus_uring_data_ios_total", "counter", "Data I/Os through this reactor's io_uring, by buffer: "
                + "registered (fixed buffers, registered once and reused) or unregistered; only reactors that ran an io_uring.");
        for (Reactor r : target.reactors().reactors()) {
            Optional<UringBackend.BufferRegistration> reg = UringBackend.bufferRegistration(r);
            if (reg.isPresent()) {
                b.append("locus_uring_data_ios_total{reactor=\"").append(r.name()).append("\",buffer=\"registered\"} ")
                        .append(reg.get().registeredIos()).append('\n');
                b.append("locus_uring_data_ios_total{reactor=\"").append(r.name()).append("\",buffer=\"unregistered\"} ")
                        .append(reg.get().unregisteredIos()).append('\n');
            }
        }
        header(b, "locus_registration_reuse_hit_rate", "gauge", "registration_reuse_hit_rate: share of this reactor's "
                + "io_uring data I/Os that reused its registered buffers; absent for reactors with no io_uring data I/O "
                + "(backends without buffer registration).");
        for (Reactor r : target.reactors().reactors()) {
            Optional<UringBackend.BufferRegistration> reg = UringBackend.bufferRegistration(r);
            if (reg.isPresent() && !Double.isNaN(reg.get().hitRate())) {
                b.append("locus_registration_reuse_hit_rate{reactor=\"").append(r.name()).append("\"} ")
                        .append(fmt(reg.get().hitRate())).append('\n');
            }
        }
    }

    /** Turn durations per reactor: one turn of the duty cycle (or an idle sleep), from the reactor's TurnTimer. */
    private static void turns(StringBuilder b, Target target) {
        String name = "locus_reactor_turn_seconds";
        header(b, name, "summary", "Duration of a reactor's duty-cycle turns (the interval between consecutive turns; "
                + "in adaptive idle mode an idle turn includes its sleep), seconds; quantile 1 is the longest turn.");
        for (Reactor r : target.reactors().reactors()) {
            Histogram h = target.turnTimer(r).snapshot();
            String labels = "reactor=\"" + r.name() + "\"";
            for (double q : TURN_QUANTILES) {
                long nanos = h.getTotalCount() == 0 ? 0 : q >= 1 ? h.getMaxValue() : h.getValueAtPercentile(q * 100);
                b.append(name).append('{').append(labels).append(",quantile=\"").append(q >= 1 ? "1" : String.valueOf(q))
                        .append("\"} ").append(String.format(Locale.ROOT, "%.9f", nanos / 1e9)).append('\n');
            }
            b.append(name).append("_count{").append(labels).append("} ").append(h.getTotalCount()).append('\n');
        }
    }

    private static void summary(StringBuilder b, Target target, String name, String help, int which) {
        header(b, name, "summary", help);
        for (Reactor r : target.reactors().reactors()) {
            ReactorStats s = target.completions(r).stats();
            for (int cls = 0; cls < 2; cls++) {
                Histogram h = switch (which) {
                    case 0 -> s.requestLatency(cls);
                    case 1 -> s.backendLatency(cls);
                    default -> s.doneToResponse(cls);
                };
                String labels = "reactor=\"" + r.name() + "\",class=\"" + CLASSES[cls] + "\"";
                for (double q : QUANTILES) {
                    b.append(name).append('{').append(labels).append(",quantile=\"").append(q).append("\"} ")
                            .append(h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(q * 100)).append('\n');
                }
                b.append(name).append("_count{").append(labels).append("} ").append(h.getTotalCount()).append('\n');
            }
        }
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
