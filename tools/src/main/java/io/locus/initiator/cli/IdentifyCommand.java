package io.locus.initiator.cli;

import io.locus.initiator.Controller;
import io.locus.initiator.ControllerInfo;
import io.locus.initiator.NamespaceInfo;
import io.locus.initiator.TransportId;
import io.locus.initiator.tcp.TcpQueue;
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

@Command(name = "identify", description = "Connect to a subsystem and summarise its controller and namespaces.")
final class IdentifyCommand implements Callable<Integer> {
    @Mixin
    ConnectOptions conn;

    @Option(names = {"-n", "--nqn"}, required = true, description = "Subsystem NQN.")
    String nqn;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TransportId id = conn.transportId(nqn, TransportId.DEFAULT_IO_PORT);
        try (Controller ctrl = Controller.connect(id, conn.host(), conn.controllerOptions())) {
            ControllerInfo info = ctrl.info();
            List<NamespaceInfo> namespaces = new ArrayList<>();
            for (int nsid : ctrl.activeNamespaces()) {
                namespaces.add(ctrl.identifyNamespace(nsid));
            }
            PrintWriter out = spec.commandLine().getOut();
            if (conn.json) {
                Output.json(out, json(ctrl, info, namespaces));
                return 0;
            }
            out.printf("Controller %d of %s at %s%n", ctrl.cntlid(), info.subnqn(), id.endpoint());
            out.printf("  model:            %s%n", info.model());
            out.printf("  serial:           %s%n", info.serial());
            out.printf("  firmware:         %s%n", info.firmware());
            out.printf("  NVMe version:     %s%n", info.versionString());
            out.printf("  type:             %s%n", info.cntrltype() == 2 ? "discovery" : info.cntrltype() == 3 ? "administrative" : "I/O");
            out.printf("  max transfer:     %s%n", ctrl.maxTransferBytes() == Integer.MAX_VALUE ? "unlimited" : Output.size(ctrl.maxTransferBytes()));
            out.printf("  in-capsule data:  %d bytes%n", info.inCapsuleDataSize());
            out.printf("  I/O queues:       %d x %d entries%n", ctrl.ioQueueCount(), ctrl.ioQueueCount() > 0 ? ctrl.ioQueue(0).depth() + 1 : 0);
            out.printf("  queue entries:    up to %d (CAP.MQES)%n", (ctrl.cap() & 0xFFFF) + 1);
            out.printf("  keep-alive:       %s%n", ctrl.keepAliveTimeoutMs() == 0 ? "off" : ctrl.keepAliveTimeoutMs() + " ms");
            if (ctrl.adminQueue().connection() instanceof TcpQueue tcp) {
                out.printf("  digests:          header %s, data %s%n", onOff(tcp.headerDigest()), onOff(tcp.dataDigest()));
            }
            out.printf("  optional I/O:     %s%n", optional(info));
            out.printf("  volatile cache:   %s%n", info.volatileWriteCache() ? "yes" : "no");
            out.printf("  provenance:       %s%n", ctrl.provenanceEnabled() ? "enabled (v" + info.provenanceVersion() + ")"
                    : info.provenanceVersion() > 0 ? "offered, not enabled" : "not offered");
            out.printf("Namespaces: %d%n", namespaces.size());
            for (NamespaceInfo ns : namespaces) {
                out.printf("  nsid %d: %d blocks x %d B = %s, used %d blocks%s%s%n", ns.nsid(), ns.size(), ns.lbaSize(),
                        Output.size(ns.sizeBytes()), ns.utilization(),
                        ns.nguid().matches("0+") ? "" : ", nguid " + ns.nguid(),
                        ns.eui64().matches("0+") ? "" : ", eui64 " + ns.eui64());
            }
            return 0;
        }
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    private static String optional(ControllerInfo info) {
        List<String> names = new ArrayList<>();
        if (info.supportsWriteZeroes()) {
            names.add("write zeroes");
        }
        if (info.supportsDeallocate()) {
            names.add("deallocate");
        }
        if (info.supportsReservations()) {
            names.add("reservations");
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static Map<String, Object> json(Controller ctrl, ControllerInfo info, List<NamespaceInfo> namespaces) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("cntlid", ctrl.cntlid());
        c.put("subnqn", info.subnqn());
        c.put("model", info.model());
        c.put("serial", info.serial());
        c.put("firmware", info.firmware());
        c.put("version", info.versionString());
        c.put("cntrltype", info.cntrltype());
        c.put("mdts_bytes", ctrl.maxTransferBytes() == Integer.MAX_VALUE ? 0 : ctrl.maxTransferBytes());
        c.put("in_capsule_bytes", info.inCapsuleDataSize());
        c.put("io_queues", ctrl.ioQueueCount());
        c.put("kato_ms", ctrl.keepAliveTimeoutMs());
        c.put("oncs", info.oncs());
        c.put("vwc", info.vwc());
        c.put("nn", info.nn());
        c.put("provenance", ctrl.provenanceEnabled());
        List<Map<String, Object>> ns = new ArrayList<>();
        for (NamespaceInfo n : namespaces) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nsid", n.nsid());
            m.put("blocks", n.size());
            m.put("block_size", n.lbaSize());
            m.put("bytes", n.sizeBytes());
            m.put("used_blocks", n.utilization());
            m.put("nguid", n.nguid());
            m.put("eui64", n.eui64());
            ns.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("controller", c);
        root.put("namespaces", ns);
        return root;
    }
}
