package io.locus.target;

import io.locus.nativeio.IoUring;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.target.config.ConfigException;
import io.locus.target.config.ConfigLoader;
import io.locus.target.config.TargetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The uring backend is reachable from the quick-start flags, the JSON configuration and the wire. */
class UringWiringTest {
    @Test
    void shouldAddUringNamespaceWhenQuickStartFlagGiven() throws Exception {
        LocusTargetMain main = new LocusTargetMain();
        new CommandLine(main).parseArgs("--memory", "1M", "--uring", "/tmp/u.img:64M", "--uring", "/dev/nvme0n1",
                "--discovery-port", "0");
        List<TargetConfig.NamespaceConfig> ns = main.buildConfig().subsystems().get(0).namespaces();
        assertEquals(3, ns.size());
        assertEquals("uring", ns.get(1).backend());
        assertEquals(2, ns.get(1).nsid());
        assertEquals("/tmp/u.img", ns.get(1).path());
        assertEquals(64L << 20, ns.get(1).size());
        assertEquals("/dev/nvme0n1", ns.get(2).path());
        assertEquals(0, ns.get(2).size(), "no size: the device's own");
    }

    @Test
    void shouldAcceptUringBackendWithPathInConfig() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", """
                {"subsystems": [{"nqn": "nqn.2026-11.io.locus:a",
                  "namespaces": [{"backend": "uring", "path": "/var/lib/locus/a.img", "size": "1G"}]}]}
                """);
        assertEquals("uring", c.subsystems().get(0).namespaces().get(0).backend());
        String error = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.json",
                "{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"uring\"}]}]}")).getMessage();
        assertEquals("t.json: subsystems[0].namespaces[0].path: is required for a uring namespace", error);
    }

    @Test
    void shouldServeUringNamespaceOverTcpAndReportItsWriteCache(@TempDir Path dir) throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElse("?"));
        TargetConfig config = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "uring", 8L << 20,
                dir.resolve("tcp.img").toString(), 4096, null)), true, List.of(), TargetConfig.Limits.defaults());
        try (Target t = Target.start(config)) {
            assertTrue(t.subsystems().get(0).namespace(1).backend().describe().startsWith("uring "));
            int port = TestTargets.ioPort(t);
            try (RawHost admin = new RawHost(port); RawHost io = new RawHost(port)) {
                int cntlid = admin.adminUp(TestTargets.NQN, 0);
                byte[] id = admin.identify(1, 0);
                assertEquals(1, id[IdentifyController.VWC] & 1, "a file keeps acknowledged writes in a volatile cache");
                io.icReq(false, false);
                assertEquals(0, io.connect(1, 127, cntlid, TestTargets.NQN, RawHost.HOSTNQN, 0, 0).cqeStatus());
                byte[] data = new byte[64 * 1024];
                new Random(3).nextBytes(data);
                assertEquals(0, io.writeBlocks(1, 7, data, 4096, 8192, NvmOpcode.CDW12_FUA).cqeStatus());
                Object[] read = io.readBlocks(1, 7, 16, 4096);
                assertArrayEquals(data, (byte[]) read[0]);
            }
        }
    }
}
