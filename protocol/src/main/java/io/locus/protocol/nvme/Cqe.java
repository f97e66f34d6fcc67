package io.locus.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * The 16-byte completion queue entry.
 *
 * <pre>
 *   0       4       8       10      12      14        16
 *  +-------+-------+-------+-------+-------+---------+
 *  |  DW0  |  DW1  | SQHD  | SQID  |  CID  | status  |
 *  +-------+-------+-------+-------+-------+---------+
 * </pre>
 * status: b0 phase (0 on fabrics), b15:1 the status field as {@link Status} encodes it.
 */
public final class Cqe {
    public static final int LENGTH = 16;
    public static final int DW0_OFFSET = 0;
    public static final int DW1_OFFSET = 4;
    public static final int SQHD_OFFSET = 8;
    public static final int SQID_OFFSET = 10;
    public static final int CID_OFFSET = 12;
    public static final int STATUS_OFFSET = 14;

    private Cqe() {
    }

    public static int dw0(ByteBuf b, int base) {
        return b.getIntLE(base + DW0_OFFSET);
    }

    public static int dw1(ByteBuf b, int base) {
        return b.getIntLE(base + DW1_OFFSET);
    }

    public static int sqhd(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + SQHD_OFFSET);
    }

    public static int sqid(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + SQID_OFFSET);
    }

    public static int cid(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + CID_OFFSET);
    }

    /** The status field without the phase bit, in the form {@link Status} uses. */
    public static int status(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + STATUS_OFFSET) >>> 1;
    }

    public static void write(ByteBuf b, int base, int dw0, int dw1, int sqhd, int sqid, int cid, int status) {
        b.setIntLE(base + DW0_OFFSET, dw0);
        b.setIntLE(base + DW1_OFFSET, dw1);
        b.setShortLE(base + SQHD_OFFSET, sqhd);
        b.setShortLE(base + SQID_OFFSET, sqid);
        b.setShortLE(base + CID_OFFSET, cid);
        b.setShortLE(base + STATUS_OFFSET, status << 1);
    }
}
