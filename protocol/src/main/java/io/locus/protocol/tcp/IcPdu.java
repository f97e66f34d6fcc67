package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * ICReq (host to controller) and ICResp (controller to host): both are 128 bytes with no digests.
 *
 * <pre>
 *   0       8        10       11       12                16             128
 *  +-------+---------+--------+--------+-----------------+--------------+
 *  |  CH   |   PFV   |  PDA   |  DGST  | MAXR2T/MAXH2CDATA|  reserved   |
 *  +-------+---------+--------+--------+-----------------+--------------+
 * </pre>
 * ICReq: PDA is HPDA (0's based dwords), dword 12 is MAXR2T (0's based).
 * ICResp: PDA is CPDA, dword 12 is MAXH2CDATA in bytes.
 * DGST: b0 header digest, b1 data digest.
 */
public final class IcPdu {
    public static final int LENGTH = 128;
    public static final int PFV_OFFSET = 8;
    public static final int PDA_OFFSET = 10;
    public static final int DGST_OFFSET = 11;
    public static final int DWORD12_OFFSET = 12;

    public static final int DGST_HEADER = 0x01;
    public static final int DGST_DATA = 0x02;

    private IcPdu() {
    }

    public static int pfv(ByteBuf buf, int base) {
        return buf.getUnsignedShortLE(base + PFV_OFFSET);
    }

    public static int pda(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + PDA_OFFSET);
    }

    public static int digests(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + DGST_OFFSET);
    }

    /** MAXR2T in an ICReq, MAXH2CDATA in an ICResp. */
    public static long dword12(ByteBuf buf, int base) {
        return buf.getUnsignedIntLE(base + DWORD12_OFFSET);
    }

    /** Writes a whole 128-byte ICReq or ICResp at the writer index. */
    public static void write(ByteBuf buf, int type, int pda, int digests, int dword12) {
        int base = buf.writerIndex();
        buf.ensureWritable(LENGTH);
        buf.setZero(base, LENGTH);
        CommonHeader.write(buf, base, type, 0, LENGTH, 0, LENGTH);
        buf.setShortLE(base + PFV_OFFSET, 0);
        buf.setByte(base + PDA_OFFSET, pda);
        buf.setByte(base + DGST_OFFSET, digests);
        buf.setIntLE(base + DWORD12_OFFSET, dword12);
        buf.writerIndex(base + LENGTH);
    }
}
