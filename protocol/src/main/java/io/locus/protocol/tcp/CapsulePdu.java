package io.locus.protocol.tcp;

/**
 * CapsuleCmd (HLEN 72: common header + 64-byte SQE) and CapsuleResp (HLEN 24: common header + 16-byte CQE).
 *
 * <pre>
 * CapsuleCmd:  0      8                     72       +4?       PDO            PLEN
 *             +------+---------------------+--------+--------+--------------+--------+
 *             |  CH  |        SQE          | HDGST? |  PAD   | in-capsule   | DDGST? |
 *             +------+---------------------+--------+--------+--------------+--------+
 * CapsuleResp: 0      8          24       +4?
 *             +------+----------+--------+
 *             |  CH  |   CQE    | HDGST? |
 *             +------+----------+--------+
 * </pre>
 */
public final class CapsulePdu {
    public static final int CMD_HEADER_LENGTH = 72;
    public static final int RESP_HEADER_LENGTH = 24;
    public static final int SQE_OFFSET = 8;
    public static final int CQE_OFFSET = 8;

    private CapsulePdu() {
    }
}
