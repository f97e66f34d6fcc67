package io.locus.it;

import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.AnaState;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Locus target nodes for two-node tests: each serves one subsystem with one file namespace (NSID 1, ANA group 1) on
 * shared storage, under the same NQN and UUID, from its own controller ID range, on one I/O port and no discovery.
 */
public final class TwoNodes {
    private TwoNodes() {
    }

    /**
     * Starts a node.
     *
     * @param port 0 for an ephemeral port
     * @param ana  ANA states of its port at start (group 1 absent: optimized)
     */
    public static Target node(String nqn, UUID uuid, Path file, long size, int port, int minCntlid, int maxCntlid,
                              Map<Integer, AnaState> ana) throws Exception {
        TargetConfig.NamespaceConfig ns = new TargetConfig.NamespaceConfig(1, "file", size, file.toString(), 4096, uuid, null, 1);
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(nqn, TargetConfig.serialFor(nqn), "Locus two-node",
                true, List.of(), 32, List.of(ns), Map.of(), minCntlid, maxCntlid);
        return Target.start(new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"),
                List.of(new TargetConfig.Listen("127.0.0.1", port, false, ana)), null, List.of(s), TargetConfig.Limits.defaults()));
    }

    /** Sets ANA group 1 through the node's (only) port. */
    public static void set(Target node, AnaState state) {
        node.setAnaState(node.ports().get(0).id(), 1, state);
    }

    /** Read and write commands the node's controllers of {@code nqn} have served (ANA-refused ones not counted). */
    public static long served(Target node, String nqn) {
        long n = 0;
        for (io.locus.target.model.Controller c : node.subsystem(nqn).controllers()) {
            io.locus.target.model.IoCounters io = c.ioTotals();
            n += io.readCommands() + io.writeCommands();
        }
        return n;
    }
}
