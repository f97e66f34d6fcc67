package io.locus.target.model;

import io.locus.runtime.Reactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SMART log's read and write counts: each I/O queue counts on its own reactor with no shared counter, and the
 * controller's totals are every queue's, the ones it lost included.
 */
@Timeout(60)
class ControllerIoCountersTest {
    /** CC.EN with the only queue entry sizes a fabrics controller takes (IOSQES 6, IOCQES 4). */
    private static final int CC_ENABLED = 0x0046_0001;

    private static final class CountingQueue implements ControllerQueue {
        final IoCounters counters = new IoCounters();

        @Override
        public Reactor reactor() {
            return null;
        }

        @Override
        public IoCounters ioCounters() {
            return counters;
        }

        @Override
        public void close(String reason) {
        }
    }

    private static Controller enabledController() {
        Subsystem s = new Subsystem("nqn.2026-11.io.locus:smart", "SM", "SM", true, List.of(), 8, false);
        Port p = new Port(1, 3, new InetSocketAddress("127.0.0.1", 4420), false);
        Controller c = new Controller(s, TargetLimits.defaults(), "nqn.2014-08.org.nvmexpress:uuid:smart", new byte[16],
                p, 0, host -> null, 0);
        c.writeCc(CC_ENABLED);
        return c;
    }

    @Test
    void shouldSumQueuesCountingOnTheirOwnThreadsWhileAnotherThreadReads() throws Exception {
        Controller c = enabledController();
        CountingQueue a = new CountingQueue();
        CountingQueue b = new CountingQueue();
        assertEquals(0, c.attachIoQueue(1, a));
        assertEquals(0, c.attachIoQueue(2, b));
        int n = 100_000;
        Thread readsOnA = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                a.counters.countRead(4096);
            }
        });
        Thread writesOnB = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                b.counters.countWrite(131072);
            }
        });
        readsOnA.start();
        writesOnB.start();
        long seen = 0;
        while (readsOnA.isAlive() || writesOnB.isAlive()) {
            IoCounters t = c.ioTotals();
            long now = t.readCommands() + t.writeCommands();
            assertTrue(now >= seen, "totals never go back: " + now + " after " + seen);
            seen = now;
        }
        readsOnA.join();
        writesOnB.join();
        IoCounters t = c.ioTotals();
        assertEquals(n, t.readCommands());
        assertEquals(n * 8L, t.blocksRead512());
        assertEquals(n, t.writeCommands());
        assertEquals(n * 256L, t.blocksWritten512());
    }

    @Test
    void shouldKeepTheCountsOfQueuesTheControllerLost() {
        Controller c = enabledController();
        CountingQueue a = new CountingQueue();
        CountingQueue b = new CountingQueue();
        c.attachIoQueue(1, a);
        c.attachIoQueue(2, b);
        a.counters.countRead(4096);
        b.counters.countWrite(8192);
        b.counters.countWrite(8192);

        c.queueClosed(b, 2);
        IoCounters t = c.ioTotals();
        assertEquals(1, t.readCommands());
        assertEquals(2, t.writeCommands(), "a closed queue's writes still count");
        assertEquals(32, t.blocksWritten512());

        CountingQueue again = new CountingQueue();
        assertEquals(0, c.attachIoQueue(2, again), "the QID is free again");
        again.counters.countRead(512);
        c.writeCc(0); // CC.EN 1 to 0 drops every I/O queue
        t = c.ioTotals();
        assertEquals(2, t.readCommands(), "queues dropped by a controller disable still count");
        assertEquals(9, t.blocksRead512());
        assertEquals(2, t.writeCommands());
    }
}
