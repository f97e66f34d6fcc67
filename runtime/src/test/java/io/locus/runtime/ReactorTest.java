package io.locus.runtime;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReactorTest {
    @Test
    void shouldRunTasksFromOtherThreadsOnTheReactorAndCountThem() throws Exception {
        try (Reactor r = new Reactor(ReactorConfig.defaults("t", -1), ThreadPinning.NONE).start()) {
            CompletableFuture<Boolean> on = new CompletableFuture<>();
            r.execute(() -> on.complete(r.inReactor()));
            assertTrue(on.get(2, TimeUnit.SECONDS));
            assertEquals(1, r.remoteMessages());
            CompletableFuture<Long> local = new CompletableFuture<>();
            r.execute(() -> r.execute(() -> local.complete(r.remoteMessages())));
            assertEquals(2, local.get(2, TimeUnit.SECONDS), "a reactor posting to itself is not remote");
        }
    }

    @Test
    void shouldGivePollersAtMostTheirWindowPerTurn() throws Exception {
        ReactorConfig config = new ReactorConfig("w", -1, IdleMode.BUSY, 0, 1_000_000, 8, 3);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE).start()) {
            AtomicInteger maxSeen = new AtomicInteger();
            CountDownLatch polled = new CountDownLatch(100);
            r.addPoller(new Poller() {
                @Override
                public int poll(int maxItems) {
                    maxSeen.accumulateAndGet(maxItems, Math::max);
                    polled.countDown();
                    return 0;
                }

                @Override
                public String name() {
                    return "probe";
                }
            });
            assertTrue(polled.await(2, TimeUnit.SECONDS));
            assertEquals(3, maxSeen.get());
        }
    }

    @Test
    void shouldSleepWhenIdleInAdaptiveModeAndWakeForWork() throws Exception {
        // A long maximum sleep, so a lost wake-up would show as a delay of up to a second.
        ReactorConfig config = new ReactorConfig("idle", -1, IdleMode.ADAPTIVE, 50_000, 1_000_000_000L, 64, 64);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE).start()) {
            Thread.sleep(200);
            long cpuBefore = threadCpu(r);
            long turnsBefore = r.turns();
            Thread.sleep(500);
            long cpuUsed = threadCpu(r) - cpuBefore;
            assertTrue(cpuUsed < 50_000_000L, "adaptive idle reactor used " + cpuUsed / 1_000_000 + " ms CPU in 500 ms");
            assertTrue(r.turns() - turnsBefore < 500, "few turns while idle");
            for (int i = 0; i < 20; i++) {
                Thread.sleep(5);
                CompletableFuture<Long> woke = new CompletableFuture<>();
                long sent = System.nanoTime();
                r.execute(() -> woke.complete(System.nanoTime() - sent));
                assertTrue(woke.get(2, TimeUnit.SECONDS) < 100_000_000L, "a sleeping reactor wakes for a message");
            }
        }
    }

    private static long threadCpu(Reactor r) {
        var bean = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(r.name())) {
                return bean.getThreadCpuTime(t.threadId());
            }
        }
        throw new IllegalStateException("reactor thread not found");
    }
}
