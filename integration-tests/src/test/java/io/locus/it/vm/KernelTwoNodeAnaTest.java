package io.locus.it.vm;

import io.locus.initiator.Await;
import io.locus.it.TwoNodes;
import io.locus.target.Target;
import io.locus.target.model.AnaState;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Linux kernel host (native NVMe multipath, on by default in Debian's kernel) against TWO Locus target nodes
 * serving one file namespace on shared storage: same subsystem NQN, NSID and UUID, controller IDs 1..99 on node a and
 * 100..199 on node b. The kernel must build ONE multipath block device over two controllers, show the ANA states each
 * node reports in sysfs, follow ANA flips (optimized to inaccessible and back) from the nodes' AENs, and keep a
 * verifying fio workload error-free through them.
 *
 * <p>The nodes are two {@link Target}s in this JVM ({@link TwoNodes}; their ANA states are flipped through
 * {@link Target#setAnaState}); the guest reaches them at {@value KernelVm#HOST_ADDRESS}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelTwoNodeAnaTest {
    static final String NQN = "nqn.2026-11.io.locus:vm-two-node";
    static final UUID NS_UUID = UUID.fromString("3b9d6c2e-51f4-4a8b-8e07-6d1c2b3a4f55");
    static final Duration SHORT = Duration.ofSeconds(90);
    static final Duration LONG = Duration.ofSeconds(300);

    KernelVm vm;
    Target a;
    Target b;
    int portA;
    int portB;

    @BeforeAll
    void bootGuestAndNodes(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel two-node ANA tests skipped: " + reason);
        portA = TargetProcess.freePort();
        portB = TargetProcess.freePort();
        Path shared = dir.resolve("shared.img");
        a = TwoNodes.node(NQN, NS_UUID, shared, 64L << 20, portA, 1, 99, Map.of());
        b = TwoNodes.node(NQN, NS_UUID, shared, 64L << 20, portB, 100, 199, Map.of(1, AnaState.NON_OPTIMIZED));
        vm = KernelVm.boot(dir.resolve("vm"), List.of(), Duration.ofMinutes(20));
        vm.ok("modprobe nvme-tcp", SHORT);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.run("touch /tmp/stop-fio; nvme disconnect-all", SHORT);
            vm.close();
        }
        for (Target t : new Target[] {a, b}) {
            if (t != null) {
                t.close();
            }
        }
    }

    /** One line per controller of the subsystem: name, cntlid, trsvcid, state, and each path's ana_state / ana_grpid. */
    String paths() throws Exception {
        return vm.ok("""
                for c in /sys/class/nvme/nvme*; do
                  [ "$(cat $c/subsysnqn 2>/dev/null)" = %s ] || continue
                  svc=$(sed -n 's/.*trsvcid=\\([0-9]*\\).*/\\1/p' $c/address)
                  for p in $c/nvme*c*n1; do
                    echo "ctrl $(basename $c) cntlid $(cat $c/cntlid) trsvcid $svc state $(cat $c/state) ana $(cat $p/ana_state) grp $(cat $p/ana_grpid)"
                  done
                done
                """.formatted(NQN), SHORT);
    }

    /** The ANA state the kernel shows for the path through {@code port}, or null. */
    static String anaOf(String paths, int port) {
        Matcher m = Pattern.compile("trsvcid " + port + " state \\S+ ana (\\S+)").matcher(paths);
        return m.find() ? m.group(1) : null;
    }

    void awaitKernelSees(String stateA, String stateB) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String p = paths();
        while (!(stateA.equals(anaOf(p, portA)) && stateB.equals(anaOf(p, portB)))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the kernel did not show " + stateA + "/" + stateB + " within 120 s:\n" + p);
            }
            p = paths(); // each guest command is a round trip of its own; no sleep needed between them
        }
    }

    static long served(Target t) {
        return TwoNodes.served(t, NQN);
    }

    static void awaitProgress(String name, Target t, long commands) {
        long from = served(t);
        Await.until(() -> served(t) >= from + commands, Duration.ofSeconds(180),
                () -> name + " served " + (served(t) - from) + " of " + commands + " commands");
    }

    @Test
    @Order(1)
    void shouldBuildOneMultipathDeviceOverBothNodesWithTheirAnaStates() throws Exception {
        String out = vm.ok("""
                nvme connect -t tcp -a %1$s -s %2$d -n %4$s $HOSTARGS
                nvme connect -t tcp -a %1$s -s %3$d -n %4$s $HOSTARGS
                dev=$(wait_ns %4$s 1)
                echo "head $dev"
                echo "multipath $(cat /sys/module/nvme_core/parameters/multipath)"
                for s in /sys/class/nvme-subsystem/nvme-subsys*; do
                  [ "$(cat $s/subsysnqn)" = %4$s ] || continue
                  echo "controllers $(ls $s | grep -cE '^nvme[0-9]+$')"
                  echo "heads $(ls $s | grep -cE '^nvme[0-9]+n[0-9]+$')"
                done
                echo "uuid $(cat /sys/block/$(basename $dev)/uuid)"
                nvme list-subsys
                """.formatted(KernelVm.HOST_ADDRESS, portA, portB, NQN), LONG);
        assertTrue(out.contains("multipath Y"), out);
        assertTrue(out.contains("controllers 2"), "two controllers in one subsystem:\n" + out);
        assertTrue(out.contains("heads 1"), "one multipath block device:\n" + out);
        assertTrue(out.contains("uuid " + NS_UUID), out);
        awaitKernelSees("optimized", "non-optimized");
        String p = paths();
        Matcher m = Pattern.compile("cntlid (\\d+) trsvcid (\\d+)").matcher(p);
        int seen = 0;
        while (m.find()) {
            int cntlid = Integer.parseInt(m.group(1));
            boolean onA = Integer.parseInt(m.group(2)) == portA;
            assertTrue(onA ? cntlid >= 1 && cntlid <= 99 : cntlid >= 100 && cntlid <= 199, "each node's range:\n" + p);
            seen++;
        }
        assertEquals(2, seen, p);
        assertTrue(p.contains("grp 1"), p);
        System.out.println("kernel paths over two Locus nodes:\n" + p);
    }

    @Test
    @Order(2)
    void shouldFollowAnaFlipsWithVerifiedIoContinuing() throws Exception {
        // fio rounds (random 4 KiB writes over 8 MiB, then a read-back verify of all of it) until the test says stop;
        // any fio failure (an I/O error or a verify mismatch) ends the loop with its status (lib.sh's fio_rounds).
        vm.ok("dev=$(nsdev %s 1); fio_rounds $dev 8M".formatted(NQN), SHORT);
        awaitProgress("node a (optimized)", a, 500);

        TwoNodes.set(b, AnaState.OPTIMIZED);
        TwoNodes.set(a, AnaState.INACCESSIBLE);
        awaitKernelSees("inaccessible", "optimized");
        awaitProgress("node b (a inaccessible)", b, 500);

        TwoNodes.set(a, AnaState.OPTIMIZED);
        TwoNodes.set(b, AnaState.INACCESSIBLE);
        awaitKernelSees("optimized", "inaccessible");
        awaitProgress("node a (b inaccessible)", a, 500);

        String out = vm.ok("fio_stop", LONG);
        assertTrue(out.contains("fio rc 0"), "fio saw no I/O error and no verify mismatch through the flips:\n" + out);
        Matcher rounds = Pattern.compile("rounds (\\d+)").matcher(out);
        assertTrue(rounds.find() && Integer.parseInt(rounds.group(1)) >= 1, out);
        System.out.println("kernel host over two Locus nodes through ANA flips: " + out.strip().replace('\n', ' ')
                + "; node a served " + served(a) + ", node b " + served(b) + " commands");
    }
}
