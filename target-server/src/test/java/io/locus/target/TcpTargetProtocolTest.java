package io.locus.target;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.protocol.tcp.CapsulePdu;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.protocol.tcp.IcPdu;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The target's NVMe/TCP behaviour as a standard host sees it, byte for byte. */
class TcpTargetProtocolTest {
    static Target target;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        target = TestTargets.memory(64L << 20);
        port = TestTargets.ioPort(target);
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static ByteBuf buf(byte[] b) {
        return Unpooled.wrappedBuffer(b);
    }

    @Test
    void shouldEchoDigestsAndAdvertiseLimitsInIcResp() throws IOException {
        try (RawHost h = new RawHost(port)) {
            RawHost.Pdu r = h.icReq(true, true);
            assertEquals(PduType.IC_RESP, r.type());
            assertEquals(128, CommonHeader.plen(r.header(), 0));
            assertEquals(0, IcPdu.pfv(r.header(), 0));
            assertEquals(0, IcPdu.pda(r.header(), 0));
            assertEquals(3, IcPdu.digests(r.header(), 0));
            long maxH2c = IcPdu.dword12(r.header(), 0);
            assertTrue(maxH2c >= 4096 && maxH2c % 4 == 0);
        }
    }

    @Test
    void shouldBringUpAdminQueueAndIdentifyController() throws IOException {
        try (RawHost h = new RawHost(port)) {
            int cntlid = h.adminUp(TestTargets.NQN, 5000);
            assertTrue(cntlid >= 1 && cntlid <= 0xFFEF);
            RawHost.Pdu cap = h.propertyGet(Property.CAP, true);
            long capValue = (cap.cqeDw0() & 0xFFFFFFFFL) | ((long) cap.header().getIntLE(8 + 4) << 32);
            assertEquals(1L << 37, capValue & (0xFFL << 37), "CAP.CSS: NVM only");
            assertEquals(1, h.propertyGet(Property.CSTS, false).cqeDw0() & 1, "CSTS.RDY after CC.EN");
            ByteBuf id = buf(h.identify(1, 0));
            assertEquals(cntlid, id.getUnsignedShortLE(IdentifyController.CNTLID));
            assertEquals(TestTargets.NQN, ConnectData.readString(id, IdentifyController.SUBNQN, 256));
            assertEquals(IdentifyController.CNTRLTYPE_IO, id.getUnsignedByte(IdentifyController.CNTRLTYPE));
            assertTrue(id.getIntLE(IdentifyController.IOCCSZ) >= 4);
            assertEquals(1, id.getIntLE(IdentifyController.IORCSZ));
            assertNotEquals(0, id.getUnsignedShortLE(IdentifyController.MAXCMD));
            assertNotEquals(0, id.getUnsignedShortLE(IdentifyController.KAS));
            assertEquals(1, id.getIntLE(IdentifyController.SGLS) & 0x3);
            assertEquals(ProvenanceWire.SIGNATURE, id.getIntLE(ProvenanceWire.SIGNATURE_OFFSET));
            ByteBuf list = buf(h.identify(2, 0));
            assertEquals(1, list.getIntLE(0));
            assertEquals(0, list.getIntLE(4));
            ByteBuf ns = buf(h.identify(0, 1));
            assertEquals((64L << 20) / 4096, ns.getLongLE(0));
            assertEquals(12, ns.getUnsignedByte(128 + 2), "LBADS = log2(4096)");
        }
    }

    @Test
    void shouldRejectAdminCommandsBeforeConnectAndBeforeEnable() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            ByteBuf s = RawHost.sqe(AdminOpcode.KEEP_ALIVE, 7, 0);
            h.capsule(s, null, false);
            RawHost.Pdu r = h.expect(PduType.CAPSULE_RESP);
            assertEquals(Status.COMMAND_SEQUENCE_ERROR, r.cqeStatus() & 0x7FF);
            assertEquals(0, h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            h.capsule(RawHost.sqe(AdminOpcode.KEEP_ALIVE, 8, 0), null, false);
            assertEquals(Status.COMMAND_SEQUENCE_ERROR, h.expect(PduType.CAPSULE_RESP).cqeStatus() & 0x7FF);
        }
    }

    @Test
    void shouldAnswerConnectErrorsWithTheirStatusAndParameterOffset() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            RawHost.Pdu r = h.connect(0, 31, 0xFFFF, "nqn.2026-11.io.locus:nope", RawHost.HOSTNQN, 0, 0);
            assertEquals(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, r.cqeStatus());
            assertEquals(ConnectData.SUBNQN_OFFSET | (1 << 16), r.cqeDw0());
            r = h.connect(0, 0, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            assertEquals(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, r.cqeStatus());
            assertEquals(FabricsCommand.CONNECT_SQSIZE_OFFSET, r.cqeDw0());
            r = h.connect(1, 31, 0x4321, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            assertEquals(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, r.cqeStatus());
        }
    }

    @Test
    void shouldWriteInCapsuleAndThroughR2tThenReadBack() throws IOException {
        for (boolean digests : new boolean[] {false, true}) {
            try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
                int cntlid = admin.adminUp(TestTargets.NQN, 5000);
                io.ioQueueUp(cntlid, digests, digests);
                byte[] small = pattern(4096, 1);
                assertEquals(0, io.writeBlocks(1, 10, small, 4096, 8192, 0).cqeStatus());
                byte[] large = pattern(128 * 1024, 2);
                assertEquals(0, io.writeBlocks(1, 100, large, 4096, 8192, NvmOpcode.CDW12_FUA).cqeStatus());
                Object[] read = io.readBlocks(1, 10, 1, 4096);
                assertArrayEquals(small, (byte[]) read[0]);
                assertEquals(0, ((RawHost.Pdu) read[1]).cqeStatus());
                read = io.readBlocks(1, 100, 32, 4096);
                assertArrayEquals(large, (byte[]) read[0]);
            }
        }
    }

    /**
     * The receiver's states (header, padding, data, data digest) resume wherever a read ends: a padded in-capsule
     * write and an R2T write, with digests, sent a few bytes per write, land intact.
     */
    @Test
    void shouldReceivePdusInPiecesWithPaddingAndDigests() throws IOException {
        try (Target t = TestTargets.memory(1 << 20);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost h = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            h.ioQueueUp(cntlid, true, true);
            byte[] small = pattern(4096, 5);
            byte[] large = pattern(16384, 11);
            h.dribble = 3;
            // In-capsule with PDO 128: 52 bytes of padding after the header and its digest.
            ByteBuf sqe = RawHost.sqe(NvmOpcode.WRITE, ++h.cid, 1);
            Sqe.setCdw(sqe, 0, 10, 2);
            Sgl.write(sqe, Sqe.SGL1_OFFSET, 0, small.length, Sgl.ID_IN_CAPSULE);
            int pdo = 128;
            int plen = pdo + small.length + 4;
            ByteBuf pdu = Unpooled.buffer(plen);
            CommonHeader.write(pdu, 0, PduType.CAPSULE_CMD, CommonHeader.FLAG_HDGST | CommonHeader.FLAG_DDGST,
                    CapsulePdu.CMD_HEADER_LENGTH, pdo, plen);
            pdu.setBytes(8, sqe, 0, 64);
            Crc32cDigest crc = new Crc32cDigest();
            pdu.setIntLE(72, crc.compute(pdu, 0, 72));
            pdu.setZero(76, pdo - 76);
            pdu.setBytes(pdo, small);
            pdu.setIntLE(pdo + small.length, crc.compute(pdu, pdo, small.length));
            pdu.writerIndex(plen);
            h.send(pdu);
            assertEquals(0, h.expect(PduType.CAPSULE_RESP).cqeStatus());
            h.dribble = 7;
            assertEquals(0, h.writeBlocks(1, 8, large, 4096, 0, 0).cqeStatus());
            h.dribble = 0;
            assertArrayEquals(small, (byte[]) h.readBlocks(1, 2, 1, 4096)[0]);
            assertArrayEquals(large, (byte[]) h.readBlocks(1, 8, 4, 4096)[0]);
        }
    }

    @Test
    void shouldCarryCompletionInC2hDataWhenSqFlowControlIsDisabled() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 5000);
            io.icReq(false, false);
            RawHost.Pdu c = io.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, FabricsCommand.CATTR_DISABLE_SQ_FLOW_CONTROL);
            assertEquals(0, c.cqeStatus());
            assertEquals(0xFFFF, c.header().getUnsignedShortLE(8 + 8), "SQHD 0xFFFF without SQ flow control");
            Object[] read = io.readBlocks(1, 0, 1, 4096);
            assertEquals(null, read[1], "no CapsuleResp after SUCCESS|LAST_PDU");
            assertEquals(4096, ((byte[]) read[0]).length);
        }
    }

    @Test
    void shouldReturnNvmStatusesForInvalidCommands() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 5000);
            io.icReq(false, false);
            io.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            long blocks = (64L << 20) / 4096;
            Object[] r = io.readBlocks(1, blocks - 1, 2, 4096);
            assertEquals(Status.LBA_OUT_OF_RANGE | Status.DNR, ((RawHost.Pdu) r[1]).cqeStatus());
            assertEquals(0, ((byte[]) r[0]).length, "no data for a failed read");
            r = io.readBlocks(7, 0, 1, 4096);
            assertEquals(Status.INVALID_NAMESPACE | Status.DNR, ((RawHost.Pdu) r[1]).cqeStatus());
            ByteBuf s = RawHost.sqe(NvmOpcode.READ, 99, 1);
            Sqe.setCdw(s, 0, 12, 0);
            r = io.readCommand(s, 8192);
            assertEquals(Status.DATA_SGL_LENGTH_INVALID | Status.DNR, ((RawHost.Pdu) r[1]).cqeStatus());
            io.capsule(RawHost.sqe(0x7E, 100, 1), null, false);
            assertEquals(Status.INVALID_OPCODE | Status.DNR, io.expect(PduType.CAPSULE_RESP).cqeStatus());
            // A write that fails validation gets no R2T.
            assertEquals(Status.LBA_OUT_OF_RANGE | Status.DNR, io.writeBlocks(1, blocks, pattern(16384, 3), 4096, 0, 0).cqeStatus());
            admin.capsule(RawHost.sqe(0x05, 50, 0), null, false);
            assertEquals(Status.INVALID_OPCODE | Status.DNR, admin.expect(PduType.CAPSULE_RESP).cqeStatus(), "Create I/O CQ is not for fabrics");
        }
    }

    @Test
    void shouldTerminateOnlyTheOffendingConnectionOnBadHeaderLength() throws IOException {
        try (RawHost good = new RawHost(port); RawHost bad = new RawHost(port)) {
            int cntlid = good.adminUp(TestTargets.NQN, 5000);
            bad.icReq(false, false);
            byte[] pdu = new byte[72];
            pdu[0] = PduType.CAPSULE_CMD;
            pdu[2] = 70; // wrong HLEN
            pdu[4] = 72;
            bad.sendRaw(pdu);
            RawHost.Pdu term = bad.read();
            assertEquals(PduType.C2H_TERM_REQ, term.type());
            assertEquals(TermReqPdu.FES_INVALID_HEADER_FIELD, TermReqPdu.fes(term.header(), 0));
            assertEquals(CommonHeader.HLEN_OFFSET, TermReqPdu.fei(term.header(), 0));
            assertTrue(bad.closedByPeer());
            ByteBuf id = buf(good.identify(1, 0));
            assertEquals(cntlid, id.getUnsignedShortLE(IdentifyController.CNTLID), "the other connection is unaffected");
        }
    }

    @Test
    void shouldRefuseOversizePlenBeforeBuffering() throws IOException {
        try (RawHost bad = new RawHost(port)) {
            bad.icReq(false, false);
            ByteBuf b = Unpooled.buffer(8);
            CommonHeader.write(b, 0, PduType.CAPSULE_CMD, 0, 72, 72, 0x7FFFFFF0);
            b.writerIndex(8);
            bad.send(b);
            RawHost.Pdu term = bad.read();
            assertEquals(PduType.C2H_TERM_REQ, term.type());
            assertEquals(TermReqPdu.FES_DATA_LIMIT_EXCEEDED, TermReqPdu.fes(term.header(), 0));
        }
    }

    @Test
    void shouldReportHeaderDigestErrors() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.icReq(true, false);
            ByteBuf b = Unpooled.buffer(76);
            CommonHeader.write(b, 0, PduType.CAPSULE_CMD, CommonHeader.FLAG_HDGST, 72, 0, 76);
            b.writerIndex(76);
            b.setIntLE(72, 0xDEADBEEF);
            h.send(b);
            RawHost.Pdu term = h.read();
            assertEquals(TermReqPdu.FES_HEADER_DIGEST_ERROR, TermReqPdu.fes(term.header(), 0));
        }
    }

    @Test
    void shouldRejectPdusBeforeIcReqAsSequenceErrors() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.capsule(RawHost.sqe(AdminOpcode.KEEP_ALIVE, 1, 0), null, false);
            RawHost.Pdu term = h.read();
            assertEquals(PduType.C2H_TERM_REQ, term.type());
            assertEquals(TermReqPdu.FES_PDU_SEQUENCE_ERROR, TermReqPdu.fes(term.header(), 0));
        }
    }

    @Test
    void shouldTerminateOnH2cDataOutOfSequence() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 5000);
            io.icReq(false, false);
            io.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            ByteBuf s = RawHost.sqe(NvmOpcode.WRITE, 42, 1);
            Sqe.setCdw(s, 0, 12, 3);
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, 16384, Sgl.ID_TRANSPORT);
            io.capsule(s, null, true);
            RawHost.Pdu r2t = io.expect(PduType.R2T);
            int ttag = r2t.header().getUnsignedShortLE(10);
            io.h2cData(42, ttag, 4096, new byte[4096], 0, 4096, false);
            RawHost.Pdu term = io.read();
            assertEquals(PduType.C2H_TERM_REQ, term.type());
            assertEquals(TermReqPdu.FES_DATA_OUT_OF_RANGE, TermReqPdu.fes(term.header(), 0));
        }
    }

    @Test
    void shouldListAllowedSubsystemsInDiscoveryLog() throws IOException {
        try (RawHost h = new RawHost(TestTargets.discoveryPort(target))) {
            h.adminUp(DiscoveryLog.DISCOVERY_NQN, 0);
            ByteBuf id = buf(h.identify(1, 0));
            assertEquals(IdentifyController.CNTRLTYPE_DISCOVERY, id.getUnsignedByte(IdentifyController.CNTRLTYPE));
            ByteBuf s = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, 9, 0);
            int length = 4096;
            Sqe.setCdw(s, 0, 10, 0x70 | ((length / 4 - 1) << 16));
            Object[] r = h.readCommand(s, length);
            ByteBuf log = buf((byte[]) r[0]);
            assertEquals(2, log.getLongLE(DiscoveryLog.NUMREC_OFFSET), "one I/O subsystem entry and the discovery entry");
            int e = DiscoveryLog.HEADER_LENGTH;
            assertEquals(DiscoveryLog.TRTYPE_TCP, log.getUnsignedByte(e));
            assertEquals(DiscoveryLog.SUBTYPE_NVME, log.getUnsignedByte(e + DiscoveryLog.SUBTYPE_OFFSET));
            // TREQ 0x4 (not specified, SQ flow control disable supported) as Linux nvmet: nvme-cli 2.3 prints 0x6 as
            // "unrecognized".
            for (int i = 0; i < 2; i++) {
                assertEquals(0x4, log.getUnsignedByte(DiscoveryLog.HEADER_LENGTH + i * DiscoveryLog.ENTRY_LENGTH
                        + DiscoveryLog.TREQ_OFFSET), "TREQ of entry " + i);
            }
            assertEquals(TestTargets.NQN, ConnectData.readString(log, e + DiscoveryLog.SUBNQN_OFFSET, 256));
            assertEquals(String.valueOf(port), ConnectData.readString(log, e + DiscoveryLog.TRSVCID_OFFSET, 32));
            assertEquals("127.0.0.1", ConnectData.readString(log, e + DiscoveryLog.TRADDR_OFFSET, 256));
            // Read the second half at an offset: the same bytes.
            ByteBuf s2 = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, 10, 0);
            Sqe.setCdw(s2, 0, 10, 0x70 | ((1024 / 4 - 1) << 16));
            Sqe.setCdw(s2, 0, 12, 1024);
            byte[] part = (byte[]) h.readCommand(s2, 1024)[0];
            assertArrayEquals(Arrays.copyOfRange((byte[]) r[0], 1024, 2048), part);
        }
    }

    @Test
    void shouldAcceptDigestedCapsulesAndFailBadDataDigestWithTransientError() throws IOException {
        try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 5000);
            io.icReq(true, true);
            io.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            ByteBuf s = RawHost.sqe(NvmOpcode.WRITE, 77, 1);
            Sqe.setCdw(s, 0, 12, 0);
            Sgl.write(s, Sqe.SGL1_OFFSET, 0, 4096, Sgl.ID_IN_CAPSULE);
            // Build the capsule by hand with a wrong data digest.
            ByteBuf b = Unpooled.buffer();
            int pdo = 76;
            CommonHeader.write(b, 0, PduType.CAPSULE_CMD, CommonHeader.FLAG_HDGST | CommonHeader.FLAG_DDGST, 72, pdo, pdo + 4096 + 4);
            b.setBytes(8, s, 0, 64);
            b.writerIndex(72);
            b.writeIntLE(new io.locus.protocol.tcp.Crc32cDigest().compute(b, 0, 72));
            b.writeZero(4096);
            b.writeIntLE(0x12345678);
            io.send(b);
            RawHost.Pdu resp = io.expect(PduType.CAPSULE_RESP);
            assertEquals(Status.TRANSIENT_TRANSPORT_ERROR, resp.cqeStatus());
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
