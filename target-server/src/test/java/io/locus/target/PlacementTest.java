package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import io.locus.target.core.ReactorStats;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** I/O queues move to their home reactor after Connect: qid q runs on reactor (q - 1) mod n. */
class PlacementTest {
    @Test
    void shouldRunEachIoQueueOnItsHomeReactor() throws Exception {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        TargetConfig twoReactors = new TargetConfig(new TargetConfig.Reactors(List.of(-1, -1), "adaptive"), base.ports(),
                base.discovery(), base.subsystems(), base.limits());
        // Two unpinned reactors: "cores" -1 means no pinning.
        try (Target t = Target.start(twoReactors); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q1 = new RawHost(TestTargets.ioPort(t)); RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            q1.icReq(false, false);
            assertEquals(0, q1.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            for (int i = 0; i < 5; i++) {
                assertEquals(0, q1.writeBlocks(1, i, new byte[4096], 4096, 8192, 0).cqeStatus());
            }
            for (int i = 0; i < 3; i++) {
                Object[] r = q2.readBlocks(1, i, 1, 4096);
                assertEquals(4096, ((byte[]) r[0]).length);
            }
            ReactorStats s0 = t.completions(t.reactors().get(0)).stats();
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            assertEquals(5, s0.commands(ReactorStats.THROUGHPUT), "qid 1 on reactor 0");
            assertEquals(3, s1.commands(ReactorStats.THROUGHPUT), "qid 2 on reactor 1");
        }
    }

    @Test
    void shouldCountNoRemoteCompletionsForFlowsSentOnTheirHomeQueue() throws Exception {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        TargetConfig twoReactors = new TargetConfig(new TargetConfig.Reactors(List.of(-1, -1), "adaptive"), base.ports(),
                base.discovery(), base.subsystems(), base.limits());
        try (Target t = Target.start(twoReactors); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost q2 = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            assertEquals(0, admin.enableProvenance(60));
            q2.icReq(false, false);
            assertEquals(0, q2.connect(2, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            // Home CPU 1 belongs to reactor 1 (1 mod 2), where qid 2 runs; home CPU 0 does not.
            for (int homeCpu : new int[] {1, 1, 1, 0}) {
                ByteBuf s = RawHost.sqe(NvmOpcode.WRITE, 70 + homeCpu, 1);
                Sqe.setCdw(s, 0, 12, 0);
                s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(homeCpu, 0));
                s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(ProvenanceWire.CLASS_THROUGHPUT, 0, 0));
                q2.capsule(s, new byte[4096], false);
                assertEquals(0, q2.expect(PduType.CAPSULE_RESP).cqeStatus());
            }
            ReactorStats s1 = t.completions(t.reactors().get(1)).stats();
            assertEquals(4, s1.homedCompletions());
            assertEquals(1, s1.remoteCompletions(), "only the flow homed elsewhere counts as remote");
        }
    }
}
