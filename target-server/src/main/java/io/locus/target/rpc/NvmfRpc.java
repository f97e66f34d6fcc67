package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.target.Target;
import io.locus.target.bdev.Bdev;
import io.locus.target.config.Nqn;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.AnaState;
import io.locus.target.model.Controller;
import io.locus.target.model.ControllerQueue;
import io.locus.target.model.Namespace;
import io.locus.target.model.Port;
import io.locus.target.model.PortAnaStates;
import io.locus.target.model.Subsystem;

import java.io.IOException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * SPDK's {@code nvmf_*} subsystem methods (lib/nvmf/nvmf_rpc.c; parameters as python/spdk/rpc/nvmf.py sends them,
 * results in the same shapes). One target ({@code tgt_name} is accepted and must be absent or name it); TCP only.
 * A subsystem made here starts with no listeners, as in SPDK; one from a Locus configuration file answers on every
 * port until a listener is added or removed.
 */
public final class NvmfRpc {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** SPDK's {@code nvmf_subsystem_create} limit on the serial number (NVMe SN is 20 bytes). */
    private static final int SERIAL_MAX = 20;
    private static final int MODEL_MAX = 40;

    private final Target target;

    private NvmfRpc(Target target) {
        this.target = target;
    }

    /** Registers the {@code nvmf_*} methods on {@code methods}. */
    public static void register(RpcMethods methods, Target target) {
        NvmfRpc n = new NvmfRpc(target);
        methods.register("nvmf_get_subsystems", false, n::getSubsystems)
                .register("nvmf_create_subsystem", true, n::createSubsystem)
                .register("nvmf_delete_subsystem", true, n::deleteSubsystem)
                .register("nvmf_subsystem_add_ns", true, n::addNs)
                .register("nvmf_subsystem_remove_ns", true, n::removeNs)
                .register("nvmf_subsystem_add_listener", true, n::addListener)
                .register("nvmf_subsystem_remove_listener", true, n::removeListener)
                .register("nvmf_subsystem_get_listeners", false, n::getListeners)
                .register("nvmf_subsystem_listener_set_ana_state", false, n::setAnaState)
                .register("nvmf_subsystem_add_host", true, n::addHost)
                .register("nvmf_subsystem_remove_host", true, n::removeHost)
                .register("nvmf_subsystem_allow_any_host", true, n::allowAnyHost)
                .register("nvmf_subsystem_get_controllers", false, n::getControllers)
                .register("nvmf_subsystem_get_qpairs", false, n::getQpairs);
    }

    // ---- subsystems ---------------------------------------------------------------------------------------

    private JsonNode getSubsystems(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "tgt_name");
        tgtName(p);
        ArrayNode out = JSON.arrayNode();
        String only = p.string("nqn", null);
        if (only != null) {
            subsystem(only); // -32602 when unknown, as SPDK
        }
        if (only == null || only.equals(DiscoveryLog.DISCOVERY_NQN)) {
            ObjectNode d = out.addObject();
            d.put("nqn", DiscoveryLog.DISCOVERY_NQN);
            d.put("subtype", "Discovery");
            ArrayNode addresses = d.putArray("listen_addresses");
            for (Port port : target.ports()) {
                if (port.discovery()) {
                    addresses.add(address(port));
                }
            }
            d.put("allow_any_host", true);
            d.putArray("hosts");
        }
        for (Subsystem s : target.subsystems()) {
            if (only == null || only.equals(s.nqn())) {
                out.add(describe(s));
            }
        }
        return out;
    }

    /** One subsystem as {@code nvmf_get_subsystems} shows it. */
    ObjectNode describe(Subsystem s) {
        ObjectNode o = JSON.objectNode();
        o.put("nqn", s.nqn());
        o.put("subtype", "NVMe");
        ArrayNode addresses = o.putArray("listen_addresses");
        for (Port port : target.ports()) {
            if (!port.discovery() && s.listensOn(port.id())) {
                addresses.add(address(port));
            }
        }
        o.put("allow_any_host", s.allowAnyHost());
        ArrayNode hosts = o.putArray("hosts");
        for (String h : s.allowedHosts()) {
            hosts.addObject().put("nqn", h);
        }
        o.put("serial_number", s.serial());
        o.put("model_number", s.model());
        o.put("max_namespaces", s.maxNamespaces());
        o.put("min_cntlid", s.minCntlid());
        o.put("max_cntlid", s.maxCntlid());
        ArrayNode namespaces = o.putArray("namespaces");
        for (Namespace ns : s.namespaces()) {
            ObjectNode n = namespaces.addObject();
            n.put("nsid", ns.nsid());
            Bdev b = target.bdevs().byBackend(ns.backend());
            String name = b != null ? b.name() : ns.source();
            n.put("bdev_name", name);
            n.put("name", name);
            n.put("nguid", HexFormat.of().withUpperCase().formatHex(ns.nguid()));
            n.put("uuid", ns.uuid().toString());
            n.put("anagrpid", ns.anaGroupId());
        }
        return o;
    }

    private JsonNode createSubsystem(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "serial_number", "model_number", "allow_any_host", "max_namespaces", "tgt_name", "ana_reporting",
                "min_cntlid", "max_cntlid");
        tgtName(p);
        String nqn = p.string("nqn");
        String problem = Nqn.problem(nqn);
        if (problem != null) {
            throw RpcException.invalidParams("'nqn': " + problem);
        }
        String serial = p.string("serial_number", TargetConfig.serialFor(nqn));
        if (serial.length() > SERIAL_MAX || !serial.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw RpcException.invalidParams("'serial_number' must be at most " + SERIAL_MAX + " printable ASCII characters");
        }
        String model = p.string("model_number", TargetConfig.DEFAULT_MODEL);
        if (model.length() > MODEL_MAX || !model.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw RpcException.invalidParams("'model_number' must be at most " + MODEL_MAX + " printable ASCII characters");
        }
        long maxNs = p.has("max_namespaces") ? p.integer("max_namespaces", 0, 1024) : 0;
        // Every Locus subsystem reports ANA (CMIC b3, the ANA log): ana_reporting is accepted either way.
        p.bool("ana_reporting", true);
        int minCntlid = p.has("min_cntlid") ? (int) p.integer("min_cntlid", Subsystem.MIN_CNTLID, Subsystem.MAX_CNTLID)
                : Subsystem.MIN_CNTLID;
        int maxCntlid = p.has("max_cntlid") ? (int) p.integer("max_cntlid", Subsystem.MIN_CNTLID, Subsystem.MAX_CNTLID)
                : Subsystem.MAX_CNTLID;
        if (minCntlid > maxCntlid) {
            throw RpcException.invalidParams("'min_cntlid' " + minCntlid + " is above 'max_cntlid' " + maxCntlid);
        }
        if (target.subsystem(nqn) != null) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "Unable to create subsystem " + nqn + ": it exists");
        }
        Subsystem s = new Subsystem(nqn, serial, model, p.bool("allow_any_host", false), java.util.List.of(),
                maxNs == 0 ? 1024 : (int) maxNs, false, minCntlid, maxCntlid);
        s.listenPorts(java.util.Set.of()); // SPDK: no listeners until nvmf_subsystem_add_listener
        target.createSubsystem(s);
        return BooleanNode.TRUE;
    }

    private JsonNode deleteSubsystem(RpcParams p) throws RpcException {
        Subsystem s = subsystemOnly(p);
        ioSubsystem(s.nqn());
        target.deleteSubsystem(s.nqn());
        return BooleanNode.TRUE;
    }

    // ---- namespaces ---------------------------------------------------------------------------------------

    private JsonNode addNs(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "namespace", "tgt_name", "no_auto_visible");
        tgtName(p);
        if (p.bool("no_auto_visible", false)) {
            throw RpcException.invalidParams("'no_auto_visible': per-host namespace visibility is not supported");
        }
        Subsystem s = ioSubsystem(p.string("nqn"));
        RpcParams ns = p.object("namespace");
        ns.allowOnly("bdev_name", "nsid", "uuid", "nguid", "eui64", "ptpl_file", "anagrpid", "no_auto_visible");
        for (String unsupported : new String[] {"eui64", "ptpl_file"}) {
            if (ns.has(unsupported)) {
                throw RpcException.invalidParams("'namespace." + unsupported + "' is not supported");
            }
        }
        int anaGroup = ns.has("anagrpid") ? (int) ns.integer("anagrpid", 1, PortAnaStates.ANAGRPMAX) : 1;
        byte[] nguid = null;
        if (ns.has("nguid")) {
            String hex = ns.string("nguid").replace("-", "");
            try {
                nguid = hex.length() == 32 ? HexFormat.of().parseHex(hex) : null;
            } catch (IllegalArgumentException e) {
                nguid = null;
            }
            if (nguid == null) {
                throw RpcException.invalidParams("'namespace.nguid' must be 16 bytes in hex (32 digits)");
            }
        }
        String bdevName = ns.string("bdev_name");
        Bdev bdev = target.bdevs().get(bdevName);
        if (bdev == null) {
            throw RpcException.invalidParams("'namespace.bdev_name': no bdev named " + bdevName);
        }
        String user = BdevRpc.user(target, bdev);
        if (user != null) {
            throw RpcException.invalidParams("'namespace.bdev_name': bdev " + bdevName + " is already " + user);
        }
        int nsid = (int) (ns.has("nsid") ? ns.integer("nsid", 0, s.maxNamespaces()) : 0);
        if (nsid == 0) {
            nsid = 1;
            while (nsid <= s.maxNamespaces() && s.namespace(nsid) != null) {
                nsid++;
            }
            if (nsid > s.maxNamespaces()) {
                throw RpcException.invalidParams("subsystem " + s.nqn() + " has no free NSID (max_namespaces " + s.maxNamespaces() + ")");
            }
        } else if (s.namespace(nsid) != null) {
            throw RpcException.invalidParams("'namespace.nsid': NSID " + nsid + " already exists in " + s.nqn());
        }
        UUID uuid = bdev.uuid();
        if (ns.has("uuid")) {
            try {
                uuid = UUID.fromString(ns.string("uuid"));
            } catch (IllegalArgumentException e) {
                throw RpcException.invalidParams("'namespace.uuid' is not a UUID");
            }
        }
        for (Namespace other : s.namespaces()) {
            if (uuid != null && uuid.equals(other.uuid())) {
                // NVMe Base 4.1.5: a UUID identifies one namespace of the subsystem; the Linux host drops both
                throw RpcException.invalidParams("'namespace.uuid': " + uuid + " is already namespace " + other.nsid() + "'s in " + s.nqn());
            }
        }
        target.addNamespace(s.nqn(), new Namespace(s.nqn(), nsid, bdev.backend(), bdev.blockSize(), uuid, nguid, anaGroup,
                bdev.namespaceSource()));
        return IntNode.valueOf(nsid);
    }

    private JsonNode removeNs(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "nsid", "tgt_name");
        tgtName(p);
        Subsystem s = ioSubsystem(p.string("nqn"));
        int nsid = (int) p.integer("nsid", 1, 0xFFFFFFFEL);
        if (s.namespace(nsid) == null) {
            throw RpcException.invalidParams("'nsid': no namespace " + nsid + " in " + s.nqn());
        }
        target.removeNamespace(s.nqn(), nsid);
        return BooleanNode.TRUE;
    }

    // ---- listeners ----------------------------------------------------------------------------------------

    private JsonNode addListener(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "listen_address", "tgt_name", "secure_channel", "sock_impl");
        tgtName(p);
        String nqn = p.string("nqn");
        Subsystem s = subsystem(nqn);
        TargetConfig.Listen listen = listenAddress(p.object("listen_address"), p.bool("secure_channel", false));
        if (listen.tlsRequired() && !target.config().tls().hasKeys()) {
            throw RpcException.invalidParams("'secure_channel': no TLS PSK is configured (tls_keys or a host's tls_key in the configuration)");
        }
        boolean discovery = s.isDiscovery();
        Port existing = target.port(listen, discovery);
        if (existing != null && existing.tlsRequired() != listen.tlsRequired()) {
            throw RpcException.invalidParams("'secure_channel': " + listen.display() + " already listens "
                    + (existing.tlsRequired() ? "with" : "without") + " TLS");
        }
        if (existing != null && (discovery || s.listensOn(existing.id()))) {
            throw RpcException.invalidParams("'listen_address': " + nqn + " already listens on " + listen.display());
        }
        Port port;
        try {
            port = target.listen(listen, discovery);
        } catch (IOException e) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "Unable to listen on " + listen.display() + ": " + e.getMessage());
        }
        if (!discovery) {
            target.addListener(nqn, port);
        }
        return BooleanNode.TRUE;
    }

    private JsonNode removeListener(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "listen_address", "tgt_name");
        tgtName(p);
        Subsystem s = ioSubsystem(p.string("nqn"));
        Port port = listener(s, p);
        target.removeListener(s.nqn(), port);
        return BooleanNode.TRUE;
    }

    private JsonNode getListeners(RpcParams p) throws RpcException {
        Subsystem s = subsystemOnly(p);
        ArrayNode out = JSON.arrayNode();
        for (Port port : target.ports()) {
            if (s.isDiscovery() ? port.discovery() : !port.discovery() && s.listensOn(port.id())) {
                ObjectNode l = out.addObject();
                l.set("address", address(port));
                l.put("secure_channel", port.tlsRequired());
                if (!s.isDiscovery()) {
                    ArrayNode ana = l.putArray("ana_states");
                    for (int group : anaGroups(s)) {
                        ana.addObject().put("ana_group", group).put("ana_state", port.ana().state(group).configName());
                    }
                }
            }
        }
        return out;
    }

    /**
     * SPDK's {@code nvmf_subsystem_listener_set_ana_state}: {@code nqn}, {@code listen_address}, {@code ana_state}
     * ({@code optimized}, {@code non_optimized}, {@code inaccessible}; Locus also takes {@code persistent_loss} and
     * {@code change}, which SPDK refuses), {@code anagrpid} (absent or 0: every group). Locus keeps ANA state per
     * (port, group), as Linux nvmet does, so the change applies to every subsystem on that port; the controllers
     * connected through it get the ANA-change AEN ({@link Target#setAnaState}). Run-time state: not saved.
     */
    private JsonNode setAnaState(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "listen_address", "ana_state", "anagrpid", "tgt_name");
        tgtName(p);
        Port port = listener(ioSubsystem(p.string("nqn")), p);
        AnaState state;
        try {
            state = AnaState.parse(p.string("ana_state"));
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("'ana_state': " + e.getMessage());
        }
        int group = p.has("anagrpid") ? (int) p.integer("anagrpid", 0, PortAnaStates.ANAGRPMAX) : 0;
        for (int g = group == 0 ? 1 : group; g <= (group == 0 ? PortAnaStates.ANAGRPMAX : group); g++) {
            target.setAnaState(port.id(), g, state);
        }
        return BooleanNode.TRUE;
    }

    /** The port of the subsystem's listener at {@code listen_address}; -32602 when it does not listen there. */
    private Port listener(Subsystem s, RpcParams p) throws RpcException {
        TargetConfig.Listen listen = listenAddress(p.object("listen_address"), false);
        Port port = target.port(listen, false);
        if (port == null || !s.listensOn(port.id())) {
            throw RpcException.invalidParams("'listen_address': " + s.nqn() + " does not listen on " + listen.display());
        }
        return port;
    }

    /** The ANA groups a subsystem reports (as its ANA log lists them): 1, then every group of a namespace. */
    private static java.util.SortedSet<Integer> anaGroups(Subsystem s) {
        java.util.SortedSet<Integer> groups = new java.util.TreeSet<>();
        groups.add(1);
        for (Namespace ns : s.namespaces()) {
            groups.add(ns.anaGroupId());
        }
        return groups;
    }

    /** {@code {"trtype": "TCP", "adrfam": "IPv4", "traddr": ..., "trsvcid": ...}} as a Listen. */
    private static TargetConfig.Listen listenAddress(RpcParams a, boolean secure) throws RpcException {
        a.allowOnly("trtype", "transport", "adrfam", "traddr", "trsvcid");
        String trtype = a.has("trtype") ? a.string("trtype") : a.string("transport");
        if (!trtype.equalsIgnoreCase("tcp")) {
            throw RpcException.invalidParams("'listen_address.trtype': transport '" + trtype + "' is not available (TCP is)");
        }
        String traddr = a.string("traddr");
        String adrfam = a.string("adrfam", null);
        if (adrfam != null && !adrfam.equalsIgnoreCase("ipv4") && !adrfam.equalsIgnoreCase("ipv6")) {
            throw RpcException.invalidParams("'listen_address.adrfam' must be IPv4 or IPv6, not '" + adrfam + "'");
        }
        JsonNode svc = a.json().get("trsvcid");
        if (svc == null) {
            throw RpcException.invalidParams("'listen_address.trsvcid' is required");
        }
        int port;
        try {
            port = svc.isIntegralNumber() ? svc.asInt() : Integer.parseInt(svc.asText());
        } catch (NumberFormatException e) {
            throw RpcException.invalidParams("'listen_address.trsvcid' must be a port number, not '" + svc.asText() + "'");
        }
        if (port < 0 || port > 65535) {
            throw RpcException.invalidParams("'listen_address.trsvcid' " + port + " is not a port");
        }
        return new TargetConfig.Listen(traddr, port, secure);
    }

    /** A bound port as SPDK's {@code listen_address}. */
    static ObjectNode address(Port port) {
        ObjectNode a = JSON.objectNode();
        a.put("trtype", "TCP");
        a.put("adrfam", port.ipv6() ? "IPv6" : "IPv4");
        a.put("traddr", port.host());
        a.put("trsvcid", String.valueOf(port.address().getPort()));
        return a;
    }

    // ---- hosts --------------------------------------------------------------------------------------------

    private JsonNode addHost(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "host", "tgt_name", "psk", "dhchap_key", "dhchap_ctrlr_key");
        tgtName(p);
        for (String keyring : new String[] {"psk", "dhchap_key", "dhchap_ctrlr_key"}) {
            if (p.has(keyring)) {
                throw RpcException.invalidParams("'" + keyring + "': keyring keys are not supported over RPC; give the host's keys in the configuration file");
            }
        }
        Subsystem s = ioSubsystem(p.string("nqn"));
        String host = p.string("host");
        String problem = Nqn.problem(host);
        if (problem != null) {
            throw RpcException.invalidParams("'host': " + problem);
        }
        if (!s.addHost(host)) {
            throw RpcException.invalidParams("'host': " + host + " is already allowed in " + s.nqn());
        }
        target.discoveryChanged();
        return BooleanNode.TRUE;
    }

    private JsonNode removeHost(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "host", "tgt_name");
        tgtName(p);
        Subsystem s = ioSubsystem(p.string("nqn"));
        String host = p.string("host");
        if (!s.allowedHosts().contains(host)) {
            throw RpcException.invalidParams("'host': " + host + " is not in " + s.nqn() + "'s hosts");
        }
        target.removeHost(s.nqn(), host);
        return BooleanNode.TRUE;
    }

    private JsonNode allowAnyHost(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "allow_any_host", "tgt_name");
        tgtName(p);
        Subsystem s = ioSubsystem(p.string("nqn"));
        if (!p.has("allow_any_host")) {
            throw RpcException.invalidParams("'allow_any_host' is required");
        }
        s.allowAnyHost(p.bool("allow_any_host", false));
        target.discoveryChanged();
        return BooleanNode.TRUE;
    }

    // ---- controllers and queue pairs ----------------------------------------------------------------------

    private JsonNode getControllers(RpcParams p) throws RpcException {
        Subsystem s = subsystemOnly(p);
        ArrayNode out = JSON.arrayNode();
        for (Controller c : s.controllers()) {
            ObjectNode o = out.addObject();
            o.put("cntlid", c.cntlid());
            o.put("hostnqn", c.hostNqn());
            o.put("hostid", hostId(c.hostId()));
            int io = 0;
            for (ControllerQueue q : c.ioQueues()) {
                io += q == null ? 0 : 1;
            }
            o.put("num_io_qpairs", io);
        }
        return out;
    }

    private JsonNode getQpairs(RpcParams p) throws RpcException {
        Subsystem s = subsystemOnly(p);
        ArrayNode out = JSON.arrayNode();
        for (Controller c : s.controllers()) {
            ControllerQueue[] queues = c.ioQueues();
            queues[0] = c.adminQueue();
            for (int qid = 0; qid < queues.length; qid++) {
                if (queues[qid] == null) {
                    continue;
                }
                ObjectNode o = out.addObject();
                o.put("cntlid", c.cntlid());
                o.put("qid", qid);
                o.put("state", "active");
                o.put("thread", queues[qid].reactor().name());
                o.set("listen_address", address(c.port()));
            }
        }
        return out;
    }

    private static String hostId(byte[] id) {
        if (id.length != 16) {
            return HexFormat.of().formatHex(id);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(id);
        return new UUID(b.getLong(), b.getLong()).toString();
    }

    // ---- lookups ------------------------------------------------------------------------------------------

    /** SPDK's {@code tgt_name} selects one of several targets; Locus runs one, so only its absence is accepted. */
    static void tgtName(RpcParams p) throws RpcException {
        if (p.has("tgt_name")) {
            throw RpcException.invalidParams("'tgt_name': Locus runs one target; leave tgt_name out");
        }
    }

    /** The subsystem of a method whose only parameters are {@code nqn} (and {@code tgt_name}). */
    private Subsystem subsystemOnly(RpcParams p) throws RpcException {
        p.allowOnly("nqn", "tgt_name");
        tgtName(p);
        return subsystem(p.string("nqn"));
    }

    private Subsystem subsystem(String nqn) throws RpcException {
        Subsystem s = target.subsystem(nqn);
        if (s == null) {
            throw RpcException.invalidParams("Unable to find subsystem with NQN " + nqn);
        }
        return s;
    }

    /** An NVM subsystem (not discovery), -32602 otherwise. */
    private Subsystem ioSubsystem(String nqn) throws RpcException {
        Subsystem s = subsystem(nqn);
        if (s.isDiscovery()) {
            throw RpcException.invalidParams("'nqn': the discovery subsystem cannot be changed this way");
        }
        return s;
    }
}
