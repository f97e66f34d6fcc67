package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.target.Target;
import io.locus.target.model.AnaState;
import io.locus.target.model.Port;
import io.locus.target.model.PortAnaStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPDK's {@code nvmf_subsystem_listener_set_ana_state} over the JSON-RPC socket changes the port's group state through
 * {@link Target#setAnaState}, and {@code nvmf_subsystem_get_listeners} reports it ({@code ana_states}).
 */
class AnaRpcTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Target target;
    private JsonRpcServer server;
    private RpcClient client;
    private Port port;

    @BeforeEach
    void start() throws IOException {
        target = Target.start(RpcTestTargets.config());
        server = new JsonRpcServer(TargetRpc.standard(target));
        server.listenUnix(dir.resolve("locus.sock"));
        client = RpcClient.unix(dir.resolve("locus.sock"));
        port = target.ports().stream().filter(p -> !p.discovery()).findFirst().orElseThrow();
    }

    @AfterEach
    void stop() throws IOException {
        if (target != null) {
            client.close();
            server.close();
            target.close();
        }
    }

    private ObjectNode params(String state) {
        ObjectNode p = JSON.createObjectNode().put("nqn", RpcTestTargets.NQN).put("ana_state", state);
        p.putObject("listen_address").put("trtype", "tcp").put("adrfam", "ipv4").put("traddr", "127.0.0.1")
                .put("trsvcid", String.valueOf(port.address().getPort()));
        return p;
    }

    @Test
    void shouldSetOneGroupOrEveryGroupAndReportIt() throws Exception {
        assertEquals(true, client.call("nvmf_subsystem_listener_set_ana_state", params("inaccessible").put("anagrpid", 1)).asBoolean());
        assertEquals(AnaState.INACCESSIBLE, target.anaState(port.id(), 1));
        assertEquals(AnaState.OPTIMIZED, target.anaState(port.id(), 2), "only group 1");

        JsonNode listeners = client.call("nvmf_subsystem_get_listeners", JSON.createObjectNode().put("nqn", RpcTestTargets.NQN));
        JsonNode ana = listeners.get(0).get("ana_states");
        assertEquals(1, ana.size(), listeners.toString());
        assertEquals(1, ana.get(0).get("ana_group").asInt());
        assertEquals("inaccessible", ana.get(0).get("ana_state").asText());

        client.call("nvmf_subsystem_listener_set_ana_state", params("non_optimized"));
        for (int g = 1; g <= PortAnaStates.ANAGRPMAX; g++) {
            assertEquals(AnaState.NON_OPTIMIZED, target.anaState(port.id(), g), "no anagrpid: every group, as SPDK");
        }
        client.call("nvmf_subsystem_listener_set_ana_state", params("persistent_loss").put("anagrpid", 3));
        assertEquals(AnaState.PERSISTENT_LOSS, target.anaState(port.id(), 3));
    }

    @Test
    void shouldBuildATwoNodeSubsystemOverRpcAndKeepItThroughSaveAndLoad() throws Exception {
        String nqn = "nqn.2026-11.io.locus:shared";
        String nguid = "00112233445566778899AABBCCDDEEFF";
        client.call("bdev_malloc_create", JSON.createObjectNode().put("name", "Shared0").put("num_blocks", 256).put("block_size", 4096));
        client.call("nvmf_create_subsystem", JSON.createObjectNode().put("nqn", nqn).put("ana_reporting", true)
                .put("min_cntlid", 100).put("max_cntlid", 199).put("allow_any_host", true));
        ObjectNode add = JSON.createObjectNode().put("nqn", nqn);
        add.putObject("namespace").put("bdev_name", "Shared0").put("anagrpid", 2).put("nguid", nguid);
        client.call("nvmf_subsystem_add_ns", add);
        JsonNode saved = client.call("save_config", null);

        JsonNode before = client.call("nvmf_get_subsystems", JSON.createObjectNode().put("nqn", nqn)).get(0);
        assertEquals(100, before.get("min_cntlid").asInt());
        assertEquals(199, before.get("max_cntlid").asInt());
        assertEquals(2, before.get("namespaces").get(0).get("anagrpid").asInt());
        assertEquals(nguid, before.get("namespaces").get(0).get("nguid").asText());
        assertEquals(100, target.subsystem(nqn).minCntlid());
        assertEquals(2, target.subsystem(nqn).namespace(1).anaGroupId());

        // The first target stops (its ports free again) and a second one loads what it saved: same controller-ID
        // range, ANA group and NGUID, as a restart from --persist would serve.
        client.close();
        server.close();
        target.close();
        target = null;
        // (A target with no subsystems and no ports of its own: what the saved file lists is all it serves.)
        try (Target other = Target.start(new io.locus.target.config.TargetConfig(
                new io.locus.target.config.TargetConfig.Reactors(java.util.List.of(), "adaptive"), java.util.List.of(),
                new io.locus.target.config.TargetConfig.Listen("127.0.0.1", 0), java.util.List.of(),
                io.locus.target.config.TargetConfig.Limits.defaults()));
             JsonRpcServer otherServer = new JsonRpcServer(TargetRpc.standard(other))) {
            otherServer.listenUnix(dir.resolve("other.sock"));
            try (RpcClient otherClient = RpcClient.unix(dir.resolve("other.sock"))) {
                otherClient.call("load_config", saved);
                JsonNode after = otherClient.call("nvmf_get_subsystems", JSON.createObjectNode().put("nqn", nqn)).get(0);
                assertEquals(before.get("min_cntlid"), after.get("min_cntlid"));
                assertEquals(before.get("max_cntlid"), after.get("max_cntlid"));
                assertEquals(before.get("namespaces").get(0).get("anagrpid"), after.get("namespaces").get(0).get("anagrpid"));
                assertEquals(before.get("namespaces").get(0).get("nguid"), after.get("namespaces").get(0).get("nguid"));
            }
        }
    }

    @Test
    void shouldAnswerBadParametersWithInvalidParamsAndKeepServing() throws Exception {
        RpcException state = assertThrows(RpcException.class,
                () -> client.call("nvmf_subsystem_listener_set_ana_state", params("fast")));
        assertEquals(RpcException.INVALID_PARAMS, state.code());
        assertTrue(state.getMessage().contains("'ana_state'"), state.getMessage());
        RpcException group = assertThrows(RpcException.class,
                () -> client.call("nvmf_subsystem_listener_set_ana_state", params("optimized").put("anagrpid", PortAnaStates.ANAGRPMAX + 1)));
        assertTrue(group.getMessage().contains("anagrpid"), group.getMessage());
        ObjectNode elsewhere = params("optimized");
        ((ObjectNode) elsewhere.get("listen_address")).put("trsvcid", "1");
        RpcException listener = assertThrows(RpcException.class,
                () -> client.call("nvmf_subsystem_listener_set_ana_state", elsewhere));
        assertTrue(listener.getMessage().contains("does not listen"), listener.getMessage());
        RpcException nqn = assertThrows(RpcException.class,
                () -> client.call("nvmf_subsystem_listener_set_ana_state", params("optimized").put("nqn", "nqn.2026-11.io.locus:none")));
        assertEquals(RpcException.INVALID_PARAMS, nqn.code());
        assertEquals(AnaState.OPTIMIZED, target.anaState(port.id(), 1), "nothing changed");
        assertTrue(client.call("rpc_get_methods", null).toString().contains("nvmf_subsystem_listener_set_ana_state"));
    }
}
