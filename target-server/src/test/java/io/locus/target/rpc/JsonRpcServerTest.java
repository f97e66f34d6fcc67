package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.target.Target;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON-RPC server's transport: framing as rpc.py sends it, JSON-RPC errors, the socket file's life. */
class JsonRpcServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private RpcTestTargets.Served served;
    private Target target;
    private JsonRpcServer server;
    private Path socket;

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
    void socketIsOwnerOnlyAndRemovedOnClose() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        server.close();
        assertTrue(Files.notExists(socket));
    }

    @Test
    void requestsBackToBackWithoutNewlinesAndSplitAcrossWritesAreAnswered() throws Exception {
        try (RpcClient c = RpcClient.unix(socket)) {
            String two = "{\"jsonrpc\":\"2.0\",\"method\":\"rpc_get_methods\",\"id\":1}{\"jsonrpc\":\"2.0\",\"method\":\"nvmf_get_transports\",\"id\":\"two\"}";
            c.sendRaw(two.getBytes(StandardCharsets.UTF_8));
            JsonNode first = c.read();
            assertEquals(1, first.get("id").asInt());
            assertTrue(first.get("result").toString().contains("nvmf_subsystem_add_ns"));
            JsonNode second = c.read();
            assertEquals("two", second.get("id").asText());
            assertEquals("TCP", second.get("result").get(0).get("trtype").asText());
            // One request in three writes, with a notification (no id, no answer) in front.
            c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"rpc_get_methods\"} {\"jsonrpc\":\"2.0\",".getBytes(StandardCharsets.UTF_8));
            c.sendRaw("\"method\":\"framework_get_".getBytes(StandardCharsets.UTF_8));
            c.sendRaw("reactors\",\"id\":7}".getBytes(StandardCharsets.UTF_8));
            JsonNode third = c.read();
            assertEquals(7, third.get("id").asInt());
            assertEquals(target.reactors().size(), third.get("result").get("reactors").size());
        }
    }

    @Test
    void errorsCarryJsonRpcCodes() throws Exception {
        try (RpcClient c = RpcClient.unix(socket)) {
            assertEquals(-32601, c.request("no_such_method", null).get("error").get("code").asInt());
            c.sendRaw("[1,2]".getBytes(StandardCharsets.UTF_8));
            assertEquals(-32600, c.read().get("error").get("code").asInt());
            c.sendRaw("{\"jsonrpc\":\"1.0\",\"method\":\"rpc_get_methods\",\"id\":3}".getBytes(StandardCharsets.UTF_8));
            JsonNode wrongVersion = c.read();
            assertEquals(-32600, wrongVersion.get("error").get("code").asInt());
            assertEquals(3, wrongVersion.get("id").asInt());
            JsonNode badParams = c.request("nvmf_get_subsystems", JSON.createArrayNode());
            assertEquals(-32602, badParams.get("error").get("code").asInt());
            JsonNode unknownParam = c.request("nvmf_get_subsystems", JSON.readTree("{\"nqm\":\"x\"}"));
            assertTrue(unknownParam.get("error").get("message").asText().contains("'nqm'"), unknownParam.toString());
            c.sendRaw("{\"jsonrpc\": tru".getBytes(StandardCharsets.UTF_8));
            c.sendRaw("e}".getBytes(StandardCharsets.UTF_8)); // "tru" "e": still JSON
            assertEquals(-32600, c.read().get("error").get("code").asInt()); // no method
            c.sendRaw("{\"jsonrpc\": nope}".getBytes(StandardCharsets.UTF_8));
            JsonNode parse = c.read();
            assertEquals(-32700, parse.get("error").get("code").asInt());
            assertNull(c.read(), "the connection is closed after a parse error");
        }
        try (RpcClient again = RpcClient.unix(socket)) {
            assertTrue(again.call("rpc_get_methods", null).isArray(), "the server is still up");
        }
    }

    @Test
    void staleSocketIsReplacedAndALiveOneRefused() throws Exception {
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(stale));
        dead.close(); // the file stays, nobody listens: what a killed target leaves
        assertTrue(Files.exists(stale));
        try (JsonRpcServer second = new JsonRpcServer(TargetRpc.standard(target))) {
            second.listenUnix(stale);
            try (RpcClient c = RpcClient.unix(stale)) {
                assertTrue(c.call("rpc_get_methods", null).isArray());
            }
            try (JsonRpcServer third = new JsonRpcServer(TargetRpc.standard(target))) {
                IOException e = assertThrows(IOException.class, () -> third.listenUnix(stale));
                assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
            }
        }
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        try (JsonRpcServer s = new JsonRpcServer(TargetRpc.standard(target))) {
            IOException e = assertThrows(IOException.class, () -> s.listenUnix(file));
            assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        }
        Path nowhere = dir.resolve("no-such-dir").resolve("locus.sock");
        try (JsonRpcServer s = new JsonRpcServer(TargetRpc.standard(target))) {
            IOException e = assertThrows(IOException.class, () -> s.listenUnix(nowhere));
            assertTrue(e.getMessage().startsWith(nowhere + ": cannot listen: "), e.getMessage());
        }
    }

    @Test
    void aTcpAddressThatCannotBeServedIsNamed() throws Exception {
        try (JsonRpcServer s = new JsonRpcServer(TargetRpc.standard(target))) {
            IOException e = assertThrows(IOException.class,
                    () -> s.listenTcp(java.net.InetSocketAddress.createUnresolved("nosuch.invalid", 5260)));
            assertEquals("nosuch.invalid:5260: cannot resolve 'nosuch.invalid'", e.getMessage());
        }
    }

    @Test
    void clientsBeyondTheLimitAreClosedAndTheOthersServed() throws Exception {
        List<RpcClient> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < JsonRpcServer.MAX_CLIENTS; i++) {
                RpcClient c = RpcClient.unix(socket);
                held.add(c);
                assertTrue(c.call("rpc_get_methods", null).isArray()); // served: counted before the next connects
            }
            try (RpcClient extra = RpcClient.unix(socket)) {
                assertNull(extra.read(), "closed by the server");
            }
            assertTrue(held.get(0).call("rpc_get_methods", null).isArray());
        } finally {
            for (RpcClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void tcpListenerServesTheSameMethods() throws Exception {
        var bound = server.listenTcp(new java.net.InetSocketAddress("127.0.0.1", 0));
        try (RpcClient c = RpcClient.tcp(bound)) {
            assertTrue(c.call("nvmf_get_subsystems", null).size() >= 2);
        }
    }
}
