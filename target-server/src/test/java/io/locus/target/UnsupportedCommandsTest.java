package io.locus.target;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Optional NVM commands Locus does not implement (Compare) and fused commands: each is answered with a status, no
 * R2T and no data, the queue keeps serving, and Identify does not advertise them. (The reservation commands are
 * implemented: ReservationCommandsTest.)
 */
class UnsupportedCommandsTest {
    /** FUSE b1:0 in SQE byte 1: 01b first command of a fused operation, 10b second. */
    private static final int FUSE_FIRST = 0x1;
    private static final int FUSE_SECOND = 0x2;
    /** Identify Controller ONCS b0 Compare. */
    private static final int ONCS_COMPARE = 1;

    static Target target;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        target = TestTargets.memory(16L << 20);
        port = TestTargets.ioPort(target);
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static void assertQueueServes(RawHost io, byte[] expected) throws IOException {
        Object[] r = io.readBlocks(1, 0, 1, 4096);
        assertEquals(Status.SUCCESS, ((RawHost.Pdu) r[1]).cqeStatus(), "a Read on the same queue afterwards");
        assertArrayEquals(expected, (byte[]) r[0]);
    }

    /** A one-block command on NSID 1, LBA 0, with {@code length} bytes in-capsule or (inCapsule false) a transport SGL. */
    private static RawHost.Pdu send(RawHost io, int opcode, int fuse, int length, boolean inCapsule) throws IOException {
        ByteBuf s = RawHost.sqe(opcode, ++io.cid, 1);
        s.setByte(1, s.getUnsignedByte(1) | fuse);
        Sqe.setCdw(s, 0, 12, 0);
        if (inCapsule && length > 0) {
            io.capsule(s, new byte[length], false);
        } else {
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, length, Sgl.ID_TRANSPORT);
            io.capsule(s, null, true);
        }
        RawHost.Pdu p = io.read();
        assertEquals(PduType.CAPSULE_RESP, p.type(), "a status at once: no R2T, no data");
        return p;
    }

    @Test
    void shouldAnswerCompareWithInvalidOpcodeAndKeepServing() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            io.icReq(false, false);
            assertEquals(Status.SUCCESS, io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            byte[] block = TcpTargetProtocolTest.pattern(4096, 5);
            assertEquals(Status.SUCCESS, io.writeBlocks(1, 0, block, 4096, 8192, 0).cqeStatus());
            int invalidOpcode = Status.INVALID_OPCODE | Status.DNR;
            assertEquals(invalidOpcode, send(io, NvmOpcode.COMPARE, 0, 4096, true).cqeStatus(), "Compare, in-capsule");
            assertEquals(invalidOpcode, send(io, NvmOpcode.COMPARE, 0, 4096, false).cqeStatus(), "Compare, R2T-sized");
            assertQueueServes(io, block);
        }
    }

    /** Linux nvmet fails any SQE with FUSE != 0 with Invalid Field + DNR (nvmet_req_init); so does Locus. */
    @Test
    void shouldAnswerFusedCommandsWithInvalidFieldAndDnrAsLinuxNvmetDoes() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 5000);
            io.icReq(false, false);
            assertEquals(Status.SUCCESS, io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            byte[] block = TcpTargetProtocolTest.pattern(4096, 6);
            assertEquals(Status.SUCCESS, io.writeBlocks(1, 0, block, 4096, 8192, 0).cqeStatus());
            int invalidField = Status.INVALID_FIELD | Status.DNR;
            // A Compare and Write fused pair, the Write large enough to need an R2T: neither may move data.
            assertEquals(invalidField, send(io, NvmOpcode.COMPARE, FUSE_FIRST, 4096, true).cqeStatus(), "fused Compare");
            assertEquals(invalidField, send(io, NvmOpcode.WRITE, FUSE_SECOND, 4096, false).cqeStatus(), "fused Write");
            assertEquals(invalidField, send(io, NvmOpcode.READ, FUSE_FIRST, 4096, false).cqeStatus(), "a Read marked fused");
            assertQueueServes(io, block);
            admin.capsule(RawHost.sqe(AdminOpcode.KEEP_ALIVE, 0x55, 0), null, false);
            assertEquals(Status.SUCCESS, admin.expect(PduType.CAPSULE_RESP).cqeStatus(), "the admin queue too");
        }
    }

    @Test
    void shouldNotAdvertiseCompareOrFusedOperations() throws IOException {
        try (RawHost admin = new RawHost(port)) {
            admin.adminUp(TestTargets.NQN, 0);
            ByteBuf id = Unpooled.wrappedBuffer(admin.identify(1, 0));
            assertEquals(0, id.getUnsignedShortLE(IdentifyController.ONCS) & ONCS_COMPARE, "ONCS");
            assertEquals(0, id.getUnsignedShortLE(IdentifyController.FUSES), "FUSES");
        }
    }
}
