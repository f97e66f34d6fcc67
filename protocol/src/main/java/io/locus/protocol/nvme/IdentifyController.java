package io.locus.protocol.nvme;

/**
 * Identify Controller data structure (CNS 0x01): 4096 bytes. Offsets from PROTOCOL.md 5.
 * Writers live with the target; this class names the layout for both sides.
 */
public final class IdentifyController {
    public static final int LENGTH = 4096;
    public static final int VID = 0;
    public static final int SSVID = 2;
    public static final int SN = 4;
    public static final int SN_LENGTH = 20;
    public static final int MN = 24;
    public static final int MN_LENGTH = 40;
    public static final int FR = 64;
    public static final int FR_LENGTH = 8;
    public static final int RAB = 72;
    public static final int IEEE = 73;
    public static final int CMIC = 76;
    public static final int MDTS = 77;
    public static final int CNTLID = 78;
    public static final int VER = 80;
    public static final int OAES = 92;
    public static final int CTRATT = 96;
    public static final int CNTRLTYPE = 111;
    public static final int OACS = 256;
    public static final int ACL = 258;
    public static final int AERL = 259;
    public static final int FRMW = 260;
    public static final int LPA = 261;
    public static final int ELPE = 262;
    public static final int KAS = 320;
    public static final int ANATT = 342;
    public static final int ANACAP = 343;
    public static final int ANAGRPMAX = 344;
    public static final int NANAGRPID = 348;
    public static final int SQES = 512;
    public static final int CQES = 513;
    public static final int MAXCMD = 514;
    public static final int NN = 516;
    public static final int ONCS = 520;
    public static final int FUSES = 522;
    public static final int FNA = 524;
    public static final int VWC = 525;
    public static final int AWUN = 526;
    public static final int AWUPF = 528;
    public static final int SGLS = 536;
    public static final int MNAN = 540;
    public static final int SUBNQN = 768;
    public static final int SUBNQN_LENGTH = 256;
    public static final int IOCCSZ = 1792;
    public static final int IORCSZ = 1796;
    public static final int ICDOFF = 1800;
    public static final int FCATT = 1802;
    public static final int MSDBD = 1803;
    public static final int OFCS = 1804;
    public static final int VENDOR_SPECIFIC = 3072;

    public static final int CNTRLTYPE_IO = 1;
    public static final int CNTRLTYPE_DISCOVERY = 2;

    public static final int ONCS_WRITE_ZEROES = 1 << 3;
    public static final int ONCS_DSM = 1 << 2;
    public static final int ONCS_RESERVATIONS = 1 << 5;
    public static final int OAES_NS_ATTRIBUTE = 1 << 8;
    public static final int OAES_ANA_CHANGE = 1 << 11;
    public static final int OAES_DISCOVERY_LOG_CHANGE = 1 << 31;
    public static final int CMIC_MULTI_CONTROLLER = 1 << 1;
    public static final int CMIC_ANA = 1 << 3;
    public static final int LPA_EXTENDED_DATA = 1 << 2;
    public static final int SGLS_SUPPORTED = 0x1;
    public static final int SGLS_KEYED = 1 << 2;
    public static final int SGLS_OFFSET = 1 << 20;
    public static final int CTRATT_TBKAS = 1 << 6;

    private IdentifyController() {
    }
}
