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

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Locus target over NVMe/RDMA on soft-RoCE ({@code rdma_rxe} on the guest's eth0), in the kernel VM: the target
 * runs in the guest through the shared root ({@code scripts/locus-target}, on the jars this build made), with two
 * reactors. First the kernel's nvme-rdma host: discover, connect, O_DIRECT round trips, ext4 made, mounted and read
 * back, fio verify. Then the Locus host in the guest over RDMA with provenance on, its flow homed on CPU 1 while its
 * queue (qid 1) lives on reactor 0: the target's metrics must show the flow, its completions counted off their home
 * reactor, and the buffer registrations reused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelRdmaTargetTest {
    static final String NQN = "nqn.2026-11.io.locus:rdma-vm";
    static final String GUEST = SoftRoceVerbsTest.GUEST_ADDRESS;
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(300);
    static final String METRICS = "127.0.0.1:9464";

    KernelVm vm;

    @BeforeAll
    void bootGuestWithTheLocusRdmaTarget(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel RDMA target tests skipped: " + reason);
        vm = KernelVm.boot(dir, List.of(), Duration.ofMinutes(14));
        String root = KernelVm.locusRoot().toString();
        String out = vm.ok("""
                modprobe rdma_rxe
                rdma link add rxe0 type rxe netdev eth0
                LOCUS_NO_BUILD=1 LOCUS_JAVA_OPTS="-Xms64m -Xmx768m -XX:MaxDirectMemorySize=1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC" \\
                  nohup %1$s/scripts/locus-target --listen rdma:%2$s:4420 --nqn %3$s --memory 256M --discovery-port 0 \\
                  --cores 0,1 --reserve off --metrics %4$s > /dev/shm/target.log 2>&1 &
                for i in $(seq 1800); do
                  grep -q 'Press Ctrl-C' /dev/shm/target.log && break
                  kill -0 $! 2>/dev/null || break
                  sleep 0.1
                done
                cat /dev/shm/target.log
                """.formatted(root, GUEST, NQN, METRICS), LONG);
        assertTrue(out.contains("Locus target ready"), out);
        assertTrue(out.contains("listening on " + GUEST + ":4420 (nvme/rdma)"), out);
    }

    @AfterAll
    void stop() throws Exception {
        if (vm != null) {
            vm.close();
        }
    }

    private String targetLog() throws Exception {
        return "\nLocus target log:\n" + vm.run("tail -40 /dev/shm/target.log; dmesg | tail -20", SHORT).output();
    }

    @Test
    @Order(1)
    void shouldServeTheKernelRdmaHostFromDiscoveryToAFilesystemAndFioVerify() throws Exception {
        KernelVm.Result r = vm.run("""
                modprobe nvme-rdma
                nvme discover -t rdma -a %2$s -s 4420 $HOSTARGS
                nvme connect -t rdma -a %2$s -s 4420 -n %1$s $HOSTARGS
                dev=$(wait_ns %1$s 1)
                ctrl=$(ctrldev %1$s)
                echo "transport: $(cat /sys/class/nvme/$(basename $ctrl)/transport)"
                nvme id-ctrl $ctrl | grep -E '^(mn|sgls|ioccsz) '
                for bs in 4096 65536 131072 1048576; do roundtrip $dev $bs 4 3; done
                mkfs.ext4 -q -F $dev
                mkdir -p /mnt/r
                mount $dev /mnt/r
                head -c 8388608 /dev/urandom > /dev/shm/file.in
                cp /dev/shm/file.in /mnt/r/file
                sync
                umount /mnt/r
                mount $dev /mnt/r
                cmp /dev/shm/file.in /mnt/r/file && echo "ext4 file intact"
                umount /mnt/r
                fio --name=verify --filename=$dev --ioengine=libaio --rw=randrw --bsrange=4k-128k --iodepth=16 \\
                  --direct=1 --size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=terse > /dev/shm/fio
                echo "fio errors=$(cut -d';' -f5 /dev/shm/fio)"
                nvme disconnect -n %1$s
                """.formatted(NQN, GUEST), LONG);
        String context = r.output() + targetLog();
        assertEquals(0, r.status(), context);
        String out = r.output();
        assertTrue(out.contains("trtype:  rdma") && out.contains(NQN), "the discovery log over RDMA:\n" + context);
        assertTrue(out.contains("rdma_cms:    rdma-cm") || out.contains("rdma-cm"), "RDMA TSAS:\n" + context);
        assertTrue(out.contains("transport: rdma"), context);
        assertTrue(out.contains("Locus"), context);
        for (String bs : new String[] {"4096", "65536", "131072", "1048576"}) {
            assertTrue(out.contains("roundtrip bs=" + bs + " count=4 ok"), context);
        }
        assertTrue(out.contains("ext4 file intact"), context);
        assertTrue(out.contains("fio errors=0"), context);
        assertTrue(out.contains("disconnected 1 controller"), context);
    }

    @Test
    @Order(2)
    void shouldServeTheLocusHostWithProvenanceAndAFlowHomedOnTheOtherReactor() throws Exception {
        String locus = KernelRdmaHostTest.guestCli();
        String addr = " -t rdma -a " + GUEST + " -s 4420 -n " + NQN + " --connect-timeout 60";
        String perf = " --queue-depth 16 --workload randrw --time 2 --warmup 0 --size 8M --verify --home-cpu 1 --json";
        KernelVm.Result run = vm.run(locus + " identify" + addr + " --json"
                + " --next perf" + addr + " --io-size 4096" + perf
                + " --next perf" + addr + " --io-size 65536" + perf, Duration.ofSeconds(240));
        String[] parts = run.output().split("\n=== rc ");
        String metrics = vm.run("curl -s http://" + METRICS + "/metrics", SHORT).output();
        String context = run.output() + "\nmetrics:\n" + metrics + targetLog();
        assertEquals(0, run.status(), context);
        assertEquals(4, parts.length, context);
        assertTrue(KernelRdmaHostTest.json(parts[0]).toString().contains(NQN), context);
        for (int i = 1; i <= 2; i++) {
            JsonNode r = KernelRdmaHostTest.json(parts[i]);
            System.out.println("KernelRdmaTargetTest: Locus host perf " + (i == 1 ? "4 KiB" : "64 KiB") + ": " + r);
            assertTrue(r.get("iops").asDouble() > 0, r.toString());
            assertEquals(0, r.get("errors").asLong(), r.toString());
            assertEquals(0, r.get("verify_failures").asLong(), r.toString());
        }
        // qid 1 lives on reactor 0 ((qid - 1) mod 2); the flow is homed on CPU 1, reactor 1: provenance came over
        // RDMA when reactor 0 saw the flow and counted its completions as off their home.
        assertTrue(metric(metrics, "locus_flows_total{reactor=\"locus-reactor-0\"}") >= 1, context);
        assertEquals(1.0, metric(metrics, "locus_remote_completion_ratio{reactor=\"locus-reactor-0\"}"), 0.0001, context);
        assertTrue(metric(metrics, "locus_rdma_registration_reuse_hit_rate{reactor=\"locus-reactor-0\"}") > 0.99,
                context);
    }

    private static double metric(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no " + name + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
