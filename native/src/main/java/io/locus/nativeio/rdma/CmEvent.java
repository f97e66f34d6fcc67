package io.locus.nativeio.rdma;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable holder for one connection-manager event: {@link CmEventChannel#poll(CmEvent)} copies the next event
 * into it and acknowledges it at once, so a reactor handles every event of a channel with one holder and allocates
 * nothing. Its memory is off-heap, {@value #LENGTH} bytes, little-endian, written by the C side:
 * <pre>
 *   0      4        8          16               24    32          40       42   43   44    45    46   47   48    52
 *   +------+--------+----------+----------------+-----+-----------+--------+----+----+-----+-----+----+----+-----+----+
 *   | type | status | context  | listen context | id  | listen id | pd len | RR | ID | rty | rnr | srq| 0  | qpn | 0  |
 *   +------+--------+----------+----------------+-----+-----------+--------+----+----+-----+-----+----+----+-----+----+
 *   56: private data (256)
 * </pre>
 * RR/ID are the peer's responder resources and initiator depth (CONNECT_REQUEST, ESTABLISHED), qpn its QP number.
 */
public final class CmEvent {
    public static final int LENGTH = 312;
    public static final int TYPE_OFFSET = 0;
    public static final int STATUS_OFFSET = 4;
    public static final int CONTEXT_OFFSET = 8;
    public static final int LISTEN_CONTEXT_OFFSET = 16;
    public static final int ID_OFFSET = 24;
    public static final int LISTEN_ID_OFFSET = 32;
    public static final int PRIVATE_DATA_LENGTH_OFFSET = 40;
    public static final int RESPONDER_RESOURCES_OFFSET = 42;
    public static final int INITIATOR_DEPTH_OFFSET = 43;
    public static final int RETRY_COUNT_OFFSET = 44;
    public static final int RNR_RETRY_COUNT_OFFSET = 45;
    public static final int QP_NUMBER_OFFSET = 48;
    public static final int PRIVATE_DATA_OFFSET = 56;
    public static final int PRIVATE_DATA_CAPACITY = 256;

    // enum rdma_cm_event_type
    public static final int ADDR_RESOLVED = 0;
    public static final int ADDR_ERROR = 1;
    public static final int ROUTE_RESOLVED = 2;
    public static final int ROUTE_ERROR = 3;
    /** A peer asks to connect: {@link CmId#adopt(CmEvent)} the new id, then accept or reject it. */
    public static final int CONNECT_REQUEST = 4;
    public static final int CONNECT_RESPONSE = 5;
    public static final int CONNECT_ERROR = 6;
    public static final int UNREACHABLE = 7;
    /** The peer rejected: {@link #status()} is the reject reason (28 = consumer defined), the private data its. */
    public static final int REJECTED = 8;
    public static final int ESTABLISHED = 9;
    public static final int DISCONNECTED = 10;
    public static final int DEVICE_REMOVAL = 11;
    public static final int MULTICAST_JOIN = 12;
    public static final int MULTICAST_ERROR = 13;
    public static final int ADDR_CHANGE = 14;
    public static final int TIMEWAIT_EXIT = 15;

    /** The reject reason of a reject that carries the application's private data (IB_CM_REJ_CONSUMER_DEFINED). */
    public static final int REJECT_CONSUMER_DEFINED = 28;

    private static final String[] TYPE_NAMES = {
        "ADDR_RESOLVED", "ADDR_ERROR", "ROUTE_RESOLVED", "ROUTE_ERROR", "CONNECT_REQUEST", "CONNECT_RESPONSE",
        "CONNECT_ERROR", "UNREACHABLE", "REJECTED", "ESTABLISHED", "DISCONNECTED", "DEVICE_REMOVAL",
        "MULTICAST_JOIN", "MULTICAST_ERROR", "ADDR_CHANGE", "TIMEWAIT_EXIT",
    };

    private final ByteBuffer buffer;
    private final ByteBuffer privateData;
    private final long address;

    private CmEvent(ByteBuffer buffer) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.privateData = buffer.slice(PRIVATE_DATA_OFFSET, PRIVATE_DATA_CAPACITY).asReadOnlyBuffer();
        this.address = MemorySegment.ofBuffer(buffer).address();
    }

    public static CmEvent allocate() {
        return new CmEvent(OffHeap.aligned(LENGTH));
    }

    long address() {
        return address;
    }

    /** The holder's memory, little-endian (for tests that play the C side). */
    ByteBuffer buffer() {
        return buffer;
    }

    /** One of the event constants ({@link #CONNECT_REQUEST}...). */
    public int type() {
        return buffer.getInt(TYPE_OFFSET);
    }

    /**
     * 0 on success; a negative errno for the error events (ADDR_ERROR, ROUTE_ERROR, CONNECT_ERROR, UNREACHABLE: e.g.
     * -ETIMEDOUT); the reject reason for {@link #REJECTED}.
     */
    public int status() {
        return buffer.getInt(STATUS_OFFSET);
    }

    /** The context of the id the event is for ({@link CmEventChannel#createId(long)}, {@link CmId#context(long)}). */
    public long context() {
        return buffer.getLong(CONTEXT_OFFSET);
    }

    /** For CONNECT_REQUEST: the listening id's context (the new id starts with the same one). */
    public long listenContext() {
        return buffer.getLong(LISTEN_CONTEXT_OFFSET);
    }

    /** The {@code rdma_cm_id} pointer the event is for; for CONNECT_REQUEST the new one. */
    public long idHandle() {
        return buffer.getLong(ID_OFFSET);
    }

    public long listenIdHandle() {
        return buffer.getLong(LISTEN_ID_OFFSET);
    }

    /**
     * Bytes of private data. Over InfiniBand and RoCE the CM carries no length: this is the whole field of the CM
     * message (56 for a request, 196 for an accept, 148 for a reject), zero-padded after what the peer sent.
     */
    public int privateDataLength() {
        return buffer.getShort(PRIVATE_DATA_LENGTH_OFFSET) & 0xFFFF;
    }

    /** The private data as a read-only little-endian view (position 0, limit its length); valid until the next poll. */
    public ByteBuffer privateData() {
        return privateData.clear().limit(privateDataLength()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Byte {@code i} of the private data, unsigned. */
    public int privateDataByte(int i) {
        return Byte.toUnsignedInt(privateData().get(i));
    }

    /** The peer's responder resources (IRD), for CONNECT_REQUEST and the active side's ESTABLISHED. */
    public int responderResources() {
        return buffer.get(RESPONDER_RESOURCES_OFFSET) & 0xFF;
    }

    /** The peer's initiator depth (ORD). */
    public int initiatorDepth() {
        return buffer.get(INITIATOR_DEPTH_OFFSET) & 0xFF;
    }

    public int rnrRetryCount() {
        return buffer.get(RNR_RETRY_COUNT_OFFSET) & 0xFF;
    }

    /** The peer's QP number. */
    public int remoteQpNumber() {
        return buffer.getInt(QP_NUMBER_OFFSET);
    }

    /** "CONNECT_REQUEST" for 4; "EVENT_99" for a value this build does not know. */
    public static String typeName(int type) {
        return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "EVENT_" + type;
    }

    @Override
    public String toString() {
        return typeName(type()) + " status " + status() + " context " + context() + " private data "
                + privateDataLength() + " bytes";
    }
}
