package io.locus.initiator.auth;

import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapSecret;

import java.util.List;

/**
 * The host's DH-HMAC-CHAP settings (nvme-cli {@code --dhchap-secret}, {@code --dhchap-ctrl-secret}).
 *
 * @param secret     the host's secret; required when the target asks for authentication (Connect ATR)
 * @param ctrlSecret the controller's secret, or null: with it the controller must prove itself too (bidirectional)
 * @param hashes     hash functions offered in AUTH_Negotiate, in order (default: all, as Linux)
 * @param dhGroups   DH groups offered, in order (default: all, null first, as Linux)
 */
public record DhchapOptions(DhchapSecret secret, DhchapSecret ctrlSecret, List<DhchapHash> hashes, List<DhGroup> dhGroups) {
    public static final List<DhchapHash> DEFAULT_HASHES = List.of(DhchapHash.SHA256, DhchapHash.SHA384, DhchapHash.SHA512);
    public static final List<DhGroup> DEFAULT_DH_GROUPS = List.of(DhGroup.values());
    /** No secrets: a target that asks for authentication is refused with a clear error. */
    public static final DhchapOptions NONE = new DhchapOptions(null, null, null, null);

    public DhchapOptions {
        if (ctrlSecret != null && secret == null) {
            throw new IllegalArgumentException("--dhchap-ctrl-secret needs --dhchap-secret too");
        }
        hashes = hashes == null || hashes.isEmpty() ? DEFAULT_HASHES : List.copyOf(hashes);
        dhGroups = dhGroups == null || dhGroups.isEmpty() ? DEFAULT_DH_GROUPS : List.copyOf(dhGroups);
    }

    /**
     * From the interchange texts ({@code DHHC-1:...}); null or empty for none.
     *
     * @throws IllegalArgumentException naming which secret is wrong and why, never its text
     */
    public static DhchapOptions of(String secret, String ctrlSecret) {
        return new DhchapOptions(parse(secret, "--dhchap-secret"), parse(ctrlSecret, "--dhchap-ctrl-secret"), null, null);
    }

    public DhchapOptions withHashes(List<DhchapHash> offered) {
        return new DhchapOptions(secret, ctrlSecret, offered, dhGroups);
    }

    public DhchapOptions withDhGroups(List<DhGroup> offered) {
        return new DhchapOptions(secret, ctrlSecret, hashes, offered);
    }

    public boolean hasSecret() {
        return secret != null;
    }

    public boolean bidirectional() {
        return ctrlSecret != null;
    }

    private static DhchapSecret parse(String text, String what) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return DhchapSecret.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    /** Never the secrets. */
    @Override
    public String toString() {
        return "DhchapOptions[secret=" + (secret != null ? "set" : "none") + ", ctrlSecret=" + (ctrlSecret != null ? "set" : "none")
                + ", hashes=" + hashes + ", dhGroups=" + dhGroups + "]";
    }
}
