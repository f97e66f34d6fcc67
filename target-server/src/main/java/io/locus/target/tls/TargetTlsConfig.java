package io.locus.target.tls;

import io.locus.protocol.tls.TlsPsk;

import java.util.List;
import java.util.Map;

/**
 * The target's TLS PSKs.
 *
 * @param hostKeys    by subsystem NQN, then host NQN: the configured PSK of a host entry ({@code "tls_key"})
 * @param anyHostKeys configured PSKs any host may use with any subsystem ({@code "tls_keys"}, {@code --tls-psk}):
 *                    the first whose hash matches the identity the host offers
 */
public record TargetTlsConfig(Map<String, Map<String, TlsPsk>> hostKeys, List<TlsPsk> anyHostKeys) {
    public static final TargetTlsConfig NONE = new TargetTlsConfig(Map.of(), List.of());

    public TargetTlsConfig {
        hostKeys = Map.copyOf(hostKeys);
        anyHostKeys = List.copyOf(anyHostKeys);
    }

    public boolean hasKeys() {
        return !anyHostKeys.isEmpty() || hostKeys.values().stream().anyMatch(m -> !m.isEmpty());
    }

    @Override
    public String toString() {
        return "TargetTlsConfig[" + hostKeys.values().stream().mapToInt(Map::size).sum() + " host keys, "
                + anyHostKeys.size() + " any-host keys]";
    }
}
