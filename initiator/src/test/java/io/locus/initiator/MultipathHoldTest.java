package io.locus.initiator;

import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A multipath namespace over paths without controllers: the test plays the paths (completing their commands with
 * the status it likes), sets their ANA states and liveness, and drives the hold ticks with a manual clock.
 */
class MultipathHoldTest {
    static final int PATH_ERROR_ANA_INACCESSIBLE = (Status.SCT_PATH << 8) | 0x02;

    /** One path's I/O: commands wait until the test completes them. */
    static final class FakeIo implements BlockDevice {
        final ArrayDeque<IoCallback> pending = new ArrayDeque<>();
        int sent;

        @Override
        public int lbaSize() {
            return 512;
        }

        @Override
        public long blocks() {
            return 1024;
        }

        @Override
        public void read(long lba, int blocks, ByteBuf dst, int dstIndex, Flow flow, IoCallback callback, Object context) {
            sent++;
            pending.add(callback);
        }

        @Override
        public void write(long lba, int blocks, ByteBuf src, int srcIndex, boolean fua, Flow flow, IoCallback callback,
                          Object context) {
            sent++;
            pending.add(callback);
        }

        @Override
        public void flush(Flow flow, IoCallback callback, Object context) {
            sent++;
            pending.add(callback);
        }

        void completeAll(int status) {
            while (!pending.isEmpty()) {
                pending.poll().onComplete(null, status, 0, 0);
            }
        }
    }

    long now = 1_000;
    final FakeIo ioA = new FakeIo();
    final FakeIo ioB = new FakeIo();
    final MultipathPath a = new MultipathPath(ioA, null, 1, 1);
    final MultipathPath b = new MultipathPath(ioB, null, 1, 1);
    final List<Integer> statuses = new ArrayList<>();
    final IoCallback record = (ctx, status, dw0, dw1) -> statuses.add(status);

    MultipathNamespace ns(IoPolicy policy) {
        MultipathNamespace ns = new MultipathNamespace(new NamespaceIdentity("nqn", 1, "1", "0", "0"), 512, 1024,
                policy, () -> now, null);
        a.live = true;
        b.live = true;
        b.ana = AnaState.NON_OPTIMIZED;
        ns.addPath(a);
        ns.addPath(b);
        return ns;
    }

    void read(MultipathNamespace ns, Flow flow) {
        ns.read(0, 1, Unpooled.buffer(512), 0, flow, record, null);
    }

    @Test
    void shouldHoldWhileNoPathIsUsableAndResumeWhenOneComesBack() {
        MultipathNamespace ns = ns(IoPolicy.NUMA);
        a.ana = AnaState.INACCESSIBLE;
        b.live = false;
        for (int i = 0; i < 3; i++) {
            read(ns, null);
        }
        assertEquals(3, ns.held());
        ns.tick();
        assertEquals(3, ns.held(), "nothing usable yet: still held");
        assertEquals(0, ioA.sent + ioB.sent);
        a.ana = AnaState.OPTIMIZED;
        ns.tick();
        assertEquals(0, ns.held());
        assertEquals(3, ioA.sent);
        ioA.completeAll(0);
        assertEquals(List.of(0, 0, 0), statuses);
    }

    @Test
    void shouldRequeueOnAnAnaStatusAndMarkThePathUntilTheLogIsReadAgain() {
        MultipathNamespace ns = ns(IoPolicy.NUMA);
        read(ns, null);
        assertEquals(1, ioA.sent, "the optimized path first");
        ioA.completeAll(PATH_ERROR_ANA_INACCESSIBLE);
        assertTrue(a.anaPending);
        assertEquals(1, ioB.sent, "then the non-optimized one, as the optimized one is pending a log read");
        ioB.completeAll(0);
        assertEquals(List.of(0), statuses);
        assertEquals(1, ns.failovers());
    }

    @Test
    void shouldFailHeldCommandsPastTheHoldLimitOrWhenNoPathCanComeBack() {
        MultipathNamespace ns = ns(IoPolicy.NUMA).holdLimitMs(1000);
        a.live = false;
        b.live = false;
        read(ns, null);
        now += TimeUnit.MILLISECONDS.toNanos(999);
        ns.tick();
        assertEquals(1, ns.held());
        now += TimeUnit.MILLISECONDS.toNanos(2);
        ns.tick();
        assertEquals(0, ns.held());
        assertEquals(HostStatus.HOST_PATH_ERROR | Status.DNR, statuses.getFirst());

        ns.holdLimitMs(-1);
        read(ns, null);
        assertEquals(1, ns.held());
        a.gone = true;
        b.gone = true;
        ns.tick();
        assertEquals(HostStatus.HOST_PATH_ERROR | Status.DNR, statuses.get(1), "no path can come back");
        read(ns, null);
        assertEquals(HostStatus.HOST_PATH_ERROR | Status.DNR, statuses.get(2), "not even held");
    }

    @Test
    void shouldHoldACommandWhosePathsKeepFailingUntilTheNextTick() {
        MultipathNamespace ns = ns(IoPolicy.ROUND_ROBIN);
        b.ana = AnaState.INACCESSIBLE;
        read(ns, null);
        ioA.completeAll(HostStatus.HOST_PATH_ERROR); // a still looks live: the controller has not noticed yet
        assertEquals(1, ns.held(), "the only other path is unusable: held, not sent straight back to a");
        assertEquals(1, ioA.sent);
        ns.tick();
        assertEquals(2, ioA.sent, "resumed on the next tick");
        ioA.completeAll(0);
        assertEquals(List.of(0), statuses);
    }

    @Test
    void shouldKeepAFlowOnItsPathWhileHealthyAndFailBackFromNonOptimized() {
        MultipathNamespace ns = ns(IoPolicy.NUMA);
        Flow flow = Flow.of(5, LatencyClass.THROUGHPUT);
        b.ana = AnaState.OPTIMIZED;
        a.live = false;
        assertSame(b, ns.select(flow, null));
        a.live = true;
        assertSame(b, ns.select(flow, null), "a flow stays on its healthy optimized path");
        assertSame(a, ns.select(Flow.of(6, LatencyClass.THROUGHPUT), null), "a new flow takes the first optimized");
        b.ana = AnaState.NON_OPTIMIZED;
        assertSame(a, ns.select(flow, null), "off a path that is no longer optimized");
        a.ana = AnaState.INACCESSIBLE;
        assertSame(b, ns.select(flow, null));
        a.ana = AnaState.OPTIMIZED;
        assertSame(a, ns.select(flow, null), "fails back to the optimized path when it returns");
    }

    @Test
    void shouldSpreadRoundRobinAndQueueDepthOverOptimizedPaths() {
        MultipathNamespace ns = ns(IoPolicy.ROUND_ROBIN);
        b.ana = AnaState.OPTIMIZED;
        for (int i = 0; i < 4; i++) {
            read(ns, null);
        }
        assertEquals(2, ioA.sent);
        assertEquals(2, ioB.sent);
        ns.policy(IoPolicy.QUEUE_DEPTH);
        ioB.completeAll(0);
        read(ns, null);
        read(ns, null);
        assertEquals(2, ioA.sent);
        assertEquals(4, ioB.sent, "b had nothing in flight and a two: b takes the next two");
        read(ns, null);
        assertEquals(3, ioA.sent, "a tie goes to the first");
    }

    @Test
    void shouldSendACommandAbortedForSqDeletionDownAnotherPath() {
        MultipathNamespace ns = ns(IoPolicy.NUMA);
        read(ns, null);
        assertEquals(1, ioA.sent);
        ioA.completeAll(Status.ABORTED_SQ_DELETION); // a's controller is tearing its queue down (keep-alive expired)
        assertEquals(1, ioB.sent, "the command went to the other path, not to the application");
        ioB.completeAll(0);
        assertEquals(List.of(0), statuses);
        assertEquals(1, ns.failovers());

        read(ns, null);
        ioA.completeAll(Status.INVALID_FIELD);
        assertEquals(List.of(0, Status.INVALID_FIELD), statuses, "a command error is the application's");
    }

    @Test
    void shouldSendACommandTheHostAbortedWhenItClosedThePathDownAnotherPathThoughThePathStillLooksLive() {
        MultipathNamespace ns = ns(IoPolicy.NUMA);
        read(ns, null);
        ioA.completeAll(HostStatus.ABORTED_BY_HOST | Status.DNR); // a's controller closed; a.live not yet updated
        assertEquals(1, ioB.sent, "the command went to the other path, not to the application");
        ioB.completeAll(0);
        assertEquals(List.of(0), statuses);
    }
}
