package io.locus.target.command;

import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.netty.buffer.ByteBuf;

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
        setUint128(b, 32, (c.blocksRead512.sum() + 999) / 1000);
        setUint128(b, 48, (c.blocksWritten512.sum() + 999) / 1000);
        setUint128(b, 64, c.readCommands.sum());
        setUint128(b, 80, c.writeCommands.sum());
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

    /** ANA log: one group (ID 1), optimized, listing every namespace unless only groups were asked for. */
    static ByteBuf ana(Controller c, boolean groupsOnly) {
        var namespaces = c.subsystem().namespaces();
        int count = groupsOnly ? 0 : namespaces.size();
        int length = 16 + 32 + 4 * count;
        ByteBuf b = AdminCommands.zeroed(length);
        b.setLongLE(0, 1); // change count
        b.setShortLE(8, 1); // one group descriptor
        b.setIntLE(16, IdentifyData.ANA_GROUP);
        b.setIntLE(20, count);
        b.setLongLE(24, 1);
        b.setByte(32, 0x01); // optimized
        int i = 0;
        if (!groupsOnly) {
            for (Namespace ns : namespaces) {
                b.setIntLE(48 + 4 * i++, ns.nsid());
            }
        }
        return b;
    }
}
