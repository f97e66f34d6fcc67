package io.locus.initiator;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.provenance.ProvenanceWire;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ProvenanceTest {
    private static final Flow FLOW = new Flow(77, LatencyClass.LATENCY, 5, 1, Flow.ANTI_MIGRATE, 250);
    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private void readWithFlow(Controller ctrl) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        ctrl.namespace(1).read(0, 1, Unpooled.buffer(512), 0, FLOW, (ctx, status, dw0, dw1) -> done.countDown(), null);
        assertTrue(done.await(3, TimeUnit.SECONDS));
    }

    @Test
    void shouldEncodeFlowWhenControllerAdvertisesAndAcceptsProvenance() throws Exception {
        target.provenance = true;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            assertTrue(ctrl.provenanceEnabled());
            assertEquals(1, target.setFeatureProvenance.get());
            readWithFlow(ctrl);
            FakeTarget.Cmd read = target.ioCommands(NvmOpcode.READ).getFirst();
            assertEquals(77, read.cdw2);
            assertEquals(ProvenanceWire.cdw3(5, 1), read.cdw3);
            assertEquals(ProvenanceWire.mptr(ProvenanceWire.CLASS_LATENCY, Flow.ANTI_MIGRATE, 250), read.mptr);
            assertEquals(ProvenanceWire.DSM_LATENCY_LOW, (read.cdw[13] >>> 4) & 3);
        }
    }

    @Test
    void shouldNeverPutFlowOnWireWhenControllerDoesNotAdvertiseIt() throws Exception {
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            assertFalse(ctrl.provenanceEnabled());
            assertEquals(0, target.setFeatureProvenance.get());
            readWithFlow(ctrl);
            FakeTarget.Cmd read = target.ioCommands(NvmOpcode.READ).getFirst();
            assertEquals(0, read.cdw2);
            assertEquals(0, read.cdw3);
            assertEquals(0, read.mptr);
            assertEquals(0, read.cdw[13]);
        }
    }

    @Test
    void shouldNotEncodeFlowWhenHostDisablesProvenance() throws Exception {
        target.provenance = true;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick().provenance(false))) {
            assertFalse(ctrl.provenanceEnabled());
            readWithFlow(ctrl);
            assertEquals(0, target.ioCommands(NvmOpcode.READ).getFirst().mptr);
        }
    }
}
