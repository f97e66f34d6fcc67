package io.locus.it;

import io.locus.initiator.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.initiator.Controller;
import io.locus.initiator.ControllerEvent;
import io.locus.initiator.ControllerListener;
import io.locus.initiator.ControllerOptions;
import io.locus.initiator.ControllerState;
import io.locus.initiator.Discovery;
import io.locus.initiator.DiscoveryEntry;
import io.locus.initiator.DiscoveryLogPage;
import io.locus.initiator.HostIdentity;
import io.locus.initiator.NvmeException;
import io.locus.initiator.TransportId;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Subsystem;
import io.locus.target.rpc.JsonRpcServer;
import io.locus.target.rpc.RpcClient;
import io.locus.target.rpc.RpcException;
import io.locus.target.rpc.TargetRpc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.time.Duration;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reconfiguration over JSON-RPC while the Locus initiator does I/O: namespaces, hosts and listeners change under
 * running I/O without one failed command, hosts learn of namespace changes by AEN and the Changed Namespace List,
 * a removed host is disconnected, and a deleted subsystem's controllers are closed.
 */
class LiveReconfigurationTest {
    static final String NQN = "nqn.2026-11.io.locus:live";
    static final HostIdentity HOST = new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + UUID.nameUUIDFromBytes(new byte[] {14}),
            UUID.nameUUIDFromBytes(new byte[] {14}));
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Target target;
    private JsonRpcServer server;
    private Path socket;
    private int ioPort;

    @BeforeEach
    void start() throws Exception {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSLIVE", "Locus live", true, List.of(), 32,
                List.of(new TargetConfig.NamespaceConfig(1, "memory", 64L << 20, null, 4096, null),
                        new TargetConfig.NamespaceConfig(2, "memory", 16L << 20, null, 4096, null)));
        target = Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", 0)), null, List.of(s), TargetConfig.Limits.defaults()));
        ioPort = target.ports().stream().filter(p -> !p.discovery()).mapToInt(p -> p.address().getPort()).findFirst().orElseThrow();
        server = new JsonRpcServer(TargetRpc.standard(target));
        socket = dir.resolve("live.sock");
        server.listenUnix(socket);
    }

    @AfterEach
    void stop() {
        server.close();
        target.close();
    }

    private JsonNode rpc(String method, String params) throws Exception {
        try (RpcClient c = RpcClient.unix(socket)) {
            return c.call(method, JSON.readTree(params));
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(condition, Duration.ofSeconds(30), () -> what);
    }

    @Test
    void ioRunsThroughNamespaceHostAndListenerChangesWithoutAFailedCommand() throws Exception {
        Set<Integer> changed = ConcurrentHashMap.newKeySet();
        ControllerListener listener = new ControllerListener() {
            @Override
            public void onEvent(Controller controller, ControllerEvent e) {
                if (e.kind() == ControllerEvent.Kind.NAMESPACE_CHANGED) {
                    changed.addAll(e.changedNsids());
                }
            }
        };
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, NQN), HOST,
                ControllerOptions.defaults().ioQueues(2).listener(listener))) {
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            Thread[] workers = new Thread[2];
            for (int w = 0; w < workers.length; w++) {
                int worker = w;
                workers[w] = Thread.ofPlatform().name("live-io-" + w).start(() -> {
                    Random random = new Random(worker);
                    byte[] block = new byte[4096];
                    long lba = worker * 1000L;
                    while (run.get()) {
                        try {
                            random.nextBytes(block);
                            c.namespace(1).writeBlocking(lba, 1, Unpooled.wrappedBuffer(block), false);
                            ByteBuf back = Unpooled.buffer(4096);
                            c.namespace(1).readBlocking(lba, 1, back);
                            byte[] got = new byte[4096];
                            back.getBytes(0, got);
                            assertArrayEquals(block, got, "read back what was written");
                            done.incrementAndGet();
                        } catch (Throwable t) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, t);
                        }
                        lba = worker * 1000L + (lba + 1) % 1000;
                    }
                });
            }
            try {
                await("I/O under way", () -> done.get() >= 50);
                long mark = done.get();
                rpc("bdev_malloc_create", "{\"name\":\"Hot\",\"num_blocks\":2048,\"block_size\":4096}");
                assertEquals(3, rpc("nvmf_subsystem_add_ns", "{\"nqn\":\"" + NQN + "\",\"namespace\":{\"bdev_name\":\"Hot\",\"nsid\":3}}").asInt());
                await("I/O after add_ns", () -> done.get() >= mark + 30);
                long mark2 = done.get();
                rpc("nvmf_subsystem_remove_ns", "{\"nqn\":\"" + NQN + "\",\"nsid\":2}");
                await("I/O after remove_ns", () -> done.get() >= mark2 + 30);
                long mark3 = done.get();
                rpc("nvmf_subsystem_add_host", "{\"nqn\":\"" + NQN + "\",\"host\":\"nqn.2014-08.org.nvmexpress:uuid:other\"}");
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                rpc("nvmf_subsystem_add_listener", "{\"nqn\":\"" + NQN + "\",\"listen_address\":{\"trtype\":\"TCP\",\"adrfam\":\"IPv4\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + port + "\"}}");
                await("I/O after add_host and add_listener", () -> done.get() >= mark3 + 30);
                await("namespace change AENs for 3 and 2", () -> changed.containsAll(Set.of(2, 3)));
                await("the host sees NSID 3 and not 2", () -> c.activeNamespaces().contains(3) && !c.activeNamespaces().contains(2));
                // The new namespace takes I/O on the same controller, without reconnecting.
                byte[] block = new byte[4096];
                new Random(3).nextBytes(block);
                c.namespace(3).writeBlocking(7, 1, Unpooled.wrappedBuffer(block), false);
                ByteBuf back = Unpooled.buffer(4096);
                c.namespace(3).readBlocking(7, 1, back);
                byte[] got = new byte[4096];
                back.getBytes(0, got);
                assertArrayEquals(block, got);
                // The new listener answers Connect for this subsystem, and the controller count shows both.
                try (Controller second = Controller.connect(new TransportId("tcp", "127.0.0.1", port, NQN), HOST, ControllerOptions.defaults())) {
                    assertEquals(ControllerState.LIVE, second.state());
                    assertEquals(2, rpc("nvmf_subsystem_get_controllers", "{\"nqn\":\"" + NQN + "\"}").size());
                }
            } finally {
                run.set(false);
                for (Thread t : workers) {
                    t.join();
                }
            }
            assertEquals(0, failed.get(), "failed commands (first: " + firstFailure.get() + ")");
            assertEquals(ControllerState.LIVE, c.state(), "never reconnected");
        }
    }

    @Test
    void aSubsystemWithListenersAnswersAndIsDiscoveredOnlyThere() throws Exception {
        int disc;
        try (ServerSocket s = new ServerSocket(0)) {
            disc = s.getLocalPort();
        }
        int own;
        try (ServerSocket s = new ServerSocket(0)) {
            own = s.getLocalPort();
        }
        String other = "nqn.2026-11.io.locus:listeners";
        rpc("nvmf_subsystem_add_listener", "{\"nqn\":\"nqn.2014-08.org.nvmexpress.discovery\",\"listen_address\":{\"trtype\":\"TCP\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + disc + "\"}}");
        rpc("bdev_malloc_create", "{\"name\":\"Own\",\"num_blocks\":256,\"block_size\":4096}");
        rpc("nvmf_create_subsystem", "{\"nqn\":\"" + other + "\",\"allow_any_host\":true}");
        rpc("nvmf_subsystem_add_ns", "{\"nqn\":\"" + other + "\",\"namespace\":{\"bdev_name\":\"Own\"}}");
        rpc("nvmf_subsystem_add_listener", "{\"nqn\":\"" + other + "\",\"listen_address\":{\"trtype\":\"TCP\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + own + "\"}}");
        DiscoveryLogPage log = Discovery.discover("127.0.0.1", disc, HOST, ControllerOptions.defaults());
        List<String> otherPorts = log.subsystems().stream().filter(e -> e.subnqn().equals(other)).map(DiscoveryEntry::trsvcid).toList();
        assertEquals(List.of(String.valueOf(own)), otherPorts, "listed on its listener only");
        List<String> livePorts = log.subsystems().stream().filter(e -> e.subnqn().equals(NQN)).map(DiscoveryEntry::trsvcid).sorted().toList();
        assertEquals(java.util.stream.Stream.of(ioPort, own).map(String::valueOf).sorted().toList(), livePorts,
                "a subsystem from the configuration file answers on every port, the new one too");
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", own, other), HOST, ControllerOptions.defaults())) {
            assertEquals(List.of(1), c.activeNamespaces());
        }
        ControllerOptions once = ControllerOptions.defaults().ctrlLossTimeoutMs(0);
        assertThrows(NvmeException.class, () -> Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, other), HOST, once).close(),
                "Connect on a port the subsystem does not listen on is refused");
        rpc("nvmf_subsystem_remove_listener", "{\"nqn\":\"" + NQN + "\",\"listen_address\":{\"trtype\":\"TCP\",\"traddr\":\"127.0.0.1\",\"trsvcid\":\"" + own + "\"}}");
        log = Discovery.discover("127.0.0.1", disc, HOST, ControllerOptions.defaults());
        assertEquals(List.of(String.valueOf(ioPort)), log.subsystems().stream().filter(e -> e.subnqn().equals(NQN)).map(DiscoveryEntry::trsvcid).toList(),
                "after remove_listener, only its configured port");
    }

    @Test
    void removingAHostDisconnectsItAndDeletingTheSubsystemClosesItsQueues() throws Exception {
        rpc("nvmf_subsystem_add_host", "{\"nqn\":\"" + NQN + "\",\"host\":\"" + HOST.hostNqn() + "\"}");
        rpc("nvmf_subsystem_allow_any_host", "{\"nqn\":\"" + NQN + "\",\"allow_any_host\":false}");
        ControllerOptions once = ControllerOptions.defaults().reconnectDelayMs(100).ctrlLossTimeoutMs(2000);
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, NQN), HOST, once)) {
            JsonNode qpairs = rpc("nvmf_subsystem_get_qpairs", "{\"nqn\":\"" + NQN + "\"}");
            assertTrue(qpairs.size() >= 2, "admin and I/O queue pairs: " + qpairs);
            assertEquals(0, qpairs.get(0).get("qid").asInt());
            rpc("nvmf_subsystem_remove_host", "{\"nqn\":\"" + NQN + "\",\"host\":\"" + HOST.hostNqn() + "\"}");
            await("the removed host's controller is gone", () -> target.subsystem(NQN).controllers().isEmpty());
            await("the host cannot come back", () -> c.state() == ControllerState.FAILED || c.state() == ControllerState.RECONNECTING);
        }
        rpc("nvmf_subsystem_allow_any_host", "{\"nqn\":\"" + NQN + "\",\"allow_any_host\":true}");
        try (Controller c = Controller.connect(new TransportId("tcp", "127.0.0.1", ioPort, NQN), HOST, once)) {
            c.namespace(1).writeBlocking(1, 1, Unpooled.wrappedBuffer(new byte[4096]), false);
            Subsystem s = target.subsystem(NQN);
            assertEquals(1, s.controllers().size());
            rpc("nvmf_delete_subsystem", "{\"nqn\":\"" + NQN + "\"}");
            assertTrue(s.controllers().isEmpty(), "controllers closed when delete returns");
            RpcException e = assertThrows(RpcException.class, () -> rpc("nvmf_get_subsystems", "{\"nqn\":\"" + NQN + "\"}"));
            assertEquals(RpcException.INVALID_PARAMS, e.code());
            await("the host sees its controller go", () -> c.state() != ControllerState.LIVE);
        }
    }
}
