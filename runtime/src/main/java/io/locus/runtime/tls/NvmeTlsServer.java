package io.locus.runtime.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.PskHash;
import io.locus.protocol.tls.PskIdentity;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Vector;

/**
 * The controller's side of the NVMe/TCP TLS handshake: TLS 1.3 only, external PSKs only (no certificates), the
 * two NVMe/TCP suites, the PSK chosen by the identity the host offers.
 */
final class NvmeTlsServer extends AbstractTlsServer {
    private final PskLookup keys;
    /** The identity the host offered first (for log lines), and the one accepted. */
    String offered;
    PskIdentity accepted;
    String failure;

    NvmeTlsServer(PskLookup keys) {
        super(TlsCryptos.CRYPTO);
        this.keys = keys;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.TLSv13.only();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return new int[] {CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_AES_128_GCM_SHA256};
    }

    @Override
    public TlsPSKExternal getExternalPSK(Vector identities) {
        for (Object o : identities) {
            byte[] raw = ((org.bouncycastle.tls.PskIdentity) o).getIdentity();
            String text = new String(raw, StandardCharsets.US_ASCII);
            if (offered == null) {
                offered = text;
            }
            PskIdentity id;
            try {
                id = PskIdentity.parse(text);
            } catch (IllegalArgumentException e) {
                failure = e.getMessage();
                continue;
            }
            NvmeTlsKeys.Derived psk = keys.lookup(id);
            if (psk == null) {
                failure = "no TLS PSK configured for identity '" + text + "'";
                continue;
            }
            accepted = id;
            return new BasicTlsPSKExternal(raw, getCrypto().createSecret(psk.key()), prf(psk.hash()));
        }
        return null;
    }

    static int prf(PskHash hash) {
        return hash == PskHash.SHA384 ? PRFAlgorithm.tls13_hkdf_sha384 : PRFAlgorithm.tls13_hkdf_sha256;
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        // Reached only when no PSK was selected: there are no certificates to fall back on.
        throw new TlsFatalAlert(AlertDescription.handshake_failure,
                failure != null ? failure : "the host offered no NVMe TLS PSK identity");
    }

    boolean handshakeComplete;

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        handshakeComplete = true;
    }

    @Override
    public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
        if (failure == null || accepted != null) {
            failure = AlertDescription.getName(alertDescription) + (message != null ? ": " + message : "");
        }
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        if (alertDescription != AlertDescription.close_notify && failure == null) {
            failure = "the host sent alert " + AlertDescription.getName(alertDescription);
        }
    }
}
