package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.locus.runtime.IdleMode;
import io.locus.runtime.Reactor;
import io.locus.target.Target;
import io.locus.target.config.TargetConfig;
import io.locus.target.core.PollGroup;
import io.locus.target.core.ReactorStats;
import io.locus.target.model.Controller;
import io.locus.target.model.ControllerQueue;
import io.locus.target.model.Subsystem;

/**
 * Framework and transport methods: {@code rpc_get_methods}, {@code framework_get_reactors},
 * {@code nvmf_create_transport}, {@code nvmf_get_transports}, {@code nvmf_get_stats}, and Locus's own
 * {@code locus_get_provenance} and {@code locus_set_reactor_idle}. Counters are the reactors' own: SPDK reports busy/idle in TSC ticks, Locus in reactor
 * turns ({@code "units": "turns"} says so).
 */
public final class FrameworkRpc {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Target target;
    private final RpcMethods methods;
    /** The options of the accepted {@code nvmf_create_transport} call, null before one. */
    private ObjectNode transportOptions;

    private FrameworkRpc(Target target, RpcMethods methods) {
        this.target = target;
        this.methods = methods;
    }

    public static void register(RpcMethods methods, Target target) {
        FrameworkRpc f = new FrameworkRpc(target, methods);
        methods.register("rpc_get_methods", false, f::getMethods)
                .register("framework_get_reactors", false, f::getReactors)
                .register("nvmf_create_transport", false, f::createTransport)
                .register("nvmf_get_transports", false, f::getTransports)
                .register("nvmf_get_stats", false, f::getStats)
                .register("locus_get_provenance", false, f::getProvenance)
                .register("locus_set_reactor_idle", false, f::setReactorIdle);
    }

    private JsonNode getMethods(RpcParams p) throws RpcException {
        p.allowOnly("current", "include_aliases");
        ArrayNode out = JSON.arrayNode();
        methods.names().forEach(out::add);
        return out;
    }

    private JsonNode getReactors(RpcParams p) throws RpcException {
        p.allowOnly();
        ObjectNode out = JSON.objectNode();
        out.put("units", "turns");
        ArrayNode list = out.putArray("reactors");
        for (int i = 0; i < target.reactors().size(); i++) {
            Reactor r = target.reactors().get(i);
            ObjectNode o = list.addObject();
            o.put("lcore", r.cpu());
            o.put("name", r.name());
            o.put("pinned", r.isPinned());
            o.put("idle_mode", r.idleMode().name().toLowerCase(java.util.Locale.ROOT));
            long idle = r.idleTurns();
            o.put("busy", r.turns() - idle);
            o.put("idle", idle);
            o.put("in_interrupt", false);
            o.putArray("lw_threads").addObject().put("name", "nvmf_tgt_poll_group_" + i).put("id", i);
        }
        return out;
    }

    /**
     * Accepts TCP once (SPDK refuses a second transport of a type) and records the options. The limits a running
     * target applies come from its configuration (they size every queue); an option that asks for a limit the target
     * does not run with is an error naming it, so nobody believes a setting took effect when it did not.
     */
    private JsonNode createTransport(RpcParams p) throws RpcException {
        p.allowOnly("trtype", "tgt_name", "max_queue_depth", "max_io_qpairs_per_ctrlr", "max_qpairs_per_ctrlr",
                "in_capsule_data_size", "max_io_size", "io_unit_size", "max_aq_depth", "num_shared_buffers",
                "buf_cache_size", "dif_insert_or_strip", "c2h_success", "sock_priority", "abort_timeout_sec",
                "zcopy", "ack_timeout", "data_wr_pool_size", "control_msg_num");
        NvmfRpc.tgtName(p);
        String trtype = p.string("trtype");
        if (!trtype.equalsIgnoreCase("tcp")) {
            throw RpcException.invalidParams("'trtype': transport '" + trtype + "' is not available (TCP is)");
        }
        if (transportOptions != null) {
            throw RpcException.invalidParams("Transport type 'TCP' already exists");
        }
        ObjectNode effective = transport();
        for (String limit : new String[] {"max_queue_depth", "max_io_qpairs_per_ctrlr", "in_capsule_data_size", "max_io_size"}) {
            if (p.has(limit) && p.integer(limit) != effective.get(limit).asLong()) {
                throw RpcException.invalidParams("'" + limit + "' " + p.integer(limit) + " differs from the "
                        + effective.get(limit).asLong() + " this target runs with; set it in the configuration (limits) and restart");
            }
        }
        transportOptions = p.json().deepCopy();
        return BooleanNode.TRUE;
    }

    private JsonNode getTransports(RpcParams p) throws RpcException {
        p.allowOnly("trtype", "tgt_name");
        NvmfRpc.tgtName(p);
        String only = p.string("trtype", null);
        ArrayNode out = JSON.arrayNode();
        if (only == null || only.equalsIgnoreCase("tcp")) {
            out.add(transport());
        }
        return out;
    }

    /** The TCP transport's options in effect, named as SPDK's {@code spdk_nvmf_transport_opts}. */
    private ObjectNode transport() {
        TargetConfig.Limits l = target.config().limits();
        ObjectNode t = JSON.objectNode();
        t.put("trtype", "TCP");
        t.put("max_queue_depth", l.mqes() + 1);
        t.put("max_io_qpairs_per_ctrlr", l.maxIoQueues());
        t.put("in_capsule_data_size", l.ioInCapsuleBytes());
        t.put("max_io_size", (1 << l.mdts()) * 4096);
        t.put("created_over_rpc", transportOptions != null);
        return t;
    }

    private JsonNode getStats(RpcParams p) throws RpcException {
        p.allowOnly("tgt_name");
        NvmfRpc.tgtName(p);
        int groups = target.reactors().size();
        int[] admin = new int[groups];
        int[] io = new int[groups];
        for (Subsystem s : target.subsystems()) {
            for (Controller c : s.controllers()) {
                count(admin, c.adminQueue());
                for (ControllerQueue q : c.ioQueues()) {
                    count(io, q);
                }
            }
        }
        ObjectNode out = JSON.objectNode();
        ArrayNode list = out.putArray("poll_groups");
        for (int i = 0; i < groups; i++) {
            PollGroup g = target.pollGroups().at(i);
            ReactorStats st = g.stats();
            ObjectNode o = list.addObject();
            o.put("name", "nvmf_tgt_poll_group_" + i);
            o.put("thread", g.reactor().name());
            o.put("current_admin_qpairs", admin[i]);
            o.put("current_io_qpairs", io[i]);
            o.put("completed_nvme_io", st.commands(ReactorStats.THROUGHPUT) + st.commands(ReactorStats.LATENCY));
            o.put("errors", st.errors());
            o.put("bytes_read", st.bytesRead());
            o.put("bytes_written", st.bytesWritten());
            o.putArray("transports").addObject().put("trtype", "TCP");
        }
        return out;
    }

    private void count(int[] perGroup, ControllerQueue q) {
        if (q == null) {
            return;
        }
        for (int i = 0; i < perGroup.length; i++) {
            if (target.reactors().get(i) == q.reactor()) {
                perGroup[i]++;
            }
        }
    }

    /**
     * {@code {"mode": "busy"|"adaptive"}}: what every reactor does when a turn finds no work (the {@code --idle}
     * setting), switched at run time. Not part of the saved configuration: the command line sets it at start.
     */
    private JsonNode setReactorIdle(RpcParams p) throws RpcException {
        p.allowOnly("mode");
        String mode = p.string("mode");
        if (!mode.equals("busy") && !mode.equals("adaptive")) {
            throw RpcException.invalidParams("'mode' must be \"busy\" or \"adaptive\", not \"" + mode + "\"");
        }
        IdleMode m = IdleMode.parse(mode);
        for (Reactor r : target.reactors().reactors()) {
            r.idleMode(m);
        }
        return BooleanNode.TRUE;
    }

    private JsonNode getProvenance(RpcParams p) throws RpcException {
        p.allowOnly();
        TargetConfig.Reactors r = target.config().reactors();
        ObjectNode o = JSON.objectNode();
        o.put("enabled", r.provenance());
        o.put("batch_pdus", r.batchPdus());
        o.put("window_us", r.windowMicros());
        o.put("batch_bytes", r.batchBytes());
        o.put("window_bytes", r.windowBytes());
        return o;
    }
}
