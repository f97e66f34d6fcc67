package io.locus.nativeio.rdma;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkRequestsTest {
    @Test
    void shouldLayOutAnRdmaReadAsTheCSideReadsIt() {
        WorkRequests wrs = WorkRequests.allocate(4, 2);
        wrs.rdmaRead(1, 0x1122334455667788L, WorkRequests.FLAG_SIGNALED, 0xA000L, 4096, 0x51, 0xB000L, 0x77);

        ByteBuffer b = wrs.buffer();
        int e = wrs.stride();
        assertEquals(64, e, "32-byte header and two 16-byte SGEs");
        assertEquals(0x1122334455667788L, b.getLong(e));
        assertEquals((byte) 0x88, b.get(e), "little-endian");
        assertEquals(WorkRequests.OP_RDMA_READ, b.get(e + 8));
        assertEquals(WorkRequests.FLAG_SIGNALED, b.get(e + 9));
        assertEquals(1, b.getShort(e + 10));
        assertEquals(0, b.getInt(e + 12));
        assertEquals(0xB000L, b.getLong(e + 16));
        assertEquals(0x77, b.getInt(e + 24));
        assertEquals(0xA000L, b.getLong(e + 32), "SGE 0 is struct ibv_sge: addr");
        assertEquals(4096, b.getInt(e + 40), "length");
        assertEquals(0x51, b.getInt(e + 44), "lkey");
        assertEquals(0, b.getLong(0), "entry 0 untouched");
    }

    @Test
    void shouldSetTheInvalidateKeyForSendWithInvalidate() {
        WorkRequests wrs = WorkRequests.allocate(1, 1);
        wrs.sendWithInvalidate(0, 9, 0, 0x1000, 16, 3, 0xCAFE);

        assertEquals(WorkRequests.OP_SEND_WITH_INV, wrs.opcode(0));
        assertEquals(0xCAFE, wrs.invalidateRkey(0));
        assertEquals(1, wrs.sgeCount(0));
        assertEquals(16, wrs.sgeLength(0, 0));
    }

    @Test
    void shouldClearTheRemoteFieldsWhenAnEntryIsReused() {
        WorkRequests wrs = WorkRequests.allocate(1, 2);
        wrs.rdmaWrite(0, 1, 0, 0x1000, 8, 3, 0x2000, 4).sge(0, 1, 0x3000, 8, 3).sgeCount(0, 2);
        wrs.send(0, 2, WorkRequests.FLAG_SIGNALED | WorkRequests.FLAG_INLINE, 0x4000, 32, 5);

        assertEquals(WorkRequests.OP_SEND, wrs.opcode(0));
        assertEquals(0, wrs.remoteAddress(0));
        assertEquals(0, wrs.rkey(0));
        assertEquals(1, wrs.sgeCount(0));
        assertEquals(WorkRequests.FLAG_SIGNALED | WorkRequests.FLAG_INLINE, wrs.flags(0));
        assertEquals(0x4000, wrs.sgeAddress(0, 0));
        assertEquals(5, wrs.sgeLkey(0, 0));
    }

    @Test
    void shouldAlignTheArrayForTheProvider() {
        WorkRequests wrs = WorkRequests.allocate(3, 1);

        assertEquals(0, wrs.address(0, 3) % 64);
        assertEquals(wrs.address(0, 3) + 2L * wrs.stride(), wrs.address(2, 1));
    }

    @Test
    void shouldRejectWhatTheCSideWouldMisreadWhenArgumentsAreOutOfRange() {
        WorkRequests wrs = WorkRequests.allocate(2, 2);

        assertThrows(IndexOutOfBoundsException.class, () -> wrs.wrId(2, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> wrs.sge(0, 2, 0, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> wrs.sgeCount(0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> wrs.address(1, 2), "post range beyond the array");
        assertThrows(IndexOutOfBoundsException.class, () -> wrs.address(0, -1));
        assertThrows(IllegalArgumentException.class, () -> wrs.opcode(0, 1), "RDMA_WRITE_WITH_IMM is not offered");
        assertThrows(IllegalArgumentException.class, () -> wrs.flags(0, 1 << 4));
        assertThrows(IllegalArgumentException.class, () -> WorkRequests.allocate(0, 1));
        assertThrows(IllegalArgumentException.class, () -> WorkRequests.allocate(1, 0));
        assertThrows(IllegalArgumentException.class, () -> WorkRequests.allocate(1, WorkRequests.MAX_SGE_LIMIT + 1));
    }
}
