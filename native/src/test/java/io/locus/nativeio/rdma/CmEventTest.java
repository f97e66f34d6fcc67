package io.locus.nativeio.rdma;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CmEventTest {
    @Test
    void shouldReadAConnectRequestAsTheCSideWritesIt() {
        CmEvent event = CmEvent.allocate();
        ByteBuffer b = event.buffer();
        b.putInt(0, CmEvent.CONNECT_REQUEST).putInt(4, 0).putLong(8, 5).putLong(16, 1).putLong(24, 0x7f00_0000_1000L)
                .putLong(32, 0x7f00_0000_2000L).putShort(40, (short) 56).put(42, (byte) 128).put(43, (byte) 16)
                .put(45, (byte) 7).putInt(48, 0x11);
        b.putShort(56 + 2, (short) 3); // QID 3 in an NVMe/RDMA request

        assertEquals(CmEvent.CONNECT_REQUEST, event.type());
        assertEquals(5, event.context());
        assertEquals(1, event.listenContext());
        assertEquals(0x7f00_0000_1000L, event.idHandle());
        assertEquals(0x7f00_0000_2000L, event.listenIdHandle());
        assertEquals(56, event.privateDataLength());
        assertEquals(56, event.privateData().remaining());
        assertEquals(3, event.privateData().getShort(2), "little-endian view");
        assertEquals(3, event.privateDataByte(2));
        assertEquals(128, event.responderResources());
        assertEquals(16, event.initiatorDepth());
        assertEquals(7, event.rnrRetryCount());
        assertEquals(0x11, event.remoteQpNumber());
        assertEquals(0, event.address() % 8);
        assertEquals(0x7f00_0000_1000L, CmId.adopt(event).handle());
        assertTrue(event.privateData().isReadOnly());
    }

    @Test
    void shouldOfferNoNewIdWhenTheEventIsNotAConnectRequest() {
        CmEvent event = CmEvent.allocate();
        event.buffer().putInt(0, CmEvent.REJECTED).putInt(4, CmEvent.REJECT_CONSUMER_DEFINED).putShort(40, (short) 0);

        assertEquals(0, event.privateData().remaining());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CmId.adopt(event));
        assertTrue(e.getMessage().contains("REJECTED"), e.getMessage());
    }

    @Test
    void shouldNameEveryEventType() {
        assertEquals("ADDR_RESOLVED", CmEvent.typeName(CmEvent.ADDR_RESOLVED));
        assertEquals("DISCONNECTED", CmEvent.typeName(CmEvent.DISCONNECTED));
        assertEquals("TIMEWAIT_EXIT", CmEvent.typeName(CmEvent.TIMEWAIT_EXIT));
        assertEquals("EVENT_16", CmEvent.typeName(16));
        assertEquals("EVENT_-1", CmEvent.typeName(-1));
    }
}
