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

    /**
     * Length in bytes of the NQN at {@code index}, up to its terminating NUL, or -1 when no NUL comes within the
     * first {@link #NQN_MAX_LENGTH} + 1 bytes: an NQN is at most 223 bytes and NUL-terminated (NVMe Base
     * specification, "NVMe Qualified Names"; SPDK's target checks HOSTNQN the same way, lib/nvmf/ctrlr.c
     * {@code nvmf_ctrlr_cmd_connect}: {@code memchr(hostnqn, '\0', SPDK_NVMF_NQN_MAX_LEN + 1)}).
     */
    public static int nqnLength(ByteBuf b, int index) {
        for (int i = 0; i <= NQN_MAX_LENGTH; i++) {
            if (b.getByte(index + i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The NQN at {@code index} exactly as sent (no padding stripped), or null when it is not NUL-terminated in time. */
    public static String readNqn(ByteBuf b, int index) {
        int length = nqnLength(b, index);
        return length < 0 ? null : b.toString(index, length, StandardCharsets.UTF_8);
    }

    /**
     * Whether the HOSTID is all zeroes: no host identifier at all, which the Connect data may not carry (NVMe over
     * Fabrics 1.1, Connect command data: HOSTID).
     */
    public static boolean hostIdIsZero(ByteBuf b, int base) {
        return b.getLong(base + HOSTID_OFFSET) == 0 && b.getLong(base + HOSTID_OFFSET + 8) == 0;
    }

    /** Whether the HOSTID at {@code base} equals {@code hostId} (16 bytes). */
    public static boolean hostIdEquals(ByteBuf b, int base, byte[] hostId) {
        for (int i = 0; i < HOSTID_LENGTH; i++) {
            if (b.getByte(base + HOSTID_OFFSET + i) != hostId[i]) {
                return false;
            }
        }
        return true;
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
