package io.locus.initiator;

import io.locus.protocol.nvme.IdentifyNamespace;
import io.netty.buffer.ByteBuf;

import java.util.HexFormat;

/** The parts of Identify Namespace (CNS 0x00) the host uses and shows. */
public record NamespaceInfo(int nsid, long size, long capacity, long utilization, int features, int formats,
                            int formattedLbaSize, int lbaSize, int metadataSize, int nmic, int anaGroupId,
                            String nguid, String eui64) {

    public static NamespaceInfo parse(int nsid, ByteBuf b) {
        int flbas = b.getUnsignedByte(IdentifyNamespace.FLBAS);
        int format = (flbas & 0xF) | ((flbas >>> 1) & 0x30);
        int lbaf = b.getIntLE(IdentifyNamespace.LBAF0 + 4 * Math.min(format, 63));
        int lbads = (lbaf >>> 16) & 0xFF;
        byte[] nguid = new byte[16];
        b.getBytes(IdentifyNamespace.NGUID, nguid);
        byte[] eui = new byte[8];
        b.getBytes(IdentifyNamespace.EUI64, eui);
        return new NamespaceInfo(nsid,
                b.getLongLE(IdentifyNamespace.NSZE),
                b.getLongLE(IdentifyNamespace.NCAP),
                b.getLongLE(IdentifyNamespace.NUSE),
                b.getUnsignedByte(IdentifyNamespace.NSFEAT),
                b.getUnsignedByte(IdentifyNamespace.NLBAF),
                format,
                lbads >= 9 && lbads < 31 ? 1 << lbads : 0,
                lbaf & 0xFFFF,
                b.getUnsignedByte(IdentifyNamespace.NMIC),
                b.getIntLE(IdentifyNamespace.ANAGRPID),
                HexFormat.of().formatHex(nguid),
                HexFormat.of().formatHex(eui));
    }

    /** An inactive (or unallocated) namespace reads back as all zeroes. */
    public boolean isActive() {
        return size != 0 && lbaSize != 0;
    }

    public long sizeBytes() {
        return size * lbaSize;
    }
}
