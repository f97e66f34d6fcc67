package io.locus.runtime.tls;

import java.io.IOException;

/** A TLS handshake or record failure, with a one-line message that names no key. */
public final class TlsFailure extends IOException {
    public TlsFailure(String message) {
        super(message);
    }

    public TlsFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
