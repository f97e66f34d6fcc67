package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.TransportId;
import io.locus.initiator.stats.ReactorSummary;
import io.locus.initiator.stats.TargetStats;
import io.locus.runtime.Reactor;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.metrics.MetricsServer;
import io.locus.target.core.ReactorStats;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code locus stats} reads what a real target's metrics endpoint serves: the names and labels agree on both sides. */
@Timeout(60)
class TargetStatsEndToEndTest {
    @Test
    void shouldReadTurnTimesPlacementAndRegistrationFromALiveTarget() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(EndToEndTest.NQN, "LOCUSSTATS", "Locus stats", true,
                List.of(), 32, List.of(new TargetConfig.NamespaceConfig(1, "memory", 64L << 20, null, 4096, null)));
        TargetConfig config = new TargetConfig(new TargetConfig.Reactors(List.of(-1, -1), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(s), TargetConfig.Limits.defaults());
        try (Target target = Target.start(config);
             MetricsServer metrics = new MetricsServer(target, new InetSocketAddress("127.0.0.1", 0))) {
            int port = target.ports().stream().filter(p -> !p.discovery()).mapToInt(p -> p.address().getPort()).findFirst().orElseThrow();
            TransportId tid = new TransportId("tcp", "127.0.0.1", port, EndToEndTest.NQN);
            try (Controller c = Controller.connect(tid, EndToEndTest.HOST, ControllerOptions.defaults().ioQueues(2).provenance(true))) {
                for (int i = 0; i < 20; i++) {
                    c.namespace(1).writeBlocking(i, 1, Unpooled.wrappedBuffer(EndToEndTest.random(4096, i)), false);
                }
            }
            TargetStats stats = TargetStats.fetch(URI.create("http://127.0.0.1:" + metrics.port() + "/metrics"), Duration.ofSeconds(5));
            List<ReactorSummary> all = stats.summaries();
            assertEquals(2, all.size());
            for (int i = 0; i < 2; i++) {
                Reactor r = target.reactors().get(i);
                ReactorStats rs = target.completions(r).stats();
                ReactorSummary summary = all.get(i);
                assertEquals(r.name(), summary.reactor());
                assertTrue(summary.turnTime().count() > 0, "turns timed on " + r.name());
                assertTrue(summary.turnTime().p50() <= summary.turnTime().max());
                assertFalse(summary.hasRegistration(), "memory namespaces register no buffers: n/a, not 0");
                assertEquals(rs.queueMoves(ReactorStats.MOVE_CONNECT), summary.queueMovesConnect());
                assertEquals(rs.queueMoves(ReactorStats.MOVE_PROVENANCE), summary.queueMovesProvenance());
                assertEquals(rs.flowMoves(), summary.flowMigrations());
                assertEquals(rs.flows(), summary.flows());
                assertEquals(new ReactorSummary.Flushes(rs.responseFlushes(ReactorStats.FLUSH_LATENCY),
                        rs.responseFlushes(ReactorStats.FLUSH_LIMIT), rs.responseFlushes(ReactorStats.FLUSH_BATCH_END)),
                        summary.flushes());
            }
            assertTrue(stats.json("test").containsKey("migrations_per_flow"));
        }
    }
}
