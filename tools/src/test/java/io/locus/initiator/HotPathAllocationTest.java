package io.locus.initiator;

import io.locus.initiator.bench.BenchTarget;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Submit → CapsuleCmd → CapsuleResp/C2HData → callback must not allocate per request: the reactor thread's
 * allocated bytes, over many thousands of reads after a warm-up, stay far below one small object per read.
 */
@Timeout(30)
class HotPathAllocationTest {
    @Test
    void shouldNotAllocatePerRequestOnReactorWhenReadingAndWriting() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // The build runs tests with paranoid leak detection, which records a stack trace per buffer access.
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try (BenchTarget target = new BenchTarget(0, 1, false);
             Controller ctrl = Controller.connect(TransportId.tcp("127.0.0.1", target.port(), BenchTarget.NQN), HOST, quick())) {
            AtomicLong reactorThread = new AtomicLong();
            CountDownLatch found = new CountDownLatch(1);
            ctrl.ioQueue(0).reactor().execute(() -> {
                reactorThread.set(Thread.currentThread().threadId());
                found.countDown();
            });
            assertTrue(found.await(2, TimeUnit.SECONDS));
            // A homed flow on these unpinned reactors has no home reactor: the flow path records it inline (stages,
            // CPU sample) on the queue's reactor.
            Flow homed = new Flow(3, LatencyClass.THROUGHPUT, 0, 0, Flow.ANTI_MIGRATE, 0);
            PerfConfig[] configs = {
                PerfConfig.of(Workload.RANDREAD, 16, 4096, 0.6).withWorkingSet(64L << 20),
                PerfConfig.of(Workload.RANDWRITE, 16, 4096, 0.6).withWorkingSet(64L << 20),
                PerfConfig.of(Workload.RANDREAD, 16, 4096, 0.6).withWorkingSet(64L << 20).withFlow(homed)};
            for (PerfConfig config : configs) {
                // Warm up (JIT, pools, recyclers), then measure a second run.
                Perf.run(ctrl, config, null);
                long before = threads.getThreadAllocatedBytes(reactorThread.get());
                PerfResult r = Perf.run(ctrl, config, null);
                long allocated = threads.getThreadAllocatedBytes(reactorThread.get()) - before;
                assertTrue(r.passed() && r.ios() > 2000, r.toString());
                if (config.flow() != null) {
                    assertTrue(r.hostFlow().noHomeReactor() >= r.ios(), r.hostFlow().toString());
                }
                double perIo = allocated / (double) r.ios();
                String what = config.workload() + (config.flow() != null ? " with a flow" : "");
                assertTrue(perIo < 8, what + ": " + allocated + " bytes allocated on the reactor for " + r.ios()
                        + " I/Os (" + perIo + " per I/O)");
            }
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    /**
     * The anti-migration path: an ANTI_MIGRATE flow homed on reactor 1 through a queue on reactor 0. Every completion
     * is recorded for the flow, its CPU sampled, and handed to reactor 1 in the slot's preallocated carrier; reactor 1
     * runs the callback and submits the next read back through reactor 0's queue. Neither thread allocates per I/O.
     */
    @Test
    void shouldNotAllocatePerRequestOnEitherReactorWhenCompletionsAreHandedToHomeReactor() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        Flow flow = new Flow(5, LatencyClass.THROUGHPUT, 1, 0, Flow.ANTI_MIGRATE, 0);
        try (ReactorGroup group = new ReactorGroup("alloc", new int[] {0, 1}, IdleMode.ADAPTIVE, ThreadPinning.NONE);
             BenchTarget target = new BenchTarget(0, 1, false);
             Controller ctrl = Controller.connect(TransportId.tcp("127.0.0.1", target.port(), BenchTarget.NQN), HOST,
                     quick().ioQueues(1).reactors(group))) {
            long queueThread = threadId(group.get(0));
            long homeThread = threadId(group.get(1));
            PerfConfig config = PerfConfig.of(Workload.RANDREAD, 16, 4096, 0.6).withWorkingSet(64L << 20).withFlow(flow);
            Perf.run(ctrl, config, null);
            long queueBefore = threads.getThreadAllocatedBytes(queueThread);
            long homeBefore = threads.getThreadAllocatedBytes(homeThread);
            PerfResult r = Perf.run(ctrl, config, null);
            long queueAllocated = threads.getThreadAllocatedBytes(queueThread) - queueBefore;
            long homeAllocated = threads.getThreadAllocatedBytes(homeThread) - homeBefore;
            assertTrue(r.passed() && r.ios() > 2000, r.toString());
            assertTrue(r.hostFlow().handedOff() >= r.ios(), "every completion was handed off: " + r.hostFlow());
            double queuePerIo = queueAllocated / (double) r.ios();
            double homePerIo = homeAllocated / (double) r.ios();
            assertTrue(queuePerIo < 8, "queue reactor: " + queueAllocated + " bytes for " + r.ios() + " I/Os (" + queuePerIo + " per I/O)");
            assertTrue(homePerIo < 8, "home reactor: " + homeAllocated + " bytes for " + r.ios() + " I/Os (" + homePerIo + " per I/O)");
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    private static long threadId(Reactor r) throws InterruptedException {
        AtomicLong id = new AtomicLong();
        CountDownLatch found = new CountDownLatch(1);
        r.execute(() -> {
            id.set(Thread.currentThread().threadId());
            found.countDown();
        });
        assertTrue(found.await(2, TimeUnit.SECONDS));
        return id.get();
    }
}
