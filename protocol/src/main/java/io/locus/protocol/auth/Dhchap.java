package io.locus.protocol.auth;

import io.locus.protocol.nvme.Status;

import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;

/**
 * DH-HMAC-CHAP constants and computations (NVMe base spec, in-band authentication; Linux {@code nvme.h},
 * {@code nvme-auth.h}, {@code drivers/nvme/common/auth.c}).
 *
 * <p>Authentication Send (FCTYPE 0x05, host to controller) and Receive (0x06, controller to host) carry one message
 * each: CDW10 = SECP (byte 43, 0xE9) | SPSP1 (42, 0x01) | SPSP0 (41, 0x01); CDW11 = TL (send) or AL (receive).
 *
 * <p>Responses, with Ca/Cb the (augmented) challenges, S1/S2 the sequence numbers, T the transaction ID, SC_C the
 * secure-channel byte (0) and Kh/Kc the transformed host and controller secrets:
 * <pre>
 * R1 = HMAC(Kh, Ca || LE32(S1) || LE16(T) || SC_C || "HostHost"   || NQNh || 0x00 || NQNc)
 * R2 = HMAC(Kc, Cb || LE32(S2) || LE16(T) || SC_C || "Controller" || NQNc || 0x00 || NQNh)
 * Ca = HMAC(H(g^xy mod p), C1) when a DH group is used, else C1 (likewise Cb from C2)
 * </pre>
 */
public final class Dhchap {
    /** SECP of Authentication Send/Receive for DH-HMAC-CHAP. */
    public static final int SECP = 0xE9;
    public static final int SPSP0 = 0x01;
    public static final int SPSP1 = 0x01;
    /** CDW10 of Authentication Send and Receive: SECP b31:24, SPSP1 b23:16, SPSP0 b15:8. */
    public static final int CDW10 = (SECP << 24) | (SPSP1 << 16) | (SPSP0 << 8);

    /** Connect response DW0 b17: authentication required on this queue (ATR). */
    public static final int CONNECT_ATR = 1 << 17;
    /** Connect response DW0 b18: authentication and secure channel concatenation required (ASCR). */
    public static final int CONNECT_ASCR = 1 << 18;

    /** SCT 1 / SC 0x91: a command other than the authentication ones before authentication succeeded. */
    public static final int AUTHENTICATION_REQUIRED = Status.commandSpecific(0x91);

    // Message types and identifiers.
    public static final int TYPE_COMMON = 0x00;
    public static final int TYPE_DHCHAP = 0x01;
    public static final int ID_NEGOTIATE = 0x00;
    public static final int ID_CHALLENGE = 0x01;
    public static final int ID_REPLY = 0x02;
    public static final int ID_SUCCESS1 = 0x03;
    public static final int ID_SUCCESS2 = 0x04;
    public static final int ID_FAILURE2 = 0xF0;
    public static final int ID_FAILURE1 = 0xF1;
    /** AUTH_Negotiate protocol descriptor AUTHID for DH-HMAC-CHAP. */
    public static final int AUTH_ID_DHCHAP = 0x01;

    /** Failure reason code: authentication failure. */
    public static final int REASON_FAILED = 0x01;
    /** Failure reason code explanations. */
    public static final int FAILED = 0x01;
    public static final int NOT_USABLE = 0x02;
    public static final int CONCAT_MISMATCH = 0x03;
    public static final int HASH_UNUSABLE = 0x04;
    public static final int DHGROUP_UNUSABLE = 0x05;
    public static final int INCORRECT_PAYLOAD = 0x06;
    public static final int INCORRECT_MESSAGE = 0x07;

    private static final byte[] HOST_HOST = "HostHost".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTROLLER = "Controller".getBytes(StandardCharsets.US_ASCII);

    private Dhchap() {
    }

    /** Person-readable meaning of a failure reason code explanation. */
    public static String describeFailure(int explanation) {
        return switch (explanation) {
            case FAILED -> "authentication failed (wrong secret)";
            case NOT_USABLE -> "authentication protocol not usable";
            case CONCAT_MISMATCH -> "secure channel concatenation mismatch";
            case HASH_UNUSABLE -> "no hash function in common";
            case DHGROUP_UNUSABLE -> "no DH group in common, or a bad DH value";
            case INCORRECT_PAYLOAD -> "incorrect payload";
            case INCORRECT_MESSAGE -> "unexpected message";
            default -> String.format("reason 0x%02x", explanation);
        };
    }

    /** The host's response R1 to challenge {@code c1} (already augmented when a DH group is in use). */
    public static byte[] hostResponse(DhchapHash hash, byte[] transformedHostKey, byte[] challenge, int seqnum,
                                      int transactionId, String hostNqn, String subsystemNqn) {
        return response(hash, transformedHostKey, challenge, seqnum, transactionId, HOST_HOST, hostNqn, subsystemNqn);
    }

    /** The controller's response R2 to challenge {@code c2} (already augmented when a DH group is in use). */
    public static byte[] controllerResponse(DhchapHash hash, byte[] transformedCtrlKey, byte[] challenge, int seqnum,
                                            int transactionId, String hostNqn, String subsystemNqn) {
        return response(hash, transformedCtrlKey, challenge, seqnum, transactionId, CONTROLLER, subsystemNqn, hostNqn);
    }

    private static byte[] response(DhchapHash hash, byte[] key, byte[] challenge, int seqnum, int tid, byte[] role,
                                   String firstNqn, String secondNqn) {
        Mac mac = hash.hmac(key);
        mac.update(challenge, 0, hash.length());
        mac.update(new byte[] {(byte) seqnum, (byte) (seqnum >>> 8), (byte) (seqnum >>> 16), (byte) (seqnum >>> 24)});
        mac.update(new byte[] {(byte) tid, (byte) (tid >>> 8)});
        mac.update((byte) 0);
        mac.update(role);
        mac.update(firstNqn.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(secondNqn.getBytes(StandardCharsets.UTF_8));
        return mac.doFinal();
    }

    /** The augmented challenge HMAC(H(sessionKey), challenge) (Linux {@code nvme_auth_augmented_challenge}). */
    public static byte[] augmentedChallenge(DhchapHash hash, byte[] sessionKey, byte[] challenge) {
        byte[] hashedKey = hash.digest(sessionKey);
        try {
            return hash.hmac(hashedKey, challenge);
        } finally {
            java.util.Arrays.fill(hashedKey, (byte) 0);
        }
    }
}
