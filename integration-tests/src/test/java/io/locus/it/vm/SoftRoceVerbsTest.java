package io.locus.it.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Locus's verbs and CM face ({@code io.locus.nativeio.rdma}) over real RDMA: soft-RoCE ({@code rdma_rxe} on the
 * guest's eth0) in the kernel VM, since this machine's kernel has no rxe. The guest runs native's
 * {@code RdmaLoopbackCheck} with the JDK and the classes of this checkout (the same paths there): connect and accept
 * with private data, SEND/RECV, RDMA READ and WRITE against a registered remote buffer, a CQ event through the
 * completion channel, a reject with private data, and a disconnect that flushes posted receives.
 */
class SoftRoceVerbsTest {
    static final String GUEST_ADDRESS = "10.0.2.15";

    @Test
    void shouldConnectTransferRejectAndFlushOverSoftRoce(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "soft-RoCE test skipped: " + reason);
        Path root = KernelVm.locusRoot();
        Path classes = root.resolve("native/target/classes");
        Path testClasses = root.resolve("native/target/test-classes");
        assertTrue(Files.exists(testClasses.resolve("io/locus/nativeio/rdma/RdmaLoopbackCheck.class")),
                "native's test classes are built before this module's tests");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");

        try (KernelVm vm = KernelVm.boot(dir, List.of(), Duration.ofMinutes(4))) {
            vm.ok("""
                    modprobe rdma_rxe
                    rdma link add rxe0 type rxe netdev eth0
                    rdma link show rxe0/1
                    """, Duration.ofSeconds(60));
            // C1 and serial GC: the guest is emulated (TCG), and the check is short
            KernelVm.Result run = vm.run("%s -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED "
                    .formatted(java) + "-cp %s:%s io.locus.nativeio.rdma.RdmaLoopbackCheck %s"
                    .formatted(classes, testClasses, GUEST_ADDRESS), Duration.ofSeconds(120));
            assertTrue(run.status() == 0 && run.output().contains("rdma loopback check: ok"),
                    "RdmaLoopbackCheck in the guest exited " + run.status() + ":\n" + run.output() + "\nconsole:\n"
                            + vm.console());
        }
    }
}
