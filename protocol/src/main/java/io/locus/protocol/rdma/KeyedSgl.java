package io.locus.protocol.rdma;

import io.locus.protocol.nvme.Sgl;
import io.netty.buffer.ByteBuf;

/**
 * The Keyed SGL Data Block descriptor NVMe/RDMA puts in SGL1 (16 bytes, little-endian): address 0-7, length 8-10
 * (24 bits), key 11-14, SGL identifier 15 (type 0x4 in b7:4; subtype 0x0 address, or 0xF to ask the controller to
 * invalidate the key with its response SEND).
 */
public final class KeyedSgl {
    public static final int KEY_OFFSET = 11;
    /** Longest transfer one descriptor can describe (24-bit length). */
    public static final int MAX_LENGTH = (1 << 24) - 1;
    public static final int ID_ADDRESS = (Sgl.TYPE_KEYED_DATA_BLOCK << 4) | Sgl.SUBTYPE_ADDRESS;
    public static final int ID_INVALIDATE = (Sgl.TYPE_KEYED_DATA_BLOCK << 4) | Sgl.SUBTYPE_INVALIDATE_KEY;

    private KeyedSgl() {
    }

    public static void write(ByteBuf b, int base, long address, int length, int key, boolean invalidate) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("a keyed SGL describes 0.." + MAX_LENGTH + " bytes, not " + length);
        }
        b.setLongLE(base + Sgl.ADDRESS_OFFSET, address);
        b.setMediumLE(base + Sgl.LENGTH_OFFSET, length);
        b.setIntLE(base + KEY_OFFSET, key);
        b.setByte(base + Sgl.ID_OFFSET, invalidate ? ID_INVALIDATE : ID_ADDRESS);
    }

    public static int length(ByteBuf b, int base) {
        return b.getUnsignedMediumLE(base + Sgl.LENGTH_OFFSET);
    }

    public static int key(ByteBuf b, int base) {
        return b.getIntLE(base + KEY_OFFSET);
    }
}
