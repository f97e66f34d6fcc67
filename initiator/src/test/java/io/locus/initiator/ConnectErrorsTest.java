package io.locus.initiator;

import io.locus.initiator.tcp.TcpQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

import static io.locus.initiator.ControllerConnectTest.HOST;
import static io.locus.initiator.ControllerConnectTest.quick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failures to connect read like a person wrote them: one line that says what went wrong. */
@Timeout(10)
class ConnectErrorsTest {
    private FakeTarget target;

    @BeforeEach
    void start() throws Exception {
        target = new FakeTarget();
    }

    @AfterEach
    void stop() {
        target.close();
    }

    private static void assertOneLine(NvmeException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void shouldSayConnectionRefusedWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NvmeException e = assertThrows(NvmeException.class,
                () -> Controller.connect(TransportId.tcp("127.0.0.1", port, FakeTarget.SUBNQN), HOST, quick()));
        assertTrue(e.getMessage().contains("cannot connect to 127.0.0.1:" + port + ": connection refused"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void shouldSayUnknownHostWhenAddressDoesNotResolve() {
        NvmeException e = assertThrows(NvmeException.class,
                () -> Controller.connect(TransportId.tcp("no-such-host.invalid", 4420, FakeTarget.SUBNQN), HOST, quick()));
        assertTrue(e.getMessage().contains("unknown host"), e.getMessage());
    }

    @Test
    void shouldSayUnknownSubsystemWhenTargetRejectsSubnqn() {
        NvmeException e = assertThrows(NvmeException.class,
                () -> Controller.connect(TransportId.tcp("127.0.0.1", target.port(), "nqn.2024-01.io.locus:nope"), HOST, quick()));
        assertTrue(e.getMessage().contains("does not know subsystem 'nqn.2024-01.io.locus:nope'"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void shouldSayHostRefusedWhenTargetRejectsHostNqn() {
        target.allowedHosts = List.of("nqn.2014-08.org.nvmexpress:uuid:another");
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(target.transportId(), HOST, quick()));
        assertTrue(e.getMessage().contains("refused host '" + HOST.hostNqn() + "'"), e.getMessage());
    }

    @Test
    void shouldTimeOutWhenTargetNeverAnswersIcReq() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(5000); // the behaviour under test: a target that accepts and never answers ICReq
                } catch (Exception ignored) {
                    // test over
                }
            });
            long start = System.nanoTime();
            NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(
                    TransportId.tcp("127.0.0.1", silent.getLocalPort(), FakeTarget.SUBNQN), HOST, quick().connectTimeoutMs(300)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2500, "took " + ms + " ms");
            assertTrue(e.getMessage().contains("no answer"), e.getMessage());
            acceptor.interrupt();
        }
    }

    @Test
    void shouldRefuseWhenTargetAnswersOtherDigests() {
        target.answeredDigests = 0;
        NvmeException e = assertThrows(NvmeException.class,
                () -> Controller.connect(target.transportId(), HOST, quick().headerDigest(true)));
        assertTrue(e.getMessage().contains("answered digests none to a request for header"), e.getMessage());
    }

    @Test
    void shouldHonourCpdaPaddingOnOutgoingData() {
        target.cpda = 3; // 16-byte alignment: CapsuleCmd data at 80, H2CData data at 32
        target.inCapsuleBytes = 1024;
        target.maxH2CData = 4096;
        try (Controller ctrl = Controller.connect(target.transportId(), HOST, quick())) {
            assertEquals(3, ((TcpQueue) ctrl.ioQueue(0).connection()).cpda());
            Namespace ns = ctrl.namespace(1);
            ns.writeBlocking(0, 1, io.netty.buffer.Unpooled.wrappedBuffer(new byte[512]), false);
            ns.writeBlocking(0, 16, io.netty.buffer.Unpooled.wrappedBuffer(new byte[8192]), false);
            assertTrue(target.pdus.stream().filter(p -> p.type() == 0x04 && p.pdo() != 0).allMatch(p -> p.pdo() == 80));
            assertTrue(target.pdus.stream().filter(p -> p.type() == 0x06).allMatch(p -> p.pdo() == 32));
            assertTrue(target.pdus.stream().anyMatch(p -> p.type() == 0x06));
        }
    }

    @Test
    void shouldRefuseToTreatDiscoveryControllerAsIoSubsystem() {
        target.discovery = true;
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(target.transportId(), HOST, quick()));
        assertTrue(e.getMessage().contains("discovery controller"), e.getMessage());
    }
}
