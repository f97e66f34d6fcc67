package io.locus.nativeio.rdma;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkCompletionsTest {
    /** Writes entry {@code i} as the provider writes a struct ibv_wc. */
    private static void write(WorkCompletions wcs, int i, long wrId, int status, int opcode, int byteLen, int immOrInv,
                              int qp, int flags) {
        ByteBuffer b = wcs.buffer();
        int e = i * 48;
        b.putLong(e, wrId).putInt(e + 8, status).putInt(e + 12, opcode).putInt(e + 16, 0x99).putInt(e + 20, byteLen)
                .putInt(e + 24, immOrInv).putInt(e + 28, qp).putInt(e + 32, 0).putInt(e + 36, flags);
    }

    @Test
    void shouldReadTheFieldsAtTheOffsetsOfIbvWc() {
        WorkCompletions wcs = WorkCompletions.allocate(2);
        write(wcs, 1, 42, WorkCompletions.STATUS_SUCCESS, WorkCompletions.OPCODE_RECV, 64, 0xBEEF, 17,
                WorkCompletions.FLAG_WITH_INV);

        assertEquals(42, wcs.wrId(1));
        assertTrue(wcs.succeeded(1));
        assertEquals(WorkCompletions.OPCODE_RECV, wcs.opcode(1));
        assertEquals(64, wcs.byteLength(1));
        assertEquals(0xBEEF, wcs.invalidatedRkey(1));
        assertEquals(17, wcs.qpNumber(1));
        assertEquals(0x99, wcs.vendorError(1));
        assertEquals(WorkCompletions.FLAG_WITH_INV, wcs.flags(1));
        assertEquals("wr_id 42 RECV SUCCESS 64 bytes qp 17", wcs.describe(1));
        assertEquals(0, wcs.address(0, 2) % 64);
    }

    @Test
    void shouldNameFlushAndRemoteAccessErrorsWhenACompletionFailed() {
        WorkCompletions wcs = WorkCompletions.allocate(1);
        write(wcs, 0, 7, WorkCompletions.STATUS_WR_FLUSH_ERR, 0, 0, 0, 3, 0);

        assertFalse(wcs.succeeded(0));
        assertEquals("WR_FLUSH_ERR", WorkCompletions.statusName(wcs.status(0)));
        assertEquals("REM_ACCESS_ERR", WorkCompletions.statusName(WorkCompletions.STATUS_REM_ACCESS_ERR));
        assertEquals("RNR_RETRY_EXC_ERR", WorkCompletions.statusName(WorkCompletions.STATUS_RNR_RETRY_EXC_ERR));
        assertEquals("TM_RNDV_INCOMPLETE", WorkCompletions.statusName(23));
        assertEquals("STATUS_99", WorkCompletions.statusName(99));
        assertEquals("RDMA_READ", WorkCompletions.opcodeName(WorkCompletions.OPCODE_RDMA_READ));
        assertEquals("wr_id 7 WR_FLUSH_ERR vendor_err 153 qp 3", wcs.describe(0));
    }

    @Test
    void shouldGiveImmediateDataInHostOrder() {
        WorkCompletions wcs = WorkCompletions.allocate(1);
        wcs.buffer().put(24, (byte) 0x12).put(25, (byte) 0x34).put(26, (byte) 0x56).put(27, (byte) 0x78);

        assertEquals(0x12345678, wcs.immediateData(0), "the wire's big-endian bytes");
    }

    @Test
    void shouldRejectIndexesOutsideTheArray() {
        WorkCompletions wcs = WorkCompletions.allocate(4);

        assertThrows(IndexOutOfBoundsException.class, () -> wcs.status(4));
        assertThrows(IndexOutOfBoundsException.class, () -> wcs.address(2, 3), "a poll of more than fits");
        assertThrows(IndexOutOfBoundsException.class, () -> wcs.address(0, -1));
        assertThrows(IllegalArgumentException.class, () -> WorkCompletions.allocate(0));
    }
}
