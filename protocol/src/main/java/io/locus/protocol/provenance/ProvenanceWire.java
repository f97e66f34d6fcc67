package io.locus.protocol.provenance;

/**
 * Locus completion-provenance extension v1 as it appears on the wire (ARCHITECTURE.md "Provenance on the wire").
 *
 * <pre>
 * Identify Controller 3072..3075 = "LCPX", 3076 = version (1)        advertised by the target
 * Set Features FID 0xC0, CDW11 b0 = 1                                 enabled by the host, per controller
 * I/O SQE  CDW2        = flow_id
 *          CDW3        = home_cpu (b15:0, 0xFFFF unset) | home_node (b31:16)
 *          MPTR low    = class (b7:0) | flags (b15:8) | budget_us (b31:16, saturating)
 *          MPTR high   = 0
 *          CDW13 b5:4  = class mirrored as DSM access latency (Read/Write)
 * CQE DW1  = backend_us (b15:0) | target_us (b31:16), saturating
 * </pre>
 */
public final class ProvenanceWire {
    public static final int SIGNATURE_OFFSET = 3072;
    public static final int VERSION_OFFSET = 3076;
    /** "LCPX" read as a little-endian int. */
    public static final int SIGNATURE = 'L' | ('C' << 8) | ('P' << 16) | ('X' << 24);
    public static final int VERSION = 1;

    public static final int HOME_CPU_UNSET = 0xFFFF;

    public static final int CLASS_THROUGHPUT = 0;
    public static final int CLASS_LATENCY = 1;
    public static final int CLASS_STEP_CRITICAL = 2;
    public static final int CLASS_PREFETCH = 3;

    public static final int FLAG_ANTI_MIGRATE = 0x01;
    public static final int FLAG_BOUNDED_BATCH = 0x02;
    public static final int FLAG_REUSE_REGISTRATION = 0x04;

    /** DSM access latency values (CDW13 b5:4). */
    public static final int DSM_LATENCY_NONE = 0;
    public static final int DSM_LATENCY_IDLE = 1;
    public static final int DSM_LATENCY_NORMAL = 2;
    public static final int DSM_LATENCY_LOW = 3;

    private ProvenanceWire() {
    }

    public static int cdw3(int homeCpu, int homeNode) {
        return (homeCpu & 0xFFFF) | ((homeNode & 0xFFFF) << 16);
    }

    public static int homeCpu(int cdw3) {
        return cdw3 & 0xFFFF;
    }

    public static int homeNode(int cdw3) {
        return cdw3 >>> 16;
    }

    public static long mptr(int latencyClass, int flags, long budgetMicros) {
        int budget = (int) Math.min(0xFFFF, Math.max(0, budgetMicros));
        return (latencyClass & 0xFF) | ((flags & 0xFF) << 8) | ((long) budget << 16);
    }

    public static int latencyClass(long mptr) {
        return (int) (mptr & 0xFF);
    }

    public static int flags(long mptr) {
        return (int) ((mptr >>> 8) & 0xFF);
    }

    public static int budgetMicros(long mptr) {
        return (int) ((mptr >>> 16) & 0xFFFF);
    }

    /** The DSM access-latency hint a class maps to. */
    public static int dsmLatency(int latencyClass) {
        return switch (latencyClass) {
            case CLASS_LATENCY, CLASS_STEP_CRITICAL -> DSM_LATENCY_LOW;
            case CLASS_PREFETCH -> DSM_LATENCY_IDLE;
            default -> DSM_LATENCY_NORMAL;
        };
    }

    /** CDW13 with the access-latency bits (b5:4) replaced. */
    public static int withDsmLatency(int cdw13, int latencyClass) {
        return (cdw13 & ~0x30) | (dsmLatency(latencyClass) << 4);
    }

    public static int cqeTiming(long backendMicros, long targetMicros) {
        int backend = (int) Math.min(0xFFFF, Math.max(0, backendMicros));
        int target = (int) Math.min(0xFFFF, Math.max(0, targetMicros));
        return backend | (target << 16);
    }

    public static int backendMicros(int dw1) {
        return dw1 & 0xFFFF;
    }

    public static int targetMicros(int dw1) {
        return dw1 >>> 16;
    }
}
