package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.PduType;
import io.locus.runtime.Reactor;
import io.locus.target.config.TargetConfig;
import io.locus.target.core.ReactorStats;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The responses of a batch of reads leave in one socket write per flush: C2HData headers and CapsuleResps are encoded
 * into one batch buffer and the data is gathered beside them (iovecs of one writev), so a flush is one write, not
 * one per PDU or per buffer. Counted by the reactors' {@link ReactorStats#flushWrites()} against their flushes;
 * whatever way TCP splits the host's commands into reads, every flush must have been exactly one write.
 */
@Timeout(60)
class ResponseWritesTest {
    private static final int BLOCK = 4096;
    private static final int QD = 32;

    @Test
    void shouldWriteOncePerFlushWhenReadsAreSmall() throws Exception {
        for (int digests = 0; digests < 2; digests++) {
            try (Target t = TestTargets.memory(16L << 20);
                 RawHost admin = new RawHost(TestTargets.ioPort(t));
                 RawHost host = new RawHost(TestTargets.ioPort(t))) {
                int cntlid = admin.adminUp(TestTargets.NQN, 0);
                host.ioQueueUp(cntlid, digests == 1, digests == 1);
                byte[] block = new byte[BLOCK];
                for (int i = 0; i < BLOCK; i++) {
                    block[i] = (byte) (i * 7 + 3);
                }
                assertEquals(0, host.writeBlocks(1, 5, block, BLOCK, 8192, 0).cqeStatus());
                long[] before = counters(t);
                if (digests == 0) {
                    int first = host.cid + 1;
                    host.capsulesInOneWrite(reads(host, QD, 5));
                    Map<Integer, byte[]> data = host.readReadResponses(QD);
                    for (int i = 0; i < QD; i++) {
                        assertArrayEquals(block, data.get(first + i));
                    }
                } else {
                    for (int i = 0; i < QD; i++) {
                        assertArrayEquals(block, (byte[]) host.readBlocks(1, 5, 1, BLOCK)[0]);
                    }
                }
                long[] after = counters(t);
                long flushes = after[0] - before[0];
                long writes = after[1] - before[1];
                assertTrue(flushes > 0 && flushes <= QD, "flushes: " + flushes);
                assertEquals(flushes, writes, "writes per flush (digests " + (digests == 1) + ")");
            }
        }
    }

    @Test
    void shouldGatherLargeDataWithItsHeaderAndDigestIntoOneWrite() throws Exception {
        int length = 64 * 1024;
        try (Target t = TestTargets.memory(16L << 20);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, true, true);
            byte[] data = new byte[length];
            for (int i = 0; i < length; i++) {
                data[i] = (byte) (i * 31 + 1);
            }
            assertEquals(0, host.writeBlocks(1, 0, data, BLOCK, 8192, 0).cqeStatus());
            long[] before = counters(t);
            // Read back with digests: the header and the data digest are in the batch, the data its own buffer; one writev.
            assertArrayEquals(data, (byte[]) host.readBlocks(1, 0, length / BLOCK, BLOCK)[0]);
            long[] after = counters(t);
            assertEquals(1, after[0] - before[0], "flushes");
            assertEquals(1, after[1] - before[1], "the header, the data, its digest and the CapsuleResp in one write");
        }
    }

    @Test
    void shouldSendNullNamespaceReadsFromTheSharedZeroes() throws Exception {
        TargetConfig config = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "null", 64L << 20, null, BLOCK, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        try (Target t = Target.start(config);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, false, true);
            // Sent as slices of the shared zeroes (4 KiB and 128 KiB), each with its digest.
            for (int blocks : new int[] {1, 32, 1, 32}) {
                assertArrayEquals(new byte[blocks * BLOCK], (byte[]) host.readBlocks(1, 7, blocks, BLOCK)[0]);
            }
        }
    }

    private static List<ByteBuf> reads(RawHost host, int n, long lba) {
        List<ByteBuf> sqes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuf s = RawHost.sqe(NvmOpcode.READ, ++host.cid, 1);
            Sqe.setCdw(s, 0, 10, (int) lba);
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, BLOCK, Sgl.ID_TRANSPORT);
            sqes.add(s);
        }
        return sqes;
    }

    /**
     * Reads sent in one write complete in one turn, and the flush writes their CapsuleResps after their data (SQ flow
     * control is on, so no completion is folded into its C2HData), a group of at most sixteen at a time
     * (HeldCompletions.GROUP): a host that submits from completion callbacks then finds them together. 32 reads (a
     * full {@code reactors.batch_pdus} flush) come back as sixteen C2HData and their CapsuleResps, twice, not all 32
     * data PDUs before the first CapsuleResp, nor each CapsuleResp right behind its own data.
     */
    @Test
    void shouldWriteAFlushsCapsuleRespsAfterItsDataSixteenAtATime() throws Exception {
        try (Target t = oneTurnTarget();
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, false, false);
            host.capsulesInOneWrite(reads(host, 32, 5));
            int data = 0;
            int resps = 0;
            int run = 0;
            int firstRun = -1;
            while (resps < 32) {
                RawHost.Pdu p = host.read();
                if (p.type() == PduType.C2H_DATA) {
                    assertEquals(0, p.flags() & CommonHeader.FLAG_SUCCESS);
                    data++;
                    run++;
                    assertTrue(run <= 16, "more than a group of C2HData in a row: " + run);
                } else {
                    assertEquals(PduType.CAPSULE_RESP, p.type());
                    resps++;
                    assertTrue(resps <= data, "a CapsuleResp before its data");
                    if (firstRun < 0) {
                        firstRun = run;
                    }
                    run = 0;
                }
            }
            assertEquals(32, data);
            assertTrue(firstRun > 1, "C2HData before the first CapsuleResp: " + firstRun);
        }
    }

    /**
     * A memory target whose reactor turn may run for a second ({@code reactors.window_us}), so the reads of one write
     * complete in one turn even while the code is still interpreted: with the default 100 us, a cold reactor ends its
     * turn after each of the first commands and each goes out in a flush of its own.
     */
    private static Target oneTurnTarget() throws Exception {
        TargetConfig base = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        TargetConfig.Reactors reactors = new TargetConfig.Reactors(List.of(), "adaptive", true,
                TargetConfig.Reactors.DEFAULT_BATCH_PDUS, 1_000_000, TargetConfig.Reactors.DEFAULT_BATCH_BYTES,
                TargetConfig.Reactors.DEFAULT_WINDOW_BYTES);
        return Target.start(new TargetConfig(reactors, base.ports(), base.discovery(), base.subsystems(), base.limits()));
    }

    /** {flushes, their socket writes} summed over the reactors, read on each reactor's thread. */
    private static long[] counters(Target t) throws Exception {
        long[] sum = new long[2];
        for (Reactor r : t.reactors().reactors()) {
            CompletableFuture<long[]> f = new CompletableFuture<>();
            r.execute(() -> {
                ReactorStats s = t.completions(r).stats();
                f.complete(new long[] {s.responseFlushes(ReactorStats.FLUSH_LATENCY) + s.responseFlushes(ReactorStats.FLUSH_LIMIT)
                        + s.responseFlushes(ReactorStats.FLUSH_BATCH_END), s.flushWrites()});
            });
            long[] c = f.get(5, TimeUnit.SECONDS);
            sum[0] += c[0];
            sum[1] += c[1];
        }
        return sum;
    }
}
