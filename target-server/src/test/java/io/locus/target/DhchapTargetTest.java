package io.locus.target;

import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.Dhchap;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapMessage;
import io.locus.protocol.auth.DhchapSecret;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Sqe;
import io.locus.protocol.nvme.Status;
import io.locus.target.auth.DhchapHostConfig;
import io.locus.target.config.TargetConfig;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The target's side of DH-HMAC-CHAP seen from a raw host: the gate, ATR, and a wrong response. */
class DhchapTargetTest {
    static final String KEYLESS_HOST = "nqn.2014-08.org.nvmexpress:uuid:99999999-2222-3333-4444-555555555555";
    static final DhchapSecret HOST_KEY = DhchapSecret.generate(1, 32);
    static Target target;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(TestTargets.NQN, "LOCUSTEST", "Locus test", false,
                List.of(RawHost.HOSTNQN, KEYLESS_HOST), 32,
                List.of(new TargetConfig.NamespaceConfig(1, "memory", 1 << 20, null, 4096, null)),
                Map.of(RawHost.HOSTNQN, new DhchapHostConfig(HOST_KEY, null, List.of(DhchapHash.SHA256), List.of(DhGroup.NULL))));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(s), TargetConfig.Limits.defaults()));
        port = TestTargets.ioPort(target);
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    @Test
    void aHostWithASecretGetsAtrAndNoAdminCommandBeforeAuthenticating() throws Exception {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            RawHost.Pdu c = h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 5000, 0);
            assertEquals(Status.SUCCESS, c.cqeStatus());
            assertTrue((c.cqeDw0() & Dhchap.CONNECT_ATR) != 0, "ATR set");
            // Property Get/Set are fabrics commands: allowed before authentication, as on Linux.
            assertEquals(Status.SUCCESS, h.propertyGet(Property.CAP, true).cqeStatus());
            ByteBuf s = RawHost.sqe(AdminOpcode.IDENTIFY, ++h.cid, 0);
            Sqe.setCdw(s, 0, 10, 1);
            RawHost.Pdu resp = (RawHost.Pdu) h.readCommand(s, 4096)[1];
            assertEquals(Dhchap.AUTHENTICATION_REQUIRED | Status.DNR, resp.cqeStatus());
        }
    }

    @Test
    void aWrongResponseGetsFailure1AndTheConnectionCloses() throws Exception {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            assertEquals(Status.SUCCESS, h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 5000, 0).cqeStatus());
            assertEquals(Status.SUCCESS, authSend(h, new DhchapMessage.Negotiate(7, 0, List.of(1, 2, 3), List.of(0, 1)).encode()));
            var challenge = assertInstanceOf(DhchapMessage.Challenge.class, authReceive(h, 4096));
            assertEquals(DhchapHash.SHA256.id(), challenge.hashId());
            assertEquals(DhGroup.NULL.id(), challenge.dhGroupId());
            assertEquals(7, challenge.transactionId());
            assertEquals(Status.SUCCESS, authSend(h, new DhchapMessage.Reply(7, false, 0, new byte[32], new byte[32], new byte[0]).encode()));
            var failure = assertInstanceOf(DhchapMessage.Failure.class, authReceive(h, 4096));
            assertTrue(failure.fromController());
            assertEquals(Dhchap.REASON_FAILED, failure.reasonCode());
            assertEquals(Dhchap.FAILED, failure.explanation());
            assertTrue(h.closedByPeer(), "the target closes the queue after AUTH_Failure1");
        }
    }

    /** Linux without --dhchap-secret: Connect, ATR, "qid 0: no key", and the connection closes without a message. */
    @Test
    void aHostThatLeavesWithoutAuthenticatingGetsOneLineSayingWhy() throws Exception {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.locus.target.reject");
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            try (RawHost h = new RawHost(port)) {
                h.icReq(false, false);
                RawHost.Pdu c = h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 5000, 0);
                assertTrue((c.cqeDw0() & Dhchap.CONNECT_ATR) != 0, "ATR set");
            }
            TestTargets.await(() -> lines.stream().anyMatch(l -> l.contains("without authenticating")),
                    "the line saying why: " + lines);
            String line = lines.stream().filter(l -> l.contains("without authenticating")).findFirst().orElse(null);
            assertTrue(line != null, "one line says why: " + lines);
            assertTrue(line.contains(RawHost.HOSTNQN) && line.contains("never started DH-HMAC-CHAP")
                    && line.contains("no --dhchap-secret"), line);
            assertEquals(1, lines.stream().filter(l -> l.contains("without authenticating")).count(), lines.toString());
            // A host that authenticated and then left is no matter for the log.
            lines.clear();
            try (RawHost h = new RawHost(port)) {
                h.icReq(false, false);
                h.connect(0, 31, 0xFFFF, TestTargets.NQN, KEYLESS_HOST, 5000, 0);
            }
            // The check runs as the controller is torn down: wait for that, then look.
            long gone = System.nanoTime() + 10_000_000_000L;
            while (!target.subsystem(TestTargets.NQN).controllers().isEmpty() && System.nanoTime() < gone) {
                Thread.onSpinWait();
            }
            assertTrue(target.subsystem(TestTargets.NQN).controllers().isEmpty(), "the keyless host's controller is gone");
            assertTrue(lines.stream().noneMatch(l -> l.contains("without authenticating")), lines.toString());
        } finally {
            log.removeHandler(handler);
        }
    }

    @Test
    void noCommonHashGetsFailure1HashUnusable() throws Exception {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            h.connect(0, 31, 0xFFFF, TestTargets.NQN, RawHost.HOSTNQN, 5000, 0);
            authSend(h, new DhchapMessage.Negotiate(1, 0, List.of(3), List.of(0)).encode());
            var failure = assertInstanceOf(DhchapMessage.Failure.class, authReceive(h, 4096));
            assertEquals(Dhchap.HASH_UNUSABLE, failure.explanation());
        }
    }

    @Test
    void aHostWithoutASecretConnectsAsBefore() throws Exception {
        try (RawHost h = new RawHost(port)) {
            h.icReq(false, false);
            RawHost.Pdu c = h.connect(0, 31, 0xFFFF, TestTargets.NQN, KEYLESS_HOST, 5000, 0);
            assertEquals(Status.SUCCESS, c.cqeStatus());
            assertEquals(0, c.cqeDw0() & Dhchap.CONNECT_ATR);
            h.propertySet(Property.CC, (6 << 16) | (4 << 20) | 1);
            assertEquals(4096, h.identify(1, 0).length);
        }
    }

    static int authSend(RawHost h, byte[] message) throws Exception {
        ByteBuf s = RawHost.sqe(AdminOpcode.FABRICS, ++h.cid, 0);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.AUTHENTICATION_SEND);
        Sqe.setCdw(s, 0, 10, Dhchap.CDW10);
        Sqe.setCdw(s, 0, 11, message.length);
        h.capsule(s, message, false);
        return h.expect(io.locus.protocol.tcp.PduType.CAPSULE_RESP).cqeStatus();
    }

    static DhchapMessage authReceive(RawHost h, int al) throws Exception {
        ByteBuf s = RawHost.sqe(AdminOpcode.FABRICS, ++h.cid, 0);
        s.setByte(Sqe.FCTYPE_OFFSET, FabricsCommand.AUTHENTICATION_RECEIVE);
        Sqe.setCdw(s, 0, 10, Dhchap.CDW10);
        Sqe.setCdw(s, 0, 11, al);
        Object[] r = h.readCommand(s, al);
        if (r[1] != null) {
            assertEquals(Status.SUCCESS, ((RawHost.Pdu) r[1]).cqeStatus());
        }
        return DhchapMessage.decode((byte[]) r[0]);
    }
}
