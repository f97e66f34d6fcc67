package io.locus.initiator;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.DiscoveryLog;
import io.netty.buffer.ByteBuf;

/** One 1024-byte record of the discovery log page. TRADDR/TRSVCID have NUL or space padding stripped. */
public record DiscoveryEntry(int trtype, int adrfam, int subtype, int treq, int portId, int cntlid, int asqsz,
                             int eflags, String trsvcid, String subnqn, String traddr, int sectype) {

    public static DiscoveryEntry parse(ByteBuf b, int base) {
        return new DiscoveryEntry(
                b.getUnsignedByte(base + DiscoveryLog.TRTYPE_OFFSET),
                b.getUnsignedByte(base + DiscoveryLog.ADRFAM_OFFSET),
                b.getUnsignedByte(base + DiscoveryLog.SUBTYPE_OFFSET),
                b.getUnsignedByte(base + DiscoveryLog.TREQ_OFFSET),
                b.getUnsignedShortLE(base + DiscoveryLog.PORTID_OFFSET),
                b.getUnsignedShortLE(base + DiscoveryLog.CNTLID_OFFSET),
                b.getUnsignedShortLE(base + DiscoveryLog.ASQSZ_OFFSET),
                b.getUnsignedShortLE(base + DiscoveryLog.EFLAGS_OFFSET),
                ConnectData.readString(b, base + DiscoveryLog.TRSVCID_OFFSET, DiscoveryLog.TRSVCID_LENGTH).strip(),
                ConnectData.readString(b, base + DiscoveryLog.SUBNQN_OFFSET, 256).strip(),
                ConnectData.readString(b, base + DiscoveryLog.TRADDR_OFFSET, DiscoveryLog.TRADDR_LENGTH).strip(),
                b.getUnsignedByte(base + DiscoveryLog.TSAS_OFFSET));
    }

    public boolean isReferral() {
        return subtype == DiscoveryLog.SUBTYPE_REFERRAL;
    }

    public String trtypeName() {
        return switch (trtype) {
            case DiscoveryLog.TRTYPE_RDMA -> "rdma";
            case 2 -> "fc";
            case DiscoveryLog.TRTYPE_TCP -> "tcp";
            case DiscoveryLog.TRTYPE_LOOP -> "loop";
            default -> "unknown(" + trtype + ")";
        };
    }

    public String adrfamName() {
        return switch (adrfam) {
            case DiscoveryLog.ADRFAM_IPV4 -> "ipv4";
            case DiscoveryLog.ADRFAM_IPV6 -> "ipv6";
            case 3 -> "ib";
            case 4 -> "fc";
            case 254 -> "loop";
            default -> "unknown(" + adrfam + ")";
        };
    }

    public String subtypeName() {
        return switch (subtype) {
            case DiscoveryLog.SUBTYPE_REFERRAL -> "referral";
            case DiscoveryLog.SUBTYPE_NVME -> "nvme subsystem";
            case DiscoveryLog.SUBTYPE_CURRENT_DISCOVERY -> "current discovery subsystem";
            default -> "unknown(" + subtype + ")";
        };
    }

    public String treqName() {
        String secure = switch (treq & 0x3) {
            case 1 -> "required";
            case 2 -> "not required";
            default -> "not specified";
        };
        return secure + ((treq & DiscoveryLog.TREQ_SQ_FLOW_CONTROL_DISABLE) != 0 ? ", sq flow control disable supported" : "");
    }

    public String sectypeName() {
        return switch (sectype) {
            case 0 -> "none";
            case 1 -> "tls1.2";
            case 2 -> "tls1.3";
            default -> "unknown(" + sectype + ")";
        };
    }

    /** The transport id to connect to this entry's subsystem (or, for a referral, its discovery controller). */
    public TransportId transportId() {
        return new TransportId(trtype == DiscoveryLog.TRTYPE_TCP ? "tcp" : trtypeName(), traddr,
                Integer.parseInt(trsvcid), subnqn);
    }
}
