package io.locus.protocol.fabrics;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The 1024-byte Connect command data.
 *
 * <pre>
 *   0          16       18        256          512          768        1024
 *  +----------+--------+---------+------------+------------+----------+
 *  |  HOSTID  | CNTLID |reserved |   SUBNQN   |  HOSTNQN   | reserved |
 *  +----------+--------+---------+------------+------------+----------+
 * </pre>
 */
public final class ConnectData {
    public static final int LENGTH = 1024;
    public static final int HOSTID_OFFSET = 0;
    public static final int HOSTID_LENGTH = 16;
    public static final int CNTLID_OFFSET = 16;
    public static final int SUBNQN_OFFSET = 256;
    public static final int HOSTNQN_OFFSET = 512;
    public static final int NQN_FIELD_LENGTH = 256;
    /** NVMe base spec: an NQN is at most 223 bytes of UTF-8. */
    public static final int NQN_MAX_LENGTH = 223;
    /** CNTLID a host sends on the admin queue to ask for the dynamic controller model. */
    public static final int CNTLID_DYNAMIC = 0xFFFF;

    private ConnectData() {
    }

    public static int cntlid(ByteBuf b, int base) {
        return b.getUnsignedShortLE(base + CNTLID_OFFSET);
    }

    public static String subnqn(ByteBuf b, int base) {
        return readString(b, base + SUBNQN_OFFSET, NQN_FIELD_LENGTH);
    }

    public static String hostnqn(ByteBuf b, int base) {
        return readString(b, base + HOSTNQN_OFFSET, NQN_FIELD_LENGTH);
    }

    /** Reads a NUL- or space-padded ASCII/UTF-8 string field. */
    public static String readString(ByteBuf b, int index, int fieldLength) {
        int end = index;
        int limit = index + fieldLength;
        while (end < limit && b.getByte(end) != 0) {
            end++;
        }
        while (end > index && b.getByte(end - 1) == ' ') {
            end--;
        }
        return b.toString(index, end - index, StandardCharsets.UTF_8);
    }

    /** Writes a string NUL-padded into a fixed field; throws if it does not fit with a terminating NUL. */
    public static void writeString(ByteBuf b, int index, int fieldLength, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= fieldLength) {
            throw new IllegalArgumentException("'" + value + "' is longer than " + (fieldLength - 1) + " bytes");
        }
        b.setZero(index, fieldLength);
        b.setBytes(index, bytes);
    }

    /** Writes ASCII padded with spaces (Identify SN/MN/FR style). */
    public static void writeSpacePadded(ByteBuf b, int index, int fieldLength, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < fieldLength; i++) {
            b.setByte(index + i, i < bytes.length ? bytes[i] : ' ');
        }
    }
}
