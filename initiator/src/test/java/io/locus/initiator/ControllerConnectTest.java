package io.locus.initiator;

import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.tcp.PduType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ControllerConnectTest {
    static final HostIdentity HOST = new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
            UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"));

    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    static ControllerOptions quick() {
        return ControllerOptions.defaults().connectTimeoutMs(10_000).reconnectDelayMs(100).ctrlLossTimeoutMs(2000);
    }

    @Test
    void shouldConnectIdentifyAndGoLiveWhenTargetCompletesHandshake() {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().ioQueues(2))) {
            assertEquals(ControllerState.LIVE, ctrl.state());
            assertEquals(1, ctrl.cntlid());
            assertEquals("Locus fake target", ctrl.info().model());
            assertEquals(2, ctrl.ioQueueCount());
            assertEquals(List.of(1), ctrl.activeNamespaces());
            Namespace ns = ctrl.namespace(1);
            assertEquals(512, ns.lbaSize());
            assertEquals(4096, ns.blocks());
            Await.until(() -> !target.adminCommands(AdminOpcode.ASYNC_EVENT_REQUEST).isEmpty(), () -> "an AER armed");
        }
        // First PDU on every connection is an ICReq with HPDA 0 / MAXR2T 0; capsules have HLEN 72 and flags 0x40.
        FakeTarget.Pdu first = target.pdus.peek();
        assertEquals(PduType.IC_REQ, first.type());
        assertTrue(target.pdus.stream().filter(p -> p.type() == PduType.CAPSULE_CMD).allMatch(p -> p.hlen() == 72));
        assertTrue(target.commands.stream().allMatch(c -> c.flags == 0x40));
        // Admin Connect: CNTLID 0xFFFF (checked by the target), SQSIZE 31, KATO 5 s; host NQN and ID as given.
        assertEquals(31, target.connectSqsize);
        assertEquals(5000, target.connectKato);
        assertEquals(HOST.hostNqn(), target.connectHostNqn);
        assertArrayEquals(HOST.hostIdBytes(), target.connectHostId);
        // Identify carries exactly 4096 bytes; Connect 1024 in-capsule.
        assertTrue(target.adminCommands(AdminOpcode.IDENTIFY).stream().allMatch(c -> c.sglLength == 4096 && c.sglId == 0x5A));
        assertTrue(target.commands.stream().filter(c -> c.opcode == AdminOpcode.FABRICS && c.fctype() == FabricsCommand.CONNECT)
                .allMatch(c -> c.sglId == 0x01 && c.sglLength == 1024 && c.inCapsule.length == 1024));
        // CC: EN, IOSQES 6, IOCQES 4.
        assertEquals(1 | (6 << 16) | (4 << 20), target.commands.stream()
                .filter(c -> c.opcode == AdminOpcode.FABRICS && c.fctype() == FabricsCommand.PROPERTY_SET)
                .findFirst().orElseThrow().cdw[12]);
    }

    @Test
    void shouldConnectIoQueuesWithQueueSizeWithinMqesAndNoKato() {
        target.mqes = 63;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().queueSize(256))) {
            assertEquals(63, ctrl.ioQueue(0).depth(), "queue size capped at MQES + 1 = 64 entries");
        }
        assertEquals(63, target.ioConnectSqsize);
        assertEquals(0, target.ioConnectKato);
        assertEquals(0, target.ioConnectCattr);
    }

    @Test
    void shouldAskForSqFlowControlDisableWhenRequested() {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().disableSqFlowControl(true))) {
            assertEquals(ControllerState.LIVE, ctrl.state());
        }
        assertEquals(FabricsCommand.CATTR_DISABLE_SQ_FLOW_CONTROL, target.ioConnectCattr);
        assertEquals(0, target.connectCattr, "admin queue keeps flow control");
    }

    @Test
    void shouldGrantFewerQueuesWhenControllerLimitsThem() {
        target.maxQueues = 2;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().ioQueues(4))) {
            assertEquals(2, ctrl.ioQueueCount());
        }
    }

    @Test
    void shouldCloseWithoutHangingWhenClosedFromListener() throws Exception {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Controller ctrl = Controller.connect(target.transportId(), HOST, quick().listener(new ControllerListener() {
            @Override
            public void onStateChange(Controller c, ControllerState state, String reason) {
                if (state == ControllerState.RESETTING) {
                    c.close();
                    closed.countDown();
                }
            }
        }));
        target.dropConnections();
        assertTrue(closed.await(3, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(ControllerState.CLOSED, ctrl.state());
    }

    @Test
    void shouldSendNormalShutdownOnClose() {
        Controller ctrl = Controller.connect(target.transportId(), HOST, quick());
        ctrl.close();
        assertEquals(1 << 14, target.cc & (3 << 14), "CC.SHN = normal");
    }
}
