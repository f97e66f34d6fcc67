package io.locus.protocol.nvme;

/** NVM command set I/O opcodes (PROTOCOL.md 7). Bits 1:0 give the data direction. */
public final class NvmOpcode {
    public static final int FLUSH = 0x00;
    public static final int WRITE = 0x01;
    public static final int READ = 0x02;
    public static final int COMPARE = 0x05;
    public static final int WRITE_ZEROES = 0x08;
    public static final int DATASET_MANAGEMENT = 0x09;
    public static final int VERIFY = 0x0C;
    /** Reservation commands (NVMe Base 7.6 to 7.9): Register, Report, Acquire, Release. */
    public static final int RESERVATION_REGISTER = 0x0D;
    public static final int RESERVATION_REPORT = 0x0E;
    public static final int RESERVATION_ACQUIRE = 0x11;
    public static final int RESERVATION_RELEASE = 0x15;

    /** Data direction encoded in opcode bits 1:0. */
    public static final int XFER_NONE = 0;
    public static final int XFER_HOST_TO_CONTROLLER = 1;
    public static final int XFER_CONTROLLER_TO_HOST = 2;

    /** Read/Write CDW12 bits. */
    public static final int CDW12_FUA = 1 << 30;
    public static final int CDW12_LIMITED_RETRY = 1 << 31;
    /** Write Zeroes CDW12 deallocate bit. */
    public static final int CDW12_DEAC = 1 << 25;
    /** Dataset Management CDW11 attribute: deallocate. */
    public static final int DSM_ATTR_DEALLOCATE = 1 << 2;
    /** Bytes in one Dataset Management range. */
    public static final int DSM_RANGE_LENGTH = 16;

    private NvmOpcode() {
    }

    public static int direction(int opcode) {
        return opcode & 0x3;
    }
}
