package io.locus.initiator;

import io.locus.initiator.tcp.TcpQueue;
import io.locus.protocol.tcp.IcPdu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); ManualTime time = new ManualTime()) {
            CountDownLatch icReqIn = new CountDownLatch(1);
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = silent.accept()) {
                    // A target that takes the ICReq and never answers: it reads until the host gives up and closes.
                    new DataInputStream(s.getInputStream()).readFully(new byte[IcPdu.LENGTH]);
                    icReqIn.countDown();
                    while (s.getInputStream().read() >= 0) {
                        // nothing to say
                    }
                } catch (Exception ignored) {
                    // test over
                }
            });
            // The setup deadline is on the queue's reactor clock; the wall-clock guard of the bring-up is 1 s later.
            CompletableFuture<Controller> connect = CompletableFuture.supplyAsync(() -> Controller.connect(
                    TransportId.tcp("127.0.0.1", silent.getLocalPort(), FakeTarget.SUBNQN), HOST,
                    quick().connectTimeoutMs(5000).reactors(time.group)));
            assertTrue(icReqIn.await(5, TimeUnit.SECONDS), "the ICReq went out");
            time.advanceMs(4999);
            assertFalse(connect.isDone(), "still waiting for ICResp 1 ms before the connect timeout");
            time.advanceMs(1);
            ExecutionException failed = assertThrows(ExecutionException.class, () -> connect.get(2, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof NvmeException, failed.toString());
            assertTrue(failed.getCause().getMessage().contains("no answer to the connection setup (ICReq) within 5000 ms"),
                    failed.getCause().getMessage());
            acceptor.join(5000);
            assertFalse(acceptor.isAlive(), "the host closed the connection it gave up on");
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
