package io.locus.runtime.tls;

import io.locus.protocol.tls.NvmeTlsKeys;
import io.locus.protocol.tls.PskHash;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsFatalAlert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Vector;

/** The host's side: TLS 1.3 with one external PSK and the one suite of its hash. */
final class NvmeTlsClient extends AbstractTlsClient {
    private final NvmeTlsKeys.Derived psk;
    String sentAlert;
    String receivedAlert;

    NvmeTlsClient(NvmeTlsKeys.Derived psk) {
        super(TlsCryptos.CRYPTO);
        this.psk = psk;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.TLSv13.only();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return new int[] {psk.hash() == PskHash.SHA384 ? CipherSuite.TLS_AES_256_GCM_SHA384 : CipherSuite.TLS_AES_128_GCM_SHA256};
    }

    @Override
    public Vector getExternalPSKs() {
        Vector<Object> v = new Vector<>();
        v.add(new BasicTlsPSKExternal(psk.identity().text().getBytes(StandardCharsets.US_ASCII),
                getCrypto().createSecret(psk.key()), NvmeTlsServer.prf(psk.hash())));
        return v;
    }

    @Override
    public TlsAuthentication getAuthentication() throws IOException {
        // Only asked for when the server answered with certificates instead of taking the PSK.
        throw new TlsFatalAlert(AlertDescription.handshake_failure, "the target did not accept the PSK and offered a certificate");
    }

    boolean handshakeComplete;

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        handshakeComplete = true;
    }

    @Override
    public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
        if (sentAlert == null) {
            sentAlert = AlertDescription.getName(alertDescription) + (message != null ? ": " + message : "");
        }
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        if (alertDescription != AlertDescription.close_notify && receivedAlert == null) {
            receivedAlert = AlertDescription.getName(alertDescription);
        }
    }
}
