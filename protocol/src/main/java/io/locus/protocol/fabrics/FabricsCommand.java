package io.locus.protocol.fabrics;

/**
 * Fabrics command types (opcode 0x7F, FCTYPE in SQE byte 4) and the field offsets inside the SQE.
 *
 * <pre>
 * Property Get/Set: 40 ATTRIB (b2:0: 0 = 4 bytes, 1 = 8 bytes) | 44 OFST (4) | 48 VALUE (8, Set only)
 * Connect:          40 RECFMT (2) | 42 QID (2) | 44 SQSIZE (2, 0's based) | 46 CATTR | 48 KATO (4, ms)
 * </pre>
 */
public final class FabricsCommand {
    public static final int PROPERTY_SET = 0x00;
    public static final int CONNECT = 0x01;
    public static final int PROPERTY_GET = 0x04;
    public static final int AUTHENTICATION_SEND = 0x05;
    public static final int AUTHENTICATION_RECEIVE = 0x06;
    public static final int DISCONNECT = 0x08;

    public static final int PROPERTY_ATTRIB_OFFSET = 40;
    public static final int PROPERTY_OFFSET_OFFSET = 44;
    public static final int PROPERTY_VALUE_OFFSET = 48;

    public static final int CONNECT_RECFMT_OFFSET = 40;
    public static final int CONNECT_QID_OFFSET = 42;
    public static final int CONNECT_SQSIZE_OFFSET = 44;
    public static final int CONNECT_CATTR_OFFSET = 46;
    public static final int CONNECT_KATO_OFFSET = 48;

    /** CATTR b2: disable SQ flow control (target may then use the C2HData SUCCESS flag). */
    public static final int CATTR_DISABLE_SQ_FLOW_CONTROL = 0x04;

    private FabricsCommand() {
    }
}
