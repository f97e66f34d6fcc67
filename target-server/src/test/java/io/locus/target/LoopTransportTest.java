package io.locus.target;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Cqe;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.target.model.Port;
import io.locus.target.transport.loop.LoopConnection;
import io.locus.target.transport.loop.LoopTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole target — dispatcher, fabrics, admin and NVM command sets, controller, memory backend, poll groups —
 * driven through the in-process loop transport, with no socket: the same answers a TCP host gets.
 */
@Timeout(30)
class LoopTransportTest {
    private static final int BLOCK = 4096;

    private Target target;
    private LoopTransport loop;
    private Port port;

    /** A completion as the host sees it. */
    record Completion(int dw0, int sqhd, int sqid, int cid, int status, ByteBuf data) {
    }

    @BeforeEach
    void start() throws Exception {
        target = TestTargets.memory(16L << 20);
        loop = new LoopTransport(target.pollGroups(), target.dispatcher(), target.limits());
        port = loop.listen(new Port(77, loop.trtype(), InetSocketAddress.createUnresolved("loop", 0), false));
    }

    @AfterEach
    void stop() {
        loop.close();
        target.close();
    }

    private static Completion run(LoopConnection c, ByteBuf sqe, ByteBuf data) throws Exception {
        CompletableFuture<Completion> done = new CompletableFuture<>();
        c.submit(sqe, data, (cqe, read) -> done.complete(new Completion(cqe.getIntLE(0),
                cqe.getUnsignedShortLE(8), cqe.getUnsignedShortLE(10), cqe.getUnsignedShortLE(12),
                Cqe.status(cqe, 0), read)));
        return done.get(5, TimeUnit.SECONDS);
    }

    private static ByteBuf sqe(int opcode, int cid, int nsid, int length, int sglId) {
        ByteBuf s = RawHost.sqe(opcode, cid, nsid);
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, length, sglId);
        return s;
    }

    private static Completion connect(LoopConnection c, int qid, int cntlid) throws Exception {
        ByteBuf s = sqe(AdminOpcode.FABRICS, 1, 0, 1024, Sgl.ID_IN_CAPSULE);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.CONNECT);
        s.setShortLE(FabricsCommand.CONNECT_QID_OFFSET, qid);
        s.setShortLE(FabricsCommand.CONNECT_SQSIZE_OFFSET, 31);
        s.setIntLE(FabricsCommand.CONNECT_KATO_OFFSET, 0);
        return run(c, s, Unpooled.wrappedBuffer(RawHost.connectData(cntlid, TestTargets.NQN, RawHost.HOSTNQN)));
    }

    private static ByteBuf identifyController() {
        ByteBuf s = sqe(AdminOpcode.IDENTIFY, 3, 0, 4096, Sgl.ID_TRANSPORT);
        Sqe.setCdw(s, 0, 10, 1); // CNS 1
        return s;
    }

    /** Admin queue: Connect, then CC.EN=1. Returns the CNTLID. */
    private static int bringUp(LoopConnection admin) throws Exception {
        Completion connected = connect(admin, 0, 0xFFFF);
        assertEquals(Status.SUCCESS, connected.status(), "admin Connect");
        ByteBuf set = sqe(AdminOpcode.FABRICS, 2, 0, 0, Sgl.ID_TRANSPORT);
        set.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_SET);
        set.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, Property.CC);
        set.setLongLE(FabricsCommand.PROPERTY_VALUE_OFFSET, (6 << 16) | (4 << 20) | 1);
        assertEquals(Status.SUCCESS, run(admin, set, null).status(), "CC.EN=1");
        return connected.dw0() & 0xFFFF;
    }

    @Test
    void shouldConnectAndIdentifyControllerOverLoop() throws Exception {
        try (LoopConnection admin = loop.connect(port)) {
            int cntlid = bringUp(admin);
            Completion id = run(admin, identifyController(), null);
            assertEquals(Status.SUCCESS, id.status());
            assertEquals(3, id.cid());
            assertEquals(4096, id.data().readableBytes());
            assertEquals(cntlid, id.data().getUnsignedShortLE(78), "CNTLID in Identify Controller is the Connect result");
            String subnqn = id.data().toString(768, TestTargets.NQN.length(), StandardCharsets.US_ASCII);
            assertEquals(TestTargets.NQN, subnqn);
        }
    }

    @Test
    void shouldWriteAndReadBackThroughAnIoQueue() throws Exception {
        try (LoopConnection admin = loop.connect(port); LoopConnection io = loop.connect(port)) {
            int cntlid = bringUp(admin);
            assertEquals(Status.SUCCESS, connect(io, 1, cntlid).status(), "I/O Connect");
            byte[] pattern = new byte[2 * BLOCK];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 31 + 7);
            }
            ByteBuf write = sqe(NvmOpcode.WRITE, 10, 1, pattern.length, Sgl.ID_TRANSPORT);
            Sqe.setCdw(write, 0, 10, 5);
            Sqe.setCdw(write, 0, 12, 1);
            Completion written = run(io, write, Unpooled.wrappedBuffer(pattern));
            assertEquals(Status.SUCCESS, written.status());
            assertEquals(1, written.sqid());
            assertNull(written.data(), "a write returns no data");

            ByteBuf read = sqe(NvmOpcode.READ, 11, 1, pattern.length, Sgl.ID_TRANSPORT);
            Sqe.setCdw(read, 0, 10, 5);
            Sqe.setCdw(read, 0, 12, 1);
            Completion back = run(io, read, null);
            assertEquals(Status.SUCCESS, back.status());
            byte[] got = new byte[pattern.length];
            back.data().getBytes(back.data().readerIndex(), got);
            assertArrayEquals(pattern, got);
        }
    }

    @Test
    void shouldAnswerAReadPastTheEndWithLbaOutOfRangeAndNoData() throws Exception {
        try (LoopConnection admin = loop.connect(port); LoopConnection io = loop.connect(port)) {
            int cntlid = bringUp(admin);
            assertEquals(Status.SUCCESS, connect(io, 1, cntlid).status());
            ByteBuf read = sqe(NvmOpcode.READ, 12, 1, BLOCK, Sgl.ID_TRANSPORT);
            Sqe.setCdw(read, 0, 10, (16 << 20) / BLOCK); // the first block past the end
            Completion c = run(io, read, null);
            assertEquals(Status.LBA_OUT_OF_RANGE | Status.DNR, c.status());
            assertNull(c.data());
            ByteBuf noSuchNamespace = sqe(NvmOpcode.READ, 13, 9, BLOCK, Sgl.ID_TRANSPORT);
            assertEquals(Status.INVALID_NAMESPACE | Status.DNR, run(io, noSuchNamespace, null).status());
        }
    }

    @Test
    void shouldRefuseIoBeforeConnectAndReportTheLoopTrtype() throws Exception {
        assertEquals(DiscoveryLog.TRTYPE_LOOP, loop.trtype());
        try (LoopConnection c = loop.connect(port)) {
            Completion early = run(c, sqe(AdminOpcode.IDENTIFY, 4, 0, 4096, Sgl.ID_TRANSPORT), null);
            assertEquals(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, early.status(), "no controller before Connect");
            assertTrue(loop.queueCount() >= 1);
        }
    }
}
