package io.locus.protocol.nvme;

/** Asynchronous Event Request completion DW0: b2:0 type, b15:8 info, b23:16 log page. */
public final class AsyncEvent {
    public static final int TYPE_ERROR = 0;
    public static final int TYPE_SMART = 1;
    public static final int TYPE_NOTICE = 2;
    public static final int TYPE_COMMAND_SET = 6;
    public static final int TYPE_VENDOR = 7;

    public static final int NOTICE_NS_ATTRIBUTE_CHANGED = 0x00;
    public static final int NOTICE_ANA_CHANGE = 0x03;
    public static final int NOTICE_DISCOVERY_LOG_CHANGE = 0xF0;
    /** Type {@link #TYPE_COMMAND_SET}, info 0: a Reservation Notification log page is available. */
    public static final int COMMAND_SET_RESERVATION_LOG_AVAILABLE = 0x00;

    private AsyncEvent() {
    }

    public static int encode(int type, int info, int logPage) {
        return (type & 0x7) | ((info & 0xFF) << 8) | ((logPage & 0xFF) << 16);
    }

    public static int type(int dw0) {
        return dw0 & 0x7;
    }

    public static int info(int dw0) {
        return (dw0 >>> 8) & 0xFF;
    }

    public static int logPage(int dw0) {
        return (dw0 >>> 16) & 0xFF;
    }
}
