package io.locus.target.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapSecret;
import io.locus.protocol.tls.TlsPsk;
import io.locus.target.auth.DhchapHostConfig;
import io.locus.target.model.AnaState;
import io.locus.target.model.PortAnaStates;
import io.locus.target.model.Subsystem;
import io.locus.target.tls.TargetTlsConfig;
import io.locus.target.config.TargetConfig.Limits;
import io.locus.target.config.TargetConfig.Listen;
import io.locus.target.config.TargetConfig.NamespaceConfig;
import io.locus.target.config.TargetConfig.Reactors;
import io.locus.target.config.TargetConfig.SubsystemConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a target configuration file (JSON; see config/target.example.json and the README). Every error names the
 * file, the field's path (e.g. {@code subsystems[0].namespaces[1].size}) and what is wrong with it. Unknown fields
 * are errors too, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
    private static final Set<String> BACKENDS = Set.of("memory", "null", "file", "uring");
    private final String file;
    /** TLS PSKs of host entries, by subsystem then host NQN. */
    private final Map<String, Map<String, TlsPsk>> tlsHostKeys = new HashMap<>();

    private ConfigLoader(String file) {
        this.file = file;
    }

    public static TargetConfig load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    public static TargetConfig parse(String file, String text) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file + ": the top level must be a JSON object");
        }
        return new ConfigLoader(file).root(root);
    }

    private TargetConfig root(JsonNode root) throws ConfigException {
        allowOnly(root, "", "reactors", "ports", "discovery", "subsystems", "limits", "tls_keys");
        TargetConfig defaults = TargetConfig.embeddedDefault();
        Reactors reactors = root.has("reactors") ? reactors(root.get("reactors")) : defaults.reactors();
        List<Listen> ports = new ArrayList<>();
        if (root.has("ports")) {
            JsonNode list = array(root.get("ports"), "ports");
            for (int i = 0; i < list.size(); i++) {
                ports.add(listen(list.get(i), "ports[" + i + "]", true));
            }
        } else {
            ports.addAll(defaults.ports());
        }
        Listen discovery = defaults.discovery();
        if (root.has("discovery")) {
            JsonNode d = root.get("discovery");
            discovery = d.isNull() ? null : listen(d, "discovery", false);
        }
        if (!root.has("subsystems")) {
            throw error("subsystems", "is required (a list of subsystems to serve)");
        }
        JsonNode subs = array(root.get("subsystems"), "subsystems");
        List<SubsystemConfig> subsystems = new ArrayList<>();
        Set<String> nqns = new HashSet<>();
        for (int i = 0; i < subs.size(); i++) {
            SubsystemConfig s = subsystem(subs.get(i), "subsystems[" + i + "]");
            if (!nqns.add(s.nqn())) {
                throw error("subsystems[" + i + "].nqn", "'" + s.nqn() + "' is used twice");
            }
            subsystems.add(s);
        }
        Limits limits = root.has("limits") ? limits(root.get("limits")) : Limits.defaults();
        if (ports.isEmpty() && discovery == null) {
            throw error("ports", "no ports and no discovery port: nothing to listen on");
        }
        TargetTlsConfig tls = tls(root, ports, discovery);
        return new TargetConfig(reactors, ports, discovery, subsystems, limits, tls);
    }

    /** {@code "tls_keys"}: PSKs any host may use; and a port that requires TLS needs some key to accept. */
    private TargetTlsConfig tls(JsonNode root, List<Listen> ports, Listen discovery) throws ConfigException {
        List<TlsPsk> anyHost = new ArrayList<>();
        if (root.has("tls_keys")) {
            JsonNode list = array(root.get("tls_keys"), "tls_keys");
            for (int i = 0; i < list.size(); i++) {
                anyHost.add(tlsKey(list.get(i), "tls_keys[" + i + "]"));
            }
        }
        TargetTlsConfig tls = new TargetTlsConfig(tlsHostKeys, anyHost);
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).tlsRequired() && !tls.hasKeys()) {
                throw error("ports[" + i + "].tls", "is required, but no host entry has a tls_key and there are no tls_keys");
            }
        }
        if (discovery != null && discovery.tlsRequired() && !tls.hasKeys()) {
            throw error("discovery.tls", "is required, but no host entry has a tls_key and there are no tls_keys");
        }
        return tls;
    }

    private TlsPsk tlsKey(JsonNode n, String where) throws ConfigException {
        if (!n.isTextual()) {
            throw error(where, "must be a string (a TLS PSK in interchange form, NVMeTLSkey-1:...:, as 'nvme gen-tls-key' writes it)");
        }
        try {
            return TlsPsk.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw error(where, e.getMessage());
        }
    }

    private Reactors reactors(JsonNode n) throws ConfigException {
        object(n, "reactors");
        allowOnly(n, "reactors", "cores", "idle", "provenance", "batch_pdus", "window_us",
                "batch_bytes", "window_bytes");
        List<Integer> cores = new ArrayList<>();
        if (n.has("cores")) {
            JsonNode list = n.get("cores");
            if (list.isTextual()) {
                try {
                    cores.addAll(CpuList.parse(list.asText()));
                } catch (IllegalArgumentException e) {
                    throw error("reactors.cores", e.getMessage());
                }
            } else {
                array(list, "reactors.cores");
                for (int i = 0; i < list.size(); i++) {
                    cores.add(intValue(list.get(i), "reactors.cores[" + i + "]", 0, 4095));
                }
            }
        }
        String idle = n.has("idle") ? text(n.get("idle"), "reactors.idle") : "adaptive";
        if (!idle.equals("busy") && !idle.equals("adaptive")) {
            throw error("reactors.idle", "must be \"busy\" or \"adaptive\", not \"" + idle + "\"");
        }
        boolean provenance = !n.has("provenance") || bool(n.get("provenance"), "reactors.provenance");
        int batch = n.has("batch_pdus") ? intValue(n.get("batch_pdus"), "reactors.batch_pdus", 1, 1024) : Reactors.DEFAULT_BATCH_PDUS;
        int window = n.has("window_us") ? intValue(n.get("window_us"), "reactors.window_us", 1, 1_000_000) : Reactors.DEFAULT_WINDOW_MICROS;
        int batchBytes = n.has("batch_bytes")
                ? intValue(n.get("batch_bytes"), "reactors.batch_bytes", 4096, 16 << 20) : Reactors.DEFAULT_BATCH_BYTES;
        int windowBytes = n.has("window_bytes")
                ? intValue(n.get("window_bytes"), "reactors.window_bytes", 4096, 16 << 20) : Reactors.DEFAULT_WINDOW_BYTES;
        return new Reactors(cores, idle, provenance, batch, window, batchBytes, windowBytes);
    }

    private Listen listen(JsonNode n, String where, boolean io) throws ConfigException {
        object(n, where);
        if (io) {
            allowOnly(n, where, "address", "port", "tls", "transport", "ana_states");
        } else {
            allowOnly(n, where, "address", "port", "tls", "transport");
        }
        String address = n.has("address") ? text(n.get("address"), where + ".address") : "127.0.0.1";
        if (!n.has("port")) {
            throw error(where + ".port", "is required");
        }
        int port = intValue(n.get("port"), where + ".port", 0, 65535);
        boolean tls = false;
        if (n.has("tls")) {
            String mode = text(n.get("tls"), where + ".tls");
            if (!mode.equals("required") && !mode.equals("none")) {
                throw error(where + ".tls", "must be \"required\" (TLS 1.3 with a PSK before ICReq) or \"none\", not \"" + mode + "\"");
            }
            tls = mode.equals("required");
        }
        String transport = Listen.TCP;
        if (n.has("transport")) {
            transport = text(n.get("transport"), where + ".transport");
            if (!transport.equals(Listen.TCP) && !transport.equals(Listen.RDMA)) {
                throw error(where + ".transport", "must be \"tcp\" or \"rdma\", not \"" + transport + "\"");
            }
            if (tls && transport.equals(Listen.RDMA)) {
                throw error(where + ".tls", "TLS is for NVMe/TCP; an \"rdma\" port cannot require it");
            }
        }
        Map<Integer, AnaState> ana = n.has("ana_states") ? anaStates(n.get("ana_states"), where + ".ana_states") : Map.of();
        return new Listen(address, port, tls, transport, ana);
    }

    /** {@code "ana_states": {"2": "inaccessible", ...}}: ANA group (1..ANAGRPMAX) to state. */
    private Map<Integer, AnaState> anaStates(JsonNode n, String where) throws ConfigException {
        object(n, where);
        Map<Integer, AnaState> out = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String w = where + "." + e.getKey();
            int group;
            try {
                group = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw error(w, "'" + e.getKey() + "' is not an ANA group number (1.." + PortAnaStates.ANAGRPMAX + ")");
            }
            if (group < 1 || group > PortAnaStates.ANAGRPMAX) {
                throw error(w, "ANA group " + group + " is out of range 1.." + PortAnaStates.ANAGRPMAX);
            }
            try {
                out.put(group, AnaState.parse(text(e.getValue(), w)));
            } catch (IllegalArgumentException x) {
                throw error(w, x.getMessage());
            }
        }
        return out;
    }

    private SubsystemConfig subsystem(JsonNode n, String where) throws ConfigException {
        object(n, where);
        allowOnly(n, where, "nqn", "serial", "model", "allow_any_host", "hosts", "max_namespaces", "namespaces",
                "min_cntlid", "max_cntlid");
        if (!n.has("nqn")) {
            throw error(where + ".nqn", "is required");
        }
        String nqn = text(n.get("nqn"), where + ".nqn");
        String nqnProblem = Nqn.problem(nqn);
        if (nqnProblem != null) {
            throw error(where + ".nqn", nqnProblem);
        }
        String serial = n.has("serial") ? text(n.get("serial"), where + ".serial") : TargetConfig.serialFor(nqn);
        if (serial.length() > 20 || !serial.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw error(where + ".serial", "must be at most 20 printable ASCII characters");
        }
        String model = n.has("model") ? text(n.get("model"), where + ".model") : TargetConfig.DEFAULT_MODEL;
        if (model.length() > 40 || !model.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw error(where + ".model", "must be at most 40 printable ASCII characters");
        }
        List<String> hosts = new ArrayList<>();
        Map<String, DhchapHostConfig> hostAuth = new HashMap<>();
        if (n.has("hosts")) {
            JsonNode list = array(n.get("hosts"), where + ".hosts");
            for (int i = 0; i < list.size(); i++) {
                String h = list.get(i).isObject() ? hostEntry(list.get(i), where + ".hosts[" + i + "]", hostAuth, nqn)
                        : text(list.get(i), where + ".hosts[" + i + "]");
                String problem = Nqn.problem(h);
                if (problem != null) {
                    throw error(where + ".hosts[" + i + "]", problem);
                }
                hosts.add(h);
            }
        }
        boolean anyHost = n.has("allow_any_host") ? bool(n.get("allow_any_host"), where + ".allow_any_host") : hosts.isEmpty();
        int maxNs = n.has("max_namespaces") ? intValue(n.get("max_namespaces"), where + ".max_namespaces", 1, 1024) : 1024;
        List<NamespaceConfig> namespaces = new ArrayList<>();
        Set<Integer> nsids = new HashSet<>();
        Set<UUID> uuids = new HashSet<>();
        Set<String> nguids = new HashSet<>();
        if (n.has("namespaces")) {
            JsonNode list = array(n.get("namespaces"), where + ".namespaces");
            for (int i = 0; i < list.size(); i++) {
                String w = where + ".namespaces[" + i + "]";
                NamespaceConfig ns = namespace(list.get(i), w, i + 1, maxNs);
                if (!nsids.add(ns.nsid())) {
                    throw error(w + ".nsid", ns.nsid() + " is used twice in this subsystem");
                }
                if (ns.uuid() != null && !uuids.add(ns.uuid())) {
                    throw error(w + ".uuid", ns.uuid() + " is used twice in this subsystem (a UUID names one namespace)");
                }
                if (ns.nguid() != null && !nguids.add(java.util.HexFormat.of().formatHex(ns.nguid()))) {
                    throw error(w + ".nguid", java.util.HexFormat.of().formatHex(ns.nguid()) + " is used twice in this subsystem (an NGUID names one namespace)");
                }
                namespaces.add(ns);
            }
        }
        int minCntlid = n.has("min_cntlid")
                ? intValue(n.get("min_cntlid"), where + ".min_cntlid", Subsystem.MIN_CNTLID, Subsystem.MAX_CNTLID) : Subsystem.MIN_CNTLID;
        int maxCntlid = n.has("max_cntlid")
                ? intValue(n.get("max_cntlid"), where + ".max_cntlid", Subsystem.MIN_CNTLID, Subsystem.MAX_CNTLID) : Subsystem.MAX_CNTLID;
        if (minCntlid > maxCntlid) {
            throw error(where + ".max_cntlid", maxCntlid + " is below min_cntlid " + minCntlid + ": no controller ID left to hand out");
        }
        return new SubsystemConfig(nqn, serial, model, anyHost, hosts, maxNs, namespaces, hostAuth, minCntlid, maxCntlid);
    }

    /**
     * A host given as an object: {@code {"nqn": ..., "dhchap_key": "DHHC-1:...", "dhchap_ctrl_key": "DHHC-1:...",
     * "dhchap_hashes": ["sha256", ...], "dhchap_dhgroups": ["ffdhe2048", "null", ...]}}. Returns its NQN and records
     * its DH-HMAC-CHAP settings. Errors name the field, never the secret.
     */
    private String hostEntry(JsonNode n, String where, Map<String, DhchapHostConfig> hostAuth, String subnqn) throws ConfigException {
        allowOnly(n, where, "nqn", "dhchap_key", "dhchap_ctrl_key", "dhchap_hashes", "dhchap_dhgroups", "tls_key");
        if (!n.has("nqn")) {
            throw error(where + ".nqn", "is required");
        }
        String nqn = text(n.get("nqn"), where + ".nqn");
        if (n.has("tls_key")
                && tlsHostKeys.computeIfAbsent(subnqn, k -> new HashMap<>()).put(nqn, tlsKey(n.get("tls_key"), where + ".tls_key")) != null) {
            throw error(where + ".nqn", "'" + nqn + "' has a TLS key twice");
        }
        if (!n.has("dhchap_key")) {
            for (String f : List.of("dhchap_ctrl_key", "dhchap_hashes", "dhchap_dhgroups")) {
                if (n.has(f)) {
                    throw error(where + "." + f, "needs dhchap_key (the host's secret) too");
                }
            }
            return nqn;
        }
        DhchapSecret hostKey = secret(n.get("dhchap_key"), where + ".dhchap_key");
        DhchapSecret ctrlKey = n.has("dhchap_ctrl_key") ? secret(n.get("dhchap_ctrl_key"), where + ".dhchap_ctrl_key") : null;
        List<DhchapHash> hashes = new ArrayList<>();
        if (n.has("dhchap_hashes")) {
            JsonNode list = array(n.get("dhchap_hashes"), where + ".dhchap_hashes");
            for (int i = 0; i < list.size(); i++) {
                String w = where + ".dhchap_hashes[" + i + "]";
                try {
                    hashes.add(DhchapHash.parse(text(list.get(i), w)));
                } catch (IllegalArgumentException e) {
                    throw error(w, e.getMessage());
                }
            }
        }
        List<DhGroup> groups = new ArrayList<>();
        if (n.has("dhchap_dhgroups")) {
            JsonNode list = array(n.get("dhchap_dhgroups"), where + ".dhchap_dhgroups");
            for (int i = 0; i < list.size(); i++) {
                String w = where + ".dhchap_dhgroups[" + i + "]";
                try {
                    groups.add(DhGroup.parse(text(list.get(i), w)));
                } catch (IllegalArgumentException e) {
                    throw error(w, e.getMessage());
                }
            }
        }
        if (hostAuth.put(nqn, new DhchapHostConfig(hostKey, ctrlKey, hashes, groups)) != null) {
            throw error(where + ".nqn", "'" + nqn + "' has DH-HMAC-CHAP settings twice");
        }
        return nqn;
    }

    private DhchapSecret secret(JsonNode n, String where) throws ConfigException {
        if (!n.isTextual()) {
            throw error(where, "must be a string (a DHHC-1 secret, as 'nvme gen-dhchap-key' writes it)");
        }
        try {
            return DhchapSecret.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw error(where, e.getMessage());
        }
    }

    private NamespaceConfig namespace(JsonNode n, String where, int defaultNsid, int maxNs) throws ConfigException {
        object(n, where);
        allowOnly(n, where, "nsid", "backend", "size", "path", "block_size", "uuid", "nguid", "ana_group");
        int nsid = n.has("nsid") ? intValue(n.get("nsid"), where + ".nsid", 1, maxNs) : defaultNsid;
        if (!n.has("backend")) {
            throw error(where + ".backend", "is required: one of " + String.join(", ", BACKENDS.stream().sorted().toList()));
        }
        String backend = text(n.get("backend"), where + ".backend");
        if (!BACKENDS.contains(backend)) {
            throw error(where + ".backend", "'" + backend + "' is not a backend; use one of " + String.join(", ", BACKENDS.stream().sorted().toList()));
        }
        long size = n.has("size") ? size(n.get("size"), where + ".size") : 0;
        String path = n.has("path") ? text(n.get("path"), where + ".path") : null;
        if (backend.equals("file") || backend.equals("uring")) {
            if (path == null || path.isEmpty()) {
                throw error(where + ".path", "is required for a " + backend + " namespace");
            }
        } else {
            if (path != null) {
                throw error(where + ".path", "only file and uring namespaces have a path");
            }
            if (size == 0) {
                throw error(where + ".size", "is required for a " + backend + " namespace");
            }
        }
        int blockSize = n.has("block_size") ? intValue(n.get("block_size"), where + ".block_size", 512, 4096) : 4096;
        if (blockSize != 512 && blockSize != 4096) {
            throw error(where + ".block_size", "must be 512 or 4096, not " + blockSize);
        }
        if (size != 0 && size % blockSize != 0) {
            throw error(where + ".size", size + " is not a multiple of the block size " + blockSize);
        }
        UUID uuid = null;
        if (n.has("uuid")) {
            String u = text(n.get("uuid"), where + ".uuid");
            try {
                uuid = UUID.fromString(u);
            } catch (IllegalArgumentException e) {
                throw error(where + ".uuid", "'" + u + "' is not a UUID");
            }
        }
        byte[] nguid = null;
        if (n.has("nguid")) {
            String g = text(n.get("nguid"), where + ".nguid").replace("-", "");
            if (!g.matches("[0-9a-fA-F]{32}")) {
                throw error(where + ".nguid", "'" + n.get("nguid").asText() + "' is not an NGUID (32 hex digits)");
            }
            nguid = java.util.HexFormat.of().parseHex(g);
        }
        int anaGroup = n.has("ana_group") ? intValue(n.get("ana_group"), where + ".ana_group", 1, PortAnaStates.ANAGRPMAX) : 1;
        return new NamespaceConfig(nsid, backend, size, path, blockSize, uuid, nguid, anaGroup);
    }

    private Limits limits(JsonNode n) throws ConfigException {
        object(n, "limits");
        allowOnly(n, "limits", "max_connections_per_port", "stall_timeout_ms", "mdts", "io_in_capsule_bytes",
                "max_io_queues", "mqes", "file_io_threads");
        Limits d = Limits.defaults();
        return new Limits(
                n.has("max_connections_per_port") ? intValue(n.get("max_connections_per_port"), "limits.max_connections_per_port", 1, 1 << 20) : d.maxConnectionsPerPort(),
                n.has("stall_timeout_ms") ? intValue(n.get("stall_timeout_ms"), "limits.stall_timeout_ms", 100, 3_600_000) : d.stallTimeoutMillis(),
                n.has("mdts") ? intValue(n.get("mdts"), "limits.mdts", 1, 8) : d.mdts(),
                n.has("io_in_capsule_bytes") ? intValue(n.get("io_in_capsule_bytes"), "limits.io_in_capsule_bytes", 0, 131072) : d.ioInCapsuleBytes(),
                n.has("max_io_queues") ? intValue(n.get("max_io_queues"), "limits.max_io_queues", 1, 1024) : d.maxIoQueues(),
                n.has("mqes") ? intValue(n.get("mqes"), "limits.mqes", 1, 65535) : d.mqes(),
                n.has("file_io_threads") ? intValue(n.get("file_io_threads"), "limits.file_io_threads", 1, 256) : d.fileIoThreads());
    }

    // ---- field helpers ------------------------------------------------------------------------------------

    private ConfigException error(String field, String why) {
        return new ConfigException(file + ": " + field + ": " + why);
    }

    private void allowOnly(JsonNode n, String where, String... fields) throws ConfigException {
        Set<String> allowed = Set.of(fields);
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                String path = where.isEmpty() ? name : where + "." + name;
                throw error(path, "unknown field (known: " + String.join(", ", fields) + ")");
            }
        }
    }

    private void object(JsonNode n, String where) throws ConfigException {
        if (!n.isObject()) {
            throw error(where, "must be an object");
        }
    }

    private JsonNode array(JsonNode n, String where) throws ConfigException {
        if (!n.isArray()) {
            throw error(where, "must be a list");
        }
        return n;
    }

    private String text(JsonNode n, String where) throws ConfigException {
        if (!n.isTextual()) {
            throw error(where, "must be a string");
        }
        return n.asText();
    }

    private boolean bool(JsonNode n, String where) throws ConfigException {
        if (!n.isBoolean()) {
            throw error(where, "must be true or false");
        }
        return n.asBoolean();
    }

    private int intValue(JsonNode n, String where, int min, int max) throws ConfigException {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(where, "must be a whole number");
        }
        int v = n.asInt();
        if (v < min || v > max) {
            throw error(where, v + " is out of range " + min + ".." + max);
        }
        return v;
    }

    private long size(JsonNode n, String where) throws ConfigException {
        if (n.isIntegralNumber()) {
            if (n.asLong() <= 0) {
                throw error(where, "must be positive");
            }
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                long v = Sizes.parse(n.asText());
                if (v <= 0) {
                    throw error(where, "must be positive");
                }
                return v;
            } catch (IllegalArgumentException e) {
                throw error(where, e.getMessage());
            }
        }
        throw error(where, "must be a size like \"1G\" or a number of bytes");
    }
}
