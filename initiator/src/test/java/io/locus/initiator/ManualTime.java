package io.locus.initiator;

import io.locus.runtime.IdleMode;
import io.locus.runtime.NettyTransports;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ReactorGroup;
import io.locus.runtime.ThreadPinning;
import org.agrona.concurrent.CachedNanoClock;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One reactor on a manual clock, for a controller whose timers a test moves ({@code ControllerOptions.reactors(
 * time.group)}): the controller's Keep Alive, time-out scan and reconnect delay run on its admin reactor's clock, so
 * they fire exactly when {@link #advanceMs} passes their deadline, never on their own. The reactor keeps its own
 * thread (sockets to the fake target are real); only its time is the test's.
 */
final class ManualTime implements AutoCloseable {
    final CachedNanoClock clock = new CachedNanoClock();
    final Reactor reactor;
    final ReactorGroup group;

    ManualTime() {
        clock.update(1_000_000_000L);
        // No spin: an idle turn blocks in the transport's wait at once (socket I/O and messages wake it).
        ReactorConfig config = new ReactorConfig("manual-time", -1, IdleMode.ADAPTIVE, 0, 10_000_000, 64, 64,
                ReactorConfig.DEFAULT_WINDOW_NANOS);
        reactor = new Reactor(config, ThreadPinning.NONE, NettyTransports.ioHandlerFactory(), clock).start();
        group = new ReactorGroup(List.of(reactor));
    }

    /**
     * Moves the clock {@code ms} on and returns once every timer due by then has run: a zero-delay timer scheduled
     * after the move is due at the new time, and the event loop runs due timers in deadline order (ties in the
     * order they were scheduled), so it runs after them.
     */
    void advanceMs(long ms) throws Exception {
        clock.update(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms));
        CompletableFuture<Void> ran = new CompletableFuture<>();
        reactor.eventLoop().schedule(() -> ran.complete(null), 0, TimeUnit.NANOSECONDS);
        ran.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        group.close();
    }
}
