package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * H2CData, C2HData and R2T share one 24-byte header layout.
 *
 * <pre>
 *   0      8        10       12                16                24
 *  +------+--------+--------+-----------------+-----------------+
 *  |  CH  | CCCID  |  TTAG  | DATAO / R2TO    | DATAL / R2TL    |
 *  +------+--------+--------+-----------------+-----------------+
 * </pre>
 * C2HData has TTAG reserved (0). H2CData and C2HData are followed by [HDGST][PAD][DATA][DDGST];
 * R2T by [HDGST] only.
 */
public final class DataPdu {
    public static final int HEADER_LENGTH = 24;
    public static final int CCCID_OFFSET = 8;
    public static final int TTAG_OFFSET = 10;
    public static final int OFFSET_OFFSET = 12;
    public static final int LENGTH_OFFSET = 16;

    private DataPdu() {
    }

    public static int cccid(ByteBuf buf, int base) {
        return buf.getUnsignedShortLE(base + CCCID_OFFSET);
    }

    public static int ttag(ByteBuf buf, int base) {
        return buf.getUnsignedShortLE(base + TTAG_OFFSET);
    }

    public static long dataOffset(ByteBuf buf, int base) {
        return buf.getUnsignedIntLE(base + OFFSET_OFFSET);
    }

    public static long dataLength(ByteBuf buf, int base) {
        return buf.getUnsignedIntLE(base + LENGTH_OFFSET);
    }

    /** Writes the 24-byte header fields after the common header (which the caller writes). */
    public static void writeFields(ByteBuf buf, int base, int cccid, int ttag, int offset, int length) {
        buf.setShortLE(base + CCCID_OFFSET, cccid);
        buf.setShortLE(base + TTAG_OFFSET, ttag);
        buf.setIntLE(base + OFFSET_OFFSET, offset);
        buf.setIntLE(base + LENGTH_OFFSET, length);
    }
}
