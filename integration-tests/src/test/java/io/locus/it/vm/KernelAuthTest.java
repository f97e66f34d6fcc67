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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.locus.it.CliRun.cli;
import static io.locus.it.CliRun.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DH-HMAC-CHAP against the Linux kernel (Debian's backports kernel in {@code scripts/kernel-vm}: NVMe in-band
 * authentication on both sides), one guest for the class:
 * <ul>
 * <li>the kernel host ({@code nvme connect --dhchap-secret [--dhchap-ctrl-secret]}) against {@code scripts/locus-target}
 *     with per-host secrets in its config;</li>
 * <li>the Locus host ({@code locus identify/perf -S [-C]}, in process) against nvmet with {@code dhchap_key}
 *     ({@code dhchap_ctrl_key}, {@code dhchap_hash}, {@code dhchap_dhgroup}) on allowed hosts, through a forwarded
 *     port.</li>
 * </ul>
 * Keys come from {@code nvme gen-dhchap-key}, as a user makes them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelAuthTest {
    /** The guest's host NQN ({@code vm/lib.sh}). */
    static final String HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:5e1f0c2a-7d3b-4c1e-9a6f-0123456789ab";
    static final String UNI = "nqn.2026-11.io.locus:auth-uni";
    static final String BI = "nqn.2026-11.io.locus:auth-bi";
    static final String SHA256_3072 = "nqn.2026-11.io.locus:auth-sha256-ffdhe3072";
    static final String SHA384_NULL = "nqn.2026-11.io.locus:auth-sha384-null";
    /** nvmet's subsystem in the guest, and the two Locus hosts it allows. */
    static final String NVMET = "nqn.2026-11.io.locus:nvmet-auth";
    static final String LOCUS_UNI = "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-0000-4000-8000-00000000000a";
    static final String LOCUS_BI = "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-0000-4000-8000-00000000000b";
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(180);

    Path dir;
    KernelVm vm;
    TargetProcess target;
    int port;
    String nvmetAddr;
    String hostKey256;
    String hostKey512;
    String ctrlKey;
    String wrongKey;
    String locusKey;
    String locusBiKey;
    String nvmetCtrlKey;

    @BeforeAll
    void bootGuestAndTarget(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        String reason = KernelVm.unavailableReason(KernelVm.BACKPORTS);
        assumeTrue(reason == null, () -> "kernel DH-HMAC-CHAP tests skipped: " + reason);
        hostKey256 = genKey(1, HOSTNQN);
        hostKey512 = genKey(3, HOSTNQN);
        ctrlKey = genKey(2, BI);
        wrongKey = genKey(1, HOSTNQN);
        locusKey = genKey(1, LOCUS_UNI);
        locusBiKey = genKey(3, LOCUS_BI);
        nvmetCtrlKey = genKey(3, NVMET);

        port = TargetProcess.freePort();
        Path config = dir.resolve("target.json");
        Files.writeString(config, """
                {
                  "ports": [ { "address": "127.0.0.1", "port": %d } ],
                  "discovery": { "address": "127.0.0.1", "port": %d },
                  "subsystems": [
                    { "nqn": "%s", "hosts": [ { "nqn": "%s", "dhchap_key": "%s" } ],
                      "namespaces": [ { "nsid": 1, "backend": "memory", "size": "64M", "block_size": 4096 } ] },
                    { "nqn": "%s", "hosts": [ { "nqn": "%s", "dhchap_key": "%s", "dhchap_ctrl_key": "%s" } ],
                      "namespaces": [ { "nsid": 1, "backend": "memory", "size": "64M", "block_size": 512 } ] },
                    { "nqn": "%s", "hosts": [ { "nqn": "%s", "dhchap_key": "%s",
                        "dhchap_hashes": ["sha256"], "dhchap_dhgroups": ["ffdhe3072"] } ],
                      "namespaces": [ { "nsid": 1, "backend": "memory", "size": "16M", "block_size": 4096 } ] },
                    { "nqn": "%s", "hosts": [ { "nqn": "%s", "dhchap_key": "%s",
                        "dhchap_hashes": ["sha384"], "dhchap_dhgroups": ["null"] } ],
                      "namespaces": [ { "nsid": 1, "backend": "memory", "size": "16M", "block_size": 4096 } ] }
                  ]
                }
                """.formatted(port, TargetProcess.freePort(), UNI, HOSTNQN, hostKey256, BI, HOSTNQN, hostKey512, ctrlKey,
                SHA256_3072, HOSTNQN, hostKey256, SHA384_NULL, HOSTNQN, hostKey512));
        target = TargetProcess.start(dir.resolve("target.log"), port, "--config", config.toString());

        int nvmetPort = TargetProcess.freePort();
        nvmetAddr = "-t tcp -a 127.0.0.1 -s " + nvmetPort + " -n " + NVMET;
        vm = KernelVm.boot(dir.resolve("vm"), List.of(nvmetPort + ":4420"), Duration.ofMinutes(10), KernelVm.BACKPORTS);
        // nvmet: two allowed hosts, one with its secret only (the defaults: hmac(sha256), null DH group), one with the
        // controller's secret too, SHA-512 and ffdhe2048.
        vm.ok("""
                modprobe nvme-tcp
                modprobe nvmet-tcp
                truncate -s 64M /dev/shm/nvmet.img
                cd /sys/kernel/config/nvmet
                mkdir hosts/%1$s hosts/%2$s
                echo '%3$s' > hosts/%1$s/dhchap_key
                echo '%4$s' > hosts/%2$s/dhchap_key
                echo '%5$s' > hosts/%2$s/dhchap_ctrl_key
                echo 'hmac(sha512)' > hosts/%2$s/dhchap_hash
                echo ffdhe2048 > hosts/%2$s/dhchap_dhgroup
                echo "nvmet defaults: $(cat hosts/%1$s/dhchap_hash) $(cat hosts/%1$s/dhchap_dhgroup)"
                mkdir subsystems/%6$s
                echo 0 > subsystems/%6$s/attr_allow_any_host
                ln -s /sys/kernel/config/nvmet/hosts/%1$s subsystems/%6$s/allowed_hosts/%1$s
                ln -s /sys/kernel/config/nvmet/hosts/%2$s subsystems/%6$s/allowed_hosts/%2$s
                mkdir subsystems/%6$s/namespaces/1
                echo /dev/shm/nvmet.img > subsystems/%6$s/namespaces/1/device_path
                echo 1 > subsystems/%6$s/namespaces/1/buffered_io
                echo 1 > subsystems/%6$s/namespaces/1/enable
                mkdir ports/1
                echo tcp > ports/1/addr_trtype
                echo ipv4 > ports/1/addr_adrfam
                echo 0.0.0.0 > ports/1/addr_traddr
                echo 4420 > ports/1/addr_trsvcid
                ln -s /sys/kernel/config/nvmet/subsystems/%6$s ports/1/subsystems/%6$s
                """.formatted(LOCUS_UNI, LOCUS_BI, locusKey, locusBiKey, nvmetCtrlKey, NVMET), SHORT);
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

    /** Runs {@code script} with the kernel log cleared first; prints the kernel's lines after it under "--- dmesg". */
    KernelVm.Result withDmesg(String script, Duration timeout) throws Exception {
        return vm.run("dmesg -C\nset +e\n(\nset -e\n" + script + "\n)\nrc=$?\necho '--- dmesg'; dmesg\nexit $rc\n", timeout);
    }

    @Test
    @Order(1)
    void kernelHostAuthenticatesWithItsSecretAndReauthenticatesOnRequest() throws Exception {
        String out = withDmesg(connect(UNI, "--dhchap-secret=" + hostKey256 + " --nr-io-queues=2") + """
                dev=$(wait_ns %1$s 1)
                ctrl=$(basename $(ctrldev %1$s))
                roundtrip $dev 4096 16
                # Writing the secret again makes the kernel re-authenticate every queue of the live controller.
                echo -n '%2$s' > /sys/class/nvme/$ctrl/dhchap_secret
                for i in $(seq 100); do dmesg | grep -q "re-authenticating" && break; sleep 0.1; done
                sleep 1
                roundtrip $dev 65536 4 8
                echo "state=$(cat /sys/class/nvme/$ctrl/state)"
                nvme disconnect -n %1$s
                """.formatted(UNI, hostKey256), LONG).ok();
        assertTrue(out.contains("roundtrip bs=4096 count=16 ok"), out);
        assertTrue(out.contains("roundtrip bs=65536 count=4 ok"), out);
        // Locus prefers SHA-512 and ffdhe2048 among what the kernel offers (all three hashes, null and ffdhe*).
        assertTrue(out.contains("qid 0: authenticated with hash hmac(sha512) dhgroup ffdhe2048"), out);
        assertTrue(out.contains("re-authenticating controller"), out);
        assertFalse(out.contains("authentication failed"), out);
        assertTrue(out.contains("state=live"), out);
    }

    @Test
    @Order(2)
    void kernelHostAndLocusTargetAuthenticateEachOther() throws Exception {
        String out = withDmesg(connect(BI, "--dhchap-secret=" + hostKey512 + " --dhchap-ctrl-secret=" + ctrlKey) + """
                dev=$(wait_ns %1$s 1)
                ctrl=$(basename $(ctrldev %1$s))
                roundtrip $dev 512 9 3
                roundtrip $dev 131072 2
                echo -n '%2$s' > /sys/class/nvme/$ctrl/dhchap_ctrl_secret
                for i in $(seq 100); do dmesg | grep -q "re-authenticating" && break; sleep 0.1; done
                sleep 1
                roundtrip $dev 4096 2
                nvme disconnect -n %1$s
                """.formatted(BI, ctrlKey), LONG).ok();
        assertTrue(out.contains("qid 0: controller authenticated"), out);
        assertTrue(out.contains("roundtrip bs=131072 count=2 ok"), out);
        assertTrue(out.contains("roundtrip bs=4096 count=2 ok"), out);
        assertFalse(out.contains("authentication failed"), out);
    }

    @Test
    @Order(3)
    void kernelHostTakesTheHashAndGroupTheTargetIsConfiguredFor() throws Exception {
        // A larger group costs the guest seconds of modular arithmetic under TCG: a longer keep-alive covers it.
        String out = withDmesg(connect(SHA256_3072, "--dhchap-secret=" + hostKey256 + " --keep-alive-tmo=60")
                + "roundtrip $(wait_ns " + SHA256_3072 + " 1) 4096 2\n"
                + connect(SHA384_NULL, "--dhchap-secret=" + hostKey512)
                + "roundtrip $(wait_ns " + SHA384_NULL + " 1) 4096 2\n"
                + "nvme disconnect -n " + SHA256_3072 + "; nvme disconnect -n " + SHA384_NULL, LONG).ok();
        assertTrue(out.contains("authenticated with hash hmac(sha256) dhgroup ffdhe3072"), out);
        assertTrue(out.contains("authenticated with hash hmac(sha384) dhgroup null"), out);
        assertFalse(out.contains("authentication failed"), out);
    }

    @Test
    @Order(4)
    void kernelHostWithAWrongOrNoSecretIsRefusedAndTheTargetServesOthers() throws Exception {
        KernelVm.Result wrong = withDmesg(connect(UNI, "--dhchap-secret=" + wrongKey), SHORT);
        assertNotEquals(0, wrong.status(), wrong.output());
        assertTrue(wrong.output().contains("Key was rejected by service"), wrong.output());
        assertTrue(wrong.output().contains("qid 0: authentication failed"), wrong.output());
        target.awaitLog("does not match its configured dhchap_key", SHORT);

        KernelVm.Result wrongCtrl = withDmesg(connect(BI, "--dhchap-secret=" + hostKey512 + " --dhchap-ctrl-secret=" + wrongKey), SHORT);
        assertNotEquals(0, wrongCtrl.status(), wrongCtrl.output());
        assertTrue(wrongCtrl.output().contains("controller authentication failed"), wrongCtrl.output());
        target.awaitLog("the host rejected the controller's response", SHORT);

        KernelVm.Result none = withDmesg(connect(UNI, ""), SHORT);
        assertNotEquals(0, none.status(), none.output());
        assertTrue(none.output().contains("qid 0: no key"), none.output());
        // The kernel leaves without a word after Connect's ATR: the target's log says why.
        target.awaitLog("never started DH-HMAC-CHAP", SHORT);

        String ok = vm.ok(connect(UNI, "--dhchap-secret=" + hostKey256) + "roundtrip $(wait_ns " + UNI + " 1) 4096 1\n"
                + "nvme disconnect -n " + UNI, LONG);
        assertTrue(ok.contains("roundtrip bs=4096 count=1 ok"), ok);
        assertFalse(target.log().contains(hostKey256.substring(10, 30)), "no secret in the target's log");
        assertFalse(target.log().contains(wrongKey.substring(10, 30)), "no secret in the target's log");
    }

    @Test
    @Order(5)
    void locusHostAuthenticatesToNvmet() throws Exception {
        String[] id = cli("identify " + nvmetAddr + " -q " + LOCUS_UNI + " -S " + locusKey + " --json");
        assertEquals("0", id[0], id[2]);
        assertTrue(id[1].contains(NVMET), id[1]);
        JsonNode perf = json(cli("perf " + nvmetAddr + " -q " + LOCUS_UNI + " -S " + locusKey + " --queues 2"
                + " --queue-depth 8 --io-size 4096 --workload randrw --time 1 --warmup 0 --size 8M --verify --json"));
        assertTrue(perf.get("iops").asDouble() > 0, perf.toString());
        assertEquals(0, perf.get("errors").asLong(), perf.toString());
        assertEquals(0, perf.get("verify_failures").asLong(), perf.toString());
    }

    @Test
    @Order(6)
    void locusHostAndNvmetAuthenticateEachOther() throws Exception {
        String auth = " -q " + LOCUS_BI + " -S " + locusBiKey + " -C " + nvmetCtrlKey;
        String[] id = cli("identify " + nvmetAddr + auth + " --json");
        assertEquals("0", id[0], id[2]);
        JsonNode perf = json(cli("perf " + nvmetAddr + auth + " --queues 2"
                + " --queue-depth 8 --io-size 65536 --workload randrw --time 1 --warmup 0 --size 8M --verify --json"));
        assertTrue(perf.get("iops").asDouble() > 0, perf.toString());
        assertEquals(0, perf.get("errors").asLong(), perf.toString());
        assertEquals(0, perf.get("verify_failures").asLong(), perf.toString());
    }

    @Test
    @Order(7)
    void locusHostWithAWrongKeyGetsOneLine() throws Exception {
        String[] wrong = cli("identify " + nvmetAddr + " -q " + LOCUS_UNI + " -S " + wrongKey);
        assertNotEquals("0", wrong[0], wrong[1]);
        assertEquals(1, wrong[2].strip().lines().count(), wrong[2]);
        assertTrue(wrong[2].contains("wrong --dhchap-secret"), wrong[2]);
        assertFalse(wrong[2].contains(wrongKey.substring(10, 30)), "no secret in the error");

        String[] wrongCtrl = cli("identify " + nvmetAddr + " -q " + LOCUS_BI + " -S " + locusBiKey + " -C " + wrongKey);
        assertNotEquals("0", wrongCtrl[0], wrongCtrl[1]);
        assertEquals(1, wrongCtrl[2].strip().lines().count(), wrongCtrl[2]);
        assertTrue(wrongCtrl[2].contains("wrong --dhchap-ctrl-secret"), wrongCtrl[2]);

        String[] none = cli("identify " + nvmetAddr + " -q " + LOCUS_UNI);
        assertNotEquals("0", none[0], none[1]);
        assertEquals(1, none[2].strip().lines().count(), none[2]);
        assertTrue(none[2].contains("requires DH-HMAC-CHAP"), none[2]);

        String dmesg = vm.ok("dmesg | grep nvmet", SHORT);
        assertTrue(dmesg.contains("host response mismatch"), dmesg);
    }

    /** {@code nvme gen-dhchap-key --hmac=H --nqn NQN} on this machine (the guest shares its nvme-cli). */
    private static String genKey(int hmac, String nqn) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nvme", "gen-dhchap-key", "--hmac=" + hmac, "--nqn", nqn).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.startsWith("DHHC-1:"), "nvme gen-dhchap-key: " + out);
        return out;
    }
}
