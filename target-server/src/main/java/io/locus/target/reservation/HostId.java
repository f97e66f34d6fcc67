package io.locus.target.reservation;

import io.netty.buffer.ByteBuf;

import java.util.HexFormat;

/**
 * A 128-bit Host Identifier (Connect data HOSTID, NVMe over Fabrics 3.3), the key reservations are held under: the
 * 16 bytes in wire order, bytes 0..7 in {@code high} and 8..15 in {@code low}, both big-endian. A record so that the
 * conflict check on every read and write compares two longs and allocates nothing.
 */
public record HostId(long high, long low) {
    public static final int LENGTH = 16;

    /** The identifier in {@code sixteen} (16 bytes, wire order). */
    public static HostId of(byte[] sixteen) {
        if (sixteen.length != LENGTH) {
            throw new IllegalArgumentException("a host identifier has 16 bytes, not " + sixteen.length);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (sixteen[i] & 0xFF);
            low = (low << 8) | (sixteen[i + 8] & 0xFF);
        }
        return new HostId(high, low);
    }

    /** Parses 32 hex digits (as {@link #toString} writes them). */
    public static HostId parse(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a host identifier is 32 hex digits, not \"" + hex + "\"");
        }
        return of(HexFormat.of().parseHex(hex));
    }

    /** Writes the 16 bytes in wire order at {@code at}. */
    public void write(ByteBuf b, int at) {
        b.setLong(at, high);
        b.setLong(at + 8, low);
    }

    /** 32 lower-case hex digits, wire order. */
    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }
}
