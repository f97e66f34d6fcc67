package io.locus.nativeio.rdma;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A preallocated off-heap array of work requests that Java fills and {@link QueuePair#postSend} or
 * {@link QueuePair#postReceive} posts in one JNI call; nothing is allocated per request. Each entry is
 * {@link #stride()} = {@value #HEADER_LENGTH} + 16 × {@link #maxSge()} bytes, little-endian:
 * <pre>
 *   0           8        9       10        12                 16             24       28        32
 *   +-----------+--------+-------+---------+------------------+--------------+--------+---------+-------------------+
 *   | wr_id     | opcode | flags | num_sge | invalidate rkey  | remote_addr  | rkey   | (zero)  | sge[maxSge]       |
 *   +-----------+--------+-------+---------+------------------+--------------+--------+---------+-------------------+
 *   sge: addr (8) | length (4, unsigned) | lkey (4)       — struct ibv_sge, handed to the provider in place
 * </pre>
 * A receive uses only wr_id, num_sge and the SGEs. Entries keep their values until overwritten, so a receive array can
 * be filled once and re-posted entry by entry ({@code postReceive(recvs, i, 1)}).
 *
 * <p>The setters check their index and values (cheap, and a bad descriptor would otherwise reach the hardware); they
 * return {@code this} so one entry reads as one statement.
 */
public final class WorkRequests {
    public static final int HEADER_LENGTH = 32;
    public static final int SGE_LENGTH = 16;
    public static final int WR_ID_OFFSET = 0;
    public static final int OPCODE_OFFSET = 8;
    public static final int FLAGS_OFFSET = 9;
    public static final int NUM_SGE_OFFSET = 10;
    public static final int INVALIDATE_RKEY_OFFSET = 12;
    public static final int REMOTE_ADDRESS_OFFSET = 16;
    public static final int RKEY_OFFSET = 24;
    public static final int SGE_OFFSET = HEADER_LENGTH;
    public static final int SGE_ADDRESS_OFFSET = 0;
    public static final int SGE_LENGTH_OFFSET = 8;
    public static final int SGE_LKEY_OFFSET = 12;
    /** Most SGEs an entry may have; devices allow fewer ({@link DeviceAttributes#maxSge()}). */
    public static final int MAX_SGE_LIMIT = 32;

    // enum ibv_wr_opcode: the four the NVMe/RDMA transports use, and all the C side accepts.
    public static final int OP_RDMA_WRITE = 0;
    public static final int OP_SEND = 2;
    public static final int OP_RDMA_READ = 4;
    /** SEND that also invalidates {@link #invalidateRkey} at the peer (NVMe keyed SGL 0x4F). */
    public static final int OP_SEND_WITH_INV = 9;

    // enum ibv_send_flags
    /** Wait for earlier RDMA READs to finish before this request starts. */
    public static final int FLAG_FENCE = 1;
    /** Produce a completion when done (requests without it complete silently, in order, with later ones). */
    public static final int FLAG_SIGNALED = 1 << 1;
    /** Raise the peer's solicited-only completion event. */
    public static final int FLAG_SOLICITED = 1 << 2;
    /** Copy the data into the WQE at post time (at most the QP's max inline data); no lkey needed. */
    public static final int FLAG_INLINE = 1 << 3;

    private static final int KNOWN_FLAGS = FLAG_FENCE | FLAG_SIGNALED | FLAG_SOLICITED | FLAG_INLINE;

    private final ByteBuffer buffer;
    private final long address;
    private final int capacity;
    private final int maxSge;
    private final int stride;

    private WorkRequests(ByteBuffer buffer, int capacity, int maxSge) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.address = MemorySegment.ofBuffer(buffer).address();
        this.capacity = capacity;
        this.maxSge = maxSge;
        this.stride = strideFor(maxSge);
    }

    /** Bytes per entry for {@code maxSge} SGEs. */
    public static int strideFor(int maxSge) {
        if (maxSge < 1 || maxSge > MAX_SGE_LIMIT) {
            throw new IllegalArgumentException("maxSge must be 1.." + MAX_SGE_LIMIT + ", got " + maxSge);
        }
        return HEADER_LENGTH + SGE_LENGTH * maxSge;
    }

    /** {@code capacity} zeroed entries of {@code maxSge} SGEs each, in fresh 64-byte-aligned off-heap memory. */
    public static WorkRequests allocate(int capacity, int maxSge) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        return new WorkRequests(OffHeap.aligned(Math.multiplyExact(capacity, strideFor(maxSge))), capacity, maxSge);
    }

    public int capacity() {
        return capacity;
    }

    public int maxSge() {
        return maxSge;
    }

    public int stride() {
        return stride;
    }

    /** Address of entry {@code first}, checking that {@code [first, first + count)} lies in the array. */
    long address(int first, int count) {
        Objects.checkFromIndexSize(first, count, capacity);
        return address + (long) first * stride;
    }

    /** The array's memory ({@code capacity() * stride()} bytes, little-endian). */
    public ByteBuffer buffer() {
        return buffer;
    }

    // ---- whole entries: the common shapes in one call -------------------------------------------------------------

    /** A SEND of one local buffer; {@code flags}: {@code FLAG_*}. */
    public WorkRequests send(int i, long wrId, int flags, long address, int length, int lkey) {
        return header(i, wrId, OP_SEND, flags).sge(i, 0, address, length, lkey).sgeCount(i, 1);
    }

    /** A SEND that also invalidates the peer's {@code rkey} (the host's keyed SGL asked for remote invalidate). */
    public WorkRequests sendWithInvalidate(int i, long wrId, int flags, long address, int length, int lkey,
                                           int invalidateRkey) {
        return send(i, wrId, flags, address, length, lkey).opcode(i, OP_SEND_WITH_INV).invalidateRkey(i, invalidateRkey);
    }

    /** Writes one local buffer to the peer's {@code [remoteAddress, +length)} under {@code rkey}. */
    public WorkRequests rdmaWrite(int i, long wrId, int flags, long address, int length, int lkey, long remoteAddress,
                                  int rkey) {
        return header(i, wrId, OP_RDMA_WRITE, flags).remote(i, remoteAddress, rkey).sge(i, 0, address, length, lkey)
                .sgeCount(i, 1);
    }

    /** Reads the peer's {@code [remoteAddress, +length)} under {@code rkey} into one local buffer. */
    public WorkRequests rdmaRead(int i, long wrId, int flags, long address, int length, int lkey, long remoteAddress,
                                 int rkey) {
        return header(i, wrId, OP_RDMA_READ, flags).remote(i, remoteAddress, rkey).sge(i, 0, address, length, lkey)
                .sgeCount(i, 1);
    }

    /** A receive into one local buffer. */
    public WorkRequests receive(int i, long wrId, long address, int length, int lkey) {
        return header(i, wrId, OP_SEND, 0).sge(i, 0, address, length, lkey).sgeCount(i, 1);
    }

    // ---- fields ---------------------------------------------------------------------------------------------------

    /** Sets wr_id, opcode and flags and clears the rest of the header (not the SGEs). */
    public WorkRequests header(int i, long wrId, int opcode, int flags) {
        int b = at(i);
        buffer.putLong(b + WR_ID_OFFSET, wrId);
        opcode(i, opcode).flags(i, flags);
        buffer.putShort(b + NUM_SGE_OFFSET, (short) 0);
        buffer.putInt(b + INVALIDATE_RKEY_OFFSET, 0);
        buffer.putLong(b + REMOTE_ADDRESS_OFFSET, 0);
        buffer.putLong(b + RKEY_OFFSET, 0); // rkey and the reserved word
        return this;
    }

    public WorkRequests wrId(int i, long wrId) {
        buffer.putLong(at(i) + WR_ID_OFFSET, wrId);
        return this;
    }

    /** One of {@link #OP_SEND}, {@link #OP_SEND_WITH_INV}, {@link #OP_RDMA_WRITE}, {@link #OP_RDMA_READ}. */
    public WorkRequests opcode(int i, int opcode) {
        if (opcode != OP_SEND && opcode != OP_SEND_WITH_INV && opcode != OP_RDMA_WRITE && opcode != OP_RDMA_READ) {
            throw new IllegalArgumentException("unsupported work request opcode " + opcode);
        }
        buffer.put(at(i) + OPCODE_OFFSET, (byte) opcode);
        return this;
    }

    /** {@code FLAG_*} bits. */
    public WorkRequests flags(int i, int flags) {
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown send flags 0x" + Integer.toHexString(flags & ~KNOWN_FLAGS));
        }
        buffer.put(at(i) + FLAGS_OFFSET, (byte) flags);
        return this;
    }

    public WorkRequests remote(int i, long remoteAddress, int rkey) {
        int b = at(i);
        buffer.putLong(b + REMOTE_ADDRESS_OFFSET, remoteAddress);
        buffer.putInt(b + RKEY_OFFSET, rkey);
        return this;
    }

    public WorkRequests invalidateRkey(int i, int rkey) {
        buffer.putInt(at(i) + INVALIDATE_RKEY_OFFSET, rkey);
        return this;
    }

    /** How many of the entry's SGEs are used, 0 to {@link #maxSge()}. */
    public WorkRequests sgeCount(int i, int count) {
        Objects.checkIndex(count, maxSge + 1);
        buffer.putShort(at(i) + NUM_SGE_OFFSET, (short) count);
        return this;
    }

    /** SGE {@code k} of entry {@code i}: {@code length} bytes (unsigned) at {@code address} registered under {@code lkey}. */
    public WorkRequests sge(int i, int k, long address, int length, int lkey) {
        int s = at(i) + SGE_OFFSET + Objects.checkIndex(k, maxSge) * SGE_LENGTH;
        buffer.putLong(s + SGE_ADDRESS_OFFSET, address);
        buffer.putInt(s + SGE_LENGTH_OFFSET, length);
        buffer.putInt(s + SGE_LKEY_OFFSET, lkey);
        return this;
    }

    public long wrId(int i) {
        return buffer.getLong(at(i) + WR_ID_OFFSET);
    }

    public int opcode(int i) {
        return buffer.get(at(i) + OPCODE_OFFSET) & 0xFF;
    }

    public int flags(int i) {
        return buffer.get(at(i) + FLAGS_OFFSET) & 0xFF;
    }

    public int sgeCount(int i) {
        return buffer.getShort(at(i) + NUM_SGE_OFFSET) & 0xFFFF;
    }

    public int invalidateRkey(int i) {
        return buffer.getInt(at(i) + INVALIDATE_RKEY_OFFSET);
    }

    public long remoteAddress(int i) {
        return buffer.getLong(at(i) + REMOTE_ADDRESS_OFFSET);
    }

    public int rkey(int i) {
        return buffer.getInt(at(i) + RKEY_OFFSET);
    }

    public long sgeAddress(int i, int k) {
        return buffer.getLong(sgeAt(i, k) + SGE_ADDRESS_OFFSET);
    }

    public int sgeLength(int i, int k) {
        return buffer.getInt(sgeAt(i, k) + SGE_LENGTH_OFFSET);
    }

    public int sgeLkey(int i, int k) {
        return buffer.getInt(sgeAt(i, k) + SGE_LKEY_OFFSET);
    }

    private int sgeAt(int i, int k) {
        return at(i) + SGE_OFFSET + Objects.checkIndex(k, maxSge) * SGE_LENGTH;
    }

    private int at(int i) {
        return Objects.checkIndex(i, capacity) * stride;
    }
}
