package io.locus.target.tls;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.PskIdentity;
import io.locus.protocol.tls.TlsPsk;
import io.locus.runtime.tls.PskLookup;

import java.util.Map;

/**
 * Finds the TLS PSK for the identity a host offers: the host entry's key in that subsystem, else (for the discovery
 * subsystem) the host's key in any subsystem, else the first any-host key of the identity's hash. The PSK is derived
 * for the identity's host, subsystem and version; a wrong key shows as a failed PSK binder in the handshake.
 */
public final class TargetTlsKeys implements PskLookup {
    private final TargetTlsConfig config;

    public TargetTlsKeys(TargetTlsConfig config) {
        this.config = config;
    }

    @Override
    public NvmeTlsKeys.Derived lookup(PskIdentity id) {
        TlsPsk psk = hostKey(id);
        if (psk == null) {
            for (TlsPsk k : config.anyHostKeys()) {
                if (k.hash() == id.hash()) {
                    psk = k;
                    break;
                }
            }
        }
        if (psk == null || psk.hash() != id.hash()) {
            return null;
        }
        return NvmeTlsKeys.derive(psk, id.hostNqn(), id.subsystemNqn(), id.version());
    }

    private TlsPsk hostKey(PskIdentity id) {
        Map<String, TlsPsk> hosts = config.hostKeys().get(id.subsystemNqn());
        if (hosts != null && hosts.containsKey(id.hostNqn())) {
            return hosts.get(id.hostNqn());
        }
        if (DiscoveryLog.DISCOVERY_NQN.equals(id.subsystemNqn())) {
            for (Map<String, TlsPsk> h : config.hostKeys().values()) {
                TlsPsk k = h.get(id.hostNqn());
                if (k != null && k.hash() == id.hash()) {
                    return k;
                }
            }
        }
        return null;
    }
}
