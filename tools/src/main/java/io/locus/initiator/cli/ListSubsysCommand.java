package io.locus.initiator.cli;

import io.locus.initiator.MultipathNamespace;
import io.locus.initiator.NamespaceIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code locus list-subsys}: connects to a subsystem over each given path, joins the namespace's paths as the host's
 * multipath does, and shows each path's address, controller ID, controller state and ANA state, and the I/O policy
 * (as {@code nvme list-subsys} shows a kernel host's).
 */
@Command(name = "list-subsys", description = "Show a subsystem's paths (address, controller ID, ANA state) and the multipath I/O policy.")
final class ListSubsysCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Mixin
    MultipathOptions multipath;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Option(names = "--ns", defaultValue = "1", description = "Namespace ID whose paths to show (default ${DEFAULT-VALUE}).")
    int nsid;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (OpenPaths open = OpenPaths.open(multipath.targets(conn, nqn), conn.host(),
                conn.controllerOptions().ioQueues(1).ctrlLossTimeoutMs(0), nsid, multipath.policy())) {
            if (conn.json) {
                Map<String, Object> m = json(open.ns);
                List<Map<String, Object>> down = new ArrayList<>();
                open.unreachable.forEach((t, why) -> {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("transport", t.transport());
                    one.put("traddr", t.address());
                    one.put("trsvcid", t.serviceId());
                    one.put("error", why);
                    down.add(one);
                });
                m.put("unreachable", down);
                Output.json(out, Map.of("subsystems", List.of(m)));
            } else {
                text(out, open.ns);
                open.unreachable.forEach((t, why) -> out.printf(" +- %s traddr=%s trsvcid=%d unreachable: %s%n",
                        t.transport(), t.address(), t.serviceId(), why));
            }
            out.flush();
            return open.unreachable.isEmpty() ? 0 : LocusCli.EXIT_FAILURE;
        }
    }

    static void text(PrintWriter out, MultipathNamespace ns) {
        NamespaceIdentity id = ns.identity();
        out.printf("%s%n\\%n", id.subsystemNqn());
        out.printf(" namespace %d nguid %s uuid %s, iopolicy=%s%n", id.nsid(), id.nguid(), id.uuid(), ns.policy().label());
        for (MultipathNamespace.PathStatus p : ns.pathStatus()) {
            out.printf(" +- %s traddr=%s trsvcid=%d cntlid %d %s %s (ANA group %d)%s commands %d%n",
                    p.transportId().transport(), p.transportId().address(), p.transportId().serviceId(), p.cntlid(),
                    p.state().name().toLowerCase(java.util.Locale.ROOT), p.ana().label(), p.anaGroup(),
                    p.usable() ? "" : " unusable", p.commands());
        }
        out.printf("failovers %d, holds %d%n", ns.failovers(), ns.holds());
        out.flush();
    }

    static Map<String, Object> json(MultipathNamespace ns) {
        NamespaceIdentity id = ns.identity();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nqn", id.subsystemNqn());
        m.put("iopolicy", ns.policy().label());
        Map<String, Object> nsm = new LinkedHashMap<>();
        nsm.put("nsid", id.nsid());
        nsm.put("nguid", id.nguid());
        nsm.put("eui64", id.eui64());
        nsm.put("uuid", id.uuid());
        m.put("namespace", nsm);
        List<Map<String, Object>> paths = new ArrayList<>();
        for (MultipathNamespace.PathStatus p : ns.pathStatus()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("transport", p.transportId().transport());
            one.put("traddr", p.transportId().address());
            one.put("trsvcid", p.transportId().serviceId());
            one.put("cntlid", p.cntlid());
            one.put("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
            one.put("ana_state", p.ana().label());
            one.put("ana_group", p.anaGroup());
            one.put("usable", p.usable());
            one.put("numa_node", p.node());
            one.put("commands", p.commands());
            paths.add(one);
        }
        m.put("paths", paths);
        m.put("failovers", ns.failovers());
        m.put("holds", ns.holds());
        return m;
    }
}
