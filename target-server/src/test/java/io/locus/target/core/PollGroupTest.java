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

/** The completion micro-window serves latency-class work first and stays within its bound. */
class PollGroupTest {
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
}
