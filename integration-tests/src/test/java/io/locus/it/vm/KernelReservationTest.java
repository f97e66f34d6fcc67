package io.locus.it.vm;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.Namespace;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * nvme-cli's reservation commands from the Linux kernel host (the VM harness) against {@code scripts/locus-target},
 * with the Locus initiator as a second host (another host ID) on this machine: the kernel host registers and takes
 * Write Exclusive, the Locus host's write conflicts and its read succeeds, the Locus host preempts the kernel host
 * and the kernel's writes then fail, and each side's Reservation Report (nvme-cli's {@code --eds}) shows it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelReservationTest {
    static final String NQN = "nqn.2026-11.io.locus:vm-resv";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(240);
    /** The guest's HOSTID (vm/lib.sh), as the reports show it. */
    static final String KERNEL_HOSTID = "5e1f0c2a7d3b4c1e9a6f0123456789ab";
    static final UUID LOCUS_HOSTID = UUID.nameUUIDFromBytes(new byte[] {'v', 'm', 'r'});

    KernelVm vm;
    TargetProcess target;
    int port;

    @BeforeAll
    void boot(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel reservation tests skipped: " + reason);
        port = TargetProcess.freePort();
        Path config = dir.resolve("target.json");
        Files.writeString(config, """
                {
                  "ports": [ { "address": "127.0.0.1", "port": %d } ],
                  "subsystems": [ { "nqn": "%s", "namespaces": [
                      { "nsid": 1, "backend": "memory", "size": "64M", "block_size": 4096 } ] } ]
                }
                """.formatted(port, NQN));
        target = TargetProcess.start(dir.resolve("target.log"), port, "--config", config.toString());
        vm = KernelVm.boot(dir.resolve("vm"), List.of(), Duration.ofMinutes(15));
        vm.ok("modprobe nvme-tcp", SHORT);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.run("nvme disconnect-all", SHORT);
            vm.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static ByteBuf keys(long first, long second) {
        return Unpooled.buffer(16).writeLongLE(first).writeLongLE(second);
    }

    private static void assertMatches(String regex, String out) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(out).find(), regex + " in:\n" + out);
    }

    @Test
    void shouldServeNvmeCliReservationsAndFenceTheOtherHost() throws Exception {
        String out = vm.ok("""
                nvme connect -t tcp -a %s -s %d -n %s $HOSTARGS
                dev=$(wait_ns %s 1)
                echo "dev=$dev"
                nvme resv-register $dev -n 1 --nrkey=0x1234 --rrega=0
                nvme resv-acquire $dev -n 1 --crkey=0x1234 --rtype=1 --racqa=0
                nvme resv-report $dev -n 1 --eds
                if nvme resv-report $dev -n 1; then echo "plain report: accepted"; else echo "plain report: refused"; fi
                dd if=/dev/urandom of=$dev bs=4096 count=1 oflag=direct status=none && echo "kernel write ok"
                """.formatted(KernelVm.HOST_ADDRESS, port, NQN, NQN), LONG);
        assertTrue(out.contains("success"), out);
        assertMatches("rtype\\s*:\\s*1", out);
        assertMatches("regctl\\s*:\\s*1", out);
        assertMatches("rkey\\s*:\\s*(0x)?1234", out);
        assertTrue(out.contains(KERNEL_HOSTID), "the extended report names the kernel host's ID:\n" + out);
        assertTrue(out.contains("plain report: refused"), "64-bit host IDs cannot describe 128-bit ones:\n" + out);
        assertTrue(out.contains("kernel write ok"), "the holder writes:\n" + out);

        HostIdentity locus = new HostIdentity(HostIdentity.UUID_NQN_PREFIX + LOCUS_HOSTID, LOCUS_HOSTID);
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", port, NQN), locus,
                ControllerOptions.defaults().ioQueues(1))) {
            Namespace ns = c.namespace(1);
            NvmeException e = assertThrows(NvmeException.class,
                    () -> ns.writeBlocking(0, 1, Unpooled.buffer(4096).writeZero(4096), true));
            assertEquals(Status.RESERVATION_CONFLICT | Status.DNR, e.status() & 0x7FFF, e.getMessage());
            ns.readBlocking(0, 1, Unpooled.buffer(4096));
            assertEquals(Status.SUCCESS, ns.commandBlocking(NvmOpcode.RESERVATION_REGISTER, 0, 0, 0, keys(0, 0x5678), 16).status());
            assertEquals(Status.SUCCESS, ns.commandBlocking(NvmOpcode.RESERVATION_ACQUIRE, 1 | (1 << 8), 0, 0,
                    keys(0x5678, 0x1234), 16).status(), "the Locus host preempts the kernel host");
            ns.writeBlocking(0, 1, Unpooled.buffer(4096).writeZero(4096), true);

            String after = vm.ok("""
                    dev=$(nsdev %s 1)
                    nvme resv-report $dev -n 1 --eds
                    if dd if=/dev/urandom of=$dev bs=4096 count=1 oflag=direct status=none; then echo "kernel write ok"; else echo "kernel write refused"; fi
                    if nvme resv-register $dev -n 1 --crkey=0x1234 --rrega=1; then echo "unregister: ok"; else echo "unregister: refused"; fi
                    """.formatted(NQN), LONG);
            assertTrue(after.contains("kernel write refused"), "the preempted kernel host may not write:\n" + after);
            assertTrue(after.contains("unregister: refused"), "its registration is gone:\n" + after);
            assertTrue(after.contains(LOCUS_HOSTID.toString().replace("-", "")), "the holder is now the Locus host:\n" + after);
            assertNotEquals(-1, after.indexOf("rtype"), after);

            assertEquals(Status.SUCCESS, ns.commandBlocking(NvmOpcode.RESERVATION_RELEASE, 1, 0, 0, keys(0x5678, 0), 8).status(), "Clear");
        }
        String released = vm.ok("""
                dev=$(nsdev %s 1)
                nvme resv-report $dev -n 1 --eds
                dd if=/dev/urandom of=$dev bs=4096 count=1 oflag=direct status=none && echo "kernel write ok"
                nvme disconnect -n %s
                """.formatted(NQN, NQN), LONG);
        assertMatches("regctl\\s*:\\s*0", released);
        assertTrue(released.contains("kernel write ok"), released);
    }
}
