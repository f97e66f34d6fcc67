package io.locus.protocol.tls;

/**
 * The hash of an NVMe/TCP TLS PSK (NVMe/TCP transport spec, "TLS PSK and PSK identity derivation"; libnvme
 * {@code NVME_HMAC_ALG_*}): it names the HKDF hash of the retained-PSK and TLS-PSK derivations, the {@code <hh>} of the
 * PSK identity, and the cipher suite the PSK is used with.
 */
public enum PskHash {
    /** 01: SHA-256, 32-byte keys, TLS_AES_128_GCM_SHA256 (0x1301). */
    SHA256(1, 32, "HmacSHA256", 0x1301, "TLS_AES_128_GCM_SHA256"),
    /** 02: SHA-384, 48-byte keys, TLS_AES_256_GCM_SHA384 (0x1302). */
    SHA384(2, 48, "HmacSHA384", 0x1302, "TLS_AES_256_GCM_SHA384");

    private final int id;
    private final int length;
    private final String hmac;
    private final int cipherSuite;
    private final String cipherSuiteName;

    PskHash(int id, int length, String hmac, int cipherSuite, String cipherSuiteName) {
        this.id = id;
        this.length = length;
        this.hmac = hmac;
        this.cipherSuite = cipherSuite;
        this.cipherSuiteName = cipherSuiteName;
    }

    /** The identifier: 1 or 2, as in the interchange form's and the identity's {@code <hh>}. */
    public int id() {
        return id;
    }

    /** Hash output length in bytes, and the key length of PSKs that use this hash. */
    public int length() {
        return length;
    }

    /** The JCA HMAC algorithm name. */
    public String hmac() {
        return hmac;
    }

    /** The TLS 1.3 cipher suite a PSK with this hash is used with (IANA value). */
    public int cipherSuite() {
        return cipherSuite;
    }

    public String cipherSuiteName() {
        return cipherSuiteName;
    }

    /** The hash with this identifier, or null. */
    public static PskHash byId(int id) {
        for (PskHash h : values()) {
            if (h.id == id) {
                return h;
            }
        }
        return null;
    }

    /** The hash whose output (and key) length is {@code bytes}, or null: what libnvme's default_hmac picks for hh 00. */
    public static PskHash byLength(int bytes) {
        for (PskHash h : values()) {
            if (h.length == bytes) {
                return h;
            }
        }
        return null;
    }
}
