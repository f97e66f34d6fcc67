package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.nativeio.IoUring;
import io.locus.target.Target;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every method over the socket, with valid and invalid parameters: one table of calls run in order (later rows
 * use what earlier rows made). A row expects a result containing a text, or an error code with a message
 * containing a text (the parameter's name for -32602).
 */
class RpcMethodsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NEW = "nqn.2026-11.io.locus:made-over-rpc";
    private static final String DUP = "5d0c6f3e-2a1b-4c8d-9e7f-0a1b2c3d4e5f";
    @TempDir
    Path dir;
    private RpcTestTargets.Served served;
    private Target target;
    private JsonRpcServer server;
    private Path socket;

    /** A call and what it must answer: {@code code} 0 for a result containing {@code expect}. */
    private record Row(String method, String params, int code, String expect) {
    }

    private static Row ok(String method, String params, String expect) {
        return new Row(method, params, 0, expect);
    }

    private static Row err(String method, String params, int code, String expect) {
        return new Row(method, params, code, expect);
    }

    @BeforeEach
    void start() throws IOException {
        served = RpcTestTargets.serve(dir);
        target = served.target();
        server = served.server();
        socket = served.socket();
    }

    @AfterEach
    void stop() {
        served.close();
    }

    @Test
    void everyMethodWithValidAndInvalidParameters() throws Exception {
        Path file = dir.resolve("aio.img");
        Files.write(file, new byte[1 << 20]);
        Path uringFile = dir.resolve("uring.img");
        Files.write(uringFile, new byte[1 << 20]);
        int freePort;
        try (ServerSocket s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        String listen = "{\"trtype\":\"TCP\",\"adrfam\":\"IPv4\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + freePort + "\"}";
        int p = RpcException.INVALID_PARAMS;
        List<Row> rows = new ArrayList<>(List.of(
                ok("rpc_get_methods", "{}", "\"bdev_null_resize\""),
                ok("rpc_get_methods", "{\"current\":true}", "\"nvmf_create_subsystem\""),
                err("rpc_get_methods", "{\"currnet\":true}", p, "'currnet'"),
                ok("framework_get_reactors", null, "\"lcore\""),
                err("framework_get_reactors", "{\"x\":1}", p, "'x'"),
                ok("locus_get_provenance", null, "\"enabled\":true"),
                ok("framework_get_reactors", null, "\"idle_mode\":\"adaptive\""),
                ok("locus_set_reactor_idle", "{\"mode\":\"busy\"}", "true"),
                ok("framework_get_reactors", null, "\"idle_mode\":\"busy\""),
                err("locus_set_reactor_idle", "{\"mode\":\"sleepy\"}", p, "'mode'"),
                err("locus_set_reactor_idle", "{}", p, "'mode' is required"),
                ok("locus_set_reactor_idle", "{\"mode\":\"adaptive\"}", "true"),
                ok("nvmf_get_transports", null, "\"max_io_qpairs_per_ctrlr\":64"),
                err("nvmf_create_transport", "{\"trtype\":\"RDMA\"}", p, "'trtype'"),
                err("nvmf_create_transport", "{\"trtype\":\"TCP\",\"max_queue_depth\":64}", p, "'max_queue_depth'"),
                err("nvmf_create_transport", "{}", p, "'trtype' is required"),
                ok("nvmf_create_transport", "{\"trtype\":\"TCP\",\"max_queue_depth\":1024,\"io_unit_size\":8192}", "true"),
                err("nvmf_create_transport", "{\"trtype\":\"TCP\"}", p, "already exists"),
                ok("nvmf_get_transports", "{\"trtype\":\"TCP\"}", "\"created_over_rpc\":true"),
                // bdevs: the configured namespace made Malloc0 implicitly
                ok("bdev_get_bdevs", null, "\"name\":\"Malloc0\""),
                ok("bdev_malloc_create", "{\"num_blocks\":2048,\"block_size\":4096}", "Malloc1"),
                err("bdev_malloc_create", "{\"block_size\":4096}", p, "'num_blocks' is required"),
                err("bdev_malloc_create", "{\"num_blocks\":8,\"block_size\":1000}", p, "'block_size'"),
                err("bdev_malloc_create", "{\"name\":\"Malloc1\",\"num_blocks\":8,\"block_size\":512}", RpcException.EEXIST, "Malloc1"),
                ok("bdev_null_create", "{\"name\":\"Null0\",\"num_blocks\":256,\"block_size\":4096}", "Null0"),
                err("bdev_null_create", "{\"num_blocks\":256,\"block_size\":4096}", p, "'name' is required"),
                ok("bdev_aio_create", "{\"name\":\"AIO0\",\"filename\":\"" + file + "\"}", "AIO0"),
                err("bdev_aio_create", "{\"name\":\"AIO1\",\"filename\":\"" + dir.resolve("none") + "\"}", p, "'filename'"),
                ok("bdev_get_bdevs", "{\"name\":\"AIO0\"}", "\"product_name\":\"AIO disk\""),
                ok("bdev_get_bdevs", "{\"name\":\"Null0\"}", "\"num_blocks\":256"),
                err("bdev_get_bdevs", "{\"name\":\"nope\"}", RpcException.ENODEV, "nope"),
                // subsystems
                ok("nvmf_create_subsystem", "{\"nqn\":\"" + NEW + "\",\"serial_number\":\"SPDK0001\",\"allow_any_host\":true}", "true"),
                err("nvmf_create_subsystem", "{\"nqn\":\"" + NEW + "\"}", RpcException.INTERNAL_ERROR, NEW),
                err("nvmf_create_subsystem", "{\"nqn\":\"not-an-nqn\"}", p, "'nqn'"),
                err("nvmf_create_subsystem", "{\"nqn\":\"nqn.2026-11.io.locus:x\",\"min_cntlid\":9,\"max_cntlid\":8}", p, "'min_cntlid' 9 is above 'max_cntlid' 8"),
                err("nvmf_create_subsystem", "{\"nqn\":\"nqn.2026-11.io.locus:x\",\"max_cntlid\":65520}", p, "'max_cntlid' is 65520"),
                err("nvmf_create_subsystem", "{\"nqn\":\"nqn.2026-11.io.locus:x\",\"serial_number\":\"" + "9".repeat(21) + "\"}", p, "'serial_number'"),
                ok("nvmf_get_subsystems", "{\"nqn\":\"" + NEW + "\"}", "\"serial_number\":\"SPDK0001\""),
                err("nvmf_get_subsystems", "{\"nqn\":\"nqn.2026-11.io.locus:none\"}", p, "Unable to find subsystem"),
                err("nvmf_get_subsystems", "{\"tgt_name\":\"other\"}", p, "'tgt_name'"),
                ok("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"Malloc1\"}}", "1"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"AIO0\",\"anagrpid\":65}}", p, "'namespace.anagrpid' is 65, out of range 1..64"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"AIO0\",\"nguid\":\"abc\"}}", p, "'namespace.nguid'"),
                ok("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"Null0\",\"nsid\":5,\"uuid\":\"" + DUP + "\"}}", "5"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"AIO0\",\"uuid\":\"" + DUP + "\"}}", p, "'namespace.uuid': " + DUP + " is already namespace 5's"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"Malloc1\"}}", p, "already namespace 1"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"AIO0\",\"nsid\":5}}", p, "'namespace.nsid'"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"ghost\"}}", p, "'namespace.bdev_name'"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\"}", p, "'namespace' is required"),
                err("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NEW + "\",\"namespace\":{\"bdev_name\":\"AIO0\",\"nguid\":\"00\"}}", p, "'namespace.nguid'"),
                ok("bdev_get_bdevs", "{\"name\":\"Malloc1\"}", "\"claimed\":true"),
                ok("bdev_null_resize", "{\"name\":\"Null0\",\"new_size\":2}", "true"),
                ok("bdev_get_bdevs", "{\"name\":\"Null0\"}", "\"num_blocks\":512"),
                err("bdev_null_resize", "{\"name\":\"Malloc1\",\"new_size\":2}", RpcException.ENODEV, "Malloc1"),
                err("bdev_null_resize", "{\"name\":\"Null0\"}", p, "'new_size'"),
                // listeners
                ok("nvmf_subsystem_get_listeners", "{\"nqn\":\"" + NEW + "\"}", "[]"),
                ok("nvmf_subsystem_add_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":" + listen + "}", "true"),
                err("nvmf_subsystem_add_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":" + listen + "}", p, "already listens"),
                err("nvmf_subsystem_add_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":{\"trtype\":\"RDMA\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"4420\"}}", p, "'listen_address.trtype'"),
                err("nvmf_subsystem_add_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":{\"trtype\":\"TCP\",\"traddr\":\"127.0.0.1\"}}", p, "'listen_address.trsvcid'"),
                ok("nvmf_subsystem_get_listeners", "{\"nqn\":\"" + NEW + "\"}", "\"trsvcid\":\"" + freePort + "\""),
                ok("nvmf_get_subsystems", "{\"nqn\":\"" + NEW + "\"}", "\"trsvcid\":\"" + freePort + "\""),
                ok("nvmf_subsystem_remove_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":" + listen + "}", "true"),
                err("nvmf_subsystem_remove_listener", "{\"nqn\":\"" + NEW + "\",\"listen_address\":" + listen + "}", p, "does not listen"),
                // hosts
                ok("nvmf_subsystem_add_host", "{\"nqn\":\"" + NEW + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:1\"}", "true"),
                err("nvmf_subsystem_add_host", "{\"nqn\":\"" + NEW + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:1\"}", p, "already allowed"),
                err("nvmf_subsystem_add_host", "{\"nqn\":\"" + NEW + "\",\"host\":\"nqn.x:y\",\"psk\":\"key0\"}", p, "'psk'"),
                err("nvmf_subsystem_add_host", "{\"nqn\":\"" + NEW + "\"}", p, "'host' is required"),
                ok("nvmf_subsystem_allow_any_host", "{\"nqn\":\"" + NEW + "\",\"allow_any_host\":false}", "true"),
                err("nvmf_subsystem_allow_any_host", "{\"nqn\":\"" + NEW + "\",\"allow_any_host\":\"no\"}", p, "'allow_any_host'"),
                ok("nvmf_get_subsystems", "{\"nqn\":\"" + NEW + "\"}", "\"allow_any_host\":false,\"hosts\":[{\"nqn\":\"nqn.2014-08.org.nvmexpress:uuid:1\"}]"),
                ok("nvmf_subsystem_remove_host", "{\"nqn\":\"" + NEW + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:1\"}", "true"),
                err("nvmf_subsystem_remove_host", "{\"nqn\":\"" + NEW + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:1\"}", p, "is not in"),
                // controllers, queue pairs, statistics
                ok("nvmf_subsystem_get_controllers", "{\"nqn\":\"" + NEW + "\"}", "[]"),
                err("nvmf_subsystem_get_controllers", "{}", p, "'nqn' is required"),
                ok("nvmf_subsystem_get_qpairs", "{\"nqn\":\"" + NEW + "\"}", "[]"),
                err("nvmf_subsystem_get_qpairs", "{\"nqn\":\"nqn.2026-11.io.locus:none\"}", p, "Unable to find subsystem"),
                ok("nvmf_get_stats", null, "\"poll_groups\""),
                err("nvmf_get_stats", "{\"verbose\":1}", p, "'verbose'"),
                // configuration
                ok("framework_get_subsystems", null, "\"subsystem\":\"nvmf\""),
                ok("framework_get_config", "{\"name\":\"bdev\"}", "\"bdev_aio_create\""),
                err("framework_get_config", "{\"name\":\"iscsi\"}", p, "'name'"),
                ok("save_config", null, "\"nvmf_subsystem_add_ns\""),
                ok("load_config", "{\"subsystems\":[{\"subsystem\":\"bdev\",\"config\":[{\"method\":\"bdev_malloc_create\",\"params\":{\"name\":\"Loaded\",\"num_blocks\":16,\"block_size\":512}}]}]}", "true"),
                ok("bdev_get_bdevs", "{\"name\":\"Loaded\"}", "\"num_blocks\":16"),
                err("load_config", "{\"subsystems\":[{\"subsystem\":\"bdev\",\"config\":[{\"method\":\"bdev_frob\"}]}]}", p, "bdev_frob"),
                // removal
                ok("nvmf_subsystem_remove_ns", "{\"nqn\":\"" + NEW + "\",\"nsid\":1}", "true"),
                err("nvmf_subsystem_remove_ns", "{\"nqn\":\"" + NEW + "\",\"nsid\":1}", p, "'nsid'"),
                ok("bdev_get_bdevs", "{\"name\":\"Malloc1\"}", "\"claimed\":false"),
                ok("bdev_malloc_delete", "{\"name\":\"Malloc1\"}", "true"),
                err("bdev_malloc_delete", "{\"name\":\"Malloc1\"}", RpcException.ENODEV, "Malloc1"),
                err("bdev_malloc_delete", "{\"name\":\"Null0\"}", RpcException.ENODEV, "Null0"),
                ok("bdev_null_delete", "{\"name\":\"Null0\"}", "true"),
                ok("nvmf_get_subsystems", "{\"nqn\":\"" + NEW + "\"}", "\"namespaces\":[]"),
                ok("bdev_aio_delete", "{\"name\":\"AIO0\"}", "true"),
                err("bdev_aio_delete", "{\"name\":\"AIO0\"}", RpcException.ENODEV, "AIO0"),
                ok("nvmf_delete_subsystem", "{\"nqn\":\"" + NEW + "\"}", "true"),
                err("nvmf_delete_subsystem", "{\"nqn\":\"" + NEW + "\"}", p, "Unable to find subsystem"),
                err("nvmf_delete_subsystem", "{\"nqn\":\"nqn.2014-08.org.nvmexpress.discovery\"}", p, "discovery")));
        if (IoUring.isAvailable()) {
            rows.add(ok("bdev_uring_create", "{\"name\":\"Uring0\",\"filename\":\"" + uringFile + "\",\"block_size\":4096}", "Uring0"));
            rows.add(ok("bdev_get_bdevs", "{\"name\":\"Uring0\"}", "\"product_name\":\"URING bdev\""));
            rows.add(ok("bdev_uring_delete", "{\"name\":\"Uring0\"}", "true"));
        }
        rows.add(err("bdev_uring_create", "{\"name\":\"Uring1\"}", p, "'filename' is required"));
        rows.add(err("bdev_uring_delete", "{\"name\":\"Uring1\"}", RpcException.ENODEV, "Uring1"));
        try (RpcClient c = RpcClient.unix(socket)) {
            for (Row row : rows) {
                JsonNode response = c.request(row.method, row.params == null ? null : JSON.readTree(row.params));
                String where = row.method + " " + row.params + " -> " + response;
                if (row.code == 0) {
                    if (response.has("error")) {
                        fail(where);
                    }
                    assertTrue(response.get("result").toString().contains(row.expect), where);
                } else {
                    assertTrue(response.has("error"), where);
                    assertEquals(row.code, response.get("error").get("code").asInt(), where);
                    assertTrue(response.get("error").get("message").asText().contains(row.expect), where);
                }
            }
        }
    }
}
