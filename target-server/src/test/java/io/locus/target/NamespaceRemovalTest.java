package io.locus.target;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Sgl;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.PduType;
import io.locus.target.backend.BackendIo;
import io.locus.target.model.Namespace;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Removing a namespace pauses it, drains the I/O in flight on it, and only then closes its backend: a read the
 * backend is still holding completes normally, the backend closes after it, and a command that comes after the
 * removal gets Invalid Namespace.
 */
@Timeout(30)
class NamespaceRemovalTest {
    private static final int BLOCK = 4096;

    /** A backend that keeps every I/O until the test completes it, and records what happened in order. */
    private static final class HeldBackend extends TestBackend {
        final BlockingQueue<BackendIo> held = new LinkedBlockingQueue<>();
        final List<String> events = new ArrayList<>();

        HeldBackend() {
            super("held");
        }

        @Override
        public void submit(BackendIo io) {
            held.add(io);
        }

        @Override
        public synchronized void close() {
            events.add("closed");
        }

        synchronized void completeOne(BackendIo io) {
            events.add("completed");
            io.data.writerIndex(io.data.writerIndex() + (int) io.length);
            io.complete(Status.SUCCESS);
        }

        synchronized List<String> events() {
            return List.copyOf(events);
        }
    }

    @Test
    void shouldDrainInFlightIoBeforeClosingTheBackend() throws Exception {
        HeldBackend backend = new HeldBackend();
        try (Target t = TestTargets.memory(1 << 20);
             RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost host = new RawHost(TestTargets.ioPort(t))) {
            Namespace ns = new Namespace(TestTargets.NQN, 2, backend, BLOCK, null, "held");
            t.addNamespace(TestTargets.NQN, ns);
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            host.ioQueueUp(cntlid, false, false);

            host.capsule(read(host, 2), null, true);
            BackendIo inFlight = backend.held.poll(10, TimeUnit.SECONDS);
            assertNotNull(inFlight, "the read reached the backend");

            CompletableFuture<Void> removal = CompletableFuture.runAsync(() -> t.removeNamespace(TestTargets.NQN, 2));
            while (ns.state() == Namespace.State.ACTIVE) {
                Thread.onSpinWait(); // the removal thread pauses the namespace first
            }
            assertFalse(removal.isDone(), "a read is still in flight");
            assertEquals(List.of(), backend.events(), "the backend stays open while I/O is in flight");

            // A command after the removal does not find the namespace.
            host.capsule(read(host, 2), null, true);
            assertEquals(Status.INVALID_NAMESPACE | Status.DNR, host.expect(PduType.CAPSULE_RESP).cqeStatus());

            backend.completeOne(inFlight);
            RawHost.Pdu data = host.read();
            assertEquals(PduType.C2H_DATA, data.type());
            assertEquals(BLOCK, data.data().length);
            assertEquals(0, host.expect(PduType.CAPSULE_RESP).cqeStatus());
            removal.get(10, TimeUnit.SECONDS);
            assertEquals(Namespace.State.PAUSED, ns.state());
            assertEquals(List.of("completed", "closed"), backend.events());
            assertTrue(backend.held.isEmpty(), "nothing reached the backend after the pause");
        }
    }

    private static ByteBuf read(RawHost host, int nsid) {
        ByteBuf s = RawHost.sqe(NvmOpcode.READ, ++host.cid, nsid);
        Sgl.write(s, Sqe.SGL1_OFFSET, 0, BLOCK, Sgl.ID_TRANSPORT);
        return s;
    }
}
