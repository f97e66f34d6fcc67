package io.locus.drill;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.IoPolicy;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.TransportId;
import io.locus.initiator.perf.VerifyBlock;
import io.locus.protocol.tcp.Crc32cDigest;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The workload against a real target through two paths: it finds nothing wrong, then finds what was done to it. */
@Timeout(120)
class VerifyingWorkloadTest {
    private static final String NQN = "nqn.2026-11.io.locus:drill-workload";
    private static Target target;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSDRILL", "Locus drill", true,
                List.of(), 32, List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096,
                UUID.fromString("6a1e0f5b-0000-4000-8000-0000000000aa"))));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(s), TargetConfig.Limits.defaults()));
        for (Port p : target.ports()) {
            if (!p.discovery()) {
                port = p.address().getPort();
            }
        }
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    @Test
    void shouldVerifyEveryBlockAndMeasureAStaleOrCorruptOne() {
        HostIdentity host = HostIdentity.generate();
        TransportId id = new TransportId("tcp", "127.0.0.1", port, NQN);
        try (Controller a = Controller.connect(id, host, ControllerOptions.defaults().ioQueues(1));
             Controller b = Controller.connect(id, host, ControllerOptions.defaults().ioQueues(1))) {
            MultipathNamespace ns = MultipathNamespace.of(a.namespace(1), IoPolicy.ROUND_ROBIN).addPath(b.namespace(1));
            VerifyingWorkload w = new VerifyingWorkload(ns, 100, 512, 8);
            w.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (w.completions() < 3000 || w.tracker().flushAcks() < 3 || w.tracker().fuaAcks() < 100) {
                assertTrue(System.nanoTime() < deadline, "workload too slow: " + w.completions() + " completions");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertTrue(w.stop(30_000), "every command finished");
            long checked = w.verifyAll();
            long written = java.util.stream.IntStream.range(0, 512).filter(w.tracker()::written).count();
            assertTrue(written > 400, written + " blocks written");
            assertEquals(written, checked, "every block written is read back");
            assertEquals(List.of(), w.errors());
            assertEquals(0, w.failedIos());
            assertEquals(0, w.verifyFailures());
            assertEquals(0, w.acknowledgedLost());
            assertTrue(w.pauses().longestNanos() > 0);

            // Behind the workload's back: an acknowledged block back to generation 0, another written one zeroed.
            int stale = -1;
            int zeroed = -1;
            for (int blk = 0; blk < 512 && (stale < 0 || zeroed < 0); blk++) {
                if (stale < 0 && w.tracker().ackedGeneration(blk) > 0) {
                    stale = blk;
                } else if (zeroed < 0 && w.tracker().written(blk)) {
                    zeroed = blk;
                }
            }
            assertTrue(stale >= 0 && zeroed >= 0, "an acknowledged block and another written one");
            ByteBuf buf = Unpooled.directBuffer(4096);
            try {
                VerifyBlock.fill(buf, 0, 4096, 1, 100 + stale, 0, new Crc32cDigest());
                buf.writerIndex(4096);
                ns.writeBlocking(100 + stale, 1, buf, true);
                buf.clear().writeZero(4096);
                ns.writeBlocking(100 + zeroed, 1, buf, true);
            } finally {
                buf.release();
            }
            int staleBlock = stale;
            int zeroedBlock = zeroed;
            w.verifyAll();
            assertEquals(1, w.acknowledgedLost(), w.errors().toString());
            assertEquals(1, w.verifyFailures(), w.errors().toString());
            assertTrue(w.errors().stream().anyMatch(e -> e.startsWith("LBA " + (100 + staleBlock) + ": generation 0 but ")), w.errors().toString());
            assertTrue(w.errors().stream().anyMatch(e -> e.startsWith("LBA " + (100 + zeroedBlock) + ": not a verify block")), w.errors().toString());
            ns.close();
        }
    }
}
