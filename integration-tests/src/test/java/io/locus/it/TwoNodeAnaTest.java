package io.locus.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.locus.initiator.AnaState;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.TransportId;
import io.locus.target.Target;
import io.locus.target.model.Port;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static io.locus.it.CliRun.cli;
import static io.locus.it.CliRun.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two Locus target nodes (two {@link Target}s) serving one file namespace on shared storage: same subsystem NQN, NSID
 * and UUID, disjoint controller ID ranges, each reporting its own port's ANA state. The Locus host sees one
 * namespace with two paths, and a verifying workload keeps going, with no error and no mismatch, while the nodes'
 * ANA states are flipped at run time (planned swap, failover to inaccessible, transition, persistent loss).
 */
@Timeout(180)
class TwoNodeAnaTest {
    private static final String NQN = "nqn.2026-11.io.locus:two-node";
    private static final UUID NS_UUID = UUID.fromString("0c5e7d1a-8b3f-4a62-9e4d-2f6a1b7c3d90");
    private static final int BLOCK = 4096;
    private static final int THREADS = 4;
    private static final int LBAS_PER_THREAD = 64;

    private static Target node(Path file, int minCntlid, int maxCntlid, Map<Integer, io.locus.target.model.AnaState> ana)
            throws Exception {
        return TwoNodes.node(NQN, NS_UUID, file, 16L << 20, 0, minCntlid, maxCntlid, ana);
    }

    private static Port port(Target t) {
        return t.ports().get(0);
    }

    private static Controller connect(Target t) {
        return Controller.connect(new TransportId("tcp", "127.0.0.1", port(t).address().getPort(), NQN), EndToEndTest.HOST,
                ControllerOptions.defaults().ioQueues(2));
    }

    private static long served(Target t) {
        return TwoNodes.served(t, NQN);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    /** Waits until {@code node} has served {@code commands} more commands than it had. */
    private static void awaitProgress(String name, Target node, long commands) {
        long from = served(node);
        await(name + " to serve " + commands + " commands", () -> served(node) >= from + commands);
    }

    private static void awaitHostSees(MultipathNamespace ns, AnaState a, AnaState b) {
        await("the host to see " + a + "/" + b, () -> {
            List<MultipathNamespace.PathStatus> s = ns.pathStatus();
            return s.get(0).ana() == a && s.get(1).ana() == b;
        });
    }

    private static void set(Target node, io.locus.target.model.AnaState state) {
        TwoNodes.set(node, state);
    }

    /** Waits until the host shows these states for paths a and b, then until {@code serving} has served 200 more. */
    private static void settle(String step, MultipathNamespace ns, AnaState a, AnaState b, Target serving) {
        awaitHostSees(ns, a, b);
        awaitProgress(step, serving, 200);
    }

    /** Block contents for (lba, generation): both in the first 16 bytes, the rest derived from them. */
    private static void fill(ByteBuf b, long lba, long generation) {
        b.clear();
        b.writeLong(lba).writeLong(generation);
        byte v = (byte) (lba * 31 + generation * 7);
        while (b.isWritable()) {
            b.writeByte(v++);
        }
    }

    /**
     * One writer-reader per LBA range: writes a new generation of a block, then reads a random block of its range
     * back and checks it holds the last acknowledged generation.
     */
    private static final class Verifier implements Runnable {
        final int first;
        final MultipathNamespace ns;
        final AtomicBoolean stop;
        final AtomicLong errors;
        final AtomicLong mismatches;
        final AtomicLong ios;
        final long[] acked = new long[LBAS_PER_THREAD];

        Verifier(int thread, MultipathNamespace ns, AtomicBoolean stop, AtomicLong errors, AtomicLong mismatches, AtomicLong ios) {
            this.first = thread * LBAS_PER_THREAD;
            this.ns = ns;
            this.stop = stop;
            this.errors = errors;
            this.mismatches = mismatches;
            this.ios = ios;
        }

        @Override
        public void run() {
            Random random = new Random(first);
            ByteBuf out = Unpooled.directBuffer(BLOCK);
            ByteBuf in = Unpooled.directBuffer(BLOCK);
            ByteBuf expected = Unpooled.buffer(BLOCK);
            long generation = 0;
            while (!stop.get()) {
                int i = random.nextInt(LBAS_PER_THREAD);
                try {
                    fill(out, first + i, ++generation);
                    ns.writeBlocking(first + i, 1, out, random.nextBoolean());
                    acked[i] = generation;
                    int j = random.nextInt(LBAS_PER_THREAD);
                    in.clear();
                    ns.readBlocking(first + j, 1, in);
                    ios.addAndGet(2);
                    if (acked[j] != 0) {
                        fill(expected, first + j, acked[j]);
                        in.writerIndex(BLOCK);
                        if (!io.netty.buffer.ByteBufUtil.equals(in, 0, expected, 0, BLOCK)) {
                            mismatches.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    errors.incrementAndGet();
                }
            }
            out.release();
            in.release();
        }
    }

    @Test
    void shouldKeepVerifiedIoGoingThroughBothNodesWhileTheirAnaStatesFlip(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shared.img");
        try (Target a = node(file, 1, 99, Map.of());
             Target b = node(file, 100, 199, Map.of(1, io.locus.target.model.AnaState.NON_OPTIMIZED));
             Controller ca = connect(a); Controller cb = connect(b)) {
            assertTrue(ca.cntlid() >= 1 && ca.cntlid() <= 99, "node a's range: " + ca.cntlid());
            assertTrue(cb.cntlid() >= 100 && cb.cntlid() <= 199, "node b's range: " + cb.cntlid());
            MultipathNamespace ns = MultipathNamespace.of(ca.namespace(1)).addPath(cb.namespace(1));
            assertEquals(NS_UUID.toString().replace("-", ""), ns.identity().uuid());
            awaitHostSees(ns, AnaState.OPTIMIZED, AnaState.NON_OPTIMIZED);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong errors = new AtomicLong();
            AtomicLong mismatches = new AtomicLong();
            AtomicLong ios = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(Thread.ofPlatform().name("verify-" + t).start(new Verifier(t, ns, stop, errors, mismatches, ios)));
            }
            try {
                awaitProgress("node a (optimized)", a, 200);

                // Planned swap: b becomes optimized first, then a non-optimized.
                set(b, io.locus.target.model.AnaState.OPTIMIZED);
                set(a, io.locus.target.model.AnaState.NON_OPTIMIZED);
                settle("node b (optimized after the swap)", ns, AnaState.NON_OPTIMIZED, AnaState.OPTIMIZED, b);

                // Failover: b inaccessible at once, with commands in flight on it; a optimized just after.
                set(b, io.locus.target.model.AnaState.INACCESSIBLE);
                set(a, io.locus.target.model.AnaState.OPTIMIZED);
                settle("node a (optimized, b inaccessible)", ns, AnaState.OPTIMIZED, AnaState.INACCESSIBLE, a);

                // Transition: a in change while b is still inaccessible (no usable path for a moment: a command
                // meeting it is held), then b optimized and a inaccessible.
                set(a, io.locus.target.model.AnaState.CHANGE);
                set(b, io.locus.target.model.AnaState.OPTIMIZED);
                set(a, io.locus.target.model.AnaState.INACCESSIBLE);
                settle("node b (after a's transition)", ns, AnaState.INACCESSIBLE, AnaState.OPTIMIZED, b);

                // Persistent loss of b; a optimized again.
                set(a, io.locus.target.model.AnaState.OPTIMIZED);
                set(b, io.locus.target.model.AnaState.PERSISTENT_LOSS);
                settle("node a (b lost)", ns, AnaState.OPTIMIZED, AnaState.PERSISTENT_LOSS, a);
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            System.out.printf("two-node ANA flips: %d I/Os (a served %d, b %d), %d failovers, %d holds, errors %d, mismatches %d%n",
                    ios.get(), served(a), served(b), ns.failovers(), ns.holds(), errors.get(), mismatches.get());
            assertEquals(0, errors.get(), "I/O errors the application saw");
            assertEquals(0, mismatches.get(), "reads that did not return the last acknowledged write");
            assertTrue(ios.get() >= 500, "I/Os done (the steps waited for 5 x 200 served): " + ios.get());

            String pathA = "127.0.0.1:" + port(a).address().getPort();
            String pathB = "127.0.0.1:" + port(b).address().getPort();
            JsonNode list = json(cli("list-subsys -n " + NQN + " --path " + pathA + " --path " + pathB + " --json"));
            JsonNode paths = list.get("subsystems").get(0).get("paths");
            assertEquals(2, paths.size(), list.toString());
            assertEquals("optimized", paths.get(0).get("ana_state").asText(), list.toString());
            assertEquals("persistent-loss", paths.get(1).get("ana_state").asText(), list.toString());
        }
    }
}
