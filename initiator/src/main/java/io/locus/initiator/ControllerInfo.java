package io.locus.initiator;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.provenance.ProvenanceWire;
import io.netty.buffer.ByteBuf;

/**
 * The parts of Identify Controller (CNS 0x01) the host uses and shows.
 *
 * @param provenanceVersion Locus provenance extension version the controller advertises (0 when none)
 */
public record ControllerInfo(int vid, int ssvid, String serial, String model, String firmware, int cmic, int mdts,
                             int cntlid, int version, int oaes, int ctratt, int cntrltype, int oacs, int acl, int aerl,
                             int lpa, int kas, int sqes, int cqes, int maxcmd, long nn, int oncs, int vwc, int sgls,
                             int anagrpmax, int nanagrpid, int mnan, String subnqn, long ioccsz, long iorcsz,
                             int icdoff, int fcatt, int msdbd, int provenanceVersion) {

    public static ControllerInfo parse(ByteBuf b) {
        int signature = b.getIntLE(ProvenanceWire.SIGNATURE_OFFSET);
        int provenance = signature == ProvenanceWire.SIGNATURE ? b.getUnsignedByte(ProvenanceWire.VERSION_OFFSET) : 0;
        return new ControllerInfo(
                b.getUnsignedShortLE(IdentifyController.VID),
                b.getUnsignedShortLE(IdentifyController.SSVID),
                ConnectData.readString(b, IdentifyController.SN, IdentifyController.SN_LENGTH).strip(),
                ConnectData.readString(b, IdentifyController.MN, IdentifyController.MN_LENGTH).strip(),
                ConnectData.readString(b, IdentifyController.FR, IdentifyController.FR_LENGTH).strip(),
                b.getUnsignedByte(IdentifyController.CMIC),
                b.getUnsignedByte(IdentifyController.MDTS),
                b.getUnsignedShortLE(IdentifyController.CNTLID),
                b.getIntLE(IdentifyController.VER),
                b.getIntLE(IdentifyController.OAES),
                b.getIntLE(IdentifyController.CTRATT),
                b.getUnsignedByte(IdentifyController.CNTRLTYPE),
                b.getUnsignedShortLE(IdentifyController.OACS),
                b.getUnsignedByte(IdentifyController.ACL),
                b.getUnsignedByte(IdentifyController.AERL),
                b.getUnsignedByte(IdentifyController.LPA),
                b.getUnsignedShortLE(IdentifyController.KAS),
                b.getUnsignedByte(IdentifyController.SQES),
                b.getUnsignedByte(IdentifyController.CQES),
                b.getUnsignedShortLE(IdentifyController.MAXCMD),
                b.getUnsignedIntLE(IdentifyController.NN),
                b.getUnsignedShortLE(IdentifyController.ONCS),
                b.getUnsignedByte(IdentifyController.VWC),
                b.getIntLE(IdentifyController.SGLS),
                b.getIntLE(IdentifyController.ANAGRPMAX),
                b.getIntLE(IdentifyController.NANAGRPID),
                b.getIntLE(IdentifyController.MNAN),
                ConnectData.readString(b, IdentifyController.SUBNQN, IdentifyController.SUBNQN_LENGTH),
                b.getUnsignedIntLE(IdentifyController.IOCCSZ),
                b.getUnsignedIntLE(IdentifyController.IORCSZ),
                b.getUnsignedShortLE(IdentifyController.ICDOFF),
                b.getUnsignedByte(IdentifyController.FCATT),
                b.getUnsignedByte(IdentifyController.MSDBD),
                provenance);
    }

    public boolean isDiscovery() {
        return cntrltype == IdentifyController.CNTRLTYPE_DISCOVERY;
    }

    /** In-capsule data bytes an I/O command may carry: IOCCSZ × 16 − 64 (0 when none). */
    public int inCapsuleDataSize() {
        long bytes = ioccsz * 16 - 64;
        return (int) Math.max(0, Math.min(bytes, 1 << 20));
    }

    public boolean supportsWriteZeroes() {
        return (oncs & IdentifyController.ONCS_WRITE_ZEROES) != 0;
    }

    public boolean supportsDeallocate() {
        return (oncs & IdentifyController.ONCS_DSM) != 0;
    }

    /** ONCS b5: Reservation Register, Report, Acquire and Release. */
    public boolean supportsReservations() {
        return (oncs & IdentifyController.ONCS_RESERVATIONS) != 0;
    }

    public boolean volatileWriteCache() {
        return (vwc & 1) != 0;
    }

    /** "major.minor.tertiary" from VER. */
    public String versionString() {
        return (version >>> 16) + "." + ((version >>> 8) & 0xFF) + "." + (version & 0xFF);
    }
}
