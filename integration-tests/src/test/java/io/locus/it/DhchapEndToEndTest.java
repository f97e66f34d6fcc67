package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.initiator.auth.DhchapOptions;
import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapSecret;
import io.locus.target.Target;
import io.locus.target.auth.DhchapHostConfig;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.locus.it.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DH-HMAC-CHAP between the Locus host and the Locus target, in every mode, on the admin and the I/O queues. */
class DhchapEndToEndTest {
    static final String NQN = "nqn.2026-11.io.locus:auth";
    static final String OPEN_NQN = "nqn.2026-11.io.locus:open";
    static final HostIdentity ONE_WAY = host(1);
    static final HostIdentity BOTH_WAYS = host(2);
    static final HostIdentity KEYLESS = host(3);
    static final DhchapSecret ONE_WAY_KEY = DhchapSecret.generate(1, 32);
    static final DhchapSecret BOTH_WAYS_KEY = DhchapSecret.generate(3, 64);
    static final DhchapSecret CTRL_KEY = DhchapSecret.generate(2, 48);
    static Target target;
    static int port;

    static HostIdentity host(int n) {
        UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) n, 42});
        return new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + id, id);
    }

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.NamespaceConfig ns = new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null);
        TargetConfig.SubsystemConfig guarded = new TargetConfig.SubsystemConfig(NQN, "LOCUSAUTH", "Locus auth", false,
                List.of(ONE_WAY.hostNqn(), BOTH_WAYS.hostNqn(), KEYLESS.hostNqn()), 32, List.of(ns),
                Map.of(ONE_WAY.hostNqn(), new DhchapHostConfig(ONE_WAY_KEY, null),
                        BOTH_WAYS.hostNqn(), new DhchapHostConfig(BOTH_WAYS_KEY, CTRL_KEY)));
        TargetConfig.SubsystemConfig open = new TargetConfig.SubsystemConfig(OPEN_NQN, "LOCUSOPEN", "Locus open", true,
                List.of(), 32, List.of(ns));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(guarded, open), TargetConfig.Limits.defaults()));
        for (Port p : target.ports()) {
            port = p.address().getPort();
        }
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    static TransportId tid(String nqn) {
        return new TransportId("tcp", "127.0.0.1", port, nqn);
    }

    static ControllerOptions options(DhchapOptions dhchap) {
        return ControllerOptions.defaults().ioQueues(2).connectTimeoutMs(5000).ctrlLossTimeoutMs(0).dhchap(dhchap);
    }

    /** Connects, moves a block through an I/O queue and back, and re-authenticates every queue. */
    static void useAndReauthenticate(HostIdentity host, DhchapOptions dhchap, String what) {
        try (Controller c = Controller.connect(tid(NQN), host, options(dhchap))) {
            roundTrip(c, what);
            c.reauthenticate();
            roundTrip(c, what + " after re-authentication");
        }
    }

    static void roundTrip(Controller c, String what) {
        Namespace ns = c.namespace(1);
        byte[] data = new byte[4096];
        new Random(what.hashCode()).nextBytes(data);
        ns.writeBlocking(7, 1, Unpooled.wrappedBuffer(data), false);
        ByteBuf back = Unpooled.buffer(4096);
        ns.readBlocking(7, 1, back);
        byte[] got = new byte[4096];
        back.getBytes(0, got);
        assertArrayEquals(data, got, what);
    }

    @Test
    void hostOnlyWithEveryHashAndDhGroupNullFfdhe2048AndFfdhe4096() {
        for (DhchapHash h : DhchapHash.values()) {
            for (DhGroup g : List.of(DhGroup.NULL, DhGroup.FFDHE2048)) {
                DhchapOptions o = new DhchapOptions(ONE_WAY_KEY, null, List.of(h), List.of(g));
                useAndReauthenticate(ONE_WAY, o, "host-only " + h + " " + g);
            }
        }
        useAndReauthenticate(ONE_WAY, new DhchapOptions(ONE_WAY_KEY, null, List.of(DhchapHash.SHA384), List.of(DhGroup.FFDHE4096)),
                "host-only ffdhe4096");
        // The host's defaults: every hash and group offered; the target picks its preference.
        useAndReauthenticate(ONE_WAY, DhchapOptions.of(ONE_WAY_KEY.encode(), null), "host-only defaults");
    }

    @Test
    void bidirectionalWithEveryHashAndDhGroupNullFfdhe2048AndFfdhe3072() {
        for (DhchapHash h : DhchapHash.values()) {
            for (DhGroup g : List.of(DhGroup.NULL, DhGroup.FFDHE2048)) {
                DhchapOptions o = new DhchapOptions(BOTH_WAYS_KEY, CTRL_KEY, List.of(h), List.of(g));
                useAndReauthenticate(BOTH_WAYS, o, "bidirectional " + h + " " + g);
            }
        }
        useAndReauthenticate(BOTH_WAYS, new DhchapOptions(BOTH_WAYS_KEY, CTRL_KEY, List.of(DhchapHash.SHA512),
                List.of(DhGroup.FFDHE3072)), "bidirectional ffdhe3072");
    }

    @Test
    void aWrongHostSecretIsRefused() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(NQN), ONE_WAY,
                options(new DhchapOptions(DhchapSecret.generate(1, 32), null, null, null))).close());
        assertTrue(e.getMessage().contains("rejected the host's response"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aMissingSecretIsRefused() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(NQN), ONE_WAY,
                options(DhchapOptions.NONE)).close());
        assertTrue(e.getMessage().contains("requires DH-HMAC-CHAP authentication"), e.getMessage());
    }

    @Test
    void aWrongControllerSecretIsDetectedByTheHost() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(NQN), BOTH_WAYS,
                options(new DhchapOptions(BOTH_WAYS_KEY, DhchapSecret.generate(2, 48), null, null))).close());
        assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
        // The controller was torn down after the host's AUTH_Failure2; a right pair still gets in.
        useAndReauthenticate(BOTH_WAYS, new DhchapOptions(BOTH_WAYS_KEY, CTRL_KEY, null, null), "after a failure");
    }

    @Test
    void aControllerWithoutSecretForTheHostCannotProveItself() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(NQN), ONE_WAY,
                options(new DhchapOptions(ONE_WAY_KEY, CTRL_KEY, null, null))).close());
        assertTrue(e.getMessage().contains("DH-HMAC-CHAP"), e.getMessage());
    }

    @Test
    void hostsWithoutSecretsStillGetIntoTargetsAndHostsWithoutKeys() {
        try (Controller c = Controller.connect(tid(NQN), KEYLESS, options(DhchapOptions.NONE))) {
            roundTrip(c, "listed host without a key");
        }
        try (Controller c = Controller.connect(tid(OPEN_NQN), KEYLESS, options(DhchapOptions.NONE))) {
            roundTrip(c, "target without keys");
        }
        // A host secret alone asks for nothing where the target does not.
        try (Controller c = Controller.connect(tid(OPEN_NQN), KEYLESS, options(DhchapOptions.of(ONE_WAY_KEY.encode(), null)))) {
            roundTrip(c, "host secret, target without keys");
        }
    }

    @Test
    void theCliTakesDhchapSecretFlags() {
        String base = "identify -a 127.0.0.1 -s " + port + " -n " + NQN + " -q " + BOTH_WAYS.hostNqn() + " -I " + BOTH_WAYS.hostId();
        String[] ok = cli(base + " --dhchap-secret " + BOTH_WAYS_KEY.encode() + " --dhchap-ctrl-secret " + CTRL_KEY.encode());
        assertEquals("0", ok[0], ok[2]);
        String[] bad = cli(base + " -S " + DhchapSecret.generate(3, 64).encode());
        assertFalse("0".equals(bad[0]));
        assertTrue(bad[2].contains("rejected the host's response"), bad[2]);
        String[] typo = cli(base + " -S DHHC-1:03:AAAA:");
        assertFalse("0".equals(typo[0]));
        assertTrue(typo[2].contains("--dhchap-secret"), typo[2]);
        assertFalse(typo[2].contains("AAAA"), typo[2]);
    }
}
