package io.locus.target.core;

import io.locus.runtime.IdleMode;
import io.locus.target.backend.BackendIo;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import io.locus.runtime.ThreadPinning;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The completion micro-window serves latency-class work first and stays within its bound. */
class PollGroupTest {
    /** A queue that only carries deferred requests to the dispatcher: no transport, no controller. */
    private static final class BareQueue extends Queue {
        BareQueue(Dispatcher dispatcher, PollGroup group) {
            super(dispatcher, group, null);
        }

        @Override
        public String peer() {
            return "test";
        }

        @Override
        protected void queueResponse(Request r) {
        }

        @Override
        protected boolean connected() {
            return true;
        }

        @Override
        public void close(String reason) {
        }
    }

    /**
     * While a latency-class request's window is open, the deferred throughput commands of one turn stop once they
     * have started reactors.window_bytes of data (here two 128 KiB reads per turn); closed, the turn takes them all.
     * The reactor's clock is a manual one: the window closes when the test moves it past the budget.
     */
    @Test
    void shouldBoundDeferredThroughputBytesPerTurnOnlyWhileTheLatencyWindowIsOpen() {
        long[] now = {1_000_000};
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("lw", -1), () -> now[0])) {
            PollGroup group = new PollGroup(reactor, 0, 1, () -> now[0]);
            group.latencyWindowBytes(256 * 1024);
            List<Integer> started = new ArrayList<>();
            Dispatcher dispatcher = new Dispatcher(r -> { }, r -> { }, r -> started.add(r.transferLength));
            BareQueue queue = new BareQueue(dispatcher, group);
            Runnable deferSix = () -> {
                for (int i = 0; i < 6; i++) {
                    Request r = new Request(i, queue);
                    r.transferLength = 128 * 1024;
                    group.defer(r);
                }
            };

            deferSix.run();
            assertEquals(6, group.poll(64, Long.MAX_VALUE), "no window open: the whole backlog in one turn");
            started.clear();

            group.openLatencyWindow(200); // a 200 us budget from now
            deferSix.run();
            assertEquals(2, group.poll(64, Long.MAX_VALUE), "window open: 256 KiB of throughput data per turn");
            assertEquals(2, group.poll(64, Long.MAX_VALUE));
            assertEquals(2, group.stats().latencyWindowCuts(), "each cut turn is counted");
            now[0] += 200_000; // the budget has run out
            assertEquals(2, group.poll(64, Long.MAX_VALUE), "the window closed: the rest at once");
            assertEquals(6, started.size());
            assertEquals(2, group.stats().latencyWindowCuts());

            group.openLatencyWindow(0); // no budget given: the reactor's micro-window
            Request big = new Request(0, queue);
            big.transferLength = 1 << 20;
            group.defer(big);
            deferSix.run();
            assertEquals(1, group.poll(64, Long.MAX_VALUE), "at least one command per turn, whatever its size");
            now[0] += ReactorConfig.DEFAULT_WINDOW_NANOS;
            assertEquals(6, group.poll(64, Long.MAX_VALUE), "the default window lasts the micro-window");
        }
    }

    /** A latency source whose socket holds {@code pending} inputs; each read completes one urgent request. */
    private static final class FakeSource implements PollGroup.LatencySource {
        final PollGroup group;
        final List<String> log;
        final String name;
        int pending;
        Runnable duringRead = () -> { };

        FakeSource(PollGroup group, List<String> log, String name) {
            this.group = group;
            this.log = log;
            this.name = name;
        }

        @Override
        public boolean readNow() {
            log.add(name + " read");
            duringRead.run();
            if (pending == 0) {
                return false;
            }
            pending--;
            BackendIo io = new BackendIo(x -> log.add(name + " completed"), group);
            io.urgent = true;
            io.complete(0); // an in-memory backend completes at once, into the urgent list
            return true;
        }

        @Override
        public void sendResponsesNow() {
            log.add(name + " sent");
        }
    }

    /**
     * Between the writes of a long flush, the group reads its latency sources, runs the urgent completions that
     * gives and has the sources send at once; also after the latency window closed (a sparse flow's next capsule
     * comes after its budget, and the window says which chunk size a flush uses) but not once no latency-class request
     * has run for the horizon, never nested, and only for sources still registered. Manual clock: the window closes
     * when the test moves it past the budget.
     */
    @Test
    void shouldServeLatencySourcesBetweenFlushWritesWithinTheHorizonWindowOrNot() {
        long[] now = {1_000_000};
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("ls", -1), () -> now[0])) {
            PollGroup group = new PollGroup(reactor, 0, 1, () -> now[0]);
            List<String> log = new ArrayList<>();
            FakeSource a = new FakeSource(group, log, "a");
            FakeSource b = new FakeSource(group, log, "b");
            group.openLatencyWindow(200);
            assertFalse(group.latencyServiceWanted(), "no source registered: nothing to stop a flush for");

            group.addLatencySource(a);
            group.addLatencySource(a);
            group.addLatencySource(b);
            assertTrue(group.latencyServiceWanted());
            assertTrue(group.latencyWindowOpen(), "within the budget a capsule is due: a flush writes small chunks");
            assertFalse(group.serviceLatencySources(), "both sockets empty");
            assertEquals(List.of("a read", "b read"), log, "each source read once, none sent");
            log.clear();

            b.pending = 1;
            a.duringRead = () -> assertFalse(group.serviceLatencySources(), "a service does not nest");
            assertTrue(group.serviceLatencySources());
            assertEquals(List.of("a read", "b read", "b completed", "a sent", "b sent"), log,
                    "what the reads brought completes and is sent before the flush goes on");
            assertEquals(2, group.stats().latencyServices());
            assertEquals(1, group.stats().latencyServicesServed());
            log.clear();
            a.duringRead = () -> { };

            now[0] += 5_000_000; // the budget has long run out: a sparse flow between two steps
            assertTrue(group.latencyServiceWanted(), "the window closed, but the next capsule may come any moment");
            assertFalse(group.latencyWindowOpen(), "none is due: a flush still stops, in larger chunks");
            now[0] += PollGroup.LATENCY_SERVICE_HORIZON_NANOS;
            assertFalse(group.latencyServiceWanted(), "no latency-class request for a second: flushes write at once");
            group.openLatencyWindow(200);
            assertTrue(group.latencyServiceWanted(), "the flow is back");
            group.removeLatencySource(a);
            group.removeLatencySource(a);
            assertTrue(group.latencyServiceWanted());
            group.serviceLatencySources();
            assertEquals(List.of("b read"), log, "a removed source is not read");
            group.removeLatencySource(b);
            assertFalse(group.latencyServiceWanted());
        }
    }

    /**
     * Commands are checked against KATO with the keep-alive clock as read at the start of their batch: the reading
     * moves only when the group stamps a batch, and it is the keep-alive clock's (a manual one here), not the data
     * path's System.nanoTime.
     */
    @Test
    void shouldReadTheKeepAliveClockOncePerBatchNotPerCommand() {
        long[] now = {5_000_000_000L};
        int[] reads = {0};
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("ka", -1), () -> now[0])) {
            PollGroup group = new PollGroup(reactor, 0, 1, () -> {
                reads[0]++;
                return now[0];
            });
            assertEquals(0, group.keepAliveStamp(), "nothing stamped yet");
            group.readStamp();
            assertEquals(5_000_000_000L, group.keepAliveStamp());
            now[0] += 3_000_000_000L;
            assertEquals(5_000_000_000L, group.keepAliveStamp(), "the batch's reading until the next stamp");
            assertEquals(1, reads[0], "one keep-alive clock read per batch");
            group.readStamp();
            assertEquals(8_000_000_000L, group.keepAliveStamp());
            assertEquals(2, reads[0]);
        }
    }

    @Test
    void shouldDispatchUrgentCompletionsBeforeThroughputOnesAndBoundEachTurn() throws Exception {
        // A busy reactor whose pollers we drive by hand: nothing registered, so poll() runs only when we call it.
        try (Reactor reactor = new Reactor(ReactorConfig.defaults("rc", -1).withIdleMode(IdleMode.ADAPTIVE), ThreadPinning.NONE).start()) {
            PollGroup completions = new PollGroup(reactor);
            List<String> order = new ArrayList<>();
            CompletableFuture<int[]> result = new CompletableFuture<>();
            reactor.execute(() -> {
                for (int i = 0; i < 5; i++) {
                    BackendIo t = new BackendIo(io -> order.add("t"), completions);
                    t.complete(0);
                }
                BackendIo u = new BackendIo(io -> order.add("u"), completions);
                u.urgent = true;
                u.complete(0);
                int first = completions.poll(2);
                int second = completions.poll(8);
                result.complete(new int[] {first, second});
            });
            int[] done = result.get(2, TimeUnit.SECONDS);
            assertEquals("u", order.get(0), "the latency-class completion went first");
            assertEquals(3, done[0], "one urgent plus at most the window of throughput completions");
            assertEquals(3, done[1]);
            assertEquals(6, order.size());
        }
    }

    @Test
    void shouldStopThroughputWorkWhenTheTimeWindowIsUsed() throws Exception {
        try (Reactor reactor = new Reactor(ReactorConfig.defaults("rw", -1).withIdleMode(IdleMode.ADAPTIVE), ThreadPinning.NONE).start()) {
            // A window that has already closed: each stage handles one item, then the turn is over.
            PollGroup completions = new PollGroup(reactor, 0, 1);
            CompletableFuture<int[]> result = new CompletableFuture<>();
            reactor.execute(() -> {
                for (int i = 0; i < 4; i++) {
                    new BackendIo(io -> { }, completions).complete(0);
                }
                BackendIo u = new BackendIo(io -> { }, completions);
                u.urgent = true;
                u.complete(0);
                long closed = System.nanoTime();
                result.complete(new int[] {completions.poll(64, closed), completions.poll(64, closed),
                        completions.poll(64, closed), completions.poll(64, Long.MAX_VALUE)});
            });
            int[] done = result.get(2, TimeUnit.SECONDS);
            assertEquals(1, done[0], "the urgent completion first, and then the window was used");
            assertEquals(1, done[1], "one throughput completion per closed window");
            assertEquals(1, done[2]);
            assertEquals(2, done[3], "an open window takes the rest");
        }
    }

    @Test
    void shouldStampCompletionsWithTheGroupsReadingsLocalOnesAtTheirPollAndRemoteOnesWhenTheyRun() throws Exception {
        try (Reactor reactor = new Reactor(ReactorConfig.defaults("rs", -1).withIdleMode(IdleMode.ADAPTIVE), ThreadPinning.NONE).start()) {
            PollGroup group = new PollGroup(reactor, 0, 1);
            CompletableFuture<long[]> local = new CompletableFuture<>();
            reactor.execute(() -> {
                long before = group.readStamp();
                long[] seen = new long[3];
                for (int i = 0; i < 3; i++) {
                    int at = i;
                    new BackendIo(io -> seen[at] = io.completeNanos, group).complete(0);
                }
                group.poll(64, Long.MAX_VALUE);
                local.complete(new long[] {before, seen[0], seen[1], seen[2], group.stampNanos()});
            });
            long[] l = local.get(2, TimeUnit.SECONDS);
            assertTrue(l[1] >= l[0], "the poll read the clock again before the first completion");
            assertTrue(l[2] >= l[1] && l[3] >= l[2], "readings only move forward");
            assertTrue(l[4] >= l[3], "the group keeps its last reading");

            // From another thread: stamped on the reactor when it runs, after the hand-off, not by the sender.
            CompletableFuture<long[]> remote = new CompletableFuture<>();
            long sent = System.nanoTime();
            new BackendIo(io -> remote.complete(new long[] {io.completeNanos, group.stampNanos()}), group).complete(0);
            long[] r = remote.get(2, TimeUnit.SECONDS);
            assertTrue(r[0] >= sent, "stamped when it ran on the reactor");
            assertEquals(r[0], r[1], "and the group's reading is that stamp, for the response that follows");
        }
    }
}
