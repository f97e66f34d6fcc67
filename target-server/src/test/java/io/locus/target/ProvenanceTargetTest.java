package io.locus.target;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import io.locus.target.core.ReactorStats;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The provenance extension as the target negotiates it: off for standard hosts, timing in DW1 once enabled. */
class ProvenanceTargetTest {
    private static RawHost.Pdu writeWithProvenance(RawHost io, int cid) throws Exception {
        return writeWithProvenance(io, cid, ProvenanceWire.CLASS_STEP_CRITICAL);
    }

    private static RawHost.Pdu writeWithProvenance(RawHost io, int cid, int latencyClass) throws Exception {
        ByteBuf s = RawHost.sqe(NvmOpcode.WRITE, cid, 1);
        Sqe.setCdw(s, 0, 12, 0);
        s.setIntLE(Sqe.CDW2_OFFSET, 77);
        s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(0, 0));
        s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(latencyClass, 0, 50));
        io.capsule(s, new byte[4096], false);
        return io.expect(PduType.CAPSULE_RESP);
    }

    @Test
    void shouldReturnTimingInDw1OnlyAfterTheHostEnablesProvenance() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            io.icReq(false, false);
            io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            for (int i = 0; i < 20; i++) {
                assertEquals(0, writeWithProvenance(io, 10 + i).header().getIntLE(8 + 4), "standard hosts never see DW1 timing");
            }
            assertEquals(0, admin.enableProvenance(50));
            // Timing is in microseconds and saturates; a slow first write makes it non-zero. Look for any non-zero
            // target part across a few commands (the target part includes the queue and processing time).
            int nonZero = 0;
            for (int i = 0; i < 200 && nonZero == 0; i++) {
                int dw1 = writeWithProvenance(io, 100 + i).header().getIntLE(8 + 4);
                nonZero |= dw1;
            }
            assertNotEquals(0, nonZero, "enabled controllers report target timing in DW1");
        }
    }

    /** How many throughput commands the target's only reactor has held back behind latency-class work. */
    private static long deferred(Target t) throws Exception {
        io.locus.runtime.Reactor r = t.reactors().get(0);
        java.util.concurrent.CompletableFuture<Long> n = new java.util.concurrent.CompletableFuture<>();
        r.execute(() -> n.complete(t.completions(r).deferredCommands()));
        return n.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Flushes of queued responses on the target's only reactor, for one reason. */
    private static long flushes(Target t, int reason) throws Exception {
        io.locus.runtime.Reactor r = t.reactors().get(0);
        java.util.concurrent.CompletableFuture<Long> n = new java.util.concurrent.CompletableFuture<>();
        r.execute(() -> n.complete(t.completions(r).stats().responseFlushes(reason)));
        return n.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Sixteen 128 KiB throughput reads arriving together, on a provenance controller: without BOUNDED_BATCH their
     * responses flush at the uniform 1 MiB (twice), with it at reactors.batch_bytes (2 MiB: once). The window is
     * wide and batch_pdus high so all sixteen complete in one batch whatever the machine's speed.
     */
    @Test
    void shouldCoalesceBoundedBatchFlowsUpToTheirByteLimitAndOthersUpToTheUniformOne() throws Exception {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        TargetConfig.Reactors wide = new TargetConfig.Reactors(List.of(), "adaptive", true, 64, 1_000_000,
                TargetConfig.Reactors.DEFAULT_BATCH_BYTES, TargetConfig.Reactors.DEFAULT_WINDOW_BYTES);
        try (Target t = Target.start(new TargetConfig(wide, base.ports(), base.discovery(), base.subsystems(), base.limits()));
             RawHost admin = new RawHost(TestTargets.ioPort(t)); RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            assertEquals(0, admin.enableProvenance(50));
            io.icReq(false, false);
            io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            long uniform = limitFlushesForReads(t, io, 100, 0);
            long bounded = limitFlushesForReads(t, io, 200, ProvenanceWire.FLAG_BOUNDED_BATCH);
            assertEquals(2, uniform, "16 x 128 KiB without BOUNDED_BATCH: a flush every 1 MiB");
            assertEquals(1, bounded, "16 x 128 KiB with BOUNDED_BATCH: one flush at 2 MiB");
        }
    }

    private static final int READS = 16;

    private static long limitFlushesForReads(Target t, RawHost host, int firstCid, int flags) throws Exception {
        long before = flushes(t, ReactorStats.FLUSH_LIMIT);
        List<ByteBuf> reads = new java.util.ArrayList<>();
        for (int i = 0; i < READS; i++) {
            ByteBuf s = RawHost.sqe(NvmOpcode.READ, firstCid + i, 1);
            Sqe.setCdw(s, 0, 10, i * 32);
            Sqe.setCdw(s, 0, 12, 31); // 32 blocks of 4 KiB
            s.setIntLE(Sqe.CDW2_OFFSET, 9);
            s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(0, 0));
            s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(ProvenanceWire.CLASS_THROUGHPUT, flags, 0));
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, 128 * 1024, Sgl.ID_TRANSPORT);
            reads.add(s);
        }
        host.capsulesInOneWrite(reads);
        assertEquals(READS, host.readReadResponses(READS).size());
        return flushes(t, ReactorStats.FLUSH_LIMIT) - before;
    }

    @Test
    void shouldServeAStandardHostsCommandsAtOnceAndDeferOnlyThroughputWorkOfEnabledControllers() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            io.icReq(false, false);
            io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            for (int i = 0; i < 10; i++) {
                assertEquals(0, writeWithProvenance(io, 10 + i, ProvenanceWire.CLASS_THROUGHPUT).cqeStatus());
            }
            assertEquals(0, deferred(t), "a standard host's commands run as in generic mode, never held back");
            assertEquals(0, admin.enableProvenance(50));
            for (int i = 0; i < 10; i++) {
                assertEquals(0, writeWithProvenance(io, 30 + i, ProvenanceWire.CLASS_STEP_CRITICAL).cqeStatus());
            }
            assertEquals(0, deferred(t), "latency-class work is never held back");
            for (int i = 0; i < 10; i++) {
                assertEquals(0, writeWithProvenance(io, 50 + i, ProvenanceWire.CLASS_THROUGHPUT).cqeStatus());
            }
            assertEquals(10, deferred(t), "throughput work of an enabled controller waits for latency-class work");
        }
    }

    @Test
    void shouldNeitherAdvertiseNorAcceptProvenanceInGenericMode() throws Exception {
        io.locus.target.config.TargetConfig base = TestTargets.config(java.util.List.of(
                new io.locus.target.config.TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)), true,
                java.util.List.of(), io.locus.target.config.TargetConfig.Limits.defaults());
        io.locus.target.config.TargetConfig generic = new io.locus.target.config.TargetConfig(base.reactors().withProvenance(false),
                base.ports(), base.discovery(), base.subsystems(), base.limits());
        try (Target t = Target.start(generic); RawHost admin = new RawHost(TestTargets.ioPort(t))) {
            admin.adminUp(TestTargets.NQN, 0);
            ByteBuf id = io.netty.buffer.Unpooled.wrappedBuffer(admin.identify(1, 0));
            assertEquals(0, id.getIntLE(ProvenanceWire.SIGNATURE_OFFSET), "no LCPX signature");
            ByteBuf set = RawHost.sqe(AdminOpcode.SET_FEATURES, 51, 0);
            Sqe.setCdw(set, 0, 10, Feature.LOCUS_PROVENANCE);
            Sqe.setCdw(set, 0, 11, 1);
            admin.capsule(set, null, false);
            assertEquals(io.locus.protocol.nvme.Status.INVALID_FIELD | io.locus.protocol.nvme.Status.DNR,
                    admin.expect(PduType.CAPSULE_RESP).cqeStatus());
        }
    }
}
