package io.locus.nativeio.rdma;

/**
 * The RDMA-CM connection parameters Locus sets (flow control is always on, as nvme-rdma and SPDK set it).
 *
 * @param responderResources RDMA READs the peer may have outstanding against us (IRD); at most the device's
 *                           {@link DeviceAttributes#maxQpRdAtom()}. On accept, at most what the request offered.
 * @param initiatorDepth     RDMA READs we may have outstanding against the peer (ORD); at most
 *                           {@link DeviceAttributes#maxQpInitRdAtom()}. On accept, at most the request's
 *                           responder resources
 * @param retryCount         transport retries before a send fails with RETRY_EXC_ERR, 0–7 (ignored on accept)
 * @param rnrRetryCount      receiver-not-ready retries, 0–7; 7 means retry forever
 */
public record ConnectionParameters(int responderResources, int initiatorDepth, int retryCount, int rnrRetryCount) {
    public ConnectionParameters {
        if (responderResources < 0 || responderResources > 255 || initiatorDepth < 0 || initiatorDepth > 255) {
            throw new IllegalArgumentException("responder resources and initiator depth are 0..255: " + this);
        }
        if (retryCount < 0 || retryCount > 7 || rnrRetryCount < 0 || rnrRetryCount > 7) {
            throw new IllegalArgumentException("retry counts are 0..7: " + this);
        }
    }

    /** Read depths from the device, 7 retries, RNR retry forever: what the Linux nvme-rdma host asks. */
    public static ConnectionParameters forDevice(DeviceAttributes attributes) {
        return new ConnectionParameters(Math.min(255, attributes.maxQpRdAtom()),
                Math.min(255, attributes.maxQpInitRdAtom()), 7, 7);
    }
}
