package io.locus.initiator;

import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anti-migration, consumer pinning and the per-flow host stages. Two reactors configured for CPUs 0 and 1 but not
 * pinned (what the policy reads is {@link Reactor#cpu()}), so the test runs anywhere; queue i is on reactor i % 2.
 */
@Timeout(10)
class AntiMigrationTest {
    private static final Flow ANTI = new Flow(9, LatencyClass.LATENCY, 1, 0, Flow.ANTI_MIGRATE, 0);

    private FakeTarget target;
    private ReactorGroup group;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        group = new ReactorGroup("anti", new int[] {0, 1}, IdleMode.ADAPTIVE, ThreadPinning.NONE);
    }

    @AfterEach
    void stop() {
        target.close();
        group.close();
    }

    private Controller connect(int queues) {
        return Controller.connect(target.transportId(), HOST, quick().ioQueues(queues).reactors(group));
    }

    private static Thread threadOf(Reactor r) throws Exception {
        CompletableFuture<Thread> t = new CompletableFuture<>();
        r.execute(() -> t.complete(Thread.currentThread()));
        return t.get(2, TimeUnit.SECONDS);
    }

    /** Reads one block with {@code flow} submitted from reactor 0 (so through queue 0); returns the callback's thread. */
    private Thread readFromReactor0(Controller ctrl, Flow flow) throws Exception {
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        Namespace ns = ctrl.namespace(1);
        group.get(0).execute(() -> ns.read(0, 1, Unpooled.buffer(512), 0, flow, (ctx, status, dw0, dw1) -> {
            if (status == 0) {
                ranOn.complete(Thread.currentThread());
            } else {
                ranOn.completeExceptionally(new AssertionError(HostStatus.describe(status)));
            }
        }, null));
        return ranOn.get(3, TimeUnit.SECONDS);
    }

    @Test
    void shouldHandCompletionToHomeReactorWhenAntiMigrateFlowLandsOffItsHomeCpu() throws Exception {
        try (Controller ctrl = connect(2)) {
            long remoteBefore = group.get(1).remoteMessages();
            Thread ranOn = readFromReactor0(ctrl, ANTI);
            assertSame(threadOf(group.get(1)), ranOn, "the callback runs on the reactor on the home CPU");
            assertSame(group.get(1), ctrl.homeReactor(1));
            HostFlowStats s = ctrl.flowStats(ANTI.id());
            assertEquals(1, s.completions());
            assertEquals(1, s.handedOff());
            assertEquals(0, s.inline());
            assertEquals(1, s.cqeVisibleToWakeupNanos().getTotalCount());
            assertEquals(1, s.wakeupToOnCpuNanos().getTotalCount());
            assertTrue(group.get(1).remoteMessages() > remoteBefore, "the hand-off crossed the home reactor's queue");
        }
    }

    @Test
    void shouldRunInlineWhenFlowIsNotAntiMigrate() throws Exception {
        try (Controller ctrl = connect(2)) {
            Flow free = new Flow(10, LatencyClass.LATENCY, 1, 0, 0, 0);
            assertSame(threadOf(group.get(0)), readFromReactor0(ctrl, free));
            HostFlowStats s = ctrl.flowStats(free.id());
            assertEquals(1, s.inline());
            assertEquals(0, s.handedOff());
            assertEquals(0, s.wakeupToOnCpuNanos().getMaxValue(), "an inline callback has no wake-up to wait for");
        }
    }

    @Test
    void shouldRunInlineAndCountItWhenNoReactorIsOnHomeCpu() throws Exception {
        try (Controller ctrl = connect(2)) {
            Flow homeless = new Flow(11, LatencyClass.LATENCY, 5, 0, Flow.ANTI_MIGRATE, 0);
            assertSame(threadOf(group.get(0)), readFromReactor0(ctrl, homeless));
            HostFlowStats s = ctrl.flowStats(homeless.id());
            assertEquals(1, s.noHomeReactor());
            assertEquals(0, s.handedOff());
        }
    }

    @Test
    void shouldDeliverSplitTransferOnceOnHomeReactor() throws Exception {
        target.mdts = 1; // 8 KiB per command: a 40 KiB read is 5 chunks
        try (Controller ctrl = connect(2)) {
            Namespace ns = ctrl.namespace(1);
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            group.get(0).execute(() -> ns.read(0, 80, Unpooled.buffer(40960), 0, ANTI,
                    (ctx, status, dw0, dw1) -> ranOn.complete(Thread.currentThread()), null));
            assertSame(threadOf(group.get(1)), ranOn.get(3, TimeUnit.SECONDS));
            assertEquals(5, target.ioCommands(0x02).size());
            HostFlowStats s = ctrl.flowStats(ANTI.id());
            assertEquals(1, s.completions(), "the chunks are the library's; the consumer sees one completion");
            assertEquals(1, s.handedOff());
        }
    }

    @Test
    void shouldTakeFreshCarrierWhenSlotCompletesAgainBeforeHomeReactorRan() throws Exception {
        // One command slot, and the home reactor held up: the slot is reused and completes again while its carrier
        // still waits in the home reactor's queue.
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().ioQueues(1).queueSize(2).reactors(group))) {
            assertEquals(1, ctrl.ioQueue(0).depth());
            CountDownLatch release = new CountDownLatch(1);
            group.get(1).execute(() -> {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Namespace ns = ctrl.namespace(1).onQueue(0);
            long completedBefore = ctrl.ioQueue(0).completedCount(); // the fabrics Connect
            List<Integer> order = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(3);
            for (int i = 0; i < 3; i++) {
                ns.read(i, 1, Unpooled.buffer(512), 0, ANTI, (ctx, status, dw0, dw1) -> {
                    order.add((Integer) ctx);
                    threads.add(Thread.currentThread());
                    done.countDown();
                }, i);
            }
            Await.until(() -> target.ioCommands(0x02).size() == 3, () -> "three reads sent through one slot");
            Await.until(() -> ctrl.ioQueue(0).completedCount() - completedBefore == 3, () -> "three completions seen on reactor 0");
            assertEquals(0, order.size(), "nothing ran while the home reactor was busy");
            release.countDown();
            assertTrue(done.await(3, TimeUnit.SECONDS));
            assertEquals(List.of(0, 1, 2), order);
            Thread home = threadOf(group.get(1));
            assertTrue(threads.stream().allMatch(t -> t == home), threads.toString());
            assertTrue(ctrl.ioQueue(0).carrierSpills() >= 2, "spills: " + ctrl.ioQueue(0).carrierSpills());
        }
    }

    @Test
    void shouldConsumeBlockingCallOnWaitingThreadWhenFlowIsAntiMigrate() {
        // One queue, on reactor 0 (CPU 0); the flow's home CPU 1 has a reactor but no queue.
        try (Controller ctrl = connect(1)) {
            ByteBuf into = Unpooled.buffer(512);
            ctrl.namespace(1).readBlocking(0, 1, into, ANTI);
            assertEquals(512, into.readableBytes());
            HostFlowStats s = ctrl.flowStats(ANTI.id());
            assertEquals(1, s.blocking());
            assertEquals(0, s.handedOff(), "the waiter is the consumer: nothing to hand to the home reactor");
            assertEquals(1, s.cqeVisibleToWakeupNanos().getTotalCount());
            assertEquals(1, s.wakeupToOnCpuNanos().getTotalCount());
        }
    }

    @Test
    void shouldRecordInlineStagesForEveryCompletionOfFlow() throws Exception {
        try (Controller ctrl = connect(2)) {
            Flow flow = new Flow(12, LatencyClass.THROUGHPUT, 1, 0, 0, 0);
            Namespace ns = ctrl.namespace(1);
            CountDownLatch done = new CountDownLatch(20);
            for (int i = 0; i < 20; i++) {
                ns.read(i, 1, Unpooled.buffer(512), 0, flow, (ctx, status, dw0, dw1) -> done.countDown(), null);
            }
            assertTrue(done.await(3, TimeUnit.SECONDS));
            HostFlowStats s = ctrl.flowStats(flow.id());
            assertEquals(20, s.completions());
            assertEquals(20, s.inline());
            assertEquals(20, s.cqeVisibleToWakeupNanos().getTotalCount());
            assertEquals(20, s.wakeupToOnCpuNanos().getTotalCount());
            assertEquals(0, s.wakeupToOnCpuNanos().getMaxValue());
            assertEquals(List.of(s.flowId()), ctrl.flowStats().stream().map(HostFlowStats::flowId).toList());
            assertEquals(0, ctrl.flowStats(4242).completions());
        }
    }

    @Test
    void shouldPinConsumerToHomeCpuWhenFlowHasOne() {
        int[] pinnedTo = {-1};
        ThreadPinning recording = cpu -> {
            pinnedTo[0] = cpu;
            return true;
        };
        assertTrue(ANTI.pinConsumer(recording));
        assertEquals(1, pinnedTo[0]);
        pinnedTo[0] = -1;
        assertFalse(Flow.of(1, LatencyClass.LATENCY).pinConsumer(recording), "no home CPU, nothing to pin to");
        assertEquals(-1, pinnedTo[0]);
        assertFalse(ANTI.pinConsumer(cpu -> false), "a refused pinning is reported");
    }

    @Test
    void shouldEmitHostCompletionEventsWhenEnabled() throws Exception {
        Path jfr = dir.resolve("host.jfr");
        try (Controller ctrl = connect(2); Recording recording = new Recording()) {
            recording.enable("io.locus.HostCompletion");
            recording.start();
            readFromReactor0(ctrl, ANTI);
            readFromReactor0(ctrl, Flow.of(13, LatencyClass.THROUGHPUT));
            recording.stop();
            recording.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("io.locus.HostCompletion")).toList();
        assertEquals(2, events.size(), events.toString());
        RecordedEvent handed = events.stream().filter(e -> e.getInt("flowId") == ANTI.id()).findFirst().orElseThrow();
        assertEquals("handed off", handed.getString("delivery"));
        assertEquals(1, handed.getInt("homeCpu"));
        assertEquals(1, handed.getInt("qid"));
        RecordedEvent inline = events.stream().filter(e -> e.getInt("flowId") == 13).findFirst().orElseThrow();
        assertEquals("inline", inline.getString("delivery"));
        assertEquals(0L, inline.getDuration("wakeupToOnCpuNanos").toNanos());
    }
}
