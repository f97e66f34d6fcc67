package io.locus.initiator.queue;

import io.locus.initiator.Flow;
import io.locus.initiator.LatencyClass;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A latency-class flow's command opens its reactor's active latency window for the flow's budget when it goes out
 * and again when it completes; a throughput flow's opens none. On an invoker reactor with a manual clock, over a
 * connection that only records what it is given.
 */
class QueuePairLatencyWindowTest {
    @Test
    void shouldOpenTheLatencyWindowForALatencyClassFlowsBudgetOnSendAndOnCompletion() {
        long[] now = {1_000_000};
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("window", -1), () -> now[0])) {
            RecordingConnection connection = RecordingConnection.livePair(reactor, TimeUnit.SECONDS.toNanos(30));
            QueuePair pair = connection.pair();

            submit(pair, new Flow(1, LatencyClass.THROUGHPUT, -1, 0, 0, 500));
            reactor.invoke();
            assertEquals(1, connection.sent.size());
            assertFalse(reactor.latencyWindowOpen(now[0]), "throughput work opens no window");

            submit(pair, new Flow(2, LatencyClass.STEP_CRITICAL, -1, 0, 0, 300));
            reactor.invoke();
            Command critical = connection.sent.get(1);
            assertTrue(reactor.latencyWindowOpen(now[0] + 299_000), "open for the flow's 300 us budget after the send");
            assertFalse(reactor.latencyWindowOpen(now[0] + 300_000));

            now[0] += 250_000;
            pair.onResponse(critical, 0, 0, 0);
            assertTrue(reactor.latencyWindowOpen(now[0] + 299_000), "open again for the budget after the completion");
            assertFalse(reactor.latencyWindowOpen(now[0] + 300_000));

            now[0] += 1_000_000;
            submit(pair, Flow.of(3, LatencyClass.LATENCY));
            reactor.invoke();
            assertTrue(reactor.latencyWindowOpen(now[0] + ReactorConfig.DEFAULT_WINDOW_NANOS - 1),
                    "a flow without a budget keeps it open for the default");
            assertFalse(reactor.latencyWindowOpen(now[0] + ReactorConfig.DEFAULT_WINDOW_NANOS));
            pair.close();
            reactor.invoke();
        }
    }

    private static void submit(QueuePair pair, Flow flow) {
        Command c = pair.acquire();
        c.opcode = 0x02;
        c.nsid = 1;
        c.flow = flow;
        pair.submit(c);
    }
}
