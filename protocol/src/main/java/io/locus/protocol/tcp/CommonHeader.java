package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * The 8-byte common header that starts every NVMe/TCP PDU.
 *
 * <pre>
 *   0        1        2        3        4                                   8
 *  +--------+--------+--------+--------+-----------------------------------+
 *  |  type  | flags  |  HLEN  |  PDO   |         PLEN (LE, total bytes)    |
 *  +--------+--------+--------+--------+-----------------------------------+
 * </pre>
 * Flags: b0 HDGSTF, b1 DDGSTF, b2 LAST_PDU (data PDUs), b3 SUCCESS (C2HData only).
 * All accessors take the absolute index of the PDU's first byte.
 */
public final class CommonHeader {
    public static final int LENGTH = 8;
    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int HLEN_OFFSET = 2;
    public static final int PDO_OFFSET = 3;
    public static final int PLEN_OFFSET = 4;

    public static final int FLAG_HDGST = 0x01;
    public static final int FLAG_DDGST = 0x02;
    public static final int FLAG_LAST_PDU = 0x04;
    public static final int FLAG_SUCCESS = 0x08;

    public static final int DIGEST_LENGTH = 4;

    private CommonHeader() {
    }

    public static int type(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + TYPE_OFFSET);
    }

    public static int flags(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + FLAGS_OFFSET);
    }

    public static int hlen(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + HLEN_OFFSET);
    }

    public static int pdo(ByteBuf buf, int base) {
        return buf.getUnsignedByte(base + PDO_OFFSET);
    }

    /** PLEN as an unsigned value; a long because a hostile peer may send anything up to 2^32-1. */
    public static long plen(ByteBuf buf, int base) {
        return buf.getUnsignedIntLE(base + PLEN_OFFSET);
    }

    public static void write(ByteBuf buf, int base, int type, int flags, int hlen, int pdo, int plen) {
        buf.setByte(base + TYPE_OFFSET, type);
        buf.setByte(base + FLAGS_OFFSET, flags);
        buf.setByte(base + HLEN_OFFSET, hlen);
        buf.setByte(base + PDO_OFFSET, pdo);
        buf.setIntLE(base + PLEN_OFFSET, plen);
    }
}
