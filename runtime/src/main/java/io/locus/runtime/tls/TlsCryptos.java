package io.locus.runtime.tls;

import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.security.SecureRandom;

/**
 * The one crypto back end the TLS peers share: Bouncy Castle's TLS over the JDK's JCA providers, so AES-GCM runs on
 * the JDK's intrinsics (AES-NI, CLMUL) and X25519/HMAC/SHA come from SunJCE/SunEC; Bouncy Castle does the protocol.
 */
final class TlsCryptos {
    static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

    private TlsCryptos() {
    }
}
