package io.locus.protocol.nvme;

/** Admin command opcodes used on fabrics (PROTOCOL.md 5). */
public final class AdminOpcode {
    public static final int DELETE_IO_SQ = 0x00;
    public static final int CREATE_IO_SQ = 0x01;
    public static final int GET_LOG_PAGE = 0x02;
    public static final int DELETE_IO_CQ = 0x04;
    public static final int CREATE_IO_CQ = 0x05;
    public static final int IDENTIFY = 0x06;
    public static final int ABORT = 0x08;
    public static final int SET_FEATURES = 0x09;
    public static final int GET_FEATURES = 0x0A;
    public static final int ASYNC_EVENT_REQUEST = 0x0C;
    public static final int KEEP_ALIVE = 0x18;
    public static final int FABRICS = 0x7F;

    private AdminOpcode() {
    }
}
