package io.locus.initiator;

import io.locus.initiator.tcp.TcpQueue;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class NamespaceIoTest {
    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private static ByteBuf pattern(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return Unpooled.wrappedBuffer(b);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    private byte[] media(long lba, int blocks) {
        byte[] out = new byte[blocks * 512];
        System.arraycopy(target.media, (int) lba * 512, out, 0, out.length);
        return out;
    }

    @Test
    void shouldSendWriteInCapsuleWhenItFitsIoccsz() {
        target.inCapsuleBytes = 8192;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            ByteBuf data = pattern(4096, 1);
            byte[] expected = bytes(data);
            ns.writeBlocking(10, 8, data, false);
            assertArrayEquals(expected, media(10, 8));
            FakeTarget.Cmd w = target.ioCommands(NvmOpcode.WRITE).getFirst();
            assertEquals(0x01, w.sglId);
            assertEquals(0, w.sglAddress);
            assertEquals(4096, w.sglLength);
            assertEquals(72, w.pdo);
            assertTrue(target.pdus.stream().noneMatch(p -> p.type() == PduType.H2C_DATA));
        }
    }

    @Test
    void shouldAnswerR2TWithH2CDataSplitByMaxH2CDataWhenWriteExceedsIoccsz() {
        target.inCapsuleBytes = 4096;
        target.maxH2CData = 8192;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            ByteBuf data = pattern(32768, 2);
            byte[] expected = bytes(data);
            ns.writeBlocking(0, 64, data, true);
            assertArrayEquals(expected, media(0, 64));
            FakeTarget.Cmd w = target.ioCommands(NvmOpcode.WRITE).getFirst();
            assertEquals(0x5A, w.sglId);
            assertEquals(32768, w.sglLength);
            assertTrue((w.cdw[12] & NvmOpcode.CDW12_FUA) != 0, "FUA");
            List<FakeTarget.Pdu> h2c = target.pdus.stream().filter(p -> p.type() == PduType.H2C_DATA).toList();
            assertEquals(4, h2c.size());
            assertTrue(h2c.stream().allMatch(p -> p.plen() - p.pdo() == 8192));
            assertEquals(1, h2c.stream().filter(p -> (p.flags() & CommonHeader.FLAG_LAST_PDU) != 0).count());
            assertTrue((h2c.getLast().flags() & CommonHeader.FLAG_LAST_PDU) != 0);
        }
    }

    @Test
    void shouldReadDataFromSeveralC2HDataPdusWhenTargetSendsCapsuleResp() {
        target.c2hChunk = 1000;
        new Random(3).nextBytes(target.media);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            ByteBuf into = Unpooled.buffer(8192);
            ns.readBlocking(100, 16, into);
            assertArrayEquals(media(100, 16), bytes(into));
            FakeTarget.Cmd r = target.ioCommands(NvmOpcode.READ).getFirst();
            assertEquals(0x5A, r.sglId);
            assertEquals(8192, r.sglLength);
        }
    }

    @Test
    void shouldCompleteReadWithoutCapsuleRespWhenFinalC2HDataHasSuccess() {
        target.c2hSuccess = true;
        new Random(4).nextBytes(target.media);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            for (int i = 0; i < 20; i++) {
                ByteBuf into = Unpooled.buffer(4096);
                ns.readBlocking(i * 8, 8, into);
                assertArrayEquals(media(i * 8, 8), bytes(into));
            }
        }
    }

    @Test
    void shouldMoveDataWithHeaderAndDataDigestsWhenBothNegotiated() {
        target.inCapsuleBytes = 1024;
        new Random(5).nextBytes(target.media);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().headerDigest(true).dataDigest(true))) {
            assertTrue(((TcpQueue) ctrl.ioQueue(0).connection()).headerDigest());
            assertTrue(((TcpQueue) ctrl.ioQueue(0).connection()).dataDigest());
            Namespace ns = ctrl.namespace(1);
            ByteBuf into = Unpooled.buffer(4096);
            ns.readBlocking(0, 8, into);
            assertArrayEquals(media(0, 8), bytes(into));
            ByteBuf small = pattern(512, 6);
            byte[] smallBytes = bytes(small);
            ns.writeBlocking(200, 1, small, false);
            ByteBuf big = pattern(65536, 7);
            byte[] bigBytes = bytes(big);
            ns.writeBlocking(300, 128, big, false);
            assertArrayEquals(smallBytes, media(200, 1));
            assertArrayEquals(bigBytes, media(300, 128));
            assertTrue(target.pdus.stream().filter(p -> p.type() == PduType.CAPSULE_CMD)
                    .allMatch(p -> (p.flags() & CommonHeader.FLAG_HDGST) != 0));
            assertTrue(target.pdus.stream().filter(p -> p.type() == PduType.H2C_DATA)
                    .allMatch(p -> (p.flags() & 3) == 3));
        }
    }

    @Test
    void shouldReadLargePayloadsStraightIntoDirectBuffersWithAndWithoutDataDigest() {
        new Random(9).nextBytes(target.media);
        for (boolean digest : new boolean[] {false, true}) {
            try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().dataDigest(digest))) {
                Namespace ns = ctrl.namespace(1);
                TcpQueue queue = (TcpQueue) ctrl.ioQueue(0).connection();
                for (int i = 0; i < 16; i++) {
                    // Read at index 4096 of a pooled buffer: the placed reads must land there, not at 0.
                    ByteBuf into = PooledByteBufAllocator.DEFAULT.directBuffer(4096 + 131072);
                    try {
                        into.writerIndex(4096).readerIndex(4096);
                        ns.readBlocking(i * 256L, 256, into);
                        assertArrayEquals(media(i * 256L, 256), bytes(into), "read " + i + ", data digest " + digest);
                    } finally {
                        into.release();
                    }
                }
                // 64 KiB C2HData PDUs: after the first, each payload's rest is read into the command's buffer.
                assertTrue(queue.placedReads() >= 16, "placed " + queue.placedReads() + " reads, data digest " + digest);
                ByteBuf heap = Unpooled.buffer(131072);
                long before = queue.placedReads();
                ns.readBlocking(0, 256, heap);
                assertArrayEquals(media(0, 256), bytes(heap));
                assertEquals(before, queue.placedReads(), "a heap buffer is filled by copy");
                CompositeByteBuf parts = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer();
                try {
                    parts.addComponents(true, PooledByteBufAllocator.DEFAULT.directBuffer(65536).writerIndex(65536),
                            PooledByteBufAllocator.DEFAULT.directBuffer(65536).writerIndex(65536)).clear();
                    ns.readBlocking(256, 256, parts);
                    assertArrayEquals(media(256, 256), bytes(parts));
                    assertEquals(before, queue.placedReads(), "so is a buffer of several regions");
                } finally {
                    parts.release();
                }
            }
        }
    }

    @Test
    void shouldReadSmallPayloadsThroughOneReusedReceiveBufferWithAndWithoutDataDigest() {
        new Random(11).nextBytes(target.media);
        for (boolean digest : new boolean[] {false, true}) {
            try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().dataDigest(digest))) {
                Namespace ns = ctrl.namespace(1);
                TcpQueue queue = (TcpQueue) ctrl.ioQueue(0).connection();
                long before = queue.ownBufferReads();
                Random lbas = new Random(12);
                for (int i = 0; i < 64; i++) {
                    // Each response lands where the one before it did: a byte left over from a read before would
                    // show up in this one's data or header.
                    long lba = lbas.nextInt(target.media.length / 4096) * 8L;
                    ByteBuf into = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
                    try {
                        ns.readBlocking(lba, 8, into);
                        assertArrayEquals(media(lba, 8), bytes(into), "read " + i + ", data digest " + digest);
                    } finally {
                        into.release();
                    }
                }
                assertTrue(queue.ownBufferReads() - before >= 64,
                        (queue.ownBufferReads() - before) + " reads into the receiver's own buffer, data digest " + digest);
            }
        }
    }

    @Test
    void shouldFailReadWithDataTransferErrorWhenDataDigestMismatches() {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().dataDigest(true).maxRetries(0))) {
            Namespace ns = ctrl.namespace(1);
            target.corruptDataDigests = 100;
            NvmeException e = assertThrows(NvmeException.class, () -> ns.readBlocking(0, 8, Unpooled.buffer(4096)));
            assertEquals(Status.DATA_TRANSFER_ERROR, e.status() & 0x7FF);
            assertTrue(e.getMessage().contains("Data Transfer Error"), e.getMessage());
            assertEquals(ControllerState.LIVE, ctrl.state(), "a digest error fails the command, not the controller");
        }
    }

    @Test
    void shouldRetryReadAndSucceedWhenOnlyFirstDataDigestIsBad() {
        new Random(8).nextBytes(target.media);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().dataDigest(true))) {
            Namespace ns = ctrl.namespace(1);
            target.corruptDataDigests = 1;
            ByteBuf into = Unpooled.buffer(4096);
            ns.readBlocking(0, 8, into);
            assertArrayEquals(media(0, 8), bytes(into));
            assertEquals(2, target.ioCommands(NvmOpcode.READ).size());
        }
    }

    @Test
    void shouldSplitTransfersLargerThanMdtsIntoSeveralCommands() {
        target.mdts = 1; // 2 × 4 KiB = 8 KiB per command
        new Random(9).nextBytes(target.media);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            assertEquals(8192, ctrl.maxTransferBytes());
            ByteBuf into = Unpooled.buffer(40960);
            ns.readBlocking(7, 80, into);
            assertArrayEquals(media(7, 80), bytes(into));
            List<FakeTarget.Cmd> reads = target.ioCommands(NvmOpcode.READ);
            assertEquals(5, reads.size());
            long next = 7;
            for (FakeTarget.Cmd r : reads.stream().sorted((a, b) -> Long.compare(a.slba(), b.slba())).toList()) {
                assertEquals(next, r.slba());
                assertTrue(r.sglLength <= 8192);
                next += r.nlb();
            }
            assertEquals(87, next);
            ByteBuf data = pattern(20480, 10);
            byte[] expected = bytes(data);
            ns.writeBlocking(1000, 40, data, false);
            assertArrayEquals(expected, media(1000, 40));
            assertEquals(3, target.ioCommands(NvmOpcode.WRITE).size());
        }
    }

    @Test
    void shouldUseDistinctCidsForConcurrentCommandsAndReuseSlots() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().queueSize(16))) {
            Namespace ns = ctrl.namespace(1);
            assertEquals(15, ctrl.ioQueue(0).depth());
            int rounds = 4;
            for (int round = 0; round < rounds; round++) {
                CountDownLatch done = new CountDownLatch(15);
                AtomicInteger failures = new AtomicInteger();
                ByteBuf[] bufs = new ByteBuf[15];
                for (int i = 0; i < 15; i++) {
                    bufs[i] = Unpooled.buffer(512);
                    ns.read(i, 1, bufs[i], 0, null, (ctx, status, dw0, dw1) -> {
                        if (status != 0) {
                            failures.incrementAndGet();
                        }
                        done.countDown();
                    }, null);
                }
                assertTrue(done.await(5, TimeUnit.SECONDS));
                assertEquals(0, failures.get());
            }
            List<FakeTarget.Cmd> reads = target.ioCommands(NvmOpcode.READ);
            assertEquals(60, reads.size());
            Set<Integer> indexes = new HashSet<>();
            for (int i = 0; i < reads.size(); i += 15) {
                Set<Integer> cids = new HashSet<>();
                for (int j = i; j < i + 15; j++) {
                    cids.add(reads.get(j).cid);
                    indexes.add(reads.get(j).cid & 0xF);
                }
                assertEquals(15, cids.size(), "CIDs of outstanding commands are distinct");
            }
            assertEquals(15, indexes.size(), "slots are reused");
            assertTrue(reads.stream().map(r -> r.cid).distinct().count() > 15, "a reused slot gets a new CID generation");
        }
    }

    @Test
    void shouldQueueSubmissionsBeyondQueueDepthUntilSlotsFree() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().queueSize(4))) {
            Namespace ns = ctrl.namespace(1);
            CountDownLatch done = new CountDownLatch(50);
            AtomicInteger failures = new AtomicInteger();
            for (int i = 0; i < 50; i++) {
                ns.read(i, 1, Unpooled.buffer(512), 0, null, (ctx, status, dw0, dw1) -> {
                    if (status != 0) {
                        failures.incrementAndGet();
                    }
                    done.countDown();
                }, null);
            }
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(0, failures.get());
        }
    }

    @Test
    void shouldFlushWriteZeroesAndDeallocate() {
        java.util.Arrays.fill(target.media, (byte) 0x77);
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            ns.flushBlocking();
            ns.writeZeroesBlocking(0, 4, false);
            ns.deallocateBlocking(10, 2);
            assertArrayEquals(new byte[2048], media(0, 4));
            assertArrayEquals(new byte[1024], media(10, 2));
            assertEquals((byte) 0x77, target.media[4 * 512]);
            assertEquals(1, target.ioCommands(NvmOpcode.FLUSH).size());
            FakeTarget.Cmd dsm = target.ioCommands(NvmOpcode.DATASET_MANAGEMENT).getFirst();
            assertEquals(NvmOpcode.DSM_ATTR_DEALLOCATE, dsm.cdw[11]);
        }
    }

    @Test
    void shouldReportLbaOutOfRangeWithoutRetryWhenTargetSetsDnr() {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            Namespace ns = ctrl.namespace(1);
            NvmeException e = assertThrows(NvmeException.class, () -> ns.readBlocking(4095, 2, Unpooled.buffer(1024)));
            assertEquals(Status.LBA_OUT_OF_RANGE, e.status() & 0x7FF);
            assertEquals(1, target.ioCommands(NvmOpcode.READ).size());
        }
    }
}
