package io.locus.it.vm;

import io.locus.drill.NodeConfig;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kill -9 drill with the Linux kernel host (native NVMe multipath) in the VM: two {@code scripts/locus-target}
 * processes on one backing file (the drill's node configs: same NQN, NSID and UUID, node 0 optimized, node 1
 * non-optimized, disjoint controller IDs), {@code nvme connect} to both, fio writing and verifying through the
 * multipath device; node 0 is killed with SIGKILL mid-run and restarted. fio must see no I/O error and no verify
 * mismatch, I/O must go on through node 1 while node 0 is down, and the kernel must reconnect node 0's path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelMultipathKillTest {
    static final String NQN = "nqn.2026-11.io.locus:vm-drill-kill";
    static final UUID NS_UUID = UUID.fromString("7c1d5e2a-0b3f-4d6e-9a8b-1c2d3e4f5a6b");
    static final Duration SHORT = Duration.ofSeconds(90);
    static final Duration LONG = Duration.ofSeconds(300);

    KernelVm vm;
    TargetProcess node0;
    TargetProcess node1;
    int port0;
    int port1;

    @BeforeAll
    void boot(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel kill -9 drill skipped: " + reason);
        port0 = TargetProcess.freePort();
        port1 = TargetProcess.freePort();
        Path shared = dir.resolve("shared.img");
        Path c0 = dir.resolve("node0.json");
        Path c1 = dir.resolve("node1.json");
        Files.writeString(c0, NodeConfig.json(0, "127.0.0.1", port0, NQN, NS_UUID, shared, 64L << 20, "optimized"));
        Files.writeString(c1, NodeConfig.json(1, "127.0.0.1", port1, NQN, NS_UUID, shared, 64L << 20, "non_optimized"));
        node0 = TargetProcess.start(dir.resolve("node0.log"), port0, "--config", c0.toString());
        node1 = TargetProcess.start(dir.resolve("node1.log"), port1, "--config", c1.toString());
        vm = KernelVm.boot(dir.resolve("vm"), List.of(), Duration.ofMinutes(20));
        vm.ok("modprobe nvme-tcp", SHORT);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.run("touch /tmp/stop-fio; nvme disconnect-all", SHORT);
            vm.close();
        }
        for (TargetProcess t : new TargetProcess[] {node0, node1}) {
            if (t != null) {
                t.close();
            }
        }
    }

    /** fio rounds finished so far ({@code fio_rounds} in vm/lib.sh writes the count after each). */
    int rounds() throws Exception {
        String out = vm.ok("cat /tmp/fio.rounds 2>/dev/null || echo 0; cat /tmp/fio.rc 2>/dev/null || true", SHORT).strip();
        String[] lines = out.split("\n");
        if (lines.length > 1) {
            throw new AssertionError("fio stopped early (rc " + lines[1] + "):\n" + vm.ok("cat /tmp/fio.log", SHORT));
        }
        return Integer.parseInt(lines[0].strip());
    }

    void awaitRounds(int atLeast, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        int r;
        while ((r = rounds()) < atLeast) { // each guest command is a round trip of its own: no sleep needed
            assertTrue(System.nanoTime() < deadline, what + ": " + r + " of " + atLeast + " fio rounds in 300 s");
        }
    }

    /** The state of the kernel's controller for the path through {@code port} ("live", "connecting", ...). */
    String pathState(int port) throws Exception {
        return vm.ok("""
                for c in /sys/class/nvme/nvme*; do
                  [ "$(cat $c/subsysnqn 2>/dev/null)" = %s ] || continue
                  grep -q "trsvcid=%d" $c/address && cat $c/state
                done
                true
                """.formatted(NQN, port), SHORT).strip();
    }

    @Test
    void shouldKeepFioVerifyErrorFreeThroughKillAndRestartOfTheOptimizedNode() throws Exception {
        String out = vm.ok("""
                nvme connect -t tcp -a %1$s -s %2$d -n %4$s --reconnect-delay=1 --ctrl-loss-tmo=120 $HOSTARGS
                nvme connect -t tcp -a %1$s -s %3$d -n %4$s --reconnect-delay=1 --ctrl-loss-tmo=120 $HOSTARGS
                dev=$(wait_ns %4$s 1)
                echo "head $dev"
                fio_rounds $dev
                """.formatted(KernelVm.HOST_ADDRESS, port0, port1, NQN), LONG);
        assertTrue(out.contains("head /dev/nvme"), out);
        awaitRounds(1, "before the kill");

        node0.kill();
        int atKill = rounds();
        awaitRounds(atKill + 2, "with node 0 killed (node 1's non-optimized path only)");
        assertTrue(!"live".equals(pathState(port0)), "node 0's path is down while it is dead");

        node0.restart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!"live".equals(pathState(port0))) {
            assertTrue(System.nanoTime() < deadline, "the kernel did not reconnect node 0 within 300 s");
        }
        int atRestart = rounds();
        awaitRounds(atRestart + 1, "after node 0 came back");

        String end = vm.ok("fio_stop", LONG);
        assertTrue(end.contains("fio rc 0"), "fio saw no I/O error and no verify mismatch through kill -9:\n" + end);
        System.out.println("kernel host through kill -9 of the optimized node: " + end.strip().replace('\n', ' ')
                + " (killed after round " + atKill + ", node 0 back after round " + atRestart + ")");
    }
}
