package io.locus.protocol.tcp;

/** NVMe/TCP PDU types (NVMe/TCP transport spec 3.6.2; PROTOCOL.md 1.2) and the fixed header length of each. */
public final class PduType {
    public static final int IC_REQ = 0x00;
    public static final int IC_RESP = 0x01;
    public static final int H2C_TERM_REQ = 0x02;
    public static final int C2H_TERM_REQ = 0x03;
    public static final int CAPSULE_CMD = 0x04;
    public static final int CAPSULE_RESP = 0x05;
    public static final int H2C_DATA = 0x06;
    public static final int C2H_DATA = 0x07;
    public static final int R2T = 0x09;

    private PduType() {
    }

    /** The HLEN a well-formed PDU of this type carries, or -1 for an unknown type. */
    public static int headerLength(int type) {
        return switch (type) {
            case IC_REQ, IC_RESP -> 128;
            case H2C_TERM_REQ, C2H_TERM_REQ, CAPSULE_RESP, H2C_DATA, C2H_DATA, R2T -> 24;
            case CAPSULE_CMD -> 72;
            default -> -1;
        };
    }

    /** Whether a PDU of this type carries a header digest once header digests are negotiated. */
    public static boolean mayCarryHeaderDigest(int type) {
        return type == CAPSULE_CMD || type == CAPSULE_RESP || type == H2C_DATA || type == C2H_DATA || type == R2T;
    }

    /** Whether a PDU of this type may carry data (and so a data digest). */
    public static boolean mayCarryData(int type) {
        return type == CAPSULE_CMD || type == H2C_DATA || type == C2H_DATA;
    }

    public static String name(int type) {
        return switch (type) {
            case IC_REQ -> "ICReq";
            case IC_RESP -> "ICResp";
            case H2C_TERM_REQ -> "H2CTermReq";
            case C2H_TERM_REQ -> "C2HTermReq";
            case CAPSULE_CMD -> "CapsuleCmd";
            case CAPSULE_RESP -> "CapsuleResp";
            case H2C_DATA -> "H2CData";
            case C2H_DATA -> "C2HData";
            case R2T -> "R2T";
            default -> String.format("Unknown(0x%02x)", type);
        };
    }
}
