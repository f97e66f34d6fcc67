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
 * {@code locus} CLI, from this checkout's {@code initiator/target} jar and lib (the same paths in the guest), says
 * clearly that RDMA is unavailable before rxe0 exists, then identifies the controller and runs perf --verify with
 * 4 KiB (in-capsule writes) and 64 KiB (keyed SGL) commands.
 */
class KernelRdmaHostTest {
    static final String NQN = "nqn.2026-11.io.locus:nvmet-rdma-vm";
    static final String GUEST_ADDRESS = SoftRoceVerbsTest.GUEST_ADDRESS;
    static final Duration SHORT = Duration.ofSeconds(60);

    @Test
    void shouldIdentifyAndVerifyOverRdmaAgainstNvmetRdma(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel RDMA host test skipped: " + reason);
        String locus = locusCommand();
        String addr = " -t rdma -a " + GUEST_ADDRESS + " -s 4420 -n " + NQN;

        try (KernelVm vm = KernelVm.boot(dir, List.of(), Duration.ofMinutes(4))) {
            vm.ok("modprobe rdma_rxe && modprobe nvmet-rdma", SHORT);
            KernelVm.Result none = vm.run(locus + " identify" + addr, SHORT);
            assertTrue(none.status() != 0 && none.output().contains("RDMA unavailable"),
                    "without an RDMA device the CLI says so:\n" + none.output());

            vm.ok("""
                    rdma link add rxe0 type rxe netdev eth0
                    truncate -s 64M /tmp/nvmet.img
                    cd /sys/kernel/config/nvmet
                    mkdir subsystems/%1$s
                    echo 1 > subsystems/%1$s/attr_allow_any_host
                    mkdir subsystems/%1$s/namespaces/1
                    echo /tmp/nvmet.img > subsystems/%1$s/namespaces/1/device_path
                    # tmpfs has no O_DIRECT, which nvmet's file backend uses unless told to buffer
                    echo 1 > subsystems/%1$s/namespaces/1/buffered_io
                    echo 1 > subsystems/%1$s/namespaces/1/enable
                    mkdir ports/1
                    echo rdma > ports/1/addr_trtype
                    echo ipv4 > ports/1/addr_adrfam
                    echo %2$s > ports/1/addr_traddr
                    echo 4420 > ports/1/addr_trsvcid
                    ln -s /sys/kernel/config/nvmet/subsystems/%1$s ports/1/subsystems/%1$s
                    echo "nvmet-rdma inline data size: $(cat ports/1/param_inline_data_size 2>/dev/null)"
                    """.formatted(NQN, GUEST_ADDRESS), SHORT);

            JsonNode id = json(vm.run(locus + " identify" + addr + " --json", SHORT), vm);
            assertTrue(id.toString().contains(NQN), id.toString());
            assertTrue(id.toString().contains("Linux"), "nvmet's model number:\n" + id);

            for (String size : List.of("4096", "65536")) {
                JsonNode perf = json(vm.run(locus + " perf" + addr + " --io-size " + size
                        + " --queue-depth 16 --workload randrw --time 3 --warmup 0 --size 16M --verify --json",
                        Duration.ofSeconds(90)), vm);
                assertTrue(perf.get("iops").asDouble() > 0, size + ": " + perf);
                assertEquals(0, perf.get("errors").asLong(), size + ": " + perf);
                assertEquals(0, perf.get("verify_failures").asLong(), size + ": " + perf);
            }
        }
    }

    /** The CLI as scripts/locus runs it, from the built jar and its lib folder; C1 and serial GC under TCG. */
    private static String locusCommand() throws IOException {
        Path root = KernelVm.locusRoot();
        Path target = root.resolve("initiator/target");
        Path jar;
        try (Stream<Path> files = Files.list(target)) {
            jar = files.filter(p -> p.getFileName().toString().matches("locus-initiator-.*\\.jar")
                    && !p.getFileName().toString().contains("sources")).findFirst().orElse(null);
        }
        assertTrue(jar != null && Files.isDirectory(target.resolve("lib")),
                "the initiator is packaged (jar and target/lib) before this module's tests");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return "LOCUS_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:6c0c3e7e-2b4f-4a4e-9d6c-0d1a1b2c3d4e "
                + java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED"
                + " --sun-misc-unsafe-memory-access=allow -Dio.netty.leakDetection.level=disabled"
                + " -cp '" + jar + ":" + target.resolve("lib") + "/*' io.locus.initiator.cli.LocusCli";
    }

    private static JsonNode json(KernelVm.Result result, KernelVm vm) throws Exception {
        assertEquals(0, result.status(), () -> {
            try {
                return result.output() + "\nguest dmesg:\n" + vm.ok("dmesg | tail -40", SHORT);
            } catch (Exception e) {
                return result.output();
            }
        });
        String out = result.output();
        int start = out.indexOf('{');
        return new ObjectMapper().readTree(out.substring(Math.max(0, start)));
    }
}
