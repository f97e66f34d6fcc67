package io.locus.runtime;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dedicated reactors on their own threads; the turn-by-turn behaviour is in {@link ReactorAgentTest}. */
@Timeout(60)
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
    void shouldWakeABlockedReactorForEveryMessageFromAnotherThread() throws Exception {
        // A frozen manual clock and no spin time: every idle turn blocks, for up to 10 s; a lost wake-up would show
        // as a 10 s delay, far past the 5 s the test waits.
        CachedNanoClock clock = new CachedNanoClock();
        clock.update(1_000_000_000L);
        ReactorConfig config = new ReactorConfig("idle", -1, IdleMode.ADAPTIVE, 0, 10_000_000_000L, 64, 64,
                ReactorConfig.DEFAULT_WINDOW_NANOS);
        try (Reactor r = new Reactor(config, ThreadPinning.NONE, NettyTransports.ioHandlerFactory(), clock).start()) {
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Boolean> woke = new CompletableFuture<>();
                r.execute(() -> woke.complete(r.inReactor()));
                assertTrue(woke.get(5, TimeUnit.SECONDS), "a sleeping reactor wakes for a message");
            }
            assertEquals(20, r.remoteMessages());
        }
    }

    @Test
    void shouldRefuseToMixThreadingModes() {
        CachedNanoClock clock = new CachedNanoClock();
        try (Reactor invoker = Reactor.invoker(ReactorConfig.defaults("inv", -1), clock)) {
            assertThrows(IllegalStateException.class, invoker::start);
            assertEquals(0, invoker.invoke());
        }
        try (Reactor dedicated = new Reactor(ReactorConfig.defaults("ded", -1), ThreadPinning.NONE)) {
            assertThrows(IllegalStateException.class, dedicated::invoke);
        }
    }
}
