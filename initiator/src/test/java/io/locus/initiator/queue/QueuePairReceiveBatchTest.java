package io.locus.initiator.queue;

import io.locus.initiator.IoCallback;
import io.locus.runtime.Reactor;
import io.locus.runtime.ReactorConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The completions parsed from one socket read share one clock reading: they are stamped visible with it, and a
 * command their callback sends starts its timeout from it. Outside a batch each reads the clock. On an invoker reactor
 * with a manual clock that counts its reads, over a connection that only records what it is given.
 */
class QueuePairReceiveBatchTest {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void shouldStampTheCompletionsOfOneReadWithOneClockReading() {
        long[] now = {1_000_000};
        long[] reads = {0};
        try (Reactor reactor = Reactor.invoker(ReactorConfig.defaults("batch", -1), () -> {
            reads[0]++;
            return now[0];
        })) {
            RecordingConnection connection = RecordingConnection.livePair(reactor, TIMEOUT_NANOS);
            QueuePair pair = connection.pair();

            List<Long> visible = new ArrayList<>();
            IoCallback[] resubmitOnce = new IoCallback[1];
            resubmitOnce[0] = (context, status, dw0, dw1) -> {
                visible.add(pair.lastVisibleNanos());
                if (context != null) {
                    submit(pair, resubmitOnce[0], null);
                }
            };
            for (int i = 0; i < 3; i++) {
                submit(pair, resubmitOnce[0], i == 0 ? "again" : null);
            }
            reactor.invoke();
            assertEquals(3, connection.sent.size());

            now[0] = 5_000_000;
            long before = reads[0];
            pair.beginReceive();
            for (int i = 0; i < 3; i++) {
                now[0] += 1_000; // parsing takes time; the batch's reading stays
                pair.onResponse(connection.sent.get(i), 0, 0, 0);
            }
            pair.endReceive();
            assertEquals(1, reads[0] - before, "one clock read for the three completions and the command sent");
            assertEquals(List.of(5_000_000L, 5_000_000L, 5_000_000L), visible, "all visible when the read began");
            assertEquals(4, connection.sent.size());
            assertEquals(5_000_000L + TIMEOUT_NANOS, connection.sent.get(3).deadlineNanos,
                    "the command sent from a callback times out from the batch's reading");

            now[0] = 9_000_000;
            before = reads[0];
            pair.onResponse(connection.sent.get(3), 0, 0, 0);
            assertEquals(1, reads[0] - before, "outside a batch a completion reads the clock itself");
            assertEquals(9_000_000L, visible.getLast());
            pair.close();
            reactor.invoke();
        }
    }

    private static void submit(QueuePair pair, IoCallback callback, Object context) {
        Command c = pair.acquire();
        c.opcode = 0x02;
        c.nsid = 1;
        c.callback = callback;
        c.context = context;
        pair.submit(c);
    }
}
