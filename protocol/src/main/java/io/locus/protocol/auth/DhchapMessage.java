package io.locus.protocol.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * The DH-HMAC-CHAP messages carried by Authentication Send/Receive (Linux {@code struct nvmf_auth_dhchap_*_data}),
 * little-endian. Every message starts with AUTH_TYPE (0), AUTH_ID (1), reserved (2-3), T_ID (4-5):
 * <pre>
 * AUTH_Negotiate (00/00): 6 SC_C | 7 NAPD | 8.. NAPD descriptors of 64 bytes:
 *                         0 AUTHID (1) | 2 HALEN | 3 DHLEN | 4..33 hash IDs | 34..63 DH group IDs
 * Challenge      (01/01): 6 HL | 8 HASHID | 9 DHGID | 10 DHVLEN (2) | 12 SEQNUM (4) | 16 C1 (HL) | DH value (DHVLEN)
 * Reply          (01/02): 6 HL | 8 CVALID | 10 DHVLEN (2) | 12 SEQNUM (4) | 16 R1 (HL) | C2 (HL) | DH value (DHVLEN)
 * Success1       (01/03): 6 HL | 8 RVALID | 16 R2 (HL)
 * Success2       (01/04): 16 bytes, nothing but the header
 * Failure1/2  (00/F1,F0): 6 REASON CODE | 7 EXPLANATION
 * </pre>
 * Records hold the fields; {@link #encode()} writes exactly the message and {@link #decode} reads one, throwing
 * {@link DhchapFormatException} with the failure explanation a peer should get.
 */
public sealed interface DhchapMessage {
    /** Transaction identifier (T_ID). */
    int transactionId();

    byte[] encode();

    int NEGOTIATE_DESCRIPTOR_LENGTH = 64;
    int HEADER_LENGTH = 16;
    int FAILURE_LENGTH = 8;
    int MAX_IDS = 30;

    /** AUTH_Negotiate: the hashes and DH groups the host offers, in its order of preference. */
    record Negotiate(int transactionId, int secureChannel, List<Integer> hashIds, List<Integer> dhGroupIds)
            implements DhchapMessage {
        public Negotiate {
            hashIds = List.copyOf(hashIds);
            dhGroupIds = List.copyOf(dhGroupIds);
            if (hashIds.size() > MAX_IDS || dhGroupIds.size() > MAX_IDS) {
                throw new IllegalArgumentException("at most 30 hash and 30 DH group identifiers");
            }
        }

        @Override
        public byte[] encode() {
            byte[] b = new byte[8 + NEGOTIATE_DESCRIPTOR_LENGTH];
            header(b, Dhchap.TYPE_COMMON, Dhchap.ID_NEGOTIATE, transactionId);
            b[6] = (byte) secureChannel;
            b[7] = 1;
            b[8] = (byte) Dhchap.AUTH_ID_DHCHAP;
            b[10] = (byte) hashIds.size();
            b[11] = (byte) dhGroupIds.size();
            for (int i = 0; i < hashIds.size(); i++) {
                b[12 + i] = (byte) (int) hashIds.get(i);
            }
            for (int i = 0; i < dhGroupIds.size(); i++) {
                b[12 + MAX_IDS + i] = (byte) (int) dhGroupIds.get(i);
            }
            return b;
        }
    }

    /** DH-HMAC-CHAP_Challenge: the controller's choice of hash and group, S1, C1 and its DH public value. */
    record Challenge(int transactionId, int hashId, int dhGroupId, int seqnum, byte[] challenge, byte[] dhValue)
            implements DhchapMessage {
        @Override
        public byte[] encode() {
            byte[] b = new byte[HEADER_LENGTH + challenge.length + dhValue.length];
            header(b, Dhchap.TYPE_DHCHAP, Dhchap.ID_CHALLENGE, transactionId);
            b[6] = (byte) challenge.length;
            b[8] = (byte) hashId;
            b[9] = (byte) dhGroupId;
            le16(b, 10, dhValue.length);
            le32(b, 12, seqnum);
            System.arraycopy(challenge, 0, b, HEADER_LENGTH, challenge.length);
            System.arraycopy(dhValue, 0, b, HEADER_LENGTH + challenge.length, dhValue.length);
            return b;
        }

        @Override
        public String toString() {
            return "Challenge[tid=" + transactionId + ", hash=" + hashId + ", dhgroup=" + dhGroupId + ", hl="
                    + challenge.length + ", dhvlen=" + dhValue.length + "]";
        }
    }

    /**
     * DH-HMAC-CHAP_Reply: R1, and C2 with CVALID when the host wants the controller to prove itself too (S2 non-zero
     * then), and the host's DH public value.
     */
    record Reply(int transactionId, boolean challengeValid, int seqnum, byte[] response, byte[] challenge, byte[] dhValue)
            implements DhchapMessage {
        @Override
        public byte[] encode() {
            int hl = response.length;
            byte[] b = new byte[HEADER_LENGTH + 2 * hl + dhValue.length];
            header(b, Dhchap.TYPE_DHCHAP, Dhchap.ID_REPLY, transactionId);
            b[6] = (byte) hl;
            b[8] = (byte) (challengeValid ? 1 : 0);
            le16(b, 10, dhValue.length);
            le32(b, 12, seqnum);
            System.arraycopy(response, 0, b, HEADER_LENGTH, hl);
            if (challengeValid) {
                System.arraycopy(challenge, 0, b, HEADER_LENGTH + hl, hl);
            }
            System.arraycopy(dhValue, 0, b, HEADER_LENGTH + 2 * hl, dhValue.length);
            return b;
        }

        @Override
        public String toString() {
            return "Reply[tid=" + transactionId + ", cvalid=" + challengeValid + ", hl=" + response.length
                    + ", dhvlen=" + dhValue.length + "]";
        }
    }

    /** DH-HMAC-CHAP_Success1: the controller accepted R1; R2 with RVALID when the host sent C2. */
    record Success1(int transactionId, int hashLength, boolean responseValid, byte[] response) implements DhchapMessage {
        @Override
        public byte[] encode() {
            byte[] b = new byte[HEADER_LENGTH + hashLength];
            header(b, Dhchap.TYPE_DHCHAP, Dhchap.ID_SUCCESS1, transactionId);
            b[6] = (byte) hashLength;
            b[8] = (byte) (responseValid ? 1 : 0);
            if (responseValid) {
                System.arraycopy(response, 0, b, HEADER_LENGTH, hashLength);
            }
            return b;
        }

        @Override
        public String toString() {
            return "Success1[tid=" + transactionId + ", hl=" + hashLength + ", rvalid=" + responseValid + "]";
        }
    }

    /** DH-HMAC-CHAP_Success2: the host accepted R2. */
    record Success2(int transactionId) implements DhchapMessage {
        @Override
        public byte[] encode() {
            byte[] b = new byte[HEADER_LENGTH];
            header(b, Dhchap.TYPE_DHCHAP, Dhchap.ID_SUCCESS2, transactionId);
            return b;
        }
    }

    /** AUTH_Failure1 (controller to host) or AUTH_Failure2 (host to controller). */
    record Failure(int transactionId, boolean fromController, int reasonCode, int explanation) implements DhchapMessage {
        @Override
        public byte[] encode() {
            byte[] b = new byte[FAILURE_LENGTH];
            header(b, Dhchap.TYPE_COMMON, fromController ? Dhchap.ID_FAILURE1 : Dhchap.ID_FAILURE2, transactionId);
            b[6] = (byte) reasonCode;
            b[7] = (byte) explanation;
            return b;
        }
    }

    /**
     * Reads one message from the first {@code length} bytes of {@code b}. Trailing bytes past the message (an
     * Authentication Receive buffer larger than the message) are ignored.
     */
    static DhchapMessage decode(byte[] b, int length) throws DhchapFormatException {
        if (length < FAILURE_LENGTH || length > b.length) {
            throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "message of " + length + " bytes is too short");
        }
        int type = b[0] & 0xFF;
        int id = b[1] & 0xFF;
        int tid = u16(b, 4);
        if (type == Dhchap.TYPE_COMMON) {
            switch (id) {
                case Dhchap.ID_NEGOTIATE -> {
                    return negotiate(b, length, tid);
                }
                case Dhchap.ID_FAILURE1, Dhchap.ID_FAILURE2 -> {
                    return new Failure(tid, id == Dhchap.ID_FAILURE1, b[6] & 0xFF, b[7] & 0xFF);
                }
                default -> throw new DhchapFormatException(Dhchap.INCORRECT_MESSAGE,
                        String.format("unknown common message 0x%02x", id));
            }
        }
        if (type != Dhchap.TYPE_DHCHAP) {
            throw new DhchapFormatException(Dhchap.INCORRECT_MESSAGE, String.format("unknown message type 0x%02x", type));
        }
        if (length < HEADER_LENGTH) {
            throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "message of " + length + " bytes is too short");
        }
        int hl = b[6] & 0xFF;
        switch (id) {
            case Dhchap.ID_CHALLENGE -> {
                int dhvlen = u16(b, 10);
                need(length, HEADER_LENGTH + hl + dhvlen);
                return new Challenge(tid, b[8] & 0xFF, b[9] & 0xFF, (int) u32(b, 12), slice(b, HEADER_LENGTH, hl),
                        slice(b, HEADER_LENGTH + hl, dhvlen));
            }
            case Dhchap.ID_REPLY -> {
                int dhvlen = u16(b, 10);
                need(length, HEADER_LENGTH + 2 * hl + dhvlen);
                boolean cvalid = (b[8] & 1) != 0;
                return new Reply(tid, cvalid, (int) u32(b, 12), slice(b, HEADER_LENGTH, hl),
                        slice(b, HEADER_LENGTH + hl, hl), slice(b, HEADER_LENGTH + 2 * hl, dhvlen));
            }
            case Dhchap.ID_SUCCESS1 -> {
                boolean rvalid = (b[8] & 1) != 0;
                need(length, HEADER_LENGTH + (rvalid ? hl : 0));
                return new Success1(tid, hl, rvalid, rvalid ? slice(b, HEADER_LENGTH, hl) : new byte[0]);
            }
            case Dhchap.ID_SUCCESS2 -> {
                return new Success2(tid);
            }
            default -> throw new DhchapFormatException(Dhchap.INCORRECT_MESSAGE,
                    String.format("unknown DH-HMAC-CHAP message 0x%02x", id));
        }
    }

    /** Reads a whole buffer as one message. */
    static DhchapMessage decode(byte[] b) throws DhchapFormatException {
        return decode(b, b.length);
    }

    private static Negotiate negotiate(byte[] b, int length, int tid) throws DhchapFormatException {
        need(length, 8 + NEGOTIATE_DESCRIPTOR_LENGTH);
        int napd = b[7] & 0xFF;
        if (napd < 1) {
            throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "no protocol descriptor");
        }
        // The first DH-HMAC-CHAP descriptor is the one that counts (the only protocol there is).
        for (int d = 0; d < napd; d++) {
            int base = 8 + d * NEGOTIATE_DESCRIPTOR_LENGTH;
            if (base + NEGOTIATE_DESCRIPTOR_LENGTH > length) {
                break;
            }
            if ((b[base] & 0xFF) != Dhchap.AUTH_ID_DHCHAP) {
                continue;
            }
            int halen = b[base + 2] & 0xFF;
            int dhlen = b[base + 3] & 0xFF;
            if (halen > MAX_IDS || dhlen > MAX_IDS) {
                throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "more than 30 identifiers in a list");
            }
            List<Integer> hashes = new ArrayList<>(halen);
            for (int i = 0; i < halen; i++) {
                hashes.add(b[base + 4 + i] & 0xFF);
            }
            List<Integer> groups = new ArrayList<>(dhlen);
            for (int i = 0; i < dhlen; i++) {
                groups.add(b[base + 4 + MAX_IDS + i] & 0xFF);
            }
            return new Negotiate(tid, b[6] & 0xFF, hashes, groups);
        }
        throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "no DH-HMAC-CHAP protocol descriptor");
    }

    private static void need(int length, int needed) throws DhchapFormatException {
        if (length < needed) {
            throw new DhchapFormatException(Dhchap.INCORRECT_PAYLOAD, "message of " + length + " bytes where its lengths say " + needed);
        }
    }

    private static void header(byte[] b, int type, int id, int tid) {
        b[0] = (byte) type;
        b[1] = (byte) id;
        le16(b, 4, tid);
    }

    private static void le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    private static void le32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }
}
