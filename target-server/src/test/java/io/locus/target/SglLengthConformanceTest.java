package io.locus.target;

import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Admin and fabrics commands move a fixed amount of data, and Identify Controller does not advertise SGLS b18 (SGL
 * longer than the data), so an SGL of any other length is Data SGL Length Invalid (SC 0x0F) + DNR, with no data sent,
 * as Get Log Page and Read already answered and as Linux nvmet answers ({@code nvmet_check_transfer_len}).
 */
class SglLengthConformanceTest {
    private static final int SGL_LENGTH_INVALID = Status.DATA_SGL_LENGTH_INVALID | Status.DNR;

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

    /** Sends a controller-to-host command with a transport SGL of {@code length}; returns its CapsuleResp. */
    private static RawHost.Pdu read(RawHost h, ByteBuf sqe, int length, int expectedData) throws IOException {
        Object[] r = h.readCommand(sqe, length);
        assertEquals(expectedData, ((byte[]) r[0]).length, "data sent");
        return (RawHost.Pdu) r[1];
    }

    @Test
    void shouldRejectIdentifyWithAnSglLongerOrShorterThan4096() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.adminUp(TestTargets.NQN, 0);
            for (int length : new int[] {8192, 2048}) {
                ByteBuf s = RawHost.sqe(AdminOpcode.IDENTIFY, ++h.cid, 0);
                Sqe.setCdw(s, 0, 10, 1);
                assertEquals(SGL_LENGTH_INVALID, read(h, s, length, 0).cqeStatus(), length + "-byte SGL");
            }
            assertEquals(IdentifyController.CNTRLTYPE_IO, h.identify(1, 0)[IdentifyController.CNTRLTYPE], "4096 still works");
        }
    }

    @Test
    void shouldRejectDatalessAdminCommandsWithAnSgl() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.adminUp(TestTargets.NQN, 5000);
            ByteBuf get = RawHost.sqe(AdminOpcode.GET_FEATURES, ++h.cid, 0);
            Sqe.setCdw(get, 0, 10, Feature.KEEP_ALIVE_TIMER);
            assertEquals(SGL_LENGTH_INVALID, read(h, get, 4096, 0).cqeStatus(), "Get Features (KATO) with data");

            ByteBuf set = RawHost.sqe(AdminOpcode.SET_FEATURES, ++h.cid, 0);
            Sqe.setCdw(set, 0, 10, Feature.KEEP_ALIVE_TIMER);
            Sqe.setCdw(set, 0, 11, 5000);
            h.capsule(set, new byte[16], false);
            assertEquals(SGL_LENGTH_INVALID, h.expect(PduType.CAPSULE_RESP).cqeStatus(), "Set Features (KATO) with in-capsule data");

            assertEquals(SGL_LENGTH_INVALID, read(h, RawHost.sqe(AdminOpcode.KEEP_ALIVE, ++h.cid, 0), 4096, 0).cqeStatus(),
                    "Keep Alive with data");

            ByteBuf prop = RawHost.sqe(AdminOpcode.FABRICS, ++h.cid, 0);
            prop.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.PROPERTY_GET);
            prop.setIntLE(FabricsCommand.PROPERTY_OFFSET_OFFSET, Property.CSTS);
            assertEquals(SGL_LENGTH_INVALID, read(h, prop, 8, 0).cqeStatus(), "Property Get with data");

            // The same features without data still work.
            ByteBuf ok = RawHost.sqe(AdminOpcode.GET_FEATURES, ++h.cid, 0);
            Sqe.setCdw(ok, 0, 10, Feature.KEEP_ALIVE_TIMER);
            RawHost.Pdu resp = read(h, ok, 0, 0);
            assertEquals(Status.SUCCESS, resp.cqeStatus());
            assertEquals(5000, resp.cqeDw0());
        }
    }

    @Test
    void shouldRejectConnectDataLongerThan1024Bytes() throws IOException {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            byte[] data = new byte[2048];
            System.arraycopy(RawHost.connectData(0xFFFF, TestTargets.NQN, RawHost.HOSTNQN), 0, data, 0, 1024);
            assertEquals(SGL_LENGTH_INVALID, h.connect(0, 31, data, 0, 0).cqeStatus());
        }
    }
}
