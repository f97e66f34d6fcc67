package io.locus.target;

import io.locus.target.config.TargetConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocusTargetMainTest {
    private static TargetConfig parse(String... args) throws Exception {
        LocusTargetMain main = new LocusTargetMain();
        new CommandLine(main).parseArgs(args);
        return main.buildConfig();
    }

    @Test
    void shouldServeTheEmbeddedDefaultWithNoArguments() throws Exception {
        TargetConfig c = parse();
        assertEquals(TargetConfig.DEFAULT_NQN, c.subsystems().get(0).nqn());
        assertEquals(1L << 30, c.subsystems().get(0).namespaces().get(0).size());
        assertEquals("memory", c.subsystems().get(0).namespaces().get(0).backend());
        assertEquals(4420, c.ports().get(0).port());
        assertEquals(8009, c.discovery().port());
        assertTrue(c.subsystems().get(0).allowAnyHost());
    }

    @Test
    void shouldNumberQuickStartNamespacesInOrder() throws Exception {
        TargetConfig c = parse("--listen", "127.0.0.1:5000", "--nqn", "nqn.2026-11.io.locus:q", "--memory", "512M",
                "--null", "1G", "--file", "/tmp/x.img:64M", "--discovery-port", "0", "--cores", "0");
        var ns = c.subsystems().get(0).namespaces();
        assertEquals(3, ns.size());
        assertEquals("memory", ns.get(0).backend());
        assertEquals(2, ns.get(1).nsid());
        assertEquals("null", ns.get(1).backend());
        assertEquals("/tmp/x.img", ns.get(2).path());
        assertEquals(64L << 20, ns.get(2).size());
        assertNull(c.discovery());
        assertEquals(5000, c.ports().get(0).port());
        assertEquals(java.util.List.of(0), c.reactors().cores());
    }

    @Test
    void shouldListenForRdmaWhenAskedWithThePrefix() throws Exception {
        TargetConfig c = parse("--listen", "rdma:10.0.2.15:4420", "--listen", "127.0.0.1:4421", "--listen", "tcp:[::1]:4422");
        assertEquals("10.0.2.15", c.ports().get(0).address());
        assertEquals(4420, c.ports().get(0).port());
        assertTrue(c.ports().get(0).rdma());
        assertEquals("tcp", c.ports().get(1).transport());
        assertEquals("::1", c.ports().get(2).address());
        assertEquals("tcp", c.ports().get(2).transport());
    }

    @Test
    void shouldExplainBadFlags() {
        assertEquals("--memory: '1X' is not a size (examples: 4096, 512M, 1G, 1GiB)",
                assertThrows(IllegalArgumentException.class, () -> parse("--memory", "1X")).getMessage());
        assertEquals("--listen: 'localhost' is not ADDR:PORT (example: 127.0.0.1:4420)",
                assertThrows(IllegalArgumentException.class, () -> parse("--listen", "localhost")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--nqn", "foo")).getMessage().startsWith("--nqn: 'foo' is not an NQN"));
    }

    @Test
    void shouldRefuseAPersistFileInADirectoryThatDoesNotExist(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        LocusTargetMain main = new LocusTargetMain();
        java.nio.file.Path file = dir.resolve("gone").resolve("p.json");
        new CommandLine(main).parseArgs("--persist", file.toString());
        assertEquals("--persist " + file + ": directory " + file.getParent() + " does not exist",
                assertThrows(io.locus.target.config.ConfigException.class, main::readReplay).getMessage());
    }

    @Test
    void shouldRefuseReactorCoresThisProcessCannotUse() {
        java.util.BitSet allowed = new java.util.BitSet();
        allowed.set(0, 2);
        assertEquals("cores: CPU 5,99 cannot run a reactor: this process may use CPUs 0-1 only",
                LocusTargetMain.unusableCores(java.util.List.of(0, 5, 99), allowed));
        assertNull(LocusTargetMain.unusableCores(java.util.List.of(1), allowed));
        assertNull(LocusTargetMain.unusableCores(java.util.List.of(99), null));
    }

    @Test
    void shouldNameAnUnknownTransportPrefix() throws Exception {
        assertEquals("--listen: unknown transport 'udp' in 'udp:127.0.0.1:4420' (tcp: or rdma:)",
                assertThrows(IllegalArgumentException.class, () -> parse("--listen", "udp:127.0.0.1:4420")).getMessage());
        assertEquals("localhost", parse("--listen", "localhost:4420").ports().get(0).address());
        assertEquals("fe80::1", parse("--listen", "[fe80::1]:4420").ports().get(0).address());
    }
}
