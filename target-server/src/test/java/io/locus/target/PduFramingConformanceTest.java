package io.locus.target;

import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.DataPdu;
import io.locus.protocol.tcp.PduType;
import io.locus.protocol.tcp.TermReqPdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Framing errors in CapsuleCmd and H2CData PDUs end the offending connection with a C2HTermReq (FES and FEI naming
 * the field), and only that connection: the controller's other queues and new connections keep being served.
 */
class PduFramingConformanceTest {
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

    /** An I/O queue of the controller; each gets its own QID, so none waits for a closed one's to be released. */
    private static RawHost ioQueue(int cntlid, int qid) throws IOException {
        RawHost io = new RawHost(port);
        io.icReq(false, false);
        assertEquals(Status.SUCCESS, io.connect(qid, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
        return io;
    }

    private static void assertTerminated(RawHost h, int fes, int fei) throws IOException {
        RawHost.Pdu term = h.read();
        assertEquals(PduType.C2H_TERM_REQ, term.type());
        assertEquals(fes, TermReqPdu.fes(term.header(), 0), "FES");
        assertEquals(fei, TermReqPdu.fei(term.header(), 0), "FEI");
        assertTrue(h.closedByPeer(), "the offending connection is closed");
    }

    /** The admin queue of the same controller and a fresh I/O queue still work after one queue was terminated. */
    private static void assertOthersServed(RawHost admin, int cntlid) throws IOException {
        ByteBuf id = Unpooled.wrappedBuffer(admin.identify(1, 0));
        assertEquals(cntlid, id.getUnsignedShortLE(IdentifyController.CNTLID));
        try (RawHost io = ioQueue(cntlid, 9)) {
            assertEquals(Status.SUCCESS, io.writeBlocks(1, 0, new byte[4096], 4096, 8192, 0).cqeStatus());
            assertEquals(Status.SUCCESS, ((RawHost.Pdu) io.readBlocks(1, 0, 1, 4096)[1]).cqeStatus());
        }
    }

    /** A one-block Write whose 4096 bytes of in-capsule data start at {@code pdo}; PLEN = 72 + 4096 as the bug report had it. */
    private static ByteBuf writeCapsule(int cid, int pdo) {
        ByteBuf sqe = RawHost.sqe(NvmOpcode.WRITE, cid, 1);
        Sgl.write(sqe, Sqe.SGL1_OFFSET, 0, 4096, Sgl.ID_IN_CAPSULE);
        int plen = 72 + 4096;
        ByteBuf b = Unpooled.buffer(plen);
        CommonHeader.write(b, 0, PduType.CAPSULE_CMD, 0, 72, pdo, plen);
        b.setBytes(8, sqe, 0, 64);
        b.setZero(72, plen - 72);
        b.writerIndex(plen);
        return b;
    }

    /**
     * PDO 40 (inside the header) already got a C2HTermReq while PDO 250 (past any padding) got a command status; both,
     * and a PDO off the dword grid, are now Invalid PDU Header Field at the PDO (FEI 3), as SPDK's target answers a
     * CapsuleCmd PDO above 128 (lib/nvmf/tcp.c).
     */
    @Test
    void shouldTerminateACapsuleWhosePdoIsInsideTheHeaderPast128OrMisalignedAsSpdkDoes() throws IOException {
        try (RawHost admin = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            int qid = 1;
            for (int pdo : new int[] {40, 250, 74}) {
                try (RawHost io = ioQueue(cntlid, qid++)) {
                    io.send(writeCapsule(7, pdo));
                    assertTerminated(io, TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.PDO_OFFSET);
                }
            }
            assertOthersServed(admin, cntlid);
        }
    }

    /** Linux's nvmet_tcp_handle_h2c_data_pdu fails the queue on DATAL 0; here the TermReq names DATAL (FEI 16). */
    @Test
    void shouldTerminateOnH2cDataWithDatalZeroAsLinuxNvmetDoes() throws IOException {
        try (RawHost admin = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            try (RawHost io = ioQueue(cntlid, 1)) {
                int ttag = startR2tWrite(io, 42, 16384);
                io.h2cData(42, ttag, 0, new byte[0], 0, 0, false);
                assertTerminated(io, TermReqPdu.FES_INVALID_HEADER_FIELD, DataPdu.LENGTH_OFFSET);
            }
            assertOthersServed(admin, cntlid);
        }
    }

    /**
     * LAST_PDU on the first of four H2CData PDUs for one R2T: the host thinks the transfer is over while the command
     * still waits. Neither Linux's nor SPDK's target reads the flag (both complete on the byte count); Locus treats the
     * contradiction as Invalid PDU Header Field at FLAGS (FEI 1). A final PDU without LAST_PDU stays tolerated, as in
     * both peers.
     */
    @Test
    void shouldTerminateOnLastPduSetBeforeTheR2tIsCompleteButTolerateItsAbsenceOnTheFinalPdu() throws IOException {
        try (RawHost admin = new RawHost(port)) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            try (RawHost io = ioQueue(cntlid, 1)) {
                int ttag = startR2tWrite(io, 43, 8192);
                io.h2cData(43, ttag, 0, new byte[8192], 0, 4096, false);
                io.h2cData(43, ttag, 4096, new byte[8192], 4096, 4096, false);
                assertEquals(Status.SUCCESS, io.expect(PduType.CAPSULE_RESP).cqeStatus(), "no LAST_PDU on the final PDU: tolerated");
                ttag = startR2tWrite(io, 44, 16384);
                io.h2cData(44, ttag, 0, new byte[4096], 0, 4096, true);
                assertTerminated(io, TermReqPdu.FES_INVALID_HEADER_FIELD, CommonHeader.FLAGS_OFFSET);
            }
            assertOthersServed(admin, cntlid);
        }
    }

    /** Sends a Write of {@code length} bytes with a transport SGL and returns the TTAG of the target's R2T. */
    private static int startR2tWrite(RawHost io, int cid, int length) throws IOException {
        ByteBuf s = RawHost.sqe(NvmOpcode.WRITE, cid, 1);
        Sqe.setCdw(s, 0, 12, length / 4096 - 1);
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, length, Sgl.ID_TRANSPORT);
        io.capsule(s, null, true);
        RawHost.Pdu r2t = io.expect(PduType.R2T);
        assertEquals(length, DataPdu.dataLength(r2t.header(), 0), "one R2T for the whole transfer");
        return DataPdu.ttag(r2t.header(), 0);
    }
}
