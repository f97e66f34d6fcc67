package io.locus.protocol.nvme;

/** Identify Namespace data structure (CNS 0x00) and the NS descriptor list (CNS 0x03). */
public final class IdentifyNamespace {
    public static final int LENGTH = 4096;
    public static final int NSZE = 0;
    public static final int NCAP = 8;
    public static final int NUSE = 16;
    public static final int NSFEAT = 24;
    public static final int NLBAF = 25;
    public static final int FLBAS = 26;
    public static final int DLFEAT = 33;
    public static final int NMIC = 30;
    /** Reservation Capabilities: b0 PTPL, b1..b6 the six types, b7 IEKEY as NVMe 1.3 defines it. */
    public static final int RESCAP = 31;
    public static final int ANAGRPID = 92;
    public static final int NGUID = 104;
    public static final int EUI64 = 120;
    public static final int LBAF0 = 128;

    /** NSFEAT b0: thin provisioning (NUSE meaningful, deallocate frees). */
    public static final int NSFEAT_THIN = 0x1;
    /** DLFEAT: deallocated blocks read as zeroes (b2:0 = 001b), write zeroes may deallocate (b3). */
    public static final int DLFEAT_READ_ZEROES = 0x1 | 0x8;

    /** CNS values. */
    public static final int CNS_NAMESPACE = 0x00;
    public static final int CNS_CONTROLLER = 0x01;
    public static final int CNS_ACTIVE_NSID_LIST = 0x02;
    public static final int CNS_NS_DESCRIPTOR_LIST = 0x03;
    public static final int CNS_CSI_NAMESPACE = 0x05;
    public static final int CNS_CSI_CONTROLLER = 0x06;

    /** NS identification descriptor types. */
    public static final int NIDT_EUI64 = 1;
    public static final int NIDT_NGUID = 2;
    public static final int NIDT_UUID = 3;
    public static final int NIDT_CSI = 4;

    private IdentifyNamespace() {
    }
}
