package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerEvent;
import io.locus.initiator.ControllerListener;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.Discovery;
import io.locus.initiator.DiscoveryEntry;
import io.locus.initiator.DiscoveryLogPage;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.Namespace;
import io.locus.initiator.TransportId;
import io.locus.initiator.perf.Perf;
import io.locus.initiator.perf.PerfConfig;
import io.locus.initiator.perf.PerfResult;
import io.locus.initiator.perf.Workload;
import io.locus.target.Target;
import io.locus.target.backend.MemoryBackend;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Locus initiator against a real Locus target on loopback: every path a user drives. */
class EndToEndTest {
    static final String NQN = "nqn.2026-11.io.locus:e2e";
    static final HostIdentity HOST = new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + UUID.nameUUIDFromBytes(new byte[] {1}),
            UUID.nameUUIDFromBytes(new byte[] {1}));
    static Target target;
    static int ioPort;
    static int discoveryPort;

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSE2E", "Locus e2e", true, List.of(), 32,
                List.of(new TargetConfig.NamespaceConfig(1, "memory", 256L << 20, null, 4096, null),
                        new TargetConfig.NamespaceConfig(2, "memory", 64L << 20, null, 512, null)));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), new TargetConfig.Listen("127.0.0.1", 0), List.of(s),
                TargetConfig.Limits.defaults()));
        for (Port p : target.ports()) {
            if (p.discovery()) {
                discoveryPort = p.address().getPort();
            } else {
                ioPort = p.address().getPort();
            }
        }
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    static TransportId tid() {
        return new TransportId("tcp", "127.0.0.1", ioPort, NQN);
    }

    static byte[] random(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void shouldDiscoverTheSubsystemThroughTheDiscoveryPort() {
        DiscoveryLogPage log = Discovery.discover("127.0.0.1", discoveryPort, HOST, ControllerOptions.defaults());
        DiscoveryEntry entry = log.subsystems().stream().filter(e -> e.subnqn().equals(NQN)).findFirst().orElseThrow();
        assertEquals(String.valueOf(ioPort), entry.trsvcid());
        assertEquals("127.0.0.1", entry.traddr());
        assertEquals("not specified, sq flow control disable supported", entry.treqName(), "TREQ 0x4, as Linux nvmet");
    }

    @Test
    void shouldRoundTripDataInCapsuleThroughR2tAndAcrossMdtsWithAndWithoutDigests() {
        for (boolean digests : new boolean[] {false, true}) {
            ControllerOptions options = ControllerOptions.defaults().ioQueues(2).headerDigest(digests).dataDigest(digests);
            try (Controller c = Controller.connect(tid(), HOST, options)) {
                assertEquals(List.of(1, 2), c.activeNamespaces());
                Namespace ns = c.namespace(1);
                assertEquals((256L << 20) / 4096, ns.blocks());
                for (int size : new int[] {4096, 8192, 65536, 1 << 20}) {
                    byte[] data = random(size, size + (digests ? 1 : 0));
                    long lba = size / 4096 * 3L;
                    ns.writeBlocking(lba, size / 4096, Unpooled.wrappedBuffer(data), size == 65536);
                    ByteBuf back = Unpooled.buffer(size);
                    ns.readBlocking(lba, size / 4096, back);
                    byte[] got = new byte[size];
                    back.getBytes(0, got);
                    assertArrayEquals(data, got, "size " + size + " digests " + digests);
                }
                Namespace small = c.namespace(2);
                assertEquals(512, small.lbaSize());
                byte[] d = random(512 * 3, 9);
                small.writeBlocking(7, 3, Unpooled.wrappedBuffer(d), false);
                ByteBuf back = Unpooled.buffer(d.length);
                small.readBlocking(7, 3, back);
                byte[] got = new byte[d.length];
                back.getBytes(0, got);
                assertArrayEquals(d, got);
            }
        }
    }

    @Test
    void shouldZeroAndDeallocateAndFlush() {
        try (Controller c = Controller.connect(tid(), HOST, ControllerOptions.defaults())) {
            Namespace ns = c.namespace(1);
            ns.writeBlocking(1000, 4, Unpooled.wrappedBuffer(random(16384, 3)), false);
            ns.writeZeroesBlocking(1000, 2, false);
            ns.deallocateBlocking(1002, 2);
            ns.flushBlocking();
            ByteBuf back = Unpooled.buffer(16384);
            ns.readBlocking(1000, 4, back);
            for (int i = 0; i < 16384; i++) {
                assertEquals(0, back.getByte(i), "byte " + i);
            }
        }
    }

    @Test
    void shouldEnableProvenanceWithTheLocusTarget() {
        try (Controller c = Controller.connect(tid(), HOST, ControllerOptions.defaults().provenance(true))) {
            assertTrue(c.provenanceEnabled(), "the Locus target advertises LCPX v1");
            c.namespace(1).writeBlocking(5, 1, Unpooled.wrappedBuffer(random(4096, 5)), false);
        }
    }

    @Test
    void shouldSurfaceNamespaceChangeEvents() throws Exception {
        CompletableFuture<ControllerEvent> event = new CompletableFuture<>();
        ControllerListener listener = new ControllerListener() {
            @Override
            public void onEvent(Controller controller, ControllerEvent e) {
                event.complete(e);
            }
        };
        try (Controller c = Controller.connect(tid(), HOST, ControllerOptions.defaults().listener(listener))) {
            target.addNamespace(NQN, new io.locus.target.model.Namespace(NQN, 9, new MemoryBackend(8L << 20), 4096, null, "memory"));
            try {
                ControllerEvent e = event.get(5, TimeUnit.SECONDS);
                assertEquals(ControllerEvent.Kind.NAMESPACE_CHANGED, e.kind());
                assertTrue(e.changedNsids().contains(9));
                assertTrue(c.activeNamespaces().contains(9));
            } finally {
                target.removeNamespace(NQN, 9);
            }
        }
    }

    @Test
    void shouldRunPerfWithVerifyCleanly() {
        PerfConfig config = PerfConfig.of(Workload.RANDRW, 16, 4096, 1.5).withVerify(true).withWorkingSet(16L << 20);
        PerfResult r = Perf.run(tid(), HOST, ControllerOptions.defaults().ioQueues(2), config.withQueues(2), null);
        assertTrue(r.passed(), "errors " + r.errors() + ", verify failures " + r.verifyFailures() + ": " + r.firstError());
        assertTrue(r.ios() > 0, "did I/O: " + r.ios()); // how much is for benchmarks: a loaded CI machine does less
        assertTrue(r.latencyUs().p50() > 0);
    }
}
