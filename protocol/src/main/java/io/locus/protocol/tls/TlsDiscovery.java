package io.locus.protocol.tls;

import io.locus.protocol.fabrics.DiscoveryLog;

/**
 * What a discovery log entry says about TLS on its port (TREQ b1:0 and the TCP TSAS SECTYPE at byte 768).
 *
 * <p>A port that requires TLS: TREQ "secure channel required" (1) plus b2 (SQ flow control disable supported), as
 * Linux nvmet sets when a port's tsas is tls1.3 (0x5), and SECTYPE TLS 1.3 (2). A clear-text port of a target that
 * has TLS ports: "not required" (2) plus b2 (0x6), SECTYPE none. A target without TLS ports keeps "not specified"
 * plus b2 (0x4, what Linux nvmet sends for plain TCP): older nvme-cli (2.3) print 0x6 as "unrecognized", and with no
 * TLS anywhere there is nothing to tell apart.
 */
public final class TlsDiscovery {
    /** TSAS (TCP) SECTYPE: no security. */
    public static final int SECTYPE_NONE = 0;
    /** TSAS (TCP) SECTYPE: TLS 1.3. */
    public static final int SECTYPE_TLS13 = 2;

    private TlsDiscovery() {
    }

    /** TREQ of an entry for a port. */
    public static int treq(boolean portRequiresTls, boolean targetHasTlsPorts) {
        int secure = portRequiresTls ? DiscoveryLog.TREQ_REQUIRED
                : targetHasTlsPorts ? DiscoveryLog.TREQ_NOT_REQUIRED : DiscoveryLog.TREQ_NOT_SPECIFIED;
        return secure | DiscoveryLog.TREQ_SQ_FLOW_CONTROL_DISABLE;
    }

    /** TSAS SECTYPE of an entry for a port. */
    public static int sectype(boolean portRequiresTls) {
        return portRequiresTls ? SECTYPE_TLS13 : SECTYPE_NONE;
    }
}
