package io.locus.initiator.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.TlsPsk;
import io.locus.runtime.tls.TlsRecordHandler;
import io.netty.channel.ChannelHandler;

import java.util.function.Supplier;

/**
 * NVMe/TCP over TLS 1.3 for a host: the configured PSK (interchange form) and the PSK identity version to offer
 * (0, {@code NVMe0R<hh> <hostnqn> <subnqn>}, what Linux and SPDK hosts send by default; or 1, with the PSK digest).
 * The TLS PSK is derived per host and subsystem NQN as libnvme does.
 */
public final class TlsOptions {
    public static final TlsOptions NONE = new TlsOptions(null, 0);

    private final TlsPsk key;
    private final int identityVersion;

    private TlsOptions(TlsPsk key, int identityVersion) {
        this.key = key;
        this.identityVersion = identityVersion;
    }

    /** TLS with this configured PSK, identity version 0. */
    public static TlsOptions psk(TlsPsk key) {
        return new TlsOptions(key, 0);
    }

    /**
     * From the command line's {@code --tls} and {@code --tls-key}: a key implies TLS; TLS without a key is an error
     * (Locus has no keyring to look one up in).
     *
     * @throws IllegalArgumentException naming the option, never the key
     */
    public static TlsOptions of(boolean tls, String interchangeKey) {
        if (interchangeKey == null) {
            if (tls) {
                throw new IllegalArgumentException("--tls needs --tls-key NVMeTLSkey-1:hh:...: (the host has no keyring to find one in)");
            }
            return NONE;
        }
        try {
            return psk(TlsPsk.parse(interchangeKey));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key: " + e.getMessage());
        }
    }

    /** The same key with PSK identity version 0 or 1. */
    public TlsOptions identityVersion(int version) {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("TLS PSK identity version must be 0 or 1, not " + version);
        }
        return new TlsOptions(key, version);
    }

    public boolean enabled() {
        return key != null;
    }

    /** Makes the record-layer handler for each connection of a queue, or returns null without TLS. */
    public Supplier<ChannelHandler> handlers(String hostNqn, String subsystemNqn, String endpoint) {
        if (key == null) {
            return null;
        }
        NvmeTlsKeys.Derived psk = NvmeTlsKeys.derive(key, hostNqn, subsystemNqn, identityVersion);
        return () -> TlsRecordHandler.client(psk, endpoint);
    }

    @Override
    public String toString() {
        return key == null ? "TlsOptions[none]" : "TlsOptions[" + key + ", identity v" + identityVersion + "]";
    }
}
