package io.locus.protocol.auth;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.KeyAgreement;
import javax.crypto.interfaces.DHPublicKey;
import javax.crypto.spec.DHParameterSpec;
import javax.crypto.spec.DHPublicKeySpec;

/**
 * The DH-HMAC-CHAP Diffie-Hellman groups (Linux {@code NVME_AUTH_DHGROUP_*}): null (no exchange) and the RFC 7919
 * finite-field groups ffdhe2048..ffdhe8192, generator 2. Public values and the shared secret travel and are hashed
 * as big-endian numbers zero-padded to the prime's length, as Linux's kpp "dh" produces them.
 *
 * <p>The primes are built from RFC 7919's definition, {@code p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) * 2^64 - 1},
 * with the RFC's X for each size; the unit tests check each against the RFC's published low-order digits and that it
 * is a safe prime. Key generation and agreement are the JDK's ("DH" KeyPairGenerator and KeyAgreement), which also
 * reject peer values outside 2..p-2.
 */
public enum DhGroup {
    NULL(0x00, "null", 0, 0),
    FFDHE2048(0x01, "ffdhe2048", 2048, 560316),
    FFDHE3072(0x02, "ffdhe3072", 3072, 2625351),
    FFDHE4096(0x03, "ffdhe4096", 4096, 5736041),
    FFDHE6144(0x04, "ffdhe6144", 6144, 15705020),
    FFDHE8192(0x05, "ffdhe8192", 8192, 10965728);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int id;
    private final String label;
    private final int bits;
    private final long x;
    private volatile DHParameterSpec spec;

    DhGroup(int id, String label, int bits, long x) {
        this.id = id;
        this.label = label;
        this.bits = bits;
        this.x = x;
    }

    public int id() {
        return id;
    }

    public String label() {
        return label;
    }

    /** Length of a public value and of the shared secret in bytes (0 for the null group). */
    public int valueLength() {
        return bits / 8;
    }

    public boolean isNull() {
        return this == NULL;
    }

    public static DhGroup byId(int id) {
        for (DhGroup g : values()) {
            if (g.id == id) {
                return g;
            }
        }
        return null;
    }

    /** Parses {@code null}, {@code ffdhe2048} ... {@code ffdhe8192} (any case; {@code 2048} alone too). */
    public static DhGroup parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DhGroup g : values()) {
            if (g.label.equals(n) || (g.bits > 0 && n.equals(Integer.toString(g.bits)))) {
                return g;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a DH-HMAC-CHAP DH group (null, ffdhe2048, ffdhe3072, "
                + "ffdhe4096, ffdhe6144, ffdhe8192)");
    }

    /** The group's prime (RFC 7919). */
    public BigInteger prime() {
        return parameters().getP();
    }

    private DHParameterSpec parameters() {
        if (isNull()) {
            throw new IllegalStateException("the null DH group has no parameters");
        }
        DHParameterSpec s = spec;
        if (s == null) {
            s = new DHParameterSpec(rfc7919Prime(bits, x), BigInteger.TWO);
            spec = s;
        }
        return s;
    }

    /** {@code 2^b - 2^(b-64) + (floor(2^(b-130) e) + X) 2^64 - 1} (RFC 7919, appendix A). */
    static BigInteger rfc7919Prime(int b, long x) {
        // floor(2^(b-130) * e) = floor(sum over k of 2^(b-130) / k!), summed with 64 guard bits.
        BigInteger term = BigInteger.ONE.shiftLeft(b - 130 + 64);
        BigInteger sum = BigInteger.ZERO;
        for (int k = 1; term.signum() > 0; k++) {
            sum = sum.add(term);
            term = term.divide(BigInteger.valueOf(k));
        }
        BigInteger eFloor = sum.shiftRight(64);
        return BigInteger.ONE.shiftLeft(b)
                .subtract(BigInteger.ONE.shiftLeft(b - 64))
                .add(eFloor.add(BigInteger.valueOf(x)).shiftLeft(64))
                .subtract(BigInteger.ONE);
    }

    /** A fresh ephemeral key pair in this group. */
    public KeyPair generateKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("DH");
            g.initialize(parameters(), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + label + " key pair", e);
        }
    }

    /** The public value g^x mod p of a key pair, big-endian, zero-padded to {@link #valueLength()}. */
    public byte[] publicValue(KeyPair pair) {
        return pad(((DHPublicKey) pair.getPublic()).getY());
    }

    /**
     * The shared secret g^xy mod p from our key pair and the peer's public value, zero-padded to
     * {@link #valueLength()}.
     *
     * @throws GeneralSecurityException when the peer's value is not a valid public value of this group
     */
    public byte[] sharedSecret(KeyPair ours, byte[] peerPublicValue) throws GeneralSecurityException {
        if (peerPublicValue.length != valueLength()) {
            throw new GeneralSecurityException("a " + label + " public value has " + valueLength() + " bytes, not "
                    + peerPublicValue.length);
        }
        BigInteger y = new BigInteger(1, peerPublicValue);
        BigInteger p = prime();
        if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
            throw new GeneralSecurityException("the peer's " + label + " public value is out of range");
        }
        KeyFactory f = KeyFactory.getInstance("DH");
        var peer = f.generatePublic(new DHPublicKeySpec(y, p, BigInteger.TWO));
        KeyAgreement agreement = KeyAgreement.getInstance("DH");
        agreement.init(ours.getPrivate());
        agreement.doPhase(peer, true);
        byte[] secret = agreement.generateSecret();
        if (secret.length == valueLength()) {
            return secret;
        }
        byte[] padded = pad(new BigInteger(1, secret));
        Arrays.fill(secret, (byte) 0);
        return padded;
    }

    private byte[] pad(BigInteger v) {
        byte[] raw = v.toByteArray();
        int len = valueLength();
        byte[] out = new byte[len];
        int copy = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
        return out;
    }
}
