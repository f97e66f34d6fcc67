package io.locus.protocol.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The DH-HMAC-CHAP hash functions (NVMe base spec, in-band authentication; Linux {@code NVME_AUTH_HASH_*}): the
 * identifier carried in AUTH_Negotiate's hash list and the challenge's HashID, and the {@code hh} field of a
 * {@code DHHC-1} secret (where 0 means "not transformed").
 */
public enum DhchapHash {
    SHA256(0x01, "sha256", "HmacSHA256", "SHA-256", 32),
    SHA384(0x02, "sha384", "HmacSHA384", "SHA-384", 48),
    SHA512(0x03, "sha512", "HmacSHA512", "SHA-512", 64);

    private final int id;
    private final String label;
    private final String hmacAlgorithm;
    private final String digestAlgorithm;
    private final int length;

    DhchapHash(int id, String label, String hmacAlgorithm, String digestAlgorithm, int length) {
        this.id = id;
        this.label = label;
        this.hmacAlgorithm = hmacAlgorithm;
        this.digestAlgorithm = digestAlgorithm;
        this.length = length;
    }

    /** Wire identifier (1, 2, 3). */
    public int id() {
        return id;
    }

    /** Digest length in bytes: the challenge and response length (HL). */
    public int length() {
        return length;
    }

    /** Name as in configuration and on the command line: {@code sha256}, {@code sha384}, {@code sha512}. */
    public String label() {
        return label;
    }

    /** The hash with this wire identifier, or null. */
    public static DhchapHash byId(int id) {
        for (DhchapHash h : values()) {
            if (h.id == id) {
                return h;
            }
        }
        return null;
    }

    /** Parses {@code sha256}, {@code hmac(sha256)}, {@code sha-256} (any case). */
    public static DhchapHash parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace("-", "");
        if (n.startsWith("hmac(") && n.endsWith(")")) {
            n = n.substring(5, n.length() - 1);
        }
        for (DhchapHash h : values()) {
            if (h.label.equals(n)) {
                return h;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a DH-HMAC-CHAP hash (sha256, sha384, sha512)");
    }

    /** A fresh HMAC keyed with {@code key}. */
    public Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(hmacAlgorithm);
            mac.init(new SecretKeySpec(key, hmacAlgorithm));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hmacAlgorithm + " is not available in this JDK", e);
        }
    }

    /** HMAC(key, data). */
    public byte[] hmac(byte[] key, byte[] data) {
        return hmac(key).doFinal(data);
    }

    /** H(data). */
    public byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(digestAlgorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(digestAlgorithm + " is not available in this JDK", e);
        }
    }
}
