package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.target.Target;
import io.locus.target.bdev.Bdev;
import io.locus.target.config.ConfigException;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Namespace;
import io.locus.target.model.Port;
import io.locus.target.model.Subsystem;

import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * SPDK's JSON configuration: {@code {"subsystems": [{"subsystem": "bdev", "config": [{"method": ..., "params":
 * {...}}, ...]}, {"subsystem": "nvmf", "config": [...]}]}}, the calls that rebuild a target, in order
 * (what {@code save_config} writes and {@code nvmf_tgt --json} or {@code rpc.py load_config} replays). {@link #save}
 * writes a running target as such calls; {@link #apply} replays a file's calls through the JSON-RPC methods, so a
 * configuration is checked exactly as the same calls over the socket would be.
 */
public final class SpdkJsonConfig {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Logger LOG = Logger.getLogger(SpdkJsonConfig.class.getName());
    /**
     * Methods in an SPDK configuration that tune SPDK's own machinery (buffer pools, socket implementations, the
     * bdev layer's caches, hot-plug polling) and have no counterpart in Locus: skipped with a log line. Any other
     * method Locus does not have is an error.
     */
    public static final Set<String> SPDK_TUNING = Set.of("iobuf_set_options", "sock_set_default_impl",
            "sock_impl_set_options", "accel_set_options", "bdev_set_options", "bdev_nvme_set_options",
            "bdev_nvme_set_hotplug", "bdev_wait_for_examine", "bdev_iscsi_set_options", "bdev_raid_set_options",
            "nvmf_set_config", "nvmf_set_max_subsystems", "nvmf_set_crdt", "framework_set_scheduler",
            "vmd_enable", "vhost_scsi_set_options", "ublk_set_options");

    private SpdkJsonConfig() {
    }

    /** Whether {@code root} has SPDK's shape: {@code subsystems} is a list of objects that have a {@code subsystem}. */
    public static boolean isSpdkShape(JsonNode root) {
        JsonNode subs = root == null ? null : root.get("subsystems");
        if (subs == null || !subs.isArray() || subs.isEmpty()) {
            return false;
        }
        for (JsonNode s : subs) {
            if (!s.isObject() || !s.has("subsystem")) {
                return false;
            }
        }
        return true;
    }

    /** The running target as SPDK's configuration (bdev, then nvmf); what {@code save_config} answers. */
    public static ObjectNode save(Target target) throws RpcException {
        ObjectNode root = JSON.objectNode();
        ArrayNode subsystems = root.putArray("subsystems");
        subsystems.addObject().put("subsystem", "bdev").set("config", bdevConfig(target));
        subsystems.addObject().put("subsystem", "nvmf").set("config", nvmfConfig(target));
        return root;
    }

    /** The bdev subsystem's calls: one create per bdev. */
    public static ArrayNode bdevConfig(Target target) {
        ArrayNode config = JSON.arrayNode();
        for (Bdev b : target.bdevs().list()) {
            ObjectNode p = call(config, "bdev_" + b.kind().module + "_create");
            p.put("name", b.name());
            if (b.filename() != null) {
                p.put("filename", b.filename().toAbsolutePath().toString());
            } else {
                p.put("num_blocks", b.numBlocks());
            }
            p.put("block_size", b.blockSize());
            p.put("uuid", b.uuid().toString());
        }
        return config;
    }

    /**
     * The nvmf subsystem's calls: the transport, then per subsystem its creation, listeners, hosts and namespaces,
     * and the discovery service's listeners. Refuses (-32603) a target whose hosts have DH-HMAC-CHAP secrets or TLS
     * PSKs: SPDK's format names keys in a keyring Locus does not have, and dropping them would let those hosts in
     * without authenticating after a restart.
     */
    public static ArrayNode nvmfConfig(Target target) throws RpcException {
        if (target.config().tls().hasKeys()) {
            throw new RpcException(RpcException.INTERNAL_ERROR,
                    "cannot save: the target has TLS PSKs, which SPDK's configuration keeps in a keyring Locus does not have; keep the Locus configuration file");
        }
        ArrayNode config = JSON.arrayNode();
        TargetConfig.Limits l = target.config().limits();
        ObjectNode t = call(config, "nvmf_create_transport");
        t.put("trtype", "TCP");
        t.put("max_queue_depth", l.mqes() + 1);
        t.put("max_io_qpairs_per_ctrlr", l.maxIoQueues());
        t.put("in_capsule_data_size", l.ioInCapsuleBytes());
        t.put("max_io_size", (1 << l.mdts()) * 4096);
        for (Subsystem s : target.subsystems()) {
            for (String host : s.allowedHosts()) {
                if (s.hostAuth(host) != null) {
                    throw new RpcException(RpcException.INTERNAL_ERROR, "cannot save: host " + host + " of " + s.nqn()
                            + " has DH-HMAC-CHAP secrets, which SPDK's configuration keeps in a keyring Locus does not have; keep the Locus configuration file");
                }
            }
            ObjectNode c = call(config, "nvmf_create_subsystem");
            c.put("nqn", s.nqn());
            c.put("serial_number", s.serial());
            c.put("model_number", s.model());
            c.put("allow_any_host", s.allowAnyHost());
            c.put("max_namespaces", s.maxNamespaces());
            c.put("ana_reporting", true);
            c.put("min_cntlid", s.minCntlid());
            c.put("max_cntlid", s.maxCntlid());
            for (Port port : target.ports()) {
                if (!port.discovery() && s.listensOn(port.id())) {
                    listener(config, s.nqn(), port);
                }
            }
            for (String host : s.allowedHosts()) {
                ObjectNode h = call(config, "nvmf_subsystem_add_host");
                h.put("nqn", s.nqn());
                h.put("host", host);
            }
            for (Namespace ns : s.namespaces()) {
                Bdev b = target.bdevs().byBackend(ns.backend());
                if (b == null) {
                    throw new RpcException(RpcException.INTERNAL_ERROR, "cannot save: namespace " + ns.nsid() + " of " + s.nqn()
                            + " was added without a bdev (through the Java API)");
                }
                ObjectNode a = call(config, "nvmf_subsystem_add_ns");
                a.put("nqn", s.nqn());
                ObjectNode n = a.putObject("namespace");
                n.put("nsid", ns.nsid());
                n.put("bdev_name", b.name());
                n.put("uuid", ns.uuid().toString());
                n.put("nguid", java.util.HexFormat.of().withUpperCase().formatHex(ns.nguid()));
                n.put("anagrpid", ns.anaGroupId());
            }
        }
        for (Port port : target.ports()) {
            if (port.discovery()) {
                listener(config, DiscoveryLog.DISCOVERY_NQN, port);
            }
        }
        return config;
    }

    private static void listener(ArrayNode config, String nqn, Port port) {
        ObjectNode p = call(config, "nvmf_subsystem_add_listener");
        p.put("nqn", nqn);
        p.set("listen_address", NvmfRpc.address(port));
        if (port.tlsRequired()) {
            p.put("secure_channel", true);
        }
    }

    private static ObjectNode call(ArrayNode config, String method) {
        ObjectNode entry = config.addObject();
        entry.put("method", method);
        return entry.putObject("params");
    }

    /**
     * The limits an SPDK configuration's {@code nvmf_create_transport} asks for (they size every queue, so they are
     * fixed before the target starts); the defaults where it names none.
     */
    public static TargetConfig.Limits limits(String file, JsonNode root) throws ConfigException {
        TargetConfig.Limits d = TargetConfig.Limits.defaults();
        for (JsonNode entry : entries(file, root)) {
            if (!"nvmf_create_transport".equals(entry.path("method").asText())) {
                continue;
            }
            JsonNode p = entry.path("params");
            int mqes = p.has("max_queue_depth") ? intIn(file, p, "max_queue_depth", 2, 65536) - 1 : d.mqes();
            int ioQueues = p.has("max_io_qpairs_per_ctrlr") ? intIn(file, p, "max_io_qpairs_per_ctrlr", 1, 1024) : d.maxIoQueues();
            int icd = p.has("in_capsule_data_size") ? intIn(file, p, "in_capsule_data_size", 0, 131072) : d.ioInCapsuleBytes();
            int mdts = d.mdts();
            if (p.has("max_io_size")) {
                int bytes = intIn(file, p, "max_io_size", 8192, 1 << 20);
                if (Integer.bitCount(bytes) != 1) {
                    throw new ConfigException(file + ": nvmf_create_transport.max_io_size: " + bytes
                            + " is not a power of two (Locus's MDTS is 2^n x 4 KiB, n 1..8)");
                }
                mdts = Integer.numberOfTrailingZeros(bytes / 4096);
            }
            return new TargetConfig.Limits(d.maxConnectionsPerPort(), d.stallTimeoutMillis(), mdts, icd, ioQueues, mqes, d.fileIoThreads());
        }
        return d;
    }

    private static int intIn(String file, JsonNode p, String name, int min, int max) throws ConfigException {
        JsonNode n = p.get(name);
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
            throw new ConfigException(file + ": nvmf_create_transport." + name + ": " + n + " is not a whole number in " + min + ".." + max);
        }
        return n.asInt();
    }

    /** Every call of the file in order, checked for shape. */
    private static List<JsonNode> entries(String file, JsonNode root) throws ConfigException {
        if (!isSpdkShape(root)) {
            throw new ConfigException(file + ": not SPDK's JSON configuration (expected {\"subsystems\": [{\"subsystem\": ..., \"config\": [...]}]})");
        }
        List<JsonNode> out = new java.util.ArrayList<>();
        JsonNode subs = root.get("subsystems");
        for (int i = 0; i < subs.size(); i++) {
            JsonNode config = subs.get(i).get("config");
            if (config == null || config.isNull()) {
                continue;
            }
            if (!config.isArray()) {
                throw new ConfigException(file + ": subsystems[" + i + "].config: must be a list of {\"method\", \"params\"}");
            }
            for (int j = 0; j < config.size(); j++) {
                JsonNode e = config.get(j);
                if (!e.isObject() || !e.path("method").isTextual()) {
                    throw new ConfigException(file + ": subsystems[" + i + "].config[" + j + "]: must be {\"method\": NAME, \"params\": {...}}");
                }
                if (e.has("params") && !e.get("params").isObject() && !e.get("params").isNull()) {
                    throw new ConfigException(file + ": subsystems[" + i + "].config[" + j + "].params: must be an object");
                }
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Replays the file's calls through {@code methods} in order. An error names the file, the entry, the method and
     * the method's own message; SPDK tuning methods ({@link #SPDK_TUNING}) are skipped with a log line.
     */
    public static void apply(String file, JsonNode root, RpcMethods methods) throws ConfigException {
        JsonNode subs = root.get("subsystems");
        entries(file, root); // shape first, so nothing is half applied for a malformed file
        for (int i = 0; i < subs.size(); i++) {
            JsonNode config = subs.get(i).get("config");
            if (config == null || config.isNull()) {
                continue;
            }
            for (int j = 0; j < config.size(); j++) {
                JsonNode e = config.get(j);
                String method = e.get("method").asText();
                String where = file + ": subsystems[" + i + "].config[" + j + "] (" + method + ")";
                if (SPDK_TUNING.contains(method)) {
                    LOG.info(where + ": skipped, it tunes SPDK internals Locus does not have");
                    continue;
                }
                if (!methods.has(method)) {
                    throw new ConfigException(where + ": Locus has no method " + method);
                }
                JsonNode params = e.get("params");
                call(where, methods, method, params == null || params.isNull() ? null : (ObjectNode) params.deepCopy());
            }
        }
    }

    private static void call(String where, RpcMethods methods, String method, ObjectNode params) throws ConfigException {
        try {
            methods.call(method, new RpcParams(params));
        } catch (RpcException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }
}
