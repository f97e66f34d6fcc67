package io.locus.initiator.stats;

/** Prometheus text as locus-target serves it, for tests. */
final class MetricsSamples {
    private MetricsSamples() {
    }

    static final String TWO_REACTORS = """
            # HELP locus_connections Open NVMe/TCP connections (queues).
            # TYPE locus_connections gauge
            locus_connections 3
            # HELP locus_rejections_total Rejected input: malformed PDUs, refused connects, timeouts.
            # TYPE locus_rejections_total counter
            locus_rejections_total 1
            # HELP locus_reactor_turns_total Duty-cycle turns per reactor.
            # TYPE locus_reactor_turns_total counter
            locus_reactor_turns_total{reactor="locus-reactor-0"} 1000
            locus_reactor_turns_total{reactor="locus-reactor-1"} 400
            # HELP locus_reactor_idle_turns_total Turns that found no work.
            # TYPE locus_reactor_idle_turns_total counter
            locus_reactor_idle_turns_total{reactor="locus-reactor-0"} 750
            locus_reactor_idle_turns_total{reactor="locus-reactor-1"} 400
            # HELP locus_reactor_remote_messages_total Messages handed to a reactor from another thread.
            # TYPE locus_reactor_remote_messages_total counter
            locus_reactor_remote_messages_total{reactor="locus-reactor-0"} 7
            locus_reactor_remote_messages_total{reactor="locus-reactor-1"} 0
            # HELP locus_backend_completions_total Backend completions by where they arrived from.
            # TYPE locus_backend_completions_total counter
            locus_backend_completions_total{reactor="locus-reactor-0",origin="local"} 290
            locus_backend_completions_total{reactor="locus-reactor-0",origin="remote"} 10
            locus_backend_completions_total{reactor="locus-reactor-1",origin="local"} 0
            locus_backend_completions_total{reactor="locus-reactor-1",origin="remote"} 0
            # HELP locus_io_commands_total I/O commands completed, by latency class.
            # TYPE locus_io_commands_total counter
            locus_io_commands_total{reactor="locus-reactor-0",class="throughput"} 200
            locus_io_commands_total{reactor="locus-reactor-0",class="latency"} 100
            locus_io_commands_total{reactor="locus-reactor-1",class="throughput"} 0
            locus_io_commands_total{reactor="locus-reactor-1",class="latency"} 0
            # HELP locus_io_bytes_total Bytes moved by I/O commands.
            # TYPE locus_io_bytes_total counter
            locus_io_bytes_total{reactor="locus-reactor-0",direction="read"} 26624000
            locus_io_bytes_total{reactor="locus-reactor-0",direction="write"} 4096
            locus_io_bytes_total{reactor="locus-reactor-1",direction="read"} 0
            locus_io_bytes_total{reactor="locus-reactor-1",direction="write"} 0
            # HELP locus_io_errors_total I/O commands completed with an error status.
            # TYPE locus_io_errors_total counter
            locus_io_errors_total{reactor="locus-reactor-0"} 2
            locus_io_errors_total{reactor="locus-reactor-1"} 0
            # HELP locus_remote_completion_ratio Share of homed requests completed off their home reactor.
            # TYPE locus_remote_completion_ratio gauge
            locus_remote_completion_ratio{reactor="locus-reactor-0"} 0.250000
            locus_remote_completion_ratio{reactor="locus-reactor-1"} 0.000000
            # HELP locus_queue_migrations_total I/O queues that moved onto this reactor.
            # TYPE locus_queue_migrations_total counter
            locus_queue_migrations_total{reactor="locus-reactor-0",reason="connect"} 2
            locus_queue_migrations_total{reactor="locus-reactor-0",reason="provenance"} 1
            locus_queue_migrations_total{reactor="locus-reactor-1",reason="connect"} 0
            locus_queue_migrations_total{reactor="locus-reactor-1",reason="provenance"} 0
            # HELP locus_flow_migrations_total Provenance flows that moved onto this reactor with their queue.
            # TYPE locus_flow_migrations_total counter
            locus_flow_migrations_total{reactor="locus-reactor-0"} 1
            locus_flow_migrations_total{reactor="locus-reactor-1"} 0
            # HELP locus_flows_total Provenance flows first seen by a queue on this reactor.
            # TYPE locus_flows_total counter
            locus_flows_total{reactor="locus-reactor-0"} 1
            # TYPE locus_response_flushes_total counter
            locus_response_flushes_total{reactor="locus-reactor-0",reason="latency"} 100
            locus_response_flushes_total{reactor="locus-reactor-0",reason="limit"} 20
            locus_response_flushes_total{reactor="locus-reactor-0",reason="batch_end"} 30
            locus_flows_total{reactor="locus-reactor-1"} 3
            # HELP locus_uring_data_ios_total Data I/Os through this reactor's io_uring, by buffer.
            # TYPE locus_uring_data_ios_total counter
            locus_uring_data_ios_total{reactor="locus-reactor-0",buffer="registered"} 300
            locus_uring_data_ios_total{reactor="locus-reactor-0",buffer="unregistered"} 100
            # HELP locus_registration_reuse_hit_rate registration_reuse_hit_rate; absent for reactors with no io_uring data I/O.
            # TYPE locus_registration_reuse_hit_rate gauge
            locus_registration_reuse_hit_rate{reactor="locus-reactor-0"} 0.750000
            # HELP locus_reactor_turn_seconds Duration of a reactor's duty-cycle turns, seconds; quantile 1 is the longest turn.
            # TYPE locus_reactor_turn_seconds summary
            locus_reactor_turn_seconds{reactor="locus-reactor-0",quantile="0.5"} 0.000002000
            locus_reactor_turn_seconds{reactor="locus-reactor-0",quantile="0.99"} 0.000040000
            locus_reactor_turn_seconds{reactor="locus-reactor-0",quantile="0.999"} 0.000120000
            locus_reactor_turn_seconds{reactor="locus-reactor-0",quantile="1"} 0.001500000
            locus_reactor_turn_seconds_count{reactor="locus-reactor-0"} 1000
            locus_reactor_turn_seconds{reactor="locus-reactor-1",quantile="0.5"} 0.000000000
            locus_reactor_turn_seconds{reactor="locus-reactor-1",quantile="0.99"} 0.000000000
            locus_reactor_turn_seconds{reactor="locus-reactor-1",quantile="0.999"} 0.000000000
            locus_reactor_turn_seconds{reactor="locus-reactor-1",quantile="1"} 0.000000000
            locus_reactor_turn_seconds_count{reactor="locus-reactor-1"} 0
            # HELP locus_request_latency_us Received to response queued, microseconds.
            # TYPE locus_request_latency_us summary
            locus_request_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.5"} 40
            locus_request_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.99"} 300
            locus_request_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.999"} 900
            locus_request_latency_us_count{reactor="locus-reactor-0",class="throughput"} 200
            locus_request_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.5"} 3
            locus_request_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.99"} 9
            locus_request_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.999"} 15
            locus_request_latency_us_count{reactor="locus-reactor-0",class="latency"} 100
            locus_request_latency_us{reactor="locus-reactor-1",class="throughput",quantile="0.5"} 0
            locus_request_latency_us{reactor="locus-reactor-1",class="throughput",quantile="0.99"} 0
            locus_request_latency_us{reactor="locus-reactor-1",class="throughput",quantile="0.999"} 0
            locus_request_latency_us_count{reactor="locus-reactor-1",class="throughput"} 0
            locus_request_latency_us{reactor="locus-reactor-1",class="latency",quantile="0.5"} 0
            locus_request_latency_us{reactor="locus-reactor-1",class="latency",quantile="0.99"} 0
            locus_request_latency_us{reactor="locus-reactor-1",class="latency",quantile="0.999"} 0
            locus_request_latency_us_count{reactor="locus-reactor-1",class="latency"} 0
            # HELP locus_backend_latency_us Backend submit to backend done, microseconds.
            # TYPE locus_backend_latency_us summary
            locus_backend_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.5"} 20
            locus_backend_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.99"} 100
            locus_backend_latency_us{reactor="locus-reactor-0",class="throughput",quantile="0.999"} 200
            locus_backend_latency_us_count{reactor="locus-reactor-0",class="throughput"} 200
            locus_backend_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.5"} 1
            locus_backend_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.99"} 2
            locus_backend_latency_us{reactor="locus-reactor-0",class="latency",quantile="0.999"} 4
            locus_backend_latency_us_count{reactor="locus-reactor-0",class="latency"} 100
            # HELP locus_device_done_to_response_us Backend done to response queued (target part of device_done_to_cqe_visible).
            # TYPE locus_device_done_to_response_us summary
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="throughput",quantile="0.5"} 5
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="throughput",quantile="0.99"} 50
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="throughput",quantile="0.999"} 80
            locus_device_done_to_response_us_count{reactor="locus-reactor-0",class="throughput"} 200
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="latency",quantile="0.5"} 1
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="latency",quantile="0.99"} 1
            locus_device_done_to_response_us{reactor="locus-reactor-0",class="latency",quantile="0.999"} 2
            locus_device_done_to_response_us_count{reactor="locus-reactor-0",class="latency"} 100
            """;
}
