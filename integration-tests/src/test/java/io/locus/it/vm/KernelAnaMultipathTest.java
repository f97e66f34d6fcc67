package io.locus.it.vm;

import io.locus.initiator.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.initiator.AnaState;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.TransportId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.locus.it.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Locus host's ANA multipath against the Linux kernel target: one nvmet subsystem on TWO nvmet ports (two
 * forwarded ports), the namespace in ANA group 1, whose state each port reports on its own (configfs
 * {@code ports/N/ana_groups/1/ana_state}). The host must pick the optimized port, follow ANA-change AENs, keep a
 * verifying perf run error-free while the states flip, and fail over when the optimized port's subsystem link goes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelAnaMultipathTest {
    static final String NQN = "nqn.2026-11.io.locus:nvmet-ana";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final String NVMET = "/sys/kernel/config/nvmet";

    KernelVm vm;
    int port1;
    int port2;

    @BeforeAll
    void bootGuestWithTwoPorts(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel ANA tests skipped: " + reason);
        port1 = TargetProcess.freePort();
        port2 = TargetProcess.freePort();
        vm = KernelVm.boot(dir.resolve("vm"), List.of(port1 + ":4420", port2 + ":4421"), Duration.ofMinutes(5));
        vm.ok("""
                modprobe nvmet-tcp
                truncate -s 64M /dev/shm/nvmet.img
                cd %2$s
                mkdir subsystems/%1$s
                echo 1 > subsystems/%1$s/attr_allow_any_host
                mkdir subsystems/%1$s/namespaces/1
                echo /dev/shm/nvmet.img > subsystems/%1$s/namespaces/1/device_path
                echo 1 > subsystems/%1$s/namespaces/1/buffered_io
                echo 1 > subsystems/%1$s/namespaces/1/enable
                for p in 1 2; do
                  mkdir ports/$p
                  echo tcp > ports/$p/addr_trtype
                  echo ipv4 > ports/$p/addr_adrfam
                  echo 0.0.0.0 > ports/$p/addr_traddr
                  echo $((4419 + p)) > ports/$p/addr_trsvcid
                  ln -s %2$s/subsystems/%1$s ports/$p/subsystems/%1$s
                done
                echo optimized > ports/1/ana_groups/1/ana_state
                echo non-optimized > ports/2/ana_groups/1/ana_state
                """.formatted(NQN, NVMET), SHORT);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.close();
        }
    }

    private void anaState(int port, String state) throws Exception {
        vm.ok("echo " + state + " > " + NVMET + "/ports/" + port + "/ana_groups/1/ana_state", SHORT);
    }

    @Test
    @Order(1)
    void shouldListBothPortsWithTheirAnaStates() throws Exception {
        String[] r = cli("list-subsys -n " + NQN + " --path 127.0.0.1:" + port1 + " --path 127.0.0.1:" + port2 + " --json");
        assertEquals("0", r[0], r[2]);
        JsonNode sub = new ObjectMapper().readTree(r[1]).get("subsystems").get(0);
        JsonNode paths = sub.get("paths");
        assertEquals(2, paths.size(), r[1]);
        assertEquals("optimized", paths.get(0).get("ana_state").asText(), r[1]);
        assertEquals("non-optimized", paths.get(1).get("ana_state").asText(), r[1]);
        assertEquals(port1, paths.get(0).get("trsvcid").asInt());
        assertNotEquals(paths.get(0).get("cntlid").asInt(), paths.get(1).get("cntlid").asInt());
        assertEquals("numa", sub.get("iopolicy").asText());
    }

    @Test
    @Order(2)
    void shouldFollowTheAnaChangeEventWithNoIoAtAll() throws Exception {
        HostIdentity host = HostIdentity.load(null, null);
        ControllerOptions options = ControllerOptions.defaults().ioQueues(1);
        try (Controller a = Controller.connect(TransportId.tcp("127.0.0.1", port1, NQN), host, options);
             Controller b = Controller.connect(TransportId.tcp("127.0.0.1", port2, NQN), host, options);
             MultipathNamespace ns = MultipathNamespace.of(a.namespace(1)).addPath(b.namespace(1))) {
            assertEquals(AnaState.OPTIMIZED, ns.pathStatus().get(0).ana());
            anaState(1, "inaccessible");
            awaitTrue(() -> ns.pathStatus().get(0).ana() == AnaState.INACCESSIBLE, "the AEN told the host: " + ns.pathStatus());
            assertTrue(!ns.pathStatus().get(0).usable() && ns.pathStatus().get(1).usable());
            anaState(1, "optimized");
            awaitTrue(() -> ns.pathStatus().get(0).ana() == AnaState.OPTIMIZED, "and back: " + ns.pathStatus());
        }
    }

    @Test
    @Order(3)
    void shouldKeepPerfVerifyErrorFreeWhileStatesFlipAndWhenTheOptimizedPortGoes() throws Exception {
        CompletableFuture<String[]> perf = CompletableFuture.supplyAsync(() -> cli("perf -n " + NQN
                + " --path 127.0.0.1:" + port1 + " --path 127.0.0.1:" + port2 + " -c 1 -l 30 --queues 2"
                + " --queue-depth 8 --io-size 4096 --workload randrw --time 14 --warmup 0 --size 8M --verify --json"));
        vm.ok("""
                cd %2$s
                sleep 3
                echo optimized > ports/2/ana_groups/1/ana_state
                echo inaccessible > ports/1/ana_groups/1/ana_state
                sleep 2
                echo optimized > ports/1/ana_groups/1/ana_state
                echo inaccessible > ports/2/ana_groups/1/ana_state
                sleep 2
                echo change > ports/1/ana_groups/1/ana_state
                sleep 1
                echo optimized > ports/1/ana_groups/1/ana_state
                echo non-optimized > ports/2/ana_groups/1/ana_state
                sleep 2
                rm ports/1/subsystems/%1$s
                """.formatted(NQN, NVMET), SHORT);
        String[] out = perf.get(90, TimeUnit.SECONDS);
        assertEquals("0", out[0], out[1] + out[2]);
        JsonNode r = new ObjectMapper().readTree(out[1]);
        assertEquals(0, r.get("errors").asLong(), out[1]);
        assertEquals(0, r.get("verify_failures").asLong(), out[1]);
        assertTrue(r.get("iops").asDouble() > 0, out[1]);
        JsonNode paths = r.get("multipath").get("paths");
        assertTrue(paths.get(0).get("commands").asLong() > 0, out[1]);
        assertTrue(paths.get(1).get("commands").asLong() > 0, "the host moved to port 2: " + out[1]);
        assertNotEquals("live", paths.get(0).get("state").asText(), "port 1 no longer serves the subsystem: " + out[1]);
        System.out.println("perf over two nvmet ports: " + r.get("iops").asDouble() + " IOPS, failovers "
                + r.get("multipath").get("failovers") + ", holds " + r.get("multipath").get("holds") + ", paths " + paths);
    }

    private static void awaitTrue(Supplier<Boolean> condition, String what) {
        Await.until(condition::get, Duration.ofSeconds(10), () -> what);
    }

}
