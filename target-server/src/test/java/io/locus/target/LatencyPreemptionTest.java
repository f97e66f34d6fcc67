package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.runtime.Reactor;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A step-critical flow's capsules are read and answered between the socket writes of another queue's long flush of
 * bulk reads on the same reactor (PollGroup.serviceLatencySources), and neither flow's bytes suffer for it: every
 * 128 KiB read and every critical read returns exactly the blocks written. Rounds repeat until a critical capsule
 * has been served mid-flush (the two hosts are real threads on real sockets); a target that never looks between
 * writes, or looks and cannot serve, fails after the last round.
 */
@Timeout(120)
class LatencyPreemptionTest {
    private static final int BLOCK = 4096;
    private static final int BULK_READS = 16;
    private static final int BULK_BLOCKS = 32; // 128 KiB each
    private static final int ROUNDS = 200;

    @Test
    void shouldServeAStepCriticalFlowBetweenTheWritesOfABulkFlushWithoutCorruptingEither() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost critical = new RawHost(TestTargets.ioPort(t)); RawHost bulk = new RawHost(TestTargets.ioPort(t))) {
            assertEquals(1, t.reactors().size(), "both queues on one reactor");
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            assertEquals(0, admin.enableProvenance(50));
            critical.icReq(false, false);
            assertEquals(0, critical.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            bulk.icReq(false, false);
            assertEquals(0, bulk.connect(2, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());

            byte[] image = new byte[BULK_READS * BULK_BLOCKS * BLOCK];
            for (int i = 0; i < image.length; i++) {
                image[i] = (byte) (i * 131 + (i >>> 12));
            }
            for (int r = 0; r < BULK_READS; r++) {
                byte[] part = Arrays.copyOfRange(image, r * BULK_BLOCKS * BLOCK, (r + 1) * BULK_BLOCKS * BLOCK);
                assertEquals(0, bulk.writeBlocks(1, (long) r * BULK_BLOCKS, part, BLOCK, 8192, 0).cqeStatus());
            }

            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> criticalFailure = new AtomicReference<>();
            AtomicLong criticalReads = new AtomicLong();
            Thread criticalFlow = new Thread(() -> {
                try {
                    for (int cid = 0; !stop.get(); cid = (cid + 1) & 0xFF) {
                        int lba = cid % (BULK_READS * BULK_BLOCKS);
                        ByteBuf s = RawHost.sqe(NvmOpcode.READ, cid, 1);
                        Sqe.setCdw(s, 0, 10, lba);
                        Sqe.setCdw(s, 0, 12, 0);
                        s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(0, 0));
                        s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(ProvenanceWire.CLASS_STEP_CRITICAL, 0, 0xFFFF));
                        Object[] r = critical.readCommand(s, BLOCK);
                        assertEquals(0, ((RawHost.Pdu) r[1]).cqeStatus());
                        assertArrayEquals(Arrays.copyOfRange(image, lba * BLOCK, (lba + 1) * BLOCK), (byte[]) r[0],
                                "critical read of block " + lba);
                        criticalReads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    criticalFailure.set(e);
                }
            }, "critical-flow");
            criticalFlow.start();
            long[] stats = {0, 0, 0};
            int rounds = 0;
            try {
                // Until a capsule was served mid-flush and at least two looks found the socket empty.
                while (rounds < ROUNDS && (stats[1] == 0 || stats[0] - stats[1] < 2) && criticalFailure.get() == null) {
                    bulkRound(bulk, image, 1000 + (rounds % 8) * 100);
                    rounds++;
                    stats = services(t);
                }
            } finally {
                stop.set(true);
                criticalFlow.join(10_000);
            }
            assertNull(criticalFailure.get(), () -> "critical flow: " + criticalFailure.get());
            assertTrue(criticalReads.get() > 0, "the critical flow ran");
            assertTrue(stats[0] > 0, "a bulk flush looked at the latency source between its writes (" + rounds + " rounds)");
            assertTrue(stats[1] > 0, "a critical capsule was served between the writes of a bulk flush ("
                    + rounds + " rounds, " + stats[0] + " looks, " + criticalReads.get() + " critical reads)");
            // Each capsule is read whole by one read, and a look that read nothing keeps its buffer for the next:
            // the looks take a buffer from the allocator once per capsule they served, plus the one kept.
            assertTrue(stats[0] - stats[1] >= 2,
                    "looks that found nothing (" + rounds + " rounds, " + stats[0] + " looks)");
            assertTrue(stats[2] <= stats[1] + 1, "receive buffers taken by " + stats[0] + " looks that served "
                    + stats[1] + " capsules: " + stats[2]);
            long served = stats[1];
            assertTrue(io.locus.target.metrics.PrometheusText.render(t).lines().anyMatch(l ->
                    l.startsWith("locus_latency_services_total{reactor=\"locus-reactor-0\",result=\"served\"} ")
                            && Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)) >= served), "the metric shows them");
        }
    }

    /** Sixteen 128 KiB throughput reads in one write, then their data, checked against the image. */
    private static void bulkRound(RawHost bulk, byte[] image, int firstCid) throws Exception {
        List<ByteBuf> reads = new ArrayList<>();
        for (int i = 0; i < BULK_READS; i++) {
            ByteBuf s = RawHost.sqe(NvmOpcode.READ, firstCid + i, 1);
            Sqe.setCdw(s, 0, 10, i * BULK_BLOCKS);
            Sqe.setCdw(s, 0, 12, BULK_BLOCKS - 1);
            s.setIntLE(Sqe.CDW3_OFFSET, ProvenanceWire.cdw3(0, 0));
            s.setLongLE(Sqe.MPTR_OFFSET, ProvenanceWire.mptr(ProvenanceWire.CLASS_THROUGHPUT, 0, 0));
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, BULK_BLOCKS * BLOCK, Sgl.ID_TRANSPORT);
            reads.add(s);
        }
        bulk.capsulesInOneWrite(reads);
        Map<Integer, byte[]> data = bulk.readReadResponses(BULK_READS);
        for (int at = 0; at < BULK_READS; at++) {
            assertArrayEquals(Arrays.copyOfRange(image, at * BULK_BLOCKS * BLOCK, (at + 1) * BULK_BLOCKS * BLOCK),
                    data.get(firstCid + at), "bulk read " + at);
        }
    }

    /**
     * The only reactor's looks at its latency sources between flush writes, those that served one, and the receive
     * buffers they took from the allocator.
     */
    private static long[] services(Target t) throws Exception {
        Reactor r = t.reactors().get(0);
        CompletableFuture<long[]> n = new CompletableFuture<>();
        r.execute(() -> {
            io.locus.target.core.ReactorStats s = t.completions(r).stats();
            n.complete(new long[] {s.latencyServices(), s.latencyServicesServed(), s.latencyServiceBuffers()});
        });
        return n.get(5, TimeUnit.SECONDS);
    }
}
