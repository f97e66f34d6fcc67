package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import io.locus.target.metrics.PrometheusText;
import io.locus.target.core.ReactorStats;
import io.locus.target.transport.tcp.TcpTestHooks;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provenance placement on the target: an I/O queue whose homed flows belong to another reactor moves there as soon
 * as it is quiescent, and commands flow across the move without loss or duplication.
 */
@Timeout(60)
class ProvenancePlacementTest {
    private static final int FLOW = 5;

    private static TargetConfig twoReactors(boolean provenance) {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        return new TargetConfig(new TargetConfig.Reactors(List.of(-1, -1), "adaptive").withProvenance(provenance), base.ports(),
                base.discovery(), base.subsystems(), base.limits());
    }

    /** Brings up the admin queue and enables provenance on the controller; returns the CNTLID. */
    private static int adminWithProvenance(RawHost admin) throws Exception {
        int cntlid = admin.adminUp(TestTargets.NQN, 0);
        assertEquals(0, admin.enableProvenance(60));
        return cntlid;
    }

    private static ByteBuf homed(int opcode, int cid, long lba, int homeCpu, int latencyClass) {
        ByteBuf s = RawHost.sqe(opcode, cid, 1);
        Sqe.setCdw(s, 0, 10, (int) lba);
        Sqe.setCdw(s, 0, 12, 0);
        s.setIntLE(Sqe.CDW2_OFFSET, FLOW);
        s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(homeCpu, 0));
        s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(latencyClass, 0, 0));
        return s;
    }

    private static void sendWrite(RawHost io, int cid, long lba, int homeCpu, byte[] data) throws Exception {
        io.capsule(homed(NvmOpcode.WRITE, cid, lba, homeCpu,
                cid % 3 == 0 ? ProvenanceWire.CLASS_STEP_CRITICAL : ProvenanceWire.CLASS_THROUGHPUT), data, false);
    }

    private static void sendRead(RawHost io, int cid, long lba, int homeCpu) throws Exception {
        ByteBuf s = homed(NvmOpcode.READ, cid, lba, homeCpu, ProvenanceWire.CLASS_THROUGHPUT);
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, 4096, Sgl.ID_TRANSPORT);
        io.capsule(s, null, true);
    }

    /** Reads responses until {@code count} commands have completed; fails on a duplicate, unknown or failed one. */
    private static Map<Integer, byte[]> collect(RawHost io, int count, Map<Integer, Boolean> outstanding) throws Exception {
        Map<Integer, byte[]> data = new HashMap<>();
        Map<Integer, byte[]> done = new HashMap<>();
        while (done.size() < count) {
            RawHost.Pdu p = io.read();
            if (p.type() == PduType.C2H_DATA) {
                int cid = DataPdu.cccid(p.header(), 0);
                data.put(cid, p.data());
                continue;
            }
            assertEquals(PduType.CAPSULE_RESP, p.type());
            int cid = p.cqeCid();
            assertEquals(0, p.cqeStatus(), "cid " + cid);
            assertTrue(outstanding.remove(cid) != null, "completion for cid " + cid + " that is not outstanding (lost or duplicated)");
            done.put(cid, data.getOrDefault(cid, new byte[0]));
        }
        return done;
    }

    private static byte[] pattern(long lba) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) (lba * 31 + 7));
        b[0] = (byte) lba;
        b[1] = (byte) (lba >>> 8);
        return b;
    }

    @Test
    void shouldMoveAQueueToTheReactorItsHomedFlowNamesSoRemoteCompletionsStopGrowing() throws Exception {
        try (Target t = Target.start(twoReactors(true)); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q1 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = adminWithProvenance(admin);
            q1.icReq(false, false);
            // Accepted onto reactor 1 (round robin after the admin queue), qid 1 moves to reactor 0 at Connect.
            assertEquals(0, q1.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            // Its flow is homed on CPU 1, which belongs to reactor 1: the "wrong" queue for it.
            for (int i = 0; i < 20; i++) {
                sendWrite(q1, 100 + i, i, 1, pattern(i));
                assertEquals(0, q1.expect(PduType.CAPSULE_RESP).cqeStatus());
            }
            TestTargets.await(() -> s0.homedCompletions() + s1.homedCompletions() == 20, "20 homed completions counted");
            assertEquals(1, s0.remoteCompletions(), "only the first completion ran off the flow's home");
            assertEquals(1, s0.homedCompletions());
            assertEquals(19, s1.homedCompletions(), "the rest ran on the home reactor");
            assertEquals(0, s1.remoteCompletions());
            assertEquals(1, s0.queueMoves(ReactorStats.MOVE_CONNECT), "placed on reactor 0 at Connect");
            assertEquals(1, s1.queueMoves(ReactorStats.MOVE_PROVENANCE), "then moved once, to the flow's home");
            assertEquals(0, s0.queueMoves(ReactorStats.MOVE_PROVENANCE));
            assertEquals(1, s0.flows(), "one flow, first seen on reactor 0");
            assertEquals(1, s1.flowMoves(), "it moved with its queue");
            for (int i = 0; i < 20; i++) {
                sendRead(q1, 200 + i, i, 1);
                Map<Integer, byte[]> done = collect(q1, 1, new HashMap<>(Map.of(200 + i, true)));
                assertArrayEquals(pattern(i), done.get(200 + i), "lba " + i);
            }
            TestTargets.await(() -> s1.homedCompletions() == 39, "reads counted");
            assertEquals(1, s0.remoteCompletions(), "no further remote completion after the move");
            assertEquals(0, s1.remoteCompletions());
            String metrics = PrometheusText.render(t);
            assertTrue(metrics.contains("locus_queue_migrations_total{reactor=\"locus-reactor-1\",reason=\"provenance\"} 1"), metrics);
            assertTrue(metrics.contains("locus_queue_migrations_total{reactor=\"locus-reactor-0\",reason=\"connect\"} 1"), metrics);
            assertTrue(metrics.contains("locus_flow_migrations_total{reactor=\"locus-reactor-1\"} 1"), metrics);
            assertTrue(metrics.contains("locus_flows_total{reactor=\"locus-reactor-0\"} 1"), metrics);
        }
    }

    @Test
    void shouldKeepEveryCommandAcrossTheMoveUnderPipelinedLoad() throws Exception {
        try (Target t = Target.start(twoReactors(true)); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = adminWithProvenance(admin);
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            // Bursts of 16 pipelined commands: the next burst is sent the moment the previous one has completed, so
            // it races the move that the first burst's remote completions asked for.
            int bursts = 30;
            int writesPerBurst = 12;
            int cid = 1000;
            for (int b = 0; b < bursts; b++) {
                Map<Integer, Boolean> outstanding = new HashMap<>();
                Map<Integer, Long> readLba = new HashMap<>();
                for (int i = 0; i < writesPerBurst; i++) {
                    long lba = (long) b * writesPerBurst + i;
                    sendWrite(q2, ++cid, lba, 0, pattern(lba));
                    outstanding.put(cid, true);
                }
                for (int i = 0; b > 0 && i < 4; i++) {
                    long lba = (long) (b - 1) * writesPerBurst + i * 3;
                    sendRead(q2, ++cid, lba, 0);
                    outstanding.put(cid, true);
                    readLba.put(cid, lba);
                }
                int sent = outstanding.size();
                Map<Integer, byte[]> done = collect(q2, sent, outstanding);
                assertEquals(sent, done.size());
                for (Map.Entry<Integer, Long> r : readLba.entrySet()) {
                    assertArrayEquals(pattern(r.getValue()), done.get(r.getKey()), "read of lba " + r.getValue() + " in burst " + b);
                }
            }
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            long total = (long) bursts * writesPerBurst + (bursts - 1) * 4L;
            TestTargets.await(() -> s0.homedCompletions() + s1.homedCompletions() == total, "every completion counted");
            // The move comes once reactor 1 has nothing outstanding: after the first burst, or within it when the
            // target drained the commands it had before the rest of the burst arrived.
            assertTrue(s1.remoteCompletions() >= 1 && s1.remoteCompletions() <= writesPerBurst, "remote: " + s1.remoteCompletions());
            assertEquals(s1.remoteCompletions(), s1.homedCompletions(), "nothing ran on reactor 1 after the move");
            assertEquals(0, s0.remoteCompletions());
            assertEquals(1, s0.queueMoves(ReactorStats.MOVE_PROVENANCE));
            // Everything written is there, read back after the load.
            for (long lba = 0; lba < total - (bursts - 1) * 4L; lba += 37) {
                sendRead(q2, 9000, lba, 0);
                assertArrayEquals(pattern(lba), collect(q2, 1, new HashMap<>(Map.of(9000, true))).get(9000), "lba " + lba);
            }
        }
    }

    @Test
    void shouldServeCommandsThatArriveWhileTheQueueIsBetweenReactors() throws Exception {
        try (Target t = Target.start(twoReactors(true)); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = adminWithProvenance(admin);
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            CountDownLatch between = new CountDownLatch(1);
            CountDownLatch sent = new CountDownLatch(1);
            TcpTestHooks.duringMove(t.tcp(), () -> {
                between.countDown();
                try {
                    sent.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            sendWrite(q2, 1, 0, 0, pattern(0));
            assertEquals(0, q2.expect(PduType.CAPSULE_RESP).cqeStatus());
            assertTrue(between.await(10, TimeUnit.SECONDS), "the remote completion started a move");
            // The channel belongs to no event loop now: these wait in the socket until the queue is on reactor 0.
            Map<Integer, Boolean> outstanding = new HashMap<>();
            List<Integer> reads = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                sendWrite(q2, 10 + i, i, 0, pattern(i));
                outstanding.put(10 + i, true);
            }
            sendRead(q2, 30, 0, 0);
            outstanding.put(30, true);
            reads.add(30);
            sent.countDown();
            Map<Integer, byte[]> done = collect(q2, 9, outstanding);
            assertArrayEquals(pattern(0), done.get(30));
            TcpTestHooks.duringMove(t.tcp(), null);
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            TestTargets.await(() -> s0.homedCompletions() == 9, "the commands sent mid-move completed on reactor 0");
            assertEquals(1, s1.homedCompletions());
            assertEquals(0, s0.remoteCompletions());
        }
    }

    @Test
    void shouldNotPingPongAQueueWhoseFlowsAreHomedOnBothReactors() throws Exception {
        try (Target t = Target.start(twoReactors(true)); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = adminWithProvenance(admin);
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            for (int i = 0; i < 40; i++) {
                sendWrite(q2, 100 + i, i, i % 2, pattern(i)); // homes 0, 1, 0, 1...
                assertEquals(0, q2.expect(PduType.CAPSULE_RESP).cqeStatus());
            }
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            TestTargets.await(() -> s0.homedCompletions() + s1.homedCompletions() == 40, "completions counted");
            assertEquals(1, s0.queueMoves(ReactorStats.MOVE_PROVENANCE) + s1.queueMoves(ReactorStats.MOVE_PROVENANCE),
                    "one move after the first (remote) completion, then none: the flows' homes are balanced");
        }
    }

    @Test
    void shouldKeepRoundRobinPlacementInGenericMode() throws Exception {
        try (Target t = Target.start(twoReactors(false)); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            for (int i = 0; i < 10; i++) {
                sendWrite(q2, 100 + i, i, 0, pattern(i)); // provenance fields a generic target does not read
                assertEquals(0, q2.expect(PduType.CAPSULE_RESP).cqeStatus());
            }
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            TestTargets.await(() -> s1.commands(ReactorStats.THROUGHPUT) == 10, "all ten on reactor 1");
            assertEquals(0, s0.commands(ReactorStats.THROUGHPUT) + s0.commands(ReactorStats.LATENCY));
            assertEquals(0, s0.queueMoves(ReactorStats.MOVE_PROVENANCE) + s1.queueMoves(ReactorStats.MOVE_PROVENANCE));
            assertEquals(0, s1.flows());
        }
    }
}
