package io.locus.it.vm;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Linux kernel's NVMe/TCP host (Debian's stock kernel in {@code scripts/kernel-vm}, nvme-cli, fio, mkfs) against
 * {@code scripts/locus-target} launched as a user launches it. One guest serves every test; they run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelHostTest {
    static final String NQN = "nqn.2026-11.io.locus:vm";
    static final String DURABLE = "nqn.2026-11.io.locus:vm-durable";
    static final String IDLE = "nqn.2026-11.io.locus:vm-idle";
    static final String LOCKED = "nqn.2026-11.io.locus:vm-locked";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(240);

    Path dir;
    KernelVm vm;
    TargetProcess target;
    int port;
    int discoveryPort;
    long idleConnectedAtNanos;

    @BeforeAll
    void bootGuestAndTarget(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel host tests skipped: " + reason);
        port = TargetProcess.freePort();
        discoveryPort = TargetProcess.freePort();
        Path config = dir.resolve("target.json");
        Files.writeString(config, """
                {
                  "ports": [ { "address": "127.0.0.1", "port": %d } ],
                  "discovery": { "address": "127.0.0.1", "port": %d },
                  "subsystems": [
                    { "nqn": "%s", "namespaces": [
                        { "nsid": 1, "backend": "memory", "size": "1G", "block_size": 4096 },
                        { "nsid": 2, "backend": "memory", "size": "256M", "block_size": 512 } ] },
                    { "nqn": "%s", "namespaces": [
                        { "nsid": 1, "backend": "uring", "path": "%s", "size": "256M", "block_size": 4096 } ] },
                    { "nqn": "%s", "namespaces": [ { "nsid": 1, "backend": "null", "size": "1G" } ] },
                    { "nqn": "%s", "hosts": [ "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-0000000000aa" ],
                      "namespaces": [ { "nsid": 1, "backend": "null", "size": "1G" } ] }
                  ]
                }
                """.formatted(port, discoveryPort, NQN, DURABLE, dir.resolve("durable.img"), IDLE, LOCKED));
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

    String connect(String nqn, String extra) {
        return "nvme connect -t tcp -a " + KernelVm.HOST_ADDRESS + " -s " + port + " -n " + nqn + " $HOSTARGS " + extra + "\n";
    }

    @Test
    @Order(1)
    void shouldListTheSubsystemsThroughTheDiscoveryPortAndThroughAnIoPort() throws Exception {
        for (int p : new int[] {discoveryPort, port}) {
            String out = vm.ok("nvme discover -t tcp -a " + KernelVm.HOST_ADDRESS + " -s " + p + " $HOSTARGS", SHORT);
            for (String nqn : List.of(NQN, DURABLE, IDLE)) {
                assertTrue(out.contains("subnqn:  " + nqn), "port " + p + " lists " + nqn + ":\n" + out);
            }
            assertTrue(out.contains("trsvcid: " + port), out);
            assertTrue(out.contains("trtype:  tcp"), out);
            assertFalse(out.contains("unrecognized"), "every field reads as nvme-cli knows it:\n" + out);
            assertFalse(out.contains("subnqn:  " + LOCKED), "a subsystem this host may not use is not listed:\n" + out);
        }
    }

    @Test
    @Order(2)
    void shouldConnectAnIdleControllerThatTheKeepAliveCheckWatches() throws Exception {
        vm.ok(connect(IDLE, "--keep-alive-tmo=5") + "wait_ns " + IDLE + " 1", SHORT);
        idleConnectedAtNanos = System.nanoTime();
    }

    @Test
    @Order(3)
    void shouldAnswerEveryNvmeCliAdminCommandOnALiveController() throws Exception {
        String out = vm.ok(connect(NQN, "") + """
                dev=$(wait_ns %1$s 1)
                ctrl=$(ctrldev %1$s)
                nvme list
                nvme list-subsys
                echo "--- id-ctrl"; nvme id-ctrl $ctrl
                echo "--- id-ns"; nvme id-ns $dev
                echo "--- ns-descs"; nvme ns-descs $dev
                echo "--- smart-log"; nvme smart-log $ctrl
                echo "--- error-log"; nvme error-log $ctrl -e 4
                echo "--- get-feature"; nvme get-feature $ctrl -f 7; nvme get-feature $ctrl -f 0xf
                echo "--- flush"; nvme flush $dev -n 1
                echo "--- reset"; nvme reset $ctrl
                dev=$(wait_ns %1$s 1)
                for i in $(seq 100); do [ "$(cat /sys/class/nvme/$(basename $ctrl)/state)" = live ] && break; sleep 0.1; done
                echo "state after reset: $(cat /sys/class/nvme/$(basename $ctrl)/state)"
                roundtrip $dev 4096 4
                nvme disconnect -n %1$s
                """.formatted(NQN), LONG);
        assertTrue(out.contains("Locus"), "nvme list shows the model:\n" + out);
        assertTrue(out.contains("subnqn    : " + NQN), out);
        assertTrue(out.contains("nsze"), out);
        assertTrue(out.contains("uuid"), "ns-descs lists the UUID:\n" + out);
        assertTrue(out.contains("Smart Log"), out);
        assertTrue(out.contains("Error Log"), out);
        assertTrue(out.contains("get-feature:0x07"), out);
        assertTrue(out.contains("get-feature:0x0f"), out);
        assertTrue(out.contains("NVMe Flush: success"), out);
        assertTrue(out.contains("state after reset: live"), out);
        assertTrue(out.contains("roundtrip bs=4096 count=4 ok"), out);
        assertTrue(out.contains("disconnected 1 controller"), out);
    }

    @Test
    @Order(4)
    void shouldRoundTripDirectIoFrom512BytesTo8MiBWithHeaderAndDataDigests() throws Exception {
        String out = vm.ok(connect(NQN, "-g -G") + """
                big=$(wait_ns %1$s 1)
                small=$(wait_ns %1$s 2)
                roundtrip $small 512 1 7
                roundtrip $small 512 9 100
                roundtrip $small 4096 3 1
                for bs in 4096 65536 131072 1048576 8388608; do roundtrip $big $bs 1 3; done
                roundtrip $big 131072 16 0
                """.formatted(NQN), LONG);
        assertTrue(out.contains("roundtrip bs=8388608 count=1 ok"), out);
        assertTrue(out.contains("roundtrip bs=512 count=9 ok"), out);
    }

    @Test
    @Order(5)
    void shouldDeallocateAndZeroRangesWithBlkdiscard() throws Exception {
        String out = vm.ok("""
                dev=$(nsdev %s 1)
                head -c 16777216 /dev/urandom | dd of=$dev bs=1M oflag=direct status=none
                blkdiscard -o 0 -l 8388608 $dev
                echo discarded
                blkdiscard -z -o 0 -l 16777216 $dev
                dd if=$dev bs=1M count=16 iflag=direct status=none | cmp - <(head -c 16777216 /dev/zero) && echo zeroed
                """.formatted(NQN), LONG);
        assertTrue(out.contains("discarded"), out);
        assertTrue(out.contains("zeroed"), out);
    }

    @Test
    @Order(6)
    void shouldKeepAFileTreeOnExt4AndXfsAcrossUnmountCheckAndRemount() throws Exception {
        String out = vm.ok("""
                dev=$(nsdev %s 1)
                mkdir -p /tmp/tree/sub /mnt/t
                head -c 4194304 /dev/urandom > /tmp/tree/big
                for i in $(seq 200); do head -c $((i * 37)) /dev/urandom > /tmp/tree/sub/f$i; done
                cp -a /usr/share/doc/fio /tmp/tree/doc
                for fs in ext4 xfs; do
                  if [ $fs = ext4 ]; then mkfs.ext4 -q -F $dev; else mkfs.xfs -q -f $dev; fi
                  mount $dev /mnt/t
                  cp -a /tmp/tree /mnt/t/
                  sync
                  umount /mnt/t
                  if [ $fs = ext4 ]; then e2fsck -fn $dev; else xfs_repair -n $dev; fi
                  mount $dev /mnt/t
                  diff -r /tmp/tree /mnt/t/tree
                  umount /mnt/t
                  echo "$fs tree intact"
                done
                """.formatted(NQN), LONG);
        assertTrue(out.contains("ext4 tree intact"), out);
        assertTrue(out.contains("xfs tree intact"), out);
    }

    @Test
    @Order(7)
    void shouldPassFioVerifyThroughLibaioAndPolledIoUring() throws Exception {
        String out = vm.ok("nvme disconnect -n " + NQN + "\n" + connect(NQN, "--nr-poll-queues=1") + """
                dev=$(wait_ns %s 1)
                common="--filename=$dev --rw=randrw --bsrange=4k-64k --iodepth=16 --direct=1 --size=8M \
                  --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=terse"
                fio --name=libaio --ioengine=libaio $common > /tmp/fio1
                fio --name=uring --ioengine=io_uring --hipri=1 $common > /tmp/fio2
                echo "fio libaio errors=$(cut -d';' -f5 /tmp/fio1) io_uring errors=$(cut -d';' -f5 /tmp/fio2)"
                """.formatted(NQN), LONG);
        assertTrue(out.contains("fio libaio errors=0 io_uring errors=0"), out);
    }

    @Test
    @Order(8)
    void shouldPassFioVerifyOnA512ByteBlockNamespace() throws Exception {
        String out = vm.ok("""
                dev=$(nsdev %s 2)
                echo "lbs=$(blockdev --getss $dev)"
                fio --name=small --filename=$dev --ioengine=libaio --rw=randrw --bsrange=512-16k --iodepth=16 --direct=1 \
                  --size=4M --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=terse > /tmp/fio3
                echo "fio errors=$(cut -d';' -f5 /tmp/fio3)"
                nvme disconnect -n %1$s
                """.formatted(NQN), LONG);
        assertTrue(out.contains("lbs=512"), out);
        assertTrue(out.contains("fio errors=0"), out);
    }

    @Test
    @Order(9)
    void shouldRefuseAHostWhoseNqnIsNotAllowedWithACleanKernelMessage() throws Exception {
        KernelVm.Result r = vm.run(connect(LOCKED, ""), SHORT);
        assertNotEquals(0, r.status(), "connect must fail:\n" + r.output());
        String dmesg = vm.ok("dmesg | tail -n 20", SHORT);
        assertTrue(dmesg.contains("Connect for subsystem " + LOCKED + " is not allowed"), dmesg);
        assertTrue(target.log().contains(LOCKED), "the target says whom it refused:\n" + target.log());
    }

    @Test
    @Order(10)
    void shouldKeepAnIdleControllerLiveFor60Seconds() throws Exception {
        long idleSeconds = Duration.ofNanos(System.nanoTime() - idleConnectedAtNanos).toSeconds();
        String out = vm.ok("""
                ctrl=$(basename $(ctrldev %s))
                sleep %d
                echo "state=$(cat /sys/class/nvme/$ctrl/state)"
                dmesg | grep "$ctrl" || true
                """.formatted(IDLE, Math.max(0, 61 - idleSeconds)), Duration.ofSeconds(120));
        assertTrue(out.contains("state=live"), out);
        assertFalse(out.contains("keep-alive"), "no keep-alive failure:\n" + out);
        assertFalse(out.contains("reconnect"), "never reconnected:\n" + out);
        assertFalse(target.log().contains("keep-alive"), target.log());
        vm.ok("nvme disconnect -n " + IDLE, SHORT);
    }

    @Test
    @Order(11)
    void shouldReconnectAndPassFioVerifyWhenTheTargetIsKilledAndRestartedOnTheSameFile() throws Exception {
        vm.ok(connect(DURABLE, "--ctrl-loss-tmo=120 --reconnect-delay=1") + """
                dev=$(wait_ns %s 1)
                (fio --name=killed --filename=$dev --ioengine=libaio --rw=randwrite --bs=4k --iodepth=16 --direct=1 \
                   --size=24M --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=terse > /tmp/fiok.out 2>&1;
                 echo $? > /tmp/fiok.rc) &
                sleep 2
                """.formatted(DURABLE), SHORT);
        target.kill();
        target.restart();
        String out = vm.ok("""
                for i in $(seq 1800); do [ -f /tmp/fiok.rc ] && break; sleep 0.1; done
                echo "fio rc=$(cat /tmp/fiok.rc) errors=$(cut -d';' -f5 /tmp/fiok.out)"
                cat /tmp/fiok.out | head -c 2000
                dmesg | grep -E "reconnect|Successfully" || true
                """, Duration.ofSeconds(240));
        assertTrue(out.contains("fio rc=0 errors=0"), out);
        assertTrue(out.contains("Successfully reconnected"), "the kernel host reconnected:\n" + out);
        assertEquals("live", vm.ok("cat /sys/class/nvme/$(basename $(ctrldev " + DURABLE + "))/state", SHORT).strip());
        vm.ok("nvme disconnect -n " + DURABLE, SHORT);
    }
}
