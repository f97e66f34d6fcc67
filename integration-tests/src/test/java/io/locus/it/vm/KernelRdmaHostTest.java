package io.locus.it.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Locus initiator over NVMe/RDMA against the Linux kernel's nvmet-rdma, both in the kernel VM on soft-RoCE
 * ({@code rdma_rxe} on the guest's eth0; this machine's kernel has no rxe, so the host runs in the guest too): the
 * {@code locus} CLI, from this checkout's {@code tools/target} jar and lib (the same paths in the guest),
 * identifies the controller and runs perf --verify with 4 KiB (in-capsule writes) and 64 KiB (keyed SGL) commands.
 * A JVM start under TCG costs tens of seconds, so the three commands share one ({@link GuestCli}). The error without
 * an RDMA device is checked on this machine (tools' {@code RdmaCliTest}).
 */
class KernelRdmaHostTest {
    static final String NQN = "nqn.2026-11.io.locus:nvmet-rdma-vm";
    static final String GUEST_ADDRESS = SoftRoceVerbsTest.GUEST_ADDRESS;
    static final Duration SHORT = Duration.ofSeconds(60);

    @Test
    void shouldIdentifyAndVerifyOverRdmaAgainstNvmetRdma(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel RDMA host test skipped: " + reason);
        String locus = guestCli();
        String addr = " -t rdma -a " + GUEST_ADDRESS + " -s 4420 -n " + NQN + " --connect-timeout 60";

        long start = System.nanoTime();
        try (KernelVm vm = KernelVm.boot(dir, List.of(), Duration.ofMinutes(4))) {
            vm.ok("""
                    modprobe rdma_rxe
                    modprobe nvmet-rdma
                    rdma link add rxe0 type rxe netdev eth0
                    truncate -s 64M /dev/shm/nvmet.img
                    cd /sys/kernel/config/nvmet
                    mkdir subsystems/%1$s
                    echo 1 > subsystems/%1$s/attr_allow_any_host
                    mkdir subsystems/%1$s/namespaces/1
                    echo /dev/shm/nvmet.img > subsystems/%1$s/namespaces/1/device_path
                    # tmpfs has no O_DIRECT, which nvmet's file backend uses unless told to buffer
                    echo 1 > subsystems/%1$s/namespaces/1/buffered_io
                    echo 1 > subsystems/%1$s/namespaces/1/enable
                    mkdir ports/1
                    echo rdma > ports/1/addr_trtype
                    echo ipv4 > ports/1/addr_adrfam
                    echo %2$s > ports/1/addr_traddr
                    echo 4420 > ports/1/addr_trsvcid
                    ln -s /sys/kernel/config/nvmet/subsystems/%1$s ports/1/subsystems/%1$s
                    """.formatted(NQN, GUEST_ADDRESS), SHORT);
            step("boot and nvmet-rdma on rxe0", start);

            String perf = " --queue-depth 16 --workload randrw --time 2 --warmup 0 --size 8M --verify --json";
            KernelVm.Result run = vm.run(locus + " identify" + addr + " --json"
                    + " --next perf" + addr + " --io-size 4096" + perf
                    + " --next perf" + addr + " --io-size 65536" + perf, Duration.ofSeconds(150));
            step("identify and two perf runs in one guest JVM", start);
            String[] parts = run.output().split("\n=== rc ");
            String context = run.output() + "\nguest dmesg:\n" + vm.run("dmesg | tail -30", SHORT).output();
            assertEquals(0, run.status(), context);
            assertEquals(4, parts.length, context);

            JsonNode id = json(parts[0]);
            assertTrue(id.toString().contains(NQN), id.toString());
            assertTrue(id.toString().contains("Linux"), "nvmet's model number:\n" + id);
            for (int i = 1; i <= 2; i++) {
                JsonNode r = json(parts[i]);
                System.out.println("KernelRdmaHostTest: perf " + (i == 1 ? "4 KiB" : "64 KiB") + ": " + r);
                assertTrue(r.get("iops").asDouble() > 0, r.toString());
                assertEquals(0, r.get("errors").asLong(), r.toString());
                assertEquals(0, r.get("verify_failures").asLong(), r.toString());
            }
        }
    }

    private static void step(String what, long start) {
        System.out.printf("KernelRdmaHostTest: %s done at %.1f s%n", what, (System.nanoTime() - start) / 1e9);
    }

    /**
     * {@link GuestCli} (several CLI commands in one JVM) as scripts/locus runs the CLI, from the built jar and its lib
     * folder; C1 and serial GC under TCG.
     */
    private static String guestCli() throws IOException {
        Path root = KernelVm.locusRoot();
        Path target = root.resolve("tools/target");
        Path jar;
        try (Stream<Path> files = Files.list(target)) {
            jar = files.filter(p -> p.getFileName().toString().matches("locus-tools-.*\\.jar")
                    && !p.getFileName().toString().contains("sources")).findFirst().orElse(null);
        }
        assertTrue(jar != null && Files.isDirectory(target.resolve("lib")),
                "the tools module is packaged (jar and target/lib) before this module's tests");
        Path testClasses = root.resolve("integration-tests/target/test-classes");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return "LOCUS_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:6c0c3e7e-2b4f-4a4e-9d6c-0d1a1b2c3d4e "
                + java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED"
                + " --sun-misc-unsafe-memory-access=allow -Dio.netty.leakDetection.level=disabled"
                + " -cp '" + jar + ":" + target.resolve("lib") + "/*:" + testClasses + "' " + GuestCli.class.getName();
    }

    /** The JSON object in one command's output (log lines around it are skipped). */
    private static JsonNode json(String output) throws Exception {
        int start = output.indexOf('{');
        int end = output.lastIndexOf('}');
        assertTrue(start >= 0 && end > start, "no JSON in:\n" + output);
        return new ObjectMapper().readTree(output.substring(start, end + 1));
    }
}
