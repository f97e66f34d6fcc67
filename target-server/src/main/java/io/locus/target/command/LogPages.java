package io.locus.target.command;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.AnaLogPage;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.target.model.Controller;
import io.locus.target.model.IoCounters;
import io.locus.target.model.Namespace;
import io.locus.target.model.PortAnaStates;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builders for the SMART, Command Effects and ANA log pages. */
final class LogPages {
    private LogPages() {
    }

    /** SMART / Health (512 bytes): temperature, spare, and the I/O counters in 1000 x 512-byte units. */
    static ByteBuf smart(Controller c) {
        ByteBuf b = AdminCommands.zeroed(512);
        b.setShortLE(1, 273 + 30); // composite temperature, Kelvin
        b.setByte(3, 100); // available spare %
        b.setByte(4, 10); // spare threshold %
        IoCounters io = c.ioTotals();
        setUint128(b, 32, (io.blocksRead512() + 999) / 1000);
        setUint128(b, 48, (io.blocksWritten512() + 999) / 1000);
        setUint128(b, 64, io.readCommands());
        setUint128(b, 80, io.writeCommands());
        return b;
    }

    private static void setUint128(ByteBuf b, int offset, long value) {
        b.setLongLE(offset, value);
        b.setLongLE(offset + 8, 0);
    }

    /** Commands Supported and Effects: CSUPP (b0) for what is implemented, LBCC (b1) for writes. */
    static ByteBuf commandEffects() {
        ByteBuf b = AdminCommands.zeroed(4096);
        int[] admin = {AdminOpcode.GET_LOG_PAGE, AdminOpcode.IDENTIFY, AdminOpcode.ABORT, AdminOpcode.SET_FEATURES,
            AdminOpcode.GET_FEATURES, AdminOpcode.ASYNC_EVENT_REQUEST, AdminOpcode.KEEP_ALIVE};
        for (int op : admin) {
            b.setIntLE(op * 4, 0x1);
        }
        int[] io = {NvmOpcode.FLUSH, NvmOpcode.WRITE, NvmOpcode.READ, NvmOpcode.WRITE_ZEROES, NvmOpcode.DATASET_MANAGEMENT,
            NvmOpcode.RESERVATION_REGISTER, NvmOpcode.RESERVATION_REPORT, NvmOpcode.RESERVATION_ACQUIRE, NvmOpcode.RESERVATION_RELEASE};
        for (int op : io) {
            boolean changes = op == NvmOpcode.WRITE || op == NvmOpcode.WRITE_ZEROES || op == NvmOpcode.DATASET_MANAGEMENT
                    || op == NvmOpcode.FLUSH;
            b.setIntLE(1024 + op * 4, changes ? 0x3 : 0x1);
        }
        return b;
    }

    /**
     * ANA log (LID 0x0C; NVMe base 2.0, 5.16.1.13), as nvmet's {@code nvmet_execute_get_log_page_ana} builds it: the
     * header (the port's change count, the number of descriptors), then one descriptor per ANA group in use by the
     * subsystem (group 1 always, then every group a namespace is in, ascending) with its state through the
     * controller's port, its change count and, unless {@code groupsOnly} (LSP b0 RGO), its NSIDs.
     */
    static ByteBuf ana(Controller c, boolean groupsOnly) {
        PortAnaStates port = c.port().ana();
        TreeMap<Integer, List<Integer>> groups = new TreeMap<>();
        groups.put(1, new ArrayList<>());
        int nsids = 0;
        for (Namespace ns : c.subsystem().namespaces()) {
            List<Integer> members = groups.computeIfAbsent(ns.anaGroupId(), g -> new ArrayList<>());
            if (!groupsOnly) {
                members.add(ns.nsid());
                nsids++;
            }
        }
        ByteBuf b = AdminCommands.zeroed(AnaLogPage.HEADER_LENGTH + AnaLogPage.DESCRIPTOR_LENGTH * groups.size() + 4 * nsids);
        AnaLogPage.writeHeader(b, port.changeCount(), groups.size());
        int at = AnaLogPage.HEADER_LENGTH;
        for (Map.Entry<Integer, List<Integer>> g : groups.entrySet()) {
            int group = g.getKey();
            at = AnaLogPage.writeDescriptor(b, at, group, port.changeCount(group), port.state(group).code(),
                    g.getValue().stream().mapToInt(Integer::intValue).toArray());
        }
        return b;
    }
}
