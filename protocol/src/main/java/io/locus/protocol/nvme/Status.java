package io.locus.protocol.nvme;

/**
 * NVMe completion status, held as the 15-bit status field without the phase bit:
 * b7:0 SC, b10:8 SCT, b12:11 CRD, b13 More, b14 DNR.
 */
public final class Status {
    public static final int SUCCESS = 0;

    public static final int SCT_GENERIC = 0;
    public static final int SCT_COMMAND_SPECIFIC = 1;
    public static final int SCT_MEDIA = 2;
    public static final int SCT_PATH = 3;

    public static final int DNR = 1 << 14;
    public static final int MORE = 1 << 13;

    // Generic command status (SCT 0)
    public static final int INVALID_OPCODE = generic(0x01);
    public static final int INVALID_FIELD = generic(0x02);
    public static final int CID_CONFLICT = generic(0x03);
    public static final int DATA_TRANSFER_ERROR = generic(0x04);
    public static final int INTERNAL_ERROR = generic(0x06);
    public static final int ABORTED_BY_REQUEST = generic(0x07);
    public static final int ABORTED_SQ_DELETION = generic(0x08);
    public static final int INVALID_NAMESPACE = generic(0x0B);
    public static final int COMMAND_SEQUENCE_ERROR = generic(0x0C);
    public static final int DATA_SGL_LENGTH_INVALID = generic(0x0F);
    public static final int SGL_TYPE_INVALID = generic(0x11);
    public static final int INVALID_SGL_OFFSET = generic(0x16);
    public static final int KEEP_ALIVE_EXPIRED = generic(0x19);
    public static final int KEEP_ALIVE_INVALID = generic(0x1A);
    public static final int NS_WRITE_PROTECTED = generic(0x20);
    public static final int TRANSIENT_TRANSPORT_ERROR = generic(0x22);
    public static final int LBA_OUT_OF_RANGE = generic(0x80);
    public static final int CAPACITY_EXCEEDED = generic(0x81);
    public static final int NS_NOT_READY = generic(0x82);

    // Command specific status (SCT 1)
    public static final int INVALID_QUEUE_IDENTIFIER = commandSpecific(0x01);
    public static final int INVALID_QUEUE_SIZE = commandSpecific(0x02);
    public static final int ABORT_LIMIT_EXCEEDED = commandSpecific(0x03);
    public static final int AER_LIMIT_EXCEEDED = commandSpecific(0x05);
    public static final int INVALID_LOG_PAGE = commandSpecific(0x09);
    public static final int FEATURE_NOT_SAVEABLE = commandSpecific(0x0D);
    public static final int CONNECT_INCOMPATIBLE_FORMAT = commandSpecific(0x80);
    public static final int CONNECT_CONTROLLER_BUSY = commandSpecific(0x81);
    public static final int CONNECT_INVALID_PARAMETERS = commandSpecific(0x82);
    public static final int CONNECT_RESTART_DISCOVERY = commandSpecific(0x83);
    public static final int CONNECT_INVALID_HOST = commandSpecific(0x84);

    // Media errors (SCT 2)
    public static final int WRITE_FAULT = media(0x80);
    public static final int UNRECOVERED_READ_ERROR = media(0x81);

    // Path related status (SCT 3): Asymmetric Namespace Access (NVMe base 2.0, 8.1.3), never with DNR
    public static final int ANA_PERSISTENT_LOSS = path(0x01);
    public static final int ANA_INACCESSIBLE = path(0x02);
    public static final int ANA_TRANSITION = path(0x03);

    private Status() {
    }

    public static int generic(int sc) {
        return sc;
    }

    public static int commandSpecific(int sc) {
        return (SCT_COMMAND_SPECIFIC << 8) | sc;
    }

    public static int media(int sc) {
        return (SCT_MEDIA << 8) | sc;
    }

    public static int path(int sc) {
        return (SCT_PATH << 8) | sc;
    }

    public static int sc(int status) {
        return status & 0xFF;
    }

    public static int sct(int status) {
        return (status >> 8) & 0x7;
    }

    public static boolean dnr(int status) {
        return (status & DNR) != 0;
    }

    public static boolean isSuccess(int status) {
        return (status & 0x7FF) == 0;
    }

    public static String describe(int status) {
        int code = status & 0x7FF;
        String name = switch (code) {
            case 0 -> "Success";
            case 0x01 -> "Invalid Command Opcode";
            case 0x02 -> "Invalid Field in Command";
            case 0x03 -> "Command ID Conflict";
            case 0x04 -> "Data Transfer Error";
            case 0x06 -> "Internal Error";
            case 0x07 -> "Command Abort Requested";
            case 0x08 -> "Command Aborted due to SQ Deletion";
            case 0x0B -> "Invalid Namespace or Format";
            case 0x0C -> "Command Sequence Error";
            case 0x0F -> "Data SGL Length Invalid";
            case 0x11 -> "SGL Descriptor Type Invalid";
            case 0x16 -> "Invalid SGL Offset";
            case 0x19 -> "Keep Alive Timer Expired";
            case 0x1A -> "Keep Alive Timeout Invalid";
            case 0x20 -> "Namespace is Write Protected";
            case 0x22 -> "Transient Transport Error";
            case 0x80 -> "LBA Out of Range";
            case 0x81 -> "Capacity Exceeded";
            case 0x82 -> "Namespace Not Ready";
            case 0x101 -> "Invalid Queue Identifier";
            case 0x102 -> "Invalid Queue Size";
            case 0x103 -> "Abort Command Limit Exceeded";
            case 0x105 -> "Asynchronous Event Request Limit Exceeded";
            case 0x109 -> "Invalid Log Page";
            case 0x10D -> "Feature Identifier Not Saveable";
            case 0x180 -> "Connect Incompatible Format";
            case 0x181 -> "Connect Controller Busy";
            case 0x182 -> "Connect Invalid Parameters";
            case 0x183 -> "Connect Restart Discovery";
            case 0x184 -> "Connect Invalid Host";
            case 0x280 -> "Write Fault";
            case 0x281 -> "Unrecovered Read Error";
            case 0x301 -> "Asymmetric Access Persistent Loss";
            case 0x302 -> "Asymmetric Access Inaccessible";
            case 0x303 -> "Asymmetric Access Transition";
            default -> null;
        };
        String text = name != null ? name : String.format("SCT %d SC 0x%02x", sct(status), sc(status));
        return dnr(status) ? text + " (DNR)" : text;
    }
}
