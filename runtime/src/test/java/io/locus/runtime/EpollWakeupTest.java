package io.locus.runtime;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** An fd in a sleeping reactor's epoll set wakes it (the RDMA completion channel's path), with an eventfd as the fd. */
@Timeout(60)
class EpollWakeupTest {
    @Test
    void shouldWakeASleepingReactorEachTimeTheFdBecomesReadable() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no epoll here: " + Epoll.unavailabilityCause());
        // A frozen clock and no spin: every idle turn blocks for up to 10 s, so a wake-up that does not come from
        // the fd shows as a 10 s delay, past the 5 s each step waits.
        CachedNanoClock clock = new CachedNanoClock();
        clock.update(1_000_000_000L);
        ReactorConfig config = new ReactorConfig("wake", -1, IdleMode.ADAPTIVE, 0, 10_000_000_000L, 64, 64,
                ReactorConfig.DEFAULT_WINDOW_NANOS);
        FileDescriptor eventFd = Native.newEventFd();
        Semaphore woken = new Semaphore(0);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE, NettyTransports.ioHandlerFactory(), clock).start()) {
            AtomicReference<EpollWakeup> watch = new AtomicReference<>();
            CompletableFuture<Boolean> onReactor = new CompletableFuture<>();
            r.execute(() -> watch.set(EpollWakeup.watch(r.eventLoop(), eventFd.intValue(), "test eventfd", () -> {
                Native.eventFdRead(eventFd.intValue()); // drain: level-triggered
                onReactor.complete(r.inReactor());
                woken.release();
            })));
            assertTrue(poll(r, () -> watch.get() != null && watch.get().active()), "the fd is in the epoll set");
            for (int i = 0; i < 20; i++) {
                Native.eventFdWrite(eventFd.intValue(), 1);
                assertTrue(woken.tryAcquire(5, TimeUnit.SECONDS), "wake-up " + i + " came from the fd");
            }
            assertTrue(onReactor.get(), "the callback runs on the reactor's thread");
            assertEquals(0, woken.availablePermits(), "a drained fd does not call again");

            CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
            r.execute(() -> {
                watch.get().cancel();
                cancelled.complete(watch.get().active());
            });
            assertFalse(cancelled.get(5, TimeUnit.SECONDS), "cancelled");
        } finally {
            eventFd.close();
        }
    }

    @Test
    void shouldNotWatchWithoutAnFd() throws Exception {
        try (Reactor r = new Reactor(ReactorConfig.defaults("nofd", -1), ThreadPinning.NONE).start()) {
            CompletableFuture<EpollWakeup> w = new CompletableFuture<>();
            r.execute(() -> w.complete(EpollWakeup.watch(r.eventLoop(), -1, "none", () -> { })));
            assertEquals(null, w.get(5, TimeUnit.SECONDS));
        }
    }

    /** Asks the reactor (a message wakes it) until {@code condition} holds there, for at most 5 s. */
    private static boolean poll(Reactor r, java.util.function.BooleanSupplier condition) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() - end < 0) {
            CompletableFuture<Boolean> now = new CompletableFuture<>();
            r.execute(() -> now.complete(condition.getAsBoolean()));
            if (now.get(5, TimeUnit.SECONDS)) {
                return true;
            }
        }
        return false;
    }
}
