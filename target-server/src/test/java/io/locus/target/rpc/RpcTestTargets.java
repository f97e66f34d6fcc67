package io.locus.target.rpc;

import io.locus.target.Target;
import io.locus.target.config.TargetConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A target on ephemeral loopback ports with one subsystem (one 8 MiB memory namespace), served over JSON-RPC. */
final class RpcTestTargets {
    static final String NQN = "nqn.2026-11.io.locus:rpc";

    /** The target, its JSON-RPC server and the server's socket; closing stops both. */
    record Served(Target target, JsonRpcServer server, Path socket) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            target.close();
        }
    }

    private RpcTestTargets() {
    }

    static TargetConfig config() {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSRPC", "Locus test", true, List.of(), 32,
                List.of(new TargetConfig.NamespaceConfig(1, "memory", 8L << 20, null, 4096, null)));
        return new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"), List.of(new TargetConfig.Listen("127.0.0.1", 0)),
                new TargetConfig.Listen("127.0.0.1", 0), List.of(s), TargetConfig.Limits.defaults());
    }

    /** Starts the test target with every method served on {@code dir/locus.sock}. */
    static Served serve(Path dir) throws IOException {
        Target target = Target.start(config());
        JsonRpcServer server = new JsonRpcServer(TargetRpc.standard(target));
        Path socket = dir.resolve("locus.sock");
        try {
            server.listenUnix(socket);
        } catch (IOException | RuntimeException e) {
            target.close();
            throw e;
        }
        return new Served(target, server, socket);
    }
}
