package io.locus.target.rpc;

import io.locus.target.config.TargetConfig;

import java.util.List;

/** A target on ephemeral loopback ports with one subsystem (one 8 MiB memory namespace) for RPC tests. */
final class RpcTestTargets {
    static final String NQN = "nqn.2026-11.io.locus:rpc";

    private RpcTestTargets() {
    }

    static TargetConfig config() {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSRPC", "Locus test", true, List.of(), 32,
                List.of(new TargetConfig.NamespaceConfig(1, "memory", 8L << 20, null, 4096, null)));
        return new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"), List.of(new TargetConfig.Listen("127.0.0.1", 0)),
                new TargetConfig.Listen("127.0.0.1", 0), List.of(s), TargetConfig.Limits.defaults());
    }
}
