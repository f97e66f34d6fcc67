package io.locus.nativeio.rdma;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A preallocated off-heap array of work completions that {@link CompletionQueue#poll} fills in one JNI call; read
 * with the indexed accessors, nothing allocated. The layout is {@code struct ibv_wc} (48 bytes, little-endian; the C
 * build fails if rdma-core's header disagrees), so the provider writes straight into it:
 * <pre>
 *   0          8        12       16           20         24               28       32       36       40
 *   +----------+--------+--------+------------+----------+----------------+--------+--------+--------+----------+
 *   | wr_id    | status | opcode | vendor_err | byte_len | imm / inv rkey | qp_num | src_qp | flags  | (unused) |
 *   +----------+--------+--------+------------+----------+----------------+--------+--------+--------+----------+
 * </pre>
 * Only {@link #wrId} and {@link #status} are defined for a completion in error; {@link #opcode} and the rest are
 * then whatever the provider left.
 */
public final class WorkCompletions {
    public static final int LENGTH = 48;
    public static final int WR_ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 8;
    public static final int OPCODE_OFFSET = 12;
    public static final int VENDOR_ERROR_OFFSET = 16;
    public static final int BYTE_LENGTH_OFFSET = 20;
    public static final int IMM_OR_INVALIDATED_RKEY_OFFSET = 24;
    public static final int QP_NUMBER_OFFSET = 28;
    public static final int SOURCE_QP_OFFSET = 32;
    public static final int FLAGS_OFFSET = 36;

    // enum ibv_wc_status
    public static final int STATUS_SUCCESS = 0;
    public static final int STATUS_LOC_LEN_ERR = 1;
    public static final int STATUS_LOC_QP_OP_ERR = 2;
    public static final int STATUS_LOC_EEC_OP_ERR = 3;
    public static final int STATUS_LOC_PROT_ERR = 4;
    /** The queue pair went to the error state with this request still posted (disconnect, drain). */
    public static final int STATUS_WR_FLUSH_ERR = 5;
    public static final int STATUS_MW_BIND_ERR = 6;
    public static final int STATUS_BAD_RESP_ERR = 7;
    public static final int STATUS_LOC_ACCESS_ERR = 8;
    public static final int STATUS_REM_INV_REQ_ERR = 9;
    /** The peer refused an RDMA READ/WRITE (bad rkey or range) or a SEND with invalidate of a bad rkey. */
    public static final int STATUS_REM_ACCESS_ERR = 10;
    public static final int STATUS_REM_OP_ERR = 11;
    public static final int STATUS_RETRY_EXC_ERR = 12;
    /** Receiver not ready: the peer had no receive posted, retried out. */
    public static final int STATUS_RNR_RETRY_EXC_ERR = 13;
    public static final int STATUS_LOC_RDD_VIOL_ERR = 14;
    public static final int STATUS_REM_INV_RD_REQ_ERR = 15;
    public static final int STATUS_REM_ABORT_ERR = 16;
    public static final int STATUS_INV_EECN_ERR = 17;
    public static final int STATUS_INV_EEC_STATE_ERR = 18;
    public static final int STATUS_FATAL_ERR = 19;
    public static final int STATUS_RESP_TIMEOUT_ERR = 20;
    public static final int STATUS_GENERAL_ERR = 21;
    public static final int STATUS_TM_ERR = 22;
    public static final int STATUS_TM_RNDV_INCOMPLETE = 23;

    private static final String[] STATUS_NAMES = {
        "SUCCESS", "LOC_LEN_ERR", "LOC_QP_OP_ERR", "LOC_EEC_OP_ERR", "LOC_PROT_ERR", "WR_FLUSH_ERR", "MW_BIND_ERR",
        "BAD_RESP_ERR", "LOC_ACCESS_ERR", "REM_INV_REQ_ERR", "REM_ACCESS_ERR", "REM_OP_ERR", "RETRY_EXC_ERR",
        "RNR_RETRY_EXC_ERR", "LOC_RDD_VIOL_ERR", "REM_INV_RD_REQ_ERR", "REM_ABORT_ERR", "INV_EECN_ERR",
        "INV_EEC_STATE_ERR", "FATAL_ERR", "RESP_TIMEOUT_ERR", "GENERAL_ERR", "TM_ERR", "TM_RNDV_INCOMPLETE",
    };

    // enum ibv_wc_opcode
    public static final int OPCODE_SEND = 0;
    public static final int OPCODE_RDMA_WRITE = 1;
    public static final int OPCODE_RDMA_READ = 2;
    public static final int OPCODE_COMP_SWAP = 3;
    public static final int OPCODE_FETCH_ADD = 4;
    public static final int OPCODE_BIND_MW = 5;
    public static final int OPCODE_LOCAL_INV = 6;
    /** Receive completions have this bit set. */
    public static final int OPCODE_RECV = 1 << 7;
    public static final int OPCODE_RECV_RDMA_WITH_IMM = OPCODE_RECV | 1;

    // enum ibv_wc_flags
    public static final int FLAG_WITH_IMM = 1 << 1;
    /** The peer's SEND_WITH_INV invalidated {@link #invalidatedRkey}. */
    public static final int FLAG_WITH_INV = 1 << 3;

    private final ByteBuffer buffer;
    private final long address;
    private final int capacity;

    private WorkCompletions(ByteBuffer buffer, int capacity) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.address = MemorySegment.ofBuffer(buffer).address();
        this.capacity = capacity;
    }

    /** An array of {@code capacity} completions in fresh, 64-byte-aligned off-heap memory. */
    public static WorkCompletions allocate(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        return new WorkCompletions(OffHeap.aligned(Math.multiplyExact(capacity, LENGTH)), capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** Address of entry {@code first}, checking that {@code [first, first + count)} lies in the array. */
    long address(int first, int count) {
        Objects.checkFromIndexSize(first, count, capacity);
        return address + (long) first * LENGTH;
    }

    /** The array's memory ({@code capacity() * LENGTH} bytes, little-endian), e.g. for a test to write into. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public long wrId(int i) {
        return buffer.getLong(at(i) + WR_ID_OFFSET);
    }

    /** One of the {@code STATUS_*} values. */
    public int status(int i) {
        return buffer.getInt(at(i) + STATUS_OFFSET);
    }

    public boolean succeeded(int i) {
        return status(i) == STATUS_SUCCESS;
    }

    /** One of the {@code OPCODE_*} values (defined only when the completion succeeded). */
    public int opcode(int i) {
        return buffer.getInt(at(i) + OPCODE_OFFSET);
    }

    public int vendorError(int i) {
        return buffer.getInt(at(i) + VENDOR_ERROR_OFFSET);
    }

    /** Bytes received, for a receive completion. */
    public int byteLength(int i) {
        return buffer.getInt(at(i) + BYTE_LENGTH_OFFSET);
    }

    /** The rkey the peer invalidated, when {@link #flags} has {@link #FLAG_WITH_INV}. */
    public int invalidatedRkey(int i) {
        return buffer.getInt(at(i) + IMM_OR_INVALIDATED_RKEY_OFFSET);
    }

    /** Immediate data in host order, when {@link #flags} has {@link #FLAG_WITH_IMM} (on the wire it is big-endian). */
    public int immediateData(int i) {
        return Integer.reverseBytes(buffer.getInt(at(i) + IMM_OR_INVALIDATED_RKEY_OFFSET));
    }

    /** The local queue pair the completion belongs to: with a CQ shared by many QPs, this says whose it is. */
    public int qpNumber(int i) {
        return buffer.getInt(at(i) + QP_NUMBER_OFFSET);
    }

    public int sourceQp(int i) {
        return buffer.getInt(at(i) + SOURCE_QP_OFFSET);
    }

    /** {@code FLAG_*} bits. */
    public int flags(int i) {
        return buffer.getInt(at(i) + FLAGS_OFFSET);
    }

    /** "WR_FLUSH_ERR" for 5; "STATUS_99" for a value this build does not know. */
    public static String statusName(int status) {
        return status >= 0 && status < STATUS_NAMES.length ? STATUS_NAMES[status] : "STATUS_" + status;
    }

    /** "RDMA_READ" for 2, "RECV" for 128. */
    public static String opcodeName(int opcode) {
        return switch (opcode) {
            case OPCODE_SEND -> "SEND";
            case OPCODE_RDMA_WRITE -> "RDMA_WRITE";
            case OPCODE_RDMA_READ -> "RDMA_READ";
            case OPCODE_COMP_SWAP -> "COMP_SWAP";
            case OPCODE_FETCH_ADD -> "FETCH_ADD";
            case OPCODE_BIND_MW -> "BIND_MW";
            case OPCODE_LOCAL_INV -> "LOCAL_INV";
            case OPCODE_RECV -> "RECV";
            case OPCODE_RECV_RDMA_WITH_IMM -> "RECV_RDMA_WITH_IMM";
            default -> "OPCODE_" + opcode;
        };
    }

    /** "wr_id 7 RDMA_READ SUCCESS 4096 bytes qp 17", for logs and test failures. */
    public String describe(int i) {
        String what = succeeded(i)
                ? opcodeName(opcode(i)) + " SUCCESS " + byteLength(i) + " bytes"
                : statusName(status(i)) + " vendor_err " + vendorError(i);
        return "wr_id " + wrId(i) + " " + what + " qp " + qpNumber(i);
    }

    private int at(int i) {
        return Objects.checkIndex(i, capacity) * LENGTH;
    }
}
