package io.locus.initiator.bench;

import io.locus.initiator.Await;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.TransportId;
import io.locus.runtime.IdleMode;
import io.locus.runtime.ReactorGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's load against the in-test null target: queue steering, remote-completion counting, stage times. */
@Timeout(30)
class MixedLoadTest {
    private static final MixedLoad.Spec SHORT = new MixedLoad.Spec(0.3, 0, 0, 1, 4096, 4, 16384, 100, 1, 1, 0);
    private BenchTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new BenchTarget(0, 1, false);
    }

    @AfterEach
    void stop() throws Exception {
        // Let the null target see the host's connections close first: it releases its per-connection buffers when
        // a channel goes away, which an event-loop group shut down with no quiet period may skip (a leak report).
        Await.until(() -> target.openConnections() == 0, () -> target.openConnections() + " connections still open");
        target.close();
    }

    private Controller connect(ReactorGroup group) {
        return Controller.connect(TransportId.tcp("127.0.0.1", target.port(), BenchTarget.NQN), HostIdentity.generate(),
                ControllerOptions.defaults().ioQueues(2).reactors(group).connectTimeoutMs(10_000).ctrlLossTimeoutMs(1000));
    }

    @Test
    void shouldGiveTheCriticalFlowItsOwnQueueWhenSteeredOnOneReactor() throws Exception {
        try (ReactorGroup group = ReactorGroup.unpinned("t-steer", 1, IdleMode.ADAPTIVE); Controller ctrl = connect(group)) {
            BenchResult.Side s = MixedLoad.run(ctrl, group, true, SHORT, null, null, null);
            assertEquals(0, s.errors(), s.firstError());
            assertEquals(List.of(1), s.criticalQueues());
            assertEquals(List.of(2), s.throughputQueues());
            assertEquals(0.0, s.remoteCompletionRatio());
            assertTrue(s.critical().count() > 10, s.toString());
            assertTrue(s.throughputMibPerS() > 0, s.toString());
        }
    }

    @Test
    void shouldSpreadBothFlowsOverBothQueuesWhenGeneric() throws Exception {
        try (ReactorGroup group = ReactorGroup.unpinned("t-rr", 1, IdleMode.ADAPTIVE); Controller ctrl = connect(group)) {
            BenchResult.Side s = MixedLoad.run(ctrl, group, false, SHORT, null, null, null);
            assertEquals(0, s.errors(), s.firstError());
            assertEquals(List.of(1, 2), s.criticalQueues());
            assertEquals(List.of(1, 2), s.throughputQueues());
            assertEquals(0.0, s.remoteCompletionRatio(), "one host reactor: every callback runs at home");
        }
    }

    @Test
    void shouldCountHalfTheCriticalCompletionsRemoteWhenRoundRobinSpansTwoReactors() throws Exception {
        try (ReactorGroup group = ReactorGroup.unpinned("t-remote", 2, IdleMode.ADAPTIVE); Controller ctrl = connect(group)) {
            BenchResult.Side generic = MixedLoad.run(ctrl, group, false, SHORT, null, null, null);
            assertEquals(0, generic.errors(), generic.firstError());
            assertEquals(0.5, generic.criticalRemoteRatio(), 0.05, generic.toString());
            assertTrue(generic.remoteCompletionRatio() > 0.3, generic.toString());
            BenchResult.Side steered = MixedLoad.run(ctrl, group, true, SHORT, null, null, null);
            assertEquals(0.0, steered.remoteCompletionRatio(), steered.toString());
            assertEquals(List.of(1), steered.criticalQueues());
            assertEquals(List.of(2), steered.throughputQueues());
        }
    }

    @Test
    void shouldSpreadTheBulkFlowOverTheOtherQueuesWhenSteeredWithSeveralThroughputQueues() throws Exception {
        MixedLoad.Spec spec = new MixedLoad.Spec(0.3, 0, 0, 1, 4096, 4, 16384, 100, 1, 2, 0);
        try (ReactorGroup group = ReactorGroup.unpinned("t-bulk2", 1, IdleMode.ADAPTIVE);
             Controller ctrl = Controller.connect(TransportId.tcp("127.0.0.1", target.port(), BenchTarget.NQN),
                     HostIdentity.generate(), ControllerOptions.defaults().ioQueues(3).reactors(group)
                             .connectTimeoutMs(10_000).ctrlLossTimeoutMs(1000))) {
            BenchResult.Side s = MixedLoad.run(ctrl, group, true, spec, null, null, null);
            assertEquals(0, s.errors(), s.firstError());
            assertEquals(List.of(1), s.criticalQueues());
            assertEquals(List.of(2, 3), s.throughputQueues());
        }
    }

    @Test
    void shouldStartAPacedCriticalSlotsReadsNoSoonerThanItsIntervalApartAndTimeOnlyTheReads() throws Exception {
        // 0.3 s at one read per 20 ms and QD1: at most 16 starts (the first at 0, the last before the deadline),
        // against thousands unpaced; the latency counts from each read's start, not from the completion before it.
        MixedLoad.Spec paced = new MixedLoad.Spec(0.3, 0, 0, 1, 4096, 4, 16384, 100, 1, 1, 20_000);
        try (ReactorGroup group = ReactorGroup.unpinned("t-paced", 1, IdleMode.ADAPTIVE); Controller ctrl = connect(group)) {
            BenchResult.Side s = MixedLoad.run(ctrl, group, true, paced, null, null, null);
            assertEquals(0, s.errors(), s.firstError());
            assertTrue(s.critical().count() >= 2 && s.critical().count() <= 16, s.critical().toString());
            assertTrue(s.critical().p50Us() < 20_000, s.critical().toString());
            assertTrue(s.throughputMibPerS() > 0, "the throughput flow is not paced: " + s);
        }
    }

    @Test
    void shouldTimeEveryHostStageWhenCompletionsArrive() throws Exception {
        try (ReactorGroup group = ReactorGroup.unpinned("t-stages", 1, IdleMode.ADAPTIVE); Controller ctrl = connect(group)) {
            BenchResult.Side s = MixedLoad.run(ctrl, group, true, SHORT, null, null, null);
            BenchResult.Stages st = s.criticalStages();
            assertEquals(0, st.unknown());
            assertEquals(s.critical().count(), st.submitToSent().count());
            assertEquals(s.critical().count(), st.sentToVisible().count());
            assertTrue(st.sentToVisible().p50Us() > 0, st.toString());
            assertTrue(st.submitToSent().p50Us() <= s.critical().p50Us(), st.toString());
            assertEquals(null, st.targetDw1(), "no provenance: no target timing");
            assertTrue(s.criticalTail().requests() >= 1, s.toString());
            assertEquals(1, s.hostTurns().size());
            assertTrue(s.hostTurns().getFirst().turns() > 0, s.hostTurns().toString());
        }
    }
}
