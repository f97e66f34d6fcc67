package io.locus.initiator;

import io.locus.nativeio.NativeThreadPinning;
import io.locus.runtime.IdleMode;
import io.locus.runtime.ReactorGroup;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * migrations_per_flow with reactors really pinned to CPUs 0 and 1 (skipped where the native library or a second CPU is
 * missing): a flow whose completions alternate between the two reactors migrates on every completion; the same
 * alternation with ANTI_MIGRATE keeps every consumer on the home CPU.
 */
@Timeout(10)
class MigrationsPerFlowTest {
    private FakeTarget target;
    private ReactorGroup group;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        group = new ReactorGroup("migrations", new int[] {0, 1}, IdleMode.ADAPTIVE, NativeThreadPinning.instance());
    }

    @AfterEach
    void stop() {
        target.close();
        group.close();
    }

    private void assumePinned() throws Exception {
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Boolean> pinned = new CompletableFuture<>();
            var r = group.get(i);
            r.execute(() -> pinned.complete(r.isPinned()));
            assumeTrue(pinned.get(2, TimeUnit.SECONDS), "reactor on CPU " + i + " could not be pinned");
        }
    }

    /** Reads one block at a time, alternating queue 0 (CPU 0) and queue 1 (CPU 1). */
    private static void alternate(Controller ctrl, Flow flow, int reads) throws Exception {
        for (int i = 0; i < reads; i++) {
            CompletableFuture<Integer> done = new CompletableFuture<>();
            ctrl.namespace(1).onQueue(i % 2).read(i, 1, Unpooled.buffer(512), 0, flow,
                    (ctx, status, dw0, dw1) -> done.complete(status), null);
            assertEquals(0, done.get(3, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldCountMigrationsWhenCompletionsAlternateBetweenCpus() throws Exception {
        assumePinned();
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().ioQueues(2).reactors(group))) {
            Flow flow = new Flow(21, LatencyClass.THROUGHPUT, 0, 0, 0, 0);
            alternate(ctrl, flow, 6);
            HostFlowStats s = ctrl.flowStats(flow.id());
            assertEquals(6, s.cpuSamples());
            assertEquals(5, s.migrations(), "CPU 0, 1, 0, 1, 0, 1");
            assertEquals(3, s.offHomeCpu());
        }
    }

    @Test
    void shouldNotMigrateWhenFlowIsAntiMigrate() throws Exception {
        assumePinned();
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().ioQueues(2).reactors(group))) {
            Flow flow = new Flow(22, LatencyClass.THROUGHPUT, 0, 0, Flow.ANTI_MIGRATE, 0);
            alternate(ctrl, flow, 6);
            HostFlowStats s = ctrl.flowStats(flow.id());
            assertEquals(6, s.cpuSamples());
            assertEquals(0, s.migrations());
            assertEquals(0, s.offHomeCpu());
            assertEquals(3, s.handedOff());
        }
    }
}
