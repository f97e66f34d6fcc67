package io.locus.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.target.config.ConfigException;
import io.locus.target.config.ConfigLoader;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The JSON configuration ({@code locus-target --config}) of one drill node: the same subsystem NQN, NSID 1 and
 * namespace UUID on every node, one file namespace on the shared backing file, one NVMe/TCP port on the node's
 * address, no discovery service.
 * <p>
 * With {@code ana} (a target that takes the ANA fields): namespace ANA group 1, the port's state of group 1
 * (node 0 optimized, the others non-optimized) and disjoint controller-ID ranges ({@code min_cntlid} /
 * {@code max_cntlid}, SPDK's names) so each controller is unique across nodes. {@link #anaSupported} asks the
 * target's own config loader whether it takes them.
 */
public final class NodeConfig {
    /** Controller IDs per node: node i gets {@code 1 + i*RANGE .. (i+1)*RANGE}. */
    static final int CNTLID_RANGE = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeConfig() {
    }

    /**
     * @param node     0-based node index
     * @param address  the node's listener address
     * @param nqn      subsystem NQN
     * @param uuid     the namespace UUID (the same on every node)
     * @param backing  the shared backing file
     * @param size     namespace size in bytes
     * @param anaState this node's port state of ANA group 1 ({@code optimized}, {@code non_optimized}, ...), or null
     *                 for a config without ANA fields
     */
    public static String json(int node, String address, int port, String nqn, UUID uuid, Path backing, long size,
                              String anaState) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode p = root.putArray("ports").addObject();
        p.put("address", address);
        p.put("port", port);
        if (anaState != null) {
            p.putObject("ana_states").put("1", anaState);
        }
        root.putNull("discovery");
        ObjectNode s = root.putArray("subsystems").addObject();
        s.put("nqn", nqn);
        s.put("allow_any_host", true);
        if (anaState != null) {
            s.put("min_cntlid", 1 + node * CNTLID_RANGE);
            s.put("max_cntlid", (node + 1) * CNTLID_RANGE);
        }
        ArrayNode nss = s.putArray("namespaces");
        ObjectNode ns = nss.addObject();
        ns.put("nsid", 1);
        ns.put("backend", "file");
        ns.put("path", backing.toString());
        ns.put("size", Long.toString(size));
        ns.put("block_size", 4096);
        ns.put("uuid", uuid.toString());
        if (anaState != null) {
            ns.put("ana_group", 1);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether this build's target takes the ANA fields (its config loader accepts a node config with them). */
    public static boolean anaSupported() {
        String probe = json(0, "127.0.0.1", 4420, "nqn.2026-11.io.locus:probe", new UUID(1, 1),
                Path.of("/nonexistent-drill-probe"), 1 << 20, "optimized");
        try {
            ConfigLoader.parse("probe", probe);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    /** Checks a config as the node will read it; @throws IllegalStateException with the loader's message */
    static void validate(String file, String json) {
        try {
            ConfigLoader.parse(file, json);
        } catch (ConfigException e) {
            throw new IllegalStateException("drill node config " + e.getMessage());
        }
    }
}
