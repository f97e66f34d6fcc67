package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.Discovery;
import io.locus.initiator.DiscoveryEntry;
import io.locus.initiator.DiscoveryLogPage;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.initiator.cli.LocusCli;
import io.locus.initiator.tcp.TcpQueue;
import io.locus.initiator.tls.TlsOptions;
import io.locus.protocol.tls.TlsPsk;
import io.locus.target.Target;
import io.locus.target.config.ConfigLoader;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.locus.it.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NVMe/TCP over TLS 1.3 (PSK) between the Locus host and the Locus target: both suites, with and without digests,
 * wrong and missing keys, clear text against a TLS port and TLS against a clear-text port, discovery entries, CLI.
 */
class TlsEndToEndTest {
    static final String NQN = "nqn.2026-11.io.locus:tls";
    static final HostIdentity SHA256_HOST = host(1);
    static final HostIdentity SHA384_HOST = host(2);
    static final HostIdentity KEYLESS = host(3);
    static final String KEY01 = TlsPsk.of(1, bytes(32, 1)).interchange();
    static final String KEY02 = TlsPsk.of(2, bytes(48, 2)).interchange();
    static Target target;
    static int tlsPort;
    static int clearPort;
    static int discoveryPort;
    static final List<String> rejected = new ArrayList<>();
    /** Held, so the logger (and its handler) is the one RejectLog logs to: loggers are weakly referenced. */
    static final Logger REJECT_LOG = Logger.getLogger("io.locus.target.reject");
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (rejected) {
                rejected.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    static HostIdentity host(int n) {
        UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) n, 7});
        return new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + id, id);
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @BeforeAll
    static void start() throws Exception {
        REJECT_LOG.addHandler(CAPTURE);
        String json = """
                {"ports": [{"address": "127.0.0.1", "port": 0, "tls": "required"}, {"address": "127.0.0.1", "port": 0}],
                 "discovery": {"address": "127.0.0.1", "port": 0},
                 "subsystems": [{"nqn": "%s", "hosts": [
                     {"nqn": "%s", "tls_key": "%s"},
                     {"nqn": "%s", "tls_key": "%s"},
                     "%s"],
                   "namespaces": [{"backend": "memory", "size": "16M"}]}]}
                """.formatted(NQN, SHA256_HOST.hostNqn(), KEY01, SHA384_HOST.hostNqn(), KEY02, KEYLESS.hostNqn());
        target = Target.start(ConfigLoader.parse("tls.json", json));
        for (Port p : target.ports()) {
            if (p.discovery()) {
                discoveryPort = p.address().getPort();
            } else if (p.tlsRequired()) {
                tlsPort = p.address().getPort();
            } else {
                clearPort = p.address().getPort();
            }
        }
    }

    /** The CLI tests reset java.util.logging (LocusCli quiets it): capture again before each test. */
    @org.junit.jupiter.api.BeforeEach
    void capture() {
        REJECT_LOG.removeHandler(CAPTURE);
        REJECT_LOG.addHandler(CAPTURE);
        REJECT_LOG.setLevel(java.util.logging.Level.ALL);
    }

    @AfterAll
    static void stop() {
        REJECT_LOG.removeHandler(CAPTURE);
        target.close();
    }

    static TransportId tid(int port) {
        return new TransportId("tcp", "127.0.0.1", port, NQN);
    }

    static ControllerOptions options(String key) {
        return ControllerOptions.defaults().ioQueues(2).connectTimeoutMs(5000).ctrlLossTimeoutMs(0)
                .tls(key == null ? TlsOptions.NONE : TlsOptions.psk(TlsPsk.parse(key)));
    }

    static void roundTrip(Controller c, int blocks, String what) {
        Namespace ns = c.namespace(1);
        byte[] data = bytes(blocks * 4096, what.hashCode());
        ns.writeBlocking(11, blocks, Unpooled.wrappedBuffer(data), false);
        ByteBuf back = Unpooled.directBuffer(data.length);
        ns.readBlocking(11, blocks, back);
        byte[] got = new byte[data.length];
        back.getBytes(0, got);
        back.release();
        assertArrayEquals(data, got, what);
    }

    @Test
    void shouldMoveDataWithBothSuitesWithAndWithoutDigests() {
        for (boolean digests : new boolean[] {false, true}) {
            for (Object[] hk : new Object[][] {{SHA256_HOST, KEY01}, {SHA384_HOST, KEY02}}) {
                String what = (hk[1] == KEY01 ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384") + (digests ? " with digests" : "");
                try (Controller c = Controller.connect(tid(tlsPort), (HostIdentity) hk[0],
                        options((String) hk[1]).headerDigest(digests).dataDigest(digests))) {
                    roundTrip(c, 1, what + " 4 KiB");
                    roundTrip(c, 32, what + " 128 KiB");
                    roundTrip(c, 64, what + " 256 KiB");
                    for (int q = 0; q < c.ioQueueCount(); q++) {
                        // The socket carries TLS records: no read may land in a command's buffer, nor in the
                        // receiver's own (the record layer keeps what it has not yet decrypted).
                        TcpQueue queue = (TcpQueue) c.ioQueue(q).connection();
                        assertEquals(0, queue.placedReads(), what);
                        assertEquals(0, queue.ownBufferReads(), what);
                    }
                }
            }
        }
    }

    @Test
    void shouldRefuseAWrongKeyWithOneClearLine() {
        String wrong = TlsPsk.of(1, bytes(32, 99)).interchange();
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(tlsPort), SHA256_HOST, options(wrong)).close());
        assertTrue(e.getMessage().contains("refused the TLS PSK"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong.substring(16, 30)), "names the key: " + e.getMessage());
        assertTrue(logged("TLS handshake failed for identity 'NVMe0R01 " + SHA256_HOST.hostNqn() + " " + NQN + "'"), rejected.toString());
        // A host without a key on the target, and a key of the other hash.
        NvmeException none = assertThrows(NvmeException.class, () -> Controller.connect(tid(tlsPort), KEYLESS, options(KEY01)).close());
        assertTrue(none.getMessage().contains("has no TLS PSK"), none.getMessage());
        assertThrows(NvmeException.class, () -> Controller.connect(tid(tlsPort), SHA256_HOST, options(KEY02)).close());
    }

    @Test
    void shouldRefuseClearTextOnATlsPort() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(tlsPort), SHA256_HOST, options(null)).close());
        assertFalse(e.getMessage().isEmpty());
        assertTrue(logged("clear text on a port that requires TLS (first byte 0x00"), e.getMessage() + " / " + rejected);
        // The clear-text port still serves a host without TLS.
        try (Controller c = Controller.connect(tid(clearPort), KEYLESS, options(null))) {
            roundTrip(c, 1, "clear text");
        }
    }

    @Test
    void shouldFailClearlyWhenATlsHostMeetsAClearTextPort() {
        NvmeException e = assertThrows(NvmeException.class, () -> Controller.connect(tid(clearPort), SHA256_HOST, options(KEY01)).close());
        assertTrue(e.getMessage().contains("the target answered in clear text") || e.getMessage().contains("does the port use TLS?"),
                e.getMessage());
    }

    @Test
    void shouldSayInTheDiscoveryLogWhichPortRequiresTls() {
        DiscoveryLogPage log = Discovery.discover("127.0.0.1", discoveryPort, SHA256_HOST, ControllerOptions.defaults().connectTimeoutMs(5000));
        int seen = 0;
        for (DiscoveryEntry e : log.entries()) {
            int p = Integer.parseInt(e.trsvcid());
            if (p == tlsPort) {
                assertEquals("required, sq flow control disable supported", e.treqName());
                assertEquals("tls1.3", e.sectypeName());
                seen++;
            } else if (p == clearPort) {
                assertEquals("not required, sq flow control disable supported", e.treqName());
                assertEquals("none", e.sectypeName());
                seen++;
            }
        }
        assertEquals(2, seen, log.entries().toString());
    }

    @Test
    void shouldTakeTlsAndTlsKeyOnTheCommandLine() {
        String base = "identify -t tcp -a 127.0.0.1 -s " + tlsPort + " -n " + NQN + " -q " + SHA384_HOST.hostNqn()
                + " -I " + SHA384_HOST.hostId() + " --connect-timeout 5 -l 0";
        String[] ok = cli(base + " --tls --tls-key " + KEY02);
        assertEquals("0", ok[0], ok[2]);
        String[] wrong = cli(base + " --tls --tls-key " + TlsPsk.of(2, bytes(48, 5)).interchange());
        assertNotEquals("0", wrong[0]);
        assertTrue(wrong[2].contains("refused the TLS PSK"), wrong[2]);
        assertEquals(1, wrong[2].strip().lines().count(), wrong[2]);
        String[] noKey = cli(base + " --tls");
        assertNotEquals("0", noKey[0]);
        assertTrue(noKey[2].contains("--tls needs --tls-key"), noKey[2]);
        String badCrc = KEY02.substring(0, KEY02.length() - 4) + (KEY02.charAt(KEY02.length() - 4) == 'A' ? "B" : "A") + KEY02.substring(KEY02.length() - 3);
        String[] bad = cli(base + " --tls-key " + badCrc);
        assertNotEquals("0", bad[0]);
        assertTrue(bad[2].contains("--tls-key") && !bad[2].contains(badCrc.substring(16, 40)), bad[2]);
    }

    /** Whether the target logged a rejection containing {@code part} (within 2 s: it may close before it logs). */
    static boolean logged(String part) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        do {
            synchronized (rejected) {
                if (rejected.stream().anyMatch(l -> l.contains(part))) {
                    return true;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        } while (System.nanoTime() < deadline);
        return false;
    }
}
