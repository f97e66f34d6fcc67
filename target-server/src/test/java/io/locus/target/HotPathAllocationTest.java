package io.locus.target;

import io.locus.runtime.Reactor;
import io.locus.target.config.TargetConfig;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * CapsuleCmd [→ R2T → H2CData] → dispatcher → backend → C2HData/CapsuleResp must not allocate per request on the target's reactor:
 * its allocated bytes, over thousands of reads, in-capsule writes and R2T writes after a warm-up, stay far below one small
 * object per I/O. The host is a plain socket on the test thread, so only the target is measured.
 */
@Timeout(60)
class HotPathAllocationTest {
    private static final int BLOCK = 4096;
    private static final int WARM_UP = 3000;
    /** Enough I/Os that a one-off allocation (a histogram growing for a new maximum) stays below the bound. */
    private static final int IOS = 10_000;

    /** One kind of I/O the host repeats. */
    private interface Io {
        void run(RawHost host, int i) throws Exception;
    }

    @Test
    void shouldNotAllocatePerRequestOnTheReactorWhenReadingAndWriting() throws Exception {
        for (String backend : List.of("memory", "null")) {
            measure(backend, "4 KiB reads", (h, i) -> {
                Object[] r = h.readBlocks(1, i % 1024, 1, BLOCK);
                assertEquals(BLOCK, ((byte[]) r[0]).length);
            });
            byte[] small = new byte[BLOCK];
            measure(backend, "4 KiB in-capsule writes", (h, i) ->
                    assertEquals(0, h.writeBlocks(1, i % 1024, small, BLOCK, 8192, 0).cqeStatus()));
            // inCapsuleMax 0: every write asks for its data with an R2T and gets it in one H2CData PDU, which the
            // receiver reads straight into the request's buffer.
            measure(backend, "4 KiB R2T/H2CData writes", (h, i) ->
                    assertEquals(0, h.writeBlocks(1, i % 1024, small, BLOCK, 0, 0).cqeStatus()));
        }
    }

    private static void measure(String backend, String what, Io io) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // The build runs tests with paranoid leak detection, which records a stack trace per buffer access.
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        TargetConfig config = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, backend, 64L << 20, null, BLOCK, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        try (Target t = Target.start(config);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, false, false);
            // One reactor: the admin and the I/O queue, the backend completions and the responses all run on it.
            long reactorThread = threadId(t.reactors().get(0));
            for (int i = 0; i < WARM_UP; i++) {
                io.run(host, i); // warm-up: JIT, buffer pools, recyclers
            }
            long before = threads.getThreadAllocatedBytes(reactorThread);
            for (int i = 0; i < IOS; i++) {
                io.run(host, i);
            }
            long allocated = threads.getThreadAllocatedBytes(reactorThread) - before;
            double perIo = allocated / (double) IOS;
            if (perIo >= 8) {
                throw new AssertionError(backend + " " + what + ": " + allocated + " bytes allocated on the reactor for "
                        + IOS + " I/Os (" + perIo + " per I/O)");
            }
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    private static long threadId(Reactor r) throws Exception {
        CompletableFuture<Long> id = new CompletableFuture<>();
        r.execute(() -> id.complete(Thread.currentThread().threadId()));
        return id.get(2, TimeUnit.SECONDS);
    }
}
