package io.locus.protocol.fabrics;

/** Controller properties reachable with Property Get/Set on fabrics (PROTOCOL.md 4). */
public final class Property {
    public static final int CAP = 0x00;
    public static final int VS = 0x08;
    public static final int INTMS = 0x0C;
    public static final int INTMC = 0x10;
    public static final int CC = 0x14;
    public static final int CSTS = 0x1C;
    public static final int NSSR = 0x20;
    public static final int CRTO = 0x68;

    public static final int CC_EN = 0x1;
    public static final int CC_SHN_SHIFT = 14;
    public static final int CC_SHN_MASK = 0x3 << CC_SHN_SHIFT;
    public static final int CSTS_RDY = 0x1;
    public static final int CSTS_CFS = 0x2;
    public static final int CSTS_SHST_SHIFT = 2;
    public static final int CSTS_SHST_COMPLETE = 2 << CSTS_SHST_SHIFT;

    /** NVMe 1.3 VS: the version the peers report for fabrics. */
    public static final int VS_1_3 = (1 << 16) | (3 << 8);

    private Property() {
    }

    public static int ccIosqes(int cc) {
        return (cc >>> 16) & 0xF;
    }

    public static int ccIocqes(int cc) {
        return (cc >>> 20) & 0xF;
    }

    public static int ccMps(int cc) {
        return (cc >>> 7) & 0xF;
    }

    public static int ccAms(int cc) {
        return (cc >>> 11) & 0x7;
    }

    public static int ccCss(int cc) {
        return (cc >>> 4) & 0x7;
    }

    public static int ccShn(int cc) {
        return (cc & CC_SHN_MASK) >>> CC_SHN_SHIFT;
    }

    /** CAP with MQES (0's based), CQR, TO in 500 ms units, CSS NVM, MPSMIN/MPSMAX 0 (4 KiB). */
    public static long cap(int mqes, int timeout500ms) {
        return (mqes & 0xFFFFL) | (1L << 16) | ((timeout500ms & 0xFFL) << 24) | (1L << 37);
    }

    public static int capMqes(long cap) {
        return (int) (cap & 0xFFFF);
    }

    public static int capTimeout(long cap) {
        return (int) ((cap >>> 24) & 0xFF);
    }
}
