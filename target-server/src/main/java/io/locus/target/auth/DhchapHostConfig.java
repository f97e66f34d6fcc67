package io.locus.target.auth;

import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapSecret;

import java.util.List;

/**
 * DH-HMAC-CHAP settings for one host of one subsystem (config: an object in {@code subsystems[].hosts}).
 *
 * @param hostKey  the host's secret (required): the host proves it knows it
 * @param ctrlKey  the controller's secret, or null: with it the controller proves itself too when the host asks
 * @param hashes   hash functions the controller accepts, in its order of preference
 * @param dhGroups DH groups the controller accepts, in its order of preference
 */
public record DhchapHostConfig(DhchapSecret hostKey, DhchapSecret ctrlKey, List<DhchapHash> hashes, List<DhGroup> dhGroups) {
    /** Strongest first: the hash costs nothing next to the round trips. */
    public static final List<DhchapHash> DEFAULT_HASHES = List.of(DhchapHash.SHA512, DhchapHash.SHA384, DhchapHash.SHA256);
    /**
     * A DH exchange first (it binds the responses to a fresh shared secret), the cheapest group that gives 112-bit
     * strength before the larger ones, and no exchange (null) last.
     */
    public static final List<DhGroup> DEFAULT_DH_GROUPS = List.of(DhGroup.FFDHE2048, DhGroup.FFDHE3072, DhGroup.FFDHE4096,
            DhGroup.FFDHE6144, DhGroup.FFDHE8192, DhGroup.NULL);

    public DhchapHostConfig {
        if (hostKey == null) {
            throw new IllegalArgumentException("a host entry with DH-HMAC-CHAP needs the host's secret");
        }
        hashes = hashes == null || hashes.isEmpty() ? DEFAULT_HASHES : List.copyOf(hashes);
        dhGroups = dhGroups == null || dhGroups.isEmpty() ? DEFAULT_DH_GROUPS : List.copyOf(dhGroups);
    }

    public DhchapHostConfig(DhchapSecret hostKey, DhchapSecret ctrlKey) {
        this(hostKey, ctrlKey, null, null);
    }

    /** Never the secrets. */
    @Override
    public String toString() {
        return "DhchapHostConfig[hostKey=" + (hostKey != null ? "set" : "none") + ", ctrlKey=" + (ctrlKey != null ? "set" : "none")
                + ", hashes=" + hashes + ", dhGroups=" + dhGroups + "]";
    }
}
