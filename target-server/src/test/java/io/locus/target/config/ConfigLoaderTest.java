package io.locus.target.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static String error(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.json", json)).getMessage();
    }

    @Test
    void shouldReadTheExampleConfigShippedInConfigDir() throws Exception {
        Path example = Path.of("..", "config", "target.example.json");
        TargetConfig c = ConfigLoader.load(example);
        assertEquals(2, c.subsystems().size());
        assertTrue(c.subsystems().get(0).namespaces().size() >= 1);
    }

    @Test
    void shouldParseSizesAndDefaults() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", """
                {"subsystems": [{"nqn": "nqn.2026-11.io.locus:a",
                  "namespaces": [{"backend": "memory", "size": "1GiB"}, {"backend": "null", "size": 8192, "block_size": 512}]}],
                 "discovery": null}
                """);
        assertEquals(1L << 30, c.subsystems().get(0).namespaces().get(0).size());
        assertEquals(2, c.subsystems().get(0).namespaces().get(1).nsid());
        assertEquals(512, c.subsystems().get(0).namespaces().get(1).blockSize());
        assertTrue(c.subsystems().get(0).allowAnyHost());
        assertNull(c.discovery());
        assertEquals(4420, c.ports().get(0).port());
    }

    @Test
    void shouldNameFileFieldAndReasonForEveryError() {
        assertEquals("t.json: subsystems: is required (a list of subsystems to serve)", error("{}"));
        assertEquals("t.json: subsystems[0].namespaces[0].size: '12X' is not a size (examples: 4096, 512M, 1G, 1GiB)",
                error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"memory\",\"size\":\"12X\"}]}]}"));
        assertTrue(error("{\"subsystems\":[{\"nqn\":\"bad\"}]}").startsWith("t.json: subsystems[0].nqn: 'bad' is not an NQN"));
        assertTrue(error("{\"subsystems\":[], \"prots\": []}").startsWith("t.json: prots: unknown field"));
        assertTrue(error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"disk\"}]}]}")
                .startsWith("t.json: subsystems[0].namespaces[0].backend: 'disk' is not a backend"));
        assertEquals("t.json: subsystems[0].namespaces[0].path: is required for a file namespace",
                error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"file\"}]}]}"));
        assertEquals("t.json: ports[0].port: 70000 is out of range 0..65535",
                error("{\"subsystems\":[],\"ports\":[{\"port\":70000}]}"));
        assertEquals("t.json: reactors.idle: must be \"busy\" or \"adaptive\", not \"lazy\"",
                error("{\"subsystems\":[],\"reactors\":{\"idle\":\"lazy\"}}"));
        assertTrue(error("{\"subsystems\": [").startsWith("t.json: not valid JSON at line 1"));
        assertEquals("t.json: subsystems[0].namespaces[1].nsid: 1 is used twice in this subsystem",
                error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"null\",\"size\":\"1M\"},{\"nsid\":1,\"backend\":\"null\",\"size\":\"1M\"}]}]}"));
        String u = "\"uuid\":\"5d0c6f3e-2a1b-4c8d-9e7f-0a1b2c3d4e5f\"";
        assertEquals("t.json: subsystems[0].namespaces[1].uuid: 5d0c6f3e-2a1b-4c8d-9e7f-0a1b2c3d4e5f is used twice in this subsystem (a UUID names one namespace)",
                error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"null\",\"size\":\"1M\"," + u
                        + "},{\"backend\":\"null\",\"size\":\"1M\"," + u + "}]}]}"));
        String g = "\"nguid\":\"9f1e2d3c4b5a46978a1b2c3d4e5f6a7b\"";
        assertTrue(error("{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:a\",\"namespaces\":[{\"backend\":\"null\",\"size\":\"1M\"," + g
                        + "},{\"backend\":\"null\",\"size\":\"1M\"," + g + "}]}]}")
                .startsWith("t.json: subsystems[0].namespaces[1].nguid: 9f1e2d3c4b5a46978a1b2c3d4e5f6a7b is used twice"));
    }

    @Test
    void shouldReadTheBatchLimitsOfTheReactors() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", "{\"subsystems\":[],\"reactors\":{\"batch_pdus\":8,\"batch_bytes\":1048576}}");
        assertEquals(8, c.reactors().batchPdus());
        assertEquals(1 << 20, c.reactors().batchBytes());
        TargetConfig defaults = ConfigLoader.parse("t.json", "{\"subsystems\":[]}");
        assertEquals(TargetConfig.Reactors.DEFAULT_BATCH_BYTES, defaults.reactors().batchBytes());
        assertEquals("t.json: reactors.batch_bytes: 100 is out of range 4096..16777216",
                error("{\"subsystems\":[],\"reactors\":{\"batch_bytes\":100}}"));
    }

    @Test
    void shouldReadTheTransportOfAPort() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", "{\"subsystems\":[],\"ports\":[{\"address\":\"10.0.2.15\","
                + "\"port\":4420,\"transport\":\"rdma\"},{\"port\":4421}]}");
        assertTrue(c.ports().get(0).rdma());
        assertEquals("tcp", c.ports().get(1).transport());
        assertEquals("t.json: ports[0].transport: must be \"tcp\" or \"rdma\", not \"fc\"",
                error("{\"subsystems\":[],\"ports\":[{\"port\":1,\"transport\":\"fc\"}]}"));
        assertEquals("t.json: ports[0].tls: TLS is for NVMe/TCP; an \"rdma\" port cannot require it",
                error("{\"subsystems\":[],\"ports\":[{\"port\":1,\"transport\":\"rdma\",\"tls\":\"required\"}]}"));
    }

    @Test
    void shouldReportMissingFileByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("/nonexistent/locus.json")));
        assertEquals("/nonexistent/locus.json: no such file", e.getMessage());
    }

    @Test
    void shouldParseHumanSizes() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(512L << 20, Sizes.parse("512M"));
        assertEquals(1L << 30, Sizes.parse("1G"));
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(2L << 40, Sizes.parse("2 TB"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.5G"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1"));
        assertEquals("1 GiB", Sizes.format(1L << 30));
    }

    @Test
    void shouldParseCpuLists() {
        assertEquals(java.util.List.of(0), CpuList.parse("0"));
        assertEquals(java.util.List.of(1, 2, 3, 6), CpuList.parse("1-3,6"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("3-1"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("a"));
    }

    @Test
    void shouldLoadFromDisk(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{\"subsystems\":[{\"nqn\":\"nqn.2026-11.io.locus:x\",\"hosts\":[\"nqn.2014-08.org.nvmexpress:uuid:1\"]}]}");
        TargetConfig c = ConfigLoader.load(f);
        assertEquals(false, c.subsystems().get(0).allowAnyHost(), "a host list without allow_any_host restricts access");
    }
}
