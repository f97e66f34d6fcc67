package io.locus.protocol.tls;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The NVMe/TCP TLS key derivations (NVMe/TCP transport spec 3.6.1.3/3.6.1.4; libnvme derive_retained_key,
 * derive_psk_digest, gen_tls_identity and derive_tls_key in src/nvme/linux.c, the RFC 8446 HkdfLabel form that
 * libnvme uses by default, not its pre-1.11 "compat" form):
 * <ol>
 *   <li>retained PSK = HKDF-Expand-Label(HKDF-Extract(0, configured PSK), "HostNQN", hostnqn, L), or the configured
 *       PSK itself when its hash identifier is 00;</li>
 *   <li>identity version 0 {@code NVMe0R<hh> <hostnqn> <subnqn>}; version 1 appends the PSK digest, base64 of
 *       HMAC(retained PSK, hostnqn || " " || subnqn || " " || "NVMe-over-Fabrics");</li>
 *   <li>TLS PSK = HKDF-Expand-Label(HKDF-Extract(0, retained PSK), "nvme-tls-psk", context, L), the context being the
 *       identity (version 0) or {@code <hh> <digest>} (version 1);</li>
 * </ol>
 * with the PSK's hash ({@link TlsPsk#hash()}) for every HMAC and L the configured key's length.
 */
public final class NvmeTlsKeys {
    private static final byte[] DIGEST_SEED = "NVMe-over-Fabrics".getBytes(StandardCharsets.US_ASCII);

    private NvmeTlsKeys() {
    }

    /** A TLS PSK ready for the handshake: the identity to offer (or match) and the key, for {@link #hash()}'s suite. */
    public record Derived(PskIdentity identity, byte[] key) {
        public PskHash hash() {
            return identity.hash();
        }

        @Override
        public String toString() {
            return "Derived[" + identity.text() + ", " + key.length + " bytes]";
        }
    }

    /** The TLS PSK and identity for a host and subsystem (identity version 0 or 1). */
    public static Derived derive(TlsPsk psk, String hostNqn, String subsystemNqn, int version) {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("TLS PSK identity version must be 0 or 1, not " + version);
        }
        PskHash hash = psk.hash();
        byte[] retained = retained(psk, hostNqn);
        try {
            String digest = version == 1 ? digest(hash, retained, hostNqn, subsystemNqn) : null;
            PskIdentity identity = new PskIdentity(version, hash, hostNqn, subsystemNqn, digest);
            String context = version == 0 ? identity.text() : String.format("%02d %s", hash.id(), digest);
            byte[] prk = extract(hash, retained);
            try {
                return new Derived(identity, expandLabel(hash, prk, "nvme-tls-psk", ascii(context), psk.key().length));
            } finally {
                Arrays.fill(prk, (byte) 0);
            }
        } finally {
            Arrays.fill(retained, (byte) 0);
        }
    }

    /** The retained PSK (a fresh array the caller should wipe). */
    static byte[] retained(TlsPsk psk, String hostNqn) {
        if (psk.transform() == 0) {
            return psk.key().clone();
        }
        PskHash hash = psk.hash();
        byte[] prk = extract(hash, psk.key());
        try {
            return expandLabel(hash, prk, "HostNQN", ascii(hostNqn), psk.key().length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    /** The version 1 PSK digest: base64 of HMAC(retained, hostnqn " " subnqn " " "NVMe-over-Fabrics"). */
    static String digest(PskHash hash, byte[] retained, String hostNqn, String subsystemNqn) {
        Mac mac = mac(hash, retained);
        mac.update(ascii(hostNqn));
        mac.update((byte) ' ');
        mac.update(ascii(subsystemNqn));
        mac.update((byte) ' ');
        mac.update(DIGEST_SEED);
        return Base64.getEncoder().encodeToString(mac.doFinal());
    }

    /** HKDF-Extract with an all-zero salt of the hash's length (RFC 5869, "salt not provided"). */
    static byte[] extract(PskHash hash, byte[] ikm) {
        return mac(hash, new byte[hash.length()]).doFinal(ikm);
    }

    /** HKDF-Expand-Label (RFC 8446 7.1): info = uint16 length || opaque label<"tls13 " + label> || opaque context. */
    static byte[] expandLabel(PskHash hash, byte[] prk, String label, byte[] context, int length) {
        byte[] fullLabel = ascii("tls13 " + label);
        if (fullLabel.length > 255 || context.length > 255) {
            throw new IllegalArgumentException("HKDF label context of " + context.length
                    + " bytes is too long (at most 255: are the host and subsystem NQNs very long?)");
        }
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(length >>> 8);
        info.write(length & 0xFF);
        info.write(fullLabel.length);
        info.writeBytes(fullLabel);
        info.write(context.length);
        info.writeBytes(context);
        return expand(hash, prk, info.toByteArray(), length);
    }

    /** HKDF-Expand (RFC 5869 2.3). */
    static byte[] expand(PskHash hash, byte[] prk, byte[] info, int length) {
        Mac mac = mac(hash, prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    private static Mac mac(PskHash hash, byte[] key) {
        try {
            Mac mac = Mac.getInstance(hash.hmac());
            mac.init(new SecretKeySpec(key, hash.hmac()));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hash.hmac() + " is not available", e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
