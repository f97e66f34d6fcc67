package io.locus.target.config;

import io.locus.protocol.tls.TlsPsk;
import io.locus.target.tls.TargetTlsConfig;

import java.util.ArrayList;
import java.util.List;

/** The target's {@code --tls-psk} and {@code --tls-required} flags applied to a configuration. */
public final class TlsFlags {
    private TlsFlags() {
    }

    /**
     * Adds the {@code --tls-psk} keys to the any-host keys and, with {@code --tls-required}, makes every I/O port
     * require TLS (the discovery port stays as configured).
     *
     * @throws IllegalArgumentException for a malformed key (never quoting it) or TLS without any key
     */
    public static TargetConfig apply(TargetConfig config, List<String> psks, boolean required) {
        if (psks.isEmpty() && !required) {
            return config;
        }
        List<TlsPsk> anyHost = new ArrayList<>(config.tls().anyHostKeys());
        for (String k : psks) {
            try {
                anyHost.add(TlsPsk.parse(k));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tls-psk: " + e.getMessage());
            }
        }
        TargetTlsConfig tls = new TargetTlsConfig(config.tls().hostKeys(), anyHost);
        List<TargetConfig.Listen> ports = new ArrayList<>();
        for (TargetConfig.Listen l : config.ports()) {
            ports.add(new TargetConfig.Listen(l.address(), l.port(), (l.tlsRequired() || required) && !l.rdma(),
                    l.transport(), l.anaStates()));
        }
        if (required && !tls.hasKeys()) {
            throw new IllegalArgumentException("--tls-required needs a key: --tls-psk, or tls_key/tls_keys in the configuration");
        }
        return new TargetConfig(config.reactors(), ports, config.discovery(), config.subsystems(), config.limits(), tls);
    }
}
