package io.locus.initiator;

import io.locus.initiator.queue.Command;
import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.IdentifyController;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Fills command slots for the fabrics and admin commands the host sends (PROTOCOL.md 4, 5). */
final class AdminCommands {
    static final int PROPERTY_SIZE_4 = 0;
    static final int PROPERTY_SIZE_8 = 1;

    private AdminCommands() {
    }

    /** Connect: RECFMT 0, QID, SQSIZE (0's based), CATTR, KATO; 1024 bytes of Connect data in-capsule. */
    static void connect(Command c, int qid, int sqsize, int cattr, int katoMs, ByteBuf connectData) {
        c.opcode = AdminOpcode.FABRICS;
        c.nsid = FabricsCommand.CONNECT;
        c.cdw10 = qid << 16;
        c.cdw11 = (sqsize & 0xFFFF) | ((cattr & 0xFF) << 16);
        c.cdw12 = katoMs;
        c.data = connectData;
        c.dataIndex = 0;
        c.dataLength = ConnectData.LENGTH;
    }

    static ByteBuf connectData(HostIdentity host, int cntlid, String subnqn) {
        ByteBuf b = Unpooled.buffer(ConnectData.LENGTH, ConnectData.LENGTH);
        b.writeZero(ConnectData.LENGTH);
        b.setBytes(ConnectData.HOSTID_OFFSET, host.hostIdBytes());
        b.setShortLE(ConnectData.CNTLID_OFFSET, cntlid);
        ConnectData.writeString(b, ConnectData.SUBNQN_OFFSET, ConnectData.NQN_FIELD_LENGTH, subnqn);
        ConnectData.writeString(b, ConnectData.HOSTNQN_OFFSET, ConnectData.NQN_FIELD_LENGTH, host.hostNqn());
        return b;
    }

    static void propertyGet(Command c, int offset, int size) {
        c.opcode = AdminOpcode.FABRICS;
        c.nsid = FabricsCommand.PROPERTY_GET;
        c.cdw10 = size;
        c.cdw11 = offset;
    }

    static void propertySet(Command c, int offset, int size, long value) {
        c.opcode = AdminOpcode.FABRICS;
        c.nsid = FabricsCommand.PROPERTY_SET;
        c.cdw10 = size;
        c.cdw11 = offset;
        c.cdw12 = (int) value;
        c.cdw13 = (int) (value >>> 32);
    }

    /** Identify: always exactly 4096 bytes. */
    static void identify(Command c, int cns, int nsid, ByteBuf into) {
        c.opcode = AdminOpcode.IDENTIFY;
        c.nsid = nsid;
        c.cdw10 = cns & 0xFF;
        c.data = into;
        c.dataIndex = 0;
        c.dataLength = IdentifyController.LENGTH;
    }

    /** Get Log Page of {@code length} bytes (a multiple of 4) at {@code offset}: NUMD = length / 4 − 1. */
    static void getLogPage(Command c, int nsid, int lid, int lsp, boolean rae, long offset, int length, ByteBuf into) {
        if (length <= 0 || (length & 3) != 0 || (offset & 3) != 0) {
            throw new IllegalArgumentException("log page length and offset must be positive multiples of 4");
        }
        int numd = length / 4 - 1;
        c.opcode = AdminOpcode.GET_LOG_PAGE;
        c.nsid = nsid;
        c.cdw10 = (lid & 0xFF) | ((lsp & 0x7F) << 8) | (rae ? 1 << 15 : 0) | ((numd & 0xFFFF) << 16);
        c.cdw11 = numd >>> 16;
        c.cdw12 = (int) offset;
        c.cdw13 = (int) (offset >>> 32);
        c.data = into;
        c.dataIndex = 0;
        c.dataLength = length;
    }

    static void setFeatures(Command c, int fid, int cdw11) {
        c.opcode = AdminOpcode.SET_FEATURES;
        c.cdw10 = fid & 0xFF;
        c.cdw11 = cdw11;
    }

    static void getFeatures(Command c, int fid, int select) {
        c.opcode = AdminOpcode.GET_FEATURES;
        c.cdw10 = (fid & 0xFF) | ((select & 0x7) << 8);
    }

    static void keepAlive(Command c) {
        c.opcode = AdminOpcode.KEEP_ALIVE;
    }

    static void asyncEventRequest(Command c) {
        c.opcode = AdminOpcode.ASYNC_EVENT_REQUEST;
    }
}
