package io.locus.initiator;

import io.locus.protocol.nvme.AnaLogPage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Parsing the ANA log page and sizing it as Linux does. */
class AnaLogTest {
    @Test
    void shouldReadEveryGroupsStateAndItsNamespaces() {
        ByteBuf b = Unpooled.buffer(256).writerIndex(256);
        AnaLogPage.writeHeader(b, 7, 3);
        int at = AnaLogPage.writeDescriptor(b, 16, 1, 5, AnaLogPage.STATE_OPTIMIZED, 1, 3);
        at = AnaLogPage.writeDescriptor(b, at, 2, 6, AnaLogPage.STATE_INACCESSIBLE, 2);
        AnaLogPage.writeDescriptor(b, at, 4, 7, AnaLogPage.STATE_CHANGE);
        AnaLog log = AnaLog.parse(b, 256);
        assertEquals(7, log.changeCount());
        assertEquals(AnaState.OPTIMIZED, log.stateOf(1, 0));
        assertEquals(AnaState.OPTIMIZED, log.stateOf(3, 2), "the NSID list wins over Identify's ANAGRPID");
        assertEquals(AnaState.INACCESSIBLE, log.stateOf(2, 1));
        assertEquals(AnaState.CHANGE, log.stateOf(9, 4), "a namespace not listed: its group from Identify");
        assertEquals(AnaState.INACCESSIBLE, log.stateOf(9, 8), "a group the log lacks is not used");
        assertEquals(2, log.groupOf(2, 1));
    }

    @Test
    void shouldRefuseADescriptorPastTheBytesRead() {
        ByteBuf b = Unpooled.buffer(64).writerIndex(64);
        AnaLogPage.writeHeader(b, 1, 1);
        b.setIntLE(16 + AnaLogPage.NSID_COUNT_OFFSET, 100);
        assertThrows(NvmeException.class, () -> AnaLog.parse(b, 64));
        AnaLogPage.writeHeader(b, 1, 3);
        b.setIntLE(16 + AnaLogPage.NSID_COUNT_OFFSET, 0);
        assertThrows(NvmeException.class, () -> AnaLog.parse(b, 64));
    }

    @Test
    void shouldSizeTheLogOnlyForAnAnaReportingController() {
        // nvmet: CMIC 0x0B, NANAGRPID 128, MNAN 1024, NN 1024 → 16 + 128*32 + 1024*4
        assertEquals(8208, AnaLog.lengthFor(info(0x0B, 128, 1024, 1024), Integer.MAX_VALUE));
        assertEquals(0, AnaLog.lengthFor(info(0x03, 128, 1024, 1024), Integer.MAX_VALUE), "CMIC b3 clear");
        assertEquals(0, AnaLog.lengthFor(info(0x0B, 128, 0, 1024), Integer.MAX_VALUE), "MNAN 0");
        assertEquals(0, AnaLog.lengthFor(info(0x0B, 128, 2048, 1024), Integer.MAX_VALUE), "MNAN above NN");
        assertEquals(0, AnaLog.lengthFor(info(0x0B, 128, 1024, 1024), 4096), "larger than MDTS");
    }

    static ControllerInfo info(int cmic, int nanagrpid, int mnan, long nn) {
        return new ControllerInfo(0, 0, "", "", "", cmic, 0, 1, 0, 0, 0, 1, 0, 3, 3, 0, 0, 0x66, 0x44, 0, nn, 0, 0, 1,
                nanagrpid, nanagrpid, mnan, "nqn", 0, 0, 0, 0, 0, 0);
    }
}
