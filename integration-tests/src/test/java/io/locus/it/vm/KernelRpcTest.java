package io.locus.it.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.target.rpc.RpcClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Linux kernel host connected to {@code scripts/locus-target} while namespaces are added, resized and removed
 * over JSON-RPC: the host learns each change from the Namespace Attribute Changed AEN and the Changed Namespace List
 * and rescans, on the same controller, without reconnecting.
 */
class KernelRpcTest {
    static final String NQN = "nqn.2026-11.io.locus:vm-rpc";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(240);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namespacesAddedResizedAndRemovedOverRpcAppearWithoutReconnecting(@TempDir Path dir) throws Exception {
        String reason = KernelVm.unavailableReason();
        assumeTrue(reason == null, () -> "kernel host tests skipped: " + reason);
        int port = TargetProcess.freePort();
        Path socket = dir.resolve("rpc.sock");
        try (TargetProcess target = TargetProcess.start(dir.resolve("target.log"), port, "--listen", "127.0.0.1:" + port,
                "--discovery-port", "0", "--nqn", NQN, "--memory", "64M", "--rpc-socket", socket.toString());
             KernelVm vm = KernelVm.boot(dir.resolve("vm"), List.of(), Duration.ofMinutes(15))) {
            vm.ok("modprobe nvme-tcp", SHORT);
            String before = vm.ok("nvme connect -t tcp -a " + KernelVm.HOST_ADDRESS + " -s " + port + " -n " + NQN + " $HOSTARGS\n"
                    + "wait_ns " + NQN + " 1 >/dev/null\n"
                    + "c=$(ctrldev " + NQN + "); echo \"ctrl=$c cntlid=$(cat /sys/class/nvme/$(basename $c)/cntlid)\"", SHORT);
            String ctrl = before.lines().filter(l -> l.startsWith("ctrl=")).findFirst().orElseThrow();

            try (RpcClient rpc = RpcClient.unix(socket)) {
                rpc.call("bdev_malloc_create", JSON.readTree("{\"name\":\"Hot\",\"num_blocks\":8192,\"block_size\":4096}"));
                rpc.call("nvmf_subsystem_add_ns", JSON.readTree("{\"nqn\":\"" + NQN + "\",\"namespace\":{\"bdev_name\":\"Hot\",\"nsid\":2}}"));
                rpc.call("bdev_null_create", JSON.readTree("{\"name\":\"Grow\",\"num_blocks\":4096,\"block_size\":4096}"));
                rpc.call("nvmf_subsystem_add_ns", JSON.readTree("{\"nqn\":\"" + NQN + "\",\"namespace\":{\"bdev_name\":\"Grow\",\"nsid\":3}}"));
            }
            String added = vm.ok("d=$(wait_ns " + NQN + " 2); g=$(wait_ns " + NQN + " 3)\n"
                    + "nvme list\n"
                    + "roundtrip $d 4096 4\n"
                    + "echo \"grow=$(blockdev --getsize64 $g)\"\n"
                    + "c=$(ctrldev " + NQN + "); echo \"ctrl=$c cntlid=$(cat /sys/class/nvme/$(basename $c)/cntlid)\"", LONG);
            assertTrue(added.contains("roundtrip bs=4096 count=4 ok"), added);
            assertTrue(added.contains("grow=16777216"), added);
            assertTrue(added.contains(ctrl), "the same controller, not a reconnect: " + ctrl + "\n" + added);

            try (RpcClient rpc = RpcClient.unix(socket)) {
                rpc.call("bdev_null_resize", JSON.readTree("{\"name\":\"Grow\",\"new_size\":32}"));
                rpc.call("nvmf_subsystem_remove_ns", JSON.readTree("{\"nqn\":\"" + NQN + "\",\"nsid\":1}"));
            }
            String changed = vm.ok("g=$(wait_ns " + NQN + " 3)\n"
                    + "for i in $(seq 300); do [ \"$(blockdev --getsize64 $g)\" = 33554432 ] && [ -z \"$(nsdev " + NQN + " 1)\" ] && break; sleep 0.1; done\n"
                    + "echo \"grow=$(blockdev --getsize64 $g) ns1=[$(nsdev " + NQN + " 1)]\"\n"
                    + "c=$(ctrldev " + NQN + "); echo \"ctrl=$c cntlid=$(cat /sys/class/nvme/$(basename $c)/cntlid)\"\n"
                    + "nvme disconnect -n " + NQN, LONG);
            assertTrue(changed.contains("grow=33554432 ns1=[]"), "resized and removed as seen by the host:\n" + changed);
            assertTrue(changed.contains(ctrl), changed);
            assertEquals(1, changed.lines().filter(l -> l.contains("disconnected 1 controller")).count(), changed);
        }
    }
}
