package io.locus.initiator.cli;

import io.locus.initiator.Discovery;
import io.locus.initiator.DiscoveryEntry;
import io.locus.initiator.DiscoveryLogPage;
import io.locus.initiator.TransportId;
import io.locus.protocol.fabrics.DiscoveryLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "discover", description = "List the subsystems (and referrals) a discovery controller knows.")
final class DiscoverCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Option(names = {"-n", "--nqn"}, description = "Discovery NQN (default ${DEFAULT-VALUE}).", defaultValue = DiscoveryLog.DISCOVERY_NQN)
    String nqn;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TransportId id = conn.transportId(nqn, TransportId.DEFAULT_DISCOVERY_PORT);
        DiscoveryLogPage log = Discovery.discover(id, conn.host(), conn.controllerOptions());
        PrintWriter out = spec.commandLine().getOut();
        if (conn.json) {
            List<Map<String, Object>> entries = new ArrayList<>();
            for (DiscoveryEntry e : log.entries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("trtype", e.trtypeName());
                m.put("adrfam", e.adrfamName());
                m.put("subtype", e.subtypeName());
                m.put("treq", e.treqName());
                m.put("portid", e.portId());
                m.put("trsvcid", e.trsvcid());
                m.put("subnqn", e.subnqn());
                m.put("traddr", e.traddr());
                m.put("sectype", e.sectypeName());
                entries.add(m);
            }
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("genctr", log.generation());
            root.put("numrec", log.records());
            root.put("records", entries);
            Output.json(out, root);
            return 0;
        }
        out.printf("Discovery Log Number of Records %d, Generation counter %d%n", log.records(), log.generation());
        int i = 0;
        for (DiscoveryEntry e : log.entries()) {
            out.printf("=====Discovery Log Entry %d======%n", i++);
            out.printf("trtype:  %s%n", e.trtypeName());
            out.printf("adrfam:  %s%n", e.adrfamName());
            out.printf("subtype: %s%n", e.subtypeName());
            out.printf("treq:    %s%n", e.treqName());
            out.printf("portid:  %d%n", e.portId());
            out.printf("trsvcid: %s%n", e.trsvcid());
            out.printf("subnqn:  %s%n", e.subnqn());
            out.printf("traddr:  %s%n", e.traddr());
            out.printf("sectype: %s%n", e.sectypeName());
        }
        return 0;
    }
}
