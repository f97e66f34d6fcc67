package io.locus.it.vm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.locus.it.CliRun.cli;
import static io.locus.it.CliRun.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Locus initiator (the {@code locus} CLI, in process) against the Linux kernel's NVMe/TCP target (nvmet through
 * configfs, a file-backed namespace) in {@code scripts/kernel-vm}, reached through a forwarded port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelTargetTest {
    static final String NQN = "nqn.2026-11.io.locus:nvmet-vm";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final String PORT_LINK = "/sys/kernel/config/nvmet/ports/1/subsystems/" + NQN;

    Path dir;
    KernelVm vm;
    String addr;

    @BeforeAll
    void bootGuestWithNvmet(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel target tests skipped: " + reason);
        int port = TargetProcess.freePort();
        addr = "-t tcp -a 127.0.0.1 -s " + port;
        vm = KernelVm.boot(dir.resolve("vm"), List.of(port + ":4420"), Duration.ofMinutes(10));
        vm.ok("""
                modprobe nvmet-tcp
                truncate -s 256M /dev/shm/nvmet.img
                cd /sys/kernel/config/nvmet
                mkdir subsystems/%1$s
                echo 1 > subsystems/%1$s/attr_allow_any_host
                mkdir subsystems/%1$s/namespaces/1
                echo /dev/shm/nvmet.img > subsystems/%1$s/namespaces/1/device_path
                # /dev/shm is tmpfs (the guest root is an overlay, which nvmet cannot serve files from); tmpfs has no O_DIRECT, which nvmet's file backend uses unless told to buffer
                echo 1 > subsystems/%1$s/namespaces/1/buffered_io
                echo 1 > subsystems/%1$s/namespaces/1/enable
                mkdir ports/1
                echo tcp > ports/1/addr_trtype
                echo ipv4 > ports/1/addr_adrfam
                echo 0.0.0.0 > ports/1/addr_traddr
                echo 4420 > ports/1/addr_trsvcid
                ln -s /sys/kernel/config/nvmet/subsystems/%1$s %2$s
                echo "nvmet inline data size: $(cat ports/1/param_inline_data_size)"
                """.formatted(NQN, PORT_LINK), SHORT);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    @Order(1)
    void shouldDiscoverAndIdentifyTheKernelTarget() throws Exception {
        JsonNode log = json(cli("discover " + addr + " --json"));
        assertTrue(log.toString().contains(NQN), log.toString());
        JsonNode id = json(cli("identify " + addr + " -n " + NQN + " --json"));
        assertTrue(id.toString().contains(NQN), id.toString());
        assertTrue(id.toString().contains("Linux"), "nvmet's model number:\n" + id);
    }

    @Test
    @Order(2)
    void shouldReadBackWhatItWrote() throws Exception {
        byte[] data = new byte[65536];
        new Random(9).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        String[] w = cli("write " + addr + " -n " + NQN + " --ns 1 --lba 64 --input " + in);
        assertEquals("0", w[0], w[2]);
        Path out = dir.resolve("out.bin");
        int blocks = 65536 / lbaSize();
        String[] r = cli("read " + addr + " -n " + NQN + " --ns 1 --lba 64 --blocks " + blocks + " --output " + out);
        assertEquals("0", r[0], r[2]);
        assertArrayEquals(data, Files.readAllBytes(out));
    }

    @Test
    @Order(3)
    void shouldVerifyEveryBlockWithoutAndWithDigestsAndAboveTheInCapsuleSize() throws Exception {
        for (String extra : List.of("--io-size 4096", "-g -G --io-size 4096", "--io-size 131072", "-g -G --io-size 65536")) {
            JsonNode perf = json(cli("perf " + addr + " -n " + NQN + " " + extra
                    + " --queue-depth 16 --workload randrw --time 2 --warmup 0 --size 16M --verify --json"));
            assertTrue(perf.get("iops").asDouble() > 0, extra + ": " + perf);
            assertEquals(0, perf.get("errors").asLong(), extra + ": " + perf);
            assertEquals(0, perf.get("verify_failures").asLong(), extra + ": " + perf);
        }
    }

    @Test
    @Order(4)
    void shouldReconnectAndLoseNothingWhenTheNvmetPortIsRemovedAndAddedBack() throws Exception {
        long before = controllersCreated();
        CompletableFuture<String[]> perf = CompletableFuture.supplyAsync(() -> cli("perf " + addr + " -n " + NQN
                + " -c 1 -l 60 --queue-depth 8 --io-size 4096 --workload randrw --time 12 --warmup 0 --size 8M --verify --json"));
        // The fault falls somewhere in the run; any point is a valid one.
        vm.ok("sleep 4; rm " + PORT_LINK + "; sleep 3; ln -s /sys/kernel/config/nvmet/subsystems/" + NQN + " " + PORT_LINK,
                SHORT);
        JsonNode r = json(perf.get(120, TimeUnit.SECONDS));
        assertEquals(0, r.get("errors").asLong(), r.toString());
        assertEquals(0, r.get("verify_failures").asLong(), r.toString());
        assertTrue(r.get("iops").asDouble() > 0, r.toString());
        assertTrue(controllersCreated() - before >= 2, "the Locus host connected again after the port came back:\n"
                + vm.ok("dmesg | grep nvmet || true", SHORT));
    }

    /** How many controllers nvmet has created so far (one per admin queue Connect). */
    private long controllersCreated() throws Exception {
        return vm.ok("dmesg | grep nvmet || true", SHORT).lines().filter(l -> l.contains("creating nvm controller")).count();
    }

    private int lbaSize() throws Exception {
        JsonNode id = json(cli("identify " + addr + " -n " + NQN + " --json"));
        JsonNode ns = id.findValue("lba_size");
        return ns == null ? 4096 : ns.asInt();
    }
}
