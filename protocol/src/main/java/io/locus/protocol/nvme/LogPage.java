package io.locus.protocol.nvme;

/** Get Log Page identifiers and sizes (PROTOCOL.md 5, 6, 8). */
public final class LogPage {
    public static final int ERROR = 0x01;
    public static final int SMART = 0x02;
    public static final int FIRMWARE_SLOT = 0x03;
    public static final int CHANGED_NAMESPACES = 0x04;
    public static final int COMMAND_EFFECTS = 0x05;
    public static final int ANA = 0x0C;
    public static final int DISCOVERY = 0x70;
    /** Reservation Notification (NVMe Base 5.16.1.24): one 64-byte entry per read. */
    public static final int RESERVATION_NOTIFICATION = 0x80;
    public static final int RESERVATION_NOTIFICATION_LENGTH = 64;

    public static final int ERROR_ENTRY_LENGTH = 64;
    public static final int SMART_LENGTH = 512;
    public static final int FIRMWARE_SLOT_LENGTH = 512;
    public static final int CHANGED_NAMESPACES_LENGTH = 4096;
    public static final int COMMAND_EFFECTS_LENGTH = 4096;

    private LogPage() {
    }

    /** The log page identifier from CDW10. */
    public static int lid(int cdw10) {
        return cdw10 & 0xFF;
    }

    public static int lsp(int cdw10) {
        return (cdw10 >>> 8) & 0x7F;
    }

    /** Retain Asynchronous Event: when set, reading the page does not clear the event mask. */
    public static boolean rae(int cdw10) {
        return (cdw10 & (1 << 15)) != 0;
    }

    /** Number of bytes requested: ((NUMDU:NUMDL) + 1) * 4. */
    public static long length(int cdw10, int cdw11) {
        long numd = ((long) (cdw11 & 0xFFFF) << 16) | (cdw10 >>> 16);
        return (numd + 1) * 4;
    }

    public static long offset(int cdw12, int cdw13) {
        return ((long) cdw13 << 32) | (cdw12 & 0xFFFFFFFFL);
    }
}
