package io.locus.target;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.target.config.ConfigException;
import io.locus.target.model.Subsystem;
import io.locus.target.rpc.JsonRpcServer;
import io.locus.target.rpc.RpcClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration that survives: save_config / --persist restart the same target; SPDK and nvmetcli files start one. */
class ConfigFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    /** A target started as {@code locus-target args} would be, with its RPC server (closed together). */
    private record Running(Target target, JsonRpcServer rpc) implements AutoCloseable {
        @Override
        public void close() {
            if (rpc != null) {
                rpc.close();
            }
            target.close();
        }
    }

    private static Running start(String... args) throws Exception {
        LocusTargetMain main = new LocusTargetMain();
        new CommandLine(main).parseArgs(args);
        main.readReplay();
        Target t = Target.start(main.buildConfig());
        try {
            return new Running(t, main.manage(t));
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static JsonNode call(Path socket, String method, String params) throws Exception {
        try (RpcClient c = RpcClient.unix(socket)) {
            return c.call(method, params == null ? null : JSON.readTree(params));
        }
    }

    @Test
    void persistedChangesRestartTheSameTarget() throws Exception {
        Path persist = dir.resolve("locus.json");
        Path sock = dir.resolve("a.sock");
        int io = freePort();
        int extra = freePort();
        int disc = freePort();
        JsonNode before;
        try (Running r = start("--listen", "127.0.0.1:" + io, "--discovery-port", String.valueOf(disc), "--memory", "16M",
                "--rpc-socket", sock.toString(), "--persist", persist.toString())) {
            assertTrue(Files.exists(persist), "written at start");
            call(sock, "bdev_null_create", "{\"name\":\"Null7\",\"num_blocks\":1024,\"block_size\":512}");
            String nqn = "nqn.2026-11.io.locus:persisted";
            call(sock, "nvmf_create_subsystem", "{\"nqn\":\"" + nqn + "\",\"serial_number\":\"P1\"}");
            call(sock, "nvmf_subsystem_add_ns", "{\"nqn\":\"" + nqn + "\",\"namespace\":{\"bdev_name\":\"Null7\",\"nsid\":3}}");
            call(sock, "nvmf_subsystem_add_listener", "{\"nqn\":\"" + nqn + "\",\"listen_address\":{\"trtype\":\"TCP\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + extra + "\"}}");
            call(sock, "nvmf_subsystem_add_host", "{\"nqn\":\"" + nqn + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:5\"}");
            assertTrue(Files.readString(persist).contains("nqn.2014-08.org.nvmexpress:uuid:5"), "the last change is on disk");
            before = call(sock, "nvmf_get_subsystems", null);
            assertEquals(before.toString(), call(sock, "nvmf_get_subsystems", null).toString());
            assertTrue(before.toString().contains("\"trsvcid\":\"" + extra + "\""), before.toString());
            try (var files = Files.list(dir)) {
                assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count(), "no temporary file left");
            }
        }
        Path sock2 = dir.resolve("b.sock");
        try (Running r = start("--persist", persist.toString(), "--rpc-socket", sock2.toString())) {
            assertEquals(before, call(sock2, "nvmf_get_subsystems", null));
            assertEquals(1024, call(sock2, "bdev_get_bdevs", "{\"name\":\"Null7\"}").get(0).get("num_blocks").asInt());
        }
    }

    @Test
    void spdkExampleStartsLocus() throws Exception {
        int io = freePort();
        int disc = freePort();
        String text = Files.readString(Path.of("../config/spdk.example.json"))
                .replace("\"4420\"", "\"" + io + "\"").replace("\"8009\"", "\"" + disc + "\"");
        Path file = dir.resolve("spdk.json");
        Files.writeString(file, text);
        try (Running r = start("--config", file.toString(), "--rpc-socket", "none")) {
            Subsystem s = r.target().subsystem("nqn.2016-06.io.spdk:cnode1");
            assertNotNull(s);
            assertEquals(2, s.namespaces().size());
            assertEquals("SPDK00000000000001", s.serial());
            assertEquals(127, r.target().limits().mqes(), "max_queue_depth 128 from nvmf_create_transport");
            assertEquals(16, r.target().limits().maxIoQueues());
            assertTrue(r.target().ports().stream().anyMatch(p -> p.discovery() && p.address().getPort() == disc));
            assertTrue(r.target().ports().stream().anyMatch(p -> !p.discovery() && p.address().getPort() == io));
        }
    }

    @Test
    void nvmetcliExampleStartsLocus() throws Exception {
        Path img = dir.resolve("ns1.img");
        Files.write(img, new byte[1 << 20]);
        int io = freePort();
        String text = Files.readString(Path.of("../config/nvmetcli.example.json"))
                .replace("/var/tmp/locus-nvmet-ns1.img", img.toString()).replace("\"4420\"", "\"" + io + "\"");
        Path file = dir.resolve("config.json");
        Files.writeString(file, text);
        try (Running r = start("--nvmetcli", file.toString(), "--rpc-socket", "none")) {
            Subsystem s = r.target().subsystem("nqn.2026-11.io.locus:nvmet");
            assertNotNull(s);
            assertFalse(s.allowAnyHost());
            assertTrue(s.hostAllowed("nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001"));
            assertEquals("7c3d6b0e-2f5a-4e7b-9b1c-0d2e3f4a5b6c", s.namespace(1).uuid().toString());
            assertEquals(256, s.namespace(1).blockCount(), "1 MiB file in 4 KiB blocks");
            assertEquals(1, r.target().ports().size(), "the one port, no discovery port (nvmet answers discovery on every port)");
        }
    }

    @Test
    void badFilesGiveClearErrors() throws Exception {
        Path spdk = dir.resolve("bad-spdk.json");
        Files.writeString(spdk, "{\"subsystems\":[{\"subsystem\":\"bdev\",\"config\":[]},{\"subsystem\":\"nvmf\",\"config\":[{\"method\":\"nvmf_frob\",\"params\":{}}]}]}");
        ConfigException e = assertThrows(ConfigException.class, () -> start("--config", spdk.toString(), "--rpc-socket", "none"));
        assertTrue(e.getMessage().contains("subsystems[1].config[0] (nvmf_frob): Locus has no method nvmf_frob"), e.getMessage());

        Files.writeString(spdk, "{\"subsystems\":[{\"subsystem\":\"nvmf\",\"config\":[{\"method\":\"nvmf_create_subsystem\",\"params\":{\"nqn\":\"bad\"}}]}]}");
        e = assertThrows(ConfigException.class, () -> start("--config", spdk.toString(), "--rpc-socket", "none"));
        assertTrue(e.getMessage().contains("(nvmf_create_subsystem): Invalid parameters: 'nqn'"), e.getMessage());

        Path nvmet = dir.resolve("bad-nvmet.json");
        Files.writeString(nvmet, "{\"ports\":[{\"addr\":{\"trtype\":\"rdma\",\"traddr\":\"10.0.0.1\",\"trsvcid\":\"4420\",\"adrfam\":\"ipv4\"},\"subsystems\":[]}],\"subsystems\":[]}");
        e = assertThrows(ConfigException.class, () -> start("--nvmetcli", nvmet.toString(), "--rpc-socket", "none"));
        assertTrue(e.getMessage().contains("ports[0].addr.trtype: 'rdma' is not served by Locus"), e.getMessage());

        Files.writeString(nvmet, "{\"subsystems\": [");
        e = assertThrows(ConfigException.class, () -> start("--nvmetcli", nvmet.toString(), "--rpc-socket", "none"));
        assertTrue(e.getMessage().contains("not valid JSON at line 1"), e.getMessage());

        Path persist = dir.resolve("persist.json");
        Files.writeString(persist, "{\"subsystems\": [{\"nqn\": \"nqn.2026-11.io.locus:x\"}]}");
        e = assertThrows(ConfigException.class, () -> start("--persist", persist.toString(), "--rpc-socket", "none"));
        assertTrue(e.getMessage().contains("not SPDK's JSON configuration"), e.getMessage());
    }
}
