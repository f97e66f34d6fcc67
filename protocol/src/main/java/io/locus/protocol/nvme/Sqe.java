package io.locus.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * The 64-byte submission queue entry. Accessors take the absolute index of the SQE's first byte.
 *
 * <pre>
 *   0     1      2     4      8      12     16      24           40    44    48    52    56    60    64
 *  +-----+------+-----+------+------+------+-------+------------+-----+-----+-----+-----+-----+-----+
 *  | OPC |FUSE/ | CID | NSID | CDW2 | CDW3 | MPTR  | DPTR/SGL1  |CDW10|CDW11|CDW12|CDW13|CDW14|CDW15|
 *  |     | PSDT |     |      |      |      |       |            |     |     |     |     |     |     |
 *  +-----+------+-----+------+------+------+-------+------------+-----+-----+-----+-----+-----+-----+
 * </pre>
 * Fabrics commands (OPC 0x7F) keep FCTYPE in byte 4.
 */
public final class Sqe {
    public static final int LENGTH = 64;
    public static final int OPCODE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int CID_OFFSET = 2;
    public static final int NSID_OFFSET = 4;
    public static final int FCTYPE_OFFSET = 4;
    public static final int CDW2_OFFSET = 8;
    public static final int CDW3_OFFSET = 12;
    public static final int MPTR_OFFSET = 16;
    public static final int SGL1_OFFSET = 24;
    public static final int CDW10_OFFSET = 40;

    /** Flags byte as hosts send it for NVMe-oF: PSDT = 01b (SGL, metadata contiguous), not fused. */
    public static final int FLAGS_SGL = 0x40;

    private Sqe() {
    }

    public static int opcode(ByteBuf b, int base) {
        return b.getUnsignedByte(base + OPCODE_OFFSET);
    }

    public static int flags(ByteBuf b, int base) {
        return b.getUnsignedByte(base + FLAGS_OFFSET);
    }

    public static int fuse(ByteBuf b, int base) {
        return flags(b, base) & 0x3;
    }

    public static int psdt(ByteBuf b, int base) {
        return (flags(b, base) >> 6) & 0x3;
    }

    public static int cid(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + CID_OFFSET);
    }

    public static int nsid(ByteBuf b, int base) {
        return b.getIntLE(base + NSID_OFFSET);
    }

    public static int fctype(ByteBuf b, int base) {
        return b.getUnsignedByte(base + FCTYPE_OFFSET);
    }

    public static int cdw2(ByteBuf b, int base) {
        return b.getIntLE(base + CDW2_OFFSET);
    }

    public static int cdw3(ByteBuf b, int base) {
        return b.getIntLE(base + CDW3_OFFSET);
    }

    public static long mptr(ByteBuf b, int base) {
        return b.getLongLE(base + MPTR_OFFSET);
    }

    /** CDW10..CDW15 by number (10..15). */
    public static int cdw(ByteBuf b, int base, int n) {
        return b.getIntLE(base + CDW10_OFFSET + (n - 10) * 4);
    }

    public static long sglAddress(ByteBuf b, int base) {
        return Sgl.address(b, base + SGL1_OFFSET);
    }

    public static long sglLength(ByteBuf b, int base) {
        return Sgl.length(b, base + SGL1_OFFSET);
    }

    public static int sglId(ByteBuf b, int base) {
        return Sgl.id(b, base + SGL1_OFFSET);
    }

    /** Zeroes an SQE and writes the common fields. */
    public static void write(ByteBuf b, int base, int opcode, int flags, int cid, int nsid) {
        b.setZero(base, LENGTH);
        b.setByte(base + OPCODE_OFFSET, opcode);
        b.setByte(base + FLAGS_OFFSET, flags);
        b.setShortLE(base + CID_OFFSET, cid);
        b.setIntLE(base + NSID_OFFSET, nsid);
    }

    public static void setCdw(ByteBuf b, int base, int n, int value) {
        b.setIntLE(base + CDW10_OFFSET + (n - 10) * 4, value);
    }
}
