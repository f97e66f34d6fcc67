package io.locus.it;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.ControllerState;
import io.locus.initiator.HostStatus;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.NamespaceIdentity;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.locus.it.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One namespace through two controllers of one Locus target: the path-neutral namespace and its failover. */
@Timeout(120)
class MultipathTest {
    private static final String NQN = "nqn.2026-11.io.locus:multipath";
    private static final int BLOCK = 4096;
    private static Target target;
    private static int ioPort;

    @BeforeAll
    static void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSMP", "Locus multipath", true,
                List.of(), 32, List.of(new TargetConfig.NamespaceConfig(1, "memory", 64L << 20, null, BLOCK, null),
                        new TargetConfig.NamespaceConfig(2, "memory", 16L << 20, null, BLOCK, null)));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), new TargetConfig.Listen("127.0.0.1", 0), List.of(s),
                TargetConfig.Limits.defaults()));
        for (Port p : target.ports()) {
            if (!p.discovery()) {
                ioPort = p.address().getPort();
            }
        }
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static Controller connect() {
        return Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, NQN), EndToEndTest.HOST,
                ControllerOptions.defaults().ioQueues(2));
    }

    @Test
    void shouldMatchOneNamespaceThroughTwoControllersAndRefuseAnother() {
        try (Controller a = connect(); Controller b = connect()) {
            assertNotEquals(a.cntlid(), b.cntlid());
            MultipathNamespace ns = MultipathNamespace.of(a.namespace(1)).addPath(b.namespace(1));
            assertEquals(List.of(a, b), ns.paths());
            NamespaceIdentity id = ns.identity();
            assertEquals(NQN, id.subsystemNqn());
            assertTrue(id.hasUniqueId());
            NvmeException e = assertThrows(NvmeException.class, () -> ns.addPath(b.namespace(2)));
            assertTrue(e.getMessage().contains("is not"), e.getMessage());
            assertThrows(NvmeException.class, () -> ns.addPath(a.namespace(1)), "a controller is one path");
        }
    }

    @Test
    void shouldKeepReadingThroughTheOtherPathWhenOneControllerClosesMidIo() throws Exception {
        int reads = 256;
        byte[] pattern = EndToEndTest.random(reads * BLOCK, 7);
        try (Controller a = connect(); Controller b = connect()) {
            MultipathNamespace ns = MultipathNamespace.of(a.namespace(1)).addPath(b.namespace(1));
            ns.writeBlocking(0, reads, Unpooled.wrappedBuffer(pattern), false);

            ByteBuf into = Unpooled.directBuffer(reads * BLOCK);
            CompletableFuture<?>[] done = new CompletableFuture<?>[reads];
            for (int i = 0; i < reads; i++) {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                done[i] = f;
                // No flow: every read starts on the first live path, controller a.
                ns.read(i, 1, into, i * BLOCK, null, (ctx, status, dw0, dw1) -> f.complete(status), null);
                if (i == reads / 4) {
                    a.close(); // from this thread, with reads in flight on a's queues and more to come
                }
            }
            for (CompletableFuture<?> f : done) {
                assertEquals(0, f.get(30, TimeUnit.SECONDS), "every read succeeds, through b when a is gone");
            }
            byte[] got = new byte[reads * BLOCK];
            into.getBytes(0, got);
            assertArrayEquals(pattern, got);
            assertEquals(ControllerState.CLOSED, a.state());

            ByteBuf again = Unpooled.buffer(BLOCK);
            ns.readBlocking(3, 1, again);
            byte[] block = new byte[BLOCK];
            again.getBytes(0, block);
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern, 3 * BLOCK, 4 * BLOCK), block);
            into.release();

            b.close();
            NvmeException none = assertThrows(NvmeException.class, () -> ns.readBlocking(0, 1, Unpooled.buffer(BLOCK)));
            assertEquals(HostStatus.HOST_PATH_ERROR & 0x7FF, none.status() & 0x7FF, "no live path left");
        }
    }

    @Test
    void shouldSendEveryCommandDownTheOtherPathWhenOnePathsConnectionsAreLost() throws Exception {
        byte[] pattern = EndToEndTest.random(8 * BLOCK, 11);
        try (Controller a = connect(); Controller b = connect()) {
            MultipathNamespace ns = MultipathNamespace.of(a.namespace(1)).addPath(b.namespace(1));
            ns.writeBlocking(100, 8, Unpooled.wrappedBuffer(pattern), false);
            // a's I/O connections drop without its controller noticing yet: a still looks live, so commands go
            // there first, fail fast with a path error, and must each go down b instead.
            for (int q = 0; q < a.ioQueueCount(); q++) {
                a.ioQueue(q).disconnect("drill").get(5, TimeUnit.SECONDS);
            }
            assertEquals(ControllerState.LIVE, a.state());
            ByteBuf into = Unpooled.buffer(8 * BLOCK);
            ns.readBlocking(100, 8, into);
            byte[] got = new byte[8 * BLOCK];
            into.getBytes(0, got);
            assertArrayEquals(pattern, got);
            assertEquals(1, ns.failovers(), "the read failed over once, from a to b");
        }
    }

    @Test
    void shouldListBothPathsAndRunPerfVerifyOverThemRoundRobin() throws Exception {
        String path = "127.0.0.1:" + ioPort;
        String[] list = cli("list-subsys -n " + NQN + " --path " + path + " --path " + path + " --json");
        assertEquals("0", list[0], list[2]);
        com.fasterxml.jackson.databind.JsonNode sub = new com.fasterxml.jackson.databind.ObjectMapper().readTree(list[1])
                .get("subsystems").get(0);
        assertEquals(NQN, sub.get("nqn").asText());
        assertEquals("numa", sub.get("iopolicy").asText());
        assertEquals(2, sub.get("paths").size(), list[1]);
        assertNotEquals(sub.get("paths").get(0).get("cntlid").asInt(), sub.get("paths").get(1).get("cntlid").asInt());
        assertEquals("optimized", sub.get("paths").get(0).get("ana_state").asText(),
                "a target without ANA: every path counts as optimized");

        String[] perf = cli("perf -n " + NQN + " --path " + path + " --path " + path + " --iopolicy round-robin"
                + " --queues 2 --queue-depth 8 --workload randrw --time 1 --warmup 0 --size 4M --verify --json");
        assertEquals("0", perf[0], perf[2]);
        com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(perf[1]);
        assertEquals(0, r.get("errors").asLong(), perf[1]);
        assertEquals(0, r.get("verify_failures").asLong(), perf[1]);
        assertEquals("round-robin", r.get("multipath").get("iopolicy").asText());
        for (com.fasterxml.jackson.databind.JsonNode p : r.get("multipath").get("paths")) {
            assertTrue(p.get("commands").asLong() > 0, "round-robin uses both paths: " + perf[1]);
        }
    }
}
