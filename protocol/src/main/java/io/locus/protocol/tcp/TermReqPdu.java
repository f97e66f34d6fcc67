package io.locus.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * H2CTermReq / C2HTermReq: a fatal transport error report, never digested.
 *
 * <pre>
 *   0      8       10              14            24                  24+n (n = 0..128)
 *  +------+-------+---------------+-------------+-------------------+
 *  |  CH  |  FES  |      FEI      |  reserved   | offending header  |
 *  +------+-------+---------------+-------------+-------------------+
 * </pre>
 */
public final class TermReqPdu {
    public static final int HEADER_LENGTH = 24;
    public static final int FES_OFFSET = 8;
    public static final int FEI_OFFSET = 10;
    public static final int MAX_ERROR_DATA = 128;

    /** Fatal error status values (PROTOCOL.md 1.6). */
    public static final int FES_INVALID_HEADER_FIELD = 0x01;
    public static final int FES_PDU_SEQUENCE_ERROR = 0x02;
    public static final int FES_HEADER_DIGEST_ERROR = 0x03;
    public static final int FES_DATA_OUT_OF_RANGE = 0x04;
    public static final int FES_DATA_LIMIT_EXCEEDED = 0x05;
    public static final int FES_UNSUPPORTED_PARAMETER = 0x06;

    private TermReqPdu() {
    }

    public static int fes(ByteBuf buf, int base) {
        return buf.getUnsignedShortLE(base + FES_OFFSET);
    }

    public static long fei(ByteBuf buf, int base) {
        return buf.getUnsignedIntLE(base + FEI_OFFSET);
    }

    /**
     * Writes a TermReq at the writer index, copying up to 128 bytes of the offending PDU header
     * from {@code offending[offendingIndex, offendingIndex + offendingLength)} (may be null).
     */
    public static void write(ByteBuf buf, int type, int fes, long fei, ByteBuf offending, int offendingIndex, int offendingLength) {
        int copy = offending == null ? 0 : Math.min(MAX_ERROR_DATA, offendingLength);
        int plen = HEADER_LENGTH + copy;
        int base = buf.writerIndex();
        buf.ensureWritable(plen);
        buf.setZero(base, HEADER_LENGTH);
        CommonHeader.write(buf, base, type, 0, HEADER_LENGTH, 0, plen);
        buf.setShortLE(base + FES_OFFSET, fes);
        buf.setIntLE(base + FEI_OFFSET, (int) fei);
        if (copy > 0) {
            buf.setBytes(base + HEADER_LENGTH, offending, offendingIndex, copy);
        }
        buf.writerIndex(base + plen);
    }

    public static String describe(int fes) {
        return switch (fes) {
            case FES_INVALID_HEADER_FIELD -> "Invalid PDU Header Field";
            case FES_PDU_SEQUENCE_ERROR -> "PDU Sequence Error";
            case FES_HEADER_DIGEST_ERROR -> "Header Digest Error";
            case FES_DATA_OUT_OF_RANGE -> "Data Transfer Out of Range";
            case FES_DATA_LIMIT_EXCEEDED -> "Data Transfer Limit Exceeded";
            case FES_UNSUPPORTED_PARAMETER -> "Unsupported Parameter";
            default -> String.format("FES 0x%02x", fes);
        };
    }
}
