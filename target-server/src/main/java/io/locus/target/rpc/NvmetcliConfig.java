package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.target.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the {@code config.json} Linux's nvmetcli saves ({@code nvmetcli save}; nvmet/nvme.py {@code Root.dump}) and
 * turns it into SPDK-format calls, which the target then replays ({@link SpdkJsonConfig#apply}):
 * <ul>
 * <li>{@code subsystems[]}: {@code nqn}, {@code attr.allow_any_host} ("0"/"1"), {@code attr.serial},
 *     {@code attr.model}, {@code allowed_hosts[]}, {@code namespaces[]} ({@code nsid}, {@code enable},
 *     {@code device.path}, {@code device.uuid}); each enabled namespace becomes an AIO bdev on its path (4096-byte
 *     blocks for a regular file, as nvmet uses the file system's block size; 512 for a block device);</li>
 * <li>{@code ports[]}: {@code addr.trtype} (tcp only), {@code addr.adrfam}, {@code addr.traddr},
 *     {@code addr.trsvcid}, {@code addr.tsas} ("tls1.3": TLS required), and {@code subsystems[]}: a listener of each
 *     named subsystem on that address. As in nvmet, the discovery subsystem answers on every port.</li>
 * </ul>
 * Referrals and ANA groups other than the default one are errors (Locus has neither); {@code hosts[]} (nvmet's host
 * registry) needs nothing; other attributes (version, cntlid range, port parameters) are ignored.
 */
public final class NvmetcliConfig {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String file;

    private NvmetcliConfig(String file) {
        this.file = file;
    }

    /** The nvmetcli file at {@code path} as SPDK's configuration. */
    public static ObjectNode toSpdk(String file, JsonNode root) throws ConfigException {
        return new NvmetcliConfig(file).convert(root);
    }

    private ObjectNode convert(JsonNode root) throws ConfigException {
        if (root == null || !root.isObject() || !(root.has("subsystems") || root.has("ports"))) {
            throw error("", "not an nvmetcli configuration (expected {\"hosts\": [...], \"ports\": [...], \"subsystems\": [...]})");
        }
        ArrayNode bdevs = JSON.arrayNode();
        ArrayNode nvmf = JSON.arrayNode();
        call(nvmf, "nvmf_create_transport").put("trtype", "TCP");
        JsonNode subs = list(root, "subsystems");
        for (int i = 0; i < subs.size(); i++) {
            String where = "subsystems[" + i + "]";
            JsonNode s = subs.get(i);
            String nqn = text(s, "nqn", where);
            JsonNode attr = s.path("attr");
            ObjectNode c = call(nvmf, "nvmf_create_subsystem");
            c.put("nqn", nqn);
            c.put("allow_any_host", "1".equals(attr.path("allow_any_host").asText("0")));
            if (attr.hasNonNull("serial")) {
                c.put("serial_number", attr.get("serial").asText());
            }
            if (attr.hasNonNull("model")) {
                c.put("model_number", attr.get("model").asText());
            }
            JsonNode hosts = list(s, "allowed_hosts");
            for (int h = 0; h < hosts.size(); h++) {
                if (!hosts.get(h).isTextual()) {
                    throw error(where + ".allowed_hosts[" + h + "]", "must be a host NQN string");
                }
                ObjectNode a = call(nvmf, "nvmf_subsystem_add_host");
                a.put("nqn", nqn);
                a.put("host", hosts.get(h).asText());
            }
            JsonNode namespaces = list(s, "namespaces");
            for (int n = 0; n < namespaces.size(); n++) {
                String w = where + ".namespaces[" + n + "]";
                JsonNode ns = namespaces.get(n);
                if (!ns.path("nsid").canConvertToInt() || ns.path("nsid").asInt() <= 0) {
                    throw error(w + ".nsid", "must be a positive whole number");
                }
                int nsid = ns.get("nsid").asInt();
                if (ns.has("enable") && ns.get("enable").asInt(1) == 0) {
                    continue; // nvmet keeps a disabled namespace configured but does not serve it
                }
                if (ns.has("ana_grpid") && ns.get("ana_grpid").asInt(1) != 1) {
                    throw error(w + ".ana_grpid", "ANA groups other than 1 are not supported");
                }
                String path = ns.path("device").path("path").asText("");
                if (path.isEmpty()) {
                    throw error(w + ".device.path", "is required for an enabled namespace");
                }
                Path p = Path.of(path);
                if (!Files.exists(p)) {
                    throw error(w + ".device.path", path + " does not exist");
                }
                String bdev = "nvmet" + i + "n" + nsid;
                ObjectNode b = call(bdevs, "bdev_aio_create");
                b.put("name", bdev);
                b.put("filename", path);
                b.put("block_size", Files.isRegularFile(p) ? 4096 : 512);
                ObjectNode add = call(nvmf, "nvmf_subsystem_add_ns");
                add.put("nqn", nqn);
                ObjectNode nsp = add.putObject("namespace");
                nsp.put("nsid", nsid);
                nsp.put("bdev_name", bdev);
                String uuid = ns.path("device").path("uuid").asText("");
                if (!uuid.isEmpty()) {
                    nsp.put("uuid", uuid);
                }
            }
        }
        JsonNode ports = list(root, "ports");
        for (int i = 0; i < ports.size(); i++) {
            String where = "ports[" + i + "]";
            JsonNode port = ports.get(i);
            JsonNode addr = port.path("addr");
            String trtype = addr.path("trtype").asText("");
            if (!trtype.equals("tcp")) {
                throw error(where + ".addr.trtype", "'" + trtype + "' is not served by Locus (tcp is)");
            }
            if (!list(port, "referrals").isEmpty()) {
                throw error(where + ".referrals", "discovery referrals are not supported");
            }
            JsonNode ana = list(port, "ana_groups");
            for (int g = 0; g < ana.size(); g++) {
                if (ana.get(g).path("grpid").asInt(1) != 1) {
                    throw error(where + ".ana_groups[" + g + "]", "ANA groups other than 1 are not supported");
                }
            }
            String traddr = text(addr, "traddr", where + ".addr");
            String trsvcid = text(addr, "trsvcid", where + ".addr");
            boolean tls = "tls1.3".equals(addr.path("tsas").asText(""));
            JsonNode linked = list(port, "subsystems");
            for (int s = 0; s < linked.size(); s++) {
                ObjectNode l = call(nvmf, "nvmf_subsystem_add_listener");
                l.put("nqn", linked.get(s).asText());
                ObjectNode a = l.putObject("listen_address");
                a.put("trtype", "TCP");
                a.put("adrfam", addr.path("adrfam").asText("ipv4").equals("ipv6") ? "IPv6" : "IPv4");
                a.put("traddr", traddr);
                a.put("trsvcid", trsvcid);
                if (tls) {
                    l.put("secure_channel", true);
                }
            }
        }
        ObjectNode out = JSON.objectNode();
        ArrayNode subsystems = out.putArray("subsystems");
        subsystems.addObject().put("subsystem", "bdev").set("config", bdevs);
        subsystems.addObject().put("subsystem", "nvmf").set("config", nvmf);
        return out;
    }

    private static ObjectNode call(ArrayNode config, String method) {
        ObjectNode e = config.addObject();
        e.put("method", method);
        return e.putObject("params");
    }

    private JsonNode list(JsonNode n, String field) throws ConfigException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return JSON.arrayNode();
        }
        if (!v.isArray()) {
            throw error(field, "must be a list");
        }
        return v;
    }

    private String text(JsonNode n, String field, String where) throws ConfigException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw error(where + "." + field, "is required (a string)");
        }
        return v.asText();
    }

    private ConfigException error(String field, String why) {
        return new ConfigException(file + ": " + (field.isEmpty() ? "" : field + ": ") + why);
    }
}
