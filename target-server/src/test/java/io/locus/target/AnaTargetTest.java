package io.locus.target;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AnaLogPage;
import io.locus.protocol.nvme.AsyncEvent;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.LogPage;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.protocol.tcp.PduType;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.AnaState;
import io.locus.target.model.Controller;
import io.locus.target.model.Port;
import io.locus.target.model.PortAnaStates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Target-side ANA (NVMe base 2.0, 8.1.3; Linux nvmet's behaviour): Identify fields, the ANA log page, per-port group
 * states enforced on I/O, ANA-change events, and controller ID ranges.
 */
class AnaTargetTest {
    private static final int BLOCK = 4096;
    private static final UUID UUID1 = UUID.fromString("6a1f0b8e-4d2c-4f4e-9a57-3c2d1e0f9a01");

    /** Namespaces 1 (group 1), 2 and 3 (group 3); two I/O ports, the second starting with group 3 non-optimized. */
    private static TargetConfig config(int minCntlid, int maxCntlid) {
        List<TargetConfig.NamespaceConfig> ns = List.of(
                new TargetConfig.NamespaceConfig(1, "memory", 1 << 20, null, BLOCK, UUID1, null, 1),
                new TargetConfig.NamespaceConfig(2, "memory", 1 << 20, null, BLOCK, null, null, 3),
                new TargetConfig.NamespaceConfig(3, "memory", 1 << 20, null, BLOCK, null, null, 3));
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(TestTargets.NQN, "LOCUSANA", "Locus ANA", true,
                List.of(), 32, ns, Map.of(), minCntlid, maxCntlid);
        return new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0),
                        new TargetConfig.Listen("127.0.0.1", 0, false, Map.of(3, AnaState.NON_OPTIMIZED))),
                null, List.of(s), TargetConfig.Limits.defaults());
    }

    private static Port ioPort(Target t, int index) {
        return t.ports().stream().filter(p -> !p.discovery()).toList().get(index);
    }

    /** Admin queue and I/O queue 1 of one controller through {@code port}. */
    private record Host(RawHost admin, RawHost io, int cntlid) implements AutoCloseable {
        static Host up(Port port) throws IOException {
            RawHost admin = new RawHost(port.address().getPort());
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            RawHost io = new RawHost(port.address().getPort());
            io.ioQueueUp(cntlid, false, false);
            return new Host(admin, io, cntlid);
        }

        @Override
        public void close() throws IOException {
            io.close();
            admin.close();
        }
    }

    private static ByteBuf anaLog(RawHost admin, boolean rgo, int length) throws IOException {
        ByteBuf g = RawHost.sqe(AdminOpcode.GET_LOG_PAGE, ++admin.cid, 0xFFFFFFFF);
        Sqe.setCdw(g, 0, 10, LogPage.ANA | ((rgo ? AnaLogPage.LSP_RGO : 0) << 8) | ((length / 4 - 1) << 16));
        Object[] r = admin.readCommand(g, length);
        assertTrue(r[1] == null || ((RawHost.Pdu) r[1]).cqeStatus() == 0);
        return Unpooled.wrappedBuffer((byte[]) r[0]);
    }

    private static int setFeature(RawHost admin, int fid, int cdw11) throws IOException {
        ByteBuf s = RawHost.sqe(AdminOpcode.SET_FEATURES, ++admin.cid, 0);
        Sqe.setCdw(s, 0, 10, fid);
        Sqe.setCdw(s, 0, 11, cdw11);
        admin.capsule(s, null, false);
        return admin.expect(PduType.CAPSULE_RESP).cqeStatus();
    }

    private static int readStatus(RawHost io, int nsid) throws IOException {
        RawHost.Pdu resp = (RawHost.Pdu) io.readBlocks(nsid, 0, 1, BLOCK)[1];
        return resp == null ? 0 : resp.cqeStatus();
    }

    /** Waits until every task queued on the controller's admin reactor so far has run. */
    private static void drainAdminReactor(Target t, int cntlid) throws Exception {
        Controller c = t.subsystem(TestTargets.NQN).controller(cntlid);
        CompletableFuture<Void> done = new CompletableFuture<>();
        c.adminQueue().reactor().execute(() -> done.complete(null));
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldReportMultiControllerAnaFieldsInIdentify() throws Exception {
        try (Target t = Target.start(config(1, 0xFFEF)); Host h = Host.up(ioPort(t, 0))) {
            ByteBuf id = Unpooled.wrappedBuffer(h.admin.identify(IdentifyNamespace.CNS_CONTROLLER, 0));
            int cmic = id.getUnsignedByte(IdentifyController.CMIC);
            assertEquals(IdentifyController.CMIC_MULTI_CONTROLLER | IdentifyController.CMIC_ANA,
                    cmic & (IdentifyController.CMIC_MULTI_CONTROLLER | IdentifyController.CMIC_ANA));
            assertTrue((id.getIntLE(IdentifyController.OAES) & IdentifyController.OAES_ANA_CHANGE) != 0, "OAES b11");
            assertEquals(0x1F | 0x40, id.getUnsignedByte(IdentifyController.ANACAP), "every state reported, ANAGRPID fixed");
            assertEquals(10, id.getUnsignedByte(IdentifyController.ANATT));
            assertEquals(PortAnaStates.ANAGRPMAX, id.getIntLE(IdentifyController.ANAGRPMAX));
            assertEquals(PortAnaStates.ANAGRPMAX, id.getIntLE(IdentifyController.NANAGRPID));

            ByteBuf ns1 = Unpooled.wrappedBuffer(h.admin.identify(IdentifyNamespace.CNS_NAMESPACE, 1));
            assertEquals(1, ns1.getUnsignedByte(IdentifyNamespace.NMIC) & 1, "shared namespace");
            assertEquals(1, ns1.getIntLE(IdentifyNamespace.ANAGRPID));
            byte[] nguid = new byte[16];
            ns1.getBytes(IdentifyNamespace.NGUID, nguid);
            assertArrayEquals(java.nio.ByteBuffer.allocate(16).putLong(UUID1.getMostSignificantBits())
                    .putLong(UUID1.getLeastSignificantBits()).array(), nguid, "the configured UUID is the NGUID too");
            ByteBuf ns3 = Unpooled.wrappedBuffer(h.admin.identify(IdentifyNamespace.CNS_NAMESPACE, 3));
            assertEquals(3, ns3.getIntLE(IdentifyNamespace.ANAGRPID));
        }
    }

    @Test
    void shouldBuildTheAnaLogPerGroupWithTheStatesOfTheControllersPort() throws Exception {
        try (Target t = Target.start(config(1, 0xFFEF)); Host a = Host.up(ioPort(t, 0)); Host b = Host.up(ioPort(t, 1))) {
            ByteBuf log = anaLog(a.admin, false, 4096);
            assertEquals(1, AnaLogPage.changeCount(log));
            assertEquals(2, AnaLogPage.groupCount(log));
            int d1 = AnaLogPage.HEADER_LENGTH;
            assertEquals(1, AnaLogPage.groupId(log, d1));
            assertEquals(1, AnaLogPage.nsidCount(log, d1));
            assertEquals(1, AnaLogPage.nsid(log, d1, 0));
            assertEquals(AnaLogPage.STATE_OPTIMIZED, AnaLogPage.state(log, d1));
            int d3 = d1 + (int) AnaLogPage.descriptorLength(log, d1);
            assertEquals(3, AnaLogPage.groupId(log, d3));
            assertEquals(2, AnaLogPage.nsidCount(log, d3));
            assertEquals(2, AnaLogPage.nsid(log, d3, 0));
            assertEquals(3, AnaLogPage.nsid(log, d3, 1));
            assertEquals(AnaLogPage.STATE_OPTIMIZED, AnaLogPage.state(log, d3));
            int end = d3 + (int) AnaLogPage.descriptorLength(log, d3);
            for (int i = end; i < 4096; i++) {
                assertEquals(0, log.getByte(i), "zero past the last descriptor, at " + i);
            }

            ByteBuf other = anaLog(b.admin, false, 4096);
            int o3 = AnaLogPage.HEADER_LENGTH + (int) AnaLogPage.descriptorLength(other, AnaLogPage.HEADER_LENGTH);
            assertEquals(AnaLogPage.STATE_NON_OPTIMIZED, AnaLogPage.state(other, o3), "the second port's configured state");

            ByteBuf rgo = anaLog(a.admin, true, 4096);
            assertEquals(2, AnaLogPage.groupCount(rgo));
            assertEquals(0, AnaLogPage.nsidCount(rgo, d1), "RGO: groups only");
            assertEquals(3, AnaLogPage.groupId(rgo, d1 + AnaLogPage.DESCRIPTOR_LENGTH));
            assertEquals(0, AnaLogPage.nsidCount(rgo, d1 + AnaLogPage.DESCRIPTOR_LENGTH));
        }
    }

    @Test
    void shouldFailIoToAGroupThatIsNotAccessibleThroughThePortWithPathStatuses() throws Exception {
        try (Target t = Target.start(config(1, 0xFFEF)); Host a = Host.up(ioPort(t, 0)); Host b = Host.up(ioPort(t, 1))) {
            int port = ioPort(t, 0).id();
            assertEquals(0, readStatus(a.io, 2));
            t.setAnaState(port, 3, AnaState.INACCESSIBLE);
            assertEquals(AnaState.INACCESSIBLE, t.anaState(port, 3));
            assertEquals(Status.ANA_INACCESSIBLE, readStatus(a.io, 2), "SCT 3 SC 0x02, no DNR");
            assertEquals(Status.ANA_INACCESSIBLE, a.io.writeBlocks(3, 0, new byte[BLOCK], BLOCK, 8192, 0).cqeStatus(),
                    "writes too, before any data moves");
            assertEquals(0, readStatus(a.io, 1), "group 1 is untouched");
            assertEquals(0, readStatus(b.io, 2), "another port's state of the group is its own");
            t.setAnaState(port, 3, AnaState.PERSISTENT_LOSS);
            assertEquals(Status.ANA_PERSISTENT_LOSS, readStatus(a.io, 2));
            t.setAnaState(port, 3, AnaState.CHANGE);
            assertEquals(Status.ANA_TRANSITION, readStatus(a.io, 3));
            t.setAnaState(port, 3, AnaState.NON_OPTIMIZED);
            assertEquals(0, readStatus(a.io, 2));

            ByteBuf log = anaLog(a.admin, false, 4096);
            assertEquals(5, AnaLogPage.changeCount(log), "1, then four changes");
            int d3 = AnaLogPage.HEADER_LENGTH + (int) AnaLogPage.descriptorLength(log, AnaLogPage.HEADER_LENGTH);
            assertEquals(AnaLogPage.STATE_NON_OPTIMIZED, AnaLogPage.state(log, d3));
            assertEquals(5, AnaLogPage.groupChangeCount(log, d3));
            assertEquals(1, AnaLogPage.groupChangeCount(log, AnaLogPage.HEADER_LENGTH), "group 1 never changed");
            assertEquals(1, AnaLogPage.changeCount(anaLog(b.admin, false, 4096)), "the other port saw no change");

            assertThrows(IllegalArgumentException.class, () -> t.setAnaState(port, 0, AnaState.OPTIMIZED));
            assertThrows(IllegalArgumentException.class, () -> t.setAnaState(port, PortAnaStates.ANAGRPMAX + 1, AnaState.OPTIMIZED));
            assertThrows(IllegalArgumentException.class, () -> t.setAnaState(99, 1, AnaState.OPTIMIZED));
        }
    }

    @Test
    void shouldRaiseTheAnaChangeEventOnlyOnThePortsControllersThatEnabledIt() throws Exception {
        try (Target t = Target.start(config(1, 0xFFEF)); Host on = Host.up(ioPort(t, 0)); Host off = Host.up(ioPort(t, 0));
             Host elsewhere = Host.up(ioPort(t, 1))) {
            assertEquals(0, setFeature(on.admin, Feature.ASYNC_EVENT_CONFIG, IdentifyController.OAES_ANA_CHANGE));
            assertEquals(0, setFeature(elsewhere.admin, Feature.ASYNC_EVENT_CONFIG, IdentifyController.OAES_ANA_CHANGE));
            for (Host h : List.of(on, off, elsewhere)) {
                h.admin.capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 500, 0), null, false);
            }
            int port = ioPort(t, 0).id();
            t.setAnaState(port, 1, AnaState.INACCESSIBLE);

            RawHost.Pdu aen = on.admin.expect(PduType.CAPSULE_RESP);
            assertEquals(500, aen.cqeCid());
            assertEquals(0, aen.cqeStatus());
            assertEquals(AsyncEvent.encode(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_ANA_CHANGE, LogPage.ANA), aen.cqeDw0());

            // The other two AERs stay outstanding: once the reactors have run what the change queued, the next
            // response on each admin queue is the Get Features sent after it, not the AER.
            for (Host h : List.of(off, elsewhere)) {
                drainAdminReactor(t, h.cntlid);
                ByteBuf get = RawHost.sqe(AdminOpcode.GET_FEATURES, 501, 0);
                Sqe.setCdw(get, 0, 10, Feature.ASYNC_EVENT_CONFIG);
                h.admin.capsule(get, null, false);
                assertEquals(501, h.admin.expect(PduType.CAPSULE_RESP).cqeCid());
            }

            // Masked until the host reads the log (RAE clear): a second change raises no event before that.
            on.admin.capsule(RawHost.sqe(AdminOpcode.ASYNC_EVENT_REQUEST, 502, 0), null, false);
            t.setAnaState(port, 1, AnaState.CHANGE);
            drainAdminReactor(t, on.cntlid);
            assertEquals(AnaLogPage.STATE_CHANGE, AnaLogPage.state(anaLog(on.admin, false, 4096), AnaLogPage.HEADER_LENGTH),
                    "the log read answers before any AER (the event stayed masked)");
            t.setAnaState(port, 1, AnaState.OPTIMIZED);
            RawHost.Pdu again = on.admin.expect(PduType.CAPSULE_RESP);
            assertEquals(502, again.cqeCid(), "unmasked by the read: the next change completes the AER");
            assertEquals(LogPage.ANA, AsyncEvent.logPage(again.cqeDw0()));
        }
    }

    @Test
    void shouldHandOutControllerIdsOnlyFromTheConfiguredRange() throws Exception {
        List<String> rejected = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                rejected.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger rejects = Logger.getLogger("io.locus.target.reject");
        rejects.addHandler(capture);
        try (Target t = Target.start(config(0x100, 0x101)); RawHost a = new RawHost(ioPort(t, 0).address().getPort());
             RawHost b = new RawHost(ioPort(t, 1).address().getPort()); RawHost c = new RawHost(ioPort(t, 0).address().getPort())) {
            assertEquals(0x100, a.adminUp(TestTargets.NQN, 0));
            assertEquals(0x101, b.adminUp(TestTargets.NQN, 0));
            c.icReq(false, false);
            RawHost.Pdu full = c.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            assertEquals(Status.CONNECT_CONTROLLER_BUSY, full.cqeStatus());
            assertTrue(rejected.stream().anyMatch(m -> m.contains("no controller ID left") && m.contains("256..257")), rejected.toString());
            a.close();
            // a's controller goes away with its connection; its ID is free again.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.subsystem(TestTargets.NQN).controller(0x100) != null && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            RawHost.Pdu again = c.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 0, 0);
            assertEquals(0, again.cqeStatus());
            assertEquals(0x100, again.cqeDw0() & 0xFFFF);
        } finally {
            rejects.removeHandler(capture);
        }
    }
}
