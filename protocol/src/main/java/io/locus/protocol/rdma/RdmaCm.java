package io.locus.protocol.rdma;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * NVMe/RDMA's RDMA-CM private data (NVMe over Fabrics, RDMA transport binding, "RDMA_CM_REQUEST / _ACCEPT /
 * _REJECT"), little-endian, 32 bytes each:
 * <pre>
 *   request: RECFMT 0-1 | QID 2-3 | HRQSIZE 4-5 | HSQSIZE 6-7 | CNTLID 8-9 | reserved 10-31
 *   accept:  RECFMT 0-1 | CRQSIZE 2-3 | reserved 4-31
 *   reject:  RECFMT 0-1 | STS 2-3
 * </pre>
 * HRQSIZE is the host's receive queue size (responses it can take), HSQSIZE the host's send queue size, 0's based
 * (SQSIZE of the queue, entries - 1), as Linux's nvme-rdma and nvmet-rdma read them; CRQSIZE the controller's
 * receive queue (the commands it can take).
 */
public final class RdmaCm {
    public static final int PRIVATE_DATA_LENGTH = 32;
    public static final int RECFMT_1_0 = 0;

    public static final int RECFMT_OFFSET = 0;
    public static final int QID_OFFSET = 2;
    public static final int HRQSIZE_OFFSET = 4;
    public static final int HSQSIZE_OFFSET = 6;
    public static final int CNTLID_OFFSET = 8;
    public static final int CRQSIZE_OFFSET = 2;
    public static final int STS_OFFSET = 2;

    // Reject STS values.
    public static final int STS_INVALID_LENGTH = 1;
    public static final int STS_INVALID_RECFMT = 2;
    public static final int STS_INVALID_QID = 3;
    public static final int STS_INVALID_HSQSIZE = 4;
    public static final int STS_INVALID_HRQSIZE = 5;
    public static final int STS_NO_RESOURCES = 6;
    public static final int STS_INVALID_IRD = 7;
    public static final int STS_INVALID_ORD = 8;

    private RdmaCm() {
    }

    /** The 32-byte connect request private data. */
    public static byte[] request(int qid, int hrqsize, int hsqsize, int cntlid) {
        ByteBuffer b = ByteBuffer.allocate(PRIVATE_DATA_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(RECFMT_OFFSET, (short) RECFMT_1_0);
        b.putShort(QID_OFFSET, (short) qid);
        b.putShort(HRQSIZE_OFFSET, (short) hrqsize);
        b.putShort(HSQSIZE_OFFSET, (short) hsqsize);
        b.putShort(CNTLID_OFFSET, (short) cntlid);
        return b.array();
    }

    /** The 32-byte accept private data. */
    public static byte[] accept(int crqsize) {
        ByteBuffer b = ByteBuffer.allocate(PRIVATE_DATA_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(RECFMT_OFFSET, (short) RECFMT_1_0);
        b.putShort(CRQSIZE_OFFSET, (short) crqsize);
        return b.array();
    }

    /** The reject private data (RECFMT, STS). */
    public static byte[] reject(int sts) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(RECFMT_OFFSET, (short) RECFMT_1_0);
        b.putShort(STS_OFFSET, (short) sts);
        return b.array();
    }

    /** Unsigned 16-bit field at {@code offset} of {@code data} (absolute index, little-endian); -1 when it is not there. */
    public static int field(ByteBuffer data, int offset) {
        if (data == null || data.limit() < offset + 2) {
            return -1;
        }
        return Short.toUnsignedInt(data.duplicate().order(ByteOrder.LITTLE_ENDIAN).getShort(offset));
    }

    /** "invalid HSQSIZE" for 4; "status 99" for one the spec does not define. */
    public static String describeReject(int sts) {
        return switch (sts) {
            case STS_INVALID_LENGTH -> "invalid private data length";
            case STS_INVALID_RECFMT -> "invalid RECFMT";
            case STS_INVALID_QID -> "invalid QID";
            case STS_INVALID_HSQSIZE -> "invalid HSQSIZE";
            case STS_INVALID_HRQSIZE -> "invalid HRQSIZE";
            case STS_NO_RESOURCES -> "no resources";
            case STS_INVALID_IRD -> "invalid IRD";
            case STS_INVALID_ORD -> "invalid ORD";
            default -> "status " + sts;
        };
    }
}
