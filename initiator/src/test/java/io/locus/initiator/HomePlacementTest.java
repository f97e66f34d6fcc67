package io.locus.initiator;

import io.locus.initiator.queue.QueuePair;
import io.locus.runtime.IdleMode;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
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
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Host placement by home CPU: a flow submitted from a thread that is not a host reactor goes to a queue of the
 * reactor on its home CPU. The reactors here are configured for CPUs 3 and 6 but not pinned ({@link io.locus.runtime.Reactor#cpu()}
 * is what placement reads), so the test runs on any machine.
 */
@Timeout(10)
class HomePlacementTest {
    private FakeTarget target;
    private ReactorGroup group;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        // Queue i goes to reactor i % 2: queues 0 and 2 on CPU 3, queues 1 and 3 on CPU 6.
        group = new ReactorGroup("placement", new int[] {3, 6}, IdleMode.ADAPTIVE, ThreadPinning.NONE);
    }

    @AfterEach
    void stop() {
        target.close();
        group.close();
    }

    private Controller connect() {
        return Controller.connect(target.transportId(), HOST, quick().ioQueues(4).reactors(group));
    }

    @Test
    void shouldPickQueueOfReactorOnHomeCpuWhenCallerIsNotOnReactor() {
        try (Controller ctrl = connect()) {
            Namespace ns = ctrl.namespace(1);
            // Old mapping cpu % n would give queue 6 % 4 = 2 (on CPU 3) and 3 % 4 = 3 (on CPU 6): both wrong.
            QueuePair latency = ns.queueFor(new Flow(1, LatencyClass.LATENCY, 6, 0, 0, 0));
            assertEquals(6, latency.reactor().cpu());
            assertSame(ctrl.ioQueue(1), latency, "a latency-class flow takes the home reactor's first queue");
            QueuePair bulk = ns.queueFor(new Flow(2, LatencyClass.THROUGHPUT, 6, 0, 0, 0));
            assertSame(ctrl.ioQueue(3), bulk, "other flows take the home reactor's other queues");
            assertSame(ctrl.ioQueue(0), ns.queueFor(new Flow(3, LatencyClass.STEP_CRITICAL, 3, 0, 0, 0)));
            assertSame(ctrl.ioQueue(2), ns.queueFor(new Flow(4, LatencyClass.PREFETCH, 3, 0, 0, 0)));
        }
    }

    @Test
    void shouldFallBackToCpuModuloQueuesWhenNoReactorIsOnHomeCpu() {
        try (Controller ctrl = connect()) {
            Namespace ns = ctrl.namespace(1);
            assertSame(ctrl.ioQueue(9 % 4), ns.queueFor(new Flow(1, LatencyClass.LATENCY, 9, 0, 0, 0)));
        }
    }

    @Test
    void shouldKeepCallersReactorQueueWhenSubmittingFromReactor() throws Exception {
        try (Controller ctrl = connect()) {
            Namespace ns = ctrl.namespace(1);
            CompletableFuture<QueuePair> picked = new CompletableFuture<>();
            group.get(0).execute(() -> picked.complete(ns.queueFor(new Flow(1, LatencyClass.LATENCY, 6, 0, 0, 0))));
            assertSame(ctrl.ioQueue(0), picked.get(2, TimeUnit.SECONDS), "no hand-off for a caller on a reactor");
        }
    }

    @Test
    void shouldCompleteOnHomeReactorWhenReadingWithHomedFlowFromApplicationThread() throws Exception {
        try (Controller ctrl = connect()) {
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            ctrl.namespace(1).read(0, 1, Unpooled.buffer(512), 0, new Flow(1, LatencyClass.LATENCY, 6, 0, 0, 0),
                    (ctx, status, dw0, dw1) -> ranOn.complete(Thread.currentThread()), null);
            Thread t = ranOn.get(2, TimeUnit.SECONDS);
            CompletableFuture<Thread> home = new CompletableFuture<>();
            group.get(1).execute(() -> home.complete(Thread.currentThread()));
            assertSame(home.get(2, TimeUnit.SECONDS), t);
        }
    }
}
