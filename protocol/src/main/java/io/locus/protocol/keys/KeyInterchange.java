package io.locus.protocol.keys;

import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;

/**
 * The key body both NVMe interchange forms share ({@code DHHC-1:hh:<body>:} for DH-HMAC-CHAP secrets,
 * {@code NVMeTLSkey-1:hh:<body>:} for TLS PSKs): base64 of the key followed by the CRC-32 of the key, little-endian
 * (nvme-cli's gen-dhchap-key and libnvme's nvme_export_tls_key). Messages name the form, never the key.
 */
public final class KeyInterchange {
    private KeyInterchange() {
    }

    /**
     * Decodes a body and checks its CRC-32.
     *
     * @param what         the form's name for messages, e.g. "the TLS PSK"
     * @param validLengths whether a key of that many bytes (CRC excluded) is acceptable; on refusal, {@code lengthRule}
     *                     says what is
     * @return the key without its CRC (the decoded buffer is wiped)
     * @throws IllegalArgumentException for bad base64, a refused length or a CRC mismatch
     */
    public static byte[] decode(String body, String what, java.util.function.IntPredicate validLengths, String lengthRule) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + "'s key is not valid base64");
        }
        try {
            int len = raw.length - 4;
            if (len <= 0 || !validLengths.test(len)) {
                throw new IllegalArgumentException(what + "'s key has " + Math.max(len, 0) + " bytes; " + lengthRule
                        + " (plus a 4-byte CRC-32)");
            }
            long carried = (raw[len] & 0xFFL) | (raw[len + 1] & 0xFFL) << 8 | (raw[len + 2] & 0xFFL) << 16
                    | (raw[len + 3] & 0xFFL) << 24;
            if (crc(raw, len) != carried) {
                throw new IllegalArgumentException(what + "'s CRC-32 does not match its key (mistyped or truncated?)");
            }
            return Arrays.copyOf(raw, len);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** The body for a key: base64 of the key and its CRC-32 (little-endian). */
    public static String encode(byte[] key) {
        byte[] raw = Arrays.copyOf(key, key.length + 4);
        long c = crc(key, key.length);
        for (int i = 0; i < 4; i++) {
            raw[key.length + i] = (byte) (c >>> (8 * i));
        }
        String body = Base64.getEncoder().encodeToString(raw);
        Arrays.fill(raw, (byte) 0);
        return body;
    }

    private static long crc(byte[] b, int len) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, len);
        return crc.getValue();
    }
}
