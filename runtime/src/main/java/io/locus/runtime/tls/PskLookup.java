package io.locus.runtime.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.PskIdentity;

/** The target's keys: the TLS PSK for an identity a host offers, or null when it has none. */
@FunctionalInterface
public interface PskLookup {
    NvmeTlsKeys.Derived lookup(PskIdentity identity);
}
