package io.locus.runtime;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Turns driven on the test thread with a manual clock: every bound below is exact, none depends on the machine. */
@Timeout(30)
class ReactorAgentTest {
    private static final long WINDOW = 1_000;

    private final CachedNanoClock clock = new CachedNanoClock();
    private ReactorAgent agent;

    private ReactorAgent agent(int messagesPerTurn, int itemsPerPoller) {
        clock.update(1_000_000_000L);
        ReactorConfig config = new ReactorConfig("agent", -1, IdleMode.ADAPTIVE, 0, 1_000_000, messagesPerTurn,
                itemsPerPoller, WINDOW);
        agent = new ReactorAgent(config, Thread.currentThread(), NettyTransports.ioHandlerFactory(), clock);
        return agent;
    }

    @AfterEach
    void close() {
        if (agent != null) {
            agent.stopAccepting();
            agent.onClose();
        }
    }

    @Test
    void shouldGiveEachPollerItsOwnWindowStartedWhenItIsPolled() {
        ReactorAgent a = agent(64, 3);
        List<Long> windows = new ArrayList<>();
        List<Integer> items = new ArrayList<>();
        Poller slow = new Probe() {
            @Override
            public int poll(int maxItems, long deadlineNanos) {
                windows.add(deadlineNanos - clock.nanoTime());
                items.add(maxItems);
                clock.advance(5 * WINDOW); // overruns its own window: the next poller still gets a whole one
                return 1;
            }
        };
        Poller next = new Probe() {
            @Override
            public int poll(int maxItems, long deadlineNanos) {
                windows.add(deadlineNanos - clock.nanoTime());
                items.add(maxItems);
                return 0;
            }
        };
        a.addPoller(slow);
        a.addPoller(next);
        assertEquals(1, a.doWork());
        assertEquals(List.of(WINDOW, WINDOW), windows);
        assertEquals(List.of(3, 3), items);
    }

    @Test
    void shouldStopDrainingMessagesOnceTheWindowHasPassed() {
        ReactorAgent a = agent(64, 64);
        List<Long> turnOf = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            a.execute(() -> {
                turnOf.add(a.turns());
                clock.advance(WINDOW); // each message uses the whole window
            });
        }
        for (int turn = 0; turn < 5; turn++) {
            assertEquals(1, a.doWork(), "one message per turn");
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), turnOf);
        assertEquals(0, a.doWork());
        assertEquals(1, a.idleTurns());
    }

    @Test
    void shouldStartAMessageJustBeforeTheWindowEnds() {
        ReactorAgent a = agent(64, 64);
        int[] ran = new int[1];
        for (int i = 0; i < 3; i++) {
            a.execute(() -> {
                ran[0]++;
                clock.advance(WINDOW - 1);
            });
        }
        assertEquals(2, a.doWork(), "the second message starts 1 ns before the deadline, the third after it");
        assertEquals(1, a.doWork());
    }

    @Test
    void shouldDrainAtMostTheMessageCountPerTurn() {
        ReactorAgent a = agent(4, 64);
        for (int i = 0; i < 10; i++) {
            a.execute(() -> { });
        }
        assertEquals(4, a.doWork());
        assertEquals(4, a.doWork());
        assertEquals(2, a.doWork());
    }

    @Test
    void shouldCountOnlyMessagesFromOtherThreadsAsRemote() throws Exception {
        ReactorAgent a = agent(64, 64);
        a.execute(() -> { });
        assertEquals(0, a.remoteMessages(), "the owner posting to itself is not remote");
        Thread other = new Thread(() -> {
            a.execute(() -> { });
            a.execute(() -> { });
        });
        other.start();
        other.join();
        assertEquals(2, a.remoteMessages());
        assertEquals(3, a.doWork());
    }

    @Test
    void shouldRunEventLoopTimersWhenTheReactorClockReachesThem() {
        ReactorAgent a = agent(64, 64);
        boolean[] fired = new boolean[1];
        a.eventLoop().schedule(() -> fired[0] = true, 5, TimeUnit.MILLISECONDS);
        a.doWork();
        clock.advance(TimeUnit.MILLISECONDS.toNanos(5) - 1);
        a.doWork();
        assertFalse(fired[0], "1 ns early");
        clock.advance(1);
        a.doWork();
        assertTrue(fired[0]);
    }

    @Test
    void shouldRunWhatWasQueuedBeforeTheStop() {
        ReactorAgent a = agent(64, 64);
        boolean[] ran = new boolean[1];
        a.execute(() -> ran[0] = true);
        a.stopAccepting();
        a.onClose();
        agent = null;
        assertTrue(ran[0]);
    }

    private abstract static class Probe implements Poller {
        @Override
        public int poll(int maxItems) {
            throw new AssertionError("the agent passes its window");
        }

        @Override
        public String name() {
            return "probe";
        }
    }
}
