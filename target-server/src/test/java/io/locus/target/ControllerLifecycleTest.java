package io.locus.target;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.PduType;
import io.locus.target.backend.MemoryBackend;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Controller lifecycle: host access, keep-alive, stalls, queue limits, features and asynchronous events. */
class ControllerLifecycleTest {
    private static TargetConfig.NamespaceConfig memoryNs(int nsid) {
        return new TargetConfig.NamespaceConfig(nsid, "memory", 16L << 20, null, 4096, null);
    }

    private static TargetConfig.Limits limits(int maxConnections, long stallMillis) {
        TargetConfig.Limits d = TargetConfig.Limits.defaults();
        return new TargetConfig.Limits(maxConnections, stallMillis, d.mdts(), d.ioInCapsuleBytes(), 4, d.mqes(), 1);
    }

    @Test
    void shouldRefuseHostsOutsideTheAllowList() throws IOException {
        String allowed = "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-000000000001";
        try (Target t = Target.start(TestTargets.config(List.of(memoryNs(1)), false, List.of(allowed), TargetConfig.Limits.defaults()));
             RawHost h = new RawHost(TestTargets.ioPort(t))) {
            h.icReq(false, false);
            RawHost.Pdu r = h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            assertEquals(Status.CONNECT_INVALID_HOST | Status.DNR, r.cqeStatus());
            RawHost.Pdu ok = h.connect(0, 31, 0xFFFF, TestTargets.NQN, allowed, 0, 0);
            assertEquals(0, ok.cqeStatus());
        }
    }

    @Test
    void shouldHideDisallowedSubsystemsFromTheDiscoveryLog() throws IOException {
        String allowed = "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-000000000001";
        try (Target t = Target.start(TestTargets.config(List.of(memoryNs(1)), false, List.of(allowed), TargetConfig.Limits.defaults()));
             RawHost h = new RawHost(TestTargets.discoveryPort(t))) {
            h.adminUp(io.locus.protocol.fabrics.DiscoveryLog.DISCOVERY_NQN, 0);
            ByteBuf s = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, 9, 0);
            Sqe.setCdw(s, 0, 10, 0x70 | ((1024 / 4 - 1) << 16));
            ByteBuf log = Unpooled.wrappedBuffer((byte[]) h.readCommand(s, 1024)[0]);
            assertEquals(1, log.getLongLE(8), "only the discovery subsystem's own entry");
        }
    }

    @Test
    void shouldTearDownControllerAndQueuesWhenKeepAliveExpires() throws Exception {
        Logger controllerLog = Logger.getLogger(Controller.class.getName());
        Logger rejectLog = Logger.getLogger("io.locus.target.reject");
        Recording records = new Recording();
        controllerLog.addHandler(records);
        rejectLog.addHandler(records);
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (Target t = TestTargets.memory(16L << 20, now::get); RawHost admin = new RawHost(TestTargets.ioPort(t));
             RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 1000);
            io.icReq(false, false);
            assertEquals(0, io.connect(1, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            // KATO passes on the target's keep-alive clock at once; the wait below is only for the teardown to show.
            now.addAndGet(1_001_000_000L);
            long deadline = System.nanoTime() + 6_000_000_000L;
            boolean adminClosed = false;
            while (!adminClosed && System.nanoTime() < deadline) {
                adminClosed = admin.closedByPeer();
            }
            assertTrue(adminClosed, "admin queue closed after KATO");
            assertTrue(io.closedByPeer(), "I/O queue closed with its controller");
            assertEquals(null, t.subsystem(TestTargets.NQN).controller(cntlid));
            // Logged once, before the queues closed, as a keep-alive expiry of that controller: not as a rejection.
            List<LogRecord> expiries = records.records.stream().filter(r -> r.getMessage().contains("keep-alive")).toList();
            assertEquals(1, expiries.size(), records.records.toString());
            LogRecord expiry = expiries.getFirst();
            assertEquals(Controller.class.getName(), expiry.getLoggerName());
            assertEquals(Level.WARNING, expiry.getLevel());
            assertEquals("keep-alive expired: controller " + cntlid + " of " + TestTargets.NQN + " for host "
                    + RawHost.HOSTNQN + " got no Keep Alive within KATO 1000 ms; tearing it down", expiry.getMessage());
        } finally {
            controllerLog.removeHandler(records);
            rejectLog.removeHandler(records);
        }
    }

    /** Keeps the log records published while it is attached (from any thread). */
    private static final class Recording extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void shouldKeepControllerAliveWhileKeepAlivesArrive() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (Target t = TestTargets.memory(16L << 20, now::get); RawHost admin = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 1000);
            // 6 x 600 ms on the keep-alive clock: 3.6 s in all, each gap under KATO 1000 ms.
            for (int i = 0; i < 6; i++) {
                now.addAndGet(600_000_000L);
                admin.capsule(RawHost.sqe(AdminOpcode.KEEP_ALIVE, 200 + i, 0), null, false);
                assertEquals(0, admin.expect(PduType.CAPSULE_RESP).cqeStatus());
                assertTrue(t.subsystem(TestTargets.NQN).controller(cntlid) != null, "expired after keep-alive " + i);
            }
        }
    }

    @Test
    void shouldDropPeerThatStallsMidPdu() throws Exception {
        try (Target t = Target.start(TestTargets.config(List.of(memoryNs(1)), true, List.of(), limits(16, 500)));
             RawHost h = new RawHost(TestTargets.ioPort(t)); RawHost other = new RawHost(TestTargets.ioPort(t))) {
            other.icReq(false, false);
            h.icReq(false, false);
            h.sendRaw(new byte[] {PduType.CAPSULE_CMD, 0, 72, 0, 72, 0, 0, 0, 1, 2, 3});
            long deadline = System.nanoTime() + 5_000_000_000L;
            boolean closed = false;
            while (!closed && System.nanoTime() < deadline) {
                closed = h.closedByPeer();
            }
            assertTrue(closed, "stalled peer dropped");
            assertEquals(0, other.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus(), "others unaffected");
        }
    }

    @Test
    void shouldRefuseConnectionsBeyondThePortLimit() throws Exception {
        try (Target t = Target.start(TestTargets.config(List.of(memoryNs(1)), true, List.of(), limits(2, 30_000)));
             RawHost a = new RawHost(TestTargets.ioPort(t)); RawHost b = new RawHost(TestTargets.ioPort(t))) {
            a.icReq(false, false);
            b.icReq(false, false);
            try (RawHost c = new RawHost(TestTargets.ioPort(t))) {
                assertTrue(c.closedByPeer(), "third connection refused");
            }
            assertEquals(0, a.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
        }
    }

    @Test
    void shouldGrantQueuesAndRefuseQueueIdsBeyondTheGrant() throws Exception {
        try (Target t = Target.start(TestTargets.config(List.of(memoryNs(1)), true, List.of(), limits(16, 30_000)));
             RawHost admin = new RawHost(TestTargets.ioPort(t)); RawHost io = new RawHost(TestTargets.ioPort(t))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            ByteBuf s = RawHost.sqe(AdminOpcode.SET_FEATURES, 30, 0);
            Sqe.setCdw(s, 0, 10, Feature.NUMBER_OF_QUEUES);
            Sqe.setCdw(s, 0, 11, 7 | (7 << 16));
            admin.capsule(s, null, false);
            RawHost.Pdu r = admin.expect(PduType.CAPSULE_RESP);
            assertEquals(0, r.cqeStatus());
            assertEquals(3 | (3 << 16), r.cqeDw0(), "limited to 4 queues (0's based 3)");
            io.icReq(false, false);
            assertEquals(Status.CONNECT_INVALID_PARAMETERS | Status.DNR,
                    io.connect(5, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
            assertEquals(0, io.connect(4, 31, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
        }
    }

    @Test
    void shouldLimitOutstandingAsyncEventRequests() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t))) {
            admin.adminUp(TestTargets.NQN, 0);
            for (int i = 0; i < 5; i++) {
                admin.capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 300 + i, 0), null, false);
            }
            RawHost.Pdu r = admin.expect(PduType.CAPSULE_RESP);
            assertEquals(304, r.cqeCid());
            assertEquals(Status.AER_LIMIT_EXCEEDED, r.cqeStatus());
        }
    }

    @Test
    void shouldRaiseNamespaceChangedEventAndListTheNamespace() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t))) {
            admin.adminUp(TestTargets.NQN, 0);
            ByteBuf s = RawHost.sqe(AdminOpcode.SET_FEATURES, 40, 0);
            Sqe.setCdw(s, 0, 10, Feature.ASYNC_EVENT_CONFIG);
            Sqe.setCdw(s, 0, 11, 1 << 8);
            admin.capsule(s, null, false);
            assertEquals(0, admin.expect(PduType.CAPSULE_RESP).cqeStatus());
            admin.capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 41, 0), null, false);
            t.addNamespace(TestTargets.NQN, new Namespace(TestTargets.NQN, 2, new MemoryBackend(8L << 20), 512, null, "memory"));
            RawHost.Pdu aen = admin.expect(PduType.CAPSULE_RESP);
            assertEquals(41, aen.cqeCid());
            assertEquals(AsyncEvent.TYPE_NOTICE, AsyncEvent.type(aen.cqeDw0()));
            assertEquals(LogPage.CHANGED_NAMESPACES, AsyncEvent.logPage(aen.cqeDw0()));
            ByteBuf g = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, 42, 0xFFFFFFFF);
            Sqe.setCdw(g, 0, 10, LogPage.CHANGED_NAMESPACES | ((4096 / 4 - 1) << 16));
            ByteBuf page = Unpooled.wrappedBuffer((byte[]) admin.readCommand(g, 4096)[0]);
            assertEquals(2, page.getIntLE(0));
            assertEquals(0, page.getIntLE(4));
            ByteBuf list = Unpooled.wrappedBuffer(admin.identify(2, 0));
            assertEquals(1, list.getIntLE(0));
            assertEquals(2, list.getIntLE(4));
            ByteBuf ns2 = Unpooled.wrappedBuffer(admin.identify(0, 2));
            assertEquals(9, ns2.getUnsignedByte(128 + 2), "512-byte blocks");
        }
    }

    @Test
    void shouldReturnZeroedIdentifyForInactiveNamespace() throws Exception {
        try (Target t = TestTargets.memory(16L << 20); RawHost admin = new RawHost(TestTargets.ioPort(t))) {
            admin.adminUp(TestTargets.NQN, 0);
            byte[] id = admin.identify(0, 5);
            for (byte b : id) {
                assertEquals(0, b);
            }
            assertFalse(id.length != 4096);
        }
    }
}
