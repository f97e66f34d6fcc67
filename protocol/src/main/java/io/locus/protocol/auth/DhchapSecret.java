package io.locus.protocol.auth;

import io.locus.protocol.keys.KeyInterchange;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A DH-HMAC-CHAP secret in the interchange form {@code nvme gen-dhchap-key} writes (NVMe base spec, in-band
 * authentication; Linux {@code nvme_auth_extract_key}): {@code DHHC-1:<hh>:<base64 of key || CRC-32(key) LE>:} with
 * hh 00 (use the key as is), 01 (SHA-256), 02 (SHA-384) or 03 (SHA-512) naming the hash of the transformation, and
 * a key of 32, 48 or 64 bytes.
 *
 * <p>The key never leaves this object except as the transformed secret the exchange needs: {@link #toString()} names
 * the form only, and no parse error repeats the text it was given.
 */
public final class DhchapSecret {
    private static final String PREFIX = "DHHC-1:";
    private static final byte[] TRANSFORM_SUFFIX = "NVMe-over-Fabrics".getBytes(StandardCharsets.US_ASCII);

    private final int hashId;
    private final byte[] key;

    private DhchapSecret(int hashId, byte[] key) {
        this.hashId = hashId;
        this.key = key;
    }

    /**
     * Parses and checks a secret (prefix, hash identifier, base64, key length, CRC-32).
     *
     * @throws IllegalArgumentException saying what is wrong, without the secret
     */
    public static DhchapSecret parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no DH-HMAC-CHAP secret given");
        }
        String s = text.trim();
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a DH-HMAC-CHAP secret starts with 'DHHC-1:' (the form 'nvme gen-dhchap-key' writes)");
        }
        int colon = s.indexOf(':', PREFIX.length());
        if (colon != PREFIX.length() + 2) {
            throw new IllegalArgumentException("a DH-HMAC-CHAP secret has a two-digit hash identifier after 'DHHC-1:' (00, 01, 02 or 03)");
        }
        String hh = s.substring(PREFIX.length(), colon);
        int hashId;
        switch (hh) {
            case "00" -> hashId = 0;
            case "01" -> hashId = 1;
            case "02" -> hashId = 2;
            case "03" -> hashId = 3;
            default -> throw new IllegalArgumentException("the DH-HMAC-CHAP secret's hash identifier '" + sanitize(hh)
                    + "' is not 00 (none), 01 (SHA-256), 02 (SHA-384) or 03 (SHA-512)");
        }
        String body = s.substring(colon + 1);
        if (body.endsWith(":")) {
            body = body.substring(0, body.length() - 1);
        }
        byte[] key = KeyInterchange.decode(body, "the DH-HMAC-CHAP secret", len -> len == 32 || len == 48 || len == 64,
                "it must have 32, 48 or 64");
        return new DhchapSecret(hashId, key);
    }

    /** A new random secret, as {@code nvme gen-dhchap-key --hmac=hashId --key-length=length} makes one. */
    public static DhchapSecret generate(int hashId, int length) {
        if (hashId < 0 || hashId > 3) {
            throw new IllegalArgumentException("hash identifier must be 0..3");
        }
        if (length != 32 && length != 48 && length != 64) {
            throw new IllegalArgumentException("key length must be 32, 48 or 64");
        }
        byte[] key = new byte[length];
        new SecureRandom().nextBytes(key);
        return new DhchapSecret(hashId, key);
    }

    /** The interchange text {@code DHHC-1:hh:...:}. It carries the secret: for the user who asked for it, never for logs. */
    public String encode() {
        return PREFIX + String.format("%02d", hashId) + ":" + KeyInterchange.encode(key) + ":";
    }

    /** 0 (no transformation) or the {@link DhchapHash#id()} the secret is transformed with. */
    public int hashId() {
        return hashId;
    }

    /** Key length in bytes (32, 48 or 64). */
    public int length() {
        return key.length;
    }

    /**
     * The transformed secret for {@code nqn} (Linux {@code nvme_auth_transform_key}): the key itself for hh 00, else
     * HMAC-hh(key, NQN || "NVMe-over-Fabrics"). The host secret is transformed with the host NQN, the controller
     * secret with the subsystem NQN. The caller owns (and should wipe) the result.
     */
    public byte[] transform(String nqn) {
        if (hashId == 0) {
            return key.clone();
        }
        var mac = DhchapHash.byId(hashId).hmac(key);
        mac.update(nqn.getBytes(StandardCharsets.UTF_8));
        mac.update(TRANSFORM_SUFFIX);
        return mac.doFinal();
    }

    /** Same key and hash identifier, compared in constant time. */
    public boolean sameAs(DhchapSecret other) {
        return other != null && hashId == other.hashId && java.security.MessageDigest.isEqual(key, other.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhchapSecret other && sameAs(other);
    }

    @Override
    public int hashCode() {
        return 31 * hashId + key.length;
    }

    /** Names the form, never the key. */
    @Override
    public String toString() {
        return "DHHC-1 secret (" + key.length + " bytes, transform " + (hashId == 0 ? "none" : DhchapHash.byId(hashId).label()) + ")";
    }

    private static String sanitize(String s) {
        return s.length() <= 2 && s.chars().allMatch(c -> c >= 0x20 && c < 0x7F) ? s : "?";
    }
}
