package io.locus.initiator;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.tcp.PduType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A target that breaks the protocol must make the host reset the controller (H2CTermReq where it makes sense,
 * close, reconnect, retry what may be retried): no hang, no crash, a clear error.
 */
@Timeout(10)
class MisbehavingTargetTest {
    private FakeTarget target;
    private final List<String> states = new CopyOnWriteArrayList<>();
    private final List<String> reasons = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
        new Random(11).nextBytes(target.media);
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private ControllerOptions options() {
        return quick().listener(new ControllerListener() {
            @Override
            public void onStateChange(Controller controller, ControllerState state, String reason) {
                states.add(state.name());
                if (reason != null) {
                    reasons.add(reason);
                }
            }
        });
    }

    /** Misbehaves on the first READ only; later ones are served normally. */
    private void onFirstRead(FakeTarget.Hook action) {
        AtomicInteger seen = new AtomicInteger();
        target.hook = (conn, cmd) -> cmd.qid > 0 && cmd.opcode == NvmOpcode.READ && seen.getAndIncrement() == 0
                && action.onCommand(conn, cmd);
    }

    private byte[] readAndExpectRecovery(Controller ctrl) {
        Namespace ns = ctrl.namespace(1);
        ByteBuf into = Unpooled.buffer(4096);
        ns.readBlocking(8, 8, into);
        byte[] expected = new byte[4096];
        System.arraycopy(target.media, 8 * 512, expected, 0, 4096);
        assertArrayEquals(expected, into.array());
        assertEquals(2, target.adminConnects.get(), "the host reconnected once");
        assertTrue(states.containsAll(List.of("RESETTING", "RECONNECTING", "LIVE")), states.toString());
        return into.array();
    }

    private static byte[] capsuleResp(int cid, int hlen) {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) PduType.CAPSULE_RESP).put(2, (byte) hlen).putInt(4, 24).putShort(20, (short) cid);
        return b.array();
    }

    @Test
    void shouldResetAndRetryWhenCapsuleRespNamesUnknownCid() {
        onFirstRead((conn, cmd) -> {
            conn.respond(cmd.cid ^ 0x0400, 0, 0, 0);
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("unknown command id")), reasons.toString());
            assertTrue(target.pdus.stream().anyMatch(p -> p.type() == PduType.H2C_TERM_REQ), "host reported the error");
        }
    }

    @Test
    void shouldResetWhenPduHeaderIsMalformed() {
        onFirstRead((conn, cmd) -> {
            conn.send(capsuleResp(cmd.cid, 30));
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("malformed CapsuleResp")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenUnexpectedPduTypeArrives() {
        onFirstRead((conn, cmd) -> {
            byte[] ic = new byte[128];
            ic[0] = PduType.IC_RESP;
            ic[2] = (byte) 128;
            ic[4] = (byte) 128;
            conn.send(ic);
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("unexpected ICResp")), reasons.toString());
        }
    }

    @Test
    void shouldResetAndRetryWhenTargetClosesConnectionEarly() {
        onFirstRead((conn, cmd) -> {
            conn.close();
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("closed the connection")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenTargetSendsC2HTermReq() {
        onFirstRead((conn, cmd) -> {
            conn.sendTermReq(0x02, 0);
            conn.close();
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("C2HTermReq PDU Sequence Error")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenC2HDataHasSuccessWithoutLastPdu() {
        onFirstRead((conn, cmd) -> {
            conn.sendC2HData(cmd.cid, new byte[4096], 0, 4096, false, true);
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("SUCCESS without LAST_PDU")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenC2HDataOffsetSkipsAhead() {
        onFirstRead((conn, cmd) -> {
            conn.sendC2HData(cmd.cid, new byte[4096], 512, 512, false, false);
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("DATAO 512")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenR2TIsInvalid() {
        target.inCapsuleBytes = 0;
        AtomicInteger seen = new AtomicInteger();
        target.hook = (conn, cmd) -> {
            if (cmd.qid > 0 && cmd.opcode == NvmOpcode.WRITE && seen.getAndIncrement() == 0) {
                conn.sendR2T(cmd.cid, 1, 0, 0); // R2TL 0
                return true;
            }
            return false;
        };
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            Namespace ns = ctrl.namespace(1);
            byte[] data = new byte[2048];
            new Random(12).nextBytes(data);
            ns.writeBlocking(3, 4, Unpooled.wrappedBuffer(data), false);
            byte[] stored = new byte[2048];
            System.arraycopy(target.media, 3 * 512, stored, 0, 2048);
            assertArrayEquals(data, stored);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("R2TL 0")), reasons.toString());
        }
    }

    @Test
    void shouldResetWhenR2TOffsetIsNotWhatWasSent() {
        target.inCapsuleBytes = 0;
        AtomicInteger seen = new AtomicInteger();
        target.hook = (conn, cmd) -> {
            if (cmd.qid > 0 && cmd.opcode == NvmOpcode.WRITE && seen.getAndIncrement() == 0) {
                conn.sendR2T(cmd.cid, 1, 1024, 1024);
                return true;
            }
            return false;
        };
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options())) {
            ctrl.namespace(1).writeBlocking(3, 4, Unpooled.wrappedBuffer(new byte[2048]), false);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("R2T offset 1024")), reasons.toString());
        }
    }

    @Test
    void shouldFailInFlightCommandWithClearErrorWhenRetriesAreExhausted() {
        onFirstRead((conn, cmd) -> {
            conn.close();
            return true;
        });
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options().maxRetries(0))) {
            NvmeException e = assertThrows(NvmeException.class,
                    () -> ctrl.namespace(1).readBlocking(0, 8, Unpooled.buffer(4096)));
            assertTrue(e.getMessage().contains("Host Path Error"), e.getMessage());
            assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
        }
    }

    @Test
    void shouldResetWhenKeepAliveGetsNoAnswerWithinKato() throws Exception {
        AtomicInteger swallowed = new AtomicInteger();
        target.hook = (conn, cmd) -> cmd.opcode == AdminOpcode.KEEP_ALIVE && swallowed.getAndIncrement() == 0;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options().keepAliveTimeoutMs(300))) {
            Await.until(() -> target.adminConnects.get() >= 2 && ctrl.state() == ControllerState.LIVE,
                    () -> "no reset after a lost keep-alive: " + states);
            // Found when the next Keep Alive was due (KATO/2), before the lost one's own deadline (KATO) fired.
            assertTrue(reasons.stream().anyMatch(r -> r.contains("Keep Alive unanswered for 150 ms (KATO/2)")),
                    reasons.toString());
            ByteBuf into = Unpooled.buffer(512);
            ctrl.namespace(1).readBlocking(0, 1, into);
        }
    }

    @Test
    void shouldResetWhenHeaderDigestMismatches() {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, options().headerDigest(true))) {
            target.corruptHeaderDigests = 1;
            readAndExpectRecovery(ctrl);
            assertTrue(reasons.stream().anyMatch(r -> r.contains("header digest mismatch")), reasons.toString());
            assertTrue(target.pdus.stream().anyMatch(p -> p.type() == PduType.H2C_TERM_REQ), "host reported the error");
        }
    }
}
