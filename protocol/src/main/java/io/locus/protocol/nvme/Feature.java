package io.locus.protocol.nvme;

/** Feature identifiers for Set/Get Features (CDW10 b7:0) and the values they carry. */
public final class Feature {
    public static final int ARBITRATION = 0x01;
    public static final int POWER_MANAGEMENT = 0x02;
    public static final int TEMPERATURE_THRESHOLD = 0x04;
    public static final int ERROR_RECOVERY = 0x05;
    public static final int VOLATILE_WRITE_CACHE = 0x06;
    public static final int NUMBER_OF_QUEUES = 0x07;
    public static final int INTERRUPT_COALESCING = 0x08;
    public static final int WRITE_ATOMICITY = 0x0A;
    public static final int ASYNC_EVENT_CONFIG = 0x0B;
    public static final int KEEP_ALIVE_TIMER = 0x0F;
    public static final int HOST_IDENTIFIER = 0x81;
    /** Reservation Notification Mask (namespace specific): CDW11 b1 REGPRE, b2 RESREL, b3 RESPRE. */
    public static final int RESERVATION_NOTIFICATION_MASK = 0x82;
    /** Reservation Persistence (namespace specific): CDW11 b0 PTPL. */
    public static final int RESERVATION_PERSISTENCE = 0x83;
    /** Locus vendor-specific: completion provenance extension v1 (ARCHITECTURE.md). */
    public static final int LOCUS_PROVENANCE = 0xC0;

    /** Get Features CDW10 b10:8 select. */
    public static final int SELECT_CURRENT = 0;
    public static final int SELECT_DEFAULT = 1;
    public static final int SELECT_SAVED = 2;
    public static final int SELECT_SUPPORTED_CAPABILITIES = 3;

    private Feature() {
    }

    public static int fid(int cdw10) {
        return cdw10 & 0xFF;
    }
}
