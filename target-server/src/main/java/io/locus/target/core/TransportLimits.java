package io.locus.target.core;

/**
 * What a transport accepts from a host.
 *
 * @param ioInCapsuleBytes    in-capsule data on I/O queues (IOCCSZ = (64 + this) / 16)
 * @param adminInCapsuleBytes in-capsule data on the admin queue (Connect data travels so)
 * @param maxDataPerPdu       data one host-to-controller data unit may carry (TCP: MAXH2CDATA)
 * @param maxTransferBytes    data one command may move (MDTS)
 * @param sglKinds            the SGL1 descriptors accepted, as {@link #SGL_IN_CAPSULE} | {@link #SGL_TRANSPORT} |
 *                            {@link #SGL_KEYED}
 */
public record TransportLimits(int ioInCapsuleBytes, int adminInCapsuleBytes, int maxDataPerPdu, int maxTransferBytes,
                              int sglKinds) {
    /** Data Block, Offset (0x01): data in the capsule. */
    public static final int SGL_IN_CAPSULE = 1;
    /** Transport Data Block (0x5A): the transport moves the data (R2T/H2CData, C2HData). */
    public static final int SGL_TRANSPORT = 2;
    /** Keyed Data Block (0x40): RDMA READ/WRITE of host memory. */
    public static final int SGL_KEYED = 4;

    /** In-capsule data accepted on queue {@code qid}. */
    public int inCapsuleBytes(int qid) {
        return qid > 0 ? ioInCapsuleBytes : adminInCapsuleBytes;
    }

    public boolean accepts(int sglKind) {
        return (sglKinds & sglKind) != 0;
    }
}
