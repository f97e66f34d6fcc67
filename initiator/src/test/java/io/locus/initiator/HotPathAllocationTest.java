package io.locus.initiator;

import io.locus.initiator.bench.BenchTarget;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
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
            for (Workload w : new Workload[] {Workload.RANDREAD, Workload.RANDWRITE}) {
                // Warm up (JIT, pools, recyclers), then measure a second run.
                Perf.run(ctrl, PerfConfig.of(w, 16, 4096, 0.6).withWorkingSet(64L << 20), null);
                long before = threads.getThreadAllocatedBytes(reactorThread.get());
                PerfResult r = Perf.run(ctrl, PerfConfig.of(w, 16, 4096, 0.6).withWorkingSet(64L << 20), null);
                long allocated = threads.getThreadAllocatedBytes(reactorThread.get()) - before;
                assertTrue(r.passed() && r.ios() > 2000, r.toString());
                double perIo = allocated / (double) r.ios();
                assertTrue(perIo < 8, w + ": " + allocated + " bytes allocated on the reactor for " + r.ios() + " I/Os ("
                        + perIo + " per I/O)");
            }
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }
}
