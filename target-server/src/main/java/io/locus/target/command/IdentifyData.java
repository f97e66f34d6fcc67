package io.locus.target.command;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.provenance.ProvenanceWire;
import io.locus.target.model.Controller;
import io.locus.target.model.Namespace;
import io.locus.target.model.PortAnaStates;
import io.locus.target.model.Subsystem;
import io.locus.target.model.TargetLimits;
import io.netty.buffer.ByteBuf;

/** Builds the Identify data structures (PROTOCOL.md 5) into a zeroed 4096-byte region. */
final class IdentifyData {
    static final String FIRMWARE_REVISION = "0.1.0";
    private static final int PCI_VENDOR_ID = 0x1B36;
    /** ANA Transition Time in seconds (Linux nvmet reports 10). */
    static final int ANATT_SECONDS = 10;

    private IdentifyData() {
    }

    static void controller(ByteBuf b, int base, Controller c) {
        Subsystem s = c.subsystem();
        TargetLimits limits = c.limits();
        boolean discovery = c.isDiscovery();
        b.setShortLE(base + IdentifyController.VID, PCI_VENDOR_ID);
        b.setShortLE(base + IdentifyController.SSVID, PCI_VENDOR_ID);
        ConnectData.writeSpacePadded(b, base + IdentifyController.SN, IdentifyController.SN_LENGTH, s.serial());
        ConnectData.writeSpacePadded(b, base + IdentifyController.MN, IdentifyController.MN_LENGTH, s.model());
        ConnectData.writeSpacePadded(b, base + IdentifyController.FR, IdentifyController.FR_LENGTH, FIRMWARE_REVISION);
        b.setByte(base + IdentifyController.RAB, 6);
        if (!discovery) {
            b.setByte(base + IdentifyController.CMIC, IdentifyController.CMIC_MULTI_CONTROLLER | IdentifyController.CMIC_ANA);
        }
        b.setByte(base + IdentifyController.MDTS, limits.mdts());
        b.setShortLE(base + IdentifyController.CNTLID, c.cntlid());
        b.setIntLE(base + IdentifyController.VER, Property.VS_1_3);
        b.setIntLE(base + IdentifyController.OAES, discovery ? IdentifyController.OAES_DISCOVERY_LOG_CHANGE
                : IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE);
        b.setIntLE(base + IdentifyController.CTRATT, 0x1); // 128-bit host identifier
        b.setByte(base + IdentifyController.CNTRLTYPE, discovery ? IdentifyController.CNTRLTYPE_DISCOVERY : IdentifyController.CNTRLTYPE_IO);
        b.setByte(base + IdentifyController.ACL, 3);
        b.setByte(base + IdentifyController.AERL, Controller.MAX_OUTSTANDING_AERS - 1);
        b.setByte(base + IdentifyController.FRMW, 0x3); // slot 1 read-only, 1 slot
        // LPA: b0 SMART per namespace, b1 Commands Supported and Effects, b2 extended data (Linux target: 0x07).
        b.setByte(base + IdentifyController.LPA, discovery ? IdentifyController.LPA_EXTENDED_DATA : 0x7);
        b.setByte(base + IdentifyController.ELPE, 63);
        b.setShortLE(base + IdentifyController.KAS, limits.kasUnits100ms());
        b.setByte(base + IdentifyController.SQES, 0x66);
        b.setByte(base + IdentifyController.CQES, 0x44);
        b.setShortLE(base + IdentifyController.MAXCMD, limits.mqes() + 1);
        b.setIntLE(base + IdentifyController.SGLS, IdentifyController.SGLS_SUPPORTED | IdentifyController.SGLS_OFFSET);
        ConnectData.writeString(b, base + IdentifyController.SUBNQN, IdentifyController.SUBNQN_LENGTH, s.nqn());
        b.setIntLE(base + IdentifyController.IOCCSZ, limits.ioccsz());
        b.setIntLE(base + IdentifyController.IORCSZ, 1);
        b.setShortLE(base + IdentifyController.ICDOFF, 0);
        b.setByte(base + IdentifyController.FCATT, 0);
        b.setByte(base + IdentifyController.MSDBD, 1);
        if (!discovery) {
            b.setIntLE(base + IdentifyController.NN, s.maxNamespaces());
            b.setShortLE(base + IdentifyController.ONCS, IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES);
            // VWC b0 present; b2:1 = 10b: Flush to the broadcast NSID is not supported.
            b.setByte(base + IdentifyController.VWC, anyVolatileCache(s) ? 0x5 : 0x4);
            // ANATT: seconds a transition (state change) may last; nvmet's value.
            b.setByte(base + IdentifyController.ANATT, ANATT_SECONDS);
            // ANACAP: every state reported (b0 optimized .. b4 change, as nvmet) and b6: ANAGRPID does not change
            // while the namespace is attached (it is fixed by the configuration).
            b.setByte(base + IdentifyController.ANACAP, 0x1F | 0x40);
            b.setIntLE(base + IdentifyController.ANAGRPMAX, PortAnaStates.ANAGRPMAX);
            b.setIntLE(base + IdentifyController.NANAGRPID, PortAnaStates.ANAGRPMAX);
            b.setIntLE(base + IdentifyController.MNAN, s.maxNamespaces());
            if (limits.provenance()) {
                b.setIntLE(base + ProvenanceWire.SIGNATURE_OFFSET, ProvenanceWire.SIGNATURE);
                b.setByte(base + ProvenanceWire.VERSION_OFFSET, ProvenanceWire.VERSION);
            }
        }
        // Power state 0: max power 25.00 W (units of 0.01 W), entry/exit latency unreported.
        b.setShortLE(base + 2048, 2500);
    }

    static boolean anyVolatileCache(Subsystem s) {
        for (Namespace ns : s.namespaces()) {
            if (ns.backend().volatileWriteCache()) {
                return true;
            }
        }
        return false;
    }

    static void namespace(ByteBuf b, int base, Namespace ns) {
        long blocks = ns.blockCount();
        b.setLongLE(base + IdentifyNamespace.NSZE, blocks);
        b.setLongLE(base + IdentifyNamespace.NCAP, blocks);
        long inUse = Math.min(blocks, (ns.backend().bytesInUse() + ns.blockSize() - 1) >>> ns.blockShift());
        b.setLongLE(base + IdentifyNamespace.NUSE, inUse);
        b.setByte(base + IdentifyNamespace.NSFEAT, IdentifyNamespace.NSFEAT_THIN);
        b.setByte(base + IdentifyNamespace.NLBAF, 0);
        b.setByte(base + IdentifyNamespace.FLBAS, 0);
        b.setByte(base + IdentifyNamespace.NMIC, 0x1);
        if (ns.backend().deallocateReadsZeroes()) {
            b.setByte(base + IdentifyNamespace.DLFEAT, IdentifyNamespace.DLFEAT_READ_ZEROES);
        }
        b.setIntLE(base + IdentifyNamespace.ANAGRPID, ns.anaGroupId());
        b.setBytes(base + IdentifyNamespace.NGUID, ns.nguid());
        b.setIntLE(base + IdentifyNamespace.LBAF0, ns.blockShift() << 16);
    }

    /** CNS 0x03: NGUID, UUID and CSI descriptors. */
    static void descriptors(ByteBuf b, int base, Namespace ns) {
        int off = base;
        b.setByte(off, IdentifyNamespace.NIDT_NGUID);
        b.setByte(off + 1, 16);
        b.setBytes(off + 4, ns.nguid());
        off += 4 + 16;
        b.setByte(off, IdentifyNamespace.NIDT_UUID);
        b.setByte(off + 1, 16);
        b.setLong(off + 4, ns.uuid().getMostSignificantBits());
        b.setLong(off + 12, ns.uuid().getLeastSignificantBits());
        off += 4 + 16;
        b.setByte(off, IdentifyNamespace.NIDT_CSI);
        b.setByte(off + 1, 1);
        b.setByte(off + 4, 0);
    }

    /** CNS 0x02: active NSIDs greater than {@code after}, ascending, up to 1024. */
    static void activeNamespaces(ByteBuf b, int base, Subsystem s, int after) {
        int i = 0;
        for (Namespace ns : s.namespaces()) {
            if (Integer.compareUnsigned(ns.nsid(), after) > 0 && i < 1024) {
                b.setIntLE(base + 4 * i++, ns.nsid());
            }
        }
    }
}
