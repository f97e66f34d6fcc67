package io.locus.protocol.tls;

import io.locus.protocol.keys.KeyInterchange;

import java.util.Arrays;

/**
 * A configured NVMe/TCP TLS PSK in the interchange form {@code nvme gen-tls-key} writes and libnvme's
 * {@code nvme_import_tls_key} reads: {@code NVMeTLSkey-1:<hh>:<base64 of key || CRC-32(key) LE>:}.
 *
 * <p>{@code hh} says how the configured PSK becomes the retained PSK: 00 uses it as is (its hash then follows from its
 * length, 32 bytes SHA-256 and 48 bytes SHA-384, as libnvme's default_hmac), 01 transforms it with SHA-256 (a 32-byte
 * key), 02 with SHA-384 (a 48-byte key). The hash also picks the cipher suite (see {@link PskHash}).
 *
 * <p>The key never leaves this object except into a derivation: {@link #toString()} names the form only, and no
 * parse error repeats the text it was given.
 */
public final class TlsPsk {
    private static final String PREFIX = "NVMeTLSkey-1:";

    private final int transform;
    private final byte[] key;

    private TlsPsk(int transform, byte[] key) {
        this.transform = transform;
        this.key = key;
    }

    /**
     * Parses and checks a PSK (prefix, hash identifier, base64, key length, CRC-32, trailing colon).
     *
     * @throws IllegalArgumentException saying what is wrong, never repeating the key
     */
    public static TlsPsk parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no TLS PSK given");
        }
        String s = text.trim();
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a TLS PSK starts with 'NVMeTLSkey-1:' (the interchange form 'nvme gen-tls-key' writes)");
        }
        int colon = s.indexOf(':', PREFIX.length());
        if (colon != PREFIX.length() + 2) {
            throw new IllegalArgumentException("a TLS PSK has a two-digit hash identifier after 'NVMeTLSkey-1:' (00, 01 or 02)");
        }
        String hh = s.substring(PREFIX.length(), colon);
        int transform = switch (hh) {
            case "00" -> 0;
            case "01" -> 1;
            case "02" -> 2;
            default -> throw new IllegalArgumentException("the TLS PSK's hash identifier '" + sanitize(hh)
                    + "' is not 00 (no transform), 01 (SHA-256) or 02 (SHA-384)");
        };
        if (!s.endsWith(":") || s.length() == colon + 1) {
            throw new IllegalArgumentException("a TLS PSK ends with ':' after its base64 key (truncated?)");
        }
        String body = s.substring(colon + 1, s.length() - 1);
        PskHash named = transform == 0 ? null : PskHash.byId(transform);
        String rule = "with hash identifier " + hh + " it must have " + (named == null ? "32 or 48" : String.valueOf(named.length()));
        byte[] key = KeyInterchange.decode(body, "the TLS PSK", len -> {
            PskHash hash = named == null ? PskHash.byLength(len) : named;
            return hash != null && hash.length() == len;
        }, rule);
        return new TlsPsk(transform, key);
    }

    /** A PSK from raw key bytes (tests, and key generation): {@code transform} 0, 1 or 2. */
    public static TlsPsk of(int transform, byte[] key) {
        PskHash hash = transform == 0 ? PskHash.byLength(key.length) : PskHash.byId(transform);
        if (hash == null || hash.length() != key.length) {
            throw new IllegalArgumentException("a TLS PSK with hash identifier " + transform + " cannot have " + key.length + " bytes");
        }
        return new TlsPsk(transform, key.clone());
    }

    /** The interchange form (what {@code nvme gen-tls-key} prints); holds the key, so never log it. */
    public String interchange() {
        return String.format("%s%02d:%s:", PREFIX, transform, KeyInterchange.encode(key));
    }

    /** 0 (use as retained PSK), 1 (SHA-256) or 2 (SHA-384). */
    public int transform() {
        return transform;
    }

    /** The hash of the derivations and the cipher suite: the transform's, or for 00 the one of the key's length. */
    public PskHash hash() {
        return transform == 0 ? PskHash.byLength(key.length) : PskHash.byId(transform);
    }

    byte[] key() {
        return key;
    }

    @Override
    public String toString() {
        return "TlsPsk[" + String.format("%02d", transform) + ", " + key.length + " bytes]";
    }

    private static String sanitize(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7F) ? s : "?";
    }
}
