package io.locus.runtime;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
        ReactorConfig config = new ReactorConfig("w", -1, IdleMode.BUSY, 0, 1_000_000, 8, 3, 10_000_000_000L);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE).start()) {
            AtomicInteger maxSeen = new AtomicInteger();
            AtomicLong longestWindow = new AtomicLong();
            AtomicLong shortestWindow = new AtomicLong(Long.MAX_VALUE);
            CountDownLatch polled = new CountDownLatch(100);
            r.addPoller(new Poller() {
                @Override
                public int poll(int maxItems) {
                    throw new AssertionError("the reactor passes its window");
                }

                @Override
                public int poll(int maxItems, long deadlineNanos) {
                    long left = deadlineNanos - System.nanoTime();
                    maxSeen.accumulateAndGet(maxItems, Math::max);
                    longestWindow.accumulateAndGet(left, Math::max);
                    shortestWindow.accumulateAndGet(left, Math::min);
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
            assertTrue(longestWindow.get() <= 10_000_000_000L, "the deadline is at most the window away");
            assertTrue(shortestWindow.get() > 5_000_000_000L, "each poller gets its own window, started when it is polled");
        }
    }

    @Test
    void shouldStopDrainingMessagesWhenTheWindowIsUsed() throws Exception {
        // A 1 ns window: each message uses it up, so each runs in a turn of its own (the count bound alone is 64).
        ReactorConfig config = new ReactorConfig("m", -1, IdleMode.BUSY, 0, 1_000_000, 64, 64, 1);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE).start()) {
            CountDownLatch gate = new CountDownLatch(1);
            r.execute(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int n = 10;
            long[] turnOf = new long[n];
            CountDownLatch ran = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int at = i;
                r.execute(() -> {
                    turnOf[at] = r.turns();
                    ran.countDown();
                });
            }
            gate.countDown(); // all ten are queued before the reactor drains again
            assertTrue(ran.await(2, TimeUnit.SECONDS));
            for (int i = 1; i < n; i++) {
                assertTrue(turnOf[i] > turnOf[i - 1], "message " + i + " ran in the same turn as the one before");
            }
        }
    }

    @Test
    void shouldSleepWhenIdleInAdaptiveModeAndWakeForWork() throws Exception {
        // A long maximum sleep, so a lost wake-up would show as a delay of up to a second.
        ReactorConfig config = new ReactorConfig("idle", -1, IdleMode.ADAPTIVE, 50_000, 1_000_000_000L, 64, 64,
                ReactorConfig.DEFAULT_WINDOW_NANOS);
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
