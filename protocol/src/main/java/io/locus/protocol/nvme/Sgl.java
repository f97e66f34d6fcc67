package io.locus.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * A 16-byte SGL descriptor.
 *
 * <pre>
 * unkeyed:  0               8          12          15       16
 *          +---------------+----------+-----------+--------+
 *          |    address    |  length  | reserved  |   id   |
 *          +---------------+----------+-----------+--------+
 * keyed:    0               8        11          15       16
 *          +---------------+--------+------------+--------+
 *          |    address    | len 24 |    key     |   id   |
 *          +---------------+--------+------------+--------+
 * </pre>
 * id: type in b7:4, subtype in b3:0.
 */
public final class Sgl {
    public static final int LENGTH = 16;
    public static final int ADDRESS_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int KEY_OFFSET = 11;
    public static final int ID_OFFSET = 15;

    public static final int TYPE_DATA_BLOCK = 0x0;
    public static final int TYPE_BIT_BUCKET = 0x1;
    public static final int TYPE_SEGMENT = 0x2;
    public static final int TYPE_LAST_SEGMENT = 0x3;
    public static final int TYPE_KEYED_DATA_BLOCK = 0x4;
    public static final int TYPE_TRANSPORT_DATA_BLOCK = 0x5;

    public static final int SUBTYPE_ADDRESS = 0x0;
    public static final int SUBTYPE_OFFSET = 0x1;
    public static final int SUBTYPE_TRANSPORT = 0xA;
    public static final int SUBTYPE_INVALIDATE_KEY = 0xF;

    /** Data Block, Offset: in-capsule data. */
    public static final int ID_IN_CAPSULE = (TYPE_DATA_BLOCK << 4) | SUBTYPE_OFFSET;
    /** Transport Data Block, Transport: data moved by the transport (R2T/H2CData, C2HData). */
    public static final int ID_TRANSPORT = (TYPE_TRANSPORT_DATA_BLOCK << 4) | SUBTYPE_TRANSPORT;
    /** Keyed Data Block, Address (RDMA). */
    public static final int ID_KEYED = (TYPE_KEYED_DATA_BLOCK << 4) | SUBTYPE_ADDRESS;

    private Sgl() {
    }

    public static long address(ByteBuf b, int base) {
        return b.getLongLE(base + ADDRESS_OFFSET);
    }

    public static long length(ByteBuf b, int base) {
        return b.getUnsignedIntLE(base + LENGTH_OFFSET);
    }

    public static int id(ByteBuf b, int base) {
        return b.getUnsignedByte(base + ID_OFFSET);
    }

    public static int type(int id) {
        return id >>> 4;
    }

    public static int subtype(int id) {
        return id & 0xF;
    }

    public static void write(ByteBuf b, int base, long address, int length, int id) {
        b.setLongLE(base + ADDRESS_OFFSET, address);
        b.setIntLE(base + LENGTH_OFFSET, length);
        b.setShortLE(base + 12, 0);
        b.setByte(base + 14, 0);
        b.setByte(base + ID_OFFSET, id);
    }
}
